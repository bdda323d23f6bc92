//! One seller's live seller-center session: its cookie jar, an HTTP client that writes
//! and reads it, the console pace (about one request a second), the IP-wide pause a 429
//! starts, and the logged-out checks every answer goes through.

use super::jar::Jar;
use super::sessions::{MemorySessions, SessionStore};
use crate::error::CollectError;
use crate::http::Meter;
use crate::model::Market;
use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, LOCATION, RETRY_AFTER};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// What every seller-center session of a process shares.
#[derive(Clone)]
pub struct Services {
    pub sessions: Arc<dyn SessionStore>,
    /// The egress IP's pause after a console's 429.
    pub ip: Arc<IpPause>,
    /// The least time between two requests of one session. Console endpoints publish no
    /// limits; public code paces at 0.35–1 s, so one second unless configured.
    pub pace: Duration,
}

impl Default for Services {
    fn default() -> Self {
        Services {
            sessions: Arc::new(MemorySessions::default()),
            ip: Arc::new(IpPause::default()),
            pace: Duration::from_secs(1),
        }
    }
}

/// A 429 from a seller center stops the whole IP for the time given (Musinsa's
/// Cloudflare blocks the IP after ~108 s of ignoring it): every session of the process
/// ends its run as a checkpoint until then, instead of retrying.
#[derive(Debug, Default)]
pub struct IpPause(Mutex<Option<Instant>>);

/// When a 429 names no time.
const DEFAULT_PAUSE: Duration = Duration::from_secs(120);

impl IpPause {
    pub fn pause(&self, d: Duration) {
        let until = Instant::now() + d;
        let mut g = self.0.lock().expect("ip pause lock");
        if g.is_none_or(|u| u < until) {
            *g = Some(until);
        }
    }

    /// Time left of the pause, if any.
    pub fn left(&self) -> Option<Duration> {
        let g = self.0.lock().expect("ip pause lock");
        g.and_then(|u| u.checked_duration_since(Instant::now()))
            .filter(|d| !d.is_zero())
    }

    fn check(&self, market: Market) -> Result<(), CollectError> {
        match self.left() {
            Some(d) => Err(paused(market, d)),
            None => Ok(()),
        }
    }
}

fn paused(market: Market, d: Duration) -> CollectError {
    CollectError::QuotaExhausted {
        market,
        detail: format!(
            "the seller center answered 429; this IP sends it nothing for {} s",
            d.as_secs().max(1)
        ),
    }
}

/// What a request expects back: the logged-out checks depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A JSON API: HTML (a login page) or a redirect to a login host means logged out.
    Json,
    /// A page: a password form or a redirect to a login host means logged out.
    Html,
    /// A step of the login itself: answered as it comes.
    Login,
    /// A login API that gives its refusals in the body, whatever the status (ESM PLUS's
    /// sign-in): like `Login`, and a 4xx answer is returned to be read, not `Rejected`,
    /// so that a refusal is an outcome saved against another attempt (lockouts).
    LoginAnswer,
}

/// One answer of a seller center.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

/// The browser a session presents itself as (Naver's `bvsd` repeats it).
pub const USER_AGENT: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// The longest chain of redirects [`Session::follow`] walks.
const MAX_REDIRECTS: usize = 10;
/// Attempts of one request through 5xx answers and transport failures.
const ATTEMPTS: u32 = 3;

pub struct Session {
    pub market: Market,
    jar: Jar,
    client: reqwest::Client,
    /// `None`: the real hosts over https; `Some(base)`: `{base}/{host}{path}` (simulators).
    base: Option<String>,
    /// Hosts whose pages mean "log in first" when an answer redirects there.
    login_hosts: &'static [&'static str],
    pace: Duration,
    next_slot: tokio::sync::Mutex<Instant>,
    ip: Arc<IpPause>,
    meter: Meter,
}

