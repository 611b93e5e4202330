//! `GrantedAppRepository` on Diesel: the account page's apps, read from
//! the consent, family and event tables, and revoked in one transaction.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::result::DatabaseErrorKind;
use oauth_core::RepoError;
use oauth_core::client::ClientId;
use oauth_core::granted_app::{GrantedApp, RevokedApp};
use oauth_core::ports::GrantedAppRepository;
use oauth_core::resource::ResourceUri;
use oauth_core::security_event::EventKind;
use oauth_core::user::UserId;
use time::OffsetDateTime;

use crate::connection::AnyConnection;
use crate::consents::scopes_of;
use crate::convert::{corrupt, from_epoch};
use crate::error::repo_error;
use crate::fixed_statement::{Bind, Fixed, FixedSql};
use crate::schema::{
    app_revocations, authorization_codes, consents, device_authorizations, refresh_families,
    resource_consents, security_events,
};
use crate::store::DieselStore;

/// Records pair (`?`, `?`) revoked at `?`, keeping a later time already
/// there (both backends read `ON CONFLICT … DO UPDATE` and `excluded` alike).
struct RecordRevocation;
impl FixedSql for RecordRevocation {
    const SQL: &'static str = "INSERT INTO app_revocations (user_id, client_id, revoked_at) VALUES (?, ?, ?) \
        ON CONFLICT (user_id, client_id) DO UPDATE SET revoked_at = CASE \
        WHEN excluded.revoked_at > app_revocations.revoked_at THEN excluded.revoked_at \
        ELSE app_revocations.revoked_at END";
}

fn client_id(text: &str, column: &str) -> Result<ClientId, RepoError> {
    ClientId::parse(text).map_err(|_| corrupt(column))
}

/// The user's apps, each read with a bounded query: consents, resource
/// grants, live families, then the last issuance of each app listed.
fn granted_apps(
    c: &mut AnyConnection,
    user: &str,
    now: i64,
    limit: i64,
) -> Result<Vec<GrantedApp>, RepoError> {
    let mut apps: BTreeMap<ClientId, GrantedApp> = BTreeMap::new();
    let consented: Vec<(String, String, i64)> = consents::table
        .filter(consents::user_id.eq(user))
        .order(consents::client_id)
        .limit(limit)
        .select((consents::client_id, consents::scopes, consents::updated_at))
        .load(c)
        .map_err(repo_error)?;
    for (client, scopes, updated_at) in consented {
        let mut app = GrantedApp::new(client_id(&client, "consents.client_id")?);
        app.scopes = scopes_of(Some(&scopes))?;
        app.granted_at = Some(from_epoch(updated_at).ok_or_else(|| corrupt("consents.updated_at"))?);
        apps.insert(app.client_id.clone(), app);
    }
    let holders: Vec<String> = refresh_families::table
        .filter(refresh_families::user_id.eq(user))
        .filter(refresh_families::revoked_at.is_null())
        .filter(refresh_families::expires_at.gt(now))
        .select(refresh_families::client_id)
        .distinct()
        .order(refresh_families::client_id)
        .limit(limit)
        .load(c)
        .map_err(repo_error)?;
    for client in holders {
        let id = client_id(&client, "refresh_families.client_id")?;
        apps.entry(id.clone()).or_insert_with(|| GrantedApp::new(id));
    }
    let listed: Vec<GrantedApp> = apps.into_values().take(usize::try_from(limit).unwrap_or(0)).collect();
    let ids: Vec<String> = listed.iter().map(|app| app.client_id.as_str().to_owned()).collect();
    let mut apps: BTreeMap<String, GrantedApp> =
        listed.into_iter().map(|app| (app.client_id.as_str().to_owned(), app)).collect();
    let resources: Vec<(String, String)> = resource_consents::table
        .filter(resource_consents::user_id.eq(user))
        .filter(resource_consents::client_id.eq_any(&ids))
        .select((resource_consents::client_id, resource_consents::resource_uri))
        .load(c)
        .map_err(repo_error)?;
    for (client, uri) in resources {
        let uri = ResourceUri::parse(&uri).map_err(|_| corrupt("resource_consents.resource_uri"))?;
        if let Some(app) = apps.get_mut(&client) {
            app.resources.insert(uri);
        }
    }
    // By the user's index only: naming the clients too lets SQLite choose
    // the client index, which reads every user's events of a popular client.
    let last_uses: Vec<(Option<String>, Option<i64>)> = security_events::table
        .filter(security_events::user_id.eq(user))
        .filter(security_events::kind.eq(EventKind::TokensIssued.as_str()))
        .group_by(security_events::client_id)
        .select((security_events::client_id, diesel::dsl::max(security_events::occurred_at)))
        .load(c)
        .map_err(repo_error)?;
    for (client, at) in last_uses {
        let (Some(client), Some(at)) = (client, at) else { continue };
        if let Some(app) = apps.get_mut(&client) {
            app.last_used_at = Some(from_epoch(at).ok_or_else(|| corrupt("security_events.occurred_at"))?);
        }
    }
    let mut listed: Vec<GrantedApp> = apps.into_values().collect();
    listed.sort_by(|a, b| a.client_id.cmp(&b.client_id));
    Ok(listed)
}

