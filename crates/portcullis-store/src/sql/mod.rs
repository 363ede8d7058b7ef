//! What the SQLite and PostgreSQL backends share: the schema and its migrations, the
//! statements (one text, `$n` placeholders rewritten to `?n` for SQLite), error
//! mapping, and the trait implementations, written once as a macro over the
//! `sqlx` database type.
//!
//! Every state change is one statement whose `WHERE` clause carries the condition
//! (`UPDATE ... WHERE consumed_at IS NULL ... RETURNING`, `INSERT ... ON CONFLICT DO
//! UPDATE ... WHERE`), so the database decides who wins; a statement that changed
//! nothing is followed by a read only to say why.

#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

use sqlx::{SqlSafeStr as _, SqlStr};

use crate::StoreError;

/// The schema versions, applied in order on open: `(version, statements)`.
pub(crate) const MIGRATIONS: &[(i64, &str)] =
    &[(1, include_str!("../../migrations/0001_initial.sql"))];

/// The migrations bookkeeping table.
pub(crate) const MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS portcullis_store_migrations \
     (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)";

/// Claims a migration version; one row affected means this caller applies it.
pub(crate) const CLAIM_MIGRATION: &str = "INSERT INTO portcullis_store_migrations (version, applied_at) \
     VALUES ($1, $2) ON CONFLICT (version) DO NOTHING";

