//! Password hashing for services that inherit other systems' users.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;

pub use error::Error;
