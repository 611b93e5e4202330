//! Fetches one JSON document (a client metadata document, or a key set a
//! client publishes at its `jwks_uri`), guarded (docs/SECURITY.md §
//! Outbound fetches): only URLs their core types admit; public addresses
//! only, checked after resolution and dialled as checked; no redirect
//! followed; no proxy; a size limit read as the bytes arrive; a connect
//! timeout and a deadline for the whole fetch.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use oauth_core::metadata_document::{ClientDocument, DocumentFields, DocumentUrl};
use oauth_core::ports::DocumentRefused;
use reqwest::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use url::{Host, Url};

use super::checked_resolver::{CheckedResolver, HostLookup, RefusedAddress};
use oauth_core::address::is_public;

/// The limits of a fetch.
#[derive(Debug, Clone, Copy)]
pub struct FetchLimits {
    /// The most bytes of body read (CIMD §6.6 recommends 5 KB).
    pub max_bytes: usize,
    /// To open the connection, TLS included.
    pub connect_timeout: Duration,
    /// For the whole fetch, body included, so a trickling server fails.
    pub deadline: Duration,
    /// Development only (CIMD §8.6): `http` on the loopback literals.
    pub allow_http_loopback: bool,
}

/// A valid document and what its server said about caching it.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The document, checked.
    pub document: ClientDocument,
    /// The `Cache-Control` header, as sent.
    pub cache_control: Option<String>,
}

impl FetchLimits {
    /// `max_bytes` of body within `deadline`; the connection itself, TLS
    /// included, within two seconds of it at most.
    pub fn new(max_bytes: usize, deadline: Duration, allow_http_loopback: bool) -> Self {
        let connect_timeout = deadline.min(Duration::from_secs(2));
        Self { max_bytes, connect_timeout, deadline, allow_http_loopback }
    }
}

/// A JSON body as received, and what its server said about caching it.
#[derive(Debug, Clone)]
pub struct JsonBody {
    /// At most the fetcher's size limit.
    pub bytes: Vec<u8>,
    /// The `Cache-Control` header, as sent.
    pub cache_control: Option<String>,
}

/// The guarded HTTP client.
#[derive(Debug, Clone)]
pub struct DocumentFetcher {
    client: reqwest::Client,
    limits: FetchLimits,
}

impl DocumentFetcher {
    /// A client resolving names through `lookup`, checked.
    pub fn new(limits: FetchLimits, lookup: Arc<dyn HostLookup>) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(CheckedResolver::new(lookup)))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .https_only(!limits.allow_http_loopback)
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.deadline)
            .user_agent(concat!("ManuMu-Auth/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { client, limits })
    }

    /// Fetches and checks the document at `url`.
    pub async fn fetch(&self, url: &DocumentUrl) -> Result<Fetched, DocumentRefused> {
        let body = self.fetch_json(url.as_str()).await?;
        let fields: DocumentFields = serde_json::from_slice(&body.bytes)
            .map_err(|_| DocumentRefused::Invalid("not a JSON object".into()))?;
        let document =
            ClientDocument::validate(url, fields).map_err(|e| DocumentRefused::Invalid(e.to_string()))?;
        Ok(Fetched { document, cache_control: body.cache_control })
    }

    /// The body of the JSON document at `url`, unread beyond the size
    /// limit: a 200 answer served as JSON, from an allowed address.
    pub async fn fetch_json(&self, url: &str) -> Result<JsonBody, DocumentRefused> {
        let parsed = Url::parse(url).map_err(|e| DocumentRefused::Invalid(e.to_string()))?;
        self.check_literal_host(&parsed)?;
        let mut response = self
            .client
            .get(parsed)
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| refusal(&e))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(DocumentRefused::Redirect(status.as_u16()));
        }
        if status != reqwest::StatusCode::OK {
            return Err(DocumentRefused::Status(status.as_u16()));
        }
        if !is_json(response.headers().get(CONTENT_TYPE)) {
            return Err(DocumentRefused::Invalid("not served as application/json".into()));
        }
        let max = self.limits.max_bytes;
        if response.content_length().is_some_and(|length| length > max as u64) {
            return Err(DocumentRefused::TooLarge(max));
        }
        let cache_control =
            response.headers().get(CACHE_CONTROL).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| refusal(&e))? {
            if bytes.len() + chunk.len() > max {
                return Err(DocumentRefused::TooLarge(max));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(JsonBody { bytes, cache_control })
    }

    /// An IP literal is dialled without a lookup, so it is checked here:
    /// public, or (development switch) plain `http` on loopback.
    fn check_literal_host(&self, url: &Url) -> Result<(), DocumentRefused> {
        let ip = match url.host() {
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
            // Plain http only ever to a loopback literal, whatever URL a
            // caller of this fetcher hands over.
            _ if url.scheme() == "http" => {
                return Err(DocumentRefused::Address("plain http only on 127.0.0.1 and [::1]".into()));
            }
            _ => return Ok(()),
        };
        let development = self.limits.allow_http_loopback && url.scheme() == "http" && ip.is_loopback();
        if is_public(ip) || development {
            Ok(())
        } else {
            Err(DocumentRefused::Address(format!("{ip} is not a public address")))
        }
    }
}

/// Whether the media type is JSON (`application/json`, or a `+json`
/// type), parameters aside: a file host serving arbitrary uploads as text
/// cannot pass one off as a client's document.
fn is_json(content_type: Option<&HeaderValue>) -> bool {
    let Some(media) = content_type.and_then(|v| v.to_str().ok()) else { return false };
    let media = media.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

/// What a failed request means, without its URL (the id is logged beside).
fn refusal(error: &reqwest::Error) -> DocumentRefused {
    if error.is_timeout() {
        return DocumentRefused::Timeout;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<RefusedAddress>() {
            return DocumentRefused::Address(refused.to_string());
        }
        source = cause.source();
    }
    DocumentRefused::Unreachable(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbound::SystemLookup;

    /// The development switch admits plain `http` to the loopback literals
    /// only, whatever URL a caller of the fetcher hands over; the refusal
    /// comes before any lookup or connection.
    #[tokio::test]
    async fn plain_http_is_refused_to_anything_but_a_loopback_literal() {
        let limits = FetchLimits::new(1024, Duration::from_secs(1), true);
        let fetcher = DocumentFetcher::new(limits, Arc::new(SystemLookup)).expect("fetcher");
        for url in
            ["http://docs.example/jwks.json", "http://localhost:9/jwks.json", "http://192.0.2.1/jwks.json"]
        {
            let refused = fetcher.fetch_json(url).await.expect_err(url);
            assert!(matches!(refused, DocumentRefused::Address(_)), "{url}: {refused}");
        }
    }
}
