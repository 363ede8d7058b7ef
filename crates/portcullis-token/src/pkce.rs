//! PKCE, Proof Key for Code Exchange (RFC 7636): binding a token to the browser that
//! asked for it.
//!
//! The requesting browser (or the server, in a cookie it sets on that browser) keeps a
//! random [`CodeVerifier`] and sends only its [`CodeChallenge`]. The token is issued
//! with the challenge; redeeming it needs the verifier, which a mail scanner, a phishing
//! proxy or another device does not have.
//!
//! - Verifiers are 43 to 128 characters from the RFC's unreserved set
//!   `A-Z a-z 0-9 - . _ ~` (section 4.1). [`CodeVerifier::generate`] makes one from 32
//!   random bytes, as the RFC recommends: 43 base64url characters.
//! - `S256` challenges are `BASE64URL(SHA256(ASCII(verifier)))` (section 4.2), always 43
//!   characters. `plain` challenges (the verifier itself) are refused unless a
//!   [`PkcePolicy`] explicitly allows them; RFC 7636 section 7.2 keeps `plain` only for
//!   clients that cannot compute SHA-256.
//! - The check recomputes the challenge and compares in constant time.
//!
//! ```
//! use portcullis_token::pkce::{CodeChallenge, CodeVerifier, PkcePolicy};
//!
//! // RFC 7636 appendix B.
//! let verifier = CodeVerifier::parse("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")?;
//! let challenge = verifier.challenge();
//! assert_eq!(challenge.value(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
//! assert!(challenge.verify(verifier.expose_secret(), PkcePolicy::default()).is_ok());
//! # Ok::<(), portcullis_token::TokenError>(())
//! ```

use std::fmt;

use portcullis_core::{CryptoRng, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use subtle::Choice;

use crate::b64;
use crate::error::{Format, TokenError};

/// Shortest verifier (RFC 7636 section 4.1).
pub const MIN_VERIFIER_LEN: usize = 43;
/// Longest verifier (RFC 7636 section 4.1).
pub const MAX_VERIFIER_LEN: usize = 128;
/// Length of every `S256` challenge.
pub const S256_CHALLENGE_LEN: usize = 43;

/// A PKCE code verifier: 43 to 128 unreserved characters. A secret: zeroized on drop,
/// printed as `[redacted]`.
#[derive(Clone)]
pub struct CodeVerifier(SecretString);

impl CodeVerifier {
    /// A fresh verifier: 32 random bytes, base64url (43 characters).
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self(portcullis_core::random::token_with(
            rng,
            32,
            portcullis_core::TokenEncoding::Base64Url,
        ))
    }

    /// Checks the syntax of a presented verifier.
    ///
    /// # Errors
    /// [`TokenError::Malformed`] with [`Format::CodeVerifier`] for a length outside
    /// 43..=128 or a character outside the unreserved set.
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        if valid_verifier(text.as_bytes()) {
            Ok(Self(SecretString::from(text)))
        } else {
            Err(TokenError::Malformed(Format::CodeVerifier))
        }
    }

    /// The verifier text.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    /// The `S256` challenge of this verifier.
    #[must_use]
    pub fn challenge(&self) -> CodeChallenge {
        CodeChallenge {
            method: ChallengeMethod::S256,
            // base64url output is ASCII, so the lossy conversion never replaces anything.
            value: String::from_utf8_lossy(&s256(self.expose_secret().as_bytes())).into_owned(),
        }
    }
}

impl fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeVerifier([redacted])")
    }
}

/// How a challenge is derived from its verifier (`code_challenge_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChallengeMethod {
    /// `BASE64URL(SHA256(verifier))`.
    S256,
    /// The verifier itself. Accepted only under [`PkcePolicy::danger_allow_plain`].
    #[serde(rename = "plain")]
    Plain,
}

impl ChallengeMethod {
    /// Parses the `code_challenge_method` parameter (`S256` or `plain`, case-sensitive
    /// as in RFC 7636 section 4.3).
    ///
    /// # Errors
    /// [`TokenError::Malformed`] with [`Format::CodeChallenge`].
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        match text {
            "S256" => Ok(Self::S256),
            "plain" => Ok(Self::Plain),
            _ => Err(TokenError::Malformed(Format::CodeChallenge)),
        }
    }

    /// The parameter value.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::S256 => "S256",
            Self::Plain => "plain",
        }
    }
}

/// Which challenge methods are accepted. The default accepts `S256` only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PkcePolicy {
    allow_plain: bool,
}

