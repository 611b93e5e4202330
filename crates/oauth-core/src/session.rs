//! Browser sessions: a server-side record per browser, found by the SHA-256
//! digest of an opaque 256-bit secret the browser keeps in a cookie. Logging in
//! replaces the secret (no session fixation); logging out deletes the record,
//! so every instance sees it at once. The forms' CSRF token derives from the
//! same secret, so nothing else is stored for it.

use base64ct::{Base64UrlUnpadded, Encoding};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;
use time::{Duration, OffsetDateTime};

use crate::digest::{Digest, IssuedSecret};
use crate::user::UserId;

/// Marks session secrets and their digests.
#[derive(Debug)]
pub enum SessionKind {}

/// The cookie's value, in the clear only in the browser and in the response that sets it.
pub type SessionSecret = IssuedSecret<SessionKind>;

/// What the store keeps to find a session: SHA-256 of the cookie's value.
pub type SessionDigest = Digest<SessionKind>;

crate::random_id::random_uuid_id! {
    /// A session's stable identity. It never leaves the server, and unlike the
    /// secret it survives a login, so pending authorizations stay attached.
    SessionId
}

/// Who signed in to a session, and when (the `auth_time` claim, OIDC Core §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Login {
    /// Who signed in.
    pub user_id: UserId,
    /// When they last authenticated.
    pub auth_time: OffsetDateTime,
}

/// A browser session. Anonymous until a login; it exists before one because
/// the login form needs a CSRF token bound to the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The session's identifier.
    pub id: SessionId,
    /// The cookie value's digest; the value itself is never stored.
    pub digest: SessionDigest,
    /// The signed-in user, if any.
    pub login: Option<Login>,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it expires.
    pub expires_at: OffsetDateTime,
}

impl Session {
    /// Whether the session may still be used at `now`.
    pub fn is_live_at(&self, now: OffsetDateTime) -> bool {
        now < self.expires_at
    }
}

/// How long sessions live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetimes {
    /// Before a login: long enough to type a password, no longer.
    pub anonymous: Duration,
    /// After a login: how long single sign-on lasts without a new login.
    pub authenticated: Duration,
}

impl Default for SessionLifetimes {
    fn default() -> Self {
        Self { anonymous: Duration::minutes(30), authenticated: Duration::hours(8) }
    }
}

/// The CSRF token of a session's forms (a synchronizer token, ASVS 3.3.2):
/// `base64url(SHA-256("csrf:" ‖ secret))`. A cross-site page cannot compute it
/// because it cannot read the `HttpOnly` cookie, and it changes with every
/// login because the secret does.
pub fn csrf_token(secret: &str) -> String {
    Base64UrlUnpadded::encode_string(&csrf_bytes(secret))
}

/// Whether `presented` is the CSRF token of the session whose cookie is
/// `secret`, compared in constant time.
pub fn csrf_matches(secret: &str, presented: &str) -> bool {
    let mut decoded = [0_u8; 32];
    match Base64UrlUnpadded::decode(presented, &mut decoded) {
        Ok(bytes) if bytes.len() == 32 => bool::from(csrf_bytes(secret).ct_eq(&decoded)),
        _ => false,
    }
}

fn csrf_bytes(secret: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"csrf:");
    hasher.update(secret.as_bytes());
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::SeqRandom;

    #[test]
    fn csrf_token_is_bound_to_its_session() {
        let random = SeqRandom::new(1);
        let mine = SessionSecret::generate(&random).unwrap();
        let theirs = SessionSecret::generate(&random).unwrap();
        let token = csrf_token(mine.expose());
        assert_eq!(token.len(), 43);
        assert!(csrf_matches(mine.expose(), &token));
        assert!(!csrf_matches(theirs.expose(), &token), "another session's token");
        assert!(!csrf_matches(mine.expose(), ""), "missing token");
        assert!(!csrf_matches(mine.expose(), "not base64!"), "garbage");
        assert!(!csrf_matches(mine.expose(), &token[..42]), "truncated");
        assert_ne!(token, mine.expose(), "the token is not the cookie");
    }

    #[test]
    fn session_ids_are_distinct_and_round_trip() {
        let random = SeqRandom::new(2);
        let a = SessionId::generate(&random).unwrap();
        let b = SessionId::generate(&random).unwrap();
        assert_ne!(a, b);
        assert_eq!(SessionId::parse(&a.to_string()), Some(a));
        assert_eq!(SessionId::parse("nope"), None);
    }
}
