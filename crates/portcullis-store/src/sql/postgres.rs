//! The PostgreSQL backend (feature `postgres`).
//!
//! Every table lives in one schema of the caller's choosing (`portcullis` by
//! default), created on open and put first on each connection's `search_path`;
//! opening applies the embedded migrations. State changes are single statements
//! under PostgreSQL's row locks: of two `UPDATE`s of the same row, the second waits,
//! then re-checks its `WHERE` clause against the row the first committed.
//!
//! Connections that die (a restarted server, `pg_terminate_backend`) fail the
//! operation running on them with [`StoreError::Unavailable`] and leave the pool;
//! later operations open fresh connections, so the store recovers by itself.
//!
//! ```no_run
//! use portcullis_store::{PostgresConfig, PostgresStore};
//!
//! # async fn open() -> Result<(), portcullis_store::StoreError> {
//! let store = PostgresStore::open(
//!     PostgresConfig::new("postgres://app@db.internal/app").schema("auth"),
//! )
//! .await?;
//! # Ok(()) }
//! ```

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::sql::{Dialect, Sql};

/// How to reach PostgreSQL, with each setting's default. Its `Debug` output hides
/// the URL's user information.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresConfig {
    /// Connection URL (`postgres://user@host:port/db`).
    pub url: String,
    /// The schema holding the tables (default `portcullis`): lower-case letters,
    /// digits and `_`, starting with a letter or `_`, at most 63 characters.
    pub schema: String,
    /// Pool size (default 10).
    pub max_connections: u32,
    /// How long an operation waits for a connection, including establishing one,
    /// before it fails as unavailable (default 5 seconds).
    pub acquire_timeout: StdDuration,
    /// `application_name` reported to the server (default `portcullis-store`).
    pub application_name: String,
}

impl PostgresConfig {
    /// The defaults, for the database at `url`.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            schema: "portcullis".to_owned(),
            max_connections: 10,
            acquire_timeout: StdDuration::from_secs(5),
            application_name: "portcullis-store".to_owned(),
        }
    }

    /// In this schema.
    #[must_use]
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = schema.into();
        self
    }

    /// With this pool size.
    #[must_use]
    pub const fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max;
        self
    }

    /// With this acquire timeout.
    #[must_use]
    pub const fn acquire_timeout(mut self, timeout: StdDuration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// Reporting this `application_name`.
    #[must_use]
    pub fn application_name(mut self, name: impl Into<String>) -> Self {
        self.application_name = name.into();
        self
    }
}

impl std::fmt::Debug for PostgresConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresConfig")
            .field("url", &crate::model::redact_url(&self.url))
            .field("schema", &self.schema)
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("application_name", &self.application_name)
            .finish()
    }
}

fn valid_schema(schema: &str) -> bool {
    let bytes = schema.as_bytes();
    (1..=63).contains(&bytes.len())
        && (bytes[0].is_ascii_lowercase() || bytes[0] == b'_')
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
}

/// The PostgreSQL store. Cloning it shares the same pool.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    sql: Arc<Sql>,
}

impl PostgresStore {
    const DIALECT: Dialect = Dialect::Postgres;

    /// Connects, creates the schema if missing and applies the migrations.
    ///
    /// # Errors
    /// [`StoreError::Invalid`](crate::StoreError::Invalid) for a bad URL or schema
    /// name; [`StoreError::Unavailable`](crate::StoreError::Unavailable) when the
    /// server cannot be reached; [`StoreError::Backend`](crate::StoreError::Backend)
    /// when the schema or a migration cannot be created.
    pub async fn open(config: PostgresConfig) -> Result<Self, crate::StoreError> {
        if !valid_schema(&config.schema) {
            return Err(crate::StoreError::Invalid("schema name"));
        }
        let options = PgConnectOptions::from_str(&config.url)
            .map_err(|_| crate::StoreError::Invalid("postgres url"))?
            .application_name(&config.application_name)
            .options([("search_path", config.schema.as_str())]);
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .acquire_timeout(config.acquire_timeout)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(err)?;
        // The name was checked above: letters, digits and `_` only.
        let create = crate::sql::safe(format!("CREATE SCHEMA IF NOT EXISTS \"{}\"", config.schema));
        sqlx::query(create).execute(&pool).await.map_err(err)?;
        Self::migrate(&pool).await?;
        Ok(Self {
            pool,
            sql: Arc::new(Sql::new(Self::DIALECT)),
        })
    }

    /// The underlying pool (for the caller's own queries, or to close it).
    #[must_use]
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

crate::sql::sql_store!(PostgresStore, sqlx::Postgres, "postgres");
