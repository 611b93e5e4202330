use std::sync::Arc;

use super::*;
use crate::testing::fixtures::{self, T0};
use crate::testing::{InMemoryStore, ManualClock, MemoryClientCache};

struct Fixture {
    store: Arc<InMemoryStore>,
    cache: Arc<MemoryClientCache>,
    directory: ClientDirectory,
    client: Client,
}

async fn fixture() -> Fixture {
    let store = Arc::new(InMemoryStore::default());
    let cache = Arc::new(MemoryClientCache::default());
    let client = fixtures::client(1, "Cached", "s3cret");
    ClientRepository::insert(store.as_ref(), &client).await.unwrap();
    let directory = ClientDirectory::cached(store.clone(), cache.clone(), Arc::new(ManualClock::at(T0)));
    Fixture { store, cache, directory, client }
}

fn disabled(client: &Client) -> Client {
    Client { disabled: true, ..client.clone() }
}

fn enabled(client: &Client) -> bool {
    !client.disabled
}

#[tokio::test]
async fn a_copy_that_accepts_is_used_and_may_delay_a_refusal() {
    let f = fixture().await;
    f.cache.hold(f.client.clone());
    // Disabled elsewhere, straight in the store: the copy still accepts.
    ClientRepository::update(f.store.as_ref(), &disabled(&f.client)).await.unwrap();
    assert!(f.directory.find_accepted(&f.client.id, enabled).await.unwrap().is_some());
    assert!(f.directory.find_fresh(&f.client.id).await.unwrap().unwrap().disabled, "fresh reads the store");
    assert!(f.cache.get(&f.client.id, T0).unwrap().disabled, "and refreshes the copy");
    assert!(matches!(f.directory.judge(&f.client.id, enabled).await.unwrap(), Judged::Refused));
}

#[tokio::test]
async fn a_copy_that_refuses_is_never_the_answer() {
    let f = fixture().await;
    f.cache.hold(disabled(&f.client));
    let accepted = f.directory.find_accepted(&f.client.id, enabled).await.unwrap();
    assert!(accepted.is_some_and(|client| !client.disabled), "the stored client decides");
    assert!(!f.cache.get(&f.client.id, T0).unwrap().disabled, "the stale copy was replaced");
}

#[tokio::test]
async fn a_client_gone_from_the_store_is_unknown_and_forgotten() {
    let f = fixture().await;
    f.cache.hold(disabled(&f.client));
    ClientRepository::delete(f.store.as_ref(), &f.client.id).await.unwrap();
    assert!(matches!(f.directory.judge(&f.client.id, enabled).await.unwrap(), Judged::Unknown));
    assert!(!f.cache.holds(&f.client.id));
}

#[tokio::test]
async fn unknown_ids_are_not_cached() {
    let f = fixture().await;
    let nobody = fixtures::client(9, "Nobody", "x").id;
    assert!(matches!(f.directory.judge(&nobody, enabled).await.unwrap(), Judged::Unknown));
    assert!(!f.cache.holds(&nobody));
    f.directory.find_accepted(&f.client.id, enabled).await.unwrap();
    assert!(f.cache.holds(&f.client.id), "a found client is");
}

#[tokio::test]
async fn decide_answers_on_the_stored_client_once_the_copy_refused() {
    let f = fixture().await;
    f.cache.hold(disabled(&f.client));
    let on = |client: Option<Client>| match client {
        Some(client) if !client.disabled => Ok("enabled"),
        Some(_) => Err("disabled"),
        None => Err("unknown"),
    };
    assert_eq!(f.directory.decide(&f.client.id, on).await.unwrap(), Ok("enabled"));
    ClientRepository::update(f.store.as_ref(), &disabled(&f.client)).await.unwrap();
    f.cache.forget(&f.client.id);
    assert_eq!(f.directory.decide(&f.client.id, on).await.unwrap(), Err("disabled"));
}

#[tokio::test]
async fn without_a_cache_every_read_is_the_stores() {
    let f = fixture().await;
    let directory = ClientDirectory::uncached(f.store.clone());
    assert!(directory.find_accepted(&f.client.id, enabled).await.unwrap().is_some());
    ClientRepository::update(f.store.as_ref(), &disabled(&f.client)).await.unwrap();
    assert!(directory.find_accepted(&f.client.id, enabled).await.unwrap().is_none());
    assert_eq!(directory.list().await.unwrap().len(), 1);
}
