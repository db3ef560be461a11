//! `motcua export` and `motcua import`: the interchange format on the command line, with a
//! progress display and a summary.

use std::io::{BufReader, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use motcua_app::interchange::{ImportOptions, ImportReport, Progress};
use motcua_app::{App, AppConfig, SystemClock};

use crate::cli_error::InputError;
use crate::config::{self, StoreArgs};

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The file to write (`-` for standard output).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The interchange file (JSON Lines, docs/interchange.md).
    pub file: PathBuf,
    /// Dossiers per transaction.
    #[arg(long, default_value_t = 10_000)]
    pub batch: usize,
    /// Give every imported official this environment variable's value as their password,
    /// and let them log in at once: for rehearsals and benchmarks, not for a real province
    /// (where each official gets their own).
    #[arg(long, value_name = "VAR")]
    pub initial_password_env: Option<String>,
    /// Read the file from its first line, whatever an earlier import of it recorded.
    #[arg(long)]
    pub restart: bool,
    /// Keep every index up while loading, even into an empty store (by default an empty
    /// store's lists and logs are indexed once, at the end: faster, but a server running on
    /// the store meanwhile reads them slowly).
    #[arg(long)]
    pub keep_indexes: bool,
}

fn app(store: Arc<dyn motcua_store::Store>) -> App {
    App::new(store, Arc::new(SystemClock), AppConfig::default())
}

pub async fn export(args: &ExportArgs) -> Result<(), InputError> {
    let file = args.store.file()?;
    let db = config::database(&args.store, &file, false)?;
    let store = config::open_existing(&db, &args.store, &file).await?;
    let started = Instant::now();
    let summary = if args.out.as_os_str() == "-" {
        let stdout = std::io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        app(store).export(&mut out).await
    } else {
        let f = std::fs::File::create(&args.out)
            .map_err(|e| InputError::new(format!("cannot create {}: {e}", args.out.display())))?;
        app(store).export(&mut BufWriter::new(f)).await
    }
    .map_err(InputError::from_display)?;
    eprintln!(
        "{db}: exported {} dossiers, {} events, {} files, {} lines in {:.1} s",
        summary.dossiers,
        summary.events,
        summary.files,
        summary.lines,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Shows how far an import is: a bar redrawn in place on a terminal, a line every tenth
/// of the file otherwise (logs, CI).
struct ProgressDisplay {
    total: u64,
    started: Instant,
    terminal: bool,
    shown_tenths: u64,
    crash_after: Option<u64>,
}

impl ProgressDisplay {
    fn show(&mut self, p: &Progress) {
        if self.crash_after == Some(p.batches) {
            // Test support: a crash right after a commit, to prove an import resumes.
            std::process::abort();
        }
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        #[allow(clippy::cast_precision_loss)]
        let rate = p.events as f64 / secs;
        let permille = (p.bytes * 1000)
            .checked_div(self.total)
            .unwrap_or(1000)
            .min(1000);
        let text = format!(
            "{:>3}.{}%  {} dossiers, {} events, {} rejected  {rate:.0} events/s",
            permille / 10,
            permille % 10,
            p.dossiers,
            p.events,
            p.rejected
        );
        if self.terminal {
            const WIDTH: usize = 30;
            let done = usize::try_from(permille).unwrap_or(1000) * WIDTH / 1000;
            eprint!(
                "\r[{}{}] {text}",
                "#".repeat(done),
                ".".repeat(WIDTH - done)
            );
            let _ = std::io::stderr().flush();
        } else if permille / 100 > self.shown_tenths || permille == 1000 {
            self.shown_tenths = permille / 100;
            eprintln!("{text}");
        }
    }
}

/// Runs an import; `Ok(true)` when everything was imported.
pub async fn import(args: &ImportArgs) -> Result<bool, InputError> {
    if args.batch == 0 || args.batch > 100_000 {
        return Err(InputError::new("--batch must be 1–100000 dossiers"));
    }
    let f = std::fs::File::open(&args.file)
        .map_err(|e| InputError::new(format!("cannot read {}: {e}", args.file.display())))?;
    let total = f.metadata().map_or(0, |m| m.len());
    let file = args.store.file()?;
    let db = config::database(&args.store, &file, true)?;
    let store = config::open(&db, &args.store, &file).await?;
    crate::seed::reference_data(store.clone()).await?;
    let mut display = ProgressDisplay {
        total,
        started: Instant::now(),
        terminal: std::io::stderr().is_terminal(),
        shown_tenths: 0,
        crash_after: std::env::var("MOTCUA_IMPORT_CRASH_AFTER_BATCHES")
            .ok()
            .and_then(|v| v.parse().ok()),
    };
    let initial_password_hash = match &args.initial_password_env {
        None => None,
        Some(var) => {
            let password = std::env::var(var).map_err(|_| {
                InputError::new(format!("--initial-password-env: {var} is not set"))
            })?;
            if password.chars().count() < 8 {
                return Err(InputError::new(
                    "the initial password must have at least 8 characters",
                ));
            }
            Some(motcua_app::hash_password(&password).map_err(InputError::from_display)?)
        }
    };
    let mut input = BufReader::with_capacity(1 << 20, f);
    let report = app(store)
        .import(
            &mut input,
            ImportOptions {
                batch: args.batch,
                initial_password_hash,
                restart: args.restart,
                keep_indexes: args.keep_indexes,
            },
            &mut |p| {
                display.show(p);
            },
        )
        .await
        .map_err(|e| InputError::new(format!("{}: {e}", args.file.display())))?;
    if display.terminal {
        eprintln!();
    }
    print_report(&args.file, &report, display.started.elapsed().as_secs_f64());
    Ok(report.clean())
}

fn print_report(file: &std::path::Path, r: &ImportReport, secs: f64) {
    for rejection in &r.rejections {
        println!("REJECTED {rejection}");
    }
    if r.rejection_count > r.rejections.len() as u64 {
        println!(
            "… and {} more rejections",
            r.rejection_count - r.rejections.len() as u64
        );
    }
    if let Some(line) = r.resumed_at {
        println!("resumed at line {line}, after an earlier import of this file");
    }
    println!(
        "{}: {} lines; reference records: {} added, {} already stored; dossiers: {} imported ({} events), {} already stored, {} rejected; {} in {secs:.1} s",
        file.display(),
        r.lines,
        r.reference_added,
        r.reference_unchanged,
        r.dossiers,
        r.events,
        r.already_stored,
        r.rejected_dossiers,
        if r.complete { "complete" } else { "INCOMPLETE" },
    );
    let seconds = |ms: u64| format!("{}.{} s", ms / 1000, ms % 1000 / 100);
    if let Some(ms) = r.indexes_ms {
        println!("indexes built in {}", seconds(ms));
    }
    if let Some(ms) = r.analyze_ms {
        println!("planner statistics refreshed in {}", seconds(ms));
    }
}
