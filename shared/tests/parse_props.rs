//! Fuzz-style properties (proptest): whatever a marketplace or an event source sends, the
//! parsers answer with a value or an error, never a panic. For each connector listing, a
//! page body goes the way the connector reads it (the page's envelope parsed once, then
//! each row read and normalized on its own, `Connector::reread` being that row path); the
//! error-answer judges read any body; the Lambda event decoder (`lambda::decode`, the
//! `lookback` parser inside it) reads any JSON. Inputs:
//! arbitrary bytes, arbitrary JSON, and real pages (the connectors' testdata) and sample
//! events mutated a few nodes at a time, the likeliest way to reach the normalizers.
//! 256 cases per property, so the file runs in seconds.

use proptest::prelude::*;
use proptest::sample::Index;
use sellerbox::CollectError;
use sellerbox::error::parse_json;
use sellerbox::http::{Http, Meter, Reply, RetryPolicy, TokenCache};
use sellerbox::markets::{self, ConnectCtx, Connector, coupang, naver};
use sellerbox::model::{Kind, Market, RawJson, RejectKey, Rejected};
use serde_json::{Value, json};
use std::sync::OnceLock;

/// One listing of one connector: where its rows come from and how its page reads.
#[derive(Debug)]
struct Listing {
    market: Market,
    /// The endpoint as the connector names it in rejected records (what `reread` reads by).
    endpoint: &'static str,
    /// A real page of it: what the mutations start from.
    sample: &'static str,
    /// The page's envelope, parsed the way the connector parses it, down to its rows.
    rows: fn(&[u8]) -> Result<Vec<RawJson>, CollectError>,
}

const CP_ORDERSHEETS: &str = "/v2/providers/openapi/apis/api/v4/vendors/{vendorId}/ordersheets";
const CP_RETURNS: &str = "/v2/providers/openapi/apis/api/v4/vendors/{vendorId}/returnRequests";
const CP_CANCELS: &str =
    "/v2/providers/openapi/apis/api/v4/vendors/{vendorId}/returnRequests?cancelType=CANCEL";
const CP_EXCHANGES: &str = "/v2/providers/openapi/apis/api/v4/vendors/{vendorId}/exchangeRequests";
const CP_REVENUE: &str = "/v2/providers/openapi/apis/api/v1/revenue-history";
const CP_ONLINE: &str = "/v2/providers/openapi/apis/api/v4/vendors/{vendorId}/onlineInquiries";
const CP_CALL_CENTER: &str =
    "/v2/providers/openapi/apis/api/v4/vendors/{vendorId}/callCenterInquiries";
const NV_CHANGED: &str = "/v1/pay-order/seller/product-orders/last-changed-statuses";
const NV_QUERY: &str = "/v1/pay-order/seller/product-orders/query";
const NV_SETTLE: &str = "/v1/pay-settle/settle/case";
const NV_QNAS: &str = "/v1/contents/qnas";
const NV_INQUIRIES: &str = "/v1/pay-user/inquiries";

macro_rules! testdata {
    ($market:literal, $file:literal) => {
        include_str!(concat!("../src/markets/", $market, "/testdata/", $file))
    };
}

fn coupang_list(b: &[u8]) -> Result<Vec<RawJson>, CollectError> {
    parse_json::<coupang::api::Envelope<Vec<RawJson>>>(Market::Coupang, "fuzz", b).map(|p| p.data)
}

fn coupang_paged(b: &[u8]) -> Result<Vec<RawJson>, CollectError> {
    parse_json::<coupang::api::Envelope<coupang::api::Paged<RawJson>>>(Market::Coupang, "fuzz", b)
        .map(|p| p.data.content)
}

