//! Calendar files: TOML, documented in `docs/calendar.md`.
//!
//! ```toml
//! timezone = "Asia/Ho_Chi_Minh"
//! sessions = ["07:30-11:30", "13:00-17:00"]   # every working day
//! weekend = ["saturday", "sunday"]
//! holidays = ["2024-02-08", "2024-02-09"]      # days off
//! working_days = ["2024-05-04"]               # compensatory working days (làm bù)
//! ```
//!
//! Beyond that minimal form: a `name`; named days and ranges
//! (`{ date = "2024-04-18", name = "Giỗ Tổ Hùng Vương" }`,
//! `{ from = "2024-02-08", to = "2024-02-14", name = "Tết" }`); per-weekday sessions
//! (`[weekdays] saturday = ["07:30-11:30"]`); and per-unit variants
//! (`[units."000.00.12.H29"]` with any of `sessions`, `weekend`, `weekdays`, and extra
//! `holidays` / `working_days`). Every error names its line and column.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range;

use jiff::civil::{Date, Weekday};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use toml::Spanned;

use super::{CalendarBuilder, CalendarError, CalendarSet, Session, WeekdayName, WorkingCalendar};
use crate::ids::UnitCode;

/// The official working calendar of Vietnamese officials for 2024–2026 (days off, swaps and
/// compensatory working Saturdays as announced by the Government), with the default
/// sessions 07:30–11:30 and 13:00–17:00.
pub const OFFICIAL_VN_CALENDAR: &str =
    include_str!("../../../../data/calendars/vietnam-officials.toml");

/// A calendar file that could not be loaded, with the position of the problem when known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CalendarFileError {
    /// 1-based line of the offending value.
    pub line: Option<usize>,
    /// 1-based column of the offending value.
    pub column: Option<usize>,
    /// What is wrong.
    pub error: CalendarError,
}

impl fmt::Display for CalendarFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: {}", self.error),
            _ => write!(f, "{}", self.error),
        }
    }
}

