//! The `ClientRepository` contract.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use time::Duration;

use super::contract_suite;
use crate::client::{
    AuthMethod, ClientId, ClientKeys, ClientOrigin, GrantType, IdTokenAlg, JwksUri, SecretDigest,
    StoredSecret,
};
use crate::error::RepoError;
use crate::ports::ClientRepository;
use crate::redirect_uri::RedirectUri;
use crate::resource::ResourceUri;
use crate::testing::fixtures::{self, T0};

contract_suite! {
    on clients:
    round_trips_every_field,
    round_trips_keys_by_value_and_by_url,
    refuses_duplicate_name_regardless_of_case,
    update_replaces_metadata_but_not_secrets,
    rotation_keeps_at_most_two_secrets,
    rotation_without_grace_drops_the_old_secret,
    rotations_within_one_second_keep_the_current_secret,
    unknown_ids_are_not_found,
    delete_removes_the_client,
    lists_by_name,
    keeps_document_clients_apart_from_registered_names,
}

/// Every field comes back as stored.
pub async fn round_trips_every_field(repo: Arc<dyn ClientRepository>) {
    let mut client = fixtures::client(1, "Billing Web", "secret-one");
    client.metadata.skip_consent = true;
    client.metadata.id_token_alg = IdTokenAlg::Es256;
    client.metadata.grant_types.insert(GrantType::ClientCredentials);
    client.metadata.resources = ["https://calendar.example.com/", "https://payroll.example.com?v=2"]
        .iter()
        .map(|uri| ResourceUri::parse(uri).unwrap())
        .collect();
    client.updated_at = T0 + Duration::seconds(7);
    repo.insert(&client).await.unwrap();
    let stored = repo.find(&client.id).await.unwrap().expect("stored client");
    assert_eq!(stored, client);
    assert!(stored.secret_matches("secret-one", T0));
    let by_name = repo.find_by_name("billing web").await.unwrap().expect("found by name");
    assert_eq!(by_name.id, client.id);
}

