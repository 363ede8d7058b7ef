//! The conformance suite: one set of cases, generic over [`Store`], that every
//! backend must pass, concurrency cases included (feature `conformance`).
//!
//! A backend's test file opens a fresh, isolated store per case (its own Redis key
//! prefix, its own PostgreSQL schema) through a [`Harness`], and expands
//! [`conformance_tests!`](crate::conformance_tests) with the opener: one `#[tokio::test]`
//! per case. The harness is finished (its namespace removed) even when the case
//! fails. An opener that returns `None` skips the case (a backend whose URL is unset).
//!
//! ```text
//! mod memory {
//!     portcullis_store::conformance_tests!(super::open_memory());
//! }
//! ```
// Test support: a failed check is a panic, as in any test.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;

use portcullis_core::{Duration, OffsetDateTime, OsRng, SecretBytes};
use portcullis_otp::recovery::{Scheme, StoredRecoveryCode};
use portcullis_otp::{
    Destination, GrantKind, GrantRecord, KeyRing, PasscodeRecord, Passcodes, RecoveryCodeSet,
    ServerKey, Step,
};
use portcullis_session::{
    AuthenticationFactor, FactorType, NewSession, Session, SessionPolicy, Status, Termination,
    TerminationReason, lifecycle,
};
use portcullis_token::api_key::{
    ApiKeyPrefix, ApiKeyRecord, ApiKeyStatus, ApiKeys, NewApiKey, Owner,
};
use portcullis_token::client_secret::ClientSecrets;
use portcullis_token::invite::{self, InviteRecord, InviteRequest};
use portcullis_token::pkce::CodeVerifier;
use portcullis_token::{
    Digester, IssueRequest, Metadata, OpaqueToken, Purpose, RedeemCheck, SecretDigest,
    SingleUseConfig, SingleUseTokens, TokenRecord,
};
use tokio::task::JoinSet;

use crate::{
    ClientRecord, Credential, CredentialUpdate, PageRequest, RefreshFamily, Rotation, StatusFilter,
    Store, StoreError,
};

/// An isolated store for one case, and how to clean up after it.
pub trait Harness: Send + 'static {
    /// The store under test.
    type Store: Store;
    /// The store (a clone shares the same namespace).
    fn store(&self) -> Self::Store;
    /// Removes everything the case wrote, and checks what the backend promises about
    /// it (on Redis: that every key had a TTL).
    fn finish(self) -> impl Future<Output = ()> + Send;
}

/// Runs `case` against the store `open` yields (or skips it when `open` yields
/// `None`), finishing the harness whatever the outcome, then re-raising a failure.
pub async fn run<H, O, F, Fut>(open: O, case: F)
where
    H: Harness,
    O: Future<Output = Option<H>>,
    F: FnOnce(H::Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(harness) = open.await else {
        return;
    };
    let outcome = tokio::spawn(case(harness.store())).await;
    harness.finish().await;
    if let Err(error) = outcome {
        match error.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            Err(error) => panic!("case did not finish: {error}"),
        }
    }
}

/// One `#[tokio::test]` per conformance case, each opening its store with the given
/// expression (a future of `Option<impl Harness>`).
#[macro_export]
macro_rules! conformance_tests {
    ($open:expr) => {
        $crate::conformance_tests!(@cases $open;
            single_use_lifecycle, single_use_consume_race, single_use_expiry,
            single_use_attempts, single_use_attempt_race, single_use_code_fallback,
            single_use_revoke_for_subject, step_up_grants, totp_step_guard, totp_step_race,
            recovery_codes, recovery_code_race, counter_window, counter_race, deny_list,
            refresh_rotation, refresh_rotation_across_keys, refresh_rotation_race,
            refresh_revocation, api_keys,
            client_secret_rotation, sessions_lifecycle, sessions_listing,
            sessions_revoke_all_race, sessions_purge);
    };
    (@cases $open:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                $crate::conformance::run($open, $crate::conformance::$case).await;
            }
        )*
    };
}

/// Now, to the second (records that serialise Unix seconds lose nothing).
fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

fn tokens() -> SingleUseTokens {
    SingleUseTokens::new(SingleUseConfig::default(), Digester::Sha256)
}

fn token_record(subject: &str, now: OffsetDateTime) -> TokenRecord {
    tokens()
        .issue(
            &mut OsRng,
            IssueRequest::new(Purpose::PasswordReset, subject),
            now,
        )
        .unwrap()
        .record
}

fn server_keys() -> KeyRing {
    KeyRing::new(vec![
        ServerKey::new("k1", SecretBytes::from(vec![7u8; 32])).unwrap(),
    ])
    .unwrap()
}

async fn race<T, F, Fut>(tasks: usize, make: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    let barrier = Arc::new(tokio::sync::Barrier::new(tasks));
    let mut set = JoinSet::new();
    for i in 0..tasks {
        let fut = make(i);
        let barrier = barrier.clone();
        set.spawn(async move {
            barrier.wait().await;
            fut.await
        });
    }
    let mut out = Vec::with_capacity(tasks);
    while let Some(joined) = set.join_next().await {
        out.push(joined.expect("task"));
    }
    out
}

