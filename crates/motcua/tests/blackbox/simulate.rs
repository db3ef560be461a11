//! `motcua simulate`: deterministic files that `motcua import` takes whole, with the
//! profile's figures.

use std::path::Path;
use std::process::Output;

use crate::support::{Scratch, motcua};

fn scratch(name: &str) -> Scratch {
    Scratch::new(&format!("simulate-{name}"))
}

fn simulate(profile: &str, seed: &str, out: &Path) -> Output {
    motcua(&[
        "simulate",
        "--profile",
        profile,
        "--seed",
        seed,
        "--out",
        &out.display().to_string(),
    ])
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The percentage after `label` in the summary, e.g. `online 36.1%`.
fn share(summary: &str, label: &str) -> f64 {
    let rest = summary
        .split(&format!("{label} "))
        .nth(1)
        .unwrap_or_else(|| panic!("no {label} in {summary}"));
    rest.split('%').next().unwrap().parse().unwrap()
}

#[test]
fn the_same_seed_gives_the_same_file_and_another_seed_another() {
    let dir = scratch("seed");
    let (a, b, c) = (
        dir.join("a.jsonl"),
        dir.join("b.jsonl"),
        dir.join("c.jsonl"),
    );
    for (file, seed) in [(&a, "7"), (&b, "7"), (&c, "8")] {
        let o = simulate("small", seed, file);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let (a, b, c) = (
        std::fs::read(&a).unwrap(),
        std::fs::read(&b).unwrap(),
        std::fs::read(&c).unwrap(),
    );
    assert!(a == b, "seed 7 twice gave two files");
    assert!(a != c, "seeds 7 and 8 gave the same file");
}

#[test]
fn a_simulated_province_imports_without_a_rejection_and_matches_its_profile() {
    let dir = scratch("import");
    let file = dir.join("small.jsonl");
    let o = simulate("small", "42", &file);
    let summary = stderr(&o);
    assert!(o.status.success(), "{summary}");
    assert!(summary.contains("3000 dossiers"), "{summary}");
    // The profile asks for 35% online, 3% by post, 2% late in all (two supplement requests
    // included), 8% with a supplement request.
    let online = share(&summary, "online");
    assert!((31.0..39.0).contains(&online), "{summary}");
    assert!((1.0..5.0).contains(&share(&summary, "postal")), "{summary}");
    assert!((1.2..3.2).contains(&share(&summary, "late")), "{summary}");
    assert!(
        (5.0..11.0).contains(&share(&summary, "with a supplement request")),
        "{summary}"
    );
    let statuses = summary
        .lines()
        .find_map(|l| l.strip_prefix("dossiers by status at the end: "))
        .unwrap();
    for s in [1, 2, 3, 4, 5, 7, 8, 9, 10] {
        assert!(
            statuses.contains(&format!("{s}: ")),
            "status {s}: {statuses}"
        );
    }
    let db = format!("sqlite://{}", dir.join("province.sqlite").display());
    let o = motcua(&["import", "--database", &db, &file.display().to_string()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("dossiers: 3000 imported"), "{out}");
    assert!(out.contains("0 rejected; complete"), "{out}");
    let o = motcua(&["verify", "--database", &db]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
}

#[test]
fn bad_profiles_give_one_clear_error() {
    let dir = scratch("profiles");
    let out = dir.join("x.jsonl");
    let o = simulate("nowhere", "1", &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a shipped profile"),
        "{}",
        stderr(&o)
    );
    let bad = dir.join("bad.toml");
    let small = include_str!("../../../../data/profiles/small.toml");
    for (text, expected) in [
        (
            small.replace("online = 0.35", "online = 1.5"),
            "online must be a share",
        ),
        (
            small.replace("end = \"2026-04-30\"", "end = \"2026-01-01\""),
            "ends before it starts",
        ),
        (format!("{small}\nweather = \"rain\"\n"), "weather"),
    ] {
        std::fs::write(&bad, text).unwrap();
        let o = simulate(&bad.display().to_string(), "1", &out);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(expected), "{err}");
    }
}
