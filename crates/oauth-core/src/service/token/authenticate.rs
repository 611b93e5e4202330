//! Client authentication (RFC 6749 §2.3.1, §3.2.1) behind a per-client
//! failure limit (RFC 6749 §2.3.1: protect against brute force).

use super::{TokenFailure, TokenService};
use crate::client::{AuthMethod, Client, ClientId, ClientType, SecretDigest};
use crate::client_auth::PresentedCredentials;
use crate::error::OAuthError;
use crate::throttle::{CLIENT_LIMIT, CLIENT_WINDOW, FailureCount, client_key};

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
            Ok(id) => self.ports.clients.find(&id).await?,
            Err(_) => None,
        };
        let accepted = match (&client, presented.secret.as_deref()) {
            (Some(client), Some(secret)) => {
                client.metadata.auth_method == presented.method && client.secret_matches(secret, now)
            }
            (Some(client), None) => {
                client.metadata.client_type == ClientType::Public
                    && client.metadata.auth_method == AuthMethod::None
            }
            (None, secret) => {
                // SECURITY: an unknown id costs one digest comparison too.
                let _ = SecretDigest::of("").verify(secret.unwrap_or(""));
                false
            }
        };
        match client {
            Some(client) if accepted && !client.disabled => Ok(client),
            _ => {
                self.ports.attempts.record_failure(&key, now, CLIENT_WINDOW).await?;
                tracing::warn!(event = "client_auth_failed", method = %presented.method, "client authentication failed");
                Err(OAuthError::InvalidClient("client authentication failed".into()).into())
            }
        }
    }
}

/// Locked once `CLIENT_LIMIT` failures happened within a minute of each other,
/// until a minute after the last.
fn locked(count: FailureCount, now: time::OffsetDateTime) -> bool {
    count.failures >= CLIENT_LIMIT && now - count.last_failure_at < CLIENT_WINDOW
}
