//! Coupang Wing Open API. (Skeleton: the connector lands with its own commit.)

use super::{ConnectCtx, Connector, KindPlan, MarketSpec, Span};
use crate::error::CollectError;
use crate::model::{Kind, Market};
use chrono::Duration;

pub static SPEC: MarketSpec = MarketSpec {
    market: Market::Coupang,
    base_url: "https://api-gateway.coupang.com",
    plans: &[KindPlan {
        kind: Kind::Orders,
        span: Span::KstDays(31),
        lookback: Duration::days(7),
        backfill: Duration::days(7),
    }],
    not_by_api: &[(Kind::Reviews, "no review API; WING seller-center only")],
    connect,
};

fn connect(_ctx: ConnectCtx) -> Result<Box<dyn Connector>, CollectError> {
    Err(CollectError::Internal(
        "coupang connector not built yet".into(),
    ))
}
