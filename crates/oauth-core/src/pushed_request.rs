//! Pushed authorization requests (RFC 9126): a client sends its whole
//! authorization request to the server directly, authenticated, and gets a
//! `request_uri` that the browser then carries instead of the parameters,
//! so nothing of the request can be read or changed on the way.
//!
//! A `request_uri` is ours only: `urn:ietf:params:oauth:request_uri:`
//! followed by 256 random bits (RFC 9126 §2.2: it must not be guessable),
//! stored as the digest of the whole URI, bound to the client that pushed
//! it, short-lived and used once (§4).

use time::{Duration, OffsetDateTime};

use crate::authorization_request::AuthorizationParams;
use crate::client::ClientId;
use crate::digest::{Digest, IssuedSecret};
use crate::ports::{RandomSource, RandomUnavailable};

/// RFC 9126 §2.2: the URN namespace of the `request_uri` values we issue.
pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// How long a pushed request may wait for the browser by default (RFC 9126
/// §2.2: "a short time"; its examples use 60 seconds).
pub const DEFAULT_PUSHED_REQUEST_LIFETIME: Duration = Duration::seconds(60);

/// Marks pushed requests' digests.
#[derive(Debug)]
pub enum PushedRequestKind {}

/// SHA-256 of a whole `request_uri`, as issued.
pub type PushedRequestDigest = Digest<PushedRequestKind>;

/// A `request_uri` as issued: shown once, to the client that pushed.
#[derive(Debug)]
pub struct RequestUri(IssuedSecret<PushedRequestKind>);

impl RequestUri {
    /// A fresh one: the URN prefix and 256 random bits, base64url.
    pub fn generate(random: &dyn RandomSource) -> Result<Self, RandomUnavailable> {
        IssuedSecret::generate(random).map(Self)
    }

    /// The URI the client sends on (`urn:ietf:params:oauth:request_uri:…`).
    pub fn to_uri(&self) -> String {
        format!("{REQUEST_URI_PREFIX}{}", self.0.expose())
    }

    /// What is stored to find it.
    pub fn digest(&self) -> PushedRequestDigest {
        PushedRequestDigest::of(&self.to_uri())
    }
}

/// The digest to look a presented `request_uri` up by; `None` when it is
/// not one of ours in shape (then it names nothing we issued).
pub fn digest_of_presented(presented: &str) -> Option<PushedRequestDigest> {
    let random = presented.strip_prefix(REQUEST_URI_PREFIX)?;
    let url_safe = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    (random.len() == 43 && random.chars().all(url_safe)).then(|| PushedRequestDigest::of(presented))
}

/// A stored pushed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRequest {
    /// The digest of its `request_uri`.
    pub digest: PushedRequestDigest,
    /// The client that pushed it; only it may use the `request_uri`.
    pub client_id: ClientId,
    /// The authorization request's parameters as pushed.
    pub params: AuthorizationParams,
    /// When it was pushed.
    pub created_at: OffsetDateTime,
    /// After this instant it names nothing.
    pub expires_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::{REQUEST_URI_PREFIX, RequestUri, digest_of_presented};
    use crate::testing::SeqRandom;

    #[test]
    fn an_issued_uri_is_found_by_its_digest_and_nothing_else_is() {
        let uri = RequestUri::generate(&SeqRandom::new(5)).unwrap();
        let text = uri.to_uri();
        assert!(text.starts_with(REQUEST_URI_PREFIX));
        assert_eq!(text.len(), REQUEST_URI_PREFIX.len() + 43, "256 bits, base64url");
        assert_eq!(digest_of_presented(&text), Some(uri.digest()));
        for foreign in [
            "https://rp.example/request.jwt",
            "urn:ietf:params:oauth:request_uri:short",
            "urn:example:bwc4JK-ESC0w8acc191e-Y1LTC2",
            &text[1..],
            &format!("{text}x"),
            "",
        ] {
            assert_eq!(digest_of_presented(foreign), None, "{foreign}");
        }
    }
}
