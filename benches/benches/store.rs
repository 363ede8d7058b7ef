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
//! Ours returns the decoded record or session; the baselines return the stored text
//! (the memory ones the typed value). At concurrency 16 the time is per operation with
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

/// The same round trips, written directly on each client.
#[derive(Clone)]
enum Baseline {
    Memory {
        tokens: Arc<Mutex<HashMap<String, TokenRecord>>>,
        sessions: Arc<Mutex<HashMap<String, Session>>>,
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
                    "CREATE TABLE IF NOT EXISTS bench_sessions (token_digest TEXT PRIMARY KEY, payload TEXT NOT NULL)",
                ] {
                    sqlx::query(ddl).execute(pool).await.unwrap();
                }
            }
            Self::Postgres(pool) => {
                for ddl in [
                    "CREATE TABLE IF NOT EXISTS bench_consume (key TEXT PRIMARY KEY, payload TEXT NOT NULL)",
                    "CREATE TABLE IF NOT EXISTS bench_sessions (token_digest TEXT PRIMARY KEY, payload TEXT NOT NULL)",
                ] {
                    sqlx::query(ddl).execute(pool).await.unwrap();
                }
            }
            Self::Memory { .. } | Self::Redis(..) => {}
        }
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
            Self::Memory { sessions, .. } => {
                sessions
                    .lock()
                    .unwrap()
                    .insert(digest.to_string(), session.clone());
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
                    .set_ex(format!("{prefix}bs:{digest}"), payload, 3600)
                    .await
                    .unwrap();
            }
        }
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

/// Makes `n` fresh records, stored both by the store and by the baseline.
async fn fresh<S: Store>(store: &S, baseline: &Baseline, n: u64, ours: bool) -> Vec<String> {
    let now = OffsetDateTime::now_utc();
    let records: Vec<TokenRecord> = (0..n).map(|_| record(now)).collect();
    let keys = records.iter().map(SingleUseRecord::key).collect();
    let store = store.clone();
    let baseline = baseline.clone();
    run(16, records, move |r: TokenRecord| {
        let store = store.clone();
        let baseline = baseline.clone();
        async move {
            if ours {
                store.put(&r).await.unwrap();
            } else {
                baseline.put_token(&r).await;
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
        group.sample_size(10);
        group.warm_up_time(StdDuration::from_millis(500));
        group.measurement_time(StdDuration::from_secs(2));
        group.bench_function("portcullis", |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let keys = fresh(&store, &baseline, iters, true).await;
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
                    let keys = fresh(&store, &baseline, iters, false).await;
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
        group.finish();

        let mut group = c.benchmark_group(format!("store/session_get_{name}_c{concurrency}"));
        group.sample_size(10);
        group.warm_up_time(StdDuration::from_millis(500));
        group.measurement_time(StdDuration::from_secs(2));
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
        group.finish();
    }
}

fn store(c: &mut Criterion) {
    let rt = runtime();

    let memory = MemoryStore::new();
    let baseline = Baseline::Memory {
        tokens: Arc::default(),
        sessions: Arc::default(),
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
