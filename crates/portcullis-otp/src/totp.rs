//! TOTP, time-based one-time passwords (RFC 6238).
//!
//! Settings, each refused outside its bounds:
//!
//! | setting | default | bounds | note |
//! |---|---|---|---|
//! | `algorithm` | SHA-1 | SHA-1, SHA-256, SHA-512 | many apps silently ignore anything but SHA-1 |
//! | `digits` | 6 | 6 to 10 | RFC 4226 section 5.3 asks for at least 6 |
//! | `period` | 30 s | 15 to 120 s | RFC 6238 section 5.2 recommends 30 |
//! | `window` | 1 step | 0 to 10 steps | steps accepted either side of now, for clock drift and typing time (RFC 6238 section 6) |
//!
//! [`Totp::verify`] returns the [`Step`] it accepted. RFC 6238 section 5.2 forbids
//! accepting a code twice, so the caller stores that step and passes it back as
//! `last_used_step` next time; with a store, recording it is one compare-and-set
//! (`UPDATE ... SET last_used_step = :step WHERE last_used_step IS NULL OR
//! last_used_step < :step`), and losing that race means the code was replayed.
//!
//! Six-digit codes of adjacent steps are equal about once in a million, so a
//! verification computes every step in the window (always `2 * window + 1` HMACs,
//! whatever the input, which also keeps the time independent of which step matched),
//! compares each in constant time, and accepts the newest matching step that is after
//! `last_used_step`. A code that matches only steps at or before it is
//! [`Refusal::Replayed`], not [`Refusal::WrongCode`].
//!
//! # Implementation and its cost
//!
//! HOTP values are computed directly on the RustCrypto `hmac`, `sha1` and `sha2`
//! crates rather than through `totp-rs`. Measured with criterion
//! (`otp/totp_verify_window1`, the next step's code, window 1, two runs on the shared
//! 2-core machine under a load average of 14 to 19):
//!
//! | run | `portcullis` / `totp-rs` `check` | `portcullis` / three raw HMAC-SHA-1 |
//! |---|---|---|
//! | 1 | 0.99 | 0.94 |
//! | 2 | 0.91 | 0.95 |
//!
//! The key is absorbed into the HMAC state once per verification and the state is
//! cloned for each step, which saves two SHA-1 compressions per step. `totp-rs` was
//! not kept: it is no faster, returns the oldest matching step where replay
//! protection needs the newest unused one, stops at the first match (so its time
//! depends on which step matched), and panics at 10 digits.

use portcullis_core::{OffsetDateTime, SecretString, ct_eq, time::unix_seconds};
use serde::{Deserialize, Serialize};

use crate::code::normalize;
use crate::error::{OtpError, Refusal};
use crate::oath::{Algorithm, KeyedMac};
use crate::secret::OtpSecret;

/// Default number of digits.
pub const DEFAULT_DIGITS: u8 = 6;
/// Default period in seconds.
pub const DEFAULT_PERIOD: u32 = 30;
/// Default window, in steps either side of the current one.
pub const DEFAULT_WINDOW: u8 = 1;

pub(crate) const DIGITS_BOUNDS: (u8, u8) = (6, 10);
const PERIOD_BOUNDS: (u32, u32) = (15, 120);
const WINDOW_BOUNDS: (u8, u8) = (0, 10);

/// A TOTP time step: `floor(unix_time / period)`, the counter RFC 6238 feeds to HOTP.
/// Store the step [`Totp::verify`] returns; it is what replay protection compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Step(pub u64);

impl Step {
    /// The step number.
    #[must_use]
    pub fn get(self) -> u64 {
        self.0
    }
}

/// TOTP settings and the generator/verifier built on them.
///
/// ```
/// use portcullis_core::time::from_unix_seconds;
/// use portcullis_otp::{OtpSecret, Refusal, SecretPolicy, Step, Totp};
///
/// let totp = Totp::default(); // SHA-1, 6 digits, 30 s, window 1
/// let secret = OtpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", SecretPolicy::Standard)?;
/// let now = from_unix_seconds(1_111_111_109)?;
///
/// let step = totp.verify(&secret, "081 804", now, None).unwrap();
/// assert_eq!(step, Step(37_037_036));
/// // The same code again, with the step stored after the first success:
/// assert_eq!(totp.verify(&secret, "081804", now, Some(step)), Err(Refusal::Replayed));
/// assert_eq!(totp.verify(&secret, "000000", now, None), Err(Refusal::WrongCode));
/// assert_eq!(totp.verify(&secret, "O81804", now, None), Err(Refusal::Malformed));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TotpFields", into = "TotpFields")]
pub struct Totp {
    algorithm: Algorithm,
    digits: u8,
    period: u32,
    window: u8,
}

