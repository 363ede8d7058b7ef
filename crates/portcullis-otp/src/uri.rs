//! `otpauth://` key URIs, the enrolment format of Google Authenticator's "Key Uri
//! Format" that every authenticator app reads from a QR code.
//!
//! ```text
//! otpauth://totp/ACME%20Co:alice%40example.com?secret=JBSW...&issuer=ACME%20Co&period=60
//!           type  label = issuer ":" account    parameters
//! ```
//!
//! Writing: the label is `issuer:account` (or just `account`), the `issuer` parameter
//! repeats the issuer, and `algorithm`, `digits` and `period` are written only when
//! they differ from SHA1, 6 and 30 (apps that ignore them then still agree with us
//! on the common case). Everything but the RFC 3986 unreserved characters
//! (`A-Z a-z 0-9 - . _ ~`) is percent-encoded as UTF-8: a space is `%20` (never `+`),
//! `@` is `%40`, and a colon inside the issuer or the account is `%3A`, so the one
//! literal `:` in the label is the separator.
//!
//! Reading follows the same rules as pyotp 2.12's `parse_uri`, which is checked
//! against in `tests/vectors/otp/`: the label splits at its first literal `:` before
//! percent-decoding, so `%3A` is part of a name; parameters are form-decoded (`+` is
//! a space); an issuer parameter that disagrees with the label's prefix is refused,
//! as is any repeated security parameter (`secret`, `issuer`, `algorithm`, `digits`,
//! `period`, `counter`); empty parameters count as absent; unknown parameters
//! (`image`, ...) are ignored. Percent escapes must be well formed and decode to
//! UTF-8, and control characters are refused in names. The secret is imported under a
//! [`SecretPolicy`].
//!
//! The parser is written here rather than on the `url` crate: an otpauth URI has no
//! host, port or path semantics, the separator rule above needs the label *before*
//! decoding, and a general URL parser would normalise exactly what must be preserved.
//! Encoding uses `percent-encoding`.

use std::fmt::Write as _;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use portcullis_core::SecretString;

use crate::error::OtpError;
use crate::hotp::Hotp;
use crate::oath::Algorithm;
use crate::secret::{OtpSecret, SecretPolicy};
use crate::totp::{DEFAULT_DIGITS, DEFAULT_PERIOD, Totp};

/// Everything except RFC 3986 unreserved characters is encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Longest URI parsed.
pub const MAX_URI_LEN: usize = 4096;
/// Longest issuer or account name, in bytes.
pub const MAX_NAME_LEN: usize = 512;

/// What the URI provisions: a TOTP with its period, or a HOTP with its starting counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriKind {
    /// `otpauth://totp/`.
    Totp {
        /// Seconds per step.
        period: u32,
    },
    /// `otpauth://hotp/`.
    Hotp {
        /// The counter of the next code.
        counter: u64,
    },
}

/// A parsed or to-be-written otpauth URI. It holds the secret, so it is `[redacted]`
/// where the secret would print, and [`to_uri`](Self::to_uri) returns a
/// [`SecretString`].
///
/// ```
/// use portcullis_otp::{KeyUri, OtpSecret, SecretPolicy, Totp};
///
/// let secret = OtpSecret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", SecretPolicy::Standard)?;
/// let uri = KeyUri::for_totp(&Totp::new(), secret, Some("ACME Co"), "alice@example.com")?;
/// assert_eq!(
///     uri.to_uri().expose_secret(),
///     "otpauth://totp/ACME%20Co:alice%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=ACME%20Co"
/// );
///
/// let parsed = KeyUri::parse(uri.to_uri().expose_secret(), SecretPolicy::Standard)?;
/// assert_eq!(parsed.issuer(), Some("ACME Co"));
/// assert_eq!(parsed.account(), "alice@example.com");
/// assert_eq!(parsed.totp(), Some(Totp::new()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct KeyUri {
    kind: UriKind,
    issuer: Option<String>,
    account: String,
    secret: OtpSecret,
    algorithm: Algorithm,
    digits: u8,
}

