//! Dynamic client registration (RFC 7591) through the real server: off by
//! default; `token` mode and its initial access tokens; the answer's
//! members; the template deciding what a client gets, whatever it asks;
//! and the per-address quota of `open` mode.

use auth_server::app::open_store;
use auth_server::config::RegistrationSetting;
use oauth_core::client::{ClientId, ClientOrigin};
use oauth_core::client_registration::RegistrationAccessDigest;
use oauth_core::ports::{ClientRegistrationRepository, ClientRepository};
use oauth_core::service::registration_tokens::RegistrationTokenService;
use oauth_store_diesel::testing::TestDatabase;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::app::spawn_app_with;
use crate::support::browser::Browser;
use crate::support::registration::{app_with_registration, call, initial_token, public_client, register};
use crate::support::seed::REDIRECT_URI;
use crate::support::token::{introspect, tokens_for};

#[tokio::test]
async fn registration_is_off_by_default_and_its_paths_do_not_exist() {
    let app = spawn_app_with(TestDatabase::sqlite(), |_| {}).await;
    let metadata: Value = app.get("/.well-known/openid-configuration").await.json().await.unwrap();
    assert!(metadata.get("registration_endpoint").is_none());
    for (method, path) in [
        (Method::POST, "/oauth/register"),
        (Method::GET, "/oauth/register"),
        (Method::GET, "/oauth/register/abc"),
        (Method::DELETE, "/oauth/register/abc"),
    ] {
        let reply = call(&app, method.clone(), path, Some("x"), Some(&public_client("A"))).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {path}");
    }
    // Not even a body too large for any endpoint tells that the path exists.
    let large =
        app.post_raw("/oauth/register", &[("content-type", "application/json")], vec![b' '; 64 * 1024]).await;
    assert_eq!(large.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn token_mode_needs_an_initial_access_token_for_each_registration() {
    let (app, _) = app_with_registration(TestDatabase::sqlite(), RegistrationSetting::Token, |_| {}).await;
    let metadata: Value = app.get("/.well-known/openid-configuration").await.json().await.unwrap();
    let issuer = metadata["issuer"].as_str().unwrap();
    assert_eq!(metadata["registration_endpoint"], format!("{issuer}/oauth/register"));

    for bearer in [None, Some("not-a-token")] {
        let refused = register(&app, &public_client("A"), bearer).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{bearer:?}");
        assert_eq!(refused.header("www-authenticate"), r#"Bearer error="invalid_token""#);
        assert_eq!(refused.error(), "invalid_token");
    }
    let token = initial_token(&app, 1).await;
    let form = app
        .post_raw("/oauth/register", &[("authorization", &format!("Bearer {token}"))], "redirect_uris=x")
        .await;
    assert_eq!(form.status(), StatusCode::BAD_REQUEST, "JSON only");
    assert_eq!(form.json::<Value>().await.unwrap()["error"], "invalid_client_metadata");

    let (store, _) = open_store(&app.config).await.unwrap();
    let tokens = RegistrationTokenService::new(
        std::sync::Arc::new(store.clone()),
        app.clock.clone(),
        std::sync::Arc::new(oauth_keys::OsRandom::new()),
    );
    let (revoked, revoked_value) = tokens.create(5, time::Duration::hours(1)).await.unwrap();
    tokens.revoke(&revoked.id.to_string()).await.unwrap();
    let (_, expiring) = tokens.create(5, time::Duration::minutes(1)).await.unwrap();
    app.clock.advance(time::Duration::seconds(61));
    for (name, value) in [("revoked", revoked_value.expose()), ("expired", expiring.expose())] {
        let refused = register(&app, &public_client("A"), Some(value)).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{name}");
    }

    let registered = register(&app, &public_client("A"), Some(&token)).await;
    assert_eq!(registered.status, StatusCode::CREATED, "{}", registered.body);
    assert_eq!(registered.header("cache-control"), "no-store");
    let again = register(&app, &public_client("B"), Some(&token)).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED, "one use, spent");

    let id = ClientId::parse(&registered.text("client_id")).unwrap();
    let stored = ClientRegistrationRepository::find(&store, &id).await.unwrap().unwrap();
    let rat = registered.text("registration_access_token");
    assert_eq!(stored.access_token, RegistrationAccessDigest::of(&rat), "its digest");
    assert_ne!(stored.access_token.to_hex(), rat);
    assert!(stored.initial_token.is_some(), "the token it spent, by id");
    assert_eq!(stored.registered_from, "127.0.0.1");
    assert_eq!(ClientRepository::find(&store, &id).await.unwrap().unwrap().origin, ClientOrigin::Dynamic);
}

#[tokio::test]
async fn the_answer_carries_every_member_and_a_secret_only_for_confidential_clients() {
    let (app, _) = app_with_registration(TestDatabase::sqlite(), RegistrationSetting::Open, |_| {}).await;
    let public = register(&app, &public_client("Public"), None).await;
    assert_eq!(public.status, StatusCode::CREATED, "{}", public.body);
    let id = public.text("client_id");
    assert!(!id.starts_with("https://") && !id.starts_with("http://"), "never a metadata document's id");
    assert!(
        public.body.get("client_secret").is_none() && public.body.get("client_secret_expires_at").is_none()
    );
    assert_eq!(public.text("registration_access_token").len(), 43, "256 bits, base64url");
    assert!(public.text("registration_client_uri").ends_with(&format!("/oauth/register/{id}")));
    assert!(public.body["client_id_issued_at"].is_i64());
    let expected = json!({
        "client_name": "Public", "redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
        "application_type": "web", "scope": "email openid"
    });
    for (member, value) in expected.as_object().unwrap() {
        assert_eq!(&public.body[member], value, "{member}");
    }

    let chosen = json!({"redirect_uris": [REDIRECT_URI], "client_secret": "chosen", "client_id": "C1"});
    let confidential = register(&app, &chosen, None).await;
    assert_eq!(confidential.status, StatusCode::CREATED);
    assert_ne!(confidential.text("client_secret"), "chosen", "the server makes the secret");
    assert_ne!(confidential.text("client_id"), "C1");
    assert_eq!(confidential.text("token_endpoint_auth_method"), "client_secret_basic", "RFC 7591 §2 default");
    assert_eq!(confidential.text("client_secret").len(), 43);
    assert_eq!(confidential.body["client_secret_expires_at"], 0, "does not expire");
}

#[tokio::test]
async fn the_template_refuses_or_narrows_whatever_widens_a_client() {
    let (app, registered) = app_with_registration(TestDatabase::sqlite(), RegistrationSetting::Open, |raw| {
        raw.self_asserted.registration_per_ip = 100;
        raw.self_asserted.registration_total = 100;
    })
    .await;
    let with = |member: &str, value: Value| {
        let mut body = json!({"redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "none"});
        body[member] = value;
        body
    };
    let metadata_refusals = [
        with("grant_types", json!(["client_credentials"])),
        with("grant_types", json!(["authorization_code", "password"])),
        with("grant_types", json!(["implicit"])),
        with("grant_types", json!(["urn:ietf:params:oauth:grant-type:device_code"])),
        with("token_endpoint_auth_method", json!("private_key_jwt")),
        with("token_endpoint_auth_method", json!("client_secret_jwt")),
        with("response_types", json!(["token"])),
        with("redirect_uris", json!("https://rp.example/cb")),
        json!({"redirect_uris": [REDIRECT_URI], "jwks": {"keys": []}, "jwks_uri": "https://rp.example/jwks"}),
        json!([REDIRECT_URI]),
    ];
    for body in &metadata_refusals {
        let refused = register(&app, body, None).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(refused.error(), "invalid_client_metadata", "{body}: {}", refused.body);
    }
    let redirect_refusals = [
        "http://rp.example/cb",
        "https://rp.example/cb#f",
        "https://*.rp.example/cb",
        "https://u:p@rp.example/cb",
        "http://localhost:5000/cb",
        "myapp://cb",
        "javascript:alert(1)",
    ];
    for uri in redirect_refusals {
        let refused = register(&app, &with("redirect_uris", json!([uri])), None).await;
        assert_eq!(
            (refused.status, refused.error()),
            (StatusCode::BAD_REQUEST, "invalid_redirect_uri"),
            "{uri}"
        );
        assert!(
            refused.body["error_description"].as_str().unwrap().contains("redirect_uris"),
            "names the member"
        );
    }
    let none = register(&app, &json!({"client_name": "No redirect"}), None).await;
    assert_eq!((none.status, none.error()), (StatusCode::BAD_REQUEST, "invalid_redirect_uri"));
    let native = json!({"redirect_uris": ["http://127.0.0.1:5000/cb"], "application_type": "native"});
    assert_eq!(register(&app, &native, None).await.status, StatusCode::CREATED, "loopback, native");

    // Narrowed: scopes beyond the template dropped; server-owned members,
    // our flags and unknown members ignored.
    let asking = json!({
        "redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "none",
        "scope": "openid email admin offline_access", "client_id": registered.client_id,
        "client_secret": "chosen", "introspect_any": true, "skip_consent": true, "x-unknown": 1
    });
    let narrowed = register(&app, &asking, None).await;
    assert_eq!(narrowed.status, StatusCode::CREATED, "{}", narrowed.body);
    assert_eq!(narrowed.text("scope"), "email openid");
    assert_ne!(narrowed.text("client_id"), registered.client_id, "the server names it");
    assert!(narrowed.body.get("client_secret").is_none(), "no secret for a public client, chosen or not");
    assert!(narrowed.body.get("x-unknown").is_none() && narrowed.body.get("introspect_any").is_none());
    let (store, _) = open_store(&app.config).await.unwrap();
    let stored = ClientRepository::find(&store, &ClientId::parse(&narrowed.text("client_id")).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(!stored.metadata.may_introspect_any && !stored.metadata.skip_consent);

    // A confidential client asking to introspect everyone's tokens sees only its own.
    let snoop = json!({"redirect_uris": [REDIRECT_URI], "introspect_any": true, "may_introspect_any": true});
    let snoop = register(&app, &snoop, None).await;
    let access = tokens_for(&app, &mut Browser::new(&app), &registered, "openid").await.field("access_token");
    let credentials = (snoop.text("client_id"), snoop.text("client_secret"));
    let seen = introspect(&app, &access, Some((&credentials.0, &credentials.1))).await;
    assert_eq!(seen.body, json!({"active": false}));
}

#[tokio::test]
async fn open_mode_limits_a_burst_from_one_address() {
    let (app, _) = app_with_registration(TestDatabase::sqlite(), RegistrationSetting::Open, |raw| {
        raw.self_asserted.registration_per_ip = 3;
    })
    .await;
    for n in 0..3 {
        assert_eq!(register(&app, &public_client(&format!("C{n}")), None).await.status, StatusCode::CREATED);
    }
    let refused = register(&app, &public_client("C3"), None).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.header("retry-after").parse().unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
    app.clock.advance(time::Duration::hours(1));
    assert_eq!(register(&app, &public_client("C4"), None).await.status, StatusCode::CREATED, "a new window");
}
