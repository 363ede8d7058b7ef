//! API keys: long-lived bearer secrets owned by a user or an organisation (PropelAuth
//! `end_user_api_keys`, Riskalyze `key` authentication methods).
//!
//! # Format
//!
//! `<prefix><key id><secret><checksum>`, for example
//! `pcl_live_1xQ2...` (the prefix plus 71 base62 characters):
//!
//! | part | content | characters |
//! |---|---|---|
//! | prefix | readable, chosen by the caller: `[a-z][a-z0-9_]*_`, 2 to 32 characters (`pcl_live_`, `acme_test_`) | 2 to 32 |
//! | key id | 16 random bytes, the public lookup id | 22 base62 |
//! | secret | 32 random bytes (256 bits) | 43 base62 |
//! | checksum | CRC-32 (ISO-HDLC, as zlib's `crc32`) of everything before it, as a 4-byte big-endian number | 6 base62 |
//!
//! Each base62 part is its bytes read as one big-endian number and written in base 62
//! (`0-9 A-Z a-z`), left-padded with `0` to the fixed width, so a key has a fixed
//! length, no punctuation after its prefix, and a double click selects all of it. The checksum lets a client, a support tool or a secret scanner
//! tell a real key from a typo or a random string without any lookup (GitHub's token
//! format works the same way), and [`ApiKeyPrefix::scanner_pattern`] gives the regular
//! expression to register with scanners. The checksum is not a MAC: it catches
//! accidents, and the digest comparison catches forgeries.
//!
//! # Storage and validation
//!
//! The [`ApiKeyRecord`] holds the key id, the prefix, the secret's [`SecretDigest`],
//! the key's last four characters (to show in a list), the owner, a name, metadata,
//! `created_at`, `expires_at` (`None` = never, as PropelAuth's `expires_at_seconds:
//! null`) and `revoked_at`. Its [`status`](ApiKeyRecord::status) is active, expired
//! (PropelAuth's "archived" keys) or revoked. Validation is: [parse](PresentedApiKey::parse)
//! (format, then checksum), look the record up by [`key_id`](PresentedApiKey::key_id),
//! then [`ApiKeys::validate`]: digest compared in constant time, revocation, expiry.
//!
//! # Legacy keys
//!
//! PropelAuth keys are 96 hex characters: a 16-byte key id followed by a 32-byte
//! secret. [`ApiKeys::import_legacy`] turns one into a record (key id = the 32 hex
//! characters of its id), and [`PresentedApiKey::parse_any`] accepts both formats, so
//! migrated users keep their keys.
//!
//! ```
//! use portcullis_core::OffsetDateTime;
//! use portcullis_token::api_key::{ApiKeyPrefix, ApiKeys, NewApiKey, Owner, PresentedApiKey};
//! use portcullis_token::{Digester, TokenError};
//! # use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
//! # let mut rng = ChaCha20Rng::seed_from_u64(1);
//! let keys = ApiKeys::new(Digester::Sha256);
//! let now = OffsetDateTime::from_unix_timestamp(1_712_847_088).unwrap();
//! let prefix = ApiKeyPrefix::new("pcl_live_")?;
//!
//! let (key, record) = keys.issue(&mut rng, &prefix, NewApiKey::new(Owner::user("user_1")), now)?;
//! let text = key.render(); // show once
//! assert_eq!(text.len(), 9 + 71);
//!
//! let presented = PresentedApiKey::parse(text.expose_secret())?;
//! assert_eq!(presented.key_id(), record.key_id); // look up by this
//! keys.validate(&record, &presented, now)?;
//!
//! // A typo is caught by the checksum before any lookup.
//! let mut typo = text.expose_secret().to_owned();
//! typo.replace_range(20..21, if &typo[20..21] == "a" { "b" } else { "a" });
//! assert_eq!(PresentedApiKey::parse(&typo).unwrap_err(), TokenError::BadChecksum);
//! # Ok::<(), TokenError>(())
//! ```

use std::fmt;

use portcullis_core::{CryptoRng, Hex, OffsetDateTime, SecretString};
use serde::{Deserialize, Serialize};

use crate::base62;
use crate::error::{Format, TokenError};
use crate::opaque::{Digester, SecretDigest, TokenSecret};
use crate::single_use::Metadata;

