use std::sync::Arc;

use time::Duration;

use super::*;
use crate::client::{AuthMethod, ClientId, GrantType};
use crate::code::{AuthorizationCode, CodeDigest};
use crate::pkce::CodeChallenge;
use crate::ports::{ClientRepository, Clock, CodeRepository, UserRepository};
use crate::scope::{ScopeCatalog, ScopeName};
use crate::service::endpoint_harness::*;
use crate::service::introspection::Introspection;
use crate::service::userinfo::UserinfoFailure;
use crate::testing::fixtures::{self, T0};
use crate::testing::{InMemoryStore, ManualClock, RecordingSigner, SeqRandom};
use crate::token::{SigningAlg, TokenPolicy};

#[tokio::test]
async fn code_exchange_mints_rfc9068_access_id_and_refresh_tokens() {
    let h = harness().await;
    code(&h, "c-1", &["openid", "email", "offline_access"]).await;
    let granted =
        h.service.token(&basic("client1", "s"), exchange("c-1", VERIFIER), "192.0.2.1").await.unwrap();
    let response = granted.response;
    let (access, alg) = h.signer.last_access().unwrap();
    assert_eq!(alg, SigningAlg::Es256, "access tokens default to ES256");
    let user = fixtures::user(1, "ada@example.com").id.to_string();
    assert_eq!(
        (access.iss.as_str(), access.sub.as_str(), access.aud.as_str()),
        (ISSUER, user.as_str(), ISSUER)
    );
    assert_eq!(
        (access.iat, access.exp),
        (T0.unix_timestamp(), (T0 + Duration::minutes(10)).unix_timestamp())
    );
    assert_eq!(access.client_id, "client1");
    assert_eq!(access.scope, "email offline_access openid");
    assert_eq!(access.auth_time, Some((T0 - Duration::seconds(30)).unix_timestamp()));
    assert_eq!(access.jti.len(), 22);
    let (id, id_alg) = h.signer.last_id().unwrap();
    assert_eq!(id_alg, SigningAlg::Rs256, "ID tokens use the client's alg, RS256 by default");
    assert_eq!((id.aud.as_str(), id.azp.as_str(), id.nonce.as_deref()), ("client1", "client1", Some("n-1")));
    assert_eq!(id.at_hash, crate::token::at_hash(&response.access_token));
    assert_eq!(response.id_token.as_deref(), Some(format!("id.RS256.{user}").as_str()));
    assert_eq!(response.expires_in, 600);
    assert!(response.refresh_token.is_some(), "offline_access and the refresh grant");
}

#[tokio::test]
async fn a_replayed_code_is_refused_and_revokes_the_first_exchange() {
    let h = harness().await;
    code(&h, "c-1", &["openid", "offline_access"]).await;
    let first =
        h.service.token(&basic("client1", "s"), exchange("c-1", VERIFIER), "192.0.2.1").await.unwrap();
    let refresh_token = first.response.refresh_token.unwrap().expose().to_owned();
    assert_eq!(
        error_code(h.service.token(&basic("client1", "s"), exchange("c-1", VERIFIER), "192.0.2.1").await),
        "invalid_grant"
    );
    assert_eq!(
        error_code(h.service.token(&basic("client1", "s"), refresh(&refresh_token, None), "192.0.2.1").await),
        "invalid_grant"
    );
}

#[tokio::test]
async fn the_code_checks_burn_the_code() {
    let h = harness().await;
    code(&h, "c-1", &["openid"]).await;
    let wrong = "x".repeat(43);
    assert_eq!(
        error_code(h.service.token(&basic("client1", "s"), exchange("c-1", &wrong), "192.0.2.1").await),
        "invalid_grant"
    );
    assert_eq!(
        error_code(h.service.token(&basic("client1", "s"), exchange("c-1", VERIFIER), "192.0.2.1").await),
        "invalid_grant",
        "the right verifier after a wrong one finds the code spent"
    );
    code(&h, "c-2", &["openid"]).await;
    let mut other_redirect = exchange("c-2", VERIFIER);
    other_redirect.redirect_uri = Some("https://rp.example/cb2?x=1".into());
    assert_eq!(
        error_code(h.service.token(&basic("client1", "s"), other_redirect, "192.0.2.1").await),
        "invalid_grant"
    );
    code(&h, "c-3", &["openid"]).await;
    h.clock.advance(Duration::seconds(60));
    assert_eq!(
        error_code(h.service.token(&basic("client1", "s"), exchange("c-3", VERIFIER), "192.0.2.1").await),
        "invalid_grant",
        "expired"
    );
}

