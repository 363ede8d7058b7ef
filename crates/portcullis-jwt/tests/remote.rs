//! The remote JWKS cache against a local HTTP server started by each test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::{Arc, Mutex};

use portcullis_core::{ManualClock, OsRng};
use portcullis_jwt::remote::{HttpFetch, RemoteConfig, RemoteJwks};
use portcullis_jwt::{Algorithm, Jwks, JwtError, Key, KeySpec, NewClaims, Verifier};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Canned {
    status: u16,
    body: String,
    cache_control: Option<String>,
    delay_ms: u64,
    hits: usize,
}

type Server = Arc<Mutex<Canned>>;

async fn serve(canned: Canned) -> (Server, String) {
    let state = Arc::new(Mutex::new(canned));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    let shared = state.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let shared = shared.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let (status, body, cache_control, delay) = {
                    let mut s = shared.lock().unwrap();
                    s.hits += 1;
                    (
                        s.status,
                        s.body.clone(),
                        s.cache_control.clone(),
                        s.delay_ms,
                    )
                };
                tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
                let mut head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                    body.len()
                );
                if let Some(cc) = cache_control {
                    head.push_str(&format!("cache-control: {cc}\r\n"));
                }
                head.push_str("\r\n");
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(body.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (state, url)
}

fn doc(keys: &[&Key]) -> String {
    Jwks::from_keys(keys.iter().map(|k| k.public_key().unwrap()))
        .unwrap()
        .to_json()
        .unwrap()
        .to_string()
}

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

fn remote(url: &str, clock: &Arc<ManualClock>) -> RemoteJwks<HttpFetch, Arc<ManualClock>> {
    RemoteJwks::with_fetcher(
        RemoteConfig::new(url),
        HttpFetch::new().unwrap(),
        clock.clone(),
    )
    .unwrap()
}

fn canned(body: String, cache_control: Option<&str>) -> Canned {
    Canned {
        status: 200,
        body,
        cache_control: cache_control.map(str::to_owned),
        delay_ms: 0,
        hits: 0,
    }
}

fn es256() -> Key {
    Key::generate(KeySpec::new(Algorithm::ES256)).unwrap()
}

#[tokio::test]
async fn caches_for_max_age_within_bounds() {
    let a = es256();
    let (server, url) = serve(canned(doc(&[&a]), Some("public, max-age=120"))).await;
    let clock = Arc::new(ManualClock::new(t0()));
    let jwks = remote(&url, &clock);
    assert_eq!(jwks.keys().await.unwrap().len(), 1);
    clock.advance(Duration::seconds(119));
    jwks.keys().await.unwrap();
    assert_eq!(server.lock().unwrap().hits, 1);
    clock.advance(Duration::seconds(2));
    jwks.keys().await.unwrap();
    assert_eq!(server.lock().unwrap().hits, 2);
    // max-age below the floor is raised to 1 minute; above the ceiling cut to 1 day.
    server.lock().unwrap().cache_control = Some("max-age=0".into());
    clock.advance(Duration::seconds(121));
    jwks.keys().await.unwrap();
    let snap = jwks.export().unwrap();
    assert_eq!(snap.expires_at - snap.fetched_at, Duration::minutes(1));
    server.lock().unwrap().cache_control = Some("max-age=99999999".into());
    clock.advance(Duration::seconds(61));
    jwks.keys().await.unwrap();
    let snap = jwks.export().unwrap();
    assert_eq!(snap.expires_at - snap.fetched_at, Duration::days(1));
    server.lock().unwrap().cache_control = None;
    clock.advance(Duration::days(1));
    jwks.keys().await.unwrap();
    let snap = jwks.export().unwrap();
    assert_eq!(snap.expires_at - snap.fetched_at, Duration::minutes(10));
    assert_eq!(server.lock().unwrap().hits, 5);
}

#[tokio::test]
async fn unknown_kid_refetches_once_per_cooldown_and_bogus_kids_are_remembered() {
    let a = es256();
    let b = es256();
    let (server, url) = serve(canned(doc(&[&a]), None)).await;
    let clock = Arc::new(ManualClock::new(t0()));
    let jwks = remote(&url, &clock);
    jwks.key(a.kid()).await.unwrap();
    // The server rotates in b. Within the cooldown of the first fetch: no refetch.
    server.lock().unwrap().body = doc(&[&a, &b]);
    clock.advance(Duration::seconds(10));
    assert_eq!(jwks.key(b.kid()).await.unwrap_err(), JwtError::UnknownKid);
    assert_eq!(server.lock().unwrap().hits, 1);
    // After it: one refetch finds b.
    clock.advance(Duration::seconds(25));
    assert_eq!(jwks.key(b.kid()).await.unwrap().kid(), b.kid());
    assert_eq!(server.lock().unwrap().hits, 2);
    // A flood of bogus kids after the cooldown costs one fetch.
    clock.advance(Duration::seconds(31));
    for i in 0..200 {
        assert_eq!(
            jwks.key(&format!("bogus-{i}")).await.unwrap_err(),
            JwtError::UnknownKid
        );
    }
    assert_eq!(server.lock().unwrap().hits, 3);
    // A bogus kid missing after that fetch is remembered for negative_ttl (5 min):
    // after the cooldown it costs no fetch, while a new kid does.
    clock.advance(Duration::seconds(31));
    assert_eq!(jwks.key("bogus-0").await.unwrap_err(), JwtError::UnknownKid);
    assert_eq!(server.lock().unwrap().hits, 3);
    assert_eq!(jwks.key("new-kid").await.unwrap_err(), JwtError::UnknownKid);
    assert_eq!(server.lock().unwrap().hits, 4);
    clock.advance(Duration::minutes(5));
    assert_eq!(jwks.key("bogus-0").await.unwrap_err(), JwtError::UnknownKid);
    assert_eq!(server.lock().unwrap().hits, 5, "the negative entry expired");
}

