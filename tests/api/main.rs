//! End-to-end tests: the real server on a random port with a temporary
//! database, and the real `auth-server` binary, spoken to over HTTP and argv.
//! One test binary, one module per feature (named for it), and `support` for
//! what they share; a feature module imports from `support` only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

mod account_page;
mod authorize_browser;
mod authorize_concurrent_tabs;
mod authorize_errors;
mod authorize_flow;
mod authorize_form_post;
mod authorize_ignored_params;
mod authorize_login;
mod authorize_request_objects;
mod bench_flow_driver;
mod clients_cli;
mod config_loading;
mod database_cli;
mod device_grant;
mod discovery_issuer;
mod discovery_keys;
mod discovery_metadata;
mod dpop_binding;
mod dpop_proofs;
mod dynamic_registration;
mod dynamic_registration_management;
mod embedding;
#[cfg(unix)]
mod file_permissions;
mod forwarded_headers;
mod health_probes;
mod http_defaults;
mod id_token_claims;
mod introspection_endpoint;
mod log_format;
mod logout_endpoint;
mod logout_redirects;
mod metadata_document_bounds;
mod metadata_document_flow;
mod metrics_endpoint;
mod otlp_traces;
mod otlp_traces_secrets;
mod private_key_jwt;
mod private_key_jwt_uri;
mod pushed_authorization;
mod refresh_token_rules;
mod registration_tokens_cli;
mod repo_audit;
mod resource_binding;
mod resource_server_example;
mod resources_cli;
mod revocation_endpoint;
mod security_event_log;
mod security_event_table;
mod storage_bounds;
mod storage_secrets;
mod support;
mod token_endpoint_rules;
mod token_errors;
mod token_grants;
mod token_read_caches;
mod two_instances;
mod userinfo_endpoint;
mod users_cli;
mod users_sign_out;
