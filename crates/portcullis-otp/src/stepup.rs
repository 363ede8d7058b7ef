//! Step-up grants: proof, for a short time, that a user just passed a second factor,
//! bound to one sensitive action (PropelAuth's `mfa/step-up/verify-totp` and
//! `verify-grant`).
//!
//! A grant is issued only together with a successful verification, by
//! [`StepUp::after_totp`] or [`StepUp::after_recovery_code`]; there is no way to issue
//! one without it. It is bound to `(user_id, action_type)`, lives `valid_for_seconds`
//! (1 to 3600), and is either `TIME_BASED` (any number of uses inside its lifetime) or
//! `ONE_TIME_USE`. The token is 48 random bytes as 96 hex characters (PropelAuth's
//! shape); it is a bearer secret of 384 bits, so a SHA-256 digest is what the record
//! keeps (DESIGN principle 4), and a store looks the record up by that digest.
//!
//! Using a one-time grant is one atomic store operation: `UPDATE ... SET used_at =
//! :now WHERE digest = :digest AND used_at IS NULL`, after
//! [`GrantRecord::verify`] returned [`GrantUse::ConsumeOnce`].

use portcullis_core::{
    CryptoRng, Duration, Hex, OffsetDateTime, OsRng, SecretString, TokenEncoding, ct_eq, random,
    time::unix_seconds,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{OtpError, Refusal};
use crate::keys::KeyRing;
use crate::recovery::{RecoveryCodeSet, RecoveryMatch};
use crate::secret::OtpSecret;
use crate::totp::{Step, Totp, bounded};

const VALID_FOR_BOUNDS: (u32, u32) = (1, 3600);
/// Random bytes in a grant token.
pub const GRANT_BYTES: usize = 48;
/// Longest user id or action type, in bytes.
pub const MAX_SUBJECT_LEN: usize = 256;

/// Whether a grant can be used more than once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GrantKind {
    /// Reusable until it expires.
    TimeBased,
    /// Good for one use.
    OneTimeUse,
}

/// The request for a grant: who, for what, how long, what kind.
///
/// ```
/// use portcullis_core::time::from_unix_seconds;
/// use portcullis_otp::{GrantKind, GrantUse, OtpSecret, SecretPolicy, StepUp, Totp};
///
/// let secret = OtpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", SecretPolicy::Standard)?;
/// let now = from_unix_seconds(1_111_111_109)?;
/// let request = StepUp::new("user-1", "SENSITIVE_ACTION", GrantKind::TimeBased, 60)?;
///
/// let (step, grant) = request.after_totp(&Totp::new(), &secret, "081804", now, None).unwrap();
/// // Store `step` as the TOTP's last used step and `grant.record`; give `grant.token` to the client.
/// let use_ = grant.record.verify(grant.token.expose_secret(), "user-1", "SENSITIVE_ACTION", now);
/// assert_eq!(use_, Ok(GrantUse::Reusable));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepUp {
    user_id: String,
    action_type: String,
    kind: GrantKind,
    valid_for_seconds: u32,
}

/// A new grant: the token for the client, and the record to store.
#[derive(Debug)]
pub struct IssuedGrant {
    /// The bearer token (96 hex characters). Never store it.
    pub token: SecretString,
    /// What to store.
    pub record: GrantRecord,
}

impl StepUp {
    /// A grant request. `user_id` and `action_type` are 1 to 256 bytes without control
    /// characters; `valid_for_seconds` is 1 to 3600.
    ///
    /// # Errors
    /// [`OtpError::InvalidField`] or [`OtpError::OutOfBounds`].
    pub fn new(
        user_id: &str,
        action_type: &str,
        kind: GrantKind,
        valid_for_seconds: u32,
    ) -> Result<Self, OtpError> {
        Ok(Self {
            user_id: subject(user_id, "user_id")?,
            action_type: subject(action_type, "action_type")?,
            kind,
            valid_for_seconds: bounded("valid_for_seconds", valid_for_seconds, VALID_FOR_BOUNDS)?,
        })
    }

    /// Verifies a TOTP code (as [`Totp::verify`]) and, if it is accepted, issues the
    /// grant. Returns the accepted step, to be stored as the last used step, with it.
    ///
    /// # Errors
    /// The refusals of [`Totp::verify`].
    pub fn after_totp(
        &self,
        totp: &Totp,
        secret: &OtpSecret,
        code: &str,
        now: OffsetDateTime,
        last_used_step: Option<Step>,
    ) -> Result<(Step, IssuedGrant), Refusal> {
        self.after_totp_with(&mut OsRng, totp, secret, code, now, last_used_step)
    }

