//! A PostgreSQL schema of one test: created fresh, dropped with its value (also when the
//! test panics). One copy, `#[path]`-included by the conformance rig and by the CLI's
//! fault suite (cli/tests/faults/rig.rs), which cannot share a test module otherwise.

use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// `DATABASE_URL`, or the local server the README names.
pub fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

pub struct PgSchema {
    base: String,
    pub name: String,
    /// `DATABASE_URL` with the schema as every connection's search path.
    pub url: String,
}

impl PgSchema {
    /// A new, empty schema named `<prefix>_<uuid>`.
    pub async fn create(prefix: &str) -> PgSchema {
        let base = database_url();
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&base).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL at DATABASE_URL ({}) is needed: {e}",
                sellerbox::store::redact_url(&base)
            )
        });
        sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .execute(&mut admin)
            .await
            .expect("CREATE SCHEMA");
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options[search_path]={name}");
        PgSchema { base, name, url }
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let (base, name) = (self.base.clone(), self.name.clone());
        // Drop runs outside async code: a thread of its own with its own runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut c = PgConnection::connect(&base).await.ok()?;
                sqlx::query(AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS {name} CASCADE"
                )))
                .execute(&mut c)
                .await
                .ok()
            })
        })
        .join();
    }
}
