//! Scenario tests of the dossier lifecycle: every transition, every refusal of an illegal
//! one, and the index's verdicts to the minute. Times are in Asia/Ho_Chi_Minh; 4/3/2024 is
//! a Monday; the procedure is birth registration (1 working day) with a commune process:
//! desk 1 h → specialist 4 h (or refer to the provincial police, 1 h, inter-agency) →
//! leader 2 h.

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use super::*;
use crate::calendar::CalendarSet;
use crate::catalog::tests::birth_registration;
use crate::process::tests::commune_process;
use crate::rules::{RuleBook, RuleSet, RuleSetRef};
use EventType as E;

fn t(s: &str) -> Timestamp {
    format!("{s}+07:00").parse().expect("a valid local time")
}

fn unit(s: &str) -> UnitId {
    s.parse().unwrap()
}

fn official(s: &str) -> Actor {
    Actor::Official(s.parse().unwrap())
}

const XA: &str = "xa-tan-an";
const POLICE: &str = "cong-an-tinh";

fn calendar_ref() -> CalendarRef {
    CalendarRef {
        id: "vn-officials".parse().unwrap(),
        version: 1,
    }
}

/// Version 1 pauses for nothing but supplements; version 2 also pauses for payment and for
/// other agencies; version 3 gives the commune 2 extra calendar days (a remote commune).
fn book() -> RuleBook {
    let mut b = RuleBook::default();
    let v1 = birth_registration();
    let mut v2 = v1.clone();
    v2.version = 2;
    v2.clock.pause_for_payment = true;
    v2.clock.pause_for_other_agency = true;
    let mut v3 = v1.clone();
    v3.version = 3;
    v3.location_adjustments
        .push(crate::catalog::LocationAdjustment {
            units: vec![unit(XA)],
            extra: TimeLimit::calendar_days(2),
            note: "Xã đặc biệt khó khăn".into(),
        });
    for p in [v1, v2, v3] {
        b.add_procedure(p).unwrap();
    }
    b.add_process(commune_process()).unwrap();
    b.add_calendar(calendar_ref(), &CalendarSet::official_vietnam());
    b.add_rules(RuleSet::national_default()).unwrap();
    b
}

fn book_with_rules(rules: RuleSet) -> RuleBook {
    let mut b = book();
    b.add_rules(rules).unwrap();
    b
}

fn procedure_v(version: u32) -> ProcedureRef {
    ProcedureRef {
        code: "1.001193".parse().unwrap(),
        version,
    }
}

fn intake(date: &str, channel: Channel, version: u32) -> Intake {
    Intake {
        code: format!("H29.01-{date}-0001").parse().unwrap(),
        channel,
        source: None,
        procedure: procedure_v(version),
        applicant: Applicant {
            name: "Trần Văn Bình".into(),
            kind: ApplicantKind::Individual,
            id_number: Some("079090001234".into()),
            phone: Some("0909000111".into()),
            email: None,
            address: Some("Ấp 3, xã Tân An".into()),
        },
        documents: vec![Document {
            component: "Giấy chứng sinh".into(),
            digitized: true,
            reused: false,
            file: None,
        }],
    }
}

fn ev(at: &str, actor: Actor, unit_id: &str, kind: EventKind) -> Event {
    Event {
        at: t(at),
        actor,
        unit: unit(unit_id),
        reason: None,
        kind,
    }
}

fn because(mut e: Event, why: &str) -> Event {
    e.reason = Some(why.into());
    e
}

fn submitted(at: &str) -> Event {
    submitted_v(at, 1)
}

fn submitted_v(at: &str, version: u32) -> Event {
    let date = at[2..10].replace('-', "");
    ev(
        at,
        Actor::Applicant,
        XA,
        EventKind::Submitted {
            intake: intake(&date, Channel::Online, version),
            calendar: calendar_ref(),
            rules: RuleSet::national_default().reference(),
        },
    )
}

fn received_kind(intake: Option<Intake>) -> EventKind {
    EventKind::Received {
        intake,
        competent_unit: unit(XA),
        process: Some(commune_process().reference()),
        calendar: calendar_ref(),
        rules: RuleSet::national_default().reference(),
    }
}

fn accepted(at: &str) -> Event {
    ev(at, official("desk-lan"), XA, received_kind(None))
}

fn walk_in(at: &str) -> Event {
    walk_in_v(at, 1)
}

fn walk_in_v(at: &str, version: u32) -> Event {
    let date = at[2..10].replace('-', "");
    ev(
        at,
        official("desk-lan"),
        XA,
        received_kind(Some(intake(&date, Channel::Desk, version))),
    )
}

fn done(at: &str, step: &str, unit_id: &str, branch: Option<&str>) -> Event {
    let actor = match step {
        "tiep-nhan" => official("desk-lan"),
        "phe-duyet" => official("ld-minh"),
        "xac-minh" => official("ca-tuan"),
        _ => official("cv-hoa"),
    };
    ev(
        at,
        actor,
        unit_id,
        EventKind::StepCompleted {
            step: step.parse().unwrap(),
            branch: branch.map(str::to_owned),
            assignee: None,
        },
    )
}

fn supplement_requested(at: &str) -> Event {
    ev(
        at,
        official("cv-hoa"),
        XA,
        EventKind::SupplementRequested {
            missing: vec!["Bản sao giấy đăng ký kết hôn của cha mẹ".into()],
        },
    )
}

fn supplement_received(at: &str) -> Event {
    ev(
        at,
        Actor::Applicant,
        XA,
        EventKind::SupplementReceived {
            documents: vec![Document {
                component: "Bản sao giấy đăng ký kết hôn của cha mẹ".into(),
                digitized: true,
                reused: true,
                file: None,
            }],
        },
    )
}

fn result_issued(at: &str) -> Event {
    ev(
        at,
        official("ld-minh"),
        XA,
        EventKind::ResultIssued {
            electronic: true,
            document_number: Some("125/2024".into()),
            file: None,
        },
    )
}

fn result_returned(at: &str) -> Event {
    ev(
        at,
        official("desk-lan"),
        XA,
        EventKind::ResultReturned {
            via: ReturnVia::Desk,
        },
    )
}

fn apologized(at: &str, new_due: &str) -> Event {
    because(
        ev(
            at,
            official("ld-minh"),
            XA,
            EventKind::Apologized {
                new_due: t(new_due),
            },
        ),
        "Cần xác minh thêm thông tin nơi sinh",
    )
}

fn replay(events: &[Event]) -> Dossier {
    replay_with(events, &book())
}

fn replay_with(events: &[Event], b: &RuleBook) -> Dossier {
    Dossier::replay(events, b).unwrap_or_else(|e| panic!("{e}"))
}

fn assess(d: &Dossier, at: &str) -> Assessment {
    d.assess(t(at)).unwrap()
}

fn local(d: &Dossier, ts: Option<Timestamp>) -> String {
    d.calendar().format_instant(ts.expect("an instant"))
}

fn refusal(events: &[Event], next: &Event) -> LifecycleError {
    replay(events).check(next, &book()).unwrap_err()
}

/// The three steps of the main path, done on Monday morning.
fn main_path(prefix: Vec<Event>) -> Vec<Event> {
    let mut log = prefix;
    log.extend([
        done("2024-03-04T08:20:00", "tiep-nhan", XA, None),
        done("2024-03-04T10:00:00", "tham-dinh", XA, None),
        done("2024-03-04T13:30:00", "phe-duyet", XA, None),
    ]);
    log
}

