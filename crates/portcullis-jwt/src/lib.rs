//! JWT and JWKS.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod alg;
mod b64;
pub mod claims;
pub mod error;
pub mod introspect;
pub mod jwks;
pub mod jws;
pub mod key;
pub mod keyset;
pub mod oidc;
pub mod refresh;
pub mod revocation;

pub use alg::Algorithm;
pub use claims::{Audience, Claims, NewClaims};
pub use error::{JwtError, Malformed, RefreshRefusal};
pub use jwks::Jwks;
pub use jws::{MaybeExpired, Signed, Validation, Verified, VerifiedHeader, Verifier};
pub use key::{Key, KeySpec, KeyType, RsaBits};
pub use keyset::{KeySet, KeyState, RotationPolicy};
