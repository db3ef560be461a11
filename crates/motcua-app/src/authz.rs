//! Who may do what: every action by role and by unit scope.
//!
//! A desk officer or specialist acts only in the units where they hold the role; a unit
//! leader also in every unit below; an index viewer reads figures only; an administrator
//! manages the organisation and catalog of their subtree. The unit an action happens in is
//! decided by the dossier (the receiving desk, the current step's unit, the competent unit),
//! never by the caller.

use motcua_domain::UnitId;
use motcua_domain::org::{Official, Organisation, Role};
use motcua_store::DossierRow;

use crate::AppError;

/// Who is asking.
#[derive(Debug, Clone)]
pub enum Principal {
    /// A logged-in official.
    Official(Official),
    /// The applicant of one dossier, proven by its access key.
    Applicant {
        /// The dossier.
        code: String,
    },
    /// Anyone (public pages, online submission).
    Public,
    /// motcua itself (command-line tools: seeding, import). Never reachable over HTTP.
    System,
}

impl Principal {
    /// The official, if it is one.
    pub fn official(&self) -> Option<&Official> {
        match self {
            Principal::Official(o) => Some(o),
            _ => None,
        }
    }

    /// The idempotency scope of this principal.
    pub fn scope(&self) -> String {
        match self {
            Principal::Official(o) => format!("official:{}", o.id),
            Principal::Applicant { code } => format!("applicant:{code}"),
            Principal::Public => "public".to_owned(),
            Principal::System => "system".to_owned(),
        }
    }
}

/// Requires the official to hold one of `roles` for `unit` (leaders' and administrators'
/// roles cover their subtree).
pub fn require(
    org: &Organisation,
    official: &Official,
    roles: &[Role],
    unit: &UnitId,
) -> Result<(), AppError> {
    if roles.iter().any(|r| org.may_act(&official.id, *r, unit)) {
        return Ok(());
    }
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    Err(AppError::Forbidden(format!(
        "this needs the role {} in unit {unit}",
        names.join(" or ")
    )))
}

/// Whether an official may read a dossier: they handle dossiers (desk, specialist, leader)
/// in its receiving, competent or current unit.
pub fn may_read(org: &Organisation, official: &Official, row: &DossierRow) -> bool {
    let units = [
        Some(row.receiving_unit.as_str()),
        row.competent_unit.as_deref(),
        row.current_unit.as_deref(),
    ];
    units.into_iter().flatten().any(|u| {
        u.parse::<UnitId>().is_ok_and(|u| {
            [Role::DeskOfficer, Role::Specialist, Role::UnitLeader]
                .iter()
                .any(|r| org.may_act(&official.id, *r, &u))
        })
    })
}

/// The units whose dossiers an official may list: every unit where they handle dossiers,
/// with the subtrees of units they lead. `None` when that is every unit.
pub fn readable_units(org: &Organisation, official: &Official) -> Vec<UnitId> {
    let mut units: Vec<UnitId> = Vec::new();
    for r in &official.roles {
        match r.role {
            Role::UnitLeader => units.extend(org.subtree(&r.unit)),
            Role::DeskOfficer | Role::Specialist => units.push(r.unit.clone()),
            Role::IndexViewer | Role::Administrator => {}
        }
    }
    units.sort();
    units.dedup();
    units
}
