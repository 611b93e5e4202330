//! Client authentication (RFC 6749 §2.3.1, §3.2.1) behind failure limits per
//! client and address, and per address for unknown ids (RFC 6749 §2.3.1:
//! protect against brute force). Shared by the token, introspection and
//! revocation endpoints, which authenticate their callers alike.

use std::sync::Arc;

use crate::client::{AuthMethod, Client, ClientId, ClientType, SecretDigest};
use crate::client_assertion::{AudiencePolicy, MAX_ASSERTION_LEN, judge};
use crate::client_auth::PresentedCredentials;
use crate::dpop::REPLAY_MEMORY_MARGIN;
use crate::error::{OAuthError, RepoError};
use crate::one_time_id::OneTimeId;
use crate::ports::{
    ClientAssertionVerifier, Clock, LoginAttemptRepository, OneTimeIdRepository, RandomUnavailable, SignError,
};
use crate::service::client_directory::{ClientDirectory, Judged};
use crate::throttle::{CLIENT_LIMIT, CLIENT_WINDOW, FailureCount, client_key, unknown_client_key};
use time::OffsetDateTime;

/// Why a request to an endpoint that authenticates its client (token,
/// introspection, revocation) failed.
#[derive(Debug, thiserror::Error)]
pub enum TokenFailure {
    /// An RFC 6749 §5.2 error.
    #[error(transparent)]
    Refused(#[from] OAuthError),
    /// Too many failed authentications for this client id, or for unknown ids,
    /// from this address: refused without checking.
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

/// Authenticates clients and counts their failures.
#[derive(Clone)]
pub struct ClientAuthenticator {
    clients: ClientDirectory,
    attempts: Arc<dyn LoginAttemptRepository>,
    clock: Arc<dyn Clock>,
    assertions: Option<AssertionCheck>,
}

/// What `private_key_jwt` assertions (RFC 7523 §2.2) are checked with.
#[derive(Clone)]
pub struct AssertionCheck {
    /// The signature, by a key of the client's set.
    pub verifier: Arc<dyn ClientAssertionVerifier>,
    /// Each assertion's `jti`, once, on every instance.
    pub seen: Arc<dyn OneTimeIdRepository>,
    /// The `aud` an assertion must name.
    pub audience: AudiencePolicy,
}

impl std::fmt::Debug for AssertionCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssertionCheck").field("audience", &self.audience).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ClientAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientAuthenticator").finish_non_exhaustive()
    }
}

impl ClientAuthenticator {
    /// Judges clients from `clients`, counting failures in `attempts`.
    pub fn new(
        clients: ClientDirectory,
        attempts: Arc<dyn LoginAttemptRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { clients, attempts, clock, assertions: None }
    }

    /// Also authenticates `private_key_jwt` clients, with `check`; without
    /// it, every assertion is refused.
    #[must_use]
    pub fn checking_assertions(mut self, check: AssertionCheck) -> Self {
        self.assertions = Some(check);
        self
    }

    /// Whether the request's client assertion, if its method is
    /// `private_key_jwt`, is a fresh one signed by `client`'s key and
    /// addressed to us (RFC 7523 §3). Every refusal is logged with its
    /// reason and answered as any failed authentication.
    async fn assertion_holds(
        &self,
        client: &Client,
        presented: &PresentedCredentials,
        now: OffsetDateTime,
    ) -> Result<bool, RepoError> {
        if presented.method != AuthMethod::PrivateKeyJwt {
            return Ok(true);
        }
        let (Some(check), Some(jwks), Some(assertion)) =
            (&self.assertions, client.metadata.jwks.as_deref(), presented.assertion.as_deref())
        else {
            return Ok(false);
        };
        let refused = |reason: &str| {
            tracing::warn!(event = "client_assertion_refused", reason, "client assertion refused");
            Ok(false)
        };
        if assertion.len() > MAX_ASSERTION_LEN {
            return refused("too long");
        }
        let claims = match check.verifier.verify(assertion, jwks).await {
            Ok(claims) => claims,
            // A cached copy may hold a key set replaced since: the stored
            // one decides before a refusal (docs/SECURITY.md § Read caches).
            Err(why) => {
                let stored = self.clients.find_fresh(&client.id).await?.filter(|fresh| !fresh.disabled);
                let replaced =
                    stored.as_ref().and_then(|fresh| fresh.metadata.jwks.as_deref()).filter(|s| *s != jwks);
                let Some(replaced) = replaced else { return refused(&why.0) };
                match check.verifier.verify(assertion, replaced).await {
                    Ok(claims) => claims,
                    Err(why) => return refused(&why.0),
                }
            }
        };
        let (jti, exp) = match judge(&claims, client.id.as_str(), &check.audience, now) {
            Ok(spent) => spent,
            Err(why) => return refused(why),
        };
        // SECURITY: RFC 7523 §3 item 7: used once, on every instance;
        // remembered past its expiry by the replay margin of DPoP proofs.
        let id = OneTimeId::client_assertion(client.id.as_str(), &jti);
        if !check.seen.first_use(&id, exp + REPLAY_MEMORY_MARGIN).await? {
            return refused("the assertion was used before");
        }
        Ok(true)
    }

