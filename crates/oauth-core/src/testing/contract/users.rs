//! The `UserRepository` contract.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use time::Duration;

use super::contract_suite;
use crate::error::RepoError;
use crate::password::PasswordHash;
use crate::ports::{UserPage, UserRepository};
use crate::testing::fixtures::{self, T0};
use crate::user::{DisplayName, Email, UserId};

contract_suite! {
    on users:
    round_trips_every_field,
    finds_by_email_ignoring_case,
    refuses_duplicate_email_regardless_of_case,
    concurrent_duplicates_have_one_winner,
    disable_stamps_updated_at,
    replaces_password_hash,
    updates_of_unknown_id_are_not_found,
    lists_in_email_order_by_page,
}

/// Every field comes back as stored, times to the second.
pub async fn round_trips_every_field(repo: Arc<dyn UserRepository>) {
    let mut user = fixtures::user(1, "Zoë.Ünïcode@Example.com");
    user.display_name = DisplayName::parse("Zoë «Ünïcode» O'Brien").unwrap();
    user.email_verified = true;
    user.created_at = T0 + Duration::seconds(5);
    user.updated_at = T0 + Duration::seconds(9);
    repo.insert(&user).await.unwrap();

    let by_id = repo.find_by_id(user.id).await.unwrap().expect("stored user");
    assert_eq!(by_id, user);
    assert_eq!(by_id.email.as_str(), "Zoë.Ünïcode@Example.com", "typed case kept");
    assert!(repo.find_by_id(fixtures::user(2, "x@example.com").id).await.unwrap().is_none());
}

/// Lookups by email ignore case.
pub async fn finds_by_email_ignoring_case(repo: Arc<dyn UserRepository>) {
    let user = fixtures::user(1, "Ada@Example.com");
    repo.insert(&user).await.unwrap();
    for probe in ["ada@example.com", "ADA@EXAMPLE.COM", "Ada@Example.com"] {
        let found = repo.find_by_email(&Email::parse(probe).unwrap()).await.unwrap();
        assert_eq!(found.map(|u| u.id), Some(user.id), "probe {probe}");
    }
    let missing = repo.find_by_email(&Email::parse("bob@example.com").unwrap()).await.unwrap();
    assert!(missing.is_none());
}

/// A second user with the same email in another case is a conflict and writes nothing.
pub async fn refuses_duplicate_email_regardless_of_case(repo: Arc<dyn UserRepository>) {
    let first = fixtures::user(1, "ada@example.com");
    repo.insert(&first).await.unwrap();
    let second = fixtures::user(2, "ADA@example.COM");
    let error = repo.insert(&second).await.unwrap_err();
    assert!(matches!(error, RepoError::Conflict(_)), "got {error:?}");
    assert!(repo.find_by_id(second.id).await.unwrap().is_none(), "nothing written");
    let page = repo.list(&UserPage { after: None, limit: 10 }).await.unwrap();
    assert_eq!(page.len(), 1);
}

/// Of concurrent inserts of one email, exactly one succeeds.
pub async fn concurrent_duplicates_have_one_winner(repo: Arc<dyn UserRepository>) {
    let attempts = (0..8_u64).map(|n| {
        let repo = repo.clone();
        async move { repo.insert(&fixtures::user(n + 1, "race@example.com")).await }
    });
    let results = super::join_all(attempts).await;
    let wins = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "results: {results:?}");
    assert!(
        results.iter().all(|r| matches!(r, Ok(()) | Err(RepoError::Conflict(_)))),
        "losers must see Conflict: {results:?}"
    );
}

/// Disabling sets the flag and `updated_at`, and can be undone.
pub async fn disable_stamps_updated_at(repo: Arc<dyn UserRepository>) {
    let user = fixtures::user(1, "ada@example.com");
    repo.insert(&user).await.unwrap();
    let later = T0 + Duration::minutes(3);
    repo.set_disabled(user.id, true, later).await.unwrap();
    let stored = repo.find_by_id(user.id).await.unwrap().unwrap();
    assert!(stored.disabled);
    assert_eq!(stored.updated_at, later);
    assert_eq!(stored.created_at, T0, "created_at untouched");
    repo.set_disabled(user.id, false, later).await.unwrap();
    assert!(!repo.find_by_id(user.id).await.unwrap().unwrap().disabled);
}

/// A new hash replaces the old one.
pub async fn replaces_password_hash(repo: Arc<dyn UserRepository>) {
    let user = fixtures::user(1, "ada@example.com");
    repo.insert(&user).await.unwrap();
    let hash = PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$new$hash".into());
    let later = T0 + Duration::hours(1);
    repo.set_password_hash(user.id, &hash, later).await.unwrap();
    let stored = repo.find_by_id(user.id).await.unwrap().unwrap();
    assert_eq!(stored.password_hash, hash);
    assert_eq!(stored.updated_at, later);
}

/// Updating an id that does not exist is `NotFound`.
pub async fn updates_of_unknown_id_are_not_found(repo: Arc<dyn UserRepository>) {
    let ghost = UserId::parse("00000000-0000-4000-8000-999999999999").unwrap();
    let disabled = repo.set_disabled(ghost, true, T0).await;
    assert!(matches!(disabled, Err(RepoError::NotFound)), "got {disabled:?}");
    let hash = PasswordHash::new("x".into());
    let reset = repo.set_password_hash(ghost, &hash, T0).await;
    assert!(matches!(reset, Err(RepoError::NotFound)), "got {reset:?}");
}

/// Listing is ordered by email key and pages with `after`.
pub async fn lists_in_email_order_by_page(repo: Arc<dyn UserRepository>) {
    for (n, email) in ["carol@example.com", "Alice@example.com", "bob@example.com"].iter().enumerate() {
        repo.insert(&fixtures::user(n as u64 + 1, email)).await.unwrap();
    }
    let first = repo.list(&UserPage { after: None, limit: 2 }).await.unwrap();
    let keys: Vec<&str> = first.iter().map(|u| u.email.key()).collect();
    assert_eq!(keys, ["alice@example.com", "bob@example.com"]);
    let next = repo.list(&UserPage { after: Some("bob@example.com".into()), limit: 2 }).await.unwrap();
    let keys: Vec<&str> = next.iter().map(|u| u.email.key()).collect();
    assert_eq!(keys, ["carol@example.com"]);
}
