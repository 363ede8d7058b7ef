//! Base64, base32 and hex (RFC 4648), with strict and tolerant decoders.
//!
//! Strict decoders accept exactly one canonical spelling of each byte string: the
//! alphabet and padding of the chosen variant, and zero bits after the last byte. They
//! are for formats we define or that define themselves precisely (JWS segments, PHC
//! strings). Tolerant decoders exist because legacy stores are not that tidy: imported
//! TOTP secrets arrive in lower case with spaces, migrated hashes in either base64
//! alphabet with or without padding. Tolerance is limited to what is unambiguous: case
//! and spaces for base32; alphabet, padding and ASCII whitespace for base64. Mixing the
//! two base64 alphabets in one string, bad padding and non-canonical trailing bits are
//! refused even by the tolerant decoders.
//!
//! Encoding and the strict checks are done by the `data-encoding` crate, one
//! implementation for all three alphabets with canonical-form checking and a typed error
//! position. The tolerant layer is a normalisation pass written here, because no crate
//! offers exactly this set of relaxations; it works in a zeroized buffer since its input
//! is often a secret.
//!
//! Decoders take any `AsRef<[u8]>`, never panic, and return [`DecodeError`], which names
//! an offset but never echoes the input.

use data_encoding::{
    BASE32, BASE32_NOPAD, BASE64, BASE64_NOPAD, BASE64URL, BASE64URL_NOPAD, DecodeKind, Encoding,
    HEXLOWER, HEXLOWER_PERMISSIVE, HEXUPPER,
};
use zeroize::Zeroizing;

use crate::error::DecodeError;

/// The four base64 variants of RFC 4648: standard (section 4) or URL-safe (section 5)
/// alphabet, with or without `=` padding.
///
/// ```
/// use portcullis_core::Base64;
///
/// assert_eq!(Base64::UrlUnpadded.encode(b"\xfb\xff"), "-_8");
/// assert_eq!(Base64::Standard.encode(b"\xfb\xff"), "+/8=");
/// assert_eq!(Base64::UrlUnpadded.decode("-_8").unwrap(), b"\xfb\xff");
/// assert!(Base64::UrlUnpadded.decode("-_8=").is_err()); // strict: no padding here
/// assert_eq!(Base64::decode_tolerant("+/8").unwrap(), b"\xfb\xff");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Base64 {
    /// `A-Z a-z 0-9 + /` with `=` padding.
    Standard,
    /// `A-Z a-z 0-9 + /` without padding.
    StandardUnpadded,
    /// `A-Z a-z 0-9 - _` with `=` padding.
    Url,
    /// `A-Z a-z 0-9 - _` without padding (JWS, PKCE, portcullis tokens).
    UrlUnpadded,
}

impl Base64 {
    fn engine(self) -> Encoding {
        match self {
            Self::Standard => BASE64,
            Self::StandardUnpadded => BASE64_NOPAD,
            Self::Url => BASE64URL,
            Self::UrlUnpadded => BASE64URL_NOPAD,
        }
    }

    /// Encodes `bytes` in this variant.
    #[must_use]
    pub fn encode(self, bytes: &[u8]) -> String {
        self.engine().encode(bytes)
    }

    /// Decodes `input`, accepting only this variant's canonical form.
    ///
    /// # Errors
    /// [`DecodeError`] naming the first problem found.
    pub fn decode(self, input: impl AsRef<[u8]>) -> Result<Vec<u8>, DecodeError> {
        strict(&self.engine(), input.as_ref())
    }

    /// Decodes base64 in either alphabet, with or without padding, ignoring ASCII
    /// whitespace (space, tab, CR, LF) anywhere.
    ///
    /// # Errors
    /// [`DecodeError::InvalidCharacter`] for a byte outside both alphabets or for a
    /// second alphabet mixed into the first, [`DecodeError::InvalidPadding`] for padding
    /// that is not exactly what the length requires, [`DecodeError::InvalidLength`] and
    /// [`DecodeError::NonCanonical`] as for the strict decoders.
    pub fn decode_tolerant(input: impl AsRef<[u8]>) -> Result<Vec<u8>, DecodeError> {
        let input = input.as_ref();
        let mut symbols = Zeroizing::new(Vec::with_capacity(input.len()));
        let mut alphabet: Option<bool> = None; // Some(true) = URL-safe
        let mut padding = 0usize;
        for (position, &byte) in input.iter().enumerate() {
            if byte.is_ascii_whitespace() {
                continue;
            }
            if byte == b'=' {
                padding += 1;
                continue;
            }
            // Data after padding, or from the other alphabet, is malformed.
            let url = match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => None,
                b'-' | b'_' => Some(true),
                b'+' | b'/' => Some(false),
                _ => return Err(DecodeError::InvalidCharacter { position }),
            };
            if padding > 0 {
                return Err(DecodeError::InvalidCharacter { position });
            }
            if let Some(url) = url
                && *alphabet.get_or_insert(url) != url
            {
                return Err(DecodeError::InvalidCharacter { position });
            }
            // Normalise to the standard alphabet for the strict pass.
            symbols.push(match byte {
                b'-' => b'+',
                b'_' => b'/',
                other => other,
            });
        }
        check_padding(symbols.len(), padding, 4)?;
        strict(&BASE64_NOPAD, &symbols)
    }
}

