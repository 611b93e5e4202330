//! Scopes: the names a client may ask for, and the catalogue the server knows.
//!
//! The catalogue holds the four OpenID Connect scopes and the API scopes the
//! operator declares, each with a plain-words description for the consent page.

use std::collections::BTreeMap;
use std::fmt;

/// One scope token (RFC 6749 §3.3: `1*NQCHAR`, i.e. printable ASCII except
/// space, `"` and `\`). Bounded in length so a stored list stays small.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScopeName(String);

/// Why a scope name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidScope {
    /// No scope at all.
    #[error("scope must not be empty")]
    Empty,
    /// Longer than 128 characters.
    #[error("scope {0:?} is longer than 128 characters")]
    TooLong(String),
    /// A character RFC 6749 §3.3 does not allow.
    #[error(
        "scope {0:?} has a character outside RFC 6749 §3.3 (printable ASCII except space, '\"' and '\\')"
    )]
    Character(String),
    /// Not declared on this server.
    #[error("scope {0:?} is not known to this server")]
    Unknown(String),
    /// An OpenID Connect scope, which cannot be redeclared.
    #[error("scope {0:?} is an OpenID Connect scope and cannot be redeclared")]
    Reserved(String),
    /// Declared without a description.
    #[error("scope {0:?} needs a description for the consent page")]
    NoDescription(String),
}

impl ScopeName {
    const MAX_LEN: usize = 128;

    /// Checks the RFC 6749 §3.3 grammar.
    pub fn parse(text: &str) -> Result<Self, InvalidScope> {
        if text.is_empty() {
            return Err(InvalidScope::Empty);
        }
        if text.len() > Self::MAX_LEN {
            return Err(InvalidScope::TooLong(text.to_owned()));
        }
        // NQCHAR = %x21 / %x23-5B / %x5D-7E
        let nqchar = |b: u8| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b);
        if !text.bytes().all(nqchar) {
            return Err(InvalidScope::Character(text.to_owned()));
        }
        Ok(Self(text.to_owned()))
    }

    /// The scope as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for ScopeName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ScopeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The OpenID Connect scopes (OIDC Core §5.4, §11) and what they grant.
pub const OIDC_SCOPES: &[(&str, &str)] = &[
    ("openid", "Sign you in and know who you are"),
    ("profile", "See your name and profile details"),
    ("email", "See your email address"),
    ("offline_access", "Stay connected when you are not using the app"),
];

/// Every scope the server knows, with its consent-page description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeCatalog(BTreeMap<ScopeName, String>);

impl ScopeCatalog {
    /// The OIDC scopes plus the operator's API scopes (name → description).
    pub fn new<'a>(api_scopes: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, InvalidScope> {
        let mut scopes = BTreeMap::new();
        for (name, description) in OIDC_SCOPES {
            scopes.insert(ScopeName((*name).to_owned()), (*description).to_owned());
        }
        for (name, description) in api_scopes {
            let scope = ScopeName::parse(name)?;
            if scopes.contains_key(&scope) {
                return Err(InvalidScope::Reserved(name.to_owned()));
            }
            if description.trim().is_empty() {
                return Err(InvalidScope::NoDescription(name.to_owned()));
            }
            scopes.insert(scope, description.trim().to_owned());
        }
        Ok(Self(scopes))
    }

    /// A known scope, or why not.
    pub fn known(&self, text: &str) -> Result<ScopeName, InvalidScope> {
        let scope = ScopeName::parse(text)?;
        if self.0.contains_key(&scope) { Ok(scope) } else { Err(InvalidScope::Unknown(text.to_owned())) }
    }

    /// The consent-page description of a known scope.
    pub fn describe(&self, scope: &ScopeName) -> Option<&str> {
        self.0.get(scope).map(String::as_str)
    }

    /// Every known scope, in order.
    pub fn names(&self) -> impl Iterator<Item = &ScopeName> {
        self.0.keys()
    }
}

impl Default for ScopeCatalog {
    fn default() -> Self {
        Self(OIDC_SCOPES.iter().map(|(n, d)| (ScopeName((*n).to_owned()), (*d).to_owned())).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        for ok in ["openid", "api:read", "https://api.example/x", "a!#[]^~"] {
            assert!(ScopeName::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "two words", "quo\"te", "back\\slash", "é", "tab\t"] {
            assert!(ScopeName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(ScopeName::parse(&"x".repeat(129)).is_err());
    }

    #[test]
    fn catalog_knows_oidc_and_declared_api_scopes() {
        let catalog = ScopeCatalog::new([("api:read", "Read your invoices")]).unwrap();
        assert!(catalog.known("openid").is_ok());
        assert!(catalog.known("offline_access").is_ok());
        let read = catalog.known("api:read").unwrap();
        assert_eq!(catalog.describe(&read), Some("Read your invoices"));
        assert_eq!(catalog.known("api:write"), Err(InvalidScope::Unknown("api:write".into())));
    }

    #[test]
    fn catalog_refuses_redeclared_or_undescribed_scopes() {
        assert_eq!(ScopeCatalog::new([("openid", "x")]), Err(InvalidScope::Reserved("openid".into())));
        assert_eq!(ScopeCatalog::new([("api:x", " ")]), Err(InvalidScope::NoDescription("api:x".into())));
        assert!(matches!(ScopeCatalog::new([("bad scope", "x")]), Err(InvalidScope::Character(_))));
    }
}
