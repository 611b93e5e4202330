use super::*;
use crate::client::ClientType;
use crate::redirect_uri::RedirectUri;
use crate::testing::fixtures;

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn params(pairs: &[(&str, &str)]) -> AuthorizationParams {
    AuthorizationParams::new(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
}

fn good() -> Vec<(&'static str, &'static str)> {
    vec![
        ("response_type", "code"),
        ("client_id", "client1"),
        ("redirect_uri", "https://rp.example/cb"),
        ("scope", "openid email"),
        ("state", "xyz +/=%20&é~"),
        ("nonce", "n-0S6_WzA2Mj"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
}

fn client() -> Client {
    fixtures::client(1, "Billing", "secret")
}

fn run(pairs: &[(&str, &str)], policy: AuthorizePolicy) -> Result<AuthorizationRequest, OAuthError> {
    let params = params(pairs);
    let target = trust_redirect(&params, Some(client())).expect("trusted");
    validate(target, &params, &ScopeCatalog::default(), policy).map_err(|e| e.error)
}

fn with(change: impl FnOnce(&mut Vec<(&'static str, &'static str)>)) -> Vec<(&'static str, &'static str)> {
    let mut pairs = good();
    change(&mut pairs);
    pairs
}

fn set(pairs: &mut Vec<(&'static str, &'static str)>, key: &'static str, value: &'static str) {
    pairs.retain(|(k, _)| *k != key);
    pairs.push((key, value));
}

#[test]
fn a_good_request_passes_with_everything_bound() {
    let request = run(&good(), AuthorizePolicy::default()).unwrap();
    assert!(request.is_oidc);
    assert_eq!(request.target.state.as_deref(), Some("xyz +/=%20&é~"), "state byte for byte");
    assert_eq!(request.nonce.as_deref(), Some("n-0S6_WzA2Mj"));
    assert_eq!(request.code_challenge.as_ref().map(CodeChallenge::as_str), Some(CHALLENGE));
    assert!(request.target.redirect_uri_sent);
    let scopes: Vec<&str> = request.scopes.iter().map(ScopeName::as_str).collect();
    assert_eq!(scopes, ["email", "openid"]);
}

type UntrustedRow<'a> = (&'a str, &'a [(&'a str, &'a str)], Untrusted);

#[test]
fn untrusted_requests_get_our_page_not_a_redirect() {
    let unknown = params(&[("client_id", "nobody")]);
    assert_eq!(trust_redirect(&unknown, None), Err(Untrusted::UnknownClient));
    assert_eq!(params(&[]).client_id(), Err(Untrusted::MissingClientId));
    assert_eq!(
        params(&[("client_id", "a"), ("client_id", "b")]).client_id(),
        Err(Untrusted::Repeated("client_id"))
    );
    assert_eq!(params(&[("client_id", "not valid!")]).client_id(), Err(Untrusted::UnknownClient));
    let rows: &[UntrustedRow] = &[
        ("unregistered", &[("redirect_uri", "https://evil.example/cb")], Untrusted::UnregisteredRedirectUri),
        ("altered path", &[("redirect_uri", "https://rp.example/cb/")], Untrusted::UnregisteredRedirectUri),
        ("added query", &[("redirect_uri", "https://rp.example/cb?x=1")], Untrusted::UnregisteredRedirectUri),
        (
            "userinfo trick",
            &[("redirect_uri", "https://rp.example@evil.example/cb")],
            Untrusted::UnregisteredRedirectUri,
        ),
        (
            "repeated",
            &[("redirect_uri", "https://rp.example/cb"), ("redirect_uri", "https://rp.example/cb")],
            Untrusted::Repeated("redirect_uri"),
        ),
        ("omitted with two registered", &[], Untrusted::MissingRedirectUri),
    ];
    for (name, pairs, expected) in rows {
        assert_eq!(
            trust_redirect(&params(pairs), Some(client())).err().as_ref(),
            Some(expected),
            "case {name}"
        );
    }
    let mut disabled = client();
    disabled.disabled = true;
    assert_eq!(
        trust_redirect(&params(&[("redirect_uri", "https://rp.example/cb")]), Some(disabled)),
        Err(Untrusted::DisabledClient)
    );
}

#[test]
fn redirect_uri_may_be_omitted_when_exactly_one_is_registered() {
    let mut single = client();
    single.metadata.redirect_uris =
        vec![RedirectUri::parse("https://rp.example/only", ClientType::Confidential).unwrap()];
    let target = trust_redirect(&params(&[]), Some(single)).unwrap();
    assert_eq!(target.redirect_uri, "https://rp.example/only");
    assert!(!target.redirect_uri_sent);
}

#[test]
fn later_errors_are_redirected_with_the_rfc_code() {
    type Change = fn(&mut Vec<(&'static str, &'static str)>);
    let rows: &[(&str, Change, &str)] = &[
        ("response_type token", |p| set(p, "response_type", "token"), "unsupported_response_type"),
        (
            "response_type id_token token",
            |p| set(p, "response_type", "id_token token"),
            "unsupported_response_type",
        ),
        ("no response_type", |p| p.retain(|(k, _)| *k != "response_type"), "invalid_request"),
        ("plain pkce", |p| set(p, "code_challenge_method", "plain"), "invalid_request"),
        ("pkce method missing", |p| p.retain(|(k, _)| *k != "code_challenge_method"), "invalid_request"),
        (
            "pkce challenge missing",
            |p| p.retain(|(k, _)| !k.starts_with("code_challenge")),
            "invalid_request",
        ),
        (
            "pkce challenge too short",
            |p| set(p, "code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c"),
            "invalid_request",
        ),
        ("unknown scope", |p| set(p, "scope", "openid api:nope"), "invalid_scope"),
        ("scope not allowed for client", |p| set(p, "scope", "openid profile"), "invalid_scope"),
        ("no scope", |p| p.retain(|(k, _)| *k != "scope"), "invalid_scope"),
        ("repeated scope parameter", |p| p.push(("scope", "openid")), "invalid_request"),
        ("repeated unknown parameter", |p| p.extend([("extra", "1"), ("extra", "2")]), "invalid_request"),
        ("repeated state", |p| p.push(("state", "again")), "invalid_request"),
        ("prompt none with login", |p| set(p, "prompt", "none login"), "invalid_request"),
        ("unknown prompt", |p| set(p, "prompt", "sometimes"), "invalid_request"),
        ("bad max_age", |p| set(p, "max_age", "-1"), "invalid_request"),
    ];
    for (name, change, code) in rows {
        let error = run(&with(*change), AuthorizePolicy::default()).unwrap_err();
        assert_eq!(error.code(), *code, "case {name}: {error}");
    }
}

#[test]
fn request_objects_are_refused_by_redirect_with_their_own_codes() {
    type Change = fn(&mut Vec<(&'static str, &'static str)>);
    let jwt = "eyJhbGciOiJub25lIn0.eyJzY29wZSI6Im9wZW5pZCJ9.";
    let rows: &[(&str, Change, &str)] = &[
        ("request", |p| p.push(("request", "eyJhbGciOiJub25lIn0.e30.")), "request_not_supported"),
        (
            "request_uri",
            |p| p.push(("request_uri", "urn:ietf:params:oauth:request_uri:abc")),
            "invalid_request_uri",
        ),
        (
            "request with the other parameters only inside it",
            |p| {
                p.retain(|(k, _)| matches!(*k, "client_id" | "redirect_uri" | "state"));
                p.push(("request", "eyJhbGciOiJub25lIn0.e30."));
            },
            "request_not_supported",
        ),
        (
            "request_uri with the other parameters only behind it",
            |p| {
                p.retain(|(k, _)| matches!(*k, "client_id" | "redirect_uri" | "state"));
                p.push(("request_uri", "https://rp.example/request.jwt"));
            },
            "invalid_request_uri",
        ),
    ];
    for (name, change, code) in rows {
        let params = params(&with(*change));
        let target = trust_redirect(&params, Some(client())).expect("trusted");
        let rejected =
            validate(target, &params, &ScopeCatalog::default(), AuthorizePolicy::default()).expect_err(name);
        assert_eq!(rejected.error.code(), *code, "case {name}: {}", rejected.error);
        assert_eq!(rejected.redirect_uri, "https://rp.example/cb", "case {name}: at the client");
        assert_eq!(rejected.state.as_deref(), Some("xyz +/=%20&é~"), "case {name}: with the state");
    }
    // A request object longer than other parameters may be is still named as one.
    let long = format!("{jwt}{}", "x".repeat(MAX_PARAM_LEN));
    let pairs: Vec<(String, String)> = good()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .chain([("request".into(), long)])
        .collect();
    let params = AuthorizationParams::new(pairs);
    let target = trust_redirect(&params, Some(client())).unwrap();
    let rejected =
        validate(target, &params, &ScopeCatalog::default(), AuthorizePolicy::default()).unwrap_err();
    assert_eq!(rejected.error.code(), "request_not_supported");
    // RFC 6749 §3.1: a parameter sent without a value is treated as omitted.
    assert!(
        run(&with(|p| p.extend([("request", ""), ("request_uri", "")])), AuthorizePolicy::default()).is_ok()
    );
}

#[test]
fn unknown_parameters_are_ignored_and_scope_duplicates_tolerated() {
    let pairs = with(|p| {
        p.push(("extra", "foobar"));
        set(p, "scope", "openid openid  email");
        set(p, "prompt", "login consent");
        set(p, "max_age", "300");
    });
    let request = run(&pairs, AuthorizePolicy::default()).unwrap();
    assert_eq!(request.scopes.len(), 2);
    assert_eq!(request.prompt, BTreeSet::from([Prompt::Login, Prompt::Consent]));
    assert_eq!(request.max_age, Some(300));
}

#[test]
fn the_policy_relaxes_pkce_for_confidential_clients_only() {
    let without = with(|p| p.retain(|(k, _)| !k.starts_with("code_challenge")));
    let relaxed = AuthorizePolicy { allow_confidential_without_pkce: true };
    assert_eq!(run(&without, relaxed).unwrap().code_challenge, None);
    let mut public = client();
    public.metadata.client_type = ClientType::Public;
    let params = params(&without);
    let target = trust_redirect(&params, Some(public)).unwrap();
    let error = validate(target, &params, &ScopeCatalog::default(), relaxed).unwrap_err().error;
    assert_eq!(error.code(), "invalid_request", "public clients always need PKCE");
    // With the relaxation, a challenge that is sent must still be valid.
    assert!(run(&with(|p| set(p, "code_challenge_method", "plain")), relaxed).is_err());
}

#[test]
fn a_client_without_the_code_grant_is_unauthorized() {
    let mut machine = client();
    machine.metadata.grant_types = BTreeSet::from([GrantType::ClientCredentials]);
    let params = params(&good());
    let target = trust_redirect(&params, Some(machine)).unwrap();
    let rejected =
        validate(target, &params, &ScopeCatalog::default(), AuthorizePolicy::default()).unwrap_err();
    assert_eq!(rejected.error.code(), "unauthorized_client");
    assert_eq!(rejected.redirect_uri, "https://rp.example/cb", "answered at the trusted redirect URI");
    assert_eq!(rejected.state.as_deref(), Some("xyz +/=%20&é~"), "with the state, byte for byte");
}

#[test]
fn oversized_parameters_are_refused() {
    let long = "x".repeat(MAX_PARAM_LEN + 1);
    let pairs: Vec<(String, String)> = good()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), if k == "nonce" { long.clone() } else { v.to_owned() }))
        .collect();
    let params = AuthorizationParams::new(pairs);
    let target = trust_redirect(&params, Some(client())).unwrap();
    let rejected =
        validate(target, &params, &ScopeCatalog::default(), AuthorizePolicy::default()).unwrap_err();
    assert_eq!(rejected.error.code(), "invalid_request");
    let long_redirect = AuthorizationParams::new(vec![("redirect_uri".into(), long)]);
    assert_eq!(trust_redirect(&long_redirect, Some(client())), Err(Untrusted::TooLong("redirect_uri")));
}
