//! The citizens' portal: home, catalog search, a procedure, tracking a dossier.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use motcua_app::views::PublicDossier;
use motcua_app::{AppError, Rules};
use motcua_domain::ProcedureCode;
use motcua_domain::catalog::{ProcedureVersion, Requirement};
use motcua_domain::dossier::DossierCode;
use serde::Deserialize;

use super::format::{self, Lang};
use super::{Asked, Chrome, Page, encode, error_page, failure, html, query, rules};
use crate::AppState;

/// Results per page of the catalog: a page stays well under 100 KB on a phone.
const PAGE_SIZE: usize = 20;

// ----- Home -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    c: Chrome,
    procedures: usize,
    online: usize,
    fields: Vec<(String, usize)>,
}

pub(crate) async fn home(State(state): State<AppState>, asked: Asked) -> Page {
    let rules = rules(&state, &asked).await?;
    let mut c = Chrome::new(Some(&rules), &asked, "home");
    c.title.clone_from(&c.portal);
    let mut fields: BTreeMap<&str, usize> = BTreeMap::new();
    let mut procedures = 0;
    let mut online = 0;
    for p in rules.catalog.latest() {
        procedures += 1;
        if p.channels
            .contains(&motcua_domain::catalog::Channel::Online)
        {
            online += 1;
        }
        *fields.entry(p.field.as_str()).or_default() += 1;
    }
    let mut fields: Vec<(String, usize)> =
        fields.into_iter().map(|(f, n)| (f.to_owned(), n)).collect();
    // The busiest fields first; a few dozen at most, so the page stays light.
    fields.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    fields.truncate(24);
    Ok(html(
        StatusCode::OK,
        Home {
            c,
            procedures,
            online,
            fields,
        }
        .render(),
    ))
}

// ----- Catalog search ---------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub(crate) struct CatalogQuery {
    q: Option<String>,
    #[serde(rename = "linh-vuc")]
    field: Option<String>,
    trang: Option<String>,
}

/// One line of the results.
struct Hit {
    code: String,
    name: String,
    field: String,
    levels: String,
    time_limit: String,
    online: bool,
}

#[derive(Template)]
#[template(path = "catalog.html")]
struct Catalog {
    c: Chrome,
    q: String,
    field: String,
    fields: Vec<String>,
    error: Option<String>,
    total: usize,
    hits: Vec<Hit>,
    /// The number of the first hit on this page.
    first: usize,
    page: usize,
    pages: usize,
    prev_href: Option<String>,
    next_href: Option<String>,
}

/// The address of another page of the same search.
fn catalog_href(q: &str, field: &str, page: usize) -> String {
    let mut params = Vec::new();
    if !q.is_empty() {
        params.push(format!("q={}", encode(q)));
    }
    if !field.is_empty() {
        params.push(format!("linh-vuc={}", encode(field)));
    }
    if page > 1 {
        params.push(format!("trang={page}"));
    }
    if params.is_empty() {
        "/thu-tuc".to_owned()
    } else {
        format!("/thu-tuc?{}", params.join("&"))
    }
}

