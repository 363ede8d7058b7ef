//! The Redis backend (feature `redis`).
//!
//! One reconnecting [`::redis::aio::ConnectionManager`] carries
//! every operation. Each state change is one Lua script (Redis runs a script
//! atomically: nothing else runs between its reads and writes) or one command;
//! reads that change nothing are plain commands. Every key this store writes has a
//! TTL (see the key layout in the [crate docs](crate#redis-key-layout)): records keep
//! their expiry plus a configurable `retention` (so late presenters hear
//! [`StoreError::Expired`] rather than [`StoreError::NotFound`]), records without an
//! expiry keep `default_ttl` from their last write, and indexes keep the longest TTL
//! of what they index.
//!
//! The scripts touch keys derived from index members, so this backend is for a
//! single Redis server (or a primary with replicas), not Redis Cluster.
//!
//! A dropped connection (a restarted server, `CLIENT KILL`) fails the operations in
//! flight with [`StoreError::Unavailable`]; the manager reconnects in the
//! background and later operations go through.
//!
//! ```no_run
//! use portcullis_store::{RedisConfig, RedisStore};
//!
//! # async fn open() -> Result<(), portcullis_store::StoreError> {
//! let store = RedisStore::open(RedisConfig::new("redis://127.0.0.1:6379").prefix("myapp:auth:")).await?;
//! # Ok(()) }
//! ```

mod scripts;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{AsyncCommands as _, FromRedisValue, Script};
use portcullis_core::{Duration, OffsetDateTime};
use portcullis_otp::recovery::{Scheme, StoredRecoveryCode};
use portcullis_otp::{RecoveryCodeSet, Step};
use portcullis_session::{Session, Status, Termination};
use portcullis_token::SecretDigest;
use portcullis_token::api_key::Owner;
use serde::{Deserialize, Serialize};

use crate::StoreError;
use crate::logic::{self, UseRow};
use crate::model::{
    Credential, CredentialUpdate, Listing, PageRequest, RefreshFamily, Rotation, SingleUseRecord,
    StatusFilter, from_nanos, nanos,
};
use crate::traits::{
    Count, CounterStore, CredentialStore, DenyListStore, RecoveryCodeStore, RefreshFamilyStore,
    SessionStore, SingleUseStore, TotpStepStore,
};

const BACKEND: &str = "redis";

/// How to reach Redis and how long keys live, with each setting's default. Its
/// `Debug` output hides the URL's user information.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisConfig {
    /// Connection URL (`redis://host:port/db`, `rediss://` for TLS is not enabled).
    pub url: String,
    /// Prefix of every key (default `portcullis:`). No glob characters (`*?[]\`).
    pub prefix: String,
    /// How long a record stays after its expiry (default 1 day).
    pub retention: Duration,
    /// TTL from the last write of records that have no expiry: recovery codes, API
    /// keys and clients without one (default 400 days).
    pub default_ttl: Duration,
    /// Timeout of one connection attempt (default 2 seconds).
    pub connection_timeout: StdDuration,
    /// Timeout of one command (default 5 seconds).
    pub response_timeout: StdDuration,
    /// Connection attempts after the first, when (re)connecting (default 2).
    pub reconnect_retries: usize,
}

impl RedisConfig {
    /// The defaults, for the server at `url`.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            prefix: "portcullis:".to_owned(),
            retention: Duration::days(1),
            default_ttl: Duration::days(400),
            connection_timeout: StdDuration::from_secs(2),
            response_timeout: StdDuration::from_secs(5),
            reconnect_retries: 2,
        }
    }

    /// With this key prefix.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Keeping records this long after their expiry.
    #[must_use]
    pub const fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// With this TTL for records without an expiry.
    #[must_use]
    pub const fn default_ttl(mut self, ttl: Duration) -> Self {
        self.default_ttl = ttl;
        self
    }

    /// With these connection and command timeouts.
    #[must_use]
    pub const fn timeouts(mut self, connection: StdDuration, response: StdDuration) -> Self {
        self.connection_timeout = connection;
        self.response_timeout = response;
        self
    }
}

impl std::fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &crate::model::redact_url(&self.url))
            .field("prefix", &self.prefix)
            .field("retention", &self.retention)
            .field("default_ttl", &self.default_ttl)
            .field("connection_timeout", &self.connection_timeout)
            .field("response_timeout", &self.response_timeout)
            .field("reconnect_retries", &self.reconnect_retries)
            .finish()
    }
}

struct Scripts {
    su_put: Script,
    su_consume: Script,
    su_count: Script,
    su_revoke: Script,
    su_revoke_subject: Script,
    step_advance: Script,
    codes_replace: Script,
    codes_consume: Script,
    counter_increment: Script,
    deny_add: Script,
    family_create: Script,
    family_rotate: Script,
    family_revoke: Script,
    family_revoke_subject: Script,
    cred_create: Script,
    cred_list: Script,
    cred_update: Script,
    cred_replace: Script,
    cred_revoke: Script,
    session_create: Script,
    session_touch: Script,
    session_update: Script,
    session_revoke: Script,
    session_revoke_all: Script,
    session_list: Script,
    session_purge_one: Script,
}

