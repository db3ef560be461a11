//! The working-time calendar (lịch làm việc) and deadline arithmetic.
//!
//! A calendar says, for every date, which sessions of the day are working time: the weekly
//! pattern (by default 07:30–11:30 and 13:00–17:00, Monday to Friday), public holidays and
//! swapped days off (ngày nghỉ), and compensatory working days (làm bù), in one time zone
//! (Asia/Ho_Chi_Minh by default). It is data, loaded from a documented TOML file
//! ([`CalendarSet::from_toml`]); the official calendars for 2024–2026 ship with motcua.
//!
//! Deadline arithmetic lives in [`WorkingCalendar::due`] and friends (module `clock`).

mod clock;
mod file;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::ids::{InvalidId, UnitCode};

pub use clock::{
    DeadlineError, Entry, Explanation, Interval, InvalidInterval, Pauses, format_duration,
};
pub use file::{CalendarFileError, OFFICIAL_VN_CALENDAR};

/// The time zone of every Vietnamese one-stop desk.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Ho_Chi_Minh";

/// A calendar that cannot be built as described.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The calendar file is not valid TOML or has a field of the wrong type.
    #[error("{0}")]
    Syntax(String),
    /// A session is not of the form `HH:MM-HH:MM` with start before end.
    #[error("invalid session {text:?}: {reason}")]
    InvalidSession {
        /// The text given.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two sessions of the same day overlap.
    #[error("sessions {first} and {second} overlap")]
    OverlappingSessions {
        /// The earlier session.
        first: Session,
        /// The session that starts before the earlier one ends.
        second: Session,
    },
    /// A working day was given no session.
    #[error("no sessions: a working day needs at least one session, e.g. \"07:30-11:30\"")]
    NoSessions,
    /// A weekday name that is not English `monday` … `sunday`.
    #[error(
        "unknown weekday {0:?}: expected monday, tuesday, wednesday, thursday, friday, saturday or sunday"
    )]
    UnknownWeekday(String),
    /// A weekday is both a weekly day off and given its own sessions.
    #[error("{0} is listed in `weekend` but also given sessions in `weekdays`")]
    WeekendWithSessions(WeekdayName),
    /// A time zone name not in the bundled IANA database.
    #[error("unknown time zone {0:?}: expected an IANA name such as \"Asia/Ho_Chi_Minh\"")]
    UnknownTimeZone(String),
    /// A date that is not a valid `YYYY-MM-DD`.
    #[error("invalid date {0:?}: expected YYYY-MM-DD")]
    InvalidDate(String),
    /// A range of days whose end is before its start.
    #[error("the range of days {from} to {to} ends before it starts")]
    ReversedRange {
        /// First day of the range.
        from: Date,
        /// Last day of the range.
        to: Date,
    },
    /// A date listed both as a day off and as a compensatory working day.
    #[error(
        "{0} is listed both as a day off (holidays) and as a compensatory working day (working_days)"
    )]
    HolidayAndWorkingDay(Date),
    /// A compensatory working day that is a normal working day anyway (most likely a typo).
    #[error(
        "{date} is a {weekday}, already a working day: working_days lists only days that would otherwise be off"
    )]
    NotADayOff {
        /// The date listed.
        date: Date,
        /// Its weekday.
        weekday: WeekdayName,
    },
    /// The weekly pattern has no working time at all.
    #[error("the week has no working time: every day is a weekend day or has no sessions")]
    NoWorkingTime,
    /// A per-unit variant sets a key only the whole file may set.
    #[error(
        "a unit variant cannot set `{0}`: only sessions, weekend, weekdays, holidays and working_days"
    )]
    NotInUnitVariant(&'static str),
    /// A per-unit override names an invalid unit code.
    #[error(transparent)]
    InvalidUnitCode(#[from] InvalidId),
}

/// An instant with the time zone it is shown in; displays as RFC 3339 with the offset,
/// e.g. `2024-03-05T08:00:00+07:00`. Used in messages meant for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalInstant(jiff::ZonedDateTime);

impl LocalInstant {
    /// The instant.
    pub fn timestamp(&self) -> Timestamp {
        self.0.timestamp()
    }
}

impl fmt::Display for LocalInstant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.strftime("%Y-%m-%dT%H:%M:%S%:z"))
    }
}

