//! The short-lived session JWT: a signed copy of the session that a service can check
//! without a store round trip.
//!
//! A session JWT carries the session under one namespaced claim
//! ([`SessionPolicy::claims_namespace`], `portcullis_session` by default): its id, the
//! user (also `sub`), the factors proven, roles, organisation and custom claims. It
//! lives [`SessionJwtConfig::lifetime`] (5 minutes by default, as Stytch's
//! `session_jwt`), never past the session's own expiry.
//!
//! [`check`] sorts a presented JWT into one of two answers:
//!
//! - [`JwtCheck::Fresh`]: signature and claims verified and not expired. The caller may
//!   trust the claims without reading the store.
//! - [`JwtCheck::Stale`]: signature verified, only `exp` has passed. The claims say
//!   which session; the caller reads it from the store, authenticates it (which refuses
//!   a revoked, expired or idle session) and, if it lives, issues a new JWT.
//!
//! Anything else (bad signature, wrong issuer or audience, malformed, not a session
//! JWT) is an error.
//!
//! # The trade-off
//!
//! A fresh JWT is believed without asking the store, so revoking a session reaches a
//! JWT holder only when the JWT goes stale: at most `lifetime` + leeway later, 5 min +
//! 60 s with the defaults. Where that is too long, either shorten the lifetime (each
//! stale JWT costs one store read and one signature: with 1 minute, a client busy for an
//! hour costs 60 store reads instead of 12), or deny the JWT's `jti` at revocation
//! (`portcullis-store`'s `DenyListStore`, or a `portcullis-jwt` deny-list consulted by
//! the verifier) so it is refused at once; the deny-list is one store read per request
//! again, but a small one that can be cached in memory.

use portcullis_core::{CryptoRng, Duration, OffsetDateTime};
use portcullis_jwt::{JwtError, Key, NewClaims, Signed, Verifier};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::lifecycle::SessionPolicy;
use crate::model::{AuthenticationFactor, Session, Stage, Status};

/// The default lifetime of a session JWT (5 minutes).
pub const DEFAULT_LIFETIME: Duration = Duration::minutes(5);

/// How session JWTs are made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionJwtConfig {
    /// How long a JWT is believed without the store (1 to 60 minutes; default 5).
    pub lifetime: Duration,
    /// The `iss` written and required.
    pub issuer: String,
    /// The `aud` written and required, if any.
    pub audience: Option<String>,
}

impl SessionJwtConfig {
    /// JWTs issued by `issuer`, living [`DEFAULT_LIFETIME`].
    #[must_use]
    pub fn new(issuer: impl Into<String>) -> Self {
        Self {
            lifetime: DEFAULT_LIFETIME,
            issuer: issuer.into(),
            audience: None,
        }
    }

    /// Checks the lifetime's bounds.
    ///
    /// # Errors
    /// [`JwtError::Setting`] when the lifetime is outside 1 to 60 minutes or the issuer
    /// is empty.
    pub fn validate(&self) -> Result<(), JwtError> {
        if self.lifetime < Duration::minutes(1) || self.lifetime > Duration::minutes(60) {
            return Err(JwtError::Setting(
                "session JWT lifetime must be 1 to 60 minutes",
            ));
        }
        if self.issuer.is_empty() {
            return Err(JwtError::Setting("session JWT issuer must not be empty"));
        }
        Ok(())
    }

    /// A verifier for these JWTs over `verifier`'s keys: the issuer and audience
    /// required.
    #[must_use]
    pub fn verifier(&self, verifier: Verifier) -> Verifier {
        let verifier = verifier.issuer(self.issuer.clone());
        match &self.audience {
            Some(aud) => verifier.audience(aud.clone()),
            None => verifier,
        }
    }
}