const ID_LEN: usize = 16;
const ID_TEXT_LEN: usize = base62::width(ID_LEN);
const SECRET_TEXT_LEN: usize = base62::width(32);
const CHECKSUM_TEXT_LEN: usize = base62::width(4);
/// Characters after the prefix: key id, secret, checksum.
pub const BODY_LEN: usize = ID_TEXT_LEN + SECRET_TEXT_LEN + CHECKSUM_TEXT_LEN;
/// Longest accepted prefix.
pub const MAX_PREFIX_LEN: usize = 32;
/// Characters in a legacy (PropelAuth) key.
pub const LEGACY_LEN: usize = 2 * (ID_LEN + 32);

/// The readable start of an API key: 2 to 32 characters, a lower-case letter first,
/// then `a-z 0-9 _`, ending in `_`.
///
/// ```
/// use portcullis_token::api_key::ApiKeyPrefix;
///
/// let prefix = ApiKeyPrefix::new("pcl_live_")?;
/// assert_eq!(prefix.scanner_pattern(), r"\bpcl_live_[0-9A-Za-z]{71}\b");
/// assert!(ApiKeyPrefix::new("pcl-live-").is_err());
/// # Ok::<(), portcullis_token::TokenError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApiKeyPrefix(String);

impl ApiKeyPrefix {
    /// Checks and wraps a prefix.
    ///
    /// # Errors
    /// [`TokenError::Malformed`] with [`Format::ApiKeyPrefix`].
    pub fn new(prefix: &str) -> Result<Self, TokenError> {
        if valid_prefix(prefix.as_bytes()) {
            Ok(Self(prefix.to_owned()))
        } else {
            Err(TokenError::Malformed(Format::ApiKeyPrefix))
        }
    }

    /// The prefix text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A regular expression matching keys with this prefix, for secret scanners (GitHub
    /// secret scanning custom patterns, gitleaks, trufflehog). Candidates it finds can be
    /// confirmed offline with [`PresentedApiKey::parse`].
    #[must_use]
    pub fn scanner_pattern(&self) -> String {
        format!(r"\b{}[0-9A-Za-z]{{{BODY_LEN}}}\b", self.0)
    }
}

impl fmt::Display for ApiKeyPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A freshly made API key, to show its owner once.
#[derive(Clone)]
pub struct ApiKey {
    prefix: ApiKeyPrefix,
    id: [u8; ID_LEN],
    secret: TokenSecret,
}

impl ApiKey {
    /// A fresh key with `prefix`: 16 random bytes of id, then 32 of secret.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R, prefix: &ApiKeyPrefix) -> Self {
        let mut id = [0u8; ID_LEN];
        rng.fill_bytes(&mut id);
        let secret = TokenSecret::generate(rng);
        Self {
            prefix: prefix.clone(),
            id,
            secret,
        }
    }

    /// The key made of these parts (to re-render a known key, or in tests).
    #[must_use]
    pub const fn from_parts(prefix: ApiKeyPrefix, id: [u8; ID_LEN], secret: TokenSecret) -> Self {
        Self { prefix, id, secret }
    }

    /// The full key text, checksum included.
    #[must_use]
    pub fn render(&self) -> SecretString {
        let mut text = String::with_capacity(self.prefix.0.len() + BODY_LEN);
        text.push_str(&self.prefix.0);
        // Encoded in place: `text` has its full capacity, so no partial copy of the
        // secret is left in a freed buffer.
        base62::encode_into(&self.id, &mut text);
        base62::encode_into(self.secret.expose_secret(), &mut text);
        let checksum = crc32fast::hash(text.as_bytes()).to_be_bytes();
        base62::encode_into(&checksum, &mut text);
        SecretString::new(text)
    }

    /// The public lookup id (22 base62 characters).
    #[must_use]
    pub fn key_id(&self) -> String {
        base62::encode(&self.id)
    }

    /// The prefix.
    #[must_use]
    pub const fn prefix(&self) -> &ApiKeyPrefix {
        &self.prefix
    }

    /// The secret.
    #[must_use]
    pub const fn secret(&self) -> &TokenSecret {
        &self.secret
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("prefix", &self.prefix.0)
            .field("key_id", &self.key_id())
            .field("secret", &self.secret)
            .finish()
    }
}

/// An API key as presented by a client, parsed and checksum-verified but not yet
/// validated against a record.
#[derive(Clone)]
pub struct PresentedApiKey {
    key_id: Ascii,
    /// Empty for a legacy key.
    prefix: Ascii,
    secret: TokenSecret,
    last_four: Ascii,
}

