//! Property tests of deadline arithmetic over generated calendars: several session
//! patterns, Saturday-morning weeks, random holidays (including Tết-length breaks) and
//! compensatory working days, starts at any minute (nights, weekends, holidays) and random
//! pauses.

use jiff::civil::{Date, Weekday, date};
use jiff::{SignedDuration, Timestamp};
use motcua_domain::calendar::{CalendarSet, Interval, Pauses, Session, WorkingCalendar};
use motcua_domain::{TimeLimit, TimeUnit};
use proptest::prelude::*;

const SESSION_PATTERNS: [&[&str]; 7] = [
    &["07:30-11:30", "13:00-17:00"],
    &["07:30-12:00", "13:00-16:30"],
    &["08:00-12:00", "13:30-17:30"],
    &["08:00-16:00"],
    &["07:00-09:00", "10:00-12:00", "14:00-18:00"],
    &["07:00-11:00", "19:00-24:00"],
    &["00:00-24:00"],
];

fn day(offset: u16) -> Date {
    date(2024, 1, 1)
        .checked_add(jiff::Span::new().days(i64::from(offset)))
        .unwrap()
}

#[derive(Debug, Clone)]
struct CalendarSpec {
    official: bool,
    pattern: usize,
    saturday_mornings: bool,
    holidays: Vec<u16>,
    tet: Option<u16>,
    working_days: Vec<u16>,
}

impl CalendarSpec {
    fn build(&self) -> WorkingCalendar {
        if self.official {
            return CalendarSet::official_vietnam().base().clone();
        }
        let sessions: Vec<Session> = SESSION_PATTERNS[self.pattern]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let mut b = WorkingCalendar::builder().sessions(sessions);
        if self.saturday_mornings {
            b = b
                .weekend([Weekday::Sunday])
                .weekday_sessions(Weekday::Saturday, vec!["07:30-11:30".parse().unwrap()]);
        }
        let mut off: Vec<Date> = self.holidays.iter().map(|&o| day(o)).collect();
        if let Some(start) = self.tet {
            off.extend((0..9).map(|i| day(start + i)));
        }
        for d in &off {
            b = b.holiday(*d, Some("nghỉ".into()));
        }
        for &o in &self.working_days {
            let d = day(o);
            let weekend = match d.weekday() {
                Weekday::Sunday => true,
                Weekday::Saturday => !self.saturday_mornings,
                _ => false,
            };
            if weekend && !off.contains(&d) {
                b = b.working_day(d, None);
            }
        }
        b.build().expect("generated calendars are valid")
    }
}

fn calendars() -> impl Strategy<Value = CalendarSpec> {
    (
        prop::bool::weighted(0.3),
        0..SESSION_PATTERNS.len(),
        any::<bool>(),
        prop::collection::vec(0u16..1100, 0..30),
        prop::option::of(0u16..1090),
        prop::collection::vec(0u16..1100, 0..8),
    )
        .prop_map(
            |(official, pattern, saturday_mornings, holidays, tet, working_days)| CalendarSpec {
                official,
                pattern,
                saturday_mornings,
                holidays,
                tet,
                working_days,
            },
        )
}

fn starts() -> impl Strategy<Value = Timestamp> {
    (0i64..1000 * 24 * 60).prop_map(|m| {
        "2024-01-01T00:00:00+07:00"
            .parse::<Timestamp>()
            .unwrap()
            .checked_add(SignedDuration::from_mins(m))
            .unwrap()
    })
}

fn limits() -> impl Strategy<Value = TimeLimit> {
    prop_oneof![
        (0i64..=120).prop_map(|v| TimeLimit::new(v, TimeUnit::WorkingHours).unwrap()),
        (0i64..=40).prop_map(|v| TimeLimit::new(v, TimeUnit::WorkingDays).unwrap()),
        (0i64..=90).prop_map(|v| TimeLimit::new(v, TimeUnit::CalendarDays).unwrap()),
        (0i64..=12).prop_map(|v| TimeLimit::new(v, TimeUnit::Months).unwrap()),
    ]
}

