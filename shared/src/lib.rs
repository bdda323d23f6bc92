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

/// jemalloc rather than glibc's malloc, for every binary built on this crate (its feature
/// `jemalloc`, which the functions and the CLI enable). Why: glibc's slow paths (merging
/// free chunks, sorting its bins, its arena locks) were ~18% of a Naver first run's CPU
/// (`perf record`); with jemalloc the same run costs ~11% less CPU per 1,000 items for a
/// few MB more peak RSS (README, "Figures").
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
