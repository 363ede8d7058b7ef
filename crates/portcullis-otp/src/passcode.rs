//! One-time passcodes sent by email, SMS or WhatsApp (NIST SP 800-63B section 5.1.3,
//! out-of-band authenticators).
//!
//! | setting | default | bounds | why |
//! |---|---|---|---|
//! | `digits` | 6 | 6 to 10 | drawn uniformly (rejection sampling, no `% 10` bias) |
//! | `expires_in` | 2 min | 1 to 10 min | Stytch's default and bounds; SP 800-63B invalidates out-of-band codes after 10 minutes |
//! | `max_attempts` | 5 | 1 to 10 | after this many checks the code is dead, right or wrong |
//!
//! A code is bound to the [`Destination`] it was sent to (the channel and the address
//! or E.164 number): it verifies only for that destination, and the destination is
//! part of the digest as well as of the record.
//!
//! # At rest
//!
//! A six-digit code is one of a million, so a plain hash of it is reversed in
//! milliseconds by anyone who reads the row. The record keeps an HMAC-SHA-256 of the
//! code and destination under a server key instead ([`KeyRing`]): issued with the
//! newest key, verified against every key in the ring so rotation never strands a
//! live code.
//!
//! # With a store: count, check, consume
//!
//! Each step is one atomic store operation, and the record returned by the first is
//! what [`PasscodeRecord::verify`] checks:
//!
//! 1. count the attempt: `UPDATE ... SET attempts = attempts + 1 WHERE id = :id
//!    RETURNING *` (in memory: [`PasscodeRecord::count_attempt`]);
//! 2. [`PasscodeRecord::verify`] the returned record: an attempt count beyond the limit
//!    is [`Refusal::AttemptsExhausted`] before the code is even looked at;
//! 3. on success consume it: `UPDATE ... SET used_at = :now WHERE id = :id AND
//!    used_at IS NULL` (in memory: [`PasscodeRecord::mark_used`]); no row updated means
//!    a concurrent request used it first, so refuse.
//!
//! Counting before checking means parallel guesses each spend an attempt.

use portcullis_core::{
    CryptoRng, Duration, OffsetDateTime, OsRng, SecretString, random, time::unix_seconds,
};
use serde::{Deserialize, Serialize};

use crate::code::normalize;
use crate::error::{OtpError, Refusal};
use crate::keys::KeyRing;
use crate::totp::{DEFAULT_DIGITS, DIGITS_BOUNDS, bounded};

const PURPOSE: &str = "portcullis-otp/passcode/v1";
const EXPIRY_MINUTES_BOUNDS: (u8, u8) = (1, 10);
const ATTEMPTS_BOUNDS: (u8, u8) = (1, 10);
/// Longest email address accepted (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// A phone number in E.164 form: `+`, a country code not starting with 0, and at most
/// 15 digits in all (ITU-T E.164 section 6). Only that canonical form is accepted;
/// format numbers for people elsewhere.
///
/// ```
/// use portcullis_otp::PhoneNumber;
///
/// assert_eq!(PhoneNumber::parse("+19162130839").unwrap().as_str(), "+19162130839");
/// assert!(PhoneNumber::parse("19162130839").is_err());     // no '+'
/// assert!(PhoneNumber::parse("+1 916 213 0839").is_err()); // not canonical
/// assert!(PhoneNumber::parse("+0123456789").is_err());     // country codes start 1-9
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Checks `input` is E.164: `+` then 2 to 15 digits, the first not zero.
    ///
    /// # Errors
    /// [`OtpError::InvalidPhoneNumber`].
    pub fn parse(input: &str) -> Result<Self, OtpError> {
        let digits = input
            .strip_prefix('+')
            .ok_or(OtpError::InvalidPhoneNumber)?;
        let ok = (2..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if ok {
            Ok(Self(input.to_owned()))
        } else {
            Err(OtpError::InvalidPhoneNumber)
        }
    }

    /// The number, `+` and digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = OtpError;
    fn try_from(s: String) -> Result<Self, OtpError> {
        Self::parse(&s)
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> Self {
        p.0
    }
}

/// Where a passcode was sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "channel", content = "to", rename_all = "snake_case")]
pub enum Destination {
    /// An email address (checked loosely, see [`Destination::email`]).
    Email(String),
    /// A text message to a phone number.
    Sms(PhoneNumber),
    /// A WhatsApp message to a phone number.
    Whatsapp(PhoneNumber),
}

impl Destination {
    /// An email destination. The check is deliberately loose (one `@` with text on
    /// both sides, no spaces or control characters, at most 254 bytes); whether the
    /// address receives mail is for delivery to find out. The domain is lower-cased so
    /// `Ada@Example.COM` and `Ada@example.com` are one destination; the local part is
    /// kept as typed (RFC 5321 lets it be case-sensitive).
    ///
    /// # Errors
    /// [`OtpError::InvalidField`].
    pub fn email(address: &str) -> Result<Self, OtpError> {
        let address = address.trim();
        let (local, domain) = address
            .rsplit_once('@')
            .ok_or(OtpError::InvalidField("email address"))?;
        let ok = !local.is_empty()
            && !domain.is_empty()
            && address.len() <= MAX_EMAIL_LEN
            && !address.chars().any(|c| c.is_whitespace() || c.is_control());
        if !ok {
            return Err(OtpError::InvalidField("email address"));
        }
        Ok(Self::Email(format!("{local}@{}", domain.to_lowercase())))
    }

    /// An SMS destination.
    ///
    /// # Errors
    /// [`OtpError::InvalidPhoneNumber`].
    pub fn sms(number: &str) -> Result<Self, OtpError> {
        PhoneNumber::parse(number).map(Self::Sms)
    }

    /// A WhatsApp destination.
    ///
    /// # Errors
    /// [`OtpError::InvalidPhoneNumber`].
    pub fn whatsapp(number: &str) -> Result<Self, OtpError> {
        PhoneNumber::parse(number).map(Self::Whatsapp)
    }

    /// The channel's name: `email`, `sms` or `whatsapp`.
    #[must_use]
    pub fn channel(&self) -> &'static str {
        match self {
            Self::Email(_) => "email",
            Self::Sms(_) => "sms",
            Self::Whatsapp(_) => "whatsapp",
        }
    }

    /// The address or number.
    #[must_use]
    pub fn address(&self) -> &str {
        match self {
            Self::Email(a) => a,
            Self::Sms(p) | Self::Whatsapp(p) => p.as_str(),
        }
    }
}

