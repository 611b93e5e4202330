use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use time::OffsetDateTime;

use crate::client::{Client, ClientId};
use crate::ports::ClientCache;

/// A [`ClientCache`] whose copies never expire: kept until forgotten or
/// replaced, the stalest a cache can be, so a test sees what the
/// `ClientDirectory` does with copies that disagree with the store.
#[derive(Debug, Default)]
pub struct MemoryClientCache(Mutex<HashMap<ClientId, Client>>);

impl MemoryClientCache {
    /// Holds `client` as if read earlier: a copy the store may no longer agree with.
    pub fn hold(&self, client: Client) {
        self.lock().insert(client.id.clone(), client);
    }

    /// Whether a copy of this client is held.
    pub fn holds(&self, id: &ClientId) -> bool {
        self.lock().contains_key(id)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<ClientId, Client>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ClientCache for MemoryClientCache {
    fn get(&self, id: &ClientId, _now: OffsetDateTime) -> Option<Client> {
        self.lock().get(id).cloned()
    }

    fn put(&self, client: Client, _read_at: OffsetDateTime) {
        self.hold(client);
    }

    fn forget(&self, id: &ClientId) {
        self.lock().remove(id);
    }
}
