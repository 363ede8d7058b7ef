//! bcrypt and the formats built on it.
//!
//! - `$2a$`, `$2b$`, `$2y$` (OpenBSD, crypt_blowfish, PHP): `$2b$<cost>$<22-char
//!   salt><31-char hash>` in bcrypt's own base64 (`./A-Za-z0-9`, big-endian). They
//!   compute the same function for passwords under 256 bytes, and bcrypt only reads 72.
//!   Legacy hashes are verified as their systems computed them: the first 72 bytes of
//!   the password, NUL-terminated when shorter.
//! - `$2x$` marks hashes made by crypt_blowfish's sign-extension bug (CVE-2011-2483):
//!   building each 32-bit key word, a byte of 0x80 or more was sign-extended and ORed
//!   over the bytes before it. portcullis computes those key words the buggy way, as
//!   crypt_blowfish's `$2x$` mode does, and hands them to the Blowfish key schedule as 72
//!   bytes; for ASCII passwords the result equals `$2a$`. `$2$` (the 1997 original) is
//!   refused with [`Error::Unsupported`].
//! - Auth0 imports may give bcrypt a separate salt: bcrypt over salt ‖ password (or
//!   password ‖ salt), stored as `$pcl-bcrypt$[pre=<b64url>][,post=<b64url>]$<bcrypt>`.
//! - passlib `$bcrypt-sha256$v=2,t=2b,r=<cost>$<salt>$<hash>`: bcrypt over
//!   base64(HMAC-SHA256(key = the 22-character salt, password)); version 1
//!   (`$bcrypt-sha256$2a,<cost>$...`) over base64(SHA-256(password)).
//! - Django `bcrypt_sha256$` (bcrypt over hex SHA-256) and `bcrypt$`, in [`super::django`].
//! - portcullis `$bcrypt-hmac-sha384$k=<b64url key id>$<bcrypt string>`: bcrypt over
//!   base64(HMAC-SHA384(pepper, password)), the pre-hash OWASP recommends for passwords
//!   longer than 72 bytes, keyed so that the pre-hash alone is useless to a thief.
//!
//! The Blowfish work itself is the `bcrypt` crate's `bcrypt()` primitive; parsing is done
//! here so that the salt's unused low bits are ignored exactly as OpenBSD's decoder does.

use portcullis_core::Base64;

use super::{malformed, parse_u32};
use crate::stored::{BcryptInput, Kind, StoredHash};
use crate::{Error, Scheme};

const ALPHABET: &[u8; 64] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Symbol values by byte, 0xff for bytes outside the alphabet (a table: this runs for
/// every character of every bcrypt hash a migration scan reads).
const VALUES: [u8; 256] = {
    let mut table = [0xffu8; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

fn value(c: u8) -> Option<u32> {
    match VALUES[usize::from(c)] {
        0xff => None,
        v => Some(u32::from(v)),
    }
}

/// Decodes bcrypt base64 into exactly `N` bytes, ignoring leftover low bits.
fn decode<const N: usize>(s: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    let (mut acc, mut bits, mut n) = (0u32, 0u32, 0usize);
    for c in s.bytes() {
        acc = (acc << 6) | value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            if n < N {
                out[n] = (acc >> bits) as u8;
                n += 1;
            }
            acc &= (1 << bits) - 1;
        }
    }
    (n == N).then_some(out)
}

/// Encodes bytes in bcrypt base64 (no padding).
pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 6 {
            bits -= 6;
            out.push(char::from(ALPHABET[((acc >> bits) & 0x3f) as usize]));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((acc << (6 - bits)) & 0x3f) as usize]));
    }
    out
}

/// The raw bcrypt output for `key`, truncated and NUL-terminated as every
/// implementation does: at most 72 bytes reach the key schedule.
pub(crate) fn raw(cost: u32, salt: [u8; 16], key: &[u8]) -> [u8; 24] {
    let mut buf = zeroize::Zeroizing::new([0u8; 72]);
    let len = key.len().min(72);
    buf[..len].copy_from_slice(&key[..len]);
    let used = (len + 1).min(72);
    bcrypt::bcrypt(cost, salt, &buf[..used])
}

