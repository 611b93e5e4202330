use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Value, json};
use time::Duration;

use super::{
    RegistrationFailure, RegistrationMode, RegistrationPolicy, RegistrationPorts, RegistrationService,
};
use crate::client::{
    ClientOrigin, ClientType, RegistrationErrorCode, RegistrationRequest, SelfAssertedTemplate, UpdateClaims,
};
use crate::client_registration::ApplicationType;
use crate::ports::{ClientRegistrationRepository, ClientRepository};
use crate::scope::ScopeName;
use crate::service::registration_tokens::RegistrationTokenService;
use crate::testing::fixtures::T0;
use crate::testing::{InMemoryStore, ManualClock, SeqRandom};
use crate::throttle::AuthorizeQuota;

struct Setup {
    service: RegistrationService,
    tokens: RegistrationTokenService,
    store: Arc<InMemoryStore>,
    clock: Arc<ManualClock>,
}

fn setup(mode: RegistrationMode, per_address: u32, total: u32) -> Setup {
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(ManualClock::at(T0));
    let random = Arc::new(SeqRandom::new(11));
    let ports = RegistrationPorts::over(&store, clock.clone(), random.clone());
    let scopes: BTreeSet<ScopeName> =
        ["openid", "email"].iter().map(|s| ScopeName::parse(s).unwrap()).collect();
    let policy = RegistrationPolicy {
        mode,
        template: SelfAssertedTemplate { scopes },
        per_address: AuthorizeQuota { per_address, window: Duration::hours(1) },
        total: AuthorizeQuota { per_address: total, window: Duration::hours(1) },
        max_clients: 5,
    };
    let tokens = RegistrationTokenService::new(store.clone(), clock.clone(), random);
    Setup { service: RegistrationService::new(ports, policy), tokens, store, clock }
}

fn request(value: Value) -> RegistrationRequest {
    serde_json::from_value(value).unwrap()
}

fn claims(value: Value) -> UpdateClaims {
    serde_json::from_value(value).unwrap()
}

fn web() -> RegistrationRequest {
    request(json!({"redirect_uris": ["https://rp.example/cb"], "client_name": "RP"}))
}

#[tokio::test]
async fn token_mode_spends_one_use_per_registration_and_refuses_without_one() {
    let s = setup(RegistrationMode::Token, 100, 100);
    let (token, secret) = s.tokens.create(1, Duration::hours(1)).await.unwrap();
    for presented in [None, Some("wrong")] {
        let refused = s.service.register(&web(), presented, "192.0.2.1").await;
        assert!(matches!(refused, Err(RegistrationFailure::InvalidToken)), "{refused:?}");
    }
    let registered = s.service.register(&web(), Some(secret.expose()), "192.0.2.1").await.unwrap();
    let again = s.service.register(&web(), Some(secret.expose()), "192.0.2.1").await;
    assert!(matches!(again, Err(RegistrationFailure::InvalidToken)), "one use");

    let client = ClientRepository::find(s.store.as_ref(), &registered.client.id).await.unwrap().unwrap();
    assert_eq!(
        (client.origin, client.metadata.client_type),
        (ClientOrigin::Dynamic, ClientType::Confidential)
    );
    let issued = registered.secret.expect("a confidential client's secret");
    assert!(client.secret_matches(issued.expose(), T0));
    assert!(!client.id.is_url());
    let stored = ClientRegistrationRepository::find(s.store.as_ref(), &client.id).await.unwrap().unwrap();
    assert_eq!(stored.initial_token, Some(token.id));
    assert_eq!(stored.registered_from, "192.0.2.1");
    assert!(stored.access_token.verify(registered.access_token.expose()));
}

#[tokio::test]
async fn a_refused_request_spends_no_token_and_no_quota() {
    let s = setup(RegistrationMode::Token, 1, 1);
    let (_, secret) = s.tokens.create(1, Duration::hours(1)).await.unwrap();
    let widening = request(json!({
        "redirect_uris": ["https://rp.example/cb"], "grant_types": ["client_credentials"]
    }));
    match s.service.register(&widening, Some(secret.expose()), "192.0.2.1").await {
        Err(RegistrationFailure::Refused(refused)) => {
            assert_eq!(
                (refused.code, refused.member),
                (RegistrationErrorCode::InvalidClientMetadata, "grant_types")
            );
        }
        other => panic!("{other:?}"),
    }
    let fragment = request(json!({"redirect_uris": ["https://rp.example/cb#f"]}));
    let refused = s.service.register(&fragment, Some(secret.expose()), "192.0.2.1").await;
    assert!(
        matches!(refused, Err(RegistrationFailure::Refused(r)) if r.code == RegistrationErrorCode::InvalidRedirectUri)
    );
    s.service
        .register(&web(), Some(secret.expose()), "192.0.2.1")
        .await
        .expect("the use and the quota are intact");
}

