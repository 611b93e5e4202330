//! The device authorization endpoint (RFC 8628 §3.1–3.2): a client that
//! registered the device grant authenticates as at the token endpoint
//! (a public one sends its `client_id`), names scopes and resources, and
//! gets a device code to poll with and a user code to show.

use std::sync::Arc;

use time::Duration;

use crate::authorization_request::parse_scopes;
use crate::client::{Client, GrantType};
use crate::client_auth::PresentedCredentials;
use crate::device_authorization::{DeviceAuthorization, DeviceCode, DeviceDecision, UserCode};
use crate::error::{OAuthError, RepoError};
use crate::ports::{Clock, DeviceAuthorizationRepository, LoginAttemptRepository, RandomSource};
use crate::resource::requested_resources;
use crate::scope::ScopeCatalog;
use crate::service::client_authentication::{ClientAuthenticator, TokenFailure};
use crate::service::quota::charge;
use crate::service::resource_targets::ResourceTargets;
use crate::throttle::AuthorizeQuota;

/// How often a fresh user code is drawn when the one drawn is taken: with
/// 20^8 codes and at most a few thousand live, a second draw is already
/// rare, a sixth never happens in practice.
const USER_CODE_DRAWS: usize = 6;

/// Why a device authorization request was refused.
#[derive(Debug, thiserror::Error)]
pub enum DeviceFailure {
    /// As at the token endpoint: the client's authentication, the request,
    /// the store.
    #[error(transparent)]
    Refused(#[from] TokenFailure),
    /// The address has made its quota of device authorizations: a public
    /// client authenticates with its id alone, so this bounds the rows
    /// anyone can make.
    #[error("too many device authorizations from this address")]
    Throttled {
        /// Seconds until the quota allows another.
        retry_after_secs: u64,
    },
}

impl From<OAuthError> for DeviceFailure {
    fn from(error: OAuthError) -> Self {
        Self::Refused(error.into())
    }
}

impl From<RepoError> for DeviceFailure {
    fn from(error: RepoError) -> Self {
        Self::Refused(error.into())
    }
}

/// How device authorizations are made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePolicy {
    /// How long the codes live (`expires_in`).
    pub lifetime: Duration,
    /// The least time between polls at first (`interval`).
    pub interval: Duration,
    /// Where the user enters the code (`verification_uri`).
    pub verification_uri: String,
    /// How many one address (or IPv6 /64) may make per window.
    pub quota: AuthorizeQuota,
    /// How many every address together may make per window: with the
    /// lifetime, the bound on live authorizations, and so on the chance
    /// that a mistyped user code finds someone else's.
    pub total: AuthorizeQuota,
}

/// The ports of the endpoint.
pub struct DevicePorts {
    /// Client authentication, as at the token endpoint.
    pub authenticator: ClientAuthenticator,
    /// Where device authorizations wait for the user.
    pub devices: Arc<dyn DeviceAuthorizationRepository>,
    /// The resource registry (RFC 8707): what a request may name.
    pub targets: ResourceTargets,
    /// The server's scopes.
    pub catalog: Arc<ScopeCatalog>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// Device and user codes.
    pub random: Arc<dyn RandomSource>,
    /// The counters of the per-address quota.
    pub attempts: Arc<dyn LoginAttemptRepository>,
}

impl std::fmt::Debug for DevicePorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevicePorts").finish_non_exhaustive()
    }
}

/// What the device asked for.
#[derive(Debug, Clone, Default)]
pub struct DeviceRequest {
    /// `scope`, space-separated.
    pub scope: Option<String>,
    /// Each `resource` as sent (RFC 8707 §2).
    pub resources: Vec<String>,
}

/// The answer (RFC 8628 §3.2).
#[derive(Debug)]
pub struct DeviceCodes {
    /// For the device to poll with, shown this once.
    pub device_code: DeviceCode,
    /// For the user to enter, shown as `WDJB-MJHT`.
    pub user_code: UserCode,
    /// Where to enter it.
    pub verification_uri: String,
    /// The same with the code filled in (the user still confirms it).
    pub verification_uri_complete: String,
    /// Seconds until both codes stop working.
    pub expires_in: i64,
    /// Seconds to wait between polls.
    pub interval: i64,
}

