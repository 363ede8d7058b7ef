//! Server keys for the keyed digests (HMAC-SHA-256, FIPS 198-1) that stand in for
//! short secrets at rest.
//!
//! A six-digit passcode has a million values: a plain hash of it is reversed by
//! trying them all. Keyed with a server secret the database does not hold, the same
//! digest tells a database reader nothing. Keys rotate: a [`KeyRing`] lists them
//! newest first, new digests are made with the newest, and checks try every key (or
//! the one a record names), so a key can be retired once nothing made with it is
//! still alive. Each use is domain-separated by a purpose label inside the MAC input,
//! so one key never produces the same digest for two kinds of record.

use hmac::{Hmac, KeyInit, Mac};
use portcullis_core::{SecretBytes, ct_eq};
use sha2::Sha256;

use crate::error::OtpError;

/// Fewest bytes in a server key (128 bits; NIST SP 800-63B asks at least 112).
pub const MIN_KEY_BYTES: usize = 16;

/// One server key and the id recorded beside what it made.
#[derive(Debug, Clone)]
pub struct ServerKey {
    id: String,
    key: SecretBytes,
}

impl ServerKey {
    /// A key with its id (a short printable name such as `"2026-01"`).
    ///
    /// # Errors
    /// [`OtpError::InvalidKeyRing`] for an id that is empty, longer than 64 bytes or not
    /// printable ASCII, or a key shorter than 16 bytes.
    pub fn new(id: impl Into<String>, key: SecretBytes) -> Result<Self, OtpError> {
        let id = id.into();
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(OtpError::InvalidKeyRing(
                "key id must be 1 to 64 printable ASCII characters",
            ));
        }
        if key.len() < MIN_KEY_BYTES {
            return Err(OtpError::InvalidKeyRing("key shorter than 16 bytes"));
        }
        Ok(Self { id, key })
    }

    /// The key's id.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// HMAC-SHA-256 over `purpose`, then each field preceded by its length, so no two
    /// field lists give the same input.
    pub(crate) fn digest(&self, purpose: &str, fields: &[&[u8]]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.key.expose_secret())
            .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
        mac.update(purpose.as_bytes());
        for field in fields {
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field);
        }
        mac.finalize().into_bytes().into()
    }
}

/// Server keys, newest first.
///
/// ```
/// use portcullis_core::SecretBytes;
/// use portcullis_otp::{KeyRing, ServerKey};
///
/// let ring = KeyRing::new(vec![
///     ServerKey::new("2026-06", SecretBytes::from(vec![7u8; 32]))?,
///     ServerKey::new("2026-01", SecretBytes::from(vec![9u8; 32]))?, // still verifies old records
/// ])?;
/// assert_eq!(ring.newest().id(), "2026-06");
/// # Ok::<(), portcullis_otp::OtpError>(())
/// ```
#[derive(Debug, Clone)]
pub struct KeyRing {
    keys: Vec<ServerKey>,
}

impl KeyRing {
    /// A ring of `keys`, newest first.
    ///
    /// # Errors
    /// [`OtpError::InvalidKeyRing`] when `keys` is empty or repeats an id.
    pub fn new(keys: Vec<ServerKey>) -> Result<Self, OtpError> {
        if keys.is_empty() {
            return Err(OtpError::InvalidKeyRing("no keys"));
        }
        for (i, key) in keys.iter().enumerate() {
            if keys[..i].iter().any(|k| k.id == key.id) {
                return Err(OtpError::InvalidKeyRing("repeated key id"));
            }
        }
        Ok(Self { keys })
    }

    /// The key new digests are made with.
    #[must_use]
    pub fn newest(&self) -> &ServerKey {
        // `new` refuses an empty list, so the first key exists.
        &self.keys[0]
    }

    /// The key with this id, if the ring still holds it.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&ServerKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// Every key, newest first.
    pub fn iter(&self) -> impl Iterator<Item = &ServerKey> {
        self.keys.iter()
    }

    /// Whether any key's digest of (`purpose`, `fields`) equals `expected`. Every key
    /// is tried and compared in constant time, so the time does not tell which key
    /// (or whether any) matched.
    pub(crate) fn any_matches(&self, purpose: &str, fields: &[&[u8]], expected: &[u8]) -> bool {
        let mut matched = false;
        for key in &self.keys {
            matched |= ct_eq(&key.digest(purpose, fields), expected);
        }
        matched
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, byte: u8) -> ServerKey {
        ServerKey::new(id, SecretBytes::from(vec![byte; 32])).unwrap()
    }

    #[test]
    fn ring_rules() {
        assert!(KeyRing::new(vec![]).is_err());
        assert!(KeyRing::new(vec![key("a", 1), key("a", 2)]).is_err());
        assert!(ServerKey::new("a", SecretBytes::from(vec![0u8; 15])).is_err());
        assert!(ServerKey::new("", SecretBytes::from(vec![0u8; 32])).is_err());
        assert!(ServerKey::new("a b", SecretBytes::from(vec![0u8; 32])).is_err());
        let ring = KeyRing::new(vec![key("new", 1), key("old", 2)]).unwrap();
        assert_eq!(ring.newest().id(), "new");
        assert_eq!(ring.get("old").unwrap().id(), "old");
        assert!(ring.get("gone").is_none());
        assert_eq!(ring.iter().count(), 2);
        assert!(!format!("{ring:?}").contains("[1, 1"));
    }

    #[test]
    fn digests_are_domain_separated_and_length_prefixed() {
        let k = key("k", 1);
        let a = k.digest("p", &[b"ab", b"c"]);
        assert_ne!(a, k.digest("p", &[b"a", b"bc"]));
        assert_ne!(a, k.digest("q", &[b"ab", b"c"]));
        assert_ne!(a, key("k", 2).digest("p", &[b"ab", b"c"]));
        let ring = KeyRing::new(vec![key("new", 2), key("old", 1)]).unwrap();
        assert!(ring.any_matches("p", &[b"ab", b"c"], &a));
        assert!(!ring.any_matches("p", &[b"ab", b"d"], &a));
    }
}
