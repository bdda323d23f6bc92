//! ESM 2.0's answers in ESM's own field names (PascalCase; the bulletin board answers
//! `resultCode` / `message` in camelCase). Only the fields the fleet reads are typed; each
//! row's full JSON is kept as `raw`. Every field whose JSON type can vary goes through
//! [`lenient`]: ESM writes `ResultCode` as `0` on orders and `"success"` on claims.

use crate::markets::lenient;
use serde::Deserialize;

/// What every answer says about itself: `ResultCode` (0 / "success" = done, 3000 = too
/// fast, 2000 = a refused range, ...) and `Message`.
#[derive(Debug, Deserialize)]
pub struct Outcome {
    #[serde(
        rename = "ResultCode",
        alias = "resultCode",
        default,
        deserialize_with = "lenient::opt_id"
    )]
    pub result_code: Option<String>,
    #[serde(
        rename = "Message",
        alias = "message",
        default,
        deserialize_with = "lenient::opt_text"
    )]
    pub message: Option<String>,
}

/// The gateway's HTTP 401: `{"status":{"message":...,"status_code":401}}` (esm.md §2).
#[derive(Debug, Deserialize)]
pub struct Unauthorized {
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub status: Option<UnauthorizedStatus>,
}

#[derive(Debug, Deserialize)]
pub struct UnauthorizedStatus {
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub message: Option<String>,
}

// ---- RequestOrders / PreRequestOrders (주문 조회 / 입금확인중 주문조회) ----

/// `{ResultCode, Message, data: {SiteType, PageIndex, PageSize, TotalCount, SellerId,
/// RequestOrders: [...]}}`; `data` is `null` when nothing matches.
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct OrdersAnswer<T> {
    #[serde(default)]
    pub data: Option<OrdersPage<T>>,
}

#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct OrdersPage<T> {
    #[serde(rename = "PageSize", default, deserialize_with = "lenient::count")]
    pub page_size: u32,
    #[serde(rename = "TotalCount", default, deserialize_with = "lenient::count")]
    pub total_count: u64,
    #[serde(rename = "RequestOrders", default, deserialize_with = "lenient::list")]
    pub rows: Vec<T>,
}

/// One order line: ESM numbers each line (`OrderNo`); the purchase is the cart (`PayNo`).
#[derive(Debug, Deserialize)]
pub struct OrderRow {
    #[serde(rename = "OrderNo", deserialize_with = "lenient::id")]
    pub order_no: String,
    #[serde(rename = "PayNo", deserialize_with = "lenient::id")]
    pub pay_no: String,
    /// 1..5 on RequestOrders; absent on PreRequestOrders.
    #[serde(rename = "OrderStatus", default, deserialize_with = "lenient::opt_id")]
    pub order_status: Option<String>,
    #[serde(rename = "OrderDate", deserialize_with = "lenient::text")]
    pub order_date: String,
    #[serde(rename = "PayDate", default, deserialize_with = "lenient::opt_text")]
    pub pay_date: Option<String>,
    #[serde(rename = "SiteGoodsNo", default, deserialize_with = "lenient::opt_id")]
    pub site_goods_no: Option<String>,
    #[serde(rename = "GoodsName", default, deserialize_with = "lenient::opt_text")]
    pub goods_name: Option<String>,
    #[serde(rename = "OptionName", default, deserialize_with = "lenient::opt_text")]
    pub option_name: Option<String>,
    /// 수량.
    #[serde(rename = "ContrAmount", deserialize_with = "lenient::count")]
    pub contr_amount: i32,
    #[serde(rename = "SalePrice", deserialize_with = "lenient::amount")]
    pub sale_price: i64,
    #[serde(
        rename = "OrderAmount",
        default,
        deserialize_with = "lenient::opt_amount"
    )]
    pub order_amount: Option<i64>,
    /// The cart's delivery fee, on the line that carries it.
    #[serde(
        rename = "DeliveryFee",
        default,
        deserialize_with = "lenient::amount_or_zero"
    )]
    pub delivery_fee: i64,
}

// ---- claim/v1/sa/{Cancels,Returns,Exchanges} ----

/// `{ResultCode: "success", Message, Data: [...]}`.
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct ClaimsAnswer<T> {
    #[serde(
        rename = "Data",
        alias = "data",
        default,
        deserialize_with = "lenient::list"
    )]
    pub rows: Vec<T>,
}

#[derive(Debug, Deserialize)]
pub struct ClaimRow {
    #[serde(rename = "OrderNo", deserialize_with = "lenient::id")]
    pub order_no: String,
    #[serde(rename = "PayNo", deserialize_with = "lenient::id")]
    pub pay_no: String,
    /// `CancelStatus`, `ReturnStatus` or `ExchangeStatus`, by listing.
    #[serde(
        rename = "ClaimStatus",
        alias = "CancelStatus",
        alias = "ReturnStatus",
        alias = "ExchangeStatus",
        deserialize_with = "lenient::id"
    )]
    pub status: String,
    /// 신청일.
    #[serde(rename = "RequestDate", deserialize_with = "lenient::text")]
    pub request_date: String,
}

// ---- account/v1/settle/getsettleorder (판매대금 정산) ----

