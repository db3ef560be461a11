//! The HTTP API of a real server, scenario by scenario, on SQLite and on PostgreSQL.
//!
//! The demo province is loaded without dossiers; the server's clock starts on Monday
//! 2 March 2026 at 07:00 (Asia/Ho_Chi_Minh) and each scenario moves it. Birth registration
//! (1.001193) has 8 working hours: desk 1 h → specialist 5 h → leader 2 h.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{As, Backend, Server, applicant};

const MONDAY_7AM: &str = "2026-03-02T07:00:00+07:00";
const WARD: &str = "phuong-ben-thanh";
const DESK: &str = "phuong-ben-thanh-mot-cua";
const SPECIALIST: &str = "phuong-ben-thanh-tu-phap";
const LEADER: &str = "phuong-ben-thanh-chu-tich";

fn birth(unit: &str, name: &str) -> Value {
    json!({
        "procedure_code": "1.001193",
        "unit": unit,
        "applicant": applicant(name),
        "documents": [{"component": "Giấy chứng sinh", "digitized": true}]
    })
}

async fn walk_in(desk: &As<'_>, unit: &str, name: &str) -> String {
    let (s, b) = desk
        .post("/api/v1/dossiers/receive", &birth(unit, name))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b["code"].as_str().unwrap().to_owned()
}

async fn dossier(who: &As<'_>, code: &str) -> Value {
    let (s, b) = who.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b
}

fn step() -> Value {
    json!({"action": "complete-step"})
}

