//! Figures derived from a dossier at an instant: due dates, elapsed and remaining time,
//! pauses and the timeliness verdict of the national index, to the minute.
//!
//! The verdict follows the index's rule (`dossier-lifecycle.md`):
//! - processing ends at the first of: result issued (9), else result returned (10), else
//!   stopped (8) or refused (3), else withdrawn (7) — for received dossiers only;
//! - a dossier waiting for a supplement that never came is judged at the request;
//! - a dossier with two or more supplement requests after receipt is late (the number is
//!   the rule set's `late_from_supplement_requests`);
//! - it is judged against the legal due instant, moved by the pauses that stop the clock,
//!   never against an apology's new date;
//! - a dossier still in processing is "in progress, on time" or "in progress, late" at the
//!   instant asked; a closed dossier's verdict is frozen.

use std::fmt;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::{Actor, Dossier, Phase, Status};
use crate::calendar::{DeadlineError, Pauses, WorkingCalendar};
use crate::ids::{OfficialId, StepId, UnitId};
use crate::rules::EarlyRule;
use crate::time_limit::TimeLimit;

/// The timeliness verdict (trước hạn / đúng hạn / quá hạn).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Timeliness {
    /// Finished before the day of the appointment.
    Early,
    /// Finished on the day of the appointment, no later than it.
    OnTime,
    /// Finished after the appointment.
    Late,
    /// Still in processing, the appointment not yet passed.
    InProgressOnTime,
    /// Still in processing, the appointment passed.
    InProgressLate,
}

impl Timeliness {
    /// Whether the national index counts it as on time.
    pub fn counts_on_time(self) -> bool {
        matches!(
            self,
            Timeliness::Early | Timeliness::OnTime | Timeliness::InProgressOnTime
        )
    }

    /// Whether the verdict is final (processing has ended).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Timeliness::Early | Timeliness::OnTime | Timeliness::Late
        )
    }

    /// The Vietnamese wording.
    pub fn vietnamese(self) -> &'static str {
        match self {
            Timeliness::Early => "Trước hạn",
            Timeliness::OnTime => "Đúng hạn",
            Timeliness::Late => "Quá hạn",
            Timeliness::InProgressOnTime => "Đang xử lý, trong hạn",
            Timeliness::InProgressLate => "Đang xử lý, quá hạn",
        }
    }
}

impl fmt::Display for Timeliness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Timeliness::Early => "early",
            Timeliness::OnTime => "on time",
            Timeliness::Late => "late",
            Timeliness::InProgressOnTime => "in progress, on time",
            Timeliness::InProgressLate => "in progress, late",
        })
    }
}

/// The minute an instant falls in: verdicts compare instants to the minute, so a result
/// issued at 17:00:30 is on time for a 17:00 appointment.
fn minute(t: Timestamp) -> i64 {
    t.as_second().div_euclid(60)
}

/// Judges an end instant against a due instant, to the minute.
fn judge(
    calendar: &WorkingCalendar,
    rule: EarlyRule,
    end: Timestamp,
    due: Timestamp,
) -> Timeliness {
    if minute(end) > minute(due) {
        return Timeliness::Late;
    }
    match rule {
        EarlyRule::BeforeDueDay => {
            let day = |t| calendar.time_zone().to_datetime(t).date();
            if day(end) < day(due) {
                Timeliness::Early
            } else {
                Timeliness::OnTime
            }
        }
    }
}

fn in_progress(at: Timestamp, due: Timestamp) -> Timeliness {
    if minute(at) > minute(due) {
        Timeliness::InProgressLate
    } else {
        Timeliness::InProgressOnTime
    }
}

/// One passage through a process step, as on the control sheet (form 06).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepView {
    /// The step's key.
    pub step: StepId,
    /// Its name.
    pub name: String,
    /// Where it was done.
    pub unit: UnitId,
    /// Whether another agency did it (liên thông).
    pub inter_agency: bool,
    /// Its allotment of working time.
    pub allotted: SignedDuration,
    /// When the dossier arrived at the step.
    pub started_at: Timestamp,
    /// When the step was due (allotment counted from arrival, pauses removed).
    pub due_at: Timestamp,
    /// When it was completed or left.
    pub ended_at: Option<Timestamp>,
    /// Who it was assigned to.
    pub assignee: Option<OfficialId>,
    /// Who completed it.
    pub ended_by: Option<Actor>,
    /// The branch taken.
    pub branch: Option<String>,
    /// The reason it was returned from, if it was.
    pub returned_with: Option<String>,
    /// Its verdict.
    pub timeliness: Timeliness,
}

