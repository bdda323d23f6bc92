//! The Sellerbox collection fleet's library: collectors and normalizers per marketplace,
//! the store, rate limits, and the glue the Lambda functions and the CLI share.

pub mod centers;
pub mod collect;
pub mod error;
pub mod http;
pub mod lambda;
pub mod markets;
pub mod model;
pub mod plan;
pub mod secrets;
pub mod store;
pub mod telemetry;

pub use error::{CollectError, ErrorKind};
