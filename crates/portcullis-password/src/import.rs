//! Import records: the shapes other systems export password hashes in.
//!
//! [`ImportRecord::from_json`] reads one JSON object in any of these shapes and
//! [`ImportRecord::to_stored`] turns it into a [`StoredHash`] whose
//! [`encoded`](StoredHash::encoded) string is what to keep:
//!
//! | shape | example |
//! |---|---|
//! | a self-describing string | `{"hash": "$2b$12$..."}` |
//! | a string with a scheme hint | `{"hash": "...", "scheme": "aspnet_identity_v3"}`, `{"hash": "<hex>", "scheme": "sha256", "prepend_salt": "s"}` |
//! | Stytch `passwords/migrate` | `{"hash": "...", "hash_type": "md_5", "md_5_config": {"prepend_salt": "", "append_salt": "x"}}` |
//! | Auth0 bulk import | `{"custom_password_hash": {"algorithm": "sha256", "hash": {...}, "salt": {...}}}` |
//! | Firebase `auth:export` | `{"firebase_scrypt": {"hash", "salt", "signer_key", "salt_separator", "rounds", "mem_cost"}}` |
//!
//! Stytch's records carry digests and keys in hex or base64 without saying which; the
//! length the algorithm produces decides, and a value that decodes to that length both
//! ways is refused as [`Error::AmbiguousEncoding`]. Salts are used as follows: Stytch's
//! `prepend_salt` / `append_salt` and `argon_2_config.salt` as their UTF-8 text,
//! `scrypt_config.salt` and `pbkdf_2_config.salt` as base64 (Stytch's documentation).
//! A record lacking the config its `hash_type` needs is refused with
//! [`Error::MissingConfig`] naming the field.

use portcullis_core::{Base64, Hex};
use serde::Deserialize;
use serde_json::Value;

use crate::formats::{aspnet, bcrypt, digest, firebase, ldap, phc};
use crate::stored::{DigestAlg, PasswordEncoding, Prf, StoredHash};
use crate::{Error, Scheme};

/// One import record, in any supported shape.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ImportRecord {
    /// A hash string, self-describing or with a scheme hint.
    Hash(HashWithHint),
    /// A Stytch `passwords/migrate` record.
    Stytch(StytchRecord),
    /// An Auth0 `custom_password_hash` object.
    Auth0(Auth0CustomHash),
    /// Firebase's scrypt parameters with one user's hash and salt.
    Firebase(FirebaseScrypt),
}

/// A hash string and, for strings that do not describe themselves, what they are.
#[derive(Debug, Clone, Deserialize)]
pub struct HashWithHint {
    /// The stored hash.
    pub hash: String,
    /// `aspnet_identity_v2`, `aspnet_identity_v3`, or `md4`/`md5`/`sha1`/`sha256`/`sha512`
    /// for a bare digest.
    #[serde(default)]
    pub scheme: Option<String>,
    /// Text hashed before the password (bare digests only).
    #[serde(default)]
    pub prepend_salt: Option<String>,
    /// Text hashed after the password (bare digests only).
    #[serde(default)]
    pub append_salt: Option<String>,
}

/// Stytch's `passwords/migrate` body (the fields about the hash).
#[derive(Debug, Clone, Deserialize)]
pub struct StytchRecord {
    /// The hash.
    pub hash: String,
    /// `bcrypt`, `md_5`, `argon_2i`, `argon_2id`, `sha_1`, `sha_512`, `scrypt`, `phpass` or `pbkdf_2`.
    pub hash_type: String,
    /// Salts for `md_5`.
    #[serde(default)]
    pub md_5_config: Option<StytchSaltConfig>,
    /// Salts for `sha_1`.
    #[serde(default)]
    pub sha_1_config: Option<StytchSaltConfig>,
    /// Salts for `sha_512`.
    #[serde(default)]
    pub sha_512_config: Option<StytchSaltConfig>,
    /// Parameters for `argon_2i` / `argon_2id` when `hash` is a raw digest.
    #[serde(default)]
    pub argon_2_config: Option<StytchArgon2Config>,
    /// Parameters for `scrypt`.
    #[serde(default)]
    pub scrypt_config: Option<StytchScryptConfig>,
    /// Parameters for `pbkdf_2`.
    #[serde(default)]
    pub pbkdf_2_config: Option<StytchPbkdf2Config>,
}

