//! Faults: a backend that is down, or that drops the store's connections, yields
//! `StoreError::Unavailable` (never a panic, never a half-written record), and the
//! store recovers without being reopened.
//!
//! Outages are made with a TCP proxy in front of the real server, stopped and
//! started again on the same port. Dropped connections are made the way operators
//! make them: `CLIENT KILL TYPE normal` on Redis (which drops every normal client
//! of the server, hence this separate test binary, which cargo never runs beside
//! the conformance suite) and `pg_terminate_backend` on the backends whose
//! `application_name` is this test's own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::{Arc, Mutex};

use portcullis_core::{Duration, OffsetDateTime};
use portcullis_store::CounterStore;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// A TCP proxy to `target` that can be stopped (dropping every connection and
/// refusing new ones) and started again on the same port.
struct Proxy {
    port: u16,
    target: String,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    async fn start(target: &str) -> Self {
        let mut proxy = Self {
            port: 0,
            target: target.to_owned(),
            tasks: Arc::default(),
        };
        proxy.resume().await;
        proxy
    }

    async fn resume(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.port = listener.local_addr().unwrap().port();
        let target = self.target.clone();
        let tasks = self.tasks.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                let target = target.clone();
                let pipe = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().unwrap().push(pipe.abort_handle());
            }
        });
        self.tasks.lock().unwrap().push(accept.abort_handle());
    }

    /// Drops the listener and every proxied connection.
    async fn stop(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
        // Let the aborted tasks drop their sockets.
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// `host:port` of a `scheme://[user@]host:port/...` URL.
fn address(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest).to_owned()
}

/// The URL with its address replaced by the proxy's.
fn through(url: &str, port: u16) -> String {
    url.replacen(&address(url), &format!("127.0.0.1:{port}"), 1)
}

