//! Password flows on a store: sign-up, sign-in with lockout and transparent upgrade,
//! import from another system, disable and unlock.
//!
//! ```
//! use portcullis::core::{OffsetDateTime, OsRng};
//! use portcullis::flows::{LoginError, Portcullis};
//! use portcullis::store::SqliteStore;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let auth = Portcullis::builder(SqliteStore::open_in_memory().await.unwrap()).build().unwrap();
//! let now = OffsetDateTime::now_utc();
//! auth.sign_up(&mut OsRng, "ada@example.com", "user-1", "a long and unusual passphrase", now).await.unwrap();
//! let signed_in = auth.login_password(&mut OsRng, "Ada@Example.com ", "a long and unusual passphrase", now).await.unwrap();
//! assert_eq!(signed_in.session.user_id, "user-1");
//! assert_eq!(
//!     auth.login_password(&mut OsRng, "ada@example.com", "wrong", now).await.unwrap_err(),
//!     LoginError::InvalidCredentials
//! );
//! # });
//! ```
//!
//! # Sign-in, step by step
//!
//! 1. The login is normalised and its lock counter read: a locked login is refused
//!    before any hashing, so a locked account costs the server nothing.
//! 2. The account is read. A known login's hash is verified; an unknown login runs
//!    [`AsyncHasher::verify_unknown_user`], which costs the same, so response time does
//!    not tell which logins exist.
//! 3. A failure, known login or not, counts towards the lock ([`LockoutPolicy`]): N
//!    failures within a window lock the login for a duration that doubles with each
//!    lock, up to a maximum. The answer is [`LoginError::InvalidCredentials`] either
//!    way; only a caller who asks ([`Portcullis::account`]) learns whether the login
//!    exists.
//! 4. A right password on a disabled account is refused with [`LoginError::Disabled`]
//!    (after the hash, so the state is shown only to someone who knows the password).
//! 5. Success resets the failure count, replaces a legacy or outdated hash with its
//!    argon2id upgrade (compare-and-swap on the account's revision), and starts a
//!    session.

use portcullis_core::{CryptoRng, Duration, OffsetDateTime, SecretString};
use portcullis_password::{
    AsyncHasher, BreachFile, Hasher, HasherConfig, ImportRecord, PasswordPolicy, PolicyContext,
    PolicySettings, StrengthResult, Verified,
};
use portcullis_session::jwt::SessionJwtConfig;
use portcullis_session::{
    AuthenticationFactor, FactorType, NewSession, SessionError, SessionPolicy, TerminationReason,
};
use portcullis_store::{Store, StoreError};
use portcullis_token::api_key::ApiKeys;
use portcullis_token::{Digester, SingleUseConfig, SingleUseTokens};

use std::sync::Arc;

use portcullis_otp::{OtpError, Refusal};

use crate::accounts::{Account, Disabled, normalize_login};
use crate::audit::{AuditEvent, AuditSink};
use crate::passcodes::PasscodeConfig;
use crate::sealed::SealError;
use crate::second_factor::SecondFactorConfig;
use crate::sessions::{Issued, SessionFlowError, Sessions};

/// How failed sign-ins lock a login (Stytch `is_locked` / `lock_expires_at`, Auth0
/// user blocks, ForgeRock's lockout policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures within `window` that lock the login (default 5).
    pub max_failures: u64,
    /// The window failures are counted in (default 15 minutes).
    pub window: Duration,
    /// The first lock's duration (default 5 minutes); each further lock doubles it.
    pub first_lock: Duration,
    /// The longest lock (default 24 hours).
    pub max_lock: Duration,
    /// How long the doubling is remembered after the last lock (default 24 hours).
    pub memory: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            window: Duration::minutes(15),
            first_lock: Duration::minutes(5),
            max_lock: Duration::hours(24),
            memory: Duration::hours(24),
        }
    }
}

impl LockoutPolicy {
    /// The duration of the `n`th lock (from 1): doubling from the first, capped.
    #[must_use]
    pub fn lock_duration(&self, n: u64) -> Duration {
        let doublings = u32::try_from(n.saturating_sub(1))
            .unwrap_or(u32::MAX)
            .min(30);
        let factor = i32::try_from(1u64 << doublings).unwrap_or(i32::MAX);
        self.first_lock
            .checked_mul(factor)
            .map_or(self.max_lock, |d| d.min(self.max_lock))
    }
}

