//! `private_key_jwt` (RFC 7523 §2.2) with josekit: a client assertion is
//! checked against the client's registered JWK Set, and a JWK Set is
//! checked before it is registered. On the blocking pool, as every
//! signature check a caller can send us.

use josekit::jwk::JwkSet;
use josekit::jwt;
use oauth_core::client_assertion::{ASSERTION_SIGNING_ALGS, AssertionClaims};
use oauth_core::ports::{AssertionRefused, ClientAssertionVerifier};
use serde_json::{Map, Value};

use crate::public_key::{public_jwk, verifier_for};

/// The most keys a client may register.
const MAX_KEYS: usize = 10;

/// The core's `ClientAssertionVerifier` port with josekit.
#[derive(Debug, Clone, Copy, Default)]
pub struct JoseAssertionVerifier;

fn refused(why: impl Into<String>) -> AssertionRefused {
    AssertionRefused(why.into())
}

#[async_trait::async_trait]
impl ClientAssertionVerifier for JoseAssertionVerifier {
    async fn verify(&self, assertion: &str, jwks: &str) -> Result<AssertionClaims, AssertionRefused> {
        let (assertion, jwks) = (assertion.to_owned(), jwks.to_owned());
        tokio::task::spawn_blocking(move || verify(&assertion, &jwks))
            .await
            .map_err(|_| refused("the assertion could not be checked"))?
    }
}

/// Whether `text` is a JWK Set a client may register: 1 to 10 public keys,
/// each of a type and size we verify with, each with its own `kid` when
/// there are several (an assertion names its key by `kid`).
pub fn check_client_jwks(text: &str) -> Result<(), String> {
    let keys = keys_of(text)?;
    if keys.is_empty() || keys.len() > MAX_KEYS {
        return Err(format!("a JWK Set of 1 to {MAX_KEYS} keys is required"));
    }
    let mut kids = Vec::new();
    for members in &keys {
        // RFC 7517 §4.2–4.3: a key meant for something else is not a signing key.
        let text = |name: &str| members.get(name).and_then(Value::as_str);
        if text("use").is_some_and(|key_use| key_use != "sig") {
            return Err("a key's use must be sig".into());
        }
        if let Some(ops) = members.get("key_ops").and_then(Value::as_array)
            && !ops.iter().any(|op| op.as_str() == Some("verify"))
        {
            return Err("a key's key_ops must include verify".into());
        }
        if text("alg").is_some_and(|alg| !ASSERTION_SIGNING_ALGS.contains(&alg)) {
            return Err("a key's alg must be one of token_endpoint_auth_signing_alg_values_supported".into());
        }
        let jwk = public_jwk(members).map_err(|why| format!("a key {why}"))?;
        let usable = ASSERTION_SIGNING_ALGS.iter().any(|alg| verifier_for(alg, &jwk).is_ok());
        if !usable {
            return Err(
                "a key is not an RSA (2048-4096 bits, exponent 65537), P-256, P-384 or Ed25519 key".into()
            );
        }
        kids.push(members.get("kid").and_then(Value::as_str).map(str::to_owned));
    }
    if keys.len() > 1 {
        let named: std::collections::BTreeSet<&str> = kids.iter().flatten().map(String::as_str).collect();
        if named.len() != keys.len() {
            return Err("with several keys, each needs its own kid".into());
        }
    }
    Ok(())
}

/// The keys of a JWK Set, as their members.
fn keys_of(text: &str) -> Result<Vec<Map<String, Value>>, String> {
    let set = JwkSet::from_bytes(text.as_bytes()).map_err(|_| "not a JWK Set".to_owned())?;
    Ok(set.keys().iter().map(|jwk| jwk.as_ref().clone()).collect())
}

/// The header's algorithm and key, the signature, then the claims.
fn verify(assertion: &str, jwks: &str) -> Result<AssertionClaims, AssertionRefused> {
    let header = jwt::decode_header(assertion).map_err(|_| refused("not a signed JWT"))?;
    let alg = header.claim("alg").and_then(Value::as_str).unwrap_or_default();
    // RFC 7523 §3 item 9, RFC 8725 §3.1: asymmetric only; never `none` or HMAC.
    if !ASSERTION_SIGNING_ALGS.contains(&alg) {
        return Err(refused(format!("alg {alg:?} is not accepted")));
    }
    let keys = keys_of(jwks).map_err(refused)?;
    let kid = header.claim("kid").and_then(Value::as_str);
    let key = match kid {
        Some(kid) => keys.iter().find(|key| key.get("kid").and_then(Value::as_str) == Some(kid)),
        // Without a kid, only a set of one key says which key it is.
        None if keys.len() == 1 => keys.first(),
        None => None,
    };
    let key = key.ok_or_else(|| refused("no registered key has this kid"))?;
    // RFC 8725 §3.1: a key registered for one algorithm verifies only that one.
    if key.get("alg").and_then(Value::as_str).is_some_and(|registered| registered != alg) {
        return Err(refused("the registered key is for another alg"));
    }
    let jwk = public_jwk(key).map_err(|why| refused(format!("the registered key {why}")))?;
    let verifier = verifier_for(alg, &jwk).map_err(|why| refused(format!("the registered key {why}")))?;
    let (payload, _) = jwt::decode_with_verifier(assertion, verifier.as_ref())
        .map_err(|_| refused("the signature does not verify"))?;
    serde_json::from_value(Value::Object(payload.claims_set().clone()))
        .map_err(|_| refused("malformed claims"))
}

#[cfg(test)]
mod tests;
