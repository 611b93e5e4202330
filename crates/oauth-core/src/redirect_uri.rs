//! Redirect URIs: what may be registered (RFC 9700 §2.1 and §4.1, RFC 6749
//! §3.1.2, RFC 8252 for native apps) and the single rule by which a requested
//! URI matches a registered one. The authorization and token endpoints both
//! call [`find_match`]; nothing else decides.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use crate::client::ClientType;

/// A registered redirect URI, stored exactly as registered (canonical form).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RedirectUri(String);

/// Why a redirect URI cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidRedirectUri {
    /// Empty or too long.
    #[error("{0:?} is empty or longer than 2000 characters")]
    Length(String),
    /// A wildcard, space or control character.
    #[error("{0:?} contains a wildcard, space or control character")]
    Character(String),
    /// Not an absolute URI (the value and the parser's reason).
    #[error("{0:?} is not an absolute URI: {1}")]
    NotAbsolute(String, String),
    /// Has a fragment.
    #[error("{0:?} has a fragment (RFC 6749 §3.1.2)")]
    Fragment(String),
    /// Carries user information.
    #[error("{0:?} carries user information before the host")]
    UserInfo(String),
    /// A scheme that can run code or read files.
    #[error("{0:?} uses a scheme that can run code or read files")]
    DangerousScheme(String),
    /// Plain http off loopback.
    #[error(
        "{0:?} uses plain http on a host other than the loopback literals 127.0.0.1 and [::1] (RFC 8252 §7.3)"
    )]
    InsecureHttp(String),
    /// A private-use scheme on a confidential client.
    #[error(
        "{0:?} uses a private-use scheme, which only public (native) clients may register (RFC 8252 §7.1)"
    )]
    PrivateSchemeForConfidential(String),
    /// A private-use scheme not in reverse-domain form.
    #[error(
        "{0:?} uses a private-use scheme that is not in reverse-domain form such as com.example.app (RFC 8252 §7.1)"
    )]
    PrivateSchemeShape(String),
    /// Not in canonical form (the value and how to register it).
    #[error("{0:?} is not in canonical form; register it as {1:?}")]
    NotCanonical(String, String),
}

impl InvalidRedirectUri {
    /// The rule broken, without the value: for answers to callers who did
    /// not sign in, which should not echo what they sent.
    pub fn rule(&self) -> &'static str {
        match self {
            Self::Length(_) => "empty or longer than 2000 characters",
            Self::Character(_) => "contains a wildcard, space or control character",
            Self::NotAbsolute(..) => "not an absolute URI",
            Self::Fragment(_) => "has a fragment (RFC 6749 §3.1.2)",
            Self::UserInfo(_) => "carries user information before the host",
            Self::DangerousScheme(_) => "uses a scheme that can run code or read files",
            Self::InsecureHttp(_) => "plain http is allowed only on 127.0.0.1 and [::1] (RFC 8252 §7.3)",
            Self::PrivateSchemeForConfidential(_) | Self::PrivateSchemeShape(_) => {
                "uses a private-use scheme"
            }
            Self::NotCanonical(..) => {
                "not in canonical form (lower-case scheme and host, no default port, a path)"
            }
        }
    }
}

const MAX_LEN: usize = 2000;
const DANGEROUS_SCHEMES: &[&str] = &["javascript", "data", "file", "vbscript", "about", "blob", "filesystem"];

