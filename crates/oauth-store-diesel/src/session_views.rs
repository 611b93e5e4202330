//! `SessionViews` on Diesel: the session, its user and their consent to the
//! client in one statement, on either backend.

use diesel::QueryableByName;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use oauth_core::RepoError;
use oauth_core::client::ClientId;
use oauth_core::ports::{SessionView, SessionViews};
use oauth_core::session::SessionDigest;

use crate::consents::scopes_of;
use crate::error::repo_error;
use crate::fixed_statement::{Bind, Fixed, FixedSql};
use crate::grant_store::{JoinedUser, user_columns};
use crate::sessions::SessionRow;
use crate::store::DieselStore;

/// Session `?` with its user and their consent to client `?`.
struct SessionWithOwner;
impl FixedSql for SessionWithOwner {
    const SQL: &'static str = concat!(
        "SELECT s.id, s.digest, s.user_id, s.auth_time, s.created_at, s.expires_at, ",
        user_columns!(),
        ", g.scopes AS granted \
         FROM sessions s LEFT JOIN users u ON u.id = s.user_id \
         LEFT JOIN consents g ON g.user_id = s.user_id AND g.client_id = ? \
         WHERE s.digest = ?"
    );
}

#[derive(QueryableByName)]
struct ViewRow {
    #[diesel(embed)]
    session: SessionRow,
    #[diesel(embed)]
    user: JoinedUser,
    #[diesel(sql_type = Nullable<Text>)]
    granted: Option<String>,
}

#[async_trait::async_trait]
impl SessionViews for DieselStore {
    async fn find_view(
        &self,
        digest: &SessionDigest,
        client: &ClientId,
    ) -> Result<Option<SessionView>, RepoError> {
        let (digest, client) = (digest.to_hex(), client.as_str().to_owned());
        self.run(move |c| {
            let row: Option<ViewRow> =
                Fixed::<SessionWithOwner>::new(vec![Bind::Text(client), Bind::Text(digest)])
                    .get_result(c)
                    .optional()
                    .map_err(repo_error)?;
            row.map(|ViewRow { session, user, granted }| {
                Ok(SessionView {
                    session: session.into_session()?,
                    user: user.into_user()?,
                    granted: scopes_of(granted.as_deref())?,
                })
            })
            .transpose()
        })
        .await
    }
}
