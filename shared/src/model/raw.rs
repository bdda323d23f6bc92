//! A marketplace's own JSON for one record, kept as the bytes it sent.
//!
//! Records carry their raw JSON so that nothing the marketplace said is lost. Holding it
//! as text (a [`RawValue`]) rather than as a `serde_json::Value` tree costs one copy of
//! the bytes instead of a tree about six times the size, and it is written to the
//! database and hashed as it is.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use std::fmt;

/// One record's JSON, verbatim.
#[derive(Clone)]
pub struct RawJson(Box<RawValue>);

impl RawJson {
    /// The JSON text, as the marketplace sent it.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// Several records' JSON as one array, e.g. the boxes of one order. Serialized, not
    /// joined by hand: serde_json writes each part's text as it is and trusts the result,
    /// where `RawValue::from_string` would parse the whole array again (in a Naver first
    /// run, 5% of the collector's instructions, callgrind).
    pub fn array<'a>(parts: impl IntoIterator<Item = &'a RawJson>) -> RawJson {
        let parts: Vec<&RawValue> = parts.into_iter().map(|p| &*p.0).collect();
        RawJson(serde_json::value::to_raw_value(&parts).expect("raw JSON values serialize"))
    }

    /// JSON text read back (e.g. from the database); refused when it is not JSON.
    pub fn from_text(text: String) -> serde_json::Result<RawJson> {
        RawValue::from_string(text).map(RawJson)
    }

    /// A value built in code (tests, synthesized records).
    pub fn from_value(v: &serde_json::Value) -> RawJson {
        RawJson(serde_json::value::to_raw_value(v).expect("a Value serializes"))
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
        RawJson(RawValue::from_string("null".into()).expect("null is JSON"))
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
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for RawJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(d).map(RawJson)
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
    }
}
