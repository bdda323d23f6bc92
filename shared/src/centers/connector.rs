//! The seller-center path as the runner sees it: a [`Connector`] whose session is
//! restored from the store, logged in at most once per run, checked to be the seller's
//! own store, saved whenever its cookies change; plus the two ways a person completes a
//! session (a 2-factor code, an imported browser session).

use super::jar::Jar;
use super::login::{CenterLogin, LoginOutcome, Secret};
use super::session::{Services, Session};
use super::sessions::{SavedSession, SessionState};
use super::{CenterSpec, center};
use crate::error::CollectError;
use crate::http::Meter;
use crate::markets::{ConnectCtx, Connector};
use crate::model::{Kind, Market, Records, Rejected, Window};
use async_trait::async_trait;
use chrono::Utc;
use std::sync::atomic::{AtomicBool, Ordering};

/// One seller's seller-center connection for one run.
pub struct CenterConnector {
    spec: &'static CenterSpec,
    seller_id: String,
    login: CenterLogin,
    services: Services,
    meter: Meter,
    live: tokio::sync::Mutex<Option<Live>>,
    /// The run logged in again after a logged-out answer: never a second time. (A login
    /// that fails ends the run, so a failed attempt is never followed by another.)
    relogged: AtomicBool,
}

/// The open session and the jar text last saved.
struct Live {
    session: Session,
    saved_cookies: String,
}

fn spec_of(market: Market) -> Result<&'static CenterSpec, CollectError> {
    center(market).ok_or_else(|| {
        CollectError::InvalidInput(format!(
            "this build has no seller center for {market}; its kinds come from the API only"
        ))
    })
}

fn login_of(market: Market, credentials: &serde_json::Value) -> Result<CenterLogin, CollectError> {
    CenterLogin::from_credentials(market, credentials)?.ok_or_else(|| {
        CollectError::InvalidInput(format!(
            "the seller has no {market} seller-center login: add a `center` object (login_id, password, otp_secret, store_id) to the credentials"
        ))
    })
}

impl CenterConnector {
    pub fn new(
        market: Market,
        ctx: &ConnectCtx,
        services: &Services,
    ) -> Result<Self, CollectError> {
        let spec = spec_of(market)?;
        Ok(CenterConnector {
            spec,
            seller_id: ctx.seller_id.clone(),
            login: login_of(market, &ctx.credentials)?,
            services: services.clone(),
            meter: ctx.meter.clone(),
            live: tokio::sync::Mutex::new(None),
            relogged: AtomicBool::new(false),
        })
    }

    fn market(&self) -> Market {
        self.spec.market
    }

    fn session(&self, jar: Jar) -> Result<Session, CollectError> {
        Session::new(
            self.market(),
            jar,
            self.login.base_url.clone(),
            self.spec.login_hosts,
            &self.services,
            self.meter.clone(),
        )
    }

    async fn save(
        &self,
        session: &Session,
        state: SessionState,
        identity: Option<String>,
    ) -> Result<String, CollectError> {
        let cookies = session.jar().save();
        self.services
            .sessions
            .save(
                self.market(),
                &self.seller_id,
                &SavedSession {
                    cookies: cookies.clone(),
                    state,
                    identity,
                    fingerprint: Some(self.login.fingerprint()),
                    saved_at: Utc::now(),
                },
            )
            .await?;
        Ok(cookies)
    }

    /// The saved session restored, or a login when there is none worth using.
    async fn open(&self) -> Result<Live, CollectError> {
        let saved = self
            .services
            .sessions
            .load(self.market(), &self.seller_id)
            .await?;
        let fingerprint = self.login.fingerprint();
        // Earlier cookies are kept even for a new login: device cookies spare the seller
        // a new-device check.
        let jar = saved
            .as_ref()
            .and_then(|s| Jar::restore(&s.cookies).ok())
            .unwrap_or_default();
        match saved {
            Some(s) if s.state == SessionState::Active => {
                self.check_identity(s.identity.as_deref())?;
                tracing::debug!(market = %self.market(), seller = %self.seller_id,
                    "seller-center session restored");
                let session = self.session(jar)?;
                Ok(Live {
                    saved_cookies: session.jar().save(),
                    session,
                })
            }
            Some(SavedSession {
                state: SessionState::Waiting { outcome },
                fingerprint: Some(f),
                ..
            }) if f == fingerprint => {
                // The seller has not acted since: no new attempt (lockouts), the same status.
                Err(outcome
                    .into_error(self.market())
                    .unwrap_or_else(|| self.internal("a waiting session that is logged in")))
            }
            _ => {
                let session = self.session(jar)?;
                let saved_cookies = self.log_in(&session, false).await?;
                Ok(Live {
                    session,
                    saved_cookies,
                })
            }
        }
    }