#[tokio::test]
async fn refresh_rotates_narrows_and_detects_reuse() {
    let h = harness().await;
    code(&h, "c-1", &["openid", "email", "offline_access"]).await;
    let first =
        h.service.token(&basic("client1", "s"), exchange("c-1", VERIFIER), "192.0.2.1").await.unwrap();
    let rt1 = first.response.refresh_token.unwrap().expose().to_owned();
    let wider =
        h.service.token(&basic("client1", "s"), refresh(&rt1, Some("openid profile")), "192.0.2.1").await;
    assert_eq!(error_code(wider), "invalid_scope");
    let second =
        h.service.token(&basic("client1", "s"), refresh(&rt1, Some("openid")), "192.0.2.1").await.unwrap();
    assert_eq!(second.response.scope, "openid", "narrowed");
    let rt2 = second.response.refresh_token.unwrap().expose().to_owned();
    assert_ne!(rt1, rt2, "rotated");
    let third = h.service.token(&basic("client1", "s"), refresh(&rt2, None), "192.0.2.1").await.unwrap();
    assert_eq!(third.response.scope, "email offline_access openid", "the successor keeps the family's scope");
    let rt3 = third.response.refresh_token.unwrap().expose().to_owned();
    assert_eq!(
        error_code(h.service.token(&basic("client1", "s"), refresh(&rt1, None), "192.0.2.1").await),
        "invalid_grant",
        "reuse"
    );
    assert_eq!(
        error_code(h.service.token(&basic("client1", "s"), refresh(&rt3, None), "192.0.2.1").await),
        "invalid_grant",
        "family revoked"
    );
}

#[tokio::test]
async fn client_credentials_is_for_the_client_itself() {
    let h = harness().await;
    let params = TokenParams { grant_type: Some("client_credentials".into()), ..TokenParams::default() };
    let granted = h.service.token(&basic("client2", "m-secret"), params.clone(), "192.0.2.1").await.unwrap();
    let (access, _) = h.signer.last_access().unwrap();
    assert_eq!((access.sub.as_str(), access.auth_time), ("client2", None));
    assert_eq!(granted.response.scope, "api:read", "no user scopes");
    assert!(granted.response.id_token.is_none() && granted.response.refresh_token.is_none());
    let openid = TokenParams { scope: Some("openid".into()), ..params.clone() };
    assert_eq!(
        error_code(h.service.token(&basic("client2", "m-secret"), openid, "192.0.2.1").await),
        "invalid_scope"
    );
    assert_eq!(
        error_code(h.service.token(&basic("client1", "s"), params, "192.0.2.1").await),
        "unauthorized_client"
    );
}

#[tokio::test]
async fn client_authentication_failures_are_alike_and_limited() {
    let h = harness().await;
    let params = TokenParams { grant_type: Some("client_credentials".into()), ..TokenParams::default() };
    let post = PresentedCredentials {
        client_id: "client2".into(),
        secret: Some("m-secret".into()),
        method: AuthMethod::ClientSecretPost,
        assertion: None,
    };
    let none = PresentedCredentials {
        client_id: "client2".into(),
        secret: None,
        method: AuthMethod::None,
        assertion: None,
    };
    for (name, credentials) in [
        ("wrong secret", basic("client2", "nope")),
        ("another client's secret", basic("client2", "s")),
        ("unknown client", basic("nobody", "m-secret")),
        ("registered for basic, used post", post),
        ("confidential client without a secret", none),
    ] {
        assert_eq!(
            error_code(h.service.token(&credentials, params.clone(), "192.0.2.1").await),
            "invalid_client",
            "{name}"
        );
    }
    for _ in 0..20 {
        let _ = h.service.token(&basic("client1", "wrong"), params.clone(), "192.0.2.1").await;
    }
    assert_eq!(
        error_code(h.service.token(&basic("client1", "s"), params.clone(), "192.0.2.1").await),
        "throttled"
    );
    let elsewhere = h.service.token(&basic("client1", "s"), params.clone(), "198.51.100.7").await;
    assert_eq!(
        error_code(elsewhere),
        "unauthorized_client",
        "another address is not locked out by these failures"
    );
    h.clock.advance(Duration::minutes(1));
    assert_eq!(
        error_code(h.service.token(&basic("client1", "s"), params, "192.0.2.1").await),
        "unauthorized_client",
        "let in again"
    );
}

