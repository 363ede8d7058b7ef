//! Single-use tokens: magic links (login, signup, invite), password-reset, email
//! verification and email-change tokens, and caller-defined kinds.
//!
//! [`SingleUseTokens::issue`] returns the [`OpaqueToken`] to deliver and the
//! [`TokenRecord`] to store (only a digest of the secret, per [`crate::opaque`]).
//! [`SingleUseTokens::redeem`] judges a presented token against the stored record; the
//! store then marks the record consumed with one atomic compare-and-set keyed by the
//! token id (`UPDATE ... SET consumed_at = $now WHERE id = $id AND consumed_at IS NULL
//! AND revoked_at IS NULL`), and only the caller whose write took effect proceeds. [`SingleUseTokens::peek`]
//! validates without consuming (Riskalyze's `GET password-resets/{token}`).
//!
//! # What a redemption checks
//!
//! Every check below is computed before any outcome is chosen, so the time taken does
//! not depend on which one fails; the digest comparison is constant-time. The first
//! failing check, in this order, is the error:
//!
//! | check | error |
//! |---|---|
//! | id and secret digest match the record | [`TokenError::InvalidSecret`] |
//! | issued for the expected purpose | [`TokenError::WrongPurpose`] |
//! | issued to the expected subject (when the caller names one) | [`TokenError::WrongSubject`] |
//! | issued for the expected scope (when the caller names one) | [`TokenError::WrongScope`] |
//! | not revoked | [`TokenError::Revoked`] |
//! | not consumed | [`TokenError::AlreadyUsed`] |
//! | `now` before `expires_at` | [`TokenError::Expired`] |
//! | PKCE verifier present, when the token carries a challenge | [`TokenError::VerifierRequired`] |
//! | PKCE verifier matches the challenge | [`TokenError::PkceMismatch`] |
//! | same IP address as at issue, when `ip_match_required` | [`TokenError::IpMismatch`] |
//! | same user agent as at issue, when `user_agent_match_required` | [`TokenError::UserAgentMismatch`] |
//!
//! A wrong secret hides every other fact about the record. For a presented id with no
//! record, call [`SingleUseTokens::refuse_unknown`], which does the same digest work.
//!
//! # Links and email security scanners
//!
//! Mail gateways (Microsoft Defender Safe Links, Mimecast, Proofpoint) open every link
//! in a message before the recipient does; a link that consumes its token on `GET` is
//! dead by the time the user clicks it, and a link that signs in on `GET` signs the
//! scanner in. The pattern this crate is built for, and the default to follow:
//!
//! 1. **Request.** The browser that asks for the link holds a PKCE verifier (generate
//!    one with [`crate::pkce::CodeVerifier::generate`] and keep it in an HttpOnly
//!    cookie); the token is issued with its challenge and with a one-time code
//!    ([`IssueRequest::with_code`]). The email carries the link and the code.
//! 2. **`GET` of the link** only [`peek`](SingleUseTokens::peek)s and renders a confirm
//!    page with a button that `POST`s the token back. Scanners fetch pages; they do not
//!    submit forms they did not write.
//! 3. **`POST` from that page** [`redeem`](SingleUseTokens::redeem)s with the verifier
//!    from the cookie: the token is consumed only by the browser that asked for it.
//! 4. **Opened elsewhere** (another device, another browser), the `POST` has no verifier
//!    and gets [`TokenError::VerifierRequired`], and nothing is consumed. The page says
//!    "type the code from the email on the device where you asked for it"; there,
//!    [`redeem_code`](SingleUseTokens::redeem_code) takes the code together with the
//!    verifier from that browser's cookie and the token id the browser kept from step 1.
//!
//! The code is short (6 digits by default), so it is only issued together with a PKCE
//! challenge: a code alone, even read from a copy of the database, redeems nothing
//! without the verifier, and each token allows a few wrong codes only
//! (`code_max_attempts`; the store counts failures atomically). The verifier is judged
//! before the code, so a stranger who saw the token id in a link can neither test codes
//! nor spend the budget. Under [`Digester::Sha256`] a copy of the database gives the
//! code back in at most 10^6 hashes (the digest input is public apart from the code);
//! prefer [`Digester::Hmac`] when codes are issued, so the stored digest alone tests
//! nothing.
//!
//! ```
//! use portcullis_core::{Duration, OffsetDateTime};
//! use portcullis_token::pkce::CodeVerifier;
//! use portcullis_token::{Digester, IssueRequest, OpaqueToken, Purpose, RedeemCheck, SingleUseConfig, SingleUseTokens, TokenError};
//! # use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
//! # let mut rng = ChaCha20Rng::seed_from_u64(1);
//! let tokens = SingleUseTokens::new(SingleUseConfig::default(), Digester::Sha256);
//! let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
//!
//! // 1. The browser asking for a login link holds a verifier.
//! let verifier = CodeVerifier::generate(&mut rng);
//! let request = IssueRequest::new(Purpose::Login, "user-123")
//!     .code_challenge(verifier.challenge())
//!     .with_code();
//! let issued = tokens.issue(&mut rng, request, now)?;
//! let mut record = issued.record; // store it; mail issued.token and issued.code
//!
//! // 2. GET: peek only.
//! let link_token = OpaqueToken::parse(issued.token.render().expose_secret())?;
//! let check = RedeemCheck::new(Purpose::Login);
//! let peek = tokens.peek(&record, &link_token, &check, now)?;
//! assert!(peek.requires_verifier);
//!
//! // 4. POST from a browser without the verifier: refused, nothing consumed.
//! assert_eq!(tokens.redeem(&record, &link_token, &check, now).unwrap_err(), TokenError::VerifierRequired);
//!
//! // 3. POST from the browser that asked: consumed once.
//! let later = now + Duration::minutes(2);
//! let check = RedeemCheck::new(Purpose::Login).code_verifier(verifier.expose_secret());
//! let redemption = tokens.redeem(&record, &link_token, &check, later)?;
//! redemption.apply(&mut record); // in a store: the atomic compare-and-set
//! assert_eq!(tokens.redeem(&record, &link_token, &check, later).unwrap_err(), TokenError::AlreadyUsed);
//! # Ok::<(), TokenError>(())
//! ```

