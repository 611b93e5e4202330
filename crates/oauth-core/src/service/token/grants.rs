//! The three grants.

use std::collections::BTreeSet;

use super::{TokenFailure, TokenParams, TokenService};
use crate::authorization_request::parse_scopes;
use crate::client::{Client, ClientType, GrantType};
use crate::code::{CodeDigest, Consumed};
use crate::error::OAuthError;
use crate::pkce::CodeVerifier;
use crate::refresh::{RefreshDigest, Rotation};
use crate::scope::ScopeName;
use crate::token::TokenResponse;
use crate::user::UserId;

use super::mint::{Grant, NewFamily};

fn invalid_grant(why: &'static str) -> TokenFailure {
    OAuthError::InvalidGrant(why.into()).into()
}

pub(super) fn require(value: Option<String>, name: &'static str) -> Result<String, TokenFailure> {
    value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| OAuthError::InvalidRequest(format!("{name} is required").into()).into())
}

fn allowed(client: &Client, grant: GrantType) -> Result<(), TokenFailure> {
    if client.metadata.grant_types.contains(&grant) {
        Ok(())
    } else {
        Err(OAuthError::UnauthorizedClient(format!("this client may not use {grant}").into()).into())
    }
}

impl TokenService {
    /// RFC 6749 §4.1.3 with RFC 7636 §4.6.
    pub(super) async fn authorization_code(
        &self,
        client: &Client,
        params: TokenParams,
    ) -> Result<TokenResponse, TokenFailure> {
        allowed(client, GrantType::AuthorizationCode)?;
        let code = require(params.code, "code")?;
        let now = self.ports.clock.now();
        let digest = CodeDigest::of(&code);
        // SECURITY: consumed before any other check, so a failed attempt burns
        // the code and a verifier cannot be guessed by retrying.
        let code = match self.ports.codes.consume(&digest, now).await? {
            Consumed::Now(code) => code,
            Consumed::Unknown => return Err(invalid_grant("the code is invalid")),
            Consumed::Already(_) => {
                // RFC 6749 §4.1.2: a replay revokes what the first exchange issued.
                // Marked first: a first exchange still minting checks the mark
                // after it stores its family, so one of the two always revokes.
                self.ports.codes.mark_replayed(&digest, now).await?;
                let revoked = self.ports.refresh.revoke_for_code(&digest, now).await?;
                if let Some(jti) = self.ports.codes.access_token_of(&digest).await? {
                    // Listed until the latest moment the token can expire.
                    self.ports.revoked.revoke(&jti, now + self.policy.access_token_lifetime).await?;
                }
                tracing::warn!(
                    event = "code_replayed",
                    revoked_families = revoked,
                    "authorization code replayed"
                );
                return Err(invalid_grant("the code was already used; tokens issued with it are revoked"));
            }
        };
        if code.client_id != client.id {
            return Err(invalid_grant("the code was issued to another client"));
        }
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
        self.active_user(code.user_id).await?;
        let family = (client.metadata.grant_types.contains(&GrantType::RefreshToken)
            && code.scopes.iter().any(|s| s.as_str() == "offline_access"))
        .then_some(NewFamily { code_digest: Some(digest.clone()) });
        let grant = Grant {
            client,
            user: Some((code.user_id, code.auth_time)),
            scopes: code.scopes,
            nonce: code.nonce,
            family: None,
        };
        let minted = self.mint(&grant, family, None, now).await?;
        let replayed = self.ports.codes.record_access_token(&digest, &minted.jti).await?;
        // A replay that arrived while we minted may have looked for our family
        // and access token before we stored them: it marked the code first, so
        // we revoke them here. This exchange still answers (it was the one
        // redemption), but its tokens are already dead, as RFC 6749 §4.1.2 asks.
        if replayed {
            self.ports.refresh.revoke_for_code(&digest, now).await?;
            self.ports.revoked.revoke(&minted.jti, now + self.policy.access_token_lifetime).await?;
        }
        Ok(minted.response)
    }

    /// RFC 6749 §6 with rotation and reuse detection (RFC 9700 §4.14).
    pub(super) async fn refresh_token(
        &self,
        client: &Client,
        params: TokenParams,
    ) -> Result<TokenResponse, TokenFailure> {
        allowed(client, GrantType::RefreshToken)?;
        let presented = require(params.refresh_token, "refresh_token")?;
        let now = self.ports.clock.now();
        let digest = RefreshDigest::of(&presented);
        let Some((record, family)) = self.ports.refresh.find(&digest).await? else {
            return Err(invalid_grant("the refresh token is invalid"));
        };
        if family.client_id != client.id {
            return Err(invalid_grant("the refresh token was issued to another client"));
        }
        if family.revoked_at.is_some() {
            return Err(invalid_grant("the refresh token has been revoked"));
        }
        if record.rotated_at.is_some() {
            return Err(self.reuse(family.id, now).await);
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
        self.active_user(family.user_id).await?;
        // RFC 6749 §6: the new refresh token keeps the old one's scope.
        let (successor, successor_record) = self.refresh_token_in(&family, record.scopes.clone(), now)?;
        match self.ports.refresh.rotate(&digest, &successor_record, now).await? {
            Rotation::Rotated => {}
            Rotation::Reused(family) => return Err(self.reuse(family, now).await),
            Rotation::Unknown => return Err(invalid_grant("the refresh token is invalid")),
        }
        let grant = Grant {
            client,
            user: Some((family.user_id, family.auth_time)),
            scopes,
            nonce: None,
            family: Some(family.id),
        };
        Ok(self.mint(&grant, None, Some(successor), now).await?.response)
    }

    /// RFC 6749 §4.4: a confidential client acting for itself.
    pub(super) async fn client_credentials(
        &self,
        client: &Client,
        params: TokenParams,
    ) -> Result<TokenResponse, TokenFailure> {
        allowed(client, GrantType::ClientCredentials)?;
        if client.metadata.client_type != ClientType::Confidential {
            return Err(OAuthError::UnauthorizedClient(
                "public clients cannot use client_credentials".into(),
            )
            .into());
        }
        let machine_scopes: BTreeSet<ScopeName> =
            client.metadata.scopes.iter().filter(|s| !is_user_scope(s)).cloned().collect();
        let scopes = match params.scope.as_deref().filter(|s| !s.is_empty()) {
            Some(text) => parse_scopes(Some(text), &machine_scopes, &self.catalog)?,
            None => machine_scopes,
        };
        let now = self.ports.clock.now();
        let grant = Grant { client, user: None, scopes, nonce: None, family: None };
        Ok(self.mint(&grant, None, None, now).await?.response)
    }

    /// A reused refresh token: the family is revoked (RFC 9700 §4.14.2).
    async fn reuse(
        &self,
        family: crate::refresh::RefreshFamilyId,
        now: time::OffsetDateTime,
    ) -> TokenFailure {
        tracing::warn!(event = "refresh_reused", family = %family, "refresh token reused; family revoked");
        match self.ports.refresh.revoke_family(family, now).await {
            Ok(()) => invalid_grant("the refresh token was already used; its family is revoked"),
            Err(error) => error.into(),
        }
    }

    /// The user a token is for must still exist and be enabled.
    async fn active_user(&self, id: UserId) -> Result<(), TokenFailure> {
        match self.enabled_user(id).await? {
            Some(_) => Ok(()),
            None => Err(invalid_grant("the user is no longer active")),
        }
    }
}

/// Scopes that only make sense with a user: not for `client_credentials`.
fn is_user_scope(scope: &ScopeName) -> bool {
    matches!(scope.as_str(), "openid" | "profile" | "email" | "offline_access")
}
