use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use time::OffsetDateTime;

use crate::error::RepoError;
use crate::password::PasswordHash;
use crate::ports::{ReadinessProbe, UserPage, UserRepository};
use crate::user::{Email, User, UserId};

/// Every repository port, in memory. The lock is never held across `.await`.
#[derive(Debug, Default)]
pub struct InMemoryStore {
    users: Mutex<BTreeMap<String, User>>,
}

impl InMemoryStore {
    fn users(&self) -> MutexGuard<'_, BTreeMap<String, User>> {
        self.users.lock().unwrap_or_else(PoisonError::into_inner)
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
    async fn in_memory_store_meets_the_user_contract() {
        contract::users::run_all(|| async { Arc::new(InMemoryStore::default()) as Arc<dyn UserRepository> })
            .await;
    }
}
