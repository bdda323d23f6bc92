//! The Naver ID login (`center.login: "naver_id"`) end to end against the Naver center
//! simulator: RSA `encpw` with the key `keys.nhn` hands out, LZString `bvsd`, the commerce
//! SSO and `/api/login`. Sellers 4 and 5 of the simulator log in with a Naver ID (4 gets a
//! new-device SMS code, 5 no 2-step verification; sim/src/centers/naver.rs `is_naver_id`).

use sellerbox::ErrorKind;
use sellerbox::centers::naver::nid::{self, Answer};
use sellerbox::centers::{
    self, LoginOutcome, MemorySessions, Secret, Services, SessionState, SessionStore,
};
use sellerbox::collect::{Collector, Range, RunSummary, Target};
use sellerbox::http::{Http, RetryPolicy};
use sellerbox::model::{Kind, Market};
use sellerbox::store::{self, Outcome};
use sim::centers::{CenterFaults, CenterState, Stats};
use sim::{SimClock, SimConfig};
use std::sync::Arc;
use std::time::Duration;

const NID_SMS: usize = 4;
const NID_PLAIN: usize = 5;

struct Rig {
    _dir: tempfile::TempDir,
    sim: sim::RunningSim,
    sessions: Arc<MemorySessions>,
    collector: Collector,
    targets: Vec<Target>,
}