/// Everything the pair granted, taken back; the revocation recorded first,
/// so that on SQLite the transaction holds the write lock before it reads
/// nothing and writes the rest.
fn revoke_app(c: &mut AnyConnection, user: &str, client: &str, now: i64) -> QueryResult<RevokedApp> {
    c.transaction(|c| {
        Fixed::<RecordRevocation>::new(vec![
            Bind::Text(user.to_owned()),
            Bind::Text(client.to_owned()),
            Bind::BigInt(now),
        ])
        .execute(c)?;
        let consent = diesel::delete(consents::table.find((user, client))).execute(c)?
            + diesel::delete(
                resource_consents::table
                    .filter(resource_consents::user_id.eq(user))
                    .filter(resource_consents::client_id.eq(client)),
            )
            .execute(c)?;
        // Codes not yet exchanged go; spent ones stay for replay detection.
        diesel::delete(
            authorization_codes::table
                .filter(authorization_codes::user_id.eq(user))
                .filter(authorization_codes::client_id.eq(client))
                .filter(authorization_codes::consumed_at.is_null()),
        )
        .execute(c)?;
        // A device the user approved and that has not polled yet gets nothing.
        diesel::delete(
            device_authorizations::table
                .filter(device_authorizations::user_id.eq(user))
                .filter(device_authorizations::client_id.eq(client)),
        )
        .execute(c)?;
        let families = diesel::update(
            refresh_families::table
                .filter(refresh_families::user_id.eq(user))
                .filter(refresh_families::client_id.eq(client))
                .filter(refresh_families::revoked_at.is_null()),
        )
        .set(refresh_families::revoked_at.eq(Some(now)))
        .execute(c)?;
        Ok(RevokedApp { consent: consent > 0, families: families as u64 })
    })
}

#[async_trait::async_trait]
impl GrantedAppRepository for DieselStore {
    async fn granted_apps(
        &self,
        user: UserId,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<GrantedApp>, RepoError> {
        let (user, now, limit) = (user.to_string(), now.unix_timestamp(), i64::from(limit));
        self.run(move |c| granted_apps(c, &user, now, limit)).await
    }

    async fn revoke_app(
        &self,
        user: UserId,
        client: &ClientId,
        now: OffsetDateTime,
    ) -> Result<RevokedApp, RepoError> {
        let (user, client, now) = (user.to_string(), client.as_str().to_owned(), now.unix_timestamp());
        self.run(move |c| {
            revoke_app(c, &user, &client, now).map_err(|error| match error {
                // The client (or user) was deleted meanwhile: nothing is left to revoke.
                diesel::result::Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                    RepoError::NotFound
                }
                other => repo_error(other),
            })
        })
        .await
    }

    async fn app_revoked_at(
        &self,
        user: UserId,
        client: &ClientId,
    ) -> Result<Option<OffsetDateTime>, RepoError> {
        let (user, client) = (user.to_string(), client.as_str().to_owned());
        self.run(move |c| {
            let at: Option<i64> = app_revocations::table
                .find((user, client))
                .select(app_revocations::revoked_at)
                .get_result(c)
                .optional()
                .map_err(repo_error)?;
            at.map(|at| from_epoch(at).ok_or_else(|| corrupt("app_revocations.revoked_at"))).transpose()
        })
        .await
    }
}
