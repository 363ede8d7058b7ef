//! The SQLite backend (feature `sqlite`, on by default): the embedded store, a file
//! or an in-memory database, with the SQLite library compiled in.
//!
//! Opening applies the embedded migrations. A file database runs in WAL mode with a
//! busy timeout, so readers never wait for the writer and writers queue for the
//! database's single write lock instead of failing; every state change is one
//! statement, which SQLite executes under that lock.
//!
//! ```
//! use portcullis_store::{DenyListStore, SqliteStore};
//! use portcullis_core::{Duration, OffsetDateTime};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let store = SqliteStore::open_in_memory().await?;
//! let now = OffsetDateTime::now_utc();
//! store.deny("jti-123", now + Duration::minutes(5)).await?;
//! assert!(store.is_denied("jti-123", now).await?);
//! # Ok::<(), portcullis_store::StoreError>(())
//! # }).unwrap();
//! ```

use std::path::Path;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::sql::{Dialect, Sql};

/// The SQLite store. Cloning it shares the same pool.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    sql: Arc<Sql>,
}

impl SqliteStore {
    const DIALECT: Dialect = Dialect::Sqlite;

    /// Opens (creating if missing) the database file at `path`, with up to
    /// `max_connections` connections (readers run in parallel; writes queue).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`](crate::StoreError::Unavailable) when the file
    /// cannot be opened; [`StoreError::Backend`](crate::StoreError::Backend) when a
    /// migration fails.
    pub async fn open(
        path: impl AsRef<Path>,
        max_connections: u32,
    ) -> Result<Self, crate::StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(StdDuration::from_secs(10));
        Self::with_options(options, max_connections.max(1)).await
    }

    /// Opens a private in-memory database (one connection, gone when the last clone
    /// of the store is dropped).
    ///
    /// # Errors
    /// As [`SqliteStore::open`].
    pub async fn open_in_memory() -> Result<Self, crate::StoreError> {
        let options = SqliteConnectOptions::new().in_memory(true);
        Self::with_options(options, 1).await
    }

    /// Opens with `sqlx` connection options of the caller's choosing.
    ///
    /// # Errors
    /// As [`SqliteStore::open`].
    pub async fn with_options(
        options: SqliteConnectOptions,
        max_connections: u32,
    ) -> Result<Self, crate::StoreError> {
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .min_connections(if options.get_filename().to_str() == Some(":memory:") {
                1
            } else {
                0
            })
            .idle_timeout(None)
            .max_lifetime(None)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(err)?;
        Self::migrate(&pool).await?;
        Ok(Self {
            pool,
            sql: Arc::new(Sql::new(Self::DIALECT)),
        })
    }

    /// The underlying pool (for the caller's own queries, or to close it).
    #[must_use]
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

crate::sql::sql_store!(SqliteStore, sqlx::Sqlite, "sqlite");
