//! The unified records every marketplace normalizes into.
//!
//! Money is integer KRW (`i64`), times are UTC. Every record keeps the marketplace's raw
//! JSON so that nothing the marketplace said is lost, and a content hash so that the store
//! can tell "unchanged" from "updated" without comparing every column.

mod hash;
mod raw;
pub(crate) mod rfc3339;
mod status;

pub use crate::markets::{Market, UnknownMarket};
pub use hash::{OrderHashes, content_hash};
pub use raw::RawJson;
pub use status::{Status, StatusCode};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Korea Standard Time: every marketplace here speaks it; we store UTC and show KST.
pub fn kst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset")
}

/// The instant a KST day starts.
pub fn kst_midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN)
        .and_local_timezone(kst())
        .single()
        .expect("KST has no gaps")
        .with_timezone(&Utc)
}

/// The kinds of data collected per seller. Claims (cancel, return, exchange) travel with
/// `Orders`: they change an order item's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Orders,
    Settlements,
    Reviews,
    Inquiries,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Orders,
        Kind::Settlements,
        Kind::Reviews,
        Kind::Inquiries,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Orders => "orders",
            Kind::Settlements => "settlements",
            Kind::Reviews => "reviews",
            Kind::Inquiries => "inquiries",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown kind {0:?}; known kinds: orders, settlements, reviews, inquiries")]
pub struct UnknownKind(pub String);

impl FromStr for Kind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| UnknownKind(s.to_string()))
    }
}

/// One seller's account on one marketplace, as the store knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SellerAccount {
    pub market: Market,
    pub seller_id: String,
    /// Where the credentials live: a Secrets Manager secret name, or a key of the local
    /// credentials file.
    pub secret_name: String,
    pub enabled: bool,
    /// Per-seller options (e.g. opt-ins); free-form JSON object.
    #[serde(default)]
    pub options: serde_json::Value,
}

/// A half-open time range `[from, to)` collected in one go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Window {
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Window { from, to }
    }

    /// The KST days `[first, last]`, from the first's midnight to the midnight after the
    /// last: the inverse of [`Window::kst_dates`].
    pub fn of_kst_days(first: NaiveDate, last: NaiveDate) -> Self {
        Window::new(
            kst_midnight(first),
            kst_midnight(last + chrono::Duration::days(1)),
        )
    }

    /// First and last KST calendar day the window touches (both inclusive).
    pub fn kst_dates(&self) -> (NaiveDate, NaiveDate) {
        let last = self.to - chrono::Duration::milliseconds(1);
        (
            self.from.with_timezone(&kst()).date_naive(),
            last.max(self.from).with_timezone(&kst()).date_naive(),
        )
    }
}

/// An order as the seller sees it: one purchase, one or more items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub order_id: String,
    #[serde(serialize_with = "rfc3339::at")]
    pub ordered_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339::opt_at")]
    pub paid_at: Option<DateTime<Utc>>,
    /// What the buyer paid for the whole order, integer KRW.
    pub total_krw: i64,
    pub shipping_fee_krw: i64,
    pub items: Vec<OrderItem>,
    /// The marketplace's own JSON for this order.
    pub raw: RawJson,
}

/// One line of an order; the unit whose status moves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderItem {
    /// The market's id of this line (Coupang vendorItemId within the order, Naver
    /// productOrderId).
    pub item_id: String,
    pub product_id: String,
    pub product_name: String,
    pub option_name: Option<String>,
    pub quantity: i32,
    pub unit_price_krw: i64,
    pub amount_krw: i64,
    /// The status as the market reported it, mapped to the canonical one.
    pub status: StatusCode,
    /// When the market says the status last changed, if it says so.
    #[serde(serialize_with = "rfc3339::opt_at")]
    pub status_changed_at: Option<DateTime<Utc>>,
}

/// The kind of a claim: what the buyer asked for after paying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimType {
    Cancel,
    Return,
    Exchange,
}

impl ClaimType {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimType::Cancel => "cancel",
            ClaimType::Return => "return",
            ClaimType::Exchange => "exchange",
        }
    }
}

