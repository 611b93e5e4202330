//! Administration of the resource-server registry (RFC 8707 resources).
//!
//! Every input is validated before anything is written. A resource's
//! scopes must be declared in the server's scope catalogue (so the consent
//! page can describe them), must not be OpenID Connect scopes, and belong
//! to one resource only: a token's scopes are those of the one resource it
//! is for, so a scope shared by two APIs could not say which it opens.

use std::collections::BTreeSet;
use std::sync::Arc;

use time::Duration;

use crate::error::RepoError;
use crate::ports::{ClientRepository, Clock, ResourceRepository};
use crate::resource::{InvalidResourceUri, ProtectedResourceMetadata, Resource, ResourceUri};
use crate::scope::{OIDC_SCOPES, ScopeCatalog, ScopeName};
use crate::token::SigningAlg;

/// Why a resource operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ResourceError {
    /// The URI was refused.
    #[error("`uri`: {0}")]
    Uri(#[from] InvalidResourceUri),
    /// Another field was refused.
    #[error("`{field}`: {reason}")]
    Invalid {
        /// The CLI field: `name`, `scope`, `access_token_ttl`, `access_token_alg`.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// A resource with this URI exists.
    #[error("`uri`: a resource {0:?} is already registered")]
    Duplicate(String),
    /// No resource has this URI.
    #[error("no resource with URI {0:?}")]
    Unknown(String),
    /// Another resource defines the scope.
    #[error("`scope`: {scope:?} already belongs to the resource {owner:?}")]
    ScopeTaken {
        /// The scope.
        scope: String,
        /// The resource that defines it.
        owner: String,
    },
    /// Clients still name the resource.
    #[error(
        "resource {uri:?} is named by clients {clients:?}; remove it from them first (`clients update ID --resource …`)"
    )]
    InUse {
        /// The resource.
        uri: String,
        /// The ids of the clients that name it.
        clients: Vec<String>,
    },
    /// The store failed.
    #[error(transparent)]
    Storage(RepoError),
}

impl ResourceError {
    /// Whether the operator's input was at fault (as opposed to the server).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, Self::Storage(_))
    }
}

impl From<RepoError> for ResourceError {
    fn from(error: RepoError) -> Self {
        Self::Storage(error)
    }
}

fn invalid(field: &'static str, reason: impl Into<String>) -> ResourceError {
    ResourceError::Invalid { field, reason: reason.into() }
}

/// A resource as an operator describes it: untrusted text, until validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewResource {
    /// Its identifier and the `aud` of its tokens.
    pub uri: String,
    /// What the consent page calls it.
    pub name: String,
    /// The scopes it defines.
    pub scopes: Vec<String>,
    /// Whether clients registered without an administrator may ask for it.
    pub allow_dynamic_clients: bool,
    /// Its access tokens' lifetime, when not the server's.
    pub access_token_ttl: Option<Duration>,
    /// `ES256` or `RS256`, when not the server's.
    pub access_token_alg: Option<String>,
}

/// Changes to a resource; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceUpdate {
    /// A new display name.
    pub name: Option<String>,
    /// Replaces the scopes.
    pub scopes: Option<Vec<String>>,
    /// Sets whether dynamic clients may ask for it.
    pub allow_dynamic_clients: Option<bool>,
    /// Sets (`Some(Some)`) or clears (`Some(None)`) the lifetime.
    pub access_token_ttl: Option<Option<Duration>>,
    /// Sets (`Some(Some)`) or clears (`Some(None)`) the algorithm.
    pub access_token_alg: Option<Option<String>>,
}

/// The registry's use cases.
pub struct ResourceService {
    resources: Arc<dyn ResourceRepository>,
    clients: Arc<dyn ClientRepository>,
    clock: Arc<dyn Clock>,
    scopes: Arc<ScopeCatalog>,
}

impl ResourceService {
    /// Shortest and longest access-token lifetime a resource may set.
    pub const TTL_RANGE: (Duration, Duration) = (Duration::minutes(1), crate::resource::MAX_ACCESS_TOKEN_TTL);
    /// Longest display name.
    pub const MAX_NAME: usize = 100;

    /// The service over `resources`, checking scopes against `scopes` and,
    /// before a deletion, that no client of `clients` names the resource.
    pub fn new(
        resources: Arc<dyn ResourceRepository>,
        clients: Arc<dyn ClientRepository>,
        clock: Arc<dyn Clock>,
        scopes: Arc<ScopeCatalog>,
    ) -> Self {
        Self { resources, clients, clock, scopes }
    }