use std::fmt;
use std::net::IpAddr;

use portcullis_core::{CryptoRng, Duration, OffsetDateTime, SecretString, random};
use serde::{Deserialize, Serialize};
use subtle::Choice;
use zeroize::Zeroizing;

use crate::error::{Format, TokenError};
use crate::opaque::{Digester, OpaqueToken, SecretDigest, TokenId};
use crate::pkce::{CodeChallenge, PkcePolicy};
use crate::purpose::{Lifetimes, Purpose, check_lifetime};
use crate::redirect::AllowedRedirect;

/// Free-form data a caller keeps with a token or key (Stytch `trusted_metadata`,
/// PropelAuth `metadata`).
pub type Metadata = serde_json::Map<String, serde_json::Value>;

/// Domain separator for one-time-code digests, so they can never collide with the
/// digest of a token secret.
const CODE_CONTEXT: &[u8] = b"portcullis one-time code\0";

/// What the client looked like: captured at issue, compared at redemption when the
/// caller asks for it (Stytch `attributes{ip_address, user_agent}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attributes {
    /// The client's IP address.
    #[serde(default)]
    pub ip_address: Option<IpAddr>,
    /// The client's `User-Agent` header.
    #[serde(default)]
    pub user_agent: Option<String>,
}

impl Attributes {
    /// Attributes with both fields set.
    #[must_use]
    pub fn new(ip_address: IpAddr, user_agent: impl Into<String>) -> Self {
        Self {
            ip_address: Some(ip_address),
            user_agent: Some(user_agent.into()),
        }
    }
}

