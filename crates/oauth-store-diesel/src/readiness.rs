//! The readiness probe: a round trip to the database.

use diesel::connection::SimpleConnection;
use oauth_core::RepoError;
use oauth_core::ports::ReadinessProbe;

use crate::error::repo_error;
use crate::store::DieselStore;

#[async_trait::async_trait]
impl ReadinessProbe for DieselStore {
    async fn check(&self) -> Result<(), RepoError> {
        // SECURITY: an SQLite connection keeps working on a file that was deleted
        // or moved away, silently writing to an orphan that vanishes on restart.
        // Treat a missing file as "not ready" so that an operator notices.
        if let Some(path) = self.url().sqlite_path()
            && !path.exists()
        {
            return Err(RepoError::Unavailable(format!("SQLite file {} is gone", path.display()).into()));
        }
        self.run(|connection| connection.batch_execute("SELECT 1").map_err(repo_error)).await
    }
}
