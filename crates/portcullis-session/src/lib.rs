//! Sessions: the model, its lifecycle, custom claims, and HTTP helpers.
//!
//! A [`Session`] is the stored record (Stytch's session object, with a derived
//! [`Status`] of active, expired or terminated). The [`lifecycle`] functions take a
//! session and `now` and change it; the caller persists the result (through
//! `portcullis-store`, or anywhere). Nothing here reads a clock, a network or a
//! database.
//!
//! ```
//! use portcullis_core::OsRng;
//! use portcullis_session::{lifecycle, AuthenticationFactor, FactorType, NewSession, SessionError, SessionPolicy};
//! use portcullis_token::Digester;
//! use time::{Duration, OffsetDateTime};
//!
//! let policy = SessionPolicy { idle_timeout: Some(Duration::minutes(30)), ..SessionPolicy::default() };
//! let now = OffsetDateTime::now_utc();
//! let mut new = NewSession::new("user-1", AuthenticationFactor::new(FactorType::Password, now));
//! new.second_factor_required = true;
//! let mut session = lifecycle::start(&policy, &mut OsRng, new, now).unwrap();
//!
//! // Password accepted, TOTP still missing: not a usable session yet.
//! assert_eq!(lifecycle::authenticate(&mut session, &policy, now, None), Err(SessionError::SecondFactorRequired));
//! let totp = AuthenticationFactor::new(FactorType::Totp, now);
//! // The full session gets a new token (fixation defence); store its digest.
//! let token = lifecycle::complete_second_factor(&mut session, &policy, totp, now, Some(120), &mut OsRng, &Digester::Sha256).unwrap();
//! assert!(lifecycle::authenticate(&mut session, &policy, now + Duration::minutes(5), None).is_ok());
//! // Half an hour of silence ends it.
//! assert_eq!(
//!     lifecycle::authenticate(&mut session, &policy, now + Duration::minutes(40), None),
//!     Err(SessionError::IdleTimeout)
//! );
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod claims;
mod error;
pub mod http;
pub mod jwt;
pub mod lifecycle;
mod model;
pub mod token;

pub use error::SessionError;
pub use lifecycle::{NewSession, SessionPolicy};
pub use model::{
    Attributes, AuthenticationFactor, DeliveryMethod, FactorIds, FactorType, Session, Stage,
    Status, Termination, TerminationReason,
};
