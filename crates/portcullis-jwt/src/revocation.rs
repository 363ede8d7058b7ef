//! Revocation of JWTs before their expiry: a deny-list keyed by (iss, jti).
//!
//! A JWT is valid until `exp` by construction; to end one sooner, its id goes on a
//! deny-list that the verifier consults (Auth0 keys its blacklist by {aud, jti}; the
//! issuer is the better scope, since jtis are unique per issuer, RFC 7519 section
//! 4.1.7). Entries need to live only until the token's `exp`, after which the token is
//! refused anyway.
//!
//! [`DenyList`] is synchronous because verification is: back it with memory
//! ([`MemoryDenyList`]) or with a cache a background task fills from
//! `portcullis-store`'s `DenyListStore` (which is async and keyed by the jti string; use
//! [`deny_list_key`] as that string). A lookup that fails refuses the token.

use std::collections::HashMap;
use std::sync::Mutex;

use time::OffsetDateTime;

/// The deny-list could not be consulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("deny-list unavailable")]
pub struct DenyListUnavailable;

/// A deny-list of token ids, consulted by [`Verifier`](crate::Verifier) when configured.
pub trait DenyList: Send + Sync {
    /// Whether the token (`iss`, `jti`) is denied at `now`.
    ///
    /// # Errors
    /// [`DenyListUnavailable`] when the answer is unknown; the verifier then refuses.
    fn is_denied(
        &self,
        iss: &str,
        jti: &str,
        now: OffsetDateTime,
    ) -> Result<bool, DenyListUnavailable>;
}

/// The one string a (iss, jti) pair is stored under in a string-keyed store:
/// `<len(iss)>:<iss><jti>`, unambiguous whatever the two contain.
#[must_use]
pub fn deny_list_key(iss: &str, jti: &str) -> String {
    format!("{}:{iss}{jti}", iss.len())
}

/// An in-memory deny-list for tests and single-process services.
///
/// ```
/// use portcullis_jwt::revocation::{DenyList, MemoryDenyList};
/// use time::{Duration, OffsetDateTime};
///
/// let now = OffsetDateTime::now_utc();
/// let list = MemoryDenyList::default();
/// list.deny("https://auth.example.com", "jti_1", now + Duration::hours(1));
/// assert_eq!(list.is_denied("https://auth.example.com", "jti_1", now), Ok(true));
/// assert_eq!(list.is_denied("https://other.example.com", "jti_1", now), Ok(false));
/// ```
#[derive(Debug, Default)]
pub struct MemoryDenyList {
    entries: Mutex<HashMap<String, OffsetDateTime>>,
}

impl MemoryDenyList {
    /// Denies (`iss`, `jti`) until `until` (the token's `exp`).
    pub fn deny(&self, iss: &str, jti: &str, until: OffsetDateTime) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(deny_list_key(iss, jti), until);
        }
    }

    /// Forgets entries whose tokens have expired; returns how many.
    pub fn purge(&self, now: OffsetDateTime) -> usize {
        self.entries.lock().map_or(0, |mut entries| {
            let before = entries.len();
            entries.retain(|_, until| *until > now);
            before - entries.len()
        })
    }
}

impl DenyList for MemoryDenyList {
    fn is_denied(
        &self,
        iss: &str,
        jti: &str,
        now: OffsetDateTime,
    ) -> Result<bool, DenyListUnavailable> {
        let entries = self.entries.lock().map_err(|_| DenyListUnavailable)?;
        Ok(entries
            .get(&deny_list_key(iss, jti))
            .is_some_and(|until| *until > now))
    }
}
