//! Fixed-width base62 for fixed-size byte strings (API key ids, secrets and checksums).
//!
//! The bytes are read as one big-endian unsigned integer and written in base 62 with the
//! alphabet `0-9 A-Z a-z`, most significant digit first, left-padded with `0` to the
//! width that any value of that many bytes needs (16 bytes: 22 digits, 32 bytes: 43,
//! 4 bytes: 6). The width is fixed, so a key has a fixed length and a regular
//! expression a secret scanner can use. Base62 has no `-` or `+`, so a double click
//! selects a whole key.
//!
//! Written here because the base62 crates encode only integers up to 128 bits (`base62`)
//! or keep leading zero bytes as extra digits, which makes the width vary (`base-x`).
//! Decoding refuses any other width, any character outside the alphabet, and values
//! that do not fit in the byte count, so every byte string has exactly one spelling.

use portcullis_core::random::BASE62_ALPHABET;
use zeroize::Zeroizing;

/// Digits needed for `n` bytes: the least `w` with `62^w >= 256^n`.
pub(crate) const fn width(n: usize) -> usize {
    match n {
        4 => 6,
        16 => 22,
        32 => 43,
        // Only the sizes above are used; ceil(8n / log2 62) in general.
        _ => (n * 8 * 1000).div_ceil(5954),
    }
}

/// Digits handled per step: 62^5 = 916,132,832 fits in a `u32`, so a step multiplies or
/// divides 32-bit limbs with 64-bit arithmetic by a constant.
const CHUNK: usize = 5;
const CHUNK_BASE: u64 = 62u64.pow(CHUNK as u32);
/// The largest byte count handled (32-byte secrets): eight 32-bit limbs.
const MAX_LIMBS: usize = 8;

/// Writes `bytes` as exactly `width(N)` base62 digits.
pub(crate) fn encode<const N: usize>(bytes: &[u8; N]) -> String {
    let mut out = String::with_capacity(width(N));
    encode_into(bytes, &mut out);
    out
}

/// Appends `bytes` as exactly `width(N)` base62 digits to `out`. The working buffers
/// are wiped on return (they hold secrets when `bytes` is one); `out` should have the
/// capacity already, so that no copy of a secret is left behind by a reallocation.
pub(crate) fn encode_into<const N: usize>(bytes: &[u8; N], out: &mut String) {
    let mut limbs = Zeroizing::new(to_limbs(bytes));
    let count = N.div_ceil(4);
    let mut digits = Zeroizing::new([b'0'; 64]);
    let w = width(N);
    let mut end = w;
    while end > 0 {
        // Divide the number by 62^5, most significant limb first; the remainder is
        // the next five digits from the right.
        let mut remainder: u64 = 0;
        for limb in limbs[..count].iter_mut().rev() {
            let acc = (remainder << 32) | u64::from(*limb);
            *limb = (acc / CHUNK_BASE) as u32;
            remainder = acc % CHUNK_BASE;
        }
        for _ in 0..CHUNK.min(end) {
            end -= 1;
            digits[end] = BASE62_ALPHABET[(remainder % 62) as usize];
            remainder /= 62;
        }
    }
    out.extend(digits[..w].iter().map(|&b| char::from(b)));
}

