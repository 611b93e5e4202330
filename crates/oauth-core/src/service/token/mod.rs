//! The token endpoint (RFC 6749 §3.2): authenticates the client, then hands
//! the request to the [`GrantHandler`] registered for its `grant_type`. Each
//! grant is its own handler; a new grant is a new handler passed to
//! [`TokenService::new`], not an edit here. Outcomes only; the HTTP adapter
//! maps them.

mod authorization_code;
mod checks;
mod client_credentials;
mod device_code;
mod refresh_token;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::client::{Client, ClientOrigin, GrantType};
use crate::client_auth::PresentedCredentials;
use crate::client_registration::USE_RECORDED_EVERY;
use crate::dpop::JwkThumbprint;
use crate::error::OAuthError;
use crate::ports::{ClientRegistrationRepository, Clock};
use crate::security_event::{EventDetails, EventKind};
use crate::service::audit::Audit;
use crate::service::client_authentication::ClientAuthenticator;
use crate::service::client_directory::ClientDirectory;
use crate::service::dpop::{DpopService, PresentedProof};
use crate::token::TokenResponse;

pub use crate::service::client_authentication::TokenFailure;
pub use authorization_code::{AuthorizationCodeGrant, AuthorizationCodePorts};
pub(crate) use checks::require;
pub use client_credentials::ClientCredentialsGrant;
pub use device_code::{DeviceCodeGrant, DeviceCodePorts};
pub use refresh_token::{RefreshTokenGrant, RefreshTokenPorts};

/// A token request, its parameters as received (RFC 6749 §4.1.3, §4.4.2, §6).
#[derive(Debug, Default, Clone)]
pub struct TokenParams {
    /// Names the grant, and so the handler.
    pub grant_type: Option<String>,
    /// `authorization_code`: the code.
    pub code: Option<String>,
    /// `authorization_code`: as sent with the authorization request.
    pub redirect_uri: Option<String>,
    /// `authorization_code`: the PKCE verifier (RFC 7636 §4.5).
    pub code_verifier: Option<String>,
    /// `refresh_token`: the token to rotate.
    pub refresh_token: Option<String>,
    /// The device code grant (RFC 8628 §3.4): the device code.
    pub device_code: Option<String>,
    /// The scopes asked for, space-separated.
    pub scope: Option<String>,
    /// RFC 8707 §2: the resources named, each `resource` value as sent.
    pub resources: Vec<String>,
    /// RFC 9449 §5: the `DPoP` proof sent with the request.
    pub dpop: Option<PresentedProof>,
    /// The key the proof proved: set by [`TokenService::token`] once the
    /// proof passed, for the grant handlers; a caller's value is replaced.
    pub sender_key: Option<JwkThumbprint>,
}

impl TokenParams {
    /// RFC 8707 §2: the resources named, each one `client` may ask for.
    /// Parsed before a grant spends anything, so a bad value loses nothing.
    pub(crate) fn resources_of(
        &self,
        client: &Client,
    ) -> Result<std::collections::BTreeSet<crate::resource::ResourceUri>, OAuthError> {
        crate::resource::requested_resources(
            self.resources.iter().map(String::as_str),
            &client.metadata.resources,
        )
    }

    /// An authorization code exchange (RFC 6749 §4.1.3, RFC 7636 §4.5).
    pub fn authorization_code(code: &str, redirect_uri: &str, code_verifier: &str) -> Self {
        Self {
            grant_type: Some("authorization_code".into()),
            code: Some(code.into()),
            redirect_uri: Some(redirect_uri.into()),
            code_verifier: Some(code_verifier.into()),
            ..Self::default()
        }
    }
}

/// A granted request: the client (for CORS) and the response.
#[derive(Debug)]
pub struct Granted {
    /// The authenticated client.
    pub client: Client,
    /// What the client receives.
    pub response: TokenResponse,
}

