//! The dossier (hồ sơ) as an append-only sequence of events folded into state.
//!
//! [`Dossier::start`] takes the first event, [`Dossier::apply`] each following one; both
//! check the event against the lifecycle rules and refuse illegal ones with a precise
//! [`LifecycleError`] (never a panic). [`Dossier::replay`] folds a whole log.
//! [`Dossier::assess`] derives the figures at an instant: due dates, elapsed and remaining
//! time, pauses and the timeliness verdict of the national index.

mod assess;
mod code;
mod event;
mod status;

use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;

pub use assess::{Assessment, StepView, Timeliness};
pub use code::DossierCode;
pub use event::{
    Actor, Applicant, ApplicantKind, Document, Event, EventKind, EventType, FileRef, Intake,
    ReturnVia, Source,
};
pub use status::Status;

use crate::calendar::{
    DeadlineError, Explanation, Interval, LocalInstant, Pauses, WorkingCalendar,
};
use crate::catalog::{Channel, ProcedureRef, ProcedureVersion};
use crate::ids::{OfficialId, StepId, UnitId};
use crate::process::{BranchTarget, ProcessDefinition, ProcessRef};
use crate::rules::{CalendarRef, RuleSet, RuleSetRef, RuleSource};
use crate::time_limit::TimeLimit;

/// An event that the lifecycle rules refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    /// The first event of a dossier must be a submission or a receipt with its intake.
    #[error("a dossier starts with a submission or a receipt, not with {0}")]
    NotAStart(EventType),
    /// A receipt that starts a dossier without its intake.
    #[error(
        "a receipt that starts a dossier must carry its intake (code, channel, procedure, applicant)"
    )]
    IntakeMissing,
    /// A receipt of a submitted dossier that repeats the intake.
    #[error("the dossier was already submitted: its receipt must not carry another intake")]
    IntakeRepeated,
    /// The event is not allowed in the dossier's current status.
    #[error("{event} is not allowed while the dossier is {status} (status {code})", code = status.code())]
    NotAllowed {
        /// The refused event.
        event: EventType,
        /// The dossier's status.
        status: Status,
    },
    /// An event dated before the previous one.
    #[error("events must be in time order: {at} is before the previous event at {previous}")]
    OutOfOrder {
        /// The event's time.
        at: LocalInstant,
        /// The previous event's time.
        previous: LocalInstant,
    },
    /// A log without any event.
    #[error("the log has no event")]
    EmptyLog,
    /// A process whose structure is broken (it should have been refused when published).
    #[error("process {process} cannot be followed: {problem}")]
    BrokenProcess {
        /// The process.
        process: ProcessRef,
        /// What is wrong.
        problem: String,
    },
    /// A step event for a dossier whose procedure has no internal process.
    #[error("the dossier follows no internal process: it has no steps")]
    NoProcess,
    /// An event that must say why, without a reason.
    #[error("{0} needs a reason")]
    ReasonRequired(EventType),
    /// A procedure version the rules do not know.
    #[error("unknown procedure version {0}")]
    UnknownProcedure(ProcedureRef),
    /// A process version the rules do not know.
    #[error("unknown process version {0}")]
    UnknownProcess(ProcessRef),
    /// A calendar version the rules do not know.
    #[error("unknown calendar version {0}")]
    UnknownCalendar(CalendarRef),
    /// A rule set version the rules do not know.
    #[error("unknown rule set version {0}")]
    UnknownRuleSet(RuleSetRef),
    /// A process made for another procedure.
    #[error(
        "process {process} handles procedure {process_procedure}, but the dossier is for {procedure}"
    )]
    ProcessMismatch {
        /// The process.
        process: ProcessRef,
        /// Its procedure.
        process_procedure: crate::ids::ProcedureCode,
        /// The dossier's procedure.
        procedure: crate::ids::ProcedureCode,
    },
    /// The procedure version does not apply on the day the dossier arrived.
    #[error("procedure {procedure} is not in force on {date}")]
    ProcedureNotInForce {
        /// The version.
        procedure: ProcedureRef,
        /// The day of arrival.
        date: Date,
    },
    /// The procedure does not accept the dossier's channel.
    #[error("procedure {procedure} does not accept dossiers through the {channel} channel")]
    ChannelNotAccepted {
        /// The version.
        procedure: ProcedureRef,
        /// The channel.
        channel: Channel,
    },
    /// The dossier code's date is not the day of arrival.
    #[error("dossier code {code} carries the date {code_date}, but the dossier arrived on {date}")]
    CodeDateMismatch {
        /// The code.
        code: DossierCode,
        /// Its date.
        code_date: Date,
        /// The day of arrival.
        date: Date,
    },
    /// An empty or blank text where one is needed.
    #[error("{0}")]
    Blank(&'static str),
    /// A step that is not the one in progress.
    #[error("step {got} is not the current step ({expected})", expected = expected.as_ref().map_or("none: processing has ended", StepId::as_str))]
    NotCurrentStep {
        /// The current step.
        expected: Option<StepId>,
        /// The step named.
        got: StepId,
    },
    /// A step recorded by another unit than the one doing it.
    #[error("step {step} is done at unit {expected}, not at {got}")]
    WrongUnit {
        /// The step.
        step: StepId,
        /// Where it is done.
        expected: UnitId,
        /// Where the event came from.
        got: UnitId,
    },
    /// An outcome that is not a branch of the step.
    #[error("step {step} has no branch {branch:?}")]
    UnknownBranch {
        /// The step.
        step: StepId,
        /// The branch named.
        branch: String,
    },
    /// A step the process does not have.
    #[error("the process has no step {0}")]
    UnknownStep(StepId),
    /// A return to a step the dossier has not passed.
    #[error("a dossier can only be returned to a step it already passed: {0} is not one")]
    NotAnEarlierStep(StepId),
    /// Processing without a process step at the moment.
    #[error(
        "processing has no current step: the process has ended, issue the result or return the dossier to a step"
    )]
    NoCurrentStep,
    /// The result issued before the process ended.
    #[error("the result cannot be issued while step {0} is still open")]
    ProcessNotFinished(StepId),
    /// An apology after the appointment has passed.
    #[error("an apology must come before the appointment passes ({due}); this one came at {at}")]
    ApologyTooLate {
        /// The appointment.
        due: LocalInstant,
        /// When the apology came.
        at: LocalInstant,
    },
    /// An apology issued too close to the appointment.
    #[error("an apology must be issued at least {notice} before the appointment ({due})")]
    ApologyNoticeTooShort {
        /// The required notice.
        notice: TimeLimit,
        /// The appointment.
        due: LocalInstant,
    },
    /// An apology whose new date is not later.
    #[error("the new appointment ({new_due}) must be later than the current one ({due})")]
    ApologyNotLater {
        /// The new date.
        new_due: LocalInstant,
        /// The current appointment.
        due: LocalInstant,
    },
    /// A payment request of zero.
    #[error("the amount requested must be greater than zero")]
    ZeroPayment,
    /// A payment that does not match the request.
    #[error("the payment of {paid} VND does not match the {requested} VND requested")]
    PaymentMismatch {
        /// Amount paid.
        paid: u64,
        /// Amount requested.
        requested: u64,
    },
    /// The result returned by another unit than the receiving desk.
    #[error("the result is returned by the receiving unit {expected}, not by {got}")]
    WrongReturnUnit {
        /// The receiving unit.
        expected: UnitId,
        /// Where the event came from.
        got: UnitId,
    },
    /// A due date that cannot be computed.
    #[error(transparent)]
    Deadline(#[from] DeadlineError),
}

