//! `/logout`: ends the browser session. The record is deleted, so every
//! instance stops honouring the cookie at once.

use super::{AuthorizeService, FlowError};
use crate::session::{csrf_matches, csrf_token};

/// Who is signed in, and the CSRF token of the sign-out form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInAs {
    pub email: String,
    pub csrf: String,
}

impl AuthorizeService {
    /// The signed-in user of this browser, for the sign-out page.
    pub async fn signed_in_as(&self, cookie: Option<&str>) -> Result<Option<SignedInAs>, FlowError> {
        let now = self.now();
        let Some((session, secret)) = self.live_session_with_cookie(cookie, now).await? else {
            return Ok(None);
        };
        let Some(login) = session.login else { return Ok(None) };
        let user = self.ports.users.find_by_id(login.user_id).await?;
        Ok(user.map(|user| SignedInAs { email: user.email.as_str().to_owned(), csrf: csrf_token(secret) }))
    }

    /// Ends the session. `Ok(false)` when there was none to end.
    #[tracing::instrument(skip_all)]
    pub async fn logout(&self, cookie: Option<&str>, csrf: &str) -> Result<bool, FlowError> {
        let now = self.now();
        let Some((session, secret)) = self.live_session_with_cookie(cookie, now).await? else {
            return Ok(false);
        };
        if !csrf_matches(secret, csrf) {
            tracing::warn!(event = "csrf_rejected", "logout refused: CSRF token missing or wrong");
            return Err(FlowError::Forbidden);
        }
        self.ports.sessions.delete(session.id).await?;
        tracing::info!(event = "logout", user_id = ?session.login.map(|l| l.user_id));
        Ok(true)
    }
}
