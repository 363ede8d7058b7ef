//! Shared vocabulary for the portcullis crates.
//!
//! Everything here is used by more than one primitive crate and belongs to none of them:
//!
//! | module | what it holds |
//! |---|---|
//! | [`secret`] | [`SecretString`] and [`SecretBytes`]: zeroized on drop, printed as `[redacted]` |
//! | [`ct`] | [`ct_eq`], [`ct_eq_choice`]: constant-time equality for byte strings |
//! | [`random`] | random secrets from the OS CSPRNG or a caller's [`CryptoRng`]: bytes, tokens, numeric codes |
//! | [`encoding`] | base64, base32 and hex with strict and tolerant decoders and typed errors |
//! | [`time`] | the [`Clock`] trait, a system and a manual clock, unix-seconds conversions |
//! | [`error`] | the small error types the above return |
//!
//! The crate is sans-I/O except for [`OsRng`] and [`SystemClock`], the two conveniences
//! that read the operating system; every function that needs randomness or the current
//! time has a variant taking them as arguments.
//!
//! ```
//! use portcullis_core::{random, TokenEncoding};
//!
//! let token = random::token(32, TokenEncoding::Base64Url);
//! assert_eq!(token.expose_secret().len(), 43);
//! assert_eq!(format!("{token:?}"), "[redacted]");
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod ct;
pub mod encoding;
pub mod error;
pub mod random;
pub mod secret;
pub mod time;

pub use ct::{ct_eq, ct_eq_choice};
pub use encoding::{Base32, Base64, Hex};
pub use error::{DecodeError, TimeRangeError};
pub use random::{OsRng, TokenEncoding};
pub use secret::{SecretBytes, SecretString};
pub use time::{Clock, ManualClock, SystemClock};

/// The time types used across portcullis (`time` 0.3).
pub use ::time::{Duration, OffsetDateTime};
/// The random-number traits every portcullis function that takes an RNG is generic over.
pub use rand_core::{self, CryptoRng};
