//! The migration scanner: read a user export line by line and report what it holds.
//!
//! Accepted exports, detected per line:
//!
//! - JSON Lines: an Auth0 user (`custom_password_hash` object, or `password_hash`
//!   string), a Stytch `passwords/migrate` record (`hash` + `hash_type` + config), or any
//!   other [`ImportRecord`] shape;
//! - CSV: `id,email,hash`, with or without a header row; the hash is everything after
//!   the second comma, so hashes containing commas survive.
//!
//! The report counts records per scheme and lists, with line numbers, hashes whose work
//! factors exceed the [`CostLimits`] (which verification would refuse), records lacking
//! the config their hash type needs, and lines that could not be parsed. Memory stays
//! constant: counts are kept for everything, but at most [`MAX_SAMPLES`] example lines
//! per category. Optional test credentials (`id` or `email` with a known `password`) are
//! verified when their record comes by, which proves an export decodes correctly before
//! the switch.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{CostLimits, Error, Hasher, ImportRecord, StoredHash};

/// Example lines kept per finding category.
pub const MAX_SAMPLES: usize = 100;

/// One finding with its line number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// 1-based line number in the export.
    pub line: u64,
    /// The record's id or email, when the line has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The error kind ([`Error::kind`]).
    pub kind: String,
    /// What is wrong (never a password or a hash).
    pub message: String,
}

/// A count and the first [`MAX_SAMPLES`] examples.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Findings {
    /// How many lines had this finding.
    pub count: u64,
    /// The first ones.
    pub samples: Vec<Finding>,
}

impl Findings {
    fn add(&mut self, finding: Finding) {
        self.count += 1;
        if self.samples.len() < MAX_SAMPLES {
            self.samples.push(finding);
        }
    }
}

/// The outcome of verifying one test credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialResult {
    /// The credential's id or email.
    pub id: String,
    /// Line of the matching record.
    pub line: u64,
    /// The record's scheme.
    pub scheme: String,
    /// Whether the password verified.
    pub valid: bool,
}

/// What a scan found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Lines read (blank lines and a CSV header included).
    pub lines: u64,
    /// Records with a usable hash.
    pub records: u64,
    /// Records per scheme name.
    pub schemes: BTreeMap<String, u64>,
    /// Records without any password hash (social-login users, for instance).
    pub without_hash: u64,
    /// Hashes whose work factors exceed the limits.
    pub over_limits: Findings,
    /// Records lacking the config their hash type needs.
    pub missing_config: Findings,
    /// Lines that could not be parsed, or hashes in no supported format.
    pub errors: Findings,
    /// Test credentials verified during the scan.
    pub credentials: Vec<CredentialResult>,
    /// Test credentials whose record never appeared.
    pub credentials_not_found: Vec<String>,
}

/// A streaming scanner: feed it lines, then take the [`Report`].
///
/// ```
/// use portcullis_password::scan::Scanner;
///
/// let mut scanner = Scanner::new(Default::default());
/// scanner.feed("id,email,hash");
/// scanner.feed("1,a@example.com,$2b$10$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW");
/// scanner.feed(r#"{"user_id":"2","custom_password_hash":{"algorithm":"md5","hash":{"value":"0cc175b9c0f1b6a831c399e269772661","encoding":"hex"}}}"#);
/// scanner.feed(r#"{"hash":"0cc175b9c0f1b6a831c399e269772661","hash_type":"md_5"}"#);
/// let report = scanner.finish();
/// assert_eq!(report.schemes["bcrypt"], 1);
/// assert_eq!(report.schemes["md5"], 1);
/// assert_eq!(report.missing_config.count, 1);
/// ```
#[derive(Debug)]
pub struct Scanner {
    limits: CostLimits,
    report: Report,
    credentials: HashMap<String, String>,
    hasher: Option<Hasher>,
    csv_header_seen: bool,
}

impl Scanner {
    /// A scanner applying `limits`.
    #[must_use]
    pub fn new(limits: CostLimits) -> Self {
        Self {
            limits,
            report: Report::default(),
            credentials: HashMap::new(),
            hasher: None,
            csv_header_seen: false,
        }
    }

    /// Verifies these (id or email → password) credentials when their records are read.
    #[must_use]
    pub fn with_credentials(
        mut self,
        credentials: HashMap<String, String>,
        hasher: Hasher,
    ) -> Self {
        self.credentials = credentials;
        self.hasher = Some(hasher);
        self
    }

    /// Reads one line of the export given as bytes (without its line break): a line
    /// that is not UTF-8 is reported as an `invalid_utf8` error for that line, and the
    /// scan goes on.
    pub fn feed_bytes(&mut self, line: &[u8]) {
        match std::str::from_utf8(line) {
            Ok(text) => self.feed(text),
            Err(_) => {
                self.report.lines += 1;
                self.report.errors.add(Finding {
                    line: self.report.lines,
                    id: None,
                    kind: "invalid_utf8".to_owned(),
                    message: "the line is not valid UTF-8".to_owned(),
                });
            }
        }
    }

