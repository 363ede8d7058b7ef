//! Recovery codes: NIST SP 800-63B "look-up secrets".
//!
//! A set of single-use codes is shown to the user once, at enrolment or on
//! regeneration, and only their digests are kept. Codes are drawn uniformly from a
//! 32-symbol alphabet without look-alike characters, `0-9` and `a-z` without `i`,
//! `l`, `o` and `u` (Crockford's base32 alphabet, lower case), and shown in groups of
//! four: `7k2m-x9qd-4hvt`.
//!
//! # Format, entropy, and how each is stored
//!
//! SP 800-63B section 5.1.2.2 sets the storage rule by entropy: a look-up secret of at
//! least 112 bits may be stored under an approved one-way function (here HMAC-SHA-256
//! under a server key, named by its id so keys can rotate); below 112 bits it must be
//! salted and hashed with a password hashing scheme, because a database reader could
//! otherwise try every code.
//!
//! | [`RecoveryFormat`] | shape | symbols | entropy per code | stored as |
//! |---|---|---|---|---|
//! | `Short` (default) | `xxxx-xxxx-xxxx` | 12 | 60 bits | Argon2id, 16-byte salt per set, light profile |
//! | `Long` | `xxxx-xxxx-xxxx-xxxx-xxxx-xxxx` | 24 | 120 bits | HMAC-SHA-256 under a [`KeyRing`] key |
//! | imported | as given | any | unknown | Argon2id, like `Short` |
//!
//! The default is `Short`: the shape Stytch and most services issue, short enough to
//! copy from paper, and 60 bits is far beyond online guessing (a billion guesses
//! leave a 1-in-a-billion chance) while the Argon2id digest makes an offline search
//! of 2^60 codes cost 2^60 memory-hard hashes. The price is one Argon2id
//! computation per redemption at the light profile (8 MiB, 2 passes: about 40% of the
//! work of OWASP's 19 MiB / 2-pass password setting); the bench
//! `otp/recovery_redeem_10` measures redeeming against ten digests at 0.96 to 1.23
//! times that bare Argon2id call (noise either way: the comparisons are negligible
//! beside the hash). A set shares one salt so that redeeming hashes the input once
//! and compares it with every digest, instead of hashing once per code. `Long` trades typing for speed and keeps no password hash at all;
//! choose it where codes are pasted from a password manager. Imported codes (Stytch
//! `totp/migrate`) have unknown entropy and so always take the Argon2id path.
//!
//! # Redeeming with a store
//!
//! [`RecoveryCodeSet::redeem`] returns the digest that matched and how many codes
//! remain once it is used. Consuming it is one atomic store operation on that digest
//! (`UPDATE ... SET used_at = :now WHERE digest = :digest AND used_at IS NULL`); a
//! store that updates no row lost a race with a concurrent redemption of the same
//! code and must refuse. Regenerating is generating a new set and replacing the old
//! one whole.

use portcullis_core::{
    Base64, CryptoRng, OffsetDateTime, OsRng, SecretString, ct_eq, random, time::unix_seconds,
};
use portcullis_password::{Argon2Params, argon2id_raw};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{OtpError, Refusal};
use crate::keys::KeyRing;
use crate::totp::bounded;

/// The 32 symbols codes are drawn from (5 bits each).
pub const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// Default number of codes in a set.
pub const DEFAULT_RECOVERY_CODES: u8 = 10;
const COUNT_BOUNDS: (u8, u8) = (4, 32);
/// Most codes an imported set may hold.
pub const MAX_IMPORTED_CODES: usize = 64;
/// Longest code accepted, in letters and digits.
pub const MAX_RECOVERY_CODE_LEN: usize = 64;
const PURPOSE: &str = "portcullis-otp/recovery-code/v1";

/// How long generated codes are (see the module docs for the trade-off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryFormat {
    /// 12 symbols, 60 bits, stored as salted Argon2id.
    #[default]
    Short,
    /// 24 symbols, 120 bits, stored as HMAC-SHA-256 under a server key.
    Long,
}

impl RecoveryFormat {
    /// Symbols per code.
    #[must_use]
    pub fn symbols(self) -> usize {
        match self {
            Self::Short => 12,
            Self::Long => 24,
        }
    }

    /// Bits of entropy per code (5 per symbol).
    #[must_use]
    pub fn entropy_bits(self) -> usize {
        self.symbols() * 5
    }
}

