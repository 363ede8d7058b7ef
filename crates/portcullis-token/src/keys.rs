//! HMAC-SHA256 key rings (RFC 2104, FIPS 180-4): named keys, one current, the others
//! kept for verification so keys can rotate.
//!
//! Two things in this crate are keyed: stored digests ([`crate::Digester::Hmac`], a
//! "pepper" kept outside the database, so that a copy of the database alone cannot even
//! test guesses) and stateless signed tokens ([`crate::signed`]). Each result records the
//! [`KeyId`] of the key that made it; verification looks that key up, so a new key can
//! become current while records and tokens made under the old one still verify until it
//! is removed from the ring. Use a different ring (different key material) for each of
//! the two uses.
//!
//! Keys are at least 32 bytes (the HMAC-SHA256 output size; RFC 2104 section 3 advises
//! against shorter keys). The ring keeps each key as a ready HMAC state, so a MAC costs
//! two compression calls fewer than keying from scratch, and the states are zeroized on
//! drop. A ring never serializes and its `Debug` output shows key ids only.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Sha256;

use crate::error::{Format, TokenError};

/// The shortest key a ring accepts, in bytes.
pub const MIN_KEY_LEN: usize = 32;

/// The name of an HMAC key: 1 to 64 characters from `A-Z a-z 0-9 - _`, so it can sit
/// inside digest strings and signed tokens without escaping.
///
/// ```
/// use portcullis_token::KeyId;
///
/// assert!(KeyId::new("2026-01").is_ok());
/// assert!(KeyId::new("a:b").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(String);

impl KeyId {
    /// Checks and wraps a key id.
    ///
    /// # Errors
    /// [`TokenError::Malformed`] when `id` is empty, longer than 64 bytes, or uses a
    /// character outside `A-Z a-z 0-9 - _`.
    pub fn new(id: impl Into<String>) -> Result<Self, TokenError> {
        let id = id.into();
        if Self::valid(id.as_bytes()) {
            Ok(Self(id))
        } else {
            Err(TokenError::Malformed(Format::KeyId))
        }
    }

