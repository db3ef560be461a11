//! The official forms of Circular 03/2025/TT-VPCP (Appendix I) as PDF, composed from a
//! dossier's view and log: 01 receipt and appointment, 02 supplement request, 03 refusal,
//! 04 apology with a new date, 05 stop notice, 06 processing control sheet, and 07 the
//! register of a desk. Each dossier form carries the dossier code and a QR code that opens
//! the public tracking page.
//!
//! The forms are always in Vietnamese: they are legal documents, whatever the page's
//! language.

use motcua_app::Rules;
use motcua_app::views::{DossierSummary, DossierView, HistoryItem};
use motcua_pdf::{Align, Block, Cell, Document, Paragraph, Span, Table};

/// A dossier's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// 01 — Giấy tiếp nhận hồ sơ và hẹn trả kết quả.
    Receipt,
    /// 02 — Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ.
    Supplement,
    /// 03 — Phiếu từ chối tiếp nhận giải quyết hồ sơ.
    Refusal,
    /// 04 — Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết.
    Apology,
    /// 05 — Thông báo dừng giải quyết hồ sơ.
    Stop,
    /// 06 — Phiếu kiểm soát quá trình giải quyết hồ sơ.
    ControlSheet,
}

impl Form {
    /// Every dossier form, by number.
    pub const ALL: [Form; 6] = [
        Form::Receipt,
        Form::Supplement,
        Form::Refusal,
        Form::Apology,
        Form::Stop,
        Form::ControlSheet,
    ];

    /// `01` … `06`.
    pub fn number(self) -> &'static str {
        match self {
            Form::Receipt => "01",
            Form::Supplement => "02",
            Form::Refusal => "03",
            Form::Apology => "04",
            Form::Stop => "05",
            Form::ControlSheet => "06",
        }
    }

    /// The form by its number.
    pub fn parse(n: &str) -> Option<Form> {
        Form::ALL.into_iter().find(|f| f.number() == n)
    }

    /// Its title, as printed.
    pub fn title(self) -> &'static str {
        match self {
            Form::Receipt => "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            Form::Supplement => "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
            Form::Refusal => "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
            Form::Apology => "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
            Form::Stop => "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
            Form::ControlSheet => "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        }
    }

    /// The event that makes the form exist (none for the control sheet: it always does).
    fn event(self) -> Option<&'static str> {
        match self {
            Form::Receipt => Some("received"),
            Form::Supplement => Some("supplement-requested"),
            Form::Refusal => Some("refused"),
            Form::Apology => Some("apologized"),
            Form::Stop => Some("stopped"),
            Form::ControlSheet => None,
        }
    }

    /// What the form is printed from: the latest event of its kind (`None` when the dossier
    /// has none, so has no such form), or the whole log (the control sheet).
    fn source(self, d: &DossierView) -> Option<Basis<'_>> {
        match self.event() {
            None => Some(Basis::Log),
            Some(kind) => d
                .history
                .iter()
                .rev()
                .find(|h| h.event_type == kind)
                .map(Basis::Event),
        }
    }

    /// Whether the dossier has this form.
    pub fn exists(self, d: &DossierView) -> bool {
        self.source(d).is_some()
    }
}

/// What a form is printed from.
enum Basis<'a> {
    /// The whole log.
    Log,
    /// One event.
    Event(&'a HistoryItem),
}

/// `07 giờ 45 phút, ngày 02 tháng 03 năm 2026` from an API instant.
fn long_instant(rfc3339: &str) -> String {
    match (
        rfc3339.get(0..4),
        rfc3339.get(5..7),
        rfc3339.get(8..10),
        rfc3339.get(11..13),
        rfc3339.get(14..16),
    ) {
        (Some(y), Some(m), Some(d), Some(h), Some(min)) => {
            format!("{h} giờ {min} phút, ngày {d} tháng {m} năm {y}")
        }
        _ => rfc3339.to_owned(),
    }
}

