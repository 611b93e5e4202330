//! The resource registry: what a registration must satisfy, and what an
//! update may change.

use super::*;
use crate::ports::MockResourceRepository;
use crate::testing::{InMemoryStore, ManualClock, fixtures::T0};

struct Harness {
    service: ResourceService,
    clock: Arc<ManualClock>,
    store: Arc<InMemoryStore>,
}

fn harness() -> Harness {
    let clock = Arc::new(ManualClock::at(T0));
    let catalog = Arc::new(
        ScopeCatalog::new([
            ("calendar:read", "See your calendar"),
            ("calendar:write", "Change your calendar"),
            ("payroll:read", "See your payslips"),
        ])
        .unwrap(),
    );
    let store = Arc::new(InMemoryStore::default());
    Harness {
        service: ResourceService::new(store.clone(), store.clone(), clock.clone(), catalog),
        clock,
        store,
    }
}

fn calendar() -> NewResource {
    NewResource {
        uri: "https://calendar.example.com/".into(),
        name: "Calendar API".into(),
        scopes: vec!["calendar:read".into(), "calendar:write".into()],
        ..NewResource::default()
    }
}

#[tokio::test]
async fn a_registered_resource_is_found_listed_and_described() {
    let h = harness();
    let created = h.service.create(&calendar()).await.unwrap();
    assert_eq!(created.uri.as_str(), "https://calendar.example.com/");
    assert!(!created.allow_dynamic_clients, "dynamic clients are off unless asked for");
    assert_eq!((created.access_token_ttl, created.access_token_alg), (None, None));
    assert_eq!(h.service.find("https://calendar.example.com/").await.unwrap(), created);
    assert_eq!(h.service.list().await.unwrap(), vec![created]);

    let document =
        h.service.metadata("https://calendar.example.com/", "https://auth.example.com").await.unwrap();
    assert_eq!(
        serde_json::to_value(&document).unwrap(),
        serde_json::json!({
            "resource": "https://calendar.example.com/",
            "authorization_servers": ["https://auth.example.com"],
            "scopes_supported": ["calendar:read", "calendar:write"],
            "bearer_methods_supported": ["header"],
            "resource_name": "Calendar API",
            "dpop_signing_alg_values_supported": ["ES256", "ES384", "RS256", "PS256", "EdDSA"],
        })
    );
}

#[tokio::test]
async fn lifetime_and_algorithm_are_bounded_and_optional() {
    let h = harness();
    let tuned = NewResource {
        access_token_ttl: Some(Duration::minutes(5)),
        access_token_alg: Some("RS256".into()),
        allow_dynamic_clients: true,
        ..calendar()
    };
    let created = h.service.create(&tuned).await.unwrap();
    assert_eq!(created.access_token_ttl, Some(Duration::minutes(5)));
    assert_eq!(created.access_token_alg, Some(SigningAlg::Rs256));
    assert!(created.allow_dynamic_clients);

    for ttl in [Duration::seconds(59), Duration::hours(25)] {
        let refused = NewResource {
            uri: "https://other.example.com".into(),
            access_token_ttl: Some(ttl),
            scopes: vec![],
            ..calendar()
        };
        assert!(matches!(
            h.service.create(&refused).await,
            Err(ResourceError::Invalid { field: "access_token_ttl", .. })
        ));
    }
    let bad_alg = NewResource {
        uri: "https://other.example.com".into(),
        access_token_alg: Some("HS256".into()),
        scopes: vec![],
        ..calendar()
    };
    assert!(matches!(
        h.service.create(&bad_alg).await,
        Err(ResourceError::Invalid { field: "access_token_alg", .. })
    ));
}

