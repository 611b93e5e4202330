//! End-to-end tests: the real server on a random port with a temporary
//! database, and the real `auth-server` binary, spoken to over HTTP and argv.
//! One test binary, one module per feature.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

mod audit;
mod authorize_browser;
mod authorize_errors;
mod authorize_flow;
mod authorize_login;
mod bench_flow_driver;
mod clients_cli;
mod discovery_keys;
mod discovery_metadata;
mod flow;
#[path = "../../examples/flow_driver.rs"]
mod flow_driver;
mod foundation_cli;
mod foundation_config;
mod foundation_http;
mod helpers;
mod token;
mod token_errors;
mod token_grants;
mod token_read_caches;
mod userinfo_endpoint;
mod userinfo_introspection;
mod userinfo_logout;
mod userinfo_revocation;
#[path = "../../examples/verify_token.rs"]
mod verify_token;
