//! `/oauth/token` happy paths: code exchange for public and confidential
//! clients (Basic and post), every claim checked on the verified JWTs; refresh
//! rotation; client credentials; CORS.

use oauth_store_diesel::testing::TestDatabase;
use serde_json::Value;
use time::Duration;

use crate::support::app::{TestApp, spawn_app, spawn_app_on};
use crate::support::browser::Browser;
use crate::support::seed::{
    REDIRECT_URI, confidential, register, register_machine, seed, seeded_app, seeded_app_with, seeded_user_id,
};
use crate::support::token::{VERIFIER, borrowed, code_for, exchange, refresh_fields, token, verify};

const ISSUER: &str = "http://127.0.0.1:8080";

async fn public_exchange_verifies_with_every_claim(app: &TestApp) {
    let seed = seed(app).await;
    let mut browser = Browser::new(app);
    let code = code_for(&mut browser, &seed, "openid email offline_access").await;
    let answer = token(app, &exchange(&seed.client_id, &code), None).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.headers["cache-control"], "no-store");
    assert_eq!(answer.headers["pragma"], "no-cache");
    assert_eq!(answer.body["token_type"], "Bearer");
    assert_eq!(answer.body["expires_in"], 600);
    assert_eq!(answer.body["scope"], "email offline_access openid");
    let now = app.clock.now().unix_timestamp();
    let sub = seeded_user_id(app).await;

    let (access, header) = verify(app, &answer.field("access_token")).await;
    assert_eq!((header["typ"].as_str(), header["alg"].as_str()), ("at+jwt", "ES256"), "RFC 9068 §2.1");
    assert_eq!(access.issuer(), Some(ISSUER));
    assert_eq!(access.subject(), Some(sub.as_str()));
    assert_eq!(access.claim("aud"), Some(&Value::from(ISSUER)), "default audience: the issuer");
    assert_eq!(access.claim("iat"), Some(&Value::from(now)));
    assert_eq!(access.claim("exp"), Some(&Value::from(now + 600)));
    assert_eq!(access.claim("client_id"), Some(&Value::from(seed.client_id.as_str())));
    assert_eq!(access.claim("scope"), Some(&Value::from("email offline_access openid")));
    assert_eq!(access.claim("auth_time"), Some(&Value::from(now)));
    assert!(access.jwt_id().is_some_and(|jti| jti.len() >= 22));

    let (id, header) = verify(app, &answer.field("id_token")).await;
    assert_eq!(header["alg"], "RS256", "ID tokens default to RS256 (OIDC Core §15.1)");
    assert_eq!(id.issuer(), Some(ISSUER));
    assert_eq!(id.subject(), Some(sub.as_str()));
    assert_eq!(id.claim("aud"), Some(&Value::from(seed.client_id.as_str())));
    assert_eq!(id.claim("azp"), Some(&Value::from(seed.client_id.as_str())));
    assert_eq!(id.claim("nonce"), Some(&Value::from("n-0S6_WzA2Mj")));
    assert_eq!(id.claim("auth_time"), Some(&Value::from(now)));
    assert_eq!(id.claim("exp"), Some(&Value::from(now + 600)));
    let at_hash = oauth_core::token::at_hash(&answer.field("access_token"));
    assert_eq!(id.claim("at_hash"), Some(&Value::from(at_hash)));
    assert_eq!(answer.field("refresh_token").len(), 43);
}

use oauth_core::ports::Clock as _;

#[tokio::test]
async fn sqlite_public_client_exchanges_a_code_for_verified_tokens() {
    public_exchange_verifies_with_every_claim(&spawn_app().await).await;
}

#[tokio::test]
async fn postgres_public_client_exchanges_a_code_for_verified_tokens() {
    if let Some(db) = TestDatabase::postgres("postgres_public_client_exchanges_a_code_for_verified_tokens") {
        public_exchange_verifies_with_every_claim(&spawn_app_on(db).await).await;
    }
}

