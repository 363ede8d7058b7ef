//! Decisions shared by the backends: which refusal a single-use state earns, and how
//! a stored row becomes a record again. Backends make the write itself atomic; these
//! functions only read values a backend already holds.

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "redis"))]
use portcullis_session::{Session, Termination};

use crate::StoreError;
use crate::model::SingleUseRecord;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "redis"))]
use crate::model::{UseState, from_nanos};

/// The state columns of a single-use record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UseRow {
    pub expires_at: i64,
    pub consumed_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub attempts: u32,
    pub max_attempts: Option<u32>,
}

impl UseRow {
    /// The columns for a record about to be stored.
    pub fn of<R: SingleUseRecord>(record: &R) -> Self {
        let state = record.use_state();
        Self {
            expires_at: crate::model::nanos(record.expires_at()),
            consumed_at: state.consumed_at.map(crate::model::nanos),
            revoked_at: state.revoked_at.map(crate::model::nanos),
            attempts: state.attempts,
            max_attempts: record.max_attempts(),
        }
    }

    /// Why the record cannot be used at `now`, in the documented order; with
    /// `counting`, also a spent attempt budget.
    pub fn refusal(&self, now: i64, counting: bool) -> Option<StoreError> {
        if self.revoked_at.is_some() {
            Some(StoreError::Revoked)
        } else if self.consumed_at.is_some() {
            Some(StoreError::AlreadyUsed)
        } else if now >= self.expires_at {
            Some(StoreError::Expired)
        } else if counting && self.max_attempts.is_some_and(|max| self.attempts >= max) {
            Some(StoreError::TooManyAttempts)
        } else {
            None
        }
    }

    /// The record from its stored payload with this state written back.
    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "redis"))]
    pub fn record<R: SingleUseRecord>(
        &self,
        payload: &str,
        attempt_in_progress: bool,
    ) -> Result<R, StoreError> {
        let mut record: R = serde_json::from_str(payload)?;
        record.apply_use_state(&UseState {
            consumed_at: self.consumed_at.map(from_nanos),
            revoked_at: self.revoked_at.map(from_nanos),
            attempts: self.attempts,
            attempt_in_progress,
        });
        Ok(record)
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "redis"))]
/// A session from its payload, with the columns the store is the authority on.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "redis"))]
pub(crate) fn session(
    payload: &str,
    last_accessed_at: i64,
    expires_at: i64,
    termination: Option<&str>,
) -> Result<Session, StoreError> {
    let mut session: Session = serde_json::from_str(payload)?;
    session.last_accessed_at = from_nanos(last_accessed_at);
    session.expires_at = from_nanos(expires_at);
    session.termination = match termination {
        Some(text) => Some(serde_json::from_str::<Termination>(text)?),
        None => None,
    };
    Ok(session)
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
/// Text for a `u32` column read back as `i64`.
pub(crate) fn to_u32(value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::corrupt("count out of range"))
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
/// `u64` from a non-negative count column.
pub(crate) fn to_u64(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::corrupt("count out of range"))
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
/// The outcome names the SQL rotation statement writes (the Lua script returns the
/// same words).
pub(crate) mod outcome {
    pub const ROTATED: &str = "rotated";
    pub const GRACE: &str = "grace";
    pub const REUSED: &str = "reused";
}
