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
use crate::grant_store::{JoinedUser, USER_COLUMNS};
use crate::sessions::SessionRow;
use crate::store::DieselStore;

/// A session with its user and their consent to client `$2`. The session is
/// chosen in a subquery so that `$1` comes first in the text, as SQLite's
/// numbering of `$n` parameters needs (see `grant_store`).
fn session_view() -> String {
    format!(
        "SELECT s.id, s.digest, s.user_id, s.auth_time, s.created_at, s.expires_at, {USER_COLUMNS}, \
         g.scopes AS granted \
         FROM (SELECT * FROM sessions WHERE digest = $1) s LEFT JOIN users u ON u.id = s.user_id \
         LEFT JOIN consents g ON g.user_id = s.user_id AND g.client_id = $2"
    )
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
            let row: Option<ViewRow> = diesel::sql_query(session_view())
                .bind::<Text, _>(digest)
                .bind::<Text, _>(client)
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
