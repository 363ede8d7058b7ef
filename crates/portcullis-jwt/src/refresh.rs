//! Refresh-token families: rotation on every use, reuse detection with a grace window,
//! an absolute lifetime and scopes that only narrow (OAuth 2.0 Security BCP, RFC 9700
//! section 4.14; RFC 6749 section 6).
//!
//! A refresh token is an opaque `portcullis-token` [`OpaqueToken`], `<id>.<secret>`,
//! whose id is the family id (stable across rotations) and whose secret changes on
//! every exchange. Only digests are stored ([`Digester`]).
//!
//! **The successor is derived, not drawn**: `secret' = HMAC-SHA256(successor key,
//! label || family id || presented secret)`. Two requests presenting the same token at
//! once (two tabs refreshing together) compute the same successor, so the one that
//! loses the race is answered with the token the winner got instead of revoking the
//! family; after the grace window (30 s by default) presenting a replaced token revokes
//! the family, since only a copy of a stolen token would be presented then. The
//! successor key lives outside the database: a reader of the database cannot compute
//! successors.
//!
//! The rules are implemented twice on purpose, with one meaning:
//!
//! - [`RefreshTokens::rotate`] applies them to a [`RefreshFamily`] in memory (tests,
//!   single-process services);
//! - with `portcullis-store`, [`RefreshTokens::prepare`] computes the digests and the
//!   successor, the store's `RefreshFamilyStore::rotate(family_id, presented,
//!   successor, now, grace)` applies the same rules in one atomic write, and
//!   [`RefreshTokens::finish`] turns its outcome into an [`Exchange`] or a refusal.
//!
//! The presented token is matched under every key of an HMAC digester's ring, so a
//! family stored before the digest key rotated goes on rotating (its next digest is
//! under the new key) instead of being taken for a reused token and revoked.
//!
//! [`RefreshFamily`] has the store's `RefreshFamily` serde shape field for field, so a
//! record converts with `serde_json::to_value` / `from_value`.

use portcullis_core::{CryptoRng, SecretBytes, ct_eq};
use portcullis_token::{Digester, OpaqueToken, SecretDigest, TokenId, TokenSecret};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::claims::REFRESH_TOKEN_LIFETIME;
use crate::error::{JwtError, RefreshRefusal};

/// The default grace window for a concurrent reuse (30 s).
pub const DEFAULT_GRACE: Duration = Duration::seconds(30);

const LABEL: &[u8] = b"portcullis-jwt refresh successor v1";

/// Family lifetime and grace window.
///
/// | setting | default | bounds |
/// |---|---|---|
/// | `lifetime` (absolute, never extended) | 604800 s (7 days) | 1 min .. 400 days |
/// | `grace` | 30 s | 0 .. 5 min |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshPolicy {
    lifetime: Duration,
    grace: Duration,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            lifetime: REFRESH_TOKEN_LIFETIME,
            grace: DEFAULT_GRACE,
        }
    }
}

impl RefreshPolicy {
    /// A policy with these settings.
    ///
    /// # Errors
    /// [`JwtError::Setting`] outside the bounds in the table.
    pub fn new(lifetime: Duration, grace: Duration) -> Result<Self, JwtError> {
        if lifetime < Duration::minutes(1) || lifetime > Duration::days(400) {
            return Err(JwtError::Setting(
                "refresh lifetime must be within 1 min .. 400 days",
            ));
        }
        if grace.is_negative() || grace > Duration::minutes(5) {
            return Err(JwtError::Setting("refresh grace must be within 0 .. 5 min"));
        }
        Ok(Self { lifetime, grace })
    }

    /// The absolute lifetime of a family.
    #[must_use]
    pub const fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// The grace window.
    #[must_use]
    pub const fn grace(&self) -> Duration {
        self.grace
    }
}

/// A refresh-token family, in the shape `portcullis-store` persists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshFamily {
    /// The family id (the id half of every token of the family).
    pub family_id: String,
    /// Whom the family's tokens are issued to.
    pub subject: String,
    /// Digest of the one token that may be exchanged now.
    pub current: SecretDigest,
    /// Digest of the token it replaced, accepted again only within the grace window.
    #[serde(default)]
    pub previous: Option<SecretDigest>,
    /// When `current` replaced `previous`.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub rotated_at: Option<OffsetDateTime>,
    /// When the family was started.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Absolute end of the family, however often it rotates.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// When the family was revoked (sign-out, reuse detected).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    /// `{"scopes": [...]}`: what the grant allows.
    #[serde(default)]
    pub payload: Value,
}

impl RefreshFamily {
    /// The scopes granted to the family.
    #[must_use]
    pub fn scopes(&self) -> Vec<String> {
        scopes_of(&self.payload)
    }
}

