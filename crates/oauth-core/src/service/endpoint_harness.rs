//! The token endpoint family over the in-memory store, behind one harness:
//! the grants' tests and those of introspection, revocation and userinfo
//! share its clients, codes and credentials.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use time::Duration;

use crate::client::{AuthMethod, ClientId, GrantType};
use crate::client_auth::PresentedCredentials;
use crate::code::{AuthorizationCode, CodeDigest};
use crate::pkce::CodeChallenge;
use crate::ports::{ClientRepository, CodeRepository, UserRepository};
use crate::scope::{ScopeCatalog, ScopeName};
use crate::service::introspection::Introspection;
use crate::service::token::{Granted, TokenFailure, TokenParams};
use crate::service::token_endpoints::{TokenEndpointPorts, TokenEndpoints};
use crate::service::userinfo::{UserInfo, UserinfoFailure};
use crate::testing::fixtures::{self, T0};
use crate::testing::{InMemoryStore, ManualClock, RecordingSigner, SeqRandom};
use crate::token::TokenPolicy;

/// RFC 7636 Appendix B.
pub(crate) const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub(crate) const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub(crate) const ISSUER: &str = "https://id.example";

pub(crate) type Ports = TokenEndpointPorts;

/// The token family's services behind one value, each method its
/// endpoint's, so a test reads as one conversation with the server.
pub(crate) struct Endpoints(TokenEndpoints);

impl Endpoints {
    pub(crate) fn new(ports: Ports, catalog: Arc<ScopeCatalog>, policy: TokenPolicy) -> Self {
        Self(TokenEndpoints::compose(ports, catalog, policy))
    }

    pub(crate) async fn token(
        &self,
        credentials: &PresentedCredentials,
        params: TokenParams,
        address: &str,
    ) -> Result<Granted, TokenFailure> {
        self.0.token.token(credentials, params, address).await
    }

    pub(crate) async fn introspect(
        &self,
        credentials: &PresentedCredentials,
        token: Option<String>,
        address: &str,
    ) -> Result<(crate::client::Client, Introspection), TokenFailure> {
        self.0.introspection.introspect(credentials, token, address).await
    }

    pub(crate) async fn revoke(
        &self,
        credentials: &PresentedCredentials,
        token: Option<String>,
        address: &str,
    ) -> Result<crate::client::Client, TokenFailure> {
        self.0.revocation.revoke(credentials, token, address).await
    }

    pub(crate) async fn userinfo(&self, access_token: &str) -> Result<UserInfo, UserinfoFailure> {
        self.0.userinfo.userinfo(access_token).await
    }

    pub(crate) async fn userinfo_with_proof(
        &self,
        access_token: &str,
        proof: Option<&crate::service::dpop::PresentedProof>,
    ) -> Result<UserInfo, UserinfoFailure> {
        self.0.userinfo.userinfo_with_proof(access_token, proof).await
    }
}

pub(crate) struct Harness {
    pub(crate) service: Endpoints,
    pub(crate) store: Arc<InMemoryStore>,
    pub(crate) signer: Arc<RecordingSigner>,
    pub(crate) clock: Arc<ManualClock>,
}

pub(crate) async fn harness() -> Harness {
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(ManualClock::at(T0));
    let signer = Arc::new(RecordingSigner::default());
    UserRepository::insert(store.as_ref(), &fixtures::user(1, "ada@example.com")).await.unwrap();
    let mut machine = fixtures::client(2, "Machine", "m-secret");
    machine.metadata.grant_types = [GrantType::ClientCredentials].into();
    machine.metadata.scopes.insert(ScopeName::parse("api:read").unwrap());
    ClientRepository::insert(store.as_ref(), &fixtures::client(1, "Billing", "s")).await.unwrap();
    ClientRepository::insert(store.as_ref(), &machine).await.unwrap();
    let mut ports =
        Ports::over(&store, signer.clone(), signer.clone(), clock.clone(), Arc::new(SeqRandom::new(11)));
    ports.dpop = Some(crate::service::dpop::DpopService::new(crate::service::dpop::DpopPorts {
        verifier: Arc::new(crate::testing::dpop::PlainProofVerifier),
        seen: store.clone(),
        nonces: None,
        clock: clock.clone(),
    }));
    let catalog = Arc::new(ScopeCatalog::new([("api:read", "Read")]).unwrap());
    Harness { service: Endpoints::new(ports, catalog, TokenPolicy::for_issuer(ISSUER)), store, signer, clock }
}

