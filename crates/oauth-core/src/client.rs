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
use crate::resource::ResourceUri;
use crate::scope::ScopeName;

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

    /// Accepts what `generate` produces (any URL-safe token of 1 to 64
    /// characters), and URL-shaped ids of at most [`MAX_URL_ID_LEN`] visible
    /// ASCII characters: client ID metadata documents name a client by the
    /// URL of its document (draft-ietf-oauth-client-id-metadata-document §3),
    /// checked fully by [`DocumentUrl`](crate::metadata_document::DocumentUrl).
    pub fn parse(text: &str) -> Result<Self, InvalidClientId> {
        let url_safe = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        let token = !text.is_empty() && text.len() <= 64 && text.chars().all(url_safe);
        let url_shaped = Self::is_url_shaped(text)
            && text.len() <= MAX_URL_ID_LEN
            && text.chars().all(|c| c.is_ascii_graphic());
        if !(token || url_shaped) {
            return Err(InvalidClientId);
        }
        Ok(Self(text.to_owned()))
    }

    /// Whether the id has the shape of a metadata document's URL (it starts
    /// with `https://` or `http://`), which no generated id has.
    pub fn is_url(&self) -> bool {
        Self::is_url_shaped(&self.0)
    }

    fn is_url_shaped(text: &str) -> bool {
        text.starts_with("https://") || text.starts_with("http://")
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

/// The longest URL a client id may be.
pub const MAX_URL_ID_LEN: usize = 512;

/// The text is not a client id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a client id (1 to 64 characters of A-Z, a-z, 0-9, '-', '_', or an https URL)")]
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
        /// RFC 7523 §2.2, OIDC Core §9: a JWT signed with one of the
        /// client's registered private keys.
        PrivateKeyJwt => "private_key_jwt",
    }
}

impl AuthMethod {
    /// Whether the method presents a client secret (RFC 6749 §2.3.1).
    pub fn uses_secret(self) -> bool {
        matches!(self, Self::ClientSecretBasic | Self::ClientSecretPost)
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
        /// RFC 8628 §3.4: devices without a browser (`--grant device_code`).
        DeviceCode => "urn:ietf:params:oauth:grant-type:device_code",
    }
}

impl GrantType {
    /// A grant type as an operator writes it: the wire spelling, or
    /// `device_code` for the device grant's URN.
    pub fn parse_short(text: &str) -> Result<Self, String> {
        match text {
            "device_code" => Ok(Self::DeviceCode),
            other => other.parse(),
        }
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

wire_enum! {
    /// `application_type` (OpenID Connect Dynamic Client Registration 1.0
    /// §2), which decides the redirect URIs a dynamic client may register.
    ApplicationType {
        /// A web server: https redirect URIs on a real host.
        Web => "web",
        /// An app on the user's device: https, or http on a loopback literal.
        Native => "native",
    }
}

wire_enum! {
    /// Where a client's registration comes from. Only an operator's
    /// registration is trusted as said; the others are self-asserted
    /// (RFC 7591 §5), so their consent page is always shown and marks them.
    ClientOrigin {
        /// Registered by an operator (`auth-server clients create|apply`).
        Registered => "registered",
        /// Described by the document at its client id URL
        /// (draft-ietf-oauth-client-id-metadata-document).
        MetadataDocument => "metadata_document",
        /// Registered by the client itself at the registration endpoint
        /// (RFC 7591).
        Dynamic => "dynamic",
    }
}

impl ClientOrigin {
    /// Whether an operator vouched for the client.
    pub fn is_registered(self) -> bool {
        self == Self::Registered
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
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent per-client switches, each an RFC's own client metadata flag"
)]
pub struct ClientMetadata {
    /// Unique display name (compared without regard to case); the handle for `clients apply`.
    pub name: String,
    /// Confidential or public (RFC 6749 §2.1).
    pub client_type: ClientType,
    /// How the client authenticates at the token endpoint.
    pub auth_method: AuthMethod,
    /// The redirect URIs, matched exactly.
    pub redirect_uris: Vec<RedirectUri>,
    /// Browser origins allowed to call the token endpoint (CORS).
    pub allowed_origins: Vec<Origin>,
    /// The scopes the client may request.
    pub scopes: BTreeSet<ScopeName>,
    /// The grants the client may use at the token endpoint.
    pub grant_types: BTreeSet<GrantType>,
    /// The algorithm its ID tokens are signed with.
    pub id_token_alg: IdTokenAlg,
    /// First-party apps only: no consent page. Off unless an admin sets it.
    pub skip_consent: bool,
    /// Where RP-initiated logout may send the browser back (matched exactly).
    pub post_logout_redirect_uris: Vec<RedirectUri>,
    /// A resource server that may introspect every client's tokens (RFC 7662
    /// §4: which tokens a caller may see is the server's policy). Off by default.
    pub may_introspect_any: bool,
    /// Only pushed authorization requests are accepted for this client
    /// (RFC 9126 §6, `require_pushed_authorization_requests`). Off by default.
    pub require_pushed_requests: bool,
    /// Every token request must carry a DPoP proof (RFC 9449 §5.2
    /// `dpop_bound_access_tokens`), so every access token is key-bound.
    /// Off by default.
    pub dpop_bound: bool,
    /// The resource servers (RFC 8707) the client may ask tokens for; none
    /// by default, when its tokens carry the server's default audience.
    pub resources: BTreeSet<ResourceUri>,
    /// The public keys of a `private_key_jwt` client (RFC 7591 §2 `jwks`
    /// or `jwks_uri`); no other client has any.
    pub keys: Option<ClientKeys>,
}

/// A registered client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// The identifier issued at registration, or its metadata document's URL.
    pub id: ClientId,
    /// Who registered it.
    pub origin: ClientOrigin,
    /// What the operator set.
    pub metadata: ClientMetadata,
    /// At most two: the current one and, during a grace period, the previous.
    pub secrets: Vec<StoredSecret>,
    /// A disabled client is refused everywhere; its record remains.
    pub disabled: bool,
    /// When it was registered.
    pub created_at: OffsetDateTime,
    /// When its metadata or secrets last changed.
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

    /// Whether this client is enabled and `presented` is one of its secrets
    /// valid at `now`: the secret half of client authentication at the
    /// token, introspection and revocation endpoints (RFC 6749 §2.3.1).
    pub fn accepts_secret(&self, presented: &str, now: OffsetDateTime) -> bool {
        !self.disabled & self.secret_matches(presented, now)
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

    /// The key that makes names unique. A self-asserted client's name is
    /// not: two documents may both call themselves "Visual Studio Code", and
    /// neither may take an operator's name, so its key is its origin and id
    /// (a space cannot begin a registered name's key, which is trimmed).
    pub fn name_key(&self) -> String {
        match self.origin {
            ClientOrigin::Registered => name_key(&self.metadata.name),
            origin @ (ClientOrigin::MetadataDocument | ClientOrigin::Dynamic) => {
                format!(" {origin} {}", self.id)
            }
        }
    }
}

/// Names are unique without regard to case.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

mod keys;
mod registration;
mod spec;
mod template;
#[cfg(test)]
mod tests;

pub use keys::{ClientKeys, InvalidJwksUri, JwksUri, MAX_JWKS_BYTES};
pub use registration::{
    RegistrationErrorCode, RegistrationRefused, RegistrationRequest, UpdateClaims, metadata_fault,
};
pub use spec::{ClientFieldError, ClientSpec};
pub use template::SelfAssertedTemplate;
