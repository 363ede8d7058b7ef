//! Flows that reach the user by email: magic-link sign-in (login or create) and password
//! reset.
//!
//! The library never sends anything: each flow hands a [`Message`] to the caller's
//! [`Sender`], which delivers it (an email service, a queue, a test's inbox). Tokens
//! are `portcullis-token` single-use tokens: the store keeps only their digest, and a
//! redemption is one atomic consume, so a link works once even when two tabs race.
//!
//! Links follow the two-step pattern of [`portcullis_token::single_use`]: the `GET` of
//! the link shows a page that only [`Portcullis::peek_email_token`]s; its form `POST`s
//! to [`Portcullis::redeem_magic_link`] / [`Portcullis::reset_password`]. Mail scanners
//! that open links therefore burn nothing. When the request carried a PKCE challenge,
//! redemption requires the verifier from the requesting browser.

use std::future::Future;

use portcullis_core::{CryptoRng, OffsetDateTime, SecretString};
use portcullis_session::{AuthenticationFactor, FactorType, NewSession, TerminationReason};
use portcullis_store::{Store, StoreError};
use portcullis_token::pkce::CodeChallenge;
use portcullis_token::{
    IssueRequest, OpaqueToken, Purpose, RedeemCheck, TokenError, TokenId, TokenRecord,
};

use crate::accounts::normalize_login;
use crate::audit::AuditEvent;
use crate::flows::{AccountError, Portcullis};
use crate::sessions::Issued;

/// What the caller must deliver.
#[derive(Debug)]
#[non_exhaustive]
pub enum Message {
    /// A sign-in link for `to`: put `token` in the link (`https://app/magic?token=...`).
    MagicLink {
        /// The address.
        to: String,
        /// The single-use token (a secret).
        token: SecretString,
        /// The one-time code to type on the requesting device, when PKCE was used.
        code: Option<SecretString>,
        /// When the link stops working.
        expires_at: OffsetDateTime,
    },
    /// A one-time passcode for an email address or phone number
    /// ([`crate::passcodes`]).
    Passcode {
        /// Where to send it.
        to: portcullis_otp::Destination,
        /// The code (a secret).
        code: SecretString,
        /// When it stops working.
        expires_at: OffsetDateTime,
    },
    /// An invitation link for `to`.
    Invite {
        /// The address.
        to: String,
        /// The single-use token (a secret).
        token: SecretString,
        /// The organisation invited to, if any.
        scope: Option<String>,
        /// When the invitation lapses.
        expires_at: OffsetDateTime,
    },
    /// A link proving `to` receives mail.
    EmailVerification {
        /// The address.
        to: String,
        /// The single-use token (a secret).
        token: SecretString,
        /// When the link stops working.
        expires_at: OffsetDateTime,
    },
    /// A password-reset link for `to`.
    PasswordReset {
        /// The address.
        to: String,
        /// The single-use token (a secret).
        token: SecretString,
        /// When the link stops working.
        expires_at: OffsetDateTime,
    },
    /// A password reset was asked for `to`, which no account uses: a notice without a
    /// link ("someone asked to reset a password for this address; no account uses
    /// it"), or nothing, as the service prefers. See
    /// [`Portcullis::start_password_reset`] for why it is handed over at all.
    PasswordResetNoAccount {
        /// The address.
        to: String,
    },
}

/// Delivers messages; implemented by the caller.
pub trait Sender: Send + Sync {
    /// Delivers `message`. An error is returned to the flow's caller as is.
    fn send(&self, message: Message) -> impl Future<Output = Result<(), String>> + Send;
}

/// Why an email flow failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmailFlowError {
    /// The presented token was refused: malformed, unknown, wrong purpose, used,
    /// expired, missing or wrong PKCE verifier.
    #[error(transparent)]
    Token(TokenError),
    /// The account step failed (unknown login, weak password, store).
    #[error(transparent)]
    Account(AccountError),
    /// The caller's sender failed.
    #[error("sender failed: {0}")]
    Send(String),
}

impl From<AccountError> for EmailFlowError {
    fn from(e: AccountError) -> Self {
        Self::Account(e)
    }
}

