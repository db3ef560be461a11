//! The province simulator (mô phỏng): a province-period of dossier histories that matches the
//! real figures of `shared/domain/figures.md`, written in the interchange format
//! (`docs/interchange.md`), deterministic for a given profile and seed.
//!
//! A [`Profile`] (data, `data/profiles/*.toml`) gives the period, the volume, the size of the
//! catalog and of the organisation, and the shares of each path through the lifecycle. The
//! simulator grows a base province (the demo's organisation, catalog and processes) to that
//! size, spreads the dossiers over the working days of the period (fewer around Tết, more at
//! month ends), and writes each dossier's events as the live system would record them, each
//! event checked by the domain's fold as it is made — so that every generated history is one
//! motcua would have accepted, and `motcua import` takes the file without a rejection.

pub mod names;
mod world;

use std::io::Write;

use fastrand::Rng;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use motcua_domain::calendar::{CalendarSet, Pauses, WorkingCalendar};
use motcua_domain::catalog::{Catalog, Channel};
use motcua_domain::dossier::{
    Actor, Document, Dossier, DossierCode, Event, EventKind, Intake, ReturnVia, Source, Timeliness,
};
use motcua_domain::interchange::{CalendarRecord, End, EventRecord, Header, Record};
use motcua_domain::org::{Organisation, Role};
use motcua_domain::process::ProcessDefinition;
use motcua_domain::rules::{CalendarRef, RuleBook, RuleSet, RuleSetRef};
use serde::Deserialize;

pub use world::World;

/// The profiles shipped with motcua, by name.
pub const PROFILES: [(&str, &str); 3] = [
    ("small", include_str!("../../../data/profiles/small.toml")),
    (
        "hcmc-2023",
        include_str!("../../../data/profiles/hcmc-2023.toml"),
    ),
    (
        "national-peak",
        include_str!("../../../data/profiles/national-peak.toml"),
    ),
];

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The profile is not valid.
    #[error("profile: {0}")]
    Profile(String),
    /// The base province cannot be grown (a bug in the data).
    #[error("base province: {0}")]
    Base(String),
    /// Writing failed.
    #[error("cannot write: {0}")]
    Io(#[from] std::io::Error),
}

/// A simulation profile: see `docs/simulator.md` for every field.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Its name.
    pub name: String,
    /// What it is.
    pub description: String,
    /// First day of the period.
    pub start: Date,
    /// Last day of the period.
    pub end: Date,
    /// Dossiers over the period.
    pub dossiers: u64,
    /// Procedures in the catalog (at least the base's).
    pub procedures: usize,
    /// Communes and wards (at least the base's).
    pub communes: usize,
    /// Share submitted online.
    pub online: f64,
    /// Share sent by post.
    pub postal: f64,
    /// Share of online submissions refused at the desk.
    pub refused_online: f64,
    /// Share withdrawn by the applicant during processing.
    pub withdrawn: f64,
    /// Share stopped (form 05).
    pub stopped: f64,
    /// Share with a supplement request during processing.
    pub supplement: f64,
    /// Of those, the share with a second request (late by the index's rule).
    pub second_supplement: f64,
    /// Share judged late in all, those with a second supplement request included: the
    /// generator makes the rest late by a leader signing after the due instant.
    pub late: f64,
    /// Of the late ones, the share with an apology and a new appointment (form 04).
    pub apology_of_late: f64,
    /// Share of results issued electronically.
    pub electronic_result: f64,
}

