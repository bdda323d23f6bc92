//! Coupang WING (seller-centers.md §2): the Keycloak login of realm `seller` through WING's
//! redirect chain, the code WING sends to a new device, and reviews from
//! `POST /tenants/cs/product/review/search`. Everything else of Coupang comes from the
//! Open API (`markets::coupang`).

mod login;
mod reviews;
#[cfg(test)]
mod tests;

pub use login::{PageKind, classify};
pub use reviews::{PAGE_SIZE, Page, parse_page, review_search_body};

use super::{CenterLogin, CenterSpec, LoginOutcome, Secret, SellerCenter, Session};
use crate::error::CollectError;
use crate::markets::{KindPlan, Span};
use crate::model::{Kind, Market, Records, Rejected, Window};
use async_trait::async_trait;
use chrono::Duration;

/// The seller console.
pub const WING: &str = "wing.coupang.com";
/// Coupang's Keycloak (realm `seller`, client `wing`).
pub const XAUTH: &str = "xauth.coupang.com";
/// Where expired sessions are sent besides xauth (seller-centers.md §2.1 "Expiry").
pub const LOGIN: &str = "login.coupang.com";
/// The longest search WING accepts is one month ("검색 기간은 1개월 이내로 지정해주세요."):
/// 28 dates are inside it whatever the month.
pub const MAX_DAYS: i64 = 28;

pub static CENTER: CenterSpec = CenterSpec {
    market: Market::Coupang,
    name: "쿠팡 WING",
    login_hosts: &[XAUTH, LOGIN],
    plans: &[KindPlan {
        kind: Kind::Reviews,
        span: Span::KstDays(MAX_DAYS),
        max_range: Some(Span::KstDays(MAX_DAYS)),
        // The search lists by the review's date; edits and blinding change older ones.
        lookback: Duration::days(2),
        backfill: Duration::days(30),
        max_history: Duration::days(365),
    }],
    center: &WingCenter,
};

pub struct WingCenter;

#[async_trait]
impl SellerCenter for WingCenter {
    async fn login(&self, s: &Session, login: &CenterLogin) -> Result<LoginOutcome, CollectError> {
        login::log_in(s, login).await
    }

    async fn submit_code(
        &self,
        s: &Session,
        login: &CenterLogin,
        pending: &serde_json::Value,
        code: &Secret,
    ) -> Result<LoginOutcome, CollectError> {
        login::submit_code(s, login, pending, code).await
    }

    async fn identity(&self, s: &Session, _: &CenterLogin) -> Result<String, CollectError> {
        reviews::vendor_of(s).await
    }

    async fn fetch(
        &self,
        s: &Session,
        kind: Kind,
        window: Window,
    ) -> Result<Records, CollectError> {
        match kind {
            Kind::Reviews => reviews::fetch(s, window).await,
            other => Err(CollectError::InvalidInput(format!(
                "the coupang WING seller center is read for reviews only, not {other}"
            ))),
        }
    }

    fn reread(&self, kind: Kind, rejected: &Rejected) -> Result<Records, String> {
        match kind {
            Kind::Reviews => reviews::reread(rejected),
            other => Err(format!("no {other} from the coupang WING seller center")),
        }
    }
}
