//! What a token is for, and how long each kind lives.
//!
//! A token is redeemable only for the purpose it was issued for: a login link cannot
//! reset a password. The built-in purposes cover the flows of the hosted services this
//! library replaces; callers add their own (`discovery`, `email_otp_link`, ...).
//!
//! # Lifetimes
//!
//! | purpose | default | source of the default |
//! |---|---|---|
//! | `login` | 60 minutes | Stytch magic links ("by default, it expires in 1 hour") |
//! | `signup` | 7 days (10080 minutes) | Stytch signup magic links ("1 week") |
//! | `invite` | 7 days | Stytch `invite_expiration_minutes` upper bound; PropelAuth invites last 5 days |
//! | `password_reset` | 30 minutes | short: a reset link is a full account takeover if stolen |
//! | `email_verification` | 24 hours | long enough to find the mail the next day |
//! | `email_change` | 24 hours | the confirmation of a new address is an email verification |
//! | any custom purpose | 60 minutes unless set | the login default |
//!
//! Every lifetime, configured or asked for per token, must lie between
//! [`MIN_LIFETIME`] (5 minutes) and [`MAX_LIFETIME`] (10080 minutes, 7 days): Stytch's
//! bounds for magic links. Values outside are refused with
//! [`TokenError::OutOfBounds`], never clamped silently.

use std::collections::BTreeMap;
use std::fmt;

use portcullis_core::Duration;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Format, TokenError};

/// The shortest lifetime a token may be given.
pub const MIN_LIFETIME: Duration = Duration::minutes(5);
/// The longest lifetime a token may be given.
pub const MAX_LIFETIME: Duration = Duration::minutes(10080);

const LIFETIME_BOUNDS: &str = "5 to 10080 minutes";

/// What a token may be redeemed for. Serialized as its name (`"password_reset"`).
///
/// ```
/// use portcullis_token::Purpose;
///
/// assert_eq!(Purpose::parse("login")?, Purpose::Login);
/// assert_eq!(Purpose::parse("discovery")?, Purpose::custom("discovery")?);
/// assert!(Purpose::custom("login").is_err()); // built-in names are not custom
/// # Ok::<(), portcullis_token::TokenError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Purpose {
    /// Log in an existing user (magic link).
    Login,
    /// Create an account (magic link to a new address).
    Signup,
    /// Join a project or organisation on someone's invitation.
    Invite,
    /// Set a new password.
    PasswordReset,
    /// Prove control of an email address.
    EmailVerification,
    /// Confirm a change of email address.
    EmailChange,
    /// A caller-defined purpose: 1 to 64 characters from `a-z 0-9 _`, not a built-in name.
    Custom(String),
}

impl Purpose {
    const BUILT_IN: [(&'static str, Self); 6] = [
        ("login", Self::Login),
        ("signup", Self::Signup),
        ("invite", Self::Invite),
        ("password_reset", Self::PasswordReset),
        ("email_verification", Self::EmailVerification),
        ("email_change", Self::EmailChange),
    ];

    /// The purpose called `name`: a built-in one, or else a custom one.
    ///
    /// # Errors
    /// [`TokenError::Malformed`] when `name` is not a valid purpose name.
    pub fn parse(name: &str) -> Result<Self, TokenError> {
        match Self::BUILT_IN.iter().find(|(n, _)| *n == name) {
            Some((_, purpose)) => Ok(purpose.clone()),
            None => Self::custom(name),
        }
    }

    /// A caller-defined purpose.
    ///
    /// # Errors
    /// [`TokenError::Malformed`] when `name` is empty, longer than 64 bytes, uses a
    /// character outside `a-z 0-9 _`, or is a built-in name (use the variant instead, so
    /// that each purpose has one spelling).
    pub fn custom(name: &str) -> Result<Self, TokenError> {
        let valid = (1..=64).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && !Self::BUILT_IN.iter().any(|(n, _)| *n == name);
        if valid {
            Ok(Self::Custom(name.to_owned()))
        } else {
            Err(TokenError::Malformed(Format::Purpose))
        }
    }

    /// The purpose's name, as stored and as put in magic links' `token_type`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Login => "login",
            Self::Signup => "signup",
            Self::Invite => "invite",
            Self::PasswordReset => "password_reset",
            Self::EmailVerification => "email_verification",
            Self::EmailChange => "email_change",
            Self::Custom(name) => name,
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Purpose {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Purpose {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Self::parse(&name).map_err(serde::de::Error::custom)
    }
}

/// The lifetime of each kind of token (the table in the [module docs](self)).
///
/// ```
/// use portcullis_core::Duration;
/// use portcullis_token::{Lifetimes, Purpose};
///
/// let mut lifetimes = Lifetimes::default();
/// assert_eq!(lifetimes.get(&Purpose::PasswordReset), Duration::minutes(30));
/// lifetimes.set(Purpose::Login, Duration::minutes(15))?;
/// assert!(lifetimes.set(Purpose::Login, Duration::minutes(1)).is_err());
/// # Ok::<(), portcullis_token::TokenError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifetimes {
    by_purpose: BTreeMap<Purpose, Duration>,
    fallback: Duration,
}

impl Default for Lifetimes {
    fn default() -> Self {
        let by_purpose = [
            (Purpose::Login, Duration::minutes(60)),
            (Purpose::Signup, Duration::days(7)),
            (Purpose::Invite, Duration::days(7)),
            (Purpose::PasswordReset, Duration::minutes(30)),
            (Purpose::EmailVerification, Duration::hours(24)),
            (Purpose::EmailChange, Duration::hours(24)),
        ]
        .into_iter()
        .collect();
        Self {
            by_purpose,
            fallback: Duration::minutes(60),
        }
    }
}

impl Lifetimes {
    /// The lifetime of tokens issued for `purpose`.
    #[must_use]
    pub fn get(&self, purpose: &Purpose) -> Duration {
        self.by_purpose
            .get(purpose)
            .copied()
            .unwrap_or(self.fallback)
    }

