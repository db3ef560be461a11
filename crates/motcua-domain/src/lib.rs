//! The pure core of motcua: organisation, catalog, internal processes, the working-time
//! calendar with deadline arithmetic, and the dossier lifecycle as an event fold.
//!
//! No I/O, no async, no database: everything here is a function of its inputs, so every
//! verdict (due date, timeliness) can be reproduced from stored events and the versions of
//! the rules in force.
#![warn(missing_docs)]

pub mod calendar;
pub mod catalog;
pub mod dossier;
pub mod ids;
pub mod interchange;
pub mod org;
pub mod process;
pub mod rules;
pub mod time_limit;

pub use ids::{
    CalendarId, InvalidId, OfficialId, ProcedureCode, ProcessId, RuleSetId, StepId, UnitCode,
    UnitId,
};
pub use time_limit::{InvalidTimeLimit, TimeLimit, TimeUnit, UnknownTimeUnit};