/// bcrypt as crypt_blowfish's `$2x$` mode computes it: the 18 key words are built with
/// the sign-extension bug, then passed on as 72 bytes so that the key schedule, which
/// reads 18 big-endian words from the start of its key each time, sees exactly them.
pub(crate) fn raw_2x(cost: u32, salt: [u8; 16], key: &[u8]) -> [u8; 24] {
    // The key is read as a C string, NUL included, cyclically.
    let mut stream = key.iter().copied().chain(std::iter::once(0)).cycle();
    let mut words = zeroize::Zeroizing::new([0u8; 72]);
    for word in words.chunks_exact_mut(4) {
        let mut value = 0u32;
        for _ in 0..4 {
            let byte = stream.next().unwrap_or(0);
            // `(signed char)byte` widened to 32 bits, ORed in: the bug.
            value = (value << 8) | (i32::from(byte as i8) as u32);
        }
        word.copy_from_slice(&value.to_be_bytes());
    }
    bcrypt::bcrypt(cost, salt, &words[..])
}

/// Parses `$2?$<cost>$<53 chars>`; `encoded` is what to keep as the stored string.
pub(crate) fn parse(bcrypt: &str, encoded: &str, scheme: Scheme) -> Result<StoredHash, Error> {
    parse_with_input(bcrypt, encoded, scheme, BcryptInput::Plain)
}

pub(crate) fn parse_with_input(
    bcrypt: &str,
    encoded: &str,
    scheme: Scheme,
    input: BcryptInput,
) -> Result<StoredHash, Error> {
    let s = scheme.name();
    let fields: Vec<&str> = bcrypt.split('$').collect();
    let ["", minor, cost, rest] = fields[..] else {
        return Err(malformed(s, "expected $2b$<cost>$<salt and hash>"));
    };
    let minor = match minor {
        "2a" | "2b" | "2y" | "2x" => minor.as_bytes()[1],
        "2" => {
            return Err(Error::Unsupported {
                what: "original $2$ bcrypt",
            });
        }
        _ => return Err(malformed(s, "unknown bcrypt version")),
    };
    if cost.len() != 2 {
        return Err(malformed(s, "cost must be two digits"));
    }
    let cost = cost
        .strip_prefix('0')
        .map_or_else(|| parse_u32(cost), parse_u32)
        .ok_or_else(|| malformed(s, "cost"))?;
    if !(4..=31).contains(&cost) {
        return Err(malformed(s, "cost outside 4 to 31"));
    }
    if rest.len() != 53 || !rest.is_ascii() {
        return Err(malformed(s, "salt and hash must be 53 characters"));
    }
    let salt = decode::<16>(&rest[..22]).ok_or_else(|| malformed(s, "salt encoding"))?;
    let hash = decode::<23>(&rest[22..]).ok_or_else(|| malformed(s, "hash encoding"))?;
    Ok(StoredHash {
        encoded: encoded.to_owned(),
        scheme,
        kind: Kind::Bcrypt {
            minor,
            cost,
            salt,
            hash,
            input,
        },
    })
}

/// Renders `$2b$<cost>$<salt><hash>`.
pub(crate) fn render(cost: u32, salt: &[u8; 16], hash: &[u8]) -> String {
    let hash = &hash[..hash.len().min(23)];
    format!("$2b${cost:02}${}{}", encode(salt), encode(hash))
}

/// Parses passlib's `$bcrypt-sha256$`.
pub(crate) fn parse_passlib_sha256(stored: &str) -> Result<StoredHash, Error> {
    let s = Scheme::BcryptSha256.name();
    let fields: Vec<&str> = stored.split('$').skip(2).collect();
    let [setting, salt, hash] = fields[..] else {
        return Err(malformed(s, "expected setting, salt and hash"));
    };
    let (minor, cost, input) = if let Some(v2) = setting.strip_prefix("v=2,") {
        let mut minor = None;
        let mut cost = None;
        for kv in v2.split(',') {
            match kv.split_once('=') {
                Some(("t", t @ ("2a" | "2b"))) if minor.is_none() => minor = Some(t),
                Some(("r", r)) if cost.is_none() => cost = Some(r),
                _ => return Err(malformed(s, "v2 setting")),
            }
        }
        let input = BcryptInput::PasslibHmacSha256 {
            salt: salt.to_owned(),
        };
        (
            minor.ok_or_else(|| malformed(s, "missing t"))?,
            cost.ok_or_else(|| malformed(s, "missing r"))?,
            input,
        )
    } else {
        let (minor, cost) = setting
            .split_once(',')
            .ok_or_else(|| malformed(s, "v1 setting"))?;
        if !matches!(minor, "2a" | "2b") {
            return Err(malformed(s, "v1 bcrypt version"));
        }
        (minor, cost, BcryptInput::PasslibSha256)
    };
    let cost = parse_u32(cost).ok_or_else(|| malformed(s, "cost"))?;
    let inner = format!("${minor}${cost:02}${salt}{hash}");
    parse_with_input(&inner, stored, Scheme::BcryptSha256, input)
}

