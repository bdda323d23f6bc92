//! A listing page read in one pass: each row is read as its typed form straight from the
//! page's text, and that row's own text, found by the same read, is kept as its raw JSON.
//!
//! Why: serde_json says nowhere in a page a value began or ended, so the rows' raw JSON
//! came from reading the page with its rows as `RawValue`s (a scan of every byte) and each
//! row was then read again into its typed form: two scans of every row, and the first was
//! 14% of a Naver first run's instructions (callgrind). Here serde_json reads one value at
//! a time ([`serde_json::StreamDeserializer`], which reports where the value ended), and
//! this module steps over the punctuation between the values: the `{`, `"key":` and `,` of
//! the envelope and the `[`, `,` and `]` of the rows' array. Every value, keys included,
//! is still read by serde_json.
//!
//! The rows are the array under one key of the top-level object (or of an object nested
//! under such keys: `data.content`). A page of any other shape (no such key, `null`
//! there, a body that is not UTF-8, a syntax error) is read as before: whole, as its
//! [`Envelope`] type with the rows as raw JSON, then each row on its own. So every page
//! reads, or is refused, exactly as the two-pass read did; the tests hold the two equal.

use super::rows::{explain, key_of, reject};
use crate::model::{RawJson, Rejected};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::value::RawValue;
use std::borrow::Cow;

/// A page: its envelope (read with an empty rows array) and its rows, each read or not.
pub struct Listing<E, T> {
    pub envelope: E,
    rows: Vec<Row<T>>,
}

enum Row<T> {
    Read(T, RawJson),
    /// Valid JSON that is not a `T`: why, never a value.
    Unread(String, RawJson),
}

impl<E, T> Listing<E, T> {
    /// The envelope, the rows that read, and the rows that did not as rejected records of
    /// `endpoint`, keyed by the first of the JSON pointers `id_fields` they hold.
    pub fn into_parts(
        self,
        endpoint: &str,
        id_fields: &[&str],
    ) -> (E, Vec<(T, RawJson)>, Vec<Rejected>) {
        let mut read = Vec::with_capacity(self.rows.len());
        let mut rejected = Vec::new();
        for row in self.rows {
            match row {
                Row::Read(t, raw) => read.push((t, raw)),
                Row::Unread(reason, raw) => {
                    rejected.push(reject(endpoint, key_of(&raw, id_fields), reason, &raw));
                }
            }
        }
        (self.envelope, read, rejected)
    }
}

/// A listing's envelope type: the page read whole, with its rows as raw JSON.
pub trait Envelope: DeserializeOwned {
    /// Where its rows are: a key of the page's object, or a path of keys into nested
    /// objects (`data.content`); the field [`Envelope::take_rows`] takes.
    const ROWS: &'static str;

    /// Its rows, taken out (none when the page was read in one pass: `[]` stood in their
    /// place).
    fn take_rows(&mut self) -> Vec<RawJson>;
}

/// `body` read as the envelope `E` with rows of `T` at `E::ROWS` ([`find_array`]);
/// `None` when the page does not read (malformed, cut off, or an envelope that is not an
/// `E`), exactly as `serde_json::from_slice::<E>` would refuse it.
pub fn read<E: Envelope, T: DeserializeOwned>(body: &[u8]) -> Option<Listing<E, T>> {
    // JSON is UTF-8 (RFC 8259 §8.1); a body that is not is left to the whole read.
    let text = simdutf8::basic::from_utf8(body).ok();
    let Some((text, array)) = text.and_then(|t| Some((t, find_array(t, E::ROWS)?))) else {
        return read_whole(body);
    };
    let (rows, end) = read_rows::<T>(text, array)?;
    // The envelope without its rows: the same text with `[]` in their place.
    let envelope = serde_json::from_str(&[&text[..array], "[]", &text[end..]].concat()).ok()?;
    Some(Listing { envelope, rows })
}

