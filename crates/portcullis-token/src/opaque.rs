//! Opaque bearer secrets: the one way portcullis makes, stores and checks them.
//!
//! **Every portcullis crate that hands out an opaque secret uses this module**: magic
//! links and reset tokens here, session tokens in `portcullis-session`, refresh tokens in
//! `portcullis-jwt`. Do not roll another.
//!
//! - [`OpaqueToken`] is what the holder gets: a public lookup [`TokenId`] (128 random
//!   bits) and a [`TokenSecret`] verifier (256 random bits), written
//!   `<id>.<secret>` in unpadded base64url (RFC 4648 section 5): 22 + 1 + 43 = 66
//!   characters, safe in URLs, cookies and headers.
//! - [`SecretDigest`] is what is stored: SHA-256 (FIPS 180-4) of the 32 secret bytes, or
//!   HMAC-SHA256 (RFC 2104) under a named key from a [`KeyRing`] kept outside the
//!   database. Its text form is `sha256:<base64url>` or `hmac-sha256:<key id>:<base64url>`.
//! - [`Digester`] makes digests and checks a presented secret against a stored digest in
//!   constant time.
//!
//! A store keys the record by the id; a presented token is parsed, its id looked up,
//! and its secret checked against the record's digest with [`Digester::verify`]. The
//! digest is a function of the secret alone, so a store may instead key records by the
//! digest itself (an index on [`SecretDigest::value`]) when it has no use for ids.
//!
//! Why a fast hash is enough: the secret carries 256 bits from a CSPRNG, so there is
//! nothing to guess and no need for a slow password hash; what the digest protects
//! against is a reader of the database using what they read as a credential
//! (OWASP session-management guidance; DESIGN principle 4). The HMAC variant further
//! means a stolen database alone cannot even test candidate secrets.
//!
//! ```
//! use portcullis_token::{Digester, OpaqueToken};
//! # use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
//! # let mut rng = ChaCha20Rng::seed_from_u64(1);
//!
//! let digester = Digester::Sha256;
//! let token = OpaqueToken::generate(&mut rng);
//! let stored = digester.digest(token.secret()); // persist this with token.id()
//!
//! // Later, the holder presents the rendered token:
//! let presented = OpaqueToken::parse(token.render().expose_secret())?;
//! assert_eq!(presented.id(), token.id()); // look the record up by this
//! assert!(digester.verify(&stored, presented.secret()).is_ok());
//! # Ok::<(), portcullis_token::TokenError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use portcullis_core::{CryptoRng, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};
use subtle::Choice;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::b64;
use crate::error::{Format, TokenError};
use crate::keys::{KeyId, KeyRing};

/// Bytes in a [`TokenId`].
pub const ID_LEN: usize = 16;
/// Bytes in a [`TokenSecret`].
pub const SECRET_LEN: usize = 32;
/// Characters in a rendered [`TokenId`].
pub const ID_TEXT_LEN: usize = 22;
/// Characters in a rendered [`TokenSecret`].
pub const SECRET_TEXT_LEN: usize = 43;
/// Characters in a rendered [`OpaqueToken`].
pub const TOKEN_TEXT_LEN: usize = ID_TEXT_LEN + 1 + SECRET_TEXT_LEN;

/// The public half of an [`OpaqueToken`]: 128 random bits that name the stored record.
///
/// An id is not a credential: it may appear in logs, URLs of admin pages and database
/// keys. It serializes as its 22-character base64url text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenId([u8; ID_LEN]);

impl TokenId {
    /// A fresh random id.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut id = [0u8; ID_LEN];
        rng.fill_bytes(&mut id);
        Self(id)
    }

    /// The id with these bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; ID_LEN]) -> Self {
        Self(bytes)
    }

    /// The raw bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; ID_LEN] {
        &self.0
    }

    /// Parses the 22-character base64url form.
    ///
    /// # Errors
    /// [`TokenError::Malformed`] for anything but the canonical encoding of 16 bytes.
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        b64::decode(text.as_bytes())
            .map(Self)
            .ok_or(TokenError::Malformed(Format::TokenId))
    }
}

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::with_capacity(ID_TEXT_LEN);
        b64::encode_append(&self.0, &mut text);
        f.write_str(&text)
    }
}