impl Scripts {
    fn new() -> Self {
        use scripts as s;
        Self {
            su_put: Script::new(s::SU_PUT),
            su_consume: Script::new(&s::su_consume()),
            su_count: Script::new(&s::su_count()),
            su_revoke: Script::new(s::SU_REVOKE),
            su_revoke_subject: Script::new(s::SU_REVOKE_SUBJECT),
            step_advance: Script::new(s::STEP_ADVANCE),
            codes_replace: Script::new(s::CODES_REPLACE),
            codes_consume: Script::new(s::CODES_CONSUME),
            counter_increment: Script::new(s::COUNTER_INCREMENT),
            deny_add: Script::new(s::DENY_ADD),
            family_create: Script::new(s::FAMILY_CREATE),
            family_rotate: Script::new(s::FAMILY_ROTATE),
            family_revoke: Script::new(s::FAMILY_REVOKE),
            family_revoke_subject: Script::new(s::FAMILY_REVOKE_SUBJECT),
            cred_create: Script::new(s::CRED_CREATE),
            cred_list: Script::new(s::CRED_LIST),
            cred_update: Script::new(s::CRED_UPDATE),
            cred_replace: Script::new(s::CRED_REPLACE),
            cred_revoke: Script::new(s::CRED_REVOKE),
            session_create: Script::new(s::SESSION_CREATE),
            session_touch: Script::new(s::SESSION_TOUCH),
            session_update: Script::new(s::SESSION_UPDATE),
            session_revoke: Script::new(s::SESSION_REVOKE),
            session_revoke_all: Script::new(s::SESSION_REVOKE_ALL),
            session_list: Script::new(s::SESSION_LIST),
            session_purge_one: Script::new(s::SESSION_PURGE_ONE),
        }
    }
}

/// The Redis store. Cloning it shares the connection.
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: Arc<str>,
    retention_ms: i64,
    default_ttl_ms: i64,
    scripts: Arc<Scripts>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn err(error: ::redis::RedisError) -> StoreError {
    if error.is_io_error()
        || error.is_connection_refusal()
        || error.is_connection_dropped()
        || error.is_timeout()
        || error.is_unrecoverable_error()
    {
        StoreError::Unavailable {
            backend: BACKEND,
            reason: error.to_string(),
        }
    } else {
        StoreError::Backend {
            backend: BACKEND,
            reason: error.to_string(),
        }
    }
}

/// An instant as a 20-digit string whose string order is time order.
fn ts(n: i64) -> String {
    // Flipping the sign bit maps i64 order onto u64 order.
    format!("{:020}", (n as u64) ^ (1 << 63))
}

fn opt_ts(n: Option<i64>) -> String {
    n.map(ts).unwrap_or_default()
}

fn parse_ts(text: &str) -> Result<i64, StoreError> {
    let raw: u64 = text.parse().map_err(|_| StoreError::corrupt("timestamp"))?;
    Ok((raw ^ (1 << 63)) as i64)
}

fn parse_opt_ts(text: Option<&str>) -> Result<Option<i64>, StoreError> {
    match text {
        None | Some("") => Ok(None),
        Some(text) => parse_ts(text).map(Some),
    }
}

fn enc_opt(value: Option<&str>) -> String {
    value.map(|v| format!("={v}")).unwrap_or_default()
}

fn dec_opt(value: Option<&str>) -> Option<String> {
    value.and_then(|v| v.strip_prefix('=')).map(str::to_owned)
}

fn ms(nanos: i64) -> i64 {
    nanos.div_euclid(1_000_000)
}

/// Milliseconds since the Unix epoch on this machine, for TTLs counted from now.
fn now_ms() -> i64 {
    ms(nanos(OffsetDateTime::now_utc()))
}

fn field(values: &[Option<String>], i: usize) -> Result<&str, StoreError> {
    values
        .get(i)
        .and_then(|v| v.as_deref())
        .ok_or_else(|| StoreError::corrupt("missing field"))
}

fn opt_field(values: &[Option<String>], i: usize) -> Option<&str> {
    values.get(i).and_then(|v| v.as_deref())
}

#[derive(Serialize, Deserialize)]
struct CodesMeta {
    scheme: Scheme,
    created_at: i64,
}