/// Stytch's `md_5_config` / `sha_1_config` / `sha_512_config`.
#[derive(Debug, Clone, Deserialize)]
pub struct StytchSaltConfig {
    /// Text before the password (may be empty).
    pub prepend_salt: Option<String>,
    /// Text after the password (may be empty).
    pub append_salt: Option<String>,
}

/// Stytch's `argon_2_config`.
#[derive(Debug, Clone, Deserialize)]
pub struct StytchArgon2Config {
    /// The salt, as text.
    pub salt: Option<String>,
    /// Time cost.
    pub iteration_amount: Option<u32>,
    /// Memory in KiB.
    pub memory: Option<u32>,
    /// Parallelism.
    pub threads: Option<u32>,
    /// Hash length in bytes.
    pub key_length: Option<u32>,
}

/// Stytch's `scrypt_config`.
#[derive(Debug, Clone, Deserialize)]
pub struct StytchScryptConfig {
    /// The salt, base64.
    pub salt: Option<String>,
    /// N (a power of two).
    pub n_parameter: Option<u32>,
    /// r.
    pub r_parameter: Option<u32>,
    /// p.
    pub p_parameter: Option<u32>,
    /// Hash length in bytes.
    pub key_length: Option<u32>,
}

/// Stytch's `pbkdf_2_config`.
#[derive(Debug, Clone, Deserialize)]
pub struct StytchPbkdf2Config {
    /// The salt, base64.
    pub salt: Option<String>,
    /// Iterations.
    pub iteration_amount: Option<u32>,
    /// Hash length in bytes.
    pub key_length: Option<u32>,
    /// `sha256` or `sha512`.
    pub algorithm: Option<String>,
}

/// Auth0's `custom_password_hash` object.
#[derive(Debug, Clone, Deserialize)]
pub struct Auth0CustomHash {
    /// `argon2`, `bcrypt`, `hmac`, `ldap`, `md4`, `md5`, `sha1`, `sha256`, `sha512`, `pbkdf2`, `scrypt`.
    pub algorithm: String,
    /// The hash and how it is encoded.
    pub hash: Auth0Hash,
    /// The salt and where it went.
    #[serde(default)]
    pub salt: Option<Auth0Salt>,
    /// How the password was encoded.
    #[serde(default)]
    pub password: Option<Auth0Password>,
    /// scrypt key length.
    #[serde(default)]
    pub keylen: Option<u32>,
    /// scrypt N (default 16384).
    #[serde(default)]
    pub cost: Option<u32>,
    /// scrypt r (default 8).
    #[serde(default, rename = "blockSize")]
    pub block_size: Option<u32>,
    /// scrypt p (default 1).
    #[serde(default)]
    pub parallelization: Option<u32>,
}

/// Auth0's `hash` member.
#[derive(Debug, Clone, Deserialize)]
pub struct Auth0Hash {
    /// The value.
    pub value: String,
    /// `base64`, `hex` or `utf8`.
    #[serde(default)]
    pub encoding: Option<String>,
    /// The HMAC digest.
    #[serde(default)]
    pub digest: Option<String>,
    /// The HMAC key.
    #[serde(default)]
    pub key: Option<Auth0Value>,
}

/// An Auth0 value with its encoding (`base64`, `hex`, `utf8`; default `utf8`).
#[derive(Clone, Deserialize)]
pub struct Auth0Value {
    /// The value.
    pub value: String,
    /// Its encoding.
    #[serde(default)]
    pub encoding: Option<String>,
}

impl std::fmt::Debug for Auth0Value {
    /// The value is a hash or an HMAC key, and prints as `[redacted]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth0Value")
            .field("value", &"[redacted]")
            .field("encoding", &self.encoding)
            .finish()
    }
}

