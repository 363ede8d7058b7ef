//! Atomic storage for portcullis auth state, on memory, SQLite, Redis and PostgreSQL.
//!
//! The primitive crates are sans-I/O: they judge a presented secret against a record
//! and say what to write. This crate keeps those records where several processes
//! agree on them, and performs each write that may happen only once (consume a
//! token, count a wrong code, move a TOTP step, rotate a refresh token, end every
//! session of a user) as **one atomic operation on the backend itself**: a single
//! SQL statement whose `WHERE` clause carries the condition, or one Redis Lua script.
//! No operation reads a value into Rust, decides, and writes it back.
//!
//! The store is only ever given digests and records, never a token, a code or a
//! password, so nothing secret can rest in it or appear in its errors.
//!
//! # The traits
//!
//! | trait | for | operations |
//! |---|---|---|
//! | [`SingleUseStore`] | magic links, reset and verification tokens ([`TokenRecord`](portcullis_token::TokenRecord)), invites ([`InviteRecord`](portcullis_token::invite::InviteRecord)), emailed and texted codes ([`PasscodeRecord`](portcullis_otp::PasscodeRecord)), step-up grants ([`GrantRecord`](portcullis_otp::GrantRecord)) | `put`, `peek`, `consume` (exactly once), `count_attempt` (dead after the limit), `revoke`, `revoke_for_subject` |
//! | [`TotpStepStore`] | TOTP replay guard | `advance_step` (compare-and-set upward), `last_step` |
//! | [`RecoveryCodeStore`] | recovery codes ([`RecoveryCodeSet`](portcullis_otp::RecoveryCodeSet)) | `replace_codes`, `get_codes`, `consume_code`, `remaining_codes`, `delete_codes` |
//! | [`CounterStore`] | throttling and lockout | `increment` (fixed window), `count`, `reset` |
//! | [`DenyListStore`] | JWT revocation by `jti` | `deny` (until the token's `exp`), `is_denied` |
//! | [`RefreshFamilyStore`] | refresh-token rotation ([`RefreshFamily`]) | `create_family`, `get_family`, `rotate` (rotated / grace / reused / revoked / expired / not found), `revoke_family`, `revoke_families` |
//! | [`CredentialStore`] | API keys ([`ApiKeyRecord`](portcullis_token::api_key::ApiKeyRecord)) and M2M clients ([`ClientRecord`]) | `create_credential`, `get_credential`, `list_credentials` (per owner, by status, paged), `update_credential`, `replace_credential` (compare-and-swap), `revoke_credential` |
//! | [`SessionStore`] | sessions ([`Session`](portcullis_session::Session)) | `create_session`, `get_session`, `get_session_by_token`, `touch_session`, `update_session` (with token rotation), `revoke_session`, `revoke_sessions` (all of a user but one), `list_sessions` (by status, paged, optional total), `purge_sessions` |
//!
//! [`Store`] is all of them at once. The backends, each implementing every trait:
//!
//! | backend | feature | type |
//! |---|---|---|
//! | memory | always | [`MemoryStore`] |
//! | SQLite (embedded default; file or in-memory; library compiled in) | `sqlite` (default) | `SqliteStore` |
//! | PostgreSQL | `postgres` | `PostgresStore`, `PostgresConfig` |
//! | Redis | `redis` | `RedisStore`, `RedisConfig` |
//!
//! Every backend passes the same conformance suite (feature `conformance`,
//! `conformance_tests!`), concurrency cases included: 64 tasks consume one token
//! and exactly one succeeds; 1,000 concurrent increments count exactly 1,000; a
//! TOTP step raced from 32 tasks has exactly one winner per step; revoke-all is seen
//! by every later get; expiry is honoured. A backend that is down or drops its
//! connections answers [`StoreError::Unavailable`], and the store recovers without
//! being reopened.
//!
//! ```
//! use portcullis_core::{OffsetDateTime, OsRng};
//! use portcullis_store::{MemoryStore, SingleUseStore, StoreError};
//! use portcullis_token::{Digester, IssueRequest, Purpose, SingleUseConfig, SingleUseTokens, TokenRecord};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let tokens = SingleUseTokens::new(SingleUseConfig::default(), Digester::Sha256);
//! let now = OffsetDateTime::now_utc();
//! let issued = tokens.issue(&mut OsRng, IssueRequest::new(Purpose::PasswordReset, "user-1"), now).unwrap();
//! let store = MemoryStore::new();
//! store.put(&issued.record).await?;
//!
//! // Later: find the record by the presented token's id, judge it, then consume it.
//! let id = issued.token.id().to_string();
//! let record: TokenRecord = store.peek(&id, now).await?;
//! let consumed: TokenRecord = store.consume(&id, now).await?;
//! assert_eq!(consumed.consumed_at, Some(now));
//! assert_eq!(store.consume::<TokenRecord>(&id, now).await, Err(StoreError::AlreadyUsed));
//! # let _ = record;
//! # Ok::<(), StoreError>(())
//! # }).unwrap();
//! ```
//!
//! # Records and keys
//!
//! The store keeps each primitive crate's own record type as a JSON payload and
//! extracts beside it the columns it must index or change atomically. Where the
//! store is the authority on a field (consumed, revoked, attempts; a session's
//! `last_accessed_at`, `expires_at` and termination; a credential's label, metadata
//! and revocation) the column wins and is written back into the record on read.
//!
//! | record | key | indexed |
//! |---|---|---|
//! | `TokenRecord`, `InviteRecord` | the token id (the record is found by the presented token's id, then `SingleUseTokens::redeem` judges the secret against its digest) | subject, purpose, scope |
//! | `PasscodeRecord` | `<channel>:<address>`: one outstanding code per destination; wrong codes are counted against it | address, channel |
//! | `GrantRecord` | the grant's SHA-256 digest | user, action |
//! | `RefreshFamily` | family id | subject |
//! | `ApiKeyRecord`, `ClientRecord` | key id, client id | user, org, created |
//! | `Session` | session id, and the token digest (unique) | user, started |
//!
//! Instants are kept as Unix nanoseconds (exact for every record's timestamps; SQL
//! `BIGINT`, Redis a 20-digit string whose string order is time order), except
//! recovery codes' `used_at`, which keeps the Unix seconds of the otp record.
//!
//! For a one-time-code fallback on a magic link, `count_attempt` returns the token
//! record with `failed_attempts` set to the attempts counted before the one in
//! progress (each of those failed or is still being judged: a right code consumes the
//! token), which is what `SingleUseTokens::redeem_code` compares with its limit.
//!
//! # SQL schema (SQLite and PostgreSQL)
//!
//! One text, applied by the embedded migrator on open; PostgreSQL puts it in the
//! configured schema (`search_path`). Each migration runs in one transaction whose
//! first write claims its version in `portcullis_store_migrations`, so concurrent
//! openers apply it once.
//!
//! ```sql
#![doc = include_str!("../migrations/0001_initial.sql")]
//! ```
//!
//! # Redis key layout
//!
//! Every key starts with the configured prefix (`portcullis:` by default) and has a
//! TTL. Records live until their expiry plus `retention` (default one day); records
//! without an expiry (recovery codes, credentials that never expire) get
//! `default_ttl` (400 days) from their last write; index keys keep the longest TTL
//! of what they index, and stale index members are dropped when walked.
//!
//! | key | type | fields / value | TTL |
//! |---|---|---|---|
//! | `su:<kind>:<key>` | hash | `p` payload, `s` subject, `pu` purpose, `sc` scope, `e` expires, `c` consumed, `r` revoked, `a` attempts, `m` max attempts | expiry + retention |
//! | `sus:<kind>:<subject>` | set | record keys | longest member |
//! | `totp:<factor>` | string | last step (20 digits) | `keep_until` |
//! | `rc:<user>` | hash | `meta` (scheme, created), `order`, `n` unused count, `c:<digest>` used-at or `-` | `default_ttl` |
//! | `ctr:<key>` | hash | `n` count, `r` window end | window end |
//! | `deny:<jti>` | string | expiry | the token's `exp` |
//! | `fam:<id>` | hash | `sub`, `cur`, `prev`, `rot`, `cr`, `exp`, `rev`, `p` payload | expiry + retention |
//! | `fams:<subject>` | set | family ids | longest member |
//! | `cred:<kind>:<id>` | hash | `p` payload, `u` user, `o` org, `cr`, `e`, `r`, `n` name, `md` metadata, `f` fingerprint | expiry + retention, or `default_ttl` |
//! | `credu:<kind>:<user>`, `credo:<kind>:<org>` | sorted set | ids by creation | longest member |
//! | `ses:<id>` | hash | `p` payload, `u`, `d` token digest, `st`, `l`, `e`, `t` terminated, `tm` termination | expiry + retention (moves with `touch`) |
//! | `sest:<digest>` | hash | `id`, and copies of `p`, `l`, `e`, `tm` (a lookup by token is one `HMGET`; every script that changes them writes both) | as the session |
//! | `sesu:<user>` | sorted set | session ids by start | longest member |
//!
//! # Why each operation is atomic
//!
//! | operation | SQL (one statement) | Redis (one script or command) |
//! |---|---|---|
//! | `consume` | `UPDATE ... SET consumed_at = now WHERE key AND consumed_at IS NULL AND revoked_at IS NULL AND expires_at > now RETURNING ...`: of concurrent updates of the row, PostgreSQL makes the later ones wait for the row lock and re-check the `WHERE` against the committed row; SQLite runs writers one at a time | script: `HMGET` state, refuse, else `HSET c now` |
//! | `count_attempt` | `UPDATE ... SET attempts = attempts + 1 WHERE live AND (max_attempts IS NULL OR attempts < max_attempts) RETURNING ...` | script: check, then `HINCRBY a 1` |
//! | `revoke`, `revoke_for_subject` | `UPDATE ... SET revoked_at = COALESCE(revoked_at, now)` / `... WHERE subject AND purpose AND live` | script over the record / the subject index |
//! | `advance_step` | `INSERT ... ON CONFLICT DO UPDATE ... WHERE last_step < excluded.last_step` (one row affected = moved) | script: `GET`, compare, `SET ... PXAT` |
//! | `consume_code` | `UPDATE ... SET used_at WHERE user AND digest AND used_at IS NULL` (then a count of what remains) | script: `HGET`, `HSET`, `HINCRBY n -1` |
//! | `replace_codes` | one transaction: delete the codes, upsert the set, insert the codes | script: `DEL`, `HSET`s |
//! | `increment` | `INSERT ... ON CONFLICT DO UPDATE SET count = CASE WHEN window ended THEN 1 ELSE count + 1 END ... RETURNING` | script on a hash with the window end |
//! | `deny` | upsert that never shortens the entry | script: `GET`, compare, `SET ... PXAT` |
//! | `rotate` | one `UPDATE` whose `SET` expressions all read the row as it was: the outcome (`rotated`, `grace`, `reused`), the new digests and the revocation are computed together and returned; `WHERE` refuses revoked and expired families | script: read, decide, write |
//! | `replace_credential` | `UPDATE ... WHERE fingerprint = expected AND revoked_at IS NULL` | script: compare the fingerprint, write |
//! | `touch_session`, `update_session`, `revoke_session` | `UPDATE ... WHERE session_id AND terminated_at IS NULL` | script: refuse a terminated session, write |
//! | `revoke_sessions` | `UPDATE ... WHERE user_id AND terminated_at IS NULL AND session_id <> except` | script over the user's index |
//! | `create_*` | `INSERT` (a unique violation is [`StoreError::Conflict`]) | script: `EXISTS`, then write |
//!
//! When a SQL statement changes nothing, a read follows only to say why (not found,
//! revoked, used, expired); it never decides a write. Reads (`peek`, `get_*`,
//! `list_*`, `count`, `is_denied`) are single statements or commands.
//!
//! # Backend notes
//!
//! - **Expired state** is kept so that a late presenter hears
//!   [`StoreError::Expired`] rather than [`StoreError::NotFound`]. Redis drops it by
//!   TTL; the memory, SQLite and PostgreSQL stores drop it when the service calls
//!   their `purge_expired(before)` (a maintenance task: every few minutes or hours).
//! - **SQLite** opens a file in WAL mode with a busy timeout (writers queue for the
//!   database's one write lock), or a private in-memory database on one connection.
//! - **PostgreSQL** connections that die fail the operation in flight with
//!   [`StoreError::Unavailable`] and leave the pool; later operations connect anew.
//!   Connections are not pinged before use (that would double every round trip).
//! - **Redis** uses one multiplexed connection behind a reconnecting connection
//!   manager. Scripts derive keys from index members, so this backend is for a single
//!   server (with replicas), not Redis Cluster. Listing walks the owner's or user's
//!   index inside one script, so it costs one round trip and time proportional to the
//!   number of that owner's records; `purge_sessions` walks all session keys with
//!   `SCAN` (TTLs already drop ended sessions after `retention`).
//!
//! # Cost
//!
//! `cargo bench -p portcullis-benches --bench store` compares each operation with the
//! raw client (see that file's header). Keeping a consumed record marked, rather than
//! deleting it, is what lets a second use be told apart from a token never issued or
//! expired, and it is also the main cost: on Redis a consume is a Lua script where a
//! forgetful consume would be one `GETDEL`. Measured on a 2-core machine running Redis
//! beside the benchmark (three runs), at 16 concurrent tasks a consume took 2.4 to 2.6
//! times a bare `GETDEL` and 0.94 to 1.24 times the same keep-and-mark script sent by
//! hand; at concurrency 1 the round trip dominates (1.18 to 1.37 of `GETDEL`, 0.94 to
//! 1.19 of the hand-written script). A session lookup by token is one `HMGET` on
//! Redis (the token key holds a copy of what it returns): 0.90 to 1.15 times a bare
//! `GET`, at 1 and at 16 tasks. On SQL the store's statements cost what the
//! hand-written ones do within the run-to-run noise of that machine (0.65 to 1.29).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod logic;
pub mod memory;
pub mod model;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
mod traits;

#[cfg(feature = "conformance")]
pub mod conformance;
#[cfg(feature = "redis")]
pub mod redis;

#[cfg(feature = "redis")]
pub use crate::redis::{RedisConfig, RedisStore};
pub use error::StoreError;
pub use memory::MemoryStore;
pub use model::{
    ClientRecord, Credential, CredentialUpdate, Listing, PageRequest, RefreshFamily, Rotation,
    SingleUseRecord, StatusFilter, UseState,
};
#[cfg(feature = "postgres")]
pub use sql::postgres::{self, PostgresConfig, PostgresStore};
#[cfg(feature = "sqlite")]
pub use sql::sqlite::{self, SqliteStore};
pub use traits::{
    Count, CounterStore, CredentialStore, DenyListStore, RecoveryCodeStore, RefreshFamilyStore,
    SessionStore, SingleUseStore, Store, TotpStepStore,
};
