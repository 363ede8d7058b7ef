//! API keys on the memory and SQLite stores: create, validate, list, revoke.
#![cfg(feature = "flows")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use portcullis::api_keys::{ApiKeyError, KeyListing};
use portcullis::core::{Duration, OffsetDateTime, OsRng};
use portcullis::flows::Portcullis;
use portcullis::store::{MemoryStore, PageRequest, SqliteStore, Store};
use portcullis::token::TokenError;
use portcullis::token::api_key::{ApiKeyPrefix, NewApiKey, Owner};

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

async fn api_keys<S: Store>(store: S) {
    let auth = Portcullis::builder(store).build().unwrap();
    let now = t0();
    let prefix = ApiKeyPrefix::new("pcl_live_").unwrap();
    let owner = Owner::user("user-1");

    let a = auth
        .create_api_key(
            &mut OsRng,
            &prefix,
            NewApiKey::new(owner.clone()).name("ci"),
            now,
        )
        .await
        .unwrap();
    assert!(a.key.expose_secret().starts_with("pcl_live_"));
    let short = auth
        .create_api_key(
            &mut OsRng,
            &prefix,
            NewApiKey::new(owner.clone()).expires_at(now + Duration::hours(1)),
            now,
        )
        .await
        .unwrap();
    let found = auth
        .validate_api_key(a.key.expose_secret(), now)
        .await
        .unwrap();
    assert_eq!(found.name.as_deref(), Some("ci"));
    assert_eq!(found.owner, owner);

    // A typo fails the checksum before any lookup.
    let mut typo = a.key.expose_secret().to_owned();
    let last = typo.pop().unwrap();
    typo.push(if last == 'a' { 'b' } else { 'a' });
    assert!(matches!(
        auth.validate_api_key(&typo, now).await.unwrap_err(),
        ApiKeyError::Token(TokenError::BadChecksum | TokenError::Malformed(_))
    ));
    let other = auth
        .create_api_key(
            &mut OsRng,
            &prefix,
            NewApiKey::new(Owner::user("user-2")),
            now,
        )
        .await
        .unwrap();
    auth.revoke_api_key(&other.record.key_id, now)
        .await
        .unwrap();

    // Expiry and revocation.
    assert_eq!(
        auth.validate_api_key(short.key.expose_secret(), now + Duration::hours(2))
            .await
            .unwrap_err(),
        ApiKeyError::Token(TokenError::Expired)
    );
    auth.revoke_api_key(&a.record.key_id, now).await.unwrap();
    assert_eq!(
        auth.validate_api_key(a.key.expose_secret(), now)
            .await
            .unwrap_err(),
        ApiKeyError::Token(TokenError::Revoked)
    );

    // Listing: at +2 h, nothing active; both archived.
    let later = now + Duration::hours(2);
    let active = auth
        .list_api_keys(&owner, KeyListing::Active, later, PageRequest::default())
        .await
        .unwrap();
    assert!(active.items.is_empty());
    let archived = auth
        .list_api_keys(&owner, KeyListing::Archived, later, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(archived.items.len(), 2);
    let fresh = auth
        .create_api_key(&mut OsRng, &prefix, NewApiKey::new(owner.clone()), later)
        .await
        .unwrap();
    let active = auth
        .list_api_keys(&owner, KeyListing::Active, later, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(active.items.len(), 1);
    assert_eq!(active.items[0].key_id, fresh.record.key_id);
    assert!(!format!("{:?}", fresh.record).contains(fresh.key.expose_secret()));
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn api_keys_on_memory() {
    runtime().block_on(api_keys(MemoryStore::new()));
}

#[test]
fn api_keys_on_sqlite() {
    runtime().block_on(async { api_keys(SqliteStore::open_in_memory().await.unwrap()).await });
}
