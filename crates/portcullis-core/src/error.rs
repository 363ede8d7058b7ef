//! The small error types shared across crates. Each primitive crate has its own error
//! enum and wraps these where it decodes or converts; none of them carries input bytes,
//! so an error can be logged even when the input was a secret.

/// Why a base64, base32 or hex string could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A byte outside the alphabet (or a character from the other base64 alphabet than
    /// the one the rest of the input uses), at this zero-based byte offset.
    #[error("invalid character at offset {position}")]
    InvalidCharacter {
        /// Zero-based byte offset in the input.
        position: usize,
    },
    /// The number of symbols cannot be the encoding of a whole number of bytes.
    #[error("invalid length")]
    InvalidLength,
    /// Padding is missing where required, present where forbidden, or of the wrong size.
    #[error("invalid padding")]
    InvalidPadding,
    /// The last symbol carries non-zero bits beyond the encoded bytes, so the input is
    /// not the canonical encoding of any byte string.
    #[error("non-canonical trailing bits")]
    NonCanonical,
}

/// A timestamp outside the range the `time` crate represents (years -9999 to 9999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("timestamp out of range")]
pub struct TimeRangeError;
