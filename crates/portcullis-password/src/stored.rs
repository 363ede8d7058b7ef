//! A stored hash, parsed: its scheme, its typed parameters, and its canonical string.
//!
//! Every input shape (a self-describing string, a string with a scheme hint, a Stytch or
//! Auth0 import record, a Firebase export) becomes a [`StoredHash`]. Its
//! [`encoded`](StoredHash::encoded) form is a single self-describing string, so a service
//! can keep every user's hash, legacy or not, in one column; [`StoredHash::parse`] reads
//! it back. Formats that do not describe themselves are rendered in one of portcullis's
//! own dialects (see the crate documentation).

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use portcullis_core::ct_eq;
use sha1::Sha1;
use sha2::{Digest as _, Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use crate::limits::{CostLimits, check};
use crate::{Error, Scheme, formats};

/// A parsed stored hash. Cheap to parse (microseconds, no hashing), so it is also what
/// [`crate::identify`] and the migration scanner use.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredHash {
    pub(crate) encoded: String,
    pub(crate) scheme: Scheme,
    pub(crate) kind: Kind,
}

impl std::fmt::Debug for StoredHash {
    /// Only the scheme: the rest is a password hash, and imported records may carry
    /// secret keys (Auth0 HMAC keys, Firebase signer keys).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredHash")
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

/// The hash functions of the salted-digest and HMAC schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum DigestAlg {
    Md4,
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

impl DigestAlg {
    pub(crate) fn output_len(self) -> usize {
        match self {
            Self::Md4 | Self::Md5 => 16,
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha512 => 64,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Md4 => "md4",
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "md4" => Some(Self::Md4),
            "md5" => Some(Self::Md5),
            "sha1" => Some(Self::Sha1),
            "sha256" => Some(Self::Sha256),
            "sha512" => Some(Self::Sha512),
            _ => None,
        }
    }

    fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: sha2::Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut d = D::new();
            for p in parts {
                d.update(p);
            }
            d.finalize().to_vec()
        }
        match self {
            Self::Md4 => run::<md4::Md4>(parts),
            Self::Md5 => run::<Md5>(parts),
            Self::Sha1 => run::<Sha1>(parts),
            Self::Sha256 => run::<Sha256>(parts),
            Self::Sha512 => run::<Sha512>(parts),
        }
    }

    fn hmac(self, key: &[u8], parts: &[&[u8]]) -> Option<Vec<u8>> {
        fn run<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Option<Vec<u8>> {
            let mut m = <M as KeyInit>::new_from_slice(key).ok()?;
            for p in parts {
                m.update(p);
            }
            Some(m.finalize().into_bytes().to_vec())
        }
        match self {
            Self::Md4 => run::<Hmac<md4::Md4>>(key, parts),
            Self::Md5 => run::<Hmac<Md5>>(key, parts),
            Self::Sha1 => run::<Hmac<Sha1>>(key, parts),
            Self::Sha256 => run::<Hmac<Sha256>>(key, parts),
            Self::Sha512 => run::<Hmac<Sha512>>(key, parts),
        }
    }
}

/// The PRF of a PBKDF2 hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Prf {
    Sha1,
    Sha256,
    Sha512,
}

impl Prf {
    /// Bytes of one HMAC output: one PBKDF2 block.
    pub(crate) const fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha512 => 64,
        }
    }
}

/// How the password's characters become bytes before hashing (Auth0 lets an export say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) enum PasswordEncoding {
    /// UTF-8, what every self-describing format uses.
    #[default]
    Utf8,
    /// UTF-16 little-endian (Auth0 `utf16le` / `ucs2`).
    Utf16Le,
    /// ISO-8859-1: passwords with a character above U+00FF cannot match.
    Latin1,
}

impl PasswordEncoding {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "utf8",
            Self::Utf16Le => "utf16le",
            Self::Latin1 => "latin1",
        }
    }

    /// The password's bytes in this encoding, or `None` when it cannot be represented.
    fn encode(self, password: &str) -> Option<Zeroizing<Vec<u8>>> {
        match self {
            Self::Utf8 => Some(Zeroizing::new(password.as_bytes().to_vec())),
            Self::Utf16Le => Some(Zeroizing::new(
                password.encode_utf16().flat_map(u16::to_le_bytes).collect(),
            )),
            Self::Latin1 => password
                .chars()
                .map(|c| u8::try_from(u32::from(c)).ok())
                .collect::<Option<Vec<u8>>>()
                .map(Zeroizing::new),
        }
    }
}

