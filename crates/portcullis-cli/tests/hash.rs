//! `portcullis hash new|identify|verify`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

fn run(args: &[&str], stdin: &str) -> (bool, String) {
    run_bytes(args, stdin.as_bytes())
}

fn run_bytes(args: &[&str], stdin: &[u8]) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap())
}

fn lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn new_prints_an_argon2id_hash_that_verifies() {
    let (ok, out) = run(&["hash", "new"], "s3cret pass\n");
    assert!(ok);
    let hash = out.trim_end();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    let input = serde_json::json!({"hash": hash, "password": "s3cret pass"}).to_string();
    let (ok, out) = run(&["hash", "verify"], &input);
    assert!(ok);
    let v = &lines(&out)[0];
    assert_eq!(v["valid"], true);
    assert_eq!(v["upgrade"], false);
}

#[test]
fn verify_writes_one_line_per_input_line_in_order() {
    let input = [
        r#"{"hash":"$1$saltstri$qQY4WxjABChYG1ccLpfkz/","password":"password"}"#,
        "this is not json",
        "",
        r#"{"hash":"$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0","password":"wrong"}"#,
        r#"{"hash":"$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW","password":"x"}"#,
        r#"{"hash":"d24e794fce503c3ddb1cd1ba1dd5d9b250cf9917336a0316fefd87fecf79200f","scheme":"sha256","prepend_salt":"abc123","password":"nope"}"#,
        r#"{"hash":"$1$saltstri$qQY4WxjABChYG1ccLpfkz/"}"#,
        r#"{"hash_type":"md_5","hash":"0cc175b9c0f1b6a831c399e269772661","password":"a"}"#,
    ]
    .join("\n");
    let (ok, out) = run(&["hash", "verify"], &input);
    assert!(ok);
    assert!(!out.contains("wrong") && !out.contains("nope"), "{out}");
    let v = lines(&out);
    assert_eq!(v.len(), 7);
    assert_eq!(v[0]["line"], 1);
    assert_eq!(v[0]["scheme"], "md5_crypt");
    assert_eq!(v[0]["valid"], true);
    assert_eq!(v[0]["upgrade"], true);
    assert_eq!(v[1]["line"], 2);
    assert_eq!(v[1]["error"], "invalid_json");
    assert_eq!(v[2]["line"], 4);
    assert_eq!(v[2]["scheme"], "phpass");
    assert_eq!(v[2]["valid"], false);
    assert_eq!(v[3]["error"], "cost_too_high");
    assert_eq!(v[4]["scheme"], "sha256");
    assert_eq!(v[4]["valid"], false);
    assert_eq!(v[5]["error"], "missing_password");
    assert_eq!(v[6]["error"], "missing_config");
    assert!(v[6]["message"].as_str().unwrap().contains("md_5_config"));
}

#[test]
fn identify_names_schemes_without_passwords() {
    let input = [
        r#"{"hash":"$2y$10$abcdefghijklmnopqrstuu5Ro0TdGt4XAnSGD9EfzAFFqeBSPcpuS"}"#,
        r#"{"hash":"pbkdf2_sha256$600000$c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}"#,
        r#"{"hash":"{SSHA}dGVzdHRlc3R0ZXN0dGVzdHRlc3RzYWx0"}"#,
        r#"{"hash":"hunter2"}"#,
        r#"[1,2]"#,
    ]
    .join("\n");
    let (ok, out) = run(&["hash", "identify"], &input);
    assert!(ok);
    let v = lines(&out);
    assert_eq!(v[0]["scheme"], "bcrypt");
    assert_eq!(v[1]["scheme"], "django_pbkdf2_sha256");
    assert_eq!(v[2]["scheme"], "ldap_salted_sha1");
    assert_eq!(v[3]["error"], "unknown_scheme");
    assert_eq!(v[4]["error"], "malformed");
    assert_eq!(v[4]["line"], 5);
}

#[test]
fn a_line_that_is_not_utf8_is_an_error_line_and_the_run_goes_on() {
    let md5 = r#"{"hash": "$1$saltsalt$mhQ1FVX9KBpVdBJ5C8r3v/", "password": "x"}"#;
    let mut input = Vec::new();
    input.extend_from_slice(md5.as_bytes());
    input.extend_from_slice(b"\n{\"hash\": \"\xff\xfe\", \"password\": \"x\"}\n");
    input.extend_from_slice(md5.as_bytes());
    input.push(b'\n');
    for command in ["identify", "verify"] {
        let (ok, out) = run_bytes(&["hash", command], &input);
        assert!(ok, "{command}");
        let lines = lines(&out);
        assert_eq!(lines.len(), 3, "{out}");
        assert_eq!(lines[0]["scheme"], "md5_crypt");
        assert_eq!(lines[1]["line"], 2);
        assert_eq!(lines[1]["error"], "invalid_utf8");
        assert_eq!(lines[2]["line"], 3);
        assert_eq!(lines[2]["scheme"], "md5_crypt");
    }
}
