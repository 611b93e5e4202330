//! `/account`: the apps a user granted, with revoke; the signed-in
//! sessions, with "sign out everywhere else"; the password change; every
//! form CSRF-checked (docs/SECURITY.md § Account page).

use crate::support::account::{csrf, listed_apps, post, revoke, sign_in, signed_in_page};
use crate::support::app::{TestApp, spawn_app};
use crate::support::browser::Browser;
use crate::support::seed::{EMAIL, PASSWORD, Seed, confidential, seed_with};
use crate::support::token::{introspect, token, tokens_for};

const NEW_PASSWORD: &str = "a brand new passphrase";

/// The seeded confidential client's tokens, from a flow in `browser`: an
/// access token with a refresh family (`offline_access`) and one without.
struct AppTokens {
    with_family: String,
    without_family: String,
    refresh: String,
}

async fn app_tokens(app: &TestApp, browser: &mut Browser<'_>, seed: &Seed) -> AppTokens {
    let offline = tokens_for(app, browser, seed, "openid offline_access").await;
    assert_eq!(offline.status, 200, "{}", offline.body);
    let online = tokens_for(app, browser, seed, "openid").await;
    assert_eq!(online.status, 200, "{}", online.body);
    assert!(online.body.get("refresh_token").is_none());
    AppTokens {
        with_family: offline.field("access_token"),
        without_family: online.field("access_token"),
        refresh: offline.field("refresh_token"),
    }
}

async fn refreshed(app: &TestApp, seed: &Seed, refresh: &str) -> (u16, String) {
    let fields = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    let answer = token(app, &fields, Some(seed.credentials())).await;
    (answer.status.as_u16(), answer.body["error"].as_str().unwrap_or_default().to_owned())
}

async fn active(app: &TestApp, seed: &Seed, access: &str) -> bool {
    introspect(app, access, Some(seed.credentials())).await.body["active"] == true
}

