//! A client as an operator describes it (CLI flags, a TOML file): untrusted
//! text, validated as a whole into `ClientMetadata` or refused field by field.

use std::collections::BTreeSet;
use std::fmt;

use super::{
    AuthMethod, ClientKeys, ClientMetadata, ClientType, GrantType, IdTokenAlg, JwksUri, MAX_JWKS_BYTES,
};
use crate::origin::Origin;
use crate::redirect_uri::RedirectUri;
use crate::resource::ResourceUri;
use crate::scope::{ScopeCatalog, ScopeName};

/// A refused field: which one, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{field}`: {reason}")]
pub struct ClientFieldError {
    /// The CLI/file field name: `name`, `type`, `auth_method`, `redirect_uri`, `origin`, `scope`, `grant`, `id_token_alg`, `resource`.
    pub field: &'static str,
    /// Why the value was refused.
    pub reason: String,
}

fn refuse(field: &'static str, reason: impl fmt::Display) -> ClientFieldError {
    ClientFieldError { field, reason: reason.to_string() }
}

/// A client as an operator describes it: untrusted text, until validated.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent per-client switches, each an RFC's own client metadata flag"
)]
pub struct ClientSpec {
    /// Unique display name.
    pub name: String,
    /// `confidential` or `public`.
    #[serde(rename = "type")]
    pub client_type: String,
    /// `client_secret_basic`, `client_secret_post` or `none`; by default what the type implies.
    #[serde(default)]
    pub auth_method: Option<String>,
    /// Redirect URIs, registered exactly as written.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Browser origins allowed to call the token endpoint.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Scopes the client may request.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Empty: `authorization_code`, plus `refresh_token` when `offline_access` is allowed.
    #[serde(default)]
    pub grant_types: Vec<String>,
    /// `RS256` or `ES256`; the server's default when absent.
    #[serde(default)]
    pub id_token_alg: Option<String>,
    /// First-party apps only: no consent page.
    #[serde(default)]
    pub skip_consent: bool,
    /// Where RP-initiated logout may send the browser back.
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    /// A resource server that may introspect every client's tokens.
    #[serde(default)]
    pub may_introspect_any: bool,
    /// Only pushed authorization requests (RFC 9126 §6).
    #[serde(default)]
    pub require_pushed_requests: bool,
    /// Only DPoP-bound tokens (RFC 9449 §5.2).
    #[serde(default)]
    pub dpop_bound: bool,
    /// The resource servers (RFC 8707) the client may ask tokens for, by URI.
    #[serde(default)]
    pub resources: Vec<String>,
    /// A `private_key_jwt` client's public keys: a JWK Set, as JSON text.
    #[serde(default)]
    pub jwks: Option<String>,
    /// Or the URL where the client publishes them.
    #[serde(default)]
    pub jwks_uri: Option<String>,
}

/// Most redirect URIs or origins one client may register.
const MAX_LIST: usize = 20;

impl ClientSpec {
    /// A public client (a native or browser app, RFC 6749 §2.1) with one
    /// redirect URI and the given scopes; the other fields take their defaults.
    pub fn public(name: &str, redirect_uri: &str, scopes: &[&str]) -> Self {
        Self {
            name: name.into(),
            client_type: "public".into(),
            redirect_uris: vec![redirect_uri.into()],
            scopes: scopes.iter().map(|&scope| scope.into()).collect(),
            ..Self::default()
        }
    }

