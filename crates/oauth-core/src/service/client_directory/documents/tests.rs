use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use super::{Admission, DocumentClients, DocumentPolicy, DocumentPorts};
use crate::client::{Client, ClientId, ClientOrigin, GrantType, SelfAssertedTemplate};
use crate::metadata_document::{ClientDocument, DocumentFields, DocumentUrl};
use crate::ports::{ClientRepository, DocumentRefused, MetadataDocuments, ResourceRepository};
use crate::resource::{Resource, ResourceUri};
use crate::scope::ScopeName;
use crate::service::client_directory::ClientDirectory;
use crate::testing::fixtures::{self, T0};
use crate::testing::{InMemoryStore, ManualClock};
use crate::throttle::AuthorizeQuota;

const URL: &str = "https://agent.example/client.json";
const ADDRESS: &str = "198.51.100.7";

/// Answers with the document it holds, or refuses; counts the asks.
struct StubDocuments {
    answer: Mutex<Result<DocumentFields, DocumentRefused>>,
    asks: Mutex<usize>,
}

fn fields(scope: Option<&str>, redirect: &str) -> DocumentFields {
    DocumentFields {
        client_id: Some(URL.into()),
        client_name: Some("Agent".into()),
        redirect_uris: Some(vec![redirect.into()]),
        grant_types: Some(vec!["authorization_code".into(), "refresh_token".into()]),
        scope: scope.map(str::to_owned),
        ..DocumentFields::default()
    }
}

#[async_trait::async_trait]
impl MetadataDocuments for StubDocuments {
    async fn document(&self, url: &DocumentUrl) -> Result<ClientDocument, DocumentRefused> {
        *self.asks.lock().unwrap() += 1;
        let answer = self.answer.lock().unwrap().clone();
        let fields = answer?;
        // The stub serves one document: another URL's client_id differs.
        ClientDocument::validate(url, fields).map_err(|e| DocumentRefused::Invalid(e.to_string()))
    }
}

fn resource(uri: &str, scope: &str, open: bool) -> Resource {
    Resource { allow_dynamic_clients: open, ..fixtures::resource(uri, &[scope]) }
}

struct Fixture {
    store: Arc<InMemoryStore>,
    stub: Arc<StubDocuments>,
    directory: ClientDirectory,
}

async fn fixture() -> Fixture {
    let store = Arc::new(InMemoryStore::default());
    for (uri, scope, open) in
        [("https://files.example/mcp", "files:read", true), ("https://hr.example/", "hr:read", false)]
    {
        ResourceRepository::insert(store.as_ref(), &resource(uri, scope, open)).await.unwrap();
    }
    let stub = Arc::new(StubDocuments {
        answer: Mutex::new(Ok(fields(None, "http://127.0.0.1/cb"))),
        asks: Mutex::new(0),
    });
    let scopes = ["openid", "profile"].iter().map(|s| ScopeName::parse(s).unwrap()).collect();
    let policy = DocumentPolicy {
        template: SelfAssertedTemplate { scopes },
        allow_http_loopback: false,
        new_clients: AuthorizeQuota { per_address: 2, window: time::Duration::minutes(10) },
        new_clients_total: AuthorizeQuota { per_address: 3, window: time::Duration::minutes(10) },
    };
    let ports = DocumentPorts {
        documents: stub.clone(),
        store: store.clone(),
        resources: store.clone(),
        attempts: store.clone(),
        clock: Arc::new(ManualClock::at(T0)),
    };
    let documents = DocumentClients::new(ports, policy);
    let directory = ClientDirectory::uncached(store.clone()).with_metadata_documents(Arc::new(documents));
    Fixture { store, stub, directory }
}

fn id() -> ClientId {
    ClientId::parse(URL).unwrap()
}

fn names(scopes: &BTreeSet<ScopeName>) -> Vec<&str> {
    scopes.iter().map(ScopeName::as_str).collect()
}

async fn admitted(f: &Fixture, id: &ClientId) -> Option<Client> {
    match f.directory.admit(id, ADDRESS).await.unwrap() {
        Some(Admission::Client(client)) => client,
        other => panic!("expected a client answer, got {other:?}"),
    }
}

#[tokio::test]
async fn a_document_makes_a_public_client_held_to_the_template() {
    let f = fixture().await;
    let client = admitted(&f, &id()).await.expect("admitted");
    assert_eq!(client.origin, ClientOrigin::MetadataDocument);
    let m = &client.metadata;
    assert_eq!((m.auth_method.as_str(), m.skip_consent, m.may_introspect_any), ("none", false, false));
    assert_eq!(names(&m.scopes), ["files:read", "openid", "profile"], "the cap: template and open resources");
    let resources: Vec<&str> = m.resources.iter().map(ResourceUri::as_str).collect();
    assert_eq!(resources, ["https://files.example/mcp"], "only resources that allow dynamic clients");
    assert!(m.grant_types.contains(&GrantType::RefreshToken));
    assert_eq!(ClientRepository::find(f.store.as_ref(), &id()).await.unwrap(), Some(client), "kept as a row");
}

#[tokio::test]
async fn asked_scopes_are_narrowed_never_widened() {
    let f = fixture().await;
    *f.stub.answer.lock().unwrap() =
        Ok(fields(Some("openid hr:read admin files:read"), "http://127.0.0.1/cb"));
    let client = admitted(&f, &id()).await.expect("admitted");
    assert_eq!(names(&client.metadata.scopes), ["files:read", "openid"]);
}