/// Recovery-code settings.
///
/// | setting | default | bounds |
/// |---|---|---|
/// | `count` | 10 | 4 to 32 |
/// | `format` | `Short` | `Short`, `Long` |
///
/// ```
/// use portcullis_core::{SecretBytes, time::from_unix_seconds};
/// use portcullis_otp::{KeyRing, RecoveryCodes, ServerKey};
///
/// let keys = KeyRing::new(vec![ServerKey::new("k1", SecretBytes::from(vec![1u8; 32]))?])?;
/// let now = from_unix_seconds(1_700_000_000)?;
/// let issued = RecoveryCodes::new().generate(&keys, now)?;
/// assert_eq!(issued.codes.len(), 10);
/// let code = issued.codes[3].expose_secret().to_uppercase(); // case does not matter
///
/// let mut set = issued.set;
/// let found = set.redeem(&code, &keys)?;
/// assert_eq!(found.remaining, 9);
/// assert!(set.mark_used(&found.digest, now)); // what the store does atomically
/// assert!(set.redeem(&code, &keys).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoveryCodes {
    count: u8,
    format: RecoveryFormat,
}

impl Default for RecoveryCodes {
    fn default() -> Self {
        Self {
            count: DEFAULT_RECOVERY_CODES,
            format: RecoveryFormat::Short,
        }
    }
}

/// A freshly generated set: the plain codes to show once, and the set to store.
#[derive(Debug)]
pub struct IssuedRecoveryCodes {
    /// The codes, formatted in groups of four. Show them once; never store them.
    pub codes: Vec<SecretString>,
    /// What to store.
    pub set: RecoveryCodeSet,
}

impl RecoveryCodes {
    /// The defaults (10 `Short` codes).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets how many codes a set holds (4 to 32).
    ///
    /// # Errors
    /// [`OtpError::OutOfBounds`].
    pub fn with_count(mut self, count: u8) -> Result<Self, OtpError> {
        self.count = bounded("recovery code count", count, COUNT_BOUNDS)?;
        Ok(self)
    }

    /// Sets the code format.
    #[must_use]
    pub fn with_format(mut self, format: RecoveryFormat) -> Self {
        self.format = format;
        self
    }

    /// Generates a set from the OS CSPRNG. `keys` is used by the `Long` format only.
    ///
    /// # Errors
    /// [`OtpError::PasswordHash`] if the hash function fails (not expected).
    pub fn generate(
        &self,
        keys: &KeyRing,
        now: OffsetDateTime,
    ) -> Result<IssuedRecoveryCodes, OtpError> {
        self.generate_with(&mut OsRng, keys, now)
    }