fn levels(p: &ProcedureVersion, lang: Lang) -> String {
    p.levels
        .iter()
        .map(|l| format::level(*l, lang))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) async fn catalog(
    State(state): State<AppState>,
    asked: Asked,
    q: Result<Query<CatalogQuery>, QueryRejection>,
) -> Page {
    let query = query(&state, &asked, q).await?;
    let rules = rules(&state, &asked).await?;
    let (lang, tr) = (asked.lang, asked.tr());
    let mut c = Chrome::new(Some(&rules), &asked, "catalog");
    c.title = tr
        .t("Thủ tục hành chính", "Administrative procedures")
        .to_owned();
    let q = query.q.unwrap_or_default().trim().to_owned();
    let field = query.field.unwrap_or_default().trim().to_owned();
    let mut fields: Vec<String> = rules.catalog.latest().map(|p| p.field.clone()).collect();
    fields.sort();
    fields.dedup();
    let (found, error) = match state.app.procedures(Some(&q)).await {
        Ok(found) => (found, None),
        Err(AppError::Invalid(_)) => (
            Vec::new(),
            Some(
                tr.t(
                    "Từ khóa quá dài: hãy nhập tối đa 200 ký tự và 20 từ, ví dụ “khai sinh”.",
                    "The search is too long: use at most 200 characters and 20 words, e.g. “birth”.",
                )
                .to_owned(),
            ),
        ),
        Err(e) => return Err(failure(&state, &asked, &e).await),
    };
    let found: Vec<&ProcedureVersion> = found
        .iter()
        .filter(|p| field.is_empty() || p.field == field)
        .collect();
    let total = found.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = query
        .trang
        .and_then(|t| t.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let hits = found
        .iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|p| Hit {
            code: p.code.to_string(),
            name: p.name.clone(),
            field: p.field.clone(),
            levels: levels(p, lang),
            time_limit: format::time_limit(p.time_limit, lang),
            online: p
                .channels
                .contains(&motcua_domain::catalog::Channel::Online),
        })
        .collect();
    Ok(html(
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        Catalog {
            c,
            prev_href: (page > 1).then(|| catalog_href(&q, &field, page - 1)),
            next_href: (page < pages).then(|| catalog_href(&q, &field, page + 1)),
            q,
            field,
            fields,
            error,
            total,
            hits,
            first: (page - 1) * PAGE_SIZE + 1,
            page,
            pages,
        }
        .render(),
    ))
}

// ----- A procedure ------------------------------------------------------------------------

struct ComponentLine {
    name: String,
    originals: u8,
    copies: u8,
    condition: Option<String>,
    template: Option<String>,
}

struct FeeLine {
    case: String,
    kind: &'static str,
    amount: String,
    /// The online amount, when it differs from the others.
    online: Option<String>,
}

struct BasisLine {
    number: String,
    title: String,
    issued: String,
}

#[derive(Template)]
#[template(path = "procedure.html")]
struct Procedure {
    c: Chrome,
    p: ProcedureVersion,
    levels: String,
    audiences: String,
    channels: Vec<&'static str>,
    time_limit: String,
    time_note: &'static str,
    online_time_limit: Option<String>,
    components: Vec<ComponentLine>,
    fees: Option<Vec<FeeLine>>,
    result_form: &'static str,
    online_level: &'static str,
    bases: Vec<BasisLine>,
    effective_from: String,
    /// Set when no version is in force today (the latest is shown, marked so).
    not_in_force: bool,
    /// Whether it can be submitted online.
    online: bool,
}

