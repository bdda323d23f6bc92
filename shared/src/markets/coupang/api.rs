//! Coupang's answers in Coupang's own field names (Wing Open API v4 and revenue-history).
//! Only the fields the fleet reads are typed; every row's full JSON is kept as `raw`.
//! Unknown fields are tolerated: Coupang adds fields without notice. Every field whose
//! JSON type can vary (ids, amounts, counts, flags, optional strings, lists) is read
//! through [`lenient`]: Coupang's own answers already mix `code: 200` and `"SUCCESS"`,
//! numeric and string ids.

use crate::markets::{lenient, listing};
use crate::model::RawJson;
use serde::Deserialize;

/// The generic envelope `{code, message, data, nextToken}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    /// `200` or `"SUCCESS"`.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub message: Option<String>,
    pub data: T,
    /// Empty, `null` or absent on the last page.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub next_token: Option<String>,
}

/// An error answer: `{code, message}` (and sometimes `data: null`).
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub message: Option<String>,
}

// ---- ordersheets (발주서) ----

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderSheet {
    #[serde(deserialize_with = "lenient::id")]
    pub shipment_box_id: String,
    #[serde(deserialize_with = "lenient::id")]
    pub order_id: String,
    /// `yyyy-MM-dd'T'HH:mm:ss`, KST.
    #[serde(deserialize_with = "lenient::text")]
    pub ordered_at: String,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub paid_at: Option<String>,
    pub status: String,
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub shipping_price: i64,
    #[serde(deserialize_with = "lenient::list")]
    pub order_items: Vec<OrderSheetItem>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderSheetItem {
    #[serde(deserialize_with = "lenient::id")]
    pub vendor_item_id: String,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub vendor_item_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub product_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub seller_product_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub seller_product_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub seller_product_item_name: Option<String>,
    #[serde(deserialize_with = "lenient::count")]
    pub shipping_count: i32,
    #[serde(deserialize_with = "lenient::amount")]
    pub sales_price: i64,
    #[serde(deserialize_with = "lenient::amount")]
    pub order_price: i64,
}

// ---- returnRequests (반품/취소 요청 목록) ----

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnRequest {
    #[serde(deserialize_with = "lenient::id")]
    pub receipt_id: String,
    #[serde(deserialize_with = "lenient::id")]
    pub order_id: String,
    /// `RETURN` or `CANCEL` (older pages: 반품 / 취소).
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub receipt_type: Option<String>,
    pub receipt_status: String,
    #[serde(deserialize_with = "lenient::text")]
    pub created_at: String,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub modified_at: Option<String>,
    #[serde(deserialize_with = "lenient::list")]
    pub return_items: Vec<ReturnItem>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnItem {
    #[serde(deserialize_with = "lenient::id")]
    pub vendor_item_id: String,
}

// ---- exchangeRequests (교환요청 목록) ----

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeRequest {
    #[serde(deserialize_with = "lenient::id")]
    pub exchange_id: String,
    #[serde(deserialize_with = "lenient::id")]
    pub order_id: String,
    pub exchange_status: String,
    #[serde(deserialize_with = "lenient::text")]
    pub created_at: String,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub modified_at: Option<String>,
    #[serde(deserialize_with = "lenient::list")]
    pub exchange_item_dto_v1s: Vec<ExchangeItem>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeItem {
    /// The original order's item (the vendorItemId of the ordersheet line).
    #[serde(deserialize_with = "lenient::id")]
    pub order_item_id: String,
}

// ---- revenue-history (매출내역) ----

/// A revenue-history page; its rows (`T`: [`RevenueRow`], or their raw JSON).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct RevenuePage<T> {
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "lenient::flag_or_false")]
    pub has_next: bool,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub next_token: Option<String>,
    #[serde(deserialize_with = "lenient::list")]
    pub data: Vec<T>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevenueRow {
    #[serde(deserialize_with = "lenient::id")]
    pub order_id: String,
    /// `SALE` or `REFUND`.
    pub sale_type: String,
    #[serde(deserialize_with = "lenient::text")]
    pub sale_date: String,
    #[serde(deserialize_with = "lenient::text")]
    pub recognition_date: String,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub settlement_date: Option<String>,
    /// `null`, absent or `{}` when the order had no delivery fee.
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub delivery_fee: Option<DeliveryFee>,
    /// Empty for orders cancelled or returned before confirmation (since 2024-07).
    #[serde(default, deserialize_with = "lenient::list")]
    pub items: Vec<RevenueItem>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevenueItem {
    #[serde(deserialize_with = "lenient::id")]
    pub vendor_item_id: String,
    #[serde(deserialize_with = "lenient::amount")]
    pub sale_amount: i64,
    #[serde(deserialize_with = "lenient::amount")]
    pub service_fee: i64,
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub service_fee_vat: i64,
    #[serde(deserialize_with = "lenient::amount")]
    pub settlement_amount: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryFee {
    #[serde(deserialize_with = "lenient::amount")]
    pub amount: i64,
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub fee: i64,
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub fee_vat: i64,
    #[serde(deserialize_with = "lenient::amount")]
    pub settlement_amount: i64,
}

// ---- onlineInquiries / callCenterInquiries ----

/// Inquiry listings page with `data: {content: [...], pagination: {...}}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: Deserialize<'de>"))]
pub struct Paged<T> {
    #[serde(deserialize_with = "lenient::list")]
    pub content: Vec<T>,
    pub pagination: Pagination,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    #[serde(deserialize_with = "lenient::count")]
    pub current_page: u32,
    #[serde(deserialize_with = "lenient::count")]
    pub total_pages: u32,
    #[serde(default, deserialize_with = "lenient::count")]
    pub total_elements: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OnlineInquiry {
    #[serde(deserialize_with = "lenient::id")]
    pub inquiry_id: String,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub product_id: Option<String>,
    pub content: String,
    /// `yyyy-MM-dd HH:mm:ss`, KST.
    #[serde(deserialize_with = "lenient::text")]
    pub inquiry_at: String,
    #[serde(default, deserialize_with = "lenient::ids")]
    pub order_ids: Vec<String>,
    #[serde(default, deserialize_with = "lenient::list")]
    pub comment_dto_list: Vec<InquiryComment>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InquiryComment {
    pub content: String,
    #[serde(deserialize_with = "lenient::text")]
    pub inquiry_comment_at: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallCenterInquiry {
    #[serde(deserialize_with = "lenient::id")]
    pub inquiry_id: String,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub order_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub vendor_item_id: Option<String>,
    pub content: String,
    #[serde(deserialize_with = "lenient::text")]
    pub inquiry_at: String,
    /// `progress` or `complete`.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub inquiry_status: Option<String>,
    #[serde(default, deserialize_with = "lenient::list")]
    pub replies: Vec<CallCenterReply>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallCenterReply {
    pub content: String,
    #[serde(deserialize_with = "lenient::text")]
    pub reply_at: String,
}

// --- listings read in one pass ([`crate::markets::listing`]) -----------------------------

impl listing::Envelope for Envelope<Vec<RawJson>> {
    const ROWS: &'static str = "data";

    fn take_rows(&mut self) -> Vec<RawJson> {
        std::mem::take(&mut self.data)
    }
}

impl listing::Envelope for Envelope<Paged<RawJson>> {
    const ROWS: &'static str = "data.content";

    fn take_rows(&mut self) -> Vec<RawJson> {
        std::mem::take(&mut self.data.content)
    }
}

impl listing::Envelope for RevenuePage<RawJson> {
    const ROWS: &'static str = "data";

    fn take_rows(&mut self) -> Vec<RawJson> {
        std::mem::take(&mut self.data)
    }
}