impl KeyUri {
    /// A TOTP URI for `account`, optionally under `issuer` (your service's name, shown
    /// by the app above the code).
    ///
    /// # Errors
    /// [`OtpError::InvalidField`] for an empty account, a name longer than 512 bytes,
    /// or a control character in either.
    pub fn for_totp(
        totp: &Totp,
        secret: OtpSecret,
        issuer: Option<&str>,
        account: &str,
    ) -> Result<Self, OtpError> {
        Self::build(
            UriKind::Totp {
                period: totp.period(),
            },
            totp.algorithm(),
            totp.digits(),
            secret,
            issuer,
            account,
        )
    }

    /// A HOTP URI starting at `counter`.
    ///
    /// # Errors
    /// As [`KeyUri::for_totp`].
    pub fn for_hotp(
        hotp: &Hotp,
        secret: OtpSecret,
        counter: u64,
        issuer: Option<&str>,
        account: &str,
    ) -> Result<Self, OtpError> {
        Self::build(
            UriKind::Hotp { counter },
            hotp.algorithm(),
            hotp.digits(),
            secret,
            issuer,
            account,
        )
    }

    fn build(
        kind: UriKind,
        algorithm: Algorithm,
        digits: u8,
        secret: OtpSecret,
        issuer: Option<&str>,
        account: &str,
    ) -> Result<Self, OtpError> {
        check_name(account, "account name")?;
        if account.is_empty() {
            return Err(OtpError::InvalidField("account name"));
        }
        let issuer = match issuer {
            Some(i) if !i.is_empty() => Some(check_name(i, "issuer")?.to_owned()),
            _ => None,
        };
        Ok(Self {
            kind,
            issuer,
            account: account.to_owned(),
            secret,
            algorithm,
            digits,
        })
    }

    /// TOTP or HOTP, with the period or counter.
    #[must_use]
    pub fn kind(&self) -> UriKind {
        self.kind
    }

    /// The issuer, from the `issuer` parameter or the label prefix.
    #[must_use]
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// The account name (the label after the issuer prefix).
    #[must_use]
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The shared secret.
    #[must_use]
    pub fn secret(&self) -> &OtpSecret {
        &self.secret
    }

    /// The HMAC algorithm.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Digits per code.
    #[must_use]
    pub fn digits(&self) -> u8 {
        self.digits
    }

    /// The TOTP settings this URI describes (window at its default), or `None` for a
    /// HOTP URI.
    #[must_use]
    pub fn totp(&self) -> Option<Totp> {
        match self.kind {
            UriKind::Totp { period } => Totp::new()
                .with_algorithm(self.algorithm)
                .with_digits(self.digits)
                .and_then(|t| t.with_period(period))
                .ok(),
            UriKind::Hotp { .. } => None,
        }
    }

    /// The HOTP settings this URI describes (no look-ahead), or `None` for TOTP.
    #[must_use]
    pub fn hotp(&self) -> Option<Hotp> {
        match self.kind {
            UriKind::Hotp { .. } => Hotp::new()
                .with_algorithm(self.algorithm)
                .with_digits(self.digits)
                .ok(),
            UriKind::Totp { .. } => None,
        }
    }

    /// The URI text. It contains the secret: show it once (as a QR code or a link),
    /// never log it.
    #[must_use]
    pub fn to_uri(&self) -> SecretString {
        let mut out = String::with_capacity(128);
        out.push_str(match self.kind {
            UriKind::Totp { .. } => "otpauth://totp/",
            UriKind::Hotp { .. } => "otpauth://hotp/",
        });
        if let Some(issuer) = &self.issuer {
            out.extend(utf8_percent_encode(issuer, COMPONENT));
            out.push(':');
        }
        out.extend(utf8_percent_encode(&self.account, COMPONENT));
        out.push_str("?secret=");
        out.push_str(self.secret.to_base32().expose_secret());
        if let Some(issuer) = &self.issuer {
            out.push_str("&issuer=");
            out.extend(utf8_percent_encode(issuer, COMPONENT));
        }
        if self.algorithm != Algorithm::Sha1 {
            out.push_str("&algorithm=");
            out.push_str(self.algorithm.as_str());
        }
        if self.digits != DEFAULT_DIGITS {
            let _ = write!(out, "&digits={}", self.digits);
        }
        match self.kind {
            UriKind::Totp { period } if period != DEFAULT_PERIOD => {
                let _ = write!(out, "&period={period}");
            }
            UriKind::Totp { .. } => {}
            UriKind::Hotp { counter } => {
                let _ = write!(out, "&counter={counter}");
            }
        }
        SecretString::new(out)
    }

