//! Opaque bearer secrets: magic links, single-use tokens, invites, API keys, client
//! secrets, stateless signed tokens and PKCE.
//!
//! The hosted identity services this library replaces all hand out secrets that mean
//! nothing by themselves and are checked against what the server stored: Stytch magic
//! links and M2M client secrets, PropelAuth magic links and end-user API keys, Auth0
//! tickets, ForgeRock and Riskalyze reset tokens. This crate is one design for all of
//! them. It is sans-I/O: it issues a secret plus the record to store, and it judges a
//! presented secret against a stored record; `now` and the random generator are
//! arguments, and the atomic parts (consume once, count wrong codes, revoke by address)
//! are single writes a store performs on the records' plain fields.
//!
//! | module | what it does |
//! |---|---|
//! | [`opaque`] | the shared vocabulary: [`OpaqueToken`] (`<id>.<secret>`), [`SecretDigest`] (what is stored), [`Digester`] (SHA-256 or keyed HMAC, constant-time check). Other portcullis crates use these for their own opaque tokens |
//! | [`keys`] | [`KeyRing`]: named HMAC-SHA256 keys, one current, for keyed digests and signed tokens |
//! | [`purpose`] | [`Purpose`] and the per-purpose [`Lifetimes`] table with its bounds |
//! | [`single_use`] | magic-link, reset, verification and custom tokens: issue, peek, redeem, the one-time-code fallback; the scanner-safe two-step link pattern |
//! | [`pkce`] | RFC 7636 verifiers and challenges |
//! | [`redirect`] | the redirect allow-list and the magic-link URL builder |
//! | [`invite`] | invitations: issue, list pending, revoke by (email, scope) |
//! | [`signed`] | stateless HMAC-signed tokens for callers without a store |
//! | [`api_key`] | API keys with a prefix, a lookup id and a CRC32 checksum; legacy PropelAuth keys |
//! | [`client_secret`] | M2M client secrets with start / cancel / complete rotation |
//!
//! Every secret carries at least 256 bits from the caller's CSPRNG, is stored only as a
//! digest, is compared in constant time, zeroizes on drop and prints as `[redacted]`.
//! Every refusal is its own [`TokenError`] variant and none carries the presented
//! secret.
//!
//! ```
//! use portcullis_core::{OffsetDateTime, OsRng};
//! use portcullis_token::{Digester, IssueRequest, OpaqueToken, Purpose, RedeemCheck, SingleUseConfig, SingleUseTokens};
//!
//! let tokens = SingleUseTokens::new(SingleUseConfig::default(), Digester::Sha256);
//! let now = OffsetDateTime::now_utc();
//! let issued = tokens.issue(&mut OsRng, IssueRequest::new(Purpose::PasswordReset, "user_1"), now)?;
//! let mut record = issued.record; // store this; email issued.token.render()
//!
//! let presented = OpaqueToken::parse(issued.token.render().expose_secret())?;
//! let redemption = tokens.redeem(&record, &presented, &RedeemCheck::new(Purpose::PasswordReset), now)?;
//! assert!(redemption.apply(&mut record));
//! # Ok::<(), portcullis_token::TokenError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod api_key;
mod b64;
mod base62;
pub mod client_secret;
pub mod error;
pub mod invite;
pub mod keys;
pub mod opaque;
pub mod pkce;
pub mod purpose;
pub mod redirect;
pub mod signed;
pub mod single_use;

pub use error::{Format, RedirectRefusal, TokenError};
pub use keys::{KeyId, KeyRing};
pub use opaque::{Digester, OpaqueToken, SecretDigest, TokenId, TokenSecret, TokenText};
pub use purpose::{Lifetimes, Purpose};
pub use redirect::{AllowedRedirect, MagicLinks, RedirectAllowList};
pub use single_use::{
    Attributes, Binding, IssueRequest, Issued, Metadata, Peek, RedeemCheck, Redemption,
    SingleUseConfig, SingleUseTokens, TokenRecord,
};
