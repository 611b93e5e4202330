//! Resource owners: the people who sign in. An email is unique without regard
//! to case; a disabled user keeps their record but can no longer sign in.

use std::fmt;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::password::PasswordHash;
use crate::ports::{RandomSource, RandomUnavailable};

/// A user's stable identifier (the OIDC `sub`). Random, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(Uuid);

impl UserId {
    /// A fresh random (version 4) id drawn from the injected random source.
    pub fn generate(random: &dyn RandomSource) -> Result<Self, RandomUnavailable> {
        let mut bytes = [0_u8; 16];
        random.fill(&mut bytes)?;
        Ok(Self(uuid::Builder::from_random_bytes(bytes).into_uuid()))
    }

    /// Parses the hyphenated form.
    pub fn parse(text: &str) -> Result<Self, InvalidUserId> {
        Uuid::parse_str(text).map(Self).map_err(|_| InvalidUserId)
    }

    /// The underlying UUID.
    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// The text was not a UUID.
#[derive(Debug, Clone, Copy, thiserror::Error, PartialEq, Eq)]
#[error("not a user id (expected a UUID)")]
pub struct InvalidUserId;

/// An email address as the user typed it, with a lower-cased key for lookups.
///
/// RFC 5321 lets a mailbox's local part be case-sensitive, but no real mail
/// system treats `Alice@` and `alice@` as two people: two accounts differing only
/// in case would be an impersonation vector, so uniqueness ignores case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    address: String,
    key: String,
}

/// Why an email address was refused.
#[derive(Debug, Clone, Copy, thiserror::Error, PartialEq, Eq)]
pub enum InvalidEmail {
    /// Nothing was given.
    #[error("email must not be empty")]
    Empty,
    /// Longer than 254 characters.
    #[error("email must be at most 254 characters")]
    TooLong,
    /// A space or control character.
    #[error("email must not contain spaces or control characters")]
    ForbiddenCharacter,
    /// Not one `@` between a local part and a domain.
    #[error("email must contain exactly one '@' between a local part and a domain")]
    Shape,
    /// A local part longer than 64 characters.
    #[error("email local part must be at most 64 characters")]
    LocalPartTooLong,
    /// The domain is not a host name.
    #[error("email domain must be a host name such as example.com")]
    Domain,
}

impl Email {
    /// RFC 5321 §4.5.3.1.3: a path holds at most 256 octets, so 254 for the address.
    const MAX_LEN: usize = 254;
    /// RFC 5321 §4.5.3.1.1
    const MAX_LOCAL_LEN: usize = 64;

    /// Accepts an address of the form `local@domain`, trimmed of surrounding space.
    ///
    /// Deliberately not a full RFC 5322 parser: quoted local parts and address
    /// literals are refused because no sign-in form should need them.
    pub fn parse(text: &str) -> Result<Self, InvalidEmail> {
        let address = text.trim();
        if address.is_empty() {
            return Err(InvalidEmail::Empty);
        }
        if address.len() > Self::MAX_LEN {
            return Err(InvalidEmail::TooLong);
        }
        if address.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"') {
            return Err(InvalidEmail::ForbiddenCharacter);
        }
        let (local, domain) = match address.split_once('@') {
            Some((local, domain)) if !local.is_empty() && !domain.contains('@') => (local, domain),
            _ => return Err(InvalidEmail::Shape),
        };
        if local.len() > Self::MAX_LOCAL_LEN {
            return Err(InvalidEmail::LocalPartTooLong);
        }
        if !is_host_name(domain) {
            return Err(InvalidEmail::Domain);
        }
        Ok(Self { address: address.to_owned(), key: address.to_lowercase() })
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// The case-folded form that uniqueness and lookups use.
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address)
    }
}

