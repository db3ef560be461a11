//! Administration, read-only for now: the units and their tree, officials and their roles,
//! the calendar in force (working sessions, days off, compensatory working days), the
//! catalog's procedures and the internal processes with their steps. For administrators.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use jiff::civil::Weekday;
use motcua_app::Rules;
use motcua_domain::org::{Official, Role, UnitKind};
use motcua_domain::process::StepPlace;
use serde::Deserialize;

use super::format::{self, Lang};
use super::session::Signed;
use super::{Asked, Chrome, Page, Tr, error_page, html, query, rules};
use crate::AppState;

/// Rows a page of officials or procedures shows.
const ROWS: usize = 50;

/// The sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Units,
    Officials,
    Calendar,
    Procedures,
    Processes,
}

impl Section {
    const ALL: [Section; 5] = [
        Section::Units,
        Section::Officials,
        Section::Calendar,
        Section::Procedures,
        Section::Processes,
    ];

    fn key(self) -> &'static str {
        match self {
            Section::Units => "don-vi",
            Section::Officials => "can-bo",
            Section::Calendar => "lich",
            Section::Procedures => "thu-tuc",
            Section::Processes => "quy-trinh",
        }
    }

    fn label(self, tr: Tr) -> &'static str {
        match self {
            Section::Units => tr.t("Đơn vị", "Units"),
            Section::Officials => tr.t("Cán bộ và vai trò", "Officials and roles"),
            Section::Calendar => tr.t("Lịch làm việc", "Working calendar"),
            Section::Procedures => tr.t("Thủ tục", "Procedures"),
            Section::Processes => tr.t("Quy trình nội bộ", "Internal processes"),
        }
    }
}

fn kind(k: UnitKind, lang: Lang) -> &'static str {
    lang.pick(match k {
        UnitKind::Ministry => ("Bộ, cơ quan ngang bộ", "Ministry"),
        UnitKind::Province => ("Tỉnh, thành phố", "Province"),
        UnitKind::Department => ("Sở, ban, ngành", "Department"),
        UnitKind::District => ("Quận, huyện", "District"),
        UnitKind::Commune => ("Xã, phường, đặc khu", "Commune"),
        UnitKind::ServiceCentre => ("Trung tâm phục vụ hành chính công", "Service centre"),
        UnitKind::Division => ("Phòng, chi cục", "Division"),
    })
}

fn role(r: Role, lang: Lang) -> &'static str {
    lang.pick(match r {
        Role::DeskOfficer => ("Cán bộ tiếp nhận (một cửa)", "Desk officer"),
        Role::Specialist => ("Chuyên viên xử lý", "Specialist"),
        Role::UnitLeader => ("Lãnh đạo đơn vị", "Unit leader"),
        Role::IndexViewer => ("Theo dõi chỉ số", "Index viewer"),
        Role::Administrator => ("Quản trị", "Administrator"),
    })
}

fn weekday(d: Weekday, lang: Lang) -> &'static str {
    lang.pick(match d {
        Weekday::Monday => ("Thứ Hai", "Monday"),
        Weekday::Tuesday => ("Thứ Ba", "Tuesday"),
        Weekday::Wednesday => ("Thứ Tư", "Wednesday"),
        Weekday::Thursday => ("Thứ Năm", "Thursday"),
        Weekday::Friday => ("Thứ Sáu", "Friday"),
        Weekday::Saturday => ("Thứ Bảy", "Saturday"),
        Weekday::Sunday => ("Chủ nhật", "Sunday"),
    })
}

