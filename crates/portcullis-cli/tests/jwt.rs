//! `portcullis jwk`, `jwks` and `jwt`, run as a user would run them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn run(args: &[&str], stdin: &str) -> Output {
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

fn ok(args: &[&str], stdin: &str) -> String {
    let output = run(args, stdin);
    assert!(output.status.success(), "{args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn keyset_sign_rotate_publish_verify() {
    let dir = std::env::temp_dir().join(format!("portcullis-cli-jwt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let keyset = dir.join("keyset.json");
    let _ = std::fs::remove_file(&keyset);
    let ks = keyset.to_str().unwrap();

    let created: Value =
        serde_json::from_str(&ok(&["jwk", "new", "--alg", "ES256", "--out", ks], "")).unwrap();
    let first = created["current"].as_str().unwrap().to_owned();
    assert_eq!(created["published"].as_array().unwrap().len(), 2);
    // Refuses to overwrite a key set.
    assert!(
        !run(&["jwk", "new", "--alg", "ES256", "--out", ks], "")
            .status
            .success()
    );

    let at = "1800000000";
    let token = ok(
        &[
            "jwt",
            "sign",
            "--keyset",
            ks,
            "--claims",
            r#"{"iss":"https://a.example","sub":"u1","aud":"api","role":"admin"}"#,
            "--ttl",
            "300",
            "--at",
            at,
        ],
        "",
    );
    let token = token.trim();
    assert!(
        !run(
            &["jwt", "sign", "--keyset", ks, "--claims", r#"{"exp":1}"#],
            ""
        )
        .status
        .success()
    );

    let jwks_text = ok(&["jwks", "publish", "--keyset", ks, "--at", at], "");
    assert!(!jwks_text.contains("\"d\""));
    let jwks_path = dir.join("jwks.json");
    std::fs::write(&jwks_path, &jwks_text).unwrap();
    let jwks = jwks_path.to_str().unwrap();

    let input = format!("{token}\nnot-a-token\n{token}x\n\u{0}\n");
    let out = json_lines(&ok(
        &[
            "jwt",
            "verify",
            "--jwks",
            jwks,
            "--iss",
            "https://a.example",
            "--aud",
            "api",
            "--at",
            at,
        ],
        &input,
    ));
    assert_eq!(out.len(), 4);
    assert_eq!(out[0]["line"], 1);
    assert_eq!(out[0]["valid"], true);
    assert_eq!(out[0]["claims"]["role"], "admin");
    assert_eq!(out[0]["claims"]["exp"], 1_800_000_300);
    assert_eq!(out[1]["error"], "malformed");
    assert_eq!(out[2]["valid"], false);
    assert_eq!(out[3]["valid"], false);
    for line in &out[1..] {
        assert!(
            !line.to_string().contains(token),
            "errors never echo the token"
        );
    }
    // Expiry, with and without leeway; wrong audience.
    let late = json_lines(&ok(
        &["jwt", "verify", "--jwks", jwks, "--at", "1800000330"],
        token,
    ));
    assert_eq!(late[0]["valid"], true, "within the 60 s leeway");
    let late = json_lines(&ok(
        &[
            "jwt",
            "verify",
            "--jwks",
            jwks,
            "--at",
            "1800000330",
            "--leeway",
            "0",
        ],
        token,
    ));
    assert_eq!(late[0]["error"], "expired");
    let wrong = json_lines(&ok(
        &[
            "jwt", "verify", "--jwks", jwks, "--aud", "other", "--at", at,
        ],
        token,
    ));
    assert_eq!(wrong[0]["error"], "wrong_audience");

    // Rotation: the old key stays published, so the token still verifies against the
    // key set file itself.
    let rotated: Value = serde_json::from_str(&ok(
        &["jwks", "rotate", "--keyset", ks, "--at", "1800000100"],
        "",
    ))
    .unwrap();
    assert_ne!(rotated["current"].as_str().unwrap(), first);
    assert!(
        rotated["published"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k == first.as_str())
    );
    let again = json_lines(&ok(
        &["jwt", "verify", "--jwks", ks, "--at", "1800000100"],
        token,
    ));
    assert_eq!(again[0]["valid"], true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&keyset).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    // A lone private JWK.
    let jwk: Value = serde_json::from_str(&ok(&["jwk", "new", "--alg", "EdDSA"], "")).unwrap();
    assert_eq!(jwk["kty"], "OKP");
    assert!(jwk["d"].is_string());
    std::fs::remove_dir_all(&dir).unwrap();
}
