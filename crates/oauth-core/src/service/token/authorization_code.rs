//! The `authorization_code` grant (RFC 6749 §4.1.3, RFC 7636 §4.6): a code
//! is redeemed once, by its client, with its verifier; a replay revokes what
//! the first exchange issued (RFC 6749 §4.1.2).

use std::sync::Arc;

use crate::client::{Client, ClientId, ClientType, GrantType};
use crate::code::{CodeDigest, Consumed};
use crate::error::OAuthError;
use crate::pkce::CodeVerifier;
use crate::ports::{
    Clock, CodeRepository, GrantStore, Issued, RefreshTokenRepository, RevokedTokenRepository,
};
use crate::security_event::{EventKind, RevocationReason};
use crate::service::audit::Audit;
use crate::service::client_authentication::TokenFailure;
use crate::service::mint::{Grant, Minter, NewFamily};
use crate::service::resource_targets::ResourceTargets;
use crate::token::TokenResponse;

use super::checks::{active_user, invalid_grant, require};
use super::{GrantHandler, TokenParams};

/// One text for a code that is unknown and one issued to another client.
const UNKNOWN_CODE: &str = "the code is invalid";

/// The repositories a code exchange reads and writes.
#[derive(Clone)]
pub struct AuthorizationCodePorts {
    /// Every exchange: the code consumed with its user read, then what the
    /// exchange issued stored; two units of work.
    pub grants: Arc<dyn GrantStore>,
    /// A replay marks the code and finds the access token the first
    /// exchange issued.
    pub codes: Arc<dyn CodeRepository>,
    /// A replay revokes the family the first exchange started.
    pub refresh: Arc<dyn RefreshTokenRepository>,
    /// A replay lists the access token the first exchange issued.
    pub revoked: Arc<dyn RevokedTokenRepository>,
    /// The resource (RFC 8707) each access token is for.
    pub targets: ResourceTargets,
    /// Where a replay is recorded.
    pub audit: Audit,
}

impl std::fmt::Debug for AuthorizationCodePorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationCodePorts").finish_non_exhaustive()
    }
}

/// The `authorization_code` grant.
pub struct AuthorizationCodeGrant {
    ports: AuthorizationCodePorts,
    minter: Minter,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for AuthorizationCodeGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationCodeGrant").finish_non_exhaustive()
    }
}

impl AuthorizationCodeGrant {
    /// Redeems codes from `ports`, minting with `minter`.
    pub fn new(ports: AuthorizationCodePorts, minter: Minter, clock: Arc<dyn Clock>) -> Self {
        Self { ports, minter, clock }
    }
}

#[async_trait::async_trait]
impl GrantHandler for AuthorizationCodeGrant {
    fn grant_type(&self) -> GrantType {
        GrantType::AuthorizationCode
    }

