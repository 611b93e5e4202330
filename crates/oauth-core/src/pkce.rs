//! PKCE (RFC 7636): the challenge a client sends to /authorize and the
//! verifier it later proves knowledge of at /token. Only `S256` is accepted
//! (RFC 9700 §2.1.1): `plain` would hand the secret to anyone who sees the
//! authorization request.

use std::fmt;

use base64ct::{Base64UrlUnpadded, Encoding};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A `code_challenge`: BASE64URL(SHA-256(verifier)), 43 characters (RFC 7636 §4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeChallenge(String);

/// A `code_verifier`: 43 to 128 unreserved characters (RFC 7636 §4.1).
pub struct CodeVerifier(String);

/// Why PKCE input was refused; every case is `invalid_request` at /authorize
/// and `invalid_grant` at /token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPkce {
    /// No `code_challenge` (required for every client, RFC 9700 §2.1.1).
    #[error("code_challenge is required")]
    MissingChallenge,
    /// A method other than S256.
    #[error("code_challenge_method must be S256 (plain is not accepted)")]
    MethodNotS256,
    /// A challenge without its method.
    #[error(
        "code_challenge_method is required with a code_challenge: only S256 is accepted (RFC 7636 §4.3 would default to plain)"
    )]
    MissingMethod,
    /// The challenge is not 43 characters of base64url.
    #[error("code_challenge must be 43 characters of base64url (the SHA-256 of the verifier)")]
    ChallengeShape,
    /// The verifier breaks RFC 7636 §4.1.
    #[error("code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_', '~'")]
    VerifierShape,
}

/// `S256`, the only method accepted.
pub const S256: &str = "S256";

impl CodeChallenge {
    /// Checks a challenge and its method as sent to /authorize.
    pub fn parse(challenge: Option<&str>, method: Option<&str>) -> Result<Self, InvalidPkce> {
        let challenge = challenge.ok_or(InvalidPkce::MissingChallenge)?;
        match method {
            Some(S256) => {}
            Some(_) => return Err(InvalidPkce::MethodNotS256),
            None => return Err(InvalidPkce::MissingMethod),
        }
        let base64url = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if challenge.len() != 43 || !challenge.chars().all(base64url) {
            return Err(InvalidPkce::ChallengeShape);
        }
        Ok(Self(challenge.to_owned()))
    }

    /// Restores a challenge stored with a code.
    pub fn from_stored(text: String) -> Self {
        Self(text)
    }

    /// The challenge as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// RFC 7636 §4.6: BASE64URL(SHA-256(ASCII(verifier))) must equal the
    /// challenge. Compared in constant time.
    pub fn is_satisfied_by(&self, verifier: &CodeVerifier) -> bool {
        let computed = Self::s256(verifier);
        bool::from(computed.0.as_bytes().ct_eq(self.0.as_bytes()))
    }

    /// The S256 challenge of `verifier` (for clients and demos that make a pair).
    pub fn s256(verifier: &CodeVerifier) -> Self {
        Self(Base64UrlUnpadded::encode_string(&Sha256::digest(verifier.0.as_bytes())))
    }
}

impl CodeVerifier {
    /// RFC 7636 §4.1: `43*128unreserved`.
    pub fn parse(text: &str) -> Result<Self, InvalidPkce> {
        let unreserved = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~');
        if !(43..=128).contains(&text.len()) || !text.chars().all(unreserved) {
            return Err(InvalidPkce::VerifierShape);
        }
        Ok(Self(text.to_owned()))
    }
}

impl CodeVerifier {
    /// The verifier, to send once in the token request.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeVerifier([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn rfc_7636_appendix_b_vector() {
        let challenge = CodeChallenge::parse(Some(CHALLENGE), Some("S256")).unwrap();
        assert!(challenge.is_satisfied_by(&CodeVerifier::parse(VERIFIER).unwrap()));
        let other = CodeVerifier::parse(&VERIFIER.replace('d', "e")).unwrap();
        assert!(!challenge.is_satisfied_by(&other));
    }

    #[test]
    fn challenge_rules() {
        type Row<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Result<(), InvalidPkce>);
        let rows: &[Row] = &[
            ("valid", Some(CHALLENGE), Some("S256"), Ok(())),
            ("missing challenge", None, Some("S256"), Err(InvalidPkce::MissingChallenge)),
            ("plain", Some(CHALLENGE), Some("plain"), Err(InvalidPkce::MethodNotS256)),
            ("lower-case method", Some(CHALLENGE), Some("s256"), Err(InvalidPkce::MethodNotS256)),
            ("missing method", Some(CHALLENGE), None, Err(InvalidPkce::MissingMethod)),
            ("42 characters", Some(&CHALLENGE[..42]), Some("S256"), Err(InvalidPkce::ChallengeShape)),
            (
                "padding",
                Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c="),
                Some("S256"),
                Err(InvalidPkce::ChallengeShape),
            ),
            (
                "standard base64",
                Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"),
                Some("S256"),
                Err(InvalidPkce::ChallengeShape),
            ),
        ];
        for (name, challenge, method, expected) in rows {
            let got = CodeChallenge::parse(*challenge, *method).map(drop);
            assert_eq!(&got, expected, "case {name}");
        }
    }

    #[test]
    fn verifier_rules() {
        assert!(CodeVerifier::parse(&"a".repeat(43)).is_ok());
        assert!(CodeVerifier::parse(&"a".repeat(128)).is_ok());
        assert!(CodeVerifier::parse("-._~0123456789abcdefghijklmnopqrstuvwxyzABCD").is_ok());
        for bad in
            ["a".repeat(42), "a".repeat(129), format!("{}+", "a".repeat(42)), format!("{} ", "a".repeat(42))]
        {
            assert_eq!(CodeVerifier::parse(&bad).err(), Some(InvalidPkce::VerifierShape), "{bad:?}");
        }
        assert!(!format!("{:?}", CodeVerifier::parse(VERIFIER).unwrap()).contains(VERIFIER));
    }
}
