//! What a stolen copy of the database gives away (RFC 6749 §10.3, §10.4:
//! tokens kept confidential in storage; docs/SECURITY.md): after a full code
//! flow with a refresh, the SQLite file holds digests of the codes, tokens and
//! session cookies, never the values themselves.

use oauth_core::code::CodeDigest;
use oauth_core::refresh::RefreshDigest;
use oauth_core::session::SessionDigest;
use oauth_store_diesel::DatabaseUrl;

use crate::support::app::TestApp;
use crate::support::browser::{Browser, Form, authorize_query, client_redirect};
use crate::support::seed::{EMAIL, PASSWORD, REDIRECT_URI, confidential, seeded_app_with};
use crate::support::token::{VERIFIER, token};

/// Every byte SQLite keeps for the database: the file and its write-ahead
/// log, where committed rows stay until a checkpoint copies them over.
fn database_bytes(app: &TestApp) -> Vec<u8> {
    let DatabaseUrl::Sqlite(path) = app.db.url() else { panic!("a SQLite test database") };
    let mut bytes = std::fs::read(path).unwrap();
    for suffix in ["-wal", "-shm"] {
        let mut side = path.clone().into_os_string();
        side.push(suffix);
        if let Ok(more) = std::fs::read(&side) {
            bytes.extend(more);
        }
    }
    bytes
}

fn holds(bytes: &[u8], text: &str) -> bool {
    bytes.windows(text.len()).any(|window| window == text.as_bytes())
}

#[tokio::test]
async fn the_database_holds_digests_of_codes_tokens_and_sessions_never_the_values() {
    let (app, seed) = seeded_app_with(confidential).await;
    let client_secret = seed.secret.clone().unwrap();
    let mut browser = Browser::new(&app);
    let query = authorize_query(&seed, &[("scope", Some("openid email offline_access"))]);
    let html = browser.login_page(&query).await;
    let anonymous_cookie = browser.cookie.clone().unwrap();
    let pending_request = Form::read(&html).get("request").to_owned();
    let to_consent = browser.submit_login(&html, EMAIL, PASSWORD).await;
    let session_cookie = browser.cookie.clone().unwrap();
    let approved = browser.decide(&to_consent, "approve").await;
    let code = client_redirect(&approved, REDIRECT_URI)["code"].clone();
    let fields = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", VERIFIER),
    ];
    let basic = Some((seed.client_id.as_str(), client_secret.as_str()));
    let first = token(&app, &fields, basic).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let refresh_fields = [("grant_type", "refresh_token"), ("refresh_token", &first.field("refresh_token"))];
    let second = token(&app, &refresh_fields, basic).await;
    assert_eq!(second.status, 200, "{}", second.body);

    let bytes = database_bytes(&app);
    // The dump sees the rows this flow wrote: their digests are there.
    for (name, digest) in [
        ("code", CodeDigest::of(&code).to_hex()),
        ("refresh token", RefreshDigest::of(&second.field("refresh_token")).to_hex()),
        ("session cookie", SessionDigest::of(&session_cookie).to_hex()),
    ] {
        assert!(holds(&bytes, &digest), "the {name}'s digest is stored");
    }
    let values = [
        ("authorization code", code.clone()),
        ("first refresh token", first.field("refresh_token")),
        ("rotated refresh token", second.field("refresh_token")),
        ("first access token", first.field("access_token")),
        ("second access token", second.field("access_token")),
        ("ID token", first.field("id_token")),
        ("session cookie before login", anonymous_cookie),
        ("session cookie after login", session_cookie),
        ("pending authorization handle", pending_request),
        ("client secret", client_secret.clone()),
        ("password", PASSWORD.to_owned()),
    ];
    for (name, value) in values {
        assert!(value.len() >= 16, "{name} is a real value: {value:?}");
        assert!(!holds(&bytes, &value), "the raw {name} is in the database file");
    }
}
