//! The conformance suite: what every backend must do, run against a fresh, migrated store.
//!
//! A backend's integration test calls [`conformance_tests!`](crate::conformance_tests) with an
//! expression that builds a fresh store (a future of `Box<dyn Store>`); the macro writes one
//! `#[tokio::test]` per case below, so each backend runs exactly the same cases.

use jiff::Timestamp;
use jiff::civil::date;
use motcua_domain::catalog::{ProcedureRef, ProcedureVersion};
use motcua_domain::dossier::{
    Actor, Applicant, ApplicantKind, DossierCode, Event, EventKind, Intake,
};
use motcua_domain::org::{Official, Role, RoleAssignment, Unit, UnitKind};
use motcua_domain::process::ProcessDefinition;
use motcua_domain::rules::{CalendarRef, RuleSet};

use crate::{
    Account, Append, DossierCursor, DossierFilter, DossierOrder, DossierRow, IdempotencyRecord,
    ImportBatch, OutboxMessage, Store, StoreError, StoredEvent, normalize,
};

/// Writes one `#[tokio::test]` per conformance case, each on a fresh store built by
/// `$fresh`: an expression evaluating to a future of something that dereferences to
/// `dyn Store` (e.g. `Box<dyn Store>`). With `, optional`, the future yields an `Option` and
/// the case is skipped on `None` (a backend whose server is not configured).
#[macro_export]
macro_rules! conformance_tests {
    (@cases $mode:ident ($fresh:expr); $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                $crate::conformance_tests!(@get $mode store ($fresh));
                $crate::conformance::$case(&*store).await;
            }
        )*
    };
    (@get plain $store:ident ($fresh:expr)) => {
        let $store = $fresh.await;
    };
    (@get optional $store:ident ($fresh:expr)) => {
        let Some($store) = $fresh.await else { return };
    };
    (@all $mode:ident ($fresh:expr)) => {
        $crate::conformance_tests!(@cases $mode ($fresh);
            migrating_twice_is_harmless,
            a_dossier_reads_back_as_appended,
            an_append_needs_the_current_version,
            a_new_dossier_cannot_be_created_twice,
            concurrent_appends_on_one_version_let_exactly_one_win,
            an_idempotency_key_is_recorded_once_with_its_response,
            the_outbox_keeps_messages_in_order,
            a_frozen_procedure_version_cannot_be_corrected,
            catalog_versions_round_trip,
            calendars_and_rule_sets_round_trip,
            the_rules_revision_changes_when_rules_change,
            units_and_accounts_round_trip,
            sessions_expire_and_end,
            dossier_sequences_count_per_unit_and_day,
            concurrent_sequence_allocations_never_repeat,
            lists_filter_dossiers,
            lists_page_through_every_dossier_once,
            unit_lists_page_through_every_dossier_once,
            deadline_lists_put_the_nearest_first,
            search_ignores_diacritics_and_wildcards,
            counts_by_status_and_codes_in_order,
            unknown_things_are_not_found,
            metacharacters_are_stored_verbatim,
            an_import_batch_writes_whole_histories_at_once,
            indexes_left_to_the_end_of_a_bulk_load_change_no_answer,
            an_import_batch_with_a_stored_dossier_writes_nothing,
            events_page_through_every_dossier_in_order,
            files_are_stored_once_by_their_hash,
        );
    };
    ($fresh:expr, optional) => {
        $crate::conformance_tests!(@all optional ($fresh));
    };
    ($fresh:expr) => {
        $crate::conformance_tests!(@all plain ($fresh));
    };
}

fn t(s: &str) -> Timestamp {
    s.parse().expect("a valid instant")
}

fn code(n: u16) -> DossierCode {
    DossierCode::new("H29.01".parse().unwrap(), date(2026, 3, 2), n).unwrap()
}

fn procedure_ref() -> ProcedureRef {
    ProcedureRef {
        code: "1.001193".parse().unwrap(),
        version: 1,
    }
}

fn received(c: &DossierCode, at: &str, applicant: &str) -> Event {
    Event {
        at: t(at),
        actor: Actor::Official("desk".parse().unwrap()),
        unit: "phuong-a".parse().unwrap(),
        reason: None,
        kind: EventKind::Received {
            intake: Some(Intake {
                code: c.clone(),
                channel: motcua_domain::catalog::Channel::Desk,
                source: None,
                procedure: procedure_ref(),
                applicant: Applicant {
                    name: applicant.to_owned(),
                    kind: ApplicantKind::Individual,
                    id_number: None,
                    phone: None,
                    email: None,
                    address: None,
                },
                documents: vec![],
            }),
            competent_unit: "phuong-a".parse().unwrap(),
            process: None,
            calendar: calendar_ref(),
            rules: RuleSet::national_default().reference(),
        },
    }
}

fn step(at: &str) -> Event {
    Event {
        at: t(at),
        actor: Actor::Official("specialist".parse().unwrap()),
        unit: "phuong-a".parse().unwrap(),
        reason: None,
        kind: EventKind::StepCompleted {
            step: "tham-dinh".parse().unwrap(),
            branch: None,
            assignee: None,
        },
    }
}

fn calendar_ref() -> CalendarRef {
    CalendarRef {
        id: "vn-officials".parse().unwrap(),
        version: 1,
    }
}