async fn rig() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}?mode=rwc", dir.path().join("n.sqlite").display());
    let store = store::connect(&url).await.unwrap();
    let sim = sim::start(
        sim::find("naver").unwrap(),
        SimConfig {
            sellers: 6,
            clock: SimClock::frozen_now(),
            rps: Some(1000.0),
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let targets = sim
        .credentials
        .iter()
        .map(|c| Target::from_entry(c).expect("a simulator's credentials entry"))
        .collect();
    let sessions = Arc::new(MemorySessions::default());
    let clock = sim.clock().clone();
    let collector = Collector::new(
        Http::new(RetryPolicy::default()).unwrap(),
        store,
        Arc::new(move || clock.now()),
    )
    .with_centers(Services {
        sessions: sessions.clone(),
        pace: Duration::ZERO,
        ..Services::default()
    });
    Rig {
        _dir: dir,
        sim,
        sessions,
        collector,
        targets,
    }
}

impl Rig {
    fn center(&self) -> &CenterState {
        self.sim.center.as_deref().unwrap()
    }
    fn stats(&self, i: usize) -> Stats {
        self.center().stats(&self.targets[i].seller_id).unwrap()
    }
    async fn run(&self, t: &Target) -> RunSummary {
        self.collector
            .run(t, Kind::Reviews, Range::Auto, None)
            .await
    }
    async fn reviews(&self, i: usize) -> RunSummary {
        self.run(&self.targets[i]).await
    }
    async fn saved(&self, i: usize) -> Option<centers::SavedSession> {
        self.sessions
            .load(Market::Naver, &self.targets[i].seller_id)
            .await
            .unwrap()
    }
    /// The simulator's root (`{root}/{host}/{path}`).
    fn root(&self) -> String {
        self.targets[0].credentials.value()["center"]["base_url"]
            .as_str()
            .unwrap()
            .to_string()
    }
    fn center_login(&self, i: usize) -> (String, String) {
        let c = &self.targets[i].credentials.value()["center"];
        (
            c["login_id"].as_str().unwrap().to_string(),
            c["password"].as_str().unwrap().to_string(),
        )
    }
}

fn complete(r: &RunSummary) {
    assert_eq!(r.outcome, Outcome::Complete, "{r:?}");
    assert!(r.error.is_none(), "{r:?}");
}

#[tokio::test]
async fn a_naver_id_seller_logs_in_collects_reviews_and_the_next_run_reuses_the_session() {
    let rig = rig().await;
    let t = &rig.targets[NID_PLAIN];
    assert_eq!(t.credentials.value()["center"]["login"], "naver_id");
    let first = rig.reviews(NID_PLAIN).await;
    complete(&first);
    assert!(first.inserted > 20, "{first:?}");
    let s = rig.stats(NID_PLAIN);
    assert_eq!(
        (s.logins, s.failed_logins, s.captchas_shown),
        (1, 0, 0),
        "{s:?}"
    );
    let saved = rig.saved(NID_PLAIN).await.unwrap();
    assert_eq!(saved.state, SessionState::Active);
    assert_eq!(
        saved.identity.as_deref(),
        t.credentials.value()["center"]["store_id"].as_str()
    );
    for c in ["NID_AUT", "NID_SES", "CBI_SES", "nstore_session"] {
        assert!(saved.cookies.contains(c), "{c} is kept in the jar");
    }

    let second = rig.reviews(NID_PLAIN).await;
    complete(&second);
    assert_eq!(
        rig.stats(NID_PLAIN).logins,
        1,
        "the second run logs in again"
    );

    // A logged-out console: exactly one new login, through the whole Naver ID path.
    rig.center().expire_sessions();
    complete(&rig.reviews(NID_PLAIN).await);
    let s = rig.stats(NID_PLAIN);
    assert_eq!((s.logins, s.logged_out_answers), (2, 1), "{s:?}");
}

#[tokio::test]
async fn a_naver_id_is_not_a_commerce_account_and_the_other_way_round() {
    let rig = rig().await;
    // The Naver ID seller without its switch tries the commerce login: no such account.
    let mut t = rig.targets[NID_PLAIN].clone();
    t.credentials = t.credentials.with(|c| {
        c["center"].as_object_mut().unwrap().remove("login");
    });
    let r = rig.run(&t).await;
    assert_eq!(r.error_kind, Some(ErrorKind::ReloginRequired), "{r:?}");
    assert!(r.error.as_deref().unwrap().contains("비밀번호"), "{r:?}");
    // A commerce seller with the switch: Naver does not know the id either.
    let mut t = rig.targets[2].clone();
    t.credentials = t
        .credentials
        .with(|c| c["center"]["login"] = "naver_id".into());
    let r = rig.run(&t).await;
    assert_eq!(r.error_kind, Some(ErrorKind::ReloginRequired), "{r:?}");
    assert!(r.error.as_deref().unwrap().contains("비밀번호"), "{r:?}");
}

#[tokio::test]
async fn a_wrong_naver_id_password_is_one_attempt_across_runs() {
    let rig = rig().await;
    let mut t = rig.targets[NID_PLAIN].clone();
    let right = t.credentials.value()["center"]["password"].clone();
    t.credentials = t
        .credentials
        .with(|c| c["center"]["password"] = "not-the-password".into());
    for _ in 0..5 {
        let r = rig.run(&t).await;
        assert_eq!(r.outcome, Outcome::Partial, "{r:?}");
        assert_eq!(r.error_kind, Some(ErrorKind::ReloginRequired));
        assert!(r.error.as_deref().unwrap().contains("비밀번호"), "{r:?}");
    }
    let s = rig.stats(NID_PLAIN);
    assert_eq!((s.logins, s.failed_logins), (1, 1), "{s:?}");
    assert!(!s.locked);
    t.credentials = t.credentials.with(|c| c["center"]["password"] = right);
    complete(&rig.run(&t).await);
    assert_eq!(rig.stats(NID_PLAIN).logins, 2);
}

#[tokio::test]
async fn the_new_device_code_ends_in_code_needed_and_the_2fa_path_completes_it() {
    let rig = rig().await;
    let t = &rig.targets[NID_SMS];
    let r = rig.reviews(NID_SMS).await;
    assert_eq!(r.outcome, Outcome::Partial, "a checkpoint: {r:?}");
    assert_eq!(r.error_kind, Some(ErrorKind::TwoFactorRequired), "{r:?}");
    assert!(r.error.as_deref().unwrap().contains("문자(SMS)"), "{r:?}");
    let s = rig.stats(NID_SMS);
    assert_eq!((s.logins, s.codes_sent), (1, 1), "{s:?}");

    // Later runs wait for the code: no new login, no new SMS.
    let r = rig.reviews(NID_SMS).await;
    assert_eq!(r.error_kind, Some(ErrorKind::TwoFactorRequired));
    assert_eq!(rig.stats(NID_SMS).logins, 1);

    let services = &rig.collector.centers;
    let submit = |code: String| async move {
        let code = Secret::new(code);
        centers::submit_code(
            services,
            Market::Naver,
            &t.seller_id,
            &t.credentials.value(),
            &code,
        )
        .await
    };
    let wrong = submit("000000x".into()).await.unwrap();
    assert!(
        matches!(
            wrong,
            LoginOutcome::CodeNeeded {
                channel: centers::CodeChannel::Sms,
                ..
            }
        ),
        "{wrong:?}"
    );
    let code = rig.center().last_code(&t.seller_id).unwrap();
    assert_eq!(submit(code).await.unwrap(), LoginOutcome::LoggedIn);
    let s = rig.stats(NID_SMS);
    assert_eq!((s.logins, s.two_factor_submissions), (1, 2), "{s:?}");

    let r = rig.reviews(NID_SMS).await;
    complete(&r);
    assert!(r.inserted > 0, "{r:?}");
    assert_eq!(rig.stats(NID_SMS).logins, 1);
}

#[tokio::test]
async fn a_forced_captcha_waits_for_a_person() {
    let rig = rig().await;
    rig.center()
        .apply(&CenterFaults {
            force_captcha: vec![rig.targets[NID_PLAIN].seller_id.clone()],
            ..CenterFaults::default()
        })
        .unwrap();
    for _ in 0..2 {
        let r = rig.reviews(NID_PLAIN).await;
        assert_eq!(r.error_kind, Some(ErrorKind::ReloginRequired), "{r:?}");
        assert!(r.error.as_deref().unwrap().contains("캡차"), "{r:?}");
    }
    let s = rig.stats(NID_PLAIN);
    assert_eq!((s.logins, s.captchas_shown), (1, 1), "{s:?}");
}

/// The form of `nidlogin.login` a browser would post, `bvsd` as given.
async fn post_login(
    http: &reqwest::Client,
    root: &str,
    id: &str,
    password: &str,
    bvsd: Option<&str>,
) -> (reqwest::StatusCode, Vec<String>, String) {
    let form_page = http
        .get(format!("{root}/nid.naver.com/nidlogin.login?mode=form"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mark = "name=\"dynamicKey\" value=\"";
    let at = form_page.find(mark).unwrap() + mark.len();
    let dynamic = &form_page[at..at + form_page[at..].find('"').unwrap()];
    let keys = http
        .get(format!("{root}/nid.naver.com/login/ext/keys.nhn"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let key = nid::parse_keys(&keys).unwrap();
    let encpw = nid::encpw(&key, id, &Secret::new(password)).unwrap();
    let mut form = vec![
        ("dynamicKey", dynamic.to_string()),
        ("encpw", encpw),
        ("enctp", "1".into()),
        ("svctype", "1".into()),
        ("smart_LEVEL", "1".into()),
        ("encnm", key.key_name.clone()),
        ("locale", "ko_KR".into()),
        ("url", "https://www.naver.com".into()),
        ("id", String::new()),
        ("pw", String::new()),
    ];
    if let Some(b) = bvsd {
        form.push(("bvsd", b.to_string()));
    }
    let resp = http
        .post(format!("{root}/nid.naver.com/nidlogin.login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let cookies = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split('=').next().unwrap().to_string())
        .collect();
    (status, cookies, resp.text().await.unwrap())
}

#[tokio::test]
async fn without_a_decodable_bvsd_the_login_gets_the_captcha() {
    let rig = rig().await;
    let root = rig.root();
    let (id, pw) = rig.center_login(NID_PLAIN);
    let http = reqwest::Client::new();

    let (_, cookies, page) = post_login(&http, &root, &id, &pw, None).await;
    assert!(cookies.is_empty(), "{cookies:?}");
    assert_eq!(nid::classify_page(&page), Answer::Captcha);
    let junk = serde_json::json!({"uuid": "u", "encData": "%%%"}).to_string();
    let (_, _, page) = post_login(&http, &root, &id, &pw, Some(&junk)).await;
    assert_eq!(nid::classify_page(&page), Answer::Captcha);
    let s = rig.stats(NID_PLAIN);
    assert_eq!(
        (s.logins, s.captchas_shown, s.failed_logins),
        (2, 2, 0),
        "{s:?}"
    );

    // The same login with the browser's bvsd: NID_AUT and NID_SES.
    let good = nid::bvsd("0b7e9a4c-1d2f-4e5a-9b8c-7d6e5f4a3b2c", &id);
    let (status, cookies, _) = post_login(&http, &root, &id, &pw, Some(&good)).await;
    assert!(status.is_success());
    assert!(
        cookies.contains(&"NID_AUT".to_string()) && cookies.contains(&"NID_SES".to_string()),
        "{cookies:?}"
    );
}

#[tokio::test]
async fn a_session_key_serves_one_login_and_plain_credentials_are_refused() {
    let rig = rig().await;
    let root = rig.root();
    let (id, pw) = rig.center_login(NID_PLAIN);
    let http = reqwest::Client::new();
    let keys = http
        .get(format!("{root}/nid.naver.com/login/ext/keys.nhn"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let key = nid::parse_keys(&keys).unwrap();
    let dynamic = |page: &str| {
        let mark = "name=\"dynamicKey\" value=\"";
        let at = page.find(mark).unwrap() + mark.len();
        page[at..at + page[at..].find('"').unwrap()].to_string()
    };
    let form_page = || async {
        http.get(format!("{root}/nid.naver.com/nidlogin.login?mode=form"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let bvsd = nid::bvsd("u-1", &id);
    let encpw = nid::encpw(&key, &id, &Secret::new(pw.clone())).unwrap();
    let post = |dynamic: String, plain_pw: &'static str| {
        let form = vec![
            ("dynamicKey", dynamic),
            ("encpw", encpw.clone()),
            ("enctp", "1".to_string()),
            ("svctype", "1".into()),
            ("smart_LEVEL", "1".into()),
            ("encnm", key.key_name.clone()),
            ("locale", "ko_KR".into()),
            ("url", "https://www.naver.com".into()),
            ("bvsd", bvsd.clone()),
            ("id", String::new()),
            ("pw", plain_pw.to_string()),
        ];
        let http = http.clone();
        let root = root.clone();
        async move {
            let r = http
                .post(format!("{root}/nid.naver.com/nidlogin.login"))
                .form(&form)
                .send()
                .await
                .unwrap();
            let signed = r
                .headers()
                .get_all("set-cookie")
                .iter()
                .any(|v| v.to_str().unwrap().starts_with("NID_SES="));
            (signed, r.text().await.unwrap())
        }
    };
    // The password in the plain field: refused before anything is judged.
    let (signed, page) = post(dynamic(&form_page().await), "plain").await;
    assert!(!signed && page.contains("잘못된 접근"), "{page}");
    let (signed, _) = post(dynamic(&form_page().await), "").await;
    assert!(signed, "the first use of the session key logs in");
    let (signed, page) = post(dynamic(&form_page().await), "").await;
    assert!(!signed, "a session key is used once");
    assert_eq!(nid::classify_page(&page), Answer::Unknown);
    assert_eq!(rig.stats(NID_PLAIN).logins, 1);
}
