//! The `client_credentials` grant (RFC 6749 §4.4): a confidential client
//! acting for itself, with no user and so no user scopes.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::authorization_request::parse_scopes;
use crate::client::{Client, ClientType, GrantType};
use crate::error::OAuthError;
use crate::ports::Clock;
use crate::scope::{ScopeCatalog, ScopeName};
use crate::service::client_authentication::TokenFailure;
use crate::service::mint::{Grant, Minter};
use crate::service::resource_targets::ResourceTargets;
use crate::token::TokenResponse;

use super::{GrantHandler, TokenParams};

/// The `client_credentials` grant.
pub struct ClientCredentialsGrant {
    minter: Minter,
    catalog: Arc<ScopeCatalog>,
    targets: ResourceTargets,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for ClientCredentialsGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentialsGrant").finish_non_exhaustive()
    }
}

impl ClientCredentialsGrant {
    /// Mints with `minter`; `scope` is parsed against `catalog`, `resource`
    /// checked against `targets`.
    pub fn new(
        minter: Minter,
        catalog: Arc<ScopeCatalog>,
        targets: ResourceTargets,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { minter, catalog, targets, clock }
    }
}

#[async_trait::async_trait]
impl GrantHandler for ClientCredentialsGrant {
    fn grant_type(&self) -> GrantType {
        GrantType::ClientCredentials
    }

    /// RFC 6749 §4.4: a confidential client acting for itself.
    async fn grant(&self, client: &Client, params: TokenParams) -> Result<TokenResponse, TokenFailure> {
        if client.metadata.client_type != ClientType::Confidential {
            return Err(OAuthError::UnauthorizedClient(
                "public clients cannot use client_credentials".into(),
            )
            .into());
        }
        let machine_scopes: BTreeSet<ScopeName> =
            client.metadata.scopes.iter().filter(|s| !is_user_scope(s)).cloned().collect();
        // RFC 8707 §2: a resource the client may ask for, registered.
        let requested = params.resources_of(client)?;
        let target = match params.scope.as_deref().filter(|s| !s.is_empty()) {
            // Scopes named: each must come with its resource.
            Some(text) => {
                let scopes = parse_scopes(Some(text), &machine_scopes, &self.catalog)?;
                self.targets.check_for(client, &scopes, &requested).await?;
                self.targets.choose_for(client, &requested, &requested, &scopes).await?
            }
            // None named: what the client may have, for the resource it names
            // (or, naming none, what no resource owns).
            None => self.targets.choose_for(client, &requested, &requested, &machine_scopes).await?,
        };
        let scopes = target.scopes.clone();
        let now = self.clock.now();
        let grant = Grant {
            client,
            user: None,
            scopes,
            nonce: None,
            family: None,
            target,
            sender_key: params.sender_key,
        };
        Ok(self.minter.mint(&grant, None, None, now).await?.response)
    }
}

/// Scopes that only make sense with a user: not for `client_credentials`.
fn is_user_scope(scope: &ScopeName) -> bool {
    matches!(scope.as_str(), "openid" | "profile" | "email" | "offline_access")
}