/// A projection row with the given fields; the rest are plausible.
fn row(c: &DossierCode, version: u64, applicant: &str, last_event_at: i64) -> DossierRow {
    DossierRow {
        code: c.to_string(),
        version,
        status: 2,
        channel: 1,
        procedure_code: "1.001193".into(),
        procedure_version: 1,
        procedure_name: "Đăng ký khai sinh".into(),
        applicant_name: applicant.into(),
        receiving_unit: "phuong-a".into(),
        competent_unit: Some("phuong-a".into()),
        current_unit: Some("phuong-a".into()),
        current_step: Some("tham-dinh".into()),
        submitted_at: None,
        received_at: Some(last_event_at),
        due_at: Some(last_event_at + 8 * 3600),
        appointment_at: Some(last_event_at + 8 * 3600),
        ended_at: None,
        clock_paused: false,
        timeliness: Some("in-progress-on-time".into()),
        search_text: normalize(&format!("{c} {applicant} Đăng ký khai sinh")),
        last_event_at,
        applicant_key_hash: None,
        acceptance_due_at: None,
    }
}

fn new_dossier(n: u16, applicant: &str, at: &str) -> Append {
    let c = code(n);
    let event = received(&c, at, applicant);
    let last = event.at.as_second();
    Append {
        code: c.clone(),
        expected_version: 0,
        events: vec![event],
        projection: row(&c, 1, applicant, last),
        outbox: vec![],
        freeze: vec![],
        idempotency: None,
    }
}

fn next_step(n: u16, expected: u64, at: &str) -> Append {
    let c = code(n);
    let event = step(at);
    Append {
        code: c.clone(),
        expected_version: expected,
        projection: row(&c, expected + 1, "Trần Văn Bình", event.at.as_second()),
        events: vec![event],
        outbox: vec![],
        freeze: vec![],
        idempotency: None,
    }
}

fn procedure(version: u32) -> ProcedureVersion {
    serde_json::from_value(serde_json::json!({
        "code": "1.001193", "version": version, "name": "Đăng ký khai sinh", "field": "Hộ tịch",
        "levels": ["commune"], "implementing_agency": "Ủy ban nhân dân cấp xã",
        "channels": ["desk", "online"], "components": [],
        "time_limit": {"value": 8, "unit": "working-hours"}, "fees": [],
        "result": {"name": "Giấy khai sinh", "form": "paper-and-electronic"},
        "legal_bases": [], "online_level": "full", "publications": [],
        "effective_from": "2020-10-02"
    }))
    .expect("a valid procedure")
}

fn process() -> ProcessDefinition {
    serde_json::from_value(serde_json::json!({
        "id": "khai-sinh", "version": 1, "procedure": "1.001193", "name": "Quy trình khai sinh",
        "effective_from": "2024-01-01",
        "steps": [{"id": "tham-dinh", "name": "Thẩm định", "place": "competent",
                   "role": "specialist", "allotted_minutes": 240}]
    }))
    .expect("a valid process")
}

fn unit(id: &str, code: &str, parent: Option<&str>) -> Unit {
    Unit {
        id: id.parse().unwrap(),
        code: code.parse().unwrap(),
        name: format!("Ủy ban nhân dân {id}"),
        kind: if parent.is_some() {
            UnitKind::Commune
        } else {
            UnitKind::Province
        },
        parent: parent.map(|p| p.parse().unwrap()),
    }
}

fn account(id: &str, username: &str, unit_id: &str) -> Account {
    Account {
        official: Official {
            id: id.parse().unwrap(),
            name: "Nguyễn Thị Lan".into(),
            title: Some("Công chức Bộ phận Một cửa".into()),
            roles: vec![RoleAssignment {
                role: Role::DeskOfficer,
                unit: unit_id.parse().unwrap(),
            }],
        },
        username: username.into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        active: true,
    }
}

/// Running the migrations again changes nothing and fails nothing.
pub async fn migrating_twice_is_harmless(store: &dyn Store) {
    store.migrate().await.unwrap();
    store.ping().await.unwrap();
    store
        .append(new_dossier(1, "A", "2026-03-02T08:00:00+07:00"))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.events(&code(1).to_string()).await.unwrap().len(), 1);
}

/// Events and the projection read back exactly as appended.
pub async fn a_dossier_reads_back_as_appended(store: &dyn Store) {
    let append = new_dossier(1, "Trần Văn Bình", "2026-03-02T08:00:00+07:00");
    let version = store.append(append.clone()).await.unwrap();
    assert_eq!(version, 1);
    let events = store.events(&code(1).to_string()).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].seq, 1);
    assert_eq!(events[0].event, append.events[0]);
    assert!(events[0].recorded_at > 0);
    assert_eq!(
        store.dossier(&code(1).to_string()).await.unwrap(),
        append.projection
    );
}

