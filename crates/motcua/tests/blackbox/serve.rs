//! `motcua serve` as an operator runs it: settings from the environment and a config file,
//! JSON logs, and a graceful stop that lets requests in flight finish.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Scratch, applicant, motcua};

fn scratch(name: &str) -> Scratch {
    Scratch::new(&format!("serve-{name}"))
}

/// Starts `motcua serve` with `args` and `env`; returns it with its address and the reader
/// of its standard error.
fn serve(
    args: &[&str],
    env: &[(&str, &str)],
) -> (Child, String, BufReader<std::process::ChildStderr>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_motcua"));
    cmd.arg("serve")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("the server starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let deadline = Instant::now() + Duration::from_mins(1);
    let addr = loop {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "the server stopped");
        if let Some(url) = line.trim().strip_prefix("motcua listening on http://") {
            break url.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "the server never said where it listens"
        );
    };
    let logs = BufReader::new(child.stderr.take().unwrap());
    (child, addr, logs)
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn settings_come_from_the_environment_and_a_config_file() {
    let dir = scratch("config");
    let db = dir.join("from-config.sqlite");
    let config = dir.join("motcua.toml");
    std::fs::write(
        &config,
        format!(
            "database = \"sqlite://{}\"\nlog_format = \"json\"\n",
            db.display()
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let (mut child, addr, mut logs) = serve(
        &[],
        &[
            ("MOTCUA_CONFIG", config.as_str()),
            ("MOTCUA_LISTEN", "127.0.0.1:0"),
            ("MOTCUA_LOG", "info"),
        ],
    );
    assert!(get(&addr, "/readyz").starts_with("HTTP/1.1 200"));
    assert!(db.is_file(), "the database named in the config file");
    sigterm(&child);
    assert!(wait_exit(&mut child).success());
    let mut text = String::new();
    logs.read_to_string(&mut text).unwrap();
    let first = text.lines().next().expect("a log line");
    let line: serde_json::Value =
        serde_json::from_str(first).unwrap_or_else(|e| panic!("{e}: not JSON: {first}"));
    assert!(
        line["level"].is_string() && line["timestamp"].is_string(),
        "{line}"
    );
    assert!(text.contains("shutting down"), "{text}");
    // A setting the file does not know is refused, with its name.
    std::fs::write(dir.join("bad.toml"), "listne = \"127.0.0.1:0\"\n").unwrap();
    let o = motcua(&[
        "serve",
        "--config",
        &dir.join("bad.toml").display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("listne"));
}

/// A demo province with `dossiers` dossiers in a fresh SQLite file, served on a free port:
/// the scratch directory, the database, the server and its address.
fn demo_server(
    name: &str,
    dossiers: u32,
) -> (
    Scratch,
    String,
    Child,
    String,
    BufReader<std::process::ChildStderr>,
) {
    let dir = scratch(name);
    let database = format!("sqlite://{}", dir.join("motcua.sqlite").display());
    let n = dossiers.to_string();
    let setup = motcua(&["demo", "--database", &database, "--dossiers", &n]);
    assert!(
        setup.status.success(),
        "{}",
        String::from_utf8_lossy(&setup.stderr)
    );
    let (child, addr, logs) = serve(
        &["--database", &database, "--listen", "127.0.0.1:0"],
        &[("MOTCUA_LOG", "error")],
    );
    (dir, database, child, addr, logs)
}

#[test]
fn a_request_in_flight_finishes_after_sigterm() {
    let (_dir, database, mut child, addr, _logs) = demo_server("graceful", 0);
    // An online submission whose body is still arriving when the server is told to stop.
    let body = serde_json::json!({
        "procedure_code": "1.001193",
        "unit": "phuong-ben-thanh",
        "applicant": applicant("Trương Định"),
        "documents": [{"component": "Giấy chứng sinh"}]
    })
    .to_string();
    let (first, rest) = body.as_bytes().split_at(body.len() / 2);
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "POST /api/v1/dossiers HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(first).unwrap();
    s.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    sigterm(&child);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "it waits for the request"
    );
    s.write_all(rest).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert!(wait_exit(&mut child).success());
    // What it answered is stored.
    let code = answer
        .split("\"code\":\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_owned();
    let (mut child, addr, _logs) = serve(
        &["--database", &database, "--listen", "127.0.0.1:0"],
        &[("MOTCUA_LOG", "error")],
    );
    assert!(get(&addr, &format!("/api/v1/public/dossiers/{code}")).starts_with("HTTP/1.1 200"));
    sigterm(&child);
    assert!(wait_exit(&mut child).success());
}

#[test]
fn the_load_driver_reads_every_page_and_reports_its_time_and_weight() {
    // Demo dossiers give the ward's desk dossiers to open.
    let (_dir, _database, mut child, addr, _logs) = demo_server("load-pages", 60);
    let target = format!("http://{addr}");
    let out = motcua(&[
        "load",
        "--target",
        &target,
        "--pages",
        "--duration",
        "2",
        "--concurrency",
        "2",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for page in [
        "page: home",
        "page: tracking",
        "page: inbox",
        "page: dossier",
        "pdf: form 01",
        "pdf: form 06",
    ] {
        let line = text
            .lines()
            .find(|l| l.starts_with(page))
            .unwrap_or_else(|| panic!("{page} missing: {text}"));
        let cells: Vec<&str> = line[page.len()..].split_whitespace().collect();
        let count: u64 = cells[0].parse().unwrap();
        let kb: f64 = cells[4].parse().unwrap();
        assert!(count > 0, "{line}");
        assert!(kb > 0.5 && kb < 100.0, "{page} weighs {kb} KB: {line}");
    }
    assert!(text.contains(" 0 errors"), "{text}");
    sigterm(&child);
    assert!(wait_exit(&mut child).success());
}

#[test]
fn the_load_driver_takes_dossiers_through_their_lives_on_a_profiles_working_day() {
    let (_dir, _database, mut child, addr, _logs) = demo_server("load", 0);
    let target = format!("http://{addr}");
    let out = motcua(&[
        "load",
        "--target",
        &target,
        "--duration",
        "4",
        "--concurrency",
        "2",
        "--rate",
        "40",
        "--profile",
        "small",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The run is one working day of the profile: more in the morning session.
    let day = text
        .lines()
        .find_map(|l| l.strip_prefix("one working day of small: "))
        .unwrap_or_else(|| panic!("{text}"));
    let multiples: Vec<f64> = day
        .split(", ")
        .map(|part| {
            let m = part
                .split(" at ")
                .nth(1)
                .unwrap()
                .trim_end_matches("× the rate");
            m.parse().unwrap()
        })
        .collect();
    assert_eq!(multiples.len(), 2, "{day}");
    assert!(multiples[0] > 1.0 && multiples[1] < 1.0, "{day}");
    let summary = text
        .lines()
        .find(|l| l.starts_with("lifecycle actions: "))
        .unwrap_or_else(|| panic!("{text}"));
    let done: u64 = summary["lifecycle actions: ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // Paced at 40 a second for 4 seconds: well above nothing, not above the rate.
    assert!((20..=170).contains(&done), "{summary}");
    assert!(summary.contains(" 0 errors"), "{summary}");
    for kind in [
        "receive (walk-in)",
        "complete-step (leader)",
        "read: inbox page",
        "read: unit's dossiers, newest page",
        "read: code lookup, year",
    ] {
        assert!(text.contains(kind), "{kind} missing: {text}");
    }
    assert!(text.contains("small's busiest day ("), "{text}");
    // Only loopback targets.
    let refused = motcua(&[
        "load",
        "--target",
        "http://192.0.2.1:8080",
        "--duration",
        "1",
    ]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("loopback"));
    sigterm(&child);
    assert!(wait_exit(&mut child).success());
}