impl RedirectUri {
    /// Validates a URI for registration by a client of `client_type`.
    ///
    /// SECURITY: only the canonical form is accepted (lower-case scheme and
    /// host, no `.` or `..` segments, no default port, a path of at least
    /// `/`), so that the exact string comparison at request time cannot be
    /// defeated by an equivalent spelling.
    pub fn parse(text: &str, client_type: ClientType) -> Result<Self, InvalidRedirectUri> {
        let owned = || text.to_owned();
        if text.is_empty() || text.len() > MAX_LEN {
            return Err(InvalidRedirectUri::Length(owned()));
        }
        if text.chars().any(|c| c == '*' || c.is_whitespace() || c.is_control()) {
            return Err(InvalidRedirectUri::Character(owned()));
        }
        let url = Url::parse(text).map_err(|e| InvalidRedirectUri::NotAbsolute(owned(), e.to_string()))?;
        if url.fragment().is_some() {
            return Err(InvalidRedirectUri::Fragment(owned()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(InvalidRedirectUri::UserInfo(owned()));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback_literal(&url) => {}
            "http" => return Err(InvalidRedirectUri::InsecureHttp(owned())),
            scheme if DANGEROUS_SCHEMES.contains(&scheme) => {
                return Err(InvalidRedirectUri::DangerousScheme(owned()));
            }
            _ if client_type == ClientType::Confidential => {
                return Err(InvalidRedirectUri::PrivateSchemeForConfidential(owned()));
            }
            scheme if !scheme.contains('.') => return Err(InvalidRedirectUri::PrivateSchemeShape(owned())),
            _ => {}
        }
        if url.as_str() != text {
            return Err(InvalidRedirectUri::NotCanonical(owned(), url.as_str().to_owned()));
        }
        Ok(Self(text.to_owned()))
    }

    /// The URI as registered.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the URI is plain `http` on a loopback literal: an app on the
    /// user's own machine receives what is sent there (RFC 8252 §7.3).
    pub fn is_loopback(&self) -> bool {
        Url::parse(&self.0).is_ok_and(|url| url.scheme() == "http" && is_loopback_literal(&url))
    }

    /// Whether `requested` designates this registered URI.
    ///
    /// Exact string comparison (RFC 9700 §2.1, §4.1.3), with the one
    /// exception of RFC 8252 §7.3: for a public (native) client, the port of a
    /// loopback `http` URI may differ, because the app picks a free port at
    /// run time. Everything else, the path and query included, must be equal.
    pub fn matches(&self, requested: &str, client_type: ClientType) -> bool {
        if requested == self.0 {
            return true;
        }
        client_type == ClientType::Public && same_loopback_ignoring_port(&self.0, requested)
    }
}

impl AsRef<str> for RedirectUri {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The registered URI that `requested` designates, if any.
pub fn find_match<'a>(
    registered: &'a [RedirectUri],
    requested: &str,
    client_type: ClientType,
) -> Option<&'a RedirectUri> {
    registered.iter().find(|uri| uri.matches(requested, client_type))
}

/// RFC 8252 §8.3: the loopback IP literals, not `localhost` (which a hostile
/// resolver or hosts file could point elsewhere).
pub fn is_loopback_literal(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip == Ipv4Addr::LOCALHOST,
        Some(Host::Ipv6(ip)) => ip == Ipv6Addr::LOCALHOST,
        _ => false,
    }
}

