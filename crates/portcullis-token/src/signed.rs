//! Stateless signed tokens, for callers without storage: HMAC-SHA256 (RFC 2104) over a
//! compact payload carrying purpose, subject, issue and expiry times, a random id and
//! optional data, under a named key from a [`KeyRing`] so keys can rotate.
//!
//! **A stateless token cannot be single-use.** Nothing remembers that it was redeemed,
//! so it stays valid, as many times as it is presented, until it expires. Use one only
//! where a replay is harmless (confirming an email address twice confirms it once) and
//! keep its lifetime short; for anything that must work once (login, password reset,
//! invites) use [`crate::single_use`] with a store. The payload's `jti` lets a caller
//! that does have a store remember redeemed tokens until they expire. The payload is
//! signed, not encrypted: anyone holding the token can read it, so put no secret in it.
//!
//! # Format
//!
//! `v1.<key id>.<payload>.<mac>`, where `<payload>` is the unpadded base64url of a
//! JSON object `{"pur": purpose, "sub": subject, "iat": unix seconds, "exp": unix
//! seconds, "jti": 22 base64url characters, "dat": {...}}` (`dat` omitted when empty),
//! and `<mac>` is the unpadded base64url of
//! `HMAC-SHA256(key, "portcullis signed token\0" || "v1.<key id>.<payload>")`. Tokens
//! are at most [`MAX_LEN`] bytes. Verification checks the structure, finds the key by
//! id, compares the MAC in constant time, and only then reads the JSON.
//!
//! ```
//! use portcullis_core::{Duration, OffsetDateTime};
//! use portcullis_token::signed::{SignedCheck, SignedTokens};
//! use portcullis_token::{KeyId, KeyRing, Purpose, TokenError};
//! # use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
//! # let mut rng = ChaCha20Rng::seed_from_u64(1);
//! let keys = KeyRing::new(KeyId::new("2026-01")?, &[0x42; 32])?;
//! let signer = SignedTokens::new(keys);
//! let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
//!
//! let token = signer.sign(&mut rng, Purpose::EmailVerification, "user_1", Default::default(), None, now)?;
//! let check = SignedCheck::new(Purpose::EmailVerification);
//! let claims = signer.verify(token.expose_secret(), &check, now + Duration::hours(1))?;
//! assert_eq!(claims.subject, "user_1");
//! assert_eq!(signer.verify(token.expose_secret(), &check, now + Duration::days(2)).unwrap_err(), TokenError::Expired);
//! # Ok::<(), TokenError>(())
//! ```

use portcullis_core::{Base64, CryptoRng, Duration, OffsetDateTime, SecretString, ct_eq};
use serde::{Deserialize, Serialize};

use crate::error::{Format, TokenError};
use crate::keys::{KeyId, KeyRing};
use crate::purpose::{Lifetimes, Purpose, check_lifetime};
use crate::single_use::Metadata;

/// The longest signed token accepted or produced, in bytes.
pub const MAX_LEN: usize = 4096;

const VERSION: &str = "v1";
const CONTEXT: &[u8] = b"portcullis signed token\0";
const MAC_TEXT_LEN: usize = 43;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload {
    pur: Purpose,
    sub: String,
    iat: i64,
    exp: i64,
    jti: String,
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    dat: Metadata,
}

/// What a verified token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedClaims {
    /// What it was issued for.
    pub purpose: Purpose,
    /// Whom it was issued to.
    pub subject: String,
    /// When it was signed.
    pub issued_at: OffsetDateTime,
    /// First instant at which it is no longer valid.
    pub expires_at: OffsetDateTime,
    /// Its random id (for callers that remember redeemed tokens).
    pub jti: String,
    /// The data signed with it.
    pub data: Metadata,
    /// The key that signed it.
    pub key_id: KeyId,
}

/// What the caller expects of a presented signed token.
#[derive(Debug, Clone)]
pub struct SignedCheck<'a> {
    purpose: Purpose,
    subject: Option<&'a str>,
}

impl<'a> SignedCheck<'a> {
    /// Expect a token for `purpose`.
    #[must_use]
    pub const fn new(purpose: Purpose) -> Self {
        Self {
            purpose,
            subject: None,
        }
    }

    /// Expect it to have been issued to `subject`.
    #[must_use]
    pub const fn subject(mut self, subject: &'a str) -> Self {
        self.subject = Some(subject);
        self
    }
}

/// Signs and verifies stateless tokens.
#[derive(Debug, Clone)]
pub struct SignedTokens {
    keys: KeyRing,
    lifetimes: Lifetimes,
}

impl SignedTokens {
    /// Tokens signed with the current key of `keys`, with the default lifetimes of
    /// [`crate::purpose`].
    #[must_use]
    pub fn new(keys: KeyRing) -> Self {
        Self {
            keys,
            lifetimes: Lifetimes::default(),
        }
    }

