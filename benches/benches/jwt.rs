//! portcullis-jwt: signing and verifying per algorithm, and kid lookup.
//!
//! In each group `portcullis` is our call, `baseline` is `jsonwebtoken` (12, aws-lc-rs
//! backend) doing the same work with the same key and the same checks (issuer,
//! audience, exp), and `floor` is the bare aws-lc-rs signature operation with a key
//! parsed beforehand, over a signing input of the same length. Both sides sign the
//! same claims with a fixed `jti`, so the RNG is not part of the comparison.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, KeyPair as _, ParsedPublicKey};
use aws_lc_rs::{hmac, rsa};
use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken as jwt;
use portcullis_core::OsRng;
use portcullis_jwt::{Algorithm, Jwks, Key, KeySpec, NewClaims, Verifier};
use serde::Serialize;
use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

#[derive(Serialize)]
struct TheirClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
    iat: i64,
    jti: &'a str,
}

enum Floor {
    Rsa(rsa::KeyPair, &'static dyn signature::RsaEncoding),
    Ec(signature::EcdsaKeyPair),
    Ed(signature::Ed25519KeyPair),
    Hmac(Box<hmac::Key>),
}

fn b64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap()
}

fn per_alg(c: &mut Criterion, alg: Algorithm) {
    let now = OffsetDateTime::now_utc();
    let key = Key::generate(KeySpec::new(alg)).unwrap();
    let claims = NewClaims::new()
        .issuer("https://auth.example")
        .subject("user_1")
        .audience("api")
        .lifetime(Duration::minutes(5))
        .unwrap()
        .jti("bench-jti-0001");
    let token = key
        .sign(&claims, now, &mut OsRng)
        .unwrap()
        .token
        .expose_secret()
        .to_owned();
    let their_claims = TheirClaims {
        iss: "https://auth.example",
        sub: "user_1",
        aud: "api",
        exp: (now + Duration::minutes(5)).unix_timestamp(),
        iat: now.unix_timestamp(),
        jti: "bench-jti-0001",
    };
    let their_alg: jwt::Algorithm = alg.name().parse().unwrap();
    let (encoding, decoding, floor) = if alg.is_hmac() {
        let jwk: Value =
            serde_json::from_str(key.to_private_jwk().unwrap().expose_secret()).unwrap();
        let secret = b64_decode(jwk["k"].as_str().unwrap());
        (
            jwt::EncodingKey::from_secret(&secret).unwrap(),
            jwt::DecodingKey::from_secret(&secret).unwrap(),
            Floor::Hmac(Box::new(hmac::Key::new(hmac::HMAC_SHA256, &secret))),
        )
    } else {
        let pem = key.to_pkcs8_pem().unwrap();
        let pem = pem.expose_secret().as_bytes();
        let der = pkcs8_der(pem);
        let public_jwk: jwt::jwk::Jwk =
            serde_json::from_value(key.to_public_jwk().unwrap()).unwrap();
        let (encoding, floor) = match alg {
            Algorithm::ES256 => (
                jwt::EncodingKey::from_ec_pem(pem).unwrap(),
                Floor::Ec(
                    signature::EcdsaKeyPair::from_pkcs8(
                        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                        &der,
                    )
                    .unwrap(),
                ),
            ),
            Algorithm::EdDSA => (
                jwt::EncodingKey::from_ed_pem(pem).unwrap(),
                Floor::Ed(signature::Ed25519KeyPair::from_pkcs8(&der).unwrap()),
            ),
            Algorithm::PS256 => (
                jwt::EncodingKey::from_rsa_pem(pem).unwrap(),
                Floor::Rsa(
                    rsa::KeyPair::from_pkcs8(&der).unwrap(),
                    &signature::RSA_PSS_SHA256,
                ),
            ),
            _ => (
                jwt::EncodingKey::from_rsa_pem(pem).unwrap(),
                Floor::Rsa(
                    rsa::KeyPair::from_pkcs8(&der).unwrap(),
                    &signature::RSA_PKCS1_SHA256,
                ),
            ),
        };
        (
            encoding,
            jwt::DecodingKey::from_jwk(&public_jwk).unwrap(),
            floor,
        )
    };
    let verify_key = if alg.is_hmac() {
        key.clone()
    } else {
        key.public_key().unwrap()
    };
    let verifier = Verifier::new(Jwks::from_keys([verify_key]).unwrap())
        .issuer("https://auth.example")
        .audience("api");
    let mut validation = jwt::Validation::new(their_alg);
    validation.set_issuer(&["https://auth.example"]);
    validation.set_audience(&["api"]);
    let mut header = jwt::Header::new(their_alg);
    header.kid = Some(key.kid().to_owned());

    let dot = token.rfind('.').unwrap();
    let input = token.as_bytes()[..dot].to_vec();
    let sig = b64_decode(&token[dot + 1..]);
    let parsed = match &floor {
        Floor::Rsa(pair, _) => Some(
            rsa::PublicKeyComponents::<Vec<u8>>::from(pair.public_key())
                .to_parsed_public_key(if alg == Algorithm::PS256 {
                    &signature::RSA_PSS_2048_8192_SHA256
                } else {
                    &signature::RSA_PKCS1_2048_8192_SHA256
                })
                .unwrap(),
        ),
        Floor::Ec(pair) => Some(
            ParsedPublicKey::new(
                &signature::ECDSA_P256_SHA256_FIXED,
                pair.public_key().as_ref(),
            )
            .unwrap(),
        ),
        Floor::Ed(pair) => {
            Some(ParsedPublicKey::new(&signature::ED25519, pair.public_key().as_ref()).unwrap())
        }
        Floor::Hmac(_) => None,
    };
    let name = alg.name().to_ascii_lowercase();

    let mut group = c.benchmark_group(format!("jwt/verify_{name}"));
    group.bench_function("portcullis", |b| {
        b.iter(|| verifier.verify(black_box(&token), now).unwrap());
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            jwt::decode::<Map<String, Value>>(black_box(&token), &decoding, &validation).unwrap()
        });
    });
    group.bench_function("floor", |b| {
        b.iter(|| match (&floor, &parsed) {
            (Floor::Hmac(k), _) => hmac::verify(k, black_box(&input), &sig).unwrap(),
            (_, Some(p)) => p.verify_sig(black_box(&input), &sig).unwrap(),
            _ => unreachable!(),
        });
    });
    group.finish();

    let rng = SystemRandom::new();
    let mut group = c.benchmark_group(format!("jwt/sign_{name}"));
    group.bench_function("portcullis", |b| {
        b.iter(|| key.sign(black_box(&claims), now, &mut OsRng).unwrap());
    });
    group.bench_function("baseline", |b| {
        b.iter(|| jwt::encode(&header, black_box(&their_claims), &encoding).unwrap());
    });
    group.bench_function("floor", |b| {
        b.iter(|| match &floor {
            Floor::Rsa(pair, enc) => {
                let mut out = vec![0u8; pair.public_modulus_len()];
                pair.sign(*enc, &rng, black_box(&input), &mut out).unwrap();
                out
            }
            Floor::Ec(pair) => pair
                .sign(&rng, black_box(&input))
                .unwrap()
                .as_ref()
                .to_vec(),
            Floor::Ed(pair) => pair.sign(black_box(&input)).as_ref().to_vec(),
            Floor::Hmac(k) => hmac::sign(k, black_box(&input)).as_ref().to_vec(),
        });
    });
    group.finish();
}

