//! Counters of one collection run: what it cost the marketplace's limits.

use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, Default)]
pub struct Meter {
    inner: Arc<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    pages: AtomicU64,
    throttled: AtomicU64,
    retries: AtomicU64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MeterSnapshot {
    pub requests: u64,
    pub pages: u64,
    pub throttled: u64,
    pub retries: u64,
}

impl Meter {
    pub fn request(&self) {
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
    }
    pub fn page(&self) {
        self.inner.pages.fetch_add(1, Ordering::Relaxed);
    }
    pub fn throttled(&self) {
        self.inner.throttled.fetch_add(1, Ordering::Relaxed);
    }
    pub fn retry(&self) {
        self.inner.retries.fetch_add(1, Ordering::Relaxed);
    }
    pub fn snapshot(&self) -> MeterSnapshot {
        MeterSnapshot {
            requests: self.inner.requests.load(Ordering::Relaxed),
            pages: self.inner.pages.load(Ordering::Relaxed),
            throttled: self.inner.throttled.load(Ordering::Relaxed),
            retries: self.inner.retries.load(Ordering::Relaxed),
        }
    }
}
