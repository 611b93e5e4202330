//! `SessionRepository` on Diesel: `sessions` and `pending_authorizations`.

use diesel::prelude::*;
use oauth_core::RepoError;
use oauth_core::authorization_request::AuthorizationParams;
use oauth_core::client::ClientId;
use oauth_core::pending::{PendingAuthorization, PendingDigest};
use oauth_core::ports::SessionRepository;
use oauth_core::session::{Login, Session, SessionDigest, SessionId};
use oauth_core::user::UserId;
use time::OffsetDateTime;

use crate::connection::AnyConnection;
use crate::convert::{corrupt, expect_one, from_epoch};
use crate::error::repo_error;
use crate::fixed_statement::{Bind, Fixed, FixedSql};
use crate::schema::{pending_authorizations, sessions};
use crate::store::DieselStore;

#[derive(Insertable, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = sessions)]
pub(crate) struct SessionRow {
    id: String,
    digest: String,
    user_id: Option<String>,
    auth_time: Option<i64>,
    created_at: i64,
    expires_at: i64,
}

impl SessionRow {
    fn from_session(session: &Session) -> Self {
        Self {
            id: session.id.to_string(),
            digest: session.digest.to_hex(),
            user_id: session.login.map(|l| l.user_id.to_string()),
            auth_time: session.login.map(|l| l.auth_time.unix_timestamp()),
            created_at: session.created_at.unix_timestamp(),
            expires_at: session.expires_at.unix_timestamp(),
        }
    }

    pub(crate) fn into_session(self) -> Result<Session, RepoError> {
        let time = |seconds: i64, column: &str| from_epoch(seconds).ok_or_else(|| corrupt(column));
        let login = match (self.user_id, self.auth_time) {
            (Some(user), Some(auth_time)) => Some(Login {
                user_id: UserId::parse(&user).map_err(|_| corrupt("sessions.user_id"))?,
                auth_time: time(auth_time, "sessions.auth_time")?,
            }),
            (None, None) => None,
            _ => return Err(corrupt("sessions.user_id")),
        };
        Ok(Session {
            id: SessionId::parse(&self.id).ok_or_else(|| corrupt("sessions.id"))?,
            digest: SessionDigest::from_hex(&self.digest).ok_or_else(|| corrupt("sessions.digest"))?,
            login,
            created_at: time(self.created_at, "sessions.created_at")?,
            expires_at: time(self.expires_at, "sessions.expires_at")?,
        })
    }
}

#[derive(Insertable, Queryable)]
#[diesel(table_name = pending_authorizations)]
struct PendingRow {
    digest: String,
    session_id: String,
    client_id: String,
    params: String,
    created_at: i64,
    expires_at: i64,
}

impl PendingRow {
    fn from_pending(pending: &PendingAuthorization) -> Self {
        Self {
            digest: pending.digest.to_hex(),
            session_id: pending.session_id.to_string(),
            client_id: pending.client_id.as_str().to_owned(),
            params: pending.params.to_urlencoded(),
            created_at: pending.created_at.unix_timestamp(),
            expires_at: pending.expires_at.unix_timestamp(),
        }
    }

    fn into_pending(self) -> Result<PendingAuthorization, RepoError> {
        let time = |seconds: i64, column: &str| from_epoch(seconds).ok_or_else(|| corrupt(column));
        Ok(PendingAuthorization {
            digest: PendingDigest::from_hex(&self.digest)
                .ok_or_else(|| corrupt("pending_authorizations.digest"))?,
            session_id: SessionId::parse(&self.session_id)
                .ok_or_else(|| corrupt("pending_authorizations.session_id"))?,
            client_id: ClientId::parse(&self.client_id)
                .map_err(|_| corrupt("pending_authorizations.client_id"))?,
            params: AuthorizationParams::from_urlencoded(self.params.as_bytes()),
            created_at: time(self.created_at, "pending_authorizations.created_at")?,
            expires_at: time(self.expires_at, "pending_authorizations.expires_at")?,
        })
    }
}

