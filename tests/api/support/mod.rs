//! What the feature suites share, and nothing they test: the app in this
//! process, the binary, the seeded user and client, a scripted browser, the
//! token endpoint requests, the device flow, the exported spans and an OTLP
//! collector, and the three examples the suite runs.

pub mod account;
pub mod app;
pub mod assertions;
pub mod binary;
pub mod browser;
pub mod collector;
pub mod device;
pub mod document_server;
pub mod documents;
pub mod dpop;
pub mod registration;
pub mod seed;
pub mod token;
pub mod traces;

/// The benchmark's flow driver (`scripts/bench.sh`), run by `bench_flow_driver`.
#[path = "../../../examples/flow_driver.rs"]
pub mod flow_driver;
/// An API protected by our tokens (`docs/VERIFYING_TOKENS.md`), run by `resource_server_example`.
#[path = "../../../examples/resource_server.rs"]
pub mod resource_server;
/// The resource server's verification (`docs/VERIFYING_TOKENS.md`), run by
/// `discovery_keys`; the example above compiles it in as its own module.
pub use resource_server::verify_token;
