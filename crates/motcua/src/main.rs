//! `motcua`: the one binary of the one-stop platform.
//!
//! `serve` runs the HTTP API (with `--demo`, on a demo province); `migrate`, `demo`,
//! `bootstrap` and `verify` prepare and check a database; `deadline` and `calendar check`
//! work on working calendars; `tour` shows the domain at work without a database; `load`
//! generates load against a running server.

mod cli_error;
mod config;
mod demo;
mod interchange;
mod load;
mod seed;
mod server;
mod simulate;
mod tour;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use jiff::Timestamp;
use motcua_domain::calendar::{CalendarSet, Interval, Pauses};
use motcua_domain::{TimeLimit, TimeUnit, UnitCode};

use crate::cli_error::{InputError, exit_with};

/// motcua — the one-stop shop (một cửa) platform for Vietnamese public administration.
#[derive(Debug, Parser)]
#[command(name = "motcua", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Computes the due instant of a time limit on a working calendar.
    ///
    /// Prints the due instant in RFC 3339 with the calendar's offset on one line; with
    /// --explain, also the breakdown (what counted, what was paused, which days were
    /// skipped and why).
    Deadline(DeadlineArgs),
    /// Working calendars.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Shows the domain at work on the demo province: its units and officials, its catalog,
    /// and sample dossiers folded from their events, with due dates and control sheets.
    Tour(tour::TourArgs),
    /// Runs the HTTP API and everything else, until SIGINT or SIGTERM.
    Serve(server::ServeArgs),
    /// Creates or upgrades the database schema and installs the official calendar and the
    /// national rule set.
    Migrate(config::StoreArgs),
    /// Adds the demo province (units, officials, 31 procedures, their processes) and
    /// realistic dossiers in every status to an empty database; prints the demo logins.
    Demo(DemoArgs),
    /// Creates the root unit and its first administrator on an empty database.
    Bootstrap(BootstrapArgs),
    /// Checks that every dossier's log folds and that its stored state equals a fresh fold
    /// of its events; exits non-zero on any difference.
    Verify(config::StoreArgs),
    /// Generates load against a running server with the demo province (loopback only):
    /// birth registrations through their whole lifecycle, with tracking lookups and inbox
    /// reads; reports throughput and latency percentiles per request kind.
    Load(load::LoadArgs),
    /// Writes the whole database — calendars, rules, organisation, catalog, processes and
    /// every dossier's events — as an interchange file (JSON Lines, docs/interchange.md).
    Export(interchange::ExportArgs),
    /// Reads an interchange file into the database: every record is checked as the live
    /// system would check it, each rejection is reported with its line, batches commit
    /// one by one, and an interrupted import resumes where it stopped. Exits 1 if anything
    /// was rejected or the file is incomplete.
    Import(interchange::ImportArgs),
    /// Generates a province-period of realistic dossier histories (a profile: small,
    /// hcmc-2023, national-peak, or a file) as an interchange file; the same profile and seed
    /// give the same file.
    Simulate(simulate::SimulateArgs),
}

#[derive(Debug, clap::Args)]
struct DemoArgs {
    #[command(flatten)]
    store: config::StoreArgs,
    /// How many dossiers to generate.
    #[arg(long, default_value_t = 400)]
    dossiers: usize,
    /// Seed of the generator (the same seed and clock give the same dossiers).
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// The moment the generated history leads up to, RFC 3339 (default: now).
    #[arg(long, value_parser = parse_instant)]
    now: Option<Timestamp>,
}

#[derive(Debug, clap::Args)]
struct BootstrapArgs {
    #[command(flatten)]
    store: config::StoreArgs,
    /// Key of the root unit, e.g. `tphcm`.
    #[arg(long)]
    unit_id: String,
    /// National identifier code of the root unit, e.g. `000.00.00.H29`.
    #[arg(long)]
    unit_code: String,
    /// Name of the root unit.
    #[arg(long)]
    unit_name: String,
    /// Username of the first administrator.
    #[arg(long)]
    admin_username: String,
    /// Full name of the first administrator.
    #[arg(long)]
    admin_name: String,
    /// Initial password (read from this environment variable, never from the command line).
    #[arg(long, default_value = "MOTCUA_ADMIN_PASSWORD")]
    password_env: String,
}

