//! Which resources a request may name, and which one a token is for.

use super::*;
use crate::ports::MockResourceRepository;
use crate::testing::InMemoryStore;
use crate::testing::fixtures;

fn uris(list: &[&str]) -> BTreeSet<ResourceUri> {
    list.iter().map(|u| ResourceUri::parse(u).unwrap()).collect()
}

fn scopes(list: &[&str]) -> BTreeSet<ScopeName> {
    list.iter().map(|s| ScopeName::parse(s).unwrap()).collect()
}

const CALENDAR: &str = "https://calendar.example.com/";
const PAYROLL: &str = "https://payroll.example.com";

async fn targets() -> ResourceTargets {
    let store = Arc::new(InMemoryStore::default());
    for (uri, owned) in
        [(CALENDAR, &["calendar:read", "calendar:write"][..]), (PAYROLL, &["payroll:read"][..])]
    {
        let resource = Resource { name: uri.into(), ..fixtures::resource(uri, owned) };
        ResourceRepository::insert(store.as_ref(), &resource).await.unwrap();
    }
    ResourceTargets::new(store)
}

fn code(error: &OAuthError) -> &'static str {
    error.code()
}

#[test]
fn requested_resources_must_be_uris_the_client_may_ask_for() {
    let allowed = uris(&[CALENDAR, PAYROLL]);
    assert_eq!(requested_resources([CALENDAR, CALENDAR], &allowed).unwrap(), uris(&[CALENDAR]));
    for bad in ["/calendar", "https://calendar.example.com/#x", "https://other.example.com"] {
        let error = requested_resources([bad], &allowed).expect_err(bad);
        assert_eq!(code(&error), "invalid_target", "{bad}");
    }
    let many: Vec<String> = (0..=MAX_RESOURCES).map(|n| format!("https://api{n}.example.com")).collect();
    let allowed_many: BTreeSet<ResourceUri> = many.iter().map(|u| ResourceUri::parse(u).unwrap()).collect();
    let error = requested_resources(many.iter().map(String::as_str), &allowed_many).expect_err("bounded");
    assert_eq!(code(&error), "invalid_target");
}

#[tokio::test]
async fn a_request_without_api_scopes_or_resources_reads_nothing() {
    // A mock with no expectation panics if it is read.
    let targets = ResourceTargets::new(Arc::new(MockResourceRepository::new()));
    assert!(
        targets.check(&scopes(&["openid", "offline_access"]), &BTreeSet::new()).await.unwrap().is_empty()
    );
    let default =
        targets.choose(&uris(&[CALENDAR]), &BTreeSet::new(), &scopes(&["openid", "email"])).await.unwrap();
    assert_eq!(default, TokenTarget { resource: None, scopes: scopes(&["openid", "email"]) });
}

#[tokio::test]
async fn a_resource_scope_needs_its_resource_and_a_resource_must_be_registered() {
    let t = targets().await;
    let found = t.check(&scopes(&["openid", "calendar:read"]), &uris(&[CALENDAR])).await.unwrap();
    assert_eq!(found.iter().map(|r| r.uri.as_str()).collect::<Vec<_>>(), [CALENDAR]);
    let without =
        t.check(&scopes(&["openid", "calendar:read"]), &BTreeSet::new()).await.expect_err("no resource");
    assert_eq!(code(&without), "invalid_scope");
    let elsewhere =
        t.check(&scopes(&["calendar:read"]), &uris(&[PAYROLL])).await.expect_err("wrong resource");
    assert_eq!(code(&elsewhere), "invalid_scope");
    let unknown =
        t.check(&scopes(&["openid"]), &uris(&["https://gone.example.com"])).await.expect_err("unknown");
    assert_eq!(code(&unknown), "invalid_target");
    assert_eq!(
        t.check(&scopes(&["api:free"]), &BTreeSet::new()).await.unwrap(),
        vec![],
        "a scope no resource owns"
    );
}

