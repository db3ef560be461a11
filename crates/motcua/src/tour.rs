//! `motcua tour`: the domain at work on the demo province — its organisation, catalog and
//! processes, and sample dossiers folded from their events and assessed at an instant.

use std::fmt::Write as _;

use jiff::Timestamp;
use motcua_domain::calendar::WorkingCalendar;
use motcua_domain::catalog::{Channel, ProcedureRef};
use motcua_domain::dossier::{
    Actor, Applicant, ApplicantKind, Assessment, Document, Dossier, Event, EventKind, Intake,
    ReturnVia,
};
use motcua_domain::process::{ProcessDefinition, StepPlace};
use motcua_domain::{TimeUnit, UnitId};

use crate::cli_error::InputError;
use crate::demo::{self, Demo};

#[derive(Debug, clap::Args)]
pub struct TourArgs {
    /// The instant at which the sample dossiers are assessed (RFC 3339 with an offset).
    #[arg(long, value_parser = crate::parse_instant, default_value = "2026-03-20T10:00:00+07:00")]
    at: Timestamp,
}

pub fn run(args: &TourArgs) -> Result<(), InputError> {
    let demo = demo::load().map_err(InputError::from_display)?;
    let book = demo.rule_book().map_err(InputError::from_display)?;
    let mut out = String::new();
    organisation(&mut out, &demo);
    catalog(&mut out, &demo);
    let cal = demo.calendar.base();
    let _ = writeln!(
        out,
        "\nCalendar: {} ({}, {} a working day; {} days off listed)",
        cal.name().unwrap_or("unnamed"),
        cal.time_zone_name(),
        hours(cal.day_length()),
        cal.holidays().len()
    );
    let _ = writeln!(
        out,
        "\nSample dossiers (hồ sơ), assessed at {}:",
        cal.format_instant(args.at)
    );
    for (title, log) in samples() {
        let dossier = Dossier::replay(&log, &book)
            .map_err(|e| InputError::new(format!("sample \"{title}\": {e}")))?;
        let a = dossier.assess(args.at).map_err(InputError::from_display)?;
        dossier_section(&mut out, title, &dossier, &a);
    }
    print!("{out}");
    Ok(())
}

fn hours(d: jiff::SignedDuration) -> String {
    let sign = if d.is_negative() { "-" } else { "" };
    let m = d.as_mins().unsigned_abs();
    if m.is_multiple_of(60) {
        format!("{sign}{}h", m / 60)
    } else {
        format!("{sign}{}h{:02}", m / 60, m % 60)
    }
}

/// Cuts a name to `width` characters for a column, marking the cut.
fn fit(name: &str, width: usize) -> String {
    if name.chars().count() <= width {
        name.to_owned()
    } else {
        name.chars()
            .take(width - 1)
            .chain(std::iter::once('…'))
            .collect()
    }
}

fn organisation(out: &mut String, demo: &Demo) {
    let org = &demo.organisation;
    let _ = writeln!(out, "Organisation (tổ chức):");
    let roots: Vec<_> = org.units().filter(|u| u.parent.is_none()).collect();
    for root in roots {
        for id in org.subtree(&root.id) {
            let unit = org.unit(&id).expect("listed");
            let depth = org.ancestors(&id).count();
            let officials = org
                .officials()
                .filter(|o| o.roles.iter().any(|r| r.unit == id))
                .count();
            let _ = writeln!(
                out,
                "  {}{:<15} {} — {} official(s)",
                "  ".repeat(depth),
                unit.code.as_str(),
                unit.name,
                officials
            );
        }
    }
}

fn catalog(out: &mut String, demo: &Demo) {
    let _ = writeln!(out, "\nCatalog (danh mục thủ tục hành chính):");
    for p in demo.catalog.latest() {
        let fee = match p.fee_total(Channel::Desk) {
            Some(0) => "free".to_owned(),
            Some(v) => format!("{v} VND"),
            None => "fees not stated".to_owned(),
        };
        let local = p
            .local_time_limit
            .map(|l| format!(", committed locally: {}", l.vietnamese()))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {} {} [{}] — {}{local}; {fee}",
            p.code,
            p.name,
            p.field,
            p.time_limit.vietnamese()
        );
        for process in demo.processes.iter().filter(|x| x.procedure == p.code) {
            process_lines(out, process);
        }
    }
    for (p, defects) in demo.defects() {
        for d in defects {
            let _ = writeln!(out, "  ! {}: {d}", p.code);
        }
    }
}