/// What a session JWT says about its session (the namespaced claim).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The session.
    pub session_id: String,
    /// The user (also the JWT's `sub`).
    pub user_id: String,
    /// The organisation, for multi-tenant services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// When the session started.
    #[serde(with = "time::serde::timestamp")]
    pub started_at: OffsetDateTime,
    /// When the session expires unless extended.
    #[serde(with = "time::serde::timestamp")]
    pub expires_at: OffsetDateTime,
    /// The factors proven (written compactly: times to the second, identifiers nested,
    /// which also spares the reader serde's buffering of flattened fields).
    #[serde(with = "compact_factors")]
    pub authentication_factors: Vec<AuthenticationFactor>,
    /// Roles.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Custom claims.
    #[serde(default)]
    pub custom_claims: Map<String, Value>,
}

impl SessionClaims {
    /// The claims of `session`.
    #[must_use]
    pub fn of(session: &Session) -> Self {
        Self {
            session_id: session.session_id.clone(),
            user_id: session.user_id.clone(),
            organization_id: session.organization_id.clone(),
            started_at: session.started_at,
            expires_at: session.expires_at,
            authentication_factors: session.authentication_factors.clone(),
            roles: session.roles.clone(),
            custom_claims: session.custom_claims.clone(),
        }
    }
}

/// The JWT form of [`AuthenticationFactor`]: `{"type", "delivery_method"?, "at", "ids"?}`.
mod compact_factors {
    use portcullis_core::OffsetDateTime;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::model::{AuthenticationFactor, DeliveryMethod, FactorIds, FactorType};

    #[derive(Serialize, Deserialize)]
    struct Compact {
        #[serde(rename = "type")]
        kind: FactorType,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delivery_method: Option<DeliveryMethod>,
        #[serde(with = "time::serde::timestamp")]
        at: OffsetDateTime,
        #[serde(default, skip_serializing_if = "is_empty")]
        ids: FactorIds,
    }

    fn is_empty(ids: &FactorIds) -> bool {
        *ids == FactorIds::default()
    }

    pub(super) fn serialize<S: Serializer>(
        factors: &[AuthenticationFactor],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(factors.iter().map(|f| Compact {
            kind: f.kind,
            delivery_method: f.delivery_method,
            at: f.last_authenticated_at,
            ids: f.ids.clone(),
        }))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<AuthenticationFactor>, D::Error> {
        Ok(Vec::<Compact>::deserialize(d)?
            .into_iter()
            .map(|c| AuthenticationFactor {
                kind: c.kind,
                delivery_method: c.delivery_method,
                last_authenticated_at: c.at,
                ids: c.ids,
            })
            .collect())
    }
}

/// A presented session JWT, verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtCheck {
    /// Within its lifetime: the claims can be trusted as they are.
    Fresh {
        /// The session's claims.
        claims: SessionClaims,
        /// The JWT's id (for a deny-list).
        jti: Option<String>,
    },
    /// Validly signed but expired: read the session from the store to go on.
    Stale {
        /// The session's claims when the JWT was issued.
        claims: SessionClaims,
    },
}

/// Why a session JWT was not issued or not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionJwtError {
    /// The JWT itself was refused (signature, claims, shape); see [`JwtError`].
    #[error(transparent)]
    Jwt(#[from] JwtError),
    /// The JWT verified but carries no session claim under the namespace.
    #[error("not a session JWT")]
    NotSessionJwt,
    /// Only an active, full session gets a JWT.
    #[error("session is not active")]
    SessionNotActive,
}

