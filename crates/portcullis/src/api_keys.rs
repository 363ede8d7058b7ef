//! End-user API keys on a store (PropelAuth's end-user API keys, Riskalyze's key
//! authentication): create, validate, list active or archived, revoke.
//!
//! The key text (`<prefix><id>_<secret><crc32>`, see `portcullis_token::api_key`) is
//! shown once; the store keeps its record with only the secret's digest, found by the
//! key id. Validation refuses a key whose checksum is wrong before any store read
//! (typos and scanner noise cost nothing), and a key id with no record costs the same
//! digest work as a known one.

use portcullis_core::{CryptoRng, OffsetDateTime, SecretString};
use portcullis_store::{Listing, PageRequest, StatusFilter, Store, StoreError};
use portcullis_token::TokenError;
use portcullis_token::api_key::{ApiKeyPrefix, ApiKeyRecord, ApiKeyStatus, NewApiKey, Owner};

use crate::flows::Portcullis;

/// Why an API-key call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiKeyError {
    /// The presented key was refused: malformed, bad checksum, unknown, wrong secret,
    /// revoked, expired.
    #[error(transparent)]
    Token(TokenError),
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
}

/// A key just created: show `key` once.
#[derive(Debug)]
pub struct CreatedKey {
    /// The key text (a secret).
    pub key: SecretString,
    /// The stored record (digest only).
    pub record: ApiKeyRecord,
}

/// Which keys a listing returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyListing {
    /// Usable keys.
    Active,
    /// Revoked or expired keys (PropelAuth's "archived").
    Archived,
}

impl<S: Store> Portcullis<S> {
    /// Creates a key for the owner in `new` under `prefix` (e.g. `pcl_live_`).
    ///
    /// # Errors
    /// [`ApiKeyError::Token`] for an owner with neither user nor organisation or an
    /// expiry in the past; a store failure.
    pub async fn create_api_key<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        prefix: &ApiKeyPrefix,
        new: NewApiKey,
        now: OffsetDateTime,
    ) -> Result<CreatedKey, ApiKeyError> {
        let (key, record) = self
            .api_keys
            .issue(rng, prefix, new, now)
            .map_err(ApiKeyError::Token)?;
        self.store
            .create_credential(&record)
            .await
            .map_err(ApiKeyError::Store)?;
        Ok(CreatedKey {
            key: key.render(),
            record,
        })
    }

    /// Validates a presented key and returns its record (owner, name, metadata).
    ///
    /// # Errors
    /// [`ApiKeyError::Token`] naming the refusal; a store failure.
    pub async fn validate_api_key(
        &self,
        presented: &str,
        now: OffsetDateTime,
    ) -> Result<ApiKeyRecord, ApiKeyError> {
        let keys = &self.api_keys;
        let parsed = portcullis_token::api_key::PresentedApiKey::parse_any(presented)
            .map_err(ApiKeyError::Token)?;
        let record = match self
            .store
            .get_credential::<ApiKeyRecord>(parsed.key_id())
            .await
        {
            Ok(record) => record,
            Err(StoreError::NotFound) => {
                return Err(ApiKeyError::Token(keys.refuse_unknown(&parsed)));
            }
            Err(other) => return Err(ApiKeyError::Store(other)),
        };
        keys.validate(&record, &parsed, now)
            .map_err(ApiKeyError::Token)?;
        Ok(record)
    }

    /// The owner's keys, active or archived, newest first.
    ///
    /// # Errors
    /// A store failure.
    pub async fn list_api_keys(
        &self,
        owner: &Owner,
        which: KeyListing,
        now: OffsetDateTime,
        page: PageRequest,
    ) -> Result<Listing<ApiKeyRecord>, ApiKeyError> {
        let filter = match which {
            KeyListing::Active => StatusFilter::Only(ApiKeyStatus::Active),
            KeyListing::Archived => StatusFilter::All,
        };
        let mut listing = self
            .store
            .list_credentials::<ApiKeyRecord>(owner, filter, now, page)
            .await
            .map_err(ApiKeyError::Store)?;
        if which == KeyListing::Archived {
            listing
                .items
                .retain(|k| k.status(now) != ApiKeyStatus::Active);
            listing.total = None;
        }
        Ok(listing)
    }

    /// Revokes a key by its id; it stops validating at once.
    ///
    /// # Errors
    /// [`ApiKeyError::Store`] with [`StoreError::NotFound`] for an unknown id.
    pub async fn revoke_api_key(
        &self,
        key_id: &str,
        now: OffsetDateTime,
    ) -> Result<ApiKeyRecord, ApiKeyError> {
        self.store
            .revoke_credential::<ApiKeyRecord>(key_id, now)
            .await
            .map_err(ApiKeyError::Store)
    }
}
