//! Seller-center simulators: the consoles' login pages and internal APIs, each served on
//! its market's port under `/{host}/{path}` (the console spans several hosts), with the
//! sign-in rules the consoles enforce: accounts with and without 2-step verification
//! (TOTP checked with ±1 step, SMS codes), captcha on demand, lockout after repeated
//! failures, sessions that expire, per-session rate limits; plus what tests and the demo
//! need: counts of logins and 2FA submissions per seller (`GET /_sim/stats`), the codes a
//! seller's phone received, and faults (`POST /_sim/center`: expire sessions, force 2FA
//! or a captcha).

pub mod coupang;
pub mod esm;
pub mod naver;

use crate::limits::Buckets;
use crate::server::SimState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// A simulated seller center, as `crate::CENTERS` lists it.
pub struct CenterSim {
    /// The market whose port serves it (and whose sellers it has).
    pub market: &'static str,
    /// The console accounts of the market's sellers (by seller id), from the seed.
    pub accounts: fn(&[String], u64) -> Vec<Account>,
    /// The center's routes (under `/{host}/...`), given its state and the server's root.
    pub build: fn(Arc<CenterState>, &str) -> axum::Router,
}

/// How an account proves the second factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum SecondFactor {
    None,
    /// TOTP with this base32 secret (SHA-1, 6 digits, 30 s).
    Totp {
        secret: String,
    },
    /// A code sent by SMS (read it with [`CenterState::last_code`]).
    Sms,
}

/// One seller's console account.
#[derive(Debug, Clone)]
pub struct Account {
    pub seller_id: String,
    pub login_id: String,
    pub password: String,
    pub second_factor: SecondFactor,
    /// The store the account is logged into (Naver `channelNo`).
    pub store_id: String,
    /// The center's `center.login` when not its own account (Naver `naver_id`).
    pub login: Option<&'static str>,
}

impl Account {
    /// The `center` object of the seller's credentials entry.
    pub fn credentials(&self, base_url: &str) -> serde_json::Value {
        let mut c = serde_json::json!({
            "login_id": self.login_id,
            "password": self.password,
            "store_id": self.store_id,
            "base_url": base_url,
        });
        if let SecondFactor::Totp { secret } = &self.second_factor {
            c["otp_secret"] = secret.clone().into();
        }
        if let Some(login) = self.login {
            c["login"] = login.into();
        }
        c
    }
}

/// Per seller counts, `GET /_sim/stats`.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Stats {
    /// Login attempts (password submissions).
    pub logins: u32,
    pub failed_logins: u32,
    /// 2-factor codes submitted (right or wrong).
    pub two_factor_submissions: u32,
    pub codes_sent: u32,
    pub captchas_shown: u32,
    /// Data requests answered (reviews pages).
    pub data_requests: u32,
    /// Data requests refused as logged out.
    pub logged_out_answers: u32,
    pub throttled: u32,
    pub locked: bool,
}

/// A login waiting for its second factor.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub seller: usize,
    pub method: &'static str,
    /// The SMS code sent (`None` for TOTP).
    pub code: Option<String>,
    pub issued: DateTime<Utc>,
    pub wrong: u32,
}

/// A signed-in session: which seller, and when it was last used (simulated time).
#[derive(Debug, Clone)]
pub struct Signed {
    pub seller: usize,
    pub last_used: DateTime<Utc>,
}

/// Failures before an account locks (Musinsa locks after 5; the same here).
pub const LOCK_AFTER: u32 = 5;
/// Idle time after which a session is logged out (simulated time).
pub const SESSION_IDLE: i64 = 6 * 60;
/// How long a 2-step challenge (and its SMS code) stays valid (simulated minutes).
pub const CHALLENGE_MINUTES: i64 = 10;
/// Wrong codes before a challenge is void.
pub const WRONG_CODES: u32 = 5;

/// Everything one center simulator holds.
pub struct CenterState {
    pub sim: Arc<SimState>,
    pub accounts: Vec<Account>,
    inner: Mutex<Inner>,
    /// Requests per session (the consoles publish no limit; 2/s here unless the run
    /// sets a rate).
    pub limits: Buckets,
}

