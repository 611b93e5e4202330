//! Client authentication (RFC 6749 §2.3.1, §3.2.1) behind failure limits per
//! client and address, and per address for unknown ids (RFC 6749 §2.3.1:
//! protect against brute force). Shared by the token, introspection and
//! revocation endpoints, which authenticate their callers alike.

use std::sync::Arc;

use crate::client::{AuthMethod, Client, ClientId, ClientType, SecretDigest};
use crate::client_auth::PresentedCredentials;
use crate::error::{OAuthError, RepoError};
use crate::ports::{Clock, LoginAttemptRepository, RandomUnavailable, SignError};
use crate::security_event::EventKind;
use crate::service::audit::Audit;
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
    audit: Audit,
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
        let audit = Audit::discarding(clock.clone());
        Self { clients, attempts, clock, assertions: None, audit }
    }

    /// Also records each failure as a security event.
    #[must_use]
    pub fn auditing(mut self, audit: Audit) -> Self {
        self.audit = audit;
        self
    }

    /// Also authenticates `private_key_jwt` clients, with `check`; without
    /// it, every assertion is refused.
    #[must_use]
    pub fn checking_assertions(mut self, check: AssertionCheck) -> Self {
        self.assertions = Some(check);
        self
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
        let (charged, known) = match judged {
            Judged::Accepted(client) if self.assertion_holds(&client, presented, now).await? => {
                return Ok(client);
            }
            // A known client whose credentials or assertion failed.
            Judged::Accepted(client) => (own, Some(client.id)),
            Judged::Refused => (own, ClientId::parse(&presented.client_id).ok()),
            Judged::Unknown => (shared, None),
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
        // Only a registered client is named: an unknown id is the caller's text.
        let mut failed =
            self.audit.event(EventKind::ClientAuthenticationFailed).address(address.parse().ok());
        failed.client = known;
        self.audit.record(failed);
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
            && client.metadata.keys.is_some();
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

mod assertions;
#[cfg(test)]
mod tests;

pub use assertions::AssertionCheck;