/// `ngày 02 tháng 03 năm 2026`.
fn long_date(rfc3339: &str) -> String {
    match (rfc3339.get(0..4), rfc3339.get(5..7), rfc3339.get(8..10)) {
        (Some(y), Some(m), Some(d)) => format!("ngày {d} tháng {m} năm {y}"),
        _ => rfc3339.to_owned(),
    }
}

fn unit_name(rules: &Rules, key: &str) -> String {
    key.parse()
        .ok()
        .and_then(|u| rules.org.unit(&u))
        .map_or_else(|| key.to_owned(), |u| u.name.clone())
}

fn official_name(rules: &Rules, actor: &str) -> String {
    let id = actor.strip_prefix("official:").unwrap_or(actor);
    id.parse()
        .ok()
        .and_then(|id| rules.org.official(&id))
        .map_or_else(|| id.to_owned(), |o| o.name.clone())
}

/// The province, for the place on the date line: `Thành phố Hồ Chí Minh`.
fn place(rules: &Rules) -> String {
    rules
        .org
        .units()
        .find(|u| u.parent.is_none())
        .map(|u| {
            u.name
                .strip_prefix("Ủy ban nhân dân ")
                .unwrap_or(&u.name)
                .to_owned()
        })
        .unwrap_or_default()
}

