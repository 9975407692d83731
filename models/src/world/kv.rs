//! SimKv: the Redis commands the write-ups use, with expiry on the [`SimClock`].
//!
//! `SET key value NX PX ttl` ([`SimKv::set_nx_ex`]), `SET key value [PX ttl]` ([`SimKv::set`]:
//! `SET` or `SETEX`), `GET`, `DEL`, and the compare-and-delete
//! a correct lock release needs ([`SimKv::compare_and_delete`]: in Redis, the usual Lua script
//! `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end`).
//! Each command is one [`Service`] call: atomic, as Redis runs one command at a time, and a
//! scheduling point, as it is a network round trip.
//!
//! A key with a TTL is gone from the moment the clock reaches its expiry (Redis: `now >= expiry`).
//! The store remembers which actor set each key, only so that traces can say whose lock a `DEL`
//! removed; Redis itself knows only the value.

use std::collections::BTreeMap;
use std::sync::Arc;

use harness::sync::Service;

use super::clock::{secs, SimClock};

#[derive(Debug)]
struct Entry {
    value: String,
    /// When the key expires (ms), `None` for no TTL.
    expires_at: Option<u64>,
    /// The actor that set it (for traces only).
    set_by: String,
}

impl Entry {
    /// The entry the calling actor sets now, to `value`, expiring at `expires_at`.
    fn set(value: &str, expires_at: Option<u64>) -> Self {
        Self { value: value.to_owned(), expires_at, set_by: harness::sync::thread::current_name() }
    }
}

/// The simulated Redis (see the module docs).
#[derive(Debug)]
pub struct SimKv {
    keys: Service<BTreeMap<String, Entry>>,
    clock: Arc<SimClock>,
}

impl SimKv {
    /// An empty store whose TTLs run on `clock`.
    pub fn new(clock: Arc<SimClock>) -> Self {
        Self { keys: Service::named("kv", BTreeMap::new()), clock }
    }

    /// `SET key value NX PX ttl_ms`: sets the key only if it does not exist; true if it did.
    pub fn set_nx_ex(&self, key: &str, value: &str, ttl_ms: u64) -> bool {
        self.keys.call(|keys| {
            let now = self.clock.now();
            if let Some(e) = live(keys, key, now) {
                tracing::info!(
                    "kv: SET {key} {value:?} NX PX {ttl_ms} -> nil (held: {:?} set by {}, expires t={})",
                    e.value,
                    e.set_by,
                    e.expires_at.map_or("never".into(), secs)
                );
                return false;
            }
            let expires_at = now + ttl_ms;
            keys.insert(key.to_owned(), Entry::set(value, Some(expires_at)));
            tracing::info!(
                "kv: SET {key} {value:?} NX PX {ttl_ms} -> OK (t={}, expires t={})",
                secs(now),
                secs(expires_at)
            );
            true
        })
    }

    /// `SET key value` (`PX ttl_ms` with a TTL, as `SETEX`): sets the key whether or not it
    /// exists, replacing its value and its TTL.
    pub fn set(&self, key: &str, value: &str, ttl_ms: Option<u64>) {
        self.keys.call(|keys| {
            let now = self.clock.now();
            keys.insert(key.to_owned(), Entry::set(value, ttl_ms.map(|ttl| now + ttl)));
            match ttl_ms {
                Some(ttl) => tracing::info!("kv: SET {key} {value:?} PX {ttl} -> OK (expires t={})", secs(now + ttl)),
                None => tracing::info!("kv: SET {key} {value:?} -> OK"),
            }
        });
    }

    /// `GET key`.
    pub fn get(&self, key: &str) -> Option<String> {
        self.keys.call(|keys| {
            let value = live(keys, key, self.clock.now()).map(|e| e.value.clone());
            tracing::info!("kv: GET {key} -> {value:?}");
            value
        })
    }

    /// `DEL key`: removes the key whoever set it; true if there was one.
    pub fn del(&self, key: &str) -> bool {
        self.keys.call(|keys| {
            let now = self.clock.now();
            match live(keys, key, now).map(|e| e.set_by.clone()) {
                Some(set_by) => {
                    keys.remove(key);
                    tracing::info!("kv: DEL {key} -> 1 (removes the key {set_by} set)");
                    true
                }
                None => {
                    tracing::info!("kv: DEL {key} -> 0 (no such key at t={})", secs(now));
                    false
                }
            }
        })
    }

    /// Deletes `key` only if it still holds `value`, atomically; true if it deleted it.
    pub fn compare_and_delete(&self, key: &str, value: &str) -> bool {
        self.keys.call(|keys| {
            let now = self.clock.now();
            let current = live(keys, key, now).map(|e| e.value.clone());
            let deleted = current.as_deref() == Some(value);
            if deleted {
                keys.remove(key);
            }
            tracing::info!("kv: compare-and-delete {key} {value:?} -> {} (holds {current:?})", u8::from(deleted));
            deleted
        })
    }
}

/// The live entry at `key`, after dropping it if it expired by `now`.
fn live<'a>(keys: &'a mut BTreeMap<String, Entry>, key: &str, now: u64) -> Option<&'a Entry> {
    if let Some(e) = keys.get(key) {
        if e.expires_at.is_some_and(|at| now >= at) {
            tracing::info!(
                "kv: {key} ({:?} set by {}) expired at t={}",
                e.value,
                e.set_by,
                secs(e.expires_at.unwrap_or(now))
            );
            keys.remove(key);
        }
    }
    keys.get(key)
}
