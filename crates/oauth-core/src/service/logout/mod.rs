//! Ending browser sessions: `/logout` (our own sign-out page) and
//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0). A session
//! record is deleted, so every instance stops honouring its cookie at once.
//! Outcomes only; errors are pages ([`PageError`]), never redirects.

mod end_session;
mod sign_out;

use std::sync::Arc;

use time::OffsetDateTime;

use crate::ports::{ClientRepository, Clock, SessionRepository, TokenVerifier, UserRepository};
use crate::service::client_directory::ClientDirectory;

pub use end_session::{EndSession, EndSessionParams};
pub use sign_out::SignedInAs;

/// The repositories logout reads and writes.
#[derive(Clone)]
pub struct LogoutPorts {
    /// Found by cookie, deleted at logout.
    pub sessions: Arc<dyn SessionRepository>,
    /// The signed-in user's address, for the confirmation page.
    pub users: Arc<dyn UserRepository>,
    /// The client a `post_logout_redirect_uri` must be registered on.
    pub clients: ClientDirectory,
}

impl LogoutPorts {
    /// Every repository from one store (the usual case: one database).
    pub fn over<S>(store: &Arc<S>) -> Self
    where
        S: SessionRepository + UserRepository + ClientRepository + 'static,
    {
        Self {
            sessions: store.clone(),
            users: store.clone(),
            clients: ClientDirectory::uncached(store.clone()),
        }
    }
}

impl std::fmt::Debug for LogoutPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogoutPorts").finish_non_exhaustive()
    }
}

/// Sign-out and RP-initiated logout, over their ports.
pub struct LogoutService {
    ports: LogoutPorts,
    /// Checks `id_token_hint` at RP-initiated logout.
    verifier: Arc<dyn TokenVerifier>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for LogoutService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogoutService").finish_non_exhaustive()
    }
}

impl LogoutService {
    /// A service over `ports`; `verifier` checks the ID tokens clients send as hints.
    pub fn new(ports: LogoutPorts, verifier: Arc<dyn TokenVerifier>, clock: Arc<dyn Clock>) -> Self {
        Self { ports, verifier, clock }
    }

    fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }
}

#[cfg(test)]
mod tests;