impl Profile {
    /// A shipped profile by name, or a profile file's contents.
    pub fn named(name: &str) -> Option<Result<Profile, SimError>> {
        PROFILES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, text)| Profile::from_toml(text))
    }

    /// Parses and checks a profile.
    pub fn from_toml(text: &str) -> Result<Profile, SimError> {
        let p: Profile = toml::from_str(text)
            .map_err(|e| SimError::Profile(e.message().trim().replace('\n', "; ")))?;
        p.validate()?;
        Ok(p)
    }

    fn validate(&self) -> Result<(), SimError> {
        let bad = |m: String| Err(SimError::Profile(format!("{}: {m}", self.name)));
        if self.end < self.start {
            return bad("the period ends before it starts".into());
        }
        if self.dossiers == 0 || self.dossiers > 200_000_000 {
            return bad("dossiers must be 1–200,000,000".into());
        }
        if self.procedures > 20_000 || self.communes > 5_000 {
            return bad("at most 20,000 procedures and 5,000 communes".into());
        }
        for (name, v) in [
            ("online", self.online),
            ("postal", self.postal),
            ("refused_online", self.refused_online),
            ("withdrawn", self.withdrawn),
            ("stopped", self.stopped),
            ("supplement", self.supplement),
            ("second_supplement", self.second_supplement),
            ("late", self.late),
            ("apology_of_late", self.apology_of_late),
            ("electronic_result", self.electronic_result),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return bad(format!("{name} must be a share between 0 and 1, got {v}"));
            }
        }
        if self.online + self.postal > 1.0 {
            return bad("online and postal shares add up to more than 1".into());
        }
        Ok(())
    }
}

/// The province a simulation grows from: a validated organisation, catalog and processes,
/// and the calendar and rule set its dossiers are decided under.
pub struct Base {
    /// Units and officials.
    pub organisation: Organisation,
    /// Procedures.
    pub catalog: Catalog,
    /// Internal processes.
    pub processes: Vec<ProcessDefinition>,
    /// The calendar file.
    pub calendar_toml: String,
    /// Its reference.
    pub calendar_ref: CalendarRef,
    /// The rule set.
    pub rules: RuleSet,
}

/// What a simulation wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Lines written.
    pub lines: u64,
    /// Units, officials and procedures of the grown province.
    pub units: usize,
    /// Officials.
    pub officials: usize,
    /// Procedures.
    pub procedures: usize,
    /// Dossiers written.
    pub dossiers: u64,
    /// Events written.
    pub events: u64,
    /// Dossiers by channel: desk, online, postal.
    pub by_channel: [u64; 3],
    /// Dossiers by status code (index 1–10).
    pub by_status: [u64; 11],
    /// Dossiers that finished after their due instant.
    pub late: u64,
    /// Dossiers with an apology.
    pub apologies: u64,
    /// Dossiers with a supplement request.
    pub supplements: u64,
}