impl RedisStore {
    /// Connects.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a bad URL or a prefix with glob characters;
    /// [`StoreError::Unavailable`] when the server cannot be reached.
    pub async fn open(config: RedisConfig) -> Result<Self, StoreError> {
        if config.prefix.contains(['*', '?', '[', ']', '\\']) {
            return Err(StoreError::Invalid("redis key prefix has glob characters"));
        }
        let client = ::redis::Client::open(config.url.as_str())
            .map_err(|_| StoreError::Invalid("redis url"))?;
        let manager = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.connection_timeout))
            .set_response_timeout(Some(config.response_timeout))
            .set_number_of_retries(config.reconnect_retries)
            .set_max_delay(StdDuration::from_millis(500));
        let conn = ConnectionManager::new_with_config(client, manager)
            .await
            .map_err(err)?;
        Ok(Self {
            conn,
            prefix: config.prefix.into(),
            retention_ms: ms(config
                .retention
                .whole_nanoseconds()
                .clamp(0, i128::from(i64::MAX)) as i64),
            default_ttl_ms: ms(config
                .default_ttl
                .whole_nanoseconds()
                .clamp(1_000_000, i128::from(i64::MAX)) as i64),
            scripts: Arc::new(Scripts::new()),
        })
    }

    /// The key prefix.
    #[must_use]
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The connection manager (for the caller's own commands).
    #[must_use]
    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    fn key(&self, parts: &[&str]) -> String {
        let mut key = String::with_capacity(self.prefix.len() + 48);
        key.push_str(&self.prefix);
        key.push_str(&parts.concat());
        key
    }

    /// When a key whose record expires at `expires` (nanos) should disappear.
    fn expiry_ms(&self, expires: i64) -> i64 {
        ms(expires)
            .saturating_add(self.retention_ms)
            .max(now_ms() + 1000)
    }

    fn long_lived_ms(&self) -> i64 {
        now_ms().saturating_add(self.default_ttl_ms)
    }

    async fn run<T: FromRedisValue>(
        &self,
        script: &Script,
        keys: &[&str],
        args: &[&str],
    ) -> Result<T, StoreError> {
        let mut invocation = script.prepare_invoke();
        for key in keys {
            invocation.key(*key);
        }
        for arg in args {
            invocation.arg(*arg);
        }
        let mut conn = self.conn.clone();
        invocation.invoke_async(&mut conn).await.map_err(err)
    }

    fn use_row(values: &[Option<String>], offset: usize) -> Result<(UseRow, &str), StoreError> {
        let number = |i: usize| -> Result<Option<u32>, StoreError> {
            match opt_field(values, offset + i) {
                None | Some("") => Ok(None),
                Some(text) => text
                    .parse()
                    .map(Some)
                    .map_err(|_| StoreError::corrupt("count")),
            }
        };
        let row = UseRow {
            expires_at: parse_ts(field(values, offset)?)?,
            consumed_at: parse_opt_ts(opt_field(values, offset + 1))?,
            revoked_at: parse_opt_ts(opt_field(values, offset + 2))?,
            attempts: number(3)?.unwrap_or(0),
            max_attempts: number(4)?,
        };
        Ok((row, field(values, offset + 5)?))
    }

    fn single_use_record<R: SingleUseRecord>(
        values: &[Option<String>],
        offset: usize,
        counting: bool,
    ) -> Result<R, StoreError> {
        let (row, payload) = Self::use_row(values, offset)?;
        row.record(payload, counting)
    }

    fn refusal(code: &str) -> StoreError {
        match code {
            "nf" => StoreError::NotFound,
            "rev" => StoreError::Revoked,
            "used" => StoreError::AlreadyUsed,
            "exp" => StoreError::Expired,
            "many" => StoreError::TooManyAttempts,
            "conflict" => StoreError::Conflict,
            _ => StoreError::corrupt("script answer"),
        }
    }

    fn credential<R: Credential>(
        values: &[Option<String>],
        offset: usize,
    ) -> Result<R, StoreError> {
        let mut record: R = serde_json::from_str(field(values, offset)?)?;
        record.set_name(dec_opt(opt_field(values, offset + 1)));
        record.set_metadata(serde_json::from_str(field(values, offset + 2)?)?);
        record.set_revoked_at(parse_opt_ts(opt_field(values, offset + 3))?.map(from_nanos));
        Ok(record)
    }

    fn session(values: &[Option<String>], offset: usize) -> Result<Session, StoreError> {
        let termination = opt_field(values, offset + 3).filter(|t| !t.is_empty());
        logic::session(
            field(values, offset)?,
            parse_ts(field(values, offset + 1)?)?,
            parse_ts(field(values, offset + 2)?)?,
            termination,
        )
    }

    fn family(
        values: &[Option<String>],
        offset: usize,
        id: &str,
    ) -> Result<RefreshFamily, StoreError> {
        let digest =
            |text: &str| SecretDigest::parse(text).map_err(|_| StoreError::corrupt("digest"));
        let opt_digest = |text: Option<&str>| match text {
            None | Some("") => Ok(None),
            Some(text) => digest(text).map(Some),
        };
        Ok(RefreshFamily {
            family_id: id.to_owned(),
            subject: field(values, offset)?.to_owned(),
            current: digest(field(values, offset + 1)?)?,
            previous: opt_digest(opt_field(values, offset + 2))?,
            rotated_at: parse_opt_ts(opt_field(values, offset + 3))?.map(from_nanos),
            created_at: from_nanos(parse_ts(field(values, offset + 4)?)?),
            expires_at: from_nanos(parse_ts(field(values, offset + 5)?)?),
            revoked_at: parse_opt_ts(opt_field(values, offset + 6))?.map(from_nanos),
            payload: serde_json::from_str(field(values, offset + 7)?)?,
        })
    }

    /// Removes every key under the prefix (a test namespace, a tenant being
    /// deleted); returns how many keys had no TTL, which this store never leaves.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the server cannot be reached.
    pub async fn remove_all(&self) -> Result<u64, StoreError> {
        let pattern = format!("{}*", self.prefix);
        let mut conn = self.conn.clone();
        let mut cursor = 0u64;
        let mut without_ttl = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = ::redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(500)
                .query_async(&mut conn)
                .await
                .map_err(err)?;
            for key in &keys {
                let ttl: i64 = conn.pttl(key).await.map_err(err)?;
                if ttl == -1 {
                    without_ttl += 1;
                }
            }
            if !keys.is_empty() {
                let _: i64 = conn.del(&keys).await.map_err(err)?;
            }
            if next == 0 {
                return Ok(without_ttl);
            }
            cursor = next;
        }
    }
}

