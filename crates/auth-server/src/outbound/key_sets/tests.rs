use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use oauth_core::client::JwksUri;
use oauth_core::ports::{ClientKeySets, DocumentRefused};
use oauth_core::testing::ManualClock;
use oauth_core::testing::fixtures::T0;
use time::Duration;

use super::{CachedKeySets, FetchKeySet, FetchedKeySet};
use crate::outbound::CacheBounds;

/// Counts fetches; each answers a set naming its own fetch number, so a
/// test sees which copy it got, or refuses while failures are left. Each
/// fetch yields a few times first, so concurrent requests overlap it.
struct CountingFetcher {
    fetches: AtomicUsize,
    cache_control: Option<&'static str>,
    failures_left: AtomicUsize,
}

impl CountingFetcher {
    fn new(cache_control: Option<&'static str>) -> Arc<Self> {
        Arc::new(Self { fetches: AtomicUsize::new(0), cache_control, failures_left: AtomicUsize::new(0) })
    }

    fn count(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl FetchKeySet for CountingFetcher {
    async fn fetch(&self, _uri: &JwksUri) -> Result<FetchedKeySet, DocumentRefused> {
        let n = self.fetches.fetch_add(1, Ordering::SeqCst) + 1;
        for _ in 0..8 {
            tokio::task::yield_now().await;
        }
        if self.failures_left.load(Ordering::SeqCst) > 0 {
            self.failures_left.fetch_sub(1, Ordering::SeqCst);
            return Err(DocumentRefused::Status(500));
        }
        Ok(FetchedKeySet {
            jwks: format!(r#"{{"keys":[],"fetch":{n}}}"#),
            cache_control: self.cache_control.map(str::to_owned),
        })
    }
}

const BOUNDS: CacheBounds = CacheBounds { min: Duration::seconds(60), max: Duration::hours(1), entries: 100 };

fn uri(n: usize) -> JwksUri {
    JwksUri::parse(&format!("https://rp{n}.example/jwks.json")).expect("uri")
}

fn cache(fetcher: &Arc<CountingFetcher>, clock: &Arc<ManualClock>, bounds: CacheBounds) -> CachedKeySets {
    CachedKeySets::new(fetcher.clone(), clock.clone(), bounds)
}

fn fetch_number(jwks: &str) -> u64 {
    let set: serde_json::Value = serde_json::from_str(jwks).expect("json");
    set["fetch"].as_u64().expect("fetch number")
}

#[tokio::test]
async fn a_copy_serves_until_its_max_age_clamped_to_the_bounds() {
    let (fetcher, clock) = (CountingFetcher::new(Some("max-age=600")), Arc::new(ManualClock::at(T0)));
    let sets = cache(&fetcher, &clock, BOUNDS);
    assert_eq!(fetch_number(&sets.key_set(&uri(1)).await.expect("first")), 1);
    clock.advance(Duration::seconds(599));
    assert_eq!(fetch_number(&sets.key_set(&uri(1)).await.expect("kept")), 1);
    clock.advance(Duration::seconds(1));
    assert_eq!(fetch_number(&sets.key_set(&uri(1)).await.expect("renewed")), 2, "fetched at its max-age");

    let (fetcher, clock) = (CountingFetcher::new(Some("max-age=999999")), Arc::new(ManualClock::at(T0)));
    let sets = cache(&fetcher, &clock, BOUNDS);
    sets.key_set(&uri(1)).await.expect("first");
    clock.advance(Duration::hours(1));
    sets.key_set(&uri(1)).await.expect("renewed");
    assert_eq!(fetcher.count(), 2, "never kept past the configured maximum");

    let (fetcher, clock) = (CountingFetcher::new(Some("no-store")), Arc::new(ManualClock::at(T0)));
    let sets = cache(&fetcher, &clock, BOUNDS);
    sets.key_set(&uri(1)).await.expect("first");
    clock.advance(Duration::seconds(59));
    sets.key_set(&uri(1)).await.expect("kept");
    assert_eq!(fetcher.count(), 1, "no-store is kept the minimum, or each assertion would fetch");
}

/// OIDC Core §10.1.1: an unknown key fetches again, at most once a minute.
#[tokio::test]
async fn a_renewal_fetches_again_only_after_the_cooldown() {
    let (fetcher, clock) = (CountingFetcher::new(Some("max-age=3600")), Arc::new(ManualClock::at(T0)));
    let sets = cache(&fetcher, &clock, BOUNDS);
    sets.key_set(&uri(1)).await.expect("first");
    clock.advance(Duration::seconds(59));
    assert_eq!(sets.renewed_key_set(&uri(1)).await.expect("within the cooldown"), None);
    assert_eq!(fetcher.count(), 1, "forged assertions cannot make us fetch at will");
    clock.advance(Duration::seconds(1));
    let renewed = sets.renewed_key_set(&uri(1)).await.expect("renewed").expect("a new copy");
    assert_eq!(fetch_number(&renewed), 2);
    assert_eq!(fetch_number(&sets.key_set(&uri(1)).await.expect("kept")), 2, "the new copy is kept");
    assert_eq!(sets.renewed_key_set(&uri(1)).await.expect("cooldown again"), None);
    assert_eq!(fetcher.count(), 2);
}

/// A renewal that fails (the host is down, or every fetch slot busy)
/// keeps the copy that works, and still starts the cooldown: a forged
/// assertion must not cost the client its keys.
#[tokio::test]
async fn a_failed_renewal_keeps_the_copy_that_works() {
    let (fetcher, clock) = (CountingFetcher::new(Some("max-age=3600")), Arc::new(ManualClock::at(T0)));
    let sets = cache(&fetcher, &clock, BOUNDS);
    sets.key_set(&uri(1)).await.expect("first");
    clock.advance(Duration::seconds(60));
    fetcher.failures_left.store(1, Ordering::SeqCst);
    assert!(sets.renewed_key_set(&uri(1)).await.is_err(), "the renewal failed");
    assert_eq!(fetch_number(&sets.key_set(&uri(1)).await.expect("still kept")), 1);
    assert_eq!(sets.renewed_key_set(&uri(1)).await.expect("cooldown"), None);
    assert_eq!(fetcher.count(), 2, "one failed renewal, then the cooldown");
}

/// Concurrent renewals of one URL make one fetch; the others are told
/// there is nothing newer yet.
#[tokio::test]
async fn concurrent_renewals_of_one_url_make_one_fetch() {
    let (fetcher, clock) = (CountingFetcher::new(Some("max-age=3600")), Arc::new(ManualClock::at(T0)));
    let sets = Arc::new(cache(&fetcher, &clock, BOUNDS));
    sets.key_set(&uri(1)).await.expect("first");
    clock.advance(Duration::seconds(61));
    let renewals = (0..16).map(|_| {
        let sets = sets.clone();
        tokio::spawn(async move { sets.renewed_key_set(&uri(1)).await })
    });
    for renewal in renewals {
        assert!(renewal.await.expect("joined").is_ok());
    }
    assert_eq!(fetcher.count(), 2);
}

#[tokio::test]
async fn a_renewal_of_a_set_never_fetched_fetches_it() {
    let (fetcher, clock) = (CountingFetcher::new(None), Arc::new(ManualClock::at(T0)));
    let sets = cache(&fetcher, &clock, BOUNDS);
    let first = sets.renewed_key_set(&uri(1)).await.expect("fetched").expect("a copy");
    assert_eq!(fetch_number(&first), 1);
}

#[tokio::test]
async fn a_refused_fetch_is_remembered_a_few_seconds() {
    let (fetcher, clock) = (CountingFetcher::new(None), Arc::new(ManualClock::at(T0)));
    fetcher.failures_left.store(1, Ordering::SeqCst);
    let sets = cache(&fetcher, &clock, BOUNDS);
    let refused = sets.key_set(&uri(1)).await.expect_err("refused");
    assert!(refused.0.contains("500"), "{refused}");
    assert!(sets.key_set(&uri(1)).await.is_err());
    assert!(sets.renewed_key_set(&uri(1)).await.is_err());
    assert_eq!(fetcher.count(), 1, "a refusal is not retried at once");
    clock.advance(Duration::seconds(10));
    assert!(sets.key_set(&uri(1)).await.is_ok(), "tried again after the memory");
    assert_eq!(fetcher.count(), 2);
}

#[tokio::test]
async fn concurrent_reads_of_one_url_share_one_fetch() {
    let (fetcher, clock) = (CountingFetcher::new(None), Arc::new(ManualClock::at(T0)));
    let sets = Arc::new(cache(&fetcher, &clock, BOUNDS));
    let reads = (0..16).map(|_| {
        let sets = sets.clone();
        tokio::spawn(async move { sets.key_set(&uri(1)).await })
    });
    for read in reads {
        assert!(read.await.expect("joined").is_ok());
    }
    assert_eq!(fetcher.count(), 1);
}

#[tokio::test]
async fn distinct_urls_never_grow_the_cache_past_its_bound() {
    let (fetcher, clock) = (CountingFetcher::new(None), Arc::new(ManualClock::at(T0)));
    let sets = cache(&fetcher, &clock, CacheBounds { entries: 10, ..BOUNDS });
    for n in 0..200 {
        sets.key_set(&uri(n)).await.expect("fetched");
    }
    assert!(sets.len() <= 10, "kept {}", sets.len());
}

/// Answers every lookup with the cloud metadata service's address, and
/// counts the lookups.
struct MetadataServiceLookup(AtomicUsize);

#[async_trait::async_trait]
impl crate::outbound::HostLookup for MetadataServiceLookup {
    async fn lookup(&self, _host: &str) -> std::io::Result<Vec<std::net::SocketAddr>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(vec!["169.254.169.254:0".parse().expect("address")])
    }
}

/// docs/SECURITY.md § Outbound fetches: a `jwks_uri` whose name resolves
/// to a link-local address is refused after the lookup, before any
/// connection, and the refusal is kept like any other.
#[tokio::test]
async fn a_jwks_uri_resolving_to_an_internal_address_is_refused() {
    let lookup = Arc::new(MetadataServiceLookup(AtomicUsize::new(0)));
    let limits = crate::outbound::FetchLimits::new(1024, std::time::Duration::from_secs(2), false);
    let fetcher = crate::outbound::DocumentFetcher::new(limits, lookup.clone()).expect("fetcher");
    let clock = Arc::new(ManualClock::at(T0));
    let sets = CachedKeySets::new(Arc::new(fetcher), clock, BOUNDS);
    let refused = sets.key_set(&uri(1)).await.expect_err("refused");
    assert!(refused.0.contains("not allowed"), "{refused}");
    assert!(sets.renewed_key_set(&uri(1)).await.is_err());
    assert_eq!(lookup.0.load(Ordering::SeqCst), 1, "one lookup, remembered");
}
