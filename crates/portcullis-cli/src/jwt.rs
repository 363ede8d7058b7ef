//! `portcullis jwk ...`, `portcullis jwks ...` and `portcullis jwt ...`: signing keys,
//! their rotation and public JWKS, and signing and verifying JWTs.
//!
//! A key set file holds private keys (private JWKs); it is written with mode 0600 and
//! replaced atomically (write a sibling, then rename).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use portcullis::core::{OffsetDateTime, OsRng, time::from_unix_seconds};
use portcullis::jwt::{
    Algorithm, Jwks, KeySet, KeySpec, NewClaims, RotationPolicy, RsaBits, Verifier,
};
use serde_json::{Map, Value, json};

use crate::lines::Lines;

type CliResult = Result<(), Box<dyn std::error::Error>>;

/// `portcullis jwk ...`.
#[derive(Debug, Subcommand)]
pub enum JwkCommand {
    /// Make a key. With --out, a new key set file (a current and a next key) is
    /// written there; without, the private JWK is printed.
    New(NewArgs),
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Algorithm: RS256/384/512, PS256/384/512, ES256, ES384, EdDSA, HS256/384/512.
    #[arg(long)]
    alg: Algorithm,
    /// RSA modulus size: 2048, 3072 or 4096.
    #[arg(long, default_value_t = 2048)]
    rsa_bits: u32,
    /// Key set file to create (refused if it exists).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Seconds a retired key stays published (for the key set).
    #[arg(long, default_value_t = 86_400)]
    grace: i64,
}

/// `portcullis jwks ...`.
#[derive(Debug, Subcommand)]
pub enum JwksCommand {
    /// Rotate a key set file: next becomes current, current is retired, a new next key
    /// is made, expired retired keys are removed.
    Rotate(KeySetArgs),
    /// Print the public JWKS document of a key set file.
    Publish(KeySetArgs),
}

#[derive(Debug, Args)]
pub struct KeySetArgs {
    /// The key set file.
    #[arg(long)]
    keyset: PathBuf,
    /// The time to act at, in Unix seconds (now by default).
    #[arg(long)]
    at: Option<i64>,
}

/// `portcullis jwt ...`.
#[derive(Debug, Subcommand)]
pub enum JwtCommand {
    /// Sign claims with the key set's current key and print the token.
    Sign(SignArgs),
    /// Verify tokens read one per line on stdin; write one JSON result per line:
    /// {"line", "valid": true, "claims"} or {"line", "valid": false, "error": kind}.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The key set file.
    #[arg(long)]
    keyset: PathBuf,
    /// The claims, a JSON object. iss, sub, aud and jti are taken as they are; exp,
    /// iat and nbf are set from --ttl and the time; everything else is a custom claim.
    #[arg(long)]
    claims: String,
    /// Lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    ttl: i64,
    /// Header typ (JWT by default; at+jwt for RFC 9068 access tokens).
    #[arg(long)]
    typ: Option<String>,
    /// The signing time, in Unix seconds (now by default).
    #[arg(long)]
    at: Option<i64>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A JWKS document, or a key set file (its published keys are used).
    #[arg(long)]
    jwks: PathBuf,
    /// Required issuer.
    #[arg(long)]
    iss: Option<String>,
    /// Required audience.
    #[arg(long)]
    aud: Option<String>,
    /// Verification time in Unix seconds (now by default).
    #[arg(long)]
    at: Option<i64>,
    /// Clock leeway in seconds (0 to 600).
    #[arg(long, default_value_t = 60)]
    leeway: i64,
    /// Required header typ.
    #[arg(long)]
    typ: Option<String>,
}

fn time_at(at: Option<i64>) -> Result<OffsetDateTime, Box<dyn std::error::Error>> {
    Ok(match at {
        Some(at) => from_unix_seconds(at)?,
        None => OffsetDateTime::now_utc(),
    })
}

fn load(path: &Path) -> Result<KeySet, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a key set: {e}", path.display()).into())
}