/// What a token is bound to beyond its secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    /// The PKCE challenge of the browser that asked for the token; redemption then needs
    /// the matching verifier.
    #[serde(default)]
    pub code_challenge: Option<CodeChallenge>,
    /// The IP address seen at issue.
    #[serde(default)]
    pub ip_address: Option<IpAddr>,
    /// The user agent seen at issue.
    #[serde(default)]
    pub user_agent: Option<String>,
}

/// The typed one-time code that stands in for the link when it is opened elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeFallback {
    /// Digest of the code (bound to the token id).
    pub digest: SecretDigest,
    /// Wrong codes entered so far; the store increments this atomically.
    pub failed_attempts: u32,
    /// Wrong codes allowed before the token dies.
    pub max_attempts: u32,
}

/// The stored form of a single-use token. Nothing in it redeems the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Lookup key.
    pub id: TokenId,
    /// Digest of the token's secret.
    pub digest: SecretDigest,
    /// What the token may be redeemed for.
    pub purpose: Purpose,
    /// Whom it was issued to: a user id, or an email address for signups and invites.
    pub subject: String,
    /// The organisation or project it is valid in, if any.
    #[serde(default)]
    pub scope: Option<String>,
    /// When it was issued (serialized as Unix seconds).
    #[serde(with = "time::serde::timestamp")]
    pub created_at: OffsetDateTime,
    /// First instant at which it is no longer valid.
    #[serde(with = "time::serde::timestamp")]
    pub expires_at: OffsetDateTime,
    /// When it was redeemed; `None` while unused.
    #[serde(default, with = "time::serde::timestamp::option")]
    pub consumed_at: Option<OffsetDateTime>,
    /// When it was revoked; `None` unless revoked.
    #[serde(default, with = "time::serde::timestamp::option")]
    pub revoked_at: Option<OffsetDateTime>,
    /// PKCE, IP address and user agent captured at issue.
    #[serde(default)]
    pub binding: Binding,
    /// Where the link sends the user (checked against the allow-list at issue).
    #[serde(default)]
    pub redirect_url: Option<String>,
    /// Caller data.
    #[serde(default)]
    pub metadata: Metadata,
    /// The one-time code fallback, when issued with one.
    #[serde(default)]
    pub code: Option<CodeFallback>,
}

impl TokenRecord {
    /// Whether the token could still be redeemed at `now` (not consumed, revoked or
    /// expired). Says nothing about any presented secret.
    #[must_use]
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        self.consumed_at.is_none() && self.revoked_at.is_none() && now < self.expires_at
    }

    /// Marks the token revoked (a store does this in one write, e.g. for every live
    /// invite of an address).
    pub fn revoke(&mut self, now: OffsetDateTime) {
        self.revoked_at.get_or_insert(now);
    }

    /// Counts one wrong one-time code. A store does this in one gated write, so
    /// concurrent guesses cannot all pass a stale budget check, e.g.
    /// `UPDATE tokens SET failed_attempts = failed_attempts + 1 WHERE id = $1 AND
    /// failed_attempts < max_attempts RETURNING failed_attempts`, and its consume
    /// compare-and-set also requires `failed_attempts < max_attempts`.
    pub fn record_wrong_code(&mut self) {
        if let Some(code) = &mut self.code {
            code.failed_attempts = code.failed_attempts.saturating_add(1);
        }
    }
}

/// Settings for single-use tokens, each with its default and bounds:
///
/// | setting | default | bounds |
/// |---|---|---|
/// | `lifetimes` | see [`crate::purpose`] | 5 to 10080 minutes each |
/// | `pkce` | `S256` only | `plain` only through [`PkcePolicy::danger_allow_plain`] |
/// | `code_digits` | 6 | 6 to 10 |
/// | `code_max_attempts` | 5 | 1 to 10 |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SingleUseConfig {
    lifetimes: Lifetimes,
    pkce: PkcePolicy,
    code_digits: usize,
    code_max_attempts: u32,
}

impl Default for SingleUseConfig {
    fn default() -> Self {
        Self {
            lifetimes: Lifetimes::default(),
            pkce: PkcePolicy::default(),
            code_digits: 6,
            code_max_attempts: 5,
        }
    }
}