/// `{ResultCode, Message, SiteType, TotalCount, PageSize, PageNo, Data: [...]}`.
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct SettleAnswer<T> {
    #[serde(rename = "TotalCount", default, deserialize_with = "lenient::count")]
    pub total_count: u64,
    #[serde(rename = "PageSize", default, deserialize_with = "lenient::count")]
    pub page_size: u32,
    #[serde(
        rename = "Data",
        alias = "data",
        default,
        deserialize_with = "lenient::list"
    )]
    pub rows: Vec<T>,
}

/// One settled order line. Refunds carry every amount with the opposite sign.
#[derive(Debug, Deserialize)]
pub struct SettleRow {
    /// The order (line) number; `PackNo` is the cart.
    #[serde(rename = "ContrNo", deserialize_with = "lenient::id")]
    pub contr_no: String,
    #[serde(rename = "PackNo", default, deserialize_with = "lenient::opt_id")]
    pub pack_no: Option<String>,
    #[serde(rename = "GoodsNo", default, deserialize_with = "lenient::opt_id")]
    pub goods_no: Option<String>,
    /// 판매금액.
    #[serde(rename = "SellPrice", deserialize_with = "lenient::amount")]
    pub sell_price: i64,
    /// 서비스이용료.
    #[serde(
        rename = "ServiceFee",
        default,
        deserialize_with = "lenient::amount_or_zero"
    )]
    pub service_fee: i64,
    /// 정산금액.
    #[serde(rename = "SettlePrice", deserialize_with = "lenient::amount")]
    pub settle_price: i64,
    /// 배송완료일.
    #[serde(
        rename = "DeliveryCompleteDate",
        default,
        deserialize_with = "lenient::opt_text"
    )]
    pub delivery_complete_date: Option<String>,
    /// 환불일: set on refund lines.
    #[serde(rename = "RefundDate", default, deserialize_with = "lenient::opt_text")]
    pub refund_date: Option<String>,
    /// 송금일, or 정산예정일 before it is sent.
    #[serde(rename = "RemitDate", default, deserialize_with = "lenient::opt_text")]
    pub remit_date: Option<String>,
    #[serde(
        rename = "SettleExpectDate",
        default,
        deserialize_with = "lenient::opt_text"
    )]
    pub settle_expect_date: Option<String>,
}

// ---- item/v1/communications/customer/bulletin-board (판매자문의) ----

/// `{resultCode, message, token, totalCount, data: [...]}`.
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct BoardAnswer<T> {
    #[serde(
        rename = "totalCount",
        alias = "TotalCount",
        default,
        deserialize_with = "lenient::count"
    )]
    pub total_count: u64,
    #[serde(
        rename = "data",
        alias = "Data",
        default,
        deserialize_with = "lenient::list"
    )]
    pub rows: Vec<T>,
}

#[derive(Debug, Deserialize)]
pub struct BoardRow {
    #[serde(rename = "MessageNo", deserialize_with = "lenient::id")]
    pub message_no: String,
    #[serde(rename = "QnaType", default, deserialize_with = "lenient::opt_id")]
    pub qna_type: Option<String>,
    #[serde(rename = "OrderNo", default, deserialize_with = "lenient::opt_id")]
    pub order_no: Option<String>,
    #[serde(rename = "GoodsNo", default, deserialize_with = "lenient::opt_id")]
    pub goods_no: Option<String>,
    #[serde(rename = "Title", default, deserialize_with = "lenient::opt_text")]
    pub title: Option<String>,
    #[serde(rename = "Comments", deserialize_with = "lenient::text")]
    pub comments: String,
    #[serde(
        rename = "AnswerComments",
        default,
        deserialize_with = "lenient::opt_text"
    )]
    pub answer_comments: Option<String>,
    /// 2 미처리, 3 처리완료, 4 처리중 (G), 5 중복문의 (G).
    #[serde(rename = "InformStatus", default, deserialize_with = "lenient::opt_id")]
    pub inform_status: Option<String>,
    #[serde(rename = "RegDate", deserialize_with = "lenient::text")]
    pub reg_date: String,
    #[serde(rename = "AnswerDate", default, deserialize_with = "lenient::opt_text")]
    pub answer_date: Option<String>,
}

// ---- assist/v1/Selling/GetEmergencyInformList (긴급알리미) ----

#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct NoticesAnswer<T> {
    #[serde(
        rename = "Data",
        alias = "data",
        default,
        deserialize_with = "lenient::list"
    )]
    pub rows: Vec<T>,
}

#[derive(Debug, Deserialize)]
pub struct NoticeRow {
    #[serde(rename = "InformNo", deserialize_with = "lenient::id")]
    pub inform_no: String,
    #[serde(rename = "OrderNo", default, deserialize_with = "lenient::opt_id")]
    pub order_no: Option<String>,
    #[serde(rename = "Title", default, deserialize_with = "lenient::opt_text")]
    pub title: Option<String>,
    #[serde(rename = "Contents", deserialize_with = "lenient::text")]
    pub contents: String,
    #[serde(rename = "RegDate", deserialize_with = "lenient::text")]
    pub reg_date: String,
    #[serde(
        rename = "ReplyContents",
        default,
        deserialize_with = "lenient::opt_text"
    )]
    pub reply_contents: Option<String>,
    #[serde(rename = "ReplyDate", default, deserialize_with = "lenient::opt_text")]
    pub reply_date: Option<String>,
}
