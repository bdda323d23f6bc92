//! Quirks mode: every answer in the other spellings real marketplaces use for the same
//! meaning — ids as numbers or strings, amounts as strings (with or without thousands
//! separators) or floats, flags as `"Y"`/`"true"`/`1`, absent values as `null`, `""` or no
//! field, empty lists as `null`, empty objects, the market's alternative date formats,
//! and undocumented fields (nested objects too).
//!
//! A quirk never changes meaning: a time names the same instant, an amount the same
//! integer, a list the same elements. Which spelling an object gets is drawn from a
//! generator seeded by the world's seed and the object's own content, so the same row is
//! answered the same way every time while rows differ from one another. The contract checks
//! (auth, ranges, limits) run before an answer is re-spelled and are never affected.
//!
//! Each market says which of its fields hold what in a [`Rules`] table
//! (`coupang::quirks`, `naver::quirks`).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Number, Value, json};
use sha2::{Digest, Sha256};

/// What a market's fields hold, by field name, and how it writes times.
pub struct Rules {
    /// Mixed into every seed, so that two markets re-spell the same row differently.
    pub market: &'static str,
    pub ids: &'static [&'static str],
    pub amounts: &'static [&'static str],
    pub counts: &'static [&'static str],
    pub flags: &'static [&'static str],
    /// Date-time fields: re-spelled by `time`.
    pub times: &'static [&'static str],
    /// Date fields: re-spelled by `date`.
    pub dates: &'static [&'static str],
    /// Lists that may be `null` or absent when empty.
    pub lists: &'static [&'static str],
    /// Another spelling of the same instant, or `None` to keep it.
    pub time: fn(&str, &mut StdRng) -> Option<String>,
    /// Another spelling of the same day, or `None` to keep it.
    pub date: fn(&str, &mut StdRng) -> Option<String>,
    /// Market-specific quirks of one object (after its fields are re-spelled).
    pub special: fn(&mut Map<String, Value>, &mut StdRng),
}

/// `body` re-spelled by `rules`, deterministically for `seed`.
pub fn apply(mut body: Value, rules: &Rules, seed: u64) -> Value {
    walk(&mut body, rules, seed);
    body
}

/// A generator for one object: the world's seed, the market, and the object as sent
/// plainly.
fn rng_for(rules: &Rules, seed: u64, object: &Map<String, Value>) -> StdRng {
    let mut h = Sha256::new();
    h.update(rules.market.as_bytes());
    h.update(seed.to_le_bytes());
    h.update(serde_json::to_vec(object).expect("JSON serializes"));
    let d = h.finalize();
    StdRng::seed_from_u64(u64::from_le_bytes(d[..8].try_into().expect("8 bytes")))
}

fn walk(v: &mut Value, rules: &Rules, seed: u64) {
    match v {
        Value::Array(a) => a.iter_mut().for_each(|x| walk(x, rules, seed)),
        Value::Object(m) => {
            let mut rng = rng_for(rules, seed, m);
            m.values_mut().for_each(|x| walk(x, rules, seed));
            respell(m, rules, &mut rng);
            (rules.special)(m, &mut rng);
            if m.len() >= 4 && rng.random_ratio(1, 3) {
                add_undocumented(m, &mut rng);
            }
        }
        _ => {}
    }
}

