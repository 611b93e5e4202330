//! Values shared by tests.

use secrecy::SecretString;
use time::OffsetDateTime;
use time::macros::datetime;

use crate::password::PasswordHash;
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
    }
}

/// A password that meets the policy.
pub fn password() -> SecretString {
    SecretString::from("correct horse battery staple".to_owned())
}
