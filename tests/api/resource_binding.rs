//! Tokens bound to the API they are for (RFC 8707): the `resource`
//! parameter at the authorization and token endpoints, through the real
//! server. One resource per access token (`aud` its URI, its lifetime and
//! algorithm), narrowing at the token endpoint and on refresh, never
//! widening; consent per API; `invalid_target` and `invalid_scope` for what
//! may not be asked; introspection answers with the resource as `aud`.

use std::sync::Arc;

use auth_server::app::open_store;
use oauth_core::service::resources::{NewResource, ResourceService};
use reqwest::StatusCode;

use crate::support::app::{TestApp, spawn_app_with};
use crate::support::browser::{Browser, authorize_query, client_redirect, location};
use crate::support::seed::{REDIRECT_URI, Seed, confidential, register, seed_with};
use crate::support::token::{
    Answer, VERIFIER, borrowed, code_for_query, exchange, introspect, refresh_fields, token, userinfo_at,
    verify,
};

const CALENDAR: &str = "https://calendar.example.com/";
const PAYROLL: &str = "https://payroll.example.com";
const UNGRANTED: &str = "https://reports.example.com";

/// The server with three registered APIs (the calendar's tokens live five
/// minutes and are signed RS256) and a public client that may ask for all three.
async fn app_with_apis() -> (TestApp, Seed) {
    let app = spawn_app_with(oauth_store_diesel::testing::TestDatabase::sqlite(), |raw| {
        for (scope, words) in [
            ("calendar:read", "See your calendar"),
            ("payroll:read", "See your payslips"),
            ("reports:read", "See reports"),
        ] {
            raw.sign_in.api_scopes.insert(scope.into(), words.into());
        }
    })
    .await;
    let (store, _) = open_store(&app.config).await.unwrap();
    let store = Arc::new(store);
    let resources =
        ResourceService::new(store.clone(), store, app.clock.clone(), Arc::new(app.config.scopes.clone()));
    for (uri, name, scope) in [
        (CALENDAR, "Calendar API", "calendar:read"),
        (PAYROLL, "Payroll API", "payroll:read"),
        (UNGRANTED, "Reports API", "reports:read"),
    ] {
        let tuned = uri == CALENDAR;
        resources
            .create(&NewResource {
                uri: uri.into(),
                name: name.into(),
                scopes: vec![scope.into()],
                access_token_ttl: tuned.then(|| time::Duration::minutes(5)),
                access_token_alg: tuned.then(|| "RS256".to_owned()),
                ..NewResource::default()
            })
            .await
            .unwrap();
    }
    let seed = seed_with(&app, |spec| {
        spec.scopes.extend(["calendar:read", "payroll:read", "reports:read"].map(String::from));
        spec.resources = vec![CALENDAR.into(), PAYROLL.into(), UNGRANTED.into()];
    })
    .await;
    (app, seed)
}

/// An authorization query for `scope` naming each of `resources`.
fn query_with(seed: &Seed, scope: &str, resources: &[&str]) -> String {
    let mut query = authorize_query(seed, &[("scope", Some(scope))]);
    for resource in resources {
        query.push_str("&resource=");
        query.push_str(&url::form_urlencoded::byte_serialize(resource.as_bytes()).collect::<String>());
    }
    query
}

fn with_resources<'a>(fields: &[(&'a str, &'a str)], resources: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    let mut all = fields.to_vec();
    all.extend(resources.iter().map(|r| ("resource", *r)));
    all
}

async fn aud_and_scope(app: &TestApp, answer: &Answer) -> (String, String) {
    assert_eq!(answer.status, 200, "{}", answer.body);
    let (claims, _) = verify(app, &answer.field("access_token")).await;
    let aud = claims.claim("aud").and_then(|a| a.as_str()).unwrap().to_owned();
    (aud, claims.claim("scope").and_then(|s| s.as_str()).unwrap().to_owned())
}

