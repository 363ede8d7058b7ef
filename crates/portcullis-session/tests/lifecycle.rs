//! Session lifecycle: durations and their bounds, idle and absolute limits, the pending
//! second-factor state, step-up, revocation, freshness, impersonation and import, plus
//! property tests that an ended session never authenticates again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use portcullis_session::token::SessionToken;
use portcullis_session::{
    AuthenticationFactor, FactorType, NewSession, Session, SessionError, SessionPolicy, Stage,
    Status, TerminationReason, lifecycle,
};
use portcullis_token::Digester;
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use serde_json::json;
use time::{Duration, OffsetDateTime};

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(8)
}

fn password_session(policy: &SessionPolicy) -> Session {
    let new = NewSession::new("u1", AuthenticationFactor::new(FactorType::Password, t0()));
    lifecycle::start(policy, &mut rng(), new, t0()).unwrap()
}

#[test]
fn start_uses_the_default_or_requested_duration_within_bounds() {
    let policy = SessionPolicy::default();
    let s = password_session(&policy);
    assert!(s.session_id.starts_with("ses_") && s.session_id.len() == 26);
    assert_eq!(s.expires_at - s.started_at, Duration::minutes(60));
    let mut new = NewSession::new("u1", AuthenticationFactor::new(FactorType::MagicLink, t0()));
    new.duration_minutes = Some(4);
    assert_eq!(
        lifecycle::start(&policy, &mut rng(), new.clone(), t0()).unwrap_err(),
        SessionError::DurationOutOfRange {
            minutes: 4,
            min: 5,
            max: 527_040
        }
    );
    new.duration_minutes = Some(527_041);
    assert!(lifecycle::start(&policy, &mut rng(), new.clone(), t0()).is_err());
    // Longer than the absolute lifetime (30 days): capped.
    new.duration_minutes = Some(527_040);
    let s = lifecycle::start(&policy, &mut rng(), new, t0()).unwrap();
    assert_eq!(s.expires_at - s.started_at, Duration::days(30));
}

#[test]
fn expiry_and_extension_never_pass_the_absolute_lifetime() {
    let policy = SessionPolicy::default();
    let mut s = password_session(&policy);
    lifecycle::authenticate(&mut s, &policy, t0() + Duration::minutes(59), None).unwrap();
    assert_eq!(s.last_accessed_at, t0() + Duration::minutes(59));
    assert_eq!(
        lifecycle::authenticate(&mut s, &policy, t0() + Duration::minutes(60), None),
        Err(SessionError::Expired)
    );
    assert_eq!(s.status(t0() + Duration::minutes(60)), Status::Expired);

    let mut s = password_session(&policy);
    let mut now = t0();
    for _ in 0..40 {
        now += Duration::days(1) - Duration::minutes(1);
        if lifecycle::authenticate(&mut s, &policy, now, Some(1440)).is_err() {
            break;
        }
        assert!(s.expires_at <= s.started_at + Duration::days(30));
    }
    assert_eq!(
        lifecycle::authenticate(&mut s, &policy, t0() + Duration::days(30), Some(60)),
        Err(SessionError::Expired)
    );
}

#[test]
fn idle_timeout_terminates() {
    let policy = SessionPolicy {
        idle_timeout: Some(Duration::minutes(15)),
        ..SessionPolicy::default()
    };
    let mut s = password_session(&policy);
    lifecycle::authenticate(&mut s, &policy, t0() + Duration::minutes(14), None).unwrap();
    lifecycle::authenticate(&mut s, &policy, t0() + Duration::minutes(28), None).unwrap();
    let late = t0() + Duration::minutes(44);
    assert_eq!(
        lifecycle::authenticate(&mut s, &policy, late, None),
        Err(SessionError::IdleTimeout)
    );
    assert_eq!(s.status(late), Status::Terminated);
    assert_eq!(
        s.termination.unwrap().reason,
        TerminationReason::IdleTimeout
    );
    assert_eq!(
        lifecycle::authenticate(&mut s, &policy, late, None),
        Err(SessionError::Terminated)
    );
}

