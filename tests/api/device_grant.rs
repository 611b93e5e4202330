//! The device authorization grant (RFC 8628) through the real server: a
//! command-line client asks for codes, a browser enters the user code at
//! the verification page, signs in and approves with the real forms, and
//! the device polls the token endpoint until it gets its tokens, once.

use oauth_core::ports::Clock as _;
use oauth_store_diesel::testing::TestDatabase;
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::app::{TestApp, spawn_app, spawn_app_on};
use crate::support::browser::{Browser, Form};
use crate::support::device::{GRANT, approve, ask, command_line, page, poll, submit};
use crate::support::dpop::{Claims, DpopKey, post_with_proof};
use crate::support::seed::{EMAIL, PASSWORD, seed_with};
use crate::support::token::{post_form, token};

fn advance(app: &TestApp, seconds: i64) {
    app.clock.advance(time::Duration::seconds(seconds));
}

/// RFC 8628 §3.1–3.5 end to end, as a CLI and its user would.
#[tokio::test]
async fn a_device_gets_tokens_after_its_user_approves_on_the_verification_page() {
    let app = spawn_app().await;
    let cli = command_line(&app).await;
    let metadata: Value = app.get("/.well-known/openid-configuration").await.json().await.unwrap();
    let endpoint = format!("{}/oauth/device_authorization", app.config.server.issuer);
    assert_eq!(metadata["device_authorization_endpoint"], endpoint.as_str());
    assert!(metadata["grant_types_supported"].as_array().unwrap().contains(&GRANT.into()));

    let codes = ask(&app, &cli.client_id, "openid offline_access").await;
    assert_eq!(codes.status, StatusCode::OK, "{}", codes.body);
    assert_eq!(codes.headers["cache-control"], "no-store");
    let (device_code, user_code) = (codes.field("device_code"), codes.field("user_code"));
    assert_eq!(codes.field("verification_uri"), format!("{}/device", app.config.server.issuer));
    assert_eq!(
        codes.field("verification_uri_complete"),
        format!("{}/device?user_code={user_code}", app.config.server.issuer)
    );
    assert_eq!((codes.body["expires_in"].as_i64(), codes.body["interval"].as_i64()), (Some(600), Some(5)));
    assert_eq!(poll(&app, &cli.client_id, &device_code).await.error(), "authorization_pending");

    // RFC 8628 §5.4: the complete URI only fills the code in.
    let mut browser = Browser::new(&app);
    let prefilled = page(&mut browser, &format!("/device?user_code={}", user_code.to_lowercase())).await;
    assert_eq!(Form::read(&prefilled).get("user_code"), user_code);
    advance(&app, 5);
    assert_eq!(poll(&app, &cli.client_id, &device_code).await.error(), "authorization_pending");

    let done = approve(&app, &user_code.to_lowercase().replace('-', " "), "approve").await;
    assert!(done.contains("Device connected"), "{done}");
    advance(&app, 5);
    let granted = poll(&app, &cli.client_id, &device_code).await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    assert!(granted.body["id_token"].is_string() && granted.body["refresh_token"].is_string());
    advance(&app, 5);
    assert_eq!(poll(&app, &cli.client_id, &device_code).await.error(), "invalid_grant", "once");
    let refresh = granted.field("refresh_token");
    let refreshed = token(
        &app,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh), ("client_id", &cli.client_id)],
        None,
    )
    .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
}

/// RFC 8628 §3.5: `slow_down` raises the interval; deny; expiry.
#[tokio::test]
async fn polls_slow_down_and_learn_of_denial_and_expiry() {
    let app = spawn_app().await;
    let cli = command_line(&app).await;
    let first = ask(&app, &cli.client_id, "openid").await;
    let device_code = first.field("device_code");
    assert_eq!(poll(&app, &cli.client_id, &device_code).await.error(), "authorization_pending");
    advance(&app, 1);
    assert_eq!(poll(&app, &cli.client_id, &device_code).await.error(), "slow_down");
    advance(&app, 6);
    assert_eq!(
        poll(&app, &cli.client_id, &device_code).await.error(),
        "slow_down",
        "the interval is now 10 s"
    );
    advance(&app, 16);
    assert_eq!(poll(&app, &cli.client_id, &device_code).await.error(), "authorization_pending");

    let done = approve(&app, &first.field("user_code"), "deny").await;
    assert!(done.contains("Device refused"), "{done}");
    advance(&app, 15);
    assert_eq!(poll(&app, &cli.client_id, &device_code).await.error(), "access_denied");

    let second = ask(&app, &cli.client_id, "openid").await;
    advance(&app, 600);
    assert_eq!(poll(&app, &cli.client_id, &second.field("device_code")).await.error(), "expired_token");
}

