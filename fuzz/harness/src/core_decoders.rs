//! Targets for the portcullis-core decoders.

use portcullis_core::{Base32, Base64, Hex};

/// All four strict base64 variants and the tolerant decoder.
pub fn base64(data: &[u8]) {
    for variant in [
        Base64::Standard,
        Base64::StandardUnpadded,
        Base64::Url,
        Base64::UrlUnpadded,
    ] {
        if let Ok(bytes) = variant.decode(data) {
            // Strict decoding accepts exactly the canonical encoding.
            assert_eq!(variant.encode(&bytes).as_bytes(), data, "{variant:?}");
            assert_eq!(Base64::decode_tolerant(data).unwrap(), bytes);
        }
    }
    if let Ok(bytes) = Base64::decode_tolerant(data) {
        // Whatever the tolerant decoder accepts, it decodes consistently: the
        // canonical re-encoding decodes to the same bytes.
        let canonical = Base64::UrlUnpadded.encode(&bytes);
        assert_eq!(Base64::UrlUnpadded.decode(&canonical).unwrap(), bytes);
    }
}

/// Strict (padded and unpadded) and tolerant base32.
pub fn base32(data: &[u8]) {
    for variant in [Base32::Padded, Base32::Unpadded] {
        if let Ok(bytes) = variant.decode(data) {
            assert_eq!(variant.encode(&bytes).as_bytes(), data, "{variant:?}");
            assert_eq!(Base32::decode_tolerant(data).unwrap(), bytes);
        }
    }
    if let Ok(bytes) = Base32::decode_tolerant(data) {
        // Tolerance is only about case, spaces and padding: removing those gives the
        // canonical unpadded form.
        let squeezed: Vec<u8> = data
            .iter()
            .filter(|&&b| b != b' ' && b != b'=')
            .map(u8::to_ascii_uppercase)
            .collect();
        assert_eq!(Base32::Unpadded.encode(&bytes).as_bytes(), squeezed);
    }
}

/// Hex in either case.
pub fn hex(data: &[u8]) {
    if let Ok(bytes) = Hex::decode(data) {
        assert_eq!(
            Hex::Lower.encode(&bytes).as_bytes(),
            data.to_ascii_lowercase()
        );
    }
}
