//! Deadline arithmetic: adding a time limit to an instant, measuring working time between
//! two instants, and explaining both.
//!
//! Rules (documented for users in `docs/calendar.md`):
//! - Working time is the union of the calendar's sessions, each `[start, end)`.
//! - An instant outside working time starts counting at the next session.
//! - Pauses (supplement, financial obligation, waiting for another agency) remove the time
//!   they cover from what is counted.
//! - Working hours and working days are counted in working time; a working day is the
//!   length of the standard working day. When the limit runs out exactly at the end of a
//!   session, the due instant is that session's end, not the next session's start.
//! - Calendar days and months are counted on the wall clock (civil arithmetic in the
//!   calendar's zone, months clamped to the end of a shorter month). Paused time is added
//!   back in whole days, rounded up, so the deadline keeps its time of day; a due instant
//!   that lands on a day off moves to the same time on the next working day. (Crediting
//!   pauses to the minute would let a longer pause move a deadline earlier: Saturday 04:27
//!   and Sunday 00:00 both move to Monday, at 04:27 and 00:00.)

use std::fmt;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};

use super::{DayKind, WorkingCalendar};
use crate::time_limit::{TimeLimit, TimeUnit};

/// How many days in a row may have no working time before a computation gives up. Real
/// calendars never come close (Tết is nine days); this only bounds a broken calendar.
const MAX_DAYS_OFF_IN_A_ROW: u32 = 3_660;

/// How far past its start (or its last pause) a computation may walk. The longest limit
/// accepted is about fifty years of working days; only a calendar with almost no working
/// time gets here.
const HORIZON_YEARS: i16 = 100;

/// A computation that cannot produce an instant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    /// The result would fall outside the dates the arithmetic supports (years -9999..9999).
    #[error("the deadline falls outside the supported range of dates")]
    OutOfRange,
    /// Counting would run more than a century past the start and the pauses: the calendar
    /// has almost no working time.
    #[error(
        "the deadline would fall more than {HORIZON_YEARS} years after {from}: the calendar has too little working time"
    )]
    BeyondHorizon {
        /// The start of the computation (or the end of its last pause).
        from: Date,
    },
    /// The calendar has no working time for an implausibly long stretch.
    #[error("the calendar has no working time for {days} days in a row from {from}")]
    NoWorkingTime {
        /// First day of the stretch.
        from: Date,
        /// Its length in days.
        days: u32,
    },
}

fn out_of_range<E>(_: E) -> DeadlineError {
    DeadlineError::OutOfRange
}

/// An interval of time `[from, to)`, e.g. a pause of the clock (tạm dừng tính thời gian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    from: Timestamp,
    to: Timestamp,
}

/// An interval whose end is before its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the interval ends ({to}) before it starts ({from})")]
pub struct InvalidInterval {
    /// The start given.
    pub from: Timestamp,
    /// The end given.
    pub to: Timestamp,
}

impl Interval {
    /// Builds `[from, to)`; `from == to` is an empty interval.
    pub fn new(from: Timestamp, to: Timestamp) -> Result<Self, InvalidInterval> {
        if to < from {
            return Err(InvalidInterval { from, to });
        }
        Ok(Self { from, to })
    }

    /// Start (inclusive).
    pub fn from(self) -> Timestamp {
        self.from
    }

    /// End (exclusive).
    pub fn to(self) -> Timestamp {
        self.to
    }

    /// Length on the wall clock.
    pub fn duration(self) -> SignedDuration {
        self.to.duration_since(self.from)
    }
}

/// A set of pauses, kept sorted and merged so that overlapping pauses never count twice.
///
/// ```
/// use motcua_domain::calendar::{Interval, Pauses};
/// let t = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
/// let pauses = Pauses::new([
///     Interval::new(t("2024-03-01T09:00:00+07:00"), t("2024-03-01T11:00:00+07:00")).unwrap(),
///     Interval::new(t("2024-03-01T10:00:00+07:00"), t("2024-03-01T12:00:00+07:00")).unwrap(),
/// ]);
/// assert_eq!(pauses.intervals().len(), 1);
/// assert_eq!(pauses.total().as_hours(), 3);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pauses {
    spans: Vec<Interval>,
}

impl Pauses {
    /// Sorts and merges the given intervals; empty ones are dropped.
    pub fn new(intervals: impl IntoIterator<Item = Interval>) -> Self {
        let mut all: Vec<Interval> = intervals.into_iter().filter(|i| i.from < i.to).collect();
        all.sort();
        let mut spans: Vec<Interval> = Vec::with_capacity(all.len());
        for i in all {
            match spans.last_mut() {
                Some(last) if i.from <= last.to => last.to = last.to.max(i.to),
                _ => spans.push(i),
            }
        }
        Self { spans }
    }

    /// The merged intervals in order.
    pub fn intervals(&self) -> &[Interval] {
        &self.spans
    }

    /// Whether there is no pause at all.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The total paused wall-clock time.
    pub fn total(&self) -> SignedDuration {
        self.spans.iter().map(|i| i.duration()).sum()
    }
}

/// Walks forward through merged pauses; the index only ever advances, so splitting a run of
/// sessions by pauses is linear.
struct PauseCursor<'a> {
    spans: &'a [Interval],
    idx: usize,
}

impl<'a> PauseCursor<'a> {
    fn new(pauses: &'a Pauses) -> Self {
        Self {
            spans: &pauses.spans,
            idx: 0,
        }
    }

