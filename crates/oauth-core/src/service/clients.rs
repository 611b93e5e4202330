//! Administration of OAuth clients, and the check of a presented secret.
//!
//! Every input is validated before anything is written; `apply` validates a
//! whole file before touching the first client.

use std::collections::BTreeSet;
use std::sync::Arc;

use time::Duration;

use crate::client::{
    Client, ClientFieldError, ClientId, ClientMetadata, ClientSecret, ClientSpec, ClientType, SecretDigest,
    StoredSecret, name_key,
};
use crate::error::RepoError;
use crate::ports::{ClientRepository, Clock, RandomSource, RandomUnavailable};
use crate::scope::ScopeCatalog;

/// Why a client operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{0}")]
    Invalid(#[from] ClientFieldError),
    #[error("`name`: a client named {0:?} already exists")]
    DuplicateName(String),
    #[error("no client with id {0:?}")]
    UnknownClient(String),
    #[error("`type`: a public client has no secret to rotate")]
    NoSecret,
    #[error(
        "`type`: client {0:?} is {1}; the type of an existing client cannot change (delete and recreate it)"
    )]
    TypeChange(String, ClientType),
    #[error("`name`: {0:?} appears more than once in the file")]
    RepeatedInFile(String),
    #[error(transparent)]
    Storage(RepoError),
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
    pub redirect_uris: Option<Vec<String>>,
    pub allowed_origins: Option<Vec<String>>,
    pub scopes: Option<Vec<String>>,
    pub grant_types: Option<Vec<String>>,
    pub skip_consent: Option<bool>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    pub may_introspect_any: Option<bool>,
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

/// Client authentication failed. One variant for every cause (unknown id,
/// disabled client, wrong or expired secret), so a caller cannot tell them apart.
#[derive(Debug, thiserror::Error)]
pub enum AuthenticationError {
    #[error("client authentication failed")]
    Failed,
    #[error(transparent)]
    Storage(#[from] RepoError),
}

/// Registry of clients.
pub struct ClientService {
    clients: Arc<dyn ClientRepository>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn RandomSource>,
    catalog: Arc<ScopeCatalog>,
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
        Self { clients, clock, random, catalog }
    }

    /// Registers a client. Confidential clients get a secret, returned this once.
    #[tracing::instrument(skip_all)]
    pub async fn create(&self, spec: &ClientSpec) -> Result<(Client, Option<ClientSecret>), ClientError> {
        let metadata = spec.validate(&self.catalog)?;
        self.create_validated(metadata).await
    }