/// Put, peek, consume once, and the refusals after.
pub async fn single_use_lifecycle<S: Store>(store: S) {
    let now = now();
    let issued = tokens()
        .issue(&mut OsRng, IssueRequest::new(Purpose::Login, "user-1"), now)
        .unwrap();
    let record = issued.record;
    let key = record.id.to_string();
    store.put(&record).await.unwrap();

    let peeked: TokenRecord = store.peek(&key, now).await.unwrap();
    assert_eq!(peeked, record);
    // The stored record judges the presented token as the primitive crate says.
    let presented = OpaqueToken::parse(issued.token.render().expose_secret()).unwrap();
    let redemption = tokens()
        .redeem(&peeked, &presented, &RedeemCheck::new(Purpose::Login), now)
        .unwrap();
    assert_eq!(redemption.id, record.id);

    let consumed: TokenRecord = store.consume(&key, now).await.unwrap();
    assert_eq!(consumed.consumed_at, Some(now));
    assert_eq!(consumed.digest, record.digest);
    assert_eq!(
        store.consume::<TokenRecord>(&key, now).await,
        Err(StoreError::AlreadyUsed)
    );
    assert_eq!(
        store.peek::<TokenRecord>(&key, now).await,
        Err(StoreError::AlreadyUsed)
    );
    assert_eq!(
        tokens().redeem(
            &consumed,
            &presented,
            &RedeemCheck::new(Purpose::Login),
            now
        ),
        Err(portcullis_token::TokenError::AlreadyUsed)
    );
    assert_eq!(
        store
            .consume::<TokenRecord>("AAAAAAAAAAAAAAAAAAAAAA", now)
            .await,
        Err(StoreError::NotFound)
    );
    // Kinds are separate key spaces.
    assert_eq!(
        store.peek::<InviteRecord>(&key, now).await,
        Err(StoreError::NotFound)
    );

    let other = token_record("user-2", now);
    store.put(&other).await.unwrap();
    let revoked: TokenRecord = store.revoke(&other.id.to_string(), now).await.unwrap();
    assert_eq!(revoked.revoked_at, Some(now));
    let again: TokenRecord = store
        .revoke(&other.id.to_string(), now + Duration::seconds(5))
        .await
        .unwrap();
    assert_eq!(again.revoked_at, Some(now), "the first revocation is kept");
    assert_eq!(
        store
            .consume::<TokenRecord>(&other.id.to_string(), now)
            .await,
        Err(StoreError::Revoked)
    );
}

/// 64 tasks consume the same token at once: exactly one succeeds.
pub async fn single_use_consume_race<S: Store>(store: S) {
    let now = now();
    let record = token_record("user-race", now);
    let key = record.id.to_string();
    store.put(&record).await.unwrap();
    let results = race(64, |_| {
        let store = store.clone();
        let key = key.clone();
        async move { store.consume::<TokenRecord>(&key, now).await }
    })
    .await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    let lost = results
        .iter()
        .filter(|r| **r == Err(StoreError::AlreadyUsed))
        .count();
    assert_eq!((won, lost), (1, 63), "{results:?}");
}

/// A record is refused from its expiry on, by every operation.
pub async fn single_use_expiry<S: Store>(store: S) {
    let now = now();
    let record = token_record("user-exp", now);
    let key = record.id.to_string();
    let expires_at = record.expires_at;
    store.put(&record).await.unwrap();
    let just_before = expires_at - Duration::seconds(1);
    assert!(store.peek::<TokenRecord>(&key, just_before).await.is_ok());
    assert_eq!(
        store.peek::<TokenRecord>(&key, expires_at).await,
        Err(StoreError::Expired)
    );
    assert_eq!(
        store.consume::<TokenRecord>(&key, expires_at).await,
        Err(StoreError::Expired)
    );
    assert_eq!(
        store.count_attempt::<TokenRecord>(&key, expires_at).await,
        Err(StoreError::Expired)
    );
    // Refusing changed nothing: it is still consumable before its expiry.
    let consumed: TokenRecord = store.consume(&key, just_before).await.unwrap();
    assert_eq!(consumed.consumed_at, Some(just_before));
}

fn passcode(max_attempts: u8, now: OffsetDateTime) -> (String, PasscodeRecord, Destination) {
    let to = Destination::email("ada@example.com").unwrap();
    let issued = Passcodes::new()
        .with_max_attempts(max_attempts)
        .unwrap()
        .issue(to.clone(), &server_keys(), now);
    (issued.code.expose_secret().to_owned(), issued.record, to)
}

/// Attempts are counted before the check and the record dies after the limit.
pub async fn single_use_attempts<S: Store>(store: S) {
    let now = now();
    let (code, record, to) = passcode(3, now);
    let key = crate::SingleUseRecord::key(&record);
    store.put(&record).await.unwrap();
    for attempt in 1..=3 {
        let counted: PasscodeRecord = store.count_attempt(&key, now).await.unwrap();
        assert_eq!(counted.attempts, attempt);
        let wrong = if code == "000000" { "111111" } else { "000000" };
        assert_eq!(
            counted.verify(wrong, &to, &server_keys(), now),
            Err(portcullis_otp::Refusal::WrongCode)
        );
    }
    assert_eq!(
        store.count_attempt::<PasscodeRecord>(&key, now).await,
        Err(StoreError::TooManyAttempts)
    );
    let peeked: PasscodeRecord = store.peek(&key, now).await.unwrap();
    assert_eq!(peeked.attempts, 3, "a refused attempt is not counted");

    // A fresh code: the third and last attempt still verifies and consumes.
    let (code2, record2, to2) = passcode(3, now);
    assert_ne!(code, code2);
    store.put(&record2).await.unwrap();
    for _ in 0..2 {
        let _: PasscodeRecord = store.count_attempt(&key, now).await.unwrap();
    }
    let counted: PasscodeRecord = store.count_attempt(&key, now).await.unwrap();
    assert_eq!(counted.attempts, 3);
    assert_eq!(counted.verify(&code2, &to2, &server_keys(), now), Ok(()));
    let used: PasscodeRecord = store.consume(&key, now).await.unwrap();
    assert_eq!(used.used_at, Some(now.unix_timestamp()));
    assert_eq!(
        store.count_attempt::<PasscodeRecord>(&key, now).await,
        Err(StoreError::AlreadyUsed)
    );
}

/// 40 concurrent attempts at a code allowing 5: exactly 5 are counted.
pub async fn single_use_attempt_race<S: Store>(store: S) {
    let now = now();
    let (_, record, _) = passcode(5, now);
    let key = crate::SingleUseRecord::key(&record);
    store.put(&record).await.unwrap();
    let results = race(40, |_| {
        let store = store.clone();
        let key = key.clone();
        async move { store.count_attempt::<PasscodeRecord>(&key, now).await }
    })
    .await;
    let counted: BTreeSet<u32> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().map(|r| r.attempts))
        .collect();
    assert_eq!(counted, (1..=5).collect::<BTreeSet<u32>>());
    let refused = results
        .iter()
        .filter(|r| **r == Err(StoreError::TooManyAttempts))
        .count();
    assert_eq!(refused, 35);
}

