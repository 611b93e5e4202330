//! `UserRepository` on Diesel.

use diesel::prelude::*;
use oauth_core::RepoError;
use oauth_core::password::PasswordHash;
use oauth_core::ports::{SignedOut, UserPage, UserRepository};
use oauth_core::user::{DisplayName, Email, User, UserId};
use time::OffsetDateTime;

use crate::connection::AnyConnection;
use crate::convert::{corrupt, expect_one, from_epoch};
use crate::error::repo_error;
use crate::schema::{authorization_codes, pending_authorizations, refresh_families, sessions, users};
use crate::store::DieselStore;

/// A `users` row, in the order of [`user_columns!`].
pub(crate) type UserRow = (String, String, bool, String, String, bool, i64, i64, Option<i64>);

/// The columns of a `User`, listed as a tuple because `as_returning` /
/// `as_select` do not compile on a `MultiConnection`, whose backend is
/// chosen at run time.
macro_rules! user_columns {
    () => {
        (
            users::id,
            users::email,
            users::email_verified,
            users::display_name,
            users::password_hash,
            users::disabled,
            users::created_at,
            users::updated_at,
            users::signed_out_at,
        )
    };
}

type UsersQuery = users::BoxedQuery<'static, <AnyConnection as diesel::Connection>::Backend>;

/// The one user `query` selects, if any.
fn find_user(connection: &mut AnyConnection, query: UsersQuery) -> Result<Option<User>, RepoError> {
    query
        .select(user_columns!())
        .get_result::<UserRow>(connection)
        .optional()
        .map_err(repo_error)?
        .map(from_row)
        .transpose()
}

pub(crate) fn from_row(row: UserRow) -> Result<User, RepoError> {
    let (
        id,
        email,
        email_verified,
        display_name,
        password_hash,
        disabled,
        created_at,
        updated_at,
        signed_out_at,
    ) = row;
    let corrupt = |what: &str| corrupt(&format!("users.{what}"));
    Ok(User {
        id: UserId::parse(&id).map_err(|_| corrupt("id"))?,
        email: Email::parse(&email).map_err(|_| corrupt("email"))?,
        email_verified,
        display_name: DisplayName::parse(&display_name).map_err(|_| corrupt("display_name"))?,
        password_hash: PasswordHash::new(password_hash),
        disabled,
        created_at: from_epoch(created_at).ok_or_else(|| corrupt("created_at"))?,
        updated_at: from_epoch(updated_at).ok_or_else(|| corrupt("updated_at"))?,
        signed_out_at: match signed_out_at {
            Some(at) => Some(from_epoch(at).ok_or_else(|| corrupt("signed_out_at"))?),
            None => None,
        },
    })
}

#[async_trait::async_trait]
impl UserRepository for DieselStore {
    async fn insert(&self, user: &User) -> Result<(), RepoError> {
        let values = (
            users::id.eq(user.id.to_string()),
            users::email.eq(user.email.as_str().to_owned()),
            users::email_key.eq(user.email.key().to_owned()),
            users::email_verified.eq(user.email_verified),
            users::display_name.eq(user.display_name.as_str().to_owned()),
            users::password_hash.eq(user.password_hash.as_str().to_owned()),
            users::disabled.eq(user.disabled),
            users::created_at.eq(user.created_at.unix_timestamp()),
            users::updated_at.eq(user.updated_at.unix_timestamp()),
            users::signed_out_at.eq(user.signed_out_at.map(OffsetDateTime::unix_timestamp)),
        );
        self.run(move |c| {
            diesel::insert_into(users::table).values(values).execute(c).map(drop).map_err(repo_error)
        })
        .await
    }

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, RepoError> {
        let key = email.key().to_owned();
        self.run(move |c| find_user(c, users::table.filter(users::email_key.eq(key)).into_boxed())).await
    }

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepoError> {
        let id = id.to_string();
        self.run(move |c| find_user(c, users::table.find(id).into_boxed())).await
    }

    async fn list(&self, page: &UserPage) -> Result<Vec<User>, RepoError> {
        let after = page.after.clone();
        let limit = i64::from(page.limit);
        self.run(move |c| {
            let mut query =
                users::table.select(user_columns!()).order(users::email_key.asc()).limit(limit).into_boxed();
            if let Some(after) = after {
                query = query.filter(users::email_key.gt(after));
            }
            query.load::<UserRow>(c).map_err(repo_error)?.into_iter().map(from_row).collect()
        })
        .await
    }

    async fn set_disabled(&self, id: UserId, disabled: bool, now: OffsetDateTime) -> Result<(), RepoError> {
        let id = id.to_string();
        self.run(move |c| {
            diesel::update(users::table.find(id))
                .set((users::disabled.eq(disabled), users::updated_at.eq(now.unix_timestamp())))
                .execute(c)
                .map_err(repo_error)
                .and_then(expect_one)
        })
        .await
    }

    async fn set_password_hash(
        &self,
        id: UserId,
        hash: &PasswordHash,
        now: OffsetDateTime,
    ) -> Result<(), RepoError> {
        let id = id.to_string();
        let hash = hash.as_str().to_owned();
        self.run(move |c| {
            diesel::update(users::table.find(id))
                .set((users::password_hash.eq(hash), users::updated_at.eq(now.unix_timestamp())))
                .execute(c)
                .map_err(repo_error)
                .and_then(expect_one)
        })
        .await
    }

    async fn sign_out_everywhere(&self, id: UserId, now: OffsetDateTime) -> Result<SignedOut, RepoError> {
        let id = id.to_string();
        let at = now.unix_timestamp();
        self.run(move |c| {
            c.transaction(|c| {
                // A write first: on SQLite the transaction then holds the write
                // lock before it reads (a read-then-write transaction cannot
                // wait for the lock and fails at once when another writes).
                let touched =
                    diesel::update(users::table.find(&id)).set(users::updated_at.eq(at)).execute(c)?;
                if touched != 1 {
                    return Ok(None);
                }
                let earlier: Option<i64> =
                    users::table.find(&id).select(users::signed_out_at).get_result(c)?;
                let stamp = oauth_core::user::next_sign_out_stamp(earlier, at);
                diesel::update(users::table.find(&id))
                    .set(users::signed_out_at.eq(Some(stamp)))
                    .execute(c)?;
                // Codes not yet exchanged go too (spent ones stay, for replay
                // detection): their logins are over.
                diesel::delete(
                    authorization_codes::table
                        .filter(authorization_codes::user_id.eq(&id))
                        .filter(authorization_codes::consumed_at.is_null()),
                )
                .execute(c)?;
                let ended: Vec<String> =
                    sessions::table.filter(sessions::user_id.eq(&id)).select(sessions::id).load(c)?;
                diesel::delete(
                    pending_authorizations::table.filter(pending_authorizations::session_id.eq_any(&ended)),
                )
                .execute(c)?;
                let sessions =
                    diesel::delete(sessions::table.filter(sessions::id.eq_any(&ended))).execute(c)?;
                let families = diesel::update(
                    refresh_families::table
                        .filter(refresh_families::user_id.eq(&id))
                        .filter(refresh_families::revoked_at.is_null()),
                )
                .set(refresh_families::revoked_at.eq(Some(at)))
                .execute(c)?;
                Ok(Some(SignedOut { sessions: sessions as u64, families: families as u64 }))
            })
            .map_err(repo_error)?
            .ok_or(RepoError::NotFound)
        })
        .await
    }
}