impl fmt::Debug for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenId({self})")
    }
}

impl FromStr for TokenId {
    type Err = TokenError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for TokenId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TokenId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The secret half of a bearer secret: 256 bits from a CSPRNG.
///
/// Zeroized on drop, printed as `[redacted]`, never serialized; only its
/// [`SecretDigest`] is stored. API keys and client secrets carry one too, rendered in
/// their own formats.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct TokenSecret([u8; SECRET_LEN]);

impl TokenSecret {
    /// A fresh random secret.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut secret = Self([0u8; SECRET_LEN]);
        rng.fill_bytes(&mut secret.0);
        secret
    }

    /// Wraps secret bytes obtained elsewhere (a decoded key, an imported legacy secret).
    #[must_use]
    pub const fn from_bytes(bytes: [u8; SECRET_LEN]) -> Self {
        Self(bytes)
    }

    /// The secret bytes. Every call site is a place where the secret is used.
    #[must_use]
    pub const fn expose_secret(&self) -> &[u8; SECRET_LEN] {
        &self.0
    }

    /// The 43-character base64url form.
    #[must_use]
    pub fn render(&self) -> SecretString {
        let mut text = String::with_capacity(SECRET_TEXT_LEN);
        b64::encode_append(&self.0, &mut text);
        SecretString::new(text)
    }

    /// Parses the 43-character base64url form.
    ///
    /// # Errors
    /// [`TokenError::Malformed`] with `format` for anything but the canonical encoding
    /// of 32 bytes.
    pub fn parse(text: &str, format: Format) -> Result<Self, TokenError> {
        let mut secret = Self([0; SECRET_LEN]);
        if b64::decode_into(text.as_bytes(), &mut secret.0) {
            Ok(secret)
        } else {
            Err(TokenError::Malformed(format))
        }
    }
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A bearer token made of a public lookup id and a secret verifier, `<id>.<secret>`.
///
/// ```
/// use portcullis_token::OpaqueToken;
/// # use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
///
/// let token = OpaqueToken::generate(&mut ChaCha20Rng::seed_from_u64(7));
/// let text = token.render();
/// assert_eq!(text.expose_secret().len(), 66);
/// assert_eq!(format!("{token:?}"), format!("OpaqueToken {{ id: {:?}, secret: [redacted] }}", token.id()));
/// let again = OpaqueToken::parse(text.expose_secret())?;
/// assert_eq!(again.id(), token.id());
/// # Ok::<(), portcullis_token::TokenError>(())
/// ```
#[derive(Clone)]
pub struct OpaqueToken {
    id: TokenId,
    secret: TokenSecret,
}

impl OpaqueToken {
    /// A fresh token: 16 random bytes of id, then 32 of secret.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let id = TokenId::generate(rng);
        let secret = TokenSecret::generate(rng);
        Self { id, secret }
    }

    /// A token from its parts.
    #[must_use]
    pub const fn from_parts(id: TokenId, secret: TokenSecret) -> Self {
        Self { id, secret }
    }

    /// Parses `<id>.<secret>`: exactly 22 and 43 canonical base64url characters around
    /// one dot.
    ///
    /// # Errors
    /// [`TokenError::Malformed`] for anything else; the error does not echo the input.
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        let malformed = TokenError::Malformed(Format::Token);
        let bytes = text.as_bytes();
        if bytes.len() != TOKEN_TEXT_LEN || bytes[ID_TEXT_LEN] != b'.' {
            return Err(malformed);
        }
        // Both halves are decoded in place: no copy of the secret is left outside the
        // zeroized value, and no `Option<[u8; 16]>` is copied out byte-misaligned.
        let mut token = Self {
            id: TokenId([0; ID_LEN]),
            secret: TokenSecret([0; SECRET_LEN]),
        };
        if b64::decode_into(&bytes[..ID_TEXT_LEN], &mut token.id.0)
            && b64::decode_into(&bytes[ID_TEXT_LEN + 1..], &mut token.secret.0)
        {
            Ok(token)
        } else {
            Err(malformed)
        }
    }

    /// The `<id>.<secret>` text to hand to the holder.
    #[must_use]
    pub fn render(&self) -> TokenText {
        // One buffer, so no partial copy of the secret is left to zeroize.
        let mut text = TokenText([b'.'; TOKEN_TEXT_LEN]);
        b64::encode_into(&self.id.0, &mut text.0[..ID_TEXT_LEN]);
        b64::encode_into(&self.secret.0, &mut text.0[ID_TEXT_LEN + 1..]);
        text
    }

    /// The public lookup id.
    #[must_use]
    pub const fn id(&self) -> &TokenId {
        &self.id
    }

    /// The secret verifier.
    #[must_use]
    pub const fn secret(&self) -> &TokenSecret {
        &self.secret
    }
}

