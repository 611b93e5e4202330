//! The browser flow: the scopes it offers, code and session lifetimes, PKCE,
//! and the limits on failed sign-ins and on new sign-in requests.

use std::collections::BTreeMap;

use oauth_core::authorization_request::AuthorizePolicy;
use oauth_core::code::CodeLifetime;
use oauth_core::scope::ScopeCatalog;
use oauth_core::service::authorize::SignInPolicy;
use oauth_core::session::SessionLifetimes;
use oauth_core::throttle::{AuthorizeQuota, ThrottlePolicy};
use serde::Deserialize;

use super::{ConfigError, Duration, positive};

/// Keys of the sign-in section: the browser flow up to the code.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SignInSettings {
    /// API scopes beyond the OIDC ones: name → plain-words description for the consent page.
    pub api_scopes: BTreeMap<String, String>,
    pub code_lifetime_secs: Duration,
    pub session_lifetime_secs: Duration,
    /// RFC 9700 §2.1.1 recommends PKCE for confidential clients too; this lets them skip it.
    pub insecure_pkce_optional_for_confidential: bool,
    pub login_max_failures: u32,
    pub login_max_failures_per_ip: u32,
    pub login_lockout_secs: Duration,
    /// Sign-in requests (pending requests, anonymous sessions) one address may
    /// store per 10 minutes; past it, `/oauth/authorize` answers 429.
    pub authorize_requests_per_ip: u32,
    /// Only pushed authorization requests (RFC 9126 §5) are accepted.
    pub require_pushed_authorization_requests: bool,
    /// How long a pushed request waits for the browser (RFC 9126 §2.2).
    pub pushed_request_lifetime_secs: Duration,
}

impl SignInSettings {
    /// Every scope the server knows: the OIDC ones and `api_scopes`.
    pub fn scopes(&self) -> Result<ScopeCatalog, ConfigError> {
        ScopeCatalog::new(self.api_scopes.iter().map(|(name, text)| (name.as_str(), text.as_str())))
            .map_err(|e| ConfigError::new("api_scopes", e.to_string()))
    }

    /// Codes, sessions, PKCE and the brute-force guard.
    pub fn policy(&self) -> Result<SignInPolicy, ConfigError> {
        let code_lifetime = CodeLifetime::new(self.code_lifetime_secs.to_time()).ok_or_else(|| {
            ConfigError::new("code_lifetime_secs", "must be between 1 and 600 seconds (RFC 6749 §4.1.2)")
        })?;
        if !(60..=30 * 86_400).contains(&self.session_lifetime_secs.as_secs()) {
            return Err(ConfigError::new("session_lifetime_secs", "must be between 60 seconds and 30 days"));
        }
        positive("login_max_failures", self.login_max_failures)?;
        positive("login_max_failures_per_ip", self.login_max_failures_per_ip)?;
        positive("authorize_requests_per_ip", self.authorize_requests_per_ip)?;
        if !(10..=600).contains(&self.pushed_request_lifetime_secs.as_secs()) {
            return Err(ConfigError::new(
                "pushed_request_lifetime_secs",
                "must be between 10 and 600 seconds",
            ));
        }
        if !(1..=86_400).contains(&self.login_lockout_secs.as_secs()) {
            return Err(ConfigError::new("login_lockout_secs", "must be between 1 and 86400 seconds"));
        }
        Ok(SignInPolicy {
            authorize: AuthorizePolicy {
                allow_confidential_without_pkce: self.insecure_pkce_optional_for_confidential,
            },
            code_lifetime,
            sessions: SessionLifetimes {
                authenticated: self.session_lifetime_secs.to_time(),
                ..SessionLifetimes::default()
            },
            throttle: ThrottlePolicy {
                account_limit: self.login_max_failures,
                ip_limit: self.login_max_failures_per_ip,
                window: self.login_lockout_secs.to_time(),
            },
            quota: AuthorizeQuota {
                per_address: self.authorize_requests_per_ip,
                ..AuthorizeQuota::default()
            },
            require_pushed: self.require_pushed_authorization_requests,
        })
    }
}