    /// Parses an otpauth URI (see the module docs for the rules), importing its secret
    /// under `policy`.
    ///
    /// # Errors
    /// [`OtpError::InvalidUri`] naming what is wrong, the secret errors of
    /// [`OtpSecret::from_base32`], and [`OtpError::OutOfBounds`] for digits or a period
    /// outside portcullis' bounds.
    pub fn parse(uri: &str, policy: SecretPolicy) -> Result<Self, OtpError> {
        if uri.len() > MAX_URI_LEN {
            return Err(OtpError::InvalidUri("longer than 4096 bytes"));
        }
        let rest = strip_prefix_ignore_case(uri, "otpauth://")
            .ok_or(OtpError::InvalidUri("not an otpauth:// URI"))?;
        let rest = rest.split('#').next().unwrap_or_default();
        let (kind, rest) = rest
            .split_once('/')
            .ok_or(OtpError::InvalidUri("no label"))?;
        let is_totp = if kind.eq_ignore_ascii_case("totp") {
            true
        } else if kind.eq_ignore_ascii_case("hotp") {
            false
        } else {
            return Err(OtpError::InvalidUri("type is neither totp nor hotp"));
        };
        let (label, query) = rest.split_once('?').unwrap_or((rest, ""));

        // The first literal colon separates issuer and account; %3A does not.
        let (prefix, account) = match label.split_once(':') {
            Some((prefix, account)) => (Some(decode(prefix, false)?), decode(account, false)?),
            None => (None, decode(label, false)?),
        };
        let account = account.trim_start_matches(' ').to_owned();
        let prefix = prefix.filter(|p| !p.is_empty());

        let params = Params::parse(query)?;
        let issuer = match (prefix, params.issuer) {
            (Some(p), Some(i)) if p != i => {
                return Err(OtpError::InvalidUri("issuer parameter differs from label"));
            }
            (p, i) => i.or(p),
        };
        let secret = OtpSecret::from_base32(
            params
                .secret
                .as_ref()
                .map(SecretString::expose_secret)
                .ok_or(OtpError::InvalidUri("no secret"))?,
            policy,
        )?;
        let algorithm = match params.algorithm.as_deref() {
            None => Algorithm::Sha1,
            Some(name) => {
                Algorithm::from_name(name).ok_or(OtpError::InvalidUri("unknown algorithm"))?
            }
        };
        let digits = match params.digits.as_deref() {
            None => DEFAULT_DIGITS,
            Some(d) => d.parse().map_err(|_| OtpError::InvalidUri("digits"))?,
        };
        let kind = if is_totp {
            let period = match params.period.as_deref() {
                None => DEFAULT_PERIOD,
                Some(p) => p.parse().map_err(|_| OtpError::InvalidUri("period"))?,
            };
            // Checks digits and period against the TOTP bounds.
            Totp::new().with_digits(digits)?.with_period(period)?;
            UriKind::Totp { period }
        } else {
            Hotp::new().with_digits(digits)?;
            let counter = params
                .counter
                .as_deref()
                .ok_or(OtpError::InvalidUri("hotp without counter"))?
                .parse()
                .map_err(|_| OtpError::InvalidUri("counter"))?;
            UriKind::Hotp { counter }
        };
        Self::build(kind, algorithm, digits, secret, issuer.as_deref(), &account)
            .map_err(|_| OtpError::InvalidUri("issuer or account name"))
    }
}

/// The security parameters, each at most once; empty values count as absent.
#[derive(Default)]
struct Params {
    secret: Option<SecretString>,
    issuer: Option<String>,
    algorithm: Option<String>,
    digits: Option<String>,
    period: Option<String>,
    counter: Option<String>,
    seen: u8,
}

