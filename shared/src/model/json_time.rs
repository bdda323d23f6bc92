//! Date-times in records' JSON: the RFC 3339 text chrono's own `Serialize` writes
//! (`SecondsFormat::AutoSi`, `Z` for UTC), built in one piece.
//!
//! Why: chrono hands the serializer a `Display` (`collect_str`), and serde_json escapes
//! each of the ~20 fragments it writes on its own. Serializing records for their content
//! hashes spent 3.3% of a Naver first run's instructions there (callgrind, 10 sellers),
//! three times what the same text costs built at once. The text is the same, so content
//! hashes stored earlier still match.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

pub fn at<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

pub fn opt_at<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    struct At<'a>(&'a DateTime<Utc>);
    impl Serialize for At<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            at(self.0, s)
        }
    }
    match t {
        Some(t) => s.serialize_some(&At(t)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Timelike};

    #[derive(Serialize)]
    struct Ours {
        #[serde(serialize_with = "at")]
        at: DateTime<Utc>,
        #[serde(serialize_with = "opt_at")]
        some: Option<DateTime<Utc>>,
        #[serde(serialize_with = "opt_at")]
        none: Option<DateTime<Utc>>,
    }

    #[derive(Serialize)]
    struct Chronos {
        at: DateTime<Utc>,
        some: Option<DateTime<Utc>>,
        none: Option<DateTime<Utc>>,
    }

    /// Whole seconds, every fraction length chrono shortens to (milli, micro, nano), a
    /// leap second and the ends of the calendar: the same JSON as chrono's own.
    #[test]
    fn date_times_serialize_exactly_as_chrono_does() {
        let base = Utc.with_ymd_and_hms(2025, 3, 9, 23, 59, 59).unwrap();
        let nanos = [
            0,
            1,
            120_000_000,
            123_000_000,
            123_400_000,
            123_456_000,
            123_456_789,
        ];
        let mut instants: Vec<DateTime<Utc>> = nanos
            .iter()
            .map(|&n| base + chrono::Duration::nanoseconds(n))
            .collect();
        // chrono counts a leap second in the nanoseconds.
        instants.push(base.with_nanosecond(1_500_000_000).unwrap());
        instants.push(Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap());
        instants.push(Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap());
        for t in instants {
            let ours = Ours {
                at: t,
                some: Some(t),
                none: None,
            };
            let chronos = Chronos {
                at: t,
                some: Some(t),
                none: None,
            };
            assert_eq!(
                serde_json::to_string(&ours).unwrap(),
                serde_json::to_string(&chronos).unwrap(),
                "{t:?}"
            );
        }
    }
}
