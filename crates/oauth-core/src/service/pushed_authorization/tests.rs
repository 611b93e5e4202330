use std::sync::Arc;

use time::Duration;

use super::{PushFailure, PushPolicy, PushPorts, PushedAuthorizationService};
use crate::authorization_request::AuthorizationParams;
use crate::client::AuthMethod;
use crate::client_auth::PresentedCredentials;
use crate::password::PasswordHash;
use crate::ports::{ClientRepository, PushedRequestRepository};
use crate::pushed_request::digest_of_presented;
use crate::service::authorize::{AuthorizePorts, AuthorizeService, SignInPolicy};
use crate::service::client_authentication::{ClientAuthenticator, TokenFailure};
use crate::service::client_directory::ClientDirectory;
use crate::testing::fixtures::{self, T0};
use crate::testing::{InMemoryStore, ManualClock, PlainTextHasher, SeqRandom};
use crate::throttle::AuthorizeQuota;

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// A form's pairs.
type Pairs = Vec<(String, String)>;

struct Setup {
    par: PushedAuthorizationService,
    store: Arc<InMemoryStore>,
    clock: Arc<ManualClock>,
}

async fn setup() -> Setup {
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(ManualClock::at(T0));
    ClientRepository::insert(store.as_ref(), &fixtures::client(1, "Billing", "s")).await.unwrap();
    ClientRepository::insert(store.as_ref(), &fixtures::client(2, "Other", "t")).await.unwrap();
    let random = Arc::new(SeqRandom::new(9));
    let ports = AuthorizePorts::over(&store, Arc::new(PlainTextHasher), clock.clone(), random.clone());
    let dummy = PasswordHash::new("$plaintext-test-only$dummy".into());
    let authorize = Arc::new(AuthorizeService::new(ports, Arc::default(), SignInPolicy::default(), dummy));
    let authenticator =
        ClientAuthenticator::new(ClientDirectory::uncached(store.clone()), store.clone(), clock.clone());
    let ports = PushPorts {
        authenticator,
        authorize,
        pushed: store.clone(),
        clock: clock.clone(),
        random,
        attempts: store.clone(),
    };
    let policy = PushPolicy {
        lifetime: Duration::seconds(60),
        quota: AuthorizeQuota { per_address: 5, window: Duration::minutes(10) },
    };
    Setup { par: PushedAuthorizationService::new(ports, policy), store, clock }
}

fn body(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let base = [
        ("response_type", "code"),
        ("redirect_uri", "https://rp.example/cb"),
        ("scope", "openid email"),
        ("state", "xyz"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("client_secret", "s"),
    ];
    base.iter().chain(extra).map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect()
}

fn post(id: &str, secret: &str) -> PresentedCredentials {
    PresentedCredentials {
        client_id: id.into(),
        secret: Some(secret.into()),
        method: AuthMethod::ClientSecretBasic,
        assertion: None,
    }
}

fn refused_with(result: Result<impl std::fmt::Debug, PushFailure>) -> &'static str {
    match result {
        Err(PushFailure::Refused(TokenFailure::Refused(error))) => error.code(),
        Err(PushFailure::Refused(TokenFailure::ClientThrottled)) => "throttled",
        Err(PushFailure::Throttled { .. }) => "too_many_requests",
        Ok(_) => "accepted",
    }
}

#[tokio::test]
async fn a_pushed_request_is_stored_without_credentials_for_its_client_only() {
    let s = setup().await;
    let (client, pushed) = s.par.push(&post("client1", "s"), body(&[]), "192.0.2.1").await.unwrap();
    assert_eq!((client.id.as_str(), pushed.expires_in), ("client1", 60));
    let digest = digest_of_presented(&pushed.request_uri).expect("one of ours");
    let other = fixtures::client(2, "Other", "t").id;
    assert_eq!(s.store.take(&digest, &other, T0).await.unwrap(), None, "bound to its client");
    let stored = s.store.take(&digest, &client.id, T0).await.unwrap().expect("stored");
    let text = stored.params.to_urlencoded();
    assert!(!text.contains("client_secret"), "never stored: {text}");
    assert!(text.contains("client_id=client1") && text.contains("state=xyz"), "{text}");
    assert_eq!(stored.expires_at, T0 + Duration::seconds(60));
    let _ = s.clock;
}