fn scopes_of(payload: &Value) -> Vec<String> {
    payload
        .get("scopes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Checks that `requested` only narrows `granted`; `None` keeps `granted`.
///
/// # Errors
/// [`JwtError::Refresh`] with [`RefreshRefusal::ScopeWidened`] when `requested` names a
/// scope not granted.
pub fn narrow_scopes(
    granted: &[String],
    requested: Option<&[String]>,
) -> Result<Vec<String>, JwtError> {
    match requested {
        None => Ok(granted.to_vec()),
        Some(requested) => {
            if requested.iter().all(|s| granted.contains(s)) {
                Ok(requested.to_vec())
            } else {
                Err(JwtError::Refresh(RefreshRefusal::ScopeWidened))
            }
        }
    }
}

/// A successful exchange: the token to hand back and what it allows.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The successor refresh token (`render()` it for the client).
    pub token: OpaqueToken,
    /// The family id.
    pub family_id: String,
    /// The subject.
    pub subject: String,
    /// The scopes for the new access token (narrowed if asked).
    pub scopes: Vec<String>,
    /// The family's absolute end (the successor's expiry).
    pub expires_at: OffsetDateTime,
    /// Whether this answered a concurrent reuse within the grace window (the same
    /// successor as the request that rotated).
    pub in_grace: bool,
}

/// What [`RefreshTokens::prepare`] computed for a store's atomic rotate.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The family to rotate.
    pub family_id: String,
    /// The presented token's digest under every key it may be stored under, current
    /// key first ([`Digester::lookup_digests`]): a family written before an HMAC key
    /// rotation is still found, rather than taken for a reused token and revoked.
    pub presented: Vec<SecretDigest>,
    /// Digest of its successor.
    pub successor: SecretDigest,
    successor_token: OpaqueToken,
}

/// What the store's atomic rotate answered (its `Rotation`, one variant each).
#[derive(Debug, Clone, Copy)]
pub enum StoreOutcome<'a> {
    /// The presented token was current and is now replaced.
    Rotated(&'a RefreshFamily),
    /// The presented token was replaced within the grace window.
    Grace(&'a RefreshFamily),
    /// Reuse outside the grace window; the store revoked the family.
    Reused,
    /// The family was already revoked.
    Revoked,
    /// The family is past its absolute lifetime.
    Expired,
    /// No such family.
    NotFound,
}

/// Issues and rotates refresh-token families.
///
/// ```
/// use portcullis_core::OsRng;
/// use portcullis_jwt::refresh::{RefreshPolicy, RefreshTokens};
/// use portcullis_jwt::{JwtError, RefreshRefusal};
/// use portcullis_token::Digester;
/// use time::{Duration, OffsetDateTime};
///
/// let tokens = RefreshTokens::new(RefreshPolicy::default(), Digester::Sha256, &[7u8; 32])?;
/// let now = OffsetDateTime::now_utc();
/// let (first, mut family) = tokens.start(&mut OsRng, "user_1", vec!["read".into(), "write".into()], now);
/// let first = first.render();
///
/// let next = tokens.rotate(&mut family, first.expose_secret(), None, now)?;
/// // A second tab presenting the same token within 30 s gets the same successor.
/// let again = tokens.rotate(&mut family, first.expose_secret(), None, now + Duration::seconds(5))?;
/// assert_eq!(again.token.render().expose_secret(), next.token.render().expose_secret());
/// // Later, the old token is a stolen copy: the family is revoked.
/// let reuse = tokens.rotate(&mut family, first.expose_secret(), None, now + Duration::minutes(5));
/// assert_eq!(reuse.unwrap_err(), JwtError::Refresh(RefreshRefusal::Reused));
/// assert!(family.revoked_at.is_some());
/// # Ok::<(), JwtError>(())
/// ```
pub struct RefreshTokens {
    policy: RefreshPolicy,
    digester: Digester,
    successor_key: aws_lc_rs::hmac::Key,
    _secret: SecretBytes,
}

impl std::fmt::Debug for RefreshTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshTokens")
            .field("policy", &self.policy)
            .field("digester", &self.digester)
            .field("successor_key", &"[redacted]")
            .finish()
    }
}

