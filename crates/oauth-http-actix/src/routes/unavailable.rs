//! A store or verifier that fails answers 503 `temporarily_unavailable` with
//! a fixed description at every endpoint: the failure's own text, which may
//! name a host or a database user, reaches only the log, beside the request id.

use std::io;
use std::sync::{Arc, Mutex};

use actix_web::middleware::from_fn;
use actix_web::test::{self, TestRequest};
use actix_web::{App, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use oauth_core::RepoError;
use oauth_core::error::UNAVAILABLE_DESCRIPTION;
use oauth_core::ports::{
    ClientRepository, MockClientRepository, MockReadinessProbe, MockRevokedTokenRepository,
    MockTokenVerifier, VerifyError,
};
use oauth_core::service::client_directory::ClientDirectory;
use oauth_core::service::token_endpoints::TokenEndpointPorts;
use oauth_core::testing::{InMemoryStore, fixtures};
use oauth_core::token::AccessTokenClaims;
use tracing_subscriber::fmt::MakeWriter;

use crate::middleware::request_id;
use crate::state::AppState;
use crate::state::testing::state_over;

/// What a PostgreSQL pool's error may carry.
const CAUSE: &str = "secret-host-10.9.8.7 user=admin";
const ISSUER: &str = "http://127.0.0.1:8080";

fn unavailable() -> RepoError {
    RepoError::Unavailable(CAUSE.into())
}

fn failing_clients() -> MockClientRepository {
    let mut clients = MockClientRepository::new();
    clients.expect_find().returning(|_| Err(unavailable()));
    clients
}

fn failing_revocation_list() -> MockRevokedTokenRepository {
    let mut revoked = MockRevokedTokenRepository::new();
    revoked.expect_is_revoked().returning(|_| Err(unavailable()));
    revoked
}

/// Takes any token for a live access token of client1's, for user 1.
fn accepting_verifier() -> MockTokenVerifier {
    let mut verifier = MockTokenVerifier::new();
    verifier.expect_verify_access_token().returning(|_| {
        Ok(AccessTokenClaims {
            iss: ISSUER.into(),
            sub: fixtures::user(1, "ada@example.com").id.to_string(),
            aud: ISSUER.into(),
            exp: fixtures::T0.unix_timestamp() + 600,
            iat: fixtures::T0.unix_timestamp(),
            jti: "jti-1".into(),
            client_id: "client1".into(),
            scope: "openid".into(),
            auth_time: Some(fixtures::T0.unix_timestamp()),
            family: None,
            cnf: None,
        })
    });
    verifier
}

fn failing_verifier() -> MockTokenVerifier {
    let mut verifier = MockTokenVerifier::new();
    verifier.expect_verify_access_token().returning(|_| Err(VerifyError::Unavailable(CAUSE.into())));
    verifier
}

/// A state over a store that holds client1 (secret `s3cret`), with `adjust` applied.
async fn state(adjust: impl FnOnce(&mut TokenEndpointPorts)) -> AppState {
    let store = Arc::new(InMemoryStore::default());
    ClientRepository::insert(store.as_ref(), &fixtures::client(1, "RP", "s3cret")).await.unwrap();
    state_over(Arc::new(MockReadinessProbe::new()), &store, |_, tokens| adjust(tokens))
}

fn client_post(path: &str, form: &str) -> TestRequest {
    TestRequest::post()
        .uri(path)
        .insert_header(("authorization", format!("Basic {}", STANDARD.encode("client1:s3cret"))))
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(form.to_owned())
}

#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl io::Write for Log {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Log {
    type Writer = Log;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The response (status, every header as `name: value`, body) and the log.
async fn exchange(state: AppState, request: TestRequest) -> (u16, Vec<String>, String, String) {
    let log = Log::default();
    let subscriber = tracing_subscriber::fmt().with_writer(log.clone()).with_ansi(false).finish();
    let _default = tracing::subscriber::set_default(subscriber);
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(state))
            .configure(super::configure)
            .wrap(from_fn(request_id::assign)),
    )
    .await;
    let response = test::call_service(&app, request.to_request()).await;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| format!("{name}: {}", String::from_utf8_lossy(value.as_bytes())))
        .collect();
    let body = String::from_utf8_lossy(&test::read_body(response).await).into_owned();
    let log = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    (status, headers, body, log)
}

#[actix_web::test]
async fn a_failing_store_or_verifier_is_a_503_that_keeps_its_cause_in_the_log() {
    let cases = [
        (
            "token: the client lookup fails",
            state(|tokens| tokens.clients = ClientDirectory::uncached(Arc::new(failing_clients()))).await,
            client_post("/oauth/token", "grant_type=client_credentials"),
        ),
        (
            "introspection: the revocation list fails",
            state(|tokens| {
                tokens.verifier = Arc::new(accepting_verifier());
                tokens.revoked = Arc::new(failing_revocation_list());
            })
            .await,
            client_post("/oauth/introspect", "token=a.b.c"),
        ),
        (
            "revocation: the verifier fails",
            state(|tokens| tokens.verifier = Arc::new(failing_verifier())).await,
            client_post("/oauth/revoke", "token=a.b.c"),
        ),
        (
            "userinfo: the revocation list fails",
            state(|tokens| {
                tokens.verifier = Arc::new(accepting_verifier());
                tokens.revoked = Arc::new(failing_revocation_list());
            })
            .await,
            TestRequest::get().uri("/userinfo").insert_header(("authorization", "Bearer a.b.c")),
        ),
    ];
    for (name, state, request) in cases {
        let (status, headers, body, log) = exchange(state, request).await;

        assert_eq!(status, 503, "{name}: {body}");
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["error"], "temporarily_unavailable", "{name}");
        assert_eq!(body["error_description"], UNAVAILABLE_DESCRIPTION, "{name}");
        for leaked in ["secret-host", "10.9.8.7", "user=admin"] {
            assert!(!body.to_string().contains(leaked), "{name}: {leaked} in the body {body}");
            let header = headers.iter().find(|header| header.contains(leaked));
            assert!(header.is_none(), "{name}: {leaked} in a header: {header:?}");
        }
        assert!(headers.iter().any(|header| header.starts_with("retry-after: ")), "{name}: {headers:?}");

        let request_id = headers.iter().find_map(|header| header.strip_prefix("x-request-id: ")).unwrap();
        let line = log.lines().find(|line| line.contains(CAUSE));
        let line = line.unwrap_or_else(|| panic!("{name}: the cause is logged:\n{log}"));
        assert!(line.contains(&format!("request_id={request_id}")), "{name}: {line}");
    }
}
