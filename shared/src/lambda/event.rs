//! The three event shapes a collector function serves, decoded into one [`Invocation`]:
//! an EventBridge Scheduler input (or the same inside an EventBridge rule envelope's
//! `detail`), an API Gateway REST proxy request, and a direct invocation with the command
//! JSON. Anything else is refused before any work starts.

use crate::centers::Secret;
use crate::model::Kind;
use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use aws_lambda_events::eventbridge::EventBridgeEvent;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// What a schedule or a direct invocation asks for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Command {
    /// Kinds to collect; empty = every kind the market offers by API.
    #[serde(default)]
    pub kinds: Vec<Kind>,
    /// Re-read this far back (e.g. `"7d"` for the daily reconciliation) instead of
    /// resuming from the watermark.
    #[serde(default)]
    pub lookback: Option<String>,
    /// Which slice of the market's sellers this invocation owns.
    #[serde(default)]
    pub shard: Option<Shard>,
    /// The schedule's firing this invocation belongs to (EventBridge Scheduler's
    /// `<aws.scheduler.scheduled-time>`, a rule event's `time`). Without a shard it asks
    /// for the cycle's shards to be planned and started (`lambda::shards`); with one, it is
    /// that shard of the firing. Every delivery of one firing carries the same time.
    #[serde(default)]
    pub scheduled: Option<DateTime<Utc>>,
    /// One seller only (direct invocations).
    #[serde(default)]
    pub seller: Option<String>,
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    #[serde(default)]
    pub to: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

/// An on-demand request through API Gateway.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiRequest {
    pub route: Route,
    pub market: String,
    pub seller: String,
    /// The `collect` body.
    pub collect: CollectBody,
    /// The `2fa` body's code.
    pub code: Option<Secret>,
    /// The `session` body: the exported browser session (a storage state's JSON text or
    /// a cookies.txt), never printed.
    pub session_file: Option<Secret>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Collect,
    Verify,
    Status,
    /// `POST .../2fa` `{"code"}`: complete a seller-center login waiting for a code.
    TwoFactor,
    /// `POST .../session` `{"storage_state": {...}}` or `{"cookies_txt": "..."}`: import
    /// a browser's seller-center session.
    SessionImport,
}

/// `POST .../2fa` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeBody {
    code: String,
}

/// `POST .../session` body: one of the two export formats.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionBody {
    #[serde(default)]
    storage_state: Option<serde_json::Value>,
    #[serde(default)]
    cookies_txt: Option<String>,
}

/// `POST .../collect` body: all fields optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectBody {
    #[serde(default)]
    pub kinds: Vec<Kind>,
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    #[serde(default)]
    pub to: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Invocation {
    /// A schedule (Scheduler input or rule envelope) or a direct invocation.
    Command(Command),
    Api(ApiRequest),
}

/// Why an event was refused. Messages name the problem, never echo payload values.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EventError {
    #[error("malformed {shape}: {detail}")]
    Malformed { shape: &'static str, detail: String },
    #[error(
        "no route for {method} {path}; routes: POST /v1/markets/{{market}}/sellers/{{seller}}/collect, POST .../verify, GET .../status, POST .../2fa, POST .../session"
    )]
    NoRoute { method: String, path: String },
    #[error("invalid command: {0}")]
    Invalid(String),
}

/// Decode any event this function may receive.
pub fn decode(event: serde_json::Value) -> Result<Invocation, EventError> {
    if event.get("httpMethod").is_some() {
        let req: ApiGatewayProxyRequest = from_value(event, "API Gateway request")?;
        return api(req).map(Invocation::Api);
    }
    if event.get("detail-type").is_some() {
        let envelope: EventBridgeEvent<Command> = from_value(event, "EventBridge event")?;
        let mut command = envelope.detail;
        // A rule fires with its time in the envelope; a redelivery carries the same.
        command.scheduled = command.scheduled.or(envelope.time);
        return validated(command).map(Invocation::Command);
    }
    let command: Command = from_value(event, "command")?;
    validated(command).map(Invocation::Command)
}

fn from_value<T: serde::de::DeserializeOwned>(
    v: serde_json::Value,
    shape: &'static str,
) -> Result<T, EventError> {
    serde_path_to_error::deserialize(v).map_err(|e| EventError::Malformed {
        shape,
        detail: describe(&e),
    })
}

