//! Use-case services: each holds the ports it needs and returns outcomes, never HTTP.

pub mod authorize;
pub mod clients;
pub mod token;
pub mod users;
