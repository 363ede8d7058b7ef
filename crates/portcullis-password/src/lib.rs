//! Password hashing for services that inherit other systems' users.
//!
//! A [`Hasher`] makes new hashes with one target scheme (argon2id with OWASP's
//! parameters by default) and verifies hashes of every scheme below. When a legacy or
//! outdated hash verifies, the result carries its replacement, so users move to the
//! target scheme as they sign in, without a password reset:
//!
//! ```
//! use portcullis_password::{Hasher, HasherConfig, Verified};
//!
//! let hasher = Hasher::new(HasherConfig::default()).unwrap();
//! // A WordPress (phpass) hash imported from the old database.
//! match hasher.verify("test12345", "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0").unwrap() {
//!     Verified::Valid { upgrade: Some(new_hash) } => { /* store new_hash */ }
//!     Verified::Valid { upgrade: None } => { /* already current */ }
//!     Verified::Invalid => { /* wrong password */ }
//! }
//! ```
//!
//! Identification is separate and cheap: [`identify`] parses a stored hash (no hashing)
//! and names its [`Scheme`], or says why it cannot. Records exported by Stytch, Auth0 and
//! Firebase, and strings that need a scheme hint, go through [`ImportRecord`].
//!
//! | family | accepted forms | scheme names |
//! |---|---|---|
//! | argon2 | `$argon2id$`, `$argon2i$`, `$argon2d$` (v=16, v=19) | argon2id, argon2i, argon2d |
//! | scrypt | `$scrypt$ln=,r=,p=$` (passlib, RustCrypto, and Kratos's N-valued `ln`), `$7$` | scrypt, scrypt_mcf |
//! | PBKDF2 | `$pbkdf2[-sha256\|-sha512]$` (PHC `i=,l=` and passlib) | pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512 |
//! | bcrypt | `$2a$`, `$2b$`, `$2y$`, `$2x$` (crypt_blowfish's sign-extension bug reproduced for non-ASCII bytes); passlib `$bcrypt-sha256$` | bcrypt, bcrypt_sha256 |
//! | Unix crypt | `$1$`, `$apr1$`, `$5$`, `$6$` | md5_crypt, apr1_md5_crypt, sha256_crypt, sha512_crypt |
//! | PHP | phpass `$P$`/`$H$`, Drupal 7 `$S$`, `U$S$` | phpass, drupal7_sha512, drupal7_upgraded_md5 |
//! | Django | `pbkdf2_sha256$`, `pbkdf2_sha1$`, `pbkdf2_sha512$`, `argon2$`, `bcrypt_sha256$`, `bcrypt$`, `sha1$`, `md5$`, unsalted MD5 and SHA-1 | django_* |
//! | Werkzeug | `pbkdf2:<hash>:<iter>$`, `scrypt:<n>:<r>:<p>$` | werkzeug_pbkdf2, werkzeug_scrypt |
//! | ASP.NET Identity | v2 and v3 base64 blobs (with a scheme hint) | aspnet_identity_v2, aspnet_identity_v3 |
//! | LDAP (RFC 2307) | `{MD5}`, `{SHA}`, `{SMD5}`, `{SSHA}`, `{SSHA256}`, `{SSHA512}`, `{CRYPT}` | ldap_* |
//! | Firebase | modified scrypt, from its export parameters | firebase_scrypt |
//! | salted digests | MD4/MD5/SHA-1/SHA-256/SHA-512 with prepended and appended salts, HMACs | md4 … sha512, hmac_* |
//!
//! Imported hashes that do not describe themselves are stored in portcullis's own
//! dialects, so every user's hash fits one column and parses back alone:
//!
//! | string | what it holds |
//! |---|---|
//! | `$pcl-digest$a=<alg>[,pre=<b64url>][,post=<b64url>][,pe=<enc>]$<b64url digest>` | `alg(pre ‖ password ‖ post)`; `alg` is md4, md5, sha1, sha256 or sha512; `pe` is the password encoding (utf8, utf16le, latin1) |
//! | `$pcl-hmac$a=<alg>,k=<b64url key>[,pre=…][,post=…][,pe=…]$<b64url mac>` | `HMAC-alg(key, pre ‖ password ‖ post)` |
//! | `$aspnet-identity$<base64>` | an ASP.NET Identity v2 or v3 blob (its first byte says which) |
//! | `$firescrypt$ln=<mem_cost>,r=<rounds>,p=1$<salt>$<hash>$<separator>$<signer key>` | Firebase's scrypt, as Ory Kratos writes it (standard base64) |
//! | `$bcrypt-hmac-sha384$k=<b64url key id>$<bcrypt string>` | bcrypt over base64(HMAC-SHA384(pepper, password)) |
//! | `$pcl-bcrypt$[pre=<b64url>][,post=<b64url>]$<bcrypt string>` | bcrypt over pre ‖ password ‖ post (Auth0 imports with a salt) |
//!
//! Before a new password is hashed, [`PasswordPolicy::check`] judges it the way Stytch's
//! `strength_check` does ([`StrengthResult`]: zxcvbn score or LUDS classes, length in code
//! points, personal information, a deny-list, reuse of recent hashes through
//! [`HashVerifier`], which [`Hasher`] implements), and [`breach`] answers "is it in Have I
//! Been Pwned" without sending it anywhere: the k-anonymity range query, or a binary
//! search of a local HIBP file.
//!
//! Stored work factors are bounded before anything is computed ([`CostLimits`]), so a
//! hostile import cannot exhaust the machine. Passwords never appear in errors.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod breach;
mod crypt64;
mod error;
mod formats;
mod hasher;
pub mod import;
pub mod limits;
pub mod policy;
#[cfg(feature = "tokio")]
mod pool;
pub mod scan;
mod scheme;
mod stored;
pub mod strength;

pub use breach::{BreachFile, BreachVerdict, RangeQuery};
pub use error::Error;
pub use hasher::{
    Argon2Params, Check, Hasher, HasherConfig, LongPasswords, Pepper, Target, Verified,
    argon2id_raw,
};
pub use import::ImportRecord;
pub use limits::CostLimits;
#[cfg(feature = "tokio")]
pub use pool::AsyncHasher;
pub use scheme::Scheme;
pub use stored::StoredHash;

/// Names the scheme of a stored hash without verifying anything (microseconds).
///
/// ```
/// use portcullis_password::{identify, Scheme};
///
/// assert_eq!(identify("$2y$10$abcdefghijklmnopqrstuu5Ro0TdGt4XAnSGD9EfzAFFqeBSPcpuS").unwrap(), Scheme::Bcrypt);
/// assert_eq!(identify("pbkdf2_sha256$600000$salt$not*base64").unwrap_err().kind(), "malformed");
/// assert_eq!(identify("hunter2").unwrap_err().kind(), "unknown_scheme");
/// ```
///
/// # Errors
/// [`Error::UnknownScheme`] when no format matches, [`Error::Malformed`] when the string
/// claims a format it does not follow.
pub fn identify(stored: &str) -> Result<Scheme, Error> {
    StoredHash::parse(stored).map(|h| h.scheme())
}
pub use policy::{HashVerifier, PasswordPolicy, PolicyContext, PolicySettings};
pub use strength::{Feedback, LudsRequirements, StrengthPolicy, StrengthResult, Violation};