impl fmt::Debug for OpaqueToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpaqueToken")
            .field("id", &self.id)
            .field("secret", &self.secret)
            .finish()
    }
}

/// The text of an [`OpaqueToken`], `<id>.<secret>`, in a fixed 66-byte buffer that is
/// zeroized on drop: rendering a token allocates nothing, so no copy of the secret is
/// left on the heap. Prints as `[redacted]`; [`SecretString::from`] converts it where an
/// owned string is needed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct TokenText([u8; TOKEN_TEXT_LEN]);

impl TokenText {
    /// The text itself. Every call site is a place where the secret is used.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        // base64url characters and the dot are ASCII, so this never falls back.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Debug for TokenText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for TokenText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<TokenText> for SecretString {
    fn from(text: TokenText) -> Self {
        Self::from(text.expose_secret())
    }
}

/// What is stored in place of a secret: its SHA-256, or HMAC-SHA256 under a named key.
///
/// The text form (also the serde form) is `sha256:<43 base64url>` or
/// `hmac-sha256:<key id>:<43 base64url>`. A digest is not a credential and may be shown.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SecretDigest {
    key_id: Option<KeyId>,
    value: [u8; 32],
}

impl SecretDigest {
    /// A digest from its parts, for stores that keep the key id and the bytes in
    /// separate columns rather than the text form.
    #[must_use]
    pub const fn from_parts(key_id: Option<KeyId>, value: [u8; 32]) -> Self {
        Self { key_id, value }
    }

    /// The 32 digest bytes: an index key for stores that look records up by digest.
    #[must_use]
    pub const fn value(&self) -> &[u8; 32] {
        &self.value
    }

    /// The HMAC key that made this digest, `None` for plain SHA-256.
    #[must_use]
    pub const fn key_id(&self) -> Option<&KeyId> {
        self.key_id.as_ref()
    }

    /// Parses the text form.
    ///
    /// # Errors
    /// [`TokenError::Malformed`] with [`Format::Digest`].
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        let malformed = TokenError::Malformed(Format::Digest);
        let (key_id, value) = if let Some(rest) = text.strip_prefix("sha256:") {
            (None, rest)
        } else if let Some(rest) = text.strip_prefix("hmac-sha256:") {
            let (id, value) = rest.split_once(':').ok_or(malformed)?;
            (Some(KeyId::new(id).map_err(|_| malformed)?), value)
        } else {
            return Err(malformed);
        };
        let value = b64::decode(value.as_bytes()).ok_or(malformed)?;
        Ok(Self { key_id, value })
    }
}

impl fmt::Display for SecretDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key_id {
            None => f.write_str("sha256:")?,
            Some(id) => write!(f, "hmac-sha256:{id}:")?,
        }
        let text = b64::encode32(&self.value);
        // base64url output is ASCII.
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for SecretDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretDigest({self})")
    }
}

