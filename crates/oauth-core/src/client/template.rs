//! What a client nobody registered by hand may become, whatever it asks:
//! the server, not the request, decides (RFC 7591 §2: the server MAY
//! replace requested values; §5: metadata is self-asserted).

use std::collections::BTreeSet;

use super::{AuthMethod, ClientMetadata, ClientType, GrantType, IdTokenAlg};
use crate::metadata_document::ClientDocument;
use crate::redirect_uri::RedirectUri;
use crate::resource::Resource;
use crate::scope::ScopeName;

/// The template every self-asserted client is held to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfAssertedTemplate {
    /// The scopes such a client may hold (config `registration_scopes`),
    /// beside the scopes of resources that allow dynamic clients.
    pub scopes: BTreeSet<ScopeName>,
}

/// What a self-asserted client asked for, each part already checked on its
/// own (a metadata document's, or a registration request's).
pub(crate) struct Requested {
    pub(crate) name: String,
    pub(crate) auth_method: AuthMethod,
    pub(crate) redirect_uris: Vec<RedirectUri>,
    pub(crate) grant_types: BTreeSet<GrantType>,
    /// `None`: every scope the template allows.
    pub(crate) scope: Option<BTreeSet<ScopeName>>,
    /// RFC 9449 §5.2 `dpop_bound_access_tokens`: a client may only narrow
    /// itself.
    pub(crate) dpop_bound: bool,
}

impl SelfAssertedTemplate {
    /// The client a valid metadata document makes: public, `none` at the
    /// token endpoint (so PKCE is required).
    pub fn metadata_for_document(&self, document: &ClientDocument, resources: &[Resource]) -> ClientMetadata {
        let requested = Requested {
            name: document.client_name.clone(),
            auth_method: AuthMethod::None,
            redirect_uris: document.redirect_uris.clone(),
            grant_types: document.grant_types.clone(),
            scope: document.scope.clone(),
            dpop_bound: false,
        };
        self.hold(requested, resources)
    }

    /// The client `requested` makes: public exactly when it authenticates
    /// with `none`; its scopes narrowed to the template's and those of the
    /// `resources` that allow dynamic clients, which are the only resources
    /// it may name. Never `skip_consent`, never `may_introspect_any`, no
    /// browser origins, no logout redirects.
    pub(crate) fn hold(&self, requested: Requested, resources: &[Resource]) -> ClientMetadata {
        let open: Vec<&Resource> = resources.iter().filter(|r| r.allow_dynamic_clients).collect();
        let allowed: BTreeSet<ScopeName> =
            self.scopes.iter().chain(open.iter().flat_map(|r| r.scopes.iter())).cloned().collect();
        let scopes = match requested.scope {
            Some(asked) => asked.intersection(&allowed).cloned().collect(),
            None => allowed,
        };
        let client_type = if requested.auth_method == AuthMethod::None {
            ClientType::Public
        } else {
            ClientType::Confidential
        };
        ClientMetadata {
            name: requested.name,
            client_type,
            auth_method: requested.auth_method,
            redirect_uris: requested.redirect_uris,
            allowed_origins: Vec::new(),
            scopes,
            grant_types: requested.grant_types,
            id_token_alg: IdTokenAlg::Rs256,
            skip_consent: false,
            post_logout_redirect_uris: Vec::new(),
            may_introspect_any: false,
            require_pushed_requests: false,
            dpop_bound: requested.dpop_bound,
            resources: open.iter().map(|r| r.uri.clone()).collect(),
            keys: None,
        }
    }
}
