//! The values the traits take and return, and how the primitive crates' records map
//! onto the store's indexed columns.

use portcullis_core::OffsetDateTime;
use portcullis_otp::{GrantKind, GrantRecord, PasscodeRecord};
use portcullis_token::api_key::{ApiKeyRecord, ApiKeyStatus, Owner};
use portcullis_token::client_secret::ClientSecretRecord;
use portcullis_token::invite::InviteRecord;
use portcullis_token::{Metadata, SecretDigest, TokenRecord};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::StoreError;

/// Instants are kept as signed 64-bit Unix nanoseconds in every backend: exact for
/// every timestamp a record carries, and comparable as plain integers in SQL and Lua.
/// The range is the years 1677 to 2262; later instants (an API key that never
/// expires, a far-future expiry) saturate to the end of the range.
pub(crate) fn nanos(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos()).unwrap_or(if at.unix_timestamp() < 0 {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// The instant of `n` Unix nanoseconds (every `i64` is in range).
pub(crate) fn from_nanos(n: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(n)).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A connection URL for `Debug` output: any user information (which may hold a
/// password) is replaced by `[redacted]`.
#[cfg(any(feature = "postgres", feature = "redis"))]
pub(crate) fn redact_url(url: &str) -> String {
    match (url.split_once("://"), url.rfind('@')) {
        (Some((scheme, rest)), Some(_)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://[redacted]@{host}"),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

pub(crate) fn secs_to_nanos(secs: i64) -> i64 {
    secs.saturating_mul(1_000_000_000)
}

/// Which page of a listing to return, and whether to count all matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Page number, from 1.
    pub number: u32,
    /// Rows per page, 1 to [`PageRequest::MAX_SIZE`].
    pub size: u32,
    /// Also count every matching row (one more query on SQL backends).
    pub with_total: bool,
}

impl PageRequest {
    /// Largest page size accepted.
    pub const MAX_SIZE: u32 = 1000;

    /// Page `number` (from 1) of `size` rows, without a total.
    #[must_use]
    pub const fn new(number: u32, size: u32) -> Self {
        Self {
            number,
            size,
            with_total: false,
        }
    }

    /// The same page, with the total count of matches.
    #[must_use]
    pub const fn with_total(mut self) -> Self {
        self.with_total = true;
        self
    }

    /// Rows to skip and rows to take, after checking the bounds.
    pub(crate) fn window(&self) -> Result<(u64, u64), StoreError> {
        if self.number == 0 {
            return Err(StoreError::Invalid("page numbers start at 1"));
        }
        if self.size == 0 || self.size > Self::MAX_SIZE {
            return Err(StoreError::Invalid("page size must be 1 to 1000"));
        }
        Ok((
            u64::from(self.number - 1) * u64::from(self.size),
            u64::from(self.size),
        ))
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::new(1, 50)
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// Every matching row, when the request asked for it.
    pub total: Option<u64>,
}

/// The state a store keeps beside a single-use record and changes atomically:
/// consumed, revoked, attempts counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UseState {
    /// When it was consumed.
    pub consumed_at: Option<OffsetDateTime>,
    /// When it was revoked.
    pub revoked_at: Option<OffsetDateTime>,
    /// Attempts counted so far, including one in progress.
    pub attempts: u32,
    /// Whether the returned record was just counted by
    /// [`SingleUseStore::count_attempt`](crate::SingleUseStore::count_attempt): the
    /// attempt being made is included in `attempts` and has not been judged yet.
    pub attempt_in_progress: bool,
}

/// A record a [`SingleUseStore`](crate::SingleUseStore) can hold: it names its lookup
/// key and the columns the store indexes, and takes back the state the store changes.
///
/// Implemented for [`TokenRecord`] (magic links, reset and verification tokens),
/// [`InviteRecord`], [`PasscodeRecord`] (emailed and texted codes) and [`GrantRecord`]
/// (step-up grants). Each kind lives in its own key space.
pub trait SingleUseRecord: Clone + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The key space: `token`, `invite`, `passcode`, `grant`.
    const KIND: &'static str;
    /// The lookup key. Not a secret: a token id, a digest, a destination.
    fn key(&self) -> String;
    /// Whom it was issued to (indexed for revocation by subject).
    fn subject(&self) -> &str;
    /// What it is for (indexed with the subject).
    fn purpose(&self) -> &str;
    /// The organisation or project it is valid in.
    fn scope(&self) -> Option<&str> {
        None
    }
    /// The first instant it is no longer valid.
    fn expires_at(&self) -> OffsetDateTime;
    /// Attempts allowed before it dies, if attempts are counted at all.
    fn max_attempts(&self) -> Option<u32>;
    /// The state as issued (normally nothing consumed, revoked or counted).
    fn use_state(&self) -> UseState;
    /// Writes the store's state back into the record.
    fn apply_use_state(&mut self, state: &UseState);
}

fn secs(at: i64) -> OffsetDateTime {
    from_nanos(secs_to_nanos(at))
}

fn unix_secs(at: OffsetDateTime) -> i64 {
    at.unix_timestamp()
}

impl SingleUseRecord for TokenRecord {
    const KIND: &'static str = "token";

    /// The token id: records are found by the id of the presented token, and the
    /// secret is then judged against the record's digest (`SingleUseTokens::redeem`).
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn subject(&self) -> &str {
        &self.subject
    }
    fn purpose(&self) -> &str {
        self.purpose.as_str()
    }
    fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }
    fn expires_at(&self) -> OffsetDateTime {
        self.expires_at
    }
    fn max_attempts(&self) -> Option<u32> {
        self.code.as_ref().map(|code| code.max_attempts)
    }
    fn use_state(&self) -> UseState {
        UseState {
            consumed_at: self.consumed_at,
            revoked_at: self.revoked_at,
            attempts: self.code.as_ref().map_or(0, |code| code.failed_attempts),
            attempt_in_progress: false,
        }
    }
    /// `failed_attempts` becomes the attempts counted before the one in progress:
    /// each of them either failed or is still being judged (a right code consumes the
    /// token), which is what `SingleUseTokens::redeem_code` compares with its limit.
    fn apply_use_state(&mut self, state: &UseState) {
        self.consumed_at = state.consumed_at;
        self.revoked_at = state.revoked_at;
        if let Some(code) = &mut self.code {
            code.failed_attempts = state
                .attempts
                .saturating_sub(u32::from(state.attempt_in_progress));
        }
    }
}

impl SingleUseRecord for InviteRecord {
    const KIND: &'static str = "invite";

    fn key(&self) -> String {
        self.token.key()
    }
    fn subject(&self) -> &str {
        &self.token.subject
    }
    fn purpose(&self) -> &str {
        self.token.purpose.as_str()
    }
    fn scope(&self) -> Option<&str> {
        self.token.scope.as_deref()
    }
    fn expires_at(&self) -> OffsetDateTime {
        self.token.expires_at
    }
    fn max_attempts(&self) -> Option<u32> {
        self.token.max_attempts()
    }
    fn use_state(&self) -> UseState {
        self.token.use_state()
    }
    fn apply_use_state(&mut self, state: &UseState) {
        self.token.apply_use_state(state);
    }
}

impl SingleUseRecord for PasscodeRecord {
    const KIND: &'static str = "passcode";

    /// `<channel>:<address>`: one outstanding code per destination (issuing another
    /// replaces it), and wrong codes are counted against the destination's record,
    /// which a digest of the typed code could not find.
    fn key(&self) -> String {
        format!(
            "{}:{}",
            self.destination.channel(),
            self.destination.address()
        )
    }
    fn subject(&self) -> &str {
        self.destination.address()
    }
    fn purpose(&self) -> &str {
        self.destination.channel()
    }
    fn expires_at(&self) -> OffsetDateTime {
        secs(self.expires_at)
    }
    fn max_attempts(&self) -> Option<u32> {
        Some(u32::from(self.max_attempts))
    }
    fn use_state(&self) -> UseState {
        UseState {
            consumed_at: self.used_at.map(secs),
            revoked_at: None,
            attempts: self.attempts,
            attempt_in_progress: false,
        }
    }
    fn apply_use_state(&mut self, state: &UseState) {
        self.used_at = state.consumed_at.or(state.revoked_at).map(unix_secs);
        self.attempts = state.attempts;
    }
}

impl SingleUseRecord for GrantRecord {
    const KIND: &'static str = "grant";

    /// The grant's digest (`portcullis_otp::stepup::grant_digest` of the presented
    /// token).
    fn key(&self) -> String {
        self.digest.clone()
    }
    fn subject(&self) -> &str {
        &self.user_id
    }
    fn purpose(&self) -> &str {
        &self.action_type
    }
    fn expires_at(&self) -> OffsetDateTime {
        secs(self.expires_at)
    }
    fn max_attempts(&self) -> Option<u32> {
        None
    }
    fn use_state(&self) -> UseState {
        UseState {
            consumed_at: self.used_at.map(secs),
            ..UseState::default()
        }
    }
    fn apply_use_state(&mut self, state: &UseState) {
        if self.kind == GrantKind::OneTimeUse || state.consumed_at.is_some() {
            self.used_at = state.consumed_at.or(state.revoked_at).map(unix_secs);
        }
    }
}

/// A refresh-token family: the chain of refresh tokens issued from one sign-in, of
/// which only the newest (`current`) may be exchanged. Only digests are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshFamily {
    /// Public identifier of the family.
    pub family_id: String,
    /// Whom the family's tokens are issued to.
    pub subject: String,
    /// Digest of the one refresh token that may be exchanged now.
    pub current: SecretDigest,
    /// Digest of the token it replaced, accepted again only within the grace window.
    #[serde(default)]
    pub previous: Option<SecretDigest>,
    /// When `current` replaced `previous`.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub rotated_at: Option<OffsetDateTime>,
    /// When the family was started.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Absolute end of the family, however often it rotates.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// When the family was revoked (sign-out, reuse detected).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    /// Caller data carried with the family (scopes, client id), opaque to the store.
    #[serde(default)]
    pub payload: serde_json::Value,
}

impl RefreshFamily {
    /// A new family whose first token has digest `current`.
    #[must_use]
    pub fn new(
        family_id: impl Into<String>,
        subject: impl Into<String>,
        current: SecretDigest,
        created_at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Self {
        Self {
            family_id: family_id.into(),
            subject: subject.into(),
            current,
            previous: None,
            rotated_at: None,
            created_at,
            expires_at,
            revoked_at: None,
            payload: serde_json::Value::Null,
        }
    }
}

/// What [`RefreshFamilyStore::rotate`](crate::RefreshFamilyStore::rotate) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The presented token was the current one; the successor is now current.
    Rotated(RefreshFamily),
    /// The presented token is the one just replaced and the rotation is within the
    /// grace window (a concurrent or retried request): nothing was written, and the
    /// caller answers with the successor it derives again from the presented token,
    /// which is the family's `current`.
    Grace(RefreshFamily),
    /// The presented token was replaced earlier (outside the grace window) or never
    /// belonged to the family: the family is now revoked, in the same atomic step.
    Reused,
    /// The family was already revoked.
    Revoked,
    /// The family is past its absolute expiry.
    Expired,
    /// No such family.
    NotFound,
}

/// A long-lived credential a [`CredentialStore`](crate::CredentialStore) can hold:
/// API keys and M2M clients, listed per owner and revoked, never consumed.
pub trait Credential: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The key space: `api_key`, `client`.
    const KIND: &'static str;
    /// The public lookup id.
    fn id(&self) -> &str;
    /// Whom it belongs to.
    fn owner(&self) -> &Owner;
    /// When it was made.
    fn created_at(&self) -> OffsetDateTime;
    /// When it stops working, if ever.
    fn expires_at(&self) -> Option<OffsetDateTime>;
    /// When it was revoked.
    fn revoked_at(&self) -> Option<OffsetDateTime>;
    /// Sets the revocation time (the store's column is the authority).
    fn set_revoked_at(&mut self, at: Option<OffsetDateTime>);
    /// Its label.
    fn name(&self) -> Option<&str>;
    /// Sets the label.
    fn set_name(&mut self, name: Option<String>);
    /// Its caller data.
    fn metadata(&self) -> &Metadata;
    /// Sets the caller data.
    fn set_metadata(&mut self, metadata: Metadata);
    /// What a compare-and-swap ([`CredentialStore::replace_credential`](crate::CredentialStore::replace_credential))
    /// compares: the secret digests, which change on every rotation.
    fn fingerprint(&self) -> String;

    /// Its status at `now`; revocation wins over expiry.
    fn status(&self, now: OffsetDateTime) -> ApiKeyStatus {
        if self.revoked_at().is_some() {
            ApiKeyStatus::Revoked
        } else if self.expires_at().is_some_and(|at| now >= at) {
            ApiKeyStatus::Expired
        } else {
            ApiKeyStatus::Active
        }
    }
}

impl Credential for ApiKeyRecord {
    const KIND: &'static str = "api_key";

    fn id(&self) -> &str {
        &self.key_id
    }
    fn owner(&self) -> &Owner {
        &self.owner
    }
    fn created_at(&self) -> OffsetDateTime {
        self.created_at
    }
    fn expires_at(&self) -> Option<OffsetDateTime> {
        self.expires_at
    }
    fn revoked_at(&self) -> Option<OffsetDateTime> {
        self.revoked_at
    }
    fn set_revoked_at(&mut self, at: Option<OffsetDateTime>) {
        self.revoked_at = at;
    }
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    fn set_name(&mut self, name: Option<String>) {
        self.name = name;
    }
    fn metadata(&self) -> &Metadata {
        &self.metadata
    }
    fn set_metadata(&mut self, metadata: Metadata) {
        self.metadata = metadata;
    }
    fn fingerprint(&self) -> String {
        self.digest.to_string()
    }
}

/// An M2M client as stored: the client-secret record of `portcullis-token` (which
/// holds only the secrets) with what a listing per owner needs beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientRecord {
    /// The client's secrets (current, and next during a rotation); its `client_id`
    /// is the lookup id.
    pub secrets: ClientSecretRecord,
    /// Whom the client belongs to.
    pub owner: Owner,
    /// A label (Stytch `client_name`).
    #[serde(default)]
    pub name: Option<String>,
    /// Caller data (Stytch `trusted_metadata`).
    #[serde(default)]
    pub metadata: Metadata,
    /// When the client was made.
    #[serde(with = "time::serde::timestamp")]
    pub created_at: OffsetDateTime,
    /// When it was revoked.
    #[serde(default, with = "time::serde::timestamp::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

impl ClientRecord {
    /// A client owned by `owner` with these secrets, made at `created_at`.
    #[must_use]
    pub fn new(secrets: ClientSecretRecord, owner: Owner, created_at: OffsetDateTime) -> Self {
        Self {
            secrets,
            owner,
            name: None,
            metadata: Metadata::new(),
            created_at,
            revoked_at: None,
        }
    }
}

impl Credential for ClientRecord {
    const KIND: &'static str = "client";

    fn id(&self) -> &str {
        &self.secrets.client_id
    }
    fn owner(&self) -> &Owner {
        &self.owner
    }
    fn created_at(&self) -> OffsetDateTime {
        self.created_at
    }
    fn expires_at(&self) -> Option<OffsetDateTime> {
        None
    }
    fn revoked_at(&self) -> Option<OffsetDateTime> {
        self.revoked_at
    }
    fn set_revoked_at(&mut self, at: Option<OffsetDateTime>) {
        self.revoked_at = at;
    }
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    fn set_name(&mut self, name: Option<String>) {
        self.name = name;
    }
    fn metadata(&self) -> &Metadata {
        &self.metadata
    }
    fn set_metadata(&mut self, metadata: Metadata) {
        self.metadata = metadata;
    }
    fn fingerprint(&self) -> String {
        match &self.secrets.next {
            Some(next) => format!("{},{}", self.secrets.current.digest, next.digest),
            None => self.secrets.current.digest.to_string(),
        }
    }
}

/// A change to a credential's label and caller data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialUpdate {
    /// `Some(label)` sets the label (`Some(None)` clears it); `None` leaves it.
    pub name: Option<Option<String>>,
    /// `Some` replaces the caller data; `None` leaves it.
    pub metadata: Option<Metadata>,
}

