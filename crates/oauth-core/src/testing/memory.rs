use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use time::OffsetDateTime;

use crate::client::{Client, ClientId, StoredSecret, name_key};
use crate::code::{AuthorizationCode, CodeDigest, Consumed};
use crate::error::RepoError;
use crate::password::PasswordHash;
use crate::ports::{
    ClientRepository, CodeRepository, ConsentRepository, ReadinessProbe, UserPage, UserRepository,
};
use crate::scope::ScopeName;
use crate::user::{Email, User, UserId};

/// Every repository port, in memory. The locks are never held across `.await`.
#[derive(Debug, Default)]
pub struct InMemoryStore {
    users: Mutex<BTreeMap<String, User>>,
    clients: Mutex<BTreeMap<ClientId, Client>>,
    /// Codes by digest (hex), with when each was consumed.
    codes: Mutex<BTreeMap<String, (AuthorizationCode, Option<OffsetDateTime>)>>,
    consents: Mutex<BTreeMap<(UserId, ClientId), BTreeSet<ScopeName>>>,
}

impl InMemoryStore {
    fn users(&self) -> MutexGuard<'_, BTreeMap<String, User>> {
        self.users.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn clients(&self) -> MutexGuard<'_, BTreeMap<ClientId, Client>> {
        self.clients.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn update_user(&self, id: UserId, change: impl FnOnce(&mut User)) -> Result<(), RepoError> {
        let mut users = self.users();
        let user = users.values_mut().find(|u| u.id == id).ok_or(RepoError::NotFound)?;
        change(user);
        Ok(())
    }
}

#[async_trait::async_trait]
impl UserRepository for InMemoryStore {
    async fn insert(&self, user: &User) -> Result<(), RepoError> {
        let mut users = self.users();
        if users.contains_key(user.email.key()) {
            return Err(RepoError::Conflict("users.email_key".into()));
        }
        if users.values().any(|u| u.id == user.id) {
            return Err(RepoError::Conflict("users.id".into()));
        }
        users.insert(user.email.key().to_owned(), user.clone());
        Ok(())
    }

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, RepoError> {
        Ok(self.users().get(email.key()).cloned())
    }

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepoError> {
        Ok(self.users().values().find(|u| u.id == id).cloned())
    }

    async fn list(&self, page: &UserPage) -> Result<Vec<User>, RepoError> {
        let users = self.users();
        let after = page.after.as_deref().unwrap_or("");
        Ok(users
            .iter()
            .filter(|(key, _)| page.after.is_none() || key.as_str() > after)
            .take(page.limit as usize)
            .map(|(_, user)| user.clone())
            .collect())
    }

    async fn set_disabled(&self, id: UserId, disabled: bool, now: OffsetDateTime) -> Result<(), RepoError> {
        self.update_user(id, |user| {
            user.disabled = disabled;
            user.updated_at = now;
        })
    }

    async fn set_password_hash(
        &self,
        id: UserId,
        hash: &PasswordHash,
        now: OffsetDateTime,
    ) -> Result<(), RepoError> {
        self.update_user(id, |user| {
            user.password_hash = hash.clone();
            user.updated_at = now;
        })
    }
}

#[async_trait::async_trait]
impl ClientRepository for InMemoryStore {
    async fn insert(&self, client: &Client) -> Result<(), RepoError> {
        let mut clients = self.clients();
        if clients.values().any(|c| c.name_key() == client.name_key()) {
            return Err(RepoError::Conflict("clients.name_key".into()));
        }
        if clients.contains_key(&client.id) {
            return Err(RepoError::Conflict("clients.id".into()));
        }
        clients.insert(client.id.clone(), client.clone());
        Ok(())
    }

    async fn find(&self, id: &ClientId) -> Result<Option<Client>, RepoError> {
        Ok(self.clients().get(id).cloned())
    }

    async fn find_by_name(&self, name: &str) -> Result<Option<Client>, RepoError> {
        let key = name_key(name);
        Ok(self.clients().values().find(|c| c.name_key() == key).cloned())
    }

