//! `ConsentRepository` on Diesel: one row per (user, client).

use std::collections::BTreeSet;

use diesel::prelude::*;
use oauth_core::RepoError;
use oauth_core::client::ClientId;
use oauth_core::ports::ConsentRepository;
use oauth_core::resource::ResourceUri;
use oauth_core::scope::ScopeName;
use oauth_core::user::UserId;
use time::OffsetDateTime;

use crate::connection::AnyConnection;
use crate::convert::{corrupt, join, split};
use crate::error::repo_error;
use crate::fixed_statement::{Bind, Fixed, FixedSql};
use crate::schema::{consents, resource_consents};
use crate::store::DieselStore;

fn granted(c: &mut AnyConnection, user: &str, client: &str) -> Result<BTreeSet<ScopeName>, RepoError> {
    let stored: Option<String> = consents::table
        .find((user, client))
        .select(consents::scopes)
        .get_result(c)
        .optional()
        .map_err(repo_error)?;
    scopes_of(stored.as_deref())
}

/// The scopes of a stored consent; none without one.
pub(crate) fn scopes_of(stored: Option<&str>) -> Result<BTreeSet<ScopeName>, RepoError> {
    stored
        .map(split)
        .into_iter()
        .flatten()
        .map(|s| ScopeName::parse(s).map_err(|_| corrupt("consents.scopes")))
        .collect()
}

/// One resource granted; a grant already there stays as it is. (Diesel's
/// `on_conflict` does not compile on a `MultiConnection`; both backends
/// read this text alike.)
struct GrantResource;
impl FixedSql for GrantResource {
    const SQL: &'static str = "INSERT INTO resource_consents (user_id, client_id, resource_uri, granted_at) \
        VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING";
}

#[async_trait::async_trait]
impl ConsentRepository for DieselStore {
    async fn granted(&self, user: UserId, client: &ClientId) -> Result<BTreeSet<ScopeName>, RepoError> {
        let (user, client) = (user.to_string(), client.as_str().to_owned());
        self.run(move |c| granted(c, &user, &client)).await
    }

    async fn grant(
        &self,
        user: UserId,
        client: &ClientId,
        scopes: &BTreeSet<ScopeName>,
        now: OffsetDateTime,
    ) -> Result<(), RepoError> {
        let (user, client, scopes) = (user.to_string(), client.as_str().to_owned(), scopes.clone());
        self.run(move |c| {
            c.transaction(|c| {
                // Write first, so that on SQLite the transaction holds the write
                // lock before it reads: two grants cannot interleave and lose a scope.
                let row = consents::table.find((user.clone(), client.clone()));
                let existed =
                    diesel::update(row).set(consents::updated_at.eq(now.unix_timestamp())).execute(c)? == 1;
                let mut all =
                    granted(c, &user, &client).map_err(|_| diesel::result::Error::RollbackTransaction)?;
                all.extend(scopes.iter().cloned());
                let text = join(all.iter().map(ScopeName::as_str));
                if existed {
                    diesel::update(consents::table.find((user.clone(), client.clone())))
                        .set(consents::scopes.eq(text))
                        .execute(c)?;
                } else {
                    diesel::insert_into(consents::table)
                        .values((
                            consents::user_id.eq(user.clone()),
                            consents::client_id.eq(client.clone()),
                            consents::scopes.eq(text),
                            consents::updated_at.eq(now.unix_timestamp()),
                        ))
                        .execute(c)?;
                }
                Ok(())
            })
            .map_err(repo_error)
        })
        .await
    }

    async fn granted_resources(
        &self,
        user: UserId,
        client: &ClientId,
    ) -> Result<BTreeSet<ResourceUri>, RepoError> {
        let (user, client) = (user.to_string(), client.as_str().to_owned());
        self.run(move |c| {
            resource_consents::table
                .filter(resource_consents::user_id.eq(user))
                .filter(resource_consents::client_id.eq(client))
                .select(resource_consents::resource_uri)
                .load::<String>(c)
                .map_err(repo_error)?
                .iter()
                .map(|uri| ResourceUri::parse(uri).map_err(|_| corrupt("resource_consents.resource_uri")))
                .collect()
        })
        .await
    }

    async fn grant_resources(
        &self,
        user: UserId,
        client: &ClientId,
        resources: &BTreeSet<ResourceUri>,
        now: OffsetDateTime,
    ) -> Result<(), RepoError> {
        let rows: Vec<Vec<Bind>> = resources
            .iter()
            .map(|uri| {
                vec![
                    Bind::Text(user.to_string()),
                    Bind::Text(client.as_str().to_owned()),
                    Bind::Text(uri.as_str().to_owned()),
                    Bind::BigInt(now.unix_timestamp()),
                ]
            })
            .collect();
        self.run(move |c| {
            c.transaction(|c| {
                for binds in rows {
                    Fixed::<GrantResource>::new(binds).execute(c)?;
                }
                Ok(())
            })
            .map_err(repo_error)
        })
        .await
    }

    async fn revoke(&self, user: UserId, client: &ClientId) -> Result<(), RepoError> {
        let (user, client) = (user.to_string(), client.as_str().to_owned());
        self.run(move |c| {
            c.transaction(|c| {
                diesel::delete(
                    resource_consents::table
                        .filter(resource_consents::user_id.eq(user.clone()))
                        .filter(resource_consents::client_id.eq(client.clone())),
                )
                .execute(c)?;
                diesel::delete(consents::table.find((user, client))).execute(c).map(drop)
            })
            .map_err(repo_error)
        })
        .await
    }
}
