//! An API protected by ManuMu Auth, written as a resource server would
//! write it (`docs/VERIFYING_TOKENS.md` § Protecting an API; the test suite
//! runs this code against the real server):
//!
//! - it serves its RFC 9728 protected-resource metadata, so that a client
//!   meeting it first (an MCP client does) finds the authorization server;
//! - a request without a token gets `401` with `WWW-Authenticate: Bearer
//!   resource_metadata="…"` (RFC 9728 §5.1), and a `DPoP` challenge naming
//!   the proof algorithms it accepts (RFC 9449 §7.1);
//! - a token is accepted only if it is an RFC 9068 access token (`typ`
//!   `at+jwt`) signed by a key of the issuer's JWKS (cached, fetched again
//!   for an unknown `kid`), from our issuer, for this API (`aud` is its own
//!   URI: a token minted for another API, or for the server's default
//!   audience, is refused) and with the scope the route needs (`403
//!   insufficient_scope` otherwise, RFC 6750 §3.1);
//! - a token bound to a key (`cnf.jkt`, RFC 9449 §6.1) is accepted only as
//!   `Authorization: DPoP` with a proof of that key for this request
//!   (`resource_server/dpop.rs`), never as Bearer (§7.2); a token without
//!   `cnf` sent as DPoP is refused.
//!
//! Run: `cargo run -p auth-server --example resource_server -- ISSUER RESOURCE_URI BIND`
//! (for example `http://127.0.0.1:8080 http://127.0.0.1:9090 127.0.0.1:9090`).
#![allow(clippy::print_stdout, clippy::print_stderr)] // an example prints where it listens, and why it refused

#[path = "verify_token.rs"]
#[allow(dead_code)] // its own `main` is not ours
pub mod verify_token;
// A path relative to this file: it resolves the same when the test suite
// compiles this example as a module.
#[path = "resource_server/dpop.rs"]
pub mod dpop;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use dpop::ProofChecker;
use josekit::jwt::JwtPayload;
use serde_json::{Value, json};
pub use verify_token::Refused;
use verify_token::TokenVerifier;

/// The scopes this API defines, as registered with `auth-server resources create`.
pub const SCOPES: [&str; 2] = ["calendar:read", "calendar:write"];

/// The current time, Unix seconds.
pub type Now = Arc<dyn Fn() -> i64 + Send + Sync>;

/// One API: its identifier, its issuer, the verifier of their tokens and
/// the checker of DPoP proofs.
pub struct ProtectedApi {
    resource: String,
    issuer: String,
    verifier: TokenVerifier,
    proofs: ProofChecker,
    now: Now,
}

impl std::fmt::Debug for ProtectedApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProtectedApi").field("resource", &self.resource).finish_non_exhaustive()
    }
}

/// The `Authorization` scheme a token came with: its refusals are
/// challenged in that scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    /// RFC 6750 §2.1.
    Bearer,
    /// RFC 9449 §7.1.
    Dpop,
}

/// RFC 6750 §3.1 `invalid_token`: whatever failed, the caller learns only this.
const NOT_ACCEPTED: (&str, &str) = ("invalid_token", "the access token is not accepted");

impl ProtectedApi {
    /// The API whose identifier is `resource`, accepting `issuer`'s tokens
    /// for it: reads the issuer's discovery document and JWKS.
    pub async fn discover(issuer: &str, resource: &str, now: Now) -> Result<Self, Refused> {
        let verifier = TokenVerifier::discover(reqwest::Client::new(), issuer, resource).await?;
        let proofs = ProofChecker::default();
        Ok(Self { resource: resource.to_owned(), issuer: issuer.to_owned(), verifier, proofs, now })
    }

    /// RFC 9728 §3.1: the well-known segment goes between the host and the
    /// resource's path.
    pub fn metadata_path(&self) -> String {
        let path = url::Url::parse(&self.resource).map(|u| u.path().to_owned()).unwrap_or_default();
        let path = if path == "/" { "" } else { path.as_str() };
        format!("/.well-known/oauth-protected-resource{path}")
    }

    fn metadata_url(&self) -> String {
        format!("{}{}", self.origin(), self.metadata_path())
    }

    fn origin(&self) -> String {
        url::Url::parse(&self.resource).map(|u| u.origin().ascii_serialization()).unwrap_or_default()
    }

    /// The URL `request` was sent to, as a DPoP proof's `htu` names it.
    /// SECURITY: our origin comes from configuration, never from the Host
    /// header, which is the caller's to choose.
    fn request_url(&self, request: &HttpRequest) -> String {
        format!("{}{}", self.origin(), request.path())
    }

    /// RFC 9728 §2.
    fn metadata(&self) -> Value {
        json!({
            "resource": self.resource,
            "authorization_servers": [self.issuer],
            "scopes_supported": SCOPES,
            "bearer_methods_supported": ["header"],
            "dpop_signing_alg_values_supported": dpop::ALGS,
            "resource_name": "Calendar API (example)",
        })
    }

