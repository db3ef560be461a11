//! The web pages: server-rendered HTML from askama templates (`templates/`), Vietnamese by
//! default with an English switch, no script needed on any citizen path.
//!
//! Public addresses are stable and Vietnamese, as citizens read and share them:
//! `/` (home), `/thu-tuc?q=…` (catalog search), `/thu-tuc/{code}` (a procedure),
//! `/tra-cuu?ma=…` (tracking a dossier by its code).
//!
//! Every page is built from a [`Chrome`] (language, the address of the other language,
//! the portal's name) and its own content; text stands in both languages side by side in
//! the templates (`tr.t("Tra cứu", "Track")`), so no message can be missing in one of them.

mod admin;
mod citizen;
mod format;
mod forms;
mod papers;
mod receipt;
mod session;
mod submit;
mod workspace;

use std::convert::Infallible;
use std::fmt::Write as _;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, OriginalUri, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use motcua_app::{AppError, Rules};

use crate::AppState;

pub use format::Lang;

/// The cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "motcua_lang";

/// The stylesheet, written for these pages (no framework), served from the binary.
const CSS: &str = include_str!("../../static/motcua.css");

/// The stylesheet's address carries the version, so browsers may keep it for a year.
pub const CSS_PATH: &str = concat!("/static/motcua-", env!("CARGO_PKG_VERSION"), ".css");

/// Translates between the two languages of the pages.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    lang: Lang,
}

impl Tr {
    /// The text in the page's language.
    pub fn t<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        self.lang.pick((vi, en))
    }

    /// Whether the page is in English.
    pub fn en(&self) -> bool {
        self.lang == Lang::En
    }
}

/// What every page has around its content.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// Translations.
    pub tr: Tr,
    /// `vi` or `en`, for `<html lang>`.
    pub lang: &'static str,
    /// The same page in the other language.
    pub other_lang_href: String,
    /// The portal's name, after the province (its root unit).
    pub portal: String,
    /// The page's title.
    pub title: String,
    /// Which section of the navigation is current.
    pub section: &'static str,
    /// The signed-in official's name, on workspace pages.
    pub signed_in: Option<String>,
    /// Whether the signed-in official administers (the navigation shows administration).
    pub admin: bool,
}

impl Chrome {
    /// The chrome of a page at `uri` in `lang`.
    fn new(rules: Option<&Rules>, asked: &Asked, section: &'static str) -> Self {
        let lang = asked.lang;
        let tr = Tr { lang };
        // The province is the root unit: `Ủy ban nhân dân Thành phố Hồ Chí Minh` gives
        // `Thành phố Hồ Chí Minh`.
        let province = rules.and_then(|r| {
            r.org.units().find(|u| u.parent.is_none()).map(|u| {
                u.name
                    .strip_prefix("Ủy ban nhân dân ")
                    .unwrap_or(&u.name)
                    .to_owned()
            })
        });
        let portal = match (lang, province) {
            (Lang::Vi, Some(p)) => format!("Cổng Dịch vụ công {p}"),
            (Lang::En, Some(p)) => format!("Public Service Portal — {p}"),
            (Lang::Vi, None) => "Cổng Dịch vụ công".to_owned(),
            (Lang::En, None) => "Public Service Portal".to_owned(),
        };
        Self {
            tr,
            lang: lang.as_str(),
            other_lang_href: format::with_lang(&asked.uri, lang.other()),
            portal,
            title: String::new(),
            section,
            signed_in: None,
            admin: false,
        }
    }

    /// The chrome of an official's page.
    fn official(
        rules: &Rules,
        asked: &Asked,
        o: &motcua_domain::org::Official,
        section: &'static str,
        title: String,
    ) -> Self {
        let mut c = Chrome::new(Some(rules), asked, section);
        c.signed_in = Some(o.name.clone());
        c.admin = o
            .roles
            .iter()
            .any(|r| r.role == motcua_domain::org::Role::Administrator);
        c.title = title;
        c
    }
}

