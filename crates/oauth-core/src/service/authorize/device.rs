//! The device grant's verification page (RFC 8628 §3.3): the user enters
//! the code the device shows, signs in, and approves or denies; the page
//! names the client and says a device is asking. Wrong codes get one
//! answer whatever the cause, and guessing is limited per address and in
//! total (docs/SECURITY.md § Device grant).

use secrecy::SecretString;

use super::login::SignIn;
use super::{Answer, ApiLine, AuthorizeService, Decision, LoginFailure, PageError, ScopeLine, live_session};
use crate::client::Client;
use crate::device_authorization::{DeviceAuthorization, DeviceDecision, UserCode};
use crate::ports::DeviceAuthorizationRepository;
use crate::service::quota::charge;
use crate::session::{Session, SessionId, SessionSecret, csrf_token};
use crate::throttle::AuthorizeQuota;
use crate::user::User;

/// Wrong codes one address (or IPv6 /64) may enter per window before the
/// page refuses even a right one: RFC 8628 §5.1's example.
pub const DEVICE_CODE_GUESSES_PER_ADDRESS: AuthorizeQuota =
    AuthorizeQuota { per_address: 5, window: time::Duration::minutes(10) };

/// Wrong codes every address together may enter per window.
pub const DEVICE_CODE_GUESSES_TOTAL: AuthorizeQuota =
    AuthorizeQuota { per_address: 1_000, window: time::Duration::minutes(10) };

/// Why the code form is shown again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeFailure {
    /// SECURITY: unknown, expired, used and malformed codes look the same.
    NotValid,
    /// Too many wrong codes from this address, or from everywhere: refused
    /// even with the right code until the window ends.
    Throttled {
        /// Seconds until the window ends.
        retry_after_secs: u64,
    },
}

/// The form where the user enters the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodePage {
    /// The session's CSRF token.
    pub csrf: String,
    /// Pre-filled from `verification_uri_complete`, normalized; never
    /// submitted for the user (RFC 8628 §5.4).
    pub user_code: Option<String>,
    /// Why the form is shown again, if it is.
    pub failure: Option<CodeFailure>,
}

/// The login form for a device's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceLoginPage {
    /// The session's CSRF token.
    pub csrf: String,
    /// The code, as shown (`WDJB-MJHT`).
    pub user_code: String,
    /// The asking client's display name.
    pub client_name: String,
    /// What was typed last time.
    pub username: Option<String>,
    /// Why the form is shown again, if it is.
    pub failure: Option<LoginFailure>,
}

/// The approval page (RFC 8628 §5.4: it names the client, shows the code
/// to compare with the device's screen, and says a device is asking).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceConsentPage {
    /// The session's CSRF token.
    pub csrf: String,
    /// The code, as shown (`WDJB-MJHT`).
    pub user_code: String,
    /// The asking client's display name.
    pub client_name: String,
    /// Who is approving (their email).
    pub user: String,
    /// The requested scopes, in plain words.
    pub scopes: Vec<ScopeLine>,
    /// The APIs (RFC 8707 resources) the device asks to use.
    pub apis: Vec<ApiLine>,
}

/// What the verification page shows next.
#[derive(Debug)]
pub enum DeviceStep {
    /// The code form, again.
    EnterCode(DeviceCodePage),
    /// Sign in first.
    Login(DeviceLoginPage),
    /// Approve or deny.
    Consent(DeviceConsentPage),
    /// Decided: the device learns it at its next poll.
    Decided {
        /// What the user decided.
        decision: Decision,
        /// The client's display name.
        client_name: String,
    },
}

/// What the user posted with the code.
#[derive(Debug)]
pub struct DeviceForm {
    /// The CSRF token the form carried.
    pub csrf: String,
    /// The code as typed or carried.
    pub user_code: String,
    /// The browser's address, for the guessing limit.
    pub address: String,
}

impl AuthorizeService {
    fn devices(&self) -> Result<&dyn DeviceAuthorizationRepository, PageError> {
        self.ports
            .devices
            .as_deref()
            .ok_or_else(|| PageError::BadRequest("the device grant is not offered".into()))
    }

    /// `GET /device`: the code form, pre-filled from `user_code` when it is
    /// one; a session is made for its CSRF token when there is none.
    #[tracing::instrument(skip_all)]
    pub async fn device_page(
        &self,
        cookie: Option<&str>,
        user_code: Option<&str>,
        address: &str,
    ) -> Result<Answer<DeviceCodePage>, PageError> {
        self.devices()?;
        let now = self.now();
        let user_code = user_code.and_then(UserCode::parse).map(|code| code.display());
        if let Some((_, secret)) = live_session(self.ports.sessions.as_ref(), cookie, now).await? {
            let page = DeviceCodePage { csrf: csrf_token(secret), user_code, failure: None };
            return Ok(Answer::keep_session(page));
        }
        // A session is a row an unauthenticated caller makes: charged to
        // its address, as at the authorization endpoint.
        self.admit(address, now).await?;
        let (_, secret) = self.new_session(now).await?;
        let page = DeviceCodePage { csrf: csrf_token(secret.expose()), user_code, failure: None };
        Ok(Answer { outcome: page, new_session: Some(secret) })
    }

