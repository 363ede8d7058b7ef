//! TOTP enrolment: a factor that stays pending until the user proves their app holds
//! the secret, and dies if they never do (Stytch `POST /v1/totps` with
//! `expiration_minutes`, Riskalyze's challenge-then-finalize).
//!
//! | setting | default | bounds |
//! |---|---|---|
//! | `expiration_minutes` | 1440 (one day) | 5 to 1440 (Stytch's) |
//! | TOTP settings | see [`Totp`] | |
//!
//! [`TotpEnrollments::begin`] returns the secret, its otpauth URI (render it as a QR
//! code with the `qr` feature) and a pending [`TotpEnrollment`] record.
//! [`TotpEnrollment::confirm`] checks the first code; on success the store confirms
//! the record and records the step in one operation (`UPDATE ... SET confirmed_at =
//! :now, last_used_step = :step WHERE id = :id AND confirmed_at IS NULL AND
//! expires_at > :now`). After that, [`TotpEnrollment::verify`] checks codes against
//! the stored `last_used_step`, and each accepted step is stored by compare-and-set
//! (see [`crate::totp`]).
//!
//! The secret is not part of the record: it must be kept encrypted, which is the
//! storage layer's business, and a secret type here is never serialised.

use portcullis_core::{CryptoRng, Duration, OffsetDateTime, OsRng, time::unix_seconds};
use serde::{Deserialize, Serialize};

use crate::error::{OtpError, Refusal};
use crate::secret::OtpSecret;
use crate::totp::{Step, Totp, bounded};
use crate::uri::KeyUri;

/// Default minutes an unconfirmed enrolment lives.
pub const DEFAULT_EXPIRATION_MINUTES: u16 = 1440;
const EXPIRATION_BOUNDS: (u16, u16) = (5, 1440);

/// Enrolment settings.
///
/// ```
/// use portcullis_core::time::from_unix_seconds;
/// use portcullis_otp::{EnrollmentStatus, TotpEnrollments};
///
/// let now = from_unix_seconds(1_700_000_000)?;
/// let start = TotpEnrollments::new().begin(Some("ACME"), "ada@example.com", now)?;
/// // Show start.uri as a QR code; keep start.secret encrypted; store start.record.
/// let mut record = start.record;
/// assert_eq!(record.status(now), EnrollmentStatus::Pending);
///
/// let code = record.totp.generate(&start.secret, now)?; // what the user's app shows
/// let step = record.confirm(&start.secret, code.expose_secret(), now).unwrap();
/// record.apply_confirmation(step, now);
/// assert_eq!(record.status(now), EnrollmentStatus::Active);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TotpEnrollments {
    totp: Totp,
    expiration_minutes: u16,
}

/// What [`TotpEnrollments::begin`] hands back.
#[derive(Debug)]
pub struct EnrollmentStart {
    /// The new secret: store it encrypted.
    pub secret: OtpSecret,
    /// The otpauth URI to show once (as a QR code and a link).
    pub uri: KeyUri,
    /// The pending record to store.
    pub record: TotpEnrollment,
}

impl Default for TotpEnrollments {
    fn default() -> Self {
        Self::new()
    }
}

impl TotpEnrollments {
    /// Default settings (default TOTP, 1440 minutes).
    #[must_use]
    pub fn new() -> Self {
        Self {
            totp: Totp::default(),
            expiration_minutes: DEFAULT_EXPIRATION_MINUTES,
        }
    }

    /// The TOTP settings new factors use.
    #[must_use]
    pub fn totp(&self) -> &Totp {
        &self.totp
    }

    /// Sets the TOTP settings new factors use.
    #[must_use]
    pub fn with_totp(mut self, totp: Totp) -> Self {
        self.totp = totp;
        self
    }

    /// Sets how long an unconfirmed enrolment lives (5 to 1440 minutes).
    ///
    /// # Errors
    /// [`OtpError::OutOfBounds`].
    pub fn with_expiration_minutes(mut self, minutes: u16) -> Result<Self, OtpError> {
        self.expiration_minutes = bounded("expiration_minutes", minutes, EXPIRATION_BOUNDS)?;
        Ok(self)
    }

