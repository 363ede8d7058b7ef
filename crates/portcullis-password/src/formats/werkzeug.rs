//! Werkzeug's `method$salt$hash` strings (`werkzeug.security`, 2.3 and later).
//!
//! `pbkdf2:<hash>:<iterations>$<salt>$<hex>` and `scrypt:<n>:<r>:<p>$<salt>$<hex>`. The
//! salt enters the KDF as its characters, the key is hex. Werkzeug writes the iterations
//! into every hash it makes; a string without them would be computed with whatever
//! default the verifying Werkzeug version had, so portcullis refuses to guess.

use portcullis_core::Hex;

use super::{malformed, parse_u32, phc};
use crate::stored::{Prf, StoredHash};
use crate::{Error, Scheme};

pub(crate) fn parse(stored: &str) -> Result<StoredHash, Error> {
    let fields: Vec<&str> = stored.split('$').collect();
    let scheme = if stored.starts_with("scrypt:") {
        Scheme::WerkzeugScrypt
    } else {
        Scheme::WerkzeugPbkdf2
    };
    let s = scheme.name();
    let [method, salt, hex] = fields[..] else {
        return Err(malformed(s, "expected method$salt$hash"));
    };
    if salt.is_empty() {
        return Err(malformed(s, "empty salt"));
    }
    let hash = Hex::decode(hex).map_err(|_| malformed(s, "hash is not hex"))?;
    let parts: Vec<&str> = method.split(':').collect();
    match (scheme, &parts[..]) {
        (Scheme::WerkzeugPbkdf2, ["pbkdf2", alg, iterations]) => {
            let prf = match *alg {
                "sha1" => Prf::Sha1,
                "sha256" => Prf::Sha256,
                "sha512" => Prf::Sha512,
                _ => {
                    return Err(Error::Unsupported {
                        what: "Werkzeug pbkdf2 hash function",
                    });
                }
            };
            let iterations = parse_u32(iterations).ok_or_else(|| malformed(s, "iterations"))?;
            phc::pbkdf2_hash(
                scheme,
                stored,
                prf,
                iterations,
                salt.as_bytes().to_vec(),
                hash,
            )
        }
        (Scheme::WerkzeugScrypt, ["scrypt", n, r, p]) => {
            let n = parse_u32(n).ok_or_else(|| malformed(s, "n"))?;
            if !n.is_power_of_two() || n < 2 {
                return Err(malformed(s, "n is not a power of two"));
            }
            let r = parse_u32(r).ok_or_else(|| malformed(s, "r"))?;
            let p = parse_u32(p).ok_or_else(|| malformed(s, "p"))?;
            phc::scrypt_hash(
                scheme,
                stored,
                n.trailing_zeros(),
                r,
                p,
                salt.as_bytes().to_vec(),
                hash,
            )
        }
        (_, [_, _] | [_]) => Err(Error::Unsupported {
            what: "Werkzeug hash without explicit parameters",
        }),
        _ => Err(malformed(s, "method")),
    }
}
