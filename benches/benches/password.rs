//! portcullis-password: verification beside the raw crate verifying the same hash, and
//! identification throughput.
//!
//! `portcullis` is `Hasher::check` on the stored string (parse, limit checks, NFKC
//! normalisation, the hash, constant-time compare; no upgrade hash). `baseline` is the
//! algorithm's own crate doing the same verification with the parameters already known.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use portcullis_core::Base64;
use portcullis_password::{Hasher, HasherConfig, LongPasswords, StoredHash, Target, identify};
use sha2::Sha256;

const PASSWORD: &str = "correct horse battery staple";

fn check(hasher: &Hasher, stored: &str) -> bool {
    hasher
        .check(PASSWORD, &StoredHash::parse(stored).unwrap())
        .unwrap()
        .valid
}

fn verify(c: &mut Criterion) {
    let hasher = Hasher::new(HasherConfig::default()).unwrap();

    // argon2id, OWASP parameters (m=19456 KiB, t=2, p=1).
    let stored = hasher.hash(PASSWORD).unwrap();
    let fields: Vec<&str> = stored.split('$').collect();
    let salt = Base64::StandardUnpadded.decode(fields[4]).unwrap();
    let expected = Base64::StandardUnpadded.decode(fields[5]).unwrap();
    let mut group = c.benchmark_group("password/verify_argon2id");
    group.sample_size(20);
    group.bench_function("portcullis", |b| {
        b.iter(|| assert!(check(&hasher, black_box(&stored))))
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let params = argon2::Params::new(19_456, 2, 1, Some(32)).unwrap();
            let mut out = [0u8; 32];
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
                .hash_password_into(black_box(PASSWORD.as_bytes()), &salt, &mut out)
                .unwrap();
            assert!(bool::from(subtle::ConstantTimeEq::ct_eq(
                &out[..],
                &expected[..]
            )));
        });
    });
    group.finish();

    // bcrypt cost 10, against the bcrypt crate's own verify.
    let bcrypt_hasher = Hasher::new(HasherConfig {
        target: Target::Bcrypt {
            cost: 10,
            long_passwords: LongPasswords::Refuse,
        },
        ..HasherConfig::default()
    })
    .unwrap();
    let stored = bcrypt_hasher.hash(PASSWORD).unwrap();
    let mut group = c.benchmark_group("password/verify_bcrypt");
    group.sample_size(20);
    group.bench_function("portcullis", |b| {
        b.iter(|| assert!(check(&hasher, black_box(&stored))))
    });
    group.bench_function("baseline", |b| {
        b.iter(|| assert!(bcrypt::verify(black_box(PASSWORD), &stored).unwrap()));
    });
    group.finish();

    // scrypt N=2^14, r=8, p=1 (passlib's default).
    let salt = b"0123456789abcdef";
    let params = scrypt::Params::new(14, 8, 1).unwrap();
    let mut expected = [0u8; 32];
    scrypt::scrypt(PASSWORD.as_bytes(), salt, &params, &mut expected).unwrap();
    let stored = format!(
        "$scrypt$ln=14,r=8,p=1${}${}",
        Base64::StandardUnpadded.encode(salt),
        Base64::StandardUnpadded.encode(&expected)
    );
    let mut group = c.benchmark_group("password/verify_scrypt");
    group.sample_size(20);
    group.bench_function("portcullis", |b| {
        b.iter(|| assert!(check(&hasher, black_box(&stored))))
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let mut out = [0u8; 32];
            scrypt::scrypt(black_box(PASSWORD.as_bytes()), salt, &params, &mut out).unwrap();
            assert!(bool::from(subtle::ConstantTimeEq::ct_eq(
                &out[..],
                &expected[..]
            )));
        });
    });
    group.finish();

    // PBKDF2-HMAC-SHA256, 600,000 iterations (OWASP).
    let mut expected = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(PASSWORD.as_bytes(), salt, 600_000, &mut expected);
    let stored = format!(
        "$pbkdf2-sha256$i=600000,l=32${}${}",
        Base64::StandardUnpadded.encode(salt),
        Base64::StandardUnpadded.encode(&expected)
    );
    let mut group = c.benchmark_group("password/verify_pbkdf2_sha256");
    group.sample_size(10);
    group.bench_function("portcullis", |b| {
        b.iter(|| assert!(check(&hasher, black_box(&stored))))
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let mut out = [0u8; 32];
            pbkdf2::pbkdf2_hmac::<Sha256>(black_box(PASSWORD.as_bytes()), salt, 600_000, &mut out);
            assert!(bool::from(subtle::ConstantTimeEq::ct_eq(
                &out[..],
                &expected[..]
            )));
        });
    });
    group.finish();

    // sha512-crypt with glibc's default 5000 rounds, against the sha-crypt crate's verify.
    use sha_crypt::password_hash::{PasswordHasher, PasswordVerifier};
    let stored = sha_crypt::ShaCrypt::SHA512
        // 12 bytes: sha-crypt writes the salt in its base64, and crypt(3) salts are at
        // most 16 characters.
        .hash_password_with_salt(PASSWORD.as_bytes(), b"saltsaltsalt")
        .unwrap()
        .to_string();
    let mut group = c.benchmark_group("password/verify_sha512_crypt");
    group.sample_size(20);
    group.bench_function("portcullis", |b| {
        b.iter(|| assert!(check(&hasher, black_box(&stored))))
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            sha_crypt::ShaCrypt::default()
                .verify_password(black_box(PASSWORD.as_bytes()), stored.as_str())
                .unwrap();
        });
    });
    group.finish();
}

