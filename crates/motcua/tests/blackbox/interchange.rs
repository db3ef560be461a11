//! `motcua export` and `motcua import` on real files and real stores: round trips, an
//! interrupted import resumed, and every kind of bad file reported with its line, leaving
//! what was imported intact.

use std::path::{Path, PathBuf};
use std::process::Output;

use motcua_store_postgres::testing::{TestDatabase, server_url};

use crate::support::{Scratch, motcua};

fn scratch(name: &str) -> Scratch {
    Scratch::new(&format!("interchange-{name}"))
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn sqlite(dir: &Path, name: &str) -> String {
    format!("sqlite://{}", dir.join(name).display())
}

/// A demo province with 150 dossiers, exported; returns the database and the file.
fn exported_demo(dir: &Path) -> (String, PathBuf) {
    let db = sqlite(dir, "source.sqlite");
    let o = motcua(&[
        "demo",
        "--database",
        &db,
        "--dossiers",
        "150",
        "--now",
        "2026-03-04T10:00:00+07:00",
        "--sqlite-sync",
        "normal",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let file = dir.join("source.jsonl");
    export(&db, &file);
    (db, file)
}

fn export(db: &str, file: &Path) {
    let o = motcua(&[
        "export",
        "--database",
        db,
        "--out",
        &file.display().to_string(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
}

fn import(db: &str, file: &Path, extra: &[&str]) -> Output {
    let file = file.display().to_string();
    let mut args = vec!["import", "--database", db, file.as_str()];
    args.extend_from_slice(extra);
    motcua(&args)
}

fn verify_ok(db: &str) -> String {
    let o = motcua(&["verify", "--database", db]);
    assert!(o.status.success(), "{}", text(&o));
    text(&o)
}

#[test]
fn export_import_export_gives_the_same_file_on_both_stores() {
    let dir = scratch("round-trip");
    let (_, source) = exported_demo(&dir);
    let copy = sqlite(&dir, "copy.sqlite");
    let o = import(&copy, &source, &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("150 imported"), "{}", text(&o));
    assert!(
        text(&o).contains("planner statistics refreshed in"),
        "{}",
        text(&o)
    );
    // Into an empty store the indexes were built at the end.
    assert!(text(&o).contains("indexes built in"), "{}", text(&o));
    assert!(verify_ok(&copy).contains("150 dossiers"));
    let again = dir.join("again.jsonl");
    export(&copy, &again);
    assert!(
        std::fs::read(&source).unwrap() == std::fs::read(&again).unwrap(),
        "export → import → export changed the file"
    );
    // And through PostgreSQL.
    let Some(server) = server_url() else { return };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let pg = rt.block_on(TestDatabase::create(&server));
    let o = import(pg.url(), &source, &["--batch", "40"]);
    assert!(o.status.success(), "{}", text(&o));
    verify_ok(pg.url());
    // Read again from the top: every batch meets its dossiers stored, and each is found
    // stored with the same events.
    let o = import(pg.url(), &source, &["--batch", "40", "--restart"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("dossiers: 0 imported (0 events), 150 already stored, 0 rejected"),
        "{}",
        text(&o)
    );
    // Nothing was written, so the statistics are left as they are; the store was not
    // empty, so its indexes were kept up.
    assert!(!text(&o).contains("planner statistics"), "{}", text(&o));
    assert!(!text(&o).contains("indexes built"), "{}", text(&o));
    let from_pg = dir.join("from-pg.jsonl");
    export(pg.url(), &from_pg);
    assert!(
        std::fs::read(&source).unwrap() == std::fs::read(&from_pg).unwrap(),
        "SQLite → PostgreSQL → export changed the file"
    );
    drop(pg);
}

/// Uploads travel with their dossiers: exported once each, before the event that names them,
/// imported after checking their hash and type, and exported again byte for byte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_travel_with_their_dossiers() {
    let dir = scratch("files");
    let s =
        crate::support::Server::start(crate::support::Backend::Sqlite, "2026-03-02T07:00:00+07:00")
            .await
            .unwrap();
    let scan = b"%PDF-1.4\n% giay chung sinh\n".to_vec();
    for name in ["Ngô Bảo Châu", "Ngô Bảo Long"] {
        let form = reqwest::multipart::Form::new()
            .text("unit", "phuong-ben-thanh")
            .text("name", name)
            .text("phone", "0909000111")
            .text("tp-0", "1")
            // The same scan twice: stored and exported once.
            .part(
                "file-1",
                reqwest::multipart::Part::bytes(scan.clone()).file_name("gcs.pdf"),
            );
        let r = s
            .client
            .post(format!("{}/thu-tuc/1.001193/nop-ho-so", s.url))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::OK);
    }
    let source = dir.join("with-files.jsonl");
    export(&s.database, &source);
    let content = std::fs::read_to_string(&source).unwrap();
    let lines: Vec<&str> = content.lines().collect();
    let files: Vec<usize> = (0..lines.len())
        .filter(|i| lines[*i].starts_with("{\"file\":"))
        .collect();
    assert_eq!(files.len(), 1, "once");
    let first_event = lines
        .iter()
        .position(|l| l.starts_with("{\"event\":"))
        .unwrap();
    assert_eq!(
        files[0] + 1,
        first_event,
        "just before the first event that names it"
    );
    let copy = sqlite(&dir, "copy.sqlite");
    let o = import(&copy, &source, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let again = dir.join("again.jsonl");
    export(&copy, &again);
    assert!(
        std::fs::read(&source).unwrap() == std::fs::read(&again).unwrap(),
        "export → import → export changed the file"
    );
    // A file whose bytes do not hash to its name is refused, with its line.
    let bad: Vec<String> = lines
        .iter()
        .map(|l| {
            if l.starts_with("{\"file\":") {
                l.replace("\"data\":\"", "\"data\":\"QUJD")
            } else {
                (*l).to_owned()
            }
        })
        .collect();
    let bad_file = dir.join("bad.jsonl");
    std::fs::write(&bad_file, bad.join("\n") + "\n").unwrap();
    let o = import(&sqlite(&dir, "bad.sqlite"), &bad_file, &[]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains(&format!("line {}: file", files[0] + 1)) && text(&o).contains("hash to"),
        "{}",
        text(&o)
    );
}

#[test]
fn an_interrupted_import_resumes_and_writes_nothing_twice() {
    let dir = scratch("resume");
    let (_, source) = exported_demo(&dir);
    let db = sqlite(&dir, "target.sqlite");
    let o = motcua_with_env(
        &[
            "import",
            "--database",
            &db,
            &source.display().to_string(),
            "--batch",
            "20",
        ],
        ("MOTCUA_IMPORT_CRASH_AFTER_BATCHES", "3"),
    );
    assert!(!o.status.success(), "the import was to crash: {}", text(&o));
    // Three batches of twenty are stored, and consistent.
    assert!(
        verify_ok(&db).contains(": 60 dossiers"),
        "{}",
        verify_ok(&db)
    );
    let o = import(&db, &source, &["--batch", "20"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("resumed at line"), "{out}");
    assert!(out.contains("dossiers: 90 imported"), "{out}");
    let again = dir.join("again.jsonl");
    export(&db, &again);
    assert!(std::fs::read(&source).unwrap() == std::fs::read(&again).unwrap());
    // Importing it once more changes nothing.
    let o = import(&db, &source, &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("dossiers: 0 imported"), "{}", text(&o));
}

fn motcua_with_env(args: &[&str], (k, v): (&str, &str)) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .env(k, v)
        .output()
        .unwrap()
}

/// The lines of a file, and the first dossier with at least four events: (index of its
/// first line, number of events, code).
fn lines_and_a_dossier(file: &Path) -> (Vec<Vec<u8>>, usize, usize, String) {
    let bytes = std::fs::read(file).unwrap();
    let lines: Vec<Vec<u8>> = bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
    let event = |i: usize| -> Option<serde_json::Value> {
        let v: serde_json::Value = serde_json::from_slice(lines.get(i)?).ok()?;
        v.get("event").cloned()
    };
    for i in 0..lines.len() {
        if let Some(e) = event(i)
            && e["seq"] == 1
        {
            let n = (i..lines.len())
                .take_while(|j| event(*j).is_some_and(|x| x["dossier"] == e["dossier"]))
                .count();
            if n >= 4 {
                return (lines, i, n, e["dossier"].as_str().unwrap().to_owned());
            }
        }
    }
    panic!("no dossier with four events");
}

/// Replaces the end record so that it counts the lines right.
fn with_end(mut lines: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    lines.pop();
    lines.push(format!("{{\"end\":{{\"lines\":{}}}}}", lines.len()).into_bytes());
    lines
}

#[test]
fn bad_files_are_reported_by_line_and_corrupt_nothing() {
    let dir = scratch("bad");
    let (_, source) = exported_demo(&dir);
    let (lines, i, n, code) = lines_and_a_dossier(&source);
    let bytes = std::fs::read(&source).unwrap();
    let line = |k: usize| k + 1;
    let mut cases: Vec<(&str, Vec<u8>, String, u64)> = Vec::new();
    // (name, file, expected report text, dossiers expected to be stored)
    let all = 150;
    {
        let mut l = lines.clone();
        l.insert(i + 2, lines[i + 1].clone());
        let mut f = with_end(l).join(&b'\n');
        f.push(b'\n');
        cases.push((
            "duplicate",
            f,
            format!(
                "line {}: dossier {code}: duplicate event: seq 2 appears twice",
                line(i + 2)
            ),
            all - 1,
        ));
    }
    {
        let mut l = lines.clone();
        l.swap(i + 1, i + 2);
        let mut f = l.join(&b'\n');
        f.push(b'\n');
        cases.push((
            "out-of-order",
            f,
            format!(
                "line {}: dossier {code}: events out of order: seq 3 where 2 was expected",
                line(i + 1)
            ),
            all - 1,
        ));
    }
    {
        let mut l = lines.clone();
        let text = String::from_utf8(l[i].clone()).unwrap();
        let start = text.find("\"procedure\":{\"code\":\"").unwrap() + 21;
        let end = start + text[start..].find('"').unwrap();
        l[i] = format!("{}9.999999{}", &text[..start], &text[end..]).into_bytes();
        let mut f = l.join(&b'\n');
        f.push(b'\n');
        cases.push(("unknown-procedure", f, format!("line {}: dossier {code}: refused by the lifecycle rules: unknown procedure version 9.999999", line(i)), all - 1));
    }
    {
        let mut l = lines.clone();
        l[i + 2].splice(40..42, [0xff, 0xfe]);
        let mut f = l.join(&b'\n');
        f.push(b'\n');
        cases.push((
            "invalid-utf8",
            f,
            format!(
                "line {}: not valid UTF-8 (byte 41 of the line)",
                line(i + 2)
            ),
            all - 1,
        ));
    }
    {
        // The events of one dossier split in two places.
        let mut l = lines.clone();
        let moved = l.remove(i + n - 1);
        let last = l.len() - 1;
        l.insert(last, moved);
        let mut f = l.join(&b'\n');
        f.push(b'\n');
        cases.push((
            "not-together",
            f,
            format!("dossier {code}: its events are not together"),
            all - 1,
        ));
    }
    {
        // Cut in the middle of the dossier's third event.
        let upto: usize = lines[..i + 2].iter().map(|l| l.len() + 1).sum::<usize>() + 30;
        // Every dossier before the cut one is stored; the cut one is not.
        let before = lines[..i]
            .iter()
            .filter(|l| l.starts_with(b"{\"event\"") && l.windows(8).any(|w| w == b"\"seq\":1,"))
            .count() as u64;
        cases.push((
            "truncated",
            bytes[..upto].to_vec(),
            "the file ends without its end record".into(),
            before,
        ));
    }
    for (name, file, expected, stored) in cases {
        let path = dir.join(format!("{name}.jsonl"));
        std::fs::write(&path, &file).unwrap();
        let db = sqlite(&dir, &format!("{name}.sqlite"));
        let o = import(&db, &path, &[]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(1), "{name}: {out}");
        assert!(
            out.contains(&expected),
            "{name}: expected {expected:?} in:\n{out}"
        );
        let verified = verify_ok(&db);
        assert!(
            verified.contains(&format!(": {stored} dossiers")),
            "{name}: {verified}"
        );
        // The corrected file then imports the rest, and only the rest.
        let o = import(&db, &source, &[]);
        assert!(o.status.success(), "{name}, corrected: {}", text(&o));
        assert!(
            verify_ok(&db).contains(&format!(": {all} dossiers")),
            "{name}"
        );
        let again = dir.join(format!("{name}-again.jsonl"));
        export(&db, &again);
        assert!(
            std::fs::read(&source).unwrap() == std::fs::read(&again).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn a_damaged_end_record_refuses_the_whole_file() {
    let dir = scratch("end");
    let (_, source) = exported_demo(&dir);
    let (lines, i, _, _) = lines_and_a_dossier(&source);
    let end = lines.last().unwrap().clone();
    let mut missing = lines.clone();
    missing.remove(i + 1);
    let mut early = lines.clone();
    early.insert(i + 1, end);
    for (name, l, expected) in [
        (
            "count",
            missing,
            "lines are missing or were added; nothing was imported",
        ),
        ("middle", early, "an end record before the last line"),
    ] {
        let path = dir.join(format!("{name}.jsonl"));
        let mut f = l.join(&b'\n');
        f.push(b'\n');
        std::fs::write(&path, f).unwrap();
        let db = sqlite(&dir, &format!("{name}.sqlite"));
        let o = import(&db, &path, &[]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", text(&o));
        assert!(text(&o).contains(expected), "{name}: {}", text(&o));
        let o = motcua(&["verify", "--database", &db]);
        assert!(text(&o).contains(": 0 dossiers"), "{name}: {}", text(&o));
    }
}

#[test]
fn a_file_that_is_not_an_interchange_file_is_refused_at_once() {
    let dir = scratch("not-a-file");
    let db = sqlite(&dir, "empty.sqlite");
    for (content, expected) in [
        ("", "the file is empty"),
        ("hello\n", "line 1: not a valid record"),
        ("{\"unit\":{}}\n", "line 1: "),
        (
            "{\"header\":{\"format\":\"motcua-interchange\",\"version\":9,\"id\":\"x\",\"as_of\":\"2026-01-01T00:00:00Z\"}}\n",
            "version 9, but this motcua reads motcua-interchange version 1",
        ),
    ] {
        let path = dir.join("f.jsonl");
        std::fs::write(&path, content).unwrap();
        let o = import(&db, &path, &[]);
        assert_eq!(o.status.code(), Some(2), "{content:?}: {}", text(&o));
        assert!(text(&o).contains(expected), "{content:?}: {}", text(&o));
    }
}
