//! Target for portcullis-session's header parsing.

use portcullis_session::http::{CookieConfig, bearer_token, cookie_value};

/// Arbitrary bytes as `Cookie` and `Authorization` header values.
pub fn http_headers(data: &[u8]) {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    let config = CookieConfig::default();
    for value in [config.from_cookie_header(header), cookie_value(header, "a")]
        .into_iter()
        .flatten()
    {
        // What comes out is a non-empty run of cookie octets taken from the input.
        assert!(!value.is_empty() && header.contains(value));
        assert!(
            value
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b";,\\\"".contains(&b))
        );
    }
    if let Some(token) = bearer_token(header) {
        assert!(!token.is_empty() && header.contains(token));
        assert!(!token.contains(' '));
    }
}
