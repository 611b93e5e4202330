//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) at
//! `/oauth/logout`: a valid hint ends the session and returns to a registered
//! URI with `state`; without one the user confirms; an unregistered URI is
//! never redirected to.

use reqwest::StatusCode;

use crate::support::binary::{Binary, stderr, stdout};
use crate::support::browser::{
    Browser, Form, client_redirect, location, logout_query, session_is_live, signed_in,
};
use crate::support::seed::{seeded_app, seeded_app_with};

const BACK: &str = "https://rp.example/signed-out";

#[tokio::test]
async fn a_valid_hint_ends_the_session_and_returns_to_the_registered_uri_with_state() {
    let (app, seed) = seeded_app_with(|spec| spec.post_logout_redirect_uris = vec![BACK.into()]).await;
    let (mut browser, id_token) = signed_in(&app, &seed).await;
    let cookie = browser.cookie.clone().unwrap();
    assert!(session_is_live(&app, &seed, &cookie).await);

    let query =
        logout_query(&[("id_token_hint", &id_token), ("post_logout_redirect_uri", BACK), ("state", "a b&c")]);
    let response = browser.get(&format!("/oauth/logout?{query}")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(client_redirect(&response, BACK)["state"], "a b&c", "state byte for byte");
    assert!(browser.cookie.is_none(), "the cookie is cleared");
    assert!(!session_is_live(&app, &seed, &cookie).await, "ended on the server, not only in the browser");
}

#[tokio::test]
async fn without_a_hint_the_user_confirms_on_a_csrf_protected_page() {
    let (app, seed) = seeded_app_with(|spec| spec.post_logout_redirect_uris = vec![BACK.into()]).await;
    let (mut browser, _) = signed_in(&app, &seed).await;
    let cookie = browser.cookie.clone().unwrap();

    let query =
        logout_query(&[("client_id", &seed.client_id), ("post_logout_redirect_uri", BACK), ("state", "s1")]);
    let page = browser.get(&format!("/oauth/logout?{query}")).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let html = page.text().await.unwrap();
    assert!(html.contains("Sign out?") && html.contains("ada@example.com"), "{html}");
    assert!(session_is_live(&app, &seed, &cookie).await, "a bare link signs nobody out");

    let form = Form::read(&html);
    let fields = ["client_id", "post_logout_redirect_uri", "state"].map(|name| (name, form.get(name)));
    let mut forged = fields.to_vec();
    forged.push(("csrf_token", "forged"));
    assert_eq!(browser.post("/oauth/logout", &forged).await.status(), StatusCode::FORBIDDEN);
    assert!(session_is_live(&app, &seed, &cookie).await);

    let mut confirmed = fields.to_vec();
    confirmed.push(("csrf_token", form.get("csrf_token")));
    let response = browser.post("/oauth/logout", &confirmed).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), format!("{BACK}?state=s1"));
    assert!(!session_is_live(&app, &seed, &cookie).await);
}