/// A page of another shape (its rows `null`, under another spelling the envelope accepts,
/// or not UTF-8) read as before: whole as `E`, then each row on its own.
fn read_whole<E: Envelope, T: DeserializeOwned>(body: &[u8]) -> Option<Listing<E, T>> {
    let mut envelope: E = serde_json::from_slice(body).ok()?;
    let rows = envelope
        .take_rows()
        .into_iter()
        .map(|raw| match super::rows::read::<T>(&raw) {
            Ok(t) => Row::Read(t, raw),
            Err(reason) => Row::Unread(reason, raw),
        })
        .collect();
    Some(Listing { envelope, rows })
}

/// Where the array at `path` begins (its `[`): `path` names a key of the top-level object,
/// then (for rows nested deeper, as in `data.content`) a key of that key's object, and so
/// on, with the text such objects up to there.
fn find_array(text: &str, path: &str) -> Option<usize> {
    let mut keys = path.split('.');
    let mut key = keys.next()?;
    let mut at = skip_ws(text, 0);
    if text.as_bytes().get(at) != Some(&b'{') {
        return None;
    }
    at += 1;
    loop {
        at = skip_ws(text, at);
        let (name, len) = one::<Cow<'_, str>>(text, at)?;
        at = skip_ws(text, at + len);
        if text.as_bytes().get(at) != Some(&b':') {
            return None;
        }
        at = skip_ws(text, at + 1);
        if name == key {
            let Some(inner) = keys.next() else {
                return (text.as_bytes().get(at) == Some(&b'[')).then_some(at);
            };
            // Into this key's object: its keys are searched next.
            if text.as_bytes().get(at) != Some(&b'{') {
                return None;
            }
            (key, at) = (inner, at + 1);
            continue;
        }
        let (_, len) = one::<IgnoredAny>(text, at)?;
        at = skip_ws(text, at + len);
        match text.as_bytes().get(at) {
            Some(b',') => at += 1,
            _ => return None,
        }
    }
}

/// The rows of the array whose `[` is at `start`, and the offset just past its `]`.
/// `None` when a row is not JSON or the array does not close.
fn read_rows<T: DeserializeOwned>(text: &str, start: usize) -> Option<(Vec<Row<T>>, usize)> {
    let mut rows = Vec::new();
    let mut at = skip_ws(text, start + 1);
    if text.as_bytes().get(at) == Some(&b']') {
        return Some((rows, at + 1));
    }
    loop {
        rows.push(match one::<T>(text, at) {
            Some((t, len)) => {
                let raw = RawJson::read(&text[at..at + len]);
                at += len;
                Row::Read(t, raw)
            }
            None => {
                // Not a `T`: if it is JSON all the same, it is kept and rejected.
                let (raw, len) = one::<&RawValue>(text, at)?;
                let raw = RawJson::read(raw.get());
                at += len;
                Row::Unread(explain::<T>(&raw), raw)
            }
        });
        at = skip_ws(text, at);
        match text.as_bytes().get(at) {
            Some(b',') => at = skip_ws(text, at + 1),
            Some(b']') => return Some((rows, at + 1)),
            _ => return None,
        }
    }
}

/// One JSON value read as `V` from `text[at..]`, which starts with it, and its length.
fn one<'a, V: serde::Deserialize<'a>>(text: &'a str, at: usize) -> Option<(V, usize)> {
    let mut values = serde_json::Deserializer::from_str(&text[at..]).into_iter::<V>();
    let value = values.next()?.ok()?;
    Some((value, values.byte_offset()))
}

