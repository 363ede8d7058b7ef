//! The two base64 dialects of the crypt world that RFC 4648 does not cover.
//!
//! - *h64*: alphabet `./0-9A-Za-z`, bytes taken three at a time as a little-endian
//!   24-bit number and written low six bits first (md5-crypt, phpass, Drupal, scrypt
//!   `$7$`). A trailing group of one or two bytes is written as two or three characters.
//! - *ab64*: passlib's "adapted base64", standard base64 with `.` in place of `+` and no
//!   padding (passlib's `$pbkdf2-*$` strings).
//!
//! Written here because no maintained crate exposes h64 with partial groups and the
//! byte orders these formats need; both are a few lines.

use portcullis_core::Base64;

/// The crypt alphabet, in value order.
pub const H64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The value of one crypt-alphabet character.
pub fn h64_value(c: u8) -> Option<u32> {
    match c {
        b'.' => Some(0),
        b'/' => Some(1),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 2),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 12),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 38),
        _ => None,
    }
}

/// Whether every byte of `s` is in the crypt alphabet.
pub fn is_h64(s: &str) -> bool {
    s.bytes().all(|c| h64_value(c).is_some())
}

/// Encodes `bytes` as little-endian h64.
pub fn h64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let mut value = 0u32;
        for (i, &b) in chunk.iter().enumerate() {
            value |= u32::from(b) << (8 * i);
        }
        for _ in 0..=chunk.len() {
            out.push(char::from(H64[(value & 0x3f) as usize]));
            value >>= 6;
        }
    }
    out
}

/// Decodes a little-endian h64 integer of up to five characters (30 bits), as used for
/// the `r` and `p` fields of scrypt `$7$`.
pub fn h64_decode_u32(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 5 {
        return None;
    }
    s.bytes()
        .rev()
        .try_fold(0u32, |acc, c| Some((acc << 6) | h64_value(c)?))
}

/// Decodes passlib's adapted base64 (`.` for `+`, no padding).
pub fn ab64_decode(s: &str) -> Option<Vec<u8>> {
    if s.contains('+') {
        return None;
    }
    Base64::StandardUnpadded.decode(s.replace('.', "+")).ok()
}

/// Encodes passlib's adapted base64.
#[cfg(test)]
pub fn ab64_encode(bytes: &[u8]) -> String {
    Base64::StandardUnpadded.encode(bytes).replace('+', ".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn h64_alphabet_order() {
        for (i, &c) in H64.iter().enumerate() {
            assert_eq!(h64_value(c), Some(i as u32));
        }
        assert_eq!(h64_value(b'+'), None);
        assert_eq!(h64_value(b'$'), None);
    }

    #[test]
    fn h64_partial_groups() {
        assert_eq!(h64_encode(&[]), "");
        assert_eq!(h64_encode(&[0]), "..");
        assert_eq!(h64_encode(&[0xff]), "z1");
        assert_eq!(h64_encode(&[0, 0]), "...");
        assert_eq!(h64_encode(&[0, 0, 0]), "....");
        assert_eq!(h64_encode(&[0xff; 3]), "zzzz");
        assert_eq!(h64_encode(&[0; 16]).len(), 22);
        assert_eq!(h64_encode(&[0; 32]).len(), 43);
        assert_eq!(h64_encode(&[0; 64]).len(), 86);
    }

    #[test]
    fn h64_integers() {
        assert_eq!(h64_decode_u32("6...."), Some(8));
        assert_eq!(h64_decode_u32("/...."), Some(1));
        assert_eq!(h64_decode_u32("zzzzz"), Some((1 << 30) - 1));
        assert_eq!(h64_decode_u32(""), None);
        assert_eq!(h64_decode_u32("zzzzzz"), None);
        assert_eq!(h64_decode_u32("+...."), None);
    }

    #[test]
    fn ab64_round_trip() {
        let bytes = [0xfb, 0xff, 0x00];
        assert_eq!(ab64_encode(&bytes), "./8A");
        assert_eq!(ab64_decode("./8A").unwrap(), bytes);
        assert_eq!(ab64_decode("+/8A"), None);
    }
}
