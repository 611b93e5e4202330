//! `POST /oauth/introspect` (RFC 7662) and `POST /oauth/revoke` (RFC 7009):
//! a client asks about, or gives up, a token it holds.

use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::service::introspection::Introspection;
use serde::Serialize;

use super::client_form::{ClientForm, allow_origin, allow_origin_on_error};
use crate::state::AppState;

/// RFC 7662 §2.2. An inactive token is `{"active": false}` and nothing else.
#[derive(Serialize)]
struct IntrospectionBody<'a> {
    active: bool,
    #[serde(flatten)]
    token: Option<ActiveBody<'a>>,
}

#[derive(Serialize)]
struct ActiveBody<'a> {
    scope: &'a str,
    client_id: &'a str,
    sub: &'a str,
    exp: i64,
    iat: i64,
    iss: &'a str,
    /// Absent for refresh tokens: they are for no resource server.
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<&'a str>,
    token_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    jti: Option<&'a str>,
}

/// `POST /oauth/introspect`: JSON, never cached.
pub(crate) async fn introspect(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let form = match ClientForm::read(&request, &body) {
        Ok(form) => form,
        Err(refusal) => return refusal.response(),
    };
    // `token_type_hint` is not read: the token's own shape tells its type.
    let token = form.field("token");
    let address = crate::browser::client_address(&request, &state.trusted_proxies);
    match state.introspection.introspect(&form.credentials, token, &address).await {
        Ok((_, answer)) => {
            let token = match &answer {
                Introspection::Inactive => None,
                Introspection::Active(t) => Some(ActiveBody {
                    scope: &t.scope,
                    client_id: &t.client_id,
                    sub: &t.sub,
                    exp: t.exp,
                    iat: t.iat,
                    iss: &t.iss,
                    aud: t.aud.as_deref(),
                    token_type: t.token_type,
                    jti: t.jti.as_deref(),
                }),
            };
            super::uncached_ok().json(IntrospectionBody { active: token.is_some(), token })
        }
        Err(failure) => form.failure(failure),
    }
}

/// `POST /oauth/revoke`: 200 with an empty body whether or not anything was
/// revoked (RFC 7009 §2.2). Browser clients may call it (RFC 7009 §5: CORS).
pub(crate) async fn revoke(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let form = match ClientForm::read(&request, &body) {
        Ok(form) => form,
        Err(refusal) => return refusal.response_with_cors(&request, &state).await,
    };
    let mut response = revoked(&request, &state, &form, form.field("token")).await;
    allow_origin_on_error(&request, &state, &form.credentials.client_id, &mut response).await;
    response
}

async fn revoked(
    request: &HttpRequest,
    state: &AppState,
    form: &ClientForm,
    token: Option<String>,
) -> HttpResponse {
    let address = crate::browser::client_address(request, &state.trusted_proxies);
    match state.revocation.revoke(&form.credentials, token, &address).await {
        Ok(client) => {
            let mut response = super::uncached_ok().finish();
            allow_origin(request, &client, &mut response);
            response
        }
        Err(failure) => form.failure(failure),
    }
}

/// `OPTIONS /oauth/revoke`: a CORS preflight.
pub(crate) async fn revoke_preflight(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    super::client_form::preflight(&request, &state, "POST").await
}
