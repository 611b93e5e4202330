use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use super::DocumentClients;
use crate::client::{Client, ClientId, ClientOrigin, GrantType, SelfAssertedTemplate};
use crate::metadata_document::{ClientDocument, DocumentFields, DocumentUrl};
use crate::ports::{ClientRepository, DocumentRefused, MetadataDocuments, ResourceRepository};
use crate::resource::{Resource, ResourceUri};
use crate::scope::ScopeName;
use crate::service::client_directory::ClientDirectory;
use crate::testing::fixtures::T0;
use crate::testing::{InMemoryStore, ManualClock};

const URL: &str = "https://agent.example/client.json";

/// Answers with the document it holds, or refuses.
struct StubDocuments {
    answer: Mutex<Result<DocumentFields, DocumentRefused>>,
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
        let answer = self.answer.lock().unwrap();
        match &*answer {
            Ok(fields) => ClientDocument::validate(url, fields.clone())
                .map_err(|e| DocumentRefused::Invalid(e.to_string())),
            Err(refused) => Err(refused.clone()),
        }
    }
}

fn resource(uri: &str, scope: &str, open: bool) -> Resource {
    Resource {
        uri: ResourceUri::parse(uri).unwrap(),
        name: uri.into(),
        scopes: BTreeSet::from([ScopeName::parse(scope).unwrap()]),
        allow_dynamic_clients: open,
        access_token_ttl: None,
        access_token_alg: None,
        created_at: T0,
        updated_at: T0,
    }
}

struct Fixture {
    store: Arc<InMemoryStore>,
    stub: Arc<StubDocuments>,
    directory: ClientDirectory,
}

async fn fixture() -> Fixture {
    let store = Arc::new(InMemoryStore::default());
    ResourceRepository::insert(store.as_ref(), &resource("https://files.example/mcp", "files:read", true))
        .await
        .unwrap();
    ResourceRepository::insert(store.as_ref(), &resource("https://hr.example/", "hr:read", false))
        .await
        .unwrap();
    let stub = Arc::new(StubDocuments { answer: Mutex::new(Ok(fields(None, "http://127.0.0.1/cb"))) });
    let template = SelfAssertedTemplate {
        scopes: ["openid", "profile"].iter().map(|s| ScopeName::parse(s).unwrap()).collect(),
    };
    let documents = DocumentClients::new(
        stub.clone(),
        store.clone(),
        store.clone(),
        template,
        Arc::new(ManualClock::at(T0)),
        false,
    );
    let directory = ClientDirectory::uncached(store.clone()).with_metadata_documents(Arc::new(documents));
    Fixture { store, stub, directory }
}

fn id() -> ClientId {
    ClientId::parse(URL).unwrap()
}

fn names(scopes: &BTreeSet<ScopeName>) -> Vec<&str> {
    scopes.iter().map(ScopeName::as_str).collect()
}

#[tokio::test]
async fn a_document_makes_a_public_client_held_to_the_template() {
    let f = fixture().await;
    let client = f.directory.find_fresh(&id()).await.unwrap().expect("resolved");
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
    let client = f.directory.find_fresh(&id()).await.unwrap().expect("resolved");
    assert_eq!(names(&client.metadata.scopes), ["files:read", "openid"]);
}

#[tokio::test]
async fn a_changed_document_changes_the_stored_client_and_a_disabled_one_stays_disabled() {
    let f = fixture().await;
    f.directory.find_fresh(&id()).await.unwrap().expect("first");
    *f.stub.answer.lock().unwrap() = Ok(fields(None, "https://agent.example/cb"));
    let changed = f.directory.find_fresh(&id()).await.unwrap().expect("changed");
    assert_eq!(changed.metadata.redirect_uris[0].as_str(), "https://agent.example/cb");
    ClientRepository::update(f.store.as_ref(), &Client { disabled: true, ..changed }).await.unwrap();
    assert!(f.directory.find_fresh(&id()).await.unwrap().expect("still there").disabled);
}

#[tokio::test]
async fn no_valid_document_means_no_client() {
    let f = fixture().await;
    *f.stub.answer.lock().unwrap() = Err(DocumentRefused::Redirect(302));
    assert_eq!(f.directory.find_fresh(&id()).await.unwrap(), None);
    assert_eq!(ClientRepository::find(f.store.as_ref(), &id()).await.unwrap(), None, "nothing stored");
}

#[tokio::test]
async fn with_documents_off_a_url_id_is_unknown_even_if_stored() {
    let f = fixture().await;
    let stored = f.directory.find_fresh(&id()).await.unwrap().expect("stored while on");
    let off = ClientDirectory::uncached(f.store.clone());
    assert_eq!(off.find_fresh(&stored.id).await.unwrap(), None);
    assert!(off.find_accepted(&stored.id, |_| true).await.unwrap().is_none());
}