/// Wrong codes get one answer; five from one address lock it out, even
/// with the right code; a form without its CSRF token is refused.
#[tokio::test]
async fn wrong_codes_are_limited_and_forms_need_their_token() {
    let app = spawn_app().await;
    let cli = command_line(&app).await;
    let codes = ask(&app, &cli.client_id, "openid").await;
    let mut browser = Browser::new(&app);
    let form = page(&mut browser, "/device").await;
    for wrong in ["BCDF-GHJK", "nonsense", "ZZZZ-ZZZZ", "BCDF-GHJL", "QQQQ-QQQQ"] {
        let (status, again) = submit(&mut browser, &form, "/device", &[("user_code", wrong)]).await;
        assert_eq!(status, StatusCode::OK);
        assert!(again.contains("That code is not valid"), "{wrong}: {again}");
    }
    let (status, locked) =
        submit(&mut browser, &form, "/device", &[("user_code", &codes.field("user_code"))]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{locked}");

    let mut other = Browser::new(&app);
    let form = page(&mut other, "/device").await;
    let (status, _) = submit(
        &mut other,
        &form,
        "/device",
        &[("user_code", &codes.field("user_code")), ("csrf_token", "forged")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A client without the grant, and a bad scope, are refused at the
/// device authorization endpoint as the RFC says.
#[tokio::test]
async fn the_endpoint_refuses_what_the_client_may_not_ask() {
    let app = spawn_app().await;
    let cli = command_line(&app).await;
    assert_eq!(ask(&app, &cli.client_id, "openid email").await.error(), "invalid_scope");
    let browser_app = crate::support::seed::register(&app, "Browser app", |_| {}).await;
    assert_eq!(ask(&app, &browser_app.client_id, "openid").await.error(), "unauthorized_client");
    assert_eq!(ask(&app, "nobody", "openid").await.error(), "invalid_client");
}

/// RFC 9449 on the device grant: a poll with a proof gets a DPoP-bound
/// token; the public client's refresh token is bound to the key.
#[tokio::test]
async fn a_poll_with_a_dpop_proof_gets_bound_tokens() {
    let app = spawn_app().await;
    let cli = command_line(&app).await;
    let codes = ask(&app, &cli.client_id, "openid offline_access").await;
    approve(&app, &codes.field("user_code"), "approve").await;
    let key = DpopKey::generate();
    let url = format!("{}/oauth/token", app.config.server.issuer);
    let proof = key.proof(&Claims::post(&url, app.clock.now().unix_timestamp()));
    let fields =
        [("grant_type", GRANT), ("device_code", &codes.field("device_code")), ("client_id", &cli.client_id)];
    let granted =
        post_with_proof(&app.http, &format!("{}/oauth/token", app.address), &fields, None, &proof).await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    assert_eq!(granted.body["token_type"], "DPoP");
    let refresh = granted.field("refresh_token");
    let unbound = token(
        &app,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh), ("client_id", &cli.client_id)],
        None,
    )
    .await;
    assert_eq!(unbound.error(), "invalid_grant", "a public client's family is bound to its key");
}

/// One device code, one set of tokens: 32 polls racing after the
/// approval get one success.
async fn thirty_two_polls_race(app: TestApp) {
    let cli = command_line(&app).await;
    let codes = ask(&app, &cli.client_id, "openid").await;
    approve(&app, &codes.field("user_code"), "approve").await;
    let device_code = codes.field("device_code");
    let url = format!("{}/oauth/token", app.address);
    let polls: Vec<_> = (0..32)
        .map(|_| {
            let (http, url) = (app.http.clone(), url.clone());
            let fields = [
                ("grant_type", GRANT.to_owned()),
                ("device_code", device_code.clone()),
                ("client_id", cli.client_id.clone()),
            ];
            tokio::spawn(async move {
                let response = http.post(url).form(&fields).send().await.unwrap();
                let status = response.status();
                (status, response.json::<Value>().await.unwrap())
            })
        })
        .collect();
    let mut answers = Vec::new();
    for handle in polls {
        answers.push(handle.await.unwrap());
    }
    let granted = answers.iter().filter(|(status, _)| *status == StatusCode::OK).count();
    assert_eq!(granted, 1, "{answers:?}");
    let refused = |body: &Value| matches!(body["error"].as_str(), Some("invalid_grant" | "slow_down"));
    assert!(answers.iter().all(|(status, body)| *status == StatusCode::OK || refused(body)), "{answers:?}");
}

#[tokio::test]
async fn sqlite_thirty_two_polls_race_for_one_set_of_tokens() {
    thirty_two_polls_race(spawn_app().await).await;
}

#[tokio::test]
async fn postgres_thirty_two_polls_race_for_one_set_of_tokens() {
    if let Some(db) = TestDatabase::postgres("postgres_thirty_two_polls_race_for_one_set_of_tokens") {
        thirty_two_polls_race(spawn_app_on(db).await).await;
    }
}

/// RFC 8628 §3.1: a confidential client authenticates as at the token
/// endpoint, and a parameter sent twice is refused.
#[tokio::test]
async fn a_confidential_client_must_authenticate_and_parameters_come_once() {
    let app = spawn_app().await;
    let tv = crate::support::seed::register(&app, "Television", |spec| {
        crate::support::seed::confidential(spec);
        spec.redirect_uris = vec![];
        spec.grant_types = vec!["device_code".into()];
        spec.scopes = vec!["openid".into()];
    })
    .await;
    let url = format!("{}/oauth/device_authorization", app.address);
    let secret = tv.secret.clone().unwrap();
    let wrong = post_form(&app.http, &url, &[("scope", "openid")], Some((&tv.client_id, "wrong"))).await;
    assert_eq!((wrong.status, wrong.error()), (StatusCode::UNAUTHORIZED, "invalid_client"));
    let bare = ask(&app, &tv.client_id, "openid").await;
    assert_eq!(bare.error(), "invalid_client", "an id alone is not a confidential client's proof");
    let twice = post_form(
        &app.http,
        &url,
        &[("scope", "openid"), ("scope", "openid")],
        Some((&tv.client_id, &secret)),
    )
    .await;
    assert_eq!(twice.error(), "invalid_request");
    let good = post_form(&app.http, &url, &[("scope", "openid")], Some((&tv.client_id, &secret))).await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.body);
}

/// The pages carry the login pages' headers, escape what was typed, and
/// a browser without a cookie makes a session only within its address's
/// quota.
#[tokio::test]
async fn the_pages_are_guarded_like_the_login_pages() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let response = browser.get("/device").await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let csp = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"), "{csp}");
    let form = response.text().await.unwrap();
    let (_, again) =
        submit(&mut browser, &form, "/device", &[("user_code", "<script>alert(1)</script>")]).await;
    assert!(!again.contains("<script>alert(1)") && again.contains("&lt;script&gt;"), "{again}");

    let quota = app.config.sign_in.quota.per_address;
    let mut last = StatusCode::OK;
    for _ in 0..=quota {
        last = app.http.get(format!("{}/device", app.address)).send().await.unwrap().status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS, "sessions made without a cookie are bounded");
}

