//! Starting, authenticating, stepping up, and ending sessions: pure functions over a
//! [`Session`] and `now`, returning what to store.
//!
//! | setting | default | bounds | source |
//! |---|---|---|---|
//! | `default_duration` | 60 minutes | 5 minutes to 527,040 minutes (366 days) | Stytch `session_duration_minutes` |
//! | `idle_timeout` | none | 1 minute to 30 days | OWASP: 2–5 min for high-value, 15–30 min for low-risk applications |
//! | `absolute_lifetime` | 30 days | up to 366 days, and at least `default_duration` | NIST SP 800-63B AAL1 reauthentication at 30 days |
//! | `pending_lifetime` | 10 minutes | 1 to 60 minutes | how long a "password ok, second factor pending" state waits |
//! | `max_custom_claims_bytes` | 4096 | 256 to 65,536 | copied into every session JWT |
//!
//! Authentication extends `expires_at` only when asked (Stytch semantics: passing
//! `session_duration_minutes` sets it to now + N), never past `started_at +
//! absolute_lifetime`: a stolen token cannot be kept alive forever by using it.

use portcullis_core::{CryptoRng, TokenEncoding, random};
use portcullis_token::Digester;
use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

use crate::model::{
    Attributes, AuthenticationFactor, FactorIds, FactorType, Session, Stage, Termination,
    TerminationReason,
};
use crate::token::SessionToken;
use crate::{SessionError, Status, claims};

/// The bounds of a session's duration, in minutes.
pub const DURATION_MINUTES: (u64, u64) = (5, 527_040);

/// How sessions live and end; see the module docs for defaults and bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Duration of a new session when the caller does not ask for one.
    pub default_duration: Duration,
    /// End a session unused for this long.
    pub idle_timeout: Option<Duration>,
    /// No session outlives `started_at` by more than this.
    pub absolute_lifetime: Duration,
    /// How long a session waits for its second factor.
    pub pending_lifetime: Duration,
    /// Bound on the serialised custom claims.
    pub max_custom_claims_bytes: usize,
    /// The JWT claim the session is written under (reserved for custom claims).
    pub claims_namespace: String,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            default_duration: Duration::minutes(60),
            idle_timeout: None,
            absolute_lifetime: Duration::days(30),
            pending_lifetime: Duration::minutes(10),
            max_custom_claims_bytes: claims::DEFAULT_MAX_BYTES,
            claims_namespace: "portcullis_session".to_owned(),
        }
    }
}

impl SessionPolicy {
    /// Checks every setting against its bounds.
    ///
    /// # Errors
    /// [`SessionError::InvalidPolicy`] naming the setting.
    pub fn validate(&self) -> Result<(), SessionError> {
        let invalid = |reason| Err(SessionError::InvalidPolicy { reason });
        let minutes = |d: Duration| u64::try_from(d.whole_minutes()).unwrap_or(0);
        let (min, max) = DURATION_MINUTES;
        if !(min..=max).contains(&minutes(self.default_duration)) {
            return invalid("default_duration must be 5 to 527040 minutes");
        }
        if self
            .idle_timeout
            .is_some_and(|d| d < Duration::minutes(1) || d > Duration::days(30))
        {
            return invalid("idle_timeout must be 1 minute to 30 days");
        }
        if self.absolute_lifetime > Duration::days(366)
            || self.absolute_lifetime < self.default_duration
        {
            return invalid(
                "absolute_lifetime must be at least default_duration and at most 366 days",
            );
        }
        if self.pending_lifetime < Duration::minutes(1)
            || self.pending_lifetime > Duration::minutes(60)
        {
            return invalid("pending_lifetime must be 1 to 60 minutes");
        }
        if !(256..=65_536).contains(&self.max_custom_claims_bytes) {
            return invalid("max_custom_claims_bytes must be 256 to 65536");
        }
        if self.claims_namespace.is_empty()
            || claims::RESERVED.contains(&self.claims_namespace.as_str())
        {
            return invalid("claims_namespace must be a non-reserved name");
        }
        Ok(())
    }

    /// The duration for a request of `minutes` (or the default), checked against bounds.
    fn duration(&self, minutes: Option<u32>) -> Result<Duration, SessionError> {
        match minutes {
            None => Ok(self.default_duration),
            Some(m) => {
                let (min, max) = DURATION_MINUTES;
                if (min..=max).contains(&u64::from(m)) {
                    Ok(Duration::minutes(i64::from(m)))
                } else {
                    Err(SessionError::DurationOutOfRange {
                        minutes: m.into(),
                        min,
                        max,
                    })
                }
            }
        }
    }
}

/// What a new session is made from.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The user.
    pub user_id: String,
    /// The factor just proven.
    pub factor: AuthenticationFactor,
    /// Requested duration in minutes (policy default when `None`).
    pub duration_minutes: Option<u32>,
    /// Where the request came from.
    pub attributes: Attributes,
    /// Roles for the session.
    pub roles: Vec<String>,
    /// Initial custom claims.
    pub custom_claims: Map<String, Value>,
    /// Tenant scope.
    pub organization_id: Option<String>,
    /// When true the session starts as [`Stage::PendingSecondFactor`].
    pub second_factor_required: bool,
}

