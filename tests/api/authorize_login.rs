//! The login and consent forms under attack: CSRF, enumeration, brute force,
//! session fixation, lost requests.

use time::Duration;

use crate::support::browser::{Browser, Form, authorize_query, client_redirect, location};
use crate::support::seed::{EMAIL, PASSWORD, REDIRECT_URI, seeded_app};

#[tokio::test]
async fn unknown_user_wrong_password_and_disabled_user_get_identical_answers() {
    let (app, seed) = seeded_app().await;
    let (store, _) = auth_server::app::open_store(&app.config).await.unwrap();
    let users = auth_server::app::user_service(&app.config, store).unwrap();
    users
        .create(oauth_core::service::users::NewUser {
            email: "off@example.com".into(),
            display_name: "Off".into(),
            password: secrecy::SecretString::from(PASSWORD.to_owned()),
            email_verified: true,
        })
        .await
        .unwrap();
    users.disable("off@example.com").await.unwrap();
    let mut browser = Browser::new(&app);
    let html = browser.login_page(&authorize_query(&seed, &[])).await;
    let mut answers = Vec::new();
    for (username, password) in
        [("nobody@example.com", PASSWORD), (EMAIL, "wrong password"), ("off@example.com", PASSWORD)]
    {
        let response = browser.submit_login(&html, username, password).await;
        let status = response.status();
        // The form echoes what was typed; everything else must be the same.
        let body = response.text().await.unwrap().replace(username, "USERNAME");
        assert!(body.contains("The email or password is not correct."));
        answers.push((status, body));
    }
    assert_eq!(answers[0], answers[1], "unknown user vs wrong password");
    assert_eq!(answers[1], answers[2], "wrong password vs disabled user");
}

#[tokio::test]
async fn the_account_is_locked_after_too_many_failures_until_the_window_passes() {
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::new(&app);
    let html = browser.login_page(&authorize_query(&seed, &[])).await;
    for attempt in 1..=5 {
        let response = browser.submit_login(&html, EMAIL, "wrong password").await;
        assert_eq!(response.status(), 200, "failure {attempt}");
    }
    let locked = browser.submit_login(&html, EMAIL, PASSWORD).await;
    assert_eq!(locked.status(), 429, "the 6th attempt is refused even with the right password");
    let body = locked.text().await.unwrap();
    assert!(body.contains("Too many failed attempts") && !body.contains("not correct"));
    // Another browser (same address) is refused too: the counter is in the database.
    let mut other = Browser::new(&app);
    let other_html = other.login_page(&authorize_query(&seed, &[])).await;
    assert_eq!(other.submit_login(&other_html, EMAIL, PASSWORD).await.status(), 429);
    app.clock.advance(Duration::minutes(15));
    let html = browser.login_page(&authorize_query(&seed, &[])).await;
    assert_eq!(browser.submit_login(&html, EMAIL, PASSWORD).await.status(), 303, "window passed");
}

#[tokio::test]
async fn the_login_form_needs_its_csrf_token() {
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::new(&app);
    let html = browser.login_page(&authorize_query(&seed, &[])).await;
    let form = Form::read(&html);
    let mut other = Browser::new(&app);
    let other_token =
        Form::read(&other.login_page(&authorize_query(&seed, &[])).await).get("csrf_token").to_owned();
    for (name, token) in [
        ("missing", ""),
        ("wrong", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        ("another session's", other_token.as_str()),
    ] {
        let fields = form.submission(&[("csrf_token", token), ("username", EMAIL), ("password", PASSWORD)]);
        let response = browser.post("/login", &fields).await;
        assert_eq!(response.status(), 403, "{name} token");
        assert!(response.headers().get("set-cookie").is_none(), "{name}: no session created");
    }
}

#[tokio::test]
async fn the_consent_form_needs_its_csrf_token() {
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::new(&app);
    let to_consent = browser.sign_in(&authorize_query(&seed, &[])).await;
    let html = browser.consent_page(&to_consent).await;
    let form = Form::read(&html);
    for token in ["", "forged"] {
        let response = browser
            .post("/consent", &form.submission(&[("csrf_token", token), ("decision", "approve")]))
            .await;
        assert_eq!(response.status(), 403);
        assert!(response.headers().get("location").is_none(), "no code without the token");
    }
    let bad_decision = browser.post("/consent", &form.submission(&[("decision", "maybe")])).await;
    assert_eq!(bad_decision.status(), 400);
}

#[tokio::test]
async fn a_repeated_parameter_at_the_login_or_consent_page_is_refused_and_loses_nothing() {
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::new(&app);
    let to_consent = browser.sign_in(&authorize_query(&seed, &[])).await;
    let consent_path = location(&to_consent);
    let query = consent_path.strip_prefix("/consent?").unwrap();
    // RFC 6749 §3.1: the real handle last, so that keeping the last value would show the page.
    for page in ["/consent", "/login"] {
        let response = browser.get(&format!("{page}?request=forged&{query}")).await;
        assert_eq!(response.status(), 400, "{page}");
        let html = response.text().await.unwrap();
        assert!(html.contains("request appears more than once"), "{page}: {html}");
    }
    let html = browser.consent_page(&to_consent).await;
    let form = Form::read(&html);
    let twice = browser
        .post(
            "/consent",
            &[
                ("csrf_token", form.get("csrf_token")),
                ("request", form.get("request")),
                ("client_id", form.get("client_id")),
                ("decision", "deny"),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(twice.status(), 400);
    assert!(twice.headers().get("location").is_none(), "neither decision is taken");
    assert!(twice.text().await.unwrap().contains("decision appears more than once"));

    let answer = browser.decide(&to_consent, "approve").await;
    assert!(client_redirect(&answer, REDIRECT_URI).contains_key("code"), "the request is still pending");
}

#[tokio::test]
async fn the_pre_login_session_id_is_useless_after_login() {
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::new(&app);
    let html = browser.login_page(&authorize_query(&seed, &[])).await;
    let planted = browser.cookie.clone().unwrap();
    browser.submit_login(&html, EMAIL, PASSWORD).await;
    let mut attacker = Browser::new(&app);
    attacker.cookie = Some(planted);
    let none = attacker.authorize(&seed, &[("prompt", Some("none"))]).await;
    assert_eq!(client_redirect(&none, REDIRECT_URI)["error"], "login_required");
}

#[tokio::test]
async fn a_lost_or_expired_request_shows_start_again_with_a_link_back() {
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::new(&app);
    let html = browser.login_page(&authorize_query(&seed, &[])).await;
    app.clock.advance(Duration::minutes(11));
    let response = browser.submit_login(&html, EMAIL, PASSWORD).await;
    assert_eq!(response.status(), 400);
    let page = response.text().await.unwrap();
    assert!(page.contains("Please start again"), "{page}");
    assert!(page.contains(r#"href="https://rp.example/""#), "links back to the client: {page}");

    let mut cookieless = Browser::new(&app);
    let html = cookieless.login_page(&authorize_query(&seed, &[])).await;
    cookieless.cookie = None;
    let response = cookieless.submit_login(&html, EMAIL, PASSWORD).await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("Please start again"));
}