/// A magic link's one-time code fallback: attempts counted by the store, judged by
/// `portcullis-token`, the last allowed attempt still redeems.
pub async fn single_use_code_fallback<S: Store>(store: S) {
    let now = now();
    let verifier = CodeVerifier::generate(&mut OsRng);
    let request = IssueRequest::new(Purpose::Login, "user-code")
        .code_challenge(verifier.challenge())
        .with_code();
    let issued = tokens().issue(&mut OsRng, request, now).unwrap();
    let id = issued.record.id;
    let code = issued.code.unwrap();
    let max = issued.record.code.as_ref().unwrap().max_attempts;
    store.put(&issued.record).await.unwrap();
    let check = RedeemCheck::new(Purpose::Login).code_verifier(verifier.expose_secret());
    let wrong = if code.expose_secret() == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 1..max {
        let counted: TokenRecord = store.count_attempt(&id.to_string(), now).await.unwrap();
        assert_eq!(
            tokens().redeem_code(&counted, &id, wrong, &check, now),
            Err(portcullis_token::TokenError::WrongCode)
        );
    }
    let last: TokenRecord = store.count_attempt(&id.to_string(), now).await.unwrap();
    assert_eq!(last.code.as_ref().unwrap().failed_attempts, max - 1);
    let redemption = tokens()
        .redeem_code(&last, &id, code.expose_secret(), &check, now)
        .unwrap();
    assert_eq!(redemption.id, id);
    let _: TokenRecord = store.consume(&id.to_string(), now).await.unwrap();
    assert_eq!(
        store
            .count_attempt::<TokenRecord>(&id.to_string(), now)
            .await,
        Err(StoreError::AlreadyUsed)
    );
}

/// Invites revoked by (email, purpose, scope); consumed and other records untouched.
pub async fn single_use_revoke_for_subject<S: Store>(store: S) {
    let now = now();
    let issue = |email: &str, scope: &str| {
        invite::issue(
            &tokens(),
            &mut OsRng,
            InviteRequest::new(email).scope(scope),
            now,
        )
        .unwrap()
        .1
    };
    let a1 = issue("ada@example.com", "org_1");
    let a1b = issue("ada@example.com", "org_1");
    let a2 = issue("ada@example.com", "org_2");
    let used = issue("ada@example.com", "org_1");
    let b1 = issue("bob@example.com", "org_1");
    for record in [&a1, &a1b, &a2, &used, &b1] {
        store.put(record).await.unwrap();
    }
    let _: InviteRecord = store
        .consume(&crate::SingleUseRecord::key(&used), now)
        .await
        .unwrap();
    let later = now + Duration::seconds(1);
    assert_eq!(
        store
            .revoke_for_subject::<InviteRecord>("ada@example.com", "invite", Some("org_1"), later)
            .await,
        Ok(2)
    );
    assert_eq!(
        store
            .peek::<InviteRecord>(&crate::SingleUseRecord::key(&a1), now)
            .await,
        Err(StoreError::Revoked)
    );
    let pending: InviteRecord = store
        .peek(&crate::SingleUseRecord::key(&a2), now)
        .await
        .unwrap();
    assert!(pending.is_pending(now));
    assert_eq!(
        store
            .revoke_for_subject::<InviteRecord>("ada@example.com", "invite", None, later)
            .await,
        Ok(1)
    );
    let a2_now: InviteRecord = store
        .revoke(&crate::SingleUseRecord::key(&a2), later)
        .await
        .unwrap();
    assert_eq!(a2_now.token.revoked_at, Some(later));
    // Another subject, and other kinds, are untouched.
    assert!(
        store
            .peek::<InviteRecord>(&crate::SingleUseRecord::key(&b1), now)
            .await
            .is_ok()
    );
    assert_eq!(
        store
            .revoke_for_subject::<TokenRecord>("bob@example.com", "invite", None, later)
            .await,
        Ok(0)
    );
    // The consumed one stays consumed, not revoked.
    assert_eq!(
        store
            .peek::<InviteRecord>(&crate::SingleUseRecord::key(&used), now)
            .await,
        Err(StoreError::AlreadyUsed)
    );
}

/// Step-up grants found by digest: one-time grants are consumed once.
pub async fn step_up_grants<S: Store>(store: S) {
    let now = now();
    let token = "ab".repeat(48);
    let grant = GrantRecord {
        digest: portcullis_otp::stepup::grant_digest(&token),
        user_id: "user-1".into(),
        action_type: "DELETE_ACCOUNT".into(),
        kind: GrantKind::OneTimeUse,
        issued_at: now.unix_timestamp(),
        expires_at: now.unix_timestamp() + 60,
        used_at: None,
    };
    store.put(&grant).await.unwrap();
    let key = portcullis_otp::stepup::grant_digest(&token);
    let found: GrantRecord = store.peek(&key, now).await.unwrap();
    assert_eq!(
        found.verify(&token, "user-1", "DELETE_ACCOUNT", now),
        Ok(portcullis_otp::GrantUse::ConsumeOnce)
    );
    let used: GrantRecord = store.consume(&key, now).await.unwrap();
    assert_eq!(used.used_at, Some(now.unix_timestamp()));
    assert_eq!(
        used.verify(&token, "user-1", "DELETE_ACCOUNT", now),
        Err(portcullis_otp::Refusal::AlreadyUsed)
    );
    assert_eq!(
        store.consume::<GrantRecord>(&key, now).await,
        Err(StoreError::AlreadyUsed)
    );
}

/// The TOTP step only moves upward.
pub async fn totp_step_guard<S: Store>(store: S) {
    let keep = now() + Duration::minutes(5);
    assert_eq!(store.last_step("factor-1").await, Ok(None));
    assert_eq!(
        store.advance_step("factor-1", Step(100), keep).await,
        Ok(true)
    );
    assert_eq!(
        store.advance_step("factor-1", Step(100), keep).await,
        Ok(false)
    );
    assert_eq!(
        store.advance_step("factor-1", Step(99), keep).await,
        Ok(false)
    );
    assert_eq!(
        store.advance_step("factor-1", Step(101), keep).await,
        Ok(true)
    );
    assert_eq!(store.last_step("factor-1").await, Ok(Some(Step(101))));
    assert_eq!(
        store.advance_step("factor-2", Step(5), keep).await,
        Ok(true)
    );
    assert_eq!(store.last_step("factor-1").await, Ok(Some(Step(101))));
}

