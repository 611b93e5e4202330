//! How services read clients: through one directory that may keep copies in
//! memory, and owns the rule that makes those copies safe to use — a cache may
//! delay a refusal, never cause one (docs/SECURITY.md § Read caches).

use std::sync::Arc;

use crate::client::{Client, ClientId};
use crate::error::RepoError;
use crate::ports::{ClientCache, ClientRepository, Clock};

/// What the registry says of a client id, judged by a caller's rule.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // returned and matched at once, never stored
pub enum Judged {
    /// The client exists and the rule holds for it.
    Accepted(Client),
    /// The client exists and the rule does not hold for it.
    Refused,
    /// No client has this id.
    Unknown,
}

/// The registered clients, as the services read them: from a
/// [`ClientRepository`], optionally through a [`ClientCache`].
///
/// A cached copy may only ever accept. Whenever a copy would lead to a
/// refusal (unknown, disabled, a secret, grant, scope, URI, origin or
/// permission it lacks), the client is read from the store and the stored
/// client decides; that read refreshes the copy, or drops it when the client
/// is gone. So a change made elsewhere (the CLI, another instance) can delay
/// a refusal by at most the cache's time-to-live, and is accepted at once.
/// Unknown ids are never cached, so made-up ids cannot fill the cache.
///
/// Cheap to clone: every clone reads through the same cache.
#[derive(Clone)]
pub struct ClientDirectory {
    store: Arc<dyn ClientRepository>,
    copies: Option<Copies>,
    documents: Option<Arc<DocumentClients>>,
}

/// The cache and the clock that stamps and ages its copies.
#[derive(Clone)]
struct Copies {
    cache: Arc<dyn ClientCache>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for ClientDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientDirectory")
            .field("cached", &self.copies.is_some())
            .field("metadata_documents", &self.documents.is_some())
            .finish_non_exhaustive()
    }
}

impl ClientDirectory {
    /// Every read goes to `store`.
    pub fn uncached(store: Arc<dyn ClientRepository>) -> Self {
        Self { store, copies: None, documents: None }
    }

    /// Reads through `cache`, which ages its copies on `clock`.
    pub fn cached(
        store: Arc<dyn ClientRepository>,
        cache: Arc<dyn ClientCache>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { store, copies: Some(Copies { cache, clock }), documents: None }
    }

    /// Also accepts clients whose id is the URL of their metadata document
    /// (off unless this is called: a URL id is otherwise an unknown client).
    #[must_use]
    pub fn with_metadata_documents(mut self, documents: Arc<DocumentClients>) -> Self {
        self.documents = Some(documents);
        self
    }

    /// The client as stored now, past any copy; the copy is replaced by it,
    /// or dropped when the client is gone. For a decision that must rest on
    /// the stored client, a copy in hand having refused.
    ///
    /// A URL id names a metadata document's client: one stored already,
    /// renewed through its document (whose freshness the fetcher keeps),
    /// never from the store alone, and unknown while documents are off.
    pub async fn find_fresh(&self, id: &ClientId) -> Result<Option<Client>, RepoError> {
        if id.is_url() {
            return match &self.documents {
                Some(documents) => documents.resolve(id).await,
                None => Ok(None),
            };
        }
        let Some(copies) = &self.copies else { return self.store.find(id).await };
        let read_at = copies.clock.now();
        let found = self.store.find(id).await?;
        match &found {
            Some(client) => copies.cache.put(client.clone(), read_at),
            None => copies.cache.forget(id),
        }
        Ok(found)
    }

    /// For the authorization endpoint, the one place a new metadata
    /// document's client may come in: [`DocumentClients::admit`] for a URL
    /// id, charged to `address`. `None` for any other id, which
    /// [`Self::decide`] answers.
    pub async fn admit(&self, id: &ClientId, address: &str) -> Result<Option<Admission>, RepoError> {
        if !id.is_url() {
            return Ok(None);
        }
        Ok(Some(match &self.documents {
            Some(documents) => documents.admit(id, address).await?,
            None => Admission::Client(None),
        }))
    }

    /// The client as stored, never fetched nor cached: for a page that only
    /// names it (the account page), where a metadata document's host must
    /// not learn who looks.
    pub async fn find_stored(&self, id: &ClientId) -> Result<Option<Client>, RepoError> {
        self.store.find(id).await
    }

    /// Every client, ordered by name, from the store.
    pub async fn list(&self) -> Result<Vec<Client>, RepoError> {
        self.store.list().await
    }

    /// `decide` applied to the copy of the client, when one is held and
    /// `decide` accepts it (`Ok`); otherwise to the client as stored now
    /// (`None`: no client has this id), whose answer stands.
    ///
    /// SECURITY: every refusal costs exactly one store read, whether the id
    /// is unknown or the client refused, a copy held or not, so the time an
    /// answer takes does not tell which ids exist.
    pub async fn decide<T, E>(
        &self,
        id: &ClientId,
        decide: impl Fn(Option<Client>) -> Result<T, E>,
    ) -> Result<Result<T, E>, RepoError> {
        if let Some(copies) = &self.copies
            && !id.is_url()
            && let Some(copy) = copies.cache.get(id, copies.clock.now())
            && let Ok(accepted) = decide(Some(copy))
        {
            return Ok(Ok(accepted));
        }
        Ok(decide(self.find_fresh(id).await?))
    }

    /// Judges the client named `id` by `accept`, as [`Self::decide`] does.
    pub async fn judge(&self, id: &ClientId, accept: impl Fn(&Client) -> bool) -> Result<Judged, RepoError> {
        let decided = self
            .decide(id, |client| match client {
                Some(client) if accept(&client) => Ok(client),
                known => Err(known.is_some()),
            })
            .await?;
        Ok(match decided {
            Ok(client) => Judged::Accepted(client),
            Err(true) => Judged::Refused,
            Err(false) => Judged::Unknown,
        })
    }

    /// The client named `id` if `accept` holds for it, judged as [`Self::judge`] does.
    pub async fn find_accepted(
        &self,
        id: &ClientId,
        accept: impl Fn(&Client) -> bool,
    ) -> Result<Option<Client>, RepoError> {
        Ok(match self.judge(id, accept).await? {
            Judged::Accepted(client) => Some(client),
            Judged::Refused | Judged::Unknown => None,
        })
    }
}

mod documents;
#[cfg(test)]
mod tests;

pub use documents::{Admission, DocumentClients, DocumentPolicy, DocumentPorts};
