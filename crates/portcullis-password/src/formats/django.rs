//! Django's `algorithm$...` strings (`django.contrib.auth.hashers`).
//!
//! | prefix | computation |
//! |---|---|
//! | `pbkdf2_sha256$<iter>$<salt>$<b64>` | PBKDF2-HMAC-SHA256, the salt's characters as bytes, 32-byte key |
//! | `pbkdf2_sha1$...` | the same with SHA-1 and a 20-byte key |
//! | `pbkdf2_sha512$...` | the same layout with SHA-512 (PropelAuth's import example) |
//! | `argon2$argon2id$<PHC fields>` | argon2 (`argon2$argon2i$` in older Django) |
//! | `bcrypt_sha256$$2b$...` | bcrypt over hex(SHA-256(password)) |
//! | `bcrypt$$2b$...` | bcrypt over the password |
//! | `sha1$<salt>$<hex>` / `md5$<salt>$<hex>` | SHA-1 / MD5 of salt ‖ password |
//! | `sha1$$<hex>`, `md5$$<hex>`, 32 bare hex digits | unsalted SHA-1 / MD5 |

use portcullis_core::{Base64, Hex};

use super::{bcrypt, malformed, parse_u32, phc};
use crate::stored::{BcryptInput, DigestAlg, Kind, PasswordEncoding, Prf, StoredHash};
use crate::{Error, Scheme};

/// Parses a Django hash, or returns `None` when the string is not in Django's shape.
pub(crate) fn parse(stored: &str) -> Option<Result<StoredHash, Error>> {
    if stored.len() == 32 && stored.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(salted(
            stored,
            DigestAlg::Md5,
            Scheme::DjangoUnsaltedMd5,
            "",
            stored,
        ));
    }
    let (algorithm, rest) = stored.split_once('$')?;
    Some(match algorithm {
        "pbkdf2_sha256" => pbkdf2(stored, rest, Prf::Sha256, Scheme::DjangoPbkdf2Sha256),
        "pbkdf2_sha1" => pbkdf2(stored, rest, Prf::Sha1, Scheme::DjangoPbkdf2Sha1),
        "pbkdf2_sha512" => pbkdf2(stored, rest, Prf::Sha512, Scheme::DjangoPbkdf2Sha512),
        "argon2" => phc::parse_argon2(&format!("${rest}"), stored).map(|mut h| {
            h.scheme = Scheme::DjangoArgon2;
            h
        }),
        "bcrypt_sha256" => bcrypt_inner(stored, rest, Scheme::DjangoBcryptSha256),
        "bcrypt" => bcrypt_inner(stored, rest, Scheme::DjangoBcrypt),
        "sha1" | "md5" => {
            let alg = if algorithm == "sha1" {
                DigestAlg::Sha1
            } else {
                DigestAlg::Md5
            };
            let Some((salt, hex)) = rest.split_once('$') else {
                return Some(Err(malformed("django_salted", "expected salt$hex")));
            };
            let scheme = match (alg, salt.is_empty()) {
                (DigestAlg::Sha1, true) => Scheme::DjangoUnsaltedSha1,
                (DigestAlg::Sha1, false) => Scheme::DjangoSaltedSha1,
                (_, true) => Scheme::DjangoUnsaltedMd5,
                (_, false) => Scheme::DjangoSaltedMd5,
            };
            salted(stored, alg, scheme, salt, hex)
        }
        _ => return None,
    })
}

fn pbkdf2(stored: &str, rest: &str, prf: Prf, scheme: Scheme) -> Result<StoredHash, Error> {
    let s = scheme.name();
    let fields: Vec<&str> = rest.split('$').collect();
    let [iterations, salt, hash] = fields[..] else {
        return Err(malformed(s, "expected iterations$salt$hash"));
    };
    let iterations = parse_u32(iterations).ok_or_else(|| malformed(s, "iterations"))?;
    if salt.is_empty() || salt.contains('$') {
        return Err(malformed(s, "salt"));
    }
    let hash = Base64::Standard
        .decode(hash)
        .map_err(|_| malformed(s, "hash encoding"))?;
    phc::pbkdf2_hash(
        scheme,
        stored,
        prf,
        iterations,
        salt.as_bytes().to_vec(),
        hash,
    )
}

fn bcrypt_inner(stored: &str, rest: &str, scheme: Scheme) -> Result<StoredHash, Error> {
    // Django writes `bcrypt$` + the full bcrypt string, which itself starts with `$`.
    let input = if scheme == Scheme::DjangoBcryptSha256 {
        BcryptInput::DjangoSha256Hex
    } else {
        BcryptInput::Plain
    };
    bcrypt::parse_with_input(rest, stored, scheme, input)
}

fn salted(
    stored: &str,
    alg: DigestAlg,
    scheme: Scheme,
    salt: &str,
    hex: &str,
) -> Result<StoredHash, Error> {
    let s = scheme.name();
    if salt.contains('$') {
        return Err(malformed(s, "salt contains $"));
    }
    let digest = Hex::decode(hex).map_err(|_| malformed(s, "digest is not hex"))?;
    if digest.len() != alg.output_len() {
        return Err(malformed(s, "digest length"));
    }
    Ok(StoredHash {
        encoded: stored.to_owned(),
        scheme,
        kind: Kind::Digest {
            alg,
            prefix: salt.as_bytes().to_vec(),
            suffix: Vec::new(),
            digest,
            encoding: PasswordEncoding::Utf8,
        },
    })
}
