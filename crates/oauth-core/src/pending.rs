//! A pending authorization: a validated request waiting for the user to log
//! in or consent. Stored server-side, bound to the browser session that began
//! it, found by the digest of an opaque handle the login and consent forms
//! carry. It lives minutes, and is taken (deleted) by the step that answers
//! the client, so one request yields at most one answer.

use time::{Duration, OffsetDateTime};

use crate::authorization_request::AuthorizationParams;
use crate::client::ClientId;
use crate::digest::{Digest, IssuedSecret};
use crate::session::SessionId;

/// Marks pending-authorization handles and their digests.
#[derive(Debug)]
pub enum PendingKind {}

/// The handle the forms carry (256 random bits).
pub type PendingHandle = IssuedSecret<PendingKind>;

/// What the store keeps to find a pending authorization.
pub type PendingDigest = Digest<PendingKind>;

/// How long a user may take between the authorization request and the last
/// form. A page left open longer shows "start again".
pub const PENDING_LIFETIME: Duration = Duration::minutes(10);

/// How many requests one session keeps pending: one per open sign-in tab,
/// with room to spare. Past it the oldest goes, so the newest tab works.
pub const PENDING_PER_SESSION: u32 = 20;

/// A request between `/oauth/authorize` and the answer to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingAuthorization {
    /// The handle's digest; the handle itself is never stored.
    pub digest: PendingDigest,
    /// Only this browser session may continue it.
    pub session_id: SessionId,
    /// The client that asked.
    pub client_id: ClientId,
    /// The request's parameters as received; checked again when it resumes,
    /// so a client disabled or changed meanwhile is noticed.
    pub params: AuthorizationParams,
    /// When the request arrived.
    pub created_at: OffsetDateTime,
    /// When it is forgotten.
    pub expires_at: OffsetDateTime,
}

impl PendingAuthorization {
    /// Whether it may still be continued at `now`.
    pub fn is_live_at(&self, now: OffsetDateTime) -> bool {
        now < self.expires_at
    }
}
