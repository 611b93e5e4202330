//! The browser's session as the authorization endpoint reads it on every
//! request: the session, its signed-in user and what that user granted the
//! client, in one read where the store can.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::client::ClientId;
use crate::error::RepoError;
use crate::ports::{ConsentRepository, SessionRepository, UserRepository};
use crate::scope::ScopeName;
use crate::session::{Session, SessionDigest};
use crate::user::User;

/// A session with what the authorization endpoint decides by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    /// The session, live or not: the caller checks.
    pub session: Session,
    /// The signed-in user, if the session has a login and the user's record
    /// exists, disabled or not: the caller checks.
    pub user: Option<User>,
    /// The scopes that user granted the client; empty without a login.
    pub granted: BTreeSet<ScopeName>,
}

/// Reads [`SessionView`]s.
///
/// Contract (checked for every adapter by `testing::contract::session_views`):
/// the view of a session equals what [`SessionRepository::find`],
/// [`UserRepository::find_by_id`] and [`ConsentRepository::granted`] answer
/// one after another; an unknown digest has none.
#[async_trait::async_trait]
pub trait SessionViews: Send + Sync {
    /// The session with this cookie digest, its user and their consent to `client`.
    async fn find_view(
        &self,
        digest: &SessionDigest,
        client: &ClientId,
    ) -> Result<Option<SessionView>, RepoError>;
}

/// [`SessionViews`] over the fine-grained repositories, one call per step.
pub struct SessionViewsInSteps {
    sessions: Arc<dyn SessionRepository>,
    users: Arc<dyn UserRepository>,
    consents: Arc<dyn ConsentRepository>,
}

impl SessionViewsInSteps {
    /// The steps over one store that implements every repository they use.
    pub fn over<S>(store: &Arc<S>) -> Self
    where
        S: SessionRepository + UserRepository + ConsentRepository + 'static,
    {
        Self { sessions: store.clone(), users: store.clone(), consents: store.clone() }
    }
}

impl std::fmt::Debug for SessionViewsInSteps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionViewsInSteps").finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl SessionViews for SessionViewsInSteps {
    async fn find_view(
        &self,
        digest: &SessionDigest,
        client: &ClientId,
    ) -> Result<Option<SessionView>, RepoError> {
        view_in_steps(self.sessions.as_ref(), self.users.as_ref(), self.consents.as_ref(), digest, client)
            .await
    }
}

/// The view, one repository call after another.
pub(crate) async fn view_in_steps(
    sessions: &dyn SessionRepository,
    users: &dyn UserRepository,
    consents: &dyn ConsentRepository,
    digest: &SessionDigest,
    client: &ClientId,
) -> Result<Option<SessionView>, RepoError> {
    let Some(session) = sessions.find(digest).await? else { return Ok(None) };
    let (user, granted) = match session.login {
        Some(login) => {
            (users.find_by_id(login.user_id).await?, consents.granted(login.user_id, client).await?)
        }
        None => (None, BTreeSet::new()),
    };
    Ok(Some(SessionView { session, user, granted }))
}