impl RefreshTokens {
    /// Refresh tokens with this policy, digests made by `digester`, and successors
    /// derived under `successor_key` (at least 32 bytes from a CSPRNG, kept outside the
    /// database).
    ///
    /// # Errors
    /// [`JwtError::InvalidKey`] for a key shorter than 32 bytes.
    pub fn new(
        policy: RefreshPolicy,
        digester: Digester,
        successor_key: &[u8],
    ) -> Result<Self, JwtError> {
        if successor_key.len() < 32 {
            return Err(JwtError::InvalidKey("successor key shorter than 32 bytes"));
        }
        Ok(Self {
            policy,
            digester,
            successor_key: aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, successor_key),
            _secret: SecretBytes::new(successor_key.to_vec()),
        })
    }

    /// The policy.
    #[must_use]
    pub const fn policy(&self) -> &RefreshPolicy {
        &self.policy
    }

    /// Starts a family: the first token for the client and the record to store.
    pub fn start<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        subject: impl Into<String>,
        scopes: Vec<String>,
        now: OffsetDateTime,
    ) -> (OpaqueToken, RefreshFamily) {
        let token = OpaqueToken::generate(rng);
        let family = RefreshFamily {
            family_id: token.id().to_string(),
            subject: subject.into(),
            current: self.digester.digest(token.secret()),
            previous: None,
            rotated_at: None,
            created_at: now,
            expires_at: now + self.policy.lifetime,
            revoked_at: None,
            payload: json!({ "scopes": scopes }),
        };
        (token, family)
    }

    fn successor(&self, presented: &OpaqueToken) -> OpaqueToken {
        let mut ctx = aws_lc_rs::hmac::Context::with_key(&self.successor_key);
        ctx.update(LABEL);
        ctx.update(presented.id().as_bytes());
        ctx.update(presented.secret().expose_secret());
        let tag = ctx.sign();
        let mut secret = [0u8; 32];
        secret.copy_from_slice(&tag.as_ref()[..32]);
        let token = OpaqueToken::from_parts(
            TokenId::from_bytes(*presented.id().as_bytes()),
            TokenSecret::from_bytes(secret),
        );
        zeroize::Zeroize::zeroize(&mut secret);
        token
    }

    /// Parses a presented token and computes what a store's atomic rotate needs.
    ///
    /// # Errors
    /// [`RefreshRefusal::Invalid`] when it is not `<id>.<secret>`.
    pub fn prepare(&self, presented: &str) -> Result<Prepared, JwtError> {
        let token = OpaqueToken::parse(presented)
            .map_err(|_| JwtError::Refresh(RefreshRefusal::Invalid))?;
        let successor_token = self.successor(&token);
        Ok(Prepared {
            family_id: token.id().to_string(),
            presented: self.digester.lookup_digests(token.secret()),
            successor: self.digester.digest(successor_token.secret()),
            successor_token,
        })
    }

    /// Turns a store's rotate outcome into the exchange or the refusal.
    ///
    /// # Errors
    /// [`JwtError::Refresh`]: `Reused`, `Revoked`, `Expired`, `Invalid` (not found), or
    /// `ScopeWidened`.
    pub fn finish(
        &self,
        prepared: Prepared,
        outcome: StoreOutcome<'_>,
        requested_scopes: Option<&[String]>,
    ) -> Result<Exchange, JwtError> {
        let (family, in_grace) = match outcome {
            StoreOutcome::Rotated(f) => (f, false),
            StoreOutcome::Grace(f) => (f, true),
            StoreOutcome::Reused => return Err(JwtError::Refresh(RefreshRefusal::Reused)),
            StoreOutcome::Revoked => return Err(JwtError::Refresh(RefreshRefusal::Revoked)),
            StoreOutcome::Expired => return Err(JwtError::Refresh(RefreshRefusal::Expired)),
            StoreOutcome::NotFound => return Err(JwtError::Refresh(RefreshRefusal::Invalid)),
        };
        let scopes = narrow_scopes(&family.scopes(), requested_scopes)?;
        Ok(Exchange {
            token: prepared.successor_token,
            family_id: family.family_id.clone(),
            subject: family.subject.clone(),
            scopes,
            expires_at: family.expires_at,
            in_grace,
        })
    }

    /// Applies the rotation rules to `family` in memory: the store-less twin of a
    /// store's atomic rotate followed by [`RefreshTokens::finish`].
    ///
    /// # Errors
    /// As [`RefreshTokens::finish`]; a reuse outside the grace window also sets
    /// `family.revoked_at`.
    pub fn rotate(
        &self,
        family: &mut RefreshFamily,
        presented: &str,
        requested_scopes: Option<&[String]>,
        now: OffsetDateTime,
    ) -> Result<Exchange, JwtError> {
        let prepared = self.prepare(presented)?;
        if prepared.family_id != family.family_id {
            return Err(JwtError::Refresh(RefreshRefusal::Invalid));
        }
        if family.revoked_at.is_some() {
            return Err(JwtError::Refresh(RefreshRefusal::Revoked));
        }
        if now >= family.expires_at {
            return Err(JwtError::Refresh(RefreshRefusal::Expired));
        }
        // Scope narrowing is judged before anything is written.
        narrow_scopes(&family.scopes(), requested_scopes)?;
        let same = |a: &SecretDigest, b: &SecretDigest| {
            a.key_id() == b.key_id() && ct_eq(a.value(), b.value())
        };
        let presented = |stored: &SecretDigest| prepared.presented.iter().any(|p| same(stored, p));
        if presented(&family.current) {
            family.previous = Some(family.current.clone());
            family.current = prepared.successor.clone();
            family.rotated_at = Some(now);
            let snapshot = family.clone();
            self.finish(prepared, StoreOutcome::Rotated(&snapshot), requested_scopes)
        } else if family.previous.as_ref().is_some_and(presented)
            && family
                .rotated_at
                .is_some_and(|at| at >= now - self.policy.grace)
        {
            let snapshot = family.clone();
            self.finish(prepared, StoreOutcome::Grace(&snapshot), requested_scopes)
        } else {
            family.revoked_at = Some(now);
            Err(JwtError::Refresh(RefreshRefusal::Reused))
        }
    }
}