impl Session {
    pub fn new(
        market: Market,
        jar: Jar,
        base: Option<String>,
        login_hosts: &'static [&'static str],
        services: &Services,
        meter: Meter,
    ) -> Result<Self, CollectError> {
        let client = reqwest::Client::builder()
            .cookie_provider(jar.provider())
            // Redirects are walked by hand: a redirect to a login host is the commonest
            // sign of a logged-out session, and login chains must be seen hop by hop.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| CollectError::Internal(format!("HTTP client: {e}")))?;
        Ok(Session {
            market,
            jar,
            client,
            base: base.map(|b| b.trim_end_matches('/').to_string()),
            login_hosts,
            pace: services.pace,
            next_slot: tokio::sync::Mutex::new(Instant::now()),
            ip: services.ip.clone(),
            meter,
        })
    }

    /// The URL of `path` (with its query) on the center's `host`.
    pub fn url(&self, host: &str, path: &str) -> String {
        match &self.base {
            Some(base) => format!("{base}/{host}{path}"),
            None => format!("https://{host}{path}"),
        }
    }

    /// The origin a browser would send for `host` (`Origin`, `Referer`).
    pub fn origin(&self, host: &str) -> String {
        self.url(host, "")
    }

    pub fn jar(&self) -> &Jar {
        &self.jar
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    pub fn meter(&self) -> &Meter {
        &self.meter
    }

    /// Wait for this session's next slot.
    async fn paced(&self) {
        let mut next = self.next_slot.lock().await;
        let now = Instant::now();
        if *next > now {
            tokio::time::sleep_until(*next).await;
        }
        *next = Instant::now().max(*next) + self.pace;
    }

    /// Send a request (built from [`Session::client`]) at the session's pace, and judge
    /// the answer: logged-out signs give [`CollectError::SessionExpired`], a 429 pauses
    /// the IP and ends the run as a checkpoint, 5xx and transport failures are tried
    /// again a few times, other 4xx are `Rejected`.
    pub async fn send(
        &self,
        req: reqwest::RequestBuilder,
        endpoint: &str,
        expect: Expect,
    ) -> Result<Reply, CollectError> {
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            self.ip.check(self.market)?;
            let Some(req) = req.try_clone() else {
                return Err(CollectError::Internal(format!(
                    "{endpoint}: a streaming body cannot be sent again"
                )));
            };
            self.paced().await;
            self.meter.request();
            if attempt > 0 {
                self.meter.retry();
            }
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) => {
                    last = if e.is_timeout() {
                        "timed out".into()
                    } else {
                        "connection failed".into()
                    };
                    continue;
                }
            };
            let status = resp.status();
            let headers = resp.headers().clone();
            let body = match resp.bytes().await {
                Ok(b) => b,
                Err(_) => {
                    last = "the answer broke off".into();
                    continue;
                }
            };
            let reply = Reply {
                status,
                headers,
                body,
            };
            if status == StatusCode::TOO_MANY_REQUESTS {
                self.meter.throttled();
                let wait = reply
                    .header(RETRY_AFTER.as_str())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map_or(DEFAULT_PAUSE, Duration::from_secs);
                self.ip.pause(wait);
                tracing::warn!(market = %self.market, endpoint, pause_s = wait.as_secs(),
                    "seller center answered 429: this IP pauses");
                return Err(paused(self.market, wait));
            }
            if status.is_server_error() {
                last = format!("HTTP {}", status.as_u16());
                continue;
            }
            if !matches!(expect, Expect::Login | Expect::LoginAnswer) {
                self.check_logged_in(&reply, endpoint, expect)?;
            }
            if status.is_client_error() && expect != Expect::LoginAnswer {
                return Err(CollectError::Rejected {
                    market: self.market,
                    endpoint: endpoint.to_string(),
                    detail: format!("HTTP {}", status.as_u16()),
                });
            }
            return Ok(reply);
        }
        Err(CollectError::MarketplaceDown {
            market: self.market,
            detail: format!("{endpoint}: {last} after {ATTEMPTS} attempts"),
        })
    }

    /// GET `url` and walk its redirects (each hop paced and judged like [`Session::send`]);
    /// the last answer and its URL.
    pub async fn follow(
        &self,
        url: &str,
        endpoint: &str,
        expect: Expect,
    ) -> Result<(Reply, String), CollectError> {
        let mut url = url.to_string();
        for _ in 0..MAX_REDIRECTS {
            let reply = self.send(self.client.get(&url), endpoint, expect).await?;
            if !reply.status.is_redirection() {
                return Ok((reply, url));
            }
            let Some(next) = reply.header(LOCATION.as_str()) else {
                return Ok((reply, url));
            };
            url = resolve(&url, next).ok_or_else(|| CollectError::Rejected {
                market: self.market,
                endpoint: endpoint.to_string(),
                detail: "a redirect to an unreadable location".into(),
            })?;
        }
        Err(CollectError::Rejected {
            market: self.market,
            endpoint: endpoint.to_string(),
            detail: format!("more than {MAX_REDIRECTS} redirects"),
        })
    }

    /// Whether a URL is on one of the center's login hosts.
    pub fn is_login_url(&self, url: &str) -> bool {
        self.login_hosts.iter().any(|h| {
            url.contains(&format!("://{h}/"))
                || url.ends_with(&format!("://{h}"))
                || url.contains(&format!("/{h}/"))
                || url.starts_with(&format!("/{h}"))
        })
    }

    fn check_logged_in(
        &self,
        reply: &Reply,
        endpoint: &str,
        expect: Expect,
    ) -> Result<(), CollectError> {
        let expired = || {
            tracing::info!(market = %self.market, endpoint, status = reply.status.as_u16(),
                "seller center says the session is logged out");
            Err(CollectError::SessionExpired {
                market: self.market,
            })
        };
        if matches!(reply.status.as_u16(), 401 | 403) {
            return expired();
        }
        if reply.status.is_redirection()
            && reply
                .header(LOCATION.as_str())
                .is_some_and(|l| self.is_login_url(l))
        {
            return expired();
        }
        if reply.status.is_success() {
            let content_type = reply.header(CONTENT_TYPE.as_str()).unwrap_or("");
            let first = reply.body.iter().find(|b| !b.is_ascii_whitespace());
            match expect {
                Expect::Json if content_type.contains("html") || first == Some(&b'<') => {
                    return expired();
                }
                Expect::Html if has_password_form(&reply.body) => return expired(),
                _ => {}
            }
        }
        Ok(())
    }
}

