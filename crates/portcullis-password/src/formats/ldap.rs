//! RFC 2307 LDAP `userPassword` values.
//!
//! `{MD5}` and `{SHA}` hold base64 of the bare digest; `{SMD5}`, `{SSHA}`, `{SSHA256}`
//! and `{SSHA512}` hold base64 of `digest(password ‖ salt) ‖ salt`, the salt being
//! whatever follows the fixed-size digest (OpenLDAP writes 4 bytes, others 8 to 16).
//! `{CRYPT}` wraps a crypt(3) string: md5-crypt, SHA-crypt and bcrypt are verified,
//! traditional DES crypt is not supported. The scheme label is case-insensitive, as
//! directory servers treat it.

use portcullis_core::Base64;

use super::{bcrypt, crypt, malformed};
use crate::stored::{DigestAlg, Kind, PasswordEncoding, StoredHash};
use crate::{Error, Scheme};

pub(crate) fn parse(stored: &str) -> Result<StoredHash, Error> {
    let (label, value) = stored
        .strip_prefix('{')
        .and_then(|r| r.split_once('}'))
        .ok_or(Error::UnknownScheme)?;
    let (scheme, alg, salted) = match label.to_ascii_uppercase().as_str() {
        "MD5" => (Scheme::LdapMd5, DigestAlg::Md5, false),
        "SHA" => (Scheme::LdapSha1, DigestAlg::Sha1, false),
        "SMD5" => (Scheme::LdapSaltedMd5, DigestAlg::Md5, true),
        "SSHA" => (Scheme::LdapSaltedSha1, DigestAlg::Sha1, true),
        "SSHA256" => (Scheme::LdapSaltedSha256, DigestAlg::Sha256, true),
        "SSHA512" => (Scheme::LdapSaltedSha512, DigestAlg::Sha512, true),
        "CRYPT" => return parse_crypt(stored, value),
        _ => return Err(Error::UnknownScheme),
    };
    let s = scheme.name();
    let bytes = Base64::Standard
        .decode(value)
        .map_err(|_| malformed(s, "base64 encoding"))?;
    let n = alg.output_len();
    let valid_len = if salted {
        bytes.len() > n
    } else {
        bytes.len() == n
    };
    if !valid_len {
        return Err(malformed(s, "digest length"));
    }
    let (digest, salt) = bytes.split_at(n);
    Ok(StoredHash {
        encoded: stored.to_owned(),
        scheme,
        kind: Kind::Digest {
            alg,
            prefix: Vec::new(),
            suffix: salt.to_vec(),
            digest: digest.to_vec(),
            encoding: PasswordEncoding::Utf8,
        },
    })
}

fn parse_crypt(stored: &str, inner: &str) -> Result<StoredHash, Error> {
    let scheme = Some(Scheme::LdapCrypt);
    let id = inner.strip_prefix('$').and_then(|r| r.split('$').next());
    match id {
        Some("1" | "apr1") => crypt::parse_md5_crypt(inner, stored, scheme),
        Some("5" | "6") => crypt::parse_sha_crypt(inner, stored, scheme),
        Some("2a" | "2b" | "2y" | "2x") => bcrypt::parse(inner, stored, Scheme::LdapCrypt),
        _ => Err(Error::Unsupported {
            what: "{CRYPT} other than md5-crypt, SHA-crypt or bcrypt",
        }),
    }
}