static LISTINGS: &[Listing] = &[
    Listing {
        market: Market::Coupang,
        endpoint: CP_ORDERSHEETS,
        sample: testdata!("coupang", "ordersheets.json"),
        rows: coupang_list,
    },
    Listing {
        market: Market::Coupang,
        endpoint: CP_RETURNS,
        sample: testdata!("coupang", "return_requests.json"),
        rows: coupang_list,
    },
    Listing {
        market: Market::Coupang,
        endpoint: CP_CANCELS,
        sample: testdata!("coupang", "return_requests.json"),
        rows: coupang_list,
    },
    Listing {
        market: Market::Coupang,
        endpoint: CP_EXCHANGES,
        sample: testdata!("coupang", "exchange_requests.json"),
        rows: coupang_list,
    },
    Listing {
        market: Market::Coupang,
        endpoint: CP_REVENUE,
        sample: testdata!("coupang", "revenue_history.json"),
        rows: |b| {
            parse_json::<coupang::api::RevenuePage<RawJson>>(Market::Coupang, "fuzz", b)
                .map(|p| p.data)
        },
    },
    Listing {
        market: Market::Coupang,
        endpoint: CP_ONLINE,
        sample: testdata!("coupang", "online_inquiries.json"),
        rows: coupang_paged,
    },
    Listing {
        market: Market::Coupang,
        endpoint: CP_CALL_CENTER,
        sample: testdata!("coupang", "call_center_inquiries.json"),
        rows: coupang_paged,
    },
    Listing {
        market: Market::Naver,
        endpoint: NV_QUERY,
        sample: testdata!("naver", "product_orders_query.json"),
        rows: |b| {
            parse_json::<naver::api::DetailPage<RawJson>>(Market::Naver, "fuzz", b).map(|p| p.data)
        },
    },
    Listing {
        market: Market::Naver,
        endpoint: NV_SETTLE,
        sample: testdata!("naver", "settle_case.json"),
        rows: |b| {
            parse_json::<naver::api::SettleCasePage<RawJson>>(Market::Naver, "fuzz", b)
                .map(|p| p.elements)
        },
    },
    Listing {
        market: Market::Naver,
        endpoint: NV_QNAS,
        sample: testdata!("naver", "qnas.json"),
        rows: |b| {
            parse_json::<naver::api::QnaPage<RawJson>>(Market::Naver, "fuzz", b).map(|p| p.contents)
        },
    },
    Listing {
        market: Market::Naver,
        endpoint: NV_INQUIRIES,
        sample: testdata!("naver", "pay_user_inquiries.json"),
        rows: |b| {
            parse_json::<naver::api::InquiryPage<RawJson>>(Market::Naver, "fuzz", b)
                .map(|p| p.content)
        },
    },
    Listing {
        market: Market::Naver,
        endpoint: NV_CHANGED,
        sample: testdata!("naver", "last_changed_statuses.json"),
        // The change feed's rows are typed in the page itself (no row of it is kept
        // as rejected): the page parse is all there is to read.
        rows: |b| {
            parse_json::<naver::api::ChangedPage>(Market::Naver, "fuzz", b).map(|_| Vec::new())
        },
    },
];

/// A connector of `market`; connecting reads the credentials only, no request is sent.
fn connector(market: Market) -> &'static dyn Connector {
    static COUPANG: OnceLock<Box<dyn Connector>> = OnceLock::new();
    static NAVER: OnceLock<Box<dyn Connector>> = OnceLock::new();
    let (cell, credentials) = match market {
        Market::Coupang => (
            &COUPANG,
            json!({"vendor_id": "A00012345", "access_key": "ak", "secret_key": "sk"}),
        ),
        Market::Naver => (
            &NAVER,
            json!({"client_id": "cid", "client_secret": "$2a$04$abcdefghijklmnopqrstuu",
                   "account_id": "ncp_fuzz"}),
        ),
        other => unreachable!("LISTINGS has no listing of {other}"),
    };
    cell.get_or_init(|| {
        let spec = markets::require(market).expect("compiled in");
        (spec.connect)(ConnectCtx {
            http: Http::new(RetryPolicy::default()).expect("HTTP client"),
            tokens: TokenCache::default(),
            meter: Meter::default(),
            seller_id: "fuzz".into(),
            credentials,
            base_url: None,
            options: json!({}),
        })
        .unwrap_or_else(|e| panic!("{market}: the fuzz credentials are refused: {e}"))
    })
    .as_ref()
}

fn kind_of(endpoint: &str) -> Kind {
    match endpoint {
        CP_REVENUE | NV_SETTLE => Kind::Settlements,
        CP_ONLINE | CP_CALL_CENTER | NV_QNAS | NV_INQUIRIES => Kind::Inquiries,
        _ => Kind::Orders,
    }
}

