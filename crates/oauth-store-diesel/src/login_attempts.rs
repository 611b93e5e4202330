//! `LoginAttemptRepository` on Diesel: one counter row per key.

use diesel::prelude::*;
use oauth_core::RepoError;
use oauth_core::ports::LoginAttemptRepository;
use oauth_core::throttle::{FailureCount, ThrottleKey};
use time::{Duration, OffsetDateTime};

use crate::connection::AnyConnection;
use crate::convert::{corrupt, from_epoch};
use crate::error::repo_error;
use crate::schema::login_attempts;
use crate::store::DieselStore;

fn read(c: &mut AnyConnection, key: &str) -> Result<Option<FailureCount>, RepoError> {
    let row: Option<(i32, i64)> = login_attempts::table
        .find(key)
        .select((login_attempts::failures, login_attempts::last_failure_at))
        .get_result(c)
        .optional()
        .map_err(repo_error)?;
    row.map(|(failures, last)| {
        Ok(FailureCount {
            failures: u32::try_from(failures).map_err(|_| corrupt("login_attempts.failures"))?,
            last_failure_at: from_epoch(last).ok_or_else(|| corrupt("login_attempts.last_failure_at"))?,
        })
    })
    .transpose()
}

/// One failure, in one transaction whose first statement is a write (so on
/// SQLite it holds the write lock before it reads). Increments are in SQL, so
/// concurrent failures all count.
fn record(c: &mut AnyConnection, key: &str, now: i64, since: i64) -> diesel::QueryResult<()> {
    c.transaction(|c| {
        let row = login_attempts::table.find(key);
        let counted = diesel::update(row.filter(login_attempts::last_failure_at.ge(since)))
            .set((
                login_attempts::failures.eq(login_attempts::failures + 1),
                login_attempts::last_failure_at.eq(now),
            ))
            .execute(c)?;
        if counted == 0 {
            // Only a stale count restarts: a row another transaction inserted
            // since the first statement is fresh, and is left to the retry.
            let restarted = diesel::update(row.filter(login_attempts::last_failure_at.lt(since)))
                .set((login_attempts::failures.eq(1), login_attempts::last_failure_at.eq(now)))
                .execute(c)?;
            if restarted == 0 {
                diesel::insert_into(login_attempts::table)
                    .values((
                        login_attempts::key.eq(key),
                        login_attempts::failures.eq(1),
                        login_attempts::last_failure_at.eq(now),
                    ))
                    .execute(c)?;
            }
        }
        Ok(())
    })
}

#[async_trait::async_trait]
impl LoginAttemptRepository for DieselStore {
    async fn failures(&self, key: &ThrottleKey) -> Result<Option<FailureCount>, RepoError> {
        let key = key.to_hex();
        self.run(move |c| read(c, &key)).await
    }

    async fn record_failure(
        &self,
        key: &ThrottleKey,
        now: OffsetDateTime,
        memory: Duration,
    ) -> Result<FailureCount, RepoError> {
        let key = key.to_hex();
        let (now, since) = (now.unix_timestamp(), (now - memory).unix_timestamp());
        self.run(move |c| {
            // Two first failures of one key may both try the INSERT; the loser
            // sees a uniqueness conflict and, on retry, finds the row.
            let mut outcome = record(c, &key, now, since).map_err(repo_error);
            for _ in 0..3 {
                if !matches!(outcome, Err(RepoError::Conflict(_))) {
                    break;
                }
                outcome = record(c, &key, now, since).map_err(repo_error);
            }
            outcome?;
            read(c, &key)?.ok_or(RepoError::NotFound)
        })
        .await
    }

    async fn forgive_one(&self, key: &ThrottleKey) -> Result<(), RepoError> {
        let key = key.to_hex();
        self.run(move |c| {
            // One statement, decremented in SQL: concurrent charges and
            // forgivenesses all count, and the guard keeps it at zero or above.
            let counted = login_attempts::table.find(key).filter(login_attempts::failures.gt(0));
            diesel::update(counted)
                .set(login_attempts::failures.eq(login_attempts::failures - 1))
                .execute(c)
                .map(drop)
                .map_err(repo_error)
        })
        .await
    }

    async fn clear(&self, key: &ThrottleKey) -> Result<(), RepoError> {
        let key = key.to_hex();
        self.run(move |c| {
            diesel::delete(login_attempts::table.find(key)).execute(c).map(drop).map_err(repo_error)
        })
        .await
    }

    async fn purge_stale(&self, before: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        let (before, limit) = (before.unix_timestamp(), i64::from(limit));
        self.run(move |c| {
            let stale: Vec<String> = login_attempts::table
                .filter(login_attempts::last_failure_at.le(before))
                .select(login_attempts::key)
                .limit(limit)
                .load(c)
                .map_err(repo_error)?;
            let deleted = diesel::delete(login_attempts::table.filter(login_attempts::key.eq_any(stale)))
                .execute(c)
                .map_err(repo_error)?;
            Ok(deleted as u64)
        })
        .await
    }
}
