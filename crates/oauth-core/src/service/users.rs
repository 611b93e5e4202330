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
use crate::security_event::{EventDetails, EventKind, RevocationReason};
use crate::service::audit::Audit;
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
    audit: Audit,
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
        let audit = Audit::discarding(clock.clone());
        Self { users, hasher, clock, random, audit }
    }

    /// Also records account changes as security events.
    #[must_use]
    pub fn auditing(mut self, audit: Audit) -> Self {
        self.audit = audit;
        self
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
        self.audit.record(self.audit.event(EventKind::UserCreated).user(user.id));
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
        self.sign_out_user(&user, RevocationReason::AccountDisabled).await?;
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
        let changed = EventDetails { disabled: Some(disabled), ..EventDetails::default() };
        self.audit.record(self.audit.event(EventKind::UserDisabled).user(user.id).details(changed));
        Ok(User { disabled, ..user })
    }

    /// Replaces a user's password after checking the policy.
    #[tracing::instrument(skip_all)]
    pub async fn set_password(&self, email: &str, password: SecretString) -> Result<(), UserError> {
        let password = Password::new(password)?;
        let user = self.find(email).await?;
        let accounts =
            Accounts { users: self.users.as_ref(), hasher: self.hasher.as_ref(), audit: &self.audit };
        accounts.replace_password(&user, &password).await?;
        Ok(())
    }

    /// Ends every session of the user, revokes the user's refresh families,
    /// and kills the access tokens issued so far (RFC 7009 §2.1 asks the same
    /// of a revoked grant); the user may sign in again.
    #[tracing::instrument(skip_all)]
    pub async fn sign_out(&self, email: &str) -> Result<(User, SignedOut), UserError> {
        let user = self.find(email).await?;
        let ended = self.sign_out_user(&user, RevocationReason::Logout).await?;
        Ok((user, ended))
    }

    async fn sign_out_user(&self, user: &User, reason: RevocationReason) -> Result<SignedOut, UserError> {
        let accounts =
            Accounts { users: self.users.as_ref(), hasher: self.hasher.as_ref(), audit: &self.audit };
        accounts.sign_out_user(user, reason).await
    }

    /// Whether `candidate` is this user's password. Checks the hash only; the
    /// sign-in flow adds the disabled check and its anti-enumeration rules.
    pub async fn password_matches(&self, user: &User, candidate: &SecretString) -> Result<bool, UserError> {
        Ok(self.hasher.verify(candidate, &user.password_hash).await?)
    }
}

/// The account changes an operator's command and the user's own account
/// page share, so both record the same events and end the same sessions.
pub(crate) struct Accounts<'a> {
    pub(crate) users: &'a dyn UserRepository,
    pub(crate) hasher: &'a dyn PasswordHasher,
    pub(crate) audit: &'a Audit,
}

impl Accounts<'_> {
    /// Replaces the user's password and signs out everyone who signed in
    /// with the old one.
    pub(crate) async fn replace_password(
        &self,
        user: &User,
        password: &Password,
    ) -> Result<SignedOut, UserError> {
        let hash = self.hasher.hash(password).await?;
        self.users.set_password_hash(user.id, &hash, self.audit.now()).await?;
        self.audit.record(self.audit.event(EventKind::PasswordSet).user(user.id));
        // A changed password is often a response to a stolen one (ASVS 3.3.3):
        // whoever signed in with the old one is signed out.
        self.sign_out_user(user, RevocationReason::PasswordChange).await
    }

    /// Ends every session of the user and revokes every refresh family.
    pub(crate) async fn sign_out_user(
        &self,
        user: &User,
        reason: RevocationReason,
    ) -> Result<SignedOut, UserError> {
        let ended = self.users.sign_out_everywhere(user.id, self.audit.now()).await?;
        tracing::info!(
            event = "user_signed_out",
            user_id = %user.id,
            reason = ?reason,
            sessions = ended.sessions,
            families = ended.families,
            "every session and token of the user ended"
        );
        if ended.families > 0 {
            let revoked = self.audit.event(EventKind::RefreshFamilyRevoked).user(user.id);
            self.audit.record(revoked.revoked(reason, ended.families));
        }
        Ok(ended)
    }
}

#[cfg(test)]
mod tests;
