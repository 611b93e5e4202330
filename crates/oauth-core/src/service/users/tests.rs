use super::*;
use crate::ports::{MockPasswordHasher, MockUserRepository};
use crate::testing::{InMemoryStore, ManualClock, PlainTextHasher, SeqRandom, fixtures};

fn service_with(users: Arc<dyn UserRepository>, hasher: Arc<dyn PasswordHasher>) -> UserService {
    UserService::new(users, hasher, Arc::new(ManualClock::at(fixtures::T0)), Arc::new(SeqRandom::new(1)))
}

fn in_memory() -> UserService {
    service_with(Arc::new(InMemoryStore::default()), Arc::new(PlainTextHasher))
}

fn request(email: &str, password: &str) -> NewUser {
    NewUser {
        email: email.into(),
        display_name: "Ada Lovelace".into(),
        password: SecretString::from(password.to_owned()),
        email_verified: false,
    }
}

#[tokio::test]
async fn creates_a_user_with_hashed_password_and_clock_times() {
    let service = in_memory();
    let user = service.create(request("Ada@Example.com", "correct horse")).await.unwrap();
    assert_eq!(user.email.as_str(), "Ada@Example.com");
    assert_eq!(user.created_at, fixtures::T0);
    assert_ne!(user.password_hash.as_str(), "correct horse");
    let found = service.find("ada@example.com").await.unwrap();
    assert_eq!(found.id, user.id);
}

#[tokio::test]
async fn refuses_bad_input_before_touching_any_port() {
    // A mock with no expectations panics on any call: nothing may be hashed or stored.
    let service = service_with(Arc::new(MockUserRepository::new()), Arc::new(MockPasswordHasher::new()));
    let rows = [
        ("malformed email", request("not-an-email", "long enough")),
        ("short password", request("a@example.com", "short")),
        ("empty password", request("a@example.com", "")),
        ("empty name", NewUser { display_name: " ".into(), ..request("a@example.com", "long enough") }),
    ];
    for (name, row) in rows {
        let error = service.create(row).await.unwrap_err();
        assert!(error.is_bad_input(), "case {name}: {error}");
    }
}

#[tokio::test]
async fn duplicate_email_is_refused_without_hashing() {
    let store = Arc::new(InMemoryStore::default());
    let first = service_with(store.clone(), Arc::new(PlainTextHasher));
    first.create(request("ada@example.com", "long enough")).await.unwrap();

    let mut hasher = MockPasswordHasher::new();
    hasher.expect_hash().never();
    let second = service_with(store, Arc::new(hasher));
    let error = second.create(request("ADA@example.com", "another one")).await.unwrap_err();
    assert!(matches!(error, UserError::DuplicateEmail));
}

#[tokio::test]
async fn losing_an_insert_race_reports_duplicate() {
    let mut users = MockUserRepository::new();
    users.expect_find_by_email().returning(|_| Ok(None));
    users.expect_insert().times(1).returning(|_| Err(RepoError::Conflict("users.email_key".into())));
    let service = service_with(Arc::new(users), Arc::new(PlainTextHasher));
    let error = service.create(request("ada@example.com", "long enough")).await.unwrap_err();
    assert!(matches!(error, UserError::DuplicateEmail));
}

#[tokio::test]
async fn disable_and_enable_round_trip() {
    let service = in_memory();
    service.create(request("ada@example.com", "long enough")).await.unwrap();
    assert!(service.disable("ada@example.com").await.unwrap().disabled);
    assert!(service.find("ada@example.com").await.unwrap().disabled);
    assert!(!service.enable("ADA@example.com").await.unwrap().disabled);
    assert!(matches!(service.disable("nobody@example.com").await, Err(UserError::UnknownUser)));
}