/// A rendered page, or the error page.
pub(crate) fn html(status: StatusCode, body: Result<String, askama::Error>) -> Response {
    match body {
        Ok(body) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            )],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page could not be rendered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                )],
                "Lỗi máy chủ: không hiển thị được trang. / Server error: the page could not be rendered.",
            )
                .into_response()
        }
    }
}

/// The error page: what went wrong, in the page's language, and where to go from here.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    status: u16,
    heading: String,
    detail: String,
}

/// What every page handler starts from: the address asked for (as the client wrote it,
/// before any nesting) and the language of the answer.
pub(crate) struct Asked {
    pub uri: Uri,
    pub lang: Lang,
}

impl Asked {
    pub fn tr(&self) -> Tr {
        Tr { lang: self.lang }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Asked {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or_else(|| parts.uri.clone(), |o| o.0.clone());
        Ok(Asked {
            lang: format::lang(&uri, &parts.headers),
            uri,
        })
    }
}

/// An error page with a status.
pub(crate) async fn error_page(
    state: &AppState,
    asked: &Asked,
    status: StatusCode,
    heading: (&str, &str),
    detail: String,
) -> Response {
    let rules = state.app.rules().await.ok();
    let mut c = Chrome::new(rules.as_deref(), asked, "");
    let heading = c.tr.t(heading.0, heading.1).to_owned();
    c.title.clone_from(&heading);
    html(
        status,
        ErrorPage {
            c,
            status: status.as_u16(),
            heading,
            detail,
        }
        .render(),
    )
}

/// Pages at addresses nobody serves.
pub(crate) async fn not_found(state: &AppState, asked: &Asked) -> Response {
    error_page(
        state,
        asked,
        StatusCode::NOT_FOUND,
        ("Không tìm thấy trang", "Page not found"),
        asked
            .tr()
            .t(
                "Địa chỉ này không có trang nào. Hãy kiểm tra lại địa chỉ, hoặc bắt đầu từ trang chủ.",
                "There is no page at this address. Check the address, or start from the home page.",
            )
            .to_owned(),
    )
    .await
}

/// A page, or the error page that stands in its place.
pub(crate) type Page = Result<Response, Response>;

/// The error page for a failure of the application: not found, or a problem of the system
/// (logged, and told to the citizen without detail).
pub(crate) async fn failure(state: &AppState, asked: &Asked, e: &AppError) -> Response {
    let tr = asked.tr();
    let (status, heading, detail) = match e {
        AppError::NotFound(_) => (
            StatusCode::NOT_FOUND,
            ("Không tìm thấy", "Not found"),
            tr.t(
                "Không có nội dung nào ở địa chỉ này.",
                "There is nothing at this address.",
            ),
        ),
        AppError::Forbidden(_) => (
            StatusCode::FORBIDDEN,
            ("Không có quyền truy cập", "Not allowed"),
            tr.t(
                "Nội dung này không thuộc đơn vị hoặc vai trò bạn được giao.",
                "This is not within the units or roles assigned to you.",
            ),
        ),
        AppError::Unauthenticated => (
            StatusCode::UNAUTHORIZED,
            ("Cần đăng nhập", "Sign-in needed"),
            tr.t(
                "Hãy đăng nhập rồi mở lại trang này.",
                "Sign in, then open this page again.",
            ),
        ),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, ("", ""), ""),
    };
    if status != StatusCode::INTERNAL_SERVER_ERROR {
        return error_page(state, asked, status, heading, detail.to_owned()).await;
    }
    tracing::error!(error = ?e, "a page failed");
    error_page(
        state,
        asked,
        StatusCode::INTERNAL_SERVER_ERROR,
        ("Hệ thống đang gặp sự cố", "The system has a problem"),
        tr.t(
            "Trang chưa hiển thị được. Vui lòng thử lại sau ít phút; sự cố đã được ghi lại.",
            "The page could not be shown. Please try again in a few minutes; the problem has been logged.",
        )
        .to_owned(),
    )
    .await
}