/// A compare-and-set raced from 32 tasks: exactly one wins each step.
pub async fn totp_step_race<S: Store>(store: S) {
    let keep = now() + Duration::minutes(5);
    for step in 1..=5u64 {
        let results = race(32, |_| {
            let store = store.clone();
            async move { store.advance_step("factor-race", Step(step), keep).await }
        })
        .await;
        let winners = results.iter().filter(|r| **r == Ok(true)).count();
        let losers = results.iter().filter(|r| **r == Ok(false)).count();
        assert_eq!((winners, losers), (1, 31), "step {step}: {results:?}");
    }
    // Mixed steps at once: the stored step ends at the highest.
    let results = race(32, |i| {
        let store = store.clone();
        let step = 10 + u64::try_from(i % 8).unwrap();
        async move { store.advance_step("factor-race", Step(step), keep).await }
    })
    .await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(store.last_step("factor-race").await, Ok(Some(Step(17))));
}

fn code_set(prefix: &str, n: usize, now: OffsetDateTime) -> RecoveryCodeSet {
    RecoveryCodeSet {
        scheme: Scheme::Hmac {
            key_id: "k1".into(),
        },
        codes: (0..n)
            .map(|i| StoredRecoveryCode {
                digest: format!("{prefix}{i}"),
                used_at: None,
            })
            .collect(),
        created_at: now.unix_timestamp(),
    }
}

