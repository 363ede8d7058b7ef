//! portcullis-core: token generation and decoders, each beside `data-encoding` and
//! `getrandom` called directly.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use portcullis_core::{Base32, Base64, Hex, OsRng, TokenEncoding, random};
use rand_core::Rng;

fn token_generation(c: &mut Criterion) {
    let mut group = c.benchmark_group("core/token_base64url_32");
    group.bench_function("portcullis", |b| {
        b.iter(|| random::token(black_box(32), TokenEncoding::Base64Url));
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let mut raw = [0u8; 32];
            getrandom::fill(&mut raw).unwrap();
            data_encoding::BASE64URL_NOPAD.encode(black_box(&raw))
        });
    });
    group.finish();

    let mut group = c.benchmark_group("core/token_hex_32");
    group.bench_function("portcullis", |b| {
        b.iter(|| random::token(black_box(32), TokenEncoding::Hex));
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let mut raw = [0u8; 32];
            getrandom::fill(&mut raw).unwrap();
            data_encoding::HEXLOWER.encode(black_box(&raw))
        });
    });
    group.finish();

    // No crate does uniform base62 or digit sampling for us; the baseline is the
    // random bytes alone, so the ratio is the cost of rejection sampling.
    let mut group = c.benchmark_group("core/token_base62_32");
    group.bench_function("portcullis", |b| {
        b.iter(|| random::token(black_box(32), TokenEncoding::Base62));
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let mut raw = [0u8; 64];
            OsRng.fill_bytes(&mut raw);
            black_box(raw)
        });
    });
    group.finish();

    let mut group = c.benchmark_group("core/digits_6");
    group.bench_function("portcullis", |b| {
        b.iter(|| random::digits(black_box(6)));
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let mut raw = [0u8; 64];
            OsRng.fill_bytes(&mut raw);
            black_box(raw)
        });
    });
    group.finish();
}

fn decoders(c: &mut Criterion) {
    let bytes: Vec<u8> = (0..=255).collect();
    let b64url = Base64::UrlUnpadded.encode(&bytes);
    let b64std = Base64::Standard.encode(&bytes);
    let b32 = Base32::Unpadded.encode(&bytes[..20]);
    let b32_spaced = b32
        .to_lowercase()
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(" ");
    let hex = Hex::Lower.encode(&bytes);

    let mut group = c.benchmark_group("core/decode_base64url_256");
    group.bench_function("portcullis", |b| {
        b.iter(|| Base64::UrlUnpadded.decode(black_box(&b64url)).unwrap());
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            data_encoding::BASE64URL_NOPAD
                .decode(black_box(b64url.as_bytes()))
                .unwrap()
        });
    });
    group.finish();

    let mut group = c.benchmark_group("core/decode_base64_tolerant_256");
    group.bench_function("portcullis", |b| {
        b.iter(|| Base64::decode_tolerant(black_box(&b64std)).unwrap());
    });
    // A data-encoding specification as tolerant as it can be made: whitespace ignored,
    // the URL-safe symbols translated. It cannot make padding optional or refuse a mix
    // of the two alphabets, which ours does too.
    let tolerant64 = {
        let mut spec = data_encoding::BASE64.specification();
        spec.ignore.push_str(" \t\r\n");
        spec.translate.from.push_str("-_");
        spec.translate.to.push_str("+/");
        spec.encoding().unwrap()
    };
    group.bench_function("baseline", |b| {
        b.iter(|| tolerant64.decode(black_box(b64std.as_bytes())).unwrap());
    });
    group.finish();

    let mut group = c.benchmark_group("core/decode_base32_tolerant_20");
    group.bench_function("portcullis", |b| {
        b.iter(|| Base32::decode_tolerant(black_box(&b32_spaced)).unwrap());
    });
    // The same spaced, lower-case input through a data-encoding specification that
    // ignores spaces and translates lower case.
    let tolerant = {
        let mut spec = data_encoding::BASE32_NOPAD.specification();
        spec.ignore.push(' ');
        spec.translate.from.push_str("abcdefghijklmnopqrstuvwxyz");
        spec.translate.to.push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
        spec.encoding().unwrap()
    };
    assert_eq!(
        tolerant.decode(b32_spaced.as_bytes()).unwrap(),
        Base32::decode_tolerant(&b32_spaced).unwrap()
    );
    group.bench_function("baseline", |b| {
        b.iter(|| tolerant.decode(black_box(b32_spaced.as_bytes())).unwrap());
    });
    group.finish();

    let mut group = c.benchmark_group("core/decode_hex_256");
    group.bench_function("portcullis", |b| {
        b.iter(|| Hex::decode(black_box(&hex)).unwrap());
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            data_encoding::HEXLOWER_PERMISSIVE
                .decode(black_box(hex.as_bytes()))
                .unwrap()
        });
    });
    group.finish();
}

criterion_group!(benches, token_generation, decoders);
criterion_main!(benches);
