//! ASP.NET Identity password hashes (`Microsoft.AspNetCore.Identity.PasswordHasher`).
//!
//! Stored as base64 of a byte layout:
//! - v2: `0x00 ‖ salt[16] ‖ subkey[32]`, PBKDF2-HMAC-SHA1 with 1000 iterations;
//! - v3: `0x01 ‖ prf u32 ‖ iterations u32 ‖ salt length u32 ‖ salt ‖ subkey`, integers
//!   big-endian, prf 0 = HMAC-SHA1, 1 = HMAC-SHA256, 2 = HMAC-SHA512 (the
//!   `KeyDerivationPrf` enum). Like ASP.NET, salt and subkey must be at least 16 bytes.
//!
//! The bare base64 does not say what it is, so imports name the scheme
//! (`aspnet_identity_v2` / `aspnet_identity_v3`); portcullis stores it as
//! `$aspnet-identity$<base64>`, where the first byte tells the version.

use portcullis_core::Base64;

use super::{malformed, phc};
use crate::stored::{Prf, StoredHash};
use crate::{Error, Scheme};

/// Parses portcullis's `$aspnet-identity$<base64>`.
pub(crate) fn parse(stored: &str) -> Result<StoredHash, Error> {
    let b64 = stored.strip_prefix("$aspnet-identity$").unwrap_or("");
    from_base64(b64, None)
}

/// Parses the bare base64 an ASP.NET database holds; `expected` is the version the
/// import named, if any.
pub(crate) fn from_base64(b64: &str, expected: Option<Scheme>) -> Result<StoredHash, Error> {
    let s = expected.unwrap_or(Scheme::AspnetIdentityV3).name();
    let blob = Base64::Standard
        .decode(b64)
        .map_err(|_| malformed(s, "base64 encoding"))?;
    let encoded = format!("$aspnet-identity${b64}");
    let (scheme, prf, iterations, salt, subkey) = match blob.first() {
        Some(0x00) => {
            if blob.len() != 49 {
                return Err(malformed(
                    Scheme::AspnetIdentityV2.name(),
                    "v2 blob must be 49 bytes",
                ));
            }
            (
                Scheme::AspnetIdentityV2,
                Prf::Sha1,
                1000,
                &blob[1..17],
                &blob[17..],
            )
        }
        Some(0x01) => {
            let s = Scheme::AspnetIdentityV3.name();
            let word = |at: usize| -> Result<u32, Error> {
                blob.get(at..at + 4)
                    .and_then(|w| w.try_into().ok())
                    .map(u32::from_be_bytes)
                    .ok_or_else(|| malformed(s, "v3 header truncated"))
            };
            let prf = match word(1)? {
                0 => Prf::Sha1,
                1 => Prf::Sha256,
                2 => Prf::Sha512,
                _ => return Err(malformed(s, "unknown PRF")),
            };
            let iterations = word(5)?;
            let salt_len = word(9)? as usize;
            let salt = blob
                .get(13..13usize.saturating_add(salt_len))
                .ok_or_else(|| malformed(s, "salt length beyond the blob"))?;
            let subkey = &blob[13 + salt_len..];
            if salt.len() < 16 || subkey.len() < 16 {
                return Err(malformed(s, "salt and subkey must be at least 16 bytes"));
            }
            (Scheme::AspnetIdentityV3, prf, iterations, salt, subkey)
        }
        _ => return Err(malformed(s, "unknown format marker")),
    };
    if expected.is_some_and(|e| e != scheme) {
        return Err(malformed(s, "blob version differs from the named scheme"));
    }
    phc::pbkdf2_hash(
        scheme,
        &encoded,
        prf,
        iterations,
        salt.to_vec(),
        subkey.to_vec(),
    )
}
