//! Shards that follow the sellers. Each market has one schedule per kind; a firing arrives
//! without a shard, and this invocation (the planner) counts the market's enabled sellers,
//! asks `sellerbox::plan` how many shards the cycle needs from the market's limits and the
//! runs table's measured cost per seller, and starts each shard as an asynchronous
//! invocation of this same function. A shard takes the sellers whose stable hash falls in
//! it, so the shards are disjoint and a seller stays in its shard while the count holds.
//!
//! Why self-invocation and not a Step Functions Map: a shard is one invocation of the
//! function that already exists, started by one API call each; a state machine would add
//! a resource, a role and a second place where a cycle can fail, for a fan-out of a few
//! invocations that needs no waiting on results (each shard records its own runs).
//!
//! Schedules and asynchronous invocations are delivered at least once. Every part of a
//! firing is a claim row (`Store::claim`): the plan (its shard count: a redelivery uses
//! the first planner's count, not a new one), the start of each shard, and each shard's
//! collection. A duplicate finds its part taken and does nothing; a start that failed is
//! given back, so the schedule's retry starts just the shards that did not start.

use super::app::App;
use super::event::{Command, Shard};
use crate::centers;
use crate::error::CollectError;
use crate::markets;
use crate::model::{Kind, Market, SellerAccount};
use crate::plan::{self, Containers, Prices};
use crate::store::{CycleClaim, CyclePart, RunCost};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Starts one shard of a firing.
#[async_trait]
pub trait ShardStarter: Send + Sync {
    async fn start(&self, shard: &Command) -> Result<(), CollectError>;
}

/// Starts shards as asynchronous invocations of a Lambda function (this one's live alias,
/// `SELLERBOX_SHARD_FUNCTION`).
pub struct LambdaStarter {
    client: aws_sdk_lambda::Client,
    function: String,
}

impl LambdaStarter {
    pub fn new(client: aws_sdk_lambda::Client, function: impl Into<String>) -> Self {
        LambdaStarter {
            client,
            function: function.into(),
        }
    }
}

#[async_trait]
impl ShardStarter for LambdaStarter {
    async fn start(&self, shard: &Command) -> Result<(), CollectError> {
        let payload = serde_json::to_vec(shard)
            .map_err(|e| CollectError::Internal(format!("a shard's command: {e}")))?;
        let answer = self
            .client
            .invoke()
            .function_name(&self.function)
            .invocation_type(aws_sdk_lambda::types::InvocationType::Event)
            .payload(aws_sdk_lambda::primitives::Blob::new(payload))
            .send()
            .await
            .map_err(|e| {
                CollectError::Internal(format!(
                    "Lambda did not take the shard's invocation of {}: {}",
                    self.function,
                    aws_sdk_lambda::error::DisplayErrorContext(&e)
                ))
            })?;
        // An asynchronous invocation is queued with 202; anything else did not queue it.
        if answer.status_code() != 202 {
            return Err(CollectError::Internal(format!(
                "Lambda answered {} to the shard's asynchronous invocation of {}, not 202",
                answer.status_code(),
                self.function
            )));
        }
        Ok(())
    }
}

/// How far back the runs table is read for the cost per seller: the last few cycles are
/// today's cost, and reading a week every 10 minutes would cost more than it tells.
const MEASURED_HOURS: i64 = 2;

/// Claims are kept this long (a firing's retries end within hours).
const CLAIMS_KEPT_DAYS: i64 = 3;

/// A seller's shard: a stable hash of its id modulo the shard count.
pub fn stable_shard(seller_id: &str, count: u32) -> u32 {
    let digest = Sha256::digest(seller_id.as_bytes());
    let n = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    (n % u64::from(count.max(1))) as u32
}

/// The accounts a shard collects: the enabled ones whose hash falls in it.
pub fn shard_accounts(accounts: Vec<SellerAccount>, shard: Option<Shard>) -> Vec<SellerAccount> {
    accounts
        .into_iter()
        .filter(|a| a.enabled)
        .filter(|a| shard.is_none_or(|s| stable_shard(&a.seller_id, s.count) == s.index))
        .collect()
}

/// The shards a firing of `kinds` needs for `sellers` sellers: the plan's count for the
/// busiest kind (`sellerbox plan` shows the same figures).
pub fn shard_count(
    market: Market,
    kinds: &[Kind],
    sellers: u64,
    runs: &[RunCost],
    containers: &Containers,
) -> u32 {
    let Some(spec) = markets::spec(market) else {
        return 0;
    };
    kinds
        .iter()
        .filter_map(|&kind| spec.plan(kind).or_else(|| centers::plan(market, kind)))
        .map(|kind_plan| {
            let demand = plan::demand(runs, spec, kind_plan);
            let capacity = plan::plan_kind(
                spec,
                kind_plan.kind,
                sellers,
                demand,
                containers,
                &Prices::default(),
            );
            u32::try_from(capacity.shards).unwrap_or(u32::MAX)
        })
        .max()
        .unwrap_or(0)
}

