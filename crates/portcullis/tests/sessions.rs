//! Sessions on the memory and SQLite stores: the lifecycle end to end, and the property
//! that a revoked or expired session never authenticates again.
#![cfg(feature = "sessions")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use portcullis::core::{Duration, OffsetDateTime, OsRng};
use portcullis::jwt::{Algorithm, Jwks, Key, KeySpec, Verifier};
use portcullis::session::jwt::{SessionJwtConfig, SessionJwtError};
use portcullis::session::{
    AuthenticationFactor, FactorType, NewSession, SessionError, SessionPolicy, Stage, Status,
    TerminationReason,
};
use portcullis::sessions::{SessionFlowError, Sessions};
use portcullis::store::{DenyListStore, MemoryStore, PageRequest, SessionStore, SqliteStore};
use portcullis::token::Digester;
use proptest::prelude::*;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

fn password(now: OffsetDateTime) -> AuthenticationFactor {
    AuthenticationFactor::new(FactorType::Password, now)
}

async fn lifecycle<S: SessionStore>(store: S) {
    let policy = SessionPolicy {
        idle_timeout: Some(Duration::minutes(30)),
        ..SessionPolicy::default()
    };
    let sessions = Sessions::new(store, policy, Digester::Sha256).unwrap();
    let now = t0();

    // A full session authenticates, and its use is recorded.
    let a = sessions
        .start(&mut OsRng, NewSession::new("user-1", password(now)), now)
        .await
        .unwrap();
    let a_token = a.token.render();
    let used = sessions
        .authenticate_token(
            a_token.expose_secret(),
            now + Duration::minutes(5),
            Some(60),
        )
        .await
        .unwrap();
    assert_eq!(used.last_accessed_at, now + Duration::minutes(5));
    assert_eq!(used.expires_at, now + Duration::minutes(65));

    // A pending session does not, until its second factor moves it to a new token.
    let mut pending = NewSession::new("user-1", password(now));
    pending.second_factor_required = true;
    let b = sessions.start(&mut OsRng, pending, now).await.unwrap();
    let b_pending = b.token.render();
    assert_eq!(
        sessions
            .authenticate_token(b_pending.expose_secret(), now, None)
            .await,
        Err(SessionFlowError::Refused(
            SessionError::SecondFactorRequired
        ))
    );
    let b_full = sessions
        .complete_second_factor(
            &mut OsRng,
            b_pending.expose_secret(),
            AuthenticationFactor::new(FactorType::Totp, now),
            now,
            None,
        )
        .await
        .unwrap();
    assert_eq!(b_full.session.stage, Stage::Full);
    assert_eq!(
        sessions
            .authenticate_token(b_pending.expose_secret(), now, None)
            .await,
        Err(SessionFlowError::Unknown),
        "the pending token must not become the full session's token"
    );
    let b_token = b_full.token.render();
    sessions
        .authenticate_token(b_token.expose_secret(), now + Duration::minutes(1), None)
        .await
        .unwrap();

    // Step-up rotates the token too, and records the factor for freshness checks.
    let stepped = sessions
        .step_up(
            &mut OsRng,
            a_token.expose_secret(),
            AuthenticationFactor::new(FactorType::Totp, now + Duration::minutes(6)),
            now + Duration::minutes(6),
        )
        .await
        .unwrap();
    assert!(stepped.session.is_fresh(
        FactorType::Totp,
        Duration::minutes(5),
        now + Duration::minutes(7)
    ));
    assert_eq!(
        sessions
            .authenticate_token(a_token.expose_secret(), now + Duration::minutes(7), None)
            .await,
        Err(SessionFlowError::Unknown)
    );
    let a_token = stepped.token.render();

    // Listing: two active sessions for user-1.
    let listing = sessions
        .list(
            "user-1",
            Some(Status::Active),
            now + Duration::minutes(7),
            PageRequest {
                with_total: true,
                ..PageRequest::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(listing.total, Some(2));

    // Sign out everywhere but here.
    let kept = stepped.session.session_id.clone();
    let ended = sessions
        .revoke_all(
            "user-1",
            Some(&kept),
            now + Duration::minutes(8),
            TerminationReason::CredentialChanged,
        )
        .await
        .unwrap();
    assert_eq!(ended, 1);
    assert_eq!(
        sessions
            .authenticate_token(b_token.expose_secret(), now + Duration::minutes(9), None)
            .await,
        Err(SessionFlowError::Refused(SessionError::Terminated))
    );
    sessions
        .authenticate_token(a_token.expose_secret(), now + Duration::minutes(9), None)
        .await
        .unwrap();

    // Idle for longer than 30 minutes: refused, and terminated in the store.
    assert_eq!(
        sessions
            .authenticate_token(a_token.expose_secret(), now + Duration::minutes(45), None)
            .await,
        Err(SessionFlowError::Refused(SessionError::IdleTimeout))
    );
    let stored = sessions.store().get_session(&kept).await.unwrap();
    assert_eq!(
        stored.status(now + Duration::minutes(45)),
        Status::Terminated
    );
    assert_eq!(
        sessions
            .authenticate_token(a_token.expose_secret(), now + Duration::minutes(46), None)
            .await,
        Err(SessionFlowError::Refused(SessionError::Terminated))
    );

    // Garbage is malformed; a well-formed stranger is unknown.
    assert_eq!(
        sessions.authenticate_token("nope", now, None).await,
        Err(SessionFlowError::Refused(SessionError::MalformedToken))
    );
    let stranger = portcullis::session::token::SessionToken::issue(&mut OsRng, &Digester::Sha256);
    assert_eq!(
        sessions
            .authenticate_token(stranger.render().expose_secret(), now, None)
            .await,
        Err(SessionFlowError::Unknown)
    );
}

fn with_jwt<S: SessionStore>(sessions: Sessions<S>) -> Sessions<S> {
    let key = Key::generate(KeySpec::new(Algorithm::ES256)).unwrap();
    let verifier = Verifier::new(Jwks::from_keys([key.public_key().unwrap()]).unwrap());
    sessions
        .with_jwt(
            key,
            verifier,
            SessionJwtConfig::new("https://auth.example.com"),
        )
        .unwrap()
}

async fn jwts<S: SessionStore + DenyListStore>(store: S) {
    let sessions =
        with_jwt(Sessions::new(store, SessionPolicy::default(), Digester::Sha256).unwrap());
    let now = t0();
    let a = sessions
        .start(&mut OsRng, NewSession::new("user-1", password(now)), now)
        .await
        .unwrap();
    let jwt = sessions.issue_jwt(&mut OsRng, &a.session, now).unwrap();
    let fresh = sessions
        .authenticate_jwt(
            &mut OsRng,
            jwt.token.expose_secret(),
            now + Duration::minutes(1),
        )
        .await
        .unwrap();
    assert_eq!(fresh.claims.session_id, a.session.session_id);
    assert!(fresh.refreshed.is_none());

    // Stale: refreshed from the store, the use recorded, a new JWT handed back.
    let stale_at = now + Duration::minutes(7);
    let refreshed = sessions
        .authenticate_jwt(&mut OsRng, jwt.token.expose_secret(), stale_at)
        .await
        .unwrap();
    let new_jwt = refreshed.refreshed.expect("a stale JWT is replaced");
    assert_eq!(new_jwt.expires_at, Some(stale_at + Duration::minutes(5)));
    let stored = sessions
        .store()
        .get_session(&a.session.session_id)
        .await
        .unwrap();
    assert_eq!(stored.last_accessed_at, stale_at);
    assert!(
        sessions
            .authenticate_jwt(&mut OsRng, new_jwt.token.expose_secret(), stale_at)
            .await
            .unwrap()
            .refreshed
            .is_none()
    );

    // Revoked: the fresh JWT is still believed until it goes stale (the documented
    // trade-off), and then it is refused rather than refreshed.
    sessions
        .revoke(&a.session.session_id, stale_at, TerminationReason::Logout)
        .await
        .unwrap();
    sessions
        .authenticate_jwt(
            &mut OsRng,
            new_jwt.token.expose_secret(),
            stale_at + Duration::minutes(1),
        )
        .await
        .unwrap();
    assert_eq!(
        sessions
            .authenticate_jwt(
                &mut OsRng,
                new_jwt.token.expose_secret(),
                stale_at + Duration::minutes(7)
            )
            .await
            .unwrap_err(),
        SessionFlowError::Refused(SessionError::Terminated)
    );

    // With the deny-list on, denying the jti ends a fresh JWT at once.
    let sessions = sessions.with_jwt_deny_list();
    let b = sessions
        .start(&mut OsRng, NewSession::new("user-2", password(now)), now)
        .await
        .unwrap();
    let b_jwt = sessions.issue_jwt(&mut OsRng, &b.session, now).unwrap();
    sessions
        .authenticate_jwt(&mut OsRng, b_jwt.token.expose_secret(), now)
        .await
        .unwrap();
    sessions
        .deny_jwt(b_jwt.jti.as_deref().unwrap(), b_jwt.expires_at.unwrap())
        .await
        .unwrap();
    assert_eq!(
        sessions
            .authenticate_jwt(&mut OsRng, b_jwt.token.expose_secret(), now)
            .await
            .unwrap_err(),
        SessionFlowError::JwtRevoked
    );

    // Not ours: refused as a JWT error; a pending session gets no JWT.
    let other = with_jwt(
        Sessions::new(
            MemoryStore::new(),
            SessionPolicy::default(),
            Digester::Sha256,
        )
        .unwrap(),
    );
    let foreign = other.issue_jwt(&mut OsRng, &b.session, now).unwrap();
    assert!(matches!(
        sessions
            .authenticate_jwt(&mut OsRng, foreign.token.expose_secret(), now)
            .await,
        Err(SessionFlowError::Jwt(SessionJwtError::Jwt(_)))
    ));
    let mut pending = NewSession::new("user-3", password(now));
    pending.second_factor_required = true;
    let p = sessions.start(&mut OsRng, pending, now).await.unwrap();
    assert_eq!(
        sessions.issue_jwt(&mut OsRng, &p.session, now).unwrap_err(),
        SessionFlowError::Jwt(SessionJwtError::SessionNotActive)
    );
}

#[test]
fn an_external_jwt_is_exchanged_for_a_session() {
    runtime().block_on(async {
        let sessions = Sessions::new(
            MemoryStore::new(),
            SessionPolicy::default(),
            Digester::Sha256,
        )
        .unwrap();
        let now = t0();
        let theirs = Key::generate(KeySpec::new(Algorithm::EdDSA)).unwrap();
        let verifier = Verifier::new(Jwks::from_keys([theirs.public_key().unwrap()]).unwrap())
            .issuer("https://old.example.com");
        let claims = portcullis::jwt::NewClaims::new()
            .issuer("https://old.example.com")
            .subject("user-9")
            .claim("plan", serde_json::json!("pro"))
            .unwrap();
        let external = theirs.sign(&claims, now, &mut OsRng).unwrap();
        let issued = sessions
            .exchange_jwt(
                &mut OsRng,
                &verifier,
                external.token.expose_secret(),
                Some(30),
                now,
            )
            .await
            .unwrap();
        assert_eq!(issued.session.user_id, "user-9");
        assert_eq!(issued.session.custom_claims["plan"], "pro");
        assert_eq!(
            issued.session.authentication_factors[0].kind,
            FactorType::Imported
        );
        assert_eq!(issued.session.expires_at, now + Duration::minutes(30));
        sessions
            .authenticate_token(issued.token.render().expose_secret(), now, None)
            .await
            .unwrap();
        // Expired, or signed by anyone else: no session.
        assert!(
            sessions
                .exchange_jwt(
                    &mut OsRng,
                    &verifier,
                    external.token.expose_secret(),
                    None,
                    now + Duration::hours(2)
                )
                .await
                .is_err()
        );
        let stranger = Key::generate(KeySpec::new(Algorithm::EdDSA)).unwrap();
        let forged = stranger.sign(&claims, now, &mut OsRng).unwrap();
        assert!(matches!(
            sessions
                .exchange_jwt(
                    &mut OsRng,
                    &verifier,
                    forged.token.expose_secret(),
                    None,
                    now
                )
                .await,
            Err(SessionFlowError::Jwt(_))
        ));
    });
}

#[test]
fn jwts_on_memory() {
    runtime().block_on(jwts(MemoryStore::new()));
}

#[test]
fn jwts_on_sqlite() {
    runtime().block_on(async { jwts(SqliteStore::open_in_memory().await.unwrap()).await });
}

#[test]
fn lifecycle_on_memory() {
    runtime().block_on(lifecycle(MemoryStore::new()));
}

#[test]
fn lifecycle_on_sqlite() {
    runtime().block_on(async { lifecycle(SqliteStore::open_in_memory().await.unwrap()).await });
}

/// What a test case does to one session, in order.
#[derive(Debug, Clone)]
enum Op {
    /// Authenticate `minutes` later, optionally extending.
    Use {
        minutes: i64,
        extend: Option<u32>,
    },
    Revoke {
        minutes: i64,
    },
    RevokeAll {
        minutes: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0i64..90, prop::option::of(5u32..120)).prop_map(|(minutes, extend)| Op::Use { minutes, extend }),
        1 => (0i64..90).prop_map(|minutes| Op::Revoke { minutes }),
        1 => (0i64..90).prop_map(|minutes| Op::RevokeAll { minutes }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever happens in between, once a session is revoked or past its expiry no
    /// later use of its token succeeds, and its stale JWT is never refreshed.
    #[test]
    fn ended_sessions_never_authenticate(ops in prop::collection::vec(op(), 1..12)) {
        runtime().block_on(async {
            let sessions = with_jwt(Sessions::new(MemoryStore::new(), SessionPolicy::default(), Digester::Sha256).unwrap());
            let start = t0();
            let issued = sessions.start(&mut OsRng, NewSession::new("u", password(start)), start).await.unwrap();
            let token = issued.token.render();
            let jwt = sessions.issue_jwt(&mut OsRng, &issued.session, start).unwrap();
            let mut now = start;
            let mut expires_at = issued.session.expires_at;
            let mut ended = false;
            for op in ops {
                match op {
                    Op::Use { minutes, extend } => {
                        now += Duration::minutes(minutes);
                        let by_jwt = sessions.authenticate_jwt(&mut OsRng, jwt.token.expose_secret(), now).await;
                        if let Ok(auth) = &by_jwt && auth.refreshed.is_some() {
                            prop_assert!(!ended && now < expires_at, "an ended session refreshed its JWT");
                        }
                        let result = sessions.authenticate_token(token.expose_secret(), now, extend).await;
                        if ended || now >= expires_at {
                            prop_assert!(result.is_err(), "ended or expired session authenticated: {result:?}");
                            ended = true;
                        } else {
                            let session = result.unwrap();
                            expires_at = session.expires_at;
                        }
                    }
                    Op::Revoke { minutes } => {
                        now += Duration::minutes(minutes);
                        sessions.revoke(&issued.session.session_id, now, TerminationReason::Logout).await.unwrap();
                        ended = true;
                    }
                    Op::RevokeAll { minutes } => {
                        now += Duration::minutes(minutes);
                        sessions.revoke_all("u", None, now, TerminationReason::RevokedAll).await.unwrap();
                        ended = true;
                    }
                }
            }
            Ok(())
        })?;
    }
}