pub(crate) fn scopes(names: &[&str]) -> BTreeSet<ScopeName> {
    names.iter().map(|n| ScopeName::parse(n).unwrap()).collect()
}

/// A code for client1's registered redirect, with a PKCE challenge and a nonce.
pub(crate) fn code_for(value: &str, granted: &[&str]) -> AuthorizationCode {
    AuthorizationCode {
        resources: std::collections::BTreeSet::new(),
        digest: CodeDigest::of(value),
        client_id: ClientId::parse("client1").unwrap(),
        user_id: fixtures::user(1, "ada@example.com").id,
        redirect_uri: "https://rp.example/cb".into(),
        redirect_uri_sent: true,
        scopes: scopes(granted),
        nonce: Some("n-1".into()),
        code_challenge: Some(CodeChallenge::from_stored(CHALLENGE.into())),
        auth_time: T0 - Duration::seconds(30),
        issued_at: T0,
        expires_at: T0 + Duration::seconds(60),
        dpop_jkt: None,
    }
}

pub(crate) async fn code(h: &Harness, value: &str, granted: &[&str]) {
    CodeRepository::insert(h.store.as_ref(), &code_for(value, granted)).await.unwrap();
}

/// A code from a login now, on the harness's clock (after a sign-out or a
/// revocation), without a nonce, stored.
pub(crate) async fn code_from_a_login_now(h: &Harness, value: &str, granted: &[&str]) {
    let now = crate::ports::Clock::now(h.clock.as_ref());
    let code = AuthorizationCode {
        nonce: None,
        auth_time: now,
        issued_at: now,
        expires_at: now + Duration::seconds(60),
        ..code_for(value, granted)
    };
    CodeRepository::insert(h.store.as_ref(), &code).await.unwrap();
}

pub(crate) fn basic(id: &str, secret: &str) -> PresentedCredentials {
    PresentedCredentials {
        client_id: id.into(),
        secret: Some(secret.into()),
        method: AuthMethod::ClientSecretBasic,
        assertion: None,
    }
}

pub(crate) fn exchange(code: &str, verifier: &str) -> TokenParams {
    TokenParams::authorization_code(code, "https://rp.example/cb", verifier)
}

pub(crate) fn refresh(token: &str, scope: Option<&str>) -> TokenParams {
    TokenParams {
        grant_type: Some("refresh_token".into()),
        refresh_token: Some(token.into()),
        scope: scope.map(str::to_owned),
        ..TokenParams::default()
    }
}

pub(crate) fn error_code(result: Result<Granted, TokenFailure>) -> &'static str {
    match result {
        Err(TokenFailure::Refused(error)) => error.code(),
        Err(TokenFailure::ClientThrottled) => "throttled",
        Ok(_) => "granted",
    }
}

/// A code exchange for `granted`: the access token and the refresh token, if any.
pub(crate) async fn tokens(h: &Harness, code_value: &str, granted: &[&str]) -> (String, Option<String>) {
    code(h, code_value, granted).await;
    let granted =
        h.service.token(&basic("client1", "s"), exchange(code_value, VERIFIER), "192.0.2.1").await.unwrap();
    let refresh = granted.response.refresh_token.map(|t| t.expose().to_owned());
    (granted.response.access_token, refresh)
}

pub(crate) async fn active(h: &Harness, caller: (&str, &str), token: &str) -> bool {
    let (_, answer) =
        h.service.introspect(&basic(caller.0, caller.1), Some(token.into()), "192.0.2.1").await.unwrap();
    answer != Introspection::Inactive
}

/// An operator lets client2, a resource server, see every client's tokens (RFC 7662 §4).
pub(crate) async fn let_client2_introspect_any(h: &Harness) {
    let mut machine = ClientRepository::find(h.store.as_ref(), &ClientId::parse("client2").unwrap())
        .await
        .unwrap()
        .unwrap();
    machine.metadata.may_introspect_any = true;
    ClientRepository::update(h.store.as_ref(), &machine).await.unwrap();
}
