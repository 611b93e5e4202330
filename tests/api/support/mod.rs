//! What the feature suites share, and nothing they test: the app in this
//! process, the binary, the seeded user and client, a scripted browser, the
//! token endpoint requests, and the two examples the suite runs.

pub mod app;
pub mod binary;
pub mod browser;
pub mod seed;
pub mod token;

/// The benchmark's flow driver (`scripts/bench.sh`), run by `bench_flow_driver`.
#[path = "../../../examples/flow_driver.rs"]
pub mod flow_driver;
/// The resource server's verification (docs/VERIFYING_TOKENS.md), run by `discovery_keys`.
#[path = "../../../examples/verify_token.rs"]
pub mod verify_token;