    async fn list(&self) -> Result<Vec<Client>, RepoError> {
        let mut all: Vec<Client> = self.clients().values().cloned().collect();
        all.sort_by_key(Client::name_key);
        Ok(all)
    }

    async fn update(&self, client: &Client) -> Result<(), RepoError> {
        let mut clients = self.clients();
        if clients.values().any(|c| c.id != client.id && c.name_key() == client.name_key()) {
            return Err(RepoError::Conflict("clients.name_key".into()));
        }
        let stored = clients.get_mut(&client.id).ok_or(RepoError::NotFound)?;
        stored.metadata = client.metadata.clone();
        stored.disabled = client.disabled;
        stored.updated_at = client.updated_at;
        Ok(())
    }

    async fn rotate_secret(
        &self,
        id: &ClientId,
        new: &StoredSecret,
        previous_until: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<(), RepoError> {
        let mut clients = self.clients();
        let client = clients.get_mut(id).ok_or(RepoError::NotFound)?;
        let newest = client.secrets.iter().max_by_key(|s| s.created_at).cloned();
        client.secrets = match (newest, previous_until) {
            (Some(previous), Some(until)) => {
                vec![StoredSecret { expires_at: Some(until), ..previous }, new.clone()]
            }
            _ => vec![new.clone()],
        };
        client.updated_at = now;
        Ok(())
    }

    async fn delete(&self, id: &ClientId) -> Result<(), RepoError> {
        self.clients().remove(id).map(drop).ok_or(RepoError::NotFound)
    }
}

#[async_trait::async_trait]
impl CodeRepository for InMemoryStore {
    async fn insert(&self, code: &AuthorizationCode) -> Result<(), RepoError> {
        let mut codes = self.codes.lock().unwrap_or_else(PoisonError::into_inner);
        let key = code.digest.to_hex();
        if codes.contains_key(&key) {
            return Err(RepoError::Conflict("authorization_codes.digest".into()));
        }
        codes.insert(key, (code.clone(), None));
        Ok(())
    }

    async fn consume(&self, digest: &CodeDigest, now: OffsetDateTime) -> Result<Consumed, RepoError> {
        let mut codes = self.codes.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(match codes.get_mut(&digest.to_hex()) {
            None => Consumed::Unknown,
            Some((code, consumed @ None)) => {
                *consumed = Some(now);
                Consumed::Now(code.clone())
            }
            Some((code, Some(_))) => Consumed::Already(code.clone()),
        })
    }

    async fn purge_expired(&self, now: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        let mut codes = self.codes.lock().unwrap_or_else(PoisonError::into_inner);
        let expired: Vec<String> = codes
            .iter()
            .filter(|(_, (code, _))| code.expires_at <= now)
            .map(|(key, _)| key.clone())
            .take(limit as usize)
            .collect();
        for key in &expired {
            codes.remove(key);
        }
        Ok(expired.len() as u64)
    }
}

#[async_trait::async_trait]
impl ConsentRepository for InMemoryStore {
    async fn granted(&self, user: UserId, client: &ClientId) -> Result<BTreeSet<ScopeName>, RepoError> {
        let consents = self.consents.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(consents.get(&(user, client.clone())).cloned().unwrap_or_default())
    }

    async fn grant(
        &self,
        user: UserId,
        client: &ClientId,
        scopes: &BTreeSet<ScopeName>,
        _now: OffsetDateTime,
    ) -> Result<(), RepoError> {
        let mut consents = self.consents.lock().unwrap_or_else(PoisonError::into_inner);
        consents.entry((user, client.clone())).or_default().extend(scopes.iter().cloned());
        Ok(())
    }

    async fn revoke(&self, user: UserId, client: &ClientId) -> Result<(), RepoError> {
        self.consents.lock().unwrap_or_else(PoisonError::into_inner).remove(&(user, client.clone()));
        Ok(())
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
    use crate::testing::contract;

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
}
