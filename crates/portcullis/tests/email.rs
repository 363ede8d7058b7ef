//! Magic-link sign-in and password reset on the memory and SQLite stores.
#![cfg(feature = "flows")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::Mutex;

use portcullis::core::{Duration, OffsetDateTime, OsRng, SecretString};
use portcullis::email::{EmailFlowError, Message, Sender};
use portcullis::flows::{AccountError, LoginError, Portcullis};
use portcullis::password::{Argon2Params, HasherConfig, Target};
use portcullis::session::{FactorType, SessionError};
use portcullis::sessions::SessionFlowError;
use portcullis::store::{MemoryStore, SqliteStore, Store};
use portcullis::token::pkce::CodeVerifier;
use portcullis::token::{Purpose, TokenError, TokenRecord};

/// Keeps what would have been sent.
#[derive(Default)]
struct Inbox(Mutex<Vec<Message>>);

impl Sender for Inbox {
    async fn send(&self, message: Message) -> Result<(), String> {
        self.0.lock().unwrap().push(message);
        Ok(())
    }
}

impl Inbox {
    fn token_of_invite(&self) -> SecretString {
        match self.take().pop() {
            Some(Message::Invite { token, .. }) => token,
            other => panic!("{other:?}"),
        }
    }

    fn take(&self) -> Vec<Message> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }

    fn token(&self) -> SecretString {
        match self.take().pop().expect("a message") {
            Message::MagicLink { token, .. } | Message::PasswordReset { token, .. } => token,
            other => panic!("unexpected {other:?}"),
        }
    }
}

const PASSWORD: &str = "correct horse battery staple 42";

/// A PKCE-bound sign-in link for `new@example.com`: the token id the requesting
/// browser keeps, the emailed code, and a code that is not it.
async fn link_with_code<S: Store>(
    auth: &Portcullis<S>,
    inbox: &Inbox,
    verifier: &CodeVerifier,
    now: OffsetDateTime,
) -> (String, SecretString, &'static str) {
    let id = auth
        .send_magic_link(
            &mut OsRng,
            inbox,
            "new@example.com",
            Some(verifier.challenge()),
            now,
        )
        .await
        .unwrap()
        .to_string();
    let Some(Message::MagicLink {
        code: Some(code), ..
    }) = inbox.take().pop()
    else {
        panic!("no code");
    };
    let wrong = if code.expose_secret() == "000000" {
        "111111"
    } else {
        "000000"
    };
    (id, code, wrong)
}

/// A sign-in by the code of a link, for an address that already has an account.
async fn by_code<S: Store>(
    auth: &Portcullis<S>,
    id: &str,
    code: &str,
    verifier: &str,
    now: OffsetDateTime,
) -> Result<portcullis::sessions::Issued, EmailFlowError> {
    auth.redeem_magic_link_code(&mut OsRng, id, code, verifier, |_| unreachable!(), now)
        .await
}

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
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
    Portcullis::builder(store).hasher(hasher).build().unwrap()
}