/// A page body read the connector's way: envelope, then each row on its own. Errors are
/// answers; only a panic fails the property. How many rows read, for the sanity test.
fn read_page(listing: &Listing, body: &[u8]) -> usize {
    let Ok(rows) = (listing.rows)(body) else {
        return 0;
    };
    let connector = connector(listing.market);
    rows.into_iter()
        .filter(|raw| {
            let rejected = Rejected {
                key: RejectKey {
                    endpoint: listing.endpoint.into(),
                    record_key: "fuzz".into(),
                },
                reason: String::new(),
                raw: raw.clone(),
            };
            connector
                .reread(kind_of(listing.endpoint), &rejected)
                .is_ok()
        })
        .count()
}

// ---------------------------------------------------------------- the inputs

/// Values that make parsers take their edge paths: spellings of numbers, flags and times
/// the lenient readers accept, and ones just past what they can hold.
const TRICKY: &[&str] = &[
    "",
    "Y",
    "N",
    "true",
    "0",
    "1",
    "-1",
    "12,000",
    "12000.0",
    "1e400",
    "9223372036854775807",
    "-9223372036854775808",
    "99999999999999999999",
    "2025-03-10",
    "2025-03-10T12:00:00",
    "2025-03-10 12:00:00",
    "2025-03-10T12:00:00.123+09:00",
    "20250310120000",
    "2025-02-30",
    "9999-12-31T23:59:59Z",
    "+262143-12-31T23:59:59Z",
    "0000-01-01",
    "PAYED",
    "CANCEL_DONE",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop::sample::select(vec![i64::MAX, i64::MIN, i64::MAX / 2 + 1, i64::MIN / 2 - 1])
            .prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        any::<String>().prop_map(Value::from),
        prop::sample::select(TRICKY).prop_map(Value::from),
    ]
}

