//! `SigningKeyRepository` on Diesel: the `signing_keys` table.

use diesel::prelude::*;
use oauth_core::RepoError;
use oauth_core::ports::SigningKeyRepository;
use oauth_core::signing_key::{KeyState, StoredSigningKey};

use crate::convert::{corrupt, from_epoch};
use crate::error::repo_error;
use crate::schema::signing_keys;
use crate::store::DieselStore;

type KeyRow = (String, String, String, String, String, i64);

#[async_trait::async_trait]
impl SigningKeyRepository for DieselStore {
    async fn insert(&self, key: &StoredSigningKey) -> Result<(), RepoError> {
        let row = (
            signing_keys::kid.eq(key.kid.clone()),
            signing_keys::alg.eq(key.alg.as_str()),
            signing_keys::state.eq(key.state.as_str()),
            signing_keys::public_jwk.eq(key.public_jwk.clone()),
            signing_keys::sealed_private_jwk.eq(key.sealed_private_jwk.clone()),
            signing_keys::created_at.eq(key.created_at.unix_timestamp()),
        );
        self.run(move |c| {
            diesel::insert_into(signing_keys::table).values(row).execute(c).map(drop).map_err(repo_error)
        })
        .await
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
                ))
                .order((signing_keys::created_at.desc(), signing_keys::kid.asc()))
                .load(c)
                .map_err(repo_error)?;
            rows.into_iter()
                .map(|(kid, alg, state, public_jwk, sealed_private_jwk, created_at)| {
                    Ok(StoredSigningKey {
                        kid,
                        alg: alg.parse().map_err(|_| corrupt("signing_keys.alg"))?,
                        state: KeyState::parse(&state).ok_or_else(|| corrupt("signing_keys.state"))?,
                        public_jwk,
                        sealed_private_jwk,
                        created_at: from_epoch(created_at)
                            .ok_or_else(|| corrupt("signing_keys.created_at"))?,
                    })
                })
                .collect()
        })
        .await
    }
}
