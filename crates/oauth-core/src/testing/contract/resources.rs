//! The `ResourceRepository` contract.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use time::Duration;

use super::contract_suite;
use crate::error::RepoError;
use crate::ports::ResourceRepository;
use crate::resource::{Resource, ResourceUri};
use crate::scope::ScopeName;
use crate::testing::fixtures::{self, T0};
use crate::token::SigningAlg;

contract_suite! {
    on resources:
    round_trips_every_field,
    refuses_a_second_resource_with_the_same_uri,
    uris_are_compared_as_exact_text,
    update_replaces_all_but_the_uri_and_creation,
    unknown_uris_are_not_found,
    delete_removes_the_resource,
    lists_by_uri,
}

fn resource(uri: &str, scopes: &[&str]) -> Resource {
    fixtures::resource(uri, scopes)
}

/// Every field comes back as stored, set and unset.
pub async fn round_trips_every_field(repo: Arc<dyn ResourceRepository>) {
    let plain = resource("https://api.example.com/plain", &[]);
    let full = Resource {
        allow_dynamic_clients: true,
        access_token_ttl: Some(Duration::minutes(5)),
        access_token_alg: Some(SigningAlg::Rs256),
        updated_at: T0 + Duration::seconds(7),
        ..resource("https://calendar.example.com/v1?tenant=7", &["calendar:read", "calendar:write"])
    };
    for r in [&plain, &full] {
        repo.insert(r).await.unwrap();
        assert_eq!(repo.find(&r.uri).await.unwrap().as_ref(), Some(r));
    }
}

/// One row per URI; the refused insert changes nothing.
pub async fn refuses_a_second_resource_with_the_same_uri(repo: Arc<dyn ResourceRepository>) {
    let first = resource("https://api.example.com", &["a:read"]);
    repo.insert(&first).await.unwrap();
    let again = Resource { name: "Another".into(), ..first.clone() };
    assert!(matches!(repo.insert(&again).await, Err(RepoError::Conflict(_))));
    assert_eq!(repo.find(&first.uri).await.unwrap(), Some(first));
}

/// `aud` is compared as text, so the registry must not fold case or add a slash.
pub async fn uris_are_compared_as_exact_text(repo: Arc<dyn ResourceRepository>) {
    repo.insert(&resource("https://api.example.com/", &[])).await.unwrap();
    repo.insert(&resource("https://API.example.com/", &[])).await.unwrap();
    let without_slash = ResourceUri::parse("https://api.example.com").unwrap();
    assert_eq!(repo.find(&without_slash).await.unwrap(), None);
    assert_eq!(repo.list().await.unwrap().len(), 2);
}

/// Name, scopes, flag, lifetime, algorithm and `updated_at` change; the
/// URI and `created_at` stay.
pub async fn update_replaces_all_but_the_uri_and_creation(repo: Arc<dyn ResourceRepository>) {
    let original = resource("https://api.example.com", &["a:read"]);
    repo.insert(&original).await.unwrap();
    let changed = Resource {
        name: "Renamed".into(),
        scopes: [ScopeName::parse("a:write").unwrap()].into(),
        allow_dynamic_clients: true,
        access_token_ttl: Some(Duration::minutes(2)),
        access_token_alg: Some(SigningAlg::Es256),
        created_at: T0 + Duration::days(1),
        updated_at: T0 + Duration::hours(1),
        ..original.clone()
    };
    repo.update(&changed).await.unwrap();
    let stored = repo.find(&original.uri).await.unwrap().unwrap();
    assert_eq!(stored, Resource { created_at: T0, ..changed.clone() });
    let cleared = Resource { access_token_ttl: None, access_token_alg: None, ..stored };
    repo.update(&cleared).await.unwrap();
    assert_eq!(repo.find(&original.uri).await.unwrap(), Some(cleared));
}

/// Reads find nothing; writes are `NotFound`.
pub async fn unknown_uris_are_not_found(repo: Arc<dyn ResourceRepository>) {
    let ghost = resource("https://ghost.example.com", &[]);
    assert_eq!(repo.find(&ghost.uri).await.unwrap(), None);
    assert!(matches!(repo.update(&ghost).await, Err(RepoError::NotFound)));
    assert!(matches!(repo.delete(&ghost.uri).await, Err(RepoError::NotFound)));
}

/// A deleted resource is gone; the others stay.
pub async fn delete_removes_the_resource(repo: Arc<dyn ResourceRepository>) {
    let (a, b) = (resource("https://a.example.com", &[]), resource("https://b.example.com", &[]));
    repo.insert(&a).await.unwrap();
    repo.insert(&b).await.unwrap();
    repo.delete(&a.uri).await.unwrap();
    assert_eq!(repo.find(&a.uri).await.unwrap(), None);
    assert_eq!(repo.list().await.unwrap(), vec![b]);
}

/// Ordered by the URI's bytes, whatever the database's collation.
pub async fn lists_by_uri(repo: Arc<dyn ResourceRepository>) {
    for uri in
        ["https://b.example.com", "https://B.example.com", "https://a.example.com/x", "https://a.example.com"]
    {
        repo.insert(&resource(uri, &[])).await.unwrap();
    }
    let uris: Vec<String> = repo.list().await.unwrap().into_iter().map(|r| r.uri.to_string()).collect();
    assert_eq!(
        uris,
        [
            "https://B.example.com",
            "https://a.example.com",
            "https://a.example.com/x",
            "https://b.example.com"
        ]
    );
}