#[derive(Default)]
struct Inner {
    stats: Vec<Stats>,
    failures: Vec<u32>,
    /// Cookie value -> session (login-level and console-level cookies alike).
    sessions: HashMap<String, Signed>,
    challenges: HashMap<String, Challenge>,
    /// The last code each seller's phone received.
    outbox: HashMap<usize, String>,
    force_2fa: HashSet<usize>,
    force_captcha: HashSet<usize>,
    /// Data requests answered before every session is logged out (once).
    expire_after: Option<u32>,
    /// Every session is logged out at its first data request.
    expire_always: bool,
    /// Logged-out sessions' sellers, to count what they are answered.
    expired: HashMap<String, usize>,
}

impl Inner {
    fn expire_all(&mut self) {
        let gone: Vec<(String, usize)> =
            self.sessions.drain().map(|(k, s)| (k, s.seller)).collect();
        self.expired.extend(gone);
    }
}

/// `POST /_sim/center`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CenterFaults {
    /// Log every session out now.
    pub expire_sessions: bool,
    /// Sellers (ids) whose next logins ask for an SMS code even without 2-step set up.
    pub force_2fa: Vec<String>,
    /// Sellers whose next logins show a captcha.
    pub force_captcha: Vec<String>,
    /// Sellers to unlock (and clear forced faults of).
    pub clear: Vec<String>,
    /// Log every session out after this many more data requests (a session that dies
    /// in the middle of a run).
    pub expire_after_requests: Option<u32>,
    /// Log every session out at its first data request, until cleared with `false`.
    pub expire_always: Option<bool>,
}