pub(crate) async fn procedure(
    State(state): State<AppState>,
    asked: Asked,
    Path(code): Path<String>,
) -> Page {
    let (lang, tr) = (asked.lang, asked.tr());
    let rules = rules(&state, &asked).await?;
    let Some((p, in_force)) = code
        .parse::<ProcedureCode>()
        .ok()
        .and_then(|code| procedure_for_today(&state, &rules, &code))
    else {
        return Err(error_page(
            &state,
            &asked,
            StatusCode::NOT_FOUND,
            ("Không tìm thấy thủ tục", "Procedure not found"),
            format!(
                "{} “{code}”. {}",
                tr.t(
                    "Danh mục không có thủ tục mã",
                    "The catalog has no procedure with the code"
                ),
                tr.t(
                    "Hãy tìm thủ tục theo tên trên trang Thủ tục hành chính.",
                    "Search for the procedure by name on the Procedures page."
                )
            ),
        )
        .await);
    };
    let mut c = Chrome::new(Some(&rules), &asked, "catalog");
    c.title.clone_from(&p.name);
    let fees = p.fees.as_ref().map(|fees| {
        fees.iter()
            .map(|f| {
                let other = f.amount_vnd;
                let online = f.amount_for(motcua_domain::catalog::Channel::Online);
                FeeLine {
                    case: f.case.clone(),
                    kind: format::fee_kind(f.kind, lang),
                    amount: format::money(other, lang),
                    online: (online != other
                        && p.channels
                            .contains(&motcua_domain::catalog::Channel::Online))
                    .then(|| format::money(online, lang)),
                }
            })
            .collect()
    });
    let page = Procedure {
        levels: levels(&p, lang),
        audiences: p
            .audiences
            .iter()
            .map(|a| format::audience(*a, lang))
            .collect::<Vec<_>>()
            .join(", "),
        channels: p
            .channels
            .iter()
            .map(|ch| format::channel(*ch, lang))
            .collect(),
        time_limit: format::time_limit(p.time_limit, lang),
        time_note: format::time_unit_note(p.time_limit.unit(), lang),
        online_time_limit: p
            .online_time_limit
            .filter(|l| *l != p.time_limit)
            .map(|l| format::time_limit(l, lang)),
        components: p
            .components
            .iter()
            .map(|k| ComponentLine {
                name: k.name.clone(),
                originals: k.originals,
                copies: k.copies,
                condition: match &k.requirement {
                    Requirement::Mandatory => None,
                    Requirement::Conditional { condition } => Some(condition.clone()),
                },
                template: k.template.clone(),
            })
            .collect(),
        fees,
        result_form: format::result_form(p.result.form, lang),
        online_level: format::online_level(p.online_level, lang),
        bases: p
            .legal_bases
            .iter()
            .map(|b| BasisLine {
                number: b.number.clone(),
                title: b.title.clone(),
                issued: format::date(b.issued),
            })
            .collect(),
        effective_from: format::date(p.effective_from),
        not_in_force: !in_force,
        online: p
            .channels
            .contains(&motcua_domain::catalog::Channel::Online),
        c,
        p,
    };
    Ok(html(StatusCode::OK, page.render()))
}

/// The version in force today, else the latest (with `false`).
pub(crate) fn procedure_for_today(
    state: &AppState,
    rules: &Rules,
    code: &ProcedureCode,
) -> Option<(ProcedureVersion, bool)> {
    let today = rules
        .calendar_set
        .for_unit(None)
        .time_zone()
        .to_datetime(state.app.clock().now())
        .date();
    if let Some(p) = rules.catalog.in_force(code, today) {
        return Some((p.clone(), true));
    }
    rules
        .catalog
        .versions(code)
        .last()
        .map(|p| (p.clone(), false))
}

// ----- Tracking ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub(crate) struct TrackingQuery {
    ma: Option<String>,
    /// `bo-sung` after the applicant's supplement was taken.
    xong: Option<String>,
}

/// The state of the supplement answer on the tracking page.
#[derive(Debug, Default)]
pub(crate) struct Answer {
    /// Errors by field id (`khoa`, `file-0`…), in the form's order.
    pub errors: Vec<(String, String)>,
    /// The supplement was just taken.
    pub done: bool,
}

/// One line of the public history.
struct Line {
    at: String,
    label: String,
    /// What is missing, why, how much, the new appointment: one line each.
    notes: Vec<String>,
}

#[derive(Template)]
#[template(path = "tracking.html")]
struct Tracking {
    c: Chrome,
    ma: String,
    error: Option<String>,
    dossier: Option<PublicDossier>,
    status: String,
    submitted_at: Option<String>,
    received_at: Option<String>,
    appointment_at: Option<String>,
    ended_at: Option<String>,
    history: Vec<Line>,
    /// What the open supplement request asks for, each with its file field's id (the
    /// answer form shows when it is not empty).
    missing: Vec<(String, String)>,
    answer: Answer,
    /// Drawn for this page: the answer form's idempotency key.
    key: String,
}

impl Tracking {
    fn answer_error(&self, field: &str) -> Option<&str> {
        super::field_error(&self.answer.errors, field)
    }
}

pub(crate) async fn tracking(
    State(state): State<AppState>,
    asked: Asked,
    q: Result<Query<TrackingQuery>, QueryRejection>,
) -> Page {
    let query = query(&state, &asked, q).await?;
    let answer = Answer {
        done: query.xong.as_deref() == Some("bo-sung"),
        ..Answer::default()
    };
    let ma = query.ma.unwrap_or_default().trim().to_owned();
    tracking_page(&state, &asked, ma, answer, StatusCode::OK).await
}

