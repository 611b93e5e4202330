//! The account page and its sign-in form.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use oauth_core::service::authorize::{
    AccountLoginPage, AccountNotice, AccountPage, AccountView, LoginFailure, PasswordFailure,
};
use serde::Serialize;
use time::OffsetDateTime;
use time::macros::format_description;

use super::Pages;

/// One app, as the page shows it.
#[derive(Serialize)]
struct AppView<'a> {
    client_id: &'a str,
    client_name: &'a str,
    document_host: Option<&'a str>,
    scopes: Vec<&'a str>,
    apis: &'a [String],
    granted_at: Option<String>,
    last_used_at: Option<String>,
}

/// One session, as the page shows it.
#[derive(Serialize)]
struct SessionView {
    signed_in_at: String,
    expires_at: String,
    current: bool,
}

/// A time as the page shows it: to the minute, in UTC, which every reader
/// can place (the page runs no script to learn the browser's zone).
fn shown(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(format_description!("[year]-[month]-[day] [hour]:[minute] UTC"))
        .unwrap_or_default()
}

impl Pages {
    /// `/account`: the page, or its sign-in form (429 when the brute-force
    /// guard refused a sign-in or a password check), or a 303 to it.
    pub(crate) fn account(&self, view: &AccountView) -> HttpResponse {
        match view {
            AccountView::Page(page) => self.account_page(page),
            AccountView::SignIn(form) => self.account_login(form),
            // A form without a live session: the page's GET, which carries
            // the cookie; nothing is set here.
            AccountView::StartOver => {
                crate::redirect::to_location(StatusCode::SEE_OTHER, &format!("{}/account", self.base_path))
            }
        }
    }

    fn account_page(&self, page: &AccountPage) -> HttpResponse {
        let mut context = self.context();
        context.insert("csrf", &page.csrf);
        context.insert("email", &page.email);
        context.insert("display_name", &page.display_name);
        let apps: Vec<AppView<'_>> = page
            .apps
            .iter()
            .map(|app| AppView {
                client_id: &app.client_id,
                client_name: &app.client_name,
                document_host: app.document_host.as_deref(),
                scopes: app.scopes.iter().map(|scope| scope.description.as_str()).collect(),
                apis: &app.apis,
                granted_at: app.granted_at.map(shown),
                last_used_at: app.last_used_at.map(shown),
            })
            .collect();
        context.insert("apps", &apps);
        let sessions: Vec<SessionView> = page
            .sessions
            .iter()
            .map(|session| SessionView {
                signed_in_at: shown(session.signed_in_at),
                expires_at: shown(session.expires_at),
                current: session.current,
            })
            .collect();
        context.insert("sessions", &sessions);
        let mut status = StatusCode::OK;
        let (notice, client_name, ended) = match &page.notice {
            None => ("", "", 0),
            Some(AccountNotice::AppRevoked { client_name }) => ("app_revoked", client_name.as_str(), 0),
            Some(AccountNotice::OthersSignedOut { sessions }) => ("others_signed_out", "", *sessions),
            Some(AccountNotice::PasswordChanged) => ("password_changed", "", 0),
            Some(AccountNotice::PasswordRefused(failure)) => match failure {
                PasswordFailure::Current(LoginFailure::InvalidCredentials) => ("password_wrong", "", 0),
                PasswordFailure::Current(LoginFailure::Throttled) => {
                    status = StatusCode::TOO_MANY_REQUESTS;
                    ("password_throttled", "", 0)
                }
                PasswordFailure::Mismatch => ("password_mismatch", "", 0),
                PasswordFailure::Rules(_) => ("password_rules", "", 0),
            },
        };
        context.insert("notice", notice);
        context.insert("revoked_name", client_name);
        context.insert("ended", &ended);
        let rules = match &page.notice {
            Some(AccountNotice::PasswordRefused(PasswordFailure::Rules(rules))) => rules.as_str(),
            _ => "",
        };
        context.insert("rules", rules);
        self.respond(status, "account.html", &context)
    }

    fn account_login(&self, form: &AccountLoginPage) -> HttpResponse {
        let mut context = self.context();
        context.insert("csrf", &form.csrf);
        context.insert("username", form.username.as_deref().unwrap_or(""));
        let (status, failure) = match form.failure {
            None => (StatusCode::OK, ""),
            Some(LoginFailure::InvalidCredentials) => (StatusCode::OK, "invalid"),
            Some(LoginFailure::Throttled) => (StatusCode::TOO_MANY_REQUESTS, "throttled"),
        };
        context.insert("failure", failure);
        self.respond(status, "account_login.html", &context)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    #[test]
    fn times_are_shown_to_the_minute_in_utc() {
        assert_eq!(super::shown(datetime!(2026-12-06 07:12:59 +01:00)), "2026-12-06 06:12 UTC");
    }
}