/// Increments until one succeeds (at most `attempts` tries, a short pause between
/// them); every failure must be `Unavailable`. Returns how many succeeded, which is
/// then what the counter must read: a failed increment wrote nothing.
async fn increment_until_ok<S: CounterStore>(store: &S, key: &str, attempts: usize) -> u64 {
    let now = OffsetDateTime::now_utc();
    for _ in 0..attempts {
        match store.increment(key, Duration::minutes(10), now).await {
            Ok(_) => return 1,
            Err(error) => assert!(error.is_unavailable(), "{error:?}"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the store did not recover after {attempts} attempts");
}

#[cfg(feature = "redis")]
mod redis {
    use std::time::Duration as StdDuration;

    use portcullis_store::{CounterStore, RedisConfig, RedisStore, StoreError};

    use super::common::backend_url;
    use super::{Proxy, increment_until_ok, through};

    /// `CLIENT KILL TYPE normal` drops every Redis client of this binary too, so its
    /// Redis tests take turns.
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

    fn config(url: &str, prefix: &str) -> RedisConfig {
        RedisConfig::new(url)
            .prefix(prefix)
            .timeouts(StdDuration::from_millis(500), StdDuration::from_secs(2))
    }

    #[tokio::test]
    async fn closed_port_is_unavailable() {
        let mut config = config("redis://127.0.0.1:1", "unused:");
        config.reconnect_retries = 0;
        let opened = RedisStore::open(config).await;
        assert!(
            matches!(
                opened,
                Err(StoreError::Unavailable {
                    backend: "redis",
                    ..
                })
            ),
            "{opened:?}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn outage_then_recovery() {
        let Some(url) = backend_url("PORTCULLIS_REDIS_URL") else {
            return;
        };
        let _turn = TURN.lock().await;
        let mut proxy = Proxy::start(&super::address(&url)).await;
        let prefix = format!("{}:", super::common::unique("pcl-fault"));
        let store = RedisStore::open(config(&through(&url, proxy.port), &prefix))
            .await
            .unwrap();
        let now = portcullis_core::OffsetDateTime::now_utc();
        let window = portcullis_core::Duration::minutes(10);
        assert_eq!(store.increment("k", window, now).await.unwrap().count, 1);

        proxy.stop().await;
        for _ in 0..3 {
            let down = store.increment("k", window, now).await;
            assert!(
                matches!(down, Err(StoreError::Unavailable { .. })),
                "{down:?}"
            );
        }

        proxy.resume().await;
        let ok = increment_until_ok(&store, "k", 100).await;
        assert_eq!(store.count("k", now).await, Ok(1 + ok));
        assert_eq!(store.remove_all().await, Ok(0));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn killed_connections_recover() {
        let Some(url) = backend_url("PORTCULLIS_REDIS_URL") else {
            return;
        };
        let _turn = TURN.lock().await;
        let prefix = format!("{}:", super::common::unique("pcl-fault"));
        let store = RedisStore::open(config(&url, &prefix)).await.unwrap();
        let now = portcullis_core::OffsetDateTime::now_utc();
        let window = portcullis_core::Duration::minutes(10);
        assert_eq!(store.increment("k", window, now).await.unwrap().count, 1);

        let admin = ::redis::Client::open(url.as_str()).unwrap();
        let mut admin = admin.get_multiplexed_async_connection().await.unwrap();
        let killed: i64 = ::redis::cmd("CLIENT")
            .arg(&["KILL", "TYPE", "normal", "SKIPME", "yes"])
            .query_async(&mut admin)
            .await
            .unwrap();
        assert!(killed >= 1, "the store's connection was killed");

        let ok = increment_until_ok(&store, "k", 100).await;
        assert_eq!(store.count("k", now).await, Ok(1 + ok));
        assert_eq!(store.remove_all().await, Ok(0));
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use std::time::Duration as StdDuration;

    use portcullis_store::{CounterStore, PostgresConfig, PostgresStore, StoreError};

    use super::common::{PostgresHarness, backend_url, open_postgres_with, unique};
    use super::{Proxy, increment_until_ok, through};
    use portcullis_store::conformance::Harness as _;

    #[tokio::test]
    async fn closed_port_is_unavailable() {
        let config = PostgresConfig::new("postgres://postgres@127.0.0.1:1/test")
            .acquire_timeout(StdDuration::from_secs(1));
        let opened = PostgresStore::open(config).await;
        assert!(
            matches!(
                opened,
                Err(StoreError::Unavailable {
                    backend: "postgres",
                    ..
                })
            ),
            "{opened:?}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn outage_then_recovery() {
        let Some(url) = backend_url("PORTCULLIS_POSTGRES_URL") else {
            return;
        };
        let mut proxy = Proxy::start(&super::address(&url)).await;
        let schema = unique("pcl_fault");
        let config = PostgresConfig::new(through(&url, proxy.port))
            .schema(&schema)
            .max_connections(2)
            .acquire_timeout(StdDuration::from_secs(1));
        let store = PostgresStore::open(config).await.unwrap();
        let now = portcullis_core::OffsetDateTime::now_utc();
        let window = portcullis_core::Duration::minutes(10);
        assert_eq!(store.increment("k", window, now).await.unwrap().count, 1);

        proxy.stop().await;
        for _ in 0..3 {
            let down = store.increment("k", window, now).await;
            assert!(
                matches!(down, Err(StoreError::Unavailable { .. })),
                "{down:?}"
            );
        }

        proxy.resume().await;
        let ok = increment_until_ok(&store, "k", 100).await;
        assert_eq!(store.count("k", now).await, Ok(1 + ok));
        PostgresHarness { store, schema }.finish().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn terminated_backends_recover() {
        let application = unique("pcl-fault");
        let Some(harness) = open_postgres_with(&application).await else {
            return;
        };
        let store = harness.store.clone();
        let now = portcullis_core::OffsetDateTime::now_utc();
        let window = portcullis_core::Duration::minutes(10);
        // Several at once, so the pool holds more than one connection.
        let mut warm = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let store = store.clone();
            warm.spawn(async move { store.increment("k", window, now).await });
        }
        assert!(warm.join_all().await.iter().all(Result::is_ok));

        let admin = store.pool().clone();
        let terminated: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = $1 AND pid <> pg_backend_pid()) AS t",
        )
        .bind(&application)
        .fetch_one(&admin)
        .await
        .unwrap();
        assert!(terminated >= 1, "the pool's backends were terminated");

        let mut ok = 0;
        for _ in 0..20 {
            match store.increment("k", window, now).await {
                Ok(_) => ok += 1,
                Err(error) => assert!(error.is_unavailable(), "{error:?}"),
            }
        }
        ok += increment_until_ok(&store, "k", 100).await;
        assert_eq!(store.count("k", now).await, Ok(8 + ok));
        harness.finish().await;
    }
}

#[test]
fn addresses() {
    assert_eq!(
        address("postgres://postgres@127.0.0.1:5432/test"),
        "127.0.0.1:5432"
    );
    assert_eq!(address("redis://127.0.0.1:6379"), "127.0.0.1:6379");
    assert_eq!(
        through("postgres://postgres@127.0.0.1:5432/test", 9),
        "postgres://postgres@127.0.0.1:9/test"
    );
}
