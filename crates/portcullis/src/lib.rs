//! portcullis: the authentication machinery of a hosted identity service, as a library.
//!
//! This facade re-exports the primitive crates as modules and, as they land, composes
//! them into flows (password login with transparent hash upgrade, second factors,
//! magic links, sessions). The rules live in the primitive crates; this crate wires
//! them to a store.
//!
//! | module | crate | what it does |
//! |---|---|---|
//! | [`core`] | `portcullis-core` | secrets, constant-time comparison, random tokens, encodings, clocks |
//! | [`password`] | `portcullis-password` | argon2id hashing, legacy-hash verification and upgrade, imports |
//! | [`otp`] | `portcullis-otp` (feature `otp`, on by default; `qr` adds QR codes) | HOTP/TOTP, otpauth URIs, recovery codes, emailed/texted passcodes, step-up grants |
//! | [`token`] | `portcullis-token` (feature `token`) | opaque tokens and their digests, magic links, single-use tokens, invites, API keys, client secrets, signed tokens, PKCE |
//! | `jwt` | `portcullis-jwt` (feature `jwt`) | signing keys, rotation, JWKS, RFC 8725 verification, deny-list, refresh-token families |
//! | `session` | `portcullis-session` (feature `sessions`) | the session model, lifecycle, custom claims, cookie and bearer helpers |
//! | `sessions` | this crate (feature `sessions`) | sessions kept in a store: start, authenticate by token, step up, revoke, list |
//! | `flows`, `accounts` | this crate (feature `flows`) | password sign-up, sign-in with lockout and transparent upgrade, user import, disable/enable |
//! | `store` | `portcullis-store` (feature `store`; `store-postgres`, `store-redis` add those backends) | atomic storage of the records above and of sessions: memory, SQLite, PostgreSQL, Redis |
//!
//! ```
//! use portcullis::core::{random, TokenEncoding};
//!
//! let token = random::token(32, TokenEncoding::Base64Url);
//! assert_eq!(token.len(), 43);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use portcullis_core as core;
#[cfg(feature = "jwt")]
pub use portcullis_jwt as jwt;
#[cfg(feature = "otp")]
pub use portcullis_otp as otp;
#[cfg(feature = "password")]
pub use portcullis_password as password;
#[cfg(feature = "flows")]
pub mod accounts;
#[cfg(feature = "flows")]
pub mod api_keys;
#[cfg(feature = "flows")]
pub mod audit;
#[cfg(feature = "flows")]
pub mod email;
#[cfg(feature = "flows")]
pub mod flows;
#[cfg(feature = "flows")]
pub mod invites;
#[cfg(feature = "flows")]
pub mod passcodes;
#[cfg(feature = "flows")]
pub mod sealed;
#[cfg(feature = "flows")]
pub mod second_factor;
#[cfg(feature = "sessions")]
pub use portcullis_session as session;
#[cfg(feature = "sessions")]
pub mod sessions;
#[cfg(feature = "store")]
pub use portcullis_store as store;
#[cfg(feature = "token")]
pub use portcullis_token as token;
