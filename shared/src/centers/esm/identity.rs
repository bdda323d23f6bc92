//! The store an ESM PLUS session belongs to: `GET https://www.esmplus.com/Member/
//! AntiMoneyLaundering/GetAMLSellerList` (research-esm §1a; S1 uses it for exactly this
//! check, S2 reads `SellerCustNo` from it). The body is a JSON *string* holding a JSON
//! array (encoded twice; a plain array is accepted too), items `{SiteId, SellerId,
//! SellerCustNo, …}` with `SiteId` 2 Gmarket, 1 Auction. A master account lists every
//! site id under it, so the seller's own id is looked for among its site's; a logged-out
//! call answers no JSON (S1 tells logged-out sessions apart that way).
//!
//! Sent with `X-Requested-With: XMLHttpRequest`: without it ESM began answering AJAX
//! endpoints with the full HTML page (S6, 2026-06), which would read as logged out.

use super::{Site, WWW, is_logged_out_redirect};
use crate::centers::{Expect, Session};
use crate::error::{CollectError, RawPage};
use crate::markets::lenient;
use crate::model::Market;
use reqwest::header::LOCATION;
use serde::Deserialize;
use std::sync::Arc;

pub const ENDPOINT: &str = "/Member/AntiMoneyLaundering/GetAMLSellerList";

/// One item of the list, in ESM's names (other fields are unknown and ignored).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AmlSeller {
    #[serde(rename = "SiteId", deserialize_with = "lenient::id")]
    pub site_id: String,
    #[serde(rename = "SellerId", deserialize_with = "lenient::id")]
    pub seller_id: String,
    #[serde(rename = "SellerCustNo", default, deserialize_with = "lenient::opt_id")]
    pub seller_cust_no: Option<String>,
}

/// Why a list does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    #[error("GetAMLSellerList answered no JSON")]
    NotJson,
    #[error("GetAMLSellerList is not a list of sellers ({0})")]
    Shape(String),
}

/// The list's body read: a JSON string holding the array, or the array itself.
pub fn parse_list(body: &[u8]) -> Result<Vec<AmlSeller>, ListError> {
    let outer: serde_json::Value = serde_json::from_slice(body).map_err(|_| ListError::NotJson)?;
    let inner = match outer {
        serde_json::Value::String(s) => serde_json::from_str(&s)
            .map_err(|_| ListError::Shape("a string that is no JSON".into()))?,
        v => v,
    };
    if !inner.is_array() {
        return Err(ListError::Shape("not an array".into()));
    }
    serde_json::from_value(inner).map_err(|e| ListError::Shape(e.to_string()))
}

/// The session's seller id on `site`: `store_id` when the list has it for the site, else
/// the site's first (so that the store check says "another store"); `None` when the list
/// names no seller of the site.
pub fn pick(list: &[AmlSeller], site: Site, store_id: &str) -> Option<String> {
    let site_id = site.site_id.to_string();
    let mut of_site = list.iter().filter(|s| s.site_id == site_id);
    let first = of_site.clone().next()?;
    Some(
        of_site
            .find(|s| s.seller_id == store_id.trim())
            .unwrap_or(first)
            .seller_id
            .clone(),
    )
}

fn site_name(market: Market) -> &'static str {
    match market {
        Market::Auction => "옥션",
        _ => "G마켓",
    }
}

/// The session's seller id on `site` (see [`pick`]); logged out is `SessionExpired`.
pub async fn seller_of(s: &Session, site: Site, store_id: &str) -> Result<String, CollectError> {
    let market = site.market;
    let req = s
        .client()
        .get(s.url(WWW, ENDPOINT))
        .header("x-requested-with", "XMLHttpRequest")
        .header("accept", "application/json, text/javascript, */*; q=0.01")
        .header("referer", s.url(WWW, "/Home/v2"));
    let reply = s.send(req, ENDPOINT, Expect::Json).await?;
    if reply.status.is_redirection() {
        let to = reply.header(LOCATION.as_str()).unwrap_or_default();
        if is_logged_out_redirect(s, to) {
            tracing::info!(market = %market, endpoint = ENDPOINT, "ESM PLUS sent the session to sign in");
            return Err(CollectError::SessionExpired { market });
        }
        return Err(CollectError::Rejected {
            market,
            endpoint: ENDPOINT.into(),
            detail: format!("HTTP {} to an unexpected place", reply.status.as_u16()),
        });
    }
    let list = parse_list(&reply.body).map_err(|e| match e {
        // HTML passed the session's checks (no login form): still not the list; S1 reads
        // any non-JSON answer as logged out.
        ListError::NotJson => CollectError::SessionExpired { market },
        ListError::Shape(detail) => CollectError::FormatChanged {
            market,
            endpoint: ENDPOINT.into(),
            detail,
            page_ref: String::new(),
            raw: RawPage(Arc::from(&reply.body[..])),
        },
    })?;
    pick(&list, site, store_id).ok_or_else(|| CollectError::ReloginRequired {
        market,
        message: format!(
            "ESM PLUS 세션에 {} 판매자 아이디가 없습니다 (GetAMLSellerList lists no {market} seller id under this login); nothing was collected. Log in with the account that holds the store {store_id}",
            site_name(market)
        ),
    })
}
