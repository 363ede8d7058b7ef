//! TOTP as a second factor: enrolment (pending until the first code), sign-in with a
//! code or a recovery code, recovery-code regeneration, and removal.
//!
//! Configured with [`crate::flows::Builder::second_factor`]. The seed is sealed
//! ([`crate::sealed`]) in the account; the replay guard (last accepted step) is the
//! store's [`TotpStepStore`](portcullis_store::TotpStepStore), moved only upward in
//! one atomic operation, so two requests with the same code cannot both pass. Recovery
//! codes are stored as digests ([`portcullis_otp::RecoveryCodeSet`]) and consumed
//! atomically. A wrong code counts towards the login's lock like a wrong password, so a
//! 6-digit code cannot be guessed across many pending sessions.

use portcullis_core::{CryptoRng, Duration, OffsetDateTime, SecretString};
use portcullis_otp::{
    EnrollmentStatus, GrantKind, GrantRecord, GrantUse, KeyRing, KeyUri, OtpSecret, RecoveryCodes,
    Refusal, SecretPolicy, StepUp, TotpEnrollments,
};
use portcullis_session::{AuthenticationFactor, FactorType, TerminationReason};
use portcullis_store::{Store, StoreError};

use crate::accounts::{Account, TotpFactor};
use crate::audit::AuditEvent;
use crate::flows::{AccountError, LoginError, Portcullis};
use crate::sealed::SealingKey;
use crate::sessions::Issued;

/// What the second-factor flows need.
#[derive(Debug)]
pub struct SecondFactorConfig {
    /// The issuer shown in authenticator apps (`otpauth://totp/Issuer:login`).
    pub issuer: String,
    /// Seals TOTP seeds in the accounts table.
    pub sealing_key: SealingKey,
    /// Server keys for recovery-code digests that need one (the `Long` format).
    pub recovery_keys: KeyRing,
    /// Enrolment settings (TOTP parameters, how long a pending enrolment lives).
    pub enrollments: TotpEnrollments,
    /// Recovery-code settings (count, format).
    pub recovery_codes: RecoveryCodes,
}

/// A TOTP enrolment just begun: show the URI (as a QR code) once.
#[derive(Debug)]
pub struct TotpStarted {
    /// The `otpauth://` URI, which contains the seed (`uri.to_uri()`; with the `qr`
    /// feature, `portcullis::otp::qr::svg(&uri)` draws it).
    pub uri: KeyUri,
    /// The seed in base32, for manual entry.
    pub secret: SecretString,
    /// Until when the first code must arrive.
    pub expires_at: OffsetDateTime,
}

impl<S: Store> Portcullis<S> {
    fn second_factor(&self) -> Result<&SecondFactorConfig, AccountError> {
        self.second_factor
            .as_deref()
            .ok_or(AccountError::NotConfigured("second_factor"))
    }