#[derive(Debug, clap::Args)]
struct DeadlineArgs {
    /// The calendar file (TOML, see docs/calendar.md); default: the official Vietnamese
    /// calendar for 2024–2026 shipped with motcua.
    #[arg(long, value_name = "FILE")]
    calendar: Option<PathBuf>,
    /// Use the calendar's variant for this unit code, if it has one.
    #[arg(long, value_name = "UNIT_CODE")]
    for_unit: Option<String>,
    /// When counting starts, in RFC 3339 with an offset, e.g. 2024-02-07T16:10:00+07:00.
    #[arg(long, value_parser = parse_instant)]
    start: Timestamp,
    /// The number of units (a whole number, 0 or more).
    #[arg(long, allow_negative_numbers = true)]
    limit: i64,
    /// The unit: working-hours, working-days, calendar-days or months.
    #[arg(long, value_parser = parse_unit)]
    unit: TimeUnit,
    /// A pause of the clock, FROM/TO in RFC 3339 (repeatable).
    #[arg(long = "pause", value_name = "FROM/TO", value_parser = parse_pause)]
    pauses: Vec<Interval>,
    /// Also print the breakdown.
    #[arg(long)]
    explain: bool,
}

#[derive(Debug, Subcommand)]
enum CalendarCommand {
    /// Checks a calendar file and summarises it; without FILE, the shipped official one.
    Check {
        /// The calendar file (TOML).
        file: Option<PathBuf>,
    },
}

fn parse_instant(s: &str) -> Result<Timestamp, String> {
    s.parse::<Timestamp>()
        .map_err(|_| "expected RFC 3339 with an offset, e.g. 2024-02-07T16:10:00+07:00".to_string())
}

fn parse_unit(s: &str) -> Result<TimeUnit, String> {
    s.parse::<TimeUnit>().map_err(|e| e.to_string())
}

fn parse_pause(s: &str) -> Result<Interval, String> {
    let (from, to) = s
        .split_once('/')
        .ok_or_else(|| "expected FROM/TO, two RFC 3339 instants separated by '/'".to_owned())?;
    let from = parse_instant(from).map_err(|e| format!("pause start: {e}"))?;
    let to = parse_instant(to).map_err(|e| format!("pause end: {e}"))?;
    Interval::new(from, to).map_err(|_| "the pause ends before it starts".to_owned())
}

fn load_calendar(path: Option<&PathBuf>) -> Result<CalendarSet, InputError> {
    match path {
        None => Ok(CalendarSet::official_vietnam()),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| InputError::new(format!("cannot read {}: {e}", path.display())))?;
            CalendarSet::from_toml(&text)
                .map_err(|e| InputError::new(format!("{}: {e}", path.display())))
        }
    }
}

fn deadline(args: &DeadlineArgs) -> Result<(), InputError> {
    let limit = TimeLimit::new(args.limit, args.unit).map_err(InputError::from_display)?;
    let set = load_calendar(args.calendar.as_ref())?;
    let unit_code = args
        .for_unit
        .as_deref()
        .map(str::parse::<UnitCode>)
        .transpose()
        .map_err(InputError::from_display)?;
    if let Some(code) = &unit_code
        && !set.unit_codes().any(|c| c == code)
    {
        let variants: Vec<String> = set.unit_codes().map(ToString::to_string).collect();
        return Err(InputError::new(format!(
            "the calendar has no variant for unit {code} ({})",
            if variants.is_empty() {
                "it has none".to_owned()
            } else {
                format!("it has: {}", variants.join(", "))
            }
        )));
    }
    let calendar = set.for_unit(unit_code.as_ref());
    let pauses = Pauses::new(args.pauses.iter().copied());
    if args.explain {
        let ex = calendar
            .explain(args.start, limit, &pauses)
            .map_err(InputError::from_display)?;
        println!("{}", calendar.format_instant(ex.due));
        println!("{ex}");
    } else {
        let due = calendar
            .due(args.start, limit, &pauses)
            .map_err(InputError::from_display)?;
        println!("{}", calendar.format_instant(due));
    }
    Ok(())
}

