//! What the CLI tells a person when it cannot do what was asked: one line, and an exit
//! code that scripts can tell apart (2: fix your input; 1: something failed).

use sellerbox::CollectError;
use sellerbox::store::StoreError;
use std::process::ExitCode;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Collect(#[from] CollectError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

impl CliError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Input(_) => ExitCode::from(2),
            // A URL that is not a database URL is bad input, not a failure (README).
            CliError::Store(StoreError::UnsupportedUrl(_)) => ExitCode::from(2),
            CliError::Collect(e) if e.kind() == sellerbox::ErrorKind::InvalidInput => {
                ExitCode::from(2)
            }
            _ => ExitCode::from(1),
        }
    }

    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> CliError {
        let what = what.into();
        move |source| CliError::Io { what, source }
    }
}
