//! Resource servers (the APIs tokens are for): their identifiers, and what
//! the operator registers about each.
//!
//! A resource's URI is the value clients send as `resource` (RFC 8707 §2)
//! and the `aud` of the access tokens minted for it, compared as exact
//! text: the registry stores what the operator typed and nothing
//! normalises it.

use std::collections::BTreeSet;
use std::fmt;

use time::{Duration, OffsetDateTime};

use crate::error::OAuthError;
use crate::scope::ScopeName;
use crate::token::SigningAlg;

/// A resource server's identifier: an absolute URI without a fragment
/// (RFC 8707 §2), `https`, or `http` on a loopback host for development.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceUri(String);

/// Why a resource URI was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidResourceUri {
    /// Longer than the registry stores.
    #[error("a resource URI is at most {max} characters", max = ResourceUri::MAX_LEN)]
    TooLong,
    /// A character RFC 3986 does not allow in a URI (spaces, controls,
    /// non-ASCII, `"`, `<`, `\\`, …): write it percent-encoded.
    #[error("a resource URI has only the characters RFC 3986 allows (percent-encode the others)")]
    Character,
    /// `user@` before the host (RFC 3986 §3.2.1): misleading, and never an API's name.
    #[error("a resource URI must not carry user information")]
    UserInfo,
    /// Not an absolute URI (RFC 8707 §2, RFC 3986 §4.3).
    #[error("a resource must be an absolute URI (RFC 8707 §2)")]
    NotAbsolute,
    /// RFC 8707 §2: "MUST NOT include a fragment component".
    #[error("a resource URI must not have a fragment (RFC 8707 §2)")]
    Fragment,
    /// Neither `https` nor `http` on a loopback host.
    #[error("a resource URI must use https (http only on localhost, 127.0.0.1 or [::1])")]
    Scheme,
}

impl ResourceUri {
    /// The longest URI the registry accepts.
    pub const MAX_LEN: usize = 512;

    /// Checks the text; keeps it exactly as given.
    pub fn parse(text: &str) -> Result<Self, InvalidResourceUri> {
        if text.len() > Self::MAX_LEN {
            return Err(InvalidResourceUri::TooLong);
        }
        if text.is_empty() || !text.bytes().all(is_uri_byte) {
            return Err(InvalidResourceUri::Character);
        }
        // `#` cannot appear in a URI outside its fragment, so its presence
        // is a fragment, even an empty one.
        if text.contains('#') {
            return Err(InvalidResourceUri::Fragment);
        }
        // The text itself must read `scheme://authority`: the URL parser
        // repairs `https:host`, `https:///host` or an upper-case scheme,
        // and the registry keeps the text, not the repair.
        let Some(authority) = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://")) else {
            let relative = !text.contains("://") && (text.starts_with('/') || !text.contains(':'));
            return Err(if relative { InvalidResourceUri::NotAbsolute } else { InvalidResourceUri::Scheme });
        };
        if authority.is_empty() || authority.starts_with('/') {
            return Err(InvalidResourceUri::NotAbsolute);
        }
        let url = url::Url::parse(text).map_err(|_| InvalidResourceUri::NotAbsolute)?;
        if !url.username().is_empty()
            || url.password().is_some()
            || authority.split('/').next().is_some_and(|a| a.contains('@'))
        {
            return Err(InvalidResourceUri::UserInfo);
        }
        let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => return Err(InvalidResourceUri::Scheme),
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(InvalidResourceUri::NotAbsolute);
        }
        Ok(Self(text.to_owned()))
    }

    /// The URI as registered.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// RFC 3986 §2: unreserved, reserved and `%` (of a percent-encoding).
fn is_uri_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&byte)
}

impl AsRef<str> for ResourceUri {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ResourceUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Most `resource` values one request may name.
pub const MAX_RESOURCES: usize = 10;

/// RFC 8707 §2: the `resource` values of a request, each an absolute URI
/// without fragment that the client may ask for.
pub fn requested_resources<'a>(
    values: impl IntoIterator<Item = &'a str>,
    allowed: &BTreeSet<ResourceUri>,
) -> Result<BTreeSet<ResourceUri>, OAuthError> {
    let mut resources = BTreeSet::new();
    for value in values {
        let uri = ResourceUri::parse(value).map_err(|e| OAuthError::InvalidTarget(e.to_string().into()))?;
        if !allowed.contains(&uri) {
            return Err(OAuthError::InvalidTarget(
                format!("resource {:?} is not allowed for this client", uri.as_str()).into(),
            ));
        }
        resources.insert(uri);
        if resources.len() > MAX_RESOURCES {
            return Err(OAuthError::InvalidTarget(format!("at most {MAX_RESOURCES} resources").into()));
        }
    }
    Ok(resources)
}

