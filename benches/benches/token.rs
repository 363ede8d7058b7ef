//! portcullis-token: issuing and redeeming single-use tokens, validating API keys and
//! checking PKCE verifiers, each beside the raw dependencies doing the same work.
//!
//! Both sides draw from the same user-space CSPRNG (`rand::rng()`, a ChaCha generator
//! seeded from the OS), so the comparison is about our work, not the syscall.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use data_encoding::BASE64URL_NOPAD;
use portcullis_core::{CryptoRng, Duration, OffsetDateTime};
use portcullis_token::api_key::{ApiKeyPrefix, ApiKeys, NewApiKey, Owner, PresentedApiKey};
use portcullis_token::pkce::{CodeVerifier, PkcePolicy};
use portcullis_token::{
    Binding, Digester, IssueRequest, Metadata, OpaqueToken, Purpose, RedeemCheck, SecretDigest,
    SingleUseConfig, SingleUseTokens, TokenId, TokenRecord, TokenText,
};
use rand::Rng;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap()
}

/// Ours: a login token for `user_1`, its text and the record to store.
fn issue_ours(tokens: &SingleUseTokens, rng: &mut impl CryptoRng) -> (TokenText, TokenRecord) {
    let issued = tokens
        .issue(rng, IssueRequest::new(Purpose::Login, "user_1"), now())
        .unwrap();
    (issued.token.render(), issued.record)
}

/// The raw steps: 16 bytes of id and 32 of secret from the RNG, the secret's SHA-256,
/// the `<id>.<secret>` text.
fn issue_raw(rng: &mut impl Rng) -> ([u8; 16], [u8; 32], String) {
    let mut raw = [0u8; 48];
    rng.fill_bytes(&mut raw);
    let digest: [u8; 32] = Sha256::digest(&raw[16..]).into();
    let mut text = BASE64URL_NOPAD.encode(&raw[..16]);
    text.push('.');
    BASE64URL_NOPAD.encode_append(&raw[16..], &mut text);
    (raw[..16].try_into().unwrap(), digest, text)
}

fn single_use(c: &mut Criterion) {
    let tokens = SingleUseTokens::new(SingleUseConfig::default(), Digester::Sha256);
    let mut rng = rand::rng();

    // Issue: a 128-bit id and a 256-bit secret from the RNG, the secret's SHA-256, the
    // `<id>.<secret>` text. Ours also builds the record to store.
    let mut group = c.benchmark_group("token/issue");
    group.bench_function("portcullis", |b| {
        b.iter(|| issue_ours(&tokens, &mut rng));
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let (_, digest, text) = issue_raw(&mut rng);
            (text, black_box(digest))
        });
    });
    group.finish();

    // The same issue against the same work written by hand: the raw steps above plus
    // the record a store needs (the subject copied into it, the expiry computed, the
    // digest wrapped), built directly as a struct literal. The difference between this
    // group and the one above is the record itself; the difference here is ours.
    let mut group = c.benchmark_group("token/issue_record");
    group.bench_function("portcullis", |b| {
        b.iter(|| issue_ours(&tokens, &mut rng));
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let (id, digest, text) = issue_raw(&mut rng);
            let created_at = now();
            let record = TokenRecord {
                id: TokenId::from_bytes(id),
                digest: SecretDigest::from_parts(None, digest),
                purpose: Purpose::Login,
                subject: black_box("user_1").to_owned(),
                scope: None,
                created_at,
                expires_at: created_at + Duration::minutes(60),
                consumed_at: None,
                revoked_at: None,
                binding: Binding::default(),
                redirect_url: None,
                metadata: Metadata::new(),
                code: None,
            };
            (text, record)
        });
    });
    group.finish();

    // Redeem: parse the text, SHA-256 the secret, compare with the stored digest in
    // constant time. Ours also checks id, purpose, subject, revocation, use, expiry.
    let issued = tokens
        .issue(&mut rng, IssueRequest::new(Purpose::Login, "user_1"), now())
        .unwrap();
    let record = issued.record;
    let text = issued.token.render().expose_secret().to_owned();
    let stored: [u8; 32] = *record.digest.value();
    let check = RedeemCheck::new(Purpose::Login).subject("user_1");
    let mut group = c.benchmark_group("token/redeem");
    group.bench_function("portcullis", |b| {
        b.iter(|| {
            let token = OpaqueToken::parse(black_box(&text)).unwrap();
            tokens.redeem(&record, &token, &check, now()).unwrap()
        });
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let text = black_box(&text).as_bytes();
            let mut id = [0u8; 16];
            let mut secret = [0u8; 32];
            BASE64URL_NOPAD.decode_mut(&text[..22], &mut id).unwrap();
            BASE64URL_NOPAD
                .decode_mut(&text[23..], &mut secret)
                .unwrap();
            let digest = Sha256::digest(secret);
            assert!(bool::from(digest.as_slice().ct_eq(&stored)));
            id
        });
    });
    group.finish();
}

