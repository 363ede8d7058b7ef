//! Constant-time equality with one optimisation barrier per comparison.
//!
//! `subtle`'s slice comparison passes every byte's result through its barrier (a
//! volatile read), which on a 32-byte digest or a 43-character PKCE challenge cost
//! about as much as the rest of the check. Here the differences of all bytes are OR-ed
//! together without branching and only the total passes through the barrier: the
//! construction of Go's `crypto/subtle.ConstantTimeCompare` and BoringSSL's
//! `CRYPTO_memcmp`. The time depends only on the lengths, which are public (every
//! value compared here has a fixed or stored length).

use subtle::{Choice, ConstantTimeEq as _};

/// Whether `a` and `b` are equal, in time that depends only on their lengths.
pub(crate) fn eq(a: &[u8], b: &[u8]) -> Choice {
    if a.len() != b.len() {
        return Choice::from(0);
    }
    let diff = a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y));
    diff.ct_eq(&0)
}

#[cfg(test)]
mod tests {
    use super::eq;

    #[test]
    fn equality() {
        let yes = |a: &[u8], b: &[u8]| bool::from(eq(a, b));
        assert!(yes(b"", b""));
        assert!(yes(&[7; 32], &[7; 32]));
        assert!(!yes(b"abc", b"abcd"));
        for i in 0..32 {
            for bit in 0..8 {
                let mut other = [7u8; 32];
                other[i] ^= 1 << bit;
                assert!(!yes(&[7; 32], &other), "byte {i} bit {bit}");
            }
        }
    }
}
