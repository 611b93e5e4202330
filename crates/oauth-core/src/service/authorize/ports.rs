//! The ports of the authorization endpoint, its login and consent pages and
//! the device grant's verification page.

use std::sync::Arc;

use crate::ports::{
    ClientRepository, Clock, CodeRepository, ConsentRepository, DeviceAuthorizationRepository, DiscardEvents,
    GrantedAppRepository, LoginAttemptRepository, PasswordHasher, PushedRequestRepository, RandomSource,
    ResourceRepository, SecurityEventSink, SessionRepository, SessionViews, UserRepository,
};
use crate::service::client_directory::ClientDirectory;
use crate::service::resource_targets::ResourceTargets;

/// The ports of the authorization endpoint and its login and consent pages.
#[derive(Clone)]
pub struct AuthorizePorts {
    /// The client and its redirect URIs.
    pub clients: ClientDirectory,
    /// Who signs in.
    pub users: Arc<dyn UserRepository>,
    /// Where issued codes are stored.
    pub codes: Arc<dyn CodeRepository>,
    /// Remembered consent.
    pub consents: Arc<dyn ConsentRepository>,
    /// The apps a user granted, as the account page lists and revokes them.
    pub apps: Arc<dyn GrantedAppRepository>,
    /// Browser sessions and parked requests.
    pub sessions: Arc<dyn SessionRepository>,
    /// A session with its user and their consent, read at once on every
    /// authorization request.
    pub views: Arc<dyn SessionViews>,
    /// Failed logins and the per-address quota.
    pub attempts: Arc<dyn LoginAttemptRepository>,
    /// Checks passwords.
    pub hasher: Arc<dyn PasswordHasher>,
    /// The only source of "now".
    pub clock: Arc<dyn Clock>,
    /// Codes, session secrets and request handles.
    pub random: Arc<dyn RandomSource>,
    /// The resource registry (RFC 8707): what a request may name.
    pub targets: ResourceTargets,
    /// Pushed requests (RFC 9126), taken by the `request_uri` that names
    /// them; `None`: no request is pushed here.
    pub pushed: Option<Arc<dyn PushedRequestRepository>>,
    /// Device authorizations (RFC 8628), decided on the verification page;
    /// `None`: the device grant is not offered.
    pub devices: Option<Arc<dyn DeviceAuthorizationRepository>>,
    /// Where sign-ins, consents and codes are recorded (docs/SECURITY.md
    /// § Security events); `over` records nothing.
    pub events: Arc<dyn SecurityEventSink>,
}

impl AuthorizePorts {
    /// Every repository from one store (the usual case: one database).
    pub fn over<S>(
        store: &Arc<S>,
        hasher: Arc<dyn PasswordHasher>,
        clock: Arc<dyn Clock>,
        random: Arc<dyn RandomSource>,
    ) -> Self
    where
        S: ClientRepository
            + UserRepository
            + CodeRepository
            + ConsentRepository
            + SessionRepository
            + SessionViews
            + LoginAttemptRepository
            + ResourceRepository
            + PushedRequestRepository
            + DeviceAuthorizationRepository
            + GrantedAppRepository
            + 'static,
    {
        Self {
            pushed: Some(store.clone()),
            devices: Some(store.clone()),
            events: Arc::new(DiscardEvents),
            targets: ResourceTargets::new(store.clone()),
            clients: ClientDirectory::uncached(store.clone()),
            users: store.clone(),
            codes: store.clone(),
            consents: store.clone(),
            apps: store.clone(),
            sessions: store.clone(),
            views: store.clone(),
            attempts: store.clone(),
            hasher,
            clock,
            random,
        }
    }
}

impl std::fmt::Debug for AuthorizePorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizePorts").finish_non_exhaustive()
    }
}
