//! `ClientRegistrationRepository` on Diesel: a `client_registrations` row
//! beside each dynamic client, deleted with it (ON DELETE CASCADE).

use diesel::prelude::*;
use oauth_core::RepoError;
use oauth_core::client::{Client, ClientId, ClientOrigin};
use oauth_core::client_registration::{ClientRegistration, RegistrationAccessDigest, RegistrationRevision};
use oauth_core::ports::ClientRegistrationRepository;
use oauth_core::registration_token::RegistrationTokenId;
use time::OffsetDateTime;

use crate::clients::{insert_client, write_metadata};
use crate::convert::{corrupt, from_epoch};
use crate::error::repo_error;
use crate::fixed_statement::{Bind, Fixed, FixedSql};
use crate::schema::{client_registrations, clients};
use crate::store::DieselStore;

/// A row: client, token digest, application type, address, initial token, last use.
type RegistrationRow = (String, String, String, String, Option<String>, Option<i64>);

fn from_row(row: RegistrationRow) -> Result<ClientRegistration, RepoError> {
    let (client_id, access_token, application_type, registered_from, initial_token, last_used_at) = row;
    Ok(ClientRegistration {
        client_id: ClientId::parse(&client_id).map_err(|_| corrupt("client_registrations.client_id"))?,
        access_token: RegistrationAccessDigest::from_hex(&access_token)
            .ok_or_else(|| corrupt("client_registrations.access_token"))?,
        application_type: application_type
            .parse()
            .map_err(|_| corrupt("client_registrations.application_type"))?,
        registered_from,
        initial_token: initial_token
            .map(|id| {
                RegistrationTokenId::parse(&id)
                    .ok_or_else(|| corrupt("client_registrations.initial_token_id"))
            })
            .transpose()?,
        last_used_at: last_used_at
            .map(|at| from_epoch(at).ok_or_else(|| corrupt("client_registrations.last_used_at")))
            .transpose()?,
    })
}

/// Enabled dynamic clients idle since before a time (last issued tokens
/// then, or never and registered then), or anonymous and never used since
/// before another, at most a number of them: the janitor's sweep. Their
/// secrets, consents, codes, families and registration go with them (ON
/// DELETE CASCADE).
struct PurgeIdleClients;

impl FixedSql for PurgeIdleClients {
    const SQL: &'static str = "DELETE FROM clients WHERE id IN (SELECT c.id FROM clients c \
        JOIN client_registrations r ON r.client_id = c.id \
        WHERE c.origin = ? AND c.disabled = ? AND (r.last_used_at < ? \
        OR (r.last_used_at IS NULL AND (c.created_at < ? \
        OR (r.initial_token_id IS NULL AND c.created_at < ?)))) LIMIT ?)";
}

#[async_trait::async_trait]
impl ClientRegistrationRepository for DieselStore {
    async fn register(&self, client: &Client, registration: &ClientRegistration) -> Result<(), RepoError> {
        let (client, registration) = (client.clone(), registration.clone());
        self.run(move |c| {
            c.transaction(|c| {
                insert_client(c, &client)?;
                diesel::insert_into(client_registrations::table)
                    .values((
                        client_registrations::client_id.eq(client.id.as_str()),
                        client_registrations::access_token.eq(registration.access_token.to_hex()),
                        client_registrations::application_type.eq(registration.application_type.as_str()),
                        client_registrations::registered_from.eq(&registration.registered_from),
                        client_registrations::initial_token_id
                            .eq(registration.initial_token.map(|id| id.to_string())),
                        client_registrations::last_used_at
                            .eq(registration.last_used_at.map(OffsetDateTime::unix_timestamp)),
                    ))
                    .execute(c)
                    .map(drop)
            })
            .map_err(repo_error)
        })
        .await
    }

    async fn find(&self, id: &ClientId) -> Result<Option<ClientRegistration>, RepoError> {
        let id = id.as_str().to_owned();
        self.run(move |c| {
            client_registrations::table
                .find(id)
                .select((
                    client_registrations::client_id,
                    client_registrations::access_token,
                    client_registrations::application_type,
                    client_registrations::registered_from,
                    client_registrations::initial_token_id,
                    client_registrations::last_used_at,
                ))
                .get_result::<RegistrationRow>(c)
                .optional()
                .map_err(repo_error)?
                .map(from_row)
                .transpose()
        })
        .await
    }

