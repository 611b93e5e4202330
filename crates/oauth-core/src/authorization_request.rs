//! The authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1), checked
//! in the order RFC 6749 §4.1.2.1 requires:
//!
//! 1. [`AuthorizationParams::client_id`] and [`trust_redirect`]: until the
//!    client and its redirect URI are known good, an error is an [`Untrusted`]
//!    page of our own; we never redirect to an unverified place.
//! 2. [`validate`]: every later error goes back to the redirect URI (with
//!    `state` and `iss`) as an [`OAuthError`].
//!
//! Pure functions: looking the client up is the caller's job.

use std::collections::BTreeSet;

use crate::client::{Client, ClientId, GrantType};
use crate::error::OAuthError;
use crate::pkce::CodeChallenge;
use crate::redirect_uri::find_match;
use crate::request_params::{RepeatedParameter, RequestParams};
use crate::resource::{Resource, ResourceUri, requested_resources};
use crate::scope::{ScopeCatalog, ScopeName};

/// A parameter value longer than this is refused: nothing legitimate needs
/// more, and it bounds what is stored and echoed.
pub const MAX_PARAM_LEN: usize = 2048;

/// The parameters of a request, in the order received (query or form). A
/// request that repeats a parameter is kept as received: step 1 still reads
/// its client and redirect URI from the parameters sent once, so that step 2
/// can refuse the repeat at the client's verified redirect URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationParams(Result<RequestParams, RepeatedParameter>);

impl Default for AuthorizationParams {
    fn default() -> Self {
        Self(Ok(RequestParams::default()))
    }
}

/// Why the request cannot be answered by redirect: shown on our own error page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Untrusted {
    /// No `client_id`.
    #[error("the request has no client_id")]
    MissingClientId,
    /// No client has this id.
    #[error("the client_id is not known")]
    UnknownClient,
    /// The client is disabled.
    #[error("this application is disabled")]
    DisabledClient,
    /// `client_id` or `redirect_uri` was sent twice (RFC 6749 §3.1).
    #[error("the {0} parameter appears more than once")]
    Repeated(&'static str),
    /// `client_id` or `redirect_uri` is longer than we accept.
    #[error("the {0} parameter is too long")]
    TooLong(&'static str),
    /// No `redirect_uri`, and the client registered several (RFC 6749 §3.1.2.3).
    #[error("the request has no redirect_uri and the application registered more than one")]
    MissingRedirectUri,
    /// A `redirect_uri` the client did not register (exact match).
    #[error("the redirect_uri is not registered for this application")]
    UnregisteredRedirectUri,
}

/// Where errors and the response may be sent, once verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedTarget {
    /// The verified client.
    pub client: Client,
    /// The redirect URI to answer at: the one requested, or the only one registered.
    pub redirect_uri: String,
    /// Whether the request named it (then the token request must repeat it, RFC 6749 §4.1.3).
    pub redirect_uri_sent: bool,
    /// Echoed byte for byte in every redirect (RFC 6749 §4.1.2).
    pub state: Option<String>,
}

/// OIDC Core §3.1.2.1 `prompt` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Prompt {
    /// No page may be shown.
    None,
    /// Authenticate again, even with a session.
    Login,
    /// Show the consent page, even if consent was given.
    Consent,
    /// Let the user choose an account.
    SelectAccount,
}

/// How strict PKCE is. The default requires it for every client.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuthorizePolicy {
    /// RFC 9700 §2.1.1 requires PKCE for public clients and recommends it for
    /// confidential ones; we require it for all unless this is set, and it
    /// never applies to public clients.
    pub allow_confidential_without_pkce: bool,
}