/// A weekday, displayed by its lower-case English name as used in calendar files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeekdayName(pub Weekday);

const WEEKDAY_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

impl WeekdayName {
    /// The lower-case English name, e.g. `saturday`.
    pub fn as_str(self) -> &'static str {
        WEEKDAY_NAMES[weekday_index(self.0)]
    }
}

impl fmt::Display for WeekdayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WeekdayName {
    type Err = CalendarError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        WEEKDAY_NAMES
            .iter()
            .position(|n| *n == lower)
            .map(|i| WeekdayName(weekday_from_index(i)))
            .ok_or_else(|| CalendarError::UnknownWeekday(s.to_owned()))
    }
}

fn weekday_index(w: Weekday) -> usize {
    usize::try_from(w.to_monday_zero_offset()).expect("0..=6")
}

fn weekday_from_index(i: usize) -> Weekday {
    let offset = i8::try_from(i).expect("0..=6");
    Weekday::from_monday_zero_offset(offset).expect("0..=6")
}

/// Minutes in a day; a session may end at 24:00.
const DAY_MINUTES: u16 = 24 * 60;

/// One working session of a day, `[start, end)`, e.g. 07:30–11:30, to the minute. A session
/// may end at 24:00 (the next day's midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Session {
    start: u16,
    end: u16,
}

impl Session {
    /// Builds a session from minutes after midnight: `start < end <= 1440`.
    ///
    /// ```
    /// use motcua_domain::calendar::Session;
    /// let s = Session::new(7 * 60 + 30, 11 * 60 + 30).unwrap();
    /// assert_eq!(s.to_string(), "07:30-11:30");
    /// assert_eq!(Session::new(18 * 60, 24 * 60).unwrap().to_string(), "18:00-24:00");
    /// ```
    pub fn new(start_minute: u16, end_minute: u16) -> Result<Self, CalendarError> {
        if start_minute >= end_minute || end_minute > DAY_MINUTES {
            return Err(CalendarError::InvalidSession {
                text: format!("{}-{}", hhmm(start_minute), hhmm(end_minute)),
                reason: "the session must start before it ends, within the day",
            });
        }
        Ok(Self {
            start: start_minute,
            end: end_minute,
        })
    }

    /// When the session starts, in minutes after midnight.
    pub fn start_minute(self) -> u16 {
        self.start
    }

    /// When the session ends (exclusive), in minutes after midnight; 1440 is 24:00.
    pub fn end_minute(self) -> u16 {
        self.end
    }

    /// The session's length.
    pub fn duration(self) -> SignedDuration {
        SignedDuration::from_mins(i64::from(self.end - self.start))
    }

    /// Whether a time of day, in seconds after midnight, is inside `[start, end)`.
    pub fn contains(self, second_of_day: i32) -> bool {
        i32::from(self.start) * 60 <= second_of_day && second_of_day < i32::from(self.end) * 60
    }
}

fn hhmm(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

impl fmt::Display for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", hhmm(self.start), hhmm(self.end))
    }
}

impl FromStr for Session {
    type Err = CalendarError;
    /// Parses `HH:MM-HH:MM`; `24:00` is accepted as the end of the day.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const FORM: &str = "expected HH:MM-HH:MM, e.g. 07:30-11:30";
        let bad = |reason| CalendarError::InvalidSession {
            text: s.to_owned(),
            reason,
        };
        let (a, b) = s.split_once('-').ok_or_else(|| bad(FORM))?;
        let start = parse_hhmm(a.trim()).ok_or_else(|| bad(FORM))?;
        let end = parse_hhmm(b.trim()).ok_or_else(|| bad(FORM))?;
        if start >= end || start == DAY_MINUTES {
            return Err(bad("the session must start before it ends"));
        }
        Ok(Self { start, end })
    }
}