/// The rules in force, or the error page.
pub(crate) async fn rules(state: &AppState, asked: &Asked) -> Result<Arc<Rules>, Response> {
    match state.app.rules().await {
        Ok(rules) => Ok(rules),
        Err(e) => Err(failure(state, asked, &e).await),
    }
}

/// The query of the address, or the error page for one that cannot be read (say, broken
/// percent-encoding).
pub(crate) async fn query<T>(
    state: &AppState,
    asked: &Asked,
    query: Result<Query<T>, QueryRejection>,
) -> Result<T, Response> {
    match query {
        Ok(Query(q)) => Ok(q),
        Err(_) => Err(error_page(
            state,
            asked,
            StatusCode::BAD_REQUEST,
            ("Địa chỉ không hợp lệ", "The address is not valid"),
            asked
                .tr()
                .t(
                    "Một phần của địa chỉ không đọc được. Hãy quay lại trang trước và thử lại.",
                    "A part of the address cannot be read. Go back to the previous page and try again.",
                )
                .to_owned(),
        )
        .await),
    }
}

/// Percent-encodes a query value (UTF-8 bytes; letters, digits and `-._~` stay).
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// The error of a form's field, from the form's errors (field id, message).
pub(crate) fn field_error<'a>(errors: &'a [(String, String)], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|(f, _)| f == field)
        .map(|(_, m)| m.as_str())
}

/// A fresh key for a form, sent back as its idempotency key: the same form sent twice acts
/// once. Without randomness the form goes without one (a retry may then act twice).
pub(crate) fn new_form_key() -> String {
    motcua_app::new_secret().unwrap_or_default()
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        CSS,
    )
        .into_response()
}

/// What every page response carries: a strict content security policy (no inline script or
/// style, nothing from elsewhere), no sniffing, no framing, and the language chosen with
/// `?lang=` remembered for a year.
async fn page_headers(request: Request, next: Next) -> Response {
    let chosen = format::lang_param(request.uri());
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    if let Some(lang) = chosen {
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            lang.as_str()
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            h.append(header::SET_COOKIE, v);
        }
    }
    response
}

/// The page routes.
pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(citizen::home))
        .route("/thu-tuc", get(citizen::catalog))
        .route("/thu-tuc/{code}", get(citizen::procedure))
        .route(
            "/thu-tuc/{code}/nop-ho-so",
            get(submit::form_page).post(submit::submit).layer(
                axum::extract::DefaultBodyLimit::max(submit::UPLOAD_BODY_BYTES),
            ),
        )
        .route("/tra-cuu", get(citizen::tracking))
        .route("/dang-nhap", get(session::login_form).post(session::login))
        .route("/dang-xuat", axum::routing::post(session::logout))
        .route(session::WORKSPACE, get(workspace::inbox))
        .route("/can-bo/quan-tri", get(admin::page))
        .route(
            "/can-bo/tiep-nhan",
            get(receipt::form_page).post(receipt::decide).layer(
                axum::extract::DefaultBodyLimit::max(submit::UPLOAD_BODY_BYTES),
            ),
        )
        .route(
            "/can-bo/ho-so/{code}",
            get(workspace::dossier).post(workspace::act).layer(
                axum::extract::DefaultBodyLimit::max(submit::UPLOAD_BODY_BYTES),
            ),
        )
        .route(
            "/can-bo/ho-so/{code}/mau/{file}",
            get(papers::official_form),
        )
        .route(
            "/can-bo/ho-so/{code}/tep/{sha256}",
            get(papers::official_file),
        )
        .route("/can-bo/so-theo-doi", get(papers::register))
        .route(
            "/tra-cuu/giay-to",
            axum::routing::post(papers::applicant_form),
        )
        .route(
            "/tra-cuu/bo-sung",
            axum::routing::post(submit::answer_supplement).layer(
                axum::extract::DefaultBodyLimit::max(submit::UPLOAD_BODY_BYTES),
            ),
        )
        .route(CSS_PATH, get(stylesheet))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::track,
        ))
        .layer(axum::middleware::from_fn(page_headers))
}
