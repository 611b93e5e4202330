use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use oauth_core::metadata_document::{ClientDocument, DocumentFields, DocumentUrl};
use oauth_core::ports::{DocumentRefused, MetadataDocuments};
use oauth_core::testing::ManualClock;
use oauth_core::testing::fixtures::T0;
use time::Duration;

use super::{CacheBounds, CachedDocuments, FetchDocument};
use crate::outbound::document_fetcher::Fetched;

/// Counts fetches; answers with a valid document and `cache_control`, or
/// refuses while `failing` is set. Each fetch yields a few times first, so
/// concurrent requests overlap it.
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

fn document(url: &DocumentUrl) -> ClientDocument {
    let fields = DocumentFields {
        client_id: Some(url.as_str().to_owned()),
        client_name: Some("Agent".into()),
        redirect_uris: Some(vec!["http://127.0.0.1/cb".into()]),
        ..DocumentFields::default()
    };
    ClientDocument::validate(url, fields).expect("valid")
}

#[async_trait::async_trait]
impl FetchDocument for CountingFetcher {
    async fn fetch(&self, url: &DocumentUrl) -> Result<Fetched, DocumentRefused> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        for _ in 0..8 {
            tokio::task::yield_now().await;
        }
        if self.failures_left.load(Ordering::SeqCst) > 0 {
            self.failures_left.fetch_sub(1, Ordering::SeqCst);
            return Err(DocumentRefused::Status(500));
        }
        Ok(Fetched { document: document(url), cache_control: self.cache_control.map(str::to_owned) })
    }
}

const BOUNDS: CacheBounds =
    CacheBounds { min: Duration::seconds(60), max: Duration::hours(24), entries: 100 };

fn url(n: usize) -> DocumentUrl {
    DocumentUrl::parse(&format!("https://agent.example/clients/{n}.json"), false).expect("url")
}

fn cache(fetcher: &Arc<CountingFetcher>, clock: &Arc<ManualClock>, bounds: CacheBounds) -> CachedDocuments {
    CachedDocuments::new(fetcher.clone(), clock.clone(), bounds)
}

#[tokio::test]
async fn a_copy_serves_until_its_max_age_then_one_fetch_renews_it() {
    let (fetcher, clock) = (CountingFetcher::new(Some("public, max-age=120")), Arc::new(ManualClock::at(T0)));
    let documents = cache(&fetcher, &clock, BOUNDS);
    documents.document(&url(1)).await.expect("first");
    clock.advance(Duration::seconds(119));
    documents.document(&url(1)).await.expect("cached");
    assert_eq!(fetcher.count(), 1);
    clock.advance(Duration::seconds(1));
    documents.document(&url(1)).await.expect("renewed");
    assert_eq!(fetcher.count(), 2, "fetched again at its max-age");
}

#[tokio::test]
async fn a_year_long_max_age_is_held_to_the_maximum() {
    let (fetcher, clock) = (CountingFetcher::new(Some("max-age=31536000")), Arc::new(ManualClock::at(T0)));
    let documents = cache(&fetcher, &clock, BOUNDS);
    documents.document(&url(1)).await.expect("first");
    clock.advance(Duration::hours(24) - Duration::seconds(1));
    documents.document(&url(1)).await.expect("cached");
    assert_eq!(fetcher.count(), 1);
    clock.advance(Duration::seconds(1));
    documents.document(&url(1)).await.expect("renewed");
    assert_eq!(fetcher.count(), 2);
}

#[tokio::test]
async fn refusals_are_never_cached_and_no_store_gets_the_minimum() {
    let fetcher = CountingFetcher::new(None);
    fetcher.failures_left.store(1, Ordering::SeqCst);
    let clock = Arc::new(ManualClock::at(T0));
    let documents = cache(&fetcher, &clock, BOUNDS);
    assert_eq!(documents.document(&url(1)).await, Err(DocumentRefused::Status(500)));
    documents.document(&url(1)).await.expect("the next request fetches again");
    assert_eq!(fetcher.count(), 2);

    let no_store = CountingFetcher::new(Some("no-store"));
    let documents = cache(&no_store, &clock, BOUNDS);
    documents.document(&url(1)).await.expect("first");
    documents.document(&url(1)).await.expect("second, from the copy");
    assert_eq!(no_store.count(), 1);
    clock.advance(Duration::seconds(60));
    documents.document(&url(1)).await.expect("renewed after the minimum");
    assert_eq!(no_store.count(), 2);
}

#[tokio::test]
async fn distinct_urls_never_grow_the_cache_past_its_bound() {
    let (fetcher, clock) = (CountingFetcher::new(Some("max-age=3600")), Arc::new(ManualClock::at(T0)));
    let documents = cache(&fetcher, &clock, CacheBounds { entries: 50, ..BOUNDS });
    for n in 0..10_000 {
        documents.document(&url(n)).await.expect("fetched");
    }
    assert!(documents.len() <= 50, "{} copies held", documents.len());
}

#[tokio::test]
async fn concurrent_requests_for_one_url_share_one_fetch() {
    let (fetcher, clock) = (CountingFetcher::new(Some("max-age=600")), Arc::new(ManualClock::at(T0)));
    let documents = Arc::new(cache(&fetcher, &clock, BOUNDS));
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let documents = documents.clone();
        requests.spawn(async move { documents.document(&url(7)).await });
    }
    while let Some(answer) = requests.join_next().await {
        answer.expect("task").expect("document");
    }
    assert_eq!(fetcher.count(), 1);
}

#[test]
fn cache_control_is_honoured_within_the_bounds() {
    let cases = [
        (None, 60),
        (Some("max-age=10"), 60),
        (Some("public, max-age=600"), 600),
        (Some("max-age=999999"), 86_400),
        (Some("no-cache"), 60),
        (Some("max-age=600, no-store"), 60),
        (Some("max-age=oops"), 60),
    ];
    for (header, expected) in cases {
        assert_eq!(BOUNDS.lifetime(header).whole_seconds(), expected, "{header:?}");
    }
}

#[tokio::test]
async fn past_the_concurrency_limit_a_fetch_is_refused_at_once() {
    use super::MAX_CONCURRENT_FETCHES;
    let (fetcher, clock) = (CountingFetcher::new(Some("max-age=600")), Arc::new(ManualClock::at(T0)));
    let documents = Arc::new(cache(&fetcher, &clock, BOUNDS));
    let mut requests = tokio::task::JoinSet::new();
    for n in 0..=MAX_CONCURRENT_FETCHES {
        let documents = documents.clone();
        requests.spawn(async move { documents.document(&url(n)).await });
    }
    let mut busy = 0;
    while let Some(answer) = requests.join_next().await {
        match answer.expect("task") {
            Ok(_) => {}
            Err(DocumentRefused::Busy) => busy += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((busy, fetcher.count()), (1, MAX_CONCURRENT_FETCHES));
    documents.document(&url(99)).await.expect("a permit is free again");
}
