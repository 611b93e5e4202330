//! The rows of the joined reads, named by column: the code or refresh
//! token, its family, and the user beside them (`LEFT JOIN`, so every user
//! column may be null). User and family columns carry a prefix (`u_`,
//! `f_`) where their names would collide with the token's.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use oauth_core::RepoError;
use oauth_core::refresh::RefreshFamily;
use oauth_core::user::User;

use crate::codes::CodeRow;
use crate::convert::corrupt;
use crate::refresh_tokens::{FamilyRow, TokenRow};

/// A user read through a `LEFT JOIN`: all null when there is none.
#[derive(QueryableByName)]
pub(crate) struct JoinedUser {
    #[diesel(sql_type = Nullable<Text>, column_name = u_id)]
    id: Option<String>,
    #[diesel(sql_type = Nullable<Text>, column_name = u_email)]
    email: Option<String>,
    #[diesel(sql_type = Nullable<Bool>, column_name = u_email_verified)]
    email_verified: Option<bool>,
    #[diesel(sql_type = Nullable<Text>, column_name = u_display_name)]
    display_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>, column_name = u_password_hash)]
    password_hash: Option<String>,
    #[diesel(sql_type = Nullable<Bool>, column_name = u_disabled)]
    disabled: Option<bool>,
    #[diesel(sql_type = Nullable<BigInt>, column_name = u_created_at)]
    created_at: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>, column_name = u_updated_at)]
    updated_at: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>, column_name = u_signed_out_at)]
    signed_out_at: Option<i64>,
}

impl JoinedUser {
    /// The user, `None` when the join found none; a row with an id but a
    /// missing required column is corrupt.
    pub(crate) fn into_user(self) -> Result<Option<User>, RepoError> {
        let Some(id) = self.id else { return Ok(None) };
        let missing = |column: &str| corrupt(&format!("users.{column}"));
        let row = (
            id,
            self.email.ok_or_else(|| missing("email"))?,
            self.email_verified.ok_or_else(|| missing("email_verified"))?,
            self.display_name.ok_or_else(|| missing("display_name"))?,
            self.password_hash.ok_or_else(|| missing("password_hash"))?,
            self.disabled.ok_or_else(|| missing("disabled"))?,
            self.created_at.ok_or_else(|| missing("created_at"))?,
            self.updated_at.ok_or_else(|| missing("updated_at"))?,
            self.signed_out_at,
        );
        crate::users::from_row(row).map(Some)
    }
}

/// A code with its user.
#[derive(QueryableByName)]
pub(super) struct CodeWithUser {
    #[diesel(embed)]
    pub(super) code: CodeRow,
    #[diesel(embed)]
    pub(super) user: JoinedUser,
}

/// A code with its user, and whether this statement consumed it.
#[derive(QueryableByName)]
pub(super) struct Redeemed {
    #[diesel(sql_type = Bool)]
    pub(super) won: bool,
    #[diesel(embed)]
    pub(super) row: CodeWithUser,
}

/// A refresh family read beside one of its tokens.
#[derive(QueryableByName)]
pub(super) struct JoinedFamily {
    #[diesel(sql_type = Text, column_name = f_id)]
    id: String,
    #[diesel(sql_type = Text, column_name = f_client_id)]
    client_id: String,
    #[diesel(sql_type = Text, column_name = f_user_id)]
    user_id: String,
    #[diesel(sql_type = Text, column_name = f_scopes)]
    scopes: String,
    #[diesel(sql_type = BigInt, column_name = f_auth_time)]
    auth_time: i64,
    #[diesel(sql_type = Nullable<Text>, column_name = f_code_digest)]
    code_digest: Option<String>,
    #[diesel(sql_type = BigInt, column_name = f_created_at)]
    created_at: i64,
    #[diesel(sql_type = BigInt, column_name = f_expires_at)]
    expires_at: i64,
    #[diesel(sql_type = Nullable<BigInt>, column_name = f_revoked_at)]
    revoked_at: Option<i64>,
    #[diesel(sql_type = Text, column_name = f_resources)]
    resources: String,
    #[diesel(sql_type = Nullable<Text>, column_name = f_dpop_jkt)]
    dpop_jkt: Option<String>,
}

impl JoinedFamily {
    pub(super) fn into_family(self) -> Result<RefreshFamily, RepoError> {
        FamilyRow {
            id: self.id,
            client_id: self.client_id,
            user_id: self.user_id,
            scopes: self.scopes,
            auth_time: self.auth_time,
            code_digest: self.code_digest,
            created_at: self.created_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
            resources: self.resources,
            dpop_jkt: self.dpop_jkt,
        }
        .into_family()
    }
}

/// A refresh token with its family and their user.
#[derive(QueryableByName)]
pub(super) struct RefreshWithOwner {
    #[diesel(embed)]
    pub(super) token: TokenRow,
    #[diesel(embed)]
    pub(super) family: JoinedFamily,
    #[diesel(embed)]
    pub(super) user: JoinedUser,
}

/// The replay mark `UPDATE … RETURNING` reads back.
#[derive(QueryableByName)]
pub(super) struct ReplayMark {
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(super) replayed_at: Option<i64>,
}
