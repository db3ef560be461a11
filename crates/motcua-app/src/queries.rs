//! Queries: a dossier with its history and figures, lists, public tracking, the catalog.

use jiff::Timestamp;
use motcua_domain::UnitId;
use motcua_domain::calendar::WorkingCalendar;
use motcua_domain::catalog::ProcedureVersion;
use motcua_domain::dossier::{Actor, ApplicantKind, Dossier, Event, EventKind, Status};
use motcua_domain::org::Role;
use motcua_store::{DossierCursor, DossierFilter, DossierOrder, DossierRow, normalize};

use crate::authz::{Principal, may_read, readable_units};
use crate::projection::timeliness_name;
use crate::rules::Rules;
use crate::views::{
    ApplicantInput, DocumentInput, DossierPage, DossierSummary, DossierView, Handler, HistoryItem,
    OfficialView, OutcomeView, PublicDossier, PublicHistoryItem, StatusView, StepChoice, StepLine,
};
use crate::{App, AppError};

/// What a list of dossiers is filtered by (all optional).
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Only dossiers involving this unit (and, for leaders, not beyond their scope).
    pub unit: Option<String>,
    /// Only dossiers waiting at this unit now.
    pub waiting_at: Option<String>,
    /// Status codes.
    pub statuses: Vec<u8>,
    /// Procedure code.
    pub procedure: Option<String>,
    /// Channel code.
    pub channel: Option<u8>,
    /// Due at or after (RFC 3339).
    pub due_from: Option<String>,
    /// Due at or before (RFC 3339).
    pub due_to: Option<String>,
    /// Only dossiers overdue now.
    pub overdue: bool,
    /// Text, diacritics ignored.
    pub q: Option<String>,
    /// Only dossiers waiting at the unit (or at the units in scope) now: the inboxes, not
    /// every dossier they were involved in.
    pub waiting: bool,
    /// How the list is ordered.
    pub order: DossierOrder,
    /// Where the page starts.
    pub cursor: Option<String>,
    /// Page size (1–200, default 50).
    pub limit: Option<u32>,
}

pub(crate) fn status_view(s: Status) -> StatusView {
    StatusView {
        code: s.code(),
        name: s.to_string(),
        name_vi: s.vietnamese().to_owned(),
    }
}

fn status_of(code: u8) -> StatusView {
    Status::from_code(code).map_or_else(
        || StatusView {
            code,
            name: "unknown".into(),
            name_vi: "Không xác định".into(),
        },
        status_view,
    )
}

fn fmt(cal: &WorkingCalendar, t: Option<i64>) -> Option<String> {
    t.and_then(|s| Timestamp::from_second(s).ok())
        .map(|t| cal.format_instant(t))
}

fn actor_name(a: &Actor) -> String {
    match a {
        Actor::Official(id) => format!("official:{id}"),
        Actor::Applicant => "applicant".into(),
        Actor::System => "system".into(),
    }
}

/// The cursor as the API shows it: `<last_event_at>.<code>`, or `d<deadline>.<code>` in the
/// deadline order.
fn encode_cursor(c: &DossierCursor, order: DossierOrder) -> String {
    let mark = match order {
        DossierOrder::LatestActivity => "",
        DossierOrder::Deadline => "d",
    };
    format!("{mark}{}.{}", c.key, c.code)
}

fn decode_cursor(s: &str, order: DossierOrder) -> Result<DossierCursor, AppError> {
    let bad = || {
        AppError::Invalid(format!(
            "invalid cursor {s:?}: use next_cursor from the previous page, in the same order"
        ))
    };
    let key = match order {
        DossierOrder::LatestActivity => s,
        DossierOrder::Deadline => s.strip_prefix('d').ok_or_else(bad)?,
    };
    let (t, code) = key.split_once('.').ok_or_else(bad)?;
    Ok(DossierCursor {
        key: t.parse().map_err(|_| bad())?,
        code: code.to_owned(),
    })
}