fn calendar_check(file: Option<&PathBuf>) -> Result<(), InputError> {
    let set = load_calendar(file)?;
    let cal = set.base();
    println!("calendar: {}", cal.name().unwrap_or("(unnamed)"));
    println!("time zone: {}", cal.time_zone_name());
    let sessions: Vec<String> = cal
        .standard_sessions()
        .iter()
        .map(ToString::to_string)
        .collect();
    println!(
        "working day: {} ({})",
        sessions.join(", "),
        motcua_domain::calendar::format_duration(cal.day_length())
    );
    match cal.listed_years() {
        Some((a, b)) => println!("years listed: {a}–{b}"),
        None => println!("years listed: none (weekly pattern only)"),
    }
    println!(
        "days off listed: {}; compensatory working days: {}",
        cal.holidays().len(),
        cal.working_days().len()
    );
    let units: Vec<String> = set.unit_codes().map(ToString::to_string).collect();
    if !units.is_empty() {
        println!("unit variants: {}", units.join(", "));
    }
    println!("ok");
    Ok(())
}

/// Prints what the demo seeding did and how to log in.
fn print_demo(s: &seed::Seeded) {
    println!(
        "demo province ready: {} units, {} officials, {} procedures, {} dossiers",
        s.units, s.officials, s.procedures, s.dossiers
    );
    let by_status: Vec<String> = s
        .by_status
        .iter()
        .map(|(st, n)| format!("{st}: {n}"))
        .collect();
    println!("dossiers by status: {}", by_status.join(", "));
    println!("demo logins (password for all: {}):", seed::DEMO_PASSWORD);
    for (user, what) in [
        ("phuong-ben-thanh-mot-cua", "desk officer, phường Bến Thành"),
        (
            "phuong-ben-thanh-tu-phap",
            "specialist (tư pháp - hộ tịch), phường Bến Thành",
        ),
        ("phuong-ben-thanh-chu-tich", "leader, phường Bến Thành"),
        (
            "tt-le-van-an",
            "desk officer, Trung tâm Phục vụ hành chính công",
        ),
        ("stp-cv-duong-khoa", "specialist, Sở Tư pháp"),
        ("stp-pgd", "leader, Sở Tư pháp"),
        ("chi-so", "index viewer, Thành phố"),
        ("admin", "administrator, Thành phố"),
    ] {
        println!("  {user:<28} {what}");
    }
}

async fn migrate(args: &config::StoreArgs) -> Result<(), InputError> {
    let file = args.file()?;
    let db = config::database(args, &file, true)?;
    let store = config::open(&db, args, &file).await?;
    seed::reference_data(store).await?;
    println!("{db}: schema up to date, official calendar and national rule set installed");
    Ok(())
}

async fn demo_command(args: &DemoArgs) -> Result<(), InputError> {
    let file = args.store.file()?;
    let db = config::database(&args.store, &file, true)?;
    let store = config::open(&db, &args.store, &file).await?;
    let now = args.now.unwrap_or_else(Timestamp::now);
    print_demo(&seed::demo(store, now, args.dossiers, args.seed).await?);
    Ok(())
}