#[test]
fn pending_second_factor_is_not_a_session() {
    let policy = SessionPolicy::default();
    let mut new = NewSession::new("u1", AuthenticationFactor::new(FactorType::Password, t0()));
    new.second_factor_required = true;
    let mut s = lifecycle::start(&policy, &mut rng(), new, t0()).unwrap();
    assert_eq!(s.stage, Stage::PendingSecondFactor);
    assert_eq!(s.expires_at - t0(), Duration::minutes(10));
    assert_eq!(
        lifecycle::authenticate(&mut s, &policy, t0(), None),
        Err(SessionError::SecondFactorRequired)
    );
    let totp = AuthenticationFactor::new(FactorType::Totp, t0() + Duration::minutes(1));
    let pending_token = SessionToken::issue(&mut rng(), &Digester::Sha256);
    let full_token = lifecycle::complete_second_factor(
        &mut s,
        &policy,
        totp.clone(),
        t0() + Duration::minutes(1),
        None,
        &mut ChaCha20Rng::seed_from_u64(99),
        &Digester::Sha256,
    )
    .unwrap();
    // A new token for the full session (fixation defence).
    assert_ne!(full_token.digest(), pending_token.digest());
    assert_eq!(s.stage, Stage::Full);
    assert_eq!(s.authentication_factors.len(), 2);
    assert_eq!(s.expires_at, t0() + Duration::minutes(61));
    assert_eq!(
        lifecycle::complete_second_factor(
            &mut s,
            &policy,
            totp,
            t0() + Duration::minutes(2),
            None,
            &mut rng(),
            &Digester::Sha256
        )
        .map(|_| ()),
        Err(SessionError::NotPending)
    );
    // A pending state left too long expires.
    let mut new = NewSession::new("u1", AuthenticationFactor::new(FactorType::Password, t0()));
    new.second_factor_required = true;
    let mut s = lifecycle::start(&policy, &mut rng(), new, t0()).unwrap();
    let totp = AuthenticationFactor::new(FactorType::Totp, t0() + Duration::minutes(11));
    assert_eq!(
        lifecycle::complete_second_factor(
            &mut s,
            &policy,
            totp,
            t0() + Duration::minutes(11),
            None,
            &mut rng(),
            &Digester::Sha256
        )
        .map(|_| ()),
        Err(SessionError::Expired)
    );
}

#[test]
fn step_up_and_freshness() {
    let policy = SessionPolicy::default();
    let mut s = password_session(&policy);
    let later = t0() + Duration::minutes(30);
    assert!(s.is_fresh(
        FactorType::Password,
        Duration::minutes(5),
        t0() + Duration::minutes(4)
    ));
    assert!(!s.is_fresh(FactorType::Password, Duration::minutes(5), later));
    let first = lifecycle::add_factor(
        &mut s,
        &policy,
        AuthenticationFactor::new(FactorType::Password, later),
        later,
        &mut rng(),
        &Digester::Sha256,
    )
    .unwrap();
    assert_eq!(
        s.authentication_factors.len(),
        1,
        "same factor refreshed, not duplicated"
    );
    assert!(s.is_fresh(
        FactorType::Password,
        Duration::minutes(5),
        later + Duration::minutes(1)
    ));
    let second = lifecycle::add_factor(
        &mut s,
        &policy,
        AuthenticationFactor::new(FactorType::Totp, later),
        later,
        &mut ChaCha20Rng::seed_from_u64(9),
        &Digester::Sha256,
    )
    .unwrap();
    // Every step-up rotates the token.
    assert_ne!(first.digest(), second.digest());
    assert!(s.is_fresh(FactorType::Totp, Duration::minutes(5), later));
    assert!(!s.is_fresh(FactorType::Webauthn, Duration::days(1), later));
}

#[test]
fn revoke_all_keeps_the_current_session() {
    let policy = SessionPolicy::default();
    let mut sessions: Vec<Session> = (0..4)
        .map(|i| {
            let new = NewSession::new("u1", AuthenticationFactor::new(FactorType::Password, t0()));
            lifecycle::start(&policy, &mut ChaCha20Rng::seed_from_u64(i), new, t0()).unwrap()
        })
        .collect();
    let keep = sessions[2].session_id.clone();
    let now = t0() + Duration::minutes(1);
    assert_eq!(
        lifecycle::revoke_all(
            sessions.iter_mut(),
            Some(&keep),
            now,
            TerminationReason::CredentialChanged
        ),
        3
    );
    for s in &mut sessions {
        let expected = if s.session_id == keep {
            Status::Active
        } else {
            Status::Terminated
        };
        assert_eq!(s.status(now), expected);
    }
    assert_eq!(
        lifecycle::revoke_all(
            sessions.iter_mut(),
            None,
            now,
            TerminationReason::RevokedAll
        ),
        1
    );
    assert!(lifecycle::credential_change_ends_other_sessions(false));
    assert!(!lifecycle::credential_change_ends_other_sessions(true));
}

