//! Password hashing for services that inherit other systems' users.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod breach;
mod error;
pub mod policy;
pub mod strength;

pub use breach::{BreachFile, BreachVerdict, RangeQuery};
pub use error::Error;
pub use policy::{HashVerifier, PasswordPolicy, PolicyContext, PolicySettings};
pub use strength::{Feedback, LudsRequirements, StrengthPolicy, StrengthResult, Violation};
