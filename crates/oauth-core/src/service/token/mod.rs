//! The token endpoint's rules (RFC 6749 §3.2, §4.1.3, §4.4, §6; RFC 7636
//! §4.6; RFC 9068; OIDC Core §3.1.3; RFC 9700 §4.14): client authentication,
//! the three grants, and minting. Outcomes only; the HTTP adapter maps them.

mod access;
mod authenticate;
mod grants;
mod introspect;
mod mint;
mod revoke;
mod userinfo;

use std::sync::Arc;

use crate::client::{Client, GrantType};
use crate::client_auth::PresentedCredentials;
use crate::error::{OAuthError, RepoError};
use crate::ports::{
    ClientRepository, Clock, CodeRepository, LoginAttemptRepository, RandomSource, RandomUnavailable,
    RefreshTokenRepository, RevokedTokenRepository, SignError, TokenSigner, TokenVerifier, UserRepository,
    find_accepted,
};

use crate::scope::ScopeCatalog;
use crate::token::{TokenPolicy, TokenResponse};
pub use introspect::{ActiveToken, Introspection};
pub use userinfo::{UserInfo, UserinfoFailure};

/// How long a revoked `jti` is kept past its token's `exp`: the clock
/// difference between instances we tolerate.
pub const REVOCATION_MARGIN: time::Duration = time::Duration::minutes(5);

/// A token request, its parameters as received (RFC 6749 §4.1.3, §4.4.2, §6).
#[derive(Debug, Default, Clone)]
pub struct TokenParams {
    pub grant_type: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
    pub scope: Option<String>,
}

/// A granted request: the client (for CORS) and the response.
#[derive(Debug)]
pub struct Granted {
    pub client: Client,
    pub response: TokenResponse,
}

/// Why a token request failed.
#[derive(Debug, thiserror::Error)]
pub enum TokenFailure {
    /// An RFC 6749 §5.2 error.
    #[error(transparent)]
    Refused(#[from] OAuthError),
    /// Too many failed authentications for this client id: refused without checking.
    #[error("too many failed client authentications")]
    ClientThrottled,
}

impl From<RepoError> for TokenFailure {
    fn from(error: RepoError) -> Self {
        Self::Refused(error.into())
    }
}

impl From<SignError> for TokenFailure {
    fn from(error: SignError) -> Self {
        Self::Refused(OAuthError::ServerError(Box::new(error)))
    }
}

impl From<RandomUnavailable> for TokenFailure {
    fn from(error: RandomUnavailable) -> Self {
        Self::Refused(OAuthError::ServerError(Box::new(error)))
    }
}

/// The ports the token endpoint uses.
#[derive(Clone)]
pub struct TokenPorts {
    pub clients: Arc<dyn ClientRepository>,
    pub users: Arc<dyn UserRepository>,
    pub codes: Arc<dyn CodeRepository>,
    pub refresh: Arc<dyn RefreshTokenRepository>,
    pub revoked: Arc<dyn RevokedTokenRepository>,
    pub attempts: Arc<dyn LoginAttemptRepository>,
    pub signer: Arc<dyn TokenSigner>,
    pub verifier: Arc<dyn TokenVerifier>,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn RandomSource>,
}

impl TokenPorts {
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
            + 'static,
    {
        Self {
            clients: store.clone(),
            users: store.clone(),
            codes: store.clone(),
            refresh: store.clone(),
            revoked: store.clone(),
            attempts: store.clone(),
            signer,
            verifier,
            clock,
            random,
        }
    }
}

impl std::fmt::Debug for TokenPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPorts").finish_non_exhaustive()
    }
}

/// The token endpoint, over its ports.
#[derive(Debug)]
pub struct TokenService {
    ports: TokenPorts,
    catalog: Arc<ScopeCatalog>,
    policy: TokenPolicy,
}

impl TokenService {
    /// A service over `ports`.
    pub fn new(ports: TokenPorts, catalog: Arc<ScopeCatalog>, policy: TokenPolicy) -> Self {
        Self { ports, catalog, policy }
    }

    /// Whether some client may call us from `origin` (a CORS preflight names
    /// no client, so any client's registration admits the origin; the actual
    /// response is then allowed only for the authenticated client's origins).
    pub async fn origin_registered(&self, origin: &str) -> Result<bool, RepoError> {
        let clients = self.ports.clients.list().await?;
        Ok(clients.iter().any(|client| client.allows_origin(origin)))
    }

    /// Whether the client named `client_id` registered `origin`: lets a browser
    /// client read our error answers too (authenticated or not, an error body
    /// holds nothing the client did not send).
    pub async fn origin_allowed_for(&self, client_id: &str, origin: &str) -> bool {
        let Ok(id) = crate::client::ClientId::parse(client_id) else { return false };
        let allowed = find_accepted(self.ports.clients.as_ref(), &id, |client| client.allows_origin(origin));
        matches!(allowed.await, Ok(Some(_)))
    }

    /// The client to judge this request by. A cached copy that would refuse
    /// the grant or a requested scope may predate a change made elsewhere,
    /// so the stored client decides (docs/SECURITY.md § Read caches).
    async fn current_for(&self, client: Client, params: &TokenParams) -> Result<Client, TokenFailure> {
        let grant_missing = params
            .grant_type
            .as_deref()
            .and_then(|grant| grant.parse::<GrantType>().ok())
            .is_some_and(|grant| !client.metadata.grant_types.contains(&grant));
        let scope_missing = params.scope.as_deref().is_some_and(|scope| {
            scope.split_whitespace().any(|name| !client.metadata.scopes.iter().any(|s| s.as_str() == name))
        });
        if !grant_missing && !scope_missing {
            return Ok(client);
        }
        match self.ports.clients.find_fresh(&client.id).await?.filter(|stored| !stored.disabled) {
            Some(stored) => Ok(stored),
            None => Err(OAuthError::InvalidClient("client authentication failed".into()).into()),
        }
    }

    /// Deletes up to `batch` refresh families past their absolute expiry and
    /// up to `batch` revoked `jti`s whose tokens have expired anyway — with
    /// a margin, so an instance whose clock runs behind never sees a revoked
    /// token that is live to it and no longer listed.
    pub async fn purge_expired(&self, batch: u32) -> Result<u64, RepoError> {
        let now = self.ports.clock.now();
        let families = self.ports.refresh.purge_expired(now, batch).await?;
        Ok(families + self.ports.revoked.purge_expired(now - REVOCATION_MARGIN, batch).await?)
    }

    /// Authenticates the client (failures counted per client and `address`),
    /// then runs the grant it asked for.
    #[tracing::instrument(skip_all, fields(client_id = %credentials.client_id, grant_type))]
    pub async fn token(
        &self,
        credentials: &PresentedCredentials,
        params: TokenParams,
        address: &str,
    ) -> Result<Granted, TokenFailure> {
        let client = self.authenticate(credentials, address).await?;
        let client = self.current_for(client, &params).await?;
        let grant_type = params.grant_type.clone().unwrap_or_default();
        tracing::Span::current().record("grant_type", grant_type.as_str());
        let response = match grant_type.as_str() {
            "authorization_code" => self.authorization_code(&client, params).await?,
            "refresh_token" => self.refresh_token(&client, params).await?,
            "client_credentials" => self.client_credentials(&client, params).await?,
            "" => return Err(OAuthError::InvalidRequest("grant_type is required".into()).into()),
            other => {
                return Err(OAuthError::UnsupportedGrantType(
                    format!("grant_type {other:?} is not supported").into(),
                )
                .into());
            }
        };
        Ok(Granted { client, response })
    }
}

#[cfg(test)]
mod tests;
