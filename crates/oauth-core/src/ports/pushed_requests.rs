//! Storage of pushed authorization requests (RFC 9126).

use time::OffsetDateTime;

use crate::client::ClientId;
use crate::error::RepoError;
use crate::pushed_request::{PushedRequest, PushedRequestDigest};

/// Persistence of pushed requests.
///
/// Contract (checked for every adapter by
/// `testing::contract::pushed_requests`):
/// - `take` returns the request with this digest and deletes it, only if
///   it was pushed by `client` and is live at `now`; of any number of
///   concurrent takes of one request at most one gets it (RFC 9126 §4:
///   one use); a take that does not get it changes nothing, so another
///   client's attempt does not spend it;
/// - `purge_expired` deletes at most `limit` requests expired before
///   `before`;
/// - deleting the client deletes its requests;
/// - only the digest of a `request_uri` is stored, never the URI.
#[async_trait::async_trait]
pub trait PushedRequestRepository: Send + Sync {
    /// Stores a pushed request.
    async fn insert(&self, request: &PushedRequest) -> Result<(), RepoError>;

    /// The request, taken for good, if `client` pushed it and it is live.
    async fn take(
        &self,
        digest: &PushedRequestDigest,
        client: &ClientId,
        now: OffsetDateTime,
    ) -> Result<Option<PushedRequest>, RepoError>;

    /// Deletes at most `limit` requests expired before `before`; how many.
    async fn purge_expired(&self, before: OffsetDateTime, limit: u32) -> Result<u64, RepoError>;
}
