//! 11st's answers in 11st's own field names (shared/markets/11st.md §3-§6).
//!
//! 11st answers XML in EUC-KR. A page is decoded once with encoding_rs (the charset of the
//! `Content-Type` header, else of the XML declaration, else EUC-KR) and parsed once with
//! quick-xml's serde deserializer, which reads elements by their local names (`ns2:ordNo`
//! is `ordNo`) and resolves character references: text EUC-KR cannot hold (`똠` is in
//! it, `😀` is not) arrives as `&#128512;` and is read back as the character it names.
//!
//! Each row element (`<ns2:order>`, `<ns2:productQna>`, ...) is kept as a JSON object of
//! its child elements' text, in the names 11st sent (`{"ordNo":"2025...","prdNm":"..."}`):
//! the record's raw form, stored as sent (decoded), and read on its own into the typed
//! rows below with [`lenient`] (every XML value is text: amounts like `"12,000"`, empty
//! elements as absent values). One row that does not read is a rejected record, not the
//! end of the page.

use crate::markets::lenient;
use crate::model::RawJson;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The characters a page came in: the charset the answer names, or 11st's EUC-KR.
pub fn decode(body: &[u8], content_type: Option<&str>) -> Result<String, String> {
    let label = content_type
        .and_then(|ct| {
            ct.split(';')
                .filter_map(|p| p.trim().split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
                .map(|(_, v)| v.trim().trim_matches('"').to_string())
        })
        .or_else(|| declared_encoding(body))
        .unwrap_or_else(|| "euc-kr".to_string());
    let encoding = encoding_rs::Encoding::for_label(label.as_bytes())
        .ok_or_else(|| format!("unknown charset {label:?}"))?;
    // Without replacement: a byte that is not of the charset is a broken answer, never a
    // silently replaced character in a receiver's name.
    encoding
        .decode_without_bom_handling_and_without_replacement(body)
        .map(|text| text.into_owned())
        .ok_or_else(|| format!("bytes that are not {}", encoding.name()))
}

/// The `encoding` of the XML declaration, if the page starts with one.
fn declared_encoding(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(200)];
    let head = std::str::from_utf8(head)
        .ok()
        .or_else(|| std::str::from_utf8(&head[..head.iter().position(|b| *b >= 0x80)?]).ok())?;
    let decl = head.trim_start().strip_prefix("<?xml")?;
    let decl = &decl[..decl.find("?>")?];
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?;
    let rest = rest.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].to_string())
}

/// Whether a page is whole: it ends with the end tag of the element it opened with (a
/// connection cut mid-answer leaves it open).
pub fn is_whole(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body);
    let mut rest = text.trim_start();
    // Skip the declaration, comments and processing instructions.
    while rest.starts_with("<?") || rest.starts_with("<!") {
        let Some(end) = rest.find('>') else {
            return false;
        };
        rest = rest[end + 1..].trim_start();
    }
    let Some(open) = rest.strip_prefix('<') else {
        return false;
    };
    let name_end = open
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(open.len());
    let root = &open[..name_end];
    if root.is_empty() {
        return false;
    }
    let end = text.trim_end();
    let self_closed = open[name_end..]
        .find('>')
        .is_some_and(|i| open[name_end..][..i].trim_end().ends_with('/'));
    (self_closed && end.ends_with("/>")) || end.ends_with(&format!("</{root}>"))
}

/// Every list page: the result code and text (present on errors, empty lists and some
/// successes), and the rows under whichever row element the list uses.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PageXml {
    #[serde(alias = "resultCode")]
    result_code: Option<String>,
    #[serde(
        alias = "resultText",
        alias = "resultMessage",
        alias = "result_message"
    )]
    result_text: Option<String>,
    order: Vec<Value>,
    #[serde(rename = "productQna")]
    product_qna: Vec<Value>,
    alimi: Vec<Value>,
    nondelivery: Vec<Value>,
    settlement: Vec<Value>,
}

/// A page read: its result code and text, and its rows as sent.
#[derive(Debug, Default)]
pub struct Page {
    pub result_code: Option<String>,
    pub result_text: Option<String>,
    pub rows: Vec<RawJson>,
}

/// Why a page did not read, without any of its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable(pub String);

/// A decoded page parsed into its envelope and raw rows.
pub fn page(text: &str) -> Result<Page, Unreadable> {
    let xml: PageXml = quick_xml::de::from_str(text).map_err(|e| {
        // quick-xml's messages name element names and positions, which is fine; a value
        // never appears in them except for unknown enum variants, which we have none of.
        Unreadable(format!("XML that does not read ({})", category(&e)))
    })?;
    let rows = xml
        .order
        .into_iter()
        .chain(xml.product_qna)
        .chain(xml.alimi)
        .chain(xml.nondelivery)
        .chain(xml.settlement)
        .map(|v| RawJson::from_value(&flatten(v)))
        .collect();
    Ok(Page {
        result_code: xml.result_code.map(|c| c.trim().to_string()),
        result_text: xml.result_text.map(|t| t.trim().to_string()),
        rows,
    })
}

