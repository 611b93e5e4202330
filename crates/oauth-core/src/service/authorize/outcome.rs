//! What the flow answers: pages to render, redirects to send, and the errors
//! that must stay on our own pages.

use secrecy::SecretString;

use crate::authorization_request::{AuthorizationRequest, RedirectError, Untrusted};
use crate::client::{Client, ClientId};
use crate::code::CodeValue;
use crate::error::RepoError;
use crate::ports::{HashError, RandomUnavailable};
use crate::redirect_uri::RedirectUri;
use crate::scope::ScopeName;
use crate::session::SessionSecret;

/// An outcome, and the new session cookie to set with it, if one was created.
#[derive(Debug)]
pub struct Answer<T> {
    /// The page or redirect to answer with.
    pub outcome: T,
    /// A session created by this request: its cookie must be set.
    pub new_session: Option<SessionSecret>,
}

impl<T> Answer<T> {
    pub(super) fn keep_session(outcome: T) -> Self {
        Self { outcome, new_session: None }
    }
}

/// The answer to the client at its redirect URI.
#[derive(Debug)]
pub enum AuthorizationResponse {
    /// RFC 6749 §4.1.2 (the HTTP layer adds `iss`, RFC 9207).
    Code {
        /// Where to send the browser: the request's redirect URI.
        redirect_uri: String,
        /// The one-time authorization code.
        code: CodeValue,
        /// The request's `state`, echoed as sent.
        state: Option<String>,
    },
    /// RFC 6749 §4.1.2.1.
    Error(RedirectError),
}

/// What a login or consent form carries, besides its own fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interaction {
    /// The pending authorization's handle.
    pub pending: String,
    /// Lets a "start again" page link back to the client after the pending request is gone.
    pub client_id: ClientId,
    /// The client's display name, shown on the page.
    pub client_name: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// What the page must say about who the client is.
    pub notice: ClientNotice,
}

impl Interaction {
    /// The forms' common part for `request`, parked under `pending`.
    pub(super) fn for_request(pending: String, request: &AuthorizationRequest, csrf: String) -> Self {
        let target = &request.target;
        Self {
            pending,
            client_id: target.client.id.clone(),
            client_name: target.client.metadata.name.clone(),
            csrf,
            notice: ClientNotice::for_client(&target.client, &target.redirect_uri),
        }
    }
}

/// Why the login form is shown again. One message for every bad credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginFailure {
    /// SECURITY: unknown user, wrong password and disabled user look the same.
    InvalidCredentials,
    /// Too many failures for this account from this address, or for this
    /// address: refused even with the right password.
    Throttled,
}

/// The login page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginPage {
    /// The pending request and the session's CSRF token.
    pub interaction: Interaction,
    /// Pre-filled: `login_hint`, or what was typed last time.
    pub username: Option<String>,
    /// Why the form is shown again, if it is.
    pub failure: Option<LoginFailure>,
}

/// One requested scope on the consent page, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeLine {
    /// The scope's name as requested.
    pub name: ScopeName,
    /// What the scope lets the client do, in plain words.
    pub description: String,
    /// Not granted to this client before.
    pub is_new: bool,
}

/// The consent page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentPage {
    /// The pending request and the session's CSRF token.
    pub interaction: Interaction,
    /// Who is consenting (their email).
    pub user: String,
    /// The requested scopes, in plain words.
    pub scopes: Vec<ScopeLine>,
    /// The APIs (RFC 8707 resources) the client asks to use on the user's behalf.
    pub apis: Vec<ApiLine>,
}

/// Who the client is, as far as the server knows: a self-asserted client
/// (a metadata document's) is marked unverified and named by the host that
/// serves its document, above the name it gives itself (CIMD §6.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientNotice {
    /// No operator vouched for the client: its name is its own claim.
    pub unverified: bool,
    /// The host serving the client's metadata document, if it has one.
    pub document_host: Option<String>,
    /// The host the browser returns to with the code.
    pub redirect_host: String,
    /// Every redirect URI is on a loopback address: any program on the
    /// user's machine could receive the code (MCP 2025-11-25, "Localhost
    /// Redirect URI Risks").
    pub loopback_only: bool,
}

impl ClientNotice {
    /// What the pages say of `client`, sending the browser to `redirect_uri`.
    pub fn for_client(client: &Client, redirect_uri: &str) -> Self {
        use crate::metadata_document::host_of;
        let unverified = !client.origin.is_registered();
        Self {
            unverified,
            document_host: client.id.is_url().then(|| host_of(client.id.as_str()).unwrap_or_default()),
            redirect_host: host_of(redirect_uri).unwrap_or_default(),
            loopback_only: unverified && client.metadata.redirect_uris.iter().all(RedirectUri::is_loopback),
        }
    }
}

/// One requested API on the consent page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiLine {
    /// Its display name.
    pub name: String,
    /// Its URI, as registered.
    pub uri: String,
    /// Not granted to this client before.
    pub is_new: bool,
}

/// What `/oauth/authorize` does.
#[derive(Debug)]
pub enum AuthorizeOutcome {
    /// Ask the user to sign in.
    Login(LoginPage),
    /// Ask the user to consent to the client's scopes.
    Consent(ConsentPage),
    /// Answer the client at its redirect URI.
    Redirect(AuthorizationResponse),
}

