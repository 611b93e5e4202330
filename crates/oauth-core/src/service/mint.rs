//! Minting: the access token (RFC 9068), the ID token (OIDC Core §3.1.3.6)
//! and, when the grant allows, a refresh token in a new family.

use std::collections::BTreeSet;
use std::sync::Arc;

use base64ct::{Base64UrlUnpadded, Encoding};
use time::OffsetDateTime;

use crate::client::Client;
use crate::code::CodeDigest;
use crate::dpop::{Confirmation, JwkThumbprint};
use crate::ports::{RandomSource, TokenSigner};
use crate::refresh::{RefreshFamily, RefreshFamilyId, RefreshToken, RefreshTokenRecord};
use crate::resource::ResourceUri;
use crate::scope::ScopeName;
use crate::service::client_authentication::TokenFailure;
use crate::service::resource_targets::TokenTarget;
use crate::token::{
    AccessTokenClaims, IdTokenClaims, Issuance, TokenPolicy, TokenResponse, TokenType, at_hash,
};
use crate::user::UserId;

/// What is being granted.
pub(crate) struct Grant<'a> {
    pub client: &'a Client,
    /// The user and when they authenticated; `None` for `client_credentials`.
    pub user: Option<(UserId, OffsetDateTime)>,
    /// What the user (or, for `client_credentials`, the client) was granted:
    /// a new refresh family keeps all of it.
    pub scopes: BTreeSet<ScopeName>,
    pub nonce: Option<String>,
    /// The family a refresh grant rotates in: its access token names it too.
    pub family: Option<RefreshFamilyId>,
    /// The resource the access token is for (RFC 8707) and the scopes it carries.
    pub target: TokenTarget,
    /// RFC 9449 §6: the DPoP key the access token is bound to.
    pub sender_key: Option<JwkThumbprint>,
}

/// A minted response, its access token's `jti`, and the refresh family it
/// starts: the caller stores the family, in the same unit of work as the
/// rest of what its grant writes.
pub(crate) struct Minted {
    pub response: TokenResponse,
    pub jti: String,
    pub started: Option<(RefreshFamily, RefreshTokenRecord)>,
}

/// A refresh family to start with this response.
pub(crate) struct NewFamily {
    pub code_digest: Option<CodeDigest>,
    /// The resources the authorization granted.
    pub resources: BTreeSet<ResourceUri>,
    /// RFC 9449 §5: a public client's family is bound to its DPoP key.
    pub sender_key: Option<JwkThumbprint>,
}

/// Mints the tokens of a granted request, for every grant alike.
#[derive(Clone)]
pub struct Minter {
    signer: Arc<dyn TokenSigner>,
    random: Arc<dyn RandomSource>,
    policy: TokenPolicy,
}

impl std::fmt::Debug for Minter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Minter").field("policy", &self.policy).finish_non_exhaustive()
    }
}

impl Minter {
    /// Mints with `signer` and `random` under `policy`.
    pub fn new(signer: Arc<dyn TokenSigner>, random: Arc<dyn RandomSource>, policy: TokenPolicy) -> Self {
        Self { signer, random, policy }
    }

    /// The longest any access token may live: the server's lifetime, or a
    /// resource's (at most [`crate::resource::MAX_ACCESS_TOKEN_TTL`]). A
    /// `jti` revoked without knowing its token's `exp` stays listed this long.
    pub(crate) fn longest_access_token_lifetime(&self) -> time::Duration {
        self.policy.access_token_lifetime.max(crate::resource::MAX_ACCESS_TOKEN_TTL)
    }

