//! `private_key_jwt` clients (RFC 7523 §2.2) as a test plays them: a key
//! pair, assertions about the client signed with it, and requests that
//! carry them.

use josekit::jwk::Jwk;
use josekit::jws::alg::ecdsa::EcdsaJwsSigner;
use josekit::jws::{ES256, JwsHeader};
use josekit::jwt::{self, JwtPayload};
use oauth_core::ports::Clock as _;
use serde_json::{Value, json};

use crate::support::app::TestApp;
use crate::support::token::{Answer, post_form};

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The client's key pair; its public half is registered with `kid` "k1".
pub struct ClientKey {
    signer: EcdsaJwsSigner,
    public: Jwk,
}

impl ClientKey {
    pub fn generate() -> Self {
        Self::named("k1")
    }

    /// A key pair whose public half carries `kid`.
    pub fn named(kid: &str) -> Self {
        let pair = ES256.generate_key_pair().unwrap();
        let mut public = pair.to_jwk_public_key();
        public.set_key_id(kid);
        Self { signer: ES256.signer_from_jwk(&pair.to_jwk_private_key()).unwrap(), public }
    }

    /// The public half, as a JWK.
    pub fn public(&self) -> Value {
        Value::Object(self.public.as_ref().clone())
    }

    pub fn jwks(&self) -> String {
        json!({ "keys": [self.public()] }).to_string()
    }

    pub fn sign(&self, claims: &Value, kid: &str) -> String {
        let mut header = JwsHeader::new();
        header.set_key_id(kid);
        let payload = JwtPayload::from_map(claims.as_object().unwrap().clone()).unwrap();
        jwt::encode_with_signer(&payload, &header, &self.signer).unwrap()
    }
}

/// RFC 7523 §3 claims of a good assertion for `client_id`, made now.
pub fn claims(app: &TestApp, client_id: &str) -> Value {
    let now = app.clock.now().unix_timestamp();
    json!({
        "iss": client_id,
        "sub": client_id,
        "aud": app.config.server.issuer,
        "exp": now + 60,
        "iat": now,
        "jti": uuid::Uuid::new_v4().to_string(),
    })
}

pub async fn with_assertion(app: &TestApp, path: &str, fields: &[(&str, &str)], assertion: &str) -> Answer {
    let mut all = fields.to_vec();
    all.extend([("client_assertion_type", ASSERTION_TYPE), ("client_assertion", assertion)]);
    post_form(&app.http, &format!("{}{path}", app.address), &all, None).await
}

pub const CLIENT_CREDENTIALS: [(&str, &str); 1] = [("grant_type", "client_credentials")];
