//! OAuth clients: the applications that send users here. A client is either
//! confidential (it can keep a secret) or public (a native or browser app
//! that cannot). Secrets are generated here, shown once, and stored only as
//! SHA-256 digests.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use base64ct::{Base64UrlUnpadded, Encoding};
use time::OffsetDateTime;

use crate::digest::{Digest, IssuedSecret};
use crate::origin::Origin;
use crate::ports::{RandomSource, RandomUnavailable};
use crate::redirect_uri::RedirectUri;
use crate::scope::{ScopeCatalog, ScopeName};

/// A client's public identifier: 128 random bits, base64url (RFC 6749 §2.2).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientId(String);

impl ClientId {
    /// A fresh identifier: unguessable, so that knowing one client's id says
    /// nothing about another's.
    ///
    /// Never starts with `-`: operators type ids as command-line arguments,
    /// where a leading dash reads as an option (one id in 64 did).
    pub fn generate(random: &dyn RandomSource) -> Result<Self, RandomUnavailable> {
        let mut bytes = [0_u8; 16];
        loop {
            random.fill(&mut bytes)?;
            let text = Base64UrlUnpadded::encode_string(&bytes);
            if !text.starts_with('-') {
                return Ok(Self(text));
            }
        }
    }

    /// Accepts what `generate` produces (and any other URL-safe token of 1 to 64 characters).
    pub fn parse(text: &str) -> Result<Self, InvalidClientId> {
        let url_safe = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if text.is_empty() || text.len() > 64 || !text.chars().all(url_safe) {
            return Err(InvalidClientId);
        }
        Ok(Self(text.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The text is not a client id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a client id (1 to 64 characters of A-Z, a-z, 0-9, '-', '_')")]
pub struct InvalidClientId;

/// Defines a closed set of protocol words with their wire spelling.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The wire spelling.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, String> {
                match text {
                    $($text => Ok(Self::$variant),)+
                    other => Err(format!(
                        "{other:?} is not one of: {}",
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// RFC 6749 §2.1 client types.
    ClientType {
        /// Can keep a secret: a server-side web application.
        Confidential => "confidential",
        /// Cannot: a native or single-page app; must use PKCE.
        Public => "public",
    }
}

wire_enum! {
    /// How a client authenticates at the token endpoint (RFC 7591 §2).
    AuthMethod {
        /// RFC 6749 §2.3.1, HTTP Basic.
        ClientSecretBasic => "client_secret_basic",
        /// RFC 6749 §2.3.1, form body.
        ClientSecretPost => "client_secret_post",
        /// Public clients: no secret.
        None => "none",
    }
}

wire_enum! {
    /// Grant types a client may use at the token endpoint.
    GrantType {
        /// RFC 6749 §4.1
        AuthorizationCode => "authorization_code",
        /// RFC 6749 §6
        RefreshToken => "refresh_token",
        /// RFC 6749 §4.4, confidential clients only.
        ClientCredentials => "client_credentials",
    }
}

wire_enum! {
    /// `id_token_signed_response_alg` (OIDC Registration §2). RS256 is the default
    /// because OIDC Core §15.1 makes it mandatory to implement.
    IdTokenAlg {
        /// RSASSA-PKCS1-v1_5 with SHA-256.
        Rs256 => "RS256",
        /// ECDSA P-256 with SHA-256.
        Es256 => "ES256",
    }
}

/// Marks digests of client secrets.
#[derive(Debug)]
pub enum ClientSecretKind {}

/// SHA-256 of a client secret.
pub type SecretDigest = Digest<ClientSecretKind>;

/// A client secret in the clear: generated here (256 bits), shown once.
pub type ClientSecret = IssuedSecret<ClientSecretKind>;

/// A stored secret: its digest and, while a rotation's grace period runs, its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSecret {
    /// SHA-256 of the secret.
    pub digest: SecretDigest,
    /// When it was issued.
    pub created_at: OffsetDateTime,
    /// After this instant the secret is refused; `None` while it is the current one.
    pub expires_at: Option<OffsetDateTime>,
}

impl StoredSecret {
    /// Whether the secret is accepted at `now`.
    pub fn is_valid_at(&self, now: OffsetDateTime) -> bool {
        self.expires_at.is_none_or(|end| now < end)
    }
}

/// What an operator sets on a client; validated (see [`ClientSpec::validate`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientMetadata {
    /// Unique display name (compared without regard to case); the handle for `clients apply`.
    pub name: String,
    pub client_type: ClientType,
    pub auth_method: AuthMethod,
    pub redirect_uris: Vec<RedirectUri>,
    pub allowed_origins: Vec<Origin>,
    pub scopes: BTreeSet<ScopeName>,
    pub grant_types: BTreeSet<GrantType>,
    pub id_token_alg: IdTokenAlg,
    /// First-party apps only: no consent page. Off unless an admin sets it.
    pub skip_consent: bool,
    /// Where RP-initiated logout may send the browser back (matched exactly).
    pub post_logout_redirect_uris: Vec<RedirectUri>,
    /// A resource server that may introspect every client's tokens (RFC 7662
    /// §4: which tokens a caller may see is the server's policy). Off by default.
    pub may_introspect_any: bool,
}

/// A registered client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub id: ClientId,
    pub metadata: ClientMetadata,
    /// At most two: the current one and, during a grace period, the previous.
    pub secrets: Vec<StoredSecret>,
    /// A disabled client is refused everywhere; its record remains.
    pub disabled: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl Client {
    /// Whether `presented` is one of this client's secrets valid at `now`.
    /// Every stored digest is compared, so the time taken does not reveal which matched.
    pub fn secret_matches(&self, presented: &str, now: OffsetDateTime) -> bool {
        self.secrets
            .iter()
            .map(|secret| secret.is_valid_at(now) & secret.digest.verify(presented))
            .fold(false, |any, this| any | this)
    }

    /// Whether a browser on `origin` may call the token endpoint for this client (CORS).
    pub fn allows_origin(&self, origin: &str) -> bool {
        !self.disabled && self.metadata.allowed_origins.iter().any(|allowed| allowed.as_str() == origin)
    }

    /// The registered post-logout redirect URI equal to `presented`, byte for
    /// byte (OpenID Connect RP-Initiated Logout 1.0 §3: exact match).
    pub fn post_logout_target(&self, presented: &str) -> Option<&RedirectUri> {
        self.metadata.post_logout_redirect_uris.iter().find(|uri| uri.as_str() == presented)
    }

    /// The key that makes names unique.
    pub fn name_key(&self) -> String {
        name_key(&self.metadata.name)
    }
}

/// Names are unique without regard to case.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// A refused field: which one, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{field}`: {reason}")]
pub struct ClientFieldError {
    /// The CLI/file field name: `name`, `type`, `auth_method`, `redirect_uri`, `origin`, `scope`, `grant`, `id_token_alg`.
    pub field: &'static str,
    pub reason: String,
}

fn refuse(field: &'static str, reason: impl fmt::Display) -> ClientFieldError {
    ClientFieldError { field, reason: reason.to_string() }
}

/// A client as an operator describes it: untrusted text, until validated.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub client_type: String,
    #[serde(default)]
    pub auth_method: Option<String>,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Empty: `authorization_code`, plus `refresh_token` when `offline_access` is allowed.
    #[serde(default)]
    pub grant_types: Vec<String>,
    #[serde(default)]
    pub id_token_alg: Option<String>,
    #[serde(default)]
    pub skip_consent: bool,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    #[serde(default)]
    pub may_introspect_any: bool,
}

/// Most redirect URIs or origins one client may register.
const MAX_LIST: usize = 20;

impl ClientSpec {
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
        let id_token_alg = match &self.id_token_alg {
            None => IdTokenAlg::Rs256,
            Some(text) => text.parse().map_err(|e| refuse("id_token_alg", e))?,
        };
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
        })
    }

