//! A dynamically registered client's life through the real server: it
//! signs users in (asked every time, marked unverified); it reads, updates
//! and deletes its registration with a registration access token that
//! turns over on every call (RFC 7592); nobody else's token opens it; its
//! deletion ends what it was granted; the janitor deletes it when idle;
//! and an operator's client is unchanged beside it.

use auth_server::app::{open_store, retention_service};
use auth_server::config::RegistrationSetting;
use oauth_core::client::ClientId;
use oauth_core::ports::ClientRepository;
use oauth_store_diesel::testing::TestDatabase;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::binary::databases;
use crate::support::browser::{Browser, authorize_query, client_redirect};
use crate::support::documents::assert_error_page;
use crate::support::registration::{
    Reply, app_with_registration, call, configuration_path, initial_token, public_client, register,
};
use crate::support::seed::{REDIRECT_URI, Seed, register_machine};
use crate::support::token::{VERIFIER, exchange, introspect, refresh_fields, token, tokens_for, userinfo_at};

fn as_seed(registered: &Reply) -> Seed {
    Seed { client_id: registered.text("client_id"), secret: None }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registered_client_signs_in_then_reads_updates_and_deletes_itself() {
    for (backend, db) in databases("a_registered_client_signs_in_then_reads_updates_and_deletes_itself") {
        let (app, _) = app_with_registration(db, RegistrationSetting::Open, |raw| {
            raw.self_asserted.registration_scopes.push("offline_access".into());
        })
        .await;
        let mut asked = public_client("<b>Google</b>");
        asked["scope"] = json!("openid email offline_access");
        asked["logo_uri"] = json!("https://evil.example/logo.png");
        asked["policy_uri"] = json!("https://evil.example/policy");
        let registered = register(&app, &asked, None).await;
        assert_eq!(registered.status, StatusCode::CREATED, "{backend}: {}", registered.body);
        let (seed, id) = (as_seed(&registered), registered.text("client_id"));

        // Self-asserted: the consent page says so, escapes its name, shows
        // the redirect host and nothing of the hosts it named.
        let mut browser = Browser::new(&app);
        let query = authorize_query(&seed, &[("scope", Some("openid email offline_access"))]);
        let to_consent = browser.sign_in(&query).await;
        let html = browser.consent_page(&to_consent).await;
        assert!(
            html.contains("&lt;b&gt;Google&lt;/b&gt;") && !html.contains("<b>Google"),
            "{backend}: {html}"
        );
        assert!(html.contains(r#"id="unverified-client""#), "{backend}: marked unverified");
        assert!(html.contains(r#"<strong id="redirect-host">rp.example</strong>"#), "{backend}");
        assert!(!html.contains("evil.example"), "{backend}: no link or fetch of its URLs");
        let approved = browser.decide(&to_consent, "approve").await;
        let code = client_redirect(&approved, REDIRECT_URI)["code"].clone();
        let tokens = token(&app, &exchange(&id, &code), None).await;
        assert_eq!(tokens.status, StatusCode::OK, "{backend}: {}", tokens.body);
        let again = browser.get(&format!("/oauth/authorize?{query}")).await;
        assert_eq!(again.status(), StatusCode::OK, "{backend}: asked again, never remembered");
        assert!(again.text().await.unwrap().contains(r#"name="decision""#), "{backend}");

        // Read: the registration, with a new token; the old one is spent.
        let path = configuration_path(&registered);
        let first = registered.text("registration_access_token");
        let read = call(&app, Method::GET, &path, Some(&first), None).await;
        assert_eq!(read.status, StatusCode::OK, "{backend}: {}", read.body);
        assert_eq!((read.text("client_id"), read.header("cache-control")), (id.clone(), "no-store"));
        let second = read.text("registration_access_token");
        assert_ne!(second, first);
        assert_eq!(call(&app, Method::GET, &path, Some(&first), None).await.status, StatusCode::UNAUTHORIZED);

        // Update: refused whole when it widens or names another identity;
        // otherwise it replaces the registration and turns the token over.
        let replaced = |change: serde_json::Value| {
            let mut body = json!({
                "client_id": id, "redirect_uris": [REDIRECT_URI, "https://rp.example/other"],
                "token_endpoint_auth_method": "none", "client_name": "Renamed"
            });
            for (member, value) in change.as_object().unwrap() {
                body[member] = value.clone();
            }
            body
        };
        for (change, error) in [
            (json!({"grant_types": ["authorization_code", "client_credentials"]}), "invalid_client_metadata"),
            (json!({"redirect_uris": ["http://evil.example/cb"]}), "invalid_redirect_uri"),
            (json!({"client_secret": "mine"}), "invalid_client_metadata"),
            (json!({"client_id": "someone-else"}), "invalid_client_metadata"),
            (json!({"registration_access_token": second}), "invalid_client_metadata"),
        ] {
            let refused =
                call(&app, Method::PUT, &path, Some(&second), Some(&replaced(change.clone()))).await;
            assert_eq!(
                (refused.status, refused.error()),
                (StatusCode::BAD_REQUEST, error),
                "{backend}: {change}"
            );
        }
        let updated = call(&app, Method::PUT, &path, Some(&second), Some(&replaced(json!({})))).await;
        assert_eq!(updated.status, StatusCode::OK, "{backend}: {}", updated.body);
        assert_eq!(updated.text("client_name"), "Renamed");
        assert_eq!(updated.body["grant_types"], json!(["authorization_code"]), "{backend}: omitted, cleared");
        assert_eq!(updated.body["redirect_uris"].as_array().unwrap().len(), 2);
        let third = updated.text("registration_access_token");
        assert_eq!(
            call(&app, Method::GET, &path, Some(&second), None).await.status,
            StatusCode::UNAUTHORIZED
        );

        // Delete: 204, then the client and what it was granted are gone.
        let deleted = call(&app, Method::DELETE, &path, Some(&third), None).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{backend}");
        assert_eq!(call(&app, Method::GET, &path, Some(&third), None).await.status, StatusCode::UNAUTHORIZED);
        assert_error_page(Browser::new(&app).authorize(&seed, &[]).await, "deleted").await;
        let access = tokens.field("access_token");
        assert_eq!(userinfo_at(&app.http, &app.address, &access).await.status, StatusCode::UNAUTHORIZED);
        let refresh = tokens.field("refresh_token");
        let refused =
            token(&app, &crate::support::token::borrowed(&refresh_fields(&id, &refresh, None)), None).await;
        assert_eq!(
            (refused.status, refused.error()),
            (StatusCode::UNAUTHORIZED, "invalid_client"),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn a_registration_access_token_opens_only_its_own_client_and_only_here() {
    let (app, operators) =
        app_with_registration(TestDatabase::sqlite(), RegistrationSetting::Open, |_| {}).await;
    let (a, b) =
        (register(&app, &public_client("A"), None).await, register(&app, &public_client("B"), None).await);
    let path_a = configuration_path(&a);
    let rat_a = a.text("registration_access_token");
    let access_token =
        tokens_for(&app, &mut Browser::new(&app), &operators, "openid").await.field("access_token");
    for (name, bearer) in [
        ("B's token", Some(b.text("registration_access_token"))),
        ("an access token", Some(access_token)),
        ("an initial access token", Some(initial_token(&app, 5).await)),
        ("no token", None),
    ] {
        let refused = call(&app, Method::GET, &path_a, bearer.as_deref(), None).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{name}");
        assert_eq!(refused.header("www-authenticate"), r#"Bearer error="invalid_token""#, "{name}");
    }
    assert_eq!(
        userinfo_at(&app.http, &app.address, &rat_a).await.status,
        StatusCode::UNAUTHORIZED,
        "not here"
    );
    let machine = register_machine(&app, "Resource server").await;
    let inspected = introspect(&app, &rat_a, Some(machine.credentials())).await;
    assert_eq!(inspected.body, json!({"active": false}), "nor here");
    for method in [Method::POST, Method::PATCH] {
        let refused = call(&app, method.clone(), &path_a, Some(&rat_a), Some(&public_client("A"))).await;
        assert_eq!(refused.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(refused.header("allow"), "GET, PUT, DELETE");
    }
    // A body that is not metadata tells a caller without the token nothing.
    let garbage = app.http.put(format!("{}{path_a}", app.address)).body("{").send().await.unwrap();
    assert_eq!(garbage.status(), StatusCode::UNAUTHORIZED);
    let read = call(&app, Method::GET, &path_a, Some(&rat_a), None).await;
    assert_eq!(
        (read.status, read.text("client_name")),
        (StatusCode::OK, "A".to_owned()),
        "the owner's token works"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_updates_with_one_token_let_exactly_one_through() {
    let (app, _) = app_with_registration(TestDatabase::sqlite(), RegistrationSetting::Open, |_| {}).await;
    let registered = register(&app, &public_client("Racer"), None).await;
    let path = configuration_path(&registered);
    let rat = registered.text("registration_access_token");
    let mut body = public_client("Racer");
    body["client_id"] = json!(registered.text("client_id"));
    let url = format!("{}{path}", app.address);
    let racers: Vec<_> = (0..8)
        .map(|_| {
            let request = app.http.put(&url).bearer_auth(&rat).json(&body);
            tokio::spawn(async move { request.send().await.unwrap().status().as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for racer in racers {
        statuses.push(racer.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 401, 401, 401, 401, 401, 401, 401]);
}

#[tokio::test]
async fn the_janitor_deletes_a_client_idle_past_the_period_and_keeps_a_used_one() {
    let (app, operators) = app_with_registration(TestDatabase::sqlite(), RegistrationSetting::Open, |raw| {
        raw.self_asserted.registration_idle_days = 30;
    })
    .await;
    let idle = register(&app, &public_client("Idle"), None).await;
    let used = register(&app, &public_client("Used"), None).await;
    let id = |reply: &Reply| ClientId::parse(&reply.text("client_id")).unwrap();
    app.clock.advance(time::Duration::days(20));
    // Tokens issued are a use; a request that fails, or a read of the
    // registration, is not: neither keeps a client alive.
    let tokens = tokens_for(&app, &mut Browser::new(&app), &as_seed(&used), "openid").await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
    let idle_id = idle.text("client_id");
    let fields = [
        ("grant_type", "authorization_code"),
        ("code", "not-a-code"),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", VERIFIER),
        ("client_id", idle_id.as_str()),
    ];
    assert_eq!(token(&app, &fields, None).await.error(), "invalid_grant");
    let path = configuration_path(&idle);
    let rat = idle.text("registration_access_token");
    assert_eq!(call(&app, Method::GET, &path, Some(&rat), None).await.status, StatusCode::OK);
    app.clock.advance(time::Duration::days(10) + time::Duration::seconds(1));

    // The app's event writer is idle before this store writes beside it:
    // SQLite refuses a transaction that read before another connection wrote.
    app.events.flush().await;
    let (store, _) = open_store(&app.config).await.unwrap();
    retention_service(&app.config, &store, app.clock.clone()).purge_sign_in_state(100).await.unwrap();
    assert!(ClientRepository::find(&store, &id(&idle)).await.unwrap().is_none(), "idle 30 days: deleted");
    assert!(ClientRepository::find(&store, &id(&used)).await.unwrap().is_some(), "used 10 days ago: kept");
    let operators_id = ClientId::parse(&operators.client_id).unwrap();
    assert!(
        ClientRepository::find(&store, &operators_id).await.unwrap().is_some(),
        "an operator's client stays"
    );
}

#[tokio::test]
async fn an_operators_client_signs_in_as_before_beside_dynamic_ones() {
    let (app, operators) =
        app_with_registration(TestDatabase::sqlite(), RegistrationSetting::Open, |_| {}).await;
    register(&app, &public_client("Beside"), None).await;
    let mut browser = Browser::new(&app);
    let tokens = tokens_for(&app, &mut browser, &operators, "openid").await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
    let query = authorize_query(&operators, &[("scope", Some("openid"))]);
    let again = browser.get(&format!("/oauth/authorize?{query}")).await;
    assert_eq!(again.status(), StatusCode::FOUND, "an operator's client: consent remembered");
}

#[tokio::test]
async fn the_cli_lists_a_dynamic_client_by_its_origin_and_can_disable_it() {
    use crate::support::binary::{Binary, stderr, stdout};
    let (app, _) = app_with_registration(TestDatabase::sqlite(), RegistrationSetting::Open, |_| {}).await;
    let registered = register(&app, &public_client("Agent"), None).await;
    let id = registered.text("client_id");
    let (binary, url) = (Binary::new(), app.db.url_text());
    let run =
        |args: &[&str]| binary.run(args, &[("AUTH_DATABASE_URL", &url), ("AUTH_LOG_LEVEL", "warn")], "");
    let listed: serde_json::Value =
        serde_json::from_str(&stdout(&run(&["clients", "list", "--json"]))).unwrap();
    let row = listed.as_array().unwrap().iter().find(|c| c["client_id"] == id.as_str()).expect("listed");
    assert_eq!(row["origin"], "dynamic");
    let refused = run(&["clients", "update", &id, "--scope", "openid"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("describes itself"), "{}", stderr(&refused));
    assert!(run(&["clients", "disable", &id]).status.success());
    let path = configuration_path(&registered);
    let rat = registered.text("registration_access_token");
    let closed = call(&app, Method::GET, &path, Some(&rat), None).await;
    assert_eq!(closed.status, StatusCode::UNAUTHORIZED, "an operator's block closes its management too");
}
