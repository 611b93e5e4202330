//! Which API a token is for (RFC 8707): the resources a request names,
//! checked against the registry, and the one resource each access token is
//! minted for, with the scopes it may carry.
//!
//! A scope a registered resource defines is that resource's: asked for
//! without its resource it is refused (`invalid_scope`), and a token for one
//! resource carries only the OpenID Connect scopes and that resource's own.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::client::Client;
use crate::error::OAuthError;
use crate::ports::ResourceRepository;
pub use crate::resource::{MAX_RESOURCES, requested_resources};
use crate::resource::{Resource, ResourceUri};
use crate::scope::{OIDC_SCOPES, ScopeName};

fn is_oidc(scope: &ScopeName) -> bool {
    OIDC_SCOPES.iter().any(|(name, _)| *name == scope.as_str())
}

/// The resource an access token is for, and the scopes it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenTarget {
    /// `None`: the server's default audience.
    pub resource: Option<Resource>,
    /// The granted scopes this token may carry.
    pub scopes: BTreeSet<ScopeName>,
}

/// The registry, as the grants and the authorization endpoint consult it.
#[derive(Clone)]
pub struct ResourceTargets {
    registry: Arc<dyn ResourceRepository>,
}

impl std::fmt::Debug for ResourceTargets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceTargets").finish_non_exhaustive()
    }
}

impl ResourceTargets {
    /// Over `registry` (a cached view of it on a server).
    pub fn new(registry: Arc<dyn ResourceRepository>) -> Self {
        Self { registry }
    }

    /// Whether `aud` is a registered resource's URI.
    pub async fn is_registered(&self, aud: &str) -> Result<bool, OAuthError> {
        let Ok(uri) = ResourceUri::parse(aud) else { return Ok(false) };
        Ok(self.registry.find(&uri).await?.is_some())
    }

    /// Checks a request for `scopes` and `requested` resources: every
    /// resource registered, and no scope of a resource that was not
    /// requested. Returns the requested resources. A request naming no
    /// resource and only OpenID Connect scopes reads nothing.
    pub async fn check(
        &self,
        scopes: &BTreeSet<ScopeName>,
        requested: &BTreeSet<ResourceUri>,
    ) -> Result<Vec<Resource>, OAuthError> {
        if requested.is_empty() && scopes.iter().all(is_oidc) {
            return Ok(Vec::new());
        }
        let registered = self.registry.list().await?;
        let mut chosen = Vec::with_capacity(requested.len());
        for uri in requested {
            let resource = registered.iter().find(|r| &r.uri == uri).ok_or_else(|| {
                OAuthError::InvalidTarget(format!("resource {:?} is not registered", uri.as_str()).into())
            })?;
            chosen.push(resource.clone());
        }
        for scope in scopes.iter().filter(|s| !is_oidc(s)) {
            if let Some(owner) = registered.iter().find(|r| r.scopes.contains(scope))
                && !requested.contains(&owner.uri)
            {
                return Err(OAuthError::InvalidScope(
                    format!(
                        "scope {:?} is for the resource {:?}: send it as resource",
                        scope.as_str(),
                        owner.uri.as_str()
                    )
                    .into(),
                ));
            }
        }
        Ok(chosen)
    }

    /// Whether a token of `client` for the audience `aud` (a resource's
    /// URI) may still be honoured: always for an operator's client; for a
    /// self-asserted one, only while the resource allows such clients
    /// (see [`Self::check_for`]).
    pub async fn still_open_to(&self, client: &Client, aud: &str) -> Result<bool, OAuthError> {
        if client.origin.is_registered() {
            return Ok(true);
        }
        let Ok(uri) = ResourceUri::parse(aud) else { return Ok(false) };
        Ok(self.registry.find(&uri).await?.is_some_and(|resource| resource.allow_dynamic_clients))
    }

    /// [`Self::check`] for `client`: a client nobody vouched for (a
    /// metadata document's, a dynamic one) may name only resources that
    /// allow dynamic clients now, whatever it was given when it came in, so
    /// an operator who closes an API closes it to every such client at once.
    pub async fn check_for(
        &self,
        client: &Client,
        scopes: &BTreeSet<ScopeName>,
        requested: &BTreeSet<ResourceUri>,
    ) -> Result<Vec<Resource>, OAuthError> {
        let chosen = self.check(scopes, requested).await?;
        if let Some(closed) = chosen.iter().find(|r| !open_to(client, r)) {
            return Err(closed_to_client(closed));
        }
        Ok(chosen)
    }

    /// [`Self::choose`] for `client`, under the rule of [`Self::check_for`].
    pub async fn choose_for(
        &self,
        client: &Client,
        granted: &BTreeSet<ResourceUri>,
        requested: &BTreeSet<ResourceUri>,
        scopes: &BTreeSet<ScopeName>,
    ) -> Result<TokenTarget, OAuthError> {
        let target = self.choose(granted, requested, scopes).await?;
        match &target.resource {
            Some(resource) if !open_to(client, resource) => Err(closed_to_client(resource)),
            _ => Ok(target),
        }
    }

    /// The one resource a token request is for, among those `granted`, and
    /// the `scopes` (granted) that token carries. Naming none gives a token
    /// for the server's default audience without any resource's scopes;
    /// naming one not granted, or more than one, is `invalid_target`
    /// (RFC 8707 §2.2: the token's audience is one API).
    pub async fn choose(
        &self,
        granted: &BTreeSet<ResourceUri>,
        requested: &BTreeSet<ResourceUri>,
        scopes: &BTreeSet<ScopeName>,
    ) -> Result<TokenTarget, OAuthError> {
        let mut names = requested.iter();
        let (Some(uri), None) = (names.next(), names.next()) else {
            if !requested.is_empty() {
                return Err(OAuthError::InvalidTarget(
                    "name one resource per token request: each access token is for one API".into(),
                ));
            }
            // Whatever was granted, a token of the default audience carries
            // no resource's scope (a family granted before its API was
            // registered included); only OpenID Connect scopes need no read.
            if scopes.iter().all(is_oidc) {
                return Ok(TokenTarget { resource: None, scopes: scopes.clone() });
            }
            let registered = self.registry.list().await?;
            let owned = |s: &ScopeName| registered.iter().any(|r| r.scopes.contains(s));
            return Ok(TokenTarget {
                resource: None,
                scopes: scopes.iter().filter(|s| !owned(s)).cloned().collect(),
            });
        };
        if !granted.contains(uri) {
            return Err(OAuthError::InvalidTarget(
                format!("resource {:?} was not granted", uri.as_str()).into(),
            ));
        }
        let resource = self.registry.find(uri).await?.ok_or_else(|| {
            OAuthError::InvalidTarget(format!("resource {:?} is not registered", uri.as_str()).into())
        })?;
        let scopes = scopes.iter().filter(|s| is_oidc(s) || resource.scopes.contains(*s)).cloned().collect();
        Ok(TokenTarget { resource: Some(resource), scopes })
    }
}

/// Whether `client` may have tokens for `resource` as things stand.
fn open_to(client: &Client, resource: &Resource) -> bool {
    client.origin.is_registered() || resource.allow_dynamic_clients
}

fn closed_to_client(resource: &Resource) -> OAuthError {
    OAuthError::InvalidTarget(
        format!("resource {:?} is not open to clients that registered themselves", resource.uri.as_str())
            .into(),
    )
}

#[cfg(test)]
mod tests;
