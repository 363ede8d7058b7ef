//! The password flows on the memory and SQLite stores: sign-up, sign-in, lockout that
//! treats unknown logins like known ones, legacy-hash import and upgrade, disable.
#![cfg(feature = "flows")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use portcullis::core::{Duration, OffsetDateTime, OsRng};
use portcullis::flows::{AccountError, LockoutPolicy, LoginError, Portcullis};
use portcullis::password::{Argon2Params, HasherConfig, ImportRecord, Target};
use portcullis::session::Status;
use portcullis::store::{MemoryStore, PageRequest, SqliteStore, Store};

const PASSWORD: &str = "correct horse battery staple 42";

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

fn auth<S: Store>(store: S) -> Portcullis<S> {
    // Light argon2 parameters keep the test quick; the flows do not depend on them.
    let hasher = HasherConfig {
        target: Target::Argon2id(Argon2Params {
            m_cost: 1024,
            t_cost: 1,
            p_cost: 1,
        }),
        ..HasherConfig::default()
    };
    Portcullis::builder(store)
        .hasher(hasher)
        .lockout(LockoutPolicy {
            max_failures: 3,
            ..LockoutPolicy::default()
        })
        .build()
        .unwrap()
}

async fn flows<S: Store>(store: S) {
    let auth = auth(store);
    let now = t0();

    // Sign-up checks the policy, and a login is taken once.
    let weak = auth
        .sign_up(&mut OsRng, "ada@example.com", "user-1", "password", now)
        .await
        .unwrap_err();
    assert!(matches!(weak, AccountError::WeakPassword(ref r) if !r.valid_password));
    let signed_up = auth
        .sign_up(&mut OsRng, " Ada@Example.com", "user-1", PASSWORD, now)
        .await
        .unwrap();
    assert_eq!(signed_up.account.login, "ada@example.com");
    assert!(
        signed_up
            .account
            .password_hash
            .as_deref()
            .unwrap()
            .starts_with("$argon2id$")
    );
    assert!(!format!("{:?}", signed_up.account).contains("argon2id"));
    assert_eq!(
        auth.sign_up(&mut OsRng, "ada@example.com", "user-2", PASSWORD, now)
            .await
            .unwrap_err(),
        AccountError::LoginTaken
    );

    // Sign-in: right password starts a session; a wrong one and an unknown login get
    // the same answer.
    let issued = auth
        .login_password(&mut OsRng, "ADA@example.com", PASSWORD, now)
        .await
        .unwrap();
    assert_eq!(issued.session.user_id, "user-1");
    auth.sessions()
        .authenticate_token(issued.token.render().expose_secret(), now, None)
        .await
        .unwrap();
    for login in ["ada@example.com", "nobody@example.com"] {
        for _ in 0..2 {
            assert_eq!(
                auth.login_password(&mut OsRng, login, "wrong", now)
                    .await
                    .unwrap_err(),
                LoginError::InvalidCredentials
            );
        }
        // The third failure locks, known login or not, for the first lock's 5 minutes.
        assert_eq!(
            auth.login_password(&mut OsRng, login, "wrong", now)
                .await
                .unwrap_err(),
            LoginError::Locked {
                until: now + Duration::minutes(5)
            }
        );
    }
    // Locked: even the right password is refused, before any hashing.
    assert_eq!(
        auth.login_password(
            &mut OsRng,
            "ada@example.com",
            PASSWORD,
            now + Duration::minutes(1)
        )
        .await
        .unwrap_err(),
        LoginError::Locked {
            until: now + Duration::minutes(5)
        }
    );
    // After the lock, it works again and the failure count starts over.
    let later = now + Duration::minutes(6);
    auth.login_password(&mut OsRng, "ada@example.com", PASSWORD, later)
        .await
        .unwrap();
    // The next lock lasts twice as long.
    for _ in 0..2 {
        auth.login_password(&mut OsRng, "ada@example.com", "wrong", later)
            .await
            .unwrap_err();
    }
    assert_eq!(
        auth.login_password(&mut OsRng, "ada@example.com", "wrong", later)
            .await
            .unwrap_err(),
        LoginError::Locked {
            until: later + Duration::minutes(10)
        }
    );
    // An administrator unlocks.
    auth.unlock("ada@example.com", later).await.unwrap();
    assert_eq!(
        auth.locked_until("ada@example.com", later).await.unwrap(),
        None
    );
    auth.login_password(&mut OsRng, "ada@example.com", PASSWORD, later)
        .await
        .unwrap();

    // Import: an md5-crypt hash from an old system signs in and is upgraded in place.
    let record =
        ImportRecord::from_json_str(r#"{"hash": "$1$saltstri$qQY4WxjABChYG1ccLpfkz/"}"#).unwrap();
    let imported = auth
        .import("grace@example.com", "user-2", &record, "legacy-php", now)
        .await
        .unwrap();
    assert_eq!(imported.revision, 0);
    assert!(
        imported
            .password_hash
            .as_deref()
            .unwrap()
            .starts_with("$1$")
    );
    auth.login_password(&mut OsRng, "grace@example.com", "password", now)
        .await
        .unwrap();
    let upgraded = auth.account("grace@example.com").await.unwrap();
    assert_eq!(upgraded.revision, 1);
    assert!(
        upgraded
            .password_hash
            .as_deref()
            .unwrap()
            .starts_with("$argon2id$")
    );
    assert_eq!(upgraded.imported_from.as_deref(), Some("legacy-php"));
    auth.login_password(&mut OsRng, "grace@example.com", "password", now)
        .await
        .unwrap();
    assert_eq!(auth.account("grace@example.com").await.unwrap().revision, 1);

    // Disable: every session ends and the right password is refused; enable restores.
    auth.disable("ada@example.com", "chargeback", later)
        .await
        .unwrap();
    let live = auth
        .sessions()
        .list(
            "user-1",
            Some(Status::Active),
            later,
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert!(live.items.is_empty());
    assert_eq!(
        auth.login_password(&mut OsRng, "ada@example.com", PASSWORD, later)
            .await
            .unwrap_err(),
        LoginError::Disabled
    );
    // Without the password, a disabled account looks like any failure.
    assert_eq!(
        auth.login_password(&mut OsRng, "ada@example.com", "wrong", later)
            .await
            .unwrap_err(),
        LoginError::InvalidCredentials
    );
    auth.enable("ada@example.com").await.unwrap();
    auth.login_password(&mut OsRng, "ada@example.com", PASSWORD, later)
        .await
        .unwrap();
    assert_eq!(
        auth.disable("nobody@example.com", "x", later)
            .await
            .unwrap_err(),
        AccountError::Unknown
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn flows_on_memory() {
    runtime().block_on(flows(MemoryStore::new()));
}

#[test]
fn flows_on_sqlite() {
    runtime().block_on(async { flows(SqliteStore::open_in_memory().await.unwrap()).await });
}

#[test]
fn lock_durations_double_up_to_the_maximum() {
    let policy = LockoutPolicy::default();
    assert_eq!(policy.lock_duration(1), Duration::minutes(5));
    assert_eq!(policy.lock_duration(2), Duration::minutes(10));
    assert_eq!(policy.lock_duration(3), Duration::minutes(20));
    assert_eq!(policy.lock_duration(9), Duration::minutes(5 * 256));
    assert_eq!(policy.lock_duration(10), Duration::hours(24));
    assert_eq!(policy.lock_duration(u64::MAX), Duration::hours(24));
}

#[derive(Debug, Default)]
struct Recorder(std::sync::Mutex<Vec<portcullis::audit::AuditEvent>>);

impl portcullis::audit::AuditSink for Recorder {
    fn record(&self, event: portcullis::audit::AuditEvent) {
        self.0.lock().unwrap().push(event);
    }
}

#[test]
fn audit_events_name_each_outcome_and_no_secret() {
    use portcullis::audit::AuditEvent;
    let recorder = std::sync::Arc::new(Recorder::default());
    let hasher = HasherConfig {
        target: Target::Argon2id(Argon2Params {
            m_cost: 1024,
            t_cost: 1,
            p_cost: 1,
        }),
        ..HasherConfig::default()
    };
    let auth = Portcullis::builder(MemoryStore::new())
        .hasher(hasher)
        .lockout(LockoutPolicy {
            max_failures: 2,
            ..LockoutPolicy::default()
        })
        .audit(recorder.clone())
        .build()
        .unwrap();
    let now = t0();
    runtime().block_on(async {
        auth.sign_up(&mut OsRng, "ada@example.com", "user-1", PASSWORD, now)
            .await
            .unwrap();
        for _ in 0..2 {
            auth.login_password(&mut OsRng, "ada@example.com", "hunter2", now)
                .await
                .unwrap_err();
        }
        auth.unlock("ada@example.com", now).await.unwrap();
        let record =
            ImportRecord::from_json_str(r#"{"hash": "$1$saltstri$qQY4WxjABChYG1ccLpfkz/"}"#)
                .unwrap();
        auth.import("grace@example.com", "user-2", &record, "php", now)
            .await
            .unwrap();
        auth.login_password(&mut OsRng, "grace@example.com", "password", now)
            .await
            .unwrap();
    });
    let events = recorder.0.lock().unwrap().clone();
    let text = format!("{events:?}");
    for secret in [PASSWORD, "hunter2", "$1$saltstri", "argon2id"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert!(matches!(
        &events[0],
        AuditEvent::AccountCreated { how: "sign_up", .. }
    ));
    assert!(matches!(
        &events[1],
        AuditEvent::LoginFailed {
            reason: "invalid_credentials",
            ..
        }
    ));
    assert!(
        matches!(&events[2], AuditEvent::AccountLocked { until, .. } if *until == now + Duration::minutes(5))
    );
    assert!(matches!(
        &events[3],
        AuditEvent::LoginFailed {
            reason: "locked",
            ..
        }
    ));
    assert!(matches!(
        &events[4],
        AuditEvent::AccountAdministered {
            action: "unlocked",
            ..
        }
    ));
    assert!(matches!(
        &events[5],
        AuditEvent::AccountCreated { how: "import", .. }
    ));
    assert!(matches!(
        &events[6],
        AuditEvent::LoginSucceeded {
            hash_upgraded: true,
            second_factor_pending: false,
            ..
        }
    ));
    assert_eq!(events.len(), 7);
}

#[test]
fn a_breached_password_is_refused_at_sign_up() {
    use portcullis::password::RangeQuery;
    let query = RangeQuery::new(PASSWORD);
    let digest = format!("{}{}", query.prefix(), query.suffix());
    let mut lines = [
        format!("{digest}:42"),
        format!("{}:1", "0".repeat(40)),
        format!("{}:7", "F".repeat(40)),
    ];
    lines.sort();
    let dir = std::env::temp_dir().join(format!("portcullis-breach-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("pwned.txt");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let auth = Portcullis::builder(MemoryStore::new())
        .breach_file(&file)
        .build()
        .unwrap();
    let now = t0();
    runtime().block_on(async {
        match auth
            .sign_up(&mut OsRng, "ada@example.com", "user-1", PASSWORD, now)
            .await
            .unwrap_err()
        {
            AccountError::WeakPassword(verdict) => assert!(verdict.breached_password),
            other => panic!("{other:?}"),
        }
        auth.sign_up(
            &mut OsRng,
            "ada@example.com",
            "user-1",
            "an entirely different passphrase 7",
            now,
        )
        .await
        .unwrap();
    });
    std::fs::remove_dir_all(&dir).unwrap();
}
