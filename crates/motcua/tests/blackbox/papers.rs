//! The official forms downloaded over HTTP from a real server and read back with poppler's
//! `pdftotext` and `pdftoppm`: each says what happened to the dossier, in Vietnamese with
//! every diacritic, and names the people and times the log holds.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::json;

use crate::on_both_backends;
use crate::support::{As, Backend, Scratch, Server};

const MONDAY_7AM: &str = "2026-03-02T07:00:00+07:00";
const DESK: &str = "phuong-ben-thanh-mot-cua";
const SPECIALIST: &str = "phuong-ben-thanh-tu-phap";
const LEADER: &str = "phuong-ben-thanh-chu-tich";

fn tools() -> bool {
    let here = Command::new("pdftotext").arg("-v").output().is_ok()
        && Command::new("zbarimg").arg("--version").output().is_ok();
    assert!(
        here || std::env::var_os("MOTCUA_TEST_PDF_REQUIRED").is_none(),
        "PDF tests required, but pdftotext or zbarimg is missing (apt-get install poppler-utils zbar-tools)"
    );
    here
}

/// Downloads a PDF as an official; returns its status and, for a PDF, its text (lines
/// trimmed, blank lines dropped).
async fn download(
    who: &As<'_>,
    s: &Server,
    path: &str,
    scratch: &Scratch,
) -> (StatusCode, Vec<String>) {
    let r = s
        .client
        .get(format!("{}{path}", s.url))
        .header("authorization", format!("Bearer {}", who.token()))
        .send()
        .await
        .unwrap();
    read(r, scratch).await
}

async fn read(r: reqwest::Response, scratch: &Scratch) -> (StatusCode, Vec<String>) {
    let status = r.status();
    let pdf = r
        .headers()
        .get("content-type")
        .is_some_and(|v| v == "application/pdf");
    if pdf {
        assert_eq!(r.headers()["cache-control"], "private, no-store");
    }
    let bytes = r.bytes().await.unwrap();
    if !pdf {
        return (status, Vec::new());
    }
    let file = scratch.as_path().join("form.pdf");
    std::fs::write(&file, &bytes).unwrap();
    let out = Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    // Every page renders.
    let png = Command::new("pdftoppm")
        .args(["-png", "-r", "40"])
        .arg(&file)
        .arg(scratch.as_path().join("page"))
        .output()
        .unwrap();
    assert!(
        png.status.success() && png.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&png.stderr)
    );
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    (status, lines)
}