/// Up to 32 ASCII characters held inline: a presented key is parsed on every request,
/// and its parts need no heap allocation.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Ascii {
    len: u8,
    bytes: [u8; 32],
}

impl Ascii {
    /// `None` unless `text` is ASCII and at most 32 bytes.
    fn new(text: &[u8]) -> Option<Self> {
        let mut bytes = [0u8; 32];
        bytes.get_mut(..text.len())?.copy_from_slice(text);
        let len = u8::try_from(text.len()).ok()?;
        text.is_ascii().then_some(Self { len, bytes })
    }

    fn as_str(&self) -> &str {
        // Only ASCII is ever stored, so this is always the whole text.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl PresentedApiKey {
    /// Parses a key in this crate's format and verifies its checksum.
    ///
    /// # Errors
    /// [`TokenError::Malformed`] with [`Format::ApiKey`] when the structure, prefix,
    /// alphabet or lengths are wrong; [`TokenError::BadChecksum`] when only the checksum
    /// is. The error never echoes the key.
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        let malformed = TokenError::Malformed(Format::ApiKey);
        let bytes = text.as_bytes();
        if bytes.len() <= BODY_LEN || bytes.len() > MAX_PREFIX_LEN + BODY_LEN {
            return Err(malformed);
        }
        let (prefix, body) = bytes.split_at(bytes.len() - BODY_LEN);
        if !valid_prefix(prefix) {
            return Err(malformed);
        }
        let (id_text, rest) = body.split_at(ID_TEXT_LEN);
        let (secret_text, checksum_text) = rest.split_at(SECRET_TEXT_LEN);
        // Decoding checks alphabet and range; the id's bytes are not needed beyond that,
        // since a fixed-width spelling is unique and the text itself is the lookup id.
        base62::decode::<ID_LEN>(id_text).ok_or(malformed)?;
        let secret = zeroize::Zeroizing::new(base62::decode::<32>(secret_text).ok_or(malformed)?);
        let checksum = base62::decode::<4>(checksum_text).ok_or(malformed)?;
        let expected = crc32fast::hash(&bytes[..bytes.len() - CHECKSUM_TEXT_LEN]).to_be_bytes();
        if checksum != expected {
            return Err(TokenError::BadChecksum);
        }
        Ok(Self {
            key_id: Ascii::new(id_text).ok_or(malformed)?,
            prefix: Ascii::new(prefix).ok_or(malformed)?,
            secret: TokenSecret::from_bytes(*secret),
            last_four: Ascii::new(&bytes[bytes.len() - 4..]).ok_or(malformed)?,
        })
    }

    /// Parses a legacy PropelAuth key: 96 hex characters, a 16-byte id then a 32-byte
    /// secret. Legacy keys carry no checksum.
    ///
    /// # Errors
    /// [`TokenError::Malformed`] with [`Format::ApiKey`].
    pub fn parse_legacy(text: &str) -> Result<Self, TokenError> {
        let malformed = TokenError::Malformed(Format::ApiKey);
        if text.len() != LEGACY_LEN {
            return Err(malformed);
        }
        let bytes = zeroize::Zeroizing::new(Hex::decode(text).map_err(|_| malformed)?);
        let mut secret = [0u8; 32];
        secret.copy_from_slice(&bytes[ID_LEN..]);
        let secret = TokenSecret::from_bytes(secret);
        let key_id = Hex::Lower.encode(&bytes[..ID_LEN]);
        let last_four = text[text.len() - 4..].to_ascii_lowercase();
        Ok(Self {
            key_id: Ascii::new(key_id.as_bytes()).ok_or(malformed)?,
            prefix: Ascii::new(b"").ok_or(malformed)?,
            secret,
            last_four: Ascii::new(last_four.as_bytes()).ok_or(malformed)?,
        })
    }

    /// Parses either format: 96 hex characters as a legacy key, anything else as this
    /// crate's format.
    ///
    /// # Errors
    /// As [`PresentedApiKey::parse`] and [`PresentedApiKey::parse_legacy`].
    pub fn parse_any(text: &str) -> Result<Self, TokenError> {
        if text.len() == LEGACY_LEN && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            Self::parse_legacy(text)
        } else {
            Self::parse(text)
        }
    }

    /// The id to look the record up by.
    #[must_use]
    pub fn key_id(&self) -> &str {
        self.key_id.as_str()
    }

    /// The prefix, `None` for legacy keys.
    #[must_use]
    pub fn prefix(&self) -> Option<&str> {
        Some(self.prefix.as_str()).filter(|p| !p.is_empty())
    }
}