/// A mix of the formats a migration scan meets.
const MIXED: &[&str] = &[
    "$2b$12$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
    "$2y$10$abcdefghijklmnopqrstuu5Ro0TdGt4XAnSGD9EfzAFFqeBSPcpuS",
    "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
    "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0",
    "pbkdf2_sha256$600000$c2FsdHNhbHQ$dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q=",
    "$1$saltstri$qQY4WxjABChYG1ccLpfkz/",
    "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/",
    "d41d8cd98f00b204e9800998ecf8427e",
    "{SSHA}dGVzdHRlc3R0ZXN0dGVzdHRlc3RzYWx0",
    "not a hash at all",
];

fn identify_throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("password/identify_mixed");
    group.throughput(Throughput::Elements(MIXED.len() as u64));
    group.bench_function("portcullis", |b| {
        b.iter(|| {
            for s in MIXED {
                let _ = black_box(identify(black_box(s)));
            }
        });
    });
    group.finish();
}

/// A synthetic export: CSV, Auth0 and Stytch lines in the proportions of a real mix.
fn export(lines: usize) -> Vec<String> {
    let templates = [
        "{i},user{i}@example.com,$2b$10$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        r#"{"user_id":"{i}","email":"user{i}@example.com","password_hash":"$2y$10$abcdefghijklmnopqrstuu5Ro0TdGt4XAnSGD9EfzAFFqeBSPcpuS"}"#,
        "{i},user{i}@example.com,pbkdf2_sha256$600000$c2FsdHNhbHQ$dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q=",
        "{i},user{i}@example.com,$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0",
        r#"{"email":"user{i}@example.com","hash":"9cc2ae8a1ba7a93da39b46fc1019c481","hash_type":"md_5","md_5_config":{"prepend_salt":"","append_salt":""}}"#,
        "{i},user{i}@example.com,$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObGRdescudvJCs",
    ];
    (0..lines)
        .map(|i| templates[i % templates.len()].replace("{i}", &i.to_string()))
        .collect()
}

fn scan_throughput(c: &mut Criterion) {
    let lines = export(60_000);
    let mut group = c.benchmark_group("password/scan_lines");
    group.throughput(Throughput::Elements(lines.len() as u64));
    group.sample_size(10);
    group.bench_function("portcullis", |b| {
        b.iter(|| {
            let mut scanner =
                portcullis_password::scan::Scanner::new(portcullis_password::CostLimits::default());
            for line in &lines {
                scanner.feed(line);
            }
            assert_eq!(scanner.finish().records, lines.len() as u64);
        });
    });
    group.finish();
}

criterion_group!(benches, verify, identify_throughput, scan_throughput);
criterion_main!(benches);
