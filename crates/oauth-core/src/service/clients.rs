//! Administration of OAuth clients, and the check of a presented secret.
//!
//! Every input is validated before anything is written; `apply` validates a
//! whole file before touching the first client.

use std::collections::BTreeSet;
use std::sync::Arc;

use time::Duration;

use crate::client::{
    Client, ClientFieldError, ClientId, ClientMetadata, ClientSecret, ClientSpec, ClientType, StoredSecret,
    name_key,
};
use crate::error::RepoError;
use crate::ports::{ClientRepository, Clock, RandomSource, RandomUnavailable, ResourceRepository};
use crate::scope::ScopeCatalog;
use crate::security_event::{ChangeSource, EventDetails, EventKind};
use crate::service::audit::Audit;

/// Why a client operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// A field was refused.
    #[error("{0}")]
    Invalid(#[from] ClientFieldError),
    /// Another client has this name.
    #[error("`name`: a client named {0:?} already exists")]
    DuplicateName(String),
    /// No client has this id.
    #[error("no client with id {0:?}")]
    UnknownClient(String),
    /// A self-asserted client is described by its own metadata.
    #[error(
        "client {0:?} describes itself (a metadata document or dynamic registration); it can only be \
         disabled, enabled or deleted"
    )]
    SelfDescribed(String),
    /// A client that authenticates without a secret (a public client, a
    /// `private_key_jwt` one) has none to rotate.
    #[error(
        "`auth_method`: this client authenticates without a secret (none or private_key_jwt); there is none to rotate"
    )]
    NoSecret,
    /// A client's type cannot change.
    #[error(
        "`type`: client {0:?} is {1}; the type of an existing client cannot change (delete and recreate it)"
    )]
    TypeChange(String, ClientType),
    /// A resource the client names is not registered.
    #[error("`resource`: no resource {0:?} is registered (see `resources create`)")]
    UnknownResource(String),
    /// A file names one client twice.
    #[error("`name`: {0:?} appears more than once in the file")]
    RepeatedInFile(String),
    /// The store failed.
    #[error(transparent)]
    Storage(RepoError),
    /// Randomness was unavailable.
    #[error(transparent)]
    Random(#[from] RandomUnavailable),
}

impl ClientError {
    /// Whether the operator's input was at fault (as opposed to the server).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, Self::Storage(_) | Self::Random(_))
    }
}

impl From<RepoError> for ClientError {
    fn from(error: RepoError) -> Self {
        Self::Storage(error)
    }
}

/// Changes to an existing client; `None` leaves a field as it is, a list replaces the old one.
#[derive(Debug, Clone, Default)]
pub struct ClientUpdate {
    /// Replaces the redirect URIs.
    pub redirect_uris: Option<Vec<String>>,
    /// Replaces the allowed browser origins.
    pub allowed_origins: Option<Vec<String>>,
    /// Replaces the scopes the client may request.
    pub scopes: Option<Vec<String>>,
    /// Replaces the grants the client may use.
    pub grant_types: Option<Vec<String>>,
    /// Sets whether the consent page is skipped.
    pub skip_consent: Option<bool>,
    /// Replaces the post-logout redirect URIs.
    pub post_logout_redirect_uris: Option<Vec<String>>,
    /// Sets whether the client may introspect every client's tokens.
    pub may_introspect_any: Option<bool>,
    /// Sets whether only pushed authorization requests are accepted.
    pub require_pushed_requests: Option<bool>,
    /// Sets whether every token request must carry a DPoP proof.
    pub dpop_bound: Option<bool>,
    /// Replaces a `private_key_jwt` client's public keys with this JWK Set.
    pub jwks: Option<String>,
    /// Replaces a `private_key_jwt` client's public keys with the set
    /// published at this URL.
    pub jwks_uri: Option<String>,
    /// Replaces the resource servers the client may ask tokens for.
    pub resources: Option<Vec<String>>,
}

/// What `apply` did for one client of the file.
#[derive(Debug)]
pub enum ApplyOutcome {
    /// New; the secret (confidential clients) is shown this once.
    Created(Client, Option<ClientSecret>),
    /// Existed with other metadata; now matches the file.
    Updated(Client),
    /// Already matched the file.
    Unchanged(Client),
}

/// Registry of clients.
pub struct ClientService {
    clients: Arc<dyn ClientRepository>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn RandomSource>,
    catalog: Arc<ScopeCatalog>,
    resources: Option<Arc<dyn ResourceRepository>>,
    audit: Audit,
}