fn process_lines(out: &mut String, p: &ProcessDefinition) {
    let _ = writeln!(
        out,
        "    process {} ({}), main path {}:",
        p.reference(),
        p.approved_by.as_deref().unwrap_or("not approved"),
        hours(p.main_path_allotment())
    );
    for s in &p.steps {
        let place = match &s.place {
            StepPlace::Unit(u) => u.to_string(),
            StepPlace::Competent => "competent unit".to_owned(),
            StepPlace::ReceivingDesk => "receiving desk".to_owned(),
        };
        let _ = writeln!(
            out,
            "      - {:<46} {:<18} {:<13} {:>6}{}",
            fit(&s.name, 46),
            place,
            s.role.as_str(),
            hours(s.allotted()),
            if s.inter_agency {
                "  (liên thông)"
            } else {
                ""
            }
        );
    }
}

fn dossier_section(out: &mut String, title: &str, d: &Dossier, a: &Assessment) {
    let cal = d.calendar();
    let fmt = |t: Option<Timestamp>| t.map_or_else(|| "—".to_owned(), |t| cal.format_instant(t));
    let _ = writeln!(out, "\n  {} — {title}", d.code());
    let _ = writeln!(
        out,
        "    {} ({}), {} channel, applicant {}",
        d.procedure().name,
        d.procedure().reference(),
        d.channel(),
        d.intake().applicant.name
    );
    let _ = writeln!(
        out,
        "    status {} {} ({})",
        a.status.code(),
        a.status.vietnamese(),
        a.status
    );
    if let Some(due) = a.acceptance_due_at {
        let _ = writeln!(
            out,
            "    acceptance due {} — {}",
            cal.format_instant(due),
            a.acceptance.map_or("—".into(), |t| t.to_string())
        );
    }
    if a.received_at.is_none() {
        let _ = writeln!(out, "    not received: not judged by the index");
        return;
    }
    let limits: Vec<String> = a.limits.iter().map(|l| l.vietnamese()).collect();
    let _ = writeln!(
        out,
        "    limit {}; received {}; due {}{}",
        limits.join(" + "),
        fmt(a.received_at),
        fmt(a.due_at),
        if a.appointment_at == a.due_at {
            String::new()
        } else {
            format!("; appointment after apology {}", fmt(a.appointment_at))
        }
    );
    let clock =
        if a.limits[0].unit() == TimeUnit::CalendarDays || a.limits[0].unit() == TimeUnit::Months {
            "wall clock"
        } else {
            "working time"
        };
    let _ = writeln!(
        out,
        "    elapsed {} and remaining {} ({clock}); paused {}; supplement requests {}",
        a.elapsed.map_or("—".into(), hours),
        a.remaining.map_or("—".into(), hours),
        hours(a.paused),
        a.supplement_requests
    );
    let verdict = a
        .timeliness
        .map_or("—".into(), |t| format!("{t} ({})", t.vietnamese()));
    let _ = writeln!(out, "    verdict: {verdict}");
    if !a.steps.is_empty() {
        let _ = writeln!(out, "    control sheet (phiếu kiểm soát, form 06):");
        for s in &a.steps {
            let _ = writeln!(
                out,
                "      {:<46} {:<17} in {}  due {}  out {}  {}{}",
                fit(&s.name, 46),
                s.unit.as_str(),
                short(cal, Some(s.started_at)),
                short(cal, Some(s.due_at)),
                short(cal, s.ended_at),
                s.timeliness,
                s.branch
                    .as_ref()
                    .map(|b| format!(" → {b}"))
                    .unwrap_or_default()
            );
        }
    }
}

fn short(cal: &WorkingCalendar, t: Option<Timestamp>) -> String {
    t.map_or_else(
        || "—".to_owned(),
        |t| {
            cal.time_zone()
                .to_datetime(t)
                .strftime("%d/%m %H:%M")
                .to_string()
        },
    )
}

