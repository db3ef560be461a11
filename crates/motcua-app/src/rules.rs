//! The rules in force, loaded from the store: organisation, catalog, processes, calendars and
//! rule sets, with a `RuleBook` for folding dossiers.

use std::collections::BTreeMap;

use jiff::civil::Date;
use motcua_domain::calendar::{CalendarSet, WorkingCalendar};
use motcua_domain::catalog::{Catalog, ProcedureVersion};
use motcua_domain::org::{Organisation, Unit};
use motcua_domain::process::ProcessDefinition;
use motcua_domain::rules::{CalendarRef, RuleBook, RuleSet, RuleSetRef};
use motcua_domain::{ProcedureCode, UnitId};
use motcua_store::Store;

use crate::{AppConfig, AppError};

/// A snapshot of the rules, shared by the requests that run while it is current.
pub struct Rules {
    /// The store's revision this snapshot was loaded at.
    pub revision: i64,
    /// Units and officials.
    pub org: Organisation,
    /// Every version of every procedure.
    pub catalog: Catalog,
    /// Every version of every process.
    pub processes: Vec<ProcessDefinition>,
    /// Every version of every calendar, rule set, procedure and process, for folding.
    pub book: RuleBook,
    /// The calendar version new dossiers use.
    pub calendar: CalendarRef,
    /// Its content.
    pub calendar_set: CalendarSet,
    /// The rule set version new dossiers use.
    pub rule_set: RuleSetRef,
    /// The latest version of every procedure with its code, name and field in the search's
    /// form (lower case, no diacritics), computed once per snapshot rather than per search.
    pub search_index: Vec<(ProcedureCode, String)>,
}

fn bad(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("the stored {what} are invalid: {e}"))
}

impl Rules {
    /// Loads everything from the store.
    pub async fn load(
        store: &dyn Store,
        config: &AppConfig,
        revision: i64,
    ) -> Result<Self, AppError> {
        let units = store.units().await?;
        let accounts = store.accounts().await?;
        let org = Organisation::from_parts(
            units.clone(),
            accounts.into_iter().map(|a| a.official).collect(),
        )
        .map_err(|e| bad("organisation", e))?;
        let mut book = RuleBook::default();
        for u in &units {
            book.add_unit_code(u.id.clone(), u.code.clone());
        }
        let mut catalog = Catalog::default();
        for p in store.procedures().await? {
            book.add_procedure(p.clone())
                .map_err(|e| bad("procedures", e))?;
            catalog.publish(p).map_err(|e| bad("procedures", e))?;
        }
        let processes = store.processes().await?;
        for p in &processes {
            book.add_process(p.clone())
                .map_err(|e| bad("processes", e))?;
        }
        let mut current_calendar: Option<(CalendarRef, CalendarSet)> = None;
        for (r, toml) in store.calendars().await? {
            let set = CalendarSet::from_toml(&toml).map_err(|e| bad("calendars", e))?;
            book.add_calendar(r.clone(), &set);
            if r.id == config.calendar_id
                && current_calendar
                    .as_ref()
                    .is_none_or(|(c, _)| r.version > c.version)
            {
                current_calendar = Some((r, set));
            }
        }
        let mut current_rules: Option<RuleSetRef> = None;
        for r in store.rule_sets().await? {
            let reference = r.reference();
            book.add_rules(r).map_err(|e| bad("rule sets", e))?;
            if reference.id == config.rule_set_id
                && current_rules
                    .as_ref()
                    .is_none_or(|c| reference.version > c.version)
            {
                current_rules = Some(reference);
            }
        }
        let (calendar, calendar_set) = current_calendar.ok_or_else(|| {
            AppError::Internal(format!(
                "no calendar {} is stored: run `motcua migrate` or `motcua demo`",
                config.calendar_id
            ))
        })?;
        let rule_set = current_rules.ok_or_else(|| {
            AppError::Internal(format!(
                "no rule set {} is stored: run `motcua migrate` or `motcua demo`",
                config.rule_set_id
            ))
        })?;
        let search_index = catalog
            .latest()
            .map(|p| {
                let text = format!("{} {} {}", p.code, p.name, p.field);
                (p.code.clone(), motcua_store::normalize(&text))
            })
            .collect();
        Ok(Rules {
            revision,
            org,
            catalog,
            processes,
            book,
            calendar,
            calendar_set,
            rule_set,
            search_index,
        })
    }

    /// A unit by key.
    pub fn unit(&self, id: &UnitId) -> Result<&Unit, AppError> {
        self.org
            .unit(id)
            .ok_or_else(|| AppError::NotFound(format!("unknown unit {id}")))
    }

    /// The calendar of a unit (its own variant, or the base).
    pub fn calendar_of(&self, unit: &UnitId) -> &WorkingCalendar {
        self.calendar_set
            .for_unit(self.org.unit(unit).map(|u| &u.code))
    }

    /// The version of a procedure in force on `date`.
    pub fn procedure_in_force(
        &self,
        code: &ProcedureCode,
        date: Date,
    ) -> Result<&ProcedureVersion, AppError> {
        if self.catalog.versions(code).is_empty() {
            return Err(AppError::NotFound(format!("unknown procedure {code}")));
        }
        self.catalog.in_force(code, date).ok_or_else(|| {
            AppError::Invalid(format!(
                "procedure {code} has no version in force on {date}"
            ))
        })
    }

    /// The process for a procedure on `date` and where it is done: the latest version of a
    /// process owned by the competent unit or one of its ancestors (the nearest first), else
    /// of a template (no owner). With no competent unit given, the first owned process
    /// decides the competent unit.
    pub fn process_for(
        &self,
        code: &ProcedureCode,
        competent: Option<&UnitId>,
        date: Date,
    ) -> Option<&ProcessDefinition> {
        let mut latest: BTreeMap<&motcua_domain::ProcessId, &ProcessDefinition> = BTreeMap::new();
        for p in self
            .processes
            .iter()
            .filter(|p| &p.procedure == code && p.effective_from <= date)
        {
            let slot = latest.entry(&p.id).or_insert(p);
            if p.version > slot.version {
                *slot = p;
            }
        }
        let candidates: Vec<&ProcessDefinition> = latest.into_values().collect();
        match competent {
            Some(unit) => {
                let chain: Vec<&UnitId> = std::iter::once(unit)
                    .chain(self.org.ancestors(unit).map(|u| &u.id))
                    .collect();
                chain
                    .iter()
                    .find_map(|u| candidates.iter().find(|p| p.owner.as_ref() == Some(*u)))
                    .or_else(|| candidates.iter().find(|p| p.owner.is_none()))
                    .copied()
            }
            None => candidates
                .iter()
                .find(|p| p.owner.is_some())
                .or_else(|| candidates.iter().find(|p| p.owner.is_none()))
                .copied(),
        }
    }

    /// The current rule set.
    pub fn rule_set(&self) -> Result<std::sync::Arc<RuleSet>, AppError> {
        use motcua_domain::rules::RuleSource;
        self.book
            .rules(&self.rule_set)
            .ok_or_else(|| AppError::Internal("the current rule set is missing".into()))
    }
}
