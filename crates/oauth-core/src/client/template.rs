//! What a client nobody registered by hand may become, whatever it asks:
//! the server, not the request, decides (RFC 7591 §2: the server MAY
//! replace requested values; §5: metadata is self-asserted).

use std::collections::BTreeSet;

use super::{AuthMethod, ClientMetadata, ClientType, IdTokenAlg};
use crate::metadata_document::ClientDocument;
use crate::resource::Resource;
use crate::scope::ScopeName;

/// The template every self-asserted client is held to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfAssertedTemplate {
    /// The scopes such a client may hold (config `registration_scopes`),
    /// beside the scopes of resources that allow dynamic clients.
    pub scopes: BTreeSet<ScopeName>,
}

impl SelfAssertedTemplate {
    /// The client a valid metadata document makes: public, `none` at the
    /// token endpoint (so PKCE is required), the document's redirect URIs
    /// and grants, its scopes narrowed to what the template allows, and
    /// only the `resources` that allow dynamic clients. Never
    /// `skip_consent`, never `may_introspect_any`, no browser origins, no
    /// logout redirects.
    pub fn metadata_for_document(&self, document: &ClientDocument, resources: &[Resource]) -> ClientMetadata {
        let open: Vec<&Resource> = resources.iter().filter(|r| r.allow_dynamic_clients).collect();
        let allowed: BTreeSet<ScopeName> =
            self.scopes.iter().chain(open.iter().flat_map(|r| r.scopes.iter())).cloned().collect();
        let scopes = match &document.scope {
            Some(asked) => asked.intersection(&allowed).cloned().collect(),
            None => allowed,
        };
        ClientMetadata {
            name: document.client_name.clone(),
            client_type: ClientType::Public,
            auth_method: AuthMethod::None,
            redirect_uris: document.redirect_uris.clone(),
            allowed_origins: Vec::new(),
            scopes,
            grant_types: document.grant_types.clone(),
            id_token_alg: IdTokenAlg::Rs256,
            skip_consent: false,
            post_logout_redirect_uris: Vec::new(),
            may_introspect_any: false,
            resources: open.iter().map(|r| r.uri.clone()).collect(),
        }
    }
}