// ---------------------------------------------------------------------------------------
// Sample dossiers: realistic logs in the demo province, early 2026.

struct Log {
    events: Vec<Event>,
}

fn at(s: &str) -> Timestamp {
    format!("{s}+07:00").parse().expect("valid sample time")
}

fn unit(s: &str) -> UnitId {
    s.parse().expect("valid sample unit")
}

fn official(s: &str) -> Actor {
    Actor::Official(s.parse().expect("valid sample official"))
}

impl Log {
    fn new() -> Self {
        Self { events: Vec::new() }
    }

    fn push(&mut self, when: &str, actor: Actor, where_: &str, kind: EventKind) -> &mut Self {
        self.events.push(Event {
            at: at(when),
            actor,
            unit: unit(where_),
            reason: None,
            kind,
        });
        self
    }

    fn because(&mut self, reason: &str) -> &mut Self {
        self.events.last_mut().expect("an event").reason = Some(reason.to_owned());
        self
    }

    fn step(
        &mut self,
        when: &str,
        who: &str,
        where_: &str,
        step: &str,
        branch: Option<&str>,
    ) -> &mut Self {
        self.push(
            when,
            official(who),
            where_,
            EventKind::StepCompleted {
                step: step.parse().expect("valid step"),
                branch: branch.map(str::to_owned),
                assignee: None,
            },
        )
    }

    fn take(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }
}

fn intake(code: &str, channel: Channel, procedure: &str, name: &str) -> Intake {
    Intake {
        code: code.parse().expect("valid sample code"),
        channel,
        source: None,
        procedure: ProcedureRef {
            code: procedure.parse().expect("valid code"),
            version: 1,
        },
        applicant: Applicant {
            name: name.to_owned(),
            kind: ApplicantKind::Individual,
            id_number: None,
            phone: Some("09xx xxx xxx".to_owned()),
            email: None,
            address: None,
        },
        documents: vec![Document {
            component: "Tờ khai".to_owned(),
            digitized: true,
            reused: false,
            file: None,
        }],
    }
}

fn calendar_ref() -> motcua_domain::rules::CalendarRef {
    motcua_domain::rules::CalendarRef {
        id: "vn-officials".parse().expect("valid"),
        version: 1,
    }
}

fn received(intake: Option<Intake>, competent: &str, process: &str) -> EventKind {
    EventKind::Received {
        intake,
        competent_unit: unit(competent),
        process: Some(motcua_domain::process::ProcessRef {
            id: process.parse().expect("valid"),
            version: 1,
        }),
        calendar: calendar_ref(),
        rules: motcua_domain::rules::RuleSet::national_default().reference(),
    }
}

fn issued() -> EventKind {
    EventKind::ResultIssued {
        electronic: true,
        document_number: None,
        file: None,
    }
}

fn supplement(missing: &str) -> EventKind {
    EventKind::SupplementRequested {
        missing: vec![missing.to_owned()],
    }
}