#[test]
fn birth_registration_goes_from_online_submission_to_returned_result() {
    let mut log = vec![submitted("2024-03-04T07:00:00")];
    let d = replay(&log);
    assert_eq!(d.status(), Status::Submitted);
    let a = assess(&d, "2024-03-04T07:05:00");
    // Acceptance within 8 working hours, counted from the 07:30 opening.
    assert_eq!(local(&d, a.acceptance_due_at), "2024-03-04T17:00:00+07:00");
    assert_eq!(a.acceptance, Some(Timeliness::InProgressOnTime));
    assert_eq!(a.timeliness, None);

    log.push(accepted("2024-03-04T08:00:00"));
    let d = replay(&log);
    assert_eq!(d.status(), Status::Received);
    let a = assess(&d, "2024-03-04T08:00:00");
    assert_eq!(a.acceptance, Some(Timeliness::OnTime));
    // 8 working hours from Monday 08:00: 3 h 30 on Monday morning, 4 h in the afternoon,
    // 30 min on Tuesday.
    assert_eq!(local(&d, a.due_at), "2024-03-05T08:00:00+07:00");
    assert_eq!(a.initial_due_at, a.due_at);
    assert_eq!(d.current_step().unwrap().step.as_str(), "tiep-nhan");

    log = main_path(log);
    let d = replay(&log);
    assert_eq!(d.status(), Status::Processing);
    assert!(d.current_step().is_none(), "the process has ended");
    log.push(result_issued("2024-03-04T14:10:00"));
    let d = replay(&log);
    assert_eq!(d.status(), Status::Finished);
    assert!(d.has_electronic_result());
    log.push(result_returned("2024-03-04T15:00:00"));
    let d = replay(&log);
    assert_eq!(d.status(), Status::Returned);
    assert_eq!(d.version(), 7);

    // Frozen: judged at the result (Monday 14:10), before the day of the due instant.
    let a = assess(&d, "2024-03-20T09:00:00");
    assert_eq!(a.timeliness, Some(Timeliness::Early));
    assert_eq!(local(&d, a.ended_at), "2024-03-04T14:10:00+07:00");
    assert_eq!(a.elapsed, Some(SignedDuration::from_mins(4 * 60 + 40)));
    assert_eq!(a.remaining, Some(SignedDuration::from_mins(3 * 60 + 20)));
    let steps: Vec<_> = a
        .steps
        .iter()
        .map(|s| (s.step.as_str(), s.timeliness))
        .collect();
    assert_eq!(
        steps,
        [
            ("tiep-nhan", Timeliness::OnTime),
            ("tham-dinh", Timeliness::OnTime),
            ("phe-duyet", Timeliness::OnTime),
        ]
    );
}

#[test]
fn a_walk_in_dossier_starts_at_receipt_and_has_no_acceptance_clock() {
    let d = replay(&[walk_in("2024-03-04T08:00:00")]);
    assert_eq!(d.status(), Status::Received);
    assert_eq!(d.channel(), Channel::Desk);
    let a = assess(&d, "2024-03-04T08:00:00");
    assert_eq!(a.acceptance_due_at, None);
    assert_eq!(local(&d, a.due_at), "2024-03-05T08:00:00+07:00");
}

#[test]
fn a_dossier_refused_at_the_desk_is_not_judged() {
    let d = replay(&[
        submitted("2024-03-04T07:00:00"),
        because(
            ev(
                "2024-03-04T09:00:00",
                official("desk-lan"),
                XA,
                EventKind::Refused,
            ),
            "Không thuộc thẩm quyền giải quyết của UBND xã",
        ),
    ]);
    assert_eq!(d.status(), Status::Refused);
    let a = assess(&d, "2024-03-05T09:00:00");
    assert_eq!(a.timeliness, None);
    assert_eq!(a.ended_at, None);
    assert_eq!(a.acceptance, Some(Timeliness::OnTime));
}

#[test]
fn a_supplement_before_receipt_sends_the_dossier_back_to_submitted() {
    let d = replay(&[
        submitted("2024-03-04T07:00:00"),
        supplement_requested("2024-03-04T09:00:00"),
    ]);
    assert_eq!(d.status(), Status::SupplementRequested);
    let d = replay(&[
        submitted("2024-03-04T07:00:00"),
        supplement_requested("2024-03-04T09:00:00"),
        supplement_received("2024-03-05T09:00:00"),
        accepted("2024-03-05T10:00:00"),
    ]);
    assert_eq!(d.status(), Status::Received);
    // The clock starts at receipt, not at submission, and the early request is not counted.
    let a = assess(&d, "2024-03-05T10:00:00");
    assert_eq!(local(&d, a.due_at), "2024-03-06T10:00:00+07:00");
    assert_eq!(a.supplement_requests, 0);
    assert_eq!(d.intake().documents.len(), 2);
}

#[test]
fn one_supplement_pauses_the_clock_and_moves_the_due_date() {
    let log = vec![
        walk_in("2024-03-04T08:00:00"),
        done("2024-03-04T08:30:00", "tiep-nhan", XA, None),
        supplement_requested("2024-03-04T09:00:00"),
        supplement_received("2024-03-06T09:00:00"),
        done("2024-03-06T10:00:00", "tham-dinh", XA, None),
        done("2024-03-06T14:00:00", "phe-duyet", XA, None),
        result_issued("2024-03-06T15:00:00"),
    ];
    let d = replay(&log);
    let a = assess(&d, "2024-03-06T15:00:00");
    // 1 h counted on Monday, paused until Wednesday 09:00, then 7 h: Thursday 08:00.
    assert_eq!(local(&d, a.due_at), "2024-03-07T08:00:00+07:00");
    assert_eq!(local(&d, a.initial_due_at), "2024-03-05T08:00:00+07:00");
    assert_eq!(a.paused, SignedDuration::from_hours(48));
    assert_eq!(a.supplement_requests, 1);
    assert_eq!(a.timeliness, Some(Timeliness::Early));
    // The step in progress during the pause gets the paused time back: tham-dinh started
    // Monday 08:30 with 4 h: 30 min before the pause, then 3 h 30 from Wednesday 09:00
    // (09:00–11:30 and 13:00–14:00).
    assert_eq!(
        d.calendar().format_instant(a.steps[1].due_at),
        "2024-03-06T14:00:00+07:00"
    );
}

#[test]
fn a_location_adjustment_is_counted_after_the_base_limit() {
    let d = replay(&[walk_in_v("2024-03-04T08:00:00", 3)]);
    let a = assess(&d, "2024-03-04T08:00:00");
    assert_eq!(
        a.limits,
        [TimeLimit::working_days(1), TimeLimit::calendar_days(2)]
    );
    // 1 working day: Tuesday 08:00; then 2 calendar days: Thursday 08:00.
    assert_eq!(local(&d, a.due_at), "2024-03-07T08:00:00+07:00");
    let ex = d.explain_due(t("2024-03-04T08:00:00")).unwrap();
    assert_eq!(ex.len(), 2);
    assert_eq!(ex[0].due, ex[1].start);
}

