//! The metadata documents (OIDC Discovery 1.0 §3-4, RFC 8414 §2-3): exact for
//! an issuer with and without a path; `keys` and `serve --demo` from the CLI.

use std::io::{BufRead, BufReader};

use serde_json::{Value, json};

use crate::support::app::{spawn_app, spawn_app_with};
use crate::support::binary::{Binary, stderr, stdout};
use crate::support::browser::Form;

fn expected(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oauth/authorize"),
        "token_endpoint": format!("{issuer}/oauth/token"),
        "jwks_uri": format!("{issuer}/jwks.json"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "introspection_endpoint": format!("{issuer}/oauth/introspect"),
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "revocation_endpoint": format!("{issuer}/oauth/revoke"),
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
        "end_session_endpoint": format!("{issuer}/oauth/logout"),
        "pushed_authorization_request_endpoint": format!("{issuer}/oauth/par"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "urn:ietf:params:oauth:grant-type:device_code",
        ],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES256", "ES384", "RS256", "PS256", "EdDSA"],
        "introspection_endpoint_auth_signing_alg_values_supported": ["ES256", "ES384", "RS256", "PS256", "EdDSA"],
        "revocation_endpoint_auth_signing_alg_values_supported": ["ES256", "ES384", "RS256", "PS256", "EdDSA"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["email", "offline_access", "openid", "profile"],
        "claims_supported": [
            "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "azp",
            "email", "email_verified", "name"
        ],
        "prompt_values_supported": ["none", "login", "consent"],
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
        "dpop_signing_alg_values_supported": ["ES256", "ES384", "RS256", "PS256", "EdDSA"],
        "device_authorization_endpoint": format!("{issuer}/oauth/device_authorization"),
    })
}

async fn get_json(http: &reqwest::Client, url: String) -> (u16, Value) {
    let response = http.get(url).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn metadata_is_exact_for_an_issuer_without_a_path() {
    let app = spawn_app().await;
    for path in ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"] {
        let (status, body) = get_json(&app.http, format!("{}{path}", app.address)).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(body, expected("http://127.0.0.1:8080"), "{path}");
    }
}

#[tokio::test]
async fn metadata_follows_an_issuer_with_a_path() {
    let app = spawn_app_with(oauth_store_diesel::testing::TestDatabase::sqlite(), |raw| {
        raw.server.issuer = "https://example.com/auth".into();
    })
    .await;
    // OIDC Discovery §4: the issuer plus the well-known path (a proxy strips /auth);
    // RFC 8414 §3: the well-known path inserted before the issuer's path.
    for path in ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server/auth"] {
        let (status, body) = get_json(&app.http, format!("{}{path}", app.address)).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(body, expected("https://example.com/auth"), "{path}");
    }
}

#[test]
fn keys_list_and_rotate_from_the_command_line() {
    let binary = Binary::new();
    let list = binary.run(&["keys", "list", "--json"], &[], "");
    assert!(list.status.success(), "{}", stderr(&list));
    let keys: Value = serde_json::from_str(&stdout(&list)).unwrap();
    let states = |keys: &Value| {
        let mut states: Vec<String> =
            keys.as_array().unwrap().iter().map(|k| format!("{} {}", k["alg"], k["state"])).collect();
        states.sort();
        states
    };
    assert_eq!(
        states(&keys),
        [r#""ES256" "active""#, r#""ES256" "next""#, r#""RS256" "active""#, r#""RS256" "next""#]
    );
    let rotate = binary.run(&["keys", "rotate", "--alg", "ES256"], &[], "");
    assert!(rotate.status.success(), "{}", stderr(&rotate));
    assert!(stdout(&rotate).contains("rotated ES256"));
    let after: Value =
        serde_json::from_str(&stdout(&binary.run(&["keys", "list", "--json"], &[], ""))).unwrap();
    assert_eq!(after.as_array().unwrap().len(), 5);
    assert!(states(&after).contains(&r#""ES256" "retired""#.to_owned()));
    let refused = binary.run(&["keys", "rotate", "--alg", "HS256"], &[], "");
    assert_eq!(refused.status.code(), Some(2));
}

#[tokio::test]
async fn serve_demo_prints_a_flow_that_works() {
    let binary = Binary::new();
    let mut server = binary.serve_args(&["serve", "--demo"], &[("AUTH_BIND", "127.0.0.1:0")]);
    let mut out = BufReader::new(server.child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    for line in out.by_ref() {
        let line = line.unwrap();
        let done = line.contains("PASTE_THE_CODE_HERE");
        printed.push(line);
        if done {
            break;
        }
    }
    let text = printed.join("\n");
    let field = |label: &str| {
        printed
            .iter()
            .find_map(|l| l.trim().strip_prefix(label))
            .map_or_else(|| panic!("{label} in {text}"), |v| v.trim().to_owned())
    };
    let (email, password) = (field("sign in as:"), field("password:"));
    let url = printed
        .iter()
        .map(|l| l.trim())
        .find(|l| l.starts_with("http") && l.contains("/oauth/authorize?"))
        .unwrap();
    // The printed URL uses the configured issuer; talk to the real address.
    let path = url.split_once("/oauth/").map(|(_, rest)| format!("/oauth/{rest}")).unwrap();
    let verifier = field("-d code_verifier=").trim_end_matches(" \\").to_owned();
    let client_id = field("-d client_id=").trim_end_matches(" \\").to_owned();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let base = format!("http://{}", server.address);
    let page = http.get(format!("{base}{path}")).send().await.unwrap();
    let cookie = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let form = Form::read(&page.text().await.unwrap());
    let login = form.submission(&[("username", email.as_str()), ("password", password.as_str())]);
    let signed_in =
        http.post(format!("{base}/login")).header("cookie", &cookie).form(&login).send().await.unwrap();
    assert_eq!(signed_in.status(), 303, "the printed credentials sign in");
    let cookie = signed_in.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let consent_path = signed_in.headers()["location"].to_str().unwrap().to_owned();
    let consent = http.get(format!("{base}{consent_path}")).header("cookie", &cookie).send().await.unwrap();
    let form = Form::read(&consent.text().await.unwrap());
    let approve = form.submission(&[("decision", "approve")]);
    let back =
        http.post(format!("{base}/consent")).header("cookie", &cookie).form(&approve).send().await.unwrap();
    let location = url::Url::parse(back.headers()["location"].to_str().unwrap()).unwrap();
    assert!(location.as_str().starts_with("http://127.0.0.1:8765/callback?"));
    let code = location.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let exchange = [
        ("grant_type", "authorization_code"),
        ("client_id", client_id.as_str()),
        ("redirect_uri", "http://127.0.0.1:8765/callback"),
        ("code_verifier", verifier.as_str()),
        ("code", code.as_str()),
    ];
    let tokens = http.post(format!("{base}/oauth/token")).form(&exchange).send().await.unwrap();
    assert_eq!(tokens.status(), 200, "the printed token request works");
    let (status, _) = server.terminate();
    assert!(status.success());
}
