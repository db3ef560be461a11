//! Black-box tests of the `motcua` binary: real process, real files, real exit codes.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

fn motcua(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("UTF-8 errors")
}

/// Writes a file into this test binary's scratch directory.
fn file(contents: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!(
        "calendar-{}-{}.toml",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, contents).unwrap();
    path
}

const ISSUE_CALENDAR: &str = r#"
timezone = "Asia/Ho_Chi_Minh"
sessions = ["07:30-11:30", "13:00-17:00"]   # every working day
weekend = ["saturday", "sunday"]
holidays = ["2024-02-08", "2024-02-09"]      # days off
working_days = ["2024-05-04"]               # compensatory working days (làm bù)
"#;

/// Runs `motcua deadline` with whitespace-separated arguments.
fn deadline(calendar: Option<&PathBuf>, args: &str) -> Output {
    let mut all = vec!["deadline".to_owned()];
    if let Some(c) = calendar {
        all.extend(["--calendar".to_owned(), c.display().to_string()]);
    }
    all.extend(args.split_whitespace().map(str::to_owned));
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    motcua(&refs)
}

fn due(calendar: Option<&PathBuf>, args: &str) -> String {
    let o = deadline(calendar, args);
    assert!(o.status.success(), "{args} failed: {}", stderr(&o));
    stdout(&o)
}

#[test]
fn the_issue_example_prints_one_rfc3339_line() {
    let cal = file(ISSUE_CALENDAR);
    let args = "--start 2024-02-07T16:10:00+07:00 --limit 3 --unit working-days";
    // With only 8 and 9 February off in the file: 50 min, then 12, 13 and 14 February.
    assert_eq!(due(Some(&cal), args), "2024-02-14T16:10:00+07:00\n");
    // With the official calendar (the whole of Tết, 8–14 February, off).
    assert_eq!(due(None, args), "2024-02-19T16:10:00+07:00\n");
}

#[test]
fn every_unit_is_accepted() {
    let cal = file(ISSUE_CALENDAR);
    let run = |limit: &str| {
        due(
            Some(&cal),
            &format!("--start 2024-03-01T16:00:00+07:00 {limit}"),
        )
    };
    assert_eq!(
        run("--limit 2 --unit working-hours"),
        "2024-03-04T08:30:00+07:00\n"
    );
    assert_eq!(
        run("--limit 1 --unit working-days"),
        "2024-03-04T16:00:00+07:00\n"
    );
    // 1/3 + 8 days = Saturday 9/3 → Monday 11/3 at the same time.
    assert_eq!(
        run("--limit 8 --unit calendar-days"),
        "2024-03-11T16:00:00+07:00\n"
    );
    assert_eq!(
        run("--limit 1 --unit months"),
        "2024-04-01T16:00:00+07:00\n"
    );
    assert_eq!(
        run("--limit 0 --unit working-hours"),
        "2024-03-01T16:00:00+07:00\n"
    );
}

#[test]
fn the_result_is_in_the_calendars_offset_whatever_the_input_offset() {
    let cal = file(ISSUE_CALENDAR);
    let out = due(
        Some(&cal),
        "--start 2024-03-01T09:00:00Z --limit 1 --unit working-hours",
    );
    // 09:00 UTC is 16:00 in Hồ Chí Minh City; one working hour ends with the session.
    assert_eq!(out, "2024-03-01T17:00:00+07:00\n");
}

#[test]
fn pauses_remove_working_time() {
    let cal = file(ISSUE_CALENDAR);
    let out = due(
        Some(&cal),
        "--start 2024-03-04T07:30:00+07:00 --limit 1 --unit working-days \
         --pause 2024-03-04T09:00:00+07:00/2024-03-06T09:00:00+07:00",
    );
    assert_eq!(out, "2024-03-06T17:00:00+07:00\n");
}

#[test]
fn explain_prints_the_breakdown_after_the_due_line() {
    let out = due(
        None,
        "--start 2024-02-07T16:10:00+07:00 --limit 3 --unit working-days --explain",
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "2024-02-19T16:10:00+07:00");
    assert!(
        lines[1].starts_with("limit: 3 working days (3 ngày làm việc) = 24h00m of working time")
    );
    assert!(
        lines.contains(&"  2024-02-12 Mon  skipped: day off (Tết Nguyên đán)"),
        "{out}"
    );
    assert!(
        lines.contains(&"  2024-02-19 Mon  counted 13:00-16:10 (3h10m; total 24h00m)"),
        "{out}"
    );
    assert_eq!(lines.last(), Some(&"due: 2024-02-19T16:10:00+07:00"));
}

#[test]
fn a_unit_variant_of_the_calendar_applies_with_for_unit() {
    let cal = file(&format!(
        "{ISSUE_CALENDAR}\n[units.\"000.00.12.H29\"]\nsessions = [\"07:30-12:00\", \"13:00-16:30\"]\n"
    ));
    let args = "--start 2024-03-04T16:00:00+07:00 --limit 1 --unit working-hours";
    assert_eq!(due(Some(&cal), args), "2024-03-04T17:00:00+07:00\n");
    let with_unit = format!("{args} --for-unit 000.00.12.H29");
    assert_eq!(due(Some(&cal), &with_unit), "2024-03-05T08:00:00+07:00\n");
    assert_one_error_line(
        &deadline(Some(&cal), &format!("{args} --for-unit 000.00.13.H29")),
        "the calendar has no variant for unit 000.00.13.H29 (it has: 000.00.12.H29)",
    );
}

