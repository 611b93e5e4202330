//! An API protected by ManuMu Auth, written as a resource server would
//! write it (`docs/VERIFYING_TOKENS.md` § Protecting an API; the test suite
//! runs this code against the real server):
//!
//! - it serves its RFC 9728 protected-resource metadata, so that a client
//!   meeting it first (an MCP client does) finds the authorization server;
//! - a request without a token gets `401` with `WWW-Authenticate: Bearer
//!   resource_metadata="…"` (RFC 9728 §5.1);
//! - a token is accepted only if it is an RFC 9068 access token (`typ`
//!   `at+jwt`) signed by a key of the issuer's JWKS (cached, fetched again
//!   for an unknown `kid`), from our issuer, for this API (`aud` is its own
//!   URI: a token minted for another API, or for the server's default
//!   audience, is refused) and with the scope the route needs (`403
//!   insufficient_scope` otherwise, RFC 6750 §3.1).
//!
//! Run: `cargo run -p auth-server --example resource_server -- ISSUER RESOURCE_URI BIND`
//! (for example `http://127.0.0.1:8080 http://127.0.0.1:9090 127.0.0.1:9090`).
#![allow(clippy::print_stdout, clippy::print_stderr)] // an example prints where it listens, and why it refused

#[path = "verify_token.rs"]
#[allow(dead_code)] // its own `main` is not ours
pub mod verify_token;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use josekit::jwt::JwtPayload;
use serde_json::{Value, json};
pub use verify_token::Refused;
use verify_token::TokenVerifier;

/// The scopes this API defines, as registered with `auth-server resources create`.
pub const SCOPES: [&str; 2] = ["calendar:read", "calendar:write"];

/// The current time, Unix seconds.
pub type Now = Arc<dyn Fn() -> i64 + Send + Sync>;

/// One API: its identifier, its issuer, and the verifier of their tokens.
pub struct ProtectedApi {
    resource: String,
    issuer: String,
    verifier: TokenVerifier,
    now: Now,
}

impl std::fmt::Debug for ProtectedApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProtectedApi").field("resource", &self.resource).finish_non_exhaustive()
    }
}

impl ProtectedApi {
    /// The API whose identifier is `resource`, accepting `issuer`'s tokens
    /// for it: reads the issuer's discovery document and JWKS.
    pub async fn discover(issuer: &str, resource: &str, now: Now) -> Result<Self, Refused> {
        let verifier = TokenVerifier::discover(reqwest::Client::new(), issuer, resource).await?;
        Ok(Self { resource: resource.to_owned(), issuer: issuer.to_owned(), verifier, now })
    }

    /// RFC 9728 §3.1: the well-known segment goes between the host and the
    /// resource's path.
    pub fn metadata_path(&self) -> String {
        let path = url::Url::parse(&self.resource).map(|u| u.path().to_owned()).unwrap_or_default();
        let path = if path == "/" { "" } else { path.as_str() };
        format!("/.well-known/oauth-protected-resource{path}")
    }

    fn metadata_url(&self) -> String {
        let origin = url::Url::parse(&self.resource).map(|u| u.origin().ascii_serialization());
        format!("{}{}", origin.unwrap_or_default(), self.metadata_path())
    }

    /// RFC 9728 §2.
    fn metadata(&self) -> Value {
        json!({
            "resource": self.resource,
            "authorization_servers": [self.issuer],
            "scopes_supported": SCOPES,
            "bearer_methods_supported": ["header"],
            "resource_name": "Calendar API (example)",
        })
    }

    /// RFC 6750 §3 with RFC 9728 §5.1's `resource_metadata`: no error code
    /// when no token was sent, `invalid_token` (401) or
    /// `insufficient_scope` (403) otherwise.
    fn challenge(&self, error: Option<(&str, &str)>, scope: Option<&str>) -> HttpResponse {
        let mut params = vec![format!("resource_metadata=\"{}\"", self.metadata_url())];
        if let Some((code, description)) = error {
            params.push(format!("error=\"{code}\", error_description=\"{description}\""));
        }
        if let Some(scope) = scope {
            params.push(format!("scope=\"{scope}\""));
        }
        let value = format!("Bearer {}", params.join(", "));
        let mut response =
            if scope.is_some() { HttpResponse::Forbidden() } else { HttpResponse::Unauthorized() };
        response.insert_header((header::WWW_AUTHENTICATE, value)).finish()
    }

    /// The token's claims if it may call a route that needs `scope`.
    async fn authorize(&self, request: &HttpRequest, scope: &str) -> Result<JwtPayload, HttpResponse> {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        let Some(token) = presented else { return Err(self.challenge(None, None)) };
        // The reason stays in our logs; the caller learns only that the token was refused.
        let claims =
            self.verifier.verify(token, (self.now)()).await.map_err(|_| {
                self.challenge(Some(("invalid_token", "the access token is not accepted")), None)
            })?;
        let granted = claims.claim("scope").and_then(Value::as_str).unwrap_or_default();
        if !granted.split(' ').any(|s| s == scope) {
            let error = ("insufficient_scope", "the access token lacks the scope this route needs");
            return Err(self.challenge(Some(error), Some(scope)));
        }
        Ok(claims)
    }
}

async fn metadata(api: web::Data<ProtectedApi>) -> HttpResponse {
    HttpResponse::Ok().json(api.metadata())
}

async fn list_events(api: web::Data<ProtectedApi>, request: HttpRequest) -> HttpResponse {
    match api.authorize(&request, "calendar:read").await {
        Ok(claims) => HttpResponse::Ok().json(json!({ "owner": claims.subject(), "events": [] })),
        Err(refused) => refused,
    }
}

async fn add_event(api: web::Data<ProtectedApi>, request: HttpRequest) -> HttpResponse {
    match api.authorize(&request, "calendar:write").await {
        Ok(_) => HttpResponse::Created().json(json!({ "added": true })),
        Err(refused) => refused,
    }
}

/// Serves `api` on `listener` until the returned server is stopped.
pub fn serve(api: ProtectedApi, listener: TcpListener) -> std::io::Result<Server> {
    let path = api.metadata_path();
    let api = web::Data::new(api);
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(api.clone())
            .route(&path, web::get().to(metadata))
            .route("/events", web::get().to(list_events))
            .route("/events", web::post().to(add_event))
    })
    .workers(1)
    .listen(listener)?
    .run())
}

#[actix_web::main]
#[allow(dead_code)] // compiled into the test suite as a module, where `serve` is used
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, issuer, resource, bind] = args.as_slice() else {
        println!("usage: resource_server ISSUER RESOURCE_URI BIND");
        std::process::exit(2);
    };
    let now: Now = Arc::new(|| {
        std::time::SystemTime::UNIX_EPOCH.elapsed().map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
    });
    let api = match ProtectedApi::discover(issuer, resource, now).await {
        Ok(api) => api,
        Err(refused) => {
            println!("cannot reach the issuer: {refused}");
            std::process::exit(1);
        }
    };
    let listener = TcpListener::bind(bind)?;
    println!("{resource} listening on {bind}; metadata at {}", api.metadata_url());
    serve(api, listener)?.await
}
