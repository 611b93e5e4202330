//! The `ClientRepository` promises that metadata-document clients rely on:
//! metadata replaced without touching the operator's `disabled`, and the
//! sweep of the ones nobody approved.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use time::Duration;

use super::{ContractStores, contract_suite};
use crate::client::{Client, ClientId, ClientOrigin};
use crate::error::RepoError;
use crate::scope::ScopeName;
use crate::testing::fixtures::{self, T0};

contract_suite! {
    replacing_metadata_keeps_the_disabled_flag,
    only_old_unapproved_document_clients_are_purged,
}

fn document_client(n: u64, created_at: time::OffsetDateTime) -> Client {
    let mut client = fixtures::client(n, "Agent", "unused");
    client.id = ClientId::parse(&format!("https://agent{n}.example/client.json")).unwrap();
    client.origin = ClientOrigin::MetadataDocument;
    client.secrets.clear();
    client.created_at = created_at;
    client.updated_at = created_at;
    client
}

/// A sign-in under way for `client`: a session with a pending request.
async fn sign_in_waiting_on(stores: &ContractStores, client: &Client) {
    use crate::authorization_request::AuthorizationParams;
    use crate::pending::{PendingAuthorization, PendingDigest};
    use crate::session::{Session, SessionDigest, SessionId};
    let session = Session {
        id: SessionId::generate(&crate::testing::SeqRandom::new(1)).unwrap(),
        digest: SessionDigest::of("waiting"),
        login: None,
        created_at: T0,
        expires_at: T0 + Duration::days(3),
    };
    stores.sessions.insert(&session).await.unwrap();
    let pending = PendingAuthorization {
        digest: PendingDigest::of("pending"),
        session_id: session.id,
        client_id: client.id.clone(),
        params: AuthorizationParams::new(vec![("client_id".into(), client.id.as_str().into())]),
        created_at: T0,
        expires_at: T0 + Duration::days(3),
    };
    stores.sessions.insert_pending(&pending).await.unwrap();
}

/// A document's new metadata never re-enables what an operator disabled.
pub async fn replacing_metadata_keeps_the_disabled_flag(stores: ContractStores) {
    let client = document_client(1, T0);
    stores.clients.insert(&client).await.unwrap();
    stores.clients.update(&Client { disabled: true, ..client.clone() }).await.unwrap();
    let mut metadata = client.metadata.clone();
    metadata.name = "Renamed Agent".into();
    let later = T0 + Duration::minutes(5);
    stores.clients.replace_metadata(&client.id, &metadata, later).await.unwrap();
    let found = stores.clients.find(&client.id).await.unwrap().unwrap();
    assert!(found.disabled, "still disabled");
    assert_eq!((found.metadata.name.as_str(), found.updated_at), ("Renamed Agent", later));
    let unknown = ClientId::parse("https://nobody.example/c").unwrap();
    assert!(matches!(
        stores.clients.replace_metadata(&unknown, &metadata, later).await,
        Err(RepoError::NotFound)
    ));
}

/// The sweep takes document clients older than the cut-off that no user
/// approved, at most `limit` per call; never a registered or a disabled
/// one, nor one a sign-in is waiting on.
pub async fn only_old_unapproved_document_clients_are_purged(stores: ContractStores) {
    let cutoff = T0 + Duration::days(1);
    let (old, approved, recent) =
        (document_client(1, T0), document_client(2, T0), document_client(3, cutoff));
    let more: Vec<Client> = (4..7).map(|n| document_client(n, T0)).collect();
    let blocked = Client { disabled: true, ..document_client(7, T0) };
    let waiting = document_client(8, T0);
    let registered = fixtures::client(9, "Registered", "s");
    for client in [&old, &approved, &recent, &registered, &blocked, &waiting].into_iter().chain(&more) {
        stores.clients.insert(client).await.unwrap();
    }
    sign_in_waiting_on(&stores, &waiting).await;
    let user = fixtures::user(1, "ada@example.com");
    stores.users.insert(&user).await.unwrap();
    let openid: BTreeSet<ScopeName> = [ScopeName::parse("openid").unwrap()].into();
    stores.consents.grant(user.id, &approved.id, &openid, T0).await.unwrap();

    assert_eq!(stores.clients.purge_unapproved_documents(cutoff, 2).await.unwrap(), 2, "bounded");
    assert_eq!(stores.clients.purge_unapproved_documents(cutoff, 100).await.unwrap(), 2);
    assert_eq!(stores.clients.purge_unapproved_documents(cutoff, 100).await.unwrap(), 0);
    for kept in [&approved, &recent, &registered, &blocked, &waiting] {
        assert!(stores.clients.find(&kept.id).await.unwrap().is_some(), "{} kept", kept.id);
    }
    for gone in std::iter::once(&old).chain(&more) {
        assert!(stores.clients.find(&gone.id).await.unwrap().is_none(), "{} purged", gone.id);
    }
}