/// Why a sign-in was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// Unknown login or wrong password: deliberately the same answer.
    #[error("invalid login or password")]
    InvalidCredentials,
    /// Too many failures: the login is locked until `until`.
    #[error("locked until {until}")]
    Locked {
        /// When the lock ends.
        until: OffsetDateTime,
    },
    /// The account is disabled; only an administrator can enable it.
    #[error("account disabled")]
    Disabled,
    /// The second factor (TOTP or recovery code) was refused.
    #[error("second factor refused: {0}")]
    SecondFactor(Refusal),
    /// The password was refused before any hashing (longer than the hasher accepts).
    #[error(transparent)]
    Password(portcullis_password::Error),
    /// The session could not be started.
    #[error(transparent)]
    Session(SessionFlowError),
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
}

/// Why an account operation (sign-up, import, administration) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccountError {
    /// The password breaks the policy; the result says which rules and what to tell
    /// the user.
    #[error("password refused by policy")]
    WeakPassword(Box<StrengthResult>),
    /// An account with this login exists.
    #[error("login already taken")]
    LoginTaken,
    /// No account with this login.
    #[error("unknown account")]
    Unknown,
    /// The password or imported hash was refused.
    #[error(transparent)]
    Password(portcullis_password::Error),
    /// A second-factor code was refused, or the factor is not in the needed state.
    #[error("second factor refused: {0}")]
    SecondFactor(Refusal),
    /// A second-factor setting or record was refused.
    #[error(transparent)]
    Otp(OtpError),
    /// A sealed secret could not be opened (wrong sealing key, or tampered).
    #[error(transparent)]
    Seal(SealError),
    /// The flow needs a part of the builder that was not given.
    #[error("not configured: {0}")]
    NotConfigured(&'static str),
    /// The session could not be started or ended.
    #[error(transparent)]
    Session(SessionFlowError),
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AccountError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::Unknown,
            StoreError::Conflict => Self::LoginTaken,
            other => Self::Store(other),
        }
    }
}

/// Builds a [`Portcullis`] from a store and policies (each defaulted).
#[derive(Debug)]
pub struct Builder<S> {
    store: S,
    hasher: HasherConfig,
    password_policy: PolicySettings,
    session_policy: SessionPolicy,
    lockout: LockoutPolicy,
    digester: Digester,
    second_factor: Option<SecondFactorConfig>,
    passcodes: Option<PasscodeConfig>,
    audit: Option<Arc<dyn AuditSink>>,
    single_use: SingleUseConfig,
    breach_file: Option<std::path::PathBuf>,
    session_jwt: Option<(
        portcullis_jwt::Key,
        portcullis_jwt::Verifier,
        SessionJwtConfig,
    )>,
}

impl<S: Store> Builder<S> {
    /// Enables one-time passcodes by email, SMS and WhatsApp ([`crate::passcodes`]).
    #[must_use]
    pub fn passcodes(mut self, config: PasscodeConfig) -> Self {
        self.passcodes = Some(config);
        self
    }

