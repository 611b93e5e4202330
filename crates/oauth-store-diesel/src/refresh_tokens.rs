//! `RefreshTokenRepository` on Diesel: `refresh_families` and `refresh_tokens`.

use diesel::prelude::*;
use oauth_core::RepoError;
use oauth_core::client::ClientId;
use oauth_core::code::CodeDigest;
use oauth_core::dpop::JwkThumbprint;
use oauth_core::ports::RefreshTokenRepository;
use oauth_core::refresh::{RefreshDigest, RefreshFamily, RefreshFamilyId, RefreshTokenRecord, Rotation};
use oauth_core::resource::ResourceUri;
use oauth_core::scope::ScopeName;
use oauth_core::user::UserId;
use time::OffsetDateTime;

use crate::connection::AnyConnection;
use crate::convert::{corrupt, from_epoch, join, split};
use crate::error::repo_error;
use crate::fixed_statement::Bind;
use crate::schema::{refresh_families, refresh_tokens};
use crate::store::DieselStore;

/// A `refresh_families` row, as inserted (`crate::flow_writes`) and as read back.
#[derive(Queryable)]
#[diesel(table_name = refresh_families)]
pub(crate) struct FamilyRow {
    pub(crate) id: String,
    pub(crate) client_id: String,
    pub(crate) user_id: String,
    pub(crate) scopes: String,
    pub(crate) auth_time: i64,
    pub(crate) code_digest: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) revoked_at: Option<i64>,
    pub(crate) resources: String,
    pub(crate) dpop_jkt: Option<String>,
}

/// A `refresh_tokens` row, as inserted (`crate::flow_writes`) and as read back.
#[derive(Queryable, QueryableByName)]
#[diesel(table_name = refresh_tokens)]
pub(crate) struct TokenRow {
    pub(crate) digest: String,
    pub(crate) family_id: String,
    pub(crate) scopes: String,
    pub(crate) issued_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) rotated_at: Option<i64>,
}

fn time(seconds: i64, column: &str) -> Result<OffsetDateTime, RepoError> {
    from_epoch(seconds).ok_or_else(|| corrupt(column))
}

fn scopes(text: &str, column: &str) -> Result<std::collections::BTreeSet<ScopeName>, RepoError> {
    split(text).map(|s| ScopeName::parse(s).map_err(|_| corrupt(column))).collect()
}

impl FamilyRow {
    pub(crate) fn from_family(family: &RefreshFamily) -> Self {
        Self {
            id: family.id.to_string(),
            client_id: family.client_id.as_str().to_owned(),
            user_id: family.user_id.to_string(),
            scopes: join(family.scopes.iter().map(ScopeName::as_str)),
            auth_time: family.auth_time.unix_timestamp(),
            code_digest: family.code_digest.as_ref().map(CodeDigest::to_hex),
            created_at: family.created_at.unix_timestamp(),
            expires_at: family.expires_at.unix_timestamp(),
            revoked_at: family.revoked_at.map(OffsetDateTime::unix_timestamp),
            resources: join(family.resources.iter().map(ResourceUri::as_str)),
            dpop_jkt: family.sender_key.as_ref().map(|key| key.as_str().to_owned()),
        }
    }

    /// The values of this family's insert, in the order of
    /// `crate::flow_writes::insert_family_sql`.
    pub(crate) fn into_binds(self) -> [Bind; 11] {
        [
            Bind::Text(self.id),
            Bind::Text(self.client_id),
            Bind::Text(self.user_id),
            Bind::Text(self.scopes),
            Bind::BigInt(self.auth_time),
            Bind::NullableText(self.code_digest),
            Bind::BigInt(self.created_at),
            Bind::BigInt(self.expires_at),
            Bind::NullableBigInt(self.revoked_at),
            Bind::Text(self.resources),
            Bind::NullableText(self.dpop_jkt),
        ]
    }

