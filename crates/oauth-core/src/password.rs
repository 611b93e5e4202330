//! Passwords of resource owners: the policy a new password must meet and the
//! opaque hash that is stored instead of it.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// A password that met the policy. Its `Debug` output is redacted.
pub struct Password(SecretString);

/// Why a password was refused.
#[derive(Debug, Clone, Copy, thiserror::Error, PartialEq, Eq)]
pub enum InvalidPassword {
    /// Nothing was typed.
    #[error("password must not be empty")]
    Empty,
    /// Shorter than the minimum.
    #[error("password must be at least {min} characters")]
    TooShort {
        /// The minimum length, in characters.
        min: usize,
    },
    /// Longer than the maximum.
    #[error("password must be at most {max} characters")]
    TooLong {
        /// The maximum length, in characters.
        max: usize,
    },
}

impl Password {
    /// NIST SP 800-63B §5.1.1.2: at least 8 characters.
    pub const MIN_CHARS: usize = 8;
    /// A cap keeps a hash request from being a denial of service, and is far
    /// above any passphrase (NIST asks for at least 64).
    pub const MAX_CHARS: usize = 1024;

    /// Checks the policy. The text is not trimmed: spaces are valid characters.
    pub fn new(secret: SecretString) -> Result<Self, InvalidPassword> {
        let chars = secret.expose_secret().chars().count();
        match chars {
            0 => Err(InvalidPassword::Empty),
            n if n < Self::MIN_CHARS => Err(InvalidPassword::TooShort { min: Self::MIN_CHARS }),
            n if n > Self::MAX_CHARS => Err(InvalidPassword::TooLong { max: Self::MAX_CHARS }),
            _ => Ok(Self(secret)),
        }
    }

    /// The secret, for the hasher only.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([REDACTED])")
    }
}

/// A password hash in PHC string format (`$argon2id$v=19$m=…`). Opaque to the
/// domain: only the `PasswordHasher` port interprets it.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a PHC string produced by a hasher or read from storage.
    pub fn new(phc: String) -> Self {
        Self(phc)
    }

    /// The PHC string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    // The hash is not the password, but it is offline-attack material: keep it out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(text: &str) -> Result<Password, InvalidPassword> {
        Password::new(SecretString::from(text.to_owned()))
    }

    #[test]
    fn policy() {
        assert_eq!(password("").err(), Some(InvalidPassword::Empty));
        assert_eq!(password("1234567").err(), Some(InvalidPassword::TooShort { min: 8 }));
        assert!(password("12345678").is_ok());
        assert!(password("        ").is_ok(), "spaces count as characters");
        assert_eq!(
            password("ééééééé").err(),
            Some(InvalidPassword::TooShort { min: 8 }),
            "characters, not bytes"
        );
        assert_eq!(password(&"x".repeat(1025)).err(), Some(InvalidPassword::TooLong { max: 1024 }));
    }

    #[test]
    fn debug_output_is_redacted() {
        let secret = password("correct horse battery").unwrap();
        assert!(!format!("{secret:?}").contains("horse"));
        let hash = PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into());
        assert!(!format!("{hash:?}").contains("argon2id"));
    }
}