/// Runs a simulation: writes the interchange file to `out`.
pub fn simulate(
    base: &Base,
    profile: &Profile,
    seed: u64,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> Result<Summary, SimError> {
    let mut rng = Rng::with_seed(seed);
    let world = World::grow(base, profile, &mut rng)?;
    let calendar_set =
        CalendarSet::from_toml(&base.calendar_toml).map_err(|e| SimError::Base(e.to_string()))?;
    let calendar = calendar_set.base().clone();
    let tz = calendar.time_zone().clone();
    let end_instant = tz
        .to_timestamp(profile.end.at(23, 59, 59, 0))
        .map_err(|e| SimError::Profile(e.to_string()))?;
    let mut summary = Summary {
        units: world.org.units().count(),
        officials: world.org.officials().count(),
        procedures: world.catalog.latest().count(),
        ..Summary::default()
    };
    let mut w = Writer { out, lines: 0 };
    w.record(&Record::Header(Header::new(
        format!("simulation-{}-seed-{seed}", profile.name),
        end_instant,
        Some(format!(
            "motcua simulate --profile {} --seed {seed}",
            profile.name
        )),
    )))?;
    w.record(&Record::Calendar(CalendarRecord {
        reference: base.calendar_ref.clone(),
        toml: base.calendar_toml.clone(),
    }))?;
    w.record(&Record::RuleSet(base.rules.clone()))?;
    for u in world.units_in_order() {
        w.record(&Record::Unit(u.clone()))?;
    }
    for o in world.org.officials() {
        w.record(&Record::Official(o.clone()))?;
    }
    for p in world.catalog.latest() {
        w.record(&Record::Procedure(p.clone()))?;
    }
    for p in &world.processes {
        w.record(&Record::Process(p.clone()))?;
    }
    let book = world.rule_book(base, &calendar_set)?;
    let days = working_days(&calendar, profile.start, profile.end);
    let per_day = spread(profile.dossiers, &days, &calendar);
    let mut sim = Sim {
        world: &world,
        profile,
        book: &book,
        calendar: &calendar,
        calendar_ref: base.calendar_ref.clone(),
        rules_ref: base.rules.reference(),
        leader_late: leader_late(profile, &base.rules),
        rng,
        end: end_instant,
    };
    for (day, count) in days.iter().zip(per_day) {
        // Sequence numbers per receiving unit and day, as the desks would give them.
        let mut sequences: std::collections::BTreeMap<motcua_domain::UnitId, u16> =
            std::collections::BTreeMap::new();
        for _ in 0..count {
            let Some(events) = sim.dossier(*day, &mut sequences)? else {
                continue;
            };
            summary.dossiers += 1;
            let (code, dossier) = (&events.0, &events.2);
            for (i, e) in events.1.iter().enumerate() {
                w.record(&Record::Event(EventRecord {
                    dossier: code.to_string(),
                    seq: i as u64 + 1,
                    recorded_at: e.at,
                    event: e.clone(),
                }))?;
                summary.events += 1;
            }
            summary.by_channel[usize::from(dossier.channel().code() - 1)] += 1;
            summary.by_status[usize::from(dossier.status().code())] += 1;
            if !dossier.apologies().is_empty() {
                summary.apologies += 1;
            }
            if !dossier.supplement_requests().is_empty() {
                summary.supplements += 1;
            }
            let verdict = dossier.assess(end_instant).ok().and_then(|a| a.timeliness);
            if matches!(verdict, Some(Timeliness::Late | Timeliness::InProgressLate)) {
                summary.late += 1;
            }
            if summary.dossiers.is_multiple_of(100_000) {
                progress(summary.dossiers);
            }
        }
    }
    let lines = w.lines;
    w.record(&Record::End(End { lines }))?;
    summary.lines = w.lines;
    w.out.flush()?;
    progress(summary.dossiers);
    Ok(summary)
}

struct Writer<'a> {
    out: &'a mut dyn Write,
    lines: u64,
}

impl Writer<'_> {
    fn record(&mut self, r: &Record) -> Result<(), SimError> {
        serde_json::to_writer(&mut *self.out, r).map_err(std::io::Error::other)?;
        self.out.write_all(b"\n")?;
        self.lines += 1;
        Ok(())
    }
}

/// The share of a working day's arrivals in its first session (the morning); the rest come
/// in the second.
pub const FIRST_SESSION_SHARE: f64 = 0.6;

/// The working days of a profile's period with the number of dossiers each receives, as the
/// simulator lays them out.
pub fn days(profile: &Profile, calendar: &WorkingCalendar) -> Vec<(Date, u64)> {
    let days = working_days(calendar, profile.start, profile.end);
    let counts = spread(profile.dossiers, &days, calendar);
    days.into_iter().zip(counts).collect()
}

/// How arrivals spread over a working day with these sessions: for each session, the share
/// of the day's working time it takes and how many times the day's mean rate arrives in it.
pub fn day_pattern(sessions: &[motcua_domain::calendar::Session]) -> Vec<(f64, f64)> {
    let minutes: Vec<f64> = sessions
        .iter()
        .map(|s| f64::from(s.end_minute().saturating_sub(s.start_minute())))
        .collect();
    let total: f64 = minutes.iter().sum();
    if total <= 0.0 {
        return Vec::new();
    }
    minutes
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let share = match (sessions.len(), i) {
                (1, _) => 1.0,
                (_, 0) => FIRST_SESSION_SHARE,
                (_, 1) => 1.0 - FIRST_SESSION_SHARE,
                _ => 0.0,
            };
            let time = m / total;
            (time, if time > 0.0 { share / time } else { 0.0 })
        })
        .collect()
}

