//! Naver Commerce API answers, in Naver's own field names (facts: shared/markets/naver.md).
//! Only the fields we read are typed; the whole JSON is kept raw next to every record.
//! Every field whose JSON type can vary (ids, amounts, counts, flags, optional strings,
//! lists) is read through [`lenient`]: ids are documented as strings but some answers carry
//! them as numbers, and pay-user endpoints use numeric error codes.

use crate::markets::lenient;
use crate::markets::listing::Envelope;
use crate::model::RawJson;
use serde::Deserialize;

/// `POST /v1/oauth2/token` (§2.6).
#[derive(Debug, Deserialize)]
pub struct Token {
    pub access_token: String,
    #[serde(deserialize_with = "lenient::count")]
    pub expires_in: i64,
    #[allow(dead_code)]
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub token_type: Option<String>,
}

/// Naver's error body (§2.8, §4): `{code, message, invalidInputs[], timestamp, traceId}`.
/// Read leniently: pay-user endpoints use numeric codes (4003, ...).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ErrorBody {
    #[serde(deserialize_with = "lenient::opt_id")]
    pub code: Option<String>,
    #[serde(deserialize_with = "lenient::list")]
    pub invalid_inputs: Vec<InvalidInput>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InvalidInput {
    pub name: String,
}

// --- orders (§5) -------------------------------------------------------------------------

/// `GET /v1/pay-order/seller/product-orders/last-changed-statuses`.
#[derive(Debug, Deserialize)]
pub struct ChangedPage {
    pub data: ChangedData,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangedData {
    #[serde(default, deserialize_with = "lenient::list")]
    pub last_change_statuses: Vec<ChangedStatus>,
    /// Absent, `null` or `{}` when the window is exhausted.
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub more: Option<More>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct More {
    /// Sent back verbatim as the next `lastChangedFrom`.
    pub more_from: String,
    #[serde(deserialize_with = "lenient::id")]
    pub more_sequence: String,
}

/// One change of the feed. It also names the order, the kind of change and the statuses
/// after it; those are read from the details (`product-orders/query`), which are asked
/// for anyway, so the feed's copies are not read (skipping a field costs no allocation).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangedStatus {
    #[serde(deserialize_with = "lenient::id")]
    pub product_order_id: String,
    #[serde(deserialize_with = "lenient::text")]
    pub last_changed_date: String,
}

/// `POST /v1/pay-order/seller/product-orders/query`; rows are [`ProductOrderDetail`]s as
/// sent (read one by one).
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct DetailPage<T> {
    #[serde(default = "Vec::new", deserialize_with = "lenient::list")]
    pub data: Vec<T>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductOrderDetail {
    pub order: OrderInfo,
    pub product_order: ProductOrder,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderInfo {
    #[serde(deserialize_with = "lenient::id")]
    pub order_id: String,
    #[serde(deserialize_with = "lenient::text")]
    pub order_date: String,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub payment_date: Option<String>,
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub general_payment_amount: i64,
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub naver_mileage_payment_amount: i64,
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub charge_amount_payment_amount: i64,
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub pay_later_payment_amount: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductOrder {
    #[serde(deserialize_with = "lenient::id")]
    pub product_order_id: String,
    pub product_order_status: String,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub claim_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub claim_status: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub place_order_status: Option<String>,
    #[serde(deserialize_with = "lenient::id")]
    pub product_id: String,
    pub product_name: String,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub product_option: Option<String>,
    #[serde(deserialize_with = "lenient::count")]
    pub quantity: i32,
    #[serde(deserialize_with = "lenient::amount")]
    pub unit_price: i64,
    #[serde(deserialize_with = "lenient::amount")]
    pub total_payment_amount: i64,
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub delivery_fee_amount: i64,
}

// --- settlements (§7.1) ------------------------------------------------------------------

/// `GET /v1/pay-settle/settle/case`; rows are [`SettleCase`]s as sent.
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct SettleCasePage<T> {
    #[serde(default = "Vec::new", deserialize_with = "lenient::list")]
    pub elements: Vec<T>,
    pub pagination: Pagination,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    #[serde(deserialize_with = "lenient::count")]
    pub page: i64,
    #[serde(deserialize_with = "lenient::count")]
    pub size: i64,
    #[serde(deserialize_with = "lenient::count")]
    pub total_pages: i64,
    #[serde(deserialize_with = "lenient::count")]
    pub total_elements: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettleCase {
    #[serde(deserialize_with = "lenient::text")]
    pub settle_basis_date: String,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub settle_expect_date: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub settle_complete_date: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub order_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub product_order_id: Option<String>,
    pub product_order_type: String,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub settle_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub pay_settle_amount: i64,
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub total_pay_commission_amount: i64,
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub free_installment_commission_amount: i64,
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub selling_interlock_commission_amount: i64,
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub settle_expect_amount: i64,
}

// --- inquiries (§8) ----------------------------------------------------------------------

/// `GET /v1/contents/qnas`: page-number style; rows are [`Qna`]s as sent.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct QnaPage<T> {
    #[serde(default = "Vec::new", deserialize_with = "lenient::list")]
    pub contents: Vec<T>,
    #[serde(deserialize_with = "lenient::count")]
    pub page: i64,
    #[serde(deserialize_with = "lenient::count")]
    pub total_pages: i64,
    #[serde(deserialize_with = "lenient::flag")]
    pub last: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Qna {
    #[serde(deserialize_with = "lenient::id")]
    pub question_id: String,
    #[serde(deserialize_with = "lenient::text")]
    pub create_date: String,
    pub question: String,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub answer: Option<String>,
    #[serde(deserialize_with = "lenient::flag")]
    pub answered: bool,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub product_id: Option<String>,
}

/// `GET /v1/pay-user/inquiries`: Spring page; rows are [`CustomerInquiry`]s as sent.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct InquiryPage<T> {
    #[serde(default = "Vec::new", deserialize_with = "lenient::list")]
    pub content: Vec<T>,
    #[serde(deserialize_with = "lenient::count")]
    pub total_pages: i64,
    #[serde(deserialize_with = "lenient::flag")]
    pub last: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerInquiry {
    #[serde(deserialize_with = "lenient::id")]
    pub inquiry_no: String,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub category: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub title: Option<String>,
    pub inquiry_content: String,
    #[serde(deserialize_with = "lenient::text")]
    pub inquiry_registration_date_time: String,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub answer_content: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub answer_registration_date_time: Option<String>,
    #[serde(deserialize_with = "lenient::flag")]
    pub answered: bool,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub order_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub product_no: Option<String>,
}

// --- listings read in one pass ([`crate::markets::listing`]) -----------------------------

impl Envelope for DetailPage<RawJson> {
    const ROWS: &'static str = "data";

    fn take_rows(&mut self) -> Vec<RawJson> {
        std::mem::take(&mut self.data)
    }
}

impl Envelope for SettleCasePage<RawJson> {
    const ROWS: &'static str = "elements";

    fn take_rows(&mut self) -> Vec<RawJson> {
        std::mem::take(&mut self.elements)
    }
}

impl Envelope for QnaPage<RawJson> {
    const ROWS: &'static str = "contents";

    fn take_rows(&mut self) -> Vec<RawJson> {
        std::mem::take(&mut self.contents)
    }
}

impl Envelope for InquiryPage<RawJson> {
    const ROWS: &'static str = "content";

    fn take_rows(&mut self) -> Vec<RawJson> {
        std::mem::take(&mut self.content)
    }
}
