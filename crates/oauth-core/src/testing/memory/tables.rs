//! Every table of the in-memory store, in one struct behind one lock.
//!
//! Keys are the domain's own types, as a database's primary keys would be;
//! digests order by their bytes, which is the order of their hex form.

use std::collections::{BTreeMap, BTreeSet};

use time::OffsetDateTime;

use crate::client::{Client, ClientId};
use crate::code::{AuthorizationCode, CodeDigest};
use crate::error::RepoError;
use crate::pending::{PendingAuthorization, PendingDigest};
use crate::refresh::{RefreshDigest, RefreshFamily, RefreshFamilyId, RefreshTokenRecord};
use crate::resource::{Resource, ResourceUri};
use crate::scope::ScopeName;
use crate::session::{Session, SessionId};
use crate::signing_key::StoredSigningKey;
use crate::throttle::{FailureCount, ThrottleKey};
use crate::user::{User, UserId};

/// The rows of every repository port. Only reached through
/// `InMemoryStore::with`, which holds the store's one lock for the whole call.
#[derive(Debug, Default)]
pub(super) struct Tables {
    pub(super) users: BTreeMap<UserId, User>,
    /// The unique index on the case-folded email (`Email::key`), which is
    /// also the order `UserRepository::list` pages in.
    pub(super) user_by_email: BTreeMap<String, UserId>,
    pub(super) clients: BTreeMap<ClientId, Client>,
    pub(super) codes: BTreeMap<CodeDigest, StoredCode>,
    /// Codes presented again after their redemption. Kept apart from `codes`
    /// because the mark outlives the code's row (purge, sign-out).
    pub(super) replayed_codes: BTreeSet<CodeDigest>,
    /// The access-token `jti` each redeemed code's exchange issued.
    pub(super) code_access_tokens: BTreeMap<CodeDigest, String>,
    pub(super) consents: BTreeMap<(UserId, ClientId), BTreeSet<ScopeName>>,
    pub(super) resource_consents: BTreeMap<(UserId, ClientId), BTreeSet<ResourceUri>>,
    /// When each consent last changed.
    pub(super) consent_times: BTreeMap<(UserId, ClientId), OffsetDateTime>,
    /// When each user last revoked each app (`GrantedAppRepository`); kept
    /// when the client is deleted, as the database's table is.
    pub(super) app_revocations: BTreeMap<(UserId, ClientId), OffsetDateTime>,
    pub(super) sessions: BTreeMap<SessionId, Session>,
    pub(super) pending: BTreeMap<PendingDigest, PendingAuthorization>,
    pub(super) attempts: BTreeMap<ThrottleKey, FailureCount>,
    pub(super) families: BTreeMap<RefreshFamilyId, RefreshFamily>,
    pub(super) refresh_tokens: BTreeMap<RefreshDigest, RefreshTokenRecord>,
    /// Newest first, the order `SigningKeyRepository::list` returns.
    pub(super) signing_keys: Vec<StoredSigningKey>,
    /// Revoked access-token `jti`s and when each may be forgotten. The port
    /// passes a `jti` as the text of the token's claim, so it is the key.
    pub(super) revoked_tokens: BTreeMap<String, OffsetDateTime>,
    /// Resource servers by URI, the order `ResourceRepository::list` returns.
    pub(super) resources: BTreeMap<ResourceUri, Resource>,
    /// Initial access tokens, as inserted.
    pub(super) registration_tokens: Vec<crate::registration_token::RegistrationToken>,
    /// Pushed authorization requests, by the digest of their `request_uri`.
    pub(super) pushed_requests:
        BTreeMap<crate::pushed_request::PushedRequestDigest, crate::pushed_request::PushedRequest>,
    /// Security events, in the order they were appended.
    pub(super) security_events: Vec<crate::security_event::SecurityEvent>,
    /// Used one-time ids (DPoP proofs' `jti`) and when each may be forgotten.
    pub(super) one_time_ids: BTreeMap<String, OffsetDateTime>,
    /// Device authorizations (RFC 8628), by the digest of their device code.
    pub(super) device_authorizations: BTreeMap<
        crate::device_authorization::DeviceCodeDigest,
        crate::device_authorization::DeviceAuthorization,
    >,
    /// Dynamic clients' registrations, by client.
    pub(super) client_registrations: BTreeMap<ClientId, crate::client_registration::ClientRegistration>,
}

/// An authorization code's row: the code and when it was consumed, if it was.
#[derive(Debug)]
pub(super) struct StoredCode {
    pub(super) code: AuthorizationCode,
    pub(super) consumed_at: Option<OffsetDateTime>,
}

impl Tables {
    /// Deletes the client and every row naming it (registration, consents,
    /// pending requests, codes, refresh families), as the database's
    /// cascade does; whether there was one.
    pub(super) fn remove_client(&mut self, id: &ClientId) -> bool {
        self.client_registrations.remove(id);
        self.pushed_requests.retain(|_, p| &p.client_id != id);
        self.device_authorizations.retain(|_, d| &d.client_id != id);
        self.consents.retain(|(_, client), _| client != id);
        self.resource_consents.retain(|(_, client), _| client != id);
        self.consent_times.retain(|(_, client), _| client != id);
        self.pending.retain(|_, p| &p.client_id != id);
        self.codes.retain(|_, c| &c.code.client_id != id);
        let families: BTreeSet<RefreshFamilyId> =
            self.families.values().filter(|f| &f.client_id == id).map(|f| f.id).collect();
        self.families.retain(|family, _| !families.contains(family));
        self.refresh_tokens.retain(|_, t| !families.contains(&t.family_id));
        self.clients.remove(id).is_some()
    }

    /// The user with this id, to change in place.
    pub(super) fn user_mut(&mut self, id: UserId) -> Result<&mut User, RepoError> {
        self.users.get_mut(&id).ok_or(RepoError::NotFound)
    }

    /// Deletes the sessions `ended` picks with every authorization pending in
    /// them, as `SessionRepository::delete` does for one; returns their ids.
    pub(super) fn end_sessions(&mut self, ended: impl Fn(&Session) -> bool) -> BTreeSet<SessionId> {
        let ids: BTreeSet<SessionId> = self.sessions.values().filter(|s| ended(s)).map(|s| s.id).collect();
        self.sessions.retain(|id, _| !ids.contains(id));
        self.pending.retain(|_, p| !ids.contains(&p.session_id));
        ids
    }
}

/// Removes up to `limit` entries of `map` that `dead` picks, in key order,
/// and returns their keys: every port's purge stops at its `limit`.
pub(super) fn purge<K: Ord + Clone, V>(
    map: &mut BTreeMap<K, V>,
    limit: u32,
    dead: impl Fn(&V) -> bool,
) -> Vec<K> {
    let keys: Vec<K> =
        map.iter().filter(|(_, v)| dead(v)).map(|(k, _)| k.clone()).take(limit as usize).collect();
    for key in &keys {
        map.remove(key);
    }
    keys
}
