//! Naver 스마트스토어센터 (seller-centers.md §1): two logins, chosen by the seller's
//! `center.login`: the commerce account (`accounts.commerce.naver.com/graphql` `idLogin`,
//! [`login`]) or a Naver ID (`nid.naver.com/nidlogin.login` with RSA `encpw` and LZString
//! `bvsd`, then the commerce SSO, [`nid`]); both end in `sell.smartstore.naver.com/api/login`
//! and its `X-NCP-LOGIN-INFO`. Reviews from `POST /api/v3/contents/reviews/search`.

mod login;
pub mod nid;
mod reviews;

pub use reviews::{parse_page, review_search_body};

use super::{CenterLogin, CenterSpec, LoginMethod, LoginOutcome, Secret, SellerCenter, Session};
use crate::error::CollectError;
use crate::markets::{KindPlan, Span};
use crate::model::{Kind, Market, Records, Rejected, Window};
use async_trait::async_trait;
use chrono::Duration;

/// The commerce-account login host.
pub const ACCOUNTS: &str = "accounts.commerce.naver.com";
/// The seller center itself.
pub const SELL: &str = "sell.smartstore.naver.com";
/// The Naver ID login host.
pub const NID: &str = "nid.naver.com";

pub static CENTER: CenterSpec = CenterSpec {
    market: Market::Naver,
    name: "네이버 스마트스토어센터",
    login_hosts: &[ACCOUNTS, NID],
    plans: &[KindPlan {
        kind: Kind::Reviews,
        // The search takes whole KST days; a range limit is unknown (a working script
        // splits history into windows of at most a year): a month per window.
        span: Span::KstDays(31),
        max_range: None,
        // Replies and edits change reviews after they are written: the last 2 days again.
        lookback: Duration::days(2),
        backfill: Duration::days(30),
        max_history: Duration::days(365),
    }],
    center: &NaverCenter,
};

pub struct NaverCenter;

#[async_trait]
impl SellerCenter for NaverCenter {
    async fn login(&self, s: &Session, login: &CenterLogin) -> Result<LoginOutcome, CollectError> {
        match login.login {
            LoginMethod::Center => login::log_in(s, login).await,
            LoginMethod::NaverId => nid::log_in(s, login).await,
        }
    }

    async fn submit_code(
        &self,
        s: &Session,
        login: &CenterLogin,
        pending: &serde_json::Value,
        code: &Secret,
    ) -> Result<LoginOutcome, CollectError> {
        // The saved state says which login waits (the seller may have switched since).
        if nid::is_pending(pending) {
            nid::submit_code(s, login, pending, code).await
        } else {
            login::submit_code(s, login, pending, code).await
        }
    }

    async fn identity(&self, s: &Session, _: &CenterLogin) -> Result<String, CollectError> {
        login::channel_of(s).await.map(|info| info.channel_no)
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
                "the naver seller center is read for reviews only, not {other}"
            ))),
        }
    }

    fn reread(&self, kind: Kind, rejected: &Rejected) -> Result<Records, String> {
        match kind {
            Kind::Reviews => reviews::reread(rejected),
            other => Err(format!("no {other} from the naver seller center")),
        }
    }
}
