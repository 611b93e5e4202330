//! The readiness probe: a round trip to the database.

use diesel::connection::SimpleConnection;
use oauth_core::RepoError;
use oauth_core::ports::ReadinessProbe;

use crate::error::repo_error;
use crate::store::DieselStore;

#[async_trait::async_trait]
impl ReadinessProbe for DieselStore {
    async fn check(&self) -> Result<(), RepoError> {
        let sqlite_file = self.url().sqlite_path().map(std::path::Path::to_owned);
        // The file check is a filesystem call: it runs with the query, off the async workers.
        self.run(move |connection| {
            // SECURITY: an SQLite connection keeps working on a file that was deleted
            // or moved away, silently writing to an orphan that vanishes on restart.
            // Treat a missing file as "not ready" so that an operator notices.
            if let Some(path) = sqlite_file
                && !path.exists()
            {
                return Err(RepoError::Unavailable(format!("SQLite file {} is gone", path.display()).into()));
            }
            connection.batch_execute("SELECT 1").map_err(repo_error)
        })
        .await
    }
}
