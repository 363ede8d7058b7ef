//! Line-by-line reading of JSON Lines and export files.
//!
//! Lines are read as bytes and checked for UTF-8 one at a time, so a line that is not
//! UTF-8 becomes an error for that line and the run goes on (`BufRead::read_line`
//! would end the whole run). The buffer is wiped as it is reused and dropped: lines
//! carry passwords and TOTP secrets.

use std::io::BufRead;

use zeroize::{Zeroize, Zeroizing};

/// The lines of a reader, numbered from 1.
pub(crate) struct Lines<R> {
    reader: R,
    buffer: Zeroizing<Vec<u8>>,
    number: u64,
}

/// One line: its number, and its text without the line break, or `Err` when it is not
/// UTF-8.
pub(crate) type Line<'a> = (u64, Result<&'a str, std::str::Utf8Error>);

impl<R: BufRead> Lines<R> {
    pub(crate) fn new(reader: R) -> Self {
        Self {
            reader,
            buffer: Zeroizing::new(Vec::new()),
            number: 0,
        }
    }

    /// The next line, or `None` at the end of the input.
    pub(crate) fn next_line(&mut self) -> std::io::Result<Option<Line<'_>>> {
        // Wipes the whole capacity, then empties the vector.
        self.buffer.zeroize();
        if self.reader.read_until(b'\n', &mut self.buffer)? == 0 {
            return Ok(None);
        }
        self.number += 1;
        let bytes = self.buffer.strip_suffix(b"\n").unwrap_or(&self.buffer);
        Ok(Some((self.number, std::str::from_utf8(bytes))))
    }

    /// The next line as bytes, without the line break.
    pub(crate) fn next_bytes(&mut self) -> std::io::Result<Option<&[u8]>> {
        // Wipes the whole capacity, then empties the vector.
        self.buffer.zeroize();
        if self.reader.read_until(b'\n', &mut self.buffer)? == 0 {
            return Ok(None);
        }
        self.number += 1;
        Ok(Some(
            self.buffer.strip_suffix(b"\n").unwrap_or(&self.buffer),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_that_is_not_utf8_is_reported_and_reading_goes_on() {
        let mut lines = Lines::new(&b"one\n\xff\xfe\nthree"[..]);
        let (n, text) = lines.next_line().unwrap().unwrap();
        assert_eq!((n, text), (1, Ok("one")));
        let (n, text) = lines.next_line().unwrap().unwrap();
        assert_eq!(n, 2);
        assert!(text.is_err());
        let (n, text) = lines.next_line().unwrap().unwrap();
        assert_eq!((n, text), (3, Ok("three")));
        assert!(lines.next_line().unwrap().is_none());
    }
}