#[tokio::test]
async fn only_the_authorization_endpoint_brings_a_new_url_in() {
    let f = fixture().await;
    assert_eq!(f.directory.find_fresh(&id()).await.unwrap(), None, "never admitted: unknown");
    assert!(f.directory.find_accepted(&id(), |_| true).await.unwrap().is_none());
    assert_eq!(*f.stub.asks.lock().unwrap(), 0, "and nothing fetched");
    admitted(&f, &id()).await.expect("admitted");
    assert!(f.directory.find_fresh(&id()).await.unwrap().is_some(), "known from then on");
}

#[tokio::test]
async fn new_urls_are_charged_to_the_address() {
    let f = fixture().await;
    let other = |n: u32| ClientId::parse(&format!("https://agent.example/c{n}.json")).unwrap();
    for n in 0..2 {
        // The stub's document names URL, so these are refused, and charged.
        assert!(admitted(&f, &other(n)).await.is_none());
    }
    let third = f.directory.admit(&other(2), ADDRESS).await.unwrap();
    assert!(matches!(third, Some(Admission::Throttled { retry_after_secs }) if retry_after_secs > 0));
    let elsewhere = f.directory.admit(&id(), "203.0.113.9").await.unwrap();
    assert!(matches!(elsewhere, Some(Admission::Client(Some(_)))), "another address has its own quota");
    assert_eq!(*f.stub.asks.lock().unwrap(), 3, "the throttled request fetched nothing");
}

#[tokio::test]
async fn a_changed_document_changes_the_stored_client_and_a_disabled_one_stays_disabled() {
    let f = fixture().await;
    admitted(&f, &id()).await.expect("first");
    *f.stub.answer.lock().unwrap() = Ok(fields(None, "https://agent.example/cb"));
    let changed = f.directory.find_fresh(&id()).await.unwrap().expect("changed");
    assert_eq!(changed.metadata.redirect_uris[0].as_str(), "https://agent.example/cb");
    ClientRepository::update(f.store.as_ref(), &Client { disabled: true, ..changed }).await.unwrap();
    let asks = *f.stub.asks.lock().unwrap();
    assert!(f.directory.find_fresh(&id()).await.unwrap().expect("still there").disabled);
    assert!(admitted(&f, &id()).await.expect("still there").disabled);
    assert_eq!(*f.stub.asks.lock().unwrap(), asks, "a disabled client's document is not fetched");
}

#[tokio::test]
async fn no_valid_document_means_no_client() {
    let f = fixture().await;
    *f.stub.answer.lock().unwrap() = Err(DocumentRefused::Redirect(302));
    assert!(admitted(&f, &id()).await.is_none());
    assert_eq!(ClientRepository::find(f.store.as_ref(), &id()).await.unwrap(), None, "nothing stored");
}

#[tokio::test]
async fn a_deleted_client_stays_gone_until_admitted_again() {
    let f = fixture().await;
    admitted(&f, &id()).await.expect("admitted");
    ClientRepository::delete(f.store.as_ref(), &id()).await.unwrap();
    assert_eq!(f.directory.find_fresh(&id()).await.unwrap(), None, "an old token finds nothing");
}

#[tokio::test]
async fn with_documents_off_a_url_id_is_unknown_even_if_stored() {
    let f = fixture().await;
    let stored = admitted(&f, &id()).await.expect("stored while on");
    let off = ClientDirectory::uncached(f.store.clone());
    assert_eq!(off.find_fresh(&stored.id).await.unwrap(), None);
    assert!(off.find_accepted(&stored.id, |_| true).await.unwrap().is_none());
    assert!(matches!(off.admit(&stored.id, ADDRESS).await.unwrap(), Some(Admission::Client(None))));
}

#[tokio::test]
async fn every_address_together_brings_in_a_bounded_number() {
    let f = fixture().await;
    let other = |n: u32| ClientId::parse(&format!("https://agent.example/t{n}.json")).unwrap();
    for (n, address) in ["192.0.2.1", "192.0.2.2", "192.0.2.3"].into_iter().enumerate() {
        let answer = f.directory.admit(&other(u32::try_from(n).unwrap()), address).await.unwrap();
        assert!(matches!(answer, Some(Admission::Client(None))), "within both quotas: fetched, refused");
    }
    let fourth = f.directory.admit(&other(9), "192.0.2.4").await.unwrap();
    assert!(matches!(fourth, Some(Admission::Throttled { .. })), "the total is spent");
}

#[tokio::test]
async fn a_stored_client_outlives_a_passing_fetch_failure() {
    let f = fixture().await;
    let admitted_client = admitted(&f, &id()).await.expect("admitted");
    for passing in
        [DocumentRefused::Busy, DocumentRefused::Timeout, DocumentRefused::Unreachable("reset".into())]
    {
        *f.stub.answer.lock().unwrap() = Err(passing);
        assert_eq!(f.directory.find_fresh(&id()).await.unwrap().as_ref(), Some(&admitted_client));
    }
    *f.stub.answer.lock().unwrap() = Err(DocumentRefused::Status(404));
    assert_eq!(f.directory.find_fresh(&id()).await.unwrap(), None, "a document gone is a client gone");
}
