//! Dynamic client registration (RFC 7591) and its management (RFC 7592):
//! a client registers itself, under the template every self-asserted
//! client is held to, and later reads, updates or deletes its registration
//! with the registration access token it was given.
//!
//! Off unless configured; `token` mode admits only callers presenting an
//! initial access token, `open` mode anyone, each address within its quota
//! (docs/SECURITY.md § Dynamic registration).

use std::sync::Arc;

use crate::client::{
    Client, ClientId, ClientMetadata, ClientOrigin, ClientSecret, ClientType, RegistrationRefused,
    RegistrationRequest, SelfAssertedTemplate, StoredSecret,
};
use crate::client_registration::{ClientRegistration, RegistrationAccessToken};
use crate::error::RepoError;
use crate::ports::{
    ClientRegistrationRepository, ClientRepository, Clock, LoginAttemptRepository, RandomSource,
    RandomUnavailable, RegistrationTokenRepository, ResourceRepository,
};
use crate::registration_token::{RegistrationTokenDigest, RegistrationTokenId};
use crate::security_event::{ChangeSource, EventKind, SecurityEvent};
use crate::service::client_directory::ClientDirectory;
use crate::service::quota::charge;
use crate::throttle::AuthorizeQuota;

mod management;

/// Who may register (RFC 7591 §3: the server MAY require an initial access
/// token). Registration that is off has no service at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationMode {
    /// Only with an initial access token (`auth-server registration-tokens`).
    Token,
    /// Anyone, within the quotas.
    Open,
}

/// What registrations are held to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationPolicy {
    /// Who may register.
    pub mode: RegistrationMode,
    /// What a registered client may become.
    pub template: SelfAssertedTemplate,
    /// Registrations one address (an IPv6 /64) may make per window.
    pub per_address: AuthorizeQuota,
    /// Registrations all addresses together may make per window in `open`
    /// mode: the bound on the rate anonymous callers add rows at. In
    /// `token` mode the tokens' uses are the bound.
    pub total: AuthorizeQuota,
    /// The most dynamic clients stored at once: the bound on the rows
    /// themselves, whatever the rate.
    pub max_clients: u64,
}

/// The ports registration uses.
pub struct RegistrationPorts {
    /// Clients, read past any cached copy, which a read refreshes.
    pub clients: ClientDirectory,
    /// Registrations, beside their clients.
    pub registrations: Arc<dyn ClientRegistrationRepository>,
    /// Initial access tokens, spent one use per registration.
    pub tokens: Arc<dyn RegistrationTokenRepository>,
    /// The resources, for those open to dynamic clients.
    pub resources: Arc<dyn ResourceRepository>,
    /// The counters of the quotas.
    pub attempts: Arc<dyn LoginAttemptRepository>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// Client ids, secrets and registration access tokens.
    pub random: Arc<dyn RandomSource>,
    /// Where registrations, updates and deletions are recorded; `over`
    /// records nothing.
    pub events: Arc<dyn crate::ports::SecurityEventSink>,
}

impl RegistrationPorts {
    /// Every repository from one store (the usual case: one database),
    /// read without a cache.
    pub fn over<S>(store: &Arc<S>, clock: Arc<dyn Clock>, random: Arc<dyn RandomSource>) -> Self
    where
        S: ClientRepository
            + ClientRegistrationRepository
            + RegistrationTokenRepository
            + ResourceRepository
            + LoginAttemptRepository
            + 'static,
    {
        Self {
            clients: ClientDirectory::uncached(store.clone()),
            registrations: store.clone(),
            tokens: store.clone(),
            resources: store.clone(),
            attempts: store.clone(),
            clock,
            random,
            events: Arc::new(crate::ports::DiscardEvents),
        }
    }
}

impl std::fmt::Debug for RegistrationPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrationPorts").finish_non_exhaustive()
    }
}

/// Why a registration request was refused.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationFailure {
    /// The metadata: RFC 7591 §3.2.2 (400).
    #[error(transparent)]
    Refused(#[from] RegistrationRefused),
    /// The initial or registration access token is missing, unknown, spent
    /// or not this client's (RFC 6750 §3.1 `invalid_token`, 401).
    #[error("the access token is missing, unknown or not valid here")]
    InvalidToken,
    /// The address, or every address together, used its quota (429).
    #[error("too many registrations; retry in {retry_after_secs} s")]
    Throttled {
        /// Seconds until the quota allows another.
        retry_after_secs: u64,
    },
    /// As many dynamic clients are stored as the policy allows (503).
    #[error("no more clients can register now")]
    Full,
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] RepoError),
    /// No randomness for an id or a token.
    #[error(transparent)]
    Random(#[from] RandomUnavailable),
}

/// A registration as the endpoint answers it (RFC 7591 §3.2.1, RFC 7592 §3).
#[derive(Debug)]
pub struct Registered {
    /// The client as stored.
    pub client: Client,
    /// Its registration as stored.
    pub registration: ClientRegistration,
    /// A new client's secret (confidential clients), shown this once.
    pub secret: Option<ClientSecret>,
    /// The registration access token that is now current.
    pub access_token: RegistrationAccessToken,
}

/// The registration endpoint and the client configuration endpoint.
pub struct RegistrationService {
    ports: RegistrationPorts,
    policy: RegistrationPolicy,
}

