//! Reading what marketplaces send, not what their documents promise.
//!
//! Real answers carry one meaning in several JSON spellings: an id is a number in one
//! endpoint and a string in the next, an amount arrives as `12000`, `"12000"`, `"12,000"` or
//! `12000.0`, an absent value as `null`, `""` or no field at all, an empty list as `null`,
//! a boolean as `"Y"`, `"true"` or `1`, a time with or without `T`, milliseconds or offset.
//! Every connector's `api.rs` reads such fields through the deserializers here (with
//! `#[serde(deserialize_with = "lenient::…")]`, plus `default` for the optional ones), so
//! that one spelling more is a one-line change here rather than a lost collection cycle.
//!
//! What they refuse stays an error — `"12a"` as an amount, an object as an id, `1.5` as a
//! quantity — and the page becomes `format_changed`: a value whose meaning cannot be read
//! is never guessed. Error messages name the JSON type found, never the value (it may be
//! a buyer's name or phone number).
//!
//! Times: [`kst_time`] and [`kst_date`] read every date format the markets are known to
//! use; a time without an offset is KST.

use crate::model::kst;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::de::{self, Deserialize, Deserializer, Unexpected, Visitor};
use std::borrow::Cow;
use std::fmt;

// ---- one scalar, whatever JSON type it came in ----

/// A JSON scalar as sent. Arrays and objects are refused while reading it. A string
/// without escapes is borrowed from the input: most are amounts, counts, times or flags,
/// read into a number and never kept (these fields are most of every record's strings).
enum Scalar<'de> {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(Cow<'de, str>),
}

/// Reads any scalar; `expecting` is what the field holds, for serde's error message.
struct ScalarVisitor(&'static str);

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar<'de>, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Int(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Int(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
}

fn scalar<'de, D: Deserializer<'de>>(
    d: D,
    expecting: &'static str,
) -> Result<Scalar<'de>, D::Error> {
    d.deserialize_any(ScalarVisitor(expecting))
}

/// The error for a value of the right JSON type but no readable meaning. Names what was
/// found in general terms only.
fn unreadable<E: de::Error>(found: &'static str, expecting: &'static str) -> E {
    E::invalid_value(Unexpected::Other(found), &expecting)
}

fn wrong_type<E: de::Error>(s: &Scalar<'_>, expecting: &'static str) -> E {
    let found = match s {
        Scalar::Null => Unexpected::Unit,
        Scalar::Bool(_) => Unexpected::Other("a boolean"),
        Scalar::Int(_) => Unexpected::Other("an integer"),
        Scalar::Float(_) => Unexpected::Other("a fractional number"),
        Scalar::Str(_) => Unexpected::Other("a string"),
    };
    E::invalid_type(found, &expecting)
}

/// `None` for the spellings of "nothing here": `null`, `""`, whitespace.
fn present(s: Scalar<'_>) -> Option<Scalar<'_>> {
    match s {
        Scalar::Null => None,
        Scalar::Str(t) if t.trim().is_empty() => None,
        other => Some(other),
    }
}

fn required<T, E: de::Error>(v: Option<T>, expecting: &'static str) -> Result<T, E> {
    v.ok_or_else(|| E::invalid_type(Unexpected::Other("null or an empty string"), &expecting))
}

// ---- ids ----

const ID: &str = "an id (a string or an integer)";

/// An integer's decimal digits, written by `itoa` rather than through `fmt`, whose
/// 128-bit path was 1% of a Coupang first run (callgrind): Coupang sends its ids as numbers.
fn digits(n: i128) -> String {
    itoa::Buffer::new().format(n).to_owned()
}

fn read_id<E: de::Error>(s: Scalar<'_>) -> Result<Option<String>, E> {
    match present(s) {
        None => Ok(None),
        Some(Scalar::Str(t)) if t.trim().len() == t.len() => Ok(Some(t.into_owned())),
        Some(Scalar::Str(t)) => Ok(Some(t.trim().to_string())),
        Some(Scalar::Int(n)) => Ok(Some(digits(n))),
        // A float id has lost digits already (or was never an id).
        Some(other) => Err(wrong_type(&other, ID)),
    }
}

/// An id: a string (trimmed) or an integer, as a `String`. `null` and `""` are refused:
/// a record without its key cannot be stored.
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    required(read_id(scalar(d, ID)?)?, ID)
}

