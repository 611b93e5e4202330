//! What the server publishes about itself: the discovery document (RFC
//! 8414, OIDC Discovery) and how long the key set and it may be cached.

use oauth_core::discovery::{ServerMetadata, oauth_metadata_path};
use oauth_http_actix::Publication;

use crate::config::Config;
use crate::exit::CommandError;

/// The discovery document for `config`, listing the registration endpoint
/// when dynamic registration is on.
pub(super) fn publication(config: &Config, registration: bool) -> Result<Publication, CommandError> {
    let issuer = &config.server.issuer;
    let mut metadata =
        ServerMetadata::for_issuer(issuer, &config.scopes).with_device_authorization_endpoint();
    if config.self_asserted.metadata_documents.is_some() {
        metadata = metadata.with_client_id_metadata_documents();
    }
    if registration {
        metadata = metadata.with_registration_endpoint();
    }
    if config.sign_in.require_pushed {
        metadata = metadata.requiring_pushed_requests();
    }
    let metadata = serde_json::to_string(&metadata).map_err(|e| CommandError::Runtime(e.to_string()))?;
    // At most a day (validated), so it fits `Cache-Control: max-age`.
    let max_age = u32::try_from(config.keys.jwks_max_age.as_secs()).unwrap_or(u32::MAX);
    Ok(Publication::new(metadata, oauth_metadata_path(issuer), max_age, max_age))
}