/// A request that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRequest {
    /// Where, and to which client, the answer goes.
    pub target: TrustedTarget,
    /// Granted scopes are a subset of these.
    pub scopes: BTreeSet<ScopeName>,
    /// `openid` was requested: this is an OpenID Connect request.
    pub is_oidc: bool,
    /// Stored with the code and returned in the ID token (OIDC Core §3.1.2.1).
    pub nonce: Option<String>,
    /// `None` only when the policy lets a confidential client skip PKCE.
    pub code_challenge: Option<CodeChallenge>,
    /// OIDC Core §3.1.2.1 `prompt` values.
    pub prompt: BTreeSet<Prompt>,
    /// Seconds; re-authenticate when the last login is older.
    pub max_age: Option<u32>,
    /// Pre-fills the username field.
    pub login_hint: Option<String>,
    /// RFC 8707 §2: the resources (APIs) the tokens may be for.
    pub resources: BTreeSet<ResourceUri>,
    /// RFC 9449 §10: the DPoP key the code's exchange must prove.
    pub dpop_jkt: Option<crate::dpop::JwkThumbprint>,
    /// The registered resources among them, filled in by the authorization
    /// service once it has read the registry (for the consent page).
    pub apis: Vec<Resource>,
}

impl AuthorizationParams {
    /// The pairs as received.
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self(RequestParams::parse(pairs))
    }

    /// Decodes an `application/x-www-form-urlencoded` query or body.
    pub fn from_urlencoded(text: &[u8]) -> Self {
        Self::new(url::form_urlencoded::parse(text).into_owned().collect())
    }

    /// Encodes the pairs back, in order, for storage while the request is pending.
    pub fn to_urlencoded(&self) -> String {
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        match &self.0 {
            Ok(params) => serializer.extend_pairs(params.iter()),
            Err(repeated) => serializer.extend_pairs(repeated.received()),
        };
        serializer.finish()
    }

    /// The value of a parameter that may appear at most once (RFC 6749 §3.1),
    /// for step 1. An empty value counts as absent.
    fn single(&self, name: &'static str) -> Result<Option<&str>, Untrusted> {
        let value = match &self.0 {
            Ok(params) => params.get(name),
            Err(repeated) if repeated.is_repeated(name) => return Err(Untrusted::Repeated(name)),
            Err(repeated) => repeated.sent_once(name),
        };
        match value {
            Some(value) if value.len() > MAX_PARAM_LEN => Err(Untrusted::TooLong(name)),
            Some("") | None => Ok(None),
            Some(value) => Ok(Some(value)),
        }
    }

    /// `single` for step 2, where the same problems are `invalid_request`.
    fn checked_single(&self, name: &'static str) -> Result<Option<&str>, OAuthError> {
        self.single(name).map_err(|problem| OAuthError::InvalidRequest(problem.to_string().into()))
    }

    /// The `request_uri` of a pushed request (RFC 9126 §4), if one was sent.
    pub fn request_uri(&self) -> Result<Option<&str>, Untrusted> {
        self.single("request_uri")
    }

    /// Step 1a: the client to look up.
    pub fn client_id(&self) -> Result<ClientId, Untrusted> {
        let text = self.single("client_id")?.ok_or(Untrusted::MissingClientId)?;
        ClientId::parse(text).map_err(|_| Untrusted::UnknownClient)
    }
}

/// Step 1b: the client as looked up, and the redirect URI checked against its
/// registrations (exact match, `redirect_uri::find_match`). `redirect_uri`
/// may be omitted only when exactly one is registered (RFC 6749 §3.1.2.3).
pub fn trust_redirect(
    params: &AuthorizationParams,
    client: Option<Client>,
) -> Result<TrustedTarget, Untrusted> {
    let client = client.ok_or(Untrusted::UnknownClient)?;
    if client.disabled {
        return Err(Untrusted::DisabledClient);
    }
    let requested = params.single("redirect_uri")?;
    let registered = &client.metadata.redirect_uris;
    let redirect_uri = match requested {
        Some(uri) => find_match(registered, uri, client.metadata.client_type)
            .map(|_| uri.to_owned())
            .ok_or(Untrusted::UnregisteredRedirectUri)?,
        None => match registered.as_slice() {
            [only] => only.as_str().to_owned(),
            _ => return Err(Untrusted::MissingRedirectUri),
        },
    };
    // `state` is echoed as sent; a repeated or oversized one cannot be echoed
    // faithfully, so it is dropped here and the request fails in step 2.
    let state = params.single("state").ok().flatten().map(str::to_owned);
    Ok(TrustedTarget { client, redirect_uri, redirect_uri_sent: requested.is_some(), state })
}