fn su_key<R: SingleUseRecord>(store: &RedisStore, key: &str) -> String {
    store.key(&["su:", R::KIND, ":", key])
}

impl SingleUseStore for RedisStore {
    async fn put<R: SingleUseRecord>(&self, record: &R) -> Result<(), StoreError> {
        let row = UseRow::of(record);
        let key = record.key();
        let payload = serde_json::to_string(record)?;
        let attempts = row.attempts.to_string();
        let max = row.max_attempts.map(|m| m.to_string()).unwrap_or_default();
        let expiry = self.expiry_ms(row.expires_at).to_string();
        let _: i64 = self
            .run(
                &self.scripts.su_put,
                &[
                    &su_key::<R>(self, &key),
                    &self.key(&["sus:", R::KIND, ":", record.subject()]),
                ],
                &[
                    &payload,
                    record.subject(),
                    record.purpose(),
                    &enc_opt(record.scope()),
                    &ts(row.expires_at),
                    &opt_ts(row.consumed_at),
                    &opt_ts(row.revoked_at),
                    &attempts,
                    &max,
                    &expiry,
                    &key,
                ],
            )
            .await?;
        Ok(())
    }

    async fn peek<R: SingleUseRecord>(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<R, StoreError> {
        let mut conn = self.conn.clone();
        let values: Vec<Option<String>> = ::redis::cmd("HMGET")
            .arg(su_key::<R>(self, key))
            .arg(&["e", "c", "r", "a", "m", "p"])
            .query_async(&mut conn)
            .await
            .map_err(err)?;
        if opt_field(&values, 5).is_none() {
            return Err(StoreError::NotFound);
        }
        let (row, payload) = Self::use_row(&values, 0)?;
        if let Some(refusal) = row.refusal(nanos(now), false) {
            return Err(refusal);
        }
        row.record(payload, false)
    }

    async fn consume<R: SingleUseRecord>(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<R, StoreError> {
        let values: Vec<Option<String>> = self
            .run(
                &self.scripts.su_consume,
                &[&su_key::<R>(self, key)],
                &[&ts(nanos(now))],
            )
            .await?;
        match field(&values, 0)? {
            "ok" => Self::single_use_record(&values, 1, false),
            code => Err(Self::refusal(code)),
        }
    }

    async fn count_attempt<R: SingleUseRecord>(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<R, StoreError> {
        let values: Vec<Option<String>> = self
            .run(
                &self.scripts.su_count,
                &[&su_key::<R>(self, key)],
                &[&ts(nanos(now))],
            )
            .await?;
        match field(&values, 0)? {
            "ok" => Self::single_use_record(&values, 1, true),
            code => Err(Self::refusal(code)),
        }
    }

    async fn revoke<R: SingleUseRecord>(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<R, StoreError> {
        let values: Vec<Option<String>> = self
            .run(
                &self.scripts.su_revoke,
                &[&su_key::<R>(self, key)],
                &[&ts(nanos(now))],
            )
            .await?;
        match field(&values, 0)? {
            "ok" => Self::single_use_record(&values, 1, false),
            code => Err(Self::refusal(code)),
        }
    }

    async fn revoke_for_subject<R: SingleUseRecord>(
        &self,
        subject: &str,
        purpose: &str,
        scope: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let revoked: u64 = self
            .run(
                &self.scripts.su_revoke_subject,
                &[&self.key(&["sus:", R::KIND, ":", subject])],
                &[
                    &self.key(&["su:", R::KIND, ":"]),
                    subject,
                    purpose,
                    &enc_opt(scope),
                    &ts(nanos(now)),
                ],
            )
            .await?;
        Ok(revoked)
    }
}

impl TotpStepStore for RedisStore {
    async fn advance_step(
        &self,
        factor_id: &str,
        step: Step,
        keep_until: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let expiry = ms(nanos(keep_until)).max(now_ms() + 1000).to_string();
        let moved: i64 = self
            .run(
                &self.scripts.step_advance,
                &[&self.key(&["totp:", factor_id])],
                &[&format!("{:020}", step.get()), &expiry],
            )
            .await?;
        Ok(moved == 1)
    }

    async fn last_step(&self, factor_id: &str) -> Result<Option<Step>, StoreError> {
        let mut conn = self.conn.clone();
        let value: Option<String> = conn
            .get(self.key(&["totp:", factor_id]))
            .await
            .map_err(err)?;
        value
            .map(|v| v.parse().map(Step).map_err(|_| StoreError::corrupt("step")))
            .transpose()
    }
}

impl RecoveryCodeStore for RedisStore {
    async fn replace_codes(&self, user_id: &str, set: &RecoveryCodeSet) -> Result<(), StoreError> {
        let meta = serde_json::to_string(&CodesMeta {
            scheme: set.scheme.clone(),
            created_at: set.created_at,
        })?;
        let order: Vec<&str> = set.codes.iter().map(|c| c.digest.as_str()).collect();
        let order = serde_json::to_string(&order)?;
        let unused = set.remaining().to_string();
        let ttl = self.default_ttl_ms.to_string();
        let used: Vec<String> = set
            .codes
            .iter()
            .map(|c| {
                c.used_at
                    .map_or_else(|| "-".to_owned(), |at| at.to_string())
            })
            .collect();
        let mut args: Vec<&str> = vec![&meta, &order, &unused, &ttl];
        for (code, used) in set.codes.iter().zip(&used) {
            args.push(&code.digest);
            args.push(used);
        }
        let _: i64 = self
            .run(
                &self.scripts.codes_replace,
                &[&self.key(&["rc:", user_id])],
                &args,
            )
            .await?;
        Ok(())
    }

    async fn get_codes(&self, user_id: &str) -> Result<RecoveryCodeSet, StoreError> {
        let mut conn = self.conn.clone();
        let fields: std::collections::HashMap<String, String> = conn
            .hgetall(self.key(&["rc:", user_id]))
            .await
            .map_err(err)?;
        let meta = fields.get("meta").ok_or(StoreError::NotFound)?;
        let meta: CodesMeta = serde_json::from_str(meta)?;
        let order: Vec<String> = serde_json::from_str(
            fields
                .get("order")
                .ok_or_else(|| StoreError::corrupt("order"))?,
        )?;
        let mut codes = Vec::with_capacity(order.len());
        for digest in order {
            let used = fields
                .get(&format!("c:{digest}"))
                .ok_or_else(|| StoreError::corrupt("code"))?;
            let used_at = match used.as_str() {
                "-" => None,
                at => Some(at.parse().map_err(|_| StoreError::corrupt("used_at"))?),
            };
            codes.push(StoredRecoveryCode { digest, used_at });
        }
        Ok(RecoveryCodeSet {
            scheme: meta.scheme,
            codes,
            created_at: meta.created_at,
        })
    }

    async fn consume_code(
        &self,
        user_id: &str,
        digest: &str,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let values: Vec<Option<String>> = self
            .run(
                &self.scripts.codes_consume,
                &[&self.key(&["rc:", user_id])],
                &[digest, &now.unix_timestamp().to_string()],
            )
            .await?;
        match field(&values, 0)? {
            "ok" => field(&values, 1)?
                .parse()
                .map_err(|_| StoreError::corrupt("remaining")),
            code => Err(Self::refusal(code)),
        }
    }

    async fn remaining_codes(&self, user_id: &str) -> Result<u64, StoreError> {
        let mut conn = self.conn.clone();
        let n: Option<u64> = conn
            .hget(self.key(&["rc:", user_id]), "n")
            .await
            .map_err(err)?;
        Ok(n.unwrap_or(0))
    }

    async fn delete_codes(&self, user_id: &str) -> Result<bool, StoreError> {
        let mut conn = self.conn.clone();
        let removed: i64 = conn.del(self.key(&["rc:", user_id])).await.map_err(err)?;
        Ok(removed == 1)
    }
}

impl CounterStore for RedisStore {
    async fn increment(
        &self,
        key: &str,
        window: Duration,
        now: OffsetDateTime,
    ) -> Result<Count, StoreError> {
        let resets = nanos(now + window);
        let values: Vec<Option<String>> = self
            .run(
                &self.scripts.counter_increment,
                &[&self.key(&["ctr:", key])],
                &[
                    &ts(nanos(now)),
                    &ts(resets),
                    &ms(resets).max(now_ms() + 1000).to_string(),
                ],
            )
            .await?;
        Ok(Count {
            count: field(&values, 0)?
                .parse()
                .map_err(|_| StoreError::corrupt("count"))?,
            resets_at: from_nanos(parse_ts(field(&values, 1)?)?),
        })
    }

    async fn count(&self, key: &str, now: OffsetDateTime) -> Result<u64, StoreError> {
        let mut conn = self.conn.clone();
        let (n, resets): (Option<u64>, Option<String>) = ::redis::cmd("HMGET")
            .arg(self.key(&["ctr:", key]))
            .arg(&["n", "r"])
            .query_async(&mut conn)
            .await
            .map_err(err)?;
        match (n, resets) {
            (Some(n), Some(resets)) if parse_ts(&resets)? > nanos(now) => Ok(n),
            _ => Ok(0),
        }
    }

    async fn reset(&self, key: &str) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let _: i64 = conn.del(self.key(&["ctr:", key])).await.map_err(err)?;
        Ok(())
    }
}

impl DenyListStore for RedisStore {
    async fn deny(&self, jti: &str, expires_at: OffsetDateTime) -> Result<(), StoreError> {
        let exp = nanos(expires_at);
        let _: i64 = self
            .run(
                &self.scripts.deny_add,
                &[&self.key(&["deny:", jti])],
                &[&ts(exp), &ms(exp).max(now_ms() + 1000).to_string()],
            )
            .await?;
        Ok(())
    }

    async fn is_denied(&self, jti: &str, now: OffsetDateTime) -> Result<bool, StoreError> {
        let mut conn = self.conn.clone();
        let exp: Option<String> = conn.get(self.key(&["deny:", jti])).await.map_err(err)?;
        match exp {
            Some(exp) => Ok(parse_ts(&exp)? > nanos(now)),
            None => Ok(false),
        }
    }
}

impl RefreshFamilyStore for RedisStore {
    async fn create_family(&self, family: &RefreshFamily) -> Result<(), StoreError> {
        let expires = nanos(family.expires_at);
        let created: i64 = self
            .run(
                &self.scripts.family_create,
                &[
                    &self.key(&["fam:", &family.family_id]),
                    &self.key(&["fams:", &family.subject]),
                ],
                &[
                    &family.subject,
                    &family.current.to_string(),
                    &family
                        .previous
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    &opt_ts(family.rotated_at.map(nanos)),
                    &ts(nanos(family.created_at)),
                    &ts(expires),
                    &opt_ts(family.revoked_at.map(nanos)),
                    &serde_json::to_string(&family.payload)?,
                    &self.expiry_ms(expires).to_string(),
                    &family.family_id,
                ],
            )
            .await?;
        if created == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict)
        }
    }

    async fn get_family(&self, family_id: &str) -> Result<RefreshFamily, StoreError> {
        let mut conn = self.conn.clone();
        let values: Vec<Option<String>> = ::redis::cmd("HMGET")
            .arg(self.key(&["fam:", family_id]))
            .arg(&["sub", "cur", "prev", "rot", "cr", "exp", "rev", "p"])
            .query_async(&mut conn)
            .await
            .map_err(err)?;
        if opt_field(&values, 0).is_none() {
            return Err(StoreError::NotFound);
        }
        Self::family(&values, 0, family_id)
    }

    async fn rotate(
        &self,
        family_id: &str,
        presented: &[SecretDigest],
        successor: &SecretDigest,
        now: OffsetDateTime,
        grace: Duration,
    ) -> Result<Rotation, StoreError> {
        let (successor, now_ts, floor) = (
            successor.to_string(),
            ts(nanos(now)),
            ts(nanos(now - grace)),
        );
        let candidates: Vec<String> = presented.iter().map(ToString::to_string).collect();
        let mut args: Vec<&str> = vec![&successor, &now_ts, &floor];
        args.extend(candidates.iter().map(String::as_str));
        let values: Vec<Option<String>> = self
            .run(
                &self.scripts.family_rotate,
                &[&self.key(&["fam:", family_id])],
                &args,
            )
            .await?;
        match field(&values, 0)? {
            "rotated" => Ok(Rotation::Rotated(Self::family(&values, 1, family_id)?)),
            "grace" => Ok(Rotation::Grace(Self::family(&values, 1, family_id)?)),
            "reused" => Ok(Rotation::Reused),
            "rev" => Ok(Rotation::Revoked),
            "exp" => Ok(Rotation::Expired),
            "nf" => Ok(Rotation::NotFound),
            _ => Err(StoreError::corrupt("script answer")),
        }
    }

    async fn revoke_family(
        &self,
        family_id: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let done: i64 = self
            .run(
                &self.scripts.family_revoke,
                &[&self.key(&["fam:", family_id])],
                &[&ts(nanos(now))],
            )
            .await?;
        match done {
            1 => Ok(true),
            0 => Ok(false),
            _ => Err(StoreError::NotFound),
        }
    }

    async fn revoke_families(&self, subject: &str, now: OffsetDateTime) -> Result<u64, StoreError> {
        self.run(
            &self.scripts.family_revoke_subject,
            &[&self.key(&["fams:", subject])],
            &[&self.key(&["fam:"]), subject, &ts(nanos(now))],
        )
        .await
    }
}

fn cred_key<R: Credential>(store: &RedisStore, id: &str) -> String {
    store.key(&["cred:", R::KIND, ":", id])
}

impl CredentialStore for RedisStore {
    async fn create_credential<R: Credential>(&self, record: &R) -> Result<(), StoreError> {
        let owner = record.owner();
        let mut keys = vec![cred_key::<R>(self, record.id())];
        if let Some(user) = &owner.user_id {
            keys.push(self.key(&["credu:", R::KIND, ":", user]));
        }
        if let Some(org) = &owner.org_id {
            keys.push(self.key(&["credo:", R::KIND, ":", org]));
        }
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let expiry = match record.expires_at() {
            Some(at) => self.expiry_ms(nanos(at)).max(self.long_lived_ms()),
            None => self.long_lived_ms(),
        };
        let created: i64 = self
            .run(
                &self.scripts.cred_create,
                &keys,
                &[
                    &serde_json::to_string(record)?,
                    &enc_opt(owner.user_id.as_deref()),
                    &enc_opt(owner.org_id.as_deref()),
                    &ts(nanos(record.created_at())),
                    &opt_ts(record.expires_at().map(nanos)),
                    &opt_ts(record.revoked_at().map(nanos)),
                    &enc_opt(record.name()),
                    &serde_json::to_string(record.metadata())?,
                    &record.fingerprint(),
                    &expiry.to_string(),
                    record.id(),
                    &ms(nanos(record.created_at())).to_string(),
                ],
            )
            .await?;
        if created == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict)
        }
    }

    async fn get_credential<R: Credential>(&self, id: &str) -> Result<R, StoreError> {
        let mut conn = self.conn.clone();
        let values: Vec<Option<String>> = ::redis::cmd("HMGET")
            .arg(cred_key::<R>(self, id))
            .arg(&["p", "n", "md", "r"])
            .query_async(&mut conn)
            .await
            .map_err(err)?;
        if opt_field(&values, 0).is_none() {
            return Err(StoreError::NotFound);
        }
        Self::credential(&values, 0)
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
        let index = match (&owner.user_id, &owner.org_id) {
            (Some(user), _) => self.key(&["credu:", R::KIND, ":", user]),
            (None, Some(org)) => self.key(&["credo:", R::KIND, ":", org]),
            (None, None) => {
                return Err(StoreError::Invalid(
                    "an owner filter needs a user or an org",
                ));
            }
        };
        let status = match filter {
            StatusFilter::All => "all",
            StatusFilter::Only(portcullis_token::api_key::ApiKeyStatus::Active) => "active",
            StatusFilter::Only(portcullis_token::api_key::ApiKeyStatus::Expired) => "expired",
            StatusFilter::Only(portcullis_token::api_key::ApiKeyStatus::Revoked) => "revoked",
        };
        let values: Vec<Option<String>> = self
            .run(
                &self.scripts.cred_list,
                &[&index],
                &[
                    &self.key(&["cred:", R::KIND, ":"]),
                    &enc_opt(owner.user_id.as_deref()),
                    &enc_opt(owner.org_id.as_deref()),
                    status,
                    &ts(nanos(now)),
                    &skip.to_string(),
                    &take.to_string(),
                ],
            )
            .await?;
        let total: u64 = field(&values, 0)?
            .parse()
            .map_err(|_| StoreError::corrupt("total"))?;
        let items = (1..values.len())
            .step_by(4)
            .map(|i| Self::credential(&values, i))
            .collect::<Result<Vec<R>, _>>()?;
        Ok(Listing {
            items,
            total: page.with_total.then_some(total),
        })
    }

    async fn update_credential<R: Credential>(
        &self,
        id: &str,
        update: &CredentialUpdate,
    ) -> Result<R, StoreError> {
        let name = update
            .name
            .as_ref()
            .map(|n| enc_opt(n.as_deref()))
            .unwrap_or_default();
        let metadata = update
            .metadata
            .as_ref()
            .map(serde_json::to_string)
            .transpose()?
            .unwrap_or_default();
        let values: Vec<Option<String>> = self
            .run(
                &self.scripts.cred_update,
                &[&cred_key::<R>(self, id)],
                &[
                    if update.name.is_some() { "1" } else { "0" },
                    &name,
                    &metadata,
                ],
            )
            .await?;
        if values.is_empty() {
            return Err(StoreError::NotFound);
        }
        Self::credential(&values, 0)
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
        let owner = record.owner();
        let values: Vec<Option<String>> = self
            .run(
                &self.scripts.cred_replace,
                &[&cred_key::<R>(self, id)],
                &[
                    expected,
                    &serde_json::to_string(record)?,
                    &record.fingerprint(),
                    &enc_opt(owner.user_id.as_deref()),
                    &enc_opt(owner.org_id.as_deref()),
                    &opt_ts(record.expires_at().map(nanos)),
                    &self.key(&["credu:", R::KIND, ":"]),
                    &self.key(&["credo:", R::KIND, ":"]),
                    id,
                ],
            )
            .await?;
        match field(&values, 0)? {
            "ok" => Self::credential(&values, 1),
            code => Err(Self::refusal(code)),
        }
    }

    async fn revoke_credential<R: Credential>(
        &self,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<R, StoreError> {
        let values: Vec<Option<String>> = self
            .run(
                &self.scripts.cred_revoke,
                &[&cred_key::<R>(self, id)],
                &[&ts(nanos(now))],
            )
            .await?;
        if values.is_empty() {
            return Err(StoreError::NotFound);
        }
        Self::credential(&values, 0)
    }
}