/// A row of a table: its cells.
type Row = Vec<String>;

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    c: Chrome,
    tabs: Vec<(String, &'static str, bool)>,
    heading: &'static str,
    summary: String,
    head: Vec<&'static str>,
    rows: Vec<Row>,
    prev_href: Option<String>,
    next_href: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AdminQuery {
    muc: Option<String>,
    trang: Option<String>,
}

fn is_admin(o: &Official) -> bool {
    o.roles.iter().any(|r| r.role == Role::Administrator)
}

pub(crate) async fn page(
    State(state): State<AppState>,
    asked: Asked,
    Signed(official): Signed,
    q: Result<Query<AdminQuery>, QueryRejection>,
) -> Page {
    let q = query(&state, &asked, q).await?;
    let (lang, tr) = (asked.lang, asked.tr());
    if !is_admin(&official) {
        return Err(error_page(
            &state,
            &asked,
            StatusCode::FORBIDDEN,
            ("Không có quyền quản trị", "Not an administrator"),
            tr.t(
                "Trang quản trị dành cho tài khoản có vai trò quản trị.",
                "Administration is for accounts with the administrator role.",
            )
            .to_owned(),
        )
        .await);
    }
    let rules = rules(&state, &asked).await?;
    let section = q
        .muc
        .as_deref()
        .and_then(|k| Section::ALL.into_iter().find(|s| s.key() == k))
        .unwrap_or(Section::Units);
    let (head, all, summary) = table(&rules, section, lang);
    let pages = all.len().div_ceil(ROWS).max(1);
    let page = q
        .trang
        .and_then(|t| t.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let href = |n: usize| format!("/can-bo/quan-tri?muc={}&trang={n}", section.key());
    let rows = all.into_iter().skip((page - 1) * ROWS).take(ROWS).collect();
    let c = Chrome::official(
        &rules,
        &asked,
        &official,
        "admin",
        format!(
            "{} – {}",
            tr.t("Quản trị", "Administration"),
            section.label(tr)
        ),
    );
    Ok(html(
        StatusCode::OK,
        AdminPage {
            c,
            tabs: Section::ALL
                .into_iter()
                .map(|s| {
                    (
                        format!("/can-bo/quan-tri?muc={}", s.key()),
                        s.label(tr),
                        s == section,
                    )
                })
                .collect(),
            heading: section.label(tr),
            summary: if pages > 1 {
                format!("{summary} {} {page}/{pages}.", tr.t("Trang", "Page"))
            } else {
                summary
            },
            head,
            rows,
            prev_href: (page > 1).then(|| href(page - 1)),
            next_href: (page < pages).then(|| href(page + 1)),
        }
        .render(),
    ))
}

/// A section's column headings, every row, and a line that sums it up.
fn table(rules: &Rules, section: Section, lang: Lang) -> (Vec<&'static str>, Vec<Row>, String) {
    let tr = Tr { lang };
    let unit_name = |id: &motcua_domain::UnitId| {
        rules
            .org
            .unit(id)
            .map_or_else(|| id.to_string(), |u| u.name.clone())
    };
    match section {
        Section::Units => {
            // Depth-first, each unit under its parent, indented by its depth.
            let mut rows = Vec::new();
            let mut stack: Vec<(usize, &motcua_domain::org::Unit)> = rules
                .org
                .units()
                .filter(|u| u.parent.is_none())
                .map(|u| (0, u))
                .collect();
            while let Some((depth, u)) = stack.pop() {
                let officials = rules
                    .org
                    .officials()
                    .filter(|o| o.roles.iter().any(|r| r.unit == u.id))
                    .count();
                rows.push(vec![
                    format!("{}{}", "— ".repeat(depth), u.name),
                    u.code.to_string(),
                    kind(u.kind, lang).to_owned(),
                    officials.to_string(),
                ]);
                let mut children: Vec<_> = rules
                    .org
                    .units()
                    .filter(|c| c.parent.as_ref() == Some(&u.id))
                    .collect();
                children.sort_by(|a, b| b.name.cmp(&a.name));
                stack.extend(children.into_iter().map(|c| (depth + 1, c)));
            }
            let n = rows.len();
            (
                vec![
                    tr.t("Đơn vị", "Unit"),
                    tr.t("Mã định danh", "Identifier code"),
                    tr.t("Loại", "Kind"),
                    tr.t("Số cán bộ", "Officials"),
                ],
                rows,
                format!("{n} {}", tr.t("đơn vị.", "units.")),
            )
        }
        Section::Officials => {
            let mut officials: Vec<&Official> = rules.org.officials().collect();
            officials.sort_by(|a, b| a.name.cmp(&b.name));
            let rows: Vec<Row> = officials
                .iter()
                .map(|o| {
                    vec![
                        o.name.clone(),
                        o.id.to_string(),
                        o.title.clone().unwrap_or_default(),
                        o.roles
                            .iter()
                            .map(|r| format!("{} — {}", role(r.role, lang), unit_name(&r.unit)))
                            .collect::<Vec<_>>()
                            .join("; "),
                    ]
                })
                .collect();
            let n = rows.len();
            (
                vec![
                    tr.t("Họ và tên", "Name"),
                    tr.t("Tên đăng nhập", "Username"),
                    tr.t("Chức vụ", "Title"),
                    tr.t("Vai trò, đơn vị", "Roles, units"),
                ],
                rows,
                format!("{n} {}", tr.t("cán bộ.", "officials.")),
            )
        }
        Section::Calendar => {
            let cal = rules.calendar_set.base();
            let mut rows: Vec<Row> = Weekday::Monday
                .cycle_forward()
                .take(7)
                .map(|d| {
                    let sessions = cal.weekday_sessions(d);
                    vec![
                        weekday(d, lang).to_owned(),
                        if sessions.is_empty() {
                            tr.t("Nghỉ", "Day off").to_owned()
                        } else {
                            sessions
                                .iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        },
                    ]
                })
                .collect();
            rows.extend(cal.holidays().iter().map(|(d, name)| {
                vec![
                    format!("{} ({})", format::date(*d), tr.t("nghỉ", "day off")),
                    name.clone().unwrap_or_default(),
                ]
            }));
            rows.extend(cal.working_days().iter().map(|(d, name)| {
                vec![
                    format!("{} ({})", format::date(*d), tr.t("làm bù", "worked")),
                    name.clone().unwrap_or_default(),
                ]
            }));
            let variants = rules.calendar_set.unit_codes().count();
            (
                vec![
                    tr.t("Ngày", "Day"),
                    tr.t("Giờ làm việc, tên ngày nghỉ", "Working hours, name"),
                ],
                rows,
                format!(
                    "{} {} {} {}; {}: {}. {} {variants}.",
                    tr.t("Lịch", "Calendar"),
                    rules.calendar.id,
                    tr.t("phiên bản", "version"),
                    rules.calendar.version,
                    tr.t("múi giờ", "time zone"),
                    cal.time_zone_name(),
                    tr.t("Số đơn vị có lịch riêng:", "Units with their own variant:"),
                ),
            )
        }
        Section::Procedures => {
            let rows: Vec<Row> = rules
                .catalog
                .latest()
                .map(|p| {
                    vec![
                        p.code.to_string(),
                        p.name.clone(),
                        p.field.clone(),
                        format!("{} ({})", p.version, format::date(p.effective_from)),
                        format::time_limit(p.time_limit, lang),
                        rules.catalog.versions(&p.code).len().to_string(),
                    ]
                })
                .collect();
            let n = rows.len();
            (
                vec![
                    tr.t("Mã", "Code"),
                    tr.t("Tên thủ tục", "Name"),
                    tr.t("Lĩnh vực", "Field"),
                    tr.t(
                        "Phiên bản mới nhất (hiệu lực từ)",
                        "Latest version (in force from)",
                    ),
                    tr.t("Thời hạn", "Time limit"),
                    tr.t("Số phiên bản", "Versions"),
                ],
                rows,
                format!("{n} {}", tr.t("thủ tục.", "procedures.")),
            )
        }
        Section::Processes => {
            let mut rows = Vec::new();
            for p in &rules.processes {
                for (i, s) in p.steps.iter().enumerate() {
                    let place = match &s.place {
                        StepPlace::Unit(u) => unit_name(u),
                        StepPlace::Competent => tr
                            .t("Cơ quan có thẩm quyền", "The competent unit")
                            .to_owned(),
                        StepPlace::ReceivingDesk => {
                            tr.t("Bộ phận tiếp nhận", "The receiving desk").to_owned()
                        }
                    };
                    rows.push(vec![
                        if i == 0 {
                            format!("{} v{} ({})", p.name, p.version, p.procedure)
                        } else {
                            String::new()
                        },
                        format!("{}. {}", i + 1, s.name),
                        format!("{place} — {}", role(s.role, lang)),
                        format::minutes_left(i64::from(s.allotted_minutes), lang),
                    ]);
                }
            }
            let n = rules.processes.len();
            (
                vec![
                    tr.t("Quy trình", "Process"),
                    tr.t("Bước", "Step"),
                    tr.t("Nơi, vai trò", "Where, role"),
                    tr.t("Thời gian", "Allotted"),
                ],
                rows,
                format!("{n} {}", tr.t("phiên bản quy trình.", "process versions.")),
            )
        }
    }
}
