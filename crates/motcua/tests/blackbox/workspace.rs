//! The officials' workspace and the online submission form over real HTTP: sign-in and its
//! redirects, forms from other sites refused, a stale or repeated form acting at most once,
//! and every refused form leaving the store as it was.

use reqwest::StatusCode;
use reqwest::header::{LOCATION, ORIGIN, SET_COOKIE};
use reqwest::redirect::Policy;

use crate::on_both_backends;
use crate::support::{Backend, Server, between};

const MONDAY_7AM: &str = "2026-03-02T07:00:00+07:00";
const DESK: &str = "phuong-ben-thanh-mot-cua";

/// A browser that does not follow redirects and sends one cookie.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: Option<String>,
}

struct Answer {
    status: StatusCode,
    location: Option<String>,
    set_cookie: Option<String>,
    body: String,
}

impl Browser {
    fn new(s: &Server) -> Self {
        Browser {
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            base: s.url.clone(),
            cookie: None,
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        let req = match &self.cookie {
            Some(c) => req.header("cookie", c),
            None => req,
        };
        let r = req.send().await.unwrap();
        let header = |name| {
            r.headers()
                .get(name)
                .map(|v: &reqwest::header::HeaderValue| v.to_str().unwrap().to_owned())
        };
        Answer {
            status: r.status(),
            location: header(LOCATION),
            set_cookie: header(SET_COOKIE),
            body: r.text().await.unwrap(),
        }
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Answer {
        self.send(self.http.post(format!("{}{path}", self.base)).form(form))
            .await
    }

    async fn sign_in(&mut self, username: &str) {
        let a = self
            .post(
                "/dang-nhap",
                &[("username", username), ("password", "motcua-demo")],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        let cookie = a.set_cookie.unwrap();
        self.cookie = Some(cookie.split(';').next().unwrap().to_owned());
    }
}

async fn version(s: &Server, code: &str) -> u64 {
    let desk = s.login(DESK).await;
    let (_, d) = desk.get(&format!("/api/v1/dossiers/{code}")).await;
    d["version"].as_u64().unwrap()
}

async fn signing_in_leads_back_to_the_page_asked_for(backend: Backend) {
    let Some(s) = Server::start(backend, MONDAY_7AM).await else {
        return;
    };
    let mut b = Browser::new(&s);
    let a = b.get("/can-bo?loai=tra-ket-qua").await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(
        a.location.as_deref(),
        Some("/dang-nhap?tiep=%2Fcan-bo%3Floai%3Dtra-ket-qua")
    );
    let form = b
        .get("/dang-nhap?tiep=%2Fcan-bo%3Floai%3Dtra-ket-qua")
        .await;
    assert!(
        form.body
            .contains("name=\"tiep\" value=\"/can-bo?loai=tra-ket-qua\""),
        "{}",
        form.body
    );
    // Wrong password, empty fields: the form again, with the reason, and no cookie.
    for (user, password, message) in [
        (DESK, "sai", "Tên đăng nhập hoặc mật khẩu không đúng."),
        ("", "", "Hãy nhập tên đăng nhập và mật khẩu."),
    ] {
        let a = b
            .post("/dang-nhap", &[("username", user), ("password", password)])
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(a.body.contains(message), "{}", a.body);
        assert!(a.set_cookie.is_none());
    }
    // Only this site's paths are followed after signing in.
    for (next, to) in [
        ("/can-bo?loai=tra-ket-qua", "/can-bo?loai=tra-ket-qua"),
        ("//evil.example/x", "/can-bo"),
        ("https://evil.example/", "/can-bo"),
    ] {
        let a = b
            .post(
                "/dang-nhap",
                &[
                    ("username", DESK),
                    ("password", "motcua-demo"),
                    ("tiep", next),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(a.location.as_deref(), Some(to), "{next}");
        let cookie = a.set_cookie.unwrap();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
    }
    b.sign_in(DESK).await;
    let inbox = b.get("/can-bo").await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(inbox.body.contains("Võ Thị Hồng"), "the official is named");
    // Signing out ends the session on the server, not only in the browser.
    let out = b.post("/dang-xuat", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.set_cookie.unwrap().contains("Max-Age=0"));
    assert_eq!(b.get("/can-bo").await.status, StatusCode::SEE_OTHER);
}

async fn an_action_form_acts_once_and_only_from_this_site(backend: Backend) {
    let Some(s) = Server::start(backend, MONDAY_7AM).await else {
        return;
    };
    let code = s.submit_birth_online("Hồ Thị Mai").await;
    let mut b = Browser::new(&s);
    b.sign_in(DESK).await;
    let path = format!("/can-bo/ho-so/{code}");
    let page = b.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    let key = between(&page.body, "name=\"key\" value=\"", "\"").to_owned();
    assert!(key.ends_with("-receive"), "{key}");

    // From another site: refused, nothing written.
    let r = b
        .send(
            b.http
                .post(format!("{}{path}", b.base))
                .header(ORIGIN, "https://evil.example")
                .form(&[("action", "receive"), ("version", "1")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("Yêu cầu bị từ chối"));
    assert_eq!(version(&s, &code).await, 1);

    // A refusal without its reason: the page again with the message, nothing written.
    let r = b
        .post(
            &path,
            &[("action", "refuse"), ("version", "1"), ("reason", "  ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Hãy ghi rõ lý do từ chối"));
    assert_eq!(version(&s, &code).await, 1);

    // The form sent twice (a double click, a retry) acts once.
    let form = [
        ("action", "receive"),
        ("version", "1"),
        ("key", key.as_str()),
    ];
    for _ in 0..2 {
        let r = b.post(&path, &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            r.location.as_deref(),
            Some(format!("{path}?xong=receive").as_str())
        );
    }
    assert_eq!(version(&s, &code).await, 2);
    let done = b.get(&format!("{path}?xong=receive")).await;
    assert!(done.body.contains("Đã tiếp nhận hồ sơ."));

    // A form from a page shown before someone else acted: refused, said so.
    let r = b
        .post(
            &path,
            &[
                ("action", "complete-step"),
                ("version", "1"),
                ("key", "other"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("Hồ sơ vừa được người khác cập nhật"));
    assert_eq!(version(&s, &code).await, 2);

    // An unreadable form, an unknown action.
    let r = b
        .send(
            b.http
                .post(format!("{}{path}", b.base))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("version=abc"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("Biểu mẫu không hợp lệ"));
    let r = b
        .post(&path, &[("action", "xoa-ho-so"), ("version", "2")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Thao tác không hợp lệ"));
    // An apology with a date that is not one is refused before anything is tried.
    let mut leader = Browser::new(&s);
    leader.sign_in("phuong-ben-thanh-chu-tich").await;
    let r = leader
        .post(
            &path,
            &[
                ("action", "apologize"),
                ("version", "2"),
                ("reason", "Chậm"),
                ("new_date", "05/03/2026"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Ngày giờ hẹn mới không đúng dạng"),
        "{}",
        r.body
    );
    assert_eq!(version(&s, &code).await, 2);

    // A dossier of another ward is not shown.
    let mut other = Browser::new(&s);
    other.sign_in("phuong-sai-gon-mot-cua").await;
    let r = other.get(&path).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}

async fn dossiers(s: &Server) -> usize {
    let desk = s.login(DESK).await;
    let (_, list) = desk.get("/api/v1/dossiers").await;
    list["items"].as_array().map_or(0, Vec::len)
}

async fn a_submission_with_mistakes_stores_nothing(backend: Backend) {
    let Some(s) = Server::start(backend, MONDAY_7AM).await else {
        return;
    };
    let b = Browser::new(&s);
    let path = "/thu-tuc/1.001193/nop-ho-so";
    let good = [
        ("unit", "phuong-ben-thanh"),
        ("name", "Ngô Bảo Châu"),
        ("phone", "0909000111"),
        ("tp-0", "1"),
        ("tp-1", "1"),
    ];
    let with = |field: &'static str, value: &'static str| {
        let mut f: Vec<(&str, &str)> = good.iter().copied().filter(|(k, _)| *k != field).collect();
        if !value.is_empty() {
            f.push((field, value));
        }
        f
    };
    for (form, id, message) in [
        (
            with("unit", "phuong-khong-co"),
            "unit-error",
            "Hãy chọn nơi nộp hồ sơ",
        ),
        (with("name", ""), "name-error", "Hãy nhập họ và tên"),
        (
            with("name", "<b>Châu</b>"),
            "name-error",
            "Không được dùng ký tự",
        ),
        (
            with("address", "<script>x</script>"),
            "address-error",
            "Không được dùng ký tự",
        ),
        (with("phone", "0909"), "phone-error", "10 chữ số"),
        (
            with("phone", ""),
            "phone-error",
            "số điện thoại hoặc thư điện tử",
        ),
        (
            with("email", "chau@"),
            "email-error",
            "Thư điện tử chưa đúng dạng",
        ),
        (
            with("id_number", "07909000123A"),
            "id_number-error",
            "12 chữ số",
        ),
        (
            with("tp-1", ""),
            "components-error",
            "Thiếu giấy tờ bắt buộc: Giấy chứng sinh",
        ),
    ] {
        let r = b.post(path, &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{id}");
        assert!(r.body.contains(&format!("id=\"{id}\"")), "{id}: {}", r.body);
        assert!(r.body.contains(message), "{id}: {message}");
        assert!(!r.body.contains("<script>x"), "{id}: echoed unescaped");
    }
    assert_eq!(dossiers(&s).await, 0, "nothing was stored");

    // The right form is stored once, even when sent twice.
    let mut form = good.to_vec();
    form.push(("key", "k1"));
    let first = b.post(path, &form).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert!(first.body.contains("id=\"access-key\""));
    let again = b.post(path, &form).await;
    assert_eq!(again.status, StatusCode::OK);
    let code = |body: &str| between(body, "id=\"dossier-code\">", "<").to_owned();
    assert_eq!(code(&first.body), code(&again.body));
    assert!(
        !again.body.contains("id=\"access-key\""),
        "the key is shown once"
    );
    assert_eq!(dossiers(&s).await, 1);
    let desk = s.login(DESK).await;
    let (_, d) = desk
        .get(&format!("/api/v1/dossiers/{}", code(&first.body)))
        .await;
    assert_eq!(d["applicant"]["name"], "Ngô Bảo Châu");
    assert_eq!(d["channel"], 2);
    let docs: Vec<&str> = d["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["component"].as_str().unwrap())
        .collect();
    assert_eq!(
        docs,
        ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"],
        "{d}"
    );

    // Procedures that do not exist or are not online have no form.
    for p in ["9.999999", "khong-phai-ma"] {
        let r = b.get(&format!("/thu-tuc/{p}/nop-ho-so")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{p}");
    }
}

/// The submission form with files, as a browser sends it.
fn multipart(
    fields: &[(&str, &str)],
    files: Vec<(&str, &str, Vec<u8>)>,
) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    for (field, name, bytes) in files {
        form = form.part(
            field.to_owned(),
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    }
    form
}

async fn uploads_are_checked_stored_and_shown_to_the_officials_only(backend: Backend) {
    let Some(s) = Server::start(backend, MONDAY_7AM).await else {
        return;
    };
    let mut b = Browser::new(&s);
    let path = format!("{}/thu-tuc/1.001193/nop-ho-so", s.url);
    let fields = [
        ("unit", "phuong-ben-thanh"),
        ("name", "Ngô Bảo Châu"),
        ("phone", "0909000111"),
        ("tp-0", "1"),
    ];
    let scan: Vec<u8> = b"%PDF-1.4\n% a scanned birth certificate\n"
        .iter()
        .copied()
        .chain((0..=255u8).cycle().take(200_000))
        .collect();
    let mut too_big = b"%PDF-1.4".to_vec();
    too_big.resize(10 * 1024 * 1024 + 1, 0);
    for (file, message) in [
        (
            (
                "file-1",
                "giay-chung-sinh.pdf",
                b"MZ\x90\x00 not a pdf".to_vec(),
            ),
            "Chỉ nhận tệp PDF, JPEG hoặc PNG.",
        ),
        (
            (
                "file-1",
                "trang.html",
                b"<html><script>alert(1)</script>".to_vec(),
            ),
            "Chỉ nhận tệp PDF, JPEG hoặc PNG.",
        ),
        (("file-1", "rong.pdf", Vec::new()), "Tệp rỗng."),
        (
            ("file-1", "lon.pdf", too_big.clone()),
            "Tệp quá lớn: mỗi tệp tối đa 10 MB.",
        ),
    ] {
        let r = b
            .send(
                b.http
                    .post(&path)
                    .multipart(multipart(&fields, vec![file.clone()])),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", file.1);
        assert!(r.body.contains("id=\"file-1-error\""), "{}", file.1);
        assert!(r.body.contains(message), "{}: {message}", file.1);
        assert!(r.body.contains("hãy chọn lại tệp"), "{}", file.1);
    }
    // Over the limit of a whole submission: refused before anything is read into a dossier.
    let r = b
        .send(b.http.post(&path).multipart(multipart(
            &fields,
            vec![
                ("file-0", "a.pdf", too_big.clone()),
                ("file-1", "b.pdf", too_big.clone()),
                ("file-2", "c.pdf", too_big),
            ],
        )))
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("Tệp quá lớn"), "{}", r.body);
    assert_eq!(dossiers(&s).await, 0, "nothing was stored");

    // A good scan: the component counts as given, the file is stored with the dossier.
    let r = b
        .send(b.http.post(&path).multipart(multipart(
            &fields,
            vec![("file-1", "giấy chứng sinh.pdf", scan.clone())],
        )))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let code = between(&r.body, "id=\"dossier-code\">", "<").to_owned();
    b.sign_in(DESK).await;
    let page = b.get(&format!("/can-bo/ho-so/{code}")).await;
    let link = between(&page.body, "<a href=\"/can-bo/ho-so/", "\"").to_owned();
    assert!(link.contains("/tep/"), "{link}");
    assert!(page.body.contains("giấy chứng sinh.pdf"));
    let file = format!("/can-bo/ho-so/{link}");
    let bytes = b
        .http
        .get(format!("{}{file}", b.base))
        .header("cookie", b.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(bytes.headers()["content-type"], "application/pdf");
    assert_eq!(
        bytes.bytes().await.unwrap().as_ref(),
        scan.as_slice(),
        "byte for byte"
    );
    // Nobody else reads it: the public is sent to sign in, another ward is refused.
    let public = Browser::new(&s);
    assert_eq!(public.get(&file).await.status, StatusCode::SEE_OTHER);
    let mut other = Browser::new(&s);
    other.sign_in("phuong-sai-gon-mot-cua").await;
    assert_eq!(other.get(&file).await.status, StatusCode::FORBIDDEN);
    // A file of another dossier is not reachable through this one.
    let other_code = s.submit_birth_online("Trần Văn Bình").await;
    let sha = file.rsplit('/').next().unwrap();
    let r = b
        .get(&format!("/can-bo/ho-so/{other_code}/tep/{sha}"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

async fn the_applicant_answers_a_supplement_request_once_and_completely(backend: Backend) {
    let Some(s) = Server::start(backend, MONDAY_7AM).await else {
        return;
    };
    let (st, created) = s
        .public()
        .post(
            "/api/v1/dossiers",
            &serde_json::json!({
                "procedure_code": "1.001193", "unit": "phuong-ben-thanh",
                "applicant": {"name": "Phan Thị Yến", "phone": "0909000111"},
                "documents": [{"component": "Tờ khai đăng ký khai sinh"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let code = created["code"].as_str().unwrap().to_owned();
    let key = created["access_key"].as_str().unwrap().to_owned();
    let desk = s.login(DESK).await;
    desk.ok(
        &code,
        serde_json::json!({"action": "request-supplement",
        "missing": ["Giấy chứng sinh bản chính", "Giấy tờ tùy thân của người đi đăng ký"]}),
    )
    .await;
    let b = Browser::new(&s);
    let tracking = b.get(&format!("/tra-cuu?ma={code}")).await;
    assert!(tracking.body.contains("Bổ sung hồ sơ"), "{}", tracking.body);
    assert!(
        tracking
            .body
            .contains("<label for=\"file-1\">Giấy tờ tùy thân của người đi đăng ký</label>")
    );
    let form_key = between(&tracking.body, "name=\"key\" value=\"", "\"").to_owned();
    let path = format!("{}/tra-cuu/bo-sung", s.url);
    let pdf = b"%PDF-1.4\n% ban chinh\n".to_vec();
    let send = |fields: Vec<(&'static str, String)>,
                files: Vec<(&'static str, &'static str, Vec<u8>)>| {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k, v);
        }
        for (field, name, bytes) in files {
            form = form.part(
                field,
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
        }
        b.send(b.http.post(&path).multipart(form))
    };
    let before = version(&s, &code).await;
    // Incomplete, a wrong key, a file that is not a scan: refused, nothing written.
    let r = send(
        vec![("ma", code.clone()), ("khoa", key.clone())],
        vec![("file-0", "ban-chinh.pdf", pdf.clone())],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"file-1-error\""));
    assert!(
        r.body
            .contains("Hãy đính kèm tệp cho: Giấy tờ tùy thân của người đi đăng ký")
    );
    let r = send(
        vec![("ma", code.clone()), ("khoa", "sai".into())],
        vec![
            ("file-0", "a.pdf", pdf.clone()),
            ("file-1", "b.pdf", pdf.clone()),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"khoa-error\""));
    let r = send(
        vec![("ma", code.clone()), ("khoa", key.clone())],
        vec![
            ("file-0", "a.pdf", pdf.clone()),
            ("file-1", "b.docx", b"PK\x03\x04 word".to_vec()),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("b.docx: Chỉ nhận tệp PDF, JPEG hoặc PNG."));
    assert_eq!(version(&s, &code).await, before, "nothing written");

    // Complete: taken once; the same form sent again is the same answer.
    let complete = || {
        send(
            vec![
                ("ma", code.clone()),
                ("khoa", key.clone()),
                ("key", form_key.clone()),
            ],
            vec![
                ("file-0", "ban-chinh.pdf", pdf.clone()),
                ("file-1", "cccd.png", b"\x89PNG\r\n\x1a\n....".to_vec()),
            ],
        )
    };
    let r = complete().await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.location.unwrap(),
        format!("/tra-cuu?ma={code}&xong=bo-sung")
    );
    assert_eq!(complete().await.status, StatusCode::SEE_OTHER);
    assert_eq!(version(&s, &code).await, before + 1, "once");
    let done = b.get(&format!("/tra-cuu?ma={code}&xong=bo-sung")).await;
    assert!(done.body.contains("Đã gửi hồ sơ bổ sung"));
    assert!(
        !done.body.contains("Gửi hồ sơ bổ sung</button>"),
        "no second answer"
    );
    // Another answer with a new form is refused: the request is closed.
    let r = send(
        vec![
            ("ma", code.clone()),
            ("khoa", key.clone()),
            ("key", "k2".into()),
        ],
        vec![
            ("file-0", "a.pdf", pdf.clone()),
            ("file-1", "b.pdf", pdf.clone()),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("không có yêu cầu bổ sung đang chờ"));
    // The desk sees both files as the supplement's documents.
    let (_, d) = desk.get(&format!("/api/v1/dossiers/{code}")).await;
    let files: Vec<(&str, &str)> = d["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|doc| {
            Some((
                doc["component"].as_str()?,
                doc["file"]["content_type"].as_str()?,
            ))
        })
        .collect();
    assert_eq!(
        files,
        [
            ("Giấy chứng sinh bản chính", "application/pdf"),
            ("Giấy tờ tùy thân của người đi đăng ký", "image/png")
        ],
        "{d}"
    );
    assert_eq!(d["status"]["code"], 1, "back to the desk's decision");
}

async fn the_desk_receives_refuses_or_sends_back_a_walk_in(backend: Backend) {
    let Some(s) = Server::start(backend, MONDAY_7AM).await else {
        return;
    };
    let mut b = Browser::new(&s);
    b.sign_in(DESK).await;
    // The desk finds only what it receives.
    let found = b.get("/can-bo/tiep-nhan?q=khai+sinh").await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.body.contains("thu-tuc=1.001193"), "{}", found.body);
    let form = b.get("/can-bo/tiep-nhan?thu-tuc=1.001193").await;
    assert!(form.body.contains("Tiếp nhận, hẹn trả kết quả (mẫu 01)"));
    assert_eq!(
        b.get("/can-bo/tiep-nhan?thu-tuc=9.999999").await.status,
        StatusCode::NOT_FOUND
    );
    let path = format!("{}/can-bo/tiep-nhan", s.url);
    let post = |fields: Vec<(&'static str, &'static str)>,
                files: Vec<(&'static str, &'static str, Vec<u8>)>| {
        let mut form = reqwest::multipart::Form::new();
        let defaults = [
            ("thu-tuc", "1.001193"),
            ("unit", "phuong-ben-thanh"),
            ("name", "Đỗ Văn Hải"),
        ];
        let given: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
        for (k, v) in defaults
            .into_iter()
            .filter(|(k, _)| !given.contains(k))
            .chain(fields)
        {
            form = form.text(k, v);
        }
        for (field, name, bytes) in files {
            form = form.part(
                field,
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
        }
        b.send(b.http.post(&path).multipart(form))
    };
    for (fields, message) in [
        (
            vec![("tp-0", "1"), ("quyet-dinh", "tiep-nhan")],
            "Còn thiếu giấy tờ bắt buộc: Giấy chứng sinh",
        ),
        (
            vec![("tp-0", "1"), ("tp-1", "1"), ("quyet-dinh", "bo-sung")],
            "Hãy bỏ đánh dấu các giấy tờ còn thiếu",
        ),
        (vec![("quyet-dinh", "tu-choi")], "Hãy ghi rõ lý do từ chối"),
        (
            vec![("tp-0", "1"), ("tp-1", "1"), ("unit", "phuong-sai-gon")],
            "Hãy chọn bộ phận tiếp nhận.",
        ),
    ] {
        let r = post(fields, vec![]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        assert!(r.body.contains(message), "{message}: {}", r.body);
    }
    assert_eq!(dossiers(&s).await, 0, "nothing was stored");
    // Received, with a scan: digitized.
    let r = post(
        vec![
            ("tp-0", "1"),
            ("tp-1", "1"),
            ("quyet-dinh", "tiep-nhan"),
            ("key", "walk-1"),
        ],
        vec![(
            "file-1",
            "giay-chung-sinh.jpg",
            vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3],
        )],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let location = r.location.unwrap();
    assert!(location.ends_with("?xong=receive"), "{location}");
    // The same form again (a double click): the same dossier.
    let again = post(
        vec![
            ("tp-0", "1"),
            ("tp-1", "1"),
            ("quyet-dinh", "tiep-nhan"),
            ("key", "walk-1"),
        ],
        vec![(
            "file-1",
            "giay-chung-sinh.jpg",
            vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3],
        )],
    )
    .await;
    assert_eq!(again.location.unwrap(), location);
    assert_eq!(dossiers(&s).await, 1);
    let code = location
        .trim_start_matches("/can-bo/ho-so/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let desk = s.login(DESK).await;
    let (_, d) = desk.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(d["status"]["code"], 2);
    assert_eq!(d["channel"], 1);
    assert_eq!(d["documents"][1]["digitized"], true, "{d}");
    assert_eq!(d["documents"][1]["file"]["content_type"], "image/jpeg");
    assert_eq!(d["documents"][0]["digitized"], false);
    // Refused at once, with the reason; by post, sent back for everything missing.
    let r = post(
        vec![
            ("quyet-dinh", "tu-choi"),
            ("reason", "Không thuộc thẩm quyền"),
        ],
        vec![],
    )
    .await;
    assert!(r.location.unwrap().ends_with("?xong=refuse"));
    let r = post(
        vec![
            ("channel", "postal"),
            ("tp-0", "1"),
            ("quyet-dinh", "bo-sung"),
            ("extra", "Bản sao giấy đăng ký kết hôn"),
        ],
        vec![],
    )
    .await;
    let code = r
        .location
        .unwrap()
        .trim_start_matches("/can-bo/ho-so/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let (_, d) = desk.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(d["status"]["code"], 5);
    assert_eq!(d["channel"], 3);
    assert_eq!(
        d["history"][1]["payload"]["missing"],
        serde_json::json!(["Giấy chứng sinh", "Bản sao giấy đăng ký kết hôn"])
    );
    // A specialist has no desk.
    let mut specialist = Browser::new(&s);
    specialist.sign_in("phuong-ben-thanh-tu-phap").await;
    assert_eq!(
        specialist.get("/can-bo/tiep-nhan").await.status,
        StatusCode::FORBIDDEN
    );
}

async fn administrators_read_the_organisation_calendar_and_catalog(backend: Backend) {
    let Some(s) = Server::start(backend, MONDAY_7AM).await else {
        return;
    };
    let public = Browser::new(&s);
    assert_eq!(
        public.get("/can-bo/quan-tri").await.status,
        StatusCode::SEE_OTHER
    );
    let mut desk = Browser::new(&s);
    desk.sign_in(DESK).await;
    let r = desk.get("/can-bo/quan-tri").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        !desk
            .get("/can-bo")
            .await
            .body
            .contains("href=\"/can-bo/quan-tri\""),
        "no link for a desk officer"
    );
    let mut admin = Browser::new(&s);
    admin.sign_in("admin").await;
    assert!(
        admin
            .get("/can-bo")
            .await
            .body
            .contains("href=\"/can-bo/quan-tri\"")
    );
    let units = admin.get("/can-bo/quan-tri?muc=don-vi").await;
    assert_eq!(units.status, StatusCode::OK);
    // The root first, its units under it.
    let root = units
        .body
        .find("<td>Ủy ban nhân dân Thành phố Hồ Chí Minh</td>")
        .expect("the root");
    let ward = units
        .body
        .find("— Ủy ban nhân dân phường Bến Thành")
        .expect("a ward under it");
    assert!(root < ward);
    let officials = admin.get("/can-bo/quan-tri?muc=can-bo").await.body
        + &admin.get("/can-bo/quan-tri?muc=can-bo&trang=2").await.body;
    assert!(officials.contains("Cán bộ tiếp nhận (một cửa) — Ủy ban nhân dân phường Bến Thành"));
    assert!(
        officials.contains("rel=\"prev\"") && officials.contains("rel=\"next\""),
        "officials are paged"
    );
    let calendar = admin.get("/can-bo/quan-tri?muc=lich").await;
    assert!(
        calendar
            .body
            .contains("<td>Thứ Hai</td><td>07:30-11:30, 13:00-17:00</td>")
    );
    assert!(calendar.body.contains("Tết Nguyên đán"));
    let procedures = admin.get("/can-bo/quan-tri?muc=thu-tuc").await;
    assert!(
        procedures
            .body
            .contains("<td>1.001193</td><td>Đăng ký khai sinh</td>")
    );
    let processes = admin.get("/can-bo/quan-tri?muc=quy-trinh").await.body
        + &admin
            .get("/can-bo/quan-tri?muc=quy-trinh&trang=2")
            .await
            .body;
    assert!(processes.contains("Ký Giấy khai sinh"));
    // An unknown section is the first; a page past the end is the last.
    assert!(
        admin
            .get("/can-bo/quan-tri?muc=khong-co")
            .await
            .body
            .contains("Mã định danh")
    );
    assert!(
        admin
            .get("/can-bo/quan-tri?muc=can-bo&trang=99")
            .await
            .body
            .contains("Trang 2/2")
    );
}

/// Sends an action form from the dossier page at the dossier's current version.
async fn act_on(b: &Browser, s: &Server, code: &str, fields: &[(&str, &str)]) -> Answer {
    let v = version(s, code).await.to_string();
    let mut form = vec![("version", v.as_str())];
    form.extend_from_slice(fields);
    b.post(&format!("/can-bo/ho-so/{code}"), &form).await
}

/// Sends an action form that must act (the page redirects to the dossier).
async fn acted(b: &Browser, s: &Server, code: &str, fields: &[(&str, &str)]) {
    let r = act_on(b, s, code, fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{fields:?}: {}", r.body);
}

async fn status(s: &Server, code: &str) -> u64 {
    let desk = s.login(DESK).await;
    let (_, d) = desk.get(&format!("/api/v1/dossiers/{code}")).await;
    d["status"]["code"].as_u64().unwrap()
}

async fn officials_route_send_back_ask_charge_and_stop_from_the_page(backend: Backend) {
    let Some(s) = Server::start(backend, MONDAY_7AM).await else {
        return;
    };
    let code = s.submit_birth_online("Lâm Thị Thu").await;
    let path = format!("/can-bo/ho-so/{code}");
    let mut desk = Browser::new(&s);
    desk.sign_in(DESK).await;
    acted(&desk, &s, &code, &[("action", "receive")]).await;

    // The desk hands the dossier on to a specialist of its choice: the page offers the
    // unit's specialists for the next step, and nobody else.
    let page = desk.get(&path).await.body;
    assert!(page.contains("<option value=\"|phuong-ben-thanh-tu-phap\">Kiểm tra hồ sơ, ghi Sổ hộ tịch, trình ký — Lý Văn Hậu</option>"), "{page}");
    assert!(!page.contains("value=\"|phuong-ben-thanh-chu-tich\""));
    // Someone who cannot take the step on is refused, and nothing is written.
    let before = version(&s, &code).await;
    let r = act_on(
        &desk,
        &s,
        &code,
        &[
            ("action", "complete-step"),
            ("to", "|phuong-sai-gon-mot-cua"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("cannot take on step tham-dinh"),
        "{}",
        r.body
    );
    assert_eq!(version(&s, &code).await, before);
    acted(
        &desk,
        &s,
        &code,
        &[
            ("action", "complete-step"),
            ("to", "|phuong-ben-thanh-tu-phap"),
        ],
    )
    .await;
    let desk_api = s.login(DESK).await;
    let (_, d) = desk_api.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(d["steps"][1]["assignee"], "phuong-ben-thanh-tu-phap");

    // The specialist: the next step or the branch back to the desk; the rarer actions
    // folded; a return without its reason refused.
    let mut specialist = Browser::new(&s);
    specialist.sign_in("phuong-ben-thanh-tu-phap").await;
    let page = specialist.get(&path).await.body;
    assert!(page.contains("Tiếp theo: Ký Giấy khai sinh"), "{page}");
    assert!(page.contains("Nhánh “bo-sung”: Tiếp nhận, số hóa và chuyển hồ sơ"));
    assert!(page.contains("<details class=\"more\">"));
    for action in [
        "return-to-step",
        "request-payment",
        "request-agency-opinion",
    ] {
        assert!(page.contains(&format!("value=\"{action}\"")), "{action}");
    }
    assert!(
        !page.contains("value=\"withdraw\""),
        "only the desk records a withdrawal"
    );
    let before = version(&s, &code).await;
    let r = act_on(
        &specialist,
        &s,
        &code,
        &[
            ("action", "return-to-step"),
            ("to", "tiep-nhan|"),
            ("reason", " "),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Hãy ghi lý do trả lại"));
    assert!(
        r.body.contains("<details class=\"more\" open>"),
        "the failed form stays open"
    );
    assert_eq!(version(&s, &code).await, before);
    acted(
        &specialist,
        &s,
        &code,
        &[
            ("action", "return-to-step"),
            ("to", "tiep-nhan|"),
            ("reason", "Bản chụp giấy chứng sinh bị mờ, cần số hóa lại"),
        ],
    )
    .await;
    let page = desk.get(&path).await.body;
    assert!(page.contains("Trả lại: Bản chụp giấy chứng sinh bị mờ, cần số hóa lại"));
    acted(
        &desk,
        &s,
        &code,
        &[("action", "complete-step"), ("to", "|")],
    )
    .await;

    // An opinion asked of the ward police: the dossier waits, and only the answer is offered.
    let r = act_on(
        &specialist,
        &s,
        &code,
        &[("action", "request-agency-opinion"), ("agency", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Hãy chọn cơ quan, đơn vị được xin ý kiến"));
    let page = specialist.get(&path).await.body;
    assert!(page.contains("<option value=\"ca-phuong-ben-thanh\">"));
    assert!(
        !page.contains("<option value=\"phuong-ben-thanh\">"),
        "not the unit itself"
    );
    acted(
        &specialist,
        &s,
        &code,
        &[
            ("action", "request-agency-opinion"),
            ("agency", "ca-phuong-ben-thanh"),
        ],
    )
    .await;
    let page = specialist
        .get(&format!("{path}?xong=request-agency-opinion"))
        .await
        .body;
    assert!(page.contains("Đã gửi xin ý kiến cơ quan, đơn vị liên quan."));
    assert!(page.contains("value=\"agency-opinion-received\""));
    assert!(!page.contains("value=\"complete-step\""));
    acted(
        &specialist,
        &s,
        &code,
        &[("action", "agency-opinion-received")],
    )
    .await;

    // A payment: an amount of nothing or without its items is refused; then the desk takes it.
    for (amount, items, message) in [
        ("0", "Lệ phí", "Số tiền phải lớn hơn 0 đồng."),
        ("tám nghìn", "Lệ phí", "Số tiền phải là một số nguyên đồng"),
        ("8.000", "  ", "Hãy ghi các khoản phải nộp"),
    ] {
        let r = act_on(
            &specialist,
            &s,
            &code,
            &[
                ("action", "request-payment"),
                ("amount", amount),
                ("items", items),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{amount}");
        assert!(r.body.contains(message), "{amount}: {}", r.body);
    }
    acted(
        &specialist,
        &s,
        &code,
        &[
            ("action", "request-payment"),
            ("amount", "8.000"),
            ("items", "Lệ phí đăng ký khai sinh quá hạn"),
        ],
    )
    .await;
    assert_eq!(status(&s, &code).await, 6);
    acted(
        &desk,
        &s,
        &code,
        &[("action", "payment-received"), ("amount", "8000")],
    )
    .await;
    assert_eq!(status(&s, &code).await, 4);

    // On to the chairman, who may send it back along the process's branch, or stop it.
    acted(
        &specialist,
        &s,
        &code,
        &[("action", "complete-step"), ("to", "|")],
    )
    .await;
    let mut leader = Browser::new(&s);
    leader.sign_in("phuong-ben-thanh-chu-tich").await;
    let page = leader.get(&path).await.body;
    assert!(
        page.contains("Tiếp theo: Kết thúc xử lý, trình ban hành kết quả"),
        "{page}"
    );
    assert!(page.contains("<option value=\"tra-lai|phuong-ben-thanh-tu-phap\">"));
    // An assignee for the way that ends processing is refused; an unknown branch is the
    // lifecycle's to refuse, whoever is named.
    let before = version(&s, &code).await;
    for (to, status, says) in [
        (
            "|phuong-ben-thanh-tu-phap",
            StatusCode::UNPROCESSABLE_ENTITY,
            "that way ends processing",
        ),
        (
            "khong-co|phuong-ben-thanh-tu-phap",
            StatusCode::CONFLICT,
            "khong-co",
        ),
    ] {
        let r = act_on(
            &leader,
            &s,
            &code,
            &[("action", "complete-step"), ("to", to)],
        )
        .await;
        assert_eq!(r.status, status, "{to}: {}", r.body);
        assert!(r.body.contains(says), "{to}: {}", r.body);
    }
    assert_eq!(version(&s, &code).await, before);
    let r = act_on(&leader, &s, &code, &[("action", "stop"), ("reason", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Hãy ghi lý do dừng xử lý"));
    acted(
        &leader,
        &s,
        &code,
        &[
            ("action", "stop"),
            (
                "reason",
                "Tòa án đang giải quyết tranh chấp về quan hệ cha, mẹ, con",
            ),
        ],
    )
    .await;
    assert_eq!(status(&s, &code).await, 8);
    let page = leader.get(&path).await.body;
    assert!(page.contains("/mau/05.pdf"), "the stop notice is offered");
    assert!(
        !page.contains("<form action=\"/can-bo/ho-so/"),
        "nothing more to do"
    );

    // The desk records an applicant's withdrawal, with the reason from their request.
    let other = s.submit_birth_online("Đinh Văn Lộc").await;
    let r = act_on(&desk, &s, &other, &[("action", "withdraw"), ("reason", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Hãy ghi lý do người nộp xin rút hồ sơ"));
    acted(
        &desk,
        &s,
        &other,
        &[
            ("action", "withdraw"),
            ("reason", "Gia đình sẽ đăng ký tại nơi cư trú của mẹ"),
        ],
    )
    .await;
    assert_eq!(status(&s, &other).await, 7);

    // The inbox: a next-page link that is not one is said so, in Vietnamese.
    let inbox = desk.get("/can-bo?loai=dang-xu-ly&sau=rac").await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(
        inbox
            .body
            .contains("Liên kết trang tiếp theo không còn hợp lệ"),
        "{}",
        inbox.body
    );
}

on_both_backends!(
    administrators_read_the_organisation_calendar_and_catalog,
    the_desk_receives_refuses_or_sends_back_a_walk_in,
    the_applicant_answers_a_supplement_request_once_and_completely,
    uploads_are_checked_stored_and_shown_to_the_officials_only,
    signing_in_leads_back_to_the_page_asked_for,
    an_action_form_acts_once_and_only_from_this_site,
    a_submission_with_mistakes_stores_nothing,
    officials_route_send_back_ask_charge_and_stop_from_the_page,
);