impl App {
    pub(crate) fn summary(&self, rules: &Rules, row: &DossierRow) -> DossierSummary {
        let unit: Option<UnitId> = row.receiving_unit.parse().ok();
        let cal = unit
            .as_ref()
            .map_or_else(|| rules.calendar_set.base(), |u| rules.calendar_of(u));
        let now = self.clock.now().as_second();
        DossierSummary {
            code: row.code.clone(),
            version: row.version,
            status: status_of(row.status),
            channel: row.channel,
            procedure_code: row.procedure_code.clone(),
            procedure_name: row.procedure_name.clone(),
            applicant_name: row.applicant_name.clone(),
            receiving_unit: row.receiving_unit.clone(),
            competent_unit: row.competent_unit.clone(),
            current_unit: row.current_unit.clone(),
            current_step: row.current_step.clone(),
            received_at: fmt(cal, row.received_at),
            due_at: fmt(cal, row.due_at),
            appointment_at: fmt(cal, row.appointment_at),
            ended_at: fmt(cal, row.ended_at),
            clock_paused: row.clock_paused,
            overdue: row.ended_at.is_none()
                && !row.clock_paused
                && row.due_at.is_some_and(|d| d / 60 < now / 60),
            timeliness: row.timeliness.clone(),
            last_event_at: fmt(cal, Some(row.last_event_at)).unwrap_or_default(),
            acceptance_due_at: fmt(cal, row.acceptance_due_at),
        }
    }

    /// The full view of a folded dossier and its events.
    pub(crate) fn dossier_view(
        &self,
        rules: &Rules,
        d: &Dossier,
        events: &[(u64, Event)],
    ) -> Result<DossierView, AppError> {
        let cal = d.calendar();
        let row = crate::projection_row(d, None)?;
        let a = d
            .assess(self.clock.now())
            .map_err(|e| AppError::Internal(format!("cannot assess {}: {e}", d.code())))?;
        let t = |t: Option<Timestamp>| t.map(|t| cal.format_instant(t));
        let intake = d.intake();
        let mut summary = self.summary(rules, &row);
        // Lists show the verdict as of the last event; the dossier page shows it now.
        summary.timeliness = a.timeliness.map(|v| timeliness_name(v).to_owned());
        Ok(DossierView {
            summary,
            procedure_version: d.procedure().version,
            applicant: ApplicantInput {
                name: intake.applicant.name.clone(),
                organisation: intake.applicant.kind == ApplicantKind::Organisation,
                id_number: intake.applicant.id_number.clone(),
                phone: intake.applicant.phone.clone(),
                email: intake.applicant.email.clone(),
                address: intake.applicant.address.clone(),
            },
            documents: intake
                .documents
                .iter()
                .map(|doc| DocumentInput {
                    component: doc.component.clone(),
                    digitized: doc.digitized,
                    reused: doc.reused,
                    file: doc.file.as_ref().map(|f| crate::views::FileView {
                        sha256: f.sha256.clone(),
                        name: f.name.clone(),
                        content_type: f.content_type.clone(),
                        size: f.size,
                    }),
                })
                .collect(),
            limits: a.limits.iter().map(|l| l.vietnamese()).collect(),
            submitted_at: t(d.submitted_at()),
            initial_due_at: t(a.initial_due_at),
            elapsed_minutes: a.elapsed.map(|e| e.as_mins()),
            remaining_minutes: a.remaining.map(|r| r.as_mins()),
            supplement_requests: a.supplement_requests,
            acceptance: a.acceptance.map(|v| timeliness_name(v).to_owned()),
            frozen: a.frozen,
            awaiting_agency: d.awaiting_agency(),
            outcomes: d
                .outcomes()
                .into_iter()
                .map(|o| OutcomeView {
                    branch: o.branch,
                    next: o.target.map(|t| step_choice(rules, &t)),
                })
                .collect(),
            returnable: d
                .returnable_steps()
                .iter()
                .map(|t| step_choice(rules, t))
                .collect(),
            steps: a
                .steps
                .iter()
                .map(|s| StepLine {
                    step: s.step.to_string(),
                    name: s.name.clone(),
                    unit: s.unit.to_string(),
                    inter_agency: s.inter_agency,
                    allotted_minutes: s.allotted.as_mins(),
                    started_at: cal.format_instant(s.started_at),
                    due_at: cal.format_instant(s.due_at),
                    ended_at: t(s.ended_at),
                    assignee: s.assignee.as_ref().map(ToString::to_string),
                    ended_by: s.ended_by.as_ref().map(actor_name),
                    branch: s.branch.clone(),
                    returned_with: s.returned_with.clone(),
                    timeliness: timeliness_name(s.timeliness).to_owned(),
                })
                .collect(),
            history: events
                .iter()
                .map(|(seq, e)| {
                    let payload = serde_json::to_value(&e.kind)
                        .ok()
                        .and_then(|v| v.get("payload").cloned())
                        .unwrap_or(serde_json::Value::Null);
                    HistoryItem {
                        seq: *seq,
                        at: cal.format_instant(e.at),
                        event_type: e.event_type().as_str().to_owned(),
                        actor: actor_name(&e.actor),
                        unit: e.unit.to_string(),
                        reason: e.reason.clone(),
                        payload,
                    }
                })
                .collect(),
        })
    }