    /// From `cur` (before `end`), the next piece: `(paused, piece_end)`, `piece_end > cur`.
    fn next_piece(&mut self, cur: Timestamp, end: Timestamp) -> (bool, Timestamp) {
        while self.idx < self.spans.len() && self.spans[self.idx].to <= cur {
            self.idx += 1;
        }
        match self.spans.get(self.idx) {
            Some(p) if p.from <= cur => (true, p.to.min(end)),
            Some(p) => (false, p.from.min(end)),
            None => (false, end),
        }
    }
}

/// The paused time inside `[from, to)`.
fn overlap(pauses: &Pauses, from: Timestamp, to: Timestamp) -> SignedDuration {
    pauses
        .intervals()
        .iter()
        .map(|p| {
            let (a, b) = (p.from().max(from), p.to().min(to));
            if b > a {
                b.duration_since(a)
            } else {
                SignedDuration::ZERO
            }
        })
        .sum()
}

/// The total length of the pauses that begin (counting from `begin`) before `before`,
/// each counted whole, also beyond `before`: the clock stops when a pause begins.
fn paused_from_before(pauses: &Pauses, begin: Timestamp, before: Timestamp) -> SignedDuration {
    pauses
        .intervals()
        .iter()
        .map(|p| (p.from().max(begin), p.to()))
        .filter(|(from, to)| from < to && *from < before)
        .map(|(from, to)| to.duration_since(from))
        .sum()
}

/// A duration in whole days, rounded up (to the nanosecond: any paused instant counts).
fn whole_days_up(d: SignedDuration) -> i64 {
    const DAY: i128 = 86_400 * 1_000_000_000;
    let nanos = d.as_nanos().max(0);
    i64::try_from((nanos + DAY - 1) / DAY).unwrap_or(i64::MAX)
}

/// Receives the steps of a computation. The fast path uses `()`, which records nothing; the
/// explained path records everything. Both run the same walk, so they cannot disagree.
trait Trace {
    fn counted(&mut self, _from: Timestamp, _to: Timestamp) {}
    fn paused(&mut self, _from: Timestamp, _to: Timestamp) {}
    fn day_off(&mut self, _calendar: &WorkingCalendar, _date: Date) {}
    fn moved(&mut self, _from: Timestamp, _to: Timestamp) {}
    fn extended(&mut self, _days: u32, _paused: SignedDuration) {}
}

impl Trace for () {}

/// One line of an [`Explanation`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// Time that counted against the limit.
    Counted {
        /// Start of the counted piece.
        from: Timestamp,
        /// End of the counted piece.
        to: Timestamp,
    },
    /// Time inside a pause that did not count.
    Paused {
        /// Start of the paused piece.
        from: Timestamp,
        /// End of the paused piece.
        to: Timestamp,
    },
    /// A day without working time that was skipped.
    DayOff {
        /// The day.
        date: Date,
        /// Why it has no working time.
        kind: DayKind,
    },
    /// A calendar-time deadline extended by whole days for the time paused.
    Extended {
        /// Days added: the paused time rounded up to whole days.
        days: u32,
        /// The paused time before the deadline, as measured.
        paused: SignedDuration,
    },
    /// A calendar-time deadline that landed on a day off, moved to the next working day.
    Moved {
        /// Where the deadline first landed.
        from: Timestamp,
        /// Where it was moved.
        to: Timestamp,
    },
}

/// How a due instant was computed: what counted, what was paused, which days were skipped
/// and why — for receipts and for disputes.
#[derive(Debug, Clone)]
pub struct Explanation {
    time_zone: TimeZone,
    sessions: String,
    /// The limit that was added.
    pub limit: TimeLimit,
    /// For working-time units, the working time the limit stands for.
    pub working_time: Option<SignedDuration>,
    /// The length of a working day in this calendar.
    pub day_length: SignedDuration,
    /// The instant the computation started from (e.g. the receipt).
    pub start: Timestamp,
    /// What happened, in time order.
    pub entries: Vec<Entry>,
    /// The result.
    pub due: Timestamp,
    /// Caveats, e.g. a year for which the calendar lists no days off.
    pub warnings: Vec<String>,
}

impl Trace for Explanation {
    fn counted(&mut self, from: Timestamp, to: Timestamp) {
        self.entries.push(Entry::Counted { from, to });
    }
    fn paused(&mut self, from: Timestamp, to: Timestamp) {
        self.entries.push(Entry::Paused { from, to });
    }
    fn day_off(&mut self, calendar: &WorkingCalendar, date: Date) {
        self.entries.push(Entry::DayOff {
            date,
            kind: calendar.day_kind(date),
        });
    }
    fn moved(&mut self, from: Timestamp, to: Timestamp) {
        self.entries.push(Entry::Moved { from, to });
    }
    fn extended(&mut self, days: u32, paused: SignedDuration) {
        self.entries.push(Entry::Extended { days, paused });
    }
}

impl Explanation {
    /// The working or wall-clock time counted in total.
    pub fn counted_total(&self) -> SignedDuration {
        self.entries
            .iter()
            .map(|e| match e {
                Entry::Counted { from, to } => to.duration_since(*from),
                _ => SignedDuration::ZERO,
            })
            .sum()
    }

    fn local(&self, t: Timestamp) -> DateTime {
        self.time_zone.to_datetime(t)
    }

