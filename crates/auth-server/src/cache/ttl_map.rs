//! A map whose entries are trusted for a fixed time after they were read.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};

use time::{Duration, OffsetDateTime};

/// Entries older than `ttl` on the injected clock are misses. When full,
/// expired entries are dropped, and if that is not enough the map is emptied
/// rather than evicted entry by entry: a miss only costs a read, and someone
/// filling it with junk keys gains nothing.
pub(super) struct TtlMap<K, V> {
    entries: Mutex<HashMap<K, (V, OffsetDateTime)>>,
    ttl: Duration,
    capacity: usize,
}

impl<K: Eq + Hash, V: Clone> TtlMap<K, V> {
    pub(super) fn new(ttl: Duration, capacity: usize) -> Self {
        Self { entries: Mutex::new(HashMap::new()), ttl, capacity }
    }

    pub(super) fn enabled(&self) -> bool {
        self.ttl > Duration::ZERO
    }

    /// The value read at most `ttl` before `now`. A clock that went back
    /// makes the entry a miss, never a longer hit.
    pub(super) fn get(&self, key: &K, now: OffsetDateTime) -> Option<V> {
        let entries = self.lock();
        let (value, read_at) = entries.get(key)?;
        (*read_at <= now && now - *read_at < self.ttl).then(|| value.clone())
    }

    /// Stores `value` as read at `now`: stamp it with the time the read
    /// started, so that an entry is never trusted longer than `ttl` after.
    pub(super) fn put(&self, key: K, value: V, now: OffsetDateTime) {
        self.put_unless(key, value, now, |_, _| false);
    }

    /// Like `put`, but keeps a live entry for which `keep(existing, new)`:
    /// a read that finished late must not replace a newer answer.
    pub(super) fn put_unless(
        &self,
        key: K,
        value: V,
        now: OffsetDateTime,
        keep: impl FnOnce(&V, &V) -> bool,
    ) {
        if !self.enabled() {
            return;
        }
        let ttl = self.ttl;
        let mut entries = self.lock();
        if let Some((existing, read_at)) = entries.get(&key)
            && *read_at <= now
            && now - *read_at < ttl
            && keep(existing, &value)
        {
            return;
        }
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, (_, read_at)| *read_at <= now && now - *read_at < ttl);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (value, now));
    }

    pub(super) fn forget(&self, key: &K) {
        self.lock().remove(key);
    }

    pub(super) fn forget_all(&self) {
        self.lock().clear();
    }

    // A panic while holding the lock leaves at worst a stale entry, which
    // expires like any other: the map stays usable.
    fn lock(&self) -> MutexGuard<'_, HashMap<K, (V, OffsetDateTime)>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const T0: OffsetDateTime = datetime!(2026-11-29 12:00 UTC);

    #[test]
    fn an_entry_is_a_hit_for_exactly_its_ttl() {
        let map = TtlMap::new(Duration::seconds(1), 8);
        map.put("k", 1, T0);
        assert_eq!(map.get(&"k", T0), Some(1));
        assert_eq!(map.get(&"k", T0 + Duration::milliseconds(999)), Some(1));
        assert_eq!(map.get(&"k", T0 + Duration::seconds(1)), None);
    }

    #[test]
    fn a_late_read_does_not_replace_a_newer_answer() {
        let map = TtlMap::new(Duration::seconds(1), 8);
        map.put("k", 21, T0);
        map.put_unless("k", 19, T0, |existing, new| existing > new);
        assert_eq!(map.get(&"k", T0), Some(21));
        map.put_unless("k", 22, T0, |existing, new| existing > new);
        assert_eq!(map.get(&"k", T0), Some(22));
    }

    #[test]
    fn a_clock_that_went_back_misses() {
        let map = TtlMap::new(Duration::seconds(1), 8);
        map.put("k", 1, T0);
        assert_eq!(map.get(&"k", T0 - Duration::milliseconds(1)), None);
    }

    #[test]
    fn zero_ttl_keeps_nothing() {
        let map = TtlMap::new(Duration::ZERO, 8);
        map.put("k", 1, T0);
        assert_eq!(map.get(&"k", T0), None);
    }

    #[test]
    fn a_full_map_starts_over_and_forgetting_drops_entries() {
        let map = TtlMap::new(Duration::seconds(1), 2);
        map.put("a", 1, T0);
        map.put("b", 2, T0);
        map.put("b", 3, T0);
        assert_eq!((map.get(&"a", T0), map.get(&"b", T0)), (Some(1), Some(3)), "a rewrite is not growth");
        map.put("c", 4, T0);
        assert_eq!((map.get(&"a", T0), map.get(&"c", T0)), (None, Some(4)));
        map.forget(&"c");
        assert_eq!(map.get(&"c", T0), None);
        map.put("a", 1, T0);
        map.put("b", 2, T0 + Duration::seconds(1));
        map.put("e", 6, T0 + Duration::seconds(1));
        assert_eq!(map.get(&"b", T0 + Duration::seconds(1)), Some(2), "only the expired entry made room");
        map.put("d", 5, T0);
        map.forget_all();
        assert_eq!(map.get(&"d", T0), None);
    }
}
