//! The `PushedRequestRepository` contract: a pushed request is taken once,
//! only by its client and only while it lives.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use time::Duration;

use super::{ContractStores, contract_suite, join_all};
use crate::authorization_request::AuthorizationParams;
use crate::client::Client;
use crate::pushed_request::{PushedRequest, RequestUri};
use crate::testing::SeqRandom;
use crate::testing::fixtures::{self, T0};

contract_suite! {
    a_request_is_taken_once_by_its_client_while_it_lives,
    sixteen_racing_takes_get_one_request,
    expired_requests_are_purged_in_bounded_batches,
}

fn pushed(n: u64, client: &Client, lifetime: Duration) -> PushedRequest {
    let uri = RequestUri::generate(&SeqRandom::new(n)).unwrap();
    PushedRequest {
        digest: uri.digest(),
        client_id: client.id.clone(),
        params: AuthorizationParams::from_urlencoded(b"response_type=code&client_id=client1&state=s%20t"),
        created_at: T0,
        expires_at: T0 + lifetime,
    }
}

async fn two_clients(stores: &ContractStores) -> (Client, Client) {
    let (own, other) = (fixtures::client(1, "Billing", "s"), fixtures::client(2, "Other", "t"));
    stores.clients.insert(&own).await.unwrap();
    stores.clients.insert(&other).await.unwrap();
    (own, other)
}

/// Another client's take, or one at the expiry, gets nothing and spends
/// nothing; the client's own take gets it once; a deleted client's
/// requests go with it.
pub async fn a_request_is_taken_once_by_its_client_while_it_lives(stores: ContractStores) {
    let (own, other) = two_clients(&stores).await;
    let repo = stores.pushed_requests.clone();
    let request = pushed(1, &own, Duration::seconds(60));
    repo.insert(&request).await.unwrap();
    assert_eq!(repo.take(&request.digest, &other.id, T0).await.unwrap(), None, "another client's");
    assert_eq!(repo.take(&request.digest, &own.id, request.expires_at).await.unwrap(), None, "at its expiry");
    assert_eq!(repo.take(&request.digest, &own.id, T0).await.unwrap(), Some(request.clone()), "intact");
    assert_eq!(repo.take(&request.digest, &own.id, T0).await.unwrap(), None, "once");

    let orphan = pushed(2, &other, Duration::seconds(60));
    repo.insert(&orphan).await.unwrap();
    stores.clients.delete(&other.id).await.unwrap();
    assert_eq!(repo.take(&orphan.digest, &other.id, T0).await.unwrap(), None);
}

/// Sixteen takes of one request race: one gets it.
pub async fn sixteen_racing_takes_get_one_request(stores: ContractStores) {
    let (own, _) = two_clients(&stores).await;
    let repo = stores.pushed_requests.clone();
    let request = pushed(1, &own, Duration::seconds(60));
    repo.insert(&request).await.unwrap();
    let takes = join_all((0..16).map(|_| repo.take(&request.digest, &own.id, T0))).await;
    let won: Vec<PushedRequest> = takes.into_iter().filter_map(Result::unwrap).collect();
    assert_eq!(won, vec![request]);
}

/// Expired before the cut-off: purged, at most `limit` a call.
pub async fn expired_requests_are_purged_in_bounded_batches(stores: ContractStores) {
    let (own, _) = two_clients(&stores).await;
    let repo = stores.pushed_requests.clone();
    let (old, older, live) = (
        pushed(1, &own, Duration::seconds(10)),
        pushed(2, &own, Duration::seconds(20)),
        pushed(3, &own, Duration::hours(1)),
    );
    for request in [&old, &older, &live] {
        repo.insert(request).await.unwrap();
    }
    let cut_off = T0 + Duration::minutes(1);
    assert_eq!(repo.purge_expired(cut_off, 1).await.unwrap(), 1);
    assert_eq!(repo.purge_expired(cut_off, 10).await.unwrap(), 1);
    assert_eq!(repo.purge_expired(cut_off, 10).await.unwrap(), 0);
    assert_eq!(repo.take(&live.digest, &own.id, T0).await.unwrap(), Some(live));
}
