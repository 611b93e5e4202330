//! The metadata documents: OpenID Connect Discovery 1.0 §3 and RFC 8414 §2.
//! Every URL derives from the configured issuer, and only what the server
//! really supports is listed.

use serde::Serialize;

use crate::scope::ScopeCatalog;
use crate::token::SigningAlg;

/// The paths the endpoints are served at, relative to the issuer.
pub const AUTHORIZATION_PATH: &str = "/oauth/authorize";
/// See [`AUTHORIZATION_PATH`].
pub const TOKEN_PATH: &str = "/oauth/token";
/// See [`AUTHORIZATION_PATH`].
pub const JWKS_PATH: &str = "/jwks.json";
/// See [`AUTHORIZATION_PATH`].
pub const USERINFO_PATH: &str = "/userinfo";
/// See [`AUTHORIZATION_PATH`].
pub const INTROSPECTION_PATH: &str = "/oauth/introspect";
/// See [`AUTHORIZATION_PATH`].
pub const REVOCATION_PATH: &str = "/oauth/revoke";
/// See [`AUTHORIZATION_PATH`].
pub const END_SESSION_PATH: &str = "/oauth/logout";
/// See [`AUTHORIZATION_PATH`].
pub const PUSHED_AUTHORIZATION_PATH: &str = "/oauth/par";
/// RFC 8628 §4: the device authorization endpoint.
pub const DEVICE_AUTHORIZATION_PATH: &str = "/oauth/device_authorization";
/// RFC 8628 §3.2 `verification_uri`: where the user enters a device's code.
pub const DEVICE_VERIFICATION_PATH: &str = "/device";
/// See [`AUTHORIZATION_PATH`]. A client's configuration endpoint (RFC 7592)
/// is this path, a slash and its id.
pub const REGISTRATION_PATH: &str = "/oauth/register";
/// OIDC Discovery §4: appended to the issuer.
pub const OPENID_CONFIGURATION_PATH: &str = "/.well-known/openid-configuration";
/// RFC 8414 §3: inserted between the host and the issuer's path.
pub const OAUTH_METADATA_PATH: &str = "/.well-known/oauth-authorization-server";

/// The server metadata. One document serves both specifications: RFC 8414
/// registers the OIDC fields it uses, and extra fields are allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerMetadata {
    /// RFC 8414 §2: the issuer identifier, equal to the `iss` of our tokens.
    pub issuer: String,
    /// RFC 8414 §2.
    pub authorization_endpoint: String,
    /// RFC 8414 §2.
    pub token_endpoint: String,
    /// RFC 8414 §2: where the JWK Set is published.
    pub jwks_uri: String,
    /// OIDC Core §5.3.
    pub userinfo_endpoint: String,
    /// RFC 8414 §2 (RFC 7662).
    pub introspection_endpoint: String,
    /// RFC 8414 §2.
    pub introspection_endpoint_auth_methods_supported: Vec<&'static str>,
    /// RFC 8414 §2 (RFC 7009).
    pub revocation_endpoint: String,
    /// RFC 8414 §2.
    pub revocation_endpoint_auth_methods_supported: Vec<&'static str>,
    /// OpenID Connect RP-Initiated Logout 1.0 §2.1.
    pub end_session_endpoint: String,
    /// RFC 9126 §5.
    pub pushed_authorization_request_endpoint: String,
    /// RFC 9126 §5: present (and true) only when every request must be pushed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_pushed_authorization_requests: Option<bool>,
    /// RFC 8414 §2: `code` only.
    pub response_types_supported: Vec<&'static str>,
    /// RFC 8414 §2.
    pub response_modes_supported: Vec<&'static str>,
    /// RFC 8414 §2.
    pub grant_types_supported: Vec<&'static str>,
    /// OIDC Discovery §3: `public`.
    pub subject_types_supported: Vec<&'static str>,
    /// OIDC Discovery §3.
    pub id_token_signing_alg_values_supported: Vec<&'static str>,
    /// RFC 8414 §2.
    pub token_endpoint_auth_methods_supported: Vec<&'static str>,
    /// RFC 8414 §2: the algorithms of `private_key_jwt` assertions.
    pub token_endpoint_auth_signing_alg_values_supported: Vec<&'static str>,
    /// RFC 8414 §2: the same at the introspection endpoint.
    pub introspection_endpoint_auth_signing_alg_values_supported: Vec<&'static str>,
    /// RFC 8414 §2: the same at the revocation endpoint.
    pub revocation_endpoint_auth_signing_alg_values_supported: Vec<&'static str>,
    /// RFC 8414 §2: `S256` only.
    pub code_challenge_methods_supported: Vec<&'static str>,
    /// RFC 8414 §2: every scope a client may be given.
    pub scopes_supported: Vec<String>,
    /// OIDC Discovery §3.
    pub claims_supported: Vec<&'static str>,
    /// OIDC Discovery §3 (`prompt` values, OIDC Core §3.1.2.1).
    pub prompt_values_supported: Vec<&'static str>,
    /// OIDC Discovery §3: request objects (OIDC Core §6) are not supported.
    /// Said explicitly: an absent `request_uri_parameter_supported` means true.
    pub request_parameter_supported: bool,
    /// See [`ServerMetadata::request_parameter_supported`].
    pub request_uri_parameter_supported: bool,
    /// RFC 9207 §3: we send `iss` in every authorization response.
    pub authorization_response_iss_parameter_supported: bool,
    /// CIMD §5: a URL `client_id` names its metadata document. Present only
    /// when that is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id_metadata_document_supported: Option<bool>,
    /// RFC 8414 §2, RFC 7591 §3: present only while dynamic registration is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_endpoint: Option<String>,
    /// RFC 9449 §5.1: the algorithms a DPoP proof may be signed with.
    pub dpop_signing_alg_values_supported: Vec<&'static str>,
    /// RFC 8628 §4: present while the device grant is offered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_authorization_endpoint: Option<String>,
}