impl CenterState {
    pub fn new(sim: Arc<SimState>, accounts: Vec<Account>) -> Self {
        let rate = sim.config.rps.unwrap_or(2.0);
        let n = accounts.len();
        CenterState {
            sim,
            accounts,
            inner: Mutex::new(Inner {
                stats: vec![Stats::default(); n],
                failures: vec![0; n],
                ..Inner::default()
            }),
            limits: Buckets::new(rate, rate.ceil().max(1.0) as u32),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("center lock")
    }

    pub fn seller_index(&self, seller_id: &str) -> Option<usize> {
        self.accounts.iter().position(|a| a.seller_id == seller_id)
    }

    pub fn stats(&self, seller_id: &str) -> Option<Stats> {
        let i = self.seller_index(seller_id)?;
        Some(self.lock().stats[i].clone())
    }

    /// The last code the seller's phone received.
    pub fn last_code(&self, seller_id: &str) -> Option<String> {
        let i = self.seller_index(seller_id)?;
        self.lock().outbox.get(&i).cloned()
    }

    pub fn apply(&self, f: &CenterFaults) -> Result<(), String> {
        let idx = |ids: &[String]| -> Result<Vec<usize>, String> {
            ids.iter()
                .map(|s| {
                    self.seller_index(s)
                        .ok_or_else(|| format!("no seller {s:?} in this center"))
                })
                .collect()
        };
        let (force_2fa, force_captcha, clear) =
            (idx(&f.force_2fa)?, idx(&f.force_captcha)?, idx(&f.clear)?);
        let mut g = self.lock();
        if f.expire_sessions {
            g.expire_all();
        }
        if let Some(n) = f.expire_after_requests {
            g.expire_after = Some(n);
        }
        if let Some(on) = f.expire_always {
            g.expire_always = on;
        }
        g.force_2fa.extend(force_2fa);
        g.force_captcha.extend(force_captcha);
        for i in clear {
            g.force_2fa.remove(&i);
            g.force_captcha.remove(&i);
            g.failures[i] = 0;
            g.stats[i].locked = false;
        }
        Ok(())
    }

    pub fn expire_sessions(&self) {
        self.lock().expire_all();
    }

    /// The seller of a session that was logged out.
    pub fn seller_of_expired(&self, cookie: &str) -> Option<usize> {
        self.lock().expired.get(cookie).copied()
    }

    fn now(&self) -> DateTime<Utc> {
        self.sim.clock.now()
    }

    fn token(&self) -> String {
        let mut b = [0u8; 24];
        rand::rng().fill(&mut b);
        hex::encode(b)
    }

    /// A new signed-in session of `seller`: its cookie value.
    pub fn sign_in(&self, seller: usize) -> String {
        let t = self.token();
        let now = self.now();
        self.lock().sessions.insert(
            t.clone(),
            Signed {
                seller,
                last_used: now,
            },
        );
        t
    }

    /// The session a cookie value names, used now (idle sessions are logged out).
    pub fn session(&self, cookie: Option<&str>) -> Option<Signed> {
        let cookie = cookie?;
        let now = self.now();
        let mut g = self.lock();
        let s = g.sessions.get_mut(cookie)?;
        if now - s.last_used > Duration::minutes(SESSION_IDLE) {
            let seller = s.seller;
            g.sessions.remove(cookie);
            g.expired.insert(cookie.to_string(), seller);
            return None;
        }
        s.last_used = now;
        Some(s.clone())
    }

    /// The session of a data request: like [`CenterState::session`], with the expiry
    /// faults applied.
    pub fn data_session(&self, cookie: Option<&str>) -> Option<Signed> {
        {
            let mut g = self.lock();
            let expire = g.expire_always
                || match g.expire_after {
                    Some(0) => {
                        g.expire_after = None;
                        true
                    }
                    Some(n) => {
                        g.expire_after = Some(n - 1);
                        false
                    }
                    None => false,
                };
            if expire {
                g.expire_all();
            }
        }
        self.session(cookie)
    }

    fn count(&self, seller: usize, f: impl FnOnce(&mut Stats)) {
        f(&mut self.lock().stats[seller]);
    }

    /// A password submission: what the console answers, and the counts it changes.
    pub fn password_login(&self, login_id: &str, password: &str) -> PasswordCheck {
        let Some(i) = self.accounts.iter().position(|a| a.login_id == login_id) else {
            return PasswordCheck::Wrong;
        };
        let mut g = self.lock();
        g.stats[i].logins += 1;
        if g.stats[i].locked {
            g.stats[i].failed_logins += 1;
            return PasswordCheck::Locked;
        }
        if g.force_captcha.contains(&i) {
            g.stats[i].captchas_shown += 1;
            return PasswordCheck::Captcha;
        }
        if self.accounts[i].password != password {
            g.stats[i].failed_logins += 1;
            g.failures[i] += 1;
            if g.failures[i] >= LOCK_AFTER {
                g.stats[i].locked = true;
                return PasswordCheck::Locked;
            }
            return PasswordCheck::Wrong;
        }
        g.failures[i] = 0;
        let method = match (&self.accounts[i].second_factor, g.force_2fa.contains(&i)) {
            (SecondFactor::Totp { .. }, _) => Some("OTP"),
            (SecondFactor::Sms, _) | (SecondFactor::None, true) => Some("SMS"),
            (SecondFactor::None, false) => None,
        };
        drop(g);
        match method {
            None => PasswordCheck::SignedIn(i, self.sign_in(i)),
            Some(method) => {
                let key = self.token();
                self.lock().challenges.insert(
                    key.clone(),
                    Challenge {
                        seller: i,
                        method,
                        code: None,
                        issued: self.now(),
                        wrong: 0,
                    },
                );
                PasswordCheck::SecondFactor { key, method }
            }
        }
    }

    /// A login the center answered with a captcha before judging the password (Naver ID:
    /// no usable `bvsd`): counted as a login attempt and a captcha shown.
    pub fn captcha_for(&self, seller: usize) {
        self.count(seller, |s| {
            s.logins += 1;
            s.captchas_shown += 1;
        });
    }

    /// Send the SMS code of a challenge to the seller's phone.
    pub fn send_code(&self, key: &str) -> Result<(), ChallengeError> {
        let mut g = self.lock();
        let now = self.now();
        let c = g.challenges.get_mut(key).ok_or(ChallengeError::Unknown)?;
        if now - c.issued > Duration::minutes(CHALLENGE_MINUTES) {
            g.challenges.remove(key);
            return Err(ChallengeError::Expired);
        }
        let seller = c.seller;
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
        c.code = Some(code.clone());
        g.outbox.insert(seller, code);
        g.stats[seller].codes_sent += 1;
        Ok(())
    }

    /// A submitted code: the signed-in session's cookie value when right.
    pub fn verify_code(&self, key: &str, code: &str) -> Result<(usize, String), ChallengeError> {
        let now = self.now();
        let mut g = self.lock();
        let c = g.challenges.get_mut(key).ok_or(ChallengeError::Unknown)?;
        let seller = c.seller;
        g.stats[seller].two_factor_submissions += 1;
        let c = g.challenges.get_mut(key).expect("looked up above");
        if now - c.issued > Duration::minutes(CHALLENGE_MINUTES) {
            g.challenges.remove(key);
            return Err(ChallengeError::Expired);
        }
        let right = match (&self.accounts[seller].second_factor, c.method, &c.code) {
            (SecondFactor::Totp { secret }, "OTP", _) => totp_ok(secret, code),
            (_, "SMS", Some(sent)) => sent == code,
            _ => false,
        };
        if !right {
            c.wrong += 1;
            if c.wrong >= WRONG_CODES {
                g.challenges.remove(key);
                return Err(ChallengeError::Expired);
            }
            return Err(ChallengeError::WrongCode);
        }
        g.challenges.remove(key);
        drop(g);
        Ok((seller, self.sign_in(seller)))
    }

    /// One data request of a session: `false` when its rate refuses it (answer it with
    /// [`throttled`]).
    pub fn admit(&self, cookie: &str, seller: usize) -> bool {
        if !self.limits.admit(cookie) {
            self.count(seller, |s| s.throttled += 1);
            return false;
        }
        self.count(seller, |s| s.data_requests += 1);
        true
    }

    pub fn logged_out(&self, seller: Option<usize>) {
        if let Some(i) = seller {
            self.count(i, |s| s.logged_out_answers += 1);
        }
    }
}

/// A console's answer to a session over its rate: 429 with a pause of 30 s.
pub fn throttled() -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, HeaderValue::from_static("30"))],
        "Too Many Requests",
    )
        .into_response()
}

