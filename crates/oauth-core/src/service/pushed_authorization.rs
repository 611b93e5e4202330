//! The pushed authorization request endpoint (RFC 9126 §2): the client
//! authenticates as at the token endpoint, sends its authorization request
//! in the body, and gets a `request_uri` for the browser to carry. The
//! request is checked here exactly as `/oauth/authorize` checks it, so a
//! bad one is refused before any browser is involved.

use std::sync::Arc;

use time::Duration;

use crate::authorization_request::AuthorizationParams;
use crate::client::Client;
use crate::client_auth::PresentedCredentials;
use crate::error::OAuthError;
use crate::ports::{Clock, LoginAttemptRepository, PushedRequestRepository, RandomSource};
use crate::pushed_request::{PushedRequest, RequestUri};
use crate::service::authorize::AuthorizeService;
use crate::service::client_authentication::{ClientAuthenticator, TokenFailure};
use crate::service::dpop::{DpopService, PresentedProof};
use crate::service::quota::charge;
use crate::throttle::AuthorizeQuota;

/// Members of the body that authenticate the client and are never stored
/// with the request.
const CREDENTIALS: &[&str] = &["client_id", "client_secret", "client_assertion", "client_assertion_type"];

/// Why a push was refused.
#[derive(Debug, thiserror::Error)]
pub enum PushFailure {
    /// As at the token endpoint: the client's authentication, the request,
    /// the store.
    #[error(transparent)]
    Refused(#[from] TokenFailure),
    /// The address has stored its quota of pushed requests (RFC 9126 §2.3:
    /// 429).
    #[error("too many pushed requests from this address")]
    Throttled {
        /// Seconds until the quota allows another.
        retry_after_secs: u64,
    },
}

impl From<OAuthError> for PushFailure {
    fn from(error: OAuthError) -> Self {
        Self::Refused(error.into())
    }
}

impl From<crate::error::RepoError> for PushFailure {
    fn from(error: crate::error::RepoError) -> Self {
        Self::Refused(error.into())
    }
}

/// How pushed requests are bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PushPolicy {
    /// How long one waits for the browser.
    pub lifetime: Duration,
    /// How many one address may store per window: a public client
    /// authenticates with its id alone, so this is the bound on rows
    /// that anyone can make.
    pub quota: AuthorizeQuota,
}

/// What the endpoint answers (RFC 9126 §2.2).
#[derive(Debug)]
pub struct Pushed {
    /// `urn:ietf:params:oauth:request_uri:…`, shown this once.
    pub request_uri: String,
    /// Seconds until it names nothing.
    pub expires_in: i64,
}

/// The ports the endpoint uses.
pub struct PushPorts {
    /// Client authentication, as at the token endpoint.
    pub authenticator: ClientAuthenticator,
    /// The authorization endpoint's checks.
    pub authorize: Arc<AuthorizeService>,
    /// Where pushed requests wait for the browser.
    pub pushed: Arc<dyn PushedRequestRepository>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// The `request_uri` values.
    pub random: Arc<dyn RandomSource>,
    /// The counters of the per-address quota.
    pub attempts: Arc<dyn LoginAttemptRepository>,
}

impl std::fmt::Debug for PushPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushPorts").finish_non_exhaustive()
    }
}

/// `POST /oauth/par`.
pub struct PushedAuthorizationService {
    ports: PushPorts,
    policy: PushPolicy,
    dpop: Option<DpopService>,
}

impl std::fmt::Debug for PushedAuthorizationService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushedAuthorizationService").field("policy", &self.policy).finish_non_exhaustive()
    }
}

impl PushedAuthorizationService {
    /// The endpoint over `ports`, bounded by `policy`.
    pub fn new(ports: PushPorts, policy: PushPolicy) -> Self {
        Self { ports, policy, dpop: None }
    }

    /// Also accepts a DPoP proof with the push (RFC 9449 §10.1): its key
    /// binds the code as `dpop_jkt` would.
    #[must_use]
    pub fn proving_possession_with(mut self, dpop: DpopService) -> Self {
        self.dpop = Some(dpop);
        self
    }