/// A `private_key_jwt` client's keys come back as stored, whether
/// published at a URL or registered by value, and one replaces the other.
pub async fn round_trips_keys_by_value_and_by_url(repo: Arc<dyn ClientRepository>) {
    let mut client = fixtures::client(1, "Signing", "unused");
    client.secrets.clear();
    client.metadata.auth_method = AuthMethod::PrivateKeyJwt;
    client.metadata.keys =
        Some(ClientKeys::Published(JwksUri::parse("https://signing.example/jwks.json").unwrap()));
    repo.insert(&client).await.unwrap();
    assert_eq!(repo.find(&client.id).await.unwrap().expect("stored client"), client);
    client.metadata.keys = Some(ClientKeys::Registered(r#"{"keys":[]}"#.into()));
    repo.update(&client).await.unwrap();
    assert_eq!(repo.find(&client.id).await.unwrap().expect("stored client"), client);
    client.metadata.keys =
        Some(ClientKeys::Published(JwksUri::parse("https://signing.example/v2/jwks.json").unwrap()));
    repo.update(&client).await.unwrap();
    assert_eq!(repo.find(&client.id).await.unwrap().expect("stored client"), client);
}

/// A second client with the same name in another case is a conflict.
pub async fn refuses_duplicate_name_regardless_of_case(repo: Arc<dyn ClientRepository>) {
    repo.insert(&fixtures::client(1, "Billing", "a")).await.unwrap();
    let error = repo.insert(&fixtures::client(2, "BILLING", "b")).await.unwrap_err();
    assert!(matches!(error, RepoError::Conflict(_)), "got {error:?}");
    assert!(repo.find(&ClientId::parse("client2").unwrap()).await.unwrap().is_none(), "nothing written");
}

/// `update` changes metadata, the flag and `updated_at`, never the secrets.
pub async fn update_replaces_metadata_but_not_secrets(repo: Arc<dyn ClientRepository>) {
    let client = fixtures::client(1, "Billing", "keep-me");
    repo.insert(&client).await.unwrap();
    let mut changed = client.clone();
    changed.metadata.redirect_uris =
        vec![RedirectUri::parse("https://new.example/cb", changed.metadata.client_type).unwrap()];
    changed.metadata.allowed_origins.clear();
    changed.metadata.resources = [ResourceUri::parse("https://calendar.example.com/").unwrap()].into();
    changed.disabled = true;
    changed.updated_at = T0 + Duration::hours(2);
    changed.secrets.clear();
    repo.update(&changed).await.unwrap();
    let stored = repo.find(&client.id).await.unwrap().unwrap();
    assert_eq!(stored.metadata, changed.metadata);
    assert!(stored.disabled);
    assert_eq!(stored.updated_at, T0 + Duration::hours(2));
    assert_eq!(stored.created_at, T0);
    assert!(stored.secret_matches("keep-me", T0), "secrets untouched by update");
}

/// After two rotations with grace, exactly the newest two secrets remain.
pub async fn rotation_keeps_at_most_two_secrets(repo: Arc<dyn ClientRepository>) {
    let client = fixtures::client(1, "Billing", "first");
    repo.insert(&client).await.unwrap();
    let second = StoredSecret {
        digest: SecretDigest::of("second"),
        created_at: T0 + Duration::hours(1),
        expires_at: None,
    };
    let grace_end = T0 + Duration::hours(25);
    repo.rotate_secret(&client.id, &second, Some(grace_end), T0 + Duration::hours(1)).await.unwrap();
    let stored = repo.find(&client.id).await.unwrap().unwrap();
    assert_eq!(stored.secrets.len(), 2);
    assert!(stored.secret_matches("first", grace_end - Duration::seconds(1)), "old secret inside the grace");
    assert!(!stored.secret_matches("first", grace_end), "old secret after the grace");
    assert!(stored.secret_matches("second", grace_end + Duration::days(300)));

    let third = StoredSecret {
        digest: SecretDigest::of("third"),
        created_at: T0 + Duration::hours(2),
        expires_at: None,
    };
    repo.rotate_secret(&client.id, &third, Some(T0 + Duration::hours(3)), T0 + Duration::hours(2))
        .await
        .unwrap();
    let stored = repo.find(&client.id).await.unwrap().unwrap();
    assert_eq!(stored.secrets.len(), 2, "never more than two");
    assert!(!stored.secret_matches("first", T0 + Duration::hours(2)), "the oldest is gone at once");
    assert!(stored.secret_matches("second", T0 + Duration::hours(2)));
    assert!(stored.secret_matches("third", T0 + Duration::hours(2)));
    assert_eq!(stored.updated_at, T0 + Duration::hours(2));
}

/// Without a grace period the previous secret stops working at once.
pub async fn rotation_without_grace_drops_the_old_secret(repo: Arc<dyn ClientRepository>) {
    let client = fixtures::client(1, "Billing", "first");
    repo.insert(&client).await.unwrap();
    let second = StoredSecret { digest: SecretDigest::of("second"), created_at: T0, expires_at: None };
    repo.rotate_secret(&client.id, &second, None, T0).await.unwrap();
    let stored = repo.find(&client.id).await.unwrap().unwrap();
    assert_eq!(stored.secrets.len(), 1);
    assert!(!stored.secret_matches("first", T0));
    assert!(stored.secret_matches("second", T0));
}

/// Secrets carry whole seconds, so rotations within one second tie on
/// `created_at`: the secret kept for the grace period is still the one that
/// was current (the one without an end), never the one already ending.
pub async fn rotations_within_one_second_keep_the_current_secret(repo: Arc<dyn ClientRepository>) {
    let client = fixtures::client(1, "Billing", "secret-0");
    repo.insert(&client).await.unwrap();
    let grace_end = T0 + Duration::hours(1);
    for n in 1..=4 {
        let new = StoredSecret {
            digest: SecretDigest::of(&format!("secret-{n}")),
            created_at: T0,
            expires_at: None,
        };
        repo.rotate_secret(&client.id, &new, Some(grace_end), T0).await.unwrap();
        let stored = repo.find(&client.id).await.unwrap().unwrap();
        assert_eq!(stored.secrets.len(), 2, "rotation {n}");
        assert!(stored.secret_matches(&format!("secret-{n}"), T0), "rotation {n}: the new secret works");
        assert!(
            stored.secret_matches(&format!("secret-{}", n - 1), T0),
            "rotation {n}: the secret current before it works during the grace"
        );
        let current: Vec<_> = stored.secrets.iter().filter(|s| s.expires_at.is_none()).collect();
        assert_eq!(current.len(), 1, "rotation {n}: one current secret");
        assert_eq!(current[0].digest, new.digest, "rotation {n}: the new secret is the current one");
    }
}

/// Operations on an unknown id are `NotFound`.
pub async fn unknown_ids_are_not_found(repo: Arc<dyn ClientRepository>) {
    let ghost = fixtures::client(9, "Ghost", "x");
    assert!(repo.find(&ghost.id).await.unwrap().is_none());
    assert!(matches!(repo.update(&ghost).await, Err(RepoError::NotFound)));
    assert!(matches!(repo.delete(&ghost.id).await, Err(RepoError::NotFound)));
    let secret = StoredSecret { digest: SecretDigest::of("y"), created_at: T0, expires_at: None };
    assert!(matches!(repo.rotate_secret(&ghost.id, &secret, None, T0).await, Err(RepoError::NotFound)));
}

/// Deleting removes the client and its secrets; the name becomes free again.
pub async fn delete_removes_the_client(repo: Arc<dyn ClientRepository>) {
    let client = fixtures::client(1, "Billing", "x");
    repo.insert(&client).await.unwrap();
    repo.delete(&client.id).await.unwrap();
    assert!(repo.find(&client.id).await.unwrap().is_none());
    repo.insert(&fixtures::client(2, "Billing", "y")).await.unwrap();
}

/// Listing is ordered by name, case-insensitively.
pub async fn lists_by_name(repo: Arc<dyn ClientRepository>) {
    for (n, name) in ["carol", "Alice", "bob"].iter().enumerate() {
        repo.insert(&fixtures::client(n as u64 + 1, name, "s")).await.unwrap();
    }
    let names: Vec<String> = repo.list().await.unwrap().into_iter().map(|c| c.metadata.name).collect();
    assert_eq!(names, ["Alice", "bob", "carol"]);
}

/// A metadata document's client keeps its URL id and origin, and its
/// self-chosen name takes nobody's: an operator's client of the same name
/// and a second document of the same name are both stored.
pub async fn keeps_document_clients_apart_from_registered_names(repo: Arc<dyn ClientRepository>) {
    let registered = fixtures::client(1, "Visual Studio Code", "secret-one");
    repo.insert(&registered).await.unwrap();
    let mut documented = fixtures::client(2, "Visual Studio Code", "unused");
    documented.id = ClientId::parse("https://vscode.example/oauth/client.json").unwrap();
    documented.origin = ClientOrigin::MetadataDocument;
    documented.secrets.clear();
    repo.insert(&documented).await.unwrap();
    let mut second = documented.clone();
    second.id = ClientId::parse("https://other.example/client.json").unwrap();
    repo.insert(&second).await.unwrap();

    let found = repo.find(&documented.id).await.unwrap().expect("stored");
    assert_eq!(found, documented);
    assert_eq!(found.origin, ClientOrigin::MetadataDocument);
    let by_name = repo.find_by_name("visual studio code").await.unwrap().expect("the operator's");
    assert_eq!(by_name.id, registered.id, "a name lookup finds only the operator's client");
    assert_eq!(repo.list().await.unwrap().len(), 3);
}