/// An optional id: `null`, `""` or (with `#[serde(default)]`) absent -> `None`.
pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    read_id(scalar(d, ID)?)
}

/// One element of an id list.
struct Id(String);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        id(d).map(Id)
    }
}

/// A list of ids, each a string or an integer; `null` or absent -> empty.
pub fn ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<Id>>::deserialize(d)?
        .unwrap_or_default()
        .into_iter()
        .map(|Id(s)| s)
        .collect())
}

// ---- integers: amounts and counts ----

const AMOUNT: &str = "an amount (an integer, an integral number or a numeric string)";
const COUNT: &str = "a count (an integer, an integral number or a numeric string)";

/// `12000`, `"12000"`, `"12,000"`, `" -3,630 "`, `"12000.0"` -> the integer. Thousands
/// separators must group by three; a fraction must be zero (KRW has no minor unit, and
/// a fractional quantity is not one).
fn integer_text(t: &str) -> Option<i128> {
    let t = t.trim();
    let (sign, digits) = match t.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, t.strip_prefix('+').unwrap_or(t)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if !fraction.bytes().all(|b| b == b'0') {
        return None;
    }
    let grouped = whole.contains(',');
    let mut n: i128 = 0;
    for (i, group) in whole.split(',').enumerate() {
        let length_ok = match (i, grouped) {
            (0, false) => !group.is_empty(),
            (0, true) => (1..=3).contains(&group.len()),
            _ => group.len() == 3,
        };
        if !length_ok || !group.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        for b in group.bytes() {
            n = n.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
        }
    }
    Some(sign * n)
}

fn read_integer<E: de::Error>(s: Scalar<'_>, expecting: &'static str) -> Result<Option<i128>, E> {
    match present(s) {
        None => Ok(None),
        Some(Scalar::Int(n)) => Ok(Some(n)),
        // 2^63 and beyond are no amounts; within range an integral float is exact.
        Some(Scalar::Float(f)) if f.fract() != 0.0 => {
            Err(unreadable("a fractional number", expecting))
        }
        Some(Scalar::Float(f)) if f.abs() < 9.2e18 => Ok(Some(f as i128)),
        Some(Scalar::Float(_)) => Err(unreadable("a number out of range", expecting)),
        Some(Scalar::Str(t)) => integer_text(&t)
            .map(Some)
            .ok_or_else(|| unreadable("a string that is no integer", expecting)),
        Some(other) => Err(wrong_type(&other, expecting)),
    }
}

fn fit<T: TryFrom<i128>, E: de::Error>(n: i128, expecting: &'static str) -> Result<T, E> {
    T::try_from(n).map_err(|_| unreadable("an integer out of range", expecting))
}

/// A required amount in KRW. `null` and `""` are refused: a price nobody states is not 0.
pub fn amount<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = required(read_integer(scalar(d, AMOUNT)?, AMOUNT)?, AMOUNT)?;
    fit(n, AMOUNT)
}

/// An amount documented as defaulting to zero (discounts, fees, secondary payment means):
/// `null`, `""` or (with `#[serde(default)]`) absent -> 0.
pub fn amount_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(opt_amount(d)?.unwrap_or(0))
}

/// An optional amount: `null`, `""` or absent -> `None`.
pub fn opt_amount<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    read_integer(scalar(d, AMOUNT)?, AMOUNT)?
        .map(|n| fit(n, AMOUNT))
        .transpose()
}