/// Replace a set, consume codes once, count what remains.
pub async fn recovery_codes<S: Store>(store: S) {
    let now = now();
    assert_eq!(store.remaining_codes("user-1").await, Ok(0));
    assert_eq!(
        crate::RecoveryCodeStore::get_codes(&store, "user-1").await,
        Err(StoreError::NotFound)
    );
    let set = code_set("a", 5, now);
    store.replace_codes("user-1", &set).await.unwrap();
    assert_eq!(
        crate::RecoveryCodeStore::get_codes(&store, "user-1").await,
        Ok(set.clone())
    );
    assert_eq!(store.remaining_codes("user-1").await, Ok(5));
    assert_eq!(
        crate::RecoveryCodeStore::consume_code(&store, "user-1", "a2", now).await,
        Ok(4)
    );
    assert_eq!(
        crate::RecoveryCodeStore::consume_code(&store, "user-1", "a2", now).await,
        Err(StoreError::AlreadyUsed)
    );
    assert_eq!(
        crate::RecoveryCodeStore::consume_code(&store, "user-1", "zz", now).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        crate::RecoveryCodeStore::consume_code(&store, "user-2", "a1", now).await,
        Err(StoreError::NotFound)
    );
    let stored = crate::RecoveryCodeStore::get_codes(&store, "user-1")
        .await
        .unwrap();
    assert_eq!(stored.remaining(), 4);
    assert_eq!(
        stored
            .codes
            .iter()
            .find(|c| c.digest == "a2")
            .unwrap()
            .used_at,
        Some(now.unix_timestamp())
    );
    // Regeneration replaces the set whole.
    let fresh = code_set("b", 3, now);
    store.replace_codes("user-1", &fresh).await.unwrap();
    assert_eq!(store.remaining_codes("user-1").await, Ok(3));
    assert_eq!(
        crate::RecoveryCodeStore::consume_code(&store, "user-1", "a1", now).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(store.delete_codes("user-1").await, Ok(true));
    assert_eq!(store.delete_codes("user-1").await, Ok(false));
    assert_eq!(store.remaining_codes("user-1").await, Ok(0));
}

/// 16 tasks redeem the same recovery code: one succeeds.
pub async fn recovery_code_race<S: Store>(store: S) {
    let now = now();
    store
        .replace_codes("user-r", &code_set("c", 4, now))
        .await
        .unwrap();
    let results = race(16, |_| {
        let store = store.clone();
        async move { crate::RecoveryCodeStore::consume_code(&store, "user-r", "c0", now).await }
    })
    .await;
    assert_eq!(results.iter().filter(|r| **r == Ok(3)).count(), 1);
    assert_eq!(
        results
            .iter()
            .filter(|r| **r == Err(StoreError::AlreadyUsed))
            .count(),
        15
    );
    assert_eq!(store.remaining_codes("user-r").await, Ok(3));
}

/// Fixed windows: counts, reset at the window's end, explicit reset.
pub async fn counter_window<S: Store>(store: S) {
    let now = now();
    let window = Duration::minutes(10);
    assert_eq!(crate::CounterStore::count(&store, "k", now).await, Ok(0));
    for expected in 1..=3 {
        let count = store.increment("k", window, now).await.unwrap();
        assert_eq!(count.count, expected);
        assert_eq!(count.resets_at, now + window);
    }
    assert_eq!(crate::CounterStore::count(&store, "k", now).await, Ok(3));
    let end = now + window;
    assert_eq!(crate::CounterStore::count(&store, "k", end).await, Ok(0));
    let count = store.increment("k", window, end).await.unwrap();
    assert_eq!((count.count, count.resets_at), (1, end + window));
    store.reset("k").await.unwrap();
    assert_eq!(crate::CounterStore::count(&store, "k", end).await, Ok(0));
    assert_eq!(store.increment("k", window, end).await.unwrap().count, 1);
    assert_eq!(
        crate::CounterStore::count(&store, "other", end).await,
        Ok(0)
    );
}

/// 1,000 concurrent increments give exactly 1,000, each count seen once.
pub async fn counter_race<S: Store>(store: S) {
    let now = now();
    let results = race(1000, |_| {
        let store = store.clone();
        async move { store.increment("hot", Duration::minutes(5), now).await }
    })
    .await;
    let counts: BTreeSet<u64> = results.iter().map(|r| r.as_ref().unwrap().count).collect();
    assert_eq!(counts, (1..=1000).collect::<BTreeSet<u64>>());
    assert_eq!(
        crate::CounterStore::count(&store, "hot", now).await,
        Ok(1000)
    );
}

/// Denied until the token's expiry.
pub async fn deny_list<S: Store>(store: S) {
    let now = now();
    let exp = now + Duration::minutes(5);
    assert_eq!(store.is_denied("jti-1", now).await, Ok(false));
    store.deny("jti-1", exp).await.unwrap();
    assert_eq!(store.is_denied("jti-1", now).await, Ok(true));
    assert_eq!(
        store.is_denied("jti-1", exp - Duration::seconds(1)).await,
        Ok(true)
    );
    assert_eq!(store.is_denied("jti-1", exp).await, Ok(false));
    assert_eq!(store.is_denied("jti-2", now).await, Ok(false));
    // Denying again never shortens the entry.
    store
        .deny("jti-1", now + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(
        store.is_denied("jti-1", now + Duration::minutes(2)).await,
        Ok(true)
    );
}

fn digest(n: u8) -> SecretDigest {
    SecretDigest::from_parts(None, [n; 32])
}

fn family(id: &str, subject: &str, now: OffsetDateTime) -> RefreshFamily {
    let mut family = RefreshFamily::new(id, subject, digest(0), now, now + Duration::days(30));
    family.payload = serde_json::json!({"client_id": "app", "scopes": ["read"]});
    family
}

/// Rotation, the grace window, reuse detection, expiry.
pub async fn refresh_rotation<S: Store>(store: S) {
    let now = now();
    let grace = Duration::seconds(30);
    let created = family("fam-1", "user-1", now);
    store.create_family(&created).await.unwrap();
    assert_eq!(
        store.create_family(&created).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(
        crate::RefreshFamilyStore::get_family(&store, "fam-1").await,
        Ok(created.clone())
    );

    let t1 = now + Duration::minutes(1);
    let Rotation::Rotated(rotated) = store
        .rotate("fam-1", &[digest(0)], &digest(1), t1, grace)
        .await
        .unwrap()
    else {
        panic!("the current token rotates");
    };
    assert_eq!(rotated.current, digest(1));
    assert_eq!(rotated.previous, Some(digest(0)));
    assert_eq!(rotated.rotated_at, Some(t1));
    assert_eq!(rotated.payload, created.payload);

    // The replaced token again, within the grace window: the same successor.
    let within = t1 + grace;
    let Rotation::Grace(grace_family) = store
        .rotate("fam-1", &[digest(0)], &digest(1), within, grace)
        .await
        .unwrap()
    else {
        panic!("the previous token within the grace window");
    };
    assert_eq!(grace_family.current, digest(1));
    assert_eq!(grace_family.revoked_at, None);

    // The new current token rotates on.
    let t2 = t1 + Duration::minutes(1);
    assert!(matches!(
        store
            .rotate("fam-1", &[digest(1)], &digest(2), t2, grace)
            .await,
        Ok(Rotation::Rotated(_))
    ));
    // An older token, or one never issued: reuse, and the family is revoked at once.
    let t3 = t2 + Duration::seconds(1);
    assert_eq!(
        store
            .rotate("fam-1", &[digest(0)], &digest(9), t3, grace)
            .await,
        Ok(Rotation::Reused)
    );
    let revoked = crate::RefreshFamilyStore::get_family(&store, "fam-1")
        .await
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(t3));
    assert_eq!(
        revoked.current,
        digest(2),
        "reuse changes nothing but revocation"
    );
    assert_eq!(
        store
            .rotate("fam-1", &[digest(2)], &digest(3), t3, grace)
            .await,
        Ok(Rotation::Revoked)
    );

    // The previous token outside the grace window is reuse too.
    store
        .create_family(&family("fam-2", "user-1", now))
        .await
        .unwrap();
    assert!(matches!(
        store
            .rotate("fam-2", &[digest(0)], &digest(1), t1, grace)
            .await,
        Ok(Rotation::Rotated(_))
    ));
    let late = t1 + grace + Duration::seconds(1);
    assert_eq!(
        store
            .rotate("fam-2", &[digest(0)], &digest(1), late, grace)
            .await,
        Ok(Rotation::Reused)
    );

    // Absolute expiry, and unknown families.
    store
        .create_family(&family("fam-3", "user-1", now))
        .await
        .unwrap();
    assert_eq!(
        store
            .rotate(
                "fam-3",
                &[digest(0)],
                &digest(1),
                now + Duration::days(30),
                grace
            )
            .await,
        Ok(Rotation::Expired)
    );
    assert_eq!(
        store
            .rotate("fam-x", &[digest(0)], &digest(1), now, grace)
            .await,
        Ok(Rotation::NotFound)
    );
    assert_eq!(
        crate::RefreshFamilyStore::get_family(&store, "fam-x").await,
        Err(StoreError::NotFound)
    );
}

/// A family stored under one HMAC key is rotated by candidates that include that key's
/// digest (a key rotation happened since): matched, not judged reused.
pub async fn refresh_rotation_across_keys<S: Store>(store: S) {
    let now = now();
    let grace = Duration::seconds(30);
    let keyed = |key: &str, n: u8| {
        SecretDigest::from_parts(Some(portcullis_token::KeyId::new(key).unwrap()), [n; 32])
    };
    let mut created = family("fam-k", "user-1", now);
    created.current = keyed("old", 1);
    store.create_family(&created).await.unwrap();
    // The new key's digest first, as `lookup_digests` orders them.
    let presented = [keyed("new", 7), keyed("old", 1)];
    let successor = keyed("new", 2);
    let Ok(Rotation::Rotated(rotated)) = store
        .rotate("fam-k", &presented, &successor, now, grace)
        .await
    else {
        panic!("a digest under the old key must match");
    };
    assert_eq!(rotated.current, successor);
    assert_eq!(rotated.previous, Some(keyed("old", 1)));
    // The same token again within the grace window: the same answer as any grace.
    assert!(matches!(
        store
            .rotate(
                "fam-k",
                &presented,
                &successor,
                now + Duration::seconds(5),
                grace
            )
            .await,
        Ok(Rotation::Grace(_))
    ));
    // Candidates matching neither digest are a reuse.
    assert_eq!(
        store
            .rotate(
                "fam-k",
                &[keyed("new", 8), keyed("old", 8)],
                &keyed("new", 9),
                now + Duration::seconds(6),
                grace
            )
            .await,
        Ok(Rotation::Reused)
    );
}

/// 32 concurrent presenters of the current token: one rotation, the others get the
/// same successor through the grace window.
pub async fn refresh_rotation_race<S: Store>(store: S) {
    let now = now();
    store
        .create_family(&family("fam-r", "user-1", now))
        .await
        .unwrap();
    let results = race(32, |_| {
        let store = store.clone();
        async move {
            store
                .rotate(
                    "fam-r",
                    &[digest(0)],
                    &digest(1),
                    now,
                    Duration::seconds(30),
                )
                .await
        }
    })
    .await;
    let rotated = results
        .iter()
        .filter(|r| matches!(r, Ok(Rotation::Rotated(_))))
        .count();
    let grace: Vec<_> = results
        .iter()
        .filter_map(|r| match r {
            Ok(Rotation::Grace(f)) => Some(f.current.clone()),
            _ => None,
        })
        .collect();
    assert_eq!((rotated, grace.len()), (1, 31), "{results:?}");
    assert!(grace.iter().all(|d| *d == digest(1)));
}

/// Revoking one family and every family of a subject.
pub async fn refresh_revocation<S: Store>(store: S) {
    let now = now();
    for (id, subject) in [("f1", "u1"), ("f2", "u1"), ("f3", "u1"), ("f4", "u2")] {
        store
            .create_family(&family(id, subject, now))
            .await
            .unwrap();
    }
    assert_eq!(
        crate::RefreshFamilyStore::revoke_family(&store, "f1", now).await,
        Ok(true)
    );
    assert_eq!(
        crate::RefreshFamilyStore::revoke_family(&store, "f1", now).await,
        Ok(false)
    );
    assert_eq!(
        crate::RefreshFamilyStore::revoke_family(&store, "nope", now).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(store.revoke_families("u1", now).await, Ok(2));
    assert_eq!(store.revoke_families("u1", now).await, Ok(0));
    for id in ["f1", "f2", "f3"] {
        assert_eq!(
            store
                .rotate(id, &[digest(0)], &digest(1), now, Duration::seconds(30))
                .await,
            Ok(Rotation::Revoked)
        );
    }
    assert!(matches!(
        store
            .rotate("f4", &[digest(0)], &digest(1), now, Duration::seconds(30))
            .await,
        Ok(Rotation::Rotated(_))
    ));
}

/// API keys: create, find, list per owner by status with paging, update, revoke.
pub async fn api_keys<S: Store>(store: S) {
    let now = now();
    let keys = ApiKeys::new(Digester::Sha256);
    let prefix = ApiKeyPrefix::new("pcl_test_").unwrap();
    let mut made = Vec::new();
    for i in 0..7i64 {
        let owner = if i % 2 == 0 {
            Owner::user_in_org("u1", "o1")
        } else {
            Owner::user("u1")
        };
        let mut new = NewApiKey::new(owner).name(format!("key {i}"));
        if i == 3 {
            new = new.expires_at(now + Duration::minutes(1));
        }
        let (_, mut record) = keys
            .issue(&mut OsRng, &prefix, new, now + Duration::seconds(i))
            .unwrap();
        record.created_at = now + Duration::seconds(i);
        store.create_credential(&record).await.unwrap();
        made.push(record);
    }
    let (_, other) = keys
        .issue(&mut OsRng, &prefix, NewApiKey::new(Owner::user("u2")), now)
        .unwrap();
    store.create_credential(&other).await.unwrap();
    assert_eq!(
        store.create_credential(&other).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(
        crate::CredentialStore::get_credential::<ApiKeyRecord>(&store, &made[2].key_id).await,
        Ok(made[2].clone())
    );
    assert_eq!(
        crate::CredentialStore::get_credential::<ApiKeyRecord>(&store, "missing").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        crate::CredentialStore::get_credential::<ClientRecord>(&store, &made[2].key_id).await,
        Err(StoreError::NotFound)
    );

    let revoked: ApiKeyRecord =
        crate::CredentialStore::revoke_credential(&store, &made[5].key_id, now)
            .await
            .unwrap();
    assert_eq!(revoked.revoked_at, Some(now));
    let again: ApiKeyRecord = crate::CredentialStore::revoke_credential(
        &store,
        &made[5].key_id,
        now + Duration::hours(1),
    )
    .await
    .unwrap();
    assert_eq!(again.revoked_at, Some(now));

    let later = now + Duration::minutes(2);
    let u1 = Owner::user("u1");
    let list = |filter, page| {
        let store = store.clone();
        let u1 = u1.clone();
        async move {
            crate::CredentialStore::list_credentials::<ApiKeyRecord>(
                &store, &u1, filter, later, page,
            )
            .await
            .unwrap()
        }
    };
    let ids = |records: &[ApiKeyRecord]| {
        records
            .iter()
            .map(|r| r.name.clone().unwrap())
            .collect::<Vec<_>>()
    };
    let all = list(StatusFilter::All, PageRequest::new(1, 50).with_total()).await;
    assert_eq!(all.total, Some(7));
    assert_eq!(
        ids(&all.items),
        [
            "key 6", "key 5", "key 4", "key 3", "key 2", "key 1", "key 0"
        ]
    );
    let active = list(
        StatusFilter::Only(ApiKeyStatus::Active),
        PageRequest::new(2, 2).with_total(),
    )
    .await;
    assert_eq!(active.total, Some(5));
    assert_eq!(ids(&active.items), ["key 2", "key 1"]);
    let third = list(
        StatusFilter::Only(ApiKeyStatus::Active),
        PageRequest::new(3, 2),
    )
    .await;
    assert_eq!(
        (ids(&third.items), third.total),
        (vec!["key 0".to_owned()], None)
    );
    let expired = list(
        StatusFilter::Only(ApiKeyStatus::Expired),
        PageRequest::default(),
    )
    .await;
    assert_eq!(ids(&expired.items), ["key 3"]);
    let revoked_list = list(
        StatusFilter::Only(ApiKeyStatus::Revoked),
        PageRequest::default(),
    )
    .await;
    assert_eq!(ids(&revoked_list.items), ["key 5"]);
    let in_org = crate::CredentialStore::list_credentials::<ApiKeyRecord>(
        &store,
        &Owner::org("o1"),
        StatusFilter::All,
        later,
        PageRequest::new(1, 10).with_total(),
    )
    .await
    .unwrap();
    assert_eq!(ids(&in_org.items), ["key 6", "key 4", "key 2", "key 0"]);
    assert_eq!(
        crate::CredentialStore::list_credentials::<ApiKeyRecord>(
            &store,
            &u1,
            StatusFilter::All,
            later,
            PageRequest::new(0, 10)
        )
        .await,
        Err(StoreError::Invalid("page numbers start at 1"))
    );

    let mut metadata = Metadata::new();
    metadata.insert("team".into(), serde_json::json!("billing"));
    let updated: ApiKeyRecord = crate::CredentialStore::update_credential(
        &store,
        &made[1].key_id,
        &CredentialUpdate {
            name: Some(Some("renamed".into())),
            metadata: Some(metadata.clone()),
        },
    )
    .await
    .unwrap();
    assert_eq!(updated.name.as_deref(), Some("renamed"));
    assert_eq!(updated.metadata, metadata);
    let fetched: ApiKeyRecord = crate::CredentialStore::get_credential(&store, &made[1].key_id)
        .await
        .unwrap();
    assert_eq!(fetched, updated);
    assert_eq!(fetched.digest, made[1].digest);
}

/// Client secrets rotate by compare-and-swap: of concurrent rotations one wins.
pub async fn client_secret_rotation<S: Store>(store: S) {
    let now = now();
    let secrets = ClientSecrets::new(Digester::Sha256);
    let (first, record) = secrets.create(&mut OsRng, "client-1", now);
    let mut client = ClientRecord::new(record, Owner::org("o1"), now);
    client.name = Some("billing sync".into());
    store.create_credential(&client).await.unwrap();

    let stored: ClientRecord = crate::CredentialStore::get_credential(&store, "client-1")
        .await
        .unwrap();
    assert_eq!(stored, client);
    let mut rotating = stored.clone();
    let next = secrets
        .start_rotation(&mut OsRng, &mut rotating.secrets, now)
        .unwrap();
    let after: ClientRecord = store
        .replace_credential("client-1", &stored.fingerprint(), &rotating)
        .await
        .unwrap();
    assert_eq!(after.secrets, rotating.secrets);
    assert_eq!(
        secrets.verify(&after.secrets, next.expose_secret()),
        Ok(portcullis_token::client_secret::Matched::Next)
    );
    assert_eq!(
        secrets.verify(&after.secrets, first.expose_secret()),
        Ok(portcullis_token::client_secret::Matched::Current)
    );
    // The stale read loses.
    assert_eq!(
        store
            .replace_credential("client-1", &stored.fingerprint(), &rotating)
            .await,
        Err::<ClientRecord, _>(StoreError::Conflict)
    );

    // Concurrent completions from the same read: exactly one applies.
    let mut completed = after.clone();
    secrets.complete_rotation(&mut completed.secrets).unwrap();
    let expected = after.fingerprint();
    let results = race(16, |_| {
        let store = store.clone();
        let completed = completed.clone();
        let expected = expected.clone();
        async move {
            store
                .replace_credential("client-1", &expected, &completed)
                .await
        }
    })
    .await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results
        .iter()
        .filter(|r| matches!(r, Err::<ClientRecord, _>(StoreError::Conflict)))
        .count();
    assert_eq!((won, conflicts), (1, 15));

    let revoked: ClientRecord = crate::CredentialStore::revoke_credential(&store, "client-1", now)
        .await
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(now));
    assert_eq!(revoked.name.as_deref(), Some("billing sync"));
    assert_eq!(
        store
            .replace_credential("client-1", &revoked.fingerprint(), &completed)
            .await,
        Err::<ClientRecord, _>(StoreError::Revoked)
    );
    let listed = crate::CredentialStore::list_credentials::<ClientRecord>(
        &store,
        &Owner::org("o1"),
        StatusFilter::Only(ApiKeyStatus::Revoked),
        now,
        PageRequest::default(),
    )
    .await
    .unwrap();
    assert_eq!(listed.items.len(), 1);
}

fn start_session(user: &str, now: OffsetDateTime) -> (Session, SecretDigest) {
    let factor = AuthenticationFactor::new(FactorType::Password, now);
    let session = lifecycle::start(
        &SessionPolicy::default(),
        &mut OsRng,
        NewSession::new(user, factor),
        now,
    )
    .unwrap();
    let token = OpaqueToken::generate(&mut OsRng);
    (session, Digester::Sha256.digest(token.secret()))
}

fn ended(at: OffsetDateTime, reason: TerminationReason) -> Termination {
    Termination {
        terminated_at: at,
        reason,
    }
}

/// Create, find by id and by token, touch, update with a new token, revoke.
pub async fn sessions_lifecycle<S: Store>(store: S) {
    // Sessions keep nanoseconds; so does the store.
    let now = OffsetDateTime::now_utc();
    let (session, token) = start_session("user-1", now);
    store.create_session(&session, &token).await.unwrap();
    assert_eq!(
        store.create_session(&session, &token).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(
        crate::SessionStore::get_session(&store, &session.session_id).await,
        Ok(session.clone())
    );
    assert_eq!(
        store.get_session_by_token(&token).await,
        Ok(session.clone())
    );
    assert_eq!(
        store.get_session_by_token(&digest(3)).await,
        Err(StoreError::NotFound)
    );

    let used = now + Duration::minutes(3);
    let touched = store
        .touch_session(&session.session_id, used, used + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(touched.last_accessed_at, used);
    assert_eq!(touched.expires_at, used + Duration::hours(1));
    assert_eq!(
        store.get_session_by_token(&token).await,
        Ok(touched.clone())
    );

    // Step-up: a factor added and the token rotated.
    let mut stepped = touched.clone();
    let rotated = lifecycle::add_factor(
        &mut stepped,
        &SessionPolicy::default(),
        AuthenticationFactor::new(FactorType::Totp, used),
        used,
        &mut portcullis_core::OsRng,
        &portcullis_token::Digester::Sha256,
    )
    .unwrap();
    let new_token = rotated.digest().clone();
    store
        .update_session(&stepped, Some(&new_token))
        .await
        .unwrap();
    assert_eq!(
        store.get_session_by_token(&token).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.get_session_by_token(&new_token).await,
        Ok(stepped.clone())
    );
    // A change that keeps the token is seen through the token too.
    stepped.roles.push("auditor".to_owned());
    store.update_session(&stepped, None).await.unwrap();
    assert_eq!(
        store.get_session_by_token(&new_token).await,
        Ok(stepped.clone())
    );

    let end = ended(used, TerminationReason::Logout);
    assert_eq!(
        crate::SessionStore::revoke_session(&store, &session.session_id, end).await,
        Ok(true)
    );
    assert_eq!(
        crate::SessionStore::revoke_session(
            &store,
            &session.session_id,
            ended(used + Duration::minutes(1), TerminationReason::Revoked)
        )
        .await,
        Ok(false)
    );
    let gone = store.get_session_by_token(&new_token).await.unwrap();
    assert_eq!(gone.termination, Some(end));
    assert_eq!(gone.status(used), Status::Terminated);
    assert_eq!(
        store
            .touch_session(&session.session_id, used, used + Duration::hours(2))
            .await,
        Err(StoreError::Revoked)
    );
    assert_eq!(
        store.update_session(&stepped, None).await,
        Err(StoreError::Revoked)
    );
    assert_eq!(
        store.touch_session("ses_missing", used, used).await,
        Err(StoreError::NotFound)
    );
}

/// Listing by status with page number, size and total.
pub async fn sessions_listing<S: Store>(store: S) {
    let now = OffsetDateTime::now_utc();
    let mut ids = Vec::new();
    for i in 0..6i64 {
        let (mut session, token) = start_session("user-l", now + Duration::seconds(i));
        if i == 1 {
            session.expires_at = now + Duration::seconds(30);
        }
        store.create_session(&session, &token).await.unwrap();
        ids.push(session.session_id);
    }
    let (other, token) = start_session("user-other", now);
    store.create_session(&other, &token).await.unwrap();
    crate::SessionStore::revoke_session(&store, &ids[4], ended(now, TerminationReason::Revoked))
        .await
        .unwrap();
    let at = now + Duration::minutes(1);
    let list = |status, page| {
        let store = store.clone();
        async move {
            crate::SessionStore::list_sessions(&store, "user-l", status, at, page)
                .await
                .unwrap()
        }
    };
    let names = |l: &crate::Listing<Session>| {
        l.items
            .iter()
            .map(|s| ids.iter().position(|id| *id == s.session_id).unwrap())
            .collect::<Vec<_>>()
    };
    let all = list(None, PageRequest::new(1, 10).with_total()).await;
    assert_eq!((names(&all), all.total), (vec![5, 4, 3, 2, 1, 0], Some(6)));
    let active = list(Some(Status::Active), PageRequest::new(1, 2).with_total()).await;
    assert_eq!((names(&active), active.total), (vec![5, 3], Some(4)));
    let active2 = list(Some(Status::Active), PageRequest::new(2, 2)).await;
    assert_eq!((names(&active2), active2.total), (vec![2, 0], None));
    let active3 = list(Some(Status::Active), PageRequest::new(3, 2).with_total()).await;
    assert_eq!((names(&active3), active3.total), (vec![], Some(4)));
    let expired = list(Some(Status::Expired), PageRequest::default()).await;
    assert_eq!(names(&expired), [1]);
    let terminated = list(Some(Status::Terminated), PageRequest::default()).await;
    assert_eq!(names(&terminated), [4]);
    assert_eq!(
        crate::SessionStore::list_sessions(&store, "user-l", None, at, PageRequest::new(1, 0))
            .await,
        Err(StoreError::Invalid("page size must be 1 to 1000"))
    );
}

/// Revoke-all races with uses; every later get sees it, and later touches fail.
pub async fn sessions_revoke_all_race<S: Store>(store: S) {
    let now = OffsetDateTime::now_utc();
    let mut sessions = Vec::new();
    for _ in 0..20 {
        let (session, token) = start_session("user-ra", now);
        store.create_session(&session, &token).await.unwrap();
        sessions.push((session.session_id, token));
    }
    let keep = sessions[0].0.clone();
    let touches = {
        let store = store.clone();
        let ids: Vec<String> = sessions.iter().map(|(id, _)| id.clone()).collect();
        tokio::spawn(async move {
            let mut set = JoinSet::new();
            for id in ids {
                let store = store.clone();
                set.spawn(async move {
                    store
                        .touch_session(&id, now, now + Duration::hours(1))
                        .await
                        .map(|_| ())
                });
            }
            set.join_all().await
        })
    };
    let ended_count = store
        .revoke_sessions(
            "user-ra",
            Some(&keep),
            ended(now, TerminationReason::RevokedAll),
        )
        .await
        .unwrap();
    assert_eq!(ended_count, 19);
    for result in touches.await.unwrap() {
        assert!(
            matches!(result, Ok(()) | Err(StoreError::Revoked)),
            "{result:?}"
        );
    }
    for (id, token) in &sessions {
        let by_id = crate::SessionStore::get_session(&store, id).await.unwrap();
        let by_token = store.get_session_by_token(token).await.unwrap();
        let expected = if *id == keep {
            Status::Active
        } else {
            Status::Terminated
        };
        assert_eq!(by_id.status(now), expected);
        assert_eq!(by_token.status(now), expected);
        if *id != keep {
            assert_eq!(
                store.touch_session(id, now, now + Duration::hours(2)).await,
                Err(StoreError::Revoked)
            );
        }
    }
    assert_eq!(
        store
            .revoke_sessions("user-ra", None, ended(now, TerminationReason::RevokedAll))
            .await,
        Ok(1)
    );
}

/// Purging drops sessions that ended before the cut, and their token lookups.
pub async fn sessions_purge<S: Store>(store: S) {
    let now = OffsetDateTime::now_utc();
    let (mut short, short_token) = start_session("user-p", now);
    short.expires_at = now + Duration::minutes(5);
    let (live, live_token) = start_session("user-p", now);
    let (ended_one, ended_token) = start_session("user-p", now);
    for (s, t) in [
        (&short, &short_token),
        (&live, &live_token),
        (&ended_one, &ended_token),
    ] {
        store.create_session(s, t).await.unwrap();
    }
    crate::SessionStore::revoke_session(
        &store,
        &ended_one.session_id,
        ended(now + Duration::minutes(1), TerminationReason::Logout),
    )
    .await
    .unwrap();
    assert_eq!(
        store.purge_sessions(now + Duration::minutes(10)).await,
        Ok(2)
    );
    assert_eq!(
        store.get_session_by_token(&short_token).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.get_session_by_token(&ended_token).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(store.get_session_by_token(&live_token).await, Ok(live));
    assert_eq!(
        store.purge_sessions(now + Duration::minutes(10)).await,
        Ok(0)
    );
}
