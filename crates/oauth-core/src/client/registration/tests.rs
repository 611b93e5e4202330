use serde_json::json;

use super::{RegistrationErrorCode, RegistrationRequest};
use crate::client::{AuthMethod, ClientType, GrantType, SelfAssertedTemplate};
use crate::resource::{Resource, ResourceUri};
use crate::scope::ScopeName;
use crate::testing::fixtures;

fn template() -> SelfAssertedTemplate {
    SelfAssertedTemplate {
        scopes: ["openid", "email"].iter().map(|s| ScopeName::parse(s).unwrap()).collect(),
    }
}

fn resources() -> Vec<Resource> {
    [("https://files.example/mcp", "files:read", true), ("https://hr.example/", "hr:read", false)]
        .into_iter()
        .map(|(uri, scope, open)| Resource {
            allow_dynamic_clients: open,
            ..fixtures::resource(uri, &[scope])
        })
        .collect()
}

fn request(value: serde_json::Value) -> RegistrationRequest {
    serde_json::from_value(value).expect("readable")
}

#[test]
fn a_public_native_client_is_held_to_the_template() {
    let asked = request(json!({
        "redirect_uris": ["http://127.0.0.1/cb"], "application_type": "native",
        "token_endpoint_auth_method": "none", "grant_types": ["authorization_code", "refresh_token"],
        "client_name": "CLI", "scope": "openid files:read hr:read admin",
        "client_id": "C1", "client_secret": "chosen", "introspect_any": true, "x-unknown": 1
    }));
    let m = template().metadata_for_registration(&asked, &resources()).unwrap();
    assert_eq!((m.client_type, m.auth_method), (ClientType::Public, AuthMethod::None));
    let scopes: Vec<&str> = m.scopes.iter().map(ScopeName::as_str).collect();
    assert_eq!(scopes, ["files:read", "openid"], "narrowed to the template and open resources");
    assert_eq!(
        m.resources.iter().map(ResourceUri::as_str).collect::<Vec<_>>(),
        ["https://files.example/mcp"]
    );
    assert!(m.grant_types.contains(&GrantType::RefreshToken));
    assert!(!m.skip_consent && !m.may_introspect_any && m.allowed_origins.is_empty());
}

#[test]
fn the_defaults_are_a_confidential_web_client_with_the_template_scopes() {
    let m = template()
        .metadata_for_registration(&request(json!({"redirect_uris": ["https://rp.example/cb"]})), &[])
        .unwrap();
    assert_eq!((m.client_type, m.auth_method), (ClientType::Confidential, AuthMethod::ClientSecretBasic));
    assert_eq!(m.name, "Unnamed application");
    assert_eq!(m.scopes.iter().map(ScopeName::as_str).collect::<Vec<_>>(), ["email", "openid"]);
    assert_eq!(m.grant_types.iter().copied().collect::<Vec<_>>(), [GrantType::AuthorizationCode]);
}