impl FromStr for SecretDigest {
    type Err = TokenError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for SecretDigest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SecretDigest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// How secrets are digested for storage: plain SHA-256, or HMAC-SHA256 under the
/// current key of a [`KeyRing`].
///
/// An HMAC digest verifies under the key it names as long as that key is in the ring,
/// so keys rotate without invalidating live tokens. A plain SHA-256 digest verifies
/// under [`Digester::Hmac`] only in the explicit migration mode
/// [`Digester::DangerHmacAcceptingSha256`]: anyone who can write to the database can
/// store `sha256:<digest of a secret they chose>` in a record, so accepting unkeyed
/// digests gives up the integrity the key exists to provide.
#[derive(Debug, Clone)]
pub enum Digester {
    /// SHA-256 of the secret bytes.
    Sha256,
    /// HMAC-SHA256 of the secret bytes under the ring's current key. Stored plain
    /// SHA-256 digests are refused with [`TokenError::UnknownKeyId`].
    Hmac(KeyRing),
    /// Migration from [`Digester::Sha256`] to [`Digester::Hmac`]: new digests are
    /// HMACs, and plain SHA-256 digests written before the ring existed still verify.
    /// A database writer can forge credentials in this mode; switch to
    /// [`Digester::Hmac`] once the last plain-digest record has expired.
    DangerHmacAcceptingSha256(KeyRing),
}

impl Digester {
    /// The digest to store for `secret`.
    #[must_use]
    pub fn digest(&self, secret: &TokenSecret) -> SecretDigest {
        self.digest_bytes(secret.expose_secret())
    }

    /// Checks `secret` against `stored`, comparing digests in constant time.
    ///
    /// # Errors
    /// [`TokenError::InvalidSecret`] when they differ; [`TokenError::UnknownKeyId`]
    /// when `stored` names a key that is not in the ring.
    pub fn verify(&self, stored: &SecretDigest, secret: &TokenSecret) -> Result<(), TokenError> {
        if bool::from(self.matches(stored, secret.expose_secret())?) {
            Ok(())
        } else {
            Err(TokenError::InvalidSecret)
        }
    }

    /// Every digest `secret` may be stored under, current key first: one for
    /// [`Digester::Sha256`], one per ring key for [`Digester::Hmac`], and those plus the
    /// plain SHA-256 in the migration mode. For stores that key records by the digest
    /// itself (sessions): a record written before a key rotation is found by trying
    /// these in order, and equality on a 256-bit digest of a 256-bit secret needs no
    /// constant-time comparison (a lookup reveals nothing an attacker could steer).
    #[must_use]
    pub fn lookup_digests(&self, secret: &TokenSecret) -> Vec<SecretDigest> {
        let input = secret.expose_secret();
        let keyed = |ring: &KeyRing| -> Vec<SecretDigest> {
            ring.ids()
                .filter_map(|id| {
                    ring.mac_with(id.as_str(), &[input])
                        .map(|value| SecretDigest {
                            key_id: Some(id.clone()),
                            value,
                        })
                })
                .collect()
        };
        match self {
            Self::Sha256 => vec![self.digest(secret)],
            Self::Hmac(ring) => keyed(ring),
            Self::DangerHmacAcceptingSha256(ring) => {
                let mut all = keyed(ring);
                all.push(Digester::Sha256.digest(secret));
                all
            }
        }
    }

    /// Spends the time of one [`Digester::verify`] and returns
    /// [`TokenError::InvalidSecret`]: call it when no record exists for a presented id,
    /// so unknown ids cost what known ones do.
    #[must_use]
    pub fn refuse_unknown(&self, secret: &TokenSecret) -> TokenError {
        let dummy = self.digest_bytes(&[0u8; SECRET_LEN]);
        let _ = std::hint::black_box(self.matches(&dummy, secret.expose_secret()));
        TokenError::InvalidSecret
    }

    pub(crate) fn digest_bytes(&self, input: &[u8]) -> SecretDigest {
        match self {
            Self::Sha256 => SecretDigest {
                key_id: None,
                value: Sha256::digest(input).into(),
            },
            Self::Hmac(ring) | Self::DangerHmacAcceptingSha256(ring) => {
                let (id, value) = ring.mac_current(&[input]);
                SecretDigest {
                    key_id: Some(id.clone()),
                    value,
                }
            }
        }
    }

