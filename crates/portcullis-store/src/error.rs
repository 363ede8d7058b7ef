//! The one error type of every store operation.

/// Why a store operation did not do what was asked.
///
/// The first group are answers about the data (a caller acts on them: refuse the
/// token, ask for a new code); [`StoreError::Unavailable`] means the backend could not
/// be reached or dropped the connection, so nothing can be said about the data and the
/// operation may be retried later. No variant carries a secret: the store is only ever
/// given digests and records, never a token, a code or a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No record under that key (never stored, purged, or past its retention).
    #[error("not found")]
    NotFound,
    /// The record exists but its expiry has passed.
    #[error("expired")]
    Expired,
    /// The single-use record was already consumed.
    #[error("already used")]
    AlreadyUsed,
    /// The record (token, key, session, refresh family) was revoked or terminated.
    #[error("revoked")]
    Revoked,
    /// The attempt limit of a code is spent; the record is dead.
    #[error("too many attempts")]
    TooManyAttempts,
    /// A record with that key already exists (create), or the record changed since it
    /// was read (compare-and-swap).
    #[error("conflict")]
    Conflict,
    /// An argument the store cannot act on (a page size of zero, an empty key).
    #[error("invalid argument: {0}")]
    Invalid(&'static str),
    /// The backend is down, refused the connection, timed out or dropped it. The
    /// operation did not complete as far as the store can tell; retry later.
    #[error("{backend} unavailable: {reason}")]
    Unavailable {
        /// Which backend (`redis`, `postgres`, `sqlite`).
        backend: &'static str,
        /// What the client library reported.
        reason: String,
    },
    /// A stored value could not be decoded (written by something else, or corrupted).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    /// Any other backend error (a constraint, a permission, a failed migration).
    #[error("{backend} error: {reason}")]
    Backend {
        /// Which backend.
        backend: &'static str,
        /// What the client library reported.
        reason: String,
    },
}

impl StoreError {
    /// Whether the operation may succeed if retried once the backend is back
    /// ([`StoreError::Unavailable`]).
    #[must_use]
    pub const fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }

    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        Self::Corrupt(what.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(error: serde_json::Error) -> Self {
        Self::corrupt(format_args!("json: {error}"))
    }
}