impl Params {
    fn parse(query: &str) -> Result<Self, OtpError> {
        let mut params = Self::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = decode(key, true)?;
            let bit = match key.as_str() {
                "secret" => 1,
                "issuer" => 2,
                "algorithm" => 4,
                "digits" => 8,
                "period" => 16,
                "counter" => 32,
                "encoder" => {
                    // Steam's five-letter codes are a different code format.
                    if !value.is_empty() {
                        return Err(OtpError::InvalidUri("encoder parameter not supported"));
                    }
                    continue;
                }
                _ => continue,
            };
            if params.seen & bit != 0 {
                return Err(OtpError::InvalidUri("repeated parameter"));
            }
            params.seen |= bit;
            if value.is_empty() {
                continue;
            }
            let value = decode(value, true)?;
            match bit {
                1 => params.secret = Some(SecretString::new(value)),
                2 => params.issuer = Some(value),
                4 => params.algorithm = Some(value),
                8 => params.digits = Some(value),
                16 => params.period = Some(value),
                _ => params.counter = Some(value),
            }
        }
        Ok(params)
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Strict percent-decoding: every `%` must start a two-hex-digit escape and the
/// result must be UTF-8. With `plus_is_space`, `+` decodes to a space (form encoding).
fn decode(s: &str, plus_is_space: bool) -> Result<String, OtpError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or(OtpError::InvalidUri("bad percent escape"))?;
                out.push(hex);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| OtpError::InvalidUri("not UTF-8"))
}