#[tokio::test]
async fn the_page_lists_the_app_and_revoking_it_ends_its_tokens() {
    let app = spawn_app().await;
    let seed = seed_with(&app, confidential).await;
    let mut browser = Browser::new(&app);
    let tokens = app_tokens(&app, &mut browser, &seed).await;
    // "Last used" is read from the event table, written off the request path.
    app.events.flush().await;
    let html = browser.get("/account").await.text().await.unwrap();
    assert_eq!(listed_apps(&html), vec![seed.client_id.clone()], "{html}");
    assert!(html.contains("Billing &lt;App&gt;"), "the name, escaped: {html}");
    assert!(html.contains("last used"), "{html}");
    assert!(html.contains("(this browser)"), "{html}");

    let (status, after) = revoke(&mut browser, &html, &seed.client_id).await;
    assert_eq!(status, 200, "{after}");
    assert!(after.contains("no longer has access"), "{after}");
    assert!(listed_apps(&after).is_empty() && after.contains(r#"id="no-apps""#), "{after}");
    assert_eq!(refreshed(&app, &seed, &tokens.refresh).await, (400, "invalid_grant".to_owned()));
    assert!(!active(&app, &seed, &tokens.with_family).await, "died with its family");
    assert!(!active(&app, &seed, &tokens.without_family).await, "died by the revocation time");

    // The app may be let in again: the consent is asked for anew, and its
    // new tokens (issued a second later) live.
    app.clock.advance(time::Duration::seconds(1));
    let again = app_tokens(&app, &mut browser, &seed).await;
    assert!(active(&app, &seed, &again.without_family).await);
    assert!(active(&app, &seed, &again.with_family).await);

    app.events.flush().await;
    let kinds = event_kinds(&app).await;
    assert!(kinds.contains(&("consent_revoked".into(), None)), "{kinds:?}");
    assert!(kinds.contains(&("refresh_family_revoked".into(), Some("user_revoked".into()))), "{kinds:?}");
}

/// (kind, revocation reason) of every stored event.
async fn event_kinds(app: &TestApp) -> Vec<(String, Option<String>)> {
    use oauth_core::ports::SecurityEventRepository as _;
    let (store, _) = auth_server::app::open_store(&app.config).await.unwrap();
    let events = store.list(&oauth_core::security_event::EventFilter::default(), 1000).await.unwrap();
    events
        .into_iter()
        .map(|event| {
            let reason = event
                .details
                .reason
                .map(|reason| auth_server::security_events::reason_name(reason).to_owned());
            (event.kind.as_str().to_owned(), reason)
        })
        .collect()
}

/// Two browsers signed in as the user, the second holding the app's
/// tokens: (this browser, the other, the tokens, this browser's page).
async fn signed_in_twice<'a>(app: &'a TestApp, seed: &Seed) -> (Browser<'a>, Browser<'a>, AppTokens, String) {
    let (mut here, mut there) = (Browser::new(app), Browser::new(app));
    signed_in_page(&mut there, EMAIL, PASSWORD).await;
    let tokens = app_tokens(app, &mut there, seed).await;
    let html = signed_in_page(&mut here, EMAIL, PASSWORD).await;
    (here, there, tokens, html)
}

/// The password form of page `html`, filled in.
fn password_form(html: &str, current: &str, new: &str, confirmation: &str) -> Vec<(&'static str, String)> {
    vec![
        ("csrf_token", csrf(html)),
        ("current_password", current.to_owned()),
        ("new_password", new.to_owned()),
        ("confirm_password", confirmation.to_owned()),
    ]
}

#[tokio::test]
async fn signing_out_everywhere_else_keeps_only_this_browser() {
    let app = spawn_app().await;
    let seed = seed_with(&app, confidential).await;
    let (mut here, mut there, tokens, html) = signed_in_twice(&app, &seed).await;
    assert_eq!(html.matches("Signed in 20").count(), 2, "both sessions listed: {html}");

    let (status, after) =
        post(&mut here, "/account/sessions/end-others", &[("csrf_token", csrf(&html))]).await;
    assert_eq!(status, 200, "{after}");
    assert!(after.contains("Signed out everywhere else (1 session)"), "{after}");
    assert_eq!(after.matches("Signed in 20").count(), 1, "{after}");
    let elsewhere = there.get("/account").await.text().await.unwrap();
    assert!(elsewhere.contains("/account/login"), "the other browser must sign in again: {elsewhere}");
    let still = here.get("/account").await.text().await.unwrap();
    assert!(still.contains(r#"id="account-email""#), "this browser stays signed in: {still}");
    // The apps' tokens are theirs to keep: each is revoked on its own.
    assert_eq!(refreshed(&app, &seed, &tokens.refresh).await.0, 200);
}

#[tokio::test]
async fn a_password_change_needs_the_current_password_and_then_ends_everything_else() {
    let app = spawn_app().await;
    let seed = seed_with(&app, confidential).await;
    let (mut here, mut there, tokens, html) = signed_in_twice(&app, &seed).await;
    let change =
        |current: &str, new: &str, confirmation: &str| password_form(&html, current, new, confirmation);

    // Refused: each leaves everything as it was.
    let (status, wrong) =
        post(&mut here, "/account/password", &change("not it", NEW_PASSWORD, NEW_PASSWORD)).await;
    assert_eq!(status, 200);
    assert!(wrong.contains("current password is not correct"), "{wrong}");
    let (_, mismatch) =
        post(&mut here, "/account/password", &change(PASSWORD, NEW_PASSWORD, "something else")).await;
    assert!(mismatch.contains("confirmation differ"), "{mismatch}");
    let (_, short) = post(&mut here, "/account/password", &change(PASSWORD, "short", "short")).await;
    assert!(short.contains("new password was refused"), "{short}");
    assert_eq!(refreshed(&app, &seed, &tokens.refresh).await.0, 200, "nothing ended");
    let there_page = there.get("/account").await.text().await.unwrap();
    assert!(there_page.contains(r#"id="account-email""#), "nothing ended: {there_page}");

    let (status, changed) =
        post(&mut here, "/account/password", &change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD)).await;
    assert_eq!(status, 200, "{changed}");
    assert!(changed.contains("Your password was changed"), "{changed}");
    let still = here.get("/account").await.text().await.unwrap();
    assert!(still.contains(r#"id="account-email""#), "this browser stays signed in: {still}");
    let elsewhere = there.get("/account").await.text().await.unwrap();
    assert!(elsewhere.contains("/account/login"), "the other browser is signed out: {elsewhere}");
    assert_eq!(refreshed(&app, &seed, &tokens.refresh).await, (400, "invalid_grant".to_owned()));
    assert!(!active(&app, &seed, &tokens.with_family).await);
    assert!(!active(&app, &seed, &tokens.without_family).await);

    // A sign-in in the second of the sign-out counts as before it
    // (`User::login_is_current`); the next second's is current.
    app.clock.advance(time::Duration::seconds(1));
    let (_, old) = sign_in(&mut Browser::new(&app), EMAIL, PASSWORD).await;
    assert!(old.contains("is not correct"), "the old password is refused: {old}");
    signed_in_page(&mut Browser::new(&app), EMAIL, NEW_PASSWORD).await;
}

#[tokio::test]
async fn guessing_the_current_password_is_throttled_like_a_sign_in() {
    let app = spawn_app().await;
    seed_with(&app, confidential).await;
    let mut browser = Browser::new(&app);
    let html = signed_in_page(&mut browser, EMAIL, PASSWORD).await;
    let guess = |current: &str| password_form(&html, current, NEW_PASSWORD, NEW_PASSWORD);
    for n in 0..5 {
        let (status, page) = post(&mut browser, "/account/password", &guess(&format!("guess {n}"))).await;
        assert_eq!(status, 200, "guess {n}: {page}");
    }
    // Past the account's limit even the right password is refused.
    let (status, page) = post(&mut browser, "/account/password", &guess(PASSWORD)).await;
    assert_eq!(status, 429, "{page}");
    assert!(page.contains("Too many failed attempts"), "{page}");
    assert!(!page.contains("Your password was changed"));
}

#[tokio::test]
async fn account_forms_without_their_csrf_token_change_nothing() {
    let app = spawn_app().await;
    let seed = seed_with(&app, confidential).await;
    let mut browser = Browser::new(&app);
    let tokens = app_tokens(&app, &mut browser, &seed).await;
    for csrf_token in [String::new(), "A".repeat(43), "not base64!".to_owned()] {
        let revoking = [("csrf_token", csrf_token.clone()), ("client_id", seed.client_id.clone())];
        assert_eq!(post(&mut browser, "/account/apps/revoke", &revoking).await.0, 403);
        assert_eq!(post(&mut browser, "/account/sessions/end-others", &revoking[..1]).await.0, 403);
        let changing = [
            ("csrf_token", csrf_token),
            ("current_password", PASSWORD.to_owned()),
            ("new_password", NEW_PASSWORD.to_owned()),
            ("confirm_password", NEW_PASSWORD.to_owned()),
        ];
        assert_eq!(post(&mut browser, "/account/password", &changing).await.0, 403);
    }
    assert_eq!(refreshed(&app, &seed, &tokens.refresh).await.0, 200, "nothing revoked");
    assert!(active(&app, &seed, &tokens.without_family).await);
    assert_eq!(
        listed_apps(&browser.get("/account").await.text().await.unwrap()),
        vec![seed.client_id.clone()]
    );
    signed_in_page(&mut Browser::new(&app), EMAIL, PASSWORD).await;
}

#[tokio::test]
async fn without_a_session_the_forms_send_to_the_page_and_do_nothing() {
    let app = spawn_app().await;
    let seed = seed_with(&app, confidential).await;
    let mut browser = Browser::new(&app);
    let tokens = app_tokens(&app, &mut browser, &seed).await;
    // Without a cookie (as a form posted from another site arrives): sent
    // to the page's GET, and no cookie is set, so none is replaced.
    let revoking = [("csrf_token", String::new()), ("client_id", seed.client_id.clone())];
    for path in
        ["/account/login", "/account/apps/revoke", "/account/sessions/end-others", "/account/password"]
    {
        let pairs: Vec<(&str, &str)> = revoking.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = app.http.post(format!("{}{path}", app.address)).form(&pairs).send().await.unwrap();
        assert_eq!(answer.status(), 303, "{path}");
        assert_eq!(answer.headers()["location"], "/account", "{path}");
        assert!(answer.headers().get("set-cookie").is_none(), "{path}: no cookie set");
    }
    assert_eq!(refreshed(&app, &seed, &tokens.refresh).await.0, 200, "nothing revoked");
    let mut stranger = Browser::new(&app);
    let (status, refused) = sign_in(&mut stranger, EMAIL, "not the password").await;
    assert_eq!(status, 200);
    assert!(refused.contains("is not correct"), "{refused}");
    // An id that names no client, or a client the user never let in, is
    // answered with the page as it is: nothing named, nothing recorded.
    let page = signed_in_page(&mut stranger, EMAIL, PASSWORD).await;
    let other = crate::support::seed::register(&app, "Someone Else's App", |_| {}).await;
    for client_id in ["no-such-client", other.client_id.as_str()] {
        let (status, same) = revoke(&mut stranger, &page, client_id).await;
        assert_eq!(status, 200, "{same}");
        assert_eq!(listed_apps(&same), vec![seed.client_id.clone()]);
        assert!(!same.contains("no longer has access") && !same.contains("Someone Else"), "{same}");
    }
    app.events.flush().await;
    assert!(!event_kinds(&app).await.iter().any(|(kind, _)| kind == "consent_revoked"));
}
