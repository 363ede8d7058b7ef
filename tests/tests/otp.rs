//! portcullis-otp against the RFC 4226 and RFC 6238 tables and against pyotp 2.12, both
//! ways for otpauth URIs. The vectors and the script that made them are in
//! `tests/vectors/otp/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use portcullis::core::time::from_unix_seconds;
use portcullis_otp::{Algorithm, Hotp, KeyUri, OtpSecret, SecretPolicy, Step, Totp, UriKind};
use portcullis_tests::{read_jsonl, vector_path};
use serde_json::{Value, json};

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}"))
}

fn n(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("{key} in {v}"))
}

fn algorithm(v: &Value) -> Algorithm {
    Algorithm::from_name(s(v, "algorithm")).unwrap()
}

fn totp_of(v: &Value) -> Totp {
    Totp::new()
        .with_algorithm(algorithm(v))
        .with_digits(n(v, "digits") as u8)
        .unwrap()
        .with_period(n(v, "period") as u32)
        .unwrap()
}

fn secret(b32: &str) -> OtpSecret {
    OtpSecret::from_base32(b32, SecretPolicy::DangerAllowLegacy).unwrap()
}

#[test]
fn rfc4226_appendix_d() {
    let rows = read_jsonl("otp/rfc4226_appendix_d.jsonl").unwrap();
    assert_eq!(rows.len(), 10);
    let hotp = Hotp::new();
    for v in &rows {
        let secret = secret(s(v, "secret"));
        assert_eq!(secret.expose_secret(), b"12345678901234567890");
        let counter = n(v, "counter");
        assert_eq!(
            hotp.generate(&secret, counter).expose_secret(),
            s(v, "code")
        );
        assert_eq!(hotp.verify(&secret, s(v, "code"), counter), Ok(counter));
    }
}

#[test]
fn rfc6238_appendix_b_all_three_algorithms() {
    let rows = read_jsonl("otp/rfc6238_appendix_b.jsonl").unwrap();
    assert_eq!(rows.len(), 18);
    for alg in ["SHA1", "SHA256", "SHA512"] {
        assert_eq!(rows.iter().filter(|v| s(v, "algorithm") == alg).count(), 6);
    }
    for v in &rows {
        let totp = totp_of(v);
        let secret = secret(s(v, "secret"));
        let at = from_unix_seconds(n(v, "at") as i64).unwrap();
        assert_eq!(
            totp.generate(&secret, at).unwrap().expose_secret(),
            s(v, "code"),
            "{v}"
        );
        let step = totp.verify(&secret, s(v, "code"), at, None).unwrap();
        assert_eq!(step, Step(n(v, "at") / 30));
    }
}

#[test]
fn pyotp_totp_codes() {
    let rows = read_jsonl("otp/pyotp_totp.jsonl").unwrap();
    assert!(rows.len() > 500, "{}", rows.len());
    for v in &rows {
        let totp = totp_of(v);
        let bits = n(v, "secret_bits") as usize;
        let policy = if bits < 128 {
            assert!(
                OtpSecret::from_base32(s(v, "secret"), SecretPolicy::Standard).is_err(),
                "the standard policy refuses {bits}-bit secrets"
            );
            SecretPolicy::DangerAllowLegacy
        } else {
            SecretPolicy::Standard
        };
        let secret = OtpSecret::from_base32(s(v, "secret"), policy).unwrap();
        assert_eq!(secret.len() * 8, bits);
        let at = from_unix_seconds(n(v, "at") as i64).unwrap();
        let code = s(v, "code");
        assert_eq!(
            totp.generate(&secret, at).unwrap().expose_secret(),
            code,
            "{v}"
        );
        // Typed in groups, as people do.
        let (a, b) = code.split_at(code.len() / 2);
        let step = Step(n(v, "at") / n(v, "period"));
        assert_eq!(
            totp.verify(&secret, &format!("{a} {b}"), at, None),
            Ok(step)
        );
        assert_eq!(
            totp.verify(&secret, &format!("{a}-{b}"), at, Some(step))
                .unwrap_err(),
            portcullis_otp::Refusal::Replayed
        );
        // The same secret with spaces between groups of four.
        let spaced: String = s(v, "secret")
            .chars()
            .collect::<Vec<_>>()
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ");
        let again = OtpSecret::from_base32(&spaced, policy).unwrap();
        assert_eq!(again.expose_secret(), secret.expose_secret());
    }
}

#[test]
fn pyotp_hotp_codes() {
    let rows = read_jsonl("otp/pyotp_hotp.jsonl").unwrap();
    assert!(!rows.is_empty());
    for v in &rows {
        let hotp = Hotp::new()
            .with_algorithm(algorithm(v))
            .with_digits(n(v, "digits") as u8)
            .unwrap();
        let secret = secret(s(v, "secret"));
        assert_eq!(
            hotp.generate(&secret, n(v, "counter")).expose_secret(),
            s(v, "code"),
            "{v}"
        );
    }
}