/// An error to answer at the trusted redirect URI, with `state` (and, added by
/// the HTTP layer, `iss`: RFC 9207).
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct RedirectError {
    /// The verified redirect URI.
    pub redirect_uri: String,
    /// The request's `state`, echoed as sent.
    pub state: Option<String>,
    /// The error (RFC 6749 §4.1.2.1).
    pub error: OAuthError,
}

/// Step 2: every other parameter. Errors are answered at the trusted redirect URI.
pub fn validate(
    target: TrustedTarget,
    params: &AuthorizationParams,
    catalog: &ScopeCatalog,
    policy: AuthorizePolicy,
) -> Result<AuthorizationRequest, RedirectError> {
    match check(&target, params, catalog, policy) {
        Ok(parts) => Ok(parts.into_request(target)),
        Err(error) => Err(RedirectError { redirect_uri: target.redirect_uri, state: target.state, error }),
    }
}

struct Checked {
    scopes: BTreeSet<ScopeName>,
    nonce: Option<String>,
    code_challenge: Option<CodeChallenge>,
    prompt: BTreeSet<Prompt>,
    max_age: Option<u32>,
    login_hint: Option<String>,
    resources: BTreeSet<ResourceUri>,
    dpop_jkt: Option<crate::dpop::JwkThumbprint>,
}

impl Checked {
    fn into_request(self, target: TrustedTarget) -> AuthorizationRequest {
        AuthorizationRequest {
            target,
            is_oidc: self.scopes.iter().any(|s| s.as_str() == "openid"),
            scopes: self.scopes,
            nonce: self.nonce,
            code_challenge: self.code_challenge,
            prompt: self.prompt,
            max_age: self.max_age,
            login_hint: self.login_hint,
            resources: self.resources,
            dpop_jkt: self.dpop_jkt,
            apis: Vec::new(),
        }
    }
}

fn check(
    target: &TrustedTarget,
    params: &AuthorizationParams,
    catalog: &ScopeCatalog,
    policy: AuthorizePolicy,
) -> Result<Checked, OAuthError> {
    // RFC 6749 §3.1: no parameter may be repeated, known or not to us.
    let single = params.0.as_ref().map_err(|repeated| OAuthError::from(repeated.clone()))?;
    // Before the other checks: the parameters a request object carries may
    // be missing outside it, and the client needs to hear why.
    refuse_request_objects(single)?;
    params.checked_single("state")?;
    let client = &target.client.metadata;
    match params.checked_single("response_type")? {
        None => return Err(OAuthError::InvalidRequest("response_type is required".into())),
        Some("code") => {}
        // RFC 9700 §2.1.2: no implicit or hybrid flows.
        Some(other) => {
            return Err(OAuthError::UnsupportedResponseType(
                format!("response_type {other:?} is not supported; use code").into(),
            ));
        }
    }
    if !client.grant_types.contains(&GrantType::AuthorizationCode) {
        return Err(OAuthError::UnauthorizedClient(
            "this client may not use the authorization code flow".into(),
        ));
    }
    let scopes = parse_scopes(params.checked_single("scope")?, &client.scopes, catalog)?;
    let resources = requested_resources(single.values("resource"), &client.resources)?;
    let code_challenge = pkce(params, client.client_type, policy)?;
    let prompt = prompt(params.checked_single("prompt")?)?;
    let max_age = match params.checked_single("max_age")? {
        None => None,
        Some(text) => Some(text.parse::<u32>().map_err(|_| {
            OAuthError::InvalidRequest("max_age must be a non-negative whole number of seconds".into())
        })?),
    };
    Ok(Checked {
        scopes,
        nonce: params.checked_single("nonce")?.map(str::to_owned),
        code_challenge,
        prompt,
        max_age,
        login_hint: params.checked_single("login_hint")?.map(str::to_owned),
        resources,
        dpop_jkt: crate::dpop::requested_key(params.checked_single("dpop_jkt")?)?,
    })
}

