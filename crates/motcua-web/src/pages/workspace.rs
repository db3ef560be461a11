//! The officials' workspace: the inbox of dossiers by what is to be done with them, with
//! due-time colouring, and the dossier page with its control sheet (form 06), its full
//! history and the actions the official may take.
//!
//! Every action is a form posted to the dossier's page. It carries the version the official
//! saw (so a dossier changed meanwhile is not acted on blind) and a key drawn when the page
//! was shown (so a form sent twice acts once).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use jiff::Timestamp;
use motcua_app::views::{DossierSummary, DossierView, StepChoice};
use motcua_app::{Action, AppError, DossierOrder, ListQuery, Meta, Principal, Rules};
use motcua_domain::org::{Official, Role};
use serde::Deserialize;

use super::format::{self, Lang};
use super::session::{Signed, same_origin};
use super::{Asked, Chrome, Page, Tr, failure, html, query, rules};
use crate::AppState;

/// How many dossiers a tab of the inbox shows: those waiting at the official's units, the
/// nearest deadline first.
const INBOX_SIZE: u32 = 100;

/// What the official may do, from their roles anywhere (the application decides per dossier).
#[derive(Debug, Clone, Copy, Default)]
struct Can {
    desk: bool,
    handle: bool,
    lead: bool,
}

impl Can {
    fn of(o: &Official) -> Self {
        let has = |roles: &[Role]| o.roles.iter().any(|r| roles.contains(&r.role));
        Can {
            desk: has(&[Role::DeskOfficer, Role::UnitLeader]),
            handle: has(&[Role::Specialist, Role::UnitLeader]),
            lead: has(&[Role::UnitLeader]),
        }
    }
}

/// A workspace page's chrome: the portal's, with the official named.
fn chrome(rules: &Rules, asked: &Asked, o: &Official, title: String) -> Chrome {
    Chrome::official(rules, asked, o, "workspace", title)
}

// ----- The inbox --------------------------------------------------------------------------

/// The inbox's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    /// Online submissions awaiting the desk's decision (status 1).
    Intake,
    /// Received and not finished (statuses 2, 4, 5, 6).
    Processing,
    /// Results to return (status 9).
    Results,
}

impl Tab {
    const ALL: [Tab; 3] = [Tab::Intake, Tab::Processing, Tab::Results];

    fn key(self) -> &'static str {
        match self {
            Tab::Intake => "cho-tiep-nhan",
            Tab::Processing => "dang-xu-ly",
            Tab::Results => "tra-ket-qua",
        }
    }

    fn label(self, tr: Tr) -> &'static str {
        match self {
            Tab::Intake => tr.t("Chờ tiếp nhận", "Awaiting acceptance"),
            Tab::Processing => tr.t("Đang giải quyết", "In processing"),
            Tab::Results => tr.t("Trả kết quả", "Results to return"),
        }
    }

    fn statuses(self) -> Vec<u8> {
        match self {
            Tab::Intake => vec![1],
            Tab::Processing => vec![2, 4, 5, 6],
            Tab::Results => vec![9],
        }
    }
}

/// How close a dossier is to its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Due {
    /// More than a day left, or the clock is stopped.
    OnTrack,
    /// Due within 24 hours.
    Soon,
    /// Past due.
    Late,
}

impl Due {
    fn of(due: Option<&str>, paused: bool, now: Timestamp) -> Option<Due> {
        let due: Timestamp = due?.parse().ok()?;
        let left = due.as_second() - now.as_second();
        Some(if left < 0 {
            Due::Late
        } else if left < 24 * 3600 && !paused {
            Due::Soon
        } else {
            Due::OnTrack
        })
    }

    fn class(self) -> &'static str {
        match self {
            Due::OnTrack => "due-ok",
            Due::Soon => "due-soon",
            Due::Late => "due-late",
        }
    }

    fn label(self, tr: Tr) -> &'static str {
        match self {
            Due::OnTrack => tr.t("Trong hạn", "On track"),
            Due::Soon => tr.t("Sắp đến hạn", "Due within a day"),
            Due::Late => tr.t("Quá hạn", "Late"),
        }
    }
}

struct Row {
    code: String,
    procedure: String,
    applicant: String,
    status: String,
    step: Option<String>,
    /// The deadline that matters in this tab: acceptance for the intake, else the due date.
    deadline: Option<String>,
    due_class: &'static str,
    due_label: Option<&'static str>,
    paused: bool,
}