#[tokio::test]
async fn each_token_is_for_one_granted_resource_and_a_refresh_narrows_never_widens() {
    let (app, seed) = app_with_apis().await;
    let mut browser = Browser::new(&app);
    let scope = "openid offline_access calendar:read payroll:read";
    let code = code_for_query(&mut browser, &query_with(&seed, scope, &[CALENDAR, PAYROLL])).await;

    let exchange_fields = exchange(&seed.client_id, &code);
    let first = token(&app, &with_resources(&exchange_fields, &[CALENDAR]), None).await;
    assert_eq!(
        aud_and_scope(&app, &first).await,
        (CALENDAR.into(), "calendar:read offline_access openid".into())
    );
    assert_eq!(first.body["expires_in"], 300, "the calendar's own lifetime");
    let (_, header) = verify(&app, &first.field("access_token")).await;
    assert_eq!(header["alg"], "RS256", "the calendar's own algorithm");
    assert_eq!(
        first.body["scope"], "calendar:read offline_access openid",
        "RFC 6749 §5.1: the token's scope"
    );

    let mut refresh = first.field("refresh_token");
    for (resource, expected_aud, expected_scope) in [
        (Some(PAYROLL), PAYROLL.to_owned(), "offline_access openid payroll:read"),
        (None, app.config.tokens.audience.clone(), "offline_access openid"),
        (Some(CALENDAR), CALENDAR.to_owned(), "calendar:read offline_access openid"),
    ] {
        let fields = refresh_fields(&seed.client_id, &refresh, None);
        let answer =
            token(&app, &with_resources(&borrowed(&fields), &resource.into_iter().collect::<Vec<_>>()), None)
                .await;
        assert_eq!(aud_and_scope(&app, &answer).await, (expected_aud, expected_scope.into()), "{resource:?}");
        refresh = answer.field("refresh_token");
    }

    // Never wider than what was granted, and one API per token; the refused
    // request leaves the refresh token usable.
    for (what, resources) in [("not granted", vec![UNGRANTED]), ("two at once", vec![CALENDAR, PAYROLL])] {
        let fields = refresh_fields(&seed.client_id, &refresh, None);
        let refused = token(&app, &with_resources(&borrowed(&fields), &resources), None).await;
        assert_eq!((refused.status, refused.error()), (StatusCode::BAD_REQUEST, "invalid_target"), "{what}");
    }
    let fields = refresh_fields(&seed.client_id, &refresh, None);
    assert_eq!(token(&app, &borrowed(&fields), None).await.status, 200, "still usable after the refusals");
}

#[tokio::test]
async fn a_code_for_one_resource_refuses_another_at_the_token_endpoint() {
    let (app, seed) = app_with_apis().await;
    let mut browser = Browser::new(&app);
    let code = code_for_query(&mut browser, &query_with(&seed, "openid calendar:read", &[CALENDAR])).await;
    let fields = exchange(&seed.client_id, &code);
    let refused = token(&app, &with_resources(&fields, &[PAYROLL]), None).await;
    assert_eq!(refused.error(), "invalid_target", "{}", refused.body);
    let malformed_code =
        code_for_query(&mut browser, &query_with(&seed, "openid calendar:read", &[CALENDAR])).await;
    let malformed =
        token(&app, &with_resources(&exchange(&seed.client_id, &malformed_code), &["/calendar"]), None).await;
    assert_eq!(malformed.error(), "invalid_target");
    let kept = token(&app, &exchange(&seed.client_id, &malformed_code), None).await;
    assert_eq!(kept.status, 200, "a malformed resource is refused before the code is spent: {}", kept.body);
    // A resource that was not granted is known only with the code's record:
    // the code is spent, as after a wrong verifier (RFC 6749 §4.1.2).
    let spent = token(&app, &exchange(&seed.client_id, &code), None).await;
    assert_eq!(spent.error(), "invalid_grant");
}

#[tokio::test]
async fn the_authorization_endpoint_refuses_what_may_not_be_asked_at_the_redirect_uri() {
    let (app, seed) = app_with_apis().await;
    let mut browser = Browser::approved(&app, &seed).await;
    let other = register(&app, "Other", |_| {}).await;
    for (what, query, error) in [
        ("a relative URI", query_with(&seed, "openid", &["/calendar"]), "invalid_target"),
        ("a fragment", query_with(&seed, "openid", &["https://calendar.example.com/#x"]), "invalid_target"),
        (
            "a resource this client may not ask for",
            query_with(&other, "openid", &[CALENDAR]),
            "invalid_target",
        ),
        (
            "a resource scope without its resource",
            query_with(&seed, "openid calendar:read", &[]),
            "invalid_scope",
        ),
        (
            "a resource scope with another resource",
            query_with(&seed, "openid calendar:read", &[PAYROLL]),
            "invalid_scope",
        ),
    ] {
        let response = browser.get(&format!("/oauth/authorize?{query}")).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{what}");
        let answer = client_redirect(&response, REDIRECT_URI);
        assert_eq!(answer["error"], error, "{what}: {answer:?}");
        assert!(answer.contains_key("state") && answer.contains_key("iss"), "{what}");
    }
}

