//! The kinds of security event, with the names logs and the event table use.

use std::fmt;

macro_rules! event_kinds {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, stored: $stored:literal;)+) => {
        /// What happened. The names are stable: alerts and queries match them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventKind {
            $($(#[$doc])* $variant,)+
        }

        impl EventKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant),+];

            /// The kind's name, as logged and stored.
            pub fn as_str(self) -> &'static str {
                match self { $(EventKind::$variant => $name,)+ }
            }

            /// Whether events of this kind are kept in the event table; the
            /// others are logged and counted only.
            pub fn is_stored(self) -> bool {
                match self { $(EventKind::$variant => $stored,)+ }
            }

            /// Whether any caller can cause events of this kind without
            /// proving anything: a full queue gives them less room.
            pub fn is_caused_by_anyone(self) -> bool {
                matches!(self, EventKind::LoginFailed | EventKind::LoginLocked)
            }

            /// The kind named `name`.
            ///
            /// # Errors
            /// [`UnknownEventKind`] for any other name.
            pub fn parse(name: &str) -> Result<Self, UnknownEventKind> {
                match name {
                    $($name => Ok(EventKind::$variant),)+
                    _ => Err(UnknownEventKind),
                }
            }
        }
    };
}

event_kinds! {
    /// A user signed in with the right password.
    LoginSucceeded = "login_succeeded", stored: true;
    /// A sign-in failed: unknown user, wrong password or disabled account.
    LoginFailed = "login_failed", stored: true;
    /// A failed sign-in reached a limit of the brute-force guard: the account
    /// (from that address) or the address is locked. Recorded once per lock;
    /// the refusals while locked are logged only.
    LoginLocked = "login_locked", stored: true;
    /// A user approved a client's access.
    ConsentGranted = "consent_granted", stored: true;
    /// A user revoked a client's access on the account page: its consent,
    /// its refresh families and its live access tokens.
    ConsentRevoked = "consent_revoked", stored: true;
    /// An authorization code was issued.
    CodeIssued = "code_issued", stored: true;
    /// A spent authorization code was presented again; its tokens were revoked.
    CodeReplayed = "code_replayed", stored: true;
    /// Tokens were issued at the token endpoint.
    TokensIssued = "tokens_issued", stored: true;
    /// Refresh families were revoked (the reason says why).
    RefreshFamilyRevoked = "refresh_family_revoked", stored: true;
    /// A client failed to authenticate. Logged and counted, not stored: any
    /// caller can cause it, and the table's size must not be theirs to choose.
    ClientAuthenticationFailed = "client_authentication_failed", stored: false;
    /// A client was registered.
    ClientCreated = "client_created", stored: true;
    /// A client's registration changed.
    ClientUpdated = "client_updated", stored: true;
    /// A client's secret was rotated.
    ClientSecretRotated = "client_secret_rotated", stored: true;
    /// A client was disabled or enabled again.
    ClientDisabled = "client_disabled", stored: true;
    /// A client was deleted.
    ClientDeleted = "client_deleted", stored: true;
    /// A signing key was rotated.
    KeyRotated = "key_rotated", stored: true;
    /// A user was created.
    UserCreated = "user_created", stored: true;
    /// A user was disabled or enabled again.
    UserDisabled = "user_disabled", stored: true;
    /// A user's password was set or changed.
    PasswordSet = "password_set", stored: true;
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is no event kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown event kind")]
pub struct UnknownEventKind;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_parses_back_from_its_name() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Ok(*kind));
        }
        assert_eq!(EventKind::parse("login"), Err(UnknownEventKind));
    }

    #[test]
    fn only_client_authentication_failures_are_left_out_of_the_table() {
        let unstored: Vec<_> = EventKind::ALL.iter().filter(|kind| !kind.is_stored()).collect();
        assert_eq!(unstored, [&EventKind::ClientAuthenticationFailed]);
    }
}
