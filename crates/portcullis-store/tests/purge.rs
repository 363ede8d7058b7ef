//! Purging expired state: the memory and SQL stores keep expired records (so a late
//! presenter hears "expired") until `purge_expired` drops them; Redis drops them by
//! TTL, which the conformance suite checks every key carries.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use portcullis_core::{Duration, OffsetDateTime};
use portcullis_otp::Step;
use portcullis_store::conformance::Harness as _;
use portcullis_store::{RefreshFamily, Store, StoreError};
use portcullis_token::{
    Digester, IssueRequest, Purpose, SecretDigest, SingleUseConfig, SingleUseTokens, TokenRecord,
};

/// Writes one short-lived and one long-lived item of each kind; a purge at a cut
/// between the two expiries must drop exactly the short-lived ones.
async fn check<S: Store>(store: &S, purge: impl AsyncFn(OffsetDateTime) -> u64) {
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let tokens = SingleUseTokens::new(SingleUseConfig::default(), Digester::Sha256);
    let short = tokens
        .issue(
            &mut portcullis_core::OsRng,
            IssueRequest::new(Purpose::Login, "u").lifetime(Duration::minutes(5)),
            now,
        )
        .unwrap()
        .record;
    let long = tokens
        .issue(
            &mut portcullis_core::OsRng,
            IssueRequest::new(Purpose::Login, "u").lifetime(Duration::hours(2)),
            now,
        )
        .unwrap()
        .record;
    store.put(&short).await.unwrap();
    store.put(&long).await.unwrap();
    store
        .advance_step("f-short", Step(1), now + Duration::minutes(5))
        .await
        .unwrap();
    store
        .advance_step("f-long", Step(1), now + Duration::hours(2))
        .await
        .unwrap();
    store
        .increment("c-short", Duration::minutes(5), now)
        .await
        .unwrap();
    store
        .increment("c-long", Duration::hours(2), now)
        .await
        .unwrap();
    store
        .deny("j-short", now + Duration::minutes(5))
        .await
        .unwrap();
    store
        .deny("j-long", now + Duration::hours(2))
        .await
        .unwrap();
    let digest = SecretDigest::from_parts(None, [1; 32]);
    store
        .create_family(&RefreshFamily::new(
            "fam-short",
            "u",
            digest.clone(),
            now,
            now + Duration::minutes(5),
        ))
        .await
        .unwrap();
    store
        .create_family(&RefreshFamily::new(
            "fam-long",
            "u",
            digest,
            now,
            now + Duration::hours(2),
        ))
        .await
        .unwrap();

    let cut = now + Duration::hours(1);
    assert_eq!(purge(cut).await, 5);
    assert_eq!(
        store.peek::<TokenRecord>(&short.id.to_string(), now).await,
        Err(StoreError::NotFound)
    );
    assert!(
        store
            .peek::<TokenRecord>(&long.id.to_string(), now)
            .await
            .is_ok()
    );
    assert_eq!(store.last_step("f-short").await, Ok(None));
    assert_eq!(store.last_step("f-long").await, Ok(Some(Step(1))));
    assert_eq!(store.count("c-long", now).await, Ok(1));
    assert!(store.is_denied("j-long", now).await.unwrap());
    assert_eq!(
        store.get_family("fam-short").await,
        Err(StoreError::NotFound)
    );
    assert!(store.get_family("fam-long").await.is_ok());
    assert_eq!(purge(cut).await, 0);
}

#[tokio::test]
async fn memory() {
    let store = portcullis_store::MemoryStore::new();
    let handle = store.clone();
    check(&store, async |cut| handle.purge_expired(cut)).await;
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite() {
    let harness = common::open_sqlite().await.unwrap();
    let store = harness.store();
    check(&store, async |cut| store.purge_expired(cut).await.unwrap()).await;
    harness.finish().await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres() {
    let Some(harness) = common::open_postgres().await else {
        return;
    };
    let store = harness.store();
    check(&store, async |cut| store.purge_expired(cut).await.unwrap()).await;
    harness.finish().await;
}
