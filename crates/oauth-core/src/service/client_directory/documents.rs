//! Clients described by metadata documents: a document fetched (or held
//! fresh by the fetcher), held to the template, and kept as a client row,
//! so codes, consents and refresh tokens can name it like any other.
//!
//! SECURITY: only the authorization endpoint introduces a new document
//! client ([`DocumentClients::admit`]), charged to the caller's address;
//! every other lookup ([`DocumentClients::resolve`]) knows only the rows
//! already stored and fetches nothing for an unknown URL. So an
//! unauthenticated caller cannot make the server fetch or store without
//! bound, and a client an operator deleted stays gone until someone signs
//! in with it again (docs/SECURITY.md § Dynamic and metadata-document
//! clients).

use std::sync::Arc;

use time::OffsetDateTime;

use crate::client::{Client, ClientId, ClientMetadata, ClientOrigin, SelfAssertedTemplate};
use crate::error::RepoError;
use crate::metadata_document::{ClientDocument, DocumentUrl};
use crate::ports::{
    ClientRepository, Clock, DocumentRefused, LoginAttemptRepository, MetadataDocuments, ResourceRepository,
};
use crate::service::quota::charge;
use crate::throttle::AuthorizeQuota;

/// What the documents' clients are built and bounded by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentPolicy {
    /// What a document client may become.
    pub template: SelfAssertedTemplate,
    /// Development only (CIMD §8.6): `http` documents on loopback literals.
    pub allow_http_loopback: bool,
    /// New document clients one address may introduce per window.
    pub new_clients: AuthorizeQuota,
    /// New document clients every address together may introduce per
    /// window: with the janitor's daily sweep, the bound on stored rows
    /// that nobody approved.
    pub new_clients_total: AuthorizeQuota,
}

/// The ports the documents' clients use.
pub struct DocumentPorts {
    /// The documents, fetched and cached.
    pub documents: Arc<dyn MetadataDocuments>,
    /// Where their clients are kept.
    pub store: Arc<dyn ClientRepository>,
    /// The resources, for those open to dynamic clients.
    pub resources: Arc<dyn ResourceRepository>,
    /// The per-address counters of the new-client quota.
    pub attempts: Arc<dyn LoginAttemptRepository>,
    /// The time.
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for DocumentPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentPorts").finish_non_exhaustive()
    }
}

/// What the authorization endpoint may be told of a URL client id.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // returned and matched at once, never stored
pub enum Admission {
    /// The client (stored now if it was new), or `None`: no valid document.
    Client(Option<Client>),
    /// The address introduced its quota of new document clients.
    Throttled {
        /// Seconds until the quota allows another.
        retry_after_secs: u64,
    },
}

/// The clients whose id is the URL of their metadata document.
pub struct DocumentClients {
    ports: DocumentPorts,
    policy: DocumentPolicy,
}

impl std::fmt::Debug for DocumentClients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentClients").field("policy", &self.policy).finish_non_exhaustive()
    }
}

impl DocumentClients {
    /// The documents' clients over `ports`, bounded by `policy`.
    pub fn new(ports: DocumentPorts, policy: DocumentPolicy) -> Self {
        Self { ports, policy }
    }

    /// For the authorization endpoint: the client the document at `id`
    /// describes now. A URL not stored yet is fetched only within the
    /// quota of `address`, and stored once valid.
    pub async fn admit(&self, id: &ClientId, address: &str) -> Result<Admission, RepoError> {
        let Some(url) = self.url(id) else { return Ok(Admission::Client(None)) };
        if let Some(stored) = self.ports.store.find(id).await? {
            return Ok(Admission::Client(self.refreshed(stored, &url).await?));
        }
        let now = self.ports.clock.now();
        if let Some(retry_after_secs) = self.charge(address, now).await? {
            tracing::warn!(
                event = "cimd_client_throttled",
                "new metadata-document client refused: address over its quota"
            );
            return Ok(Admission::Throttled { retry_after_secs });
        }
        let Some(metadata) = self.metadata(id, &url).await? else { return Ok(Admission::Client(None)) };
        let client = Client {
            id: id.clone(),
            origin: ClientOrigin::MetadataDocument,
            metadata,
            secrets: Vec::new(),
            disabled: false,
            created_at: now,
            updated_at: now,
        };
        match self.ports.store.insert(&client).await {
            Ok(()) => {
                tracing::info!(event = "client_registered", client_id = %id, origin = "metadata_document");
                Ok(Admission::Client(Some(client)))
            }
            // Another request stored it first: theirs stands.
            Err(RepoError::Conflict(_)) => {
                let stored = self.ports.store.find(id).await?;
                Ok(Admission::Client(stored.filter(|c| c.origin == ClientOrigin::MetadataDocument)))
            }
            Err(other) => Err(other),
        }
    }

