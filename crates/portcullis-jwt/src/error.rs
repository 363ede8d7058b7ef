//! The one error type of this crate.
//!
//! Every refusal is its own variant, so a caller can tell an expired token (refresh it)
//! from a bad signature (refuse and log) from a malformed one (a client bug). No variant
//! carries any part of the presented token, so an error can be logged as it is.
//! [`JwtError::kind`] is a stable snake_case code for logs and JSON answers.

/// Which part of a compact JWS or a key document was not well formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// Not exactly three dot-separated segments.
    Segments,
    /// A segment is not unpadded, canonical base64url (RFC 7515 section 2).
    Base64,
    /// The header is not a JSON object with a string `alg`.
    Header,
    /// The payload is not a JSON object, or a registered claim has the wrong type.
    Payload,
    /// The signature has the wrong length for the algorithm.
    Signature,
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Segments => "segments",
            Self::Base64 => "base64url",
            Self::Header => "header",
            Self::Payload => "payload",
            Self::Signature => "signature",
        })
    }
}

/// Why a token, key or key document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// The token is longer than the verifier's size limit; nothing was decoded.
    #[error("token exceeds the size limit")]
    TooLarge,
    /// The token is not a well-formed compact JWS.
    #[error("malformed token {0}")]
    Malformed(Malformed),
    /// The header says `alg: none`: unsigned tokens are never accepted.
    #[error("unsigned tokens (alg none) are refused")]
    AlgNone,
    /// The header names an algorithm this crate does not implement.
    #[error("unsupported algorithm")]
    UnsupportedAlgorithm,
    /// The header's `alg` is not the algorithm of the key its `kid` names (RFC 8725
    /// section 3.1): the algorithm always comes from the key.
    #[error("header alg does not match the key's algorithm")]
    AlgorithmMismatch,
    /// No key in the set has the header's `kid`, or the token has no `kid` and the
    /// set holds more than one key.
    #[error("no key with this kid")]
    UnknownKid,
    /// The header has a `crit` parameter naming an extension this crate does not
    /// understand, or a malformed `crit` (RFC 7515 section 4.1.11).
    #[error("unsupported critical header parameter")]
    UnsupportedCrit,
    /// The header's `typ` is not the required one (RFC 8725 section 3.11).
    #[error("wrong token type")]
    WrongType,
    /// The signature does not verify under the key.
    #[error("bad signature")]
    BadSignature,
    /// The token is past `exp` plus the leeway. Its signature was valid.
    #[error("token expired")]
    Expired,
    /// The token's `nbf` is later than now plus the leeway.
    #[error("token not yet valid")]
    NotYetValid,
    /// The token's `iat` is later than now plus the leeway.
    #[error("token issued in the future")]
    IssuedInFuture,
    /// A claim the verifier requires is absent (`exp` by default).
    #[error("missing required claim {0}")]
    MissingClaim(&'static str),
    /// The `iss` claim is not the configured issuer.
    #[error("wrong issuer")]
    WrongIssuer,
    /// The `aud` claim names none of the configured audiences.
    #[error("wrong audience")]
    WrongAudience,
    /// The `nonce` claim is not the expected one (OpenID Connect).
    #[error("wrong nonce")]
    WrongNonce,
    /// The user authenticated longer ago than the requested `max_age` (OpenID Connect).
    #[error("authentication too old")]
    AuthTooOld,
    /// The token's (iss, jti) is on the deny-list.
    #[error("token revoked")]
    Revoked,
    /// The deny-list could not be consulted; the token is refused (fail closed).
    #[error("deny-list unavailable")]
    DenyListUnavailable,
    /// A custom claim uses a registered claim name (iss, sub, aud, exp, nbf, iat, jti),
    /// or custom claims are not a JSON object.
    #[error("custom claim {0:?} uses a reserved name")]
    ReservedClaim(String),
    /// Custom claims are not a JSON object.
    #[error("custom claims must be a JSON object")]
    ClaimsNotObject,
    /// A key (JWK, PEM, PKCS#8 or raw material) is malformed or unsupported.
    #[error("invalid key: {0}")]
    InvalidKey(&'static str),
    /// The key cannot be used for this operation: signing with a public key, an HMAC
    /// algorithm on an asymmetric key, an asymmetric algorithm on an HMAC key.
    #[error("key cannot be used for this: {0}")]
    KeyUse(&'static str),
    /// The key set has no current signing key.
    #[error("key set has no current signing key")]
    NoSigningKey,
    /// A kid is already in the key set.
    #[error("duplicate kid")]
    DuplicateKid,
    /// A setting is outside its documented bounds.
    #[error("setting out of bounds: {0}")]
    Setting(&'static str),
    /// The cryptographic backend failed (key generation, signing).
    #[error("cryptographic backend failure")]
    Crypto,
    /// A refresh token was refused (see the variant for why).
    #[error("refresh token refused: {0}")]
    Refresh(RefreshRefusal),
    /// Fetching a remote JWKS failed and no usable cached set exists.
    #[error("JWKS fetch failed: {0}")]
    Fetch(String),
}

/// Why a refresh token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefreshRefusal {
    /// The token is not `<id>.<secret>` or does not belong to the family.
    Invalid,
    /// An already-rotated token was presented outside the grace window: the family
    /// is revoked.
    Reused,
    /// The family was revoked.
    Revoked,
    /// The family is past its absolute lifetime.
    Expired,
    /// The requested scopes are not a subset of the family's scopes.
    ScopeWidened,
}

impl std::fmt::Display for RefreshRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Invalid => "invalid",
            Self::Reused => "reused",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
            Self::ScopeWidened => "scope_widened",
        })
    }
}

impl JwtError {
    /// A stable snake_case code for logs and JSON answers (`expired`,
    /// `bad_signature`, `malformed`, ...).
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::TooLarge => "too_large",
            Self::Malformed(_) => "malformed",
            Self::AlgNone => "alg_none",
            Self::UnsupportedAlgorithm => "unsupported_algorithm",
            Self::AlgorithmMismatch => "algorithm_mismatch",
            Self::UnknownKid => "unknown_kid",
            Self::UnsupportedCrit => "unsupported_crit",
            Self::WrongType => "wrong_type",
            Self::BadSignature => "bad_signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::IssuedInFuture => "issued_in_future",
            Self::MissingClaim(_) => "missing_claim",
            Self::WrongIssuer => "wrong_issuer",
            Self::WrongAudience => "wrong_audience",
            Self::WrongNonce => "wrong_nonce",
            Self::AuthTooOld => "auth_too_old",
            Self::Revoked => "revoked",
            Self::DenyListUnavailable => "deny_list_unavailable",
            Self::ReservedClaim(_) => "reserved_claim",
            Self::ClaimsNotObject => "claims_not_object",
            Self::InvalidKey(_) => "invalid_key",
            Self::KeyUse(_) => "key_use",
            Self::NoSigningKey => "no_signing_key",
            Self::DuplicateKid => "duplicate_kid",
            Self::Setting(_) => "setting",
            Self::Crypto => "crypto",
            Self::Refresh(_) => "refresh",
            Self::Fetch(_) => "fetch",
        }
    }
}
