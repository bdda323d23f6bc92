//! The `sellerbox` binary end to end: the demo, collecting against served simulators, and
//! what a person sees when the input is wrong.

use serde_json::Value;
use sim::SimConfig;
use std::path::Path;
use std::process::Output;
use tokio::process::Command;

fn sellerbox() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sellerbox"));
    c.env_remove("RUST_LOG");
    c
}

async fn run(cmd: &mut Command) -> Output {
    cmd.output().await.expect("sellerbox runs")
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON object")
}

fn stderr_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.trim_start().starts_with('{')) // JSON log lines
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_collects_every_kind_of_both_markets_into_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(sellerbox().current_dir(dir.path()).args(["demo", "--json"])).await;
    let report = json(&out);
    let markets = report["markets"].as_array().unwrap();
    assert_eq!(markets.len(), sim::MARKETS.len());
    for m in markets {
        let market: sellerbox::model::Market = m["market"].as_str().unwrap().parse().unwrap();
        let spec = sellerbox::markets::spec(market).unwrap();
        for field in [
            "orders",
            "order_items",
            "settlements",
            "inquiries",
            "requests",
        ] {
            // Inquiries where the market offers them by API.
            if field == "inquiries" && spec.plan(sellerbox::model::Kind::Inquiries).is_none() {
                continue;
            }
            assert!(m[field].as_u64().unwrap() > 0, "{field} of {m}");
        }
        // Reviews come from the seller center, where the market has one (its demo sellers
        // log in with TOTP, an SMS code the demo completes, or a Naver ID).
        if sellerbox::centers::center(market).is_some() {
            assert!(m["reviews"].as_u64().unwrap() > 0, "reviews of {m}");
        }
        assert_eq!(m["errors"], 0, "{m}");
        assert_eq!(m["throttled"], 0, "{m}");
        assert_eq!(m["sellers"], 5);
    }
    assert!(report["wall_s"].as_f64().unwrap() > 0.0);
    // The rows are in the SQLite file in the current folder.
    assert!(dir.path().join("sellerbox-demo.sqlite").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_demo_cycle_records_status_changes() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(sellerbox().current_dir(dir.path()).args([
        "demo",
        "--json",
        "--cycles",
        "2",
        "--sellers",
        "3",
        "--rps",
        "200",
    ]))
    .await;
    let report = json(&out);
    for m in report["markets"].as_array().unwrap() {
        assert!(m["status_changes"].as_u64().unwrap() > 0, "{m}");
        assert_eq!(m["errors"], 0, "{m}");
    }
}

/// The `json` of a command run for `market`, whose failure names the market.
fn json_of(market: &str, what: &str, out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{market}: {what} exited {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{market}: {what} printed no JSON object: {e}"))
}

/// Part of the conformance suite (shared/tests/conformance.rs): every registered market
/// is in the demo, with orders and without errors.
#[tokio::test(flavor = "multi_thread")]
async fn the_demo_collects_every_registered_market_without_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!(
        "sqlite:{}?mode=rwc",
        dir.path().join("demo.sqlite").display()
    );
    let out = run(sellerbox().current_dir(dir.path()).args([
        "demo",
        "--json",
        "--sellers",
        "2",
        "--rps",
        "200",
        "--db",
        &db,
    ]))
    .await;
    let report = json_of("every market", "sellerbox demo", &out);
    let reports = report["markets"].as_array().unwrap();
    assert_eq!(reports.len(), sim::MARKETS.len(), "{report}");
    for m in sim::MARKETS {
        let r = reports
            .iter()
            .find(|r| r["market"] == m.id)
            .unwrap_or_else(|| panic!("{}: not in the demo's report: {report}", m.id));
        assert!(r["orders"].as_u64().unwrap_or(0) > 0, "{}: {r}", m.id);
        assert_eq!(r["errors"], 0, "{}: {r}", m.id);
        assert_eq!(r["sellers"], 2, "{}: {r}", m.id);
    }
}

/// Part of the conformance suite: `sellerbox bench` works for every registered market.
#[tokio::test(flavor = "multi_thread")]
async fn the_bench_runs_every_registered_market_without_errors() {
    // Seller-center sessions land in the working folder's .sellerbox/.
    let dir = tempfile::tempdir().unwrap();
    for m in sim::MARKETS {
        let out = run(sellerbox().current_dir(dir.path()).args([
            "bench",
            "--market",
            m.id,
            "--sellers",
            "3",
            "--days",
            "1",
            // Pacing at each market's documented rate is the conformance suite's; here
            // the bench path itself, fast.
            "--rps",
            "200",
            "--json",
        ]))
        .await;
        let report = json_of(m.id, "sellerbox bench", &out);
        assert_eq!(report["market"], m.id, "{report}");
        assert_eq!(report["errors"], 0, "{}: {report}", m.id);
        assert_eq!(report["sellers"], 3, "{}: {report}", m.id);
        assert!(
            report["orders"].as_u64().unwrap_or(0) > 0,
            "{}: {report}",
            m.id
        );
        assert!(
            report["requests"].as_u64().unwrap_or(0) > 0,
            "{}: {report}",
            m.id
        );
    }
}

