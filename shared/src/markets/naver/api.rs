//! Naver Commerce API answers, in Naver's own field names (facts: shared/markets/naver.md).
//! Only the fields we read are typed; the whole JSON is kept raw next to every record.

use serde::{Deserialize, Deserializer};

/// `POST /v1/oauth2/token` (§2.6).
#[derive(Debug, Deserialize)]
pub struct Token {
    pub access_token: String,
    pub expires_in: i64,
    #[allow(dead_code)]
    pub token_type: String,
}

/// Naver's error body (§2.8, §4): `{code, message, invalidInputs[], timestamp, traceId}`.
/// Read leniently: pay-user endpoints use numeric codes (4003, ...).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ErrorBody {
    #[serde(deserialize_with = "string_or_number_opt")]
    pub code: Option<String>,
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
    #[serde(default)]
    pub last_change_statuses: Vec<ChangedStatus>,
    pub more: Option<More>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct More {
    pub more_from: String,
    #[serde(deserialize_with = "string_or_number")]
    pub more_sequence: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangedStatus {
    #[serde(deserialize_with = "string_or_number")]
    pub order_id: String,
    #[serde(deserialize_with = "string_or_number")]
    pub product_order_id: String,
    pub last_changed_type: Option<String>,
    pub last_changed_date: String,
    pub product_order_status: Option<String>,
    pub claim_type: Option<String>,
    pub claim_status: Option<String>,
}

/// `POST /v1/pay-order/seller/product-orders/query`; rows are [`ProductOrderDetail`]s as
/// sent (read one by one).
#[derive(Debug, Deserialize)]
pub struct DetailPage<T> {
    #[serde(default = "Vec::new")]
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
    #[serde(deserialize_with = "string_or_number")]
    pub order_id: String,
    pub order_date: String,
    pub payment_date: Option<String>,
    #[serde(default)]
    pub general_payment_amount: i64,
    #[serde(default)]
    pub naver_mileage_payment_amount: i64,
    #[serde(default)]
    pub charge_amount_payment_amount: i64,
    #[serde(default)]
    pub pay_later_payment_amount: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductOrder {
    #[serde(deserialize_with = "string_or_number")]
    pub product_order_id: String,
    pub product_order_status: String,
    pub claim_type: Option<String>,
    pub claim_status: Option<String>,
    pub place_order_status: Option<String>,
    #[serde(deserialize_with = "string_or_number")]
    pub product_id: String,
    pub product_name: String,
    pub product_option: Option<String>,
    pub quantity: i32,
    pub unit_price: i64,
    pub total_payment_amount: i64,
    #[serde(default)]
    pub delivery_fee_amount: i64,
}

// --- settlements (§7.1) ------------------------------------------------------------------

/// `GET /v1/pay-settle/settle/case`; rows are [`SettleCase`]s as sent.
#[derive(Debug, Deserialize)]
pub struct SettleCasePage<T> {
    #[serde(default = "Vec::new")]
    pub elements: Vec<T>,
    pub pagination: Pagination,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    pub page: i64,
    pub size: i64,
    pub total_pages: i64,
    pub total_elements: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettleCase {
    pub settle_basis_date: String,
    pub settle_expect_date: Option<String>,
    pub settle_complete_date: Option<String>,
    #[serde(default, deserialize_with = "string_or_number_opt")]
    pub order_id: Option<String>,
    #[serde(default, deserialize_with = "string_or_number_opt")]
    pub product_order_id: Option<String>,
    pub product_order_type: String,
    pub settle_type: Option<String>,
    #[serde(default)]
    pub pay_settle_amount: i64,
    #[serde(default)]
    pub total_pay_commission_amount: i64,
    #[serde(default)]
    pub free_installment_commission_amount: i64,
    #[serde(default)]
    pub selling_interlock_commission_amount: i64,
    #[serde(default)]
    pub settle_expect_amount: i64,
}

// --- inquiries (§8) ----------------------------------------------------------------------

/// `GET /v1/contents/qnas`: page-number style; rows are [`Qna`]s as sent.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QnaPage<T> {
    #[serde(default = "Vec::new")]
    pub contents: Vec<T>,
    pub page: i64,
    pub total_pages: i64,
    pub last: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Qna {
    #[serde(deserialize_with = "string_or_number")]
    pub question_id: String,
    pub create_date: String,
    pub question: String,
    pub answer: Option<String>,
    pub answered: bool,
    #[serde(default, deserialize_with = "string_or_number_opt")]
    pub product_id: Option<String>,
}

/// `GET /v1/pay-user/inquiries`: Spring page; rows are [`CustomerInquiry`]s as sent.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InquiryPage<T> {
    #[serde(default = "Vec::new")]
    pub content: Vec<T>,
    pub total_pages: i64,
    pub last: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerInquiry {
    #[serde(deserialize_with = "string_or_number")]
    pub inquiry_no: String,
    pub category: Option<String>,
    pub title: Option<String>,
    pub inquiry_content: String,
    pub inquiry_registration_date_time: String,
    pub answer_content: Option<String>,
    pub answer_registration_date_time: Option<String>,
    pub answered: bool,
    #[serde(default, deserialize_with = "string_or_number_opt")]
    pub order_id: Option<String>,
    #[serde(default, deserialize_with = "string_or_number_opt")]
    pub product_no: Option<String>,
}

/// Naver ids are documented as strings but some answers carry them as numbers.
fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    string_or_number_opt(d)?.ok_or_else(|| serde::de::Error::custom("expected a string or number"))
}

fn string_or_number_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        S(String),
        N(i64),
    }
    Ok(Option::<Id>::deserialize(d)?.map(|id| match id {
        Id::S(s) => s,
        Id::N(n) => n.to_string(),
    }))
}