/// An event of a log refused during replay, with its position (0-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayError {
    /// Position of the refused event in the log (0 for an empty log).
    pub index: usize,
    /// Its type (`None` for an empty log).
    pub event: Option<EventType>,
    /// Why it was refused.
    pub error: LifecycleError,
}

impl std::fmt::Display for ReplayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.event {
            Some(t) => write!(f, "event {} ({t}): {}", self.index, self.error),
            None => write!(f, "{}", self.error),
        }
    }
}

impl std::error::Error for ReplayError {}

/// Where the dossier is in its lifecycle (finer than [`Status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Submitted,
    SupplementBeforeReceipt,
    Processing,
    AwaitingSupplement,
    AwaitingPayment,
    AwaitingAgency,
    Finished,
    Refused,
    Withdrawn,
    Stopped,
    Returned,
}

/// Why the clock was (or would be) paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PauseKind {
    /// Waiting for the applicant's supplement: always stops the clock.
    Supplement,
    /// Waiting for payment: stops the clock if the procedure says so.
    Payment,
    /// Waiting for another agency: stops the clock if the procedure says so.
    OtherAgency,
}

/// A wait during processing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PauseRecord {
    /// Why.
    pub kind: PauseKind,
    /// From when.
    pub from: Timestamp,
    /// Until when; `None` while it lasts.
    pub to: Option<Timestamp>,
    /// Whether it stops the clock.
    pub stops_clock: bool,
}

/// A supplement request (form 02).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplementRequest {
    /// When.
    pub at: Timestamp,
    /// Everything listed as missing.
    pub missing: Vec<String>,
    /// Whether it came after receipt (only those count for the index).
    pub after_receipt: bool,
}

