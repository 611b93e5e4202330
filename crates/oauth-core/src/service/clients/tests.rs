//! The client registry: secrets shown once, rotation with a grace, and
//! the checks a registration passes.

use super::*;
use crate::ports::MockClientRepository;
use crate::testing::fixtures::{self, T0};
use crate::testing::{InMemoryStore, ManualClock, SeqRandom};

struct Harness {
    service: ClientService,
    clock: Arc<ManualClock>,
}

fn harness() -> Harness {
    let clock = Arc::new(ManualClock::at(T0));
    let catalog = Arc::new(ScopeCatalog::new([("api:read", "Read your invoices")]).unwrap());
    let service = ClientService::new(
        Arc::new(InMemoryStore::default()),
        clock.clone(),
        Arc::new(SeqRandom::new(9)),
        catalog,
    );
    Harness { service, clock }
}

/// Whether the token endpoint's secret rule, `Client::accepts_secret`,
/// takes `secret` for the client named `id` now.
async fn accepts(h: &Harness, id: &str, secret: &str) -> bool {
    match h.service.find(id).await {
        Ok(client) => client.accepts_secret(secret, h.clock.now()),
        Err(_) => false,
    }
}

fn spec(name: &str, client_type: &str) -> ClientSpec {
    ClientSpec {
        name: name.into(),
        client_type: client_type.into(),
        redirect_uris: vec!["https://rp.example/cb".into()],
        scopes: vec!["openid".into()],
        ..ClientSpec::default()
    }
}

#[tokio::test]
async fn a_confidential_client_gets_a_secret_once_and_only_its_digest_is_kept() {
    let h = harness();
    let (client, secret) = h.service.create(&spec("Billing", "confidential")).await.unwrap();
    let secret = secret.expect("confidential clients get a secret");
    assert_eq!(client.secrets.len(), 1);
    assert!(client.secrets[0].digest.verify(secret.expose()));
    assert!(accepts(&h, client.id.as_str(), secret.expose()).await);
    let (public, none) = h.service.create(&spec("Mobile", "public")).await.unwrap();
    assert!(none.is_none());
    assert!(public.secrets.is_empty());
}

#[tokio::test]
async fn wrong_secret_other_clients_secret_unknown_and_disabled_all_fail_alike() {
    let h = harness();
    let (a, secret_a) = h.service.create(&spec("A", "confidential")).await.unwrap();
    let (b, secret_b) = h.service.create(&spec("B", "confidential")).await.unwrap();
    let (secret_a, secret_b) = (secret_a.unwrap(), secret_b.unwrap());
    let failures = [
        (a.id.as_str(), "wrong"),
        (a.id.as_str(), secret_b.expose()),
        (b.id.as_str(), secret_a.expose()),
        ("unknown-client", secret_a.expose()),
        ("not a client id!", secret_a.expose()),
    ];
    for (id, secret) in failures {
        assert!(!accepts(&h, id, secret).await, "{id}");
    }
    h.service.set_disabled(a.id.as_str(), true).await.unwrap();
    assert!(!accepts(&h, a.id.as_str(), secret_a.expose()).await);
    h.service.set_disabled(a.id.as_str(), false).await.unwrap();
    assert!(accepts(&h, a.id.as_str(), secret_a.expose()).await);
}

#[tokio::test]
async fn rotation_with_grace_keeps_the_old_secret_until_the_grace_ends() {
    let h = harness();
    let (client, old) = h.service.create(&spec("Billing", "confidential")).await.unwrap();
    let old = old.unwrap();
    let id = client.id.as_str();
    let (_, new) = h.service.rotate_secret(id, Some(Duration::hours(24))).await.unwrap();
    assert!(accepts(&h, id, new.expose()).await);
    h.clock.advance(Duration::hours(24) - Duration::seconds(1));
    assert!(accepts(&h, id, old.expose()).await, "inside the grace");
    h.clock.advance(Duration::seconds(1));
    assert!(!accepts(&h, id, old.expose()).await, "the grace has ended");
    assert!(accepts(&h, id, new.expose()).await);
}

#[tokio::test]
async fn rotation_without_grace_stops_the_old_secret_at_once() {
    let h = harness();
    let (client, old) = h.service.create(&spec("Billing", "confidential")).await.unwrap();
    let (_, new) = h.service.rotate_secret(client.id.as_str(), None).await.unwrap();
    assert!(!accepts(&h, client.id.as_str(), old.unwrap().expose()).await);
    assert!(accepts(&h, client.id.as_str(), new.expose()).await);
}

#[tokio::test]
async fn a_public_client_has_no_secret_to_rotate() {
    let h = harness();
    let (client, _) = h.service.create(&spec("Mobile", "public")).await.unwrap();
    assert!(matches!(h.service.rotate_secret(client.id.as_str(), None).await, Err(ClientError::NoSecret)));
}

#[tokio::test]
async fn update_revalidates_and_keeps_what_it_does_not_name() {
    let h = harness();
    let (client, _) = h.service.create(&spec("Billing", "confidential")).await.unwrap();
    let id = client.id.as_str();
    let bad =
        ClientUpdate { redirect_uris: Some(vec!["http://rp.example/cb".into()]), ..ClientUpdate::default() };
    let error = h.service.update(id, bad).await.unwrap_err();
    assert!(matches!(&error, ClientError::Invalid(e) if e.field == "redirect_uri"), "{error}");
    let good = ClientUpdate {
        skip_consent: Some(true),
        scopes: Some(vec!["openid".into(), "api:read".into()]),
        ..ClientUpdate::default()
    };
    let updated = h.service.update(id, good).await.unwrap();
    assert!(updated.metadata.skip_consent);
    assert_eq!(updated.metadata.redirect_uris, client.metadata.redirect_uris);
    assert_eq!(h.service.find(id).await.unwrap().metadata, updated.metadata);
}

