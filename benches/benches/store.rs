//! portcullis-store: consume a single-use token once, and get a session by its token
//! digest, on each backend at concurrency 1 and 16, beside the same round trip
//! written directly on the client (`baseline`):
//!
//! | backend | consume once, baseline | session get, baseline |
//! |---|---|---|
//! | memory | `HashMap::remove` of the typed record under a mutex | `HashMap::get` and clone of the session |
//! | SQLite | `DELETE ... WHERE key = ? RETURNING payload` | `SELECT payload ... WHERE token_digest = ?` |
//! | PostgreSQL | `DELETE ... WHERE key = $1 RETURNING payload` | `SELECT payload ... WHERE token_digest = $1` |
//! | Redis | `GETDEL key` | `GET key` |
//!
//! The baselines destroy the record they consume; the store cannot, because it must tell
//! a token already used from one never issued or expired (and count attempts on the
//! same record). So each consume group also has a `floor`: the same state change on the
//! raw client, written by hand (keep the record, mark it consumed if it is live, return
//! it): one `UPDATE ... SET consumed_at ... RETURNING payload` on SQL, one Lua script
//! (`HMGET` then `HSET`) on Redis, a mark-and-clone in a locked `HashMap` in memory.
//! Sessions are found through their token digest but kept under their id (revoking
//! all of a user's sessions needs that), so the memory session groups have a floor
//! too: the digest-to-id lookup then the session read. On Redis the token key holds a
//! copy of what a lookup returns, so ours is one `HMGET` against the baseline's `GET`.
//! The ratio to `floor` is our overhead on the round trip we must make; the ratio to
//! `baseline` adds the cost of keeping the record.
//!
//! Ours returns the decoded record or session; the baselines and floors return the
//! stored text (the memory ones the typed value). At concurrency 16 the time is per operation with
//! 16 tasks issuing operations at once (total time / operations). Groups are named
//! `store/consume_<backend>_c<n>` and `store/session_get_<backend>_c<n>`. Redis and
//! PostgreSQL run when `PORTCULLIS_REDIS_URL` / `PORTCULLIS_POSTGRES_URL` are set, and
//! are skipped with a note otherwise.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr
)]

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use portcullis_core::{OffsetDateTime, OsRng};
use portcullis_session::{
    AuthenticationFactor, FactorType, NewSession, Session, SessionPolicy, lifecycle,
};
use portcullis_store::{
    MemoryStore, PostgresConfig, PostgresStore, RedisConfig, RedisStore, SingleUseRecord,
    SqliteStore, Store,
};
use portcullis_token::{
    Digester, IssueRequest, OpaqueToken, Purpose, SecretDigest, SingleUseConfig, SingleUseTokens,
    TokenRecord,
};
use redis::AsyncCommands as _;
use tokio::runtime::Runtime;

const SESSIONS: usize = 1024;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn record(now: OffsetDateTime) -> TokenRecord {
    SingleUseTokens::new(SingleUseConfig::default(), Digester::Sha256)
        .issue(&mut OsRng, IssueRequest::new(Purpose::Login, "user-1"), now)
        .unwrap()
        .record
}

fn session(now: OffsetDateTime) -> (Session, SecretDigest) {
    let factor = AuthenticationFactor::new(FactorType::Password, now);
    let session = lifecycle::start(
        &SessionPolicy::default(),
        &mut OsRng,
        NewSession::new("user-1", factor),
        now,
    )
    .unwrap();
    let token = OpaqueToken::generate(&mut OsRng);
    (session, Digester::Sha256.digest(token.secret()))
}

/// Which side of a group a prepared record is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Ours,
    Baseline,
    Floor,
}

/// Sessions by id and a digest-to-id index: the floor's memory layout for sessions.
type TwoStep = (HashMap<String, String>, HashMap<String, Session>);

/// Records kept and marked consumed: the floor's memory layout.
type Kept = HashMap<String, (TokenRecord, Option<OffsetDateTime>)>;

/// Redis floor: consume keeping the record (fields p = payload, e = expiry, c =
/// consumed). KEYS: record. ARGV: now (unix seconds).
const FLOOR_CONSUME_LUA: &str = r"
local f = redis.call('HMGET', KEYS[1], 'p', 'e', 'c')
if not f[1] then return {'nf'} end
if f[3] then return {'used'} end
if tonumber(f[2]) <= tonumber(ARGV[1]) then return {'exp'} end
redis.call('HSET', KEYS[1], 'c', ARGV[1])
return {'ok', f[1]}
";