#[tokio::test]
async fn confidential_clients_authenticate_with_basic_or_post_as_registered() {
    let app = spawn_app().await;
    seed(&app).await;
    let basic = register(&app, "Web App", confidential).await;
    let post = register(&app, "Post App", |spec| {
        spec.client_type = "confidential".into();
        spec.auth_method = Some("client_secret_post".into());
    })
    .await;
    let mut browser = Browser::new(&app);
    let code = code_for(&mut browser, &basic, "openid").await;
    let secret = basic.secret.clone().unwrap();
    let fields = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", VERIFIER),
    ];
    let answer = token(&app, &fields, Some((&basic.client_id, &secret))).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body.get("refresh_token").is_none(), "no offline_access, no refresh token");

    let code = code_for(&mut browser, &post, "openid").await;
    let secret = post.secret.clone().unwrap();
    let mut fields = fields.to_vec();
    fields[1] = ("code", &code);
    fields.extend([("client_id", post.client_id.as_str()), ("client_secret", secret.as_str())]);
    let answer = token(&app, &fields, None).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let (access, _) = verify(&app, &answer.field("access_token")).await;
    assert_eq!(access.claim("client_id"), Some(&Value::from(post.client_id.as_str())));
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_revokes_the_family() {
    let (app, seed) = seeded_app().await;
    let code = code_for(&mut Browser::new(&app), &seed, "openid email offline_access").await;
    let first = token(&app, &exchange(&seed.client_id, &code), None).await;
    let rt1 = first.field("refresh_token");
    app.clock.advance(Duration::minutes(5));
    let second = token(&app, &borrowed(&refresh_fields(&seed.client_id, &rt1, Some("openid"))), None).await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(second.body["scope"], "openid", "narrowed");
    let rt2 = second.field("refresh_token");
    assert_ne!(rt1, rt2);
    let (access, _) = verify(&app, &second.field("access_token")).await;
    assert_eq!(access.claim("iat"), Some(&Value::from(app.clock.now().unix_timestamp())));
    let reuse = token(&app, &borrowed(&refresh_fields(&seed.client_id, &rt1, None)), None).await;
    assert_eq!((reuse.status.as_u16(), reuse.error()), (400, "invalid_grant"), "reuse");
    let after = token(&app, &borrowed(&refresh_fields(&seed.client_id, &rt2, None)), None).await;
    assert_eq!(after.error(), "invalid_grant", "the whole family is revoked");
}

#[tokio::test]
async fn client_credentials_issue_a_client_token_only() {
    let app = spawn_app().await;
    let machine = register_machine(&app, "Batch").await;
    let secret = machine.secret.clone().unwrap();
    let answer =
        token(&app, &[("grant_type", "client_credentials")], Some((&machine.client_id, &secret))).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let (access, _) = verify(&app, &answer.field("access_token")).await;
    assert_eq!(access.subject(), Some(machine.client_id.as_str()), "sub is the client");
    assert!(access.claim("auth_time").is_none());
    assert!(answer.body.get("id_token").is_none() && answer.body.get("refresh_token").is_none());
}

#[tokio::test]
async fn cors_is_granted_only_to_registered_origins() {
    let (app, seed) = seeded_app_with(|spec| spec.allowed_origins = vec!["https://spa.example".into()]).await;
    let preflight = |origin: &'static str| {
        app.http
            .request(reqwest::Method::OPTIONS, format!("{}/oauth/token", app.address))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
    };
    let allowed = preflight("https://spa.example").await.unwrap();
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://spa.example");
    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());

    let code = code_for(&mut Browser::new(&app), &seed, "openid").await;
    let response = app
        .http
        .post(format!("{}/oauth/token", app.address))
        .header("origin", "https://spa.example")
        .form(&exchange(&seed.client_id, &code))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], "https://spa.example");

    // Errors are readable by the client's own origin too (a spent code here), and by no other.
    for (origin, allowed) in [("https://spa.example", true), ("https://evil.example", false)] {
        let refused = app
            .http
            .post(format!("{}/oauth/token", app.address))
            .header("origin", origin)
            .form(&exchange(&seed.client_id, &code))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400);
        assert_eq!(refused.headers().get("access-control-allow-origin").is_some(), allowed, "{origin}");
    }
}