    /// Checks every rule and names the first field that breaks one.
    pub fn validate(&self, catalog: &ScopeCatalog) -> Result<ClientMetadata, ClientFieldError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(refuse("name", "must be 1 to 100 printable characters"));
        }
        let client_type: ClientType = self.client_type.parse().map_err(|e| refuse("type", e))?;
        let auth_method = self.auth_method(client_type)?;
        let scopes = self
            .scopes
            .iter()
            .map(|s| catalog.known(s).map_err(|e| refuse("scope", e)))
            .collect::<Result<BTreeSet<_>, _>>()?;
        if scopes.is_empty() {
            return Err(refuse("scope", "at least one scope is required"));
        }
        let grant_types = self.grant_types(client_type, &scopes)?;
        let redirect_uris = dedup(
            self.redirect_uris
                .iter()
                .map(|u| RedirectUri::parse(u, client_type).map_err(|e| refuse("redirect_uri", e)))
                .collect::<Result<Vec<_>, _>>()?,
        );
        if grant_types.contains(&GrantType::AuthorizationCode) && redirect_uris.is_empty() {
            return Err(refuse("redirect_uri", "at least one is required for authorization_code"));
        }
        let allowed_origins = dedup(
            self.allowed_origins
                .iter()
                .map(|o| Origin::parse(o).map_err(|e| refuse("origin", e)))
                .collect::<Result<Vec<_>, _>>()?,
        );
        if redirect_uris.len() > MAX_LIST {
            return Err(refuse("redirect_uri", format!("at most {MAX_LIST}")));
        }
        if allowed_origins.len() > MAX_LIST {
            return Err(refuse("origin", format!("at most {MAX_LIST}")));
        }
        let post_logout_redirect_uris = dedup(
            self.post_logout_redirect_uris
                .iter()
                .map(|u| {
                    RedirectUri::parse(u, client_type).map_err(|e| refuse("post_logout_redirect_uri", e))
                })
                .collect::<Result<Vec<_>, _>>()?,
        );
        if post_logout_redirect_uris.len() > MAX_LIST {
            return Err(refuse("post_logout_redirect_uri", format!("at most {MAX_LIST}")));
        }
        // RFC 7662 §2.1: introspection needs a caller that can authenticate.
        if self.may_introspect_any && client_type == ClientType::Public {
            return Err(refuse("introspect_any", "only a confidential client may introspect"));
        }
        let resources = self
            .resources
            .iter()
            .map(|uri| ResourceUri::parse(uri).map_err(|e| refuse("resource", e)))
            .collect::<Result<BTreeSet<_>, _>>()?;
        if resources.len() > MAX_LIST {
            return Err(refuse("resource", format!("at most {MAX_LIST}")));
        }
        let id_token_alg = match &self.id_token_alg {
            None => IdTokenAlg::Rs256,
            Some(text) => text.parse().map_err(|e| refuse("id_token_alg", e))?,
        };
        let keys = self.keys(auth_method)?;
        Ok(ClientMetadata {
            name: name.to_owned(),
            client_type,
            auth_method,
            redirect_uris,
            allowed_origins,
            scopes,
            grant_types,
            id_token_alg,
            skip_consent: self.skip_consent,
            post_logout_redirect_uris,
            may_introspect_any: self.may_introspect_any,
            require_pushed_requests: self.require_pushed_requests,
            dpop_bound: self.dpop_bound,
            resources,
            keys,
        })
    }

    /// RFC 7523 §2.2: a `private_key_jwt` client has keys, by value or by
    /// URL but not both (RFC 7591 §2), and no other client has any
    /// (nothing else would check them).
    fn keys(&self, method: AuthMethod) -> Result<Option<ClientKeys>, ClientFieldError> {
        let keys = match (given(self.jwks.as_deref()), given(self.jwks_uri.as_deref())) {
            (Some(_), Some(_)) => {
                return Err(refuse("jwks_uri", "jwks and jwks_uri must not both be given (RFC 7591 §2)"));
            }
            (Some(text), None) if text.len() > MAX_JWKS_BYTES => {
                return Err(refuse("jwks", format!("at most {MAX_JWKS_BYTES} bytes")));
            }
            (Some(text), None) => Some(ClientKeys::Registered(text.to_owned())),
            (None, Some(uri)) => {
                Some(ClientKeys::Published(JwksUri::parse(uri).map_err(|e| refuse("jwks_uri", e))?))
            }
            (None, None) => None,
        };
        match (method, keys) {
            (AuthMethod::PrivateKeyJwt, None) => Err(refuse(
                "jwks",
                "a private_key_jwt client needs its public keys (a JWK Set, or the jwks_uri it is published at)",
            )),
            (AuthMethod::PrivateKeyJwt, keys) => Ok(keys),
            (_, Some(ClientKeys::Registered(_))) => {
                Err(refuse("jwks", "only a private_key_jwt client has keys"))
            }
            (_, Some(ClientKeys::Published(_))) => {
                Err(refuse("jwks_uri", "only a private_key_jwt client has keys"))
            }
            (_, None) => Ok(None),
        }
    }

    fn auth_method(&self, client_type: ClientType) -> Result<AuthMethod, ClientFieldError> {
        let method = match (&self.auth_method, client_type) {
            (None, ClientType::Confidential) => AuthMethod::ClientSecretBasic,
            (None, ClientType::Public) => AuthMethod::None,
            (Some(text), _) => text.parse().map_err(|e| refuse("auth_method", e))?,
        };
        match (client_type, method) {
            (ClientType::Public, AuthMethod::None)
            | (
                ClientType::Confidential,
                AuthMethod::ClientSecretBasic | AuthMethod::ClientSecretPost | AuthMethod::PrivateKeyJwt,
            ) => Ok(method),
            (ClientType::Public, _) => Err(refuse("auth_method", "a public client has no secret: use none")),
            (ClientType::Confidential, _) => Err(refuse(
                "auth_method",
                "a confidential client authenticates with client_secret_basic, client_secret_post or \
                 private_key_jwt",
            )),
        }
    }

    fn grant_types(
        &self,
        client_type: ClientType,
        scopes: &BTreeSet<ScopeName>,
    ) -> Result<BTreeSet<GrantType>, ClientFieldError> {
        let grants: BTreeSet<GrantType> = if self.grant_types.is_empty() {
            let mut defaults = BTreeSet::from([GrantType::AuthorizationCode]);
            if scopes.iter().any(|s| s.as_str() == "offline_access") {
                defaults.insert(GrantType::RefreshToken);
            }
            defaults
        } else {
            self.grant_types
                .iter()
                .map(|g| GrantType::parse_short(g).map_err(|e| refuse("grant", e)))
                .collect::<Result<_, _>>()?
        };
        // RFC 6749 §4.4: only a client that can authenticate may use client credentials.
        if client_type == ClientType::Public && grants.contains(&GrantType::ClientCredentials) {
            return Err(refuse("grant", "client_credentials is for confidential clients only"));
        }
        let issues_refresh_tokens =
            grants.contains(&GrantType::AuthorizationCode) || grants.contains(&GrantType::DeviceCode);
        if grants.contains(&GrantType::RefreshToken) && !issues_refresh_tokens {
            return Err(refuse(
                "grant",
                "refresh_token is issued by the authorization_code or device_code grant; add one",
            ));
        }
        Ok(grants)
    }
}

