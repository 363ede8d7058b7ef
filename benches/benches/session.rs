//! portcullis-session on a store: authenticate a session by its opaque token.
//!
//! `session/token_<backend>`: `portcullis` is [`Sessions::authenticate_token`] on the
//! presented token text (parse, digest the secret, look the session up, the lifecycle
//! checks, record the use); `baseline` is the two store round trips it cannot avoid
//! (`get_session_by_token` with a digest computed beforehand, then `touch_session`),
//! called directly on the same store. The ratio is what parsing, digesting and the
//! checks add to the storage work.
//!
//! `session/jwt_<alg>`: a fresh session JWT (5 minutes, the session under its
//! namespaced claim) authenticated. `portcullis` is [`Sessions::authenticate_jwt`]
//! (verify, decode the claims once, read the session claim; no store round trip, so
//! the future completes on its first poll, which is how it is driven here);
//! `baseline` is `jsonwebtoken::decode` of the same token into a JSON value with the same
//! key (parsed once, outside the loop) and the same issuer check; `floor` is the bare
//! aws-lc-rs signature check of the token's signing input with an already parsed key.
//!
//! `flows/login_password_<backend>`: a whole password sign-in through
//! [`Portcullis::login_password`] (lock check, account read, argon2id verify on the
//! blocking pool, failure-counter reset, session start and store) beside `baseline`, the
//! bare argon2id computation (OWASP parameters, the argon2 crate) over the same
//! password and salt: the ratio is the flow's overhead over the hash it cannot avoid.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use portcullis::core::{Duration, OffsetDateTime, OsRng};
use portcullis::flows::Portcullis;
use portcullis::jwt::{Algorithm, Jwks, Key, KeySpec, Verifier};
use portcullis::session::jwt::SessionJwtConfig;
use portcullis::session::{AuthenticationFactor, FactorType, NewSession, SessionPolicy};
use portcullis::sessions::Sessions;
use portcullis::store::{MemoryStore, SessionStore, SqliteStore, Store};
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

const PASSWORD: &str = "correct horse battery staple 42";

fn login<S: Store>(c: &mut Criterion, name: &str, rt: &Runtime, store: S) {
    use base64::Engine as _;
    let now = OffsetDateTime::now_utc();
    let auth = Portcullis::builder(store).build().unwrap();
    let signed_up = rt
        .block_on(auth.sign_up(&mut OsRng, "ada@example.com", "user-1", PASSWORD, now))
        .unwrap();
    let stored = signed_up.account.password_hash.unwrap();
    let fields: Vec<&str> = stored.split('$').collect();
    let b64 = base64::engine::general_purpose::STANDARD_NO_PAD;
    let salt = b64.decode(fields[4]).unwrap();
    let expected = b64.decode(fields[5]).unwrap();

    let mut group = c.benchmark_group(format!("flows/login_password_{name}"));
    group.sample_size(20);
    group.bench_function("portcullis", |b| {
        b.iter(|| {
            rt.block_on(auth.login_password(&mut OsRng, "ada@example.com", PASSWORD, now))
                .unwrap()
        });
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let params = argon2::Params::new(19_456, 2, 1, Some(32)).unwrap();
            let mut out = [0u8; 32];
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
                .hash_password_into(PASSWORD.as_bytes(), &salt, &mut out)
                .unwrap();
            assert_eq!(out[..], expected[..]);
        });
    });
    group.finish();
}

const ISSUER: &str = "https://auth.example.com";

fn jwt_auth(
    c: &mut Criterion,
    rt: &Runtime,
    alg: Algorithm,
    jwt_alg: jsonwebtoken::Algorithm,
    floor_alg: &'static dyn aws_lc_rs::signature::VerificationAlgorithm,
) {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let now = OffsetDateTime::now_utc();
    let key = Key::generate(KeySpec::new(alg)).unwrap();
    let public = key.public_key().unwrap();
    let pem = public.to_public_pem().unwrap();
    let verifier = Verifier::new(Jwks::from_keys([public]).unwrap());
    let sessions = Sessions::new(
        MemoryStore::new(),
        SessionPolicy::default(),
        Digester::Sha256,
    )
    .unwrap()
    .with_jwt(key, verifier, SessionJwtConfig::new(ISSUER))
    .unwrap();
    let factor = AuthenticationFactor::new(FactorType::Password, now);
    let issued = rt
        .block_on(sessions.start(&mut OsRng, NewSession::new("user-1", factor), now))
        .unwrap();
    let signed = sessions
        .issue_jwt(&mut OsRng, &issued.session, now)
        .unwrap();
    let token = signed.token.expose_secret().to_owned();

    let decoding = match jwt_alg {
        jsonwebtoken::Algorithm::ES256 => jsonwebtoken::DecodingKey::from_ec_pem(pem.as_bytes()),
        _ => jsonwebtoken::DecodingKey::from_rsa_pem(pem.as_bytes()),
    }
    .unwrap();
    let mut validation = jsonwebtoken::Validation::new(jwt_alg);
    validation.set_issuer(&[ISSUER]);
    validation.validate_aud = false;

    // The floor: the signature over `header.payload`, with the key parsed beforehand.
    let spki: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let spki = base64::engine::general_purpose::STANDARD
        .decode(spki)
        .unwrap();
    let parsed = aws_lc_rs::signature::UnparsedPublicKey::new(floor_alg, &spki)
        .parse()
        .unwrap();
    let dot = token.rfind('.').unwrap();
    let (message, signature) = (&token[..dot], b64.decode(&token[dot + 1..]).unwrap());

    let mut group = c.benchmark_group(format!("session/jwt_{}", alg.name().to_lowercase()));
    group.bench_function("portcullis", |b| {
        b.iter(|| ready(sessions.authenticate_jwt(&mut OsRng, &token, now)).unwrap());
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<serde_json::Value>(&token, &decoding, &validation).unwrap()
        });
    });
    group.bench_function("floor", |b| {
        b.iter(|| parsed.verify_sig(message.as_bytes(), &signature).unwrap());
    });
    group.finish();
}

/// The output of a future that completes without waiting, polled once as an async
/// handler awaiting it would (a fresh session JWT needs no store round trip, so the
/// call never suspends); `block_on` would add the runtime's own entry cost to ours.
fn ready<F: std::future::Future>(future: F) -> F::Output {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match std::pin::pin!(future).poll(&mut cx) {
        std::task::Poll::Ready(out) => Some(out),
        std::task::Poll::Pending => None,
    }
    .expect("a fresh session JWT needs no store round trip")
}

fn session(c: &mut Criterion) {
    let rt = runtime();
    token_auth(c, "memory", &rt, MemoryStore::new());
    let sqlite = rt.block_on(SqliteStore::open_in_memory()).unwrap();
    token_auth(c, "sqlite", &rt, sqlite.clone());
    login(c, "memory", &rt, MemoryStore::new());
    login(c, "sqlite", &rt, sqlite);
    jwt_auth(
        c,
        &rt,
        Algorithm::ES256,
        jsonwebtoken::Algorithm::ES256,
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED,
    );
    jwt_auth(
        c,
        &rt,
        Algorithm::RS256,
        jsonwebtoken::Algorithm::RS256,
        &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
    );
}

criterion_group!(benches, session);
criterion_main!(benches);