#[tokio::test]
async fn bad_uris_names_and_scopes_are_refused_and_nothing_is_written() {
    let h = harness();
    let cases: [(NewResource, &str); 11] = [
        (NewResource { uri: "/calendar".into(), ..calendar() }, "uri"),
        (NewResource { uri: "https://calendar.example.com/#frag".into(), ..calendar() }, "uri"),
        (NewResource { uri: "http://calendar.example.com/".into(), ..calendar() }, "uri"),
        (NewResource { uri: "https://calendar.example.com@evil.example/".into(), ..calendar() }, "uri"),
        (NewResource { name: "  ".into(), ..calendar() }, "name"),
        (NewResource { name: "x".repeat(101), ..calendar() }, "name"),
        (NewResource { name: "Bad\u{7}bell".into(), ..calendar() }, "name"),
        (NewResource { scopes: vec!["openid".into()], ..calendar() }, "scope"),
        (NewResource { scopes: vec!["offline_access".into()], ..calendar() }, "scope"),
        (NewResource { scopes: vec!["undeclared:scope".into()], ..calendar() }, "scope"),
        (
            NewResource { access_token_ttl: Some(Duration::milliseconds(60_500)), ..calendar() },
            "access_token_ttl",
        ),
    ];
    for (case, field) in cases {
        let error = h.service.create(&case).await.expect_err("refused");
        let named = match &error {
            ResourceError::Uri(_) => "uri",
            ResourceError::Invalid { field, .. } => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(named, field, "{error}");
        assert!(error.is_bad_input(), "{error}");
    }
    assert!(h.service.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_uri_is_registered_once_and_a_scope_belongs_to_one_resource() {
    let h = harness();
    h.service.create(&calendar()).await.unwrap();
    assert!(matches!(h.service.create(&calendar()).await, Err(ResourceError::Duplicate(_))));

    let payroll = NewResource {
        uri: "https://payroll.example.com".into(),
        name: "Payroll".into(),
        scopes: vec!["payroll:read".into(), "calendar:read".into()],
        ..NewResource::default()
    };
    match h.service.create(&payroll).await {
        Err(ResourceError::ScopeTaken { scope, owner }) => {
            assert_eq!((scope.as_str(), owner.as_str()), ("calendar:read", "https://calendar.example.com/"));
        }
        other => panic!("expected ScopeTaken, got {other:?}"),
    }
    let payroll = NewResource { scopes: vec!["payroll:read".into()], ..payroll };
    h.service.create(&payroll).await.unwrap();
    let grab = ResourceUpdate {
        scopes: Some(vec!["payroll:read".into(), "calendar:write".into()]),
        ..ResourceUpdate::default()
    };
    assert!(matches!(
        h.service.update("https://payroll.example.com", &grab).await,
        Err(ResourceError::ScopeTaken { .. })
    ));
    let stored = h.service.find("https://payroll.example.com").await.unwrap();
    assert_eq!(stored.scopes.len(), 1, "a refused update writes nothing");
}

#[tokio::test]
async fn an_update_changes_what_it_names_and_stamps_the_time() {
    let h = harness();
    let created = h
        .service
        .create(&NewResource { access_token_alg: Some("ES256".into()), ..calendar() })
        .await
        .unwrap();
    h.clock.advance(Duration::minutes(3));
    let update = ResourceUpdate {
        name: Some("Calendars".into()),
        allow_dynamic_clients: Some(true),
        access_token_ttl: Some(Some(Duration::minutes(15))),
        access_token_alg: Some(None),
        ..ResourceUpdate::default()
    };
    let updated = h.service.update("https://calendar.example.com/", &update).await.unwrap();
    assert_eq!(updated.name, "Calendars");
    assert!(updated.allow_dynamic_clients);
    assert_eq!(updated.access_token_ttl, Some(Duration::minutes(15)));
    assert_eq!(updated.access_token_alg, None, "cleared back to the server's default");
    assert_eq!(updated.scopes, created.scopes, "not named, not changed");
    assert_eq!((updated.created_at, updated.updated_at), (T0, T0 + Duration::minutes(3)));
    assert_eq!(h.service.find("https://calendar.example.com/").await.unwrap(), updated);
}

#[tokio::test]
async fn unknown_resources_are_reported_as_such() {
    let h = harness();
    let ghost = "https://ghost.example.com";
    assert!(matches!(h.service.find(ghost).await, Err(ResourceError::Unknown(_))));
    assert!(matches!(
        h.service.update(ghost, &ResourceUpdate::default()).await,
        Err(ResourceError::Unknown(_))
    ));
    assert!(matches!(h.service.delete(ghost).await, Err(ResourceError::Unknown(_))));
    assert!(matches!(
        h.service.metadata(ghost, "https://auth.example.com").await,
        Err(ResourceError::Unknown(_))
    ));
    h.service.create(&calendar()).await.unwrap();
    h.service.delete("https://calendar.example.com/").await.unwrap();
    assert!(h.service.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_failing_store_is_the_server_s_fault_not_the_operator_s() {
    let mut repo = MockResourceRepository::new();
    repo.expect_list().returning(|| Err(RepoError::Unavailable("down".into())));
    let service = ResourceService::new(
        Arc::new(repo),
        Arc::new(InMemoryStore::default()),
        Arc::new(ManualClock::at(T0)),
        Arc::new(ScopeCatalog::default()),
    );
    let error = service.list().await.expect_err("store down");
    assert!(!error.is_bad_input());
}

#[tokio::test]
async fn apply_checks_the_whole_file_before_writing_and_is_idempotent() {
    let h = harness();
    let payroll = NewResource {
        uri: "https://payroll.example.com".into(),
        name: "Payroll".into(),
        scopes: vec!["payroll:read".into()],
        ..NewResource::default()
    };
    let outcomes = h.service.apply(&[calendar(), payroll.clone()]).await.unwrap();
    assert_eq!(outcomes.iter().map(|(a, _)| *a).collect::<Vec<_>>(), [Applied::Created, Applied::Created]);
    h.clock.advance(Duration::minutes(1));
    let again = h.service.apply(&[calendar(), payroll.clone()]).await.unwrap();
    assert_eq!(again.iter().map(|(a, _)| *a).collect::<Vec<_>>(), [Applied::Unchanged, Applied::Unchanged]);
    assert_eq!(again[0].1.updated_at, T0, "an unchanged entry is not rewritten");

    let repeated = h.service.apply(&[payroll.clone(), payroll.clone()]).await;
    assert!(matches!(repeated, Err(ResourceError::Invalid { field: "uri", .. })));
    let shared =
        NewResource { scopes: vec!["payroll:read".into(), "calendar:read".into()], ..payroll.clone() };
    assert!(matches!(h.service.apply(&[calendar(), shared]).await, Err(ResourceError::ScopeTaken { .. })));
    let bad_second = NewResource { access_token_alg: Some("none".into()), ..payroll.clone() };
    let narrowed = NewResource { scopes: vec!["calendar:read".into()], ..calendar() };
    assert!(h.service.apply(&[narrowed.clone(), bad_second]).await.is_err());
    assert_eq!(h.service.find(&calendar().uri).await.unwrap().scopes.len(), 2, "nothing written");

    let moved = NewResource { scopes: vec!["payroll:read".into(), "calendar:write".into()], ..payroll };
    let outcomes = h.service.apply(&[narrowed, moved]).await.unwrap();
    assert_eq!(outcomes.iter().map(|(a, _)| *a).collect::<Vec<_>>(), [Applied::Updated, Applied::Updated]);
    assert_eq!(outcomes[1].1.created_at, T0, "an update keeps the registration time");
    assert_eq!(outcomes[1].1.updated_at, T0 + Duration::minutes(1));
}

#[tokio::test]
async fn apply_cannot_take_a_scope_from_a_resource_outside_the_file() {
    let h = harness();
    h.service.create(&calendar()).await.unwrap();
    let grab = NewResource {
        uri: "https://payroll.example.com".into(),
        name: "Payroll".into(),
        scopes: vec!["payroll:read".into(), "calendar:write".into()],
        ..NewResource::default()
    };
    assert!(matches!(h.service.apply(&[grab]).await, Err(ResourceError::ScopeTaken { .. })));
    assert_eq!(h.service.list().await.unwrap().len(), 1, "nothing written");
}

#[tokio::test]
async fn a_resource_named_by_a_client_cannot_be_deleted() {
    let h = harness();
    let created = h.service.create(&calendar()).await.unwrap();
    let mut client = crate::testing::fixtures::client(1, "Calendar app", "s");
    client.metadata.resources = [created.uri.clone()].into();
    crate::ports::ClientRepository::insert(h.store.as_ref(), &client).await.unwrap();
    match h.service.delete(created.uri.as_str()).await {
        Err(ResourceError::InUse { clients, .. }) => assert_eq!(clients, vec![client.id.as_str().to_owned()]),
        other => panic!("expected InUse, got {other:?}"),
    }
    assert!(h.service.find(created.uri.as_str()).await.is_ok(), "still registered");
    client.metadata.resources.clear();
    crate::ports::ClientRepository::update(h.store.as_ref(), &client).await.unwrap();
    h.service.delete(created.uri.as_str()).await.unwrap();
}
