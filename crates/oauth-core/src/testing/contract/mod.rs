//! Port contract suites: the promises in each port's documentation, as async
//! test functions that every adapter (in-memory, SQLite, PostgreSQL) runs.

pub mod account_sessions;
pub mod client_registrations;
pub mod clients;
pub mod codes;
pub mod consents;
pub mod device_authorizations;
pub mod document_clients;
pub mod grant_store;
pub mod granted_apps;
pub mod login_attempts;
pub mod one_time_ids;
pub mod pushed_requests;
pub mod refresh_tokens;
pub mod registration_tokens;
pub mod resources;
pub mod revoked_tokens;
pub mod security_events;
pub mod session_views;
pub mod sessions;
pub mod sign_out;
pub mod signing_keys;
mod stores;
pub mod users;

pub use stores::ContractStores;
use stores::contract_suite;

/// Polls every future to completion concurrently, without an executor dependency.
pub(crate) async fn join_all<T, Fut: std::future::Future<Output = T>>(
    futures: impl IntoIterator<Item = Fut>,
) -> Vec<T> {
    let mut pending: Vec<std::pin::Pin<Box<Fut>>> = futures.into_iter().map(Box::pin).collect();
    let mut results: Vec<Option<T>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(move |cx| {
        let mut done = true;
        for (slot, future) in results.iter_mut().zip(pending.iter_mut()) {
            if slot.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *slot = Some(value),
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(results.iter_mut().filter_map(Option::take).collect())
        } else {
            std::task::Poll::Pending
        }
    })
    .await
}
