//! portcullis-session on a store: authenticate a session by its opaque token.
//!
//! `session/token_<backend>`: `portcullis` is [`Sessions::authenticate_token`] on the
//! presented token text (parse, digest the secret, look the session up, the lifecycle
//! checks, record the use); `baseline` is the two store round trips it cannot avoid
//! (`get_session_by_token` with a digest computed beforehand, then `touch_session`),
//! called directly on the same store. The ratio is what parsing, digesting and the
//! checks add to the storage work.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use portcullis::core::{Duration, OffsetDateTime, OsRng};
use portcullis::session::{AuthenticationFactor, FactorType, NewSession, SessionPolicy};
use portcullis::sessions::Sessions;
use portcullis::store::{MemoryStore, SessionStore, SqliteStore};
use portcullis::token::Digester;
use tokio::runtime::Runtime;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn token_auth<S: SessionStore + Clone>(c: &mut Criterion, name: &str, rt: &Runtime, store: S) {
    let now = OffsetDateTime::now_utc();
    let sessions =
        Sessions::new(store.clone(), SessionPolicy::default(), Digester::Sha256).unwrap();
    let factor = AuthenticationFactor::new(FactorType::Password, now);
    let issued = rt
        .block_on(sessions.start(&mut OsRng, NewSession::new("user-1", factor), now))
        .unwrap();
    let presented = issued.token.render();
    let digest = issued.token.digest().clone();
    let id = issued.session.session_id.clone();
    let at = now + Duration::minutes(1);

    let mut group = c.benchmark_group(format!("session/token_{name}"));
    group.bench_function("portcullis", |b| {
        b.iter(|| {
            rt.block_on(sessions.authenticate_token(presented.expose_secret(), at, None))
                .unwrap()
        });
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            rt.block_on(async {
                let found = store.get_session_by_token(&digest).await.unwrap();
                store
                    .touch_session(&id, at, found.expires_at)
                    .await
                    .unwrap()
            })
        });
    });
    group.finish();
}

fn session(c: &mut Criterion) {
    let rt = runtime();
    token_auth(c, "memory", &rt, MemoryStore::new());
    let sqlite = rt.block_on(SqliteStore::open_in_memory()).unwrap();
    token_auth(c, "sqlite", &rt, sqlite);
}

criterion_group!(benches, session);
criterion_main!(benches);
