//! `private_key_jwt` (RFC 7523 §2.2) with josekit: a client assertion is
//! checked against the client's registered JWK Set, and a JWK Set is
//! checked before it is registered. On the blocking pool, as every
//! signature check a caller can send us.

use josekit::jwk::JwkSet;
use josekit::jwt;
use oauth_core::client_assertion::{ASSERTION_SIGNING_ALGS, AssertionClaims};
use oauth_core::ports::{AssertionRefused, ClientAssertionVerifier};
use serde_json::{Map, Value};

use crate::public_key::{PRIVATE_MEMBERS, public_jwk, verifier_for};

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
        if !is_signing_key(members) {
            return Err("a key's use must be sig, and its key_ops must include verify".into());
        }
        let text = |name: &str| members.get(name).and_then(Value::as_str);
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

/// RFC 7517 §4.2–4.3: a key whose `use` or `key_ops` says it is for
/// something else is not a signing key.
fn is_signing_key(members: &Map<String, Value>) -> bool {
    let for_signing = members.get("use").and_then(Value::as_str).is_none_or(|key_use| key_use == "sig");
    let verifies = members
        .get("key_ops")
        .and_then(Value::as_array)
        .is_none_or(|ops| ops.iter().any(|op| op.as_str() == Some("verify")));
    for_signing && verifies
}

/// The most keys a published set may hold.
const MAX_PUBLISHED_KEYS: usize = 100;

/// Whether `text` is a JWK Set a client may publish at its `jwks_uri`: at
/// most 100 keys, each an object with a `kty`, none of them private or
/// symmetric (OIDC Dynamic Client Registration §2: a published set holds
/// public keys only; one with a private member is a leaked key, refused
/// whole). Keys for other uses may be there: each key is judged when an
/// assertion names it.
pub fn check_published_jwks(text: &str) -> Result<(), String> {
    let set: Value = serde_json::from_str(text).map_err(|_| "not JSON".to_owned())?;
    let keys = set.get("keys").and_then(Value::as_array).ok_or_else(|| "not a JWK Set".to_owned())?;
    if keys.len() > MAX_PUBLISHED_KEYS {
        return Err(format!("more than {MAX_PUBLISHED_KEYS} keys"));
    }
    for key in keys {
        let members = key.as_object().ok_or_else(|| "a key is not a JSON object".to_owned())?;
        match members.get("kty").and_then(Value::as_str) {
            None => return Err("a key has no kty".into()),
            Some("oct") => return Err("a key is symmetric".into()),
            Some(_) => {}
        }
        if PRIVATE_MEMBERS.iter().any(|member| members.contains_key(*member)) {
            return Err("a key has a private member".into());
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
    let named: Vec<&Map<String, Value>> = match kid {
        Some(kid) => keys.iter().filter(|key| key.get("kid").and_then(Value::as_str) == Some(kid)).collect(),
        // Without a kid, only a set of one key says which key it is.
        None if keys.len() == 1 => keys.iter().collect(),
        None => Vec::new(),
    };
    if named.is_empty() {
        return Err(refused("no registered key has this kid"));
    }
    // RFC 7517 §4.2–4.3, §4.5: a published set may hold keys for something
    // else (encryption), even under the same kid; only a signing key verifies.
    let signing: Vec<&Map<String, Value>> = named.into_iter().filter(|key| is_signing_key(key)).collect();
    if signing.is_empty() {
        return Err(refused("the named key is not a signing key"));
    }
    // RFC 8725 §3.1: a key registered for one algorithm verifies only that one.
    let key = signing
        .into_iter()
        .find(|key| key.get("alg").and_then(Value::as_str).is_none_or(|registered| registered == alg))
        .ok_or_else(|| refused("the registered key is for another alg"))?;
    let jwk = public_jwk(key).map_err(|why| refused(format!("the registered key {why}")))?;
    let verifier = verifier_for(alg, &jwk).map_err(|why| refused(format!("the registered key {why}")))?;
    let (payload, _) = jwt::decode_with_verifier(assertion, verifier.as_ref())
        .map_err(|_| refused("the signature does not verify"))?;
    serde_json::from_value(Value::Object(payload.claims_set().clone()))
        .map_err(|_| refused("malformed claims"))
}

#[cfg(test)]
mod tests;