/// A required count (a quantity, a page number, a total) into whatever integer type the
/// field has; out of that type's range is refused.
pub fn count<'de, D: Deserializer<'de>, T: TryFrom<i128>>(d: D) -> Result<T, D::Error> {
    let n = required(read_integer(scalar(d, COUNT)?, COUNT)?, COUNT)?;
    fit(n, COUNT)
}

// ---- flags ----

const FLAG: &str = "a flag (true/false, \"Y\"/\"N\", \"true\"/\"false\", 1/0)";

fn read_flag<E: de::Error>(s: Scalar<'_>) -> Result<Option<bool>, E> {
    match present(s) {
        None => Ok(None),
        Some(Scalar::Bool(b)) => Ok(Some(b)),
        Some(Scalar::Int(1)) => Ok(Some(true)),
        Some(Scalar::Int(0)) => Ok(Some(false)),
        Some(Scalar::Str(t)) => {
            let t = t.trim();
            let is = |words: [&str; 3]| words.iter().any(|w| t.eq_ignore_ascii_case(w));
            if is(["y", "true", "1"]) {
                Ok(Some(true))
            } else if is(["n", "false", "0"]) {
                Ok(Some(false))
            } else {
                Err(unreadable("a string that is no flag", FLAG))
            }
        }
        Some(Scalar::Int(_)) => Err(unreadable("an integer other than 0 and 1", FLAG)),
        Some(other) => Err(wrong_type(&other, FLAG)),
    }
}

/// A required flag. `null` is refused: "unknown" is neither yes nor no.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    required(read_flag(scalar(d, FLAG)?)?, FLAG)
}

/// A flag documented as false unless said otherwise (e.g. `hasNext`): `null`, `""` or
/// (with `#[serde(default)]`) absent -> false.
pub fn flag_or_false<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(read_flag(scalar(d, FLAG)?)?.unwrap_or(false))
}

// ---- text ----

const TEXT: &str = "a string";

fn read_text<E: de::Error>(s: Scalar<'_>) -> Result<Option<String>, E> {
    match present(s) {
        None => Ok(None),
        // Kept as sent: the content is the seller's, not ours to reformat.
        Some(Scalar::Str(t)) => Ok(Some(t.into_owned())),
        // An option code `250` or a date `20250101` sent as a number reads as its digits.
        Some(Scalar::Int(n)) => Ok(Some(digits(n))),
        Some(other) => Err(wrong_type(&other, TEXT)),
    }
}

/// A required string (an integer reads as its digits); `null` and `""` are refused.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    required(read_text(scalar(d, TEXT)?)?, TEXT)
}

/// An optional string: `null`, `""`, whitespace or (with `#[serde(default)]`) absent ->
/// `None`.
pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    read_text(scalar(d, TEXT)?)
}

// ---- containers ----

/// A list: `null` or (with `#[serde(default)]`) absent -> empty. The elements are read
/// as their own type says.
pub fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// An optional object: `null`, `""`, `{}` or (with `#[serde(default)]`) absent -> `None`;
/// any other object is read as `T`.
pub fn opt_object<'de, D: Deserializer<'de>, T: de::DeserializeOwned>(
    d: D,
) -> Result<Option<T>, D::Error> {
    use serde_json::Value;
    // Buffered: whether an object is empty is known only once it has been read.
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::Object(m) if m.is_empty() => Ok(None),
        v @ Value::Object(_) => T::deserialize(v)
            .map(Some)
            // The inner message may quote a value; name the problem only.
            .map_err(|_| de::Error::custom("an object whose fields cannot be read")),
        _ => Err(de::Error::invalid_type(
            Unexpected::Other("a scalar or an array"),
            &"an object",
        )),
    }
}

// ---- times ----

/// Date-times with an offset: ISO-8601 with `T` or a space, with or without fractions,
/// `Z`, `+09:00` or `+0900`.
const WITH_OFFSET: [&str; 2] = ["%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%.f%#z"];

