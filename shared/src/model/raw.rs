//! A marketplace's own JSON for one record, kept as the bytes it sent.
//!
//! Records carry their raw JSON so that nothing the marketplace said is lost. Holding it
//! as text rather than as a `serde_json::Value` tree costs one copy of the bytes instead
//! of a tree about six times the size, and it is written to the database and hashed as
//! it is.
//!
//! The text is always one whole JSON value: every constructor either has serde_json make
//! it or is handed text serde_json has just read as one value ([`RawJson::read`]). The
//! latter is kept as a plain `str`, not as serde_json's `RawValue`: a `RawValue` can only
//! be made by parsing its text again, and a listing's rows are parsed once
//! ([`crate::markets::listing`]).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use std::fmt;

/// One record's JSON, verbatim.
#[derive(Clone)]
pub struct RawJson(Text);

#[derive(Clone)]
enum Text {
    /// Made by serde_json (parsed or serialized): serialized again as it is.
    Value(Box<RawValue>),
    /// Read whole by serde_json as part of a larger text, or joined from such values:
    /// parsed again only if serialized (records are hashed and stored from the text).
    Read(Box<str>),
}

impl RawJson {
    /// The JSON text, as the marketplace sent it.
    pub fn get(&self) -> &str {
        match &self.0 {
            Text::Value(v) => v.get(),
            Text::Read(t) => t,
        }
    }

    /// A value that serde_json has just read, whole, from `text` (the caller's proof that
    /// it is one JSON value): kept without being parsed again.
    pub(crate) fn read(text: &str) -> RawJson {
        RawJson(Text::Read(text.into()))
    }

    /// This JSON for several records: text read in one pass is made a `RawValue` once,
    /// so that each record's hash does not parse it again.
    pub fn shared(&self) -> RawJson {
        match &self.0 {
            Text::Read(t) => RawJson::from_text(t.to_string()).unwrap_or_else(|_| self.clone()),
            Text::Value(_) => self.clone(),
        }
    }

    /// Several records' JSON as one array, e.g. the boxes of one order. Joined as text:
    /// each part is one JSON value, so the array is one too.
    pub fn array<'a>(parts: impl IntoIterator<Item = &'a RawJson>) -> RawJson {
        // Sized before it is written: grown a push at a time, an order's few KB were
        // copied again at each doubling (1.2% of a Naver first run's instructions).
        let parts: Vec<&str> = parts.into_iter().map(RawJson::get).collect();
        let commas = parts.len().saturating_sub(1);
        let len = 2 + commas + parts.iter().map(|p| p.len()).sum::<usize>();
        let mut text = String::with_capacity(len);
        text.push('[');
        for (n, part) in parts.iter().enumerate() {
            if n > 0 {
                text.push(',');
            }
            text.push_str(part);
        }
        text.push(']');
        debug_assert_eq!(text.len(), len);
        RawJson(Text::Read(text.into()))
    }

    /// JSON text read back (e.g. from the database); refused when it is not JSON.
    pub fn from_text(text: String) -> serde_json::Result<RawJson> {
        RawValue::from_string(text).map(|v| RawJson(Text::Value(v)))
    }

    /// A value built in code (tests, synthesized records).
    pub fn from_value(v: &serde_json::Value) -> RawJson {
        RawJson(Text::Value(
            serde_json::value::to_raw_value(v).expect("a Value serializes"),
        ))
    }

    /// Typed view of the JSON.
    pub fn parse<'a, T: Deserialize<'a>>(&'a self) -> serde_json::Result<T> {
        serde_json::from_str(self.get())
    }

    pub fn len(&self) -> usize {
        self.get().len()
    }

    pub fn is_empty(&self) -> bool {
        self.get().is_empty()
    }
}

impl Default for RawJson {
    fn default() -> Self {
        RawJson(Text::Read("null".into()))
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl fmt::Debug for RawJson {
    // Raw pages can hold buyers' names and addresses: a debug print shows the size only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawJson({} bytes)", self.len())
    }
}

impl Serialize for RawJson {
    /// Written as the JSON it is. serde_json takes raw JSON only as a `RawValue`: text read
    /// in one pass is parsed into one here. Orders are hashed and every record is stored
    /// from [`RawJson::get`]; only the records hashed whole (claims, settlements,
    /// inquiries, reviews) come here, and theirs is the scan their one-pass read saved.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Text::Value(v) => v.serialize(s),
            Text::Read(t) => serde_json::from_str::<&RawValue>(t)
                .map_err(serde::ser::Error::custom)?
                .serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for RawJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(d).map(|v| RawJson(Text::Value(v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_json_keeps_the_text_as_sent_and_arrays_join_it() {
        let page = r#"{"data":[{"id": 1, "name":"가방"},{"id":"2"}]}"#;
        #[derive(Deserialize)]
        struct Page {
            data: Vec<RawJson>,
        }
        let p: Page = serde_json::from_str(page).unwrap();
        assert_eq!(p.data[0].get(), r#"{"id": 1, "name":"가방"}"#);
        let joined = RawJson::array(&p.data);
        assert_eq!(joined.get(), r#"[{"id": 1, "name":"가방"},{"id":"2"}]"#);
        let back: serde_json::Value = joined.parse().unwrap();
        assert_eq!(back[1]["id"], "2");
        assert_eq!(serde_json::to_string(&p.data[1]).unwrap(), r#"{"id":"2"}"#);
        assert!(!format!("{:?}", p.data[0]).contains("가방"));
        // Text read in one pass is the same JSON, serialized as it is.
        let read = RawJson::read(r#"{"id": 1, "name":"가방"}"#);
        assert_eq!(read, p.data[0]);
        assert_eq!(
            serde_json::to_string(&vec![&read, &joined]).unwrap(),
            serde_json::to_string(&vec![&p.data[0], &joined]).unwrap()
        );
        assert_eq!(
            RawJson::array([&read]).get(),
            r#"[{"id": 1, "name":"가방"}]"#
        );
        assert_eq!(RawJson::array([]).get(), "[]");
    }
}
