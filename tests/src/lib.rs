//! Helpers shared by the cross-crate tests in `tests/tests/`.
//!
//! Reference vectors live in `tests/vectors/`, one JSON Lines file per format, each
//! produced by the committed script beside it from an independent implementation
//! (passlib, pyotp, PyJWT, jwcrypto) or copied from an RFC with the section named.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::path::{Path, PathBuf};

/// The repository root.
#[must_use]
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Path of a file under `tests/vectors/`.
#[must_use]
pub fn vector_path(name: &str) -> PathBuf {
    repo_root().join("tests").join("vectors").join(name)
}

/// Reads a JSON Lines file under `tests/vectors/`: one JSON value per non-empty line.
///
/// # Errors
/// A message naming the file and line when it cannot be read or parsed; vector files are
/// committed, so a test should fail loudly on either.
pub fn read_jsonl(name: &str) -> Result<Vec<serde_json::Value>, String> {
    let path = vector_path(name);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))
        })
        .collect()
}
