//! The simulated province: the base grown to the profile's size — more communes (each with
//! its desk, specialists, chairman and police), more procedures (variants of the base's
//! real ones, each with its process) — and who does what in it.

use std::collections::BTreeMap;

use fastrand::Rng;
use motcua_domain::calendar::CalendarSet;
use motcua_domain::catalog::{Catalog, ProcedureVersion};
use motcua_domain::dossier::Actor;
use motcua_domain::org::{Official, Organisation, Role, RoleAssignment, Unit, UnitKind};
use motcua_domain::process::{ProcessDefinition, ProcessRef, StepPlace};
use motcua_domain::rules::RuleBook;
use motcua_domain::{ProcedureCode, ProcessId, UnitId};

use crate::{Base, Profile, SimError, names};

/// Where a dossier of a procedure goes.
pub(crate) struct Plan {
    pub receiving: UnitId,
    pub competent: UnitId,
    pub process: ProcessRef,
}

/// The grown province.
pub struct World {
    /// Units and officials.
    pub org: Organisation,
    /// Procedures.
    pub catalog: Catalog,
    /// One process per procedure.
    pub processes: Vec<ProcessDefinition>,
    /// Cumulative popularity of the procedures, in `procedures` order.
    popularity: Vec<(f64, ProcedureCode)>,
    communes: Vec<UnitId>,
    /// The popularity-weighted shares of dossiers whose procedure may be filed online, and
    /// by post.
    pub(crate) online_capable: f64,
    pub(crate) postal_capable: f64,
    /// Officials by role and unit.
    staff: BTreeMap<(Role, UnitId), Vec<motcua_domain::OfficialId>>,
    process_of: BTreeMap<ProcedureCode, usize>,
    /// Each process's place in `processes`, by reference.
    process_at: BTreeMap<ProcessRef, usize>,
}

fn bad(e: impl std::fmt::Display) -> SimError {
    SimError::Base(e.to_string())
}

/// The base's communes and the units of each (its police), as a pattern to copy.
fn template_commune(org: &Organisation) -> Option<&Unit> {
    let mut communes: Vec<&Unit> = org
        .units()
        .filter(|u| u.kind == UnitKind::Commune)
        .collect();
    communes.sort_by(|a, b| a.id.cmp(&b.id));
    communes.into_iter().next()
}

