//! No exported span carries a secret: after each flow, with traces on, every
//! secret it handed out or was sent is looked for in everything every
//! exported span carries (docs/SECURITY.md § Traces).

use auth_server::config::RegistrationSetting;
use oauth_core::ports::Clock as _;
use oauth_store_diesel::testing::TestDatabase;
use reqwest::Method;

use crate::support::app::{TestApp, spawn_app_with};
use crate::support::assertions::{CLIENT_CREDENTIALS, ClientKey, claims, with_assertion};
use crate::support::browser::{Browser, authorize_query};
use crate::support::device::{approve, ask, device_client, poll};
use crate::support::dpop::{Claims, DpopKey, ath, post_with_proof, userinfo_with_proof};
use crate::support::registration::{self, call, configuration_path, initial_token, public_client};
use crate::support::seed::{PASSWORD, REDIRECT_URI, Seed, confidential, register, seed, seed_with};
use crate::support::token::{
    VERIFIER, code_for, code_for_query, exchange, introspect, post_form, revoke, token,
};
use crate::support::traces::{assert_no_span_carries, attribute, exported_spans, install, traced};

/// What a flow handed out or was sent that must never be exported: what it
/// is, and its value.
type Secrets = Vec<(&'static str, String)>;

/// A code flow and a refresh by a client with a secret.
#[tokio::test]
async fn no_exported_span_carries_a_secret_of_a_whole_flow() {
    install();
    let app = spawn_app_with(TestDatabase::sqlite(), traced).await;
    let seed = seed_with(&app, |spec| {
        spec.client_type = "confidential".into();
        spec.auth_method = Some("client_secret_post".into());
    })
    .await;
    let client_secret = seed.secret.clone().unwrap();
    let mut browser = Browser::new(&app);
    let code = code_for(&mut browser, &seed, "openid email offline_access").await;
    let session = browser.cookie.clone().unwrap();
    let credentials = [("client_id", seed.client_id.as_str()), ("client_secret", client_secret.as_str())];
    let mut exchange = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", VERIFIER),
    ];
    exchange.extend(credentials);
    let issued = token(&app, &exchange, None).await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    let refresh_token = issued.field("refresh_token");
    let mut refresh = vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token.as_str())];
    refresh.extend(credentials);
    let refreshed = token(&app, &refresh, None).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);

    let secrets = [
        ("code", code.clone()),
        ("code_verifier", VERIFIER.to_owned()),
        ("password", PASSWORD.to_owned()),
        ("client_secret", client_secret),
        ("session cookie", session),
        ("access_token", issued.field("access_token")),
        ("id_token", issued.field("id_token")),
        ("refresh_token", refresh_token),
        ("refreshed access_token", refreshed.field("access_token")),
        ("refreshed refresh_token", refreshed.field("refresh_token")),
    ];
    let spans = exported_spans();
    // The flow's own spans are among them, so the check below is not vacuous.
    let token_spans = spans
        .iter()
        .filter(|s| {
            s.name == "token" && attribute(s, "client_id").as_deref() == Some(seed.client_id.as_str())
        })
        .count();
    assert_eq!(token_spans, 2, "the two token requests were exported");
    assert_no_span_carries(&spans, &secrets);
}

/// DPoP, `private_key_jwt`, PAR, introspection, revocation, dynamic
/// registration and the device flow, on one app.
#[tokio::test]
async fn no_exported_span_carries_a_secret_of_the_other_flows() {
    install();
    let app = spawn_app_with(TestDatabase::sqlite(), |raw| {
        traced(raw);
        raw.self_asserted.registration = RegistrationSetting::Token;
    })
    .await;
    let public = seed(&app).await;
    let mut browser = Browser::new(&app);
    let mut secrets = vec![("password", PASSWORD.to_owned())];
    secrets.extend(dpop_bound(&app, &mut browser, &public).await);
    secrets.push(("session cookie", browser.cookie.clone().unwrap()));
    let (signed, signed_secrets) = private_key_jwt(&app).await;
    secrets.extend(signed_secrets);
    let web = register(&app, "Web", confidential).await;
    secrets.extend(pushed_introspected_revoked(&app, &mut browser, &web).await);
    let (configuration, registration_secrets) = registered(&app).await;
    secrets.extend(registration_secrets);
    let cli = register(&app, "Command line", device_client).await;
    secrets.extend(device_flow(&app, &cli).await);

    let spans = exported_spans();
    // Each flow's own spans are among them, so the check below is not vacuous.
    let exported = |name: &str, client: &str| {
        spans.iter().any(|s| s.name == name && attribute(s, "client_id").as_deref() == Some(client))
    };
    for (name, client) in [
        ("token", &public.client_id),
        ("token", &signed.client_id),
        ("introspect", &signed.client_id),
        ("push", &web.client_id),
        ("token", &web.client_id),
        ("introspect", &web.client_id),
        ("revoke", &web.client_id),
        ("start", &cli.client_id),
        ("token", &cli.client_id),
    ] {
        assert!(exported(name, client), "no {name} span of client {client} was exported");
    }
    let read = spans.iter().any(|s| attribute(s, "path").as_deref() == Some(configuration.as_str()));
    assert!(read, "the registration read was exported");
    assert_no_span_carries(&spans, &secrets);
}