impl ServerMetadata {
    /// The document for `issuer` (no trailing slash) and the server's scopes.
    pub fn for_issuer(issuer: &str, scopes: &ScopeCatalog) -> Self {
        Self {
            issuer: issuer.to_owned(),
            authorization_endpoint: format!("{issuer}{AUTHORIZATION_PATH}"),
            token_endpoint: format!("{issuer}{TOKEN_PATH}"),
            jwks_uri: format!("{issuer}{JWKS_PATH}"),
            userinfo_endpoint: format!("{issuer}{USERINFO_PATH}"),
            introspection_endpoint: format!("{issuer}{INTROSPECTION_PATH}"),
            // A public client cannot introspect (RFC 7662 §2.1 asks for authorization).
            introspection_endpoint_auth_methods_supported: vec![
                "client_secret_basic",
                "client_secret_post",
                "private_key_jwt",
            ],
            revocation_endpoint: format!("{issuer}{REVOCATION_PATH}"),
            // RFC 7009 §2.1: public clients revoke their own tokens with their client_id.
            revocation_endpoint_auth_methods_supported: vec![
                "client_secret_basic",
                "client_secret_post",
                "private_key_jwt",
                "none",
            ],
            end_session_endpoint: format!("{issuer}{END_SESSION_PATH}"),
            pushed_authorization_request_endpoint: format!("{issuer}{PUSHED_AUTHORIZATION_PATH}"),
            require_pushed_authorization_requests: None,
            dpop_signing_alg_values_supported: crate::dpop::PROOF_SIGNING_ALGS.to_vec(),
            response_types_supported: vec!["code"],
            response_modes_supported: vec!["query"],
            grant_types_supported: vec!["authorization_code", "refresh_token", "client_credentials"],
            subject_types_supported: vec!["public"],
            id_token_signing_alg_values_supported: SigningAlg::ALL.iter().map(|alg| alg.as_str()).collect(),
            token_endpoint_auth_methods_supported: vec![
                "client_secret_basic",
                "client_secret_post",
                "private_key_jwt",
                "none",
            ],
            token_endpoint_auth_signing_alg_values_supported: crate::client_assertion::ASSERTION_SIGNING_ALGS
                .to_vec(),
            introspection_endpoint_auth_signing_alg_values_supported:
                crate::client_assertion::ASSERTION_SIGNING_ALGS.to_vec(),
            revocation_endpoint_auth_signing_alg_values_supported:
                crate::client_assertion::ASSERTION_SIGNING_ALGS.to_vec(),
            code_challenge_methods_supported: vec!["S256"],
            scopes_supported: scopes.names().map(|s| s.as_str().to_owned()).collect(),
            // Only claims we really issue: in ID tokens, and at userinfo (email, profile's name).
            claims_supported: vec![
                "iss",
                "sub",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "nonce",
                "at_hash",
                "azp",
                "email",
                "email_verified",
                "name",
            ],
            prompt_values_supported: vec!["none", "login", "consent"],
            request_parameter_supported: false,
            request_uri_parameter_supported: false,
            authorization_response_iss_parameter_supported: true,
            client_id_metadata_document_supported: None,
            registration_endpoint: None,
            device_authorization_endpoint: None,
        }
    }