    pub(crate) fn valid(id: &[u8]) -> bool {
        (1..=64).contains(&id.len())
            && id
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for KeyId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for KeyId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::new(String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// Named HMAC-SHA256 keys, one of them current.
///
/// ```
/// use portcullis_token::{KeyId, KeyRing};
///
/// let old = KeyRing::new(KeyId::new("k1")?, &[1u8; 32])?;
/// // Rotate: k2 signs from now on, k1 still verifies what it made.
/// let ring = old.rotate_to(KeyId::new("k2")?, &[2u8; 32])?;
/// assert_eq!(ring.current_id().as_str(), "k2");
/// assert!(ring.contains(&KeyId::new("k1")?));
/// # Ok::<(), portcullis_token::TokenError>(())
/// ```
#[derive(Clone)]
pub struct KeyRing {
    /// The current key is always `keys[0]`.
    keys: Vec<(KeyId, Hmac<Sha256>)>,
}

impl KeyRing {
    /// A ring holding one key, which is current.
    ///
    /// # Errors
    /// [`TokenError::OutOfBounds`] when `key` is shorter than [`MIN_KEY_LEN`] bytes.
    pub fn new(id: KeyId, key: &[u8]) -> Result<Self, TokenError> {
        Ok(Self {
            keys: vec![(id, keyed(key)?)],
        })
    }

    /// This ring with `key` added as current; the previous current key stays for
    /// verification.
    ///
    /// # Errors
    /// As [`KeyRing::new`], and [`TokenError::Invalid`] when `id` is already in the ring.
    pub fn rotate_to(mut self, id: KeyId, key: &[u8]) -> Result<Self, TokenError> {
        if self.contains(&id) {
            return Err(TokenError::Invalid("key id already in the ring"));
        }
        self.keys.insert(0, (id, keyed(key)?));
        Ok(self)
    }

    /// This ring with `key` added for verification only.
    ///
    /// # Errors
    /// As [`KeyRing::rotate_to`].
    pub fn with_retired(mut self, id: KeyId, key: &[u8]) -> Result<Self, TokenError> {
        if self.contains(&id) {
            return Err(TokenError::Invalid("key id already in the ring"));
        }
        self.keys.push((id, keyed(key)?));
        Ok(self)
    }

    /// This ring without the key `id` (once nothing made with it needs to verify).
    ///
    /// # Errors
    /// [`TokenError::Invalid`] when `id` is the current key; [`TokenError::UnknownKeyId`]
    /// when it is not in the ring.
    pub fn without(mut self, id: &KeyId) -> Result<Self, TokenError> {
        match self.keys.iter().position(|(k, _)| k == id) {
            Some(0) => Err(TokenError::Invalid("cannot remove the current key")),
            Some(i) => {
                self.keys.remove(i);
                Ok(self)
            }
            None => Err(TokenError::UnknownKeyId),
        }
    }

    /// The id of the key that makes new digests and signatures.
    #[must_use]
    pub fn current_id(&self) -> &KeyId {
        &self.keys[0].0
    }

    /// Whether the ring holds a key named `id`.
    #[must_use]
    pub fn contains(&self, id: &KeyId) -> bool {
        self.keys.iter().any(|(k, _)| k == id)
    }

    /// Ids of every key in the ring, the current one first.
    pub fn ids(&self) -> impl Iterator<Item = &KeyId> {
        self.keys.iter().map(|(k, _)| k)
    }

    /// HMAC-SHA256 of the concatenation of `parts` under the current key.
    pub(crate) fn mac_current(&self, parts: &[&[u8]]) -> (&KeyId, [u8; 32]) {
        let (id, state) = &self.keys[0];
        (id, run(state, parts))
    }

    /// HMAC-SHA256 of the concatenation of `parts` under the key named `id`.
    pub(crate) fn mac_with(&self, id: &str, parts: &[&[u8]]) -> Option<[u8; 32]> {
        self.keys
            .iter()
            .find(|(k, _)| k.as_str() == id)
            .map(|(_, state)| run(state, parts))
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("current", self.current_id())
            .field("ids", &self.ids().collect::<Vec<_>>())
            .finish()
    }
}

fn keyed(key: &[u8]) -> Result<Hmac<Sha256>, TokenError> {
    let too_short = TokenError::OutOfBounds {
        setting: "HMAC key length",
        bounds: "at least 32 bytes",
    };
    if key.len() < MIN_KEY_LEN {
        return Err(too_short);
    }
    // HMAC accepts keys of any length; the error arm exists only in the trait's type.
    Hmac::<Sha256>::new_from_slice(key).map_err(|_| too_short)
}

fn run(state: &Hmac<Sha256>, parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = state.clone();
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> KeyId {
        KeyId::new(s).unwrap()
    }

    #[test]
    fn key_ids_are_checked() {
        for good in ["a", "K-1_x", &"x".repeat(64)] {
            assert!(KeyId::new(good).is_ok(), "{good}");
        }
        for bad in ["", "a b", "a:b", "a.b", "é", &"x".repeat(65)] {
            assert_eq!(
                KeyId::new(bad),
                Err(TokenError::Malformed(Format::KeyId)),
                "{bad}"
            );
        }
        let json = serde_json::to_string(&id("k1")).unwrap();
        assert_eq!(json, "\"k1\"");
        assert!(serde_json::from_str::<KeyId>("\"a:b\"").is_err());
    }

    #[test]
    fn rfc4231_case_6() {
        // RFC 4231 test case 6: a 131-byte key of 0xaa.
        let ring = KeyRing::new(id("k"), &[0xaa; 131]).unwrap();
        let (_, mac) =
            ring.mac_current(&[b"Test Using Larger Than Block-Size Key - Hash Key First"]);
        assert_eq!(
            portcullis_core::Hex::Lower.encode(&mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        // Parts are concatenated.
        let (_, split) = ring.mac_current(&[
            b"Test Using Larger Than Block-Size",
            b" Key - Hash Key First",
        ]);
        assert_eq!(mac, split);
    }

    #[test]
    fn rotation_keeps_old_keys_for_verification() {
        let ring = KeyRing::new(id("k1"), &[1; 32]).unwrap();
        let (_, by_k1) = ring.mac_current(&[b"x"]);
        let ring = ring.rotate_to(id("k2"), &[2; 32]).unwrap();
        assert_eq!(ring.current_id(), &id("k2"));
        assert_eq!(ring.mac_with("k1", &[b"x"]), Some(by_k1));
        assert_ne!(ring.mac_current(&[b"x"]).1, by_k1);
        assert_eq!(ring.mac_with("k3", &[b"x"]), None);
        assert!(ring.clone().rotate_to(id("k1"), &[3; 32]).is_err());
        assert_eq!(
            ring.clone().without(&id("k2")).unwrap_err(),
            TokenError::Invalid("cannot remove the current key")
        );
        let ring = ring.without(&id("k1")).unwrap();
        assert_eq!(ring.ids().count(), 1);
        let ring = ring.with_retired(id("old"), &[4; 40]).unwrap();
        assert_eq!(ring.current_id(), &id("k2"));
        assert!(ring.contains(&id("old")));
    }

    #[test]
    fn short_keys_are_refused_and_debug_hides_keys() {
        assert!(matches!(
            KeyRing::new(id("k"), &[0; 31]),
            Err(TokenError::OutOfBounds { .. })
        ));
        let ring = KeyRing::new(id("k"), &[0x41; 32]).unwrap();
        let debug = format!("{ring:?}");
        assert!(debug.contains("\"k\""), "{debug}");
        assert!(!debug.contains("AAAA") && !debug.contains("65"), "{debug}");
    }
}
