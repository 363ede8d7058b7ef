//! Breached-password checks against Have I Been Pwned's Pwned Passwords corpus, without
//! network access of our own.
//!
//! NIST SP 800-63B section 5.1.1.2 asks verifiers to refuse passwords found in breach
//! corpora. Pwned Passwords publishes SHA-1 digests of such passwords with how often each
//! was seen, in two forms, and both are supported:
//!
//! - **The range API** (k-anonymity). [`RangeQuery`] computes the SHA-1 of the password
//!   and splits its upper-case hex form into a 5-character prefix, the only thing the
//!   caller sends (`GET https://api.pwnedpasswords.com/range/{prefix}`, ideally with the
//!   header `Add-Padding: true`), and a 35-character suffix that never leaves the
//!   process. [`RangeQuery::judge`] then reads the response body: `SUFFIX:COUNT` lines
//!   separated by CRLF or LF. Padded responses add random suffixes with a count of 0;
//!   those are not breaches. The HTTP request is the caller's, so this crate stays
//!   sans-I/O and the caller chooses its client, timeouts and what to do when the API is
//!   unreachable (fail open or closed).
//! - **A downloaded corpus file** (`SHA1HEX:COUNT` lines sorted by hash, CRLF or LF, as
//!   the Pwned Passwords downloader writes them). [`BreachFile`] looks a password up by
//!   binary search with seeks, reading a few hundred bytes per step, so a file of tens
//!   of gigabytes is searched in about 35 reads without being loaded into memory.
//!
//! The SHA-1 digest of a password is as sensitive as the password (unsalted SHA-1 is
//! cracked at billions of guesses a second), so [`RangeQuery`] keeps it in a zeroized
//! buffer and its `Debug` shows the prefix only. Judging a range response compares every
//! line in constant time and does not stop at a match. The file lookup cannot hide its
//! access pattern: which parts of the file it reads depends on the digest, as for any
//! search of a sorted file; on a shared machine keep the file private to the service.
//!
//! Malformed input (a response or file line that is not `HEX:COUNT`) is an
//! [`Error::Malformed`] with scheme `"hibp"`, never a silent "not breached"; a failed
//! read is an [`Error::Io`].

use std::cmp::Ordering;
use std::fmt;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use portcullis_core::Hex;
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};
use subtle::{ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroizing;

use crate::error::Error;

/// The scheme name used in [`Error::Malformed`] for Pwned Passwords data.
const SCHEME: &str = "hibp";
/// Hex digits of a full SHA-1 digest.
const DIGEST_HEX: usize = 40;
/// Hex digits sent to the range API.
const PREFIX_HEX: usize = 5;
/// Hex digits of a suffix in a range response.
const SUFFIX_HEX: usize = DIGEST_HEX - PREFIX_HEX;
/// The longest line the file reader accepts. A valid line is at most 63 bytes (40 hex
/// digits, a colon, a 20-digit count, CR LF); the margin keeps the bound simple.
const MAX_LINE: usize = 128;

/// What a breach check found: feed it to
/// [`PolicyContext::breach`](crate::PolicyContext::breach).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum BreachVerdict {
    /// The password is not in the corpus (or only as a count-0 padding entry).
    NotFound,
    /// The password is in the corpus.
    Breached {
        /// How many times it was seen in breaches.
        count: u64,
    },
}

impl BreachVerdict {
    /// Whether the password was found.
    #[must_use]
    pub fn is_breached(self) -> bool {
        matches!(self, Self::Breached { .. })
    }

    fn from_count(count: u64) -> Self {
        if count == 0 {
            Self::NotFound
        } else {
            Self::Breached { count }
        }
    }
}

/// A k-anonymity query to the Pwned Passwords range API for one password: the prefix to
/// send and the judge of the response.
///
/// ```
/// use portcullis_password::{BreachVerdict, RangeQuery};
///
/// let query = RangeQuery::new("P@ssw0rd");
/// assert_eq!(query.prefix(), "21BD1");
/// assert_eq!(query.url(), "https://api.pwnedpasswords.com/range/21BD1");
///
/// // The body the API returned for that prefix (an excerpt).
/// let body = "2D8D1B3FAACCA6A3C6A91617B2FA32E2F57:1\r\n\
///             2DC183F740EE76F27B78EB39C8AD972A757:52579\r\n\
///             2DE4C0087846D223DBBCCF071614590F300:0\r\n";
/// assert_eq!(query.judge(body)?, BreachVerdict::Breached { count: 52579 });
/// assert_eq!(format!("{query:?}"), r#"RangeQuery { prefix: "21BD1", .. }"#);
/// # Ok::<(), portcullis_password::Error>(())
/// ```
pub struct RangeQuery {
    /// The 40 upper-case hex digits of SHA-1(password).
    hex: Zeroizing<[u8; DIGEST_HEX]>,
}

