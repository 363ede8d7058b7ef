//! Targets for portcullis-password: stored-hash parsing and the import records.
//!
//! Beyond "no panic": a parsed hash's canonical string parses back to the same scheme
//! (so what an import stores can always be read again), and verification of anything
//! that parses runs to an answer under small cost limits.

use std::sync::OnceLock;

use portcullis_password::{
    Argon2Params, CostLimits, Hasher, HasherConfig, ImportRecord, StoredHash, Target,
};

/// A hasher whose limits keep every verification in the microseconds, so the fuzzer
/// explores parsing and verification paths instead of waiting on work factors.
fn hasher() -> &'static Hasher {
    static HASHER: OnceLock<Hasher> = OnceLock::new();
    HASHER.get_or_init(|| {
        Hasher::new(HasherConfig {
            target: Target::Argon2id(Argon2Params {
                m_cost: 1024,
                t_cost: 1,
                p_cost: 1,
            }),
            limits: CostLimits {
                bcrypt_cost: 4,
                pbkdf2_iterations: 64,
                scrypt_memory_bytes: 128 * 64 * 8,
                scrypt_parallelism: 2,
                argon2_memory_kib: 1024,
                argon2_iterations: 1,
                argon2_parallelism: 2,
                sha_crypt_rounds: 1000,
                phpass_log2_rounds: 7,
                key_length_bytes: 128,
                salt_length_bytes: 128,
            },
            ..HasherConfig::default()
        })
        .expect("valid fuzz hasher")
    })
}

fn exercise(stored: &StoredHash) {
    let again = StoredHash::parse(stored.encoded())
        .unwrap_or_else(|e| panic!("canonical form does not parse: {e}"));
    assert_eq!(again.scheme(), stored.scheme());
    // Any outcome is fine except a panic; errors must not echo the password.
    if let Err(e) = hasher().check("fuzz-password", stored) {
        assert!(!e.to_string().contains("fuzz-password"));
    }
}

/// Arbitrary bytes as a stored hash string.
pub fn identify(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(stored) = StoredHash::parse(text) {
        assert_eq!(
            portcullis_password::identify(text).ok(),
            Some(stored.scheme())
        );
        exercise(&stored);
    }
}

/// Arbitrary bytes as an import record in JSON (Stytch, Auth0, Firebase or hinted).
pub fn import_record(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(stored) = ImportRecord::from_json(&value).and_then(|r| r.to_stored()) {
        exercise(&stored);
    }
}