impl std::fmt::Debug for ClientService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientService").finish_non_exhaustive()
    }
}

impl ClientService {
    /// A service over the given ports and the server's scope catalogue.
    pub fn new(
        clients: Arc<dyn ClientRepository>,
        clock: Arc<dyn Clock>,
        random: Arc<dyn RandomSource>,
        catalog: Arc<ScopeCatalog>,
    ) -> Self {
        let audit = Audit::discarding(clock.clone());
        Self { clients, clock, random, catalog, resources: None, audit }
    }

    /// Also records every change as a security event made with the command line.
    #[must_use]
    pub fn auditing(mut self, audit: Audit) -> Self {
        self.audit = audit;
        self
    }

    /// Records an operator's change of `client`.
    fn record(&self, kind: EventKind, client: &ClientId, details: EventDetails) {
        let event = self.audit.event(kind).client(client).details(details);
        self.audit.record(event.source(ChangeSource::Cli));
    }

    /// Lets clients name the resources of `registry`. Without a registry,
    /// a client that names a resource is refused.
    #[must_use]
    pub fn with_resource_registry(mut self, registry: Arc<dyn ResourceRepository>) -> Self {
        self.resources = Some(registry);
        self
    }

    /// Validates `spec`, then checks that every resource it names is registered.
    async fn validate(&self, spec: &ClientSpec) -> Result<ClientMetadata, ClientError> {
        let metadata = spec.validate(&self.catalog)?;
        for uri in &metadata.resources {
            let registered = match &self.resources {
                Some(registry) => registry.find(uri).await?.is_some(),
                None => false,
            };
            if !registered {
                return Err(ClientError::UnknownResource(uri.as_str().to_owned()));
            }
        }
        Ok(metadata)
    }

    /// Registers a client. A client that authenticates with a secret gets
    /// one, returned this once; a `private_key_jwt` client has its keys.
    #[tracing::instrument(skip_all)]
    pub async fn create(&self, spec: &ClientSpec) -> Result<(Client, Option<ClientSecret>), ClientError> {
        let metadata = self.validate(spec).await?;
        self.create_validated(metadata).await
    }

    async fn create_validated(
        &self,
        metadata: ClientMetadata,
    ) -> Result<(Client, Option<ClientSecret>), ClientError> {
        let now = self.clock.now();
        let secret = if metadata.auth_method.uses_secret() {
            Some(ClientSecret::generate(self.random.as_ref())?)
        } else {
            None
        };
        let secrets = secret
            .iter()
            .map(|s| StoredSecret { digest: s.digest(), created_at: now, expires_at: None })
            .collect();
        let client = Client {
            origin: crate::client::ClientOrigin::Registered,
            id: ClientId::generate(self.random.as_ref())?,
            metadata,
            secrets,
            disabled: false,
            created_at: now,
            updated_at: now,
        };
        // The repository's uniqueness rule on names decides; no read first.
        self.clients.insert(&client).await.map_err(|e| match e {
            RepoError::Conflict(_) => ClientError::DuplicateName(client.metadata.name.clone()),
            other => ClientError::Storage(other),
        })?;
        self.record(EventKind::ClientCreated, &client.id, EventDetails::default());
        Ok((client, secret))
    }

    /// The client with this id.
    pub async fn find(&self, id: &str) -> Result<Client, ClientError> {
        let unknown = || ClientError::UnknownClient(id.to_owned());
        let parsed = ClientId::parse(id).map_err(|_| unknown())?;
        self.clients.find(&parsed).await?.ok_or_else(unknown)
    }

    /// Every client, ordered by name.
    pub async fn list(&self) -> Result<Vec<Client>, ClientError> {
        Ok(self.clients.list().await?)
    }

