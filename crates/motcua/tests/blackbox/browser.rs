//! The pages in a real browser: `tests/browser/portal.mjs` drives Debian's Chromium with
//! Playwright against a real server, with axe-core for accessibility, and leaves
//! screenshots in `test-artifacts/browser/`.
//!
//! It needs Node.js, `npm ci` run in `tests/browser/` and Chromium (`.ci/run` installs
//! them); without them the test is skipped, unless `MOTCUA_TEST_BROWSER_REQUIRED` is set (as
//! in CI), when it fails.

use std::path::PathBuf;
use std::process::Command;

use crate::support::{Backend, Server};

fn browser_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// Whether the browser tools are here; says why not.
fn tools() -> Result<(), String> {
    if !browser_dir().join("node_modules/playwright-core").is_dir() {
        return Err("run `npm ci` in crates/motcua/tests/browser".into());
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !std::path::Path::new(&chromium).exists() {
        return Err(format!(
            "no Chromium at {chromium} (apt-get install chromium)"
        ));
    }
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => Ok(()),
        _ => Err("no node on PATH".into()),
    }
}

/// Runs a browser script with the server's address and its arguments; fails with its log.
async fn run(script: &'static str, args: Vec<String>) {
    let artifacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-artifacts/browser");
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(browser_dir().join(script))
            .args(args)
            .arg(&artifacts)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{log}");
    assert!(out.status.success(), "{log}");
    assert!(log.contains("all browser checks passed"), "{log}");
}

/// Whether to go on: the tools are here, or (outside CI) the test is skipped.
fn ready() -> bool {
    match tools() {
        Ok(()) => true,
        Err(why) => {
            assert!(
                std::env::var_os("MOTCUA_TEST_BROWSER_REQUIRED").is_none(),
                "browser tests required, but {why}"
            );
            eprintln!("skipped: {why}");
            false
        }
    }
}

#[tokio::test]
async fn citizens_paths_work_in_chromium_without_javascript_and_pass_axe() {
    if !ready() {
        return;
    }
    let s = Server::start(Backend::Sqlite, "2026-03-02T07:00:00+07:00")
        .await
        .unwrap();
    let code = s.submit_birth_online("Phạm Gia Huy").await;
    run("portal.mjs", vec![s.url.clone(), code]).await;
}

#[tokio::test]
async fn an_online_dossier_goes_from_the_citizen_through_desk_specialist_and_leader_back_to_the_citizen()
 {
    if !ready() {
        return;
    }
    let s = Server::start(Backend::Postgres, "2026-03-02T07:00:00+07:00").await;
    // Without PostgreSQL (outside CI) the path runs on SQLite.
    let s = match s {
        Some(s) => s,
        None => Server::start(Backend::Sqlite, "2026-03-02T07:00:00+07:00")
            .await
            .unwrap(),
    };
    run("workspace.mjs", vec![s.url.clone()]).await;
    // What the pages did is in the log, as the API tells it.
    let desk = s.login("phuong-ben-thanh-mot-cua").await;
    let (_, list) = desk.get("/api/v1/dossiers?status=10").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["items"][0]["applicant_name"], "Lê Thị Thu Hà");
    let (_, list) = desk.get("/api/v1/dossiers?status=3").await;
    assert_eq!(list["items"][0]["applicant_name"], "Đặng Văn Sơn", "{list}");
}