#[tokio::test]
async fn open_mode_is_bounded_per_address_and_in_total() {
    let s = setup(RegistrationMode::Open, 2, 3);
    for _ in 0..2 {
        s.service.register(&web(), None, "192.0.2.1").await.unwrap();
    }
    let third = s.service.register(&web(), None, "192.0.2.1").await;
    assert!(matches!(third, Err(RegistrationFailure::Throttled { retry_after_secs: 3600 })), "{third:?}");
    s.service.register(&web(), None, "198.51.100.1").await.expect("another address has its own quota");
    let over_total = s.service.register(&web(), None, "203.0.113.1").await;
    assert!(matches!(over_total, Err(RegistrationFailure::Throttled { .. })), "every address together");
}

#[tokio::test]
async fn a_read_rotates_the_token_and_only_the_current_one_works() {
    let s = setup(RegistrationMode::Open, 10, 10);
    let native = request(json!({
        "redirect_uris": ["http://127.0.0.1/cb"], "application_type": "native", "token_endpoint_auth_method": "none"
    }));
    let first = s.service.register(&native, None, "192.0.2.1").await.unwrap();
    let other = s.service.register(&web(), None, "192.0.2.1").await.unwrap();
    assert!(first.secret.is_none(), "a public client has no secret");
    let id = first.client.id.as_str();

    let read = s.service.read(id, first.access_token.expose()).await.unwrap();
    assert_eq!(read.client, first.client);
    assert_eq!(read.registration.application_type, ApplicationType::Native);
    assert_ne!(read.access_token.expose(), first.access_token.expose());
    for presented in [first.access_token.expose(), other.access_token.expose(), ""] {
        assert!(matches!(s.service.read(id, presented).await, Err(RegistrationFailure::InvalidToken)));
    }
    for unknown in ["nope", "https://rp.example/c", "not an id!"] {
        assert!(matches!(
            s.service.read(unknown, read.access_token.expose()).await,
            Err(RegistrationFailure::InvalidToken)
        ));
    }
    s.service.read(id, read.access_token.expose()).await.expect("the new token works");
}

#[tokio::test]
async fn an_update_replaces_the_registration_and_widens_nothing() {
    let s = setup(RegistrationMode::Open, 10, 10);
    let first = s.service.register(&web(), None, "192.0.2.1").await.unwrap();
    let id = first.client.id.as_str().to_owned();
    let secret = first.secret.as_ref().unwrap().expose().to_owned();
    let token = first.access_token.expose().to_owned();
    let refusals: Vec<(Value, &str)> = vec![
        (json!({}), "client_id"),
        (json!({"client_id": "someone-else"}), "client_id"),
        (json!({"client_id": id, "client_secret": "mine"}), "client_secret"),
        (json!({"client_id": id, "registration_access_token": token}), "registration_access_token"),
        (json!({"client_id": id, "client_id_issued_at": 1}), "client_id_issued_at"),
    ];
    for (sent, member) in refusals {
        match s.service.update(&id, &token, &web(), &claims(sent), "192.0.2.1").await {
            Err(RegistrationFailure::Refused(r)) => assert_eq!(r.member, member),
            other => panic!("{member}: {other:?}"),
        }
    }
    let identity = claims(json!({"client_id": id, "client_secret": secret}));
    let widening =
        request(json!({"redirect_uris": ["https://rp.example/cb"], "grant_types": ["client_credentials"]}));
    let public =
        request(json!({"redirect_uris": ["https://rp.example/cb"], "token_endpoint_auth_method": "none"}));
    let plain_http = request(json!({"redirect_uris": ["http://evil.example/cb"]}));
    for refused in [widening, public, plain_http] {
        assert!(matches!(
            s.service.update(&id, &token, &refused, &identity, "192.0.2.1").await,
            Err(RegistrationFailure::Refused(_))
        ));
    }

    let moved = request(json!({"redirect_uris": ["https://rp.example/new"], "scope": "openid admin"}));
    let updated = s.service.update(&id, &token, &moved, &identity, "192.0.2.1").await.unwrap();
    assert_eq!(updated.client.metadata.redirect_uris[0].as_str(), "https://rp.example/new");
    let scopes: Vec<&str> = updated.client.metadata.scopes.iter().map(ScopeName::as_str).collect();
    assert_eq!(scopes, ["openid"], "omitted members cleared, scopes narrowed");
    assert_eq!(updated.client.metadata.name, "Unnamed application");
    assert!(matches!(
        s.service.update(&id, &token, &moved, &identity, "192.0.2.1").await,
        Err(RegistrationFailure::InvalidToken)
    ));
    assert!(updated.client.secret_matches(&secret, T0), "the secret stays");
}