/// Auth0's `salt` member.
#[derive(Debug, Clone, Deserialize)]
pub struct Auth0Salt {
    /// The salt.
    pub value: String,
    /// `base64`, `hex` or `utf8` (default).
    #[serde(default)]
    pub encoding: Option<String>,
    /// `prefix` (default) or `suffix`.
    #[serde(default)]
    pub position: Option<String>,
}

/// Auth0's `password` member.
#[derive(Debug, Clone, Deserialize)]
pub struct Auth0Password {
    /// `ascii`, `utf8`, `utf16le`, `ucs2`, `latin1` or `binary`.
    pub encoding: String,
}

/// Firebase's scrypt export: the project's parameters and one user's values, all base64
/// as `firebase auth:export` writes them.
#[derive(Clone, Deserialize)]
pub struct FirebaseScrypt {
    /// The user's `passwordHash`.
    pub hash: Option<String>,
    /// The user's `salt`.
    pub salt: Option<String>,
    /// The project's `base64_signer_key`.
    pub signer_key: Option<String>,
    /// The project's `base64_salt_separator`.
    pub salt_separator: Option<String>,
    /// The project's `rounds`.
    pub rounds: Option<u32>,
    /// The project's `mem_cost`.
    pub mem_cost: Option<u32>,
}

impl std::fmt::Debug for FirebaseScrypt {
    /// The signer key is the project's secret and the hash is a credential hash; both
    /// print as `[redacted]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |v: &Option<String>| v.as_ref().map(|_| "[redacted]");
        f.debug_struct("FirebaseScrypt")
            .field("hash", &redacted(&self.hash))
            .field("salt", &self.salt)
            .field("signer_key", &redacted(&self.signer_key))
            .field("salt_separator", &self.salt_separator)
            .field("rounds", &self.rounds)
            .field("mem_cost", &self.mem_cost)
            .finish()
    }
}

fn schema(shape: &'static str) -> Error {
    Error::Malformed {
        scheme: shape,
        reason: "record does not match the expected JSON shape",
    }
}

fn parse<T: serde::de::DeserializeOwned>(shape: &'static str, v: &Value) -> Result<T, Error> {
    T::deserialize(v).map_err(|_| schema(shape))
}

fn missing(field: &'static str) -> Error {
    Error::MissingConfig { field }
}

impl ImportRecord {
    /// Reads a record from one line of JSON, picking the shape by its keys; the same as
    /// [`ImportRecord::from_json`] without building a JSON tree.
    ///
    /// # Errors
    /// As [`ImportRecord::from_json`].
    pub fn from_json_str(json: &str) -> Result<Self, Error> {
        #[derive(Deserialize)]
        struct Keys {
            #[serde(default)]
            hash: Option<serde::de::IgnoredAny>,
            #[serde(default)]
            hash_type: Option<serde::de::IgnoredAny>,
            #[serde(default)]
            custom_password_hash: Option<serde::de::IgnoredAny>,
            #[serde(default)]
            firebase_scrypt: Option<serde::de::IgnoredAny>,
        }
        #[derive(Deserialize)]
        struct Auth0Line {
            custom_password_hash: Auth0CustomHash,
        }
        #[derive(Deserialize)]
        struct FirebaseLine {
            firebase_scrypt: FirebaseScrypt,
        }
        let keys: Keys = serde_json::from_str(json).map_err(|_| schema("record"))?;
        if keys.custom_password_hash.is_some() {
            return serde_json::from_str::<Auth0Line>(json)
                .map(|l| Self::Auth0(l.custom_password_hash))
                .map_err(|_| schema("auth0"));
        }
        if keys.firebase_scrypt.is_some() {
            return serde_json::from_str::<FirebaseLine>(json)
                .map(|l| Self::Firebase(l.firebase_scrypt))
                .map_err(|_| schema("firebase_scrypt"));
        }
        if keys.hash.is_none() {
            return Err(missing("hash"));
        }
        if keys.hash_type.is_some() {
            return serde_json::from_str(json)
                .map(Self::Stytch)
                .map_err(|_| schema("stytch"));
        }
        serde_json::from_str(json)
            .map(Self::Hash)
            .map_err(|_| schema("hash"))
    }

