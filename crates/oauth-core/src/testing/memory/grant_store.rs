//! `GrantStore` in memory: the fine-grained repositories' steps, one after
//! another, each atomic under the store's lock as their contracts ask.

use time::OffsetDateTime;

use super::InMemoryStore;
use crate::code::CodeDigest;
use crate::error::RepoError;
use crate::ports::{GrantStore, Issued, Redemption, RefreshState, in_steps};
use crate::refresh::RefreshDigest;

#[async_trait::async_trait]
impl GrantStore for InMemoryStore {
    async fn redeem(&self, digest: &CodeDigest, now: OffsetDateTime) -> Result<Redemption, RepoError> {
        in_steps::redeem(self, self, digest, now).await
    }

    async fn record_issued(&self, issued: Issued<'_>) -> Result<bool, RepoError> {
        in_steps::record_issued(self, self, issued).await
    }

    async fn find_refresh(&self, digest: &RefreshDigest) -> Result<Option<RefreshState>, RepoError> {
        in_steps::find_refresh(self, self, digest).await
    }
}
