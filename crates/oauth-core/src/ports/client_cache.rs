//! Copies of clients kept in this process's memory, in front of the store.

use time::OffsetDateTime;

use crate::client::{Client, ClientId};

/// A read-through cache of clients, consulted only by
/// [`ClientDirectory`](crate::service::client_directory::ClientDirectory),
/// which decides when a copy may be used (to accept, never to refuse).
///
/// Contract:
/// - `get` answers only with a copy put at most the cache's time-to-live
///   before `now`; a `now` earlier than the copy's `read_at` (a clock that
///   went back) is a miss, never a longer hit;
/// - `put` stamps the copy with `read_at`, the time its store read began, so
///   a copy is never trusted longer than the time-to-live after that read;
/// - `forget` drops the copy of `id`, if any;
/// - a cache may keep fewer copies than it was given (a bound, a time-to-live
///   of zero), never a copy it was not given.
///
/// Synchronous: a copy in memory is the point, and the time comes from the
/// directory's clock, so an implementation needs no I/O and no clock.
pub trait ClientCache: Send + Sync {
    /// The copy of the client with this id, if one is held and still fresh at `now`.
    fn get(&self, id: &ClientId, now: OffsetDateTime) -> Option<Client>;

    /// Keeps `client`, as read from the store by a read that began at `read_at`.
    fn put(&self, client: Client, read_at: OffsetDateTime);

    /// Drops the copy of the client with this id.
    fn forget(&self, id: &ClientId);
}
