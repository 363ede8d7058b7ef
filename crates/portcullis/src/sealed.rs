//! Secrets the server must read back (TOTP seeds), sealed with AES-256-GCM before they
//! are stored.
//!
//! A TOTP seed cannot be hashed: verifying a code needs the seed itself. Stored in the
//! clear, a copy of the accounts table would let its reader compute every user's codes.
//! Sealed, the table is useless without the sealing key, which lives in the service's
//! configuration, not in the database. The login is the associated data, so a sealed
//! seed moved to another account does not open there.
//!
//! Format: `v1.<key id>.<base64url(nonce || ciphertext || tag)>`, the nonce 96 random
//! bits (NIST SP 800-38D 8.2.2; with a random nonce one key should seal fewer than
//! 2^32 secrets, far more than any user table).

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use portcullis_core::{SecretBytes, SecretString};

/// Why a sealed value could not be made or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The sealing key is not 32 bytes, or its id is empty or contains a dot.
    #[error("sealing key must be 32 bytes with a non-empty id without dots")]
    InvalidKey,
    /// The value is not in the sealed format, was sealed under another key id, was
    /// altered, or belongs to another account.
    #[error("sealed value cannot be opened")]
    Unopenable,
}

/// An AES-256-GCM key with its id.
pub struct SealingKey {
    id: String,
    key: RandomizedNonceKey,
}

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealingKey")
            .field("id", &self.id)
            .field("key", &"[redacted]")
            .finish()
    }
}

impl SealingKey {
    /// A key named `id` (stored beside each sealed value, for rotation) from 32 bytes.
    ///
    /// # Errors
    /// [`SealError::InvalidKey`].
    pub fn new(id: &str, key: &SecretBytes) -> Result<Self, SealError> {
        if id.is_empty() || id.contains('.') || key.expose_secret().len() != 32 {
            return Err(SealError::InvalidKey);
        }
        let key = RandomizedNonceKey::new(&AES_256_GCM, key.expose_secret())
            .map_err(|_| SealError::InvalidKey)?;
        Ok(Self {
            id: id.to_owned(),
            key,
        })
    }

    /// Seals `plain` for `context` (the account it belongs to).
    ///
    /// # Errors
    /// [`SealError::InvalidKey`] if the cipher fails (not expected).
    pub fn seal(&self, plain: &[u8], context: &str) -> Result<String, SealError> {
        let mut data = zeroize::Zeroizing::new(plain.to_vec());
        let nonce = self
            .key
            .seal_in_place_append_tag(Aad::from(context.as_bytes()), &mut *data)
            .map_err(|_| SealError::InvalidKey)?;
        let mut out = Vec::with_capacity(NONCE_LEN + data.len());
        out.extend_from_slice(nonce.as_ref());
        out.extend_from_slice(&data);
        Ok(format!("v1.{}.{}", self.id, URL_SAFE_NO_PAD.encode(out)))
    }

    /// Opens a value sealed by [`SealingKey::seal`] for the same `context`.
    ///
    /// # Errors
    /// [`SealError::Unopenable`].
    pub fn open(&self, sealed: &str, context: &str) -> Result<SecretString, SealError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some("v1"), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(SealError::Unopenable);
        };
        if id != self.id {
            return Err(SealError::Unopenable);
        }
        let raw = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SealError::Unopenable)?;
        if raw.len() < NONCE_LEN {
            return Err(SealError::Unopenable);
        }
        let (nonce, ciphertext) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Unopenable)?;
        let mut data = zeroize::Zeroizing::new(ciphertext.to_vec());
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut data)
            .map_err(|_| SealError::Unopenable)?;
        let text = std::str::from_utf8(plain).map_err(|_| SealError::Unopenable)?;
        Ok(SecretString::from(text))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn key(id: &str, byte: u8) -> SealingKey {
        SealingKey::new(id, &SecretBytes::from(vec![byte; 32])).unwrap()
    }

    #[test]
    fn opens_only_with_the_same_key_and_context() {
        let k = key("k1", 7);
        let sealed = k.seal(b"JBSWY3DPEHPK3PXP", "ada@example.com").unwrap();
        assert!(sealed.starts_with("v1.k1."));
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(
            k.open(&sealed, "ada@example.com").unwrap().expose_secret(),
            "JBSWY3DPEHPK3PXP"
        );
        // Two seals of one value differ (random nonce).
        assert_ne!(
            sealed,
            k.seal(b"JBSWY3DPEHPK3PXP", "ada@example.com").unwrap()
        );
        assert_eq!(
            k.open(&sealed, "eve@example.com").unwrap_err(),
            SealError::Unopenable
        );
        assert_eq!(
            key("k1", 8).open(&sealed, "ada@example.com").unwrap_err(),
            SealError::Unopenable
        );
        assert_eq!(
            key("k2", 7).open(&sealed, "ada@example.com").unwrap_err(),
            SealError::Unopenable
        );
        let mut tampered = sealed.into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert_eq!(
            k.open(&tampered, "ada@example.com").unwrap_err(),
            SealError::Unopenable
        );
        for garbage in ["", "v1", "v1.k1", "v1.k1.", "v2.k1.AAAA", "v1.k1.!!!!"] {
            assert_eq!(k.open(garbage, "x").unwrap_err(), SealError::Unopenable);
        }
    }

    #[test]
    fn keys_must_be_32_bytes_with_a_plain_id() {
        assert!(SealingKey::new("k", &SecretBytes::from(vec![0; 16])).is_err());
        assert!(SealingKey::new("", &SecretBytes::from(vec![0; 32])).is_err());
        assert!(SealingKey::new("a.b", &SecretBytes::from(vec![0; 32])).is_err());
        assert!(!format!("{:?}", key("k", 1)).contains("1, 1"));
    }
}