    /// [`after_totp`](Self::after_totp) drawing the token from `rng`.
    ///
    /// # Errors
    /// As [`after_totp`](Self::after_totp).
    pub fn after_totp_with<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        totp: &Totp,
        secret: &OtpSecret,
        code: &str,
        now: OffsetDateTime,
        last_used_step: Option<Step>,
    ) -> Result<(Step, IssuedGrant), Refusal> {
        let step = totp.verify(secret, code, now, last_used_step)?;
        Ok((step, self.issue(rng, now)))
    }

    /// Redeems a recovery code (as [`RecoveryCodeSet::redeem`]) and, if it matches,
    /// issues the grant. The match says which code to mark used.
    ///
    /// # Errors
    /// The refusals of [`RecoveryCodeSet::redeem`].
    pub fn after_recovery_code(
        &self,
        set: &RecoveryCodeSet,
        code: &str,
        keys: &KeyRing,
        now: OffsetDateTime,
    ) -> Result<(RecoveryMatch, IssuedGrant), Refusal> {
        self.after_recovery_code_with(&mut OsRng, set, code, keys, now)
    }

    /// [`after_recovery_code`](Self::after_recovery_code) drawing the token from `rng`.
    ///
    /// # Errors
    /// As [`after_recovery_code`](Self::after_recovery_code).
    pub fn after_recovery_code_with<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        set: &RecoveryCodeSet,
        code: &str,
        keys: &KeyRing,
        now: OffsetDateTime,
    ) -> Result<(RecoveryMatch, IssuedGrant), Refusal> {
        let found = set.redeem(code, keys)?;
        Ok((found, self.issue(rng, now)))
    }

    fn issue<R: CryptoRng + ?Sized>(&self, rng: &mut R, now: OffsetDateTime) -> IssuedGrant {
        let token = random::token_with(rng, GRANT_BYTES, TokenEncoding::Hex);
        let expires_at = now.saturating_add(Duration::seconds(i64::from(self.valid_for_seconds)));
        IssuedGrant {
            record: GrantRecord {
                digest: grant_digest(token.expose_secret()),
                user_id: self.user_id.clone(),
                action_type: self.action_type.clone(),
                kind: self.kind,
                issued_at: unix_seconds(now),
                expires_at: unix_seconds(expires_at),
                used_at: None,
            },
            token,
        }
    }
}

/// The SHA-256 digest of a grant token, lower-case hex: the key a store looks grants
/// up by.
#[must_use]
pub fn grant_digest(token: &str) -> String {
    Hex::Lower.encode(&Sha256::digest(token.as_bytes()))
}

fn subject(value: &str, what: &'static str) -> Result<String, OtpError> {
    if value.is_empty() || value.len() > MAX_SUBJECT_LEN || value.chars().any(char::is_control) {
        return Err(OtpError::InvalidField(what));
    }
    Ok(value.to_owned())
}

/// What a store must do after a grant verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantUse {
    /// A `TIME_BASED` grant: nothing to write.
    Reusable,
    /// A `ONE_TIME_USE` grant: mark it used atomically, refusing if that updates
    /// nothing.
    ConsumeOnce,
}

/// The stored form of a grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRecord {
    /// SHA-256 of the token, lower-case hex.
    pub digest: String,
    /// The user it was issued to.
    pub user_id: String,
    /// The action it allows.
    pub action_type: String,
    /// Reusable or one-time.
    pub kind: GrantKind,
    /// Issue time (Unix seconds).
    pub issued_at: i64,
    /// First instant it is no longer valid (Unix seconds).
    pub expires_at: i64,
    /// When a one-time grant was used (Unix seconds).
    pub used_at: Option<i64>,
}

impl GrantRecord {
    /// Checks a presented `token` for `user_id` and `action_type` at `now`.
    ///
    /// # Errors
    /// [`Refusal::WrongCode`] for a token that is not this grant's,
    /// [`Refusal::WrongSubject`], [`Refusal::Expired`], [`Refusal::AlreadyUsed`].
    pub fn verify(
        &self,
        token: &str,
        user_id: &str,
        action_type: &str,
        now: OffsetDateTime,
    ) -> Result<GrantUse, Refusal> {
        if !ct_eq(grant_digest(token).as_bytes(), self.digest.as_bytes()) {
            return Err(Refusal::WrongCode);
        }
        if self.user_id != user_id || self.action_type != action_type {
            return Err(Refusal::WrongSubject);
        }
        if unix_seconds(now) >= self.expires_at {
            return Err(Refusal::Expired);
        }
        match self.kind {
            GrantKind::TimeBased => Ok(GrantUse::Reusable),
            GrantKind::OneTimeUse if self.used_at.is_some() => Err(Refusal::AlreadyUsed),
            GrantKind::OneTimeUse => Ok(GrantUse::ConsumeOnce),
        }
    }