impl CalendarFileError {
    fn at(src: &str, span: Option<Range<usize>>, error: CalendarError) -> Self {
        let (line, column) = match span {
            Some(span) => {
                let before = &src[..span.start.min(src.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                (Some(line), Some(column))
            }
            None => (None, None),
        };
        Self {
            line,
            column,
            error,
        }
    }
}

/// A calendar file, or a per-unit variant inside one (which may not set `name`,
/// `timezone` or `units`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    name: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    sessions: Option<Spanned<Vec<Spanned<String>>>>,
    weekend: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    weekdays: BTreeMap<Spanned<String>, Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    holidays: Vec<Spanned<DayEntry>>,
    #[serde(default)]
    working_days: Vec<Spanned<DayEntry>>,
    #[serde(default)]
    units: BTreeMap<Spanned<String>, Spanned<FileSpec>>,
}

/// A day or an inclusive range of days, with an optional name.
struct DayEntry {
    from: Date,
    to: Date,
    name: Option<String>,
}

const TOML_DATETIME_KEY: &str = "$__toml_private_datetime";

fn parse_date(s: &str) -> Result<Date, CalendarError> {
    let ok = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
    ok.then(|| s.parse::<Date>().ok())
        .flatten()
        .ok_or_else(|| CalendarError::InvalidDate(s.to_owned()))
}

impl<'de> Deserialize<'de> for DayEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DayEntry;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a date \"YYYY-MM-DD\", { date = \"YYYY-MM-DD\", name = \"…\" } or { from = \"YYYY-MM-DD\", to = \"YYYY-MM-DD\", name = \"…\" }",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DayEntry, E> {
                let d = parse_date(v).map_err(E::custom)?;
                Ok(DayEntry {
                    from: d,
                    to: d,
                    name: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DayEntry, A::Error> {
                let (mut date, mut from, mut to, mut name) = (None, None, None, None);
                let date_value = |map: &mut A| -> Result<Date, A::Error> {
                    let v: DateValue = map.next_value()?;
                    Ok(v.0)
                };
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        // A bare TOML date (`2024-02-08` without quotes) arrives this way.
                        TOML_DATETIME_KEY => {
                            let raw: String = map.next_value()?;
                            let d = parse_date(&raw).map_err(de::Error::custom)?;
                            return Ok(DayEntry {
                                from: d,
                                to: d,
                                name: None,
                            });
                        }
                        "date" => date = Some(date_value(&mut map)?),
                        "from" => from = Some(date_value(&mut map)?),
                        "to" => to = Some(date_value(&mut map)?),
                        "name" => name = Some(map.next_value::<String>()?),
                        other => {
                            return Err(de::Error::unknown_field(
                                other,
                                &["date", "from", "to", "name"],
                            ));
                        }
                    }
                }
                match (date, from, to) {
                    (Some(d), None, None) => Ok(DayEntry {
                        from: d,
                        to: d,
                        name,
                    }),
                    (None, Some(from), Some(to)) if from <= to => Ok(DayEntry { from, to, name }),
                    (None, Some(from), Some(to)) => {
                        Err(de::Error::custom(CalendarError::ReversedRange { from, to }))
                    }
                    _ => Err(de::Error::custom(
                        "give either `date`, or both `from` and `to`",
                    )),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// A date given as a string or as a bare TOML date.
struct DateValue(Date);

impl<'de> Deserialize<'de> for DateValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let entry = DayEntry::deserialize(d)?;
        if entry.from == entry.to && entry.name.is_none() {
            Ok(DateValue(entry.from))
        } else {
            Err(de::Error::custom("expected a single date \"YYYY-MM-DD\""))
        }
    }
}

/// Where each part of the file is, so that errors found after parsing can point at it.
#[derive(Default)]
struct Spans {
    sessions: Option<Range<usize>>,
    weekdays: HashMap<usize, Range<usize>>,
    weekend: Option<Range<usize>>,
    days: HashMap<Date, Range<usize>>,
}

impl Spans {
    fn locate(&self, src: &str, err: CalendarError) -> CalendarFileError {
        let span = match &err {
            CalendarError::OverlappingSessions { .. } | CalendarError::NoSessions => {
                self.sessions.clone()
            }
            CalendarError::WeekendWithSessions(w) => {
                self.weekdays.get(&super::weekday_index(w.0)).cloned()
            }
            CalendarError::NoWorkingTime => self.weekend.clone(),
            CalendarError::HolidayAndWorkingDay(d) | CalendarError::NotADayOff { date: d, .. } => {
                self.days.get(d).cloned()
            }
            _ => None,
        };
        CalendarFileError::at(src, span, err)
    }
}

struct Loader<'a> {
    src: &'a str,
}

impl Loader<'_> {
    fn err(&self, span: Range<usize>, error: CalendarError) -> CalendarFileError {
        CalendarFileError::at(self.src, Some(span), error)
    }

    fn sessions(&self, list: &[Spanned<String>]) -> Result<Vec<Session>, CalendarFileError> {
        list.iter()
            .map(|s| {
                s.get_ref()
                    .parse::<Session>()
                    .map_err(|e| self.err(s.span(), e))
            })
            .collect()
    }

    fn weekday(&self, name: &Spanned<String>) -> Result<Weekday, CalendarFileError> {
        name.get_ref()
            .parse::<WeekdayName>()
            .map(|w| w.0)
            .map_err(|e| self.err(name.span(), e))
    }

