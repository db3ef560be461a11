//! Online submission (nộp hồ sơ trực tuyến) without an account: the procedure's form, the
//! desk it goes to, the applicant's details and the components ticked one by one. Every
//! field is checked here first, and an error is said in the page's language next to its
//! field; nothing is stored until every field is right. The answer shows the dossier code
//! and the access key once.

use askama::Template;
use axum::extract::{Form, FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_app::views::{ApplicantInput, DocumentInput, SubmitRequest};
use motcua_app::{AppError, Meta, Principal, Rules, UploadError};
use motcua_domain::catalog::{Channel, Level, ProcedureVersion, Requirement};
use motcua_domain::org::{Role, UnitKind};
use serde_json::Value;

use super::session::{form, same_origin, unreadable_form};
use super::{Asked, Chrome, Page, Tr, error_page, failure, html, rules};
use crate::AppState;

/// The most a submission with its files may weigh.
pub(crate) const UPLOAD_BODY_BYTES: usize = 30 * 1024 * 1024;

/// Whether a unit of this kind receives procedures of this level.
pub(super) fn serves(kind: UnitKind, level: Level) -> bool {
    matches!(
        (level, kind),
        (Level::Commune, UnitKind::Commune)
            | (Level::District, UnitKind::District)
            | (
                Level::Province,
                UnitKind::Province | UnitKind::Department | UnitKind::ServiceCentre
            )
            | (Level::Central, UnitKind::Ministry | UnitKind::Department)
    )
}

/// The desks an online dossier of this procedure may be sent to: units of a level the
/// procedure is done at that have a desk officer.
pub(super) fn desks(rules: &Rules, p: &ProcedureVersion) -> Vec<(String, String)> {
    let staffed: std::collections::BTreeSet<&motcua_domain::UnitId> = rules
        .org
        .officials()
        .flat_map(|o| o.roles.iter())
        .filter(|r| r.role == Role::DeskOfficer)
        .map(|r| &r.unit)
        .collect();
    let mut out: Vec<(String, String)> = rules
        .org
        .units()
        .filter(|u| staffed.contains(&u.id) && p.levels.iter().any(|l| serves(u.kind, *l)))
        .map(|u| (u.id.to_string(), u.name.clone()))
        .collect();
    // In the order of the alphabet, not of the bytes (Bến Thành before Bình Thạnh).
    out.sort_by_cached_key(|(_, name)| motcua_store::normalize(name));
    out
}

/// One component of the form.
pub(super) struct ComponentField {
    pub(super) index: usize,
    pub(super) name: String,
    pub(super) mandatory: bool,
    pub(super) condition: Option<String>,
    pub(super) checked: bool,
    /// Why its file was refused.
    pub(super) file_error: Option<String>,
}

/// The form's values and errors, by field.
#[derive(Default)]
pub(super) struct Fields {
    pub(super) unit: String,
    pub(super) name: String,
    pub(super) id_number: String,
    pub(super) phone: String,
    pub(super) email: String,
    pub(super) address: String,
}

#[derive(Template)]
#[template(path = "submit.html")]
struct SubmitPage {
    c: Chrome,
    p: ProcedureVersion,
    desks: Vec<(String, String)>,
    components: Vec<ComponentField>,
    f: Fields,
    /// Errors, each with the id of its field, in the form's order.
    errors: Vec<(String, String)>,
    key: String,
}

impl SubmitPage {
    fn error(&self, field: &str) -> Option<&str> {
        super::field_error(&self.errors, field)
    }
}

#[derive(Template)]
#[template(path = "submitted.html")]
struct Submitted {
    c: Chrome,
    code: String,
    access_key: Option<String>,
    procedure: String,
    acceptance_due_at: Option<String>,
}

/// The procedure in force today that can be submitted online, or the error page.
async fn online_procedure(
    state: &AppState,
    asked: &Asked,
    rules: &Rules,
    code: &str,
) -> Result<ProcedureVersion, axum::response::Response> {
    let tr = asked.tr();
    let found = code
        .parse()
        .ok()
        .and_then(|c| super::citizen::procedure_for_today(state, rules, &c))
        .filter(|(_, in_force)| *in_force)
        .map(|(p, _)| p);
    match found {
        Some(p) if p.channels.contains(&Channel::Online) => Ok(p),
        Some(p) => Err(error_page(
            state,
            asked,
            StatusCode::NOT_FOUND,
            ("Thủ tục chưa nhận hồ sơ trực tuyến", "Not available online"),
            format!(
                "{} “{}”. {}",
                tr.t(
                    "Chưa thể nộp trực tuyến thủ tục",
                    "This procedure cannot be submitted online:"
                ),
                p.name,
                tr.t(
                    "Hãy nộp trực tiếp tại bộ phận một cửa hoặc qua bưu chính.",
                    "Submit it at the desk or by post."
                )
            ),
        )
        .await),
        None => Err(error_page(
            state,
            asked,
            StatusCode::NOT_FOUND,
            ("Không tìm thấy thủ tục", "Procedure not found"),
            format!(
                "{} “{code}”.",
                tr.t(
                    "Danh mục không có thủ tục đang có hiệu lực với mã",
                    "The catalog has no procedure in force with the code"
                )
            ),
        )
        .await),
    }
}

pub(super) fn components(
    p: &ProcedureVersion,
    ticked: &dyn Fn(usize) -> bool,
) -> Vec<ComponentField> {
    p.components
        .iter()
        .enumerate()
        .map(|(i, k)| ComponentField {
            index: i,
            name: k.name.clone(),
            mandatory: matches!(k.requirement, Requirement::Mandatory),
            condition: match &k.requirement {
                Requirement::Mandatory => None,
                Requirement::Conditional { condition } => Some(condition.clone()),
            },
            checked: ticked(i),
            file_error: None,
        })
        .collect()
}

pub(crate) async fn form_page(
    State(state): State<AppState>,
    asked: Asked,
    Path(code): Path<String>,
) -> Page {
    let rules = rules(&state, &asked).await?;
    let p = online_procedure(&state, &asked, &rules, &code).await?;
    let mut c = Chrome::new(Some(&rules), &asked, "catalog");
    c.title = format!("{} – {}", asked.tr().t("Nộp hồ sơ", "Submit"), p.name);
    let desks = desks(&rules, &p);
    let f = Fields {
        unit: if desks.len() == 1 {
            desks[0].0.clone()
        } else {
            String::new()
        },
        ..Fields::default()
    };
    Ok(html(
        StatusCode::OK,
        SubmitPage {
            c,
            components: components(&p, &|_| false),
            desks,
            p,
            f,
            errors: Vec::new(),
            key: super::new_form_key(),
        }
        .render(),
    ))
}

/// Text a citizen typed: refused when it holds markup (`<`, `>`), control characters, or
/// is longer than `max` characters.
pub(super) fn text_error(v: &str, max: usize, tr: Tr) -> Option<String> {
    if v.contains(['<', '>']) {
        return Some(
            tr.t(
                "Không được dùng ký tự “<” hoặc “>” (mã lệnh). Hãy nhập chữ thường.",
                "The characters “<” and “>” (code) are not allowed. Type plain text.",
            )
            .to_owned(),
        );
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Some(
            tr.t(
                "Có ký tự không hợp lệ.",
                "It contains characters that are not allowed.",
            )
            .to_owned(),
        );
    }
    if v.chars().count() > max {
        return Some(format!(
            "{} {max} {}",
            tr.t("Tối đa", "At most"),
            tr.t("ký tự.", "characters.")
        ));
    }
    None
}

/// The applicant's fields, checked: a name; an identification number, phone and e-mail in
/// their forms when given; one way to reach the applicant when `contact` (online, nobody
/// at a desk took the details); no markup anywhere.
pub(super) fn applicant_errors(f: &Fields, contact: bool, tr: Tr) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if f.name.is_empty() {
        out.push((
            "name".into(),
            tr.t(
                "Hãy nhập họ và tên người nộp.",
                "Enter the applicant's full name.",
            )
            .to_owned(),
        ));
    } else if let Some(e) = text_error(&f.name, 200, tr) {
        out.push(("name".into(), e));
    }
    let id_ok = f.id_number.chars().all(|c| c.is_ascii_digit())
        && matches!(f.id_number.len(), 9 | 10 | 12 | 13);
    if !f.id_number.is_empty() && !id_ok {
        out.push((
            "id_number".into(),
            tr.t(
                "Số định danh cá nhân gồm 12 chữ số (hoặc mã số doanh nghiệp 10 hay 13 chữ số), chỉ gồm chữ số.",
                "A personal identification number is 12 digits (an enterprise code 10 or 13), digits only.",
            )
            .to_owned(),
        ));
    }
    if contact && f.phone.is_empty() && f.email.is_empty() {
        out.push((
            "phone".into(),
            tr.t(
                "Hãy nhập số điện thoại hoặc thư điện tử để cơ quan liên hệ khi cần bổ sung và khi có kết quả.",
                "Enter a phone number or an e-mail address, so the unit can reach you for a supplement and the result.",
            )
            .to_owned(),
        ));
    } else if !f.phone.is_empty() && !phone_ok(&f.phone) {
        out.push((
            "phone".into(),
            tr.t(
                "Số điện thoại gồm 10 chữ số, bắt đầu bằng 0, ví dụ 0909 000 111.",
                "A phone number is 10 digits starting with 0, e.g. 0909 000 111.",
            )
            .to_owned(),
        ));
    }
    let email_fine = email_ok(&f.email) && f.email.len() <= 200;
    if !f.email.is_empty() && !email_fine {
        out.push((
            "email".into(),
            tr.t(
                "Thư điện tử chưa đúng dạng, ví dụ ten@example.vn.",
                "The e-mail address is not in the right form, e.g. name@example.vn.",
            )
            .to_owned(),
        ));
    }
    if let Some(e) = text_error(&f.address, 300, tr) {
        out.push(("address".into(), e));
    }
    out
}