fn find_pending(
    c: &mut AnyConnection,
    digest: &str,
    session: &str,
) -> Result<Option<PendingAuthorization>, RepoError> {
    pending_authorizations::table
        .filter(pending_authorizations::digest.eq(digest))
        .filter(pending_authorizations::session_id.eq(session))
        .select((
            pending_authorizations::digest,
            pending_authorizations::session_id,
            pending_authorizations::client_id,
            pending_authorizations::params,
            pending_authorizations::created_at,
            pending_authorizations::expires_at,
        ))
        .get_result::<PendingRow>(c)
        .optional()
        .map_err(repo_error)?
        .map(PendingRow::into_pending)
        .transpose()
}

/// The authorizations pending in user `?`'s sessions other than `?`.
struct DeletePendingOfOthers;
impl FixedSql for DeletePendingOfOthers {
    const SQL: &'static str = "DELETE FROM pending_authorizations WHERE session_id IN \
        (SELECT id FROM sessions WHERE user_id = ? AND id <> ?)";
}

/// User `?`'s sessions other than `?`.
struct DeleteOthers;
impl FixedSql for DeleteOthers {
    const SQL: &'static str = "DELETE FROM sessions WHERE user_id = ? AND id <> ?";
}

#[async_trait::async_trait]
impl SessionRepository for DieselStore {
    async fn insert(&self, session: &Session) -> Result<(), RepoError> {
        let row = SessionRow::from_session(session);
        self.run(move |c| {
            diesel::insert_into(sessions::table).values(row).execute(c).map(drop).map_err(repo_error)
        })
        .await
    }

    async fn find(&self, digest: &SessionDigest) -> Result<Option<Session>, RepoError> {
        let digest = digest.to_hex();
        self.run(move |c| {
            sessions::table
                .filter(sessions::digest.eq(digest))
                .select(SessionRow::as_select())
                .get_result::<SessionRow>(c)
                .optional()
                .map_err(repo_error)?
                .map(SessionRow::into_session)
                .transpose()
        })
        .await
    }

    async fn renew(
        &self,
        id: SessionId,
        digest: &SessionDigest,
        login: &Login,
        expires_at: OffsetDateTime,
    ) -> Result<(), RepoError> {
        let (id, digest, login) = (id.to_string(), digest.to_hex(), *login);
        self.run(move |c| {
            let changed = diesel::update(sessions::table.find(id))
                .set((
                    sessions::digest.eq(digest),
                    sessions::user_id.eq(Some(login.user_id.to_string())),
                    sessions::auth_time.eq(Some(login.auth_time.unix_timestamp())),
                    sessions::expires_at.eq(expires_at.unix_timestamp()),
                ))
                .execute(c)
                .map_err(repo_error)?;
            expect_one(changed)
        })
        .await
    }

    async fn delete(&self, id: SessionId) -> Result<(), RepoError> {
        let id = id.to_string();
        self.run(move |c| {
            c.transaction(|c| {
                diesel::delete(
                    pending_authorizations::table.filter(pending_authorizations::session_id.eq(&id)),
                )
                .execute(c)?;
                diesel::delete(sessions::table.find(&id)).execute(c).map(drop)
            })
            .map_err(repo_error)
        })
        .await
    }

    async fn insert_pending(&self, pending: &PendingAuthorization) -> Result<(), RepoError> {
        let row = PendingRow::from_pending(pending);
        self.run(move |c| {
            diesel::insert_into(pending_authorizations::table).values(row).execute(c).map(drop).map_err(|e| {
                match repo_error(e) {
                    // The session it belongs to is gone (a foreign-key violation).
                    RepoError::Unavailable(_) => RepoError::NotFound,
                    other => other,
                }
            })
        })
        .await
    }

