//! The device grant's verification pages (RFC 8628 §3.3): the code form,
//! sign-in for a code, the approval page, and the end.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use oauth_core::service::authorize::{
    CodeFailure, Decision, DeviceCodePage, DeviceConsentPage, DeviceLoginPage, LoginFailure,
};

use super::Pages;

impl Pages {
    /// The code form: 200, or 429 past the guessing limits.
    pub(crate) fn device_code(&self, page: &DeviceCodePage) -> HttpResponse {
        let mut context = self.context();
        context.insert("csrf", &page.csrf);
        context.insert("user_code", page.user_code.as_deref().unwrap_or(""));
        let (status, failure, retry_after) = match page.failure {
            None => (StatusCode::OK, "", None),
            Some(CodeFailure::NotValid) => (StatusCode::OK, "invalid", None),
            Some(CodeFailure::Throttled { retry_after_secs }) => {
                (StatusCode::TOO_MANY_REQUESTS, "throttled", Some(retry_after_secs))
            }
        };
        context.insert("failure", failure);
        let mut response = self.respond(status, "device.html", &context);
        if let Some(seconds) = retry_after {
            // RFC 9110 §10.2.3.
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        response
    }

    /// Sign in for a device's code: 200, or 429 when the brute-force guard refused.
    pub(crate) fn device_login(&self, page: &DeviceLoginPage) -> HttpResponse {
        let mut context = self.context();
        context.insert("csrf", &page.csrf);
        context.insert("user_code", &page.user_code);
        context.insert("client_name", &page.client_name);
        context.insert("username", page.username.as_deref().unwrap_or(""));
        let (status, failure) = match page.failure {
            None => (StatusCode::OK, ""),
            Some(LoginFailure::InvalidCredentials) => (StatusCode::OK, "invalid"),
            Some(LoginFailure::Throttled) => (StatusCode::TOO_MANY_REQUESTS, "throttled"),
        };
        context.insert("failure", failure);
        self.respond(status, "device_login.html", &context)
    }

    /// The approval page.
    pub(crate) fn device_consent(&self, page: &DeviceConsentPage) -> HttpResponse {
        let mut context = self.context();
        context.insert("csrf", &page.csrf);
        context.insert("user_code", &page.user_code);
        context.insert("client_name", &page.client_name);
        context.insert("user", &page.user);
        super::insert_lines(&mut context, &page.scopes, &page.apis);
        self.respond(StatusCode::OK, "device_consent.html", &context)
    }

    /// The end: the device learns the decision at its next poll.
    pub(crate) fn device_done(&self, decision: Decision, client_name: &str) -> HttpResponse {
        let mut context = self.context();
        context.insert("approved", &(decision == Decision::Approve));
        context.insert("client_name", client_name);
        self.respond(StatusCode::OK, "device_done.html", &context)
    }
}