/// Passcode settings.
///
/// ```
/// use portcullis_core::{SecretBytes, time::from_unix_seconds, Duration};
/// use portcullis_otp::{Destination, KeyRing, Passcodes, Refusal, ServerKey};
///
/// let keys = KeyRing::new(vec![ServerKey::new("k1", SecretBytes::from(vec![5u8; 32]))?])?;
/// let to = Destination::sms("+447700900123")?;
/// let now = from_unix_seconds(1_700_000_000)?;
///
/// let issued = Passcodes::new().issue(to.clone(), &keys, now);
/// // Send issued.code to `to`; store issued.record.
/// let mut record = issued.record;
/// record.count_attempt(); // the store's atomic increment
/// assert!(record.verify(issued.code.expose_secret(), &to, &keys, now).is_ok());
/// assert!(record.mark_used(now)); // the store's atomic consume
/// record.count_attempt();
/// assert_eq!(record.verify(issued.code.expose_secret(), &to, &keys, now), Err(Refusal::AlreadyUsed));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Passcodes {
    digits: u8,
    expires_in_minutes: u8,
    max_attempts: u8,
}

impl Default for Passcodes {
    fn default() -> Self {
        Self {
            digits: DEFAULT_DIGITS,
            expires_in_minutes: 2,
            max_attempts: 5,
        }
    }
}

/// A new passcode: the code to send, and the record to store.
#[derive(Debug)]
pub struct IssuedPasscode {
    /// The code to deliver. Never store it.
    pub code: SecretString,
    /// What to store.
    pub record: PasscodeRecord,
}

impl Passcodes {
    /// The defaults (6 digits, 2 minutes, 5 attempts).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the number of digits (6 to 10).
    ///
    /// # Errors
    /// [`OtpError::OutOfBounds`].
    pub fn with_digits(mut self, digits: u8) -> Result<Self, OtpError> {
        self.digits = bounded("digits", digits, DIGITS_BOUNDS)?;
        Ok(self)
    }

    /// Sets the lifetime in minutes (1 to 10).
    ///
    /// # Errors
    /// [`OtpError::OutOfBounds`].
    pub fn with_expiry_minutes(mut self, minutes: u8) -> Result<Self, OtpError> {
        self.expires_in_minutes = bounded("expiration_minutes", minutes, EXPIRY_MINUTES_BOUNDS)?;
        Ok(self)
    }

    /// Sets how many checks a code allows (1 to 10).
    ///
    /// # Errors
    /// [`OtpError::OutOfBounds`].
    pub fn with_max_attempts(mut self, attempts: u8) -> Result<Self, OtpError> {
        self.max_attempts = bounded("max_attempts", attempts, ATTEMPTS_BOUNDS)?;
        Ok(self)
    }

