//! The error type of this crate: refusals a caller acts on, and bad settings.

/// Why a session operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The session passed its `expires_at`.
    #[error("session expired")]
    Expired,
    /// The session was ended on purpose.
    #[error("session terminated")]
    Terminated,
    /// The session was idle longer than the policy allows; it is now terminated.
    #[error("session idle for too long")]
    IdleTimeout,
    /// The session is waiting for its second factor and cannot be used yet.
    #[error("second factor required")]
    SecondFactorRequired,
    /// The operation needs a session waiting for its second factor, and this one is not.
    #[error("session is not waiting for a second factor")]
    NotPending,
    /// A requested duration is outside its bounds.
    #[error("duration of {minutes} minutes is outside {min} to {max}")]
    DurationOutOfRange {
        /// Requested minutes.
        minutes: u64,
        /// Lower bound.
        min: u64,
        /// Upper bound.
        max: u64,
    },
    /// A custom claim uses a reserved name.
    #[error("custom claim `{name}` is reserved")]
    ReservedClaim {
        /// The name.
        name: String,
    },
    /// Custom claims would exceed their size bound.
    #[error("custom claims of {size} bytes exceed {max}")]
    ClaimsTooLarge {
        /// Size of the JSON.
        size: usize,
        /// The bound.
        max: usize,
    },
    /// A presented session token is not in the token format.
    #[error("malformed session token")]
    MalformedToken,
    /// A policy setting is outside its documented bounds.
    #[error("invalid session policy: {reason}")]
    InvalidPolicy {
        /// What is wrong.
        reason: &'static str,
    },
}
