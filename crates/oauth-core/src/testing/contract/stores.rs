//! The repositories every contract case takes, and the one runner of a suite.

use std::sync::Arc;

use crate::ports::{
    ClientRegistrationRepository, ClientRepository, CodeRepository, ConsentRepository,
    DeviceAuthorizationRepository, GrantStore, GrantedAppRepository, LoginAttemptRepository,
    OneTimeIdRepository, PushedRequestRepository, RefreshTokenRepository, RegistrationTokenRepository,
    ResourceRepository, RevokedTokenRepository, SecurityEventRepository, SessionRepository, SessionViews,
    SigningKeyRepository, UserRepository,
};
use crate::testing::InMemoryStore;

/// Every repository port, each a view of the one store under test. Cases
/// that span tables (a code names a client and a user; signing out reaches
/// sessions, families and codes) need all the views to share one store.
#[derive(Clone)]
pub struct ContractStores {
    /// Clients, which codes, consents, families and pending requests name.
    pub clients: Arc<dyn ClientRepository>,
    /// Users, which codes, consents, sessions and families name.
    pub users: Arc<dyn UserRepository>,
    /// Authorization codes.
    pub codes: Arc<dyn CodeRepository>,
    /// Granted consents.
    pub consents: Arc<dyn ConsentRepository>,
    /// Browser sessions and their pending requests.
    pub sessions: Arc<dyn SessionRepository>,
    /// Refresh-token families.
    pub refresh: Arc<dyn RefreshTokenRepository>,
    /// Failure counters of the sign-in throttle.
    pub login_attempts: Arc<dyn LoginAttemptRepository>,
    /// Revoked access-token ids.
    pub revoked_tokens: Arc<dyn RevokedTokenRepository>,
    /// Signing keys.
    pub signing_keys: Arc<dyn SigningKeyRepository>,
    /// The code and refresh grants' combined steps.
    pub grants: Arc<dyn GrantStore>,
    /// Sessions read with their user and consent.
    pub views: Arc<dyn SessionViews>,
    /// The resource-server registry.
    pub resources: Arc<dyn ResourceRepository>,
    /// Initial access tokens for dynamic registration.
    pub registration_tokens: Arc<dyn RegistrationTokenRepository>,
    /// Dynamic clients' registrations.
    pub client_registrations: Arc<dyn ClientRegistrationRepository>,
    /// Pushed authorization requests.
    pub pushed_requests: Arc<dyn PushedRequestRepository>,
    /// Used one-time ids.
    pub one_time_ids: Arc<dyn OneTimeIdRepository>,
    /// Device authorizations (RFC 8628).
    pub device_authorizations: Arc<dyn DeviceAuthorizationRepository>,
    /// The security event table.
    pub security_events: Arc<dyn SecurityEventRepository>,
    /// The account page's apps.
    pub granted_apps: Arc<dyn GrantedAppRepository>,
}

impl ContractStores {
    /// Every view from one store that implements every repository.
    pub fn all_in<S>(store: Arc<S>) -> Self
    where
        S: ClientRepository
            + UserRepository
            + CodeRepository
            + ConsentRepository
            + SessionRepository
            + RefreshTokenRepository
            + LoginAttemptRepository
            + RevokedTokenRepository
            + SigningKeyRepository
            + GrantStore
            + SessionViews
            + ResourceRepository
            + RegistrationTokenRepository
            + ClientRegistrationRepository
            + PushedRequestRepository
            + OneTimeIdRepository
            + DeviceAuthorizationRepository
            + SecurityEventRepository
            + GrantedAppRepository
            + 'static,
    {
        Self {
            clients: store.clone(),
            users: store.clone(),
            codes: store.clone(),
            consents: store.clone(),
            sessions: store.clone(),
            refresh: store.clone(),
            login_attempts: store.clone(),
            revoked_tokens: store.clone(),
            signing_keys: store.clone(),
            grants: store.clone(),
            views: store.clone(),
            resources: store.clone(),
            registration_tokens: store.clone(),
            client_registrations: store.clone(),
            pushed_requests: store.clone(),
            one_time_ids: store.clone(),
            device_authorizations: store.clone(),
            security_events: store.clone(),
            granted_apps: store,
        }
    }

    /// Every view on a fresh, empty in-memory store. An adapter that
    /// implements only some ports replaces those views and keeps these:
    /// `ContractStores { codes: mine.clone(), ..ContractStores::in_memory() }`.
    pub fn in_memory() -> Self {
        Self::all_in(Arc::new(InMemoryStore::default()))
    }
}

impl std::fmt::Debug for ContractStores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContractStores").finish_non_exhaustive()
    }
}

/// Defines a suite's `run_all`: every listed case, in order, each on fresh
/// stores. After `on <view>:` each case takes only that view.
macro_rules! contract_suite {
    (on $view:ident: $($case:ident),+ $(,)?) => {
        contract_suite!(@run |stores| stores.$view; $($case),+);
    };
    ($($case:ident),+ $(,)?) => {
        contract_suite!(@run |stores| stores; $($case),+);
    };
    (@run |$stores:ident| $take:expr; $($case:ident),+) => {
        /// Runs every case, each on fresh stores from `fresh`.
        pub async fn run_all<F, Fut>(fresh: F)
        where
            F: Fn() -> Fut,
            Fut: std::future::Future<Output = $crate::testing::contract::ContractStores>,
        {
            $({
                let $stores = fresh().await;
                $case($take).await;
            })+
        }
    };
}
pub(crate) use contract_suite;
