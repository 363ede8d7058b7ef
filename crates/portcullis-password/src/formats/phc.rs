//! PHC strings (argon2, scrypt, PBKDF2), passlib's variants of them, and scrypt `$7$`.
//!
//! PHC string format: `$<id>[$v=<version>][$<k>=<v>,...]$<salt>$<hash>`, salt and hash in
//! standard base64 without padding. Dialects handled here:
//!
//! - argon2 (`argon2-cffi`, RustCrypto, libsodium): `v=` absent means version 16; an
//!   optional `keyid=` names the portcullis pepper the password was keyed with.
//! - scrypt `$scrypt$ln=,r=,p=$` (passlib, RustCrypto): **`ln` is log2 N**. Ory Kratos
//!   imports use the same prefix with `ln` holding **N itself** and padded base64
//!   (Go's `StdEncoding`); a value above 63, or padding in the salt or hash, selects that
//!   dialect, so each keeps its own meaning.
//! - PBKDF2: PHC `$pbkdf2-sha256$i=<iterations>,l=<length>$<salt>$<hash>` (RustCrypto,
//!   Kratos, Auth0), and passlib's `$pbkdf2-sha256$<rounds>$<ab64 salt>$<ab64 hash>`;
//!   `$pbkdf2$` is SHA-1.
//! - scrypt `$7$` (libsodium, passlib): `$7$` + log2 N (1 h64 char) + r and p (5 h64
//!   chars each, little-endian) + salt, then `$` + 43 h64 chars of a 32-byte hash. The
//!   salt enters the KDF as the characters written, not decoded.

use portcullis_core::Base64;

use super::{malformed, param, params, parse_u32};
use crate::crypt64::{ab64_decode, h64_decode_u32, h64_value, is_h64};
use crate::stored::{Kind, Prf, StoredHash};
use crate::{Error, Scheme};

/// Parses `$argon2{id,i,d}$...`; `encoded` is the whole stored string (Django prefixes
/// `argon2`), and the scheme comes from the caller when not the PHC one.
pub(crate) fn parse_argon2(phc: &str, encoded: &str) -> Result<StoredHash, Error> {
    let mut fields = phc.split('$').skip(1);
    let id = fields.next().unwrap_or("");
    let (algorithm, scheme) = match id {
        "argon2id" => (argon2::Algorithm::Argon2id, Scheme::Argon2id),
        "argon2i" => (argon2::Algorithm::Argon2i, Scheme::Argon2i),
        "argon2d" => (argon2::Algorithm::Argon2d, Scheme::Argon2d),
        _ => return Err(Error::UnknownScheme),
    };
    let s = scheme.name();
    let rest: Vec<&str> = fields.collect();
    let (version, rest) = match rest.first().and_then(|f| f.strip_prefix("v=")) {
        Some(v) => match v {
            "19" => (argon2::Version::V0x13, &rest[1..]),
            "16" => (argon2::Version::V0x10, &rest[1..]),
            _ => return Err(malformed(s, "unknown version")),
        },
        None => (argon2::Version::V0x10, &rest[..]),
    };
    let [params_field, salt, hash] = rest else {
        return Err(malformed(s, "expected parameters, salt and hash"));
    };
    let pairs = params(params_field).ok_or_else(|| malformed(s, "parameter syntax"))?;
    let number = |key: &str| -> Result<u32, Error> {
        let v = param(&pairs, key)
            .map_err(|()| malformed(s, "repeated parameter"))?
            .ok_or_else(|| malformed(s, "missing m, t or p"))?;
        parse_u32(v).ok_or_else(|| malformed(s, "parameter is not a 32-bit number"))
    };
    let (m_cost, t_cost, p_cost) = (number("m")?, number("t")?, number("p")?);
    let key_id = match param(&pairs, "keyid").map_err(|()| malformed(s, "repeated parameter"))? {
        Some(k) => Some(decode_key_id(k).ok_or_else(|| malformed(s, "keyid encoding"))?),
        None => None,
    };
    if pairs
        .iter()
        .any(|(k, _)| !matches!(*k, "m" | "t" | "p" | "keyid"))
    {
        return Err(Error::Unsupported {
            what: "argon2 parameter other than m, t, p, keyid",
        });
    }
    let salt = b64(s, salt)?;
    let hash = b64(s, hash)?;
    if salt.len() < 8
        || hash.len() < 4
        || u64::from(m_cost) < 8 * u64::from(p_cost)
        || t_cost == 0
        || p_cost == 0
    {
        return Err(malformed(s, "argon2 parameters out of range"));
    }
    Ok(StoredHash {
        encoded: encoded.to_owned(),
        scheme,
        kind: Kind::Argon2 {
            algorithm,
            version,
            m_cost,
            t_cost,
            p_cost,
            key_id,
            salt,
            hash,
        },
    })
}