fn save(path: &Path, set: &KeySet, create_new: bool) -> CliResult {
    let text = serde_json::to_string_pretty(set)?;
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    if create_new && path.exists() {
        return Err(format!("{} exists; refusing to overwrite a key set", path.display()).into());
    }
    let _ = std::fs::remove_file(&tmp);
    let mut file = options.open(&tmp)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn published_kids(set: &KeySet, now: OffsetDateTime) -> Vec<String> {
    set.verification_keys(now)
        .map(|keys| keys.keys().map(|k| k.kid().to_owned()).collect())
        .unwrap_or_default()
}

/// Runs `portcullis jwk ...`.
pub fn run_jwk(command: JwkCommand, out: &mut impl Write) -> CliResult {
    let JwkCommand::New(args) = command;
    let spec = KeySpec::new(args.alg).with_rsa_bits(RsaBits::from_bits(args.rsa_bits)?);
    let now = OffsetDateTime::now_utc();
    match args.out {
        Some(path) => {
            let policy = RotationPolicy::new(spec)
                .with_grace(portcullis::core::Duration::seconds(args.grace))?;
            let set = KeySet::new(policy, now)?;
            save(&path, &set, true)?;
            let current = set.current().map(|k| k.kid().to_owned());
            writeln!(
                out,
                "{}",
                json!({"keyset": path.display().to_string(), "alg": args.alg.name(), "current": current, "published": published_kids(&set, now)})
            )?;
        }
        None => {
            let key = portcullis::jwt::Key::generate(spec)?;
            writeln!(out, "{}", key.to_private_jwk()?.expose_secret())?;
        }
    }
    Ok(())
}

/// Runs `portcullis jwks ...`.
pub fn run_jwks(command: JwksCommand, out: &mut impl Write) -> CliResult {
    match command {
        JwksCommand::Rotate(args) => {
            let now = time_at(args.at)?;
            let mut set = load(&args.keyset)?;
            set.rotate(now)?;
            save(&args.keyset, &set, false)?;
            let current = set.current().map(|k| k.kid().to_owned());
            writeln!(
                out,
                "{}",
                json!({"current": current, "published": published_kids(&set, now)})
            )?;
        }
        JwksCommand::Publish(args) => {
            let now = time_at(args.at)?;
            let set = load(&args.keyset)?;
            writeln!(out, "{}", set.public_jwks(now)?)?;
        }
    }
    Ok(())
}

fn new_claims(
    text: &str,
    ttl: i64,
    typ: Option<String>,
) -> Result<NewClaims, Box<dyn std::error::Error>> {
    let Value::Object(map) = serde_json::from_str::<Value>(text)? else {
        return Err("--claims must be a JSON object".into());
    };
    let mut claims = NewClaims::new().lifetime(portcullis::core::Duration::seconds(ttl))?;
    if let Some(typ) = typ {
        claims = claims.typ(typ);
    }
    let text_of = |name: &str, v: &Value| -> Result<String, Box<dyn std::error::Error>> {
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("{name} must be a string").into())
    };
    let mut custom = Map::new();
    for (name, value) in map {
        match name.as_str() {
            "iss" => claims = claims.issuer(text_of("iss", &value)?),
            "sub" => claims = claims.subject(text_of("sub", &value)?),
            "jti" => claims = claims.jti(text_of("jti", &value)?),
            "aud" => {
                claims =
                    claims.audience(serde_json::from_value::<portcullis::jwt::Audience>(value)?);
            }
            "exp" | "iat" | "nbf" => return Err(format!("{name} is set by --ttl and --at").into()),
            _ => {
                custom.insert(name, value);
            }
        }
    }
    Ok(claims.custom(&custom)?)
}

/// Runs `portcullis jwt ...`.
pub fn run_jwt(command: JwtCommand, input: &mut impl BufRead, out: &mut impl Write) -> CliResult {
    match command {
        JwtCommand::Sign(args) => {
            let now = time_at(args.at)?;
            let set = load(&args.keyset)?;
            let claims = new_claims(&args.claims, args.ttl, args.typ)?;
            let signed = set.sign(&claims, now, &mut OsRng)?;
            writeln!(out, "{}", signed.token.expose_secret())?;
        }
        JwtCommand::Verify(args) => verify(&args, input, out)?,
    }
    Ok(())
}

fn verify(args: &VerifyArgs, input: &mut impl BufRead, out: &mut impl Write) -> CliResult {
    let now = time_at(args.at)?;
    let text = std::fs::read_to_string(&args.jwks)?;
    let value: Value = serde_json::from_str(&text)?;
    let keys = if value.get("policy").is_some() {
        serde_json::from_value::<KeySet>(value)?.verification_keys(now)?
    } else {
        Jwks::from_json(&text)?
    };
    let mut verifier =
        Verifier::new(keys).leeway(portcullis::core::Duration::seconds(args.leeway))?;
    if let Some(iss) = &args.iss {
        verifier = verifier.issuer(iss);
    }
    if let Some(aud) = &args.aud {
        verifier = verifier.audience(aud);
    }
    if let Some(typ) = &args.typ {
        verifier = verifier.required_typ(typ);
    }
    let mut lines = Lines::new(input);
    while let Some((number, line)) = lines.next_line()? {
        let answer = match line {
            Err(_) => json!({"line": number, "valid": false, "error": "malformed"}),
            Ok(token) => match verifier.verify(token.trim(), now) {
                Ok(verified) => json!({"line": number, "valid": true, "claims": verified.claims}),
                Err(error) => json!({"line": number, "valid": false, "error": error.kind()}),
            },
        };
        writeln!(out, "{answer}")?;
    }
    Ok(())
}
