//! The `ConsentRepository` contract.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use super::{ContractStores, contract_suite};
use crate::resource::ResourceUri;
use crate::scope::ScopeName;
use crate::testing::fixtures::{self, T0};

contract_suite! {
    grants_accumulate_per_user_and_client,
    revoke_forgets_only_that_pair,
    resources_accumulate_per_pair_and_go_with_a_revoke,
}

fn scopes(names: &[&str]) -> BTreeSet<ScopeName> {
    names.iter().map(|n| ScopeName::parse(n).unwrap()).collect()
}

/// Nothing is granted until it is; later grants add to earlier ones.
pub async fn grants_accumulate_per_user_and_client(stores: ContractStores) {
    let (client, other_client) = (fixtures::client(1, "Billing", "s"), fixtures::client(2, "Other", "t"));
    let user = fixtures::user(1, "ada@example.com");
    stores.clients.insert(&client).await.unwrap();
    stores.clients.insert(&other_client).await.unwrap();
    stores.users.insert(&user).await.unwrap();
    assert!(stores.consents.granted(user.id, &client.id).await.unwrap().is_empty());
    stores.consents.grant(user.id, &client.id, &scopes(&["openid", "email"]), T0).await.unwrap();
    stores.consents.grant(user.id, &client.id, &scopes(&["openid", "profile"]), T0).await.unwrap();
    assert_eq!(
        stores.consents.granted(user.id, &client.id).await.unwrap(),
        scopes(&["email", "openid", "profile"])
    );
    assert!(stores.consents.granted(user.id, &other_client.id).await.unwrap().is_empty(), "per client");
}

/// Revoking forgets one pair and leaves the others.
pub async fn revoke_forgets_only_that_pair(stores: ContractStores) {
    let (client, other_client) = (fixtures::client(1, "Billing", "s"), fixtures::client(2, "Other", "t"));
    let (ada, bob) = (fixtures::user(1, "ada@example.com"), fixtures::user(2, "bob@example.com"));
    stores.clients.insert(&client).await.unwrap();
    stores.clients.insert(&other_client).await.unwrap();
    stores.users.insert(&ada).await.unwrap();
    stores.users.insert(&bob).await.unwrap();
    for (user, target) in [(ada.id, &client.id), (ada.id, &other_client.id), (bob.id, &client.id)] {
        stores.consents.grant(user, target, &scopes(&["openid"]), T0).await.unwrap();
    }
    stores.consents.revoke(ada.id, &client.id).await.unwrap();
    assert!(stores.consents.granted(ada.id, &client.id).await.unwrap().is_empty());
    assert_eq!(stores.consents.granted(ada.id, &other_client.id).await.unwrap(), scopes(&["openid"]));
    assert_eq!(stores.consents.granted(bob.id, &client.id).await.unwrap(), scopes(&["openid"]));
    stores.consents.revoke(ada.id, &client.id).await.unwrap();
}

/// Resources are granted like scopes: per pair, a union, forgotten by `revoke`.
pub async fn resources_accumulate_per_pair_and_go_with_a_revoke(stores: ContractStores) {
    let uris = |list: &[&str]| -> BTreeSet<ResourceUri> {
        list.iter().map(|u| ResourceUri::parse(u).unwrap()).collect()
    };
    let (client, other_client) = (fixtures::client(1, "Billing", "s"), fixtures::client(2, "Other", "t"));
    let user = fixtures::user(1, "ada@example.com");
    stores.clients.insert(&client).await.unwrap();
    stores.clients.insert(&other_client).await.unwrap();
    stores.users.insert(&user).await.unwrap();
    assert!(stores.consents.granted_resources(user.id, &client.id).await.unwrap().is_empty());
    let (calendar, payroll) = ("https://calendar.example.com/", "https://payroll.example.com");
    stores.consents.grant_resources(user.id, &client.id, &uris(&[calendar]), T0).await.unwrap();
    stores.consents.grant_resources(user.id, &client.id, &uris(&[calendar, payroll]), T0).await.unwrap();
    stores.consents.grant(user.id, &client.id, &scopes(&["openid"]), T0).await.unwrap();
    assert_eq!(
        stores.consents.granted_resources(user.id, &client.id).await.unwrap(),
        uris(&[calendar, payroll])
    );
    assert!(
        stores.consents.granted_resources(user.id, &other_client.id).await.unwrap().is_empty(),
        "per client"
    );
    stores.consents.revoke(user.id, &client.id).await.unwrap();
    assert!(stores.consents.granted_resources(user.id, &client.id).await.unwrap().is_empty());
    assert!(stores.consents.granted(user.id, &client.id).await.unwrap().is_empty());
}
