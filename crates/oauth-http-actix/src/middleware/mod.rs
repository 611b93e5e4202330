//! Cross-cutting request handling.

pub(crate) mod request_id;
pub(crate) mod security_headers;
pub(crate) mod trace_context;
