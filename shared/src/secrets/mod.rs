//! Where seller credentials come from: AWS Secrets Manager in Lambda (one secret per
//! market account, `sellerbox/<market>/<seller>`, cached per container with a TTL), a
//! JSON file locally. Both serve the same shape.

mod aws;
mod file;

pub use aws::SecretsManager;
pub use file::{CredentialEntry, CredentialsFile};

use crate::error::CollectError;
use crate::model::Market;
use async_trait::async_trait;
use serde::Deserialize;

/// One account's secret: the market's credential object and, for simulators, a base URL.
#[derive(Debug, Clone, PartialEq)]
pub struct SellerSecret {
    pub credentials: serde_json::Value,
    pub base_url: Option<String>,
}

impl SellerSecret {
    /// A secret's JSON: either the credential object itself, or
    /// `{"credentials": {...}, "base_url": "..."}` (the credentials-file entry shape).
    pub fn from_json(name: &str, text: &str) -> Result<Self, CollectError> {
        #[derive(Deserialize)]
        struct Wrapped {
            credentials: serde_json::Value,
            #[serde(default)]
            base_url: Option<String>,
        }
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            CollectError::InvalidInput(format!(
                "secret {name} is not JSON (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        if value.get("credentials").is_some() {
            let w: Wrapped = serde_json::from_value(value).map_err(|_| {
                CollectError::InvalidInput(format!(
                    "secret {name}: `credentials` must be an object"
                ))
            })?;
            Ok(SellerSecret {
                credentials: w.credentials,
                base_url: w.base_url,
            })
        } else if value.is_object() {
            Ok(SellerSecret {
                credentials: value,
                base_url: None,
            })
        } else {
            Err(CollectError::InvalidInput(format!(
                "secret {name} is not a JSON object"
            )))
        }
    }
}

/// The secret name of one market account.
pub fn secret_name(market: Market, seller_id: &str) -> String {
    format!("sellerbox/{market}/{seller_id}")
}

#[async_trait]
pub trait SecretsProvider: Send + Sync {
    async fn seller_secret(&self, name: &str) -> Result<SellerSecret, CollectError>;
}

#[async_trait]
impl SecretsProvider for CredentialsFile {
    async fn seller_secret(&self, name: &str) -> Result<SellerSecret, CollectError> {
        self.entries
            .iter()
            .find(|e| secret_name(e.market, &e.seller_id) == name)
            .map(|e| SellerSecret {
                credentials: e.credentials.clone(),
                base_url: e.base_url.clone(),
            })
            .ok_or_else(|| {
                CollectError::InvalidInput(format!(
                    "no credentials for {name} in the credentials file"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_either_the_credentials_or_a_wrapped_entry() {
        let plain = SellerSecret::from_json(
            "n",
            r#"{"vendor_id":"A1","access_key":"k","secret_key":"s"}"#,
        )
        .unwrap();
        assert_eq!(plain.credentials["vendor_id"], "A1");
        assert_eq!(plain.base_url, None);
        let wrapped = SellerSecret::from_json(
            "n",
            r#"{"credentials":{"vendor_id":"A1"},"base_url":"http://127.0.0.1:9"}"#,
        )
        .unwrap();
        assert_eq!(wrapped.base_url.as_deref(), Some("http://127.0.0.1:9"));
        let err = SellerSecret::from_json("sellerbox/coupang/A1", "{\"secret_key\": hunter2")
            .unwrap_err();
        assert!(
            err.to_string().contains("sellerbox/coupang/A1")
                && !err.to_string().contains("hunter2")
        );
        assert!(SellerSecret::from_json("n", "[1]").is_err());
    }

    #[tokio::test]
    async fn the_file_provider_serves_entries_by_secret_name() {
        let f = CredentialsFile::parse(
            br#"[{"market":"naver","seller_id":"s1","credentials":{"client_id":"c"}}]"#,
        )
        .unwrap();
        let s = f.seller_secret("sellerbox/naver/s1").await.unwrap();
        assert_eq!(s.credentials["client_id"], "c");
        assert!(f.seller_secret("sellerbox/naver/s2").await.is_err());
    }
}