/// `HH:MM` with two ASCII digits each, 00:00 to 24:00, in minutes after midnight.
fn parse_hhmm(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    let two_digits = |p: &str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(h) || !two_digits(m) {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    let minute = h * 60 + m;
    (m < 60 && minute <= DAY_MINUTES).then_some(minute)
}

/// Sorts sessions and refuses overlaps and empty lists.
fn normalise_sessions(mut sessions: Vec<Session>) -> Result<Vec<Session>, CalendarError> {
    if sessions.is_empty() {
        return Err(CalendarError::NoSessions);
    }
    sessions.sort();
    for pair in sessions.windows(2) {
        if pair[1].start < pair[0].end {
            return Err(CalendarError::OverlappingSessions {
                first: pair[0],
                second: pair[1],
            });
        }
    }
    Ok(sessions)
}

/// What kind of day a date is, as used in explanations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayKind {
    /// A normal working day of the weekly pattern.
    Working,
    /// A weekly day off (Saturday, Sunday by default).
    Weekend,
    /// A public holiday or a swapped day off (ngày nghỉ lễ, nghỉ bù), with its name if given.
    Holiday(Option<String>),
    /// A compensatory working day (làm bù), with its name if given.
    Compensatory(Option<String>),
}

impl DayKind {
    /// Whether the day has working time.
    pub fn is_working(&self) -> bool {
        matches!(self, DayKind::Working | DayKind::Compensatory(_))
    }
}

impl fmt::Display for DayKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let named = |f: &mut fmt::Formatter<'_>, what: &str, name: &Option<String>| match name {
            Some(n) => write!(f, "{what} ({n})"),
            None => f.write_str(what),
        };
        match self {
            DayKind::Working => f.write_str("working day"),
            DayKind::Weekend => f.write_str("weekend"),
            DayKind::Holiday(n) => named(f, "day off", n),
            DayKind::Compensatory(n) => named(f, "compensatory working day", n),
        }
    }
}

/// A working-time calendar: weekly sessions, days off and compensatory working days in one
/// time zone. Build one with [`WorkingCalendar::builder`] or load a file with
/// [`CalendarSet::from_toml`].
///
/// ```
/// use motcua_domain::calendar::WorkingCalendar;
/// let cal = WorkingCalendar::builder().build().unwrap();
/// assert_eq!(cal.day_length().as_hours(), 8);
/// ```
#[derive(Debug, Clone)]
pub struct WorkingCalendar {
    name: Option<String>,
    time_zone: TimeZone,
    time_zone_name: String,
    standard: Vec<Session>,
    week: [Vec<Session>; 7],
    holidays: BTreeMap<Date, Option<String>>,
    working_days: BTreeMap<Date, Option<String>>,
    day_length: SignedDuration,
}

impl WorkingCalendar {
    /// A builder with the defaults: Asia/Ho_Chi_Minh, 07:30–11:30 and 13:00–17:00 on Monday
    /// to Friday, no holidays.
    pub fn builder() -> CalendarBuilder {
        CalendarBuilder::default()
    }

    /// The calendar's name, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The time zone all civil times are in.
    pub fn time_zone(&self) -> &TimeZone {
        &self.time_zone
    }

    /// The IANA name of the time zone.
    pub fn time_zone_name(&self) -> &str {
        &self.time_zone_name
    }

    /// The sessions of a standard working day (also used on compensatory working days).
    pub fn standard_sessions(&self) -> &[Session] {
        &self.standard
    }

    /// The length of a working day: the total of the standard sessions (8 hours by default).
    pub fn day_length(&self) -> SignedDuration {
        self.day_length
    }

    /// The sessions of a weekday in the weekly pattern (empty on a weekly day off).
    pub fn weekday_sessions(&self, weekday: Weekday) -> &[Session] {
        &self.week[weekday_index(weekday)]
    }

    /// The listed days off, with their names.
    pub fn holidays(&self) -> &BTreeMap<Date, Option<String>> {
        &self.holidays
    }