impl SingleUseConfig {
    /// Replaces the per-purpose lifetimes.
    #[must_use]
    pub fn lifetimes(mut self, lifetimes: Lifetimes) -> Self {
        self.lifetimes = lifetimes;
        self
    }

    /// Replaces the PKCE policy.
    #[must_use]
    pub const fn pkce(mut self, policy: PkcePolicy) -> Self {
        self.pkce = policy;
        self
    }

    /// Digits in a one-time code.
    ///
    /// # Errors
    /// [`TokenError::OutOfBounds`] outside 6..=10.
    pub fn code_digits(mut self, digits: usize) -> Result<Self, TokenError> {
        if !(6..=10).contains(&digits) {
            return Err(TokenError::OutOfBounds {
                setting: "code_digits",
                bounds: "6 to 10",
            });
        }
        self.code_digits = digits;
        Ok(self)
    }

    /// Wrong one-time codes allowed per token.
    ///
    /// # Errors
    /// [`TokenError::OutOfBounds`] outside 1..=10.
    pub fn code_max_attempts(mut self, attempts: u32) -> Result<Self, TokenError> {
        if !(1..=10).contains(&attempts) {
            return Err(TokenError::OutOfBounds {
                setting: "code_max_attempts",
                bounds: "1 to 10",
            });
        }
        self.code_max_attempts = attempts;
        Ok(self)
    }

    /// The per-purpose lifetimes.
    #[must_use]
    pub const fn lifetime_table(&self) -> &Lifetimes {
        &self.lifetimes
    }

    /// The PKCE policy.
    #[must_use]
    pub const fn pkce_policy(&self) -> PkcePolicy {
        self.pkce
    }
}

/// What to issue: built with [`IssueRequest::new`] and the chained setters.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    purpose: Purpose,
    subject: String,
    scope: Option<String>,
    lifetime: Option<Duration>,
    binding: Binding,
    redirect_url: Option<AllowedRedirect>,
    metadata: Metadata,
    with_code: bool,
}

impl IssueRequest {
    /// A token for `purpose`, issued to `subject`.
    #[must_use]
    pub fn new(purpose: Purpose, subject: impl Into<String>) -> Self {
        Self {
            purpose,
            subject: subject.into(),
            scope: None,
            lifetime: None,
            binding: Binding::default(),
            redirect_url: None,
            metadata: Metadata::new(),
            with_code: false,
        }
    }

    /// Valid only within this organisation or project.
    #[must_use]
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// This lifetime instead of the purpose's default (Stytch `*_expiration_minutes`);
    /// bounded like the defaults.
    #[must_use]
    pub const fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = Some(lifetime);
        self
    }

    /// Bind to the PKCE challenge of the requesting browser.
    #[must_use]
    pub fn code_challenge(mut self, challenge: CodeChallenge) -> Self {
        self.binding.code_challenge = Some(challenge);
        self
    }

    /// Record the client's IP address and user agent, for redemptions that require
    /// them to match.
    #[must_use]
    pub fn attributes(mut self, attributes: Attributes) -> Self {
        self.binding.ip_address = attributes.ip_address;
        self.binding.user_agent = attributes.user_agent;
        self
    }

    /// Where the link leads, already checked against the allow-list.
    #[must_use]
    pub fn redirect_url(mut self, url: AllowedRedirect) -> Self {
        self.redirect_url = Some(url);
        self
    }

    /// Caller data kept with the record.
    #[must_use]
    pub fn metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = metadata;
        self
    }

    /// Also issue a one-time code (needs a [`code_challenge`](Self::code_challenge)).
    #[must_use]
    pub const fn with_code(mut self) -> Self {
        self.with_code = true;
        self
    }
}

/// A freshly issued token: what to deliver and what to store.
#[derive(Debug)]
pub struct Issued {
    /// The token for the link; shown once, never stored.
    pub token: OpaqueToken,
    /// The one-time code for the email, when asked for; never stored.
    pub code: Option<SecretString>,
    /// The record to store.
    pub record: TokenRecord,
}

