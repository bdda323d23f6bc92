//! Ships log lines to CloudWatch Logs from outside Lambda (CLI, legacy hosts): the same
//! lines the functions write, into the same group.
//!
//! Lines go through a bounded channel (memory stays bounded: when CloudWatch is slower
//! than we log, lines are dropped and counted, never queued without end) to one task that
//! sends `PutLogEvents` batches within the service's limits: at most 10,000 events and
//! 1,048,576 bytes per batch, counting 26 bytes of overhead per event, each event at most
//! 256 KiB. `close` flushes what is left.

use crate::error::CollectError;
use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata;
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

const MAX_BATCH_EVENTS: usize = 10_000;
const MAX_BATCH_BYTES: usize = 1_048_576;
const EVENT_OVERHEAD: usize = 26;
const MAX_EVENT_BYTES: usize = 256 * 1024 - EVENT_OVERHEAD;

#[derive(Debug, Clone)]
pub struct ShipperConfig {
    pub group: String,
    pub stream: String,
    /// Lines held in memory at most.
    pub capacity: usize,
    /// Send a partial batch after this long.
    pub flush_every: Duration,
}

impl ShipperConfig {
    pub fn new(group: impl Into<String>, stream: impl Into<String>) -> Self {
        ShipperConfig {
            group: group.into(),
            stream: stream.into(),
            capacity: 20_000,
            flush_every: Duration::from_secs(2),
        }
    }
}

/// What a shipper did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShipStats {
    pub events: u64,
    pub batches: u64,
    pub dropped: u64,
}

struct Line {
    at_ms: i64,
    text: String,
}

/// The shipping task, taken once by `close`.
type ShipTask =
    Arc<tokio::sync::Mutex<Option<tokio::task::JoinHandle<Result<ShipStats, CollectError>>>>>;

#[derive(Clone)]
pub struct Shipper {
    tx: mpsc::Sender<Line>,
    dropped: Arc<AtomicU64>,
    task: ShipTask,
}

impl Shipper {
    /// Create the log stream (the group must exist: the stack owns it) and start shipping.
    pub async fn start(client: Client, config: ShipperConfig) -> Result<Self, CollectError> {
        match client
            .create_log_stream()
            .log_group_name(&config.group)
            .log_stream_name(&config.stream)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if e.code() == Some("ResourceAlreadyExistsException") => {}
            Err(e) if e.code() == Some("ResourceNotFoundException") => {
                return Err(CollectError::InvalidInput(format!(
                    "CloudWatch log group {} does not exist",
                    config.group
                )));
            }
            Err(e) => {
                return Err(CollectError::Internal(format!(
                    "CloudWatch Logs refused the log stream: {}",
                    e.code().unwrap_or("unknown error")
                )));
            }
        }
        let (tx, rx) = mpsc::channel(config.capacity.max(1));
        let task = tokio::spawn(ship(client, config, rx));
        Ok(Shipper {
            tx,
            dropped: Arc::new(AtomicU64::new(0)),
            task: Arc::new(tokio::sync::Mutex::new(Some(task))),
        })
    }

    /// Queue one line; drops it (and counts) when the queue is full.
    pub fn send(&self, text: &str) {
        let text = text.trim_end_matches('\n');
        if text.is_empty() {
            return;
        }
        let line = Line {
            at_ms: chrono::Utc::now().timestamp_millis(),
            text: truncate(text, MAX_EVENT_BYTES).to_string(),
        };
        if self.tx.try_send(line).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A `tracing_subscriber` writer: each formatted event becomes one log event.
    pub fn make_writer(&self) -> impl for<'a> tracing_subscriber::fmt::MakeWriter<'a> + 'static {
        let shipper = self.clone();
        move || LineWriter {
            shipper: shipper.clone(),
            buf: Vec::new(),
        }
    }

    /// Send everything queued and stop.
    pub async fn close(self) -> Result<ShipStats, CollectError> {
        let Shipper { tx, dropped, task } = self;
        drop(tx);
        let handle = task.lock().await.take();
        let mut stats = match handle {
            Some(h) => h
                .await
                .map_err(|e| CollectError::Internal(format!("log shipper stopped: {e}")))??,
            None => ShipStats::default(),
        };
        stats.dropped = dropped.load(Ordering::Relaxed);
        Ok(stats)
    }
}

struct LineWriter {
    shipper: Shipper,
    buf: Vec<u8>,
}

impl Write for LineWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        for line in String::from_utf8_lossy(&self.buf).lines() {
            self.shipper.send(line);
        }
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

async fn ship(
    client: Client,
    config: ShipperConfig,
    mut rx: mpsc::Receiver<Line>,
) -> Result<ShipStats, CollectError> {
    let mut stats = ShipStats::default();
    let mut batch: Vec<InputLogEvent> = Vec::new();
    let mut bytes = 0usize;
    loop {
        let next = tokio::time::timeout(config.flush_every, rx.recv()).await;
        let closed = matches!(next, Ok(None));
        if let Ok(Some(line)) = next {
            let size = line.text.len() + EVENT_OVERHEAD;
            if batch.len() == MAX_BATCH_EVENTS || bytes + size > MAX_BATCH_BYTES {
                put(&client, &config, &mut batch, &mut stats).await?;
                bytes = 0;
            }
            bytes += size;
            batch.push(
                InputLogEvent::builder()
                    .timestamp(line.at_ms)
                    .message(line.text)
                    .build()
                    .map_err(|e| CollectError::Internal(format!("log event: {e}")))?,
            );
            continue;
        }
        // A quiet moment or the end: send what we have.
        put(&client, &config, &mut batch, &mut stats).await?;
        bytes = 0;
        if closed {
            return Ok(stats);
        }
    }
}

async fn put(
    client: &Client,
    config: &ShipperConfig,
    batch: &mut Vec<InputLogEvent>,
    stats: &mut ShipStats,
) -> Result<(), CollectError> {
    if batch.is_empty() {
        return Ok(());
    }
    let events = std::mem::take(batch);
    let n = events.len() as u64;
    client
        .put_log_events()
        .log_group_name(&config.group)
        .log_stream_name(&config.stream)
        .set_log_events(Some(events))
        .send()
        .await
        .map_err(|e| {
            CollectError::Internal(format!(
                "CloudWatch Logs refused a batch: {}",
                e.code().unwrap_or("unknown error")
            ))
        })?;
    stats.events += n;
    stats.batches += 1;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_whole_characters() {
        let s = "가나다"; // 3 bytes each
        assert_eq!(truncate(s, 4), "가");
        assert_eq!(truncate(s, 9), s);
    }
}
