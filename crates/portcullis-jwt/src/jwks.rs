//! JWK Sets (RFC 7517 section 5): the keys a verifier may use, found by `kid`.
//!
//! Reading a published set skips members this crate cannot use rather than refusing
//! the whole document, as RFC 7517 section 5 asks: keys with `use` other than `sig`,
//! unknown `kty` or `crv`, unsupported `alg`, symmetric (`oct`) keys and keys carrying
//! private members, neither of which has any business in a published set. Keys of a set are parsed once, when the set is read.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use crate::error::JwtError;
use crate::key::Key;

/// The largest JWKS document [`Jwks::from_json`] reads (1 MiB).
pub const MAX_JWKS_BYTES: usize = 1 << 20;
/// The most keys [`Jwks::from_json`] reads (the rest is refused).
pub const MAX_JWKS_KEYS: usize = 1000;

/// A set of verification keys, indexed by kid.
///
/// ```
/// use portcullis_jwt::{Algorithm, Jwks, Key, KeySpec};
///
/// let key = Key::generate(KeySpec::new(Algorithm::EdDSA))?;
/// let doc = Jwks::from_keys([key.public_key()?])?.to_json()?;
/// let set = Jwks::from_json(&doc.to_string())?;
/// assert_eq!(set.get(key.kid()).map(|k| k.alg()), Some(Algorithm::EdDSA));
/// # Ok::<(), portcullis_jwt::JwtError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Jwks {
    keys: Vec<Key>,
    index: HashMap<String, usize>,
    /// Per key, the base64url header `Key::sign` writes for it by default.
    default_headers: Vec<Box<[u8]>>,
}

#[derive(Deserialize)]
struct Doc {
    keys: Vec<Value>,
}

impl Jwks {
    /// A set of these keys (HMAC keys included: for verifying your own HS tokens).
    ///
    /// # Errors
    /// [`JwtError::DuplicateKid`] when two keys share a kid.
    pub fn from_keys(keys: impl IntoIterator<Item = Key>) -> Result<Self, JwtError> {
        let mut set = Self::default();
        for key in keys {
            set.insert(key)?;
        }
        Ok(set)
    }

    /// Adds a key.
    ///
    /// # Errors
    /// [`JwtError::DuplicateKid`] when its kid is taken.
    pub fn insert(&mut self, key: Key) -> Result<(), JwtError> {
        if self.index.contains_key(key.kid()) {
            return Err(JwtError::DuplicateKid);
        }
        self.index.insert(key.kid().to_owned(), self.keys.len());
        self.default_headers
            .push(crate::jws::default_header_b64(&key).into_bytes().into());
        self.keys.push(key);
        Ok(())
    }

    /// Reads a published JWKS document `{"keys": [...]}`, skipping unusable members
    /// (see the module docs). Two usable keys with one kid refuse the set.
    ///
    /// # Errors
    /// [`JwtError::InvalidKey`] when the document is not a JWKS or is too large,
    /// [`JwtError::DuplicateKid`] for a repeated kid.
    pub fn from_json(text: &str) -> Result<Self, JwtError> {
        if text.len() > MAX_JWKS_BYTES {
            return Err(JwtError::InvalidKey("JWKS document too large"));
        }
        if !text.trim_start().starts_with('{') {
            return Err(JwtError::InvalidKey("JWKS is not a JSON object"));
        }
        let doc: Doc =
            serde_json::from_str(text).map_err(|_| JwtError::InvalidKey("malformed JWKS"))?;
        if doc.keys.len() > MAX_JWKS_KEYS {
            return Err(JwtError::InvalidKey("too many keys in JWKS"));
        }
        let mut set = Self::default();
        for jwk in &doc.keys {
            if jwk.get("kty").and_then(Value::as_str) == Some("oct") || jwk.get("d").is_some() {
                continue;
            }
            if let Ok(key) = Key::from_jwk(jwk) {
                set.insert(key)?;
            }
        }
        Ok(set)
    }

    /// The key with this kid.
    #[must_use]
    pub fn get(&self, kid: &str) -> Option<&Key> {
        // A rotating set holds two or three keys: comparing their kids is quicker than
        // hashing the presented one.
        if self.keys.len() <= 4 {
            return self.keys.iter().find(|k| k.kid() == kid);
        }
        self.index.get(kid).and_then(|&i| self.keys.get(i))
    }

    /// The key whose default header is exactly `header_b64` (a token this set's own
    /// keys signed with the default `typ`), for sets small enough to compare them all.
    pub(crate) fn by_default_header(&self, header_b64: &[u8]) -> Option<&Key> {
        if self.keys.len() > 4 {
            return None;
        }
        let i = self
            .default_headers
            .iter()
            .position(|h| **h == *header_b64)?;
        self.keys.get(i)
    }

    /// The key for a token: by kid, or the only key when the token has none.
    pub(crate) fn find(&self, kid: Option<&str>) -> Option<&Key> {
        match kid {
            Some(kid) => self.get(kid),
            None if self.keys.len() == 1 => self.keys.first(),
            None => None,
        }
    }

    /// The keys in insertion order.
    pub fn keys(&self) -> impl Iterator<Item = &Key> {
        self.keys.iter()
    }

    /// How many keys.
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The public JWKS document of the asymmetric keys; HMAC keys are left out.
    ///
    /// # Errors
    /// [`JwtError::Crypto`] if a key cannot be exported.
    pub fn to_json(&self) -> Result<Value, JwtError> {
        let keys = self
            .keys
            .iter()
            .filter(|k| !k.is_symmetric())
            .map(Key::to_public_jwk)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(serde_json::json!({ "keys": keys }))
    }
}