    /// Refuse new passwords found in a Pwned Passwords file (`SHA1HEX:COUNT` lines
    /// sorted by hash, searched without loading it; see
    /// [`portcullis_password::breach`]).
    #[must_use]
    pub fn breach_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.breach_file = Some(path.into());
        self
    }

    /// Where audit events go ([`crate::audit`]).
    #[must_use]
    pub fn audit(mut self, sink: Arc<dyn AuditSink>) -> Self {
        self.audit = Some(sink);
        self
    }

    /// Lifetimes and codes of emailed links ([`crate::email`]).
    #[must_use]
    pub fn single_use(mut self, config: SingleUseConfig) -> Self {
        self.single_use = config;
        self
    }

    /// Also issue short-lived session JWTs signed by `key` and checked against
    /// `verifier` ([`Sessions::with_jwt`]).
    #[must_use]
    pub fn session_jwt(
        mut self,
        key: portcullis_jwt::Key,
        verifier: portcullis_jwt::Verifier,
        config: SessionJwtConfig,
    ) -> Self {
        self.session_jwt = Some((key, verifier, config));
        self
    }

    /// Enables TOTP and recovery codes ([`crate::second_factor`]).
    #[must_use]
    pub fn second_factor(mut self, config: SecondFactorConfig) -> Self {
        self.second_factor = Some(config);
        self
    }

    /// The hashing configuration (default argon2id m=19456 KiB, t=2, p=1).
    #[must_use]
    pub fn hasher(mut self, config: HasherConfig) -> Self {
        self.hasher = config;
        self
    }

    /// The password policy new passwords must meet.
    #[must_use]
    pub fn password_policy(mut self, settings: PolicySettings) -> Self {
        self.password_policy = settings;
        self
    }

    /// How sessions live.
    #[must_use]
    pub fn session_policy(mut self, policy: SessionPolicy) -> Self {
        self.session_policy = policy;
        self
    }

    /// How failures lock a login.
    #[must_use]
    pub const fn lockout(mut self, policy: LockoutPolicy) -> Self {
        self.lockout = policy;
        self
    }

    /// How session tokens are digested for storage (default SHA-256; an HMAC key ring
    /// is stronger).
    #[must_use]
    pub fn digester(mut self, digester: Digester) -> Self {
        self.digester = digester;
        self
    }

    /// Checks every setting and builds.
    ///
    /// # Errors
    /// A hasher or password-policy setting out of bounds ([`AccountError::Password`]),
    /// or a session-policy setting ([`AccountError::Session`]).
    pub fn build(self) -> Result<Portcullis<S>, AccountError> {
        let hasher = Hasher::new(self.hasher).map_err(AccountError::Password)?;
        let history_depth = usize::try_from(self.password_policy.history_depth).unwrap_or(0);
        let policy = PasswordPolicy::new(self.password_policy).map_err(AccountError::Password)?;
        let breach = match self.breach_file {
            Some(path) => Some(Arc::new(std::sync::Mutex::new(
                BreachFile::open(path).map_err(AccountError::Password)?,
            ))),
            None => None,
        };
        let tokens = SingleUseTokens::new(self.single_use, self.digester.clone());
        let api_keys = ApiKeys::new(self.digester.clone());
        let mut sessions = Sessions::new(self.store.clone(), self.session_policy, self.digester)
            .map_err(|e| AccountError::Session(e.into()))?;
        if let Some((key, verifier, config)) = self.session_jwt {
            sessions = sessions
                .with_jwt(key, verifier, config)
                .map_err(AccountError::Session)?;
        }
        Ok(Portcullis {
            store: self.store,
            hasher: AsyncHasher::new(hasher),
            policy,
            history_depth,
            breach,
            tokens,
            api_keys,
            lockout: self.lockout,
            sessions,
            second_factor: self.second_factor.map(Arc::new),
            passcodes: self.passcodes.map(Arc::new),
            audit: self.audit,
        })
    }
}

/// What a successful sign-up returns.
#[derive(Debug)]
pub struct SignedUp {
    /// The account as stored.
    pub account: Account,
    /// The first session.
    pub issued: Issued,
}

/// The password flows over one store.
#[derive(Debug, Clone)]
pub struct Portcullis<S> {
    pub(crate) store: S,
    pub(crate) hasher: AsyncHasher,
    pub(crate) policy: PasswordPolicy,
    history_depth: usize,
    breach: Option<Arc<std::sync::Mutex<BreachFile<std::fs::File>>>>,
    pub(crate) tokens: SingleUseTokens,
    pub(crate) api_keys: ApiKeys,
    lockout: LockoutPolicy,
    pub(crate) sessions: Sessions<S>,
    pub(crate) second_factor: Option<Arc<SecondFactorConfig>>,
    pub(crate) passcodes: Option<Arc<PasscodeConfig>>,
    audit: Option<Arc<dyn AuditSink>>,
}

impl<S: Store> Portcullis<S> {
    /// A builder over `store`, every policy at its default.
    pub fn builder(store: S) -> Builder<S> {
        Builder {
            store,
            hasher: HasherConfig::default(),
            password_policy: PolicySettings::default(),
            session_policy: SessionPolicy::default(),
            lockout: LockoutPolicy::default(),
            digester: Digester::Sha256,
            second_factor: None,
            passcodes: None,
            audit: None,
            single_use: SingleUseConfig::default(),
            breach_file: None,
            session_jwt: None,
        }
    }

    /// Hands `event` to the audit sink, if there is one.
    pub(crate) fn emit(&self, event: AuditEvent) {
        if let Some(sink) = &self.audit {
            sink.record(event);
        }
    }