fn api_keys(c: &mut Criterion) {
    let keys = ApiKeys::new(Digester::Sha256);
    let prefix = ApiKeyPrefix::new("pcl_live_").unwrap();
    let (key, record) = keys
        .issue(
            &mut rand::rng(),
            &prefix,
            NewApiKey::new(Owner::user("u")),
            now(),
        )
        .unwrap();
    let text = key.render().expose_secret().to_owned();
    let stored: [u8; 32] = *record.digest.value();

    // Validate: the prefix, the CRC32 over the text, base62 decodes of the id and the
    // secret, SHA-256 of the secret, a constant-time compare. The baseline decodes with
    // `base-x` (arbitrary-width, so it allocates and keeps leading zeros as bytes; the
    // last N bytes are the value). Ours also checks the record's id, revocation, expiry.
    let mut group = c.benchmark_group("token/apikey_validate");
    group.bench_function("portcullis", |b| {
        b.iter(|| {
            let presented = PresentedApiKey::parse(black_box(&text)).unwrap();
            keys.validate(&record, &presented, now()).unwrap();
        });
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let text = black_box(&text);
            let body = text.strip_prefix("pcl_live_").unwrap();
            let (id, rest) = body.split_at(22);
            let (secret, checksum) = rest.split_at(43);
            let crc = crc32fast::hash(&text.as_bytes()[..text.len() - 6]);
            assert_eq!(base62_bytes::<4>(checksum), crc.to_be_bytes());
            let id = base62_bytes::<16>(id);
            let digest = Sha256::digest(base62_bytes::<32>(secret));
            assert!(bool::from(digest.as_slice().ct_eq(&stored)));
            id
        });
    });
    group.finish();
}

/// A fixed-width base62 field through `base-x`: its output keeps one zero byte per
/// leading `0` digit, so the value is the last `N` bytes.
fn base62_bytes<const N: usize>(text: &str) -> [u8; N] {
    let bytes = base_x::decode(BASE62, text).unwrap();
    let mut out = [0u8; N];
    let n = bytes.len().min(N);
    out[N - n..].copy_from_slice(&bytes[bytes.len() - n..]);
    out
}

const BASE62: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn pkce(c: &mut Criterion) {
    let verifier = CodeVerifier::generate(&mut rand::rng());
    let challenge = verifier.challenge();
    let text = verifier.expose_secret().to_owned();
    let expected = challenge.value().to_owned();

    // Verify: SHA-256 of the verifier, base64url, constant-time compare.
    let mut group = c.benchmark_group("token/pkce_verify");
    group.bench_function("portcullis", |b| {
        b.iter(|| {
            challenge
                .verify(black_box(&text), PkcePolicy::default())
                .unwrap();
        });
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let mut computed = [0u8; 43];
            BASE64URL_NOPAD.encode_mut(&Sha256::digest(black_box(&text).as_bytes()), &mut computed);
            assert!(bool::from(computed.ct_eq(expected.as_bytes())));
        });
    });
    group.finish();
}

criterion_group!(benches, single_use, api_keys, pkce);
criterion_main!(benches);
