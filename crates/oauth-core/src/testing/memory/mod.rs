//! Every repository port in memory, over one set of tables behind one lock.
//!
//! Each method takes the lock once, does all its work and releases it before
//! returning, so an operation that spans tables (consuming a code, rotating a
//! refresh token, `sign_out_everywhere`) is one step for every other caller:
//! atomic because it holds the lock, as the ports' contracts ask.

mod client_registrations;
mod clients;
mod codes;
mod consents;
mod device_authorizations;
mod grant_store;
mod granted_apps;
mod login_attempts;
mod one_time_ids;
mod pushed_requests;
mod refresh_tokens;
mod registration_tokens;
mod resources;
mod revoked_tokens;
mod security_events;
mod session_views;
mod sessions;
mod signing_keys;
mod tables;
mod users;

use std::sync::{Mutex, PoisonError};

use crate::error::RepoError;
use crate::ports::ReadinessProbe;

use tables::Tables;

/// Every repository port, in memory, for tests and embedders. One
/// `std::sync::Mutex` guards all tables and is never held across `.await`.
#[derive(Debug, Default)]
pub struct InMemoryStore {
    tables: Mutex<Tables>,
}

impl InMemoryStore {
    /// Runs `work` with the lock held. `work` is a plain closure, so it cannot
    /// `.await` while holding the lock; everything it changes is seen by
    /// other callers all at once.
    ///
    /// A poisoned lock is taken anyway: a test that panicked half-way leaves
    /// tables no other test shares, and the next assertion reports the state.
    fn with<R>(&self, work: impl FnOnce(&mut Tables) -> R) -> R {
        let mut tables = self.tables.lock().unwrap_or_else(PoisonError::into_inner);
        work(&mut tables)
    }
}

#[async_trait::async_trait]
impl ReadinessProbe for InMemoryStore {
    async fn check(&self) -> Result<(), RepoError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::contract::{self, ContractStores};

    async fn fresh() -> ContractStores {
        ContractStores::in_memory()
    }

    /// Defines, for each row `suite: test_name;`, a test that runs
    /// `contract::<suite>::run_all` on fresh in-memory stores.
    macro_rules! in_memory_contract_tests {
        ($($suite:ident: $test:ident;)+) => {$(
            #[tokio::test]
            async fn $test() {
                contract::$suite::run_all(fresh).await;
            }
        )+};
    }

    /// The adapters that do the use-case ports' steps one repository call
    /// at a time, over a fresh in-memory store, meet the same contracts.
    #[tokio::test]
    async fn the_in_steps_adapters_meet_the_grant_store_and_session_view_contracts() {
        use std::sync::Arc;

        use crate::ports::{GrantStoreInSteps, SessionViewsInSteps};
        let over_steps = || async {
            let store = Arc::new(super::InMemoryStore::default());
            ContractStores {
                grants: Arc::new(GrantStoreInSteps::over(&store)),
                views: Arc::new(SessionViewsInSteps::over(&store)),
                ..ContractStores::all_in(store)
            }
        };
        contract::grant_store::run_all(over_steps).await;
        contract::session_views::run_all(over_steps).await;
    }

    in_memory_contract_tests! {
        signing_keys: in_memory_store_meets_the_signing_key_contract;
        revoked_tokens: in_memory_store_meets_the_revoked_token_contract;
        refresh_tokens: in_memory_store_meets_the_refresh_token_contract;
        sessions: in_memory_store_meets_the_session_contract;
        account_sessions: in_memory_store_meets_the_account_session_contract;
        session_views: in_memory_store_meets_the_session_view_contract;
        login_attempts: in_memory_store_meets_the_login_attempt_contract;
        consents: in_memory_store_meets_the_consent_contract;
        granted_apps: in_memory_store_meets_the_granted_app_contract;
        codes: in_memory_store_meets_the_code_contract;
        grant_store: in_memory_store_meets_the_grant_store_contract;
        clients: in_memory_store_meets_the_client_contract;
        document_clients: in_memory_store_meets_the_document_client_contract;
        registration_tokens: in_memory_store_meets_the_registration_token_contract;
        client_registrations: in_memory_store_meets_the_client_registration_contract;
        pushed_requests: in_memory_store_meets_the_pushed_request_contract;
        device_authorizations: in_memory_store_meets_the_device_authorization_contract;
        one_time_ids: in_memory_store_meets_the_one_time_id_contract;
        security_events: in_memory_store_meets_the_security_event_contract;
        users: in_memory_store_meets_the_user_contract;
        sign_out: in_memory_store_meets_the_sign_out_contract;
        resources: in_memory_store_meets_the_resource_contract;
    }
}