/// Simulators served in this process, and their credentials file.
async fn served(dir: &Path) -> (Vec<sim::RunningSim>, std::path::PathBuf) {
    let clock = sim::SimClock::frozen_now();
    let mut sims = Vec::new();
    for &m in sim::MARKETS {
        let config = SimConfig {
            sellers: 2,
            clock: clock.clone(),
            ..SimConfig::default()
        };
        sims.push(
            sim::start(m, config, "127.0.0.1:0".parse().unwrap())
                .await
                .unwrap(),
        );
    }
    let creds: Vec<Value> = sims.iter().flat_map(|s| s.credentials.clone()).collect();
    let path = dir.join("credentials.json");
    std::fs::write(&path, serde_json::to_vec(&creds).unwrap()).unwrap();
    (sims, path)
}

#[tokio::test(flavor = "multi_thread")]
async fn collecting_the_same_window_twice_changes_nothing_the_second_time() {
    let dir = tempfile::tempdir().unwrap();
    let (_sims, creds) = served(dir.path()).await;
    let db = format!("sqlite:{}?mode=rwc", dir.path().join("c.sqlite").display());
    for market in ["coupang", "naver", "ssg", "lotteon", "11st"] {
        let collect = |db: &str| {
            let mut c = sellerbox();
            c.current_dir(dir.path())
                .args([
                    "collect", "--market", market, "--all", "--since", "7d", "--json",
                ])
                .arg("--credentials")
                .arg(&creds)
                .args(["--db", db]);
            c
        };
        let first = json(&run(&mut collect(&db)).await);
        let runs = first["runs"].as_array().unwrap();
        assert!(!runs.is_empty());
        assert!(
            runs.iter().any(|r| r["inserted"].as_u64().unwrap() > 0),
            "{first}"
        );
        // A seller-center seller who receives SMS codes waits for a person the first time
        // ("code needed", a successful partial run); every other run completes.
        assert!(
            runs.iter()
                .all(|r| r["outcome"] == "complete" || r["error_kind"] == "two_factor_required"),
            "{first}"
        );

        let second = json(&run(&mut collect(&db)).await);
        for r in second["runs"].as_array().unwrap() {
            assert_eq!(r["inserted"], 0, "{r}");
            assert_eq!(r["updated"], 0, "{r}");
            assert_eq!(r["history"], 0, "{r}");
            assert!(
                r["unchanged"].as_u64().unwrap() > 0 || r["kind"] != "orders",
                "{r}"
            );
        }
    }
}