impl NewSession {
    /// A session for `user_id` proven by `factor`, all else default.
    #[must_use]
    pub fn new(user_id: impl Into<String>, factor: AuthenticationFactor) -> Self {
        Self {
            user_id: user_id.into(),
            factor,
            duration_minutes: None,
            attributes: Attributes::default(),
            roles: Vec::new(),
            custom_claims: Map::new(),
            organization_id: None,
            second_factor_required: false,
        }
    }
}

/// A fresh public session id: `ses_` and 128 random bits in base64url.
pub fn new_session_id<R: CryptoRng + ?Sized>(rng: &mut R) -> String {
    format!(
        "ses_{}",
        random::token_with(rng, 16, TokenEncoding::Base64Url).expose_secret()
    )
}

/// Starts a session at `now`.
///
/// ```
/// use portcullis_core::OsRng;
/// use portcullis_session::{lifecycle, AuthenticationFactor, FactorType, NewSession, SessionPolicy, Status};
/// use time::OffsetDateTime;
///
/// let now = OffsetDateTime::now_utc();
/// let factor = AuthenticationFactor::new(FactorType::Password, now);
/// let session = lifecycle::start(&SessionPolicy::default(), &mut OsRng, NewSession::new("user-1", factor), now).unwrap();
/// assert_eq!(session.status(now), Status::Active);
/// assert_eq!(session.expires_at, now + time::Duration::minutes(60));
/// ```
///
/// # Errors
/// [`SessionError::DurationOutOfRange`], or a custom-claims refusal.
pub fn start<R: CryptoRng + ?Sized>(
    policy: &SessionPolicy,
    rng: &mut R,
    new: NewSession,
    now: OffsetDateTime,
) -> Result<Session, SessionError> {
    let duration = policy.duration(new.duration_minutes)?;
    let mut custom_claims = Map::new();
    claims::apply_update(
        &mut custom_claims,
        &new.custom_claims,
        &policy.claims_namespace,
        policy.max_custom_claims_bytes,
    )?;
    let (stage, expires_at) = if new.second_factor_required {
        (Stage::PendingSecondFactor, now + policy.pending_lifetime)
    } else {
        (Stage::Full, now + duration.min(policy.absolute_lifetime))
    };
    Ok(Session {
        session_id: new_session_id(rng),
        user_id: new.user_id,
        organization_id: new.organization_id,
        authentication_factors: vec![new.factor],
        roles: new.roles,
        started_at: now,
        last_accessed_at: now,
        expires_at,
        attributes: new.attributes,
        custom_claims,
        stage,
        termination: None,
    })
}

/// Checks that `session` is usable at `now` and records the use. With
/// `extend_minutes`, `expires_at` becomes now + N, capped by the absolute lifetime.
/// An idle timeout terminates the session (persist it) and is reported as such.
///
/// # Errors
/// [`SessionError::Terminated`], [`SessionError::Expired`], [`SessionError::IdleTimeout`],
/// [`SessionError::SecondFactorRequired`], [`SessionError::DurationOutOfRange`].
pub fn authenticate(
    session: &mut Session,
    policy: &SessionPolicy,
    now: OffsetDateTime,
    extend_minutes: Option<u32>,
) -> Result<(), SessionError> {
    usable(session, policy, now)?;
    if session.stage == Stage::PendingSecondFactor {
        return Err(SessionError::SecondFactorRequired);
    }
    session.last_accessed_at = now;
    if let Some(m) = extend_minutes {
        let duration = policy.duration(Some(m))?;
        session.expires_at = (now + duration).min(absolute_end(session, policy));
    }
    Ok(())
}

/// The checks every use of a session starts with.
fn usable(
    session: &mut Session,
    policy: &SessionPolicy,
    now: OffsetDateTime,
) -> Result<(), SessionError> {
    match session.status(now) {
        Status::Terminated => return Err(SessionError::Terminated),
        Status::Expired => return Err(SessionError::Expired),
        Status::Active => {}
    }
    if now >= absolute_end(session, policy) {
        return Err(SessionError::Expired);
    }
    if policy
        .idle_timeout
        .is_some_and(|idle| now - session.last_accessed_at > idle)
    {
        revoke(session, now, TerminationReason::IdleTimeout);
        return Err(SessionError::IdleTimeout);
    }
    Ok(())
}

fn absolute_end(session: &Session, policy: &SessionPolicy) -> OffsetDateTime {
    session.started_at + policy.absolute_lifetime
}

/// Completes a session waiting for its second factor: the factor is recorded and the
/// session becomes full, expiring after `duration_minutes` (or the default).
///
/// Returns the session's new token: the token that identified the pending state must
/// not become a full session's token (session fixation), so the store moves the session
/// to the new digest in the same write that saves it.
///
/// # Errors
/// [`SessionError::NotPending`] for a full session; the refusals of [`authenticate`].
pub fn complete_second_factor<R: CryptoRng + ?Sized>(
    session: &mut Session,
    policy: &SessionPolicy,
    factor: AuthenticationFactor,
    now: OffsetDateTime,
    duration_minutes: Option<u32>,
    rng: &mut R,
    digester: &Digester,
) -> Result<SessionToken, SessionError> {
    usable(session, policy, now)?;
    if session.stage != Stage::PendingSecondFactor {
        return Err(SessionError::NotPending);
    }
    let duration = policy.duration(duration_minutes)?;
    record_factor(session, factor);
    session.stage = Stage::Full;
    session.last_accessed_at = now;
    session.expires_at = (now + duration).min(absolute_end(session, policy));
    Ok(SessionToken::issue(rng, digester))
}