fn has_password_form(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body).to_ascii_lowercase();
    text.contains("type=\"password\"") || text.contains("type='password'")
}

/// A `Location` resolved against the URL it answered.
pub fn resolve(base: &str, location: &str) -> Option<String> {
    url::Url::parse(base)
        .ok()?
        .join(location)
        .ok()
        .map(|u| u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_pause_ends_after_the_time_given() {
        let p = IpPause::default();
        assert!(p.check(Market::Naver).is_ok());
        p.pause(Duration::from_secs(108));
        let err = p.check(Market::Naver).unwrap_err();
        assert!(err.to_string().contains("429"), "{err}");
        // A shorter pause never shortens a longer one.
        p.pause(Duration::from_secs(1));
        tokio::time::advance(Duration::from_secs(100)).await;
        assert!(p.check(Market::Naver).is_err());
        tokio::time::advance(Duration::from_secs(9)).await;
        assert!(p.check(Market::Naver).is_ok());
    }

    #[test]
    fn login_hosts_are_recognised_on_real_and_simulated_urls() {
        let s = Session::new(
            Market::Naver,
            Jar::new(),
            None,
            &["accounts.commerce.naver.com", "nid.naver.com"],
            &Services::default(),
            Meter::default(),
        )
        .unwrap();
        assert!(s.is_login_url("https://accounts.commerce.naver.com/login?url=x"));
        assert!(s.is_login_url("http://127.0.0.1:9/nid.naver.com/nidlogin.login"));
        assert!(!s.is_login_url("https://sell.smartstore.naver.com/#/home"));
        assert_eq!(
            s.url("sell.smartstore.naver.com", "/api/login"),
            "https://sell.smartstore.naver.com/api/login"
        );
    }
}
