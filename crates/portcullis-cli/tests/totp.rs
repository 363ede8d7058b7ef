//! `portcullis totp ...`, run as a user would run it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn portcullis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .output()
        .expect("run portcullis")
}

fn portcullis_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout.clone()).unwrap()
}

const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

#[test]
fn code_matches_rfc6238() {
    let out = portcullis(&[
        "totp", "code", "--secret", RFC_SECRET, "--digits", "8", "--at", "59",
    ]);
    assert_eq!(stdout(&out), "94287082\n");
    let sha256 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA";
    let out = portcullis(&[
        "totp",
        "code",
        "--secret",
        &sha256.to_lowercase(),
        "--algorithm",
        "sha256",
        "--digits",
        "8",
        "--at",
        "1111111109",
    ]);
    assert_eq!(stdout(&out), "68084774\n");
    // Bad secret: an error on stderr that does not echo it, nothing on stdout.
    let out = portcullis(&["totp", "code", "--secret", "NOT-BASE32-SECRET!"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("NOT-BASE32"));
    let out = portcullis(&["totp", "code", "--secret", RFC_SECRET, "--digits", "5"]);
    assert!(!out.status.success());
}

#[test]
fn new_prints_secret_and_uri_and_writes_qr_files() {
    let dir = std::env::temp_dir().join(format!("portcullis-totp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let png = dir.join("qr.png");
    let out = stdout(&portcullis(&[
        "totp",
        "new",
        "--issuer",
        "ACME Co",
        "--account",
        "ada@example.com",
        "--qr",
        png.to_str().unwrap(),
    ]));
    let mut lines = out.lines();
    let secret = lines.next().unwrap().strip_prefix("secret: ").unwrap();
    let uri = lines.next().unwrap().strip_prefix("uri: ").unwrap();
    assert_eq!(secret.len(), 32);
    assert_eq!(
        uri,
        format!("otpauth://totp/ACME%20Co:ada%40example.com?secret={secret}&issuer=ACME%20Co")
    );
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));

    let svg = dir.join("qr.svg");
    let out = portcullis(&[
        "totp",
        "new",
        "--issuer",
        "I",
        "--account",
        "A",
        "--digits",
        "8",
        "--qr",
        svg.to_str().unwrap(),
    ]);
    assert!(stdout(&out).contains("&digits=8"));
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    let bad = portcullis(&[
        "totp",
        "new",
        "--issuer",
        "I",
        "--account",
        "A",
        "--qr",
        "x.gif",
    ]);
    assert!(!bad.status.success());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn uri_parse_prints_fields() {
    let out = stdout(&portcullis(&[
        "totp",
        "uri",
        "--parse",
        &format!(
            "otpauth://totp/Big%20Corp%3A%20EU:carol%40x.org?secret={RFC_SECRET}&issuer=Big%20Corp%3A%20EU&algorithm=SHA512&period=60"
        ),
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "type": "totp", "issuer": "Big Corp: EU", "account": "carol@x.org",
            "secret": RFC_SECRET, "algorithm": "SHA512", "digits": 6, "period": 60
        })
    );
    let out = stdout(&portcullis(&[
        "totp",
        "uri",
        "--parse",
        &format!("otpauth://hotp/bob?secret={RFC_SECRET}&counter=7"),
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["type"], "hotp");
    assert_eq!(v["counter"], 7);
    assert_eq!(v["issuer"], serde_json::Value::Null);
    let bad = portcullis(&["totp", "uri", "--parse", "https://example.com"]);
    assert!(!bad.status.success());
}

#[test]
fn verify_reads_json_lines() {
    let input = [
        // RFC 6238 at T=59, 8 digits: valid, step 1.
        format!(r#"{{"secret":"{RFC_SECRET}","code":"94287082","at":59,"digits":8}}"#),
        // The same with the step already used.
        format!(
            r#"{{"secret":"{RFC_SECRET}","code":"9428 7082","at":59,"digits":8,"last_used_step":1}}"#
        ),
        format!(r#"{{"secret":"{RFC_SECRET}","code":"00000000","at":59,"digits":8}}"#),
        format!(r#"{{"secret":"{RFC_SECRET}","code":"9428708","at":59,"digits":8}}"#),
        // Window 0 refuses the previous step's code 30 s later.
        format!(
            r#"{{"secret":"{RFC_SECRET}","code":"94287082","at":89,"digits":8,"window":0}}"#
        ),
        String::new(),
        "not json".to_owned(),
        r#"{"secret":"AAAA","code":"123456","at":59}"#.to_owned(),
        format!(r#"{{"secret":"{RFC_SECRET}","code":"123456","at":59,"period":7}}"#),
        format!(r#"{{"secret":"{RFC_SECRET}","code":"123456","at":59,"algorithm":"MD5"}}"#),
    ]
    .join("\n");
    let out = stdout(&portcullis_with_stdin(&["totp", "verify"], &input));
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let expected = [
        r#"{"line":1,"valid":true,"step":1}"#,
        r#"{"line":2,"valid":false,"step":null,"refusal":"replayed"}"#,
        r#"{"line":3,"valid":false,"step":null,"refusal":"wrong_code"}"#,
        r#"{"line":4,"valid":false,"step":null,"refusal":"malformed"}"#,
        r#"{"line":5,"valid":false,"step":null,"refusal":"wrong_code"}"#,
        r#"{"line":7,"error":"invalid_json"}"#,
        r#"{"line":8,"error":"secret_too_short"}"#,
        r#"{"line":9,"error":"invalid_period"}"#,
        r#"{"line":10,"error":"invalid_algorithm"}"#,
    ];
    let expected: Vec<serde_json::Value> = expected
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines, expected);
}