#[test]
fn each_refusal_carries_its_rfc_7591_code_and_member() {
    use RegistrationErrorCode::{InvalidClientMetadata as Metadata, InvalidRedirectUri as Redirect};
    let web = |uri: &str| json!({"redirect_uris": [uri]});
    let cases = [
        ("no redirect_uris", json!({}), Redirect, "redirect_uris"),
        ("plain http on a real host", web("http://rp.example/cb"), Redirect, "redirect_uris"),
        ("a fragment", web("https://rp.example/cb#f"), Redirect, "redirect_uris"),
        ("a wildcard", web("https://*.rp.example/cb"), Redirect, "redirect_uris"),
        ("user information", web("https://u:p@rp.example/cb"), Redirect, "redirect_uris"),
        ("localhost by name", web("http://localhost:5000/cb"), Redirect, "redirect_uris"),
        ("a private-use scheme", web("myapp://cb"), Redirect, "redirect_uris"),
        ("javascript", web("javascript:alert(1)"), Redirect, "redirect_uris"),
        ("loopback for a web app", web("http://127.0.0.1:5000/cb"), Redirect, "redirect_uris"),
        (
            "client_credentials",
            json!({"redirect_uris": ["https://rp.example/cb"], "grant_types": ["client_credentials"]}),
            Metadata,
            "grant_types",
        ),
        (
            "password",
            json!({"redirect_uris": ["https://rp.example/cb"], "grant_types": ["password"]}),
            Metadata,
            "grant_types",
        ),
        (
            "implicit",
            json!({"redirect_uris": ["https://rp.example/cb"], "grant_types": ["implicit"]}),
            Metadata,
            "grant_types",
        ),
        (
            "refresh without code",
            json!({"redirect_uris": ["https://rp.example/cb"], "grant_types": ["refresh_token"]}),
            Metadata,
            "grant_types",
        ),
        (
            "a token response",
            json!({"redirect_uris": ["https://rp.example/cb"], "response_types": ["token"]}),
            Metadata,
            "response_types",
        ),
        (
            "private_key_jwt",
            json!({"redirect_uris": ["https://rp.example/cb"], "token_endpoint_auth_method": "private_key_jwt"}),
            Metadata,
            "token_endpoint_auth_method",
        ),
        (
            "client_secret_jwt",
            json!({"redirect_uris": ["https://rp.example/cb"], "token_endpoint_auth_method": "client_secret_jwt"}),
            Metadata,
            "token_endpoint_auth_method",
        ),
        (
            "both key members",
            json!({"redirect_uris": ["https://rp.example/cb"], "jwks": {"keys": []}, "jwks_uri": "https://rp.example/jwks"}),
            Metadata,
            "jwks_uri",
        ),
        (
            "an unknown application type",
            json!({"redirect_uris": ["https://rp.example/cb"], "application_type": "tv"}),
            Metadata,
            "application_type",
        ),
        (
            "a name read backwards",
            json!({"redirect_uris": ["https://rp.example/cb"], "client_name": "Good\u{202E}evil"}),
            Metadata,
            "client_name",
        ),
    ];
    for (name, value, code, member) in cases {
        let refusal = template().metadata_for_registration(&request(value), &resources()).expect_err(name);
        assert_eq!((refusal.code, refusal.member), (code, member), "{name}: {refusal}");
    }
    let statement =
        request(json!({"redirect_uris": ["https://rp.example/cb"], "software_statement": "eyJ..."}));
    let refusal = template().metadata_for_registration(&statement, &[]).unwrap_err();
    assert_eq!(refusal.code.as_str(), "unapproved_software_statement");
}

#[test]
fn native_apps_may_use_loopback_and_a_lone_jwks_is_dropped() {
    let native = request(json!({
        "redirect_uris": ["http://127.0.0.1/cb", "http://[::1]/cb", "https://rp.example/cb"],
        "application_type": "native", "token_endpoint_auth_method": "none", "jwks": {"keys": []}
    }));
    let m = template().metadata_for_registration(&native, &[]).unwrap();
    assert_eq!(m.redirect_uris.len(), 3);
}

#[test]
fn local_hosts_are_refused_except_http_loopback_literals_for_native_apps() {
    // A pure rule: nothing is fetched. The private, link-local and
    // unspecified hosts are joined in at run time.
    let https = |host: &str| format!("https://{host}/cb");
    let mut refused: Vec<(&str, String)> = [
        "localhost",
        "app.localhost",
        "127.0.0.2",
        "10.0.0.1",
        "192.168.1.1",
        "0.0.0.0",
        "[fd00::1]",
        "[fe80::1]",
        "[::ffff:7f00:1]",
        "[::ffff:a00:1]",
        "100.100.100.100",
        "localhost.",
        "app.localhost.",
        "ip6-localhost",
        "printer.local",
        "db.internal",
        "nas.home.arpa",
        "LOCALHOST.LOCALDOMAIN",
    ]
    .iter()
    .map(|host| ("web", https(host)))
    .collect();
    for host in ["localhost", "127.0.0.1", "[::1]"] {
        refused.push(("native", https(host)));
    }
    refused.push(("native", "http://localhost:5000/cb".into()));
    refused.push(("native", "http://rp.example/cb".into()));
    for (kind, uri) in &refused {
        let asked = request(json!({"redirect_uris": [uri], "application_type": kind}));
        let refusal = template().metadata_for_registration(&asked, &[]).expect_err(uri);
        assert_eq!(refusal.code, RegistrationErrorCode::InvalidRedirectUri, "{kind} {uri}");
        assert!(
            !refusal.reason.contains(uri.as_str()),
            "{uri}: the reason does not echo the value: {}",
            refusal.reason
        );
    }
    for (kind, uri) in [
        ("native", "http://127.0.0.1:5000/cb"),
        ("native", "http://[::1]/cb"),
        ("web", "https://rp.example/cb"),
    ] {
        let asked = request(json!({"redirect_uris": [uri], "application_type": kind}));
        assert!(template().metadata_for_registration(&asked, &[]).is_ok(), "{kind} {uri}");
    }
}
