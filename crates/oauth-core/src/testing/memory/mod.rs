//! Every repository port in memory, over one set of tables behind one lock.
//!
//! Each method takes the lock once, does all its work and releases it before
//! returning, so an operation that spans tables (consuming a code, rotating a
//! refresh token, `sign_out_everywhere`) is one step for every other caller:
//! atomic because it holds the lock, as the ports' contracts ask.

mod clients;
mod codes;
mod consents;
mod login_attempts;
mod refresh_tokens;
mod revoked_tokens;
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
    use std::sync::Arc;

    use super::*;
    use crate::ports::{ClientRepository, UserRepository};
    use crate::testing::contract;

    #[tokio::test]
    async fn in_memory_store_meets_the_signing_key_contract() {
        contract::signing_keys::run_all(|| async { Arc::new(InMemoryStore::default()) as _ }).await;
    }

    #[tokio::test]
    async fn in_memory_store_meets_the_revoked_token_contract() {
        contract::revoked_tokens::run_all(|| async { Arc::new(InMemoryStore::default()) as _ }).await;
    }

    #[tokio::test]
    async fn in_memory_store_meets_the_refresh_token_contract() {
        contract::refresh_tokens::run_all(|| async {
            let store = Arc::new(InMemoryStore::default());
            contract::refresh_tokens::RefreshStores {
                refresh: store.clone(),
                clients: store.clone(),
                users: store,
            }
        })
        .await;
    }

    #[tokio::test]
    async fn in_memory_store_meets_the_session_contract() {
        contract::sessions::run_all(|| async {
            let store = Arc::new(InMemoryStore::default());
            contract::sessions::SessionStores {
                sessions: store.clone(),
                clients: store.clone(),
                users: store,
            }
        })
        .await;
    }

    #[tokio::test]
    async fn in_memory_store_meets_the_login_attempt_contract() {
        contract::login_attempts::run_all(|| async { Arc::new(InMemoryStore::default()) as _ }).await;
    }

    #[tokio::test]
    async fn in_memory_store_meets_the_consent_contract() {
        contract::consents::run_all(|| async {
            let store = Arc::new(InMemoryStore::default());
            contract::consents::ConsentStores {
                consents: store.clone(),
                clients: store.clone(),
                users: store,
            }
        })
        .await;
    }

    #[tokio::test]
    async fn in_memory_store_meets_the_code_contract() {
        contract::codes::run_all(|| async {
            let store = Arc::new(InMemoryStore::default());
            contract::codes::CodeStores { codes: store.clone(), clients: store.clone(), users: store }
        })
        .await;
    }

    #[tokio::test]
    async fn in_memory_store_meets_the_client_contract() {
        contract::clients::run_all(|| async {
            Arc::new(InMemoryStore::default()) as Arc<dyn ClientRepository>
        })
        .await;
    }

    #[tokio::test]
    async fn in_memory_store_meets_the_user_contract() {
        contract::users::run_all(|| async { Arc::new(InMemoryStore::default()) as Arc<dyn UserRepository> })
            .await;
    }

    #[tokio::test]
    async fn in_memory_store_meets_the_sign_out_contract() {
        contract::sign_out::run_all(|| async {
            contract::sign_out::SignOutStores::all_in(Arc::new(InMemoryStore::default()))
        })
        .await;
    }
}