/// The statements of one migration, comments dropped.
pub(crate) fn statements(migration: &str) -> impl Iterator<Item = String> + '_ {
    migration.split(';').filter_map(|chunk| {
        let text: Vec<&str> = chunk
            .lines()
            .filter(|line| !line.trim_start().starts_with("--"))
            .collect();
        let text = text.join("\n");
        let trimmed = text.trim();
        (!trimmed.is_empty()).then(|| trimmed.to_owned())
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    #[cfg(feature = "sqlite")]
    Sqlite,
    #[cfg(feature = "postgres")]
    Postgres,
}

const USE_COLUMNS: &str = "expires_at, consumed_at, revoked_at, attempts, max_attempts, payload";
const SESSION_COLUMNS: &str = "payload, last_accessed_at, expires_at, termination";
const CREDENTIAL_COLUMNS: &str = "payload, name, metadata, revoked_at";
const FAMILY_COLUMNS: &str = "family_id, subject, current_digest, previous_digest, rotated_at, \
     created_at, expires_at, revoked_at, payload";

/// A statement built once at open from constant text (no caller input is ever
/// spliced into SQL; every value is a bound parameter).
pub(crate) fn safe(text: String) -> SqlStr {
    sqlx::AssertSqlSafe(std::sync::Arc::<str>::from(text)).into_sql_str()
}

/// Every statement, in the backend's placeholder syntax.
#[derive(Debug)]
pub(crate) struct Sql {
    pub use_put: SqlStr,
    pub use_get: SqlStr,
    pub use_consume: SqlStr,
    pub use_count: SqlStr,
    pub use_revoke: SqlStr,
    pub use_revoke_subject: SqlStr,
    pub step_advance: SqlStr,
    pub step_get: SqlStr,
    pub codes_delete: SqlStr,
    pub codes_set_upsert: SqlStr,
    pub codes_insert: SqlStr,
    pub codes_get: SqlStr,
    pub codes_consume: SqlStr,
    pub codes_used: SqlStr,
    pub codes_remaining: SqlStr,
    pub codes_set_delete: SqlStr,
    pub counter_increment: SqlStr,
    pub counter_get: SqlStr,
    pub counter_reset: SqlStr,
    pub deny_add: SqlStr,
    pub deny_get: SqlStr,
    pub family_create: SqlStr,
    pub family_get: SqlStr,
    pub family_rotate: SqlStr,
    pub family_revoke: SqlStr,
    pub family_revoke_subject: SqlStr,
    pub cred_create: SqlStr,
    pub cred_get: SqlStr,
    pub cred_list: SqlStr,
    pub cred_count: SqlStr,
    pub cred_update: SqlStr,
    pub cred_replace: SqlStr,
    pub cred_state: SqlStr,
    pub cred_revoke: SqlStr,
    pub session_create: SqlStr,
    pub session_get: SqlStr,
    pub session_by_token: SqlStr,
    pub session_touch: SqlStr,
    pub session_update: SqlStr,
    pub session_exists: SqlStr,
    pub session_revoke: SqlStr,
    pub session_revoke_all: SqlStr,
    pub session_list: SqlStr,
    pub session_count: SqlStr,
    pub session_purge: SqlStr,
    pub purge: Vec<SqlStr>,
}

/// `$n` placeholders to SQLite's `?n` (same numbering, so a parameter may repeat).
pub(crate) fn placeholders(dialect: Dialect, text: &str) -> String {
    match dialect {
        #[cfg(feature = "sqlite")]
        Dialect::Sqlite => text.replace('$', "?"),
        #[cfg(feature = "postgres")]
        Dialect::Postgres => text.to_owned(),
    }
}

const CRED_FILTER: &str = "kind = $1 AND ($2 IS NULL OR user_id = $2) AND ($3 IS NULL OR org_id = $3) \
     AND ($4 = 'all' \
       OR ($4 = 'active' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $5)) \
       OR ($4 = 'expired' AND revoked_at IS NULL AND expires_at <= $5) \
       OR ($4 = 'revoked' AND revoked_at IS NOT NULL))";

const SESSION_FILTER: &str = "user_id = $1 \
     AND ($2 = 'all' \
       OR ($2 = 'active' AND terminated_at IS NULL AND expires_at > $3) \
       OR ($2 = 'expired' AND terminated_at IS NULL AND expires_at <= $3) \
       OR ($2 = 'terminated' AND terminated_at IS NOT NULL))";

impl Sql {
    pub(crate) fn new(dialect: Dialect) -> Self {
        let p = |text: &str| safe(placeholders(dialect, text));
        Self {
            use_put: p("INSERT INTO portcullis_single_use \
                (kind, key, subject, purpose, scope, expires_at, consumed_at, revoked_at, attempts, max_attempts, payload) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                ON CONFLICT (kind, key) DO UPDATE SET subject = excluded.subject, purpose = excluded.purpose, \
                scope = excluded.scope, expires_at = excluded.expires_at, consumed_at = excluded.consumed_at, \
                revoked_at = excluded.revoked_at, attempts = excluded.attempts, \
                max_attempts = excluded.max_attempts, payload = excluded.payload"),
            use_get: p(&format!(
                "SELECT {USE_COLUMNS} FROM portcullis_single_use WHERE kind = $1 AND key = $2"
            )),
            use_consume: p(&format!(
                "UPDATE portcullis_single_use SET consumed_at = $3 \
                 WHERE kind = $1 AND key = $2 AND revoked_at IS NULL AND consumed_at IS NULL AND expires_at > $3 \
                 RETURNING {USE_COLUMNS}"
            )),
            use_count: p(&format!(
                "UPDATE portcullis_single_use SET attempts = attempts + 1 \
                 WHERE kind = $1 AND key = $2 AND revoked_at IS NULL AND consumed_at IS NULL AND expires_at > $3 \
                 AND (max_attempts IS NULL OR attempts < max_attempts) \
                 RETURNING {USE_COLUMNS}"
            )),
            use_revoke: p(&format!(
                "UPDATE portcullis_single_use SET revoked_at = COALESCE(revoked_at, $3) \
                 WHERE kind = $1 AND key = $2 RETURNING {USE_COLUMNS}"
            )),
            use_revoke_subject: p("UPDATE portcullis_single_use SET revoked_at = $5 \
                WHERE kind = $1 AND subject = $2 AND purpose = $3 AND ($4 IS NULL OR scope = $4) \
                AND revoked_at IS NULL AND consumed_at IS NULL AND expires_at > $5"),
            step_advance: p(
                "INSERT INTO portcullis_totp_steps (factor_id, last_step, keep_until) \
                VALUES ($1, $2, $3) ON CONFLICT (factor_id) DO UPDATE \
                SET last_step = excluded.last_step, keep_until = excluded.keep_until \
                WHERE portcullis_totp_steps.last_step < excluded.last_step",
            ),
            step_get: p("SELECT last_step FROM portcullis_totp_steps WHERE factor_id = $1"),
            codes_delete: p("DELETE FROM portcullis_recovery_codes WHERE user_id = $1"),
            codes_set_upsert: p(
                "INSERT INTO portcullis_recovery_sets (user_id, scheme, created_at) \
                VALUES ($1, $2, $3) ON CONFLICT (user_id) DO UPDATE \
                SET scheme = excluded.scheme, created_at = excluded.created_at",
            ),
            codes_insert: p(
                "INSERT INTO portcullis_recovery_codes (user_id, position, digest, used_at) \
                VALUES ($1, $2, $3, $4)",
            ),
            codes_get: p("SELECT s.scheme, s.created_at, c.digest, c.used_at \
                FROM portcullis_recovery_sets s \
                LEFT JOIN portcullis_recovery_codes c ON c.user_id = s.user_id \
                WHERE s.user_id = $1 ORDER BY c.position"),
            codes_consume: p("UPDATE portcullis_recovery_codes SET used_at = $3 \
                WHERE user_id = $1 AND digest = $2 AND used_at IS NULL"),
            codes_used: p(
                "SELECT used_at FROM portcullis_recovery_codes WHERE user_id = $1 AND digest = $2",
            ),
            codes_remaining: p("SELECT COUNT(*) FROM portcullis_recovery_codes \
                WHERE user_id = $1 AND used_at IS NULL"),
            codes_set_delete: p("DELETE FROM portcullis_recovery_sets WHERE user_id = $1"),
            counter_increment: p(
                "INSERT INTO portcullis_counters (key, count, resets_at) VALUES ($1, 1, $3) \
                ON CONFLICT (key) DO UPDATE SET \
                count = CASE WHEN portcullis_counters.resets_at <= $2 THEN 1 ELSE portcullis_counters.count + 1 END, \
                resets_at = CASE WHEN portcullis_counters.resets_at <= $2 THEN $3 ELSE portcullis_counters.resets_at END \
                RETURNING count, resets_at",
            ),
            counter_get: p(
                "SELECT count FROM portcullis_counters WHERE key = $1 AND resets_at > $2",
            ),
            counter_reset: p("DELETE FROM portcullis_counters WHERE key = $1"),
            deny_add: p(
                "INSERT INTO portcullis_deny_list (jti, expires_at) VALUES ($1, $2) \
                ON CONFLICT (jti) DO UPDATE SET expires_at = excluded.expires_at \
                WHERE portcullis_deny_list.expires_at < excluded.expires_at",
            ),
            deny_get: p(
                "SELECT expires_at FROM portcullis_deny_list WHERE jti = $1 AND expires_at > $2",
            ),
            family_create: p(&format!(
                "INSERT INTO portcullis_refresh_families ({FAMILY_COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            )),
            family_get: p(&format!(
                "SELECT {FAMILY_COLUMNS} FROM portcullis_refresh_families WHERE family_id = $1"
            )),
            // Every right-hand side reads the row as it was before this statement, so
            // the outcome, the new digests and the revocation are decided together.
            family_rotate: p(&format!(
                "UPDATE portcullis_refresh_families SET \
                 last_outcome = CASE WHEN current_digest = $2 THEN 'rotated' \
                   WHEN previous_digest = $2 AND rotated_at >= $5 THEN 'grace' ELSE 'reused' END, \
                 previous_digest = CASE WHEN current_digest = $2 THEN current_digest ELSE previous_digest END, \
                 rotated_at = CASE WHEN current_digest = $2 THEN $4 ELSE rotated_at END, \
                 revoked_at = CASE WHEN current_digest = $2 THEN NULL \
                   WHEN previous_digest = $2 AND rotated_at >= $5 THEN NULL ELSE $4 END, \
                 current_digest = CASE WHEN current_digest = $2 THEN $3 ELSE current_digest END \
                 WHERE family_id = $1 AND revoked_at IS NULL AND expires_at > $4 \
                 RETURNING last_outcome, {FAMILY_COLUMNS}"
            )),
            family_revoke: p("UPDATE portcullis_refresh_families SET revoked_at = $2 \
                WHERE family_id = $1 AND revoked_at IS NULL"),
            family_revoke_subject: p("UPDATE portcullis_refresh_families SET revoked_at = $2 \
                WHERE subject = $1 AND revoked_at IS NULL"),
            cred_create: p("INSERT INTO portcullis_credentials \
                (kind, id, user_id, org_id, created_at, expires_at, revoked_at, name, metadata, fingerprint, payload) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"),
            cred_get: p(&format!(
                "SELECT {CREDENTIAL_COLUMNS} FROM portcullis_credentials WHERE kind = $1 AND id = $2"
            )),
            cred_list: p(&format!(
                "SELECT {CREDENTIAL_COLUMNS} FROM portcullis_credentials WHERE {CRED_FILTER} \
                 ORDER BY created_at DESC, id ASC LIMIT $6 OFFSET $7"
            )),
            cred_count: p(&format!(
                "SELECT COUNT(*) FROM portcullis_credentials WHERE {CRED_FILTER}"
            )),
            cred_update: p(&format!(
                "UPDATE portcullis_credentials SET name = CASE WHEN $3 THEN $4 ELSE name END, \
                 metadata = COALESCE($5, metadata) WHERE kind = $1 AND id = $2 RETURNING {CREDENTIAL_COLUMNS}"
            )),
            cred_replace: p(&format!(
                "UPDATE portcullis_credentials SET payload = $4, fingerprint = $5, user_id = $6, org_id = $7, \
                 expires_at = $8 WHERE kind = $1 AND id = $2 AND fingerprint = $3 AND revoked_at IS NULL \
                 RETURNING {CREDENTIAL_COLUMNS}"
            )),
            cred_state: p(
                "SELECT revoked_at FROM portcullis_credentials WHERE kind = $1 AND id = $2",
            ),
            cred_revoke: p(&format!(
                "UPDATE portcullis_credentials SET revoked_at = COALESCE(revoked_at, $3) \
                 WHERE kind = $1 AND id = $2 RETURNING {CREDENTIAL_COLUMNS}"
            )),
            session_create: p(
                "INSERT INTO portcullis_sessions (session_id, token_digest, user_id, started_at, \
                last_accessed_at, expires_at, terminated_at, termination, payload) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            ),
            session_get: p(&format!(
                "SELECT {SESSION_COLUMNS} FROM portcullis_sessions WHERE session_id = $1"
            )),
            session_by_token: p(&format!(
                "SELECT {SESSION_COLUMNS} FROM portcullis_sessions WHERE token_digest = $1"
            )),
            session_touch: p(&format!(
                "UPDATE portcullis_sessions SET last_accessed_at = $2, expires_at = $3 \
                 WHERE session_id = $1 AND terminated_at IS NULL RETURNING {SESSION_COLUMNS}"
            )),
            session_update: p(
                "UPDATE portcullis_sessions SET payload = $2, user_id = $3, started_at = $4, \
                last_accessed_at = $5, expires_at = $6, terminated_at = $7, termination = $8, \
                token_digest = COALESCE($9, token_digest) WHERE session_id = $1 AND terminated_at IS NULL",
            ),
            session_exists: p(
                "SELECT terminated_at FROM portcullis_sessions WHERE session_id = $1",
            ),
            session_revoke: p(
                "UPDATE portcullis_sessions SET terminated_at = $2, termination = $3 \
                WHERE session_id = $1 AND terminated_at IS NULL",
            ),
            session_revoke_all: p(
                "UPDATE portcullis_sessions SET terminated_at = $3, termination = $4 \
                WHERE user_id = $1 AND terminated_at IS NULL AND ($2 IS NULL OR session_id <> $2)",
            ),
            session_list: p(&format!(
                "SELECT {SESSION_COLUMNS} FROM portcullis_sessions WHERE {SESSION_FILTER} \
                 ORDER BY started_at DESC, session_id ASC LIMIT $4 OFFSET $5"
            )),
            session_count: p(&format!(
                "SELECT COUNT(*) FROM portcullis_sessions WHERE {SESSION_FILTER}"
            )),
            session_purge: p(
                "DELETE FROM portcullis_sessions WHERE expires_at <= $1 OR terminated_at <= $1",
            ),
            purge: [
                "DELETE FROM portcullis_single_use WHERE expires_at <= $1",
                "DELETE FROM portcullis_totp_steps WHERE keep_until <= $1",
                "DELETE FROM portcullis_counters WHERE resets_at <= $1",
                "DELETE FROM portcullis_deny_list WHERE expires_at <= $1",
                "DELETE FROM portcullis_refresh_families WHERE expires_at <= $1",
                "DELETE FROM portcullis_sessions WHERE expires_at <= $1 OR terminated_at <= $1",
            ]
            .into_iter()
            .map(p)
            .collect(),
        }
    }
}

/// Maps a `sqlx` error: connection trouble is [`StoreError::Unavailable`], a unique
/// violation [`StoreError::Conflict`], a value that does not decode
/// [`StoreError::Corrupt`].
pub(crate) fn map_error(backend: &'static str, error: sqlx::Error) -> StoreError {
    use sqlx::Error as E;
    match error {
        E::Io(_)
        | E::Tls(_)
        | E::Protocol(_)
        | E::PoolTimedOut
        | E::PoolClosed
        | E::WorkerCrashed => StoreError::Unavailable {
            backend,
            reason: error.to_string(),
        },
        E::Database(db) => {
            if db.is_unique_violation() {
                return StoreError::Conflict;
            }
            // SQLSTATE class 08 (connection exception), 57P01-57P03 (admin shutdown,
            // crash shutdown, cannot connect now), 53300 (too many connections);
            // SQLite's BUSY (5) and LOCKED (6) after the busy timeout.
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let unavailable = code.starts_with("08")
                || code.starts_with("57P")
                || code == "53300"
                || (backend == "sqlite"
                    && code.parse::<u32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6)));
            if unavailable {
                StoreError::Unavailable {
                    backend,
                    reason: db.message().to_owned(),
                }
            } else {
                StoreError::Backend {
                    backend,
                    reason: db.message().to_owned(),
                }
            }
        }
        E::ColumnDecode { .. }
        | E::Decode(_)
        | E::ColumnNotFound(_)
        | E::ColumnIndexOutOfBounds { .. }
        | E::TypeNotFound { .. } => StoreError::corrupt(error),
        other => StoreError::Backend {
            backend,
            reason: other.to_string(),
        },
    }
}

/// Status filter names used in the listing statements.
pub(crate) fn credential_filter(filter: crate::StatusFilter) -> &'static str {
    use portcullis_token::api_key::ApiKeyStatus;
    match filter {
        crate::StatusFilter::All => "all",
        crate::StatusFilter::Only(ApiKeyStatus::Active) => "active",
        crate::StatusFilter::Only(ApiKeyStatus::Expired) => "expired",
        crate::StatusFilter::Only(ApiKeyStatus::Revoked) => "revoked",
    }
}

pub(crate) fn session_filter(status: Option<portcullis_session::Status>) -> &'static str {
    use portcullis_session::Status;
    match status {
        None => "all",
        Some(Status::Active) => "active",
        Some(Status::Expired) => "expired",
        Some(Status::Terminated) => "terminated",
    }
}

