//! The desk officer's receipt screen for walk-in (and postal) applicants: find the
//! procedure, take the applicant's details, check the components one by one (scanning each
//! into the dossier), then decide: receive it (form 01, with the appointment computed on the
//! calendar), send it back for a supplement listing everything missing (form 02), or refuse
//! it with the reason (form 03).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use motcua_app::views::{ApplicantInput, DocumentInput, ReceiveRequest};
use motcua_app::{AppError, Meta, Principal, Rules};
use motcua_domain::catalog::{Channel, ProcedureVersion};
use motcua_domain::org::{Official, Role};
use serde::Deserialize;
use serde_json::Value;

use super::session::{Signed, same_origin};
use super::submit::{
    ComponentField, Fields, applicant_errors, components, field, file_errors, read_form, serves,
    text_error,
};
use super::{Asked, Chrome, Page, Tr, error_page, failure, html, query, rules};
use crate::AppState;

/// The most procedures a search lists.
const SEARCH_MAX: usize = 30;

/// The desks (units) where the official receives dossiers.
fn desk_units(rules: &Rules, o: &Official) -> Vec<(String, String)> {
    o.roles
        .iter()
        .filter(|r| matches!(r.role, Role::DeskOfficer | Role::UnitLeader))
        .filter_map(|r| rules.org.unit(&r.unit))
        .map(|u| (u.id.to_string(), u.name.clone()))
        .collect()
}

/// Whether one of these desks receives this procedure at the counter or by post.
fn received_here(rules: &Rules, p: &ProcedureVersion, desks: &[(String, String)]) -> bool {
    let counter = p.channels.contains(&Channel::Desk) || p.channels.contains(&Channel::Postal);
    counter
        && desks.iter().any(|(id, _)| {
            id.parse()
                .ok()
                .and_then(|u| rules.org.unit(&u))
                .is_some_and(|u| p.levels.iter().any(|l| serves(u.kind, *l)))
        })
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    c: Chrome,
    q: String,
    /// Search results: code and name.
    found: Vec<(String, String)>,
    /// The procedure being received.
    p: Option<ProcedureVersion>,
    desks: Vec<(String, String)>,
    postal: bool,
    components: Vec<ComponentField>,
    f: Fields,
    extra: String,
    reason: String,
    errors: Vec<(String, String)>,
    key: String,
}