    /// Says that URL client ids name metadata documents (CIMD §5). `none`
    /// is already among the token endpoint's methods, as these clients need.
    #[must_use]
    pub fn with_client_id_metadata_documents(mut self) -> Self {
        self.client_id_metadata_document_supported = Some(true);
        self
    }

    /// Says that every authorization request must be pushed (RFC 9126 §5).
    #[must_use]
    pub fn requiring_pushed_requests(mut self) -> Self {
        self.require_pushed_authorization_requests = Some(true);
        self
    }

    /// The device grant is offered (RFC 8628 §4): its endpoint, and its
    /// grant type among those supported.
    #[must_use]
    pub fn with_device_authorization_endpoint(mut self) -> Self {
        self.device_authorization_endpoint = Some(format!("{}{DEVICE_AUTHORIZATION_PATH}", self.issuer));
        self.grant_types_supported.push(crate::device_authorization::DEVICE_CODE_GRANT);
        self
    }

    /// Lists the registration endpoint (RFC 7591 §3).
    #[must_use]
    pub fn with_registration_endpoint(mut self) -> Self {
        self.registration_endpoint = Some(format!("{}{REGISTRATION_PATH}", self.issuer));
        self
    }
}

/// RFC 8414 §3.1: where the OAuth metadata lives for `issuer` — the
/// well-known path inserted before the issuer's own path, as a path on our host.
pub fn oauth_metadata_path(issuer: &str) -> String {
    let path =
        url::Url::parse(issuer).map(|url| url.path().trim_end_matches('/').to_owned()).unwrap_or_default();
    format!("{OAUTH_METADATA_PATH}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_derive_from_the_issuer_with_or_without_a_path() {
        let catalog = ScopeCatalog::default();
        let root = ServerMetadata::for_issuer("https://id.example.com", &catalog);
        assert_eq!(root.token_endpoint, "https://id.example.com/oauth/token");
        let pathed = ServerMetadata::for_issuer("https://example.com/auth", &catalog);
        assert_eq!(pathed.issuer, "https://example.com/auth");
        assert_eq!(pathed.authorization_endpoint, "https://example.com/auth/oauth/authorize");
        assert_eq!(pathed.jwks_uri, "https://example.com/auth/jwks.json");
        assert_eq!(pathed.userinfo_endpoint, "https://example.com/auth/userinfo");
        assert_eq!(pathed.introspection_endpoint, "https://example.com/auth/oauth/introspect");
        assert_eq!(pathed.revocation_endpoint, "https://example.com/auth/oauth/revoke");
        assert_eq!(pathed.end_session_endpoint, "https://example.com/auth/oauth/logout");
        assert_eq!(pathed.registration_endpoint, None, "off unless said");
        assert_eq!(pathed.pushed_authorization_request_endpoint, "https://example.com/auth/oauth/par");
        assert_eq!(pathed.require_pushed_authorization_requests, None);
        assert_eq!(
            pathed.clone().requiring_pushed_requests().require_pushed_authorization_requests,
            Some(true)
        );
        assert_eq!(
            pathed.clone().with_registration_endpoint().registration_endpoint.as_deref(),
            Some("https://example.com/auth/oauth/register")
        );
        assert_eq!(
            oauth_metadata_path("https://example.com/auth"),
            "/.well-known/oauth-authorization-server/auth"
        );
        assert_eq!(oauth_metadata_path("https://id.example.com"), "/.well-known/oauth-authorization-server");
        assert!(pathed.id_token_signing_alg_values_supported.contains(&"RS256"));
        assert_eq!(pathed.code_challenge_methods_supported, ["S256"]);
    }

    #[test]
    fn request_objects_are_declared_unsupported() {
        let metadata = ServerMetadata::for_issuer("https://id.example.com", &ScopeCatalog::default());
        // OIDC Discovery §3: absent would mean "supported" for request_uri.
        assert!(!metadata.request_parameter_supported);
        assert!(!metadata.request_uri_parameter_supported);
    }
}
