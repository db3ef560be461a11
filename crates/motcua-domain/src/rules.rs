//! Versioned rules, and how the dossier fold finds the versions its events name.
//!
//! A dossier's events record which procedure version, process version, calendar version and
//! rule set were in force when it was received. Replaying the events with those same
//! versions reproduces every verdict; [`RuleSource`] is how the fold looks them up, and
//! [`RuleBook`] is an in-memory implementation.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::calendar::{CalendarSet, WorkingCalendar};
use crate::catalog::{ProcedureRef, ProcedureVersion};
use crate::ids::{CalendarId, RuleSetId, UnitCode, UnitId};
use crate::process::{ProcessDefinition, ProcessRef};
use crate::time_limit::TimeLimit;

/// A reference to one version of a calendar.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CalendarRef {
    /// The calendar.
    pub id: CalendarId,
    /// Its version, from 1.
    pub version: u32,
}

impl fmt::Display for CalendarRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} v{}", self.id, self.version)
    }
}

/// A reference to one version of a rule set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RuleSetRef {
    /// The rule set.
    pub id: RuleSetId,
    /// Its version, from 1.
    pub version: u32,
}

impl fmt::Display for RuleSetRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} v{}", self.id, self.version)
    }
}

/// How "early" (trước hạn) is told apart from "on time" (đúng hạn). Both count as on time
/// for the national index; the split is reported separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EarlyRule {
    /// Early when processing ends on a calendar day before the day of the appointment;
    /// on time when it ends on that day, no later than the appointment instant.
    #[default]
    BeforeDueDay,
}

/// The one-stop rules in force for a period (Decree 61/2018 as amended, then Decree
/// 118/2025): the parts that are numbers rather than code, versioned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSet {
    /// Key.
    pub id: RuleSetId,
    /// Version.
    pub version: u32,
    /// Name, e.g. the decree it follows.
    pub name: String,
    /// First day it applies.
    pub effective_from: Date,
    /// Time within which an online submission must be accepted or sent back for
    /// supplement (8 working hours, seed 003).
    pub online_acceptance_limit: TimeLimit,
    /// How long before the appointment an apology (form 04) must be issued at the latest;
    /// `None`: any time before the appointment passes. Local practice of one day is
    /// unverified, so it is configuration.
    #[serde(default)]
    pub apology_notice: Option<TimeLimit>,
    /// From how many supplement requests during processing the national index counts a
    /// dossier as late (2: "more than one request").
    pub late_from_supplement_requests: u32,
    /// How early is told from on time.
    #[serde(default)]
    pub early_rule: EarlyRule,
}