    /// The listed compensatory working days, with their names.
    pub fn working_days(&self) -> &BTreeMap<Date, Option<String>> {
        &self.working_days
    }

    /// What kind of day `date` is.
    pub fn day_kind(&self, date: Date) -> DayKind {
        if let Some(name) = self.holidays.get(&date) {
            DayKind::Holiday(name.clone())
        } else if let Some(name) = self.working_days.get(&date) {
            DayKind::Compensatory(name.clone())
        } else if self.week[weekday_index(date.weekday())].is_empty() {
            DayKind::Weekend
        } else {
            DayKind::Working
        }
    }

    /// The working sessions of `date` (empty on a day off).
    pub fn sessions_on(&self, date: Date) -> &[Session] {
        if self.holidays.contains_key(&date) {
            &[]
        } else if self.working_days.contains_key(&date) {
            &self.standard
        } else {
            &self.week[weekday_index(date.weekday())]
        }
    }

    /// The first and last years for which the calendar lists any day off or compensatory
    /// working day: outside them, only the weekly pattern is known.
    pub fn listed_years(&self) -> Option<(i16, i16)> {
        let first = [self.holidays.keys().next(), self.working_days.keys().next()]
            .into_iter()
            .flatten()
            .min()?;
        let last = [
            self.holidays.keys().next_back(),
            self.working_days.keys().next_back(),
        ]
        .into_iter()
        .flatten()
        .max()?;
        Some((first.year(), last.year()))
    }

    /// Formats an instant in the calendar's zone as RFC 3339 with its offset, e.g.
    /// `2024-02-19T16:10:00+07:00`.
    pub fn format_instant(&self, t: Timestamp) -> String {
        clock::rfc3339(t, &self.time_zone)
    }

    /// The instant in this calendar's zone, for messages.
    pub fn local(&self, t: Timestamp) -> LocalInstant {
        LocalInstant(t.to_zoned_datetime(self.time_zone.clone()))
    }
}

/// Builds a [`WorkingCalendar`]; global checks happen in [`CalendarBuilder::build`].
#[derive(Debug, Clone)]
pub struct CalendarBuilder {
    name: Option<String>,
    time_zone_name: String,
    standard: Vec<Session>,
    weekend: Vec<Weekday>,
    weekday_sessions: BTreeMap<usize, Vec<Session>>,
    holidays: BTreeMap<Date, Option<String>>,
    working_days: BTreeMap<Date, Option<String>>,
}

impl Default for CalendarBuilder {
    fn default() -> Self {
        let s = |a: &str| a.parse::<Session>().expect("valid constant session");
        Self {
            name: None,
            time_zone_name: DEFAULT_TIME_ZONE.to_owned(),
            standard: vec![s("07:30-11:30"), s("13:00-17:00")],
            weekend: vec![Weekday::Saturday, Weekday::Sunday],
            weekday_sessions: BTreeMap::new(),
            holidays: BTreeMap::new(),
            working_days: BTreeMap::new(),
        }
    }
}

impl CalendarBuilder {
    /// Names the calendar.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the IANA time zone (checked in [`CalendarBuilder::build`]).
    #[must_use]
    pub fn time_zone(mut self, name: impl Into<String>) -> Self {
        self.time_zone_name = name.into();
        self
    }

    /// Sets the sessions of every working day.
    #[must_use]
    pub fn sessions(mut self, sessions: Vec<Session>) -> Self {
        self.standard = sessions;
        self
    }

    /// Sets the weekly days off.
    #[must_use]
    pub fn weekend(mut self, days: impl IntoIterator<Item = Weekday>) -> Self {
        self.weekend = days.into_iter().collect();
        self
    }

    /// Gives one weekday its own sessions (an empty list makes it a day off).
    #[must_use]
    pub fn weekday_sessions(mut self, weekday: Weekday, sessions: Vec<Session>) -> Self {
        self.weekday_sessions
            .insert(weekday_index(weekday), sessions);
        self
    }