    async fn rotate(
        &self,
        id: &ClientId,
        presented: &RegistrationAccessDigest,
        next: &RegistrationAccessDigest,
        revision: Option<&RegistrationRevision>,
        now: OffsetDateTime,
    ) -> Result<bool, RepoError> {
        let (id, presented, next) = (id.clone(), presented.to_hex(), next.to_hex());
        let revision = revision.cloned();
        self.run(move |c| {
            c.transaction(|c| {
                // SECURITY: one conditional write decides, read by its row
                // count; it takes the row's write lock first, so concurrent
                // rotations with one token queue behind it and find the
                // token gone.
                let rotated = diesel::update(
                    client_registrations::table
                        .find(id.as_str())
                        .filter(client_registrations::access_token.eq(&presented)),
                )
                .set(client_registrations::access_token.eq(&next))
                .execute(c)?;
                if rotated != 1 {
                    return Ok(false);
                }
                if let Some(revision) = &revision {
                    diesel::update(client_registrations::table.find(id.as_str()))
                        .set(client_registrations::application_type.eq(revision.application_type.as_str()))
                        .execute(c)?;
                    let keyed = Client {
                        id: id.clone(),
                        origin: ClientOrigin::Dynamic,
                        metadata: revision.metadata.clone(),
                        secrets: Vec::new(),
                        disabled: false,
                        created_at: now,
                        updated_at: now,
                    };
                    write_metadata(c, &keyed, &revision.metadata, now)?;
                }
                Ok(true)
            })
            .map_err(repo_error)
        })
        .await
    }

    async fn remove(&self, id: &ClientId, presented: &RegistrationAccessDigest) -> Result<bool, RepoError> {
        let (id, presented) = (id.as_str().to_owned(), presented.to_hex());
        self.run(move |c| {
            let current = client_registrations::table
                .filter(client_registrations::client_id.eq(&id))
                .filter(client_registrations::access_token.eq(&presented))
                .select(client_registrations::client_id);
            diesel::delete(clients::table.filter(clients::id.eq_any(current)))
                .execute(c)
                .map(|gone| gone == 1)
                .map_err(repo_error)
        })
        .await
    }

    async fn record_use(
        &self,
        id: &ClientId,
        now: OffsetDateTime,
        unless_since: OffsetDateTime,
    ) -> Result<(), RepoError> {
        let id = id.as_str().to_owned();
        self.run(move |c| {
            diesel::update(
                client_registrations::table.find(id).filter(
                    client_registrations::last_used_at
                        .is_null()
                        .or(client_registrations::last_used_at.lt(unless_since.unix_timestamp())),
                ),
            )
            .set(client_registrations::last_used_at.eq(now.unix_timestamp()))
            .execute(c)
            .map(drop)
            .map_err(repo_error)
        })
        .await
    }

    async fn count(&self) -> Result<u64, RepoError> {
        self.run(|c| {
            let stored: i64 = client_registrations::table.count().get_result(c).map_err(repo_error)?;
            u64::try_from(stored).map_err(|_| corrupt("client_registrations count"))
        })
        .await
    }

    async fn purge_idle(
        &self,
        idle_before: OffsetDateTime,
        unused_before: OffsetDateTime,
        limit: u32,
    ) -> Result<u64, RepoError> {
        let (idle, unused, limit) =
            (idle_before.unix_timestamp(), unused_before.unix_timestamp(), i64::from(limit));
        self.run(move |c| {
            Fixed::<PurgeIdleClients>::new(vec![
                Bind::Text(ClientOrigin::Dynamic.as_str().to_owned()),
                Bind::Bool(false),
                Bind::BigInt(idle),
                Bind::BigInt(idle),
                Bind::BigInt(unused),
                Bind::BigInt(limit),
            ])
            .execute(c)
            .map(|gone| gone as u64)
            .map_err(repo_error)
        })
        .await
    }
}