/// What a password submission gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordCheck {
    SignedIn(usize, String),
    SecondFactor { key: String, method: &'static str },
    Wrong,
    Locked,
    Captcha,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeError {
    Unknown,
    Expired,
    WrongCode,
}

/// TOTP with the usual ±1 step window, against the wall clock (authenticator apps use
/// real time, not the simulated one).
pub fn totp_ok(secret: &str, code: &str) -> bool {
    let Ok(s) = totp_rs::Secret::try_from_base32(secret) else {
        return false;
    };
    let totp = totp_rs::Builder::new().with_secret(s).build_noncompliant();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    totp.check(code, now).is_some()
}

/// A random base32 OTP secret (160 bits), from the simulator's seed.
pub fn otp_secret(rng: &mut impl Rng) -> String {
    let mut b = [0u8; 20];
    rng.fill(&mut b);
    totp_rs::Secret::from(b).to_base32()
}

/// The accounts of `sellers`: one in three with TOTP, one in three with SMS codes, the
/// rest without 2-step verification; seeded passwords.
pub fn accounts(sellers: &[String], seed: u64, prefix: &str, store_base: u64) -> Vec<Account> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ 0xC35E_11E2);
    sellers
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut pw = [0u8; 9];
            rng.fill(&mut pw);
            let second_factor = match i % 3 {
                0 => SecondFactor::Totp {
                    secret: otp_secret(&mut rng),
                },
                1 => SecondFactor::Sms,
                _ => SecondFactor::None,
            };
            Account {
                seller_id: s.clone(),
                login_id: format!("{prefix}{i:03}"),
                password: format!("pw-{}", hex::encode(pw)),
                second_factor,
                store_id: (store_base + i as u64).to_string(),
                login: None,
            }
        })
        .collect()
}

/// The value of cookie `name` in a request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A session cookie (no `Expires`: it dies with the browser), as the consoles set them.
pub fn session_cookie(name: &str, value: &str) -> (header::HeaderName, String) {
    (
        header::SET_COOKIE,
        format!("{name}={value}; Path=/; HttpOnly"),
    )
}

