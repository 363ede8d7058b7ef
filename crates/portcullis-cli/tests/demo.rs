//! `portcullis demo`, the README's first command: it must run on a machine with no
//! server, and show each flow doing what it says.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn demo(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .arg("demo")
        .args(args)
        .output()
        .expect("run portcullis demo");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn assert_has(text: &str, needle: &str) {
    assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
}

#[test]
fn demo_walks_every_flow_on_sqlite() {
    let text = demo(&[]);
    assert_has(&text, "store: SQLite (in memory)");
    assert_has(&text, "weak password 'password1': refused");
    assert_has(&text, "account created, hash argon2id");
    assert_has(
        &text,
        "wrong password x5: invalid, invalid, invalid, invalid, locked for 300 s",
    );
    assert_has(
        &text,
        "nobody@example.com, wrong password x5: invalid, invalid, invalid, invalid, locked for 300 s",
    );
    assert_has(&text, "right password while locked: refused (locked until");
    for legacy in ["bcrypt", "phpass", "django_pbkdf2_sha256", "md5_crypt"] {
        assert_has(
            &text,
            &format!("{legacy} -> signed in with the old password -> now argon2id"),
        );
    }
    assert_has(
        &text,
        "sessions ended; the token now: refused (session terminated)",
    );
    assert!(text.trim_end().ends_with("done"));
}

#[test]
fn demo_keeps_its_data_in_a_file_when_asked() {
    let dir = std::env::temp_dir().join(format!("portcullis-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("demo.sqlite");
    let text = demo(&["--db", db.to_str().unwrap()]);
    assert_has(&text, "done");
    assert!(db.exists());
    let qr = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().ends_with(".svg"))
        .expect("the QR code is written beside the database");
    assert!(std::fs::read_to_string(qr.path()).unwrap().contains("<svg"));
    std::fs::remove_dir_all(&dir).unwrap();
}
