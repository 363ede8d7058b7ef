//! The hashing policy: one target scheme for new hashes, every scheme for verification,
//! and the transparent upgrade between them.
//!
//! Every setting, with its default and the bounds [`Hasher::new`] enforces:
//!
//! | setting | default | bounds | why |
//! |---|---|---|---|
//! | `target` | argon2id m=19456 KiB, t=2, p=1 | m 1024 KiB to 1 GiB and at least 8·p, t 1 to 16, p 1 to 16 | OWASP Password Storage Cheat Sheet's first argon2id profile |
//! | `target` (bcrypt) | none | cost 10 to 16 | OWASP: work factor at least 10 |
//! | `max_password_bytes` | 1024 | 64 to 65,536 | bounds the CPU one request can spend (NIST SP 800-63B: allow at least 64 characters) |
//! | `normalize` | `true` (NFKC) | | NIST SP 800-63B 5.1.1.2: apply NFKC or NFKD before hashing, so one password typed on two keyboards hashes alike |
//! | `pepper` | none | key at least 16 bytes, key id 1 to 64 ASCII characters | NIST SP 800-63B: a keyed pepper of at least 112 bits kept apart from the database |
//! | `limits` | [`CostLimits::default`] | | refuses hostile imported work factors |
//!
//! **Normalisation and legacy hashes.** New hashes are computed over the NFKC form. A
//! legacy hash (any scheme portcullis does not write) is verified over the password
//! exactly as typed, as its system computed it; when it matches, the upgrade hash is
//! computed over the NFKC form. For argon2 and bcrypt hashes, which portcullis may have
//! written, the NFKC form is tried first and, only if the password changes under NFKC,
//! the form as typed second (a match there is upgraded too).
//!
//! **Peppers.** With a pepper, argon2id hashes are computed over HMAC-SHA256(pepper,
//! password) and record the pepper's key id (`keyid=` in the PHC string); bcrypt targets
//! use OWASP's base64(HMAC-SHA384(pepper, password)) pre-hash. Retired peppers stay
//! usable for verification, and a hash under a retired pepper reports that it needs an
//! upgrade, so peppers rotate as users sign in.
//!
//! **bcrypt's 72 bytes.** bcrypt reads at most 72 bytes of its input. As a target it
//! refuses longer passwords by default ([`LongPasswords::Refuse`]); the alternatives are
//! the keyed pre-hash, or truncation for compatibility with another system, which must
//! be chosen by name. Legacy bcrypt hashes are always verified as their system computed
//! them, which was truncation.

use portcullis_core::{CryptoRng, OsRng, SecretBytes, random};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::formats::{bcrypt, phc};
use crate::limits::CostLimits;
use crate::stored::{BcryptInput, Kind, PepperLookup, StoredHash, bcrypt_input, hmac_sha256};
use crate::{Error, Scheme};

/// Argon2id parameters of the target scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory in KiB.
    pub m_cost: u32,
    /// Passes over memory.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl Argon2Params {
    /// OWASP's first profile: 19 MiB, two passes, one lane.
    pub const OWASP: Self = Self {
        m_cost: 19_456,
        t_cost: 2,
        p_cost: 1,
    };

    /// A light profile for secrets that carry far more entropy than a password but less
    /// than the 112 bits NIST SP 800-63B asks of a fast keyed hash (recovery codes of 60
    /// bits): 8 MiB, two passes, one lane, about 40% of [`Argon2Params::OWASP`]'s work.
    pub const LIGHT: Self = Self {
        m_cost: 8 * 1024,
        t_cost: 2,
        p_cost: 1,
    };
}

/// The raw argon2id (version 19) of `input` under `salt`: 32 bytes, zeroized on drop.
/// This is the computation behind every argon2id hash the [`Hasher`] makes, exposed for
/// look-up secrets that keep their own salt and encoding (recovery codes).
///
/// # Errors
/// [`Error::InvalidConfig`] when the parameters or the salt (8 bytes at least) are out
/// of argon2's range.
pub fn argon2id_raw(
    input: &[u8],
    salt: &[u8],
    params: Argon2Params,
) -> Result<Zeroizing<[u8; 32]>, Error> {
    let invalid = |_| Error::InvalidConfig {
        reason: "argon2id parameters or salt out of range",
    };
    let params = argon2::Params::new(params.m_cost, params.t_cost, params.p_cost, Some(32))
        .map_err(invalid)?;
    let mut out = Zeroizing::new([0u8; 32]);
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(input, salt, &mut out[..])
        .map_err(invalid)?;
    Ok(out)
}