/// Signs a session JWT for `session` with `key` at `now`.
///
/// # Errors
/// [`SessionJwtError::SessionNotActive`] for a session that is expired, terminated or
/// waiting for its second factor; a signing failure.
pub fn issue<R: CryptoRng + ?Sized>(
    session: &Session,
    key: &Key,
    config: &SessionJwtConfig,
    policy: &SessionPolicy,
    now: OffsetDateTime,
    rng: &mut R,
) -> Result<Signed, SessionJwtError> {
    if session.status(now) != Status::Active || session.stage != Stage::Full {
        return Err(SessionJwtError::SessionNotActive);
    }
    // Never believed past the session's own end.
    let lifetime = config.lifetime.min(session.expires_at - now);
    let claim = serde_json::to_value(SessionClaims::of(session)).map_err(|_| JwtError::Crypto)?;
    let mut claims = NewClaims::new()
        .issuer(config.issuer.clone())
        .subject(session.user_id.clone())
        .lifetime(lifetime)?
        .claim(policy.claims_namespace.clone(), claim)?;
    if let Some(aud) = &config.audience {
        claims = claims.audience(aud.clone());
    }
    Ok(key.sign(&claims, now, rng)?)
}

/// Verifies a presented session JWT at `now` with `verifier` (built by
/// [`SessionJwtConfig::verifier`]) and says whether it is fresh or stale.
///
/// # Errors
/// Every refusal of the verifier except expiry; [`SessionJwtError::NotSessionJwt`].
pub fn check(
    verifier: &Verifier,
    token: &str,
    policy: &SessionPolicy,
    now: OffsetDateTime,
) -> Result<JwtCheck, SessionJwtError> {
    let checked =
        verifier.verify_allow_expired_with(token, now, SessionClaim(&policy.claims_namespace))?;
    let verified = checked.verified;
    let claims = verified
        .claims
        .custom
        .ok_or(SessionJwtError::NotSessionJwt)?;
    if verified.claims.sub.as_deref() != Some(claims.user_id.as_str()) {
        return Err(SessionJwtError::NotSessionJwt);
    }
    Ok(if checked.expired {
        JwtCheck::Stale { claims }
    } else {
        JwtCheck::Fresh {
            claims,
            jti: verified.claims.jti,
        }
    })
}

/// Reads only the session claim out of a JWT's custom claims and skips the others
/// unbuilt, so checking a session JWT decodes its payload once.
struct SessionClaim<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for SessionClaim<'_> {
    type Value = Option<SessionClaims>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SessionClaim<'_> {
    type Value = Option<SessionClaims>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object of claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(ours) = map.next_key_seed(NameIs(self.0))? {
            if !ours {
                map.next_value::<IgnoredAny>()?;
            } else if found.is_some() {
                return Err(de::Error::duplicate_field("session claim"));
            } else {
                found = Some(map.next_value::<SessionClaims>()?);
            }
        }
        Ok(found)
    }
}

