//! Parsers for every stored-hash format, one module per family.
//!
//! `parse` looks at the prefix, hands the string to the family's parser, and returns a
//! [`StoredHash`]. Parsers only read: no hashing happens here, so identifying a hash
//! costs microseconds, and every number is bounded before it can reach a computation.
//!
//! portcullis's own dialects are listed in the crate documentation.

pub(crate) mod aspnet;
pub(crate) mod bcrypt;
pub(crate) mod crypt;
pub(crate) mod digest;
pub(crate) mod django;
pub(crate) mod firebase;
pub(crate) mod ldap;
pub(crate) mod phc;
pub(crate) mod werkzeug;

use crate::stored::StoredHash;
use crate::{Error, Scheme};

/// Longest stored hash accepted; the longest real format (scrypt or pbkdf2 with long
/// salts and keys, base64) is a few hundred bytes.
const MAX_STORED_LEN: usize = 4096;

/// Parses any supported self-describing stored hash.
pub(crate) fn parse(stored: &str) -> Result<StoredHash, Error> {
    if stored.len() > MAX_STORED_LEN {
        return Err(Error::Malformed {
            scheme: "unknown",
            reason: "longer than any supported format",
        });
    }
    let b = stored.as_bytes();
    if b.first() == Some(&b'$') {
        let id = stored[1..].split('$').next().unwrap_or("");
        return match id {
            "argon2id" | "argon2i" | "argon2d" => phc::parse_argon2(stored, stored),
            "scrypt" => phc::parse_scrypt(stored),
            "7" => phc::parse_scrypt_mcf(stored),
            "pbkdf2" | "pbkdf2-sha1" | "pbkdf2-sha256" | "pbkdf2-sha512" => {
                phc::parse_pbkdf2(stored)
            }
            "2" | "2a" | "2b" | "2x" | "2y" => bcrypt::parse(stored, stored, Scheme::Bcrypt),
            "bcrypt-sha256" => bcrypt::parse_passlib_sha256(stored),
            "bcrypt-hmac-sha384" => bcrypt::parse_hmac_sha384(stored),
            "pcl-bcrypt" => bcrypt::parse_salted(stored),
            "1" | "apr1" => crypt::parse_md5_crypt(stored, stored, None),
            "5" | "6" => crypt::parse_sha_crypt(stored, stored, None),
            "P" | "H" | "S" => crypt::parse_phpass(stored, false),
            "firescrypt" => firebase::parse(stored),
            "pcl-digest" => digest::parse_digest(stored),
            "pcl-hmac" => digest::parse_hmac(stored),
            "aspnet-identity" => aspnet::parse(stored),
            _ => Err(Error::UnknownScheme),
        };
    }
    if stored.starts_with("U$S$") {
        return crypt::parse_phpass(stored, true);
    }
    if b.first() == Some(&b'{') {
        return ldap::parse(stored);
    }
    if stored.starts_with("pbkdf2:") || stored.starts_with("scrypt:") {
        return werkzeug::parse(stored);
    }
    if let Some(result) = django::parse(stored) {
        return result;
    }
    Err(Error::UnknownScheme)
}

/// Parses a decimal `u32` written the plain way: ASCII digits only, no sign, no leading
/// zeros (except "0"), at most 10 digits.
pub(crate) fn parse_u32(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if s.len() > 1 && s.starts_with('0') {
        return None;
    }
    s.parse().ok()
}

/// Splits `k1=v1,k2=v2` into pairs; `None` when a pair has no `=`.
pub(crate) fn params(s: &str) -> Option<Vec<(&str, &str)>> {
    s.split(',').map(|kv| kv.split_once('=')).collect()
}

/// The value of `key` in `pairs`; `Err` when it appears twice.
pub(crate) fn param<'a>(pairs: &[(&str, &'a str)], key: &str) -> Result<Option<&'a str>, ()> {
    let mut found = pairs.iter().filter(|(k, _)| *k == key).map(|(_, v)| *v);
    let first = found.next();
    if found.next().is_some() {
        Err(())
    } else {
        Ok(first)
    }
}

pub(crate) use crate::stored::malformed;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_u32() {
        assert_eq!(parse_u32("0"), Some(0));
        assert_eq!(parse_u32("4294967295"), Some(u32::MAX));
        assert_eq!(parse_u32("4294967296"), None);
        assert_eq!(parse_u32("99999999999"), None);
        assert_eq!(parse_u32("+1"), None);
        assert_eq!(parse_u32("-1"), None);
        assert_eq!(parse_u32("01"), None);
        assert_eq!(parse_u32(""), None);
        assert_eq!(parse_u32("1 "), None);
    }

    #[test]
    fn unknown_and_oversized() {
        assert_eq!(parse("").unwrap_err(), Error::UnknownScheme);
        assert_eq!(parse("$").unwrap_err(), Error::UnknownScheme);
        assert_eq!(parse("$rot13$abc").unwrap_err(), Error::UnknownScheme);
        assert_eq!(parse("hunter2").unwrap_err(), Error::UnknownScheme);
        assert_eq!(parse(&"$".repeat(5000)).unwrap_err().kind(), "malformed");
    }
}
