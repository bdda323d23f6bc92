//! SSG's answers in SSG's own field names (shared/markets/ssg.md §4–7). Every answer is
//! `{"result": {"resultCode", "resultMessage", "resultDesc", <list>}}`; `"00"` is success.
//! SSG serializes with XStream, so a list arrives as an array of one-key wrappers
//! (`shppDirections: [{shppDirection: {...}}]`, as the public clients read it), as a wrapper
//! of an array (`warehouseOuts: {warehouseOut: [...]}`), or, with one row, as a bare object:
//! [`rows`] accepts each. Only the fields the fleet reads are typed; every row's JSON is
//! kept as sent. Fields whose JSON type varies go through [`lenient`].

use crate::markets::lenient;
use crate::model::RawJson;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The `result` object of an answer, its list still untyped.
#[derive(Debug, Deserialize)]
pub struct Envelope {
    pub result: Map<String, Value>,
}

/// `resultCode`, `resultMessage` and `resultDesc` of a `result` object.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Head {
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub result_code: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub result_message: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub result_desc: Option<String>,
}

impl Head {
    pub fn of(result: &Map<String, Value>) -> Head {
        let pick = |k: &str| result.get(k).cloned().unwrap_or(Value::Null);
        let map: Map<String, Value> = ["resultCode", "resultMessage", "resultDesc"]
            .into_iter()
            .map(|k| (k.to_string(), pick(k)))
            .collect();
        serde_json::from_value(Value::Object(map)).unwrap_or_default()
    }

    /// `"00"` (also spelled `0` or `"0000"` by some endpoints) is success.
    pub fn ok(&self) -> bool {
        matches!(self.result_code.as_deref(), Some("00" | "0" | "0000"))
    }
}

/// The rows of `result[list]`, each as sent, in any of XStream's spellings (see the module
/// docs). An empty listing may arrive as `[""]` (two public clients guard against a string
/// element): blank strings are no rows. `Err` names what the list holds instead (the page's
/// format changed).
pub fn rows(result: &Map<String, Value>, list: &str, inner: &str) -> Result<Vec<RawJson>, String> {
    let mut out = Vec::new();
    match result.get(list) {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s.trim().is_empty() => {}
        Some(Value::Array(items)) => {
            for item in items {
                unwrap_row(item, inner, &mut out)?;
            }
        }
        Some(v @ Value::Object(_)) => unwrap_row(v, inner, &mut out)?,
        Some(_) => return Err(format!("`result.{list}` is neither a list nor an object")),
    }
    Ok(out)
}

fn unwrap_row(item: &Value, inner: &str, out: &mut Vec<RawJson>) -> Result<(), String> {
    match item {
        Value::Object(m) if m.is_empty() => Ok(()),
        Value::Object(m) if m.len() == 1 && m.contains_key(inner) => match &m[inner] {
            Value::Array(rows) => {
                for r in rows {
                    unwrap_row(r, inner, out)?;
                }
                Ok(())
            }
            Value::Null => Ok(()),
            row @ Value::Object(_) => {
                out.push(RawJson::from_value(row));
                Ok(())
            }
            _ => Err(format!("`{inner}` is not an object")),
        },
        row @ Value::Object(_) => {
            out.push(RawJson::from_value(row));
            Ok(())
        }
        Value::Null => Ok(()),
        Value::String(s) if s.trim().is_empty() => Ok(()),
        _ => Err(format!("a `{inner}` row is not an object")),
    }
}

/// A row of the four stage listings (listShppDirection, listWarehouseOut, listNonDelivery,
/// listDeliveryEnd): one order line (주문순번) of one shipment.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShppRow {
    /// 주문번호.
    #[serde(deserialize_with = "lenient::id")]
    pub ord_no: String,
    /// 주문순번: the line within the order.
    #[serde(deserialize_with = "lenient::id")]
    pub ord_item_seq: String,
    /// 원주문번호 (the original order of an exchange re-shipment).
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub orord_no: Option<String>,
    /// 배송번호 / 배송순번.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub shpp_no: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub shpp_seq: Option<String>,
    /// 주문상태코드 (e.g. 110, 120).
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub ord_stat_cd: Option<String>,
    /// 배송상태코드: 10 정상, 30 대기.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub shpp_stat_cd: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub item_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub item_nm: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub uitem_id: Option<String>,
    /// 단품명: the option.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub uitem_nm: Option<String>,
    #[serde(deserialize_with = "lenient::count")]
    pub ord_qty: i32,
    #[serde(default, deserialize_with = "lenient::count")]
    pub cncl_item_qty: i32,
    /// 판매가 (per unit).
    #[serde(deserialize_with = "lenient::amount")]
    pub sellprc: i64,
    /// 실주문금액: what the line costs after discounts.
    #[serde(default, deserialize_with = "lenient::opt_amount")]
    pub rlord_amt: Option<i64>,
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub dc_amt: i64,
    /// 배송비 of the shipment (배송번호).
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub shppcst: i64,
    /// 주문접수일시.
    #[serde(deserialize_with = "lenient::text")]
    pub ord_rcp_dts: String,
    /// 주문완료일시 (payment completed).
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub ord_cmpl_dts: Option<String>,
}

