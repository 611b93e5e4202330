//! The dispatcher, not each handler, checks that the client registered the
//! grant it asks for (RFC 6749 §5.2 `unauthorized_client`), so a handler
//! added later, or an embedder's own, cannot forget it.

use super::*;
use crate::client::Client;
use crate::error::OAuthError;
use crate::service::client_authentication::ClientAuthenticator;
use crate::service::client_directory::ClientDirectory;
use crate::token::TokenResponse;

/// A handler that checks nothing and says that it ran.
struct ChecksNothing;

#[async_trait::async_trait]
impl GrantHandler for ChecksNothing {
    fn grant_type(&self) -> GrantType {
        GrantType::ClientCredentials
    }

    async fn grant(&self, _: &Client, _: TokenParams) -> Result<TokenResponse, TokenFailure> {
        Err(OAuthError::InvalidRequest("the handler ran".into()).into())
    }
}

#[tokio::test]
async fn a_grant_the_client_did_not_register_never_reaches_its_handler() {
    let h = harness().await;
    let clients = ClientDirectory::uncached(h.store.clone());
    let authenticator = ClientAuthenticator::new(clients.clone(), h.store.clone(), h.clock.clone());
    let handlers: [Arc<dyn GrantHandler>; 1] = [Arc::new(ChecksNothing)];
    let service = TokenService::new(authenticator, clients, handlers);
    let params = || TokenParams { grant_type: Some("client_credentials".into()), ..TokenParams::default() };

    let billing = service.token(&basic("client1", "s"), params(), "192.0.2.1").await;
    assert_eq!(error_code(billing), "unauthorized_client", "client1 registered no client_credentials");
    let machine = service.token(&basic("client2", "m-secret"), params(), "192.0.2.1").await;
    assert_eq!(error_code(machine), "invalid_request", "client2 did: its handler runs");
}
