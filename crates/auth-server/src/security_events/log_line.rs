//! One log line per security event, named by its kind (`"event":"login_failed"`),
//! with the event's subjects and details as fields. Nothing in an event is
//! secret (oauth-core's `security_event` module says so), and the log
//! formats escape every value.

use oauth_core::security_event::{EventKind, RevocationReason, SecurityEvent};
use tracing::field::display;

/// Logs `event`: a warning for what may be an attack, else information.
pub(super) fn log(event: &SecurityEvent) {
    let d = &event.details;
    let user_id = event.user.map(display);
    let client_id = event.client.as_ref().map(oauth_core::client::ClientId::as_str);
    let address = event.address.map(display);
    let reason = d.reason.map(reason_name);
    let source = d.source.map(|source| match source {
        oauth_core::security_event::ChangeSource::Cli => "cli",
        oauth_core::security_event::ChangeSource::Registration => "registration",
    });
    let resources = (!d.resources.is_empty()).then(|| d.resources.join(" "));
    macro_rules! line {
        ($level:ident) => {
            tracing::$level!(
                event = event.kind.as_str(),
                user_id,
                client_id,
                address,
                grant = d.grant.as_deref(),
                client_type = d.client_type.as_deref(),
                scope = d.scope.as_deref(),
                resources = resources.as_deref(),
                jti = d.jti.as_deref(),
                reason,
                families = d.families,
                source,
                disabled = d.disabled,
                kid = d.kid.as_deref(),
                "security event"
            )
        };
    }
    if is_alarming(event) {
        line!(warn);
    } else {
        line!(info);
    }
}

/// Events an operator alerts on.
fn is_alarming(event: &SecurityEvent) -> bool {
    match event.kind {
        EventKind::LoginFailed
        | EventKind::LoginLocked
        | EventKind::CodeReplayed
        | EventKind::ClientAuthenticationFailed => true,
        EventKind::RefreshFamilyRevoked => event.details.reason == Some(RevocationReason::Reuse),
        _ => false,
    }
}

/// The reason's name, as stored in the event table's details.
pub fn reason_name(reason: RevocationReason) -> &'static str {
    match reason {
        RevocationReason::Reuse => "reuse",
        RevocationReason::Revocation => "revocation",
        RevocationReason::Logout => "logout",
        RevocationReason::PasswordChange => "password_change",
        RevocationReason::AccountDisabled => "account_disabled",
        RevocationReason::UserRevoked => "user_revoked",
    }
}