/// A collect that logs in to no seller center (API kinds only) leaves no session folder
/// nor key in the working directory; one that does keeps its sessions there.
#[tokio::test(flavor = "multi_thread")]
async fn only_a_seller_center_run_keeps_a_session_folder() {
    let dir = tempfile::tempdir().unwrap();
    let (_sims, creds) = served(dir.path()).await;
    let db = format!("sqlite:{}?mode=rwc", dir.path().join("c.sqlite").display());
    let sessions = dir.path().join(".sellerbox");
    let collect = |kinds: &str| {
        let mut c = sellerbox();
        c.current_dir(dir.path())
            .args(["collect", "--market", "naver", "--all", "--since", "1d"])
            .args(["--kinds", kinds, "--json", "--db", &db, "--credentials"])
            .arg(&creds);
        c
    };
    let out = run(&mut collect("orders")).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !sessions.exists(),
        "an API-only run made {}",
        sessions.display()
    );

    let out = run(&mut collect("reviews")).await;
    let runs = json(&out)["runs"].as_array().unwrap().clone();
    assert!(
        !runs.is_empty(),
        "a seller with a center login reads reviews"
    );
    assert!(sessions.join("sessions").is_dir());
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_one_clear_line_and_a_non_zero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let (_sims, creds) = served(dir.path()).await;
    let db = format!(
        "sqlite:{}?mode=rwc",
        dir.path().join("bad.sqlite").display()
    );

    // Unknown market: refused by the argument parser, before anything runs.
    let out = run(sellerbox().args([
        "collect",
        "--market",
        "ebay",
        "--all",
        "--credentials",
        "x.json",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown market"));

    // Malformed credentials file.
    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        br#"[{"market":"coupang","seller_id":"A1","credentials":{"secret_key":"hunter2"}"#,
    )
    .unwrap();
    let out = run(sellerbox()
        .args([
            "collect",
            "--market",
            "coupang",
            "--all",
            "--db",
            &db,
            "--credentials",
        ])
        .arg(&broken))
    .await;
    assert_eq!(out.status.code(), Some(2));
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("credentials file") && lines[0].contains("not valid JSON"),
        "{lines:?}"
    );
    assert!(!lines[0].contains("hunter2"));

    // Unreachable database: one line, nothing collected.
    let out = run(sellerbox()
        .args([
            "collect",
            "--market",
            "coupang",
            "--all",
            "--db",
            "postgres://u:pw@127.0.0.1:1/x",
            "--credentials",
        ])
        .arg(&creds))
    .await;
    assert_eq!(out.status.code(), Some(1));
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("cannot reach the database"), "{lines:?}");
    assert!(!lines[0].contains("pw@"), "{lines:?}");

    // Wrong credentials: the marketplace refuses; one line per seller, and no rows.
    let mut entries: Vec<Value> = serde_json::from_slice(&std::fs::read(&creds).unwrap()).unwrap();
    entries.retain(|e| e["market"] == "coupang");
    entries.truncate(1);
    entries[0]["credentials"]["secret_key"] = "wrong-secret".into();
    // The API keys alone: the seller-center login is another credential, tested in
    // shared/tests/wing.rs.
    entries[0]["credentials"]
        .as_object_mut()
        .unwrap()
        .remove("center");
    let wrong = dir.path().join("wrong.json");
    std::fs::write(&wrong, serde_json::to_vec(&entries).unwrap()).unwrap();
    let out = run(sellerbox()
        .args([
            "collect",
            "--market",
            "coupang",
            "--all",
            "--json",
            "--db",
            &db,
            "--credentials",
        ])
        .arg(&wrong))
    .await;
    assert_eq!(out.status.code(), Some(1));
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("rejected the seller's API credentials"),
        "{lines:?}"
    );
    assert!(!lines[0].contains("wrong-secret"));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    for r in report["runs"].as_array().unwrap() {
        assert_eq!(r["error_kind"], "credentials_rejected", "{r}");
        assert_eq!(r["inserted"], 0);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn seller_accounts_are_added_listed_and_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}?mode=rwc", dir.path().join("s.sqlite").display());
    let out = run(sellerbox().args([
        "sellers", "add", "--market", "naver", "--seller", "shop-1", "--db", &db,
    ]))
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(sellerbox().args([
        "sellers",
        "add",
        "--market",
        "coupang",
        "--seller",
        "A1",
        "--disabled",
        "--db",
        &db,
    ]))
    .await;
    assert!(out.status.success());
    let list = json(&run(sellerbox().args(["sellers", "list", "--json", "--db", &db])).await);
    let accounts = list.as_array().unwrap();
    assert_eq!(accounts.len(), 2);
    let shop = accounts
        .iter()
        .find(|a| a["seller_id"] == "shop-1")
        .unwrap();
    assert_eq!(shop["secret_name"], "sellerbox/naver/shop-1");
    assert_eq!(shop["enabled"], true);
    let a1 = accounts.iter().find(|a| a["seller_id"] == "A1").unwrap();
    assert_eq!(a1["enabled"], false);

    let out = run(sellerbox().args([
        "sellers", "disable", "--market", "naver", "--seller", "shop-1", "--db", &db,
    ]))
    .await;
    assert!(out.status.success());
    let list = json(
        &run(sellerbox().args([
            "sellers", "list", "--market", "naver", "--json", "--db", &db,
        ]))
        .await,
    );
    assert_eq!(list[0]["enabled"], false);
    // An unknown account: one line, exit 2.
    let out = run(sellerbox().args([
        "sellers", "disable", "--market", "naver", "--seller", "nobody", "--db", &db,
    ]))
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr_lines(&out).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_acknowledge_option_is_stored_with_the_account_and_reaches_only_its_connector() {
    let dir = tempfile::tempdir().unwrap();
    let (sims, creds) = served(dir.path()).await;
    let lotteon = sims.iter().find(|s| s.market.id == "lotteon").unwrap();
    let seller = |i: usize| {
        lotteon.credentials[i]["seller_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (opted, other) = (seller(0), seller(1));
    let db = format!("sqlite:{}?mode=rwc", dir.path().join("o.sqlite").display());
    let add = |option: &str| {
        let mut c = sellerbox();
        c.args(["sellers", "add", "--market", "lotteon", "--seller", &opted])
            .args(["--option", option, "--db", &db]);
        c
    };
    // Not NAME=VALUE: one line, exit 2, nothing stored.
    let out = run(&mut add("acknowledge_orders")).await;
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr_lines(&out).len(), 1);
    let out = run(&mut add("acknowledge_orders=true")).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for who in [&opted, &other] {
        let out = run(sellerbox()
            .args([
                "collect", "--market", "lotteon", "--seller", who, "--kinds", "orders",
            ])
            .arg("--credentials")
            .arg(&creds)
            .args(["--db", &db, "--json"]))
        .await;
        let report = json(&out);
        assert_eq!(report["runs"][0]["outcome"], "complete", "{report}");
    }
    // `collect` registered both accounts and kept the stored option.
    let list = json(&run(sellerbox().args(["sellers", "list", "--json", "--db", &db])).await);
    let account = |id: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|a| a["seller_id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(account(&opted)["options"]["acknowledge_orders"], true);
    assert!(
        account(&other)["options"]
            .get("acknowledge_orders")
            .is_none()
    );
    let writes = sim_get(lotteon.addr, "/_sim/lotteon/writes").await;
    assert!(!writes[&opted].as_array().unwrap().is_empty(), "{writes}");
    assert!(writes[&other].as_array().unwrap().is_empty(), "{writes}");
}

/// A simulator admin route's JSON, over a plain HTTP/1.0 request (the CLI's tests have no
/// HTTP client of their own).
async fn sim_get(addr: std::net::SocketAddr, path: &str) -> Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(
        head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
        "{head}"
    );
    serde_json::from_str(body).unwrap()
}

/// `sellerbox bench --processes`: collector processes sharing Naver's buckets per
/// application through leases in PostgreSQL (DATABASE_URL, default the local server) never
/// together exceed what the simulator enforces, even at a fast rate: no throttle answer.
#[tokio::test(flavor = "multi_thread")]
async fn collector_processes_sharing_the_application_limit_are_never_throttled() {
    let out = run(sellerbox().args([
        "bench",
        "--market",
        "naver",
        "--processes",
        "3",
        "--sellers",
        "12",
        "--days",
        "2",
        "--rps",
        "40",
        "--orders-per-day",
        "200",
        "--json",
    ]))
    .await;
    let report = json_of("naver", "sellerbox bench --processes", &out);
    assert_eq!(report["processes"], 3, "{report}");
    assert_eq!(report["errors"], 0, "{report}");
    assert_eq!(report["throttled"], 0, "{report}");
    let per_process = report["per_process"].as_array().unwrap();
    assert_eq!(per_process.len(), 3, "{report}");
    for p in per_process {
        assert_eq!(p["finished"], true, "{report}");
    }
    assert!(report["requests"].as_u64().unwrap() > 0, "{report}");
    assert!(
        report["busiest_key"]
            .as_str()
            .unwrap()
            .starts_with("naver:"),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_counts_enabled_sellers_and_says_where_one_application_key_does_not_fit() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}?mode=rwc", dir.path().join("p.sqlite").display());
    for (seller, disabled) in [("n-1", false), ("n-2", false), ("n-3", true)] {
        let mut cmd = sellerbox();
        cmd.args([
            "sellers", "add", "--market", "naver", "--seller", seller, "--db", &db,
        ]);
        if disabled {
            cmd.arg("--disabled");
        }
        assert!(run(&mut cmd).await.status.success());
    }
    // The enabled accounts are the seller count; every compiled market is planned.
    let plan = json(&run(sellerbox().args(["plan", "--db", &db, "--json"])).await);
    let markets = plan["markets"].as_array().unwrap();
    assert_eq!(markets.len(), sellerbox::markets::compiled().count());
    let naver = markets.iter().find(|m| m["market"] == "naver").unwrap();
    assert_eq!(naver["sellers"], 2);
    for m in markets {
        for field in [
            "sellers",
            "fits",
            "peak_containers",
            "usd_per_month",
            "kinds",
        ] {
            assert!(!m[field].is_null(), "{}: {field}", m["market"]);
        }
    }
    // 1,000 Naver sellers at 20 requests per order run overflow the application's buckets.
    let plan = json(
        &run(sellerbox().args([
            "plan",
            "--db",
            &db,
            "--json",
            "--market",
            "naver",
            "--sellers",
            "1000",
            "--requests-per-seller",
            "20",
        ]))
        .await,
    );
    let orders = &plan["markets"][0]["kinds"][0];
    assert_eq!(orders["kind"], "orders");
    assert_eq!(orders["fits"], false);
    assert_eq!(orders["max_sellers_per_app_key"], 590);
    assert!(
        orders["fixes"][0]
            .as_str()
            .unwrap()
            .contains("a second application"),
        "{orders}"
    );
    // The table says it in words.
    let out = run(sellerbox().args([
        "plan",
        "--db",
        &db,
        "--market",
        "naver",
        "--sellers",
        "1000",
        "--requests-per-seller",
        "20",
    ]))
    .await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("DOES NOT FIT") && text.contains("does not fit; what would fix it"));
}
