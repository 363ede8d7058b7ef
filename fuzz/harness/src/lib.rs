//! The body of every fuzz target, as plain functions.
//!
//! `fuzz/fuzz_targets/<name>.rs` calls the function registered under `<name>` in
//! [`TARGETS`], and `tests/corpus.rs` replays every file of `fuzz/corpus/<name>/`
//! through the same function on stable Rust, so CI exercises each target without
//! nightly or libFuzzer. A check returns normally when the input was handled correctly
//! and panics when a property is violated; that panic is what the fuzzer reports.
//!
//! Properties are stronger than "does not panic": decoders must agree with their
//! encoders on every input they accept (strict decoders round-trip exactly, tolerant
//! decoders accept everything the strict ones do).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// A violated property must abort the fuzz run: that is the point of these functions.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod core_decoders;
pub mod jwt;
mod otp;
mod password;
mod password_policy;
mod session;
mod token;

/// A fuzz target: its name (the file under `fuzz/fuzz_targets/` and the corpus
/// directory) and its check.
pub type Target = (&'static str, fn(&[u8]));

/// Every fuzz target. The corpus-replay test fails if a target here has no corpus
/// directory or fuzz_targets file, or if one of those has no entry here.
pub const TARGETS: &[Target] = &[
    ("core_base64", core_decoders::base64),
    ("core_base32", core_decoders::base32),
    ("core_hex", core_decoders::hex),
    ("password_identify", password::identify),
    ("password_import", password::import_record),
    ("session_http_headers", session::http_headers),
    ("otp_uri", otp::uri),
    ("otp_base32_secret", otp::base32_secret),
    ("otp_code_input", otp::code_input),
    ("otp_recovery_input", otp::recovery_input),
    ("password_hibp_line", password_policy::hibp_line),
    ("password_hibp_file", password_policy::hibp_file),
    ("password_policy_check", password_policy::policy_check),
    ("token_api_key", token::api_key),
    ("token_opaque", token::opaque),
    ("token_redirect", token::redirect),
    ("token_signed", token::signed),
    ("jwt_verify", jwt::verify),
    ("jwt_jwk", jwt::jwk),
    ("jwt_jwks", jwt::jwks),
];

/// Runs the check registered as `name`; returns false when there is none.
pub fn run(name: &str, data: &[u8]) -> bool {
    match TARGETS.iter().find(|(n, _)| *n == name) {
        Some((_, check)) => {
            check(data);
            true
        }
        None => false,
    }
}