/// The national header: the body above and the issuing unit on the left, the country's
/// name and motto on the right, then the place and date.
fn national_header(rules: &Rules, unit: &str, date: &str) -> Block {
    // `Ủy ban nhân dân phường Bến Thành` is printed as `ỦY BAN NHÂN DÂN` over
    // `PHƯỜNG BẾN THÀNH`; a department has its people's committee above it.
    let split = |name: &str| -> (Option<String>, String) {
        match name.strip_prefix("Ủy ban nhân dân ") {
            Some(rest) => (Some("ỦY BAN NHÂN DÂN".to_owned()), rest.to_uppercase()),
            None => (None, name.to_uppercase()),
        }
    };
    let found = unit.parse().ok().and_then(|u| rules.org.unit(&u));
    let (above, own) = split(&found.map_or_else(|| unit.to_owned(), |u| u.name.clone()));
    let mut upper: Vec<String> = Vec::new();
    match above {
        Some(a) => upper.push(a),
        None => {
            if let Some(parent) = found
                .and_then(|u| u.parent.as_ref())
                .and_then(|p| rules.org.unit(p))
            {
                let (a, rest) = split(&parent.name);
                upper.extend(a);
                upper.push(rest);
            }
        }
    }
    let mut left: Vec<Block> = upper
        .into_iter()
        .map(|t| Block::Para(Paragraph::text(t).size(12.0).center().after(0.0)))
        .collect();
    left.push(Block::Para(
        Paragraph::bold(own).size(12.0).center().after(0.0),
    ));
    left.push(Block::Rule {
        length: 60.0,
        align: Align::Center,
    });
    let right = vec![
        Block::Para(
            Paragraph::bold("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
                .size(12.0)
                .center()
                .after(0.0),
        ),
        Block::Para(
            Paragraph::bold("Độc lập - Tự do - Hạnh phúc")
                .center()
                .after(0.0),
        ),
        Block::Rule {
            length: 160.0,
            align: Align::Center,
        },
        Block::Para(
            Paragraph::italic(format!("{}, {}", place(rules), long_date(date)))
                .size(12.0)
                .center()
                .before(4.0),
        ),
    ];
    Block::Columns(vec![(1.0, left), (1.35, right)])
}

fn title(form: Form, code: &str) -> Vec<Block> {
    vec![
        Block::Para(
            Paragraph::bold(form.title())
                .size(14.0)
                .center()
                .before(14.0)
                .after(2.0),
        ),
        Block::Para(
            Paragraph::new(vec![Span::regular("Mã hồ sơ: "), Span::bold(code)])
                .center()
                .after(10.0),
        ),
    ]
}

fn line(label: &str, value: impl Into<String>) -> Block {
    Block::Para(Paragraph::new(vec![
        Span::regular(label),
        Span::bold(value.into()),
    ]))
}

fn text(t: impl Into<String>) -> Block {
    Block::Para(Paragraph::text(t))
}

/// Signature blocks side by side: a title in bold, the instruction in italics, room to sign,
/// the name.
fn signatures(parts: &[(&str, &str)]) -> Block {
    Block::Columns(
        parts
            .iter()
            .map(|(role, name)| {
                (
                    1.0,
                    vec![
                        Block::Para(Paragraph::bold(*role).center().before(12.0).after(0.0)),
                        Block::Para(
                            Paragraph::italic("(Ký và ghi rõ họ tên)")
                                .size(12.0)
                                .center(),
                        ),
                        Block::Space(48.0),
                        Block::Para(Paragraph::bold(*name).center()),
                    ],
                )
            })
            .collect(),
    )
}

/// The QR code that opens the public tracking page, with its caption.
fn tracking_code(url: &str) -> Vec<Block> {
    vec![
        Block::Qr {
            data: url.to_owned(),
            size: 78.0,
            align: Align::Right,
        },
        Block::Para(
            Paragraph::italic("Quét mã để tra cứu tình trạng hồ sơ")
                .size(9.5)
                .right(),
        ),
    ]
}

/// Who the desk received the dossier from, and for what.
fn opening(receiving: &str, applicant: &str, procedure: &str) -> Vec<Block> {
    vec![
        text(format!("{receiving} tiếp nhận hồ sơ của:")),
        line("Ông/bà (tổ chức): ", applicant),
        line("Nội dung yêu cầu giải quyết: ", procedure),
    ]
}

/// The reason the event gives, indented.
fn reason(event: Option<&HistoryItem>) -> Block {
    Block::Para(
        Paragraph::text(event.and_then(|e| e.reason.clone()).unwrap_or_default()).indent(14.0),
    )
}

fn header_cell(t: &str) -> Cell {
    Paragraph::bold(t).size(11.0).center().after(0.0).into()
}

/// A dossier's form, or `None` when the dossier has none of this kind.
pub fn dossier_form(
    rules: &Rules,
    d: &DossierView,
    form: Form,
    tracking_url: &str,
) -> Option<Document> {
    let event = match form.source(d)? {
        Basis::Event(e) => Some(e),
        Basis::Log => None,
    };
    let s = &d.summary;
    let date = event.map_or_else(|| s.last_event_at.clone(), |e| e.at.clone());
    let issuer = event.map_or(s.receiving_unit.as_str(), |e| e.unit.as_str());
    let mut blocks = vec![national_header(rules, issuer, &date)];
    blocks.extend(title(form, &s.code));
    let applicant = &d.applicant;
    let receiving = unit_name(rules, &s.receiving_unit);
    let by = event
        .map(|e| official_name(rules, &e.actor))
        .unwrap_or_default();
    match form {
        Form::Receipt => {
            blocks.push(text(format!("{receiving} tiếp nhận hồ sơ của:")));
            blocks.push(line("Ông/bà (tổ chức): ", applicant.name.clone()));
            if let Some(v) = &applicant.id_number {
                blocks.push(line("Số định danh cá nhân: ", v.clone()));
            }
            if let Some(v) = &applicant.address {
                blocks.push(line("Địa chỉ: ", v.clone()));
            }
            if let Some(v) = &applicant.phone {
                blocks.push(line("Số điện thoại: ", v.clone()));
            }
            if let Some(v) = &applicant.email {
                blocks.push(line("Thư điện tử: ", v.clone()));
            }
            blocks.push(line(
                "Nội dung yêu cầu giải quyết: ",
                s.procedure_name.clone(),
            ));
            blocks.push(text("1. Thành phần hồ sơ nộp gồm:"));
            let mut rows = vec![vec![
                header_cell("STT"),
                header_cell("Tên giấy tờ"),
                header_cell("Ghi chú"),
            ]];
            for (i, doc) in d.documents.iter().enumerate() {
                let note = match (doc.digitized, doc.reused) {
                    (_, true) => "Tái sử dụng dữ liệu đã số hóa",
                    (true, false) => "Đã số hóa",
                    (false, false) => "",
                };
                rows.push(vec![
                    Paragraph::text(format!("{}", i + 1))
                        .size(11.0)
                        .center()
                        .after(0.0)
                        .into(),
                    doc.component.clone().into(),
                    note.into(),
                ]);
            }
            if d.documents.is_empty() {
                rows.push(vec!["".into(), "Không có giấy tờ".into(), "".into()]);
            }
            blocks.push(Block::Table(Table {
                widths: vec![0.7, 6.0, 2.6],
                header_rows: 1,
                rows,
            }));
            blocks.push(text("2. Số lượng hồ sơ: 01 (bộ)"));
            blocks.push(line(
                "3. Thời gian giải quyết hồ sơ theo quy định: ",
                d.limits.join("; "),
            ));
            if let Some(t) = &s.received_at {
                blocks.push(line("4. Thời gian nhận hồ sơ: ", long_instant(t)));
            }
            if let Some(t) = &s.appointment_at {
                blocks.push(line(
                    "5. Thời gian trả kết quả giải quyết hồ sơ: ",
                    long_instant(t),
                ));
            }
            blocks.push(line(
                "6. Đăng ký nhận kết quả tại: ",
                if s.channel == 2 {
                    "Trực tuyến, qua tài khoản của người nộp".to_owned()
                } else {
                    receiving.clone()
                },
            ));
            blocks.extend(tracking_code(tracking_url));
            blocks.push(signatures(&[
                ("NGƯỜI NỘP HỒ SƠ", applicant.name.as_str()),
                ("NGƯỜI TIẾP NHẬN HỒ SƠ", by.as_str()),
            ]));
        }
        Form::Supplement => {
            blocks.extend(opening(&receiving, &applicant.name, &s.procedure_name));
            blocks.push(text(
                "Sau khi xem xét, thành phần hồ sơ của ông/bà cần bổ sung, hoàn thiện những nội dung sau:",
            ));
            let missing: Vec<String> = event
                .and_then(|e| e.payload.get("missing"))
                .and_then(|m| m.as_array())
                .map(|m| {
                    m.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            for (i, m) in missing.iter().enumerate() {
                blocks.push(Block::Para(
                    Paragraph::text(format!("{}. {m}", i + 1)).indent(14.0),
                ));
            }
            blocks.push(text(
                "Lý do: hồ sơ chưa đầy đủ hoặc chưa hợp lệ theo quy định. Ông/bà bổ sung một lần, đầy đủ các nội dung trên; thời gian bổ sung không tính vào thời hạn giải quyết.",
            ));
            blocks.push(text("Xin trân trọng cảm ơn./."));
            blocks.extend(tracking_code(tracking_url));
            blocks.push(signatures(&[("NGƯỜI HƯỚNG DẪN", by.as_str())]));
        }
        Form::Refusal => {
            blocks.extend(opening(&receiving, &applicant.name, &s.procedure_name));
            blocks.push(text(
                "Sau khi xem xét, căn cứ quy định hiện hành, cơ quan không tiếp nhận, giải quyết hồ sơ này với lý do sau:",
            ));
            blocks.push(reason(event));
            blocks.push(text("Xin thông báo để ông/bà được biết và thực hiện./."));
            blocks.extend(tracking_code(tracking_url));
            blocks.push(signatures(&[("NGƯỜI TIẾP NHẬN HỒ SƠ", by.as_str())]));
        }
        Form::Apology => {
            blocks.push(text(format!(
                "{} nhận được hồ sơ đề nghị {} của ông/bà {}.",
                unit_name(
                    rules,
                    s.competent_unit.as_deref().unwrap_or(&s.receiving_unit)
                ),
                s.procedure_name.to_lowercase(),
                applicant.name
            )));
            if let Some(t) = &d.initial_due_at {
                blocks.push(line(
                    "Thời hạn giải quyết theo giấy tiếp nhận: ",
                    long_instant(t),
                ));
            }
            blocks.push(text(
                "Tuy nhiên, đến nay hồ sơ chưa giải quyết xong, lý do:",
            ));
            blocks.push(reason(event));
            blocks.push(text(
                "Sự chậm trễ này đã gây phiền hà cho ông/bà. Cơ quan thành thật xin lỗi và đề nghị gia hạn thời gian giải quyết, hẹn trả kết quả vào:",
            ));
            let new_due = s.appointment_at.clone().unwrap_or_default();
            blocks.push(Block::Para(
                Paragraph::bold(long_instant(&new_due)).center(),
            ));
            blocks.push(text("Rất mong nhận được sự thông cảm của ông/bà./."));
            blocks.extend(tracking_code(tracking_url));
            blocks.push(signatures(&[("THỦ TRƯỞNG CƠ QUAN", by.as_str())]));
        }
        Form::Stop => {
            blocks.push(line("Kính gửi: ", applicant.name.clone()));
            blocks.push(line("Hồ sơ đề nghị: ", s.procedure_name.clone()));
            if let Some(t) = &s.received_at {
                blocks.push(line("Tiếp nhận lúc: ", long_instant(t)));
            }
            blocks.push(text("Cơ quan thông báo dừng giải quyết hồ sơ trên, lý do:"));
            blocks.push(reason(event));
            blocks.push(text("Xin thông báo để ông/bà được biết./."));
            blocks.extend(tracking_code(tracking_url));
            blocks.push(signatures(&[("THỦ TRƯỞNG CƠ QUAN", by.as_str())]));
        }
        Form::ControlSheet => {
            blocks.push(line("Kèm theo hồ sơ của: ", applicant.name.clone()));
            blocks.push(line(
                "Nội dung yêu cầu giải quyết: ",
                s.procedure_name.clone(),
            ));
            if let Some(t) = &s.received_at {
                blocks.push(line("Ngày tiếp nhận: ", long_instant(t)));
            }
            if let Some(t) = &s.due_at {
                blocks.push(line("Hạn giải quyết: ", long_instant(t)));
            }
            if let Some(u) = &s.competent_unit {
                blocks.push(line("Cơ quan giải quyết hồ sơ: ", unit_name(rules, u)));
            }
            // One row per hand-over: the step that ended, when, who gave it and who took
            // it next, and whether the step was done in its allotted time.
            let mut rows = vec![vec![
                header_cell("Bước, đơn vị"),
                header_cell("Thời điểm giao nhận"),
                header_cell("Bên giao"),
                header_cell("Bên nhận"),
                header_cell("Kết quả"),
            ]];
            let short =
                |t: &str| super::format::instant(t, super::format::Lang::Vi).replace(" ngày ", " ");
            for (i, st) in d.steps.iter().enumerate() {
                let giver = st
                    .ended_by
                    .as_deref()
                    .map(|a| official_name(rules, a))
                    .unwrap_or_default();
                let receiver = match d.steps.get(i + 1) {
                    Some(next) => next
                        .assignee
                        .as_deref()
                        .or(next.ended_by.as_deref())
                        .map_or_else(|| unit_name(rules, &next.unit), |a| official_name(rules, a)),
                    None if st.ended_at.is_some() => receiving.clone(),
                    None => String::new(),
                };
                let mut step = format!("{}. {}\n{}", i + 1, st.name, unit_name(rules, &st.unit));
                if let Some(r) = &st.returned_with {
                    step.push_str("\nTrả lại: ");
                    step.push_str(r);
                }
                rows.push(vec![
                    Cell::from(step),
                    Cell::from(
                        st.ended_at.as_deref().map_or_else(
                            || format!("Đang xử lý\nHạn {}", short(&st.due_at)),
                            short,
                        ),
                    ),
                    Cell::from(giver),
                    Cell::from(receiver),
                    Cell::from(super::format::timeliness(
                        &st.timeliness,
                        super::format::Lang::Vi,
                    )),
                ]);
            }
            if d.steps.is_empty() {
                rows.push(vec![
                    "Hồ sơ chưa được tiếp nhận".into(),
                    "".into(),
                    "".into(),
                    "".into(),
                    "".into(),
                ]);
            }
            blocks.push(Block::Table(Table {
                widths: vec![3.4, 2.4, 2.5, 2.5, 1.7],
                header_rows: 1,
                rows,
            }));
            blocks.extend(tracking_code(tracking_url));
        }
    }
    Some(Document::portrait(
        format!("Mẫu số {} – {} – {}", form.number(), form.title(), s.code),
        blocks,
    ))
}

/// Form 07: the register of a desk, one row per dossier received.
pub fn register(
    rules: &Rules,
    unit: &str,
    period: &str,
    dossiers: &[DossierSummary],
    printed: &str,
) -> Document {
    let mut blocks = vec![national_header(rules, unit, printed)];
    blocks.push(Block::Para(
        Paragraph::bold("SỔ THEO DÕI HỒ SƠ")
            .size(14.0)
            .center()
            .before(10.0)
            .after(2.0),
    ));
    blocks.push(Block::Para(
        Paragraph::italic(period.to_owned()).center().after(8.0),
    ));
    let mut rows = vec![vec![
        header_cell("STT"),
        header_cell("Mã hồ sơ"),
        header_cell("Tên thủ tục hành chính"),
        header_cell("Tên cá nhân, tổ chức"),
        header_cell("Cơ quan chủ trì giải quyết"),
        header_cell("Ngày, giờ nhận hồ sơ"),
        header_cell("Ngày, giờ hẹn trả kết quả"),
        header_cell("Ngày, giờ có kết quả"),
        header_cell("Tình trạng"),
    ]];
    let short = |t: &Option<String>| {
        t.as_deref()
            .map(|t| super::format::instant(t, super::format::Lang::Vi).replace(" ngày ", "\n"))
            .unwrap_or_default()
    };
    for (i, d) in dossiers.iter().enumerate() {
        rows.push(vec![
            Paragraph::text(format!("{}", i + 1))
                .size(9.5)
                .center()
                .after(0.0)
                .into(),
            Paragraph::text(d.code.clone()).size(9.5).after(0.0).into(),
            Paragraph::text(d.procedure_name.clone())
                .size(9.5)
                .after(0.0)
                .into(),
            Paragraph::text(d.applicant_name.clone())
                .size(9.5)
                .after(0.0)
                .into(),
            Paragraph::text(unit_name(
                rules,
                d.competent_unit.as_deref().unwrap_or(&d.receiving_unit),
            ))
            .size(9.5)
            .after(0.0)
            .into(),
            Paragraph::text(short(&d.received_at))
                .size(9.5)
                .after(0.0)
                .into(),
            Paragraph::text(short(&d.appointment_at))
                .size(9.5)
                .after(0.0)
                .into(),
            Paragraph::text(short(&d.ended_at))
                .size(9.5)
                .after(0.0)
                .into(),
            Paragraph::text(d.status.name_vi.clone())
                .size(9.5)
                .after(0.0)
                .into(),
        ]);
    }
    blocks.push(Block::Table(Table {
        widths: vec![0.9, 3.1, 3.2, 2.9, 2.4, 1.7, 1.7, 1.7, 1.7],
        header_rows: 1,
        rows,
    }));
    if dossiers.is_empty() {
        blocks.push(Block::Para(
            Paragraph::italic("Không có hồ sơ trong kỳ.").center(),
        ));
    }
    Document::landscape(
        format!("Mẫu số 07 – Sổ theo dõi hồ sơ – {}", unit_name(rules, unit)),
        blocks,
    )
}
