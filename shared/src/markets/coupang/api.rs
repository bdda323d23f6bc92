//! Coupang's answers in Coupang's own field names (Wing Open API v4 and revenue-history).
//! Only the fields the fleet reads are typed; every row's full JSON is kept as `raw`.
//! Unknown fields are tolerated: Coupang adds fields without notice.

use serde::{Deserialize, Deserializer};

/// `nextToken` / `code` come as strings on some endpoints and numbers on others.
fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        Some(other) => {
            return Err(serde::de::Error::custom(format!(
                "expected a string or a number, found {}",
                match other {
                    serde_json::Value::Bool(_) => "a boolean",
                    serde_json::Value::Array(_) => "an array",
                    _ => "an object",
                }
            )));
        }
    })
}

/// The generic envelope `{code, message, data, nextToken}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    #[serde(default, deserialize_with = "string_or_number")]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    pub data: T,
    /// Empty or absent on the last page.
    #[serde(default, deserialize_with = "string_or_number")]
    pub next_token: Option<String>,
}

/// An error answer: `{code, message}` (and sometimes `data: null`).
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    #[serde(default, deserialize_with = "string_or_number")]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

// ---- ordersheets (발주서) ----

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderSheet {
    pub shipment_box_id: u64,
    pub order_id: u64,
    /// `yyyy-MM-dd'T'HH:mm:ss`, KST.
    pub ordered_at: String,
    #[serde(default)]
    pub paid_at: Option<String>,
    pub status: String,
    #[serde(default)]
    pub shipping_price: i64,
    pub order_items: Vec<OrderSheetItem>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderSheetItem {
    pub vendor_item_id: u64,
    #[serde(default)]
    pub vendor_item_name: Option<String>,
    #[serde(default)]
    pub product_id: Option<u64>,
    #[serde(default)]
    pub seller_product_id: Option<u64>,
    #[serde(default)]
    pub seller_product_name: Option<String>,
    #[serde(default)]
    pub seller_product_item_name: Option<String>,
    pub shipping_count: i64,
    pub sales_price: i64,
    pub order_price: i64,
}

// ---- returnRequests (반품/취소 요청 목록) ----

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnRequest {
    pub receipt_id: u64,
    pub order_id: u64,
    /// `RETURN` or `CANCEL` (older pages: 반품 / 취소).
    #[serde(default)]
    pub receipt_type: Option<String>,
    pub receipt_status: String,
    pub created_at: String,
    #[serde(default)]
    pub modified_at: Option<String>,
    pub return_items: Vec<ReturnItem>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnItem {
    pub vendor_item_id: u64,
}

// ---- exchangeRequests (교환요청 목록) ----

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeRequest {
    pub exchange_id: u64,
    pub order_id: u64,
    pub exchange_status: String,
    pub created_at: String,
    #[serde(default)]
    pub modified_at: Option<String>,
    pub exchange_item_dto_v1s: Vec<ExchangeItem>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeItem {
    /// The original order's item (the vendorItemId of the ordersheet line).
    pub order_item_id: u64,
}

// ---- revenue-history (매출내역) ----

/// A revenue-history page; its rows (`T`: [`RevenueRow`], or their raw JSON).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevenuePage<T> {
    #[serde(default, deserialize_with = "string_or_number")]
    pub code: Option<String>,
    #[serde(default)]
    pub has_next: bool,
    #[serde(default, deserialize_with = "string_or_number")]
    pub next_token: Option<String>,
    pub data: Vec<T>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevenueRow {
    pub order_id: u64,
    /// `SALE` or `REFUND`.
    pub sale_type: String,
    pub sale_date: String,
    pub recognition_date: String,
    #[serde(default)]
    pub settlement_date: Option<String>,
    #[serde(default)]
    pub delivery_fee: Option<DeliveryFee>,
    /// Empty for orders cancelled or returned before confirmation (since 2024-07).
    #[serde(default)]
    pub items: Vec<RevenueItem>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevenueItem {
    pub vendor_item_id: u64,
    pub sale_amount: i64,
    pub service_fee: i64,
    #[serde(default)]
    pub service_fee_vat: i64,
    pub settlement_amount: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryFee {
    pub amount: i64,
    #[serde(default)]
    pub fee: i64,
    #[serde(default)]
    pub fee_vat: i64,
    pub settlement_amount: i64,
}

// ---- onlineInquiries / callCenterInquiries ----

/// Inquiry listings page with `data: {content: [...], pagination: {...}}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Paged<T> {
    pub content: Vec<T>,
    pub pagination: Pagination,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    pub current_page: u32,
    pub total_pages: u32,
    #[serde(default)]
    pub total_elements: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OnlineInquiry {
    pub inquiry_id: u64,
    #[serde(default)]
    pub product_id: Option<u64>,
    pub content: String,
    /// `yyyy-MM-dd HH:mm:ss`, KST.
    pub inquiry_at: String,
    #[serde(default)]
    pub order_ids: Vec<u64>,
    #[serde(default)]
    pub comment_dto_list: Vec<InquiryComment>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InquiryComment {
    pub content: String,
    pub inquiry_comment_at: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallCenterInquiry {
    pub inquiry_id: u64,
    #[serde(default)]
    pub order_id: Option<u64>,
    #[serde(default)]
    pub vendor_item_id: Option<u64>,
    pub content: String,
    pub inquiry_at: String,
    /// `progress` or `complete`.
    #[serde(default)]
    pub inquiry_status: Option<String>,
    #[serde(default)]
    pub replies: Vec<CallCenterReply>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallCenterReply {
    pub content: String,
    pub reply_at: String,
}
