#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

use super::*;
use std::sync::Mutex;

use crate::client::{ClientKeys, ClientMetadata, JwksUri};
use crate::client_assertion::{AssertionClaims, Audience, AudiencePolicy, JWT_BEARER_ASSERTION};
use crate::ports::{
    AssertionRefused, ClientAssertionVerifier, ClientKeySets, ClientRepository, KeySetRefused,
};
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
    client_with_keys(ClientKeys::Registered(jwks.into()))
}

fn client_with_keys(keys: ClientKeys) -> Client {
    let base = client(1, "Signed", "unused");
    Client {
        metadata: ClientMetadata {
            auth_method: AuthMethod::PrivateKeyJwt,
            keys: Some(keys),
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
            published: None,
        });
    let presented =
        PresentedCredentials::asserted(None, Some("client1"), JWT_BEARER_ASSERTION, "a.b.c", false).unwrap();
    let accepted = authenticator.authenticate(&presented, "198.51.100.7").await;
    assert!(accepted.is_ok(), "refused on a stale copy: {accepted:?}");
    let replayed = authenticator.authenticate(&presented, "198.51.100.7").await;
    assert!(replayed.is_err(), "the jti is spent");
}

const PUBLISHED_AT: &str = "https://rp.example/jwks.json";

/// A client's published set: `kept` while fresh; `renewed` when fetched
/// again (`None`: within the cooldown); every call counted.
struct Published {
    kept: Result<&'static str, &'static str>,
    renewed: Option<&'static str>,
    calls: Mutex<Vec<&'static str>>,
}

impl Published {
    fn new(kept: Result<&'static str, &'static str>, renewed: Option<&'static str>) -> Arc<Self> {
        Arc::new(Self { kept, renewed, calls: Mutex::new(Vec::new()) })
    }

    fn calls(&self) -> Vec<&'static str> {
        self.calls.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl ClientKeySets for Published {
    async fn key_set(&self, uri: &JwksUri) -> Result<Arc<str>, KeySetRefused> {
        assert_eq!(uri.as_str(), PUBLISHED_AT);
        self.calls.lock().unwrap().push("kept");
        self.kept.map(Arc::from).map_err(|why| KeySetRefused(why.into()))
    }

    async fn renewed_key_set(&self, uri: &JwksUri) -> Result<Option<Arc<str>>, KeySetRefused> {
        assert_eq!(uri.as_str(), PUBLISHED_AT);
        self.calls.lock().unwrap().push("renewed");
        Ok(self.renewed.map(Arc::from))
    }
}

async fn authenticate_published(
    published: Option<Arc<Published>>,
    jti_store: Arc<InMemoryStore>,
) -> Result<Client, TokenFailure> {
    let clock = Arc::new(ManualClock::at(T0));
    let keys = ClientKeys::Published(JwksUri::parse(PUBLISHED_AT).unwrap());
    if ClientRepository::find(jti_store.as_ref(), &client_with_keys(keys.clone()).id).await.unwrap().is_none()
    {
        ClientRepository::insert(jti_store.as_ref(), &client_with_keys(keys)).await.unwrap();
    }
    let directory =
        ClientDirectory::cached(jti_store.clone(), Arc::new(MemoryClientCache::default()), clock.clone());
    let authenticator =
        ClientAuthenticator::new(directory, jti_store.clone(), clock).checking_assertions(AssertionCheck {
            verifier: Arc::new(OnlyNewKeys),
            seen: jti_store,
            audience: AudiencePolicy { issuer: ISSUER.into(), legacy_token_endpoint: None },
            published: published.map(|p| p as Arc<dyn ClientKeySets>),
        });
    let presented =
        PresentedCredentials::asserted(None, Some("client1"), JWT_BEARER_ASSERTION, "a.b.c", false).unwrap();
    authenticator.authenticate(&presented, "198.51.100.7").await
}

#[tokio::test]
async fn published_keys_verify_from_the_kept_copy() {
    let published = Published::new(Ok("new-keys"), None);
    let accepted = authenticate_published(Some(published.clone()), Arc::default()).await;
    assert!(accepted.is_ok(), "{accepted:?}");
    assert_eq!(published.calls(), ["kept"], "no second fetch when the first copy verifies");
}

/// OIDC Core §10.1.1: a client that rotated its keys is fetched again.
#[tokio::test]
async fn rotated_published_keys_are_fetched_again() {
    let published = Published::new(Ok("old-keys"), Some("new-keys"));
    let accepted = authenticate_published(Some(published.clone()), Arc::default()).await;
    assert!(accepted.is_ok(), "{accepted:?}");
    assert_eq!(published.calls(), ["kept", "renewed"]);
}

/// Within the cooldown no newer copy comes, and the assertion is refused.
#[tokio::test]
async fn an_assertion_the_kept_copy_refuses_is_refused_within_the_cooldown() {
    let published = Published::new(Ok("old-keys"), None);
    let refused = authenticate_published(Some(published.clone()), Arc::default()).await;
    assert!(matches!(refused, Err(TokenFailure::Refused(OAuthError::InvalidClient(_)))), "{refused:?}");
    assert_eq!(published.calls(), ["kept", "renewed"]);
}

#[tokio::test]
async fn a_key_set_that_cannot_be_fetched_refuses_the_client() {
    let published = Published::new(Err("the document server answered with status 500"), None);
    let refused = authenticate_published(Some(published), Arc::default()).await;
    assert!(matches!(refused, Err(TokenFailure::Refused(OAuthError::InvalidClient(_)))), "{refused:?}");
}

#[tokio::test]
async fn without_a_fetcher_published_keys_are_refused() {
    let refused = authenticate_published(None, Arc::default()).await;
    assert!(matches!(refused, Err(TokenFailure::Refused(OAuthError::InvalidClient(_)))), "{refused:?}");
}