    /// Adds a day off (holiday or swapped day off). A later name replaces an earlier one.
    #[must_use]
    pub fn holiday(mut self, date: Date, name: Option<String>) -> Self {
        self.holidays.insert(date, name);
        self
    }

    /// Adds a compensatory working day (làm bù), worked with the standard sessions.
    #[must_use]
    pub fn working_day(mut self, date: Date, name: Option<String>) -> Self {
        self.working_days.insert(date, name);
        self
    }

    /// Checks the whole description and builds the calendar.
    pub fn build(self) -> Result<WorkingCalendar, CalendarError> {
        let time_zone = TimeZone::get(&self.time_zone_name)
            .map_err(|_| CalendarError::UnknownTimeZone(self.time_zone_name.clone()))?;
        let standard = normalise_sessions(self.standard)?;
        let mut week: [Vec<Session>; 7] = Default::default();
        for (i, day) in week.iter_mut().enumerate() {
            let weekday = weekday_from_index(i);
            let off = self.weekend.contains(&weekday);
            match self.weekday_sessions.get(&i) {
                Some(own) if own.is_empty() => {}
                Some(_) if off => {
                    return Err(CalendarError::WeekendWithSessions(WeekdayName(weekday)));
                }
                Some(own) => *day = normalise_sessions(own.clone())?,
                None if off => {}
                None => day.clone_from(&standard),
            }
        }
        if week.iter().all(Vec::is_empty) {
            return Err(CalendarError::NoWorkingTime);
        }
        for date in self.working_days.keys() {
            if self.holidays.contains_key(date) {
                return Err(CalendarError::HolidayAndWorkingDay(*date));
            }
            if !week[weekday_index(date.weekday())].is_empty() {
                return Err(CalendarError::NotADayOff {
                    date: *date,
                    weekday: WeekdayName(date.weekday()),
                });
            }
        }
        let day_length = standard.iter().map(|s| s.duration()).sum();
        Ok(WorkingCalendar {
            name: self.name,
            time_zone,
            time_zone_name: self.time_zone_name,
            standard,
            week,
            holidays: self.holidays,
            working_days: self.working_days,
            day_length,
        })
    }
}

/// A calendar with optional per-unit variants (a unit with other office hours or local days
/// off), as loaded from one calendar file.
#[derive(Debug, Clone)]
pub struct CalendarSet {
    base: WorkingCalendar,
    units: BTreeMap<UnitCode, WorkingCalendar>,
}

impl CalendarSet {
    /// A set with only a base calendar.
    pub fn new(base: WorkingCalendar) -> Self {
        Self {
            base,
            units: BTreeMap::new(),
        }
    }

    /// Adds (or replaces) the calendar of one unit.
    #[must_use]
    pub fn with_unit(mut self, unit: UnitCode, calendar: WorkingCalendar) -> Self {
        self.units.insert(unit, calendar);
        self
    }

    /// The base calendar.
    pub fn base(&self) -> &WorkingCalendar {
        &self.base
    }

    /// The calendar that applies to a unit: its own variant if it has one, else the base.
    pub fn for_unit(&self, unit: Option<&UnitCode>) -> &WorkingCalendar {
        unit.and_then(|u| self.units.get(u)).unwrap_or(&self.base)
    }