/// What the caller expects of a presented token.
#[derive(Clone)]
pub struct RedeemCheck<'a> {
    purpose: Purpose,
    subject: Option<&'a str>,
    scope: Option<&'a str>,
    code_verifier: Option<&'a str>,
    attributes: Attributes,
    ip_match_required: bool,
    user_agent_match_required: bool,
}

impl fmt::Debug for RedeemCheck<'_> {
    /// The PKCE verifier is a secret and prints as `[redacted]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedeemCheck")
            .field("purpose", &self.purpose)
            .field("subject", &self.subject)
            .field("scope", &self.scope)
            .field("code_verifier", &self.code_verifier.map(|_| "[redacted]"))
            .field("attributes", &self.attributes)
            .field("ip_match_required", &self.ip_match_required)
            .field("user_agent_match_required", &self.user_agent_match_required)
            .finish()
    }
}

impl<'a> RedeemCheck<'a> {
    /// Expect a token for `purpose`.
    #[must_use]
    pub fn new(purpose: Purpose) -> Self {
        Self {
            purpose,
            subject: None,
            scope: None,
            code_verifier: None,
            attributes: Attributes::default(),
            ip_match_required: false,
            user_agent_match_required: false,
        }
    }

    /// Expect it to have been issued to `subject`.
    #[must_use]
    pub const fn subject(mut self, subject: &'a str) -> Self {
        self.subject = Some(subject);
        self
    }

    /// Expect it to be valid in `scope`.
    #[must_use]
    pub const fn scope(mut self, scope: &'a str) -> Self {
        self.scope = Some(scope);
        self
    }

    /// The PKCE `code_verifier` presented with it.
    #[must_use]
    pub const fn code_verifier(mut self, verifier: &'a str) -> Self {
        self.code_verifier = Some(verifier);
        self
    }

    /// The client's attributes now.
    #[must_use]
    pub fn attributes(mut self, attributes: Attributes) -> Self {
        self.attributes = attributes;
        self
    }

    /// Refuse unless the IP address equals the one recorded at issue (Stytch
    /// `ip_match_required`). A token issued without an address then never redeems.
    #[must_use]
    pub const fn require_ip_match(mut self) -> Self {
        self.ip_match_required = true;
        self
    }

    /// Refuse unless the user agent equals the one recorded at issue (Stytch
    /// `user_agent_match_required`). A token issued without one then never redeems.
    #[must_use]
    pub const fn require_user_agent_match(mut self) -> Self {
        self.user_agent_match_required = true;
        self
    }
}

/// A successful peek: the token is valid now, and this is what the confirm page needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peek {
    /// Redemption will need the PKCE verifier of the requesting browser.
    pub requires_verifier: bool,
    /// A one-time code was issued with the token (offer it as the fallback).
    pub has_code: bool,
    /// When the token expires.
    pub expires_at: OffsetDateTime,
}

/// A successful redemption: what the store must write, atomically and only if the
/// record is still unconsumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "the token is consumed only when the store records it"]
pub struct Redemption {
    /// The record to mark.
    pub id: TokenId,
    /// The value for `consumed_at`.
    pub consumed_at: OffsetDateTime,
}

impl Redemption {
    /// Marks `record` consumed: the in-memory equivalent of the store's
    /// compare-and-set, `UPDATE ... SET consumed_at = $consumed_at WHERE id = $id AND
    /// consumed_at IS NULL AND revoked_at IS NULL`. Returns false (and changes nothing)
    /// when the record is another token, or was consumed or revoked since it was read:
    /// the cases where the store's write does not take effect either.
    pub fn apply(&self, record: &mut TokenRecord) -> bool {
        if record.id != self.id || record.consumed_at.is_some() || record.revoked_at.is_some() {
            return false;
        }
        record.consumed_at = Some(self.consumed_at);
        true
    }
}

