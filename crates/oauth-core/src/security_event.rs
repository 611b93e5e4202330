//! Security events: the record an operator reads when investigating an
//! incident (which client got which token for whom, when a refresh family
//! was revoked and why, who failed to sign in from where).
//!
//! An event names its subjects by id and never carries a secret: no token,
//! code, password, secret or registration access token, only a token's
//! `jti` (docs/SECURITY.md § Security events). Services hand events to a
//! [`crate::ports::SecurityEventSink`]; the adapter logs each one as a JSON
//! line and keeps the stored kinds in the event table for the retention
//! period.

mod kind;

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::client::ClientId;
use crate::resource::ResourceUri;
use crate::scope::ScopeName;
use crate::user::UserId;

pub use kind::{EventKind, UnknownEventKind};

/// How long events are kept when the operator says nothing: long enough to
/// look back over a quarter's incidents.
pub const DEFAULT_RETENTION: time::Duration = time::Duration::days(90);

/// Why a refresh family was revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    /// A rotated refresh token was presented again (RFC 9700 §4.14.2).
    Reuse,
    /// The client revoked a token of the family (RFC 7009).
    Revocation,
    /// The user signed out (everywhere, or everywhere else).
    Logout,
    /// The user's password was set or changed.
    PasswordChange,
    /// The user was disabled.
    AccountDisabled,
    /// The user revoked the app on the account page.
    UserRevoked,
}

/// Who changed a client's registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeSource {
    /// An operator, with the command line.
    Cli,
    /// The client itself, by dynamic registration (RFC 7591/7592).
    Registration,
}

/// The facts an event carries beyond who and where; each is absent unless
/// the kind has it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDetails {
    /// The grant tokens were issued by (`authorization_code`, `refresh_token`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant: Option<String>,
    /// `public` or `confidential`, for tokens issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_type: Option<String>,
    /// The granted scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The resource servers the tokens are bound to (RFC 8707).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// The access token's `jti`: enough to revoke or trace it, useless to present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// Why a refresh family was revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<RevocationReason>,
    /// How many refresh families were revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub families: Option<u64>,
    /// Who changed a client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ChangeSource>,
    /// Whether a user or client was disabled (`true`) or enabled again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// A signing key's id, for key rotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
}

impl EventDetails {
    /// The details of a grant: its scope and the APIs it reaches.
    pub fn granted<'a>(
        scopes: impl IntoIterator<Item = &'a ScopeName>,
        resources: impl IntoIterator<Item = &'a ResourceUri>,
    ) -> Self {
        let scope: Vec<&str> = scopes.into_iter().map(ScopeName::as_str).collect();
        Self {
            scope: (!scope.is_empty()).then(|| scope.join(" ")),
            resources: resources.into_iter().map(|r| r.as_str().to_owned()).collect(),
            ..Self::default()
        }
    }
}

/// One security event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityEvent {
    /// What happened.
    pub kind: EventKind,
    /// When, by the server's clock.
    pub occurred_at: OffsetDateTime,
    /// The user it concerns, if known.
    pub user: Option<UserId>,
    /// The client it concerns, if known.
    pub client: Option<ClientId>,
    /// The caller's address, where one is meaningful (sign-in, dynamic registration).
    pub address: Option<IpAddr>,
    /// The rest.
    pub details: EventDetails,
}

impl SecurityEvent {
    /// An event of `kind` at `occurred_at` with no subject yet.
    pub fn new(kind: EventKind, occurred_at: OffsetDateTime) -> Self {
        Self { kind, occurred_at, user: None, client: None, address: None, details: EventDetails::default() }
    }

    /// The same event about `user`.
    #[must_use]
    pub fn user(mut self, user: UserId) -> Self {
        self.user = Some(user);
        self
    }

    /// The same event about `client`.
    #[must_use]
    pub fn client(mut self, client: &ClientId) -> Self {
        self.client = Some(client.clone());
        self
    }

    /// The same event from `address`.
    #[must_use]
    pub fn address(mut self, address: Option<IpAddr>) -> Self {
        self.address = address;
        self
    }

    /// The same event with `details`.
    #[must_use]
    pub fn details(mut self, details: EventDetails) -> Self {
        self.details = details;
        self
    }

    /// The same event about the revocation of `families` refresh families for `reason`.
    #[must_use]
    pub fn revoked(mut self, reason: RevocationReason, families: u64) -> Self {
        self.details.reason = Some(reason);
        self.details.families = Some(families);
        self
    }

    /// The same event about a change made by `source`.
    #[must_use]
    pub fn source(mut self, source: ChangeSource) -> Self {
        self.details.source = Some(source);
        self
    }
}

/// What `events list` asks for; every present field must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Only events at or after this instant.
    pub since: Option<OffsetDateTime>,
    /// Only events about this user.
    pub user: Option<UserId>,
    /// Only events about this client.
    pub client: Option<ClientId>,
    /// Only events of this kind.
    pub kind: Option<EventKind>,
}

impl EventFilter {
    /// Whether `event` passes the filter.
    pub fn matches(&self, event: &SecurityEvent) -> bool {
        self.since.is_none_or(|since| event.occurred_at >= since)
            && self.user.is_none_or(|user| event.user == Some(user))
            && self.client.as_ref().is_none_or(|client| event.client.as_ref() == Some(client))
            && self.kind.is_none_or(|kind| event.kind == kind)
    }
}