impl fmt::Debug for PresentedApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresentedApiKey")
            .field("key_id", &self.key_id())
            .field("prefix", &self.prefix())
            .field("secret", &self.secret)
            .finish()
    }
}

/// Whom a key belongs to: a user, an organisation, or a user acting in an organisation
/// (PropelAuth keys carry `user_id` and `org_id`, either of which may be null).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    /// The owning user.
    #[serde(default)]
    pub user_id: Option<String>,
    /// The owning organisation.
    #[serde(default)]
    pub org_id: Option<String>,
}

impl Owner {
    /// A key owned by a user.
    #[must_use]
    pub fn user(user_id: impl Into<String>) -> Self {
        Self {
            user_id: Some(user_id.into()),
            org_id: None,
        }
    }

    /// A key owned by an organisation.
    #[must_use]
    pub fn org(org_id: impl Into<String>) -> Self {
        Self {
            user_id: None,
            org_id: Some(org_id.into()),
        }
    }

    /// A key owned by a user, acting within an organisation.
    #[must_use]
    pub fn user_in_org(user_id: impl Into<String>, org_id: impl Into<String>) -> Self {
        Self {
            user_id: Some(user_id.into()),
            org_id: Some(org_id.into()),
        }
    }
}

/// Whether a key is usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyStatus {
    /// Usable.
    Active,
    /// Past its expiry (PropelAuth lists these as "archived").
    Expired,
    /// Revoked by its owner or an administrator.
    Revoked,
}

/// The stored form of an API key. Nothing in it authenticates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRecord {
    /// Lookup key: 22 base62 characters, or 32 hex characters for a legacy key.
    pub key_id: String,
    /// The key's prefix; `None` for a legacy key.
    #[serde(default)]
    pub prefix: Option<String>,
    /// Digest of the secret.
    pub digest: SecretDigest,
    /// The key's last four characters, to tell keys apart in a list.
    pub last_four: String,
    /// Whom it belongs to.
    pub owner: Owner,
    /// A label (Riskalyze `name`).
    #[serde(default)]
    pub name: Option<String>,
    /// Caller data returned on validation (PropelAuth `metadata`).
    #[serde(default)]
    pub metadata: Metadata,
    /// When it was made (Unix seconds when serialized).
    #[serde(with = "time::serde::timestamp")]
    pub created_at: OffsetDateTime,
    /// When it stops working; `None` = never.
    #[serde(default, with = "time::serde::timestamp::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// When it was revoked.
    #[serde(default, with = "time::serde::timestamp::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

impl ApiKeyRecord {
    /// The key's status at `now`; revocation wins over expiry.
    #[must_use]
    pub fn status(&self, now: OffsetDateTime) -> ApiKeyStatus {
        if self.revoked_at.is_some() {
            ApiKeyStatus::Revoked
        } else if self.expires_at.is_some_and(|at| now >= at) {
            ApiKeyStatus::Expired
        } else {
            ApiKeyStatus::Active
        }
    }

    /// Revokes the key (idempotent: the first revocation time is kept).
    pub fn revoke(&mut self, now: OffsetDateTime) {
        self.revoked_at.get_or_insert(now);
    }
}

/// What a new key is for: owner, name, metadata, expiry.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    owner: Owner,
    name: Option<String>,
    metadata: Metadata,
    expires_at: Option<OffsetDateTime>,
}

impl NewApiKey {
    /// A key for `owner` that never expires.
    #[must_use]
    pub fn new(owner: Owner) -> Self {
        Self {
            owner,
            name: None,
            metadata: Metadata::new(),
            expires_at: None,
        }
    }

    /// A label.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Caller data.
    #[must_use]
    pub fn metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = metadata;
        self
    }

    /// Expires at this instant.
    #[must_use]
    pub const fn expires_at(mut self, at: OffsetDateTime) -> Self {
        self.expires_at = Some(at);
        self
    }
}

/// Issues, imports and validates API keys. Sans-I/O.
#[derive(Debug, Clone)]
pub struct ApiKeys {
    digester: Digester,
}