/// A cancel, return or exchange request reported apart from the order listing (Coupang's
/// returnRequests / exchangeRequests). It overrides the status of the items it names for as
/// long as it is active; a rejected or withdrawn claim has `status: None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    pub claim_id: String,
    pub claim_type: ClaimType,
    pub order_id: String,
    /// The order items the claim covers (same ids as `OrderItem::item_id`).
    pub item_ids: Vec<String>,
    /// The canonical status the claim puts its items in, or `None` once it no longer
    /// applies (rejected, withdrawn). `raw` keeps the market's code either way.
    pub status: Option<Status>,
    pub raw_status: String,
    #[serde(serialize_with = "rfc3339::at")]
    pub requested_at: DateTime<Utc>,
    pub raw: RawJson,
}

/// One settlement line: money the marketplace owes (or takes back from) the seller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settlement {
    /// Unique per seller and market; built by the normalizer from the market's keys.
    pub settlement_id: String,
    pub order_id: Option<String>,
    pub item_id: Option<String>,
    /// The market's own type of the line (SALE, REFUND, DELIVERY, ...).
    pub line_type: String,
    /// The day the amount counts for (recognition / basis date), KST.
    pub basis_date: NaiveDate,
    /// The day it is (or was) paid out, KST, when known.
    pub payout_date: Option<NaiveDate>,
    pub sale_krw: i64,
    /// Commissions and fees, as a positive number taken from the sale.
    pub fee_krw: i64,
    /// What the seller receives for this line (negative for refunds).
    pub settlement_krw: i64,
    pub raw: RawJson,
}

/// A buyer's product review (read from the seller centers: no API has them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub review_id: String,
    pub product_id: String,
    pub order_id: Option<String>,
    /// Stars (1-5), or the market's satisfaction flag as 5 / 1 where it has no stars.
    pub rating: Option<i16>,
    pub content: String,
    /// The photos' (and videos') URLs, as the market lists them.
    #[serde(default)]
    pub photos: Vec<String>,
    #[serde(serialize_with = "rfc3339::at")]
    pub created_at: DateTime<Utc>,
    /// Whether the seller has replied; `None` where the market does not say (never
    /// guessed as "unanswered").
    #[serde(default)]
    pub replied: Option<bool>,
    #[serde(default, serialize_with = "rfc3339::opt_at")]
    pub replied_at: Option<DateTime<Utc>>,
    pub raw: RawJson,
}

/// Where a buyer's question was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InquiryChannel {
    /// A public question on the product page (상품문의 / Q&A).
    Product,
    /// A private question about an order (고객문의 / 주문문의).
    Order,
    /// Forwarded by the marketplace's own call center.
    CallCenter,
}

impl InquiryChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            InquiryChannel::Product => "product",
            InquiryChannel::Order => "order",
            InquiryChannel::CallCenter => "call_center",
        }
    }
}

/// A buyer's question and, once given, the seller's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inquiry {
    pub inquiry_id: String,
    pub channel: InquiryChannel,
    pub product_id: Option<String>,
    pub order_id: Option<String>,
    pub title: Option<String>,
    pub content: String,
    #[serde(serialize_with = "rfc3339::at")]
    pub asked_at: DateTime<Utc>,
    pub answered: bool,
    #[serde(serialize_with = "rfc3339::opt_at")]
    pub answered_at: Option<DateTime<Utc>>,
    pub answer: Option<String>,
    pub raw: RawJson,
}

/// A record the normalizer could not read. It is not the end of the seller's cycle: the
/// rest of the page is stored, and this one is kept as sent, with the reason, counted in
/// the run and shown in `status`, and read again by later runs, so that once the code
/// learns its shape it is stored without a backfill by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejected {
    pub key: RejectKey,
    /// What could not be read: a field's path and the problem, never its value.
    pub reason: String,
    pub raw: RawJson,
}

/// Which rejected record: the endpoint it came from and its own id there (or, when even
/// the id cannot be read, a digest of its JSON).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RejectKey {
    pub endpoint: String,
    pub record_key: String,
}

/// What one fetch of one window returned, normalized. A connector fills the vectors of
/// the kind it was asked for; the store writes them in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Records {
    pub orders: Vec<Order>,
    pub claims: Vec<Claim>,
    pub settlements: Vec<Settlement>,
    pub reviews: Vec<Review>,
    pub inquiries: Vec<Inquiry>,
    /// Records of this window that could not be read.
    pub rejected: Vec<Rejected>,
    /// Records rejected by earlier runs that now read (their rows are among the above).
    pub resolved: Vec<RejectKey>,
    /// Complete listings of the seller's open (unanswered) inquiries, for markets whose API
    /// shows only those (SSG): a stored open inquiry of a listing's channel and range that
    /// the listing did not show has been answered, and is recorded so.
    #[serde(default)]
    pub open_inquiries: Vec<OpenInquiries>,
    /// Complete listings of the seller's open claims of one raw status, for markets whose
    /// API lists only open ones and drops a withdrawn one without a word (SSG's cancel
    /// requests): a stored claim of that status and range that the listing did not show no
    /// longer applies, and is recorded so.
    #[serde(default)]
    pub open_claims: Vec<OpenClaims>,
}

