//! One-time passcodes on the memory and SQLite stores.
#![cfg(feature = "flows")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::Mutex;

use portcullis::core::{Duration, OffsetDateTime, OsRng, SecretBytes, SecretString};
use portcullis::email::{Message, Sender};
use portcullis::flows::{LoginError, Portcullis};
use portcullis::otp::{Destination, KeyRing, Passcodes, Refusal, ServerKey};
use portcullis::passcodes::PasscodeConfig;
use portcullis::session::{AuthenticationFactor, FactorType, NewSession, Stage};
use portcullis::store::{MemoryStore, SqliteStore, Store};

#[derive(Default)]
struct Inbox(Mutex<Vec<Message>>);

impl Sender for Inbox {
    async fn send(&self, message: Message) -> Result<(), String> {
        self.0.lock().unwrap().push(message);
        Ok(())
    }
}

impl Inbox {
    fn code(&self) -> SecretString {
        match self.0.lock().unwrap().pop() {
            Some(Message::Passcode { code, .. }) => code,
            other => panic!("expected a passcode, got {other:?}"),
        }
    }
}

/// A six-digit code that is not `code`.
fn wrong_code(code: &SecretString) -> &'static str {
    if code.expose_secret() == "000000" {
        "111111"
    } else {
        "000000"
    }
}

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

async fn passcodes<S: Store>(store: S) {
    let config = PasscodeConfig {
        passcodes: Passcodes::new(),
        keys: KeyRing::new(vec![
            ServerKey::new("otp-1", SecretBytes::from(vec![5; 32])).unwrap(),
        ])
        .unwrap(),
    };
    let auth = Portcullis::builder(store)
        .passcodes(config)
        .build()
        .unwrap();
    let inbox = Inbox::default();
    let now = t0();
    let email = Destination::email("ada@example.com").unwrap();

    // Sign-in by emailed code creates the account on first use.
    auth.send_passcode(&mut OsRng, &inbox, email.clone(), now)
        .await
        .unwrap();
    let first = inbox.code();
    // A resend replaces the outstanding code.
    auth.send_passcode(&mut OsRng, &inbox, email.clone(), now)
        .await
        .unwrap();
    let second = inbox.code();
    if first.expose_secret() != second.expose_secret() {
        assert_eq!(
            auth.login_passcode(
                &mut OsRng,
                &email,
                first.expose_secret(),
                |_| "u1".into(),
                now
            )
            .await
            .unwrap_err(),
            LoginError::SecondFactor(Refusal::WrongCode)
        );
    }
    let issued = auth
        .login_passcode(
            &mut OsRng,
            &email,
            second.expose_secret(),
            |_| "u1".into(),
            now,
        )
        .await
        .unwrap();
    assert_eq!(issued.session.user_id, "u1");
    assert_eq!(
        issued.session.authentication_factors[0].kind,
        FactorType::EmailOtp
    );
    // Used once.
    assert!(matches!(
        auth.login_passcode(
            &mut OsRng,
            &email,
            second.expose_secret(),
            |_| unreachable!(),
            now
        )
        .await
        .unwrap_err(),
        LoginError::SecondFactor(Refusal::AlreadyUsed | Refusal::WrongCode)
    ));

    // Five attempts, then the code is dead even when right.
    let sms = Destination::sms("+14155550123").unwrap();
    auth.send_passcode(&mut OsRng, &inbox, sms.clone(), now)
        .await
        .unwrap();
    let code = inbox.code();
    let wrong = wrong_code(&code);
    for _ in 0..5 {
        assert!(
            auth.login_passcode(&mut OsRng, &sms, wrong, |_| unreachable!(), now)
                .await
                .is_err()
        );
    }
    assert!(matches!(
        auth.login_passcode(
            &mut OsRng,
            &sms,
            code.expose_secret(),
            |_| unreachable!(),
            now
        )
        .await
        .unwrap_err(),
        LoginError::SecondFactor(Refusal::AttemptsExhausted) | LoginError::Locked { .. }
    ));

    // Expired codes are refused.
    let whatsapp = Destination::whatsapp("+14155550124").unwrap();
    auth.send_passcode(&mut OsRng, &inbox, whatsapp.clone(), now)
        .await
        .unwrap();
    let late = inbox.code();
    assert!(
        auth.login_passcode(
            &mut OsRng,
            &whatsapp,
            late.expose_secret(),
            |_| unreachable!(),
            now + Duration::minutes(3)
        )
        .await
        .is_err()
    );

    // As a second factor of a pending session.
    let mut pending = NewSession::new("u1", AuthenticationFactor::new(FactorType::Password, now));
    pending.second_factor_required = true;
    let pending = auth
        .sessions()
        .start(&mut OsRng, pending, now)
        .await
        .unwrap();
    auth.send_passcode(&mut OsRng, &inbox, email.clone(), now)
        .await
        .unwrap();
    let code = inbox.code();
    let full = auth
        .complete_passcode(
            &mut OsRng,
            pending.token.render().expose_secret(),
            &email,
            code.expose_secret(),
            now,
        )
        .await
        .unwrap();
    assert_eq!(full.session.stage, Stage::Full);
    // A full session takes no second factor: refused before the code is looked at.
    assert!(matches!(
        auth.complete_passcode(
            &mut OsRng,
            full.token.render().expose_secret(),
            &email,
            code.expose_secret(),
            now,
        )
        .await
        .unwrap_err(),
        LoginError::Session(_)
    ));
    // Wrong codes on a pending session count towards the login's lock, across resent
    // codes (each would otherwise bring a fresh budget).
    let mut pending = NewSession::new("u1", AuthenticationFactor::new(FactorType::Password, now));
    pending.second_factor_required = true;
    let pending = auth
        .sessions()
        .start(&mut OsRng, pending, now)
        .await
        .unwrap();
    let pending_token = pending.token.render();
    let mut last = None;
    for _ in 0..6 {
        auth.send_passcode(&mut OsRng, &inbox, email.clone(), now)
            .await
            .unwrap();
        let code = inbox.code();
        let wrong = wrong_code(&code);
        last = auth
            .complete_passcode(
                &mut OsRng,
                pending_token.expose_secret(),
                &email,
                wrong,
                now,
            )
            .await
            .err();
    }
    assert!(matches!(last, Some(LoginError::Locked { .. })), "{last:?}");
    // A code for one destination does not pass for another.
    auth.send_passcode(&mut OsRng, &inbox, email.clone(), now)
        .await
        .unwrap();
    let code = inbox.code();
    let other = Destination::email("eve@example.com").unwrap();
    assert!(
        auth.login_passcode(
            &mut OsRng,
            &other,
            code.expose_secret(),
            |_| unreachable!(),
            now
        )
        .await
        .is_err()
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn passcodes_on_memory() {
    runtime().block_on(passcodes(MemoryStore::new()));
}

#[test]
fn passcodes_on_sqlite() {
    runtime().block_on(async { passcodes(SqliteStore::open_in_memory().await.unwrap()).await });
}
