//! TOTP and recovery codes as a second factor, on the memory and SQLite stores.
#![cfg(feature = "flows")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use portcullis::core::{Duration, OffsetDateTime, OsRng, SecretBytes};
use portcullis::flows::{AccountError, LockoutPolicy, LoginError, Portcullis};
use portcullis::otp::{
    EnrollmentStatus, KeyRing, OtpSecret, RecoveryCodes, Refusal, SecretPolicy, ServerKey, Totp,
    TotpEnrollments,
};
use portcullis::password::{Argon2Params, HasherConfig, Target};
use portcullis::sealed::SealingKey;
use portcullis::second_factor::SecondFactorConfig;
use portcullis::session::{SessionError, Stage};
use portcullis::sessions::SessionFlowError;
use portcullis::store::{MemoryStore, SqliteStore, Store};

const PASSWORD: &str = "correct horse battery staple 42";
const LOGIN: &str = "ada@example.com";

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_010).unwrap()
}

fn auth<S: Store>(store: S) -> Portcullis<S> {
    let hasher = HasherConfig {
        target: Target::Argon2id(Argon2Params {
            m_cost: 1024,
            t_cost: 1,
            p_cost: 1,
        }),
        ..HasherConfig::default()
    };
    let second_factor = SecondFactorConfig {
        issuer: "ACME".to_owned(),
        sealing_key: SealingKey::new("seal-1", &SecretBytes::from(vec![9; 32])).unwrap(),
        recovery_keys: KeyRing::new(vec![
            ServerKey::new("rc-1", SecretBytes::from(vec![3; 32])).unwrap(),
        ])
        .unwrap(),
        enrollments: TotpEnrollments::new(),
        recovery_codes: RecoveryCodes::new(),
    };
    Portcullis::builder(store)
        .hasher(hasher)
        .lockout(LockoutPolicy {
            max_failures: 4,
            ..LockoutPolicy::default()
        })
        .second_factor(second_factor)
        .build()
        .unwrap()
}

fn code(secret: &OtpSecret, at: OffsetDateTime) -> String {
    Totp::new()
        .generate(secret, at)
        .unwrap()
        .expose_secret()
        .to_owned()
}