/// The same round trips, written directly on each client.
#[derive(Clone)]
enum Baseline {
    Memory {
        tokens: Arc<Mutex<HashMap<String, TokenRecord>>>,
        kept: Arc<Mutex<Kept>>,
        sessions: Arc<Mutex<HashMap<String, Session>>>,
        session_ids: Arc<Mutex<TwoStep>>,
    },
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
    Redis(redis::aio::ConnectionManager, String),
}

impl Baseline {
    async fn prepare(&self) {
        match self {
            Self::Sqlite(pool) => {
                for ddl in [
                    "CREATE TABLE IF NOT EXISTS bench_consume (key TEXT PRIMARY KEY, payload TEXT NOT NULL)",
                    "CREATE TABLE IF NOT EXISTS bench_kept (key TEXT PRIMARY KEY, payload TEXT NOT NULL, expires_at BIGINT NOT NULL, consumed_at BIGINT)",
                    "CREATE TABLE IF NOT EXISTS bench_sessions (token_digest TEXT PRIMARY KEY, payload TEXT NOT NULL)",
                ] {
                    sqlx::query(ddl).execute(pool).await.unwrap();
                }
            }
            Self::Postgres(pool) => {
                for ddl in [
                    "CREATE TABLE IF NOT EXISTS bench_consume (key TEXT PRIMARY KEY, payload TEXT NOT NULL)",
                    "CREATE TABLE IF NOT EXISTS bench_kept (key TEXT PRIMARY KEY, payload TEXT NOT NULL, expires_at BIGINT NOT NULL, consumed_at BIGINT)",
                    "CREATE TABLE IF NOT EXISTS bench_sessions (token_digest TEXT PRIMARY KEY, payload TEXT NOT NULL)",
                ] {
                    sqlx::query(ddl).execute(pool).await.unwrap();
                }
            }
            Self::Memory { .. } | Self::Redis(..) => {}
        }
    }

    async fn put_kept(&self, record: &TokenRecord) {
        let key = record.key();
        let payload = serde_json::to_string(record).unwrap();
        let expires = record.expires_at.unix_timestamp();
        match self {
            Self::Memory { kept, .. } => {
                kept.lock().unwrap().insert(key, (record.clone(), None));
            }
            Self::Sqlite(pool) => {
                sqlx::query(
                    "INSERT INTO bench_kept (key, payload, expires_at) VALUES (?1, ?2, ?3)",
                )
                .bind(key)
                .bind(payload)
                .bind(expires)
                .execute(pool)
                .await
                .unwrap();
            }
            Self::Postgres(pool) => {
                sqlx::query(
                    "INSERT INTO bench_kept (key, payload, expires_at) VALUES ($1, $2, $3)",
                )
                .bind(key)
                .bind(payload)
                .bind(expires)
                .execute(pool)
                .await
                .unwrap();
            }
            Self::Redis(conn, prefix) => {
                let mut conn = conn.clone();
                let k = format!("{prefix}bk:{key}");
                let _: () = redis::pipe()
                    .hset_multiple(&k, &[("p", payload), ("e", expires.to_string())])
                    .ignore()
                    .expire(&k, 3600)
                    .ignore()
                    .query_async(&mut conn)
                    .await
                    .unwrap();
            }
        }
    }

    /// The floor: the record kept, marked consumed when live, and returned.
    async fn consume_kept(&self, key: &str, now: OffsetDateTime) {
        let at = now.unix_timestamp();
        let found = match self {
            Self::Memory { kept, .. } => {
                let mut kept = kept.lock().unwrap();
                let (record, consumed) = kept.get_mut(key).unwrap();
                let live = consumed.is_none() && record.expires_at > now;
                if live {
                    *consumed = Some(now);
                }
                live && std::hint::black_box(record.clone()).expires_at > now
            }
            Self::Sqlite(pool) => sqlx::query_scalar::<_, String>(
                "UPDATE bench_kept SET consumed_at = ?2 WHERE key = ?1 AND consumed_at IS NULL AND expires_at > ?2 RETURNING payload",
            )
            .bind(key)
            .bind(at)
            .fetch_optional(pool)
            .await
            .unwrap()
            .is_some(),
            Self::Postgres(pool) => sqlx::query_scalar::<_, String>(
                "UPDATE bench_kept SET consumed_at = $2 WHERE key = $1 AND consumed_at IS NULL AND expires_at > $2 RETURNING payload",
            )
            .bind(key)
            .bind(at)
            .fetch_optional(pool)
            .await
            .unwrap()
            .is_some(),
            Self::Redis(conn, prefix) => {
                let mut conn = conn.clone();
                let out: Vec<String> = redis::Script::new(FLOOR_CONSUME_LUA)
                    .key(format!("{prefix}bk:{key}"))
                    .arg(at)
                    .invoke_async(&mut conn)
                    .await
                    .unwrap();
                out.first().map(String::as_str) == Some("ok")
            }
        };
        assert!(found);
    }