/// What the QR code of the last downloaded form says, read by zbar from the rendered page.
fn qr(scratch: &Scratch) -> String {
    let png = scratch.as_path().join("qr");
    let out = Command::new("pdftoppm")
        .args(["-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile"])
        .arg(scratch.as_path().join("form.pdf"))
        .arg(&png)
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(png.with_extension("png"))
        .output()
        .expect("zbarimg (apt-get install zbar-tools)");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn has(lines: &[String], expected: &[&str]) {
    for e in expected {
        assert!(lines.iter().any(|l| l == e), "{e:?} not in {lines:#?}");
    }
}

async fn every_form_says_what_the_log_holds(backend: Backend) {
    if !tools() {
        return;
    }
    let Some(s) = Server::start(backend, MONDAY_7AM).await else {
        return;
    };
    let scratch = Scratch::new(&format!("papers-{backend:?}"));
    let (desk, specialist) = (s.login(DESK).await, s.login(SPECIALIST).await);
    let (st, created) = desk
        .post(
            "/api/v1/dossiers/receive",
            &json!({
                "procedure_code": "1.001193", "unit": "phuong-ben-thanh",
                "applicant": {"name": "Nguyễn Hoàng Minh Thư", "phone": "0909000111",
                              "address": "Số 12 đường Lê Lợi, phường Bến Thành"},
                "documents": [{"component": "Tờ khai đăng ký khai sinh"},
                              {"component": "Giấy chứng sinh", "digitized": true}]
            }),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{created}");
    let code = created["code"].as_str().unwrap().to_owned();
    let form = |n: &str| format!("/can-bo/ho-so/{code}/mau/{n}.pdf");

    // 01: who, what, which documents, when received and when the result is due.
    let (st, text) = download(&desk, &s, &form("01"), &scratch).await;
    assert_eq!(st, StatusCode::OK);
    has(
        &text,
        &[
            "PHƯỜNG BẾN THÀNH",
            "Độc lập - Tự do - Hạnh phúc",
            "Thành phố Hồ Chí Minh, ngày 02 tháng 03 năm 2026",
            "Độc lập - Tự do - Hạnh phúc",
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            &format!("Mã hồ sơ: {code}"),
            "Ông/bà (tổ chức): Nguyễn Hoàng Minh Thư",
            "Địa chỉ: Số 12 đường Lê Lợi, phường Bến Thành",
            "Nội dung yêu cầu giải quyết: Đăng ký khai sinh",
            "Tờ khai đăng ký khai sinh",
            "Giấy chứng sinh",
            "Đã số hóa",
            "3. Thời gian giải quyết hồ sơ theo quy định: 8 giờ làm việc",
            "4. Thời gian nhận hồ sơ: 07 giờ 00 phút, ngày 02 tháng 03 năm 2026",
            "5. Thời gian trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 02 tháng 03 năm 2026",
            "Quét mã để tra cứu tình trạng hồ sơ",
            "Võ Thị Hồng",
        ],
    );
    assert_eq!(
        qr(&scratch),
        format!("{}/tra-cuu?ma={code}", s.url),
        "the QR code opens the tracking page"
    );
    // Forms the dossier does not have yet.
    for n in ["02", "03", "04", "05"] {
        assert_eq!(
            download(&desk, &s, &form(n), &scratch).await.0,
            StatusCode::NOT_FOUND,
            "{n}"
        );
    }
    assert_eq!(
        download(&desk, &s, &form("09"), &scratch).await.0,
        StatusCode::NOT_FOUND
    );

    // 02: every missing item, once.
    s.at("2026-03-02T08:00:00+07:00").await;
    desk.ok(&code, json!({"action": "complete-step"})).await;
    s.at("2026-03-02T09:00:00+07:00").await;
    specialist
        .ok(&code, json!({"action": "request-supplement",
                          "missing": ["Giấy chứng sinh bản chính", "Văn bản ủy quyền có chứng thực"]}))
        .await;
    let (_, text) = download(&specialist, &s, &form("02"), &scratch).await;
    has(
        &text,
        &[
            "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
            "1. Giấy chứng sinh bản chính",
            "2. Văn bản ủy quyền có chứng thực",
            "Lý Văn Hậu",
        ],
    );
    s.at("2026-03-03T09:00:00+07:00").await;
    let desk = s.login(DESK).await;
    desk.ok(&code, json!({"action": "supplement-received"}))
        .await;

    // 04: the reason and the new appointment.
    let leader = s.login(LEADER).await;
    leader
        .ok(
            &code,
            json!({"action": "apologize", "new_due": "2026-03-05T17:00:00+07:00",
                          "reason": "Cần xác minh thông tin nơi sinh với bệnh viện"}),
        )
        .await;
    let (_, text) = download(&leader, &s, &form("04"), &scratch).await;
    has(
        &text,
        &[
            "Thành phố Hồ Chí Minh, ngày 03 tháng 03 năm 2026",
            "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
            "Cần xác minh thông tin nơi sinh với bệnh viện",
            "17 giờ 00 phút, ngày 05 tháng 03 năm 2026",
            "Huỳnh Tấn Phát",
        ],
    );

    // 06: one row per step, each hand-over to the minute, who gave and who received.
    let specialist = s.login(SPECIALIST).await;
    s.at("2026-03-03T10:15:00+07:00").await;
    specialist
        .ok(&code, json!({"action": "complete-step"}))
        .await;
    let (_, text) = download(&leader, &s, &form("06"), &scratch).await;
    has(
        &text,
        &[
            "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
            "Kèm theo hồ sơ của: Nguyễn Hoàng Minh Thư",
            "08:00 02/03/2026",
            "10:15 03/03/2026",
            "Võ Thị Hồng",
            "Lý Văn Hậu",
            "Đúng hạn",
        ],
    );

    // 03 on another dossier; 07, the register of the desk for the day.
    let (_, other) = desk
        .post(
            "/api/v1/dossiers/receive",
            &json!({
            "procedure_code": "1.001193", "unit": "phuong-ben-thanh",
            "applicant": {"name": "Đặng Văn Sơn", "phone": "0909000222"}}),
        )
        .await;
    let other = other["code"].as_str().unwrap().to_owned();
    leader
        .ok(
            &other,
            json!({"action": "refuse", "reason": "Không thuộc thẩm quyền của phường"}),
        )
        .await;
    let (_, text) = download(
        &desk,
        &s,
        &format!("/can-bo/ho-so/{other}/mau/03.pdf"),
        &scratch,
    )
    .await;
    has(
        &text,
        &[
            "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
            "Không thuộc thẩm quyền của phường",
        ],
    );
    let (st, text) = download(
        &desk,
        &s,
        "/can-bo/so-theo-doi?tu=2026-03-02&den=2026-03-03",
        &scratch,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    has(
        &text,
        &[
            "SỔ THEO DÕI HỒ SƠ",
            "Từ ngày 02/03/2026 đến ngày 03/03/2026",
            &code,
            &other,
        ],
    );
    // pdftotext may join neighbouring cells on one line.
    for name in ["Nguyễn Hoàng Minh Thư", "Đặng Văn Sơn"] {
        assert!(text.iter().any(|l| l.contains(name)), "{name} in {text:#?}");
    }
    let (_, empty) = download(
        &desk,
        &s,
        "/can-bo/so-theo-doi?tu=2026-02-01&den=2026-02-28",
        &scratch,
    )
    .await;
    has(&empty, &["Không có hồ sơ trong kỳ."]);
    for bad in ["tu=02/03/2026", "tu=2026-03-05&den=2026-03-01"] {
        let (st, _) = download(&desk, &s, &format!("/can-bo/so-theo-doi?{bad}"), &scratch).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    // Another ward's desk sees neither.
    let other_desk = s.login("phuong-sai-gon-mot-cua").await;
    assert_eq!(
        download(&other_desk, &s, &form("01"), &scratch).await.0,
        StatusCode::FORBIDDEN
    );
}

async fn the_applicant_downloads_with_the_secret_key(backend: Backend) {
    if !tools() {
        return;
    }
    let Some(s) = Server::start(backend, MONDAY_7AM).await else {
        return;
    };
    let scratch = Scratch::new(&format!("papers-applicant-{backend:?}"));
    let (st, created) = s
        .public()
        .post(
            "/api/v1/dossiers",
            &json!({
            "procedure_code": "1.001193", "unit": "phuong-ben-thanh",
            "applicant": {"name": "Lê Thị Thu Hà", "phone": "0909000111"},
            "documents": [{"component": "Giấy chứng sinh"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let code = created["code"].as_str().unwrap().to_owned();
    let key = created["access_key"].as_str().unwrap().to_owned();
    s.login(DESK)
        .await
        .ok(&code, json!({"action": "receive"}))
        .await;
    let post = |k: String, mau: &'static str| {
        s.client
            .post(format!("{}/tra-cuu/giay-to", s.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("ma={code}&khoa={k}&mau={mau}"))
            .send()
    };
    let (st, text) = read(post(key.clone(), "01").await.unwrap(), &scratch).await;
    assert_eq!(st, StatusCode::OK);
    has(
        &text,
        &[
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            "Ông/bà (tổ chức): Lê Thị Thu Hà",
        ],
    );
    let r = post("sai-khoa".into(), "01").await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("Mã bí mật không đúng"));
    let r = post(key.clone(), "03").await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "not refused: no form 03");
    let r = post(key, "kq").await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "no result yet");
    assert!(r.text().await.unwrap().contains("Chưa có kết quả điện tử"));
}

on_both_backends!(
    every_form_says_what_the_log_holds,
    the_applicant_downloads_with_the_secret_key,
);