    /// Begins a TOTP enrolment for `login` (replacing a pending one). The factor is
    /// not used at sign-in until [`Portcullis::confirm_totp`] accepts its first code.
    ///
    /// # Errors
    /// [`AccountError::Unknown`]; [`AccountError::SecondFactor`] with
    /// [`Refusal::AlreadyConfirmed`] when an active factor exists; a store failure.
    pub async fn enroll_totp<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        login: &str,
        now: OffsetDateTime,
    ) -> Result<TotpStarted, AccountError> {
        let config = self.second_factor()?;
        let account = self.account(login).await?;
        if account.second_factor_required(now) {
            return Err(AccountError::SecondFactor(Refusal::AlreadyConfirmed));
        }
        let start = config
            .enrollments
            .begin_with(rng, Some(&config.issuer), &account.login, now)
            .map_err(AccountError::Otp)?;
        let secret = start.secret.to_base32();
        let sealed = config
            .sealing_key
            .seal(secret.expose_secret().as_bytes(), &account.login)
            .map_err(AccountError::Seal)?;
        let expires_at = portcullis_core::time::from_unix_seconds(start.record.expires_at)
            .map_err(|_| AccountError::NotConfigured("enrollment expiry"))?;
        self.replace_account(&account, |a| {
            a.totp = Some(TotpFactor {
                enrollment: start.record,
                sealed_secret: sealed,
            });
        })
        .await?;
        Ok(TotpStarted {
            uri: start.uri,
            secret,
            expires_at,
        })
    }

    /// Stores a TOTP secret brought from another system (PropelAuth `migrate_user`'s
    /// `existing_mfa_base32_encoded_secret`, a Stytch TOTP migration) as an active
    /// factor: the user's authenticator app keeps working and sign-in asks for its code.
    /// Secrets shorter than 128 bits are accepted only with `allow_short_legacy`.
    ///
    /// # Errors
    /// [`AccountError::Otp`] for a secret that is not base32 or too short;
    /// [`AccountError::Unknown`]; a store failure.
    pub async fn import_totp(
        &self,
        login: &str,
        base32_secret: &str,
        allow_short_legacy: bool,
        now: OffsetDateTime,
    ) -> Result<(), AccountError> {
        let config = self.second_factor()?;
        let policy = if allow_short_legacy {
            SecretPolicy::DangerAllowLegacy
        } else {
            SecretPolicy::Standard
        };
        let secret = OtpSecret::from_base32(base32_secret, policy).map_err(AccountError::Otp)?;
        let account = self.account(login).await?;
        let sealed = config
            .sealing_key
            .seal(
                secret.to_base32().expose_secret().as_bytes(),
                &account.login,
            )
            .map_err(AccountError::Seal)?;
        let totp = *config.enrollments.totp();
        self.replace_account(&account, |a| {
            a.totp = Some(TotpFactor {
                enrollment: portcullis_otp::TotpEnrollment::imported(totp, now),
                sealed_secret: sealed,
            });
        })
        .await?;
        self.emit(AuditEvent::SecondFactorChanged {
            user_id: account.user_id.clone(),
            change: "totp_imported",
        });
        Ok(())
    }

    /// Verifies a TOTP code of the signed-in user and issues a step-up grant for one
    /// sensitive action (PropelAuth `mfa/step-up/verify-totp`): a bearer token bound to
    /// `(user, action)`, living `valid_for_seconds`, reusable or one-time.
    ///
    /// # Errors
    /// [`AccountError::SecondFactor`] for a wrong or replayed code, or no active
    /// factor; a bad request ([`AccountError::Otp`]); a store failure.
    pub async fn step_up_grant(
        &self,
        login: &str,
        code: &str,
        action_type: &str,
        kind: GrantKind,
        valid_for_seconds: u32,
        now: OffsetDateTime,
    ) -> Result<SecretString, AccountError> {
        let config = self.second_factor()?;
        let account = self.account(login).await?;
        let Some(factor) = account
            .totp
            .as_ref()
            .filter(|_| account.second_factor_required(now))
        else {
            return Err(AccountError::SecondFactor(Refusal::NotConfirmed));
        };
        let request = StepUp::new(&account.user_id, action_type, kind, valid_for_seconds)
            .map_err(AccountError::Otp)?;
        let secret = self.open_seed(config, &account, factor)?;
        let last = self.store.last_step(&account.user_id).await?;
        let (step, grant) = request
            .after_totp(&factor.enrollment.totp, &secret, code, now, last)
            .map_err(AccountError::SecondFactor)?;
        if !self
            .store
            .advance_step(&account.user_id, step, now + window(factor))
            .await?
        {
            return Err(AccountError::SecondFactor(Refusal::Replayed));
        }
        self.store.put(&grant.record).await?;
        Ok(grant.token)
    }

    /// Checks a step-up grant for `user_id` and `action_type` (PropelAuth
    /// `verify-grant`); a one-time grant is consumed atomically.
    ///
    /// # Errors
    /// [`AccountError::SecondFactor`] for an unknown, foreign, expired or used grant; a
    /// store failure.
    pub async fn use_step_up_grant(
        &self,
        token: &str,
        user_id: &str,
        action_type: &str,
        now: OffsetDateTime,
    ) -> Result<(), AccountError> {
        let key = portcullis_otp::stepup::grant_digest(token);
        let record = match self.store.peek::<GrantRecord>(&key, now).await {
            Ok(record) => record,
            Err(StoreError::NotFound) => {
                return Err(AccountError::SecondFactor(Refusal::WrongCode));
            }
            Err(StoreError::Expired) => return Err(AccountError::SecondFactor(Refusal::Expired)),
            Err(StoreError::AlreadyUsed) => {
                return Err(AccountError::SecondFactor(Refusal::AlreadyUsed));
            }
            Err(other) => return Err(other.into()),
        };
        match record
            .verify(token, user_id, action_type, now)
            .map_err(AccountError::SecondFactor)?
        {
            GrantUse::Reusable => Ok(()),
            GrantUse::ConsumeOnce => match self.store.consume::<GrantRecord>(&key, now).await {
                Ok(_) => Ok(()),
                Err(StoreError::AlreadyUsed) => {
                    Err(AccountError::SecondFactor(Refusal::AlreadyUsed))
                }
                Err(other) => Err(other.into()),
            },
        }
    }

    /// Confirms a pending enrolment with the first code from the user's app, and
    /// returns a fresh set of recovery codes to show once.
    ///
    /// # Errors
    /// [`AccountError::SecondFactor`] for a wrong, replayed or malformed code, an
    /// expired enrolment, or none pending; a store failure.
    pub async fn confirm_totp(
        &self,
        login: &str,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<SecretString>, AccountError> {
        let config = self.second_factor()?;
        let account = self.account(login).await?;
        let Some(factor) = &account.totp else {
            return Err(AccountError::SecondFactor(Refusal::NotConfirmed));
        };
        let secret = self.open_seed(config, &account, factor)?;
        let step = factor
            .enrollment
            .confirm(&secret, code, now)
            .map_err(AccountError::SecondFactor)?;
        let keep = now + window(factor);
        if !self
            .store
            .advance_step(&account.user_id, step, keep)
            .await?
        {
            return Err(AccountError::SecondFactor(Refusal::Replayed));
        }
        let issued = config
            .recovery_codes
            .generate(&config.recovery_keys, now)
            .map_err(AccountError::Otp)?;
        self.store
            .replace_codes(&account.user_id, &issued.set)
            .await?;
        self.replace_account(&account, |a| {
            if let Some(t) = &mut a.totp {
                t.enrollment.apply_confirmation(step, now);
            }
        })
        .await?;
        self.emit(AuditEvent::SecondFactorChanged {
            user_id: account.user_id.clone(),
            change: "totp_confirmed",
        });
        Ok(issued.codes)
    }

    /// Completes a sign-in that waits for its second factor with a TOTP code; the
    /// session moves to a new token.
    ///
    /// # Errors
    /// [`LoginError::SecondFactor`] for a wrong, replayed or malformed code (counted
    /// towards the lock); [`LoginError::Locked`]; the session's refusals.
    pub async fn complete_totp<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        pending_token: &str,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<Issued, LoginError> {
        let (account, config) = self.pending_account(pending_token, now).await?;
        let Some(factor) = account
            .totp
            .as_ref()
            .filter(|_| account.second_factor_required(now))
        else {
            return Err(LoginError::SecondFactor(Refusal::NotConfirmed));
        };
        let secret = self
            .open_seed(config, &account, factor)
            .map_err(|_| LoginError::SecondFactor(Refusal::Unverifiable))?;
        let mut enrollment = factor.enrollment.clone();
        enrollment.last_used_step = self
            .store
            .last_step(&account.user_id)
            .await
            .map_err(LoginError::Store)?;
        let step = match enrollment.verify(&secret, code, now) {
            Ok(step) => step,
            Err(refusal) => return Err(self.second_factor_failure(&account, refusal, now).await),
        };
        let keep = now + window(factor);
        if !self
            .store
            .advance_step(&account.user_id, step, keep)
            .await
            .map_err(LoginError::Store)?
        {
            return Err(LoginError::SecondFactor(Refusal::Replayed));
        }
        self.finish_second_factor(rng, pending_token, &account, FactorType::Totp, now)
            .await
    }

    /// Completes a pending sign-in with a recovery code (each works once).
    ///
    /// # Errors
    /// As [`Portcullis::complete_totp`]; [`Refusal::AlreadyUsed`] for a used code.
    pub async fn complete_recovery<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        pending_token: &str,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<Issued, LoginError> {
        let (account, config) = self.pending_account(pending_token, now).await?;
        let set = match self.store.get_codes(&account.user_id).await {
            Ok(set) => set,
            Err(StoreError::NotFound) => {
                return Err(LoginError::SecondFactor(Refusal::WrongCode));
            }
            Err(other) => return Err(LoginError::Store(other)),
        };
        let found = match set.redeem(code, &config.recovery_keys) {
            Ok(found) => found,
            Err(refusal) => return Err(self.second_factor_failure(&account, refusal, now).await),
        };
        match self
            .store
            .consume_code(&account.user_id, &found.digest, now)
            .await
        {
            Ok(_) => {}
            Err(StoreError::AlreadyUsed) => {
                return Err(LoginError::SecondFactor(Refusal::AlreadyUsed));
            }
            Err(other) => return Err(LoginError::Store(other)),
        }
        self.finish_second_factor(rng, pending_token, &account, FactorType::RecoveryCode, now)
            .await
    }

    /// Replaces the user's recovery codes with a fresh set (Auth0's regeneration); the
    /// old codes stop working at once.
    ///
    /// # Errors
    /// [`AccountError::SecondFactor`] when no TOTP factor is active; a store failure.
    pub async fn regenerate_recovery_codes(
        &self,
        login: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<SecretString>, AccountError> {
        let config = self.second_factor()?;
        let account = self.account(login).await?;
        if !account.second_factor_required(now) {
            return Err(AccountError::SecondFactor(Refusal::NotConfirmed));
        }
        let issued = config
            .recovery_codes
            .generate(&config.recovery_keys, now)
            .map_err(AccountError::Otp)?;
        self.store
            .replace_codes(&account.user_id, &issued.set)
            .await?;
        self.emit(AuditEvent::SecondFactorChanged {
            user_id: account.user_id.clone(),
            change: "recovery_codes_regenerated",
        });
        Ok(issued.codes)
    }

    /// Removes the TOTP factor and the recovery codes (PropelAuth `disable_2fa`), and
    /// ends the user's other sessions unless `preserve_existing_sessions`.
    ///
    /// # Errors
    /// [`AccountError::Unknown`]; a store failure.
    pub async fn disable_totp(
        &self,
        login: &str,
        keep_session: Option<&str>,
        preserve_existing_sessions: bool,
        now: OffsetDateTime,
    ) -> Result<(), AccountError> {
        let account = self.account(login).await?;
        self.replace_account(&account, |a| a.totp = None).await?;
        self.store.delete_codes(&account.user_id).await?;
        self.emit(AuditEvent::SecondFactorChanged {
            user_id: account.user_id.clone(),
            change: "totp_removed",
        });
        if portcullis_session::lifecycle::credential_change_ends_other_sessions(
            preserve_existing_sessions,
        ) {
            self.sessions
                .revoke_all(
                    &account.user_id,
                    keep_session,
                    now,
                    TerminationReason::SecondFactorRemoved,
                )
                .await
                .map_err(AccountError::Session)?;
        }
        Ok(())
    }

    /// The account of a session waiting for its second factor, with the TOTP settings.
    async fn pending_account(
        &self,
        pending_token: &str,
        now: OffsetDateTime,
    ) -> Result<(Account, &SecondFactorConfig), LoginError> {
        let config = self
            .second_factor
            .as_deref()
            .ok_or(LoginError::SecondFactor(Refusal::NotConfirmed))?;
        Ok((
            self.pending_session_account(pending_token, now).await?,
            config,
        ))
    }

    /// The account of a session waiting for its second factor, refused when the session
    /// is not pending or the login is locked. Judged before any code, so a code is
    /// never spent on a session that cannot take it.
    pub(crate) async fn pending_session_account(
        &self,
        pending_token: &str,
        now: OffsetDateTime,
    ) -> Result<Account, LoginError> {
        let session = self
            .sessions
            .find_by_token(pending_token)
            .await
            .map_err(LoginError::Session)?;
        if session.stage != portcullis_session::Stage::PendingSecondFactor {
            return Err(LoginError::Session(
                portcullis_session::SessionError::NotPending.into(),
            ));
        }
        let account = self
            .account_of_user(&session.user_id, now)
            .await
            .map_err(|_| LoginError::InvalidCredentials)?;
        if let Some(until) = self.locked_until(&account.login, now).await? {
            return Err(LoginError::Locked { until });
        }
        Ok(account)
    }

    /// Counts a wrong second-factor code towards the login's lock, as a wrong password.
    pub(crate) async fn second_factor_failure(
        &self,
        account: &Account,
        refusal: Refusal,
        now: OffsetDateTime,
    ) -> LoginError {
        let refused = match self.count_failure(&account.login, now).await {
            LoginError::InvalidCredentials => LoginError::SecondFactor(refusal),
            other => other,
        };
        self.emit_refusal(&account.login, &refused);
        refused
    }

    async fn finish_second_factor<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        pending_token: &str,
        account: &Account,
        kind: FactorType,
        now: OffsetDateTime,
    ) -> Result<Issued, LoginError> {
        self.store
            .reset(&crate::flows::failures_key(&account.login))
            .await
            .map_err(LoginError::Store)?;
        self.emit(AuditEvent::SecondFactorCompleted {
            user_id: account.user_id.clone(),
            factor: if kind == FactorType::Totp {
                "totp"
            } else {
                "recovery_code"
            },
        });
        self.sessions
            .complete_second_factor(
                rng,
                pending_token,
                AuthenticationFactor::new(kind, now),
                now,
                None,
            )
            .await
            .map_err(LoginError::Session)
    }

    fn open_seed(
        &self,
        config: &SecondFactorConfig,
        account: &Account,
        factor: &TotpFactor,
    ) -> Result<OtpSecret, AccountError> {
        let base32 = config
            .sealing_key
            .open(&factor.sealed_secret, &account.login)
            .map_err(AccountError::Seal)?;
        OtpSecret::from_base32(base32.expose_secret(), SecretPolicy::DangerAllowLegacy)
            .map_err(AccountError::Otp)
    }

    /// Whether the account's TOTP factor is pending, active or absent at `now`.
    ///
    /// # Errors
    /// [`AccountError::Unknown`]; a store failure.
    pub async fn totp_status(
        &self,
        login: &str,
        now: OffsetDateTime,
    ) -> Result<Option<EnrollmentStatus>, AccountError> {
        Ok(self
            .account(login)
            .await?
            .totp
            .map(|t| t.enrollment.status(now)))
    }
}

/// How long a step stays inside the verification window (the replay guard's life).
fn window(factor: &TotpFactor) -> Duration {
    let totp = &factor.enrollment.totp;
    Duration::seconds(i64::from(totp.period()) * (2 * i64::from(totp.window()) + 2))
}
