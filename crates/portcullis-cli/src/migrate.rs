//! `portcullis migrate scan FILE`: what is in a user export, before migrating it.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, Subcommand};
use portcullis::password::scan::{Report, Scanner};
use portcullis::password::{CostLimits, Hasher, HasherConfig};

use crate::lines::Lines;

#[derive(Debug, Subcommand)]
pub enum MigrateCommand {
    /// Scan an export (Auth0 NDJSON, Stytch JSON Lines, or CSV id,email,hash).
    Scan(ScanArgs),
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The export file.
    file: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// JSON Lines of {"id" or "email", "password"}: verify these known credentials.
    #[arg(long, value_name = "CREDENTIALS")]
    verify: Option<PathBuf>,
}

pub fn run(
    command: MigrateCommand,
    out: &mut impl Write,
) -> Result<(), Box<dyn std::error::Error>> {
    let MigrateCommand::Scan(args) = command;
    let mut scanner = Scanner::new(CostLimits::default());
    if let Some(path) = &args.verify {
        scanner = scanner.with_credentials(
            read_credentials(path)?,
            Hasher::new(HasherConfig::default())?,
        );
    }
    let mut lines = Lines::new(BufReader::with_capacity(1 << 20, File::open(&args.file)?));
    let progress = std::io::stderr().is_terminal();
    let started = Instant::now();
    while let Some(line) = lines.next_bytes()? {
        scanner.feed_bytes(line);
        let n = scanner.report().lines;
        if progress && n.is_multiple_of(1 << 18) {
            let rate = n as f64 / started.elapsed().as_secs_f64().max(1e-9);
            #[allow(clippy::print_stderr)]
            {
                eprint!("\rscanned {n} lines ({rate:.0} lines/s)");
            }
        }
    }
    if progress {
        #[allow(clippy::print_stderr)]
        {
            eprintln!();
        }
    }
    let report = scanner.finish();
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        print_text(&report, out)?;
    }
    Ok(())
}

fn read_credentials(path: &PathBuf) -> Result<HashMap<String, String>, Box<dyn std::error::Error>> {
    let mut credentials = HashMap::new();
    for (i, line) in BufReader::new(File::open(path)?).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| format!("credentials line {}: {e}", i + 1))?;
        let id = value
            .get("id")
            .or_else(|| value.get("email"))
            .and_then(serde_json::Value::as_str);
        let password = value.get("password").and_then(serde_json::Value::as_str);
        match (id, password) {
            (Some(id), Some(password)) => {
                credentials.insert(id.to_owned(), password.to_owned());
            }
            _ => {
                return Err(format!(
                    "credentials line {}: needs \"id\" or \"email\", and \"password\"",
                    i + 1
                )
                .into());
            }
        }
    }
    Ok(credentials)
}

fn print_text(report: &Report, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "lines: {}  records with a hash: {}  without: {}",
        report.lines, report.records, report.without_hash
    )?;
    writeln!(out, "schemes:")?;
    for (scheme, count) in &report.schemes {
        writeln!(out, "  {scheme:<24} {count}")?;
    }
    for (title, findings) in [
        ("over cost limits", &report.over_limits),
        ("missing config", &report.missing_config),
        ("errors", &report.errors),
    ] {
        writeln!(out, "{title}: {}", findings.count)?;
        for f in &findings.samples {
            writeln!(out, "  line {}: {} ({})", f.line, f.message, f.kind)?;
        }
    }
    if !report.credentials.is_empty() || !report.credentials_not_found.is_empty() {
        writeln!(out, "test credentials:")?;
        for c in &report.credentials {
            let verdict = if c.valid {
                "verified"
            } else {
                "DID NOT VERIFY"
            };
            writeln!(out, "  {} (line {}, {}): {verdict}", c.id, c.line, c.scheme)?;
        }
        for id in &report.credentials_not_found {
            writeln!(out, "  {id}: no record in the export")?;
        }
    }
    Ok(())
}