    /// Generates a set from `rng`. Regenerating is the same call; the new set replaces
    /// the old one whole.
    ///
    /// # Errors
    /// As [`generate`](Self::generate).
    pub fn generate_with<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        keys: &KeyRing,
        now: OffsetDateTime,
    ) -> Result<IssuedRecoveryCodes, OtpError> {
        let mut plain: Vec<SecretString> = Vec::with_capacity(usize::from(self.count));
        while plain.len() < usize::from(self.count) {
            let code =
                random::string_from_alphabet_with(rng, RECOVERY_ALPHABET, self.format.symbols());
            // A repeat is astronomically unlikely, but would make two entries one.
            if !plain.iter().any(|p| {
                ct_eq(
                    p.expose_secret().as_bytes(),
                    code.expose_secret().as_bytes(),
                )
            }) {
                plain.push(code);
            }
        }
        let scheme = match self.format {
            RecoveryFormat::Short => Scheme::light_hash(rng),
            RecoveryFormat::Long => Scheme::Hmac {
                key_id: keys.newest().id().to_owned(),
            },
        };
        let codes = plain
            .iter()
            .map(|code| scheme.digest(code.expose_secret().as_bytes(), Some(keys)))
            .map(|d| {
                d.map(|digest| StoredRecoveryCode {
                    digest: Base64::UrlUnpadded.encode(digest.as_ref()),
                    used_at: None,
                })
            })
            .collect::<Result<Vec<_>, Refusal>>()
            .map_err(|_| OtpError::PasswordHash)?;
        Ok(IssuedRecoveryCodes {
            codes: plain.iter().map(|c| group(c.expose_secret())).collect(),
            set: RecoveryCodeSet {
                scheme,
                codes,
                created_at: unix_seconds(now),
            },
        })
    }

    /// Imports codes issued elsewhere (Stytch `totp/migrate` `recovery_codes`). Each is
    /// normalised as at redemption; repeats are kept once. Their entropy is unknown,
    /// so they are stored as salted Argon2id whatever this setting's format.
    ///
    /// # Errors
    /// [`OtpError::InvalidRecoveryCode`] naming the first code that is empty, too long
    /// or not letters and digits; [`OtpError::OutOfBounds`] for no codes or more than
    /// 64.
    pub fn import_with<R: CryptoRng + ?Sized>(
        rng: &mut R,
        codes: &[&str],
        now: OffsetDateTime,
    ) -> Result<RecoveryCodeSet, OtpError> {
        if codes.is_empty() || codes.len() > MAX_IMPORTED_CODES {
            return Err(OtpError::OutOfBounds {
                setting: "imported recovery codes",
                min: 1,
                max: MAX_IMPORTED_CODES as u64,
            });
        }
        let scheme = Scheme::light_hash(rng);
        let mut stored: Vec<StoredRecoveryCode> = Vec::with_capacity(codes.len());
        for (index, code) in codes.iter().enumerate() {
            let normal = normalize_recovery_code(code)
                .map_err(|_| OtpError::InvalidRecoveryCode { index })?;
            let digest = scheme
                .digest(normal.expose_secret().as_bytes(), None)
                .map_err(|_| OtpError::PasswordHash)?;
            let digest = Base64::UrlUnpadded.encode(digest.as_ref());
            if !stored.iter().any(|s| s.digest == digest) {
                stored.push(StoredRecoveryCode {
                    digest,
                    used_at: None,
                });
            }
        }
        Ok(RecoveryCodeSet {
            scheme,
            codes: stored,
            created_at: unix_seconds(now),
        })
    }

    /// [`import_with`](Self::import_with) using the OS CSPRNG for the salt.
    ///
    /// # Errors
    /// As [`import_with`](Self::import_with).
    pub fn import(codes: &[&str], now: OffsetDateTime) -> Result<RecoveryCodeSet, OtpError> {
        Self::import_with(&mut OsRng, codes, now)
    }
}

/// The stored form of a set of recovery codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCodeSet {
    /// How the digests were made.
    pub scheme: Scheme,
    /// One entry per code.
    pub codes: Vec<StoredRecoveryCode>,
    /// When the set was made (Unix seconds).
    pub created_at: i64,
}

/// One stored code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRecoveryCode {
    /// The code's digest, base64url: also its identity when marking it used.
    pub digest: String,
    /// When it was used (Unix seconds), or `None` while unused.
    pub used_at: Option<i64>,
}

/// How a set's digests are made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "snake_case")]
pub enum Scheme {
    /// Argon2id (RFC 9106) with a per-set salt, 32-byte output.
    Argon2id {
        /// The set's salt, standard base64 without padding.
        salt: String,
        /// Memory in KiB.
        m_cost: u32,
        /// Passes.
        t_cost: u32,
        /// Lanes.
        p_cost: u32,
    },
    /// HMAC-SHA-256 under the named server key.
    Hmac {
        /// Id of the [`KeyRing`] key.
        key_id: String,
    },
}

/// What a successful redemption found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryMatch {
    /// The digest to mark used (atomically, only if still unused).
    pub digest: String,
    /// Unused codes left once this one is marked used (`recovery_codes_remaining`).
    pub remaining: usize,
}

impl RecoveryCodeSet {
    /// Checks a typed code (any case; dashes and spaces ignored) against the set.
    ///
    /// The input is hashed once and compared in constant time with every stored
    /// digest.
    ///
    /// # Errors
    /// [`Refusal::Malformed`] for input that is not letters, digits, dashes and
    /// spaces (or is longer than 64 symbols); [`Refusal::AlreadyUsed`] for a code of
    /// this set that was used; [`Refusal::WrongCode`]; [`Refusal::Unverifiable`] when
    /// the set names a key the ring no longer holds or carries unusable parameters.
    pub fn redeem(&self, input: &str, keys: &KeyRing) -> Result<RecoveryMatch, Refusal> {
        let normal = normalize_recovery_code(input)?;
        let digest = self
            .scheme
            .digest(normal.expose_secret().as_bytes(), Some(keys))?;
        let digest = Base64::UrlUnpadded.encode(digest.as_ref());
        let mut unused_match = None;
        let mut used_match = false;
        for code in &self.codes {
            if ct_eq(code.digest.as_bytes(), digest.as_bytes()) {
                match code.used_at {
                    None => unused_match = Some(code.digest.clone()),
                    Some(_) => used_match = true,
                }
            }
        }
        match unused_match {
            Some(digest) => Ok(RecoveryMatch {
                digest,
                remaining: self.remaining().saturating_sub(1),
            }),
            None if used_match => Err(Refusal::AlreadyUsed),
            None => Err(Refusal::WrongCode),
        }
    }

