//! Administration of resource owners: create, list, disable, enable, reset
//! passwords and sign out everywhere. Every input is parsed before anything is hashed or written, so a
//! refused request changes nothing.

use std::sync::Arc;

use secrecy::SecretString;

use crate::error::RepoError;
use crate::password::{InvalidPassword, Password};
use crate::ports::{
    Clock, HashError, PasswordHasher, RandomSource, RandomUnavailable, SignedOut, UserPage, UserRepository,
};
use crate::user::{DisplayName, Email, InvalidDisplayName, InvalidEmail, User, UserId};

/// Why a user operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The email was refused.
    #[error("{0}")]
    InvalidEmail(#[from] InvalidEmail),
    /// The display name was refused.
    #[error("{0}")]
    InvalidName(#[from] InvalidDisplayName),
    /// The password was refused.
    #[error("{0}")]
    InvalidPassword(#[from] InvalidPassword),
    /// Another user has this email.
    #[error("a user with this email already exists")]
    DuplicateEmail,
    /// No user has this email.
    #[error("no user with this email")]
    UnknownUser,
    /// The store failed.
    #[error(transparent)]
    Storage(RepoError),
    /// The hasher failed.
    #[error(transparent)]
    Hashing(#[from] HashError),
    /// Randomness was unavailable.
    #[error(transparent)]
    Random(#[from] RandomUnavailable),
}

impl UserError {
    /// Whether the caller's input was at fault (as opposed to the server).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Self::InvalidEmail(_)
                | Self::InvalidName(_)
                | Self::InvalidPassword(_)
                | Self::DuplicateEmail
                | Self::UnknownUser
        )
    }
}

impl From<RepoError> for UserError {
    fn from(error: RepoError) -> Self {
        match error {
            RepoError::Conflict(_) => Self::DuplicateEmail,
            RepoError::NotFound => Self::UnknownUser,
            other => Self::Storage(other),
        }
    }
}

/// What an operator supplies to create a user. Untrusted until parsed.
#[derive(Debug)]
pub struct NewUser {
    /// The user's email, their username.
    pub email: String,
    /// The name shown on pages.
    pub display_name: String,
    /// The initial password; hashed before it is stored.
    pub password: SecretString,
    /// Whether the email is known to be theirs (the `email_verified` claim).
    pub email_verified: bool,
}

impl NewUser {
    /// A user whose email is known to be theirs.
    pub fn verified(email: &str, display_name: &str, password: &str) -> Self {
        Self {
            email: email.into(),
            display_name: display_name.into(),
            password: password.into(),
            email_verified: true,
        }
    }
}

/// Administration of users.
pub struct UserService {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn RandomSource>,
}

impl std::fmt::Debug for UserService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserService").finish_non_exhaustive()
    }
}

