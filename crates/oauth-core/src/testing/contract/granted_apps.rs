//! The `GrantedAppRepository` contract: the account page's list of apps,
//! and revoking one across consents, codes, device approvals and families.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use time::Duration;

use super::device_authorizations::pending;
use super::{ContractStores, contract_suite};
use crate::client::Client;
use crate::code::{AuthorizationCode, CodeDigest, Consumed};
use crate::device_authorization::DeviceDecision;
use crate::granted_app::RevokedApp;
use crate::resource::ResourceUri;
use crate::scope::ScopeName;
use crate::security_event::{EventKind, SecurityEvent};
use crate::testing::fixtures::{self, T0};
use crate::user::User;

contract_suite! {
    lists_consents_and_family_holders_once_with_their_last_use,
    revoking_takes_back_everything_of_that_pair_only,
    the_revocation_time_never_moves_back,
    the_list_is_bounded,
}

/// Ada, Bob and two clients (the fixture client `Billing` is the first).
async fn people_and_apps(stores: &ContractStores) -> (User, User, Client, Client) {
    let (ada, bob) = (fixtures::user(1, "ada@example.com"), fixtures::user(2, "bob@example.com"));
    let (billing, calendar) = (fixtures::client(1, "Billing", "s"), fixtures::client(2, "Calendar", "s"));
    for user in [&ada, &bob] {
        stores.users.insert(user).await.unwrap();
    }
    for client in [&billing, &calendar] {
        stores.clients.insert(client).await.unwrap();
    }
    (ada, bob, billing, calendar)
}

fn scopes(names: &[&str]) -> BTreeSet<ScopeName> {
    names.iter().map(|name| ScopeName::parse(name).unwrap()).collect()
}

fn api() -> BTreeSet<ResourceUri> {
    BTreeSet::from([ResourceUri::parse("https://api.example.com/").unwrap()])
}

fn code_for(user: &User, client: &Client, name: &str) -> AuthorizationCode {
    AuthorizationCode {
        user_id: user.id,
        client_id: client.id.clone(),
        ..super::codes::code(name, Duration::seconds(60))
    }
}

/// A consent shows with its scopes, APIs and time; a client that skips
/// consent shows because it holds a live family; a revoked or expired
/// family alone shows nothing; the last use is the latest issuance to that
/// pair; Bob's grants stay out of Ada's list.
pub async fn lists_consents_and_family_holders_once_with_their_last_use(stores: ContractStores) {
    let (ada, bob, billing, calendar) = people_and_apps(&stores).await;
    let granted_at = T0 + Duration::seconds(5);
    stores.consents.grant(ada.id, &calendar.id, &scopes(&["openid", "email"]), granted_at).await.unwrap();
    stores.consents.grant_resources(ada.id, &calendar.id, &api(), granted_at).await.unwrap();
    stores.consents.grant(bob.id, &billing.id, &scopes(&["openid"]), granted_at).await.unwrap();
    // Billing (the fixture family's client) holds a family of Ada's and one of Bob's.
    for (n, user) in [(1, &ada), (2, &bob)] {
        let (family, first) = fixtures::refresh_family(n, user.id, None);
        stores.refresh.start_family(&family, &first).await.unwrap();
    }
    let issued = |at, user: &User, client: &Client| {
        SecurityEvent::new(EventKind::TokensIssued, at).user(user.id).client(&client.id)
    };
    let used_at = T0 + Duration::seconds(40);
    stores
        .security_events
        .append(&[
            issued(T0 + Duration::seconds(10), &ada, &billing),
            issued(used_at, &ada, &billing),
            issued(T0 + Duration::seconds(50), &bob, &billing),
            SecurityEvent::new(EventKind::LoginSucceeded, T0 + Duration::seconds(60)).user(ada.id),
        ])
        .await
        .unwrap();

    let now = T0 + Duration::minutes(1);
    let apps = stores.granted_apps.granted_apps(ada.id, now, 10).await.unwrap();
    let ids: Vec<_> = apps.iter().map(|app| app.client_id.clone()).collect();
    let mut expected = vec![billing.id.clone(), calendar.id.clone()];
    expected.sort();
    assert_eq!(ids, expected, "each app once, by client id");
    let by_id = |client: &Client| apps.iter().find(|app| app.client_id == client.id).unwrap();
    let calendar_app = by_id(&calendar);
    assert_eq!(calendar_app.scopes, scopes(&["openid", "email"]));
    assert_eq!(calendar_app.resources, api());
    assert_eq!(calendar_app.granted_at, Some(granted_at));
    assert_eq!(calendar_app.last_used_at, None, "never used");
    let billing_app = by_id(&billing);
    assert!(billing_app.scopes.is_empty() && billing_app.granted_at.is_none(), "no consent, a family");
    assert_eq!(billing_app.last_used_at, Some(used_at), "Ada's latest issuance, not Bob's");

    // Once Ada's family is revoked, Billing holds nothing of hers.
    stores.refresh.revoke_family(fixtures::refresh_family(1, ada.id, None).0.id, now).await.unwrap();
    let apps = stores.granted_apps.granted_apps(ada.id, now, 10).await.unwrap();
    assert_eq!(apps.iter().map(|app| app.client_id.clone()).collect::<Vec<_>>(), vec![calendar.id.clone()]);
    // An expired family shows nothing either.
    let bobs = stores.granted_apps.granted_apps(bob.id, T0 + Duration::days(31), 10).await.unwrap();
    assert_eq!(bobs.len(), 1, "Bob's consent to Billing, not his expired family");
    assert_eq!(bobs[0].scopes, scopes(&["openid"]));
}