async fn bootstrap(args: &BootstrapArgs) -> Result<(), InputError> {
    use motcua_domain::org::{Official, Role, RoleAssignment, Unit, UnitKind};
    let password = std::env::var(&args.password_env).map_err(|_| {
        InputError::new(format!(
            "set the initial password in the environment variable {}",
            args.password_env
        ))
    })?;
    let file = args.store.file()?;
    let db = config::database(&args.store, &file, true)?;
    let store = config::open(&db, &args.store, &file).await?;
    seed::reference_data(store.clone()).await?;
    if !store
        .units()
        .await
        .map_err(InputError::from_display)?
        .is_empty()
    {
        return Err(InputError::new("the database already has an organisation"));
    }
    let app = motcua_app::App::new(
        store,
        std::sync::Arc::new(motcua_app::SystemClock),
        motcua_app::AppConfig::default(),
    );
    let unit = Unit {
        id: args.unit_id.parse().map_err(InputError::from_display)?,
        code: args.unit_code.parse().map_err(InputError::from_display)?,
        name: args.unit_name.clone(),
        kind: UnitKind::Province,
        parent: None,
    };
    let root = unit.id.clone();
    app.add_unit(&motcua_app::Principal::System, unit)
        .await
        .map_err(InputError::from_display)?;
    app.add_official(
        &motcua_app::Principal::System,
        motcua_app::NewOfficial {
            official: Official {
                id: args
                    .admin_username
                    .parse()
                    .map_err(InputError::from_display)?,
                name: args.admin_name.clone(),
                title: Some("Quản trị hệ thống".into()),
                roles: vec![RoleAssignment {
                    role: Role::Administrator,
                    unit: root,
                }],
            },
            username: args.admin_username.clone(),
            password,
        },
    )
    .await
    .map_err(InputError::from_display)?;
    println!(
        "{db}: root unit {} and administrator {} created",
        args.unit_id, args.admin_username
    );
    Ok(())
}

async fn verify(args: &config::StoreArgs) -> Result<bool, InputError> {
    let file = args.file()?;
    let db = config::database(args, &file, false)?;
    let store = config::open_existing(&db, args, &file).await?;
    let app = motcua_app::App::new(
        store,
        std::sync::Arc::new(motcua_app::SystemClock),
        motcua_app::AppConfig::default(),
    );
    let report = app.verify().await.map_err(InputError::from_display)?;
    for m in &report.mismatches {
        println!("MISMATCH {}: {}", m.code, m.problem);
    }
    println!(
        "{db}: {} dossiers, {} events checked, {} mismatches",
        report.dossiers,
        report.events,
        report.mismatches.len()
    );
    Ok(report.mismatches.is_empty())
}

fn runtime() -> Result<tokio::runtime::Runtime, InputError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| InputError::new(format!("cannot start the runtime: {e}")))
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return cli_error::clap_exit(&e),
    };
    let result = match &cli.command {
        Command::Deadline(args) => deadline(args),
        Command::Calendar(CalendarCommand::Check { file }) => calendar_check(file.as_ref()),
        Command::Tour(args) => tour::run(args),
        Command::Serve(args) => runtime().and_then(|rt| rt.block_on(server::serve(args))),
        Command::Migrate(args) => runtime().and_then(|rt| rt.block_on(migrate(args))),
        Command::Demo(args) => runtime().and_then(|rt| rt.block_on(demo_command(args))),
        Command::Bootstrap(args) => runtime().and_then(|rt| rt.block_on(bootstrap(args))),
        Command::Load(args) => runtime().and_then(|rt| rt.block_on(load::run(args))),
        Command::Simulate(args) => simulate::run(args),
        Command::Export(args) => runtime().and_then(|rt| rt.block_on(interchange::export(args))),
        Command::Import(args) => {
            match runtime().and_then(|rt| rt.block_on(interchange::import(args))) {
                Ok(true) => Ok(()),
                Ok(false) => return ExitCode::FAILURE,
                Err(e) => Err(e),
            }
        }
        Command::Verify(args) => match runtime().and_then(|rt| rt.block_on(verify(args))) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::FAILURE,
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => exit_with(&e),
    }
}
