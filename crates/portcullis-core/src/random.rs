//! Random secrets: bytes, tokens in several encodings, and numeric codes.
//!
//! Each generator comes in two forms: one that draws from the operating system's
//! CSPRNG ([`OsRng`], `getrandom`), and a `*_with` form that takes any
//! [`CryptoRng`] the caller supplies (a seeded generator in tests, a faster user-space
//! CSPRNG such as `rand::rngs::ThreadRng` in a hot path). Every result is a
//! [`SecretBytes`] or [`SecretString`], and the intermediate random bytes are zeroized.
//!
//! Characters drawn from alphabets whose size does not divide 256 (digits, base62) use
//! rejection sampling, so every symbol is exactly equally likely: a plain `byte % 10`
//! would make the digits 0 to 5 about 4% more likely than 6 to 9.

use rand_core::{CryptoRng, TryCryptoRng, TryRng, UnwrapErr};
use zeroize::Zeroizing;

use crate::encoding::{Base32, Base64, Hex};
use crate::secret::{SecretBytes, SecretString};

/// The operating system's CSPRNG (`getrandom`), usable wherever a [`CryptoRng`] is asked for.
///
/// A failure of the operating system to supply randomness is not a condition a program
/// can recover from safely; like `rand`'s own generators, this type panics in that case
/// (on Linux it cannot happen once the kernel's pool is initialised at boot).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRng;

impl TryRng for OsRng {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        UnwrapErr(getrandom::SysRng).try_next_u32()
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        UnwrapErr(getrandom::SysRng).try_next_u64()
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        UnwrapErr(getrandom::SysRng).try_fill_bytes(dst)
    }
}

impl TryCryptoRng for OsRng {}

/// How a random token's bytes are rendered as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenEncoding {
    /// Base64url without padding (RFC 4648 section 5): 4 characters per 3 bytes.
    Base64Url,
    /// Base32 without padding, upper case (RFC 4648 section 6): 8 characters per 5 bytes.
    Base32,
    /// Lower-case hex: 2 characters per byte.
    Hex,
    /// `0-9 A-Z a-z`, each character uniform; as many characters as it takes to carry
    /// at least the requested number of bytes of entropy (`ceil(8n / log2 62)`).
    Base62,
}

/// The 62 symbols of [`TokenEncoding::Base62`].
pub const BASE62_ALPHABET: &[u8; 62] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `n` random bytes from the OS CSPRNG.
#[must_use]
pub fn bytes(n: usize) -> SecretBytes {
    bytes_with(&mut OsRng, n)
}

/// `n` random bytes from `rng`.
#[must_use]
pub fn bytes_with<R: CryptoRng + ?Sized>(rng: &mut R, n: usize) -> SecretBytes {
    let mut buf = vec![0u8; n];
    rng.fill_bytes(&mut buf);
    SecretBytes::new(buf)
}

/// A token carrying `n` random bytes from the OS CSPRNG, rendered in `encoding`.
///
/// ```
/// use portcullis_core::{random, TokenEncoding};
///
/// assert_eq!(random::token(32, TokenEncoding::Hex).len(), 64);
/// assert_eq!(random::token(32, TokenEncoding::Base62).len(), 43);
/// ```
#[must_use]
pub fn token(n: usize, encoding: TokenEncoding) -> SecretString {
    token_with(&mut OsRng, n, encoding)
}

/// A token carrying `n` random bytes from `rng`, rendered in `encoding`.
#[must_use]
pub fn token_with<R: CryptoRng + ?Sized>(
    rng: &mut R,
    n: usize,
    encoding: TokenEncoding,
) -> SecretString {
    if encoding == TokenEncoding::Base62 {
        return SecretString::new(sample(rng, BASE62_ALPHABET, base62_len(n)));
    }
    let raw = Zeroizing::new({
        let mut buf = vec![0u8; n];
        rng.fill_bytes(&mut buf);
        buf
    });
    SecretString::new(match encoding {
        TokenEncoding::Base64Url => Base64::UrlUnpadded.encode(&raw),
        TokenEncoding::Base32 => Base32::Unpadded.encode(&raw),
        TokenEncoding::Hex | TokenEncoding::Base62 => Hex::Lower.encode(&raw),
    })
}