    /// Reads a record from a JSON object, picking the shape by its keys.
    ///
    /// # Errors
    /// [`Error::MissingConfig`] when no `hash` is present, [`Error::Malformed`] when a
    /// field has the wrong type.
    pub fn from_json(value: &Value) -> Result<Self, Error> {
        let object = value.as_object().ok_or_else(|| schema("record"))?;
        if let Some(v) = object.get("custom_password_hash") {
            return parse("auth0", v).map(Self::Auth0);
        }
        if let Some(v) = object.get("firebase_scrypt") {
            return parse("firebase_scrypt", v).map(Self::Firebase);
        }
        if !object.contains_key("hash") {
            return Err(missing("hash"));
        }
        if object.contains_key("hash_type") {
            return parse("stytch", value).map(Self::Stytch);
        }
        parse("hash", value).map(Self::Hash)
    }

    /// The stored hash this record describes.
    ///
    /// # Errors
    /// As [`StoredHash::parse`], plus [`Error::MissingConfig`],
    /// [`Error::AmbiguousEncoding`] and [`Error::Unsupported`] for records.
    pub fn to_stored(&self) -> Result<StoredHash, Error> {
        match self {
            Self::Hash(h) => h.to_stored(),
            Self::Stytch(r) => r.to_stored(),
            Self::Auth0(a) => a.to_stored(),
            Self::Firebase(f) => f.to_stored(),
        }
    }
}

impl HashWithHint {
    fn to_stored(&self) -> Result<StoredHash, Error> {
        let Some(scheme) = self.scheme.as_deref() else {
            if self.prepend_salt.is_some() || self.append_salt.is_some() {
                return Err(missing("scheme"));
            }
            return StoredHash::parse(&self.hash);
        };
        match scheme {
            "aspnet_identity_v2" => aspnet::from_base64(&self.hash, Some(Scheme::AspnetIdentityV2)),
            "aspnet_identity_v3" => aspnet::from_base64(&self.hash, Some(Scheme::AspnetIdentityV3)),
            name => {
                let alg = DigestAlg::from_name(name).ok_or(Error::UnknownScheme)?;
                let salt = |s: &Option<String>| s.clone().unwrap_or_default().into_bytes();
                digest::build_digest(
                    alg,
                    salt(&self.prepend_salt),
                    salt(&self.append_salt),
                    hex_or_base64(&self.hash, alg.output_len(), "hash")?,
                    PasswordEncoding::Utf8,
                )
            }
        }
    }
}

/// Decodes a value that may be hex or base64, knowing how many bytes it must hold.
fn hex_or_base64(value: &str, len: usize, field: &'static str) -> Result<Vec<u8>, Error> {
    // Only decode in an encoding whose length fits: cheap, and exports are one or the other.
    let b64_fits = [len.div_ceil(3) * 4, (len * 4).div_ceil(3)].contains(&value.len())
        || value.contains(char::is_whitespace);
    let hex = (value.len() == 2 * len)
        .then(|| Hex::decode(value).ok())
        .flatten();
    let b64 = b64_fits
        .then(|| {
            Base64::decode_tolerant(value)
                .ok()
                .filter(|b| b.len() == len)
        })
        .flatten();
    match (hex, b64) {
        (Some(h), Some(b)) if h != b => Err(Error::AmbiguousEncoding { field }),
        (Some(v), _) | (None, Some(v)) => Ok(v),
        (None, None) => Err(Error::Malformed {
            scheme: "import",
            reason: "value is neither hex nor base64 of the expected length",
        }),
    }
}