impl PkcePolicy {
    /// Also accept `plain` challenges. `plain` protects only against an attacker who
    /// sees the link and not the request that made it (RFC 7636 section 7.2); enable it
    /// only for clients that truly cannot compute SHA-256.
    #[must_use]
    pub const fn danger_allow_plain() -> Self {
        Self { allow_plain: true }
    }

    /// Whether `plain` is accepted.
    #[must_use]
    pub const fn allows_plain(self) -> bool {
        self.allow_plain
    }

    fn admit(self, method: ChallengeMethod) -> Result<(), TokenError> {
        if method == ChallengeMethod::Plain && !self.allow_plain {
            Err(TokenError::PlainPkceDisabled)
        } else {
            Ok(())
        }
    }
}

/// A PKCE code challenge and its method, as stored with a token.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CodeChallenge {
    method: ChallengeMethod,
    value: String,
}

impl fmt::Debug for CodeChallenge {
    /// A `plain` challenge is the verifier itself, so it prints as `[redacted]`; an
    /// `S256` challenge is a public hash and prints as it is.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = match self.method {
            ChallengeMethod::S256 => self.value.as_str(),
            ChallengeMethod::Plain => "[redacted]",
        };
        f.debug_struct("CodeChallenge")
            .field("method", &self.method)
            .field("value", &value)
            .finish()
    }
}

impl CodeChallenge {
    /// Checks a challenge received with a request (`code_challenge`,
    /// `code_challenge_method`; RFC 7636 section 4.3 defaults a missing method to
    /// `plain`, which the caller must spell out here).
    ///
    /// # Errors
    /// [`TokenError::PlainPkceDisabled`] for `plain` under a policy that refuses it;
    /// [`TokenError::Malformed`] when an `S256` challenge is not 43 canonical base64url
    /// characters or a `plain` one is not a valid verifier.
    pub fn parse(
        value: &str,
        method: ChallengeMethod,
        policy: PkcePolicy,
    ) -> Result<Self, TokenError> {
        policy.admit(method)?;
        let valid = match method {
            ChallengeMethod::S256 => b64::decode::<32>(value.as_bytes()).is_some(),
            ChallengeMethod::Plain => valid_verifier(value.as_bytes()),
        };
        if valid {
            Ok(Self {
                method,
                value: value.to_owned(),
            })
        } else {
            Err(TokenError::Malformed(Format::CodeChallenge))
        }
    }

    /// The challenge method.
    #[must_use]
    pub const fn method(&self) -> ChallengeMethod {
        self.method
    }

    /// The challenge text.
    #[must_use]
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Checks a presented `code_verifier` against this challenge in constant time.
    ///
    /// # Errors
    /// [`TokenError::Malformed`] when `verifier` is not a syntactically valid verifier,
    /// [`TokenError::PlainPkceDisabled`] for a `plain` challenge under a policy that
    /// refuses it, [`TokenError::PkceMismatch`] when it does not match.
    pub fn verify(&self, verifier: &str, policy: PkcePolicy) -> Result<(), TokenError> {
        policy.admit(self.method)?;
        if !valid_verifier(verifier.as_bytes()) {
            return Err(TokenError::Malformed(Format::CodeVerifier));
        }
        if bool::from(self.matches(verifier)) {
            Ok(())
        } else {
            Err(TokenError::PkceMismatch)
        }
    }

    /// Whether `verifier` derives this challenge, without branching on the result.
    pub(crate) fn matches(&self, verifier: &str) -> Choice {
        match self.method {
            ChallengeMethod::S256 => {
                portcullis_core::ct_eq_choice(&s256(verifier.as_bytes()), self.value.as_bytes())
            }
            ChallengeMethod::Plain => {
                portcullis_core::ct_eq_choice(verifier.as_bytes(), self.value.as_bytes())
            }
        }
    }
}

/// `BASE64URL(SHA256(input))`, on the stack.
fn s256(input: &[u8]) -> [u8; S256_CHALLENGE_LEN] {
    b64::encode32(&Sha256::digest(input).into())
}

/// Whether `text` is 43 to 128 characters of `A-Z a-z 0-9 - . _ ~` (RFC 7636 section
/// 4.1). Every byte is classified without branches and the results are folded, so the
/// loop has no early exit and compiles to vector instructions (it runs on every
/// redemption; a short-circuiting `all` over `is_ascii_alphanumeric` cost a fifth of
/// the check).
fn valid_verifier(text: &[u8]) -> bool {
    (MIN_VERIFIER_LEN..=MAX_VERIFIER_LEN).contains(&text.len())
        && text.iter().fold(true, |ok, &b| ok & unreserved(b))
}