/// A numeric code of exactly `digits` decimal digits from the OS CSPRNG, leading zeros
/// kept (`"004217"`), every code equally likely.
///
/// ```
/// use portcullis_core::random;
///
/// let code = random::digits(6);
/// assert_eq!(code.len(), 6);
/// assert!(code.expose_secret().bytes().all(|b| b.is_ascii_digit()));
/// ```
#[must_use]
pub fn digits(digits: usize) -> SecretString {
    digits_with(&mut OsRng, digits)
}

/// A numeric code of exactly `digits` decimal digits from `rng`.
#[must_use]
pub fn digits_with<R: CryptoRng + ?Sized>(rng: &mut R, digits: usize) -> SecretString {
    SecretString::new(sample(rng, b"0123456789", digits))
}

/// `len` characters drawn uniformly and independently from `alphabet`.
///
/// Other crates use this for their own alphabets (recovery codes without look-alike
/// characters, for instance). `alphabet` must hold between 1 and 256 ASCII symbols;
/// anything else yields an empty string rather than a biased one.
#[must_use]
pub fn string_from_alphabet_with<R: CryptoRng + ?Sized>(
    rng: &mut R,
    alphabet: &[u8],
    len: usize,
) -> SecretString {
    if alphabet.is_empty() || alphabet.len() > 256 || !alphabet.is_ascii() {
        return SecretString::default();
    }
    SecretString::new(sample(rng, alphabet, len))
}

/// Number of base62 characters that carry at least `n` bytes of entropy.
fn base62_len(n: usize) -> usize {
    // log2(62) = 5.954...; f64 is exact enough for any length that fits in memory.
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    let len = ((n as f64) * 8.0 / 62f64.log2()).ceil() as usize;
    len
}

