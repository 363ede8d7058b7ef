//! The one error type of this crate.
//!
//! Every refusal is its own variant so that a caller can act on it (show "this link has
//! expired, send a new one" for [`TokenError::Expired`], fall back to the typed code for
//! [`TokenError::VerifierRequired`]), and no variant carries any part of the presented
//! secret, so an error can be logged as it is.

use std::fmt;

/// Why a token, key, secret or setting was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The input is not in the expected format (wrong length, alphabet or structure).
    /// Nothing was looked up or compared.
    #[error("malformed {0}")]
    Malformed(Format),
    /// An API key is well formed but its CRC32 checksum does not match: a typo or a
    /// truncated copy, refused before any lookup.
    #[error("API key checksum does not match")]
    BadChecksum,
    /// The secret does not match the stored digest, or no record exists for it. The two
    /// are deliberately one variant: telling them apart would help an attacker.
    #[error("invalid or unknown secret")]
    InvalidSecret,
    /// A one-time code (the fallback for a link opened in another browser) is wrong.
    #[error("wrong one-time code")]
    WrongCode,
    /// Too many wrong one-time codes were entered for this token; it is dead.
    #[error("too many wrong codes for this token")]
    TooManyAttempts,
    /// The token was issued for another purpose (a login link presented to the password
    /// reset endpoint, say).
    #[error("token was issued for another purpose")]
    WrongPurpose,
    /// The token was issued to another subject than the one the caller expects.
    #[error("token was issued to another subject")]
    WrongSubject,
    /// The token was issued for another scope (organisation, project) than the one the
    /// caller expects.
    #[error("token was issued for another scope")]
    WrongScope,
    /// The token, key or signed token is past its expiry.
    #[error("expired")]
    Expired,
    /// The single-use token was already redeemed.
    #[error("already used")]
    AlreadyUsed,
    /// The token or key was revoked.
    #[error("revoked")]
    Revoked,
    /// The token was issued with a PKCE `code_challenge` and no `code_verifier` came with
    /// it: the link was most likely opened in another browser than the one that asked
    /// for it. Offer the typed one-time code instead.
    #[error("a PKCE code verifier is required")]
    VerifierRequired,
    /// The PKCE `code_verifier` does not match the `code_challenge`.
    #[error("PKCE code verifier does not match the challenge")]
    PkceMismatch,
    /// A `plain` PKCE challenge was offered while only `S256` is enabled.
    #[error("plain PKCE challenges are not enabled")]
    PlainPkceDisabled,
    /// IP address binding is required and the address differs from the one seen at issue.
    #[error("IP address does not match the one seen at issue")]
    IpMismatch,
    /// User-agent binding is required and the user agent differs from the one seen at issue.
    #[error("user agent does not match the one seen at issue")]
    UserAgentMismatch,
    /// A signed token's MAC does not verify.
    #[error("bad signature")]
    BadSignature,
    /// A stored digest or a signed token names an HMAC key that is not in the key ring.
    #[error("unknown key id")]
    UnknownKeyId,
    /// A one-time code was presented for a token issued without one.
    #[error("this token has no one-time code")]
    NoCodeFallback,
    /// A redirect URL is not acceptable (see [`RedirectRefusal`]).
    #[error("redirect URL refused: {0}")]
    RedirectRefused(RedirectRefusal),
    /// A magic link was asked for with no redirect URL given and none configured for its
    /// purpose.
    #[error("no redirect URL given and none configured")]
    NoRedirectUrl,
    /// A setting or request parameter lies outside its documented bounds.
    #[error("{setting} out of bounds ({bounds})")]
    OutOfBounds {
        /// The setting, as named in the configuration table.
        setting: &'static str,
        /// The accepted range, in words.
        bounds: &'static str,
    },
    /// A configuration value or request field is invalid for a reason other than bounds.
    #[error("invalid {0}")]
    Invalid(&'static str),
    /// A client-secret rotation was started while another is in progress.
    #[error("a secret rotation is already in progress")]
    RotationInProgress,
    /// A client-secret rotation was cancelled or completed while none is in progress.
    #[error("no secret rotation is in progress")]
    NoRotationInProgress,
}

/// The formats this crate parses, named in [`TokenError::Malformed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// An opaque `<id>.<secret>` token ([`crate::OpaqueToken`]).
    Token,
    /// A token id on its own ([`crate::TokenId`]).
    TokenId,
    /// A stored digest string ([`crate::SecretDigest`]).
    Digest,
    /// An HMAC key id ([`crate::KeyId`]).
    KeyId,
    /// An API key ([`crate::api_key`]).
    ApiKey,
    /// An API key prefix.
    ApiKeyPrefix,
    /// A client secret ([`crate::client_secret`]).
    ClientSecret,
    /// A PKCE code verifier (RFC 7636 section 4.1).
    CodeVerifier,
    /// A PKCE code challenge (RFC 7636 section 4.2).
    CodeChallenge,
    /// A one-time code.
    OneTimeCode,
    /// A stateless signed token ([`crate::signed`]).
    SignedToken,
    /// A token purpose name.
    Purpose,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Token => "token",
            Self::TokenId => "token id",
            Self::Digest => "digest",
            Self::KeyId => "key id",
            Self::ApiKey => "API key",
            Self::ApiKeyPrefix => "API key prefix",
            Self::ClientSecret => "client secret",
            Self::CodeVerifier => "PKCE code verifier",
            Self::CodeChallenge => "PKCE code challenge",
            Self::OneTimeCode => "one-time code",
            Self::SignedToken => "signed token",
            Self::Purpose => "purpose",
        })
    }
}

/// Why a redirect URL was refused by [`crate::RedirectAllowList::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RedirectRefusal {
    /// Longer than [`crate::redirect::MAX_URL_LEN`].
    TooLong,
    /// A backslash, a control character, a space or a non-ASCII character: browsers
    /// repair these in ways that move the host (`https:\\evil.com`).
    ForbiddenCharacter,
    /// Not an absolute `http://` or `https://` URL: scheme-relative (`//evil.com`),
    /// relative, `javascript:`, `data:` and every other scheme are refused.
    NotHttp,
    /// The URL does not parse.
    Unparsable,
    /// The URL carries a user name or password (`https://good.com@evil.com`).
    UserInfo,
    /// The URL carries a `#fragment`.
    Fragment,
    /// The URL's query already uses a parameter name the link builder appends.
    ReservedParameter,
    /// Scheme, host, port or path differ from every allow-list entry.
    NotAllowed,
}

impl fmt::Display for RedirectRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TooLong => "too long",
            Self::ForbiddenCharacter => "forbidden character",
            Self::NotHttp => "not an absolute http(s) URL",
            Self::Unparsable => "does not parse",
            Self::UserInfo => "carries user info",
            Self::Fragment => "carries a fragment",
            Self::ReservedParameter => "query uses a reserved parameter",
            Self::NotAllowed => "not in the allow-list",
        })
    }
}