/// One grant type of the token endpoint (RFC 6749 §4, §6).
#[async_trait::async_trait]
pub trait GrantHandler: Send + Sync {
    /// The `grant_type` this handler answers.
    fn grant_type(&self) -> GrantType;

    /// Runs the grant for `client`: already authenticated, read again when a
    /// cached copy would refuse the grant type or a scope, and registered
    /// for this handler's grant type.
    async fn grant(&self, client: &Client, params: TokenParams) -> Result<TokenResponse, TokenFailure>;
}

/// The token endpoint, over its client authentication and grant handlers.
pub struct TokenService {
    authenticator: ClientAuthenticator,
    /// Read past any cache when a cached copy would refuse.
    clients: ClientDirectory,
    handlers: BTreeMap<GrantType, Arc<dyn GrantHandler>>,
    usage: Option<UseRecord>,
    dpop: Option<DpopService>,
    audit: Option<Audit>,
}

/// Where dynamic clients' use is written down, and the clock that dates it.
#[derive(Clone)]
struct UseRecord {
    registrations: Arc<dyn ClientRegistrationRepository>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenService").field("grants", &self.handlers.keys()).finish_non_exhaustive()
    }
}

impl TokenService {
    /// The endpoint answering the grants of `handlers`; any other
    /// `grant_type` is `unsupported_grant_type`. Of two handlers for one
    /// grant type, the later one is kept.
    pub fn new(
        authenticator: ClientAuthenticator,
        clients: ClientDirectory,
        handlers: impl IntoIterator<Item = Arc<dyn GrantHandler>>,
    ) -> Self {
        let handlers = handlers.into_iter().map(|handler| (handler.grant_type(), handler)).collect();
        Self { authenticator, clients, handlers, usage: None, dpop: None, audit: None }
    }

    /// Also accepts DPoP proofs (RFC 9449 §5): a request with a valid
    /// proof gets tokens bound to its key. Without this, a proof is refused.
    #[must_use]
    pub fn proving_possession_with(mut self, dpop: DpopService) -> Self {
        self.dpop = Some(dpop);
        self
    }

    /// Also records every issuance as a security event.
    #[must_use]
    pub fn auditing(mut self, audit: Audit) -> Self {
        self.audit = Some(audit);
        self
    }

    /// Records the issuance of `response` to `client` by `grant`.
    fn record_issuance(&self, client: &Client, grant: GrantType, response: &TokenResponse) {
        let Some(audit) = &self.audit else { return };
        let issued = &response.issued;
        let client_type = match client.metadata.client_type {
            crate::client::ClientType::Public => "public",
            crate::client::ClientType::Confidential => "confidential",
        };
        let mut event = audit.event(EventKind::TokensIssued).client(&client.id).details(EventDetails {
            grant: Some(grant.as_str().to_owned()),
            client_type: Some(client_type.to_owned()),
            scope: Some(response.scope.clone()).filter(|scope| !scope.is_empty()),
            resources: issued.resource.iter().cloned().collect(),
            jti: Some(issued.jti.clone()),
            ..EventDetails::default()
        });
        event.user = issued.user;
        audit.record(event);
    }

    /// A fresh `DPoP-Nonce` for the answer, when nonces are on (RFC 9449 §8).
    pub fn fresh_nonce(&self) -> Option<String> {
        self.dpop.as_ref().and_then(DpopService::fresh_nonce)
    }

    /// The key the request's proof proves, if it sent one. RFC 9449 §5.2
    /// `dpop_bound_access_tokens`: a client registered so must send one.
    async fn sender_key(
        &self,
        client: &Client,
        proof: Option<&PresentedProof>,
    ) -> Result<Option<JwkThumbprint>, TokenFailure> {
        match (proof, &self.dpop) {
            (Some(proof), Some(dpop)) => Ok(Some(dpop.prove(proof, None).await.map_err(OAuthError::from)?)),
            (Some(_), None) => {
                Err(OAuthError::InvalidDpopProof("DPoP is not accepted by this endpoint".into()).into())
            }
            (None, _) if client.metadata.dpop_bound => Err(OAuthError::InvalidDpopProof(
                "this client must send a DPoP proof with every token request".into(),
            )
            .into()),
            (None, _) => Ok(None),
        }
    }

