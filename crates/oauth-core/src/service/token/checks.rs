//! Checks every grant applies the same way.

use crate::client::{Client, GrantType};
use crate::error::OAuthError;
use crate::service::client_authentication::TokenFailure;
use crate::user::User;

pub(crate) fn invalid_grant(why: &'static str) -> TokenFailure {
    OAuthError::InvalidGrant(why.into()).into()
}

/// A parameter the request must carry, not empty.
pub(crate) fn require(value: Option<String>, name: &'static str) -> Result<String, TokenFailure> {
    value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| OAuthError::InvalidRequest(format!("{name} is required").into()).into())
}

/// The client registered `grant` (RFC 6749 §5.2 `unauthorized_client`).
pub(crate) fn allowed(client: &Client, grant: GrantType) -> Result<(), TokenFailure> {
    if client.metadata.grant_types.contains(&grant) {
        Ok(())
    } else {
        Err(OAuthError::UnauthorizedClient(format!("this client may not use {grant}").into()).into())
    }
}

/// The user a token is for must still exist, be enabled, and not have
/// been signed out everywhere since the login the grant comes from.
pub(crate) fn active_user(user: Option<&User>, auth_time: time::OffsetDateTime) -> Result<(), TokenFailure> {
    match user.filter(|user| !user.disabled) {
        Some(user) if user.login_is_current(auth_time) => Ok(()),
        Some(_) => Err(invalid_grant("the user was signed out since this grant was made")),
        None => Err(invalid_grant("the user is no longer active")),
    }
}
