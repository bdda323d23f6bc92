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
use std::fmt;

/// One account's secret: the market's credential object and, for simulators, a base URL.
#[derive(Debug, Clone, PartialEq)]
pub struct SellerSecret {
    pub credentials: Credentials,
    pub base_url: Option<String>,
}

/// One seller's credential object, held as its JSON text.
///
/// A shard holds every seller's credentials for the whole invocation (and a container's
/// secrets cache for longer), but a run reads them once, when it starts. As a
/// `serde_json::Value`, an object of a few strings takes ~1.5 KB (its map's nodes); as
/// text, a sixth of that. A 1,000-seller Coupang first run held 1.3 MB of such map nodes
/// at its peak (heaptrack).
#[derive(Clone, PartialEq)]
pub struct Credentials {
    json: Box<str>,
    /// Whether the object has a seller-center login (read once: every run asks).
    center: bool,
}

impl Credentials {
    /// The credential object, for a connector to read its own type from.
    pub fn value(&self) -> serde_json::Value {
        // The text was written from a value (`From` below), so it reads back.
        serde_json::from_str(&self.json).expect("credentials text written from a JSON value")
    }

    /// A copy with `change` made to the object (tests plant wrong secrets this way).
    pub fn with(&self, change: impl FnOnce(&mut serde_json::Value)) -> Credentials {
        let mut value = self.value();
        change(&mut value);
        Credentials::from(&value)
    }

    /// Whether the seller shared a seller-center login ([`crate::centers::opted_in`]).
    pub fn has_center_login(&self) -> bool {
        self.center
    }
}

impl From<&serde_json::Value> for Credentials {
    fn from(value: &serde_json::Value) -> Self {
        Credentials {
            json: value.to_string().into_boxed_str(),
            center: crate::centers::opted_in(value),
        }
    }
}

impl From<serde_json::Value> for Credentials {
    fn from(value: serde_json::Value) -> Self {
        Credentials::from(&value)
    }
}

/// Never the secrets themselves.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials(..)")
    }
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
                credentials: w.credentials.into(),
                base_url: w.base_url,
            })
        } else if value.is_object() {
            Ok(SellerSecret {
                credentials: value.into(),
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
                credentials: Credentials::from(&e.credentials),
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
        assert_eq!(plain.credentials.value()["vendor_id"], "A1");
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

    #[test]
    fn credentials_read_back_as_the_object_they_were_made_of_and_never_print() {
        let object = serde_json::json!({
            "vendor_id": "A1", "access_key": "k", "secret_key": "hunter2",
            "center": {"login_id": "id", "password": "pw", "store_id": "s"}
        });
        let c = Credentials::from(&object);
        assert_eq!(c.value(), object);
        assert!(c.has_center_login());
        assert!(!Credentials::from(serde_json::json!({"center": null})).has_center_login());
        assert!(!Credentials::from(serde_json::json!({"access_key": "k"})).has_center_login());
        let debug = format!(
            "{c:?} {:?}",
            SellerSecret {
                credentials: c.clone(),
                base_url: None
            }
        );
        assert!(
            !debug.contains("hunter2") && !debug.contains("pw"),
            "{debug}"
        );

        let changed = c.with(|v| v["center"] = serde_json::Value::Null);
        assert!(!changed.has_center_login());
        assert_eq!(changed.value()["secret_key"], "hunter2");
        assert_eq!(c.value(), object, "the original is left as it was");
    }

    #[tokio::test]
    async fn the_file_provider_serves_entries_by_secret_name() {
        let f = CredentialsFile::parse(
            br#"[{"market":"naver","seller_id":"s1","credentials":{"client_id":"c"}}]"#,
        )
        .unwrap();
        let s = f.seller_secret("sellerbox/naver/s1").await.unwrap();
        assert_eq!(s.credentials.value()["client_id"], "c");
        assert!(f.seller_secret("sellerbox/naver/s2").await.is_err());
    }
}
