//! `BreachFile` over generated Pwned Passwords files on disk: every entry found with its
//! count (the first and last lines included), absent passwords not found, in both line
//! endings and both hex cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::io::Cursor;
use std::path::PathBuf;

use portcullis_password::{BreachFile, BreachVerdict, RangeQuery};
use proptest::prelude::*;

const ENTRIES: usize = 4000;

/// `(upper-case SHA-1 hex, password, count)` for `n` passwords, sorted by hash.
fn corpus(n: usize) -> Vec<(String, String, u64)> {
    let mut rows: Vec<(String, String, u64)> = (0..n)
        .map(|i| {
            let password = format!("breached-{i}");
            let q = RangeQuery::new(&password);
            // Counts of every width, up to u64::MAX.
            let count = match i % 4 {
                0 => 1,
                1 => i as u64 * 7919,
                2 => u64::MAX - i as u64,
                _ => 10u64.pow((i % 19) as u32),
            };
            (format!("{}{}", q.prefix(), q.suffix()), password, count)
        })
        .collect();
    rows.sort();
    rows
}

fn render(
    rows: &[(String, String, u64)],
    newline: &str,
    lower: bool,
    final_newline: bool,
) -> String {
    let mut text = rows
        .iter()
        .map(|(hex, _, count)| {
            let hex = if lower {
                hex.to_lowercase()
            } else {
                hex.clone()
            };
            format!("{hex}:{count}")
        })
        .collect::<Vec<_>>()
        .join(newline);
    if final_newline {
        text.push_str(newline);
    }
    text
}

/// A file under the target directory's temp area, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "portcullis-breach-{}-{name}.txt",
            std::process::id()
        ));
        std::fs::write(&path, contents).unwrap();
        Self(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn generated_files_on_disk() {
    let rows = corpus(ENTRIES);
    for (name, newline, lower, final_newline) in [
        ("crlf", "\r\n", false, true),
        ("lf", "\n", false, true),
        ("lower", "\n", true, true),
        ("no-final-newline", "\r\n", false, false),
    ] {
        let file = TempFile::new(name, &render(&rows, newline, lower, final_newline));
        let mut breaches = BreachFile::open(&file.0).unwrap();

        // The first and last lines of the file are the edge cases of the search.
        let (first, last) = (&rows[0], &rows[ENTRIES - 1]);
        assert_eq!(
            breaches.lookup(&first.1).unwrap(),
            BreachVerdict::Breached { count: first.2 }
        );
        assert_eq!(
            breaches.lookup(&last.1).unwrap(),
            BreachVerdict::Breached { count: last.2 }
        );

        for (_, password, count) in &rows {
            assert_eq!(
                breaches.lookup(password).unwrap(),
                BreachVerdict::Breached { count: *count },
                "{name}: {password}"
            );
        }
        for i in 0..1000 {
            let absent = format!("never-breached-{i}");
            assert_eq!(
                breaches.lookup(&absent).unwrap(),
                BreachVerdict::NotFound,
                "{name}: {absent}"
            );
        }
    }
}

#[test]
fn hashes_before_the_first_and_after_the_last_line() {
    // Of 200 sorted digests, the file holds all but the smallest and the largest; those
    // two fall before the file's first line and after its last.
    let rows = corpus(200);
    let (min, max) = (&rows[0], &rows[199]);
    let middle = &rows[1..199];
    let file = TempFile::new("middle", &render(middle, "\r\n", false, true));
    let mut breaches = BreachFile::open(&file.0).unwrap();
    assert_eq!(breaches.lookup(&min.1).unwrap(), BreachVerdict::NotFound);
    assert_eq!(breaches.lookup(&max.1).unwrap(), BreachVerdict::NotFound);
    assert_eq!(
        breaches.lookup(&middle[0].1).unwrap(),
        BreachVerdict::Breached { count: middle[0].2 }
    );
}

#[test]
fn a_missing_file_is_an_io_error() {
    let err = BreachFile::open("/nonexistent/pwned-passwords.txt").unwrap_err();
    assert_eq!(
        err,
        portcullis_password::Error::Io(std::io::ErrorKind::NotFound)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any sorted set of entries: every present password is found with its count, every
    /// other one is not, whatever the line endings.
    #[test]
    fn lookup_agrees_with_a_map(
        present in prop::collection::btree_set(0u32..5000, 0..60),
        probes in prop::collection::vec(0u32..5000, 1..40),
        crlf in any::<bool>(),
        final_newline in any::<bool>(),
    ) {
        let mut rows: Vec<(String, String, u64)> = present
            .iter()
            .map(|i| {
                let password = format!("pw{i}");
                let q = RangeQuery::new(&password);
                (format!("{}{}", q.prefix(), q.suffix()), password, u64::from(*i) + 1)
            })
            .collect();
        rows.sort();
        let expected: HashMap<String, u64> =
            rows.iter().map(|(_, p, c)| (p.clone(), *c)).collect();
        let text = render(&rows, if crlf { "\r\n" } else { "\n" }, false, final_newline);
        let mut breaches = BreachFile::new(Cursor::new(text)).unwrap();
        for i in probes.iter().chain(present.iter()) {
            let password = format!("pw{i}");
            let want = expected
                .get(&password)
                .map_or(BreachVerdict::NotFound, |&count| BreachVerdict::Breached { count });
            prop_assert_eq!(breaches.lookup(&password).unwrap(), want);
        }
    }
}
