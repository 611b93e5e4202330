//! The device code grant (RFC 8628 §3.4–3.5): the device polls with its
//! device code until the user decides. Pending polls are answered
//! `authorization_pending`, polls sooner than the interval `slow_down`
//! (and the interval grows), a denial `access_denied`, an expired code
//! `expired_token`; an approval yields the same tokens as the code flow,
//! once.

use std::sync::Arc;

use crate::client::{Client, ClientType, GrantType};
use crate::device_authorization::{DeviceCodeDigest, DeviceDecision, PollVerdict};
use crate::error::OAuthError;
use crate::ports::{Clock, DeviceAuthorizationRepository, RefreshTokenRepository, UserRepository};
use crate::service::client_authentication::TokenFailure;
use crate::service::mint::{Grant, Minter, NewFamily};
use crate::service::resource_targets::ResourceTargets;
use crate::token::TokenResponse;

use super::checks::{active_user, invalid_grant, require};
use super::{GrantHandler, TokenParams};

/// One text for a device code that is unknown, spent, or another client's.
const UNKNOWN_DEVICE_CODE: &str = "the device code is invalid";

/// The repositories a device's poll reads and writes.
#[derive(Clone)]
pub struct DeviceCodePorts {
    /// The device authorizations, polled and redeemed.
    pub devices: Arc<dyn DeviceAuthorizationRepository>,
    /// The user who approved, read again when the tokens are minted.
    pub users: Arc<dyn UserRepository>,
    /// Where a refresh family the grant starts is stored.
    pub refresh: Arc<dyn RefreshTokenRepository>,
    /// The resource (RFC 8707) each access token is for.
    pub targets: ResourceTargets,
}

impl std::fmt::Debug for DeviceCodePorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCodePorts").finish_non_exhaustive()
    }
}

/// The device code grant.
pub struct DeviceCodeGrant {
    ports: DeviceCodePorts,
    minter: Minter,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for DeviceCodeGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCodeGrant").finish_non_exhaustive()
    }
}

impl DeviceCodeGrant {
    /// Answers polls from `ports`, minting with `minter`.
    pub fn new(ports: DeviceCodePorts, minter: Minter, clock: Arc<dyn Clock>) -> Self {
        Self { ports, minter, clock }
    }
}

#[async_trait::async_trait]
impl GrantHandler for DeviceCodeGrant {
    fn grant_type(&self) -> GrantType {
        GrantType::DeviceCode
    }

    /// RFC 8628 §3.4–3.5.
    async fn grant(&self, client: &Client, params: TokenParams) -> Result<TokenResponse, TokenFailure> {
        // Checked before anything is spent: a malformed `resource` loses nothing.
        let requested = params.resources_of(client)?;
        let code = require(params.device_code, "device_code")?;
        let digest = DeviceCodeDigest::of(&code);
        // To the second, as the store keeps times, so every store judges
        // the interval alike.
        let now = self.clock.now();
        let now = now - time::Duration::nanoseconds(i64::from(now.nanosecond()));
        let devices = &self.ports.devices;
        // SECURITY: a device code is bound to the client it was issued to;
        // another client learns nothing (the unknown code's answer).
        let Some(device) = devices.find_by_device_code(&digest).await?.filter(|d| d.client_id == client.id)
        else {
            return Err(invalid_grant(UNKNOWN_DEVICE_CODE));
        };
        match device.judge_poll(now) {
            PollVerdict::Expired => {
                return Err(
                    OAuthError::ExpiredToken("the device code has expired; start again".into()).into()
                );
            }
            PollVerdict::Denied => {
                return Err(OAuthError::AccessDenied("the user denied the request".into()).into());
            }
            PollVerdict::Pending => {
                let previous = device.last_polled_at;
                if devices.record_poll(&digest, previous, now, device.interval).await? {
                    return Err(
                        OAuthError::AuthorizationPending("the user has not decided yet".into()).into()
                    );
                }
                // Another poll was recorded since this one read the state:
                // the two came together, so this one is too soon.
                return Err(slow_down(device.interval));
            }
            PollVerdict::SlowDown(interval) => {
                devices.record_poll(&digest, device.last_polled_at, now, interval).await?;
                tracing::info!(event = "device_slow_down", interval_secs = interval.whole_seconds());
                return Err(slow_down(interval));
            }
            PollVerdict::Approved => {}
        }
        // SECURITY: one device code, one set of tokens: of concurrent polls
        // after the approval, the store lets one redeem it.
        let Some(device) = devices.redeem(&digest, now).await? else {
            return Err(invalid_grant(UNKNOWN_DEVICE_CODE));
        };
        let DeviceDecision::Approved { user_id, auth_time } = device.decision else {
            return Err(invalid_grant(UNKNOWN_DEVICE_CODE));
        };
        let user = self.ports.users.find_by_id(user_id).await?;
        active_user(user.as_ref(), auth_time)?;
        let family = (client.metadata.grant_types.contains(&GrantType::RefreshToken)
            && device.scopes.iter().any(|s| s.as_str() == "offline_access"))
        .then(|| NewFamily {
            code_digest: None,
            resources: device.resources.clone(),
            // RFC 9449 §5: only a public client's refresh tokens are bound.
            sender_key: params
                .sender_key
                .clone()
                .filter(|_| client.metadata.client_type == ClientType::Public),
        });
        // RFC 8707 §2.2: one of the resources the user approved, or none.
        let target =
            self.ports.targets.choose_for(client, &device.resources, &requested, &device.scopes).await?;
        let grant = Grant {
            client,
            user: Some((user_id, auth_time)),
            scopes: device.scopes,
            nonce: None,
            family: None,
            target,
            sender_key: params.sender_key,
        };
        let minted = self.minter.mint(&grant, family, None, now).await?;
        if let Some((family, first)) = &minted.started {
            self.ports.refresh.start_family(family, first).await?;
        }
        tracing::info!(event = "device_tokens_issued", client_id = %client.id, user_id = %user_id);
        Ok(minted.response)
    }
}

fn slow_down(interval: time::Duration) -> TokenFailure {
    OAuthError::SlowDown(format!("poll at most every {} seconds", interval.whole_seconds()).into()).into()
}
