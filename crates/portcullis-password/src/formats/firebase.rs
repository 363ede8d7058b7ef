//! Firebase Authentication's modified scrypt.
//!
//! Per the `firebase/scrypt` README: with the project's `signer_key`, `salt_separator`,
//! `rounds` and `mem_cost`, and each user's `salt`,
//! `key = scrypt(password, salt ‖ salt_separator, N = 2^mem_cost, r = rounds, p = 1,
//! 64 bytes)` and the stored hash is AES-256-CTR with `key[..32]` and a zero IV applied
//! to the signer key. Stored by portcullis in Ory Kratos's form
//! `$firescrypt$ln=<mem_cost>,r=<rounds>,p=1$<salt>$<hash>$<separator>$<signer key>`
//! (standard base64, padded), so one string carries everything needed.

use aes::Aes256;
use ctr::Ctr128BE;
use ctr::cipher::{KeyIvInit, StreamCipher};
use portcullis_core::Base64;

use super::{malformed, param, params, parse_u32};
use crate::stored::{Kind, StoredHash};
use crate::{Error, Scheme};

const S: &str = "firebase_scrypt";

/// AES-256-CTR(key, IV = 0) over `signer_key`.
pub(crate) fn encrypt_signer_key(key: &[u8], signer_key: &[u8]) -> Vec<u8> {
    let mut out = signer_key.to_vec();
    if let Ok(mut cipher) = Ctr128BE::<Aes256>::new_from_slices(key, &[0u8; 16]) {
        cipher.apply_keystream(&mut out);
    }
    out
}

/// Parses `$firescrypt$...`.
pub(crate) fn parse(stored: &str) -> Result<StoredHash, Error> {
    let fields: Vec<&str> = stored.split('$').skip(2).collect();
    let [setting, salt, hash, separator, signer] = fields[..] else {
        return Err(malformed(S, "expected setting$salt$hash$separator$signer"));
    };
    let pairs = params(setting).ok_or_else(|| malformed(S, "parameter syntax"))?;
    let number = |key: &str| -> Result<u32, Error> {
        param(&pairs, key)
            .map_err(|()| malformed(S, "repeated parameter"))?
            .and_then(parse_u32)
            .ok_or_else(|| malformed(S, "ln, r and p"))
    };
    let (ln, r, p) = (number("ln")?, number("r")?, number("p")?);
    if p != 1 || pairs.len() != 3 {
        return Err(malformed(S, "p must be 1"));
    }
    let decode =
        |v: &str, what: &'static str| Base64::decode_tolerant(v).map_err(|_| malformed(S, what));
    build(
        stored.to_owned(),
        ln,
        r,
        decode(salt, "salt encoding")?,
        decode(hash, "hash encoding")?,
        decode(separator, "separator encoding")?,
        decode(signer, "signer key encoding")?,
    )
}

/// Builds the stored form from Firebase's export values.
pub(crate) fn build(
    encoded: String,
    mem_cost: u32,
    rounds: u32,
    salt: Vec<u8>,
    hash: Vec<u8>,
    salt_separator: Vec<u8>,
    signer_key: Vec<u8>,
) -> Result<StoredHash, Error> {
    if !(1..=63).contains(&mem_cost) || rounds == 0 {
        return Err(malformed(S, "mem_cost must be 1 to 63 and rounds positive"));
    }
    if hash.is_empty() || hash.len() != signer_key.len() {
        return Err(malformed(S, "hash and signer key lengths differ"));
    }
    Ok(StoredHash {
        encoded,
        scheme: Scheme::FirebaseScrypt,
        kind: Kind::FirebaseScrypt {
            mem_cost: mem_cost as u8,
            rounds,
            salt,
            salt_separator,
            signer_key,
            hash,
        },
    })
}

/// Renders the `$firescrypt$` string.
pub(crate) fn render(
    mem_cost: u32,
    rounds: u32,
    salt: &[u8],
    hash: &[u8],
    separator: &[u8],
    signer_key: &[u8],
) -> String {
    let b = |v: &[u8]| Base64::Standard.encode(v);
    format!(
        "$firescrypt$ln={mem_cost},r={rounds},p=1${}${}${}${}",
        b(salt),
        b(hash),
        b(separator),
        b(signer_key)
    )
}