    /// Marks a one-time grant used; false if it already was (the store's atomic
    /// consume).
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
    use crate::recovery::{RecoveryCodes, RecoveryFormat};
    use crate::secret::SecretPolicy;
    use portcullis_core::{SecretBytes, time::from_unix_seconds};

    fn at(s: i64) -> OffsetDateTime {
        from_unix_seconds(s).unwrap()
    }

    fn secret() -> OtpSecret {
        OtpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", SecretPolicy::Standard).unwrap()
    }

    #[test]
    fn one_time_grant_binds_user_action_and_expiry() {
        let req = StepUp::new("u1", "DELETE_ACCOUNT", GrantKind::OneTimeUse, 60).unwrap();
        let now = at(1_111_111_109);
        assert_eq!(
            req.after_totp(&Totp::new(), &secret(), "000000", now, None)
                .map(|_| ()),
            Err(Refusal::WrongCode)
        );
        let (step, grant) = req
            .after_totp(&Totp::new(), &secret(), "081804", now, None)
            .unwrap();
        assert_eq!(step, Step(37_037_036));
        let token = grant.token.expose_secret();
        assert_eq!(token.len(), 96);
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
        let mut record = grant.record;
        assert_eq!(record.digest, grant_digest(token));
        assert_eq!(record.expires_at - record.issued_at, 60);
        assert_eq!(
            record.verify(token, "u2", "DELETE_ACCOUNT", now),
            Err(Refusal::WrongSubject)
        );
        assert_eq!(
            record.verify(token, "u1", "OTHER", now),
            Err(Refusal::WrongSubject)
        );
        assert_eq!(
            record.verify(&"0".repeat(96), "u1", "DELETE_ACCOUNT", now),
            Err(Refusal::WrongCode)
        );
        assert_eq!(
            record.verify(token, "u1", "DELETE_ACCOUNT", at(1_111_111_109 + 60)),
            Err(Refusal::Expired)
        );
        assert_eq!(
            record.verify(token, "u1", "DELETE_ACCOUNT", now),
            Ok(GrantUse::ConsumeOnce)
        );
        assert!(record.mark_used(now));
        assert!(!record.mark_used(now));
        assert_eq!(
            record.verify(token, "u1", "DELETE_ACCOUNT", now),
            Err(Refusal::AlreadyUsed)
        );
        // The replayed TOTP cannot mint a second grant.
        assert!(matches!(
            req.after_totp(&Totp::new(), &secret(), "081804", now, Some(step)),
            Err(Refusal::Replayed)
        ));
    }

    #[test]
    fn time_based_grant_after_a_recovery_code() {
        let keys = KeyRing::new(vec![
            ServerKey::new("k", SecretBytes::from(vec![1u8; 32])).unwrap(),
        ])
        .unwrap();
        let issued = RecoveryCodes::new()
            .with_format(RecoveryFormat::Long)
            .generate(&keys, at(0))
            .unwrap();
        let req = StepUp::new("u1", "EXPORT", GrantKind::TimeBased, 3600).unwrap();
        let (found, grant) = req
            .after_recovery_code(&issued.set, issued.codes[0].expose_secret(), &keys, at(10))
            .unwrap();
        assert_eq!(found.remaining, 9);
        for _ in 0..3 {
            assert_eq!(
                grant
                    .record
                    .verify(grant.token.expose_secret(), "u1", "EXPORT", at(20)),
                Ok(GrantUse::Reusable)
            );
        }
        let json = serde_json::to_value(&grant.record).unwrap();
        assert_eq!(json["kind"], "TIME_BASED");
    }

    #[test]
    fn request_bounds() {
        assert!(StepUp::new("", "A", GrantKind::TimeBased, 60).is_err());
        assert!(StepUp::new("u", "", GrantKind::TimeBased, 60).is_err());
        assert!(StepUp::new("u", "A\n", GrantKind::TimeBased, 60).is_err());
        assert!(StepUp::new("u", "A", GrantKind::TimeBased, 0).is_err());
        assert!(StepUp::new("u", "A", GrantKind::TimeBased, 3601).is_err());
    }
}
