//! Values shared by tests.

use time::OffsetDateTime;
use time::macros::datetime;

use crate::code::CodeDigest;
use crate::password::PasswordHash;
use crate::refresh::{RefreshDigest, RefreshFamily, RefreshFamilyId, RefreshTokenRecord};
use crate::scope::ScopeName;
use crate::user::{DisplayName, Email, User, UserId};

/// The instant every test clock starts at.
pub const T0: OffsetDateTime = datetime!(2026-01-01 00:00:00 UTC);

/// A user with the given email and a distinct id derived from `n`.
///
/// # Panics
/// When `email` is not a valid address (a bug in the test).
#[allow(clippy::expect_used)]
pub fn user(n: u64, email: &str) -> User {
    let id = UserId::parse(&format!("00000000-0000-4000-8000-{n:012}")).expect("fixture id");
    User {
        id,
        email: Email::parse(email).expect("fixture email"),
        email_verified: false,
        display_name: DisplayName::parse("Fixture User").expect("fixture name"),
        password_hash: PasswordHash::new(format!("$argon2id$v=19$m=19456,t=2,p=1$fixture{n}")),
        disabled: false,
        created_at: T0,
        updated_at: T0,
        signed_out_at: None,
    }
}

/// A confidential client named `name` holding one current secret (`secret`).
///
/// # Panics
/// When the fixture's own values are invalid (a bug in the test).
#[allow(clippy::expect_used)]
pub fn client(n: u64, name: &str, secret: &str) -> crate::client::Client {
    use crate::client::{ClientId, ClientSpec, SecretDigest, StoredSecret};
    use crate::scope::ScopeCatalog;
    let metadata = ClientSpec {
        name: name.into(),
        client_type: "confidential".into(),
        redirect_uris: vec!["https://rp.example/cb".into(), "https://rp.example/cb2?x=1".into()],
        allowed_origins: vec!["https://rp.example".into()],
        scopes: vec!["openid".into(), "email".into(), "offline_access".into()],
        ..ClientSpec::default()
    }
    .validate(&ScopeCatalog::default())
    .expect("fixture client");
    crate::client::Client {
        id: ClientId::parse(&format!("client{n}")).expect("fixture id"),
        origin: crate::client::ClientOrigin::Registered,
        metadata,
        secrets: vec![StoredSecret { digest: SecretDigest::of(secret), created_at: T0, expires_at: None }],
        disabled: false,
        created_at: T0,
        updated_at: T0,
    }
}

/// A resource server at `uri` defining `scopes`, registered at [`T0`], closed
/// to dynamic clients, with the server's token lifetime and algorithm.
///
/// # Panics
/// When the fixture's own values are invalid (a bug in the test).
#[allow(clippy::expect_used)]
pub fn resource(uri: &str, scopes: &[&str]) -> crate::resource::Resource {
    crate::resource::Resource {
        uri: crate::resource::ResourceUri::parse(uri).expect("fixture resource"),
        name: format!("API at {uri}"),
        scopes: scopes.iter().map(|s| crate::scope::ScopeName::parse(s).expect("fixture scope")).collect(),
        allow_dynamic_clients: false,
        access_token_ttl: None,
        access_token_alg: None,
        created_at: T0,
        updated_at: T0,
    }
}

/// Access-token claims issued at [`T0`] for ten minutes, for tests of signing
/// and verification.
pub fn access_claims() -> crate::token::AccessTokenClaims {
    crate::token::AccessTokenClaims {
        iss: "https://id.example".into(),
        sub: "user-1".into(),
        aud: "urn:example:api".into(),
        exp: T0.unix_timestamp() + 600,
        iat: T0.unix_timestamp(),
        jti: "jti-1".into(),
        client_id: "client1".into(),
        scope: "openid".into(),
        auth_time: None,
        family: None,
        cnf: None,
    }
}

/// ID-token claims for the same login as [`access_claims`].
pub fn id_claims() -> crate::token::IdTokenClaims {
    crate::token::IdTokenClaims {
        iss: "https://id.example".into(),
        sub: "user-1".into(),
        aud: "client1".into(),
        exp: T0.unix_timestamp() + 600,
        iat: T0.unix_timestamp(),
        auth_time: T0.unix_timestamp(),
        nonce: None,
        at_hash: "x4Q3bDTRtCyWVTRm5vqr8A".into(),
        azp: "client1".into(),
    }
}

/// A refresh family of `client(1, …)` for `user`, started by `code` when
/// given, and its first token `first-<n>`; ids distinct per `n`; not stored.
///
/// # Panics
/// Never: the scope names and the seeded random source are fixed.
#[allow(clippy::expect_used)]
pub fn refresh_family(n: u64, user: UserId, code: Option<CodeDigest>) -> (RefreshFamily, RefreshTokenRecord) {
    let scopes: std::collections::BTreeSet<ScopeName> =
        ["openid", "offline_access"].iter().map(|s| ScopeName::parse(s).expect("scope")).collect();
    let family = RefreshFamily {
        // Two resources, one with a query: stored and read back exactly.
        resources: ["https://calendar.example.com/", "https://payroll.example.com?v=2"]
            .iter()
            .map(|uri| crate::resource::ResourceUri::parse(uri).expect("a resource URI"))
            .collect(),
        id: RefreshFamilyId::generate(&crate::testing::SeqRandom::new(n)).expect("seeded"),
        client_id: client(1, "Billing", "s").id,
        user_id: user,
        scopes: scopes.clone(),
        // Earlier than `created_at`, so that a store swapping the two fails.
        auth_time: T0 - time::Duration::minutes(5),
        code_digest: code,
        created_at: T0,
        expires_at: T0 + time::Duration::days(30),
        revoked_at: None,
        sender_key: None,
    };
    let first = RefreshTokenRecord {
        digest: RefreshDigest::of(&format!("first-{n}")),
        family_id: family.id,
        scopes,
        issued_at: T0,
        expires_at: T0 + time::Duration::days(14),
        rotated_at: None,
    };
    (family, first)
}