/// Issues and judges single-use tokens. Sans-I/O: `now` and the RNG are arguments and
/// records go back to the caller.
#[derive(Debug, Clone)]
pub struct SingleUseTokens {
    config: SingleUseConfig,
    digester: Digester,
}

impl SingleUseTokens {
    /// Tokens with these settings, digested by `digester`.
    #[must_use]
    pub const fn new(config: SingleUseConfig, digester: Digester) -> Self {
        Self { config, digester }
    }

    /// The settings.
    #[must_use]
    pub const fn config(&self) -> &SingleUseConfig {
        &self.config
    }

    /// The digester.
    #[must_use]
    pub const fn digester(&self) -> &Digester {
        &self.digester
    }

    /// Issues a token: the secret to deliver and the record to store.
    ///
    /// # Errors
    /// [`TokenError::OutOfBounds`] for a lifetime outside the bounds;
    /// [`TokenError::PlainPkceDisabled`] for a `plain` challenge the policy refuses;
    /// [`TokenError::Invalid`] for an empty subject, a one-time code asked for without
    /// a PKCE challenge, or an expiry beyond the year 9999.
    pub fn issue<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        request: IssueRequest,
        now: OffsetDateTime,
    ) -> Result<Issued, TokenError> {
        let lifetime = match request.lifetime {
            Some(lifetime) => {
                check_lifetime(lifetime)?;
                lifetime
            }
            None => self.config.lifetimes.get(&request.purpose),
        };
        if request.subject.is_empty() {
            return Err(TokenError::Invalid("empty subject"));
        }
        if let Some(challenge) = &request.binding.code_challenge
            && challenge.method() == crate::pkce::ChallengeMethod::Plain
            && !self.config.pkce.allows_plain()
        {
            return Err(TokenError::PlainPkceDisabled);
        }
        if request.with_code && request.binding.code_challenge.is_none() {
            return Err(TokenError::Invalid(
                "a one-time code needs a PKCE code challenge",
            ));
        }
        let expires_at = now
            .checked_add(lifetime)
            .ok_or(TokenError::Invalid("expiry out of range"))?;

        let token = OpaqueToken::generate(rng);
        let code = request
            .with_code
            .then(|| random::digits_with(rng, self.config.code_digits));
        let code_fallback = code.as_ref().map(|code| CodeFallback {
            digest: self
                .digester
                .digest_bytes(&code_input(token.id(), code.expose_secret())),
            failed_attempts: 0,
            max_attempts: self.config.code_max_attempts,
        });
        let record = TokenRecord {
            id: *token.id(),
            digest: self.digester.digest(token.secret()),
            purpose: request.purpose,
            subject: request.subject,
            scope: request.scope,
            created_at: now,
            expires_at,
            consumed_at: None,
            revoked_at: None,
            binding: request.binding,
            redirect_url: request.redirect_url.map(|url| url.as_str().to_owned()),
            metadata: request.metadata,
            code: code_fallback,
        };
        Ok(Issued {
            token,
            code,
            record,
        })
    }

    /// Validates `presented` against `record` without consuming it: the `GET` of a
    /// link, or Riskalyze's "check a reset token". Checks the secret, purpose, subject,
    /// scope, revocation, use and expiry; PKCE and client bindings are checked only at
    /// redemption (a scanner has neither).
    ///
    /// # Errors
    /// The refusals of the table in the [module docs](self), up to
    /// [`TokenError::Expired`]; [`TokenError::UnknownKeyId`] when the record's digest
    /// names a key missing from the ring.
    pub fn peek(
        &self,
        record: &TokenRecord,
        presented: &OpaqueToken,
        check: &RedeemCheck<'_>,
        now: OffsetDateTime,
    ) -> Result<Peek, TokenError> {
        let secret_ok = self.secret_matches(record, presented)?;
        let verdict = Verdict::new(record, check, now, false, self.config.pkce);
        verdict.decide(secret_ok, TokenError::InvalidSecret)?;
        Ok(Peek {
            requires_verifier: record.binding.code_challenge.is_some(),
            has_code: record.code.is_some(),
            expires_at: record.expires_at,
        })
    }

    /// Judges `presented` against `record` for redemption. On success the caller must
    /// record the [`Redemption`] with the store's atomic compare-and-set; the token is
    /// used only if that write takes effect.
    ///
    /// # Errors
    /// The refusals of the table in the [module docs](self);
    /// [`TokenError::Malformed`] for a syntactically invalid PKCE verifier;
    /// [`TokenError::PlainPkceDisabled`] for a stored `plain` challenge the policy now
    /// refuses; [`TokenError::UnknownKeyId`] as for [`peek`](Self::peek).
    pub fn redeem(
        &self,
        record: &TokenRecord,
        presented: &OpaqueToken,
        check: &RedeemCheck<'_>,
        now: OffsetDateTime,
    ) -> Result<Redemption, TokenError> {
        let secret_ok = self.secret_matches(record, presented)?;
        let verdict = Verdict::new(record, check, now, true, self.config.pkce);
        verdict.decide(secret_ok, TokenError::InvalidSecret)?;
        Ok(Redemption {
            id: record.id,
            consumed_at: now,
        })
    }

    /// Redeems with the one-time code instead of the link, in the browser that asked for
    /// the token: `id` is the token id that browser kept, `check` must carry its PKCE
    /// verifier. A wrong code must be counted by the store
    /// ([`TokenRecord::record_wrong_code`]); after `max_attempts` wrong codes the token
    /// is dead.
    ///
    /// The PKCE verifier is judged before the code: the token id travels in the link,
    /// where scanners, proxies and logs see it, so without the verifier a right and a
    /// wrong code get the same refusal and no attempt is spent (a stranger holding the
    /// id can neither test codes nor burn the budget).
    ///
    /// # Errors
    /// [`TokenError::NoCodeFallback`] for a token issued without a code;
    /// [`TokenError::Malformed`] for a code that is not 6 to 10 digits;
    /// [`TokenError::VerifierRequired`] or [`TokenError::PkceMismatch`] (or a
    /// malformed verifier) before the code is looked at;
    /// [`TokenError::TooManyAttempts`] once the wrong-code budget is spent;
    /// [`TokenError::WrongCode`]; then the refusals of [`redeem`](Self::redeem).
    pub fn redeem_code(
        &self,
        record: &TokenRecord,
        id: &TokenId,
        code: &str,
        check: &RedeemCheck<'_>,
        now: OffsetDateTime,
    ) -> Result<Redemption, TokenError> {
        let fallback = record.code.as_ref().ok_or(TokenError::NoCodeFallback)?;
        if !(6..=10).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TokenError::Malformed(Format::OneTimeCode));
        }
        pkce_result(record, check, self.config.pkce)?;
        if fallback.failed_attempts >= fallback.max_attempts {
            return Err(TokenError::TooManyAttempts);
        }
        let input = code_input(id, code);
        // The id is public; only the digest comparison must be constant-time.
        let code_ok = self.digester.matches(&fallback.digest, &input)?
            & Choice::from(u8::from(record.id == *id));
        let verdict = Verdict::new(record, check, now, true, self.config.pkce);
        verdict.decide(code_ok, TokenError::WrongCode)?;
        Ok(Redemption {
            id: record.id,
            consumed_at: now,
        })
    }

    /// The refusal for a presented token whose id has no record, after the same digest
    /// work a known id costs.
    #[must_use]
    pub fn refuse_unknown(&self, presented: &OpaqueToken) -> TokenError {
        self.digester.refuse_unknown(presented.secret())
    }

    fn secret_matches(
        &self,
        record: &TokenRecord,
        presented: &OpaqueToken,
    ) -> Result<Choice, TokenError> {
        let digest_ok = self
            .digester
            .matches(&record.digest, presented.secret().expose_secret())?;
        // The id is public (the record was found by it); only the digest comparison must
        // be constant-time.
        Ok(digest_ok & Choice::from(u8::from(record.id == *presented.id())))
    }
}