/// Renders an argon2 PHC string.
pub(crate) fn render_argon2(
    algorithm: argon2::Algorithm,
    m_cost: u32,
    t_cost: u32,
    p_cost: u32,
    key_id: Option<&str>,
    salt: &[u8],
    hash: &[u8],
) -> String {
    let id = match algorithm {
        argon2::Algorithm::Argon2d => "argon2d",
        argon2::Algorithm::Argon2i => "argon2i",
        argon2::Algorithm::Argon2id => "argon2id",
    };
    let key_id = key_id
        .map(|k| format!(",keyid={}", Base64::StandardUnpadded.encode(k.as_bytes())))
        .unwrap_or_default();
    format!(
        "${id}$v=19$m={m_cost},t={t_cost},p={p_cost}{key_id}${}${}",
        Base64::StandardUnpadded.encode(salt),
        Base64::StandardUnpadded.encode(hash)
    )
}

fn decode_key_id(k: &str) -> Option<String> {
    String::from_utf8(Base64::StandardUnpadded.decode(k).ok()?).ok()
}

/// Parses `$scrypt$ln=,r=,p=$salt$hash` in the passlib/RustCrypto or Kratos dialect.
pub(crate) fn parse_scrypt(stored: &str) -> Result<StoredHash, Error> {
    let s = Scheme::Scrypt.name();
    let fields: Vec<&str> = stored.split('$').skip(2).collect();
    let [params_field, salt, hash] = fields[..] else {
        return Err(malformed(s, "expected parameters, salt and hash"));
    };
    let pairs = params(params_field).ok_or_else(|| malformed(s, "parameter syntax"))?;
    let number = |key: &str| -> Result<u32, Error> {
        let v = param(&pairs, key)
            .map_err(|()| malformed(s, "repeated parameter"))?
            .ok_or_else(|| malformed(s, "missing ln, r or p"))?;
        parse_u32(v).ok_or_else(|| malformed(s, "parameter is not a 32-bit number"))
    };
    let (ln, r, p) = (number("ln")?, number("r")?, number("p")?);
    if pairs.len() != 3 {
        return Err(malformed(s, "unexpected parameter"));
    }
    let kratos = ln > 63 || salt.contains('=') || hash.contains('=');
    let log_n = if kratos {
        if !ln.is_power_of_two() || ln < 2 {
            return Err(malformed(s, "N is not a power of two"));
        }
        ln.trailing_zeros()
    } else {
        ln
    };
    let (salt, hash) = if kratos {
        (
            Base64::Standard
                .decode(salt)
                .map_err(|_| malformed(s, "salt encoding"))?,
            Base64::Standard
                .decode(hash)
                .map_err(|_| malformed(s, "hash encoding"))?,
        )
    } else {
        (b64(s, salt)?, b64(s, hash)?)
    };
    scrypt_hash(Scheme::Scrypt, stored, log_n, r, p, salt, hash)
}

/// Builds a scrypt [`StoredHash`] after range checks shared by every scrypt dialect.
/// The shortest PBKDF2 or scrypt output accepted: 128 bits, so a wrong password
/// matches with probability 2^-128 at most. Every format seen stores 20 bytes or more.
const MIN_KDF_OUTPUT: usize = 16;