pub(crate) fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// The trait implementations, once for each `sqlx` database.
macro_rules! sql_store {
    ($store:ident, $db:ty, $backend:literal) => {
        use portcullis_core::{Duration, OffsetDateTime};
        use portcullis_otp::recovery::{Scheme, StoredRecoveryCode};
        use portcullis_otp::{RecoveryCodeSet, Step};
        use portcullis_session::{Session, Status, Termination};
        use portcullis_token::SecretDigest;
        use portcullis_token::api_key::Owner;
        use sqlx::Row as _;

        use crate::StoreError;
        use crate::logic::{self, UseRow, outcome};
        use crate::model::{
            Credential, CredentialUpdate, Listing, PageRequest, RefreshFamily, Rotation,
            SingleUseRecord, StatusFilter, from_nanos, nanos,
        };
        use crate::sql::{credential_filter, map_error, session_filter, to_i64};
        use crate::traits::{
            Count, CounterStore, CredentialStore, DenyListStore, RecoveryCodeStore,
            RefreshFamilyStore, SessionStore, SingleUseStore, TotpStepStore,
        };

        type Row = <$db as sqlx::Database>::Row;

        fn err(error: sqlx::Error) -> StoreError {
            map_error($backend, error)
        }

        fn use_row(row: &Row) -> Result<(UseRow, String), StoreError> {
            let row_state = UseRow {
                expires_at: row.try_get(0).map_err(err)?,
                consumed_at: row.try_get(1).map_err(err)?,
                revoked_at: row.try_get(2).map_err(err)?,
                attempts: logic::to_u32(row.try_get(3).map_err(err)?)?,
                max_attempts: row
                    .try_get::<Option<i64>, _>(4)
                    .map_err(err)?
                    .map(logic::to_u32)
                    .transpose()?,
            };
            Ok((row_state, row.try_get(5).map_err(err)?))
        }

        fn session_row(row: &Row) -> Result<Session, StoreError> {
            let payload: String = row.try_get(0).map_err(err)?;
            let termination: Option<String> = row.try_get(3).map_err(err)?;
            logic::session(
                &payload,
                row.try_get(1).map_err(err)?,
                row.try_get(2).map_err(err)?,
                termination.as_deref(),
            )
        }

        fn credential_row<R: Credential>(row: &Row) -> Result<R, StoreError> {
            let payload: String = row.try_get(0).map_err(err)?;
            let mut record: R = serde_json::from_str(&payload)?;
            record.set_name(row.try_get(1).map_err(err)?);
            let metadata: String = row.try_get(2).map_err(err)?;
            record.set_metadata(serde_json::from_str(&metadata)?);
            record.set_revoked_at(
                row.try_get::<Option<i64>, _>(3)
                    .map_err(err)?
                    .map(from_nanos),
            );
            Ok(record)
        }

        fn family_row(row: &Row, offset: usize) -> Result<RefreshFamily, StoreError> {
            let digest = |text: String| {
                SecretDigest::parse(&text).map_err(|_| StoreError::corrupt("digest"))
            };
            let payload: String = row.try_get(offset + 8).map_err(err)?;
            Ok(RefreshFamily {
                family_id: row.try_get(offset).map_err(err)?,
                subject: row.try_get(offset + 1).map_err(err)?,
                current: digest(row.try_get(offset + 2).map_err(err)?)?,
                previous: row
                    .try_get::<Option<String>, _>(offset + 3)
                    .map_err(err)?
                    .map(digest)
                    .transpose()?,
                rotated_at: row
                    .try_get::<Option<i64>, _>(offset + 4)
                    .map_err(err)?
                    .map(from_nanos),
                created_at: from_nanos(row.try_get(offset + 5).map_err(err)?),
                expires_at: from_nanos(row.try_get(offset + 6).map_err(err)?),
                revoked_at: row
                    .try_get::<Option<i64>, _>(offset + 7)
                    .map_err(err)?
                    .map(from_nanos),
                payload: serde_json::from_str(&payload)?,
            })
        }

        fn termination_text(termination: &Termination) -> Result<String, StoreError> {
            Ok(serde_json::to_string(termination)?)
        }

        impl $store {
            /// The state of a single-use record, to explain a statement that changed
            /// nothing.
            async fn explain_use(
                &self,
                kind: &str,
                key: &str,
                now: i64,
                counting: bool,
            ) -> StoreError {
                let row = sqlx::query(self.sql.use_get.clone())
                    .bind(kind)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await;
                match row {
                    Err(error) => err(error),
                    Ok(None) => StoreError::NotFound,
                    Ok(Some(row)) => match use_row(&row) {
                        Err(error) => error,
                        // Changed between the two statements: report a lost race.
                        Ok((state, _)) => {
                            state.refusal(now, counting).unwrap_or(StoreError::Conflict)
                        }
                    },
                }
            }
        }

        impl SingleUseStore for $store {
            async fn put<R: SingleUseRecord>(&self, record: &R) -> Result<(), StoreError> {
                let state = UseRow::of(record);
                sqlx::query(self.sql.use_put.clone())
                    .bind(R::KIND)
                    .bind(record.key())
                    .bind(record.subject())
                    .bind(record.purpose())
                    .bind(record.scope())
                    .bind(state.expires_at)
                    .bind(state.consumed_at)
                    .bind(state.revoked_at)
                    .bind(i64::from(state.attempts))
                    .bind(state.max_attempts.map(i64::from))
                    .bind(serde_json::to_string(record)?)
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                Ok(())
            }

            async fn peek<R: SingleUseRecord>(
                &self,
                key: &str,
                now: OffsetDateTime,
            ) -> Result<R, StoreError> {
                let row = sqlx::query(self.sql.use_get.clone())
                    .bind(R::KIND)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?
                    .ok_or(StoreError::NotFound)?;
                let (state, payload) = use_row(&row)?;
                if let Some(refusal) = state.refusal(nanos(now), false) {
                    return Err(refusal);
                }
                state.record(&payload, false)
            }

            async fn consume<R: SingleUseRecord>(
                &self,
                key: &str,
                now: OffsetDateTime,
            ) -> Result<R, StoreError> {
                let now = nanos(now);
                let row = sqlx::query(self.sql.use_consume.clone())
                    .bind(R::KIND)
                    .bind(key)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?;
                match row {
                    Some(row) => {
                        let (state, payload) = use_row(&row)?;
                        state.record(&payload, false)
                    }
                    None => Err(self.explain_use(R::KIND, key, now, false).await),
                }
            }

            async fn count_attempt<R: SingleUseRecord>(
                &self,
                key: &str,
                now: OffsetDateTime,
            ) -> Result<R, StoreError> {
                let now = nanos(now);
                let row = sqlx::query(self.sql.use_count.clone())
                    .bind(R::KIND)
                    .bind(key)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?;
                match row {
                    Some(row) => {
                        let (state, payload) = use_row(&row)?;
                        state.record(&payload, true)
                    }
                    None => Err(self.explain_use(R::KIND, key, now, true).await),
                }
            }

            async fn revoke<R: SingleUseRecord>(
                &self,
                key: &str,
                now: OffsetDateTime,
            ) -> Result<R, StoreError> {
                let row = sqlx::query(self.sql.use_revoke.clone())
                    .bind(R::KIND)
                    .bind(key)
                    .bind(nanos(now))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?
                    .ok_or(StoreError::NotFound)?;
                let (state, payload) = use_row(&row)?;
                state.record(&payload, false)
            }

            async fn revoke_for_subject<R: SingleUseRecord>(
                &self,
                subject: &str,
                purpose: &str,
                scope: Option<&str>,
                now: OffsetDateTime,
            ) -> Result<u64, StoreError> {
                let done = sqlx::query(self.sql.use_revoke_subject.clone())
                    .bind(R::KIND)
                    .bind(subject)
                    .bind(purpose)
                    .bind(scope)
                    .bind(nanos(now))
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                Ok(done.rows_affected())
            }
        }

        impl TotpStepStore for $store {
            async fn advance_step(
                &self,
                factor_id: &str,
                step: Step,
                keep_until: OffsetDateTime,
            ) -> Result<bool, StoreError> {
                let step = i64::try_from(step.get())
                    .map_err(|_| StoreError::Invalid("step out of range"))?;
                let done = sqlx::query(self.sql.step_advance.clone())
                    .bind(factor_id)
                    .bind(step)
                    .bind(nanos(keep_until))
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn last_step(&self, factor_id: &str) -> Result<Option<Step>, StoreError> {
                let row = sqlx::query(self.sql.step_get.clone())
                    .bind(factor_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?;
                row.map(|row| {
                    let step: i64 = row.try_get(0).map_err(err)?;
                    u64::try_from(step)
                        .map(Step)
                        .map_err(|_| StoreError::corrupt("step"))
                })
                .transpose()
            }
        }

        impl RecoveryCodeStore for $store {
            async fn replace_codes(
                &self,
                user_id: &str,
                set: &RecoveryCodeSet,
            ) -> Result<(), StoreError> {
                let scheme = serde_json::to_string(&set.scheme)?;
                let mut tx = self.pool.begin().await.map_err(err)?;
                sqlx::query(self.sql.codes_delete.clone())
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                sqlx::query(self.sql.codes_set_upsert.clone())
                    .bind(user_id)
                    .bind(scheme)
                    .bind(set.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                for (position, code) in set.codes.iter().enumerate() {
                    sqlx::query(self.sql.codes_insert.clone())
                        .bind(user_id)
                        .bind(i64::try_from(position).unwrap_or(i64::MAX))
                        .bind(&code.digest)
                        .bind(code.used_at)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                }
                tx.commit().await.map_err(err)
            }

            async fn get_codes(&self, user_id: &str) -> Result<RecoveryCodeSet, StoreError> {
                let rows = sqlx::query(self.sql.codes_get.clone())
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(err)?;
                let first = rows.first().ok_or(StoreError::NotFound)?;
                let scheme: String = first.try_get(0).map_err(err)?;
                let scheme: Scheme = serde_json::from_str(&scheme)?;
                let created_at: i64 = first.try_get(1).map_err(err)?;
                let mut codes = Vec::with_capacity(rows.len());
                for row in &rows {
                    if let Some(digest) = row.try_get::<Option<String>, _>(2).map_err(err)? {
                        codes.push(StoredRecoveryCode {
                            digest,
                            used_at: row.try_get(3).map_err(err)?,
                        });
                    }
                }
                Ok(RecoveryCodeSet {
                    scheme,
                    codes,
                    created_at,
                })
            }

            async fn consume_code(
                &self,
                user_id: &str,
                digest: &str,
                now: OffsetDateTime,
            ) -> Result<u64, StoreError> {
                let done = sqlx::query(self.sql.codes_consume.clone())
                    .bind(user_id)
                    .bind(digest)
                    .bind(now.unix_timestamp())
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                if done.rows_affected() == 1 {
                    return self.remaining_codes(user_id).await;
                }
                let used = sqlx::query(self.sql.codes_used.clone())
                    .bind(user_id)
                    .bind(digest)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?;
                match used {
                    None => Err(StoreError::NotFound),
                    Some(_) => Err(StoreError::AlreadyUsed),
                }
            }

            async fn remaining_codes(&self, user_id: &str) -> Result<u64, StoreError> {
                let row = sqlx::query(self.sql.codes_remaining.clone())
                    .bind(user_id)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(err)?;
                logic::to_u64(row.try_get(0).map_err(err)?)
            }

            async fn delete_codes(&self, user_id: &str) -> Result<bool, StoreError> {
                let mut tx = self.pool.begin().await.map_err(err)?;
                sqlx::query(self.sql.codes_delete.clone())
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                let done = sqlx::query(self.sql.codes_set_delete.clone())
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                tx.commit().await.map_err(err)?;
                Ok(done.rows_affected() == 1)
            }
        }

        impl CounterStore for $store {
            async fn increment(
                &self,
                key: &str,
                window: Duration,
                now: OffsetDateTime,
            ) -> Result<Count, StoreError> {
                let row = sqlx::query(self.sql.counter_increment.clone())
                    .bind(key)
                    .bind(nanos(now))
                    .bind(nanos(now + window))
                    .fetch_one(&self.pool)
                    .await
                    .map_err(err)?;
                Ok(Count {
                    count: logic::to_u64(row.try_get(0).map_err(err)?)?,
                    resets_at: from_nanos(row.try_get(1).map_err(err)?),
                })
            }

            async fn count(&self, key: &str, now: OffsetDateTime) -> Result<u64, StoreError> {
                let row = sqlx::query(self.sql.counter_get.clone())
                    .bind(key)
                    .bind(nanos(now))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?;
                match row {
                    Some(row) => logic::to_u64(row.try_get(0).map_err(err)?),
                    None => Ok(0),
                }
            }

            async fn reset(&self, key: &str) -> Result<(), StoreError> {
                sqlx::query(self.sql.counter_reset.clone())
                    .bind(key)
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                Ok(())
            }
        }

        impl DenyListStore for $store {
            async fn deny(&self, jti: &str, expires_at: OffsetDateTime) -> Result<(), StoreError> {
                sqlx::query(self.sql.deny_add.clone())
                    .bind(jti)
                    .bind(nanos(expires_at))
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                Ok(())
            }

            async fn is_denied(&self, jti: &str, now: OffsetDateTime) -> Result<bool, StoreError> {
                let row = sqlx::query(self.sql.deny_get.clone())
                    .bind(jti)
                    .bind(nanos(now))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?;
                Ok(row.is_some())
            }
        }

        impl RefreshFamilyStore for $store {
            async fn create_family(&self, family: &RefreshFamily) -> Result<(), StoreError> {
                sqlx::query(self.sql.family_create.clone())
                    .bind(&family.family_id)
                    .bind(&family.subject)
                    .bind(family.current.to_string())
                    .bind(family.previous.as_ref().map(ToString::to_string))
                    .bind(family.rotated_at.map(nanos))
                    .bind(nanos(family.created_at))
                    .bind(nanos(family.expires_at))
                    .bind(family.revoked_at.map(nanos))
                    .bind(serde_json::to_string(&family.payload)?)
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                Ok(())
            }

            async fn get_family(&self, family_id: &str) -> Result<RefreshFamily, StoreError> {
                let row = sqlx::query(self.sql.family_get.clone())
                    .bind(family_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?
                    .ok_or(StoreError::NotFound)?;
                family_row(&row, 0)
            }

            async fn rotate(
                &self,
                family_id: &str,
                presented: &[SecretDigest],
                successor: &SecretDigest,
                now: OffsetDateTime,
                grace: Duration,
            ) -> Result<Rotation, StoreError> {
                let presented = match presented {
                    // Nothing presented matches nothing: judged (and refused) as reuse.
                    [] => String::new(),
                    [one] => one.to_string(),
                    // Several candidates (an HMAC key ring mid-rotation): the family's
                    // stored digests say which one to present. The read only picks
                    // the representation; the statement below still decides the
                    // outcome atomically against the row as it then is.
                    candidates => {
                        let texts: Vec<String> =
                            candidates.iter().map(ToString::to_string).collect();
                        match self.get_family(family_id).await {
                            Ok(family) => {
                                let stored = [Some(&family.current), family.previous.as_ref()];
                                stored
                                    .into_iter()
                                    .flatten()
                                    .map(ToString::to_string)
                                    .find(|s| texts.contains(s))
                                    .unwrap_or_else(|| texts[0].clone())
                            }
                            Err(StoreError::NotFound) => return Ok(Rotation::NotFound),
                            Err(error) => return Err(error),
                        }
                    }
                };
                let row = sqlx::query(self.sql.family_rotate.clone())
                    .bind(family_id)
                    .bind(presented)
                    .bind(successor.to_string())
                    .bind(nanos(now))
                    .bind(nanos(now - grace))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?;
                if let Some(row) = row {
                    let outcome_name: String = row.try_get(0).map_err(err)?;
                    let family = family_row(&row, 1)?;
                    return match outcome_name.as_str() {
                        outcome::ROTATED => Ok(Rotation::Rotated(family)),
                        outcome::GRACE => Ok(Rotation::Grace(family)),
                        outcome::REUSED => Ok(Rotation::Reused),
                        _ => Err(StoreError::corrupt("rotation outcome")),
                    };
                }
                match self.get_family(family_id).await {
                    Err(StoreError::NotFound) => Ok(Rotation::NotFound),
                    Err(error) => Err(error),
                    Ok(family) if family.revoked_at.is_some() => Ok(Rotation::Revoked),
                    Ok(family) if now >= family.expires_at => Ok(Rotation::Expired),
                    Ok(_) => Err(StoreError::Conflict),
                }
            }

            async fn revoke_family(
                &self,
                family_id: &str,
                now: OffsetDateTime,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(self.sql.family_revoke.clone())
                    .bind(family_id)
                    .bind(nanos(now))
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                if done.rows_affected() == 1 {
                    return Ok(true);
                }
                self.get_family(family_id).await.map(|_| false)
            }

            async fn revoke_families(
                &self,
                subject: &str,
                now: OffsetDateTime,
            ) -> Result<u64, StoreError> {
                let done = sqlx::query(self.sql.family_revoke_subject.clone())
                    .bind(subject)
                    .bind(nanos(now))
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                Ok(done.rows_affected())
            }
        }

        impl CredentialStore for $store {
            async fn create_credential<R: Credential>(&self, record: &R) -> Result<(), StoreError> {
                sqlx::query(self.sql.cred_create.clone())
                    .bind(R::KIND)
                    .bind(record.id())
                    .bind(record.owner().user_id.as_deref())
                    .bind(record.owner().org_id.as_deref())
                    .bind(nanos(record.created_at()))
                    .bind(record.expires_at().map(nanos))
                    .bind(record.revoked_at().map(nanos))
                    .bind(record.name())
                    .bind(serde_json::to_string(record.metadata())?)
                    .bind(record.fingerprint())
                    .bind(serde_json::to_string(record)?)
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                Ok(())
            }

            async fn get_credential<R: Credential>(&self, id: &str) -> Result<R, StoreError> {
                let row = sqlx::query(self.sql.cred_get.clone())
                    .bind(R::KIND)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?
                    .ok_or(StoreError::NotFound)?;
                credential_row(&row)
            }

            async fn list_credentials<R: Credential>(
                &self,
                owner: &Owner,
                filter: StatusFilter,
                now: OffsetDateTime,
                page: PageRequest,
            ) -> Result<Listing<R>, StoreError> {
                crate::model::check_owner_filter(owner)?;
                let (skip, take) = page.window()?;
                let rows = sqlx::query(self.sql.cred_list.clone())
                    .bind(R::KIND)
                    .bind(owner.user_id.as_deref())
                    .bind(owner.org_id.as_deref())
                    .bind(credential_filter(filter))
                    .bind(nanos(now))
                    .bind(to_i64(take))
                    .bind(to_i64(skip))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(err)?;
                let items = rows
                    .iter()
                    .map(credential_row)
                    .collect::<Result<Vec<R>, _>>()?;
                let total = if page.with_total {
                    let row = sqlx::query(self.sql.cred_count.clone())
                        .bind(R::KIND)
                        .bind(owner.user_id.as_deref())
                        .bind(owner.org_id.as_deref())
                        .bind(credential_filter(filter))
                        .bind(nanos(now))
                        .fetch_one(&self.pool)
                        .await
                        .map_err(err)?;
                    Some(logic::to_u64(row.try_get(0).map_err(err)?)?)
                } else {
                    None
                };
                Ok(Listing { items, total })
            }

            async fn update_credential<R: Credential>(
                &self,
                id: &str,
                update: &CredentialUpdate,
            ) -> Result<R, StoreError> {
                let metadata = update
                    .metadata
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()?;
                let row = sqlx::query(self.sql.cred_update.clone())
                    .bind(R::KIND)
                    .bind(id)
                    .bind(update.name.is_some())
                    .bind(update.name.clone().flatten())
                    .bind(metadata)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?
                    .ok_or(StoreError::NotFound)?;
                credential_row(&row)
            }

            async fn replace_credential<R: Credential>(
                &self,
                id: &str,
                expected: &str,
                record: &R,
            ) -> Result<R, StoreError> {
                if record.id() != id {
                    return Err(StoreError::Conflict);
                }
                let row = sqlx::query(self.sql.cred_replace.clone())
                    .bind(R::KIND)
                    .bind(id)
                    .bind(expected)
                    .bind(serde_json::to_string(record)?)
                    .bind(record.fingerprint())
                    .bind(record.owner().user_id.as_deref())
                    .bind(record.owner().org_id.as_deref())
                    .bind(record.expires_at().map(nanos))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?;
                if let Some(row) = row {
                    return credential_row(&row);
                }
                let state = sqlx::query(self.sql.cred_state.clone())
                    .bind(R::KIND)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?
                    .ok_or(StoreError::NotFound)?;
                match state.try_get::<Option<i64>, _>(0).map_err(err)? {
                    Some(_) => Err(StoreError::Revoked),
                    None => Err(StoreError::Conflict),
                }
            }

            async fn revoke_credential<R: Credential>(
                &self,
                id: &str,
                now: OffsetDateTime,
            ) -> Result<R, StoreError> {
                let row = sqlx::query(self.sql.cred_revoke.clone())
                    .bind(R::KIND)
                    .bind(id)
                    .bind(nanos(now))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?
                    .ok_or(StoreError::NotFound)?;
                credential_row(&row)
            }
        }

        impl SessionStore for $store {
            async fn create_session(
                &self,
                session: &Session,
                token_digest: &SecretDigest,
            ) -> Result<(), StoreError> {
                let termination = session
                    .termination
                    .as_ref()
                    .map(termination_text)
                    .transpose()?;
                sqlx::query(self.sql.session_create.clone())
                    .bind(&session.session_id)
                    .bind(token_digest.to_string())
                    .bind(&session.user_id)
                    .bind(nanos(session.started_at))
                    .bind(nanos(session.last_accessed_at))
                    .bind(nanos(session.expires_at))
                    .bind(session.termination.map(|t| nanos(t.terminated_at)))
                    .bind(termination)
                    .bind(serde_json::to_string(session)?)
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                Ok(())
            }

            async fn get_session(&self, session_id: &str) -> Result<Session, StoreError> {
                let row = sqlx::query(self.sql.session_get.clone())
                    .bind(session_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?
                    .ok_or(StoreError::NotFound)?;
                session_row(&row)
            }

            async fn get_session_by_token(
                &self,
                token_digest: &SecretDigest,
            ) -> Result<Session, StoreError> {
                let row = sqlx::query(self.sql.session_by_token.clone())
                    .bind(token_digest.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?
                    .ok_or(StoreError::NotFound)?;
                session_row(&row)
            }

            async fn touch_session(
                &self,
                session_id: &str,
                last_accessed_at: OffsetDateTime,
                expires_at: OffsetDateTime,
            ) -> Result<Session, StoreError> {
                let row = sqlx::query(self.sql.session_touch.clone())
                    .bind(session_id)
                    .bind(nanos(last_accessed_at))
                    .bind(nanos(expires_at))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?;
                match row {
                    Some(row) => session_row(&row),
                    None => Err(self.explain_session(session_id).await),
                }
            }

            async fn update_session(
                &self,
                session: &Session,
                new_token_digest: Option<&SecretDigest>,
            ) -> Result<(), StoreError> {
                let termination = session
                    .termination
                    .as_ref()
                    .map(termination_text)
                    .transpose()?;
                let done = sqlx::query(self.sql.session_update.clone())
                    .bind(&session.session_id)
                    .bind(serde_json::to_string(session)?)
                    .bind(&session.user_id)
                    .bind(nanos(session.started_at))
                    .bind(nanos(session.last_accessed_at))
                    .bind(nanos(session.expires_at))
                    .bind(session.termination.map(|t| nanos(t.terminated_at)))
                    .bind(termination)
                    .bind(new_token_digest.map(ToString::to_string))
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                if done.rows_affected() == 1 {
                    Ok(())
                } else {
                    Err(self.explain_session(&session.session_id).await)
                }
            }

            async fn revoke_session(
                &self,
                session_id: &str,
                termination: Termination,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(self.sql.session_revoke.clone())
                    .bind(session_id)
                    .bind(nanos(termination.terminated_at))
                    .bind(termination_text(&termination)?)
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                if done.rows_affected() == 1 {
                    return Ok(true);
                }
                match self.explain_session(session_id).await {
                    StoreError::Revoked => Ok(false),
                    other => Err(other),
                }
            }

            async fn revoke_sessions(
                &self,
                user_id: &str,
                except: Option<&str>,
                termination: Termination,
            ) -> Result<u64, StoreError> {
                let done = sqlx::query(self.sql.session_revoke_all.clone())
                    .bind(user_id)
                    .bind(except)
                    .bind(nanos(termination.terminated_at))
                    .bind(termination_text(&termination)?)
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                Ok(done.rows_affected())
            }

            async fn list_sessions(
                &self,
                user_id: &str,
                status: Option<Status>,
                now: OffsetDateTime,
                page: PageRequest,
            ) -> Result<Listing<Session>, StoreError> {
                let (skip, take) = page.window()?;
                let rows = sqlx::query(self.sql.session_list.clone())
                    .bind(user_id)
                    .bind(session_filter(status))
                    .bind(nanos(now))
                    .bind(to_i64(take))
                    .bind(to_i64(skip))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(err)?;
                let items = rows
                    .iter()
                    .map(session_row)
                    .collect::<Result<Vec<_>, _>>()?;
                let total = if page.with_total {
                    let row = sqlx::query(self.sql.session_count.clone())
                        .bind(user_id)
                        .bind(session_filter(status))
                        .bind(nanos(now))
                        .fetch_one(&self.pool)
                        .await
                        .map_err(err)?;
                    Some(logic::to_u64(row.try_get(0).map_err(err)?)?)
                } else {
                    None
                };
                Ok(Listing { items, total })
            }

            async fn purge_sessions(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
                let done = sqlx::query(self.sql.session_purge.clone())
                    .bind(nanos(before))
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                Ok(done.rows_affected())
            }
        }

        impl $store {
            /// Deletes every row whose expiry (or termination) is before `before`:
            /// single-use records, TOTP guards, counters, deny-list entries, refresh
            /// families and sessions; recovery codes and credentials are kept. Run it
            /// now and then (expired rows are kept until then so that a late
            /// presenter hears "expired", not "not found"). Returns how many rows
            /// were deleted.
            ///
            /// # Errors
            /// [`StoreError::Unavailable`] when the database cannot be reached.
            pub async fn purge_expired(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
                let mut deleted = 0;
                for statement in &self.sql.purge {
                    let done = sqlx::query(statement.clone())
                        .bind(nanos(before))
                        .execute(&self.pool)
                        .await
                        .map_err(err)?;
                    deleted += done.rows_affected();
                }
                Ok(deleted)
            }

            /// Why a statement on a session changed nothing: not found, or terminated.
            async fn explain_session(&self, session_id: &str) -> StoreError {
                let row = sqlx::query(self.sql.session_exists.clone())
                    .bind(session_id)
                    .fetch_optional(&self.pool)
                    .await;
                match row {
                    Err(error) => err(error),
                    Ok(None) => StoreError::NotFound,
                    Ok(Some(row)) => match row.try_get::<Option<i64>, _>(0) {
                        Err(error) => err(error),
                        Ok(Some(_)) => StoreError::Revoked,
                        Ok(None) => StoreError::Conflict,
                    },
                }
            }

            /// Applies the embedded migrations not applied yet, each in one
            /// transaction whose first write claims its version (so concurrent
            /// openers apply it once).
            async fn migrate(pool: &sqlx::Pool<$db>) -> Result<(), StoreError> {
                sqlx::query(crate::sql::MIGRATIONS_TABLE)
                    .execute(pool)
                    .await
                    .map_err(err)?;
                let claim = crate::sql::safe(crate::sql::placeholders(
                    Self::DIALECT,
                    crate::sql::CLAIM_MIGRATION,
                ));
                for (version, text) in crate::sql::MIGRATIONS {
                    let mut tx = pool.begin().await.map_err(err)?;
                    let claimed = sqlx::query(claim.clone())
                        .bind(*version)
                        .bind(nanos(OffsetDateTime::now_utc()))
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                    if claimed.rows_affected() == 1 {
                        for statement in crate::sql::statements(text) {
                            sqlx::query(sqlx::AssertSqlSafe(statement))
                                .execute(&mut *tx)
                                .await
                                .map_err(err)?;
                        }
                    }
                    tx.commit().await.map_err(err)?;
                }
                Ok(())
            }
        }
    };
}
pub(crate) use sql_store;
