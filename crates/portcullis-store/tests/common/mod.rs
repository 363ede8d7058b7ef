//! Openers for the conformance suite: one isolated store per case.
#![allow(
    dead_code,
    unused_imports,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic
)]

use portcullis_store::MemoryStore;
use portcullis_store::conformance::Harness;

/// The in-memory store: nothing to clean up.
pub struct MemoryHarness(MemoryStore);

impl Harness for MemoryHarness {
    type Store = MemoryStore;
    fn store(&self) -> MemoryStore {
        self.0.clone()
    }
    async fn finish(self) {}
}

pub async fn open_memory() -> Option<MemoryHarness> {
    Some(MemoryHarness(MemoryStore::new()))
}

/// A unique name for one case's namespace (file, key prefix, schema).
pub fn unique(prefix: &str) -> String {
    format!("{prefix}_{:016x}", rand::random::<u64>())
}

#[cfg(feature = "sqlite")]
pub use sqlite::*;

#[cfg(feature = "sqlite")]
mod sqlite {
    use std::path::PathBuf;

    use portcullis_store::SqliteStore;
    use portcullis_store::conformance::Harness;

    /// A SQLite file in the temporary directory, removed afterwards.
    pub struct SqliteHarness {
        store: SqliteStore,
        path: PathBuf,
    }

    impl Harness for SqliteHarness {
        type Store = SqliteStore;
        fn store(&self) -> SqliteStore {
            self.store.clone()
        }
        async fn finish(self) {
            self.store.pool().close().await;
            for suffix in ["", "-wal", "-shm"] {
                let mut name = self.path.clone().into_os_string();
                name.push(suffix);
                let _ = std::fs::remove_file(name);
            }
        }
    }

    pub async fn open_sqlite() -> Option<SqliteHarness> {
        let path =
            std::env::temp_dir().join(format!("{}.sqlite3", super::unique("portcullis_store")));
        let store = SqliteStore::open(&path, 4).await.expect("open sqlite");
        Some(SqliteHarness { store, path })
    }
}

/// The URL in `var`, or `None` (after saying the backend's tests are skipped) when
/// it is unset; unset with `PORTCULLIS_REQUIRE_BACKENDS=1` fails the test.
pub fn backend_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("PORTCULLIS_REQUIRE_BACKENDS").as_deref() != Ok("1"),
                "{var} is unset and PORTCULLIS_REQUIRE_BACKENDS=1"
            );
            println!("skipped: {var} is unset");
            None
        }
    }
}

#[cfg(feature = "postgres")]
pub use postgres::*;

#[cfg(feature = "postgres")]
mod postgres {
    use portcullis_store::conformance::Harness;
    use portcullis_store::{PostgresConfig, PostgresStore};

    /// A PostgreSQL schema of its own, dropped afterwards.
    pub struct PostgresHarness {
        pub store: PostgresStore,
        pub schema: String,
    }

    impl Harness for PostgresHarness {
        type Store = PostgresStore;
        fn store(&self) -> PostgresStore {
            self.store.clone()
        }
        async fn finish(self) {
            let drop = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.schema);
            sqlx::query(sqlx::AssertSqlSafe(drop))
                .execute(self.store.pool())
                .await
                .expect("drop the test schema");
            self.store.pool().close().await;
        }
    }

    pub async fn open_postgres_with(application_name: &str) -> Option<PostgresHarness> {
        let url = super::backend_url("PORTCULLIS_POSTGRES_URL")?;
        let schema = super::unique("pcl_test");
        let config = PostgresConfig::new(url)
            .schema(&schema)
            .max_connections(8)
            // The concurrency cases queue hundreds of operations on eight connections;
            // a slow disk must not turn the queue into a timeout.
            .acquire_timeout(std::time::Duration::from_secs(60))
            .application_name(application_name);
        let store = PostgresStore::open(config)
            .await
            .expect("PORTCULLIS_POSTGRES_URL is set but PostgreSQL is not reachable");
        Some(PostgresHarness { store, schema })
    }

    pub async fn open_postgres() -> Option<PostgresHarness> {
        open_postgres_with("portcullis-store-conformance").await
    }
}

#[cfg(feature = "redis")]
pub use redis_backend::*;

#[cfg(feature = "redis")]
mod redis_backend {
    use portcullis_store::conformance::Harness;
    use portcullis_store::{RedisConfig, RedisStore};

    /// A Redis key prefix of its own; removed afterwards, checking that every key
    /// under it had a TTL.
    pub struct RedisHarness {
        pub store: RedisStore,
    }

    impl Harness for RedisHarness {
        type Store = RedisStore;
        fn store(&self) -> RedisStore {
            self.store.clone()
        }
        async fn finish(self) {
            let without_ttl = self.store.remove_all().await.expect("remove the test keys");
            assert_eq!(without_ttl, 0, "every key must carry a TTL");
        }
    }

    pub async fn open_redis() -> Option<RedisHarness> {
        let url = super::backend_url("PORTCULLIS_REDIS_URL")?;
        let prefix = format!("{}:", super::unique("pcl-test"));
        let store = RedisStore::open(RedisConfig::new(url).prefix(prefix))
            .await
            .expect("PORTCULLIS_REDIS_URL is set but Redis is not reachable");
        Some(RedisHarness { store })
    }
}