#[tokio::test]
async fn a_refresh_never_exceeds_the_scopes_the_client_still_has() {
    let h = harness().await;
    code(&h, "c-1", &["openid", "email", "offline_access"]).await;
    let first =
        h.service.token(&basic("client1", "s"), exchange("c-1", VERIFIER), "192.0.2.1").await.unwrap();
    let rt = first.response.refresh_token.unwrap().expose().to_owned();
    // An operator removes `email` from the client.
    let mut client = ClientRepository::find(h.store.as_ref(), &ClientId::parse("client1").unwrap())
        .await
        .unwrap()
        .unwrap();
    client.metadata.scopes.remove(&ScopeName::parse("email").unwrap());
    ClientRepository::update(h.store.as_ref(), &client).await.unwrap();
    let refreshed = h.service.token(&basic("client1", "s"), refresh(&rt, None), "192.0.2.1").await.unwrap();
    assert_eq!(refreshed.response.scope, "offline_access openid");
    let asked = h
        .service
        .token(
            &basic("client1", "s"),
            refresh(refreshed.response.refresh_token.unwrap().expose(), Some("email")),
            "192.0.2.1",
        )
        .await;
    assert_eq!(error_code(asked), "invalid_scope");
}

#[tokio::test]
async fn a_replayed_code_revokes_the_access_token_its_exchange_issued() {
    let h = harness().await;
    let (access, refresh) = tokens(&h, "c-1", &["openid"]).await;
    assert!(refresh.is_none(), "no family to revoke: only the jti can");
    assert!(active(&h, ("client1", "s"), &access).await);
    let replay = h.service.token(&basic("client1", "s"), exchange("c-1", VERIFIER), "192.0.2.1").await;
    assert_eq!(error_code(replay), "invalid_grant");
    assert!(!active(&h, ("client1", "s"), &access).await, "RFC 6749 §4.1.2");
}

mod client_auth_cost;
mod code_binding;
mod device_code;
mod dispatch;
mod made_up_ids;
mod refusals;
mod replay_race;
mod revoked_apps;
mod sender_binding;
mod signed_out;

#[tokio::test]
async fn a_dynamic_clients_use_is_written_down_when_it_gets_tokens_and_only_then() {
    use crate::client::ClientOrigin;
    use crate::client_registration::{ApplicationType, ClientRegistration, RegistrationAccessDigest};
    use crate::ports::ClientRegistrationRepository;
    let h = harness().await;
    let agent = crate::client::Client { origin: ClientOrigin::Dynamic, ..fixtures::client(3, "Agent", "a") };
    let registered_at = T0 - Duration::days(3);
    let registration = ClientRegistration {
        client_id: agent.id.clone(),
        access_token: RegistrationAccessDigest::of("rat"),
        application_type: ApplicationType::Web,
        registered_from: "192.0.2.1".into(),
        initial_token: None,
        last_used_at: Some(registered_at),
    };
    h.store.register(&agent, &registration).await.unwrap();
    let last_use = || async {
        ClientRegistrationRepository::find(h.store.as_ref(), &agent.id).await.unwrap().unwrap().last_used_at
    };

    let refused =
        h.service.token(&basic("client3", "a"), exchange("no-such-code", VERIFIER), "192.0.2.1").await;
    assert_eq!(error_code(refused), "invalid_grant");
    assert_eq!(last_use().await, Some(registered_at), "a failed request keeps nothing alive");

    let code = AuthorizationCode { client_id: agent.id.clone(), ..code_for("c-agent", &["openid"]) };
    CodeRepository::insert(h.store.as_ref(), &code).await.unwrap();
    h.service.token(&basic("client3", "a"), exchange("c-agent", VERIFIER), "192.0.2.1").await.unwrap();
    assert_eq!(last_use().await, Some(T0), "tokens issued: a use");
}
