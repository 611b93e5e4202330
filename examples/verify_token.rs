//! Verifying a ManuMu access token in a resource server, with nothing but the
//! issuer URL: discovery → JWKS → key by `kid` → signature → claims.
//! (`docs/VERIFYING_TOKENS.md` explains each step; the test suite runs this code.)
//!
//! Run: `cargo run -p auth-server --example verify_token -- ISSUER AUDIENCE TOKEN`
#![allow(clippy::print_stdout)] // an example prints its result

use std::sync::Mutex;

use josekit::jwk::{Jwk, JwkSet};
use josekit::jws::{ES256, JwsVerifier, RS256};
use josekit::jwt::{self, JwtPayload};
use serde_json::Value;

/// Why a token was refused.
#[derive(Debug)]
pub enum Refused {
    /// Discovery or the JWKS could not be fetched.
    Fetch(String),
    /// Not a JWS we accept: malformed, `alg` other than RS256/ES256 (never `none`).
    Format(String),
    /// No published key has this `kid`, even after refetching the JWKS.
    UnknownKey(String),
    /// The signature does not verify.
    Signature(String),
    /// A claim or header check failed.
    Claims(String),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Fetch(why) => write!(f, "cannot fetch the issuer's metadata or keys: {why}"),
            Self::Format(why) => write!(f, "not an acceptable JWS: {why}"),
            Self::UnknownKey(kid) => write!(f, "no published key has kid {kid:?}"),
            Self::Signature(why) => write!(f, "the signature does not verify: {why}"),
            Self::Claims(why) => write!(f, "claim check failed: {why}"),
        }
    }
}

/// The verifier of one issuer's access tokens, with its JWKS cached.
#[derive(Debug)]
pub struct TokenVerifier {
    http: reqwest::Client,
    issuer: String,
    audience: String,
    jwks_uri: String,
    keys: Mutex<JwkSet>,
    /// When the JWKS was last fetched again for an unknown `kid`.
    refetched_at: Mutex<Option<std::time::Instant>>,
}

/// At most one refetch for an unknown `kid` in this long: otherwise anyone
/// could make the API fetch the issuer's keys once per request they send.
const REFETCH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(30);

impl TokenVerifier {
    /// Reads the issuer's discovery document (OIDC Discovery §4) and its JWKS.
    pub async fn discover(http: reqwest::Client, issuer: &str, audience: &str) -> Result<Self, Refused> {
        let url = format!("{issuer}/.well-known/openid-configuration");
        let metadata: Value = fetch_json(&http, &url).await?;
        // OIDC Discovery §4.3: the document must name exactly the issuer we asked.
        if metadata["issuer"] != issuer {
            return Err(Refused::Fetch(format!("discovery names issuer {}", metadata["issuer"])));
        }
        let jwks_uri =
            metadata["jwks_uri"].as_str().ok_or_else(|| Refused::Fetch("no jwks_uri".into()))?.to_owned();
        let keys = fetch_keys(&http, &jwks_uri).await?;
        Ok(Self {
            http,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            jwks_uri,
            keys: Mutex::new(keys),
            refetched_at: Mutex::new(None),
        })
    }

