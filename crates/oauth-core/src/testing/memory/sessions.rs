//! `SessionRepository` in memory: browser sessions and the authorization
//! requests pending in them, which never outlive their session.

use time::OffsetDateTime;

use super::InMemoryStore;
use super::tables::purge;
use crate::error::RepoError;
use crate::pending::{PendingAuthorization, PendingDigest};
use crate::ports::SessionRepository;
use crate::session::{Login, Session, SessionDigest, SessionId};
use crate::user::UserId;

#[async_trait::async_trait]
impl SessionRepository for InMemoryStore {
    async fn insert(&self, session: &Session) -> Result<(), RepoError> {
        self.with(|t| {
            if t.sessions.values().any(|s| s.id == session.id || s.digest == session.digest) {
                return Err(RepoError::Conflict("sessions.id".into()));
            }
            t.sessions.insert(session.id, session.clone());
            Ok(())
        })
    }

    async fn find(&self, digest: &SessionDigest) -> Result<Option<Session>, RepoError> {
        Ok(self.with(|t| t.sessions.values().find(|s| &s.digest == digest).cloned()))
    }

    async fn renew(
        &self,
        id: SessionId,
        digest: &SessionDigest,
        login: &Login,
        expires_at: OffsetDateTime,
    ) -> Result<(), RepoError> {
        self.with(|t| {
            let session = t.sessions.get_mut(&id).ok_or(RepoError::NotFound)?;
            session.digest = digest.clone();
            session.login = Some(*login);
            session.expires_at = expires_at;
            Ok(())
        })
    }

    async fn delete(&self, id: SessionId) -> Result<(), RepoError> {
        self.with(|t| {
            t.sessions.remove(&id);
            t.pending.retain(|_, p| p.session_id != id);
        });
        Ok(())
    }

    async fn insert_pending(&self, pending: &PendingAuthorization) -> Result<(), RepoError> {
        // The session check and the insert share the lock, so a concurrent
        // `delete` cannot leave a pending authorization without its session.
        self.with(|t| {
            if !t.sessions.contains_key(&pending.session_id) {
                return Err(RepoError::NotFound);
            }
            t.pending.insert(pending.digest.clone(), pending.clone());
            Ok(())
        })
    }

    async fn trim_pending(&self, session: SessionId, keep: u32) -> Result<u64, RepoError> {
        self.with(|t| {
            let mut mine: Vec<(OffsetDateTime, PendingDigest)> = t
                .pending
                .iter()
                .filter(|(_, p)| p.session_id == session)
                .map(|(digest, p)| (p.created_at, digest.clone()))
                .collect();
            mine.sort();
            let excess = mine.len().saturating_sub(keep as usize);
            for (_, digest) in &mine[..excess] {
                t.pending.remove(digest);
            }
            Ok(excess as u64)
        })
    }

    async fn find_pending(
        &self,
        digest: &PendingDigest,
        session: SessionId,
    ) -> Result<Option<PendingAuthorization>, RepoError> {
        Ok(self.with(|t| t.pending.get(digest).filter(|p| p.session_id == session).cloned()))
    }

    async fn take_pending(
        &self,
        digest: &PendingDigest,
        session: SessionId,
    ) -> Result<Option<PendingAuthorization>, RepoError> {
        // Check and remove under one lock: of concurrent calls exactly one
        // gets it (ports/sessions.rs).
        Ok(self.with(|t| {
            if t.pending.get(digest).is_some_and(|p| p.session_id == session) {
                return t.pending.remove(digest);
            }
            None
        }))
    }

    async fn purge_expired(&self, now: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        self.with(|t| {
            let dead = purge(&mut t.sessions, limit, |s| s.expires_at <= now);
            let before = t.pending.len();
            t.pending.retain(|_, p| !dead.contains(&p.session_id));
            purge(&mut t.pending, limit, |p| p.expires_at <= now);
            Ok((dead.len() + before - t.pending.len()) as u64)
        })
    }

    async fn signed_in_sessions(
        &self,
        user: UserId,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Session>, RepoError> {
        Ok(self.with(|t| {
            let mut mine: Vec<Session> = t
                .sessions
                .values()
                .filter(|s| s.login.is_some_and(|login| login.user_id == user) && s.is_live_at(now))
                .cloned()
                .collect();
            mine.sort_by_key(|s| std::cmp::Reverse(s.login.map(|login| login.auth_time)));
            mine.truncate(limit as usize);
            mine
        }))
    }

    async fn end_other_sessions(&self, user: UserId, keep: SessionId) -> Result<u64, RepoError> {
        Ok(self.with(|t| {
            t.end_sessions(|s| s.id != keep && s.login.is_some_and(|login| login.user_id == user)).len()
                as u64
        }))
    }
}