    /// The access token, the ID token when `openid` was granted to a user,
    /// and a refresh token: the first of `new_family`, or `successor`.
    pub(crate) async fn mint(
        &self,
        grant: &Grant<'_>,
        new_family: Option<NewFamily>,
        successor: Option<RefreshToken>,
        now: OffsetDateTime,
    ) -> Result<Minted, TokenFailure> {
        let policy = &self.policy;
        let client_id = grant.client.id.as_str().to_owned();
        let scope = grant.target.scopes.iter().map(ScopeName::as_str).collect::<Vec<_>>().join(" ");
        // RFC 8707 §2: a token for one resource has its URI as `aud`, and its
        // lifetime and algorithm when it sets them.
        let resource = grant.target.resource.as_ref();
        let audience = resource.map_or_else(|| policy.audience.clone(), |r| r.uri.as_str().to_owned());
        let lifetime = resource.and_then(|r| r.access_token_ttl).unwrap_or(policy.access_token_lifetime);
        let alg = resource.and_then(|r| r.access_token_alg).unwrap_or(policy.access_token_alg);
        let sub = grant.user.map_or_else(|| client_id.clone(), |(user, _)| user.to_string());
        // The family's id is chosen before signing, so the access token can name it.
        let new_family = match (new_family, grant.user) {
            (Some(plan), Some(_)) => Some((plan, RefreshFamilyId::generate(self.random.as_ref())?)),
            _ => None,
        };
        let family = new_family.as_ref().map(|(_, id)| *id).or(grant.family);
        let jti = self.jti()?;
        let claims = AccessTokenClaims {
            iss: policy.issuer.clone(),
            sub: sub.clone(),
            aud: audience,
            exp: (now + lifetime).unix_timestamp(),
            iat: now.unix_timestamp(),
            jti: jti.clone(),
            client_id: client_id.clone(),
            scope: scope.clone(),
            auth_time: grant.user.map(|(_, auth_time)| auth_time.unix_timestamp()),
            family: family.map(|id| id.to_string()),
            cnf: grant.sender_key.clone().map(|jkt| Confirmation { jkt }),
        };
        let access_token = self.signer.sign_access_token(&claims, alg).await?;
        let id_token = match grant.user {
            Some((_, auth_time)) if grant.scopes.iter().any(|s| s.as_str() == "openid") => {
                let claims = IdTokenClaims {
                    iss: policy.issuer.clone(),
                    sub,
                    aud: client_id.clone(),
                    exp: (now + policy.id_token_lifetime).unix_timestamp(),
                    iat: now.unix_timestamp(),
                    auth_time: auth_time.unix_timestamp(),
                    nonce: grant.nonce.clone(),
                    at_hash: at_hash(&access_token),
                    azp: client_id,
                };
                Some(self.signer.sign_id_token(&claims, grant.client.metadata.id_token_alg).await?)
            }
            _ => None,
        };
        let (refresh_token, started) = match (new_family, grant.user) {
            (Some((plan, id)), Some((user_id, auth_time))) => {
                let (token, family, first) = self.family(grant, plan, id, user_id, auth_time, now)?;
                (Some(token), Some((family, first)))
            }
            _ => (successor, None),
        };
        let issued = Issuance {
            user: grant.user.map(|(user, _)| user),
            jti: jti.clone(),
            resource: resource.map(|r| r.uri.as_str().to_owned()),
        };
        let response = TokenResponse {
            issued,
            token_type: if grant.sender_key.is_some() { TokenType::Dpop } else { TokenType::Bearer },
            access_token,
            expires_in: lifetime.whole_seconds(),
            scope,
            id_token,
            refresh_token,
        };
        Ok(Minted { response, jti, started })
    }

    /// A new family, its first token and that token's record.
    fn family(
        &self,
        grant: &Grant<'_>,
        plan: NewFamily,
        id: RefreshFamilyId,
        user_id: UserId,
        auth_time: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(RefreshToken, RefreshFamily, RefreshTokenRecord), TokenFailure> {
        let family = RefreshFamily {
            resources: plan.resources,
            id,
            client_id: grant.client.id.clone(),
            user_id,
            scopes: grant.scopes.clone(),
            auth_time,
            code_digest: plan.code_digest,
            created_at: now,
            expires_at: now + self.policy.refresh_absolute_lifetime,
            revoked_at: None,
            sender_key: plan.sender_key,
        };
        let (token, first) = self.refresh_token_in(&family, grant.scopes.clone(), now)?;
        Ok((token, family, first))
    }

    /// A new refresh token of `family` and its record: it lives the idle
    /// lifetime, never past the family's absolute end.
    pub(crate) fn refresh_token_in(
        &self,
        family: &RefreshFamily,
        scopes: BTreeSet<ScopeName>,
        now: OffsetDateTime,
    ) -> Result<(RefreshToken, RefreshTokenRecord), TokenFailure> {
        let token = RefreshToken::generate(self.random.as_ref())?;
        let record = RefreshTokenRecord {
            digest: token.digest(),
            family_id: family.id,
            scopes,
            issued_at: now,
            expires_at: (now + self.policy.refresh_idle_lifetime).min(family.expires_at),
            rotated_at: None,
        };
        Ok((token, record))
    }

    /// 128 random bits: unique per token (RFC 9068 §2.2, RFC 7519 §4.1.7).
    fn jti(&self) -> Result<String, TokenFailure> {
        let mut bytes = [0_u8; 16];
        self.random.fill(&mut bytes)?;
        Ok(Base64UrlUnpadded::encode_string(&bytes))
    }
}