/// OIDC Core §6: request objects are not supported (discovery says so), and
/// each way of sending one has its own refusal (§3.1.2.6). Known by its name
/// alone, however long the value; an empty value counts as absent (RFC 6749 §3.1).
fn refuse_request_objects(params: &RequestParams) -> Result<(), OAuthError> {
    let sent = |name: &str| params.value(name).is_some();
    if sent("request") {
        return Err(OAuthError::RequestNotSupported(
            "request objects are not supported; send the parameters themselves".into(),
        ));
    }
    // A request_uri we issued was taken before this check (RFC 9126 §4);
    // one still here is not ours, or expired, or used already.
    if sent("request_uri") {
        return Err(OAuthError::InvalidRequestUri(
            "the request_uri is unknown, expired or already used; push the request again".into(),
        ));
    }
    Ok(())
}

/// RFC 6749 §3.3: space-separated, each known and allowed; duplicates tolerated.
pub(crate) fn parse_scopes(
    requested: Option<&str>,
    allowed: &BTreeSet<ScopeName>,
    catalog: &ScopeCatalog,
) -> Result<BTreeSet<ScopeName>, OAuthError> {
    let requested = requested.ok_or_else(|| OAuthError::InvalidScope("scope is required".into()))?;
    let mut scopes = BTreeSet::new();
    for token in requested.split(' ').filter(|t| !t.is_empty()) {
        let scope = catalog.known(token).map_err(|e| OAuthError::InvalidScope(e.to_string().into()))?;
        if !allowed.contains(&scope) {
            return Err(OAuthError::InvalidScope(
                format!("scope {token:?} is not allowed for this client").into(),
            ));
        }
        scopes.insert(scope);
    }
    if scopes.is_empty() {
        return Err(OAuthError::InvalidScope("scope is required".into()));
    }
    Ok(scopes)
}

fn pkce(
    params: &AuthorizationParams,
    client_type: crate::client::ClientType,
    policy: AuthorizePolicy,
) -> Result<Option<CodeChallenge>, OAuthError> {
    let challenge = params.checked_single("code_challenge")?;
    let method = params.checked_single("code_challenge_method")?;
    let optional =
        policy.allow_confidential_without_pkce && client_type == crate::client::ClientType::Confidential;
    if challenge.is_none() && method.is_none() && optional {
        return Ok(None);
    }
    CodeChallenge::parse(challenge, method)
        .map(Some)
        .map_err(|e| OAuthError::InvalidRequest(e.to_string().into()))
}

/// OIDC Core §3.1.2.1: space-separated; `none` stands alone.
fn prompt(text: Option<&str>) -> Result<BTreeSet<Prompt>, OAuthError> {
    let mut prompts = BTreeSet::new();
    for value in text.unwrap_or("").split(' ').filter(|v| !v.is_empty()) {
        prompts.insert(match value {
            "none" => Prompt::None,
            "login" => Prompt::Login,
            "consent" => Prompt::Consent,
            "select_account" => Prompt::SelectAccount,
            other => {
                return Err(OAuthError::InvalidRequest(
                    format!("prompt value {other:?} is not supported").into(),
                ));
            }
        });
    }
    if prompts.contains(&Prompt::None) && prompts.len() > 1 {
        return Err(OAuthError::InvalidRequest("prompt=none cannot be combined with other values".into()));
    }
    Ok(prompts)
}

#[cfg(test)]
mod tests;
