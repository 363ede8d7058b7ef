//! HOTP, counter-based one-time passwords (RFC 4226).
//!
//! | setting | default | bounds | note |
//! |---|---|---|---|
//! | `algorithm` | SHA-1 | SHA-1, SHA-256, SHA-512 | RFC 4226 defines SHA-1 only; the others as in RFC 6238 |
//! | `digits` | 6 | 6 to 10 | |
//! | `look_ahead` | 0 | 0 to 100 | counters past the expected one accepted, to resynchronise a token pressed without logging in (RFC 4226 section 7.4) |
//!
//! [`Hotp::verify`] takes the next expected counter and returns the counter that
//! matched; the caller stores `matched + 1` with a compare-and-set against the counter
//! it read, so the same code can never be accepted twice.

use portcullis_core::{SecretString, ct_eq};
use serde::{Deserialize, Serialize};

use crate::code::normalize;
use crate::error::{OtpError, Refusal};
use crate::oath::{Algorithm, KeyedMac};
use crate::secret::OtpSecret;
use crate::totp::{DEFAULT_DIGITS, DIGITS_BOUNDS, bounded};

const LOOK_AHEAD_BOUNDS: (u8, u8) = (0, 100);

/// HOTP settings and the generator/verifier built on them.
///
/// ```
/// use portcullis_otp::{Hotp, OtpSecret, Refusal, SecretPolicy};
///
/// let secret = OtpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", SecretPolicy::Standard)?;
/// let hotp = Hotp::new().with_look_ahead(2)?;
/// assert_eq!(hotp.generate(&secret, 1).expose_secret(), "287082");
/// // Expecting counter 0, a code for counter 2 is within the look-ahead:
/// assert_eq!(hotp.verify(&secret, "359152", 0), Ok(2)); // store 3 next
/// assert_eq!(hotp.verify(&secret, "359152", 3), Err(Refusal::WrongCode));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "HotpFields", into = "HotpFields")]
pub struct Hotp {
    algorithm: Algorithm,
    digits: u8,
    look_ahead: u8,
}

impl Default for Hotp {
    fn default() -> Self {
        Self {
            algorithm: Algorithm::Sha1,
            digits: DEFAULT_DIGITS,
            look_ahead: 0,
        }
    }
}

impl Hotp {
    /// The defaults (SHA-1, 6 digits, no look-ahead).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the HMAC algorithm.
    #[must_use]
    pub fn with_algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Sets the number of digits (6 to 10).
    ///
    /// # Errors
    /// [`OtpError::OutOfBounds`].
    pub fn with_digits(mut self, digits: u8) -> Result<Self, OtpError> {
        self.digits = bounded("digits", digits, DIGITS_BOUNDS)?;
        Ok(self)
    }

    /// Sets how many counters past the expected one are accepted (0 to 100).
    ///
    /// # Errors
    /// [`OtpError::OutOfBounds`].
    pub fn with_look_ahead(mut self, look_ahead: u8) -> Result<Self, OtpError> {
        self.look_ahead = bounded("look_ahead", look_ahead, LOOK_AHEAD_BOUNDS)?;
        Ok(self)
    }

    /// The HMAC algorithm.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Digits per code.
    #[must_use]
    pub fn digits(&self) -> u8 {
        self.digits
    }

    /// Counters accepted past the expected one.
    #[must_use]
    pub fn look_ahead(&self) -> u8 {
        self.look_ahead
    }

    /// The code for `counter`.
    #[must_use]
    pub fn generate(&self, secret: &OtpSecret, counter: u64) -> SecretString {
        let mac = KeyedMac::new(self.algorithm, secret.expose_secret());
        SecretString::from(mac.code(counter, self.digits).as_str())
    }

    /// Checks `code` against counters `next_counter ..= next_counter + look_ahead`
    /// and returns the lowest one that matches. Every counter in that range is
    /// computed whatever the input.
    ///
    /// # Errors
    /// [`Refusal::Malformed`] or [`Refusal::WrongCode`].
    pub fn verify(
        &self,
        secret: &OtpSecret,
        code: &str,
        next_counter: u64,
    ) -> Result<u64, Refusal> {
        let presented = normalize(code, self.digits)?;
        let mac = KeyedMac::new(self.algorithm, secret.expose_secret());
        let mut lowest = None;
        for offset in (0..=u64::from(self.look_ahead)).rev() {
            let Some(counter) = next_counter.checked_add(offset) else {
                continue;
            };
            if ct_eq(
                mac.code(counter, self.digits).as_bytes(),
                presented.as_bytes(),
            ) {
                lowest = Some(counter);
            }
        }
        lowest.ok_or(Refusal::WrongCode)
    }
}

#[derive(Serialize, Deserialize)]
struct HotpFields {
    algorithm: Algorithm,
    digits: u8,
    look_ahead: u8,
}

impl TryFrom<HotpFields> for Hotp {
    type Error = OtpError;

    fn try_from(f: HotpFields) -> Result<Self, OtpError> {
        Hotp::new()
            .with_algorithm(f.algorithm)
            .with_digits(f.digits)?
            .with_look_ahead(f.look_ahead)
    }
}

impl From<Hotp> for HotpFields {
    fn from(h: Hotp) -> Self {
        Self {
            algorithm: h.algorithm,
            digits: h.digits,
            look_ahead: h.look_ahead,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretPolicy;
    use portcullis_core::SecretBytes;

    #[test]
    fn look_ahead_and_bounds() {
        let s = OtpSecret::from_bytes(
            SecretBytes::from(&b"12345678901234567890"[..]),
            SecretPolicy::Standard,
        )
        .unwrap();
        let hotp = Hotp::new();
        assert_eq!(hotp.verify(&s, "755224", 0), Ok(0));
        assert_eq!(hotp.verify(&s, "287082", 0), Err(Refusal::WrongCode));
        assert_eq!(hotp.verify(&s, "75522", 0), Err(Refusal::Malformed));
        let ahead = hotp.with_look_ahead(9).unwrap();
        assert_eq!(ahead.verify(&s, "520489", 0), Ok(9));
        assert_eq!(ahead.verify(&s, "520489", 10), Err(Refusal::WrongCode));
        // Counters near u64::MAX do not overflow.
        assert!(ahead.verify(&s, "123456", u64::MAX).is_err());
        assert!(Hotp::new().with_look_ahead(101).is_err());
        assert!(Hotp::new().with_digits(5).is_err());
        let json = serde_json::to_string(&ahead).unwrap();
        assert_eq!(serde_json::from_str::<Hotp>(&json).unwrap(), ahead);
    }
}