/// Every object key of the samples: arbitrary JSON that uses them reaches past the
/// envelopes into the rows.
fn known_keys() -> Vec<String> {
    fn walk(v: &Value, out: &mut std::collections::BTreeSet<String>) {
        match v {
            Value::Object(m) => m.iter().for_each(|(k, v)| {
                out.insert(k.clone());
                walk(v, out);
            }),
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut keys = std::collections::BTreeSet::new();
    for l in LISTINGS {
        walk(
            &serde_json::from_str(l.sample).expect("testdata is JSON"),
            &mut keys,
        );
    }
    keys.into_iter().collect()
}

fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![3 => prop::sample::select(known_keys()), 1 => any::<String>()];
    leaf().prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// One change to a JSON document: at the node `at` picks, put `value` or remove the node.
#[derive(Debug, Clone)]
struct Mutation {
    at: Index,
    remove: bool,
    value: Value,
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    let one = (any::<Index>(), prop::bool::weighted(0.2), json_value())
        .prop_map(|(at, remove, value)| Mutation { at, remove, value });
    prop::collection::vec(one, 1..5)
}

/// JSON pointers of every node below the root.
fn pointers(v: &Value, here: String, out: &mut Vec<String>) {
    let children: Vec<(String, &Value)> = match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| (k.replace('~', "~0").replace('/', "~1"), v))
            .collect(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => return,
    };
    for (k, child) in children {
        let p = format!("{here}/{k}");
        out.push(p.clone());
        pointers(child, p, out);
    }
}

fn mutate(mut doc: Value, changes: &[Mutation]) -> Value {
    for m in changes {
        let mut all = Vec::new();
        pointers(&doc, String::new(), &mut all);
        if all.is_empty() {
            return m.value.clone();
        }
        let at = all[m.at.index(all.len())].clone();
        if m.remove {
            let (parent, key) = at.rsplit_once('/').expect("a pointer below the root");
            match doc.pointer_mut(parent) {
                Some(Value::Object(o)) => {
                    o.remove(&key.replace("~1", "/").replace("~0", "~"));
                }
                Some(Value::Array(a)) => {
                    a.remove(key.parse::<usize>().expect("an array index"));
                }
                _ => {}
            }
        } else if let Some(node) = doc.pointer_mut(&at) {
            *node = m.value.clone();
        }
    }
    doc
}

fn listing() -> impl Strategy<Value = &'static Listing> {
    prop::sample::select(LISTINGS.iter().collect::<Vec<_>>())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------- the properties

/// The properties are only as good as the listing table: every sample page reads, and
/// every row of it reads through `reread` at the endpoint named (a renamed endpoint would
/// otherwise turn every case into "no reader").
#[test]
fn every_sample_page_reads_at_its_endpoint() {
    for l in LISTINGS {
        let rows = (l.rows)(l.sample.as_bytes())
            .unwrap_or_else(|e| panic!("{}: the sample page does not read: {e}", l.endpoint));
        assert_eq!(
            read_page(l, l.sample.as_bytes()),
            rows.len(),
            "{}: a sample row does not reread",
            l.endpoint
        );
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic_a_page(l in listing(), body in prop::collection::vec(any::<u8>(), 0..512)) {
        read_page(l, &body);
    }

    #[test]
    fn arbitrary_json_never_panics_a_page(l in listing(), page in json_value()) {
        read_page(l, page.to_string().as_bytes());
    }

    #[test]
    fn mutated_real_pages_never_panic(l in listing(), changes in mutations()) {
        let page = mutate(serde_json::from_str(l.sample).expect("JSON"), &changes);
        read_page(l, page.to_string().as_bytes());
    }

    #[test]
    fn cut_real_pages_never_panic(l in listing(), cut in any::<Index>()) {
        let body = l.sample.as_bytes();
        read_page(l, &body[..cut.index(body.len() + 1)]);
    }

    #[test]
    fn error_answers_of_any_body_are_judged(
        l in listing(),
        status in prop::sample::select(vec![200u16, 400, 401, 403, 404, 429, 500, 503]),
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..256),
            json_value().prop_map(|v| v.to_string().into_bytes()),
        ],
    ) {
        let reply = Reply {
            status: reqwest::StatusCode::from_u16(status).expect("a status"),
            headers: Default::default(),
            body: body.into(),
        };
        match l.market {
            Market::Coupang => drop(coupang::judge(l.endpoint, &reply)),
            Market::Naver => {
                drop(naver::judge(l.endpoint, &reply));
                drop(naver::judge_token(&reply));
            }
            other => unreachable!("LISTINGS has no listing of {other}"),
        }
    }
}

// ---------------------------------------------------------------- the event decoder

const EVENTS: &[&str] = &[
    include_str!("../../events/coupang.api-collect.200.json"),
    include_str!("../../events/coupang.api-status.200.json"),
    include_str!("../../events/coupang.api-verify.200.json"),
    include_str!("../../events/coupang.direct.ok.json"),
    include_str!("../../events/coupang.rule.ok.json"),
    include_str!("../../events/coupang.scheduler.ok.json"),
    include_str!("../../events/coupang.scheduler-reconcile.ok.json"),
    include_str!("../../events/naver.api-collect.200.json"),
];

fn event() -> impl Strategy<Value = Value> {
    prop::sample::select(EVENTS.to_vec()).prop_map(|e| serde_json::from_str(e).expect("JSON"))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic_the_event_decoder(body in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(v) = serde_json::from_slice::<Value>(&body) {
            drop(sellerbox::lambda::decode(v));
        }
    }

    #[test]
    fn arbitrary_json_never_panics_the_event_decoder(v in json_value()) {
        drop(sellerbox::lambda::decode(v));
    }

    #[test]
    fn mutated_sample_events_never_panic_the_decoder(e in event(), changes in mutations()) {
        drop(sellerbox::lambda::decode(mutate(e, &changes)));
    }

    #[test]
    fn any_lookback_is_read_or_refused(
        n in prop_oneof![any::<i64>().prop_map(|n| n.to_string()), any::<String>()],
        unit in prop::sample::select(vec!["d", "h", "m", "s", "", "dd"]),
    ) {
        let command = json!({"kinds": ["orders"], "lookback": format!("{n}{unit}")});
        drop(sellerbox::lambda::decode(command));
    }
}
