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
/// (`perf record`); with jemalloc (one arena, below) a 50-seller first run costs ~20% less CPU
/// per 1,000 items for Naver and ~10% for Coupang, for 3-7 MB more peak RSS; at 200 Naver
/// sellers the gain did not show (README, "Figures", 2026-12-06 evening).
///
/// It is the process's `malloc` as well (tikv-jemallocator's
/// `unprefixed_malloc_on_supported_platforms`: Linux with glibc), so SQLite's C code
/// allocates from it too. Why: under glibc's malloc SQLite's heap kept growing through a run
/// while what it held in use did not, its free space split between chunks in use (glibc
/// gives memory back only from the top of its heap). A 1,000-seller Coupang first run: that
/// heap 6.3 MB, 3.9 in use; 3.5 MB at 50 sellers. The process's anonymous peak, before and
/// after: 21.6 → 22.5 MB at 50 sellers, 25.3 → 24.3 at 1,000, 25.7 → 24.8 at 2,000 (README,
/// "Figures", 2026-12-07 morning).
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, which it reads once at its start from this symbol (its documented
/// `malloc_conf`; `_rjem_malloc_conf` where tikv-jemalloc-sys keeps its prefix). One arena
/// rather than four per core: the collector allocates on one thread and SQLite's worker,
/// and each arena kept its own free pages. A 1,000-seller Coupang first run's peak RSS:
/// 57.1 MB with four arenas per core, 54.3 with one (glibc: 51.8). Freed pages stay at
/// jemalloc's default 10 s: returned after 1 s they saved 0.7 MB more, for three times the
/// page faults (a Naver 50-seller first run: 7,566 against 22,110).
#[cfg(feature = "jemalloc")]
// Sound: a NUL-terminated string constant that jemalloc only reads, as a `const char *`
// (`&[u8; N]` is one pointer to it).
#[allow(unsafe_code)]
#[cfg_attr(
    all(target_os = "linux", target_env = "gnu"),
    unsafe(export_name = "malloc_conf")
)]
#[cfg_attr(
    not(all(target_os = "linux", target_env = "gnu")),
    unsafe(export_name = "_rjem_malloc_conf")
)]
#[used]
static JEMALLOC_CONF: &[u8; 10] = b"narenas:1\0";

#[cfg(all(test, feature = "jemalloc"))]
mod tests {
    /// The options are read from the symbol: a prefix or a symbol name that jemalloc does
    /// not look for would leave its defaults (four arenas per core) silently. On Linux with
    /// glibc this also holds jemalloc to its unprefixed build (SQLite's `malloc`): a prefixed
    /// one reads `_rjem_malloc_conf` only.
    #[test]
    fn jemalloc_starts_with_the_fleets_options() {
        assert_eq!(tikv_jemalloc_ctl::opt::narenas::read().unwrap(), 1);
    }
}