impl Default for Totp {
    fn default() -> Self {
        Self {
            algorithm: Algorithm::Sha1,
            digits: DEFAULT_DIGITS,
            period: DEFAULT_PERIOD,
            window: DEFAULT_WINDOW,
        }
    }
}

/// Checks `value` against `(min, max)`, naming the setting in the error.
pub(crate) fn bounded<T: Copy + PartialOrd + Into<u64>>(
    setting: &'static str,
    value: T,
    (min, max): (T, T),
) -> Result<T, OtpError> {
    if value < min || value > max {
        return Err(OtpError::OutOfBounds {
            setting,
            min: min.into(),
            max: max.into(),
        });
    }
    Ok(value)
}

impl Totp {
    /// The defaults (SHA-1, 6 digits, 30 s, window 1).
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

    /// Sets the period in seconds (15 to 120).
    ///
    /// # Errors
    /// [`OtpError::OutOfBounds`].
    pub fn with_period(mut self, period: u32) -> Result<Self, OtpError> {
        self.period = bounded("period", period, PERIOD_BOUNDS)?;
        Ok(self)
    }

    /// Sets how many steps either side of the current one are accepted (0 to 10).
    ///
    /// # Errors
    /// [`OtpError::OutOfBounds`].
    pub fn with_window(mut self, window: u8) -> Result<Self, OtpError> {
        self.window = bounded("window", window, WINDOW_BOUNDS)?;
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

    /// Seconds per step.
    #[must_use]
    pub fn period(&self) -> u32 {
        self.period
    }

    /// Steps accepted either side of the current one.
    #[must_use]
    pub fn window(&self) -> u8 {
        self.window
    }

    /// The step containing `now`, or `None` before the Unix epoch (where RFC 6238
    /// defines no step).
    #[must_use]
    pub fn step_at(&self, now: OffsetDateTime) -> Option<Step> {
        let seconds = unix_seconds(now);
        u64::try_from(seconds)
            .ok()
            .map(|s| Step(s / u64::from(self.period)))
    }

    /// The code for `now`.
    ///
    /// # Errors
    /// [`OtpError::OutOfBounds`] (naming `now`) for an instant before the Unix epoch.
    pub fn generate(
        &self,
        secret: &OtpSecret,
        now: OffsetDateTime,
    ) -> Result<SecretString, OtpError> {
        let step = self.step_at(now).ok_or(OtpError::OutOfBounds {
            setting: "now (unix seconds)",
            min: 0,
            max: i64::MAX.unsigned_abs(),
        })?;
        Ok(self.generate_at_step(secret, step))
    }

    /// The code for `step`.
    #[must_use]
    pub fn generate_at_step(&self, secret: &OtpSecret, step: Step) -> SecretString {
        let mac = KeyedMac::new(self.algorithm, secret.expose_secret());
        SecretString::from(mac.code(step.0, self.digits).as_str())
    }

    /// Checks a typed `code` at `now` and returns the step it was accepted for.
    ///
    /// `last_used_step` is the step returned by the last successful verification for
    /// this secret (`None` if there was none); codes for it and earlier steps are
    /// refused as [`Refusal::Replayed`]. Store the returned step with a
    /// compare-and-set (see the module docs).
    ///
    /// # Errors
    /// [`Refusal::Malformed`] when `code` is not `digits` digits (spaces or a dash
    /// between groups allowed), [`Refusal::Replayed`], or [`Refusal::WrongCode`].
    pub fn verify(
        &self,
        secret: &OtpSecret,
        code: &str,
        now: OffsetDateTime,
        last_used_step: Option<Step>,
    ) -> Result<Step, Refusal> {
        let presented = normalize(code, self.digits)?;
        let mac = KeyedMac::new(self.algorithm, secret.expose_secret());
        let current = unix_seconds(now).div_euclid(i64::from(self.period));
        let window = i64::from(self.window);
        let mut newest_unused = None;
        let mut matched = false;
        // Oldest to newest, every step computed: the last unused match is the newest.
        for offset in -window..=window {
            let Ok(counter) = u64::try_from(current.saturating_add(offset)) else {
                continue; // before the epoch: no such step
            };
            let candidate = mac.code(counter, self.digits);
            if ct_eq(candidate.as_bytes(), presented.as_bytes()) {
                matched = true;
                if last_used_step.is_none_or(|last| counter > last.0) {
                    newest_unused = Some(Step(counter));
                }
            }
        }
        match newest_unused {
            Some(step) => Ok(step),
            None if matched => Err(Refusal::Replayed),
            None => Err(Refusal::WrongCode),
        }
    }
}

impl Totp {
    /// Does the work of [`verify`](Self::verify) for an account that has no TOTP
    /// factor (or does not exist), so that such requests take as long as real ones,
    /// and refuses: [`Refusal::Malformed`] for input that is not a code, else
    /// [`Refusal::WrongCode`]. Never accepts.
    ///
    /// ```
    /// use portcullis_core::time::from_unix_seconds;
    /// use portcullis_otp::{Refusal, Totp};
    ///
    /// let now = from_unix_seconds(1_700_000_000)?;
    /// assert_eq!(Totp::new().dummy_verify("123456", now), Refusal::WrongCode);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn dummy_verify(&self, code: &str, now: OffsetDateTime) -> Refusal {
        let dummy = OtpSecret::dummy();
        match self.verify(&dummy, code, now, None) {
            Err(Refusal::Malformed) => Refusal::Malformed,
            _ => Refusal::WrongCode,
        }
    }
}