impl World {
    /// Grows the base to the profile's size.
    pub fn grow(base: &Base, profile: &Profile, rng: &mut Rng) -> Result<World, SimError> {
        let mut org = base.organisation.clone();
        let template = template_commune(&org)
            .cloned()
            .ok_or_else(|| SimError::Base("the base has no commune to copy".into()))?;
        let police_parent = org
            .unit(&format!("ca-{}", template.id).parse().map_err(bad)?)
            .and_then(|u| u.parent.clone());
        let province = template.parent.clone();
        let existing = org.units().filter(|u| u.kind == UnitKind::Commune).count();
        let template_staff: Vec<Official> = org
            .officials()
            .filter(|o| {
                o.roles.iter().any(|r| {
                    r.unit == template.id || r.unit.as_str() == format!("ca-{}", template.id)
                })
            })
            .cloned()
            .collect();
        for n in 0..profile.communes.saturating_sub(existing) {
            let (key, name) = names::commune(n);
            let id: UnitId = key.parse().map_err(bad)?;
            let district = 10 + n / 90;
            let code = format!("H29.{district:02}.{:02}", n % 90 + 10);
            org.add_unit(Unit {
                id: id.clone(),
                code: code.parse().map_err(bad)?,
                name: format!("Ủy ban nhân dân {name}"),
                kind: UnitKind::Commune,
                parent: province.clone(),
            })
            .map_err(bad)?;
            let police: UnitId = format!("ca-{key}").parse().map_err(bad)?;
            if police_parent.is_some() {
                org.add_unit(Unit {
                    id: police.clone(),
                    code: format!("{code}.CA").parse().map_err(bad)?,
                    name: format!("Công an {name}"),
                    kind: UnitKind::Division,
                    parent: police_parent.clone(),
                })
                .map_err(bad)?;
            }
            for o in &template_staff {
                let rename = |s: &str| s.replace(template.id.as_str(), &key);
                org.add_official(Official {
                    id: rename(o.id.as_str()).parse().map_err(bad)?,
                    name: names::person(rng),
                    title: o.title.as_ref().map(|t| names::retitle(t, &name)),
                    roles: o
                        .roles
                        .iter()
                        .map(|r| {
                            Ok(RoleAssignment {
                                role: r.role,
                                unit: rename(r.unit.as_str()).parse().map_err(bad)?,
                            })
                        })
                        .collect::<Result<_, SimError>>()?,
                })
                .map_err(bad)?;
            }
        }

        // The catalog: the base's procedures, then variants of them.
        let mut catalog = base.catalog.clone();
        let mut processes = base.processes.clone();
        let templates: Vec<ProcedureVersion> = base.catalog.latest().cloned().collect();
        let mut k = 0usize;
        while catalog.latest().count() < profile.procedures {
            let t = &templates[k % templates.len()];
            let variant = k / templates.len();
            k += 1;
            let Some(process) = base.processes.iter().find(|p| p.procedure == t.code) else {
                continue;
            };
            let code: ProcedureCode = format!(
                "{}.{:06}",
                t.code.as_str().chars().next().unwrap_or('1'),
                900_000 + k
            )
            .parse()
            .map_err(bad)?;
            let mut p = t.clone();
            p.code = code.clone();
            p.version = 1;
            p.name = format!("{} ({})", t.name, names::qualifier(variant));
            p.publications.clear();
            catalog.publish(p).map_err(bad)?;
            let mut q = process.clone();
            q.id = format!("{}-{k}", process.id)
                .parse::<ProcessId>()
                .map_err(bad)?;
            q.version = 1;
            q.procedure = code;
            processes.push(q);
        }
        let process_of = processes
            .iter()
            .enumerate()
            .map(|(i, p)| (p.procedure.clone(), i))
            .collect();
        let process_at = processes
            .iter()
            .enumerate()
            .map(|(i, p)| (p.reference(), i))
            .collect();

        // Popularity: a few procedures carry most dossiers (Zipf, exponent 1.1), in an order
        // that keeps the base's everyday ones (births, certification) at the top.
        let mut codes: Vec<ProcedureCode> = templates.iter().map(|p| p.code.clone()).collect();
        codes.sort_by_key(base_rank);
        let mut rest: Vec<ProcedureCode> = catalog
            .latest()
            .map(|p| p.code.clone())
            .filter(|c| !codes.contains(c))
            .collect();
        rng.shuffle(&mut rest);
        codes.extend(rest);
        let mut total = 0.0;
        let (mut online, mut postal) = (0.0, 0.0);
        #[allow(clippy::cast_precision_loss)]
        let popularity: Vec<(f64, ProcedureCode)> = codes
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let w = 1.0 / ((i + 1) as f64).powf(1.1);
                let channels = &catalog.versions(&c).last().expect("listed").channels;
                if channels.contains(&motcua_domain::catalog::Channel::Online) {
                    online += w;
                }
                if channels.contains(&motcua_domain::catalog::Channel::Postal) {
                    postal += w;
                }
                total += w;
                (total, c)
            })
            .collect();

        let mut communes: Vec<UnitId> = org
            .units()
            .filter(|u| u.kind == UnitKind::Commune)
            .map(|u| u.id.clone())
            .collect();
        communes.sort();
        let mut staff: BTreeMap<(Role, UnitId), Vec<motcua_domain::OfficialId>> = BTreeMap::new();
        for o in org.officials() {
            for r in &o.roles {
                staff
                    .entry((r.role, r.unit.clone()))
                    .or_default()
                    .push(o.id.clone());
            }
        }
        Ok(World {
            org,
            catalog,
            processes,
            online_capable: online / total,
            postal_capable: postal / total,
            popularity,
            communes,
            staff,
            process_of,
            process_at,
        })
    }

    /// Units, every parent before its children.
    pub fn units_in_order(&self) -> Vec<&Unit> {
        let mut out = Vec::new();
        let mut stack: Vec<&Unit> = self.org.units().filter(|u| u.parent.is_none()).collect();
        stack.sort_by(|a, b| b.id.cmp(&a.id));
        while let Some(u) = stack.pop() {
            out.push(u);
            let mut children: Vec<&Unit> = self
                .org
                .children(&u.id)
                .iter()
                .filter_map(|c| self.org.unit(c))
                .collect();
            children.sort_by(|a, b| b.id.cmp(&a.id));
            stack.extend(children);
        }
        out
    }

    /// Every version the simulated dossiers name.
    pub(crate) fn rule_book(
        &self,
        base: &Base,
        calendar: &CalendarSet,
    ) -> Result<RuleBook, SimError> {
        let mut book = RuleBook::default();
        for p in self.catalog.latest() {
            book.add_procedure(p.clone()).map_err(bad)?;
        }
        for p in &self.processes {
            book.add_process(p.clone()).map_err(bad)?;
        }
        for u in self.org.units() {
            book.add_unit_code(u.id.clone(), u.code.clone());
        }
        book.add_calendar(base.calendar_ref.clone(), calendar);
        book.add_rules(base.rules.clone()).map_err(bad)?;
        Ok(book)
    }

    pub(crate) fn pick_procedure(&self, rng: &mut Rng) -> &ProcedureVersion {
        let total = self.popularity.last().map_or(1.0, |(t, _)| *t);
        let x = rng.f64() * total;
        let i = self.popularity.partition_point(|(t, _)| *t < x);
        let code = &self.popularity[i.min(self.popularity.len() - 1)].1;
        self.catalog
            .versions(code)
            .last()
            .expect("every popular code is in the catalog")
    }

    pub(crate) fn has_process_on(&self, code: &ProcedureCode, day: jiff::civil::Date) -> bool {
        self.process_of
            .get(code)
            .is_some_and(|i| self.processes[*i].effective_from <= day)
    }

    pub(crate) fn pick_commune(&self, rng: &mut Rng) -> &UnitId {
        &self.communes[rng.usize(..self.communes.len())]
    }

    pub(crate) fn process(&self, r: &ProcessRef) -> Option<&ProcessDefinition> {
        self.process_at.get(r).map(|i| &self.processes[*i])
    }

    /// The receiving desk, competent unit and process of a procedure's dossier filed in a
    /// commune, as the live system decides them.
    pub(crate) fn plan(&self, code: &ProcedureCode, commune: &UnitId) -> Plan {
        let process = &self.processes[self.process_of[code]];
        let receiving = match &process.owner {
            Some(_) => match &process.steps[0].place {
                StepPlace::Unit(u) => u.clone(),
                _ => "ttpvhcc".parse().expect("a valid key"),
            },
            None => commune.clone(),
        };
        let procedure = self.catalog.versions(code).last().expect("in the catalog");
        let police: Option<UnitId> = format!("ca-{commune}").parse().ok();
        let competent = if procedure.field.contains("cư trú")
            && police.as_ref().is_some_and(|p| self.org.unit(p).is_some())
        {
            police.expect("checked")
        } else {
            process.owner.clone().unwrap_or_else(|| receiving.clone())
        };
        Plan {
            receiving,
            competent,
            process: process.reference(),
        }
    }

    /// An official holding `role` in `unit` (else one who may act there).
    pub(crate) fn official(&self, rng: &mut Rng, role: Role, unit: &UnitId) -> Actor {
        if let Some(ids) = self.staff.get(&(role, unit.clone())) {
            return Actor::Official(ids[rng.usize(..ids.len())].clone());
        }
        self.org
            .officials()
            .find(|o| self.org.may_act(&o.id, role, unit))
            .map_or(Actor::System, |o| Actor::Official(o.id.clone()))
    }
}

/// The base's procedures in order of everyday use: births, certified copies and residence
/// first (HCMC's busiest), then the rest by code.
fn base_rank(code: &ProcedureCode) -> (u8, String) {
    let rank = match code.as_str() {
        "2.000815" | "2.000884" => 0,
        "1.001193" => 1,
        "1.004194" | "1.004222" => 2,
        "1.000894" | "1.000656" => 3,
        _ => 9,
    };
    (rank, code.to_string())
}
