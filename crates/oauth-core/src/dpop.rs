//! DPoP (RFC 9449): a proof of possession of a private key, sent with a
//! request as a signed JWT, and the key's thumbprint (RFC 7638) that binds
//! tokens to it. The signature is the `DpopProofVerifier` port's; the rules
//! of §4.3 about the claims are here and in `service::dpop`.

use base64ct::{Base64UrlUnpadded, Encoding};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use time::Duration;

/// The JWS algorithms a proof may be signed with (RFC 9449 §5.1
/// `dpop_signing_alg_values_supported`): asymmetric only, never `none` or
/// an HMAC (§4.3 step 5), and each one the verifier adapter can check.
pub const PROOF_SIGNING_ALGS: &[&str] = &["ES256", "ES384", "RS256", "PS256", "EdDSA"];

/// The longest `DPoP` header read: an RSA-4096 key in the header and every
/// claim fit in a fraction of it; more is refused before any parsing.
pub const MAX_PROOF_LEN: usize = 8 * 1024;

/// The longest `jti` kept: RFC 9449 §4.2 asks for 96 random bits or more,
/// which any sane encoding writes in far fewer characters.
pub const MAX_PROOF_ID_LEN: usize = 256;

/// How old a proof's `iat` may be (RFC 9449 §4.3 step 11, §11.1): long
/// enough for a slow network, short enough that the replay store stays
/// small. A proof is remembered this long after its `iat`.
pub const PROOF_MAX_AGE: Duration = Duration::seconds(60);

/// How far ahead of our clock a proof's `iat` may be: clients' clocks drift.
pub const PROOF_CLOCK_SKEW: Duration = Duration::seconds(10);

/// How long a proof's id is kept past the last moment the proof could be
/// accepted: the janitor purges by its own clock, and an instance whose
/// clock runs behind it must still refuse a replay (§11.1).
pub const REPLAY_MEMORY_MARGIN: Duration = Duration::minutes(5);

/// An RFC 7638 JWK SHA-256 thumbprint, base64url without padding: the
/// `jkt` of `cnf` (RFC 9449 §6.1) and of `dpop_jkt` (§10).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct JwkThumbprint(String);

impl JwkThumbprint {
    /// A thumbprint as sent (`dpop_jkt`) or stored: 43 base64url characters,
    /// the encoding of 32 bytes.
    pub fn parse(text: &str) -> Option<Self> {
        let mut bytes = [0_u8; 32];
        let well_formed = text.len() == 43
            && Base64UrlUnpadded::decode(text, &mut bytes).is_ok_and(|decoded| decoded.len() == 32);
        well_formed.then(|| Self(text.to_owned()))
    }

    /// The base64url text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for JwkThumbprint {
    type Error = &'static str;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text).ok_or("a JWK thumbprint is 43 base64url characters")
    }
}

impl From<JwkThumbprint> for String {
    fn from(thumbprint: JwkThumbprint) -> Self {
        thumbprint.0
    }
}

impl std::fmt::Display for JwkThumbprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// RFC 7800 §3.1 `cnf` of an access token: the key it is bound to (RFC
/// 9449 §6.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// The thumbprint of the DPoP key.
    pub jkt: JwkThumbprint,
}

/// A proof whose header and signature the verifier accepted (RFC 9449 §4.3
/// steps 1–7), with its claims still to judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedProof {
    /// The thumbprint of the public key in the header.
    pub key: JwkThumbprint,
    /// The proof's claims.
    pub claims: ProofClaims,
}

/// RFC 9449 §4.2 claims of a proof.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProofClaims {
    /// Unique per proof: the replay check's key.
    pub jti: String,
    /// The HTTP method of the request.
    pub htm: String,
    /// The request's URI, without query and fragment.
    pub htu: String,
    /// When the proof was made, seconds since the epoch.
    pub iat: i64,
    /// The hash of the access token sent with it, at a resource (§4.2).
    #[serde(default)]
    pub ath: Option<String>,
    /// A nonce the server gave (§8).
    #[serde(default)]
    pub nonce: Option<String>,
}

/// RFC 9449 §10 `dpop_jkt` at the authorization endpoint: absent, or a
/// thumbprint.
pub(crate) fn requested_key(sent: Option<&str>) -> Result<Option<JwkThumbprint>, crate::OAuthError> {
    sent.map(|text| {
        JwkThumbprint::parse(text).ok_or_else(|| {
            crate::OAuthError::InvalidRequest(
                "dpop_jkt must be a JWK SHA-256 thumbprint (RFC 9449 §10)".into(),
            )
        })
    })
    .transpose()
}

/// RFC 9449 §4.2 `ath`: base64url SHA-256 of the access token's ASCII.
pub fn access_token_hash(access_token: &str) -> String {
    Base64UrlUnpadded::encode_string(&Sha256::digest(access_token.as_bytes()))
}

/// RFC 9449 §4.3 step 9: `htu` is compared without query and fragment,
/// after RFC 3986 §6.2.2–6.2.3 normalization (scheme and host case, the
/// default port, dot segments), which the URL parser applies.
pub fn same_target(htu: &str, endpoint: &str) -> bool {
    let bare = |text: &str| {
        url::Url::parse(text).ok().map(|mut url| {
            url.set_query(None);
            url.set_fragment(None);
            url
        })
    };
    matches!((bare(htu), bare(endpoint)), (Some(a), Some(b)) if a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thumbprint_is_43_base64url_characters() {
        assert!(JwkThumbprint::parse("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs").is_some());
        for bad in [
            "",
            "short",
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs=",
            "NzbLsXh8uDCcd+6MNwXF4W/7noWXFZAfHkxZsRGC9Xs",
        ] {
            assert!(JwkThumbprint::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn htu_ignores_query_and_fragment_and_normalizes() {
        assert!(same_target("https://AS.example/oauth/token?x=1#f", "https://as.example/oauth/token"));
        assert!(same_target("https://as.example:443/oauth/token", "https://as.example/oauth/token"));
        assert!(!same_target("https://as.example/oauth/token/", "https://as.example/oauth/token"));
        assert!(!same_target("https://evil.example/oauth/token", "https://as.example/oauth/token"));
        assert!(!same_target("not a url", "https://as.example/oauth/token"));
    }

    #[test]
    fn ath_is_the_rfc_example() {
        // RFC 9449 §7.1: the example access token and its `ath`.
        assert_eq!(
            access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        );
    }
}