/// We parse the URIs pyotp builds back to the fields it built them from.
#[test]
fn we_parse_pyotp_uris() {
    let rows = read_jsonl("otp/pyotp_uris.jsonl").unwrap();
    assert_eq!(rows.len(), 16);
    for v in &rows {
        let uri = KeyUri::parse(s(v, "uri"), SecretPolicy::Standard)
            .unwrap_or_else(|e| panic!("{e}: {v}"));
        assert_eq!(uri.issuer(), v["issuer"].as_str(), "{v}");
        assert_eq!(uri.account(), s(v, "account"), "{v}");
        assert_eq!(uri.secret().to_base32().expose_secret(), s(v, "secret"));
        assert_eq!(uri.algorithm(), algorithm(v));
        assert_eq!(u64::from(uri.digits()), n(v, "digits"));
        match (s(v, "type"), uri.kind()) {
            ("totp", UriKind::Totp { period }) => {
                assert_eq!(u64::from(period), n(v, "period"));
                let at = from_unix_seconds(1_234_567_890).unwrap();
                let code = uri.totp().unwrap().generate(uri.secret(), at).unwrap();
                assert_eq!(code.expose_secret(), s(v, "code_at_1234567890"));
            }
            ("hotp", UriKind::Hotp { counter }) => {
                assert_eq!(counter, n(v, "counter"));
                let code = uri.hotp().unwrap().generate(uri.secret(), counter);
                assert_eq!(code.expose_secret(), s(v, "code_at_counter"));
            }
            other => panic!("kind mismatch {other:?}"),
        }
    }
}

/// (issuer, account, algorithm, digits, period, HOTP counter).
type UriCase = (
    Option<&'static str>,
    &'static str,
    &'static str,
    u8,
    u32,
    Option<u64>,
);

/// The URIs we write for the pyotp round trip: names with spaces, '@', ':' and
/// non-ASCII, every algorithm, non-default digits and period, and HOTP.
fn our_uris() -> Vec<Value> {
    let cases: [UriCase; 8] = [
        (Some("ACME Co"), "alice@example.com", "SHA1", 6, 30, None),
        (
            Some("Big Corp: EU"),
            "carol:admin@example.org",
            "SHA256",
            8,
            60,
            None,
        ),
        (
            Some("Bücher & Söhne"),
            "josé@exämple.de",
            "SHA512",
            7,
            30,
            None,
        ),
        (Some("東京"), "ユーザー", "SHA1", 8, 30, None),
        (Some("a+b/c?d=e#f%g"), "x y&z", "SHA1", 6, 45, None),
        (None, "dave@example.com", "SHA256", 6, 30, None),
        (
            Some("HOTP Inc."),
            "erin@example.com",
            "SHA1",
            6,
            30,
            Some(0),
        ),
        (None, "frank: two", "SHA512", 8, 30, Some(12_345)),
    ];
    cases
        .iter()
        .enumerate()
        .map(|(i, &(issuer, account, alg, digits, period, counter))| {
            let raw: Vec<u8> = (0..20 + i as u8)
                .map(|b| b.wrapping_mul(37).wrapping_add(i as u8))
                .collect();
            let secret = OtpSecret::from_bytes(raw.into(), SecretPolicy::Standard).unwrap();
            let b32 = secret.to_base32().expose_secret().to_owned();
            let algorithm = Algorithm::from_name(alg).unwrap();
            let uri = match counter {
                None => {
                    let totp = Totp::new()
                        .with_algorithm(algorithm)
                        .with_digits(digits)
                        .unwrap()
                        .with_period(period)
                        .unwrap();
                    KeyUri::for_totp(&totp, secret, issuer, account).unwrap()
                }
                Some(c) => {
                    let hotp = Hotp::new()
                        .with_algorithm(algorithm)
                        .with_digits(digits)
                        .unwrap();
                    KeyUri::for_hotp(&hotp, secret, c, issuer, account).unwrap()
                }
            };
            let mut v = json!({
                "uri": uri.to_uri().expose_secret(),
                "issuer": issuer,
                "account": account,
                "secret": b32,
                "algorithm": alg,
                "digits": digits,
            });
            match counter {
                None => {
                    v["type"] = json!("totp");
                    v["period"] = json!(period);
                }
                Some(c) => {
                    v["type"] = json!("hotp");
                    v["counter"] = json!(c);
                }
            }
            v
        })
        .collect()
}

/// `ours_uris.jsonl` is what this version writes; `PORTCULLIS_WRITE_VECTORS=1`
/// rewrites it (then rerun `generate.py` so pyotp parses the new file).
#[test]
fn our_uris_file_is_current() {
    let ours = our_uris();
    if std::env::var_os("PORTCULLIS_WRITE_VECTORS").is_some() {
        let text: String = ours.iter().map(|v| format!("{v}\n")).collect();
        std::fs::write(vector_path("otp/ours_uris.jsonl"), text).unwrap();
    }
    let committed = read_jsonl("otp/ours_uris.jsonl").unwrap();
    assert_eq!(committed, ours);
}

/// They parse ours: pyotp read each URI we wrote to the fields we meant, and computes
/// the codes we compute.
#[test]
fn pyotp_parses_our_uris() {
    let ours = our_uris();
    let parsed = read_jsonl("otp/ours_parsed_by_pyotp.jsonl").unwrap();
    assert_eq!(parsed.len(), ours.len());
    for (mine, theirs) in ours.iter().zip(&parsed) {
        assert_eq!(s(mine, "uri"), s(theirs, "uri"));
        for key in [
            "issuer",
            "account",
            "secret",
            "algorithm",
            "digits",
            "type",
            "period",
            "counter",
        ] {
            assert_eq!(mine.get(key), theirs.get(key), "{key}: {mine} vs {theirs}");
        }
        let uri = KeyUri::parse(s(mine, "uri"), SecretPolicy::Standard).unwrap();
        let ours_code = match uri.kind() {
            UriKind::Totp { .. } => {
                let at = from_unix_seconds(1_234_567_890).unwrap();
                uri.totp().unwrap().generate(uri.secret(), at).unwrap()
            }
            UriKind::Hotp { counter } => uri.hotp().unwrap().generate(uri.secret(), counter),
        };
        let key = if s(mine, "type") == "totp" {
            "code_at_1234567890"
        } else {
            "code_at_counter"
        };
        assert_eq!(ours_code.expose_secret(), s(theirs, key), "{mine}");
    }
}