impl StytchRecord {
    fn to_stored(&self) -> Result<StoredHash, Error> {
        let salted = |config: &Option<StytchSaltConfig>,
                      name: &'static str,
                      pre: &'static str,
                      post: &'static str,
                      alg: DigestAlg| {
            let c = config.as_ref().ok_or(missing(name))?;
            let prepend = c.prepend_salt.as_ref().ok_or(missing(pre))?;
            let append = c.append_salt.as_ref().ok_or(missing(post))?;
            digest::build_digest(
                alg,
                prepend.as_bytes().to_vec(),
                append.as_bytes().to_vec(),
                hex_or_base64(&self.hash, alg.output_len(), "hash")?,
                PasswordEncoding::Utf8,
            )
        };
        match self.hash_type.as_str() {
            "bcrypt" => bcrypt::parse(&self.hash, &self.hash, Scheme::Bcrypt),
            "phpass" => match StoredHash::parse(&self.hash) {
                Ok(h) if h.scheme == Scheme::Phpass => Ok(h),
                _ => Err(Error::Malformed {
                    scheme: "phpass",
                    reason: "not a valid $P$ or $H$ hash",
                }),
            },
            "md_5" => salted(
                &self.md_5_config,
                "md_5_config",
                "md_5_config.prepend_salt",
                "md_5_config.append_salt",
                DigestAlg::Md5,
            ),
            "sha_1" => salted(
                &self.sha_1_config,
                "sha_1_config",
                "sha_1_config.prepend_salt",
                "sha_1_config.append_salt",
                DigestAlg::Sha1,
            ),
            "sha_512" => salted(
                &self.sha_512_config,
                "sha_512_config",
                "sha_512_config.prepend_salt",
                "sha_512_config.append_salt",
                DigestAlg::Sha512,
            ),
            "argon_2i" | "argon_2id" => self.argon2(),
            "scrypt" => {
                let c = self
                    .scrypt_config
                    .as_ref()
                    .ok_or(missing("scrypt_config"))?;
                let salt = c.salt.as_deref().ok_or(missing("scrypt_config.salt"))?;
                let n = c.n_parameter.ok_or(missing("scrypt_config.n_parameter"))?;
                let r = c.r_parameter.ok_or(missing("scrypt_config.r_parameter"))?;
                let p = c.p_parameter.ok_or(missing("scrypt_config.p_parameter"))?;
                let len = c.key_length.ok_or(missing("scrypt_config.key_length"))?;
                if !n.is_power_of_two() || n < 2 {
                    return Err(Error::Malformed {
                        scheme: "scrypt",
                        reason: "n_parameter is not a power of two",
                    });
                }
                let salt = Base64::decode_tolerant(salt).map_err(|_| Error::Malformed {
                    scheme: "scrypt",
                    reason: "salt is not base64",
                })?;
                let hash = hex_or_base64(&self.hash, len as usize, "hash")?;
                let log_n = n.trailing_zeros() as u8;
                let encoded = phc::render_scrypt(log_n, r, p, &salt, &hash);
                phc::scrypt_hash(Scheme::Scrypt, &encoded, log_n.into(), r, p, salt, hash)
            }
            "pbkdf_2" => {
                let c = self
                    .pbkdf_2_config
                    .as_ref()
                    .ok_or(missing("pbkdf_2_config"))?;
                let salt = c.salt.as_deref().ok_or(missing("pbkdf_2_config.salt"))?;
                let iterations = c
                    .iteration_amount
                    .ok_or(missing("pbkdf_2_config.iteration_amount"))?;
                let len = c.key_length.ok_or(missing("pbkdf_2_config.key_length"))?;
                let (prf, scheme) = match c.algorithm.as_deref() {
                    Some("sha256") => (Prf::Sha256, Scheme::Pbkdf2Sha256),
                    Some("sha512") => (Prf::Sha512, Scheme::Pbkdf2Sha512),
                    Some(_) => {
                        return Err(Error::Malformed {
                            scheme: "pbkdf2",
                            reason: "pbkdf_2_config.algorithm must be sha256 or sha512",
                        });
                    }
                    None => return Err(missing("pbkdf_2_config.algorithm")),
                };
                let salt = Base64::decode_tolerant(salt).map_err(|_| Error::Malformed {
                    scheme: scheme.name(),
                    reason: "salt is not base64",
                })?;
                let hash = hex_or_base64(&self.hash, len as usize, "hash")?;
                let encoded = phc::render_pbkdf2(prf, iterations, &salt, &hash);
                phc::pbkdf2_hash(scheme, &encoded, prf, iterations, salt, hash)
            }
            _ => Err(Error::UnknownScheme),
        }
    }

