//! The one HTTP client of the process: rate limits per marketplace scope, throttle
//! detection, retries with backoff. Connectors describe a request and how to judge the
//! answer; this module decides when to send it and whether to try again.

pub mod lease;
mod limiter;
mod meter;
mod pacer;
mod tokens;

pub use limiter::{KeyCounts, LimitKey, Limiter, Reach, Sent, Spacing, Totals};
pub use meter::{Meter, MeterSnapshot};
pub use tokens::TokenCache;

use crate::error::CollectError;
use crate::markets::listing::{Envelope, Listing};
use crate::model::Market;
use backon::BackoffBuilder;
use bytes::Bytes;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

/// Limits on how hard we try before giving up on one request.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Throttled answers tolerated for one request before it fails as `RateLimited`.
    pub max_throttles: u32,
    /// 5xx answers and transport failures tolerated before `MarketplaceDown`.
    pub max_transient: u32,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// The longest `Retry-After` we honour; a longer one fails the request (the run
    /// resumes later instead of holding a Lambda for minutes).
    pub retry_after_max: Duration,
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_throttles: 6,
            max_transient: 4,
            backoff_min: Duration::from_millis(250),
            backoff_max: Duration::from_secs(8),
            retry_after_max: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// What a connector says about one answer.
#[derive(Debug)]
pub enum Verdict {
    /// Usable: hand the reply to the connector.
    Done,
    /// The marketplace throttled us; wait (`Retry-After` if it said) and try again slower.
    Throttled { retry_after: Option<Duration> },
    /// A passing failure (5xx): try again after a backoff.
    Transient(String),
    /// A success whose body stops before it closes, in a format the shared check cannot
    /// see (11st's XML; JSON is checked here for every market): retried like a 5xx, and a
    /// format change with the page kept once it repeats past the retry budget.
    CutOff,
    /// Final: no retry helps.
    Fail(CollectError),
}

/// A whole answer, read.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: reqwest::StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    /// The `Retry-After` header in seconds, when present and numeric.
    pub fn retry_after(&self) -> Option<Duration> {
        self.headers
            .get(reqwest::header::RETRY_AFTER)?
            .to_str()
            .ok()?
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64)
    }
}

/// One request a connector wants sent.
pub struct Call<'a> {
    pub market: Market,
    /// The endpoint's path template (no ids, no query), for errors and logs.
    pub endpoint: &'a str,
    pub key: LimitKey,
    /// The documented rate of `key`, requests per second.
    pub rate: f64,
}

/// The shared client. Cheap to clone; clones share the connection pool and limits.
#[derive(Clone)]
pub struct Http {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    limiter: Limiter,
    retry: RetryPolicy,
}