#[tokio::test]
async fn an_unregistered_uri_or_a_forged_hint_is_refused_and_never_redirected_to() {
    let (app, seed) = seeded_app_with(|spec| spec.post_logout_redirect_uris = vec![BACK.into()]).await;
    let (mut browser, id_token) = signed_in(&app, &seed).await;
    let cookie = browser.cookie.clone().unwrap();
    let forged_hint = format!("{}x", &id_token[..id_token.len() - 1]);
    let refused = [
        logout_query(&[("id_token_hint", &id_token), ("post_logout_redirect_uri", "https://evil.example/")]),
        logout_query(&[("id_token_hint", &id_token), ("post_logout_redirect_uri", &format!("{BACK}/"))]),
        logout_query(&[("post_logout_redirect_uri", BACK)]),
        logout_query(&[("id_token_hint", &forged_hint), ("post_logout_redirect_uri", BACK)]),
        logout_query(&[
            ("id_token_hint", &id_token),
            ("client_id", "another-client"),
            ("post_logout_redirect_uri", BACK),
        ]),
        logout_query(&[("state", "1"), ("state", "2")]),
    ];
    for query in refused {
        let response = browser.get(&format!("/oauth/logout?{query}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        assert!(response.headers().get("location").is_none(), "{query}: never redirected");
    }
    assert!(session_is_live(&app, &seed, &cookie).await, "nothing was ended");
    // Without a URI to return to, a hint we cannot verify is a request to ask the user.
    for query in [
        logout_query(&[("id_token_hint", &forged_hint)]),
        logout_query(&[("id_token_hint", &id_token), ("client_id", "another-client")]),
    ] {
        let response = browser.get(&format!("/oauth/logout?{query}")).await;
        assert_eq!(response.status(), 200, "{query}");
        assert!(response.text().await.unwrap().contains("Sign out?"), "{query}: asked");
    }
    assert!(session_is_live(&app, &seed, &cookie).await, "still nothing ended");
    // Without a session there is nothing to end, and without a URI our own page says so.
    let response = Browser::new(&app).get("/oauth/logout").await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("You are signed out"));
}

#[tokio::test]
async fn logout_uris_are_managed_with_the_cli() {
    let (app, seed) = seeded_app().await;
    let binary = Binary::new();
    let url = app.db.url_text();
    let env = [("AUTH_DATABASE_URL", url.as_str())];
    let update =
        binary.run(&["clients", "update", &seed.client_id, "--post-logout-redirect-uri", BACK], &env, "");
    assert!(update.status.success(), "{}", stderr(&update));
    let show = binary.run(&["clients", "show", &seed.client_id, "--json"], &env, "");
    let shown: serde_json::Value = serde_json::from_str(&stdout(&show)).unwrap();
    assert_eq!(shown["post_logout_redirect_uris"], serde_json::json!([BACK]));
    assert_eq!(shown["may_introspect_any"], false, "off by default");
    let refused = binary.run(&["clients", "update", &seed.client_id, "--introspect-any", "true"], &env, "");
    assert!(!refused.status.success(), "a public client cannot introspect");
    assert!(stderr(&refused).contains("introspect"), "{}", stderr(&refused));

    let (mut browser, id_token) = signed_in(&app, &seed).await;
    let query = logout_query(&[("id_token_hint", &id_token), ("post_logout_redirect_uri", BACK)]);
    let response = browser.get(&format!("/oauth/logout?{query}")).await;
    assert_eq!(location(&response), BACK, "registered through the CLI");
}

#[tokio::test]
async fn a_form_posted_from_the_clients_site_is_turned_into_a_get_that_carries_the_cookie() {
    let (app, seed) = seeded_app_with(|spec| spec.post_logout_redirect_uris = vec![BACK.into()]).await;
    let (mut browser, id_token) = signed_in(&app, &seed).await;
    let cookie = browser.cookie.clone().unwrap();
    // A cross-site POST: the browser withholds the SameSite=Lax cookie.
    let fields = [("id_token_hint", id_token.as_str()), ("post_logout_redirect_uri", BACK), ("state", "p1")];
    let posted = app.http.post(format!("{}/oauth/logout", app.address)).form(&fields).send().await.unwrap();
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    let again = location(&posted);
    assert!(again.starts_with("/oauth/logout?"), "{again}");
    assert!(session_is_live(&app, &seed, &cookie).await, "nothing ended without the cookie");
    // The top-level GET that follows carries it.
    let response = browser.get(&again).await;
    assert_eq!(client_redirect(&response, BACK)["state"], "p1");
    assert!(!session_is_live(&app, &seed, &cookie).await);
}

#[tokio::test]
async fn a_cross_site_post_with_a_made_up_csrf_token_neither_ends_nor_clears_the_session() {
    let (app, seed) = seeded_app_with(|spec| spec.post_logout_redirect_uris = vec![BACK.into()]).await;
    let (_browser, id_token) = signed_in(&app, &seed).await;
    // Another site's form: our confirmation's field names, no cookie (SameSite=Lax withholds it).
    let fields = [("csrf_token", "made-up"), ("id_token_hint", id_token.as_str()), ("state", "p1")];
    let posted = app.http.post(format!("{}/oauth/logout", app.address)).form(&fields).send().await.unwrap();
    assert!(posted.headers().get("set-cookie").is_none(), "the browser's session cookie is left alone");
    assert_eq!(posted.status(), StatusCode::SEE_OTHER, "the same request as a GET, which carries the cookie");
    let again = location(&posted);
    assert!(again.starts_with("/oauth/logout?") && !again.contains("csrf_token"), "{again}");
}
