//! The local credentials file: a JSON array of
//! `{"market","seller_id","base_url"?,"credentials":{...}}`, as `sellerbox sim serve
//! --write-credentials` writes it.

use crate::error::CollectError;
use crate::model::Market;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialEntry {
    pub market: Market,
    pub seller_id: String,
    /// Where the market's documented paths are appended; absent = the real marketplace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    pub credentials: serde_json::Value,
}

#[derive(Debug, Clone)]
pub struct CredentialsFile {
    pub entries: Vec<CredentialEntry>,
}

impl CredentialsFile {
    pub fn load(path: &Path) -> Result<Self, CollectError> {
        let text = std::fs::read(path).map_err(|e| {
            CollectError::InvalidInput(format!(
                "cannot read credentials file {}: {e}",
                path.display()
            ))
        })?;
        Self::parse(&text).map_err(|why| {
            CollectError::InvalidInput(format!("credentials file {}: {why}", path.display()))
        })
    }

    /// Parse the file's bytes. The message names where it went wrong, never a value.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let de = &mut serde_json::Deserializer::from_slice(bytes);
        let entries: Vec<CredentialEntry> = serde_path_to_error::deserialize(de).map_err(|e| {
            let inner = e.inner();
            let what = match inner.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                    "is not valid JSON"
                }
                _ => "does not have the expected shape (an array of {market, seller_id, base_url?, credentials})",
            };
            format!(
                "{what} at `{}` (line {}, column {})",
                e.path(),
                inner.line(),
                inner.column()
            )
        })?;
        for (i, e) in entries.iter().enumerate() {
            if !e.credentials.is_object() {
                return Err(format!("entry {i}: `credentials` must be an object"));
            }
            if e.seller_id.trim().is_empty() {
                return Err(format!("entry {i}: `seller_id` is empty"));
            }
        }
        Ok(CredentialsFile { entries })
    }

    pub fn find(&self, market: Market, seller_id: &str) -> Option<&CredentialEntry> {
        self.entries
            .iter()
            .find(|e| e.market == market && e.seller_id == seller_id)
    }

    pub fn for_market(&self, market: Market) -> impl Iterator<Item = &CredentialEntry> {
        self.entries.iter().filter(move |e| e.market == market)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_file_parses_and_finds_entries() {
        let f = CredentialsFile::parse(
            br#"[{"market":"coupang","seller_id":"A1","base_url":"http://127.0.0.1:1","credentials":{"vendor_id":"A1","access_key":"k","secret_key":"s"}}]"#,
        )
        .unwrap();
        assert!(f.find(Market::Coupang, "A1").is_some());
        assert!(f.find(Market::Naver, "A1").is_none());
    }

    #[test]
    fn malformed_files_say_where_without_echoing_values() {
        let err = CredentialsFile::parse(b"[{\"market\":").unwrap_err();
        assert!(err.contains("not valid JSON"), "{err}");
        let err = CredentialsFile::parse(
            br#"[{"market":"ebay","seller_id":"x","credentials":{"secret_key":"hunter2"}}]"#,
        )
        .unwrap_err();
        assert!(err.contains("[0].market"), "{err}");
        assert!(!err.contains("hunter2"));
        let err = CredentialsFile::parse(
            br#"[{"market":"naver","seller_id":"x","credentials":"hunter2"}]"#,
        )
        .unwrap_err();
        assert!(
            err.contains("must be an object") && !err.contains("hunter2"),
            "{err}"
        );
    }
}