    /// The units that have their own variant.
    pub fn unit_codes(&self) -> impl Iterator<Item = &UnitCode> {
        self.units.keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn sessions_parse_and_refuse_malformed_text() {
        let s: Session = "07:30-11:30".parse().unwrap();
        assert_eq!(s.duration(), SignedDuration::from_hours(4));
        assert_eq!(s.to_string(), "07:30-11:30");
        let evening: Session = "18:00-24:00".parse().unwrap();
        assert_eq!(evening.end_minute(), 1440);
        assert_eq!(evening.duration(), SignedDuration::from_hours(6));
        assert_eq!(evening.to_string(), "18:00-24:00");
        for bad in [
            "7:30-11:30",
            "07:30",
            "07:30-25:00",
            "11:30-07:30",
            "07:30-07:30",
            "ab:cd-ef:gh",
            "+7:30-11:30",
            "07:+5-11:30",
            "07:60-11:30",
            "24:00-24:00",
            "24:01-24:02",
        ] {
            assert!(bad.parse::<Session>().is_err(), "{bad}");
        }
        assert_eq!(
            "11:30-07:30".parse::<Session>().unwrap_err().to_string(),
            "invalid session \"11:30-07:30\": the session must start before it ends"
        );
    }

    #[test]
    fn overlapping_sessions_are_refused() {
        let s = |a: &str| a.parse::<Session>().unwrap();
        let err = WorkingCalendar::builder()
            .sessions(vec![s("13:00-17:00"), s("07:30-13:30")])
            .build()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "sessions 07:30-13:30 and 13:00-17:00 overlap"
        );
        // Touching sessions are fine.
        assert!(
            WorkingCalendar::builder()
                .sessions(vec![s("07:30-11:30"), s("11:30-17:00")])
                .build()
                .is_ok()
        );
    }

    #[test]
    fn day_kinds_follow_holidays_and_compensatory_days() {
        let cal = WorkingCalendar::builder()
            .holiday(date(2024, 2, 8), Some("Tết".into()))
            .working_day(date(2024, 5, 4), None)
            .build()
            .unwrap();
        assert_eq!(cal.day_kind(date(2024, 2, 7)), DayKind::Working);
        assert_eq!(
            cal.day_kind(date(2024, 2, 8)),
            DayKind::Holiday(Some("Tết".into()))
        );
        assert_eq!(cal.day_kind(date(2024, 2, 10)), DayKind::Weekend);
        assert_eq!(cal.day_kind(date(2024, 5, 4)), DayKind::Compensatory(None));
        assert_eq!(cal.sessions_on(date(2024, 5, 4)).len(), 2);
        assert!(cal.sessions_on(date(2024, 2, 8)).is_empty());
        assert_eq!(cal.listed_years(), Some((2024, 2024)));
    }

    #[test]
    fn contradictory_days_are_refused() {
        let err = WorkingCalendar::builder()
            .holiday(date(2024, 5, 4), None)
            .working_day(date(2024, 5, 4), None)
            .build()
            .unwrap_err();
        assert!(matches!(err, CalendarError::HolidayAndWorkingDay(_)));
        let err = WorkingCalendar::builder()
            .working_day(date(2024, 5, 6), None)
            .build()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "2024-05-06 is a monday, already a working day: working_days lists only days that would otherwise be off"
        );
    }

    #[test]
    fn a_week_without_working_time_is_refused() {
        let err = WorkingCalendar::builder()
            .weekend([
                Weekday::Monday,
                Weekday::Tuesday,
                Weekday::Wednesday,
                Weekday::Thursday,
                Weekday::Friday,
                Weekday::Saturday,
                Weekday::Sunday,
            ])
            .build()
            .unwrap_err();
        assert_eq!(err, CalendarError::NoWorkingTime);
        let err = WorkingCalendar::builder()
            .time_zone("Mars/Olympus")
            .build()
            .unwrap_err();
        assert!(matches!(err, CalendarError::UnknownTimeZone(_)));
    }

    #[test]
    fn per_weekday_sessions_override_the_standard_day() {
        let s = |a: &str| a.parse::<Session>().unwrap();
        let cal = WorkingCalendar::builder()
            .weekend([Weekday::Sunday])
            .weekday_sessions(Weekday::Saturday, vec![s("07:30-11:30")])
            .weekday_sessions(Weekday::Friday, vec![])
            .build()
            .unwrap();
        assert_eq!(cal.weekday_sessions(Weekday::Saturday), &[s("07:30-11:30")]);
        assert!(cal.weekday_sessions(Weekday::Friday).is_empty());
        assert_eq!(cal.day_length(), SignedDuration::from_hours(8));
        let err = WorkingCalendar::builder()
            .weekday_sessions(Weekday::Saturday, vec![s("07:30-11:30")])
            .build()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "saturday is listed in `weekend` but also given sessions in `weekdays`"
        );
    }
}
