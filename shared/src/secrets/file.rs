//! The local credentials file: a JSON array of
//! `{"market","seller_id","base_url"?,"credentials":{...}}`, as `sellerbox sim serve
//! --write-credentials` writes it.

use crate::error::CollectError;
use crate::model::Market;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
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

/// The largest credentials file read. An entry is a few hundred bytes: tens of thousands
/// of sellers fit; a bigger file is a mistake (or an attack) and is refused unread.
pub const MAX_FILE_BYTES: u64 = 8 << 20;

impl CredentialsFile {
    pub fn load(path: &Path) -> Result<Self, CollectError> {
        use std::io::Read;
        let cannot = |e: std::io::Error| {
            CollectError::InvalidInput(format!(
                "cannot read credentials file {}: {e}",
                path.display()
            ))
        };
        let file = std::fs::File::open(path).map_err(cannot)?;
        // Read at most one byte past the limit: a file that grows, or a pipe, is bounded too.
        let mut text = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut text)
            .map_err(cannot)?;
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(CollectError::InvalidInput(format!(
                "credentials file {} is larger than {} MB; list each seller once, or split the sellers over several files",
                path.display(),
                MAX_FILE_BYTES >> 20
            )));
        }
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
        refuse_duplicates(&entries)?;
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

/// One entry per market account: a seller listed twice would be collected twice at once
/// (racing on its own rows and rate limit), and which of two differing secrets is meant
/// cannot be told. The message names the seller, never a secret.
fn refuse_duplicates(entries: &[CredentialEntry]) -> Result<(), String> {
    let mut first: HashMap<(Market, &str), (usize, usize)> = HashMap::new();
    let mut repeated: Vec<(Market, &str)> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let seen = first
            .entry((e.market, e.seller_id.as_str()))
            .or_insert((i, 0));
        seen.1 += 1;
        if seen.1 == 2 {
            repeated.push((e.market, e.seller_id.as_str()));
        }
    }
    let Some(&(market, seller)) = repeated.first() else {
        return Ok(());
    };
    let (at, times) = first[&(market, seller)];
    let others = match repeated.len() - 1 {
        0 => String::new(),
        1 => " (and 1 other seller)".to_string(),
        n => format!(" (and {n} other sellers)"),
    };
    Err(format!(
        "{market} seller {seller} is listed more than once ({times} entries, the first is entry {at}){others}; list each seller once"
    ))
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
    fn a_seller_listed_twice_is_refused_by_name_without_its_secret() {
        let entry = r#"{"market":"coupang","seller_id":"A1","credentials":{"vendor_id":"A1","access_key":"k","secret_key":"hunter2"}}"#;
        let other = r#"{"market":"naver","seller_id":"A1","credentials":{"client_id":"c"}}"#;
        let text = format!("[{entry},{other},{entry},{entry}]");
        let err = CredentialsFile::parse(text.as_bytes()).unwrap_err();
        assert!(
            err.contains("coupang seller A1") && err.contains("3 entries"),
            "{err}"
        );
        assert!(!err.contains("hunter2"), "{err}");
        // The same seller id on two markets is two accounts.
        assert!(CredentialsFile::parse(format!("[{entry},{other}]").as_bytes()).is_ok());
    }

    #[test]
    fn a_file_past_the_size_limit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.json");
        let mut text = b"[]".to_vec();
        text.resize(MAX_FILE_BYTES as usize + 1, b' ');
        std::fs::write(&path, &text).unwrap();
        let err = CredentialsFile::load(&path).unwrap_err().to_string();
        assert!(err.contains("larger than 8 MB"), "{err}");
        text.truncate(MAX_FILE_BYTES as usize);
        std::fs::write(&path, &text).unwrap();
        assert!(CredentialsFile::load(&path).unwrap().entries.is_empty());
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
