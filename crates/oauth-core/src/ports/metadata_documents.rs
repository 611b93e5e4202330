//! Client ID metadata documents, fetched from the network.

use crate::metadata_document::{ClientDocument, DocumentUrl};

/// Why no valid document came back. The reason is a fixed word, for logs
/// and security events; the text says more and is safe to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentRefused {
    /// The host is, or resolves to, an address we never fetch from.
    #[error("the document's host is not allowed: {0}")]
    Address(String),
    /// A 3xx answer: redirects are never followed (CIMD §5).
    #[error("the document server answered with a redirect ({0})")]
    Redirect(u16),
    /// Any other answer but 200 (CIMD §5).
    #[error("the document server answered with status {0}")]
    Status(u16),
    /// The body is over the size limit (CIMD §6.6).
    #[error("the document is larger than {0} bytes")]
    TooLarge(usize),
    /// The connection or the whole fetch took too long.
    #[error("the document did not arrive in time")]
    Timeout,
    /// Not a JSON object, or a member failed a check (CIMD §4.1).
    #[error("the document is not valid: {0}")]
    Invalid(String),
    /// Too many fetches are under way: refused at once rather than queued.
    #[error("too many document fetches are under way")]
    Busy,
    /// The host could not be reached (name, connection, TLS).
    #[error("the document could not be fetched: {0}")]
    Unreachable(String),
}

impl DocumentRefused {
    /// A fixed word for the reason, for logs and security events.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Address(_) => "address",
            Self::Redirect(_) => "redirect",
            Self::Status(_) => "status",
            Self::TooLarge(_) => "size",
            Self::Timeout => "time",
            Self::Invalid(_) => "invalid",
            Self::Busy => "busy",
            Self::Unreachable(_) => "unreachable",
        }
    }
}

/// The documents at client id URLs, validated.
///
/// Contract:
/// - answers only with a document that passed
///   [`ClientDocument::validate`] for exactly `url`;
/// - may answer from a copy within the document's cache lifetime, never
///   from a refused fetch or an invalid document (CIMD §4.4);
/// - bounded: fetches only what an outbound policy allows, limited in size
///   and time, and keeps a bounded number of copies.
#[async_trait::async_trait]
pub trait MetadataDocuments: Send + Sync {
    /// The valid document at `url`.
    async fn document(&self, url: &DocumentUrl) -> Result<ClientDocument, DocumentRefused>;
}
