//! Optional OIDC parameters we do not act on are accepted and ignored (OIDC
//! Core §3.1.2.1, §5.2, §15.1; RFC 6749 §3.1): `ui_locales`,
//! `claims_locales`, `display`, `acr_values`, `login_hint` never cause an error
//! and the code flow completes.

use reqwest::StatusCode;

use crate::support::browser::{Browser, authorize_query, client_redirect, location};
use crate::support::seed::{EMAIL, PASSWORD, REDIRECT_URI, seeded_app};
use crate::support::token::{exchange, token};

type Row<'a> = (&'a str, &'a [(&'a str, Option<&'a str>)]);

const ROWS: &[Row] = &[
    ("ui_locales", &[("ui_locales", Some("fr-CA fr en"))]),
    ("claims_locales", &[("claims_locales", Some("de-CH de"))]),
    ("display=page", &[("display", Some("page"))]),
    ("display=popup", &[("display", Some("popup"))]),
    ("acr_values", &[("acr_values", Some("urn:mace:incommon:iap:silver 1"))]),
    ("login_hint", &[("login_hint", Some("someone.else@example.com"))]),
    (
        "all at once",
        &[
            ("ui_locales", Some("zz-ZZ")),
            ("claims_locales", Some("zz")),
            ("display", Some("popup")),
            ("acr_values", Some("0")),
            ("login_hint", Some(EMAIL)),
        ],
    ),
];

#[tokio::test]
async fn the_code_flow_succeeds_with_each_optional_parameter() {
    let (app, seed) = seeded_app().await;
    for (name, changes) in ROWS {
        let query = authorize_query(&seed, changes);
        // A fresh browser: the login page shows (no error), then the flow completes.
        let mut browser = Browser::new(&app);
        let html = browser.login_page(&query).await;
        let signed_in = browser.submit_login(&html, EMAIL, PASSWORD).await;
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER, "{name}");
        let answer = if location(&signed_in).starts_with("/consent?") {
            browser.decide(&signed_in, "approve").await
        } else {
            signed_in
        };
        let params = client_redirect(&answer, REDIRECT_URI);
        assert!(!params.contains_key("error"), "{name}: {params:?}");
        let tokens = token(&app, &exchange(&seed.client_id, &params["code"]), None).await;
        assert_eq!(tokens.status, StatusCode::OK, "{name}: {}", tokens.body);

        // Signed in, the same request is answered at once.
        let again = browser.get(&format!("/oauth/authorize?{query}")).await;
        assert_eq!(again.status(), StatusCode::FOUND, "{name}");
        assert!(client_redirect(&again, REDIRECT_URI).contains_key("code"), "{name}");
    }
}
