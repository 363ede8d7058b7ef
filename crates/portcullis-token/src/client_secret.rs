//! Client secrets for machine-to-machine clients, with rotation.
//!
//! Modelled on Stytch's M2M clients and connected apps (`secrets/rotate/start`,
//! `secrets/rotate/cancel`, `secrets/rotate`; `client_secret_last_four`,
//! `next_client_secret_last_four`) and ForgeRock's single-step `apps/refresh`.
//!
//! A secret is 32 random bytes, rendered as 43 base64url characters, shown once and
//! stored as a [`SecretDigest`] with its last four characters. Rotation has three
//! steps so that clients can move without downtime:
//!
//! 1. [`start_rotation`](ClientSecrets::start_rotation) makes a *next* secret; the
//!    current and the next both authenticate while clients are redeployed;
//! 2. [`complete_rotation`](ClientSecrets::complete_rotation) promotes the next secret
//!    to current and drops the old one, or
//!    [`cancel_rotation`](ClientSecrets::cancel_rotation) drops the next one.
//!
//! [`regenerate`](ClientSecrets::regenerate) replaces the secret at once (ForgeRock):
//! the old one stops working immediately.
//!
//! ```
//! use portcullis_core::OffsetDateTime;
//! use portcullis_token::client_secret::{ClientSecrets, Matched};
//! use portcullis_token::{Digester, TokenError};
//! # use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
//! # let mut rng = ChaCha20Rng::seed_from_u64(1);
//! let secrets = ClientSecrets::new(Digester::Sha256);
//! let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
//!
//! let (old, mut record) = secrets.create(&mut rng, "client_1", now);
//! let new = secrets.start_rotation(&mut rng, &mut record, now)?;
//! assert_eq!(secrets.verify(&record, old.expose_secret())?, Matched::Current);
//! assert_eq!(secrets.verify(&record, new.expose_secret())?, Matched::Next);
//!
//! secrets.complete_rotation(&mut record)?;
//! assert_eq!(secrets.verify(&record, new.expose_secret())?, Matched::Current);
//! assert_eq!(secrets.verify(&record, old.expose_secret()), Err(TokenError::InvalidSecret));
//! # Ok::<(), TokenError>(())
//! ```

use portcullis_core::{CryptoRng, OffsetDateTime, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::{Format, TokenError};
use crate::opaque::{Digester, SecretDigest, TokenSecret};

/// One stored secret: its digest, last four characters and creation time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSecret {
    /// Digest of the secret.
    pub digest: SecretDigest,
    /// The secret's last four characters (Stytch `client_secret_last_four`).
    pub last_four: String,
    /// When it was made (Unix seconds when serialized).
    #[serde(with = "time::serde::timestamp")]
    pub created_at: OffsetDateTime,
}

/// The stored secrets of one client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSecretRecord {
    /// The client.
    pub client_id: String,
    /// The secret in force.
    pub current: StoredSecret,
    /// The secret being rotated in, if a rotation is in progress.
    #[serde(default)]
    pub next: Option<StoredSecret>,
}

/// Which stored secret a presented one matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matched {
    /// The current secret.
    Current,
    /// The next secret of a rotation in progress.
    Next,
}

/// Makes, rotates and verifies client secrets. Sans-I/O: records are changed in place
/// for the caller to store.
#[derive(Debug, Clone)]
pub struct ClientSecrets {
    digester: Digester,
}

impl ClientSecrets {
    /// Secrets digested by `digester`.
    #[must_use]
    pub const fn new(digester: Digester) -> Self {
        Self { digester }
    }

    /// A first secret for `client_id`, and the record to store.
    pub fn create<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        client_id: impl Into<String>,
        now: OffsetDateTime,
    ) -> (SecretString, ClientSecretRecord) {
        let (secret, stored) = self.fresh(rng, now);
        let record = ClientSecretRecord {
            client_id: client_id.into(),
            current: stored,
            next: None,
        };
        (secret, record)
    }

    /// Starts a rotation: returns the next secret, which authenticates alongside the
    /// current one until the rotation completes or is cancelled.
    ///
    /// # Errors
    /// [`TokenError::RotationInProgress`], leaving the record unchanged.
    pub fn start_rotation<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        record: &mut ClientSecretRecord,
        now: OffsetDateTime,
    ) -> Result<SecretString, TokenError> {
        if record.next.is_some() {
            return Err(TokenError::RotationInProgress);
        }
        let (secret, stored) = self.fresh(rng, now);
        record.next = Some(stored);
        Ok(secret)
    }

    /// Drops the next secret.
    ///
    /// # Errors
    /// [`TokenError::NoRotationInProgress`].
    pub fn cancel_rotation(&self, record: &mut ClientSecretRecord) -> Result<(), TokenError> {
        record
            .next
            .take()
            .map(|_| ())
            .ok_or(TokenError::NoRotationInProgress)
    }

    /// Promotes the next secret to current; the old current secret stops working.
    ///
    /// # Errors
    /// [`TokenError::NoRotationInProgress`].
    pub fn complete_rotation(&self, record: &mut ClientSecretRecord) -> Result<(), TokenError> {
        let next = record.next.take().ok_or(TokenError::NoRotationInProgress)?;
        record.current = next;
        Ok(())
    }

    /// Replaces the secret in one step (ForgeRock `apps/refresh`): the old secret, and
    /// any rotation in progress, stop working at once.
    pub fn regenerate<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        record: &mut ClientSecretRecord,
        now: OffsetDateTime,
    ) -> SecretString {
        let (secret, stored) = self.fresh(rng, now);
        record.current = stored;
        record.next = None;
        secret
    }

    /// Checks a presented secret against the current and, during a rotation, the next
    /// secret. Both comparisons always run, in constant time.
    ///
    /// # Errors
    /// [`TokenError::Malformed`] with [`Format::ClientSecret`] when `presented` is not
    /// 43 base64url characters; [`TokenError::InvalidSecret`] when it matches neither;
    /// [`TokenError::UnknownKeyId`] when a digest names a key missing from the ring.
    pub fn verify(
        &self,
        record: &ClientSecretRecord,
        presented: &str,
    ) -> Result<Matched, TokenError> {
        let secret = TokenSecret::parse(presented, Format::ClientSecret)?;
        let bytes = secret.expose_secret();
        let current = self.digester.matches(&record.current.digest, bytes)?;
        // Without a rotation, compare against the current digest again so the work done
        // does not reveal whether a rotation is in progress.
        let next_digest = record
            .next
            .as_ref()
            .map_or(&record.current.digest, |n| &n.digest);
        let next = self.digester.matches(next_digest, bytes)?
            & subtle::Choice::from(u8::from(record.next.is_some()));
        if bool::from(current) {
            Ok(Matched::Current)
        } else if bool::from(next) {
            Ok(Matched::Next)
        } else {
            Err(TokenError::InvalidSecret)
        }
    }

    fn fresh<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        now: OffsetDateTime,
    ) -> (SecretString, StoredSecret) {
        let secret = TokenSecret::generate(rng);
        let text = secret.render();
        let shown = text.expose_secret();
        let stored = StoredSecret {
            digest: self.digester.digest(&secret),
            last_four: shown[shown.len() - 4..].to_owned(),
            created_at: now,
        };
        (text, stored)
    }
}