fn respell(m: &mut Map<String, Value>, rules: &Rules, rng: &mut StdRng) {
    let keys: Vec<String> = m.keys().cloned().collect();
    for key in keys {
        let k = key.as_str();
        let v = m.get_mut(k).expect("key listed");
        match v {
            // Nothing here: null, "" or no field at all.
            Value::Null => match rng.random_range(0..3) {
                0 => {}
                1 => *v = json!(""),
                _ => {
                    m.remove(k);
                }
            },
            Value::String(s) if s.is_empty() => match rng.random_range(0..3) {
                0 => {}
                1 => *v = Value::Null,
                _ => {
                    m.remove(k);
                }
            },
            Value::Array(a) if a.is_empty() && rules.lists.contains(&k) => {
                match rng.random_range(0..3) {
                    0 => {}
                    1 => *v = Value::Null,
                    _ => {
                        m.remove(k);
                    }
                }
            }
            Value::Object(o) if o.is_empty() => match rng.random_range(0..3) {
                0 => {}
                1 => *v = Value::Null,
                _ => {
                    m.remove(k);
                }
            },
            Value::Array(a) if rules.ids.contains(&k) => {
                for x in a {
                    id(x, rng);
                }
            }
            _ if rules.ids.contains(&k) => id(v, rng),
            _ if rules.amounts.contains(&k) => amount(v, rng),
            _ if rules.counts.contains(&k) => count(v, rng),
            _ if rules.flags.contains(&k) => flag(v, rng),
            Value::String(s) if rules.times.contains(&k) => {
                if let Some(t) = (rules.time)(s, rng) {
                    *s = t;
                }
            }
            Value::String(s) if rules.dates.contains(&k) => {
                if let Some(d) = (rules.date)(s, rng) {
                    *s = d;
                }
            }
            _ => {}
        }
    }
}

/// An integer id as a string, or a canonical decimal string as a number.
fn id(v: &mut Value, rng: &mut StdRng) {
    if !rng.random_bool(0.5) {
        return;
    }
    match v {
        Value::Number(n) if n.is_i64() || n.is_u64() => *v = Value::String(n.to_string()),
        Value::String(s) => {
            // Only where the number spells exactly the same digits back.
            if let Ok(n) = s.parse::<u64>()
                && n.to_string() == *s
            {
                *v = Value::Number(n.into());
            }
        }
        _ => {}
    }
}

fn integer(v: &Value) -> Option<i64> {
    v.as_i64()
}

/// `12000` as `"12000"`, `"12,000"` or `12000.0`.
fn amount(v: &mut Value, rng: &mut StdRng) {
    let Some(n) = integer(v) else { return };
    *v = match rng.random_range(0..4) {
        0 => return,
        1 => Value::String(n.to_string()),
        2 => Value::String(thousands(n)),
        _ => float(n).unwrap_or_else(|| Value::String(n.to_string())),
    };
}

/// `2` as `"2"` or `2.0`.
fn count(v: &mut Value, rng: &mut StdRng) {
    let Some(n) = integer(v) else { return };
    *v = match rng.random_range(0..3) {
        0 => return,
        1 => Value::String(n.to_string()),
        _ => float(n).unwrap_or_else(|| Value::String(n.to_string())),
    };
}

/// An integral float, where it is exact.
fn float(n: i64) -> Option<Value> {
    (n.unsigned_abs() < (1 << 53))
        .then(|| Number::from_f64(n as f64).map(Value::Number))
        .flatten()
}

/// `true` as `"true"`, `"Y"` or `1`.
fn flag(v: &mut Value, rng: &mut StdRng) {
    let Some(b) = v.as_bool() else { return };
    *v = match rng.random_range(0..4) {
        0 => return,
        1 => json!(if b { "true" } else { "false" }),
        2 => json!(if b { "Y" } else { "N" }),
        _ => json!(u8::from(b)),
    };
}

