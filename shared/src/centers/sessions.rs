//! Where seller-center sessions live between runs, encrypted at rest: Secrets Manager
//! (`sellerbox/<market>/<seller>/session`, KMS-encrypted) in AWS, AES-256-GCM files
//! locally, memory in tests. A session is the cookie jar plus what the last login said.

use super::login::LoginOutcome;
use crate::error::CollectError;
use crate::model::Market;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The secret (or file) name of one seller's session.
pub fn session_name(market: Market, seller_id: &str) -> String {
    format!("sellerbox/{market}/{seller_id}/session")
}

/// One seller's saved seller-center session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedSession {
    /// The cookie jar ([`super::Jar::save`]).
    pub cookies: String,
    pub state: SessionState,
    /// The store the session was checked to be logged into.
    #[serde(default)]
    pub identity: Option<String>,
    /// [`CenterLogin::fingerprint`](super::CenterLogin::fingerprint) of the login this
    /// state came from: a waiting state holds only while the login is unchanged.
    #[serde(default)]
    pub fingerprint: Option<String>,
    pub saved_at: DateTime<Utc>,
}

/// What the session is good for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SessionState {
    /// Logged in (or imported): collect with it.
    Active,
    /// The last login ended in an outcome that needs a person (a code, a captcha, a new
    /// password...). No login is attempted while the seller's login is unchanged.
    Waiting { outcome: LoginOutcome },
    /// Logged out; the next run logs in once.
    Expired,
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn load(
        &self,
        market: Market,
        seller_id: &str,
    ) -> Result<Option<SavedSession>, CollectError>;
    async fn save(
        &self,
        market: Market,
        seller_id: &str,
        session: &SavedSession,
    ) -> Result<(), CollectError>;
}

fn encode(s: &SavedSession) -> String {
    serde_json::to_string(s).expect("a session serializes")
}

fn decode(name: &str, text: &[u8]) -> Result<SavedSession, CollectError> {
    serde_json::from_slice(text).map_err(|e| {
        CollectError::Internal(format!(
            "saved session {name} does not read (line {}, column {}); import a session or log in again",
            e.line(),
            e.column()
        ))
    })
}

/// Sessions in memory: tests, and a process without a configured store.
#[derive(Default)]
pub struct MemorySessions(Mutex<HashMap<String, String>>);

#[async_trait]
impl SessionStore for MemorySessions {
    async fn load(
        &self,
        market: Market,
        seller_id: &str,
    ) -> Result<Option<SavedSession>, CollectError> {
        let name = session_name(market, seller_id);
        let text = self.0.lock().expect("sessions lock").get(&name).cloned();
        text.map(|t| decode(&name, t.as_bytes())).transpose()
    }
    async fn save(
        &self,
        market: Market,
        seller_id: &str,
        session: &SavedSession,
    ) -> Result<(), CollectError> {
        self.0
            .lock()
            .expect("sessions lock")
            .insert(session_name(market, seller_id), encode(session));
        Ok(())
    }
}

/// Sessions as files under one folder, each encrypted with AES-256-GCM under a key from
/// `SELLERBOX_SESSION_KEY` (64 hex digits) or, when unset, a random key kept in the
/// folder's `session.key` (mode 0600). The session's name is the associated data, so a
/// file copied to another seller's name does not open.
pub struct FileSessions {
    dir: PathBuf,
    key: aws_lc_rs::aead::LessSafeKey,
}

const FILE_MAGIC: &[u8] = b"SBS1";

impl FileSessions {
    /// Open (creating) the folder; the key as described on the type.
    pub fn open(dir: &Path) -> Result<Self, CollectError> {
        let io = |what: &str, e: std::io::Error| {
            CollectError::InvalidInput(format!("session folder {}: {what}: {e}", dir.display()))
        };
        std::fs::create_dir_all(dir).map_err(|e| io("cannot create", e))?;
        let key = match std::env::var("SELLERBOX_SESSION_KEY")
            .ok()
            .filter(|v| !v.trim().is_empty())
        {
            Some(hex_key) => hex::decode(hex_key.trim())
                .ok()
                .filter(|k| k.len() == 32)
                .ok_or_else(|| {
                    CollectError::InvalidInput(
                        "SELLERBOX_SESSION_KEY must be 64 hex digits (a 256-bit key)".into(),
                    )
                })?,
            None => {
                let path = dir.join("session.key");
                match std::fs::read(&path) {
                    Ok(k) if k.len() == 32 => k,
                    Ok(_) => {
                        return Err(CollectError::InvalidInput(format!(
                            "{} is not a 32-byte key; remove it to start with new sessions",
                            path.display()
                        )));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        let mut k = vec![0u8; 32];
                        aws_lc_rs::rand::fill(&mut k)
                            .map_err(|_| CollectError::Internal("no random source".into()))?;
                        write_private(&path, &k).map_err(|e| io("cannot write the key", e))?;
                        k
                    }
                    Err(e) => return Err(io("cannot read the key", e)),
                }
            }
        };
        let unbound = aws_lc_rs::aead::UnboundKey::new(&aws_lc_rs::aead::AES_256_GCM, &key)
            .map_err(|_| CollectError::Internal("AES-256-GCM key rejected".into()))?;
        Ok(FileSessions {
            dir: dir.to_path_buf(),
            key: aws_lc_rs::aead::LessSafeKey::new(unbound),
        })
    }

    fn path(&self, market: Market, seller_id: &str) -> PathBuf {
        // Seller ids are the markets' own (letters, digits, `-`, `_`); anything else is
        // hex-encoded so that a name can never leave the folder.
        let safe: String = if seller_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            seller_id.to_string()
        } else {
            format!("x{}", hex::encode(seller_id))
        };
        self.dir
            .join(market.as_str())
            .join(format!("{safe}.session"))
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    // Written beside and renamed: a crash never leaves half a session.
    let tmp = path.with_extension("tmp");
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(tmp, path)
}

