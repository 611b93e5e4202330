use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use time::OffsetDateTime;

use crate::client::{Client, ClientId, StoredSecret, name_key};
use crate::code::{AuthorizationCode, CodeDigest, Consumed};
use crate::error::RepoError;
use crate::password::PasswordHash;
use crate::pending::{PendingAuthorization, PendingDigest};
use crate::ports::{
    ClientRepository, CodeRepository, ConsentRepository, LoginAttemptRepository, ReadinessProbe,
    RefreshTokenRepository, RevokedTokenRepository, SessionRepository, SigningKeyRepository, UserPage,
    UserRepository,
};
use crate::refresh::{RefreshDigest, RefreshFamily, RefreshFamilyId, RefreshTokenRecord, Rotation};
use crate::scope::ScopeName;
use crate::session::{Login, Session, SessionDigest, SessionId};
use crate::signing_key::StoredSigningKey;
use crate::throttle::{FailureCount, ThrottleKey};
use crate::user::{Email, User, UserId};

/// Every repository port, in memory. The locks are never held across `.await`.
#[derive(Debug, Default)]
pub struct InMemoryStore {
    users: Mutex<BTreeMap<String, User>>,
    clients: Mutex<BTreeMap<ClientId, Client>>,
    /// Codes by digest (hex), with when each was consumed.
    codes: Mutex<BTreeMap<String, (AuthorizationCode, Option<OffsetDateTime>)>>,
    consents: Mutex<BTreeMap<(UserId, ClientId), BTreeSet<ScopeName>>>,
    /// Digests (hex) of codes presented again after their redemption.
    replayed: Mutex<BTreeSet<String>>,
    /// The access-token jti each redeemed code's exchange issued, by digest (hex).
    code_access_tokens: Mutex<BTreeMap<String, String>>,
    sessions: Mutex<BTreeMap<SessionId, Session>>,
    /// Pending authorizations by digest (hex).
    pending: Mutex<BTreeMap<String, PendingAuthorization>>,
    /// Failure counters by key (hex).
    attempts: Mutex<BTreeMap<String, FailureCount>>,
    families: Mutex<BTreeMap<RefreshFamilyId, RefreshFamily>>,
    /// Refresh tokens by digest (hex).
    refresh_tokens: Mutex<BTreeMap<String, RefreshTokenRecord>>,
    signing_keys: Mutex<Vec<StoredSigningKey>>,
    /// Revoked access-token jtis and when each may be forgotten.
    revoked: Mutex<BTreeMap<String, OffsetDateTime>>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
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
        let current =
            client.secrets.iter().filter(|s| s.expires_at.is_none()).max_by_key(|s| s.created_at).cloned();
        client.secrets = match (current, previous_until) {
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

    async fn mark_replayed(&self, digest: &CodeDigest, _now: OffsetDateTime) -> Result<(), RepoError> {
        locked(&self.replayed).insert(digest.to_hex());
        Ok(())
    }

    async fn record_access_token(&self, digest: &CodeDigest, jti: &str) -> Result<bool, RepoError> {
        locked(&self.code_access_tokens).insert(digest.to_hex(), jti.to_owned());
        Ok(locked(&self.replayed).contains(&digest.to_hex()))
    }

    async fn access_token_of(&self, digest: &CodeDigest) -> Result<Option<String>, RepoError> {
        Ok(locked(&self.code_access_tokens).get(&digest.to_hex()).cloned())
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
impl SessionRepository for InMemoryStore {
    async fn insert(&self, session: &Session) -> Result<(), RepoError> {
        let mut sessions = locked(&self.sessions);
        if sessions.values().any(|s| s.id == session.id || s.digest == session.digest) {
            return Err(RepoError::Conflict("sessions.id".into()));
        }
        sessions.insert(session.id, session.clone());
        Ok(())
    }

    async fn find(&self, digest: &SessionDigest) -> Result<Option<Session>, RepoError> {
        Ok(locked(&self.sessions).values().find(|s| &s.digest == digest).cloned())
    }

    async fn renew(
        &self,
        id: SessionId,
        digest: &SessionDigest,
        login: &Login,
        expires_at: OffsetDateTime,
    ) -> Result<(), RepoError> {
        let mut sessions = locked(&self.sessions);
        let session = sessions.get_mut(&id).ok_or(RepoError::NotFound)?;
        session.digest = digest.clone();
        session.login = Some(*login);
        session.expires_at = expires_at;
        Ok(())
    }

    async fn delete(&self, id: SessionId) -> Result<(), RepoError> {
        locked(&self.sessions).remove(&id);
        locked(&self.pending).retain(|_, p| p.session_id != id);
        Ok(())
    }

    async fn insert_pending(&self, pending: &PendingAuthorization) -> Result<(), RepoError> {
        if !locked(&self.sessions).contains_key(&pending.session_id) {
            return Err(RepoError::NotFound);
        }
        locked(&self.pending).insert(pending.digest.to_hex(), pending.clone());
        Ok(())
    }

    async fn find_pending(
        &self,
        digest: &PendingDigest,
        session: SessionId,
    ) -> Result<Option<PendingAuthorization>, RepoError> {
        Ok(locked(&self.pending).get(&digest.to_hex()).filter(|p| p.session_id == session).cloned())
    }

    async fn take_pending(
        &self,
        digest: &PendingDigest,
        session: SessionId,
    ) -> Result<Option<PendingAuthorization>, RepoError> {
        let mut pending = locked(&self.pending);
        let key = digest.to_hex();
        if pending.get(&key).is_some_and(|p| p.session_id == session) {
            return Ok(pending.remove(&key));
        }
        Ok(None)
    }

    async fn purge_expired(&self, now: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        let limit = limit as usize;
        let mut sessions = locked(&self.sessions);
        let dead: Vec<SessionId> =
            sessions.values().filter(|s| s.expires_at <= now).map(|s| s.id).take(limit).collect();
        for id in &dead {
            sessions.remove(id);
        }
        let mut pending = locked(&self.pending);
        let before = pending.len();
        pending.retain(|_, p| !dead.contains(&p.session_id));
        let expired: Vec<String> =
            pending.iter().filter(|(_, p)| p.expires_at <= now).map(|(k, _)| k.clone()).take(limit).collect();
        for key in &expired {
            pending.remove(key);
        }
        Ok((dead.len() + before - pending.len()) as u64)
    }
}

#[async_trait::async_trait]
impl LoginAttemptRepository for InMemoryStore {
    async fn failures(&self, key: &ThrottleKey) -> Result<Option<FailureCount>, RepoError> {
        Ok(locked(&self.attempts).get(&key.to_hex()).copied())
    }

    async fn record_failure(
        &self,
        key: &ThrottleKey,
        now: OffsetDateTime,
        memory: time::Duration,
    ) -> Result<FailureCount, RepoError> {
        let mut attempts = locked(&self.attempts);
        let count =
            attempts.entry(key.to_hex()).or_insert(FailureCount { failures: 0, last_failure_at: now });
        if now - count.last_failure_at > memory {
            count.failures = 0;
        }
        count.failures += 1;
        count.last_failure_at = now;
        Ok(*count)
    }

    async fn clear(&self, key: &ThrottleKey) -> Result<(), RepoError> {
        locked(&self.attempts).remove(&key.to_hex());
        Ok(())
    }

    async fn purge_stale(&self, before: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        let mut attempts = locked(&self.attempts);
        let stale: Vec<String> = attempts
            .iter()
            .filter(|(_, c)| c.last_failure_at <= before)
            .map(|(k, _)| k.clone())
            .take(limit as usize)
            .collect();
        for key in &stale {
            attempts.remove(key);
        }
        Ok(stale.len() as u64)
    }
}

#[async_trait::async_trait]
impl RefreshTokenRepository for InMemoryStore {
    async fn start_family(
        &self,
        family: &RefreshFamily,
        first: &RefreshTokenRecord,
    ) -> Result<(), RepoError> {
        locked(&self.families).insert(family.id, family.clone());
        locked(&self.refresh_tokens).insert(first.digest.to_hex(), first.clone());
        Ok(())
    }

    async fn find(
        &self,
        digest: &RefreshDigest,
    ) -> Result<Option<(RefreshTokenRecord, RefreshFamily)>, RepoError> {
        let record = locked(&self.refresh_tokens).get(&digest.to_hex()).cloned();
        Ok(record.and_then(|r| locked(&self.families).get(&r.family_id).cloned().map(|f| (r, f))))
    }

    async fn find_family(&self, id: RefreshFamilyId) -> Result<Option<RefreshFamily>, RepoError> {
        Ok(locked(&self.families).get(&id).cloned())
    }

    async fn rotate(
        &self,
        old: &RefreshDigest,
        successor: &RefreshTokenRecord,
        now: OffsetDateTime,
    ) -> Result<Rotation, RepoError> {
        let families = locked(&self.families);
        let mut tokens = locked(&self.refresh_tokens);
        let Some(record) = tokens.get_mut(&old.to_hex()) else { return Ok(Rotation::Unknown) };
        let revoked = families.get(&record.family_id).is_none_or(|f| f.revoked_at.is_some());
        if record.rotated_at.is_some() || revoked {
            return Ok(Rotation::Reused(record.family_id));
        }
        record.rotated_at = Some(now);
        tokens.insert(successor.digest.to_hex(), successor.clone());
        Ok(Rotation::Rotated)
    }

    async fn revoke_family(&self, family: RefreshFamilyId, now: OffsetDateTime) -> Result<(), RepoError> {
        if let Some(family) = locked(&self.families).get_mut(&family) {
            family.revoked_at.get_or_insert(now);
        }
        Ok(())
    }

    async fn revoke_for_code(
        &self,
        code: &crate::code::CodeDigest,
        now: OffsetDateTime,
    ) -> Result<u64, RepoError> {
        let mut revoked = 0;
        for family in locked(&self.families).values_mut() {
            if family.code_digest.as_ref() == Some(code) && family.revoked_at.is_none() {
                family.revoked_at = Some(now);
                revoked += 1;
            }
        }
        Ok(revoked)
    }

    async fn purge_expired(&self, now: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        let mut families = locked(&self.families);
        let dead: Vec<RefreshFamilyId> =
            families.values().filter(|f| f.expires_at <= now).map(|f| f.id).take(limit as usize).collect();
        for id in &dead {
            families.remove(id);
        }
        locked(&self.refresh_tokens).retain(|_, t| !dead.contains(&t.family_id));
        Ok(dead.len() as u64)
    }
}

#[async_trait::async_trait]
impl RevokedTokenRepository for InMemoryStore {
    async fn revoke(&self, jti: &str, expires_at: OffsetDateTime) -> Result<(), RepoError> {
        locked(&self.revoked).entry(jti.to_owned()).or_insert(expires_at);
        Ok(())
    }

    async fn is_revoked(&self, jti: &str) -> Result<bool, RepoError> {
        Ok(locked(&self.revoked).contains_key(jti))
    }

    async fn purge_expired(&self, now: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        let mut revoked = locked(&self.revoked);
        let dead: Vec<String> = revoked
            .iter()
            .filter(|(_, until)| **until <= now)
            .map(|(jti, _)| jti.clone())
            .take(limit as usize)
            .collect();
        for jti in &dead {
            revoked.remove(jti);
        }
        Ok(dead.len() as u64)
    }
}

#[async_trait::async_trait]
impl SigningKeyRepository for InMemoryStore {
    async fn insert(&self, key: &StoredSigningKey) -> Result<(), RepoError> {
        let mut keys = locked(&self.signing_keys);
        if keys.iter().any(|k| k.kid == key.kid) {
            return Err(RepoError::Conflict("signing_keys.kid".into()));
        }
        let singular =
            matches!(key.state, crate::signing_key::KeyState::Active | crate::signing_key::KeyState::Next);
        if singular && keys.iter().any(|k| k.alg == key.alg && k.state == key.state) {
            return Err(RepoError::Conflict("signing_keys_one_per_state".into()));
        }
        keys.insert(0, key.clone());
        Ok(())
    }

    async fn list(&self) -> Result<Vec<StoredSigningKey>, RepoError> {
        Ok(locked(&self.signing_keys).clone())
    }

    async fn rotate(
        &self,
        alg: crate::token::SigningAlg,
        expected_active: &str,
        new_next: &StoredSigningKey,
        now: OffsetDateTime,
    ) -> Result<bool, RepoError> {
        use crate::signing_key::KeyState;
        let mut keys = locked(&self.signing_keys);
        let current =
            keys.iter().position(|k| k.alg == alg && k.state == KeyState::Active && k.kid == expected_active);
        let next = keys.iter().position(|k| k.alg == alg && k.state == KeyState::Next);
        let (Some(current), Some(next)) = (current, next) else { return Ok(false) };
        if keys.iter().any(|k| k.kid == new_next.kid) {
            return Err(RepoError::Conflict("signing_keys.kid".into()));
        }
        keys[current].state = KeyState::Retired;
        keys[current].retired_at = Some(now);
        keys[next].state = KeyState::Active;
        keys[next].activated_at = Some(now);
        keys.insert(0, new_next.clone());
        Ok(true)
    }

    async fn delete_retired(&self, retired_before: OffsetDateTime) -> Result<u64, RepoError> {
        let mut keys = locked(&self.signing_keys);
        let before = keys.len();
        keys.retain(|k| {
            !(k.state == crate::signing_key::KeyState::Retired
                && k.retired_at.is_some_and(|at| at <= retired_before))
        });
        Ok((before - keys.len()) as u64)
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
}
