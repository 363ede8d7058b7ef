//! The session object: who, how they authenticated, when, and in what state.
//!
//! Field names follow Stytch's session object (`session_id`, `user_id`,
//! `authentication_factors`, `roles`, `started_at`, `last_accessed_at`, `expires_at`,
//! `attributes`, `custom_claims`) so a service moving off Stytch keeps its JSON shapes;
//! the status values follow Riskalyze's session listing (`active`, `expired`,
//! `terminated`). Timestamps serialise as RFC 3339.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// How a factor was proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FactorType {
    /// A password.
    Password,
    /// A one-time code sent by email.
    EmailOtp,
    /// A one-time code sent by SMS.
    SmsOtp,
    /// A one-time code sent by WhatsApp.
    WhatsappOtp,
    /// An authenticator-app code (TOTP).
    Totp,
    /// A recovery code.
    RecoveryCode,
    /// A magic link.
    MagicLink,
    /// An OAuth / OIDC provider.
    Oauth,
    /// A WebAuthn credential.
    Webauthn,
    /// An API key.
    ApiKey,
    /// Another user acting as this one (support staff, admins).
    Impersonated,
    /// A session imported from another system.
    Imported,
}

/// How the factor reached the user, where that means something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeliveryMethod {
    /// Something the user knows (password).
    Knowledge,
    /// Email.
    Email,
    /// SMS.
    Sms,
    /// WhatsApp.
    Whatsapp,
    /// An authenticator app.
    AuthenticatorApp,
    /// A recovery code.
    RecoveryCode,
    /// An OAuth provider.
    Oauth,
    /// A WebAuthn authenticator.
    Webauthn,
    /// An API key.
    ApiKey,
    /// Impersonation by another user.
    Impersonation,
    /// Imported from another system.
    Imported,
}

/// The identifiers a factor is tied to; each is optional and only the ones that apply
/// to the factor's type are set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactorIds {
    /// Email address used (email OTP, magic link).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    /// Phone number used (SMS, WhatsApp).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The TOTP registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_id: Option<String>,
    /// The OAuth provider's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The user's subject at the OAuth provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_subject: Option<String>,
    /// The WebAuthn registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webauthn_registration_id: Option<String>,
    /// The API key's public id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_id: Option<String>,
    /// The user acting as this one (impersonation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impersonator_id: Option<String>,
    /// The system a session was imported from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported_from: Option<String>,
}

/// One proof of identity within a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthenticationFactor {
    /// What was proven.
    #[serde(rename = "type")]
    pub kind: FactorType,
    /// How it reached the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_method: Option<DeliveryMethod>,
    /// When it was last proven in this session.
    #[serde(with = "time::serde::rfc3339")]
    pub last_authenticated_at: OffsetDateTime,
    /// The identifiers it is tied to.
    #[serde(flatten)]
    pub ids: FactorIds,
}

impl AuthenticationFactor {
    /// A factor of `kind` proven at `at`, with the usual delivery method for its kind.
    #[must_use]
    pub fn new(kind: FactorType, at: OffsetDateTime) -> Self {
        let delivery_method = Some(match kind {
            FactorType::Password => DeliveryMethod::Knowledge,
            FactorType::EmailOtp | FactorType::MagicLink => DeliveryMethod::Email,
            FactorType::SmsOtp => DeliveryMethod::Sms,
            FactorType::WhatsappOtp => DeliveryMethod::Whatsapp,
            FactorType::Totp => DeliveryMethod::AuthenticatorApp,
            FactorType::RecoveryCode => DeliveryMethod::RecoveryCode,
            FactorType::Oauth => DeliveryMethod::Oauth,
            FactorType::Webauthn => DeliveryMethod::Webauthn,
            FactorType::ApiKey => DeliveryMethod::ApiKey,
            FactorType::Impersonated => DeliveryMethod::Impersonation,
            FactorType::Imported => DeliveryMethod::Imported,
        });
        Self {
            kind,
            delivery_method,
            last_authenticated_at: at,
            ids: FactorIds::default(),
        }
    }

    /// The same factor with these identifiers.
    #[must_use]
    pub fn with_ids(mut self, ids: FactorIds) -> Self {
        self.ids = ids;
        self
    }
}

/// Where the session was started from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attributes {
    /// The client's IP address as the service saw it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// The client's User-Agent header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
}

/// Why a session ended before it expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TerminationReason {
    /// The user signed out.
    Logout,
    /// The user or an administrator revoked this session.
    Revoked,
    /// Every session of the user was revoked (sign out everywhere).
    RevokedAll,
    /// The user's password changed or was reset.
    CredentialChanged,
    /// A second factor was removed.
    SecondFactorRemoved,
    /// The account was suspended or locked.
    AccountDisabled,
    /// The session was idle longer than allowed.
    IdleTimeout,
}

/// When and why a session was ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Termination {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub terminated_at: OffsetDateTime,
    /// Why.
    pub reason: TerminationReason,
}

/// A session's state at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Usable.
    Active,
    /// Past `expires_at`.
    Expired,
    /// Ended on purpose (see [`Termination`]).
    Terminated,
}

/// Whether the session is complete, or waits for a second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Every required factor is proven: a full session.
    #[default]
    Full,
    /// The first factor is proven and a second is required (Stytch's intermediate
    /// session). It cannot be used as a session; it can only be completed.
    PendingSecondFactor,
}

/// A session, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Public identifier (safe to log and to show in a device list).
    pub session_id: String,
    /// The user it belongs to.
    pub user_id: String,
    /// The organisation it is scoped to, for multi-tenant services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// Every factor proven in this session, oldest first.
    pub authentication_factors: Vec<AuthenticationFactor>,
    /// Roles granted for this session.
    #[serde(default)]
    pub roles: Vec<String>,
    /// When it started.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// When it was last used.
    #[serde(with = "time::serde::rfc3339")]
    pub last_accessed_at: OffsetDateTime,
    /// When it expires unless extended.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Where it was started from.
    #[serde(default)]
    pub attributes: Attributes,
    /// Caller-defined claims, carried into the session JWT.
    #[serde(default)]
    pub custom_claims: Map<String, Value>,
    /// Full, or waiting for a second factor.
    #[serde(default)]
    pub stage: Stage,
    /// Set once the session is ended on purpose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination: Option<Termination>,
}

impl Session {
    /// The session's status at `now`.
    #[must_use]
    pub fn status(&self, now: OffsetDateTime) -> Status {
        if self.termination.is_some() {
            Status::Terminated
        } else if now >= self.expires_at {
            Status::Expired
        } else {
            Status::Active
        }
    }

    /// Whether a factor of `kind` was proven in this session at or after `now - within`
    /// (for sensitive actions: "password re-entered in the last 5 minutes").
    #[must_use]
    pub fn is_fresh(&self, kind: FactorType, within: time::Duration, now: OffsetDateTime) -> bool {
        self.authentication_factors.iter().any(|f| {
            f.kind == kind
                && f.last_authenticated_at + within >= now
                && f.last_authenticated_at <= now
        })
    }

    /// The id of the user impersonating this session's user, if any.
    #[must_use]
    pub fn impersonator(&self) -> Option<&str> {
        self.authentication_factors
            .iter()
            .find(|f| f.kind == FactorType::Impersonated)
            .and_then(|f| f.ids.impersonator_id.as_deref())
    }
}