/// Step-up: records a factor proven again (or newly) in a full session, and returns the
/// session's new token, as [`complete_second_factor`] does.
///
/// # Errors
/// The refusals of [`authenticate`].
pub fn add_factor<R: CryptoRng + ?Sized>(
    session: &mut Session,
    policy: &SessionPolicy,
    factor: AuthenticationFactor,
    now: OffsetDateTime,
    rng: &mut R,
    digester: &Digester,
) -> Result<SessionToken, SessionError> {
    authenticate(session, policy, now, None)?;
    record_factor(session, factor);
    Ok(SessionToken::issue(rng, digester))
}

/// Appends `factor`, or refreshes the entry for the same kind and identifiers.
fn record_factor(session: &mut Session, factor: AuthenticationFactor) {
    match session
        .authentication_factors
        .iter_mut()
        .find(|f| f.kind == factor.kind && f.ids == factor.ids)
    {
        Some(existing) => existing.last_authenticated_at = factor.last_authenticated_at,
        None => session.authentication_factors.push(factor),
    }
}

/// Updates custom claims with Stytch's set / replace / delete-by-null semantics.
///
/// # Errors
/// As [`claims::apply_update`].
pub fn update_custom_claims(
    session: &mut Session,
    policy: &SessionPolicy,
    update: &Map<String, Value>,
) -> Result<(), SessionError> {
    claims::apply_update(
        &mut session.custom_claims,
        update,
        &policy.claims_namespace,
        policy.max_custom_claims_bytes,
    )
}

/// Ends `session` now (idempotent: the first termination is kept).
pub fn revoke(session: &mut Session, now: OffsetDateTime, reason: TerminationReason) {
    if session.termination.is_none() {
        session.termination = Some(Termination {
            terminated_at: now,
            reason,
        });
    }
}

/// Ends every session of one user except `keep` (the current one, when the user stays
/// signed in on this device). Returns how many were ended.
pub fn revoke_all<'a>(
    sessions: impl IntoIterator<Item = &'a mut Session>,
    keep: Option<&str>,
    now: OffsetDateTime,
    reason: TerminationReason,
) -> usize {
    let mut ended = 0;
    for session in sessions {
        if Some(session.session_id.as_str()) != keep && session.termination.is_none() {
            revoke(session, now, reason);
            ended += 1;
        }
    }
    ended
}

/// Whether a credential change (password reset, 2FA removed) should end the user's
/// other sessions: yes, unless the caller opts out (Stytch `preserve_existing_sessions`).
#[must_use]
pub fn credential_change_ends_other_sessions(preserve_existing_sessions: bool) -> bool {
    !preserve_existing_sessions
}

/// Starts a session in which `impersonator_id` acts as `user_id` (support tooling).
/// The impersonation is recorded as the session's factor, so every later check of the
/// session sees it.
///
/// # Errors
/// As [`start`].
pub fn start_impersonation<R: CryptoRng + ?Sized>(
    policy: &SessionPolicy,
    rng: &mut R,
    user_id: &str,
    impersonator_id: &str,
    duration_minutes: Option<u32>,
    now: OffsetDateTime,
) -> Result<Session, SessionError> {
    let factor = AuthenticationFactor::new(FactorType::Impersonated, now).with_ids(FactorIds {
        impersonator_id: Some(impersonator_id.to_owned()),
        ..FactorIds::default()
    });
    let mut new = NewSession::new(user_id, factor);
    new.duration_minutes = duration_minutes;
    start(policy, rng, new, now)
}

/// Starts a session for a user whose session elsewhere was verified by the caller
/// (Stytch `sessions/migrate`, `exchange_access_token`): `issuer` names the system, and
/// `claims` (already verified) become custom claims minus reserved names.
///
/// # Errors
/// As [`start`].
pub fn import<R: CryptoRng + ?Sized>(
    policy: &SessionPolicy,
    rng: &mut R,
    user_id: &str,
    issuer: &str,
    claims: &Map<String, Value>,
    duration_minutes: Option<u32>,
    now: OffsetDateTime,
) -> Result<Session, SessionError> {
    let factor = AuthenticationFactor::new(FactorType::Imported, now).with_ids(FactorIds {
        imported_from: Some(issuer.to_owned()),
        ..FactorIds::default()
    });
    let mut new = NewSession::new(user_id, factor);
    new.duration_minutes = duration_minutes;
    new.custom_claims = claims
        .iter()
        .filter(|(k, _)| !claims::RESERVED.contains(&k.as_str()) && **k != policy.claims_namespace)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    start(policy, rng, new, now)
}
