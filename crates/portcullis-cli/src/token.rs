//! `portcullis token ...`: random secrets from the OS CSPRNG.

use std::io::Write;

use clap::{Args, Subcommand, ValueEnum};
use portcullis::core::{TokenEncoding, random};

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

pub fn run(command: TokenCommand, out: &mut impl Write) -> std::io::Result<()> {
    match command {
        TokenCommand::New(args) => {
            let token = random::token(usize::from(args.bytes), args.encoding.into());
            writeln!(out, "{}", token.expose_secret())
        }
    }
}