pub(crate) fn scrypt_hash(
    scheme: Scheme,
    encoded: &str,
    log_n: u32,
    r: u32,
    p: u32,
    salt: Vec<u8>,
    hash: Vec<u8>,
) -> Result<StoredHash, Error> {
    let s = scheme.name();
    // A derived key shorter than MIN_KDF_OUTPUT would let a wrong password match by
    // chance (one byte: one in 256).
    if log_n == 0 || log_n > 63 || r == 0 || p == 0 || hash.len() < MIN_KDF_OUTPUT {
        return Err(malformed(s, "scrypt parameters out of range"));
    }
    Ok(StoredHash {
        encoded: encoded.to_owned(),
        scheme,
        kind: Kind::Scrypt {
            log_n: log_n as u8,
            r,
            p,
            salt,
            hash,
        },
    })
}

/// Renders a passlib/RustCrypto scrypt PHC string.
pub(crate) fn render_scrypt(log_n: u8, r: u32, p: u32, salt: &[u8], hash: &[u8]) -> String {
    format!(
        "$scrypt$ln={log_n},r={r},p={p}${}${}",
        Base64::StandardUnpadded.encode(salt),
        Base64::StandardUnpadded.encode(hash)
    )
}

/// Parses scrypt `$7$`.
pub(crate) fn parse_scrypt_mcf(stored: &str) -> Result<StoredHash, Error> {
    let s = Scheme::ScryptMcf.name();
    let body = stored
        .strip_prefix("$7$")
        .ok_or_else(|| malformed(s, "missing setting"))?;
    let (setting, hash) = body
        .rsplit_once('$')
        .ok_or_else(|| malformed(s, "missing hash"))?;
    if setting.len() < 11 || !setting.is_ascii() || hash.len() != 43 || !is_h64(hash) {
        return Err(malformed(s, "setting or hash length"));
    }
    let log_n = h64_value(setting.as_bytes()[0]).ok_or_else(|| malformed(s, "N encoding"))?;
    let r = h64_decode_u32(&setting[1..6]).ok_or_else(|| malformed(s, "r encoding"))?;
    let p = h64_decode_u32(&setting[6..11]).ok_or_else(|| malformed(s, "p encoding"))?;
    let salt = setting.as_bytes()[11..].to_vec();
    if salt.contains(&b'$') {
        return Err(malformed(s, "salt contains $"));
    }
    let hash = decode_h64_exact(hash, 32).ok_or_else(|| malformed(s, "hash encoding"))?;
    scrypt_hash(Scheme::ScryptMcf, stored, log_n, r, p, salt, hash)
}

/// Decodes `len` bytes from little-endian h64, refusing non-canonical trailing bits.
pub(crate) fn decode_h64_exact(s: &str, len: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(len);
    for chunk in s.as_bytes().chunks(4) {
        let mut value = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            value |= h64_value(c)? << (6 * i);
        }
        let bytes = (chunk.len() * 6) / 8;
        for i in 0..bytes {
            out.push((value >> (8 * i)) as u8);
        }
        if value >> (8 * bytes) != 0 {
            return None;
        }
    }
    (out.len() == len).then_some(out)
}