    async fn put_token(&self, record: &TokenRecord) {
        let key = record.key();
        let payload = serde_json::to_string(record).unwrap();
        match self {
            Self::Memory { tokens, .. } => {
                tokens.lock().unwrap().insert(key, record.clone());
            }
            Self::Sqlite(pool) => {
                sqlx::query("INSERT INTO bench_consume (key, payload) VALUES (?1, ?2)")
                    .bind(key)
                    .bind(payload)
                    .execute(pool)
                    .await
                    .unwrap();
            }
            Self::Postgres(pool) => {
                sqlx::query("INSERT INTO bench_consume (key, payload) VALUES ($1, $2)")
                    .bind(key)
                    .bind(payload)
                    .execute(pool)
                    .await
                    .unwrap();
            }
            Self::Redis(conn, prefix) => {
                let mut conn = conn.clone();
                let _: () = conn
                    .set_ex(format!("{prefix}bc:{key}"), payload, 3600)
                    .await
                    .unwrap();
            }
        }
    }

    async fn consume(&self, key: &str) {
        let found = match self {
            Self::Memory { tokens, .. } => tokens.lock().unwrap().remove(key).is_some(),
            Self::Sqlite(pool) => sqlx::query_scalar::<_, String>(
                "DELETE FROM bench_consume WHERE key = ?1 RETURNING payload",
            )
            .bind(key)
            .fetch_optional(pool)
            .await
            .unwrap()
            .is_some(),
            Self::Postgres(pool) => sqlx::query_scalar::<_, String>(
                "DELETE FROM bench_consume WHERE key = $1 RETURNING payload",
            )
            .bind(key)
            .fetch_optional(pool)
            .await
            .unwrap()
            .is_some(),
            Self::Redis(conn, prefix) => {
                let mut conn = conn.clone();
                let value: Option<String> =
                    conn.get_del(format!("{prefix}bc:{key}")).await.unwrap();
                value.is_some()
            }
        };
        assert!(found);
    }

    async fn put_session(&self, session: &Session, digest: &SecretDigest) {
        let payload = serde_json::to_string(session).unwrap();
        match self {
            Self::Memory {
                sessions,
                session_ids,
                ..
            } => {
                sessions
                    .lock()
                    .unwrap()
                    .insert(digest.to_string(), session.clone());
                let mut two = session_ids.lock().unwrap();
                two.0.insert(digest.to_string(), session.session_id.clone());
                two.1.insert(session.session_id.clone(), session.clone());
            }
            Self::Sqlite(pool) => {
                sqlx::query("INSERT INTO bench_sessions (token_digest, payload) VALUES (?1, ?2)")
                    .bind(digest.to_string())
                    .bind(payload)
                    .execute(pool)
                    .await
                    .unwrap();
            }
            Self::Postgres(pool) => {
                sqlx::query("INSERT INTO bench_sessions (token_digest, payload) VALUES ($1, $2)")
                    .bind(digest.to_string())
                    .bind(payload)
                    .execute(pool)
                    .await
                    .unwrap();
            }
            Self::Redis(conn, prefix) => {
                let mut conn = conn.clone();
                let _: () = conn
                    .set_ex(format!("{prefix}bs:{digest}"), &payload, 3600)
                    .await
                    .unwrap();
            }
        }
    }

    /// The floor for sessions kept under their id: digest to id, then the session.
    /// None where the store's own read is already the baseline's (SQL, Redis).
    fn has_session_floor(&self) -> bool {
        matches!(self, Self::Memory { .. })
    }

    async fn get_session_two_step(&self, digest: &str) {
        let found = match self {
            Self::Memory { session_ids, .. } => {
                let two = session_ids.lock().unwrap();
                two.0
                    .get(digest)
                    .and_then(|id| two.1.get(id))
                    .cloned()
                    .is_some()
            }
            Self::Sqlite(_) | Self::Postgres(_) | Self::Redis(..) => {
                unreachable!("no session floor where the store's read is the baseline's")
            }
        };
        assert!(found);
    }