    /// Does the work of a default-format [`redeem`](Self::redeem) (one Argon2id hash
    /// at the light profile) for a user who has no recovery codes or does not exist,
    /// so such requests take as long as real ones, and refuses:
    /// [`Refusal::Malformed`] or [`Refusal::WrongCode`]. Never accepts.
    #[must_use]
    pub fn dummy_redeem(input: &str) -> Refusal {
        let Ok(normal) = normalize_recovery_code(input) else {
            return Refusal::Malformed;
        };
        let _ = light_password_hash(
            normal.expose_secret().as_bytes(),
            &[0x5a; 16],
            (LIGHT_M_COST, LIGHT_T_COST, LIGHT_P_COST),
        );
        Refusal::WrongCode
    }

    /// Unused codes in the set.
    #[must_use]
    pub fn remaining(&self) -> usize {
        self.codes.iter().filter(|c| c.used_at.is_none()).count()
    }

    /// Marks the code with `digest` used at `now`; returns false if there is no such
    /// unused code. This is what a store does atomically; here for in-memory use.
    pub fn mark_used(&mut self, digest: &str, now: OffsetDateTime) -> bool {
        match self
            .codes
            .iter_mut()
            .find(|c| c.used_at.is_none() && c.digest == digest)
        {
            Some(code) => {
                code.used_at = Some(unix_seconds(now));
                true
            }
            None => false,
        }
    }
}

/// Normalises a typed recovery code: surrounding and inner spaces and dashes are
/// dropped and letters lower-cased; what is left must be 1 to 64 ASCII letters and
/// digits.
///
/// ```
/// use portcullis_otp::normalize_recovery_code;
///
/// assert_eq!(normalize_recovery_code(" 7K2M-x9qd 4HVT ").unwrap().expose_secret(), "7k2mx9qd4hvt");
/// assert!(normalize_recovery_code("7k2m_x9qd").is_err());
/// assert!(normalize_recovery_code(" - ").is_err());
/// ```
///
/// # Errors
/// [`Refusal::Malformed`].
pub fn normalize_recovery_code(input: &str) -> Result<SecretString, Refusal> {
    if input.len() > MAX_RECOVERY_CODE_LEN * 3 {
        return Err(Refusal::Malformed);
    }
    let mut out = Zeroizing::new(String::with_capacity(input.len()));
    for c in input.chars() {
        match c {
            ' ' | '-' => {}
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_lowercase()),
            _ => return Err(Refusal::Malformed),
        }
    }
    if out.is_empty() || out.len() > MAX_RECOVERY_CODE_LEN {
        return Err(Refusal::Malformed);
    }
    Ok(SecretString::new(std::mem::take(&mut *out)))
}

/// `abcdefghijkl` → `abcd-efgh-ijkl`.
fn group(code: &str) -> SecretString {
    let mut out = String::with_capacity(code.len() + code.len() / 4);
    for (i, c) in code.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(c);
    }
    SecretString::new(out)
}

/// The light Argon2id profile for look-up secrets below 112 bits: portcullis-password's
/// [`Argon2Params::LIGHT`] (m = 8 MiB, t = 2, p = 1, about 40% of OWASP's password
/// setting), because a recovery code carries 60 bits where a password carries perhaps
/// 20 to 40, so far less stretching buys the same offline margin. Each stored set
/// records its own parameters, so the profile can change without touching old records.
const LIGHT_M_COST: u32 = Argon2Params::LIGHT.m_cost;
const LIGHT_T_COST: u32 = Argon2Params::LIGHT.t_cost;
const LIGHT_P_COST: u32 = Argon2Params::LIGHT.p_cost;
/// Parameter ceilings accepted from stored records, so a damaged row cannot make a
/// redemption allocate gigabytes.
const MAX_M_COST: u32 = 256 * 1024;
const MAX_T_COST: u32 = 16;
const MAX_P_COST: u32 = 4;