    /// [`Self::push`] with the request's DPoP proof, if it sent one.
    pub async fn push_with_proof(
        &self,
        credentials: &PresentedCredentials,
        pairs: Vec<(String, String)>,
        address: &str,
        proof: Option<&PresentedProof>,
    ) -> Result<(Client, Pushed), PushFailure> {
        let Some(proof) = proof else { return self.push(credentials, pairs, address).await };
        let client = self.ports.authenticator.authenticate(credentials, address).await?;
        let Some(dpop) = &self.dpop else {
            return Err(refused(OAuthError::InvalidDpopProof("DPoP is not accepted here".into())));
        };
        let key = dpop.prove(proof, None).await.map_err(|failure| refused(failure.into()))?;
        let mut pairs = pairs;
        match pairs.iter().find(|(name, _)| name == "dpop_jkt") {
            // RFC 9449 §10.1: both sent, they must agree.
            Some((_, sent)) if sent != key.as_str() => {
                return Err(refused(OAuthError::InvalidDpopProof(
                    "dpop_jkt is not the thumbprint of the DPoP proof's key".into(),
                )));
            }
            Some(_) => {}
            None => pairs.push(("dpop_jkt".into(), key.as_str().to_owned())),
        }
        self.store(client, pairs, address).await
    }

    /// Authenticates the client (failures counted as at the token
    /// endpoint), checks the request `pairs` it pushed, and stores it.
    #[tracing::instrument(skip_all, fields(client_id = %credentials.client_id))]
    pub async fn push(
        &self,
        credentials: &PresentedCredentials,
        pairs: Vec<(String, String)>,
        address: &str,
    ) -> Result<(Client, Pushed), PushFailure> {
        let client = self.ports.authenticator.authenticate(credentials, address).await?;
        self.store(client, pairs, address).await
    }

    /// Checks the request `client` pushed and stores it.
    async fn store(
        &self,
        client: Client,
        pairs: Vec<(String, String)>,
        address: &str,
    ) -> Result<(Client, Pushed), PushFailure> {
        let params = request_of(pairs, &client)?;
        self.ports.authorize.check_pushed(&params).await?;
        let now = self.ports.clock.now();
        let attempts = self.ports.attempts.as_ref();
        if let Some(retry_after_secs) =
            charge(attempts, self.policy.quota, "pushed-request", address, now).await?
        {
            tracing::warn!(
                event = "pushed_request_throttled",
                "pushed request refused: address over its quota"
            );
            return Err(PushFailure::Throttled { retry_after_secs });
        }
        let uri = RequestUri::generate(self.ports.random.as_ref()).map_err(TokenFailure::from)?;
        let request = PushedRequest {
            digest: uri.digest(),
            client_id: client.id.clone(),
            params,
            created_at: now,
            expires_at: now + self.policy.lifetime,
        };
        self.ports.pushed.insert(&request).await?;
        Ok((client, Pushed { request_uri: uri.to_uri(), expires_in: self.policy.lifetime.whole_seconds() }))
    }
}

fn refused(error: OAuthError) -> PushFailure {
    PushFailure::Refused(error.into())
}

/// The authorization request in `pairs`, without the client's credentials
/// and with the authenticated client's id (RFC 9126 §2.1: a pushed request
/// is the client's own, whatever `client_id` the body repeats).
fn request_of(pairs: Vec<(String, String)>, client: &Client) -> Result<AuthorizationParams, OAuthError> {
    if pairs.iter().any(|(name, value)| name == "request_uri" && !value.is_empty()) {
        return Err(OAuthError::InvalidRequest("request_uri must not be pushed (RFC 9126 §2.1)".into()));
    }
    let mut request: Vec<(String, String)> =
        pairs.into_iter().filter(|(name, _)| !CREDENTIALS.contains(&name.as_str())).collect();
    request.push(("client_id".into(), client.id.as_str().to_owned()));
    Ok(AuthorizationParams::new(request))
}

#[cfg(test)]
mod tests;
