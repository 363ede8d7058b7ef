//! `portcullis hash ...`: hash new passwords, identify and verify stored hashes in bulk.
//!
//! `identify` and `verify` read JSON Lines on stdin (one import record per line, in any
//! shape `portcullis_password::ImportRecord` accepts, plus `"password"` for verify) and
//! write one JSON line per input line, in order. A line that cannot be processed
//! produces an error line, never a crash, and the exit status is 0 once every line was
//! read. Passwords never appear in the output.

use std::io::{BufRead, Write};

use clap::Subcommand;
use portcullis::password::{Hasher, HasherConfig, ImportRecord, StoredHash};
use serde_json::{Value, json};

use crate::lines::Lines;

#[derive(Debug, Subcommand)]
pub enum HashCommand {
    /// Read a password from stdin (one line) and print its argon2id hash.
    New,
    /// Name the scheme of each JSON Lines record on stdin.
    Identify,
    /// Verify each JSON Lines record on stdin against its "password".
    Verify,
}

pub fn run(
    command: HashCommand,
    input: &mut impl BufRead,
    out: &mut impl Write,
) -> Result<(), Box<dyn std::error::Error>> {
    let hasher = Hasher::new(HasherConfig::default())?;
    match command {
        HashCommand::New => {
            let mut line = zeroize::Zeroizing::new(String::new());
            input.read_line(&mut line)?;
            let password = line.strip_suffix('\n').unwrap_or(&line);
            let password = password.strip_suffix('\r').unwrap_or(password);
            writeln!(out, "{}", hasher.hash(password)?)?;
        }
        HashCommand::Identify => {
            for_each_line(input, out, |value| {
                let stored = record(value)?;
                Ok(json!({"scheme": stored.scheme().name()}))
            })?;
        }
        HashCommand::Verify => {
            for_each_line(input, out, |value| {
                let stored = record(value)?;
                let password = value
                    .get("password")
                    .and_then(Value::as_str)
                    .ok_or(LineError::new("missing_password", "no \"password\" string"))?;
                let check = hasher.check(password, &stored).map_err(LineError::from)?;
                Ok(json!({
                    "scheme": stored.scheme().name(),
                    "valid": check.valid,
                    "upgrade": check.needs_upgrade,
                }))
            })?;
        }
    }
    Ok(())
}

fn record(value: &Value) -> Result<StoredHash, LineError> {
    ImportRecord::from_json(value)
        .and_then(|r| r.to_stored())
        .map_err(LineError::from)
}

struct LineError {
    kind: &'static str,
    message: String,
}

impl LineError {
    fn new(kind: &'static str, message: &str) -> Self {
        Self {
            kind,
            message: message.to_owned(),
        }
    }
}

impl From<portcullis::password::Error> for LineError {
    fn from(e: portcullis::password::Error) -> Self {
        // The crate's errors never carry the password; see its `Error` docs.
        Self {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

fn for_each_line(
    input: &mut impl BufRead,
    out: &mut impl Write,
    mut handle: impl FnMut(&Value) -> Result<Value, LineError>,
) -> std::io::Result<()> {
    let mut lines = Lines::new(input);
    while let Some((number, line)) = lines.next_line()? {
        let result = match line {
            Err(_) => Err(LineError::new(
                "invalid_utf8",
                "the line is not valid UTF-8",
            )),
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => match serde_json::from_str::<Value>(line) {
                // serde_json's messages give a position, never the input text.
                Err(e) => Err(LineError::new("invalid_json", &e.to_string())),
                Ok(value) => handle(&value),
            },
        };
        let output = match result {
            Ok(Value::Object(mut fields)) => {
                fields.insert("line".into(), number.into());
                Value::Object(fields)
            }
            Ok(other) => other,
            Err(e) => json!({"line": number, "error": e.kind, "message": e.message}),
        };
        serde_json::to_writer(&mut *out, &output)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
