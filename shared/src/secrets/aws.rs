//! Seller secrets from AWS Secrets Manager, cached per Lambda container.

use super::{SecretsProvider, SellerSecret};
use crate::error::CollectError;
use async_trait::async_trait;
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct SecretsManager {
    client: Client,
    ttl: Duration,
    cache: Mutex<HashMap<String, (Instant, SellerSecret)>>,
}

impl SecretsManager {
    /// `ttl`: how long a container trusts a fetched secret (rotations show up after it).
    pub fn new(client: Client, ttl: Duration) -> Self {
        SecretsManager {
            client,
            ttl,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, name: &str) -> Option<SellerSecret> {
        let cache = self.cache.lock().expect("secrets cache lock");
        cache
            .get(name)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, s)| s.clone())
    }

    /// The raw string of a secret (for the database secret, which has its own shape).
    pub async fn secret_string(&self, name: &str) -> Result<String, CollectError> {
        let out = self
            .client
            .get_secret_value()
            .secret_id(name)
            .send()
            .await
            .map_err(|e| {
                let code = e.code().unwrap_or("unknown").to_string();
                match code.as_str() {
                    "ResourceNotFoundException" => CollectError::InvalidInput(format!(
                        "secret {name} does not exist; store the seller's credentials there first"
                    )),
                    "AccessDeniedException" => CollectError::Internal(format!(
                        "this function may not read secret {name} (IAM policy)"
                    )),
                    _ => {
                        CollectError::Internal(format!("Secrets Manager failed on {name}: {code}"))
                    }
                }
            })?;
        out.secret_string()
            .map(str::to_string)
            .ok_or_else(|| CollectError::InvalidInput(format!("secret {name} has no string value")))
    }
}

#[async_trait]
impl SecretsProvider for SecretsManager {
    async fn seller_secret(&self, name: &str) -> Result<SellerSecret, CollectError> {
        if let Some(hit) = self.cached(name) {
            return Ok(hit);
        }
        let secret = SellerSecret::from_json(name, &self.secret_string(name).await?)?;
        self.cache
            .lock()
            .expect("secrets cache lock")
            .insert(name.to_string(), (Instant::now(), secret.clone()));
        Ok(secret)
    }
}
