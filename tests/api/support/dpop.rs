//! A DPoP client (RFC 9449 §4): a key pair of its own and the proofs it
//! signs, as a real client library would make them, plus the malformed
//! ones an attacker would try.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use josekit::jwk::Jwk;
use josekit::jws::alg::ecdsa::EcdsaJwsSigner;
use josekit::jws::{ES256, HS256, JwsHeader};
use josekit::jwt::{self, JwtPayload};
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

/// A client's DPoP key (ES256).
pub struct DpopKey {
    signer: EcdsaJwsSigner,
    private: Jwk,
    public: Jwk,
}

/// What a proof claims; a test changes what it means to break.
pub struct Claims {
    pub htm: String,
    pub htu: String,
    pub iat: i64,
    pub jti: String,
    pub ath: Option<String>,
    pub nonce: Option<String>,
}

impl Claims {
    /// A proof for `POST url` made at `iat`, with a fresh `jti`.
    pub fn post(url: &str, iat: i64) -> Self {
        Self {
            htm: "POST".into(),
            htu: url.into(),
            iat,
            jti: uuid::Uuid::new_v4().to_string(),
            ath: None,
            nonce: None,
        }
    }

    fn payload(&self) -> JwtPayload {
        let mut map = Map::new();
        map.insert("htm".into(), json!(self.htm));
        map.insert("htu".into(), json!(self.htu));
        map.insert("iat".into(), json!(self.iat));
        map.insert("jti".into(), json!(self.jti));
        if let Some(ath) = &self.ath {
            map.insert("ath".into(), json!(ath));
        }
        if let Some(nonce) = &self.nonce {
            map.insert("nonce".into(), json!(nonce));
        }
        JwtPayload::from_map(map).unwrap()
    }
}

/// RFC 9449 §4.2 `ath`.
pub fn ath(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(access_token.as_bytes()))
}

impl DpopKey {
    pub fn generate() -> Self {
        let pair = ES256.generate_key_pair().unwrap();
        let private = pair.to_jwk_private_key();
        Self { signer: ES256.signer_from_jwk(&private).unwrap(), private, public: pair.to_jwk_public_key() }
    }

    /// RFC 7638 thumbprint, as `dpop_jkt` and `cnf.jkt` carry it.
    pub fn thumbprint(&self) -> String {
        let canonical = json!({
            "crv": self.public.parameter("crv").unwrap(),
            "kty": "EC",
            "x": self.public.parameter("x").unwrap(),
            "y": self.public.parameter("y").unwrap(),
        });
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.to_string().as_bytes()))
    }

    fn header(jwk: &Jwk) -> JwsHeader {
        let mut header = JwsHeader::new();
        header.set_token_type("dpop+jwt");
        header.set_claim("jwk", Some(Value::Object(jwk.as_ref().clone()))).unwrap();
        header
    }

    /// A well-formed proof of `claims`.
    pub fn proof(&self, claims: &Claims) -> String {
        jwt::encode_with_signer(&claims.payload(), &Self::header(&self.public), &self.signer).unwrap()
    }

    /// A proof whose header carries the private key (RFC 9449 §4.3 step 7).
    pub fn proof_leaking_the_private_key(&self, claims: &Claims) -> String {
        jwt::encode_with_signer(&claims.payload(), &Self::header(&self.private), &self.signer).unwrap()
    }

    /// An unsigned proof (`alg: none`).
    pub fn unsigned_proof(&self, claims: &Claims) -> String {
        jwt::encode_unsecured(&claims.payload(), &Self::header(&self.public)).unwrap()
    }

    /// A proof "signed" with HMAC under a key the attacker chose.
    pub fn hmac_proof(&self, claims: &Claims) -> String {
        let signer = HS256.signer_from_bytes(b"an attacker's thirty-two byte key").unwrap();
        jwt::encode_with_signer(&claims.payload(), &Self::header(&self.public), &signer).unwrap()
    }
}

/// A form posted to `url` with a `DPoP` header, optionally with Basic credentials.
pub async fn post_with_proof(
    http: &reqwest::Client,
    url: &str,
    fields: &[(&str, &str)],
    basic: Option<(&str, &str)>,
    proof: &str,
) -> crate::support::token::Answer {
    let mut request = http.post(url).form(fields).header("DPoP", proof);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    answer(request).await
}

/// `GET {base}/userinfo` with `Authorization: DPoP <token>` and, if given, the proof.
pub async fn userinfo_with_proof(
    http: &reqwest::Client,
    base: &str,
    access_token: &str,
    proof: Option<&str>,
) -> crate::support::token::Answer {
    let mut request =
        http.get(format!("{base}/userinfo")).header("Authorization", format!("DPoP {access_token}"));
    if let Some(proof) = proof {
        request = request.header("DPoP", proof);
    }
    answer(request).await
}

async fn answer(request: reqwest::RequestBuilder) -> crate::support::token::Answer {
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let body = response.json().await.unwrap_or(Value::Null);
    crate::support::token::Answer { status, body, headers }
}