fn light_password_hash(
    input: &[u8],
    salt: &[u8],
    (m_cost, t_cost, p_cost): (u32, u32, u32),
) -> Result<Zeroizing<[u8; 32]>, Refusal> {
    if m_cost > MAX_M_COST || t_cost > MAX_T_COST || p_cost > MAX_P_COST {
        return Err(Refusal::Unverifiable);
    }
    let params = Argon2Params {
        m_cost,
        t_cost,
        p_cost,
    };
    argon2id_raw(input, salt, params).map_err(|_| Refusal::Unverifiable)
}

impl Scheme {
    fn light_hash<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self::Argon2id {
            salt: Base64::StandardUnpadded.encode(random::bytes_with(rng, 16).expose_secret()),
            m_cost: LIGHT_M_COST,
            t_cost: LIGHT_T_COST,
            p_cost: LIGHT_P_COST,
        }
    }

    /// The digest of a normalised code. `keys` is `None` where no key may be used
    /// (imports, which are always Argon2id).
    fn digest(
        &self,
        normal: &[u8],
        keys: Option<&KeyRing>,
    ) -> Result<Zeroizing<[u8; 32]>, Refusal> {
        match self {
            Self::Argon2id {
                salt,
                m_cost,
                t_cost,
                p_cost,
            } => {
                let salt = Base64::StandardUnpadded
                    .decode(salt)
                    .map_err(|_| Refusal::Unverifiable)?;
                light_password_hash(normal, &salt, (*m_cost, *t_cost, *p_cost))
            }
            Self::Hmac { key_id } => {
                let key = keys
                    .and_then(|k| k.get(key_id))
                    .ok_or(Refusal::Unverifiable)?;
                Ok(Zeroizing::new(key.digest(PURPOSE, &[normal])))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::ServerKey;
    use portcullis_core::{SecretBytes, rand_core::SeedableRng, time::from_unix_seconds};
    use rand_chacha::ChaCha20Rng;

    fn keys() -> KeyRing {
        KeyRing::new(vec![
            ServerKey::new("k1", SecretBytes::from(vec![3u8; 32])).unwrap(),
        ])
        .unwrap()
    }

    fn now() -> OffsetDateTime {
        from_unix_seconds(1_700_000_000).unwrap()
    }

    #[test]
    fn generated_codes_have_the_documented_shape() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for (format, len) in [(RecoveryFormat::Short, 14), (RecoveryFormat::Long, 29)] {
            let issued = RecoveryCodes::new()
                .with_format(format)
                .with_count(4)
                .unwrap()
                .generate_with(&mut rng, &keys(), now())
                .unwrap();
            assert_eq!(issued.codes.len(), 4);
            assert_eq!(issued.set.codes.len(), 4);
            for code in &issued.codes {
                let c = code.expose_secret();
                assert_eq!(c.len(), len, "{format:?}");
                for (i, b) in c.bytes().enumerate() {
                    if i % 5 == 4 {
                        assert_eq!(b, b'-');
                    } else {
                        assert!(RECOVERY_ALPHABET.contains(&b));
                    }
                }
            }
            assert_eq!(format.entropy_bits(), (len - len / 5) * 5);
        }
        assert!(RecoveryCodes::new().with_count(3).is_err());
        assert!(RecoveryCodes::new().with_count(33).is_err());
    }

    #[test]
    fn alphabet_has_no_look_alikes() {
        for b in b"ilou" {
            assert!(!RECOVERY_ALPHABET.contains(b));
        }
        let mut sorted = RECOVERY_ALPHABET.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 32);
    }

    #[test]
    fn redeem_each_code_once_in_both_schemes() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        for format in [RecoveryFormat::Short, RecoveryFormat::Long] {
            let issued = RecoveryCodes::new()
                .with_format(format)
                .with_count(4)
                .unwrap()
                .generate_with(&mut rng, &keys(), now())
                .unwrap();
            let mut set = issued.set;
            match (&set.scheme, format) {
                (Scheme::Argon2id { m_cost, .. }, RecoveryFormat::Short) => {
                    assert_eq!(*m_cost, LIGHT_M_COST);
                }
                (Scheme::Hmac { key_id }, RecoveryFormat::Long) => assert_eq!(key_id, "k1"),
                other => panic!("unexpected scheme {other:?}"),
            }
            for (i, code) in issued.codes.iter().enumerate() {
                let typed = code.expose_secret().replace('-', " ").to_uppercase();
                let found = set.redeem(&typed, &keys()).unwrap();
                assert_eq!(found.remaining, 3 - i);
                assert!(set.mark_used(&found.digest, now()));
                assert!(!set.mark_used(&found.digest, now()));
                assert_eq!(set.redeem(&typed, &keys()), Err(Refusal::AlreadyUsed));
            }
            assert_eq!(set.remaining(), 0);
            assert_eq!(
                set.redeem("aaaa-bbbb-cccc", &keys()),
                Err(Refusal::WrongCode)
            );
            assert_eq!(set.redeem("aaaa_bbbb", &keys()), Err(Refusal::Malformed));
        }
    }

    #[test]
    fn hmac_sets_need_their_key() {
        let issued = RecoveryCodes::new()
            .with_format(RecoveryFormat::Long)
            .generate(&keys(), now())
            .unwrap();
        let other = KeyRing::new(vec![
            ServerKey::new("k2", SecretBytes::from(vec![3u8; 32])).unwrap(),
        ])
        .unwrap();
        assert_eq!(
            issued.set.redeem(issued.codes[0].expose_secret(), &other),
            Err(Refusal::Unverifiable)
        );
        // After rotation the old key still verifies while it stays in the ring.
        let rotated = KeyRing::new(vec![
            ServerKey::new("k2", SecretBytes::from(vec![4u8; 32])).unwrap(),
            ServerKey::new("k1", SecretBytes::from(vec![3u8; 32])).unwrap(),
        ])
        .unwrap();
        assert!(
            issued
                .set
                .redeem(issued.codes[0].expose_secret(), &rotated)
                .is_ok()
        );
    }

    #[test]
    fn import_normalises_dedupes_and_refuses_junk() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let stytch = [
            "ckss-2skx-ebow",
            "spbc-424h-usy0",
            "1n6i-l5na-8axe",
            "CKSS2SKXEBOW",
        ];
        let mut set = RecoveryCodes::import_with(&mut rng, &stytch, now()).unwrap();
        assert_eq!(set.codes.len(), 3);
        assert!(matches!(set.scheme, Scheme::Argon2id { .. }));
        let found = set.redeem("1N6I L5NA 8AXE", &keys()).unwrap();
        assert_eq!(found.remaining, 2);
        assert!(set.mark_used(&found.digest, now()));
        assert_eq!(
            RecoveryCodes::import_with(&mut rng, &["ok12", "bad!"], now()),
            Err(OtpError::InvalidRecoveryCode { index: 1 })
        );
        assert!(RecoveryCodes::import_with(&mut rng, &[], now()).is_err());
    }

    #[test]
    fn stored_parameters_are_bounded() {
        let mut set =
            RecoveryCodes::import_with(&mut ChaCha20Rng::seed_from_u64(4), &["abcd"], now())
                .unwrap();
        if let Scheme::Argon2id { m_cost, .. } = &mut set.scheme {
            *m_cost = 4 * 1024 * 1024;
        }
        assert_eq!(set.redeem("abcd", &keys()), Err(Refusal::Unverifiable));
        let json = serde_json::to_value(&set).unwrap();
        assert_eq!(json["scheme"]["scheme"], "argon2id");
        let back: RecoveryCodeSet = serde_json::from_value(json).unwrap();
        assert_eq!(back, set);
    }

    #[test]
    fn dummy_redeem_refuses() {
        assert_eq!(
            RecoveryCodeSet::dummy_redeem("abcd-efgh-jkmn"),
            Refusal::WrongCode
        );
        assert_eq!(RecoveryCodeSet::dummy_redeem("ab_cd"), Refusal::Malformed);
    }

    #[test]
    fn normalisation() {
        assert_eq!(
            normalize_recovery_code("AbC-123").unwrap().expose_secret(),
            "abc123"
        );
        for bad in ["", "--", "ab.cd", "abç", "ab\tcd", &"a".repeat(65)] {
            assert_eq!(
                normalize_recovery_code(bad).err(),
                Some(Refusal::Malformed),
                "{bad}"
            );
        }
    }
}