/// Every check of the table, computed before any is acted on.
struct Verdict {
    redeeming: bool,
    purpose_ok: bool,
    subject_ok: bool,
    scope_ok: bool,
    revoked: bool,
    used: bool,
    expired: bool,
    pkce: Result<(), TokenError>,
    ip_ok: bool,
    user_agent_ok: bool,
}

impl Verdict {
    /// `redeeming` is false for a peek, which does not judge the bindings.
    fn new(
        record: &TokenRecord,
        check: &RedeemCheck<'_>,
        now: OffsetDateTime,
        redeeming: bool,
        policy: PkcePolicy,
    ) -> Self {
        let pkce = pkce_result(record, check, policy);
        let ip_ok = !check.ip_match_required
            || matches!(
                (record.binding.ip_address, check.attributes.ip_address),
                (Some(a), Some(b)) if a.to_canonical() == b.to_canonical()
            );
        let user_agent_ok = !check.user_agent_match_required
            || matches!(
                (&record.binding.user_agent, &check.attributes.user_agent),
                (Some(a), Some(b)) if text_eq(a, b)
            );
        Self {
            redeeming,
            purpose_ok: text_eq(record.purpose.as_str(), check.purpose.as_str()),
            subject_ok: check.subject.is_none_or(|s| text_eq(&record.subject, s)),
            scope_ok: check
                .scope
                .is_none_or(|s| record.scope.as_deref().is_some_and(|r| text_eq(r, s))),
            revoked: record.revoked_at.is_some(),
            used: record.consumed_at.is_some(),
            expired: now >= record.expires_at,
            pkce,
            ip_ok,
            user_agent_ok,
        }
    }

