//! The citizens' portal over real HTTP from a real server: every page in Vietnamese by
//! default and in English on request, search without diacritics, a procedure's facts,
//! tracking a dossier submitted through the API, and bad input answered next to its field.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, HeaderMap, SET_COOKIE};

use crate::on_both_backends;
use crate::support::{Backend, Server, between};

const MONDAY_7AM: &str = "2026-03-02T07:00:00+07:00";

/// The weight the issue allows a page before images.
const MAX_PAGE_BYTES: usize = 100 * 1024;

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

async fn page(s: &Server, path: &str, cookie: Option<&str>) -> Page {
    let mut req = s.client.get(format!("{}{path}", s.url));
    if let Some(c) = cookie {
        req = req.header(COOKIE, c);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let body = r.text().await.unwrap();
    assert!(
        body.len() < MAX_PAGE_BYTES,
        "{path} weighs {} bytes",
        body.len()
    );
    Page {
        status,
        headers,
        body,
    }
}

fn is_html(p: &Page) -> bool {
    p.headers
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.to_str().unwrap().starts_with("text/html"))
}

/// The links to procedures in a results page, in order.
fn procedure_links(body: &str) -> Vec<String> {
    body.split("href=\"/thu-tuc/")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

async fn pages_are_vietnamese_by_default_and_english_on_request(backend: Backend) {
    let Some(s) = Server::start(backend, MONDAY_7AM).await else {
        return;
    };
    let home = page(&s, "/", None).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(is_html(&home));
    assert!(home.body.contains("<html lang=\"vi\">"), "{}", home.body);
    assert!(
        home.body
            .contains("Cổng Dịch vụ công Thành phố Hồ Chí Minh")
    );
    assert!(home.body.contains("Tra cứu hồ sơ"));
    assert!(home.body.contains("href=\"/?lang=en\""));
    let csp = home.headers.get(CONTENT_SECURITY_POLICY).unwrap();
    assert!(csp.to_str().unwrap().contains("script-src 'self'"));
    // The stylesheet it links to is served, and may be kept.
    let css = between(&home.body, "rel=\"stylesheet\" href=\"", "\"").to_owned();
    let r = s
        .client
        .get(format!("{}{css}", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(r.text().await.unwrap().contains(".skip"));

    // English, remembered in a cookie for the next pages.
    let en = page(&s, "/?lang=en", None).await;
    assert!(en.body.contains("<html lang=\"en\">"));
    assert!(en.body.contains("Track a dossier"));
    assert!(!en.body.contains("Tra cứu hồ sơ</a>"));
    let cookie = en.headers.get(SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cookie.starts_with("motcua_lang=en"), "{cookie}");
    let next = page(&s, "/thu-tuc", Some("motcua_lang=en")).await;
    assert!(next.body.contains("Administrative procedures"));
    assert!(next.body.contains("lang=\"vi\" hreflang=\"vi\">Tiếng Việt"));
    let back = page(&s, "/thu-tuc?lang=vi", Some("motcua_lang=en")).await;
    assert!(back.body.contains("Thủ tục hành chính"));

    // No page at an address: an error page in the page's language; the API keeps JSON.
    let missing = page(&s, "/khong-co-trang-nay", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(is_html(&missing));
    assert!(missing.body.contains("Không tìm thấy trang"));
    let api = page(&s, "/api/v1/khong-co", None).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(api.body.contains("\"no-route\""), "{}", api.body);
}

async fn the_catalog_is_searched_without_diacritics(backend: Backend) {
    let Some(s) = Server::start(backend, MONDAY_7AM).await else {
        return;
    };
    let plain = page(&s, "/thu-tuc?q=dang+ky+khai+sinh", None).await;
    assert_eq!(plain.status, StatusCode::OK);
    let marked = page(&s, "/thu-tuc?q=%C4%90%C4%83ng+k%C3%BD+khai+sinh", None).await;
    let found = procedure_links(&plain.body);
    assert!(found.contains(&"1.001193".to_owned()), "{found:?}");
    assert_eq!(found, procedure_links(&marked.body));
    assert!(plain.body.contains("Đăng ký khai sinh"));
    // The words may come in any order.
    assert_eq!(
        procedure_links(&page(&s, "/thu-tuc?q=khai+sinh+dang+ky", None).await.body),
        found
    );
    // A field narrows the list to its procedures.
    let all = procedure_links(&page(&s, "/thu-tuc", None).await.body);
    let field = page(&s, "/thu-tuc?linh-vuc=H%E1%BB%99+t%E1%BB%8Bch", None).await;
    let civil = procedure_links(&field.body);
    assert!(!civil.is_empty() && civil.len() < all.len().max(21));
    assert!(civil.contains(&"1.001193".to_owned()));
    assert!(!civil.contains(&"1.004222".to_owned()), "{civil:?}");
    // The catalog pages by twenty.
    assert!(all.len() <= 20);

    // Script in the search comes back as text, never as markup.
    let nasty = page(&s, "/thu-tuc?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", None).await;
    assert_eq!(nasty.status, StatusCode::OK);
    assert!(!nasty.body.contains("<script>alert(1)"));
    assert!(
        nasty.body.contains("&#60;script&#62;alert(1)")
            || nasty.body.contains("&lt;script&gt;alert(1)")
    );
    assert!(nasty.body.contains("Không tìm thấy thủ tục nào"));
    // A search too long is refused next to its field.
    let long = format!("/thu-tuc?q={}", "a".repeat(201));
    let refused = page(&s, &long, None).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("id=\"q-error\""));
    assert!(refused.body.contains("Từ khóa quá dài"));
    assert!(refused.body.contains("aria-invalid=\"true\""));
}

async fn a_procedure_page_shows_what_to_bring_what_it_costs_and_how_long(backend: Backend) {
    let Some(s) = Server::start(backend, MONDAY_7AM).await else {
        return;
    };
    let birth = page(&s, "/thu-tuc/1.001193", None).await;
    assert_eq!(birth.status, StatusCode::OK);
    for text in [
        "<h1>Đăng ký khai sinh</h1>",
        "8 giờ làm việc",
        "không tính thứ Bảy, Chủ nhật",
        "Tờ khai đăng ký khai sinh",
        "Giấy chứng sinh",
        "Trường hợp ủy quyền thực hiện đăng ký khai sinh",
        "Miễn phí",
        "60/2014/QH13",
        "Luật Hộ tịch",
        "Trực tuyến",
        "Bưu chính công ích",
        "Dịch vụ công trực tuyến toàn trình",
    ] {
        assert!(birth.body.contains(text), "missing {text:?}");
    }
    // The online reduction of a fee is shown beside the desk amount.
    let residence = page(&s, "/thu-tuc/1.004222", None).await;
    assert!(residence.body.contains("20.000 đồng"), "{}", residence.body);
    assert!(residence.body.contains("<strong>10.000 đồng</strong>"));
    assert!(residence.body.contains("giảm khi nộp trực tuyến"));
    let en = page(&s, "/thu-tuc/1.001193?lang=en", None).await;
    assert!(en.body.contains("8 working hours"));
    assert!(en.body.contains("Documents to provide"));
    // Unknown and malformed codes.
    for code in ["9.999999", "not-a-code"] {
        let p = page(&s, &format!("/thu-tuc/{code}"), None).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{code}");
        assert!(p.body.contains("Không tìm thấy thủ tục"), "{code}");
    }
}

async fn a_dossier_is_tracked_by_its_code(backend: Backend) {
    let Some(s) = Server::start(backend, MONDAY_7AM).await else {
        return;
    };
    let code = s.submit_birth_online("Trần Thị Ngọc Bích").await;
    let form = page(&s, "/tra-cuu", None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(!form.body.contains("class=\"error\""));
    let tracked = page(&s, &format!("/tra-cuu?ma={code}"), None).await;
    assert_eq!(tracked.status, StatusCode::OK);
    assert!(tracked.body.contains(&format!("Hồ sơ {code}")));
    assert!(tracked.body.contains("Đăng ký khai sinh"));
    assert!(tracked.body.contains("Đã nộp hồ sơ"));
    assert!(
        tracked.body.contains("07:00 ngày 02/03/2026"),
        "{}",
        tracked.body
    );
    // The applicant's name is not public.
    assert!(!tracked.body.contains("Bích"));
    // Spaces around a pasted code do not matter.
    let padded = page(&s, &format!("/tra-cuu?ma=++{code}+"), None).await;
    assert_eq!(padded.status, StatusCode::OK);
    let en = page(&s, &format!("/tra-cuu?ma={code}&lang=en"), None).await;
    assert!(en.body.contains("Submitted"));
    assert!(en.body.contains("02/03/2026 07:00"));

    for (query, status, message) in [
        ("ma=", StatusCode::UNPROCESSABLE_ENTITY, "Hãy nhập mã hồ sơ"),
        (
            "ma=abc%3Cscript%3E",
            StatusCode::UNPROCESSABLE_ENTITY,
            "Mã hồ sơ không đúng định dạng",
        ),
        (
            "ma=000.00.12.H29-260302-0999",
            StatusCode::NOT_FOUND,
            "Không tìm thấy hồ sơ có mã 000.00.12.H29-260302-0999",
        ),
    ] {
        let p = page(&s, &format!("/tra-cuu?{query}"), None).await;
        assert_eq!(p.status, status, "{query}");
        assert!(p.body.contains(message), "{query}: {}", p.body);
        assert!(p.body.contains("id=\"ma-error\""), "{query}");
        assert!(!p.body.contains("<script>"), "{query}");
    }
    // What was typed comes back in the field, escaped.
    let p = page(&s, "/tra-cuu?ma=abc%3Cscript%3E", None).await;
    assert!(
        p.body.contains("value=\"abc&#60;script&#62;\""),
        "{}",
        p.body
    );
    // An address whose query cannot be read (a parameter given twice) gets the error page.
    for path in ["/tra-cuu?ma=a&ma=b", "/thu-tuc?q=a&q=b"] {
        let p = page(&s, path, None).await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(is_html(&p));
        assert!(
            p.body.contains("Địa chỉ không hợp lệ"),
            "{path}: {}",
            p.body
        );
    }
}

on_both_backends!(
    pages_are_vietnamese_by_default_and_english_on_request,
    the_catalog_is_searched_without_diacritics,
    a_procedure_page_shows_what_to_bring_what_it_costs_and_how_long,
    a_dossier_is_tracked_by_its_code,
);