    fn argon2(&self) -> Result<StoredHash, Error> {
        let (algorithm, scheme) = if self.hash_type == "argon_2i" {
            (argon2::Algorithm::Argon2i, Scheme::Argon2i)
        } else {
            (argon2::Algorithm::Argon2id, Scheme::Argon2id)
        };
        if self.hash.starts_with("$argon2") {
            let h = StoredHash::parse(&self.hash)?;
            if h.scheme != scheme {
                return Err(Error::Malformed {
                    scheme: scheme.name(),
                    reason: "PHC string of another argon2 variant",
                });
            }
            return Ok(h);
        }
        let c = self
            .argon_2_config
            .as_ref()
            .ok_or(missing("argon_2_config"))?;
        let salt = c.salt.as_deref().ok_or(missing("argon_2_config.salt"))?;
        let t = c
            .iteration_amount
            .ok_or(missing("argon_2_config.iteration_amount"))?;
        let m = c.memory.ok_or(missing("argon_2_config.memory"))?;
        let p = c.threads.ok_or(missing("argon_2_config.threads"))?;
        let len = c.key_length.ok_or(missing("argon_2_config.key_length"))?;
        let hash = hex_or_base64(&self.hash, len as usize, "hash")?;
        let encoded = phc::render_argon2(algorithm, m, t, p, None, salt.as_bytes(), &hash);
        // Parse the rendered string back: one set of range checks for every argon2 input.
        let mut h = phc::parse_argon2(&encoded, &encoded)?;
        h.scheme = scheme;
        Ok(h)
    }
}