fn working_days(calendar: &WorkingCalendar, start: Date, end: Date) -> Vec<Date> {
    let mut days = Vec::new();
    let mut d = start;
    while d <= end {
        if calendar.day_kind(d).is_working() {
            days.push(d);
        }
        match d.tomorrow() {
            Ok(next) => d = next,
            Err(_) => break,
        }
    }
    days
}

/// How many dossiers arrive on each working day: more in the last three working days of a
/// month (×1.4) and in the two weeks before Tết (×1.3), fewer in the week after it (×0.6)
/// and on compensatory Saturdays (×0.5); the total is exact.
fn spread(total: u64, days: &[Date], calendar: &WorkingCalendar) -> Vec<u64> {
    let weights: Vec<f64> = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut w = 1.0;
            let month_end = days[i..]
                .iter()
                .take_while(|x| x.month() == d.month())
                .count()
                <= 3;
            if month_end {
                w *= 1.4;
            }
            // Tết: the first run of three or more days off in January or February.
            if let Some(tet) = tet_start(calendar, d.year()) {
                let until = tet.since(*d).map_or(0, |s| s.get_days());
                if (1..=14).contains(&until) {
                    w *= 1.3;
                }
                let after = d.since(tet).map_or(0, |s| s.get_days());
                if (0..=12).contains(&after) {
                    w *= 0.6;
                }
            }
            if matches!(
                calendar.day_kind(*d),
                motcua_domain::calendar::DayKind::Compensatory(_)
            ) {
                w *= 0.5;
            }
            w
        })
        .collect();
    let sum: f64 = weights.iter().sum();
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let mut counts: Vec<u64> = weights
        .iter()
        .map(|w| (total as f64 * w / sum).floor() as u64)
        .collect();
    let given: u64 = counts.iter().sum();
    // The remainder, one each to the busiest days.
    let mut order: Vec<usize> = (0..days.len()).collect();
    order.sort_by(|a, b| weights[*b].total_cmp(&weights[*a]).then(a.cmp(b)));
    for i in order
        .iter()
        .cycle()
        .take(usize::try_from(total - given).unwrap_or(0))
    {
        counts[*i] += 1;
    }
    counts
}

fn tet_start(calendar: &WorkingCalendar, year: i16) -> Option<Date> {
    let mut d = Date::new(year, 1, 10).ok()?;
    let last = Date::new(year, 2, 28).ok()?;
    while d <= last {
        let off = (0..3).all(|k| {
            d.checked_add(jiff::Span::new().days(k)).is_ok_and(|x| {
                matches!(
                    calendar.day_kind(x),
                    motcua_domain::calendar::DayKind::Holiday(_)
                )
            })
        });
        if off {
            return Some(d);
        }
        d = d.tomorrow().ok()?;
    }
    None
}

/// One simulation's state.
struct Sim<'a> {
    world: &'a World,
    profile: &'a Profile,
    book: &'a RuleBook,
    calendar: &'a WorkingCalendar,
    calendar_ref: CalendarRef,
    rules_ref: RuleSetRef,
    /// The chance that a leader signs late: what the profile's late share leaves.
    leader_late: f64,
    rng: Rng,
    end: Timestamp,
}

/// The chance of a late signature that makes a profile's late share: second supplement
/// requests count as late already when the rule set says two requests make a dossier late.
fn leader_late(profile: &Profile, rules: &RuleSet) -> f64 {
    let late_by_rule = if rules.late_from_supplement_requests <= 2 {
        profile.supplement * profile.second_supplement
    } else {
        0.0
    };
    (profile.late - late_by_rule).max(0.0)
}

/// A generated dossier: its code, events and folded state.
type Generated = (DossierCode, Vec<Event>, Dossier);

