//! What handlers share: the ports and services composed by `auth-server`.

use std::net::IpAddr;
use std::sync::Arc;

use oauth_core::ports::{KeySet, ReadinessProbe};
use oauth_core::service::authorize::AuthorizeService;
use oauth_core::service::token::TokenService;

use crate::browser::CookiePolicy;
use crate::pages::Pages;

/// Shared, immutable handler state. Cheap to clone (every field is shared).
#[derive(Clone)]
pub struct AppState {
    /// Answers `/readyz`.
    pub readiness: Arc<dyn ReadinessProbe>,
    /// The browser flow: authorize, login, consent, logout.
    pub flow: Arc<AuthorizeService>,
    /// The token endpoint.
    pub tokens: Arc<TokenService>,
    /// The JWK Set.
    pub keys: Arc<dyn KeySet>,
    /// The metadata document and cache lifetimes.
    pub publication: Arc<Publication>,
    /// The HTML pages.
    pub pages: Arc<Pages>,
    /// The issuer identifier, exactly as configured (the `iss` of RFC 9207).
    pub issuer: Arc<str>,
    /// How the session cookie is named and flagged.
    pub cookie: CookiePolicy,
    /// Connections from these addresses may name the client in `X-Forwarded-For`.
    pub trusted_proxies: Arc<[IpAddr]>,
}

/// The public documents and how long caches may keep them.
#[derive(Debug, Clone)]
pub struct Publication {
    /// The server metadata (OIDC Discovery and RFC 8414), as JSON.
    pub metadata: Arc<str>,
    pub metadata_etag: Arc<str>,
    pub metadata_max_age: u32,
    pub jwks_max_age: u32,
    /// Where RFC 8414 puts the metadata for this issuer, when it has a path
    /// (`/.well-known/oauth-authorization-server/<path>`).
    pub oauth_metadata_path: String,
}

impl Publication {
    /// The documents for `metadata` (already JSON).
    pub fn new(metadata: String, oauth_metadata_path: String, max_age: u32, jwks_max_age: u32) -> Self {
        let etag = format!("\"{}\"", oauth_core::digest::Digest::<Publication>::of(&metadata).to_hex());
        Self {
            metadata: metadata.into(),
            metadata_etag: etag.into(),
            metadata_max_age: max_age,
            jwks_max_age,
            oauth_metadata_path,
        }
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("issuer", &self.issuer).finish_non_exhaustive()
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use std::sync::Arc;

    use oauth_core::ports::ReadinessProbe;
    use oauth_core::service::authorize::{AuthorizeService, FlowPolicy, FlowPorts};
    use oauth_core::service::token::{TokenPorts, TokenService};
    use oauth_core::testing::{
        InMemoryStore, ManualClock, PlainTextHasher, RecordingSigner, SeqRandom, fixtures,
    };
    use oauth_core::token::TokenPolicy;

    use super::*;

    /// A key set that never changes.
    struct FixedKeys;

    #[async_trait::async_trait]
    impl oauth_core::ports::KeySet for FixedKeys {
        async fn published(
            &self,
        ) -> Result<oauth_core::ports::PublishedKeys, oauth_core::ports::KeySetUnavailable> {
            Ok(oauth_core::ports::PublishedKeys { json: r#"{"keys":[]}"#.into(), etag: "\"k\"".into() })
        }
    }

    /// A state over the in-memory store, with the given readiness probe.
    pub(crate) fn state(readiness: Arc<dyn ReadinessProbe>) -> AppState {
        let store = Arc::new(InMemoryStore::default());
        let clock = Arc::new(ManualClock::at(fixtures::T0));
        let random = Arc::new(SeqRandom::new(1));
        let signer = Arc::new(RecordingSigner::default());
        let ports =
            FlowPorts::over(&store, Arc::new(PlainTextHasher), signer.clone(), clock.clone(), random.clone());
        let token_ports = TokenPorts::over(&store, signer.clone(), signer, clock, random);
        let policy = TokenPolicy::for_issuer("http://127.0.0.1:8080");
        let dummy = oauth_core::password::PasswordHash::new("$plaintext-test-only$dummy".into());
        AppState {
            readiness,
            flow: Arc::new(AuthorizeService::new(ports, Arc::default(), FlowPolicy::default(), dummy)),
            tokens: Arc::new(TokenService::new(token_ports, Arc::default(), policy)),
            keys: Arc::new(FixedKeys),
            publication: Arc::new(Publication::new(
                r#"{"issuer":"http://127.0.0.1:8080"}"#.into(),
                String::new(),
                60,
                60,
            )),
            pages: Arc::new(Pages::new("http://127.0.0.1:8080").unwrap()),
            issuer: "http://127.0.0.1:8080".into(),
            cookie: CookiePolicy::new(false),
            trusted_proxies: Arc::new([]),
        }
    }
}