    fn internal(&self, what: &str) -> CollectError {
        CollectError::Internal(format!("{} seller center: {what}", self.market()))
    }

    fn check_identity(&self, identity: Option<&str>) -> Result<(), CollectError> {
        match identity {
            Some(id) if id == self.login.store_id => Ok(()),
            other => Err(CollectError::ReloginRequired {
                market: self.market(),
                message: format!(
                    "the seller-center session is logged into store {}, not the seller's store {}; nothing was collected. Log in (or import a session) with the seller's own account",
                    other.unwrap_or("(unknown)"),
                    self.login.store_id
                ),
            }),
        }
    }

    /// A login attempt, the session saved with its outcome. `again`: after a logged-out
    /// answer, which gets one login per run.
    async fn log_in(&self, session: &Session, again: bool) -> Result<String, CollectError> {
        if again && self.relogged.swap(true, Ordering::SeqCst) {
            return Err(CollectError::ReloginRequired {
                market: self.market(),
                message: "the session was logged out again right after this run's login; no second login is attempted in one run".into(),
            });
        }
        if self.login.password.is_none() {
            self.save(session, SessionState::Expired, None).await?;
            return Err(CollectError::ReloginRequired {
                market: self.market(),
                message: format!(
                    "{} 세션이 만료되었습니다. 이 판매자는 자동 로그인을 쓰지 않으므로 브라우저 세션을 다시 가져와 주세요 (no password stored: import a session).",
                    self.spec.name
                ),
            });
        }
        tracing::info!(market = %self.market(), seller = %self.seller_id, "seller-center login");
        let outcome = match self.spec.center.login(session, &self.login).await {
            Err(CollectError::SessionExpired { .. }) => {
                self.save(session, SessionState::Expired, None).await?;
                return Err(CollectError::ReloginRequired {
                    market: self.market(),
                    message: "the center logged the session out during the login; no second login is attempted in one run".into(),
                });
            }
            other => other?,
        };
        self.settle(session, outcome).await
    }

    /// Save what a login (or a code) ended in; `Ok` with the saved jar when logged in.
    async fn settle(
        &self,
        session: &Session,
        outcome: LoginOutcome,
    ) -> Result<String, CollectError> {
        tracing::info!(market = %self.market(), seller = %self.seller_id,
            outcome = outcome.name(), "seller-center login outcome");
        if outcome != LoginOutcome::LoggedIn {
            self.save(
                session,
                SessionState::Waiting {
                    outcome: outcome.clone(),
                },
                None,
            )
            .await?;
            return Err(outcome
                .into_error(self.market())
                .unwrap_or_else(|| self.internal("a login outcome")));
        }
        let identity = match self.spec.center.identity(session, &self.login).await {
            Ok(id) => id,
            Err(CollectError::SessionExpired { .. }) => {
                return Err(CollectError::ReloginRequired {
                    market: self.market(),
                    message: "the login succeeded but the center treats the session as logged out; no second login is attempted in one run".into(),
                });
            }
            Err(e) => return Err(e),
        };
        if identity != self.login.store_id {
            self.save(session, SessionState::Expired, Some(identity.clone()))
                .await?;
            self.check_identity(Some(&identity))?;
        }
        self.save(session, SessionState::Active, Some(identity))
            .await
    }

    /// Fetch through the live session: logged out means one login and the same request
    /// again; a changed jar is saved.
    async fn fetch_live(
        &self,
        live: &mut Live,
        kind: Kind,
        window: Window,
    ) -> Result<Records, CollectError> {
        let first = self.spec.center.fetch(&live.session, kind, window).await;
        let records = match first {
            Err(CollectError::SessionExpired { .. }) => {
                tracing::info!(market = %self.market(), seller = %self.seller_id,
                    "seller-center session expired; logging in once");
                self.save(
                    &live.session,
                    SessionState::Expired,
                    Some(self.login.store_id.clone()),
                )
                .await?;
                live.saved_cookies = self.log_in(&live.session, true).await?;
                match self.spec.center.fetch(&live.session, kind, window).await {
                    Err(CollectError::SessionExpired { .. }) => {
                        self.save(&live.session, SessionState::Expired, None)
                            .await?;
                        return Err(CollectError::ReloginRequired {
                            market: self.market(),
                            message: "the session was logged out again right after a fresh login; no second login is attempted in one run".into(),
                        });
                    }
                    other => other?,
                }
            }
            other => other?,
        };
        let now = live.session.jar().save();
        if now != live.saved_cookies {
            live.saved_cookies = self
                .save(
                    &live.session,
                    SessionState::Active,
                    Some(self.login.store_id.clone()),
                )
                .await?;
        }
        Ok(records)
    }
}

