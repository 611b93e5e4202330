//! DPoP at a resource server (RFC 9449 §4.3, §7): the checks an API makes on
//! the proof that comes with a DPoP-bound access token, and the memory of
//! the proofs it has already accepted. Part of `examples/resource_server.rs`
//! (`docs/VERIFYING_TOKENS.md` § Accepting DPoP-bound tokens).

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use josekit::jwk::Jwk;
use josekit::jws::{ES256, ES384, EdDSA, JwsVerifier, PS256, RS256};
use josekit::jwt::{self, JwtPayload};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

/// The proof algorithms accepted: asymmetric only, never `none` or an HMAC
/// (§4.3 step 5). Published as `dpop_signing_alg_values_supported` and in
/// the `algs` of every DPoP challenge (§7.1).
pub const ALGS: [&str; 5] = ["ES256", "ES384", "RS256", "PS256", "EdDSA"];

/// How old a proof may be, and how far ahead of our clock, in seconds (§11.1).
const MAX_AGE: i64 = 60;
const CLOCK_SKEW: i64 = 10;

/// The longest `DPoP` header read, and the longest `jti` remembered.
const MAX_PROOF_LEN: usize = 8 * 1024;
const MAX_JTI_LEN: usize = 256;

/// How many accepted proofs are remembered at once: about 1400 requests a
/// second over the 70 s a proof can live.
const REMEMBERED: usize = 100_000;

const UNSUPPORTED_ALG: &str = "the DPoP proof's alg is not one of dpop_signing_alg_values_supported";

/// JWK members that hold private key material: a proof carries none (§4.3 step 7).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// The request a proof must be for.
#[derive(Debug)]
pub struct Request<'a> {
    /// The HTTP method, as `htm` must state it.
    pub method: &'a str,
    /// Our own URL for the request, as `htu` must state it.
    pub url: &'a str,
    /// The access token that came with the proof.
    pub access_token: &'a str,
    /// The token's `cnf.jkt`: the thumbprint of the key it is bound to.
    pub jkt: &'a str,
}

/// Checks proofs, and remembers each accepted one until it is too old to be
/// accepted anyway (§11.1). One instance only: several instances behind a
/// load balancer need a store they share, or the nonces of §9.
#[derive(Debug, Default)]
pub struct ProofChecker {
    /// (key thumbprint, `jti`) → the Unix second after which it is forgotten.
    seen: Mutex<HashMap<(String, String), i64>>,
}

impl ProofChecker {
    /// Whether `proof` proves possession of the key `request`'s token is
    /// bound to, for this request, at `now` (Unix seconds). The reason names
    /// the failed check: it is safe to show the client.
    pub fn check(&self, proof: &str, request: &Request<'_>, now: i64) -> Result<(), &'static str> {
        if proof.len() > MAX_PROOF_LEN {
            return Err("the DPoP proof is too long");
        }
        let (claims, key) = signed_claims(proof)?;
        // §4.3 step 8 (RFC 9110 §9.1: methods are case-sensitive).
        if claims.claim("htm").and_then(Value::as_str) != Some(request.method) {
            return Err("htm is not this request's method");
        }
        // §4.3 step 9.
        let htu = claims.claim("htu").and_then(Value::as_str).unwrap_or_default();
        if !same_target(htu, request.url) {
            return Err("htu is not this request's URL");
        }
        // §4.3 step 11: recent, and not from the future.
        let iat = claims.claim("iat").and_then(Value::as_i64).ok_or("the DPoP proof has no iat")?;
        if iat < now - MAX_AGE || iat > now + CLOCK_SKEW {
            return Err("iat is outside the accepted window; make a new proof");
        }
        let jti = claims.jwt_id().unwrap_or_default();
        if jti.is_empty() || jti.len() > MAX_JTI_LEN {
            return Err("jti must be present and at most 256 characters");
        }
        // §4.3 step 12 and §7: the proof is for this token...
        if claims.claim("ath").and_then(Value::as_str)
            != Some(access_token_hash(request.access_token).as_str())
        {
            return Err("ath is not the hash of the access token sent");
        }
        // ...and signed by the key the token is bound to (§6.1).
        if key != request.jkt {
            return Err("the DPoP proof is not signed by the key the token is bound to");
        }
        // Last, so that only a proof that passed everything else is remembered.
        self.first_use(key, jti.to_owned(), iat + MAX_AGE, now)
    }

    /// SECURITY: §11.1: each proof is good once. When the memory is full of
    /// live proofs we refuse rather than forget one, which would let it be
    /// replayed.
    fn first_use(&self, key: String, jti: String, forget_after: i64, now: i64) -> Result<(), &'static str> {
        let mut seen = self.seen.lock().map_err(|_| "the DPoP proof could not be checked")?;
        if seen.len() >= REMEMBERED {
            seen.retain(|_, until| *until >= now);
        }
        let entry = (key, jti);
        if seen.get(&entry).is_some_and(|until| *until >= now) {
            return Err("this DPoP proof was used before; make a new one for every request");
        }
        if seen.len() >= REMEMBERED {
            return Err("too many recent DPoP proofs; try again shortly");
        }
        seen.insert(entry, forget_after);
        Ok(())
    }
}

