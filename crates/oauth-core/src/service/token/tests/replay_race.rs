//! RFC 6749 §4.1.2: a replay that arrives while the first exchange is still
//! minting revokes what that exchange issues.

use super::*;

/// Signs like the recording signer, but a replay of `code` arrives while it signs.
struct ReplayDuringSigning {
    inner: RecordingSigner,
    store: Arc<InMemoryStore>,
    code: CodeDigest,
}

#[async_trait::async_trait]
impl crate::ports::TokenSigner for ReplayDuringSigning {
    async fn sign_access_token(
        &self,
        claims: &crate::token::AccessTokenClaims,
        alg: SigningAlg,
    ) -> Result<String, crate::ports::SignError> {
        CodeRepository::mark_replayed(self.store.as_ref(), &self.code, T0).await.unwrap();
        self.inner.sign_access_token(claims, alg).await
    }

    async fn sign_id_token(
        &self,
        claims: &crate::token::IdTokenClaims,
        alg: SigningAlg,
    ) -> Result<String, crate::ports::SignError> {
        self.inner.sign_id_token(claims, alg).await
    }
}

#[tokio::test]
async fn a_replay_during_the_first_exchange_revokes_what_it_issued() {
    let h = harness().await;
    code(&h, "c-1", &["openid", "offline_access"]).await;
    let signer = ReplayDuringSigning {
        inner: RecordingSigner::default(),
        store: h.store.clone(),
        code: CodeDigest::of("c-1"),
    };
    let ports = Ports::over(
        &h.store,
        Arc::new(signer),
        Arc::new(RecordingSigner::default()),
        h.clock.clone(),
        Arc::new(SeqRandom::new(12)),
    );
    let service = Endpoints::new(ports, Arc::default(), TokenPolicy::for_issuer(ISSUER));
    let first = service.token(&basic("client1", "s"), exchange("c-1", VERIFIER), "192.0.2.1").await.unwrap();
    let refresh_token = first.response.refresh_token.unwrap().expose().to_owned();
    let refreshed = h.service.token(&basic("client1", "s"), refresh(&refresh_token, None), "192.0.2.1").await;
    assert_eq!(error_code(refreshed), "invalid_grant", "the replay revoked the family the exchange started");
    let jti = first.response.access_token.rsplit('.').next().unwrap();
    assert!(
        crate::ports::RevokedTokenRepository::is_revoked(h.store.as_ref(), jti).await.unwrap(),
        "and listed the access token it issued"
    );
}
