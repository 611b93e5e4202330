//! The `refresh_token` grant (RFC 6749 §6) with rotation and reuse
//! detection (RFC 9700 §4.14): a reused token revokes its whole family.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::authorization_request::parse_scopes;
use crate::client::{Client, ClientType, GrantType};
use crate::ports::{Clock, GrantStore, RefreshState, RefreshTokenRepository};
use crate::refresh::{RefreshDigest, Rotation};
use crate::scope::{ScopeCatalog, ScopeName};
use crate::security_event::{EventKind, RevocationReason};
use crate::service::audit::Audit;
use crate::service::client_authentication::TokenFailure;
use crate::service::mint::{Grant, Minter};
use crate::service::resource_targets::ResourceTargets;
use crate::token::TokenResponse;

use super::checks::{active_user, invalid_grant, require};
use super::{GrantHandler, TokenParams};

/// The repositories a refresh reads and writes.
#[derive(Clone)]
pub struct RefreshTokenPorts {
    /// The token found with its family and user, in one unit of work.
    pub grants: Arc<dyn GrantStore>,
    /// Families and their tokens: rotated, revoked on reuse.
    pub refresh: Arc<dyn RefreshTokenRepository>,
    /// The resource (RFC 8707) each access token is for.
    pub targets: ResourceTargets,
    /// Where a reuse detection is recorded.
    pub audit: Audit,
}

impl std::fmt::Debug for RefreshTokenPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshTokenPorts").finish_non_exhaustive()
    }
}

/// The `refresh_token` grant.
pub struct RefreshTokenGrant {
    ports: RefreshTokenPorts,
    minter: Minter,
    catalog: Arc<ScopeCatalog>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for RefreshTokenGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshTokenGrant").finish_non_exhaustive()
    }
}

impl RefreshTokenGrant {
    /// Rotates tokens in `ports`, minting with `minter`; a narrower `scope`
    /// is parsed against `catalog`.
    pub fn new(
        ports: RefreshTokenPorts,
        minter: Minter,
        catalog: Arc<ScopeCatalog>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { ports, minter, catalog, clock }
    }

    /// A reused refresh token: the family is revoked (RFC 9700 §4.14.2).
    async fn reuse(&self, family: &crate::refresh::RefreshFamily, now: time::OffsetDateTime) -> TokenFailure {
        tracing::warn!(event = "refresh_reused", family = %family.id, "refresh token reused; family revoked");
        match self.ports.refresh.revoke_family(family.id, now).await {
            // Two reuses racing revoke once: the other records nothing.
            Ok(false) => invalid_grant("the refresh token was already used; its family is revoked"),
            Ok(true) => {
                self.ports.audit.record(
                    self.ports
                        .audit
                        .event(EventKind::RefreshFamilyRevoked)
                        .user(family.user_id)
                        .client(&family.client_id)
                        .revoked(RevocationReason::Reuse, 1),
                );
                invalid_grant("the refresh token was already used; its family is revoked")
            }
            Err(error) => error.into(),
        }
    }
}

#[async_trait::async_trait]
impl GrantHandler for RefreshTokenGrant {
    fn grant_type(&self) -> GrantType {
        GrantType::RefreshToken
    }

    /// RFC 6749 §6 with rotation and reuse detection (RFC 9700 §4.14).
    async fn grant(&self, client: &Client, params: TokenParams) -> Result<TokenResponse, TokenFailure> {
        // Checked before the token is rotated: a malformed `resource` loses nothing.
        let requested = params.resources_of(client)?;
        let presented = require(params.refresh_token, "refresh_token")?;
        let now = self.clock.now();
        let digest = RefreshDigest::of(&presented);
        let Some(RefreshState { record, family, user }) = self.ports.grants.find_refresh(&digest).await?
        else {
            return Err(invalid_grant("the refresh token is invalid"));
        };
        if family.client_id != client.id {
            // RFC 6749 §6: bound to its client; another client learns nothing.
            return Err(invalid_grant("the refresh token is invalid"));
        }
        // RFC 9449 §5: a bound family is refreshed only with its key. Checked
        // before reuse detection: without the key, a stolen token is inert
        // and revokes nothing. The answer is an unknown token's, so a thief
        // learns nothing; the log keeps the signal.
        if let Some(bound) = &family.sender_key
            && params.sender_key.as_ref() != Some(bound)
        {
            tracing::warn!(
                event = "refresh_dpop_key_mismatch",
                family = %family.id,
                "a bound refresh token was presented without its DPoP key"
            );
            return Err(invalid_grant("the refresh token is invalid"));
        }
        if family.revoked_at.is_some() {
            return Err(invalid_grant("the refresh token has been revoked"));
        }
        if record.rotated_at.is_some() {
            return Err(self.reuse(&family, now).await);
        }
        if now >= record.expires_at || now >= family.expires_at {
            return Err(invalid_grant("the refresh token has expired"));
        }
        // RFC 6749 §6: a narrower scope may be asked for, never a wider one.
        // Never more than the client may still have: an operator may have
        // removed a scope since the family began.
        let still_allowed: BTreeSet<ScopeName> =
            record.scopes.intersection(&client.metadata.scopes).cloned().collect();
        let scopes = match params.scope.as_deref().filter(|s| !s.is_empty()) {
            Some(text) => parse_scopes(Some(text), &still_allowed, &self.catalog)?,
            None => still_allowed,
        };
        active_user(user.as_ref(), family.auth_time)?;
        // RFC 8707 §2.2: a refresh keeps or narrows the family's resources,
        // one per access token, and never widens them. Chosen before the
        // rotation, so a refused resource leaves the token usable.
        let target = self.ports.targets.choose_for(client, &family.resources, &requested, &scopes).await?;
        // RFC 6749 §6: the new refresh token keeps the old one's scope.
        let (successor, successor_record) =
            self.minter.refresh_token_in(&family, record.scopes.clone(), now)?;
        match self.ports.refresh.rotate(&digest, &successor_record, now).await? {
            Rotation::Rotated => {}
            Rotation::Reused(_) => return Err(self.reuse(&family, now).await),
            Rotation::Unknown => return Err(invalid_grant("the refresh token is invalid")),
        }
        // RFC 9449 §5: a refresh token issued to a public client in answer
        // to a proof is bound to its key, so a family begun without one is
        // bound by its first refresh with one.
        if family.sender_key.is_none()
            && client.metadata.client_type == ClientType::Public
            && let Some(key) = &params.sender_key
            && !self.ports.refresh.bind_sender_key(family.id, key).await?
        {
            tracing::warn!(event = "refresh_dpop_bind_raced", family = %family.id, "family bound to another key");
            return Err(invalid_grant("the refresh token is invalid"));
        }
        let grant = Grant {
            client,
            user: Some((family.user_id, family.auth_time)),
            scopes,
            nonce: None,
            family: Some(family.id),
            target,
            sender_key: params.sender_key,
        };
        Ok(self.minter.mint(&grant, None, Some(successor), now).await?.response)
    }
}