#[tokio::test]
async fn delete_takes_the_current_token_and_a_disabled_client_is_closed() {
    let s = setup(RegistrationMode::Open, 10, 10);
    let first = s.service.register(&web(), None, "192.0.2.1").await.unwrap();
    let second = s.service.register(&web(), None, "192.0.2.1").await.unwrap();
    let id = first.client.id.as_str();
    assert!(matches!(
        s.service.delete(id, second.access_token.expose(), "192.0.2.1").await,
        Err(RegistrationFailure::InvalidToken)
    ));
    s.service.delete(id, first.access_token.expose(), "192.0.2.1").await.unwrap();
    assert!(ClientRepository::find(s.store.as_ref(), &first.client.id).await.unwrap().is_none());
    assert!(matches!(
        s.service.delete(id, first.access_token.expose(), "192.0.2.1").await,
        Err(RegistrationFailure::InvalidToken)
    ));

    let mut blocked = second.client.clone();
    blocked.disabled = true;
    s.store.as_ref().update(&blocked).await.unwrap();
    let refused = s.service.read(second.client.id.as_str(), second.access_token.expose()).await;
    assert!(matches!(refused, Err(RegistrationFailure::InvalidToken)), "an operator's block holds");
}

#[tokio::test]
async fn the_janitor_deletes_clients_idle_past_the_period_and_spares_used_ones() {
    use crate::service::retention::{RetentionPorts, RetentionService};

    let s = setup(RegistrationMode::Token, 10, 10);
    let (_, secret) = s.tokens.create(2, Duration::hours(1)).await.unwrap();
    let public =
        request(json!({"redirect_uris": ["https://rp.example/cb"], "token_endpoint_auth_method": "none"}));
    let idle = s.service.register(&public, Some(secret.expose()), "192.0.2.1").await.unwrap();
    let used = s.service.register(&public, Some(secret.expose()), "192.0.2.1").await.unwrap();
    let janitor = RetentionService::new(RetentionPorts::over(&s.store), s.clock.clone())
        .deleting_idle_clients(s.store.clone(), Duration::days(30));

    s.clock.advance(Duration::days(20));
    // What the token endpoint writes when it issues `used` tokens.
    let now = T0 + Duration::days(20);
    s.store.record_use(&used.client.id, now, now - Duration::hours(1)).await.unwrap();
    // Managing a registration is not a use: a token holder alone cannot
    // keep a client alive.
    s.service.read(idle.client.id.as_str(), idle.access_token.expose()).await.unwrap();
    s.clock.advance(Duration::days(10));
    janitor.purge_sign_in_state(100).await.unwrap();
    let kept = ClientRepository::find(s.store.as_ref(), &idle.client.id).await.unwrap();
    assert!(kept.is_some(), "exactly 30 days, and it spent a token: kept");

    s.clock.advance(Duration::seconds(1));
    janitor.purge_sign_in_state(100).await.unwrap();
    assert!(ClientRepository::find(s.store.as_ref(), &idle.client.id).await.unwrap().is_none(), "idle: gone");
    assert!(
        ClientRepository::find(s.store.as_ref(), &used.client.id).await.unwrap().is_some(),
        "used 10 days ago"
    );
}

