#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

use super::*;
use crate::client::ClientMetadata;
use crate::client_assertion::{AssertionClaims, Audience, JWT_BEARER_ASSERTION};
use crate::ports::{AssertionRefused, ClientRepository};
use crate::testing::fixtures::{T0, client};
use crate::testing::{InMemoryStore, ManualClock, MemoryClientCache};

const ISSUER: &str = "https://id.example";

/// Accepts assertions only against the key set "new-keys".
struct OnlyNewKeys;

#[async_trait::async_trait]
impl ClientAssertionVerifier for OnlyNewKeys {
    async fn verify(&self, _assertion: &str, jwks: &str) -> Result<AssertionClaims, AssertionRefused> {
        if jwks != "new-keys" {
            return Err(AssertionRefused("no registered key has this kid".into()));
        }
        Ok(AssertionClaims {
            iss: Some("client1".into()),
            sub: Some("client1".into()),
            aud: Some(Audience::One(ISSUER.into())),
            exp: Some((T0 + time::Duration::minutes(1)).unix_timestamp()),
            nbf: None,
            iat: None,
            jti: Some("j1".into()),
        })
    }
}

fn signing_client(jwks: &str) -> Client {
    let base = client(1, "Signed", "unused");
    Client {
        metadata: ClientMetadata {
            auth_method: AuthMethod::PrivateKeyJwt,
            jwks: Some(jwks.into()),
            ..base.metadata.clone()
        },
        secrets: vec![],
        ..base
    }
}

/// `clients update --jwks-file` on one instance; another still holds the
/// old set in its cache: the stored set decides before a refusal, and the
/// assertion is still good once.
#[tokio::test]
async fn a_key_set_replaced_elsewhere_is_used_at_once() {
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(ManualClock::at(T0));
    ClientRepository::insert(store.as_ref(), &signing_client("new-keys")).await.unwrap();
    let cache = Arc::new(MemoryClientCache::default());
    cache.hold(signing_client("old-keys"));
    let directory = ClientDirectory::cached(store.clone(), cache, clock.clone());
    let authenticator =
        ClientAuthenticator::new(directory, store.clone(), clock).checking_assertions(AssertionCheck {
            verifier: Arc::new(OnlyNewKeys),
            seen: store.clone(),
            audience: AudiencePolicy { issuer: ISSUER.into(), legacy_token_endpoint: None },
        });
    let presented =
        PresentedCredentials::asserted(None, Some("client1"), JWT_BEARER_ASSERTION, "a.b.c", false).unwrap();
    let accepted = authenticator.authenticate(&presented, "198.51.100.7").await;
    assert!(accepted.is_ok(), "refused on a stale copy: {accepted:?}");
    let replayed = authenticator.authenticate(&presented, "198.51.100.7").await;
    assert!(replayed.is_err(), "the jti is spent");
}
