//! `portcullis migrate scan`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn scan(name: &str, export: &str, extra: &[&str]) -> (bool, String) {
    let dir = std::env::temp_dir().join(format!("pcl-scan-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("export.txt");
    std::fs::write(&file, export).unwrap();
    let creds = dir.join("creds.jsonl");
    std::fs::write(
        &creds,
        "{\"email\":\"a@example.com\",\"password\":\"password\"}\n{\"id\":\"9\",\"password\":\"x\"}\n{\"id\":\"u2\",\"password\":\"wrong\"}\n",
    )
    .unwrap();
    let mut args = vec!["migrate", "scan", file.to_str().unwrap()];
    let creds_arg = creds.to_str().unwrap().to_owned();
    for a in extra {
        args.push(if *a == "CREDS" { creds_arg.as_str() } else { a });
    }
    let out = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(&args)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap())
}

const EXPORT: &str = "id,email,hash
1,a@example.com,$1$saltstri$qQY4WxjABChYG1ccLpfkz/
2,b@example.com,$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW
3,c@example.com,garbage
4,d@example.com,
{\"user_id\":\"u1\",\"email\":\"e@example.com\",\"custom_password_hash\":{\"algorithm\":\"sha256\",\"hash\":{\"value\":\"d24e794fce503c3ddb1cd1ba1dd5d9b250cf9917336a0316fefd87fecf79200f\",\"encoding\":\"hex\"},\"salt\":{\"value\":\"abc123\",\"position\":\"prefix\"}}}
{\"user_id\":\"u2\",\"password_hash\":\"$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0\"}
{\"hash\":\"0cc175b9c0f1b6a831c399e269772661\",\"hash_type\":\"md_5\"}
{not json
{\"user_id\":\"u3\",\"identities\":[{\"provider\":\"google-oauth2\"}]}
";

#[test]
fn json_report() {
    let (ok, out) = scan("json", EXPORT, &["--json", "--verify", "CREDS"]);
    assert!(ok);
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["lines"], 10);
    assert_eq!(r["records"], 4);
    assert_eq!(r["schemes"]["md5_crypt"], 1);
    assert_eq!(r["schemes"]["bcrypt"], 1);
    assert_eq!(r["schemes"]["sha256"], 1);
    assert_eq!(r["schemes"]["phpass"], 1);
    assert_eq!(r["without_hash"], 2);
    assert_eq!(r["over_limits"]["count"], 1);
    assert_eq!(r["over_limits"]["samples"][0]["line"], 3);
    assert_eq!(r["missing_config"]["count"], 1);
    assert_eq!(r["missing_config"]["samples"][0]["line"], 8);
    assert_eq!(r["errors"]["count"], 2);
    assert_eq!(r["errors"]["samples"][0]["line"], 4);
    assert_eq!(r["errors"]["samples"][1]["line"], 9);
    let creds = r["credentials"].as_array().unwrap();
    assert_eq!(creds.len(), 2);
    assert_eq!(creds[0]["id"], "a@example.com");
    assert_eq!(creds[0]["valid"], true);
    assert_eq!(creds[1]["id"], "u2");
    assert_eq!(creds[1]["valid"], false);
    assert_eq!(r["credentials_not_found"][0], "9");
    assert!(!out.contains("\"password\""));
}

#[test]
fn text_report() {
    let (ok, out) = scan("text", EXPORT, &[]);
    assert!(ok);
    assert!(out.contains("md5_crypt"));
    assert!(out.contains("line 3: bcrypt cost = 31 exceeds the limit of 16"));
}