    /// A dossier with its history and figures, for an official who may read it or for its
    /// applicant.
    pub async fn dossier(
        &self,
        principal: &Principal,
        code: &str,
    ) -> Result<DossierView, AppError> {
        let rules = self.rules().await?;
        let (dossier, events) = self.load(&rules, code).await?;
        match principal {
            Principal::Official(o) => {
                let row = crate::projection_row(&dossier, None)?;
                if !may_read(&rules.org, o, &row) {
                    return Err(AppError::Forbidden(format!(
                        "dossier {code} is not handled by any of your units"
                    )));
                }
            }
            Principal::Applicant { code: own } if own == code => {}
            Principal::System => {}
            Principal::Applicant { .. } | Principal::Public => {
                return Err(AppError::Unauthenticated);
            }
        }
        self.dossier_view(&rules, &dossier, &events)
    }

    /// Dossiers an official may read, filtered.
    pub async fn list(
        &self,
        principal: &Principal,
        query: &ListQuery,
    ) -> Result<DossierPage, AppError> {
        let rules = self.rules().await?;
        let scope = match principal {
            Principal::Official(o) => {
                if !o.roles.iter().any(|r| r.role.handles_dossiers()) {
                    return Err(AppError::Forbidden(
                        "only desk officers, specialists and unit leaders read dossiers".into(),
                    ));
                }
                Some(readable_units(&rules.org, o))
            }
            Principal::System => None,
            _ => return Err(AppError::Unauthenticated),
        };
        let unit_filter = match (&query.unit, scope) {
            (Some(u), Some(scope)) => {
                let u: UnitId = u
                    .parse()
                    .map_err(|e| AppError::Invalid(format!("invalid unit: {e}")))?;
                if !scope.contains(&u) {
                    return Err(AppError::Forbidden(format!(
                        "unit {u} is not in your scope"
                    )));
                }
                Some(vec![u.to_string()])
            }
            (Some(u), None) => Some(vec![u.clone()]),
            (None, Some(scope)) => Some(scope.iter().map(ToString::to_string).collect()),
            (None, None) => None,
        };
        let instant = |what: &str, s: &Option<String>| -> Result<Option<i64>, AppError> {
            s.as_deref()
                .map(|v| {
                    v.parse::<Timestamp>()
                        .map(Timestamp::as_second)
                        .map_err(|_| {
                            AppError::Invalid(format!("{what} must be RFC 3339 with an offset"))
                        })
                })
                .transpose()
        };
        if let Some(c) = query.channel
            && !(1..=3).contains(&c)
        {
            return Err(AppError::Invalid(
                "channel must be 1 (desk), 2 (online) or 3 (postal)".into(),
            ));
        }
        if let Some(s) = query.statuses.iter().find(|s| !(1..=10).contains(*s)) {
            return Err(AppError::Invalid(format!(
                "status {s} is not a status code (1–10)"
            )));
        }
        let filter = DossierFilter {
            any_unit: unit_filter,
            current_unit: query.waiting_at.clone(),
            statuses: (!query.statuses.is_empty()).then(|| query.statuses.clone()),
            procedure_code: query.procedure.clone(),
            channel: query.channel,
            due_from: instant("due_from", &query.due_from)?,
            due_to: instant("due_to", &query.due_to)?,
            overdue_at: query
                .overdue
                .then(|| self.clock.now().as_second() / 60 * 60),
            text: search_words(query.q.as_deref())?,
            waiting_only: query.waiting,
            order: query.order,
        };
        let limit = query.limit.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(AppError::Invalid("limit must be between 1 and 200".into()));
        }
        // An empty cursor (`cursor=`) is the first page.
        let cursor = query
            .cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(|c| decode_cursor(c, query.order))
            .transpose()?;
        let page = self
            .store
            .list_dossiers(&filter, cursor.as_ref(), limit)
            .await?;
        Ok(DossierPage {
            items: page.items.iter().map(|r| self.summary(&rules, r)).collect(),
            next_cursor: page.next.as_ref().map(|c| encode_cursor(c, query.order)),
        })
    }

    /// What anyone with the code may see of a dossier.
    pub async fn public_dossier(&self, code: &str) -> Result<PublicDossier, AppError> {
        let rules = self.rules().await?;
        let (d, events) = self.load(&rules, code).await?;
        let cal = d.calendar();
        let a = d
            .assess(self.clock.now())
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let history = events
            .iter()
            .filter_map(|(_, e)| {
                let (mut amount, mut appointment) = (None, None);
                let (label, label_vi, note) = match &e.kind {
                    EventKind::Submitted { .. } => ("Submitted", "Đã nộp hồ sơ", None),
                    EventKind::Received { .. } => ("Received", "Đã tiếp nhận hồ sơ", None),
                    EventKind::SupplementRequested { missing } => (
                        "Supplement requested",
                        "Yêu cầu bổ sung hồ sơ",
                        Some(missing.join("; ")),
                    ),
                    EventKind::SupplementReceived { .. } => {
                        ("Supplement received", "Đã nhận hồ sơ bổ sung", None)
                    }
                    EventKind::Refused => {
                        ("Refused", "Từ chối tiếp nhận, giải quyết", e.reason.clone())
                    }
                    EventKind::StepCompleted { .. } | EventKind::ReturnedToStep { .. } => {
                        ("In processing", "Đang xử lý", None)
                    }
                    EventKind::PaymentRequested { amount_vnd, .. } => {
                        amount = Some(*amount_vnd);
                        (
                            "Payment requested",
                            "Yêu cầu thực hiện nghĩa vụ tài chính",
                            None,
                        )
                    }
                    EventKind::PaymentReceived { .. } => {
                        ("Paid", "Đã thực hiện nghĩa vụ tài chính", None)
                    }
                    EventKind::AgencyOpinionRequested { .. } | EventKind::AgencyOpinionReceived => {
                        return None;
                    }
                    EventKind::Apologized { new_due } => {
                        appointment = Some(cal.format_instant(*new_due));
                        (
                            "Apology, new appointment",
                            "Xin lỗi và hẹn lại ngày trả kết quả",
                            e.reason.clone(),
                        )
                    }
                    EventKind::Withdrawn => ("Withdrawn", "Đã rút hồ sơ", None),
                    EventKind::Stopped => ("Stopped", "Dừng xử lý", e.reason.clone()),
                    EventKind::ResultIssued { .. } => ("Result issued", "Đã có kết quả", None),
                    EventKind::ResultReturned { .. } => ("Result returned", "Đã trả kết quả", None),
                };
                Some(PublicHistoryItem {
                    at: cal.format_instant(e.at),
                    label: label.into(),
                    label_vi: label_vi.into(),
                    note,
                    amount_vnd: amount,
                    appointment_at: appointment,
                })
            })
            .collect();
        let t = |t: Option<Timestamp>| t.map(|t| cal.format_instant(t));
        let missing = if d.status() == motcua_domain::dossier::Status::SupplementRequested {
            events
                .iter()
                .rev()
                .find_map(|(_, e)| match &e.kind {
                    EventKind::SupplementRequested { missing } => Some(missing.clone()),
                    _ => None,
                })
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        Ok(PublicDossier {
            missing,
            code: d.code().to_string(),
            procedure_name: d.procedure().name.clone(),
            status: status_view(d.status()),
            submitted_at: t(d.submitted_at()),
            received_at: t(d.received_at()),
            appointment_at: t(a.appointment_at),
            ended_at: t(a.ended_at),
            history,
        })
    }

    /// The latest version of every procedure, optionally matching every word of a text
    /// (diacritics ignored, any order) in its code, name or field.
    pub async fn procedures(&self, q: Option<&str>) -> Result<Vec<ProcedureVersion>, AppError> {
        let needle = search_words(q)?;
        let rules = self.rules().await?;
        let Some(needle) = needle else {
            return Ok(rules.catalog.latest().cloned().collect());
        };
        let words: Vec<&str> = needle.split_whitespace().collect();
        Ok(rules
            .search_index
            .iter()
            .filter(|(_, text)| words.iter().all(|word| text.contains(word)))
            .filter_map(|(code, _)| rules.catalog.versions(code).last().cloned())
            .collect())
    }

    /// Every version of one procedure, oldest first.
    pub async fn procedure_versions(&self, code: &str) -> Result<Vec<ProcedureVersion>, AppError> {
        let rules = self.rules().await?;
        let code = code
            .parse()
            .map_err(|e| AppError::Invalid(format!("{e}")))?;
        let versions = rules.catalog.versions(&code).to_vec();
        if versions.is_empty() {
            return Err(AppError::NotFound(format!("unknown procedure {code}")));
        }
        Ok(versions)
    }

    /// An official as the API shows them.
    pub fn official_view(o: &motcua_domain::org::Official) -> OfficialView {
        OfficialView {
            id: o.id.to_string(),
            name: o.name.clone(),
            title: o.title.clone(),
            roles: o
                .roles
                .iter()
                .map(|r| format!("{}@{}", r.role, r.unit))
                .collect(),
        }
    }

    /// Counts of dossiers by status, for index viewers, leaders and administrators: of the
    /// dossiers that involve the units where they hold such a role, and the units below.
    pub async fn figures(&self, principal: &Principal) -> Result<Vec<(StatusView, u64)>, AppError> {
        let units = match principal {
            Principal::System => None,
            Principal::Official(o) => {
                let rules = self.rules().await?;
                let mut units: Vec<String> = o
                    .roles
                    .iter()
                    .filter(|r| {
                        matches!(
                            r.role,
                            Role::IndexViewer | Role::UnitLeader | Role::Administrator
                        )
                    })
                    .flat_map(|r| rules.org.subtree(&r.unit))
                    .map(|u| u.to_string())
                    .collect();
                if units.is_empty() {
                    return Err(AppError::Forbidden(
                        "figures are for index viewers, leaders and administrators".into(),
                    ));
                }
                units.sort();
                units.dedup();
                Some(units)
            }
            _ => return Err(AppError::Unauthenticated),
        };
        Ok(self
            .store
            .count_by_status(units.as_deref())
            .await?
            .into_iter()
            .map(|(s, n)| (status_of(s), n))
            .collect())
    }
}

