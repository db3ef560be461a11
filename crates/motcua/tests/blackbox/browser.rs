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

#[tokio::test]
async fn citizens_paths_work_in_chromium_without_javascript_and_pass_axe() {
    if let Err(why) = tools() {
        assert!(
            std::env::var_os("MOTCUA_TEST_BROWSER_REQUIRED").is_none(),
            "browser tests required, but {why}"
        );
        eprintln!("skipped: {why}");
        return;
    }
    let s = Server::start(Backend::Sqlite, "2026-03-02T07:00:00+07:00")
        .await
        .unwrap();
    let code = s.submit_birth_online("Phạm Gia Huy").await;
    let artifacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-artifacts/browser");
    let url = s.url.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(browser_dir().join("portal.mjs"))
            .args([url.as_str(), code.as_str()])
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
