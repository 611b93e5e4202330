//! `SigningKeyRepository` on Diesel: the `signing_keys` table.

use diesel::prelude::*;
use oauth_core::RepoError;
use oauth_core::ports::SigningKeyRepository;
use oauth_core::signing_key::{KeyState, StoredSigningKey};
use oauth_core::token::SigningAlg;
use time::OffsetDateTime;

use crate::connection::AnyConnection;
use crate::convert::{corrupt, from_epoch};
use crate::error::repo_error;
use crate::schema::signing_keys;
use crate::store::DieselStore;

type KeyRow = (String, String, String, String, String, i64, Option<i64>, Option<i64>);

fn insert(c: &mut AnyConnection, key: &StoredSigningKey) -> diesel::QueryResult<usize> {
    diesel::insert_into(signing_keys::table)
        .values((
            signing_keys::kid.eq(key.kid.clone()),
            signing_keys::alg.eq(key.alg.as_str()),
            signing_keys::state.eq(key.state.as_str()),
            signing_keys::public_jwk.eq(key.public_jwk.clone()),
            signing_keys::sealed_private_jwk.eq(key.sealed_private_jwk.clone()),
            signing_keys::created_at.eq(key.created_at.unix_timestamp()),
            signing_keys::activated_at.eq(key.activated_at.map(OffsetDateTime::unix_timestamp)),
            signing_keys::retired_at.eq(key.retired_at.map(OffsetDateTime::unix_timestamp)),
        ))
        .execute(c)
}

fn from_row(row: KeyRow) -> Result<StoredSigningKey, RepoError> {
    let (kid, alg, state, public_jwk, sealed_private_jwk, created_at, activated_at, retired_at) = row;
    let time = |seconds: i64| from_epoch(seconds).ok_or_else(|| corrupt("signing_keys times"));
    Ok(StoredSigningKey {
        kid,
        alg: alg.parse().map_err(|_| corrupt("signing_keys.alg"))?,
        state: KeyState::parse(&state).ok_or_else(|| corrupt("signing_keys.state"))?,
        public_jwk,
        sealed_private_jwk,
        created_at: time(created_at)?,
        activated_at: activated_at.map(time).transpose()?,
        retired_at: retired_at.map(time).transpose()?,
    })
}

#[async_trait::async_trait]
impl SigningKeyRepository for DieselStore {
    async fn insert(&self, key: &StoredSigningKey) -> Result<(), RepoError> {
        let key = key.clone();
        self.run(move |c| insert(c, &key).map(drop).map_err(repo_error)).await
    }

    async fn list(&self) -> Result<Vec<StoredSigningKey>, RepoError> {
        self.run(|c| {
            let rows: Vec<KeyRow> = signing_keys::table
                .select((
                    signing_keys::kid,
                    signing_keys::alg,
                    signing_keys::state,
                    signing_keys::public_jwk,
                    signing_keys::sealed_private_jwk,
                    signing_keys::created_at,
                    signing_keys::activated_at,
                    signing_keys::retired_at,
                ))
                .order((signing_keys::created_at.desc(), signing_keys::kid.desc()))
                .load(c)
                .map_err(repo_error)?;
            rows.into_iter().map(from_row).collect()
        })
        .await
    }

    async fn rotate(
        &self,
        alg: SigningAlg,
        expected_active: &str,
        new_next: &StoredSigningKey,
        now: OffsetDateTime,
    ) -> Result<bool, RepoError> {
        let (expected, new_next, now) = (expected_active.to_owned(), new_next.clone(), now.unix_timestamp());
        self.run(move |c| {
            let outcome = c.transaction(|c| {
                // The compare-and-swap: only the instance that still sees this
                // key active retires it; a concurrent rotation finds zero rows.
                let retired = diesel::update(
                    signing_keys::table
                        .filter(signing_keys::kid.eq(&expected))
                        .filter(signing_keys::alg.eq(alg.as_str()))
                        .filter(signing_keys::state.eq(KeyState::Active.as_str())),
                )
                .set((
                    signing_keys::state.eq(KeyState::Retired.as_str()),
                    signing_keys::retired_at.eq(Some(now)),
                ))
                .execute(c)?;
                if retired != 1 {
                    return Err(diesel::result::Error::RollbackTransaction);
                }
                let activated = diesel::update(
                    signing_keys::table
                        .filter(signing_keys::alg.eq(alg.as_str()))
                        .filter(signing_keys::state.eq(KeyState::Next.as_str())),
                )
                .set((
                    signing_keys::state.eq(KeyState::Active.as_str()),
                    signing_keys::activated_at.eq(Some(now)),
                ))
                .execute(c)?;
                if activated != 1 {
                    return Err(diesel::result::Error::RollbackTransaction);
                }
                insert(c, &new_next)
            });
            match outcome {
                Ok(_) => Ok(true),
                Err(diesel::result::Error::RollbackTransaction) => Ok(false),
                Err(other) => Err(repo_error(other)),
            }
        })
        .await
    }

    async fn delete_retired(&self, retired_before: OffsetDateTime) -> Result<u64, RepoError> {
        let before = retired_before.unix_timestamp();
        self.run(move |c| {
            let deleted = diesel::delete(
                signing_keys::table
                    .filter(signing_keys::state.eq(KeyState::Retired.as_str()))
                    .filter(signing_keys::retired_at.le(before)),
            )
            .execute(c)
            .map_err(repo_error)?;
            Ok(deleted as u64)
        })
        .await
    }
}
