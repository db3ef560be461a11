//! Reference data and the demo province.
//!
//! `reference_data` installs what every database needs (the official calendar, the national
//! rule set). `demo` adds the demo province — units, officials, catalog, processes — and then
//! generates realistic dossiers by driving every action through the application services with
//! a manual clock, as the official whose role the action needs. Durations are drawn against
//! each step's allotment; whatever would happen after "now" has not happened yet, so the
//! dossiers end up in every status, some on time, some late, some paused.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use motcua_app::views::{
    ApplicantInput, Created, DocumentInput, DossierView, ReceiveRequest, SubmitRequest,
};
use motcua_app::{
    Action, App, AppConfig, AppError, Clock, ManualClock, Meta, Principal, SystemClock,
};
use motcua_domain::calendar::{CalendarSet, OFFICIAL_VN_CALENDAR, Pauses, WorkingCalendar};
use motcua_domain::catalog::{Channel, ProcedureVersion, Requirement};
use motcua_domain::org::{Official, Role};
use motcua_domain::rules::{CalendarRef, RuleSet};
use motcua_domain::{TimeUnit, UnitId};
use motcua_store::{Account, Store};

use crate::cli_error::InputError;
use crate::demo;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "motcua-demo";

fn failed(what: &str) -> impl Fn(AppError) -> InputError + '_ {
    move |e| InputError::new(format!("{what}: {e}"))
}

/// Installs the official calendar and the national rule set if the database has none.
pub async fn reference_data(store: Arc<dyn Store>) -> Result<(), InputError> {
    let app = App::new(store.clone(), Arc::new(SystemClock), AppConfig::default());
    let config = app.config().clone();
    let calendars = store.calendars().await.map_err(InputError::from_display)?;
    if !calendars.iter().any(|(r, _)| r.id == config.calendar_id) {
        let r = CalendarRef {
            id: config.calendar_id.clone(),
            version: 1,
        };
        app.publish_calendar(&Principal::System, r, OFFICIAL_VN_CALENDAR)
            .await
            .map_err(failed("installing the official calendar"))?;
    }
    let rule_sets = store.rule_sets().await.map_err(InputError::from_display)?;
    if !rule_sets.iter().any(|r| r.id == config.rule_set_id) {
        app.publish_rule_set(&Principal::System, RuleSet::national_default())
            .await
            .map_err(failed("installing the national rule set"))?;
    }
    Ok(())
}

/// What the demo seeding did.
pub struct Seeded {
    pub units: usize,
    pub officials: usize,
    pub procedures: usize,
    pub dossiers: usize,
    pub by_status: Vec<(u8, u64)>,
}

/// Adds the demo province and `count` dossiers to an empty database. `now` is the moment the
/// generated history leads up to; `seed` makes it repeatable.
pub async fn demo(
    store: Arc<dyn Store>,
    now: Timestamp,
    count: usize,
    seed: u64,
) -> Result<Seeded, InputError> {
    reference_data(store.clone()).await?;
    if !store
        .units()
        .await
        .map_err(InputError::from_display)?
        .is_empty()
    {
        return Err(InputError::new(
            "the database already has an organisation: the demo needs an empty one (use a new --data-dir)",
        ));
    }
    let data = demo::load().map_err(InputError::from_display)?;
    let app = App::new(store.clone(), Arc::new(SystemClock), AppConfig::default());
    let org = &data.organisation;
    let mut units = 0;
    for root in org.units().filter(|u| u.parent.is_none()) {
        for id in org.subtree(&root.id) {
            let unit = org.unit(&id).expect("listed").clone();
            app.add_unit(&Principal::System, unit)
                .await
                .map_err(failed("adding units"))?;
            units += 1;
        }
    }
    // Every demo account has the same password: hash it once.
    let hash = motcua_app::hash_password(DEMO_PASSWORD).map_err(failed("hashing"))?;
    let mut officials = 0;
    for o in org.officials() {
        store
            .insert_account(&Account {
                official: o.clone(),
                username: o.id.to_string(),
                password_hash: hash.clone(),
                active: true,
            })
            .await
            .map_err(InputError::from_display)?;
        officials += 1;
    }
    app.invalidate_rules().await;
    let mut procedures = 0;
    for p in data.catalog.latest() {
        for v in data.catalog.versions(&p.code) {
            app.publish_procedure(&Principal::System, v.clone())
                .await
                .map_err(failed("publishing procedures"))?;
            procedures += 1;
        }
    }
    for p in &data.processes {
        app.publish_process(&Principal::System, p.clone())
            .await
            .map_err(failed("publishing processes"))?;
    }
    let clock = Arc::new(ManualClock::new(now));
    let sim = App::new(store.clone(), clock.clone(), AppConfig::default());
    let rules = sim.rules().await.map_err(failed("loading the rules"))?;
    let mut generator = Generator {
        app: &sim,
        clock: &clock,
        rng: fastrand::Rng::with_seed(seed),
        now,
        calendar: CalendarSet::from_toml(OFFICIAL_VN_CALENDAR)
            .expect("the shipped calendar is valid")
            .base()
            .clone(),
        officials: rules.org.officials().cloned().collect(),
        org: rules.org.clone(),
        procedures: rules.catalog.latest().cloned().collect(),
        wards: rules
            .org
            .units()
            .filter(|u| u.kind == motcua_domain::org::UnitKind::Commune)
            .map(|u| u.id.clone())
            .collect(),
    };
    let mut dossiers = 0;
    for _ in 0..count {
        if generator
            .dossier()
            .await
            .map_err(failed("generating dossiers"))?
        {
            dossiers += 1;
        }
    }
    Ok(Seeded {
        units,
        officials,
        procedures,
        dossiers,
        by_status: store
            .count_by_status(None)
            .await
            .map_err(InputError::from_display)?,
    })
}