    /// Does the work of [`PasscodeRecord::verify`] for a code id that matches no
    /// record (one HMAC per key), so such requests take as long as real ones, and
    /// refuses: [`Refusal::Malformed`] or [`Refusal::WrongCode`]. Never accepts.
    #[must_use]
    pub fn dummy_verify(&self, code: &str, to: &Destination, keys: &KeyRing) -> Refusal {
        let Ok(presented) = normalize(code, self.digits) else {
            return Refusal::Malformed;
        };
        let fields: [&[u8]; 3] = [
            to.channel().as_bytes(),
            to.address().as_bytes(),
            presented.as_bytes(),
        ];
        let _ = keys.any_matches(PURPOSE, &fields, &[0u8; 32]);
        Refusal::WrongCode
    }

    /// Issues a code for `to` from the OS CSPRNG, digested with the newest key.
    #[must_use]
    pub fn issue(&self, to: Destination, keys: &KeyRing, now: OffsetDateTime) -> IssuedPasscode {
        self.issue_with(&mut OsRng, to, keys, now)
    }

    /// Issues a code for `to` from `rng`.
    #[must_use]
    pub fn issue_with<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        to: Destination,
        keys: &KeyRing,
        now: OffsetDateTime,
    ) -> IssuedPasscode {
        let code = random::digits_with(rng, usize::from(self.digits));
        let digest = digest(keys.newest(), code.expose_secret(), &to);
        let expires_at = now.saturating_add(Duration::minutes(i64::from(self.expires_in_minutes)));
        IssuedPasscode {
            code,
            record: PasscodeRecord {
                destination: to,
                digest: portcullis_core::Base64::UrlUnpadded.encode(&digest),
                digits: self.digits,
                issued_at: unix_seconds(now),
                expires_at: unix_seconds(expires_at),
                max_attempts: self.max_attempts,
                attempts: 0,
                used_at: None,
            },
        }
    }
}

fn digest(key: &crate::keys::ServerKey, code: &str, to: &Destination) -> [u8; 32] {
    key.digest(
        PURPOSE,
        &[
            to.channel().as_bytes(),
            to.address().as_bytes(),
            code.as_bytes(),
        ],
    )
}

/// The stored form of an issued passcode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasscodeRecord {
    /// Where the code was sent.
    pub destination: Destination,
    /// HMAC-SHA-256 of channel, address and code under a ring key, base64url.
    pub digest: String,
    /// Digits in the code.
    pub digits: u8,
    /// Issue time (Unix seconds).
    pub issued_at: i64,
    /// The first instant the code is no longer valid (Unix seconds).
    pub expires_at: i64,
    /// Checks allowed.
    pub max_attempts: u8,
    /// Checks counted so far, including the one being made.
    pub attempts: u32,
    /// When it was used (Unix seconds), or `None`.
    pub used_at: Option<i64>,
}

impl PasscodeRecord {
    /// Checks `code` sent to `to`. `self` must already count this attempt (see the
    /// module docs). The code is compared under every key in `keys`.
    ///
    /// # Errors
    /// In this order: [`Refusal::AlreadyUsed`], [`Refusal::AttemptsExhausted`],
    /// [`Refusal::Expired`], [`Refusal::WrongDestination`], [`Refusal::Malformed`],
    /// [`Refusal::WrongCode`].
    pub fn verify(
        &self,
        code: &str,
        to: &Destination,
        keys: &KeyRing,
        now: OffsetDateTime,
    ) -> Result<(), Refusal> {
        if self.used_at.is_some() {
            return Err(Refusal::AlreadyUsed);
        }
        if self.attempts > u32::from(self.max_attempts) {
            return Err(Refusal::AttemptsExhausted);
        }
        if unix_seconds(now) >= self.expires_at {
            return Err(Refusal::Expired);
        }
        if *to != self.destination {
            return Err(Refusal::WrongDestination);
        }
        let presented = normalize(code, self.digits)?;
        let expected = portcullis_core::Base64::UrlUnpadded
            .decode(&self.digest)
            .map_err(|_| Refusal::Unverifiable)?;
        let fields: [&[u8]; 3] = [
            to.channel().as_bytes(),
            to.address().as_bytes(),
            presented.as_bytes(),
        ];
        if keys.any_matches(PURPOSE, &fields, &expected) {
            Ok(())
        } else {
            Err(Refusal::WrongCode)
        }
    }

    /// Attempts left after those counted so far.
    #[must_use]
    pub fn attempts_remaining(&self) -> u32 {
        u32::from(self.max_attempts).saturating_sub(self.attempts)
    }

    /// Counts one attempt (what the store does atomically before checking).
    pub fn count_attempt(&mut self) {
        self.attempts = self.attempts.saturating_add(1);
    }

