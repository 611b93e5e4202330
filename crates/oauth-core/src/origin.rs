//! Web origins allowed to call the token and userinfo endpoints from a browser
//! (CORS). An origin is `scheme://host[:port]` and nothing else.

use std::fmt;

use url::{Host, Url};

/// A bare web origin (RFC 6454 §6.2 serialisation).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin(String);

/// Why an origin was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidOrigin {
    /// Not a URL (the value and the parser's reason).
    #[error("{0:?} is not a URL: {1}")]
    NotUrl(String, String),
    /// Has a path, query, fragment, user or trailing slash.
    #[error("{0:?} must be scheme://host[:port] with no path, query, fragment, user or trailing slash")]
    NotBare(String),
    /// Plain http on a host other than loopback.
    #[error("{0:?} must use https (http only on loopback)")]
    Insecure(String),
    /// Not in canonical form (the value and how to write it).
    #[error("{0:?} is not in canonical form; write it as {1:?}")]
    NotCanonical(String, String),
}

impl Origin {
    /// Accepts `https://host[:port]`, or `http://` on a loopback host.
    pub fn parse(text: &str) -> Result<Self, InvalidOrigin> {
        let url = Url::parse(text).map_err(|e| InvalidOrigin::NotUrl(text.to_owned(), e.to_string()))?;
        let bare = url.path() == "/"
            && !text.ends_with('/')
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none();
        if !bare {
            return Err(InvalidOrigin::NotBare(text.to_owned()));
        }
        let loopback = match url.host() {
            Some(Host::Domain(domain)) => domain == "localhost",
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => return Err(InvalidOrigin::Insecure(text.to_owned())),
        }
        let canonical = url.origin().ascii_serialization();
        if canonical != text {
            return Err(InvalidOrigin::NotCanonical(text.to_owned(), canonical));
        }
        Ok(Self(canonical))
    }

    /// The origin as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Origin {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_rules() {
        let rows: &[(&str, bool)] = &[
            ("https://app.example", true),
            ("https://app.example:8443", true),
            ("http://localhost:3000", true),
            ("http://127.0.0.1:3000", true),
            ("https://app.example/", false),
            ("https://app.example/path", false),
            ("https://app.example?x=1", false),
            ("https://user@app.example", false),
            ("http://app.example", false),
            ("https://APP.example", false),
            ("https://app.example:443", false),
            ("app.example", false),
            ("null", false),
        ];
        for (text, ok) in rows {
            assert_eq!(Origin::parse(text).is_ok(), *ok, "{text}: {:?}", Origin::parse(text));
        }
    }
}
