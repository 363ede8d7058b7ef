//! `portcullis totp ...`: enrol, compute, check and inspect TOTP secrets.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use portcullis::core::{OffsetDateTime, time::from_unix_seconds};
use portcullis::otp::{
    Algorithm, KeyUri, OtpError, OtpSecret, Refusal, SecretPolicy, Step, Totp, UriKind, qr,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::lines::Lines;

type CliResult = Result<(), Box<dyn std::error::Error>>;

#[derive(Debug, Subcommand)]
pub enum TotpCommand {
    /// Make a new 160-bit secret and print it with its otpauth URI.
    New(NewArgs),
    /// Print the code for a secret at a time (now by default).
    Code(CodeArgs),
    /// Check codes read as JSON Lines on stdin; write one JSON result per line.
    ///
    /// Each input line: {"secret", "code", "at", "algorithm"?, "digits"?, "period"?,
    /// "window"?, "last_used_step"?}. Each output line: {"line", "valid", "step"} (with
    /// "refusal" when not valid) or {"line", "error"}.
    Verify(VerifyArgs),
    /// Inspect an otpauth URI.
    Uri(UriArgs),
}

#[derive(Debug, Args)]
pub struct Settings {
    /// HMAC algorithm.
    #[arg(long, value_enum, default_value_t = Alg::Sha1)]
    algorithm: Alg,
    /// Digits per code (6 to 10).
    #[arg(long, default_value_t = 6)]
    digits: u8,
    /// Seconds per step (15 to 120).
    #[arg(long, default_value_t = 30)]
    period: u32,
}

impl Settings {
    fn totp(&self) -> Result<Totp, OtpError> {
        Totp::new()
            .with_algorithm(self.algorithm.into())
            .with_digits(self.digits)?
            .with_period(self.period)
    }
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Issuer (your service's name, shown in the app).
    #[arg(long)]
    issuer: String,
    /// Account name (usually the user's email address).
    #[arg(long)]
    account: String,
    /// Also write the URI as a QR code: a `.png` or `.svg` file.
    #[arg(long, value_name = "FILE")]
    qr: Option<PathBuf>,
    #[command(flatten)]
    settings: Settings,
}

#[derive(Debug, Args)]
pub struct CodeArgs {
    /// The secret, base32 (any case, spaces and padding allowed).
    #[arg(long)]
    secret: String,
    /// Unix time (default: now).
    #[arg(long, allow_negative_numbers = true)]
    at: Option<i64>,
    /// Accept secrets down to 80 bits (legacy imports).
    #[arg(long)]
    allow_legacy_secret: bool,
    #[command(flatten)]
    settings: Settings,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Accept secrets down to 80 bits (legacy imports).
    #[arg(long)]
    allow_legacy_secret: bool,
}

#[derive(Debug, Args)]
pub struct UriArgs {
    /// Parse this URI and print its fields as JSON (the secret included).
    #[arg(long, value_name = "URI")]
    parse: String,
    /// Accept secrets down to 80 bits (legacy imports).
    #[arg(long)]
    allow_legacy_secret: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Alg {
    Sha1,
    Sha256,
    Sha512,
}

impl From<Alg> for Algorithm {
    fn from(a: Alg) -> Self {
        match a {
            Alg::Sha1 => Self::Sha1,
            Alg::Sha256 => Self::Sha256,
            Alg::Sha512 => Self::Sha512,
        }
    }
}

fn policy(allow_legacy: bool) -> SecretPolicy {
    if allow_legacy {
        SecretPolicy::DangerAllowLegacy
    } else {
        SecretPolicy::Standard
    }
}

pub fn run(command: TotpCommand, input: &mut impl BufRead, out: &mut impl Write) -> CliResult {
    match command {
        TotpCommand::New(args) => new(&args, out),
        TotpCommand::Code(args) => {
            let secret = OtpSecret::from_base32(&args.secret, policy(args.allow_legacy_secret))?;
            let at = match args.at {
                Some(s) => from_unix_seconds(s)?,
                None => OffsetDateTime::now_utc(),
            };
            let code = args.settings.totp()?.generate(&secret, at)?;
            writeln!(out, "{}", code.expose_secret())?;
            Ok(())
        }
        TotpCommand::Verify(args) => verify(input, out, policy(args.allow_legacy_secret)),
        TotpCommand::Uri(args) => {
            let uri = KeyUri::parse(&args.parse, policy(args.allow_legacy_secret))?;
            writeln!(out, "{}", uri_json(&uri))?;
            Ok(())
        }
    }
}

fn new(args: &NewArgs, out: &mut impl Write) -> CliResult {
    let totp = args.settings.totp()?;
    let secret = OtpSecret::generate();
    let uri = KeyUri::for_totp(&totp, secret.clone(), Some(&args.issuer), &args.account)?;
    if let Some(path) = &args.qr {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("png") => std::fs::write(path, qr::png(&uri)?.expose_secret())?,
            Some("svg") => std::fs::write(path, qr::svg(&uri)?.expose_secret())?,
            _ => return Err("--qr needs a file name ending in .png or .svg".into()),
        }
    }
    writeln!(out, "secret: {}", secret.to_base32().expose_secret())?;
    writeln!(out, "uri: {}", uri.to_uri().expose_secret())?;
    Ok(())
}

fn uri_json(uri: &KeyUri) -> Value {
    let mut v = json!({
        "issuer": uri.issuer(),
        "account": uri.account(),
        "secret": uri.secret().to_base32().expose_secret(),
        "algorithm": uri.algorithm().as_str(),
        "digits": uri.digits(),
    });
    match uri.kind() {
        UriKind::Totp { period } => {
            v["type"] = json!("totp");
            v["period"] = json!(period);
        }
        UriKind::Hotp { counter } => {
            v["type"] = json!("hotp");
            v["counter"] = json!(counter);
        }
    }
    v
}

/// One input line of `totp verify`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyLine {
    secret: portcullis::core::SecretString,
    code: portcullis::core::SecretString,
    at: i64,
    algorithm: Option<String>,
    digits: Option<u8>,
    period: Option<u32>,
    window: Option<u8>,
    last_used_step: Option<u64>,
}

fn verify(input: &mut impl BufRead, out: &mut impl Write, policy: SecretPolicy) -> CliResult {
    let mut lines = Lines::new(input);
    while let Some((number, line)) = lines.next_line()? {
        let Ok(line) = line else {
            writeln!(out, "{}", json!({"line": number, "error": "invalid_utf8"}))?;
            continue;
        };
        if line.trim().is_empty() {
            continue;
        }
        let result = match check_line(line, policy) {
            Ok(Ok(step)) => json!({"line": number, "valid": true, "step": step.get()}),
            Ok(Err(refusal)) => json!({
                "line": number, "valid": false, "step": null, "refusal": refusal_name(refusal)
            }),
            Err(kind) => json!({"line": number, "error": kind}),
        };
        writeln!(out, "{result}")?;
    }
    Ok(())
}

/// The outcome of one line, or the kind of error that kept it from being checked.
fn check_line(line: &str, policy: SecretPolicy) -> Result<Result<Step, Refusal>, &'static str> {
    let request: VerifyLine = serde_json::from_str(line).map_err(|_| "invalid_json")?;
    let secret =
        OtpSecret::from_base32(request.secret.expose_secret(), policy).map_err(|e| match e {
            OtpError::SecretTooShort { .. } => "secret_too_short",
            OtpError::SecretTooLong { .. } => "secret_too_long",
            _ => "invalid_secret",
        })?;
    let algorithm = match request.algorithm.as_deref() {
        None => Algorithm::Sha1,
        Some(name) => Algorithm::from_name(name).ok_or("invalid_algorithm")?,
    };
    let mut totp = Totp::new().with_algorithm(algorithm);
    if let Some(d) = request.digits {
        totp = totp.with_digits(d).map_err(|_| "invalid_digits")?;
    }
    if let Some(p) = request.period {
        totp = totp.with_period(p).map_err(|_| "invalid_period")?;
    }
    if let Some(w) = request.window {
        totp = totp.with_window(w).map_err(|_| "invalid_window")?;
    }
    let at = from_unix_seconds(request.at).map_err(|_| "invalid_time")?;
    Ok(totp.verify(
        &secret,
        request.code.expose_secret(),
        at,
        request.last_used_step.map(Step),
    ))
}

fn refusal_name(refusal: Refusal) -> &'static str {
    match refusal {
        Refusal::Malformed => "malformed",
        Refusal::Replayed => "replayed",
        _ => "wrong_code",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_that_is_not_utf8_is_an_error_line_and_the_run_goes_on() {
        let good = br#"{"secret":"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ","code":"94287082","at":59,"digits":8}"#;
        let mut input = Vec::new();
        input.extend_from_slice(good);
        input.extend_from_slice(b"\n{\"secret\":\"\xff\"}\n");
        input.extend_from_slice(good);
        let mut out = Vec::new();
        verify(&mut &input[..], &mut out, SecretPolicy::Standard).unwrap();
        let lines: Vec<Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            lines,
            [
                json!({"line": 1, "valid": true, "step": 1}),
                json!({"line": 2, "error": "invalid_utf8"}),
                json!({"line": 3, "valid": true, "step": 1}),
            ]
        );
    }
}