    pub(crate) fn into_family(self) -> Result<RefreshFamily, RepoError> {
        Ok(RefreshFamily {
            resources: split(&self.resources)
                .map(|r| ResourceUri::parse(r).map_err(|_| corrupt("refresh_families.resources")))
                .collect::<Result<_, _>>()?,
            id: RefreshFamilyId::parse(&self.id).ok_or_else(|| corrupt("refresh_families.id"))?,
            client_id: ClientId::parse(&self.client_id).map_err(|_| corrupt("refresh_families.client_id"))?,
            user_id: UserId::parse(&self.user_id).map_err(|_| corrupt("refresh_families.user_id"))?,
            scopes: scopes(&self.scopes, "refresh_families.scopes")?,
            auth_time: time(self.auth_time, "refresh_families.auth_time")?,
            code_digest: self
                .code_digest
                .map(|hex| CodeDigest::from_hex(&hex).ok_or_else(|| corrupt("refresh_families.code_digest")))
                .transpose()?,
            created_at: time(self.created_at, "refresh_families.created_at")?,
            expires_at: time(self.expires_at, "refresh_families.expires_at")?,
            revoked_at: self.revoked_at.map(|t| time(t, "refresh_families.revoked_at")).transpose()?,
            sender_key: self
                .dpop_jkt
                .map(|key| JwkThumbprint::parse(&key).ok_or_else(|| corrupt("refresh_families.dpop_jkt")))
                .transpose()?,
        })
    }
}

impl TokenRow {
    pub(crate) fn from_record(record: &RefreshTokenRecord) -> Self {
        Self {
            digest: record.digest.to_hex(),
            family_id: record.family_id.to_string(),
            scopes: join(record.scopes.iter().map(ScopeName::as_str)),
            issued_at: record.issued_at.unix_timestamp(),
            expires_at: record.expires_at.unix_timestamp(),
            rotated_at: record.rotated_at.map(OffsetDateTime::unix_timestamp),
        }
    }

    /// The values of this token's insert, in the order of
    /// `crate::flow_writes::token_columns`.
    pub(crate) fn into_binds(self) -> [Bind; 6] {
        [
            Bind::Text(self.digest),
            Bind::Text(self.family_id),
            Bind::Text(self.scopes),
            Bind::BigInt(self.issued_at),
            Bind::BigInt(self.expires_at),
            Bind::NullableBigInt(self.rotated_at),
        ]
    }

    pub(crate) fn into_record(self) -> Result<RefreshTokenRecord, RepoError> {
        Ok(RefreshTokenRecord {
            digest: RefreshDigest::from_hex(&self.digest).ok_or_else(|| corrupt("refresh_tokens.digest"))?,
            family_id: RefreshFamilyId::parse(&self.family_id)
                .ok_or_else(|| corrupt("refresh_tokens.family_id"))?,
            scopes: scopes(&self.scopes, "refresh_tokens.scopes")?,
            issued_at: time(self.issued_at, "refresh_tokens.issued_at")?,
            expires_at: time(self.expires_at, "refresh_tokens.expires_at")?,
            rotated_at: self.rotated_at.map(|t| time(t, "refresh_tokens.rotated_at")).transpose()?,
        })
    }
}

fn find_token(c: &mut AnyConnection, digest: &str) -> Result<Option<TokenRow>, RepoError> {
    refresh_tokens::table
        .find(digest)
        .select((
            refresh_tokens::digest,
            refresh_tokens::family_id,
            refresh_tokens::scopes,
            refresh_tokens::issued_at,
            refresh_tokens::expires_at,
            refresh_tokens::rotated_at,
        ))
        .get_result::<TokenRow>(c)
        .optional()
        .map_err(repo_error)
}

fn find_family(c: &mut AnyConnection, id: &str) -> Result<Option<FamilyRow>, RepoError> {
    refresh_families::table
        .find(id)
        .select((
            refresh_families::id,
            refresh_families::client_id,
            refresh_families::user_id,
            refresh_families::scopes,
            refresh_families::auth_time,
            refresh_families::code_digest,
            refresh_families::created_at,
            refresh_families::expires_at,
            refresh_families::revoked_at,
            refresh_families::resources,
            refresh_families::dpop_jkt,
        ))
        .get_result::<FamilyRow>(c)
        .optional()
        .map_err(repo_error)
}

#[async_trait::async_trait]
impl RefreshTokenRepository for DieselStore {
    async fn start_family(
        &self,
        family: &RefreshFamily,
        first: &RefreshTokenRecord,
    ) -> Result<(), RepoError> {
        let (family, first) = (FamilyRow::from_family(family), TokenRow::from_record(first));
        self.run(move |c| {
            c.transaction(|c| {
                crate::flow_writes::insert_family(c, family)?;
                crate::flow_writes::insert_token(c, first)
            })
            .map_err(repo_error)
        })
        .await
    }

