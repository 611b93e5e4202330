//! Which browser origins may read our token-endpoint answers (CORS): the
//! origins registered by clients (`allowed_origins`).

use crate::client::ClientId;
use crate::error::RepoError;
use crate::service::client_directory::ClientDirectory;

/// Answers the CORS look-ups of the token, introspection, revocation and
/// userinfo endpoints.
pub struct CorsService {
    clients: ClientDirectory,
}

impl std::fmt::Debug for CorsService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CorsService").finish_non_exhaustive()
    }
}

impl CorsService {
    /// Looks origins up among the registrations in `clients`.
    pub fn new(clients: ClientDirectory) -> Self {
        Self { clients }
    }

    /// Whether some client may call us from `origin` (a CORS preflight names
    /// no client, so any client's registration admits the origin; the actual
    /// response is then allowed only for the authenticated client's origins).
    pub async fn origin_registered(&self, origin: &str) -> Result<bool, RepoError> {
        let clients = self.clients.list().await?;
        Ok(clients.iter().any(|client| client.allows_origin(origin)))
    }

    /// Whether the client named `client_id` registered `origin`: lets a browser
    /// client read our error answers too (authenticated or not, an error body
    /// holds nothing the client did not send).
    pub async fn origin_allowed_for(&self, client_id: &str, origin: &str) -> bool {
        let Ok(id) = ClientId::parse(client_id) else { return false };
        let allowed = self.clients.find_accepted(&id, |client| client.allows_origin(origin));
        matches!(allowed.await, Ok(Some(_)))
    }
}
