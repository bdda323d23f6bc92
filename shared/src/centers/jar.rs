//! One seller session's cookie jar, shared with reqwest, saved and restored whole: with
//! the non-persistent session cookies (no `Expires`) that seller centers live on, which
//! cookie_store's plain `save` drops. Also reads a browser's exported cookies (Playwright
//! storage state, Netscape cookies.txt) for sessions whose login needs a person.

use chrono::{DateTime, Utc};
use cookie_store::CookieStore;
use reqwest_cookie_store::CookieStoreMutex;
use std::sync::Arc;

/// Why a jar or a browser export could not be read. Never shows a cookie's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JarError {
    #[error("the saved cookie jar does not read ({0})")]
    Saved(String),
    #[error(
        "the file is neither a Playwright storage state (JSON with `cookies`) nor a Netscape cookies.txt ({0})"
    )]
    UnknownFormat(String),
    #[error("cookie {index} ({name:?}) of the file is not a usable cookie: {why}")]
    BadCookie {
        index: usize,
        name: String,
        why: String,
    },
    #[error("the file holds no cookies")]
    Empty,
}

/// A cookie jar reqwest writes and reads through.
#[derive(Debug, Clone, Default)]
pub struct Jar(Arc<CookieStoreMutex>);

impl Jar {
    pub fn new() -> Self {
        Jar::default()
    }

    /// What reqwest's `cookie_provider` takes.
    pub fn provider(&self) -> Arc<CookieStoreMutex> {
        self.0.clone()
    }

    /// The jar as JSON text, every cookie included (expired ones too: the server decides).
    pub fn save(&self) -> String {
        let store = self.0.lock().expect("cookie jar lock");
        let mut out = Vec::new();
        cookie_store::serde::json::save_incl_expired_and_nonpersistent(&store, &mut out)
            .expect("a cookie store serializes to memory");
        String::from_utf8(out).expect("JSON is UTF-8")
    }

    /// A jar saved by [`Jar::save`].
    pub fn restore(text: &str) -> Result<Self, JarError> {
        let store = cookie_store::serde::json::load_all(text.as_bytes())
            .map_err(|e| JarError::Saved(summary(&*e)))?;
        Ok(Jar(Arc::new(CookieStoreMutex::new(store))))
    }