    /// For every other endpoint: the stored client of `id`, its metadata
    /// renewed from the document; `None` for a URL never admitted (nothing
    /// is fetched) or whose document is no longer valid.
    pub async fn resolve(&self, id: &ClientId) -> Result<Option<Client>, RepoError> {
        let Some(url) = self.url(id) else { return Ok(None) };
        match self.ports.store.find(id).await? {
            Some(stored) => self.refreshed(stored, &url).await,
            None => Ok(None),
        }
    }

    fn url(&self, id: &ClientId) -> Option<DocumentUrl> {
        DocumentUrl::parse(id.as_str(), self.policy.allow_http_loopback)
            .inspect_err(|refused| {
                tracing::warn!(event = "cimd_fetch_refused", client_id = %id, reason = "url", detail = %refused);
            })
            .ok()
    }

    /// `stored` with its metadata as its document says now. A disabled
    /// client is returned as it is, unfetched: it is refused anyway. The
    /// disabled flag is never written here, so an operator's stands.
    async fn refreshed(&self, mut stored: Client, url: &DocumentUrl) -> Result<Option<Client>, RepoError> {
        if stored.origin != ClientOrigin::MetadataDocument {
            return Ok(None);
        }
        if stored.disabled {
            return Ok(Some(stored));
        }
        let document = match self.ports.documents.document(url).await {
            Ok(document) => document,
            // A fetch that failed for a passing reason (too many under way,
            // a slow or unreachable host) leaves the stored client as last
            // validated: an attacker slowing every fetch must not turn
            // every known client into an unknown one.
            Err(
                refused
                @ (DocumentRefused::Busy | DocumentRefused::Timeout | DocumentRefused::Unreachable(_)),
            ) => {
                log_refusal(&stored.id, &refused);
                return Ok(Some(stored));
            }
            Err(refused) => {
                log_refusal(&stored.id, &refused);
                return Ok(None);
            }
        };
        let metadata = self.held_to_template(&document).await?;
        if stored.metadata != metadata {
            let now = self.ports.clock.now();
            match self.ports.store.replace_metadata(&stored.id, &metadata, now).await {
                Ok(()) => (stored.metadata, stored.updated_at) = (metadata, now),
                // Deleted by an operator meanwhile: gone.
                Err(RepoError::NotFound) => return Ok(None),
                Err(other) => return Err(other),
            }
        }
        Ok(Some(stored))
    }

    /// The metadata the document at `url` makes under the template, or
    /// `None` (logged as `cimd_fetch_refused`) when there is no valid one.
    async fn metadata(&self, id: &ClientId, url: &DocumentUrl) -> Result<Option<ClientMetadata>, RepoError> {
        match self.ports.documents.document(url).await {
            Ok(document) => Ok(Some(self.held_to_template(&document).await?)),
            Err(refused) => {
                log_refusal(id, &refused);
                Ok(None)
            }
        }
    }

    async fn held_to_template(&self, document: &ClientDocument) -> Result<ClientMetadata, RepoError> {
        let resources = self.ports.resources.list().await?;
        Ok(self.policy.template.metadata_for_document(document, &resources))
    }

    /// Charges `address`, and every address together, one new document
    /// client; `Some(seconds to wait)` when either quota is spent.
    async fn charge(&self, address: &str, now: OffsetDateTime) -> Result<Option<u64>, RepoError> {
        let (own, total) = (self.policy.new_clients, self.policy.new_clients_total);
        let attempts = self.ports.attempts.as_ref();
        if let Some(wait) = charge(attempts, own, "metadata-document", address, now).await? {
            return Ok(Some(wait));
        }
        charge(attempts, total, "metadata-document-total", "every address", now).await
    }
}

fn log_refusal(id: &ClientId, refused: &DocumentRefused) {
    tracing::warn!(
        event = "cimd_fetch_refused",
        client_id = %id,
        reason = refused.reason(),
        detail = %refused,
        "client id metadata document refused"
    );
}

#[cfg(test)]
mod tests;