    /// Also writes down, at most once per [`USE_RECORDED_EVERY`], when a
    /// dynamic client is issued tokens: the janitor deletes those unused
    /// for long (RFC 7591 §5). Only an issuance counts, which takes a user's
    /// consent or a live refresh token, so a caller cannot keep clients
    /// alive with requests that fail.
    #[must_use]
    pub fn recording_use_in(
        mut self,
        registrations: Arc<dyn ClientRegistrationRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        self.usage = Some(UseRecord { registrations, clock });
        self
    }

    /// Records a dynamic client's use. A failed write is logged, never the
    /// request's failure: the bookkeeping must not cost a client its tokens.
    async fn record_use(&self, client: &Client) {
        let Some(usage) = self.usage.as_ref().filter(|_| client.origin == ClientOrigin::Dynamic) else {
            return;
        };
        let now = usage.clock.now();
        if let Err(error) = usage.registrations.record_use(&client.id, now, now - USE_RECORDED_EVERY).await {
            tracing::warn!(error = %error, client_id = %client.id, "could not record a dynamic client's use");
        }
    }

    /// The client to judge this request by. A cached copy that would refuse
    /// the grant or a requested scope may predate a change made elsewhere,
    /// so the stored client decides (docs/SECURITY.md § Read caches).
    async fn current_for(&self, client: Client, params: &TokenParams) -> Result<Client, TokenFailure> {
        let grant_missing = params
            .grant_type
            .as_deref()
            .and_then(|grant| grant.parse::<GrantType>().ok())
            .is_some_and(|grant| !client.metadata.grant_types.contains(&grant));
        let scope_missing = params.scope.as_deref().is_some_and(|scope| {
            scope.split_whitespace().any(|name| !client.metadata.scopes.iter().any(|s| s.as_str() == name))
        });
        if !grant_missing && !scope_missing {
            return Ok(client);
        }
        match self.clients.find_fresh(&client.id).await?.filter(|stored| !stored.disabled) {
            Some(stored) => Ok(stored),
            None => Err(OAuthError::InvalidClient("client authentication failed".into()).into()),
        }
    }

    /// Authenticates the client (failures counted per client and `address`, or
    /// per `address` for ids that name no client),
    /// then runs the grant it asked for.
    #[tracing::instrument(skip_all, fields(client_id = %credentials.client_id, grant_type))]
    pub async fn token(
        &self,
        credentials: &PresentedCredentials,
        mut params: TokenParams,
        address: &str,
    ) -> Result<Granted, TokenFailure> {
        let client = self.authenticator.authenticate(credentials, address).await?;
        let client = self.current_for(client, &params).await?;
        // After client authentication: only a known client's proofs are
        // spent in the shared replay store.
        params.sender_key = self.sender_key(&client, params.dpop.as_ref()).await?;
        let grant_type = params.grant_type.clone().unwrap_or_default();
        tracing::Span::current().record("grant_type", grant_type.as_str());
        if grant_type.is_empty() {
            return Err(OAuthError::InvalidRequest("grant_type is required".into()).into());
        }
        let Some(handler) = grant_type.parse::<GrantType>().ok().and_then(|grant| self.handlers.get(&grant))
        else {
            return Err(OAuthError::UnsupportedGrantType(
                format!("grant_type {grant_type:?} is not supported").into(),
            )
            .into());
        };
        // RFC 6749 §5.2 `unauthorized_client`: checked here, before any
        // handler runs, so a handler added later cannot forget it.
        checks::allowed(&client, handler.grant_type())?;
        let response = handler.grant(&client, params).await?;
        self.record_issuance(&client, handler.grant_type(), &response);
        self.record_use(&client).await;
        Ok(Granted { client, response })
    }
}

#[cfg(test)]
mod tests;