#[async_trait]
impl SessionStore for FileSessions {
    async fn load(
        &self,
        market: Market,
        seller_id: &str,
    ) -> Result<Option<SavedSession>, CollectError> {
        use aws_lc_rs::aead::{Aad, NONCE_LEN, Nonce};
        let name = session_name(market, seller_id);
        let bytes = match std::fs::read(self.path(market, seller_id)) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(CollectError::Storage(format!(
                    "cannot read session {name}: {e}"
                )));
            }
        };
        let unreadable = || {
            CollectError::Internal(format!(
                "session {name} does not decrypt with this key (another SELLERBOX_SESSION_KEY?); import a session or log in again"
            ))
        };
        let rest = bytes.strip_prefix(FILE_MAGIC).ok_or_else(unreadable)?;
        if rest.len() < NONCE_LEN {
            return Err(unreadable());
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| unreadable())?;
        let mut sealed = sealed.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(name.as_bytes()), &mut sealed)
            .map_err(|_| unreadable())?;
        decode(&name, plain).map(Some)
    }

    async fn save(
        &self,
        market: Market,
        seller_id: &str,
        session: &SavedSession,
    ) -> Result<(), CollectError> {
        use aws_lc_rs::aead::{Aad, NONCE_LEN, Nonce};
        let name = session_name(market, seller_id);
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce)
            .map_err(|_| CollectError::Internal("no random source".into()))?;
        let mut sealed = encode(session).into_bytes();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(name.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| CollectError::Internal("session encryption failed".into()))?;
        let mut out = Vec::with_capacity(FILE_MAGIC.len() + NONCE_LEN + sealed.len());
        out.extend_from_slice(FILE_MAGIC);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        let path = self.path(market, seller_id);
        let fail =
            |e: std::io::Error| CollectError::Storage(format!("cannot write session {name}: {e}"));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        write_private(&path, &out).map_err(fail)
    }
}

/// Sessions in Secrets Manager, one secret per seller account
/// (`sellerbox/<market>/<seller>/session`), created on first save. Each function's IAM
/// policy lets it write only its own market's sessions (template.yaml).
pub struct SecretsManagerSessions {
    client: aws_sdk_secretsmanager::Client,
}

impl SecretsManagerSessions {
    pub fn new(client: aws_sdk_secretsmanager::Client) -> Self {
        SecretsManagerSessions { client }
    }
}

fn sm_error(name: &str, what: &str, code: Option<&str>) -> CollectError {
    CollectError::Storage(format!(
        "Secrets Manager could not {what} session {name}: {}",
        code.unwrap_or("unknown error")
    ))
}

#[async_trait]
impl SessionStore for SecretsManagerSessions {
    async fn load(
        &self,
        market: Market,
        seller_id: &str,
    ) -> Result<Option<SavedSession>, CollectError> {
        use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
        let name = session_name(market, seller_id);
        match self.client.get_secret_value().secret_id(&name).send().await {
            Ok(out) => out
                .secret_string()
                .map(|t| decode(&name, t.as_bytes()))
                .transpose(),
            Err(e) if e.code() == Some("ResourceNotFoundException") => Ok(None),
            Err(e) => Err(sm_error(&name, "read", e.code())),
        }
    }

    async fn save(
        &self,
        market: Market,
        seller_id: &str,
        session: &SavedSession,
    ) -> Result<(), CollectError> {
        use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
        let name = session_name(market, seller_id);
        let text = encode(session);
        match self
            .client
            .put_secret_value()
            .secret_id(&name)
            .secret_string(&text)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some("ResourceNotFoundException") => self
                .client
                .create_secret()
                .name(&name)
                .description("Sellerbox seller-center session (cookie jar and login state)")
                .secret_string(&text)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| sm_error(&name, "create", e.code())),
            Err(e) => Err(sm_error(&name, "write", e.code())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> SavedSession {
        SavedSession {
            cookies: r#"[{"raw_cookie":"nstore_session=planted-cookie-value"}]"#.into(),
            state: SessionState::Active,
            identity: Some("100".into()),
            fingerprint: None,
            saved_at: DateTime::parse_from_rfc3339("2026-12-03T01:02:03Z")
                .unwrap()
                .with_timezone(&Utc),
        }
    }

    #[tokio::test]
    async fn a_file_session_is_encrypted_and_bound_to_its_seller() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSessions::open(dir.path()).unwrap();
        assert!(store.load(Market::Naver, "s1").await.unwrap().is_none());
        store.save(Market::Naver, "s1", &session()).await.unwrap();
        let raw = std::fs::read(store.path(Market::Naver, "s1")).unwrap();
        assert!(!String::from_utf8_lossy(&raw).contains("planted-cookie-value"));
        assert_eq!(
            store.load(Market::Naver, "s1").await.unwrap(),
            Some(session())
        );
        // Copied to another seller's name, it does not open.
        std::fs::create_dir_all(store.path(Market::Naver, "s2").parent().unwrap()).unwrap();
        std::fs::copy(
            store.path(Market::Naver, "s1"),
            store.path(Market::Naver, "s2"),
        )
        .unwrap();
        let err = store.load(Market::Naver, "s2").await.unwrap_err();
        assert!(err.to_string().contains("does not decrypt"), "{err}");
        // A second store over the same folder reads it with the kept key.
        let again = FileSessions::open(dir.path()).unwrap();
        assert!(again.load(Market::Naver, "s1").await.unwrap().is_some());
        // Odd seller ids stay inside the folder.
        assert!(store.path(Market::Naver, "../x").starts_with(dir.path()));
    }
}