/// RFC 1123 §2.1 host name: dot-separated labels of letters, digits and inner hyphens.
fn is_host_name(domain: &str) -> bool {
    !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// The name shown on consent pages and in the `name` claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

/// Why a display name was refused.
#[derive(Debug, Clone, Copy, thiserror::Error, PartialEq, Eq)]
pub enum InvalidDisplayName {
    /// Nothing was given.
    #[error("name must not be empty")]
    Empty,
    /// Longer than 200 characters.
    #[error("name must be at most 200 characters")]
    TooLong,
    /// A control character.
    #[error("name must not contain control characters")]
    ControlCharacter,
}

impl DisplayName {
    const MAX_CHARS: usize = 200;

    /// Accepts any printable text of 1 to 200 characters, trimmed.
    pub fn parse(text: &str) -> Result<Self, InvalidDisplayName> {
        let name = text.trim();
        if name.is_empty() {
            return Err(InvalidDisplayName::Empty);
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(InvalidDisplayName::TooLong);
        }
        if name.chars().any(char::is_control) {
            return Err(InvalidDisplayName::ControlCharacter);
        }
        Ok(Self(name.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A resource owner as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Stable id, used as `sub`.
    pub id: UserId,
    /// Sign-in address, unique regardless of case.
    pub email: Email,
    /// Whether the address was proven to belong to the user (OIDC `email_verified`).
    pub email_verified: bool,
    /// Name for pages and the `name` claim.
    pub display_name: DisplayName,
    /// Argon2id PHC string; never the password.
    pub password_hash: PasswordHash,
    /// A disabled user cannot sign in; their record and tokens' history remain.
    pub disabled: bool,
    /// When the record was created, from the injected clock.
    pub created_at: OffsetDateTime,
    /// When the record last changed, from the injected clock.
    pub updated_at: OffsetDateTime,
    /// When every session and token of the user was last ended: access
    /// tokens issued at or before it are dead although they still verify.
    pub signed_out_at: Option<OffsetDateTime>,
}

impl User {
    /// Whether a login made at `auth_time` outlived the last sign-out
    /// everywhere. Times are whole seconds, so a login in the same second
    /// counts as before it: one more sign-in, rather than a session that
    /// outlives a password change.
    pub fn login_is_current(&self, auth_time: OffsetDateTime) -> bool {
        self.signed_out_at.is_none_or(|at| auth_time > at)
    }

    /// [`User::login_is_current`] for a login time in Unix seconds (a
    /// token's `auth_time` claim).
    pub fn login_at_is_current(&self, auth_time: i64) -> bool {
        self.signed_out_at.is_none_or(|at| auth_time > at.unix_timestamp())
    }
}

/// The sign-out stamp (Unix seconds) that replaces `earlier` when a user is
/// signed out everywhere at `now`. It never moves back: a sign-out from a
/// host whose clock is behind must not revive what an earlier one ended.
/// And a sign-out in or before the earlier stamp's second moves it one
/// second on: the account page dates the login that follows a password
/// change the second after its stamp, and a later sign-out must end that
/// login too.
pub fn next_sign_out_stamp(earlier: Option<i64>, now: i64) -> i64 {
    match earlier {
        Some(earlier) if earlier >= now => earlier.saturating_add(1),
        _ => now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_rules() {
        let rows: &[(&str, &str, Result<&str, InvalidEmail>)] = &[
            ("plain", "alice@example.com", Ok("alice@example.com")),
            ("case folds for the key", "Alice@Example.COM", Ok("alice@example.com")),
            ("trimmed", "  bob@example.org ", Ok("bob@example.org")),
            ("single-label host", "root@localhost", Ok("root@localhost")),
            ("empty", "   ", Err(InvalidEmail::Empty)),
            ("no at", "not-an-email", Err(InvalidEmail::Shape)),
            ("two ats", "a@b@example.com", Err(InvalidEmail::Shape)),
            ("no local part", "@example.com", Err(InvalidEmail::Shape)),
            ("inner space", "a b@example.com", Err(InvalidEmail::ForbiddenCharacter)),
            ("quote", "\"a\"@example.com", Err(InvalidEmail::ForbiddenCharacter)),
            ("no domain", "alice@", Err(InvalidEmail::Domain)),
            ("empty label", "alice@example..com", Err(InvalidEmail::Domain)),
            ("hyphen edge", "alice@-example.com", Err(InvalidEmail::Domain)),
            ("underscore host", "alice@ex_ample.com", Err(InvalidEmail::Domain)),
        ];
        for (name, input, expected) in rows {
            let got = Email::parse(input).map(|e| e.key().to_owned());
            let expected = expected.as_ref().map(|s| (*s).to_owned()).map_err(|e| *e);
            assert_eq!(got, expected, "case {name}");
        }
    }

    #[test]
    fn email_length_limits() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert_eq!(Email::parse(&long_local), Err(InvalidEmail::LocalPartTooLong));
        let long = format!("a@{}.com", "b".repeat(260));
        assert_eq!(Email::parse(&long), Err(InvalidEmail::TooLong));
    }

    #[test]
    fn email_keeps_the_typed_case_for_display() {
        let email = Email::parse("Alice@Example.com").unwrap();
        assert_eq!(email.as_str(), "Alice@Example.com");
    }

    #[test]
    fn display_name_rules() {
        assert_eq!(DisplayName::parse(" Ada ").unwrap().as_str(), "Ada");
        assert_eq!(DisplayName::parse(""), Err(InvalidDisplayName::Empty));
        assert_eq!(DisplayName::parse("a\u{7}b"), Err(InvalidDisplayName::ControlCharacter));
        assert_eq!(DisplayName::parse(&"x".repeat(201)), Err(InvalidDisplayName::TooLong));
    }

    #[test]
    fn user_id_round_trips_and_is_version_4() {
        let random = crate::testing::SeqRandom::new(7);
        let id = UserId::generate(&random).unwrap();
        assert_eq!(id.as_uuid().get_version_num(), 4);
        assert_eq!(UserId::parse(&id.to_string()), Ok(id));
        assert_eq!(UserId::parse("nope"), Err(InvalidUserId));
    }
}