    /// Marks the code used; false if it already was (the store's atomic consume).
    pub fn mark_used(&mut self, now: OffsetDateTime) -> bool {
        if self.used_at.is_some() {
            return false;
        }
        self.used_at = Some(unix_seconds(now));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::ServerKey;
    use portcullis_core::{SecretBytes, rand_core::SeedableRng, time::from_unix_seconds};
    use rand_chacha::ChaCha20Rng;

    fn ring(ids: &[(&str, u8)]) -> KeyRing {
        KeyRing::new(
            ids.iter()
                .map(|(id, b)| ServerKey::new(*id, SecretBytes::from(vec![*b; 32])).unwrap())
                .collect(),
        )
        .unwrap()
    }

    fn at(s: i64) -> OffsetDateTime {
        from_unix_seconds(s).unwrap()
    }

    #[test]
    fn phone_numbers() {
        for ok in ["+12", "+447700900123", "+123456789012345"] {
            assert!(PhoneNumber::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "+",
            "+1",
            "+1234567890123456",
            "+0441234",
            "447700900123",
            "+44 7700",
            "+44-7700",
            "+４４",
        ] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
        let json = serde_json::to_string(&Destination::sms("+447700900123").unwrap()).unwrap();
        assert_eq!(json, r#"{"channel":"sms","to":"+447700900123"}"#);
        assert!(serde_json::from_str::<Destination>(r#"{"channel":"sms","to":"+0"}"#).is_err());
    }

    #[test]
    fn emails() {
        assert_eq!(
            Destination::email(" Ada@Example.COM ").unwrap(),
            Destination::Email("Ada@example.com".into())
        );
        for bad in ["", "ada", "@x", "ada@", "a da@x.org", "a\u{0}@x"] {
            assert!(Destination::email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn lifecycle_expiry_attempts_and_binding() {
        let keys = ring(&[("k1", 1)]);
        let to = Destination::email("ada@example.com").unwrap();
        let t0 = 1_700_000_000;
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let issued = Passcodes::new()
            .with_digits(8)
            .unwrap()
            .with_max_attempts(3)
            .unwrap()
            .issue_with(&mut rng, to.clone(), &keys, at(t0));
        let code = issued.code.expose_secret().to_owned();
        assert_eq!(code.len(), 8);
        assert!(!issued.record.digest.contains(&code));
        let mut r = issued.record.clone();
        assert_eq!(r.expires_at - r.issued_at, 120);

        // Bound to the destination.
        r.count_attempt();
        let sms = Destination::sms("+447700900123").unwrap();
        assert_eq!(
            r.verify(&code, &sms, &keys, at(t0)),
            Err(Refusal::WrongDestination)
        );
        // Wrong and malformed codes spend attempts; the third attempt is the last.
        r.count_attempt();
        assert_eq!(
            r.verify("00000000", &to, &keys, at(t0)),
            Err(Refusal::WrongCode)
        );
        assert_eq!(r.attempts_remaining(), 1);
        r.count_attempt();
        assert_eq!(
            r.verify("0000 0000", &to, &keys, at(t0)),
            Err(Refusal::WrongCode)
        );
        assert_eq!(
            r.verify("0000", &to, &keys, at(t0)),
            Err(Refusal::Malformed)
        );
        r.count_attempt();
        assert_eq!(
            r.verify(&code, &to, &keys, at(t0)),
            Err(Refusal::AttemptsExhausted)
        );

        // Expiry is exclusive.
        let mut r = issued.record.clone();
        r.count_attempt();
        assert_eq!(r.verify(&code, &to, &keys, at(t0 + 119)), Ok(()));
        assert_eq!(
            r.verify(&code, &to, &keys, at(t0 + 120)),
            Err(Refusal::Expired)
        );
    }

    #[test]
    fn rotation_verifies_against_every_key() {
        let old = ring(&[("k1", 1)]);
        let to = Destination::whatsapp("+14155550123").unwrap();
        let mut issued = Passcodes::new().issue(to.clone(), &old, at(0));
        issued.record.count_attempt();
        let rotated = ring(&[("k2", 2), ("k1", 1)]);
        let code = issued.code.expose_secret();
        assert_eq!(issued.record.verify(code, &to, &rotated, at(1)), Ok(()));
        let retired = ring(&[("k2", 2)]);
        assert_eq!(
            issued.record.verify(code, &to, &retired, at(1)),
            Err(Refusal::WrongCode)
        );
    }

    #[test]
    fn dummy_verify_refuses() {
        let keys = ring(&[("k1", 1)]);
        let to = Destination::email("ada@example.com").unwrap();
        assert_eq!(
            Passcodes::new().dummy_verify("123456", &to, &keys),
            Refusal::WrongCode
        );
        assert_eq!(
            Passcodes::new().dummy_verify("12345", &to, &keys),
            Refusal::Malformed
        );
    }

    #[test]
    fn bounds() {
        assert!(Passcodes::new().with_expiry_minutes(0).is_err());
        assert!(Passcodes::new().with_expiry_minutes(11).is_err());
        assert!(Passcodes::new().with_max_attempts(0).is_err());
        assert!(Passcodes::new().with_digits(11).is_err());
    }
}
