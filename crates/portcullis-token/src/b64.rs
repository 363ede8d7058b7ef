//! Fixed-size unpadded base64url (RFC 4648 section 5) without heap allocation, for the
//! hot paths: every token parse and render, every PKCE check.
//!
//! `portcullis_core::Base64` returns a fresh `Vec`/`String` per call; here the sizes are
//! known (16 and 32 bytes, 22 and 43 characters), so decoding goes straight into a stack
//! array and encoding appends to the caller's buffer, with no intermediate copy of a
//! secret left behind to zeroize. The engine is the same `data-encoding` encoding that
//! portcullis-core uses (`BASE64URL_NOPAD`), with the same strictness: one alphabet, no
//! padding, and non-zero trailing bits refused, so each value has exactly one spelling.

use data_encoding::BASE64URL_NOPAD;

/// Characters that encode `n` bytes.
pub(crate) const fn text_len(n: usize) -> usize {
    (n * 4).div_ceil(3)
}

/// Decodes exactly `text_len(N)` canonical characters into `N` bytes.
pub(crate) fn decode<const N: usize>(text: &[u8]) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    decode_into(text, &mut out).then_some(out)
}

/// Decodes exactly `text_len(N)` canonical characters into `out` (for secrets: the
/// caller's zeroizing value, so no copy is made). On failure `out` may hold part of
/// the decoded bytes; the caller drops it.
pub(crate) fn decode_into<const N: usize>(text: &[u8], out: &mut [u8; N]) -> bool {
    // The length check makes `decode_len(text.len()) == N`, which `decode_mut` requires.
    text.len() == text_len(N)
        && matches!(BASE64URL_NOPAD.decode_mut(text, out), Ok(written) if written == N)
}

/// Appends the encoding of `bytes` to `out`.
pub(crate) fn encode_append(bytes: &[u8], out: &mut String) {
    BASE64URL_NOPAD.encode_append(bytes, out);
}

/// Writes the encoding of `bytes` into `out`, which must be exactly `text_len` long
/// (the callers' buffers are fixed-size, so a mismatch is a bug caught by the tests).
pub(crate) fn encode_into(bytes: &[u8], out: &mut [u8]) {
    if out.len() == BASE64URL_NOPAD.encode_len(bytes.len()) {
        BASE64URL_NOPAD.encode_mut(bytes, out);
    }
}

/// The encoding of 32 bytes, on the stack.
pub(crate) fn encode32(bytes: &[u8; 32]) -> [u8; 43] {
    let mut out = [0u8; 43];
    BASE64URL_NOPAD.encode_mut(bytes, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_core::Base64;

    #[test]
    fn agrees_with_core() {
        for seed in 0..=255u8 {
            let bytes: [u8; 32] = core::array::from_fn(|i| {
                seed.wrapping_mul(7)
                    .wrapping_add((i as u8).wrapping_mul(13))
            });
            let text = Base64::UrlUnpadded.encode(&bytes);
            assert_eq!(&encode32(&bytes)[..], text.as_bytes());
            let mut appended = String::from("x");
            encode_append(&bytes, &mut appended);
            assert_eq!(&appended[1..], text);
            assert_eq!(decode::<32>(text.as_bytes()), Some(bytes));
            let id: [u8; 16] = bytes[..16].try_into().unwrap();
            assert_eq!(
                decode::<16>(Base64::UrlUnpadded.encode(&id).as_bytes()),
                Some(id)
            );
        }
        assert_eq!(text_len(16), 22);
        assert_eq!(text_len(32), 43);
    }

    #[test]
    fn strict() {
        let good = Base64::UrlUnpadded.encode(&[0xffu8; 16]);
        assert!(decode::<16>(good.as_bytes()).is_some());
        // Non-canonical last character, padding, other alphabet, wrong length.
        assert_eq!(decode::<16>(b"AAAAAAAAAAAAAAAAAAAAAB"), None);
        assert_eq!(decode::<16>(b"AAAAAAAAAAAAAAAAAAAAAA=="), None);
        assert_eq!(decode::<16>(b"+AAAAAAAAAAAAAAAAAAAAA"), None);
        assert_eq!(decode::<16>(b"AAAAAAAAAAAAAAAAAAAAA"), None);
        assert_eq!(decode::<32>(b""), None);
    }
}