    /// Replaces the per-purpose lifetimes.
    #[must_use]
    pub fn lifetimes(mut self, lifetimes: Lifetimes) -> Self {
        self.lifetimes = lifetimes;
        self
    }

    /// Signs a token for `purpose` and `subject`, valid from `now` for `lifetime` (the
    /// purpose's default when `None`).
    ///
    /// # Errors
    /// [`TokenError::OutOfBounds`] for a lifetime outside 5 to 10080 minutes;
    /// [`TokenError::Invalid`] when the token would exceed [`MAX_LEN`] or the expiry the
    /// year 9999.
    pub fn sign<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        purpose: Purpose,
        subject: &str,
        data: Metadata,
        lifetime: Option<Duration>,
        now: OffsetDateTime,
    ) -> Result<SecretString, TokenError> {
        let lifetime = match lifetime {
            Some(lifetime) => {
                check_lifetime(lifetime)?;
                lifetime
            }
            None => self.lifetimes.get(&purpose),
        };
        let expires_at = now
            .checked_add(lifetime)
            .ok_or(TokenError::Invalid("expiry out of range"))?;
        let mut jti = [0u8; 16];
        rng.fill_bytes(&mut jti);
        let payload = Payload {
            pur: purpose,
            sub: subject.to_owned(),
            iat: now.unix_timestamp(),
            exp: expires_at.unix_timestamp(),
            jti: Base64::UrlUnpadded.encode(&jti),
            dat: data,
        };
        let json = serde_json::to_vec(&payload)
            .map_err(|_| TokenError::Invalid("signed token payload"))?;
        let key_id = self.keys.current_id();
        let signed_part = format!("{VERSION}.{key_id}.{}", Base64::UrlUnpadded.encode(&json));
        if signed_part.len() + 1 + MAC_TEXT_LEN > MAX_LEN {
            return Err(TokenError::Invalid("signed token too long"));
        }
        let (_, mac) = self.keys.mac_current(&[CONTEXT, signed_part.as_bytes()]);
        Ok(SecretString::new(format!(
            "{signed_part}.{}",
            Base64::UrlUnpadded.encode(&mac)
        )))
    }

    /// Verifies `token` and checks it against `check` at `now`.
    ///
    /// # Errors
    /// In the order checked: [`TokenError::Malformed`] for anything not in the format;
    /// [`TokenError::UnknownKeyId`] for a key not in the ring; [`TokenError::BadSignature`];
    /// [`TokenError::WrongPurpose`]; [`TokenError::WrongSubject`]; [`TokenError::Expired`].
    pub fn verify(
        &self,
        token: &str,
        check: &SignedCheck<'_>,
        now: OffsetDateTime,
    ) -> Result<SignedClaims, TokenError> {
        let malformed = TokenError::Malformed(Format::SignedToken);
        if token.len() > MAX_LEN {
            return Err(malformed);
        }
        let (signed_part, mac_text) = token.rsplit_once('.').ok_or(malformed)?;
        let mut parts = signed_part.split('.');
        let (Some(version), Some(key_id), Some(payload_text), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed);
        };
        if version != VERSION || !KeyId::valid(key_id.as_bytes()) || mac_text.len() != MAC_TEXT_LEN
        {
            return Err(malformed);
        }
        let presented_mac = Base64::UrlUnpadded
            .decode(mac_text)
            .map_err(|_| malformed)?;
        let payload_json = Base64::UrlUnpadded
            .decode(payload_text)
            .map_err(|_| malformed)?;
        let expected_mac = self
            .keys
            .mac_with(key_id, &[CONTEXT, signed_part.as_bytes()])
            .ok_or(TokenError::UnknownKeyId)?;
        if !ct_eq(&expected_mac, &presented_mac) {
            return Err(TokenError::BadSignature);
        }
        let payload: Payload = serde_json::from_slice(&payload_json).map_err(|_| malformed)?;
        let issued_at = OffsetDateTime::from_unix_timestamp(payload.iat).map_err(|_| malformed)?;
        let expires_at = OffsetDateTime::from_unix_timestamp(payload.exp).map_err(|_| malformed)?;
        if payload.pur != check.purpose {
            return Err(TokenError::WrongPurpose);
        }
        if check.subject.is_some_and(|s| s != payload.sub) {
            return Err(TokenError::WrongSubject);
        }
        if now >= expires_at {
            return Err(TokenError::Expired);
        }
        Ok(SignedClaims {
            purpose: payload.pur,
            subject: payload.sub,
            issued_at,
            expires_at,
            jti: payload.jti,
            data: payload.dat,
            key_id: KeyId::new(key_id).map_err(|_| malformed)?,
        })
    }
}