#[tokio::test]
async fn a_token_is_for_one_granted_resource_with_its_scopes() {
    let t = targets().await;
    let granted = uris(&[CALENDAR, PAYROLL]);
    let all = scopes(&["openid", "offline_access", "calendar:read", "payroll:read", "api:free"]);
    let calendar = t.choose(&granted, &uris(&[CALENDAR]), &all).await.unwrap();
    assert_eq!(calendar.resource.map(|r| r.uri.to_string()), Some(CALENDAR.to_owned()));
    assert_eq!(calendar.scopes, scopes(&["openid", "offline_access", "calendar:read"]));
    let default = t.choose(&granted, &BTreeSet::new(), &all).await.unwrap();
    assert_eq!(default.resource, None, "no resource named: the default audience");
    assert_eq!(default.scopes, scopes(&["openid", "offline_access", "api:free"]), "no resource's scope");
    // A family granted before its API was registered names no resource:
    // its default tokens still lose the resource's scope.
    let legacy = t.choose(&BTreeSet::new(), &BTreeSet::new(), &all).await.unwrap();
    assert_eq!(legacy.scopes, scopes(&["openid", "offline_access", "api:free"]));

    for (what, requested, granted) in [
        ("two at once", uris(&[CALENDAR, PAYROLL]), granted.clone()),
        ("not granted", uris(&[PAYROLL]), uris(&[CALENDAR])),
        ("granted, since deleted", uris(&["https://gone.example.com"]), uris(&["https://gone.example.com"])),
    ] {
        let error = t.choose(&granted, &requested, &all).await.expect_err(what);
        assert_eq!(code(&error), "invalid_target", "{what}");
    }
}

#[tokio::test]
async fn a_self_registered_client_gets_only_resources_open_to_such_clients_now() {
    use crate::client::ClientOrigin;
    let store = Arc::new(InMemoryStore::default());
    let open = Resource { allow_dynamic_clients: true, ..fixtures::resource(CALENDAR, &["calendar:read"]) };
    ResourceRepository::insert(store.as_ref(), &open).await.unwrap();
    ResourceRepository::insert(store.as_ref(), &fixtures::resource(PAYROLL, &["payroll:read"]))
        .await
        .unwrap();
    let targets = ResourceTargets::new(store.clone());
    let operators = fixtures::client(1, "Operator's", "s");
    let dynamic =
        crate::client::Client { origin: ClientOrigin::Dynamic, ..fixtures::client(2, "Agent", "s") };
    let both = uris(&[CALENDAR, PAYROLL]);

    assert_eq!(targets.check_for(&operators, &scopes(&[]), &uris(&[PAYROLL])).await.unwrap().len(), 1);
    assert_eq!(targets.check_for(&dynamic, &scopes(&[]), &uris(&[CALENDAR])).await.unwrap().len(), 1);
    let error = targets.check_for(&dynamic, &scopes(&[]), &uris(&[PAYROLL])).await.unwrap_err();
    assert_eq!(code(&error), "invalid_target");
    let error = targets.choose_for(&dynamic, &both, &uris(&[PAYROLL]), &scopes(&[])).await.unwrap_err();
    assert_eq!(code(&error), "invalid_target", "granted before, closed now");

    // The operator closes the calendar: what the client was given no longer counts.
    let closed = Resource { allow_dynamic_clients: false, ..open };
    ResourceRepository::update(store.as_ref(), &closed).await.unwrap();
    let error = targets.choose_for(&dynamic, &both, &uris(&[CALENDAR]), &scopes(&[])).await.unwrap_err();
    assert_eq!(code(&error), "invalid_target");
    assert!(targets.choose_for(&operators, &both, &uris(&[CALENDAR]), &scopes(&[])).await.is_ok());
    // Tokens already issued for it die at introspection and userinfo.
    assert!(!targets.still_open_to(&dynamic, CALENDAR).await.unwrap());
    assert!(targets.still_open_to(&operators, CALENDAR).await.unwrap());
    let reopened = Resource { allow_dynamic_clients: true, ..closed };
    ResourceRepository::update(store.as_ref(), &reopened).await.unwrap();
    assert!(targets.still_open_to(&dynamic, CALENDAR).await.unwrap());
    assert!(!targets.still_open_to(&dynamic, "https://unknown.example/").await.unwrap());
}