impl RangeQuery {
    /// Hashes `password` (its UTF-8 bytes, as Pwned Passwords does) with SHA-1.
    #[must_use]
    pub fn new(password: &str) -> Self {
        let digest = sha1_digest(password);
        let mut hex = Zeroizing::new([0u8; DIGEST_HEX]);
        const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
        for (pair, byte) in hex.chunks_exact_mut(2).zip(digest.iter()) {
            pair[0] = DIGITS[usize::from(byte >> 4)];
            pair[1] = DIGITS[usize::from(byte & 0x0f)];
        }
        Self { hex }
    }

    /// The first 5 upper-case hex digits of the digest: the only part to send.
    #[must_use]
    pub fn prefix(&self) -> &str {
        ascii(&self.hex[..PREFIX_HEX])
    }

    /// The remaining 35 upper-case hex digits, as they appear in a range response. Keep
    /// it in the process: with the prefix it is the password's unsalted SHA-1.
    #[must_use]
    pub fn suffix(&self) -> &str {
        ascii(&self.hex[PREFIX_HEX..])
    }

    /// The range API address for this prefix.
    #[must_use]
    pub fn url(&self) -> String {
        format!("https://api.pwnedpasswords.com/range/{}", self.prefix())
    }

    /// Judges a range API response body: `SUFFIX:COUNT` lines (35 hex digits in either
    /// case, a colon, a decimal count), separated by CRLF or LF, blank lines ignored.
    /// A matching line with count 0 is padding and not a breach.
    ///
    /// Every line is parsed and compared in constant time, with no early exit, so the
    /// time taken depends on the response, not on where (or whether) the suffix is in it.
    ///
    /// # Errors
    /// [`Error::Malformed`] when a line is not `SUFFIX:COUNT` or a count does not fit
    /// in 64 bits: a corrupt response must not pass for "not breached".
    pub fn judge(&self, response: impl AsRef<[u8]>) -> Result<BreachVerdict, Error> {
        let suffix = &self.hex[PREFIX_HEX..];
        let mut found = 0u64;
        for line in response.as_ref().split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            let (line_suffix, count) = parse_range_line(line)?;
            // OR of the XORs: zero exactly when equal, with no early exit (subtle's
            // slice comparison does the same a byte at a time, several times slower).
            let diff = line_suffix
                .iter()
                .zip(suffix)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b));
            found = u64::conditional_select(&found, &count, diff.ct_eq(&0));
        }
        Ok(BreachVerdict::from_count(found))
    }
}

impl fmt::Debug for RangeQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RangeQuery")
            .field("prefix", &self.prefix())
            .finish_non_exhaustive()
    }
}

/// A Pwned Passwords file sorted by hash (`SHA1HEX:COUNT` lines), searched in place.
///
/// Any `Read + Seek` source works (a [`File`], or an in-memory `Cursor` in tests). A
/// lookup takes `&mut self` because it moves the read position; to share one file
/// between threads, open it once per thread or put it behind a `Mutex` (a lookup is a
/// few dozen small reads).
///
/// The file must be sorted by hash, which is how Pwned Passwords distributes it; on an
/// unsorted file a lookup may miss entries (it still returns, and never panics).
///
/// ```
/// use std::io::Cursor;
/// use portcullis_password::{BreachFile, BreachVerdict};
///
/// let file = "21BD12DC183F740EE76F27B78EB39C8AD972A757:52579\r\n\
///             5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:9545824\r\n";
/// let mut breaches = BreachFile::new(Cursor::new(file))?;
/// assert_eq!(breaches.lookup("password")?, BreachVerdict::Breached { count: 9545824 });
/// assert_eq!(breaches.lookup("correct horse battery staple")?, BreachVerdict::NotFound);
/// # Ok::<(), portcullis_password::Error>(())
/// ```
pub struct BreachFile<R> {
    reader: R,
    len: u64,
}

impl BreachFile<File> {
    /// Opens a Pwned Passwords file.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be opened or its length read.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        Self::new(File::open(path)?)
    }
}

