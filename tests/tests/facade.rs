//! The facade exposes each primitive crate as a module.

#[test]
fn core_is_reexported() {
    let token = portcullis::core::random::token(32, portcullis::core::TokenEncoding::Hex);
    assert_eq!(token.len(), 64);
    assert_eq!(format!("{token}"), "[redacted]");
}

#[test]
fn otp_is_reexported() {
    use portcullis::otp::{OtpSecret, SecretPolicy, Totp};

    let secret =
        OtpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", SecretPolicy::Standard).unwrap();
    let now = portcullis::core::time::from_unix_seconds(59).unwrap();
    let totp = Totp::new().with_digits(8).unwrap();
    assert_eq!(
        totp.generate(&secret, now).unwrap().expose_secret(),
        "94287082"
    );
}

#[test]
fn token_is_reexported() {
    use portcullis::token::{Digester, OpaqueToken};
    let token = OpaqueToken::generate(&mut portcullis::core::OsRng);
    let stored = Digester::Sha256.digest(token.secret());
    let presented = OpaqueToken::parse(token.render().expose_secret()).unwrap();
    assert_eq!(Digester::Sha256.verify(&stored, presented.secret()), Ok(()));
    assert!(format!("{token:?}").contains("[redacted]"));
}
