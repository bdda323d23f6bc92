//! What a collector function does with a decoded event.

use super::event::{self, ApiRequest, Command, Invocation, Route};
use super::shards::{LambdaStarter, ShardStarter, shard_accounts};
use crate::collect::{Collector, Range, RunSummary, Target};
use crate::error::{CollectError, ErrorKind};
use crate::http::{Http, RetryPolicy};
use crate::markets;
use crate::model::{Kind, Market, SellerAccount};
use crate::secrets::{CredentialsFile, SecretsManager, SecretsProvider, secret_name};
use crate::store::{self, CycleClaim, CyclePart, Outcome, Store};
use aws_lambda_events::apigw::ApiGatewayProxyResponse;
use aws_lambda_events::encodings::Body;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Knobs from the environment (see template.yaml).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The NAT gateway's Elastic IP: what sellers register with IP-whitelisting markets.
    pub egress_ip: Option<String>,
    /// Replaces every seller's base URL (staging against simulators).
    pub base_url: Option<String>,
    /// (seller, kind) runs in flight at once; the rate limiter does the pacing.
    pub concurrency: usize,
    /// Time kept back from the Lambda deadline to record runs and answer.
    pub reserve: Duration,
    /// On-demand API work stops starting windows after this (API Gateway gives up at 29 s).
    pub api_deadline: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            egress_ip: None,
            base_url: None,
            concurrency: 64,
            reserve: Duration::from_secs(10),
            api_deadline: Duration::from_secs(25),
        }
    }
}