#[tokio::test]
async fn consent_names_each_api_and_asks_again_for_a_new_one() {
    let (app, seed) = app_with_apis().await;
    let mut browser = Browser::new(&app);
    let to_consent = browser.sign_in(&query_with(&seed, "openid calendar:read", &[CALENDAR])).await;
    let page = browser.consent_page(&to_consent).await;
    assert!(page.contains("Calendar API") && page.contains(CALENDAR), "the API by name");
    assert!(!page.contains("Payroll API"));
    browser.decide(&to_consent, "approve").await;

    let again = browser
        .get(&format!("/oauth/authorize?{}", query_with(&seed, "openid calendar:read", &[CALENDAR])))
        .await;
    assert_eq!(again.status(), StatusCode::FOUND, "remembered: straight to the client");
    assert!(location(&again).starts_with(REDIRECT_URI));

    // Payroll has no scope in this request: consent is per API all the same.
    let wider = browser.get(&format!("/oauth/authorize?{}", query_with(&seed, "openid", &[PAYROLL]))).await;
    assert_eq!(wider.status(), StatusCode::OK, "a new API asks again: the consent page");
    let page = wider.text().await.unwrap();
    assert!(page.contains("Payroll API") && page.contains(r#"name="decision""#), "the new API is named");

    // OIDC Core §3.1.2.6: prompt=none cannot approve a new API silently.
    let silent = format!("{}&prompt=none", query_with(&seed, "openid", &[PAYROLL]));
    let refused = browser.get(&format!("/oauth/authorize?{silent}")).await;
    assert_eq!(client_redirect(&refused, REDIRECT_URI)["error"], "consent_required");
}

#[tokio::test]
async fn client_credentials_tokens_are_bound_and_introspected_with_their_resource() {
    let (app, _seed) = app_with_apis().await;
    let machine = register(&app, "Calendar sync", |spec| {
        confidential(spec);
        spec.redirect_uris = vec![];
        spec.grant_types = vec!["client_credentials".into()];
        spec.scopes = vec!["calendar:read".into()];
        spec.resources = vec![CALENDAR.into()];
    })
    .await;
    let credentials = machine.credentials();
    let bound =
        token(&app, &[("grant_type", "client_credentials"), ("resource", CALENDAR)], Some(credentials)).await;
    assert_eq!(aud_and_scope(&app, &bound).await, (CALENDAR.into(), "calendar:read".into()));

    let introspected = introspect(&app, &bound.field("access_token"), Some(credentials)).await;
    assert_eq!(introspected.body["active"], true, "{}", introspected.body);
    assert_eq!(introspected.body["aud"], CALENDAR, "RFC 7662 §2.2: the resource it is for");
    let userinfo = userinfo_at(&app.http, &app.address, &bound.field("access_token")).await;
    assert_eq!(userinfo.status, 401, "userinfo is not the calendar");

    let default_scope =
        token(&app, &[("grant_type", "client_credentials"), ("resource", CALENDAR)], Some(credentials)).await;
    assert_eq!(default_scope.body["scope"], "calendar:read", "no scope named: the resource's own");

    let cc = ("grant_type", "client_credentials");
    for (what, fields, error) in [
        ("its scope without the resource", vec![cc, ("scope", "calendar:read")], "invalid_scope"),
        ("a resource it may not ask for", vec![cc, ("resource", PAYROLL)], "invalid_target"),
        ("two resources at once", vec![cc, ("resource", CALENDAR), ("resource", PAYROLL)], "invalid_target"),
    ] {
        let refused = token(&app, &fields, Some(credentials)).await;
        assert_eq!(refused.error(), error, "{what}: {}", refused.body);
    }

    // RFC 7009: revoked, it is inactive at introspection like any other.
    let access = bound.field("access_token");
    let revoked = crate::support::token::revoke(&app, &[("token", access.as_str())], Some(credentials)).await;
    assert_eq!(revoked.status, 200);
    assert_eq!(introspect(&app, &access, Some(credentials)).await.body["active"], false);
}

#[tokio::test]
async fn without_any_resource_tokens_keep_the_default_audience() {
    let (app, seed) = app_with_apis().await;
    let mut browser = Browser::new(&app);
    let code = code_for_query(&mut browser, &query_with(&seed, "openid email offline_access", &[])).await;
    let fields = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", VERIFIER),
        ("client_id", seed.client_id.as_str()),
    ];
    let answer = token(&app, &fields, None).await;
    assert_eq!(aud_and_scope(&app, &answer).await.0, app.config.tokens.audience, "today's default audience");
    assert_eq!(userinfo_at(&app.http, &app.address, &answer.field("access_token")).await.status, 200);
}
