//! The operator's initial access tokens: created with a number of uses and
//! a lifetime, listed without their value, revoked; and spent, one use per
//! registration.

use std::sync::Arc;

use time::Duration;

use crate::error::RepoError;
use crate::ports::{Clock, RandomSource, RandomUnavailable, RegistrationTokenRepository};
use crate::registration_token::{
    MAX_USES, RegistrationToken, RegistrationTokenDigest, RegistrationTokenId, RegistrationTokenSecret,
    TTL_RANGE,
};

/// Why a token command was refused.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationTokenError {
    /// `--uses` out of range.
    #[error("`uses`: must be between 1 and {MAX_USES}")]
    Uses,
    /// `--ttl` out of range.
    #[error("`ttl`: must be between 1 minute and 365 days")]
    Ttl,
    /// No token has this id.
    #[error("no registration token with id {0:?}")]
    Unknown(String),
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] RepoError),
    /// No randomness for the token.
    #[error(transparent)]
    Random(#[from] RandomUnavailable),
}

impl RegistrationTokenError {
    /// Whether the operator's input was at fault (exit 2), not the server.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, Self::Uses | Self::Ttl | Self::Unknown(_))
    }
}

/// Initial access tokens over their repository.
pub struct RegistrationTokenService {
    tokens: Arc<dyn RegistrationTokenRepository>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn RandomSource>,
}

impl std::fmt::Debug for RegistrationTokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrationTokenService").finish_non_exhaustive()
    }
}

impl RegistrationTokenService {
    /// Tokens kept in `tokens`, stamped by `clock`, drawn from `random`.
    pub fn new(
        tokens: Arc<dyn RegistrationTokenRepository>,
        clock: Arc<dyn Clock>,
        random: Arc<dyn RandomSource>,
    ) -> Self {
        Self { tokens, clock, random }
    }

    /// A new token allowing `uses` registrations for `ttl`; the value is in
    /// the second half, to be shown once.
    pub async fn create(
        &self,
        uses: u32,
        ttl: Duration,
    ) -> Result<(RegistrationToken, RegistrationTokenSecret), RegistrationTokenError> {
        if !(1..=MAX_USES).contains(&uses) {
            return Err(RegistrationTokenError::Uses);
        }
        if ttl < TTL_RANGE.0 || ttl > TTL_RANGE.1 {
            return Err(RegistrationTokenError::Ttl);
        }
        let secret = RegistrationTokenSecret::generate(self.random.as_ref())?;
        let now = self.clock.now();
        let token = RegistrationToken {
            id: RegistrationTokenId::generate(self.random.as_ref())?,
            digest: secret.digest(),
            max_uses: uses,
            uses_left: uses,
            created_at: now,
            expires_at: now + ttl,
            revoked_at: None,
        };
        self.tokens.insert(&token).await?;
        tracing::info!(event = "registration_token_created", token_id = %token.id, uses, "initial access token created");
        Ok((token, secret))
    }

    /// Every token, oldest first, without values.
    pub async fn list(&self) -> Result<Vec<RegistrationToken>, RegistrationTokenError> {
        Ok(self.tokens.list().await?)
    }

    /// Revokes the token with handle `id`: it allows no further registration.
    pub async fn revoke(&self, id: &str) -> Result<(), RegistrationTokenError> {
        let unknown = || RegistrationTokenError::Unknown(id.to_owned());
        let parsed = RegistrationTokenId::parse(id).ok_or_else(unknown)?;
        match self.tokens.revoke(parsed, self.clock.now()).await {
            Ok(()) => {
                tracing::info!(event = "registration_token_revoked", token_id = %parsed, "initial access token revoked");
                Ok(())
            }
            Err(RepoError::NotFound) => Err(unknown()),
            Err(other) => Err(other.into()),
        }
    }

    /// Takes one use of the token `presented`, if it allows one now: the
    /// token's handle, for the registration to record.
    pub async fn spend(&self, presented: &str) -> Result<Option<RegistrationTokenId>, RepoError> {
        self.tokens.spend(&RegistrationTokenDigest::of(presented), self.clock.now()).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use time::Duration;

    use super::{RegistrationTokenError, RegistrationTokenService};
    use crate::testing::fixtures::T0;
    use crate::testing::{InMemoryStore, ManualClock, SeqRandom};

    fn service() -> (RegistrationTokenService, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::at(T0));
        let store = Arc::new(InMemoryStore::default());
        (RegistrationTokenService::new(store, clock.clone(), Arc::new(SeqRandom::new(7))), clock)
    }

    #[tokio::test]
    async fn a_token_allows_its_uses_until_it_expires_or_is_revoked() {
        let (tokens, clock) = service();
        let (two, secret) = tokens.create(2, Duration::hours(1)).await.unwrap();
        assert_eq!(tokens.spend(secret.expose()).await.unwrap(), Some(two.id));
        assert_eq!(tokens.spend(secret.expose()).await.unwrap(), Some(two.id));
        assert_eq!(tokens.spend(secret.expose()).await.unwrap(), None, "used up");

        let (_, expiring) = tokens.create(5, Duration::minutes(1)).await.unwrap();
        clock.advance(Duration::minutes(1));
        assert_eq!(tokens.spend(expiring.expose()).await.unwrap(), None, "expired");

        let (revoked, secret) = tokens.create(5, Duration::hours(1)).await.unwrap();
        tokens.revoke(&revoked.id.to_string()).await.unwrap();
        assert_eq!(tokens.spend(secret.expose()).await.unwrap(), None, "revoked");
        assert_eq!(tokens.spend("not a token").await.unwrap(), None);
    }

    #[tokio::test]
    async fn bad_input_is_refused_and_writes_nothing() {
        let (tokens, _) = service();
        assert!(matches!(tokens.create(0, Duration::hours(1)).await, Err(RegistrationTokenError::Uses)));
        assert!(matches!(tokens.create(10_001, Duration::hours(1)).await, Err(RegistrationTokenError::Uses)));
        assert!(matches!(tokens.create(1, Duration::seconds(59)).await, Err(RegistrationTokenError::Ttl)));
        assert!(matches!(tokens.create(1, Duration::days(366)).await, Err(RegistrationTokenError::Ttl)));
        assert!(matches!(tokens.revoke("nope").await, Err(RegistrationTokenError::Unknown(_))));
        assert!(tokens.list().await.unwrap().is_empty());
    }
}
