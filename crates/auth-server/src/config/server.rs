//! The HTTP side: who we are (the issuer), where we listen (and where the
//! metrics listener does, if anywhere), how many workers, how long a
//! shutdown waits, and which proxies may name the client address.

use std::net::{IpAddr, SocketAddr};

use serde::Deserialize;
use url::{Host, Url};

use super::{ConfigError, Duration, positive};

/// Keys of the server section.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ServerSettings {
    pub issuer: String,
    pub bind: String,
    pub http_workers: usize,
    pub shutdown_timeout_secs: Duration,
    /// Addresses of reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<String>,
    /// Where `/metrics` listens; unset, there are no metrics.
    pub metrics_bind: Option<String>,
}

/// The validated server section.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The issuer identifier, exactly as configured (OIDC Discovery §3: no query, no fragment).
    pub issuer: String,
    pub bind: SocketAddr,
    pub http_workers: usize,
    pub shutdown_timeout: Duration,
    pub trusted_proxies: Vec<IpAddr>,
    /// The metrics listener's own address, apart from the public port.
    pub metrics_bind: Option<SocketAddr>,
}

impl ServerSettings {
    pub fn validate(&self) -> Result<ServerConfig, ConfigError> {
        let issuer = validate_issuer(&self.issuer)?;
        let bind = self.bind.parse::<SocketAddr>().map_err(|e| {
            ConfigError::new("bind", format!("{e}; expected HOST:PORT such as 127.0.0.1:8080"))
        })?;
        positive("http_workers", self.http_workers)?;
        // An hour is far beyond any request we serve; larger values would only
        // risk overflowing the shutdown deadline.
        if self.shutdown_timeout_secs.as_secs() > 3600 {
            return Err(ConfigError::new("shutdown_timeout_secs", "must be between 0 and 3600 seconds"));
        }
        let trusted_proxies = self
            .trusted_proxies
            .iter()
            .map(|text| {
                text.parse::<IpAddr>().map_err(|_| {
                    ConfigError::new("trusted_proxies", format!("{text:?} is not an IP address"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let metrics_bind = self.metrics_bind.as_deref().map(|text| metrics_bind(text, bind)).transpose()?;
        Ok(ServerConfig {
            issuer,
            bind,
            http_workers: self.http_workers,
            shutdown_timeout: self.shutdown_timeout_secs,
            trusted_proxies,
            metrics_bind,
        })
    }
}

/// The metrics listener's address. It must differ from `bind`: metrics are
/// for the operator's scraper, never for whoever reaches the public port.
fn metrics_bind(text: &str, bind: SocketAddr) -> Result<SocketAddr, ConfigError> {
    let address = text.parse::<SocketAddr>().map_err(|e| {
        ConfigError::new("metrics_bind", format!("{e}; expected HOST:PORT such as 127.0.0.1:9090"))
    })?;
    if address.port() != 0 && address.port() == bind.port() {
        return Err(ConfigError::new(
            "metrics_bind",
            "must not use the port of bind: metrics stay off the public port",
        ));
    }
    Ok(address)
}

/// OIDC Discovery §3 and RFC 8414 §2: an `https` URL with no query and no
/// fragment. Plain `http` is accepted only on a loopback host, for development.
fn validate_issuer(text: &str) -> Result<String, ConfigError> {
    let fail = |reason: &str| ConfigError::new("issuer", reason);
    let url = Url::parse(text).map_err(|e| ConfigError::new("issuer", format!("not a URL: {e}")))?;
    if url.query().is_some() {
        return Err(fail("must not have a query (OIDC Discovery §3)"));
    }
    if url.fragment().is_some() {
        return Err(fail("must not have a fragment (OIDC Discovery §3)"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(fail("must not carry credentials"));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => return Err(fail("must use https; plain http is allowed only on a loopback host")),
        other => return Err(ConfigError::new("issuer", format!("scheme {other:?} is not http(s)"))),
    }
    if text.ends_with('/') {
        return Err(fail("must not end with '/': endpoint URLs are formed by appending to it"));
    }
    Ok(text.to_owned())
}

/// Whether `url`'s host is this machine: `localhost` or a loopback address.
pub(super) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain == "localhost",
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}