#[tokio::test]
async fn concurrent_misses_share_one_fetch() {
    let a = es256();
    let b = es256();
    let (server, url) = serve(canned(doc(&[&a]), None)).await;
    let clock = Arc::new(ManualClock::new(t0()));
    let jwks = Arc::new(remote(&url, &clock));
    jwks.keys().await.unwrap();
    {
        let mut s = server.lock().unwrap();
        s.body = doc(&[&a, &b]);
        s.delay_ms = 300;
    }
    clock.advance(Duration::seconds(31));
    let kid = b.kid().to_owned();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let jwks = jwks.clone();
            let kid = kid.clone();
            tokio::spawn(async move { jwks.key(&kid).await.map(|k| k.kid().to_owned()) })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), Ok(kid.clone()));
    }
    assert_eq!(
        server.lock().unwrap().hits,
        2,
        "one initial fetch, one shared refetch"
    );
    assert_eq!(jwks.fetch_count(), 2);
}

#[tokio::test]
async fn stale_if_error_is_bounded() {
    let a = es256();
    let (server, url) = serve(canned(doc(&[&a]), Some("max-age=600"))).await;
    let clock = Arc::new(ManualClock::new(t0()));
    let jwks = remote(&url, &clock);
    jwks.keys().await.unwrap();
    server.lock().unwrap().status = 500;
    clock.advance(Duration::minutes(11));
    assert_eq!(
        jwks.keys().await.unwrap().len(),
        1,
        "stale set served while the server fails"
    );
    assert_eq!(server.lock().unwrap().hits, 2);
    // Within the cooldown after a failure, no new attempt.
    clock.advance(Duration::seconds(5));
    jwks.keys().await.unwrap();
    assert_eq!(server.lock().unwrap().hits, 2);
    // Past expiry + stale_if_error (1 hour): refused.
    clock.advance(Duration::hours(1));
    assert!(matches!(jwks.keys().await.unwrap_err(), JwtError::Fetch(_)));
    // The server recovers.
    server.lock().unwrap().status = 200;
    clock.advance(Duration::seconds(31));
    assert_eq!(jwks.keys().await.unwrap().len(), 1);
}

#[tokio::test]
async fn timeout_and_garbage_are_fetch_errors() {
    let a = es256();
    let (server, url) = serve(canned(doc(&[&a]), None)).await;
    server.lock().unwrap().delay_ms = 2000;
    let clock = Arc::new(ManualClock::new(t0()));
    let mut config = RemoteConfig::new(&url);
    config.timeout = Duration::milliseconds(200);
    let jwks = RemoteJwks::with_fetcher(config, HttpFetch::new().unwrap(), clock.clone()).unwrap();
    assert_eq!(
        jwks.keys().await.unwrap_err(),
        JwtError::Fetch("timed out".into())
    );
    let (server, url) = serve(canned("<html>".into(), None)).await;
    let jwks = remote(&url, &clock);
    assert!(matches!(jwks.keys().await.unwrap_err(), JwtError::Fetch(_)));
    assert_eq!(server.lock().unwrap().hits, 1);
    let mut bad = RemoteConfig::new(&url);
    bad.cooldown = Duration::hours(1);
    assert!(RemoteJwks::with_fetcher(bad, HttpFetch::new().unwrap(), clock.clone()).is_err());
}

#[tokio::test]
async fn export_restore_and_verify() {
    let a = es256();
    let (server, url) = serve(canned(doc(&[&a]), None)).await;
    let clock = Arc::new(ManualClock::new(t0()));
    let first = remote(&url, &clock);
    first.keys().await.unwrap();
    let snapshot = first.export().unwrap();
    let text = serde_json::to_string(&snapshot).unwrap();

    let second = remote(&url, &clock);
    second
        .restore(serde_json::from_str(&text).unwrap())
        .unwrap();
    let template = Verifier::new(Jwks::default()).issuer("https://a.example");
    let token = a
        .sign(
            &NewClaims::new().issuer("https://a.example"),
            t0(),
            &mut OsRng,
        )
        .unwrap();
    let verified = second
        .verify(&template, token.token.expose_secret(), t0())
        .await
        .unwrap();
    assert_eq!(&*verified.header.kid, a.kid());
    assert_eq!(
        server.lock().unwrap().hits,
        1,
        "restored cache needed no fetch"
    );
    let stranger = es256();
    let other = stranger.sign(&NewClaims::new(), t0(), &mut OsRng).unwrap();
    assert_eq!(
        second
            .verify(&template, other.token.expose_secret(), t0())
            .await
            .unwrap_err(),
        JwtError::UnknownKid
    );
    assert!(
        second
            .restore(portcullis_jwt::remote::CacheSnapshot {
                jwks: "[]".into(),
                ..snapshot
            })
            .is_err()
    );
    let _ = json!({});
}