    async fn get_session(&self, digest: &str) {
        let found = match self {
            Self::Memory { sessions, .. } => {
                sessions.lock().unwrap().get(digest).cloned().is_some()
            }
            Self::Sqlite(pool) => sqlx::query_scalar::<_, String>(
                "SELECT payload FROM bench_sessions WHERE token_digest = ?1",
            )
            .bind(digest)
            .fetch_optional(pool)
            .await
            .unwrap()
            .is_some(),
            Self::Postgres(pool) => sqlx::query_scalar::<_, String>(
                "SELECT payload FROM bench_sessions WHERE token_digest = $1",
            )
            .bind(digest)
            .fetch_optional(pool)
            .await
            .unwrap()
            .is_some(),
            Self::Redis(conn, prefix) => {
                let mut conn = conn.clone();
                let value: Option<String> = conn.get(format!("{prefix}bs:{digest}")).await.unwrap();
                value.is_some()
            }
        };
        assert!(found);
    }
}

/// Runs `op` over `items` with `concurrency` tasks, each taking its share in turn.
async fn run<T, F, Fut>(concurrency: usize, items: Vec<T>, op: F)
where
    T: Send + 'static,
    F: Fn(T) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    if concurrency == 1 {
        for item in items {
            op(item).await;
        }
        return;
    }
    let mut shares: Vec<Vec<T>> = (0..concurrency).map(|_| Vec::new()).collect();
    for (i, item) in items.into_iter().enumerate() {
        shares[i % concurrency].push(item);
    }
    let mut set = tokio::task::JoinSet::new();
    for share in shares {
        let op = op.clone();
        set.spawn(async move {
            for item in share {
                op(item).await;
            }
        });
    }
    set.join_all().await;
}

/// Makes `n` fresh records, stored for one side of a group.
async fn fresh<S: Store>(store: &S, baseline: &Baseline, n: u64, side: Side) -> Vec<String> {
    let now = OffsetDateTime::now_utc();
    let records: Vec<TokenRecord> = (0..n).map(|_| record(now)).collect();
    let keys = records.iter().map(SingleUseRecord::key).collect();
    let store = store.clone();
    let baseline = baseline.clone();
    run(16, records, move |r: TokenRecord| {
        let store = store.clone();
        let baseline = baseline.clone();
        async move {
            match side {
                Side::Ours => store.put(&r).await.unwrap(),
                Side::Baseline => baseline.put_token(&r).await,
                Side::Floor => baseline.put_kept(&r).await,
            }
        }
    })
    .await;
    keys
}