fn category(e: &quick_xml::DeError) -> &'static str {
    match e {
        quick_xml::DeError::InvalidXml(_) => "malformed XML",
        quick_xml::DeError::UnexpectedEof => "truncated XML",
        _ => "unexpected structure",
    }
}

/// An element as quick-xml hands it to a `Value` (`{"$text": "..."}`, `{}` when empty,
/// a map of children when nested) as the plain JSON a row is kept as: text as a string,
/// an empty element as `""`, children as an object.
fn flatten(v: Value) -> Value {
    match v {
        Value::Object(m) if m.is_empty() => Value::String(String::new()),
        Value::Object(m)
            if m.len() == 1 && (m.contains_key("$text") || m.contains_key("$value")) =>
        {
            flatten(
                m.into_iter()
                    .next()
                    .map(|(_, text)| text)
                    .unwrap_or_default(),
            )
        }
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (k, flatten(v)))
                .collect::<Map<String, Value>>(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(flatten).collect()),
        other => other,
    }
}

/// An `<AuthMessage>` answer (HTTP 500): the gateway refusing the call itself.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AuthMessage {
    #[serde(rename = "resultCode", alias = "result_code")]
    pub result_code: Option<String>,
    #[serde(rename = "resultMessage", alias = "result_text", alias = "resultText")]
    pub result_message: Option<String>,
}

/// The `<AuthMessage>` of a decoded answer, if that is what it is.
pub fn auth_message(text: &str) -> Option<AuthMessage> {
    if !text.contains("<AuthMessage") {
        return None;
    }
    quick_xml::de::from_str(text).ok()
}

// ---- order state lists (ordservices/...) ----

/// One 상품주문 line of an order state list.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    #[serde(deserialize_with = "lenient::id")]
    pub ord_no: String,
    #[serde(deserialize_with = "lenient::id")]
    pub ord_prd_seq: String,
    /// 주문일시, `yyyy-MM-dd HH:mm:ss` KST.
    #[serde(deserialize_with = "lenient::text")]
    pub ord_dt: String,
    /// 결제완료일시; absent while the payment is pending.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub ord_stl_end_dt: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub ord_prd_stat: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub prd_no: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub prd_nm: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub slct_prd_opt_nm: Option<String>,
    #[serde(deserialize_with = "lenient::count")]
    pub ord_qty: i32,
    #[serde(deserialize_with = "lenient::amount")]
    pub sel_prc: i64,
    /// 주문금액 (selPrc × ordQty plus options); absent on some lists.
    #[serde(default, deserialize_with = "lenient::opt_amount")]
    pub ord_amt: Option<i64>,
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub dlv_cst: i64,
    /// 배송번호: lines shipped together share it, and their delivery fee.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub dlv_no: Option<String>,
}

// ---- claim lists (claimservice/...) ----

/// One line of a cancel, return or exchange list (requested, completed or withdrawn).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimLine {
    #[serde(deserialize_with = "lenient::id")]
    pub ord_no: String,
    #[serde(deserialize_with = "lenient::id")]
    pub ord_prd_seq: String,
    /// 클레임 요청 순번 (returns, exchanges and the cancel lists' newer answers).
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub clm_req_seq: Option<String>,
    /// 주문취소 순번 (the cancel lists' older field).
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub ord_prd_cn_seq: Option<String>,
    /// 클레임 요청일시.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub req_dt: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub create_dt: Option<String>,
}

// ---- settlement/settlementList ----

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettlementLine {
    #[serde(deserialize_with = "lenient::id")]
    pub ord_no: String,
    #[serde(deserialize_with = "lenient::id")]
    pub ord_prd_seq: String,
    /// 구매확정일: the day the sale is recognised.
    #[serde(deserialize_with = "lenient::text")]
    pub pocnfrm_dt: String,
    /// 정산(송금)일.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub stl_dt: Option<String>,
    #[serde(deserialize_with = "lenient::amount")]
    pub sel_amt: i64,
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub sel_fee: i64,
    #[serde(default, deserialize_with = "lenient::amount_or_zero")]
    pub dlv_cst: i64,
    #[serde(deserialize_with = "lenient::amount")]
    pub stl_amt: i64,
}

// ---- inquiries ----