/// The uploads checked, each refusal marked on its component and returned for the summary.
pub(super) fn file_errors(
    comps: &mut [ComponentField],
    uploads: &[Upload],
    tr: Tr,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for u in uploads {
        let Some(k) = comps.get_mut(u.index) else {
            continue;
        };
        if let Err(e) = motcua_app::check_upload(&u.bytes) {
            let message = format!("{}: {}", u.name, upload_message(&e, tr));
            k.file_error = Some(message.clone());
            out.push((format!("file-{}", u.index), message));
        }
    }
    out
}

/// Why an upload was refused, for its field.
pub(crate) fn upload_message(e: &UploadError, tr: Tr) -> &'static str {
    match e {
        UploadError::Type => tr.t(
            "Chỉ nhận tệp PDF, JPEG hoặc PNG.",
            "Only PDF, JPEG and PNG files are accepted.",
        ),
        UploadError::TooLarge => tr.t(
            "Tệp quá lớn: mỗi tệp tối đa 10 MB.",
            "The file is too large: at most 10 MB each.",
        ),
        UploadError::Empty => tr.t("Tệp rỗng.", "The file is empty."),
    }
}

/// A Vietnamese phone number: 10 digits from 0, or +84 and 9 digits; spaces and dots allowed.
pub(super) fn phone_ok(v: &str) -> bool {
    let digits: String = v
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    let rest = digits
        .strip_prefix("+84")
        .map(|r| format!("0{r}"))
        .unwrap_or(digits);
    rest.len() == 10 && rest.starts_with('0') && rest.chars().all(|c| c.is_ascii_digit())
}

