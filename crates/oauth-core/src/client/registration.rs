//! RFC 7591 §2 client metadata, as a client sends it to the registration
//! endpoint, and what the template makes of it: the server, not the
//! request, decides (RFC 7591 §2: values MAY be replaced or rejected; §5:
//! metadata is self-asserted). Refusals carry the RFC 7591 §3.2.2 error
//! code and name the member.

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::template::Requested;
use super::{AuthMethod, ClientMetadata, SelfAssertedTemplate};
use crate::client_registration::ApplicationType;
use crate::metadata_document::{
    InvalidDocument, RedirectKind, check_client_name, check_response_types, grant_types, redirect_uris,
    scope_tokens,
};
use crate::resource::Resource;

/// The members a registration request may carry that we read. Unknown
/// members, server-owned ones (`client_id`, `client_secret`, …) and flags
/// of ours are ignored, never stored (RFC 7591 §2, §3.2.1).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RegistrationRequest {
    /// Required for the code flow.
    pub redirect_uris: Option<Vec<String>>,
    /// `none`, `client_secret_basic` (the default) or `client_secret_post`.
    pub token_endpoint_auth_method: Option<String>,
    /// Within `authorization_code` and `refresh_token`.
    pub grant_types: Option<Vec<String>>,
    /// `code` only.
    pub response_types: Option<Vec<String>>,
    /// Shown, marked unverified.
    pub client_name: Option<String>,
    /// Asked for; narrowed to what the template allows.
    pub scope: Option<String>,
    /// `web` (the default) or `native` (OIDC Dynamic Client Registration §2).
    pub application_type: Option<String>,
    /// Read for its presence: no key-based method is offered.
    pub jwks: Option<IgnoredAny>,
    /// Read for its presence, as `jwks`.
    pub jwks_uri: Option<IgnoredAny>,
    /// Read for its presence: software statements are not accepted.
    pub software_statement: Option<IgnoredAny>,
    /// RFC 9449 §5.2: every token request must carry a DPoP proof.
    pub dpop_bound_access_tokens: Option<bool>,
}

impl RegistrationRequest {
    /// The `application_type`: `web` when absent (OpenID Connect Dynamic
    /// Client Registration 1.0 §2).
    pub fn application_type(&self) -> Result<ApplicationType, RegistrationRefused> {
        match self.application_type.as_deref() {
            None => Ok(ApplicationType::Web),
            Some(text) => {
                text.parse().map_err(|_| metadata_fault("application_type", "must be web or native"))
            }
        }
    }
}

/// What an update (RFC 7592 §2.2) says about the client it is for, beside
/// its metadata: the identity it must repeat, and the server-owned members
/// it must not send.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct UpdateClaims {
    /// Must be the client's id.
    pub client_id: Option<String>,
    /// If sent, must be the client's current secret: a client never picks
    /// its own (RFC 7592 §2.2).
    pub client_secret: Option<String>,
    /// Server-owned (RFC 7592 §2.2: MUST NOT be sent).
    pub registration_access_token: Option<IgnoredAny>,
    /// Server-owned, as above.
    pub registration_client_uri: Option<IgnoredAny>,
    /// Server-owned, as above.
    pub client_secret_expires_at: Option<IgnoredAny>,
    /// Server-owned, as above.
    pub client_id_issued_at: Option<IgnoredAny>,
}

impl std::fmt::Debug for UpdateClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateClaims")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

impl UpdateClaims {
    /// The first server-owned member sent, if any.
    pub fn server_owned_member(&self) -> Option<&'static str> {
        [
            (self.registration_access_token.is_some(), "registration_access_token"),
            (self.registration_client_uri.is_some(), "registration_client_uri"),
            (self.client_secret_expires_at.is_some(), "client_secret_expires_at"),
            (self.client_id_issued_at.is_some(), "client_id_issued_at"),
        ]
        .into_iter()
        .find_map(|(sent, member)| sent.then_some(member))
    }
}