/// The tracking page of a code, with the state of a supplement answer.
pub(crate) async fn tracking_page(
    state: &AppState,
    asked: &Asked,
    ma: String,
    answer: Answer,
    answer_status: StatusCode,
) -> Page {
    let (lang, tr) = (asked.lang, asked.tr());
    let rules = rules(state, asked).await?;
    let mut c = Chrome::new(Some(&rules), asked, "tracking");
    c.title = tr.t("Tra cứu hồ sơ", "Track a dossier").to_owned();
    let mut page = Tracking {
        missing: Vec::new(),
        answer,
        key: super::new_form_key(),
        c,
        ma: ma.clone(),
        error: None,
        dossier: None,
        status: String::new(),
        submitted_at: None,
        received_at: None,
        appointment_at: None,
        ended_at: None,
        history: Vec::new(),
    };
    let mut status = answer_status;
    let mut refuse = |vi: &str, en: &str| {
        status = StatusCode::UNPROCESSABLE_ENTITY;
        Some(tr.t(vi, en).to_owned())
    };
    if ma.is_empty() {
        if asked.uri.query().is_some_and(|q| q.contains("ma=")) {
            page.error = refuse(
                "Hãy nhập mã hồ sơ, in trên giấy tiếp nhận hoặc trong thư báo đã nộp.",
                "Enter the dossier code, printed on the receipt or in the submission e-mail.",
            );
        }
    } else if ma.parse::<DossierCode>().is_err() {
        page.error = refuse(
            "Mã hồ sơ không đúng định dạng. Mã có dạng mã cơ quan, ngày tiếp nhận và số thứ tự, ví dụ 000.00.12.H29-260302-0001.",
            "The dossier code is not in the right form. A code is the agency's code, the date received and a number, e.g. 000.00.12.H29-260302-0001.",
        );
    } else {
        match state.app.public_dossier(&ma).await {
            Ok(d) => {
                let t = |s: &Option<String>| s.as_deref().map(|s| format::instant(s, lang));
                page.status = tr.t(&d.status.name_vi, &d.status.name).to_owned();
                page.submitted_at = t(&d.submitted_at);
                page.received_at = t(&d.received_at);
                page.appointment_at = t(&d.appointment_at);
                page.ended_at = t(&d.ended_at);
                page.history = d
                    .history
                    .iter()
                    .map(|h| Line {
                        at: format::instant(&h.at, lang),
                        label: tr.t(&h.label_vi, &h.label).to_owned(),
                        notes: h
                            .note
                            .clone()
                            .into_iter()
                            .chain(h.amount_vnd.map(|a| {
                                format!(
                                    "{} {}",
                                    tr.t("Số tiền:", "Amount:"),
                                    format::money(a, lang)
                                )
                            }))
                            .chain(h.appointment_at.as_deref().map(|t| {
                                format!(
                                    "{} {}",
                                    tr.t("Hẹn trả kết quả mới:", "New appointment:"),
                                    format::instant(t, lang)
                                )
                            }))
                            .collect(),
                    })
                    .collect();
                page.missing = d
                    .missing
                    .iter()
                    .enumerate()
                    .map(|(i, m)| (format!("file-{i}"), m.clone()))
                    .collect();
                page.dossier = Some(d);
            }
            Err(AppError::NotFound(_)) => {
                page.error = Some(format!(
                    "{} {ma}. {}",
                    tr.t("Không tìm thấy hồ sơ có mã", "No dossier has the code"),
                    tr.t(
                        "Hãy kiểm tra lại mã trên giấy tiếp nhận.",
                        "Check the code on the receipt."
                    )
                ));
                status = StatusCode::NOT_FOUND;
            }
            Err(e) => return Err(failure(state, asked, &e).await),
        }
    }
    Ok(html(status, page.render()))
}