pub(super) fn email_ok(v: &str) -> bool {
    match v.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !v.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// A posted field's value, trimmed (empty when absent).
pub(super) fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or_else(String::new, |(_, v)| v.trim().to_owned())
}

/// A file chosen for a component.
pub(super) struct Upload {
    /// The component's index.
    pub(super) index: usize,
    /// The name it came with.
    pub(super) name: String,
    pub(super) bytes: Vec<u8>,
}

/// The form's fields and files: `multipart/form-data` (with files) or a plain form.
pub(super) async fn read_form(
    state: &AppState,
    asked: &Asked,
    request: Request,
) -> Result<(Vec<(String, String)>, Vec<Upload>), Response> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let plain = Form::<Vec<(String, String)>>::from_request(request, state).await;
        return Ok((form(state, asked, plain).await?, Vec::new()));
    }
    let too_large = || async {
        error_page(
            state,
            asked,
            StatusCode::PAYLOAD_TOO_LARGE,
            ("Tệp quá lớn", "Files too large"),
            format!(
                "{} {} MB. {}",
                asked.tr().t(
                    "Tổng dung lượng các tệp gửi một lần tối đa",
                    "All files sent at once may be at most"
                ),
                UPLOAD_BODY_BYTES / 1024 / 1024,
                asked.tr().t(
                    "Hãy quay lại và chọn tệp nhỏ hơn (quét ở độ phân giải thấp hơn).",
                    "Go back and choose smaller files (scan at a lower resolution)."
                ),
            ),
        )
        .await
    };
    let unreadable = |e: axum::extract::multipart::MultipartError| async move {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large().await
        } else {
            tracing::info!(error = %e, "an unreadable multipart form");
            unreadable_form(state, asked).await
        }
    };
    let Ok(mut mp) = Multipart::from_request(request, state).await else {
        return Err(unreadable_form(state, asked).await);
    };
    let mut fields = Vec::new();
    let mut files = Vec::new();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(unreadable(e).await),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if let Some(index) = name
            .strip_prefix("file-")
            .and_then(|i| i.parse::<usize>().ok())
        {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = match field.bytes().await {
                Ok(b) => b.to_vec(),
                Err(e) => return Err(unreadable(e).await),
            };
            // A file input left empty sends a part without name or bytes.
            if !(file_name.is_empty() && bytes.is_empty()) {
                files.push(Upload {
                    index,
                    name: file_name,
                    bytes,
                });
            }
        } else {
            match field.text().await {
                Ok(t) => fields.push((name, t)),
                Err(e) => return Err(unreadable(e).await),
            }
        }
    }
    Ok((fields, files))
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    asked: Asked,
    Path(code): Path<String>,
    request: Request,
) -> Page {
    same_origin(&state, &asked, request.headers()).await?;
    let (pairs, uploads) = read_form(&state, &asked, request).await?;
    let rules = rules(&state, &asked).await?;
    let p = online_procedure(&state, &asked, &rules, &code).await?;
    let tr = asked.tr();
    let get = |name: &str| field(&pairs, name);
    let f = Fields {
        unit: get("unit"),
        name: get("name"),
        id_number: get("id_number"),
        phone: get("phone"),
        email: get("email"),
        address: get("address"),
    };
    let ticked = |i: usize| {
        pairs.iter().any(|(k, _)| *k == format!("tp-{i}")) || uploads.iter().any(|u| u.index == i)
    };
    let desks = desks(&rules, &p);
    let mut errors: Vec<(String, String)> = Vec::new();
    if !desks.iter().any(|(id, _)| *id == f.unit) {
        errors.push((
            "unit".into(),
            tr.t(
                "Hãy chọn nơi nộp hồ sơ.",
                "Choose where to submit the dossier.",
            )
            .to_owned(),
        ));
    }
    errors.extend(applicant_errors(&f, true, tr));
    let mut comps = components(&p, &ticked);
    errors.extend(file_errors(&mut comps, &uploads, tr));
    let missing: Vec<&str> = comps
        .iter()
        .filter(|k| k.mandatory && !k.checked)
        .map(|k| k.name.as_str())
        .collect();
    if !missing.is_empty() {
        errors.push((
            "components".into(),
            format!(
                "{} {}",
                tr.t("Thiếu giấy tờ bắt buộc:", "Required documents are missing:"),
                missing.join("; ")
            ),
        ));
    }
    if !errors.is_empty() && !uploads.is_empty() {
        errors.push((
            "form".into(),
            tr.t(
                "Các tệp đã chọn chưa được lưu: hãy chọn lại tệp sau khi sửa lỗi.",
                "The files chosen were not kept: choose them again after correcting.",
            )
            .to_owned(),
        ));
    }
    if errors.is_empty() {
        // Every check has passed: the files are stored, then the dossier that names them.
        let mut stored = std::collections::BTreeMap::new();
        for u in uploads {
            match state.app.store_file(&u.name, u.bytes).await {
                Ok(v) => {
                    stored.insert(u.index, v);
                }
                Err(e) => return Err(failure(&state, &asked, &e).await),
            }
        }
        let opt = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        let req = SubmitRequest {
            procedure_code: p.code.to_string(),
            unit: f.unit.clone(),
            applicant: ApplicantInput {
                name: f.name.clone(),
                organisation: false,
                id_number: opt(&f.id_number),
                phone: opt(&f.phone),
                email: opt(&f.email),
                address: opt(&f.address),
            },
            documents: comps
                .iter()
                .filter(|k| k.checked)
                .map(|k| DocumentInput {
                    component: k.name.clone(),
                    digitized: false,
                    reused: false,
                    file: stored.get(&k.index).cloned(),
                })
                .collect(),
        };
        let key = get("key");
        let meta = Meta {
            expected_version: None,
            idempotency_key: (!key.is_empty()).then(|| format!("page-submit-{key}")),
            request_hash: format!(
                "page submit {}",
                serde_json::to_string(&req).unwrap_or_default()
            ),
        };
        match state.app.submit(&Principal::Public, &req, &meta).await {
            Ok(outcome) => {
                let body: Value = serde_json::from_str(&outcome.body).unwrap_or_default();
                let text = |v: &Value| v.as_str().map(str::to_owned);
                let mut c = Chrome::new(Some(&rules), &asked, "catalog");
                tr.t("Đã nộp hồ sơ", "Dossier submitted")
                    .clone_into(&mut c.title);
                return Ok(html(
                    StatusCode::OK,
                    Submitted {
                        c,
                        code: text(&body["code"]).unwrap_or_default(),
                        // A form sent twice answers with the first answer, whose key is
                        // not stored: it was shown once, the first time.
                        access_key: text(&body["access_key"]).filter(|_| !outcome.replayed),
                        procedure: p.name.clone(),
                        acceptance_due_at: body["dossier"]["acceptance_due_at"]
                            .as_str()
                            .map(|t| super::format::instant(t, asked.lang)),
                    }
                    .render(),
                ));
            }
            Err(AppError::Invalid(why)) => errors.push((
                "form".into(),
                format!(
                    "{} {why}",
                    tr.t("Hồ sơ chưa hợp lệ:", "The dossier is not valid:")
                ),
            )),
            Err(e) => return Err(failure(&state, &asked, &e).await),
        }
    }
    let mut c = Chrome::new(Some(&rules), &asked, "catalog");
    c.title = format!(
        "{} {} – {}",
        tr.t("Lỗi:", "Error:"),
        tr.t("Nộp hồ sơ", "Submit"),
        p.name
    );
    Ok(html(
        StatusCode::UNPROCESSABLE_ENTITY,
        SubmitPage {
            c,
            components: comps,
            desks,
            p,
            f,
            errors,
            key: get("key"),
        }
        .render(),
    ))
}