impl From<StoreError> for EmailFlowError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::Token(TokenError::InvalidSecret),
            StoreError::AlreadyUsed => Self::Token(TokenError::AlreadyUsed),
            StoreError::Expired => Self::Token(TokenError::Expired),
            StoreError::Revoked => Self::Token(TokenError::Revoked),
            other => Self::Account(AccountError::Store(other)),
        }
    }
}

impl<S: Store> Portcullis<S> {
    /// Sends a sign-in link to `email`, whether or not an account exists (the answer
    /// is the same, so the flow does not reveal which addresses have accounts; the
    /// account is created at redemption). With `challenge`, the link redeems only with
    /// the requesting browser's verifier, and a one-time code is sent too, for when the
    /// link is opened on another device: the requesting browser keeps the returned
    /// token id (public: it is in the link too) beside its verifier, and the user types
    /// the code there ([`Portcullis::redeem_magic_link_code`]).
    ///
    /// # Errors
    /// A store or sender failure.
    pub async fn send_magic_link<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        sender: &impl Sender,
        email: &str,
        challenge: Option<CodeChallenge>,
        now: OffsetDateTime,
    ) -> Result<TokenId, EmailFlowError> {
        let email = normalize_login(email);
        let mut request = IssueRequest::new(Purpose::Login, email.clone());
        if let Some(challenge) = challenge {
            request = request.code_challenge(challenge).with_code();
        }
        let issued = self
            .tokens
            .issue(rng, request, now)
            .map_err(EmailFlowError::Token)?;
        self.store.put(&issued.record).await?;
        self.emit(AuditEvent::LinkSent {
            to: email.clone(),
            purpose: "login",
        });
        sender
            .send(Message::MagicLink {
                to: email,
                token: issued.token.render().into(),
                code: issued.code,
                expires_at: issued.record.expires_at,
            })
            .await
            .map_err(EmailFlowError::Send)?;
        Ok(*issued.token.id())
    }

    /// Checks a link's token without consuming it (the `GET` of the link): what the
    /// confirm page needs to know.
    ///
    /// # Errors
    /// [`EmailFlowError::Token`] for a token that would not redeem.
    pub async fn peek_email_token(
        &self,
        presented: &str,
        purpose: Purpose,
        now: OffsetDateTime,
    ) -> Result<portcullis_token::single_use::Peek, EmailFlowError> {
        let (token, record) = self.live_record(presented, now).await?;
        self.tokens
            .peek(&record, &token, &RedeemCheck::new(purpose), now)
            .map_err(EmailFlowError::Token)
    }

    /// Redeems a sign-in link (the `POST` from the confirm page): signs the owner of
    /// the address in, creating a passwordless account on first use (`user_id_for`
    /// names the new user). The address is proven by the link, so the session records
    /// a `magic_link` factor.
    ///
    /// # Errors
    /// [`EmailFlowError::Token`]; a store failure.
    pub async fn redeem_magic_link<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        presented: &str,
        code_verifier: Option<&str>,
        user_id_for: impl FnOnce(&str) -> String,
        now: OffsetDateTime,
    ) -> Result<Issued, EmailFlowError> {
        let record = self
            .consume_link(presented, Purpose::Login, code_verifier, now)
            .await?;
        self.sign_in_by_link(rng, &record.subject, user_id_for, now)
            .await
    }

    /// Signs in the owner of `email`, proven by a link or its code: the account is
    /// created on first use, and the session records a `magic_link` factor.
    async fn sign_in_by_link<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        email: &str,
        user_id_for: impl FnOnce(&str) -> String,
        now: OffsetDateTime,
    ) -> Result<Issued, EmailFlowError> {
        let account = self
            .account_or_create(email, user_id_for, "magic_link", now)
            .await?;
        let factor = AuthenticationFactor::new(FactorType::MagicLink, now);
        let mut new = NewSession::new(account.user_id.clone(), factor);
        new.second_factor_required = account.second_factor_required(now);
        self.sessions
            .start(rng, new, now)
            .await
            .map_err(|e| EmailFlowError::Account(AccountError::Session(e)))
    }

    /// Redeems a sign-in link by its one-time code instead, in the browser that asked
    /// for it (the link was opened on another device): `token_id` is what
    /// [`Portcullis::send_magic_link`] returned to that browser, `code_verifier` its PKCE
    /// verifier. Otherwise as [`Portcullis::redeem_magic_link`].
    ///
    /// The verifier is judged before the code, so a stranger holding only the id (it is
    /// in the link) spends none of the code's attempts. Each judged code is counted
    /// atomically in the store before it is compared; after the record's limit (five
    /// by default) the token is dead even for the right code.
    ///
    /// # Errors
    /// [`EmailFlowError::Token`]: [`TokenError::WrongCode`] (also for an unknown id),
    /// [`TokenError::TooManyAttempts`], the PKCE refusals, and those of a link; a
    /// store failure.
    pub async fn redeem_magic_link_code<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        token_id: &str,
        code: &str,
        code_verifier: &str,
        user_id_for: impl FnOnce(&str) -> String,
        now: OffsetDateTime,
    ) -> Result<Issued, EmailFlowError> {
        let id = TokenId::parse(token_id).map_err(EmailFlowError::Token)?;
        let key = id.to_string();
        let check = RedeemCheck::new(Purpose::Login).code_verifier(code_verifier);
        let peeked = match self.store.peek::<TokenRecord>(&key, now).await {
            Ok(record) => record,
            Err(StoreError::NotFound) => return Err(EmailFlowError::Token(TokenError::WrongCode)),
            Err(other) => return Err(other.into()),
        };
        // Everything but the code itself (format, verifier, state) is refused before an
        // attempt is spent.
        match self.tokens.redeem_code(&peeked, &id, code, &check, now) {
            Ok(_) | Err(TokenError::WrongCode) => {}
            Err(refusal) => return Err(EmailFlowError::Token(refusal)),
        }
        let counted = match self.store.count_attempt::<TokenRecord>(&key, now).await {
            Ok(record) => record,
            Err(StoreError::TooManyAttempts) => {
                return Err(EmailFlowError::Token(TokenError::TooManyAttempts));
            }
            Err(other) => return Err(other.into()),
        };
        let _redemption = self
            .tokens
            .redeem_code(&counted, &id, code, &check, now)
            .map_err(EmailFlowError::Token)?;
        let record = self.store.consume::<TokenRecord>(&key, now).await?;
        self.sign_in_by_link(rng, &record.subject, user_id_for, now)
            .await
    }

    /// Sends a password-reset link to `email` if it has an account, and a
    /// [`Message::PasswordResetNoAccount`] notice (no link) if not; answers the same
    /// either way.
    ///
    /// Both paths do the same work, so that the time to answer does not tell whether an
    /// address has an account (OWASP Forgot Password Cheat Sheet: consistent responses
    /// "in a consistent amount of time"): a token is issued and its record stored
    /// either way (for an unknown address the token is never shown to anyone, and a
    /// reset with it would find no account), and the sender is called either way. The
    /// sender must then treat both messages alike in time: queue both and return, or
    /// deliver both; a sender that drops the notice at once but makes a network call
    /// for the link brings the difference back.
    ///
    /// # Errors
    /// A store or sender failure.
    pub async fn start_password_reset<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        sender: &impl Sender,
        email: &str,
        now: OffsetDateTime,
    ) -> Result<(), EmailFlowError> {
        let email = normalize_login(email);
        let known = match self.account(&email).await {
            Ok(_) => true,
            Err(AccountError::Unknown) => false,
            Err(other) => return Err(other.into()),
        };
        let issued = self
            .tokens
            .issue(
                rng,
                IssueRequest::new(Purpose::PasswordReset, email.clone()),
                now,
            )
            .map_err(EmailFlowError::Token)?;
        self.store.put(&issued.record).await?;
        let message = if known {
            self.emit(AuditEvent::LinkSent {
                to: email.clone(),
                purpose: "password_reset",
            });
            Message::PasswordReset {
                to: email,
                token: issued.token.render().into(),
                expires_at: issued.record.expires_at,
            }
        } else {
            self.emit(AuditEvent::LinkSent {
                to: email.clone(),
                purpose: "password_reset_no_account",
            });
            Message::PasswordResetNoAccount { to: email }
        };
        sender.send(message).await.map_err(EmailFlowError::Send)
    }

    /// Sets a new password with a reset link's token. The password must meet the
    /// policy; the token is consumed only then. Unless `preserve_existing_sessions`,
    /// every session of the user ends (Stytch `reset_sessions`); the lock on the login
    /// is lifted. Returns a new session.
    ///
    /// # Errors
    /// [`EmailFlowError::Token`]; [`AccountError::WeakPassword`]; a store failure.
    pub async fn reset_password<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        presented: &str,
        new_password: &str,
        preserve_existing_sessions: bool,
        now: OffsetDateTime,
    ) -> Result<Issued, EmailFlowError> {
        let (token, record) = self.live_record(presented, now).await?;
        let check = RedeemCheck::new(Purpose::PasswordReset);
        self.tokens
            .peek(&record, &token, &check, now)
            .map_err(EmailFlowError::Token)?;
        let account = self.account(&record.subject).await?;
        let history = self.history_after_change(&account);
        self.check_new_password(new_password, &account.login, history.clone())
            .await?;
        let hash = self
            .hasher
            .hash(SecretString::from(new_password))
            .await
            .map_err(|e| EmailFlowError::Account(AccountError::Password(e)))?;
        // The record read above is judged again and consumed: no second read.
        self.consume_judged(&token, &record, &check, now).await?;
        let account = self
            .replace_account(&account, |a| {
                a.password_hash = Some(hash);
                a.password_history = history;
                a.password_changed_at = Some(now);
            })
            .await?;
        self.unlock(&account.login, now).await?;
        let mut sessions_ended = 0;
        if portcullis_session::lifecycle::credential_change_ends_other_sessions(
            preserve_existing_sessions,
        ) {
            sessions_ended = self
                .sessions
                .revoke_all(
                    &account.user_id,
                    None,
                    now,
                    TerminationReason::CredentialChanged,
                )
                .await
                .map_err(|e| EmailFlowError::Account(AccountError::Session(e)))?;
        }
        self.emit(AuditEvent::PasswordReset {
            user_id: account.user_id.clone(),
            sessions_ended,
        });
        let factor = AuthenticationFactor::new(FactorType::Password, now);
        let mut new = NewSession::new(account.user_id.clone(), factor);
        new.second_factor_required = account.second_factor_required(now);
        self.sessions
            .start(rng, new, now)
            .await
            .map_err(|e| EmailFlowError::Account(AccountError::Session(e)))
    }

    /// The stored record of a presented token, if it is live; an unknown id costs the
    /// same digest work as a known one.
    async fn live_record(
        &self,
        presented: &str,
        now: OffsetDateTime,
    ) -> Result<(OpaqueToken, TokenRecord), EmailFlowError> {
        let token = OpaqueToken::parse(presented).map_err(EmailFlowError::Token)?;
        match self
            .store
            .peek::<TokenRecord>(&token.id().to_string(), now)
            .await
        {
            Ok(record) => Ok((token, record)),
            Err(StoreError::NotFound) => {
                Err(EmailFlowError::Token(self.tokens.refuse_unknown(&token)))
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Judges the presented token against its record, then consumes it atomically.
    pub(crate) async fn consume_link(
        &self,
        presented: &str,
        purpose: Purpose,
        code_verifier: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<TokenRecord, EmailFlowError> {
        let (token, record) = self.live_record(presented, now).await?;
        let mut check = RedeemCheck::new(purpose);
        if let Some(verifier) = code_verifier {
            check = check.code_verifier(verifier);
        }
        self.consume_judged(&token, &record, &check, now).await
    }

    /// Judges `token` against its already loaded `record`, then consumes it atomically.
    async fn consume_judged(
        &self,
        token: &OpaqueToken,
        record: &TokenRecord,
        check: &RedeemCheck<'_>,
        now: OffsetDateTime,
    ) -> Result<TokenRecord, EmailFlowError> {
        let _redemption = self
            .tokens
            .redeem(record, token, check, now)
            .map_err(EmailFlowError::Token)?;
        Ok(self
            .store
            .consume::<TokenRecord>(&token.id().to_string(), now)
            .await?)
    }
}
