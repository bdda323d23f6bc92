//! Secrets Manager and CloudWatch Logs through the real AWS SDK clients, against moto's
//! server on 127.0.0.1 (scripts/test installs it into the project's venv).

use aws_sdk_cloudwatchlogs as cwl;
use aws_sdk_secretsmanager as sm;
use sellerbox::ErrorKind;
use sellerbox::secrets::{SecretsManager, SecretsProvider};
use sellerbox::telemetry::{Shipper, ShipperConfig};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A moto server for one test, stopped when dropped.
struct Moto {
    child: Child,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto() -> Moto {
    // moto binds a free port itself and names it. A port picked here and freed for moto to
    // bind could be taken first by another test's moto: the connect below would then reach
    // that server, and fail once its test ends and stops it (seen in CI).
    let mut child = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "moto_server is needed for the AWS tests ({e}); run scripts/test, which installs \
                 it into the project's venv, or `pip install 'moto[server]'`"
            )
        });
    // Its log goes on being read: a full pipe would stop the server mid-request.
    let log = BufReader::new(child.stderr.take().expect("piped"));
    let (found, address) = mpsc::channel();
    std::thread::spawn(move || {
        let mut found = Some(found);
        for line in log.lines().map_while(Result::ok) {
            // " * Running on http://127.0.0.1:PORT" (werkzeug), once it listens.
            if let Some(url) = line.split("Running on ").nth(1) {
                let url: String = url.chars().take_while(|c| c.is_ascii_graphic()).collect();
                if let Some(found) = found.take() {
                    let _ = found.send(url);
                }
            }
        }
    });
    let url = address
        .recv_timeout(Duration::from_secs(60))
        .expect("moto_server did not start (no \"Running on\" line within 60 s)");
    let port = url.rsplit(':').next().and_then(|p| p.parse::<u16>().ok());
    let port = port.unwrap_or_else(|| panic!("moto_server named no port: {url}"));
    // Listening already; a connect confirms it before the test's first request.
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "moto_server did not accept connections"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Moto { child, url }
}

async fn aws_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("ap-northeast-2"))
        .endpoint_url(endpoint)
        .credentials_provider(sm::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .load()
        .await
}

#[tokio::test]
async fn seller_secrets_come_from_secrets_manager_and_are_cached_for_their_ttl() {
    let moto = moto();
    let config = aws_config(&moto.url).await;
    let client = sm::Client::new(&config);
    let name = "sellerbox/coupang/A00012345";
    let v1 = r#"{"vendor_id":"A00012345","access_key":"ak-1","secret_key":"sk-1"}"#;
    client
        .create_secret()
        .name(name)
        .secret_string(v1)
        .send()
        .await
        .unwrap();

    let cached = SecretsManager::new(client.clone(), Duration::from_secs(300));
    let fresh = SecretsManager::new(client.clone(), Duration::ZERO);
    async fn access_key(provider: &SecretsManager, name: &str) -> serde_json::Value {
        let secret = provider.seller_secret(name).await.unwrap();
        secret.credentials.value()["access_key"].clone()
    }
    assert_eq!(access_key(&cached, name).await, "ak-1");

    // A rotation: the caching provider keeps the old value until its TTL passes.
    let v2 = r#"{"credentials":{"vendor_id":"A00012345","access_key":"ak-2","secret_key":"sk-2"},"base_url":"http://127.0.0.1:9"}"#;
    client
        .put_secret_value()
        .secret_id(name)
        .secret_string(v2)
        .send()
        .await
        .unwrap();
    assert_eq!(access_key(&cached, name).await, "ak-1");
    assert_eq!(access_key(&fresh, name).await, "ak-2");
    let rotated = fresh.seller_secret(name).await.unwrap();
    assert_eq!(rotated.base_url.as_deref(), Some("http://127.0.0.1:9"));

    let missing = fresh
        .seller_secret("sellerbox/coupang/nobody")
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::InvalidInput);
    assert!(
        missing
            .to_string()
            .contains("sellerbox/coupang/nobody does not exist"),
        "{missing}"
    );
}

#[tokio::test]
async fn the_shipper_sends_every_line_in_batches_within_the_service_limits() {
    let moto = moto();
    let config = aws_config(&moto.url).await;
    let client = cwl::Client::new(&config);
    let group = "/sellerbox/test/collectors";
    client
        .create_log_group()
        .log_group_name(group)
        .send()
        .await
        .unwrap();

    let mut config = ShipperConfig::new(group, "cli/test");
    config.capacity = 30_000;
    let shipper = Shipper::start(client.clone(), config).await.unwrap();
    // More lines than one batch may hold (10,000), and one line over the event size limit.
    for i in 0..25_000 {
        shipper.send(&format!(
            r#"{{"level":"INFO","message":"run finished","n":{i}}}"#
        ));
    }
    shipper.send(&"x".repeat(300 * 1024));
    shipper.send("needle-line market=coupang");
    let stats = shipper.close().await.unwrap();
    assert_eq!(stats.dropped, 0);
    assert_eq!(stats.events, 25_002);
    assert!(stats.batches >= 3, "{stats:?}");

    let mut seen = 0usize;
    let mut longest = 0usize;
    let mut token = None;
    loop {
        let page = client
            .get_log_events()
            .log_group_name(group)
            .log_stream_name("cli/test")
            .start_from_head(true)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        let events = page.events();
        if events.is_empty() {
            break;
        }
        seen += events.len();
        longest = longest.max(
            events
                .iter()
                .map(|e| e.message().unwrap_or("").len())
                .max()
                .unwrap_or(0),
        );
        token = page.next_forward_token().map(str::to_string);
    }
    assert_eq!(seen, 25_002);
    assert!(
        longest <= 256 * 1024 - 26,
        "an event over the size limit was sent: {longest}"
    );
    let found = client
        .filter_log_events()
        .log_group_name(group)
        .filter_pattern("needle-line")
        .send()
        .await
        .unwrap();
    assert_eq!(found.events().len(), 1);
}

#[tokio::test]
async fn a_full_queue_drops_and_counts_lines_instead_of_growing() {
    let moto = moto();
    let config = aws_config(&moto.url).await;
    let client = cwl::Client::new(&config);
    client
        .create_log_group()
        .log_group_name("/g")
        .send()
        .await
        .unwrap();
    let mut config = ShipperConfig::new("/g", "s");
    config.capacity = 10;
    let shipper = Shipper::start(client, config).await.unwrap();
    for i in 0..1_000 {
        shipper.send(&format!("line {i}"));
    }
    let stats = shipper.close().await.unwrap();
    assert!(stats.dropped > 0, "{stats:?}");
    assert_eq!(stats.events + stats.dropped, 1_000, "{stats:?}");
}

#[tokio::test]
async fn a_missing_log_group_is_a_clear_error() {
    let moto = moto();
    let config = aws_config(&moto.url).await;
    let err = Shipper::start(cwl::Client::new(&config), ShipperConfig::new("/nope", "s"))
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("/nope does not exist"), "{err}");
}
