//! Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document,
//! "CIMD"): a client whose `client_id` is an https URL, described by the JSON
//! document served at that URL. The rules here are pure: which URLs may be
//! client ids, and what a document must say. Fetching is an adapter's
//! (`ports::MetadataDocuments`); what a valid document may obtain is
//! [`SelfAssertedTemplate`](crate::client::SelfAssertedTemplate)'s.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde::de::IgnoredAny;
use url::Url;

use crate::address::is_public;
use crate::client::{ClientType, GrantType, MAX_URL_ID_LEN};
use crate::redirect_uri::{RedirectUri, is_loopback_literal};
use crate::scope::ScopeName;

/// Most redirect URIs one document may list.
pub const MAX_DOCUMENT_REDIRECT_URIS: usize = 20;

/// The URL of a client's metadata document, which is its client id.
///
/// SECURITY: only the canonical spelling is accepted, so that the plain
/// string comparison of the document's `client_id` with this URL (CIMD §4.1)
/// cannot be met by another spelling, and every id names one document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DocumentUrl(String);

/// Why a client id cannot be a metadata document's URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a client id metadata document URL: {0}")]
pub struct InvalidDocumentUrl(&'static str);

impl DocumentUrl {
    /// Checks `text` against CIMD §3: `https`, a path other than `/`, no
    /// userinfo, fragment or dot segment; and, as our rule, no query and the
    /// canonical form. `allow_http_loopback` (development only, CIMD §8.6)
    /// also admits `http` on the loopback literals `127.0.0.1` and `[::1]`.
    pub fn parse(text: &str, allow_http_loopback: bool) -> Result<Self, InvalidDocumentUrl> {
        if text.len() > MAX_URL_ID_LEN || !text.chars().all(|c| c.is_ascii_graphic()) {
            return Err(InvalidDocumentUrl("at most 512 visible ASCII characters"));
        }
        let url = Url::parse(text).map_err(|_| InvalidDocumentUrl("not an absolute URL"))?;
        match url.scheme() {
            "https" => {}
            "http" if allow_http_loopback && is_loopback_literal(&url) => {}
            _ => return Err(InvalidDocumentUrl("the scheme must be https")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(InvalidDocumentUrl("no user information"));
        }
        if text.contains('#') {
            return Err(InvalidDocumentUrl("no fragment"));
        }
        if text.contains('?') {
            return Err(InvalidDocumentUrl("no query"));
        }
        if url.path() == "/" {
            return Err(InvalidDocumentUrl("a path other than /"));
        }
        // Our rule: the default port only, so a document URL cannot aim
        // the fetch at another service on a public host (this one's
        // included); the development switch's loopback URLs need a port.
        if url.scheme() == "https" && url.port().is_some() {
            return Err(InvalidDocumentUrl("no port: https documents are fetched from port 443"));
        }
        // Dot segments, an upper-case host or a default port spelled out all
        // make the parsed form differ from the text.
        if url.as_str() != text {
            return Err(InvalidDocumentUrl("not in canonical form (dot segments, case, default port)"));
        }
        Ok(Self(text.to_owned()))
    }

    /// The URL as text: the client id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The host and explicit port of an absolute URL.
pub fn host_of(text: &str) -> Option<String> {
    let url = Url::parse(text).ok()?;
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// A document's members as read, before any check. Unknown members are
/// ignored (RFC 7591 §2, CIMD §4.1); a member of the wrong JSON type makes
/// the document unreadable. Members that must be absent are read only for
/// their presence.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DocumentFields {
    /// Must equal the document's URL.
    pub client_id: Option<String>,
    /// Required.
    pub client_name: Option<String>,
    /// Required, at least one.
    pub redirect_uris: Option<Vec<String>>,
    /// `none` when present.
    pub token_endpoint_auth_method: Option<String>,
    /// A subset of `authorization_code` and `refresh_token`.
    pub grant_types: Option<Vec<String>>,
    /// `code` only.
    pub response_types: Option<Vec<String>>,
    /// The scopes the client would like, space-separated.
    pub scope: Option<String>,
    /// Must be absent: a public document cannot hold a shared secret (CIMD §4.1).
    pub client_secret: Option<IgnoredAny>,
    /// Must be absent, as `client_secret`.
    pub client_secret_expires_at: Option<IgnoredAny>,
}

/// A document that passed every check of CIMD §4.1 and our template's
/// redirect rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientDocument {
    /// Its URL, equal to the `client_id` it states.
    pub url: DocumentUrl,
    /// `client_name`, self-asserted.
    pub client_name: String,
    /// `redirect_uris`: https, or http on a loopback literal.
    pub redirect_uris: Vec<RedirectUri>,
    /// `grant_types`: `authorization_code`, with `refresh_token` if asked.
    pub grant_types: BTreeSet<GrantType>,
    /// `scope`, if the document names any.
    pub scope: Option<BTreeSet<ScopeName>>,
}

/// Why a document was refused: the member, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{member}`: {reason}")]
pub struct InvalidDocument {
    /// The document member at fault.
    pub member: &'static str,
    /// Why, in words safe to show.
    pub reason: String,
}

pub(crate) fn invalid(member: &'static str, reason: impl Into<String>) -> InvalidDocument {
    InvalidDocument { member, reason: reason.into() }
}

impl ClientDocument {
    /// Checks the document read from `url`.
    pub fn validate(url: &DocumentUrl, fields: DocumentFields) -> Result<Self, InvalidDocument> {
        // CIMD §4.1: the document's client_id MUST equal its URL, by simple
        // string comparison.
        if fields.client_id.as_deref() != Some(url.as_str()) {
            return Err(invalid("client_id", "must equal the document's URL exactly"));
        }
        if fields.client_secret.is_some() || fields.client_secret_expires_at.is_some() {
            return Err(invalid("client_secret", "a metadata document cannot hold a shared secret"));
        }
        match fields.token_endpoint_auth_method.as_deref() {
            None | Some("none") => {}
            Some("private_key_jwt") => {
                return Err(invalid("token_endpoint_auth_method", "private_key_jwt is not supported here"));
            }
            Some(_) => return Err(invalid("token_endpoint_auth_method", "must be none")),
        }
        let client_name = fields.client_name.ok_or_else(|| invalid("client_name", "is required"))?;
        check_client_name(&client_name)?;
        let redirect_uris = redirect_uris(fields.redirect_uris, RedirectKind::Native)?;
        let grant_types = grant_types(fields.grant_types)?;
        check_response_types(fields.response_types.as_deref())?;
        let scope = fields.scope.as_deref().map(scope_tokens).transpose()?;
        Ok(Self { url: url.clone(), client_name, redirect_uris, grant_types, scope })
    }
}

/// A self-chosen name: 1 to 100 printable characters, none invisible.
pub(crate) fn check_client_name(name: &str) -> Result<(), InvalidDocument> {
    if name.trim().is_empty()
        || name.chars().count() > 100
        || name.chars().any(|c| c.is_control() || is_invisible_format(c))
    {
        return Err(invalid("client_name", "must be 1 to 100 printable characters, no invisible formatting"));
    }
    Ok(())
}

/// `response_types`, when given, is `["code"]` (the only flow we serve).
pub(crate) fn check_response_types(types: Option<&[String]>) -> Result<(), InvalidDocument> {
    match types {
        Some(types) if types.is_empty() || types.iter().any(|t| t != "code") => {
            Err(invalid("response_types", "must be [\"code\"]"))
        }
        _ => Ok(()),
    }
}

/// The space-separated scope tokens of `text`.
pub(crate) fn scope_tokens(text: &str) -> Result<BTreeSet<ScopeName>, InvalidDocument> {
    text.split(' ')
        .filter(|s| !s.is_empty())
        .enumerate()
        .map(|(index, s)| {
            ScopeName::parse(s).map_err(|_| invalid("scope", format!("token {index} is not a scope name")))
        })
        .collect()
}

/// Characters that change how a name reads without being seen: the format
/// characters (Unicode category Cf: bidirectional overrides and isolates,
/// which make a name read backwards, zero-width characters, the soft
/// hyphen, tags), the line and paragraph separators, variation selectors
/// and the Hangul fillers, which render as blanks.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
            | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
            | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}' | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Which redirect URIs a self-asserted client may have (OIDC Dynamic
/// Client Registration §2 `application_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RedirectKind {
    /// A web application: https on a real host only.
    Web,
    /// An app on the user's device: https, or http on a loopback literal.
    Native,
}

