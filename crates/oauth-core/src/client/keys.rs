//! Where a `private_key_jwt` client's public keys are (RFC 7523 §2.2): a
//! JWK Set registered by value (RFC 7591 §2 `jwks`), or the URL the client
//! publishes it at (`jwks_uri`), never both.

use std::fmt;

use std::net::IpAddr;

use url::{Host, Url};

use crate::address::is_public;
use crate::redirect_uri::is_loopback_literal;

/// The largest JWK Set a client may register: ten RSA-4096 keys fit.
pub const MAX_JWKS_BYTES: usize = 16 * 1024;

/// The longest `jwks_uri` accepted.
const MAX_JWKS_URI_LEN: usize = 512;

/// A `private_key_jwt` client's keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientKeys {
    /// `jwks`: a JWK Set as registered, checked by the key adapter first.
    Registered(String),
    /// `jwks_uri`: fetched through the guarded fetcher and kept a bounded
    /// time (docs/SECURITY.md § `private_key_jwt`), so the client rotates
    /// its keys without us.
    Published(JwksUri),
}

impl ClientKeys {
    /// The registered JWK Set, if the keys are registered by value.
    pub fn registered(&self) -> Option<&str> {
        match self {
            Self::Registered(text) => Some(text),
            Self::Published(_) => None,
        }
    }

    /// The URL of the published JWK Set, if the keys are published.
    pub fn published(&self) -> Option<&JwksUri> {
        match self {
            Self::Registered(_) => None,
            Self::Published(uri) => Some(uri),
        }
    }
}

/// Why a `jwks_uri` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("jwks_uri: {0}")]
pub struct InvalidJwksUri(&'static str);

/// A `jwks_uri`: an absolute `https` URL (RFC 7591 §2: the keys are read
/// over TLS) with a host, without user information or fragment, in the
/// canonical form, so that one set of keys has one spelling. Plain `http`
/// is admitted on the loopback literals `127.0.0.1` and `[::1]` only, for
/// development; it is fetched only while `jwks_uri_allow_http_loopback` is
/// on, so a production server refuses such keys at the first assertion.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JwksUri(String);

impl JwksUri {
    /// Checks `text` against the rules above.
    pub fn parse(text: &str) -> Result<Self, InvalidJwksUri> {
        if text.len() > MAX_JWKS_URI_LEN || !text.chars().all(|c| c.is_ascii_graphic()) {
            return Err(InvalidJwksUri("at most 512 visible ASCII characters"));
        }
        let url = Url::parse(text).map_err(|_| InvalidJwksUri("not an absolute URL"))?;
        match url.scheme() {
            "https" if url.host_str().is_some_and(|host| !host.is_empty()) => {}
            "http" if is_loopback_literal(&url) => {}
            _ => return Err(InvalidJwksUri("the scheme must be https")),
        }
        // An address the outbound fetcher never dials is refused here, so
        // the mistake shows when the client is registered.
        let literal = match url.host() {
            Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        if url.scheme() == "https" && literal.is_some_and(|ip| !is_public(ip)) {
            return Err(InvalidJwksUri("the host must be a public address"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(InvalidJwksUri("no user information"));
        }
        if text.contains('#') {
            return Err(InvalidJwksUri("no fragment"));
        }
        // Dot segments, an upper-case host or a default port spelled out all
        // make the parsed form differ from the text.
        if url.as_str() != text {
            return Err(InvalidJwksUri("not in canonical form (dot segments, case, default port)"));
        }
        Ok(Self(text.to_owned()))
    }

    /// The URL as registered.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether it is a development URL (plain `http` on loopback).
    pub fn is_plain_http(&self) -> bool {
        self.0.starts_with("http://")
    }
}

impl fmt::Display for JwksUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_urls_in_canonical_form_are_accepted() {
        for text in [
            "https://rp.example/jwks.json",
            "https://rp.example:8443/.well-known/jwks.json",
            "https://rp.example/keys?tenant=a",
            "http://127.0.0.1:9000/jwks.json",
            "http://[::1]:9000/jwks.json",
        ] {
            assert_eq!(
                JwksUri::parse(text).map(|uri| uri.as_str().to_owned()),
                Ok(text.to_owned()),
                "{text}"
            );
        }
    }

    #[test]
    fn other_urls_are_refused() {
        for text in [
            "http://rp.example/jwks.json",
            "http://localhost:9000/jwks.json",
            "ftp://rp.example/jwks.json",
            "https://user:pass@rp.example/jwks.json",
            "https://rp.example/jwks.json#keys",
            "https://RP.example/jwks.json",
            "https://rp.example/a/../jwks.json",
            "https://rp.example:443/jwks.json",
            "https://rp.example/ jwks.json",
            "https://192.0.2.1/jwks.json",
            "https://[2001:db8::1]/jwks.json",
            "https://127.0.0.1:8443/jwks.json",
            "https://[::1]/jwks.json",
            "/jwks.json",
            "",
        ] {
            assert!(JwksUri::parse(text).is_err(), "{text}");
        }
        let long = format!("https://rp.example/{}", "a".repeat(MAX_JWKS_URI_LEN));
        assert!(JwksUri::parse(&long).is_err());
    }

    #[test]
    fn keys_say_where_they_are() {
        let uri = JwksUri::parse("https://rp.example/jwks.json").unwrap();
        assert_eq!(ClientKeys::Published(uri.clone()).published(), Some(&uri));
        assert_eq!(ClientKeys::Published(uri).registered(), None);
        assert_eq!(ClientKeys::Registered("{}".into()).registered(), Some("{}"));
        assert!(!JwksUri::parse("https://rp.example/k").unwrap().is_plain_http());
        assert!(JwksUri::parse("http://127.0.0.1:1/k").unwrap().is_plain_http());
    }
}