impl From<&ClientMetadata> for ClientSpec {
    fn from(metadata: &ClientMetadata) -> Self {
        Self {
            name: metadata.name.clone(),
            client_type: metadata.client_type.as_str().to_owned(),
            auth_method: Some(metadata.auth_method.as_str().to_owned()),
            redirect_uris: metadata.redirect_uris.iter().map(|u| u.as_str().to_owned()).collect(),
            allowed_origins: metadata.allowed_origins.iter().map(|o| o.as_str().to_owned()).collect(),
            scopes: metadata.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            grant_types: metadata.grant_types.iter().map(|g| g.as_str().to_owned()).collect(),
            id_token_alg: Some(metadata.id_token_alg.as_str().to_owned()),
            skip_consent: metadata.skip_consent,
            post_logout_redirect_uris: metadata
                .post_logout_redirect_uris
                .iter()
                .map(|u| u.as_str().to_owned())
                .collect(),
            may_introspect_any: metadata.may_introspect_any,
            require_pushed_requests: metadata.require_pushed_requests,
            dpop_bound: metadata.dpop_bound,
            resources: metadata.resources.iter().map(|r| r.as_str().to_owned()).collect(),
            jwks: metadata.keys.as_ref().and_then(ClientKeys::registered).map(str::to_owned),
            jwks_uri: metadata
                .keys
                .as_ref()
                .and_then(ClientKeys::published)
                .map(|uri| uri.as_str().to_owned()),
        }
    }
}

/// A field's text, unless it is blank.
fn given(field: Option<&str>) -> Option<&str> {
    field.map(str::trim).filter(|text| !text.is_empty())
}

/// Keeps the first of each value, in order.
fn dedup<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut kept: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        if !kept.contains(&item) {
            kept.push(item);
        }
    }
    kept
}
