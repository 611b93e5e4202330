//! Use-case services: each holds the ports it needs and returns outcomes, never HTTP.

pub mod audit;
pub mod authorize;
pub mod client_authentication;
pub mod client_directory;
pub mod clients;
pub mod cors;
pub mod device_authorization;
pub mod dpop;
#[cfg(test)]
mod endpoint_harness;
pub mod introspection;
pub mod key_ring;
pub mod live_token;
pub mod logout;
pub mod mint;
pub mod pushed_authorization;
mod quota;
pub mod registration;
pub mod registration_tokens;
pub mod resource_targets;
pub mod resources;
pub mod retention;
pub mod revocation;
pub mod token;
pub mod token_endpoints;
pub mod userinfo;
pub mod users;

/// Runs `purge`, one bounded batch, until a batch removes nothing; returns
/// the rows removed. Each batch is its own statement, so none holds a lock
/// for long, and a backlog of any size is gone in one sweep. The caller fixes
/// the cut-off once, so rows that expire meanwhile wait for the next sweep
/// and the loop ends.
pub(crate) async fn drain<E, F, Fut>(mut purge: F) -> Result<u64, E>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<u64, E>>,
{
    let mut removed = 0;
    loop {
        match purge().await? {
            0 => return Ok(removed),
            batch => removed += batch,
        }
    }
}
