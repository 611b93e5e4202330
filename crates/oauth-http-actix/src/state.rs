//! What handlers share: the ports and services composed by `auth-server`.

use std::net::IpAddr;
use std::sync::Arc;

use oauth_core::ports::{KeySet, ReadinessProbe};
use oauth_core::service::authorize::AuthorizeService;
use oauth_core::service::cors::CorsService;
use oauth_core::service::device_authorization::DeviceAuthorizationService;
use oauth_core::service::introspection::IntrospectionService;
use oauth_core::service::logout::LogoutService;
use oauth_core::service::pushed_authorization::PushedAuthorizationService;
use oauth_core::service::registration::RegistrationService;
use oauth_core::service::revocation::RevocationService;
use oauth_core::service::token::TokenService;
use oauth_core::service::userinfo::UserinfoService;

use crate::browser::CookiePolicy;
use crate::middleware::trace_context::TraceContext;
use crate::pages::Pages;

/// Shared, immutable handler state. Cheap to clone (every field is shared).
#[derive(Clone)]
pub struct AppState {
    /// Answers `/readyz`.
    pub readiness: Arc<dyn ReadinessProbe>,
    /// The authorization endpoint and its pages: begin, login, consent.
    pub authorize: Arc<AuthorizeService>,
    /// Sign-out and RP-initiated logout.
    pub logout: Arc<LogoutService>,
    /// The token endpoint: client authentication and the grants.
    pub token: Arc<TokenService>,
    /// The pushed authorization request endpoint (RFC 9126).
    pub pushed: Arc<PushedAuthorizationService>,
    /// The device authorization endpoint (RFC 8628); `None` when the
    /// device grant is not offered, when its path answers 404.
    pub device: Option<Arc<DeviceAuthorizationService>>,
    /// The introspection endpoint (RFC 7662).
    pub introspection: Arc<IntrospectionService>,
    /// The revocation endpoint (RFC 7009).
    pub revocation: Arc<RevocationService>,
    /// The userinfo endpoint (OIDC Core §5.3).
    pub userinfo: Arc<UserinfoService>,
    /// Which origins may read the answers of those four (CORS).
    pub cors: Arc<CorsService>,
    /// Dynamic client registration (RFC 7591, RFC 7592); `None` while off,
    /// when its paths answer 404.
    pub registration: Option<Arc<RegistrationService>>,
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
    /// Adopts a caller's W3C trace context as the parent of the request
    /// span; `None` (no trace export) leaves `traceparent` unread.
    pub trace_context: Option<Arc<dyn TraceContext>>,
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
    use oauth_core::service::authorize::{AuthorizePorts, AuthorizeService, SignInPolicy};
    use oauth_core::service::logout::{LogoutPorts, LogoutService};
    use oauth_core::service::token_endpoints::{TokenEndpointPorts, TokenEndpoints};
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
        state_over(readiness, &Arc::new(InMemoryStore::default()), |_, _| {})
    }

    /// Registration in `open` mode over `store`.
    fn open_registration(store: &Arc<InMemoryStore>) -> RegistrationService {
        use oauth_core::service::registration::{RegistrationMode, RegistrationPolicy, RegistrationPorts};
        let ports = RegistrationPorts::over(
            store,
            Arc::new(ManualClock::at(fixtures::T0)),
            Arc::new(SeqRandom::new(3)),
        );
        let policy = RegistrationPolicy {
            mode: RegistrationMode::Open,
            template: oauth_core::client::SelfAssertedTemplate { scopes: std::collections::BTreeSet::new() },
            per_address: oauth_core::throttle::AuthorizeQuota::default(),
            total: oauth_core::throttle::AuthorizeQuota::default(),
            max_clients: 100,
        };
        RegistrationService::new(ports, policy)
    }

    /// The device authorization endpoint over `store`.
    fn device_service(
        store: &Arc<InMemoryStore>,
        authenticator: oauth_core::service::client_authentication::ClientAuthenticator,
        clock: Arc<ManualClock>,
        random: Arc<SeqRandom>,
    ) -> DeviceAuthorizationService {
        use oauth_core::service::device_authorization::{DevicePolicy, DevicePorts};
        let ports = DevicePorts {
            authenticator,
            devices: store.clone(),
            targets: oauth_core::service::resource_targets::ResourceTargets::new(store.clone()),
            catalog: Arc::default(),
            clock,
            random,
            attempts: store.clone(),
        };
        let policy = DevicePolicy {
            lifetime: oauth_core::device_authorization::DEFAULT_DEVICE_CODE_LIFETIME,
            interval: oauth_core::device_authorization::DEFAULT_POLL_INTERVAL,
            verification_uri: "http://127.0.0.1:8080/device".into(),
            quota: oauth_core::throttle::AuthorizeQuota::default(),
            total: oauth_core::throttle::AuthorizeQuota::default(),
        };
        DeviceAuthorizationService::new(ports, policy)
    }

    /// A state over `store`, with its ports changed by `adjust` (a failing one, say).
    pub(crate) fn state_over(
        readiness: Arc<dyn ReadinessProbe>,
        store: &Arc<InMemoryStore>,
        adjust: impl FnOnce(&mut AuthorizePorts, &mut TokenEndpointPorts),
    ) -> AppState {
        let clock = Arc::new(ManualClock::at(fixtures::T0));
        let random = Arc::new(SeqRandom::new(1));
        let signer = Arc::new(RecordingSigner::default());
        let mut ports = AuthorizePorts::over(store, Arc::new(PlainTextHasher), clock.clone(), random.clone());
        let logout = LogoutService::new(LogoutPorts::over(store), signer.clone(), clock.clone());
        let mut token_ports =
            TokenEndpointPorts::over(store, signer.clone(), signer, clock.clone(), random.clone());
        adjust(&mut ports, &mut token_ports);
        let policy = TokenPolicy::for_issuer("http://127.0.0.1:8080");
        let dummy = oauth_core::password::PasswordHash::new("$plaintext-test-only$dummy".into());
        let authenticator = oauth_core::service::client_authentication::ClientAuthenticator::new(
            token_ports.clients.clone(),
            token_ports.attempts.clone(),
            clock.clone(),
        );
        let endpoints = TokenEndpoints::compose(token_ports, Arc::default(), policy);
        let authorize =
            Arc::new(AuthorizeService::new(ports, Arc::default(), SignInPolicy::default(), dummy));
        let device = device_service(store, authenticator.clone(), clock.clone(), random.clone());
        let push_ports = oauth_core::service::pushed_authorization::PushPorts {
            authenticator,
            authorize: authorize.clone(),
            pushed: store.clone(),
            clock,
            random,
            attempts: store.clone(),
        };
        let push_policy = oauth_core::service::pushed_authorization::PushPolicy {
            lifetime: oauth_core::pushed_request::DEFAULT_PUSHED_REQUEST_LIFETIME,
            quota: oauth_core::throttle::AuthorizeQuota::default(),
        };
        AppState {
            readiness,
            pushed: Arc::new(PushedAuthorizationService::new(push_ports, push_policy)),
            device: Some(Arc::new(device)),
            authorize,
            logout: Arc::new(logout),
            token: Arc::new(endpoints.token),
            introspection: Arc::new(endpoints.introspection),
            revocation: Arc::new(endpoints.revocation),
            userinfo: Arc::new(endpoints.userinfo),
            cors: Arc::new(endpoints.cors),
            registration: Some(Arc::new(open_registration(store))),
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
            trace_context: None,
        }
    }
}
