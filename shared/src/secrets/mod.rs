//! Where seller credentials come from. Locally: a JSON file; in Lambda: Secrets Manager
//! (same JSON shape per account).

mod file;

pub use file::{CredentialEntry, CredentialsFile};
