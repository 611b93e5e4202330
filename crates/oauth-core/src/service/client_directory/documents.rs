//! Clients described by metadata documents: a document fetched (or held
//! fresh by the fetcher), held to the template, and kept as a client row,
//! so codes, consents and refresh tokens can name it like any other.

use std::sync::Arc;

use crate::client::{Client, ClientId, ClientOrigin, SelfAssertedTemplate};
use crate::error::RepoError;
use crate::metadata_document::DocumentUrl;
use crate::ports::{ClientRepository, Clock, MetadataDocuments, ResourceRepository};

/// The clients whose id is the URL of their metadata document.
pub struct DocumentClients {
    documents: Arc<dyn MetadataDocuments>,
    store: Arc<dyn ClientRepository>,
    resources: Arc<dyn ResourceRepository>,
    template: SelfAssertedTemplate,
    clock: Arc<dyn Clock>,
    allow_http_loopback: bool,
}

impl std::fmt::Debug for DocumentClients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentClients")
            .field("template", &self.template)
            .field("allow_http_loopback", &self.allow_http_loopback)
            .finish_non_exhaustive()
    }
}

impl DocumentClients {
    /// Clients from `documents`, held to `template`, with the resources of
    /// `resources` that allow dynamic clients, kept in `store`.
    /// `allow_http_loopback` admits `http` documents on loopback literals:
    /// development only (CIMD §8.6).
    pub fn new(
        documents: Arc<dyn MetadataDocuments>,
        store: Arc<dyn ClientRepository>,
        resources: Arc<dyn ResourceRepository>,
        template: SelfAssertedTemplate,
        clock: Arc<dyn Clock>,
        allow_http_loopback: bool,
    ) -> Self {
        Self { documents, store, resources, template, clock, allow_http_loopback }
    }

    /// The client the document at `id` describes now, as stored: created on
    /// first use, its metadata replaced whenever the document says otherwise.
    /// `None` when `id` is not a document URL, or no valid document is
    /// there (logged as `cimd_fetch_refused`). An operator's `disabled`
    /// stays, so a disabled document client remains refused.
    pub async fn resolve(&self, id: &ClientId) -> Result<Option<Client>, RepoError> {
        let url = match DocumentUrl::parse(id.as_str(), self.allow_http_loopback) {
            Ok(url) => url,
            Err(refused) => {
                tracing::warn!(event = "cimd_fetch_refused", client_id = %id, reason = "url", detail = %refused);
                return Ok(None);
            }
        };
        let document = match self.documents.document(&url).await {
            Ok(document) => document,
            Err(refused) => {
                tracing::warn!(
                    event = "cimd_fetch_refused",
                    client_id = %id,
                    reason = refused.reason(),
                    detail = %refused,
                    "client id metadata document refused"
                );
                return Ok(None);
            }
        };
        let resources = self.resources.list().await?;
        let metadata = self.template.metadata_for_document(&document, &resources);
        let now = self.clock.now();
        match self.store.find(id).await? {
            Some(stored) if stored.origin != ClientOrigin::MetadataDocument => Ok(None),
            Some(mut stored) => {
                if stored.metadata != metadata {
                    stored.metadata = metadata;
                    stored.updated_at = now;
                    self.store.update(&stored).await?;
                }
                Ok(Some(stored))
            }
            None => {
                let client = Client {
                    id: id.clone(),
                    origin: ClientOrigin::MetadataDocument,
                    metadata,
                    secrets: Vec::new(),
                    disabled: false,
                    created_at: now,
                    updated_at: now,
                };
                match self.store.insert(&client).await {
                    Ok(()) => {
                        tracing::info!(event = "client_registered", client_id = %id, origin = "metadata_document");
                        Ok(Some(client))
                    }
                    // Another request stored it first: theirs stands.
                    Err(RepoError::Conflict(_)) => {
                        Ok(self.store.find(id).await?.filter(|c| c.origin == ClientOrigin::MetadataDocument))
                    }
                    Err(other) => Err(other),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
