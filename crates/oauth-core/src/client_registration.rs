//! What dynamic registration (RFC 7591) keeps beside a client: the digest
//! of its registration access token (RFC 7592 §3), the application type it
//! registered as, where it came from, and when it was last used, which the
//! janitor reads to delete clients nobody uses any more (RFC 7591 §5).

use time::{Duration, OffsetDateTime};

pub use crate::client::ApplicationType;
use crate::client::{ClientId, ClientMetadata};
use crate::digest::{Digest, IssuedSecret};
use crate::registration_token::RegistrationTokenId;

/// Marks digests of registration access tokens.
#[derive(Debug)]
pub enum RegistrationAccessKind {}

/// SHA-256 of a registration access token.
pub type RegistrationAccessDigest = Digest<RegistrationAccessKind>;

/// A registration access token in the clear (256 bits, RFC 7592 §5: enough
/// entropy that guessing it is hopeless): generated here, returned once in
/// the response that issues it.
pub type RegistrationAccessToken = IssuedSecret<RegistrationAccessKind>;

/// How long a client registered without an initial access token may go
/// without being issued tokens before the janitor deletes it: far longer
/// than a sign-in takes, short enough that rows made by anonymous callers
/// who never sign anyone in do not pile up.
pub const UNUSED_ANONYMOUS_CLIENT_MEMORY: Duration = Duration::days(1);

/// How often a client's use is written down: at most once per this much
/// time, so that a busy client adds no write per token request, and idle
/// periods are still measured to well under a day.
pub const USE_RECORDED_EVERY: Duration = Duration::hours(1);

/// What is stored of a dynamic client's registration, beside the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRegistration {
    /// The client it belongs to.
    pub client_id: ClientId,
    /// SHA-256 of the current registration access token.
    pub access_token: RegistrationAccessDigest,
    /// The application type it registered as.
    pub application_type: ApplicationType,
    /// The address the registration came from (RFC 7591 §5: a record for
    /// abuse investigations).
    pub registered_from: String,
    /// The initial access token it spent, if one was required.
    pub initial_token: Option<RegistrationTokenId>,
    /// When the token endpoint last issued it tokens, to within
    /// [`USE_RECORDED_EVERY`]; `None` until it first did.
    pub last_used_at: Option<OffsetDateTime>,
}

/// An update of a registration (RFC 7592 §2.2): the whole metadata, as
/// the template made it, and the application type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationRevision {
    /// The client's new metadata.
    pub metadata: ClientMetadata,
    /// The application type it now registers as.
    pub application_type: ApplicationType,
}
