//! `ConsentRepository` on Diesel: one row per (user, client).

use std::collections::BTreeSet;

use diesel::prelude::*;
use oauth_core::RepoError;
use oauth_core::client::ClientId;
use oauth_core::ports::ConsentRepository;
use oauth_core::scope::ScopeName;
use oauth_core::user::UserId;
use time::OffsetDateTime;

use crate::connection::AnyConnection;
use crate::convert::{corrupt, join, split};
use crate::error::repo_error;
use crate::schema::consents;
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

    async fn revoke(&self, user: UserId, client: &ClientId) -> Result<(), RepoError> {
        let (user, client) = (user.to_string(), client.as_str().to_owned());
        self.run(move |c| {
            diesel::delete(consents::table.find((user, client))).execute(c).map(drop).map_err(repo_error)
        })
        .await
    }
}