    /// Starts an enrolment with a fresh 160-bit secret from the OS CSPRNG.
    ///
    /// # Errors
    /// The name errors of [`KeyUri::for_totp`].
    pub fn begin(
        &self,
        issuer: Option<&str>,
        account: &str,
        now: OffsetDateTime,
    ) -> Result<EnrollmentStart, OtpError> {
        self.begin_with(&mut OsRng, issuer, account, now)
    }

    /// Starts an enrolment with a secret drawn from `rng`.
    ///
    /// # Errors
    /// As [`begin`](Self::begin).
    pub fn begin_with<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        issuer: Option<&str>,
        account: &str,
        now: OffsetDateTime,
    ) -> Result<EnrollmentStart, OtpError> {
        let secret = OtpSecret::generate_with(rng);
        let uri = KeyUri::for_totp(&self.totp, secret.clone(), issuer, account)?;
        let expires_at = now.saturating_add(Duration::minutes(i64::from(self.expiration_minutes)));
        Ok(EnrollmentStart {
            secret,
            uri,
            record: TotpEnrollment {
                totp: self.totp,
                created_at: unix_seconds(now),
                expires_at: unix_seconds(expires_at),
                confirmed_at: None,
                last_used_step: None,
            },
        })
    }
}

/// Where an enrolment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrollmentStatus {
    /// Waiting for the first code.
    Pending,
    /// Never confirmed and past its expiry: unusable; start again.
    Expired,
    /// Confirmed: codes are accepted.
    Active,
}

/// The stored form of a TOTP factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpEnrollment {
    /// The factor's TOTP settings.
    pub totp: Totp,
    /// When enrolment began (Unix seconds).
    pub created_at: i64,
    /// Until when it may be confirmed (Unix seconds, exclusive).
    pub expires_at: i64,
    /// When the first code was accepted, or `None` while pending.
    pub confirmed_at: Option<i64>,
    /// The last accepted step (replay protection).
    pub last_used_step: Option<Step>,
}

impl TotpEnrollment {
    /// An already-active factor for a secret imported from another system (PropelAuth
    /// `existing_mfa_base32_encoded_secret`, Stytch `totp/migrate`): the user already
    /// proved possession there.
    #[must_use]
    pub fn imported(totp: Totp, now: OffsetDateTime) -> Self {
        let now = unix_seconds(now);
        Self {
            totp,
            created_at: now,
            expires_at: now,
            confirmed_at: Some(now),
            last_used_step: None,
        }
    }

    /// Pending, expired or active at `now`.
    #[must_use]
    pub fn status(&self, now: OffsetDateTime) -> EnrollmentStatus {
        match self.confirmed_at {
            Some(_) => EnrollmentStatus::Active,
            None if unix_seconds(now) >= self.expires_at => EnrollmentStatus::Expired,
            None => EnrollmentStatus::Pending,
        }
    }

