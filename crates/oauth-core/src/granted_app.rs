//! What a user has let a client do, as the account page shows it: the
//! consent (scopes and APIs) and the refresh families the client holds for
//! the user. Revoking an app takes all of it back at once
//! (docs/SECURITY.md § Account page).

use std::collections::BTreeSet;

use time::OffsetDateTime;

use crate::client::ClientId;
use crate::resource::ResourceUri;
use crate::scope::ScopeName;

/// How many apps the account page lists: the store reads no more, whatever
/// a user has granted.
pub const MAX_LISTED_APPS: u32 = 100;

/// How many signed-in sessions the account page lists.
pub const MAX_LISTED_SESSIONS: u32 = 50;

/// One client the user granted access, or that holds live refresh tokens
/// for the user (a first-party client that skips consent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantedApp {
    /// The client.
    pub client_id: ClientId,
    /// The scopes the user consented to (empty for a client that skips consent).
    pub scopes: BTreeSet<ScopeName>,
    /// The APIs (RFC 8707 resources) the user let it use.
    pub resources: BTreeSet<ResourceUri>,
    /// When the consent last changed, if there is one.
    pub granted_at: Option<OffsetDateTime>,
    /// When tokens were last issued to it for the user, as the security
    /// event table remembers (within its retention).
    pub last_used_at: Option<OffsetDateTime>,
}

impl GrantedApp {
    /// The app `client_id`, nothing known of it yet: the store fills it in.
    pub fn new(client_id: ClientId) -> Self {
        Self {
            client_id,
            scopes: BTreeSet::new(),
            resources: BTreeSet::new(),
            granted_at: None,
            last_used_at: None,
        }
    }
}

/// What revoking an app ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RevokedApp {
    /// Whether the user had consented to it.
    pub consent: bool,
    /// How many live refresh families were revoked.
    pub families: u64,
}