#[tokio::test]
async fn a_request_is_refused_as_the_authorization_endpoint_would_refuse_it() {
    let s = setup().await;
    let cases: [(&str, Pairs, &str); 5] = [
        (
            "a request_uri",
            body(&[("request_uri", "urn:ietf:params:oauth:request_uri:abc")]),
            "invalid_request",
        ),
        ("a request object", body(&[("request", "eyJhbGciOiJub25lIn0.e30.")]), "request_not_supported"),
        (
            "an unregistered redirect",
            body(&[])
                .into_iter()
                .map(
                    |(n, v)| if n == "redirect_uri" { (n, "https://evil.example/cb".into()) } else { (n, v) },
                )
                .collect(),
            "invalid_request",
        ),
        (
            "a scope it may not have",
            body(&[])
                .into_iter()
                .map(|(n, v)| if n == "scope" { (n, "admin".into()) } else { (n, v) })
                .collect(),
            "invalid_scope",
        ),
        (
            "no PKCE",
            body(&[]).into_iter().filter(|(n, _)| !n.starts_with("code_challenge")).collect(),
            "invalid_request",
        ),
    ];
    for (name, pushed, code) in cases {
        assert_eq!(
            refused_with(s.par.push(&post("client1", "s"), pushed, "192.0.2.1").await),
            code,
            "{name}"
        );
    }
    assert_eq!(
        refused_with(s.par.push(&post("client1", "wrong"), body(&[]), "192.0.2.1").await),
        "invalid_client"
    );
    assert!(s.store.purge_expired(T0 + Duration::days(1), 100).await.unwrap() == 0, "nothing was stored");
}

#[tokio::test]
async fn the_authorization_endpoint_takes_a_pushed_request_once() {
    let s = setup().await;
    let (_, pushed) = s.par.push(&post("client1", "s"), body(&[]), "192.0.2.1").await.unwrap();
    let authorize = s.par.ports.authorize.clone();
    let carried = |client: &str| {
        AuthorizationParams::new(vec![
            ("client_id".into(), client.into()),
            ("request_uri".into(), pushed.request_uri.clone()),
            // Ignored beside a pushed request (RFC 9126 §4); used, with the
            // client, to answer one that is not.
            ("redirect_uri".into(), "https://rp.example/cb".into()),
            ("scope".into(), "admin".into()),
        ])
    };
    let refused = |answer: &Result<_, _>| format!("{answer:?}").contains("InvalidRequestUri");
    let foreign = authorize.begin(carried("client2"), None, "192.0.2.1").await;
    assert!(refused(&foreign), "another client's: {foreign:?}");
    let first = authorize.begin(carried("client1"), None, "192.0.2.1").await.unwrap();
    assert!(
        matches!(first.outcome, crate::service::authorize::AuthorizeOutcome::Login(_)),
        "its own, not spent by the other's try: {:?}",
        first.outcome
    );
    let again = authorize.begin(carried("client1"), None, "192.0.2.1").await;
    assert!(refused(&again), "used once: {again:?}");
    s.clock.advance(Duration::seconds(1));
    let (_, late) = s.par.push(&post("client1", "s"), body(&[]), "192.0.2.1").await.unwrap();
    s.clock.advance(Duration::seconds(60));
    let expired = AuthorizationParams::new(vec![
        ("client_id".into(), "client1".into()),
        ("request_uri".into(), late.request_uri),
        ("redirect_uri".into(), "https://rp.example/cb".into()),
    ]);
    let expired = authorize.begin(expired, None, "192.0.2.1").await;
    assert!(refused(&expired), "expired: {expired:?}");
}

#[tokio::test]
async fn no_credential_is_stored_and_the_client_id_is_always_the_authenticated_one() {
    let s = setup().await;
    let extra = [
        ("client_assertion", "eyJ.secret.sig"),
        ("client_assertion_type", "urn:x"),
        ("client_id", "client2"),
    ];
    let (_, pushed) = s.par.push(&post("client1", "s"), body(&extra), "192.0.2.1").await.unwrap();
    let digest = digest_of_presented(&pushed.request_uri).unwrap();
    let client1 = fixtures::client(1, "Billing", "s").id;
    let stored =
        s.store.take(&digest, &client1, T0).await.unwrap().expect("stored for the authenticated client");
    let text = stored.params.to_urlencoded();
    for secret in ["client_secret", "client_assertion", "client2"] {
        assert!(!text.contains(secret), "{secret} kept: {text}");
    }
}

#[tokio::test]
async fn one_address_may_store_only_its_quota_of_pushed_requests() {
    let s = setup().await;
    for _ in 0..5 {
        s.par.push(&post("client1", "s"), body(&[]), "192.0.2.1").await.unwrap();
    }
    let over = s.par.push(&post("client1", "s"), body(&[]), "192.0.2.1").await;
    assert!(matches!(over, Err(PushFailure::Throttled { retry_after_secs: 1..=600 })), "{over:?}");
    s.par.push(&post("client1", "s"), body(&[]), "198.51.100.1").await.expect("another address");
    s.clock.advance(Duration::minutes(10));
    s.par.push(&post("client1", "s"), body(&[]), "192.0.2.1").await.expect("a new window");
}