    /// Applies the fields shared by the base calendar and per-unit variants.
    fn apply(
        &self,
        mut b: CalendarBuilder,
        spans: &mut Spans,
        fields: &FileSpec,
    ) -> Result<CalendarBuilder, CalendarFileError> {
        let FileSpec {
            sessions,
            weekend,
            weekdays,
            holidays,
            working_days,
            ..
        } = fields;
        if let Some(list) = sessions.as_ref() {
            spans.sessions = Some(list.span());
            b = b.sessions(self.sessions(list.get_ref())?);
        }
        if let Some(names) = weekend.as_ref() {
            let days = names
                .iter()
                .map(|n| self.weekday(n))
                .collect::<Result<Vec<_>, _>>()?;
            spans.weekend = names.first().map(Spanned::span);
            b = b.weekend(days);
        }
        for (name, list) in weekdays {
            let w = self.weekday(name)?;
            spans.weekdays.insert(super::weekday_index(w), name.span());
            b = b.weekday_sessions(w, self.sessions(list.get_ref())?);
        }
        for (entries, holiday) in [(holidays, true), (working_days, false)] {
            let entries: &[Spanned<DayEntry>] = entries;
            for entry in entries {
                let span = entry.span();
                let e = entry.get_ref();
                let mut d = e.from;
                loop {
                    spans.days.insert(d, span.clone());
                    b = if holiday {
                        b.holiday(d, e.name.clone())
                    } else {
                        b.working_day(d, e.name.clone())
                    };
                    if d >= e.to {
                        break;
                    }
                    d = d.tomorrow().map_err(|_| {
                        self.err(span.clone(), CalendarError::InvalidDate(d.to_string()))
                    })?;
                }
            }
        }
        Ok(b)
    }
}

impl CalendarSet {
    /// Loads a calendar file (see the module documentation and `docs/calendar.md`).
    ///
    /// ```
    /// use motcua_domain::calendar::CalendarSet;
    /// let set = CalendarSet::from_toml(r#"
    ///     timezone = "Asia/Ho_Chi_Minh"
    ///     sessions = ["07:30-11:30", "13:00-17:00"]
    ///     weekend = ["saturday", "sunday"]
    ///     holidays = ["2024-02-08", "2024-02-09"]
    ///     working_days = ["2024-05-04"]
    /// "#).unwrap();
    /// assert_eq!(set.base().holidays().len(), 2);
    ///
    /// let err = CalendarSet::from_toml("sessions = [\"07:30-11:30\", \"11:00-13:00\"]").unwrap_err();
    /// assert_eq!(err.to_string(), "line 1, column 12: sessions 07:30-11:30 and 11:00-13:00 overlap");
    /// ```
    pub fn from_toml(src: &str) -> Result<Self, CalendarFileError> {
        let spec: FileSpec = toml::from_str(src).map_err(|e| {
            let message = e.message().trim().replace('\n', "; ");
            CalendarFileError::at(src, e.span(), CalendarError::Syntax(message))
        })?;
        let loader = Loader { src };
        let mut builder = WorkingCalendar::builder();
        if let Some(name) = &spec.name {
            builder = builder.name(name.get_ref().clone());
        }
        if let Some(tz) = &spec.timezone {
            if jiff::tz::TimeZone::get(tz.get_ref()).is_err() {
                return Err(loader.err(
                    tz.span(),
                    CalendarError::UnknownTimeZone(tz.get_ref().clone()),
                ));
            }
            builder = builder.time_zone(tz.get_ref().clone());
        }
        let mut spans = Spans::default();
        let base_builder = loader.apply(builder, &mut spans, &spec)?;
        let base = base_builder
            .clone()
            .build()
            .map_err(|e| spans.locate(src, e))?;
        let mut set = CalendarSet::new(base);
        for (code, unit) in &spec.units {
            let unit_code: UnitCode = code
                .get_ref()
                .parse()
                .map_err(|e| loader.err(code.span(), CalendarError::InvalidUnitCode(e)))?;
            let unit = unit.get_ref();
            let not_here = [
                ("name", unit.name.as_ref().map(Spanned::span)),
                ("timezone", unit.timezone.as_ref().map(Spanned::span)),
                ("units", unit.units.keys().next().map(Spanned::span)),
            ];
            if let Some((key, Some(span))) = not_here.into_iter().find(|(_, s)| s.is_some()) {
                return Err(loader.err(span, CalendarError::NotInUnitVariant(key)));
            }
            let mut unit_spans = Spans::default();
            let b = loader.apply(base_builder.clone(), &mut unit_spans, unit)?;
            let cal = b.build().map_err(|e| {
                let located = unit_spans.locate(src, e.clone());
                if located.line.is_some() {
                    located
                } else {
                    spans.locate(src, e)
                }
            })?;
            set = set.with_unit(unit_code, cal);
        }
        Ok(set)
    }

