//! `SecurityEventRepository` on Diesel: the `security_events` table.

use std::net::IpAddr;

use diesel::prelude::*;
use oauth_core::RepoError;
use oauth_core::client::ClientId;
use oauth_core::ports::SecurityEventRepository;
use oauth_core::security_event::{EventDetails, EventFilter, EventKind, SecurityEvent};
use oauth_core::user::UserId;
use time::OffsetDateTime;

use crate::connection::AnyConnection;
use crate::convert::{corrupt, from_epoch};
use crate::error::repo_error;
use crate::fixed_statement::{Bind, Fixed, FixedSql};
use crate::schema::security_events as events;
use crate::store::DieselStore;

/// Every column but the id, in the order of `EventRow` and of `binds`.
macro_rules! event_columns {
    () => {
        "security_events (occurred_at, kind, user_id, client_id, address, details)"
    };
}

mod sqlite_append;

/// Events older than a time, at most a number of them.
struct PurgeBefore;

impl FixedSql for PurgeBefore {
    const SQL: &'static str = "DELETE FROM security_events WHERE id IN \
        (SELECT id FROM security_events WHERE occurred_at < ? LIMIT ?)";
}

/// A batch of events on PostgreSQL, from one JSON array of rows, appended in
/// the array's order (the identity column follows the `ORDER BY`).
struct AppendBatch;

impl FixedSql for AppendBatch {
    const SQL: &'static str = concat!(
        "INSERT INTO ",
        event_columns!(),
        " SELECT (e->>0)::bigint, e->>1, e->>2, e->>3, e->>4, e->>5 \
         FROM json_array_elements(CAST(? AS json)) WITH ORDINALITY AS rows(e, n) ORDER BY n"
    );
}

/// `rows` as one JSON array of arrays, in the column order of `AppendBatch`.
fn batch_json(rows: Vec<EventRow>) -> String {
    let rows: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|(occurred_at, kind, user, client, address, details)| {
            serde_json::json!([occurred_at.to_string(), kind, user, client, address, details])
        })
        .collect();
    serde_json::Value::Array(rows).to_string()
}

/// A row without its id: every other column, in the order the table declares them.
type EventRow = (i64, String, Option<String>, Option<String>, Option<String>, String);

fn to_row(event: &SecurityEvent) -> Result<EventRow, RepoError> {
    let details = serde_json::to_string(&event.details).map_err(|_| corrupt("security_events.details"))?;
    Ok((
        event.occurred_at.unix_timestamp(),
        event.kind.as_str().to_owned(),
        event.user.map(|user| user.to_string()),
        event.client.as_ref().map(|client| client.as_str().to_owned()),
        event.address.map(|address| address.to_string()),
        details,
    ))
}

fn from_row(row: EventRow) -> Result<SecurityEvent, RepoError> {
    let (occurred_at, kind, user, client, address, details) = row;
    Ok(SecurityEvent {
        kind: EventKind::parse(&kind).map_err(|_| corrupt("security_events.kind"))?,
        occurred_at: from_epoch(occurred_at).ok_or_else(|| corrupt("security_events.occurred_at"))?,
        user: user
            .map(|user| UserId::parse(&user).map_err(|_| corrupt("security_events.user_id")))
            .transpose()?,
        client: client
            .map(|client| ClientId::parse(&client).map_err(|_| corrupt("security_events.client_id")))
            .transpose()?,
        address: address
            .map(|address| address.parse::<IpAddr>().map_err(|_| corrupt("security_events.address")))
            .transpose()?,
        details: serde_json::from_str::<EventDetails>(&details)
            .map_err(|_| corrupt("security_events.details"))?,
    })
}

#[async_trait::async_trait]
impl SecurityEventRepository for DieselStore {
    async fn append(&self, batch: &[SecurityEvent]) -> Result<(), RepoError> {
        let rows = batch.iter().map(to_row).collect::<Result<Vec<_>, _>>()?;
        if rows.is_empty() {
            return Ok(());
        }
        self.run(move |c| {
            match c {
                AnyConnection::Sqlite(c) => sqlite_append::append(c, rows),
                // One statement, so one round trip, for the whole batch.
                AnyConnection::Postgresql(_) => {
                    Fixed::<AppendBatch>::new(vec![Bind::Text(batch_json(rows))]).execute(c).map(drop)
                }
            }
            .map_err(repo_error)
        })
        .await
    }

    async fn list(&self, filter: &EventFilter, limit: u32) -> Result<Vec<SecurityEvent>, RepoError> {
        let filter = filter.clone();
        self.run(move |c| {
            let mut query = events::table
                .select((
                    events::occurred_at,
                    events::kind,
                    events::user_id,
                    events::client_id,
                    events::address,
                    events::details,
                ))
                .order((events::occurred_at.desc(), events::id.desc()))
                .limit(i64::from(limit))
                .into_boxed();
            if let Some(since) = filter.since {
                query = query.filter(events::occurred_at.ge(since.unix_timestamp()));
            }
            if let Some(user) = filter.user {
                query = query.filter(events::user_id.eq(user.to_string()));
            }
            if let Some(client) = filter.client {
                query = query.filter(events::client_id.eq(client.as_str().to_owned()));
            }
            if let Some(kind) = filter.kind {
                query = query.filter(events::kind.eq(kind.as_str()));
            }
            let rows: Vec<EventRow> = query.load(c).map_err(repo_error)?;
            rows.into_iter().rev().map(from_row).collect()
        })
        .await
    }

    async fn purge_before(&self, before: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        let (before, limit) = (before.unix_timestamp(), i64::from(limit));
        self.run(move |c| {
            Fixed::<PurgeBefore>::new(vec![Bind::BigInt(before), Bind::BigInt(limit)])
                .execute(c)
                .map(|gone| gone as u64)
                .map_err(repo_error)
        })
        .await
    }
}