impl Auth0CustomHash {
    fn to_stored(&self) -> Result<StoredHash, Error> {
        let encoding = match self.password.as_ref().map(|p| p.encoding.as_str()) {
            None | Some("utf8" | "ascii") => PasswordEncoding::Utf8,
            Some("utf16le" | "ucs2") => PasswordEncoding::Utf16Le,
            Some("latin1" | "binary") => PasswordEncoding::Latin1,
            Some(_) => {
                return Err(Error::Malformed {
                    scheme: "auth0",
                    reason: "password.encoding is not one of Auth0's values",
                });
            }
        };
        let plain_text_only = |h: Result<StoredHash, Error>| {
            if encoding == PasswordEncoding::Utf8 {
                h
            } else {
                Err(Error::Unsupported {
                    what: "password.encoding other than utf8 for this algorithm",
                })
            }
        };
        let salt = self.salt_bytes()?;
        let (prefix, suffix) = match self.salt.as_ref().and_then(|s| s.position.as_deref()) {
            None | Some("prefix") => (salt, Vec::new()),
            Some("suffix") => (Vec::new(), salt),
            Some(_) => {
                return Err(Error::Malformed {
                    scheme: "auth0",
                    reason: "salt.position must be prefix or suffix",
                });
            }
        };
        let value = &self.hash.value;
        match self.algorithm.as_str() {
            "argon2" => plain_text_only(self.no_salt().and_then(|()| {
                let h = StoredHash::parse(value)?;
                matches!(
                    h.scheme,
                    Scheme::Argon2id | Scheme::Argon2i | Scheme::Argon2d
                )
                .then_some(h)
                .ok_or(Error::Malformed {
                    scheme: "auth0",
                    reason: "argon2 value is not an argon2 PHC string",
                })
            })),
            "bcrypt" => {
                if self.salt.is_none() {
                    return plain_text_only(bcrypt::parse(value, value, Scheme::Bcrypt));
                }
                bcrypt::parse(value, value, Scheme::Bcrypt)?;
                let encoded = bcrypt::render_salted(&prefix, &suffix, value);
                plain_text_only(bcrypt::parse_salted(&encoded))
            }
            "ldap" => plain_text_only(self.no_salt().and_then(|()| ldap::parse(value))),
            "pbkdf2" => plain_text_only(self.no_salt().and_then(|()| self.pbkdf2())),
            "scrypt" => {
                let len = self.keylen.ok_or(missing("keylen"))?;
                let n = self.cost.unwrap_or(16_384);
                if !n.is_power_of_two() || n < 2 {
                    return Err(Error::Malformed {
                        scheme: "scrypt",
                        reason: "cost is not a power of two",
                    });
                }
                let (r, p) = (
                    self.block_size.unwrap_or(8),
                    self.parallelization.unwrap_or(1),
                );
                let hash = self.decode_hash(len as usize)?;
                let salt = [prefix, suffix].concat();
                let log_n = n.trailing_zeros() as u8;
                let encoded = phc::render_scrypt(log_n, r, p, &salt, &hash);
                plain_text_only(phc::scrypt_hash(
                    Scheme::Scrypt,
                    &encoded,
                    log_n.into(),
                    r,
                    p,
                    salt,
                    hash,
                ))
            }
            "hmac" => {
                let alg = self
                    .hash
                    .digest
                    .as_deref()
                    .ok_or(missing("hash.digest"))
                    .and_then(|d| {
                        DigestAlg::from_name(d).ok_or(Error::Unsupported {
                            what: "HMAC digest other than md5, sha1, sha256, sha512",
                        })
                    })?;
                let key = self.hash.key.as_ref().ok_or(missing("hash.key"))?;
                let key = decode_as(&key.value, key.encoding.as_deref(), "hash.key")?;
                let mac = self.decode_hash(alg.output_len())?;
                digest::build_hmac(alg, key, prefix, suffix, mac, encoding)
            }
            name => {
                let alg = DigestAlg::from_name(name).ok_or(Error::UnknownScheme)?;
                let hash = self.decode_hash(alg.output_len())?;
                digest::build_digest(alg, prefix, suffix, hash, encoding)
            }
        }
    }

    fn no_salt(&self) -> Result<(), Error> {
        if self.salt.is_some() {
            Err(Error::Malformed {
                scheme: "auth0",
                reason: "salt is not allowed for this algorithm",
            })
        } else {
            Ok(())
        }
    }

    fn salt_bytes(&self) -> Result<Vec<u8>, Error> {
        match &self.salt {
            None => Ok(Vec::new()),
            Some(s) => decode_as(&s.value, s.encoding.as_deref(), "salt.value"),
        }
    }

    fn decode_hash(&self, len: usize) -> Result<Vec<u8>, Error> {
        let encoding = self
            .hash
            .encoding
            .as_deref()
            .ok_or(missing("hash.encoding"))?;
        let bytes = decode_as(&self.hash.value, Some(encoding), "hash.value")?;
        if bytes.len() == len {
            Ok(bytes)
        } else {
            Err(Error::Malformed {
                scheme: "auth0",
                reason: "hash length does not match the algorithm",
            })
        }
    }