    /// The sessions of this store (authenticate, revoke, list).
    pub const fn sessions(&self) -> &Sessions<S> {
        &self.sessions
    }

    /// The account under `login`, for administration.
    ///
    /// # Errors
    /// [`AccountError::Unknown`], a store failure.
    pub async fn account(&self, login: &str) -> Result<Account, AccountError> {
        Ok(self
            .store
            .get_credential::<Account>(&normalize_login(login))
            .await?)
    }

    /// The active account of `user_id` (accounts are keyed by login; this finds one
    /// from a session's user).
    ///
    /// # Errors
    /// [`AccountError::Unknown`]; a store failure.
    pub async fn account_of_user(
        &self,
        user_id: &str,
        now: OffsetDateTime,
    ) -> Result<Account, AccountError> {
        let owner = portcullis_token::api_key::Owner::user(user_id);
        let listing = self
            .store
            .list_credentials::<Account>(
                &owner,
                portcullis_store::StatusFilter::Only(
                    portcullis_token::api_key::ApiKeyStatus::Active,
                ),
                now,
                portcullis_store::PageRequest::new(1, 1),
            )
            .await?;
        listing
            .items
            .into_iter()
            .next()
            .ok_or(AccountError::Unknown)
    }

    /// Creates an account with a password that meets the policy, and its first session.
    ///
    /// # Errors
    /// [`AccountError::WeakPassword`], [`AccountError::LoginTaken`], a hashing or store
    /// failure.
    pub async fn sign_up<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        login: &str,
        user_id: &str,
        password: &str,
        now: OffsetDateTime,
    ) -> Result<SignedUp, AccountError> {
        let login = normalize_login(login);
        self.check_new_password(password, &login, Vec::new())
            .await?;
        let hash = self
            .hasher
            .hash(SecretString::from(password))
            .await
            .map_err(AccountError::Password)?;
        let account = Account::new(&login, user_id, Some(hash), now);
        self.store.create_credential(&account).await?;
        self.emit(AuditEvent::AccountCreated {
            login: account.login.clone(),
            user_id: account.user_id.clone(),
            how: "sign_up",
        });
        let factor = AuthenticationFactor::new(FactorType::Password, now);
        let issued = self
            .sessions
            .start(rng, NewSession::new(user_id, factor), now)
            .await
            .map_err(AccountError::Session)?;
        Ok(SignedUp { account, issued })
    }

    /// Stores a user brought from another system with the hash that system kept
    /// (Stytch `passwords/migrate`, Auth0 bulk import, Firebase scrypt, or a bare hash
    /// string). The user signs in with the old password; the first sign-in upgrades
    /// the hash to argon2id.
    ///
    /// # Errors
    /// [`AccountError::Password`] for a record that is not a supported hash or exceeds
    /// the cost limits; [`AccountError::LoginTaken`]; a store failure.
    pub async fn import(
        &self,
        login: &str,
        user_id: &str,
        record: &ImportRecord,
        source: &str,
        now: OffsetDateTime,
    ) -> Result<Account, AccountError> {
        let stored = record.to_stored().map_err(AccountError::Password)?;
        stored
            .check_limits(&self.hasher.hasher().config().limits)
            .map_err(AccountError::Password)?;
        let mut account = Account::new(login, user_id, Some(stored.encoded().to_owned()), now);
        account.imported_from = Some(source.to_owned());
        self.store.create_credential(&account).await?;
        self.emit(AuditEvent::AccountCreated {
            login: account.login.clone(),
            user_id: account.user_id.clone(),
            how: "import",
        });
        Ok(account)
    }

    /// Imports a PropelAuth `migrate_user` record: `email`, `email_confirmed`,
    /// `existing_password_hash` (a self-identifying hash string), `enabled`, and
    /// `existing_mfa_base32_encoded_secret` (imported as an active TOTP factor when
    /// the second factor is configured; PropelAuth accepted secrets shorter than 128
    /// bits, so they are allowed here). `user_id` names the user in this service.
    ///
    /// # Errors
    /// [`AccountError::Password`] for a missing field or an unsupported hash;
    /// [`AccountError::LoginTaken`]; [`AccountError::NotConfigured`] for a TOTP secret
    /// without a second-factor configuration; a store failure.
    pub async fn import_propelauth(
        &self,
        record: &serde_json::Value,
        user_id: &str,
        now: OffsetDateTime,
    ) -> Result<Account, AccountError> {
        let field = |name: &'static str| record.get(name).and_then(serde_json::Value::as_str);
        let email = field("email").ok_or(AccountError::Password(
            portcullis_password::Error::MissingConfig { field: "email" },
        ))?;
        let mut account = match field("existing_password_hash") {
            Some(hash) => {
                let hash = ImportRecord::from_json(&serde_json::json!({ "hash": hash }))
                    .map_err(AccountError::Password)?;
                self.import(email, user_id, &hash, "propelauth", now)
                    .await?
            }
            None => {
                let mut account = Account::new(email, user_id, None, now);
                account.imported_from = Some("propelauth".to_owned());
                self.store.create_credential(&account).await?;
                account
            }
        };
        let confirmed = record
            .get("email_confirmed")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        let enabled = record
            .get("enabled")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(true);
        if confirmed || !enabled {
            account = self
                .replace_account(&account, |a| {
                    if confirmed {
                        a.email_verified_at = Some(now);
                    }
                    if !enabled {
                        a.disabled = Some(Disabled {
                            at: now,
                            reason: "disabled in PropelAuth".to_owned(),
                        });
                    }
                })
                .await?;
        }
        if let Some(secret) = field("existing_mfa_base32_encoded_secret") {
            self.import_totp(&account.login, secret, true, now).await?;
            account = self.account(&account.login).await?;
        }
        Ok(account)
    }

    /// Signs in with a password; see the module docs for the order of the checks.
    ///
    /// # Errors
    /// [`LoginError::InvalidCredentials`] (unknown login or wrong password alike),
    /// [`LoginError::Locked`], [`LoginError::Disabled`], a password longer than allowed,
    /// a store failure.
    pub async fn login_password<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        login: &str,
        password: &str,
        now: OffsetDateTime,
    ) -> Result<Issued, LoginError> {
        let login = normalize_login(login);
        let result = self.password_login(rng, &login, password, now).await;
        match &result {
            Ok((issued, hash_upgraded)) => self.emit(AuditEvent::LoginSucceeded {
                user_id: issued.session.user_id.clone(),
                session_id: issued.session.session_id.clone(),
                hash_upgraded: *hash_upgraded,
                second_factor_pending: issued.session.stage
                    == portcullis_session::Stage::PendingSecondFactor,
            }),
            Err(refusal) => self.emit_refusal(&login, refusal),
        }
        result.map(|(issued, _)| issued)
    }

    /// Reports a refused sign-in to the audit sink.
    pub(crate) fn emit_refusal(&self, login: &str, refusal: &LoginError) {
        let reason = match refusal {
            LoginError::InvalidCredentials => "invalid_credentials",
            LoginError::Locked { .. } => "locked",
            LoginError::Disabled => "disabled",
            LoginError::SecondFactor(_) => "second_factor",
            _ => "error",
        };
        self.emit(AuditEvent::LoginFailed {
            login: login.to_owned(),
            reason,
        });
    }

    async fn password_login<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        login: &str,
        password: &str,
        now: OffsetDateTime,
    ) -> Result<(Issued, bool), LoginError> {
        let login = login.to_owned();
        if let Some(until) = self.locked_until(&login, now).await? {
            return Err(LoginError::Locked { until });
        }
        let account = match self.store.get_credential::<Account>(&login).await {
            Ok(account) if account.deleted_at.is_none() => Some(account),
            Ok(_) | Err(StoreError::NotFound) => None,
            Err(other) => return Err(LoginError::Store(other)),
        };
        let secret = SecretString::from(password);
        let verified = match account.as_ref().and_then(|a| a.password_hash.clone()) {
            Some(hash) => self.hasher.verify(secret, hash).await,
            None => Ok(self.hasher.verify_unknown_user(secret).await),
        };
        let upgrade = match verified {
            Ok(Verified::Valid { upgrade }) => upgrade,
            Ok(Verified::Invalid) => return Err(self.count_failure(&login, now).await),
            Err(portcullis_password::Error::PasswordTooLong { max }) => {
                return Err(LoginError::Password(
                    portcullis_password::Error::PasswordTooLong { max },
                ));
            }
            // A stored hash that cannot be verified (over the cost limits, corrupt)
            // fails like a wrong password: the user must not learn more than that.
            Err(_) => return Err(self.count_failure(&login, now).await),
        };
        let Some(account) = account else {
            // Unreachable in practice: an unknown login never verifies.
            return Err(LoginError::InvalidCredentials);
        };
        if account.disabled.is_some() {
            return Err(LoginError::Disabled);
        }
        self.store
            .reset(&failures_key(&login))
            .await
            .map_err(LoginError::Store)?;
        let mut hash_upgraded = false;
        if let Some(new_hash) = upgrade {
            let expected = account.revision.to_string();
            let upgraded = account
                .clone()
                .changed(|a| a.password_hash = Some(new_hash));
            // Lost to a concurrent change: the next sign-in upgrades instead.
            match self
                .store
                .replace_credential(&account.login, &expected, &upgraded)
                .await
            {
                Ok(_) => hash_upgraded = true,
                Err(StoreError::Conflict) => {}
                Err(other) => return Err(LoginError::Store(other)),
            }
        }
        let factor = AuthenticationFactor::new(FactorType::Password, now);
        let mut new = NewSession::new(account.user_id.clone(), factor);
        // With a confirmed second factor, the password alone yields only a session
        // that waits for it (and cannot be used as a session).
        new.second_factor_required = account.second_factor_required(now);
        let issued = self
            .sessions
            .start(rng, new, now)
            .await
            .map_err(LoginError::Session)?;
        Ok((issued, hash_upgraded))
    }

    /// Checks a new password against the policy: strength, personal data, the breach
    /// file when configured, and `history` (previous hashes, newest first). Runs on the
    /// blocking pool, since the history rule hashes.
    ///
    /// # Errors
    /// [`AccountError::WeakPassword`]; a breach-file read failure.
    pub(crate) async fn check_new_password(
        &self,
        password: &str,
        login: &str,
        history: Vec<String>,
    ) -> Result<(), AccountError> {
        let policy = self.policy.clone();
        let breach = self.breach.clone();
        let password = SecretString::from(password);
        let login = login.to_owned();
        let verdict = self
            .hasher
            .with_hasher(move |hasher| {
                let mut context = PolicyContext::new().email(&login);
                if let Some(file) = &breach {
                    let found = file
                        .lock()
                        .map_err(|_| portcullis_password::Error::TaskFailed)?
                        .lookup(password.expose_secret())?;
                    context = context.breach(found);
                }
                let context = context.history(&history, hasher);
                Ok::<_, portcullis_password::Error>(
                    policy.check(password.expose_secret(), &context),
                )
            })
            .await
            .map_err(AccountError::Password)?
            .map_err(AccountError::Password)?;
        if verdict.valid_password {
            Ok(())
        } else {
            Err(AccountError::WeakPassword(Box::new(verdict)))
        }
    }

    /// The hashes the history rule compares after `account` changes its password: the
    /// current one first, at most the policy's depth.
    pub(crate) fn history_after_change(&self, account: &Account) -> Vec<String> {
        account
            .password_hash
            .iter()
            .chain(&account.password_history)
            .take(self.history_depth)
            .cloned()
            .collect()
    }

    /// Applies `change` to the account and stores it if nobody changed it meanwhile.
    ///
    /// # Errors
    /// [`AccountError::Store`] with [`StoreError::Conflict`] when it changed; a store
    /// failure.
    pub(crate) async fn replace_account(
        &self,
        account: &Account,
        change: impl FnOnce(&mut Account),
    ) -> Result<Account, AccountError> {
        let expected = account.revision.to_string();
        let changed = account.clone().changed(change);
        self.store
            .replace_credential(&account.login, &expected, &changed)
            .await
            .map_err(AccountError::Store)
    }

    /// When the lock on `login` ends, if it is locked at `now`.
    ///
    /// # Errors
    /// A store failure.
    pub async fn locked_until(
        &self,
        login: &str,
        now: OffsetDateTime,
    ) -> Result<Option<OffsetDateTime>, LoginError> {
        let login = normalize_login(login);
        let locks = self.counter(&locks_key(&login), now).await?;
        if locks == 0 {
            return Ok(None);
        }
        // The lock is a counter whose window is the lock: it counts while locked.
        let key = locked_key(&login, locks);
        if self.counter(&key, now).await? == 0 {
            return Ok(None);
        }
        // Reading the window's end takes an increment, which leaves a running window
        // as it is. A count of 1 means the lock ended between the two calls and the
        // increment opened a new window: drop it, the login is free.
        let lock = self
            .store
            .increment(&key, self.lockout.lock_duration(locks), now)
            .await
            .map_err(LoginError::Store)?;
        if lock.count == 1 {
            self.store.reset(&key).await.map_err(LoginError::Store)?;
            return Ok(None);
        }
        Ok(Some(lock.resets_at))
    }

    async fn counter(&self, key: &str, now: OffsetDateTime) -> Result<u64, LoginError> {
        self.store.count(key, now).await.map_err(LoginError::Store)
    }

    /// Counts a failed sign-in of `login`; at the limit the login is locked and the
    /// refusal says until when.
    pub(crate) async fn count_failure(&self, login: &str, now: OffsetDateTime) -> LoginError {
        match self.lock_if_due(login, now).await {
            Ok(Some(until)) => {
                self.emit(AuditEvent::AccountLocked {
                    login: login.to_owned(),
                    until,
                });
                LoginError::Locked { until }
            }
            Ok(None) => LoginError::InvalidCredentials,
            Err(e) => LoginError::Store(e),
        }
    }

    async fn lock_if_due(
        &self,
        login: &str,
        now: OffsetDateTime,
    ) -> Result<Option<OffsetDateTime>, StoreError> {
        let failures = self
            .store
            .increment(&failures_key(login), self.lockout.window, now)
            .await?;
        if failures.count < self.lockout.max_failures {
            return Ok(None);
        }
        self.store.reset(&failures_key(login)).await?;
        let locks = self
            .store
            .increment(&locks_key(login), self.lockout.memory, now)
            .await?
            .count;
        let lock = self
            .store
            .increment(
                &locked_key(login, locks),
                self.lockout.lock_duration(locks),
                now,
            )
            .await?;
        Ok(Some(lock.resets_at))
    }

    /// Lifts the lock and forgets the failures and earlier locks of `login`
    /// (administrator unlock).
    ///
    /// # Errors
    /// A store failure.
    pub async fn unlock(&self, login: &str, now: OffsetDateTime) -> Result<(), AccountError> {
        let login = normalize_login(login);
        let locks = self.store.count(&locks_key(&login), now).await?;
        for n in 1..=locks {
            self.store.reset(&locked_key(&login, n)).await?;
        }
        self.store.reset(&locks_key(&login)).await?;
        self.store.reset(&failures_key(&login)).await?;
        self.emit(AuditEvent::AccountAdministered {
            login,
            action: "unlocked",
        });
        Ok(())
    }

    /// Disables the account (every sign-in refused) and ends its sessions.
    ///
    /// # Errors
    /// [`AccountError::Unknown`], a store failure.
    pub async fn disable(
        &self,
        login: &str,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<Account, AccountError> {
        let account = self.account(login).await?;
        let expected = account.revision.to_string();
        let disabled = account.clone().changed(|a| {
            a.disabled = Some(Disabled {
                at: now,
                reason: reason.to_owned(),
            });
        });
        let stored = self
            .store
            .replace_credential(&account.login, &expected, &disabled)
            .await?;
        self.sessions
            .revoke_all(
                &stored.user_id,
                None,
                now,
                TerminationReason::AccountDisabled,
            )
            .await
            .map_err(AccountError::Session)?;
        self.emit(AuditEvent::AccountAdministered {
            login: stored.login.clone(),
            action: "disabled",
        });
        Ok(stored)
    }

    /// Enables a disabled account.
    ///
    /// # Errors
    /// [`AccountError::Unknown`], a store failure.
    pub async fn enable(&self, login: &str) -> Result<Account, AccountError> {
        let account = self.account(login).await?;
        let expected = account.revision.to_string();
        let enabled = account.clone().changed(|a| a.disabled = None);
        let stored = self
            .store
            .replace_credential(&account.login, &expected, &enabled)
            .await?;
        self.emit(AuditEvent::AccountAdministered {
            login: stored.login.clone(),
            action: "enabled",
        });
        Ok(stored)
    }
}

pub(crate) fn failures_key(login: &str) -> String {
    format!("login_failures:{login}")
}

fn locks_key(login: &str) -> String {
    format!("login_locks:{login}")
}

fn locked_key(login: &str, n: u64) -> String {
    format!("login_locked:{login}:{n}")
}

impl From<SessionError> for AccountError {
    fn from(e: SessionError) -> Self {
        Self::Session(e.into())
    }
}