/// RFC 8707 on the device grant: the device names the API it wants; the
/// user's approval page lists it; the poll naming it gets an access token
/// whose `aud` is its URI.
#[tokio::test]
async fn a_device_asks_for_an_api_and_its_token_is_for_that_api() {
    const CALENDAR: &str = "https://calendar.example.com/";
    let app = crate::support::app::spawn_app_with(TestDatabase::sqlite(), |raw| {
        raw.sign_in.api_scopes.insert("calendar:read".into(), "See your calendar".into());
    })
    .await;
    let (store, _) = auth_server::app::open_store(&app.config).await.unwrap();
    let store = std::sync::Arc::new(store);
    let resources = oauth_core::service::resources::ResourceService::new(
        store.clone(),
        store,
        app.clock.clone(),
        std::sync::Arc::new(app.config.scopes.clone()),
    );
    let new = oauth_core::service::resources::NewResource {
        uri: CALENDAR.into(),
        name: "Calendar API".into(),
        scopes: vec!["calendar:read".into()],
        ..oauth_core::service::resources::NewResource::default()
    };
    resources.create(&new).await.unwrap();
    let cli = seed_with(&app, |spec| {
        spec.redirect_uris = vec![];
        spec.grant_types = vec!["device_code".into()];
        spec.scopes = vec!["openid".into(), "calendar:read".into()];
        spec.resources = vec![CALENDAR.into()];
    })
    .await;
    let url = format!("{}/oauth/device_authorization", app.address);
    let fields =
        [("client_id", cli.client_id.as_str()), ("scope", "openid calendar:read"), ("resource", CALENDAR)];
    let codes = post_form(&app.http, &url, &fields, None).await;
    assert_eq!(codes.status, StatusCode::OK, "{}", codes.body);
    let unknown =
        [("client_id", cli.client_id.as_str()), ("scope", "openid"), ("resource", "https://other.example/")];
    assert_eq!(post_form(&app.http, &url, &unknown, None).await.error(), "invalid_target");

    let mut browser = Browser::new(&app);
    let form = page(&mut browser, "/device").await;
    let (_, login) =
        submit(&mut browser, &form, "/device", &[("user_code", &codes.field("user_code"))]).await;
    let (_, consent) =
        submit(&mut browser, &login, "/device/login", &[("username", EMAIL), ("password", PASSWORD)]).await;
    assert!(consent.contains("Calendar API"), "the approval page names the API: {consent}");
    submit(&mut browser, &consent, "/device/decision", &[("decision", "approve")]).await;
    // RFC 8707 §2.2: as in the code flow, the token request names the API.
    let device_code = codes.field("device_code");
    let poll_for = [
        ("grant_type", GRANT),
        ("device_code", device_code.as_str()),
        ("client_id", cli.client_id.as_str()),
        ("resource", CALENDAR),
    ];
    let granted = token(&app, &poll_for, None).await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    let (claims, _) = crate::support::token::verify(&app, &granted.field("access_token")).await;
    assert_eq!(claims.audience().unwrap(), vec![CALENDAR]);
}