/// Parses portcullis's `$bcrypt-hmac-sha384$k=<key id>$<bcrypt>`.
pub(crate) fn parse_hmac_sha384(stored: &str) -> Result<StoredHash, Error> {
    let s = Scheme::BcryptHmacSha384.name();
    let rest = stored
        .strip_prefix("$bcrypt-hmac-sha384$k=")
        .ok_or_else(|| malformed(s, "missing key id"))?;
    let (key_id, inner) = rest
        .split_once('$')
        .ok_or_else(|| malformed(s, "missing bcrypt string"))?;
    let key_id = Base64::UrlUnpadded
        .decode(key_id)
        .ok()
        .and_then(|k| String::from_utf8(k).ok())
        .ok_or_else(|| malformed(s, "key id encoding"))?;
    parse_with_input(
        &format!("${inner}"),
        stored,
        Scheme::BcryptHmacSha384,
        BcryptInput::HmacSha384 { key_id },
    )
}

/// Parses portcullis's `$pcl-bcrypt$[pre=..][,post=..]$<bcrypt>`.
pub(crate) fn parse_salted(stored: &str) -> Result<StoredHash, Error> {
    let s = Scheme::Bcrypt.name();
    let rest = stored.strip_prefix("$pcl-bcrypt$").unwrap_or("");
    let (setting, inner) = rest
        .split_once('$')
        .ok_or_else(|| malformed(s, "missing bcrypt string"))?;
    let (mut prefix, mut suffix) = (Vec::new(), Vec::new());
    for kv in setting.split(',').filter(|kv| !kv.is_empty()) {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| malformed(s, "salt syntax"))?;
        let v = Base64::UrlUnpadded
            .decode(v)
            .map_err(|_| malformed(s, "salt encoding"))?;
        match k {
            "pre" if prefix.is_empty() => prefix = v,
            "post" if suffix.is_empty() => suffix = v,
            _ => return Err(malformed(s, "unknown salt parameter")),
        }
    }
    parse_with_input(
        &format!("${inner}"),
        stored,
        Scheme::Bcrypt,
        BcryptInput::Salted { prefix, suffix },
    )
}

/// Renders `$pcl-bcrypt$` around a bcrypt string.
pub(crate) fn render_salted(prefix: &[u8], suffix: &[u8], bcrypt: &str) -> String {
    let mut setting = Vec::new();
    if !prefix.is_empty() {
        setting.push(format!("pre={}", Base64::UrlUnpadded.encode(prefix)));
    }
    if !suffix.is_empty() {
        setting.push(format!("post={}", Base64::UrlUnpadded.encode(suffix)));
    }
    format!("$pcl-bcrypt${}{bcrypt}", setting.join(","))
}

/// Renders portcullis's `$bcrypt-hmac-sha384$`.
pub(crate) fn render_hmac_sha384(key_id: &str, bcrypt: &str) -> String {
    format!(
        "$bcrypt-hmac-sha384$k={}{bcrypt}",
        Base64::UrlUnpadded.encode(key_id.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // From OpenBSD's regress suite / passlib's test vectors: password "U*U".
    const U_STAR_U: &str = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

    #[test]
    fn codec_round_trip() {
        let h = parse(U_STAR_U, U_STAR_U, Scheme::Bcrypt).unwrap();
        let Kind::Bcrypt {
            salt, hash, cost, ..
        } = h.kind
        else {
            panic!()
        };
        assert_eq!(cost, 5);
        assert_eq!(render(cost, &salt, &hash)[4..], U_STAR_U[4..]);
        assert_eq!(raw(cost, salt, b"U*U")[..23], hash);
    }

    #[test]
    fn malformed_strings() {
        for bad in [
            "$2a$5$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            "$2a$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            "$2a$32$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe",
            "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe",
            "$2a$05$CCCCCCCCCCCCCCCCCCCCC!E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            "$2c$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            "$2a$+5$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeé",
        ] {
            assert_eq!(
                parse(bad, bad, Scheme::Bcrypt).unwrap_err().kind(),
                "malformed",
                "{bad}"
            );
        }
        assert_eq!(
            parse(
                "$2$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                "",
                Scheme::Bcrypt
            )
            .unwrap_err()
            .kind(),
            "unsupported"
        );
    }
}
