//! `/logout`: ends the browser session. The record is deleted, so every
//! instance stops honouring the cookie at once.

use super::LogoutService;
use crate::service::authorize::PageError;
use crate::service::authorize::live_session;
use crate::session::{csrf_matches, csrf_token};

/// Who is signed in, and the CSRF token of the sign-out form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInAs {
    /// The user's address, as shown on the page.
    pub email: String,
    /// The CSRF token the sign-out form carries.
    pub csrf: String,
}

impl LogoutService {
    /// The signed-in user of this browser, for the sign-out page.
    pub async fn signed_in_as(&self, cookie: Option<&str>) -> Result<Option<SignedInAs>, PageError> {
        let now = self.now();
        let Some((session, secret)) = live_session(self.ports.sessions.as_ref(), cookie, now).await? else {
            return Ok(None);
        };
        let Some(login) = session.login else { return Ok(None) };
        let user = self.ports.users.find_by_id(login.user_id).await?;
        Ok(user.map(|user| SignedInAs { email: user.email.as_str().to_owned(), csrf: csrf_token(secret) }))
    }

    /// Ends the session. `Ok(false)` when there was none to end.
    #[tracing::instrument(skip_all)]
    pub async fn logout(&self, cookie: Option<&str>, csrf: &str) -> Result<bool, PageError> {
        let now = self.now();
        let Some((session, secret)) = live_session(self.ports.sessions.as_ref(), cookie, now).await? else {
            return Ok(false);
        };
        if !csrf_matches(secret, csrf) {
            tracing::warn!(event = "csrf_rejected", "logout refused: CSRF token missing or wrong");
            return Err(PageError::Forbidden);
        }
        self.ports.sessions.delete(session.id).await?;
        tracing::info!(event = "logout", user_id = ?session.login.map(|l| l.user_id));
        Ok(true)
    }
}
