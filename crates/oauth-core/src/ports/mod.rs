//! The ports: what the domain needs from the outside world, as traits that
//! adapters implement. Each trait's documentation is its contract.

mod client_assertions;
mod client_cache;
mod client_key_sets;
mod client_registrations;
mod clients;
mod clock;
mod codes;
mod consents;
mod device_authorizations;
mod dpop_proofs;
mod grant_store;
mod granted_apps;
mod key_material;
mod key_set;
mod login_attempts;
mod metadata_documents;
mod one_time_ids;
mod password_hasher;
mod pushed_requests;
mod random;
mod readiness;
mod refresh_tokens;
mod registration_tokens;
mod resources;
mod revoked_tokens;
mod security_events;
mod session_views;
mod sessions;
mod signing_keys;
mod token_signer;
mod token_verifier;
mod users;

pub use client_assertions::{AssertionRefused, ClientAssertionVerifier};
pub use client_cache::ClientCache;
pub use client_key_sets::{ClientKeySets, KeySetRefused};
pub use client_registrations::ClientRegistrationRepository;
pub use clients::ClientRepository;
pub use clock::Clock;
pub use codes::CodeRepository;
pub use consents::ConsentRepository;
pub use device_authorizations::DeviceAuthorizationRepository;
pub use dpop_proofs::{DpopNonces, DpopProofVerifier, ProofRefused};
#[cfg(any(test, feature = "test-support"))]
pub(crate) use grant_store::in_steps;
pub use grant_store::{GrantStore, GrantStoreInSteps, Issued, Redemption, RefreshState};
pub use granted_apps::GrantedAppRepository;
pub use key_material::{
    GeneratedKey, KeyMaterial, KeyMaterialError, KeyToOpen, OpenedKey, OpenedMaterial, TokenClaims,
    TokenHeader,
};
pub use key_set::{KeySet, KeySetUnavailable, PublishedKeys};
pub use login_attempts::LoginAttemptRepository;
pub use metadata_documents::{DocumentRefused, MetadataDocuments};
pub use one_time_ids::OneTimeIdRepository;
pub use password_hasher::{HashError, PasswordHasher};
pub use pushed_requests::PushedRequestRepository;
pub use random::{RandomSource, RandomUnavailable};
pub use readiness::ReadinessProbe;
pub use refresh_tokens::RefreshTokenRepository;
pub use registration_tokens::RegistrationTokenRepository;
pub use resources::ResourceRepository;
pub use revoked_tokens::RevokedTokenRepository;
pub use security_events::{DiscardEvents, SecurityEventRepository, SecurityEventSink};
#[cfg(any(test, feature = "test-support"))]
pub(crate) use session_views::view_in_steps;
pub use session_views::{SessionView, SessionViews, SessionViewsInSteps};
pub use sessions::SessionRepository;
pub use signing_keys::SigningKeyRepository;
pub use token_signer::{SignError, TokenSigner};
pub use token_verifier::{TokenVerifier, VerifyError};
pub use users::{SignedOut, UserPage, UserRepository};

#[cfg(any(test, feature = "test-support"))]
pub use {
    clients::MockClientRepository, clock::MockClock, codes::MockCodeRepository,
    consents::MockConsentRepository, key_set::MockKeySet, login_attempts::MockLoginAttemptRepository,
    password_hasher::MockPasswordHasher, random::MockRandomSource, readiness::MockReadinessProbe,
    resources::MockResourceRepository, revoked_tokens::MockRevokedTokenRepository,
    sessions::MockSessionRepository, token_verifier::MockTokenVerifier, users::MockUserRepository,
};
