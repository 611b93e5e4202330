//! Wiring, for `auth-server` and embedders: the services of the endpoints
//! that serve clients with tokens (token, introspection, revocation,
//! userinfo, CORS), built from one set of ports. Composition only: each
//! service keeps just the ports it uses, and can be built on its own.

use std::sync::Arc;

use crate::ports::{
    ClientRegistrationRepository, ClientRepository, Clock, CodeRepository, DeviceAuthorizationRepository,
    DiscardEvents, GrantStore, GrantedAppRepository, LoginAttemptRepository, RandomSource,
    RefreshTokenRepository, ResourceRepository, RevokedTokenRepository, SecurityEventSink, TokenSigner,
    TokenVerifier, UserRepository,
};
use crate::scope::ScopeCatalog;
use crate::service::audit::Audit;
use crate::service::client_authentication::{AssertionCheck, ClientAuthenticator};
use crate::service::client_directory::ClientDirectory;
use crate::service::cors::CorsService;
use crate::service::dpop::DpopService;
use crate::service::introspection::IntrospectionService;
use crate::service::live_token::{LiveTokenPorts, LiveTokens};
use crate::service::mint::Minter;
use crate::service::resource_targets::ResourceTargets;
use crate::service::revocation::{RevocationPorts, RevocationService};
use crate::service::token::{
    AuthorizationCodeGrant, AuthorizationCodePorts, ClientCredentialsGrant, DeviceCodeGrant, DeviceCodePorts,
    GrantHandler, RefreshTokenGrant, RefreshTokenPorts, TokenService,
};
use crate::service::userinfo::UserinfoService;
use crate::token::TokenPolicy;

/// The adapters the token-endpoint family is built from. Replace a field
/// before [`TokenEndpoints::compose`] to put a decorator (a cache) in front,
/// or `clients` with a [`ClientDirectory::cached`] one.
#[derive(Clone)]
pub struct TokenEndpointPorts {
    /// Registered clients: authentication, CORS, live-token checks.
    pub clients: ClientDirectory,
    /// Users: a token of a disabled or signed-out user is dead.
    pub users: Arc<dyn UserRepository>,
    /// Authorization codes, redeemed by the code grant.
    pub codes: Arc<dyn CodeRepository>,
    /// Refresh families and tokens.
    pub refresh: Arc<dyn RefreshTokenRepository>,
    /// The code and refresh grants' every-request reads and writes, each in
    /// one unit of work where the store can.
    pub grants: Arc<dyn GrantStore>,
    /// Revoked access-token ids.
    pub revoked: Arc<dyn RevokedTokenRepository>,
    /// When a user revoked an app on the account page: its access tokens
    /// from before are dead.
    pub apps: Arc<dyn GrantedAppRepository>,
    /// Failure counters of client authentication.
    pub attempts: Arc<dyn LoginAttemptRepository>,
    /// Signs access and ID tokens.
    pub signer: Arc<dyn TokenSigner>,
    /// Verifies our access tokens.
    pub verifier: Arc<dyn TokenVerifier>,
    /// The only source of "now".
    pub clock: Arc<dyn Clock>,
    /// Token ids, refresh tokens and family ids.
    pub random: Arc<dyn RandomSource>,
    /// The resource registry (RFC 8707): what a token may be for.
    pub targets: ResourceTargets,
    /// Where dynamic clients' use is written down, if anywhere.
    pub registrations: Option<Arc<dyn ClientRegistrationRepository>>,
    /// DPoP proofs (RFC 9449), if accepted.
    pub dpop: Option<DpopService>,
    /// `private_key_jwt` client assertions (RFC 7523), if accepted.
    pub assertions: Option<AssertionCheck>,
    /// Device authorizations (RFC 8628), polled by the device code grant;
    /// without them the grant is not offered.
    pub devices: Option<Arc<dyn DeviceAuthorizationRepository>>,
    /// Where issuances, replays, revocations and failed client
    /// authentications are recorded; `over` records nothing.
    pub events: Arc<dyn SecurityEventSink>,
}

impl TokenEndpointPorts {
    /// Every repository from one store (the usual case: one database).
    pub fn over<S>(
        store: &Arc<S>,
        signer: Arc<dyn TokenSigner>,
        verifier: Arc<dyn TokenVerifier>,
        clock: Arc<dyn Clock>,
        random: Arc<dyn RandomSource>,
    ) -> Self
    where
        S: ClientRepository
            + UserRepository
            + CodeRepository
            + RefreshTokenRepository
            + RevokedTokenRepository
            + LoginAttemptRepository
            + GrantStore
            + ResourceRepository
            + ClientRegistrationRepository
            + DeviceAuthorizationRepository
            + GrantedAppRepository
            + 'static,
    {
        Self {
            apps: store.clone(),
            registrations: Some(store.clone()),
            devices: Some(store.clone()),
            dpop: None,
            assertions: None,
            events: Arc::new(DiscardEvents),
            targets: ResourceTargets::new(store.clone()),
            clients: ClientDirectory::uncached(store.clone()),
            users: store.clone(),
            codes: store.clone(),
            refresh: store.clone(),
            grants: store.clone(),
            revoked: store.clone(),
            attempts: store.clone(),
            signer,
            verifier,
            clock,
            random,
        }
    }
}

