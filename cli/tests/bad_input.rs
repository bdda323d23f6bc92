//! Bad input to `sellerbox collect` (issue 7, faults 3, 4 and 5): refused with exit 2 and
//! a clear line before anything is written: no database file, no seller registered, no
//! panic, no secret echoed.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Output;
use tokio::process::Command;

const SECRET: &str = "s3cr3t-never-shown";

fn sellerbox() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sellerbox"));
    c.env_remove("RUST_LOG");
    c
}

/// Lines on stderr that are not JSON log lines.
fn stderr_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.trim_start().starts_with('{'))
        .map(str::to_string)
        .collect()
}

fn coupang_entry(seller: &str) -> Value {
    json!({
        "market": "coupang", "seller_id": seller, "base_url": "http://127.0.0.1:9",
        "credentials": {"vendor_id": seller, "access_key": "ak", "secret_key": SECRET}
    })
}

fn naver_entry(seller: &str) -> Value {
    json!({
        "market": "naver", "seller_id": seller, "base_url": "http://127.0.0.1:9",
        "credentials": {"client_id": "app", "client_secret": "$2a$04$abcdefghijklmnopqrstuu",
                        "account_id": "ncp_1"}
    })
}

fn write(dir: &Path, name: &str, entries: &[Value]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(entries).unwrap()).unwrap();
    path
}

struct Refused {
    lines: Vec<String>,
}

/// Runs `collect` with `args` against a database file that must not appear, and expects
/// exit 2 without a panic.
async fn refused(dir: &Path, creds: &Path, args: &[&str]) -> Refused {
    let db_file = dir.join("never.sqlite");
    let db = format!("sqlite:{}?mode=rwc", db_file.display());
    let mut cmd = sellerbox();
    cmd.args(["collect"])
        .args(args)
        .arg("--credentials")
        .arg(creds)
        .args(["--db", &db])
        .kill_on_drop(true);
    // A refusal is immediate; without one the command would go on collecting (a seller
    // listed 2,000 times did not finish in minutes).
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), cmd.output())
        .await
        .unwrap_or_else(|_| panic!("{args:?}: not refused, still running after 60 s"))
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: exit {:?}\nstderr: {stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(!stderr.contains(SECRET), "{args:?}: {stderr}");
    assert!(
        !db_file.exists(),
        "{args:?}: the database was created: {stderr}"
    );
    Refused {
        lines: stderr_lines(&out),
    }
}

// ------------------------------------------------------------------ fault 3

#[tokio::test(flavor = "multi_thread")]
async fn oversized_and_too_old_ranges_are_refused_with_the_limit_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let creds = write(
        dir.path(),
        "c.json",
        &[coupang_entry("A00010001"), coupang_entry("A00010002")],
    );
    for since in [
        "99999999999d",
        "999999999999d",
        "9223372036854775807s",
        "9223372036854775807d",
        "3000000d",
        "400d",
    ] {
        let r = refused(
            dir.path(),
            &creds,
            &["--market", "coupang", "--all", "--since", since],
        )
        .await;
        assert_eq!(r.lines.len(), 1, "--since {since}: {:?}", r.lines);
        assert!(
            r.lines[0].contains("--since") && r.lines[0].contains("at most"),
            "--since {since}: {:?}",
            r.lines
        );
    }
    let r = refused(
        dir.path(),
        &creds,
        &[
            "--market",
            "coupang",
            "--all",
            "--kinds",
            "orders",
            "--from",
            "0001-01-01T00:00:00Z",
            "--to",
            "2025-01-01T00:00:00Z",
        ],
    )
    .await;
    assert_eq!(r.lines.len(), 1, "{:?}", r.lines);
    assert!(
        r.lines[0].contains("--from") && r.lines[0].contains("orders"),
        "{:?}",
        r.lines
    );
}

// ------------------------------------------------------------------ fault 4

#[tokio::test(flavor = "multi_thread")]
async fn a_seller_listed_twice_is_refused_naming_the_seller() {
    let dir = tempfile::tempdir().unwrap();
    let mut entries = vec![coupang_entry("A00010001")];
    entries.extend(std::iter::repeat_n(coupang_entry("A00010002"), 2_000));
    let creds = write(dir.path(), "dup.json", &entries);
    let r = refused(dir.path(), &creds, &["--market", "coupang", "--all"]).await;
    assert_eq!(r.lines.len(), 1, "{:?}", r.lines);
    assert!(
        r.lines[0].contains("A00010002") && r.lines[0].contains("more than once"),
        "{:?}",
        r.lines
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_credentials_file_beyond_the_size_limit_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    // Valid JSON, a few entries, padded past the limit.
    let mut text = serde_json::to_string(&[coupang_entry("A00010001")]).unwrap();
    text.push_str(&" ".repeat(20 << 20));
    let path = dir.path().join("big.json");
    std::fs::write(&path, text).unwrap();
    let r = refused(dir.path(), &path, &["--market", "coupang", "--all"]).await;
    assert_eq!(r.lines.len(), 1, "{:?}", r.lines);
    assert!(
        r.lines[0].contains("larger than") && r.lines[0].contains("MB"),
        "{:?}",
        r.lines
    );
}

// ------------------------------------------------------------------ fault 5

#[tokio::test(flavor = "multi_thread")]
async fn wrongly_typed_credentials_are_refused_one_line_per_entry_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut bad_secret = coupang_entry("A00010002");
    bad_secret["credentials"]["secret_key"] = json!(12345);
    let mut bad_access = coupang_entry("A00010003");
    bad_access["credentials"]["access_key"] = json!({"k": SECRET});
    let mut bad_naver = naver_entry("shop-9");
    bad_naver["credentials"]["client_id"] = json!(true);
    let creds = write(
        dir.path(),
        "typed.json",
        &[
            coupang_entry("A00010001"),
            bad_secret,
            bad_access,
            naver_entry("shop-1"),
            bad_naver,
        ],
    );
    let r = refused(dir.path(), &creds, &["--market", "coupang", "--all"]).await;
    assert_eq!(r.lines.len(), 3, "{:?}", r.lines);
    let line = |seller: &str| {
        r.lines
            .iter()
            .find(|l| l.contains(seller))
            .unwrap_or_else(|| panic!("no line names {seller}: {:?}", r.lines))
            .clone()
    };
    let l = line("A00010002");
    assert!(l.contains("coupang") && l.contains("secret_key"), "{l}");
    assert!(!l.contains("12345"), "{l}");
    let l = line("A00010003");
    assert!(l.contains("coupang") && l.contains("access_key"), "{l}");
    let l = line("shop-9");
    assert!(l.contains("naver") && l.contains("client_id"), "{l}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_database_url_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let creds = write(dir.path(), "c.json", &[coupang_entry("A00010001")]);
    for db in [
        "mysql://localhost/x",
        "sqlite",
        "postgres://u@host:notaport/x",
    ] {
        let out = sellerbox()
            .args(["collect", "--market", "coupang", "--all", "--db", db])
            .arg("--credentials")
            .arg(&creds)
            .output()
            .await
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "--db {db}: {stderr}");
        let lines = stderr_lines(&out);
        assert_eq!(lines.len(), 1, "--db {db}: {lines:?}");
        assert!(lines[0].contains("database URL"), "--db {db}: {lines:?}");
    }
}