async fn birth_registration_from_online_submission_to_returned_result(backend: Backend) {
    let Some(s) = Server::start(backend, MONDAY_7AM).await else {
        return;
    };
    let (status, created) = s
        .public()
        .post("/api/v1/dossiers", &birth(WARD, "Nguyễn Hoàng Minh Thư"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let code = created["code"].as_str().unwrap().to_owned();
    assert!(code.starts_with("H29.01.02-260302-"), "{code}");
    let key = created["access_key"].as_str().unwrap().to_owned();
    assert_eq!(created["dossier"]["status"]["code"], 1);
    // Submitted before opening: 8 working hours from 07:30.
    assert_eq!(
        created["dossier"]["acceptance_due_at"],
        "2026-03-02T17:00:00+07:00"
    );

    let (_, track) = s
        .public()
        .get(&format!("/api/v1/public/dossiers/{code}"))
        .await;
    assert_eq!(track["status"]["name_vi"], "Mới đăng ký");

    let desk = s.login(DESK).await;
    let specialist = s.login(SPECIALIST).await;
    let leader = s.login(LEADER).await;
    s.at("2026-03-02T07:45:00+07:00").await;
    let d = desk.ok(&code, json!({"action": "receive"})).await;
    assert_eq!(d["status"]["code"], 2);
    // 3 h 45 in the morning, 4 h in the afternoon, 15 min on Tuesday.
    assert_eq!(d["due_at"], "2026-03-03T07:45:00+07:00");
    assert_eq!(d["acceptance"], "on-time");
    s.at("2026-03-02T08:10:00+07:00").await;
    let d = desk.ok(&code, step()).await;
    assert_eq!(
        (d["status"]["code"].clone(), d["current_step"].clone()),
        (json!(4), json!("tham-dinh"))
    );
    s.at("2026-03-02T10:00:00+07:00").await;
    specialist.ok(&code, step()).await;
    s.at("2026-03-02T11:00:00+07:00").await;
    let d = leader.ok(&code, step()).await;
    assert_eq!(d["current_step"], Value::Null, "the process has ended");
    s.at("2026-03-02T11:05:00+07:00").await;
    let d = leader
        .ok(
            &code,
            json!({"action": "issue-result", "electronic": true, "document_number": "45/2026"}),
        )
        .await;
    assert_eq!(d["status"]["code"], 9);
    s.at("2026-03-02T14:00:00+07:00").await;
    let d = desk
        .ok(&code, json!({"action": "return-result", "via": "online"}))
        .await;
    assert_eq!(d["status"]["code"], 10);
    assert_eq!(
        d["timeliness"], "early",
        "finished the day before the appointment"
    );
    assert_eq!(d["frozen"], true);

    let d = dossier(&desk, &code).await;
    let types: Vec<&str> = d["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "submitted",
            "received",
            "step-completed",
            "step-completed",
            "step-completed",
            "result-issued",
            "result-returned"
        ]
    );
    assert_eq!(d["history"][1]["actor"], format!("official:{DESK}"));
    assert_eq!(d["steps"].as_array().unwrap().len(), 3);
    assert_eq!(d["steps"][0]["timeliness"], "on-time");
    // The applicant follows their own dossier with the access key; the public sees the trail.
    assert_eq!(
        dossier(&s.applicant(&key), &code).await["status"]["code"],
        10
    );
    let (_, track) = s
        .public()
        .get(&format!("/api/v1/public/dossiers/{code}"))
        .await;
    assert_eq!(track["status"]["name_vi"], "Đã trả kết quả");
    assert_eq!(track["history"].as_array().unwrap().len(), 7);
    assert!(
        !track.to_string().contains(DESK),
        "no officials' names in public"
    );
    assert!(s.verify().status.success());
}

async fn a_dossier_refused_at_the_desk(backend: Backend) {
    let Some(s) = Server::start(backend, MONDAY_7AM).await else {
        return;
    };
    let (_, created) = s
        .public()
        .post("/api/v1/dossiers", &birth(WARD, "Lê Văn Tám"))
        .await;
    let code = created["code"].as_str().unwrap();
    let desk = s.login(DESK).await;
    s.at("2026-03-02T08:00:00+07:00").await;
    // A refusal needs a reason.
    let (st, b) = desk
        .act(code, json!({"action": "refuse", "reason": "  "}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["error"]["code"], "invalid-action");
    let d = desk
        .ok(code, json!({"action": "refuse", "reason": "Trẻ đã được đăng ký khai sinh tại phường Tân Định"}))
        .await;
    assert_eq!(d["status"]["code"], 3);
    assert_eq!(
        d["timeliness"],
        Value::Null,
        "a dossier never received is not judged"
    );
    let (_, track) = s
        .public()
        .get(&format!("/api/v1/public/dossiers/{code}"))
        .await;
    assert_eq!(
        track["history"][1]["note"],
        "Trẻ đã được đăng ký khai sinh tại phường Tân Định"
    );
    // Nothing more may happen to it.
    let (st, b) = desk.act(code, json!({"action": "receive"})).await;
    assert_eq!(st, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["error"]["code"], "illegal-transition");
    assert_eq!(
        b["error"]["message"],
        "received is not allowed while the dossier is refused (status 3)"
    );
}

async fn a_dossier_with_a_supplement_request(backend: Backend) {
    let Some(s) = Server::start(backend, MONDAY_7AM).await else {
        return;
    };
    // Online: the desk asks for a supplement before receipt; the applicant answers with the key.
    let (_, created) = s
        .public()
        .post("/api/v1/dossiers", &birth(WARD, "Phạm Thu Hà"))
        .await;
    let code = created["code"].as_str().unwrap().to_owned();
    let key = created["access_key"].as_str().unwrap().to_owned();
    let desk = s.login(DESK).await;
    s.at("2026-03-02T08:00:00+07:00").await;
    desk.ok(
        &code,
        json!({"action": "request-supplement", "missing": ["Giấy chứng sinh bản chính"]}),
    )
    .await;
    let (_, track) = s
        .public()
        .get(&format!("/api/v1/public/dossiers/{code}"))
        .await;
    assert_eq!(track["status"]["code"], 5);
    assert_eq!(track["history"][1]["note"], "Giấy chứng sinh bản chính");
    s.at("2026-03-03T09:00:00+07:00").await;
    let d = s
        .applicant(&key)
        .ok(
            &code,
            json!({"action": "supplement-received",
        "documents": [{"component": "Giấy chứng sinh bản chính", "digitized": true}]}),
        )
        .await;
    assert_eq!(d["status"]["code"], 1);
    assert_eq!(d["history"][2]["actor"], "applicant");
    // The applicant cannot act for the desk.
    let (st, _) = s
        .applicant(&key)
        .act(&code, json!({"action": "receive"}))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // Walk-in: a supplement during processing stops the clock and moves the due date.
    s.at("2026-03-03T08:00:00+07:00").await;
    let desk = s.login(DESK).await;
    let code = walk_in(&desk, WARD, "Đặng Văn Lâm").await;
    desk.ok(&code, step()).await;
    let specialist = s.login(SPECIALIST).await;
    s.at("2026-03-03T09:00:00+07:00").await;
    let before = specialist.ok(&code, json!({"action": "request-supplement", "missing": ["Bản sao giấy đăng ký kết hôn của cha mẹ"]})).await;
    assert_eq!(before["status"]["code"], 5);
    assert_eq!(before["clock_paused"], true);
    s.at("2026-03-05T09:00:00+07:00").await;
    // Sessions last 12 hours: two days later, the desk logs in again.
    let desk = s.login(DESK).await;
    let after = desk
        .ok(&code, json!({"action": "supplement-received"}))
        .await;
    assert_eq!(after["status"]["code"], 4);
    assert_eq!(after["initial_due_at"], "2026-03-04T08:00:00+07:00");
    // One hour counted Tuesday, paused until Thursday 09:00, seven hours more: Friday 08:00.
    assert_eq!(after["due_at"], "2026-03-06T08:00:00+07:00");
    assert_eq!(after["supplement_requests"], 1);
    assert!(s.verify().status.success());
}

async fn an_incomplete_or_refused_walk_in_is_registered_with_the_desks_decision(backend: Backend) {
    let Some(s) = Server::start(backend, "2026-03-02T08:00:00+07:00").await else {
        return;
    };
    let desk = s.login(DESK).await;
    let mut incomplete = birth(WARD, "Hà Văn Tú");
    incomplete["missing"] = json!(["Giấy chứng sinh bản chính", "  "]);
    let (st, b) = desk.post("/api/v1/dossiers/receive", &incomplete).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let code = b["code"].as_str().unwrap().to_owned();
    let d = dossier(&desk, &code).await;
    assert_eq!(d["status"]["code"], 5);
    assert_eq!(d["channel"], 1, "still a desk dossier");
    assert_eq!(d["received_at"], Value::Null, "the clock has not started");
    assert_eq!(d["acceptance"], "early", "the desk decided at once");
    let types: Vec<&str> = d["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["submitted", "supplement-requested"]);
    assert_eq!(
        d["history"][1]["payload"]["missing"],
        json!(["Giấy chứng sinh bản chính"])
    );
    // The applicant comes back the next morning with the document; the desk receives.
    s.at("2026-03-03T08:00:00+07:00").await;
    let desk = s.login(DESK).await;
    desk.ok(&code, json!({"action": "supplement-received", "documents": [{"component": "Giấy chứng sinh", "digitized": true}]})).await;
    let d = desk.ok(&code, json!({"action": "receive"})).await;
    assert_eq!(d["status"]["code"], 2);
    assert_eq!(d["received_at"], "2026-03-03T08:00:00+07:00");
    // Refused at once, with the reason.
    let mut refused = birth(WARD, "Lâm Chí Thanh");
    refused["refusal"] = json!("Trẻ đã được đăng ký khai sinh tại nơi khác");
    let (st, b) = desk.post("/api/v1/dossiers/receive", &refused).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let d = dossier(&desk, b["code"].as_str().unwrap()).await;
    assert_eq!(d["status"]["code"], 3);
    assert_eq!(
        d["history"][1]["reason"],
        "Trẻ đã được đăng ký khai sinh tại nơi khác"
    );
    // Not both.
    let mut both = birth(WARD, "Lâm Chí Thanh");
    both["refusal"] = json!("x");
    both["missing"] = json!(["y"]);
    let (st, b) = desk.post("/api/v1/dossiers/receive", &both).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(s.verify().status.success());
}

async fn a_late_dossier_gets_an_apology(backend: Backend) {
    let Some(s) = Server::start(backend, "2026-03-02T08:00:00+07:00").await else {
        return;
    };
    let desk = s.login(DESK).await;
    let specialist = s.login(SPECIALIST).await;
    let leader = s.login(LEADER).await;
    let code = walk_in(&desk, WARD, "Võ Thị Hồng").await;
    s.at("2026-03-02T08:30:00+07:00").await;
    desk.ok(&code, step()).await;
    // Due Tuesday 08:00. On Monday afternoon the leader apologises with a new date.
    s.at("2026-03-02T16:00:00+07:00").await;
    let d = leader
        .ok(
            &code,
            json!({"action": "apologize", "new_due": "2026-03-05T17:00:00+07:00",
                          "reason": "Cần xác minh thông tin nơi sinh với bệnh viện"}),
        )
        .await;
    assert_eq!(d["appointment_at"], "2026-03-05T17:00:00+07:00");
    assert_eq!(d["due_at"], "2026-03-03T08:00:00+07:00");
    // A specialist may not apologise; a second apology cannot move the date back.
    let (st, _) = specialist
        .act(
            &code,
            json!({"action": "apologize", "new_due": "2026-03-09T17:00:00+07:00", "reason": "x"}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, b) = leader
        .act(
            &code,
            json!({"action": "apologize", "new_due": "2026-03-04T17:00:00+07:00", "reason": "x"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    // The citizen reads the apology's reason and the new appointment on the portal, and
    // the amount to pay in đồng as Vietnamese write it.
    leader
        .ok(
            &code,
            json!({"action": "request-payment", "amount_vnd": 1_310_000, "items": ["Lệ phí"]}),
        )
        .await;
    let tracked = s
        .client
        .get(format!("{}/tra-cuu?ma={code}", s.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "Cần xác minh thông tin nơi sinh với bệnh viện",
        "Hẹn trả kết quả mới: 17:00 ngày 05/03/2026",
        "Số tiền: 1.310.000 đồng",
    ] {
        assert!(tracked.contains(line), "{line}: {tracked}");
    }
    leader
        .ok(
            &code,
            json!({"action": "payment-received", "amount_vnd": 1_310_000, "online": false}),
        )
        .await;
    // Tuesday 10:00: in progress and late by the index, whatever the apology says.
    s.at("2026-03-03T10:00:00+07:00").await;
    // Sessions last 12 hours: the next days, everyone logs in again.
    let desk = s.login(DESK).await;
    assert_eq!(
        dossier(&desk, &code).await["timeliness"],
        "in-progress-late"
    );
    s.at("2026-03-04T10:00:00+07:00").await;
    let (desk, specialist, leader) = (
        s.login(DESK).await,
        s.login(SPECIALIST).await,
        s.login(LEADER).await,
    );
    specialist.ok(&code, step()).await;
    s.at("2026-03-04T11:00:00+07:00").await;
    leader.ok(&code, step()).await;
    let d = leader
        .ok(&code, json!({"action": "issue-result", "electronic": true}))
        .await;
    assert_eq!(
        d["timeliness"], "late",
        "judged against the original due date"
    );
    assert_eq!(d["appointment_at"], "2026-03-05T17:00:00+07:00");
    let apology = d["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["type"] == "apologized")
        .unwrap()
        .clone();
    assert_eq!(
        apology["reason"],
        "Cần xác minh thông tin nơi sinh với bệnh viện"
    );
    // An apology after the appointment passed is refused.
    let other = walk_in(&desk, WARD, "Bùi Thị Xuân").await;
    s.at("2026-03-06T10:00:00+07:00").await;
    let leader = s.login(LEADER).await;
    let (st, b) = leader.act(&other, json!({"action": "apologize", "new_due": "2026-03-09T17:00:00+07:00", "reason": "Quá tải"})).await;
    assert_eq!(st, StatusCode::CONFLICT, "{b}");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("an apology must come before the appointment passes")
    );
}

async fn no_role_reads_or_acts_beyond_its_units(backend: Backend) {
    let Some(s) = Server::start(backend, "2026-03-02T08:00:00+07:00").await else {
        return;
    };
    let desk = s.login(DESK).await;
    let code = walk_in(&desk, WARD, "Trần Thị Mai").await;
    let other_ward = [
        "phuong-sai-gon-mot-cua",
        "phuong-sai-gon-tu-phap",
        "phuong-sai-gon-chu-tich",
    ];
    for user in other_ward {
        let o = s.login(user).await;
        let (st, b) = o.get(&format!("/api/v1/dossiers/{code}")).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{user} read it: {b}");
        let (st, _) = o.act(&code, step()).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{user} acted on it");
        let (st, list) = o.get("/api/v1/dossiers").await;
        assert_eq!(st, StatusCode::OK);
        assert!(
            list["items"].as_array().unwrap().is_empty(),
            "{user} listed it"
        );
        let (st, _) = o.get(&format!("/api/v1/dossiers?unit={WARD}")).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{user} asked for another unit");
        // Nor may they receive a dossier for another ward.
        let (st, _) = o
            .post("/api/v1/dossiers/receive", &birth(WARD, "Ai Đó"))
            .await;
        assert_eq!(
            st,
            StatusCode::FORBIDDEN,
            "{user} received for another ward"
        );
    }
    // Within the ward, each role does only its own step.
    let specialist = s.login(SPECIALIST).await;
    let (st, b) = specialist.act(&code, step()).await;
    assert_eq!(
        st,
        StatusCode::FORBIDDEN,
        "the specialist completed the desk's step: {b}"
    );
    desk.ok(&code, step()).await;
    let (st, _) = desk.act(&code, step()).await;
    assert_eq!(
        st,
        StatusCode::FORBIDDEN,
        "the desk completed the specialist's step"
    );
    let (st, _) = specialist
        .act(&code, json!({"action": "stop", "reason": "x"}))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "a specialist stopped processing");
    // Index viewers read figures only; administrators handle no dossier.
    let viewer = s.login("chi-so").await;
    assert_eq!(
        viewer.get(&format!("/api/v1/dossiers/{code}")).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        viewer.get("/api/v1/dossiers").await.0,
        StatusCode::FORBIDDEN
    );
    let (st, figures) = viewer.get("/api/v1/figures").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(figures[0]["dossiers"], 1);
    let admin = s.login("admin").await;
    assert_eq!(
        admin.get(&format!("/api/v1/dossiers/{code}")).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        specialist.get("/api/v1/figures").await.0,
        StatusCode::FORBIDDEN
    );
    // The department's officials do not see ward dossiers either.
    let stp = s.login("stp-pgd").await;
    assert_eq!(
        stp.get(&format!("/api/v1/dossiers/{code}")).await.0,
        StatusCode::FORBIDDEN
    );
    // Another ward's leader may do none of the leaders' actions here.
    let other_leader = s.login("phuong-sai-gon-chu-tich").await;
    for action in [
        json!({"action": "stop", "reason": "Thử"}),
        json!({"action": "refuse", "reason": "Thử"}),
        json!({"action": "apologize", "reason": "Thử", "new_due": "2026-03-20T10:00:00+07:00"}),
        json!({"action": "issue-result", "electronic": true}),
    ] {
        let (st, b) = other_leader.act(&code, action.clone()).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{action}: {b}");
    }
    // Index viewers and administrators act on no dossier.
    for who in [&viewer, &admin] {
        assert_eq!(who.act(&code, step()).await.0, StatusCode::FORBIDDEN);
        let (st, _) = who
            .post("/api/v1/dossiers/receive", &birth(WARD, "Ai Đó"))
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
    }
    // Figures cover the viewer's own subtree: the other ward's leader sees none of ours.
    let (st, figures) = other_leader.get("/api/v1/figures").await;
    assert_eq!((st, figures), (StatusCode::OK, json!([])));
    let (_, figures) = s.login(LEADER).await.get("/api/v1/figures").await;
    assert_eq!(figures[0]["dossiers"], 1, "{figures}");
    // A leader sees the units below: the city police's leader reads a temporary-residence
    // dossier resolved by the ward's police (a division under it); the next ward's police
    // chief does not.
    let (st, created) = desk
        .post(
            "/api/v1/dossiers/receive",
            &json!({"procedure_code": "1.004194", "unit": WARD,
                    "competent_unit": "ca-phuong-ben-thanh",
                    "applicant": applicant("Đinh Công Tráng")}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{created}");
    let residence = created["code"].as_str().unwrap();
    let city_police = s.login("ca-truong-phong").await;
    assert_eq!(
        dossier(&city_police, residence).await["code"],
        json!(residence)
    );
    let (st, list) = city_police
        .get("/api/v1/dossiers?unit=ca-phuong-ben-thanh")
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list["items"][0]["code"], json!(residence), "{list}");
    let next_ward_police = s.login("ca-phuong-sai-gon-truong").await;
    assert_eq!(
        next_ward_police
            .get(&format!("/api/v1/dossiers/{residence}"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // No credentials, bad credentials, someone else's key.
    assert_eq!(
        s.public().get(&format!("/api/v1/dossiers/{code}")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        s.public().get("/api/v1/dossiers").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        s.public().act(&code, step()).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (_, other) = s
        .public()
        .post("/api/v1/dossiers", &birth(WARD, "Ngô Bảo Châu"))
        .await;
    let key = other["access_key"].as_str().unwrap();
    assert_eq!(
        s.applicant(key)
            .get(&format!("/api/v1/dossiers/{code}"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (st, b) = s
        .public()
        .post(
            "/api/v1/auth/login",
            &json!({"username": DESK, "password": "wrong password"}),
        )
        .await;
    assert_eq!(
        (st, b["error"]["code"].clone()),
        (StatusCode::UNAUTHORIZED, json!("bad-credentials"))
    );
}

async fn concurrent_actions_on_one_dossier_let_exactly_one_win(backend: Backend) {
    let Some(s) = Server::start(backend, "2026-03-02T08:00:00+07:00").await else {
        return;
    };
    let desk = s.login(DESK).await;
    let leader = s.login(LEADER).await;
    for round in 0..4 {
        let code = walk_in(&desk, WARD, "Hồ Ngọc Hà").await;
        // Both may complete the desk's step; both decided on version 1.
        let path = format!("/api/v1/dossiers/{code}/actions");
        let action = step();
        let (a, b) = tokio::join!(
            desk.post_with(&path, &action, &[("if-match", "1")]),
            leader.post_with(&path, &action, &[("if-match", "1")]),
        );
        let statuses = [a.0, b.0];
        assert!(
            statuses.contains(&StatusCode::OK),
            "round {round}: {statuses:?}"
        );
        assert!(
            statuses.contains(&StatusCode::CONFLICT),
            "round {round}: {statuses:?} {} {}",
            a.1,
            b.1
        );
        let loser = if a.0 == StatusCode::CONFLICT {
            a.1
        } else {
            b.1
        };
        assert_eq!(loser["error"]["code"], "version-conflict");
        assert_eq!(loser["error"]["current_version"], 2);
        assert_eq!(
            dossier(&desk, &code).await["history"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }
    assert!(s.verify().status.success());
}

async fn a_retried_request_with_the_same_idempotency_key_acts_once(backend: Backend) {
    let Some(s) = Server::start(backend, "2026-03-02T08:00:00+07:00").await else {
        return;
    };
    let request = birth(WARD, "Lý Thường Kiệt");
    let key = [("idempotency-key", "submit-7f3a")];
    let (s1, first, _) = s
        .public()
        .post_with("/api/v1/dossiers", &request, &key)
        .await;
    let (s2, second, h2) = s
        .public()
        .post_with("/api/v1/dossiers", &request, &key)
        .await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(first, second, "the same answer, the same code and key");
    assert_eq!(h2.get("idempotent-replayed").unwrap(), "true");
    // The same key for another request is refused.
    let (st, b, _) = s
        .public()
        .post_with("/api/v1/dossiers", &birth(WARD, "Người khác"), &key)
        .await;
    assert_eq!(
        (st, b["error"]["code"].clone()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!("idempotency-key-reused")
        )
    );
    // Actions too: a retry returns the first answer and writes nothing twice.
    let code = first["code"].as_str().unwrap();
    let desk = s.login(DESK).await;
    let path = format!("/api/v1/dossiers/{code}/actions");
    let action = json!({"action": "receive"});
    let receive_key = [("idempotency-key", "receive-1")];
    let (status_1, body_1, _) = desk.post_with(&path, &action, &receive_key).await;
    let (status_2, body_2, _) = desk.post_with(&path, &action, &receive_key).await;
    assert_eq!(
        (status_1, status_2),
        (StatusCode::OK, StatusCode::OK),
        "{body_2}"
    );
    assert_eq!(body_1, body_2);
    assert_eq!(
        dossier(&desk, code).await["history"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Retries that race the first attempt get its answer too, not a conflict.
    let step_key = [("idempotency-key", "step-1")];
    let action = step();
    let attempts = tokio::join!(
        desk.post_with(&path, &action, &step_key),
        desk.post_with(&path, &action, &step_key),
        desk.post_with(&path, &action, &step_key),
        desk.post_with(&path, &action, &step_key),
    );
    let attempts = [attempts.0, attempts.1, attempts.2, attempts.3];
    for (status, answer, _) in &attempts {
        assert_eq!(*status, StatusCode::OK, "{answer}");
        assert_eq!(answer, &attempts[0].1);
    }
    assert_eq!(
        dossier(&desk, code).await["history"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "one step completed, once"
    );
    let viewer = s.login("chi-so").await;
    let (_, figures) = viewer.get("/api/v1/figures").await;
    let total: u64 = figures
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["dossiers"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 1, "one dossier, not two");
}

async fn bad_input_gets_4xx_and_changes_nothing(backend: Backend) {
    let Some(s) = Server::start(backend, "2026-03-02T08:00:00+07:00").await else {
        return;
    };
    let desk = s.login(DESK).await;
    let code = walk_in(&desk, WARD, "Dương Quốc Việt").await;
    let before = dossier(&desk, &code).await;
    let public = s.public();
    let cases: Vec<(StatusCode, &str, (StatusCode, Value))> = vec![
        (StatusCode::BAD_REQUEST, "malformed-json", public.post_raw("/api/v1/dossiers", b"{\"procedure_code\":".to_vec(), Some("application/json")).await),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", public.post_raw("/api/v1/dossiers", b"procedure_code=1.001193".to_vec(), Some("application/x-www-form-urlencoded")).await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", public.post("/api/v1/dossiers", &json!({"procedure_code": 1_001_193, "unit": WARD, "applicant": applicant("A")})).await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", public.post("/api/v1/dossiers", &json!({"procedure_code": "1.001193", "unit": WARD})).await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", public.post("/api/v1/dossiers", &json!({"procedure_code": "1.001193", "unit": WARD, "applicant": applicant("A"), "extra": 1})).await),
        (StatusCode::NOT_FOUND, "not-found", public.post("/api/v1/dossiers", &json!({"procedure_code": "9.999999", "unit": WARD, "applicant": applicant("A")})).await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", public.post("/api/v1/dossiers", &json!({"procedure_code": "khai sinh", "unit": WARD, "applicant": applicant("A")})).await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", public.post("/api/v1/dossiers", &json!({"procedure_code": "1.001193", "unit": "phuong-khong-co", "applicant": applicant("A")})).await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", public.post("/api/v1/dossiers", &birth(WARD, "Robert'); DROP TABLE dossiers;--")).await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", public.post("/api/v1/dossiers", &birth(WARD, "<script>alert('x')</script>")).await),
        (StatusCode::PAYLOAD_TOO_LARGE, "too-large", public.post("/api/v1/dossiers", &birth(WARD, &"A".repeat(100_000))).await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", desk.get("/api/v1/dossiers/not-a-code").await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", desk.get("/api/v1/dossiers/H29.01.02-269999-0001").await),
        (StatusCode::NOT_FOUND, "not-found", desk.get("/api/v1/dossiers/H29.01.02-260302-9999").await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", desk.act(&code, json!({"action": "fly"})).await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", desk.act(&code, json!({"action": "complete-step", "colour": "red"})).await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", desk.act(&code, json!({"action": "request-supplement", "missing": ["<b>bold</b>"]})).await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid-action", desk.act(&code, json!({"action": "request-supplement", "missing": []})).await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", desk.get("/api/v1/dossiers?status=4,eleven").await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", desk.get("/api/v1/dossiers?limit=0").await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", desk.get("/api/v1/dossiers?cursor=garbage").await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", desk.get("/api/v1/dossiers?order=soonest").await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", desk.get("/api/v1/dossiers?order=deadline&cursor=1772413200.H29.01.02-260302-0001").await),
        (StatusCode::BAD_REQUEST, "invalid-query", desk.get("/api/v1/dossiers?channel=web").await),
        (StatusCode::NOT_FOUND, "no-route", desk.get("/api/v1/nothing-here").await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", public.post("/api/v1/dossiers", &json!({"procedure_code": "1.001193", "unit": WARD, "applicant": {"name": "Không Liên Lạc"}})).await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", s.login(LEADER).await.act(&code, json!({"action": "apologize", "reason": "Chậm", "new_due": "2036-03-02T08:00:00+07:00"})).await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", desk.act(&code, json!({"action": "supplement-received", "documents": [{"component": "<img src=x onerror=alert(1)>"}]})).await),
        (StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", desk.call(reqwest::Method::DELETE, &format!("/api/v1/dossiers/{code}"), &json!({})).await),
        (StatusCode::BAD_REQUEST, "invalid-path", desk.call(reqwest::Method::PUT, "/api/v1/procedures/1.001193/versions/first", &json!({})).await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", desk.get(&format!("/api/v1/dossiers?q={}", "nguyen ".repeat(11))).await),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid", public.get(&format!("/api/v1/procedures?q={}", "a".repeat(201))).await),
    ];
    for (i, (status, code_expected, (got, body))) in cases.into_iter().enumerate() {
        assert_eq!(got, status, "case {i}: {body}");
        assert_eq!(body["error"]["code"], code_expected, "case {i}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            !message.is_empty() && !message.contains('\n'),
            "case {i}: a clear one-line message: {message:?}"
        );
    }
    assert_eq!(
        dossier(&desk, &code).await,
        before,
        "the dossier is unchanged"
    );
    let viewer = s.login("chi-so").await;
    let (_, figures) = viewer.get("/api/v1/figures").await;
    assert_eq!(figures.as_array().unwrap().len(), 1);
    assert_eq!(
        figures[0]["dossiers"], 1,
        "no dossier was created by bad input"
    );
    assert!(s.verify().status.success());
}

async fn committed_events_survive_kill_9(backend: Backend) {
    let Some(mut s) = Server::start(backend, "2026-03-02T08:00:00+07:00").await else {
        return;
    };
    let mut codes = Vec::new();
    {
        let desk = s.login(DESK).await;
        let specialist = s.login(SPECIALIST).await;
        for i in 0..6 {
            let code = walk_in(&desk, WARD, &format!("Người nộp số {i}")).await;
            desk.ok(&code, step()).await;
            if i % 2 == 0 {
                specialist.ok(&code, step()).await;
            }
            codes.push(code);
        }
    }
    // Four clients keep receiving dossiers while the server is killed: every answer that
    // said 201 must still be true after the restart.
    let token = s.login(DESK).await.token().to_owned();
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut clients = Vec::new();
    for c in 0..4 {
        let (http, url, token, acknowledged) = (
            s.client.clone(),
            s.url.clone(),
            token.clone(),
            acknowledged.clone(),
        );
        clients.push(tokio::spawn(async move {
            for i in 0..1000 {
                let r = http
                    .post(format!("{url}/api/v1/dossiers/receive"))
                    .bearer_auth(&token)
                    .json(&birth(WARD, &format!("Khách {c} số {i}")))
                    .send()
                    .await;
                let Ok(r) = r else { break };
                if r.status() != StatusCode::CREATED {
                    break;
                }
                let Ok(body) = r.json::<Value>().await else {
                    break;
                };
                acknowledged
                    .lock()
                    .unwrap()
                    .push(body["code"].as_str().unwrap().to_owned());
            }
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    s.kill9();
    for c in clients {
        c.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 4,
        "the clients were busy: {acknowledged:?}"
    );
    s.restart();
    let desk = s.login(DESK).await;
    for c in &acknowledged {
        assert_eq!(dossier(&desk, c).await["version"], 1, "{c}");
    }
    for c in &codes {
        assert!(
            dossier(&desk, c).await["version"].as_u64().unwrap() >= 2,
            "{c}"
        );
    }
    let out = s.verify();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains(", 0 mismatches"), "{text}");
    // And the server goes on where it stopped.
    desk.ok(
        &codes[1],
        json!({"action": "withdraw", "reason": "Người dân xin rút"}),
    )
    .await;
    // verify notices a projection that no longer matches its events, and one that is gone.
    s.tamper(&format!(
        "UPDATE dossiers SET status = 8, timeliness = 'late' WHERE code = '{}'",
        codes[0]
    ))
    .await;
    s.tamper(&format!("DELETE FROM dossiers WHERE code = '{}'", codes[2]))
        .await;
    let out = s.verify();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains(&format!(
            "MISMATCH {}: status: stored 8 but events give",
            codes[0]
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "MISMATCH {}: events without a projection row",
            codes[2]
        )),
        "{text}"
    );
    assert!(text.contains(", 2 mismatches"), "{text}");
}

async fn search_ignores_diacritics_and_lists_page_by_cursor(backend: Backend) {
    let Some(s) = Server::start(backend, "2026-03-02T08:00:00+07:00").await else {
        return;
    };
    let (st, found) = s
        .public()
        .get("/api/v1/procedures?q=dang%20ky%20khai%20sinh")
        .await;
    assert_eq!(st, StatusCode::OK);
    let codes: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"1.001193"), "{codes:?}");
    assert!(
        codes.contains(&"1.004884"),
        "đăng ký lại khai sinh too: {codes:?}"
    );
    let (_, found) = s
        .public()
        .get("/api/v1/procedures?q=DANG%20KY%20KET%20HON")
        .await;
    assert!(
        found
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Đăng ký kết hôn")
    );
    let desk = s.login(DESK).await;
    for name in [
        "Trần Văn Đức",
        "Nguyễn Thị Ánh",
        "Đỗ Đức Dục",
        "Phan Văn Trị",
        "Lê Thánh Tông",
    ] {
        walk_in(&desk, WARD, name).await;
    }
    let (_, hits) = desk.get("/api/v1/dossiers?q=duc").await;
    let names: Vec<&str> = hits["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["applicant_name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!(
            "/api/v1/dossiers?limit=2{}",
            if cursor.is_empty() {
                String::new()
            } else {
                format!("&cursor={cursor}")
            }
        );
        let (st, page) = desk.get(&path).await;
        assert_eq!(st, StatusCode::OK, "{page}");
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["code"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => c.clone_into(&mut cursor),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (5, 5), "{seen:?}");

    // The nearest deadline first, a page at a time: an online submission awaiting acceptance
    // is ordered by its 8-hour deadline, the received dossiers by their due dates.
    let online = s.submit_birth_online("Hà Thị Thanh").await;
    let mut deadlines = Vec::new();
    let mut cursor = String::new();
    loop {
        let (st, page) = desk
            .get(&format!(
                "/api/v1/dossiers?order=deadline&waiting=true&limit=2&cursor={cursor}"
            ))
            .await;
        assert_eq!(st, StatusCode::OK, "{page}");
        for d in page["items"].as_array().unwrap() {
            let due = if d["status"]["code"] == 1 {
                &d["acceptance_due_at"]
            } else {
                &d["due_at"]
            };
            let due: jiff::Timestamp = due.as_str().unwrap().parse().unwrap();
            deadlines.push((due, d["code"].as_str().unwrap().to_owned()));
        }
        match page["next_cursor"].as_str() {
            Some(c) => {
                assert!(c.starts_with('d'), "{c}");
                c.clone_into(&mut cursor);
            }
            None => break,
        }
    }
    assert_eq!(deadlines.len(), 6, "{deadlines:?}");
    assert!(deadlines.iter().any(|(_, c)| *c == online));
    assert!(deadlines.is_sorted(), "{deadlines:?}");
}

async fn health_metrics_openapi_and_sessions(backend: Backend) {
    let Some(s) = Server::start(backend, "2026-03-02T08:00:00+07:00").await else {
        return;
    };
    let p = s.public();
    assert_eq!(
        p.get("/healthz").await,
        (StatusCode::OK, Value::String("ok".into()))
    );
    assert_eq!(p.get("/readyz").await.0, StatusCode::OK);
    let (st, doc) = p.get("/api/openapi.json").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(doc["openapi"].as_str().unwrap().chars().next(), Some('3'));
    for path in [
        "/api/v1/dossiers",
        "/api/v1/dossiers/{code}/actions",
        "/api/v1/public/dossiers/{code}",
        "/api/v1/procedures",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    let (st, page) = p.get("/api/docs/").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        page.as_str().unwrap().contains("swagger"),
        "the documentation page"
    );
    let (st, init) = p.get("/api/docs/swagger-initializer.js").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        init.as_str().unwrap().contains("/api/openapi.json"),
        "the page loads our document: {init}"
    );
    // Sessions: the login's cookie works like the bearer token.
    let r = s
        .client
        .post(format!("{}/api/v1/auth/login", s.url))
        .json(&json!({"username": DESK, "password": "motcua-demo"}))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    let session = cookie.split(';').next().unwrap().to_owned();
    let me = |cookie: String| {
        s.client
            .get(format!("{}/api/v1/auth/me", s.url))
            .header("cookie", cookie)
            .send()
    };
    let r = me(session.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["id"], json!(DESK));
    assert_eq!(
        me("motcua_session=forged".into()).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    // Logging out ends a session.
    let desk = s.login(DESK).await;
    let (st, me) = desk.get("/api/v1/auth/me").await;
    assert_eq!((st, me["id"].clone()), (StatusCode::OK, json!(DESK)));
    let (st, _) = desk.post("/api/v1/auth/logout", &json!({})).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_eq!(
        desk.get("/api/v1/auth/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    let (st, metrics) = p.get("/metrics").await;
    assert_eq!(st, StatusCode::OK);
    let text = metrics.as_str().unwrap();
    assert!(text.contains("motcua_http_requests_total{"), "{text}");
    assert!(text.contains("route=\"/api/v1/auth/me\""), "{text}");
}

on_both_backends!(
    birth_registration_from_online_submission_to_returned_result,
    a_dossier_refused_at_the_desk,
    a_dossier_with_a_supplement_request,
    a_late_dossier_gets_an_apology,
    an_incomplete_or_refused_walk_in_is_registered_with_the_desks_decision,
    no_role_reads_or_acts_beyond_its_units,
    concurrent_actions_on_one_dossier_let_exactly_one_win,
    a_retried_request_with_the_same_idempotency_key_acts_once,
    bad_input_gets_4xx_and_changes_nothing,
    committed_events_survive_kill_9,
    search_ignores_diacritics_and_lists_page_by_cursor,
    health_metrics_openapi_and_sessions,
);