impl Default for Argon2Params {
    fn default() -> Self {
        Self::OWASP
    }
}

/// What a bcrypt target does with passwords longer than bcrypt's 72 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LongPasswords {
    /// Refuse them with [`Error::PasswordTooLong`] (the default: never truncate silently).
    #[default]
    Refuse,
    /// Hash every password as base64(HMAC-SHA384(pepper, password)); needs a pepper.
    PrehashHmacSha384,
    /// Use the first 72 bytes, as other bcrypt systems do. Only for compatibility with a
    /// system that must verify the hashes too.
    DangerTruncate,
}

/// The scheme new hashes are made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// argon2id (RFC 9106), version 19, 16-byte salt, 32-byte hash.
    Argon2id(Argon2Params),
    /// bcrypt `$2b$`.
    Bcrypt {
        /// Cost (log2 of the rounds).
        cost: u32,
        /// Passwords over 72 bytes.
        long_passwords: LongPasswords,
    },
}

impl Default for Target {
    fn default() -> Self {
        Self::Argon2id(Argon2Params::OWASP)
    }
}

/// A pepper: a secret key mixed into every new hash, named by a key id stored beside the
/// hash so that peppers can rotate.
#[derive(Debug, Clone)]
pub struct Pepper {
    key_id: String,
    key: SecretBytes,
}

impl Pepper {
    /// A pepper with this key id (1 to 64 printable ASCII characters other than `$`,
    /// `,` and `=`) and key (at least 16 bytes).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] outside those bounds.
    pub fn new(key_id: &str, key: SecretBytes) -> Result<Self, Error> {
        let id_ok = (1..=64).contains(&key_id.len())
            && key_id
                .bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'$' | b',' | b'='));
        if !id_ok {
            return Err(Error::InvalidConfig {
                reason: "pepper key id must be 1 to 64 printable ASCII characters",
            });
        }
        if key.len() < 16 {
            return Err(Error::InvalidConfig {
                reason: "pepper key must be at least 16 bytes",
            });
        }
        Ok(Self {
            key_id: key_id.to_owned(),
            key,
        })
    }

    /// The key id.
    #[must_use]
    pub fn key_id(&self) -> &str {
        &self.key_id
    }
}

/// Settings of a [`Hasher`]; see the module docs for defaults and bounds.
#[derive(Debug, Clone)]
pub struct HasherConfig {
    /// The scheme new hashes are made with.
    pub target: Target,
    /// Longest password accepted, in bytes of UTF-8.
    pub max_password_bytes: usize,
    /// Apply NFKC normalisation to new hashes.
    pub normalize: bool,
    /// Work-factor bounds for stored hashes.
    pub limits: CostLimits,
    /// The pepper for new hashes.
    pub pepper: Option<Pepper>,
    /// Peppers still accepted when verifying.
    pub retired_peppers: Vec<Pepper>,
}

impl Default for HasherConfig {
    fn default() -> Self {
        Self {
            target: Target::default(),
            max_password_bytes: 1024,
            normalize: true,
            limits: CostLimits::default(),
            pepper: None,
            retired_peppers: Vec::new(),
        }
    }
}

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Verified {
    /// The password is right. When `upgrade` holds a hash, the stored one is a legacy or
    /// outdated hash: persist the new one in its place.
    Valid {
        /// The target-scheme hash to store instead of the old one, if it is outdated.
        upgrade: Option<String>,
    },
    /// The password is wrong.
    Invalid,
}

/// The outcome of [`Hasher::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// The password matched.
    pub valid: bool,
    /// The password matched and the stored hash should be replaced by a target hash.
    pub needs_upgrade: bool,
}

impl Check {
    const INVALID: Self = Self {
        valid: false,
        needs_upgrade: false,
    };
}

impl Verified {
    /// Whether the password was right.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        matches!(self, Self::Valid { .. })
    }
}

/// Hashes new passwords with the target scheme and verifies any supported stored hash.
///
/// ```
/// use portcullis_password::{Hasher, HasherConfig, Verified};
///
/// let hasher = Hasher::new(HasherConfig::default()).unwrap();
/// let stored = hasher.hash("correct horse").unwrap();
/// assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
/// assert_eq!(hasher.verify("correct horse", &stored).unwrap(), Verified::Valid { upgrade: None });
/// assert_eq!(hasher.verify("wrong horse", &stored).unwrap(), Verified::Invalid);
///
/// // A legacy md5-crypt hash verifies and comes back with its argon2id replacement.
/// let legacy = "$1$saltstri$qQY4WxjABChYG1ccLpfkz/";
/// let Verified::Valid { upgrade: Some(new) } = hasher.verify("password", legacy).unwrap() else {
///     panic!("expected an upgrade");
/// };
/// assert!(new.starts_with("$argon2id$"));
/// ```
#[derive(Debug, Clone)]
pub struct Hasher {
    config: HasherConfig,
    /// A hash with the target's parameters that no password matches, for
    /// [`Hasher::verify_unknown_user`].
    dummy: StoredHash,
}