    /// Reads one line of the export (without its line break).
    pub fn feed(&mut self, line: &str) {
        self.report.lines += 1;
        let number = self.report.lines;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            return;
        }
        let (ids, stored) = if line.trim_start().starts_with('{') {
            json_line(line)
        } else {
            match self.csv_line(line) {
                Some(parsed) => parsed,
                None => return,
            }
        };
        let id = ids.first().map(|s| s.to_string());
        match stored {
            Ok(Some(stored)) => self.record(number, &ids, &stored),
            Ok(None) => self.report.without_hash += 1,
            Err(e) => {
                let finding = Finding {
                    line: number,
                    id,
                    kind: e.kind().to_owned(),
                    message: e.to_string(),
                };
                match e {
                    Error::MissingConfig { .. } => self.report.missing_config.add(finding),
                    Error::CostTooHigh { .. } => self.report.over_limits.add(finding),
                    _ => self.report.errors.add(finding),
                }
            }
        }
    }

    fn record(&mut self, number: u64, ids: &[Cow<'_, str>], stored: &StoredHash) {
        self.report.records += 1;
        let scheme = stored.scheme().name();
        match self.report.schemes.get_mut(scheme) {
            Some(n) => *n += 1,
            None => {
                self.report.schemes.insert(scheme.to_owned(), 1);
            }
        }
        if let Err(e) = stored.check_limits(&self.limits) {
            self.report.over_limits.add(Finding {
                line: number,
                id: ids.first().map(|s| s.to_string()),
                kind: e.kind().to_owned(),
                message: e.to_string(),
            });
        }
        let Some(hasher) = &self.hasher else { return };
        for id in ids {
            if let Some(password) = self.credentials.remove(id.as_ref()) {
                let valid = hasher
                    .check(&password, stored)
                    .map(|c| c.valid)
                    .unwrap_or(false);
                self.report.credentials.push(CredentialResult {
                    id: id.to_string(),
                    line: number,
                    scheme: scheme.to_owned(),
                    valid,
                });
            }
        }
    }

    /// `id,email,hash`; `None` for the header row.
    fn csv_line<'a>(
        &mut self,
        line: &'a str,
    ) -> Option<(Ids<'a>, Result<Option<StoredHash>, Error>)> {
        let mut fields = line.splitn(3, ',');
        let (id, email, hash) = (fields.next()?, fields.next(), fields.next());
        let unquote = |s: &'a str| {
            let s = s.trim();
            s.strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .unwrap_or(s)
        };
        if !self.csv_header_seen && self.report.records == 0 {
            self.csv_header_seen = true;
            if unquote(id).eq_ignore_ascii_case("id") {
                return None;
            }
        }
        let ids: Ids<'a> = [Some(id), email]
            .into_iter()
            .flatten()
            .map(unquote)
            .filter(|s| !s.is_empty())
            .map(Cow::Borrowed)
            .collect();
        let result = match hash.map(unquote) {
            None => Err(Error::Malformed {
                scheme: "csv",
                reason: "expected id,email,hash",
            }),
            Some("") => Ok(None),
            Some(h) => StoredHash::parse(h).map(Some),
        };
        Some((ids, result))
    }

    /// The report; credentials never matched are listed as not found.
    #[must_use]
    pub fn finish(mut self) -> Report {
        let mut missing: Vec<String> = self.credentials.into_keys().collect();
        missing.sort();
        self.report.credentials_not_found = missing;
        self.report
    }

    /// The report so far.
    #[must_use]
    pub fn report(&self) -> &Report {
        &self.report
    }
}

/// Fields of a JSON export line that the fast path reads without building a tree.
#[derive(Deserialize)]
struct Fast<'a> {
    #[serde(borrow, default)]
    user_id: Option<&'a str>,
    #[serde(borrow, default)]
    id: Option<&'a str>,
    #[serde(borrow, default)]
    email: Option<&'a str>,
    #[serde(borrow, default)]
    password_hash: Option<&'a str>,
    #[serde(borrow, default)]
    hash: Option<&'a str>,
    #[serde(default)]
    hash_type: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    custom_password_hash: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    firebase_scrypt: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    scheme: Option<serde::de::IgnoredAny>,
}

/// The id and email of a record, borrowed from the line where possible.
type Ids<'a> = Vec<Cow<'a, str>>;

fn json_line(line: &str) -> (Ids<'_>, Result<Option<StoredHash>, Error>) {
    let malformed = || Error::Malformed {
        scheme: "json",
        reason: "line is not a JSON object",
    };
    // Fast path: a self-describing hash string and nothing that needs the full record.
    if let Ok(fast) = serde_json::from_str::<Fast<'_>>(line) {
        let ids: Ids<'_> = [fast.user_id, fast.id, fast.email]
            .into_iter()
            .flatten()
            .map(Cow::Borrowed)
            .collect();
        let needs_record = fast.hash_type.is_some()
            || fast.custom_password_hash.is_some()
            || fast.firebase_scrypt.is_some()
            || fast.scheme.is_some();
        if !needs_record {
            return match fast.password_hash.or(fast.hash) {
                Some(h) => (ids, StoredHash::parse(h).map(Some)),
                None => (ids, Ok(None)),
            };
        }
        return (
            ids,
            ImportRecord::from_json_str(line)
                .and_then(|r| r.to_stored())
                .map(Some),
        );
    }
    // Strings with escapes cannot be borrowed; take the slow path for those.
    match serde_json::from_str::<Value>(line) {
        Ok(value @ Value::Object(_)) => {
            let ids = ["user_id", "id", "email"]
                .iter()
                .filter_map(|k| value.get(*k).and_then(Value::as_str))
                .map(|s| Cow::Owned(s.to_owned()))
                .collect();
            if value.get("password_hash").is_some() && value.get("custom_password_hash").is_none() {
                let hash = value["password_hash"].as_str().map(StoredHash::parse);
                return (ids, hash.transpose());
            }
            let has_hash = ["hash", "custom_password_hash", "firebase_scrypt"]
                .iter()
                .any(|k| value.get(*k).is_some());
            if !has_hash {
                return (ids, Ok(None));
            }
            (
                ids,
                ImportRecord::from_json(&value)
                    .and_then(|r| r.to_stored())
                    .map(Some),
            )
        }
        _ => (Vec::new(), Err(malformed())),
    }
}