/// The longest access-token lifetime a resource may set. Whatever must
/// outlive every access token (a revoked `jti`, a retired key's
/// publication) is kept at least this long.
pub const MAX_ACCESS_TOKEN_TTL: time::Duration = time::Duration::hours(24);

/// A registered resource server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Its identifier, and the `aud` of its access tokens.
    pub uri: ResourceUri,
    /// What the consent page calls it.
    pub name: String,
    /// The scopes it defines; no other resource defines them.
    pub scopes: BTreeSet<ScopeName>,
    /// Whether clients registered without an administrator may ask for it.
    /// Off unless an administrator sets it.
    pub allow_dynamic_clients: bool,
    /// Its access tokens' lifetime; the server's default when `None`.
    pub access_token_ttl: Option<Duration>,
    /// Its access tokens' signing algorithm; the server's default when `None`.
    pub access_token_alg: Option<SigningAlg>,
    /// When it was registered.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
}

/// RFC 9728 §2: the protected-resource metadata a resource server serves
/// at `/.well-known/oauth-protected-resource`, for the clients that meet it
/// first (an MCP client does).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProtectedResourceMetadata {
    /// The resource's identifier (RFC 9728 §2 `resource`).
    pub resource: String,
    /// Issuers whose tokens it accepts: ours.
    pub authorization_servers: Vec<String>,
    /// The scopes it defines.
    pub scopes_supported: Vec<String>,
    /// RFC 6750 §2.1 only: the `Authorization` header. Tokens in forms or
    /// query strings end up in logs.
    pub bearer_methods_supported: Vec<String>,
    /// Its display name.
    pub resource_name: String,
    /// RFC 9728 §2: the DPoP proof algorithms it accepts with DPoP-bound
    /// tokens, ours (RFC 9449 §5.1).
    pub dpop_signing_alg_values_supported: Vec<String>,
}

impl ProtectedResourceMetadata {
    /// The document for `resource`, issued by `issuer`.
    pub fn of(resource: &Resource, issuer: &str) -> Self {
        Self {
            resource: resource.uri.as_str().to_owned(),
            authorization_servers: vec![issuer.to_owned()],
            scopes_supported: resource.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            bearer_methods_supported: vec!["header".to_owned()],
            resource_name: resource.name.clone(),
            dpop_signing_alg_values_supported: crate::dpop::PROOF_SIGNING_ALGS
                .iter()
                .map(|alg| (*alg).to_owned())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_absolute_https_uris_as_written() {
        for text in [
            "https://api.example.com",
            "https://api.example.com/",
            "https://api.example.com/calendar?tenant=7",
            "https://API.example.com:8443/v1",
            "https://api.example.com/a%20b?q=1&r=[x]",
            "http://localhost:3000/mcp",
            "http://127.0.0.1:9000",
            "http://[::1]:9000/",
        ] {
            assert_eq!(
                ResourceUri::parse(text).map(|u| u.as_str().to_owned()),
                Ok(text.to_owned()),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_what_rfc_8707_and_our_policy_refuse() {
        let refused = [
            ("/calendar", InvalidResourceUri::NotAbsolute),
            ("api.example.com", InvalidResourceUri::NotAbsolute),
            ("https://api.example.com/#top", InvalidResourceUri::Fragment),
            ("https://api.example.com/#", InvalidResourceUri::Fragment),
            ("http://api.example.com/", InvalidResourceUri::Scheme),
            ("urn:example:calendar", InvalidResourceUri::Scheme),
            ("https://api.example.com/ x", InvalidResourceUri::Character),
            (" https://api.example.com", InvalidResourceUri::Character),
            ("", InvalidResourceUri::Character),
            ("https://api.example.com/\u{202e}", InvalidResourceUri::Character),
            ("https://bücher.example", InvalidResourceUri::Character),
            ("https://api.example.com/\"x\"", InvalidResourceUri::Character),
            ("https:\\\\api.example.com", InvalidResourceUri::Character),
            ("https:api.example.com", InvalidResourceUri::Scheme),
            ("HTTPS://api.example.com", InvalidResourceUri::Scheme),
            ("https:///api.example.com", InvalidResourceUri::NotAbsolute),
            ("https://", InvalidResourceUri::NotAbsolute),
            ("https://api.example.com@evil.example", InvalidResourceUri::UserInfo),
            ("https://user:pw@api.example.com", InvalidResourceUri::UserInfo),
            ("http://localhost.evil.example/", InvalidResourceUri::Scheme),
            ("http://127.0.0.1.evil.example/", InvalidResourceUri::Scheme),
        ];
        for (text, why) in refused {
            assert_eq!(ResourceUri::parse(text), Err(why), "{text:?}");
        }
        let long = format!("https://api.example.com/{}", "a".repeat(ResourceUri::MAX_LEN));
        assert_eq!(ResourceUri::parse(&long), Err(InvalidResourceUri::TooLong));
    }
}