impl ReceiptPage {
    fn error(&self, field: &str) -> Option<&str> {
        super::field_error(&self.errors, field)
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReceiptQuery {
    q: Option<String>,
    #[serde(rename = "thu-tuc")]
    procedure: Option<String>,
}

fn not_a_desk(tr: Tr) -> String {
    tr.t(
        "Tài khoản của bạn không thuộc bộ phận một cửa nào, nên không tiếp nhận hồ sơ.",
        "Your account belongs to no desk, so it receives no dossiers.",
    )
    .to_owned()
}

/// The procedure in force that these desks receive, by code.
fn procedure(
    state: &AppState,
    rules: &Rules,
    code: &str,
    desks: &[(String, String)],
) -> Option<ProcedureVersion> {
    code.trim()
        .parse()
        .ok()
        .and_then(|c| super::citizen::procedure_for_today(state, rules, &c))
        .filter(|(p, in_force)| *in_force && received_here(rules, p, desks))
        .map(|(p, _)| p)
}

pub(crate) async fn form_page(
    State(state): State<AppState>,
    asked: Asked,
    Signed(official): Signed,
    q: Result<Query<ReceiptQuery>, QueryRejection>,
) -> Page {
    let q = query(&state, &asked, q).await?;
    let rules = rules(&state, &asked).await?;
    let tr = asked.tr();
    let desks = desk_units(&rules, &official);
    if desks.is_empty() {
        return Err(error_page(
            &state,
            &asked,
            StatusCode::FORBIDDEN,
            ("Không tiếp nhận được", "Not a desk"),
            not_a_desk(tr),
        )
        .await);
    }
    let mut page = ReceiptPage {
        c: workspace_chrome(&rules, &asked, &official),
        q: q.q.clone().unwrap_or_default().trim().to_owned(),
        found: Vec::new(),
        p: None,
        f: Fields {
            unit: desks[0].0.clone(),
            ..Fields::default()
        },
        desks,
        postal: false,
        components: Vec::new(),
        extra: String::new(),
        reason: String::new(),
        errors: Vec::new(),
        key: super::new_form_key(),
    };
    let mut status = StatusCode::OK;
    if let Some(code) = q.procedure.as_deref().filter(|c| !c.trim().is_empty()) {
        if let Some(proc) = procedure(&state, &rules, code, &page.desks) {
            page.components = components(&proc, &|_| false);
            page.p = Some(proc);
        } else {
            page.errors.push((
                "q".into(),
                format!(
                    "{} “{code}”.",
                    tr.t(
                        "Bộ phận của bạn không tiếp nhận thủ tục đang có hiệu lực nào có mã",
                        "Your desk receives no procedure in force with the code"
                    )
                ),
            ));
            status = StatusCode::NOT_FOUND;
        }
    } else if !page.q.is_empty() {
        match state.app.procedures(Some(&page.q)).await {
            Ok(found) => {
                page.found = found
                    .iter()
                    .filter(|p| received_here(&rules, p, &page.desks))
                    .take(SEARCH_MAX)
                    .map(|p| (p.code.to_string(), p.name.clone()))
                    .collect();
            }
            Err(AppError::Invalid(_)) => {
                page.errors.push((
                    "q".into(),
                    tr.t(
                        "Từ khóa quá dài: hãy nhập tối đa 200 ký tự và 20 từ.",
                        "The search is too long: use at most 200 characters and 20 words.",
                    )
                    .to_owned(),
                ));
                status = StatusCode::UNPROCESSABLE_ENTITY;
            }
            Err(e) => return Err(failure(&state, &asked, &e).await),
        }
    }
    Ok(html(status, page.render()))
}

fn workspace_chrome(rules: &Rules, asked: &Asked, o: &Official) -> Chrome {
    let title = asked
        .tr()
        .t("Tiếp nhận hồ sơ trực tiếp", "Receive a dossier at the desk")
        .to_owned();
    Chrome::official(rules, asked, o, "receipt", title)
}

/// What the desk decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Receive,
    Supplement,
    Refuse,
}

pub(crate) async fn decide(
    State(state): State<AppState>,
    asked: Asked,
    Signed(official): Signed,
    request: Request,
) -> Page {
    same_origin(&state, &asked, request.headers()).await?;
    let (pairs, uploads) = read_form(&state, &asked, request).await?;
    let rules = rules(&state, &asked).await?;
    let tr = asked.tr();
    let get = |name: &str| field(&pairs, name);
    let desks = desk_units(&rules, &official);
    let Some(proc) = procedure(&state, &rules, &get("thu-tuc"), &desks) else {
        return Err(error_page(
            &state,
            &asked,
            StatusCode::NOT_FOUND,
            ("Không tìm thấy thủ tục", "Procedure not found"),
            if desks.is_empty() {
                not_a_desk(tr)
            } else {
                tr.t(
                    "Bộ phận của bạn không tiếp nhận thủ tục này. Hãy tìm lại thủ tục.",
                    "Your desk does not receive this procedure. Search for it again.",
                )
                .to_owned()
            },
        )
        .await);
    };
    let decision = match get("quyet-dinh").as_str() {
        "bo-sung" => Decision::Supplement,
        "tu-choi" => Decision::Refuse,
        _ => Decision::Receive,
    };
    let f = Fields {
        unit: get("unit"),
        name: get("name"),
        id_number: get("id_number"),
        phone: get("phone"),
        email: get("email"),
        address: get("address"),
    };
    let postal = get("channel") == "postal";
    let ticked = |i: usize| {
        pairs.iter().any(|(k, _)| *k == format!("tp-{i}")) || uploads.iter().any(|u| u.index == i)
    };
    let mut comps = components(&proc, &ticked);
    let mut errors: Vec<(String, String)> = Vec::new();
    if !desks.iter().any(|(id, _)| *id == f.unit) {
        errors.push((
            "unit".into(),
            tr.t("Hãy chọn bộ phận tiếp nhận.", "Choose the receiving desk.")
                .to_owned(),
        ));
    }
    // At the desk the officer takes the details: no phone or e-mail is required.
    errors.extend(applicant_errors(&f, false, tr));
    errors.extend(file_errors(&mut comps, &uploads, tr));
    let (extra, reason) = (get("extra"), get("reason"));
    for (id, text) in [("extra", &extra), ("reason", &reason)] {
        if let Some(e) = text_error(text, 2000, tr) {
            errors.push((id.into(), e));
        }
    }
    // Everything missing, at once: the components not ticked, and what the officer adds.
    let missing: Vec<String> = comps
        .iter()
        .filter(|k| !k.checked && k.mandatory)
        .map(|k| k.name.clone())
        .chain(
            extra
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned),
        )
        .collect();
    match decision {
        Decision::Receive if comps.iter().any(|k| k.mandatory && !k.checked) => {
            errors.push((
                "components".into(),
                format!(
                    "{} {}. {}",
                    tr.t(
                        "Còn thiếu giấy tờ bắt buộc:",
                        "Required documents are missing:"
                    ),
                    missing.join("; "),
                    tr.t(
                        "Hãy yêu cầu bổ sung (mẫu 02) thay vì tiếp nhận.",
                        "Request a supplement (form 02) instead of receiving."
                    )
                ),
            ));
        }
        Decision::Supplement if missing.is_empty() => errors.push((
            "extra".into(),
            tr.t(
                "Hãy bỏ đánh dấu các giấy tờ còn thiếu, hoặc ghi nội dung cần bổ sung, hoàn thiện.",
                "Untick the missing documents, or write what must be added or corrected.",
            )
            .to_owned(),
        )),
        Decision::Refuse if reason.is_empty() => errors.push((
            "reason".into(),
            tr.t(
                "Hãy ghi rõ lý do từ chối: lý do được in trên phiếu từ chối (mẫu 03).",
                "Give the reason for refusing: it is printed on the refusal notice (form 03).",
            )
            .to_owned(),
        )),
        _ => {}
    }
    if !errors.is_empty() {
        if !uploads.is_empty() {
            errors.push((
                "components".into(),
                tr.t(
                    "Các tệp đã quét chưa được lưu: hãy chọn lại tệp sau khi sửa lỗi.",
                    "The scans were not kept: choose them again after correcting.",
                )
                .to_owned(),
            ));
        }
        let page = ReceiptPage {
            c: workspace_chrome(&rules, &asked, &official),
            q: String::new(),
            found: Vec::new(),
            components: comps,
            p: Some(proc),
            desks,
            postal,
            f,
            extra,
            reason,
            errors,
            key: get("key"),
        };
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, page.render()));
    }
    let mut documents = Vec::new();
    let mut uploads = uploads;
    for k in comps.iter().filter(|k| k.checked) {
        let file = match uploads.iter().position(|u| u.index == k.index) {
            Some(at) => {
                let u = uploads.swap_remove(at);
                match state.app.store_file(&u.name, u.bytes).await {
                    Ok(v) => Some(v),
                    Err(e) => return Err(failure(&state, &asked, &e).await),
                }
            }
            None => None,
        };
        documents.push(DocumentInput {
            component: k.name.clone(),
            // A component scanned here is digitized (số hóa).
            digitized: file.is_some(),
            reused: false,
            file,
        });
    }
    let opt = |v: &str| (!v.is_empty()).then(|| v.to_owned());
    let req = ReceiveRequest {
        procedure_code: proc.code.to_string(),
        unit: f.unit.clone(),
        channel: Some(if postal { "postal" } else { "desk" }.into()),
        competent_unit: None,
        applicant: ApplicantInput {
            name: f.name.clone(),
            organisation: false,
            id_number: opt(&f.id_number),
            phone: opt(&f.phone),
            email: opt(&f.email),
            address: opt(&f.address),
        },
        documents,
        missing: if decision == Decision::Supplement {
            missing
        } else {
            Vec::new()
        },
        refusal: (decision == Decision::Refuse).then(|| reason.clone()),
    };
    let key = get("key");
    let meta = Meta {
        expected_version: None,
        idempotency_key: (!key.is_empty()).then(|| format!("page-receipt-{key}")),
        request_hash: format!(
            "page receipt {}",
            serde_json::to_string(&req).unwrap_or_default()
        ),
    };
    match state
        .app
        .receive_new(&Principal::Official(official), &req, &meta)
        .await
    {
        Ok(outcome) => {
            let body: Value = serde_json::from_str(&outcome.body).unwrap_or_default();
            let code = body["code"].as_str().unwrap_or_default();
            let done = match decision {
                Decision::Receive => "receive",
                Decision::Supplement => "request-supplement",
                Decision::Refuse => "refuse",
            };
            Ok(Redirect::to(&format!("/can-bo/ho-so/{code}?xong={done}")).into_response())
        }
        Err(e) => Err(failure(&state, &asked, &e).await),
    }
}
