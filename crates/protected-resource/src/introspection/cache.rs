//! The introspection cache (security.md 24).
//!
//! Asking the authorization server on every request costs a round trip;
//! remembering its answer costs revocation latency: a token revoked at the
//! authorization server still works here until its cached entry ends. So:
//!
//! - entries live at most `ttl` seconds, and never past the token's `exp`;
//! - the key is the token's SHA-256 ([`CredentialHash`]), never the token,
//!   so a memory dump shows no usable token;
//! - only active answers that passed every rule are cached. Caching
//!   refusals would let anyone fill memory with random strings, and a
//!   refusal costs the caller nothing to retry;
//! - the number of entries is bounded: when full, expired entries go
//!   first, then the eighth of the entries closest to their end.
//!
//! The cache lives in process memory, which is safe to lose: another
//! instance, or this one after a restart, just asks again.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use oauth_types::secret::CredentialHash;

use super::Grant;

/// Entries kept at most, unless told otherwise.
pub const DEFAULT_CAPACITY: usize = 10_000;

#[derive(Debug)]
struct Entry {
    grant: Grant,
    /// Unix seconds; the entry is used while `now < valid_until`.
    valid_until: i64,
}

/// Active introspection answers, by token hash.
#[derive(Debug)]
pub struct IntrospectionCache {
    ttl_seconds: i64,
    capacity: usize,
    entries: Mutex<HashMap<CredentialHash, Entry>>,
}

impl IntrospectionCache {
    /// A cache whose entries live `ttl_seconds` (0: a cache that keeps
    /// nothing) and that holds at most `capacity` of them.
    pub fn new(ttl_seconds: u64, capacity: usize) -> Self {
        Self {
            ttl_seconds: i64::try_from(ttl_seconds).unwrap_or(i64::MAX),
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The grant cached for `key`, if its entry is still valid at `now`.
    pub fn get(&self, key: &CredentialHash, now: i64) -> Option<Grant> {
        let mut entries = self.lock();
        match entries.get(key) {
            Some(entry) if now < entry.valid_until => Some(entry.grant.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// Remembers `grant` from `now` for the TTL, cut short by its `exp`.
    pub fn insert(&self, key: CredentialHash, grant: Grant, now: i64) {
        let valid_until = now.saturating_add(self.ttl_seconds).min(grant.expires_at);
        if valid_until <= now || self.capacity == 0 {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            make_room(&mut entries, self.capacity, now);
        }
        entries.insert(key, Entry { grant, valid_until });
    }

    /// How many entries are held (tests, diagnostics).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A poisoned lock only means another thread panicked mid-update of a
    /// cache; the map itself is still a valid map.
    fn lock(&self) -> MutexGuard<'_, HashMap<CredentialHash, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Frees room in a full cache: expired entries go, then, if that was not
/// enough, the eighth of the entries closest to their end (at least one).
/// Each pass costs a walk over the whole map under the lock, so it frees
/// many slots at once: the next inserts need no pass (a pass per insert cost
/// ~57 µs with 10 000 entries, `benches/hot_paths.rs`).
fn make_room(entries: &mut HashMap<CredentialHash, Entry>, capacity: usize, now: i64) {
    entries.retain(|_, entry| now < entry.valid_until);
    if entries.len() < capacity {
        return;
    }
    let evict = (capacity / 8).max(1).min(entries.len());
    let mut ends: Vec<i64> = entries.values().map(|entry| entry.valid_until).collect();
    let (_, cutoff, _) = ends.select_nth_unstable(evict - 1);
    let cutoff = *cutoff;
    // Entries ending before the cutoff go, then as many ending at it as
    // needed (ties are common: one TTL, requests in the same second).
    let mut at_cutoff = evict - ends[..evict].iter().filter(|end| **end < cutoff).count();
    entries.retain(|_, entry| {
        if entry.valid_until < cutoff {
            false
        } else if entry.valid_until == cutoff && at_cutoff > 0 {
            at_cutoff -= 1;
            false
        } else {
            true
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use oauth_types::introspection::IntrospectionResponse;
    use oauth_types::ScopeSet;

    fn grant(expires_at: i64) -> Grant {
        let answer = IntrospectionResponse {
            active: true,
            sub: Some("user-1".into()),
            scope: ScopeSet::parse("profile").ok(),
            exp: Some(expires_at),
            ..IntrospectionResponse::default()
        };
        Grant::from_answer(answer, "http://localhost:9002", 0).unwrap()
    }

    fn key(token: &str) -> CredentialHash {
        CredentialHash::of(token)
    }

    /// A cache of `ttl` seconds (room for 10) that took in token `a`,
    /// expiring at `exp`, at 1 000.
    fn holding_a(ttl: u64, exp: i64) -> IntrospectionCache {
        let cache = IntrospectionCache::new(ttl, 10);
        cache.insert(key("a"), grant(exp), 1_000);
        cache
    }

    #[test]
    fn an_entry_lives_for_the_ttl() {
        let cache = holding_a(30, 10_000);
        assert!(cache.get(&key("a"), 1_029).is_some());
        assert!(cache.get(&key("a"), 1_030).is_none());
        assert!(cache.is_empty(), "an expired entry is dropped when met");
    }

    #[test]
    fn an_entry_never_outlives_the_token() {
        let cache = holding_a(30, 1_005);
        assert!(cache.get(&key("a"), 1_004).is_some());
        assert!(cache.get(&key("a"), 1_005).is_none());
    }

    #[test]
    fn a_zero_ttl_keeps_nothing() {
        let cache = holding_a(0, 10_000);
        assert!(cache.get(&key("a"), 1_000).is_none());
        assert!(cache.is_empty());
    }

    #[test]
    fn the_cache_never_grows_past_its_capacity() {
        let cache = IntrospectionCache::new(30, 3);
        for (index, token) in ["a", "b", "c", "d", "e"].iter().enumerate() {
            let now = 1_000 + i64::try_from(index).unwrap();
            cache.insert(key(token), grant(10_000), now);
            assert!(cache.len() <= 3);
        }
        // The newest entries stay; the ones closest to their end went.
        assert!(cache.get(&key("e"), 1_010).is_some());
        assert!(cache.get(&key("a"), 1_010).is_none());
    }

    #[test]
    fn a_full_cache_frees_an_eighth_of_its_room_at_once_oldest_ends_first() {
        let cache = IntrospectionCache::new(1_000, 16);
        for index in 0..16 {
            cache.insert(key(&format!("t{index}")), grant(10_000), 1_000 + index);
        }
        cache.insert(key("new"), grant(10_000), 1_100);
        assert_eq!(cache.len(), 15, "two went, one came");
        assert!(cache.get(&key("t0"), 1_100).is_none());
        assert!(cache.get(&key("t1"), 1_100).is_none());
        assert!(cache.get(&key("t2"), 1_100).is_some());
        assert!(cache.get(&key("new"), 1_100).is_some());
    }

    #[test]
    fn another_token_misses() {
        let cache = holding_a(30, 10_000);
        assert!(cache.get(&key("b"), 1_000).is_none());
    }
}