/// DPoP (RFC 9449): a code bound to `client`'s key, redeemed and used at
/// userinfo with proofs.
async fn dpop_bound(app: &TestApp, browser: &mut Browser<'_>, client: &Seed) -> Secrets {
    let (issuer, now) = (app.config.server.issuer.clone(), app.clock.now().unix_timestamp());
    let key = DpopKey::generate();
    let jkt = key.thumbprint();
    let query =
        authorize_query(client, &[("scope", Some("openid offline_access")), ("dpop_jkt", Some(&jkt))]);
    let code = code_for_query(browser, &query).await;
    let token_proof = key.proof(&Claims::post(&format!("{issuer}/oauth/token"), now));
    let url = format!("{}/oauth/token", app.address);
    let bound =
        post_with_proof(&app.http, &url, &exchange(&client.client_id, &code), None, &token_proof).await;
    assert_eq!(bound.field("token_type"), "DPoP", "{}", bound.body);
    let access = bound.field("access_token");
    let mut userinfo = Claims::post(&format!("{issuer}/userinfo"), now);
    (userinfo.htm, userinfo.ath) = ("GET".into(), Some(ath(&access)));
    let userinfo_proof = key.proof(&userinfo);
    let used = userinfo_with_proof(&app.http, &app.address, &access, Some(&userinfo_proof)).await;
    assert_eq!(used.status, 200, "{}", used.body);
    vec![
        ("DPoP-bound code", code),
        ("token endpoint proof", token_proof),
        ("userinfo proof", userinfo_proof),
        ("DPoP-bound access token", access),
        ("DPoP-bound refresh token", bound.field("refresh_token")),
    ]
}

/// `private_key_jwt` (RFC 7523 §2.2): a machine client's signed assertions at
/// the token and introspection endpoints; the client, and the secrets.
async fn private_key_jwt(app: &TestApp) -> (Seed, Secrets) {
    let key = ClientKey::generate();
    let client = register(app, "Signed machine", |spec| {
        confidential(spec);
        spec.auth_method = Some("private_key_jwt".into());
        spec.jwks = Some(key.jwks());
        spec.redirect_uris = vec![];
        spec.grant_types = vec!["client_credentials".into()];
        spec.scopes = vec!["openid".into()];
    })
    .await;
    let assertion = key.sign(&claims(app, &client.client_id), "k1");
    let granted = with_assertion(app, "/oauth/token", &CLIENT_CREDENTIALS, &assertion).await;
    assert_eq!(granted.status, 200, "{}", granted.body);
    let access = granted.field("access_token");
    let second = key.sign(&claims(app, &client.client_id), "k1");
    let active = with_assertion(app, "/oauth/introspect", &[("token", &access)], &second).await;
    assert_eq!(active.body["active"], true, "{}", active.body);
    let secrets = vec![
        ("client assertion", assertion),
        ("introspection's client assertion", second),
        ("client_credentials access token", access),
    ];
    (client, secrets)
}

/// PAR (RFC 9126) by a client with a secret, then introspection (RFC 7662)
/// and revocation (RFC 7009) of what it was issued.
async fn pushed_introspected_revoked(app: &TestApp, browser: &mut Browser<'_>, client: &Seed) -> Secrets {
    let basic = client.credentials();
    let query = authorize_query(client, &[("scope", Some("openid offline_access"))]);
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let pushed = post_form(&app.http, &format!("{}/oauth/par", app.address), &fields, Some(basic)).await;
    assert_eq!(pushed.status, 201, "{}", pushed.body);
    let request_uri = pushed.field("request_uri");
    let carried = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("client_id", client.client_id.as_str()), ("request_uri", &request_uri)])
        .finish();
    let code = code_for_query(browser, &carried).await;
    let redeem = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", VERIFIER),
    ];
    let tokens = token(app, &redeem, Some(basic)).await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    let (access, refresh) = (tokens.field("access_token"), tokens.field("refresh_token"));
    assert_eq!(introspect(app, &access, Some(basic)).await.body["active"], true);
    assert_eq!(revoke(app, &[("token", &refresh)], Some(basic)).await.status, 200);
    vec![
        ("client secret", basic.1.to_owned()),
        ("request_uri", request_uri),
        ("pushed request's code", code),
        ("introspected access token", access),
        ("revoked refresh token", refresh),
        ("id_token", tokens.field("id_token")),
    ]
}

/// Dynamic registration (RFC 7591) with an initial access token, then a read
/// of the registration (RFC 7592) that turns its access token over; the
/// read's path, and the secrets.
async fn registered(app: &TestApp) -> (String, Secrets) {
    let initial = initial_token(app, 1).await;
    let registered = registration::register(app, &public_client("Registered"), Some(&initial)).await;
    assert_eq!(registered.status, 201, "{}", registered.body);
    let first = registered.text("registration_access_token");
    let configuration = configuration_path(&registered);
    let read = call(app, Method::GET, &configuration, Some(&first), None).await;
    assert_eq!(read.status, 200, "{}", read.body);
    let secrets = vec![
        ("initial access token", initial),
        ("registration access token", first),
        ("turned-over registration access token", read.text("registration_access_token")),
    ];
    (configuration, secrets)
}

/// The device flow (RFC 8628): codes asked for, the user code entered and
/// approved in a browser, the tokens polled for.
async fn device_flow(app: &TestApp, client: &Seed) -> Secrets {
    let codes = ask(app, &client.client_id, "openid offline_access").await;
    assert_eq!(codes.status, 200, "{}", codes.body);
    let (device_code, user_code) = (codes.field("device_code"), codes.field("user_code"));
    approve(app, &user_code, "approve").await;
    let tokens = poll(app, &client.client_id, &device_code).await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    vec![
        ("device_code", device_code),
        ("user_code", user_code),
        ("device's access token", tokens.field("access_token")),
        ("device's refresh token", tokens.field("refresh_token")),
    ]
}
