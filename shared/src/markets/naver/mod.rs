//! Naver Commerce API. (Skeleton: the connector lands with its own commit.)

use super::{ConnectCtx, Connector, KindPlan, MarketSpec, Span};
use crate::error::CollectError;
use crate::model::{Kind, Market};
use chrono::Duration;

pub static SPEC: MarketSpec = MarketSpec {
    market: Market::Naver,
    base_url: "https://api.commerce.naver.com/external",
    plans: &[KindPlan {
        kind: Kind::Orders,
        span: Span::Hours(24),
        lookback: Duration::minutes(30),
        backfill: Duration::days(7),
    }],
    not_by_api: &[(Kind::Reviews, "no review API; Smart Store Center only")],
    connect,
};

fn connect(_ctx: ConnectCtx) -> Result<Box<dyn Connector>, CollectError> {
    Err(CollectError::Internal(
        "naver connector not built yet".into(),
    ))
}