/// An apology with a new appointment (form 04).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Apology {
    /// When it was issued.
    pub at: Timestamp,
    /// The new appointment.
    pub new_due: Timestamp,
    /// Why the dossier is late.
    pub reason: String,
}

/// A step of the process as this dossier would meet it: where and by whom it is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepTarget {
    /// The step's key.
    pub step: StepId,
    /// Its name.
    pub name: String,
    /// The unit that does it, for this dossier.
    pub unit: UnitId,
    /// The role that does it.
    pub role: crate::org::Role,
}

/// One way the current step can end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepOutcome {
    /// The branch to name; `None` for the default way on.
    pub branch: Option<String>,
    /// The step it leads to; `None` when it ends processing (the result can be issued).
    pub target: Option<StepTarget>,
}

/// One passage of the dossier through a process step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRun {
    /// Index of the step in the process definition.
    pub index: usize,
    /// The step's key.
    pub step: StepId,
    /// Where it is done.
    pub unit: UnitId,
    /// Whether it is an inter-agency step.
    pub inter_agency: bool,
    /// When the dossier arrived at the step.
    pub started_at: Timestamp,
    /// Who it was assigned to.
    pub assignee: Option<OfficialId>,
    /// When it was completed (or left by a return).
    pub ended_at: Option<Timestamp>,
    /// Who completed it.
    pub ended_by: Option<Actor>,
    /// The branch taken, if any.
    pub branch: Option<String>,
    /// The reason, when the dossier was returned from this step.
    pub returned_with: Option<String>,
}

/// A dossier's state, folded from its events.
#[derive(Debug, Clone)]
pub struct Dossier {
    code: DossierCode,
    channel: Channel,
    intake: Intake,
    procedure: Arc<ProcedureVersion>,
    calendar: Arc<WorkingCalendar>,
    desk_calendar: Arc<WorkingCalendar>,
    rules: Arc<RuleSet>,
    process: Option<Arc<ProcessDefinition>>,
    receiving_unit: UnitId,
    competent_unit: Option<UnitId>,
    submitted_at: Option<Timestamp>,
    received_at: Option<Timestamp>,
    decided_at: Option<Timestamp>,
    phase: Phase,
    handed_over: bool,
    steps: Vec<StepRun>,
    current: Option<usize>,
    pauses: Vec<PauseRecord>,
    supplements: Vec<SupplementRequest>,
    payment_requested: Option<u64>,
    paid_online: bool,
    apologies: Vec<Apology>,
    electronic_result: bool,
    finished_at: Option<Timestamp>,
    returned_at: Option<Timestamp>,
    closed_at: Option<Timestamp>,
    last_at: Timestamp,
    version: u64,
}

fn require_reason(event: &Event) -> Result<String, LifecycleError> {
    match &event.reason {
        Some(r) if !r.trim().is_empty() => Ok(r.trim().to_owned()),
        _ => Err(LifecycleError::ReasonRequired(event.event_type())),
    }
}

fn resolve<T>(
    found: Option<T>,
    missing: impl FnOnce() -> LifecycleError,
) -> Result<T, LifecycleError> {
    found.ok_or_else(missing)
}

impl Dossier {
    /// Starts a dossier from its first event: a submission, or a receipt carrying the
    /// intake.
    pub fn start(event: &Event, rules: &dyn RuleSource) -> Result<Dossier, LifecycleError> {
        let (intake, calendar_ref, rules_ref) = match &event.kind {
            EventKind::Submitted {
                intake,
                calendar,
                rules,
            }
            | EventKind::Received {
                intake: Some(intake),
                calendar,
                rules,
                ..
            } => (intake, calendar, rules),
            EventKind::Received { intake: None, .. } => return Err(LifecycleError::IntakeMissing),
            other => return Err(LifecycleError::NotAStart(other.event_type())),
        };
        if intake.applicant.name.trim().is_empty() {
            return Err(LifecycleError::Blank(
                "the applicant's name must not be empty",
            ));
        }
        let procedure = resolve(rules.procedure(&intake.procedure), || {
            LifecycleError::UnknownProcedure(intake.procedure.clone())
        })?;
        let calendar = resolve(rules.calendar(calendar_ref, &event.unit), || {
            LifecycleError::UnknownCalendar(calendar_ref.clone())
        })?;
        let rule_set = resolve(rules.rules(rules_ref), || {
            LifecycleError::UnknownRuleSet(rules_ref.clone())
        })?;
        let date = calendar.time_zone().to_datetime(event.at).date();
        if !procedure.in_force_on(date) {
            return Err(LifecycleError::ProcedureNotInForce {
                procedure: intake.procedure.clone(),
                date,
            });
        }
        if !procedure.channels.contains(&intake.channel) {
            return Err(LifecycleError::ChannelNotAccepted {
                procedure: intake.procedure.clone(),
                channel: intake.channel,
            });
        }
        if intake.code.date() != date {
            return Err(LifecycleError::CodeDateMismatch {
                code: intake.code.clone(),
                code_date: intake.code.date(),
                date,
            });
        }
        let mut dossier = Dossier {
            code: intake.code.clone(),
            channel: intake.channel,
            intake: intake.clone(),
            procedure,
            desk_calendar: calendar.clone(),
            calendar,
            rules: rule_set,
            process: None,
            receiving_unit: event.unit.clone(),
            competent_unit: None,
            submitted_at: None,
            received_at: None,
            decided_at: None,
            phase: Phase::Submitted,
            handed_over: false,
            steps: Vec::new(),
            current: None,
            pauses: Vec::new(),
            supplements: Vec::new(),
            payment_requested: None,
            paid_online: false,
            apologies: Vec::new(),
            electronic_result: false,
            finished_at: None,
            returned_at: None,
            closed_at: None,
            last_at: event.at,
            version: 1,
        };
        match &event.kind {
            EventKind::Submitted { .. } => dossier.submitted_at = Some(event.at),
            EventKind::Received { .. } => dossier.receive(event, rules)?,
            _ => unreachable!("matched above"),
        }
        Ok(dossier)
    }