fn same_loopback_ignoring_port(registered: &str, requested: &str) -> bool {
    let (Ok(mut registered), Ok(mut requested_url)) = (Url::parse(registered), Url::parse(requested)) else {
        return false;
    };
    // The requested URI must itself be canonical: otherwise `..` or an upper-case
    // host could make two different strings compare equal after parsing.
    if requested_url.as_str() != requested {
        return false;
    }
    if registered.scheme() != "http" || requested_url.scheme() != "http" || !is_loopback_literal(&registered)
    {
        return false;
    }
    if registered.set_port(None).is_err() || requested_url.set_port(None).is_err() {
        return false;
    }
    registered.as_str() == requested_url.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ClientType::{Confidential, Public};

    /// (name, client type, URI, accepted at registration)
    const REGISTRATION: &[(&str, ClientType, &str, bool)] = &[
        ("https web", Confidential, "https://good.example/cb", true),
        ("https with query", Confidential, "https://good.example/cb?tenant=a", true),
        ("https with port", Confidential, "https://good.example:8443/cb", true),
        ("loopback v4 native", Public, "http://127.0.0.1/cb", true),
        ("loopback v4 with port", Public, "http://127.0.0.1:8080/cb", true),
        ("loopback v6 native", Public, "http://[::1]/cb", true),
        ("private-use scheme native", Public, "com.example.app:/cb", true),
        ("private-use scheme confidential", Confidential, "com.example.app:/cb", false),
        ("private-use scheme not reverse-domain", Public, "myapp:/cb", false),
        ("plain http public host", Confidential, "http://good.example/cb", false),
        ("http localhost", Public, "http://localhost/cb", false),
        ("http other loopback address", Public, "http://127.0.0.2/cb", false),
        ("relative", Confidential, "/cb", false),
        ("fragment", Confidential, "https://good.example/cb#x", false),
        ("empty fragment", Confidential, "https://good.example/cb#", false),
        ("userinfo", Confidential, "https://good.example@evil.example/cb", false),
        ("user and password", Confidential, "https://u:p@good.example/cb", false),
        ("wildcard host", Confidential, "https://*.good.example/cb", false),
        ("wildcard path", Confidential, "https://good.example/*", false),
        ("javascript", Public, "javascript:alert(1)", false),
        ("data", Public, "data:text/html,hi", false),
        ("file", Public, "file:///etc/passwd", false),
        ("upper-case scheme", Confidential, "HTTPS://good.example/cb", false),
        ("upper-case host", Confidential, "https://GOOD.example/cb", false),
        ("dot-dot segment", Confidential, "https://good.example/a/../cb", false),
        ("default port spelled out", Confidential, "https://good.example:443/cb", false),
        ("no path", Confidential, "https://good.example", false),
        ("space", Confidential, "https://good.example/c b", false),
        ("control character", Confidential, "https://good.example/c\u{7}b", false),
    ];

    #[test]
    fn overlong_uri_is_refused() {
        let uri = format!("https://good.example/{}", "a".repeat(2000));
        assert!(matches!(RedirectUri::parse(&uri, Confidential), Err(InvalidRedirectUri::Length(_))));
    }

    #[test]
    fn registration_rules() {
        for (name, client_type, uri, accepted) in REGISTRATION {
            let result = RedirectUri::parse(uri, *client_type);
            assert_eq!(result.is_ok(), *accepted, "case {name}: {result:?}");
        }
    }

    /// (name, client type, registered, requested, matches)
    const MATCHING: &[(&str, ClientType, &str, &str, bool)] = &[
        ("identical", Confidential, "https://good.example/cb", "https://good.example/cb", true),
        (
            "identical with query",
            Confidential,
            "https://good.example/cb?a=1",
            "https://good.example/cb?a=1",
            true,
        ),
        (
            "userinfo trick",
            Confidential,
            "https://good.example/cb",
            "https://good.example@evil.example/cb",
            false,
        ),
        (
            "suffix host",
            Confidential,
            "https://good.example/cb",
            "https://good.example.evil.example/cb",
            false,
        ),
        ("scheme case", Confidential, "https://good.example/cb", "HTTPS://good.example/cb", false),
        ("host case", Confidential, "https://good.example/cb", "https://GOOD.example/cb", false),
        ("path case", Confidential, "https://good.example/cb", "https://good.example/CB", false),
        ("trailing slash", Confidential, "https://good.example/cb", "https://good.example/cb/", false),
        ("added query", Confidential, "https://good.example/cb", "https://good.example/cb?x=1", false),
        ("changed query", Confidential, "https://good.example/cb?a=1", "https://good.example/cb?a=2", false),
        ("fragment", Confidential, "https://good.example/cb", "https://good.example/cb#f", false),
        ("dot-dot", Confidential, "https://good.example/cb", "https://good.example/x/../cb", false),
        (
            "percent-encoded letter",
            Confidential,
            "https://good.example/cb",
            "https://good.example/%63b",
            false,
        ),
        (
            "percent-encoded slash",
            Confidential,
            "https://good.example/a/cb",
            "https://good.example/a%2Fcb",
            false,
        ),
        ("different port", Confidential, "https://good.example/cb", "https://good.example:8443/cb", false),
        (
            "default port spelled out",
            Confidential,
            "https://good.example/cb",
            "https://good.example:443/cb",
            false,
        ),
        ("http downgrade", Confidential, "https://good.example/cb", "http://good.example/cb", false),
        ("native loopback port varies", Public, "http://127.0.0.1/cb", "http://127.0.0.1:53123/cb", true),
        (
            "native registered port varies",
            Public,
            "http://127.0.0.1:8080/cb",
            "http://127.0.0.1:9090/cb",
            true,
        ),
        ("native v6 loopback port varies", Public, "http://[::1]/cb", "http://[::1]:53123/cb", true),
        (
            "native loopback path differs",
            Public,
            "http://127.0.0.1/cb",
            "http://127.0.0.1:53123/other",
            false,
        ),
        (
            "native loopback query added",
            Public,
            "http://127.0.0.1/cb",
            "http://127.0.0.1:53123/cb?x=1",
            false,
        ),
        ("native localhost for 127.0.0.1", Public, "http://127.0.0.1/cb", "http://localhost:53123/cb", false),
        ("native v4 for v6", Public, "http://[::1]/cb", "http://127.0.0.1:53123/cb", false),
        ("native dot-dot with port", Public, "http://127.0.0.1/cb", "http://127.0.0.1:5000/x/../cb", false),
        (
            "web client loopback port fixed",
            Confidential,
            "http://127.0.0.1:8080/cb",
            "http://127.0.0.1:9090/cb",
            false,
        ),
        ("native https port fixed", Public, "https://good.example/cb", "https://good.example:8443/cb", false),
        ("private-use identical", Public, "com.example.app:/cb", "com.example.app:/cb", true),
        ("private-use other path", Public, "com.example.app:/cb", "com.example.app:/cb2", false),
        ("empty requested", Confidential, "https://good.example/cb", "", false),
    ];

    #[test]
    fn matching_rules() {
        for (name, client_type, registered, requested, expected) in MATCHING {
            let registered =
                RedirectUri::parse(registered, *client_type).unwrap_or_else(|e| panic!("case {name}: {e}"));
            let list = [registered];
            assert_eq!(find_match(&list, requested, *client_type).is_some(), *expected, "case {name}");
        }
    }
}
