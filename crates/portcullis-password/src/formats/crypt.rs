//! The Unix crypt family: md5-crypt (`$1$`, Apache `$apr1$`), SHA-crypt (`$5$`, `$6$`),
//! phpass (`$P$`, `$H$`) and Drupal 7 (`$S$`, `U$S$`).
//!
//! - md5-crypt is Poul-Henning Kamp's FreeBSD algorithm (1000 rounds of MD5); Apache's
//!   `$apr1$` is the same with a different magic string. No maintained Rust crate
//!   implements it, so it is written here from the published algorithm.
//! - SHA-crypt is Ulrich Drepper's specification; the computation is the RustCrypto
//!   `sha-crypt` crate, the parsing (for limits and error reporting) is ours. `rounds=`
//!   may be omitted, meaning 5000.
//! - phpass portable hashes: `h = MD5(salt ‖ password)`, then `2^n` times
//!   `h = MD5(h ‖ password)`; `n` is the h64 value of the fourth character. Drupal 7's
//!   `$S$` is the same loop with SHA-512, its output cut to 55 characters in all; its
//!   `U$S$` form wraps a Drupal 6 hash: the loop runs over hex(MD5(password)) instead of
//!   the password. Drupal refuses passwords over 512 bytes, so they never match here.

use md5::{Digest as _, Md5};
use sha2::Sha512;

use super::{malformed, parse_u32};
use crate::crypt64::{h64_encode, h64_value, is_h64};
use crate::stored::{Kind, StoredHash};
use crate::{Error, Scheme};

/// Parses `$1$salt$checksum` or `$apr1$salt$checksum`; `scheme` overrides the scheme
/// (for `{CRYPT}`).
pub(crate) fn parse_md5_crypt(
    crypt: &str,
    encoded: &str,
    scheme: Option<Scheme>,
) -> Result<StoredHash, Error> {
    let (magic, default_scheme) = if crypt.starts_with("$apr1$") {
        ("$apr1$", Scheme::Apr1Md5Crypt)
    } else {
        ("$1$", Scheme::Md5Crypt)
    };
    let scheme = scheme.unwrap_or(default_scheme);
    let s = scheme.name();
    let rest = crypt
        .strip_prefix(magic)
        .ok_or_else(|| malformed(s, "magic"))?;
    let (salt, checksum) = rest
        .split_once('$')
        .ok_or_else(|| malformed(s, "missing checksum"))?;
    if salt.len() > 8 || !is_h64(salt) {
        return Err(malformed(s, "salt must be up to 8 crypt characters"));
    }
    if checksum.len() != 22 || !is_h64(checksum) {
        return Err(malformed(s, "checksum must be 22 crypt characters"));
    }
    Ok(StoredHash {
        encoded: encoded.to_owned(),
        scheme,
        kind: Kind::Md5Crypt {
            magic: if magic == "$1$" { "$1$" } else { "$apr1$" },
            salt: salt.to_owned(),
            checksum: checksum.to_owned(),
        },
    })
}

/// The 22-character md5-crypt checksum of `password` with `magic` and `salt`.
pub(crate) fn md5_crypt_checksum(password: &[u8], magic: &str, salt: &[u8]) -> String {
    let alternate = Md5::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(password)
        .finalize();
    let mut ctx = Md5::new()
        .chain_update(password)
        .chain_update(magic.as_bytes())
        .chain_update(salt);
    let mut remaining = password.len();
    while remaining > 0 {
        let n = remaining.min(16);
        ctx.update(&alternate[..n]);
        remaining -= n;
    }
    // For each bit of the length, a NUL byte or the password's first byte.
    let mut i = password.len();
    while i > 0 {
        if i & 1 == 1 {
            ctx.update([0u8]);
        } else {
            ctx.update(&password[..1]);
        }
        i >>= 1;
    }
    let mut digest = ctx.finalize();
    for round in 0..1000 {
        let mut c = Md5::new();
        if round & 1 == 1 {
            c.update(password);
        } else {
            c.update(digest);
        }
        if round % 3 != 0 {
            c.update(salt);
        }
        if round % 7 != 0 {
            c.update(password);
        }
        if round & 1 == 1 {
            c.update(digest);
        } else {
            c.update(password);
        }
        digest = c.finalize();
    }
    // The final encoding takes the bytes in this order, three at a time.
    const ORDER: [usize; 16] = [12, 6, 0, 13, 7, 1, 14, 8, 2, 15, 9, 3, 5, 10, 4, 11];
    let reordered: Vec<u8> = ORDER.iter().map(|&i| digest[i]).collect();
    h64_encode(&reordered)
}

