//! RFC 6749 §4.1.3: a code is redeemed only by the client it was issued to,
//! and another client can neither learn about it nor revoke what it issued.

use super::*;

/// The error code and description of a refused token request.
fn refusal(result: Result<Granted, TokenFailure>) -> (&'static str, String) {
    match result {
        Err(TokenFailure::Refused(error)) => (error.code(), error.description().into_owned()),
        Err(TokenFailure::ClientThrottled) => ("throttled", String::new()),
        Ok(_) => ("granted", String::new()),
    }
}

/// A second confidential client that may use the code grant.
async fn other_client(h: &Harness) {
    ClientRepository::insert(h.store.as_ref(), &fixtures::client(3, "Other", "o-secret")).await.unwrap();
}

async fn access_is_active(h: &Harness, token: &str) -> bool {
    let (_, answer) =
        h.service.introspect(&basic("client1", "s"), Some(token.into()), "192.0.2.1").await.unwrap();
    answer != Introspection::Inactive
}

#[tokio::test]
async fn another_clients_replay_revokes_nothing_and_reads_as_an_unknown_code() {
    let h = harness().await;
    other_client(&h).await;
    code(&h, "c-1", &["openid", "offline_access"]).await;
    let granted =
        h.service.token(&basic("client1", "s"), exchange("c-1", VERIFIER), "192.0.2.1").await.unwrap();
    let refresh_token = granted.response.refresh_token.unwrap().expose().to_owned();

    let replay = h.service.token(&basic("client3", "o-secret"), exchange("c-1", VERIFIER), "192.0.2.1").await;
    let unknown =
        h.service.token(&basic("client3", "o-secret"), exchange("never-issued", VERIFIER), "192.0.2.1").await;
    assert_eq!(refusal(replay), refusal(unknown), "the same answer as a code that never existed");

    assert!(access_is_active(&h, &granted.response.access_token).await, "nothing was revoked");
    let refreshed = h.service.token(&basic("client1", "s"), refresh(&refresh_token, None), "192.0.2.1").await;
    assert_eq!(error_code(refreshed), "granted", "the family lives on");
}

#[tokio::test]
async fn a_live_code_presented_by_another_client_reads_as_an_unknown_code() {
    let h = harness().await;
    other_client(&h).await;
    code(&h, "c-1", &["openid"]).await;
    let foreign =
        h.service.token(&basic("client3", "o-secret"), exchange("c-1", VERIFIER), "192.0.2.1").await;
    let unknown =
        h.service.token(&basic("client3", "o-secret"), exchange("never-issued", VERIFIER), "192.0.2.1").await;
    let (code, description) = refusal(foreign);
    assert_eq!((code, description.clone()), refusal(unknown));
    assert_eq!(code, "invalid_grant");
}

#[tokio::test]
async fn a_replay_without_the_verifier_revokes_nothing() {
    let h = harness().await;
    let mut spa = fixtures::client(4, "Spa", "unused");
    spa.metadata.client_type = crate::client::ClientType::Public;
    spa.metadata.auth_method = AuthMethod::None;
    spa.secrets.clear();
    ClientRepository::insert(h.store.as_ref(), &spa).await.unwrap();
    let issued = AuthorizationCode {
        resources: std::collections::BTreeSet::new(),
        digest: CodeDigest::of("c-spa"),
        client_id: spa.id.clone(),
        user_id: fixtures::user(1, "ada@example.com").id,
        redirect_uri: "https://rp.example/cb".into(),
        redirect_uri_sent: true,
        scopes: scopes(&["openid", "offline_access"]),
        nonce: None,
        code_challenge: Some(CodeChallenge::from_stored(CHALLENGE.into())),
        auth_time: T0 - Duration::seconds(30),
        issued_at: T0,
        expires_at: T0 + Duration::seconds(60),
        dpop_jkt: None,
    };
    CodeRepository::insert(h.store.as_ref(), &issued).await.unwrap();
    let public = PresentedCredentials {
        client_id: "client4".into(),
        secret: None,
        method: AuthMethod::None,
        assertion: None,
    };
    let granted = h.service.token(&public, exchange("c-spa", VERIFIER), "192.0.2.1").await.unwrap();
    let refresh_token = granted.response.refresh_token.unwrap().expose().to_owned();

    // A stranger who found the spent code (history, a Referer, a proxy log).
    let mut no_verifier = exchange("c-spa", VERIFIER);
    no_verifier.code_verifier = None;
    let unknown = h.service.token(&public, exchange("never-issued", VERIFIER), "203.0.113.9").await;
    let replay = h.service.token(&public, no_verifier, "203.0.113.9").await;
    assert_eq!(refusal(replay), refusal(unknown), "RFC 7636 §4.6: no verifier, no replay");
    let refreshed = h.service.token(&public, refresh(&refresh_token, None), "192.0.2.1").await;
    assert_eq!(error_code(refreshed), "granted", "the user's grant lives on");

    // The client itself, replaying with its verifier, still revokes (RFC 6749 §4.1.2).
    let own = h.service.token(&public, exchange("c-spa", VERIFIER), "192.0.2.1").await;
    assert_eq!(error_code(own), "invalid_grant");
    let after = h.service.token(&public, refresh(&refresh_token, None), "192.0.2.1").await;
    assert_eq!(error_code(after), "invalid_grant", "the family is revoked");
}
