//! Key material with josekit: generating a key pair, its RFC 7638
//! thumbprint as `kid`, sealing the private JWK under the master key (bound
//! to its `kid` and algorithm), opening it again into a signer, and the
//! public members and verifier of a published key.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use josekit::jwk::Jwk;
use josekit::jws::{ES256, JwsSigner, JwsVerifier, RS256};
use oauth_core::ports::GeneratedKey;
use oauth_core::signing_key::StoredSigningKey;
use oauth_core::token::SigningAlg;
use serde_json::{Map, Value};

use super::KeyError;
use crate::master_key::MasterKey;

/// A freshly generated key: its private and public JWKs and thumbprint.
pub(super) struct NewKey {
    alg: SigningAlg,
    kid: String,
    private: Jwk,
    public: Jwk,
}

pub(super) fn generate(alg: SigningAlg) -> Result<NewKey, KeyError> {
    let fail = |e: josekit::JoseError| KeyError::Generate(e.to_string());
    let (mut private, mut public) = match alg {
        SigningAlg::Rs256 => {
            let pair = RS256.generate_key_pair(2048).map_err(fail)?;
            (josekit::jwk::KeyPair::to_jwk_key_pair(&pair), josekit::jwk::KeyPair::to_jwk_public_key(&pair))
        }
        SigningAlg::Es256 => {
            let pair = ES256.generate_key_pair().map_err(fail)?;
            (josekit::jwk::KeyPair::to_jwk_key_pair(&pair), josekit::jwk::KeyPair::to_jwk_public_key(&pair))
        }
    };
    let kid = thumbprint(&public)?;
    for jwk in [&mut private, &mut public] {
        jwk.set_key_id(kid.clone());
        jwk.set_algorithm(alg.as_str());
        jwk.set_key_use("sig");
    }
    Ok(NewKey { alg, kid, private, public })
}

/// RFC 7638: SHA-256 over the required public members, in lexicographic
/// order, without whitespace; base64url.
pub fn thumbprint(public: &Jwk) -> Result<String, KeyError> {
    let members: &[&str] = match public.key_type() {
        "RSA" => &["e", "kty", "n"],
        "EC" => &["crv", "kty", "x", "y"],
        // RFC 8037 §2: an Ed25519 public key.
        "OKP" => &["crv", "kty", "x"],
        other => {
            return Err(KeyError::Invalid {
                kid: String::new(),
                reason: format!("unsupported key type {other}"),
            });
        }
    };
    let mut canonical = Map::new();
    for member in members {
        let value = public
            .parameter(member)
            .cloned()
            .ok_or_else(|| KeyError::Invalid { kid: String::new(), reason: format!("missing {member}") })?;
        canonical.insert((*member).to_owned(), value);
    }
    // serde_json's Map is ordered by key and `to_string` writes no whitespace.
    let text = Value::Object(canonical).to_string();
    Ok(URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, text.as_bytes())))
}

fn aad(kid: &str, alg: SigningAlg) -> String {
    format!("{kid}|{alg}")
}

pub(super) fn seal(master: &MasterKey, key: &NewKey) -> Result<GeneratedKey, KeyError> {
    Ok(GeneratedKey {
        kid: key.kid.clone(),
        public_jwk: key.public.to_string(),
        sealed_private_jwk: master.seal(key.private.to_string().as_bytes(), &aad(&key.kid, key.alg))?,
    })
}

pub(super) fn open(master: &MasterKey, key: &StoredSigningKey) -> Result<Jwk, KeyError> {
    let plaintext = master.open(&key.sealed_private_jwk, &aad(&key.kid, key.alg))?;
    Jwk::from_bytes(plaintext).map_err(|e| KeyError::Invalid { kid: key.kid.clone(), reason: e.to_string() })
}

pub(super) fn signer_for(alg: SigningAlg, private: &Jwk, kid: &str) -> Result<Box<dyn JwsSigner>, KeyError> {
    let invalid = |e: josekit::JoseError| KeyError::Invalid { kid: kid.to_owned(), reason: e.to_string() };
    Ok(match alg {
        SigningAlg::Rs256 => Box::new(RS256.signer_from_jwk(private).map_err(invalid)?),
        SigningAlg::Es256 => Box::new(ES256.signer_from_jwk(private).map_err(invalid)?),
    })
}

pub(super) fn verifier_for(key: &StoredSigningKey) -> Result<Box<dyn JwsVerifier>, KeyError> {
    let invalid = |e: josekit::JoseError| KeyError::Invalid { kid: key.kid.clone(), reason: e.to_string() };
    let public = Jwk::from_bytes(key.public_jwk.as_bytes()).map_err(invalid)?;
    Ok(match key.alg {
        SigningAlg::Rs256 => Box::new(RS256.verifier_from_jwk(&public).map_err(invalid)?),
        SigningAlg::Es256 => Box::new(ES256.verifier_from_jwk(&public).map_err(invalid)?),
    })
}

/// RFC 7517 §4 and RFC 7518 §6: only the public members, whatever was
/// stored, as compact JSON with its members in name order.
pub(super) fn public_members(key: &StoredSigningKey) -> Result<String, KeyError> {
    const PUBLIC: &[&str] = &["kty", "kid", "use", "alg", "n", "e", "crv", "x", "y"];
    let invalid = |reason: String| KeyError::Invalid { kid: String::new(), reason };
    let Value::Object(all) =
        serde_json::from_str::<Value>(&key.public_jwk).map_err(|e| invalid(e.to_string()))?
    else {
        return Err(invalid("a stored public key is not a JSON object".into()));
    };
    let public: Map<String, Value> =
        all.into_iter().filter(|(name, _)| PUBLIC.contains(&name.as_str())).collect();
    Ok(Value::Object(public).to_string())
}
