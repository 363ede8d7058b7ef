//! Accounts: what the flows keep about a user who signs in with a password.
//!
//! An [`Account`] is found by its login (an email address or user name, trimmed and
//! lowercased by [`normalize_login`]) and holds the user's id, the stored password hash
//! (argon2id, or a legacy hash imported from another system until the user's next
//! sign-in upgrades it), and whether the account is disabled. It is stored through the
//! [`CredentialStore`](portcullis_store::CredentialStore) of any backend, under the
//! kind `account`: that store already gives what an account needs — create once, find
//! by id, list per owner, and replace by compare-and-swap, so a hash upgrade racing an
//! administrator's change cannot overwrite it. The swap compares [`Account::revision`],
//! which every change increments.
//!
//! Failed sign-ins and locks are not kept here but in counters keyed by the login
//! ([`crate::flows`]), so an unknown login is throttled and locked exactly like a known
//! one and the lock reveals nothing about which logins exist.

use portcullis_core::OffsetDateTime;
use portcullis_otp::{EnrollmentStatus, TotpEnrollment};
use portcullis_store::Credential;
use portcullis_token::api_key::Owner;
use portcullis_token::single_use::Metadata;
use serde::{Deserialize, Serialize};

/// A login as accounts are keyed: surrounding spaces removed, lowercased.
#[must_use]
pub fn normalize_login(login: &str) -> String {
    login.trim().to_lowercase()
}

/// Why an account was disabled (PropelAuth block, Riskalyze suspend).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disabled {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// A note for administrators; never shown to the user.
    pub reason: String,
}

/// A TOTP factor as an account keeps it: the enrolment record and the sealed seed
/// (see [`crate::sealed`]).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpFactor {
    /// Settings, pending or confirmed, last step.
    pub enrollment: TotpEnrollment,
    /// The seed, sealed under the service's key with the login as context.
    pub sealed_secret: String,
}

impl std::fmt::Debug for TotpFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpFactor")
            .field("enrollment", &self.enrollment)
            .field("sealed_secret", &"[redacted]")
            .finish()
    }
}

/// A user's password account.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The normalised login (see [`normalize_login`]); the store's id.
    pub login: String,
    /// The user it belongs to.
    pub user_id: String,
    /// The stored password hash (a PHC string or a `portcullis-password` encoded legacy
    /// hash); `None` for an account that signs in another way.
    pub password_hash: Option<String>,
    /// Previous password hashes, newest first (for the policy's history rule).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub password_history: Vec<String>,
    /// Where the account came from when imported (`stytch`, `auth0`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported_from: Option<String>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the address was proven to receive mail (a redeemed link).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub email_verified_at: Option<OffsetDateTime>,
    /// When the password last changed.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub password_changed_at: Option<OffsetDateTime>,
    /// The TOTP factor, pending or confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<TotpFactor>,
    /// Set while the account is disabled: every sign-in is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<Disabled>,
    /// Incremented by every change; what a compare-and-swap compares.
    pub revision: u64,
    /// Set when the account is deleted (kept for audit, never signs in again).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub deleted_at: Option<OffsetDateTime>,
    /// A display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Caller data.
    #[serde(default)]
    pub metadata: Metadata,
    /// `user_id` as the credential store lists owners.
    owner: Owner,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The hash is not a password, but it is what an offline attack starts from.
        f.debug_struct("Account")
            .field("login", &self.login)
            .field("user_id", &self.user_id)
            .field(
                "password_hash",
                &self.password_hash.as_ref().map(|_| "[redacted]"),
            )
            .field("password_history", &self.password_history.len())
            .field("imported_from", &self.imported_from)
            .field("created_at", &self.created_at)
            .field("totp", &self.totp)
            .field("disabled", &self.disabled)
            .field("revision", &self.revision)
            .field("deleted_at", &self.deleted_at)
            .finish_non_exhaustive()
    }
}

impl Account {
    /// A new account for `user_id` under `login` (normalised here).
    #[must_use]
    pub fn new(
        login: &str,
        user_id: impl Into<String>,
        password_hash: Option<String>,
        now: OffsetDateTime,
    ) -> Self {
        let user_id = user_id.into();
        Self {
            login: normalize_login(login),
            owner: Owner::user(user_id.clone()),
            user_id,
            password_changed_at: password_hash.as_ref().map(|_| now),
            password_hash,
            password_history: Vec::new(),
            imported_from: None,
            totp: None,
            email_verified_at: None,
            created_at: now,
            disabled: None,
            revision: 0,
            deleted_at: None,
            name: None,
            metadata: Metadata::new(),
        }
    }

    /// Whether sign-in needs a second factor at `now` (a confirmed TOTP factor).
    #[must_use]
    pub fn second_factor_required(&self, now: OffsetDateTime) -> bool {
        self.totp
            .as_ref()
            .is_some_and(|t| t.enrollment.status(now) == EnrollmentStatus::Active)
    }

    /// The same account after a change: the revision moves on.
    #[must_use]
    pub fn changed(mut self, change: impl FnOnce(&mut Self)) -> Self {
        change(&mut self);
        self.revision += 1;
        self
    }
}

impl Credential for Account {
    const KIND: &'static str = "account";

    fn id(&self) -> &str {
        &self.login
    }
    fn owner(&self) -> &Owner {
        &self.owner
    }
    fn created_at(&self) -> OffsetDateTime {
        self.created_at
    }
    fn expires_at(&self) -> Option<OffsetDateTime> {
        None
    }
    fn revoked_at(&self) -> Option<OffsetDateTime> {
        self.deleted_at
    }
    fn set_revoked_at(&mut self, at: Option<OffsetDateTime>) {
        self.deleted_at = at;
    }
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    fn set_name(&mut self, name: Option<String>) {
        self.name = name;
    }
    fn metadata(&self) -> &Metadata {
        &self.metadata
    }
    fn set_metadata(&mut self, metadata: Metadata) {
        self.metadata = metadata;
    }
    fn fingerprint(&self) -> String {
        self.revision.to_string()
    }
}
