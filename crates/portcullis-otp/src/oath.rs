//! The HOTP value function of RFC 4226 section 5, shared by HOTP and TOTP.
//!
//! `HOTP(K, C) = Truncate(HMAC(K, C)) mod 10^digits`, with `C` the 8-byte big-endian
//! counter and `Truncate` the dynamic truncation of section 5.3 (four bytes at the
//! offset named by the low nibble of the last MAC byte, top bit cleared). RFC 6238
//! reuses it with `C = floor((unix time - T0) / period)` and allows HMAC-SHA-256 and
//! HMAC-SHA-512 besides HMAC-SHA-1.
//!
//! # Why this is written here rather than taken from `totp-rs`
//!
//! The criterion group `otp/totp_verify_window1` (`benches/benches/otp.rs`) times a
//! window-1 verification of the next step's code (so every verifier looks at all three
//! steps) three ways: [`crate::Totp::verify`] on this module (`portcullis`),
//! `totp-rs` 6.0 `Totp::check` (`baseline`), and three textbook HMAC-SHA-1
//! computations with truncation and a constant-time comparison (`floor`). Two runs on
//! the shared 2-core machine, under a load average of 14 to 19:
//!
//! | run | ours / totp-rs | ours / three raw HMACs |
//! |---|---|---|
//! | 1 | 0.99 | 0.94 |
//! | 2 | 0.91 | 0.95 |
//!
//! So `totp-rs` is no faster (it costs 1.01 to 1.10 times this code), and this code
//! is within the 10% of the raw work, below it in fact, because the key is
//! absorbed into the HMAC state once ([`KeyedMac`]) and the state is cloned per step
//! instead of re-keyed (two of the four SHA-1 compressions per step saved), and codes
//! are rendered into a stack buffer. The direct version is kept because it is also the
//! *correct* one for this crate: `totp-rs`'s `check` stops at the first match (timing
//! tells which step matched) and returns the *oldest* matching step, where replay
//! protection needs the newest unused one, and it panics for 10-digit codes, which
//! RFC 4226's arithmetic allows and pyotp produces. Generation alone
//! (`otp/totp_generate`) is 1.19 times `totp-rs`, the price of returning a zeroizing
//! `SecretString` rather than a plain value.

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha1::Sha1;
use sha2::{Sha256, Sha512};

/// The HMAC hash function (RFC 6238 section 1.2 allows these three).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Algorithm {
    /// HMAC-SHA-1, the default and the only one every authenticator app supports.
    #[default]
    #[serde(rename = "SHA1")]
    Sha1,
    /// HMAC-SHA-256.
    #[serde(rename = "SHA256")]
    Sha256,
    /// HMAC-SHA-512.
    #[serde(rename = "SHA512")]
    Sha512,
}

impl Algorithm {
    /// The name used in otpauth URIs and in serialised records (`SHA1`, `SHA256`,
    /// `SHA512`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Sha512 => "SHA512",
        }
    }

    /// Parses a name in any case (`sha256`, `SHA256`); `None` for anything else.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Sha1, Self::Sha256, Self::Sha512]
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(name))
    }
}

/// Longest code, in digits.
pub(crate) const MAX_DIGITS: usize = 10;

/// An HMAC already keyed with the secret, cloned for each counter.
#[derive(Clone)]
pub(crate) enum KeyedMac {
    Sha1(Hmac<Sha1>),
    Sha256(Hmac<Sha256>),
    Sha512(Hmac<Sha512>),
}

impl KeyedMac {
    /// Keys the MAC. HMAC accepts keys of any length, so this cannot fail; the secret's
    /// length is bounded where secrets are made.
    pub(crate) fn new(algorithm: Algorithm, key: &[u8]) -> Self {
        match algorithm {
            Algorithm::Sha1 => Self::Sha1(keyed(key)),
            Algorithm::Sha256 => Self::Sha256(keyed(key)),
            Algorithm::Sha512 => Self::Sha512(keyed(key)),
        }
    }

    /// The 31-bit dynamically truncated value for `counter` (RFC 4226 section 5.3).
    pub(crate) fn truncated(&self, counter: u64) -> u32 {
        let message = counter.to_be_bytes();
        match self {
            Self::Sha1(mac) => truncate(finish(mac, &message)),
            Self::Sha256(mac) => truncate(finish(mac, &message)),
            Self::Sha512(mac) => truncate(finish(mac, &message)),
        }
    }

