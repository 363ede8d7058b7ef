//! JWTs and JWKS: signing keys, rotation, publishing and fetching key sets, hardened
//! verification, revocation, refresh-token rotation and introspection answers.
//!
//! Stytch publishes its session JWTs' keys at `sessions/jwks/{project_id}`, ForgeRock
//! issues RS256 access, refresh and ID tokens with introspection and tokeninfo, Auth0
//! deny-lists tokens by `jti`, PropelAuth mints access tokens for `duration_in_minutes`.
//! This crate is that machinery, sans-I/O (`now` and the RNG are arguments; the
//! `remote` feature is the one part that does network I/O).
//!
//! | module | what it does | standard |
//! |---|---|---|
//! | [`alg`] | the algorithm table | RFC 7518 section 3, RFC 8037 |
//! | [`key`] | [`Key`]: generate, PKCS#8/SPKI PEM, JWK, thumbprint kid; parsed once | RFC 7517, 7518 section 6, 8037, 7638 |
//! | [`keyset`] | [`KeySet`]: next, current, retired, removed; `rotate(now)`; public JWKS | RFC 7517 section 5 |
//! | [`jwks`] | [`Jwks`]: verification keys by kid, read from a published document | RFC 7517 section 5 |
//! | [`claims`] | [`Claims`], [`NewClaims`], [`Audience`]; reserved names protected | RFC 7519 section 4 |
//! | [`jws`] | signing, and [`Verifier`]: the checks of RFC 8725, typed errors | RFC 7515, 7519, 8725, 9068 |
//! | [`revocation`] | [`revocation::DenyList`] by (iss, jti), and an in-memory one | |
//! | [`refresh`] | refresh-token families: rotation, grace window, reuse detection | RFC 9700 section 4.14, RFC 6749 section 6 |
//! | [`introspect`] | `{"active": ...}` answers and ForgeRock tokeninfo | RFC 7662 |
//! | [`oidc`] | `at_hash`, `c_hash`, `s_hash`, `nonce`, `auth_time` | OpenID Connect Core 1.0 |
//! | `remote` (feature `remote`) | a cached remote JWKS: timeout, max-age, refetch on unknown kid with a cooldown, stale-if-error, negative cache | |
//!
//! # Crypto backend
//!
//! Signatures are made and checked by aws-lc-rs, with keys parsed once into its objects
//! and kept in the [`Key`]. `jsonwebtoken` (12) is the crate this one is checked
//! against, both ways, in the tests and benches; it is not used on the signing or
//! verification path because its `EncodingKey` re-parses the private key on every call
//! and its `decode` decodes claims twice (see [`jws`] for the measurements). Between its
//! two backends, measured on this machine before this crate was written: with
//! `rust_crypto` `jsonwebtoken` verifies RS256 at 10.2x and ES256 at 4.7x the aws-lc-rs
//! floor, with `aws_lc_rs` at 1.31x and 1.07x; aws-lc-rs it is, and the same library
//! makes rustls's signatures in the `remote` feature.
//!
//! # Sign, then verify
//!
//! ```
//! use portcullis_core::OsRng;
//! use portcullis_jwt::{Algorithm, JwtError, KeySet, KeySpec, NewClaims, RotationPolicy};
//! use serde_json::json;
//! use time::{Duration, OffsetDateTime};
//!
//! let now = OffsetDateTime::now_utc();
//! let keys = KeySet::new(RotationPolicy::new(KeySpec::new(Algorithm::ES256)), now)?;
//! let signed = keys.sign(
//!     &NewClaims::new()
//!         .issuer("https://auth.example.com")
//!         .subject("user_1")
//!         .audience("api")
//!         .lifetime(Duration::minutes(5))?
//!         .jti("session_jwt_1")
//!         .claim("https://example.com/session", json!({"id": "s_1"}))?,
//!     now,
//!     &mut OsRng,
//! )?;
//! let jwks = keys.public_jwks(now)?; // serve this at /.well-known/jwks.json
//!
//! let verifier = portcullis_jwt::Verifier::new(portcullis_jwt::Jwks::from_json(&jwks.to_string())?)
//!     .issuer("https://auth.example.com")
//!     .audience("api");
//! let verified = verifier.verify(signed.token.expose_secret(), now)?;
//! assert_eq!(verified.claims.custom["https://example.com/session"]["id"], "s_1");
//!
//! // Ten minutes later it has expired; the signature is still good, which a session
//! // layer may use to refresh it from its store.
//! let later = now + Duration::minutes(10);
//! assert_eq!(verifier.verify(signed.token.expose_secret(), later).unwrap_err(), JwtError::Expired);
//! let stale = verifier.verify_allow_expired::<serde_json::Map<String, serde_json::Value>>(signed.token.expose_secret(), later)?;
//! assert!(stale.expired);
//! assert_eq!(stale.verified.claims.jti.as_deref(), Some("session_jwt_1"));
//! # Ok::<(), JwtError>(())
//! ```
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
#[cfg(feature = "remote")]
pub mod remote;
pub mod revocation;

pub use alg::Algorithm;
pub use claims::{Audience, Claims, ClaimsSeed, NewClaims};
pub use error::{JwtError, Malformed, RefreshRefusal};
pub use jwks::Jwks;
pub use jws::{MaybeExpired, Signed, Validation, Verified, VerifiedHeader, Verifier};
pub use key::{Key, KeySpec, KeyType, RsaBits};
pub use keyset::{KeySet, KeyState, RotationPolicy};