/// Revoking Ada's Billing: her consent, her live code (a spent one stays),
/// her device approval and her families go; Bob's, and Ada's Calendar, stay.
pub async fn revoking_takes_back_everything_of_that_pair_only(stores: ContractStores) {
    let (ada, bob, billing, calendar) = people_and_apps(&stores).await;
    for (user, client) in [(&ada, &billing), (&ada, &calendar), (&bob, &billing)] {
        stores.consents.grant(user.id, &client.id, &scopes(&["openid"]), T0).await.unwrap();
        stores.consents.grant_resources(user.id, &client.id, &api(), T0).await.unwrap();
    }
    let codes = [
        code_for(&ada, &billing, "ada-billing-live"),
        code_for(&ada, &billing, "ada-billing-spent"),
        code_for(&ada, &calendar, "ada-calendar"),
        code_for(&bob, &billing, "bob-billing"),
    ];
    for code in &codes {
        stores.codes.insert(code).await.unwrap();
    }
    assert!(matches!(stores.codes.consume(&codes[1].digest, T0).await.unwrap(), Consumed::Now(_)));
    let mut devices = Vec::new();
    for (n, user) in [(1, &ada), (2, &bob)] {
        let device = pending(n, &billing, Duration::minutes(10));
        stores.device_authorizations.insert(&device).await.unwrap();
        let approved = DeviceDecision::Approved { user_id: user.id, auth_time: T0 };
        assert!(stores.device_authorizations.decide(&device.user_code, approved, T0).await.unwrap());
        devices.push(device);
    }
    let ada_family = fixtures::refresh_family(1, ada.id, None);
    let bob_family = fixtures::refresh_family(2, bob.id, None);
    for (family, first) in [&ada_family, &bob_family] {
        stores.refresh.start_family(family, first).await.unwrap();
    }

    let now = T0 + Duration::seconds(30);
    let revoked = stores.granted_apps.revoke_app(ada.id, &billing.id, now).await.unwrap();
    assert_eq!(revoked, RevokedApp { consent: true, families: 1 });

    assert!(stores.consents.granted(ada.id, &billing.id).await.unwrap().is_empty());
    assert!(stores.consents.granted_resources(ada.id, &billing.id).await.unwrap().is_empty());
    assert!(!stores.consents.granted(ada.id, &calendar.id).await.unwrap().is_empty(), "her other app");
    assert!(!stores.consents.granted(bob.id, &billing.id).await.unwrap().is_empty(), "Bob's grant");
    let later = now + Duration::seconds(1);
    let consumed = |digest: CodeDigest| {
        let codes = stores.codes.clone();
        async move { codes.consume(&digest, later).await.unwrap() }
    };
    assert_eq!(consumed(codes[0].digest.clone()).await, Consumed::Unknown, "her live code went");
    assert!(matches!(consumed(codes[1].digest.clone()).await, Consumed::Already(_)), "spent stays");
    assert!(matches!(consumed(codes[2].digest.clone()).await, Consumed::Now(_)), "her Calendar code");
    assert!(matches!(consumed(codes[3].digest.clone()).await, Consumed::Now(_)), "Bob's code");
    let redeemed = |n: usize| stores.device_authorizations.redeem(&devices[n].device_code, later);
    assert!(redeemed(0).await.unwrap().is_none(), "her approval went");
    assert!(redeemed(1).await.unwrap().is_some(), "Bob's approval stays");
    let family = |id| stores.refresh.find_family(id);
    assert_eq!(family(ada_family.0.id).await.unwrap().unwrap().revoked_at, Some(now));
    assert_eq!(family(bob_family.0.id).await.unwrap().unwrap().revoked_at, None);
    assert_eq!(stores.granted_apps.app_revoked_at(ada.id, &billing.id).await.unwrap(), Some(now));
    assert_eq!(stores.granted_apps.app_revoked_at(bob.id, &billing.id).await.unwrap(), None);
    assert_eq!(stores.granted_apps.app_revoked_at(ada.id, &calendar.id).await.unwrap(), None);

    // Again: nothing left to take, and the time is recorded all the same.
    let again = stores.granted_apps.revoke_app(ada.id, &billing.id, later).await.unwrap();
    assert_eq!(again, RevokedApp::default());
    assert_eq!(stores.granted_apps.app_revoked_at(ada.id, &billing.id).await.unwrap(), Some(later));
}

/// A revocation stamped earlier (another host's clock) keeps the later
/// time, and the time outlives its client: tokens the first one killed stay
/// dead.
pub async fn the_revocation_time_never_moves_back(stores: ContractStores) {
    let (ada, _, billing, _) = people_and_apps(&stores).await;
    let first = T0 + Duration::seconds(60);
    stores.granted_apps.revoke_app(ada.id, &billing.id, first).await.unwrap();
    stores.granted_apps.revoke_app(ada.id, &billing.id, first - Duration::seconds(10)).await.unwrap();
    assert_eq!(stores.granted_apps.app_revoked_at(ada.id, &billing.id).await.unwrap(), Some(first));
    // It outlives the client: one deleted and made again under the same id
    // must not bring back tokens the revocation ended.
    stores.clients.delete(&billing.id).await.unwrap();
    assert_eq!(stores.granted_apps.app_revoked_at(ada.id, &billing.id).await.unwrap(), Some(first));
}

/// No more apps than asked for are read.
pub async fn the_list_is_bounded(stores: ContractStores) {
    let (ada, _, billing, calendar) = people_and_apps(&stores).await;
    for client in [&billing, &calendar] {
        stores.consents.grant(ada.id, &client.id, &scopes(&["openid"]), T0).await.unwrap();
    }
    assert_eq!(stores.granted_apps.granted_apps(ada.id, T0, 1).await.unwrap().len(), 1);
}
