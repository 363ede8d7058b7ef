//! What can go wrong: [`OtpError`] for settings and inputs a caller must fix, and
//! [`Refusal`] for the ordinary "no" of a check.
//!
//! The two are kept apart on purpose. An [`OtpError`] means the program asked for
//! something impossible (a 5-digit TOTP, a secret too short to be safe, an otpauth URI
//! that is not one); it is worth logging and is never caused by guessing. A [`Refusal`]
//! is the expected answer to a wrong, replayed, expired or exhausted code; it is what a
//! verifier returns to every attacker, so its variants are few, and each tells the
//! caller what to do next (ask again, tell the user the code expired, send a new
//! code, ...). Neither ever carries the secret or the code that was presented.

use portcullis_core::DecodeError;

/// A setting out of its bounds, or an input that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OtpError {
    /// A setting outside its documented bounds (the bounds are in the message).
    #[error("{setting} must be between {min} and {max}")]
    OutOfBounds {
        /// Which setting.
        setting: &'static str,
        /// Smallest allowed value.
        min: u64,
        /// Largest allowed value.
        max: u64,
    },
    /// A secret key that is not valid base32.
    #[error("secret is not base32: {0}")]
    SecretEncoding(DecodeError),
    /// A secret shorter than the policy allows (the number of bits it carries).
    #[error("secret carries {bits} bits, fewer than the {min_bits} required")]
    SecretTooShort {
        /// Bits the secret carries.
        bits: usize,
        /// Bits the policy requires.
        min_bits: usize,
    },
    /// A secret longer than any HMAC key portcullis accepts.
    #[error("secret is longer than {max_bytes} bytes")]
    SecretTooLong {
        /// Largest accepted length in bytes.
        max_bytes: usize,
    },
    /// An otpauth URI that could not be parsed (the reason is static text).
    #[error("invalid otpauth URI: {0}")]
    InvalidUri(&'static str),
    /// An account name, issuer, user id, action type or destination that is empty,
    /// too long or holds characters it may not.
    #[error("invalid {0}")]
    InvalidField(&'static str),
    /// A phone number that is not in E.164 form (`+` then 2 to 15 digits, the first
    /// not zero).
    #[error("phone number is not in E.164 form")]
    InvalidPhoneNumber,
    /// A server key list that is empty, repeats an id, or holds a key shorter than
    /// 128 bits.
    #[error("invalid key ring: {0}")]
    InvalidKeyRing(&'static str),
    /// A recovery code to import that is empty or not made of letters and digits.
    #[error("recovery code {index} cannot be imported")]
    InvalidRecoveryCode {
        /// Zero-based position of the code in the list given.
        index: usize,
    },
    /// The password-hash function refused its parameters (not expected with the
    /// built-in profile).
    #[error("password hash failed")]
    PasswordHash,
    /// QR rendering failed (the data is too long for a QR code).
    #[error("QR code cannot be rendered: {0}")]
    Qr(&'static str),
}

/// Why a code, recovery code or grant was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The input is not shaped like a code at all (letters in a numeric code, the
    /// wrong number of digits, stray punctuation). Ask the user to retype it.
    #[error("malformed code")]
    Malformed,
    /// Well formed, but not the code (or not a code of this set, or a grant that does
    /// not exist).
    #[error("wrong code")]
    WrongCode,
    /// The code is right for a time step at or before the last one accepted: it was
    /// already used (RFC 6238 section 5.2). Ask for the next code.
    #[error("code already used")]
    Replayed,
    /// The code, enrolment or grant is past its expiry.
    #[error("expired")]
    Expired,
    /// A single-use code or grant that was already consumed.
    #[error("already used")]
    AlreadyUsed,
    /// The per-code attempt limit was reached; the code is dead, send a new one.
    #[error("too many attempts")]
    AttemptsExhausted,
    /// The code was sent to a different destination (email address or phone number)
    /// than the one presented.
    #[error("code was sent elsewhere")]
    WrongDestination,
    /// A step-up grant presented for another user or another action.
    #[error("grant is for another user or action")]
    WrongSubject,
    /// The enrolment has not been confirmed with a first code yet.
    #[error("enrolment not confirmed")]
    NotConfirmed,
    /// The enrolment was already confirmed.
    #[error("enrolment already confirmed")]
    AlreadyConfirmed,
    /// The stored record cannot be checked: it names a server key that is no longer
    /// in the key ring, or carries hash parameters outside the accepted range. This is
    /// a deployment problem (a key retired too early, a damaged row), not the user's.
    #[error("record cannot be verified")]
    Unverifiable,
}
