//! What a typed numeric code may look like.
//!
//! Authenticator apps show codes in groups (`123 456`, `1234 5678`) and people type
//! them the same way, or paste them with a dash. The rule here is narrow on purpose:
//! ASCII digits, optionally split into groups by one or more spaces or by a single
//! dash, with spaces allowed around the whole. Anything else (letters, full-width or
//! other non-ASCII digits, two dashes, a leading dash, tabs) is malformed, which a
//! verifier reports as [`Refusal::Malformed`], distinct from a wrong code. The digit
//! count must be exactly the one configured; a code with a digit missing is malformed
//! too, never silently compared.

use portcullis_core::SecretString;

use crate::error::Refusal;
use crate::oath::{Code, MAX_DIGITS};

/// Longest input looked at; longer input is malformed without being scanned.
const MAX_INPUT: usize = 64;

/// Normalises a typed code of exactly `digits` digits to its bare digits.
///
/// ```
/// use portcullis_otp::normalize_code;
///
/// assert_eq!(normalize_code(" 123 456 ", 6).unwrap().expose_secret(), "123456");
/// assert_eq!(normalize_code("1234-5678", 8).unwrap().expose_secret(), "12345678");
/// assert!(normalize_code("12345", 6).is_err());
/// assert!(normalize_code("123--456", 6).is_err());
/// assert!(normalize_code("l23456", 6).is_err());
/// ```
///
/// # Errors
/// [`Refusal::Malformed`] for anything but the shapes above.
pub fn normalize_code(input: &str, digits: u8) -> Result<SecretString, Refusal> {
    normalize(input, digits).map(|code| SecretString::from(code.as_str()))
}

/// The allocation-free form used by the verifiers.
pub(crate) fn normalize(input: &str, digits: u8) -> Result<Code, Refusal> {
    let bytes = input.as_bytes();
    if bytes.len() > MAX_INPUT || usize::from(digits) > MAX_DIGITS || digits == 0 {
        return Err(Refusal::Malformed);
    }
    let trimmed = trim_spaces(bytes);
    let mut out = [0u8; MAX_DIGITS];
    let mut count = 0usize;
    // What came just before: a digit, or a separator (and which one).
    let mut after_digit = false;
    let mut dash_in_gap = false;
    for &byte in trimmed {
        match byte {
            b'0'..=b'9' => {
                if count == usize::from(digits) {
                    return Err(Refusal::Malformed);
                }
                out[count] = byte;
                count += 1;
                after_digit = true;
                dash_in_gap = false;
            }
            b' ' if !dash_in_gap => after_digit = false,
            // One dash per gap, and only right after a digit (no spaces around it).
            b'-' if after_digit => {
                after_digit = false;
                dash_in_gap = true;
            }
            _ => return Err(Refusal::Malformed),
        }
    }
    // `trimmed` ends with a non-space, so a trailing separator can only be a dash.
    if count != usize::from(digits) || dash_in_gap {
        return Err(Refusal::Malformed);
    }
    let code = Code::from_digits(&out[..count]);
    zeroize::Zeroize::zeroize(&mut out);
    Ok(code)
}

fn trim_spaces(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != b' ').unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| b != b' ')
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_shapes() {
        for (input, digits, expected) in [
            ("123456", 6, "123456"),
            ("123 456", 6, "123456"),
            ("123   456", 6, "123456"),
            ("  123456  ", 6, "123456"),
            ("123-456", 6, "123456"),
            ("1 2 3 4 5 6", 6, "123456"),
            ("1234 5678", 8, "12345678"),
            ("12-34-56-78", 8, "12345678"),
            ("0000000000", 10, "0000000000"),
            ("001 234 5678", 10, "0012345678"),
        ] {
            assert_eq!(
                normalize_code(input, digits).unwrap().expose_secret(),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn refused_shapes() {
        for (input, digits) in [
            ("", 6),
            ("      ", 6),
            ("12345", 6),
            ("1234567", 6),
            ("123--456", 6),
            ("123 - 456", 6),
            ("123- 456", 6),
            ("-123456", 6),
            ("123456-", 6),
            ("123\t456", 6),
            ("123_456", 6),
            ("12345a", 6),
            ("１２３４５６", 6),
            ("+123456", 6),
            ("123456\n", 6),
            ("123456", 0),
            ("12345678901", 11),
        ] {
            assert_eq!(
                normalize_code(input, digits).err(),
                Some(Refusal::Malformed),
                "{input:?}"
            );
        }
        assert_eq!(
            normalize_code(&"1".repeat(65), 6).err(),
            Some(Refusal::Malformed)
        );
    }
}