    /// Applies `update`, re-validating the whole client.
    #[tracing::instrument(skip_all)]
    pub async fn update(&self, id: &str, update: ClientUpdate) -> Result<Client, ClientError> {
        let client = self.find(id).await?;
        if !client.origin.is_registered() {
            return Err(ClientError::SelfDescribed(id.to_owned()));
        }
        let mut spec = ClientSpec::from(&client.metadata);
        if let Some(uris) = update.redirect_uris {
            spec.redirect_uris = uris;
        }
        if let Some(origins) = update.allowed_origins {
            spec.allowed_origins = origins;
        }
        if let Some(scopes) = update.scopes {
            spec.scopes = scopes;
        }
        if let Some(grants) = update.grant_types {
            spec.grant_types = grants;
        }
        if let Some(skip) = update.skip_consent {
            spec.skip_consent = skip;
        }
        if let Some(uris) = update.post_logout_redirect_uris {
            spec.post_logout_redirect_uris = uris;
        }
        if let Some(pushed) = update.require_pushed_requests {
            spec.require_pushed_requests = pushed;
        }
        if let Some(bound) = update.dpop_bound {
            spec.dpop_bound = bound;
        }
        // RFC 7591 §2: keys by value or by URL, never both; new keys of one
        // kind replace the other's (both at once are refused by validation).
        if update.jwks.is_some() || update.jwks_uri.is_some() {
            spec.jwks = update.jwks;
            spec.jwks_uri = update.jwks_uri;
        }
        if let Some(any) = update.may_introspect_any {
            spec.may_introspect_any = any;
        }
        if let Some(resources) = update.resources {
            spec.resources = resources;
        }
        let metadata = self.validate(&spec).await?;
        self.store_metadata(client, metadata).await
    }

    async fn store_metadata(&self, client: Client, metadata: ClientMetadata) -> Result<Client, ClientError> {
        let updated = Client { metadata, updated_at: self.clock.now(), ..client };
        self.clients.update(&updated).await?;
        self.record(EventKind::ClientUpdated, &updated.id, EventDetails::default());
        Ok(updated)
    }

    /// Issues a new secret at once. With a grace period the previous secret
    /// keeps working until it ends; without one it stops now.
    #[tracing::instrument(skip_all)]
    pub async fn rotate_secret(
        &self,
        id: &str,
        grace: Option<Duration>,
    ) -> Result<(Client, ClientSecret), ClientError> {
        let client = self.find(id).await?;
        if !client.metadata.auth_method.uses_secret() {
            return Err(ClientError::NoSecret);
        }
        let now = self.clock.now();
        let secret = ClientSecret::generate(self.random.as_ref())?;
        let stored = StoredSecret { digest: secret.digest(), created_at: now, expires_at: None };
        let previous_until = grace.filter(|g| g.is_positive()).map(|g| now + g);
        self.clients.rotate_secret(&client.id, &stored, previous_until, now).await?;
        self.record(EventKind::ClientSecretRotated, &client.id, EventDetails::default());
        Ok((self.find(id).await?, secret))
    }

    /// Disables or re-enables a client.
    pub async fn set_disabled(&self, id: &str, disabled: bool) -> Result<Client, ClientError> {
        let client = self.find(id).await?;
        let updated = Client { disabled, updated_at: self.clock.now(), ..client };
        self.clients.update(&updated).await?;
        let changed = EventDetails { disabled: Some(disabled), ..EventDetails::default() };
        self.record(EventKind::ClientDisabled, &updated.id, changed);
        Ok(updated)
    }

    /// Removes a client.
    pub async fn delete(&self, id: &str) -> Result<(), ClientError> {
        let client = self.find(id).await?;
        self.clients.delete(&client.id).await?;
        self.record(EventKind::ClientDeleted, &client.id, EventDetails::default());
        Ok(())
    }

    /// Creates or updates each client of a declarative file, matched by name.
    /// Validates every entry first: one bad entry and nothing is written.
    #[tracing::instrument(skip_all)]
    pub async fn apply(&self, specs: &[ClientSpec]) -> Result<Vec<ApplyOutcome>, ClientError> {
        let mut seen = BTreeSet::new();
        let mut planned = Vec::with_capacity(specs.len());
        for spec in specs {
            let metadata = self.validate(spec).await?;
            if !seen.insert(name_key(&metadata.name)) {
                return Err(ClientError::RepeatedInFile(metadata.name));
            }
            let existing = self.clients.find_by_name(&metadata.name).await?;
            if let Some(client) = &existing
                && client.metadata.client_type != metadata.client_type
            {
                return Err(ClientError::TypeChange(
                    client.metadata.name.clone(),
                    client.metadata.client_type,
                ));
            }
            planned.push((metadata, existing));
        }
        let mut outcomes = Vec::with_capacity(planned.len());
        for (metadata, existing) in planned {
            outcomes.push(match existing {
                None => {
                    let (client, secret) = self.create_validated(metadata).await?;
                    ApplyOutcome::Created(client, secret)
                }
                Some(client) if client.metadata == metadata => ApplyOutcome::Unchanged(client),
                Some(client) => ApplyOutcome::Updated(self.store_metadata(client, metadata).await?),
            });
        }
        Ok(outcomes)
    }
}

#[cfg(test)]
mod tests;