impl ApiKeys {
    /// Keys whose secrets are digested by `digester`.
    #[must_use]
    pub const fn new(digester: Digester) -> Self {
        Self { digester }
    }

    /// A new key and the record to store.
    ///
    /// # Errors
    /// [`TokenError::Invalid`] for an owner with neither user nor organisation, or an
    /// expiry not after `now`.
    pub fn issue<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        prefix: &ApiKeyPrefix,
        new: NewApiKey,
        now: OffsetDateTime,
    ) -> Result<(ApiKey, ApiKeyRecord), TokenError> {
        check_new(&new, now)?;
        let key = ApiKey::generate(rng, prefix);
        let rendered = key.render();
        let text = rendered.expose_secret();
        let record = ApiKeyRecord {
            key_id: key.key_id(),
            prefix: Some(prefix.0.clone()),
            digest: self.digester.digest(&key.secret),
            last_four: text[text.len() - 4..].to_owned(),
            owner: new.owner,
            name: new.name,
            metadata: new.metadata,
            created_at: now,
            expires_at: new.expires_at,
            revoked_at: None,
        };
        Ok((key, record))
    }

    /// The record for an existing PropelAuth key (96 hex characters), so it keeps
    /// working after migration.
    ///
    /// # Errors
    /// [`TokenError::Malformed`] when `legacy_key` is not 96 hex characters; otherwise
    /// as [`ApiKeys::issue`].
    pub fn import_legacy(
        &self,
        legacy_key: &str,
        new: NewApiKey,
        now: OffsetDateTime,
    ) -> Result<ApiKeyRecord, TokenError> {
        check_new(&new, now)?;
        let presented = PresentedApiKey::parse_legacy(legacy_key)?;
        Ok(ApiKeyRecord {
            digest: self.digester.digest(&presented.secret),
            key_id: presented.key_id().to_owned(),
            prefix: None,
            last_four: presented.last_four.as_str().to_owned(),
            owner: new.owner,
            name: new.name,
            metadata: new.metadata,
            created_at: now,
            expires_at: new.expires_at,
            revoked_at: None,
        })
    }

    /// Judges a parsed key against the record found by its key id.
    ///
    /// # Errors
    /// [`TokenError::InvalidSecret`] when the key id, prefix or secret digest differ
    /// (the digest compared in constant time); then [`TokenError::Revoked`], [`TokenError::Expired`];
    /// [`TokenError::UnknownKeyId`] when the record's digest names a key missing from the
    /// ring.
    pub fn validate(
        &self,
        record: &ApiKeyRecord,
        presented: &PresentedApiKey,
        now: OffsetDateTime,
    ) -> Result<(), TokenError> {
        let digest_ok = self
            .digester
            .matches(&record.digest, presented.secret.expose_secret())?;
        // The key id and prefix are public (the id is what the record was found by), so
        // only the digest needs a constant-time comparison.
        let public_ok = record.key_id == presented.key_id()
            && record.prefix.as_deref().unwrap_or("") == presented.prefix.as_str();
        if !(bool::from(digest_ok) && public_ok) {
            return Err(TokenError::InvalidSecret);
        }
        match record.status(now) {
            ApiKeyStatus::Active => Ok(()),
            ApiKeyStatus::Revoked => Err(TokenError::Revoked),
            ApiKeyStatus::Expired => Err(TokenError::Expired),
        }
    }

    /// The refusal for a key whose id has no record, after the same digest work.
    #[must_use]
    pub fn refuse_unknown(&self, presented: &PresentedApiKey) -> TokenError {
        self.digester.refuse_unknown(&presented.secret)
    }
}

fn check_new(new: &NewApiKey, now: OffsetDateTime) -> Result<(), TokenError> {
    if new.owner.user_id.is_none() && new.owner.org_id.is_none() {
        return Err(TokenError::Invalid("API key owner"));
    }
    if new.expires_at.is_some_and(|at| at <= now) {
        return Err(TokenError::Invalid("API key expiry is not in the future"));
    }
    Ok(())
}

fn valid_prefix(prefix: &[u8]) -> bool {
    (2..=MAX_PREFIX_LEN).contains(&prefix.len())
        && prefix[0].is_ascii_lowercase()
        && prefix.last() == Some(&b'_')
        && prefix
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}
