//! The ports: what the domain needs from the outside world, as traits that
//! adapters implement. Each trait's documentation is its contract.

mod clients;
mod clock;
mod codes;
mod consents;
mod password_hasher;
mod random;
mod readiness;
mod users;

pub use clients::ClientRepository;
pub use clock::Clock;
pub use codes::CodeRepository;
pub use consents::ConsentRepository;
pub use password_hasher::{HashError, PasswordHasher};
pub use random::{RandomSource, RandomUnavailable};
pub use readiness::ReadinessProbe;
pub use users::{UserPage, UserRepository};

#[cfg(any(test, feature = "test-support"))]
pub use {
    clients::MockClientRepository, clock::MockClock, codes::MockCodeRepository,
    consents::MockConsentRepository, password_hasher::MockPasswordHasher, random::MockRandomSource,
    readiness::MockReadinessProbe, users::MockUserRepository,
};
