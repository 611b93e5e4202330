//! `UserRepository` in memory, with `sign_out_everywhere`, which reaches into
//! the session, pending, refresh-family and code tables under the same lock.

use std::ops::Bound;

use time::OffsetDateTime;

use super::InMemoryStore;
use crate::error::RepoError;
use crate::password::PasswordHash;
use crate::ports::{SignedOut, UserPage, UserRepository};
use crate::user::{Email, User, UserId};

#[async_trait::async_trait]
impl UserRepository for InMemoryStore {
    async fn insert(&self, user: &User) -> Result<(), RepoError> {
        self.with(|t| {
            if t.user_by_email.contains_key(user.email.key()) {
                return Err(RepoError::Conflict("users.email_key".into()));
            }
            if t.users.contains_key(&user.id) {
                return Err(RepoError::Conflict("users.id".into()));
            }
            t.user_by_email.insert(user.email.key().to_owned(), user.id);
            t.users.insert(user.id, user.clone());
            Ok(())
        })
    }

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, RepoError> {
        Ok(self.with(|t| t.user_by_email.get(email.key()).and_then(|id| t.users.get(id)).cloned()))
    }

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepoError> {
        Ok(self.with(|t| t.users.get(&id).cloned()))
    }

    async fn list(&self, page: &UserPage) -> Result<Vec<User>, RepoError> {
        let after = page.after.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
        Ok(self.with(|t| {
            t.user_by_email
                .range::<str, _>((after, Bound::Unbounded))
                .filter_map(|(_, id)| t.users.get(id))
                .take(page.limit as usize)
                .cloned()
                .collect()
        }))
    }

    async fn set_disabled(&self, id: UserId, disabled: bool, now: OffsetDateTime) -> Result<(), RepoError> {
        self.with(|t| {
            let user = t.user_mut(id)?;
            user.disabled = disabled;
            user.updated_at = now;
            Ok(())
        })
    }

    async fn set_password_hash(
        &self,
        id: UserId,
        hash: &PasswordHash,
        now: OffsetDateTime,
    ) -> Result<(), RepoError> {
        self.with(|t| {
            let user = t.user_mut(id)?;
            user.password_hash = hash.clone();
            user.updated_at = now;
            Ok(())
        })
    }

    async fn sign_out_everywhere(&self, id: UserId, now: OffsetDateTime) -> Result<SignedOut, RepoError> {
        // One lock over users, sessions, pending, codes and families: the
        // port's "in one step" (ports/users.rs) holds because no other call
        // can run between these changes.
        self.with(|t| {
            let user = t.user_mut(id)?;
            let earlier = user.signed_out_at.map(OffsetDateTime::unix_timestamp);
            let stamp = crate::user::next_sign_out_stamp(earlier, now.unix_timestamp());
            user.signed_out_at = Some(OffsetDateTime::from_unix_timestamp(stamp).unwrap_or(now));
            user.updated_at = now;
            t.codes.retain(|_, row| row.code.user_id != id || row.consumed_at.is_some());
            let ended = t.end_sessions(|s| s.login.is_some_and(|l| l.user_id == id));
            let mut families = 0;
            for family in t.families.values_mut().filter(|f| f.user_id == id && f.revoked_at.is_none()) {
                family.revoked_at = Some(now);
                families += 1;
            }
            Ok(SignedOut { sessions: ended.len() as u64, families })
        })
    }
}
