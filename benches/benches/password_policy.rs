//! portcullis-password's policy and breach checks, each beside the raw dependency or the
//! simplest alternative doing the same work.
//!
//! - `strength_check`: the whole policy check (zxcvbn strategy, email and names given)
//!   beside the `zxcvbn` crate called directly with the same user inputs, for a common
//!   password, a passphrase and a 72-code-point worst case.
//! - `range_judge`: judging a padded range response of 1,000 lines beside a plain
//!   early-exit string search of the same response; `floor` is the SHA-1 alone.
//! - `file_lookup`: a lookup by binary search with seeks in a sorted file of 1,000,000
//!   lines (about 45 MB, in the page cache after the first runs) beside a binary search
//!   of the same digests held in memory (what loading the file would buy); `floor` is
//!   the SHA-1 alone.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use portcullis_password::{BreachFile, PasswordPolicy, PolicyContext, RangeQuery};
use sha1::{Digest, Sha1};

const FILE_LINES: u32 = 1_000_000;

fn strength_check(c: &mut Criterion) {
    let policy = PasswordPolicy::default();
    let names = ["Ada", "Lovelace"];
    let email = "ada.lovelace@example.com";
    let context = PolicyContext::new().email(email).names(&names);
    let inputs = ["Ada", "Lovelace", email, "ada.lovelace"];
    // The slowest shape found for zxcvbn: a short symbol-heavy cycle, at the 72 code
    // points the policy scores.
    let worst: String = "4@$1!|0".chars().cycle().take(72).collect();
    for (label, password) in [
        ("common", "P@ssw0rd"),
        ("passphrase", "correct horse battery staple"),
        ("worst_72", worst.as_str()),
    ] {
        let mut group = c.benchmark_group(format!("password_policy/strength_check_{label}"));
        group.bench_function("portcullis", |b| {
            b.iter(|| policy.check(black_box(password), &context));
        });
        group.bench_function("baseline", |b| {
            b.iter(|| zxcvbn::zxcvbn(black_box(password), &inputs).score());
        });
        group.finish();
    }
}

fn range_judge(c: &mut Criterion) {
    let password = "correct horse battery staple";
    let query = RangeQuery::new(password);
    // 999 other suffixes (some padding, count 0) and ours near the end.
    let mut body = String::new();
    for i in 0..999u32 {
        let h = Sha1::digest(i.to_be_bytes());
        let hex: String = h.iter().map(|b| format!("{b:02X}")).collect();
        body.push_str(&format!("{}:{}\r\n", &hex[5..], i % 3));
    }
    body.push_str(&format!("{}:17\r\n", query.suffix()));

    let mut group = c.benchmark_group("password_policy/range_judge_1000");
    group.bench_function("portcullis", |b| {
        b.iter(|| {
            RangeQuery::new(black_box(password))
                .judge(black_box(&body))
                .unwrap()
        });
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let digest = Sha1::digest(black_box(password).as_bytes());
            let hex: String = digest.iter().map(|b| format!("{b:02X}")).collect();
            let suffix = &hex[5..];
            black_box(&body)
                .lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(s, _)| s.eq_ignore_ascii_case(suffix))
                .and_then(|(_, count)| count.parse::<u64>().ok())
                .filter(|&count| count > 0)
        });
    });
    group.bench_function("floor", |b| {
        b.iter(|| Sha1::digest(black_box(password).as_bytes()));
    });
    group.finish();
}

/// Writes (once) a sorted Pwned Passwords file of `FILE_LINES` lines whose entries are
/// the digests of `pw{i}`; returns its path and the sorted digests.
fn corpus_file() -> (PathBuf, Vec<[u8; 20]>) {
    let mut digests: Vec<[u8; 20]> = (0..FILE_LINES)
        .map(|i| Sha1::digest(format!("pw{i}").as_bytes()).into())
        .collect();
    digests.sort_unstable();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("pwned-{FILE_LINES}.txt"));
    if !path.exists() {
        let tmp = path.with_extension("tmp");
        let mut out = BufWriter::new(std::fs::File::create(&tmp).unwrap());
        for (i, d) in digests.iter().enumerate() {
            for b in d {
                write!(out, "{b:02X}").unwrap();
            }
            write!(out, ":{}\r\n", i % 5000 + 1).unwrap();
        }
        out.into_inner().unwrap().sync_all().unwrap();
        std::fs::rename(&tmp, &path).unwrap();
    }
    (path, digests)
}

fn file_lookup(c: &mut Criterion) {
    let (path, digests) = corpus_file();
    let mut file = BreachFile::open(&path).unwrap();
    // Half present, half absent, spread over the file.
    let probes: Vec<String> = (0..64u32)
        .map(|i| {
            if i % 2 == 0 {
                format!("pw{}", i * (FILE_LINES / 64))
            } else {
                format!("absent{i}")
            }
        })
        .collect();
    let mut next = probes.iter().cycle();

    let mut group = c.benchmark_group("password_policy/file_lookup_1m");
    group.bench_function("portcullis", |b| {
        b.iter(|| file.lookup(black_box(next.next().unwrap())).unwrap());
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let d: [u8; 20] = Sha1::digest(black_box(next.next().unwrap()).as_bytes()).into();
            digests.binary_search(&d).is_ok()
        });
    });
    group.bench_function("floor", |b| {
        b.iter(|| Sha1::digest(black_box(next.next().unwrap()).as_bytes()));
    });
    group.finish();
}

criterion_group!(benches, strength_check, range_judge, file_lookup);
criterion_main!(benches);