#[test]
fn custom_claims_in_sessions() {
    let policy = SessionPolicy::default();
    let mut s = password_session(&policy);
    let update = json!({"plan": "pro", "sub": "evil"})
        .as_object()
        .unwrap()
        .clone();
    assert!(matches!(
        lifecycle::update_custom_claims(&mut s, &policy, &update),
        Err(SessionError::ReservedClaim { .. })
    ));
    let update = json!({"plan": "pro"}).as_object().unwrap().clone();
    lifecycle::update_custom_claims(&mut s, &policy, &update).unwrap();
    assert_eq!(s.custom_claims["plan"], "pro");
}

#[test]
fn impersonation_and_import() {
    let policy = SessionPolicy::default();
    let s = lifecycle::start_impersonation(&policy, &mut rng(), "u1", "admin-7", Some(30), t0())
        .unwrap();
    assert_eq!(s.impersonator(), Some("admin-7"));
    assert_eq!(s.authentication_factors[0].kind, FactorType::Impersonated);
    let claims = json!({"sub": "ext-1", "exp": 1, "tier": "gold"})
        .as_object()
        .unwrap()
        .clone();
    let s = lifecycle::import(
        &policy,
        &mut rng(),
        "u1",
        "https://old.example",
        &claims,
        None,
        t0(),
    )
    .unwrap();
    assert_eq!(
        serde_json::Value::Object(s.custom_claims.clone()),
        json!({"tier": "gold"})
    );
    assert_eq!(
        s.authentication_factors[0].ids.imported_from.as_deref(),
        Some("https://old.example")
    );
    // The JSON shape round-trips.
    let json = serde_json::to_string(&s).unwrap();
    assert!(json.contains("\"type\":\"imported\""), "{json}");
    assert_eq!(serde_json::from_str::<Session>(&json).unwrap(), s);
}

#[test]
fn policy_bounds() {
    assert!(SessionPolicy::default().validate().is_ok());
    for bad in [
        SessionPolicy {
            default_duration: Duration::minutes(1),
            ..SessionPolicy::default()
        },
        SessionPolicy {
            idle_timeout: Some(Duration::seconds(10)),
            ..SessionPolicy::default()
        },
        SessionPolicy {
            absolute_lifetime: Duration::days(400),
            ..SessionPolicy::default()
        },
        SessionPolicy {
            pending_lifetime: Duration::hours(2),
            ..SessionPolicy::default()
        },
        SessionPolicy {
            max_custom_claims_bytes: 10,
            ..SessionPolicy::default()
        },
        SessionPolicy {
            claims_namespace: "sub".into(),
            ..SessionPolicy::default()
        },
    ] {
        assert!(
            matches!(bad.validate(), Err(SessionError::InvalidPolicy { .. })),
            "{bad:?}"
        );
    }
}

#[derive(Debug, Clone)]
enum Op {
    Use(u32),
    Extend(u32, u32),
    Revoke(u32),
    StepUp(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u32..3000).prop_map(Op::Use),
        ((0u32..3000), (5u32..2000)).prop_map(|(a, b)| Op::Extend(a, b)),
        (0u32..3000).prop_map(Op::Revoke),
        (0u32..3000).prop_map(Op::StepUp),
    ]
}

proptest! {
    /// Once revoked or expired, a session never authenticates again, whatever follows;
    /// and expires_at never passes the absolute lifetime.
    #[test]
    fn ended_sessions_stay_ended(ops in proptest::collection::vec(op(), 1..40), idle in proptest::option::of(1i64..120)) {
        let policy = SessionPolicy {
            idle_timeout: idle.map(Duration::minutes),
            absolute_lifetime: Duration::days(2),
            ..SessionPolicy::default()
        };
        let mut s = password_session(&policy);
        let mut now = t0();
        let mut ended = false;
        for op in ops {
            let (advance, result) = match op {
                Op::Use(m) => (m, None),
                Op::Extend(m, d) => (m, Some(d)),
                Op::Revoke(m) => { now += Duration::minutes(m.into()); lifecycle::revoke(&mut s, now, TerminationReason::Logout); ended = true; continue; }
                Op::StepUp(m) => {
                    now += Duration::minutes(m.into());
                    let r = lifecycle::add_factor(&mut s, &policy, AuthenticationFactor::new(FactorType::Totp, now), now, &mut rng(), &Digester::Sha256);
                    if ended { prop_assert!(r.is_err()); }
                    if r.is_err() { ended = true; }
                    continue;
                }
            };
            now += Duration::minutes(advance.into());
            let r = lifecycle::authenticate(&mut s, &policy, now, result);
            if ended {
                prop_assert!(r.is_err(), "ended session authenticated: {:?}", s);
            }
            if r.is_err() && !matches!(r, Err(SessionError::DurationOutOfRange { .. })) {
                ended = true;
            }
            prop_assert!(s.expires_at <= s.started_at + Duration::days(2));
        }
    }
}
