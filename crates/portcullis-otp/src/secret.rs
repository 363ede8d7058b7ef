//! The shared secret of HOTP and TOTP (RFC 4226 section 4, requirement R6).
//!
//! RFC 4226 requires at least 128 bits and recommends 160; new secrets here are 160
//! bits (20 bytes, 32 base32 characters), the size of an HMAC-SHA-1 output and what
//! Google Authenticator, pyotp and Stytch issue. Imported secrets (an authenticator
//! migration, PropelAuth's `existing_mfa_base32_encoded_secret`, Stytch's
//! `totp/migrate`) are read from base32 in any case, with or without padding, spaces
//! ignored, and must carry 128 bits unless the caller passes
//! [`SecretPolicy::DangerAllowLegacy`], which lowers the floor to 80 bits: the
//! 16-character secrets older Google Authenticator deployments issued. Nothing shorter
//! is accepted under any policy.

use portcullis_core::{Base32, CryptoRng, OsRng, SecretBytes, SecretString, random};

use crate::error::OtpError;

/// Bytes in a newly generated secret (160 bits).
pub const DEFAULT_SECRET_BYTES: usize = 20;
/// Fewest bits [`SecretPolicy::Standard`] accepts (RFC 4226 R6).
pub const MIN_SECRET_BITS: usize = 128;
/// Fewest bits [`SecretPolicy::DangerAllowLegacy`] accepts.
pub const MIN_LEGACY_SECRET_BITS: usize = 80;
/// Longest secret accepted, in bytes (RFC 6238's SHA-512 seed is 64 bytes; 128 leaves
/// room and bounds the work an imported value can cause).
pub const MAX_SECRET_BYTES: usize = 128;

/// How short an imported secret may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SecretPolicy {
    /// At least 128 bits (RFC 4226).
    #[default]
    Standard,
    /// At least 80 bits: for migrating legacy secrets that cannot be re-issued at once.
    /// Re-enrol such users when you can.
    DangerAllowLegacy,
}

impl SecretPolicy {
    fn min_bits(self) -> usize {
        match self {
            Self::Standard => MIN_SECRET_BITS,
            Self::DangerAllowLegacy => MIN_LEGACY_SECRET_BITS,
        }
    }
}

/// A HOTP/TOTP secret key: zeroized on drop, `[redacted]` in `Debug`, never
/// serialised. Store it encrypted; hand it out only as [`to_base32`](Self::to_base32)
/// or inside an otpauth URI at enrolment.
///
/// ```
/// use portcullis_otp::{OtpSecret, SecretPolicy};
///
/// let secret = OtpSecret::generate();
/// assert_eq!(secret.to_base32().len(), 32);
///
/// let imported = OtpSecret::from_base32("jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp", SecretPolicy::Standard).unwrap();
/// assert_eq!(imported.to_base32().expose_secret(), "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
/// assert!(OtpSecret::from_base32("JBSWY3DPEHPK3PXP", SecretPolicy::Standard).is_err()); // 80 bits
/// assert!(OtpSecret::from_base32("JBSWY3DPEHPK3PXP", SecretPolicy::DangerAllowLegacy).is_ok());
/// ```
#[derive(Clone, Debug)]
pub struct OtpSecret(SecretBytes);

impl OtpSecret {
    /// A new 160-bit secret from the OS CSPRNG.
    #[must_use]
    pub fn generate() -> Self {
        Self::generate_with(&mut OsRng)
    }