/// Parses `$pbkdf2[-sha1|-sha256|-sha512]$` in PHC or passlib form.
pub(crate) fn parse_pbkdf2(stored: &str) -> Result<StoredHash, Error> {
    let fields: Vec<&str> = stored.split('$').skip(1).collect();
    let (prf, scheme, passlib_len) = match fields.first().copied() {
        Some("pbkdf2" | "pbkdf2-sha1") => (Prf::Sha1, Scheme::Pbkdf2Sha1, 20),
        Some("pbkdf2-sha256") => (Prf::Sha256, Scheme::Pbkdf2Sha256, 32),
        Some("pbkdf2-sha512") => (Prf::Sha512, Scheme::Pbkdf2Sha512, 64),
        _ => return Err(Error::UnknownScheme),
    };
    let s = scheme.name();
    let [_, params_field, salt, hash] = fields[..] else {
        return Err(malformed(s, "expected parameters, salt and hash"));
    };
    let (iterations, salt, hash) = if params_field.starts_with("i=") {
        let pairs = params(params_field).ok_or_else(|| malformed(s, "parameter syntax"))?;
        let i = param(&pairs, "i")
            .map_err(|()| malformed(s, "repeated parameter"))?
            .and_then(parse_u32)
            .ok_or_else(|| malformed(s, "iterations"))?;
        let salt = Base64::decode_tolerant(salt).map_err(|_| malformed(s, "salt encoding"))?;
        let hash = Base64::decode_tolerant(hash).map_err(|_| malformed(s, "hash encoding"))?;
        let l = param(&pairs, "l").map_err(|()| malformed(s, "repeated parameter"))?;
        if l.is_some_and(|l| parse_u32(l).map(|l| l as usize) != Some(hash.len())) {
            return Err(malformed(s, "l does not match the hash length"));
        }
        if pairs.iter().any(|(k, _)| !matches!(*k, "i" | "l")) {
            return Err(malformed(s, "unexpected parameter"));
        }
        (i, salt, hash)
    } else {
        let i = parse_u32(params_field).ok_or_else(|| malformed(s, "rounds"))?;
        let salt = ab64_decode(salt).ok_or_else(|| malformed(s, "salt encoding"))?;
        let hash = ab64_decode(hash).ok_or_else(|| malformed(s, "hash encoding"))?;
        if hash.len() != passlib_len {
            return Err(malformed(s, "hash length"));
        }
        (i, salt, hash)
    };
    pbkdf2_hash(scheme, stored, prf, iterations, salt, hash)
}

/// Builds a PBKDF2 [`StoredHash`] after range checks shared by every PBKDF2 dialect.
pub(crate) fn pbkdf2_hash(
    scheme: Scheme,
    encoded: &str,
    prf: Prf,
    iterations: u32,
    salt: Vec<u8>,
    hash: Vec<u8>,
) -> Result<StoredHash, Error> {
    if iterations == 0 || hash.len() < MIN_KDF_OUTPUT {
        return Err(malformed(
            scheme.name(),
            "zero iterations or a derived key under 16 bytes",
        ));
    }
    Ok(StoredHash {
        encoded: encoded.to_owned(),
        scheme,
        kind: Kind::Pbkdf2 {
            prf,
            iterations,
            salt,
            hash,
        },
    })
}

/// Renders a PHC PBKDF2 string.
pub(crate) fn render_pbkdf2(prf: Prf, iterations: u32, salt: &[u8], hash: &[u8]) -> String {
    let id = match prf {
        Prf::Sha1 => "pbkdf2",
        Prf::Sha256 => "pbkdf2-sha256",
        Prf::Sha512 => "pbkdf2-sha512",
    };
    format!(
        "${id}$i={iterations},l={}${}${}",
        hash.len(),
        Base64::StandardUnpadded.encode(salt),
        Base64::StandardUnpadded.encode(hash)
    )
}