impl Sim<'_> {
    fn chance(&mut self, p: f64) -> bool {
        self.rng.f64() < p
    }

    /// `minutes` of working time after `t`.
    fn later(&self, t: Timestamp, minutes: i64) -> Timestamp {
        self.calendar
            .add_working_time(
                t,
                SignedDuration::from_mins(minutes.max(1)),
                &Pauses::default(),
            )
            .unwrap_or(t)
    }

    /// A receipt instant on `day`: within its sessions, more in the morning.
    fn arrival(&mut self, day: Date) -> Option<Timestamp> {
        let sessions = self.calendar.sessions_on(day);
        let s = if sessions.len() > 1 && self.chance(1.0 - FIRST_SESSION_SHARE) {
            sessions[1]
        } else {
            *sessions.first()?
        };
        let span = i64::from(s.end_minute() - s.start_minute()).max(1);
        // Leave the last few minutes of a session free, as desks close their queue.
        let minute = i64::from(s.start_minute()) + self.rng.i64(0..(span - 5).max(1));
        let hour = i8::try_from(minute / 60).ok()?;
        let min = i8::try_from(minute % 60).ok()?;
        let second = self.rng.i8(0..60);
        self.calendar
            .time_zone()
            .to_timestamp(day.at(hour, min, second, 0))
            .ok()
    }

    /// Generates one dossier received (or submitted) on `day`; `None` if its first event
    /// would fall after the period.
    fn dossier(
        &mut self,
        day: Date,
        sequences: &mut std::collections::BTreeMap<motcua_domain::UnitId, u16>,
    ) -> Result<Option<Generated>, SimError> {
        let world = self.world;
        // A procedure in force that day, with a process in force (the catalog changes with
        // the law: some versions start mid-year).
        let Some(procedure) = (0..50).find_map(|_| {
            let p = world.pick_procedure(&mut self.rng);
            (p.in_force_on(day) && world.has_process_on(&p.code, day)).then(|| p.clone())
        }) else {
            return Ok(None);
        };
        let Some(t0) = self.arrival(day) else {
            return Ok(None);
        };
        let commune = world.pick_commune(&mut self.rng).clone();
        let plan = world.plan(&procedure.code, &commune);
        let receiving = plan.receiving.clone();
        let seq = sequences.entry(receiving.clone()).or_insert(0);
        *seq += 1;
        let unit_code = world
            .org
            .unit(&receiving)
            .map(|u| u.code.clone())
            .ok_or_else(|| SimError::Base(format!("no unit {receiving}")))?;
        let Ok(code) = DossierCode::new(unit_code, day, *seq) else {
            return Err(SimError::Profile(format!(
                "{}: more than 9,999 dossiers received at {receiving} on {day}, and dossier codes number at most 9,999 a unit and day: lower the volume or lengthen the period",
                self.profile.name
            )));
        };
        // The profile's shares are of all dossiers; only some procedures take each channel.
        let p_online = (self.profile.online / world.online_capable.max(0.01)).min(1.0);
        let p_postal = (self.profile.postal / world.postal_capable.max(0.01)).min(1.0);
        let online = procedure.channels.contains(&Channel::Online) && self.chance(p_online);
        let postal = !online
            && procedure.channels.contains(&Channel::Postal)
            && self.chance(p_postal / (1.0 - p_online).max(0.01));
        let channel = if online {
            Channel::Online
        } else if postal {
            Channel::Postal
        } else {
            Channel::Desk
        };
        let intake = Intake {
            code: code.clone(),
            channel,
            source: Some(match channel {
                Channel::Online if self.chance(0.3) => Source::NationalPortal,
                Channel::Online => Source::ProvincialPortal,
                _ if self.chance(0.05) => Source::Kiosk,
                _ => Source::Counter,
            }),
            procedure: procedure.reference(),
            applicant: names::applicant(&mut self.rng),
            documents: procedure
                .components
                .iter()
                .filter(|c| {
                    matches!(
                        c.requirement,
                        motcua_domain::catalog::Requirement::Mandatory
                    )
                })
                .map(|c| Document {
                    component: c.name.clone(),
                    digitized: c.digitize,
                    reused: c.reusable_as.is_some() && self.rng.f64() < 0.1,
                    file: None,
                })
                .collect(),
        };
        let desk = world.official(&mut self.rng, Role::DeskOfficer, &receiving);
        let mut g = Gen {
            events: Vec::new(),
            dossier: None,
            book: self.book,
            end: self.end,
        };
        let received = EventKind::Received {
            intake: None,
            competent_unit: plan.competent.clone(),
            process: Some(plan.process.clone()),
            calendar: self.calendar_ref.clone(),
            rules: self.rules_ref.clone(),
        };
        let mut t = t0;
        if online {
            g.push(Event {
                at: t0,
                actor: Actor::Applicant,
                unit: receiving.clone(),
                reason: None,
                kind: EventKind::Submitted {
                    intake,
                    calendar: self.calendar_ref.clone(),
                    rules: self.rules_ref.clone(),
                },
            })?;
            t = {
                let m = self.rng.i64(10..420);
                self.later(t0, m)
            };
            if self.chance(self.profile.refused_online) {
                g.push(Event {
                    at: t,
                    actor: desk.clone(),
                    unit: receiving.clone(),
                    reason: Some(names::refusal(&mut self.rng)),
                    kind: EventKind::Refused,
                })?;
                return Ok(g.finish(code));
            }
            if !g.push(Event {
                at: t,
                actor: desk.clone(),
                unit: receiving.clone(),
                reason: None,
                kind: received,
            })? {
                return Ok(g.finish(code));
            }
        } else {
            let EventKind::Received {
                competent_unit,
                process,
                calendar,
                rules,
                ..
            } = received
            else {
                unreachable!("built above")
            };
            g.push(Event {
                at: t0,
                actor: desk.clone(),
                unit: receiving.clone(),
                reason: None,
                kind: EventKind::Received {
                    intake: Some(intake),
                    competent_unit,
                    process,
                    calendar,
                    rules,
                },
            })?;
        }
        let supplement = self.chance(self.profile.supplement);
        let second = supplement && self.chance(self.profile.second_supplement);
        let late = !second && self.chance(self.leader_late);
        let withdraw = self.chance(self.profile.withdrawn);
        let stop = self.chance(self.profile.stopped);
        // Walk the process.
        while let Some(step) = g.current_step() {
            let (step_id, unit) = (step.step.clone(), step.unit.clone());
            let Some(def) = plan_step(world, &plan.process, &step_id) else {
                break;
            };
            let allotted = i64::from(def.allotted_minutes);
            let mut took = allotted * self.rng.i64(15..85) / 100;
            let asks = match g.supplements() {
                0 => supplement,
                1 => second,
                _ => false,
            };
            if def.role == Role::Specialist && asks {
                // Half the step's work finds what is missing; the rest waits for it.
                let asked = self.later(t, took / 2);
                took -= took / 2;
                let who = world.official(&mut self.rng, Role::Specialist, &unit);
                if !g.push(Event {
                    at: asked,
                    actor: who,
                    unit: unit.clone(),
                    reason: None,
                    kind: EventKind::SupplementRequested {
                        missing: vec![names::missing(&mut self.rng)],
                    },
                })? {
                    break;
                }
                let back = asked
                    .checked_add(SignedDuration::from_hours(self.rng.i64(20..120)))
                    .unwrap_or(asked);
                let back = self.calendar.next_working_instant(back).unwrap_or(back);
                if !g.push(Event {
                    at: back,
                    actor: Actor::Applicant,
                    unit: receiving.clone(),
                    reason: None,
                    kind: EventKind::SupplementReceived {
                        documents: Vec::new(),
                    },
                })? {
                    break;
                }
                t = back;
                if second && g.supplements() == 1 {
                    continue;
                }
            }
            if withdraw && def.role == Role::Specialist {
                let at = self.later(t, took / 2);
                g.push(Event {
                    at,
                    actor: Actor::Applicant,
                    unit: receiving.clone(),
                    reason: Some("Người nộp hồ sơ xin rút hồ sơ".into()),
                    kind: EventKind::Withdrawn,
                })?;
                break;
            }
            if stop && def.role == Role::UnitLeader {
                let at = self.later(t, took / 2);
                let who = world.official(&mut self.rng, Role::UnitLeader, &unit);
                g.push(Event {
                    at,
                    actor: who,
                    unit: unit.clone(),
                    reason: Some("Dừng giải quyết theo đề nghị của cơ quan có thẩm quyền".into()),
                    kind: EventKind::Stopped,
                })?;
                break;
            }
            let mut done = self.later(t, took);
            if late && def.role == Role::UnitLeader {
                // The leader signs after the due instant; some apologise before it passes.
                if let Some(due) = g.due_at(t) {
                    if self.chance(self.profile.apology_of_late) && due > t {
                        let before = due
                            .checked_sub(SignedDuration::from_mins(self.rng.i64(30..240)))
                            .unwrap_or(due)
                            .max(t);
                        let new_due = {
                            let m = self.rng.i64(480..2400);
                            self.later(due, m)
                        };
                        let who = world.official(&mut self.rng, Role::UnitLeader, &unit);
                        g.push(Event {
                            at: before,
                            actor: who,
                            unit: unit.clone(),
                            reason: Some(names::apology(&mut self.rng)),
                            kind: EventKind::Apologized { new_due },
                        })?;
                    }
                    done = {
                        let m = self.rng.i64(30..960);
                        self.later(due.max(t), m)
                    };
                }
            }
            let who = world.official(&mut self.rng, def.role, &unit);
            if !g.push(Event {
                at: done,
                actor: who,
                unit: unit.clone(),
                reason: None,
                kind: EventKind::StepCompleted {
                    step: step_id,
                    branch: None,
                    assignee: None,
                },
            })? {
                break;
            }
            t = done;
        }
        if g.current_step().is_none() && g.processing() {
            let leader = world.official(&mut self.rng, Role::UnitLeader, &plan.competent);
            let issued = {
                let m = self.rng.i64(5..60);
                let issued = self.later(t, m);
                // An office that finished its steps in time issues the result in time too.
                match g.due_at(t) {
                    Some(due) if !late && t < due => issued.min(due),
                    _ => issued,
                }
            };
            let electronic = self.chance(self.profile.electronic_result);
            if g.push(Event {
                at: issued,
                actor: leader,
                unit: plan.competent.clone(),
                reason: None,
                kind: EventKind::ResultIssued {
                    electronic,
                    document_number: Some(format!("{}/{}", self.rng.u32(1..9999), day.year())),
                    file: None,
                },
            })? {
                let returned = {
                    let m = self.rng.i64(10..1440);
                    self.later(issued, m)
                };
                let desk = world.official(&mut self.rng, Role::DeskOfficer, &receiving);
                g.push(Event {
                    at: returned,
                    actor: desk,
                    unit: receiving.clone(),
                    reason: None,
                    kind: EventKind::ResultReturned {
                        via: match channel {
                            Channel::Online if electronic => ReturnVia::Online,
                            Channel::Postal => ReturnVia::Post,
                            _ => ReturnVia::Desk,
                        },
                    },
                })?;
            }
        }
        Ok(g.finish(code))
    }
}

