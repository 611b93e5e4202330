//! The client information response (RFC 7591 §3.2.1, RFC 7592 §3): every
//! member the client registered, as the template made it, and the
//! server-owned ones.

use oauth_core::client::{AuthMethod, ClientSecret, GrantType};
use oauth_core::redirect_uri::RedirectUri;
use oauth_core::scope::ScopeName;
use oauth_core::service::registration::Registered;
use serde::Serialize;

/// The JSON body of a registration, a read or an update.
#[derive(Serialize)]
pub(super) struct RegistrationBody<'a> {
    client_id: &'a str,
    client_id_issued_at: i64,
    /// Only in the answer that issues it: only its digest is kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<&'a str>,
    /// RFC 7591 §3.2.1: required with a secret; 0, it does not expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret_expires_at: Option<i64>,
    registration_access_token: &'a str,
    registration_client_uri: &'a str,
    client_name: &'a str,
    redirect_uris: Vec<&'a str>,
    token_endpoint_auth_method: &'static str,
    grant_types: Vec<&'static str>,
    response_types: [&'static str; 1],
    application_type: &'static str,
    /// Absent when the template left the client no scope (RFC 7591 §2:
    /// members without a value are omitted).
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    /// RFC 9449 §5.2; omitted when false, its default.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    dpop_bound_access_tokens: bool,
}

impl<'a> RegistrationBody<'a> {
    /// The body for `registered`, whose configuration endpoint is `uri`.
    pub(super) fn of(registered: &'a Registered, uri: &'a str) -> Self {
        let client = &registered.client;
        let metadata = &client.metadata;
        let scope = metadata.scopes.iter().map(ScopeName::as_str).collect::<Vec<_>>().join(" ");
        Self {
            client_id: client.id.as_str(),
            client_id_issued_at: client.created_at.unix_timestamp(),
            client_secret: registered.secret.as_ref().map(ClientSecret::expose),
            client_secret_expires_at: registered.secret.as_ref().map(|_| 0),
            registration_access_token: registered.access_token.expose(),
            registration_client_uri: uri,
            client_name: &metadata.name,
            redirect_uris: metadata.redirect_uris.iter().map(RedirectUri::as_str).collect(),
            token_endpoint_auth_method: AuthMethod::as_str(metadata.auth_method),
            grant_types: metadata.grant_types.iter().map(|grant| GrantType::as_str(*grant)).collect(),
            response_types: ["code"],
            application_type: registered.registration.application_type.as_str(),
            scope: (!scope.is_empty()).then_some(scope),
            dpop_bound_access_tokens: metadata.dpop_bound,
        }
    }
}