impl Http {
    pub fn new(retry: RetryPolicy) -> Result<Self, CollectError> {
        let client = reqwest::Client::builder()
            .timeout(retry.request_timeout)
            .connect_timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(50))
            .user_agent(concat!("sellerbox-collector/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CollectError::Internal(format!("HTTP client: {e}")))?;
        Ok(Http {
            inner: Arc::new(Inner {
                client,
                limiter: Limiter::default(),
                retry,
            }),
        })
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.inner.client
    }

    pub fn limiter(&self) -> &Limiter {
        &self.inner.limiter
    }

    /// Send the request `build` makes (called again for every attempt, so signatures and
    /// timestamps are fresh), within `call.key`'s rate, until `judge` accepts the reply or
    /// the retry budget is spent.
    pub async fn execute(
        &self,
        meter: &Meter,
        call: &Call<'_>,
        judge: &(dyn Fn(&Reply) -> Verdict + Sync),
        build: &(dyn Fn() -> Result<reqwest::RequestBuilder, CollectError> + Sync),
    ) -> Result<Reply, CollectError> {
        // A JSON body is scanned here (a market that reads it parses it with
        // `execute_json` instead); a judge reports a cut-off in another format (XML).
        let mut whole = |reply: &Reply| {
            if reply.status.is_success() && cut_off_json(&reply.body) {
                Verdict::CutOff
            } else {
                Verdict::Done
            }
        };
        self.send_until(meter, call, judge, build, &mut whole).await
    }

    /// [`Http::execute`] for a JSON answer, read as `T` inside the retry loop
    /// ([`Http::execute_with`] and [`Reader::whole`]).
    pub async fn execute_json<T: DeserializeOwned + Send>(
        &self,
        meter: &Meter,
        call: &Call<'_>,
        judge: &(dyn Fn(&Reply) -> Verdict + Sync),
        build: &(dyn Fn() -> Result<reqwest::RequestBuilder, CollectError> + Sync),
    ) -> Result<T, CollectError> {
        self.execute_with(meter, call, judge, build, Reader::whole())
            .await
    }

    /// [`Http::execute`] for a JSON answer, read by `reader` inside the retry loop: the
    /// body is parsed once, and scanned for a cut-off only when it does not read (a
    /// cut-off body never does). Scanning every body was 3-5% of a Naver run's CPU. A body
    /// that is whole but does not read is a format change, explained by its JSON path.
    pub async fn execute_with<V: Send>(
        &self,
        meter: &Meter,
        call: &Call<'_>,
        judge: &(dyn Fn(&Reply) -> Verdict + Sync),
        build: &(dyn Fn() -> Result<reqwest::RequestBuilder, CollectError> + Sync),
        reader: Reader<V>,
    ) -> Result<V, CollectError> {
        let mut value = None;
        let mut accept = |reply: &Reply| match (reader.read)(&reply.body) {
            Some(v) => {
                value = Some(v);
                Verdict::Done
            }
            None if reply.status.is_success() && cut_off_json(&reply.body) => Verdict::CutOff,
            None => Verdict::Fail((reader.explain)(call.market, call.endpoint, &reply.body)),
        };
        self.send_until(meter, call, judge, build, &mut accept)
            .await?;
        value.ok_or_else(|| CollectError::Internal(format!("{}: no answer read", call.endpoint)))
    }

    /// The retry loop: `accept` has the last word on a reply `judge` calls done.
    async fn send_until(
        &self,
        meter: &Meter,
        call: &Call<'_>,
        judge: &(dyn Fn(&Reply) -> Verdict + Sync),
        build: &(dyn Fn() -> Result<reqwest::RequestBuilder, CollectError> + Sync),
        accept: &mut (dyn FnMut(&Reply) -> Verdict + Send),
    ) -> Result<Reply, CollectError> {
        let retry = &self.inner.retry;
        let mut backoff = backon::ExponentialBuilder::default()
            .with_min_delay(retry.backoff_min)
            .with_max_delay(retry.backoff_max)
            .with_jitter()
            .without_max_times()
            .build();
        let (mut throttles, mut transient) = (0u32, 0u32);
        loop {
            let sent = self.inner.limiter.until_ready(&call.key, call.rate).await;
            meter.request();
            tracing::debug!(market = %call.market, endpoint = call.endpoint,
                scope = %call.key.scope, group = call.key.group, queued = sent.queued, "request");
            let outcome = match build()?.send().await {
                Ok(resp) => read(resp).await,
                Err(e) => Err(kind_of(&e).to_string()),
            };
            // The answer is in (or the request failed): a key spaced from answers counts
            // its next interval from here.
            drop(sent);
            let reply = match outcome {
                Ok(reply) => reply,
                Err(why) => {
                    transient += 1;
                    if transient > retry.max_transient {
                        return Err(CollectError::MarketplaceDown {
                            market: call.market,
                            detail: why,
                        });
                    }
                    meter.retry();
                    self.wait(backoff.next().unwrap_or(retry.backoff_max)).await;
                    continue;
                }
            };
            // A cut-off body is a transport fault (the connection dropped mid-answer), not
            // a format change: retried like a 5xx. Only one that repeats past the retry
            // budget is reported as a format change, with the page kept.
            let verdict = match judge(&reply) {
                Verdict::Done => accept(&reply),
                v => v,
            };
            match verdict {
                Verdict::CutOff => {
                    transient += 1;
                    if transient > retry.max_transient {
                        return Err(CollectError::FormatChanged {
                            market: call.market,
                            endpoint: call.endpoint.to_string(),
                            detail: format!(
                                "truncated body ({} bytes), {transient} answers in a row cut off",
                                reply.body.len()
                            ),
                            page_ref: "(not stored)".into(),
                            raw: crate::error::RawPage(std::sync::Arc::from(&reply.body[..])),
                        });
                    }
                    tracing::debug!(market = %call.market, endpoint = call.endpoint,
                        bytes = reply.body.len(), "answer cut off; retrying");
                    meter.retry();
                    self.wait(backoff.next().unwrap_or(retry.backoff_max)).await;
                    continue;
                }
                Verdict::Done => {
                    self.inner.limiter.on_success(&call.key, call.rate);
                    return Ok(reply);
                }
                Verdict::Throttled { retry_after } => {
                    meter.throttled();
                    self.inner.limiter.on_throttle(&call.key, call.rate);
                    throttles += 1;
                    if throttles > retry.max_throttles {
                        return Err(CollectError::RateLimited {
                            market: call.market,
                            attempts: throttles,
                        });
                    }
                    let delay = match retry_after {
                        Some(d) if d > retry.retry_after_max => {
                            return Err(CollectError::RateLimited {
                                market: call.market,
                                attempts: throttles,
                            });
                        }
                        Some(d) => d,
                        None => backoff.next().unwrap_or(retry.backoff_max),
                    };
                    meter.retry();
                    self.wait(delay).await;
                }
                Verdict::Transient(why) => {
                    transient += 1;
                    if transient > retry.max_transient {
                        return Err(CollectError::MarketplaceDown {
                            market: call.market,
                            detail: format!("{} answered {why}", call.endpoint),
                        });
                    }
                    meter.retry();
                    self.wait(backoff.next().unwrap_or(retry.backoff_max)).await;
                }
                Verdict::Fail(e) => return Err(e),
            }
        }
    }

    async fn wait(&self, d: Duration) {
        tokio::time::sleep(d).await
    }
}

async fn read(resp: reqwest::Response) -> Result<Reply, String> {
    let status = resp.status();
    let headers = resp.headers().clone();
    match resp.bytes().await {
        Ok(body) => Ok(Reply {
            status,
            headers,
            body,
        }),
        Err(e) => Err(format!("body cut off after HTTP {status}: {}", kind_of(&e))),
    }
}

/// A transport failure in words, without the URL (its query may carry ids).
fn kind_of(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "body unreadable"
    } else {
        "request failed"
    }
}

