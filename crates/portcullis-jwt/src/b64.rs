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

/// Bytes kept on the stack when they fit in `N` (decoded headers, signatures and most
/// payloads do), so signing and verifying a token allocate only for what they return.
pub(crate) enum SmallBuf<const N: usize> {
    Stack([u8; N], usize),
    Heap(Vec<u8>),
}

impl<const N: usize> SmallBuf<N> {
    /// `len` zero bytes, to be filled in.
    pub(crate) fn zeroed(len: usize) -> Self {
        if len <= N {
            Self::Stack([0u8; N], len)
        } else {
            Self::Heap(vec![0u8; len])
        }
    }

    /// A copy of `bytes`.
    pub(crate) fn copy_of(bytes: &[u8]) -> Self {
        let mut buf = Self::zeroed(bytes.len());
        buf.copy_from_slice(bytes);
        buf
    }
}

impl<const N: usize> std::ops::DerefMut for SmallBuf<N> {
    fn deref_mut(&mut self) -> &mut [u8] {
        match self {
            Self::Stack(buf, len) => &mut buf[..*len],
            Self::Heap(vec) => vec,
        }
    }
}

impl<const N: usize> std::ops::Deref for SmallBuf<N> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Self::Stack(buf, len) => &buf[..*len],
            Self::Heap(vec) => vec,
        }
    }
}

/// [`decode`] into a [`SmallBuf`]: the same strict alphabet and canonical-bits rule.
pub(crate) fn decode_small<const N: usize>(text: &[u8]) -> Option<SmallBuf<N>> {
    // The engine wants room for its own estimate, which rounds up to whole quads.
    if text.len().div_ceil(4) * 3 <= N {
        let mut buf = [0u8; N];
        let len = URL_SAFE_NO_PAD.decode_slice(text, &mut buf).ok()?;
        Some(SmallBuf::Stack(buf, len))
    } else {
        decode(text).map(SmallBuf::Heap)
    }
}