    async fn create_validated(
        &self,
        metadata: ClientMetadata,
    ) -> Result<(Client, Option<ClientSecret>), ClientError> {
        let now = self.clock.now();
        let secret = match metadata.client_type {
            ClientType::Confidential => Some(ClientSecret::generate(self.random.as_ref())?),
            ClientType::Public => None,
        };
        let secrets = secret
            .iter()
            .map(|s| StoredSecret { digest: s.digest(), created_at: now, expires_at: None })
            .collect();
        let client = Client {
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
        tracing::info!(client_id = %client.id, "client created");
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
        if let Some(any) = update.may_introspect_any {
            spec.may_introspect_any = any;
        }
        let metadata = spec.validate(&self.catalog)?;
        self.store_metadata(client, metadata).await
    }

    async fn store_metadata(&self, client: Client, metadata: ClientMetadata) -> Result<Client, ClientError> {
        let updated = Client { metadata, updated_at: self.clock.now(), ..client };
        self.clients.update(&updated).await?;
        tracing::info!(client_id = %updated.id, "client updated");
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
        if client.metadata.client_type == ClientType::Public {
            return Err(ClientError::NoSecret);
        }
        let now = self.clock.now();
        let secret = ClientSecret::generate(self.random.as_ref())?;
        let stored = StoredSecret { digest: secret.digest(), created_at: now, expires_at: None };
        let previous_until = grace.filter(|g| g.is_positive()).map(|g| now + g);
        self.clients.rotate_secret(&client.id, &stored, previous_until, now).await?;
        tracing::info!(client_id = %client.id, grace = previous_until.is_some(), "client secret rotated");
        Ok((self.find(id).await?, secret))
    }

    /// Disables or re-enables a client.
    pub async fn set_disabled(&self, id: &str, disabled: bool) -> Result<Client, ClientError> {
        let client = self.find(id).await?;
        let updated = Client { disabled, updated_at: self.clock.now(), ..client };
        self.clients.update(&updated).await?;
        tracing::info!(client_id = %updated.id, disabled, "client access changed");
        Ok(updated)
    }

    /// Removes a client.
    pub async fn delete(&self, id: &str) -> Result<(), ClientError> {
        let client = self.find(id).await?;
        self.clients.delete(&client.id).await?;
        tracing::info!(client_id = %client.id, "client deleted");
        Ok(())
    }

    /// Creates or updates each client of a declarative file, matched by name.
    /// Validates every entry first: one bad entry and nothing is written.
    #[tracing::instrument(skip_all)]
    pub async fn apply(&self, specs: &[ClientSpec]) -> Result<Vec<ApplyOutcome>, ClientError> {
        let mut seen = BTreeSet::new();
        let mut planned = Vec::with_capacity(specs.len());
        for spec in specs {
            let metadata = spec.validate(&self.catalog)?;
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

    /// The client, if `secret` is one of its valid secrets and it is enabled.
    ///
    /// SECURITY: an unknown id still costs one digest comparison, and every
    /// failure is the same error, so neither timing nor answer tells an
    /// attacker which client ids exist.
    pub async fn authenticate(&self, id: &str, secret: &str) -> Result<Client, AuthenticationError> {
        let now = self.clock.now();
        let client = match ClientId::parse(id) {
            Ok(parsed) => self.clients.find(&parsed).await?,
            Err(_) => None,
        };
        let Some(client) = client else {
            let _ = SecretDigest::of("").verify(secret);
            return Err(AuthenticationError::Failed);
        };
        let matches = client.secret_matches(secret, now);
        if matches && !client.disabled { Ok(client) } else { Err(AuthenticationError::Failed) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::MockClientRepository;
    use crate::testing::{InMemoryStore, ManualClock, SeqRandom, fixtures::T0};

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
        assert!(h.service.authenticate(client.id.as_str(), secret.expose()).await.is_ok());
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
            assert!(
                matches!(h.service.authenticate(id, secret).await, Err(AuthenticationError::Failed)),
                "{id}"
            );
        }
        h.service.set_disabled(a.id.as_str(), true).await.unwrap();
        assert!(matches!(
            h.service.authenticate(a.id.as_str(), secret_a.expose()).await,
            Err(AuthenticationError::Failed)
        ));
        h.service.set_disabled(a.id.as_str(), false).await.unwrap();
        assert!(h.service.authenticate(a.id.as_str(), secret_a.expose()).await.is_ok());
    }

    #[tokio::test]
    async fn rotation_with_grace_keeps_the_old_secret_until_the_grace_ends() {
        let h = harness();
        let (client, old) = h.service.create(&spec("Billing", "confidential")).await.unwrap();
        let old = old.unwrap();
        let id = client.id.as_str();
        let (_, new) = h.service.rotate_secret(id, Some(Duration::hours(24))).await.unwrap();
        assert!(h.service.authenticate(id, new.expose()).await.is_ok());
        h.clock.advance(Duration::hours(24) - Duration::seconds(1));
        assert!(h.service.authenticate(id, old.expose()).await.is_ok(), "inside the grace");
        h.clock.advance(Duration::seconds(1));
        assert!(h.service.authenticate(id, old.expose()).await.is_err(), "the grace has ended");
        assert!(h.service.authenticate(id, new.expose()).await.is_ok());
    }

    #[tokio::test]
    async fn rotation_without_grace_stops_the_old_secret_at_once() {
        let h = harness();
        let (client, old) = h.service.create(&spec("Billing", "confidential")).await.unwrap();
        let (_, new) = h.service.rotate_secret(client.id.as_str(), None).await.unwrap();
        assert!(h.service.authenticate(client.id.as_str(), old.unwrap().expose()).await.is_err());
        assert!(h.service.authenticate(client.id.as_str(), new.expose()).await.is_ok());
    }

    #[tokio::test]
    async fn a_public_client_has_no_secret_to_rotate() {
        let h = harness();
        let (client, _) = h.service.create(&spec("Mobile", "public")).await.unwrap();
        assert!(matches!(
            h.service.rotate_secret(client.id.as_str(), None).await,
            Err(ClientError::NoSecret)
        ));
    }

    #[tokio::test]
    async fn update_revalidates_and_keeps_what_it_does_not_name() {
        let h = harness();
        let (client, _) = h.service.create(&spec("Billing", "confidential")).await.unwrap();
        let id = client.id.as_str();
        let bad = ClientUpdate {
            redirect_uris: Some(vec!["http://rp.example/cb".into()]),
            ..ClientUpdate::default()
        };
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
}