/// Offset-less date-times (KST): `T` or space, seconds optional fractions, minutes only
/// (Coupang's timeFrame form), and the compact `yyyyMMddHHmmss`.
const WITHOUT_OFFSET: [&str; 5] = [
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y%m%d%H%M%S",
];

/// A marketplace time as an instant. A value without an offset is KST (+09:00), as both
/// Coupang and Naver document; `None` when it is no time in any known format (the caller
/// names the field in a `format_changed`).
pub fn kst_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    // The form most offset-less times come in, read directly: the formats below are
    // interpreted per call and tried in turn, and this one is only reached after the
    // offset forms fail. Whatever it does not read goes the general way.
    if let Some(naive) = plain_naive(s) {
        return kst()
            .from_local_datetime(&naive)
            .single()
            .map(|t| t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Some(t) = WITH_OFFSET
        .iter()
        .find_map(|f| DateTime::parse_from_str(s, f).ok())
    {
        return Some(t.with_timezone(&Utc));
    }
    let naive = WITHOUT_OFFSET
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())?;
    kst()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// Exactly `yyyy-MM-ddTHH:mm:ss` (or with a space for `T`), as
/// `%Y-%m-%dT%H:%M:%S%.f` reads it; `None` for anything else (then the formats decide).
fn plain_naive(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let n = |from: usize, to: usize| {
        b[from..to].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(n(0, 4)? as i32, n(5, 7)?, n(8, 10)?)?.and_hms_opt(
        n(11, 13)?,
        n(14, 16)?,
        n(17, 19)?,
    )
}

/// A marketplace date (a KST calendar day): `yyyy-MM-dd`, `yyyyMMdd`, `yyyy.MM.dd`, or a
/// date-time, whose KST day it is.
pub fn kst_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    ["%Y-%m-%d", "%Y%m%d", "%Y.%m.%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
        .or_else(|| kst_time(s).map(|t| t.with_timezone(&kst()).date_naive()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[test]
    fn the_plain_time_shortcut_reads_what_the_format_reads() {
        for s in [
            "2026-12-01T10:20:30",
            "2026-12-01 00:00:00",
            "2024-02-29T23:59:59",
            "2023-02-29T10:00:00",
            "2026-13-01T10:00:00",
            "2026-12-01T24:00:00",
            "2026-12-01T23:59:60",
            "2026-12-01T1a:00:00",
            "2026-12-01T10:20:30.5",
            "2026-12-01T10:20",
        ] {
            let general = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f"))
                .ok();
            // Whatever the shortcut reads, the format reads the same; what it declines
            // goes the general way, as before.
            if let Some(t) = plain_naive(s) {
                assert_eq!(Some(t), general, "{s}");
            }
        }
        assert!(plain_naive("2026-12-01T10:20:30").is_some());
        assert!(plain_naive("2026-12-01 10:20:30").is_some());
        assert_eq!(
            kst_time("2026-12-01T09:00:00"),
            Some(Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap())
        );
    }

    /// Reads `{"v": <value>}` through one deserializer.
    macro_rules! field {
        ($name:ident, $ty:ty, $with:literal) => {
            #[derive(Debug, Deserialize)]
            struct $name {
                #[serde(default, deserialize_with = $with)]
                #[allow(dead_code)]
                v: $ty,
            }
        };
    }

    /// Reads `{"v": v}` both from a `Value` (every string handed over owned) and from its
    /// text (strings without escapes borrowed from the input, as connectors read rows):
    /// the two must agree.
    fn read<T: de::DeserializeOwned + fmt::Debug>(v: serde_json::Value) -> Result<T, String> {
        let doc = json!({ "v": v });
        let from_text = serde_json::from_str::<T>(&doc.to_string());
        let from_value = serde_json::from_value::<T>(doc).map_err(|e| e.to_string());
        assert_eq!(
            format!("{:?}", from_text.ok()),
            format!("{:?}", from_value.as_ref().ok()),
            "{v}: read from text and from a value"
        );
        from_value
    }

    fn absent<T: de::DeserializeOwned>() -> Result<T, String> {
        serde_json::from_value(json!({})).map_err(|e| e.to_string())
    }

    field!(IdF, String, "id");
    field!(OptIdF, Option<String>, "opt_id");
    field!(IdsF, Vec<String>, "ids");
    field!(AmountF, i64, "amount");
    field!(AmountZeroF, i64, "amount_or_zero");
    field!(OptAmountF, Option<i64>, "opt_amount");
    field!(CountF, i32, "count");
    field!(CountU32F, u32, "count");
    field!(FlagF, bool, "flag");
    field!(FlagFalseF, bool, "flag_or_false");
    field!(TextF, String, "text");
    field!(OptTextF, Option<String>, "opt_text");
    field!(ListF, Vec<u8>, "list");

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        amount: i64,
    }
    field!(ObjF, Option<Inner>, "opt_object");

    #[test]
    fn ids_are_strings_or_integers() {
        for (v, want) in [
            (json!("9100041863244"), "9100041863244"),
            (json!(9100041863244u64), "9100041863244"),
            (json!(642538971006401429u64), "642538971006401429"),
            (json!(" 123 "), "123"),
            (json!("A00012345"), "A00012345"),
            (json!(-1), "-1"),
        ] {
            assert_eq!(read::<IdF>(v.clone()).unwrap().v, want, "{v}");
            assert_eq!(read::<OptIdF>(v).unwrap().v.as_deref(), Some(want));
        }
        for v in [json!(null), json!(""), json!("  ")] {
            assert!(read::<IdF>(v.clone()).is_err(), "{v}");
            assert_eq!(read::<OptIdF>(v).unwrap().v, None);
        }
        assert_eq!(absent::<OptIdF>().unwrap().v, None);
        for v in [
            json!({"id": 1}),
            json!([1]),
            json!(true),
            json!(1.5),
            json!(1e3),
        ] {
            assert!(read::<IdF>(v.clone()).is_err(), "{v}");
            assert!(read::<OptIdF>(v).is_err());
        }
    }

    #[test]
    fn id_lists_take_either_spelling_per_element_and_null_for_empty() {
        assert_eq!(
            read::<IdsF>(json!([1, "2", " 3"])).unwrap().v,
            ["1", "2", "3"]
        );
        assert!(read::<IdsF>(json!(null)).unwrap().v.is_empty());
        assert!(absent::<IdsF>().unwrap().v.is_empty());
        assert!(read::<IdsF>(json!([1, {}])).is_err());
        assert!(read::<IdsF>(json!([null])).is_err());
        assert!(read::<IdsF>(json!("1,2")).is_err());
    }

    #[test]
    fn amounts_take_every_numeric_spelling() {
        for (v, want) in [
            (json!(12000), 12000),
            (json!(-3630), -3630),
            (json!(12000.0), 12000),
            (json!(1.2e4), 12000),
            (json!("12000"), 12000),
            (json!("12,000"), 12000),
            (json!("1,234,567"), 1234567),
            (json!(" 12,000 "), 12000),
            (json!("-3,630"), -3630),
            (json!("+500"), 500),
            (json!("12000.0"), 12000),
            (json!("12000.00"), 12000),
            (json!("0"), 0),
        ] {
            assert_eq!(read::<AmountF>(v.clone()).unwrap().v, want, "{v}");
            assert_eq!(read::<AmountZeroF>(v.clone()).unwrap().v, want, "{v}");
            assert_eq!(read::<OptAmountF>(v).unwrap().v, Some(want));
        }
    }

    #[test]
    fn absent_amounts_are_zero_only_where_they_default() {
        for v in [json!(null), json!(""), json!(" ")] {
            assert!(read::<AmountF>(v.clone()).is_err(), "{v}");
            assert_eq!(read::<AmountZeroF>(v.clone()).unwrap().v, 0);
            assert_eq!(read::<OptAmountF>(v).unwrap().v, None);
        }
        assert_eq!(absent::<AmountZeroF>().unwrap().v, 0);
        assert_eq!(absent::<OptAmountF>().unwrap().v, None);
    }

    #[test]
    fn unreadable_amounts_are_refused_without_quoting_them() {
        for v in [
            json!("12a"),
            json!("12,00"),
            json!("1,2345"),
            json!(",123"),
            json!("12.5"),
            json!(12.5),
            json!("1e3"),
            json!("--1"),
            json!("₩12,000"),
            json!("010-1234-5678"),
            json!(true),
            json!({"amount": 1}),
            json!([12000]),
            json!(1e300),
            json!("99999999999999999999999"),
        ] {
            let e = read::<AmountF>(v.clone()).unwrap_err();
            assert!(read::<AmountZeroF>(v.clone()).is_err(), "{v}");
            assert!(read::<OptAmountF>(v.clone()).is_err(), "{v}");
            if let Some(s) = v.as_str() {
                assert!(!e.contains(s), "{e}");
            }
        }
    }

    #[test]
    fn counts_fit_their_field_type() {
        for (v, want) in [
            (json!(2), 2),
            (json!("2"), 2),
            (json!(2.0), 2),
            (json!("1,000"), 1000),
        ] {
            assert_eq!(read::<CountF>(v.clone()).unwrap().v, want, "{v}");
        }
        assert_eq!(read::<CountU32F>(json!("7")).unwrap().v, 7);
        for v in [
            json!(null),
            json!(""),
            json!(1.5),
            json!("two"),
            json!(3_000_000_000u64),
            json!({}),
            json!(true),
        ] {
            assert!(read::<CountF>(v.clone()).is_err(), "{v}");
        }
        assert!(read::<CountU32F>(json!(-1)).is_err());
    }

    #[test]
    fn flags_take_booleans_yn_words_and_bits() {
        for (v, want) in [
            (json!(true), true),
            (json!(false), false),
            (json!("Y"), true),
            (json!("N"), false),
            (json!("y"), true),
            (json!("true"), true),
            (json!("FALSE"), false),
            (json!(" false "), false),
            (json!(1), true),
            (json!(0), false),
            (json!("1"), true),
            (json!("0"), false),
        ] {
            assert_eq!(read::<FlagF>(v.clone()).unwrap().v, want, "{v}");
            assert_eq!(read::<FlagFalseF>(v).unwrap().v, want);
        }
        for v in [json!(null), json!("")] {
            assert!(read::<FlagF>(v.clone()).is_err(), "{v}");
            assert!(!read::<FlagFalseF>(v).unwrap().v);
        }
        assert!(!absent::<FlagFalseF>().unwrap().v);
        for v in [
            json!(2),
            json!("yes!"),
            json!("maybe"),
            json!(1.0),
            json!({}),
            json!([]),
        ] {
            assert!(read::<FlagF>(v.clone()).is_err(), "{v}");
            assert!(read::<FlagFalseF>(v.clone()).is_err(), "{v}");
        }
    }

    #[test]
    fn text_is_kept_as_sent_and_blank_is_absent() {
        assert_eq!(read::<TextF>(json!(" 사과 ")).unwrap().v, " 사과 ");
        assert_eq!(read::<TextF>(json!(20250101)).unwrap().v, "20250101");
        assert_eq!(
            read::<OptTextF>(json!("중과")).unwrap().v.as_deref(),
            Some("중과")
        );
        assert_eq!(
            read::<OptTextF>(json!(250)).unwrap().v.as_deref(),
            Some("250")
        );
        for v in [json!(null), json!(""), json!("   ")] {
            assert_eq!(read::<OptTextF>(v.clone()).unwrap().v, None, "{v}");
            assert!(read::<TextF>(v).is_err());
        }
        assert_eq!(absent::<OptTextF>().unwrap().v, None);
        for v in [json!(true), json!(1.5), json!({"a": 1}), json!(["a"])] {
            assert!(read::<OptTextF>(v.clone()).is_err(), "{v}");
            assert!(read::<TextF>(v.clone()).is_err(), "{v}");
        }
    }

    #[test]
    fn lists_read_null_and_absent_as_empty() {
        assert_eq!(read::<ListF>(json!([1, 2])).unwrap().v, [1, 2]);
        assert!(read::<ListF>(json!([])).unwrap().v.is_empty());
        assert!(read::<ListF>(json!(null)).unwrap().v.is_empty());
        assert!(absent::<ListF>().unwrap().v.is_empty());
        for v in [json!({}), json!(""), json!(1), json!(["x"])] {
            assert!(read::<ListF>(v.clone()).is_err(), "{v}");
        }
    }

    #[test]
    fn optional_objects_read_null_blank_and_empty_as_absent() {
        assert_eq!(
            read::<ObjF>(json!({"amount": 2500, "extra": {"x": 1}}))
                .unwrap()
                .v,
            Some(Inner { amount: 2500 })
        );
        for v in [json!(null), json!({}), json!("")] {
            assert_eq!(read::<ObjF>(v.clone()).unwrap().v, None, "{v}");
        }
        assert_eq!(absent::<ObjF>().unwrap().v, None);
        for v in [
            json!({"amount": "x"}),
            json!({"other": 1}),
            json!([]),
            json!(3),
        ] {
            assert!(read::<ObjF>(v.clone()).is_err(), "{v}");
        }
        let e = read::<ObjF>(json!({"amount": "010-1234-5678"})).unwrap_err();
        assert!(!e.contains("010-1234-5678"), "{e}");
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn times_in_every_known_format() {
        let t = utc("2022-04-11T06:21:44Z");
        for s in [
            // Naver, documented.
            "2022-04-11T15:21:44.000+09:00",
            "2022-04-11T15:21:44+09:00",
            "2022-04-11T06:21:44.000Z",
            "2022-04-11T06:21:44Z",
            "2022-04-11T15:21:44.000+0900",
            "2022-04-11 15:21:44+09:00",
            // Coupang, documented: KST without offset, `T` or space.
            "2022-04-11T15:21:44",
            "2022-04-11 15:21:44",
            "2022-04-11T15:21:44.000",
            "2022-04-11 15:21:44.000",
            // Compact.
            "20220411152144",
            " 2022-04-11T15:21:44 ",
        ] {
            assert_eq!(kst_time(s), Some(t), "{s}");
        }
        assert_eq!(
            kst_time("2022-04-11T15:21"),
            Some(utc("2022-04-11T06:21:00Z"))
        );
        assert_eq!(
            kst_time("2020-07-25T10:10:10.100Z"),
            Some(utc("2020-07-25T10:10:10.100Z"))
        );
        for s in [
            "",
            "yesterday",
            "08/04/2024 22:54",
            "2022-04-11",
            "2022-13-11T15:21:44",
            "2022-04-11T25:21:44",
            "1649658104000",
            "2022-04-11T15:21:44+25:00",
        ] {
            assert_eq!(kst_time(s), None, "{s}");
        }
    }

    #[test]
    fn dates_in_every_known_format() {
        let d = NaiveDate::from_ymd_opt(2025, 1, 31).unwrap();
        for s in [
            "2025-01-31",
            "20250131",
            "2025.01.31",
            " 2025-01-31 ",
            "2025-01-31T10:00:00",
            "2025-01-31T10:00:00.000+09:00",
            // 20:00 UTC on the 30th is the 31st in Korea.
            "2025-01-30T20:00:00Z",
        ] {
            assert_eq!(kst_date(s), Some(d), "{s}");
        }
        for s in ["", "2025-02-30", "31/01/2025", "2025-1", "soon"] {
            assert_eq!(kst_date(s), None, "{s}");
        }
    }
}