#[async_trait]
impl Connector for CenterConnector {
    async fn fetch(&self, kind: Kind, window: Window) -> Result<Records, CollectError> {
        let mut guard = self.live.lock().await;
        if guard.is_none() {
            *guard = Some(self.open().await?);
        }
        let live = guard.as_mut().expect("opened above");
        self.fetch_live(live, kind, window).await
    }

    async fn verify(&self) -> Result<(), CollectError> {
        let mut guard = self.live.lock().await;
        if guard.is_none() {
            *guard = Some(self.open().await?);
        }
        let live = guard.as_ref().expect("opened above");
        let id = self
            .spec
            .center
            .identity(&live.session, &self.login)
            .await?;
        self.check_identity(Some(&id))
    }

    fn reread(&self, kind: Kind, rejected: &Rejected) -> Result<Records, String> {
        self.spec.center.reread(kind, rejected)
    }
}

/// Complete a login that waits for a code (`sellerbox 2fa`, the 2fa route): the outcome,
/// saved. `LoggedIn` means the next run collects without a person.
pub async fn submit_code(
    services: &Services,
    market: Market,
    seller_id: &str,
    credentials: &serde_json::Value,
    code: &Secret,
) -> Result<LoginOutcome, CollectError> {
    let spec = spec_of(market)?;
    let login = login_of(market, credentials)?;
    let saved = services.sessions.load(market, seller_id).await?;
    let Some(SavedSession {
        state:
            SessionState::Waiting {
                outcome: LoginOutcome::CodeNeeded { pending, .. },
            },
        cookies,
        ..
    }) = saved
    else {
        return Err(CollectError::InvalidInput(format!(
            "no {market} login of seller {seller_id} waits for a code; a code is asked for when a collection run ends in \"code needed\""
        )));
    };
    let jar = Jar::restore(&cookies).map_err(|e| CollectError::Internal(e.to_string()))?;
    let connector = CenterConnector {
        spec,
        seller_id: seller_id.to_string(),
        login,
        services: services.clone(),
        meter: Meter::default(),
        live: tokio::sync::Mutex::new(None),
        relogged: AtomicBool::new(true),
    };
    let session = connector.session(jar)?;
    tracing::info!(market = %market, seller = seller_id, "seller-center 2-factor code submitted");
    let outcome = spec
        .center
        .submit_code(&session, &connector.login, &pending, code)
        .await?;
    match connector.settle(&session, outcome.clone()).await {
        Ok(_) => Ok(LoginOutcome::LoggedIn),
        Err(CollectError::TwoFactorRequired { .. } | CollectError::ReloginRequired { .. })
            if outcome != LoginOutcome::LoggedIn =>
        {
            Ok(outcome)
        }
        Err(e) => Err(e),
    }
}

/// Store a browser's exported session (Playwright storage state or cookies.txt) as the
/// seller's session, after checking that it is logged in to the seller's own store. The
/// store id it is logged into.
pub async fn import_session(
    services: &Services,
    market: Market,
    seller_id: &str,
    credentials: &serde_json::Value,
    file: &[u8],
) -> Result<String, CollectError> {
    let spec = spec_of(market)?;
    let login = login_of(market, credentials)?;
    let jar = Jar::import(file, Utc::now())
        .map_err(|e| CollectError::InvalidInput(format!("session import: {e}")))?;
    let connector = CenterConnector {
        spec,
        seller_id: seller_id.to_string(),
        login,
        services: services.clone(),
        meter: Meter::default(),
        live: tokio::sync::Mutex::new(None),
        relogged: AtomicBool::new(true),
    };
    let session = connector.session(jar)?;
    let identity = match spec.center.identity(&session, &connector.login).await {
        Ok(id) => id,
        Err(CollectError::SessionExpired { .. }) => {
            return Err(CollectError::InvalidInput(format!(
                "the imported {} cookies are logged out; log in in the browser and export again",
                spec.name
            )));
        }
        Err(e) => return Err(e),
    };
    connector.check_identity(Some(&identity))?;
    connector
        .save(&session, SessionState::Active, Some(identity.clone()))
        .await?;
    tracing::info!(market = %market, seller = seller_id, "seller-center session imported");
    Ok(identity)
}