    /// The first failure in table order; `secret_ok` false hides all the others.
    fn decide(self, secret_ok: Choice, wrong_secret: TokenError) -> Result<(), TokenError> {
        if !bool::from(secret_ok) {
            return Err(wrong_secret);
        }
        let refusals = [
            (!self.purpose_ok, TokenError::WrongPurpose),
            (!self.subject_ok, TokenError::WrongSubject),
            (!self.scope_ok, TokenError::WrongScope),
            (self.revoked, TokenError::Revoked),
            (self.used, TokenError::AlreadyUsed),
            (self.expired, TokenError::Expired),
        ];
        if let Some((_, error)) = refusals.into_iter().find(|(failed, _)| *failed) {
            return Err(error);
        }
        if self.redeeming {
            self.pkce?;
            if !self.ip_ok {
                return Err(TokenError::IpMismatch);
            }
            if !self.user_agent_ok {
                return Err(TokenError::UserAgentMismatch);
            }
        }
        Ok(())
    }
}

/// Whether `check` carries the verifier of the challenge `record` was bound to.
fn pkce_result(
    record: &TokenRecord,
    check: &RedeemCheck<'_>,
    policy: PkcePolicy,
) -> Result<(), TokenError> {
    match (&record.binding.code_challenge, check.code_verifier) {
        (None, _) => Ok(()),
        (Some(_), None) => Err(TokenError::VerifierRequired),
        (Some(challenge), Some(verifier)) => challenge.verify(verifier, policy),
    }
}

/// What a one-time code's digest is taken over: a context label, the token id, the code.
fn code_input(id: &TokenId, code: &str) -> Zeroizing<Vec<u8>> {
    let mut input = Zeroizing::new(Vec::with_capacity(CODE_CONTEXT.len() + 16 + code.len()));
    input.extend_from_slice(CODE_CONTEXT);
    input.extend_from_slice(id.as_bytes());
    input.extend_from_slice(code.as_bytes());
    input
}

/// Constant-time equality of a recorded and an expected text (lengths are public).
fn text_eq(a: &str, b: &str) -> bool {
    portcullis_core::ct_eq(a.as_bytes(), b.as_bytes())
}
