//! `private_key_jwt` (RFC 7523 §2.2, §3): a client assertion is a fresh
//! JWT signed by a key of the client's set, addressed to us, used once.
//! The set is registered by value or published at the client's
//! `jwks_uri` (docs/SECURITY.md § `private_key_jwt`).

use std::sync::Arc;

use time::OffsetDateTime;

use super::ClientAuthenticator;
use crate::client::{AuthMethod, Client, ClientKeys};
use crate::client_assertion::{AssertionClaims, AudiencePolicy, MAX_ASSERTION_LEN, judge};
use crate::client_auth::PresentedCredentials;
use crate::dpop::REPLAY_MEMORY_MARGIN;
use crate::error::RepoError;
use crate::one_time_id::OneTimeId;
use crate::ports::{ClientAssertionVerifier, ClientKeySets, OneTimeIdRepository};

/// What `private_key_jwt` assertions (RFC 7523 §2.2) are checked with.
#[derive(Clone)]
pub struct AssertionCheck {
    /// The signature, by a key of the client's set.
    pub verifier: Arc<dyn ClientAssertionVerifier>,
    /// Each assertion's `jti`, once, on every instance.
    pub seen: Arc<dyn OneTimeIdRepository>,
    /// The `aud` an assertion must name.
    pub audience: AudiencePolicy,
    /// The sets clients publish at their `jwks_uri`; without it, a client
    /// whose keys are published is refused.
    pub published: Option<Arc<dyn ClientKeySets>>,
}

impl std::fmt::Debug for AssertionCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssertionCheck")
            .field("audience", &self.audience)
            .field("published", &self.published.is_some())
            .finish_non_exhaustive()
    }
}

/// Which copy of a published key set to verify with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeySetCopy {
    /// The kept one while it is fresh.
    Kept,
    /// One fetched again, unless the kept one is younger than the cooldown.
    Renewed,
}

impl AssertionCheck {
    /// The assertion's claims if its signature verifies with `keys`; why
    /// not, otherwise. `Ok(None)`: no renewed copy was fetched.
    async fn verify_with(
        &self,
        assertion: &str,
        keys: &ClientKeys,
        copy: KeySetCopy,
    ) -> Result<Option<AssertionClaims>, String> {
        let jwks: Arc<str> = match keys {
            ClientKeys::Registered(jwks) => {
                return self.verifier.verify(assertion, jwks).await.map(Some).map_err(|why| why.0);
            }
            ClientKeys::Published(uri) => {
                let Some(published) = &self.published else {
                    return Err("keys published at a jwks_uri are not fetched by this server".into());
                };
                let fetched = match copy {
                    KeySetCopy::Kept => published.key_set(uri).await.map(Some),
                    KeySetCopy::Renewed => published.renewed_key_set(uri).await,
                };
                match fetched.map_err(|why| format!("the client's jwks_uri: {why}"))? {
                    Some(jwks) => jwks,
                    None => return Ok(None),
                }
            }
        };
        self.verifier.verify(assertion, &jwks).await.map(Some).map_err(|why| why.0)
    }
}

impl ClientAuthenticator {
    /// Whether the request's client assertion, if its method is
    /// `private_key_jwt`, is a fresh one signed by `client`'s key and
    /// addressed to us (RFC 7523 §3). Every refusal is logged with its
    /// reason and answered as any failed authentication.
    pub(super) async fn assertion_holds(
        &self,
        client: &Client,
        presented: &PresentedCredentials,
        now: OffsetDateTime,
    ) -> Result<bool, RepoError> {
        if presented.method != AuthMethod::PrivateKeyJwt {
            return Ok(true);
        }
        let (Some(check), Some(keys), Some(assertion)) =
            (&self.assertions, client.metadata.keys.as_ref(), presented.assertion.as_deref())
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
        let claims = match check.verify_with(assertion, keys, KeySetCopy::Kept).await {
            Ok(Some(claims)) => claims,
            Ok(None) => return refused("no key set"),
            Err(first) => match self.with_current_keys(check, client, assertion, keys).await? {
                Some(Ok(claims)) => claims,
                Some(Err(why)) => return refused(&why),
                None => return refused(&first),
            },
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

    /// A second look after a refusal, since the keys may have changed
    /// since they were read: a cached client may hold keys replaced since
    /// (the stored ones decide, docs/SECURITY.md § Read caches), and a
    /// client may have rotated the set it publishes (fetched again, within
    /// the adapter's cooldown). `None`: nothing newer to verify with.
    async fn with_current_keys(
        &self,
        check: &AssertionCheck,
        client: &Client,
        assertion: &str,
        read: &ClientKeys,
    ) -> Result<Option<Result<AssertionClaims, String>>, RepoError> {
        let stored = self.clients.find_fresh(&client.id).await?.filter(|fresh| !fresh.disabled);
        let Some(current) = stored.and_then(|fresh| fresh.metadata.keys) else { return Ok(None) };
        let copy = match (&current, &current == read) {
            (_, false) => KeySetCopy::Kept,
            (ClientKeys::Published(_), true) => KeySetCopy::Renewed,
            (ClientKeys::Registered(_), true) => return Ok(None),
        };
        Ok(check.verify_with(assertion, &current, copy).await.transpose())
    }
}
