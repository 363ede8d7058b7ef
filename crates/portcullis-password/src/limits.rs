//! Upper bounds on the work factors of stored hashes.
//!
//! A stored hash says how much work verifying it takes. An imported file may contain a
//! hostile or corrupt record (bcrypt cost 31, an argon2 memory cost of 4 TiB), and
//! verifying it would tie up a core for hours or exhaust memory. Every verifier checks
//! the hash's parameters against these limits *before* computing anything and refuses
//! with [`crate::Error::CostTooHigh`].
//!
//! | limit | default | why this value |
//! |---|---|---|
//! | `bcrypt_cost` | 16 | 2^16 rounds take about 4 s on one core; real deployments use 10 to 14 |
//! | `pbkdf2_iterations` | 10,000,000 | about 16 times OWASP's 600,000 for PBKDF2-HMAC-SHA256; bounds iterations x output blocks, since every block of the PRF's width repeats the whole count |
//! | `scrypt_memory_bytes` | 256 MiB | 128·N·r bytes; OWASP's N=2^17, r=8 needs 128 MiB |
//! | `scrypt_parallelism` | 16 | p multiplies the CPU time; real deployments use 1 to 5 |
//! | `argon2_memory_kib` | 1 GiB | 64 times OWASP's 19 MiB; also bounds one verify's RAM |
//! | `argon2_iterations` | 16 | OWASP's profiles use 1 to 5 |
//! | `argon2_parallelism` | 16 | lanes are computed one after another here, so p adds time |
//! | `sha_crypt_rounds` | 5,000,000 | passlib's defaults are 535,000 and 656,000 |
//! | `phpass_log2_rounds` | 20 | phpass uses 8 (WordPress), Drupal 7 uses 15 |
//! | `key_length_bytes` | 256 | a derived key longer than its hash multiplies PBKDF2's work |
//! | `salt_length_bytes` | 1024 | salts are 8 to 32 bytes in every format seen |
//!
//! The password's own length is a further multiplier for SHA-crypt, phpass and the
//! salted digests (each round hashes the password again); the hasher's maximum
//! password length (1024 bytes by default) bounds it.
//!
//! The same table, with reasons, is how Ory Kratos bounds imported hashes
//! (`hash/hash_limits.go`); the values here are portcullis's own.

use serde::{Deserialize, Serialize};

use crate::Error;

/// The largest work factors a stored hash may ask for (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CostLimits {
    /// Largest bcrypt cost (log2 of the rounds).
    pub bcrypt_cost: u32,
    /// Largest PBKDF2 iteration count.
    pub pbkdf2_iterations: u32,
    /// Largest scrypt working memory, 128·N·r bytes.
    pub scrypt_memory_bytes: u64,
    /// Largest scrypt p.
    pub scrypt_parallelism: u32,
    /// Largest argon2 memory cost, in KiB.
    pub argon2_memory_kib: u32,
    /// Largest argon2 time cost.
    pub argon2_iterations: u32,
    /// Largest argon2 parallelism (lanes).
    pub argon2_parallelism: u32,
    /// Largest SHA-crypt rounds.
    pub sha_crypt_rounds: u32,
    /// Largest phpass / Drupal log2 round count.
    pub phpass_log2_rounds: u32,
    /// Largest derived-key length in bytes.
    pub key_length_bytes: usize,
    /// Largest salt length in bytes.
    pub salt_length_bytes: usize,
}

impl Default for CostLimits {
    fn default() -> Self {
        Self {
            bcrypt_cost: 16,
            pbkdf2_iterations: 10_000_000,
            scrypt_memory_bytes: 256 * 1024 * 1024,
            scrypt_parallelism: 16,
            argon2_memory_kib: 1024 * 1024,
            argon2_iterations: 16,
            argon2_parallelism: 16,
            sha_crypt_rounds: 5_000_000,
            phpass_log2_rounds: 20,
            key_length_bytes: 256,
            salt_length_bytes: 1024,
        }
    }
}

/// Returns `CostTooHigh` when `value` exceeds `limit`.
pub(crate) fn check(
    scheme: &'static str,
    parameter: &'static str,
    value: u64,
    limit: u64,
) -> Result<(), Error> {
    if value > limit {
        Err(Error::CostTooHigh {
            scheme,
            parameter,
            value,
            limit,
        })
    } else {
        Ok(())
    }
}
