//! `CodeRepository` on Diesel.

use diesel::prelude::*;
use oauth_core::RepoError;
use oauth_core::client::ClientId;
use oauth_core::code::{AuthorizationCode, CodeDigest, Consumed};
use oauth_core::dpop::JwkThumbprint;
use oauth_core::pkce::CodeChallenge;
use oauth_core::ports::CodeRepository;
use oauth_core::resource::ResourceUri;
use oauth_core::scope::ScopeName;
use oauth_core::user::UserId;
use time::OffsetDateTime;

use crate::connection::AnyConnection;
use crate::convert::{corrupt, from_epoch, join, split};
use crate::error::repo_error;
use crate::fixed_statement::Bind;
use crate::schema::authorization_codes;
use crate::store::DieselStore;

/// An `authorization_codes` row, as inserted (`crate::flow_writes`) and as read back (without `consumed_at`).
#[derive(Queryable, QueryableByName)]
#[diesel(table_name = authorization_codes)]
pub(crate) struct CodeRow {
    digest: String,
    client_id: String,
    user_id: String,
    redirect_uri: String,
    redirect_uri_sent: bool,
    scopes: String,
    nonce: Option<String>,
    code_challenge: Option<String>,
    auth_time: i64,
    issued_at: i64,
    expires_at: i64,
    resources: String,
    dpop_jkt: Option<String>,
}

/// The columns of a [`CodeRow`] (`as_select` does not compile on a
/// `MultiConnection`, whose backend is chosen at run time).
macro_rules! code_columns {
    () => {
        (
            authorization_codes::digest,
            authorization_codes::client_id,
            authorization_codes::user_id,
            authorization_codes::redirect_uri,
            authorization_codes::redirect_uri_sent,
            authorization_codes::scopes,
            authorization_codes::nonce,
            authorization_codes::code_challenge,
            authorization_codes::auth_time,
            authorization_codes::issued_at,
            authorization_codes::expires_at,
            authorization_codes::resources,
            authorization_codes::dpop_jkt,
        )
    };
}

impl CodeRow {
    fn from_code(code: &AuthorizationCode) -> Self {
        Self {
            digest: code.digest.to_hex(),
            client_id: code.client_id.as_str().to_owned(),
            user_id: code.user_id.to_string(),
            redirect_uri: code.redirect_uri.clone(),
            redirect_uri_sent: code.redirect_uri_sent,
            scopes: join(code.scopes.iter().map(ScopeName::as_str)),
            nonce: code.nonce.clone(),
            code_challenge: code.code_challenge.as_ref().map(|c| c.as_str().to_owned()),
            auth_time: code.auth_time.unix_timestamp(),
            issued_at: code.issued_at.unix_timestamp(),
            expires_at: code.expires_at.unix_timestamp(),
            resources: join(code.resources.iter().map(ResourceUri::as_str)),
            dpop_jkt: code.dpop_jkt.as_ref().map(|key| key.as_str().to_owned()),
        }
    }

    /// The values of this code's insert, in the order of its columns.
    pub(crate) fn into_binds(self) -> [Bind; 13] {
        [
            Bind::Text(self.digest),
            Bind::Text(self.client_id),
            Bind::Text(self.user_id),
            Bind::Text(self.redirect_uri),
            Bind::Bool(self.redirect_uri_sent),
            Bind::Text(self.scopes),
            Bind::NullableText(self.nonce),
            Bind::NullableText(self.code_challenge),
            Bind::BigInt(self.auth_time),
            Bind::BigInt(self.issued_at),
            Bind::BigInt(self.expires_at),
            Bind::Text(self.resources),
            Bind::NullableText(self.dpop_jkt),
        ]
    }