/// `A-Z a-z 0-9 - . _ ~`, as range tests without branches.
const fn unreserved(b: u8) -> bool {
    let digit = b.wrapping_sub(b'0') < 10;
    // Clearing bit 5 maps `a-z` onto `A-Z` (and nothing else onto it).
    let letter = (b & !0x20).wrapping_sub(b'A') < 26;
    // `-` and `.` are adjacent (0x2d, 0x2e).
    let punct = (b.wrapping_sub(b'-') < 2) | (b == b'_') | (b == b'~');
    digit | letter | punct
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_chacha::rand_core::SeedableRng;

    #[test]
    fn rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        let parsed =
            CodeChallenge::parse(challenge, ChallengeMethod::S256, PkcePolicy::default()).unwrap();
        assert_eq!(parsed, CodeVerifier::parse(verifier).unwrap().challenge());
        assert_eq!(parsed.verify(verifier, PkcePolicy::default()), Ok(()));
        let other = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj";
        assert_eq!(
            parsed.verify(other, PkcePolicy::default()),
            Err(TokenError::PkceMismatch)
        );
    }

    #[test]
    fn unreserved_is_exactly_the_rfc_set() {
        for b in 0..=255u8 {
            let expected = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
            assert_eq!(unreserved(b), expected, "{b:#04x}");
        }
    }

    #[test]
    fn verifier_syntax() {
        let ok = "a".repeat(43);
        assert!(CodeVerifier::parse(&ok).is_ok());
        assert!(CodeVerifier::parse(&"~._-Az09".repeat(16)).is_ok()); // 128
        for bad in [
            "a".repeat(42),
            "a".repeat(129),
            format!("{}+", "a".repeat(42)),
            format!("{} ", "a".repeat(43)),
            format!("{}é", "a".repeat(42)),
        ] {
            assert_eq!(
                CodeVerifier::parse(&bad).map(|_| ()),
                Err(TokenError::Malformed(Format::CodeVerifier)),
                "{bad}"
            );
        }
        let v = CodeVerifier::generate(&mut ChaCha20Rng::seed_from_u64(1));
        assert_eq!(v.expose_secret().len(), 43);
        assert!(CodeVerifier::parse(v.expose_secret()).is_ok());
        assert_eq!(format!("{v:?}"), "CodeVerifier([redacted])");
    }

    #[test]
    fn challenge_syntax_and_policy() {
        let s256 = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        let strict = PkcePolicy::default();
        // One character short, padded, non-canonical last character, wrong alphabet.
        for bad in [
            &s256[..42],
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM=",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM",
        ] {
            assert_eq!(
                CodeChallenge::parse(bad, ChallengeMethod::S256, strict),
                Err(TokenError::Malformed(Format::CodeChallenge)),
                "{bad}"
            );
        }
        let verifier = "a".repeat(50);
        assert_eq!(
            CodeChallenge::parse(&verifier, ChallengeMethod::Plain, strict),
            Err(TokenError::PlainPkceDisabled)
        );
        let lax = PkcePolicy::danger_allow_plain();
        assert!(lax.allows_plain());
        let plain = CodeChallenge::parse(&verifier, ChallengeMethod::Plain, lax).unwrap();
        assert_eq!(plain.verify(&verifier, lax), Ok(()));
        assert_eq!(
            plain.verify(&verifier, strict),
            Err(TokenError::PlainPkceDisabled)
        );
        assert_eq!(
            plain.verify(&"b".repeat(50), lax),
            Err(TokenError::PkceMismatch)
        );
        assert_eq!(
            plain.verify("short", lax),
            Err(TokenError::Malformed(Format::CodeVerifier))
        );
        assert_eq!(
            CodeChallenge::parse("short", ChallengeMethod::Plain, lax),
            Err(TokenError::Malformed(Format::CodeChallenge))
        );
        assert_eq!(ChallengeMethod::parse("S256"), Ok(ChallengeMethod::S256));
        assert_eq!(ChallengeMethod::parse("plain"), Ok(ChallengeMethod::Plain));
        assert!(ChallengeMethod::parse("s256").is_err());
        let json = serde_json::to_string(&plain).unwrap();
        assert_eq!(
            json,
            format!("{{\"method\":\"plain\",\"value\":\"{verifier}\"}}")
        );
    }
}
