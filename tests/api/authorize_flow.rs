//! `/oauth/authorize` end to end: authorize → login → consent → redirect with
//! code, state and iss, on SQLite and PostgreSQL; consent memory; sessions.

use oauth_core::code::{CodeDigest, Consumed};
use oauth_core::ports::{Clock as _, CodeRepository};

use oauth_store_diesel::testing::TestDatabase;
use time::Duration;

use crate::support::app::{TestApp, spawn_app, spawn_app_on};
use crate::support::browser::{Browser, CHALLENGE, Form, authorize_query, client_redirect};
use crate::support::seed::{EMAIL, PASSWORD, REDIRECT_URI, seed, seeded_app, seeded_app_with};

const ISSUER: &str = "http://127.0.0.1:8080";

async fn happy_path(app: &TestApp) {
    let seed = seed(app).await;
    let mut browser = Browser::new(app);
    let query = authorize_query(&seed, &[]);
    let login = browser.get(&format!("/oauth/authorize?{query}")).await;
    assert_eq!(login.status(), 200, "no session: the login page, no redirect");
    assert!(login.headers().get("location").is_none());
    let set_cookie = login.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    let before_login = browser.cookie.clone().unwrap();
    let html = login.text().await.unwrap();
    assert!(html.contains("Billing &lt;App&gt;"), "client name, escaped");
    let to_consent = browser.submit_login(&html, EMAIL, PASSWORD).await;
    assert_eq!(to_consent.status(), 303);
    assert_ne!(browser.cookie.as_deref(), Some(before_login.as_str()), "a new session id at login");
    let consent = browser.consent_page(&to_consent).await;
    assert!(consent.contains(r#"name="decision" value="approve""#));
    assert!(consent.contains(r#"name="decision" value="deny""#));
    assert!(consent.contains("See your email address"), "scopes in plain words: {consent}");
    let answer = browser.decide(&to_consent, "approve").await;
    assert_eq!(answer.status(), 303, "303 after the consent POST");
    let params = client_redirect(&answer, REDIRECT_URI);
    assert_eq!(params["state"], "st@te with spaces & symbols", "state byte for byte");
    assert_eq!(params["iss"], ISSUER, "RFC 9207");
    assert_eq!(params["code"].len(), 43, "256 bits, base64url");

    // The code is stored as a digest, bound to the request, and lives 60 s.
    let (store, _) = auth_server::app::open_store(&app.config).await.unwrap();
    let code = params["code"].as_str();
    let Consumed::Now(stored) = store.consume(&CodeDigest::of(code), app.clock.now()).await.unwrap() else {
        panic!("the code is stored")
    };
    assert_eq!(stored.client_id.as_str(), seed.client_id);
    assert_eq!(stored.redirect_uri, REDIRECT_URI);
    assert_eq!(stored.nonce.as_deref(), Some("n-0S6_WzA2Mj"));
    assert_eq!(stored.code_challenge.unwrap().as_str(), CHALLENGE);
    assert_eq!(stored.expires_at - stored.issued_at, Duration::seconds(60));
    assert_eq!(stored.auth_time, app.clock.now());
}

#[tokio::test]
async fn sqlite_full_flow_redirects_with_code_state_and_iss() {
    happy_path(&spawn_app().await).await;
}

#[tokio::test]
async fn postgres_full_flow_redirects_with_code_state_and_iss() {
    if let Some(db) = TestDatabase::postgres("postgres_full_flow_redirects_with_code_state_and_iss") {
        happy_path(&spawn_app_on(db).await).await;
    }
}

#[tokio::test]
async fn consent_is_remembered_and_asked_again_for_a_new_scope() {
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::approved(&app, &seed).await;

    let again = browser.authorize(&seed, &[]).await;
    assert_eq!(again.status(), 302, "same scopes: straight back with a code (302 after GET)");
    assert!(client_redirect(&again, REDIRECT_URI).contains_key("code"));

    let wider = authorize_query(&seed, &[("scope", Some("openid email profile"))]);
    let page = browser.get(&format!("/oauth/authorize?{wider}")).await;
    assert_eq!(page.status(), 200, "a new scope shows the consent page again");
    let html = page.text().await.unwrap();
    assert_eq!(html.matches(r#"class="new""#).count(), 1, "only the new scope is marked: {html}");

    let forced = authorize_query(&seed, &[("prompt", Some("consent"))]);
    let page = browser.get(&format!("/oauth/authorize?{forced}")).await;
    assert_eq!(page.status(), 200, "prompt=consent always asks");
    assert!(page.text().await.unwrap().contains(r#"value="approve""#));
}

#[tokio::test]
async fn skip_consent_clients_never_show_the_page() {
    let (app, seed) = seeded_app_with(|spec| spec.skip_consent = true).await;
    let mut browser = Browser::new(&app);
    let answer = browser.sign_in(&authorize_query(&seed, &[])).await;
    assert!(client_redirect(&answer, REDIRECT_URI).contains_key("code"), "login, then straight back");
}

#[tokio::test]
async fn registered_query_is_preserved_and_redirect_uri_may_be_omitted_only_when_unique() {
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::new(&app);
    let query = authorize_query(&seed, &[("redirect_uri", Some("https://rp.example/cb2?tenant=7"))]);
    let answer = browser.full_flow(&query).await;
    let params = client_redirect(&answer, "https://rp.example/cb2?tenant=7&");
    assert_eq!(params["tenant"], "7");
    let omitted = browser.authorize(&seed, &[("redirect_uri", None)]).await;
    assert_eq!(omitted.status(), 400, "two registered: redirect_uri is required");
}

#[tokio::test]
async fn prompt_none_max_age_and_prompt_login() {
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::new(&app);
    let none = browser.authorize(&seed, &[("prompt", Some("none"))]).await;
    assert_eq!(none.status(), 302);
    let params = client_redirect(&none, REDIRECT_URI);
    assert_eq!(params["error"], "login_required");
    assert_eq!(params["state"], "st@te with spaces & symbols");

    browser.full_flow(&authorize_query(&seed, &[])).await;
    let silent = browser.authorize(&seed, &[("prompt", Some("none"))]).await;
    assert!(
        client_redirect(&silent, REDIRECT_URI).contains_key("code"),
        "prompt=none with a session succeeds"
    );

    app.clock.advance(Duration::seconds(100));
    let fresh = browser.authorize(&seed, &[("max_age", Some("1000"))]).await;
    assert_eq!(fresh.status(), 302, "login within max_age");
    let stale = browser.authorize(&seed, &[("max_age", Some("60"))]).await;
    assert_eq!(stale.status(), 200, "login older than max_age: the login page");
    let login = browser.authorize(&seed, &[("prompt", Some("login"))]).await;
    assert_eq!(login.status(), 200, "prompt=login: the login page");
    let hinted = authorize_query(&seed, &[("login_hint", Some("grace@example.com"))]);
    let html = Browser::new(&app).login_page(&hinted).await;
    assert!(html.contains(r#"value="grace@example.com""#), "login_hint pre-fills the username");
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server() {
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::approved(&app, &seed).await;
    let signed_in_cookie = browser.cookie.clone().unwrap();
    let page = browser.get("/logout").await.text().await.unwrap();
    assert!(page.contains(EMAIL));
    let forged = browser.post("/logout", &[("csrf_token", "forged")]).await;
    assert_eq!(forged.status(), 403, "logout is CSRF-protected");
    let csrf = Form::read(&page).get("csrf_token").to_owned();
    let out = browser.post("/logout", &[("csrf_token", &csrf)]).await;
    assert_eq!(out.status(), 200);
    assert!(browser.cookie.is_none(), "the cookie is cleared");
    // The old cookie, replayed, no longer signs anyone in.
    browser.cookie = Some(signed_in_cookie);
    let none = browser.authorize(&seed, &[("prompt", Some("none"))]).await;
    assert_eq!(client_redirect(&none, REDIRECT_URI)["error"], "login_required");
}

#[tokio::test]
async fn expired_codes_are_dead_and_purged_by_the_janitor() {
    let (app, seed) = seeded_app().await;
    let answer = Browser::new(&app).full_flow(&authorize_query(&seed, &[])).await;
    let code = client_redirect(&answer, REDIRECT_URI)["code"].clone();
    // The app's event writer is idle before this store writes beside it:
    // SQLite refuses a transaction that read before another connection wrote.
    app.events.flush().await;
    let (store, _) = auth_server::app::open_store(&app.config).await.unwrap();
    app.clock.advance(Duration::seconds(60));
    // At its expiry the code is dead (the token endpoint checks this with the same clock).
    let Consumed::Now(expired) = store.consume(&CodeDigest::of(&code), app.clock.now()).await.unwrap() else {
        panic!("the code is stored")
    };
    assert!(!expired.is_live_at(app.clock.now()));
    assert!(expired.is_live_at(app.clock.now() - Duration::seconds(1)), "alive one second before");
    let retention = auth_server::app::retention_service(&app.config, &store, app.clock.clone());
    // Spent codes are kept a day past expiry to recognise replays, then purged.
    let before_a_day = auth_server::janitor::sweep_rows(&retention).await;
    assert!(matches!(
        store.consume(&CodeDigest::of(&code), app.clock.now()).await.unwrap(),
        Consumed::Already(_)
    ));
    app.clock.advance(Duration::days(1));
    let removed = auth_server::janitor::sweep_rows(&retention).await;
    assert!(removed > before_a_day, "the expired code is purged a day after its expiry");
    assert!(matches!(
        store.consume(&CodeDigest::of(&code), app.clock.now()).await.unwrap(),
        Consumed::Unknown
    ));
}

#[tokio::test]
async fn pages_carry_the_anti_framing_and_no_cache_headers() {
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::new(&app);
    let page = browser.authorize(&seed, &[]).await;
    let header = |name: &str| page.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(header("x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(header("referrer-policy").as_deref(), Some("no-referrer"));
    assert_eq!(header("cache-control").as_deref(), Some("no-store"));
    let csp = header("content-security-policy").unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("form-action"), "{csp}");
    assert!(header("access-control-allow-origin").is_none(), "no CORS on /authorize");
}
