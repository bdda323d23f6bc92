//! Access tokens cached per account until near expiry, fetched once when many tasks need
//! the same one at the same time.

use crate::error::CollectError;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One account's token; its async lock makes concurrent callers wait for one fetch.
type Slot = Arc<tokio::sync::Mutex<Option<Cached>>>;

#[derive(Default, Clone)]
pub struct TokenCache {
    slots: Arc<Mutex<HashMap<String, Slot>>>,
}

#[derive(Clone)]
struct Cached {
    token: String,
    expires_at: Instant,
}

impl TokenCache {
    fn slot(&self, key: &str) -> Slot {
        self.slots
            .lock()
            .expect("token cache lock")
            .entry(key.to_string())
            .or_default()
            .clone()
    }

    /// The cached token for `key` if it has more than `margin` left, else a new one from
    /// `fetch` (which returns the token and its lifetime).
    pub async fn get_or_fetch<F, Fut>(
        &self,
        key: &str,
        margin: Duration,
        fetch: F,
    ) -> Result<String, CollectError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(String, Duration), CollectError>>,
    {
        let slot = self.slot(key);
        let mut guard = slot.lock().await;
        if let Some(c) = guard
            .as_ref()
            .filter(|c| c.expires_at > Instant::now() + margin)
        {
            return Ok(c.token.clone());
        }
        let (token, ttl) = fetch().await?;
        *guard = Some(Cached {
            token: token.clone(),
            expires_at: Instant::now() + ttl,
        });
        Ok(token)
    }

    /// Forget `key`'s token if it is still `token` (the marketplace refused it).
    pub async fn invalidate(&self, key: &str, token: &str) {
        let slot = self.slot(key);
        let mut guard = slot.lock().await;
        if guard.as_ref().is_some_and(|c| c.token == token) {
            *guard = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn a_fresh_token_is_reused_and_an_invalidated_one_is_fetched_again() {
        let cache = TokenCache::default();
        let fetches = AtomicU32::new(0);
        let fetch = || async {
            let n = fetches.fetch_add(1, Ordering::SeqCst);
            Ok((format!("t{n}"), Duration::from_secs(3 * 3600)))
        };
        let margin = Duration::from_secs(600);
        assert_eq!(cache.get_or_fetch("a", margin, fetch).await.unwrap(), "t0");
        assert_eq!(cache.get_or_fetch("a", margin, fetch).await.unwrap(), "t0");
        cache.invalidate("a", "t0").await;
        assert_eq!(cache.get_or_fetch("a", margin, fetch).await.unwrap(), "t1");
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_token_near_expiry_is_replaced() {
        let cache = TokenCache::default();
        let short = || async { Ok(("old".to_string(), Duration::from_secs(60))) };
        let long = || async { Ok(("new".to_string(), Duration::from_secs(3600))) };
        let margin = Duration::from_secs(600);
        assert_eq!(cache.get_or_fetch("a", margin, short).await.unwrap(), "old");
        assert_eq!(cache.get_or_fetch("a", margin, long).await.unwrap(), "new");
    }
}
