//! Constant-time comparison of secrets.
//!
//! Comparing a presented secret with `==` returns at the first differing byte, which
//! lets an attacker who can time many attempts learn a stored value byte by byte.
//! [`ct_eq`] takes the same time for every input of a given length. Lengths are not
//! hidden: every secret portcullis compares has a public, fixed length (a digest, a
//! code of N digits), so the length carries no information.

use subtle::ConstantTimeEq;

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
    // `subtle` returns a false Choice at once for different lengths, which is fine:
    // lengths are public (see the module docs).
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::ct_eq;

    #[test]
    fn equal_and_unequal_inputs() {
        assert!(ct_eq(b"", b""));
        assert!(ct_eq(&[0u8; 32], &[0u8; 32]));
        let mut other = [0u8; 32];
        other[31] = 1;
        assert!(!ct_eq(&[0u8; 32], &other));
        other[31] = 0;
        other[0] = 0x80;
        assert!(!ct_eq(&[0u8; 32], &other));
    }

    #[test]
    fn different_lengths_are_unequal() {
        assert!(!ct_eq(b"abc", b"abcd"));
        assert!(!ct_eq(b"", b"a"));
    }
}