impl PepperLookup for HasherConfig {
    fn pepper(&self, key_id: &str) -> Option<&[u8]> {
        self.pepper
            .iter()
            .chain(&self.retired_peppers)
            .find(|p| p.key_id == key_id)
            .map(|p| p.key.expose_secret())
    }
}

impl Hasher {
    /// A hasher with `config`, checked against the bounds in the module docs.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the setting out of bounds.
    pub fn new(config: HasherConfig) -> Result<Self, Error> {
        let invalid = |reason| Err(Error::InvalidConfig { reason });
        if !(64..=65_536).contains(&config.max_password_bytes) {
            return invalid("max_password_bytes must be 64 to 65536");
        }
        match config.target {
            Target::Argon2id(p) => {
                if !(1..=16).contains(&p.p_cost) || !(1..=16).contains(&p.t_cost) {
                    return invalid("argon2id t and p must be 1 to 16");
                }
                if !(1024..=1024 * 1024).contains(&p.m_cost) || p.m_cost < 8 * p.p_cost {
                    return invalid("argon2id m must be 1024 KiB to 1 GiB and at least 8 * p");
                }
            }
            Target::Bcrypt {
                cost,
                long_passwords,
            } => {
                if !(10..=16).contains(&cost) {
                    return invalid("bcrypt cost must be 10 to 16");
                }
                match (long_passwords, config.pepper.is_some()) {
                    (LongPasswords::PrehashHmacSha384, false) => {
                        return invalid("the HMAC-SHA384 pre-hash needs a pepper");
                    }
                    (LongPasswords::Refuse | LongPasswords::DangerTruncate, true) => {
                        return invalid(
                            "a pepper with a bcrypt target needs the HMAC-SHA384 pre-hash",
                        );
                    }
                    _ => {}
                }
            }
        }
        let dummy = dummy_hash(&config)?;
        let hasher = Self { config, dummy };
        // The target must fit the limits, or a fresh hash could not be verified.
        hasher.dummy.check_limits(&hasher.config.limits)?;
        Ok(hasher)
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &HasherConfig {
        &self.config
    }

    /// Hashes `password` with the target scheme, a fresh salt from the OS CSPRNG.
    ///
    /// # Errors
    /// [`Error::PasswordTooLong`] over `max_password_bytes`, or over 72 bytes for a bcrypt
    /// target that refuses long passwords.
    pub fn hash(&self, password: &str) -> Result<String, Error> {
        self.hash_with(&mut OsRng, password)
    }

    /// [`Hasher::hash`] with a caller-supplied RNG for the salt.
    ///
    /// # Errors
    /// As [`Hasher::hash`].
    pub fn hash_with<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        password: &str,
    ) -> Result<String, Error> {
        self.check_length(password)?;
        let password = self.normalized(password);
        let salt = random::bytes_with(rng, 16);
        match self.config.target {
            Target::Argon2id(p) => {
                let pepper = self.config.pepper.as_ref();
                let peppered;
                let input: &[u8] = match pepper {
                    Some(pepper) => {
                        peppered = hmac_sha256(pepper.key.expose_secret(), password.as_bytes());
                        &peppered[..]
                    }
                    None => password.as_bytes(),
                };
                let out = argon2id_raw(input, salt.expose_secret(), p)?;
                Ok(phc::render_argon2(
                    argon2::Algorithm::Argon2id,
                    p.m_cost,
                    p.t_cost,
                    p.p_cost,
                    pepper.map(Pepper::key_id),
                    salt.expose_secret(),
                    &out[..],
                ))
            }
            Target::Bcrypt {
                cost,
                long_passwords,
            } => {
                let mut salt16 = [0u8; 16];
                salt16.copy_from_slice(salt.expose_secret());
                match (long_passwords, &self.config.pepper) {
                    (LongPasswords::PrehashHmacSha384, Some(pepper)) => {
                        let input = BcryptInput::HmacSha384 {
                            key_id: pepper.key_id().to_owned(),
                        };
                        let key = bcrypt_input(
                            Scheme::BcryptHmacSha384.name(),
                            password.as_bytes(),
                            &input,
                            &self.config,
                        )?;
                        let out = bcrypt::raw(cost, salt16, &key);
                        Ok(bcrypt::render_hmac_sha384(
                            pepper.key_id(),
                            &bcrypt::render(cost, &salt16, &out),
                        ))
                    }
                    (LongPasswords::Refuse, _) if password.len() > 72 => {
                        Err(Error::PasswordTooLong { max: 72 })
                    }
                    _ => {
                        let out = bcrypt::raw(cost, salt16, password.as_bytes());
                        Ok(bcrypt::render(cost, &salt16, &out))
                    }
                }
            }
        }
    }

