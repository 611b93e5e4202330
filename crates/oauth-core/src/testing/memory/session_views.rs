//! `SessionViews` in memory: the repositories' reads, one after another.

use super::InMemoryStore;
use crate::client::ClientId;
use crate::error::RepoError;
use crate::ports::{SessionView, SessionViews, view_in_steps};
use crate::session::SessionDigest;

#[async_trait::async_trait]
impl SessionViews for InMemoryStore {
    async fn find_view(
        &self,
        digest: &SessionDigest,
        client: &ClientId,
    ) -> Result<Option<SessionView>, RepoError> {
        view_in_steps(self, self, self, digest, client).await
    }
}
