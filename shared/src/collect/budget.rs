//! How much fetched data one collector holds at once. Every run in flight holds its window
//! (while fetching it, and then until the single writer has stored it), so without a bound
//! the process's memory grows with the number of runs in flight, not with the work. A run
//! reserves room for a window of the size windows have had so far before it fetches one,
//! and gives it back once the window is stored.

use std::sync::atomic::{AtomicU32, Ordering};
use tokio::sync::{Semaphore, SemaphorePermit};

/// Memory a window takes per byte of raw JSON it holds, measured with heaptrack
/// (Coupang and Naver, 200 sellers): while a page is read its body, its rows' raw JSON
/// and their typed forms are alive at once, about three times the raw JSON.
const BYTES_PER_RAW_BYTE: usize = 3;
/// A window's size before any was seen, as a share of the budget: a cautious guess, since
/// every run of a cycle may start at once (a run of one window, as a week of Coupang
/// orders is, never reserves with what it learned itself). Later windows use the sizes seen.
const FIRST_GUESS_SHARE: u32 = 16;

pub struct MemoryBudget {
    room: Semaphore,
    total_kib: u32,
    /// A moving average of the windows seen, in KiB.
    typical_kib: AtomicU32,
}

/// Room held for one window; given back when dropped.
pub struct Held<'a> {
    permits: Vec<SemaphorePermit<'a>>,
}

impl MemoryBudget {
    pub fn new(bytes: usize) -> Self {
        let total_kib = u32::try_from(bytes / 1024).unwrap_or(u32::MAX).max(1);
        MemoryBudget {
            room: Semaphore::new(total_kib as usize),
            total_kib,
            typical_kib: AtomicU32::new((total_kib / FIRST_GUESS_SHARE).max(1)),
        }
    }

    /// Waits until a window of the typical size fits, and holds room for it.
    pub async fn reserve(&self) -> Held<'_> {
        let permit = self
            .room
            .acquire_many(self.typical_window_kib())
            .await
            .expect("never closed");
        Held {
            permits: vec![permit],
        }
    }

    /// Room for a window of the typical size, if it fits now.
    pub fn try_reserve(&self) -> Option<Held<'_>> {
        let permit = self.room.try_acquire_many(self.typical_window_kib()).ok()?;
        Some(Held {
            permits: vec![permit],
        })
    }

    fn typical_window_kib(&self) -> u32 {
        self.typical_kib
            .load(Ordering::Relaxed)
            .clamp(1, self.total_kib)
    }

    /// The fetched window's records hold `raw_bytes` of raw JSON: learn the size, and
    /// hold the part beyond the reservation if there is room. This never waits: the
    /// memory is already in use, and two runs waiting for each other's room would never
    /// go on. A window larger than its reservation delays the next reservations instead.
    pub fn settle<'a>(&'a self, held: &mut Held<'a>, raw_bytes: usize) {
        let kib = u32::try_from(raw_bytes * BYTES_PER_RAW_BYTE / 1024)
            .unwrap_or(u32::MAX)
            .clamp(1, self.total_kib);
        let reserved: u32 = held.permits.iter().map(|p| p.num_permits() as u32).sum();
        if kib > reserved
            && let Ok(more) = self.room.try_acquire_many(kib - reserved)
        {
            held.permits.push(more);
        }
        let old = self.typical_kib.load(Ordering::Relaxed);
        self.typical_kib.store(
            ((old as u64 * 3 + kib as u64) / 4) as u32,
            Ordering::Relaxed,
        );
    }

    #[cfg(test)]
    fn available_kib(&self) -> usize {
        self.room.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reservations_wait_for_room_and_learn_the_size_of_windows() {
        let budget = MemoryBudget::new(1024 * 1024);
        // Before any window was seen: a sixteenth of the budget.
        let mut a = budget.reserve().await;
        assert_eq!(budget.available_kib(), 1024 - 64);
        // A 300 KiB window of raw JSON takes ~900 KiB: the excess is held too.
        budget.settle(&mut a, 300 * 1024);
        assert_eq!(budget.available_kib(), 1024 - 900);
        // The next reservation expects a bigger window (273 KiB) than there is room for:
        // it waits until the first window is stored.
        let b = budget.reserve();
        tokio::pin!(b);
        assert!(futures::poll!(&mut b).is_pending());
        drop(a);
        let b = b.await;
        assert_eq!(budget.available_kib(), 1024 - 273);
        assert!(budget.try_reserve().is_some(), "another fits beside it");
        let c = budget.reserve().await;
        assert_eq!(budget.available_kib(), 1024 - 2 * 273);
        drop((b, c));
        assert_eq!(budget.available_kib(), 1024);
    }

    #[tokio::test]
    async fn a_window_larger_than_the_budget_still_goes_through_alone() {
        let budget = MemoryBudget::new(64 * 1024);
        let mut a = budget.reserve().await;
        budget.settle(&mut a, 10 << 20);
        assert_eq!(budget.available_kib(), 0, "it holds the whole budget");
        assert!(budget.try_reserve().is_none(), "nothing fits beside it");
        let b = budget.reserve();
        tokio::pin!(b);
        assert!(futures::poll!(&mut b).is_pending(), "others wait for it");
        drop(a);
        drop(b.await);
        assert_eq!(budget.available_kib(), 64);
    }
}