impl<R: Read + Seek> BreachFile<R> {
    /// Wraps a sorted Pwned Passwords source. Only its length and its last bytes are
    /// read: line breaks at the very end (a final newline, or several) are set aside
    /// so that the last line is the last entry.
    ///
    /// # Errors
    /// [`Error::Io`] when the source cannot seek or be read.
    pub fn new(mut reader: R) -> Result<Self, Error> {
        let mut len = reader.seek(SeekFrom::End(0))?;
        let mut file = Self { reader, len };
        loop {
            let from = len.saturating_sub(MAX_LINE as u64);
            let mut tail = [0u8; MAX_LINE];
            let n = file.read_at(from, &mut tail[..(len - from) as usize])?;
            let breaks = tail[..n]
                .iter()
                .rev()
                .take_while(|&&b| b == b'\n' || b == b'\r')
                .count();
            len -= breaks as u64;
            if n == 0 || breaks < n || len == 0 {
                break;
            }
        }
        file.len = len;
        Ok(file)
    }

    /// Looks `password` up: the SHA-1 of its UTF-8 bytes, by binary search over the
    /// file's byte offsets.
    ///
    /// # Errors
    /// [`Error::Io`] when a read fails; [`Error::Malformed`] when a line the search
    /// lands on is not `SHA1HEX:COUNT` or is longer than 128 bytes.
    pub fn lookup(&mut self, password: &str) -> Result<BreachVerdict, Error> {
        let target = sha1_digest(password);
        // Invariant: if the target's line exists, it starts in [lo, hi); `lo` is always
        // the start of a line. Each step strictly shrinks the range, so the loop ends on
        // any input, sorted or not.
        let (mut lo, mut hi) = (0u64, self.len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let Some(line) = self.line_at_or_after(mid, hi)? else {
                // No line starts in [mid, hi).
                hi = mid;
                continue;
            };
            match line.digest.cmp(&*target) {
                Ordering::Less => lo = line.next,
                Ordering::Greater => hi = line.start,
                Ordering::Equal => return Ok(BreachVerdict::from_count(line.count)),
            }
        }
        Ok(BreachVerdict::NotFound)
    }

