//! Targets for portcullis-otp: the otpauth URI parser, base32 secret import, and the
//! normalisation of typed TOTP/passcode and recovery codes.

use portcullis_otp::{
    KeyUri, OtpSecret, SecretPolicy, UriKind, normalize_code, normalize_recovery_code,
};

/// Parses otpauth URIs; whatever parses renders to a URI that parses to the same
/// fields and renders identically (rendering is a fixed point).
pub fn uri(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = KeyUri::parse(text, SecretPolicy::DangerAllowLegacy) else {
        return;
    };
    let rendered = parsed.to_uri();
    let again = KeyUri::parse(rendered.expose_secret(), SecretPolicy::DangerAllowLegacy)
        .unwrap_or_else(|e| panic!("our own rendering does not parse: {e}"));
    assert_eq!(again.issuer(), parsed.issuer());
    assert_eq!(again.account(), parsed.account());
    assert_eq!(again.algorithm(), parsed.algorithm());
    assert_eq!(again.digits(), parsed.digits());
    assert_eq!(again.kind(), parsed.kind());
    assert_eq!(
        again.secret().expose_secret(),
        parsed.secret().expose_secret()
    );
    assert_eq!(again.to_uri().expose_secret(), rendered.expose_secret());
    match parsed.kind() {
        UriKind::Totp { .. } => assert!(parsed.totp().is_some() && parsed.hotp().is_none()),
        UriKind::Hotp { .. } => assert!(parsed.hotp().is_some() && parsed.totp().is_none()),
    }
}

/// Imports base32 secrets under both policies: the legacy policy accepts everything
/// the standard one does, lengths respect both floors and the ceiling, and the
/// canonical re-encoding imports to the same bytes.
pub fn base32_secret(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let standard = OtpSecret::from_base32(text, SecretPolicy::Standard);
    let legacy = OtpSecret::from_base32(text, SecretPolicy::DangerAllowLegacy);
    if let Ok(s) = &standard {
        assert!(s.len() >= 16 && s.len() <= 128, "{}", s.len());
        let l = legacy
            .as_ref()
            .expect("legacy accepts what standard accepts");
        assert_eq!(l.expose_secret(), s.expose_secret());
    }
    if let Ok(s) = &legacy {
        assert!(s.len() >= 10 && s.len() <= 128, "{}", s.len());
        let canonical = s.to_base32();
        let again =
            OtpSecret::from_base32(canonical.expose_secret(), SecretPolicy::DangerAllowLegacy)
                .expect("canonical form imports");
        assert_eq!(again.expose_secret(), s.expose_secret());
    }
}

/// Normalises a typed numeric code; the first byte picks the digit count (6 to 10).
/// Accepted input yields exactly its digits, in order, and the result is itself
/// accepted unchanged.
pub fn code_input(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let digits = 6 + first % 5;
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if let Ok(code) = normalize_code(text, digits) {
        let code = code.expose_secret();
        assert_eq!(code.len(), usize::from(digits));
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        let in_order: String = text.chars().filter(char::is_ascii_digit).collect();
        assert_eq!(code, in_order);
        assert!(
            text.chars()
                .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
        );
        assert_eq!(normalize_code(code, digits).unwrap().expose_secret(), code);
    }
}

/// Normalises a typed recovery code: accepted input yields its letters and digits,
/// lower-cased, in order; the result is accepted unchanged.
pub fn recovery_input(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(code) = normalize_recovery_code(text) {
        let code = code.expose_secret();
        assert!(!code.is_empty() && code.len() <= 64);
        assert!(
            code.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
        let expected: String = text
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        assert_eq!(code, expected);
        assert!(
            text.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        );
        assert_eq!(normalize_recovery_code(code).unwrap().expose_secret(), code);
    }
}