    /// Registers a resource.
    pub async fn create(&self, new: &NewResource) -> Result<Resource, ResourceError> {
        let resource = self.validate(new)?;
        self.check_scopes_free(&resource, &[]).await?;
        match self.resources.insert(&resource).await {
            Err(RepoError::Conflict(_)) => Err(ResourceError::Duplicate(new.uri.clone())),
            other => other.map(|()| resource).map_err(ResourceError::from),
        }
    }

    /// The resource with this URI.
    pub async fn find(&self, uri: &str) -> Result<Resource, ResourceError> {
        let parsed = ResourceUri::parse(uri)?;
        self.resources.find(&parsed).await?.ok_or_else(|| ResourceError::Unknown(uri.to_owned()))
    }

    /// Every resource, ordered by URI.
    pub async fn list(&self) -> Result<Vec<Resource>, ResourceError> {
        Ok(self.resources.list().await?)
    }

    /// Changes a resource.
    pub async fn update(&self, uri: &str, update: &ResourceUpdate) -> Result<Resource, ResourceError> {
        let mut resource = self.find(uri).await?;
        if let Some(name) = &update.name {
            resource.name = valid_name(name)?;
        }
        if let Some(scopes) = &update.scopes {
            resource.scopes = self.valid_scopes(scopes)?;
        }
        if let Some(allow) = update.allow_dynamic_clients {
            resource.allow_dynamic_clients = allow;
        }
        if let Some(ttl) = update.access_token_ttl {
            resource.access_token_ttl = valid_ttl(ttl)?;
        }
        if let Some(alg) = &update.access_token_alg {
            resource.access_token_alg = valid_alg(alg.as_deref())?;
        }
        self.check_scopes_free(&resource, &[]).await?;
        resource.updated_at = self.now();
        match self.resources.update(&resource).await {
            Err(RepoError::NotFound) => Err(ResourceError::Unknown(uri.to_owned())),
            other => other.map(|()| resource).map_err(ResourceError::from),
        }
    }

    /// Removes a resource no client names. A client that named a deleted
    /// resource would keep a dangling name, and re-registering the URI
    /// would quietly give it the API again.
    pub async fn delete(&self, uri: &str) -> Result<(), ResourceError> {
        let parsed = ResourceUri::parse(uri)?;
        let naming: Vec<String> = self
            .clients
            .list()
            .await?
            .into_iter()
            .filter(|client| client.origin.is_registered() && client.metadata.resources.contains(&parsed))
            .map(|client| client.id.as_str().to_owned())
            .collect();
        if !naming.is_empty() {
            return Err(ResourceError::InUse { uri: uri.to_owned(), clients: naming });
        }
        match self.resources.delete(&parsed).await {
            Err(RepoError::NotFound) => Err(ResourceError::Unknown(uri.to_owned())),
            other => other.map_err(ResourceError::from),
        }
    }

    /// The RFC 9728 document the resource server should serve, naming
    /// `issuer` as its authorization server.
    pub async fn metadata(
        &self,
        uri: &str,
        issuer: &str,
    ) -> Result<ProtectedResourceMetadata, ResourceError> {
        Ok(ProtectedResourceMetadata::of(&self.find(uri).await?, issuer))
    }

    /// Creates or updates every resource of a file, matched by URI. The
    /// whole file is validated, and checked against the registry, before
    /// the first write; an entry equal to what is stored is left alone. A
    /// refused file writes nothing; a store that fails half-way leaves the
    /// entries before the failure written (run the file again).
    pub async fn apply(&self, entries: &[NewResource]) -> Result<Vec<(Applied, Resource)>, ResourceError> {
        let drafts = entries.iter().map(|entry| self.validate(entry)).collect::<Result<Vec<_>, _>>()?;
        for (i, draft) in drafts.iter().enumerate() {
            for earlier in &drafts[..i] {
                if earlier.uri == draft.uri {
                    return Err(invalid(
                        "uri",
                        format!("{:?} appears more than once in the file", draft.uri.as_str()),
                    ));
                }
                if let Some(scope) = earlier.scopes.intersection(&draft.scopes).next() {
                    return Err(ResourceError::ScopeTaken {
                        scope: scope.as_str().to_owned(),
                        owner: earlier.uri.as_str().to_owned(),
                    });
                }
            }
        }
        let in_file: Vec<&ResourceUri> = drafts.iter().map(|d| &d.uri).collect();
        for draft in &drafts {
            self.check_scopes_free(draft, &in_file).await?;
        }
        let mut outcomes = Vec::with_capacity(drafts.len());
        for draft in drafts {
            outcomes.push(match self.resources.find(&draft.uri).await? {
                None => {
                    self.resources.insert(&draft).await?;
                    (Applied::Created, draft)
                }
                Some(stored) if same_settings(&stored, &draft) => (Applied::Unchanged, stored),
                Some(stored) => {
                    let updated = Resource { created_at: stored.created_at, ..draft };
                    self.resources.update(&updated).await?;
                    (Applied::Updated, updated)
                }
            });
        }
        Ok(outcomes)
    }

