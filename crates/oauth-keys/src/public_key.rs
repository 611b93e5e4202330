//! Public keys a client sends us, in a DPoP proof's header (RFC 9449
//! §4.3) or in its registered JWK Set (RFC 7523 §2.2): only public members,
//! only the members of the key itself, and a verifier for exactly the
//! algorithm it is used with.

use josekit::jwk::Jwk;
use josekit::jws::{ES256, ES384, EdDSA, JwsVerifier, PS256, RS256};
use serde_json::{Map, Value};

/// JWK members that hold private key material (RFC 7518 §6.2.2, §6.3.2,
/// §6.4; RFC 8037 §2): a key a client sends us carries none (RFC 9449
/// §4.3 step 7; RFC 7591 §2 asks the same of a registered JWK Set).
pub(crate) const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// The smallest and largest RSA modulus accepted, in base64url characters
/// (2048 and 4096 bits): a larger modulus, or an exponent other than 65537,
/// makes the check up to a hundred times dearer for whoever sends the proof.
const MIN_RSA_MODULUS_CHARS: usize = 342;
const MAX_RSA_MODULUS_CHARS: usize = 683;

/// The one RSA public exponent accepted (65537, base64url).
const RSA_EXPONENT: &str = "AQAB";

/// The members of a public key the verifier is built from: RFC 7638's
/// required members of each key type. Anything else the header's `jwk`
/// carries (`kid`, `alg`, `use`, `key_ops`) says nothing about the key and
/// must not change how it verifies.
pub(crate) const KEY_MEMBERS: &[&str] = &["kty", "crv", "x", "y", "n", "e"];

/// The key in `members`: refused if it holds private members, built from
/// its own members only.
pub(crate) fn public_jwk(members: &Map<String, Value>) -> Result<Jwk, &'static str> {
    if PRIVATE_MEMBERS.iter().any(|member| members.contains_key(*member)) {
        return Err("must be a public key; it holds private members");
    }
    let key_only = members.iter().filter(|(name, _)| KEY_MEMBERS.contains(&name.as_str()));
    Jwk::from_map(key_only.map(|(name, value)| (name.clone(), value.clone())).collect::<Map<_, _>>())
        .map_err(|_| "is malformed")
}

/// A verifier of `alg` over `jwk`, whose type and curve must be the
/// algorithm's own.
pub(crate) fn verifier_for(alg: &str, jwk: &Jwk) -> Result<Box<dyn JwsVerifier>, &'static str> {
    let curve = jwk.parameter("crv").and_then(Value::as_str);
    let mismatch = || "does not fit its alg";
    let made: Result<Box<dyn JwsVerifier>, josekit::JoseError> = match (alg, jwk.key_type(), curve) {
        ("ES256", "EC", Some("P-256")) => ES256.verifier_from_jwk(jwk).map(|v| Box::new(v) as _),
        ("ES384", "EC", Some("P-384")) => ES384.verifier_from_jwk(jwk).map(|v| Box::new(v) as _),
        ("EdDSA", "OKP", Some("Ed25519")) => EdDSA.verifier_from_jwk(jwk).map(|v| Box::new(v) as _),
        ("RS256" | "PS256", "RSA", None) => {
            let modulus = jwk.parameter("n").and_then(Value::as_str).map_or(0, str::len);
            if !(MIN_RSA_MODULUS_CHARS..=MAX_RSA_MODULUS_CHARS).contains(&modulus) {
                return Err("must be an RSA key of 2048 to 4096 bits");
            }
            if jwk.parameter("e").and_then(Value::as_str) != Some(RSA_EXPONENT) {
                return Err("must be an RSA key with the exponent 65537");
            }
            if alg == "RS256" {
                RS256.verifier_from_jwk(jwk).map(|v| Box::new(v) as _)
            } else {
                PS256.verifier_from_jwk(jwk).map(|v| Box::new(v) as _)
            }
        }
        _ => return Err(mismatch()),
    };
    made.map_err(|_| mismatch())
}