impl std::fmt::Debug for TokenEndpointPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenEndpointPorts").finish_non_exhaustive()
    }
}

/// The services of the token-endpoint family.
#[derive(Debug)]
pub struct TokenEndpoints {
    /// `/oauth/token`: the grants.
    pub token: TokenService,
    /// `/oauth/introspect` (RFC 7662).
    pub introspection: IntrospectionService,
    /// `/oauth/revoke` (RFC 7009).
    pub revocation: RevocationService,
    /// `/userinfo` (OIDC Core §5.3).
    pub userinfo: UserinfoService,
    /// The CORS look-ups of all four.
    pub cors: CorsService,
}

impl TokenEndpoints {
    /// Builds every service of the family from `ports`; the grants share
    /// one client authenticator and one minter.
    pub fn compose(ports: TokenEndpointPorts, catalog: Arc<ScopeCatalog>, policy: TokenPolicy) -> Self {
        let p = ports;
        let audit = Audit::new(p.events.clone(), p.clock.clone());
        let mut authenticator =
            ClientAuthenticator::new(p.clients.clone(), p.attempts.clone(), p.clock.clone())
                .auditing(audit.clone());
        if let Some(check) = p.assertions.clone() {
            authenticator = authenticator.checking_assertions(check);
        }
        let minter = Minter::new(p.signer.clone(), p.random.clone(), policy.clone());
        let code_ports = AuthorizationCodePorts {
            grants: p.grants.clone(),
            codes: p.codes.clone(),
            refresh: p.refresh.clone(),
            revoked: p.revoked.clone(),
            targets: p.targets.clone(),
            audit: audit.clone(),
        };
        let refresh_ports = RefreshTokenPorts {
            grants: p.grants.clone(),
            refresh: p.refresh.clone(),
            targets: p.targets.clone(),
            audit: audit.clone(),
        };
        let mut handlers: Vec<Arc<dyn GrantHandler>> = vec![
            Arc::new(AuthorizationCodeGrant::new(code_ports, minter.clone(), p.clock.clone())),
            Arc::new(RefreshTokenGrant::new(refresh_ports, minter.clone(), catalog.clone(), p.clock.clone())),
            Arc::new(ClientCredentialsGrant::new(
                minter.clone(),
                catalog,
                p.targets.clone(),
                p.clock.clone(),
            )),
        ];
        if let Some(devices) = p.devices.clone() {
            let device_ports = DeviceCodePorts {
                devices,
                users: p.users.clone(),
                refresh: p.refresh.clone(),
                targets: p.targets.clone(),
            };
            handlers.push(Arc::new(DeviceCodeGrant::new(device_ports, minter, p.clock.clone())));
        }
        let live_ports = LiveTokenPorts {
            verifier: p.verifier.clone(),
            revoked: p.revoked.clone(),
            refresh: p.refresh.clone(),
            apps: p.apps.clone(),
            clients: p.clients.clone(),
            users: p.users.clone(),
            targets: p.targets.clone(),
        };
        let live =
            LiveTokens::new(live_ports, p.clock.clone(), policy.issuer.clone(), policy.audience.clone());
        let revocation_ports =
            RevocationPorts { refresh: p.refresh.clone(), revoked: p.revoked.clone(), audit: audit.clone() };
        let mut token =
            TokenService::new(authenticator.clone(), p.clients.clone(), handlers).auditing(audit.clone());
        let mut userinfo = UserinfoService::new(live.clone());
        if let Some(registrations) = p.registrations.clone() {
            token = token.recording_use_in(registrations, p.clock.clone());
        }
        if let Some(dpop) = p.dpop.clone() {
            token = token.proving_possession_with(dpop.clone());
            userinfo = userinfo.proving_possession_with(dpop);
        }
        Self {
            token,
            introspection: IntrospectionService::new(
                authenticator.clone(),
                live.clone(),
                p.clients.clone(),
                p.refresh.clone(),
                p.clock.clone(),
            ),
            revocation: RevocationService::new(authenticator, revocation_ports, p.verifier, p.clock, policy),
            userinfo,
            cors: CorsService::new(p.clients),
        }
    }
}