/// Reads exactly `width(N)` base62 digits into `N` bytes; `None` for any other width, a
/// character outside the alphabet, or a value of `256^N` or more.
pub(crate) fn decode<const N: usize>(text: &[u8]) -> Option<[u8; N]> {
    if text.len() != width(N) || N > 4 * MAX_LIMBS {
        return None;
    }
    let count = N.div_ceil(4);
    // Wiped on every return path: the digits may spell a secret.
    let mut limbs = Zeroizing::new([0u32; MAX_LIMBS]);
    for chunk in text.chunks(CHUNK) {
        let mut value: u64 = 0;
        let mut scale: u64 = 1;
        for &c in chunk {
            let digit = match c {
                b'0'..=b'9' => c - b'0',
                b'A'..=b'Z' => c - b'A' + 10,
                b'a'..=b'z' => c - b'a' + 36,
                _ => return None,
            };
            value = value * 62 + u64::from(digit);
            scale *= 62;
        }
        // number = number * 62^len + value, least significant limb first.
        let mut carry = value;
        for limb in &mut limbs[..count] {
            let acc = u64::from(*limb) * scale + carry;
            *limb = acc as u32;
            carry = acc >> 32;
        }
        if carry != 0 {
            return None;
        }
    }
    // For N not a multiple of 4 the top limb must also fit in the remaining bytes.
    if !N.is_multiple_of(4) && limbs[count - 1] >> (8 * (N % 4)) != 0 {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().rev().enumerate() {
        *byte = (limbs[i / 4] >> (8 * (i % 4))) as u8;
    }
    Some(out)
}

/// The big-endian bytes as little-endian 32-bit limbs.
fn to_limbs<const N: usize>(bytes: &[u8; N]) -> [u32; MAX_LIMBS] {
    let mut limbs = [0u32; MAX_LIMBS];
    for (i, &byte) in bytes.iter().rev().enumerate().take(4 * MAX_LIMBS) {
        limbs[i / 4] |= u32::from(byte) << (8 * (i % 4));
    }
    limbs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_minimal() {
        for n in [4usize, 16, 32] {
            let w = width(n);
            // 62^w >= 256^n > 62^(w-1), in logarithms.
            let bits = 62f64.log2();
            assert!((w as f64) * bits >= (n * 8) as f64);
            assert!(((w - 1) as f64) * bits < (n * 8) as f64);
        }
    }

    #[test]
    fn known_values() {
        assert_eq!(encode(&[0u8; 4]), "000000");
        assert_eq!(encode(&[0, 0, 0, 61]), "00000z");
        assert_eq!(encode(&[0, 0, 0, 62]), "000010");
        assert_eq!(encode(&[0xff; 4]), "4gfFC3"); // 4294967295
        assert_eq!(decode::<4>(b"4gfFC3"), Some([0xff; 4]));
        assert_eq!(decode::<4>(b"4gfFC4"), None); // 2^32
        assert_eq!(decode::<4>(b"zzzzzz"), None);
        assert_eq!(decode::<4>(b"00000"), None);
        assert_eq!(decode::<4>(b"00000-"), None);
        assert_eq!(encode(&[0xff; 32]).len(), 43);
        assert_eq!(encode(&[0xff; 16]).len(), 22);
    }

    /// The byte-at-a-time long division the chunked code replaces, as a reference.
    fn encode_slow<const N: usize>(bytes: &[u8; N]) -> String {
        let mut number = *bytes;
        let mut digits = vec![b'0'; width(N)];
        for slot in digits.iter_mut().rev() {
            let mut remainder: u32 = 0;
            for byte in &mut number {
                let acc = (remainder << 8) | u32::from(*byte);
                *byte = (acc / 62) as u8;
                remainder = acc % 62;
            }
            *slot = BASE62_ALPHABET[remainder as usize];
        }
        String::from_utf8(digits).unwrap()
    }

    #[test]
    fn chunked_agrees_with_long_division() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        };
        for _ in 0..2000 {
            let b32: [u8; 32] = core::array::from_fn(|_| next());
            let b16: [u8; 16] = core::array::from_fn(|_| next());
            let b4: [u8; 4] = core::array::from_fn(|_| next());
            assert_eq!(encode(&b32), encode_slow(&b32));
            assert_eq!(encode(&b16), encode_slow(&b16));
            assert_eq!(encode(&b4), encode_slow(&b4));
            assert_eq!(decode::<32>(encode(&b32).as_bytes()), Some(b32));
            assert_eq!(decode::<16>(encode(&b16).as_bytes()), Some(b16));
            assert_eq!(decode::<4>(encode(&b4).as_bytes()), Some(b4));
        }
        // The largest values of each width decode only up to 256^N - 1.
        assert_eq!(
            decode::<16>(encode_slow(&[0xff; 16]).as_bytes()),
            Some([0xff; 16])
        );
        assert_eq!(decode::<16>(b"zzzzzzzzzzzzzzzzzzzzzz"), None);
        assert_eq!(decode::<32>(&[b'z'; 43]), None);
    }

    #[test]
    fn round_trips() {
        let mut bytes = [0u8; 32];
        for i in 0..=255u8 {
            bytes.iter_mut().enumerate().for_each(|(j, b)| {
                *b = i
                    .wrapping_mul(31)
                    .wrapping_add(j as u8)
                    .rotate_left(u32::from(i % 8));
            });
            let text = encode(&bytes);
            assert_eq!(text.len(), 43);
            assert_eq!(decode::<32>(text.as_bytes()), Some(bytes));
        }
        assert_eq!(
            decode::<32>(encode(&[0xff; 32]).as_bytes()),
            Some([0xff; 32])
        );
    }
}