/// A JSON body read as `T`, or `None`. UTF-8 is checked once over the whole body, then it
/// is parsed as text: read from bytes, serde_json checks each string and each row kept raw
/// on its own, with a slower check (Korean text is most of a page's strings). A body that
/// is not UTF-8 throughout is read from bytes, as before: serde_json never checks what it
/// skips.
fn read_json<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    match simdutf8::basic::from_utf8(body) {
        Ok(text) => serde_json::from_str(text).ok(),
        Err(_) => serde_json::from_slice(body).ok(),
    }
}

/// How a JSON answer is read into a `V`.
pub struct Reader<V> {
    read: fn(&[u8]) -> Option<V>,
    /// Why a whole body did not read.
    explain: fn(Market, &str, &[u8]) -> CollectError,
}

impl<V> Clone for Reader<V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for Reader<V> {}

impl<T: DeserializeOwned> Reader<T> {
    /// The body read whole as `T`.
    pub fn whole() -> Self {
        Reader {
            read: read_json::<T>,
            explain: explain_json::<T>,
        }
    }
}

impl<E: Envelope, T: DeserializeOwned> Reader<Listing<E, T>> {
    /// A listing whose rows are the array at `E::ROWS` of an envelope `E`: each row
    /// is read as `T` straight from the body, with its own text as its raw JSON
    /// ([`crate::markets::listing`]). `E` is the page read whole, with its rows as raw
    /// JSON: a page of another shape is read so, and `E` explains a page that does not read.
    pub fn listing() -> Self {
        Reader {
            read: crate::markets::listing::read::<E, T>,
            explain: explain_json::<E>,
        }
    }
}

fn explain_json<T: DeserializeOwned>(market: Market, endpoint: &str, body: &[u8]) -> CollectError {
    crate::error::parse_json::<T>(market, endpoint, body)
        .err()
        .unwrap_or_else(|| CollectError::Internal(format!("{endpoint} read on a second try")))
}