async fn second_factor<S: Store>(store: S) {
    let auth = auth(store);
    let now = t0();
    auth.sign_up(&mut OsRng, LOGIN, "user-1", PASSWORD, now)
        .await
        .unwrap();
    // No factor yet: the password gives a full session.
    let plain = auth
        .login_password(&mut OsRng, LOGIN, PASSWORD, now)
        .await
        .unwrap();
    assert_eq!(plain.session.stage, Stage::Full);

    // Enrol: pending until the first code.
    let started = auth.enroll_totp(&mut OsRng, LOGIN, now).await.unwrap();
    assert!(
        started
            .uri
            .to_uri()
            .expose_secret()
            .starts_with("otpauth://totp/ACME:ada%40example.com?")
    );
    let seed =
        OtpSecret::from_base32(started.secret.expose_secret(), SecretPolicy::Standard).unwrap();
    assert_eq!(
        auth.totp_status(LOGIN, now).await.unwrap(),
        Some(EnrollmentStatus::Pending)
    );
    let stored = auth.account(LOGIN).await.unwrap();
    let sealed = &stored.totp.as_ref().unwrap().sealed_secret;
    assert!(!sealed.contains(started.secret.expose_secret()));
    assert!(!format!("{stored:?}").contains(sealed.as_str()));
    // Still a full session while pending.
    assert_eq!(
        auth.login_password(&mut OsRng, LOGIN, PASSWORD, now)
            .await
            .unwrap()
            .session
            .stage,
        Stage::Full
    );
    assert!(matches!(
        auth.confirm_totp(LOGIN, "000000", now).await,
        Err(AccountError::SecondFactor(_))
    ));
    let recovery = auth
        .confirm_totp(LOGIN, &code(&seed, now), now)
        .await
        .unwrap();
    assert_eq!(recovery.len(), 10);
    assert_eq!(
        auth.totp_status(LOGIN, now).await.unwrap(),
        Some(EnrollmentStatus::Active)
    );

    // Sign-in now stops halfway.
    let pending = auth
        .login_password(&mut OsRng, LOGIN, PASSWORD, now)
        .await
        .unwrap();
    assert_eq!(pending.session.stage, Stage::PendingSecondFactor);
    let pending_token = pending.token.render();
    assert_eq!(
        auth.sessions()
            .authenticate_token(pending_token.expose_secret(), now, None)
            .await
            .unwrap_err(),
        SessionFlowError::Refused(SessionError::SecondFactorRequired)
    );
    // The code used to confirm cannot be used again.
    assert_eq!(
        auth.complete_totp(
            &mut OsRng,
            pending_token.expose_secret(),
            &code(&seed, now),
            now
        )
        .await
        .unwrap_err(),
        LoginError::SecondFactor(Refusal::Replayed)
    );
    let next = now + Duration::seconds(30);
    let full = auth
        .complete_totp(
            &mut OsRng,
            pending_token.expose_secret(),
            &code(&seed, next),
            next,
        )
        .await
        .unwrap();
    assert_eq!(full.session.stage, Stage::Full);
    // A full session's token is refused before the code is looked at.
    assert_eq!(
        auth.complete_totp(
            &mut OsRng,
            full.token.render().expose_secret(),
            "123456",
            next
        )
        .await
        .unwrap_err(),
        LoginError::Session(SessionFlowError::Refused(SessionError::NotPending))
    );
    auth.sessions()
        .authenticate_token(full.token.render().expose_secret(), next, None)
        .await
        .unwrap();
    assert!(
        auth.sessions()
            .authenticate_token(pending_token.expose_secret(), next, None)
            .await
            .is_err(),
        "the pending token does not become the full session's"
    );

    // A recovery code works once.
    let pending = auth
        .login_password(&mut OsRng, LOGIN, PASSWORD, next)
        .await
        .unwrap();
    let recovered = auth
        .complete_recovery(
            &mut OsRng,
            pending.token.render().expose_secret(),
            recovery[0].expose_secret(),
            next,
        )
        .await
        .unwrap();
    assert_eq!(recovered.session.stage, Stage::Full);
    let pending = auth
        .login_password(&mut OsRng, LOGIN, PASSWORD, next)
        .await
        .unwrap();
    let pending_token = pending.token.render();
    assert_eq!(
        auth.complete_recovery(
            &mut OsRng,
            pending_token.expose_secret(),
            recovery[0].expose_secret(),
            next
        )
        .await
        .unwrap_err(),
        LoginError::SecondFactor(Refusal::AlreadyUsed)
    );

    // Regeneration: the old codes die.
    let fresh = auth.regenerate_recovery_codes(LOGIN, next).await.unwrap();
    assert!(matches!(
        auth.complete_recovery(
            &mut OsRng,
            pending_token.expose_secret(),
            recovery[1].expose_secret(),
            next
        )
        .await
        .unwrap_err(),
        LoginError::SecondFactor(Refusal::WrongCode)
    ));
    auth.complete_recovery(
        &mut OsRng,
        pending_token.expose_secret(),
        fresh[0].expose_secret(),
        next,
    )
    .await
    .unwrap();

    // Wrong codes count towards the lock like wrong passwords.
    let pending = auth
        .login_password(&mut OsRng, LOGIN, PASSWORD, next)
        .await
        .unwrap();
    let pending_token = pending.token.render();
    let mut last = None;
    for _ in 0..4 {
        last = Some(
            auth.complete_totp(&mut OsRng, pending_token.expose_secret(), "123456", next)
                .await
                .unwrap_err(),
        );
    }
    assert!(matches!(last, Some(LoginError::Locked { .. })), "{last:?}");
    auth.unlock(LOGIN, next).await.unwrap();

    // Removing the factor ends other sessions and sign-in is one step again.
    auth.disable_totp(LOGIN, None, false, next).await.unwrap();
    assert!(
        auth.sessions()
            .authenticate_token(full.token.render().expose_secret(), next, None)
            .await
            .is_err()
    );
    assert_eq!(auth.totp_status(LOGIN, next).await.unwrap(), None);
    assert_eq!(
        auth.login_password(&mut OsRng, LOGIN, PASSWORD, next)
            .await
            .unwrap()
            .session
            .stage,
        Stage::Full
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn second_factor_on_memory() {
    runtime().block_on(second_factor(MemoryStore::new()));
}

#[test]
fn second_factor_on_sqlite() {
    runtime().block_on(async { second_factor(SqliteStore::open_in_memory().await.unwrap()).await });
}

#[test]
fn an_imported_totp_secret_is_asked_for_at_sign_in() {
    runtime().block_on(async {
        let auth = auth(MemoryStore::new());
        let now = t0();
        auth.sign_up(&mut OsRng, LOGIN, "user-1", PASSWORD, now)
            .await
            .unwrap();
        // 80 bits, as some older systems made them: refused unless allowed.
        let legacy = "JBSWY3DPEHPK3PXP";
        assert!(matches!(
            auth.import_totp(LOGIN, legacy, false, now).await,
            Err(AccountError::Otp(_))
        ));
        auth.import_totp(LOGIN, legacy, true, now).await.unwrap();
        let seed = OtpSecret::from_base32(legacy, SecretPolicy::DangerAllowLegacy).unwrap();
        let pending = auth
            .login_password(&mut OsRng, LOGIN, PASSWORD, now)
            .await
            .unwrap();
        assert_eq!(pending.session.stage, Stage::PendingSecondFactor);
        let full = auth
            .complete_totp(
                &mut OsRng,
                pending.token.render().expose_secret(),
                &code(&seed, now),
                now,
            )
            .await
            .unwrap();
        assert_eq!(full.session.stage, Stage::Full);
    });
}

#[test]
fn step_up_grants_allow_one_action_for_a_short_time() {
    use portcullis::otp::GrantKind;
    runtime().block_on(async {
        let auth = auth(MemoryStore::new());
        let now = t0();
        auth.sign_up(&mut OsRng, LOGIN, "user-1", PASSWORD, now)
            .await
            .unwrap();
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        auth.import_totp(LOGIN, secret, false, now).await.unwrap();
        let seed = OtpSecret::from_base32(secret, SecretPolicy::Standard).unwrap();

        let once = auth
            .step_up_grant(
                LOGIN,
                &code(&seed, now),
                "DELETE_ACCOUNT",
                GrantKind::OneTimeUse,
                60,
                now,
            )
            .await
            .unwrap();
        // The same code cannot mint a second grant.
        assert_eq!(
            auth.step_up_grant(
                LOGIN,
                &code(&seed, now),
                "DELETE_ACCOUNT",
                GrantKind::OneTimeUse,
                60,
                now
            )
            .await
            .unwrap_err(),
            AccountError::SecondFactor(Refusal::Replayed)
        );
        assert_eq!(
            auth.use_step_up_grant(once.expose_secret(), "user-1", "CHANGE_EMAIL", now)
                .await
                .unwrap_err(),
            AccountError::SecondFactor(Refusal::WrongSubject)
        );
        auth.use_step_up_grant(once.expose_secret(), "user-1", "DELETE_ACCOUNT", now)
            .await
            .unwrap();
        assert!(
            auth.use_step_up_grant(once.expose_secret(), "user-1", "DELETE_ACCOUNT", now)
                .await
                .is_err()
        );

        let next = now + Duration::seconds(30);
        let reusable = auth
            .step_up_grant(
                LOGIN,
                &code(&seed, next),
                "EXPORT",
                GrantKind::TimeBased,
                60,
                next,
            )
            .await
            .unwrap();
        for _ in 0..3 {
            auth.use_step_up_grant(reusable.expose_secret(), "user-1", "EXPORT", next)
                .await
                .unwrap();
        }
        assert!(
            auth.use_step_up_grant(
                reusable.expose_secret(),
                "user-1",
                "EXPORT",
                next + Duration::seconds(61)
            )
            .await
            .is_err()
        );
        assert!(
            auth.use_step_up_grant(&"0".repeat(96), "user-1", "EXPORT", next)
                .await
                .is_err()
        );
    });
}

#[test]
fn a_propelauth_user_keeps_password_and_authenticator() {
    runtime().block_on(async {
        let auth = auth(MemoryStore::new());
        let now = t0();
        // bcrypt vector made by pyca bcrypt 4.0 (tests/vectors/password/bcrypt.jsonl).
        let record = serde_json::json!({
            "email": "Pat@Example.com",
            "email_confirmed": true,
            "existing_user_id": "1234",
            "existing_password_hash": "$2b$05$Km18pGo7gODsBSqSQ0W3H.ps0xOp2JokzMrgCQuXtTpeQvklrAnSm",
            "existing_mfa_base32_encoded_secret": "JBSWY3DPEHPK3PXP",
            "update_password_required": false,
            "enabled": true
        });
        let account = auth.import_propelauth(&record, "user-pat", now).await.unwrap();
        assert_eq!(account.login, "pat@example.com");
        assert_eq!(account.email_verified_at, Some(now));
        assert!(account.second_factor_required(now));
        let pending = auth
            .login_password(&mut OsRng, "pat@example.com", "correct horse battery staple", now)
            .await
            .unwrap();
        assert_eq!(pending.session.stage, Stage::PendingSecondFactor);
        let seed = OtpSecret::from_base32("JBSWY3DPEHPK3PXP", SecretPolicy::DangerAllowLegacy).unwrap();
        auth.complete_totp(
            &mut OsRng,
            pending.token.render().expose_secret(),
            &code(&seed, now),
            now,
        )
        .await
        .unwrap();
        let upgraded = auth.account("pat@example.com").await.unwrap();
        assert!(upgraded.password_hash.unwrap().starts_with("$argon2id$"));

        // A user disabled there stays disabled here.
        let blocked = serde_json::json!({
            "email": "blocked@example.com",
            "existing_password_hash": "$2b$05$Km18pGo7gODsBSqSQ0W3H.ps0xOp2JokzMrgCQuXtTpeQvklrAnSm",
            "enabled": false
        });
        auth.import_propelauth(&blocked, "user-blocked", now).await.unwrap();
        assert_eq!(
            auth.login_password(&mut OsRng, "blocked@example.com", "correct horse battery staple", now)
                .await
                .unwrap_err(),
            LoginError::Disabled
        );
        assert!(matches!(
            auth.import_propelauth(&serde_json::json!({"existing_password_hash": "x"}), "u", now)
                .await,
            Err(AccountError::Password(_))
        ));
    });
}

#[test]
fn without_configuration_the_flows_say_so() {
    runtime().block_on(async {
        let auth = Portcullis::builder(MemoryStore::new()).build().unwrap();
        let now = t0();
        auth.sign_up(&mut OsRng, LOGIN, "u", PASSWORD, now)
            .await
            .unwrap();
        assert_eq!(
            auth.enroll_totp(&mut OsRng, LOGIN, now).await.unwrap_err(),
            AccountError::NotConfigured("second_factor")
        );
    });
}
