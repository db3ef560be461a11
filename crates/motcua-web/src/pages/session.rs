//! Officials sign in and out of the workspace with a form; the session is the same
//! `motcua_session` cookie the API sets (HttpOnly, SameSite=Lax), so a page and a script of
//! the same official share it.
//!
//! Forms that change anything are protected against cross-site requests twice: the cookie
//! is not sent on a cross-site POST (SameSite=Lax), and a POST whose `Origin` names another
//! site is refused ([`same_origin`]).

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::AppError;
use motcua_domain::org::Official;
use serde::Deserialize;

use super::{Asked, Chrome, error_page, html};
use crate::AppState;
use crate::extract;

/// Where the workspace starts.
pub const WORKSPACE: &str = "/can-bo";

/// The signed-in official of a workspace page; without a valid session the page answers
/// with a redirect to the sign-in form, which brings the official back afterwards.
pub(crate) struct Signed(pub Official);

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let back = || {
            let asked = parts
                .extensions
                .get::<axum::extract::OriginalUri>()
                .map_or_else(|| parts.uri.clone(), |o| o.0.clone());
            let target = asked
                .path_and_query()
                .map_or(WORKSPACE, axum::http::uri::PathAndQuery::as_str);
            Redirect::to(&format!("/dang-nhap?tiep={}", super::encode(target))).into_response()
        };
        let Some(token) = extract::token(&parts.headers) else {
            return Err(back());
        };
        match state.app.authenticate(&token).await {
            Ok(o) => Ok(Signed(o)),
            Err(AppError::Unauthenticated) => Err(back()),
            Err(e) => {
                let asked = Asked::from_request_parts(parts, state)
                    .await
                    .unwrap_or_else(|never| match never {});
                Err(super::failure(state, &asked, &e).await)
            }
        }
    }
}

/// Refuses a form sent from another site: browsers send `Origin` with every POST, and it
/// must name this host.
pub(crate) async fn same_origin(
    state: &AppState,
    asked: &Asked,
    headers: &HeaderMap,
) -> Result<(), Response> {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let ok = match (origin, host) {
        (None, _) => true,
        (Some(o), Some(h)) => o
            .split_once("://")
            .is_some_and(|(_, rest)| rest.trim_end_matches('/') == h),
        (Some(_), None) => false,
    };
    if ok {
        return Ok(());
    }
    Err(error_page(
        state,
        asked,
        StatusCode::FORBIDDEN,
        ("Yêu cầu bị từ chối", "Request refused"),
        asked
            .tr()
            .t(
                "Biểu mẫu này được gửi từ một trang khác. Hãy mở lại trang trên hệ thống và gửi lại.",
                "This form was sent from another site. Open the page on this system again and send it from there.",
            )
            .to_owned(),
    )
    .await)
}

/// A form's fields, or the error page for a body that cannot be read.
pub(crate) async fn form<T>(
    state: &AppState,
    asked: &Asked,
    form: Result<Form<T>, FormRejection>,
) -> Result<T, Response> {
    match form {
        Ok(Form(f)) => Ok(f),
        Err(e) => {
            tracing::info!(error = %e, "an unreadable form");
            Err(unreadable_form(state, asked).await)
        }
    }
}

/// The error page for a form body that cannot be read.
pub(crate) async fn unreadable_form(state: &AppState, asked: &Asked) -> Response {
    error_page(
        state,
        asked,
        StatusCode::BAD_REQUEST,
        ("Biểu mẫu không hợp lệ", "The form is not valid"),
        asked
            .tr()
            .t(
                "Nội dung gửi lên không đọc được. Hãy tải lại trang và điền lại biểu mẫu.",
                "What was sent cannot be read. Reload the page and fill in the form again.",
            )
            .to_owned(),
    )
    .await
}

/// Only paths of this site may be where sign-in leads (no open redirect).
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => WORKSPACE,
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct Login {
    c: Chrome,
    username: String,
    next: String,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginQuery {
    tiep: Option<String>,
}

pub(crate) async fn login_form(
    State(state): State<AppState>,
    asked: Asked,
    q: Result<Query<LoginQuery>, axum::extract::rejection::QueryRejection>,
) -> super::Page {
    let q = super::query(&state, &asked, q).await?;
    let rules = super::rules(&state, &asked).await?;
    let mut c = Chrome::new(Some(&rules), &asked, "workspace");
    asked
        .tr()
        .t("Đăng nhập", "Sign in")
        .clone_into(&mut c.title);
    Ok(html(
        StatusCode::OK,
        Login {
            c,
            username: String::new(),
            next: safe_next(q.tiep.as_deref()).to_owned(),
            error: None,
        }
        .render(),
    ))
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginFields {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    tiep: Option<String>,
}

pub(crate) async fn login(
    State(state): State<AppState>,
    asked: Asked,
    headers: HeaderMap,
    f: Result<Form<LoginFields>, FormRejection>,
) -> super::Page {
    same_origin(&state, &asked, &headers).await?;
    let f = form(&state, &asked, f).await?;
    let tr = asked.tr();
    let next = safe_next(f.tiep.as_deref()).to_owned();
    let username = f.username.trim().to_owned();
    let error = if username.is_empty() || f.password.is_empty() {
        Some(tr.t(
            "Hãy nhập tên đăng nhập và mật khẩu.",
            "Enter your username and password.",
        ))
    } else {
        match state.app.login(&username, &f.password).await {
            Ok(session) => {
                let mut r = Redirect::to(&next).into_response();
                if let Ok(v) = HeaderValue::from_str(&extract::session_cookie(
                    &session.token,
                    state.app.config().session_ttl_seconds,
                    state.secure_cookies,
                )) {
                    r.headers_mut().insert(header::SET_COOKIE, v);
                }
                return Ok(r);
            }
            Err(AppError::BadCredentials) => Some(tr.t(
                "Tên đăng nhập hoặc mật khẩu không đúng.",
                "Wrong username or password.",
            )),
            Err(e) => return Err(super::failure(&state, &asked, &e).await),
        }
    };
    let rules = super::rules(&state, &asked).await?;
    let mut c = Chrome::new(Some(&rules), &asked, "workspace");
    tr.t("Đăng nhập", "Sign in").clone_into(&mut c.title);
    Ok(html(
        StatusCode::UNPROCESSABLE_ENTITY,
        Login {
            c,
            username,
            next,
            error: error.map(str::to_owned),
        }
        .render(),
    ))
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    asked: Asked,
    headers: HeaderMap,
) -> super::Page {
    same_origin(&state, &asked, &headers).await?;
    if let Some(t) = extract::token(&headers)
        && let Err(e) = state.app.logout(&t).await
    {
        return Err(super::failure(&state, &asked, &e).await);
    }
    let mut r = Redirect::to("/dang-nhap").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(extract::CLEARED_SESSION_COOKIE),
    );
    Ok(r)
}
