//! The demo province: an organisation, a catalog and internal processes shipped as data
//! files (`data/demo/`), checked as they load.

use std::fmt;

use motcua_domain::calendar::CalendarSet;
use motcua_domain::catalog::{Catalog, CatalogDefect, ProcedureVersion};
use motcua_domain::org::{Official, Organisation, Unit};
use motcua_domain::process::ProcessDefinition;
use motcua_domain::rules::{CalendarRef, RuleBook, RuleSet};
use serde::Deserialize;

const ORGANISATION: &str = include_str!("../../../data/demo/organisation.json");
const CATALOG: &str = include_str!("../../../data/demo/catalog.json");
const PROCESSES: &str = include_str!("../../../data/demo/processes.json");

/// Why the demo data did not load (a broken data file: a bug, caught by the tests).
#[derive(Debug)]
pub struct DemoError(String);

impl fmt::Display for DemoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "demo data: {}", self.0)
    }
}

fn fail(file: &str, e: impl fmt::Display) -> DemoError {
    DemoError(format!("{file}: {e}"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrganisationFile {
    units: Vec<Unit>,
    officials: Vec<Official>,
}

/// The demo province, validated.
pub struct Demo {
    pub organisation: Organisation,
    pub catalog: Catalog,
    pub processes: Vec<ProcessDefinition>,
    pub calendar: CalendarSet,
    pub calendar_ref: CalendarRef,
    pub rules: RuleSet,
}

/// Loads and checks the demo data: the organisation tree, every procedure (hard rules),
/// and every process against the organisation and its procedure.
pub fn load() -> Result<Demo, DemoError> {
    let org: OrganisationFile =
        serde_json::from_str(ORGANISATION).map_err(|e| fail("organisation.json", e))?;
    let organisation = Organisation::from_parts(org.units, org.officials)
        .map_err(|e| fail("organisation.json", e))?;
    let procedures: Vec<ProcedureVersion> =
        serde_json::from_str(CATALOG).map_err(|e| fail("catalog.json", e))?;
    let mut catalog = Catalog::default();
    for p in procedures {
        catalog.publish(p).map_err(|e| fail("catalog.json", e))?;
    }
    let processes: Vec<ProcessDefinition> =
        serde_json::from_str(PROCESSES).map_err(|e| fail("processes.json", e))?;
    let calendar = CalendarSet::official_vietnam();
    for p in &processes {
        let procedure = catalog.versions(&p.procedure).last().ok_or_else(|| {
            fail(
                "processes.json",
                format!("{} names unknown procedure {}", p.reference(), p.procedure),
            )
        })?;
        p.validate(&organisation, procedure, calendar.base().day_length())
            .map_err(|e| fail("processes.json", e))?;
    }
    Ok(Demo {
        organisation,
        catalog,
        processes,
        calendar,
        calendar_ref: CalendarRef {
            id: "vn-officials".parse().expect("valid key"),
            version: 1,
        },
        rules: RuleSet::national_default(),
    })
}

impl Demo {
    /// Every version the demo's dossiers may name, for folding them.
    pub fn rule_book(&self) -> Result<RuleBook, DemoError> {
        let mut book = RuleBook::default();
        for p in self.catalog.latest() {
            for v in self.catalog.versions(&p.code) {
                book.add_procedure(v.clone())
                    .map_err(|e| fail("catalog.json", e))?;
            }
        }
        for p in &self.processes {
            book.add_process(p.clone())
                .map_err(|e| fail("processes.json", e))?;
        }
        for u in self.organisation.units() {
            book.add_unit_code(u.id.clone(), u.code.clone());
        }
        book.add_calendar(self.calendar_ref.clone(), &self.calendar);
        book.add_rules(self.rules.clone())
            .map_err(|e| fail("rules", e))?;
        Ok(book)
    }

    /// The catalog defects of every procedure, for the maintainers.
    pub fn defects(&self) -> Vec<(&ProcedureVersion, Vec<CatalogDefect>)> {
        self.catalog
            .latest()
            .map(|p| (p, p.audit()))
            .filter(|(_, d)| !d.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_data_loads_and_validates() {
        let demo = load().unwrap_or_else(|e| panic!("{e}"));
        assert!(demo.organisation.units().count() >= 10);
        assert!(demo.catalog.latest().count() >= 2);
        // Every role is held by someone, so every screen can be shown with demo accounts.
        for role in motcua_domain::org::Role::ALL {
            assert!(
                demo.organisation
                    .officials()
                    .any(|o| o.roles.iter().any(|r| r.role == role)),
                "nobody holds {role}"
            );
        }
        // Every demo procedure has an internal process.
        for p in demo.catalog.latest() {
            assert!(
                demo.processes.iter().any(|x| x.procedure == p.code),
                "{} has no process",
                p.code
            );
        }
    }
}
