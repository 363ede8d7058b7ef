//! OpenID Connect Core 1.0 helpers: `at_hash`, `c_hash` (section 3.3.2.11), `s_hash`
//! (FAPI 1.0 Advanced section 5.1), `nonce` (section 3.1.3.7 step 11) and `auth_time`
//! with `max_age` (section 3.1.2.1).
//!
//! A hash claim is the left half of the hash of the ASCII value, base64url, with the
//! hash of the ID token's `alg` (SHA-256 for *256, SHA-384, SHA-512; SHA-512 for
//! EdDSA with Ed25519, as the OpenID Foundation's errata set settles).

use aws_lc_rs::digest;
use portcullis_core::ct_eq;
use serde_json::Value;
use time::{Duration, OffsetDateTime};

use crate::alg::Algorithm;
use crate::b64;
use crate::claims::Claims;
use crate::error::JwtError;

fn half_hash(alg: Algorithm, value: &str) -> String {
    let hash = match alg.hash_len() {
        32 => &digest::SHA256,
        48 => &digest::SHA384,
        _ => &digest::SHA512,
    };
    let d = digest::digest(hash, value.as_bytes());
    let bytes = d.as_ref();
    b64::encode(&bytes[..bytes.len() / 2])
}

/// `at_hash` of an access token for an ID token signed with `alg`.
///
/// ```
/// use portcullis_jwt::{Algorithm, oidc};
/// // OpenID Connect Core 1.0 appendix A.3.
/// assert_eq!(oidc::at_hash(Algorithm::RS256, "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"), "77QmUPtjPfzWtF2AnpK9RQ");
/// ```
#[must_use]
pub fn at_hash(alg: Algorithm, access_token: &str) -> String {
    half_hash(alg, access_token)
}

/// `c_hash` of an authorization code.
#[must_use]
pub fn c_hash(alg: Algorithm, code: &str) -> String {
    half_hash(alg, code)
}

/// `s_hash` of a `state` value (FAPI).
#[must_use]
pub fn s_hash(alg: Algorithm, state: &str) -> String {
    half_hash(alg, state)
}

fn check_hash(
    claims: &Claims,
    name: &'static str,
    alg: Algorithm,
    value: &str,
) -> Result<(), JwtError> {
    let have = claims
        .custom
        .get(name)
        .and_then(Value::as_str)
        .ok_or(JwtError::MissingClaim(name))?;
    if ct_eq(have.as_bytes(), half_hash(alg, value).as_bytes()) {
        Ok(())
    } else {
        Err(JwtError::BadSignature)
    }
}

/// Checks an ID token's `at_hash` against the access token it came with.
///
/// # Errors
/// [`JwtError::MissingClaim`] without `at_hash`; [`JwtError::BadSignature`] when it
/// does not match (the pair was not issued together).
pub fn check_at_hash(claims: &Claims, alg: Algorithm, access_token: &str) -> Result<(), JwtError> {
    check_hash(claims, "at_hash", alg, access_token)
}

/// Checks an ID token's `c_hash` against the code it came with.
///
/// # Errors
/// As [`check_at_hash`].
pub fn check_c_hash(claims: &Claims, alg: Algorithm, code: &str) -> Result<(), JwtError> {
    check_hash(claims, "c_hash", alg, code)
}

/// Checks the `nonce` claim against the one the client sent, in constant time.
///
/// # Errors
/// [`JwtError::MissingClaim`] without `nonce`, [`JwtError::WrongNonce`] when it differs.
pub fn check_nonce(claims: &Claims, expected: &str) -> Result<(), JwtError> {
    let have = claims
        .custom
        .get("nonce")
        .and_then(Value::as_str)
        .ok_or(JwtError::MissingClaim("nonce"))?;
    if ct_eq(have.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(JwtError::WrongNonce)
    }
}

/// The `auth_time` claim: when the user last authenticated.
///
/// # Errors
/// [`JwtError::Malformed`] when it is not a NumericDate.
pub fn auth_time(claims: &Claims) -> Result<Option<OffsetDateTime>, JwtError> {
    let Some(value) = claims.custom.get("auth_time") else {
        return Ok(None);
    };
    let seconds = value
        .as_i64()
        .or_else(|| {
            #[allow(clippy::cast_possible_truncation)]
            value
                .as_f64()
                .filter(|f| f.is_finite() && f.abs() < 1e15)
                .map(|f| f.floor() as i64)
        })
        .ok_or(JwtError::Malformed(crate::Malformed::Payload))?;
    OffsetDateTime::from_unix_timestamp(seconds)
        .map(Some)
        .map_err(|_| JwtError::Malformed(crate::Malformed::Payload))
}

/// Checks `auth_time` against a `max_age` request: the user must have authenticated
/// within `max_age` of `now` (plus `leeway`).
///
/// # Errors
/// [`JwtError::MissingClaim`] without `auth_time`; [`JwtError::AuthTooOld`] when older.
pub fn check_max_age(
    claims: &Claims,
    max_age: Duration,
    now: OffsetDateTime,
    leeway: Duration,
) -> Result<(), JwtError> {
    let at = auth_time(claims)?.ok_or(JwtError::MissingClaim("auth_time"))?;
    if at + max_age + leeway < now {
        Err(JwtError::AuthTooOld)
    } else {
        Ok(())
    }
}