/// Redirect URIs as RFC 7591 §5 and RFC 9700 §2.1 allow them for a client
/// nobody vetted: https, or (native apps) http on a loopback literal
/// (RFC 8252 §7.3); no private-use scheme, which any app on the device
/// could claim.
pub(crate) fn redirect_uris(
    uris: Option<Vec<String>>,
    kind: RedirectKind,
) -> Result<Vec<RedirectUri>, InvalidDocument> {
    let uris = uris.unwrap_or_default();
    if uris.is_empty() || uris.len() > MAX_DOCUMENT_REDIRECT_URIS {
        return Err(invalid("redirect_uris", "must list 1 to 20 URIs"));
    }
    uris.iter()
        .enumerate()
        .map(|(index, uri)| {
            let invalid = |rule: &str| invalid("redirect_uris", format!("entry {index}: {rule}"));
            // Parsed as a confidential client's: that refuses private-use
            // schemes. The client is matched as a public one, so a loopback
            // port may still vary (RFC 8252 §7.3).
            let parsed = RedirectUri::parse(uri, ClientType::Confidential).map_err(|e| invalid(e.rule()))?;
            let Ok(url) = Url::parse(uri) else { return Err(invalid("not an absolute URI")) };
            let loopback_http = url.scheme() == "http" && is_loopback_literal(&url);
            if kind == RedirectKind::Web && (url.scheme() == "http" || is_loopback_literal(&url)) {
                return Err(invalid("a web application redirects to https on a real host"));
            }
            // RFC 8252 §8.3: an app on the device listens on a loopback
            // literal over http; any other local name (`localhost`, a
            // private address) could be someone else's, and would not
            // get the page's loopback warning.
            if !loopback_http && names_a_local_host(&url) {
                return Err(invalid(
                    "a local host is allowed only as http://127.0.0.1 or http://[::1] (native apps)",
                ));
            }
            Ok(parsed)
        })
        .collect()
}