/// Which credentials of an owner to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusFilter {
    /// Every one.
    All,
    /// Only those with this status at the listing's `now`.
    Only(ApiKeyStatus),
}

pub(crate) fn credential_matches(status: ApiKeyStatus, filter: StatusFilter) -> bool {
    match filter {
        StatusFilter::All => true,
        StatusFilter::Only(wanted) => status == wanted,
    }
}

/// Whether `owner` is selected by `wanted`: each field `wanted` sets must be equal.
pub(crate) fn owner_matches(owner: &Owner, wanted: &Owner) -> bool {
    wanted
        .user_id
        .as_ref()
        .is_none_or(|u| owner.user_id.as_ref() == Some(u))
        && wanted
            .org_id
            .as_ref()
            .is_none_or(|o| owner.org_id.as_ref() == Some(o))
}

pub(crate) fn check_owner_filter(wanted: &Owner) -> Result<(), StoreError> {
    if wanted.user_id.is_none() && wanted.org_id.is_none() {
        return Err(StoreError::Invalid(
            "an owner filter needs a user or an org",
        ));
    }
    Ok(())
}

#[cfg(all(test, any(feature = "postgres", feature = "redis")))]
mod tests {
    use super::redact_url;

    #[test]
    fn urls_lose_their_user_information() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db:5432/auth"),
            "postgres://[redacted]@db:5432/auth"
        );
        assert_eq!(
            redact_url("redis://:pw@127.0.0.1:6379/0"),
            "redis://[redacted]@127.0.0.1:6379/0"
        );
        assert_eq!(
            redact_url("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
    }
}