#[test]
fn the_due_instant_explains_itself_with_the_dossiers_pauses() {
    let log = vec![
        walk_in("2024-03-04T08:00:00"),
        supplement_requested("2024-03-04T09:00:00"),
        supplement_received("2024-03-06T09:00:00"),
    ];
    let d = replay(&log);
    let ex = d.explain_due(t("2024-03-06T09:00:00")).unwrap();
    assert_eq!(ex.len(), 1);
    assert_eq!(Some(ex[0].due), assess(&d, "2024-03-06T09:00:00").due_at);
    let text = ex[0].to_string();
    assert!(
        text.contains("2024-03-04 Mon  counted 08:00-09:00 (1h00m; total 1h00m)"),
        "{text}"
    );
    assert!(
        text.contains("2024-03-05 Tue  paused  07:30-11:30 (4h00m)"),
        "{text}"
    );
    assert!(text.contains("due: 2024-03-07T08:00:00+07:00"), "{text}");
    assert!(
        replay(&[submitted("2024-03-04T07:00:00")])
            .explain_due(t("2024-03-04T08:00:00"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn two_supplement_requests_make_a_dossier_late_by_the_index_rule() {
    let log = vec![
        walk_in("2024-03-04T08:00:00"),
        done("2024-03-04T08:30:00", "tiep-nhan", XA, None),
        supplement_requested("2024-03-04T09:00:00"),
        supplement_received("2024-03-06T09:00:00"),
        supplement_requested("2024-03-06T10:00:00"),
        supplement_received("2024-03-07T09:00:00"),
        done("2024-03-07T09:30:00", "tham-dinh", XA, None),
        done("2024-03-07T09:45:00", "phe-duyet", XA, None),
        result_issued("2024-03-07T10:00:00"),
    ];
    let d = replay(&log);
    let a = assess(&d, "2024-03-07T10:00:00");
    // 1 h Monday + 1 h Wednesday + 6 h from Thursday 09:00 → Thursday 16:30.
    assert_eq!(local(&d, a.due_at), "2024-03-07T16:30:00+07:00");
    assert!(a.ended_at < a.due_at, "finished before the due instant");
    assert_eq!(a.supplement_requests, 2);
    assert_eq!(
        a.timeliness,
        Some(Timeliness::Late),
        "more than one supplement request counts as late"
    );
    // While still in processing it is already late.
    let d = replay(&log[..6]);
    assert_eq!(
        assess(&d, "2024-03-07T09:00:00").timeliness,
        Some(Timeliness::InProgressLate)
    );
}

#[test]
fn a_dossier_waiting_for_a_supplement_that_never_came_is_judged_at_the_request() {
    let d = replay(&[
        walk_in("2024-03-04T08:00:00"),
        supplement_requested("2024-03-04T09:00:00"),
    ]);
    let a = assess(&d, "2024-03-29T09:00:00");
    assert_eq!(d.status(), Status::SupplementRequested);
    assert!(a.clock_paused);
    assert_eq!(local(&d, a.judged_at), "2024-03-04T09:00:00+07:00");
    assert_eq!(a.ended_at, None);
    assert_eq!(a.timeliness, Some(Timeliness::Early));
    assert_eq!(a.elapsed, Some(SignedDuration::from_hours(1)));
}

#[test]
fn an_apology_extends_the_appointment_but_the_index_keeps_the_original() {
    let mut log = vec![
        walk_in("2024-03-04T08:00:00"),
        done("2024-03-04T08:30:00", "tiep-nhan", XA, None),
        apologized("2024-03-04T16:00:00", "2024-03-07T17:00:00"),
    ];
    let d = replay(&log);
    let a = assess(&d, "2024-03-05T09:00:00");
    assert_eq!(local(&d, a.due_at), "2024-03-05T08:00:00+07:00");
    assert_eq!(local(&d, a.appointment_at), "2024-03-07T17:00:00+07:00");
    assert_eq!(a.timeliness, Some(Timeliness::InProgressLate));
    assert_eq!(
        d.apologies()[0].reason,
        "Cần xác minh thêm thông tin nơi sinh"
    );

    // A second apology must come before the new appointment and move it later still.
    let err = refusal(
        &log,
        &apologized("2024-03-05T09:00:00", "2024-03-06T17:00:00"),
    );
    assert!(
        matches!(err, LifecycleError::ApologyNotLater { .. }),
        "{err}"
    );
    let err = refusal(
        &log,
        &apologized("2024-03-07T17:00:00", "2024-03-11T17:00:00"),
    );
    assert!(
        matches!(err, LifecycleError::ApologyTooLate { .. }),
        "{err}"
    );

    log.extend([
        done("2024-03-06T09:00:00", "tham-dinh", XA, None),
        done("2024-03-06T10:00:00", "phe-duyet", XA, None),
        result_issued("2024-03-06T11:00:00"),
    ]);
    let a = assess(&replay(&log), "2024-03-06T11:00:00");
    assert_eq!(
        a.timeliness,
        Some(Timeliness::Late),
        "judged against the original due date"
    );
}

#[test]
fn an_apology_after_the_appointment_passed_is_refused() {
    let log = [walk_in("2024-03-04T08:00:00")];
    let err = refusal(
        &log,
        &apologized("2024-03-05T08:01:00", "2024-03-08T17:00:00"),
    );
    assert_eq!(
        err.to_string(),
        "an apology must come before the appointment passes (2024-03-05T08:00:00+07:00); this one came at 2024-03-05T08:01:00+07:00"
    );
}

#[test]
fn the_apology_notice_is_enforced_when_the_rules_set_one() {
    let mut rules = RuleSet::national_default();
    rules.version = 2;
    rules.apology_notice = Some(TimeLimit::working_hours(4));
    let b = book_with_rules(rules.clone());
    let mut first = walk_in("2024-03-04T08:00:00");
    if let EventKind::Received { rules: r, .. } = &mut first.kind {
        *r = rules.reference();
    }
    let d = replay_with(&[first], &b);
    // Due Tuesday 08:00: 4 working hours before is Monday 13:30 (3 h 30 on Monday
    // afternoon and 30 min on Tuesday morning).
    assert!(
        d.check(
            &apologized("2024-03-04T13:30:00", "2024-03-07T17:00:00"),
            &b
        )
        .is_ok()
    );
    let err = d
        .check(
            &apologized("2024-03-04T13:31:00", "2024-03-07T17:00:00"),
            &b,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "an apology must be issued at least 4 working hours before the appointment (2024-03-05T08:00:00+07:00)"
    );
}

#[test]
fn an_inter_agency_hand_over_has_its_own_time_slice() {
    let mut log = vec![
        walk_in("2024-03-04T08:00:00"),
        done("2024-03-04T08:30:00", "tiep-nhan", XA, None),
        done("2024-03-04T09:00:00", "tham-dinh", XA, Some("refer")),
    ];
    let d = replay(&log);
    let current = d.current_step().unwrap();
    assert_eq!(current.step.as_str(), "xac-minh");
    assert_eq!(current.unit, unit(POLICE));
    assert!(current.inter_agency);
    // The commune cannot complete the police's step.
    let err = refusal(&log, &done("2024-03-04T09:30:00", "xac-minh", XA, None));
    assert_eq!(
        err.to_string(),
        "step xac-minh is done at unit cong-an-tinh, not at xa-tan-an"
    );

    log.extend([
        done("2024-03-04T09:45:00", "xac-minh", POLICE, None),
        done("2024-03-04T10:30:00", "phe-duyet", XA, None),
        result_issued("2024-03-04T10:40:00"),
    ]);
    let d = replay(&log);
    let a = assess(&d, "2024-03-04T10:40:00");
    let police = &a.steps[2];
    assert_eq!(police.unit, unit(POLICE));
    assert_eq!(police.allotted, SignedDuration::from_hours(1));
    assert_eq!(
        d.calendar().format_instant(police.due_at),
        "2024-03-04T10:00:00+07:00"
    );
    assert_eq!(police.timeliness, Timeliness::OnTime);
    assert_eq!(a.steps[1].branch.as_deref(), Some("refer"));
    assert_eq!(
        a.steps.iter().map(|s| s.step.as_str()).collect::<Vec<_>>(),
        ["tiep-nhan", "tham-dinh", "xac-minh", "phe-duyet"]
    );
}

#[test]
fn a_late_inter_agency_step_is_late_on_its_own_slice() {
    let log = vec![
        walk_in("2024-03-04T08:00:00"),
        done("2024-03-04T08:30:00", "tiep-nhan", XA, None),
        done("2024-03-04T09:00:00", "tham-dinh", XA, Some("refer")),
        done("2024-03-04T10:01:00", "xac-minh", POLICE, None),
    ];
    let a = assess(&replay(&log), "2024-03-04T10:01:00");
    assert_eq!(a.steps[2].timeliness, Timeliness::Late);
    assert_eq!(a.timeliness, Some(Timeliness::InProgressOnTime));
}

#[test]
fn a_dossier_received_at_16_55_on_the_eve_of_tet() {
    let log = vec![walk_in("2024-02-07T16:55:00")];
    let d = replay(&log);
    let a = assess(&d, "2024-02-07T16:55:00");
    // 5 minutes on 7/2, Tết 8–14/2 skipped, 7 h 55 on Thursday 15/2.
    assert_eq!(local(&d, a.due_at), "2024-02-15T16:55:00+07:00");
    assert_eq!(
        d.calendar().format_instant(a.steps[0].due_at),
        "2024-02-15T08:25:00+07:00"
    );
    let ex = d
        .calendar()
        .explain(
            t("2024-02-07T16:55:00"),
            TimeLimit::working_days(1),
            &crate::calendar::Pauses::default(),
        )
        .unwrap();
    let text = ex.to_string();
    assert!(
        text.contains("2024-02-07 Wed  counted 16:55-17:00 (0h05m; total 0h05m)"),
        "{text}"
    );
    assert!(
        text.contains("2024-02-12 Mon  skipped: day off (Tết Nguyên đán)"),
        "{text}"
    );
    assert!(
        text.contains("2024-02-10 Sat  skipped: day off (Tết Nguyên đán)"),
        "{text}"
    );
    // During Tết it is in progress and on time; the day after the due instant it is late.
    assert_eq!(
        assess(&d, "2024-02-12T10:00:00").timeliness,
        Some(Timeliness::InProgressOnTime)
    );
    assert_eq!(
        assess(&d, "2024-02-15T16:55:00").timeliness,
        Some(Timeliness::InProgressOnTime)
    );
    assert_eq!(
        assess(&d, "2024-02-15T16:56:00").timeliness,
        Some(Timeliness::InProgressLate)
    );
    // The desk hands it over on the first morning after Tết, in its slice.
    let d = replay(&[
        log[0].clone(),
        done("2024-02-15T08:00:00", "tiep-nhan", XA, None),
    ]);
    assert_eq!(
        assess(&d, "2024-02-15T08:00:00").steps[0].timeliness,
        Timeliness::OnTime
    );
}

#[test]
fn verdicts_are_computed_to_the_minute() {
    let base = vec![
        walk_in("2024-03-04T08:00:00"),
        done("2024-03-04T08:30:00", "tiep-nhan", XA, None),
        done("2024-03-04T09:00:00", "tham-dinh", XA, None),
    ];
    let finish = |at: &str| {
        let mut log = base.clone();
        log.extend([done(at, "phe-duyet", XA, None), result_issued(at)]);
        assess(&replay(&log), at).timeliness
    };
    assert_eq!(finish("2024-03-05T08:00:00"), Some(Timeliness::OnTime));
    assert_eq!(finish("2024-03-05T08:00:30"), Some(Timeliness::OnTime));
    assert_eq!(finish("2024-03-05T08:01:00"), Some(Timeliness::Late));
    assert_eq!(finish("2024-03-04T16:59:00"), Some(Timeliness::Early));
    let d = replay(&base);
    assert_eq!(
        assess(&d, "2024-03-05T08:00:59").timeliness,
        Some(Timeliness::InProgressOnTime),
        "still the minute of the due instant"
    );
    assert_eq!(
        assess(&d, "2024-03-05T08:01:00").timeliness,
        Some(Timeliness::InProgressLate)
    );
    let a = assess(&d, "2024-03-05T09:00:00");
    assert_eq!(
        a.remaining,
        Some(SignedDuration::from_hours(-1)),
        "overdue by an hour"
    );
}

#[test]
fn returning_to_an_earlier_step_starts_it_again_with_a_fresh_slice() {
    let mut log = vec![
        walk_in("2024-03-04T08:00:00"),
        done("2024-03-04T08:30:00", "tiep-nhan", XA, None),
        done("2024-03-04T09:00:00", "tham-dinh", XA, None),
    ];
    let back = because(
        ev(
            "2024-03-04T10:00:00",
            official("ld-minh"),
            XA,
            EventKind::ReturnedToStep {
                step: "tham-dinh".parse().unwrap(),
                assignee: Some("cv-hoa".parse().unwrap()),
            },
        ),
        "Thiếu ý kiến thẩm định về nơi cư trú",
    );
    log.push(back);
    let d = replay(&log);
    assert_eq!(d.current_step().unwrap().step.as_str(), "tham-dinh");
    assert_eq!(d.steps().len(), 4);
    assert_eq!(
        d.steps()[2].returned_with.as_deref(),
        Some("Thiếu ý kiến thẩm định về nơi cư trú")
    );
    let a = assess(&d, "2024-03-04T10:00:00");
    assert_eq!(
        d.calendar().format_instant(a.steps[3].due_at),
        "2024-03-04T15:30:00+07:00"
    );
    // The approve branch "return" of phe-duyet does the same through a step completion.
    log.extend([
        done("2024-03-04T13:00:00", "tham-dinh", XA, None),
        done("2024-03-04T13:30:00", "phe-duyet", XA, Some("return")),
    ]);
    assert_eq!(
        replay(&log).current_step().unwrap().step.as_str(),
        "tham-dinh"
    );
}

#[test]
fn returns_are_refused_to_steps_not_yet_passed_or_unknown() {
    let log = vec![
        walk_in("2024-03-04T08:00:00"),
        done("2024-03-04T08:30:00", "tiep-nhan", XA, None),
    ];
    let back = |step: &str| {
        because(
            ev(
                "2024-03-04T09:00:00",
                official("cv-hoa"),
                XA,
                EventKind::ReturnedToStep {
                    step: step.parse().unwrap(),
                    assignee: None,
                },
            ),
            "Làm lại",
        )
    };
    assert_eq!(
        refusal(&log, &back("phe-duyet")),
        LifecycleError::NotAnEarlierStep("phe-duyet".parse().unwrap())
    );
    assert_eq!(
        refusal(&log, &back("tham-dinh")),
        LifecycleError::NotAnEarlierStep("tham-dinh".parse().unwrap())
    );
    assert_eq!(
        refusal(&log, &back("ghost")),
        LifecycleError::UnknownStep("ghost".parse().unwrap())
    );
    assert!(replay(&log).check(&back("tiep-nhan"), &book()).is_ok());
}

#[test]
fn step_completions_are_checked_against_the_process() {
    let log = vec![walk_in("2024-03-04T08:00:00")];
    assert_eq!(
        refusal(&log, &done("2024-03-04T08:30:00", "tham-dinh", XA, None)).to_string(),
        "step tham-dinh is not the current step (tiep-nhan)"
    );
    assert_eq!(
        refusal(
            &log,
            &done("2024-03-04T08:30:00", "tiep-nhan", XA, Some("approve"))
        )
        .to_string(),
        "step tiep-nhan has no branch \"approve\""
    );
    let ended = main_path(log);
    assert_eq!(
        refusal(&ended, &done("2024-03-04T15:00:00", "phe-duyet", XA, None)).to_string(),
        "step phe-duyet is not the current step (none: processing has ended)"
    );
    assert_eq!(
        refusal(&ended[..2], &result_issued("2024-03-04T09:00:00")).to_string(),
        "the result cannot be issued while step tham-dinh is still open"
    );
}

#[test]
fn payment_pauses_the_clock_only_when_the_procedure_says_so() {
    let run = |version: u32| {
        let log = vec![
            walk_in_v("2024-03-04T08:00:00", version),
            done("2024-03-04T08:30:00", "tiep-nhan", XA, None),
            ev(
                "2024-03-04T09:00:00",
                official("cv-hoa"),
                XA,
                EventKind::PaymentRequested {
                    amount_vnd: 50_000,
                    items: vec!["Lệ phí đăng ký khai sinh muộn".into()],
                },
            ),
        ];
        let d = replay(&log);
        assert_eq!(d.status(), Status::PaymentRequested);
        let mut log = log;
        log.push(ev(
            "2024-03-05T09:00:00",
            Actor::Applicant,
            XA,
            EventKind::PaymentReceived {
                amount_vnd: 50_000,
                online: true,
            },
        ));
        let d = replay(&log);
        assert_eq!(d.status(), Status::Processing);
        assert!(d.paid_online());
        local(&d, assess(&d, "2024-03-05T09:00:00").due_at)
    };
    assert_eq!(run(1), "2024-03-05T08:00:00+07:00");
    assert_eq!(run(2), "2024-03-06T08:00:00+07:00");
}

#[test]
fn payments_must_match_the_request() {
    let log = vec![
        walk_in("2024-03-04T08:00:00"),
        ev(
            "2024-03-04T09:00:00",
            official("cv-hoa"),
            XA,
            EventKind::PaymentRequested {
                amount_vnd: 50_000,
                items: vec![],
            },
        ),
    ];
    let pay = |amount| {
        ev(
            "2024-03-04T10:00:00",
            Actor::Applicant,
            XA,
            EventKind::PaymentReceived {
                amount_vnd: amount,
                online: false,
            },
        )
    };
    assert_eq!(
        refusal(&log, &pay(40_000)).to_string(),
        "the payment of 40000 VND does not match the 50000 VND requested"
    );
    let zero = ev(
        "2024-03-04T09:00:00",
        official("cv-hoa"),
        XA,
        EventKind::PaymentRequested {
            amount_vnd: 0,
            items: vec![],
        },
    );
    assert_eq!(refusal(&log[..1], &zero), LifecycleError::ZeroPayment);
}

#[test]
fn waiting_for_another_agency_pauses_the_clock_when_configured() {
    let run = |version: u32| {
        let log = vec![
            walk_in_v("2024-03-04T08:00:00", version),
            ev(
                "2024-03-04T09:00:00",
                official("cv-hoa"),
                XA,
                EventKind::AgencyOpinionRequested {
                    agency: unit(POLICE),
                },
            ),
            ev(
                "2024-03-04T15:00:00",
                official("ca-tuan"),
                POLICE,
                EventKind::AgencyOpinionReceived,
            ),
        ];
        let d = replay(&log);
        assert_eq!(d.status(), Status::Received);
        local(&d, assess(&d, "2024-03-04T15:00:00").due_at)
    };
    assert_eq!(run(1), "2024-03-05T08:00:00+07:00");
    // 09:00–15:00 removes 4 h 30 of working time: Tuesday 08:00 becomes Tuesday 14:00.
    assert_eq!(run(2), "2024-03-05T14:00:00+07:00");
}

#[test]
fn withdrawal_before_receipt_is_not_judged_and_after_receipt_ends_processing() {
    let withdraw = |at: &str| {
        because(
            ev(at, Actor::Applicant, XA, EventKind::Withdrawn),
            "Người dân xin rút hồ sơ",
        )
    };
    let d = replay(&[
        submitted("2024-03-04T07:00:00"),
        withdraw("2024-03-04T07:30:00"),
    ]);
    assert_eq!(d.status(), Status::Withdrawn);
    assert_eq!(assess(&d, "2024-03-04T08:00:00").timeliness, None);
    let d = replay(&[
        walk_in("2024-03-04T08:00:00"),
        withdraw("2024-03-04T10:00:00"),
    ]);
    let a = assess(&d, "2024-03-08T08:00:00");
    assert_eq!(local(&d, a.ended_at), "2024-03-04T10:00:00+07:00");
    assert_eq!(a.timeliness, Some(Timeliness::Early));
}

#[test]
fn a_stopped_dossier_is_judged_at_the_stop() {
    let d = replay(&[
        walk_in("2024-03-04T08:00:00"),
        because(
            ev(
                "2024-03-05T09:00:00",
                official("ld-minh"),
                XA,
                EventKind::Stopped,
            ),
            "Cơ quan có thẩm quyền yêu cầu dừng giải quyết",
        ),
    ]);
    assert_eq!(d.status(), Status::Stopped);
    assert_eq!(
        assess(&d, "2024-04-01T09:00:00").timeliness,
        Some(Timeliness::Late)
    );
    assert!(d.current_step().is_none());
    assert!(d.steps()[0].ended_at.is_some());
}

#[test]
fn a_refusal_during_processing_ends_it_and_is_judged() {
    let d = replay(&[
        walk_in("2024-03-04T08:00:00"),
        because(
            ev(
                "2024-03-04T11:00:00",
                official("ld-minh"),
                XA,
                EventKind::Refused,
            ),
            "Hồ sơ không đủ điều kiện giải quyết",
        ),
    ]);
    assert_eq!(d.status(), Status::Refused);
    assert_eq!(
        assess(&d, "2024-03-06T11:00:00").timeliness,
        Some(Timeliness::Early)
    );
}

#[test]
fn a_withdrawal_is_not_the_desks_acceptance_decision() {
    let withdraw = |at: &str| {
        because(
            ev(at, Actor::Applicant, XA, EventKind::Withdrawn),
            "Không còn nhu cầu",
        )
    };
    let d = replay(&[
        submitted("2024-03-04T07:00:00"),
        withdraw("2024-03-04T09:00:00"),
    ]);
    assert_eq!(
        assess(&d, "2024-03-05T09:00:00").acceptance,
        None,
        "not judged"
    );
    // But if the desk had already let the 8 working hours pass, it was late.
    let d = replay(&[
        submitted("2024-03-04T07:00:00"),
        withdraw("2024-03-05T09:00:00"),
    ]);
    assert_eq!(
        assess(&d, "2024-03-05T09:00:00").acceptance,
        Some(Timeliness::Late)
    );
}

#[test]
fn the_acceptance_clock_stays_on_the_receiving_desks_calendar() {
    // The competent unit keeps afternoon hours only; the desk keeps the standard day.
    let set = CalendarSet::from_toml("[units.\"H29.90\"]\nsessions = [\"13:00-17:00\"]\n").unwrap();
    let mut b = book();
    b.add_calendar(calendar_ref(), &set);
    b.add_unit_code(unit(POLICE), "H29.90".parse().unwrap());
    let mut received = accepted("2024-03-04T08:00:00");
    if let EventKind::Received {
        competent_unit,
        process,
        ..
    } = &mut received.kind
    {
        *competent_unit = unit(POLICE);
        *process = None;
    }
    let before = replay_with(&[submitted("2024-03-04T07:00:00")], &b);
    let after = replay_with(&[submitted("2024-03-04T07:00:00"), received], &b);
    let (a1, a2) = (
        assess(&before, "2024-03-04T08:00:00"),
        assess(&after, "2024-03-04T08:00:00"),
    );
    assert_eq!(a1.acceptance_due_at, a2.acceptance_due_at);
    assert_eq!(
        local(&after, a2.acceptance_due_at),
        "2024-03-04T17:00:00+07:00"
    );
    // While the dossier's own deadline runs on the competent unit's afternoons, where a
    // working day is 4 hours: 08:00 Monday counts from 13:00 → Monday 17:00 (on the desk's
    // calendar it would be Tuesday 08:00).
    assert_eq!(local(&after, a2.due_at), "2024-03-04T17:00:00+07:00");
}

#[test]
fn the_verdict_while_waiting_for_a_supplement_is_not_frozen() {
    let waiting = replay(&[
        walk_in("2024-03-04T08:00:00"),
        supplement_requested("2024-03-04T09:00:00"),
    ]);
    let a = assess(&waiting, "2024-03-06T09:00:00");
    assert!(a.timeliness.is_some());
    assert!(!a.frozen);
    let mut log = main_path(vec![walk_in("2024-03-04T08:00:00")]);
    log.push(result_issued("2024-03-04T14:10:00"));
    assert!(assess(&replay(&log), "2024-03-04T14:10:00").frozen);
}

#[test]
fn a_dossier_without_a_process_has_no_steps_but_can_be_resolved() {
    let mut first = walk_in("2024-03-04T08:00:00");
    if let EventKind::Received { process, .. } = &mut first.kind {
        *process = None;
    }
    let log = vec![first];
    assert_eq!(
        refusal(&log, &done("2024-03-04T09:00:00", "tiep-nhan", XA, None)),
        LifecycleError::NoProcess
    );
    let mut done_log = log.clone();
    done_log.push(result_issued("2024-03-04T10:00:00"));
    assert_eq!(replay(&done_log).status(), Status::Finished);
}

/// A rule source that serves a process the rule book would refuse, to prove the fold
/// refuses it too instead of panicking.
struct Unchecked {
    book: RuleBook,
    process: crate::process::ProcessDefinition,
}

impl RuleSource for Unchecked {
    fn procedure(
        &self,
        r: &ProcedureRef,
    ) -> Option<std::sync::Arc<crate::catalog::ProcedureVersion>> {
        self.book.procedure(r)
    }
    fn process(&self, _: &ProcessRef) -> Option<std::sync::Arc<crate::process::ProcessDefinition>> {
        Some(std::sync::Arc::new(self.process.clone()))
    }
    fn calendar(
        &self,
        r: &CalendarRef,
        u: &UnitId,
    ) -> Option<std::sync::Arc<crate::calendar::WorkingCalendar>> {
        self.book.calendar(r, u)
    }
    fn rules(&self, r: &RuleSetRef) -> Option<std::sync::Arc<RuleSet>> {
        self.book.rules(r)
    }
}

#[test]
fn a_broken_process_is_refused_not_followed_into_a_panic() {
    let mut empty = commune_process();
    empty.steps.clear();
    let source = Unchecked {
        book: book(),
        process: empty.clone(),
    };
    assert_eq!(
        Dossier::start(&walk_in("2024-03-04T08:00:00"), &source)
            .unwrap_err()
            .to_string(),
        "process khai-sinh-xa v1 cannot be followed: it has no steps"
    );
    assert!(
        book().add_process(empty).is_err(),
        "the rule book refuses it up front"
    );

    let mut dangling = commune_process();
    dangling.steps[0].next = Some(crate::process::BranchTarget::Step("ghost".parse().unwrap()));
    let source = Unchecked {
        book: book(),
        process: dangling.clone(),
    };
    let d = Dossier::start(&walk_in("2024-03-04T08:00:00"), &source).unwrap();
    assert_eq!(
        d.check(&done("2024-03-04T08:30:00", "tiep-nhan", XA, None), &source)
            .unwrap_err()
            .to_string(),
        "process khai-sinh-xa v1 cannot be followed: step tiep-nhan leads to step ghost, which does not exist"
    );
    assert!(book().add_process(dangling).is_err());
}

#[test]
fn the_rule_book_refuses_impossible_rule_sets() {
    let mut r = RuleSet::national_default();
    r.late_from_supplement_requests = 0;
    assert_eq!(
        book().add_rules(r).unwrap_err().to_string(),
        "rule set vn-one-stop v1: late_from_supplement_requests must be at least 1"
    );
    let mut r = RuleSet::national_default();
    r.apology_notice = Some(TimeLimit::months(1));
    assert!(book().add_rules(r).is_err());
    let mut p = birth_registration();
    p.channels.clear();
    assert!(book().add_procedure(p).is_err());
}

#[test]
fn an_apology_may_come_while_waiting_for_payment() {
    let log = vec![
        walk_in("2024-03-04T08:00:00"),
        ev(
            "2024-03-04T09:00:00",
            official("cv-hoa"),
            XA,
            EventKind::PaymentRequested {
                amount_vnd: 50_000,
                items: vec![],
            },
        ),
        apologized("2024-03-04T16:00:00", "2024-03-07T17:00:00"),
    ];
    let d = replay(&log);
    assert_eq!(d.status(), Status::PaymentRequested);
    assert_eq!(d.apologies().len(), 1);
}

#[test]
fn the_acceptance_clock_of_an_online_submission_is_eight_working_hours() {
    let d = replay(&[
        submitted("2024-03-04T07:00:00"),
        accepted("2024-03-05T08:00:00"),
    ]);
    let a = assess(&d, "2024-03-05T08:00:00");
    assert_eq!(a.acceptance, Some(Timeliness::Late));
    let d = replay(&[submitted("2024-03-04T07:00:00")]);
    assert_eq!(
        assess(&d, "2024-03-04T17:01:00").acceptance,
        Some(Timeliness::InProgressLate)
    );
}

#[test]
fn a_result_is_returned_by_the_receiving_desk() {
    let mut log = main_path(vec![walk_in("2024-03-04T08:00:00")]);
    log.push(result_issued("2024-03-04T14:10:00"));
    let mut elsewhere = result_returned("2024-03-04T15:00:00");
    elsewhere.unit = unit(POLICE);
    assert_eq!(
        refusal(&log, &elsewhere).to_string(),
        "the result is returned by the receiving unit xa-tan-an, not by cong-an-tinh"
    );
}

// ---------------------------------------------------------------------------------------
// Refusals of illegal transitions, status by status.

/// A dossier in each phase, built from a realistic log on Monday 4/3/2024.
fn states() -> Vec<(&'static str, Vec<Event>)> {
    let processing = vec![
        walk_in("2024-03-04T08:00:00"),
        done("2024-03-04T08:20:00", "tiep-nhan", XA, None),
        done("2024-03-04T08:40:00", "tham-dinh", XA, None),
    ];
    let with = |base: &Vec<Event>, more: Vec<Event>| {
        let mut log = base.clone();
        log.extend(more);
        log
    };
    let finished = with(
        &processing,
        vec![
            done("2024-03-04T09:00:00", "phe-duyet", XA, None),
            result_issued("2024-03-04T09:10:00"),
        ],
    );
    vec![
        ("submitted", vec![submitted("2024-03-04T07:00:00")]),
        (
            "supplement-before-receipt",
            vec![
                submitted("2024-03-04T07:00:00"),
                supplement_requested("2024-03-04T07:40:00"),
            ],
        ),
        ("processing", processing.clone()),
        (
            "awaiting-supplement",
            with(
                &processing,
                vec![supplement_requested("2024-03-04T09:00:00")],
            ),
        ),
        (
            "awaiting-payment",
            with(
                &processing,
                vec![ev(
                    "2024-03-04T09:00:00",
                    official("cv-hoa"),
                    XA,
                    EventKind::PaymentRequested {
                        amount_vnd: 50_000,
                        items: vec![],
                    },
                )],
            ),
        ),
        (
            "awaiting-agency",
            with(
                &processing,
                vec![ev(
                    "2024-03-04T09:00:00",
                    official("cv-hoa"),
                    XA,
                    EventKind::AgencyOpinionRequested {
                        agency: unit(POLICE),
                    },
                )],
            ),
        ),
        ("finished", finished.clone()),
        (
            "refused",
            vec![
                submitted("2024-03-04T07:00:00"),
                because(
                    ev(
                        "2024-03-04T07:40:00",
                        official("desk-lan"),
                        XA,
                        EventKind::Refused,
                    ),
                    "Sai thẩm quyền",
                ),
            ],
        ),
        (
            "withdrawn",
            with(
                &processing,
                vec![because(
                    ev(
                        "2024-03-04T09:00:00",
                        Actor::Applicant,
                        XA,
                        EventKind::Withdrawn,
                    ),
                    "Rút",
                )],
            ),
        ),
        (
            "stopped",
            with(
                &processing,
                vec![because(
                    ev(
                        "2024-03-04T09:00:00",
                        official("ld-minh"),
                        XA,
                        EventKind::Stopped,
                    ),
                    "Dừng",
                )],
            ),
        ),
        (
            "returned",
            with(&finished, vec![result_returned("2024-03-04T09:30:00")]),
        ),
    ]
}

/// An event of each type that would be accepted where its type is allowed.
fn candidate(ty: EventType, at: &str) -> Event {
    let why = |e| because(e, "Lý do cụ thể");
    match ty {
        EventType::Submitted => submitted(at),
        EventType::Received => accepted(at),
        EventType::SupplementRequested => supplement_requested(at),
        EventType::SupplementReceived => supplement_received(at),
        EventType::Refused => why(ev(at, official("desk-lan"), XA, EventKind::Refused)),
        EventType::StepCompleted => done(at, "phe-duyet", XA, None),
        EventType::ReturnedToStep => why(ev(
            at,
            official("ld-minh"),
            XA,
            EventKind::ReturnedToStep {
                step: "tham-dinh".parse().unwrap(),
                assignee: None,
            },
        )),
        EventType::PaymentRequested => ev(
            at,
            official("cv-hoa"),
            XA,
            EventKind::PaymentRequested {
                amount_vnd: 50_000,
                items: vec![],
            },
        ),
        EventType::PaymentReceived => ev(
            at,
            Actor::Applicant,
            XA,
            EventKind::PaymentReceived {
                amount_vnd: 50_000,
                online: true,
            },
        ),
        EventType::AgencyOpinionRequested => ev(
            at,
            official("cv-hoa"),
            XA,
            EventKind::AgencyOpinionRequested {
                agency: unit(POLICE),
            },
        ),
        EventType::AgencyOpinionReceived => ev(
            at,
            official("ca-tuan"),
            POLICE,
            EventKind::AgencyOpinionReceived,
        ),
        EventType::Apologized => apologized(at, "2024-03-29T17:00:00"),
        EventType::Withdrawn => why(ev(at, Actor::Applicant, XA, EventKind::Withdrawn)),
        EventType::Stopped => why(ev(at, official("ld-minh"), XA, EventKind::Stopped)),
        EventType::ResultIssued => result_issued(at),
        EventType::ResultReturned => result_returned(at),
    }
}

#[test]
fn every_event_is_refused_in_every_status_that_does_not_allow_it() {
    // Written from dossier-lifecycle.md, independently of the implementation's table.
    let allowed: &[(&str, &[EventType])] = &[
        (
            "submitted",
            &[
                E::Received,
                E::SupplementRequested,
                E::Refused,
                E::Withdrawn,
            ],
        ),
        (
            "supplement-before-receipt",
            &[E::SupplementReceived, E::Refused, E::Withdrawn],
        ),
        (
            "processing",
            &[
                E::SupplementRequested,
                E::Refused,
                E::StepCompleted,
                E::ReturnedToStep,
                E::PaymentRequested,
                E::AgencyOpinionRequested,
                E::Apologized,
                E::Withdrawn,
                E::Stopped,
                E::ResultIssued,
            ],
        ),
        (
            "awaiting-supplement",
            &[E::SupplementReceived, E::Refused, E::Withdrawn, E::Stopped],
        ),
        (
            "awaiting-payment",
            &[E::PaymentReceived, E::Apologized, E::Withdrawn, E::Stopped],
        ),
        (
            "awaiting-agency",
            &[
                E::AgencyOpinionReceived,
                E::Apologized,
                E::Withdrawn,
                E::Stopped,
            ],
        ),
        ("finished", &[E::ResultReturned]),
        ("refused", &[]),
        ("withdrawn", &[]),
        ("stopped", &[]),
        ("returned", &[]),
    ];
    let mut checked = 0;
    for (name, log) in states() {
        let d = replay(&log);
        let ok_types = allowed.iter().find(|(n, _)| *n == name).unwrap().1;
        for ty in EventType::ALL {
            let event = candidate(ty, "2024-03-04T10:00:00");
            let result = d.check(&event, &book());
            match (ok_types.contains(&ty), result) {
                // The one allowed type with a further precondition: the process must end.
                (true, Err(LifecycleError::ProcessNotFinished(_)))
                    if name == "processing" && ty == E::ResultIssued => {}
                (true, Ok(next)) => assert_eq!(next.version(), d.version() + 1),
                (true, Err(e)) => panic!("{name}: {ty} should be accepted, got: {e}"),
                (false, Err(LifecycleError::NotAllowed { event, status })) => {
                    assert_eq!((event, status), (ty, d.status()), "{name}");
                }
                (false, other) => {
                    panic!("{name}: {ty} should be refused as not allowed, got {other:?}")
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 11 * 16);
}

#[test]
fn not_allowed_errors_name_the_event_and_the_status() {
    let err = refusal(
        &[submitted("2024-03-04T07:00:00")],
        &result_issued("2024-03-04T08:00:00"),
    );
    assert_eq!(
        err.to_string(),
        "result-issued is not allowed while the dossier is submitted (status 1)"
    );
}

#[test]
fn a_dossier_starts_only_with_a_submission_or_a_receipt_with_its_intake() {
    for ty in EventType::ALL {
        let event = candidate(ty, "2024-03-04T10:00:00");
        let result = Dossier::start(&event, &book());
        match ty {
            EventType::Submitted => assert!(result.is_ok()),
            EventType::Received => assert_eq!(result.unwrap_err(), LifecycleError::IntakeMissing),
            _ => assert_eq!(result.unwrap_err(), LifecycleError::NotAStart(ty)),
        }
    }
    let err = refusal(
        &[submitted("2024-03-04T07:00:00")],
        &walk_in("2024-03-04T08:00:00"),
    );
    assert_eq!(err, LifecycleError::IntakeRepeated);
}

#[test]
fn events_that_need_a_reason_are_refused_without_one() {
    let processing = vec![
        walk_in("2024-03-04T08:00:00"),
        done("2024-03-04T08:20:00", "tiep-nhan", XA, None),
    ];
    for ty in [
        E::Refused,
        E::ReturnedToStep,
        E::Apologized,
        E::Withdrawn,
        E::Stopped,
    ] {
        for reason in [None, Some("   ".to_owned())] {
            let mut event = candidate(ty, "2024-03-04T09:00:00");
            if let EventKind::ReturnedToStep { step, .. } = &mut event.kind {
                *step = "tiep-nhan".parse().unwrap();
            }
            event.reason = reason;
            assert_eq!(
                refusal(&processing, &event),
                LifecycleError::ReasonRequired(ty),
                "{ty}"
            );
        }
    }
}

#[test]
fn events_out_of_time_order_are_refused() {
    let err = refusal(
        &[walk_in("2024-03-04T08:00:00")],
        &done("2024-03-04T07:59:00", "tiep-nhan", XA, None),
    );
    assert_eq!(
        err.to_string(),
        "events must be in time order: 2024-03-04T07:59:00+07:00 is before the previous event at 2024-03-04T08:00:00+07:00"
    );
    // The same instant is fine (a desk can receive and hand over in the same minute).
    assert!(
        replay(&[walk_in("2024-03-04T08:00:00")])
            .check(&done("2024-03-04T08:00:00", "tiep-nhan", XA, None), &book())
            .is_ok()
    );
}

#[test]
fn starts_are_checked_against_the_versions_in_force() {
    let b = book();
    let start = |e: Event| Dossier::start(&e, &b).unwrap_err().to_string();
    // Unknown versions.
    assert_eq!(
        start(walk_in_v("2024-03-04T08:00:00", 9)),
        "unknown procedure version 1.001193 v9"
    );
    let mut e = walk_in("2024-03-04T08:00:00");
    if let EventKind::Received { process, .. } = &mut e.kind {
        *process = Some(ProcessRef {
            id: "khai-sinh-xa".parse().unwrap(),
            version: 7,
        });
    }
    let d = Dossier::start(&e, &b).unwrap_err();
    assert_eq!(d.to_string(), "unknown process version khai-sinh-xa v7");
    let mut e = walk_in("2024-03-04T08:00:00");
    if let EventKind::Received { calendar, .. } = &mut e.kind {
        calendar.version = 2;
    }
    assert_eq!(start(e), "unknown calendar version vn-officials v2");
    let mut e = walk_in("2024-03-04T08:00:00");
    if let EventKind::Received { rules, .. } = &mut e.kind {
        rules.version = 5;
    }
    assert_eq!(start(e), "unknown rule set version vn-one-stop v5");
    // A version not in force on the day.
    assert_eq!(
        start(walk_in("2019-03-04T08:00:00")),
        "procedure 1.001193 v1 is not in force on 2019-03-04"
    );
    // A channel the procedure does not accept.
    let mut b2 = RuleBook::default();
    let mut p = birth_registration();
    p.channels = vec![Channel::Online];
    b2.add_procedure(p).unwrap();
    b2.add_process(commune_process()).unwrap();
    b2.add_calendar(calendar_ref(), &CalendarSet::official_vietnam());
    b2.add_rules(RuleSet::national_default()).unwrap();
    assert_eq!(
        Dossier::start(&walk_in("2024-03-04T08:00:00"), &b2)
            .unwrap_err()
            .to_string(),
        "procedure 1.001193 v1 does not accept dossiers through the desk channel"
    );
    // A code whose date is not the day of arrival.
    let mut e = walk_in("2024-03-04T08:00:00");
    if let EventKind::Received {
        intake: Some(i), ..
    } = &mut e.kind
    {
        i.code = "H29.01-240305-0001".parse().unwrap();
    }
    assert_eq!(
        start(e),
        "dossier code H29.01-240305-0001 carries the date 2024-03-05, but the dossier arrived on 2024-03-04"
    );
    // A blank applicant.
    let mut e = walk_in("2024-03-04T08:00:00");
    if let EventKind::Received {
        intake: Some(i), ..
    } = &mut e.kind
    {
        i.applicant.name = " ".into();
    }
    assert_eq!(start(e), "the applicant's name must not be empty");
}

#[test]
fn a_process_for_another_procedure_is_refused() {
    let mut b = book();
    let mut other = commune_process();
    other.id = "ly-lich".parse().unwrap();
    other.procedure = "2.001417".parse().unwrap();
    b.add_process(other.clone()).unwrap();
    let mut e = walk_in("2024-03-04T08:00:00");
    if let EventKind::Received { process, .. } = &mut e.kind {
        *process = Some(other.reference());
    }
    assert_eq!(
        Dossier::start(&e, &b).unwrap_err().to_string(),
        "process ly-lich v1 handles procedure 2.001417, but the dossier is for 1.001193"
    );
}

#[test]
fn an_empty_supplement_request_is_refused() {
    let e = ev(
        "2024-03-04T09:00:00",
        official("cv-hoa"),
        XA,
        EventKind::SupplementRequested { missing: vec![] },
    );
    assert_eq!(
        refusal(&[walk_in("2024-03-04T08:00:00")], &e).to_string(),
        "a supplement request must list every missing item at once, none blank"
    );
}

#[test]
fn a_refused_event_leaves_the_dossier_unchanged() {
    let mut d = replay(&[walk_in("2024-03-04T08:00:00")]);
    let before = format!("{d:?}");
    let err = d.apply(&result_returned("2024-03-04T09:00:00"), &book());
    assert!(err.is_err());
    assert_eq!(format!("{d:?}"), before);
}

#[test]
fn replay_reports_the_position_of_the_refused_event() {
    let log = vec![
        walk_in("2024-03-04T08:00:00"),
        result_returned("2024-03-04T09:00:00"),
    ];
    let err = Dossier::replay(&log, &book()).unwrap_err();
    assert_eq!(err.index, 1);
    assert_eq!(
        err.to_string(),
        "event 1 (result-returned): result-returned is not allowed while the dossier is received (status 2)"
    );
    let empty = Dossier::replay(&[], &book()).unwrap_err();
    assert_eq!(empty.to_string(), "the log has no event");
}

#[test]
fn a_log_round_trips_through_json_and_replays_to_the_same_verdicts() {
    let mut log = main_path(vec![
        submitted("2024-03-04T07:00:00"),
        accepted("2024-03-04T08:00:00"),
    ]);
    log.push(result_issued("2024-03-04T14:10:00"));
    let json: Vec<String> = log
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    assert!(json[1].contains("\"type\":\"received\""), "{}", json[1]);
    let back: Vec<Event> = json
        .iter()
        .map(|j| serde_json::from_str(j).unwrap())
        .collect();
    assert_eq!(back, log);
    let at = t("2024-03-05T09:00:00");
    assert_eq!(
        replay(&back).assess(at).unwrap(),
        replay(&log).assess(at).unwrap()
    );
}

// ---------------------------------------------------------------------------------------
// Property: any sequence of events either applies or is refused without change, and the
// accepted ones always replay to the same dossier.

fn candidate_for(d: &Dossier, ty: EventType, at: Timestamp, branch: u8) -> Event {
    let at_s = d
        .calendar()
        .time_zone()
        .to_datetime(at)
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let mut e = candidate(ty, &at_s);
    match &mut e.kind {
        EventKind::StepCompleted {
            step, branch: b, ..
        } => {
            if let Some(run) = d.current_step() {
                step.clone_from(&run.step);
                e.unit = run.unit.clone();
            }
            *b = match branch % 3 {
                0 => None,
                1 => Some("refer".into()),
                _ => Some("return".into()),
            };
        }
        EventKind::ReturnedToStep { step, .. } => {
            if let Some(first) = d.steps().first() {
                step.clone_from(&first.step);
            }
        }
        _ => {}
    }
    e
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn any_sequence_applies_or_is_refused_unchanged_and_replays_identically(
        online in any::<bool>(),
        steps in proptest::collection::vec((0usize..16, 0i64..600, any::<u8>()), 0..30),
    ) {
        let b = book();
        let first = if online { submitted("2024-03-04T07:00:00") } else { walk_in("2024-03-04T08:00:00") };
        let mut d = Dossier::start(&first, &b).unwrap();
        let mut log = vec![first];
        let mut at = log[0].at;
        for (ty, minutes, branch) in steps {
            at = at.checked_add(SignedDuration::from_mins(minutes)).unwrap();
            let event = candidate_for(&d, EventType::ALL[ty], at, branch);
            let before = d.version();
            let was_final = d.status().is_final();
            if let Ok(()) = d.apply(&event, &b) {
                prop_assert!(!was_final, "nothing follows a final status");
                prop_assert_eq!(d.version(), before + 1);
                log.push(event);
            } else { prop_assert_eq!(d.version(), before) }
        }
        let again = Dossier::replay(&log, &b).unwrap();
        prop_assert_eq!(again.status(), d.status());
        prop_assert_eq!(again.version(), d.version());
        let when = at.checked_add(SignedDuration::from_hours(30)).unwrap();
        prop_assert_eq!(again.assess(when).unwrap(), d.assess(when).unwrap());
    }
}