/// Whether `url` names a host that is not a public one: a name that
/// resolves only on this machine or its network (`localhost`, a single
/// label, `.local`, `.internal`, `.home.arpa`, `.localdomain`, in any case
/// and with a trailing dot), or an address that is not public unicast in
/// any spelling (`address::is_public`).
fn names_a_local_host(url: &Url) -> bool {
    const LOCAL_SUFFIXES: &[&str] = &[".localhost", ".local", ".internal", ".home.arpa", ".localdomain"];
    match url.host() {
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || !name.contains('.') || LOCAL_SUFFIXES.iter().any(|s| name.ends_with(s))
        }
        Some(url::Host::Ipv4(ip)) => !is_public(ip.into()),
        Some(url::Host::Ipv6(ip)) => !is_public(ip.into()),
        None => true,
    }
}

pub(crate) fn grant_types(grants: Option<Vec<String>>) -> Result<BTreeSet<GrantType>, InvalidDocument> {
    let Some(grants) = grants else { return Ok(BTreeSet::from([GrantType::AuthorizationCode])) };
    let mut chosen = BTreeSet::new();
    for grant in grants {
        match grant.parse::<GrantType>() {
            Ok(g @ (GrantType::AuthorizationCode | GrantType::RefreshToken)) => {
                chosen.insert(g);
            }
            _ => {
                return Err(invalid("grant_types", "only authorization_code and refresh_token are allowed"));
            }
        }
    }
    if !chosen.contains(&GrantType::AuthorizationCode) {
        return Err(invalid("grant_types", "must include authorization_code"));
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests;