fn samples() -> Vec<(&'static str, Vec<Event>)> {
    let mut log = Log::new();
    let mut out = Vec::new();

    // An online birth registration, from submission to the returned electronic result.
    log.push(
        "2026-03-02T06:45:00",
        Actor::Applicant,
        "phuong-ben-thanh",
        EventKind::Submitted {
            intake: intake(
                "H29.01.02-260302-0001",
                Channel::Online,
                "1.001193",
                "Nguyễn Hoàng Minh Thư",
            ),
            calendar: calendar_ref(),
            rules: motcua_domain::rules::RuleSet::national_default().reference(),
        },
    )
    .push(
        "2026-03-02T07:50:00",
        official("phuong-ben-thanh-mot-cua"),
        "phuong-ben-thanh",
        received(None, "phuong-ben-thanh", "khai-sinh-cap-xa"),
    )
    .step(
        "2026-03-02T08:10:00",
        "phuong-ben-thanh-mot-cua",
        "phuong-ben-thanh",
        "tiep-nhan",
        None,
    )
    .step(
        "2026-03-02T10:30:00",
        "phuong-ben-thanh-tu-phap",
        "phuong-ben-thanh",
        "tham-dinh",
        None,
    )
    .step(
        "2026-03-02T14:00:00",
        "phuong-ben-thanh-chu-tich",
        "phuong-ben-thanh",
        "phe-duyet",
        None,
    )
    .push(
        "2026-03-02T14:05:00",
        official("phuong-ben-thanh-chu-tich"),
        "phuong-ben-thanh",
        issued(),
    )
    .push(
        "2026-03-02T15:30:00",
        official("phuong-ben-thanh-mot-cua"),
        "phuong-ben-thanh",
        EventKind::ResultReturned {
            via: ReturnVia::Online,
        },
    );
    out.push(("online birth registration, result returned", log.take()));

    // A criminal-record certificate verified by the police (inter-agency), late after an
    // apology: the index judges against the original due date.
    log.push(
        "2026-03-02T09:00:00",
        official("tt-le-van-an"),
        "ttpvhcc",
        received(
            Some(intake(
                "000.00.01.H29-260302-0001",
                Channel::Desk,
                "2.001417",
                "Công ty TNHH Thương mại Phú Gia",
            )),
            "so-tu-phap",
            "lltp-co-quan",
        ),
    )
    .step(
        "2026-03-02T10:00:00",
        "tt-le-van-an",
        "ttpvhcc",
        "tiep-nhan",
        None,
    )
    .step(
        "2026-03-03T15:00:00",
        "stp-cv-duong-khoa",
        "so-tu-phap",
        "tra-cuu",
        Some("xac-minh"),
    )
    .step(
        "2026-03-12T16:00:00",
        "ca-cv-tran-tuan",
        "cong-an-tp",
        "xac-minh-cong-an",
        None,
    )
    .push(
        "2026-03-16T09:00:00",
        official("stp-pgd"),
        "so-tu-phap",
        EventKind::Apologized {
            new_due: at("2026-03-25T17:00:00"),
        },
    )
    .because("Chờ kết quả xác minh bổ sung của Công an Thành phố")
    .step(
        "2026-03-19T10:00:00",
        "stp-cv-duong-khoa",
        "so-tu-phap",
        "lap-phieu",
        None,
    )
    .step(
        "2026-03-20T09:00:00",
        "stp-pgd",
        "so-tu-phap",
        "phe-duyet",
        None,
    )
    .push(
        "2026-03-20T09:30:00",
        official("stp-pgd"),
        "so-tu-phap",
        issued(),
    );
    out.push((
        "criminal-record certificate with police verification and an apology",
        log.take(),
    ));

    // Received at 16:55 on the eve of Tết 2026 (Friday 13/2): five minutes count, then the
    // clock waits until Monday 23/2.
    log.push(
        "2026-02-13T16:55:00",
        official("phuong-sai-gon-mot-cua"),
        "phuong-sai-gon",
        received(
            Some(intake(
                "H29.01.01-260213-0042",
                Channel::Desk,
                "1.001193",
                "Lâm Gia Bảo",
            )),
            "phuong-sai-gon",
            "khai-sinh-cap-xa",
        ),
    )
    .step(
        "2026-02-23T08:00:00",
        "phuong-sai-gon-mot-cua",
        "phuong-sai-gon",
        "tiep-nhan",
        None,
    )
    .step(
        "2026-02-23T11:00:00",
        "phuong-sai-gon-tu-phap",
        "phuong-sai-gon",
        "tham-dinh",
        None,
    )
    .step(
        "2026-02-23T15:00:00",
        "phuong-sai-gon-chu-tich",
        "phuong-sai-gon",
        "phe-duyet",
        None,
    )
    .push(
        "2026-02-23T15:10:00",
        official("phuong-sai-gon-chu-tich"),
        "phuong-sai-gon",
        issued(),
    )
    .push(
        "2026-02-24T08:00:00",
        official("phuong-sai-gon-mot-cua"),
        "phuong-sai-gon",
        EventKind::ResultReturned {
            via: ReturnVia::Desk,
        },
    );
    out.push(("received at 16:55 on the eve of Tết", log.take()));

    // Two supplement requests: late by the index's rule, even though finished in time.
    log.push(
        "2026-03-09T08:00:00",
        official("xa-can-gio-mot-cua"),
        "xa-can-gio",
        received(
            Some(intake(
                "H29.06.01-260309-0003",
                Channel::Desk,
                "1.001193",
                "Huỳnh Thị Cẩm Tú",
            )),
            "xa-can-gio",
            "khai-sinh-cap-xa",
        ),
    )
    .step(
        "2026-03-09T08:30:00",
        "xa-can-gio-mot-cua",
        "xa-can-gio",
        "tiep-nhan",
        None,
    )
    .push(
        "2026-03-09T09:00:00",
        official("xa-can-gio-tu-phap"),
        "xa-can-gio",
        supplement("Giấy chứng sinh bản chính"),
    )
    .push(
        "2026-03-10T14:00:00",
        Actor::Applicant,
        "xa-can-gio",
        EventKind::SupplementReceived { documents: vec![] },
    )
    .push(
        "2026-03-10T15:00:00",
        official("xa-can-gio-tu-phap"),
        "xa-can-gio",
        supplement("Văn bản ủy quyền có chứng thực"),
    )
    .push(
        "2026-03-12T08:00:00",
        Actor::Applicant,
        "xa-can-gio",
        EventKind::SupplementReceived { documents: vec![] },
    )
    .step(
        "2026-03-12T09:00:00",
        "xa-can-gio-tu-phap",
        "xa-can-gio",
        "tham-dinh",
        None,
    )
    .step(
        "2026-03-12T10:00:00",
        "xa-can-gio-chu-tich",
        "xa-can-gio",
        "phe-duyet",
        None,
    )
    .push(
        "2026-03-12T10:10:00",
        official("xa-can-gio-chu-tich"),
        "xa-can-gio",
        issued(),
    );
    out.push(("two supplement requests", log.take()));

    // Submitted online in the evening, refused at the desk the next morning.
    log.push(
        "2026-03-16T20:00:00",
        Actor::Applicant,
        "phuong-thu-duc",
        EventKind::Submitted {
            intake: intake(
                "H29.02.01-260316-0117",
                Channel::Online,
                "1.001193",
                "Tống Văn Kiên",
            ),
            calendar: calendar_ref(),
            rules: motcua_domain::rules::RuleSet::national_default().reference(),
        },
    )
    .push(
        "2026-03-17T08:15:00",
        official("phuong-thu-duc-mot-cua"),
        "phuong-thu-duc",
        EventKind::Refused,
    )
    .because("Trẻ đã được đăng ký khai sinh tại Ủy ban nhân dân phường Tân Định");
    out.push(("refused at the desk", log.take()));

    // Still in processing.
    log.push(
        "2026-03-19T15:00:00",
        official("phuong-binh-thanh-mot-cua"),
        "phuong-binh-thanh",
        received(
            Some(intake(
                "H29.03.01-260319-0008",
                Channel::Postal,
                "1.001193",
                "Đinh Thị Phượng",
            )),
            "phuong-binh-thanh",
            "khai-sinh-cap-xa",
        ),
    )
    .step(
        "2026-03-19T15:30:00",
        "phuong-binh-thanh-mot-cua",
        "phuong-binh-thanh",
        "tiep-nhan",
        None,
    );
    out.push(("in processing", log.take()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_folds_and_shows_the_verdict_it_illustrates() {
        let demo = demo::load().unwrap();
        let book = demo.rule_book().unwrap();
        let when = at("2026-03-20T10:00:00");
        let verdicts: Vec<String> = samples()
            .iter()
            .map(|(title, log)| {
                let d = Dossier::replay(log, &book).unwrap_or_else(|e| panic!("{title}: {e}"));
                let a = d.assess(when).unwrap();
                format!(
                    "{} {}",
                    a.status.code(),
                    a.timeliness.map_or("-".into(), |t| t.to_string())
                )
            })
            .collect();
        assert_eq!(
            verdicts,
            [
                "10 early",
                "9 late",
                "10 on time",
                "9 late",
                "3 -",
                "4 in progress, on time"
            ]
        );
    }
}
