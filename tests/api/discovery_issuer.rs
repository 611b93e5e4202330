//! The issuer and every endpoint URL in the metadata come from configuration,
//! never from the request's `Host` or `X-Forwarded-*` headers (OIDC Discovery
//! §4.3; RFC 8414 §3.3; OIDC Core §2), whether or not a proxy is trusted.

use oauth_store_diesel::testing::TestDatabase;
use reqwest::header::HOST;
use serde_json::Value;

use crate::support::app::{TestApp, spawn_app_with};

/// Each way a request might name another host or scheme.
const POSING: &[(&str, &str)] = &[
    ("host", "evil.example"),
    ("x-forwarded-host", "evil.example"),
    ("x-forwarded-proto", "https"),
    ("x-forwarded-port", "8443"),
    ("x-forwarded-prefix", "/evil"),
    ("forwarded", "host=evil.example;proto=https"),
];

async fn fetch(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Value {
    let mut request = app.http.get(format!("{}{path}", app.address));
    for (name, value) in headers {
        request = if *name == "host" { request.header(HOST, *value) } else { request.header(*name, *value) };
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{path} with {headers:?}");
    response.json().await.unwrap()
}

/// Every string in the document, at any depth.
fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(text) => vec![text.as_str()],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::Object(members) => members.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

async fn metadata_ignores_the_request_host(issuer: &str, paths: &[&str], trusted_proxies: Vec<String>) {
    let app = spawn_app_with(TestDatabase::sqlite(), |raw| {
        raw.server.issuer = issuer.into();
        raw.server.trusted_proxies = trusted_proxies;
    })
    .await;
    for path in paths {
        let plain = fetch(&app, path, &[]).await;
        assert_eq!(plain["issuer"], issuer, "{path}");
        let mut each: Vec<&[(&str, &str)]> = POSING.chunks(1).collect();
        each.push(POSING);
        for headers in each {
            let posed = fetch(&app, path, headers).await;
            assert_eq!(posed, plain, "{path} with {headers:?}");
            for text in strings(&posed) {
                assert!(!text.contains("evil") && !text.contains("8443"), "{path} with {headers:?}: {text}");
            }
        }
    }
}

#[tokio::test]
async fn host_and_forwarded_headers_cannot_change_the_issuer_or_endpoints() {
    let paths = ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"];
    metadata_ignores_the_request_host("http://127.0.0.1:8080", &paths, Vec::new()).await;
}

#[tokio::test]
async fn not_even_from_a_trusted_proxy_or_with_an_issuer_path() {
    let paths = ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server/auth"];
    metadata_ignores_the_request_host("https://example.com/auth", &paths, vec!["127.0.0.1".into()]).await;
}
