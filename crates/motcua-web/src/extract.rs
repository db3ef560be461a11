//! Reading requests: who is calling, JSON bodies with precise errors, command metadata.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, Method, StatusCode, header};
use motcua_app::{App, Meta, Principal};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The session cookie.
pub const SESSION_COOKIE: &str = "motcua_session";

/// The `Set-Cookie` value of a new session: HttpOnly (no script reads it), SameSite=Lax (not
/// sent on cross-site posts), `Secure` behind HTTPS.
pub fn session_cookie(token: &str, ttl_seconds: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={ttl_seconds}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that ends the session in the browser.
pub const CLEARED_SESSION_COOKIE: &str =
    "motcua_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0";

/// The session token of a request: `Authorization: Bearer …`, else the session cookie.
pub fn token(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        return v.strip_prefix("Bearer ").map(|t| t.trim().to_owned());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (name, value) = c.trim().split_once('=')?;
            (name == SESSION_COOKIE).then(|| value.to_owned())
        })
}

/// Who is calling: an official with a valid session, or the public. A token that is not
/// valid is an error, not the public: the caller meant to be someone.
pub async fn principal(app: &App, headers: &HeaderMap) -> Result<Principal, ApiError> {
    match token(headers) {
        Some(t) => Ok(Principal::Official(app.authenticate(&t).await?)),
        None => Ok(Principal::Public),
    }
}

/// Like [`principal`], but an applicant who sends their dossier's access key
/// (`X-Access-Key`) acts as the applicant of that dossier.
pub async fn principal_for(
    app: &App,
    headers: &HeaderMap,
    code: &str,
) -> Result<Principal, ApiError> {
    if let Some(key) = headers.get("x-access-key").and_then(|v| v.to_str().ok()) {
        return Ok(app.applicant(code, key).await?);
    }
    principal(app, headers).await
}

/// An official, or 401.
pub async fn official(app: &App, headers: &HeaderMap) -> Result<Principal, ApiError> {
    match principal(app, headers).await? {
        p @ Principal::Official(_) => Ok(p),
        _ => Err(motcua_app::AppError::Unauthenticated.into()),
    }
}

/// A request body, or 413 when it is over the limit.
pub fn body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "the request body is too large",
            )
        } else {
            ApiError::bad_request(
                "unreadable-body",
                format!("the request body cannot be read: {e}"),
            )
        }
    })
}

/// Parses a JSON body: 415 without a JSON content type, 400 for malformed JSON, 422 for
/// well-formed JSON of the wrong shape.
pub fn json<T: DeserializeOwned>(headers: &HeaderMap, body: &Bytes) -> Result<T, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = content_type.split(';').next().unwrap_or("").trim();
    if !(mime == "application/json" || mime.ends_with("+json")) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "send the body as JSON with Content-Type: application/json",
        ));
    }
    serde_json::from_slice(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => ApiError::invalid(format!("invalid request: {e}")),
        _ => ApiError::bad_request("malformed-json", format!("malformed JSON: {e}")),
    })
}

/// The metadata of a command: `If-Match` (expected version), `Idempotency-Key`, and a hash
/// of the request to refuse a key reused for another request.
pub fn meta(
    headers: &HeaderMap,
    method: &Method,
    path: &str,
    body: &[u8],
) -> Result<Meta, ApiError> {
    let expected_version = match headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()) {
        None => None,
        Some(v) => {
            let v = v.trim().trim_start_matches("W/").trim_matches('"');
            Some(v.parse::<u64>().map_err(|_| {
                ApiError::bad_request(
                    "invalid-if-match",
                    "If-Match must be the dossier's version, e.g. \"3\"",
                )
            })?)
        }
    };
    let idempotency_key = headers
        .get("idempotency-key")
        .map(|v| {
            v.to_str().map(str::to_owned).map_err(|_| {
                ApiError::bad_request(
                    "invalid-idempotency-key",
                    "Idempotency-Key must be visible ASCII",
                )
            })
        })
        .transpose()?;
    let mut h = Sha256::new();
    h.update(method.as_str().as_bytes());
    h.update(b" ");
    h.update(path.as_bytes());
    h.update(b"\n");
    h.update(body);
    let request_hash = h
        .finalize()
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            use std::fmt::Write as _;
            let _ = write!(s, "{b:02x}");
            s
        });
    Ok(Meta {
        expected_version,
        idempotency_key,
        request_hash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn tokens_come_from_the_bearer_header_or_the_cookie() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; motcua_session=abc; b=2"),
        );
        assert_eq!(token(&h).as_deref(), Some("abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer xyz"),
        );
        assert_eq!(token(&h).as_deref(), Some("xyz"));
        assert_eq!(token(&HeaderMap::new()), None);
    }

    #[test]
    fn if_match_accepts_quoted_and_weak_versions() {
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::IF_MATCH, HeaderValue::from_static(v));
            meta(&h, &Method::POST, "/x", b"{}")
        };
        assert_eq!(with("3").unwrap().expected_version, Some(3));
        assert_eq!(with("\"4\"").unwrap().expected_version, Some(4));
        assert_eq!(with("W/\"5\"").unwrap().expected_version, Some(5));
        assert_eq!(with("five").unwrap_err().status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn the_request_hash_covers_method_path_and_body() {
        let h = HeaderMap::new();
        let a = meta(&h, &Method::POST, "/a", b"{}").unwrap().request_hash;
        assert_eq!(
            a,
            meta(&h, &Method::POST, "/a", b"{}").unwrap().request_hash
        );
        assert_ne!(
            a,
            meta(&h, &Method::POST, "/b", b"{}").unwrap().request_hash
        );
        assert_ne!(
            a,
            meta(&h, &Method::POST, "/a", b"{ }").unwrap().request_hash
        );
    }
}