    /// The official calendar shipped with motcua ([`OFFICIAL_VN_CALENDAR`]).
    pub fn official_vietnam() -> Self {
        Self::from_toml(OFFICIAL_VN_CALENDAR).expect("the shipped calendar is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::DayKind;
    use jiff::civil::date;

    fn load_err(src: &str) -> String {
        CalendarSet::from_toml(src).unwrap_err().to_string()
    }

    #[test]
    fn the_minimal_form_of_the_issue_loads() {
        let set = CalendarSet::from_toml(
            r#"
timezone = "Asia/Ho_Chi_Minh"
sessions = ["07:30-11:30", "13:00-17:00"]   # every working day
weekend = ["saturday", "sunday"]
holidays = ["2024-02-08", "2024-02-09"]      # days off
working_days = ["2024-05-04"]               # compensatory working days (làm bù)
"#,
        )
        .unwrap();
        let cal = set.base();
        assert_eq!(cal.day_kind(date(2024, 2, 8)), DayKind::Holiday(None));
        assert_eq!(cal.day_kind(date(2024, 5, 4)), DayKind::Compensatory(None));
        assert_eq!(cal.day_length().as_hours(), 8);
    }

    #[test]
    fn named_days_ranges_and_bare_dates_load() {
        let set = CalendarSet::from_toml(
            r#"
holidays = [
  { from = "2024-02-08", to = "2024-02-14", name = "Tết" },
  { date = "2024-04-18", name = "Giỗ Tổ Hùng Vương" },
  2024-09-02,
]
"#,
        )
        .unwrap();
        let cal = set.base();
        assert_eq!(cal.holidays().len(), 9);
        assert_eq!(
            cal.day_kind(date(2024, 2, 11)),
            DayKind::Holiday(Some("Tết".into()))
        );
        assert_eq!(cal.day_kind(date(2024, 9, 2)), DayKind::Holiday(None));
    }

    #[test]
    fn per_unit_variants_inherit_and_override() {
        let set = CalendarSet::from_toml(
            r#"
holidays = ["2024-02-08"]
[units."000.00.12.H29"]
sessions = ["07:30-12:00", "13:00-16:30"]
holidays = ["2024-03-08"]
"#,
        )
        .unwrap();
        let code: UnitCode = "000.00.12.H29".parse().unwrap();
        let unit = set.for_unit(Some(&code));
        assert_eq!(unit.standard_sessions()[0].to_string(), "07:30-12:00");
        assert!(unit.holidays().contains_key(&date(2024, 2, 8)));
        assert!(unit.holidays().contains_key(&date(2024, 3, 8)));
        assert!(!set.base().holidays().contains_key(&date(2024, 3, 8)));
        assert_eq!(
            set.for_unit(None).standard_sessions()[0].to_string(),
            "07:30-11:30"
        );
    }

    #[test]
    fn bad_files_give_one_located_line() {
        let cases = [
            ("sessions = [\"07:30-11:30\"", "line 1, column"),
            ("sesions = []", "unknown field `sesions`"),
            (
                "sessions = [\"0730-1130\"]",
                "line 1, column 13: invalid session \"0730-1130\": expected HH:MM-HH:MM, e.g. 07:30-11:30",
            ),
            (
                "sessions = [\"07:30-11:30\", \"11:00-13:00\"]",
                "line 1, column 12: sessions 07:30-11:30 and 11:00-13:00 overlap",
            ),
            ("sessions = []", "line 1, column 12: no sessions"),
            (
                "weekend = [\"caturday\"]",
                "line 1, column 12: unknown weekday \"caturday\"",
            ),
            (
                "timezone = \"Asia/Saigon2\"",
                "line 1, column 12: unknown time zone \"Asia/Saigon2\"",
            ),
            (
                "holidays = [\"2024-02-30\"]",
                "invalid date \"2024-02-30\": expected YYYY-MM-DD",
            ),
            ("holidays = [\"8/2/2024\"]", "invalid date \"8/2/2024\""),
            (
                "holidays = [{ from = \"2024-02-14\", to = \"2024-02-08\" }]",
                "the range of days 2024-02-14 to 2024-02-08 ends before it starts",
            ),
            (
                "holidays = [{ day = \"2024-02-14\" }]",
                "unknown field `day`",
            ),
            (
                "holidays = [\"2024-05-04\"]\nworking_days = [\"2024-05-04\"]",
                "line 2, column 17: 2024-05-04 is listed both as a day off",
            ),
            (
                "working_days = [\"2024-05-06\"]",
                "line 1, column 17: 2024-05-06 is a monday, already a working day",
            ),
            (
                "weekend = [\"monday\",\"tuesday\",\"wednesday\",\"thursday\",\"friday\",\"saturday\",\"sunday\"]",
                "line 1, column 12: the week has no working time",
            ),
            (
                "[weekdays]\nsaturday = [\"07:30-11:30\"]",
                "line 2, column 1: saturday is listed in `weekend`",
            ),
            (
                "[units.\"bad code\"]\nsessions = [\"07:30-11:30\"]",
                "line 1, column 8: invalid unit code \"bad code\"",
            ),
            ("sessions = \"07:30-11:30\"", "invalid type: string"),
            (
                "[units.\"H29\"]\ntimezone = \"Asia/Bangkok\"",
                "line 2, column 12: a unit variant cannot set `timezone`",
            ),
        ];
        for (src, expected) in cases {
            let msg = load_err(src);
            assert!(
                msg.contains(expected),
                "{src:?}\n  gave: {msg}\n  want: {expected}"
            );
            assert!(!msg.contains('\n'), "one line only: {msg:?}");
        }
    }

    #[test]
    fn the_official_calendar_matches_the_announced_days() {
        let set = CalendarSet::official_vietnam();
        let cal = set.base();
        assert_eq!(cal.time_zone_name(), "Asia/Ho_Chi_Minh");
        // Every weekday day off announced for 2024–2026 (calendars.md).
        let off = [
            (2024, 1, 1),
            (2024, 2, 8),
            (2024, 2, 9),
            (2024, 2, 12),
            (2024, 2, 13),
            (2024, 2, 14),
            (2024, 4, 18),
            (2024, 4, 29),
            (2024, 4, 30),
            (2024, 5, 1),
            (2024, 9, 2),
            (2024, 9, 3),
            (2025, 1, 1),
            (2025, 1, 27),
            (2025, 1, 28),
            (2025, 1, 29),
            (2025, 1, 30),
            (2025, 1, 31),
            (2025, 4, 7),
            (2025, 4, 30),
            (2025, 5, 1),
            (2025, 5, 2),
            (2025, 9, 1),
            (2025, 9, 2),
            (2026, 1, 1),
            (2026, 1, 2),
            (2026, 2, 16),
            (2026, 2, 17),
            (2026, 2, 18),
            (2026, 2, 19),
            (2026, 2, 20),
            (2026, 4, 27),
            (2026, 4, 30),
            (2026, 5, 1),
            (2026, 8, 31),
            (2026, 9, 1),
            (2026, 9, 2),
        ];
        for (y, m, d) in off {
            assert!(
                cal.sessions_on(date(y, m, d)).is_empty(),
                "{y}-{m}-{d} should be off"
            );
        }
        for (y, m, d) in [(2024, 5, 4), (2025, 4, 26), (2026, 1, 10), (2026, 8, 22)] {
            assert_eq!(
                cal.sessions_on(date(y, m, d)).len(),
                2,
                "{y}-{m}-{d} is làm bù"
            );
        }
        // Only those: count the weekdays off per year.
        for (year, count) in [(2024, 12), (2025, 12), (2026, 13)] {
            let weekdays_off = cal
                .holidays()
                .keys()
                .filter(|d| d.year() == year && cal.weekday_sessions(d.weekday()).len() == 2)
                .count();
            assert_eq!(weekdays_off, count, "{year}");
        }
        assert_eq!(cal.listed_years(), Some((2024, 2026)));
    }
}