    /// Reads the first line that starts at or after `mid` and before `hi`, in one read
    /// of up to two line lengths starting just before `mid`.
    fn line_at_or_after(&mut self, mid: u64, hi: u64) -> Result<Option<FileLine>, Error> {
        let from = mid.saturating_sub(1);
        let mut buf = [0u8; 2 * MAX_LINE];
        // Never read past `len`: trailing line breaks are not part of the data.
        let want = usize::try_from(self.len - from).map_or(buf.len(), |left| left.min(buf.len()));
        let n = self.read_at(from, &mut buf[..want])?;
        let at_eof = from + n as u64 >= self.len || n < want;
        let buf = &buf[..n];

        // Skip to the byte after the first newline at or after `from`, unless `mid` is
        // the start of the file. Reading from `mid - 1` makes a line that starts exactly
        // at `mid` count as "at or after".
        let skip = if mid == 0 {
            0
        } else {
            let window = &buf[..n.min(MAX_LINE)];
            match window.iter().position(|&b| b == b'\n') {
                Some(i) => i + 1,
                None if at_eof && n <= MAX_LINE => return Ok(None),
                None => return Err(malformed("file line longer than 128 bytes")),
            }
        };
        let start = from + skip as u64;
        if start >= hi {
            return Ok(None);
        }
        let rest = &buf[skip..];
        let (line, consumed) = match rest.iter().position(|&b| b == b'\n') {
            Some(j) => (&rest[..j], j + 1),
            None if at_eof => (rest, rest.len()),
            None => return Err(malformed("file line longer than 128 bytes")),
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let (digest, count) = parse_file_line(line)?;
        Ok(Some(FileLine {
            start,
            next: start + consumed as u64,
            digest,
            count,
        }))
    }

    /// Fills `buf` from `pos` until it is full or the source ends; returns the length read.
    fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> Result<usize, Error> {
        self.reader.seek(SeekFrom::Start(pos))?;
        let mut filled = 0;
        while filled < buf.len() {
            match self.reader.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(k) => filled += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(filled)
    }
}

impl<R> fmt::Debug for BreachFile<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BreachFile")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// One parsed line of a corpus file and where it sits.
struct FileLine {
    start: u64,
    next: u64,
    digest: [u8; 20],
    count: u64,
}

fn sha1_digest(password: &str) -> Zeroizing<[u8; 20]> {
    Zeroizing::new(Sha1::digest(password.as_bytes()).into())
}

/// The hex digits of a query as `&str`; they are ASCII by construction.
fn ascii(hex: &[u8]) -> &str {
    std::str::from_utf8(hex).unwrap_or_default()
}

fn malformed(reason: &'static str) -> Error {
    Error::Malformed {
        scheme: SCHEME,
        reason,
    }
}

/// Splits `HEX:COUNT` where HEX has `hex_len` digits.
fn split_line(line: &[u8], hex_len: usize) -> Option<(&[u8], u64)> {
    let (hex, count) = (line.get(..hex_len)?, line.get(hex_len..)?);
    let count = count.strip_prefix(b":")?;
    if !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    Some((hex, parse_count(count)?))
}

/// A decimal count: 1 to 20 ASCII digits, no sign, fitting in a u64.
fn parse_count(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 20 {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, &d| {
        if !d.is_ascii_digit() {
            return None;
        }
        acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// Each byte's upper-case hex digit, or 0 for a byte that is not a hex digit.
const HEX_UPPER: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = match b as u8 {
            c @ (b'0'..=b'9' | b'A'..=b'F') => c,
            c @ b'a'..=b'f' => c - 32,
            _ => 0,
        };
        b += 1;
    }
    table
};

/// A range response line: the suffix upper-cased, and the count.
///
/// The suffix is validated and upper-cased by table lookups without a branch per byte:
/// a response mixes digits and letters at random, and a branch on each costs more than
/// the rest of the line's parsing put together.
pub(crate) fn parse_range_line(line: &[u8]) -> Result<([u8; SUFFIX_HEX], u64), Error> {
    let bad = || malformed("range line is not SUFFIX:COUNT");
    let hex = line.get(..SUFFIX_HEX).ok_or_else(bad)?;
    let count = line
        .get(SUFFIX_HEX..)
        .and_then(|rest| rest.strip_prefix(b":"))
        .and_then(parse_count)
        .ok_or_else(bad)?;
    let mut suffix = [0u8; SUFFIX_HEX];
    let mut valid = true;
    for (out, &b) in suffix.iter_mut().zip(hex) {
        *out = HEX_UPPER[usize::from(b)];
        valid &= *out != 0;
    }
    if !valid {
        return Err(bad());
    }
    Ok((suffix, count))
}

/// A corpus file line: the digest and the count.
pub(crate) fn parse_file_line(line: &[u8]) -> Result<([u8; 20], u64), Error> {
    let bad = || malformed("file line is not SHA1HEX:COUNT");
    let (hex, count) = split_line(line, DIGEST_HEX).ok_or_else(bad)?;
    let digest = Hex::decode(hex)
        .ok()
        .and_then(|bytes| <[u8; 20]>::try_from(bytes).ok())
        .ok_or_else(bad)?;
    Ok((digest, count))
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    // SHA-1("password") = 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8.
    const PASSWORD_SUFFIX: &str = "1E4C9B93F3F0682250B6CF8331B7EE68FD8";

    #[test]
    fn prefix_and_suffix_split_the_upper_case_digest() {
        let q = RangeQuery::new("password");
        assert_eq!(q.prefix(), "5BAA6");
        assert_eq!(q.suffix(), PASSWORD_SUFFIX);
        // The empty password has a digest too.
        let q = RangeQuery::new("");
        assert_eq!(
            (q.prefix(), q.suffix()),
            ("DA39A", "3EE5E6B4B0D3255BFEF95601890AFD80709")
        );
    }

    #[test]
    fn judge_finds_the_suffix_in_either_case_and_line_ending() {
        let q = RangeQuery::new("password");
        let lf = format!(
            "0018A45C4D1DEF81644B54AB7F969B88D65:1\n{PASSWORD_SUFFIX}:42\nFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:3"
        );
        assert_eq!(q.judge(&lf).unwrap(), BreachVerdict::Breached { count: 42 });
        let crlf = lf.replace('\n', "\r\n").to_lowercase() + "\r\n";
        assert_eq!(
            q.judge(&crlf).unwrap(),
            BreachVerdict::Breached { count: 42 }
        );
    }

    #[test]
    fn judge_ignores_padding_and_absent_suffixes() {
        let q = RangeQuery::new("password");
        let padded = format!("0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n{PASSWORD_SUFFIX}:0\r\n");
        assert_eq!(q.judge(padded).unwrap(), BreachVerdict::NotFound);
        assert_eq!(
            q.judge("0018A45C4D1DEF81644B54AB7F969B88D65:7\r\n")
                .unwrap(),
            BreachVerdict::NotFound
        );
        assert_eq!(q.judge("").unwrap(), BreachVerdict::NotFound);
        assert_eq!(q.judge("\r\n\n").unwrap(), BreachVerdict::NotFound);
    }

    #[test]
    fn judge_refuses_malformed_lines() {
        let q = RangeQuery::new("password");
        for body in [
            "1E4C9B93F3F0682250B6CF8331B7EE68FD8",    // no count
            "1E4C9B93F3F0682250B6CF8331B7EE68FD8:",   // empty count
            "1E4C9B93F3F0682250B6CF8331B7EE68FD:1",   // 34 digits
            "1E4C9B93F3F0682250B6CF8331B7EE68FD8X:1", // 36 characters
            "1E4C9B93F3F0682250B6CF8331B7EE68FDG:1",  // not hex
            "1E4C9B93F3F0682250B6CF8331B7EE68FD8:-1", // sign
            "1E4C9B93F3F0682250B6CF8331B7EE68FD8: 1", // space
            "1E4C9B93F3F0682250B6CF8331B7EE68FD8:18446744073709551616", // u64::MAX + 1
            "<html>rate limited</html>",
        ] {
            let err = q.judge(body).unwrap_err();
            assert_eq!(err.kind(), "malformed", "{body}");
            // The error names the format, never the password or the digest.
            assert!(!err.to_string().contains(PASSWORD_SUFFIX));
        }
        let max = format!("{PASSWORD_SUFFIX}:18446744073709551615");
        assert_eq!(
            q.judge(max).unwrap(),
            BreachVerdict::Breached { count: u64::MAX }
        );
    }

    #[test]
    fn debug_shows_the_prefix_only() {
        let q = RangeQuery::new("password");
        let text = format!("{q:?}");
        assert!(text.contains("5BAA6") && !text.contains("1E4C9"), "{text}");
    }

    fn file_of(lines: &[(&str, u64)], newline: &str) -> Cursor<Vec<u8>> {
        let mut digests: Vec<(String, u64)> = lines
            .iter()
            .map(|&(pw, count)| {
                let q = RangeQuery::new(pw);
                (format!("{}{}", q.prefix(), q.suffix()), count)
            })
            .collect();
        digests.sort();
        let text: String = digests
            .iter()
            .map(|(h, c)| format!("{h}:{c}{newline}"))
            .collect();
        Cursor::new(text.into_bytes())
    }

    #[test]
    fn file_lookup_small_files() {
        let entries = [("password", 9), ("123456", 30), ("P@ssw0rd", 52579)];
        for newline in ["\n", "\r\n"] {
            let mut f = BreachFile::new(file_of(&entries, newline)).unwrap();
            for (pw, count) in entries {
                assert_eq!(
                    f.lookup(pw).unwrap(),
                    BreachVerdict::Breached { count },
                    "{pw}"
                );
            }
            assert_eq!(f.lookup("not in there").unwrap(), BreachVerdict::NotFound);
        }
        // One line without a final newline; an empty file.
        let mut one = BreachFile::new(Cursor::new(
            b"5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:3".to_vec(),
        ))
        .unwrap();
        assert_eq!(
            one.lookup("password").unwrap(),
            BreachVerdict::Breached { count: 3 }
        );
        assert_eq!(one.lookup("other").unwrap(), BreachVerdict::NotFound);
        let mut empty = BreachFile::new(Cursor::new(Vec::new())).unwrap();
        assert_eq!(empty.lookup("password").unwrap(), BreachVerdict::NotFound);
        // Line breaks at the end, however many, are not entries.
        let breaks = "\r\n\n".repeat(100);
        let mut only_breaks = BreachFile::new(Cursor::new(breaks.clone())).unwrap();
        assert_eq!(
            only_breaks.lookup("password").unwrap(),
            BreachVerdict::NotFound
        );
        let text = format!("5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:3{breaks}");
        let mut trailing = BreachFile::new(Cursor::new(text)).unwrap();
        assert_eq!(
            trailing.lookup("password").unwrap(),
            BreachVerdict::Breached { count: 3 }
        );
        assert_eq!(trailing.lookup("other").unwrap(), BreachVerdict::NotFound);
    }

    #[test]
    fn file_lookup_refuses_malformed_and_overlong_lines() {
        let mut garbage = BreachFile::new(Cursor::new(b"not a hibp file\n".to_vec())).unwrap();
        assert_eq!(garbage.lookup("password").unwrap_err().kind(), "malformed");
        let long = vec![b'A'; 1000];
        let mut long = BreachFile::new(Cursor::new(long)).unwrap();
        assert_eq!(long.lookup("password").unwrap_err().kind(), "malformed");
    }

    #[test]
    fn count_parsing_bounds() {
        assert_eq!(parse_count(b"0"), Some(0));
        assert_eq!(parse_count(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_count(b"18446744073709551616"), None);
        assert_eq!(parse_count(b"000000000000000000001"), None);
        assert_eq!(parse_count(b""), None);
        assert_eq!(parse_count(b"1a"), None);
    }
}