    /// The token's claims, if every check passes at `now` (Unix seconds).
    pub async fn verify(&self, token: &str, now: i64) -> Result<JwtPayload, Refused> {
        let header = jwt::decode_header(token).map_err(|e| Refused::Format(e.to_string()))?;
        let alg = header.claim("alg").and_then(Value::as_str).unwrap_or_default().to_owned();
        // Pin the algorithms: a token's own `alg` must never choose `none` or HMAC.
        if alg != "RS256" && alg != "ES256" {
            return Err(Refused::Format(format!("alg {alg:?} is not accepted")));
        }
        let kid = header
            .claim("kid")
            .and_then(Value::as_str)
            .ok_or_else(|| Refused::Format("no kid".into()))?
            .to_owned();
        let jwk = if let Some(jwk) = self.key(&kid) {
            jwk
        } else if self.may_refetch() {
            // A rotation may have published a key after we cached: refetch once.
            let fresh = fetch_keys(&self.http, &self.jwks_uri).await?;
            *self.keys.lock().map_err(|_| Refused::Fetch("cache poisoned".into()))? = fresh;
            self.key(&kid).ok_or(Refused::UnknownKey(kid))?
        } else {
            return Err(Refused::UnknownKey(kid));
        };
        let verifier: Box<dyn JwsVerifier> = match alg.as_str() {
            "RS256" => Box::new(RS256.verifier_from_jwk(&jwk).map_err(|e| Refused::Format(e.to_string()))?),
            _ => Box::new(ES256.verifier_from_jwk(&jwk).map_err(|e| Refused::Format(e.to_string()))?),
        };
        // josekit checks the signature and that `alg` matches the key — nothing else.
        let (payload, header) = jwt::decode_with_verifier(token, verifier.as_ref())
            .map_err(|e| Refused::Signature(e.to_string()))?;
        // RFC 9068 §4: every other check is ours.
        if header.token_type() != Some("at+jwt") {
            return Err(Refused::Claims("typ is not at+jwt".into()));
        }
        if payload.issuer() != Some(self.issuer.as_str()) {
            return Err(Refused::Claims("wrong iss".into()));
        }
        let audience_ok = match payload.claim("aud") {
            Some(Value::String(aud)) => *aud == self.audience,
            Some(Value::Array(auds)) => auds.iter().any(|a| a == self.audience.as_str()),
            _ => false,
        };
        if !audience_ok {
            return Err(Refused::Claims("wrong aud".into()));
        }
        match payload.claim("exp").and_then(Value::as_i64) {
            Some(exp) if now < exp => Ok(payload),
            _ => Err(Refused::Claims("expired".into())),
        }
    }

    /// Whether an unknown `kid` may fetch the JWKS again now (and if so,
    /// notes that it did).
    fn may_refetch(&self) -> bool {
        let Ok(mut last) = self.refetched_at.lock() else { return false };
        let now = std::time::Instant::now();
        if last.is_some_and(|at| now.duration_since(at) < REFETCH_INTERVAL) {
            return false;
        }
        *last = Some(now);
        true
    }

    fn key(&self, kid: &str) -> Option<Jwk> {
        let keys = self.keys.lock().ok()?;
        keys.get(kid).first().map(|jwk| (*jwk).clone())
    }
}

async fn fetch_json(http: &reqwest::Client, url: &str) -> Result<Value, Refused> {
    let response = http.get(url).send().await.map_err(|e| Refused::Fetch(e.to_string()))?;
    if !response.status().is_success() {
        return Err(Refused::Fetch(format!("{url}: {}", response.status())));
    }
    response.json().await.map_err(|e| Refused::Fetch(e.to_string()))
}

async fn fetch_keys(http: &reqwest::Client, jwks_uri: &str) -> Result<JwkSet, Refused> {
    let Value::Object(map) = fetch_json(http, jwks_uri).await? else {
        return Err(Refused::Fetch("the JWKS is not an object".into()));
    };
    JwkSet::from_map(map).map_err(|e| Refused::Fetch(e.to_string()))
}

#[tokio::main]
#[allow(dead_code)] // compiled into the test suite as a module, where only the verifier is used
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, issuer, audience, token] = args.as_slice() else {
        println!("usage: verify_token ISSUER AUDIENCE TOKEN");
        std::process::exit(2);
    };
    let now =
        std::time::SystemTime::UNIX_EPOCH.elapsed().map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let verifier = match TokenVerifier::discover(reqwest::Client::new(), issuer, audience).await {
        Ok(verifier) => verifier,
        Err(refused) => {
            println!("cannot reach the issuer: {refused}");
            std::process::exit(1);
        }
    };
    match verifier.verify(token, now).await {
        Ok(claims) => {
            println!("valid: sub={:?} scope={:?}", claims.subject(), claims.claim("scope"));
            // RFC 9449 §7.1: a bound token is only half of what a request
            // must show (docs/VERIFYING_TOKENS.md § Accepting DPoP-bound tokens).
            if let Some(jkt) = claims.claim("cnf").and_then(|cnf| cnf.get("jkt")) {
                println!("bound to DPoP key {jkt}: accept it only with a DPoP proof by that key");
            }
        }
        Err(refused) => {
            println!("refused: {refused}");
            std::process::exit(1);
        }
    }
}
