//! Client authentication (RFC 6749 §2.3.1, §3.2.1) behind a per-client
//! failure limit (RFC 6749 §2.3.1: protect against brute force).

use super::{TokenFailure, TokenService};
use crate::client::{AuthMethod, Client, ClientId, ClientType, SecretDigest};
use crate::client_auth::PresentedCredentials;
use crate::error::OAuthError;
use crate::ports::find_accepted;
use crate::throttle::{CLIENT_LIMIT, CLIENT_WINDOW, FailureCount, client_key};
use time::OffsetDateTime;

impl TokenService {
    /// The client, if the credentials are its own, by its registered method,
    /// and it is enabled. Every failure is the same `invalid_client`.
    pub(super) async fn authenticate(
        &self,
        presented: &PresentedCredentials,
        address: &str,
    ) -> Result<Client, TokenFailure> {
        let now = self.ports.clock.now();
        let key = client_key(&presented.client_id, address);
        if let Some(count) = self.ports.attempts.failures(&key).await?
            && locked(count, now)
        {
            tracing::warn!(
                event = "client_auth_throttled",
                "client authentication refused: too many failures"
            );
            return Err(TokenFailure::ClientThrottled);
        }
        let client = match ClientId::parse(&presented.client_id) {
            Ok(id) => find_accepted(self.ports.clients.as_ref(), &id, |c| admits(c, presented, now)).await?,
            Err(_) => None,
        };
        if let Some(client) = client {
            return Ok(client);
        }
        // SECURITY: a refused or unknown id costs one more digest comparison,
        // so the answer's timing does not tell which it was.
        let _ = SecretDigest::of("").verify(presented.secret.as_deref().unwrap_or(""));
        self.ports.attempts.record_failure(&key, now, CLIENT_WINDOW).await?;
        tracing::warn!(event = "client_auth_failed", method = %presented.method, "client authentication failed");
        Err(OAuthError::InvalidClient("client authentication failed".into()).into())
    }
}

/// The credentials are this enabled client's own, by its registered method.
fn admits(client: &Client, presented: &PresentedCredentials, now: OffsetDateTime) -> bool {
    let authenticated = match presented.secret.as_deref() {
        Some(secret) => client.metadata.auth_method == presented.method && client.secret_matches(secret, now),
        None => {
            client.metadata.client_type == ClientType::Public
                && client.metadata.auth_method == AuthMethod::None
        }
    };
    authenticated && !client.disabled
}

/// Locked once `CLIENT_LIMIT` failures happened within a minute of each other,
/// until a minute after the last.
fn locked(count: FailureCount, now: OffsetDateTime) -> bool {
    count.failures >= CLIENT_LIMIT && now - count.last_failure_at < CLIENT_WINDOW
}