/// The login form as posted.
#[derive(Debug)]
pub struct LoginForm {
    /// The pending authorization's handle.
    pub pending: String,
    /// The client the form was shown for.
    pub client_id: String,
    /// The CSRF token the form carried.
    pub csrf: String,
    /// What the user typed as their username (their email).
    pub username: String,
    /// The password as typed; never logged.
    pub password: SecretString,
    /// The client's address, for the per-address counter.
    pub address: String,
}

impl LoginForm {
    /// The form of `page` as a browser posts it back, with what the user typed.
    pub fn answering(page: &LoginPage, username: &str, password: &str, address: &str) -> Self {
        Self {
            pending: page.interaction.pending.clone(),
            client_id: page.interaction.client_id.to_string(),
            csrf: page.interaction.csrf.clone(),
            username: username.into(),
            password: password.into(),
            address: address.into(),
        }
    }
}

/// Where a signed-in user goes next.
#[derive(Debug)]
pub enum Next {
    /// The consent page of this pending authorization.
    Consent {
        /// The pending authorization's handle.
        pending: String,
        /// The client asking for consent.
        client_id: ClientId,
    },
    /// Answer the client at its redirect URI.
    Redirect(AuthorizationResponse),
}

/// What a login attempt did.
#[derive(Debug)]
pub enum LoginOutcome {
    /// Signed in: set the new cookie (the old one no longer works) and go on.
    SignedIn {
        /// The new session's cookie value.
        session: SessionSecret,
        /// Where the user goes now.
        next: Next,
    },
    /// Show the form again with the failure.
    Refused(LoginPage),
    /// The client changed meanwhile so that the request now fails: tell it.
    Answered(AuthorizationResponse),
}

/// The user's answer on the consent page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Grant the requested scopes.
    Approve,
    /// Refuse: the client gets `access_denied`.
    Deny,
}

impl Decision {
    /// `approve` or `deny`, the values of the page's `decision` buttons.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "approve" => Some(Self::Approve),
            "deny" => Some(Self::Deny),
            _ => None,
        }
    }
}

/// The "start again" page: where to go back to, if the client is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartAgain {
    /// The client's display name, if the client is known.
    pub client_name: Option<String>,
    /// The origin of the client's first web redirect URI: its site.
    pub back_to: Option<String>,
}

impl StartAgain {
    pub(super) fn for_client(client: Option<&Client>) -> Self {
        // A self-asserted client's name and redirect URIs are its own claim:
        // our page does not repeat them to a visitor nobody checked.
        let Some(client) = client.filter(|c| c.origin.is_registered()) else {
            return Self { client_name: None, back_to: None };
        };
        let back_to = client
            .metadata
            .redirect_uris
            .iter()
            .filter_map(|uri| url::Url::parse(uri.as_str()).ok())
            .find(|url| matches!(url.scheme(), "https" | "http"))
            .map(|url| format!("{}/", url.origin().ascii_serialization()));
        Self { client_name: Some(client.metadata.name.clone()), back_to }
    }
}

/// Errors of the browser's pages (authorize, login, consent, logout),
/// answered on our own pages, never by redirect.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// The client or redirect URI could not be verified (RFC 6749 §4.1.2.1): 400, no redirect.
    #[error("{0}")]
    Untrusted(Untrusted),
    /// The pending request is lost or expired, or the session is gone.
    #[error("this sign-in request has expired or is no longer valid")]
    StartAgain(StartAgain),
    /// CSRF token missing or wrong.
    #[error("the form was not sent from this browser's session")]
    Forbidden,
    /// A form field is missing or malformed.
    #[error("{0}")]
    BadRequest(String),
    /// This address has stored its quota of sign-in requests: 429, nothing
    /// written; it may try again in `retry_after_secs` (at least one).
    #[error("too many sign-in requests from this address")]
    Throttled {
        /// Seconds until the quota allows another request.
        retry_after_secs: u64,
    },
    /// The store, randomness or hasher failed.
    #[error("server error: {0}")]
    Server(String),
    /// Too many sign-ins are being checked at once: try again shortly (503).
    #[error("the service is overloaded; try again later")]
    Unavailable,
}

impl From<RepoError> for PageError {
    fn from(error: RepoError) -> Self {
        Self::Server(error.to_string())
    }
}

impl From<RandomUnavailable> for PageError {
    fn from(error: RandomUnavailable) -> Self {
        Self::Server(error.to_string())
    }
}

impl From<HashError> for PageError {
    fn from(error: HashError) -> Self {
        match error {
            HashError::Overloaded => Self::Unavailable,
            HashError::Failed(_) => Self::Server(error.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overloaded_hasher_is_unavailable_and_any_other_failure_a_server_error() {
        assert!(matches!(PageError::from(HashError::Overloaded), PageError::Unavailable));
        let failed = PageError::from(HashError::Failed("stored hash: bad salt".into()));
        assert!(matches!(failed, PageError::Server(cause) if cause.contains("bad salt")));
    }
}