    /// `new` as a resource registered now, if every field is valid.
    fn validate(&self, new: &NewResource) -> Result<Resource, ResourceError> {
        let now = self.now();
        Ok(Resource {
            uri: ResourceUri::parse(&new.uri)?,
            name: valid_name(&new.name)?,
            scopes: self.valid_scopes(&new.scopes)?,
            allow_dynamic_clients: new.allow_dynamic_clients,
            access_token_ttl: valid_ttl(new.access_token_ttl)?,
            access_token_alg: valid_alg(new.access_token_alg.as_deref())?,
            created_at: now,
            updated_at: now,
        })
    }

    /// Now, in the whole seconds the registry stores, so that what a write
    /// returns is what a read gives back.
    fn now(&self) -> time::OffsetDateTime {
        let now = self.clock.now();
        now.replace_nanosecond(0).unwrap_or(now)
    }

    fn valid_scopes(&self, scopes: &[String]) -> Result<BTreeSet<ScopeName>, ResourceError> {
        scopes
            .iter()
            .map(|text| {
                if OIDC_SCOPES.iter().any(|(name, _)| name == text) {
                    return Err(invalid(
                        "scope",
                        format!("{text:?} is an OpenID Connect scope, not an API's"),
                    ));
                }
                self.scopes.known(text).map_err(|e| {
                    invalid(
                        "scope",
                        format!("{e} (declare it with its description in the configuration's scopes)"),
                    )
                })
            })
            .collect()
    }

    /// No other stored resource defines one of `resource`'s scopes; those
    /// in `replaced` are about to be rewritten and are not counted.
    async fn check_scopes_free(
        &self,
        resource: &Resource,
        replaced: &[&ResourceUri],
    ) -> Result<(), ResourceError> {
        for other in self.resources.list().await? {
            if other.uri == resource.uri || replaced.contains(&&other.uri) {
                continue;
            }
            if let Some(scope) = other.scopes.intersection(&resource.scopes).next() {
                return Err(ResourceError::ScopeTaken {
                    scope: scope.as_str().to_owned(),
                    owner: other.uri.as_str().to_owned(),
                });
            }
        }
        Ok(())
    }
}

/// What `apply` did with one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// It was not registered.
    Created,
    /// It was, with other settings.
    Updated,
    /// It was, with these settings.
    Unchanged,
}

impl Applied {
    /// The word the CLI prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Unchanged => "unchanged",
        }
    }
}

/// Equal in everything an operator sets.
fn same_settings(a: &Resource, b: &Resource) -> bool {
    Resource { created_at: b.created_at, updated_at: b.updated_at, ..a.clone() } == *b
}

fn valid_name(name: &str) -> Result<String, ResourceError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(invalid("name", "must not be empty"));
    }
    if name.chars().count() > ResourceService::MAX_NAME {
        return Err(invalid("name", format!("at most {} characters", ResourceService::MAX_NAME)));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid("name", "must not contain control characters"));
    }
    Ok(name.to_owned())
}

fn valid_ttl(ttl: Option<Duration>) -> Result<Option<Duration>, ResourceError> {
    let (shortest, longest) = ResourceService::TTL_RANGE;
    match ttl {
        Some(ttl) if ttl < shortest || ttl > longest => {
            Err(invalid("access_token_ttl", "must be between 1 minute and 24 hours"))
        }
        // The registry keeps whole seconds.
        Some(ttl) if ttl.subsec_nanoseconds() != 0 => {
            Err(invalid("access_token_ttl", "must be a whole number of seconds"))
        }
        other => Ok(other),
    }
}

fn valid_alg(alg: Option<&str>) -> Result<Option<SigningAlg>, ResourceError> {
    alg.map(|text| text.parse::<SigningAlg>().map_err(|e| invalid("access_token_alg", e))).transpose()
}

impl std::fmt::Debug for ResourceService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceService").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