fn plan_step<'a>(
    world: &'a World,
    process: &motcua_domain::process::ProcessRef,
    step: &motcua_domain::StepId,
) -> Option<&'a motcua_domain::process::Step> {
    world
        .process(process)
        .and_then(|p| p.steps.iter().find(|s| &s.id == step))
}

/// A dossier's events as they are made, each folded as it comes.
struct Gen<'a> {
    events: Vec<Event>,
    dossier: Option<Dossier>,
    book: &'a RuleBook,
    end: Timestamp,
}

impl Gen<'_> {
    /// Adds an event if it happens within the period; `false` if it does not (the dossier
    /// stays where it is at the end of the period).
    fn push(&mut self, event: Event) -> Result<bool, SimError> {
        if event.at > self.end {
            return Ok(false);
        }
        let folded = match &mut self.dossier {
            None => Dossier::start(&event, self.book).map(|d| self.dossier = Some(d)),
            Some(d) => d.apply(&event, self.book),
        };
        folded.map_err(|e| {
            SimError::Base(format!(
                "the simulator made an event the lifecycle refuses ({}): {e}",
                event.event_type()
            ))
        })?;
        self.events.push(event);
        Ok(true)
    }

    fn current_step(&self) -> Option<&motcua_domain::dossier::StepRun> {
        self.dossier.as_ref()?.current_step()
    }

    fn supplements(&self) -> usize {
        self.dossier
            .as_ref()
            .map_or(0, |d| d.supplement_requests().len())
    }

    fn processing(&self) -> bool {
        use motcua_domain::dossier::Status;
        self.dossier
            .as_ref()
            .is_some_and(|d| matches!(d.status(), Status::Received | Status::Processing))
    }

    fn due_at(&self, t: Timestamp) -> Option<Timestamp> {
        self.dossier.as_ref()?.due_at(t).ok().flatten()
    }

    fn finish(self, code: DossierCode) -> Option<Generated> {
        let dossier = self.dossier?;
        Some((code, self.events, dossier))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_pattern_puts_more_of_the_day_in_the_morning() {
        use motcua_domain::calendar::Session;
        let day = [
            Session::new(7 * 60 + 30, 11 * 60 + 30).unwrap(),
            Session::new(13 * 60 + 30, 17 * 60).unwrap(),
        ];
        let p = day_pattern(&day);
        assert_eq!(p.len(), 2);
        assert!((p[0].0 - 240.0 / 450.0).abs() < 1e-12);
        assert!((p[0].1 - 1.125).abs() < 1e-12, "{p:?}");
        assert!((p[1].1 - 0.4 / (210.0 / 450.0)).abs() < 1e-12, "{p:?}");
        // The mean over the day is the day's mean.
        let mean: f64 = p.iter().map(|(t, m)| t * m).sum();
        assert!((mean - 1.0).abs() < 1e-12);
        assert_eq!(day_pattern(&day[..1]), vec![(1.0, 1.0)]);
        assert!(day_pattern(&[]).is_empty());
    }

    #[test]
    fn the_days_of_a_profile_hold_all_its_dossiers_and_peak_at_month_ends() {
        let p = Profile::named("small").unwrap().unwrap();
        let set = CalendarSet::from_toml(motcua_domain::calendar::OFFICIAL_VN_CALENDAR).unwrap();
        let days = days(&p, set.base());
        assert_eq!(days.iter().map(|(_, n)| n).sum::<u64>(), p.dossiers);
        let (busiest, _) = days.iter().max_by_key(|(_, n)| *n).unwrap();
        let later: Vec<_> = days
            .iter()
            .filter(|(d, _)| d.month() == busiest.month() && d > busiest)
            .collect();
        assert!(
            later.len() < 3,
            "the busiest day {busiest} is among its month's last three working days"
        );
    }

    #[test]
    fn every_shipped_profile_is_valid() {
        for (name, _) in PROFILES {
            let p = Profile::named(name)
                .unwrap()
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(p.name, name);
        }
        assert!(Profile::named("nowhere").is_none());
    }

    #[test]
    fn dossiers_spread_over_working_days_to_the_exact_total() {
        let set = CalendarSet::official_vietnam();
        let calendar = set.base();
        let days = working_days(
            calendar,
            jiff::civil::date(2026, 1, 1),
            jiff::civil::date(2026, 3, 31),
        );
        // Tết 2026: 14–22 February off; no weekend and no holiday is a working day.
        assert!(!days.contains(&jiff::civil::date(2026, 2, 17)));
        assert!(!days.contains(&jiff::civil::date(2026, 1, 3)));
        let counts = spread(100_003, &days, calendar);
        assert_eq!(counts.iter().sum::<u64>(), 100_003);
        let on = |d: Date| counts[days.iter().position(|x| *x == d).unwrap()];
        // The last working day of January is busier than a mid-month day; the week after
        // Tết is quieter.
        assert!(on(jiff::civil::date(2026, 1, 30)) > on(jiff::civil::date(2026, 1, 14)));
        assert!(on(jiff::civil::date(2026, 2, 24)) < on(jiff::civil::date(2026, 3, 11)));
    }
}