fn check_name<'a>(name: &'a str, what: &'static str) -> Result<&'a str, OtpError> {
    if name.len() > MAX_NAME_LEN || name.chars().any(char::is_control) {
        return Err(OtpError::InvalidField(what));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

    fn secret() -> OtpSecret {
        OtpSecret::from_base32(SECRET, SecretPolicy::Standard).unwrap()
    }

    #[test]
    fn writes_non_defaults_and_encodes_names() {
        let totp = Totp::new()
            .with_algorithm(Algorithm::Sha512)
            .with_digits(8)
            .unwrap()
            .with_period(60)
            .unwrap();
        let uri = KeyUri::for_totp(&totp, secret(), Some("Bücher: A+B"), "josé@x.org").unwrap();
        assert_eq!(
            uri.to_uri().expose_secret(),
            format!(
                "otpauth://totp/B%C3%BCcher%3A%20A%2BB:jos%C3%A9%40x.org?secret={SECRET}\
                 &issuer=B%C3%BCcher%3A%20A%2BB&algorithm=SHA512&digits=8&period=60"
            )
        );
        let parsed = KeyUri::parse(uri.to_uri().expose_secret(), SecretPolicy::Standard).unwrap();
        assert_eq!(parsed.issuer(), Some("Bücher: A+B"));
        assert_eq!(parsed.account(), "josé@x.org");
        assert_eq!(parsed.totp(), Some(totp));
        assert_eq!(parsed.secret().expose_secret(), secret().expose_secret());
    }

    #[test]
    fn hotp_uri_carries_the_counter() {
        let uri = KeyUri::for_hotp(&Hotp::new(), secret(), 42, None, "bob").unwrap();
        let text = uri.to_uri();
        assert_eq!(
            text.expose_secret(),
            format!("otpauth://hotp/bob?secret={SECRET}&counter=42")
        );
        let parsed = KeyUri::parse(text.expose_secret(), SecretPolicy::Standard).unwrap();
        assert_eq!(parsed.kind(), UriKind::Hotp { counter: 42 });
        assert_eq!(parsed.hotp(), Some(Hotp::new()));
        assert_eq!(parsed.totp(), None);
        assert_eq!(parsed.issuer(), None);
    }

    #[test]
    fn parses_what_other_generators_write() {
        // Google's example, with a space after the colon and mixed-case scheme.
        let p = KeyUri::parse(
            &format!("OTPAUTH://TOTP/Example:%20alice@google.com?secret={SECRET}&issuer=Example"),
            SecretPolicy::Standard,
        )
        .unwrap();
        assert_eq!(p.issuer(), Some("Example"));
        assert_eq!(p.account(), "alice@google.com");
        // Issuer only as a prefix; lower-case secret with padding; '+' as a space.
        let p = KeyUri::parse(
            "otpauth://totp/My+Co:me?secret=gezdgnbvgy3tqojqgezdgnbvgy3tqojq&algorithm=sha256",
            SecretPolicy::Standard,
        )
        .unwrap();
        assert_eq!(p.issuer(), Some("My+Co"), "'+' is literal in the label");
        assert_eq!(p.algorithm(), Algorithm::Sha256);
        let p = KeyUri::parse(
            &format!("otpauth://totp/alice?secret={SECRET}&issuer=My+Co&image=https%3A%2F%2Fx"),
            SecretPolicy::Standard,
        )
        .unwrap();
        assert_eq!(p.issuer(), Some("My Co"));
        // An encoded colon belongs to the name.
        let p = KeyUri::parse(
            &format!("otpauth://totp/a%3Ab?secret={SECRET}"),
            SecretPolicy::Standard,
        )
        .unwrap();
        assert_eq!((p.issuer(), p.account()), (None, "a:b"));
    }

    #[test]
    fn refuses_malformed_uris() {
        for bad in [
            "https://totp/a?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".to_owned(),
            "otpauth://motp/a?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".to_owned(),
            "otpauth://totp".to_owned(),
            "otpauth://totp/a".to_owned(),
            "otpauth://totp/a?issuer=x".to_owned(),
            "otpauth://totp/?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".to_owned(),
            format!("otpauth://totp/a?secret={SECRET}&secret={SECRET}"),
            format!("otpauth://totp/X:a?secret={SECRET}&issuer=Y"),
            format!("otpauth://totp/a%zz?secret={SECRET}"),
            format!("otpauth://totp/a%?secret={SECRET}"),
            format!("otpauth://totp/a%ff?secret={SECRET}"),
            format!("otpauth://totp/a%0A?secret={SECRET}"),
            format!("otpauth://totp/a?secret={SECRET}&algorithm=MD5"),
            format!("otpauth://totp/a?secret={SECRET}&digits=5"),
            format!("otpauth://totp/a?secret={SECRET}&digits=x"),
            format!("otpauth://totp/a?secret={SECRET}&period=1"),
            format!("otpauth://totp/a?secret={SECRET}&encoder=steam"),
            format!("otpauth://hotp/a?secret={SECRET}"),
            format!("otpauth://hotp/a?secret={SECRET}&counter=-1"),
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP".to_owned(),
            "otpauth://totp/a?secret=JBSW1".to_owned(),
            format!("otpauth://totp/{}?secret={SECRET}", "a".repeat(5000)),
        ] {
            assert!(
                KeyUri::parse(&bad, SecretPolicy::Standard).is_err(),
                "{bad}"
            );
        }
        // The legacy policy admits the 80-bit secret.
        assert!(
            KeyUri::parse(
                "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP",
                SecretPolicy::DangerAllowLegacy
            )
            .is_ok()
        );
    }

    proptest::proptest! {
        /// Any issuer and account without control characters survive a render and
        /// a parse, whatever mix of spaces, '@', ':', '%', '+' and non-ASCII they hold.
        #[test]
        fn names_round_trip(
            issuer in proptest::option::of("[^\\p{Cc}]{1,40}"),
            account in "[^\\p{Cc} ][^\\p{Cc}]{0,40}",
            digits in 6u8..=10,
            period in 15u32..=120,
        ) {
            let totp = Totp::new().with_digits(digits).unwrap().with_period(period).unwrap();
            let uri = KeyUri::for_totp(&totp, secret(), issuer.as_deref(), &account).unwrap();
            let text = uri.to_uri();
            proptest::prop_assert!(text.expose_secret().is_ascii());
            let parsed = KeyUri::parse(text.expose_secret(), SecretPolicy::Standard).unwrap();
            proptest::prop_assert_eq!(parsed.issuer(), issuer.as_deref());
            proptest::prop_assert_eq!(parsed.account(), account.as_str());
            proptest::prop_assert_eq!(parsed.totp(), Some(totp));
        }
    }

    #[test]
    fn builder_refuses_bad_names_and_debug_hides_the_secret() {
        assert!(KeyUri::for_totp(&Totp::new(), secret(), None, "").is_err());
        assert!(KeyUri::for_totp(&Totp::new(), secret(), Some("a\nb"), "x").is_err());
        assert!(KeyUri::for_totp(&Totp::new(), secret(), None, &"a".repeat(513)).is_err());
        let uri = KeyUri::for_totp(&Totp::new(), secret(), Some(""), "x").unwrap();
        assert_eq!(uri.issuer(), None);
        assert!(!format!("{uri:?}").contains(SECRET));
    }
}