fn termination_text(termination: Option<&Termination>) -> Result<String, StoreError> {
    Ok(match termination {
        Some(t) => serde_json::to_string(t)?,
        None => String::new(),
    })
}

impl SessionStore for RedisStore {
    async fn create_session(
        &self,
        session: &Session,
        token_digest: &SecretDigest,
    ) -> Result<(), StoreError> {
        let digest = token_digest.to_string();
        let created: i64 = self
            .run(
                &self.scripts.session_create,
                &[
                    &self.key(&["ses:", &session.session_id]),
                    &self.key(&["sest:", &digest]),
                    &self.key(&["sesu:", &session.user_id]),
                ],
                &[
                    &serde_json::to_string(session)?,
                    &session.user_id,
                    &digest,
                    &ts(nanos(session.started_at)),
                    &ts(nanos(session.last_accessed_at)),
                    &ts(nanos(session.expires_at)),
                    &opt_ts(session.termination.map(|t| nanos(t.terminated_at))),
                    &termination_text(session.termination.as_ref())?,
                    &self.expiry_ms(nanos(session.expires_at)).to_string(),
                    &session.session_id,
                    &ms(nanos(session.started_at)).to_string(),
                ],
            )
            .await?;
        if created == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict)
        }
    }

    async fn get_session(&self, session_id: &str) -> Result<Session, StoreError> {
        let mut conn = self.conn.clone();
        let values: Vec<Option<String>> = ::redis::cmd("HMGET")
            .arg(self.key(&["ses:", session_id]))
            .arg(&["p", "l", "e", "tm"])
            .query_async(&mut conn)
            .await
            .map_err(err)?;
        if opt_field(&values, 0).is_none() {
            return Err(StoreError::NotFound);
        }
        Self::session(&values, 0)
    }

    async fn get_session_by_token(
        &self,
        token_digest: &SecretDigest,
    ) -> Result<Session, StoreError> {
        // The token key keeps a copy of what this returns (see `SESSION_CREATE`).
        let mut conn = self.conn.clone();
        let values: Vec<Option<String>> = ::redis::cmd("HMGET")
            .arg(self.key(&["sest:", &token_digest.to_string()]))
            .arg(&["p", "l", "e", "tm"])
            .query_async(&mut conn)
            .await
            .map_err(err)?;
        if opt_field(&values, 0).is_none() {
            return Err(StoreError::NotFound);
        }
        Self::session(&values, 0)
    }

    async fn touch_session(
        &self,
        session_id: &str,
        last_accessed_at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<Session, StoreError> {
        let expires = nanos(expires_at);
        let values: Vec<Option<String>> = self
            .run(
                &self.scripts.session_touch,
                &[&self.key(&["ses:", session_id])],
                &[
                    &ts(nanos(last_accessed_at)),
                    &ts(expires),
                    &self.expiry_ms(expires).to_string(),
                    &self.key(&["sest:"]),
                    &self.key(&["sesu:"]),
                ],
            )
            .await?;
        match field(&values, 0)? {
            "ok" => Self::session(&values, 1),
            code => Err(Self::refusal(code)),
        }
    }

    async fn update_session(
        &self,
        session: &Session,
        new_token_digest: Option<&SecretDigest>,
    ) -> Result<(), StoreError> {
        let expires = nanos(session.expires_at);
        let answer: String = self
            .run(
                &self.scripts.session_update,
                &[&self.key(&["ses:", &session.session_id])],
                &[
                    &serde_json::to_string(session)?,
                    &session.user_id,
                    &ts(nanos(session.started_at)),
                    &ts(nanos(session.last_accessed_at)),
                    &ts(expires),
                    &opt_ts(session.termination.map(|t| nanos(t.terminated_at))),
                    &termination_text(session.termination.as_ref())?,
                    &self.expiry_ms(expires).to_string(),
                    &new_token_digest
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    &self.key(&["sest:"]),
                    &self.key(&["sesu:"]),
                    &session.session_id,
                    &ms(nanos(session.started_at)).to_string(),
                ],
            )
            .await?;
        match answer.as_str() {
            "ok" => Ok(()),
            code => Err(Self::refusal(code)),
        }
    }

    async fn revoke_session(
        &self,
        session_id: &str,
        termination: Termination,
    ) -> Result<bool, StoreError> {
        let done: i64 = self
            .run(
                &self.scripts.session_revoke,
                &[&self.key(&["ses:", session_id])],
                &[
                    &ts(nanos(termination.terminated_at)),
                    &termination_text(Some(&termination))?,
                    &self.key(&["sest:"]),
                ],
            )
            .await?;
        match done {
            1 => Ok(true),
            0 => Ok(false),
            _ => Err(StoreError::NotFound),
        }
    }

    async fn revoke_sessions(
        &self,
        user_id: &str,
        except: Option<&str>,
        termination: Termination,
    ) -> Result<u64, StoreError> {
        self.run(
            &self.scripts.session_revoke_all,
            &[&self.key(&["sesu:", user_id])],
            &[
                &self.key(&["ses:"]),
                &enc_opt(except),
                &ts(nanos(termination.terminated_at)),
                &termination_text(Some(&termination))?,
                user_id,
                &self.key(&["sest:"]),
            ],
        )
        .await
    }

    async fn list_sessions(
        &self,
        user_id: &str,
        status: Option<Status>,
        now: OffsetDateTime,
        page: PageRequest,
    ) -> Result<Listing<Session>, StoreError> {
        let (skip, take) = page.window()?;
        let status = match status {
            None => "all",
            Some(Status::Active) => "active",
            Some(Status::Expired) => "expired",
            Some(Status::Terminated) => "terminated",
        };
        let values: Vec<Option<String>> = self
            .run(
                &self.scripts.session_list,
                &[&self.key(&["sesu:", user_id])],
                &[
                    &self.key(&["ses:"]),
                    status,
                    &ts(nanos(now)),
                    &skip.to_string(),
                    &take.to_string(),
                ],
            )
            .await?;
        let total: u64 = field(&values, 0)?
            .parse()
            .map_err(|_| StoreError::corrupt("total"))?;
        let items = (1..values.len())
            .step_by(4)
            .map(|i| Self::session(&values, i))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Listing {
            items,
            total: page.with_total.then_some(total),
        })
    }

    /// Walks every session key with `SCAN` (a maintenance task: Redis already drops
    /// sessions `retention` after their expiry by TTL) and deletes each one that
    /// ended before `before`, with its token key and index entry, in one script per
    /// session.
    async fn purge_sessions(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
        let pattern = self.key(&["ses:*"]);
        let session_prefix = self.key(&["ses:"]);
        let cut = ts(nanos(before));
        let token_prefix = self.key(&["sest:"]);
        let user_prefix = self.key(&["sesu:"]);
        let mut conn = self.conn.clone();
        let mut cursor = 0u64;
        let mut purged = 0u64;
        loop {
            let (next, keys): (u64, Vec<String>) = ::redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(500)
                .query_async(&mut conn)
                .await
                .map_err(err)?;
            for key in &keys {
                let id = key.strip_prefix(session_prefix.as_str()).unwrap_or(key);
                let done: i64 = self
                    .run(
                        &self.scripts.session_purge_one,
                        &[key],
                        &[&cut, &token_prefix, &user_prefix, id],
                    )
                    .await?;
                purged += u64::try_from(done).unwrap_or(0);
            }
            if next == 0 {
                return Ok(purged);
            }
            cursor = next;
        }
    }
}
