//! Constant-time comparison of secrets.
//!
//! Comparing a presented secret with `==` returns at the first differing byte, which
//! lets an attacker who can time many attempts learn a stored value byte by byte.
//! [`ct_eq`] takes the same time for every input of a given length. Lengths are not
//! hidden: every secret portcullis compares has a public, fixed length (a digest, a
//! code of N digits), so the length carries no information.
//!
//! The differences of all bytes are OR-ed together without branching and only the
//! total passes through `subtle`'s optimisation barrier: one barrier per comparison,
//! not one per byte, which on a 32-byte digest costs about as much as the rest of a
//! token check. It is the construction of Go's `crypto/subtle.ConstantTimeCompare` and
//! BoringSSL's `CRYPTO_memcmp`.

use subtle::{Choice, ConstantTimeEq as _};

/// Returns whether `a` and `b` are equal, in time that depends only on their lengths.
///
/// ```
/// use portcullis_core::ct_eq;
///
/// assert!(ct_eq(b"digest", b"digest"));
/// assert!(!ct_eq(b"digest", b"digesT"));
/// assert!(!ct_eq(b"digest", b"dig"));
/// ```
#[must_use]
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    ct_eq_choice(a, b).into()
}

/// [`ct_eq`] as a [`Choice`], for callers that combine several checks without
/// branching.
#[must_use]
pub fn ct_eq_choice(a: &[u8], b: &[u8]) -> Choice {
    if a.len() != b.len() {
        return Choice::from(0);
    }
    let diff = a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y));
    diff.ct_eq(&0)
}

#[cfg(test)]
mod tests {
    use super::ct_eq;

    #[test]
    fn equal_and_unequal_inputs() {
        assert!(ct_eq(b"", b""));
        assert!(ct_eq(&[7; 32], &[7; 32]));
        assert!(!ct_eq(b"abc", b"abcd"));
        assert!(!ct_eq(b"\x7f", b"\0"));
    }

    #[test]
    fn every_single_bit_difference_is_caught() {
        for i in 0..32 {
            for bit in 0..8 {
                let mut other = [7u8; 32];
                other[i] ^= 1 << bit;
                assert!(!ct_eq(&[7; 32], &other), "byte {i} bit {bit}");
            }
        }
    }
}
