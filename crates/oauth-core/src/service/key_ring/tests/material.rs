//! Key material without cryptography: a key is its `kid`, "sealing" is a
//! prefix, a "signature" spells out the header and the claims' id. Counts
//! what the ring asks of it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::ports::{
    GeneratedKey, KeyMaterial, KeyMaterialError, KeyToOpen, OpenedKey, OpenedMaterial, SignError,
    TokenClaims, TokenHeader,
};
use crate::token::SigningAlg;

/// Keys made by every fake in the process: a `kid` is unique, as a thumbprint is.
static MADE: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug, Default)]
pub(super) struct FakeMaterial {
    /// Batches opened: one per read of the table.
    pub(super) opens: AtomicUsize,
    /// Keys made ready to sign (not reused from the previous view).
    pub(super) signers_opened: AtomicUsize,
    /// Every `open` fails, as with a wrong master key.
    pub(super) refuse: AtomicBool,
}

#[async_trait::async_trait]
impl KeyMaterial for FakeMaterial {
    async fn generate(&self, alg: SigningAlg) -> Result<GeneratedKey, KeyMaterialError> {
        let kid = format!("{alg}-{}", MADE.fetch_add(1, Ordering::SeqCst));
        Ok(GeneratedKey {
            public_jwk: format!(r#"{{"alg":"{alg}","kid":"{kid}"}}"#),
            sealed_private_jwk: format!("sealed:{kid}"),
            kid,
        })
    }

    async fn open(&self, keys: Vec<KeyToOpen>) -> Result<Vec<OpenedMaterial>, KeyMaterialError> {
        // A real adapter goes to another thread here: let concurrent callers in.
        tokio::task::yield_now().await;
        self.opens.fetch_add(1, Ordering::SeqCst);
        if self.refuse.load(Ordering::SeqCst) {
            return Err(KeyMaterialError("the master key does not open the signing keys".into()));
        }
        let mut opened = Vec::new();
        for KeyToOpen { key, sign, publish } in keys {
            assert_eq!(key.sealed_private_jwk, format!("sealed:{}", key.kid), "every key is opened");
            if sign {
                self.signers_opened.fetch_add(1, Ordering::SeqCst);
            }
            opened.push(OpenedMaterial {
                signer: sign.then(|| OpenedKey::new(key.kid.clone())),
                verifier: publish.then(|| OpenedKey::new(key.kid.clone())),
                public_jwk: publish.then(|| key.public_jwk.clone()),
            });
        }
        Ok(opened)
    }

    async fn sign(
        &self,
        key: &OpenedKey,
        header: TokenHeader,
        claims: TokenClaims<'_>,
    ) -> Result<String, SignError> {
        assert_eq!(key.downcast_ref::<String>().map(String::as_str), Some(&*header.kid), "its own key");
        let id = match claims {
            TokenClaims::Access(claims) => &claims.jti,
            TokenClaims::Id(claims) => &claims.sub,
        };
        Ok(format!("{}.{}.{}.{id}", header.typ, header.alg, header.kid))
    }
}