/// Base32 with the RFC 4648 section 6 alphabet (`A-Z 2-7`), with or without padding.
///
/// ```
/// use portcullis_core::Base32;
///
/// assert_eq!(Base32::Padded.encode(b"foob"), "MZXW6YQ=");
/// assert_eq!(Base32::Unpadded.encode(b"foob"), "MZXW6YQ");
/// assert_eq!(Base32::decode_tolerant("mzxw 6yq").unwrap(), b"foob");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Base32 {
    /// Upper case with `=` padding to a multiple of 8 symbols.
    Padded,
    /// Upper case without padding (the usual form of TOTP secrets).
    Unpadded,
}

impl Base32 {
    fn engine(self) -> Encoding {
        match self {
            Self::Padded => BASE32,
            Self::Unpadded => BASE32_NOPAD,
        }
    }

    /// Encodes `bytes` in this variant.
    #[must_use]
    pub fn encode(self, bytes: &[u8]) -> String {
        self.engine().encode(bytes)
    }

    /// Decodes `input`, accepting only this variant's canonical, upper-case form.
    ///
    /// # Errors
    /// [`DecodeError`] naming the first problem found.
    pub fn decode(self, input: impl AsRef<[u8]>) -> Result<Vec<u8>, DecodeError> {
        strict(&self.engine(), input.as_ref())
    }

    /// Decodes base32 in any mix of case, with or without padding, ignoring spaces
    /// anywhere (authenticator apps display secrets in groups of four).
    ///
    /// # Errors
    /// As [`Base64::decode_tolerant`].
    pub fn decode_tolerant(input: impl AsRef<[u8]>) -> Result<Vec<u8>, DecodeError> {
        let input = input.as_ref();
        let mut symbols = Zeroizing::new(Vec::with_capacity(input.len()));
        let mut padding = 0usize;
        for (position, &byte) in input.iter().enumerate() {
            match byte {
                b' ' => {}
                b'=' => padding += 1,
                b'A'..=b'Z' | b'a'..=b'z' | b'2'..=b'7' if padding == 0 => {
                    symbols.push(byte.to_ascii_uppercase());
                }
                _ => return Err(DecodeError::InvalidCharacter { position }),
            }
        }
        check_padding(symbols.len(), padding, 8)?;
        strict(&BASE32_NOPAD, &symbols)
    }
}

/// Hexadecimal (RFC 4648 section 8). Encoding picks the case; decoding accepts either.
///
/// ```
/// use portcullis_core::Hex;
///
/// assert_eq!(Hex::Lower.encode(b"\xab\x01"), "ab01");
/// assert_eq!(Hex::Upper.encode(b"\xab\x01"), "AB01");
/// assert_eq!(Hex::decode("aB01").unwrap(), b"\xab\x01");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hex {
    /// `0-9 a-f`.
    Lower,
    /// `0-9 A-F`.
    Upper,
}

impl Hex {
    /// Encodes `bytes` in this case.
    #[must_use]
    pub fn encode(self, bytes: &[u8]) -> String {
        match self {
            Self::Lower => HEXLOWER.encode(bytes),
            Self::Upper => HEXUPPER.encode(bytes),
        }
    }

    /// Decodes hex digits in either case; the length must be even.
    ///
    /// # Errors
    /// [`DecodeError::InvalidCharacter`] or [`DecodeError::InvalidLength`].
    pub fn decode(input: impl AsRef<[u8]>) -> Result<Vec<u8>, DecodeError> {
        strict(&HEXLOWER_PERMISSIVE, input.as_ref())
    }
}

/// Checks that `padding` pad symbols are exactly what `symbols` data symbols need to
/// reach a multiple of `block` (or that there is no padding at all).
fn check_padding(symbols: usize, padding: usize, block: usize) -> Result<(), DecodeError> {
    let needed = (block - symbols % block) % block;
    if padding == 0 || padding == needed {
        Ok(())
    } else {
        Err(DecodeError::InvalidPadding)
    }
}

