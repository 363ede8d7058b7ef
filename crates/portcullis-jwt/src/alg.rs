//! The JWS algorithms this crate implements (RFC 7518 section 3, RFC 8037 section 3.1),
//! in one table.
//!
//! | alg | family | key | aws-lc-rs signing | aws-lc-rs verification |
//! |---|---|---|---|---|
//! | HS256, HS384, HS512 | HMAC | `oct` created as symmetric | `hmac::sign` | `hmac::verify` (constant time) |
//! | RS256, RS384, RS512 | RSASSA-PKCS1-v1_5 | RSA, 2048 to 8192 bits | `RSA_PKCS1_SHA*` | `RSA_PKCS1_2048_8192_SHA*` |
//! | PS256, PS384, PS512 | RSASSA-PSS | RSA, 2048 to 8192 bits | `RSA_PSS_SHA*` | `RSA_PSS_2048_8192_SHA*` |
//! | ES256 | ECDSA | P-256 | `ECDSA_P256_SHA256_FIXED_SIGNING` | `ECDSA_P256_SHA256_FIXED` |
//! | ES384 | ECDSA | P-384 | `ECDSA_P384_SHA384_FIXED_SIGNING` | `ECDSA_P384_SHA384_FIXED` |
//! | EdDSA | Ed25519 | OKP `Ed25519` | `Ed25519KeyPair::sign` | `ED25519` |
//!
//! `none` is not in the table: it is refused wherever it appears.

use serde::{Deserialize, Serialize};

use crate::error::JwtError;

/// A JWS signature algorithm. A key has exactly one; the verifier takes it from the key,
/// never from a token's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(clippy::upper_case_acronyms)]
pub enum Algorithm {
    /// HMAC with SHA-256.
    HS256,
    /// HMAC with SHA-384.
    HS384,
    /// HMAC with SHA-512.
    HS512,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256 and MGF1-SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384 and MGF1-SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512 and MGF1-SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// EdDSA on Ed25519 (RFC 8037).
    EdDSA,
}

/// Every algorithm, in table order.
pub const ALL: [Algorithm; 12] = [
    Algorithm::HS256,
    Algorithm::HS384,
    Algorithm::HS512,
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

impl Algorithm {
    /// The `alg` header value.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::HS256 => "HS256",
            Self::HS384 => "HS384",
            Self::HS512 => "HS512",
            Self::RS256 => "RS256",
            Self::RS384 => "RS384",
            Self::RS512 => "RS512",
            Self::PS256 => "PS256",
            Self::PS384 => "PS384",
            Self::PS512 => "PS512",
            Self::ES256 => "ES256",
            Self::ES384 => "ES384",
            Self::EdDSA => "EdDSA",
        }
    }

    /// Parses an `alg` value.
    ///
    /// # Errors
    /// [`JwtError::AlgNone`] for `none` (any case), [`JwtError::UnsupportedAlgorithm`]
    /// for anything not in the table.
    pub fn parse(name: &str) -> Result<Self, JwtError> {
        if name.eq_ignore_ascii_case("none") {
            return Err(JwtError::AlgNone);
        }
        ALL.into_iter()
            .find(|alg| alg.name() == name)
            .ok_or(JwtError::UnsupportedAlgorithm)
    }

    /// Whether this is an HMAC algorithm (HS*).
    #[must_use]
    pub const fn is_hmac(self) -> bool {
        matches!(self, Self::HS256 | Self::HS384 | Self::HS512)
    }

    /// Whether this is an RSA algorithm (RS* or PS*).
    #[must_use]
    pub const fn is_rsa(self) -> bool {
        matches!(
            self,
            Self::RS256 | Self::RS384 | Self::RS512 | Self::PS256 | Self::PS384 | Self::PS512
        )
    }

    /// The hash length in bytes (also the minimum HMAC key length, RFC 7518 section
    /// 3.2, and the length whose left half makes OIDC `at_hash`).
    #[must_use]
    pub const fn hash_len(self) -> usize {
        match self {
            Self::HS256 | Self::RS256 | Self::PS256 | Self::ES256 => 32,
            Self::HS384 | Self::RS384 | Self::PS384 | Self::ES384 => 48,
            Self::HS512 | Self::RS512 | Self::PS512 | Self::EdDSA => 64,
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Algorithm {
    type Err = JwtError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}
