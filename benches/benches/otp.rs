//! portcullis-otp: TOTP verification and generation beside `totp-rs` and bare `hmac`,
//! recovery-code redemption beside the one hash it must compute, passcode checks
//! beside the one HMAC they must compute.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use portcullis_core::{SecretBytes, ct_eq, time::from_unix_seconds};
use portcullis_otp::{
    Destination, KeyRing, OtpSecret, Passcodes, RecoveryCodes, RecoveryFormat, SecretPolicy,
    ServerKey, Step, Totp,
};
use sha1::Sha1;
use sha2::Sha256;

const KEY: &[u8; 20] = b"12345678901234567890";
const NOW: i64 = 1_700_000_000;

/// HOTP value of `counter` the textbook way: key the HMAC, MAC the counter, truncate.
fn raw_hotp(key: &[u8], counter: u64) -> u32 {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(key).unwrap();
    mac.update(&counter.to_be_bytes());
    let out = mac.finalize().into_bytes();
    let offset = usize::from(out[19] & 0x0f);
    u32::from_be_bytes([
        out[offset] & 0x7f,
        out[offset + 1],
        out[offset + 2],
        out[offset + 3],
    ]) % 1_000_000
}

fn totp(c: &mut Criterion) {
    let secret =
        OtpSecret::from_bytes(SecretBytes::from(&KEY[..]), SecretPolicy::Standard).unwrap();
    let ours = Totp::new();
    let now = from_unix_seconds(NOW).unwrap();
    let step = ours.step_at(now).unwrap().get();
    // The next step's code: every verifier must look at all three steps of the window
    // before it finds it (totp-rs scans oldest first and stops at a match).
    let code = ours.generate_at_step(&secret, Step(step + 1));
    let code = code.expose_secret().to_owned();
    let theirs = totp_rs::Builder::new()
        .with_secret(KEY.to_vec())
        .with_skew(1)
        .build()
        .unwrap();
    assert_eq!(ours.verify(&secret, &code, now, None), Ok(Step(step + 1)));
    assert_eq!(theirs.check(&code, NOW as u64), Some(step + 1));

    let mut group = c.benchmark_group("otp/totp_verify_window1");
    group.bench_function("portcullis", |b| {
        b.iter(|| ours.verify(&secret, black_box(&code), now, None));
    });
    group.bench_function("baseline", |b| {
        b.iter(|| theirs.check(black_box(&code), NOW as u64));
    });
    // Three textbook HOTP computations and comparisons: the work a window-1 check
    // cannot avoid.
    let presented: u32 = code.parse().unwrap();
    group.bench_function("floor", |b| {
        b.iter(|| {
            let mut found = None;
            for counter in step - 1..=step + 1 {
                let value = raw_hotp(black_box(KEY), counter);
                if ct_eq(&value.to_be_bytes(), &presented.to_be_bytes()) {
                    found = Some(counter);
                }
            }
            found
        });
    });
    group.finish();

    let mut group = c.benchmark_group("otp/totp_generate");
    group.bench_function("portcullis", |b| {
        b.iter(|| ours.generate(&secret, black_box(now)).unwrap());
    });
    group.bench_function("baseline", |b| {
        b.iter(|| theirs.generate(black_box(NOW as u64)));
    });
    group.bench_function("floor", |b| {
        b.iter(|| format!("{:06}", raw_hotp(black_box(KEY), step)));
    });
    group.finish();
}

fn keys() -> KeyRing {
    KeyRing::new(vec![
        ServerKey::new("k1", SecretBytes::from(vec![7u8; 32])).unwrap(),
    ])
    .unwrap()
}