async fn email_flows<S: Store>(store: S) {
    let auth = auth(store.clone());
    let inbox = Inbox::default();
    let now = t0();

    // Magic link to an address with no account: login-or-create.
    auth.send_magic_link(&mut OsRng, &inbox, "New@Example.com", None, now)
        .await
        .unwrap();
    let link = inbox.token();
    let peek = auth
        .peek_email_token(link.expose_secret(), Purpose::Login, now)
        .await
        .unwrap();
    assert!(!peek.requires_verifier);
    let issued = auth
        .redeem_magic_link(
            &mut OsRng,
            link.expose_secret(),
            None,
            |_| "user-new".to_owned(),
            now,
        )
        .await
        .unwrap();
    assert_eq!(issued.session.user_id, "user-new");
    assert_eq!(
        issued.session.authentication_factors[0].kind,
        FactorType::MagicLink
    );
    let account = auth.account("new@example.com").await.unwrap();
    assert_eq!(account.password_hash, None);
    // Once only; and a passwordless account does not sign in by password.
    assert_eq!(
        auth.redeem_magic_link(
            &mut OsRng,
            link.expose_secret(),
            None,
            |_| unreachable!(),
            now
        )
        .await
        .unwrap_err(),
        EmailFlowError::Token(TokenError::AlreadyUsed)
    );
    assert_eq!(
        auth.login_password(&mut OsRng, "new@example.com", "", now)
            .await
            .unwrap_err(),
        LoginError::InvalidCredentials
    );
    // The second link finds the same account.
    auth.send_magic_link(&mut OsRng, &inbox, "new@example.com", None, now)
        .await
        .unwrap();
    let again = auth
        .redeem_magic_link(
            &mut OsRng,
            inbox.token().expose_secret(),
            None,
            |_| unreachable!(),
            now,
        )
        .await
        .unwrap();
    assert_eq!(again.session.user_id, "user-new");

    // With PKCE: only the requesting browser's verifier redeems.
    let verifier = CodeVerifier::generate(&mut OsRng);
    auth.send_magic_link(
        &mut OsRng,
        &inbox,
        "new@example.com",
        Some(verifier.challenge()),
        now,
    )
    .await
    .unwrap();
    let messages = inbox.take();
    let Some(Message::MagicLink { token, code, .. }) = messages.into_iter().next() else {
        panic!("no link");
    };
    assert!(
        code.is_some(),
        "a code is sent for use on the requesting device"
    );
    assert_eq!(
        auth.redeem_magic_link(
            &mut OsRng,
            token.expose_secret(),
            None,
            |_| unreachable!(),
            now
        )
        .await
        .unwrap_err(),
        EmailFlowError::Token(TokenError::VerifierRequired)
    );
    let other = CodeVerifier::generate(&mut OsRng);
    assert_eq!(
        auth.redeem_magic_link(
            &mut OsRng,
            token.expose_secret(),
            Some(other.expose_secret()),
            |_| unreachable!(),
            now
        )
        .await
        .unwrap_err(),
        EmailFlowError::Token(TokenError::PkceMismatch)
    );
    auth.redeem_magic_link(
        &mut OsRng,
        token.expose_secret(),
        Some(verifier.expose_secret()),
        |_| unreachable!(),
        now,
    )
    .await
    .unwrap();

    // The link opened on another device: the code, typed in the requesting browser.
    let verifier = CodeVerifier::generate(&mut OsRng);
    let (id, code, wrong) = link_with_code(&auth, &inbox, &verifier, now).await;
    // Without the right verifier nothing is judged, so no attempt is spent.
    let other = CodeVerifier::generate(&mut OsRng);
    for _ in 0..10 {
        assert_eq!(
            by_code(&auth, &id, wrong, other.expose_secret(), now)
                .await
                .unwrap_err(),
            EmailFlowError::Token(TokenError::PkceMismatch)
        );
    }
    // Wrong codes are counted; the right one still works within the budget.
    for _ in 0..4 {
        assert_eq!(
            by_code(&auth, &id, wrong, verifier.expose_secret(), now)
                .await
                .unwrap_err(),
            EmailFlowError::Token(TokenError::WrongCode)
        );
    }
    let signed_in = by_code(
        &auth,
        &id,
        code.expose_secret(),
        verifier.expose_secret(),
        now,
    )
    .await
    .unwrap();
    assert_eq!(signed_in.session.user_id, "user-new");
    assert_eq!(
        by_code(
            &auth,
            &id,
            code.expose_secret(),
            verifier.expose_secret(),
            now
        )
        .await
        .unwrap_err(),
        EmailFlowError::Token(TokenError::AlreadyUsed)
    );
    // Once the budget (five) is spent, even the right code is refused.
    let (id, code, wrong) = link_with_code(&auth, &inbox, &verifier, now).await;
    for _ in 0..5 {
        assert_eq!(
            by_code(&auth, &id, wrong, verifier.expose_secret(), now)
                .await
                .unwrap_err(),
            EmailFlowError::Token(TokenError::WrongCode)
        );
    }
    assert_eq!(
        by_code(
            &auth,
            &id,
            code.expose_secret(),
            verifier.expose_secret(),
            now
        )
        .await
        .unwrap_err(),
        EmailFlowError::Token(TokenError::TooManyAttempts)
    );
    // An unknown id is a wrong code; a malformed one is malformed.
    let unknown = portcullis::token::TokenId::generate(&mut OsRng).to_string();
    assert_eq!(
        auth.redeem_magic_link_code(
            &mut OsRng,
            &unknown,
            code.expose_secret(),
            verifier.expose_secret(),
            |_| unreachable!(),
            now
        )
        .await
        .unwrap_err(),
        EmailFlowError::Token(TokenError::WrongCode)
    );
    assert!(matches!(
        auth.redeem_magic_link_code(
            &mut OsRng,
            "not an id",
            code.expose_secret(),
            verifier.expose_secret(),
            |_| unreachable!(),
            now
        )
        .await
        .unwrap_err(),
        EmailFlowError::Token(TokenError::Malformed(_))
    ));

    // Expired links are refused.
    auth.send_magic_link(&mut OsRng, &inbox, "new@example.com", None, now)
        .await
        .unwrap();
    let late = inbox.token();
    assert!(
        auth.redeem_magic_link(
            &mut OsRng,
            late.expose_secret(),
            None,
            |_| unreachable!(),
            now + Duration::hours(2)
        )
        .await
        .is_err()
    );
    assert!(matches!(
        auth.peek_email_token("garbage", Purpose::Login, now).await,
        Err(EmailFlowError::Token(TokenError::Malformed(_)))
    ));

    // Password reset for an unknown address: a notice without a link, and the same
    // store write as for a known one (its record can never reset anything).
    auth.start_password_reset(&mut OsRng, &inbox, "Nobody@Example.com", now)
        .await
        .unwrap();
    match inbox.take().as_slice() {
        [Message::PasswordResetNoAccount { to }] => assert_eq!(to, "nobody@example.com"),
        other => panic!("unexpected {other:?}"),
    }
    let live = store
        .revoke_for_subject::<TokenRecord>(
            "nobody@example.com",
            Purpose::PasswordReset.as_str(),
            None,
            now,
        )
        .await
        .unwrap();
    assert_eq!(live, 1);
    auth.sign_up(&mut OsRng, "ada@example.com", "user-1", PASSWORD, now)
        .await
        .unwrap();
    let old_session = auth
        .login_password(&mut OsRng, "ada@example.com", PASSWORD, now)
        .await
        .unwrap();
    auth.start_password_reset(&mut OsRng, &inbox, "ada@example.com", now)
        .await
        .unwrap();
    let reset = inbox.token();
    // A weak password is refused and the token survives.
    assert!(matches!(
        auth.reset_password(&mut OsRng, reset.expose_secret(), "password", false, now)
            .await
            .unwrap_err(),
        EmailFlowError::Account(AccountError::WeakPassword(_))
    ));
    // A login link is not a reset link.
    assert_eq!(
        auth.peek_email_token(reset.expose_secret(), Purpose::Login, now)
            .await
            .unwrap_err(),
        EmailFlowError::Token(TokenError::WrongPurpose)
    );
    let new_password = "an entirely different passphrase 7";
    auth.reset_password(&mut OsRng, reset.expose_secret(), new_password, false, now)
        .await
        .unwrap();
    assert_eq!(
        auth.sessions()
            .authenticate_token(old_session.token.render().expose_secret(), now, None)
            .await
            .unwrap_err(),
        SessionFlowError::Refused(SessionError::Terminated)
    );
    assert_eq!(
        auth.login_password(&mut OsRng, "ada@example.com", PASSWORD, now)
            .await
            .unwrap_err(),
        LoginError::InvalidCredentials
    );
    auth.login_password(&mut OsRng, "ada@example.com", new_password, now)
        .await
        .unwrap();
    assert_eq!(
        auth.reset_password(&mut OsRng, reset.expose_secret(), new_password, false, now)
            .await
            .unwrap_err(),
        EmailFlowError::Token(TokenError::AlreadyUsed)
    );

    // The history rule: neither the current nor the previous password again.
    for reused in [new_password, PASSWORD] {
        auth.start_password_reset(&mut OsRng, &inbox, "ada@example.com", now)
            .await
            .unwrap();
        let again = inbox.token();
        match auth
            .reset_password(&mut OsRng, again.expose_secret(), reused, false, now)
            .await
            .unwrap_err()
        {
            EmailFlowError::Account(AccountError::WeakPassword(verdict)) => {
                assert!(
                    verdict
                        .violations
                        .contains(&portcullis::password::Violation::Reused),
                    "{:?}",
                    verdict.violations
                );
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        auth.account("ada@example.com")
            .await
            .unwrap()
            .password_history
            .len(),
        1
    );
}

async fn invites_and_verification<S: Store>(store: S) {
    use portcullis::token::invite::{InviteRequest, Inviter};
    let auth = auth(store);
    let inbox = Inbox::default();
    let now = t0();

    // Invite into an organisation with a role; accepting signs the invitee in there.
    let record = auth
        .invite(
            &mut OsRng,
            &inbox,
            InviteRequest::new("Grace@Example.com")
                .scope("org_1")
                .inviter(Inviter::user("user-9"))
                .roles(["admin"]),
            now,
        )
        .await
        .unwrap();
    assert_eq!(record.invitee_email(), "grace@example.com");
    let token = match inbox.take().pop() {
        Some(Message::Invite { token, scope, .. }) => {
            assert_eq!(scope.as_deref(), Some("org_1"));
            token
        }
        other => panic!("{other:?}"),
    };
    let issued = auth
        .accept_invite(
            &mut OsRng,
            token.expose_secret(),
            |_| "user-grace".into(),
            now,
        )
        .await
        .unwrap();
    assert_eq!(issued.session.roles, ["admin"]);
    assert_eq!(issued.session.organization_id.as_deref(), Some("org_1"));
    assert!(
        auth.account("grace@example.com")
            .await
            .unwrap()
            .email_verified_at
            .is_some()
    );
    assert_eq!(
        auth.accept_invite(&mut OsRng, token.expose_secret(), |_| unreachable!(), now)
            .await
            .unwrap_err(),
        EmailFlowError::Token(TokenError::AlreadyUsed)
    );

    // Revoked by address: the link stops working.
    auth.invite(
        &mut OsRng,
        &inbox,
        InviteRequest::new("eve@example.com").scope("org_1"),
        now,
    )
    .await
    .unwrap();
    let token = inbox.token_of_invite();
    assert_eq!(
        auth.revoke_invites("EVE@example.com", Some("org_1"), now)
            .await
            .unwrap(),
        1
    );
    assert!(
        auth.accept_invite(&mut OsRng, token.expose_secret(), |_| unreachable!(), now)
            .await
            .is_err()
    );

    // Email verification of a password account.
    auth.sign_up(&mut OsRng, "ada@example.com", "user-1", PASSWORD, now)
        .await
        .unwrap();
    assert!(
        auth.account("ada@example.com")
            .await
            .unwrap()
            .email_verified_at
            .is_none()
    );
    auth.send_email_verification(&mut OsRng, &inbox, "ada@example.com", now)
        .await
        .unwrap();
    let token = match inbox.take().pop() {
        Some(Message::EmailVerification { token, .. }) => token,
        other => panic!("{other:?}"),
    };
    let verified = auth.verify_email(token.expose_secret(), now).await.unwrap();
    assert_eq!(verified.email_verified_at, Some(now));
    assert_eq!(
        auth.verify_email(token.expose_secret(), now)
            .await
            .unwrap_err(),
        EmailFlowError::Token(TokenError::AlreadyUsed)
    );
}

#[test]
fn invites_and_verification_on_memory() {
    runtime().block_on(invites_and_verification(MemoryStore::new()));
}

#[test]
fn invites_and_verification_on_sqlite() {
    runtime().block_on(async {
        invites_and_verification(SqliteStore::open_in_memory().await.unwrap()).await;
    });
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn email_flows_on_memory() {
    runtime().block_on(email_flows(MemoryStore::new()));
}

#[test]
fn email_flows_on_sqlite() {
    runtime().block_on(async { email_flows(SqliteStore::open_in_memory().await.unwrap()).await });
}