    async fn find(
        &self,
        digest: &RefreshDigest,
    ) -> Result<Option<(RefreshTokenRecord, RefreshFamily)>, RepoError> {
        let digest = digest.to_hex();
        self.run(move |c| {
            let Some(token) = find_token(c, &digest)? else { return Ok(None) };
            let family =
                find_family(c, &token.family_id)?.ok_or_else(|| corrupt("refresh_tokens.family_id"))?;
            Ok(Some((token.into_record()?, family.into_family()?)))
        })
        .await
    }

    async fn find_family(&self, id: RefreshFamilyId) -> Result<Option<RefreshFamily>, RepoError> {
        let id = id.to_string();
        self.run(move |c| find_family(c, &id)?.map(FamilyRow::into_family).transpose()).await
    }

    async fn rotate(
        &self,
        old: &RefreshDigest,
        successor: &RefreshTokenRecord,
        now: OffsetDateTime,
    ) -> Result<Rotation, RepoError> {
        let (old, successor) = (old.to_hex(), TokenRow::from_record(successor));
        self.run(move |c| {
            let family = crate::refresh_rotation::rotate(c, &old, successor, now).map_err(repo_error)?;
            Ok(match family {
                None => Rotation::Unknown,
                Some((true, _)) => Rotation::Rotated,
                Some((false, family)) => Rotation::Reused(
                    RefreshFamilyId::parse(&family).ok_or_else(|| corrupt("refresh_tokens.family_id"))?,
                ),
            })
        })
        .await
    }

    async fn bind_sender_key(&self, family: RefreshFamilyId, key: &JwkThumbprint) -> Result<bool, RepoError> {
        let (id, key) = (family.to_string(), key.as_str().to_owned());
        self.run(move |c| {
            // One conditional write: an unbound family takes the key, a
            // family bound to it already counts too, another key's does not.
            let bound = diesel::update(
                refresh_families::table
                    .filter(refresh_families::id.eq(&id))
                    .filter(refresh_families::dpop_jkt.is_null().or(refresh_families::dpop_jkt.eq(&key))),
            )
            .set(refresh_families::dpop_jkt.eq(&key))
            .execute(c)
            .map_err(repo_error)?;
            Ok(bound == 1)
        })
        .await
    }

    async fn revoke_family(&self, family: RefreshFamilyId, now: OffsetDateTime) -> Result<bool, RepoError> {
        let id = family.to_string();
        self.run(move |c| {
            diesel::update(
                refresh_families::table
                    .filter(refresh_families::id.eq(id))
                    .filter(refresh_families::revoked_at.is_null()),
            )
            .set(refresh_families::revoked_at.eq(Some(now.unix_timestamp())))
            .execute(c)
            .map(|changed| changed == 1)
            .map_err(repo_error)
        })
        .await
    }

    async fn revoke_for_code(&self, code: &CodeDigest, now: OffsetDateTime) -> Result<u64, RepoError> {
        let code = code.to_hex();
        self.run(move |c| {
            let revoked = diesel::update(
                refresh_families::table
                    .filter(refresh_families::code_digest.eq(code))
                    .filter(refresh_families::revoked_at.is_null()),
            )
            .set(refresh_families::revoked_at.eq(Some(now.unix_timestamp())))
            .execute(c)
            .map_err(repo_error)?;
            Ok(revoked as u64)
        })
        .await
    }

    async fn purge_expired(&self, now: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        let (now, limit) = (now.unix_timestamp(), i64::from(limit));
        self.run(move |c| {
            c.transaction(|c| {
                let dead: Vec<String> = refresh_families::table
                    .filter(refresh_families::expires_at.le(now))
                    .select(refresh_families::id)
                    .limit(limit)
                    .load(c)?;
                // The families go first and take their tokens along (`ON
                // DELETE CASCADE`): a rotation locks the family, then the
                // token (`refresh_rotation.rs`), and locking in the other
                // order here could deadlock with it on PostgreSQL.
                let families =
                    diesel::delete(refresh_families::table.filter(refresh_families::id.eq_any(&dead)))
                        .execute(c)?;
                Ok(families as u64)
            })
            .map_err(repo_error)
        })
        .await
    }
}