pub struct App {
    pub market: Market,
    pub store: Arc<dyn Store>,
    pub collector: Collector,
    pub secrets: Arc<dyn SecretsProvider>,
    pub settings: Settings,
    /// Starts a schedule firing's shards (`lambda::shards`); `None` where this function is
    /// not told its own name (local runs), which then refuses a firing.
    pub starter: Option<Arc<dyn ShardStarter>>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl App {
    pub fn new(
        market: Market,
        store: Arc<dyn Store>,
        secrets: Arc<dyn SecretsProvider>,
        http: Http,
        settings: Settings,
    ) -> Self {
        let collector = Collector::new(http, store.clone(), Arc::new(chrono::Utc::now));
        App {
            market,
            store,
            collector,
            secrets,
            settings,
            starter: None,
        }
    }

    /// Assemble from the environment: `SELLERBOX_DATABASE_URL` or
    /// `SELLERBOX_DB_SECRET_ARN` (+ `SELLERBOX_DB_ENDPOINT`), `SELLERBOX_CREDENTIALS_FILE`
    /// (local) or Secrets Manager, `SELLERBOX_EGRESS_IP`, `SELLERBOX_BASE_URL`.
    pub async fn from_env(market: Market) -> Result<Self, CollectError> {
        let shard_function = env("SELLERBOX_SHARD_FUNCTION");
        let needs_secrets_manager =
            env("SELLERBOX_CREDENTIALS_FILE").is_none() || env("SELLERBOX_DATABASE_URL").is_none();
        let config = if needs_secrets_manager || shard_function.is_some() {
            Some(aws_config::load_from_env().await)
        } else {
            None
        };
        let sm_client = config
            .as_ref()
            .filter(|_| needs_secrets_manager)
            .map(aws_sdk_secretsmanager::Client::new);
        let starter: Option<Arc<dyn ShardStarter>> = match (shard_function, &config) {
            (Some(function), Some(config)) => Some(Arc::new(LambdaStarter::new(
                aws_sdk_lambda::Client::new(config),
                function,
            ))),
            _ => None,
        };
        let sm = sm_client.clone().map(|client| {
            let ttl = env("SELLERBOX_SECRETS_CACHE_TTL_SECONDS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(300);
            SecretsManager::new(client, Duration::from_secs(ttl))
        });
        // Seller-center sessions: encrypted files where a folder is given (local runs),
        // else Secrets Manager (`sellerbox/<market>/<seller>/session`).
        let sessions: Arc<dyn crate::centers::SessionStore> =
            match (env("SELLERBOX_SESSIONS_DIR"), sm_client) {
                (Some(dir), _) => Arc::new(crate::centers::FileSessions::open(
                    std::path::Path::new(&dir),
                )?),
                (None, Some(client)) => {
                    Arc::new(crate::centers::SecretsManagerSessions::new(client))
                }
                (None, None) => Arc::new(crate::centers::MemorySessions::default()),
            };
        let db_url = match (
            env("SELLERBOX_DATABASE_URL"),
            env("SELLERBOX_DB_SECRET_ARN"),
            &sm,
        ) {
            (Some(url), _, _) => url,
            (None, Some(arn), Some(sm)) => database_url(
                &sm.secret_string(&arn).await?,
                env("SELLERBOX_DB_ENDPOINT"),
                env("SELLERBOX_DB_NAME"),
            )?,
            _ => {
                return Err(CollectError::InvalidInput(
                    "set SELLERBOX_DATABASE_URL or SELLERBOX_DB_SECRET_ARN".into(),
                ));
            }
        };
        let max_connections = env("SELLERBOX_DB_MAX_CONNECTIONS")
            .and_then(|v| v.parse().ok())
            .unwrap_or(2);
        let store = store::connect_with(&db_url, max_connections).await?;
        let secrets: Arc<dyn SecretsProvider> = match (env("SELLERBOX_CREDENTIALS_FILE"), sm) {
            (Some(path), _) => Arc::new(CredentialsFile::load(std::path::Path::new(&path))?),
            (None, Some(sm)) => Arc::new(sm),
            (None, None) => unreachable!("Secrets Manager is set up whenever no file is given"),
        };
        let defaults = Settings::default();
        let settings = Settings {
            egress_ip: env("SELLERBOX_EGRESS_IP"),
            base_url: env("SELLERBOX_BASE_URL"),
            api_deadline: env("SELLERBOX_API_DEADLINE_SECONDS")
                .and_then(|v| v.parse().ok())
                .map_or(defaults.api_deadline, Duration::from_secs),
            ..defaults
        };
        let http = Http::new(RetryPolicy::default())?;
        share_fleet_limits(&http, &db_url).await?;
        let mut app = App::new(market, store, secrets, http, settings);
        app.collector.centers.sessions = sessions;
        app.starter = starter;
        Ok(app)
    }

    /// Handle one event. HTTP requests always get an HTTP answer (400 for a malformed
    /// request); other shapes get the run summary or a typed error.
    pub async fn handle(
        &self,
        payload: Value,
        deadline: Option<Instant>,
    ) -> Result<Value, CollectError> {
        let is_http = payload.get("httpMethod").is_some();
        match event::decode(payload) {
            Ok(Invocation::Command(c)) => self.command(c, deadline).await,
            Ok(Invocation::Api(req)) => {
                let api_deadline = Instant::now() + self.settings.api_deadline;
                let deadline = Some(deadline.map_or(api_deadline, |d| d.min(api_deadline)));
                Ok(self.api(req, deadline).await)
            }
            Err(e) if is_http => Ok(response(
                400,
                error_body(ErrorKind::InvalidInput, &e.to_string()),
            )),
            Err(e) => Err(CollectError::InvalidInput(e.to_string())),
        }
    }

    fn kinds(&self, asked: &[Kind]) -> Result<Vec<Kind>, CollectError> {
        let spec = markets::require(self.market)?;
        let center = crate::centers::center(self.market);
        if asked.is_empty() {
            // Seller-center kinds run only for sellers with a center login (the runner
            // skips the others).
            let center_kinds = center.into_iter().flat_map(|c| c.plans.iter());
            return Ok(spec
                .plans
                .iter()
                .chain(center_kinds)
                .map(|p| p.kind)
                .collect());
        }
        for k in asked {
            if !self.offers(*k)? {
                return Err(CollectError::InvalidInput(format!(
                    "{} does not offer {k} through its API or its seller center",
                    self.market
                )));
            }
        }
        Ok(asked.to_vec())
    }

    async fn target(&self, account: &SellerAccount) -> Result<Target, CollectError> {
        let secret = self.secrets.seller_secret(&account.secret_name).await?;
        Ok(Target {
            market: account.market,
            seller_id: account.seller_id.clone(),
            credentials: secret.credentials,
            base_url: self.settings.base_url.clone().or(secret.base_url),
            options: account.options.clone(),
        })
    }

    async fn account(&self, seller: &str) -> Result<Option<SellerAccount>, CollectError> {
        Ok(self
            .store
            .accounts(Some(self.market))
            .await?
            .into_iter()
            .find(|a| a.seller_id == seller))
    }

    /// The kinds a scheduled collection asks for that the market offers. The template
    /// schedules every kind for every market (one loop), so a market without, say, a review
    /// API gets a reviews schedule: that is no error, there is nothing to do. A direct
    /// invocation asking for such a kind is still refused ([`Self::kinds`]).
    fn scheduled_kinds(&self, asked: &[Kind]) -> Result<(Vec<Kind>, Vec<Kind>), CollectError> {
        if asked.is_empty() {
            return Ok((self.kinds(asked)?, Vec::new()));
        }
        let mut offered = Vec::new();
        let mut skipped = Vec::new();
        for &k in asked {
            if self.offers(k)? {
                offered.push(k);
            } else {
                skipped.push(k);
            }
        }
        Ok((offered, skipped))
    }

    /// Whether this market collects `kind` through its API or its seller center.
    fn offers(&self, kind: Kind) -> Result<bool, CollectError> {
        let spec = markets::require(self.market)?;
        let center = crate::centers::center(self.market);
        Ok(spec.plan(kind).is_some() || center.and_then(|c| c.plan(kind)).is_some())
    }

    /// A schedule or direct invocation: collect the shard (or the one seller).
    async fn command(&self, c: Command, deadline: Option<Instant>) -> Result<Value, CollectError> {
        // Schedules (a firing, or one of its shards) carry a time or a shard.
        let kinds = if c.shard.is_some() || c.scheduled.is_some() {
            let (offered, skipped) = self.scheduled_kinds(&c.kinds)?;
            if offered.is_empty() {
                tracing::debug!(market = %self.market, ?skipped,
                    "scheduled kinds this market does not offer; nothing to collect");
                return Ok(json!({
                    "market": self.market, "sellers": 0, "complete": 0, "partial": 0,
                    "failed": 0, "runs": [], "unresolved": [], "skipped_kinds": skipped,
                }));
            }
            offered
        } else {
            self.kinds(&c.kinds)?
        };
        let range = match (
            c.lookback()
                .map_err(|e| CollectError::InvalidInput(e.to_string()))?,
            c.from,
            c.to,
        ) {
            (Some(d), _, _) => Range::Since(d),
            (None, Some(a), Some(b)) => Range::Between(a, b),
            _ => Range::Auto,
        };
        // Before any account is read or any run recorded.
        range.check(self.market, &kinds, (self.collector.clock)())?;
        let run_claim = match (c.scheduled, c.shard) {
            (Some(at), None) => return self.start_cycle(&c, at, kinds).await,
            (Some(at), Some(shard)) => {
                let claim = CycleClaim {
                    market: self.market,
                    schedule: super::shards::schedule_name(&kinds, c.lookback.as_deref()),
                    scheduled_at: at,
                    part: CyclePart::Run {
                        index: shard.index,
                        count: shard.count,
                    },
                };
                if !self
                    .store
                    .claim(&claim, (self.collector.clock)())
                    .await?
                    .first
                {
                    tracing::info!(market = %self.market, shard = shard.index, count = shard.count,
                        scheduled = %at, "this shard of the firing is already collecting");
                    return Ok(json!({
                        "market": self.market, "sellers": 0, "complete": 0, "partial": 0,
                        "failed": 0, "runs": [], "unresolved": [], "duplicate": true,
                    }));
                }
                Some(claim)
            }
            _ => None,
        };
        let accounts: Vec<SellerAccount> = match &c.seller {
            Some(s) => vec![self.account(s).await?.ok_or_else(|| {
                CollectError::InvalidInput(format!("no {} seller account {s:?}", self.market))
            })?],
            None => match self.store.accounts(Some(self.market)).await {
                Ok(accounts) => shard_accounts(accounts, c.shard),
                Err(e) => {
                    // Nothing collected: a retry of this shard may take it again.
                    if let Some(claim) = &run_claim {
                        let _ = self.store.release(claim).await;
                    }
                    return Err(e.into());
                }
            },
        };
        let (runs, unresolved) = self.collect(&accounts, &kinds, range, deadline).await;
        let count = |o: Outcome| runs.iter().filter(|r| r.outcome == o).count();
        Ok(json!({
            "market": self.market,
            "sellers": accounts.len(),
            "complete": count(Outcome::Complete),
            "partial": count(Outcome::Partial),
            "failed": count(Outcome::Failed) + unresolved.len(),
            "runs": runs,
            "unresolved": unresolved,
        }))
    }

    /// Resolve secrets and run; accounts whose secret cannot be read are reported apart.
    async fn collect(
        &self,
        accounts: &[SellerAccount],
        kinds: &[Kind],
        range: Range,
        deadline: Option<Instant>,
    ) -> (Vec<RunSummary>, Vec<Value>) {
        let mut targets = Vec::new();
        let mut unresolved = Vec::new();
        for a in accounts {
            match self.target(a).await {
                Ok(t) => targets.push(t),
                Err(e) => {
                    tracing::warn!(market = %a.market, seller = %a.seller_id,
                        error_kind = %e.kind(), error = %e, "seller credentials unavailable");
                    unresolved.push(json!({
                        "seller_id": a.seller_id, "error_kind": e.kind(), "error": e.to_string()
                    }));
                }
            }
        }
        let runs = self
            .collector
            .run_all(
                &targets,
                kinds,
                range,
                deadline,
                self.settings.concurrency,
                &|_| {},
            )
            .await;
        (runs, unresolved)
    }

    async fn api(&self, req: ApiRequest, deadline: Option<Instant>) -> Value {
        if req.market != self.market.as_str() {
            return response(
                404,
                error_body(
                    ErrorKind::InvalidInput,
                    &format!(
                        "this function collects {}, not {:?}",
                        self.market, req.market
                    ),
                ),
            );
        }
        let result = match req.route {
            Route::Collect => self.api_collect(&req, deadline).await,
            Route::Verify => self.api_verify(&req.seller).await,
            Route::Status => self.api_status(&req.seller).await,
            Route::TwoFactor => self.api_two_factor(&req).await,
            Route::SessionImport => self.api_session_import(&req).await,
        };
        result.unwrap_or_else(|e| {
            let status = match e.kind() {
                ErrorKind::InvalidInput => 400,
                ErrorKind::Storage | ErrorKind::Internal => 500,
                _ => 502,
            };
            response(status, error_body(e.kind(), &e.to_string()))
        })
    }

    async fn api_collect(
        &self,
        req: &ApiRequest,
        deadline: Option<Instant>,
    ) -> Result<Value, CollectError> {
        let kinds = self.kinds(&req.collect.kinds)?;
        let range = match (req.collect.from, req.collect.to) {
            (Some(a), Some(b)) => Range::Between(a, b),
            _ => Range::Auto,
        };
        range.check(self.market, &kinds, (self.collector.clock)())?;
        let account = self.account(&req.seller).await?.ok_or_else(|| {
            CollectError::InvalidInput(format!(
                "no {} seller account {:?}",
                self.market, req.seller
            ))
        })?;
        if !account.enabled {
            return Err(CollectError::InvalidInput(format!(
                "seller {:?} is disabled; enable it after verifying its credentials",
                req.seller
            )));
        }
        let (runs, unresolved) = self.collect(&[account], &kinds, range, deadline).await;
        if let Some(u) = unresolved.into_iter().next() {
            return Ok(response(400, u));
        }
        let failed = runs.iter().find(|r| r.outcome == Outcome::Failed);
        let status = if failed.is_some() { 502 } else { 200 };
        Ok(response(
            status,
            json!({ "market": self.market, "seller_id": req.seller, "runs": runs }),
        ))
    }

    /// Check credentials against the marketplace; works before an account is enabled (or
    /// even stored, given its secret exists), so onboarding can check first.
    async fn api_verify(&self, seller: &str) -> Result<Value, CollectError> {
        let account = self
            .account(seller)
            .await?
            .unwrap_or_else(|| SellerAccount {
                market: self.market,
                seller_id: seller.to_string(),
                secret_name: secret_name(self.market, seller),
                enabled: false,
                options: json!({}),
            });
        let target = self.target(&account).await?;
        Ok(match self.collector.verify(&target).await {
            Ok(()) => response(
                200,
                json!({ "ok": true, "market": self.market, "seller_id": seller }),
            ),
            Err(e) => {
                let mut message = e.to_string();
                if let (ErrorKind::IpNotWhitelisted, Some(ip)) =
                    (e.kind(), &self.settings.egress_ip)
                {
                    message = format!(
                        "register IP {ip} in the seller's {} API settings ({message})",
                        self.market
                    );
                }
                response(
                    422,
                    json!({
                        "ok": false, "market": self.market, "seller_id": seller,
                        "error_kind": e.kind(), "message": message
                    }),
                )
            }
        })
    }

    /// The seller's target, for the seller-center routes (the account must exist).
    async fn known_target(&self, seller: &str) -> Result<Target, CollectError> {
        let account = self.account(seller).await?.ok_or_else(|| {
            CollectError::InvalidInput(format!("no {} seller account {seller:?}", self.market))
        })?;
        self.target(&account).await
    }

    /// `POST .../2fa`: the code completes the login that waits for it; the next run
    /// collects without a person.
    async fn api_two_factor(&self, req: &ApiRequest) -> Result<Value, CollectError> {
        let target = self.known_target(&req.seller).await?;
        let code = req
            .code
            .as_ref()
            .ok_or_else(|| CollectError::InvalidInput("the 2fa route needs {\"code\"}".into()))?;
        let outcome = crate::centers::submit_code(
            &self.collector.centers,
            self.market,
            &req.seller,
            &target.credentials.value(),
            code,
        )
        .await?;
        let ok = outcome == crate::centers::LoginOutcome::LoggedIn;
        Ok(response(
            if ok { 200 } else { 409 },
            json!({
                "ok": ok, "market": self.market, "seller_id": req.seller,
                "outcome": outcome.name(), "message": outcome.message(self.market)
            }),
        ))
    }

    /// `POST .../session`: a browser's exported session, checked to be the seller's
    /// store, becomes the seller's session.
    async fn api_session_import(&self, req: &ApiRequest) -> Result<Value, CollectError> {
        let target = self.known_target(&req.seller).await?;
        let file = req.session_file.as_ref().ok_or_else(|| {
            CollectError::InvalidInput(
                "the session route needs storage_state or cookies_txt".into(),
            )
        })?;
        let store_id = crate::centers::import_session(
            &self.collector.centers,
            self.market,
            &req.seller,
            &target.credentials.value(),
            file.expose().as_bytes(),
        )
        .await?;
        Ok(response(
            200,
            json!({"ok": true, "market": self.market, "seller_id": req.seller, "store_id": store_id}),
        ))
    }

    async fn api_status(&self, seller: &str) -> Result<Value, CollectError> {
        let kinds: Vec<_> = self
            .store
            .status(seller)
            .await?
            .into_iter()
            .filter(|s| s.market == self.market)
            .collect();
        if kinds.is_empty() {
            return Ok(response(
                404,
                error_body(
                    ErrorKind::InvalidInput,
                    &format!(
                        "nothing collected yet for {} seller {seller:?}",
                        self.market
                    ),
                ),
            ));
        }
        Ok(response(
            200,
            json!({ "market": self.market, "seller_id": seller, "kinds": kinds }),
        ))
    }
}

/// Pace the limit keys the market scopes to our application or egress IP across the
/// fleet, through leases in the database every container shares (PostgreSQL). A SQLite
/// database is one process's: its limiter paces every key in-process.
pub async fn share_fleet_limits(http: &Http, db_url: &str) -> Result<(), CollectError> {
    if db_url.starts_with("postgres://") || db_url.starts_with("postgresql://") {
        let leases = crate::store::PgLeases::connect(db_url).await?;
        http.limiter().share_through(Arc::new(leases));
    }
    Ok(())
}

/// A PostgreSQL URL from an RDS-style secret (`username`, `password`, `host`, `port`,
/// `dbname`), pointed at `endpoint` (an RDS Proxy) when given.
pub fn database_url(
    secret: &str,
    endpoint: Option<String>,
    dbname: Option<String>,
) -> Result<String, CollectError> {
    #[derive(serde::Deserialize)]
    struct Db {
        username: String,
        password: String,
        host: Option<String>,
        port: Option<u16>,
        dbname: Option<String>,
    }
    let db: Db = serde_json::from_str(secret).map_err(|_| {
        CollectError::InvalidInput(
            "the database secret needs username, password, host, port and dbname".into(),
        )
    })?;
    let host = endpoint.or(db.host).ok_or_else(|| {
        CollectError::InvalidInput(
            "the database secret names no host; set SELLERBOX_DB_ENDPOINT".into(),
        )
    })?;
    let mut url = url::Url::parse("postgres://localhost/")
        .map_err(|e| CollectError::Internal(e.to_string()))?;
    let invalid = |_| CollectError::InvalidInput("the database host is not valid".into());
    url.set_host(Some(&host)).map_err(invalid)?;
    let _ = url.set_port(Some(db.port.unwrap_or(5432)));
    let _ = url.set_username(&db.username);
    let _ = url.set_password(Some(&db.password));
    url.set_path(dbname.or(db.dbname).as_deref().unwrap_or("postgres"));
    Ok(url.to_string())
}

fn error_body(kind: ErrorKind, message: &str) -> Value {
    json!({ "error": kind, "message": message })
}

fn response(status: i64, body: Value) -> Value {
    let mut r = ApiGatewayProxyResponse::default();
    r.status_code = status;
    r.headers.insert(
        aws_lambda_events::http::header::CONTENT_TYPE,
        aws_lambda_events::http::HeaderValue::from_static("application/json"),
    );
    r.body = Some(Body::Text(body.to_string()));
    serde_json::to_value(r).expect("responses serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_url_comes_from_the_secret_and_the_proxy_endpoint() {
        let secret = r#"{"username":"collector","password":"p@ss/word","host":"db.internal","port":5432,"dbname":"sellerbox","engine":"postgres"}"#;
        let url = database_url(secret, Some("proxy.internal".into()), None).unwrap();
        assert_eq!(
            url,
            "postgres://collector:p%40ss%2Fword@proxy.internal:5432/sellerbox"
        );
        assert!(database_url("{}", None, None).is_err());
    }
}
