//! Appends BATCHES batches of SIZE security events to a fresh SQLite file
//! through the store, as the server's event writer does, for counting
//! instructions: run it under callgrind with two values of BATCHES and
//! divide the difference of the totals by the difference of the BATCHES
//! (docs/pull-requests/024-event-writes.md § Performance).
//!
//! Usage: `event_appends BATCHES SIZE`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // a measuring tool: a panic is a failed run

use oauth_core::ports::SecurityEventRepository;
use oauth_core::security_event::{EventDetails, EventKind, SecurityEvent};
use oauth_core::testing::fixtures::{self, T0};
use oauth_store_diesel::testing::TestDatabase;
use oauth_store_diesel::{DieselStore, PoolOptions, run_migrations};

fn main() {
    let args: Vec<usize> =
        std::env::args().skip(1).map(|a| a.parse().expect("BATCHES SIZE, two numbers")).collect();
    let [batches, size] = args[..] else { panic!("usage: event_appends BATCHES SIZE") };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let db = TestDatabase::sqlite();
    run_migrations(db.url()).unwrap();
    let store = DieselStore::open(db.url(), &PoolOptions::default()).unwrap();
    // An issuance as a code exchange records it.
    let event = SecurityEvent::new(EventKind::TokensIssued, T0)
        .user(fixtures::user(1, "ada@example.com").id)
        .client(&fixtures::client(1, "Billing", "s").id)
        .details(EventDetails {
            grant: Some("authorization_code".into()),
            client_type: Some("confidential".into()),
            scope: Some("openid api:read".into()),
            jti: Some("0123456789abcdef0123456789abcdef".into()),
            ..EventDetails::default()
        });
    let batch = vec![event; size];
    runtime.block_on(async {
        for _ in 0..batches {
            store.append(&batch).await.unwrap();
        }
    });
}