/// A map key, answered as whether it equals the given name.
struct NameIs<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for NameIs<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for NameIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a claim name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<bool, E> {
        Ok(name == self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::lifecycle::{self, NewSession};
    use crate::model::{FactorType, TerminationReason};
    use portcullis_core::OsRng;
    use portcullis_jwt::{Algorithm, Jwks, KeySpec};

    fn setup() -> (Key, Verifier, SessionJwtConfig, SessionPolicy) {
        let key = Key::generate(KeySpec::new(Algorithm::ES256)).unwrap();
        let config = SessionJwtConfig {
            audience: Some("app".to_owned()),
            ..SessionJwtConfig::new("https://auth.example.com")
        };
        let verifier = config.verifier(Verifier::new(
            Jwks::from_keys([key.public_key().unwrap()]).unwrap(),
        ));
        (key, verifier, config, SessionPolicy::default())
    }

    fn session(now: OffsetDateTime) -> Session {
        let factor = AuthenticationFactor::new(FactorType::Password, now);
        let mut new = NewSession::new("user-1", factor);
        new.roles = vec!["admin".to_owned()];
        lifecycle::start(&SessionPolicy::default(), &mut OsRng, new, now).unwrap()
    }

    #[test]
    fn fresh_then_stale_then_refused_when_forged() {
        let (key, verifier, config, policy) = setup();
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let s = session(now);
        let signed = issue(&s, &key, &config, &policy, now, &mut OsRng).unwrap();
        assert_eq!(signed.expires_at, Some(now + DEFAULT_LIFETIME));
        let token = signed.token.expose_secret();
        let JwtCheck::Fresh { claims, jti } = check(&verifier, token, &policy, now).unwrap() else {
            panic!("expected fresh");
        };
        assert_eq!(claims, SessionClaims::of(&s));
        assert_eq!(jti, signed.jti);
        // Past exp + leeway: stale, with the same claims.
        let later = now + DEFAULT_LIFETIME + Duration::seconds(61);
        assert_eq!(
            check(&verifier, token, &policy, later).unwrap(),
            JwtCheck::Stale { claims }
        );
        // Another key's signature is refused outright.
        let (other, ..) = setup();
        let forged = issue(&s, &other, &config, &policy, now, &mut OsRng).unwrap();
        assert!(matches!(
            check(&verifier, forged.token.expose_secret(), &policy, now),
            Err(SessionJwtError::Jwt(_))
        ));
        // A wrong audience too.
        let wrong = SessionJwtConfig {
            audience: Some("other".to_owned()),
            ..config.clone()
        };
        let misaddressed = issue(&s, &key, &wrong, &policy, now, &mut OsRng).unwrap();
        assert!(matches!(
            check(&verifier, misaddressed.token.expose_secret(), &policy, now),
            Err(SessionJwtError::Jwt(_))
        ));
    }

    #[test]
    fn never_outlives_the_session_and_only_active_full_sessions_get_one() {
        let (key, _, config, policy) = setup();
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let mut s = session(now);
        s.expires_at = now + Duration::minutes(2);
        let signed = issue(&s, &key, &config, &policy, now, &mut OsRng).unwrap();
        assert_eq!(signed.expires_at, Some(now + Duration::minutes(2)));

        lifecycle::revoke(&mut s, now, TerminationReason::Logout);
        assert_eq!(
            issue(&s, &key, &config, &policy, now, &mut OsRng).unwrap_err(),
            SessionJwtError::SessionNotActive
        );
        let mut pending = NewSession::new(
            "user-1",
            AuthenticationFactor::new(FactorType::Password, now),
        );
        pending.second_factor_required = true;
        let p = lifecycle::start(&policy, &mut OsRng, pending, now).unwrap();
        assert_eq!(
            issue(&p, &key, &config, &policy, now, &mut OsRng).unwrap_err(),
            SessionJwtError::SessionNotActive
        );
    }

    #[test]
    fn a_jwt_without_the_session_claim_is_not_a_session_jwt() {
        let (key, verifier, config, policy) = setup();
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let claims = NewClaims::new()
            .issuer(config.issuer.clone())
            .audience("app")
            .subject("user-1");
        let plain = key.sign(&claims, now, &mut OsRng).unwrap();
        assert_eq!(
            check(&verifier, plain.token.expose_secret(), &policy, now),
            Err(SessionJwtError::NotSessionJwt)
        );
    }

    #[test]
    fn factors_with_identifiers_survive_the_compact_form() {
        let (key, verifier, config, policy) = setup();
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let mut s = session(now);
        s.authentication_factors.push(
            AuthenticationFactor::new(FactorType::MagicLink, now).with_ids(
                crate::model::FactorIds {
                    email_address: Some("ada@example.com".to_owned()),
                    ..crate::model::FactorIds::default()
                },
            ),
        );
        let signed = issue(&s, &key, &config, &policy, now, &mut OsRng).unwrap();
        let JwtCheck::Fresh { claims, .. } =
            check(&verifier, signed.token.expose_secret(), &policy, now).unwrap()
        else {
            panic!("expected fresh");
        };
        assert_eq!(claims.authentication_factors, s.authentication_factors);
    }

    #[test]
    fn lifetime_bounds() {
        let mut config = SessionJwtConfig::new("iss");
        assert!(config.validate().is_ok());
        config.lifetime = Duration::seconds(30);
        assert!(config.validate().is_err());
        config.lifetime = Duration::minutes(61);
        assert!(config.validate().is_err());
    }
}