/// Whether a body that opens as JSON (an object or an array) ends before that value
/// closes: an answer cut off mid-way. One pass over the bytes that tracks strings and
/// nesting only, much cheaper than a parse; what is inside is the connector's to judge.
pub fn cut_off_json(body: &[u8]) -> bool {
    let Some(start) = body.iter().position(|b| !b.is_ascii_whitespace()) else {
        return false;
    };
    if !matches!(body[start], b'{' | b'[') {
        return false;
    }
    // Inside a string only a quote or a backslash matters: jump to the next one (most of
    // a body is string contents, and this runs over every page).
    let (mut depth, mut in_string, mut i) = (0usize, false, start);
    while i < body.len() {
        if in_string {
            match memchr::memchr2(b'"', b'\\', &body[i..]) {
                None => return true,
                // A backslash escapes the byte after it, whatever it is.
                Some(j) if body[i + j] == b'\\' => i += j + 2,
                Some(j) => {
                    in_string = false;
                    i += j + 1;
                }
            }
            continue;
        }
        match body[i] {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    true
}

/// The usual judgement for a status code alone, for connectors to fall back on.
pub fn judge_status(market: Market, endpoint: &str, reply: &Reply) -> Verdict {
    let s = reply.status;
    if s.is_success() {
        Verdict::Done
    } else if s == reqwest::StatusCode::TOO_MANY_REQUESTS {
        Verdict::Throttled {
            retry_after: reply.retry_after(),
        }
    } else if s.is_server_error() {
        Verdict::Transient(format!("HTTP {}", s.as_u16()))
    } else {
        Verdict::Fail(CollectError::Rejected {
            market,
            endpoint: endpoint.to_string(),
            detail: format!("HTTP {}", s.as_u16()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{cut_off_json, read_json};
    use crate::model::RawJson;

    #[derive(serde::Deserialize)]
    struct Page {
        data: Vec<RawJson>,
    }

    #[test]
    fn a_body_reads_the_same_whether_or_not_it_is_utf8_throughout() {
        let body = r#"{"data":[{"name":"가방 \"특가\""},{"id":2}],"next":null}"#;
        let page: Page = read_json(body.as_bytes()).unwrap();
        assert_eq!(page.data[0].get(), r#"{"name":"가방 \"특가\""}"#);
        // A byte that is not UTF-8 in a field nobody reads: read as before, from bytes.
        let mut stray = br#"{"data":[{"id":1}],"note":"x"}"#.to_vec();
        let at = stray.iter().position(|&b| b == b'x').unwrap();
        stray[at] = 0xff;
        let page: Page = read_json(&stray).unwrap();
        assert_eq!(page.data[0].get(), r#"{"id":1}"#);
        // Kept raw, a row must be text: one that is not does not read.
        let mut in_row = br#"{"data":[{"name":"x"}]}"#.to_vec();
        let at = in_row.iter().position(|&b| b == b'x').unwrap();
        in_row[at] = 0xff;
        assert!(read_json::<Page>(&in_row).is_none());
        // Cut inside a Korean character: does not read (then it is scanned for a cut-off).
        assert!(read_json::<Page>(&body.as_bytes()[..20]).is_none());
    }

    #[test]
    fn a_json_body_cut_anywhere_is_cut_off_and_a_whole_one_is_not() {
        let body =
            br#" {"data":[{"id":1,"name":"a \" ] } [ b","tags":["x","y"]},{"id":2}],"next":null} "#;
        assert!(!cut_off_json(body));
        for cut in 2..body.len() - 1 {
            assert!(
                cut_off_json(&body[..cut]),
                "cut at {cut}: {:?}",
                &body[..cut]
            );
        }
        assert!(!cut_off_json(b"[]"));
        assert!(cut_off_json(b"["));
        // Not JSON at all (HTML, empty): for the connector to judge.
        assert!(!cut_off_json(b""));
        assert!(!cut_off_json(b"<html>Access Denied"));
        assert!(!cut_off_json(b"12"));
    }

    /// The check byte by byte, as plainly as it can be written: what the one that jumps
    /// string by string must say.
    fn byte_by_byte(body: &[u8]) -> bool {
        let Some(start) = body.iter().position(|b| !b.is_ascii_whitespace()) else {
            return false;
        };
        if !matches!(body[start], b'{' | b'[') {
            return false;
        }
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        for &b in &body[start..] {
            if escaped {
                escaped = false;
            } else if in_string {
                match b {
                    b'\\' => escaped = true,
                    b'"' => in_string = false,
                    _ => {}
                }
            } else {
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return false;
                        }
                    }
                    _ => {}
                }
            }
        }
        true
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_the_byte_by_byte_check(
            body in proptest::collection::vec(
                proptest::sample::select(b"{}[]\"\\ a,:".to_vec()), 0..48)
        ) {
            let text = String::from_utf8_lossy(&body);
            proptest::prop_assert_eq!(cut_off_json(&body), byte_by_byte(&body), "{:?}", text);
        }
    }
}