/// The most words a search may have, and its longest text.
const MAX_SEARCH_WORDS: usize = 10;
const MAX_SEARCH_CHARS: usize = 200;

/// A search text without diacritics, case or extra spaces; `None` when there is nothing to
/// search for. Every word becomes a condition, so their number is bounded.
fn search_words(q: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(q) = q else { return Ok(None) };
    if q.chars().count() > MAX_SEARCH_CHARS {
        return Err(AppError::Invalid(format!(
            "q: a search may be at most {MAX_SEARCH_CHARS} characters"
        )));
    }
    let words = normalize(q);
    if words.split(' ').count() > MAX_SEARCH_WORDS {
        return Err(AppError::Invalid(format!(
            "q: a search may have at most {MAX_SEARCH_WORDS} words"
        )));
    }
    Ok((!words.is_empty()).then_some(words))
}

/// A step the dossier can go to, with the officials holding its role in its unit.
fn step_choice(rules: &Rules, t: &motcua_domain::dossier::StepTarget) -> StepChoice {
    let mut handlers: Vec<Handler> = rules
        .org
        .holders(t.role, &t.unit)
        .map(|o| Handler {
            id: o.id.to_string(),
            name: o.name.clone(),
        })
        .collect();
    handlers.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    StepChoice {
        step: t.step.to_string(),
        name: t.name.clone(),
        unit: t.unit.to_string(),
        role: t.role.as_str().to_owned(),
        handlers,
    }
}