    /// How many cookies the jar holds (unexpired ones).
    pub fn len(&self) -> usize {
        self.0
            .lock()
            .expect("cookie jar lock")
            .iter_unexpired()
            .count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether an unexpired cookie of this name is held for any domain.
    pub fn has(&self, name: &str) -> bool {
        self.0
            .lock()
            .expect("cookie jar lock")
            .iter_unexpired()
            .any(|c| c.name() == name)
    }

    /// The names of the held cookies (never their values), for diagnostics.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .0
            .lock()
            .expect("cookie jar lock")
            .iter_unexpired()
            .map(|c| c.name().to_string())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Drop every cookie (a logged-out session's, before a fresh login).
    pub fn clear(&self) {
        self.0.lock().expect("cookie jar lock").clear();
    }

    /// A browser's exported cookies: a Playwright storage state
    /// (`{"cookies":[{name,value,domain,path,expires,httpOnly,secure}], "origins":[...]}`)
    /// or a Netscape cookies.txt (tab-separated; `#HttpOnly_` prefixes kept).
    pub fn import(bytes: &[u8], now: DateTime<Utc>) -> Result<Self, JarError> {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| JarError::UnknownFormat("not UTF-8 text".into()))?;
        let cookies = if text.trim_start().starts_with('{') {
            storage_state(text)?
        } else {
            cookies_txt(text)?
        };
        if cookies.is_empty() {
            return Err(JarError::Empty);
        }
        let mut store = CookieStore::default();
        for (index, c) in cookies.iter().enumerate() {
            let bad = |why: String| JarError::BadCookie {
                index,
                name: c.name.clone(),
                why,
            };
            if c.expires.is_some_and(|t| t <= now) {
                continue; // expired in the browser already: the server would not take it
            }
            let host = c.domain.trim_start_matches('.');
            let url = url::Url::parse(&format!("https://{host}{}", c.path))
                .map_err(|e| bad(format!("domain or path is not a URL ({e})")))?;
            let mut line = format!("{}={}; Path={}", c.name, c.value, c.path);
            if c.domain.starts_with('.') {
                line.push_str(&format!("; Domain={host}"));
            }
            if let Some(t) = c.expires {
                line.push_str(&format!(
                    "; Expires={}",
                    t.format("%a, %d %b %Y %H:%M:%S GMT")
                ));
            }
            if c.secure {
                line.push_str("; Secure");
            }
            if c.http_only {
                line.push_str("; HttpOnly");
            }
            store
                .parse(&line, &url)
                .map_err(|e| bad(summary(&e as &dyn std::error::Error)))?;
        }
        Ok(Jar(Arc::new(CookieStoreMutex::new(store))))
    }
}

/// An error's message without anything that could be a cookie value: the first clause.
fn summary(e: &dyn std::error::Error) -> String {
    let s = e.to_string();
    s.split(':')
        .next()
        .unwrap_or("unreadable")
        .trim()
        .to_string()
}

/// One exported cookie, as both formats give it.
struct Exported {
    name: String,
    value: String,
    domain: String,
    path: String,
    /// `None`: a session cookie.
    expires: Option<DateTime<Utc>>,
    secure: bool,
    http_only: bool,
}

fn storage_state(text: &str) -> Result<Vec<Exported>, JarError> {
    #[derive(serde::Deserialize)]
    struct State {
        cookies: Vec<Pw>,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Pw {
        name: String,
        value: String,
        domain: String,
        #[serde(default = "root")]
        path: String,
        /// Seconds since the epoch; -1 for a session cookie.
        #[serde(default = "session")]
        expires: f64,
        #[serde(default)]
        http_only: bool,
        #[serde(default)]
        secure: bool,
    }
    fn root() -> String {
        "/".into()
    }
    fn session() -> f64 {
        -1.0
    }
    let state: State = serde_json::from_str(text).map_err(|e| {
        JarError::UnknownFormat(format!(
            "JSON without a readable `cookies` list at line {}, column {}",
            e.line(),
            e.column()
        ))
    })?;
    Ok(state
        .cookies
        .into_iter()
        .map(|c| Exported {
            expires: (c.expires > 0.0)
                .then(|| DateTime::from_timestamp(c.expires as i64, 0))
                .flatten(),
            name: c.name,
            value: c.value,
            domain: c.domain,
            path: c.path,
            secure: c.secure,
            http_only: c.http_only,
        })
        .collect())
}

fn cookies_txt(text: &str) -> Result<Vec<Exported>, JarError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let (line, http_only) = match line.strip_prefix("#HttpOnly_") {
            Some(rest) => (rest, true),
            None => (line, false),
        };
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 7 {
            return Err(JarError::UnknownFormat(format!(
                "line {} has {} tab-separated fields, cookies.txt has 7",
                n + 1,
                f.len()
            )));
        }
        let expires: i64 = f[4].trim().parse().map_err(|_| {
            JarError::UnknownFormat(format!("line {}: the expiry is not a number", n + 1))
        })?;
        out.push(Exported {
            domain: f[0].to_string(),
            path: f[2].to_string(),
            secure: f[3].eq_ignore_ascii_case("TRUE"),
            expires: (expires > 0)
                .then(|| DateTime::from_timestamp(expires, 0))
                .flatten(),
            name: f[5].to_string(),
            value: f[6].to_string(),
            http_only,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-03T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn session_cookies_survive_a_save_and_restore() {
        let jar = Jar::new();
        {
            let mut s = jar.0.lock().unwrap();
            let url = url::Url::parse("https://sell.smartstore.naver.com/api/login").unwrap();
            s.parse("nstore_session=abc; Path=/; HttpOnly", &url)
                .unwrap();
            s.parse(
                "NNB=xyz; Path=/; Domain=naver.com; Expires=Wed, 01 Dec 2100 00:00:00 GMT",
                &url,
            )
            .unwrap();
        }
        let text = jar.save();
        // cookie_store's plain `save` keeps only the persistent one: the reason for
        // `save_incl_expired_and_nonpersistent`.
        let mut plain = Vec::new();
        cookie_store::serde::json::save(&jar.0.lock().unwrap(), &mut plain).unwrap();
        assert!(!String::from_utf8(plain).unwrap().contains("nstore_session"));
        let back = Jar::restore(&text).unwrap();
        assert!(
            back.has("nstore_session") && back.has("NNB"),
            "{:?}",
            back.names()
        );
    }

    #[test]
    fn a_playwright_storage_state_imports_with_its_session_cookies() {
        let state = r#"{"cookies":[
            {"name":"NID_AUT","value":"a1","domain":".naver.com","path":"/","expires":-1,"httpOnly":true,"secure":true,"sameSite":"Lax"},
            {"name":"old","value":"x","domain":".naver.com","path":"/","expires":1000,"httpOnly":false,"secure":true,"sameSite":"Lax"},
            {"name":"nstore_session","value":"s","domain":"sell.smartstore.naver.com","path":"/","expires":4102444800,"httpOnly":true,"secure":true,"sameSite":"Lax"}
        ],"origins":[]}"#;
        let jar = Jar::import(state.as_bytes(), now()).unwrap();
        assert_eq!(jar.names(), ["NID_AUT", "nstore_session"]);
        let saved = Jar::restore(&jar.save()).unwrap();
        assert!(saved.has("NID_AUT"));
    }

    #[test]
    fn a_cookies_txt_imports_and_bad_files_say_why_without_values() {
        let txt = "# Netscape HTTP Cookie File\n#HttpOnly_.naver.com\tTRUE\t/\tTRUE\t0\tNID_SES\tsecretvalue\n.naver.com\tTRUE\t/\tFALSE\t4102444800\tNNB\tn\n";
        let jar = Jar::import(txt.as_bytes(), now()).unwrap();
        assert_eq!(jar.names(), ["NID_SES", "NNB"]);
        let err = Jar::import(b"naver.com\tTRUE\tsecretvalue", now()).unwrap_err();
        assert!(!err.to_string().contains("secretvalue"), "{err}");
        assert_eq!(
            Jar::import(b"{\"cookies\":[]}", now()).unwrap_err(),
            JarError::Empty
        );
        let err = Jar::import(b"{\"cookies\": 5, \"pw\": \"secretvalue\"}", now()).unwrap_err();
        assert!(!err.to_string().contains("secretvalue"), "{err}");
    }
}