    /// Folds a whole log; the first refused event stops the fold.
    pub fn replay<'a>(
        events: impl IntoIterator<Item = &'a Event>,
        rules: &dyn RuleSource,
    ) -> Result<Dossier, ReplayError> {
        let mut events = events.into_iter().enumerate();
        let wrap = |index, event: &Event, error| ReplayError {
            index,
            event: Some(event.event_type()),
            error,
        };
        let (_, first) = events.next().ok_or(ReplayError {
            index: 0,
            event: None,
            error: LifecycleError::EmptyLog,
        })?;
        let mut dossier = Dossier::start(first, rules).map_err(|e| wrap(0, first, e))?;
        for (i, event) in events {
            // The whole replay fails on the first refusal, so no need to keep a copy.
            dossier
                .apply_in_place(event, rules)
                .map_err(|e| wrap(i, event, e))?;
        }
        Ok(dossier)
    }

    /// Checks an event against the lifecycle rules without changing the dossier, returning
    /// the state it would lead to.
    pub fn check(&self, event: &Event, rules: &dyn RuleSource) -> Result<Dossier, LifecycleError> {
        let mut next = self.clone();
        next.apply(event, rules)?;
        Ok(next)
    }

    /// Applies the next event. On error the dossier is left unchanged.
    pub fn apply(&mut self, event: &Event, rules: &dyn RuleSource) -> Result<(), LifecycleError> {
        let mut next = self.clone();
        next.apply_in_place(event, rules)?;
        *self = next;
        Ok(())
    }

    fn not_allowed(&self, event: &Event) -> LifecycleError {
        LifecycleError::NotAllowed {
            event: event.event_type(),
            status: self.status(),
        }
    }

    fn apply_in_place(
        &mut self,
        event: &Event,
        rules: &dyn RuleSource,
    ) -> Result<(), LifecycleError> {
        if event.at < self.last_at {
            return Err(LifecycleError::OutOfOrder {
                at: self.calendar.local(event.at),
                previous: self.calendar.local(self.last_at),
            });
        }
        let kind = event.event_type();
        let allowed: &[Phase] = match kind {
            EventType::Submitted => &[],
            EventType::Received => &[Phase::Submitted],
            EventType::SupplementRequested => &[Phase::Submitted, Phase::Processing],
            EventType::SupplementReceived => {
                &[Phase::SupplementBeforeReceipt, Phase::AwaitingSupplement]
            }
            EventType::Refused => &[
                Phase::Submitted,
                Phase::SupplementBeforeReceipt,
                Phase::Processing,
                Phase::AwaitingSupplement,
            ],
            EventType::StepCompleted
            | EventType::ReturnedToStep
            | EventType::PaymentRequested
            | EventType::AgencyOpinionRequested
            | EventType::ResultIssued => &[Phase::Processing],
            EventType::PaymentReceived => &[Phase::AwaitingPayment],
            EventType::AgencyOpinionReceived => &[Phase::AwaitingAgency],
            EventType::Apologized => &[
                Phase::Processing,
                Phase::AwaitingPayment,
                Phase::AwaitingAgency,
            ],
            EventType::Withdrawn => &[
                Phase::Submitted,
                Phase::SupplementBeforeReceipt,
                Phase::Processing,
                Phase::AwaitingSupplement,
                Phase::AwaitingPayment,
                Phase::AwaitingAgency,
            ],
            EventType::Stopped => &[
                Phase::Processing,
                Phase::AwaitingSupplement,
                Phase::AwaitingPayment,
                Phase::AwaitingAgency,
            ],
            EventType::ResultReturned => &[Phase::Finished],
        };
        if !allowed.contains(&self.phase) {
            return Err(self.not_allowed(event));
        }
        let reason = if kind.needs_reason() {
            Some(require_reason(event)?)
        } else {
            None
        };
        let at = event.at;
        match &event.kind {
            EventKind::Submitted { .. } => unreachable!("never allowed after the start"),
            EventKind::Received { intake, .. } => {
                if intake.is_some() {
                    return Err(LifecycleError::IntakeRepeated);
                }
                self.receive(event, rules)?;
            }
            EventKind::SupplementRequested { missing } => {
                if missing.is_empty() || missing.iter().any(|m| m.trim().is_empty()) {
                    return Err(LifecycleError::Blank(
                        "a supplement request must list every missing item at once, none blank",
                    ));
                }
                let after_receipt = self.phase == Phase::Processing;
                self.supplements.push(SupplementRequest {
                    at,
                    missing: missing.clone(),
                    after_receipt,
                });
                if after_receipt {
                    self.pause(PauseKind::Supplement, at, true);
                    self.phase = Phase::AwaitingSupplement;
                } else {
                    self.decided_at.get_or_insert(at);
                    self.phase = Phase::SupplementBeforeReceipt;
                }
            }
            EventKind::SupplementReceived { documents } => {
                self.intake.documents.extend(documents.iter().cloned());
                if self.phase == Phase::AwaitingSupplement {
                    self.resume(at);
                    self.phase = Phase::Processing;
                } else {
                    self.phase = Phase::Submitted;
                }
            }
            EventKind::Refused => {
                self.decided_at.get_or_insert(at);
                self.close(at, Phase::Refused);
            }
            EventKind::StepCompleted {
                step,
                branch,
                assignee,
            } => self.complete_step(event, step, branch.as_deref(), assignee.as_ref())?,
            EventKind::ReturnedToStep { step, assignee } => {
                let process = self.process.clone().ok_or(LifecycleError::NoProcess)?;
                let index = process
                    .position(step)
                    .ok_or_else(|| LifecycleError::UnknownStep(step.clone()))?;
                let passed = self
                    .steps
                    .iter()
                    .any(|r| &r.step == step && r.ended_at.is_some());
                let is_current = self.current.is_some_and(|c| &self.steps[c].step == step);
                if !passed || is_current {
                    return Err(LifecycleError::NotAnEarlierStep(step.clone()));
                }
                if let Some(c) = self.current {
                    let run = &mut self.steps[c];
                    run.ended_at = Some(at);
                    run.ended_by = Some(event.actor.clone());
                    run.returned_with = reason;
                }
                self.start_step(&process, index, at, assignee.clone());
                self.handed_over = true;
            }
            EventKind::PaymentRequested { amount_vnd, .. } => {
                if *amount_vnd == 0 {
                    return Err(LifecycleError::ZeroPayment);
                }
                self.payment_requested = Some(*amount_vnd);
                let stops = self.procedure.clock.pause_for_payment;
                self.pause(PauseKind::Payment, at, stops);
                self.phase = Phase::AwaitingPayment;
            }
            EventKind::PaymentReceived { amount_vnd, online } => {
                let requested = self.payment_requested.unwrap_or_default();
                if *amount_vnd != requested {
                    return Err(LifecycleError::PaymentMismatch {
                        paid: *amount_vnd,
                        requested,
                    });
                }
                self.paid_online |= *online;
                self.resume(at);
                self.phase = Phase::Processing;
            }
            EventKind::AgencyOpinionRequested { .. } => {
                let stops = self.procedure.clock.pause_for_other_agency;
                self.pause(PauseKind::OtherAgency, at, stops);
                self.phase = Phase::AwaitingAgency;
            }
            EventKind::AgencyOpinionReceived => {
                self.resume(at);
                self.phase = Phase::Processing;
            }
            EventKind::Apologized { new_due } => {
                let due = self.appointment_at(at)?;
                let local = |t| self.calendar.local(t);
                if at >= due {
                    return Err(LifecycleError::ApologyTooLate {
                        due: local(due),
                        at: local(at),
                    });
                }
                if let Some(notice) = self.rules.apology_notice {
                    // The latest moment for the apology: the notice counted back from the
                    // appointment is equivalent to the notice counted forward from the
                    // apology reaching no later than the appointment.
                    let latest_reach = self.calendar.due(at, notice, &self.clock_pauses(at))?;
                    if latest_reach > due {
                        return Err(LifecycleError::ApologyNoticeTooShort {
                            notice,
                            due: local(due),
                        });
                    }
                }
                if *new_due <= due {
                    return Err(LifecycleError::ApologyNotLater {
                        new_due: local(*new_due),
                        due: local(due),
                    });
                }
                self.apologies.push(Apology {
                    at,
                    new_due: *new_due,
                    reason: reason.unwrap_or_default(),
                });
            }
            EventKind::Withdrawn => self.close(at, Phase::Withdrawn),
            EventKind::Stopped => self.close(at, Phase::Stopped),
            EventKind::ResultIssued { electronic, .. } => {
                if let Some(c) = self.current {
                    return Err(LifecycleError::ProcessNotFinished(
                        self.steps[c].step.clone(),
                    ));
                }
                self.electronic_result = *electronic;
                self.finished_at = Some(at);
                self.phase = Phase::Finished;
            }
            EventKind::ResultReturned { .. } => {
                if event.unit != self.receiving_unit {
                    return Err(LifecycleError::WrongReturnUnit {
                        expected: self.receiving_unit.clone(),
                        got: event.unit.clone(),
                    });
                }
                self.returned_at = Some(at);
                self.close(at, Phase::Returned);
            }
        }
        self.last_at = at;
        self.version += 1;
        Ok(())
    }

    /// Applies a `received` event (which must be one).
    fn receive(&mut self, event: &Event, rules: &dyn RuleSource) -> Result<(), LifecycleError> {
        let EventKind::Received {
            competent_unit,
            process,
            calendar: calendar_ref,
            rules: rules_ref,
            ..
        } = &event.kind
        else {
            unreachable!("only called for receipts");
        };
        let process = match process {
            Some(r) => {
                let p = resolve(rules.process(r), || {
                    LifecycleError::UnknownProcess(r.clone())
                })?;
                if p.steps.is_empty() {
                    return Err(LifecycleError::BrokenProcess {
                        process: r.clone(),
                        problem: "it has no steps".into(),
                    });
                }
                if p.procedure != self.procedure.code {
                    return Err(LifecycleError::ProcessMismatch {
                        process: r.clone(),
                        process_procedure: p.procedure.clone(),
                        procedure: self.procedure.code.clone(),
                    });
                }
                Some(p)
            }
            None => None,
        };
        self.calendar = resolve(rules.calendar(calendar_ref, competent_unit), || {
            LifecycleError::UnknownCalendar(calendar_ref.clone())
        })?;
        self.rules = resolve(rules.rules(rules_ref), || {
            LifecycleError::UnknownRuleSet(rules_ref.clone())
        })?;
        self.received_at = Some(event.at);
        self.decided_at.get_or_insert(event.at);
        self.receiving_unit = event.unit.clone();
        self.competent_unit = Some(competent_unit.clone());
        self.phase = Phase::Processing;
        if let Some(p) = &process {
            self.start_step(p, 0, event.at, None);
        }
        self.process = process;
        Ok(())
    }

    fn step_unit(&self, process: &ProcessDefinition, index: usize) -> UnitId {
        use crate::process::StepPlace;
        match &process.steps[index].place {
            StepPlace::Unit(u) => u.clone(),
            StepPlace::Competent => self
                .competent_unit
                .clone()
                .unwrap_or_else(|| self.receiving_unit.clone()),
            StepPlace::ReceivingDesk => self.receiving_unit.clone(),
        }
    }

    fn start_step(
        &mut self,
        process: &ProcessDefinition,
        index: usize,
        at: Timestamp,
        assignee: Option<OfficialId>,
    ) {
        let step = &process.steps[index];
        self.steps.push(StepRun {
            index,
            step: step.id.clone(),
            unit: self.step_unit(process, index),
            inter_agency: step.inter_agency,
            started_at: at,
            assignee,
            ended_at: None,
            ended_by: None,
            branch: None,
            returned_with: None,
        });
        self.current = Some(self.steps.len() - 1);
    }

    fn complete_step(
        &mut self,
        event: &Event,
        step: &StepId,
        branch: Option<&str>,
        assignee: Option<&OfficialId>,
    ) -> Result<(), LifecycleError> {
        let Some(process) = self.process.clone() else {
            return Err(LifecycleError::NoProcess);
        };
        let Some(c) = self.current else {
            return Err(LifecycleError::NotCurrentStep {
                expected: None,
                got: step.clone(),
            });
        };
        let run = &self.steps[c];
        if &run.step != step {
            return Err(LifecycleError::NotCurrentStep {
                expected: Some(run.step.clone()),
                got: step.clone(),
            });
        }
        if event.unit != run.unit {
            return Err(LifecycleError::WrongUnit {
                step: step.clone(),
                expected: run.unit.clone(),
                got: event.unit.clone(),
            });
        }
        let target =
            process
                .next_after(run.index, branch)
                .ok_or_else(|| LifecycleError::UnknownBranch {
                    step: step.clone(),
                    branch: branch.unwrap_or_default().to_owned(),
                })?;
        let run = &mut self.steps[c];
        run.ended_at = Some(event.at);
        run.ended_by = Some(event.actor.clone());
        run.branch = branch.map(str::to_owned);
        self.handed_over = true;
        match target {
            BranchTarget::Step(id) => {
                let index = process
                    .position(&id)
                    .ok_or_else(|| LifecycleError::BrokenProcess {
                        process: process.reference(),
                        problem: format!("step {step} leads to step {id}, which does not exist"),
                    })?;
                self.start_step(&process, index, event.at, assignee.cloned());
            }
            BranchTarget::End => self.current = None,
        }
        Ok(())
    }

    fn pause(&mut self, kind: PauseKind, at: Timestamp, stops_clock: bool) {
        self.pauses.push(PauseRecord {
            kind,
            from: at,
            to: None,
            stops_clock,
        });
    }

    fn resume(&mut self, at: Timestamp) {
        if let Some(p) = self.pauses.iter_mut().rev().find(|p| p.to.is_none()) {
            p.to = Some(at);
        }
    }

    fn close(&mut self, at: Timestamp, phase: Phase) {
        self.resume(at);
        if let Some(c) = self.current.take() {
            self.steps[c].ended_at = Some(at);
        }
        self.closed_at = Some(at);
        self.phase = phase;
    }

    /// The pauses that stop the clock, with one still open treated as lasting until `at`.
    pub fn clock_pauses(&self, at: Timestamp) -> Pauses {
        Pauses::new(
            self.pauses
                .iter()
                .filter(|p| p.stops_clock)
                .filter_map(|p| {
                    let to = p.to.unwrap_or(at.max(p.from));
                    Interval::new(p.from, to).ok()
                }),
        )
    }

    /// The legal due instant (the appointment of form 01, moved by every pause that stops
    /// the clock up to `at`), or `None` before receipt.
    pub fn due_at(&self, at: Timestamp) -> Result<Option<Timestamp>, DeadlineError> {
        let Some(received) = self.received_at else {
            return Ok(None);
        };
        self.due_with(received, &self.clock_pauses(at)).map(Some)
    }

    /// The limits that make up the dossier's time: the base limit for its channel, then the
    /// location adjustments for its competent unit (or the receiving unit before receipt).
    pub fn limits(&self) -> Vec<TimeLimit> {
        let unit = self.competent_unit.as_ref().unwrap_or(&self.receiving_unit);
        self.procedure.limits_for(self.channel, unit)
    }

    fn due_with(&self, received: Timestamp, pauses: &Pauses) -> Result<Timestamp, DeadlineError> {
        let mut t = received;
        for limit in self.limits() {
            t = self.calendar.due(t, limit, pauses)?;
        }
        Ok(t)
    }

    /// How the legal due instant at `at` was computed: one explanation per limit counted
    /// (the base limit, then each location adjustment), with the dossier's pauses; empty
    /// before receipt. For receipts (form 01) and disputes.
    pub fn explain_due(&self, at: Timestamp) -> Result<Vec<Explanation>, DeadlineError> {
        let Some(received) = self.received_at else {
            return Ok(Vec::new());
        };
        let at = at.max(self.last_at);
        let pauses = self.clock_pauses(self.processing_ended_at().unwrap_or(at));
        let mut out: Vec<Explanation> = Vec::new();
        for limit in self.limits() {
            let start = out.last().map_or(received, |e| e.due);
            out.push(self.calendar.explain(start, limit, &pauses)?);
        }
        Ok(out)
    }

    /// The current appointment at `at`: the latest apology's date, else the legal due.
    fn appointment_at(&self, at: Timestamp) -> Result<Timestamp, LifecycleError> {
        if let Some(a) = self.apologies.last() {
            return Ok(a.new_due);
        }
        let due = self.due_at(at)?;
        Ok(due.expect("apologies are only allowed after receipt"))
    }

    /// The dossier's code.
    pub fn code(&self) -> &DossierCode {
        &self.code
    }

    /// The status (national code 1–10).
    pub fn status(&self) -> Status {
        match self.phase {
            Phase::Submitted => Status::Submitted,
            Phase::SupplementBeforeReceipt | Phase::AwaitingSupplement => {
                Status::SupplementRequested
            }
            Phase::Processing if !self.handed_over => Status::Received,
            Phase::Processing | Phase::AwaitingAgency => Status::Processing,
            Phase::AwaitingPayment => Status::PaymentRequested,
            Phase::Finished => Status::Finished,
            Phase::Refused => Status::Refused,
            Phase::Withdrawn => Status::Withdrawn,
            Phase::Stopped => Status::Stopped,
            Phase::Returned => Status::Returned,
        }
    }

    /// The intake: channel, procedure, applicant and documents (with supplements added).
    pub fn intake(&self) -> &Intake {
        &self.intake
    }

    /// The channel.
    pub fn channel(&self) -> Channel {
        self.channel
    }

    /// The procedure version.
    pub fn procedure(&self) -> &ProcedureVersion {
        &self.procedure
    }

    /// The process version, if the procedure has one.
    pub fn process(&self) -> Option<&ProcessDefinition> {
        self.process.as_deref()
    }

    /// The calendar its deadlines are counted in (the competent unit's after receipt).
    pub fn calendar(&self) -> &WorkingCalendar {
        &self.calendar
    }

    /// The rule set in force.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The unit that received it (and returns the result).
    pub fn receiving_unit(&self) -> &UnitId {
        &self.receiving_unit
    }

    /// The unit competent to resolve it, once received.
    pub fn competent_unit(&self) -> Option<&UnitId> {
        self.competent_unit.as_ref()
    }

    /// When it was submitted (if it was submitted before receipt).
    pub fn submitted_at(&self) -> Option<Timestamp> {
        self.submitted_at
    }

    /// When it was received (the clock's start).
    pub fn received_at(&self) -> Option<Timestamp> {
        self.received_at
    }

    /// The passages through process steps, in order.
    pub fn steps(&self) -> &[StepRun] {
        &self.steps
    }

    /// The step in progress.
    pub fn current_step(&self) -> Option<&StepRun> {
        self.current.map(|c| &self.steps[c])
    }

    /// Whether the dossier waits for another agency's opinion.
    pub fn awaiting_agency(&self) -> bool {
        self.phase == Phase::AwaitingAgency
    }

    /// Where a step of the dossier's process is done and by whom, for this dossier.
    pub fn step_target(&self, step: &StepId) -> Option<StepTarget> {
        let process = self.process.as_deref()?;
        let index = process.position(step)?;
        let s = &process.steps[index];
        Some(StepTarget {
            step: s.id.clone(),
            name: s.name.clone(),
            unit: self.step_unit(process, index),
            role: s.role,
        })
    }

    /// Where completing the current step can lead: the default way on first, then each named
    /// branch, in the process's order. Empty when no step is in progress.
    pub fn outcomes(&self) -> Vec<StepOutcome> {
        let (Some(process), Some(run)) = (self.process.as_deref(), self.current_step()) else {
            return Vec::new();
        };
        let branches = process.steps[run.index]
            .branches
            .iter()
            .map(|b| Some(b.name.as_str()));
        std::iter::once(None)
            .chain(branches)
            .filter_map(|branch| {
                let target = match process.next_after(run.index, branch)? {
                    BranchTarget::Step(id) => Some(self.step_target(&id)?),
                    BranchTarget::End => None,
                };
                Some(StepOutcome {
                    branch: branch.map(str::to_owned),
                    target,
                })
            })
            .collect()
    }

    /// The steps the dossier may be sent back to: those it has passed, other than the current
    /// one, each once, in the order it first reached them.
    pub fn returnable_steps(&self) -> Vec<StepTarget> {
        let Some(current) = self.current_step() else {
            return Vec::new();
        };
        let mut seen: Vec<&StepId> = Vec::new();
        self.steps
            .iter()
            .filter(|r| r.ended_at.is_some() && r.step != current.step)
            .filter(|r| {
                let first = !seen.contains(&&r.step);
                seen.push(&r.step);
                first
            })
            .filter_map(|r| self.step_target(&r.step))
            .collect()
    }

    /// The waits, in order.
    pub fn pauses(&self) -> &[PauseRecord] {
        &self.pauses
    }

    /// The supplement requests, in order.
    pub fn supplement_requests(&self) -> &[SupplementRequest] {
        &self.supplements
    }

    /// The apologies, in order.
    pub fn apologies(&self) -> &[Apology] {
        &self.apologies
    }

    /// Whether an electronic result was issued.
    pub fn has_electronic_result(&self) -> bool {
        self.electronic_result
    }

    /// Whether the financial obligation was paid online.
    pub fn paid_online(&self) -> bool {
        self.paid_online
    }

    /// The number of events folded (the dossier's version for optimistic concurrency).
    pub fn version(&self) -> u64 {
        self.version
    }

    /// When the last event happened.
    pub fn last_event_at(&self) -> Timestamp {
        self.last_at
    }
}

#[cfg(test)]
mod tests;