/// The offset of the first byte at or after `at` that is not JSON whitespace.
fn skip_ws(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = at;
    while matches!(bytes.get(at), Some(b' ' | b'\n' | b'\r' | b'\t')) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markets::lenient;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Page {
        #[serde(default, deserialize_with = "lenient::opt_id")]
        next_token: Option<String>,
        /// `items`: a spelling the one-pass read does not look for (the whole read does).
        #[serde(
            default = "Vec::new",
            deserialize_with = "lenient::list",
            alias = "items"
        )]
        data: Vec<RawJson>,
    }

    impl Envelope for Page {
        const ROWS: &'static str = "data";

        fn take_rows(&mut self) -> Vec<RawJson> {
            std::mem::take(&mut self.data)
        }
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Row {
        box_id: u64,
        qty: i64,
    }

    type Rows = (Vec<(Row, RawJson)>, Vec<Rejected>);

    fn parts(text: &str) -> Option<(Page, Rows)> {
        parts_of(text.as_bytes())
    }

    fn parts_of(body: &[u8]) -> Option<(Page, Rows)> {
        let listing = read::<Page, Row>(body)?;
        let (page, read, rejected) = listing.into_parts("/v1/boxes", &["/boxId"]);
        Some((page, (read, rejected)))
    }

    /// The rows as the two-pass read made them: the page with its rows as raw JSON, then
    /// each row read on its own.
    fn two_pass(text: &str) -> Option<Rows> {
        let page: Page = serde_json::from_str(text).ok()?;
        Some(super::super::rows::read_all(
            "/v1/boxes",
            page.data,
            &["/boxId"],
        ))
    }

    #[test]
    fn rows_are_read_with_their_own_text_and_the_envelope_without_them() {
        let text = " {\"code\" : 200, \"data\" :\n [ {\"boxId\":1,\"qty\":2} ,{\"boxId\":2,\"qty\":\"홍길동\"},\t{\"boxId\":3, \"qty\":1,\"new\":[1,{\"a\":\"]\"}]}\n] ,\"nextToken\":\"7\"} ";
        let (page, (read, rejected)) = parts(text).expect("the page reads");
        assert_eq!(page.next_token.as_deref(), Some("7"));
        assert!(page.data.is_empty(), "the rows are read apart");
        let ids: Vec<u64> = read.iter().map(|(r, _)| r.box_id).collect();
        assert_eq!(ids, [1, 3]);
        assert_eq!(read[0].0.qty, 2);
        assert_eq!(read[0].1.get(), r#"{"boxId":1,"qty":2}"#);
        assert_eq!(
            read[1].1.get(),
            r#"{"boxId":3, "qty":1,"new":[1,{"a":"]"}]}"#
        );
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].key.record_key, "2");
        assert_eq!(rejected[0].raw.get(), r#"{"boxId":2,"qty":"홍길동"}"#);
        assert!(rejected[0].reason.contains("`qty`") && !rejected[0].reason.contains("홍길동"));
        // The same rows, text and reasons as the two-pass read.
        let (read2, rejected2) = two_pass(text).unwrap();
        assert_eq!(
            read.iter().map(|(_, r)| r.get()).collect::<Vec<_>>(),
            read2.iter().map(|(_, r)| r.get()).collect::<Vec<_>>()
        );
        assert_eq!(rejected, rejected2);
    }

    #[test]
    fn pages_of_other_shapes_read_as_the_envelope_alone_would() {
        // Rows after other keys, an empty array, null, absent: as the envelope reads them.
        for (text, rows) in [
            (r#"{"nextToken":null,"data":[{"boxId":1,"qty":1}]}"#, 1),
            (r#"{"data":[],"nextToken":""}"#, 0),
            (r#"{"data":[ ]}"#, 0),
            (r#"{"data":null}"#, 0),
            (r#"{"nextToken":"x"}"#, 0),
            (
                r#"{"other":{"data":[1]},"data":[{"boxId":1,"qty":1},{"boxId":2,"qty":1}]}"#,
                2,
            ),
        ] {
            let (_, (read, rejected)) = parts(text).unwrap_or_else(|| panic!("{text} reads"));
            assert_eq!((read.len(), rejected.len()), (rows, 0), "{text}");
        }
        // Not UTF-8 outside the rows: read whole, as before.
        let (_, (read, _)) =
            parts_of(b"{\"x\":\"\xff\",\"data\":[{\"boxId\":1,\"qty\":1}]}").unwrap();
        assert_eq!(read.len(), 1);
        assert!(parts_of(b"{\"data\":[{\"boxId\":1,\"qty\":1,\"x\":\"\xff\"}]}").is_none());
        // What the envelope refuses is refused, whatever the rows.
        for text in [
            r#"{"data":[{"boxId":1,"qty":1}],"nextToken":[]}"#,
            r#"{"data":{"boxId":1}}"#,
            r#"{"data":"none"}"#,
            r#"{"data":[{"boxId":1,"qty":1}],"data":[]}"#,
            r#"{"data":[{"boxId":1,"qty":1}]} trailing"#,
            r#"[{"boxId":1,"qty":1}]"#,
        ] {
            assert!(parts(text).is_none(), "{text} is refused");
            assert!(serde_json::from_str::<Page>(text).is_err(), "{text}");
        }
    }

    #[test]
    fn rows_nested_in_an_object_are_found_by_their_path() {
        #[derive(Debug, Deserialize)]
        struct Outer {
            data: Inner,
        }
        #[derive(Debug, Deserialize)]
        struct Inner {
            #[serde(default = "Vec::new", deserialize_with = "lenient::list")]
            content: Vec<RawJson>,
            total: u32,
        }
        impl Envelope for Outer {
            const ROWS: &'static str = "data.content";

            fn take_rows(&mut self) -> Vec<RawJson> {
                std::mem::take(&mut self.data.content)
            }
        }
        let text = r#"{"code":"OK","data":{"total":2,"content":[{"boxId":1,"qty":1},{"boxId":2,"qty":"x"}]}}"#;
        let listing = read::<Outer, Row>(text.as_bytes()).expect("the page reads");
        let (page, rows, rejected) = listing.into_parts("/v1/boxes", &["/boxId"]);
        assert_eq!((page.data.total, page.data.content.len()), (2, 0));
        assert_eq!((rows.len(), rejected.len()), (1, 1));
        assert_eq!(rows[0].1.get(), r#"{"boxId":1,"qty":1}"#);
        // `data` that is no object, or no `content` in it: read whole, as before.
        for text in [
            r#"{"data":{"total":0,"content":null}}"#,
            r#"{"data":{"total":0}}"#,
        ] {
            let listing = read::<Outer, Row>(text.as_bytes()).expect(text);
            assert!(listing.into_parts("/v1/boxes", &[]).1.is_empty());
        }
        assert!(read::<Outer, Row>(br#"{"data":[]}"#).is_none());
    }

    #[test]
    fn a_page_cut_off_or_malformed_in_its_rows_does_not_read() {
        let whole = r#"{"data":[{"boxId":1,"qty":1},{"boxId":2,"qty":2}],"nextToken":"n"}"#;
        assert!(parts(whole).is_some());
        for cut in 1..whole.len() {
            assert!(
                parts(&whole[..cut]).is_none(),
                "cut at {cut}: {}",
                &whole[..cut]
            );
        }
        for text in [
            r#"{"data":[{"boxId":1,"qty":1} {"boxId":2,"qty":2}]}"#,
            r#"{"data":[{"boxId":1,"qty":1},]}"#,
            r#"{"data":[{"boxId":1,"qty":01}]}"#,
            r#"{"data":[{"boxId":1,"qty":1]}"#,
            r#"{"data" [{"boxId":1,"qty":1}]}"#,
            "{\"data\":[{\"boxId\":1,\"qty\":1,\"n\":\"a\u{1}\"}]}",
        ] {
            assert!(parts(text).is_none(), "{text} is refused");
            assert!(two_pass(text).is_none(), "{text}");
        }
    }
}