    /// `$pbkdf2-<digest>$[i=<iter>][,l=<len>]$<salt>$<hash>`, defaults i=100000, l=64.
    fn pbkdf2(&self) -> Result<StoredHash, Error> {
        let bad = |reason| Error::Malformed {
            scheme: "auth0",
            reason,
        };
        let fields: Vec<&str> = self.hash.value.split('$').collect();
        let (id, setting, salt, hash) = match fields[..] {
            ["", id, setting, salt, hash] => (id, setting, salt, hash),
            // Auth0 lets the whole parameter segment be omitted.
            ["", id, salt, hash] => (id, "", salt, hash),
            _ => return Err(bad("pbkdf2 value is not a PHC string")),
        };
        let digest = id.strip_prefix("pbkdf2-").ok_or_else(|| bad("pbkdf2 id"))?;
        let (prf, scheme) = match digest.to_ascii_lowercase().as_str() {
            "sha1" | "rsa-sha1" | "sha1withrsaencryption" => (Prf::Sha1, Scheme::Pbkdf2Sha1),
            "sha256" | "rsa-sha256" | "sha256withrsaencryption" => {
                (Prf::Sha256, Scheme::Pbkdf2Sha256)
            }
            "sha512" | "rsa-sha512" | "sha512withrsaencryption" => {
                (Prf::Sha512, Scheme::Pbkdf2Sha512)
            }
            _ => {
                return Err(Error::Unsupported {
                    what: "pbkdf2 digest other than sha1, sha256, sha512",
                });
            }
        };
        let mut iterations = 100_000;
        let mut len = 64usize;
        for kv in setting.split(',').filter(|kv| !kv.is_empty()) {
            match kv.split_once('=') {
                Some(("i", v)) => {
                    iterations = crate::formats::parse_u32(v).ok_or_else(|| bad("i"))?
                }
                Some(("l", v)) => {
                    len = crate::formats::parse_u32(v).ok_or_else(|| bad("l"))? as usize
                }
                _ => return Err(bad("pbkdf2 parameter")),
            }
        }
        let salt = Base64::decode_tolerant(salt).map_err(|_| bad("salt encoding"))?;
        let hash = Base64::decode_tolerant(hash).map_err(|_| bad("hash encoding"))?;
        if hash.len() != len {
            return Err(bad("hash length differs from l"));
        }
        let encoded = phc::render_pbkdf2(prf, iterations, &salt, &hash);
        phc::pbkdf2_hash(scheme, &encoded, prf, iterations, salt, hash)
    }
}

/// Decodes an Auth0 value in its declared encoding (`utf8` when absent).
fn decode_as(value: &str, encoding: Option<&str>, field: &'static str) -> Result<Vec<u8>, Error> {
    let bad = Error::Malformed {
        scheme: "auth0",
        reason: "value does not match its declared encoding",
    };
    match encoding.unwrap_or("utf8") {
        "utf8" => Ok(value.as_bytes().to_vec()),
        "hex" => Hex::decode(value).map_err(|_| bad),
        "base64" => Base64::decode_tolerant(value).map_err(|_| bad),
        _ => Err(Error::Malformed {
            scheme: "auth0",
            reason: match field {
                "hash.key" => "hash.key.encoding must be base64, hex or utf8",
                "salt.value" => "salt.encoding must be base64, hex or utf8",
                _ => "hash.encoding must be base64, hex or utf8",
            },
        }),
    }
}

impl FirebaseScrypt {
    fn to_stored(&self) -> Result<StoredHash, Error> {
        let b64 = |v: &str, reason: &'static str| {
            Base64::decode_tolerant(v).map_err(|_| Error::Malformed {
                scheme: "firebase_scrypt",
                reason,
            })
        };
        fn field<'a>(v: &'a Option<String>, name: &'static str) -> Result<&'a str, Error> {
            v.as_deref().ok_or(missing(name))
        }
        let salt = b64(
            field(&self.salt, "firebase_scrypt.salt")?,
            "salt is not base64",
        )?;
        let hash = b64(
            field(&self.hash, "firebase_scrypt.hash")?,
            "hash is not base64",
        )?;
        let separator = b64(
            field(&self.salt_separator, "firebase_scrypt.salt_separator")?,
            "salt_separator is not base64",
        )?;
        let signer = b64(
            field(&self.signer_key, "firebase_scrypt.signer_key")?,
            "signer_key is not base64",
        )?;
        let rounds = self.rounds.ok_or(missing("firebase_scrypt.rounds"))?;
        let mem_cost = self.mem_cost.ok_or(missing("firebase_scrypt.mem_cost"))?;
        let encoded = firebase::render(mem_cost, rounds, &salt, &hash, &separator, &signer);
        firebase::build(encoded, mem_cost, rounds, salt, hash, separator, signer)
    }
}