fn working_limits() -> impl Strategy<Value = TimeLimit> {
    prop_oneof![
        (0i64..=120).prop_map(|v| TimeLimit::new(v, TimeUnit::WorkingHours).unwrap()),
        (0i64..=40).prop_map(|v| TimeLimit::new(v, TimeUnit::WorkingDays).unwrap()),
    ]
}

/// Pauses given relative to the start, in minutes.
fn pause_specs() -> impl Strategy<Value = Vec<(i64, i64)>> {
    prop::collection::vec((-3000i64..40_000, 0i64..12_000), 0..4)
}

fn pauses(start: Timestamp, specs: &[(i64, i64)]) -> Pauses {
    Pauses::new(specs.iter().map(|&(from, len)| {
        let a = start.checked_add(SignedDuration::from_mins(from)).unwrap();
        let b = a.checked_add(SignedDuration::from_mins(len)).unwrap();
        Interval::new(a, b).unwrap()
    }))
}

fn bump(limit: TimeLimit) -> TimeLimit {
    TimeLimit::new(i64::from(limit.value()) + 1, limit.unit()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn adding_then_measuring_round_trips(
        spec in calendars(), start in starts(), limit in working_limits(), p in pause_specs(),
    ) {
        let cal = spec.build();
        let pauses = pauses(start, &p);
        let due = cal.due(start, limit, &pauses).unwrap();
        let amount = cal.working_time_of(limit).unwrap();
        prop_assert_eq!(cal.working_time_between(start, due, &pauses).unwrap(), amount);
        if amount.is_positive() {
            // And it is the first such instant: a second earlier, the limit is not used up.
            let before = due.checked_sub(SignedDuration::from_secs(1)).unwrap();
            prop_assert!(cal.working_time_between(start, before, &pauses).unwrap() < amount);
        }
    }

    #[test]
    fn adding_any_working_time_round_trips(
        spec in calendars(), start in starts(), minutes in 0i64..20_000, p in pause_specs(),
    ) {
        let cal = spec.build();
        let pauses = pauses(start, &p);
        let amount = SignedDuration::from_mins(minutes);
        let due = cal.add_working_time(start, amount, &pauses).unwrap();
        prop_assert_eq!(cal.working_time_between(start, due, &pauses).unwrap(), amount);
    }

    #[test]
    fn deadlines_are_monotonic_in_the_limit(
        spec in calendars(), start in starts(), limit in limits(), p in pause_specs(),
    ) {
        let cal = spec.build();
        let pauses = pauses(start, &p);
        let due = cal.due(start, limit, &pauses).unwrap();
        let later = cal.due(start, bump(limit), &pauses).unwrap();
        prop_assert!(due <= later, "{limit}: {due} then {later}");
        if limit.unit().is_working_time() && limit.value() > 0 {
            prop_assert!(due < later);
        }
    }

    /// Only for working-time units: for calendar days and months, the rule "a deadline on a
    /// day off moves to the same time on the next working day" lets a later start end earlier
    /// by less than a day (Friday 07:31 + 6 months on a holiday moves to Monday 07:31, while
    /// Friday 17:00, counted from Monday 07:30, ends on Monday 07:30).
    #[test]
    fn working_time_deadlines_are_monotonic_in_the_start(
        spec in calendars(), start in starts(), shift in 0i64..5000, limit in working_limits(),
    ) {
        let cal = spec.build();
        let later_start = start.checked_add(SignedDuration::from_mins(shift)).unwrap();
        let none = Pauses::default();
        prop_assert!(cal.due(start, limit, &none).unwrap() <= cal.due(later_start, limit, &none).unwrap());
    }

    #[test]
    fn pauses_never_shorten_a_deadline(
        spec in calendars(), start in starts(), limit in limits(),
        p in pause_specs(), extra in (-3000i64..40_000, 0i64..12_000),
    ) {
        let cal = spec.build();
        let none = cal.due(start, limit, &Pauses::default()).unwrap();
        let some = cal.due(start, limit, &pauses(start, &p)).unwrap();
        let mut more_specs = p.clone();
        more_specs.push(extra);
        let more = cal.due(start, limit, &pauses(start, &more_specs)).unwrap();
        prop_assert!(none <= some, "pauses shortened {none} to {some}");
        prop_assert!(some <= more, "another pause shortened {some} to {more}");
    }

    #[test]
    fn working_time_deadlines_fall_inside_working_time(
        spec in calendars(), start in starts(), limit in working_limits(), p in pause_specs(),
    ) {
        let cal = spec.build();
        let pauses = pauses(start, &p);
        let due = cal.due(start, limit, &pauses).unwrap();
        let local = cal.time_zone().to_datetime(due);
        let second = i32::from(local.hour()) * 3600 + i32::from(local.minute()) * 60 + i32::from(local.second());
        let minute_ok = |s: &Session, sec: i32| {
            let (a, b) = (i32::from(s.start_minute()) * 60, i32::from(s.end_minute()) * 60);
            if limit.value() == 0 { a <= sec && sec < b } else { a < sec && sec <= b }
        };
        let inside = cal.sessions_on(local.date()).iter().any(|s| minute_ok(s, second))
            // Midnight is the end of the previous day's session ending at 24:00.
            || (second == 0
                && limit.value() > 0
                && cal
                    .sessions_on(local.date().yesterday().unwrap())
                    .iter()
                    .any(|s| minute_ok(s, 86_400)));
        prop_assert!(inside, "{} is outside working time", cal.format_instant(due));
        for i in pauses.intervals() {
            prop_assert!(!(i.from() < due && due < i.to()), "due inside a pause");
        }
    }

    #[test]
    fn calendar_time_deadlines_land_on_a_working_day_at_or_after_the_plain_date(
        spec in calendars(), start in starts(), days in 0i64..=90, p in pause_specs(),
    ) {
        let cal = spec.build();
        let limit = TimeLimit::new(days, TimeUnit::CalendarDays).unwrap();
        let due = cal.due(start, limit, &pauses(start, &p)).unwrap();
        let local = cal.time_zone().to_datetime(due);
        prop_assert!(!cal.sessions_on(local.date()).is_empty());
        let plain = start.checked_add(SignedDuration::from_hours(24 * days)).unwrap();
        prop_assert!(due >= plain);
    }

    #[test]
    fn explanations_agree_with_the_computation(
        spec in calendars(), start in starts(), limit in limits(), p in pause_specs(),
    ) {
        let cal = spec.build();
        let pauses = pauses(start, &p);
        let ex = cal.explain(start, limit, &pauses).unwrap();
        prop_assert_eq!(ex.due, cal.due(start, limit, &pauses).unwrap());
        if let Some(amount) = cal.working_time_of(limit) {
            prop_assert_eq!(ex.counted_total(), amount);
        }
    }

    #[test]
    fn working_time_is_additive_and_antisymmetric(
        spec in calendars(), a in starts(), d1 in 0i64..30_000, d2 in 0i64..30_000, p in pause_specs(),
    ) {
        let cal = spec.build();
        let pauses = pauses(a, &p);
        let b = a.checked_add(SignedDuration::from_mins(d1)).unwrap();
        let c = b.checked_add(SignedDuration::from_mins(d2)).unwrap();
        let ab = cal.working_time_between(a, b, &pauses).unwrap();
        let bc = cal.working_time_between(b, c, &pauses).unwrap();
        prop_assert_eq!(cal.working_time_between(a, c, &pauses).unwrap(), ab + bc);
        prop_assert_eq!(cal.working_time_between(b, a, &pauses).unwrap(), -ab);
    }
}