    fn auth_method(&self, client_type: ClientType) -> Result<AuthMethod, ClientFieldError> {
        let method = match (&self.auth_method, client_type) {
            (None, ClientType::Confidential) => AuthMethod::ClientSecretBasic,
            (None, ClientType::Public) => AuthMethod::None,
            (Some(text), _) => text.parse().map_err(|e| refuse("auth_method", e))?,
        };
        match (client_type, method) {
            (ClientType::Public, AuthMethod::None)
            | (ClientType::Confidential, AuthMethod::ClientSecretBasic | AuthMethod::ClientSecretPost) => {
                Ok(method)
            }
            (ClientType::Public, _) => Err(refuse("auth_method", "a public client has no secret: use none")),
            (ClientType::Confidential, _) => Err(refuse(
                "auth_method",
                "a confidential client authenticates with client_secret_basic or client_secret_post",
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
                .map(|g| g.parse().map_err(|e| refuse("grant", e)))
                .collect::<Result<_, _>>()?
        };
        // RFC 6749 §4.4: only a client that can authenticate may use client credentials.
        if client_type == ClientType::Public && grants.contains(&GrantType::ClientCredentials) {
            return Err(refuse("grant", "client_credentials is for confidential clients only"));
        }
        if grants.contains(&GrantType::RefreshToken) && !grants.contains(&GrantType::AuthorizationCode) {
            return Err(refuse("grant", "refresh_token is issued by the authorization_code grant; add it"));
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
        }
    }
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

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::*;

    #[test]
    fn generated_ids_never_start_with_a_dash() {
        let random = crate::testing::SeqRandom::new(64);
        for _ in 0..2000 {
            assert!(!ClientId::generate(&random).unwrap().as_str().starts_with('-'));
        }
    }
    use crate::testing::{SeqRandom, fixtures::T0};

    fn spec(client_type: &str) -> ClientSpec {
        ClientSpec {
            name: "Billing".into(),
            client_type: client_type.into(),
            redirect_uris: vec!["https://billing.example/cb".into()],
            scopes: vec!["openid".into(), "email".into()],
            ..ClientSpec::default()
        }
    }

    #[test]
    fn ids_and_secrets_are_random_url_safe_and_long_enough() {
        let random = SeqRandom::new(3);
        let a = ClientId::generate(&random).unwrap();
        let b = ClientId::generate(&random).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 22);
        assert_eq!(ClientId::parse(a.as_str()), Ok(a));
        let secret = ClientSecret::generate(&random).unwrap();
        assert_eq!(secret.expose().len(), 43, "256 bits in base64url");
        assert!(!format!("{secret:?}").contains(secret.expose()));
        for bad in ["", "has space", "slash/", &"x".repeat(65)] {
            assert_eq!(ClientId::parse(bad), Err(InvalidClientId), "{bad:?}");
        }
    }

    #[test]
    fn expired_secrets_no_longer_match() {
        let secret = StoredSecret {
            digest: SecretDigest::of("old"),
            created_at: T0,
            expires_at: Some(T0 + Duration::hours(1)),
        };
        assert!(secret.is_valid_at(T0 + Duration::minutes(59)));
        assert!(!secret.is_valid_at(T0 + Duration::hours(1)));
    }

    #[test]
    fn defaults_follow_the_client_type() {
        let catalog = ScopeCatalog::default();
        let confidential = spec("confidential").validate(&catalog).unwrap();
        assert_eq!(confidential.auth_method, AuthMethod::ClientSecretBasic);
        assert_eq!(confidential.grant_types, BTreeSet::from([GrantType::AuthorizationCode]));
        assert_eq!(confidential.id_token_alg, IdTokenAlg::Rs256);
        assert!(!confidential.skip_consent);
        let public = spec("public").validate(&catalog).unwrap();
        assert_eq!(public.auth_method, AuthMethod::None);
        let offline = ClientSpec { scopes: vec!["openid".into(), "offline_access".into()], ..spec("public") };
        assert!(offline.validate(&catalog).unwrap().grant_types.contains(&GrantType::RefreshToken));
    }

    #[test]
    fn refusals_name_the_field() {
        type Change = fn(&mut ClientSpec);
        let catalog = ScopeCatalog::new([("api:read", "Read")]).unwrap();
        let rows: &[(&str, Change, &str)] = &[
            ("empty name", |s| s.name = " ".into(), "name"),
            ("unknown type", |s| s.client_type = "trusted".into(), "type"),
            (
                "public with secret method",
                |s| {
                    s.client_type = "public".into();
                    s.auth_method = Some("client_secret_basic".into());
                },
                "auth_method",
            ),
            ("confidential with none", |s| s.auth_method = Some("none".into()), "auth_method"),
            ("unknown method", |s| s.auth_method = Some("private_key_jwt".into()), "auth_method"),
            ("unknown scope", |s| s.scopes.push("api:write".into()), "scope"),
            ("no scope", |s| s.scopes.clear(), "scope"),
            ("bad redirect", |s| s.redirect_uris = vec!["http://billing.example/cb".into()], "redirect_uri"),
            ("no redirect for code", |s| s.redirect_uris.clear(), "redirect_uri"),
            (
                "origin with path",
                |s| s.allowed_origins = vec!["https://billing.example/app".into()],
                "origin",
            ),
            ("unknown grant", |s| s.grant_types = vec!["password".into()], "grant"),
            (
                "public client credentials",
                |s| {
                    s.client_type = "public".into();
                    s.grant_types = vec!["client_credentials".into()];
                },
                "grant",
            ),
            (
                "refresh without code",
                |s| {
                    s.grant_types = vec!["refresh_token".into(), "client_credentials".into()];
                },
                "grant",
            ),
            ("unknown alg", |s| s.id_token_alg = Some("HS256".into()), "id_token_alg"),
        ];
        for (name, change, field) in rows {
            let mut candidate = spec("confidential");
            candidate.scopes.push("api:read".into());
            change(&mut candidate);
            let error = candidate.validate(&catalog).unwrap_err();
            assert_eq!(error.field, *field, "case {name}: {error}");
        }
    }

    #[test]
    fn machine_client_needs_no_redirect_uri() {
        let catalog = ScopeCatalog::new([("api:read", "Read")]).unwrap();
        let machine = ClientSpec {
            redirect_uris: vec![],
            scopes: vec!["api:read".into()],
            grant_types: vec!["client_credentials".into()],
            ..spec("confidential")
        };
        assert!(machine.validate(&catalog).is_ok());
    }

    #[test]
    fn metadata_round_trips_through_a_spec() {
        let catalog = ScopeCatalog::default();
        let metadata = spec("confidential").validate(&catalog).unwrap();
        assert_eq!(ClientSpec::from(&metadata).validate(&catalog).unwrap(), metadata);
    }
}
