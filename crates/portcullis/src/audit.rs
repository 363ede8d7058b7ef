//! Audit events: what happened in each flow, delivered to a caller-provided sink.
//!
//! Events carry identifiers (login, user id, session id) and the outcome, never a
//! password, code, token or hash. The sink is called synchronously on the flow's task,
//! so it should only hand the event on (a channel, a log line, a queue).

use portcullis_core::OffsetDateTime;

/// Something a flow did or refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuditEvent {
    /// An account was created by sign-up, import or a first magic link.
    AccountCreated {
        /// The login.
        login: String,
        /// The user.
        user_id: String,
        /// `sign_up`, `import` or `magic_link`.
        how: &'static str,
    },
    /// A password sign-in succeeded (possibly pending a second factor).
    LoginSucceeded {
        /// The user.
        user_id: String,
        /// The session started.
        session_id: String,
        /// The stored hash was replaced by its argon2id upgrade.
        hash_upgraded: bool,
        /// The session waits for a second factor.
        second_factor_pending: bool,
    },
    /// A sign-in was refused.
    LoginFailed {
        /// The login as typed (normalised).
        login: String,
        /// `invalid_credentials`, `locked`, `disabled` or `second_factor`.
        reason: &'static str,
    },
    /// Failures locked a login.
    AccountLocked {
        /// The login.
        login: String,
        /// When the lock ends.
        until: OffsetDateTime,
    },
    /// A second factor completed a pending sign-in.
    SecondFactorCompleted {
        /// The user.
        user_id: String,
        /// `totp` or `recovery_code`.
        factor: &'static str,
    },
    /// A TOTP factor was confirmed, or removed.
    SecondFactorChanged {
        /// The user.
        user_id: String,
        /// `totp_confirmed`, `totp_imported`, `totp_removed` or
        /// `recovery_codes_regenerated`.
        change: &'static str,
    },
    /// A magic link or reset link (or the notice that no account uses the address)
    /// was handed to the sender.
    LinkSent {
        /// The address.
        to: String,
        /// `login`, `password_reset` or `password_reset_no_account`.
        purpose: &'static str,
    },
    /// A password was changed through a reset link.
    PasswordReset {
        /// The user.
        user_id: String,
        /// How many other sessions ended.
        sessions_ended: u64,
    },
    /// An administrator disabled, enabled or unlocked an account.
    AccountAdministered {
        /// The login.
        login: String,
        /// `disabled`, `enabled` or `unlocked`.
        action: &'static str,
    },
}

/// Receives audit events; implemented by the caller.
pub trait AuditSink: Send + Sync + std::fmt::Debug {
    /// Takes one event.
    fn record(&self, event: AuditEvent);
}
