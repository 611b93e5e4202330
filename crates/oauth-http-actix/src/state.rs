//! What handlers share: the ports and services composed by `auth-server`.

use std::sync::Arc;

use oauth_core::ports::ReadinessProbe;

/// Shared, immutable handler state. Cheap to clone (every field is an `Arc`).
#[derive(Clone)]
pub struct AppState {
    /// Answers `/readyz`.
    pub readiness: Arc<dyn ReadinessProbe>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}
