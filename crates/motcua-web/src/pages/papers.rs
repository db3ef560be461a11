//! Downloading the official forms: officials from the dossier page (forms 01–06) and the
//! register of their desk (form 07); the applicant from the tracking page, with the
//! dossier's access key (posted, so the key is never in an address or a log).

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use motcua_app::views::DossierView;
use motcua_app::{AppError, ListQuery, Principal, Rules};
use motcua_domain::org::Role;
use serde::Deserialize;

use super::forms::{self, Form as Paper};
use super::session::{Signed, form, same_origin};
use super::{Asked, Page, error_page, failure, query, rules};
use crate::AppState;

/// The most dossiers one register prints (a month of a busy ward's desk).
const REGISTER_MAX: usize = 2_000;

/// The public address of the tracking page of a dossier, as this request reached us.
fn tracking_url(state: &AppState, headers: &HeaderMap, code: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if state.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}/tra-cuu?ma={code}")
}

/// A PDF answer: shown in the browser, never kept in a shared cache (it names people).
fn pdf(bytes: Vec<u8>, file: &str) -> Response {
    let mut r = (StatusCode::OK, bytes).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{file}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// Renders a dossier's form, or the page that says it has none.
async fn dossier_pdf(
    state: &AppState,
    asked: &Asked,
    rules: &Rules,
    d: &DossierView,
    paper: Paper,
    headers: &HeaderMap,
) -> Page {
    let url = tracking_url(state, headers, &d.summary.code);
    let Some(doc) = forms::dossier_form(rules, d, paper, &url) else {
        return Err(error_page(
            state,
            asked,
            StatusCode::NOT_FOUND,
            ("Hồ sơ chưa có giấy tờ này", "The dossier has no such form"),
            format!(
                "{} {} “{}”.",
                asked
                    .tr()
                    .t("Hồ sơ chưa có mẫu số", "The dossier has no form"),
                paper.number(),
                paper.title()
            ),
        )
        .await);
    };
    match motcua_pdf::render(&doc) {
        Ok(bytes) => Ok(pdf(
            bytes,
            &format!("mau-{}-{}.pdf", paper.number(), d.summary.code),
        )),
        Err(e) => Err(failure(state, asked, &AppError::Internal(e.to_string())).await),
    }
}

/// A stored file as an answer, under the name it was given with.
fn file_response(file: &motcua_app::views::FileView, bytes: Vec<u8>) -> Response {
    let mut r = (StatusCode::OK, bytes).into_response();
    let h = r.headers_mut();
    // The type was checked from the bytes when the file was stored (PDF, JPEG, PNG).
    if let Ok(v) = HeaderValue::from_str(&file.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    let disposition = format!(
        "inline; filename*=UTF-8''{}",
        super::encode(&file.name).replace('+', "%20")
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// A file given with a dossier, for an official who may read the dossier.
pub(crate) async fn official_file(
    State(state): State<AppState>,
    asked: Asked,
    Signed(official): Signed,
    Path((code, sha256)): Path<(String, String)>,
) -> Page {
    match state
        .app
        .dossier_file(&Principal::Official(official), &code, &sha256)
        .await
    {
        Ok((file, bytes)) => Ok(file_response(&file, bytes)),
        Err(e) => Err(failure(&state, &asked, &e).await),
    }
}

/// `01.pdf` … `06.pdf`.
fn paper_of(file: &str) -> Option<Paper> {
    file.strip_suffix(".pdf").and_then(Paper::parse)
}

async fn no_such_form(state: &AppState, asked: &Asked) -> Response {
    error_page(
        state,
        asked,
        StatusCode::NOT_FOUND,
        ("Không có mẫu này", "No such form"),
        asked
            .tr()
            .t(
                "Các mẫu của hồ sơ được đánh số từ 01 đến 06.",
                "A dossier's forms are numbered 01 to 06.",
            )
            .to_owned(),
    )
    .await
}

pub(crate) async fn official_form(
    State(state): State<AppState>,
    asked: Asked,
    Signed(official): Signed,
    headers: HeaderMap,
    Path((code, file)): Path<(String, String)>,
) -> Page {
    let Some(paper) = paper_of(&file) else {
        return Err(no_such_form(&state, &asked).await);
    };
    let rules = rules(&state, &asked).await?;
    let d = match state
        .app
        .dossier(&Principal::Official(official), &code)
        .await
    {
        Ok(d) => d,
        Err(e) => return Err(failure(&state, &asked, &e).await),
    };
    dossier_pdf(&state, &asked, &rules, &d, paper, &headers).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct ApplicantFields {
    #[serde(default)]
    ma: String,
    #[serde(default)]
    khoa: String,
    #[serde(default)]
    mau: String,
}

pub(crate) async fn applicant_form(
    State(state): State<AppState>,
    asked: Asked,
    headers: HeaderMap,
    f: Result<Form<ApplicantFields>, FormRejection>,
) -> Page {
    same_origin(&state, &asked, &headers).await?;
    let f = form(&state, &asked, f).await?;
    let paper = Paper::parse(f.mau.trim());
    let result = f.mau.trim() == "kq";
    if paper.is_none() && !result {
        return Err(no_such_form(&state, &asked).await);
    }
    let code = f.ma.trim();
    let refused = |state: &AppState, asked: &Asked| {
        let (state, asked) = (
            state.clone(),
            Asked {
                uri: asked.uri.clone(),
                lang: asked.lang,
            },
        );
        async move {
            error_page(
                &state,
                &asked,
                StatusCode::FORBIDDEN,
                ("Mã bí mật không đúng", "Wrong secret key"),
                asked
                    .tr()
                    .t(
                        "Mã bí mật không khớp với mã hồ sơ. Mã bí mật được hiện một lần khi nộp hồ sơ trực tuyến; nếu đã mất, hãy liên hệ bộ phận một cửa.",
                        "The secret key does not match the dossier code. It was shown once, when the dossier was submitted online; if it is lost, ask the desk.",
                    )
                    .to_owned(),
            )
            .await
        }
    };
    let principal = match state.app.applicant(code, f.khoa.trim()).await {
        Ok(p) => p,
        Err(AppError::Unauthenticated | AppError::NotFound(_) | AppError::Forbidden(_)) => {
            return Err(refused(&state, &asked).await);
        }
        Err(e) => return Err(failure(&state, &asked, &e).await),
    };
    let rules = rules(&state, &asked).await?;
    let d = match state.app.dossier(&principal, code).await {
        Ok(d) => d,
        Err(e) => return Err(failure(&state, &asked, &e).await),
    };
    if let Some(paper) = paper {
        return dossier_pdf(&state, &asked, &rules, &d, paper, &headers).await;
    }
    // The result document, as the leader attached it.
    let Some(file) = motcua_app::result_files(&d).last() else {
        return Err(error_page(
            &state,
            &asked,
            StatusCode::NOT_FOUND,
            ("Chưa có kết quả điện tử", "No electronic result yet"),
            asked
                .tr()
                .t(
                    "Hồ sơ chưa có văn bản kết quả điện tử để tải về. Kết quả bản giấy được trả tại bộ phận một cửa.",
                    "The dossier has no electronic result to download yet. A paper result is returned at the desk.",
                )
                .to_owned(),
        )
        .await);
    };
    match state.app.dossier_file(&principal, code, &file.sha256).await {
        Ok((file, bytes)) => Ok(file_response(&file, bytes)),
        Err(e) => Err(failure(&state, &asked, &e).await),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct RegisterQuery {
    #[serde(rename = "don-vi")]
    unit: Option<String>,
    tu: Option<String>,
    den: Option<String>,
}

pub(crate) async fn register(
    State(state): State<AppState>,
    asked: Asked,
    Signed(official): Signed,
    q: Result<Query<RegisterQuery>, QueryRejection>,
) -> Page {
    let q = query(&state, &asked, q).await?;
    let rules = rules(&state, &asked).await?;
    let tr = asked.tr();
    let cal = rules.calendar_set.base();
    let today = cal.time_zone().to_datetime(state.app.clock().now()).date();
    let date = |v: &Option<String>| -> Result<Date, ()> {
        match v.as_deref().map(str::trim) {
            None | Some("") => Ok(today),
            Some(s) => s.parse().map_err(|_| ()),
        }
    };
    let (Ok(from), Ok(to)) = (date(&q.tu), date(&q.den)) else {
        return Err(error_page(
            &state,
            &asked,
            StatusCode::UNPROCESSABLE_ENTITY,
            ("Ngày không hợp lệ", "Invalid date"),
            tr.t(
                "Ngày phải có dạng năm-tháng-ngày, ví dụ 2026-03-02.",
                "Dates are year-month-day, e.g. 2026-03-02.",
            )
            .to_owned(),
        )
        .await);
    };
    if to < from {
        return Err(error_page(
            &state,
            &asked,
            StatusCode::UNPROCESSABLE_ENTITY,
            ("Khoảng thời gian không hợp lệ", "Invalid period"),
            tr.t(
                "Ngày bắt đầu phải trước ngày kết thúc.",
                "The start must come before the end.",
            )
            .to_owned(),
        )
        .await);
    }
    // The desk: the one asked for, else the official's first desk.
    let unit = q.unit.clone().or_else(|| {
        official
            .roles
            .iter()
            .find(|r| matches!(r.role, Role::DeskOfficer | Role::UnitLeader))
            .map(|r| r.unit.to_string())
    });
    let Some(unit) = unit else {
        return Err(error_page(
            &state,
            &asked,
            StatusCode::FORBIDDEN,
            ("Không có sổ theo dõi", "No register"),
            tr.t(
                "Tài khoản của bạn không thuộc bộ phận một cửa nào.",
                "Your account belongs to no desk.",
            )
            .to_owned(),
        )
        .await);
    };
    let principal = Principal::Official(official);
    let mut rows = Vec::new();
    let mut cursor = None;
    loop {
        let page = match state
            .app
            .list(
                &principal,
                &ListQuery {
                    unit: Some(unit.clone()),
                    cursor: cursor.clone(),
                    limit: Some(200),
                    ..ListQuery::default()
                },
            )
            .await
        {
            Ok(p) => p,
            Err(e) => return Err(failure(&state, &asked, &e).await),
        };
        rows.extend(page.items.into_iter().filter(|d| {
            d.receiving_unit == unit
                && d.received_at
                    .as_deref()
                    .and_then(|t| t.get(..10))
                    .and_then(|t| t.parse::<Date>().ok())
                    .is_some_and(|day| from <= day && day <= to)
        }));
        match page.next_cursor {
            Some(c) if rows.len() < REGISTER_MAX => cursor = Some(c),
            _ => break,
        }
    }
    rows.truncate(REGISTER_MAX);
    rows.sort_by(|a, b| {
        a.received_at
            .cmp(&b.received_at)
            .then_with(|| a.code.cmp(&b.code))
    });
    let period = if from == to {
        format!("Ngày {}", super::format::date(from))
    } else {
        format!(
            "Từ ngày {} đến ngày {}",
            super::format::date(from),
            super::format::date(to)
        )
    };
    let printed = cal.format_instant(state.app.clock().now());
    let doc = forms::register(&rules, &unit, &period, &rows, &printed);
    match motcua_pdf::render(&doc) {
        Ok(bytes) => Ok(pdf(bytes, &format!("so-theo-doi-{unit}-{from}-{to}.pdf"))),
        Err(e) => Err(failure(&state, &asked, &AppError::Internal(e.to_string())).await),
    }
}
