//! The one error type of this crate.
//!
//! Errors describe the stored hash or the configuration, never the password: no variant
//! carries password bytes, and the `&'static str` reasons are fixed texts, so an error
//! can be logged as it is. A wrong password is not an error at all: it is
//! `Verified::Invalid`.

/// Why a hash could not be identified, parsed, bounded or verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The string matches no supported format.
    #[error("unrecognised password hash format")]
    UnknownScheme,
    /// The string claims a known format but does not follow it.
    #[error("malformed {scheme} hash: {reason}")]
    Malformed {
        /// The scheme the string claimed to be (see `Scheme::name`).
        scheme: &'static str,
        /// What is wrong, as a fixed text.
        reason: &'static str,
    },
    /// A work factor is beyond the configured `CostLimits`; verifying would let a
    /// hostile or corrupt record exhaust CPU or memory.
    #[error("{scheme} {parameter} = {value} exceeds the limit of {limit}")]
    CostTooHigh {
        /// The scheme of the hash.
        scheme: &'static str,
        /// The parameter that is too large (`cost`, `iterations`, `memory_kib`, ...).
        parameter: &'static str,
        /// Its value in the hash.
        value: u64,
        /// The configured limit.
        limit: u64,
    },
    /// An import record lacks a field its hash type needs (named as in the record's JSON).
    #[error("missing or incomplete field `{field}`")]
    MissingConfig {
        /// The JSON field, e.g. `md_5_config.prepend_salt`.
        field: &'static str,
    },
    /// A value could be read in more than one encoding (hex and base64) with different
    /// results; portcullis refuses to guess.
    #[error("ambiguous encoding of `{field}`")]
    AmbiguousEncoding {
        /// The JSON field or hash part.
        field: &'static str,
    },
    /// The format is recognised but this variant of it is not supported.
    #[error("unsupported: {what}")]
    Unsupported {
        /// What is not supported, as a fixed text.
        what: &'static str,
    },
    /// The password is longer than the policy allows (bounds the CPU a request can use),
    /// or longer than the target scheme can take without truncating.
    #[error("password longer than {max} bytes")]
    PasswordTooLong {
        /// The limit in bytes.
        max: usize,
    },
    /// A hasher or policy was configured with values outside their documented bounds.
    #[error("invalid configuration: {reason}")]
    InvalidConfig {
        /// What is wrong, as a fixed text.
        reason: &'static str,
    },
    /// The hash was made with a pepper whose key id this hasher was not given.
    #[error("the pepper this hash needs is not configured")]
    UnknownPepper,
    /// A breached-password file could not be read.
    #[error("breach file: {0}")]
    Io(std::io::ErrorKind),
    /// The async pool was shut down before the hash ran.
    #[error("hashing task did not complete")]
    TaskFailed,
}

impl Error {
    /// A stable, machine-readable name for the kind of error (used by the CLI's JSON
    /// output and by the test vectors).
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::UnknownScheme => "unknown_scheme",
            Self::Malformed { .. } => "malformed",
            Self::CostTooHigh { .. } => "cost_too_high",
            Self::MissingConfig { .. } => "missing_config",
            Self::AmbiguousEncoding { .. } => "ambiguous",
            Self::Unsupported { .. } => "unsupported",
            Self::PasswordTooLong { .. } => "password_too_long",
            Self::InvalidConfig { .. } => "invalid_config",
            Self::UnknownPepper => "unknown_pepper",
            Self::Io(_) => "io",
            Self::TaskFailed => "task_failed",
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Self::Io(error.kind())
    }
}
