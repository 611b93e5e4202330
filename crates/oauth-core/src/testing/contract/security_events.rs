//! The `SecurityEventRepository` contract: events come back whole, filtered
//! and in order, and go in bounded batches once past retention.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::sync::Arc;

use time::Duration;
use uuid::Uuid;

use super::contract_suite;
use crate::client::ClientId;
use crate::ports::SecurityEventRepository;
use crate::security_event::{
    ChangeSource, EventDetails, EventFilter, EventKind, RevocationReason, SecurityEvent,
};
use crate::testing::fixtures::T0;
use crate::user::UserId;

contract_suite! {
    on security_events:
    an_event_comes_back_with_every_field,
    events_are_listed_oldest_first_and_filtered,
    a_limit_keeps_the_newest,
    batches_of_any_size_go_in_whole_and_in_order,
    old_events_are_purged_in_bounded_batches,
}

fn user(n: u128) -> UserId {
    UserId::parse(&Uuid::from_u128(n).hyphenated().to_string()).unwrap()
}

fn client(name: &str) -> ClientId {
    ClientId::parse(name).unwrap()
}

fn at(minutes: i64, kind: EventKind) -> SecurityEvent {
    SecurityEvent::new(kind, T0 + Duration::minutes(minutes))
}

/// Every field of a full event survives the round trip.
pub async fn an_event_comes_back_with_every_field(repo: Arc<dyn SecurityEventRepository>) {
    let address: IpAddr = "2001:db8::7".parse().unwrap();
    let event =
        at(0, EventKind::TokensIssued).user(user(1)).client(&client("app")).address(Some(address)).details(
            EventDetails {
                grant: Some("authorization_code".into()),
                client_type: Some("public".into()),
                scope: Some("openid offline_access".into()),
                resources: vec!["https://api.example/".into(), "https://mcp.example/".into()],
                jti: Some("a-jti".into()),
                reason: Some(RevocationReason::Reuse),
                families: Some(2),
                source: Some(ChangeSource::Registration),
                disabled: Some(true),
                kid: Some("k1".into()),
            },
        );
    let bare = at(0, EventKind::KeyRotated);
    repo.append(&[event.clone(), bare.clone()]).await.unwrap();
    assert_eq!(repo.list(&EventFilter::default(), 10).await.unwrap(), [event, bare]);
}

/// Oldest first; every present filter field must match.
pub async fn events_are_listed_oldest_first_and_filtered(repo: Arc<dyn SecurityEventRepository>) {
    let late = at(30, EventKind::LoginFailed).user(user(1));
    let early = at(10, EventKind::LoginSucceeded).user(user(1));
    let other_user = at(20, EventKind::LoginSucceeded).user(user(2));
    let for_client = at(25, EventKind::CodeIssued).user(user(1)).client(&client("app"));
    repo.append(&[late.clone(), early.clone()]).await.unwrap();
    repo.append(&[other_user.clone(), for_client.clone()]).await.unwrap();

    let all = repo.list(&EventFilter::default(), 10).await.unwrap();
    assert_eq!(all, [early.clone(), other_user.clone(), for_client.clone(), late.clone()]);

    let mine = EventFilter { user: Some(user(1)), ..EventFilter::default() };
    assert_eq!(repo.list(&mine, 10).await.unwrap(), [early.clone(), for_client.clone(), late.clone()]);
    let since = EventFilter { since: Some(T0 + Duration::minutes(20)), ..mine.clone() };
    assert_eq!(repo.list(&since, 10).await.unwrap(), [for_client.clone(), late.clone()]);
    let by_kind = EventFilter { kind: Some(EventKind::LoginSucceeded), ..EventFilter::default() };
    assert_eq!(repo.list(&by_kind, 10).await.unwrap(), [early, other_user]);
    let by_client = EventFilter { client: Some(client("app")), ..EventFilter::default() };
    assert_eq!(repo.list(&by_client, 10).await.unwrap(), [for_client]);
    let nobody = EventFilter { client: Some(client("gone")), ..EventFilter::default() };
    assert!(repo.list(&nobody, 10).await.unwrap().is_empty());
}

/// A limit keeps the newest events; at one instant, append order decides.
pub async fn a_limit_keeps_the_newest(repo: Arc<dyn SecurityEventRepository>) {
    let events: Vec<_> = (0..5).map(|n| at(0, EventKind::LoginFailed).user(user(n))).collect();
    repo.append(&events).await.unwrap();
    assert_eq!(repo.list(&EventFilter::default(), 2).await.unwrap(), events[3..]);
}

/// Every batch size up to 40, then one with more values than one SQL
/// statement may bind (SQLite's limit is 32,766, six a row): each goes in
/// whole, in order, after the batches before it.
pub async fn batches_of_any_size_go_in_whole_and_in_order(repo: Arc<dyn SecurityEventRepository>) {
    let mut appended = Vec::new();
    for size in (1..=40).chain([6_000]) {
        let first = appended.len();
        let batch: Vec<_> =
            (first..first + size).map(|n| at(0, EventKind::TokensIssued).user(user(n as u128))).collect();
        repo.append(&batch).await.unwrap();
        appended.extend(batch);
    }
    assert_eq!(repo.list(&EventFilter::default(), 10_000).await.unwrap(), appended);
}

/// Older than the cut-off: purged, at most `limit` a call.
pub async fn old_events_are_purged_in_bounded_batches(repo: Arc<dyn SecurityEventRepository>) {
    let old = [at(0, EventKind::LoginFailed), at(1, EventKind::LoginFailed), at(2, EventKind::LoginFailed)];
    let kept = at(60, EventKind::LoginSucceeded);
    repo.append(&old).await.unwrap();
    repo.append(std::slice::from_ref(&kept)).await.unwrap();
    let cut_off = T0 + Duration::minutes(60);
    assert_eq!(repo.purge_before(cut_off, 2).await.unwrap(), 2);
    assert_eq!(repo.purge_before(cut_off, 10).await.unwrap(), 1);
    assert_eq!(repo.purge_before(cut_off, 10).await.unwrap(), 0);
    assert_eq!(repo.list(&EventFilter::default(), 10).await.unwrap(), [kept]);
}