/// Bad input: exactly one line on standard error, starting with `error: `, nothing on
/// standard output, and exit status 2.
fn assert_one_error_line(o: &Output, expected: &str) {
    let err = stderr(o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "exit status for {expected:?}; stderr: {err}"
    );
    assert_eq!(stdout(o), "", "nothing on stdout for {expected:?}");
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    assert!(err.starts_with("error: "), "{err:?}");
    assert!(
        err.contains(expected),
        "{err:?} should contain {expected:?}"
    );
}

#[test]
fn bad_input_gives_one_clear_error_line_and_a_non_zero_exit() {
    const OK: &str = "--start 2024-03-04T08:00:00+07:00 --limit 3 --unit working-days";
    let with = |extra: &str| format!("{OK} {extra}");

    let malformed = file("sessions = [\"07:30-11:30\"\nweekend = [\"saturday\"]\n");
    assert_one_error_line(&deadline(Some(&malformed), OK), "line 2, column 1:");
    let overlapping = file("sessions = [\"07:30-11:30\", \"11:00-13:00\"]\n");
    assert_one_error_line(
        &deadline(Some(&overlapping), OK),
        "line 1, column 12: sessions 07:30-11:30 and 11:00-13:00 overlap",
    );
    let bad_date = file("holidays = [\"2024-02-30\"]\n");
    assert_one_error_line(
        &deadline(Some(&bad_date), OK),
        "invalid date \"2024-02-30\"",
    );
    // Each case changes one argument of OK.
    assert_one_error_line(
        &deadline(
            None,
            "--start 2024-03-04T08:00:00+07:00 --limit 3 --unit fortnights",
        ),
        "unknown time unit \"fortnights\": expected working-hours, working-days, calendar-days or months",
    );
    assert_one_error_line(
        &deadline(
            None,
            "--start 2024-03-04T08:00:00+07:00 --limit -3 --unit working-days",
        ),
        "the time limit must not be negative, got -3",
    );
    assert_one_error_line(
        &deadline(
            None,
            "--start 2024-03-04T08:00:00+07:00 --limit three --unit working-days",
        ),
        "invalid value 'three' for '--limit",
    );
    assert_one_error_line(
        &deadline(None, "--start 2024-03-04 --limit 3 --unit working-days"),
        "expected RFC 3339 with an offset, e.g. 2024-02-07T16:10:00+07:00",
    );
    assert_one_error_line(
        &deadline(
            None,
            &with("--pause 2024-03-05T09:00:00+07:00/2024-03-04T09:00:00+07:00"),
        ),
        "the pause ends before it starts",
    );
    assert_one_error_line(
        &deadline(None, &with("--pause 2024-03-05T09:00:00+07:00")),
        "expected FROM/TO",
    );
    let missing = PathBuf::from("/nonexistent/calendar.toml");
    assert_one_error_line(
        &deadline(Some(&missing), OK),
        "cannot read /nonexistent/calendar.toml",
    );
    assert_one_error_line(
        &deadline(None, "--limit 3 --unit working-days"),
        "the following required arguments were not provided: --start <START>",
    );
    assert_one_error_line(
        &deadline(None, &with("--frobnicate")),
        "unexpected argument '--frobnicate'",
    );
    assert_one_error_line(
        &deadline(None, &with("--for-unit not.a.code!")),
        "invalid unit code \"not.a.code!\"",
    );
    assert_one_error_line(
        &deadline(
            None,
            "--start 2024-03-04T08:00:00+07:00 --limit 100001 --unit working-hours",
        ),
        "a time limit of 100001 working-hours is too long",
    );
}

#[test]
fn calendar_check_summarises_a_good_file_and_refuses_a_bad_one() {
    let o = motcua(&["calendar", "check"]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.contains("years listed: 2024–2026"), "{out}");
    assert!(out.ends_with("ok\n"));
    let bad = file("weekend = [\"caturday\"]\n");
    assert_one_error_line(
        &motcua(&["calendar", "check", &bad.display().to_string()]),
        "unknown weekday \"caturday\"",
    );
}

#[test]
fn the_tour_shows_the_demo_province_and_its_dossiers() {
    let o = motcua(&["tour"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Sở Tư pháp"));
    assert!(out.contains("verdict: late (Quá hạn)"));
    assert!(out.contains("control sheet (phiếu kiểm soát, form 06):"));
    assert_one_error_line(&motcua(&["tour", "--at", "yesterday"]), "expected RFC 3339");
}

#[test]
fn help_goes_to_stdout_with_success() {
    let o = motcua(&["deadline", "--help"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("--unit <UNIT>"));
}

#[test]
fn the_demo_has_dossiers_in_every_status_whatever_the_hour() {
    // A Wednesday morning, and a Sunday night when no desk is open.
    for now in ["2026-03-04T10:00:00+07:00", "2026-03-08T23:30:00+07:00"] {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "demo-{}-{}",
            std::process::id(),
            &now[..10]
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let data_dir = dir.display().to_string();
        let o = motcua(&[
            "demo",
            "--data-dir",
            &data_dir,
            "--now",
            now,
            "--sqlite-sync",
            "normal",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = stdout(&o);
        let line = out
            .lines()
            .find_map(|l| l.strip_prefix("dossiers by status: "))
            .unwrap_or_else(|| panic!("no status line in {out}"));
        let statuses: Vec<u8> = line
            .split(", ")
            .map(|kv| kv.split(':').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(statuses, (1..=10).collect::<Vec<u8>>(), "at {now}: {line}");
        let verify = motcua(&["verify", "--data-dir", &data_dir]);
        assert!(verify.status.success(), "{}", stdout(&verify));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