fn strict(engine: &Encoding, input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    // `data-encoding` decodes a padded input block by block, so it accepts padding in the
    // middle ("+/8=++++"): a second spelling of the same bytes. Canonical form allows `=`
    // only as the final run. (For unpadded variants `=` is simply not in the alphabet, and
    // the decoder below reports it as such.)
    let data_end = input.iter().rposition(|&b| b != b'=').map_or(0, |i| i + 1);
    if input[..data_end].contains(&b'=') {
        return Err(DecodeError::InvalidPadding);
    }
    engine.decode(input).map_err(|error| match error.kind {
        DecodeKind::Symbol => DecodeError::InvalidCharacter {
            position: error.position,
        },
        DecodeKind::Length => DecodeError::InvalidLength,
        DecodeKind::Padding => DecodeError::InvalidPadding,
        DecodeKind::Trailing => DecodeError::NonCanonical,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4648 section 10 test vectors: (input, base64, base32, base16).
    const RFC4648: [(&str, &str, &str, &str); 7] = [
        ("", "", "", ""),
        ("f", "Zg==", "MY======", "66"),
        ("fo", "Zm8=", "MZXQ====", "666F"),
        ("foo", "Zm9v", "MZXW6===", "666F6F"),
        ("foob", "Zm9vYg==", "MZXW6YQ=", "666F6F62"),
        ("fooba", "Zm9vYmE=", "MZXW6YTB", "666F6F6261"),
        ("foobar", "Zm9vYmFy", "MZXW6YTBOI======", "666F6F626172"),
    ];

    #[test]
    fn rfc4648_section_10_vectors() {
        for (plain, b64, b32, b16) in RFC4648 {
            let plain = plain.as_bytes();
            assert_eq!(Base64::Standard.encode(plain), b64);
            assert_eq!(Base64::Standard.decode(b64).unwrap(), plain);
            assert_eq!(Base64::Url.decode(b64).unwrap(), plain);
            assert_eq!(Base64::decode_tolerant(b64).unwrap(), plain);
            let unpadded = b64.trim_end_matches('=');
            assert_eq!(Base64::StandardUnpadded.encode(plain), unpadded);
            assert_eq!(Base64::UrlUnpadded.decode(unpadded).unwrap(), plain);
            assert_eq!(Base64::decode_tolerant(unpadded).unwrap(), plain);

            assert_eq!(Base32::Padded.encode(plain), b32);
            assert_eq!(Base32::Padded.decode(b32).unwrap(), plain);
            let unpadded = b32.trim_end_matches('=');
            assert_eq!(Base32::Unpadded.encode(plain), unpadded);
            assert_eq!(Base32::Unpadded.decode(unpadded).unwrap(), plain);
            assert_eq!(Base32::decode_tolerant(b32).unwrap(), plain);
            assert_eq!(
                Base32::decode_tolerant(unpadded.to_lowercase()).unwrap(),
                plain
            );

            assert_eq!(Hex::Upper.encode(plain), b16);
            assert_eq!(Hex::Lower.encode(plain), b16.to_lowercase());
            assert_eq!(Hex::decode(b16).unwrap(), plain);
            assert_eq!(Hex::decode(b16.to_lowercase()).unwrap(), plain);
        }
    }

    #[test]
    fn strict_base64_refuses_other_forms() {
        assert_eq!(
            Base64::Standard.decode("Zg"),
            Err(DecodeError::InvalidLength)
        );
        assert_eq!(
            Base64::StandardUnpadded.decode("Zg=="),
            Err(DecodeError::InvalidCharacter { position: 2 })
        );
        assert_eq!(
            Base64::UrlUnpadded.decode("+/8"),
            Err(DecodeError::InvalidCharacter { position: 0 })
        );
        assert_eq!(
            Base64::Standard.decode("-_8="),
            Err(DecodeError::InvalidCharacter { position: 0 })
        );
        // "Zh==" decodes to the same byte as "Zg==" with a stray low bit.
        assert_eq!(
            Base64::Standard.decode("Zh=="),
            Err(DecodeError::NonCanonical)
        );
        assert_eq!(
            Base64::Standard.decode("Zm9v\n"),
            Err(DecodeError::InvalidLength)
        );
        // Padding inside the string (found by fuzzing `data-encoding`'s block-wise decoder).
        assert_eq!(
            Base64::Standard.decode("+/8=++++"),
            Err(DecodeError::InvalidPadding)
        );
        assert_eq!(
            Base64::Url.decode("Zg==Zg=="),
            Err(DecodeError::InvalidPadding)
        );
    }

    #[test]
    fn tolerant_base64() {
        assert_eq!(Base64::decode_tolerant("Zm9v\r\nYmFy").unwrap(), b"foobar");
        assert_eq!(Base64::decode_tolerant(" Zm8= ").unwrap(), b"fo");
        assert_eq!(Base64::decode_tolerant("-_8").unwrap(), b"\xfb\xff");
        assert_eq!(Base64::decode_tolerant("-_8=").unwrap(), b"\xfb\xff");
        // Mixed alphabets: the '/' at offset 2 contradicts the '-' at offset 0.
        assert_eq!(
            Base64::decode_tolerant("-_/="),
            Err(DecodeError::InvalidCharacter { position: 2 })
        );
        assert_eq!(
            Base64::decode_tolerant("-+8"),
            Err(DecodeError::InvalidCharacter { position: 1 })
        );
        // Padding of the wrong size, and data after padding.
        assert_eq!(
            Base64::decode_tolerant("Zm8=="),
            Err(DecodeError::InvalidPadding)
        );
        assert_eq!(
            Base64::decode_tolerant("Zm9v="),
            Err(DecodeError::InvalidPadding)
        );
        assert_eq!(
            Base64::decode_tolerant("Zg=a"),
            Err(DecodeError::InvalidCharacter { position: 3 })
        );
        assert_eq!(
            Base64::decode_tolerant("Z"),
            Err(DecodeError::InvalidLength)
        );
        assert_eq!(
            Base64::decode_tolerant("Zh"),
            Err(DecodeError::NonCanonical)
        );
        assert_eq!(
            Base64::decode_tolerant("Zm9v*"),
            Err(DecodeError::InvalidCharacter { position: 4 })
        );
    }

    #[test]
    fn strict_base32_refuses_lower_case_and_spaces() {
        assert_eq!(
            Base32::Padded.decode("my======"),
            Err(DecodeError::InvalidCharacter { position: 0 })
        );
        assert_eq!(
            Base32::Unpadded.decode("MZXW 6YQ"),
            Err(DecodeError::InvalidCharacter { position: 4 })
        );
        assert_eq!(Base32::Padded.decode("MY"), Err(DecodeError::InvalidLength));
        assert_eq!(
            Base32::Padded.decode("MY======MY======"),
            Err(DecodeError::InvalidPadding)
        );
        assert_eq!(
            Base32::Unpadded.decode("M"),
            Err(DecodeError::InvalidLength)
        );
        assert_eq!(
            Base32::Unpadded.decode("MZ"),
            Err(DecodeError::NonCanonical)
        );
    }

    #[test]
    fn tolerant_base32() {
        // A typical authenticator-app rendering of a TOTP secret.
        let spaced = "jbsw y3dp ehpk 3pxp";
        assert_eq!(
            Base32::decode_tolerant(spaced).unwrap(),
            Base32::Unpadded.decode("JBSWY3DPEHPK3PXP").unwrap()
        );
        assert_eq!(Base32::decode_tolerant("MzXw6===").unwrap(), b"foo");
        assert_eq!(
            Base32::decode_tolerant("MZXW6=="),
            Err(DecodeError::InvalidPadding)
        );
        assert_eq!(
            Base32::decode_tolerant("MZ=XW"),
            Err(DecodeError::InvalidCharacter { position: 3 })
        );
        assert_eq!(
            Base32::decode_tolerant("MZXW1"),
            Err(DecodeError::InvalidCharacter { position: 4 })
        );
        assert_eq!(
            Base32::decode_tolerant("MZXW\t6"),
            Err(DecodeError::InvalidCharacter { position: 4 })
        );
        assert_eq!(
            Base32::decode_tolerant("MZX"),
            Err(DecodeError::InvalidLength)
        );
    }

    #[test]
    fn hex_errors() {
        assert_eq!(Hex::decode("abc"), Err(DecodeError::InvalidLength));
        assert_eq!(
            Hex::decode("ag"),
            Err(DecodeError::InvalidCharacter { position: 1 })
        );
        assert_eq!(
            Hex::decode("0x00"),
            Err(DecodeError::InvalidCharacter { position: 1 })
        );
    }

    #[test]
    fn non_ascii_input_is_an_error_not_a_panic() {
        for input in ["é", "Zm9v\u{0}", "\u{feff}Zm9v", "ÿÿÿÿ"] {
            assert!(Base64::Standard.decode(input).is_err());
            assert!(Base64::decode_tolerant(input).is_err());
            assert!(Base32::decode_tolerant(input).is_err());
            assert!(Hex::decode(input).is_err());
        }
    }
}