fn recovery(c: &mut Criterion) {
    let keys = keys();
    let now = from_unix_seconds(NOW).unwrap();

    // Default format: one Argon2id hash, then ten constant-time comparisons. The code
    // redeemed is the last of the set, so every digest is compared.
    let issued = RecoveryCodes::new().generate(&keys, now).unwrap();
    let code = issued.codes[9].expose_secret().to_owned();
    let set = issued.set;
    assert_eq!(set.redeem(&code, &keys).unwrap().remaining, 9);
    let (salt, m, t, p) = match &set.scheme {
        portcullis_otp::recovery::Scheme::Argon2id {
            salt,
            m_cost,
            t_cost,
            p_cost,
        } => (
            portcullis_core::Base64::StandardUnpadded
                .decode(salt)
                .unwrap(),
            *m_cost,
            *t_cost,
            *p_cost,
        ),
        other => panic!("default scheme is {other:?}"),
    };
    let argon = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(m, t, p, Some(32)).unwrap(),
    );
    let normal = code.replace('-', "");
    let mut group = c.benchmark_group("otp/recovery_redeem_10");
    group.sample_size(20);
    group.bench_function("portcullis", |b| {
        b.iter(|| set.redeem(black_box(&code), &keys).unwrap());
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let mut out = [0u8; 32];
            argon
                .hash_password_into(black_box(normal.as_bytes()), &salt, &mut out)
                .unwrap();
            out
        });
    });
    group.finish();

    // The 120-bit format: one HMAC-SHA-256, then ten comparisons.
    let issued = RecoveryCodes::new()
        .with_format(RecoveryFormat::Long)
        .generate(&keys, now)
        .unwrap();
    let code = issued.codes[9].expose_secret().to_owned();
    let set = issued.set;
    let stored: Vec<String> = set.codes.iter().map(|c| c.digest.clone()).collect();
    let mut group = c.benchmark_group("otp/recovery_redeem_hmac_10");
    group.bench_function("portcullis", |b| {
        b.iter(|| set.redeem(black_box(&code), &keys).unwrap());
    });
    // The same work written directly: normalise (drop dashes, lower-case), one
    // HMAC-SHA-256 over the domain label and the length-prefixed code, base64url, and a
    // constant-time comparison with each of the ten stored digests.
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let normal: String = black_box(&code)
                .chars()
                .filter(|c| *c != '-')
                .map(|c| c.to_ascii_lowercase())
                .collect();
            let mac = keyed_mac("portcullis-otp/recovery-code/v1", &[normal.as_bytes()]);
            let mut text = [0u8; 43];
            data_encoding::BASE64URL_NOPAD.encode_mut(&mac, &mut text);
            let mut found = None;
            for (i, digest) in stored.iter().enumerate() {
                if ct_eq(digest.as_bytes(), &text) {
                    found = Some(i);
                }
            }
            assert_eq!(found, Some(9));
        });
    });
    group.finish();
}

/// HMAC-SHA-256 under the benchmark key over `purpose`, then each field preceded by its
/// length as a big-endian u64: the input layout of the otp crate's server-key digests.
fn keyed_mac(purpose: &str, fields: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&[7u8; 32]).unwrap();
    mac.update(purpose.as_bytes());
    for field in fields {
        mac.update(&(field.len() as u64).to_be_bytes());
        mac.update(field);
    }
    mac.finalize().into_bytes().into()
}

fn passcode(c: &mut Criterion) {
    let keys = keys();
    let now = from_unix_seconds(NOW).unwrap();
    let to = Destination::email("ada@example.com").unwrap();
    let mut issued = Passcodes::new().issue(to.clone(), &keys, now);
    issued.record.count_attempt();
    let code = issued.code.expose_secret().to_owned();
    let record = issued.record;
    assert_eq!(record.verify(&code, &to, &keys, now), Ok(()));
    let expected = portcullis_core::Base64::UrlUnpadded
        .decode(&record.digest)
        .unwrap();

    let mut group = c.benchmark_group("otp/passcode_check");
    group.bench_function("portcullis", |b| {
        b.iter(|| record.verify(black_box(&code), &to, &keys, now));
    });
    // One HMAC-SHA-256 over the same bytes (label, channel, address, code) and a
    // constant-time comparison with the stored digest.
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let mac = keyed_mac(
                "portcullis-otp/passcode/v1",
                &[b"email", b"ada@example.com", black_box(code.as_bytes())],
            );
            assert!(ct_eq(&mac, &expected));
        });
    });
    group.finish();
}

criterion_group!(benches, totp, recovery, passcode);
criterion_main!(benches);