    /// Verifies `password` against a stored hash in any supported format.
    ///
    /// # Errors
    /// [`Error::UnknownScheme`], [`Error::Malformed`], [`Error::CostTooHigh`] and friends
    /// for a stored hash that cannot be verified; [`Error::PasswordTooLong`]. A wrong
    /// password is `Ok(Verified::Invalid)`, not an error.
    pub fn verify(&self, password: &str, stored: &str) -> Result<Verified, Error> {
        self.verify_hash(password, &StoredHash::parse(stored)?)
    }

    /// [`Hasher::verify`] for an already parsed hash (imports build these).
    ///
    /// # Errors
    /// As [`Hasher::verify`].
    pub fn verify_hash(&self, password: &str, stored: &StoredHash) -> Result<Verified, Error> {
        self.verify_hash_with(&mut OsRng, password, stored)
    }

    /// [`Hasher::verify_hash`] with a caller-supplied RNG for the upgrade hash's salt.
    ///
    /// # Errors
    /// As [`Hasher::verify`].
    pub fn verify_hash_with<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        password: &str,
        stored: &StoredHash,
    ) -> Result<Verified, Error> {
        let check = self.check(password, stored)?;
        if !check.valid {
            return Ok(Verified::Invalid);
        }
        let upgrade = if check.needs_upgrade {
            match self.hash_with(rng, password) {
                Ok(hash) => Some(hash),
                // A legacy password too long for a bcrypt target still signs in; it keeps
                // its old hash until the user changes it.
                Err(Error::PasswordTooLong { .. }) => None,
                Err(other) => return Err(other),
            }
        } else {
            None
        };
        Ok(Verified::Valid { upgrade })
    }

    /// Verifies without computing the replacement hash: whether the password matches and
    /// whether the stored hash should be replaced. For audits and tooling; a login
    /// should use [`Hasher::verify`], which hands back the replacement.
    ///
    /// # Errors
    /// As [`Hasher::verify`].
    pub fn check(&self, password: &str, stored: &StoredHash) -> Result<Check, Error> {
        self.check_length(password)?;
        let normalized = self.normalized(password);
        let limits = &self.config.limits;
        let matched_as_typed = if writes_scheme(stored.scheme) {
            if stored.matches(&normalized, limits, &self.config)? {
                false
            } else if *normalized != password && stored.matches(password, limits, &self.config)? {
                true
            } else {
                return Ok(Check::INVALID);
            }
        } else if stored.matches(password, limits, &self.config)? {
            false
        } else {
            return Ok(Check::INVALID);
        };
        Ok(Check {
            valid: true,
            needs_upgrade: matched_as_typed || self.is_outdated(stored),
        })
    }

    /// Whether `stored` should be replaced by a fresh target hash at the next login: a
    /// different scheme, different parameters, or a pepper other than the current one.
    ///
    /// # Errors
    /// As [`crate::identify`].
    pub fn needs_rehash(&self, stored: &str) -> Result<bool, Error> {
        Ok(self.is_outdated(&StoredHash::parse(stored)?))
    }

    /// Spends the time of a real verification against a target-scheme hash and returns
    /// [`Verified::Invalid`], so that a login for an account that does not exist takes
    /// as long as one for an account that does.
    pub fn verify_unknown_user(&self, password: &str) -> Verified {
        // The dummy's hash bytes are zero; a match would need a preimage of zero.
        let _ = self.verify_hash(password, &self.dummy);
        Verified::Invalid
    }

    fn check_length(&self, password: &str) -> Result<(), Error> {
        if password.len() > self.config.max_password_bytes {
            Err(Error::PasswordTooLong {
                max: self.config.max_password_bytes,
            })
        } else {
            Ok(())
        }
    }

    fn normalized(&self, password: &str) -> Zeroizing<String> {
        if self.config.normalize {
            Zeroizing::new(password.nfkc().collect())
        } else {
            Zeroizing::new(password.to_owned())
        }
    }

    /// [`Hasher::needs_rehash`] for a parsed hash.
    #[must_use]
    pub fn is_outdated(&self, stored: &StoredHash) -> bool {
        let current_pepper = self.config.pepper.as_ref().map(Pepper::key_id);
        match (self.config.target, &stored.kind) {
            (
                Target::Argon2id(p),
                Kind::Argon2 {
                    algorithm: argon2::Algorithm::Argon2id,
                    version: argon2::Version::V0x13,
                    m_cost,
                    t_cost,
                    p_cost,
                    key_id,
                    salt,
                    hash,
                },
            ) if stored.scheme == Scheme::Argon2id => {
                (p.m_cost, p.t_cost, p.p_cost) != (*m_cost, *t_cost, *p_cost)
                    || key_id.as_deref() != current_pepper
                    || salt.len() < 16
                    || hash.len() != 32
            }
            (
                Target::Bcrypt {
                    cost: target_cost,
                    long_passwords,
                },
                Kind::Bcrypt { cost, input, .. },
            ) => {
                let same_input = match (long_passwords, input) {
                    (LongPasswords::PrehashHmacSha384, BcryptInput::HmacSha384 { key_id }) => {
                        Some(key_id.as_str()) == current_pepper
                    }
                    (LongPasswords::Refuse | LongPasswords::DangerTruncate, BcryptInput::Plain) => {
                        stored.scheme == Scheme::Bcrypt
                    }
                    _ => false,
                };
                *cost != target_cost || !same_input
            }
            _ => true,
        }
    }
}

