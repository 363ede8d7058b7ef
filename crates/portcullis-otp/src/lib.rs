//! Second factors, sans-I/O: HOTP and TOTP, otpauth enrolment and QR codes, recovery
//! codes, one-time passcodes by email, SMS and WhatsApp, and step-up grants.
//!
//! Every function takes `now` (and, where it draws randomness, an RNG, with an
//! OS-RNG convenience) and returns the record to store. Nothing here reads a clock,
//! a database or the network. Where a check must be followed by a write that may
//! happen only once, the check returns exactly what that single atomic store
//! operation needs:
//!
//! | check | returns | the one atomic store operation |
//! |---|---|---|
//! | [`Totp::verify`], [`TotpEnrollment::verify`] | the accepted [`Step`] | compare-and-set `last_used_step` to it if it is greater |
//! | [`TotpEnrollment::confirm`] | the accepted [`Step`] | set `confirmed_at` and `last_used_step` where still pending and unexpired |
//! | [`Hotp::verify`] | the matched counter | compare-and-set the counter to matched + 1 |
//! | [`RecoveryCodeSet::redeem`] | the [`RecoveryMatch`] digest and `remaining` | mark that digest used where still unused |
//! | [`PasscodeRecord::verify`] | `()`; the record's `attempts` was counted first | count: `attempts += 1` returning the row; then consume: mark used where unused |
//! | [`GrantRecord::verify`] | [`GrantUse`] | for one-time grants, mark used where unused |
//!
//! | module | standard | what |
//! |---|---|---|
//! | [`totp`], [`hotp`] | RFC 6238, RFC 4226 | codes, windows, replay refusal |
//! | [`secret`] | RFC 4226 section 4 | 160-bit secrets; base32 import with a 128-bit floor |
//! | [`uri`] | Google Authenticator key URI format, RFC 3986 | `otpauth://` write and parse |
//! | `qr` (feature `qr`) | ISO/IEC 18004 | SVG, PNG and PNG data URL |
//! | [`enroll`] | | pending, confirmed and expired TOTP factors |
//! | [`recovery`] | NIST SP 800-63B look-up secrets | recovery codes and how they are stored |
//! | [`passcode`] | NIST SP 800-63B out-of-band, ITU-T E.164 | emailed and texted codes |
//! | [`stepup`] | | grants for sensitive actions |
//! | [`keys`] | FIPS 198-1 (HMAC) | rotating server keys for keyed digests |
//!
//! # Design decisions
//!
//! **HOTP/TOTP are computed on `hmac`, `sha1` and `sha2` directly**, not on
//! `totp-rs`. In the `otp/totp_verify_window1` bench a window-1 verification costs
//! 0.94 to 0.95 times three bare HMAC-SHA-1 computations (the key is absorbed once and
//! the HMAC state cloned per step) and 0.91 to 0.99 times `totp-rs`'s `check`; and
//! `totp-rs` cannot return the newest unused step, stops early on a match, and panics
//! at 10 digits. The [`totp`] module docs have the table.
//!
//! **Recovery codes default to 12 symbols (60 bits) stored as salted Argon2id**; a
//! 24-symbol (120-bit) format stored as HMAC-SHA-256 under a rotating key is one
//! setting away. [`recovery`] has the entropy table and the NIST SP 800-63B reasoning.
//!
//! **Unknown accounts cost the same as known ones.** [`Totp::dummy_verify`],
//! [`RecoveryCodeSet::dummy_redeem`] and [`Passcodes::dummy_verify`] do the work of a
//! real check against a fixed key and always refuse; call them when there is no
//! factor, no code set or no record to check against.
//!
//! **Refusals are not errors.** [`Refusal`] is the expected "no" of a check (wrong,
//! replayed, expired, exhausted); [`OtpError`] is a setting or input the program
//! must fix. Neither carries a secret.
//!
//! ```
//! use portcullis_core::time::from_unix_seconds;
//! use portcullis_otp::{Refusal, TotpEnrollments};
//!
//! let now = from_unix_seconds(1_700_000_000)?;
//! let start = TotpEnrollments::new().begin(Some("ACME"), "ada@example.com", now)?;
//! let mut factor = start.record;
//! let code = factor.totp.generate(&start.secret, now)?;
//! let step = factor.confirm(&start.secret, code.expose_secret(), now).unwrap();
//! factor.apply_confirmation(step, now);
//! assert_eq!(factor.verify(&start.secret, code.expose_secret(), now), Err(Refusal::Replayed));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod code;
pub mod enroll;
pub mod error;
pub mod hotp;
pub mod keys;
mod oath;
pub mod passcode;
#[cfg(feature = "qr")]
pub mod qr;
pub mod recovery;
pub mod secret;
pub mod stepup;
pub mod totp;
pub mod uri;

pub use code::normalize_code;
pub use enroll::{EnrollmentStart, EnrollmentStatus, TotpEnrollment, TotpEnrollments};
pub use error::{OtpError, Refusal};
pub use hotp::Hotp;
pub use keys::{KeyRing, ServerKey};
pub use oath::Algorithm;
pub use passcode::{Destination, IssuedPasscode, PasscodeRecord, Passcodes, PhoneNumber};
pub use recovery::{
    IssuedRecoveryCodes, RecoveryCodeSet, RecoveryCodes, RecoveryFormat, RecoveryMatch,
    normalize_recovery_code,
};
pub use secret::{OtpSecret, SecretPolicy};
pub use stepup::{GrantKind, GrantRecord, GrantUse, IssuedGrant, StepUp};
pub use totp::{Step, Totp};
pub use uri::{KeyUri, UriKind};
