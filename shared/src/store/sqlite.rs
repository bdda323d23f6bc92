//! SQLite store. (Skeleton.)
#![allow(unused)]
use super::*;

pub struct SqliteStore;

impl SqliteStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Err(StoreError::UnsupportedUrl(redact_url(url)))
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn commit_window(
        &self,
        _: &Scope,
        _: &Records,
        _: DateTime<Utc>,
        _: DateTime<Utc>,
    ) -> Result<WriteStats, StoreError> {
        todo!()
    }
    async fn watermark(&self, _: &Scope) -> Result<Option<DateTime<Utc>>, StoreError> {
        todo!()
    }
    async fn keep_raw_page(&self, _: &Scope, _: &str, _: &[u8]) -> Result<String, StoreError> {
        todo!()
    }
    async fn record_run(&self, _: &RunRecord) -> Result<(), StoreError> {
        todo!()
    }
    async fn upsert_account(&self, _: &SellerAccount) -> Result<(), StoreError> {
        todo!()
    }
    async fn accounts(&self, _: Option<Market>) -> Result<Vec<SellerAccount>, StoreError> {
        todo!()
    }
    async fn set_account_enabled(&self, _: Market, _: &str, _: bool) -> Result<bool, StoreError> {
        todo!()
    }
    async fn status(&self, _: &str) -> Result<Vec<KindStatus>, StoreError> {
        todo!()
    }
    async fn totals(&self, _: Option<Market>) -> Result<Totals, StoreError> {
        todo!()
    }
}