/// Optimistic concurrency: an append decided on an old version is refused with the current
/// version, and writes nothing.
pub async fn an_append_needs_the_current_version(store: &dyn Store) {
    store
        .append(new_dossier(1, "A", "2026-03-02T08:00:00+07:00"))
        .await
        .unwrap();
    assert_eq!(
        store
            .append(next_step(1, 1, "2026-03-02T09:00:00+07:00"))
            .await
            .unwrap(),
        2
    );
    match store
        .append(next_step(1, 1, "2026-03-02T10:00:00+07:00"))
        .await
    {
        Err(StoreError::Conflict { current_version }) => assert_eq!(current_version, 2),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let events = store.events(&code(1).to_string()).await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(
        store.dossier(&code(1).to_string()).await.unwrap().version,
        2
    );
}

/// Creating a dossier whose code exists is a conflict.
pub async fn a_new_dossier_cannot_be_created_twice(store: &dyn Store) {
    store
        .append(new_dossier(1, "A", "2026-03-02T08:00:00+07:00"))
        .await
        .unwrap();
    match store
        .append(new_dossier(1, "B", "2026-03-02T08:30:00+07:00"))
        .await
    {
        Err(StoreError::Conflict { current_version }) => assert_eq!(current_version, 1),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(
        store
            .dossier(&code(1).to_string())
            .await
            .unwrap()
            .applicant_name,
        "A"
    );
}

/// Two commands decided on the same version at once: exactly one is written.
pub async fn concurrent_appends_on_one_version_let_exactly_one_win(store: &dyn Store) {
    store
        .append(new_dossier(1, "A", "2026-03-02T08:00:00+07:00"))
        .await
        .unwrap();
    for round in 0..5u64 {
        let v = 1 + round;
        let (a, b) = tokio::join!(
            store.append(next_step(1, v, "2026-03-02T09:00:00+07:00")),
            store.append(next_step(1, v, "2026-03-02T09:00:00+07:00")),
        );
        let wins = [&a, &b].iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "round {round}: {a:?} / {b:?}");
        for r in [a, b] {
            if let Err(e) = r {
                assert!(
                    matches!(e, StoreError::Conflict { current_version } if current_version == v + 1),
                    "{e:?}"
                );
            }
        }
    }
    assert_eq!(store.events(&code(1).to_string()).await.unwrap().len(), 6);
}

/// An idempotency key is recorded with the command, and a second command with the same key
/// writes nothing.
pub async fn an_idempotency_key_is_recorded_once_with_its_response(store: &dyn Store) {
    let record = IdempotencyRecord {
        scope: "official:desk".into(),
        key: "k-1".into(),
        request_hash: "h1".into(),
        status: 201,
        response: r#"{"code":"H29.01-260302-0001"}"#.into(),
    };
    assert_eq!(
        store.idempotency("official:desk", "k-1").await.unwrap(),
        None
    );
    let mut first = new_dossier(1, "A", "2026-03-02T08:00:00+07:00");
    first.idempotency = Some(record.clone());
    store.append(first).await.unwrap();
    assert_eq!(
        store.idempotency("official:desk", "k-1").await.unwrap(),
        Some(record.clone())
    );
    let mut again = next_step(1, 1, "2026-03-02T09:00:00+07:00");
    again.idempotency = Some(record);
    assert!(matches!(
        store.append(again).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(
        store.events(&code(1).to_string()).await.unwrap().len(),
        1,
        "nothing written twice"
    );
    // The same key in another scope is another key.
    assert_eq!(
        store.idempotency("official:other", "k-1").await.unwrap(),
        None
    );
}

/// Outbox messages are written with their command and come back oldest first.
pub async fn the_outbox_keeps_messages_in_order(store: &dyn Store) {
    let msg = |seq: u64| OutboxMessage {
        topic: "national-portal".into(),
        code: code(1).to_string(),
        seq,
        payload: format!(r#"{{"seq":{seq}}}"#),
    };
    let mut a = new_dossier(1, "A", "2026-03-02T08:00:00+07:00");
    a.outbox = vec![msg(1)];
    store.append(a).await.unwrap();
    let mut b = next_step(1, 1, "2026-03-02T09:00:00+07:00");
    b.outbox = vec![msg(2)];
    store.append(b).await.unwrap();
    // A refused command writes no outbox row either.
    let mut c = next_step(1, 1, "2026-03-02T10:00:00+07:00");
    c.outbox = vec![msg(99)];
    assert!(store.append(c).await.is_err());
    let pending = store.outbox_pending(10).await.unwrap();
    assert_eq!(
        pending.iter().map(|r| r.message.seq).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(pending[0].message, msg(1));
    assert!(pending[0].id < pending[1].id);
    assert_eq!(pending[0].delivered_at, None);
    assert_eq!(store.outbox_pending(1).await.unwrap().len(), 1);
}

/// A procedure version can be corrected until a dossier uses it.
pub async fn a_frozen_procedure_version_cannot_be_corrected(store: &dyn Store) {
    store.insert_procedure(&procedure(1)).await.unwrap();
    let mut fixed = procedure(1);
    fixed.name = "Đăng ký khai sinh (đã sửa)".into();
    store.correct_procedure(&fixed).await.unwrap();
    assert!(!store.procedure_in_use(&procedure_ref()).await.unwrap());
    let mut a = new_dossier(1, "A", "2026-03-02T08:00:00+07:00");
    a.freeze = vec![procedure_ref()];
    store.append(a).await.unwrap();
    assert!(store.procedure_in_use(&procedure_ref()).await.unwrap());
    assert!(matches!(
        store.correct_procedure(&procedure(1)).await,
        Err(StoreError::InUse(_))
    ));
    let stored = store.procedures().await.unwrap();
    assert_eq!(stored, [fixed]);
    let mut unknown = procedure(1);
    unknown.version = 7;
    assert!(matches!(
        store.correct_procedure(&unknown).await,
        Err(StoreError::NotFound)
    ));
}

/// Procedure and process versions read back equal; a version is stored once.
pub async fn catalog_versions_round_trip(store: &dyn Store) {
    store.insert_procedure(&procedure(1)).await.unwrap();
    store.insert_procedure(&procedure(2)).await.unwrap();
    assert!(matches!(
        store.insert_procedure(&procedure(2)).await,
        Err(StoreError::Duplicate(_))
    ));
    let mut all = store.procedures().await.unwrap();
    all.sort_by_key(|p| p.version);
    assert_eq!(all, [procedure(1), procedure(2)]);
    assert_eq!(crate::latest_versions(&all)[0].version, 2);
    store.insert_process(&process()).await.unwrap();
    assert!(matches!(
        store.insert_process(&process()).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(store.processes().await.unwrap(), [process()]);
}

/// Calendars keep their TOML text; rule sets read back equal.
pub async fn calendars_and_rule_sets_round_trip(store: &dyn Store) {
    let toml = "timezone = \"Asia/Ho_Chi_Minh\"\nholidays = [\"2026-02-16\"] # Tết\n";
    store.insert_calendar(&calendar_ref(), toml).await.unwrap();
    assert!(matches!(
        store.insert_calendar(&calendar_ref(), toml).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(
        store.calendars().await.unwrap(),
        [(calendar_ref(), toml.to_owned())]
    );
    let rules = RuleSet::national_default();
    store.insert_rule_set(&rules).await.unwrap();
    assert!(matches!(
        store.insert_rule_set(&rules).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(store.rule_sets().await.unwrap(), [rules]);
}

/// Every change to the rules or the organisation moves the revision.
pub async fn the_rules_revision_changes_when_rules_change(store: &dyn Store) {
    let mut seen = vec![store.rules_revision().await.unwrap()];
    let mut check = |r: i64| {
        assert!(!seen.contains(&r), "revision {r} repeats");
        seen.push(r);
    };
    store.insert_procedure(&procedure(1)).await.unwrap();
    check(store.rules_revision().await.unwrap());
    store.correct_procedure(&procedure(1)).await.unwrap();
    check(store.rules_revision().await.unwrap());
    store.insert_process(&process()).await.unwrap();
    check(store.rules_revision().await.unwrap());
    store.insert_calendar(&calendar_ref(), "").await.unwrap();
    check(store.rules_revision().await.unwrap());
    store
        .insert_rule_set(&RuleSet::national_default())
        .await
        .unwrap();
    check(store.rules_revision().await.unwrap());
    store.insert_unit(&unit("tinh", "H29", None)).await.unwrap();
    check(store.rules_revision().await.unwrap());
    store
        .insert_account(&account("lan", "lan", "tinh"))
        .await
        .unwrap();
    check(store.rules_revision().await.unwrap());
}

/// Units and accounts read back equal; ids, codes and usernames are unique.
pub async fn units_and_accounts_round_trip(store: &dyn Store) {
    let province = unit("tinh", "H29", None);
    let ward = unit("phuong-a", "H29.01", Some("tinh"));
    store.insert_unit(&province).await.unwrap();
    store.insert_unit(&ward).await.unwrap();
    assert!(matches!(
        store.insert_unit(&ward).await,
        Err(StoreError::Duplicate(_))
    ));
    assert!(matches!(
        store
            .insert_unit(&unit("other", "H29.01", Some("tinh")))
            .await,
        Err(StoreError::Duplicate(_))
    ));
    let mut units = store.units().await.unwrap();
    units.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(units, [ward, province]);

    let lan = account("lan", "lan.nt", "phuong-a");
    store.insert_account(&lan).await.unwrap();
    assert!(matches!(
        store.insert_account(&lan).await,
        Err(StoreError::Duplicate(_))
    ));
    assert!(matches!(
        store
            .insert_account(&account("lan2", "lan.nt", "phuong-a"))
            .await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(store.account_by_username("lan.nt").await.unwrap(), lan);
    assert_eq!(store.accounts().await.unwrap(), [lan]);
    assert!(matches!(
        store.account_by_username("nobody").await,
        Err(StoreError::NotFound)
    ));
}

/// A session is valid until it expires or ends.
pub async fn sessions_expire_and_end(store: &dyn Store) {
    store.insert_unit(&unit("tinh", "H29", None)).await.unwrap();
    store
        .insert_account(&account("lan", "lan", "tinh"))
        .await
        .unwrap();
    let lan = "lan".parse().unwrap();
    store.insert_session("hash-1", &lan, 1_000).await.unwrap();
    assert_eq!(store.session("hash-1", 999).await.unwrap(), lan);
    assert!(matches!(
        store.session("hash-1", 1_000).await,
        Err(StoreError::NotFound)
    ));
    store.insert_session("hash-2", &lan, 5_000).await.unwrap();
    store.delete_session("hash-2").await.unwrap();
    assert!(matches!(
        store.session("hash-2", 10).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.session("unknown", 10).await,
        Err(StoreError::NotFound)
    ));
}

/// Dossier code sequences run per unit code and day, from 1 to 9999.
pub async fn dossier_sequences_count_per_unit_and_day(store: &dyn Store) {
    let d1 = date(2026, 3, 2);
    let d2 = date(2026, 3, 3);
    for expected in 1..=3 {
        assert_eq!(
            store.next_dossier_sequence("H29.01", d1).await.unwrap(),
            expected
        );
    }
    assert_eq!(store.next_dossier_sequence("H29.01", d2).await.unwrap(), 1);
    assert_eq!(store.next_dossier_sequence("H29.02", d1).await.unwrap(), 1);
    assert_eq!(store.next_dossier_sequence("H29.01", d1).await.unwrap(), 4);
}

/// Sequence numbers handed out concurrently never repeat.
pub async fn concurrent_sequence_allocations_never_repeat(store: &dyn Store) {
    let day = date(2026, 3, 2);
    let mut all = Vec::new();
    for _ in 0..5 {
        let four = tokio::join!(
            store.next_dossier_sequence("H29.01", day),
            store.next_dossier_sequence("H29.01", day),
            store.next_dossier_sequence("H29.01", day),
            store.next_dossier_sequence("H29.01", day),
        );
        all.extend([
            four.0.unwrap(),
            four.1.unwrap(),
            four.2.unwrap(),
            four.3.unwrap(),
        ]);
    }
    all.sort_unstable();
    assert_eq!(all, (1..=20).collect::<Vec<u16>>());
}

async fn seven_dossiers(store: &dyn Store) {
    // (number, applicant, status, channel, unit, due, clock paused)
    type Spec<'a> = (u16, &'a str, u8, u8, &'a str, Option<i64>, bool);
    let specs: [Spec; 7] = [
        (1, "Trần Văn Bình", 2, 1, "phuong-a", Some(1_000), false),
        (2, "Nguyễn Thị Ánh", 4, 2, "phuong-a", Some(2_000), false),
        (3, "Lê Đức Thọ", 4, 2, "phuong-b", Some(3_000), true),
        (4, "Phạm Minh Đức", 5, 1, "phuong-b", Some(4_000), true),
        (5, "Võ Thị Hồng", 9, 3, "phuong-a", Some(5_000), false),
        (6, "Đặng Văn Lâm", 1, 2, "phuong-c", None, false),
        (7, "Hồ Ngọc Hà", 4, 1, "phuong-c", Some(7_000), false),
    ];
    for (n, name, status, channel, unit_id, due, paused) in specs {
        let mut a = new_dossier(n, name, "2026-03-02T08:00:00+07:00");
        a.projection.status = status;
        a.projection.channel = channel;
        a.projection.current_unit = Some(unit_id.into());
        a.projection.receiving_unit = unit_id.into();
        a.projection.competent_unit = Some(unit_id.into());
        a.projection.due_at = due;
        a.projection.clock_paused = paused;
        a.projection.ended_at = (status == 9).then_some(4_500);
        a.projection.last_event_at = i64::from(n) * 100;
        if n == 7 {
            a.projection.procedure_code = "2.001417".into();
        }
        store.append(a).await.unwrap();
    }
}

async fn codes_of(store: &dyn Store, filter: DossierFilter) -> Vec<u16> {
    let page = store.list_dossiers(&filter, None, 100).await.unwrap();
    page.items
        .iter()
        .map(|r| r.code.parse::<DossierCode>().unwrap().sequence())
        .collect()
}

/// Each filter selects what it says; results come most recently changed first.
pub async fn lists_filter_dossiers(store: &dyn Store) {
    seven_dossiers(store).await;
    let f = DossierFilter::default;
    assert_eq!(codes_of(store, f()).await, [7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(
        codes_of(
            store,
            DossierFilter {
                current_unit: Some("phuong-b".into()),
                ..f()
            }
        )
        .await,
        [4, 3]
    );
    assert_eq!(
        codes_of(
            store,
            DossierFilter {
                any_unit: Some(vec!["phuong-a".into(), "phuong-c".into()]),
                ..f()
            }
        )
        .await,
        [7, 6, 5, 2, 1]
    );
    assert_eq!(
        codes_of(
            store,
            DossierFilter {
                statuses: Some(vec![4, 5]),
                ..f()
            }
        )
        .await,
        [7, 4, 3, 2]
    );
    assert_eq!(
        codes_of(
            store,
            DossierFilter {
                procedure_code: Some("2.001417".into()),
                ..f()
            }
        )
        .await,
        [7]
    );
    assert_eq!(
        codes_of(
            store,
            DossierFilter {
                channel: Some(2),
                ..f()
            }
        )
        .await,
        [6, 3, 2]
    );
    assert_eq!(
        codes_of(
            store,
            DossierFilter {
                due_from: Some(2_000),
                due_to: Some(4_000),
                ..f()
            }
        )
        .await,
        [4, 3, 2]
    );
    // Overdue at 6 000: due before it, not ended (5 ended), clock running (3, 4 paused).
    assert_eq!(
        codes_of(
            store,
            DossierFilter {
                overdue_at: Some(6_000),
                ..f()
            }
        )
        .await,
        [2, 1]
    );
    assert_eq!(
        codes_of(
            store,
            DossierFilter {
                statuses: Some(vec![4]),
                any_unit: Some(vec!["phuong-c".into()]),
                ..f()
            }
        )
        .await,
        [7]
    );
    assert_eq!(
        codes_of(
            store,
            DossierFilter {
                any_unit: Some(vec![]),
                ..f()
            }
        )
        .await,
        Vec::<u16>::new()
    );
}

/// Paging with a cursor returns every dossier exactly once, in order.
pub async fn lists_page_through_every_dossier_once(store: &dyn Store) {
    seven_dossiers(store).await;
    let mut seen = Vec::new();
    let mut cursor: Option<DossierCursor> = None;
    loop {
        let page = store
            .list_dossiers(&DossierFilter::default(), cursor.as_ref(), 3)
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|r| r.code.clone()));
        match page.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let all: Vec<String> = (1..=7).rev().map(|n| code(n).to_string()).collect();
    assert_eq!(seen, all);
}

/// Pages through a list, `limit` at a time, and returns the dossiers' numbers in order.
async fn paged(store: &dyn Store, filter: &DossierFilter, limit: u32) -> Vec<u16> {
    let mut seen = Vec::new();
    let mut cursor: Option<DossierCursor> = None;
    loop {
        let page = store
            .list_dossiers(filter, cursor.as_ref(), limit)
            .await
            .unwrap();
        assert!(page.items.len() <= limit as usize);
        seen.extend(
            page.items
                .iter()
                .map(|r| r.code.parse::<DossierCode>().unwrap().sequence()),
        );
        match page.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    seen
}

/// In the deadline order the nearest deadline comes first (the desk's for a submission
/// awaiting acceptance, the due date otherwise; none last), pages follow it exactly once,
/// and an inbox holds only the dossiers waiting at its units.
pub async fn deadline_lists_put_the_nearest_first(store: &dyn Store) {
    seven_dossiers(store).await;
    // Awaiting acceptance at phuong-a: its own deadline counts, not a due date.
    let mut intake = new_dossier(8, "Mai Thị Xuân", "2026-03-02T08:00:00+07:00");
    intake.projection.status = 1;
    intake.projection.current_unit = Some("phuong-a".into());
    intake.projection.acceptance_due_at = Some(2_500);
    intake.projection.due_at = Some(90_000);
    intake.projection.last_event_at = 800;
    // Received by phuong-b, waiting at phuong-a.
    let mut arrived = new_dossier(9, "Bùi Thị Lan", "2026-03-02T08:00:00+07:00");
    arrived.projection.receiving_unit = "phuong-b".into();
    arrived.projection.competent_unit = Some("phuong-b".into());
    arrived.projection.current_unit = Some("phuong-a".into());
    arrived.projection.due_at = Some(1_500);
    arrived.projection.last_event_at = 900;
    // Received by phuong-a, waiting at phuong-b.
    let mut left = new_dossier(10, "Tạ Văn Khoa", "2026-03-02T08:00:00+07:00");
    left.projection.current_unit = Some("phuong-b".into());
    left.projection.due_at = Some(500);
    left.projection.last_event_at = 1_000;
    for a in [intake, arrived, left] {
        store.append(a).await.unwrap();
    }
    let by_deadline = |any_unit: Option<Vec<String>>, waiting_only| DossierFilter {
        any_unit,
        waiting_only,
        order: DossierOrder::Deadline,
        ..DossierFilter::default()
    };
    let many: Vec<String> = (0..30)
        .map(|i| format!("phuong-x{i}"))
        .chain(["phuong-a".into(), "phuong-c".into()])
        .collect();
    for limit in [1, 2, 3, 100] {
        assert_eq!(
            paged(store, &by_deadline(None, false), limit).await,
            [10, 1, 9, 2, 8, 3, 4, 5, 7, 6],
            "pages of {limit}"
        );
        for units in [
            vec!["phuong-a".to_owned(), "phuong-c".to_owned()],
            many.clone(),
        ] {
            let n = units.len();
            assert_eq!(
                paged(store, &by_deadline(Some(units.clone()), false), limit).await,
                [10, 1, 9, 2, 8, 5, 7, 6],
                "involving {n} units, pages of {limit}"
            );
            assert_eq!(
                paged(store, &by_deadline(Some(units), true), limit).await,
                [1, 9, 2, 8, 5, 7, 6],
                "waiting at {n} units, pages of {limit}"
            );
        }
    }
    // With the other filters: phuong-a's open processing dossiers.
    let open = DossierFilter {
        statuses: Some(vec![2, 4]),
        ..by_deadline(Some(vec!["phuong-a".into()]), true)
    };
    assert_eq!(paged(store, &open, 2).await, [1, 9, 2]);
    // The latest-activity order is unchanged by waiting_only's absence.
    assert_eq!(
        paged(
            store,
            &DossierFilter {
                any_unit: Some(vec!["phuong-a".into()]),
                waiting_only: true,
                ..DossierFilter::default()
            },
            3
        )
        .await,
        [9, 8, 5, 2, 1]
    );
}

/// A list of the dossiers of some units (few, listed one by one, or many, searched at once)
/// pages through each dossier that involves one of them exactly once, in order, whichever
/// of its unit columns names the unit.
pub async fn unit_lists_page_through_every_dossier_once(store: &dyn Store) {
    seven_dossiers(store).await;
    // Received by phuong-b, now at phuong-a.
    let mut moved = new_dossier(8, "Bùi Thị Lan", "2026-03-02T08:00:00+07:00");
    moved.projection.receiving_unit = "phuong-b".into();
    moved.projection.competent_unit = Some("phuong-b".into());
    moved.projection.current_unit = Some("phuong-a".into());
    moved.projection.last_event_at = 350;
    store.append(moved).await.unwrap();
    let many: Vec<String> = (0..30)
        .map(|i| format!("phuong-x{i}"))
        .chain(["phuong-a".into(), "phuong-c".into()])
        .collect();
    for units in [vec!["phuong-a".to_owned(), "phuong-c".to_owned()], many] {
        for limit in [1, 2, 3, 100] {
            let filter = DossierFilter {
                any_unit: Some(units.clone()),
                ..DossierFilter::default()
            };
            assert_eq!(
                paged(store, &filter, limit).await,
                [7, 6, 5, 8, 2, 1],
                "{} units, pages of {limit}",
                units.len()
            );
        }
    }
    let b = DossierFilter {
        any_unit: Some(vec!["phuong-b".into()]),
        statuses: Some(vec![4, 5]),
        ..DossierFilter::default()
    };
    assert_eq!(codes_of(store, b).await, [4, 3]);
}

/// Text search ignores diacritics and treats `%` and `_` as plain characters.
pub async fn search_ignores_diacritics_and_wildcards(store: &dyn Store) {
    seven_dossiers(store).await;
    let search = |q: &str| DossierFilter {
        text: Some(normalize(q)),
        ..DossierFilter::default()
    };
    assert_eq!(codes_of(store, search("nguyen thi anh")).await, [2]);
    assert_eq!(codes_of(store, search("NGUYỄN THỊ ÁNH")).await, [2]);
    assert_eq!(codes_of(store, search("duc")).await, [4, 3]);
    assert_eq!(codes_of(store, search("260302-0005")).await, [5]);
    assert_eq!(
        codes_of(store, search("anh nguyen")).await,
        [2],
        "words in any order"
    );
    assert_eq!(
        codes_of(store, search("nguyen binh")).await,
        Vec::<u16>::new(),
        "every word"
    );
    assert_eq!(codes_of(store, search("%")).await, Vec::<u16>::new());
    assert_eq!(codes_of(store, search("_")).await, Vec::<u16>::new());
}

/// Counts by status, and every code in order a page at a time.
pub async fn counts_by_status_and_codes_in_order(store: &dyn Store) {
    seven_dossiers(store).await;
    let mut counts = store.count_by_status(None).await.unwrap();
    counts.sort_unstable();
    assert_eq!(counts, [(1, 1), (2, 1), (4, 3), (5, 1), (9, 1)]);
    let units = ["phuong-b".to_owned(), "phuong-c".to_owned()];
    assert_eq!(
        store.count_by_status(Some(&units)).await.unwrap(),
        [(1, 1), (4, 2), (5, 1)]
    );
    assert_eq!(store.count_by_status(Some(&[])).await.unwrap(), []);
    let first = store.dossier_codes(None, 4).await.unwrap();
    let rest = store
        .dossier_codes(first.last().map(String::as_str), 4)
        .await
        .unwrap();
    let all: Vec<String> = (1..=7).map(|n| code(n).to_string()).collect();
    assert_eq!([first, rest].concat(), all);
}

/// Unknown dossiers and accounts are not found; empty lists are empty.
pub async fn unknown_things_are_not_found(store: &dyn Store) {
    assert!(matches!(
        store.events("H29.01-260302-0042").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.dossier("H29.01-260302-0042").await,
        Err(StoreError::NotFound)
    ));
    assert!(store.procedures().await.unwrap().is_empty());
    assert!(store.outbox_pending(10).await.unwrap().is_empty());
    assert!(store.dossier_codes(None, 10).await.unwrap().is_empty());
}

/// A file reads back byte for byte (every byte value, and a few megabytes); storing the same
/// hash again keeps the first; an unknown hash is not found.
pub async fn files_are_stored_once_by_their_hash(store: &dyn Store) {
    use crate::FileBlob;
    let all_bytes: Vec<u8> = (0..=255u8).cycle().take(3 * 1024 * 1024 + 7).collect();
    let scan = FileBlob {
        sha256: "a".repeat(64),
        content_type: "application/pdf".into(),
        bytes: all_bytes.clone(),
    };
    store.put_file(&scan).await.unwrap();
    let again = FileBlob {
        bytes: b"other bytes".to_vec(),
        ..scan.clone()
    };
    store.put_file(&again).await.unwrap();
    let read = store.file(&scan.sha256).await.unwrap();
    assert_eq!(read.content_type, "application/pdf");
    assert_eq!(read.bytes.len(), all_bytes.len());
    assert!(
        read.bytes == all_bytes,
        "the first file is kept, byte for byte"
    );
    let empty = FileBlob {
        sha256: "b".repeat(64),
        content_type: "image/png".into(),
        bytes: Vec::new(),
    };
    store.put_file(&empty).await.unwrap();
    assert_eq!(store.file(&empty.sha256).await.unwrap(), empty);
    assert!(matches!(
        store.file(&"c".repeat(64)).await,
        Err(StoreError::NotFound)
    ));
}

/// Quotes, SQL and HTML in stored text come back exactly as written.
pub async fn metacharacters_are_stored_verbatim(store: &dyn Store) {
    let nasty = "O'Brien\"; DROP TABLE dossiers; -- <script>alert('x')</script> 100% _ \\";
    store
        .append(new_dossier(1, nasty, "2026-03-02T08:00:00+07:00"))
        .await
        .unwrap();
    let row = store.dossier(&code(1).to_string()).await.unwrap();
    assert_eq!(row.applicant_name, nasty);
    let events = store.events(&code(1).to_string()).await.unwrap();
    match &events[0].event.kind {
        EventKind::Received {
            intake: Some(i), ..
        } => assert_eq!(i.applicant.name, nasty),
        other => panic!("unexpected {other:?}"),
    }
    let search = DossierFilter {
        text: Some(normalize("drop table")),
        ..DossierFilter::default()
    };
    assert_eq!(codes_of(store, search).await, [1]);
    assert_eq!(store.count_by_status(None).await.unwrap(), [(2, 1)]);
}

/// An imported history: `n`'s receipt and one step, with the instants they were recorded.
fn imported(n: u16) -> (Vec<StoredEvent>, DossierRow) {
    let received = new_dossier(n, "Lê Thị Riêng", "2026-03-02T08:00:00+07:00");
    let step = next_step(n, 1, "2026-03-02T09:00:00+07:00");
    let events = vec![
        StoredEvent {
            seq: 1,
            recorded_at: 1_772_413_200,
            event: received.events[0].clone(),
        },
        StoredEvent {
            seq: 2,
            recorded_at: 1_772_416_800,
            event: step.events[0].clone(),
        },
    ];
    (events, step.projection)
}

/// A bulk load into an empty store may leave its indexes to the end: everything reads the
/// same without them and after them, a stored dossier forbids it, and building them twice
/// (several nodes opening the store) is harmless.
pub async fn indexes_left_to_the_end_of_a_bulk_load_change_no_answer(store: &dyn Store) {
    assert!(store.defer_indexes().await.unwrap(), "an empty store");
    let batch = ImportBatch {
        dossiers: (1..=3).map(imported).collect(),
        ..ImportBatch::default()
    };
    store.import(&batch).await.unwrap();
    let read = || async {
        let mut all = Vec::new();
        for (_, row) in &batch.dossiers {
            all.push((
                store.events(&row.code).await.unwrap(),
                store.dossier(&row.code).await.unwrap(),
            ));
        }
        let listed = store
            .list_dossiers(&DossierFilter::default(), None, 10)
            .await
            .unwrap()
            .items;
        (all, listed)
    };
    let without = read().await;
    assert_eq!(without.1.len(), 3);
    for ((events, row), (stored, read)) in batch.dossiers.iter().zip(&without.0) {
        assert_eq!((events, row), (stored, read));
    }
    assert!(!store.defer_indexes().await.unwrap(), "dossiers are stored");
    store.build_indexes().await.unwrap();
    store.build_indexes().await.unwrap();
    assert_eq!(read().await, without);
    // The log still refuses a second event at the same place.
    let again = new_dossier(1, "Trần Văn Bình", "2026-03-02T08:00:00+07:00");
    assert!(matches!(
        store.append(again).await,
        Err(StoreError::Conflict { .. })
    ));
}

/// An import batch writes every history, its projection, the frozen procedure versions, the
/// code sequences and the checkpoint, and no outbox message.
pub async fn an_import_batch_writes_whole_histories_at_once(store: &dyn Store) {
    store.insert_procedure(&procedure(1)).await.unwrap();
    assert_eq!(store.import_checkpoint("file-a").await.unwrap(), None);
    let batch = ImportBatch {
        dossiers: (1..=3).map(imported).collect(),
        freeze: vec![procedure_ref()],
        sequences: vec![("H29.01".into(), "2026-03-02".into(), 3)],
        checkpoint: Some(("file-a".into(), 42)),
    };
    store.import(&batch).await.unwrap();
    for (events, row) in &batch.dossiers {
        assert_eq!(&store.events(&row.code).await.unwrap(), events);
        assert_eq!(&store.dossier(&row.code).await.unwrap(), row);
    }
    assert_eq!(store.import_checkpoint("file-a").await.unwrap(), Some(42));
    assert!(store.procedure_in_use(&procedure_ref()).await.unwrap());
    assert!(store.outbox_pending(100).await.unwrap().is_empty());
    // New dossiers of that unit and day continue after the imported numbers.
    assert_eq!(
        store
            .next_dossier_sequence("H29.01", date(2026, 3, 2))
            .await
            .unwrap(),
        4
    );
    // A lower number imported later does not move the sequence back.
    let batch = ImportBatch {
        sequences: vec![("H29.01".into(), "2026-03-02".into(), 2)],
        checkpoint: Some(("file-a".into(), 50)),
        ..ImportBatch::default()
    };
    store.import(&batch).await.unwrap();
    assert_eq!(store.import_checkpoint("file-a").await.unwrap(), Some(50));
    assert_eq!(
        store
            .next_dossier_sequence("H29.01", date(2026, 3, 2))
            .await
            .unwrap(),
        5
    );
}

/// A batch holding a dossier that is already stored is refused whole: not even its other
/// dossiers or its checkpoint are written.
pub async fn an_import_batch_with_a_stored_dossier_writes_nothing(store: &dyn Store) {
    store
        .append(new_dossier(2, "A", "2026-03-02T08:00:00+07:00"))
        .await
        .unwrap();
    let batch = ImportBatch {
        dossiers: (1..=3).map(imported).collect(),
        checkpoint: Some(("file-b".into(), 7)),
        ..ImportBatch::default()
    };
    match store.import(&batch).await {
        Err(StoreError::Duplicate(_)) => {}
        other => panic!("expected a duplicate, got {other:?}"),
    }
    assert!(matches!(
        store.events(&code(1).to_string()).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.events(&code(2).to_string()).await.unwrap().len(), 1);
    assert_eq!(store.import_checkpoint("file-b").await.unwrap(), None);
}

/// Pages of events follow dossier codes, then sequence numbers, without gaps or repeats.
pub async fn events_page_through_every_dossier_in_order(store: &dyn Store) {
    let batch = ImportBatch {
        dossiers: [3, 1, 2].into_iter().map(imported).collect(),
        ..ImportBatch::default()
    };
    store.import(&batch).await.unwrap();
    let mut seen = Vec::new();
    let mut after: Option<(String, u64)> = None;
    loop {
        let page = store
            .events_page(after.as_ref().map(|(c, s)| (c.as_str(), *s)), 4)
            .await
            .unwrap();
        let Some((c, e)) = page.last() else { break };
        after = Some((c.clone(), e.seq));
        seen.extend(page.into_iter().map(|(c, e)| (c, e.seq)));
    }
    let expected: Vec<(String, u64)> = (1..=3)
        .flat_map(|n| [(code(n).to_string(), 1), (code(n).to_string(), 2)])
        .collect();
    assert_eq!(seen, expected);
}