    /// RFC 6750 §3 (and RFC 9449 §7.1 with its `algs`) with RFC 9728
    /// §5.1's `resource_metadata`: `invalid_token` or `invalid_dpop_proof`
    /// (401), or `insufficient_scope` (403) with the `scope` needed.
    fn challenge(&self, scheme: Scheme, error: (&str, &str), scope: Option<&str>) -> HttpResponse {
        let mut response =
            if scope.is_some() { HttpResponse::Forbidden() } else { HttpResponse::Unauthorized() };
        let value = self.challenge_value(scheme, Some(error), scope);
        response.insert_header((header::WWW_AUTHENTICATE, value)).finish()
    }

    /// No token at all: no error code (RFC 6750 §3.1), and one challenge
    /// per scheme we accept (RFC 9449 §7.2).
    fn no_token(&self) -> HttpResponse {
        HttpResponse::Unauthorized()
            .append_header((header::WWW_AUTHENTICATE, self.challenge_value(Scheme::Bearer, None, None)))
            .append_header((header::WWW_AUTHENTICATE, self.challenge_value(Scheme::Dpop, None, None)))
            .finish()
    }

    fn challenge_value(&self, scheme: Scheme, error: Option<(&str, &str)>, scope: Option<&str>) -> String {
        let mut params = vec![format!("resource_metadata=\"{}\"", self.metadata_url())];
        if let Some((code, description)) = error {
            params.push(format!("error=\"{code}\", error_description=\"{description}\""));
        }
        if let Some(scope) = scope {
            params.push(format!("scope=\"{scope}\""));
        }
        match scheme {
            Scheme::Bearer => format!("Bearer {}", params.join(", ")),
            Scheme::Dpop => format!("DPoP {}, algs=\"{}\"", params.join(", "), dpop::ALGS.join(" ")),
        }
    }

    /// The token's claims if it may call a route that needs `scope`.
    async fn authorize(&self, request: &HttpRequest, scope: &str) -> Result<JwtPayload, HttpResponse> {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split_once(' '))
            .and_then(|(scheme, token)| match scheme {
                s if s.eq_ignore_ascii_case("bearer") => Some((Scheme::Bearer, token.trim())),
                s if s.eq_ignore_ascii_case("dpop") => Some((Scheme::Dpop, token.trim())),
                _ => None,
            });
        let Some((scheme, token)) = presented else { return Err(self.no_token()) };
        let now = (self.now)();
        // The reason stays in our logs; the caller learns only that the token was refused.
        let claims =
            self.verifier.verify(token, now).await.map_err(|_| self.challenge(scheme, NOT_ACCEPTED, None))?;
        match (scheme, Binding::of(&claims)) {
            (Scheme::Bearer, Binding::Unbound) => {}
            // RFC 9449 §7.2: a bound token is no bearer token, whoever sends it.
            (Scheme::Bearer, Binding::Key(_)) => {
                let error =
                    ("invalid_token", "the access token is bound to a key: send it as DPoP with a proof");
                return Err(self.challenge(Scheme::Dpop, error, None));
            }
            (Scheme::Dpop, Binding::Key(jkt)) => {
                let url = self.request_url(request);
                let bound =
                    dpop::Request { method: request.method().as_str(), url: &url, access_token: token, jkt };
                let checked = one_proof(request).and_then(|proof| self.proofs.check(proof, &bound, now));
                if let Err(why) = checked {
                    return Err(self.challenge(Scheme::Dpop, ("invalid_dpop_proof", why), None));
                }
            }
            // A token without `cnf` sent as DPoP proves nothing about its
            // holder; a binding we cannot check is refused either way.
            (Scheme::Dpop, Binding::Unbound) | (_, Binding::Unchecked) => {
                return Err(self.challenge(scheme, NOT_ACCEPTED, None));
            }
        }
        let granted = claims.claim("scope").and_then(Value::as_str).unwrap_or_default();
        if !granted.split(' ').any(|s| s == scope) {
            let error = ("insufficient_scope", "the access token lacks the scope this route needs");
            return Err(self.challenge(scheme, error, Some(scope)));
        }
        Ok(claims)
    }
}

/// What a token's `cnf` (RFC 7800 §3.1) binds it to.
enum Binding<'a> {
    /// No `cnf`: a bearer token.
    Unbound,
    /// RFC 9449 §6.1 `jkt`: the thumbprint of a DPoP key.
    Key(&'a str),
    /// A confirmation this API cannot check (an mTLS `x5t#S256`, say).
    Unchecked,
}

impl<'a> Binding<'a> {
    fn of(claims: &'a JwtPayload) -> Self {
        match claims.claim("cnf") {
            None => Self::Unbound,
            Some(cnf) => cnf.get("jkt").and_then(Value::as_str).map_or(Self::Unchecked, Self::Key),
        }
    }
}

/// RFC 9449 §4.3 step 1: exactly one `DPoP` header.
fn one_proof(request: &HttpRequest) -> Result<&str, &'static str> {
    let mut proofs = request.headers().get_all("dpop");
    match (proofs.next(), proofs.next()) {
        (Some(proof), None) => proof.to_str().map_err(|_| "the DPoP header is not text"),
        _ => Err("send exactly one DPoP header with a DPoP token"),
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
