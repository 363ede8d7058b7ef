//! portcullis's self-describing strings for salted digests and HMACs.
//!
//! Imports often carry a bare digest plus salts in separate fields (Stytch's
//! `md_5_config`, Auth0's `custom_password_hash`, a CSV with a scheme hint). These are
//! stored as `$pcl-digest$` / `$pcl-hmac$` strings (layout in [`super`]), so they live in
//! the same column as every other hash and are parsed back without the original record.
//! Salts and keys are base64url without padding; `pe` is the password encoding.

use portcullis_core::Base64;

use super::{malformed, param, params};
use crate::stored::{DigestAlg, Kind, PasswordEncoding, StoredHash};
use crate::{Error, Scheme};

/// The scheme of a salted digest.
pub(crate) fn digest_scheme(alg: DigestAlg) -> Scheme {
    match alg {
        DigestAlg::Md4 => Scheme::Md4,
        DigestAlg::Md5 => Scheme::Md5,
        DigestAlg::Sha1 => Scheme::Sha1,
        DigestAlg::Sha256 => Scheme::Sha256,
        DigestAlg::Sha512 => Scheme::Sha512,
    }
}

/// The scheme of an HMAC; MD4 HMACs are refused.
pub(crate) fn hmac_scheme(alg: DigestAlg) -> Option<Scheme> {
    match alg {
        DigestAlg::Md4 => None,
        DigestAlg::Md5 => Some(Scheme::HmacMd5),
        DigestAlg::Sha1 => Some(Scheme::HmacSha1),
        DigestAlg::Sha256 => Some(Scheme::HmacSha256),
        DigestAlg::Sha512 => Some(Scheme::HmacSha512),
    }
}

/// Builds a salted digest and renders its canonical string.
pub(crate) fn build_digest(
    alg: DigestAlg,
    prefix: Vec<u8>,
    suffix: Vec<u8>,
    digest: Vec<u8>,
    encoding: PasswordEncoding,
) -> Result<StoredHash, Error> {
    let scheme = digest_scheme(alg);
    if digest.len() != alg.output_len() {
        return Err(malformed(scheme.name(), "digest length"));
    }
    let encoded = format!(
        "$pcl-digest$a={}{}${}",
        alg.name(),
        options(None, &prefix, &suffix, encoding),
        b64(&digest)
    );
    Ok(StoredHash {
        encoded,
        scheme,
        kind: Kind::Digest {
            alg,
            prefix,
            suffix,
            digest,
            encoding,
        },
    })
}

/// Builds an HMAC and renders its canonical string.
pub(crate) fn build_hmac(
    alg: DigestAlg,
    key: Vec<u8>,
    prefix: Vec<u8>,
    suffix: Vec<u8>,
    mac: Vec<u8>,
    encoding: PasswordEncoding,
) -> Result<StoredHash, Error> {
    let scheme = hmac_scheme(alg).ok_or(Error::Unsupported { what: "HMAC-MD4" })?;
    if mac.len() != alg.output_len() {
        return Err(malformed(scheme.name(), "mac length"));
    }
    let encoded = format!(
        "$pcl-hmac$a={}{}${}",
        alg.name(),
        options(Some(&key), &prefix, &suffix, encoding),
        b64(&mac)
    );
    Ok(StoredHash {
        encoded,
        scheme,
        kind: Kind::Hmac {
            alg,
            key,
            prefix,
            suffix,
            mac,
            encoding,
        },
    })
}

fn b64(bytes: &[u8]) -> String {
    Base64::UrlUnpadded.encode(bytes)
}

fn options(key: Option<&[u8]>, prefix: &[u8], suffix: &[u8], encoding: PasswordEncoding) -> String {
    let mut out = String::new();
    if let Some(key) = key {
        out.push_str(&format!(",k={}", b64(key)));
    }
    if !prefix.is_empty() {
        out.push_str(&format!(",pre={}", b64(prefix)));
    }
    if !suffix.is_empty() {
        out.push_str(&format!(",post={}", b64(suffix)));
    }
    if encoding != PasswordEncoding::Utf8 {
        out.push_str(&format!(",pe={}", encoding.name()));
    }
    out
}

struct Fields {
    alg: DigestAlg,
    key: Option<Vec<u8>>,
    prefix: Vec<u8>,
    suffix: Vec<u8>,
    encoding: PasswordEncoding,
    value: Vec<u8>,
}

fn fields(stored: &str, prefix: &str, s: &'static str) -> Result<Fields, Error> {
    let rest = stored.strip_prefix(prefix).unwrap_or("");
    let (setting, value) = rest
        .split_once('$')
        .ok_or_else(|| malformed(s, "expected setting$value"))?;
    let pairs = params(setting).ok_or_else(|| malformed(s, "parameter syntax"))?;
    let get = |k: &str| param(&pairs, k).map_err(|()| malformed(s, "repeated parameter"));
    let bytes = |k: &str| -> Result<Option<Vec<u8>>, Error> {
        get(k)?
            .map(|v| {
                Base64::UrlUnpadded
                    .decode(v)
                    .map_err(|_| malformed(s, "base64url field"))
            })
            .transpose()
    };
    let alg = get("a")?
        .and_then(DigestAlg::from_name)
        .ok_or_else(|| malformed(s, "unknown algorithm"))?;
    let encoding = match get("pe")? {
        None | Some("utf8") => PasswordEncoding::Utf8,
        Some("utf16le") => PasswordEncoding::Utf16Le,
        Some("latin1") => PasswordEncoding::Latin1,
        Some(_) => return Err(malformed(s, "unknown password encoding")),
    };
    if pairs
        .iter()
        .any(|(k, _)| !matches!(*k, "a" | "k" | "pre" | "post" | "pe"))
    {
        return Err(malformed(s, "unknown parameter"));
    }
    Ok(Fields {
        alg,
        key: bytes("k")?,
        prefix: bytes("pre")?.unwrap_or_default(),
        suffix: bytes("post")?.unwrap_or_default(),
        encoding,
        value: Base64::UrlUnpadded
            .decode(value)
            .map_err(|_| malformed(s, "value encoding"))?,
    })
}

/// Parses `$pcl-digest$...`.
pub(crate) fn parse_digest(stored: &str) -> Result<StoredHash, Error> {
    let f = fields(stored, "$pcl-digest$", "pcl_digest")?;
    if f.key.is_some() {
        return Err(malformed("pcl_digest", "unexpected key"));
    }
    let mut h = build_digest(f.alg, f.prefix, f.suffix, f.value, f.encoding)?;
    h.encoded = stored.to_owned();
    Ok(h)
}

/// Parses `$pcl-hmac$...`.
pub(crate) fn parse_hmac(stored: &str) -> Result<StoredHash, Error> {
    let f = fields(stored, "$pcl-hmac$", "pcl_hmac")?;
    let key = f.key.ok_or_else(|| malformed("pcl_hmac", "missing key"))?;
    let mut h = build_hmac(f.alg, key, f.prefix, f.suffix, f.value, f.encoding)?;
    h.encoded = stored.to_owned();
    Ok(h)
}