impl std::fmt::Debug for RegistrationService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrationService").field("mode", &self.policy.mode).finish_non_exhaustive()
    }
}

impl RegistrationService {
    /// Registration over `ports`, held to `policy`.
    pub fn new(ports: RegistrationPorts, policy: RegistrationPolicy) -> Self {
        Self { ports, policy }
    }

    /// Who may register.
    pub fn mode(&self) -> RegistrationMode {
        self.policy.mode
    }

    /// Registers the client `request` describes, from `address`, with the
    /// initial access token `initial_token` where one is required.
    ///
    /// The request is checked first and refused without a charge, then
    /// the number of stored dynamic clients; in `token` mode the token is
    /// spent next (one use, atomically), so a caller without one is
    /// refused before it is charged anything; then the address's quota is
    /// charged (and, in `open` mode, the shared one); only then is
    /// anything stored. A token holder over the address's quota, or whose
    /// registration then fails to be stored, has spent the use.
    #[tracing::instrument(skip_all)]
    pub async fn register(
        &self,
        request: &RegistrationRequest,
        initial_token: Option<&str>,
        address: &str,
    ) -> Result<Registered, RegistrationFailure> {
        let (metadata, application_type) = self.held_to_template(request).await?;
        let now = self.ports.clock.now();
        // The ceiling before the token: a full registry spends no use.
        if self.ports.registrations.count().await? >= self.policy.max_clients {
            tracing::warn!(
                event = "registration_full",
                "registration refused: as many dynamic clients as allowed"
            );
            return Err(RegistrationFailure::Full);
        }
        // The token before any quota in `token` mode: a caller without one
        // is refused before it is charged anything, so it cannot spend the
        // quota of the address it shares with token holders.
        let initial = match self.policy.mode {
            RegistrationMode::Token => Some(self.spend(initial_token).await?),
            RegistrationMode::Open => None,
        };
        self.charge(address, now).await?;
        let random = self.ports.random.as_ref();
        let secret = match metadata.client_type {
            ClientType::Confidential => Some(ClientSecret::generate(random)?),
            ClientType::Public => None,
        };
        let client = Client {
            id: ClientId::generate(random)?,
            origin: ClientOrigin::Dynamic,
            metadata,
            secrets: secret
                .iter()
                .map(|s| StoredSecret { digest: s.digest(), created_at: now, expires_at: None })
                .collect(),
            disabled: false,
            created_at: now,
            updated_at: now,
        };
        let access_token = RegistrationAccessToken::generate(random)?;
        let registration = ClientRegistration {
            client_id: client.id.clone(),
            access_token: access_token.digest(),
            application_type,
            registered_from: address.to_owned(),
            initial_token: initial,
            last_used_at: None,
        };
        self.ports.registrations.register(&client, &registration).await?;
        tracing::info!(
            event = "client_registered",
            client_id = %client.id,
            client_type = %client.metadata.client_type,
            source_address = address,
            initial_token_id = initial.map(|id| id.to_string()),
            "client registered itself"
        );
        self.record(EventKind::ClientCreated, &client.id, address.parse().ok());
        Ok(Registered { client, registration, secret, access_token })
    }

    /// Records a change the client made to its own registration (RFC 7591/7592).
    fn record(&self, kind: EventKind, client: &ClientId, address: Option<std::net::IpAddr>) {
        let event = SecurityEvent::new(kind, self.ports.clock.now()).client(client).address(address);
        self.ports.events.record(event.source(ChangeSource::Registration));
    }

    /// Charges `address` one registration, and in `open` mode every
    /// address together one more.
    async fn charge(&self, address: &str, now: time::OffsetDateTime) -> Result<(), RegistrationFailure> {
        let attempts = self.ports.attempts.as_ref();
        let own = charge(attempts, self.policy.per_address, "registration", address, now).await?;
        let total = match (own, self.policy.mode) {
            (None, RegistrationMode::Open) => {
                charge(attempts, self.policy.total, "registration-total", "every address", now).await?
            }
            _ => None,
        };
        match own.or(total) {
            None => Ok(()),
            Some(retry_after_secs) => {
                tracing::warn!(event = "registration_throttled", "registration refused: over a quota");
                Err(RegistrationFailure::Throttled { retry_after_secs })
            }
        }
    }

    /// The request held to the template, with the application type it
    /// names.
    async fn held_to_template(
        &self,
        request: &RegistrationRequest,
    ) -> Result<(ClientMetadata, crate::client_registration::ApplicationType), RegistrationFailure> {
        let application_type = request.application_type()?;
        let resources = self.ports.resources.list().await?;
        let metadata = self.policy.template.metadata_for_registration(request, &resources)?;
        Ok((metadata, application_type))
    }

    /// One use of the initial access token `presented`, or `InvalidToken`.
    async fn spend(&self, presented: Option<&str>) -> Result<RegistrationTokenId, RegistrationFailure> {
        let Some(presented) = presented else {
            return Err(RegistrationFailure::InvalidToken);
        };
        let digest = RegistrationTokenDigest::of(presented);
        let spent = self.ports.tokens.spend(&digest, self.ports.clock.now()).await?;
        spent.ok_or_else(|| {
            tracing::warn!(event = "registration_token_refused", "initial access token refused");
            RegistrationFailure::InvalidToken
        })
    }
}

#[cfg(test)]
mod tests;