/// A rule set or other version that the rule book refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// A rule set with an impossible setting.
    #[error("rule set {rules}: {problem}")]
    InvalidRuleSet {
        /// The rule set.
        rules: RuleSetRef,
        /// What is wrong.
        problem: &'static str,
    },
    /// A procedure version that breaks the catalog's rules.
    #[error(transparent)]
    Procedure(#[from] crate::catalog::CatalogError),
    /// A process version whose structure is broken.
    #[error(transparent)]
    Process(#[from] crate::process::ProcessError),
}

impl RuleSet {
    /// Checks the settings: at least one supplement request before lateness, and an apology
    /// notice in working hours, working days or calendar days.
    pub fn validate(&self) -> Result<(), RuleError> {
        let bad = |problem| RuleError::InvalidRuleSet {
            rules: self.reference(),
            problem,
        };
        if self.late_from_supplement_requests == 0 {
            return Err(bad("late_from_supplement_requests must be at least 1"));
        }
        if self
            .apology_notice
            .is_some_and(|n| n.unit() == crate::time_limit::TimeUnit::Months)
        {
            return Err(bad(
                "apology_notice must be in working hours, working days or calendar days",
            ));
        }
        Ok(())
    }

    /// The rules of Decree 118/2025/NĐ-CP as motcua reads them, in force from 1/7/2025, and
    /// the same numbers before it under Decree 61/2018 (as amended by 107/2021).
    pub fn national_default() -> Self {
        RuleSet {
            id: "vn-one-stop".parse().expect("valid key"),
            version: 1,
            name: "Nghị định 61/2018/NĐ-CP, 107/2021/NĐ-CP; Nghị định 118/2025/NĐ-CP".into(),
            effective_from: jiff::civil::date(2018, 6, 21),
            online_acceptance_limit: TimeLimit::working_hours(8),
            apology_notice: None,
            late_from_supplement_requests: 2,
            early_rule: EarlyRule::BeforeDueDay,
        }
    }

    /// The reference to this version.
    pub fn reference(&self) -> RuleSetRef {
        RuleSetRef {
            id: self.id.clone(),
            version: self.version,
        }
    }
}

/// Where the dossier fold finds the versions named by events.
pub trait RuleSource {
    /// A procedure version.
    fn procedure(&self, r: &ProcedureRef) -> Option<Arc<ProcedureVersion>>;
    /// A process version.
    fn process(&self, r: &ProcessRef) -> Option<Arc<ProcessDefinition>>;
    /// The calendar version that applies to a unit (its own variant, or the base).
    fn calendar(&self, r: &CalendarRef, unit: &UnitId) -> Option<Arc<WorkingCalendar>>;
    /// A rule set version.
    fn rules(&self, r: &RuleSetRef) -> Option<Arc<RuleSet>>;
}

#[derive(Debug, Clone)]
struct CalendarEntry {
    base: Arc<WorkingCalendar>,
    units: BTreeMap<UnitCode, Arc<WorkingCalendar>>,
}

/// An in-memory [`RuleSource`].
#[derive(Debug, Clone, Default)]
pub struct RuleBook {
    procedures: BTreeMap<ProcedureRef, Arc<ProcedureVersion>>,
    processes: BTreeMap<ProcessRef, Arc<ProcessDefinition>>,
    calendars: BTreeMap<CalendarRef, CalendarEntry>,
    rule_sets: BTreeMap<RuleSetRef, Arc<RuleSet>>,
    unit_codes: BTreeMap<UnitId, UnitCode>,
}

impl RuleBook {
    /// Adds a procedure version that passes the catalog's hard rules.
    pub fn add_procedure(&mut self, p: ProcedureVersion) -> Result<&mut Self, RuleError> {
        p.validate()?;
        self.procedures.insert(p.reference(), Arc::new(p));
        Ok(self)
    }

    /// Adds a process version whose structure is sound (the checks that need the
    /// organisation and the procedure belong to [`ProcessDefinition::validate`]).
    pub fn add_process(&mut self, p: ProcessDefinition) -> Result<&mut Self, RuleError> {
        p.validate_structure()?;
        self.processes.insert(p.reference(), Arc::new(p));
        Ok(self)
    }

    /// Adds a calendar version with its per-unit variants.
    pub fn add_calendar(&mut self, r: CalendarRef, set: &CalendarSet) -> &mut Self {
        let units = set
            .unit_codes()
            .map(|c| (c.clone(), Arc::new(set.for_unit(Some(c)).clone())))
            .collect();
        self.calendars.insert(
            r,
            CalendarEntry {
                base: Arc::new(set.base().clone()),
                units,
            },
        );
        self
    }

    /// Adds a rule set version with sound settings.
    pub fn add_rules(&mut self, r: RuleSet) -> Result<&mut Self, RuleError> {
        r.validate()?;
        self.rule_sets.insert(r.reference(), Arc::new(r));
        Ok(self)
    }

    /// Tells the book a unit's national code, so per-unit calendar variants apply to it.
    pub fn add_unit_code(&mut self, unit: UnitId, code: UnitCode) -> &mut Self {
        self.unit_codes.insert(unit, code);
        self
    }
}

impl RuleSource for RuleBook {
    fn procedure(&self, r: &ProcedureRef) -> Option<Arc<ProcedureVersion>> {
        self.procedures.get(r).cloned()
    }

    fn process(&self, r: &ProcessRef) -> Option<Arc<ProcessDefinition>> {
        self.processes.get(r).cloned()
    }

    fn calendar(&self, r: &CalendarRef, unit: &UnitId) -> Option<Arc<WorkingCalendar>> {
        let entry = self.calendars.get(r)?;
        let own = self.unit_codes.get(unit).and_then(|c| entry.units.get(c));
        Some(own.unwrap_or(&entry.base).clone())
    }

    fn rules(&self, r: &RuleSetRef) -> Option<Arc<RuleSet>> {
        self.rule_sets.get(r).cloned()
    }
}