    /// `POST /device`: the code entered. A valid one leads to the login
    /// form, or, signed in, to the approval page.
    #[tracing::instrument(skip_all)]
    pub async fn device_code_entered(
        &self,
        cookie: Option<&str>,
        form: DeviceForm,
    ) -> Result<DeviceStep, PageError> {
        let now = self.now();
        let session = self.device_session(cookie, &form.csrf).await?;
        let secret = cookie.unwrap_or_default();
        let (device, client) = match self.pending_device(&form, session.id, now).await? {
            Ok(found) => found,
            Err(failure) => return Ok(code_again(secret, &form, failure)),
        };
        let code = display(&form.user_code);
        match self.session_user(&session).await? {
            Some((_, user)) => self.consent_step_for_device(secret, code, &device, &client, &user).await,
            None => Ok(login_step(csrf_token(secret), code, &client, None)),
        }
    }

    /// `POST /device/login`: sign in for a device's code. The code is
    /// checked again (and counted as a guess when wrong) before the
    /// password.
    #[tracing::instrument(skip_all)]
    pub async fn device_login(
        &self,
        cookie: Option<&str>,
        form: DeviceForm,
        username: &str,
        password: &SecretString,
    ) -> Result<(Option<SessionSecret>, DeviceStep), PageError> {
        let now = self.now();
        let session = self.device_session(cookie, &form.csrf).await?;
        let secret = cookie.unwrap_or_default();
        let (device, client) = match self.pending_device(&form, session.id, now).await? {
            Ok(found) => found,
            Err(failure) => return Ok((None, code_again(secret, &form, failure))),
        };
        let code = display(&form.user_code);
        match self.sign_in(&session, username, password, &form.address, client.id.as_str()).await? {
            SignIn::Refused(failure) => {
                Ok((None, login_step(form.csrf.clone(), code, &client, Some((username, failure)))))
            }
            SignIn::Done { secret: renewed, user, .. } => {
                let step =
                    self.consent_step_for_device(renewed.expose(), code, &device, &client, &user).await?;
                Ok((Some(renewed), step))
            }
        }
    }

    /// `POST /device/decision`: the signed-in user approves or denies; the
    /// decision is recorded once, on a code still pending.
    #[tracing::instrument(skip_all)]
    pub async fn device_decide(
        &self,
        cookie: Option<&str>,
        form: DeviceForm,
        decision: Decision,
    ) -> Result<DeviceStep, PageError> {
        let now = self.now();
        let session = self.device_session(cookie, &form.csrf).await?;
        let secret = cookie.unwrap_or_default();
        let (device, client) = match self.pending_device(&form, session.id, now).await? {
            Ok(found) => found,
            Err(failure) => return Ok(code_again(secret, &form, failure)),
        };
        let Some((login, user)) = self.session_user(&session).await? else {
            return Ok(login_step(csrf_token(secret), display(&form.user_code), &client, None));
        };
        let recorded = match decision {
            Decision::Approve => DeviceDecision::Approved { user_id: user.id, auth_time: login.auth_time },
            Decision::Deny => DeviceDecision::Denied,
        };
        if !self.devices()?.decide(&device.user_code, recorded, now).await? {
            // Decided meanwhile in another tab, or expired.
            return Ok(code_again(secret, &form, CodeFailure::NotValid));
        }
        let approved = decision == Decision::Approve;
        tracing::info!(event = "device_decided", client_id = %client.id, user_id = %user.id, approved);
        if approved {
            // The approval is this one device's consent (RFC 8628 §3.3).
            self.record(
                crate::security_event::SecurityEvent::new(
                    crate::security_event::EventKind::ConsentGranted,
                    now,
                )
                .user(user.id)
                .client(&client.id)
                .details(crate::security_event::EventDetails::granted(&device.scopes, &device.resources)),
            );
        }
        Ok(DeviceStep::Decided { decision, client_name: client.metadata.name.clone() })
    }

    /// The session a device form was posted from, its CSRF token checked.
    async fn device_session(&self, cookie: Option<&str>, csrf: &str) -> Result<Session, PageError> {
        self.devices()?;
        self.session_for_form(cookie, csrf, "", self.now()).await
    }

    /// The session's user, if signed in and still active.
    pub(super) async fn session_user(
        &self,
        session: &Session,
    ) -> Result<Option<(crate::session::Login, User)>, PageError> {
        let Some(login) = session.login else { return Ok(None) };
        Ok(self.active_user(&login).await?.map(|user| (login, user)))
    }