#[tokio::test]
async fn duplicate_names_are_refused() {
    let h = harness();
    h.service.create(&spec("Billing", "confidential")).await.unwrap();
    let error = h.service.create(&spec("BILLING", "public")).await.unwrap_err();
    assert!(matches!(error, ClientError::DuplicateName(_)));
}

#[tokio::test]
async fn apply_is_idempotent_and_shows_secrets_only_on_creation() {
    let h = harness();
    let file = vec![spec("Billing", "confidential"), spec("Mobile", "public")];
    let first = h.service.apply(&file).await.unwrap();
    assert!(matches!(&first[0], ApplyOutcome::Created(_, Some(_))));
    assert!(matches!(&first[1], ApplyOutcome::Created(_, None)));
    let second = h.service.apply(&file).await.unwrap();
    assert!(second.iter().all(|o| matches!(o, ApplyOutcome::Unchanged(_))), "{second:?}");
    let mut changed = file.clone();
    changed[1].redirect_uris = vec!["com.example.app:/cb".into()];
    let third = h.service.apply(&changed).await.unwrap();
    assert!(
        matches!(&third[1], ApplyOutcome::Updated(c) if c.metadata.redirect_uris[0].as_str() == "com.example.app:/cb")
    );
    assert_eq!(h.service.list().await.unwrap().len(), 2);
}

#[tokio::test]
async fn apply_writes_nothing_when_one_entry_is_invalid() {
    // A repository that may be read but never written.
    let mut repo = MockClientRepository::new();
    repo.expect_find_by_name().returning(|_| Ok(None));
    repo.expect_insert().never();
    repo.expect_update().never();
    let service = ClientService::new(
        Arc::new(repo),
        Arc::new(ManualClock::at(T0)),
        Arc::new(SeqRandom::new(1)),
        Arc::new(ScopeCatalog::default()),
    );
    let file = vec![
        spec("Good", "confidential"),
        ClientSpec { scopes: vec!["api:nope".into()], ..spec("Bad", "public") },
    ];
    let error = service.apply(&file).await.unwrap_err();
    assert!(matches!(&error, ClientError::Invalid(e) if e.field == "scope"), "{error}");
    let repeated = vec![spec("Same", "public"), spec("same", "public")];
    assert!(matches!(service.apply(&repeated).await, Err(ClientError::RepeatedInFile(_))));
}

#[tokio::test]
async fn apply_refuses_to_change_a_client_type() {
    let h = harness();
    h.service.apply(&[spec("Billing", "confidential")]).await.unwrap();
    let error = h.service.apply(&[spec("Billing", "public")]).await.unwrap_err();
    assert!(matches!(error, ClientError::TypeChange(..)));
}

/// A client may name only registered resources; the list is replaced or
/// cleared by an update, and a server without a registry refuses any.
#[tokio::test]
async fn a_client_names_only_registered_resources() {
    use crate::ports::ResourceRepository;
    use crate::resource::{Resource, ResourceUri};

    let store = Arc::new(InMemoryStore::default());
    let calendar = ResourceUri::parse("https://calendar.example.com/").unwrap();
    ResourceRepository::insert(
        store.as_ref(),
        &Resource { name: "Calendar".into(), ..fixtures::resource(calendar.as_str(), &[]) },
    )
    .await
    .unwrap();
    let catalog = Arc::new(ScopeCatalog::default());
    let clock = Arc::new(ManualClock::at(T0));
    let service =
        ClientService::new(store.clone(), clock.clone(), Arc::new(SeqRandom::new(3)), catalog.clone())
            .with_resource_registry(store.clone());

    let mut with_resource = spec("Calendar app", "confidential");
    with_resource.resources = vec!["https://calendar.example.com/".into()];
    let (client, _) = service.create(&with_resource).await.unwrap();
    assert_eq!(client.metadata.resources, [calendar.clone()].into());

    let mut unregistered = spec("Payroll app", "confidential");
    unregistered.resources = vec!["https://payroll.example.com".into()];
    assert!(matches!(service.create(&unregistered).await, Err(ClientError::UnknownResource(_))));
    let mut malformed = spec("Payroll app", "confidential");
    malformed.resources = vec!["https://payroll.example.com/#x".into()];
    assert!(
        matches!(service.create(&malformed).await, Err(ClientError::Invalid(e)) if e.field == "resource")
    );
    assert_eq!(service.list().await.unwrap().len(), 1, "nothing written for a refused client");

    let widen = ClientUpdate {
        resources: Some(vec!["https://payroll.example.com".into()]),
        ..ClientUpdate::default()
    };
    assert!(matches!(service.update(client.id.as_str(), widen).await, Err(ClientError::UnknownResource(_))));
    let clear = ClientUpdate { resources: Some(Vec::new()), ..ClientUpdate::default() };
    let cleared = service.update(client.id.as_str(), clear).await.unwrap();
    assert!(cleared.metadata.resources.is_empty());

    let without_registry = ClientService::new(store, clock, Arc::new(SeqRandom::new(4)), catalog);
    let mut named = spec("Other app", "confidential");
    named.resources = vec!["https://calendar.example.com/".into()];
    assert!(matches!(without_registry.create(&named).await, Err(ClientError::UnknownResource(_))));
}
