//! Secret wrappers: values that must not outlive their use or reach a log line.
//!
//! [`SecretString`] and [`SecretBytes`] overwrite their memory with zeros when dropped,
//! print as `[redacted]` through both `Debug` and `Display`, and hand out their contents
//! only through a method named [`expose_secret`](SecretString::expose_secret), so every
//! place that reads a secret is easy to find in review. They deliberately do not
//! implement `Serialize` (a secret is never written out by accident) nor `PartialEq`
//! (use [`SecretBytes::ct_eq`] or [`crate::ct_eq`], which run in constant time). They do
//! implement `Deserialize`, so a password or key can be read straight into one.

use std::fmt;

use serde::{Deserialize, Deserializer};
use zeroize::{Zeroize, ZeroizeOnDrop};

const REDACTED: &str = "[redacted]";

/// A UTF-8 secret (a password, a token, a code) that is zeroized on drop.
///
/// ```
/// use portcullis_core::SecretString;
///
/// let password = SecretString::from("correct horse");
/// assert_eq!(password.to_string(), "[redacted]");
/// assert_eq!(password.expose_secret(), "correct horse");
/// ```
#[derive(Clone, Default, Zeroize, ZeroizeOnDrop)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps `value`, taking ownership so that no unzeroized copy is left behind.
    #[must_use]
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The secret itself. Every call site is a place where the secret is used.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Length of the secret in bytes (lengths of secrets are not themselves secret).
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is the empty string.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

/// A binary secret (a key, a TOTP seed, a pepper) that is zeroized on drop.
///
/// ```
/// use portcullis_core::SecretBytes;
///
/// let key = SecretBytes::from(vec![1, 2, 3]);
/// assert_eq!(format!("{key:?}"), "[redacted]");
/// assert!(key.ct_eq(&[1, 2, 3]));
/// ```
#[derive(Clone, Default, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Wraps `value`, taking ownership so that no unzeroized copy is left behind.
    #[must_use]
    pub fn new(value: Vec<u8>) -> Self {
        Self(value)
    }

    /// The secret itself. Every call site is a place where the secret is used.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }

    /// Length of the secret in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Constant-time comparison with `other` (see [`crate::ct`]).
    #[must_use]
    pub fn ct_eq(&self, other: &[u8]) -> bool {
        crate::ct::ct_eq(&self.0, other)
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(value: Vec<u8>) -> Self {
        Self(value)
    }
}

impl From<&[u8]> for SecretBytes {
    fn from(value: &[u8]) -> Self {
        Self(value.to_vec())
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for SecretBytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<u8>::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_secret_is_redacted_in_every_format() {
        let s = SecretString::from("hunter2");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s:#?}"), "[redacted]");
        // Inside a derived Debug of a containing struct too.
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Login {
            user: &'static str,
            password: SecretString,
        }
        let rendered = format!(
            "{:?}",
            Login {
                user: "ada",
                password: s.clone()
            }
        );
        assert!(!rendered.contains("hunter2"), "{rendered}");
        assert!(rendered.contains("[redacted]"));
        assert_eq!(s.expose_secret(), "hunter2");
        assert_eq!(s.len(), 7);
        assert!(!s.is_empty());
    }

    #[test]
    fn byte_secret_is_redacted_and_compares_in_constant_time() {
        let b = SecretBytes::from(&b"\x01\x02\x03"[..]);
        assert_eq!(format!("{b}"), "[redacted]");
        assert_eq!(format!("{b:?}"), "[redacted]");
        assert!(b.ct_eq(&[1, 2, 3]));
        assert!(!b.ct_eq(&[1, 2, 4]));
        assert!(!b.ct_eq(&[1, 2]));
        assert_eq!(b.expose_secret(), &[1, 2, 3]);
    }

    #[test]
    fn zeroize_clears_contents() {
        let mut s = SecretString::from("top secret");
        s.zeroize();
        assert!(s.is_empty());
        let mut b = SecretBytes::from(vec![9; 16]);
        b.zeroize();
        assert!(b.is_empty());
    }

    #[test]
    fn deserializes_from_json() {
        let s: SecretString = serde_json::from_str("\"pa55\"").unwrap();
        assert_eq!(s.expose_secret(), "pa55");
        let b: SecretBytes = serde_json::from_str("[1,2]").unwrap();
        assert_eq!(b.expose_secret(), &[1, 2]);
    }
}