/// Parses `$5$[rounds=N$]salt$checksum` and `$6$...`.
pub(crate) fn parse_sha_crypt(
    crypt: &str,
    encoded: &str,
    scheme: Option<Scheme>,
) -> Result<StoredHash, Error> {
    let sha512 = crypt.starts_with("$6$");
    let default_scheme = if sha512 {
        Scheme::Sha512Crypt
    } else {
        Scheme::Sha256Crypt
    };
    let scheme = scheme.unwrap_or(default_scheme);
    let s = scheme.name();
    let fields: Vec<&str> = crypt.split('$').skip(2).collect();
    let (rounds, salt, checksum) = match fields[..] {
        [r, salt, checksum] => {
            let r = r
                .strip_prefix("rounds=")
                .and_then(parse_u32)
                .ok_or_else(|| malformed(s, "rounds"))?;
            (r, salt, checksum)
        }
        [salt, checksum] => (5000, salt, checksum),
        _ => return Err(malformed(s, "expected [rounds=N$]salt$checksum")),
    };
    if !(1000..=999_999_999).contains(&rounds) {
        return Err(malformed(s, "rounds outside 1000 to 999999999"));
    }
    if salt.len() > 16 || !salt.bytes().all(|b| b.is_ascii_graphic() && b != b'$') {
        return Err(malformed(s, "salt must be up to 16 printable characters"));
    }
    let expected = if sha512 { 86 } else { 43 };
    if checksum.len() != expected || !is_h64(checksum) {
        return Err(malformed(s, "checksum length or alphabet"));
    }
    Ok(StoredHash {
        encoded: encoded.to_owned(),
        scheme,
        kind: Kind::ShaCrypt {
            sha512,
            rounds,
            mcf: crypt.to_owned(),
        },
    })
}

/// Verifies a SHA-crypt string with the `sha-crypt` crate.
pub(crate) fn sha_crypt_matches(
    scheme: &'static str,
    password: &[u8],
    mcf: &str,
) -> Result<bool, Error> {
    use sha_crypt::password_hash::{Error as PhError, PasswordVerifier};
    match sha_crypt::ShaCrypt::default().verify_password(password, mcf) {
        Ok(()) => Ok(true),
        Err(PhError::PasswordInvalid) => Ok(false),
        Err(_) => Err(malformed(
            scheme,
            "rejected by the SHA-crypt implementation",
        )),
    }
}