/// What a bcrypt hash was computed over, when it was not the password itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BcryptInput {
    /// The password, truncated at 72 bytes as every bcrypt implementation did.
    Plain,
    /// passlib bcrypt_sha256 v1: base64(SHA-256(password)).
    PasslibSha256,
    /// passlib bcrypt_sha256 v2: base64(HMAC-SHA256(key = the salt string, password)).
    PasslibHmacSha256 { salt: String },
    /// Django bcrypt_sha256: hex(SHA-256(password)).
    DjangoSha256Hex,
    /// portcullis: base64(HMAC-SHA384(pepper, password)), the pepper named by key id.
    HmacSha384 { key_id: String },
    /// Auth0 imports with a separate salt: bcrypt over prefix ‖ password ‖ suffix.
    Salted { prefix: Vec<u8>, suffix: Vec<u8> },
}

/// Parsed parameters, one variant per computation (several schemes share one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Argon2 {
        algorithm: argon2::Algorithm,
        version: argon2::Version,
        m_cost: u32,
        t_cost: u32,
        p_cost: u32,
        key_id: Option<String>,
        salt: Vec<u8>,
        hash: Vec<u8>,
    },
    Scrypt {
        log_n: u8,
        r: u32,
        p: u32,
        salt: Vec<u8>,
        hash: Vec<u8>,
    },
    Pbkdf2 {
        prf: Prf,
        iterations: u32,
        salt: Vec<u8>,
        hash: Vec<u8>,
    },
    Bcrypt {
        /// `2a`, `2b`, `2x` or `2y`.
        minor: u8,
        cost: u32,
        salt: [u8; 16],
        hash: [u8; 23],
        input: BcryptInput,
    },
    Md5Crypt {
        magic: &'static str,
        salt: String,
        checksum: String,
    },
    ShaCrypt {
        sha512: bool,
        rounds: u32,
        /// The `$5$...` / `$6$...` string handed to the `sha-crypt` crate.
        mcf: String,
    },
    Phpass {
        sha512: bool,
        log2_rounds: u32,
        salt: String,
        checksum: String,
        /// Drupal 7 `U$`: the password is first replaced by hex(MD5(password)).
        md5_first: bool,
    },
    Digest {
        alg: DigestAlg,
        prefix: Vec<u8>,
        suffix: Vec<u8>,
        digest: Vec<u8>,
        encoding: PasswordEncoding,
    },
    Hmac {
        alg: DigestAlg,
        key: Vec<u8>,
        prefix: Vec<u8>,
        suffix: Vec<u8>,
        mac: Vec<u8>,
        encoding: PasswordEncoding,
    },
    FirebaseScrypt {
        mem_cost: u8,
        rounds: u32,
        salt: Vec<u8>,
        salt_separator: Vec<u8>,
        signer_key: Vec<u8>,
        hash: Vec<u8>,
    },
}

/// The peppers a verification may need, looked up by key id.
pub(crate) trait PepperLookup {
    fn pepper(&self, key_id: &str) -> Option<&[u8]>;
}

impl StoredHash {
    /// Parses a self-describing stored hash (any format in the crate's table, including
    /// portcullis's own dialects for imported hashes).
    ///
    /// # Errors
    /// [`Error::UnknownScheme`] or [`Error::Malformed`]; never panics.
    pub fn parse(stored: &str) -> Result<Self, Error> {
        formats::parse(stored)
    }

    /// The scheme.
    #[must_use]
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The canonical self-describing string: store this, parse it back with
    /// [`StoredHash::parse`].
    #[must_use]
    pub fn encoded(&self) -> &str {
        &self.encoded
    }

    /// Checks the work factors against `limits` without computing anything.
    ///
    /// # Errors
    /// [`Error::CostTooHigh`] naming the first parameter over its limit.
    pub fn check_limits(&self, limits: &CostLimits) -> Result<(), Error> {
        let s = self.scheme.name();
        match &self.kind {
            Kind::Argon2 {
                m_cost,
                t_cost,
                p_cost,
                salt,
                hash,
                ..
            } => {
                check(
                    s,
                    "memory_kib",
                    (*m_cost).into(),
                    limits.argon2_memory_kib.into(),
                )?;
                check(
                    s,
                    "iterations",
                    (*t_cost).into(),
                    limits.argon2_iterations.into(),
                )?;
                check(
                    s,
                    "parallelism",
                    (*p_cost).into(),
                    limits.argon2_parallelism.into(),
                )?;
                check_lengths(s, limits, salt, hash)
            }
            Kind::Scrypt {
                log_n,
                r,
                p,
                salt,
                hash,
            } => {
                check_scrypt(s, limits, *log_n, *r, *p)?;
                check_lengths(s, limits, salt, hash)
            }
            Kind::FirebaseScrypt {
                mem_cost,
                rounds,
                salt,
                ..
            } => {
                check_scrypt(s, limits, *mem_cost, *rounds, 1)?;
                check_lengths(s, limits, salt, &[])
            }
            Kind::Pbkdf2 {
                prf,
                iterations,
                salt,
                hash,
            } => {
                check_lengths(s, limits, salt, hash)?;
                // Each output block of the PRF's width repeats the whole iteration
                // count (RFC 8018 section 5.2), so the work is iterations x blocks.
                let blocks = hash.len().div_ceil(prf.output_len()).max(1) as u64;
                check(
                    s,
                    "iterations",
                    u64::from(*iterations).saturating_mul(blocks),
                    limits.pbkdf2_iterations.into(),
                )
            }
            Kind::Bcrypt { cost, .. } => {
                check(s, "cost", (*cost).into(), limits.bcrypt_cost.into())
            }
            Kind::ShaCrypt { rounds, .. } => check(
                s,
                "rounds",
                (*rounds).into(),
                limits.sha_crypt_rounds.into(),
            ),
            Kind::Phpass { log2_rounds, .. } => check(
                s,
                "log2_rounds",
                (*log2_rounds).into(),
                limits.phpass_log2_rounds.into(),
            ),
            Kind::Digest { prefix, suffix, .. } | Kind::Hmac { prefix, suffix, .. } => {
                check_lengths(s, limits, prefix, &[])?;
                check_lengths(s, limits, suffix, &[])
            }
            Kind::Md5Crypt { .. } => Ok(()),
        }
    }