/// `POST /oauth/device_authorization`.
pub struct DeviceAuthorizationService {
    ports: DevicePorts,
    policy: DevicePolicy,
}

impl std::fmt::Debug for DeviceAuthorizationService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceAuthorizationService").field("policy", &self.policy).finish_non_exhaustive()
    }
}

impl DeviceAuthorizationService {
    /// The endpoint over `ports`, by `policy`.
    pub fn new(ports: DevicePorts, policy: DevicePolicy) -> Self {
        Self { ports, policy }
    }

    /// Authenticates the client (failures counted as at the token
    /// endpoint), checks what it asks for as the authorization endpoint
    /// would, and stores a pending authorization.
    #[tracing::instrument(skip_all, fields(client_id = %credentials.client_id))]
    pub async fn start(
        &self,
        credentials: &PresentedCredentials,
        request: DeviceRequest,
        address: &str,
    ) -> Result<(Client, DeviceCodes), DeviceFailure> {
        let client = self.ports.authenticator.authenticate(credentials, address).await?;
        if !client.metadata.grant_types.contains(&GrantType::DeviceCode) {
            return Err(
                OAuthError::UnauthorizedClient("this client may not use the device grant".into()).into()
            );
        }
        let scopes = parse_scopes(request.scope.as_deref(), &client.metadata.scopes, &self.ports.catalog)?;
        let resources =
            requested_resources(request.resources.iter().map(String::as_str), &client.metadata.resources)?;
        self.ports.targets.check_for(&client, &scopes, &resources).await?;
        let now = self.ports.clock.now();
        if let Some(retry_after_secs) = self.charge(address, now).await? {
            tracing::warn!(event = "device_authorization_throttled", "address over its quota");
            return Err(DeviceFailure::Throttled { retry_after_secs });
        }
        let random = self.ports.random.as_ref();
        let device_code = DeviceCode::generate(random).map_err(TokenFailure::from)?;
        for _ in 0..USER_CODE_DRAWS {
            let user_code = UserCode::generate(random).map_err(TokenFailure::from)?;
            let device = DeviceAuthorization {
                device_code: device_code.digest(),
                user_code: user_code.digest(),
                client_id: client.id.clone(),
                scopes: scopes.clone(),
                resources: resources.clone(),
                decision: DeviceDecision::Pending,
                entered_by: None,
                interval: self.policy.interval,
                last_polled_at: None,
                created_at: now,
                expires_at: now + self.policy.lifetime,
            };
            match self.ports.devices.insert(&device).await {
                Ok(()) => {
                    tracing::info!(event = "device_authorization_started", client_id = %client.id);
                    let codes = self.codes(device_code, user_code);
                    return Ok((client, codes));
                }
                // A stored user code drew the same: draw again.
                Err(RepoError::Conflict(_)) => {}
                Err(other) => return Err(other.into()),
            }
        }
        Err(RepoError::Conflict("no free user code".into()).into())
    }

    /// Charges `address`, and every address together, one device
    /// authorization; `Some(seconds to wait)` when either quota is spent.
    async fn charge(&self, address: &str, now: time::OffsetDateTime) -> Result<Option<u64>, RepoError> {
        let attempts = self.ports.attempts.as_ref();
        if let Some(wait) = charge(attempts, self.policy.quota, "device-authorization", address, now).await? {
            return Ok(Some(wait));
        }
        charge(attempts, self.policy.total, "device-authorization-total", "every address", now).await
    }

    fn codes(&self, device_code: DeviceCode, user_code: UserCode) -> DeviceCodes {
        let verification_uri = self.policy.verification_uri.clone();
        let joint = if verification_uri.contains('?') { '&' } else { '?' };
        let verification_uri_complete = format!("{verification_uri}{joint}user_code={}", user_code.display());
        DeviceCodes {
            device_code,
            user_code,
            verification_uri,
            verification_uri_complete,
            expires_in: self.policy.lifetime.whole_seconds(),
            interval: self.policy.interval.whole_seconds(),
        }
    }
}

#[cfg(test)]
mod tests;