    /// Whether `input` digests to `stored`, as a constant-time [`Choice`].
    pub(crate) fn matches(
        &self,
        stored: &SecretDigest,
        input: &[u8],
    ) -> Result<Choice, TokenError> {
        let computed: [u8; 32] = match (&stored.key_id, self) {
            (None, Self::Sha256 | Self::DangerHmacAcceptingSha256(_)) => {
                Sha256::digest(input).into()
            }
            (Some(id), Self::Hmac(ring) | Self::DangerHmacAcceptingSha256(ring)) => ring
                .mac_with(id.as_str(), &[input])
                .ok_or(TokenError::UnknownKeyId)?,
            (None, Self::Hmac(_)) | (Some(_), Self::Sha256) => {
                return Err(TokenError::UnknownKeyId);
            }
        };
        Ok(portcullis_core::ct_eq_choice(&computed, &stored.value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_chacha::rand_core::SeedableRng;

    fn rng() -> ChaCha20Rng {
        ChaCha20Rng::seed_from_u64(42)
    }

    #[test]
    fn render_and_parse_round_trip() {
        let token = OpaqueToken::generate(&mut rng());
        let text = token.render();
        assert_eq!(text.expose_secret().len(), TOKEN_TEXT_LEN);
        assert_eq!(&text.expose_secret()[22..23], ".");
        let parsed = OpaqueToken::parse(text.expose_secret()).unwrap();
        assert_eq!(parsed.id(), token.id());
        assert_eq!(
            parsed.secret().expose_secret(),
            token.secret().expose_secret()
        );
        assert_eq!(parsed.id().to_string(), &text.expose_secret()[..22]);
        assert_eq!(
            TokenId::parse(&token.id().to_string()).unwrap(),
            *token.id()
        );
    }

    #[test]
    fn parse_refuses_everything_else() {
        let text = OpaqueToken::generate(&mut rng()).render();
        let good = text.expose_secret();
        let malformed = Err(TokenError::Malformed(Format::Token));
        let mut cases = vec![
            String::new(),
            good[..65].to_owned(),
            format!("{good}A"),
            good.replace('.', "_"),
            format!("{}={}", &good[..22], &good[23..]),
            format!(" {}", &good[1..]),
            format!("{}+{}", &good[..23], &good[24..]),
            format!("{}.{}.", &good[..22], &good[23..65]),
        ];
        // Non-canonical trailing bits in the id (22 chars carry 132 bits for 128).
        // The canonical last characters are A, Q, g and w (low four bits zero); B never is.
        let mut bytes = good.as_bytes().to_vec();
        bytes[21] = b'B';
        cases.push(String::from_utf8(bytes).unwrap());
        for case in cases {
            assert_eq!(OpaqueToken::parse(&case).map(|_| ()), malformed, "{case:?}");
        }
        assert_eq!(
            TokenId::parse("AAAAAAAAAAAAAAAAAAAAAB"),
            Err(TokenError::Malformed(Format::TokenId))
        );
        assert!(TokenId::parse("AAAAAAAAAAAAAAAAAAAAAA").is_ok());
    }

    #[test]
    fn digests_verify_only_their_secret() {
        let mut rng = rng();
        let a = TokenSecret::generate(&mut rng);
        let b = TokenSecret::generate(&mut rng);
        for digester in [
            Digester::Sha256,
            Digester::Hmac(KeyRing::new(KeyId::new("k1").unwrap(), &[7; 32]).unwrap()),
        ] {
            let stored = digester.digest(&a);
            assert_eq!(digester.verify(&stored, &a), Ok(()));
            assert_eq!(digester.verify(&stored, &b), Err(TokenError::InvalidSecret));
            assert_eq!(digester.refuse_unknown(&a), TokenError::InvalidSecret);
            let text = stored.to_string();
            assert_eq!(SecretDigest::parse(&text).unwrap(), stored);
            let json = serde_json::to_string(&stored).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<SecretDigest>(&json).unwrap(), stored);
        }
    }

    #[test]
    fn digest_text_forms() {
        let secret = TokenSecret::from_bytes([0; 32]);
        // SHA-256 of 32 zero bytes.
        let plain = Digester::Sha256.digest(&secret);
        assert_eq!(
            plain.to_string(),
            "sha256:Zmh6rfhivXdsj8GLjp-OIAiXFIVu4jOzkCpZHQ1fKSU"
        );
        assert_eq!(plain.key_id(), None);
        let ring = KeyRing::new(KeyId::new("k1").unwrap(), &[7; 32]).unwrap();
        let keyed = Digester::Hmac(ring).digest(&secret);
        assert!(keyed.to_string().starts_with("hmac-sha256:k1:"));
        assert_eq!(keyed.key_id().map(KeyId::as_str), Some("k1"));
        for bad in [
            "",
            "sha256:",
            "sha1:Zmh6rfhivXdsj8GLjp-OIAiXFIVu4jOzkCpZHQ1fKSU",
            "sha256:Zmh6rfhivXdsj8GLjp-OIAiXFIVu4jOzkCpZHQ1fKSU=",
            "hmac-sha256:Zmh6rfhivXdsj8GLjp-OIAiXFIVu4jOzkCpZHQ1fKSU",
            "hmac-sha256::Zmh6rfhivXdsj8GLjp-OIAiXFIVu4jOzkCpZHQ1fKSU",
            "hmac-sha256:a.b:Zmh6rfhivXdsj8GLjp-OIAiXFIVu4jOzkCpZHQ1fKSU",
        ] {
            assert_eq!(
                SecretDigest::parse(bad),
                Err(TokenError::Malformed(Format::Digest)),
                "{bad}"
            );
        }
    }

    #[test]
    fn rotation_and_migration() {
        let secret = TokenSecret::generate(&mut rng());
        let plain = Digester::Sha256.digest(&secret);
        let ring1 = KeyRing::new(KeyId::new("k1").unwrap(), &[1; 32]).unwrap();
        let by_k1 = Digester::Hmac(ring1.clone()).digest(&secret);
        let ring2 = ring1
            .rotate_to(KeyId::new("k2").unwrap(), &[2; 32])
            .unwrap();
        let digester = Digester::Hmac(ring2.clone());
        // Old-key digests still verify; new ones use k2.
        assert_eq!(digester.verify(&by_k1, &secret), Ok(()));
        assert_eq!(digester.digest(&secret).key_id().unwrap().as_str(), "k2");
        // A plain digest is refused: a database writer could have put it there.
        assert_eq!(
            digester.verify(&plain, &secret),
            Err(TokenError::UnknownKeyId)
        );
        // Lookup digests: current key first, then the others.
        let lookups = digester.lookup_digests(&secret);
        assert_eq!(lookups, [digester.digest(&secret), by_k1.clone()]);
        assert_eq!(
            Digester::Sha256.lookup_digests(&secret),
            std::slice::from_ref(&plain)
        );
        // ... unless the migration mode says otherwise.
        let migrating = Digester::DangerHmacAcceptingSha256(ring2.clone());
        assert_eq!(migrating.verify(&plain, &secret), Ok(()));
        assert_eq!(migrating.verify(&by_k1, &secret), Ok(()));
        assert_eq!(migrating.digest(&secret).key_id().unwrap().as_str(), "k2");
        assert_eq!(migrating.lookup_digests(&secret).last(), Some(&plain));
        // Once k1 is dropped, its digests name an unknown key.
        let digester = Digester::Hmac(ring2.without(&KeyId::new("k1").unwrap()).unwrap());
        assert_eq!(
            digester.verify(&by_k1, &secret),
            Err(TokenError::UnknownKeyId)
        );
        assert_eq!(
            Digester::Sha256.verify(&by_k1, &secret),
            Err(TokenError::UnknownKeyId)
        );
    }

    #[test]
    fn secrets_never_print() {
        let token = OpaqueToken::generate(&mut rng());
        let secret_text = token.secret().render();
        let debug = format!("{token:?}");
        assert!(!debug.contains(secret_text.expose_secret()), "{debug}");
        assert!(debug.contains("[redacted]"));
        assert_eq!(format!("{}", token.render()), "[redacted]");
        assert_eq!(format!("{:?}", token.render()), "[redacted]");
        // The owned form carries the same text.
        let owned = SecretString::from(token.render());
        assert_eq!(owned.expose_secret(), token.render().expose_secret());
        assert_eq!(
            &owned.expose_secret()[ID_TEXT_LEN + 1..],
            secret_text.expose_secret()
        );
    }
}
