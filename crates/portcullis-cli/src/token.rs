//! `portcullis token ...`, `portcullis apikey ...` and `portcullis pkce ...`: random
//! secrets, API keys and PKCE pairs from the OS CSPRNG (portcullis-token).

use std::io::{self, BufRead, Write};

use clap::{Args, Subcommand, ValueEnum};
use portcullis::core::{OsRng, TokenEncoding, random};
use portcullis::token::api_key::{ApiKey, ApiKeyPrefix, PresentedApiKey};
use portcullis::token::pkce::{ChallengeMethod, CodeChallenge, CodeVerifier, PkcePolicy};
use portcullis::token::{Digester, TokenError};

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Print a new random token.
    New(NewArgs),
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Bytes of randomness in the token (16 to 1024).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(16..=1024))]
    bytes: u16,
    /// How the bytes are rendered.
    #[arg(long, value_enum, default_value_t = Encoding::Base64url)]
    encoding: Encoding,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Encoding {
    Base64url,
    Base32,
    Hex,
    Base62,
}

impl From<Encoding> for TokenEncoding {
    fn from(value: Encoding) -> Self {
        match value {
            Encoding::Base64url => Self::Base64Url,
            Encoding::Base32 => Self::Base32,
            Encoding::Hex => Self::Hex,
            Encoding::Base62 => Self::Base62,
        }
    }
}

pub fn run(command: TokenCommand, out: &mut impl Write) -> io::Result<()> {
    match command {
        TokenCommand::New(args) => {
            let token = random::token(usize::from(args.bytes), args.encoding.into());
            writeln!(out, "{}", token.expose_secret())
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Print a new API key: `<prefix><key id><secret><checksum>`.
    New {
        /// The readable prefix, e.g. `pcl_live_` (a lower-case letter, then `a-z 0-9 _`,
        /// ending in `_`; at most 32 characters).
        #[arg(long)]
        prefix: String,
        /// Print JSON with the key and what to store for it (key id, prefix, last four,
        /// SHA-256 digest) instead of the key alone.
        #[arg(long)]
        json: bool,
    },
    /// Check a key's format and checksum, without any lookup. Accepts legacy PropelAuth
    /// keys (96 hex characters, no checksum). `-` reads the key from stdin, which keeps
    /// it out of the shell history.
    Check {
        /// The key, or `-` for stdin.
        key: String,
    },
}

pub fn run_apikey(command: ApiKeyCommand, out: &mut impl Write) -> io::Result<()> {
    match command {
        ApiKeyCommand::New { prefix, json } => {
            let prefix = ApiKeyPrefix::new(&prefix).map_err(invalid)?;
            let key = ApiKey::generate(&mut OsRng, &prefix);
            let text = key.render();
            if json {
                let shown = text.expose_secret();
                let value = serde_json::json!({
                    "api_key": shown,
                    "key_id": key.key_id(),
                    "prefix": prefix.as_str(),
                    "last_four": &shown[shown.len() - 4..],
                    "digest": Digester::Sha256.digest(key.secret()).to_string(),
                });
                writeln!(out, "{value}")
            } else {
                writeln!(out, "{}", text.expose_secret())
            }
        }
        ApiKeyCommand::Check { key } => {
            let key = if key == "-" { read_stdin_line()? } else { key };
            let presented = PresentedApiKey::parse_any(&key).map_err(invalid)?;
            match presented.prefix() {
                Some(prefix) => writeln!(
                    out,
                    "ok prefix={prefix} key_id={} checksum=valid",
                    presented.key_id()
                ),
                None => writeln!(
                    out,
                    "ok format=propelauth key_id={} checksum=none",
                    presented.key_id()
                ),
            }
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum PkceCommand {
    /// Print a new code verifier and its S256 challenge (RFC 7636).
    New,
    /// Check a code verifier against a code challenge; exits non-zero when they do not
    /// match.
    Verify {
        /// The `code_verifier`.
        #[arg(long)]
        verifier: String,
        /// The `code_challenge`.
        #[arg(long)]
        challenge: String,
        /// The `code_challenge_method`; `plain` is accepted only when named here.
        #[arg(long, value_enum, default_value_t = Method::S256)]
        method: Method,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Method {
    #[value(name = "S256")]
    S256,
    #[value(name = "plain")]
    Plain,
}

pub fn run_pkce(command: PkceCommand, out: &mut impl Write) -> io::Result<()> {
    match command {
        PkceCommand::New => {
            let verifier = CodeVerifier::generate(&mut OsRng);
            let challenge = verifier.challenge();
            writeln!(out, "code_verifier={}", verifier.expose_secret())?;
            writeln!(out, "code_challenge={}", challenge.value())?;
            writeln!(out, "code_challenge_method={}", challenge.method().as_str())
        }
        PkceCommand::Verify {
            verifier,
            challenge,
            method,
        } => {
            let (method, policy) = match method {
                Method::S256 => (ChallengeMethod::S256, PkcePolicy::default()),
                Method::Plain => (ChallengeMethod::Plain, PkcePolicy::danger_allow_plain()),
            };
            let challenge = CodeChallenge::parse(&challenge, method, policy).map_err(invalid)?;
            challenge.verify(&verifier, policy).map_err(invalid)?;
            writeln!(out, "ok")
        }
    }
}

/// Errors from the library never contain the secret they refused, so they can be shown.
fn invalid(error: TokenError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, error)
}

fn read_stdin_line() -> io::Result<String> {
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