// ----- Answering a supplement request ------------------------------------------------------

/// The applicant answers the open supplement request from the tracking page: with the
/// dossier's secret key, and a file for every item asked for (once, completely).
pub(crate) async fn answer_supplement(
    State(state): State<AppState>,
    asked: Asked,
    request: Request,
) -> Page {
    same_origin(&state, &asked, request.headers()).await?;
    let (pairs, uploads) = read_form(&state, &asked, request).await?;
    let tr = asked.tr();
    let get = |name: &str| field(&pairs, name);
    let (ma, key) = (get("ma"), get("khoa"));
    let again = |errors: Vec<(String, String)>, status: StatusCode| {
        let (state, asked, ma) = (&state, &asked, ma.clone());
        async move {
            super::citizen::tracking_page(
                state,
                asked,
                ma,
                super::citizen::Answer {
                    errors,
                    done: false,
                },
                status,
            )
            .await
        }
    };
    let open = match state.app.public_dossier(&ma).await {
        Ok(d) => d.missing,
        Err(AppError::NotFound(_) | AppError::Invalid(_)) => Vec::new(),
        Err(e) => return Err(failure(&state, &asked, &e).await),
    };
    let form_key = get("key");
    // The hash of the request: the same form sent again has the same one.
    let meta = Meta {
        expected_version: None,
        idempotency_key: (!form_key.is_empty()).then(|| format!("page-supplement-{form_key}")),
        request_hash: format!("page supplement {ma} {}", uploads.len()),
    };
    let done = || {
        axum::response::Redirect::to(&format!("/tra-cuu?ma={}&xong=bo-sung", super::encode(&ma)))
            .into_response()
    };
    if open.is_empty() {
        // A form sent again after its answer was taken gets that answer back.
        if meta.idempotency_key.is_some()
            && let Ok(p) = state.app.applicant(&ma, &key).await
        {
            let replay = motcua_app::Action::SupplementReceived {
                documents: Vec::new(),
            };
            if state
                .app
                .act(&p, &ma, &replay, &meta)
                .await
                .is_ok_and(|o| o.replayed)
            {
                return Ok(done());
            }
        }
        let message = tr.t(
            "Hồ sơ không có yêu cầu bổ sung đang chờ: hồ sơ đã được bổ sung, hoặc chưa có yêu cầu.",
            "The dossier has no open supplement request: it was answered, or none was made.",
        );
        return again(
            vec![("bo-sung".into(), message.to_owned())],
            StatusCode::CONFLICT,
        )
        .await;
    }
    let mut errors: Vec<(String, String)> = Vec::new();
    let principal = match state.app.applicant(&ma, &key).await {
        Ok(p) => Some(p),
        Err(AppError::Unauthenticated | AppError::NotFound(_) | AppError::Forbidden(_)) => {
            errors.push((
                "khoa".into(),
                tr.t(
                    "Mã bí mật không đúng. Mã được hiện một lần khi nộp hồ sơ trực tuyến.",
                    "Wrong secret key. It was shown once, when the dossier was submitted online.",
                )
                .to_owned(),
            ));
            None
        }
        Err(e) => return Err(failure(&state, &asked, &e).await),
    };
    for (i, item) in open.iter().enumerate() {
        match uploads.iter().find(|u| u.index == i) {
            None => errors.push((
                format!("file-{i}"),
                format!(
                    "{} {item}",
                    tr.t("Hãy đính kèm tệp cho:", "Attach a file for:")
                ),
            )),
            Some(u) => {
                if let Err(e) = motcua_app::check_upload(&u.bytes) {
                    errors.push((
                        format!("file-{i}"),
                        format!("{}: {}", u.name, upload_message(&e, tr)),
                    ));
                }
            }
        }
    }
    let Some(principal) = principal.filter(|_| errors.is_empty()) else {
        if !uploads.is_empty() {
            errors.push((
                "bo-sung".into(),
                tr.t(
                    "Các tệp đã chọn chưa được lưu: hãy chọn lại tệp sau khi sửa lỗi.",
                    "The files chosen were not kept: choose them again after correcting.",
                )
                .to_owned(),
            ));
        }
        return again(errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let mut documents = Vec::new();
    for u in uploads.into_iter().filter(|u| u.index < open.len()) {
        let file = match state.app.store_file(&u.name, u.bytes).await {
            Ok(f) => f,
            Err(e) => return Err(failure(&state, &asked, &e).await),
        };
        documents.push(DocumentInput {
            component: open[u.index].clone(),
            digitized: false,
            reused: false,
            file: Some(file),
        });
    }
    let action = motcua_app::Action::SupplementReceived { documents };
    match state.app.act(&principal, &ma, &action, &meta).await {
        Ok(_) => Ok(done()),
        Err(AppError::Refused(_) | AppError::VersionConflict { .. }) => {
            let message = tr.t(
                "Hồ sơ vừa thay đổi và không còn chờ bổ sung. Hãy xem lại tình trạng hồ sơ.",
                "The dossier has just changed and no longer waits for a supplement. Check its status.",
            );
            again(
                vec![("bo-sung".into(), message.to_owned())],
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(failure(&state, &asked, &e).await),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_and_emails_as_vietnamese_write_them() {
        assert!(phone_ok("0909000111"));
        assert!(phone_ok("0909 000 111"));
        assert!(phone_ok("+84 909 000 111"));
        assert!(!phone_ok("909000111"));
        assert!(!phone_ok("0909-000-11"));
        assert!(!phone_ok("09090001112"));
        assert!(email_ok("thu@example.vn"));
        assert!(!email_ok("thu@example"));
        assert!(!email_ok("thu example.vn"));
        assert!(!email_ok("@example.vn"));
    }
}
