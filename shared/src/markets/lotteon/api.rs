//! Lotte ON's answers in Lotte ON's own field names (SL seller catalogue, JSON). Only the
//! fields the fleet reads are typed; every row's full JSON is kept as `raw`. Unknown
//! fields are tolerated. Every field whose JSON type can vary goes through [`lenient`]:
//! the third-party clients we read already parse `odSeq` as a number in one place and a
//! string in the next, amounts as numbers or strings.
//!
//! Every answer is the envelope `{returnCode, message, subMessages, dataCount, data}`;
//! `returnCode "0000"` is success, anything else is a failure even on HTTP 200.

use crate::markets::lenient;
use crate::model::RawJson;
use serde::Deserialize;

/// The part of every envelope that says whether it worked: read before anything else.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub return_code: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub message: Option<String>,
}

/// The envelope with its `data` (`D`: what each endpoint puts there).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "D: Deserialize<'de>"))]
pub struct Envelope<D> {
    #[serde(deserialize_with = "lenient::id")]
    pub return_code: String,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub message: Option<String>,
    /// The rows the query matches in all, across pages. Read as an amount (it is a
    /// non-negative integer that arrives as a number or a string).
    #[serde(default, deserialize_with = "lenient::opt_amount")]
    pub data_count: Option<i64>,
    /// `null` when nothing matched.
    #[serde(default)]
    pub data: Option<D>,
}

/// Where a listing keeps its rows inside `data`.
pub trait Listing {
    fn into_rows(self) -> Vec<RawJson>;
}

/// `data` is the row list itself (claims, settlements).
#[derive(Debug, Default)]
pub struct Rows(pub Vec<RawJson>);

impl<'de> Deserialize<'de> for Rows {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient::list(d).map(Rows)
    }
}

impl Listing for Rows {
    fn into_rows(self) -> Vec<RawJson> {
        self.0
    }
}

/// `data.deliveryOrderList` (SellerDeliveryOrdersSearch, apiNo 209).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryOrders {
    #[serde(default, deserialize_with = "lenient::list")]
    pub delivery_order_list: Vec<RawJson>,
}

impl Listing for DeliveryOrders {
    fn into_rows(self) -> Vec<RawJson> {
        self.delivery_order_list
    }
}

/// `data.deliveryProgressStateList` (SellerDeliveryProgressStateSearch, apiNo 140).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressStates {
    #[serde(default, deserialize_with = "lenient::list")]
    pub delivery_progress_state_list: Vec<RawJson>,
}

impl Listing for ProgressStates {
    fn into_rows(self) -> Vec<RawJson> {
        self.delivery_progress_state_list
    }
}

// ---- identity (apiNo 207) ----

/// The trading partner the key belongs to: every query names it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// 거래처그룹코드, e.g. `SR` (일반셀러).
    #[serde(deserialize_with = "lenient::text")]
    pub tr_grp_cd: String,
    /// 거래처번호.
    #[serde(deserialize_with = "lenient::id")]
    pub tr_no: String,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub tr_nm: Option<String>,
}

// ---- 출고/회수지시 (apiNo 209) ----