/// A row of `/api/claim/v2/cancel/requests` (취소신청 목록, `result.resultData`): one open
/// cancel request of one order line. The listing holds open requests only: an approved
/// request moves to [`CancelledRow`], a withdrawn one simply leaves the list.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelRow {
    #[serde(flatten)]
    pub line: ClaimLine,
    /// 클레임신청일시.
    #[serde(deserialize_with = "lenient::text")]
    pub clm_demnd_dts: String,
}

/// A row of `/api/clm/cncl/ord/inquiry.ssg` (취소주문목록조회, `result.data`): one cancelled
/// order line.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelledRow {
    #[serde(flatten)]
    pub line: ClaimLine,
    /// 주문상품상태코드: 180 주문취소 (see `normalize::CANCELLED_STATUS`).
    #[serde(deserialize_with = "lenient::id")]
    pub ord_item_stat_cd: String,
    /// 주문취소일시.
    #[serde(deserialize_with = "lenient::text")]
    pub ord_cncl_dts: String,
}

/// A row of `/api/pd/1/listExchangeTarget.ssg` (반품/교환 회수 대상, `result.exchangeTargets`):
/// the pick-up (회수) of one order line for a return or an exchange.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryRow {
    #[serde(flatten)]
    pub line: ClaimLine,
    /// 배송구분상세: 21 반품회수, 22 교환회수, 23 AS회수 (see `normalize::RECOVERY_KIND`).
    #[serde(deserialize_with = "lenient::id")]
    pub shpp_div_dtl_cd: String,
    /// 최종배송진행상태: 61 회수지시 … 64 회수완료, 66 회수철회 (see
    /// `normalize::RECOVERY_PROGRESS`).
    #[serde(deserialize_with = "lenient::id")]
    pub last_shpp_prog_stat_dtl_cd: String,
    /// 반품처리상태명 (반품완료, 반품거부, …; its code is not in the row).
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub ret_proc_stat_nm: Option<String>,
    /// 회수지시일 (the claim's request; "may be missing", one client notes), 회수확인일,
    /// 회수완료일, 회수철회일.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub rcov_dirc_dt: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub rcov_cnf_dt: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub rcov_cmpl_dt: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub rcov_rvk_dt: Option<String>,
}

/// The line every claim row is: its own claim order line (주문번호 / 주문순번 of the claim
/// order), and the original order line it concerns (원주문번호 / 원주문순번), spelled
/// `orordNo` or `orOrdNo` ("대소문자 유의", one client notes). Without an original, the
/// claim's own numbers are the order's.
#[derive(Debug, Deserialize)]
pub struct ClaimLine {
    #[serde(rename = "ordNo", deserialize_with = "lenient::id")]
    pub ord_no: String,
    #[serde(rename = "ordItemSeq", deserialize_with = "lenient::id")]
    pub ord_item_seq: String,
    #[serde(
        default,
        alias = "orOrdNo",
        rename = "orordNo",
        deserialize_with = "lenient::opt_id"
    )]
    pub orord_no: Option<String>,
    #[serde(
        default,
        alias = "orOrdItemSeq",
        rename = "orordItemSeq",
        deserialize_with = "lenient::opt_id"
    )]
    pub orord_item_seq: Option<String>,
}

/// A row of `/api/settle/v1/ven/sales/list.ssg` (위수탁 마감 리스트), `result.resultData[]`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettleRow {
    /// 기준일 (`yyyyMMdd`).
    #[serde(deserialize_with = "lenient::text")]
    pub critn_dt: String,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub ord_no: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub ord_item_seq: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub item_id: Option<String>,
    /// 순판매액 (negative for a refund).
    #[serde(deserialize_with = "lenient::amount")]
    pub net_amt: i64,
    /// 판매수수료.
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub sell_fee: i64,
    /// 정산금액.
    #[serde(deserialize_with = "lenient::amount")]
    pub settl_amt: i64,
    /// 배송비.
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub dv_shppcst_amt: i64,
}

/// A row of `/api/postng/qnaList.ssg`: an unanswered product Q&A (미답변 상품Q&A).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QnaRow {
    /// 게시글 ID: what `ansQna.ssg` answers.
    #[serde(deserialize_with = "lenient::id")]
    pub postng_id: String,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub item_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub ord_no: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub postng_title_nm: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub postng_cntt: String,
    /// 등록일시.
    #[serde(deserialize_with = "lenient::text")]
    pub reg_dts: String,
}