    /// The code for `counter` as `digits` ASCII digits, leading zeros kept.
    pub(crate) fn code(&self, counter: u64, digits: u8) -> Code {
        Code::render(self.truncated(counter), digits)
    }
}

fn keyed<M: KeyInit>(key: &[u8]) -> M {
    // `new_from_slice` only fails for MACs with a fixed key size, which HMAC is not;
    // the fallback is unreachable but keeps the function total without a panic.
    M::new_from_slice(key).unwrap_or_else(|_| M::new(&Default::default()))
}

fn finish<M: Mac + Clone>(mac: &M, message: &[u8]) -> impl AsRef<[u8]> {
    let mut mac = mac.clone();
    mac.update(message);
    mac.finalize().into_bytes()
}

/// Dynamic truncation. Every HMAC output here is at least 20 bytes and the offset is at
/// most 15, so the four bytes always exist; `get` keeps that an argument, not a panic.
fn truncate(mac: impl AsRef<[u8]>) -> u32 {
    let mac = mac.as_ref();
    let offset = usize::from(mac.last().copied().unwrap_or(0) & 0x0f);
    match mac.get(offset..offset + 4) {
        Some(&[a, b, c, d]) => u32::from_be_bytes([a & 0x7f, b, c, d]),
        _ => 0,
    }
}

/// A rendered code in a fixed buffer: no allocation on the verification path, and the
/// buffer is wiped on drop.
#[derive(Clone)]
pub(crate) struct Code {
    buf: [u8; MAX_DIGITS],
    len: u8,
}

impl Code {
    /// `value mod 10^digits` as exactly `digits` ASCII digits. `digits` is clamped to
    /// 1..=10 (callers have already checked it against the 6..=10 bound).
    pub(crate) fn render(value: u32, digits: u8) -> Self {
        let len = digits.clamp(1, MAX_DIGITS as u8);
        let mut buf = [b'0'; MAX_DIGITS];
        // For 10 digits 10^10 exceeds the 31-bit value, so the value is used whole.
        let mut rest = u64::from(value);
        for slot in buf[..usize::from(len)].iter_mut().rev() {
            *slot = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        Self { buf, len }
    }

    /// Builds a code from already-validated ASCII digits (at most 10).
    pub(crate) fn from_digits(digits: &[u8]) -> Self {
        let len = digits.len().min(MAX_DIGITS);
        let mut buf = [b'0'; MAX_DIGITS];
        buf[..len].copy_from_slice(&digits[..len]);
        Self {
            buf,
            len: len as u8,
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }

    /// The code as a string (always ASCII digits).
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

impl Drop for Code {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4226 appendix D: the intermediate truncated values and the 6-digit codes
    /// for the secret "12345678901234567890".
    #[test]
    fn rfc4226_appendix_d_truncation() {
        let mac = KeyedMac::new(Algorithm::Sha1, b"12345678901234567890");
        let truncated = [
            1284755224u32,
            1094287082,
            137359152,
            1726969429,
            1640338314,
            868254676,
            1918287922,
            82162583,
            673399871,
            645520489,
        ];
        for (counter, value) in truncated.into_iter().enumerate() {
            assert_eq!(mac.truncated(counter as u64), value);
        }
        assert_eq!(mac.code(0, 6).as_str(), "755224");
        assert_eq!(mac.code(9, 6).as_str(), "520489");
        // Ten digits: the whole 31-bit value, zero padded.
        assert_eq!(mac.code(7, 10).as_str(), "0082162583");
    }

    #[test]
    fn algorithm_names() {
        for a in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
            assert_eq!(Algorithm::from_name(a.as_str()), Some(a));
            assert_eq!(Algorithm::from_name(&a.as_str().to_lowercase()), Some(a));
            assert_eq!(
                serde_json::to_string(&a).unwrap(),
                format!("\"{}\"", a.as_str())
            );
        }
        assert_eq!(Algorithm::from_name("MD5"), None);
        assert_eq!(Algorithm::from_name("SHA-1"), None);
    }

    #[test]
    fn truncate_never_panics_on_short_input() {
        assert_eq!(truncate([0xffu8; 3]), 0);
        assert_eq!(truncate([0u8; 0]), 0);
    }
}
