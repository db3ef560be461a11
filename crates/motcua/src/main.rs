//! `motcua`: the one binary of the one-stop platform.
//!
//! Subcommands so far: `deadline` (deadline arithmetic on a working calendar), `calendar
//! check` (validate a calendar file) and `tour` (the domain at work on the demo province).

mod cli_error;
mod demo;
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

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return cli_error::clap_exit(&e),
    };
    let result = match &cli.command {
        Command::Deadline(args) => deadline(args),
        Command::Calendar(CalendarCommand::Check { file }) => calendar_check(file.as_ref()),
        Command::Tour(args) => tour::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => exit_with(&e),
    }
}
