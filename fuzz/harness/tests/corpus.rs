//! Replays every seed-corpus file through its fuzz target's check on stable Rust.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use portcullis_fuzz_harness::{TARGETS, run};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn names_in(dir: &Path, strip_rs: bool) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter_map(|name| {
            if strip_rs {
                name.strip_suffix(".rs").map(str::to_owned)
            } else {
                Some(name)
            }
        })
        .collect()
}

#[test]
fn every_target_has_a_source_file_and_a_corpus() {
    let registered: BTreeSet<String> = TARGETS.iter().map(|(n, _)| (*n).to_owned()).collect();
    assert_eq!(registered.len(), TARGETS.len(), "duplicate target names");
    assert_eq!(
        names_in(&fuzz_dir().join("fuzz_targets"), true),
        registered,
        "fuzz/fuzz_targets/*.rs and TARGETS disagree"
    );
    assert_eq!(
        names_in(&fuzz_dir().join("corpus"), false),
        registered,
        "fuzz/corpus/* and TARGETS disagree"
    );
    let manifest = fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    for name in &registered {
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "fuzz/Cargo.toml has no [[bin]] for {name}"
        );
    }
}

#[test]
fn replay_seed_corpora() {
    for (name, _) in TARGETS {
        let dir = fuzz_dir().join("corpus").join(name);
        let mut files = 0;
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let data = fs::read(&path).unwrap();
            assert!(run(name, &data), "no target {name}");
            files += 1;
        }
        assert!(files >= 5, "{}: only {files} seed files", dir.display());
    }
}