    /// Sets the lifetime of tokens issued for `purpose` (built-in or custom).
    ///
    /// # Errors
    /// [`TokenError::OutOfBounds`] outside [`MIN_LIFETIME`]..=[`MAX_LIFETIME`].
    pub fn set(&mut self, purpose: Purpose, lifetime: Duration) -> Result<(), TokenError> {
        check_lifetime(lifetime)?;
        self.by_purpose.insert(purpose, lifetime);
        Ok(())
    }

    /// Sets the lifetime of custom purposes that have none of their own.
    ///
    /// # Errors
    /// As [`Lifetimes::set`].
    pub fn set_fallback(&mut self, lifetime: Duration) -> Result<(), TokenError> {
        check_lifetime(lifetime)?;
        self.fallback = lifetime;
        Ok(())
    }
}

/// Refuses a lifetime outside [`MIN_LIFETIME`]..=[`MAX_LIFETIME`].
pub(crate) fn check_lifetime(lifetime: Duration) -> Result<(), TokenError> {
    if (MIN_LIFETIME..=MAX_LIFETIME).contains(&lifetime) {
        Ok(())
    } else {
        Err(TokenError::OutOfBounds {
            setting: "token lifetime",
            bounds: LIFETIME_BOUNDS,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (name, purpose) in Purpose::BUILT_IN {
            assert_eq!(Purpose::parse(name).unwrap(), purpose);
            assert_eq!(purpose.as_str(), name);
            let json = serde_json::to_string(&purpose).unwrap();
            assert_eq!(json, format!("\"{name}\""));
            assert_eq!(serde_json::from_str::<Purpose>(&json).unwrap(), purpose);
        }
        let custom = Purpose::parse("discovery").unwrap();
        assert_eq!(custom, Purpose::Custom("discovery".into()));
        assert_eq!(custom.to_string(), "discovery");
        for bad in ["", "Login", "a-b", "a b", "é", &"x".repeat(65)] {
            assert!(Purpose::parse(bad).is_err(), "{bad}");
        }
        assert!(Purpose::custom("invite").is_err());
        assert!(serde_json::from_str::<Purpose>("\"Bad!\"").is_err());
    }

    #[test]
    fn default_lifetimes_match_the_table() {
        let l = Lifetimes::default();
        assert_eq!(l.get(&Purpose::Login), Duration::minutes(60));
        assert_eq!(l.get(&Purpose::Signup), Duration::minutes(10080));
        assert_eq!(l.get(&Purpose::Invite), Duration::minutes(10080));
        assert_eq!(l.get(&Purpose::PasswordReset), Duration::minutes(30));
        assert_eq!(l.get(&Purpose::EmailVerification), Duration::minutes(1440));
        assert_eq!(l.get(&Purpose::EmailChange), Duration::minutes(1440));
        assert_eq!(
            l.get(&Purpose::custom("discovery").unwrap()),
            Duration::minutes(60)
        );
    }

    #[test]
    fn lifetimes_are_bounded() {
        let mut l = Lifetimes::default();
        let discovery = Purpose::custom("discovery").unwrap();
        l.set(discovery.clone(), Duration::minutes(5)).unwrap();
        assert_eq!(l.get(&discovery), Duration::minutes(5));
        l.set(Purpose::Login, Duration::minutes(10080)).unwrap();
        for bad in [
            Duration::minutes(5) - Duration::SECOND,
            Duration::minutes(10080) + Duration::SECOND,
            Duration::ZERO,
            -Duration::minutes(60),
        ] {
            assert!(matches!(
                l.set(Purpose::Login, bad),
                Err(TokenError::OutOfBounds { .. })
            ));
            assert!(l.set_fallback(bad).is_err());
        }
        assert_eq!(l.get(&Purpose::Login), Duration::minutes(10080));
        l.set_fallback(Duration::minutes(20)).unwrap();
        assert_eq!(
            l.get(&Purpose::custom("other").unwrap()),
            Duration::minutes(20)
        );
    }
}