/// RFC 7591 §3.2.2 error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationErrorCode {
    /// A redirect URI is missing or not allowed.
    InvalidRedirectUri,
    /// Another member is not allowed.
    InvalidClientMetadata,
    /// A software statement was sent; none is approved here.
    UnapprovedSoftwareStatement,
}

impl RegistrationErrorCode {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRedirectUri => "invalid_redirect_uri",
            Self::InvalidClientMetadata => "invalid_client_metadata",
            Self::UnapprovedSoftwareStatement => "unapproved_software_statement",
        }
    }
}

/// A refused registration: the code, the member and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: `{member}`: {reason}", code.as_str())]
pub struct RegistrationRefused {
    /// The RFC 7591 error code.
    pub code: RegistrationErrorCode,
    /// The member at fault.
    pub member: &'static str,
    /// Why, in words safe to show.
    pub reason: String,
}

fn refused(fault: InvalidDocument) -> RegistrationRefused {
    let code = if fault.member == "redirect_uris" {
        RegistrationErrorCode::InvalidRedirectUri
    } else {
        RegistrationErrorCode::InvalidClientMetadata
    };
    RegistrationRefused { code, member: fault.member, reason: fault.reason }
}

/// An `invalid_client_metadata` refusal of `member`.
pub fn metadata_fault(member: &'static str, reason: &str) -> RegistrationRefused {
    RegistrationRefused { code: RegistrationErrorCode::InvalidClientMetadata, member, reason: reason.into() }
}

/// What a client that names itself nothing is called.
const UNNAMED: &str = "Unnamed application";

impl SelfAssertedTemplate {
    /// The client a registration request makes: the requested redirect URIs
    /// (checked against `application_type`), grants, name and
    /// authentication method within the template, held as
    /// the template holds every self-asserted client.
    pub fn metadata_for_registration(
        &self,
        request: &RegistrationRequest,
        resources: &[Resource],
    ) -> Result<ClientMetadata, RegistrationRefused> {
        if request.software_statement.is_some() {
            return Err(RegistrationRefused {
                code: RegistrationErrorCode::UnapprovedSoftwareStatement,
                member: "software_statement",
                reason: "no software statement is approved here".into(),
            });
        }
        if request.jwks.is_some() && request.jwks_uri.is_some() {
            return Err(metadata_fault(
                "jwks_uri",
                "jwks and jwks_uri must not both be present (RFC 7591 §2)",
            ));
        }
        let auth_method = match request.token_endpoint_auth_method.as_deref() {
            None | Some("client_secret_basic") => AuthMethod::ClientSecretBasic,
            Some("client_secret_post") => AuthMethod::ClientSecretPost,
            Some("none") => AuthMethod::None,
            Some(_) => {
                return Err(metadata_fault(
                    "token_endpoint_auth_method",
                    "must be none, client_secret_basic or client_secret_post",
                ));
            }
        };
        let kind = match request.application_type()? {
            ApplicationType::Web => RedirectKind::Web,
            ApplicationType::Native => RedirectKind::Native,
        };
        let name = request.client_name.clone().unwrap_or_else(|| UNNAMED.to_owned());
        check_client_name(&name).map_err(refused)?;
        let redirect_uris = redirect_uris(request.redirect_uris.clone(), kind).map_err(refused)?;
        let grant_types = grant_types(request.grant_types.clone()).map_err(refused)?;
        check_response_types(request.response_types.as_deref()).map_err(refused)?;
        let scope = request.scope.as_deref().map(scope_tokens).transpose().map_err(refused)?;
        let dpop_bound = request.dpop_bound_access_tokens.unwrap_or(false);
        let requested = Requested { name, auth_method, redirect_uris, grant_types, scope, dpop_bound };
        Ok(self.hold(requested, resources))
    }
}

#[cfg(test)]
mod tests;
