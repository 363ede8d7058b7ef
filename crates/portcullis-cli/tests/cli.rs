//! The `portcullis` binary, run as a user would run it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn portcullis(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .output()
        .expect("run portcullis")
}

fn stdout_line(output: &std::process::Output) -> String {
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout.clone()).unwrap();
    assert!(text.ends_with('\n'));
    text.trim_end().to_owned()
}

#[test]
fn token_new_defaults_to_32_bytes_base64url() {
    let token = stdout_line(&portcullis(&["token", "new"]));
    assert_eq!(token.len(), 43);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    assert_ne!(token, stdout_line(&portcullis(&["token", "new"])));
}

#[test]
fn token_new_encodings() {
    let hex = stdout_line(&portcullis(&[
        "token",
        "new",
        "--bytes",
        "16",
        "--encoding",
        "hex",
    ]));
    assert_eq!(hex.len(), 32);
    assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));
    let b32 = stdout_line(&portcullis(&["token", "new", "--encoding", "base32"]));
    assert_eq!(b32.len(), 52);
    let b62 = stdout_line(&portcullis(&["token", "new", "--encoding", "base62"]));
    assert_eq!(b62.len(), 43);
    assert!(b62.bytes().all(|b| b.is_ascii_alphanumeric()));
}

#[test]
fn token_new_refuses_too_few_bytes() {
    let output = portcullis(&["token", "new", "--bytes", "8"]);
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
}