    /// Checks the first code of a pending enrolment and returns its step.
    ///
    /// # Errors
    /// [`Refusal::AlreadyConfirmed`], [`Refusal::Expired`], or the refusals of
    /// [`Totp::verify`].
    pub fn confirm(
        &self,
        secret: &OtpSecret,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<Step, Refusal> {
        match self.status(now) {
            EnrollmentStatus::Active => Err(Refusal::AlreadyConfirmed),
            EnrollmentStatus::Expired => Err(Refusal::Expired),
            EnrollmentStatus::Pending => self.totp.verify(secret, code, now, self.last_used_step),
        }
    }

    /// Checks a code against an active factor and returns the step to store.
    ///
    /// # Errors
    /// [`Refusal::NotConfirmed`] while pending or expired, or the refusals of
    /// [`Totp::verify`].
    pub fn verify(
        &self,
        secret: &OtpSecret,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<Step, Refusal> {
        match self.status(now) {
            EnrollmentStatus::Active => self.totp.verify(secret, code, now, self.last_used_step),
            EnrollmentStatus::Pending | EnrollmentStatus::Expired => Err(Refusal::NotConfirmed),
        }
    }

    /// Records a confirmation (the store's atomic update, for in-memory use); false
    /// if already confirmed.
    pub fn apply_confirmation(&mut self, step: Step, now: OffsetDateTime) -> bool {
        if self.confirmed_at.is_some() {
            return false;
        }
        self.confirmed_at = Some(unix_seconds(now));
        self.last_used_step = Some(step);
        true
    }

    /// Records an accepted step if it is newer than the stored one (the store's
    /// compare-and-set, for in-memory use); false means a replay won the race.
    pub fn apply_step(&mut self, step: Step) -> bool {
        if self.last_used_step.is_some_and(|last| step <= last) {
            return false;
        }
        self.last_used_step = Some(step);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_core::{rand_core::SeedableRng, time::from_unix_seconds};
    use rand_chacha::ChaCha20Rng;

    fn at(s: i64) -> OffsetDateTime {
        from_unix_seconds(s).unwrap()
    }

    #[test]
    fn pending_until_confirmed_then_active() {
        let t0 = 1_700_000_000;
        let start = TotpEnrollments::new()
            .with_expiration_minutes(5)
            .unwrap()
            .begin_with(
                &mut ChaCha20Rng::seed_from_u64(5),
                Some("ACME"),
                "ada",
                at(t0),
            )
            .unwrap();
        let mut rec = start.record;
        assert_eq!(rec.expires_at - rec.created_at, 300);
        let code = rec.totp.generate(&start.secret, at(t0 + 60)).unwrap();
        assert_eq!(
            rec.verify(&start.secret, code.expose_secret(), at(t0 + 60)),
            Err(Refusal::NotConfirmed)
        );
        assert_eq!(
            rec.confirm(&start.secret, "12345", at(t0 + 60)),
            Err(Refusal::Malformed)
        );
        let step = rec
            .confirm(&start.secret, code.expose_secret(), at(t0 + 60))
            .unwrap();
        assert!(rec.apply_confirmation(step, at(t0 + 60)));
        assert!(!rec.apply_confirmation(step, at(t0 + 60)));
        assert_eq!(rec.status(at(t0 + 10_000)), EnrollmentStatus::Active);
        // The confirming code cannot be used again.
        assert_eq!(
            rec.verify(&start.secret, code.expose_secret(), at(t0 + 60)),
            Err(Refusal::Replayed)
        );
        let later = rec.totp.generate(&start.secret, at(t0 + 120)).unwrap();
        let step2 = rec
            .verify(&start.secret, later.expose_secret(), at(t0 + 120))
            .unwrap();
        assert!(rec.apply_step(step2));
        assert!(!rec.apply_step(step2));
        assert!(!rec.apply_step(step));
        assert_eq!(
            rec.confirm(&start.secret, later.expose_secret(), at(t0 + 120)),
            Err(Refusal::AlreadyConfirmed)
        );
        let uri = start.uri.to_uri();
        assert!(
            uri.expose_secret()
                .starts_with("otpauth://totp/ACME:ada?secret=")
        );
    }

    #[test]
    fn unconfirmed_enrolment_expires() {
        let start = TotpEnrollments::new().begin(None, "ada", at(0)).unwrap();
        let rec = start.record;
        assert_eq!(rec.expires_at, 1440 * 60);
        assert_eq!(rec.status(at(1440 * 60 - 1)), EnrollmentStatus::Pending);
        assert_eq!(rec.status(at(1440 * 60)), EnrollmentStatus::Expired);
        let code = rec.totp.generate(&start.secret, at(1440 * 60)).unwrap();
        assert_eq!(
            rec.confirm(&start.secret, code.expose_secret(), at(1440 * 60)),
            Err(Refusal::Expired)
        );
        assert!(TotpEnrollments::new().with_expiration_minutes(4).is_err());
        assert!(
            TotpEnrollments::new()
                .with_expiration_minutes(1441)
                .is_err()
        );
        // A `Default` value behaves as `new`.
        let d = TotpEnrollments::default().begin(None, "x", at(0)).unwrap();
        assert_eq!(d.record.expires_at, 1440 * 60);
    }

    #[test]
    fn imported_factor_is_active_and_serialises() {
        let rec = TotpEnrollment::imported(Totp::new(), at(100));
        assert_eq!(rec.status(at(100)), EnrollmentStatus::Active);
        let json = serde_json::to_string(&rec).unwrap();
        let back: TotpEnrollment = serde_json::from_str(&json).unwrap();
        assert_eq!(back, rec);
    }
}
