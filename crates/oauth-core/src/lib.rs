//! ManuMu Auth's domain: the rules of OAuth 2.1 and OpenID Connect, the
//! use-case services that apply them, and the ports through which they reach
//! storage, time, randomness and cryptography.
//!
//! This crate performs no I/O and knows no web framework, database or runtime:
//! adapters implement its ports, and `auth-server` wires them together.

#![deny(missing_docs)]

pub mod address;
pub mod authorization_request;
pub mod client;
pub mod client_assertion;
pub mod client_auth;
pub mod client_registration;
pub mod code;
pub mod consent;
pub mod device_authorization;
pub mod digest;
pub mod discovery;
pub mod dpop;
pub mod error;
pub mod granted_app;
pub mod metadata_document;
pub mod one_time_id;
pub mod origin;
pub mod password;
pub mod pending;
pub mod pkce;
pub mod ports;
pub mod pushed_request;
mod random_id;
pub mod redirect_uri;
pub mod refresh;
pub mod registration_token;
pub mod request_params;
pub mod resource;
pub mod scope;
pub mod security_event;
pub mod service;
pub mod session;
pub mod signing_key;
pub mod throttle;
pub mod token;
pub mod user;

#[cfg(any(test, feature = "test-support"))]
pub mod testing;

pub use error::{OAuthError, RepoError};
