//! Targets for portcullis-password's breach checks and password policy.

use std::io::Cursor;

use portcullis_password::{
    BreachFile, BreachVerdict, PasswordPolicy, PolicyContext, PolicySettings, RangeQuery,
    StrengthPolicy, StrengthResult,
};

/// Passwords whose digests the targets know, to build responses and files around.
const KNOWN: [&str; 8] = [
    "password",
    "123456",
    "P@ssw0rd",
    "",
    "пароль",
    "密码",
    "🔑",
    "correct horse",
];

/// The range-response judge against a straightforward reading of the format.
///
/// Properties: the judge accepts a body exactly when every non-blank line (CR LF or LF)
/// is 35 hex digits, a colon and a decimal count fitting in u64; it then reports the
/// count of the last line matching the suffix (ignoring case), count 0 meaning not
/// found; and a body it accepts, with the query's own line appended, is judged breached
/// with that count.
pub fn hibp_line(data: &[u8]) {
    for password in KNOWN {
        let query = RangeQuery::new(password);
        let expected = reference_judge(data, query.suffix());
        let actual = query.judge(data);
        match (&actual, expected) {
            (Ok(verdict), Some(count)) => {
                assert_eq!(
                    *verdict,
                    verdict_of(count),
                    "judge disagrees with the reference"
                );
            }
            (Err(e), None) => assert_eq!(e.kind(), "malformed"),
            _ => panic!("judge {actual:?} but reference {expected:?}"),
        }
        if actual.is_ok() {
            let mut body = data.to_vec();
            // A line feed first: a body ending in a bare CR then ends that line.
            body.extend_from_slice(format!("\n{}:5\r\n", query.suffix()).as_bytes());
            assert_eq!(
                query.judge(&body).unwrap(),
                BreachVerdict::Breached { count: 5 }
            );
        }
    }
}

/// The file reader, on raw bytes and on well-formed files built from the input.
///
/// Properties: on any bytes a lookup returns (found, not found or malformed) without
/// panicking or looping; on a sorted file built from the input (random digests as
/// filler, a fuzz-chosen subset of the known passwords with fuzz-chosen counts, either
/// line ending, optional final newline), every known password is found with its count
/// exactly when its digest is in the file.
pub fn hibp_file(data: &[u8]) {
    let mut raw = BreachFile::new(Cursor::new(data)).unwrap();
    for password in KNOWN {
        if let Err(e) = raw.lookup(password) {
            assert_eq!(e.kind(), "malformed");
        }
    }

    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let mut lines: Vec<(String, u64)> = Vec::new();
    for (i, password) in KNOWN.iter().enumerate() {
        if flags & (1 << i) != 0 {
            let q = RangeQuery::new(password);
            let count = 1 + u64::from(rest.get(i).copied().unwrap_or(0)) * 1_000_003;
            lines.push((format!("{}{}", q.prefix(), q.suffix()), count));
        }
    }
    // Filler: each 21-byte chunk is a digest and a count exponent.
    for chunk in rest.chunks_exact(21) {
        let hex: String = chunk[..20].iter().map(|b| format!("{b:02X}")).collect();
        let count = 10u64.saturating_pow(u32::from(chunk[20] % 21));
        if !lines.iter().any(|(h, _)| *h == hex) {
            lines.push((hex, count));
        }
    }
    lines.sort();
    let newline = if rest.len() % 2 == 0 { "\n" } else { "\r\n" };
    let mut text = lines
        .iter()
        .map(|(h, c)| format!("{h}:{c}"))
        .collect::<Vec<_>>()
        .join(newline);
    if rest.len() % 3 == 0 {
        text.push_str(newline);
    }
    let mut file = BreachFile::new(Cursor::new(text)).unwrap();
    for password in KNOWN {
        // The filler may hold a known digest too (the fuzzer finds them).
        let q = RangeQuery::new(password);
        let hex = format!("{}{}", q.prefix(), q.suffix());
        let expected = lines
            .iter()
            .find(|(h, _)| *h == hex)
            .map_or(BreachVerdict::NotFound, |&(_, count)| {
                BreachVerdict::Breached { count }
            });
        assert_eq!(file.lookup(password).unwrap(), expected, "{password:?}");
    }
}

/// The policy check over arbitrary UTF-8 passwords, under both strategies.
///
/// Properties: no panic; `valid_password` exactly when there are no violations; a
/// score from 0 to 4; LUDS feedback present exactly under LUDS; the JSON form round-trips;
/// and neither the result's `Debug` nor its JSON contains the password when the password
/// has a non-ASCII character (every text in a result is ASCII).
pub fn policy_check(data: &[u8]) {
    let Ok(password) = std::str::from_utf8(data) else {
        return;
    };
    let names = ["Ada", "Lovelace"];
    let context = PolicyContext::new()
        .email("ada.lovelace@example.com")
        .names(&names)
        .breach(BreachVerdict::NotFound);
    for strategy in [StrengthPolicy::Zxcvbn, StrengthPolicy::Luds] {
        let policy = PasswordPolicy::new(PolicySettings {
            strength_policy: strategy,
            ..PolicySettings::default()
        })
        .unwrap();
        let result = policy.check(password, &context);
        assert_eq!(result.valid_password, result.violations.is_empty());
        assert!(result.score <= 4);
        assert_eq!(
            result.feedback.luds_requirements.is_some(),
            strategy == StrengthPolicy::Luds
        );
        let json = serde_json::to_string(&result).unwrap();
        let back: StrengthResult = serde_json::from_str(&json).unwrap();
        assert_eq!(back, result);
        if !password.is_ascii() {
            assert!(!format!("{result:?}").contains(password));
            assert!(!json.contains(password));
        }
    }
}

fn verdict_of(count: u64) -> BreachVerdict {
    if count == 0 {
        BreachVerdict::NotFound
    } else {
        BreachVerdict::Breached { count }
    }
}

/// `None` when a line is malformed; else the count of the last matching line (0 if none).
fn reference_judge(body: &[u8], suffix: &str) -> Option<u64> {
    let text = std::str::from_utf8(body).ok()?;
    let mut found = 0;
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let (hex, count) = line.split_once(':')?;
        if hex.len() != 35 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        if count.is_empty() || count.len() > 20 || !count.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let count: u64 = count.parse().ok()?;
        if hex.eq_ignore_ascii_case(suffix) {
            found = count;
        }
    }
    Some(found)
}