/// A dossier's figures at an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    /// The instant of the assessment (never before the last event).
    pub at: Timestamp,
    /// Status then.
    pub status: Status,
    /// The limits that apply (base limit, then location adjustments).
    pub limits: Vec<TimeLimit>,
    /// When the clock started (valid receipt).
    pub received_at: Option<Timestamp>,
    /// The appointment as first printed on form 01 (no pauses yet).
    pub initial_due_at: Option<Timestamp>,
    /// The legal due instant, moved by pauses: what the index judges against.
    pub due_at: Option<Timestamp>,
    /// The appointment in force: the latest apology's date, else the legal due instant.
    pub appointment_at: Option<Timestamp>,
    /// Whether the clock is stopped now.
    pub clock_paused: bool,
    /// Time removed by pauses so far (wall clock).
    pub paused: SignedDuration,
    /// Time counted since receipt, in the limit's clock (working time, or wall clock for
    /// calendar days and months).
    pub elapsed: Option<SignedDuration>,
    /// Time left until the due instant in the same clock; negative when overdue.
    pub remaining: Option<SignedDuration>,
    /// When processing ended by the index's rule.
    pub ended_at: Option<Timestamp>,
    /// The instant the verdict compares with the due instant.
    pub judged_at: Option<Timestamp>,
    /// The verdict (`None` for a dossier never received).
    pub timeliness: Option<Timeliness>,
    /// Whether the verdict can no longer change: processing has ended. (A dossier waiting
    /// for a supplement is judged at the request, but that verdict is not frozen.)
    pub frozen: bool,
    /// Supplement requests after receipt.
    pub supplement_requests: usize,
    /// For submitted dossiers, when acceptance (or a supplement request or refusal) was due.
    pub acceptance_due_at: Option<Timestamp>,
    /// Whether that decision came in time.
    pub acceptance: Option<Timeliness>,
    /// Every passage through a step.
    pub steps: Vec<StepView>,
}

impl Dossier {
    /// When processing ended by the index's rule (received dossiers only).
    pub fn processing_ended_at(&self) -> Option<Timestamp> {
        self.received_at?;
        self.finished_at.or(self.returned_at).or(match self.phase {
            Phase::Stopped | Phase::Refused | Phase::Withdrawn => self.closed_at,
            _ => None,
        })
    }

    /// The figures at `at` (clamped to the last event: the fold knows nothing later).
    pub fn assess(&self, at: Timestamp) -> Result<Assessment, DeadlineError> {
        let at = at.max(self.last_at);
        let ended_at = self.processing_ended_at();
        let clock_end = ended_at.unwrap_or(at);
        let pauses = self.clock_pauses(clock_end);
        let cal = &*self.calendar;
        let rule = self.rules.early_rule;
        let unit = self.competent_unit.as_ref().unwrap_or(&self.receiving_unit);
        let limits = self.procedure.limits_for(self.channel, unit);
        let supplement_requests = self.supplements.iter().filter(|s| s.after_receipt).count();

        let mut a = Assessment {
            at,
            status: self.status(),
            limits: limits.clone(),
            received_at: self.received_at,
            initial_due_at: None,
            due_at: None,
            appointment_at: None,
            clock_paused: ended_at.is_none()
                && self.pauses.iter().any(|p| p.to.is_none() && p.stops_clock),
            paused: pauses.total(),
            elapsed: None,
            remaining: None,
            ended_at,
            judged_at: None,
            timeliness: None,
            frozen: ended_at.is_some(),
            supplement_requests,
            acceptance_due_at: None,
            acceptance: None,
            steps: Vec::new(),
        };

        if let Some(submitted) = self.submitted_at {
            // The acceptance clock runs on the receiving desk's calendar.
            let desk = &*self.desk_calendar;
            let due = desk.due(
                submitted,
                self.rules.online_acceptance_limit,
                &Pauses::default(),
            )?;
            a.acceptance_due_at = Some(due);
            a.acceptance = match (self.decided_at, self.phase) {
                (Some(decided), _) => Some(judge(desk, rule, decided, due)),
                // Withdrawn before the desk decided: late only if the desk had overrun.
                (None, Phase::Withdrawn) => self
                    .closed_at
                    .filter(|w| minute(*w) > minute(due))
                    .map(|_| Timeliness::Late),
                (None, _) => Some(in_progress(at, due)),
            };
        }

        let Some(received) = self.received_at else {
            return Ok(a);
        };
        let due = self.due_with(received, &pauses)?;
        a.initial_due_at = Some(self.due_with(received, &Pauses::default())?);
        a.due_at = Some(due);
        a.appointment_at = Some(self.apologies.last().map_or(due, |ap| ap.new_due));

        let waiting_since = (self.phase == super::Phase::AwaitingSupplement)
            .then(|| self.supplements.last().map(|s| s.at))
            .flatten();
        let judged_at = ended_at.or(waiting_since);
        a.judged_at = Some(judged_at.unwrap_or(at));
        let clock_unit = limits[0].unit();
        a.elapsed = Some(cal.elapsed(received, clock_end, clock_unit, &pauses)?);
        a.remaining = Some(cal.elapsed(clock_end, due, clock_unit, &pauses)?);
        let too_many = supplement_requests >= self.rules.late_from_supplement_requests as usize;
        a.timeliness = Some(match judged_at {
            Some(_) if too_many => Timeliness::Late,
            None if too_many => Timeliness::InProgressLate,
            Some(end) => judge(cal, rule, end, due),
            None => in_progress(at, due),
        });

        for run in &self.steps {
            let process = self.process.as_ref().expect("steps imply a process");
            let def = &process.steps[run.index];
            let step_due = cal.add_working_time(run.started_at, def.allotted(), &pauses)?;
            a.steps.push(StepView {
                step: run.step.clone(),
                name: def.name.clone(),
                unit: run.unit.clone(),
                inter_agency: run.inter_agency,
                allotted: def.allotted(),
                started_at: run.started_at,
                due_at: step_due,
                ended_at: run.ended_at,
                assignee: run.assignee.clone(),
                ended_by: run.ended_by.clone(),
                branch: run.branch.clone(),
                returned_with: run.returned_with.clone(),
                timeliness: match run.ended_at {
                    Some(end) => judge(cal, rule, end, step_due),
                    None => in_progress(at, step_due),
                },
            });
        }
        Ok(a)
    }
}