    /// A new 160-bit secret from `rng`.
    #[must_use]
    pub fn generate_with<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self(random::bytes_with(rng, DEFAULT_SECRET_BYTES))
    }

    /// Wraps raw key bytes, checking their length against `policy`.
    ///
    /// # Errors
    /// [`OtpError::SecretTooShort`] or [`OtpError::SecretTooLong`].
    pub fn from_bytes(bytes: SecretBytes, policy: SecretPolicy) -> Result<Self, OtpError> {
        let bits = bytes.len() * 8;
        if bits < policy.min_bits() {
            return Err(OtpError::SecretTooShort {
                bits,
                min_bits: policy.min_bits(),
            });
        }
        if bytes.len() > MAX_SECRET_BYTES {
            return Err(OtpError::SecretTooLong {
                max_bytes: MAX_SECRET_BYTES,
            });
        }
        Ok(Self(bytes))
    }

    /// Reads a base32 secret: any case, padding optional, spaces ignored.
    ///
    /// # Errors
    /// [`OtpError::SecretEncoding`] for anything that is not base32 (the error names
    /// an offset, never the input), and the length errors of
    /// [`from_bytes`](Self::from_bytes).
    pub fn from_base32(input: &str, policy: SecretPolicy) -> Result<Self, OtpError> {
        // Bound the work before decoding: 128 bytes are 205 symbols; allow for
        // padding and a space every four characters.
        if input.len() > MAX_SECRET_BYTES * 8 / 5 * 2 + 16 {
            return Err(OtpError::SecretTooLong {
                max_bytes: MAX_SECRET_BYTES,
            });
        }
        let bytes = Base32::decode_tolerant(input).map_err(OtpError::SecretEncoding)?;
        Self::from_bytes(SecretBytes::new(bytes), policy)
    }

    /// A fixed 160-bit key for dummy verifications (never a user's secret).
    pub(crate) fn dummy() -> Self {
        Self(SecretBytes::from(vec![0x5a; DEFAULT_SECRET_BYTES]))
    }

    /// The secret in unpadded upper-case base32, the form otpauth URIs and
    /// authenticator apps use.
    #[must_use]
    pub fn to_base32(&self) -> SecretString {
        SecretString::new(Base32::Unpadded.encode(self.0.expose_secret()))
    }

    /// The raw key bytes.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8] {
        self.0.expose_secret()
    }

    /// Length of the key in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: an empty secret cannot be built.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_core::DecodeError;
    use portcullis_core::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn generated_secrets_are_160_bits_and_distinct() {
        let a = OtpSecret::generate();
        let b = OtpSecret::generate();
        assert_eq!(a.len(), 20);
        assert_ne!(a.expose_secret(), b.expose_secret());
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let c = OtpSecret::generate_with(&mut rng);
        let d = OtpSecret::generate_with(&mut ChaCha20Rng::seed_from_u64(1));
        assert_eq!(c.expose_secret(), d.expose_secret());
        assert_eq!(format!("{c:?}"), "OtpSecret([redacted])");
    }

    #[test]
    fn base32_import_tolerates_case_padding_and_spaces() {
        let canonical = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // "12345678901234567890"
        for input in [
            canonical,
            "gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ",
            "gezd gnbv GY3T qojq gezdgnbvgy3tqojq",
        ] {
            let s = OtpSecret::from_base32(input, SecretPolicy::Standard).unwrap();
            assert_eq!(s.expose_secret(), b"12345678901234567890");
            assert_eq!(s.to_base32().expose_secret(), canonical);
        }
        // 17 bytes need padding to a multiple of 8 symbols when padded.
        let padded = Base32::Padded.encode(&[7u8; 17]);
        assert!(padded.ends_with('='));
        let s = OtpSecret::from_base32(&padded, SecretPolicy::Standard).unwrap();
        assert_eq!(s.expose_secret(), [7u8; 17]);
    }

    #[test]
    fn floors_and_ceiling() {
        // 15 bytes = 120 bits: below the standard floor, above the legacy one.
        let b32 = Base32::Unpadded.encode(&[1u8; 15]);
        assert_eq!(
            OtpSecret::from_base32(&b32, SecretPolicy::Standard).unwrap_err(),
            OtpError::SecretTooShort {
                bits: 120,
                min_bits: 128
            }
        );
        assert!(OtpSecret::from_base32(&b32, SecretPolicy::DangerAllowLegacy).is_ok());
        let nine = Base32::Unpadded.encode(&[1u8; 9]);
        assert!(matches!(
            OtpSecret::from_base32(&nine, SecretPolicy::DangerAllowLegacy),
            Err(OtpError::SecretTooShort { bits: 72, .. })
        ));
        assert!(OtpSecret::from_base32("", SecretPolicy::DangerAllowLegacy).is_err());
        let long = Base32::Unpadded.encode(&[1u8; 129]);
        assert_eq!(
            OtpSecret::from_base32(&long, SecretPolicy::Standard).unwrap_err(),
            OtpError::SecretTooLong { max_bytes: 128 }
        );
        assert!(OtpSecret::from_base32(&"A".repeat(10_000), SecretPolicy::Standard).is_err());
    }

    #[test]
    fn bad_base32_names_an_offset_not_the_input() {
        let err = OtpSecret::from_base32("GEZDGNBVGY3TQOJ1", SecretPolicy::Standard).unwrap_err();
        assert_eq!(
            err,
            OtpError::SecretEncoding(DecodeError::InvalidCharacter { position: 15 })
        );
        assert!(!err.to_string().contains("GEZD"));
    }
}