#[tokio::test]
async fn an_anonymous_client_never_issued_tokens_is_gone_after_a_day() {
    use crate::client_registration::UNUSED_ANONYMOUS_CLIENT_MEMORY;
    use crate::service::retention::{RetentionPorts, RetentionService};

    let s = setup(RegistrationMode::Open, 10, 10);
    let unused = s.service.register(&web(), None, "192.0.2.1").await.unwrap();
    let used = s.service.register(&web(), None, "192.0.2.1").await.unwrap();
    s.store.record_use(&used.client.id, T0, T0 - Duration::hours(1)).await.unwrap();
    let janitor = RetentionService::new(RetentionPorts::over(&s.store), s.clock.clone())
        .deleting_idle_clients(s.store.clone(), Duration::days(30));
    s.clock.advance(UNUSED_ANONYMOUS_CLIENT_MEMORY);
    janitor.purge_sign_in_state(100).await.unwrap();
    assert!(
        ClientRepository::find(s.store.as_ref(), &unused.client.id).await.unwrap().is_some(),
        "a day: kept"
    );
    s.clock.advance(Duration::seconds(1));
    janitor.purge_sign_in_state(100).await.unwrap();
    assert!(
        ClientRepository::find(s.store.as_ref(), &unused.client.id).await.unwrap().is_none(),
        "never used: gone"
    );
    assert!(ClientRepository::find(s.store.as_ref(), &used.client.id).await.unwrap().is_some(), "used: kept");
}

#[tokio::test]
async fn a_caller_without_a_token_spends_nobodys_quota() {
    let s = setup(RegistrationMode::Token, 1, 1);
    let (_, secret) = s.tokens.create(1, Duration::hours(1)).await.unwrap();
    for _ in 0..3 {
        let refused = s.service.register(&web(), Some("guess"), "192.0.2.1").await;
        assert!(matches!(refused, Err(RegistrationFailure::InvalidToken)));
    }
    s.service
        .register(&web(), Some(secret.expose()), "192.0.2.1")
        .await
        .expect("the address's quota is intact");
}

#[tokio::test]
async fn the_number_of_dynamic_clients_is_bounded() {
    let s = setup(RegistrationMode::Open, 100, 100);
    for n in 0..5 {
        let address = format!("192.0.2.{n}");
        s.service.register(&web(), None, &address).await.unwrap();
    }
    let full = s.service.register(&web(), None, "198.51.100.1").await;
    assert!(matches!(full, Err(RegistrationFailure::Full)), "{full:?}");
    assert_eq!(ClientRegistrationRepository::count(s.store.as_ref()).await.unwrap(), 5);
}

#[tokio::test]
async fn a_full_registry_spends_no_initial_access_token() {
    let s = setup(RegistrationMode::Token, 100, 100);
    let (_, secret) = s.tokens.create(6, Duration::hours(1)).await.unwrap();
    for n in 0..5 {
        s.service.register(&web(), Some(secret.expose()), &format!("192.0.2.{n}")).await.unwrap();
    }
    let full = s.service.register(&web(), Some(secret.expose()), "192.0.2.9").await;
    assert!(matches!(full, Err(RegistrationFailure::Full)), "{full:?}");
    assert_eq!(s.tokens.list().await.unwrap()[0].uses_left, 1, "the sixth use is still there");
}

/// Each update is a stored security event, so a client's updates are
/// bounded like registrations: past the quota, 429 and nothing changed;
/// another client is not charged for them.
#[tokio::test]
async fn updates_from_one_address_are_bounded() {
    let s = setup(RegistrationMode::Open, 2, 10);
    let first = s.service.register(&web(), None, "192.0.2.1").await.unwrap();
    let id = first.client.id.as_str().to_owned();
    let identity = claims(json!({"client_id": id}));
    let mut token = first.access_token.expose().to_owned();
    for _ in 0..2 {
        let updated = s.service.update(&id, &token, &web(), &identity, "192.0.2.9").await.unwrap();
        token = updated.access_token.expose().to_owned();
    }
    assert!(matches!(
        s.service.update(&id, &token, &web(), &identity, "192.0.2.9").await,
        Err(RegistrationFailure::Throttled { .. })
    ));
    // Another client from the same address still may.
    let other = s.service.register(&web(), None, "192.0.2.2").await.unwrap();
    let other_id = other.client.id.as_str().to_owned();
    let other_identity = claims(json!({"client_id": other_id}));
    let other_token = other.access_token.expose().to_owned();
    assert!(s.service.update(&other_id, &other_token, &web(), &other_identity, "192.0.2.9").await.is_ok());
}