/// 상품 Q&A (prodqnaservices/prodqnalist).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductQna {
    #[serde(deserialize_with = "lenient::id")]
    pub brd_info_no: String,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub prd_no: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub brd_info_sbjct: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub brd_info_cont: String,
    #[serde(deserialize_with = "lenient::text")]
    pub create_dt: String,
    #[serde(default, deserialize_with = "lenient::flag_or_false")]
    pub answer_yn: bool,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub answer_cont: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub answer_dt: Option<String>,
}

/// 긴급알리미 (alimi/getalimilist): 11st's CS forwarding a buyer's matter to the seller.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alimi {
    #[serde(deserialize_with = "lenient::id")]
    pub emer_ntce_seq: String,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub ord_no: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub prd_no: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub emer_ctgr_nm: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub emer_ntce_cont: String,
    #[serde(deserialize_with = "lenient::text")]
    pub reg_dt: String,
    /// `01` 답변대기, `02` 답변완료.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub emer_ntce_crnt_cd: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub answer_cont: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub answer_dt: Option<String>,
}

/// 상품미도착 신고 (nondeliverys/nondeliverylist).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NonDelivery {
    #[serde(deserialize_with = "lenient::id")]
    pub rpt_no: String,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub ord_no: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub prd_no: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub rpt_cont: String,
    #[serde(deserialize_with = "lenient::text")]
    pub rpt_dt: String,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub ans_cont: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub ans_dt: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn euc_kr(s: &str) -> Vec<u8> {
        encoding_rs::EUC_KR.encode(s).0.into_owned()
    }

    #[test]
    fn euc_kr_pages_decode_by_header_by_declaration_and_by_default() {
        let xml =
            "<?xml version=\"1.0\" encoding=\"euc-kr\" standalone=\"yes\"?><a>똠방각하 햏</a>";
        let bytes = euc_kr(xml);
        assert_eq!(
            decode(&bytes, Some("text/xml;charset=EUC-KR")).unwrap(),
            xml
        );
        assert_eq!(decode(&bytes, Some("text/xml")).unwrap(), xml);
        assert_eq!(decode(&bytes, None).unwrap(), xml);
        let utf8 = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>사과</a>";
        assert_eq!(decode(utf8.as_bytes(), None).unwrap(), utf8);
        // A byte EUC-KR has no character for is refused, never replaced.
        assert!(decode(&[b'<', b'a', b'>', 0xFF, 0xFF, b'<'], None).is_err());
    }

    #[test]
    fn rows_keep_their_local_names_and_character_references_are_resolved() {
        let xml = "<?xml version=\"1.0\" encoding=\"euc-kr\"?>\
            <ns2:orders xmlns:ns2=\"http://www.11st.co.kr/Order\">\
            <ns2:order><ns2:ordNo>201001108318120</ns2:ordNo><ns2:ordPrdSeq>1</ns2:ordPrdSeq>\
            <ns2:prdNm>사과 &#128512; &amp; 배</ns2:prdNm><ns2:slctPrdOptNm/></ns2:order>\
            <ns2:order><ns2:ordNo>2</ns2:ordNo></ns2:order></ns2:orders>";
        let p = page(xml).unwrap();
        assert_eq!(p.result_code, None);
        assert_eq!(p.rows.len(), 2);
        let row: Value = p.rows[0].parse().unwrap();
        assert_eq!(row["ordNo"], "201001108318120");
        assert_eq!(row["prdNm"], "사과 😀 & 배");
        assert_eq!(row["slctPrdOptNm"], "");
    }

    #[test]
    fn result_codes_are_read_in_either_spelling() {
        let p = page("<ns2:orders xmlns:ns2=\"x\"><ns2:result_code>-3305</ns2:result_code><ns2:result_text>기간</ns2:result_text></ns2:orders>").unwrap();
        assert_eq!(p.result_code.as_deref(), Some("-3305"));
        assert_eq!(p.result_text.as_deref(), Some("기간"));
        let a = auth_message("<AuthMessage><resultCode>-997</resultCode><resultMessage>등록된 API 정보가 존재하지 않습니다.</resultMessage></AuthMessage>").unwrap();
        assert_eq!(a.result_code.as_deref(), Some("-997"));
        assert!(auth_message("<ns2:orders/>").is_none());
    }

    #[test]
    fn a_page_is_whole_only_when_its_root_is_closed() {
        assert!(is_whole(
            b"<?xml version=\"1.0\"?>\n<ns2:orders xmlns:ns2=\"x\"><a/></ns2:orders>\n"
        ));
        assert!(is_whole(b"<ns2:orders xmlns:ns2=\"x\"/>"));
        assert!(!is_whole(
            b"<?xml version=\"1.0\"?><ns2:orders xmlns:ns2=\"x\"><a/></ns2:or"
        ));
        assert!(!is_whole(b""));
    }
}
