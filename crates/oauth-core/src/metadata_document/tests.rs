use super::{ClientDocument, DocumentFields, DocumentUrl};
use crate::client::GrantType;

const URL: &str = "https://agent.example/oauth/client.json";

fn url() -> DocumentUrl {
    DocumentUrl::parse(URL, false).expect("valid")
}

fn fields() -> DocumentFields {
    DocumentFields {
        client_id: Some(URL.into()),
        client_name: Some("Agent".into()),
        redirect_uris: Some(vec!["http://127.0.0.1/callback".into(), "https://agent.example/cb".into()]),
        ..DocumentFields::default()
    }
}

#[test]
fn document_urls_follow_cimd_section_3_and_are_canonical() {
    let refused = [
        "http://a.example/c",
        "https://a.example",
        "https://a.example/",
        "https://u@a.example/c",
        "https://u:p@a.example/c",
        "https://a.example/c#f",
        "https://a.example/x/../c",
        "https://a.example/./c",
        "https://a.example/c?x=1",
        "https://A.example/c",
        "https://a.example:443/c",
        "ftp://a.example/c",
        "https://a.example/c d",
        "http://127.0.0.1:8000/c",
        "https://a.example:8443/c",
        "https://192.0.2.5:22/c",
    ];
    for text in refused {
        assert!(DocumentUrl::parse(text, false).is_err(), "{text} must be refused");
    }
    for text in ["https://a.example/client.json", "https://a.example/x/c.json", "https://[2001:db8::1]/c"] {
        assert_eq!(DocumentUrl::parse(text, false).expect(text).as_str(), text);
    }
}

#[test]
fn the_development_switch_admits_http_on_loopback_literals_only() {
    assert!(DocumentUrl::parse("http://127.0.0.1:8000/c", true).is_ok());
    assert!(DocumentUrl::parse("http://[::1]:8000/c", true).is_ok());
    for text in ["http://localhost:8000/c", "http://192.0.2.5/c", "http://a.example/c", "http://127.0.0.2/c"]
    {
        assert!(DocumentUrl::parse(text, true).is_err(), "{text} must stay refused");
    }
}

#[test]
fn a_valid_document_keeps_its_name_uris_and_defaults() {
    let document = ClientDocument::validate(&url(), fields()).expect("valid");
    assert_eq!(document.client_name, "Agent");
    assert_eq!(document.redirect_uris.len(), 2);
    assert_eq!(document.grant_types.iter().copied().collect::<Vec<_>>(), [GrantType::AuthorizationCode]);
    assert_eq!(document.scope, None);
}

#[test]
fn each_broken_rule_names_its_member() {
    type Change = fn(&mut DocumentFields);
    let cases: [(&str, &str, Change); 17] = [
        ("client_id off by a trailing slash", "client_id", |f| f.client_id = Some(format!("{URL}/"))),
        ("client_id missing", "client_id", |f| f.client_id = None),
        ("no client_name", "client_name", |f| f.client_name = None),
        ("blank client_name", "client_name", |f| f.client_name = Some("  ".into())),
        ("control characters in client_name", "client_name", |f| f.client_name = Some("A\u{1b}[31m".into())),
        ("a right-to-left override in client_name", "client_name", |f| {
            f.client_name = Some("Good\u{202E}evil".into());
        }),
        ("a Hangul filler in client_name", "client_name", |f| f.client_name = Some("Bank\u{3164}".into())),
        ("a tag character in client_name", "client_name", |f| f.client_name = Some("Bank\u{E0041}".into())),
        ("no redirect_uris", "redirect_uris", |f| f.redirect_uris = None),
        ("empty redirect_uris", "redirect_uris", |f| f.redirect_uris = Some(Vec::new())),
        ("plain http off loopback", "redirect_uris", |f| {
            f.redirect_uris = Some(vec!["http://a.example/cb".into()]);
        }),
        ("a private-use scheme", "redirect_uris", |f| {
            f.redirect_uris = Some(vec!["com.example.app:/cb".into()]);
        }),
        ("a fragment", "redirect_uris", |f| f.redirect_uris = Some(vec!["https://a.example/cb#x".into()])),
        ("a shared-secret method", "token_endpoint_auth_method", |f| {
            f.token_endpoint_auth_method = Some("client_secret_basic".into());
        }),
        ("client_credentials", "grant_types", |f| f.grant_types = Some(vec!["client_credentials".into()])),
        ("a token response", "response_types", |f| f.response_types = Some(vec!["token".into()])),
        ("a bad scope token", "scope", |f| f.scope = Some("ok \"quoted\"".into())),
    ];
    for (name, member, change) in cases {
        let mut broken = fields();
        change(&mut broken);
        let refused = ClientDocument::validate(&url(), broken).expect_err(name);
        assert_eq!(refused.member, member, "{name}: {refused}");
    }
}

#[test]
fn a_document_with_a_secret_is_refused() {
    let with_secret: DocumentFields = serde_json::from_value(serde_json::json!({
        "client_id": URL, "client_name": "Agent", "redirect_uris": ["https://agent.example/cb"],
        "client_secret": "s3cret"
    }))
    .expect("readable");
    assert_eq!(ClientDocument::validate(&url(), with_secret).expect_err("secret").member, "client_secret");
}

#[test]
fn unknown_members_are_ignored_and_wrong_types_unreadable() {
    let extra: DocumentFields = serde_json::from_value(serde_json::json!({
        "client_id": URL, "client_name": "Agent", "redirect_uris": ["https://agent.example/cb"],
        "software_statement_x": {"nested": [1, 2]}, "logo_uri": "https://agent.example/logo.png",
        "grant_types": ["authorization_code", "refresh_token"], "scope": "openid files:read"
    }))
    .expect("unknown members are ignored");
    let document = ClientDocument::validate(&url(), extra).expect("valid");
    assert!(document.grant_types.contains(&GrantType::RefreshToken));
    assert_eq!(document.scope.expect("scope").len(), 2);
    let wrong: Result<DocumentFields, _> = serde_json::from_value(
        serde_json::json!({"client_id": URL, "redirect_uris": "https://agent.example/cb"}),
    );
    assert!(wrong.is_err(), "a string where a list belongs is unreadable");
}