/// A schedule's name in claims: its kinds and lookback (`orders`, `orders~7d`), so the
/// orders schedule and the reconciliation firing at the same minute are two firings.
pub fn schedule_name(kinds: &[Kind], lookback: Option<&str>) -> String {
    let mut names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    names.sort_unstable();
    let mut name = names.join("+");
    if let Some(l) = lookback {
        name.push('~');
        name.push_str(l);
    }
    name
}

impl App {
    /// A firing of the schedule: plan the shards and start the ones not started yet.
    pub(super) async fn start_cycle(
        &self,
        c: &Command,
        at: DateTime<Utc>,
        kinds: Vec<Kind>,
    ) -> Result<Value, CollectError> {
        let starter = self.starter.as_deref().ok_or_else(|| {
            CollectError::InvalidInput(
                "a schedule's firing starts shards through Lambda, and SELLERBOX_SHARD_FUNCTION is not set (template.yaml sets it); to collect here, send the command with a shard".into(),
            )
        })?;
        let now = (self.collector.clock)();
        let schedule = schedule_name(&kinds, c.lookback.as_deref());
        let sellers = shard_accounts(self.store.accounts(Some(self.market)).await?, None).len();
        let runs = self
            .store
            .run_costs(Some(self.market), now - Duration::hours(MEASURED_HOURS))
            .await?;
        let containers = Containers {
            concurrency: u32::try_from(self.settings.concurrency).unwrap_or(u32::MAX),
            ..Containers::default()
        };
        let planned = shard_count(self.market, &kinds, sellers as u64, &runs, &containers);
        let claim = |part| CycleClaim {
            market: self.market,
            schedule: schedule.clone(),
            scheduled_at: at,
            part,
        };
        let plan = self
            .store
            .claim(&claim(CyclePart::Plan { shards: planned }), now)
            .await?;
        if plan.first {
            self.store
                .prune_claims(at - Duration::days(CLAIMS_KEPT_DAYS))
                .await?;
        }
        let count = plan.shards;
        let mut started = Vec::new();
        let mut failure = None;
        for index in 0..count {
            let start = claim(CyclePart::Start { index, count });
            if !self.store.claim(&start, now).await?.first {
                continue;
            }
            let shard = Command {
                kinds: kinds.clone(),
                lookback: c.lookback.clone(),
                shard: Some(Shard { index, count }),
                scheduled: Some(at),
                ..Command::default()
            };
            match starter.start(&shard).await {
                Ok(()) => started.push(index),
                Err(e) => {
                    // Given back: the schedule's retry starts this shard.
                    self.store.release(&start).await?;
                    tracing::warn!(market = %self.market, %schedule, shard = index, count,
                        error = %e, "a shard did not start");
                    failure = Some(e);
                }
            }
        }
        tracing::info!(market = %self.market, %schedule, scheduled = %at, sellers, shards = count,
            started = started.len(), duplicate = !plan.first, "cycle planned");
        if let Some(e) = failure {
            return Err(e);
        }
        Ok(json!({
            "market": self.market,
            "schedule": schedule,
            "scheduled": at,
            "sellers": sellers,
            "shards": count,
            "started": started,
            "duplicate": !plan.first,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_sellers_stably() {
        let mut seen = [0u32; 4];
        for i in 0..1000 {
            let s = format!("seller-{i}");
            let shard = stable_shard(&s, 4);
            assert_eq!(shard, stable_shard(&s, 4));
            seen[shard as usize] += 1;
        }
        assert!(seen.iter().all(|&n| n > 150), "{seen:?}");
        assert_eq!(stable_shard("x", 1), 0);
    }

    #[test]
    fn a_schedule_is_named_by_its_kinds_and_lookback() {
        assert_eq!(schedule_name(&[Kind::Orders], None), "orders");
        assert_eq!(schedule_name(&[Kind::Orders], Some("7d")), "orders~7d");
        assert_eq!(
            schedule_name(&[Kind::Settlements, Kind::Inquiries], None),
            schedule_name(&[Kind::Inquiries, Kind::Settlements], None)
        );
    }

    #[test]
    fn more_sellers_or_slower_sellers_need_more_shards() {
        let c = Containers::default();
        let none = shard_count(Market::Coupang, &[Kind::Orders], 0, &[], &c);
        assert_eq!(none, 0);
        let few = shard_count(Market::Coupang, &[Kind::Orders], 10, &[], &c);
        assert_eq!(few, 1);
        let slow = |secs| RunCost {
            market: Market::Coupang,
            kind: Kind::Orders,
            window: chrono::Duration::days(7),
            duration: chrono::Duration::seconds(secs),
            requests: 20,
        };
        let measured_30s = vec![slow(30); 5];
        let measured_90s = vec![slow(90); 5];
        let a = shard_count(Market::Coupang, &[Kind::Orders], 1000, &measured_30s, &c);
        let b = shard_count(Market::Coupang, &[Kind::Orders], 1000, &measured_90s, &c);
        assert!(a >= 1 && b > a, "{a} {b}");
        let more = shard_count(Market::Coupang, &[Kind::Orders], 5000, &measured_30s, &c);
        assert!(more > a, "{a} {more}");
    }
}