/// Whether portcullis itself may have written hashes of this scheme (so they may have
/// been computed over the NFKC form).
fn writes_scheme(scheme: Scheme) -> bool {
    matches!(
        scheme,
        Scheme::Argon2id | Scheme::Bcrypt | Scheme::BcryptHmacSha384
    )
}

/// A stored hash with the target's parameters and an all-zero hash value.
fn dummy_hash(config: &HasherConfig) -> Result<StoredHash, Error> {
    let salt = [0x5au8; 16];
    let encoded = match config.target {
        Target::Argon2id(p) => phc::render_argon2(
            argon2::Algorithm::Argon2id,
            p.m_cost,
            p.t_cost,
            p.p_cost,
            config.pepper.as_ref().map(Pepper::key_id),
            &salt,
            &[0; 32],
        ),
        Target::Bcrypt {
            cost,
            long_passwords,
        } => {
            let plain = bcrypt::render(cost, &salt, &[0; 23]);
            match (long_passwords, &config.pepper) {
                (LongPasswords::PrehashHmacSha384, Some(p)) => {
                    bcrypt::render_hmac_sha384(p.key_id(), &plain)
                }
                _ => plain,
            }
        }
    };
    StoredHash::parse(&encoded)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The unknown-user dummy must take a target-scheme verification's work: same scheme,
    /// same parameters, same pepper, so that no login tells "unknown" from "wrong" by time.
    #[test]
    fn the_unknown_user_dummy_has_the_targets_scheme_and_parameters() {
        let pepper = || Pepper::new("p1", SecretBytes::new(vec![7; 32])).unwrap();
        let bcrypt = |long_passwords| Target::Bcrypt {
            cost: 10,
            long_passwords,
        };
        let configs = [
            HasherConfig::default(),
            HasherConfig {
                target: Target::Argon2id(Argon2Params::LIGHT),
                pepper: Some(pepper()),
                ..HasherConfig::default()
            },
            HasherConfig {
                target: bcrypt(LongPasswords::Refuse),
                ..HasherConfig::default()
            },
            HasherConfig {
                target: bcrypt(LongPasswords::PrehashHmacSha384),
                pepper: Some(pepper()),
                ..HasherConfig::default()
            },
        ];
        for config in configs {
            let hasher = Hasher::new(config).unwrap();
            let real = StoredHash::parse(&hasher.hash("pw").unwrap()).unwrap();
            assert_eq!(hasher.dummy.scheme(), real.scheme());
            assert!(
                !hasher.is_outdated(&hasher.dummy),
                "{:?}",
                hasher.dummy.scheme()
            );
            assert!(!hasher.is_outdated(&real));
            assert_eq!(hasher.verify_unknown_user("pw"), Verified::Invalid);
        }
        // The check above can fail: a hash with other parameters is outdated.
        let hasher = Hasher::new(HasherConfig::default()).unwrap();
        let light = Hasher::new(HasherConfig {
            target: Target::Argon2id(Argon2Params::LIGHT),
            ..HasherConfig::default()
        })
        .unwrap();
        assert!(hasher.is_outdated(&light.dummy));
    }
}
