//! Strict unpadded base64url (RFC 7515 section 2): no padding, no whitespace, and the
//! unused low bits of the last character must be zero, so every value has exactly
//! one encoding and a token cannot be altered without changing its signature input.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub(crate) fn encode(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

pub(crate) fn encode_append(data: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(data, out);
}

pub(crate) fn decode(text: &[u8]) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// [`decode`] into `buf` when the result fits (headers, signatures and most payloads
/// do), so verifying a token allocates only for what it returns; into a new vector
/// otherwise. The same strict alphabet and canonical-bits rule either way.
pub(crate) fn decode_in<'a>(text: &[u8], buf: &'a mut [u8]) -> Option<Cow<'a, [u8]>> {
    // The engine wants room for its own estimate, which rounds up to whole quads.
    if text.len().div_ceil(4) * 3 <= buf.len() {
        let len = URL_SAFE_NO_PAD.decode_slice(text, buf).ok()?;
        Some(Cow::Borrowed(&buf[..len]))
    } else {
        decode(text).map(Cow::Owned)
    }
}