/// Where a payload went wrong, without the offending value.
fn describe(e: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let message = e.inner().to_string();
    let message = message.split(" at line ").next().unwrap_or_default();
    // serde names the offending value right after these openings; keep what follows it
    // (the expected names), drop the value itself.
    let what = if let Some(rest) = message.strip_prefix("unknown variant") {
        let expected = rest.split_once(", expected").map_or("", |(_, x)| x);
        format!("unknown value, expected{expected}")
    } else if message.starts_with("unknown field") || message.starts_with("missing field") {
        message.to_string()
    } else {
        message.split(':').next().unwrap_or("invalid").to_string()
    };
    format!("{what} at `{}`", e.path())
}

impl Command {
    /// The lookback as a duration (`7d`, `24h`, `30m`).
    pub fn lookback(&self) -> Result<Option<Duration>, EventError> {
        self.lookback.as_deref().map(parse_duration).transpose()
    }
}

fn validated(c: Command) -> Result<Command, EventError> {
    if let Some(s) = c.shard.filter(|s| s.count == 0 || s.index >= s.count) {
        return Err(EventError::Invalid(format!(
            "shard index {} is not below shard count {}",
            s.index, s.count
        )));
    }
    c.lookback()?;
    if c.lookback.is_some() && (c.from.is_some() || c.to.is_some()) {
        return Err(EventError::Invalid(
            "give either lookback or from/to, not both".into(),
        ));
    }
    check_range(c.from, c.to)?;
    if c.seller.as_deref().is_some_and(|s| s.trim().is_empty()) {
        return Err(EventError::Invalid("seller is empty".into()));
    }
    if c.seller.is_some() && (c.scheduled.is_some() || c.shard.is_some()) {
        return Err(EventError::Invalid(
            "a seller's command carries no schedule or shard: those collect the market's sellers"
                .into(),
        ));
    }
    Ok(c)
}

