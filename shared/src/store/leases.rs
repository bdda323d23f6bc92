//! The rate lease table in PostgreSQL ([`crate::http::lease`] explains the scheme). One
//! renewal is one transaction: the key's shared-rate row is locked (`FOR UPDATE`), so the
//! renewals of one key are serialized and each sees the others' shares as committed.
//! Every expiry is judged by the database's clock, never a container's.

use super::postgres::with_timeouts;
use super::{StoreError, redact_url};
use crate::http::lease::{Grant, LeaseError, RateLeases, Renewal, SharedRate, share};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

pub struct PgLeases {
    pool: PgPool,
}

impl PgLeases {
    /// Connects (one connection: renewals are a few small transactions a second) and
    /// applies the embedded migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|_| StoreError::UnsupportedUrl(redact_url(url)))?;
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(with_timeouts(options))
            .await
            .map_err(|e| super::unreachable(url, e))?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(PgLeases { pool })
    }

    async fn renew_in(
        &self,
        tx: &mut sqlx::PgConnection,
        r: &Renewal,
    ) -> Result<Grant, sqlx::Error> {
        sqlx::query(
            "INSERT INTO rate_limits (limit_key, documented, rate, told, decreased_at, increased_at)
             VALUES ($1, $2, $2, NULL, now() - interval '1 hour', now() - interval '1 hour')
             ON CONFLICT (limit_key) DO NOTHING",
        )
        .bind(&r.key)
        .bind(r.documented)
        .execute(&mut *tx)
        .await?;
        let (documented, rate, told, decreased_at, increased_at): (
            f64,
            f64,
            Option<f64>,
            DateTime<Utc>,
            DateTime<Utc>,
        ) = sqlx::query_as(
            "SELECT documented, rate, told, decreased_at, increased_at
             FROM rate_limits WHERE limit_key = $1 FOR UPDATE",
        )
        .bind(&r.key)
        .fetch_one(&mut *tx)
        .await?;
        // After the lock: the moment this renewal really happens.
        let now: DateTime<Utc> = sqlx::query_scalar("SELECT clock_timestamp()")
            .fetch_one(&mut *tx)
            .await?;
        let next = SharedRate {
            documented,
            rate,
            told,
            decreased_at,
            increased_at,
        }
        .next(r.documented, &r.report, now);
        sqlx::query(
            "UPDATE rate_limits SET documented = $2, rate = $3, told = $4, decreased_at = $5,
             increased_at = $6 WHERE limit_key = $1",
        )
        .bind(&r.key)
        .bind(next.documented)
        .bind(next.rate)
        .bind(next.told)
        .bind(next.decreased_at)
        .bind(next.increased_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM rate_leases WHERE limit_key = $1 AND expires_at <= $2")
            .bind(&r.key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let others: Vec<f64> = sqlx::query_scalar(
            "SELECT share FROM rate_leases WHERE limit_key = $1 AND holder <> $2",
        )
        .bind(&r.key)
        .bind(&r.holder)
        .fetch_all(&mut *tx)
        .await?;
        let mine = share(next.rate, &others);
        let ttl = chrono::TimeDelta::from_std(r.ttl).unwrap_or(chrono::TimeDelta::seconds(3));
        sqlx::query(
            "INSERT INTO rate_leases (limit_key, holder, lease_id, share, expires_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (limit_key, holder) DO UPDATE
             SET lease_id = EXCLUDED.lease_id, share = EXCLUDED.share, expires_at = EXCLUDED.expires_at",
        )
        .bind(&r.key)
        .bind(&r.holder)
        .bind(&r.lease_id)
        .bind(mine)
        .bind(now + ttl)
        .execute(&mut *tx)
        .await?;
        Ok(Grant {
            share: mine,
            rate: next.rate,
            ceiling: next.ceiling(),
            holders: others.len() as u32 + 1,
        })
    }
}

fn failed(e: sqlx::Error) -> LeaseError {
    LeaseError::Store(e.to_string())
}

#[async_trait]
impl RateLeases for PgLeases {
    async fn renew(&self, renewal: &Renewal) -> Result<Grant, LeaseError> {
        let mut tx = self.pool.begin().await.map_err(failed)?;
        let grant = self.renew_in(&mut tx, renewal).await.map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        Ok(grant)
    }

    async fn release(&self, key: &str, holder: &str, lease_id: &str) -> Result<(), LeaseError> {
        sqlx::query(
            "DELETE FROM rate_leases WHERE limit_key = $1 AND holder = $2 AND lease_id = $3",
        )
        .bind(key)
        .bind(holder)
        .bind(lease_id)
        .execute(&self.pool)
        .await
        .map_err(failed)?;
        Ok(())
    }
}