    /// RFC 6749 §4.1.3 with RFC 7636 §4.6.
    async fn grant(&self, client: &Client, params: TokenParams) -> Result<TokenResponse, TokenFailure> {
        // Checked before the code is spent: a malformed `resource` loses nothing.
        let requested = params.resources_of(client)?;
        let code = require(params.code, "code")?;
        let now = self.clock.now();
        let digest = CodeDigest::of(&code);
        // SECURITY: consumed before any other check, so a failed attempt burns
        // the code and a verifier cannot be guessed by retrying.
        let redemption = self.ports.grants.redeem(&digest, now).await?;
        let code = match redemption.consumed {
            // SECURITY: RFC 6749 §4.1.3: the code is bound to the client it was
            // issued to. Another client learns nothing (the answer is the
            // unknown code's) and, before the replay branch below, revokes
            // nothing: a public client_id must not end someone else's grant.
            Consumed::Now(code) | Consumed::Already(code) if code.client_id != client.id => {
                tracing::warn!(event = "code_foreign_client", "a code was presented by another client");
                return Err(invalid_grant(UNKNOWN_CODE));
            }
            Consumed::Now(code) => code,
            Consumed::Unknown => return Err(invalid_grant(UNKNOWN_CODE)),
            // SECURITY: a spent code leaks more easily than a live one (browser
            // history, a Referer, a proxy log), and a public client's id is
            // no secret: only a replay that proves the PKCE verifier (RFC 7636
            // §4.6) may revoke. The legitimate client still holds it, and a
            // thief who redeemed first had to hold it too.
            Consumed::Already(spent) if !proves_verifier(&spent, params.code_verifier.as_deref()) => {
                return Err(invalid_grant(UNKNOWN_CODE));
            }
            Consumed::Already(spent) => return Err(self.replayed(&spent, &digest, now).await),
        };
        // RFC 6749 §4.1.3: required and identical when the request carried it.
        let redirect_ok = match params.redirect_uri.as_deref().filter(|r| !r.is_empty()) {
            Some(sent) => sent == code.redirect_uri,
            None => !code.redirect_uri_sent,
        };
        if !redirect_ok {
            return Err(invalid_grant("redirect_uri does not match the authorization request"));
        }
        if !code.is_live_at(now) {
            return Err(invalid_grant("the code has expired"));
        }
        // RFC 9449 §10.1: a code bound with `dpop_jkt` is redeemed with that key.
        if let Some(bound) = &code.dpop_jkt
            && params.sender_key.as_ref() != Some(bound)
        {
            return Err(invalid_grant("the DPoP proof's key is not the one dpop_jkt named"));
        }
        match (&code.code_challenge, params.code_verifier.as_deref().filter(|v| !v.is_empty())) {
            (Some(challenge), Some(verifier)) => {
                let matches = CodeVerifier::parse(verifier).is_ok_and(|v| challenge.is_satisfied_by(&v));
                if !matches {
                    tracing::warn!(event = "pkce_failed", "code_verifier does not match");
                    return Err(invalid_grant("code_verifier does not match the code_challenge"));
                }
            }
            (Some(_), None) => {
                return Err(OAuthError::InvalidRequest("code_verifier is required".into()).into());
            }
            // RFC 9700 §2.1.1: a verifier for a code issued without a challenge is a downgrade.
            (None, Some(_)) => return Err(invalid_grant("this code was issued without a code_challenge")),
            (None, None) => {}
        }
        active_user(redemption.user.as_ref(), code.auth_time)?;
        let family = (client.metadata.grant_types.contains(&GrantType::RefreshToken)
            && code.scopes.iter().any(|s| s.as_str() == "offline_access"))
        .then(|| NewFamily {
            code_digest: Some(digest.clone()),
            resources: code.resources.clone(),
            // RFC 9449 §5: only a public client's refresh tokens are bound;
            // a confidential client authenticates every refresh anyway.
            sender_key: params
                .sender_key
                .clone()
                .filter(|_| client.metadata.client_type == ClientType::Public),
        });
        // RFC 8707 §2.2: one of the resources the authorization granted, or none.
        let target = self.ports.targets.choose_for(client, &code.resources, &requested, &code.scopes).await?;
        let grant = Grant {
            client,
            user: Some((code.user_id, code.auth_time)),
            scopes: code.scopes,
            nonce: code.nonce,
            family: None,
            target,
            sender_key: params.sender_key,
        };
        let minted = self.minter.mint(&grant, family, None, now).await?;
        let issued = Issued {
            code: &digest,
            family: minted.started.as_ref().map(|(family, first)| (family, first)),
            access_jti: &minted.jti,
        };
        let replayed = self.ports.grants.record_issued(issued).await?;
        // A replay that arrived while we minted may have looked for our family
        // and access token before we stored them: it marked the code first, so
        // we revoke them here. This exchange still answers (it was the one
        // redemption), but its tokens are already dead, as RFC 6749 §4.1.2 asks.
        if replayed {
            let families = self.ports.refresh.revoke_for_code(&digest, now).await?;
            self.ports.revoked.revoke(&minted.jti, now + self.minter.longest_access_token_lifetime()).await?;
            if families > 0 {
                self.record_reuse(EventKind::RefreshFamilyRevoked, code.user_id, &code.client_id, families);
            }
        }
        Ok(minted.response)
    }
}

impl AuthorizationCodeGrant {
    /// A spent code presented again with its verifier (RFC 6749 §4.1.2): what
    /// the first exchange issued is revoked, and the answer says so.
    async fn replayed(
        &self,
        spent: &crate::code::AuthorizationCode,
        digest: &CodeDigest,
        now: time::OffsetDateTime,
    ) -> TokenFailure {
        match self.revoke_replayed(spent, digest, now).await {
            Ok(()) => invalid_grant("the code was already used; tokens issued with it are revoked"),
            Err(failure) => failure,
        }
    }

    async fn revoke_replayed(
        &self,
        spent: &crate::code::AuthorizationCode,
        digest: &CodeDigest,
        now: time::OffsetDateTime,
    ) -> Result<(), TokenFailure> {
        // RFC 6749 §4.1.2: a replay revokes what the first exchange issued.
        // Marked first: a first exchange still minting checks the mark
        // after it stores its family, so one of the two always revokes.
        self.ports.codes.mark_replayed(digest, now).await?;
        let revoked = self.ports.refresh.revoke_for_code(digest, now).await?;
        if let Some(jti) = self.ports.codes.access_token_of(digest).await? {
            // Listed until the latest moment the token can expire.
            self.ports.revoked.revoke(&jti, now + self.minter.longest_access_token_lifetime()).await?;
        }
        self.record_reuse(EventKind::CodeReplayed, spent.user_id, &spent.client_id, revoked);
        Ok(())
    }

    /// Records `kind` for a code's user and client: `families` revoked
    /// because the code was used twice.
    fn record_reuse(&self, kind: EventKind, user: crate::user::UserId, client: &ClientId, families: u64) {
        let audit = &self.ports.audit;
        let event = audit.event(kind).user(user).client(client);
        audit.record(event.revoked(RevocationReason::Reuse, families));
    }
}

/// Whether `verifier` satisfies the spent code's challenge; a code issued
/// without one (the relaxed policy) has nothing to prove.
fn proves_verifier(spent: &crate::code::AuthorizationCode, verifier: Option<&str>) -> bool {
    spent.code_challenge.as_ref().is_none_or(|challenge| {
        verifier.and_then(|v| CodeVerifier::parse(v).ok()).is_some_and(|v| challenge.is_satisfied_by(&v))
    })
}