fn pkcs8_der(pem: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(pem).unwrap();
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

fn algorithms(c: &mut Criterion) {
    for alg in [
        Algorithm::RS256,
        Algorithm::PS256,
        Algorithm::ES256,
        Algorithm::EdDSA,
        Algorithm::HS256,
    ] {
        per_alg(c, alg);
    }
}

/// Finding the key for a kid in a set of 100: ours is a hash map built when the set is
/// read; jsonwebtoken's `JwkSet::find` scans its list.
fn kid_lookup(c: &mut Criterion) {
    let keys: Vec<Key> = (0..100)
        .map(|_| Key::generate(KeySpec::new(Algorithm::EdDSA)).unwrap())
        .collect();
    let doc = serde_json::json!({
        "keys": keys.iter().map(|k| k.to_public_jwk().unwrap()).collect::<Vec<_>>()
    });
    let ours = Jwks::from_json(&doc.to_string()).unwrap();
    let theirs: jwt::jwk::JwkSet = serde_json::from_value(doc).unwrap();
    let kid = keys[73].kid().to_owned();
    let mut group = c.benchmark_group("jwt/kid_lookup_100");
    group.bench_function("portcullis", |b| {
        b.iter(|| ours.get(black_box(&kid)).unwrap().alg());
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            theirs
                .find(black_box(&kid))
                .unwrap()
                .common
                .key_id
                .as_deref()
                .map(str::len)
        });
    });
    group.finish();
}

criterion_group!(benches, algorithms, kid_lookup);
criterion_main!(benches);
