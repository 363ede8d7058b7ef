//! Every password-hash vector in `tests/vectors/password/` (made by `generate.py` from
//! passlib, bcrypt, argon2-cffi, libsodium, Django, Werkzeug, libxcrypt, hashlib and the
//! formats' own published examples) goes through the same path as `portcullis hash
//! verify`: the import record becomes a stored hash, which is checked against the
//! password. The scheme and the verdict must match; every malformed line must give its
//! typed error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use portcullis::password::{
    Argon2Params, Error, Hasher, HasherConfig, ImportRecord, StoredHash, Target,
};
use portcullis_tests::read_jsonl;
use serde_json::Value;

const FILES: &[&str] = &[
    "aspnet.jsonl",
    "auth0.jsonl",
    "bcrypt.jsonl",
    "bcrypt_2x.jsonl",
    "crypt.jsonl",
    "digests.jsonl",
    "django.jsonl",
    "firebase.jsonl",
    "ldap.jsonl",
    "phc.jsonl",
    "stytch.jsonl",
    "werkzeug.jsonl",
];

fn hasher() -> Hasher {
    Hasher::new(HasherConfig {
        target: Target::Argon2id(Argon2Params {
            m_cost: 1024,
            t_cost: 1,
            p_cost: 1,
        }),
        ..HasherConfig::default()
    })
    .unwrap()
}

fn stored(input: &Value) -> Result<StoredHash, Error> {
    ImportRecord::from_json(input)?.to_stored()
}

/// Runs `lines` on all cores; returns a description of every disagreement.
fn check_all(lines: Vec<(String, Value)>) -> Vec<String> {
    let hasher = hasher();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = lines.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(chunk)
            .map(|part| {
                let hasher = &hasher;
                scope.spawn(move || {
                    part.iter()
                        .filter_map(|(at, v)| check_one(hasher, at, v))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

fn check_one(hasher: &Hasher, at: &str, vector: &Value) -> Option<String> {
    let input = &vector["input"];
    let password = input["password"].as_str().unwrap();
    if let Some(kind) = vector["error"].as_str() {
        let got = stored(input).and_then(|s| hasher.check(password, &s));
        return match got {
            Err(e) if e.kind() == kind => None,
            other => Some(format!(
                "{at}: expected error {kind}, got {other:?} ({})",
                vector["note"]
            )),
        };
    }
    let scheme = vector["scheme"].as_str().unwrap();
    let valid = vector["valid"].as_bool().unwrap();
    let stored = match stored(input) {
        Ok(s) => s,
        Err(e) => return Some(format!("{at}: {scheme}: import failed: {e}")),
    };
    if stored.scheme().name() != scheme {
        return Some(format!(
            "{at}: scheme {} != {scheme}",
            stored.scheme().name()
        ));
    }
    // What an import stores must parse back to the same thing.
    match StoredHash::parse(stored.encoded()) {
        Ok(again) if again == stored => {}
        other => {
            return Some(format!(
                "{at}: canonical form does not round-trip: {other:?}"
            ));
        }
    }
    match hasher.check(password, &stored) {
        Ok(check) if check.valid == valid => {
            if valid && !check.needs_upgrade {
                return Some(format!("{at}: legacy {scheme} not flagged for upgrade"));
            }
            None
        }
        other => Some(format!(
            "{at}: {scheme}: expected valid={valid}, got {other:?}"
        )),
    }
}

fn load(file: &str) -> Vec<(String, Value)> {
    read_jsonl(&format!("password/{file}"))
        .unwrap()
        .into_iter()
        .enumerate()
        .map(|(i, v)| (format!("{file}:{}", i + 1), v))
        .collect()
}

#[test]
fn positive_and_negative_vectors() {
    let lines: Vec<_> = FILES.iter().flat_map(|f| load(f)).collect();
    assert!(lines.len() > 450, "only {} vectors", lines.len());
    let failures = check_all(lines);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_scheme_has_positive_unicode_and_negative_vectors() {
    use std::collections::BTreeMap;
    let mut seen: BTreeMap<String, (usize, bool, bool)> = BTreeMap::new();
    for (_, v) in FILES.iter().flat_map(|f| load(f)) {
        let entry = seen
            .entry(v["scheme"].as_str().unwrap().to_owned())
            .or_default();
        let password = v["input"]["password"].as_str().unwrap();
        if v["valid"].as_bool().unwrap() {
            entry.0 += 1;
            entry.1 |= !password.is_ascii();
        } else {
            entry.2 = true;
        }
    }
    for scheme in portcullis::password::Scheme::ALL {
        if *scheme == portcullis::password::Scheme::BcryptHmacSha384 {
            continue; // portcullis's own format, covered by the crate's tests
        }
        let (positive, unicode, negative) = seen.get(scheme.name()).copied().unwrap_or_default();
        assert!(
            positive >= 3 && unicode && negative,
            "{scheme}: {positive} positive, unicode {unicode}, negative {negative}"
        );
    }
}

#[test]
fn malformed_corpus_gives_typed_errors() {
    let lines = load("malformed.jsonl");
    assert!(lines.len() >= 50);
    let failures = check_all(lines);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