/// The serialised form, checked on the way in so a stored record cannot carry an
/// out-of-bounds setting.
#[derive(Serialize, Deserialize)]
struct TotpFields {
    algorithm: Algorithm,
    digits: u8,
    period: u32,
    window: u8,
}

impl TryFrom<TotpFields> for Totp {
    type Error = OtpError;

    fn try_from(f: TotpFields) -> Result<Self, OtpError> {
        Totp::new()
            .with_algorithm(f.algorithm)
            .with_digits(f.digits)?
            .with_period(f.period)?
            .with_window(f.window)
    }
}

impl From<Totp> for TotpFields {
    fn from(t: Totp) -> Self {
        Self {
            algorithm: t.algorithm,
            digits: t.digits,
            period: t.period,
            window: t.window,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretPolicy;
    use portcullis_core::{SecretBytes, time::from_unix_seconds};

    fn secret(bytes: &[u8]) -> OtpSecret {
        OtpSecret::from_bytes(SecretBytes::from(bytes), SecretPolicy::Standard).unwrap()
    }

    fn at(s: i64) -> OffsetDateTime {
        from_unix_seconds(s).unwrap()
    }

    #[test]
    fn settings_are_bounded() {
        assert!(Totp::new().with_digits(5).is_err());
        assert!(Totp::new().with_digits(11).is_err());
        assert!(Totp::new().with_digits(10).is_ok());
        assert!(Totp::new().with_period(14).is_err());
        assert!(Totp::new().with_period(121).is_err());
        assert!(Totp::new().with_window(11).is_err());
        assert_eq!(
            Totp::new().with_period(10).unwrap_err().to_string(),
            "period must be between 15 and 120"
        );
    }

    #[test]
    fn serde_round_trip_and_validation() {
        let t = Totp::new()
            .with_algorithm(Algorithm::Sha256)
            .with_digits(8)
            .unwrap();
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(
            json,
            r#"{"algorithm":"SHA256","digits":8,"period":30,"window":1}"#
        );
        assert_eq!(serde_json::from_str::<Totp>(&json).unwrap(), t);
        let bad = r#"{"algorithm":"SHA1","digits":4,"period":30,"window":1}"#;
        assert!(serde_json::from_str::<Totp>(bad).is_err());
    }

    #[test]
    fn window_accepts_adjacent_steps_only() {
        let s = secret(b"12345678901234567890");
        let totp = Totp::new();
        let now = at(1_000_000_000);
        let step = totp.step_at(now).unwrap();
        for (delta, ok) in [(-2i64, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = totp.generate_at_step(&s, Step((step.0 as i64 + delta) as u64));
            let result = totp.verify(&s, code.expose_secret(), now, None);
            if ok {
                assert_eq!(result, Ok(Step((step.0 as i64 + delta) as u64)));
            } else {
                assert_eq!(result, Err(Refusal::WrongCode), "delta {delta}");
            }
        }
        let strict = Totp::new().with_window(0).unwrap();
        let prev = strict.generate_at_step(&s, Step(step.0 - 1));
        assert_eq!(
            strict.verify(&s, prev.expose_secret(), now, None),
            Err(Refusal::WrongCode)
        );
    }

    #[test]
    fn replay_is_refused_distinctly() {
        let s = secret(b"12345678901234567890");
        let totp = Totp::new();
        let now = at(1_000_000_000);
        let code = totp.generate(&s, now).unwrap();
        let step = totp.verify(&s, code.expose_secret(), now, None).unwrap();
        assert_eq!(
            totp.verify(&s, code.expose_secret(), now, Some(step)),
            Err(Refusal::Replayed)
        );
        // An older code after a newer one was used is a replay too.
        let older = totp.generate_at_step(&s, Step(step.0 - 1));
        assert_eq!(
            totp.verify(&s, older.expose_secret(), now, Some(step)),
            Err(Refusal::Replayed)
        );
        // The next step's code is still accepted.
        let newer = totp.generate_at_step(&s, Step(step.0 + 1));
        assert_eq!(
            totp.verify(&s, newer.expose_secret(), now, Some(step)),
            Ok(Step(step.0 + 1))
        );
    }

    /// Steps 999 and 1001 share a code under this key (found by searching keys
    /// `seed.to_be_bytes() ++ [0; 12]`; seed 5579880 is the first with a collision):
    /// the newest unused step must win, and the older one must not shadow it.
    #[test]
    fn steps_sharing_a_code_newest_unused_wins() {
        let mut key = [0u8; 16];
        key[..4].copy_from_slice(&5_579_880u32.to_be_bytes());
        let s = secret(&key);
        let totp = Totp::new();
        for (step, code) in [(999, "448673"), (1000, "535959"), (1001, "448673")] {
            assert_eq!(totp.generate_at_step(&s, Step(step)).expose_secret(), code);
        }
        let now = at(1000 * 30);
        assert_eq!(totp.verify(&s, "448673", now, None), Ok(Step(1001)));
        assert_eq!(
            totp.verify(&s, "448673", now, Some(Step(999))),
            Ok(Step(1001))
        );
        assert_eq!(
            totp.verify(&s, "448673", now, Some(Step(1000))),
            Ok(Step(1001))
        );
        assert_eq!(
            totp.verify(&s, "448673", now, Some(Step(1001))),
            Err(Refusal::Replayed)
        );
    }

    #[test]
    fn dummy_verification_never_accepts() {
        let totp = Totp::new();
        let now = at(1_000_000_000);
        // Even the code the dummy key itself produces is refused.
        let code = totp.generate(&OtpSecret::dummy(), now).unwrap();
        assert_eq!(
            totp.dummy_verify(code.expose_secret(), now),
            Refusal::WrongCode
        );
        assert_eq!(totp.dummy_verify("12345", now), Refusal::Malformed);
    }

    #[test]
    fn before_the_epoch() {
        let s = secret(b"12345678901234567890");
        let totp = Totp::new();
        assert!(totp.generate(&s, at(-1)).is_err());
        assert_eq!(totp.step_at(at(-1)), None);
        // At t = 0 only steps 0 and 1 exist in the window.
        let code = totp.generate_at_step(&s, Step(0));
        assert_eq!(
            totp.verify(&s, code.expose_secret(), at(0), None),
            Ok(Step(0))
        );
        assert_eq!(
            totp.verify(&s, "123456", at(-100_000), None),
            Err(Refusal::WrongCode)
        );
    }
}