/// PHC base64: standard alphabet, no padding (tolerating padding, which some writers add).
fn b64(scheme: &'static str, s: &str) -> Result<Vec<u8>, Error> {
    Base64::StandardUnpadded
        .decode(s)
        .or_else(|_| Base64::Standard.decode(s))
        .map_err(|_| malformed(scheme, "base64 encoding of salt or hash"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypt64::h64_encode;

    #[test]
    fn h64_exact_round_trip() {
        let bytes: Vec<u8> = (0..32).collect();
        let s = h64_encode(&bytes);
        assert_eq!(decode_h64_exact(&s, 32).unwrap(), bytes);
        assert!(decode_h64_exact(&s, 31).is_none());
        // Flip the unused high bits of the last character.
        let mut bad = s.into_bytes();
        let last = bad.len() - 1;
        bad[last] = b'z';
        assert!(decode_h64_exact(std::str::from_utf8(&bad).unwrap(), 32).is_none());
    }

    #[test]
    fn argon2_fields() {
        let h = parse_argon2(
            "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
            "x",
        )
        .unwrap();
        assert_eq!(h.scheme, Scheme::Argon2id);
        let Kind::Argon2 {
            m_cost,
            t_cost,
            p_cost,
            version,
            ..
        } = h.kind
        else {
            panic!()
        };
        assert_eq!((m_cost, t_cost, p_cost), (65536, 3, 4));
        assert_eq!(version, argon2::Version::V0x13);
        for bad in [
            "$argon2id$v=19$m=65536,t=3$c29tZXNhbHQ$RdescudvJCsgt3ub",
            "$argon2id$v=18$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub",
            "$argon2id$v=19$m=65536,t=3,p=4,m=1$c29tZXNhbHQ$RdescudvJCsgt3ub",
            "$argon2id$v=19$m=99999999999,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub",
            "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ",
            "$argon2id$v=19$m=65536,t=3,p=4$c2!tZXNhbHQ$RdescudvJCsgt3ub",
            "$argon2id$v=19$m=65536,t=3,p=4$c2E$RdescudvJCsgt3ub",
        ] {
            assert_eq!(
                parse_argon2(bad, bad).unwrap_err().kind(),
                "malformed",
                "{bad}"
            );
        }
    }

    #[test]
    fn scrypt_dialects() {
        let passlib =
            parse_scrypt("$scrypt$ln=4,r=8,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA").unwrap();
        let Kind::Scrypt { log_n, .. } = passlib.kind else {
            panic!()
        };
        assert_eq!(log_n, 4);
        // Kratos: ln holds N; padded base64.
        let kratos =
            parse_scrypt("$scrypt$ln=16384,r=8,p=1$c2FsdHNhbHQ=$AAAAAAAAAAAAAAAAAAAAAA==").unwrap();
        let Kind::Scrypt { log_n, .. } = kratos.kind else {
            panic!()
        };
        assert_eq!(log_n, 14);
        assert_eq!(
            parse_scrypt("$scrypt$ln=16383,r=8,p=1$c2FsdA==$AAAAAAAAAAAAAAAAAAAAAA==")
                .unwrap_err()
                .kind(),
            "malformed"
        );
        assert_eq!(
            parse_scrypt("$scrypt$ln=0,r=8,p=1$c2FsdA$AAAAAAAAAAAAAAAAAAAAAA")
                .unwrap_err()
                .kind(),
            "malformed"
        );
    }

    #[test]
    fn pbkdf2_forms() {
        let phc = parse_pbkdf2("$pbkdf2-sha256$i=1000,l=16$c2FsdA$AAAAAAAAAAAAAAAAAAAAAA").unwrap();
        assert_eq!(phc.scheme, Scheme::Pbkdf2Sha256);
        assert_eq!(
            parse_pbkdf2("$pbkdf2-sha256$i=1000,l=17$c2FsdA$AAAAAAAAAAAAAAAAAAAAAA")
                .unwrap_err()
                .kind(),
            "malformed"
        );
        let hash = crate::crypt64::ab64_encode(&[7u8; 20]);
        let passlib = parse_pbkdf2(&format!("$pbkdf2$1212$OB.dtnSEXZK8U5cgxU/GYQ${hash}")).unwrap();
        assert_eq!(passlib.scheme, Scheme::Pbkdf2Sha1);
        // A derived key under 16 bytes would let a wrong password match by chance.
        for short in [
            "$pbkdf2-sha256$i=1,l=1$c2FsdA$aA",
            "$pbkdf2-sha256$i=1000,l=15$c2FsdA$AAAAAAAAAAAAAAAAAAAA",
        ] {
            assert_eq!(
                parse_pbkdf2(short).unwrap_err().kind(),
                "malformed",
                "{short}"
            );
        }
    }
}
