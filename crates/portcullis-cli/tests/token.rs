//! `portcullis apikey ...` and `portcullis pkce ...`, run as a user would run them.
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
        .expect("run portcullis");
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

fn fails(output: &Output) -> String {
    assert!(!output.status.success(), "{output:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn apikey_new_then_check() {
    let key = stdout(&portcullis(&["apikey", "new", "--prefix", "pcl_live_"]));
    let key = key.trim_end();
    assert_eq!(key.len(), 9 + 71);
    assert!(key.starts_with("pcl_live_"));
    assert!(key[9..].bytes().all(|b| b.is_ascii_alphanumeric()));
    let report = stdout(&portcullis(&["apikey", "check", key]));
    assert_eq!(
        report,
        format!(
            "ok prefix=pcl_live_ key_id={} checksum=valid\n",
            &key[9..31]
        )
    );
    // From stdin, so the key stays out of the shell history.
    let report = stdout(&portcullis_with_stdin(
        &["apikey", "check", "-"],
        &format!("{key}\n"),
    ));
    assert!(report.starts_with("ok prefix=pcl_live_"), "{report}");
    // Two keys differ.
    let other = stdout(&portcullis(&["apikey", "new", "--prefix", "pcl_live_"]));
    assert_ne!(key, other.trim_end());
}

#[test]
fn apikey_new_json() {
    let out = stdout(&portcullis(&[
        "apikey",
        "new",
        "--prefix",
        "acme_test_",
        "--json",
    ]));
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    let key = value["api_key"].as_str().unwrap();
    assert!(key.starts_with("acme_test_"));
    assert_eq!(value["key_id"].as_str().unwrap(), &key[10..32]);
    assert_eq!(value["prefix"], "acme_test_");
    assert_eq!(value["last_four"].as_str().unwrap(), &key[key.len() - 4..]);
    assert!(value["digest"].as_str().unwrap().starts_with("sha256:"));
    let report = stdout(&portcullis(&["apikey", "check", key]));
    assert!(report.starts_with("ok "), "{report}");
}

#[test]
fn apikey_check_refuses_typos_and_junk() {
    let key = stdout(&portcullis(&["apikey", "new", "--prefix", "pcl_live_"]));
    let key = key.trim_end();
    let mut typo = key.as_bytes().to_vec();
    typo[40] = if typo[40] == b'a' { b'b' } else { b'a' };
    let typo = String::from_utf8(typo).unwrap();
    let error = fails(&portcullis(&["apikey", "check", &typo]));
    assert_eq!(error, "portcullis: API key checksum does not match\n");
    // The error never repeats the key.
    assert!(!error.contains(&typo[9..]));
    let error = fails(&portcullis(&["apikey", "check", "not-a-key"]));
    assert_eq!(error, "portcullis: malformed API key\n");
    let error = fails(&portcullis(&["apikey", "new", "--prefix", "Bad-Prefix"]));
    assert_eq!(error, "portcullis: malformed API key prefix\n");
}

#[test]
fn apikey_check_accepts_legacy_propelauth_keys() {
    let legacy = "6ba56a96c76f86141435c8211309f4c86801439aed6c172d8c1762ee4fd2e576e531d9fffa21ad0b217f6a77013bc1af";
    assert_eq!(
        stdout(&portcullis(&["apikey", "check", legacy])),
        "ok format=propelauth key_id=6ba56a96c76f86141435c8211309f4c8 checksum=none\n"
    );
}

#[test]
fn pkce_new_then_verify() {
    let out = stdout(&portcullis(&["pkce", "new"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    let verifier = lines[0].strip_prefix("code_verifier=").unwrap();
    let challenge = lines[1].strip_prefix("code_challenge=").unwrap();
    assert_eq!(lines[2], "code_challenge_method=S256");
    assert_eq!(verifier.len(), 43);
    assert_eq!(challenge.len(), 43);
    assert_eq!(
        stdout(&portcullis(&[
            "pkce",
            "verify",
            "--verifier",
            verifier,
            "--challenge",
            challenge
        ])),
        "ok\n"
    );
    let other = stdout(&portcullis(&["pkce", "new"]));
    let other_verifier = other
        .lines()
        .next()
        .unwrap()
        .strip_prefix("code_verifier=")
        .unwrap();
    let error = fails(&portcullis(&[
        "pkce",
        "verify",
        "--verifier",
        other_verifier,
        "--challenge",
        challenge,
    ]));
    assert_eq!(
        error,
        "portcullis: PKCE code verifier does not match the challenge\n"
    );
}

#[test]
fn pkce_verify_vectors_and_plain() {
    // RFC 7636 appendix B and the ForgeRock pair.
    for (verifier, challenge) in [
        (
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        ),
        (
            "ZpJiIM_G0SE9WlxzS69Cq0mQh8uyFaeEbILlW8tHs62SmEE6n7Nke0XJGx_F4OduTI4",
            "j3wKnK2Fa_mc2tgdqa6GtUfCYjdWSA5S23JKTTtPF8Y",
        ),
    ] {
        assert_eq!(
            stdout(&portcullis(&[
                "pkce",
                "verify",
                "--verifier",
                verifier,
                "--challenge",
                challenge
            ])),
            "ok\n"
        );
    }
    let plain = "a".repeat(43);
    assert_eq!(
        stdout(&portcullis(&[
            "pkce",
            "verify",
            "--verifier",
            &plain,
            "--challenge",
            &plain,
            "--method",
            "plain",
        ])),
        "ok\n"
    );
    // Without --method plain, a plain challenge is not an S256 one.
    let error = fails(&portcullis(&[
        "pkce",
        "verify",
        "--verifier",
        &plain,
        "--challenge",
        &plain,
    ]));
    assert_eq!(error, "portcullis: malformed PKCE code challenge\n");
    let error = fails(&portcullis(&[
        "pkce",
        "verify",
        "--verifier",
        "short",
        "--challenge",
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    ]));
    assert_eq!(error, "portcullis: malformed PKCE code verifier\n");
}