    /// The pending, live authorization the typed code names, and its
    /// enabled client; otherwise why not.
    ///
    /// A code `session` entered correctly before is its own: its next steps
    /// (sign-in, the decision, a resubmitted decision) are not guesses.
    /// SECURITY: every other entry is charged as a guess before it is
    /// judged, per address and then over every address, so guesses sent
    /// together cannot pass a read together, and past the limits even the
    /// right code is refused (RFC 8628 §5.1); a right one is forgiven.
    async fn pending_device(
        &self,
        form: &DeviceForm,
        session: SessionId,
        now: time::OffsetDateTime,
    ) -> Result<Result<(DeviceAuthorization, Client), CodeFailure>, PageError> {
        let devices = self.devices()?;
        let code = UserCode::parse(&form.user_code);
        let found = match &code {
            Some(code) => devices.find_by_user_code(&code.digest(), now).await?,
            None => None,
        };
        if let Some(own) = found.as_ref().filter(|device| device.entered_by == Some(session)) {
            return Ok(self.usable(own).await?.ok_or(CodeFailure::NotValid));
        }
        let attempts = self.ports.attempts.as_ref();
        let counters = [
            (DEVICE_CODE_GUESSES_PER_ADDRESS, "device-code", form.address.as_str()),
            (DEVICE_CODE_GUESSES_TOTAL, "device-code-total", "every address"),
        ];
        let mut charged = Vec::with_capacity(counters.len());
        for (quota, purpose, source) in counters {
            if let Some(retry_after_secs) = charge(attempts, quota, purpose, source, now).await? {
                tracing::warn!(event = "device_code_throttled", "device code refused: too many wrong codes");
                return Ok(Err(CodeFailure::Throttled { retry_after_secs }));
            }
            charged.push(quota.window_for(purpose, source, now).0);
        }
        let usable = match &found {
            Some(device) => self.usable(device).await?,
            None => None,
        };
        let (Some((device, client)), Some(code)) = (usable, code) else {
            tracing::warn!(event = "device_code_wrong", "a wrong device code was entered");
            return Ok(Err(CodeFailure::NotValid));
        };
        for key in &charged {
            attempts.forgive_one(key).await?;
        }
        devices.record_entry(&code.digest(), session, now).await?;
        Ok(Ok((device, client)))
    }

    /// `device` and its client, if it is still pending and the client enabled.
    async fn usable(
        &self,
        device: &DeviceAuthorization,
    ) -> Result<Option<(DeviceAuthorization, Client)>, PageError> {
        if device.decision != DeviceDecision::Pending {
            return Ok(None);
        }
        let client = self.ports.clients.find_accepted(&device.client_id, |c| !c.disabled).await?;
        Ok(client.map(|client| (device.clone(), client)))
    }

    /// The approval page for `device`, for the signed-in `user`. RFC 8628
    /// §5.4: always asked, whatever the user granted the client before.
    async fn consent_step_for_device(
        &self,
        secret: &str,
        user_code: String,
        device: &DeviceAuthorization,
        client: &Client,
        user: &User,
    ) -> Result<DeviceStep, PageError> {
        // An API closed or removed since the device asked: nothing to approve.
        let apis = match self.ports.targets.check_for(client, &device.scopes, &device.resources).await {
            Ok(apis) => apis,
            Err(error) => {
                tracing::info!(event = "device_target_gone", error = %error, "a device's request no longer holds");
                return Ok(DeviceStep::EnterCode(DeviceCodePage {
                    csrf: csrf_token(secret),
                    user_code: Some(user_code),
                    failure: Some(CodeFailure::NotValid),
                }));
            }
        };
        let scopes = device
            .scopes
            .iter()
            .map(|scope| ScopeLine {
                name: scope.clone(),
                description: self.catalog.describe(scope).unwrap_or(scope.as_str()).to_owned(),
                is_new: true,
            })
            .collect();
        let apis = apis
            .iter()
            .map(|api| ApiLine { name: api.name.clone(), uri: api.uri.as_str().to_owned(), is_new: true })
            .collect();
        Ok(DeviceStep::Consent(DeviceConsentPage {
            csrf: csrf_token(secret),
            user_code,
            client_name: client.metadata.name.clone(),
            user: user.email.as_str().to_owned(),
            scopes,
            apis,
        }))
    }
}

/// The code as shown, or as typed when it is none.
fn display(typed: &str) -> String {
    UserCode::parse(typed).map_or_else(|| typed.to_owned(), |code| code.display())
}

/// The code form again, with `failure`, keeping what was typed.
fn code_again(secret: &str, form: &DeviceForm, failure: CodeFailure) -> DeviceStep {
    DeviceStep::EnterCode(DeviceCodePage {
        csrf: csrf_token(secret),
        user_code: Some(form.user_code.clone()),
        failure: Some(failure),
    })
}

/// The login form for `user_code`, again with what was typed and why it
/// failed when `retry` says so.
fn login_step(
    csrf: String,
    user_code: String,
    client: &Client,
    retry: Option<(&str, LoginFailure)>,
) -> DeviceStep {
    DeviceStep::Login(DeviceLoginPage {
        csrf,
        user_code,
        client_name: client.metadata.name.clone(),
        username: retry.map(|(username, _)| username.to_owned()),
        failure: retry.map(|(_, failure)| failure),
    })
}