/// Parses phpass `$P$`/`$H$`, Drupal `$S$`, and with `upgraded` Drupal `U$S$`.
pub(crate) fn parse_phpass(stored: &str, upgraded: bool) -> Result<StoredHash, Error> {
    let body = if upgraded { &stored[1..] } else { stored };
    let sha512 = body.starts_with("$S$");
    let scheme = match (sha512, upgraded) {
        (true, true) => Scheme::Drupal7UpgradedMd5,
        (true, false) => Scheme::Drupal7Sha512,
        (false, _) => Scheme::Phpass,
    };
    let s = scheme.name();
    // $X$ + 1 rounds char + 8 salt chars + checksum (22 for MD5, 43 for Drupal's cut SHA-512).
    let expected = if sha512 { 55 } else { 34 };
    if body.len() != expected || !body.is_ascii() || !is_h64(&body[3..]) {
        return Err(malformed(s, "length or alphabet"));
    }
    let log2_rounds = h64_value(body.as_bytes()[3]).ok_or_else(|| malformed(s, "rounds"))?;
    if !(7..=30).contains(&log2_rounds) {
        return Err(malformed(s, "log2 rounds outside 7 to 30"));
    }
    Ok(StoredHash {
        encoded: stored.to_owned(),
        scheme,
        kind: Kind::Phpass {
            sha512,
            log2_rounds,
            salt: body[4..12].to_owned(),
            checksum: body[12..].to_owned(),
            md5_first: upgraded,
        },
    })
}

/// The phpass/Drupal checksum (22 characters for MD5, 86 for SHA-512; Drupal keeps 43).
pub(crate) fn phpass_checksum(
    sha512: bool,
    log2_rounds: u32,
    salt: &str,
    password: &[u8],
) -> String {
    let count = 1u64 << log2_rounds;
    if sha512 {
        if password.len() > 512 {
            // Drupal's user_check_password refuses these; no input can match.
            return String::new();
        }
        let mut h = Sha512::new()
            .chain_update(salt)
            .chain_update(password)
            .finalize();
        for _ in 0..count {
            h = Sha512::new()
                .chain_update(h)
                .chain_update(password)
                .finalize();
        }
        h64_encode(&h)
    } else {
        let mut h = Md5::new()
            .chain_update(salt)
            .chain_update(password)
            .finalize();
        for _ in 0..count {
            h = Md5::new().chain_update(h).chain_update(password).finalize();
        }
        h64_encode(&h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_crypt_known_answers() {
        // FreeBSD md5-crypt of "password" with salt "saltstring" truncated to 8.
        // Values produced by `openssl passwd -1 -salt saltstri password` and
        // `openssl passwd -apr1 -salt saltstri password`.
        assert_eq!(
            md5_crypt_checksum(b"password", "$1$", b"saltstri"),
            "qQY4WxjABChYG1ccLpfkz/"
        );
        assert_eq!(
            md5_crypt_checksum(b"password", "$apr1$", b"saltstri"),
            "KbmdckUzuN1qd7Gpo8DEL."
        );
    }

    #[test]
    fn phpass_known_answer() {
        // phpass's own test: "test12345" against this portable hash.
        let h = parse_phpass("$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", false).unwrap();
        let Kind::Phpass {
            log2_rounds,
            salt,
            checksum,
            ..
        } = &h.kind
        else {
            panic!()
        };
        assert_eq!(
            phpass_checksum(false, *log2_rounds, salt, b"test12345"),
            *checksum
        );
        assert_ne!(
            phpass_checksum(false, *log2_rounds, salt, b"test12346"),
            *checksum
        );
    }

    #[test]
    fn malformed_crypt_strings() {
        for bad in [
            "$1$saltsaltsalt$qQY4WxjABChYG1ccLpfkz/",
            "$1$salt$short",
            "$1$nochecksum",
        ] {
            assert_eq!(
                parse_md5_crypt(bad, bad, None).unwrap_err().kind(),
                "malformed",
                "{bad}"
            );
        }
        for bad in [
            "$5$rounds=999$salt$x",
            "$6$rounds=abc$salt$x",
            "$5$a$b$c$d",
            "$6$salt$short",
        ] {
            assert_eq!(
                parse_sha_crypt(bad, bad, None).unwrap_err().kind(),
                "malformed",
                "{bad}"
            );
        }
        for bad in [
            "$P$9IQRaTwmf",
            "$P$!IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0",
            "$P$zIQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0",
        ] {
            assert_eq!(
                parse_phpass(bad, false).unwrap_err().kind(),
                "malformed",
                "{bad}"
            );
        }
    }
}