    /// The client, if the credentials are its own, by its registered method,
    /// and it is enabled. Every failure is the same `invalid_client`.
    ///
    /// Failures are counted per client and address, or, for an id that names
    /// no client, per address alone, so made-up ids add no rows. Both
    /// counters are read for every request. The client's own counter, when
    /// locked, refuses before the credentials are judged (brute force); the
    /// shared one refuses every attempt that fails, whatever id it names, so
    /// a refusal tells nothing about which ids exist, but never a client
    /// that proves its credentials: made-up ids posted from another site
    /// must not lock the real clients at the victim's address out.
    pub async fn authenticate(
        &self,
        presented: &PresentedCredentials,
        address: &str,
    ) -> Result<Client, TokenFailure> {
        let now = self.clock.now();
        let own = client_key(&presented.client_id, address);
        let shared = unknown_client_key(address);
        let own_locked = self.attempts.failures(&own).await?.is_some_and(|count| locked(count, now));
        let shared_locked = self.attempts.failures(&shared).await?.is_some_and(|count| locked(count, now));
        if own_locked {
            return Err(throttled());
        }
        let judged = match ClientId::parse(&presented.client_id) {
            Ok(id) => self.clients.judge(&id, |c| admits(c, presented, now)).await?,
            Err(_) => Judged::Unknown,
        };
        let charged = match judged {
            Judged::Accepted(client) if self.assertion_holds(&client, presented, now).await? => {
                return Ok(client);
            }
            // A known client whose credentials or assertion failed.
            Judged::Accepted(_) | Judged::Refused => own,
            Judged::Unknown => shared,
        };
        // SECURITY: a refused or unknown id costs one more digest comparison,
        // one store read of the client and one counter write, so the answer's
        // timing does not tell which it was.
        let _ = SecretDigest::of("").verify(presented.secret.as_deref().unwrap_or(""));
        self.attempts.record_failure(&charged, now, CLIENT_WINDOW).await?;
        // Charged before the answer: a wrong secret counts against its client
        // even while the address is refused, or the refusal would hand out
        // free guesses told apart from the right one.
        if shared_locked {
            return Err(throttled());
        }
        tracing::warn!(event = "client_auth_failed", method = %presented.method, "client authentication failed");
        Err(OAuthError::InvalidClient("client authentication failed".into()).into())
    }
}

fn throttled() -> TokenFailure {
    tracing::warn!(event = "client_auth_throttled", "client authentication refused: too many failures");
    TokenFailure::ClientThrottled
}

/// The credentials are this enabled client's own, by its registered method
/// (an assertion's signature is judged after, by `assertion_holds`).
fn admits(client: &Client, presented: &PresentedCredentials, now: OffsetDateTime) -> bool {
    if presented.method == AuthMethod::PrivateKeyJwt {
        return !client.disabled
            && client.metadata.auth_method == AuthMethod::PrivateKeyJwt
            && client.metadata.jwks.is_some();
    }
    match presented.secret.as_deref() {
        Some(secret) => client.metadata.auth_method == presented.method && client.accepts_secret(secret, now),
        None => {
            !client.disabled
                && client.metadata.client_type == ClientType::Public
                && client.metadata.auth_method == AuthMethod::None
        }
    }
}

/// Locked once `CLIENT_LIMIT` failures happened within a minute of each other,
/// until a minute after the last.
fn locked(count: FailureCount, now: OffsetDateTime) -> bool {
    count.failures >= CLIENT_LIMIT && now - count.last_failure_at < CLIENT_WINDOW
}

#[cfg(test)]
mod tests;
