//! One-time passcodes by email, SMS or WhatsApp: send (a resend replaces the
//! outstanding code), then authenticate with an attempt limit, as a sign-in of its own
//! (login or create, the address being the login) or as the second factor of a pending
//! session.
//!
//! Each step is one atomic store operation: the attempt is counted before the code is
//! judged (so parallel guesses each spend one), and a right code is consumed once.
//! Codes are kept as HMACs under the configured key ring, never in the clear.

use portcullis_core::{CryptoRng, OffsetDateTime};
use portcullis_otp::{Destination, KeyRing, PasscodeRecord, Passcodes, Refusal};
use portcullis_session::{AuthenticationFactor, FactorType, NewSession};
use portcullis_store::{Store, StoreError};

use crate::accounts::{Account, normalize_login};
use crate::email::{EmailFlowError, Message, Sender};
use crate::flows::{AccountError, LoginError, Portcullis};
use crate::sessions::Issued;

/// Passcode settings and the server keys their digests are made under.
#[derive(Debug, Clone)]
pub struct PasscodeConfig {
    /// Digits, lifetime, attempt limit.
    pub passcodes: Passcodes,
    /// HMAC keys for the stored digests (newest issues, all verify).
    pub keys: KeyRing,
}

fn factor_of(to: &Destination) -> FactorType {
    match to {
        Destination::Email(_) => FactorType::EmailOtp,
        Destination::Sms(_) => FactorType::SmsOtp,
        Destination::Whatsapp(_) => FactorType::WhatsappOtp,
    }
}

impl<S: Store> Portcullis<S> {
    fn passcode_config(&self) -> Result<&PasscodeConfig, AccountError> {
        self.passcodes
            .as_deref()
            .ok_or(AccountError::NotConfigured("passcodes"))
    }

    /// Sends a new code to `to`, replacing any outstanding one.
    ///
    /// # Errors
    /// [`AccountError::NotConfigured`]; a store or sender failure.
    pub async fn send_passcode<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        sender: &impl Sender,
        to: Destination,
        now: OffsetDateTime,
    ) -> Result<(), EmailFlowError> {
        let config = self.passcode_config()?;
        let issued = config
            .passcodes
            .issue_with(rng, to.clone(), &config.keys, now);
        self.store.put(&issued.record).await?;
        let expires_at = portcullis_core::time::from_unix_seconds(issued.record.expires_at)
            .map_err(|_| AccountError::NotConfigured("passcode expiry"))?;
        sender
            .send(Message::Passcode {
                to,
                code: issued.code,
                expires_at,
            })
            .await
            .map_err(EmailFlowError::Send)
    }

    /// Checks a code sent to `to` and consumes it.
    async fn check_passcode(
        &self,
        to: &Destination,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<(), LoginError> {
        let config = self
            .passcodes
            .as_deref()
            .ok_or(LoginError::SecondFactor(Refusal::NotConfirmed))?;
        let key = format!("{}:{}", to.channel(), to.address());
        let record = match self.store.count_attempt::<PasscodeRecord>(&key, now).await {
            Ok(record) => record,
            Err(StoreError::NotFound) => {
                let _ = config.passcodes.dummy_verify(code, to, &config.keys);
                return Err(LoginError::SecondFactor(Refusal::WrongCode));
            }
            Err(StoreError::TooManyAttempts) => {
                return Err(LoginError::SecondFactor(Refusal::AttemptsExhausted));
            }
            Err(StoreError::Expired) => return Err(LoginError::SecondFactor(Refusal::Expired)),
            Err(StoreError::AlreadyUsed) => {
                return Err(LoginError::SecondFactor(Refusal::AlreadyUsed));
            }
            Err(other) => return Err(LoginError::Store(other)),
        };
        record
            .verify(code, to, &config.keys, now)
            .map_err(LoginError::SecondFactor)?;
        match self.store.consume::<PasscodeRecord>(&key, now).await {
            Ok(_) => Ok(()),
            Err(StoreError::AlreadyUsed) => Err(LoginError::SecondFactor(Refusal::AlreadyUsed)),
            Err(other) => Err(LoginError::Store(other)),
        }
    }

    /// Signs in with a code sent to `to`: the address (or number) is the login, and an
    /// account is created on first use (`user_id_for` names the new user).
    ///
    /// # Errors
    /// [`LoginError::SecondFactor`] for a wrong, used, expired or exhausted code;
    /// [`LoginError::Locked`]; [`LoginError::Disabled`]; a store failure.
    pub async fn login_passcode<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        to: &Destination,
        code: &str,
        user_id_for: impl FnOnce(&str) -> String,
        now: OffsetDateTime,
    ) -> Result<Issued, LoginError> {
        let login = normalize_login(to.address());
        if let Some(until) = self.locked_until(&login, now).await? {
            return Err(LoginError::Locked { until });
        }
        if let Err(refusal) = self.check_passcode(to, code, now).await {
            let refusal = match self.count_failure(&login, now).await {
                LoginError::Locked { until } => LoginError::Locked { until },
                _ => refusal,
            };
            self.emit_refusal(&login, &refusal);
            return Err(refusal);
        }
        let account = match self.account(&login).await {
            Ok(account) => account,
            Err(AccountError::Unknown) => {
                let account = Account::new(&login, user_id_for(&login), None, now);
                match self.store.create_credential(&account).await {
                    Ok(()) => account,
                    Err(StoreError::Conflict) => self
                        .account(&login)
                        .await
                        .map_err(|_| LoginError::InvalidCredentials)?,
                    Err(other) => return Err(LoginError::Store(other)),
                }
            }
            Err(AccountError::Store(e)) => return Err(LoginError::Store(e)),
            Err(_) => return Err(LoginError::InvalidCredentials),
        };
        if account.disabled.is_some() {
            return Err(LoginError::Disabled);
        }
        let mut new = NewSession::new(
            account.user_id.clone(),
            AuthenticationFactor::new(factor_of(to), now),
        );
        new.second_factor_required = account.second_factor_required(now);
        self.sessions
            .start(rng, new, now)
            .await
            .map_err(LoginError::Session)
    }

    /// Completes a session waiting for its second factor with a code sent to `to`
    /// (Riskalyze's SMS / EMAIL two-factor methods).
    ///
    /// `to` must be the destination on the user's record, never one taken from the
    /// request: the code proves possession of `to`, and only the record makes that the
    /// user's second factor. A session that is not pending, or a locked login, is
    /// refused before the code is looked at; a wrong code counts towards the login's
    /// lock like a wrong password or TOTP code (a resent code would otherwise give a
    /// fresh budget of guesses each time).
    ///
    /// # Errors
    /// As [`Portcullis::login_passcode`]; [`LoginError::Locked`]; the session's
    /// refusals.
    pub async fn complete_passcode<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        pending_token: &str,
        to: &Destination,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<Issued, LoginError> {
        let account = self.pending_session_account(pending_token, now).await?;
        match self.check_passcode(to, code, now).await {
            Ok(()) => {}
            Err(LoginError::SecondFactor(Refusal::WrongCode)) => {
                return Err(self
                    .second_factor_failure(&account, Refusal::WrongCode, now)
                    .await);
            }
            Err(other) => return Err(other),
        }
        self.sessions
            .complete_second_factor(
                rng,
                pending_token,
                AuthenticationFactor::new(factor_of(to), now),
                now,
                None,
            )
            .await
            .map_err(LoginError::Session)
    }
}