    fn rfc3339(&self, t: Timestamp) -> String {
        rfc3339(t, &self.time_zone)
    }

    /// `2024-02-07 Wed`.
    fn day_label(date: Date) -> String {
        format!("{} {}", date, &format!("{:?}", date.weekday())[..3])
    }

    /// `16:10-17:00` within a day, or `2024-03-01 08:00 → 2024-03-11 08:00` across days.
    fn span_label(&self, from: Timestamp, to: Timestamp) -> String {
        let (a, b) = (self.local(from), self.local(to));
        let hm = |d: DateTime| format!("{:02}:{:02}", d.hour(), d.minute());
        if b.date() == a.date() {
            format!("{}-{}", hm(a), hm(b))
        } else if b.time() == Time::MIN && a.date().tomorrow().ok() == Some(b.date()) {
            format!("{}-24:00", hm(a))
        } else {
            format!("{} {} → {} {}", a.date(), hm(a), b.date(), hm(b))
        }
    }
}

/// Formats an instant as RFC 3339 with the zone's offset, to the second, e.g.
/// `2024-02-19T16:10:00+07:00`.
pub(crate) fn rfc3339(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned_datetime(tz.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Formats a duration as `24h00m` (or `-1h30m`), hours unbounded, seconds shown only when
/// present.
pub fn format_duration(d: SignedDuration) -> String {
    let sign = if d.is_negative() { "-" } else { "" };
    let secs = d.as_secs().unsigned_abs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if s == 0 {
        format!("{sign}{h}h{m:02}m")
    } else {
        format!("{sign}{h}h{m:02}m{s:02}s")
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "limit: {} ({})", self.limit, self.limit.vietnamese())?;
        match self.working_time {
            Some(w) => writeln!(
                f,
                " = {} of working time; a working day is {} ({})",
                format_duration(w),
                format_duration(self.day_length),
                self.sessions
            )?,
            None => writeln!(
                f,
                " on the wall clock; a deadline on a day off moves to the same time on the next working day"
            )?,
        }
        writeln!(f, "start: {}", self.rfc3339(self.start))?;
        let mut total = SignedDuration::ZERO;
        for entry in &self.entries {
            match entry {
                Entry::Counted { from, to } => {
                    let d = to.duration_since(*from);
                    total += d;
                    writeln!(
                        f,
                        "  {}  counted {} ({}; total {})",
                        Self::day_label(self.local(*from).date()),
                        self.span_label(*from, *to),
                        format_duration(d),
                        format_duration(total)
                    )?;
                }
                Entry::Paused { from, to } => writeln!(
                    f,
                    "  {}  paused  {} ({})",
                    Self::day_label(self.local(*from).date()),
                    self.span_label(*from, *to),
                    format_duration(to.duration_since(*from))
                )?,
                Entry::DayOff { date, kind } => {
                    writeln!(f, "  {}  skipped: {}", Self::day_label(*date), kind)?;
                }
                Entry::Extended { days, paused } => writeln!(
                    f,
                    "  extended by {days} day(s) for {} paused (whole days, rounded up)",
                    format_duration(*paused)
                )?,
                Entry::Moved { from, to } => writeln!(
                    f,
                    "  moved from {} (a day off) to {}",
                    self.rfc3339(*from),
                    self.rfc3339(*to)
                )?,
            }
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        write!(f, "due: {}", self.rfc3339(self.due))
    }
}

impl WorkingCalendar {
    /// The instant of a civil date and time in this calendar's zone.
    fn instant(&self, date: Date, time: Time) -> Result<Timestamp, DeadlineError> {
        self.time_zone
            .to_ambiguous_timestamp(date.to_datetime(time))
            .compatible()
            .map_err(out_of_range)
    }

    /// The instant `minute` minutes after the start of `date`; 1440 is the next midnight.
    fn instant_at_minute(&self, date: Date, minute: u16) -> Result<Timestamp, DeadlineError> {
        let (date, minute) = if minute >= 24 * 60 {
            (date.tomorrow().map_err(out_of_range)?, minute - 24 * 60)
        } else {
            (date, minute)
        };
        let (h, m) = (minute / 60, minute % 60);
        let time = Time::new(
            i8::try_from(h).expect("0..24"),
            i8::try_from(m).expect("0..60"),
            0,
            0,
        )
        .expect("a valid time of day");
        self.instant(date, time)
    }

    fn local_date(&self, t: Timestamp) -> Date {
        self.time_zone.to_datetime(t).date()
    }

    /// The working time a limit stands for, for working-time units (`None` for calendar
    /// days and months).
    pub fn working_time_of(&self, limit: TimeLimit) -> Option<SignedDuration> {
        let n = i32::try_from(limit.value()).expect("limits are bounded");
        match limit.unit() {
            TimeUnit::WorkingHours => Some(SignedDuration::from_hours(i64::from(n))),
            TimeUnit::WorkingDays => Some(self.day_length * n),
            TimeUnit::CalendarDays | TimeUnit::Months => None,
        }
    }

    /// Whether `t` is inside a working session (`[start, end)`).
    pub fn is_working_time(&self, t: Timestamp) -> bool {
        let local = self.time_zone.to_datetime(t);
        let second = i32::from(local.hour()) * 3600
            + i32::from(local.minute()) * 60
            + i32::from(local.second());
        self.sessions_on(local.date())
            .iter()
            .any(|s| s.contains(second))
    }

    /// The first instant at or after `t` that is working time.
    pub fn next_working_instant(&self, t: Timestamp) -> Result<Timestamp, DeadlineError> {
        self.walk_working(t, SignedDuration::ZERO, &Pauses::default(), &mut ())
    }

    /// The due instant of `limit` counted from `start`, with `pauses` removed.
    ///
    /// ```
    /// use motcua_domain::calendar::{Pauses, WorkingCalendar};
    /// use motcua_domain::TimeLimit;
    /// let cal = WorkingCalendar::builder().build().unwrap();
    /// let start = "2024-03-01T16:00:00+07:00".parse().unwrap(); // a Friday
    /// let due = cal.due(start, TimeLimit::working_hours(2), &Pauses::default()).unwrap();
    /// assert_eq!(cal.format_instant(due), "2024-03-04T08:30:00+07:00");
    /// ```
    pub fn due(
        &self,
        start: Timestamp,
        limit: TimeLimit,
        pauses: &Pauses,
    ) -> Result<Timestamp, DeadlineError> {
        self.due_traced(start, limit, pauses, &mut ())
    }

    /// Like [`WorkingCalendar::due`], with the full breakdown.
    pub fn explain(
        &self,
        start: Timestamp,
        limit: TimeLimit,
        pauses: &Pauses,
    ) -> Result<Explanation, DeadlineError> {
        let mut ex = Explanation {
            time_zone: self.time_zone.clone(),
            sessions: self
                .standard
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            limit,
            working_time: self.working_time_of(limit),
            day_length: self.day_length,
            start,
            entries: Vec::new(),
            due: start,
            warnings: Vec::new(),
        };
        ex.due = self.due_traced(start, limit, pauses, &mut ex)?;
        let (first, last) = (
            self.local_date(start).year(),
            self.local_date(ex.due).year(),
        );
        let listed = self.listed_years();
        for year in first..=last {
            if !listed.is_some_and(|(a, b)| (a..=b).contains(&year)) {
                ex.warnings.push(format!(
                    "the calendar lists no days off for {year}: only weekly days off were skipped that year"
                ));
            }
        }
        Ok(ex)
    }

    fn due_traced<T: Trace>(
        &self,
        start: Timestamp,
        limit: TimeLimit,
        pauses: &Pauses,
        trace: &mut T,
    ) -> Result<Timestamp, DeadlineError> {
        match self.working_time_of(limit) {
            Some(amount) => self.walk_working(start, amount, pauses, trace),
            None => self.walk_calendar(start, limit, pauses, trace),
        }
    }

    /// Adds `amount` of working time to `start`, skipping pauses.
    pub fn add_working_time(
        &self,
        start: Timestamp,
        amount: SignedDuration,
        pauses: &Pauses,
    ) -> Result<Timestamp, DeadlineError> {
        self.walk_working(start, amount.max(SignedDuration::ZERO), pauses, &mut ())
    }

    fn walk_working<T: Trace>(
        &self,
        start: Timestamp,
        amount: SignedDuration,
        pauses: &Pauses,
        trace: &mut T,
    ) -> Result<Timestamp, DeadlineError> {
        let mut remaining = amount;
        let mut cursor = PauseCursor::new(pauses);
        let mut date = self.local_date(start);
        // The horizon, as a count of days walked: a century past the start and the pauses.
        let paused_until = pauses
            .intervals()
            .last()
            .map_or(start, |p| p.to().max(start));
        let horizon_days =
            i64::from(HORIZON_YEARS) * 366 + paused_until.duration_since(start).as_hours() / 24;
        let mut walked = 0i64;
        let mut days_off = 0u32;
        let mut first_day_off = date;
        loop {
            let sessions = self.sessions_on(date);
            if sessions.is_empty() {
                if days_off == 0 {
                    first_day_off = date;
                }
                days_off += 1;
                if days_off > MAX_DAYS_OFF_IN_A_ROW {
                    return Err(DeadlineError::NoWorkingTime {
                        from: first_day_off,
                        days: days_off,
                    });
                }
                trace.day_off(self, date);
            } else {
                days_off = 0;
            }
            for session in sessions {
                let end = self.instant_at_minute(date, session.end_minute())?;
                let mut cur = self
                    .instant_at_minute(date, session.start_minute())?
                    .max(start);
                while cur < end {
                    let (paused, piece_end) = cursor.next_piece(cur, end);
                    if paused {
                        trace.paused(cur, piece_end);
                    } else {
                        let len = piece_end.duration_since(cur);
                        if remaining <= len {
                            let due = cur.checked_add(remaining).map_err(out_of_range)?;
                            if due > cur || amount.is_zero() {
                                trace.counted(cur, due);
                            }
                            return Ok(due);
                        }
                        remaining -= len;
                        trace.counted(cur, piece_end);
                    }
                    cur = piece_end;
                }
            }
            date = date.tomorrow().map_err(out_of_range)?;
            walked += 1;
            if walked > horizon_days {
                return Err(DeadlineError::BeyondHorizon {
                    from: self.local_date(paused_until),
                });
            }
        }
    }

    /// Calendar days and months: the appointment is `start + n` at the same time of day,
    /// moved off days off; each pause that begins before the appointment moves it later by
    /// its length, the total rounded up to whole days so it keeps its time of day; the result
    /// is moved off days off again. Which pauses begin before the appointment depends on the
    /// appointment, so the credit is iterated to its least fixed point (each round only adds
    /// days), which keeps the result monotonic in the pauses and in the limit.
    fn walk_calendar<T: Trace>(
        &self,
        start: Timestamp,
        limit: TimeLimit,
        pauses: &Pauses,
        trace: &mut T,
    ) -> Result<Timestamp, DeadlineError> {
        let begin = self.next_working_instant(start)?;
        let local = self.time_zone.to_datetime(begin);
        let n = i64::from(limit.value());
        let end_date = match limit.unit() {
            TimeUnit::CalendarDays => local.date().checked_add(n.days()),
            _ => local.date().checked_add(n.months()),
        }
        .map_err(out_of_range)?;
        let raw = self.instant(end_date, local.time())?;
        trace.counted(begin, raw);
        let appointment = self.move_off_days_off(raw, trace)?;
        let shifted = |days: i64| -> Result<Timestamp, DeadlineError> {
            let a = self.time_zone.to_datetime(appointment);
            let date = a.date().checked_add(days.days()).map_err(out_of_range)?;
            self.instant(date, a.time())
        };
        let mut days = 0i64;
        let mut due = appointment;
        loop {
            let credit = whole_days_up(paused_from_before(pauses, begin, due));
            if credit <= days {
                break;
            }
            days = credit;
            due = self.move_off_days_off(shifted(days)?, &mut ())?;
        }
        if days == 0 {
            return Ok(appointment);
        }
        for p in pauses.intervals() {
            let from = p.from().max(begin);
            if from < due && from < p.to() {
                trace.paused(from, p.to());
            }
        }
        trace.extended(
            u32::try_from(days).unwrap_or(u32::MAX),
            paused_from_before(pauses, begin, due),
        );
        self.move_off_days_off(shifted(days)?, trace)
    }

    /// Moves an instant on a day without working time to the same time on the next working
    /// day.
    fn move_off_days_off<T: Trace>(
        &self,
        landed: Timestamp,
        trace: &mut T,
    ) -> Result<Timestamp, DeadlineError> {
        let mut due = landed;
        let mut days_off = 0u32;
        loop {
            let local_due = self.time_zone.to_datetime(due);
            if !self.sessions_on(local_due.date()).is_empty() {
                break;
            }
            days_off += 1;
            if days_off > MAX_DAYS_OFF_IN_A_ROW {
                return Err(DeadlineError::NoWorkingTime {
                    from: self.local_date(landed),
                    days: days_off,
                });
            }
            trace.day_off(self, local_due.date());
            let next = local_due.date().tomorrow().map_err(out_of_range)?;
            due = self.instant(next, local_due.time())?;
        }
        if due != landed {
            trace.moved(landed, due);
        }
        Ok(due)
    }

    /// The working time between two instants, with pauses removed; negative when `to` is
    /// before `from`.
    pub fn working_time_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        pauses: &Pauses,
    ) -> Result<SignedDuration, DeadlineError> {
        if to < from {
            return Ok(-self.working_time_between(to, from, pauses)?);
        }
        let mut total = SignedDuration::ZERO;
        let mut cursor = PauseCursor::new(pauses);
        let mut date = self.local_date(from);
        while self.instant(date, Time::MIN)? < to {
            for session in self.sessions_on(date) {
                let session_start = self.instant_at_minute(date, session.start_minute())?;
                if session_start >= to {
                    return Ok(total);
                }
                let end = self.instant_at_minute(date, session.end_minute())?.min(to);
                let mut cur = session_start.max(from);
                while cur < end {
                    let (paused, piece_end) = cursor.next_piece(cur, end);
                    if !paused {
                        total += piece_end.duration_since(cur);
                    }
                    cur = piece_end;
                }
            }
            date = date.tomorrow().map_err(out_of_range)?;
        }
        Ok(total)
    }

    /// The time elapsed between two instants in the limit's own clock, negative when `to`
    /// is before `from`: working time without the pauses for working-time units; for
    /// calendar days and months, wall-clock time less the paused time as those limits credit
    /// it (whole days, rounded up), never below zero.
    pub fn elapsed(
        &self,
        from: Timestamp,
        to: Timestamp,
        unit: TimeUnit,
        pauses: &Pauses,
    ) -> Result<SignedDuration, DeadlineError> {
        if unit.is_working_time() {
            return self.working_time_between(from, to, pauses);
        }
        let (a, b, sign) = if to < from {
            (to, from, -1)
        } else {
            (from, to, 1)
        };
        let credit = SignedDuration::from_hours(24)
            * i32::try_from(whole_days_up(overlap(pauses, a, b))).unwrap_or(i32::MAX);
        Ok((b.duration_since(a) - credit).max(SignedDuration::ZERO) * sign)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Session;
    use jiff::civil::{Weekday, date};

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn tet_2024() -> WorkingCalendar {
        let mut b = WorkingCalendar::builder();
        for d in [8, 9, 12, 13, 14] {
            b = b.holiday(date(2024, 2, d), Some("Tết Nguyên đán".into()));
        }
        b.holiday(date(2024, 4, 29), None)
            .holiday(date(2024, 4, 30), None)
            .holiday(date(2024, 5, 1), None)
            .working_day(date(2024, 5, 4), Some("làm bù".into()))
            .build()
            .unwrap()
    }

    fn due_local(
        cal: &WorkingCalendar,
        start: Timestamp,
        limit: TimeLimit,
        pauses: &Pauses,
    ) -> String {
        cal.format_instant(cal.due(start, limit, pauses).unwrap())
    }

    fn pauses(list: &[(&str, &str)]) -> Pauses {
        Pauses::new(
            list.iter()
                .map(|(a, b)| Interval::new(ts(a), ts(b)).unwrap()),
        )
    }

    #[test]
    fn the_issue_example_skips_tet() {
        let cal = tet_2024();
        // 50 min on 7/2, then Tết 8–14/2, 8 h on 15/2 and 16/2, 7 h 10 min on 19/2.
        assert_eq!(
            due_local(
                &cal,
                ts("2024-02-07T16:10:00+07:00"),
                TimeLimit::working_days(3),
                &Pauses::default()
            ),
            "2024-02-19T16:10:00+07:00"
        );
    }

    #[test]
    fn a_limit_used_up_at_the_end_of_a_session_ends_there() {
        let cal = tet_2024();
        let start = ts("2024-03-04T07:30:00+07:00");
        assert_eq!(
            due_local(&cal, start, TimeLimit::working_hours(4), &Pauses::default()),
            "2024-03-04T11:30:00+07:00"
        );
        assert_eq!(
            due_local(&cal, start, TimeLimit::working_days(1), &Pauses::default()),
            "2024-03-04T17:00:00+07:00"
        );
    }

    #[test]
    fn an_instant_outside_working_time_starts_at_the_next_session() {
        let cal = tet_2024();
        let cases = [
            ("2024-03-04T06:00:00+07:00", "2024-03-04T08:30:00+07:00"), // before opening
            ("2024-03-04T12:00:00+07:00", "2024-03-04T14:00:00+07:00"), // lunch
            ("2024-03-04T11:30:00+07:00", "2024-03-04T14:00:00+07:00"), // exactly at the end
            ("2024-03-08T18:00:00+07:00", "2024-03-11T08:30:00+07:00"), // Friday evening
            ("2024-03-09T09:00:00+07:00", "2024-03-11T08:30:00+07:00"), // Saturday
        ];
        for (start, expected) in cases {
            let due = cal
                .due(ts(start), TimeLimit::working_hours(1), &Pauses::default())
                .unwrap();
            assert_eq!(cal.format_instant(due), expected, "from {start}");
        }
        let zero = cal.due(
            ts("2024-03-08T18:00:00+07:00"),
            TimeLimit::working_hours(0),
            &Pauses::default(),
        );
        assert_eq!(
            cal.format_instant(zero.unwrap()),
            "2024-03-11T07:30:00+07:00"
        );
    }

    #[test]
    fn compensatory_saturdays_count_and_swapped_days_do_not() {
        let cal = tet_2024();
        // Friday 26/4 16:00 + 2 working days: 1 h on 26/4, Sat 27 and Sun 28 off, 29/4–1/5 off,
        // 2/5 (Thu) 8 h, 3/5 (Fri) 7 h → 3/5 at 16:00.
        assert_eq!(
            due_local(
                &cal,
                ts("2024-04-26T16:00:00+07:00"),
                TimeLimit::working_days(2),
                &Pauses::default()
            ),
            "2024-05-03T16:00:00+07:00"
        );
        // Friday 3/5 16:00 + 2 working hours: 1 h on Friday, 1 h on the làm bù Saturday 4/5.
        assert_eq!(
            due_local(
                &cal,
                ts("2024-05-03T16:00:00+07:00"),
                TimeLimit::working_hours(2),
                &Pauses::default()
            ),
            "2024-05-04T08:30:00+07:00"
        );
    }

    #[test]
    fn pauses_remove_working_time() {
        let cal = tet_2024();
        let start = ts("2024-03-04T07:30:00+07:00");
        // A supplement pause from Monday 09:00 to Wednesday 09:00 removes 16 working hours.
        let p = pauses(&[("2024-03-04T09:00:00+07:00", "2024-03-06T09:00:00+07:00")]);
        // Without the pause: Monday 17:00; 16 h later in working time: Wednesday 17:00.
        assert_eq!(
            due_local(&cal, start, TimeLimit::working_days(1), &p),
            "2024-03-06T17:00:00+07:00"
        );
        let due = cal.due(start, TimeLimit::working_days(1), &p).unwrap();
        assert_eq!(
            cal.working_time_between(start, due, &p).unwrap(),
            SignedDuration::from_hours(8)
        );
        // A pause entirely outside working time changes nothing.
        let night = pauses(&[("2024-03-04T18:00:00+07:00", "2024-03-05T07:00:00+07:00")]);
        assert_eq!(
            cal.due(start, TimeLimit::working_days(2), &night).unwrap(),
            cal.due(start, TimeLimit::working_days(2), &Pauses::default())
                .unwrap()
        );
    }

    #[test]
    fn calendar_days_land_on_a_working_day_at_the_same_time() {
        let cal = tet_2024();
        // 2/2/2024 (Fri) 10:00 + 8 days = 10/2 (Sat, Tết) → moved to 15/2 (Thu) 10:00.
        let start = ts("2024-02-02T10:00:00+07:00");
        assert_eq!(
            due_local(&cal, start, TimeLimit::calendar_days(8), &Pauses::default()),
            "2024-02-15T10:00:00+07:00"
        );
        // Started on a Saturday: counting starts Monday 07:30.
        assert_eq!(
            due_local(
                &cal,
                ts("2024-03-02T10:00:00+07:00"),
                TimeLimit::calendar_days(3),
                &Pauses::default()
            ),
            "2024-03-07T07:30:00+07:00"
        );
        // A two-day pause adds two days.
        let p = pauses(&[("2024-03-05T10:00:00+07:00", "2024-03-07T10:00:00+07:00")]);
        assert_eq!(
            due_local(
                &cal,
                ts("2024-03-04T10:00:00+07:00"),
                TimeLimit::calendar_days(3),
                &p
            ),
            "2024-03-11T10:00:00+07:00"
        ); // 9/3 is a Saturday
    }

    #[test]
    fn calendar_days_credit_pauses_in_whole_days_rounded_up() {
        let cal = tet_2024();
        let start = ts("2024-03-04T10:00:00+07:00");
        // Without pause: Thursday 7/3 10:00. A 3-hour pause adds one whole day.
        let p = pauses(&[("2024-03-05T09:00:00+07:00", "2024-03-05T12:00:00+07:00")]);
        assert_eq!(
            due_local(&cal, start, TimeLimit::calendar_days(3), &p),
            "2024-03-08T10:00:00+07:00"
        );
        // 25 hours add two days; a pause after the deadline adds nothing.
        let p = pauses(&[("2024-03-05T09:00:00+07:00", "2024-03-06T10:00:00+07:00")]);
        assert_eq!(
            due_local(&cal, start, TimeLimit::calendar_days(3), &p),
            "2024-03-11T10:00:00+07:00"
        ); // Sat 9/3 → Mon 11/3
        let p = pauses(&[("2024-03-20T09:00:00+07:00", "2024-03-21T10:00:00+07:00")]);
        assert_eq!(
            due_local(&cal, start, TimeLimit::calendar_days(3), &p),
            "2024-03-07T10:00:00+07:00"
        );
        let ex = cal
            .explain(
                start,
                TimeLimit::calendar_days(3),
                &pauses(&[("2024-03-05T09:00:00+07:00", "2024-03-05T12:00:00+07:00")]),
            )
            .unwrap()
            .to_string();
        assert!(
            ex.contains("extended by 1 day(s) for 3h00m paused (whole days, rounded up)"),
            "{ex}"
        );
    }

    #[test]
    fn a_pause_during_the_days_off_extension_moves_the_appointment() {
        let cal = tet_2024();
        // Monday 4/3 10:00 + 5 days = Saturday 9/3 → appointment Monday 11/3 10:00. A
        // supplement requested Monday 08:00, received Wednesday 08:00, moves it two days.
        let start = ts("2024-03-04T10:00:00+07:00");
        let p = pauses(&[("2024-03-11T08:00:00+07:00", "2024-03-13T08:00:00+07:00")]);
        assert_eq!(
            due_local(&cal, start, TimeLimit::calendar_days(5), &p),
            "2024-03-13T10:00:00+07:00"
        );
        let text = cal
            .explain(start, TimeLimit::calendar_days(5), &p)
            .unwrap()
            .to_string();
        for line in [
            "  2024-03-09 Sat  skipped: weekend",
            "  moved from 2024-03-09T10:00:00+07:00 (a day off) to 2024-03-11T10:00:00+07:00",
            "  2024-03-11 Mon  paused  2024-03-11 08:00 → 2024-03-13 08:00 (48h00m)",
            "  extended by 2 day(s) for 48h00m paused (whole days, rounded up)",
            "due: 2024-03-13T10:00:00+07:00",
        ] {
            assert!(text.contains(line), "missing {line:?} in\n{text}");
        }
    }

    #[test]
    fn any_paused_instant_counts_for_calendar_days() {
        let cal = tet_2024();
        let start = ts("2024-03-04T10:00:00+07:00");
        let half_second = Pauses::new([Interval::new(
            ts("2024-03-05T09:00:00+07:00"),
            ts("2024-03-05T09:00:00.5+07:00"),
        )
        .unwrap()]);
        assert_eq!(
            due_local(&cal, start, TimeLimit::calendar_days(3), &half_second),
            "2024-03-08T10:00:00+07:00"
        );
    }

    #[test]
    fn a_calendar_with_almost_no_working_time_gives_up_at_the_horizon() {
        let one_minute = vec!["08:00-08:01".parse::<Session>().unwrap()];
        let mut b = WorkingCalendar::builder();
        for w in [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
        ] {
            b = b.weekday_sessions(w, one_minute.clone());
        }
        let cal = b.build().unwrap();
        let err = cal
            .due(
                ts("2024-03-04T10:00:00+07:00"),
                TimeLimit::working_days(12_500),
                &Pauses::default(),
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the deadline would fall more than 100 years after 2024-03-04: the calendar has too little working time"
        );
    }

    #[test]
    fn a_session_ending_at_midnight_ends_at_midnight() {
        let cal = WorkingCalendar::builder()
            .sessions(vec!["17:00-24:00".parse().unwrap()])
            .build()
            .unwrap();
        assert_eq!(cal.day_length(), SignedDuration::from_hours(7));
        assert_eq!(
            due_local(
                &cal,
                ts("2024-03-04T17:00:00+07:00"),
                TimeLimit::working_days(1),
                &Pauses::default()
            ),
            "2024-03-05T00:00:00+07:00"
        );
        let text = cal
            .explain(
                ts("2024-03-04T17:00:00+07:00"),
                TimeLimit::working_days(1),
                &Pauses::default(),
            )
            .unwrap()
            .to_string();
        assert!(
            text.contains("a working day is 7h00m (17:00-24:00)"),
            "{text}"
        );
        assert!(
            text.contains("counted 17:00-24:00 (7h00m; total 7h00m)"),
            "{text}"
        );
    }

    #[test]
    fn months_clamp_to_the_end_of_a_shorter_month() {
        let cal = tet_2024();
        assert_eq!(
            due_local(
                &cal,
                ts("2024-01-31T09:00:00+07:00"),
                TimeLimit::months(1),
                &Pauses::default()
            ),
            "2024-02-29T09:00:00+07:00"
        );
        // 30/3/2024 is a Saturday: counting starts Monday 1/4; + 1 month = 1/5 (holiday) → 2/5.
        assert_eq!(
            due_local(
                &cal,
                ts("2024-03-30T09:00:00+07:00"),
                TimeLimit::months(1),
                &Pauses::default()
            ),
            "2024-05-02T07:30:00+07:00"
        );
    }

    #[test]
    fn working_time_between_is_signed_and_skips_days_off() {
        let cal = tet_2024();
        let a = ts("2024-02-07T16:10:00+07:00");
        let b = ts("2024-02-15T08:30:00+07:00");
        let w = cal.working_time_between(a, b, &Pauses::default()).unwrap();
        assert_eq!(w, SignedDuration::from_mins(50 + 60));
        assert_eq!(
            cal.working_time_between(b, a, &Pauses::default()).unwrap(),
            -w
        );
    }

    #[test]
    fn elapsed_in_calendar_units_is_wall_clock_minus_pauses() {
        let cal = tet_2024();
        let p = pauses(&[("2024-03-05T00:00:00+07:00", "2024-03-06T00:00:00+07:00")]);
        let e = cal
            .elapsed(
                ts("2024-03-04T00:00:00+07:00"),
                ts("2024-03-08T00:00:00+07:00"),
                TimeUnit::CalendarDays,
                &p,
            )
            .unwrap();
        assert_eq!(e, SignedDuration::from_hours(72));
    }

    #[test]
    fn explanations_list_what_counted_and_what_was_skipped() {
        let cal = tet_2024();
        let ex = cal
            .explain(
                ts("2024-02-07T16:10:00+07:00"),
                TimeLimit::working_days(3),
                &Pauses::default(),
            )
            .unwrap();
        assert_eq!(ex.counted_total(), SignedDuration::from_hours(24));
        let text = ex.to_string();
        let expected = "\
limit: 3 working days (3 ngày làm việc) = 24h00m of working time; a working day is 8h00m (07:30-11:30, 13:00-17:00)
start: 2024-02-07T16:10:00+07:00
  2024-02-07 Wed  counted 16:10-17:00 (0h50m; total 0h50m)
  2024-02-08 Thu  skipped: day off (Tết Nguyên đán)
  2024-02-09 Fri  skipped: day off (Tết Nguyên đán)
  2024-02-10 Sat  skipped: weekend
  2024-02-11 Sun  skipped: weekend
  2024-02-12 Mon  skipped: day off (Tết Nguyên đán)
  2024-02-13 Tue  skipped: day off (Tết Nguyên đán)
  2024-02-14 Wed  skipped: day off (Tết Nguyên đán)
  2024-02-15 Thu  counted 07:30-11:30 (4h00m; total 4h50m)
  2024-02-15 Thu  counted 13:00-17:00 (4h00m; total 8h50m)
  2024-02-16 Fri  counted 07:30-11:30 (4h00m; total 12h50m)
  2024-02-16 Fri  counted 13:00-17:00 (4h00m; total 16h50m)
  2024-02-17 Sat  skipped: weekend
  2024-02-18 Sun  skipped: weekend
  2024-02-19 Mon  counted 07:30-11:30 (4h00m; total 20h50m)
  2024-02-19 Mon  counted 13:00-16:10 (3h10m; total 24h00m)
due: 2024-02-19T16:10:00+07:00";
        assert_eq!(text, expected);
    }

    #[test]
    fn explanations_warn_about_years_the_calendar_does_not_list() {
        let cal = tet_2024();
        let ex = cal
            .explain(
                ts("2024-12-30T09:00:00+07:00"),
                TimeLimit::working_days(5),
                &Pauses::default(),
            )
            .unwrap();
        assert_eq!(
            ex.warnings,
            [
                "the calendar lists no days off for 2025: only weekly days off were skipped that year"
            ]
        );
    }

    #[test]
    fn a_calendar_with_midnight_sessions_counts_across_midnight() {
        let s = |a: &str| a.parse::<Session>().unwrap();
        let cal = WorkingCalendar::builder()
            .sessions(vec![s("00:00-24:00")])
            .weekend([Weekday::Sunday])
            .build()
            .unwrap();
        assert_eq!(
            due_local(
                &cal,
                ts("2024-03-01T23:00:00+07:00"),
                TimeLimit::working_hours(2),
                &Pauses::default()
            ),
            "2024-03-02T01:00:00+07:00"
        );
        assert!(cal.is_working_time(ts("2024-03-01T23:59:59+07:00")));
    }

    #[test]
    fn intervals_refuse_to_end_before_they_start() {
        let err =
            Interval::new(ts("2024-03-02T00:00:00Z"), ts("2024-03-01T00:00:00Z")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the interval ends (2024-03-01T00:00:00Z) before it starts (2024-03-02T00:00:00Z)"
        );
    }
}