/// A complete, successful listing of every still-unanswered inquiry of one channel asked
/// in `asked`: the inquiries in `Records::inquiries` of that channel are all that are
/// open. The store marks every other stored open inquiry of the seller, market and channel
/// asked in the range answered, `answered_at` = when this was observed. A connector adds
/// one only after every page of the listing read without a rejected row: a failed or
/// partial listing proves nothing and marks nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenInquiries {
    pub channel: InquiryChannel,
    pub asked: Window,
}

/// A complete, successful listing of every still-open claim in `raw_status` requested in
/// `requested`: the claims of that raw status in `Records::claims` are all that are open.
/// The store closes every other stored, still-active claim of the seller and market in that
/// raw status requested in the range: its status becomes `None` (it no longer applies, so
/// its items fall back to their order's status) and its raw status `closed_raw_status`. A
/// connector adds one only after the whole listing read without a rejected row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenClaims {
    pub raw_status: String,
    pub closed_raw_status: String,
    pub requested: Window,
}

impl Records {
    /// Stored records (rejected ones not counted).
    pub fn len(&self) -> usize {
        self.orders.len()
            + self.claims.len()
            + self.settlements.len()
            + self.reviews.len()
            + self.inquiries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
            && self.rejected.is_empty()
            && self.resolved.is_empty()
            && self.open_inquiries.is_empty()
            && self.open_claims.is_empty()
    }

    /// The raw JSON these records hold, in bytes: what their memory is proportional to.
    pub fn raw_bytes(&self) -> usize {
        let raw = |r: &RawJson| r.len();
        self.orders.iter().map(|o| raw(&o.raw)).sum::<usize>()
            + self.claims.iter().map(|c| raw(&c.raw)).sum::<usize>()
            + self.settlements.iter().map(|s| raw(&s.raw)).sum::<usize>()
            + self.reviews.iter().map(|r| raw(&r.raw)).sum::<usize>()
            + self.inquiries.iter().map(|q| raw(&q.raw)).sum::<usize>()
            + self.rejected.iter().map(|r| raw(&r.raw)).sum::<usize>()
    }

    /// Adds another fetch's records to these.
    pub fn extend(&mut self, other: Records) {
        self.orders.extend(other.orders);
        self.claims.extend(other.claims);
        self.settlements.extend(other.settlements);
        self.reviews.extend(other.reviews);
        self.inquiries.extend(other.inquiries);
        self.rejected.extend(other.rejected);
        self.resolved.extend(other.resolved);
        self.open_inquiries.extend(other.open_inquiries);
        self.open_claims.extend(other.open_claims);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn market_and_kind_parse_their_own_names_and_reject_others() {
        for &m in Market::ALL {
            assert_eq!(m.as_str().parse::<Market>().unwrap(), m);
            assert_eq!(serde_json::to_value(m).unwrap(), m.as_str());
        }
        for k in Kind::ALL {
            assert_eq!(k.as_str().parse::<Kind>().unwrap(), k);
        }
        assert_eq!("Coupang".parse::<Market>().unwrap(), Market::Coupang);
        let err = "gmarkett".parse::<Market>().unwrap_err();
        assert!(err.to_string().contains("known markets"));
        assert!("order".parse::<Kind>().is_err());
    }

    #[test]
    fn window_dates_are_kst_days_and_the_end_is_exclusive() {
        // 2025-01-01T15:00Z is 2025-01-02T00:00 KST: a window ending there stays on the 1st.
        let w = Window::new(
            Utc.with_ymd_and_hms(2024, 12, 31, 15, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2025, 1, 1, 15, 0, 0).unwrap(),
        );
        let (a, b) = w.kst_dates();
        assert_eq!(a, NaiveDate::from_ymd_opt(2025, 1, 1).unwrap());
        assert_eq!(b, NaiveDate::from_ymd_opt(2025, 1, 1).unwrap());
    }
}