impl UserService {
    /// A service over the given ports.
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        clock: Arc<dyn Clock>,
        random: Arc<dyn RandomSource>,
    ) -> Self {
        Self { users, hasher, clock, random }
    }

    /// Creates a user. Parses everything first, then checks the email is free
    /// before spending a hash on it; the repository's uniqueness rule still
    /// decides a race between two creations.
    #[tracing::instrument(skip_all)]
    pub async fn create(&self, request: NewUser) -> Result<User, UserError> {
        let email = Email::parse(&request.email)?;
        let display_name = DisplayName::parse(&request.display_name)?;
        let password = Password::new(request.password)?;
        if self.users.find_by_email(&email).await?.is_some() {
            return Err(UserError::DuplicateEmail);
        }
        let password_hash = self.hasher.hash(&password).await?;
        let now = self.clock.now();
        let user = User {
            id: UserId::generate(self.random.as_ref())?,
            email,
            email_verified: request.email_verified,
            display_name,
            password_hash,
            disabled: false,
            created_at: now,
            updated_at: now,
            signed_out_at: None,
        };
        self.users.insert(&user).await?;
        tracing::info!(user_id = %user.id, "user created");
        Ok(user)
    }

    /// One page of users, ordered by email.
    pub async fn list(&self, page: &UserPage) -> Result<Vec<User>, UserError> {
        Ok(self.users.list(page).await?)
    }

    /// The user with this email, if any.
    pub async fn find(&self, email: &str) -> Result<User, UserError> {
        let email = Email::parse(email)?;
        self.users.find_by_email(&email).await?.ok_or(UserError::UnknownUser)
    }

    /// Stops a user from signing in and ends every session and token the
    /// user holds, so that enabling the user again revives none of them.
    /// Idempotent.
    #[tracing::instrument(skip_all)]
    pub async fn disable(&self, email: &str) -> Result<User, UserError> {
        let user = self.set_disabled(email, true).await?;
        self.sign_out_user(&user, "disabled").await?;
        Ok(user)
    }

    /// Lets a disabled user sign in again. Idempotent.
    #[tracing::instrument(skip_all)]
    pub async fn enable(&self, email: &str) -> Result<User, UserError> {
        self.set_disabled(email, false).await
    }

    async fn set_disabled(&self, email: &str, disabled: bool) -> Result<User, UserError> {
        let user = self.find(email).await?;
        self.users.set_disabled(user.id, disabled, self.clock.now()).await?;
        tracing::info!(user_id = %user.id, disabled, "user access changed");
        Ok(User { disabled, ..user })
    }

    /// Replaces a user's password after checking the policy.
    #[tracing::instrument(skip_all)]
    pub async fn set_password(&self, email: &str, password: SecretString) -> Result<(), UserError> {
        let password = Password::new(password)?;
        let user = self.find(email).await?;
        let hash = self.hasher.hash(&password).await?;
        self.users.set_password_hash(user.id, &hash, self.clock.now()).await?;
        tracing::info!(user_id = %user.id, "password changed");
        // A changed password is often a response to a stolen one (ASVS 3.3.3):
        // whoever signed in with the old one is signed out.
        self.sign_out_user(&user, "password_changed").await?;
        Ok(())
    }

    /// Ends every session of the user, revokes the user's refresh families,
    /// and kills the access tokens issued so far (RFC 7009 §2.1 asks the same
    /// of a revoked grant); the user may sign in again.
    #[tracing::instrument(skip_all)]
    pub async fn sign_out(&self, email: &str) -> Result<(User, SignedOut), UserError> {
        let user = self.find(email).await?;
        let ended = self.sign_out_user(&user, "operator").await?;
        Ok((user, ended))
    }

    async fn sign_out_user(&self, user: &User, reason: &'static str) -> Result<SignedOut, UserError> {
        let ended = self.users.sign_out_everywhere(user.id, self.clock.now()).await?;
        tracing::info!(
            event = "user_signed_out",
            user_id = %user.id,
            reason,
            sessions = ended.sessions,
            families = ended.families,
            "every session and token of the user ended"
        );
        Ok(ended)
    }

    /// Whether `candidate` is this user's password. Checks the hash only; the
    /// sign-in flow adds the disabled check and its anti-enumeration rules.
    pub async fn password_matches(&self, user: &User, candidate: &SecretString) -> Result<bool, UserError> {
        Ok(self.hasher.verify(candidate, &user.password_hash).await?)
    }
}

#[cfg(test)]
mod tests {
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
        service
            .set_password("ada@example.com", SecretString::from("second password".to_owned()))
            .await
            .unwrap();
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
            id: RefreshFamilyId::generate(&random).unwrap(),
            client_id: fixtures::client(1, "Billing", "s").id,
            user_id: user.id,
            scopes: std::collections::BTreeSet::new(),
            auth_time: fixtures::T0,
            code_digest: None,
            created_at: fixtures::T0,
            expires_at: fixtures::T0 + time::Duration::days(30),
            revoked_at: None,
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
        service
            .set_password("ada@example.com", SecretString::from("another password".to_owned()))
            .await
            .unwrap();
        assert!(
            SessionRepository::find(store.as_ref(), &SessionDigest::of("secret-1")).await.unwrap().is_none()
        );
        assert!(store.find_family(family.id).await.unwrap().unwrap().revoked_at.is_some());
        let found = service.find("ada@example.com").await.unwrap();
        assert_eq!(found.signed_out_at, Some(fixtures::T0 + time::Duration::seconds(5)));

        SessionRepository::insert(store.as_ref(), &sign_in(2)).await.unwrap();
        clock.advance(time::Duration::seconds(5));
        service.disable("ada@example.com").await.unwrap();
        assert!(
            SessionRepository::find(store.as_ref(), &SessionDigest::of("secret-2")).await.unwrap().is_none()
        );
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
}