    /// Computes the scheme over `password` and compares the result in constant time.
    /// `password` is used exactly as given (the caller applies any normalisation).
    pub(crate) fn matches(
        &self,
        password: &str,
        limits: &CostLimits,
        peppers: &dyn PepperLookup,
    ) -> Result<bool, Error> {
        self.check_limits(limits)?;
        let s = self.scheme.name();
        let pw = password.as_bytes();
        match &self.kind {
            Kind::Argon2 {
                algorithm,
                version,
                m_cost,
                t_cost,
                p_cost,
                key_id,
                salt,
                hash,
            } => {
                let peppered;
                let input: &[u8] = match key_id {
                    Some(id) => {
                        let pepper = peppers.pepper(id).ok_or(Error::UnknownPepper)?;
                        peppered = hmac_sha256(pepper, pw);
                        &peppered[..]
                    }
                    None => pw,
                };
                let params = argon2::Params::new(*m_cost, *t_cost, *p_cost, Some(hash.len()))
                    .map_err(|_| malformed(s, "argon2 parameters out of range"))?;
                let mut out = Zeroizing::new(vec![0u8; hash.len()]);
                argon2::Argon2::new(*algorithm, *version, params)
                    .hash_password_into(input, salt, &mut out)
                    .map_err(|_| malformed(s, "argon2 salt or output length out of range"))?;
                Ok(ct_eq(&out, hash))
            }
            Kind::Scrypt {
                log_n,
                r,
                p,
                salt,
                hash,
            } => {
                let out = scrypt_raw(s, pw, salt, *log_n, *r, *p, hash.len())?;
                Ok(ct_eq(&out, hash))
            }
            Kind::FirebaseScrypt {
                mem_cost,
                rounds,
                salt,
                salt_separator,
                signer_key,
                hash,
            } => {
                let salted = [salt.as_slice(), salt_separator.as_slice()].concat();
                let key = scrypt_raw(s, pw, &salted, *mem_cost, *rounds, 1, 64)?;
                let out = formats::firebase::encrypt_signer_key(&key[..32], signer_key);
                Ok(ct_eq(&out, hash))
            }
            Kind::Pbkdf2 {
                prf,
                iterations,
                salt,
                hash,
            } => {
                let mut out = Zeroizing::new(vec![0u8; hash.len()]);
                match prf {
                    Prf::Sha1 => pbkdf2::pbkdf2_hmac::<Sha1>(pw, salt, *iterations, &mut out),
                    Prf::Sha256 => pbkdf2::pbkdf2_hmac::<Sha256>(pw, salt, *iterations, &mut out),
                    Prf::Sha512 => pbkdf2::pbkdf2_hmac::<Sha512>(pw, salt, *iterations, &mut out),
                }
                Ok(ct_eq(&out, hash))
            }
            Kind::Bcrypt {
                minor,
                cost,
                salt,
                hash,
                input,
            } => {
                let key = bcrypt_input(s, pw, input, peppers)?;
                let out = if *minor == b'x' {
                    formats::bcrypt::raw_2x(*cost, *salt, &key)
                } else {
                    formats::bcrypt::raw(*cost, *salt, &key)
                };
                Ok(ct_eq(&out[..23], hash))
            }
            Kind::Md5Crypt {
                magic,
                salt,
                checksum,
            } => {
                let out = formats::crypt::md5_crypt_checksum(pw, magic, salt.as_bytes());
                Ok(ct_eq(out.as_bytes(), checksum.as_bytes()))
            }
            Kind::ShaCrypt { mcf, .. } => formats::crypt::sha_crypt_matches(s, pw, mcf),
            Kind::Phpass {
                sha512,
                log2_rounds,
                salt,
                checksum,
                md5_first,
            } => {
                let first;
                let input = if *md5_first {
                    first = Zeroizing::new(portcullis_core::Hex::Lower.encode(&Md5::digest(pw)));
                    first.as_bytes()
                } else {
                    pw
                };
                let out = formats::crypt::phpass_checksum(*sha512, *log2_rounds, salt, input);
                // Drupal stores the first 43 characters of the 86-character SHA-512 form.
                let out = &out.as_bytes()[..checksum.len().min(out.len())];
                Ok(ct_eq(out, checksum.as_bytes()))
            }
            Kind::Digest {
                alg,
                prefix,
                suffix,
                digest,
                encoding,
            } => {
                let Some(pw) = encoding.encode(password) else {
                    return Ok(false);
                };
                let out = alg.digest(&[prefix, &pw, suffix]);
                Ok(ct_eq(&out, digest))
            }
            Kind::Hmac {
                alg,
                key,
                prefix,
                suffix,
                mac,
                encoding,
            } => {
                let Some(pw) = encoding.encode(password) else {
                    return Ok(false);
                };
                let out = alg
                    .hmac(key, &[prefix, &pw, suffix])
                    .ok_or_else(|| malformed(s, "HMAC key rejected"))?;
                Ok(ct_eq(&out, mac))
            }
        }
    }
}