struct TabLink {
    href: String,
    label: &'static str,
    current: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct Inbox {
    c: Chrome,
    tabs: Vec<TabLink>,
    tab: &'static str,
    q: String,
    error: Option<String>,
    rows: Vec<Row>,
    /// The next page's cursor, when there are more.
    next: Option<String>,
    now: String,
    /// Whether the official keeps a desk's register (form 07).
    desk: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct InboxQuery {
    loai: Option<String>,
    q: Option<String>,
    /// Where the page starts (the previous page's cursor).
    sau: Option<String>,
}

pub(crate) async fn inbox(
    State(state): State<AppState>,
    asked: Asked,
    Signed(official): Signed,
    q: Result<Query<InboxQuery>, QueryRejection>,
) -> Page {
    let q = query(&state, &asked, q).await?;
    let rules = rules(&state, &asked).await?;
    let (lang, tr) = (asked.lang, asked.tr());
    let can = Can::of(&official);
    let tab = q
        .loai
        .as_deref()
        .and_then(|k| Tab::ALL.into_iter().find(|t| t.key() == k))
        .unwrap_or(if can.desk && !can.handle {
            Tab::Intake
        } else {
            Tab::Processing
        });
    let text = q.q.unwrap_or_default().trim().to_owned();
    let principal = Principal::Official(official.clone());
    let list = state
        .app
        .list(
            &principal,
            &ListQuery {
                statuses: tab.statuses(),
                q: (!text.is_empty()).then(|| text.clone()),
                waiting: true,
                order: DossierOrder::Deadline,
                limit: Some(INBOX_SIZE),
                cursor: q.sau.clone(),
                ..ListQuery::default()
            },
        )
        .await;
    let now = state.app.clock().now();
    let (items, next, error) = match list {
        Ok(page) => (page.items, page.next_cursor, None),
        Err(AppError::Invalid(_)) if q.sau.as_ref().is_some_and(|c| !c.is_empty()) => (
            Vec::new(),
            None,
            Some(tr.t(
                "Liên kết trang tiếp theo không còn hợp lệ: hãy mở lại danh sách.",
                "The next-page link is no longer valid: open the list again.",
            )),
        ),
        Err(AppError::Invalid(_)) => (
            Vec::new(),
            None,
            Some(tr.t(
                "Từ khóa quá dài: hãy nhập tối đa 200 ký tự và 20 từ.",
                "The search is too long: use at most 200 characters and 20 words.",
            )),
        ),
        Err(AppError::Forbidden(_)) => (
            Vec::new(),
            None,
            Some(tr.t(
                "Tài khoản của bạn không có vai trò xử lý hồ sơ.",
                "Your account has no role that handles dossiers.",
            )),
        ),
        Err(e) => return Err(failure(&state, &asked, &e).await),
    };
    let mut rows = Vec::with_capacity(items.len());
    for d in items {
        // The 8 working hours the desk has to accept an online submission are in the
        // projection row; a row written before it kept them is worked out from its events.
        let deadline = match tab {
            Tab::Intake if d.acceptance_due_at.is_none() => {
                match state.app.dossier(&principal, &d.code).await {
                    Ok(v) => v.summary.acceptance_due_at,
                    Err(e) => return Err(failure(&state, &asked, &e).await),
                }
            }
            Tab::Intake => d.acceptance_due_at.clone(),
            _ => d.due_at.clone(),
        };
        rows.push(row(d, deadline.as_deref(), now, lang));
    }
    let tabs = Tab::ALL
        .into_iter()
        .map(|t| TabLink {
            href: format!("/can-bo?loai={}", t.key()),
            label: t.label(tr),
            current: t == tab,
        })
        .collect();
    let c = chrome(
        &rules,
        &asked,
        &official,
        tr.t("Hồ sơ cần xử lý", "Dossiers to handle").to_owned(),
    );
    Ok(html(
        StatusCode::OK,
        Inbox {
            c,
            tabs,
            tab: tab.key(),
            q: text,
            error: error.map(str::to_owned),
            rows,
            next,
            desk: can.desk,
            now: format::instant(&rules.calendar_set.base().format_instant(now), lang),
        }
        .render(),
    ))
}

fn row(d: DossierSummary, deadline: Option<&str>, now: Timestamp, lang: Lang) -> Row {
    let tr = Tr { lang };
    let due = Due::of(deadline, d.clock_paused, now);
    Row {
        status: tr.t(&d.status.name_vi, &d.status.name).to_owned(),
        deadline: deadline.map(|t| format::instant(t, lang)),
        due_class: due.map_or("", Due::class),
        due_label: due.map(|d| d.label(tr)),
        paused: d.clock_paused,
        step: d.current_step,
        code: d.code,
        procedure: d.procedure_name,
        applicant: d.applicant_name,
    }
}

// ----- A dossier --------------------------------------------------------------------------

struct StepRow {
    name: String,
    unit: String,
    assignee: String,
    started: String,
    due: String,
    ended: String,
    ended_by: String,
    verdict: &'static str,
    note: Option<String>,
}

struct EventRow {
    at: String,
    what: &'static str,
    who: String,
    reason: Option<String>,
}

#[derive(Template)]
#[template(path = "dossier.html")]
struct DossierPage {
    c: Chrome,
    d: DossierView,
    status: String,
    facts: Vec<(&'static str, String)>,
    steps: Vec<StepRow>,
    events: Vec<EventRow>,
    /// The actions offered.
    actions: Vec<Offer>,
    /// Whether some actions are folded under "other actions".
    has_more: bool,
    /// Whether completing the step offers a choice of where to or to whom.
    choose_outcome: bool,
    /// Whether the folded actions start open (one of them has just failed).
    more_open: bool,
    /// Completing the step: where to and to whom.
    outcomes: Vec<ChoiceGroup>,
    /// Sending back: which step and to whom.
    returns: Vec<ChoiceGroup>,
    /// Asking an opinion: of which agency.
    agencies: Vec<Choice>,
    /// The name of the step the dossier is at.
    step_name: Option<String>,
    /// The result documents issued.
    results: Vec<motcua_app::views::FileView>,
    /// The forms the dossier has: number and title.
    papers: Vec<(&'static str, &'static str)>,
    /// Drawn for this page: the forms' idempotency key.
    key: String,
    /// What was just done (after a redirect), or went wrong.
    done: Option<&'static str>,
    error: Option<String>,
    /// The action the error is about, to keep its form open with what was typed.
    failed: Option<ActionFields>,
}

/// Who did it: an official's name, the applicant, or the system.
fn who(rules: &Rules, actor: &str, tr: Tr) -> String {
    match actor.strip_prefix("official:") {
        Some(id) => id
            .parse()
            .ok()
            .and_then(|id| rules.org.official(&id))
            .map_or_else(|| id.to_owned(), |o| o.name.clone()),
        None => match actor {
            "applicant" => tr.t("Người nộp hồ sơ", "The applicant").to_owned(),
            "system" => tr.t("Hệ thống", "The system").to_owned(),
            other => other.to_owned(),
        },
    }
}

/// An official named by key, with or without the `official:` of an actor.
fn official_name(rules: &Rules, key: &str, tr: Tr) -> String {
    if key.contains(':') {
        who(rules, key, tr)
    } else {
        who(rules, &format!("official:{key}"), tr)
    }
}

fn unit_name(rules: &Rules, key: &str) -> String {
    key.parse()
        .ok()
        .and_then(|u| rules.org.unit(&u))
        .map_or_else(|| key.to_owned(), |u| u.name.clone())
}

/// An action offered on the dossier page.
struct Offer {
    /// Its key (the form's `action`).
    name: &'static str,
    /// Whether the less frequent actions, folded under "other actions", start here.
    opens_more: bool,
}

/// What an official with these roles may be offered on a dossier in this state: the usual
/// next actions first, then the rarer ones (return, opinion, payment, withdraw, stop).
fn actions(d: &DossierView, can: Can) -> Vec<Offer> {
    let s = &d.summary;
    let received = s.received_at.is_some();
    let (mut main, mut more) = (Vec::new(), Vec::new());
    match s.status.code {
        1 if can.desk => main.extend(["receive", "request-supplement", "refuse"]),
        2 | 4 => {
            if d.awaiting_agency {
                if can.handle {
                    main.push("agency-opinion-received");
                }
            } else if s.current_step.is_some() {
                main.push("complete-step");
                if can.handle && !d.returnable.is_empty() {
                    more.push("return-to-step");
                }
                if can.desk || can.handle {
                    main.push("request-supplement");
                    more.push("request-payment");
                }
                if can.handle {
                    more.push("request-agency-opinion");
                }
            } else if can.lead {
                main.push("issue-result");
            }
            if can.lead && !d.frozen {
                main.push("apologize");
            }
        }
        5 if can.desk => main.push("supplement-received"),
        6 if can.desk || can.handle => main.push("payment-received"),
        9 if can.desk => main.push("return-result"),
        _ => {}
    }
    // Refusing after receipt (the dossier turns out not to qualify) is the leader's.
    let refusable = matches!(s.status.code, 2 | 4) && !d.awaiting_agency || s.status.code == 5;
    if can.lead && received && refusable {
        more.push("refuse");
    }
    // Closing without a result: the applicant's withdrawal at the desk, the leader's stop.
    if matches!(s.status.code, 1 | 2 | 4 | 5 | 6) {
        if can.desk {
            more.push("withdraw");
        }
        if can.lead && received {
            more.push("stop");
        }
    }
    let first_more = main.len();
    main.into_iter()
        .chain(more)
        .enumerate()
        .map(|(i, name)| Offer {
            name,
            opens_more: i == first_more,
        })
        .collect()
}

/// A choice in a `<select>`: its value and what it says.
struct Choice {
    value: String,
    label: String,
}

/// A group of choices (`<optgroup>`).
struct ChoiceGroup {
    label: String,
    choices: Vec<Choice>,
}

/// A step the dossier can go to, and who may take it on: the group of `to` choices
/// `{key}|{official}`, unassigned first (the unit assigns it).
fn step_group(key: &str, label: &str, next: &StepChoice, rules: &Rules, tr: Tr) -> ChoiceGroup {
    let unassigned = Choice {
        value: format!("{key}|"),
        label: format!(
            "{} — {}",
            next.name,
            tr.t("đơn vị tự phân công", "the unit assigns it")
        ),
    };
    let handlers = next.handlers.iter().map(|h| Choice {
        value: format!("{key}|{}", h.id),
        label: format!("{} — {}", next.name, h.name),
    });
    ChoiceGroup {
        label: format!("{label}{} ({})", next.name, unit_name(rules, &next.unit)),
        choices: std::iter::once(unassigned).chain(handlers).collect(),
    }
}

/// Where completing the current step can send the dossier, and to whom.
fn outcome_groups(d: &DossierView, rules: &Rules, tr: Tr) -> Vec<ChoiceGroup> {
    d.outcomes
        .iter()
        .map(|o| {
            let key = o.branch.as_deref().unwrap_or_default();
            let label = match &o.branch {
                Some(b) => format!("{} “{b}”: ", tr.t("Nhánh", "Branch")),
                None => tr.t("Tiếp theo: ", "Next: ").to_owned(),
            };
            if let Some(next) = &o.next {
                return step_group(key, &label, next, rules, tr);
            }
            let end = tr.t(
                "Kết thúc xử lý, trình ban hành kết quả",
                "End of processing, for the result to be issued",
            );
            ChoiceGroup {
                label: format!("{label}{end}"),
                choices: vec![Choice {
                    value: format!("{key}|"),
                    label: end.to_owned(),
                }],
            }
        })
        .collect()
}

/// The steps the dossier can be sent back to, and to whom.
fn return_groups(d: &DossierView, rules: &Rules, tr: Tr) -> Vec<ChoiceGroup> {
    d.returnable
        .iter()
        .map(|s| step_group(&s.step, "", s, rules, tr))
        .collect()
}

/// The agencies an opinion can be asked of: every unit but the one handling the step,
/// departments and agencies before wards and communes, by name.
fn agency_choices(d: &DossierView, rules: &Rules) -> Vec<Choice> {
    let here = d.summary.current_unit.as_deref();
    let mut units: Vec<_> = rules
        .org
        .units()
        .filter(|u| Some(u.id.as_str()) != here)
        .collect();
    units.sort_by(|a, b| {
        let commune =
            |u: &motcua_domain::org::Unit| u.kind == motcua_domain::org::UnitKind::Commune;
        commune(a)
            .cmp(&commune(b))
            .then_with(|| a.name.cmp(&b.name))
    });
    units
        .into_iter()
        .map(|u| Choice {
            value: u.id.to_string(),
            label: u.name.clone(),
        })
        .collect()
}

/// The fields of every action form (each form sends the ones it has).
#[derive(Debug, Clone, Default)]
pub(crate) struct ActionFields {
    action: String,
    version: Option<u64>,
    key: Option<String>,
    reason: String,
    missing: String,
    new_date: String,
    new_time: String,
    document_number: String,
    via: String,
    amount: String,
    /// Where to and to whom: `{branch or step}|{official}`.
    to: String,
    agency: String,
    items: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct DossierQuery {
    xong: Option<String>,
}

/// What the banner says after an action.
fn done_message(action: &str, tr: Tr) -> Option<&'static str> {
    Some(match action {
        "receive" => tr.t("Đã tiếp nhận hồ sơ.", "The dossier was received."),
        "request-supplement" => tr.t(
            "Đã gửi yêu cầu bổ sung, hoàn thiện hồ sơ.",
            "The supplement request was sent.",
        ),
        "refuse" => tr.t("Đã từ chối hồ sơ.", "The dossier was refused."),
        "complete-step" => tr.t(
            "Đã hoàn thành bước và chuyển hồ sơ.",
            "The step was completed and the dossier handed on.",
        ),
        "apologize" => tr.t(
            "Đã ghi nhận văn bản xin lỗi và hẹn lại ngày trả kết quả.",
            "The apology and the new appointment were recorded.",
        ),
        "issue-result" => tr.t("Đã ban hành kết quả.", "The result was issued."),
        "return-result" => tr.t("Đã trả kết quả.", "The result was returned."),
        "supplement-received" => tr.t("Đã nhận hồ sơ bổ sung.", "The supplement was recorded."),
        "payment-received" => tr.t("Đã ghi nhận thanh toán.", "The payment was recorded."),
        "return-to-step" => tr.t(
            "Đã trả hồ sơ về bước trước.",
            "The dossier was sent back to an earlier step.",
        ),
        "request-payment" => tr.t(
            "Đã gửi yêu cầu thực hiện nghĩa vụ tài chính.",
            "The payment request was sent.",
        ),
        "request-agency-opinion" => tr.t(
            "Đã gửi xin ý kiến cơ quan, đơn vị liên quan.",
            "The other agency was asked for its opinion.",
        ),
        "agency-opinion-received" => tr.t(
            "Đã ghi nhận ý kiến của cơ quan, đơn vị liên quan.",
            "The other agency's opinion was recorded.",
        ),
        "withdraw" => tr.t(
            "Đã ghi nhận việc rút hồ sơ theo yêu cầu của người nộp.",
            "The withdrawal was recorded.",
        ),
        "stop" => tr.t("Đã dừng xử lý hồ sơ.", "Processing was stopped."),
        _ => return None,
    })
}

pub(crate) async fn dossier(
    State(state): State<AppState>,
    asked: Asked,
    Signed(official): Signed,
    Path(code): Path<String>,
    q: Result<Query<DossierQuery>, QueryRejection>,
) -> Page {
    let q = query(&state, &asked, q).await?;
    let done = q.xong.as_deref().and_then(|a| done_message(a, asked.tr()));
    show(
        &state,
        &asked,
        &official,
        &code,
        StatusCode::OK,
        done,
        None,
        None,
    )
    .await
}

/// Renders the dossier page.
#[allow(clippy::too_many_arguments)]
async fn show(
    state: &AppState,
    asked: &Asked,
    official: &Official,
    code: &str,
    status: StatusCode,
    done: Option<&'static str>,
    error: Option<String>,
    failed: Option<ActionFields>,
) -> Page {
    let rules = rules(state, asked).await?;
    let (lang, tr) = (asked.lang, asked.tr());
    let d = match state
        .app
        .dossier(&Principal::Official(official.clone()), code)
        .await
    {
        Ok(d) => d,
        Err(e @ (AppError::Forbidden(_) | AppError::NotFound(_))) => {
            let forbidden = matches!(e, AppError::Forbidden(_));
            return Err(super::error_page(
                state,
                asked,
                if forbidden {
                    StatusCode::FORBIDDEN
                } else {
                    StatusCode::NOT_FOUND
                },
                if forbidden {
                    ("Không có quyền xem hồ sơ", "Not allowed")
                } else {
                    ("Không tìm thấy hồ sơ", "Dossier not found")
                },
                format!(
                    "{} {code}. {}",
                    tr.t("Hồ sơ", "Dossier"),
                    if forbidden {
                        tr.t(
                            "không thuộc đơn vị nào bạn được giao xử lý.",
                            "is not handled by any of your units.",
                        )
                    } else {
                        tr.t("không có trên hệ thống.", "does not exist.")
                    }
                ),
            )
            .await);
        }
        Err(e) => return Err(failure(state, asked, &e).await),
    };
    let t = |s: &Option<String>| s.as_deref().map(|s| format::instant(s, lang));
    let mut facts = vec![
        (
            tr.t("Thủ tục", "Procedure"),
            d.summary.procedure_name.clone(),
        ),
        (tr.t("Người nộp", "Applicant"), d.applicant.name.clone()),
        (
            tr.t("Nơi tiếp nhận", "Received at"),
            unit_name(&rules, &d.summary.receiving_unit),
        ),
    ];
    for (label, value) in [
        (
            tr.t("Số định danh", "Identification number"),
            &d.applicant.id_number,
        ),
        (tr.t("Điện thoại", "Phone"), &d.applicant.phone),
        (tr.t("Thư điện tử", "E-mail"), &d.applicant.email),
        (tr.t("Địa chỉ", "Address"), &d.applicant.address),
    ] {
        if let Some(v) = value {
            facts.push((label, v.clone()));
        }
    }
    for (label, value) in [
        (tr.t("Ngày nộp", "Submitted"), t(&d.submitted_at)),
        (
            tr.t(
                "Hạn tiếp nhận (8 giờ làm việc)",
                "Acceptance due (8 working hours)",
            ),
            t(&d.summary.acceptance_due_at),
        ),
        (
            tr.t("Ngày tiếp nhận", "Received"),
            t(&d.summary.received_at),
        ),
        (tr.t("Hạn giải quyết", "Due"), t(&d.summary.due_at)),
        (
            tr.t("Ngày hẹn trả kết quả", "Appointment"),
            t(&d.summary.appointment_at),
        ),
        (tr.t("Ngày có kết quả", "Decided"), t(&d.summary.ended_at)),
    ] {
        if let Some(v) = value {
            facts.push((label, v));
        }
    }
    if !d.limits.is_empty() {
        facts.push((
            tr.t("Thời hạn giải quyết", "Time limit"),
            d.limits.join("; "),
        ));
    }
    // How the appointment was reached: the limit counted from receipt on the unit's
    // calendar, and what the calendar leaves out.
    if let (Some(received), Some(due)) = (&d.summary.received_at, &d.summary.due_at) {
        let working = d.limits.iter().any(|l| l.contains("làm việc"));
        let unit = if working {
            motcua_domain::TimeUnit::WorkingDays
        } else {
            motcua_domain::TimeUnit::CalendarDays
        };
        facts.push((
            tr.t("Cách tính ngày hẹn", "How the due date is set"),
            format!(
                "{} {} {}, {} {}. {}",
                d.limits.join(" + "),
                tr.t("kể từ khi tiếp nhận lúc", "from receipt at"),
                format::instant(received, lang),
                tr.t("đến hạn lúc", "due at"),
                format::instant(due, lang),
                format::time_unit_note(unit, lang),
            ),
        ));
    }
    if let Some(m) = d.remaining_minutes
        && d.summary.ended_at.is_none()
    {
        facts.push((
            tr.t("Thời gian còn lại", "Time left"),
            format::minutes_left(m, lang),
        ));
    }
    let steps = d
        .steps
        .iter()
        .map(|s| StepRow {
            name: s.name.clone(),
            unit: unit_name(&rules, &s.unit),
            assignee: s
                .assignee
                .as_deref()
                .map(|a| official_name(&rules, a, tr))
                .unwrap_or_default(),
            started: format::instant(&s.started_at, lang),
            due: format::instant(&s.due_at, lang),
            ended: t(&s.ended_at).unwrap_or_default(),
            ended_by: s
                .ended_by
                .as_deref()
                .map(|a| official_name(&rules, a, tr))
                .unwrap_or_default(),
            verdict: format::timeliness(&s.timeliness, lang),
            note: s.returned_with.clone(),
        })
        .collect();
    let events = d
        .history
        .iter()
        .map(|h| EventRow {
            at: format::instant(&h.at, lang),
            what: format::event(&h.event_type, lang),
            who: who(&rules, &h.actor, tr),
            reason: h.reason.clone(),
        })
        .collect();
    let c = chrome(
        &rules,
        asked,
        official,
        format!("{} {}", tr.t("Hồ sơ", "Dossier"), d.summary.code),
    );
    let step_name = d.summary.current_step.as_ref().map(|key| {
        d.steps
            .iter()
            .rev()
            .find(|s| &s.step == key)
            .map_or_else(|| key.clone(), |s| s.name.clone())
    });
    let papers = super::forms::Form::ALL
        .into_iter()
        .filter(|f| f.exists(&d))
        .map(|f| (f.number(), f.title()))
        .collect();
    let actions = actions(&d, Can::of(official));
    let outcomes = outcome_groups(&d, &rules, tr);
    let page = DossierPage {
        results: motcua_app::result_files(&d).collect(),
        papers,
        step_name,
        status: tr
            .t(&d.summary.status.name_vi, &d.summary.status.name)
            .to_owned(),
        has_more: actions.iter().any(|o| o.opens_more),
        choose_outcome: outcomes.len() > 1 || outcomes.iter().any(|g| g.choices.len() > 1),
        outcomes,
        returns: return_groups(&d, &rules, tr),
        agencies: if actions.iter().any(|a| a.name == "request-agency-opinion") {
            agency_choices(&d, &rules)
        } else {
            Vec::new()
        },
        more_open: failed.as_ref().is_some_and(|f| {
            actions
                .iter()
                .skip_while(|o| !o.opens_more)
                .any(|o| o.name == f.action)
        }),
        actions,
        key: crate::pages::new_form_key(),
        c,
        facts,
        steps,
        events,
        done,
        error,
        failed,
        d,
    };
    Ok(html(status, page.render()))
}

/// A field's error in Vietnamese, and the action that is not sent.
fn check(f: &ActionFields, tr: Tr) -> Result<(), String> {
    let need = |v: &str, vi: &str, en: &str| {
        if v.trim().is_empty() {
            Err(tr.t(vi, en).to_owned())
        } else {
            Ok(())
        }
    };
    match f.action.as_str() {
        "refuse" => need(
            &f.reason,
            "Hãy ghi rõ lý do từ chối: lý do được in trên phiếu từ chối gửi người nộp.",
            "Give the reason for refusing: it is printed on the refusal notice.",
        ),
        "request-supplement" => need(
            &f.missing,
            "Hãy liệt kê đầy đủ các giấy tờ cần bổ sung, mỗi dòng một giấy tờ.",
            "List every document to add, one per line.",
        ),
        "apologize" => {
            need(
                &f.reason,
                "Hãy ghi lý do chậm trễ để gửi văn bản xin lỗi.",
                "Give the reason for the delay, for the apology letter.",
            )?;
            need(
                &f.new_date,
                "Hãy chọn ngày hẹn trả kết quả mới.",
                "Choose the new appointment date.",
            )?;
            let time = f.new_time.trim();
            let date_ok = f.new_date.trim().parse::<jiff::civil::Date>().is_ok();
            let time_ok = time.is_empty() || time.parse::<jiff::civil::Time>().is_ok();
            if date_ok && time_ok {
                Ok(())
            } else {
                Err(tr
                    .t(
                        "Ngày giờ hẹn mới không đúng dạng: ngày năm-tháng-ngày, giờ giờ:phút, ví dụ 2026-03-05 và 17:00.",
                        "The new date or time is not in the right form: year-month-day and hours:minutes, e.g. 2026-03-05 and 17:00.",
                    )
                    .to_owned())
            }
        }
        "payment-received" => amount(f, tr).map(drop),
        "request-payment" => {
            if amount(f, tr)? == 0 {
                return Err(tr
                    .t(
                        "Số tiền phải lớn hơn 0 đồng.",
                        "The amount must be more than 0 đồng.",
                    )
                    .to_owned());
            }
            need(
                &f.items,
                "Hãy ghi các khoản phải nộp (phí, lệ phí, thuế), mỗi dòng một khoản.",
                "List what is to be paid (fees, charges, taxes), one per line.",
            )
        }
        "return-to-step" => {
            need(
                &f.to,
                "Hãy chọn bước trả hồ sơ về.",
                "Choose the step to send the dossier back to.",
            )?;
            need(
                &f.reason,
                "Hãy ghi lý do trả lại: người nhận cần biết phải làm lại gì.",
                "Give the reason for sending it back: the recipient must know what to redo.",
            )
        }
        "request-agency-opinion" => need(
            &f.agency,
            "Hãy chọn cơ quan, đơn vị được xin ý kiến.",
            "Choose the agency to ask.",
        ),
        "withdraw" => need(
            &f.reason,
            "Hãy ghi lý do người nộp xin rút hồ sơ (theo đơn đề nghị của họ).",
            "Give the applicant's reason for withdrawing (from their request).",
        ),
        "stop" => need(
            &f.reason,
            "Hãy ghi lý do dừng xử lý: lý do được in trên thông báo dừng xử lý (mẫu 05).",
            "Give the reason for stopping: it is printed on the stop notice (form 05).",
        ),
        _ => Ok(()),
    }
}

/// The amount of a payment form, in đồng (dots between thousands allowed).
fn amount(f: &ActionFields, tr: Tr) -> Result<u64, String> {
    f.amount
        .trim()
        .replace('.', "")
        .parse::<u64>()
        .map_err(|_| {
            tr.t(
                "Số tiền phải là một số nguyên đồng, ví dụ 8000.",
                "The amount must be a whole number of đồng, e.g. 8000.",
            )
            .to_owned()
        })
}

/// The non-empty lines of a text field.
fn lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// The action the form asks for.
fn action_of(f: &ActionFields, rules: &Rules) -> Result<Action, String> {
    let value = match f.action.as_str() {
        "receive" => serde_json::json!({"action": "receive"}),
        "complete-step" => {
            let (branch, assignee) = f.to.split_once('|').unwrap_or((f.to.as_str(), ""));
            let mut v = serde_json::json!({"action": "complete-step"});
            if !branch.is_empty() {
                v["branch"] = branch.into();
            }
            if !assignee.is_empty() {
                v["assignee"] = assignee.into();
            }
            v
        }
        "return-to-step" => {
            let (step, assignee) = f.to.split_once('|').unwrap_or((f.to.as_str(), ""));
            let mut v = serde_json::json!({
                "action": "return-to-step", "step": step, "reason": f.reason.trim(),
            });
            if !assignee.is_empty() {
                v["assignee"] = assignee.into();
            }
            v
        }
        "request-payment" => serde_json::json!({
            "action": "request-payment",
            "amount_vnd": f.amount.trim().replace('.', "").parse::<u64>().unwrap_or(0),
            "items": lines(&f.items),
        }),
        "request-agency-opinion" => serde_json::json!({
            "action": "request-agency-opinion", "agency": f.agency.trim(),
        }),
        "agency-opinion-received" => serde_json::json!({"action": "agency-opinion-received"}),
        "withdraw" => serde_json::json!({"action": "withdraw", "reason": f.reason.trim()}),
        "stop" => serde_json::json!({"action": "stop", "reason": f.reason.trim()}),
        "refuse" => serde_json::json!({"action": "refuse", "reason": f.reason.trim()}),
        "request-supplement" => serde_json::json!({
            "action": "request-supplement",
            "missing": lines(&f.missing),
        }),
        "supplement-received" => serde_json::json!({"action": "supplement-received"}),
        "payment-received" => serde_json::json!({
            "action": "payment-received",
            "amount_vnd": f.amount.trim().replace('.', "").parse::<u64>().unwrap_or(0),
        }),
        "apologize" => {
            let time = if f.new_time.trim().is_empty() {
                "17:00"
            } else {
                f.new_time.trim()
            };
            let at = format!("{}T{time}", f.new_date.trim());
            let cal = rules.calendar_set.base();
            let instant = at
                .parse::<jiff::civil::DateTime>()
                .ok()
                .and_then(|dt| cal.time_zone().to_timestamp(dt).ok())
                .ok_or_else(|| at.clone())?;
            serde_json::json!({
                "action": "apologize",
                "reason": f.reason.trim(),
                "new_due": cal.format_instant(instant),
            })
        }
        "issue-result" => {
            let mut v = serde_json::json!({"action": "issue-result", "electronic": true});
            if !f.document_number.trim().is_empty() {
                v["document_number"] = f.document_number.trim().into();
            }
            v
        }
        "return-result" => serde_json::json!({
            "action": "return-result",
            "via": if f.via.is_empty() { "desk" } else { f.via.as_str() },
        }),
        other => return Err(other.to_owned()),
    };
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// An application error after an action, for the official, in the page's language.
fn action_error(e: &AppError, tr: Tr) -> Option<(StatusCode, String)> {
    Some(match e {
        AppError::Refused(why) => (
            StatusCode::CONFLICT,
            format!(
                "{} ({why})",
                tr.t(
                    "Không thực hiện được thao tác này ở trạng thái hiện tại của hồ sơ.",
                    "This action is not possible in the dossier's current state.",
                )
            ),
        ),
        AppError::VersionConflict { .. } => (
            StatusCode::CONFLICT,
            tr.t(
                "Hồ sơ vừa được người khác cập nhật. Trang đã hiện thông tin mới nhất: hãy kiểm tra rồi thực hiện lại.",
                "Someone else has just changed the dossier. The page now shows it as it is: check, then act again.",
            )
            .to_owned(),
        ),
        AppError::Forbidden(why) => (
            StatusCode::FORBIDDEN,
            format!(
                "{} ({why})",
                tr.t(
                    "Bạn không có quyền thực hiện thao tác này với hồ sơ.",
                    "You may not take this action on this dossier.",
                )
            ),
        ),
        AppError::Invalid(why) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{} {why}", tr.t("Thông tin chưa hợp lệ:", "Not valid:")),
        ),
        _ => return None,
    })
}

impl ActionFields {
    /// The fields of a posted form (plain or multipart); `None` when the version is not a
    /// number.
    fn from_pairs(pairs: &[(String, String)]) -> Option<ActionFields> {
        let get = |name: &str| super::submit::field(pairs, name);
        let version = get("version");
        Some(ActionFields {
            action: get("action"),
            version: if version.is_empty() {
                None
            } else {
                Some(version.parse().ok()?)
            },
            key: Some(get("key")).filter(|k| !k.is_empty()),
            // Free text keeps its lines and inner spacing; the checks trim it.
            reason: raw(pairs, "reason"),
            missing: raw(pairs, "missing"),
            new_date: get("new_date"),
            new_time: get("new_time"),
            document_number: get("document_number"),
            via: get("via"),
            amount: get("amount"),
            to: get("to"),
            agency: get("agency"),
            items: raw(pairs, "items"),
        })
    }
}

/// A posted field as sent.
fn raw(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

pub(crate) async fn act(
    State(state): State<AppState>,
    asked: Asked,
    Signed(official): Signed,
    Path(code): Path<String>,
    request: Request,
) -> Page {
    same_origin(&state, &asked, request.headers()).await?;
    let (pairs, uploads) = super::submit::read_form(&state, &asked, request).await?;
    let Some(f) = ActionFields::from_pairs(&pairs) else {
        return Err(super::session::unreadable_form(&state, &asked).await);
    };
    let tr = asked.tr();
    let rules = rules(&state, &asked).await?;
    let refuse = |status, message: String, f: ActionFields| {
        let (state, asked, official, code) = (&state, &asked, &official, &code);
        async move {
            show(
                state,
                asked,
                official,
                code,
                status,
                None,
                Some(message),
                Some(f),
            )
            .await
        }
    };
    if let Err(message) = check(&f, tr) {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, message, f).await;
    }
    let mut action = match action_of(&f, &rules) {
        Ok(a) => a,
        Err(what) => {
            let message = format!(
                "{} “{what}”.",
                tr.t("Thao tác không hợp lệ:", "Not a valid action:")
            );
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, message, f).await;
        }
    };
    // The result document, when the leader attaches it to the result.
    if let motcua_app::Action::IssueResult { file, .. } = &mut action
        && let Some(u) = uploads.into_iter().find(|u| u.index == 0)
    {
        if let Err(e) = motcua_app::check_upload(&u.bytes) {
            let message = format!("{}: {}", u.name, super::submit::upload_message(&e, tr));
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, message, f).await;
        }
        match state.app.store_file(&u.name, u.bytes).await {
            Ok(v) => *file = Some(v),
            Err(e) => return Err(failure(&state, &asked, &e).await),
        }
    }
    let meta = Meta {
        expected_version: f.version,
        idempotency_key: f.key.clone().filter(|k| !k.is_empty()),
        request_hash: format!("page {code} {action:?}"),
    };
    match state
        .app
        .act(
            &Principal::Official(official.clone()),
            &code,
            &action,
            &meta,
        )
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/can-bo/ho-so/{code}?xong={}", f.action)).into_response())
        }
        Err(e) => match action_error(&e, tr) {
            Some((status, message)) => refuse(status, message, f).await,
            None => Err(failure(&state, &asked, &e).await),
        },
    }
}
