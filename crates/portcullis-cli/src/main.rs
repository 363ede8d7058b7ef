//! The `portcullis` command line.
//!
//! Every subcommand is a thin shell around the library: it parses arguments, calls one
//! function, and prints the result. Secrets go to stdout only when they are the thing
//! asked for; errors go to stderr and never contain input secrets.
#![forbid(unsafe_code)]

mod demo;
mod hash;
mod jwt;
mod lines;
mod migrate;
mod token;
mod totp;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Authentication primitives from the shell.
#[derive(Debug, Parser)]
#[command(name = "portcullis", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The library end to end on an embedded SQLite store: sign-up, lockout, legacy
    /// hash import and upgrade, sessions.
    Demo(demo::DemoArgs),
    /// Random secrets.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Password hashes: new, identify, verify.
    #[command(subcommand)]
    Hash(hash::HashCommand),
    /// Migration from another system's user export.
    #[command(subcommand)]
    Migrate(migrate::MigrateCommand),
    /// TOTP secrets, codes and otpauth URIs.
    #[command(subcommand)]
    Totp(totp::TotpCommand),
    /// API keys with a prefix, a lookup id and a checksum.
    #[command(subcommand)]
    Apikey(token::ApiKeyCommand),
    /// PKCE code verifiers and challenges (RFC 7636).
    #[command(subcommand)]
    Pkce(token::PkceCommand),
    /// Signing keys: new.
    #[command(subcommand)]
    Jwk(jwt::JwkCommand),
    /// Key sets: rotate, publish the public JWKS.
    #[command(subcommand)]
    Jwks(jwt::JwksCommand),
    /// JWTs: sign with a key set, verify tokens read from stdin.
    #[command(subcommand)]
    Jwt(jwt::JwtCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut stdout = std::io::stdout().lock();
    let result: Result<(), Box<dyn std::error::Error>> = match cli.command {
        Command::Demo(args) => demo::run(&args, &mut stdout),
        Command::Token(command) => token::run(command, &mut stdout).map_err(Into::into),
        Command::Hash(command) => hash::run(command, &mut std::io::stdin().lock(), &mut stdout),
        Command::Migrate(command) => migrate::run(command, &mut stdout),
        Command::Totp(command) => totp::run(command, &mut std::io::stdin().lock(), &mut stdout),
        Command::Apikey(command) => token::run_apikey(command, &mut stdout).map_err(Into::into),
        Command::Pkce(command) => token::run_pkce(command, &mut stdout).map_err(Into::into),
        Command::Jwk(command) => jwt::run_jwk(command, &mut stdout),
        Command::Jwks(command) => jwt::run_jwks(command, &mut stdout),
        Command::Jwt(command) => jwt::run_jwt(command, &mut std::io::stdin().lock(), &mut stdout),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("portcullis: {error}");
            }
            ExitCode::FAILURE
        }
    }
}