fn check_lengths(
    scheme: &'static str,
    limits: &CostLimits,
    salt: &[u8],
    key: &[u8],
) -> Result<(), Error> {
    check(
        scheme,
        "salt_length",
        salt.len() as u64,
        limits.salt_length_bytes as u64,
    )?;
    check(
        scheme,
        "key_length",
        key.len() as u64,
        limits.key_length_bytes as u64,
    )
}

fn check_scrypt(
    scheme: &'static str,
    limits: &CostLimits,
    log_n: u8,
    r: u32,
    p: u32,
) -> Result<(), Error> {
    // 128·N·r, computed without overflow for any log_n < 64.
    let memory = 128u128 * (1u128 << log_n.min(63)) * u128::from(r);
    let memory = u64::try_from(memory).unwrap_or(u64::MAX);
    check(scheme, "memory_bytes", memory, limits.scrypt_memory_bytes)?;
    check(
        scheme,
        "parallelism",
        p.into(),
        limits.scrypt_parallelism.into(),
    )
}

fn scrypt_raw(
    scheme: &'static str,
    pw: &[u8],
    salt: &[u8],
    log_n: u8,
    r: u32,
    p: u32,
    len: usize,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let params =
        scrypt::Params::new(log_n, r, p).map_err(|_| malformed(scheme, "scrypt parameters"))?;
    let mut out = Zeroizing::new(vec![0u8; len]);
    scrypt::scrypt(pw, salt, &params, &mut out)
        .map_err(|_| malformed(scheme, "scrypt output length"))?;
    Ok(out)
}

pub(crate) fn bcrypt_input(
    scheme: &'static str,
    pw: &[u8],
    input: &BcryptInput,
    peppers: &dyn PepperLookup,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    use portcullis_core::{Base64, Hex};
    let key = match input {
        BcryptInput::Plain => pw.to_vec(),
        BcryptInput::Salted { prefix, suffix } => [prefix.as_slice(), pw, suffix].concat(),
        BcryptInput::PasslibSha256 => Base64::Standard.encode(&Sha256::digest(pw)).into_bytes(),
        BcryptInput::PasslibHmacSha256 { salt } => Base64::Standard
            .encode(&hmac_sha256(salt.as_bytes(), pw)[..])
            .into_bytes(),
        BcryptInput::DjangoSha256Hex => Hex::Lower.encode(&Sha256::digest(pw)).into_bytes(),
        BcryptInput::HmacSha384 { key_id } => {
            let pepper = peppers.pepper(key_id).ok_or(Error::UnknownPepper)?;
            let mut mac = <Hmac<Sha384> as KeyInit>::new_from_slice(pepper)
                .map_err(|_| malformed(scheme, "pepper rejected"))?;
            mac.update(pw);
            Base64::Standard
                .encode(&mac.finalize().into_bytes())
                .into_bytes()
        }
    };
    Ok(Zeroizing::new(key))
}

pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    // HMAC accepts keys of any length, so construction cannot fail.
    if let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        mac.update(message);
        out.copy_from_slice(&mac.finalize().into_bytes());
    }
    out
}

pub(crate) fn malformed(scheme: &'static str, reason: &'static str) -> Error {
    Error::Malformed { scheme, reason }
}