    pub(crate) fn into_code(self) -> Result<AuthorizationCode, RepoError> {
        let time = |seconds: i64, column: &str| from_epoch(seconds).ok_or_else(|| corrupt(column));
        Ok(AuthorizationCode {
            resources: split(&self.resources)
                .map(|r| ResourceUri::parse(r).map_err(|_| corrupt("authorization_codes.resources")))
                .collect::<Result<_, _>>()?,
            digest: CodeDigest::from_hex(&self.digest)
                .ok_or_else(|| corrupt("authorization_codes.digest"))?,
            client_id: ClientId::parse(&self.client_id)
                .map_err(|_| corrupt("authorization_codes.client_id"))?,
            user_id: UserId::parse(&self.user_id).map_err(|_| corrupt("authorization_codes.user_id"))?,
            redirect_uri: self.redirect_uri,
            redirect_uri_sent: self.redirect_uri_sent,
            scopes: split(&self.scopes)
                .map(|s| ScopeName::parse(s).map_err(|_| corrupt("authorization_codes.scopes")))
                .collect::<Result<_, _>>()?,
            nonce: self.nonce,
            code_challenge: self.code_challenge.map(CodeChallenge::from_stored),
            auth_time: time(self.auth_time, "authorization_codes.auth_time")?,
            issued_at: time(self.issued_at, "authorization_codes.issued_at")?,
            expires_at: time(self.expires_at, "authorization_codes.expires_at")?,
            dpop_jkt: self
                .dpop_jkt
                .map(|key| JwkThumbprint::parse(&key).ok_or_else(|| corrupt("authorization_codes.dpop_jkt")))
                .transpose()?,
        })
    }
}

fn find(c: &mut AnyConnection, digest: &str) -> Result<Option<AuthorizationCode>, RepoError> {
    authorization_codes::table
        .find(digest)
        .select(code_columns!())
        .get_result::<CodeRow>(c)
        .optional()
        .map_err(repo_error)?
        .map(CodeRow::into_code)
        .transpose()
}

#[async_trait::async_trait]
impl CodeRepository for DieselStore {
    async fn insert(&self, code: &AuthorizationCode) -> Result<(), RepoError> {
        let row = CodeRow::from_code(code);
        self.run(move |c| crate::flow_writes::insert_code(c, row).map_err(repo_error)).await
    }

    async fn consume(&self, digest: &CodeDigest, now: OffsetDateTime) -> Result<Consumed, RepoError> {
        let digest = digest.to_hex();
        self.run(move |c| {
            let won = crate::flow_writes::consume_code_once(c, &digest, now.unix_timestamp())
                .map_err(repo_error)?;
            Ok(match (won, find(c, &digest)?) {
                (true, Some(code)) => Consumed::Now(code),
                (_, Some(code)) => Consumed::Already(code),
                (_, None) => Consumed::Unknown,
            })
        })
        .await
    }

    async fn mark_replayed(&self, digest: &CodeDigest, now: OffsetDateTime) -> Result<(), RepoError> {
        let digest = digest.to_hex();
        self.run(move |c| {
            diesel::update(authorization_codes::table.find(digest))
                .set(authorization_codes::replayed_at.eq(Some(now.unix_timestamp())))
                .execute(c)
                .map(drop)
                .map_err(repo_error)
        })
        .await
    }

    async fn record_access_token(&self, digest: &CodeDigest, jti: &str) -> Result<bool, RepoError> {
        let (digest, jti) = (digest.to_hex(), jti.to_owned());
        self.run(move |c| {
            // The write first, then the read, in one transaction: a replay
            // marks first and reads the jti after, so one of the two sees the
            // other (on SQLite the UPDATE also takes the write lock first).
            c.transaction(|c| {
                diesel::update(authorization_codes::table.find(&digest))
                    .set(authorization_codes::access_jti.eq(Some(jti)))
                    .execute(c)?;
                let mark: Option<Option<i64>> = authorization_codes::table
                    .find(&digest)
                    .select(authorization_codes::replayed_at)
                    .get_result(c)
                    .optional()?;
                Ok(mark.flatten().is_some())
            })
            .map_err(repo_error)
        })
        .await
    }

    async fn access_token_of(&self, digest: &CodeDigest) -> Result<Option<String>, RepoError> {
        let digest = digest.to_hex();
        self.run(move |c| {
            let jti: Option<Option<String>> = authorization_codes::table
                .find(digest)
                .select(authorization_codes::access_jti)
                .get_result(c)
                .optional()
                .map_err(repo_error)?;
            Ok(jti.flatten())
        })
        .await
    }

    async fn purge_expired(&self, now: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        let limit = i64::from(limit);
        self.run(move |c| {
            // Select a bounded batch, then delete it: expired codes are dead, so
            // nothing changes between the two statements that matters.
            let batch: Vec<String> = authorization_codes::table
                .filter(authorization_codes::expires_at.le(now.unix_timestamp()))
                .select(authorization_codes::digest)
                .limit(limit)
                .load(c)
                .map_err(repo_error)?;
            let deleted =
                diesel::delete(authorization_codes::table.filter(authorization_codes::digest.eq_any(batch)))
                    .execute(c)
                    .map_err(repo_error)?;
            Ok(deleted as u64)
        })
        .await
    }
}