#[tokio::test]
async fn set_password_replaces_the_hash() {
    let service = in_memory();
    let user = service.create(request("ada@example.com", "first password")).await.unwrap();
    service.set_password("ada@example.com", SecretString::from("second password".to_owned())).await.unwrap();
    let updated = service.find("ada@example.com").await.unwrap();
    let old = SecretString::from("first password".to_owned());
    let new = SecretString::from("second password".to_owned());
    assert!(!service.password_matches(&updated, &old).await.unwrap());
    assert!(service.password_matches(&updated, &new).await.unwrap());
    assert_ne!(updated.password_hash, user.password_hash);
    let weak = service.set_password("ada@example.com", SecretString::from("short".to_owned())).await;
    assert!(matches!(weak, Err(UserError::InvalidPassword(_))));
}

#[tokio::test]
async fn disable_and_password_changes_end_every_session_and_token() {
    use crate::ports::{RefreshTokenRepository, SessionRepository};
    use crate::refresh::{RefreshFamily, RefreshFamilyId};
    use crate::session::{Login, Session, SessionDigest, SessionId};
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(ManualClock::at(fixtures::T0));
    let service = UserService::new(
        store.clone(),
        Arc::new(PlainTextHasher),
        clock.clone(),
        Arc::new(SeqRandom::new(1)),
    );
    let user = service.create(request("ada@example.com", "long enough")).await.unwrap();
    crate::ports::ClientRepository::insert(store.as_ref(), &fixtures::client(1, "Billing", "s"))
        .await
        .unwrap();
    let random = SeqRandom::new(7);
    let sign_in = |n: u8| Session {
        id: SessionId::generate(&random).unwrap(),
        digest: SessionDigest::of(&format!("secret-{n}")),
        login: Some(Login { user_id: user.id, auth_time: fixtures::T0 }),
        created_at: fixtures::T0,
        expires_at: fixtures::T0 + time::Duration::hours(1),
    };
    let family = RefreshFamily {
        resources: std::collections::BTreeSet::new(),
        id: RefreshFamilyId::generate(&random).unwrap(),
        client_id: fixtures::client(1, "Billing", "s").id,
        user_id: user.id,
        scopes: std::collections::BTreeSet::new(),
        auth_time: fixtures::T0,
        code_digest: None,
        created_at: fixtures::T0,
        expires_at: fixtures::T0 + time::Duration::days(30),
        revoked_at: None,
        sender_key: None,
    };
    let first = crate::refresh::RefreshTokenRecord {
        digest: crate::refresh::RefreshDigest::of("first"),
        family_id: family.id,
        scopes: std::collections::BTreeSet::new(),
        issued_at: fixtures::T0,
        expires_at: fixtures::T0 + time::Duration::days(14),
        rotated_at: None,
    };
    SessionRepository::insert(store.as_ref(), &sign_in(1)).await.unwrap();
    store.start_family(&family, &first).await.unwrap();

    clock.advance(time::Duration::seconds(5));
    service.set_password("ada@example.com", SecretString::from("another password".to_owned())).await.unwrap();
    assert!(SessionRepository::find(store.as_ref(), &SessionDigest::of("secret-1")).await.unwrap().is_none());
    assert!(store.find_family(family.id).await.unwrap().unwrap().revoked_at.is_some());
    let found = service.find("ada@example.com").await.unwrap();
    assert_eq!(found.signed_out_at, Some(fixtures::T0 + time::Duration::seconds(5)));

    SessionRepository::insert(store.as_ref(), &sign_in(2)).await.unwrap();
    clock.advance(time::Duration::seconds(5));
    service.disable("ada@example.com").await.unwrap();
    assert!(SessionRepository::find(store.as_ref(), &SessionDigest::of("secret-2")).await.unwrap().is_none());
    let (_, ended) = service.sign_out("ada@example.com").await.unwrap();
    assert_eq!(ended, SignedOut::default(), "nothing left to end");
    assert!(matches!(service.sign_out("nobody@example.com").await, Err(UserError::UnknownUser)));
}

#[tokio::test]
async fn storage_outage_is_not_bad_input() {
    let mut users = MockUserRepository::new();
    users.expect_find_by_email().returning(|_| Err(RepoError::Unavailable("down".into())));
    let service = service_with(Arc::new(users), Arc::new(PlainTextHasher));
    let error = service.create(request("ada@example.com", "long enough")).await.unwrap_err();
    assert!(!error.is_bad_input());
}
