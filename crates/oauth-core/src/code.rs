//! Authorization codes (RFC 6749 §4.1.2): short-lived, single-use, bound to
//! everything the token request must match. Only a SHA-256 digest is stored.

use std::collections::BTreeSet;

use time::{Duration, OffsetDateTime};

use crate::client::ClientId;
use crate::digest::{Digest, IssuedSecret};
use crate::pkce::CodeChallenge;
use crate::resource::ResourceUri;
use crate::scope::ScopeName;
use crate::user::UserId;

/// Marks digests of authorization codes.
#[derive(Debug)]
pub enum AuthorizationCodeKind {}

/// SHA-256 of an authorization code: the lookup key at the token endpoint.
pub type CodeDigest = Digest<AuthorizationCodeKind>;

/// A code in the clear (256 bits): exists only on its way into the redirect.
pub type CodeValue = IssuedSecret<AuthorizationCodeKind>;

/// How long codes live. RFC 6749 §4.1.2 recommends at most 10 minutes; the
/// default is 60 seconds, enough for any client's back-channel exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeLifetime(Duration);

impl CodeLifetime {
    /// The most a code may live.
    pub const MAX: Duration = Duration::minutes(10);

    /// A lifetime between one second and ten minutes.
    pub fn new(lifetime: Duration) -> Option<Self> {
        (lifetime >= Duration::seconds(1) && lifetime <= Self::MAX).then_some(Self(lifetime))
    }

    /// The duration.
    pub fn get(self) -> Duration {
        self.0
    }
}

impl Default for CodeLifetime {
    fn default() -> Self {
        Self(Duration::seconds(60))
    }
}

/// A stored authorization code and everything it is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCode {
    /// The code's digest; the code itself is never stored.
    pub digest: CodeDigest,
    /// RFC 6749 §4.1.3: only this client may redeem it.
    pub client_id: ClientId,
    /// The user who authorized it.
    pub user_id: UserId,
    /// The redirect URI used at /authorize.
    pub redirect_uri: String,
    /// Whether the request named it; then the token request must repeat it exactly.
    pub redirect_uri_sent: bool,
    /// The scopes the user granted.
    pub scopes: BTreeSet<ScopeName>,
    /// The resources (RFC 8707) the request named and the user granted;
    /// each token of the exchange is for one of them, or for none.
    pub resources: BTreeSet<ResourceUri>,
    /// Returned in the ID token (OIDC Core §3.1.3.6).
    pub nonce: Option<String>,
    /// The PKCE challenge (S256); `None` only under the relaxed policy for confidential clients.
    pub code_challenge: Option<CodeChallenge>,
    /// When the user last authenticated (the `auth_time` claim).
    pub auth_time: OffsetDateTime,
    /// When it was issued.
    pub issued_at: OffsetDateTime,
    /// When it stops being accepted.
    pub expires_at: OffsetDateTime,
    /// RFC 9449 §10: the DPoP key the exchange must prove (`dpop_jkt`).
    pub dpop_jkt: Option<crate::dpop::JwkThumbprint>,
}

impl AuthorizationCode {
    /// Whether the code may still be redeemed at `now`.
    pub fn is_live_at(&self, now: OffsetDateTime) -> bool {
        now < self.expires_at
    }
}

/// What consuming a code found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consumed {
    /// This call consumed it: the one and only redemption.
    Now(AuthorizationCode),
    /// It had been consumed before: a replay. RFC 6749 §4.1.2 asks to revoke
    /// what the first redemption issued, so the code comes back for that.
    Already(AuthorizationCode),
    /// No such code (never issued, or purged).
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::SeqRandom;

    #[test]
    fn codes_are_long_random_and_distinct() {
        let random = SeqRandom::new(5);
        let codes: BTreeSet<String> =
            (0..1000).map(|_| CodeValue::generate(&random).unwrap().expose().to_owned()).collect();
        assert_eq!(codes.len(), 1000);
        assert!(codes.iter().all(|c| c.len() == 43));
        let code = CodeValue::generate(&random).unwrap();
        assert!(code.digest().verify(code.expose()));
        assert!(!format!("{code:?}").contains(code.expose()));
    }

    #[test]
    fn lifetime_is_bounded_by_ten_minutes() {
        assert_eq!(CodeLifetime::default().get(), Duration::seconds(60));
        assert!(CodeLifetime::new(Duration::minutes(10)).is_some());
        assert!(CodeLifetime::new(Duration::minutes(10) + Duration::seconds(1)).is_none());
        assert!(CodeLifetime::new(Duration::ZERO).is_none());
    }
}
