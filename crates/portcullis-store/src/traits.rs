//! The storage traits: one per concern, each operation atomic on the backend.
//!
//! Every method returns a `Send` future, so stores can be shared across tasks of a
//! multi-threaded runtime. The traits use generic methods (the record type is a
//! parameter), so code that uses a store is generic over it (`S: SessionStore`)
//! rather than holding a `dyn` object.

use std::future::Future;

use portcullis_core::{Duration, OffsetDateTime};
use portcullis_otp::{RecoveryCodeSet, Step};
use portcullis_session::{Session, Status, Termination};
use portcullis_token::SecretDigest;
use portcullis_token::api_key::Owner;

use crate::StoreError;
use crate::model::{
    Credential, CredentialUpdate, Listing, PageRequest, RefreshFamily, Rotation, SingleUseRecord,
    StatusFilter,
};

/// Single-use secrets: magic links, reset and verification tokens, invites, emailed
/// and texted codes, step-up grants.
///
/// A record is found by its [`key`](SingleUseRecord::key) within its kind. Every
/// check that can refuse (`peek`, `consume`, `count_attempt`) refuses in this order:
/// [`StoreError::NotFound`], [`StoreError::Revoked`], [`StoreError::AlreadyUsed`],
/// [`StoreError::Expired`], [`StoreError::TooManyAttempts`].
pub trait SingleUseStore: Send + Sync {
    /// Stores `record` (replacing any record of its kind under the same key), with the
    /// state it carries. It is kept until its expiry at least.
    fn put<R: SingleUseRecord>(
        &self,
        record: &R,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The record, if it could still be used at `now`. Changes nothing.
    fn peek<R: SingleUseRecord>(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<R, StoreError>> + Send;

    /// Marks the record consumed at `now` and returns it, if it was live; exactly one
    /// of any number of concurrent calls succeeds.
    fn consume<R: SingleUseRecord>(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<R, StoreError>> + Send;

    /// Counts one attempt at a code and returns the record with the attempt counted,
    /// in the same atomic step as the checks: once `max_attempts` attempts are
    /// counted, every later call refuses with [`StoreError::TooManyAttempts`] without
    /// counting. Count before judging the code, so parallel guesses each spend one.
    fn count_attempt<R: SingleUseRecord>(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<R, StoreError>> + Send;

    /// Revokes one record (idempotent: the first revocation time is kept) and returns
    /// it.
    fn revoke<R: SingleUseRecord>(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<R, StoreError>> + Send;

    /// Revokes every live record of the kind issued to `subject` for `purpose` (in
    /// `scope`, or in any scope when `None`): Stytch's `revoke_invite` by address.
    /// Returns how many were revoked.
    fn revoke_for_subject<R: SingleUseRecord>(
        &self,
        subject: &str,
        purpose: &str,
        scope: Option<&str>,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

/// The TOTP replay guard: the last accepted time step per factor, moved only upward.
pub trait TotpStepStore: Send + Sync {
    /// Records `step` as used if it is greater than the stored one (or none is
    /// stored): true when this call moved it, false for a replay or an older step.
    /// Of concurrent calls with the same step, exactly one gets true. `keep_until` is
    /// when the step leaves the verification window; the guard may be dropped after.
    fn advance_step(
        &self,
        factor_id: &str,
        step: Step,
        keep_until: OffsetDateTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The last accepted step, if any.
    fn last_step(
        &self,
        factor_id: &str,
    ) -> impl Future<Output = Result<Option<Step>, StoreError>> + Send;
}

/// Recovery codes: one set per user, each code consumed once.
pub trait RecoveryCodeStore: Send + Sync {
    /// Replaces the user's set whole (enrolment, regeneration).
    fn replace_codes(
        &self,
        user_id: &str,
        set: &RecoveryCodeSet,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The user's set, with the used marks.
    fn get_codes(
        &self,
        user_id: &str,
    ) -> impl Future<Output = Result<RecoveryCodeSet, StoreError>> + Send;

    /// Marks the code with `digest` used at `now`, if it is unused, and returns how
    /// many unused codes remain. [`StoreError::AlreadyUsed`] when it was used (by a
    /// concurrent call, say), [`StoreError::NotFound`] when the set has no such code.
    fn consume_code(
        &self,
        user_id: &str,
        digest: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Unused codes in the user's set (0 when there is none).
    fn remaining_codes(
        &self,
        user_id: &str,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Deletes the user's set (second factor removed); false when there was none.
    fn delete_codes(&self, user_id: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// A counter's value after an increment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// The count within the current window, this increment included.
    pub count: u64,
    /// When the window ends and the count starts again from zero.
    pub resets_at: OffsetDateTime,
}

/// Fixed-window counters for throttling and lockout.
pub trait CounterStore: Send + Sync {
    /// Adds one to `key`. The first increment (or the first after the window ended)
    /// starts a window of `window` from `now`.
    fn increment(
        &self,
        key: &str,
        window: Duration,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Count, StoreError>> + Send;

    /// The count in the window running at `now` (0 when none is).
    fn count(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Drops the counter (a successful sign-in resets the failure count).
    fn reset(&self, key: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The JWT deny-list: revoked token ids until the tokens would have expired anyway.
pub trait DenyListStore: Send + Sync {
    /// Denies `key` until `expires_at` (the token's `exp`). For JWTs the key is
    /// `portcullis_jwt::revocation::deny_list_key(iss, jti)`, since a `jti` is unique
    /// only per issuer.
    fn deny(
        &self,
        key: &str,
        expires_at: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Whether `key` is denied at `now`.
    fn is_denied(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// Refresh-token families with rotation, a grace window and reuse detection.
pub trait RefreshFamilyStore: Send + Sync {
    /// Stores a new family; [`StoreError::Conflict`] if the id is taken.
    fn create_family(
        &self,
        family: &RefreshFamily,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The family, whatever its state.
    fn get_family(
        &self,
        family_id: &str,
    ) -> impl Future<Output = Result<RefreshFamily, StoreError>> + Send;

    /// Exchanges the presented token for its successor, in one atomic step: see
    /// [`Rotation`] for the outcomes. `presented` is the token's digest under every key
    /// it may have been stored under (`Digester::lookup_digests`, current key first), so
    /// that a family written before an HMAC key rotation is matched rather than judged
    /// reused; any of them matching counts. `grace` is how long after a rotation the
    /// replaced token still yields [`Rotation::Grace`].
    fn rotate(
        &self,
        family_id: &str,
        presented: &[SecretDigest],
        successor: &SecretDigest,
        now: OffsetDateTime,
        grace: Duration,
    ) -> impl Future<Output = Result<Rotation, StoreError>> + Send;

    /// Revokes the family; false if it already was.
    fn revoke_family(
        &self,
        family_id: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Revokes every family of `subject` (sign out everywhere); returns how many.
    fn revoke_families(
        &self,
        subject: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

/// API keys and M2M clients: created, found by id, listed per owner, relabelled,
/// rotated by compare-and-swap, revoked.
pub trait CredentialStore: Send + Sync {
    /// Stores a new credential; [`StoreError::Conflict`] if the id is taken.
    fn create_credential<R: Credential>(
        &self,
        record: &R,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The credential with this id, whatever its status.
    fn get_credential<R: Credential>(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<R, StoreError>> + Send;

    /// The owner's credentials with the filtered status at `now`, newest first. An
    /// owner with only a user id selects that user's credentials in any organisation;
    /// with only an org id, every credential of the organisation.
    fn list_credentials<R: Credential>(
        &self,
        owner: &Owner,
        filter: StatusFilter,
        now: OffsetDateTime,
        page: PageRequest,
    ) -> impl Future<Output = Result<Listing<R>, StoreError>> + Send;

    /// Changes the label or caller data and returns the credential.
    fn update_credential<R: Credential>(
        &self,
        id: &str,
        update: &CredentialUpdate,
    ) -> impl Future<Output = Result<R, StoreError>> + Send;

    /// Replaces the credential with `record` (a client-secret rotation step) if its
    /// [`fingerprint`](Credential::fingerprint) is still `expected` and it is not
    /// revoked: [`StoreError::Conflict`] when it changed since it was read. The label,
    /// caller data and revocation are kept from the store, not taken from `record`.
    fn replace_credential<R: Credential>(
        &self,
        id: &str,
        expected: &str,
        record: &R,
    ) -> impl Future<Output = Result<R, StoreError>> + Send;

    /// Revokes the credential (idempotent: the first time is kept) and returns it.
    fn revoke_credential<R: Credential>(
        &self,
        id: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<R, StoreError>> + Send;
}

/// Sessions (`portcullis-session`), found by id or by the digest of their token.
///
/// The store is the authority on `last_accessed_at`, `expires_at` and the
/// termination; a terminated session is never changed again.
pub trait SessionStore: Send + Sync {
    /// Stores a new session under the digest of its token;
    /// [`StoreError::Conflict`] if the id or the digest is taken.
    fn create_session(
        &self,
        session: &Session,
        token_digest: &SecretDigest,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The session with this id, whatever its status.
    fn get_session(
        &self,
        session_id: &str,
    ) -> impl Future<Output = Result<Session, StoreError>> + Send;

    /// The session whose token has this digest, whatever its status.
    fn get_session_by_token(
        &self,
        token_digest: &SecretDigest,
    ) -> impl Future<Output = Result<Session, StoreError>> + Send;

    /// Records a use: sets `last_accessed_at` and `expires_at`, unless the session was
    /// terminated ([`StoreError::Revoked`]). Returns the session as stored.
    fn touch_session(
        &self,
        session_id: &str,
        last_accessed_at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> impl Future<Output = Result<Session, StoreError>> + Send;

    /// Writes a changed session (factors added, claims updated, second factor
    /// completed), and with `new_token_digest` moves it to a new token (fixation
    /// defence: the old token stops finding it). Refused with [`StoreError::Revoked`]
    /// once the stored session is terminated.
    fn update_session(
        &self,
        session: &Session,
        new_token_digest: Option<&SecretDigest>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Terminates the session; false if it already was (the first termination is
    /// kept).
    fn revoke_session(
        &self,
        session_id: &str,
        termination: Termination,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Terminates every live session of the user except `except`; returns how many.
    fn revoke_sessions(
        &self,
        user_id: &str,
        except: Option<&str>,
        termination: Termination,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// The user's sessions with `status` at `now` (all when `None`), newest first.
    fn list_sessions(
        &self,
        user_id: &str,
        status: Option<Status>,
        now: OffsetDateTime,
        page: PageRequest,
    ) -> impl Future<Output = Result<Listing<Session>, StoreError>> + Send;

    /// Deletes sessions that expired or were terminated before `before`; returns how
    /// many.
    fn purge_sessions(
        &self,
        before: OffsetDateTime,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

/// Every trait at once: what the backends implement and the conformance suite runs.
pub trait Store:
    SingleUseStore
    + TotpStepStore
    + RecoveryCodeStore
    + CounterStore
    + DenyListStore
    + RefreshFamilyStore
    + CredentialStore
    + SessionStore
    + Clone
    + 'static
{
}

impl<T> Store for T where
    T: SingleUseStore
        + TotpStepStore
        + RecoveryCodeStore
        + CounterStore
        + DenyListStore
        + RefreshFamilyStore
        + CredentialStore
        + SessionStore
        + Clone
        + 'static
{
}
