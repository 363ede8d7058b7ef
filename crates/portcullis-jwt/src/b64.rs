//! Strict unpadded base64url (RFC 7515 section 2): no padding, no whitespace, and the
//! unused low bits of the last character must be zero, so every value has exactly
//! one encoding and a token cannot be altered without changing its signature input.

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