/// `-1234567` -> `"-1,234,567"`.
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Fields no document mentions, as marketplaces add them without notice.
fn add_undocumented(m: &mut Map<String, Value>, rng: &mut StdRng) {
    let extras = [
        (
            "promotionInfo",
            json!({"promotionId": null, "benefits": [{"type": "COUPON", "value": "0", "meta": {}}]}),
        ),
        (
            "displayFlags",
            json!({"isNew": "N", "badges": [], "rank": {"score": 0.5}}),
        ),
        ("apiRevision", json!("2025.3")),
        (
            "traceInfo",
            json!({"node": "gw-7", "elapsedMs": 12, "tags": null}),
        ),
        ("memo2", Value::Null),
    ];
    let n = rng.random_range(1..=2);
    for _ in 0..n {
        let (k, v) = &extras[rng.random_range(0..extras.len())];
        if !m.contains_key(*k) {
            m.insert((*k).to_string(), v.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keep(_: &str, _: &mut StdRng) -> Option<String> {
        None
    }
    fn none(_: &mut Map<String, Value>, _: &mut StdRng) {}

    const RULES: Rules = Rules {
        market: "test",
        ids: &["id", "ids"],
        amounts: &["price"],
        counts: &["qty"],
        flags: &["done"],
        times: &[],
        dates: &[],
        lists: &["notes"],
        time: keep,
        date: keep,
        special: none,
    };

    fn rows() -> Value {
        Value::Array(
            (0..200)
                .map(|i| {
                    json!({"id": 1000 + i, "ids": [i, i + 1], "price": -12345 * i, "qty": i % 3 + 1,
                       "done": i % 2 == 0, "notes": [], "gone": null, "blank": "", "name": "사과"})
                })
                .collect(),
        )
    }

    #[test]
    fn the_same_rows_get_the_same_quirks_and_rows_differ() {
        let a = apply(rows(), &RULES, 7);
        assert_eq!(a, apply(rows(), &RULES, 7));
        assert_ne!(a, apply(rows(), &RULES, 8));
        let rows = a.as_array().unwrap();
        let spellings = |key: &str| {
            rows.iter()
                .map(|r| match r.get(key) {
                    None => "absent".to_string(),
                    Some(Value::Number(n)) if n.is_f64() => "float".to_string(),
                    Some(Value::String(s)) if s.contains(',') => "grouped".to_string(),
                    Some(v) => format!("{:?}", std::mem::discriminant(v)),
                })
                .collect::<std::collections::BTreeSet<_>>()
        };
        assert_eq!(spellings("id").len(), 2, "number and string");
        assert_eq!(spellings("price").len(), 4, "{:?}", spellings("price"));
        assert_eq!(spellings("qty").len(), 3);
        // A boolean, a word ("true" or "Y": both strings) and a bit.
        assert_eq!(spellings("done").len(), 3);
        for key in ["notes", "gone", "blank"] {
            assert_eq!(spellings(key).len(), 3, "{key}");
        }
        assert!(rows.iter().any(|r| r.get("promotionInfo").is_some()));
    }

    #[test]
    fn quirks_keep_the_meaning() {
        let plain = rows();
        let quirky = apply(rows(), &RULES, 7);
        let int = |v: &Value| -> i64 {
            match v {
                Value::String(s) => s.replace(',', "").parse().unwrap(),
                Value::Number(n) => n.as_f64().unwrap() as i64,
                other => panic!("{other}"),
            }
        };
        let truth = |v: &Value| -> bool {
            match v {
                Value::Bool(b) => *b,
                Value::String(s) => s == "true" || s == "Y",
                Value::Number(n) => n.as_u64() == Some(1),
                other => panic!("{other}"),
            }
        };
        for (p, q) in plain
            .as_array()
            .unwrap()
            .iter()
            .zip(quirky.as_array().unwrap())
        {
            for key in ["id", "price", "qty"] {
                assert_eq!(int(&p[key]), int(&q[key]), "{key}");
            }
            for (a, b) in p["ids"]
                .as_array()
                .unwrap()
                .iter()
                .zip(q["ids"].as_array().unwrap())
            {
                assert_eq!(int(a), int(b));
            }
            assert_eq!(truth(&p["done"]), truth(&q["done"]));
            assert_eq!(p["name"], q["name"]);
            for key in ["notes", "gone", "blank"] {
                let empty = match q.get(key) {
                    None | Some(Value::Null) => true,
                    Some(Value::String(s)) => s.is_empty(),
                    Some(Value::Array(a)) => a.is_empty(),
                    _ => false,
                };
                assert!(empty, "{key}: {q}");
            }
        }
    }

    #[test]
    fn thousands_groups_by_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(12000), "12,000");
        assert_eq!(thousands(-1234567), "-1,234,567");
    }
}
