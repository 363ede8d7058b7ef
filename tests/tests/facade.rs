//! The facade exposes each primitive crate as a module.

#[test]
fn core_is_reexported() {
    let token = portcullis::core::random::token(32, portcullis::core::TokenEncoding::Hex);
    assert_eq!(token.len(), 64);
    assert_eq!(format!("{token}"), "[redacted]");
}
