//! Deadline arithmetic and the dossier fold, on the official 2024–2026 calendar.
//!
//! Run: `cargo bench -p motcua-domain --bench deadline`. Figures go to docs/benchmarks.md.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use motcua_domain::TimeLimit;
use motcua_domain::calendar::{CalendarSet, Interval, Pauses};
use motcua_domain::catalog::{Channel, ProcedureRef, ProcedureVersion};
use motcua_domain::dossier::{Actor, Applicant, ApplicantKind, Dossier, Event, EventKind, Intake};
use motcua_domain::process::{ProcessDefinition, ProcessRef};
use motcua_domain::rules::{CalendarRef, RuleBook, RuleSet};

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn deadlines(c: &mut Criterion) {
    let set = CalendarSet::official_vietnam();
    let cal = set.base();
    let none = Pauses::default();
    let tet_eve = t("2024-02-07T16:10:00+07:00");
    let ordinary = t("2024-03-04T09:15:00+07:00");
    let three_pauses = Pauses::new([
        Interval::new(
            t("2024-03-05T09:00:00+07:00"),
            t("2024-03-07T10:00:00+07:00"),
        )
        .unwrap(),
        Interval::new(
            t("2024-03-11T14:00:00+07:00"),
            t("2024-03-12T08:00:00+07:00"),
        )
        .unwrap(),
        Interval::new(
            t("2024-03-15T08:00:00+07:00"),
            t("2024-03-19T16:00:00+07:00"),
        )
        .unwrap(),
    ]);

    c.bench_function("due/3 working days from the eve of Tết", |b| {
        b.iter(|| cal.due(black_box(tet_eve), TimeLimit::working_days(3), &none));
    });
    c.bench_function("due/15 working days", |b| {
        b.iter(|| cal.due(black_box(ordinary), TimeLimit::working_days(15), &none));
    });
    c.bench_function("due/15 working days with 3 pauses", |b| {
        b.iter(|| {
            cal.due(
                black_box(ordinary),
                TimeLimit::working_days(15),
                &three_pauses,
            )
        });
    });
    c.bench_function("due/30 calendar days", |b| {
        b.iter(|| cal.due(black_box(ordinary), TimeLimit::calendar_days(30), &none));
    });
    c.bench_function("explain/15 working days", |b| {
        b.iter(|| cal.explain(black_box(ordinary), TimeLimit::working_days(15), &none));
    });
    c.bench_function("working time between/one month", |b| {
        let end = t("2024-04-04T09:15:00+07:00");
        b.iter(|| cal.working_time_between(black_box(ordinary), end, &three_pauses));
    });
}

fn fold(c: &mut Criterion) {
    let procedures: Vec<ProcedureVersion> =
        serde_json::from_str(include_str!("../../../data/demo/catalog.json")).unwrap();
    let processes: Vec<ProcessDefinition> =
        serde_json::from_str(include_str!("../../../data/demo/processes.json")).unwrap();
    let calendar = CalendarRef {
        id: "vn-officials".parse().unwrap(),
        version: 1,
    };
    let mut book = RuleBook::default();
    for p in procedures {
        book.add_procedure(p).unwrap();
    }
    for p in processes {
        book.add_process(p).unwrap();
    }
    book.add_calendar(calendar.clone(), &CalendarSet::official_vietnam());
    book.add_rules(RuleSet::national_default()).unwrap();
    let unit = |s: &str| s.parse().unwrap();
    let official = |s: &str| Actor::Official(s.parse().unwrap());
    let ev = |at: &str, actor: Actor, kind: EventKind| Event {
        at: t(at),
        actor,
        unit: unit("phuong-ben-thanh"),
        reason: None,
        kind,
    };
    let step = |at: &str, s: &str| {
        ev(
            at,
            official("cv"),
            EventKind::StepCompleted {
                step: s.parse().unwrap(),
                branch: None,
                assignee: None,
            },
        )
    };
    let log = vec![
        ev(
            "2026-03-02T06:45:00+07:00",
            Actor::Applicant,
            EventKind::Submitted {
                intake: Intake {
                    code: "H29.01.02-260302-0001".parse().unwrap(),
                    channel: Channel::Online,
                    source: None,
                    procedure: ProcedureRef {
                        code: "1.001193".parse().unwrap(),
                        version: 1,
                    },
                    applicant: Applicant {
                        name: "Nguyễn Văn A".into(),
                        kind: ApplicantKind::Individual,
                        id_number: None,
                        phone: None,
                        email: None,
                        address: None,
                    },
                    documents: vec![],
                },
                calendar: calendar.clone(),
                rules: RuleSet::national_default().reference(),
            },
        ),
        ev(
            "2026-03-02T07:50:00+07:00",
            official("desk"),
            EventKind::Received {
                intake: None,
                competent_unit: unit("phuong-ben-thanh"),
                process: Some(ProcessRef {
                    id: "khai-sinh-cap-xa".parse().unwrap(),
                    version: 1,
                }),
                calendar,
                rules: RuleSet::national_default().reference(),
            },
        ),
        step("2026-03-02T08:10:00+07:00", "tiep-nhan"),
        ev(
            "2026-03-02T09:00:00+07:00",
            official("cv"),
            EventKind::SupplementRequested {
                missing: vec!["Giấy chứng sinh".into()],
            },
        ),
        ev(
            "2026-03-03T09:00:00+07:00",
            Actor::Applicant,
            EventKind::SupplementReceived { documents: vec![] },
        ),
        step("2026-03-03T10:30:00+07:00", "tham-dinh"),
        step("2026-03-03T14:00:00+07:00", "phe-duyet"),
        ev(
            "2026-03-03T14:05:00+07:00",
            official("ld"),
            EventKind::ResultIssued {
                electronic: true,
                document_number: None,
                file: None,
            },
        ),
    ];
    let book = Arc::new(book);
    c.bench_function("fold/replay 8 events", |b| {
        b.iter(|| Dossier::replay(black_box(&log), book.as_ref()).unwrap());
    });
    let dossier = Dossier::replay(&log, book.as_ref()).unwrap();
    let at = t("2026-03-20T10:00:00+07:00");
    c.bench_function("fold/assess a finished dossier", |b| {
        b.iter(|| dossier.assess(black_box(at)).unwrap());
    });
}

criterion_group!(benches, deadlines, fold);
criterion_main!(benches);