/// §4.3 steps 2–7: the header names an accepted `alg` and a public key, and
/// that key signed the proof. The claims, with the key's thumbprint.
fn signed_claims(proof: &str) -> Result<(JwtPayload, String), &'static str> {
    let header = jwt::decode_header(proof).map_err(|_| "the DPoP proof is not a signed JWT")?;
    if header.claim("typ").and_then(Value::as_str) != Some("dpop+jwt") {
        return Err("the DPoP proof's typ must be dpop+jwt");
    }
    let alg = header.claim("alg").and_then(Value::as_str).unwrap_or_default();
    if !ALGS.contains(&alg) {
        return Err(UNSUPPORTED_ALG);
    }
    let Some(Value::Object(members)) = header.claim("jwk") else {
        return Err("the DPoP proof's header must carry the public key as jwk");
    };
    if PRIVATE_MEMBERS.iter().any(|member| members.contains_key(*member)) {
        return Err("the DPoP proof's jwk must be a public key");
    }
    let jwk = Jwk::from_map(members.clone()).map_err(|_| "the DPoP proof's jwk is malformed")?;
    // josekit refuses a key whose kty, crv or size does not fit `alg`, and
    // a header whose `alg` is not the verifier's.
    let verifier: Box<dyn JwsVerifier> = match alg {
        "ES256" => ES256.verifier_from_jwk(&jwk).map(|v| Box::new(v) as _),
        "ES384" => ES384.verifier_from_jwk(&jwk).map(|v| Box::new(v) as _),
        "RS256" => RS256.verifier_from_jwk(&jwk).map(|v| Box::new(v) as _),
        "PS256" => PS256.verifier_from_jwk(&jwk).map(|v| Box::new(v) as _),
        "EdDSA" => EdDSA.verifier_from_jwk(&jwk).map(|v| Box::new(v) as _),
        _ => return Err(UNSUPPORTED_ALG),
    }
    .map_err(|_| "the DPoP proof's jwk does not fit its alg")?;
    let (claims, _) = jwt::decode_with_verifier(proof, verifier.as_ref())
        .map_err(|_| "the DPoP proof's signature does not verify with its jwk")?;
    let key = thumbprint(members).ok_or("the DPoP proof's jwk has no thumbprint")?;
    Ok((claims, key))
}

/// RFC 7638 §3: SHA-256 of the JSON of the key's required members only, in
/// lexicographic order (each list below is sorted), base64url.
fn thumbprint(jwk: &Map<String, Value>) -> Option<String> {
    let required: &[&str] = match jwk.get("kty")?.as_str()? {
        "EC" => &["crv", "kty", "x", "y"],
        "RSA" => &["e", "kty", "n"],
        "OKP" => &["crv", "kty", "x"],
        _ => return None,
    };
    let mut canonical = Map::new();
    for member in required {
        canonical.insert((*member).to_owned(), Value::String(jwk.get(*member)?.as_str()?.to_owned()));
    }
    let json = serde_json::to_string(&canonical).ok()?;
    Some(URL_SAFE_NO_PAD.encode(Sha256::digest(json.as_bytes())))
}

/// §4.2 `ath`: base64url SHA-256 of the access token's ASCII.
fn access_token_hash(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(access_token.as_bytes()))
}

/// §4.3 step 9: the same URL once query and fragment are dropped, compared
/// after the normalization the URL parser applies (case of scheme and host,
/// default port, dot segments).
fn same_target(htu: &str, ours: &str) -> bool {
    let bare = |text: &str| {
        url::Url::parse(text).ok().map(|mut url| {
            url.set_query(None);
            url.set_fragment(None);
            url
        })
    };
    matches!((bare(htu), bare(ours)), (Some(a), Some(b)) if a == b)
}