fn check_range(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Result<(), EventError> {
    match (from, to) {
        (Some(a), Some(b)) if a >= b => Err(EventError::Invalid("from is not before to".into())),
        (Some(_), None) | (None, Some(_)) => {
            Err(EventError::Invalid("from and to go together".into()))
        }
        _ => Ok(()),
    }
}

/// The longest lookback an event may ask for (each kind's own limit applies too).
pub const MAX_LOOKBACK_DAYS: i64 = 31;

/// `7d`, `24h`, `30m`: from one minute to [`MAX_LOOKBACK_DAYS`]. Checked arithmetic: any
/// digits are refused, never a panic.
pub fn parse_duration(s: &str) -> Result<Duration, EventError> {
    let bad = || {
        EventError::Invalid(format!(
            "lookback {s:?} is not a duration from 1 minute to {MAX_LOOKBACK_DAYS} days, like 7d, 24h or 30m"
        ))
    };
    let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let n: i64 = s[..split].parse().map_err(|_| bad())?;
    let d = match &s[split..] {
        "d" => Duration::try_days(n),
        "h" => Duration::try_hours(n),
        "m" => Duration::try_minutes(n),
        _ => None,
    }
    .ok_or_else(bad)?;
    if n <= 0 || d > Duration::days(MAX_LOOKBACK_DAYS) {
        return Err(bad());
    }
    Ok(d)
}

fn api(req: ApiGatewayProxyRequest) -> Result<ApiRequest, EventError> {
    let path = req.path.clone().unwrap_or_default();
    let method = req.http_method.as_str().to_string();
    let no_route = || EventError::NoRoute {
        method: method.clone(),
        path: path.clone(),
    };
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (market, seller, action) = match segments.as_slice() {
        ["v1", "markets", market, "sellers", seller, action] => (*market, *seller, *action),
        _ => return Err(no_route()),
    };
    // API Gateway decodes path parameters; prefer them over the raw path.
    let seller = req
        .path_parameters
        .get("seller")
        .map(String::as_str)
        .unwrap_or(seller)
        .to_string();
    let route = match (method.as_str(), action) {
        ("POST", "collect") => Route::Collect,
        ("POST", "verify") => Route::Verify,
        ("GET", "status") => Route::Status,
        ("POST", "2fa") => Route::TwoFactor,
        ("POST", "session") => Route::SessionImport,
        _ => return Err(no_route()),
    };
    let mut out = ApiRequest {
        route,
        market: market.to_string(),
        seller,
        collect: CollectBody::default(),
        code: None,
        session_file: None,
    };
    match route {
        Route::Collect => {
            if let Some(value) = body_json(&req, "collect body")? {
                let body: CollectBody = from_value(value, "collect body")?;
                check_range(body.from, body.to)?;
                out.collect = body;
            }
        }
        Route::TwoFactor => {
            let value = body_json(&req, "2fa body")?.ok_or_else(|| EventError::Malformed {
                shape: "2fa body",
                detail: "missing; send {\"code\": \"...\"}".into(),
            })?;
            let body: CodeBody = from_value(value, "2fa body")?;
            if body.code.trim().is_empty() {
                return Err(EventError::Invalid("the code is empty".into()));
            }
            out.code = Some(Secret::new(body.code.trim()));
        }
        Route::SessionImport => {
            let value = body_json(&req, "session body")?.ok_or_else(|| EventError::Malformed {
                shape: "session body",
                detail: "missing; send {\"storage_state\": {...}} or {\"cookies_txt\": \"...\"}"
                    .into(),
            })?;
            let body: SessionBody = from_value(value, "session body")?;
            let file = match (body.storage_state, body.cookies_txt) {
                (Some(state), None) if state.is_object() => state.to_string(),
                (None, Some(text)) if !text.trim().is_empty() => text,
                _ => {
                    return Err(EventError::Invalid(
                        "give exactly one of storage_state (a Playwright storage-state object) or cookies_txt".into(),
                    ));
                }
            };
            out.session_file = Some(Secret::new(file));
        }
        Route::Verify | Route::Status => {}
    }
    Ok(out)
}

/// A request's JSON body (base64 decoded when API Gateway says so); `None` when empty.
/// Errors name the problem and where, never the content (it may hold codes or cookies).
fn body_json(
    req: &ApiGatewayProxyRequest,
    shape: &'static str,
) -> Result<Option<serde_json::Value>, EventError> {
    let Some(body) = req.body.as_deref().map(str::trim).filter(|b| !b.is_empty()) else {
        return Ok(None);
    };
    let text = if req.is_base64_encoded {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|_| EventError::Malformed {
                shape,
                detail: "not valid base64".into(),
            })?;
        String::from_utf8(bytes).map_err(|_| EventError::Malformed {
            shape,
            detail: "not UTF-8".into(),
        })?
    } else {
        body.to_string()
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| EventError::Malformed {
            shape,
            detail: format!("not JSON (line {}, column {})", e.line(), e.column()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn api_event(method: &str, path: &str, body: Option<&str>) -> serde_json::Value {
        let seller = path.split('/').nth(5).unwrap_or_default();
        json!({
            "resource": "/v1/markets/coupang/sellers/{seller}/collect",
            "path": path,
            "httpMethod": method,
            "headers": {}, "multiValueHeaders": {}, "queryStringParameters": null,
            "multiValueQueryStringParameters": null,
            "pathParameters": {"seller": seller},
            "stageVariables": null,
            "requestContext": {"httpMethod": method, "path": path, "stage": "v1", "requestId": "r", "identity": {}},
            "body": body, "isBase64Encoded": false
        })
    }

    #[test]
    fn a_scheduler_input_and_a_rule_envelope_decode_to_the_same_command() {
        let input =
            json!({"kinds": ["orders"], "lookback": "7d", "shard": {"index": 1, "count": 4}});
        let direct = decode(input.clone()).unwrap();
        let envelope = json!({
            "version": "0", "id": "e", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": "2025-01-01T00:00:00Z", "region": "ap-northeast-2",
            "resources": [], "detail": input
        });
        // The envelope's time is the firing's, as a Scheduler input's `scheduled` is.
        let Invocation::Command(from_rule) = decode(envelope).unwrap() else {
            panic!()
        };
        let at: DateTime<Utc> = "2025-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(from_rule.scheduled, Some(at));
        let mut timed = input.clone();
        timed["scheduled"] = json!("2025-01-01T00:00:00Z");
        assert_eq!(decode(timed).unwrap(), Invocation::Command(from_rule));
        let Invocation::Command(c) = direct else {
            panic!()
        };
        assert_eq!(c.kinds, vec![Kind::Orders]);
        assert_eq!(c.lookback().unwrap(), Some(Duration::days(7)));
        assert_eq!(c.shard, Some(Shard { index: 1, count: 4 }));
    }

    #[test]
    fn api_routes_decode_with_their_seller_and_body() {
        let ev = api_event(
            "POST",
            "/v1/markets/coupang/sellers/A00010001/collect",
            Some(
                r#"{"kinds":["orders","inquiries"],"from":"2025-01-01T00:00:00Z","to":"2025-01-02T00:00:00Z"}"#,
            ),
        );
        let Invocation::Api(req) = decode(ev).unwrap() else {
            panic!()
        };
        assert_eq!(req.route, Route::Collect);
        assert_eq!(
            (req.market.as_str(), req.seller.as_str()),
            ("coupang", "A00010001")
        );
        assert_eq!(req.collect.kinds, vec![Kind::Orders, Kind::Inquiries]);
        let ev = api_event("GET", "/v1/markets/naver/sellers/s1/status", None);
        assert!(matches!(
            decode(ev).unwrap(),
            Invocation::Api(ApiRequest {
                route: Route::Status,
                ..
            })
        ));
        let ev = api_event("POST", "/v1/markets/naver/sellers/s1/verify", None);
        assert!(matches!(
            decode(ev).unwrap(),
            Invocation::Api(ApiRequest {
                route: Route::Verify,
                ..
            })
        ));
    }

    #[test]
    fn the_2fa_and_session_routes_read_their_bodies_and_never_show_them() {
        let ev = api_event(
            "POST",
            "/v1/markets/naver/sellers/s1/2fa",
            Some(r#"{"code": " 482913 "}"#),
        );
        let Invocation::Api(req) = decode(ev).unwrap() else {
            panic!()
        };
        assert_eq!(req.route, Route::TwoFactor);
        assert_eq!(req.code.as_ref().unwrap().expose(), "482913");
        assert!(!format!("{req:?}").contains("482913"));
        let ev = api_event(
            "POST",
            "/v1/markets/naver/sellers/s1/session",
            Some(r#"{"storage_state": {"cookies": [{"name": "NID_SES", "value": "planted"}]}}"#),
        );
        let Invocation::Api(req) = decode(ev).unwrap() else {
            panic!()
        };
        assert_eq!(req.route, Route::SessionImport);
        assert!(
            req.session_file
                .as_ref()
                .unwrap()
                .expose()
                .contains("planted")
        );
        assert!(!format!("{req:?}").contains("planted"));
        for (path, body) in [
            ("2fa", None),
            ("2fa", Some(r#"{"code": 482913}"#)),
            ("2fa", Some(r#"{"code": "1", "pin": "2"}"#)),
            (
                "session",
                Some(r#"{"storage_state": {}, "cookies_txt": "x"}"#),
            ),
            ("session", Some(r#"{"cookies_txt": ""}"#)),
        ] {
            let ev = api_event(
                "POST",
                &format!("/v1/markets/naver/sellers/s1/{path}"),
                body,
            );
            let err = decode(ev).unwrap_err().to_string();
            assert!(!err.contains("482913"), "{err}");
        }
    }

    #[test]
    fn malformed_events_are_refused_with_what_is_wrong() {
        let cases = [
            json!({"kinds": ["orderz"]}),
            json!({"kinds": ["orders"], "shard": {"index": 4, "count": 4}}),
            json!({"lookback": "7 days"}),
            json!({"lookback": "7d", "from": "2025-01-01T00:00:00Z", "to": "2025-01-02T00:00:00Z"}),
            json!({"surprise": true}),
            json!({"seller": "s1", "scheduled": "2025-01-01T00:00:00Z"}),
            json!({"kinds": ["orders"], "scheduled": "at ten past"}),
            json!("just a string"),
        ];
        for c in cases {
            assert!(decode(c.clone()).is_err(), "{c}");
        }
        let err = decode(json!({"kinds": ["hunter2-secret"]}))
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
        let bad_route = api_event("DELETE", "/v1/markets/coupang/sellers/x/collect", None);
        assert!(matches!(decode(bad_route), Err(EventError::NoRoute { .. })));
        let bad_body = api_event(
            "POST",
            "/v1/markets/coupang/sellers/x/collect",
            Some("{not json"),
        );
        assert!(matches!(
            decode(bad_body),
            Err(EventError::Malformed { .. })
        ));
    }
}
