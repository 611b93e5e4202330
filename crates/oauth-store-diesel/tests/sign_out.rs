//! Signing a user out everywhere on both backends: one transaction over the
//! user, the user's sessions and the user's refresh families.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use oauth_core::testing::contract;
use oauth_store_diesel::testing::TestDatabase;

mod support;
use support::FreshStores;

async fn sign_out_contract(fresh: impl Fn() -> Option<TestDatabase>) {
    let Some(stores) = FreshStores::new(fresh) else { return };
    contract::sign_out::run_all(|| {
        let store = stores.next();
        async move { contract::sign_out::SignOutStores::all_in(store) }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_meets_the_sign_out_contract() {
    sign_out_contract(|| Some(TestDatabase::sqlite())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_meets_the_sign_out_contract() {
    sign_out_contract(|| TestDatabase::postgres("postgres_meets_the_sign_out_contract")).await;
}