/// One order line of a delivery instruction.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryOrder {
    /// 주문번호.
    #[serde(deserialize_with = "lenient::id")]
    pub od_no: String,
    /// 주문순번: the line within the order.
    #[serde(deserialize_with = "lenient::id")]
    pub od_seq: String,
    /// 처리순번: 1, raised by one with each claim on the line.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub proc_seq: Option<String>,
    /// 주문진행단계: 11 출고지시 / 23 회수지시 (frozen there once acknowledged).
    #[serde(deserialize_with = "lenient::text")]
    pub od_prgs_step_cd: String,
    /// DV (출고) or RT (회수).
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub dv_rtrv_dvs_cd: Option<String>,
    /// 10 주문 / 30 교환 / 40 반품 / 50 AS.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub od_typ_cd: Option<String>,
    /// 연동완료여부: whether the line was acknowledged (apiNo 210).
    #[serde(
        rename = "ifCplYN",
        default,
        deserialize_with = "lenient::flag_or_false"
    )]
    pub if_cpl_yn: bool,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub spd_no: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub spd_nm: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub sitm_no: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub sitm_nm: Option<String>,
    #[serde(deserialize_with = "lenient::count")]
    pub od_qty: i32,
    /// 판매가 (unit).
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub sl_prc: i64,
    /// 판매금액 (the line).
    #[serde(deserialize_with = "lenient::amount")]
    pub sl_amt: i64,
    /// 배송비: on the order's first line only.
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub dv_cst: i64,
    /// 주문접수일시, `yyyyMMddHHmmss` KST.
    #[serde(deserialize_with = "lenient::text")]
    pub od_acpt_dttm: String,
    /// 주문완료일시 (paid).
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub od_cmpt_dttm: Option<String>,
}

impl DeliveryOrder {
    /// A delivery line nobody acknowledged yet: what apiNo 210 is for.
    pub fn awaits_acknowledgement(&self) -> bool {
        !self.if_cpl_yn
            && self.od_prgs_step_cd == "11"
            && self.dv_rtrv_dvs_cd.as_deref().is_none_or(|d| d == "DV")
    }
}

// ---- 배송상태 (apiNo 140) ----

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressState {
    #[serde(deserialize_with = "lenient::id")]
    pub od_no: String,
    #[serde(deserialize_with = "lenient::id")]
    pub od_seq: String,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub proc_seq: Option<String>,
    /// 12 상품준비 / 13 발송완료 / 14 배송완료 / 15 수취완료.
    #[serde(deserialize_with = "lenient::text")]
    pub od_prgs_step_cd: String,
    /// 배송상태발생일시: when the line reached its step.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub dv_trc_stat_dttm: Option<String>,
}

// ---- claims (apiNo 50 / 51 / 69) ----

/// One claim (클레임번호) with the order lines it covers.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimRow {
    #[serde(deserialize_with = "lenient::id")]
    pub od_no: String,
    #[serde(deserialize_with = "lenient::id")]
    pub clm_no: String,
    /// 클레임요청일시 (also on each item).
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub clm_req_dttm: Option<String>,
    #[serde(deserialize_with = "lenient::list")]
    pub item_list: Vec<ClaimItem>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimItem {
    #[serde(deserialize_with = "lenient::id")]
    pub od_seq: String,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub proc_seq: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub od_prgs_step_cd: String,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub clm_req_dttm: Option<String>,
    /// 클레임완료일시: present once the claim is closed.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub clm_cmpt_dttm: Option<String>,
}

// ---- settlement (SettleItmdSales) ----

/// One line of 중개셀러 통합정보, by 정산기준일 (the purchase confirmation day).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettleRow {
    #[serde(deserialize_with = "lenient::id")]
    pub od_no: String,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub od_seq: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub proc_seq: Option<String>,
    /// 10 주문 / 20 취소완료 / 30 교환완료 / 40 반품완료 where given.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub od_typ_cd: Option<String>,
    #[serde(deserialize_with = "lenient::amount")]
    pub sl_amt: i64,
    /// 기본수수료, 제휴수수료, 배송비수수료.
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub bse_cmsn: i64,
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub pcs_cmsn: i64,
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub dv_cmsn: i64,
    /// 지급대상금액: what the seller is paid for the line.
    #[serde(deserialize_with = "lenient::amount")]
    pub pymt_amt: i64,
    /// 정산기준일자, `yyyyMMdd`.
    #[serde(deserialize_with = "lenient::text")]
    pub se_std_dt: String,
}

// ---- acknowledgement (apiNo 210) ----

/// `data` of SellerIfCompleteInform: an overall result and the lines that failed.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AckResult {
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub rslt_cd: Option<String>,
    #[serde(default, deserialize_with = "lenient::list")]
    pub fail_list: Vec<RawJson>,
}