/// Rejection sampling: a byte is kept only if it falls below the largest multiple of the
/// alphabet size that fits in a byte, so `byte % size` is exactly uniform.
fn sample<R: CryptoRng + ?Sized>(rng: &mut R, alphabet: &[u8], len: usize) -> String {
    let size = alphabet.len();
    let limit = 256 - 256 % size; // 250 for digits, 248 for base62
    let mut out = Zeroizing::new(Vec::with_capacity(len));
    let mut pool = Zeroizing::new([0u8; 64]);
    while out.len() < len {
        rng.fill_bytes(pool.as_mut());
        for &byte in pool.iter() {
            if usize::from(byte) < limit && out.len() < len {
                out.push(alphabet[usize::from(byte) % size]);
            }
        }
    }
    // The alphabet is ASCII, so every pushed byte is valid UTF-8 on its own.
    out.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::{Rng, SeedableRng};

    /// Pearson's chi-squared statistic of `counts` against a uniform expectation.
    fn chi_squared(counts: &[u64]) -> f64 {
        let total: u64 = counts.iter().sum();
        let expected = total as f64 / counts.len() as f64;
        counts
            .iter()
            .map(|&c| (c as f64 - expected).powi(2) / expected)
            .sum()
    }

    // Critical values of the chi-squared distribution at p = 0.001.
    const CHI2_9_DOF_P001: f64 = 27.877;
    const CHI2_61_DOF_P001: f64 = 100.888;

    #[test]
    fn digits_are_unbiased() {
        let mut rng = ChaCha20Rng::seed_from_u64(0x5eed);
        let mut counts = [0u64; 10];
        // 100,000 six-digit codes: 600,000 digits, 60,000 expected per digit.
        for _ in 0..100_000 {
            let code = digits_with(&mut rng, 6);
            assert_eq!(code.len(), 6);
            for b in code.expose_secret().bytes() {
                counts[usize::from(b - b'0')] += 1;
            }
        }
        let chi2 = chi_squared(&counts);
        assert!(chi2 < CHI2_9_DOF_P001, "chi2 = {chi2}, counts = {counts:?}");
    }

    #[test]
    fn chi_squared_check_detects_modulo_bias() {
        // The same sample size drawn the naive way must fail the check, or the check
        // above proves nothing.
        let mut rng = ChaCha20Rng::seed_from_u64(0x5eed);
        let mut counts = [0u64; 10];
        let mut buf = vec![0u8; 600_000];
        rng.fill_bytes(&mut buf);
        for b in buf.iter().copied() {
            counts[usize::from(b % 10)] += 1;
        }
        // Expected statistic for this bias at this size is about 220.
        let chi2 = chi_squared(&counts);
        assert!(chi2 > CHI2_9_DOF_P001, "chi2 = {chi2}");
    }

    #[test]
    fn base62_symbols_are_unbiased() {
        let mut rng = ChaCha20Rng::seed_from_u64(62);
        let mut counts = [0u64; 62];
        for _ in 0..20_000 {
            let t = token_with(&mut rng, 32, TokenEncoding::Base62);
            for b in t.expose_secret().bytes() {
                let i = BASE62_ALPHABET.iter().position(|&a| a == b).unwrap();
                counts[i] += 1;
            }
        }
        let chi2 = chi_squared(&counts);
        assert!(chi2 < CHI2_61_DOF_P001, "chi2 = {chi2}");
    }

    #[test]
    fn token_lengths_per_encoding() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for (n, b64, b32, hex, b62) in [
            (16, 22, 26, 32, 22),
            (20, 27, 32, 40, 27),
            (32, 43, 52, 64, 43),
            (64, 86, 103, 128, 86),
        ] {
            assert_eq!(token_with(&mut rng, n, TokenEncoding::Base64Url).len(), b64);
            assert_eq!(token_with(&mut rng, n, TokenEncoding::Base32).len(), b32);
            assert_eq!(token_with(&mut rng, n, TokenEncoding::Hex).len(), hex);
            assert_eq!(token_with(&mut rng, n, TokenEncoding::Base62).len(), b62);
        }
    }

    #[test]
    fn tokens_decode_back_to_their_length() {
        let t = token(32, TokenEncoding::Base64Url);
        assert_eq!(
            Base64::UrlUnpadded.decode(t.expose_secret()).unwrap().len(),
            32
        );
        let t = token(20, TokenEncoding::Base32);
        assert_eq!(
            Base32::Unpadded.decode(t.expose_secret()).unwrap().len(),
            20
        );
        let t = token(16, TokenEncoding::Hex);
        assert_eq!(Hex::decode(t.expose_secret()).unwrap().len(), 16);
    }

    #[test]
    fn os_rng_tokens_differ() {
        // 256-bit values: a repeat would mean the generator is broken.
        assert!(
            !token(32, TokenEncoding::Base64Url)
                .expose_secret()
                .eq(token(32, TokenEncoding::Base64Url).expose_secret())
        );
        assert_eq!(bytes(32).len(), 32);
        assert_ne!(bytes(32).expose_secret(), bytes(32).expose_secret());
    }

    #[test]
    fn seeded_generation_is_reproducible() {
        let a = digits_with(&mut ChaCha20Rng::seed_from_u64(7), 8);
        let b = digits_with(&mut ChaCha20Rng::seed_from_u64(7), 8);
        assert_eq!(a.expose_secret(), b.expose_secret());
    }

    #[test]
    fn custom_alphabets() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let s = string_from_alphabet_with(&mut rng, b"ab", 100);
        assert_eq!(s.len(), 100);
        assert!(s.expose_secret().bytes().all(|b| b == b'a' || b == b'b'));
        assert!(string_from_alphabet_with(&mut rng, b"", 5).is_empty());
        assert!(string_from_alphabet_with(&mut rng, "é".as_bytes(), 5).is_empty());
        assert_eq!(digits_with(&mut rng, 0).len(), 0);
    }
}