#[derive(Deserialize)]
struct SellerQuery {
    seller: String,
}

/// `/_sim/stats`, `/_sim/center`, `/_sim/center/outbox`.
pub fn admin(state: Arc<CenterState>) -> axum::Router {
    axum::Router::new()
        .route(
            "/_sim/stats",
            get(|State(s): State<Arc<CenterState>>| async move {
                let g = s.lock();
                let sellers: serde_json::Map<String, serde_json::Value> = s
                    .accounts
                    .iter()
                    .zip(&g.stats)
                    .map(|(a, st)| {
                        (
                            a.seller_id.clone(),
                            serde_json::to_value(st).expect("stats serialize"),
                        )
                    })
                    .collect();
                Json(serde_json::json!({ "sellers": sellers }))
            }),
        )
        .route(
            "/_sim/center",
            post(
                |State(s): State<Arc<CenterState>>, Json(f): Json<CenterFaults>| async move {
                    match s.apply(&f) {
                        Ok(()) => Json(serde_json::json!({"ok": true})).into_response(),
                        Err(e) => (
                            StatusCode::BAD_REQUEST,
                            Json(serde_json::json!({"error": e})),
                        )
                            .into_response(),
                    }
                },
            ),
        )
        .route(
            "/_sim/center/outbox",
            get(
                |State(s): State<Arc<CenterState>>, Query(q): Query<SellerQuery>| async move {
                    match s.last_code(&q.seller) {
                        Some(code) => Json(serde_json::json!({"code": code})).into_response(),
                        None => (
                            StatusCode::NOT_FOUND,
                            Json(serde_json::json!({"error": "no code sent to this seller"})),
                        )
                            .into_response(),
                    }
                },
            ),
        )
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_at(secret: &str, t: u64) -> String {
        let s = totp_rs::Secret::try_from_base32(secret).unwrap();
        totp_rs::Builder::new()
            .with_secret(s)
            .build_noncompliant()
            .generate(t)
            .to_string()
    }

    #[test]
    fn totp_is_checked_with_one_step_either_side() {
        let secret = otp_secret(&mut rand::rngs::StdRng::seed_from_u64(7));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(totp_ok(&secret, &code_at(&secret, now)));
        assert!(totp_ok(&secret, &code_at(&secret, now - 30)));
        assert!(totp_ok(&secret, &code_at(&secret, now + 30)));
        // Three steps away is another code (unless it collides by chance, 1 in 10^6).
        let far = code_at(&secret, now - 90);
        if far != code_at(&secret, now) && far != code_at(&secret, now - 30) {
            assert!(!totp_ok(&secret, &far));
        }
        assert!(!totp_ok(&secret, "12345x"));
    }

    #[test]
    fn accounts_lock_after_repeated_failures_and_unlock_when_cleared() {
        let accounts = accounts(&["s0".into(), "s1".into(), "s2".into()], 1, "t_", 10);
        assert!(matches!(
            accounts[0].second_factor,
            SecondFactor::Totp { .. }
        ));
        assert_eq!(accounts[1].second_factor, SecondFactor::Sms);
        assert_eq!(accounts[2].second_factor, SecondFactor::None);
        let sim = crate::server::SimState::for_tests();
        let state = CenterState::new(Arc::new(sim), accounts.clone());
        for _ in 0..LOCK_AFTER - 1 {
            assert_eq!(state.password_login("t_002", "wrong"), PasswordCheck::Wrong);
        }
        assert_eq!(
            state.password_login("t_002", "wrong"),
            PasswordCheck::Locked
        );
        // Locked: even the right password is refused.
        let right = accounts[2].password.clone();
        assert_eq!(state.password_login("t_002", &right), PasswordCheck::Locked);
        assert!(state.stats("s2").unwrap().locked);
        state
            .apply(&CenterFaults {
                clear: vec!["s2".into()],
                ..CenterFaults::default()
            })
            .unwrap();
        assert!(matches!(
            state.password_login("t_002", &right),
            PasswordCheck::SignedIn(2, _)
        ));
        assert_eq!(state.stats("s2").unwrap().logins, LOCK_AFTER + 2);
    }
}
