//! `motcua simulate`: a province-period of dossier histories in the interchange format.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use motcua_sim::{Base, Profile};

use crate::cli_error::InputError;

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// A shipped profile (small, hcmc-2023, national-peak) or a profile file (TOML,
    /// docs/simulator.md).
    #[arg(long)]
    pub profile: String,
    /// Seed of the generator: the same profile and seed give the same file, byte for byte.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The file to write (`-` for standard output).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// A shipped profile by name, or a profile file.
pub fn profile(name: &str) -> Result<Profile, InputError> {
    if let Some(p) = Profile::named(name) {
        return p.map_err(InputError::from_display);
    }
    let text = std::fs::read_to_string(name).map_err(|e| {
        InputError::new(format!(
            "--profile {name}: not a shipped profile (small, hcmc-2023, national-peak) and not a readable file: {e}"
        ))
    })?;
    Profile::from_toml(&text).map_err(|e| InputError::new(format!("{name}: {e}")))
}

// Counts shown as rates and percentages: f64 is exact far beyond any province's volume.
#[allow(clippy::cast_precision_loss)]
pub fn run(args: &SimulateArgs) -> Result<(), InputError> {
    let profile = profile(&args.profile)?;
    let demo = crate::demo::load().map_err(InputError::from_display)?;
    let base = Base {
        organisation: demo.organisation,
        catalog: demo.catalog,
        processes: demo.processes,
        calendar_toml: motcua_domain::calendar::OFFICIAL_VN_CALENDAR.to_owned(),
        calendar_ref: demo.calendar_ref,
        rules: demo.rules,
    };
    let started = Instant::now();
    let mut show = |n: u64| {
        if n > 0 {
            eprintln!(
                "{n} dossiers of {} ({:.0}/s)",
                profile.dossiers,
                n as f64 / started.elapsed().as_secs_f64().max(0.001)
            );
        }
    };
    let summary = if args.out.as_os_str() == "-" {
        let stdout = std::io::stdout();
        let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
        motcua_sim::simulate(&base, &profile, args.seed, &mut out, &mut show)
    } else {
        let f = std::fs::File::create(&args.out)
            .map_err(|e| InputError::new(format!("cannot create {}: {e}", args.out.display())))?;
        let mut out = BufWriter::with_capacity(1 << 20, f);
        let s = motcua_sim::simulate(&base, &profile, args.seed, &mut out, &mut show);
        out.flush()
            .map_err(|e| InputError::new(format!("cannot write {}: {e}", args.out.display())))?;
        s
    }
    .map_err(InputError::from_display)?;
    let pct = |n: u64| 100.0 * n as f64 / summary.dossiers.max(1) as f64;
    eprintln!(
        "profile {} (seed {}): {} units, {} officials, {} procedures; {} dossiers, {} events, {} lines in {:.1} s",
        profile.name,
        args.seed,
        summary.units,
        summary.officials,
        summary.procedures,
        summary.dossiers,
        summary.events,
        summary.lines,
        started.elapsed().as_secs_f64()
    );
    eprintln!(
        "channels: desk {:.1}%, online {:.1}%, postal {:.1}%; late {:.2}%, with an apology {:.2}%, with a supplement request {:.2}%",
        pct(summary.by_channel[0]),
        pct(summary.by_channel[1]),
        pct(summary.by_channel[2]),
        pct(summary.late),
        pct(summary.apologies),
        pct(summary.supplements)
    );
    let statuses: Vec<String> = (1..=10)
        .filter(|s| summary.by_status[*s] > 0)
        .map(|s| format!("{s}: {}", summary.by_status[s]))
        .collect();
    eprintln!("dossiers by status at the end: {}", statuses.join(", "));
    Ok(())
}
