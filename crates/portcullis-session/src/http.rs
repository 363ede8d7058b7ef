//! Cookies and bearer tokens from raw header values, for any HTTP framework.
//!
//! The session cookie defaults to what OWASP's Session Management Cheat Sheet asks of a
//! session cookie: the `__Host-` name prefix (RFC 6265bis: only accepted when `Secure`,
//! `Path=/` and no `Domain`, so no sibling subdomain can plant or read it), `Secure`,
//! `HttpOnly` (no script access) and `SameSite=Lax`. [`CookieConfig::development`] drops
//! the prefix and `Secure` for plain-HTTP localhost, and is named so it cannot be
//! switched on by accident.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

/// The `SameSite` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    /// Sent on same-site requests and top-level navigations (the default).
    Lax,
    /// Sent on same-site requests only.
    Strict,
    /// Sent on cross-site requests too (requires `Secure`).
    None,
}

/// How the session cookie is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieConfig {
    /// The cookie's name without the `__Host-` prefix.
    pub name: String,
    /// `SameSite`.
    pub same_site: SameSite,
    /// `false` only for plain-HTTP development on localhost: no `__Host-`, no `Secure`.
    secure: bool,
}

impl Default for CookieConfig {
    fn default() -> Self {
        Self {
            name: "portcullis_session".to_owned(),
            same_site: SameSite::Lax,
            secure: true,
        }
    }
}

impl CookieConfig {
    /// For plain-HTTP development on localhost: the cookie loses `Secure` and the
    /// `__Host-` prefix, which browsers only accept over HTTPS.
    #[must_use]
    pub fn development() -> Self {
        Self {
            secure: false,
            ..Self::default()
        }
    }

    /// The full cookie name, with `__Host-` unless in development mode.
    #[must_use]
    pub fn cookie_name(&self) -> String {
        if self.secure {
            format!("__Host-{}", self.name)
        } else {
            self.name.clone()
        }
    }

    /// A `Set-Cookie` value carrying `value` until `expires_at`.
    ///
    /// ```
    /// use portcullis_session::http::CookieConfig;
    /// use time::macros::datetime;
    ///
    /// let header = CookieConfig::default().set_cookie("tok", datetime!(2030-01-01 0:00 UTC));
    /// assert_eq!(
    ///     header,
    ///     "__Host-portcullis_session=tok; Path=/; Expires=Tue, 01 Jan 2030 00:00:00 +0000; \
    ///      Secure; HttpOnly; SameSite=Lax"
    /// );
    /// ```
    #[must_use]
    pub fn set_cookie(&self, value: &str, expires_at: OffsetDateTime) -> String {
        let expires = expires_at
            .format(&Rfc2822)
            .unwrap_or_else(|_| "Thu, 01 Jan 1970 00:00:00 +0000".to_owned());
        self.render(value, &format!("Expires={expires}"))
    }

    /// A `Set-Cookie` value that deletes the cookie (sign-out).
    #[must_use]
    pub fn clear_cookie(&self) -> String {
        self.render("", "Max-Age=0")
    }

    fn render(&self, value: &str, lifetime: &str) -> String {
        let same_site = match self.same_site {
            SameSite::Lax => "Lax",
            SameSite::Strict => "Strict",
            SameSite::None => "None",
        };
        let secure = if self.secure || self.same_site == SameSite::None {
            "; Secure"
        } else {
            ""
        };
        format!(
            "{}={value}; Path=/; {lifetime}{secure}; HttpOnly; SameSite={same_site}",
            self.cookie_name()
        )
    }

    /// The session token from a `Cookie` request header, if this cookie is in it.
    #[must_use]
    pub fn from_cookie_header<'a>(&self, header: &'a str) -> Option<&'a str> {
        cookie_value(header, &self.cookie_name())
    }
}

/// The value of cookie `name` in a `Cookie` header (`a=1; b=2`). The first occurrence
/// wins; names compare exactly; a value in double quotes is unquoted. Empty values and
/// values with bytes a cookie may not hold are treated as absent.
#[must_use]
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        if k.trim() != name {
            return None;
        }
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v);
        // RFC 6265 cookie-octet: no controls, whitespace, DQUOTE, comma, semicolon or backslash.
        let valid = !v.is_empty()
            && v.bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b',' | b';' | b'\\'));
        valid.then_some(v)
    })
}

/// The token from an `Authorization: Bearer <token>` header (RFC 6750 section 2.1): the
/// scheme is case-insensitive, the token must be non-empty `token68` characters.
#[must_use]
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim_start();
    let body = token.trim_end_matches('=');
    let valid = !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        });
    valid.then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn default_cookie_is_host_prefixed_and_locked_down() {
        let c = CookieConfig::default();
        let h = c.set_cookie("abc", datetime!(2026-11-22 10:00 UTC));
        assert!(
            h.starts_with(
                "__Host-portcullis_session=abc; Path=/; Expires=Sun, 22 Nov 2026 10:00:00 +0000"
            ),
            "{h}"
        );
        assert!(h.contains("; Secure; HttpOnly; SameSite=Lax"));
        assert!(!h.contains("Domain"));
        assert_eq!(
            c.clear_cookie(),
            "__Host-portcullis_session=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn development_cookie_drops_secure_and_prefix() {
        let c = CookieConfig::development();
        let h = c.set_cookie("abc", datetime!(2026-11-22 10:00 UTC));
        assert!(h.starts_with("portcullis_session=abc;"));
        assert!(!h.contains("Secure"));
        // SameSite=None always needs Secure.
        let none = CookieConfig {
            same_site: SameSite::None,
            ..CookieConfig::development()
        };
        assert!(
            none.set_cookie("x", datetime!(2026-11-22 10:00 UTC))
                .contains("Secure")
        );
    }

    #[test]
    fn cookie_header_parsing() {
        let c = CookieConfig::default();
        assert_eq!(
            c.from_cookie_header("a=1; __Host-portcullis_session=tok; b=2"),
            Some("tok")
        );
        assert_eq!(
            c.from_cookie_header("__Host-portcullis_session=\"tok\""),
            Some("tok")
        );
        assert_eq!(c.from_cookie_header("portcullis_session=tok"), None);
        assert_eq!(c.from_cookie_header("__Host-portcullis_session="), None);
        assert_eq!(c.from_cookie_header("__Host-portcullis_session=a b"), None);
        assert_eq!(
            c.from_cookie_header(
                "__Host-portcullis_session=first; __Host-portcullis_session=second"
            ),
            Some("first")
        );
        assert_eq!(cookie_value("", "x"), None);
        assert_eq!(cookie_value(";;;==;", "x"), None);
    }

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer_token("Bearer abc.def-ghi"), Some("abc.def-ghi"));
        assert_eq!(bearer_token("bearer   abc=="), Some("abc=="));
        assert_eq!(bearer_token("Basic dXNlcjpwYXNz"), None);
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearer a b"), None);
        assert_eq!(bearer_token("Bearer ä"), None);
    }
}