// The simulator's lists of common Vietnamese names and streets: generated people, never real.
use motcua_sim::names::{FAMILY, GIVEN, MIDDLE, STREETS};

struct Generator<'a> {
    app: &'a App,
    clock: &'a ManualClock,
    rng: fastrand::Rng,
    now: Timestamp,
    calendar: WorkingCalendar,
    org: motcua_domain::org::Organisation,
    officials: Vec<Official>,
    procedures: Vec<ProcedureVersion>,
    wards: Vec<UnitId>,
}

impl Generator<'_> {
    fn chance(&mut self, p: f64) -> bool {
        self.rng.f64() < p
    }

    fn pick<'b, T>(&mut self, items: &'b [T]) -> &'b T {
        &items[self.rng.usize(..items.len())]
    }

    /// An official holding one of `roles` in exactly `unit` (else a leader above it).
    fn official(&mut self, roles: &[Role], unit: &UnitId) -> Principal {
        let exact: Vec<&Official> = self
            .officials
            .iter()
            .filter(|o| {
                o.roles
                    .iter()
                    .any(|r| roles.contains(&r.role) && &r.unit == unit)
            })
            .collect();
        let chosen = if exact.is_empty() {
            self.officials
                .iter()
                .find(|o| roles.iter().any(|r| self.org.may_act(&o.id, *r, unit)))
        } else {
            Some(exact[self.rng.usize(..exact.len())])
        };
        chosen.map_or(Principal::System, |o| Principal::Official(o.clone()))
    }

    fn person(&mut self) -> ApplicantInput {
        let family = *self.pick(&FAMILY);
        let middle = *self.pick(&MIDDLE);
        let given = *self.pick(&GIVEN);
        let street = *self.pick(&STREETS);
        ApplicantInput {
            name: format!("{family} {middle} {given}"),
            organisation: false,
            id_number: Some(format!("0790{:08}", self.rng.u32(..100_000_000))),
            phone: Some(format!("09{:08}", self.rng.u32(..100_000_000))),
            email: None,
            address: Some(format!(
                "Số {} đường {street}, Thành phố Hồ Chí Minh",
                self.rng.u32(1..300)
            )),
        }
    }

    /// After `t`, `minutes` of working time later.
    fn later(&self, t: Timestamp, minutes: i64) -> Timestamp {
        self.calendar
            .add_working_time(
                t,
                SignedDuration::from_mins(minutes.max(1)),
                &Pauses::default(),
            )
            .unwrap_or(t)
    }

    fn at(&self, t: Timestamp) -> bool {
        if t > self.now {
            return false;
        }
        self.clock.set(t);
        true
    }

    /// The instant `minutes` of working time before now (at most two weeks back).
    fn working_minutes_ago(&self, minutes: i64) -> Timestamp {
        let wanted = SignedDuration::from_mins(minutes);
        let mut t = self.now;
        for _ in 0..(14 * 24 * 4) {
            let worked = self
                .calendar
                .working_time_between(t, self.now, &Pauses::default())
                .unwrap_or(wanted);
            if worked >= wanted && self.calendar.is_working_time(t) {
                break;
            }
            t = t.checked_sub(SignedDuration::from_mins(15)).unwrap_or(t);
        }
        t
    }

    /// A random working instant in the last five weeks; one dossier in ten within the last
    /// working day, so that the demo has online dossiers waiting for acceptance and received
    /// ones not yet handed on, whatever the time of day it runs.
    fn receipt_time(&mut self) -> Timestamp {
        if self.chance(0.1) {
            let m = self.rng.i64(15..480);
            let t = self.working_minutes_ago(m);
            return Timestamp::from_second(t.as_second() / 60 * 60).unwrap_or(t);
        }
        let back = self.rng.i64(30..(35 * 24 * 60));
        let t = self
            .now
            .checked_sub(SignedDuration::from_mins(back))
            .unwrap_or(self.now);
        let t = {
            let m = self.rng.i64(1..120);
            self.later(t, m)
        };
        Timestamp::from_second(t.as_second() / 60 * 60).unwrap_or(t)
    }

    async fn act(
        &self,
        who: Principal,
        code: &str,
        action: Action,
    ) -> Result<DossierView, AppError> {
        let o = self.app.act(&who, code, &action, &Meta::default()).await?;
        serde_json::from_str(&o.body).map_err(|e| AppError::Internal(e.to_string()))
    }

    fn weight(p: &ProcedureVersion) -> u32 {
        match p.code.as_str() {
            "1.001193" | "2.000815" | "1.004194" => 12,
            "1.000894" | "2.000884" | "1.004222" | "1.000656" => 6,
            "1.013978" | "1.013831" => 4,
            _ => 2,
        }
    }

    /// Generates one dossier's history; false if it would start in the future.
    async fn dossier(&mut self) -> Result<bool, AppError> {
        let total: u32 = self.procedures.iter().map(Self::weight).sum();
        let mut r = self.rng.u32(..total);
        let procedure = self
            .procedures
            .iter()
            .find(|p| {
                let w = Self::weight(p);
                if r < w {
                    true
                } else {
                    r -= w;
                    false
                }
            })
            .expect("weights cover the range")
            .clone();
        let rules = self.app.rules().await?;
        let date = self.calendar.time_zone().to_datetime(self.now).date();
        let process = rules.process_for(&procedure.code, None, date).cloned();
        let ward = self.pick(&self.wards.clone()).clone();
        let receiving: UnitId = match process.as_ref().and_then(|p| p.owner.as_ref()) {
            Some(_) => match &process.as_ref().expect("owned").steps[0].place {
                motcua_domain::process::StepPlace::Unit(u) => u.clone(),
                _ => "ttpvhcc".parse().expect("valid"),
            },
            None => ward.clone(),
        };
        let competent = procedure
            .field
            .contains("cư trú")
            .then(|| format!("ca-{ward}"))
            .filter(|c| rules.org.unit(&c.parse().expect("valid")).is_some());
        let documents: Vec<DocumentInput> = procedure
            .components
            .iter()
            .filter(|c| c.requirement == Requirement::Mandatory)
            .map(|c| DocumentInput {
                component: c.name.clone(),
                digitized: c.digitize,
                reused: c.reusable_as.is_some() && self.rng.f64() < 0.3,
                file: None,
            })
            .collect();
        let applicant = self.person();
        let t0 = self.receipt_time();
        if !self.at(t0) {
            return Ok(false);
        }
        let desk = self.official(&[Role::DeskOfficer], &receiving);
        let online = procedure.channels.contains(&Channel::Online) && self.chance(0.35);
        let mut view = if online {
            let created = self
                .app
                .submit(
                    &Principal::Public,
                    &SubmitRequest {
                        procedure_code: procedure.code.to_string(),
                        unit: receiving.to_string(),
                        applicant,
                        documents,
                    },
                    &Meta::default(),
                )
                .await?;
            let created: Created = serde_json::from_str(&created.body)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let code = created.code.clone();
            let decide = {
                let m = self.rng.i64(10..540);
                self.later(t0, m)
            };
            if !self.at(decide) {
                return Ok(true);
            }
            if self.chance(0.06) {
                self.act(
                    desk,
                    &code,
                    Action::Refuse {
                        reason: "Hồ sơ không thuộc thẩm quyền giải quyết của đơn vị".into(),
                    },
                )
                .await?;
                return Ok(true);
            }
            self.act(
                desk.clone(),
                &code,
                Action::Receive {
                    competent_unit: competent.clone(),
                },
            )
            .await?
        } else {
            let postal = procedure.channels.contains(&Channel::Postal) && self.chance(0.07);
            let created = self
                .app
                .receive_new(
                    &desk,
                    &ReceiveRequest {
                        procedure_code: procedure.code.to_string(),
                        unit: receiving.to_string(),
                        channel: Some(if postal { "postal" } else { "desk" }.into()),
                        competent_unit: competent.clone(),
                        applicant,
                        documents,
                        missing: Vec::new(),
                        refusal: None,
                    },
                    &Meta::default(),
                )
                .await?;
            let created: Created = serde_json::from_str(&created.body)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            created.dossier
        };
        let code = view.summary.code.clone();
        let mut t = self.clock.now();
        let mut apologised = false;
        let mut supplements = 0;
        let slow = self.chance(0.15);
        // Walk the process.
        while let Some(step_id) = view.summary.current_step.clone() {
            let Some(step) = process
                .as_ref()
                .and_then(|p| p.steps.iter().find(|s| s.id.as_str() == step_id))
            else {
                break;
            };
            let unit: UnitId = view
                .summary
                .current_unit
                .clone()
                .unwrap_or_default()
                .parse()
                .map_err(|_| AppError::Internal("a dossier in processing without a unit".into()))?;
            let allotted = i64::from(step.allotted_minutes);
            // Most steps take 20–110% of their allotment; slow dossiers sometimes 120–270%.
            let percent = if slow && self.chance(0.5) {
                self.rng.i64(120..270)
            } else {
                self.rng.i64(20..110)
            };
            let took = allotted * percent / 100;
            // A specialist may find something missing, or the applicant may withdraw.
            if step.role == Role::Specialist
                && supplements < 2
                && self.chance(if supplements == 0 { 0.1 } else { 0.15 })
            {
                let asked = self.later(t, took / 3);
                if !self.at(asked) {
                    return Ok(true);
                }
                let who = self.official(&[Role::Specialist], &unit);
                self.act(
                    who,
                    &code,
                    Action::RequestSupplement {
                        missing: vec!["Bản sao giấy tờ chứng minh nơi cư trú".into()],
                    },
                )
                .await?;
                supplements += 1;
                let back = asked
                    .checked_add(SignedDuration::from_hours(self.rng.i64(20..120)))
                    .unwrap_or(asked);
                if !self.at(back) {
                    return Ok(true);
                }
                let desk = self.official(&[Role::DeskOfficer], &receiving);
                view = self
                    .act(
                        desk,
                        &code,
                        Action::SupplementReceived { documents: vec![] },
                    )
                    .await?;
                t = back;
                continue;
            }
            if self.chance(0.01) {
                let when = self.later(t, took / 2);
                if self.at(when) {
                    let desk = self.official(&[Role::DeskOfficer], &receiving);
                    self.act(
                        desk,
                        &code,
                        Action::Withdraw {
                            reason: "Người dân có đơn xin rút hồ sơ".into(),
                        },
                    )
                    .await?;
                }
                return Ok(true);
            }
            let has_fees = procedure.fee_total(Channel::Desk).is_some_and(|f| f > 0);
            let p_payment = if procedure.clock.pause_for_payment {
                0.6
            } else if has_fees {
                0.05
            } else {
                0.0
            };
            if step.role == Role::Specialist
                && self.chance(p_payment)
                && view
                    .history
                    .iter()
                    .all(|h| h.event_type != "payment-requested")
            {
                let asked = self.later(t, took / 2);
                if !self.at(asked) {
                    return Ok(true);
                }
                let who = self.official(&[Role::Specialist], &unit);
                let amount = u64::from(self.rng.u32(5..200)) * 10_000;
                self.act(
                    who,
                    &code,
                    Action::RequestPayment {
                        amount_vnd: amount,
                        items: vec!["Lệ phí trước bạ, thuế thu nhập cá nhân".into()],
                    },
                )
                .await?;
                let paid = asked
                    .checked_add(SignedDuration::from_hours(self.rng.i64(4..240)))
                    .unwrap_or(asked);
                if !self.at(paid) {
                    return Ok(true);
                }
                let desk = self.official(&[Role::DeskOfficer], &receiving);
                let online = self.chance(0.5);
                view = self
                    .act(
                        desk,
                        &code,
                        Action::PaymentReceived {
                            amount_vnd: amount,
                            online,
                        },
                    )
                    .await?;
                t = paid;
                continue;
            }
            let done = self.later(t, took);
            // A step about to finish after the appointment: the leader may apologise first.
            let due: Option<Timestamp> = view
                .summary
                .appointment_at
                .as_deref()
                .and_then(|d| d.parse().ok());
            if let Some(due) = due
                && done > due
                && !apologised
                && self.chance(0.5)
            {
                let before = due
                    .checked_sub(SignedDuration::from_hours(2))
                    .unwrap_or(due)
                    .max(t);
                if self.at(before) && before < due {
                    let competent_unit: UnitId = view
                        .summary
                        .competent_unit
                        .clone()
                        .unwrap_or_default()
                        .parse()
                        .map_err(|_| AppError::Internal("no competent unit".into()))?;
                    let leader = self.official(&[Role::UnitLeader], &competent_unit);
                    let new_due = self.later(due, 3 * 8 * 60);
                    self.act(
                        leader,
                        &code,
                        Action::Apologize {
                            new_due: new_due.to_string(),
                            reason: "Hồ sơ cần xác minh thêm, chưa đủ thời gian giải quyết".into(),
                        },
                    )
                    .await?;
                    apologised = true;
                }
            }
            if !self.at(done) {
                return Ok(true);
            }
            // Sometimes take a branch that leads forward (a referral for verification, say);
            // branches back (returns) are left to the specialists' judgement.
            let here = process
                .as_ref()
                .and_then(|p| p.position(&step.id))
                .unwrap_or(0);
            let forward: Vec<String> = step
                .branches
                .iter()
                .filter(|b| match &b.target {
                    motcua_domain::process::BranchTarget::Step(target) => process
                        .as_ref()
                        .and_then(|p| p.position(target))
                        .is_some_and(|i| i > here),
                    motcua_domain::process::BranchTarget::End => false,
                })
                .map(|b| b.name.clone())
                .collect();
            let branch =
                (!forward.is_empty() && self.chance(0.3)).then(|| self.pick(&forward).clone());
            let roles: &[Role] = match step.role {
                Role::DeskOfficer => &[Role::DeskOfficer],
                Role::UnitLeader => &[Role::UnitLeader],
                _ => &[Role::Specialist],
            };
            let who = self.official(roles, &unit);
            view = self
                .act(
                    who,
                    &code,
                    Action::CompleteStep {
                        step: None,
                        branch,
                        assignee: None,
                    },
                )
                .await?;
            t = done;
        }
        if view.summary.status.code != 4 && view.summary.status.code != 2 {
            return Ok(true);
        }
        let competent_unit: UnitId = view
            .summary
            .competent_unit
            .clone()
            .unwrap_or_default()
            .parse()
            .map_err(|_| AppError::Internal("no competent unit".into()))?;
        if self.chance(0.01) {
            let when = self.later(t, 60);
            if self.at(when) {
                let leader = self.official(&[Role::UnitLeader], &competent_unit);
                self.act(
                    leader,
                    &code,
                    Action::Stop {
                        reason: "Có văn bản đề nghị dừng giải quyết của cơ quan có thẩm quyền"
                            .into(),
                    },
                )
                .await?;
            }
            return Ok(true);
        }
        let issued = {
            let m = self.rng.i64(5..120);
            self.later(t, m)
        };
        if !self.at(issued) {
            return Ok(true);
        }
        let leader = self.official(&[Role::UnitLeader], &competent_unit);
        let electronic = self.chance(0.7);
        let number = format!(
            "{}/{}",
            self.rng.u32(1..9999),
            self.calendar.time_zone().to_datetime(issued).year()
        );
        self.act(
            leader,
            &code,
            Action::IssueResult {
                electronic,
                document_number: Some(number),
                file: None,
            },
        )
        .await?;
        let limit_is_short = procedure.time_limit.unit() == TimeUnit::WorkingHours;
        let returned = {
            let m = if limit_is_short {
                self.rng.i64(10..240)
            } else {
                self.rng.i64(60..2400)
            };
            self.later(issued, m)
        };
        if !self.at(returned) {
            return Ok(true);
        }
        let desk = self.official(&[Role::DeskOfficer], &receiving);
        let via = if online && electronic {
            "online"
        } else if self.chance(0.1) {
            "post"
        } else {
            "desk"
        };
        self.act(desk, &code, Action::ReturnResult { via: via.into() })
            .await?;
        Ok(true)
    }
}