    async fn trim_pending(&self, session: SessionId, keep: u32) -> Result<u64, RepoError> {
        let (session, keep) = (session.to_string(), i64::from(keep));
        self.run(move |c| {
            // Two statements, not a transaction: on SQLite a transaction that
            // reads and then writes cannot wait for the write lock (its
            // upgrade fails at once with "database is locked"), and the bound
            // needs no atomicity: a request racing this one may leave one
            // extra row until the next trim. Usually nothing is over the
            // bound, and then the read is the only statement.
            let mine = pending_authorizations::table.filter(pending_authorizations::session_id.eq(&session));
            let oldest: Vec<String> = mine
                .select(pending_authorizations::digest)
                .order((pending_authorizations::created_at.desc(), pending_authorizations::digest.desc()))
                .offset(keep)
                .limit(i64::MAX)
                .load(c)
                .map_err(repo_error)?;
            if oldest.is_empty() {
                return Ok(0);
            }
            let deleted = diesel::delete(mine.filter(pending_authorizations::digest.eq_any(&oldest)))
                .execute(c)
                .map_err(repo_error)?;
            Ok(deleted as u64)
        })
        .await
    }

    async fn find_pending(
        &self,
        digest: &PendingDigest,
        session: SessionId,
    ) -> Result<Option<PendingAuthorization>, RepoError> {
        let (digest, session) = (digest.to_hex(), session.to_string());
        self.run(move |c| find_pending(c, &digest, &session)).await
    }

    async fn take_pending(
        &self,
        digest: &PendingDigest,
        session: SessionId,
    ) -> Result<Option<PendingAuthorization>, RepoError> {
        let (digest, session) = (digest.to_hex(), session.to_string());
        self.run(move |c| {
            let Some(pending) = find_pending(c, &digest, &session)? else { return Ok(None) };
            // The delete decides between concurrent takers: only one removes the row.
            let deleted = diesel::delete(
                pending_authorizations::table
                    .filter(pending_authorizations::digest.eq(&digest))
                    .filter(pending_authorizations::session_id.eq(&session)),
            )
            .execute(c)
            .map_err(repo_error)?;
            Ok((deleted == 1).then_some(pending))
        })
        .await
    }

    async fn purge_expired(&self, now: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        let (now, limit) = (now.unix_timestamp(), i64::from(limit));
        self.run(move |c| {
            c.transaction(|c| {
                let dead: Vec<String> = sessions::table
                    .filter(sessions::expires_at.le(now))
                    .select(sessions::id)
                    .limit(limit)
                    .load(c)?;
                let mut removed = diesel::delete(
                    pending_authorizations::table.filter(pending_authorizations::session_id.eq_any(&dead)),
                )
                .execute(c)?;
                removed += diesel::delete(sessions::table.filter(sessions::id.eq_any(&dead))).execute(c)?;
                let expired: Vec<String> = pending_authorizations::table
                    .filter(pending_authorizations::expires_at.le(now))
                    .select(pending_authorizations::digest)
                    .limit(limit)
                    .load(c)?;
                removed += diesel::delete(
                    pending_authorizations::table.filter(pending_authorizations::digest.eq_any(&expired)),
                )
                .execute(c)?;
                Ok(removed as u64)
            })
            .map_err(repo_error)
        })
        .await
    }

    async fn signed_in_sessions(
        &self,
        user: UserId,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Session>, RepoError> {
        let (user, now, limit) = (user.to_string(), now.unix_timestamp(), i64::from(limit));
        self.run(move |c| {
            sessions::table
                .filter(sessions::user_id.eq(user))
                .filter(sessions::expires_at.gt(now))
                .order((sessions::auth_time.desc(), sessions::id))
                .limit(limit)
                .select(SessionRow::as_select())
                .load::<SessionRow>(c)
                .map_err(repo_error)?
                .into_iter()
                .map(SessionRow::into_session)
                .collect()
        })
        .await
    }

    async fn end_other_sessions(&self, user: UserId, keep: SessionId) -> Result<u64, RepoError> {
        let (user, keep) = (user.to_string(), keep.to_string());
        self.run(move |c| {
            // Writes only, so SQLite takes its write lock at the first one.
            c.transaction(|c| {
                let binds = || vec![Bind::Text(user.clone()), Bind::Text(keep.clone())];
                Fixed::<DeletePendingOfOthers>::new(binds()).execute(c)?;
                Fixed::<DeleteOthers>::new(binds()).execute(c)
            })
            .map(|ended| ended as u64)
            .map_err(repo_error)
        })
        .await
    }
}