fn backend<S: Store>(c: &mut Criterion, rt: &Runtime, name: &str, store: S, baseline: Baseline) {
    rt.block_on(baseline.prepare());
    let now = OffsetDateTime::now_utc();
    let mut digests = Vec::with_capacity(SESSIONS);
    rt.block_on(async {
        for _ in 0..SESSIONS {
            let (session, digest) = session(now);
            store.create_session(&session, &digest).await.unwrap();
            baseline.put_session(&session, &digest).await;
            digests.push(digest);
        }
    });
    let digests = Arc::new(digests);

    for concurrency in [1usize, 16] {
        let mut group = c.benchmark_group(format!("store/consume_{name}_c{concurrency}"));
        group.sample_size(20);
        group.warm_up_time(StdDuration::from_millis(500));
        group.measurement_time(StdDuration::from_secs(3));
        group.bench_function("portcullis", |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let keys = fresh(&store, &baseline, iters, Side::Ours).await;
                    let store = store.clone();
                    let start = Instant::now();
                    run(concurrency, keys, move |key: String| {
                        let store = store.clone();
                        async move {
                            let consumed: TokenRecord = store.consume(&key, now).await.unwrap();
                            std::hint::black_box(consumed);
                        }
                    })
                    .await;
                    start.elapsed()
                })
            });
        });
        group.bench_function("baseline", |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let keys = fresh(&store, &baseline, iters, Side::Baseline).await;
                    let baseline = baseline.clone();
                    let start = Instant::now();
                    run(concurrency, keys, move |key: String| {
                        let baseline = baseline.clone();
                        async move { baseline.consume(&key).await }
                    })
                    .await;
                    start.elapsed()
                })
            });
        });
        group.bench_function("floor", |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let keys = fresh(&store, &baseline, iters, Side::Floor).await;
                    let baseline = baseline.clone();
                    let start = Instant::now();
                    run(concurrency, keys, move |key: String| {
                        let baseline = baseline.clone();
                        async move { baseline.consume_kept(&key, now).await }
                    })
                    .await;
                    start.elapsed()
                })
            });
        });
        group.finish();

        let mut group = c.benchmark_group(format!("store/session_get_{name}_c{concurrency}"));
        group.sample_size(20);
        group.warm_up_time(StdDuration::from_millis(500));
        group.measurement_time(StdDuration::from_secs(3));
        group.bench_function("portcullis", |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let picks: Vec<usize> =
                        (0..iters).map(|i| (i % SESSIONS as u64) as usize).collect();
                    let store = store.clone();
                    let digests = digests.clone();
                    let start = Instant::now();
                    run(concurrency, picks, move |i: usize| {
                        let store = store.clone();
                        let digests = digests.clone();
                        async move {
                            let session = store.get_session_by_token(&digests[i]).await.unwrap();
                            std::hint::black_box(session);
                        }
                    })
                    .await;
                    start.elapsed()
                })
            });
        });
        group.bench_function("baseline", |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let picks: Vec<usize> =
                        (0..iters).map(|i| (i % SESSIONS as u64) as usize).collect();
                    let baseline = baseline.clone();
                    let texts: Arc<Vec<String>> =
                        Arc::new(digests.iter().map(ToString::to_string).collect());
                    let start = Instant::now();
                    run(concurrency, picks, move |i: usize| {
                        let baseline = baseline.clone();
                        let texts = texts.clone();
                        async move { baseline.get_session(&texts[i]).await }
                    })
                    .await;
                    start.elapsed()
                })
            });
        });
        if baseline.has_session_floor() {
            group.bench_function("floor", |b| {
                b.iter_custom(|iters| {
                    rt.block_on(async {
                        let picks: Vec<usize> =
                            (0..iters).map(|i| (i % SESSIONS as u64) as usize).collect();
                        let baseline = baseline.clone();
                        let texts: Arc<Vec<String>> =
                            Arc::new(digests.iter().map(ToString::to_string).collect());
                        let start = Instant::now();
                        run(concurrency, picks, move |i: usize| {
                            let baseline = baseline.clone();
                            let texts = texts.clone();
                            async move { baseline.get_session_two_step(&texts[i]).await }
                        })
                        .await;
                        start.elapsed()
                    })
                });
            });
        }
        group.finish();
    }
}

fn store(c: &mut Criterion) {
    let rt = runtime();

    let memory = MemoryStore::new();
    let baseline = Baseline::Memory {
        tokens: Arc::default(),
        kept: Arc::default(),
        sessions: Arc::default(),
        session_ids: Arc::default(),
    };
    backend(c, &rt, "memory", memory, baseline);

    let path =
        std::env::temp_dir().join(format!("portcullis-bench-{}.sqlite3", std::process::id()));
    let sqlite = rt.block_on(SqliteStore::open(&path, 4)).unwrap();
    let baseline = Baseline::Sqlite(sqlite.pool().clone());
    backend(c, &rt, "sqlite", sqlite, baseline);
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.clone().into_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }

    match std::env::var("PORTCULLIS_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => {
            let schema = format!("pcl_bench_{}", std::process::id());
            let config = PostgresConfig::new(url).schema(&schema).max_connections(16);
            let postgres = rt.block_on(PostgresStore::open(config)).unwrap();
            let baseline = Baseline::Postgres(postgres.pool().clone());
            backend(c, &rt, "postgres", postgres.clone(), baseline);
            let drop = format!("DROP SCHEMA \"{schema}\" CASCADE");
            rt.block_on(sqlx::query(sqlx::AssertSqlSafe(drop)).execute(postgres.pool()))
                .unwrap();
        }
        _ => {
            eprintln!("store benches: PORTCULLIS_POSTGRES_URL is unset, PostgreSQL groups skipped")
        }
    }

    match std::env::var("PORTCULLIS_REDIS_URL") {
        Ok(url) if !url.is_empty() => {
            let prefix = format!("pcl-bench-{}:", std::process::id());
            let redis = rt
                .block_on(RedisStore::open(RedisConfig::new(url).prefix(&prefix)))
                .unwrap();
            let baseline = Baseline::Redis(redis.connection(), prefix);
            backend(c, &rt, "redis", redis.clone(), baseline);
            rt.block_on(redis.remove_all()).unwrap();
        }
        _ => eprintln!("store benches: PORTCULLIS_REDIS_URL is unset, Redis groups skipped"),
    }
}

criterion_group!(benches, store);
criterion_main!(benches);
