//! The organisation: a tree of units of any depth, and officials holding roles in units.
//!
//! The tree is data: the seeds' three tiers (province → district → commune) and today's two
//! (province → commune, since 1/7/2025) both fit, as do ministries with their departments
//! and sub-offices.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{OfficialId, UnitCode, UnitId};

/// What kind of body a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnitKind {
    /// A ministry or central agency (bộ, cơ quan ngang bộ).
    Ministry,
    /// A province or centrally-run city (tỉnh, thành phố trực thuộc trung ương).
    Province,
    /// A department of a province or ministry (sở, ban, ngành; cục, vụ).
    Department,
    /// A district (quận, huyện, thị xã) — the middle tier before 1/7/2025.
    District,
    /// A commune, ward or town (xã, phường, thị trấn, đặc khu).
    Commune,
    /// A public administration service centre or one-stop desk (Trung tâm Phục vụ hành
    /// chính công, Bộ phận Một cửa).
    ServiceCentre,
    /// A division inside another unit (phòng, chi cục, văn phòng đăng ký…).
    Division,
}

/// A unit of the organisation (đơn vị).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// Stable key.
    pub id: UnitId,
    /// National identifier code, used in dossier codes.
    pub code: UnitCode,
    /// Official name, e.g. `Sở Tư pháp`.
    pub name: String,
    /// What kind of body it is.
    pub kind: UnitKind,
    /// The unit above it; `None` for a root (a province or ministry).
    pub parent: Option<UnitId>,
}

/// A role an official holds in a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Desk officer (cán bộ tiếp nhận, Bộ phận Một cửa): receives dossiers, returns results.
    DeskOfficer,
    /// Specialist (chuyên viên xử lý): examines and processes dossiers.
    Specialist,
    /// Unit leader (lãnh đạo đơn vị): approves and signs; sees the whole subtree.
    UnitLeader,
    /// Index viewer: reads figures of the unit and its subtree, acts on no dossier.
    IndexViewer,
    /// Administrator: manages units, officials, catalog and calendars of the subtree.
    Administrator,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [
        Role::DeskOfficer,
        Role::Specialist,
        Role::UnitLeader,
        Role::IndexViewer,
        Role::Administrator,
    ];

    /// Whether holding the role in a unit extends to every unit below it.
    pub fn covers_subtree(self) -> bool {
        matches!(
            self,
            Role::UnitLeader | Role::IndexViewer | Role::Administrator
        )
    }

    /// Whether the role handles dossiers (receives, processes, approves).
    pub fn handles_dossiers(self) -> bool {
        matches!(
            self,
            Role::DeskOfficer | Role::Specialist | Role::UnitLeader
        )
    }

    /// The machine name, e.g. `desk-officer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::DeskOfficer => "desk-officer",
            Role::Specialist => "specialist",
            Role::UnitLeader => "unit-leader",
            Role::IndexViewer => "index-viewer",
            Role::Administrator => "administrator",
        }
    }

    /// The Vietnamese name.
    pub fn vietnamese(self) -> &'static str {
        match self {
            Role::DeskOfficer => "Cán bộ tiếp nhận",
            Role::Specialist => "Chuyên viên xử lý",
            Role::UnitLeader => "Lãnh đạo đơn vị",
            Role::IndexViewer => "Người theo dõi chỉ số",
            Role::Administrator => "Quản trị hệ thống",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role held in a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleAssignment {
    /// The role.
    pub role: Role,
    /// Where it is held.
    pub unit: UnitId,
}

/// An official (cán bộ, công chức, viên chức).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Official {
    /// Stable key.
    pub id: OfficialId,
    /// Full name, e.g. `Nguyễn Thị Lan`.
    pub name: String,
    /// Job title, e.g. `Phó Giám đốc`.
    #[serde(default)]
    pub title: Option<String>,
    /// Roles held, each in a unit.
    pub roles: Vec<RoleAssignment>,
}

/// An organisation that cannot be built as described.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgError {
    /// Two units share a key.
    #[error("unit {0} already exists")]
    DuplicateUnit(UnitId),
    /// Two units share a national code.
    #[error("unit code {code} is already used by unit {existing}")]
    DuplicateCode {
        /// The code.
        code: UnitCode,
        /// The unit that has it.
        existing: UnitId,
    },
    /// A reference to a unit that does not exist.
    #[error("unknown unit {0}")]
    UnknownUnit(UnitId),
    /// A name that is empty or blank.
    #[error("the name of {0} must not be empty")]
    EmptyName(String),
    /// Two officials share a key.
    #[error("official {0} already exists")]
    DuplicateOfficial(OfficialId),
    /// Moving a unit under itself or one of its descendants.
    #[error("unit {unit} cannot be placed under {parent}, which is inside it")]
    Cycle {
        /// The unit being moved.
        unit: UnitId,
        /// The proposed parent.
        parent: UnitId,
    },
    /// An official with no role at all.
    #[error("official {0} holds no role")]
    NoRole(OfficialId),
}

/// The organisation tree and its officials.
///
/// ```
/// use motcua_domain::org::{Organisation, Unit, UnitKind, Official, Role, RoleAssignment};
/// let mut org = Organisation::default();
/// let unit = |id: &str, code: &str, parent: Option<&str>, kind| Unit {
///     id: id.parse().unwrap(), code: code.parse().unwrap(), name: id.to_uppercase(),
///     kind, parent: parent.map(|p| p.parse().unwrap()),
/// };
/// org.add_unit(unit("tinh", "H29", None, UnitKind::Province)).unwrap();
/// org.add_unit(unit("xa-a", "H29.01", Some("tinh"), UnitKind::Commune)).unwrap();
/// org.add_unit(unit("xa-b", "H29.02", Some("tinh"), UnitKind::Commune)).unwrap();
/// org.add_official(Official {
///     id: "lan".parse().unwrap(), name: "Nguyễn Thị Lan".into(), title: None,
///     roles: vec![RoleAssignment { role: Role::DeskOfficer, unit: "xa-a".parse().unwrap() }],
/// }).unwrap();
/// let lan = "lan".parse().unwrap();
/// assert!(org.may_act(&lan, Role::DeskOfficer, &"xa-a".parse().unwrap()));
/// assert!(!org.may_act(&lan, Role::DeskOfficer, &"xa-b".parse().unwrap()));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Organisation {
    units: BTreeMap<UnitId, Unit>,
    by_code: BTreeMap<UnitCode, UnitId>,
    children: BTreeMap<UnitId, Vec<UnitId>>,
    officials: BTreeMap<OfficialId, Official>,
    /// Who holds each role in each unit (in that very unit), in key order.
    holders: BTreeMap<(UnitId, Role), Vec<OfficialId>>,
}

/// Keeps children in key order, so that listings do not depend on insertion order.
fn insert_sorted(list: &mut Vec<UnitId>, id: UnitId) {
    if let Err(pos) = list.binary_search(&id) {
        list.insert(pos, id);
    }
}

fn non_empty(name: &str, what: impl fmt::Display) -> Result<(), OrgError> {
    if name.trim().is_empty() {
        return Err(OrgError::EmptyName(what.to_string()));
    }
    Ok(())
}

impl Organisation {
    /// Builds an organisation from units in any order and officials.
    pub fn from_parts(units: Vec<Unit>, officials: Vec<Official>) -> Result<Self, OrgError> {
        let mut org = Organisation::default();
        let mut pending = units;
        // Parents first: repeatedly add the units whose parent is present.
        while !pending.is_empty() {
            let before = pending.len();
            let mut rest = Vec::new();
            for u in pending {
                if u.parent.as_ref().is_none_or(|p| org.units.contains_key(p)) {
                    org.add_unit(u)?;
                } else {
                    rest.push(u);
                }
            }
            if rest.len() == before {
                return Err(Self::unplaceable(&rest));
            }
            pending = rest;
        }
        for o in officials {
            org.add_official(o)?;
        }
        Ok(org)
    }

    /// Why none of `rest` can be placed: a parent that is missing altogether, or else a
    /// cycle among them.
    fn unplaceable(rest: &[Unit]) -> OrgError {
        let waiting: BTreeMap<&UnitId, &UnitId> = rest
            .iter()
            .filter_map(|u| u.parent.as_ref().map(|p| (&u.id, p)))
            .collect();
        if let Some(missing) = waiting.values().find(|p| !waiting.contains_key(**p)) {
            return OrgError::UnknownUnit((*missing).clone());
        }
        let (unit, parent) = waiting
            .iter()
            .next()
            .expect("only units with a parent wait");
        OrgError::Cycle {
            unit: (*unit).clone(),
            parent: (*parent).clone(),
        }
    }

    /// Adds a unit; its parent must already exist.
    pub fn add_unit(&mut self, unit: Unit) -> Result<(), OrgError> {
        non_empty(&unit.name, &unit.id)?;
        if self.units.contains_key(&unit.id) {
            return Err(OrgError::DuplicateUnit(unit.id));
        }
        if let Some(existing) = self.by_code.get(&unit.code) {
            return Err(OrgError::DuplicateCode {
                code: unit.code,
                existing: existing.clone(),
            });
        }
        if let Some(parent) = &unit.parent {
            if !self.units.contains_key(parent) {
                return Err(OrgError::UnknownUnit(parent.clone()));
            }
            insert_sorted(
                self.children.entry(parent.clone()).or_default(),
                unit.id.clone(),
            );
        }
        self.by_code.insert(unit.code.clone(), unit.id.clone());
        self.units.insert(unit.id.clone(), unit);
        Ok(())
    }

    /// Moves a unit (and its subtree) under another parent, e.g. after a reorganisation.
    pub fn move_unit(&mut self, id: &UnitId, new_parent: Option<UnitId>) -> Result<(), OrgError> {
        if !self.units.contains_key(id) {
            return Err(OrgError::UnknownUnit(id.clone()));
        }
        if let Some(p) = &new_parent {
            if !self.units.contains_key(p) {
                return Err(OrgError::UnknownUnit(p.clone()));
            }
            if self.is_within(p, id) {
                return Err(OrgError::Cycle {
                    unit: id.clone(),
                    parent: p.clone(),
                });
            }
        }
        let unit = self.units.get_mut(id).expect("checked above");
        if let Some(old) = unit.parent.take()
            && let Some(siblings) = self.children.get_mut(&old)
        {
            siblings.retain(|c| c != id);
        }
        unit.parent.clone_from(&new_parent);
        if let Some(p) = new_parent {
            insert_sorted(self.children.entry(p).or_default(), id.clone());
        }
        Ok(())
    }

    /// Adds an official; every unit they hold a role in must exist.
    pub fn add_official(&mut self, official: Official) -> Result<(), OrgError> {
        non_empty(&official.name, &official.id)?;
        if self.officials.contains_key(&official.id) {
            return Err(OrgError::DuplicateOfficial(official.id));
        }
        if official.roles.is_empty() {
            return Err(OrgError::NoRole(official.id));
        }
        for r in &official.roles {
            if !self.units.contains_key(&r.unit) {
                return Err(OrgError::UnknownUnit(r.unit.clone()));
            }
        }
        for r in &official.roles {
            let holders = self.holders.entry((r.unit.clone(), r.role)).or_default();
            if let Err(at) = holders.binary_search(&official.id) {
                holders.insert(at, official.id.clone());
            }
        }
        self.officials.insert(official.id.clone(), official);
        Ok(())
    }

    /// The officials who hold `role` in `unit` itself (not above it), in key order.
    pub fn holders(&self, role: Role, unit: &UnitId) -> impl Iterator<Item = &Official> {
        self.holders
            .get(&(unit.clone(), role))
            .into_iter()
            .flatten()
            .filter_map(|id| self.officials.get(id))
    }

    /// A unit by key.
    pub fn unit(&self, id: &UnitId) -> Option<&Unit> {
        self.units.get(id)
    }

    /// A unit by national code.
    pub fn unit_by_code(&self, code: &UnitCode) -> Option<&Unit> {
        self.by_code.get(code).and_then(|id| self.units.get(id))
    }

    /// An official by key.
    pub fn official(&self, id: &OfficialId) -> Option<&Official> {
        self.officials.get(id)
    }

    /// Every unit, by key.
    pub fn units(&self) -> impl Iterator<Item = &Unit> {
        self.units.values()
    }

    /// Every official, by key.
    pub fn officials(&self) -> impl Iterator<Item = &Official> {
        self.officials.values()
    }

    /// The units directly below `id`, in key order.
    pub fn children(&self, id: &UnitId) -> &[UnitId] {
        self.children.get(id).map_or(&[], Vec::as_slice)
    }

    /// The chain of units above `id`, nearest first.
    pub fn ancestors<'a>(&'a self, id: &UnitId) -> impl Iterator<Item = &'a Unit> + 'a {
        let mut next = self.units.get(id).and_then(|u| u.parent.clone());
        std::iter::from_fn(move || {
            let unit = self.units.get(next.as_ref()?)?;
            next.clone_from(&unit.parent);
            Some(unit)
        })
    }

    /// Whether `unit` is `ancestor` or lies below it.
    pub fn is_within(&self, unit: &UnitId, ancestor: &UnitId) -> bool {
        unit == ancestor || self.ancestors(unit).any(|u| &u.id == ancestor)
    }

    /// `id` and every unit below it, depth first.
    pub fn subtree(&self, id: &UnitId) -> Vec<UnitId> {
        let mut out = Vec::new();
        let mut stack = vec![id.clone()];
        while let Some(u) = stack.pop() {
            if self.units.contains_key(&u) {
                stack.extend(self.children(&u).iter().rev().cloned());
                out.push(u);
            }
        }
        out
    }

    /// Whether `official` may act with `role` on something belonging to `unit`: they hold
    /// the role in that unit, or in a unit above it for roles that cover their subtree.
    pub fn may_act(&self, official: &OfficialId, role: Role, unit: &UnitId) -> bool {
        self.officials.get(official).is_some_and(|o| {
            o.roles.iter().any(|r| {
                r.role == role
                    && (r.unit == *unit || (role.covers_subtree() && self.is_within(unit, &r.unit)))
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: &str, code: &str, parent: Option<&str>, kind: UnitKind) -> Unit {
        Unit {
            id: id.parse().unwrap(),
            code: code.parse().unwrap(),
            name: format!("Đơn vị {id}"),
            kind,
            parent: parent.map(|p| p.parse().unwrap()),
        }
    }

    fn official(id: &str, roles: &[(Role, &str)]) -> Official {
        Official {
            id: id.parse().unwrap(),
            name: format!("Cán bộ {id}"),
            title: None,
            roles: roles
                .iter()
                .map(|(role, u)| RoleAssignment {
                    role: *role,
                    unit: u.parse().unwrap(),
                })
                .collect(),
        }
    }

    fn id(s: &str) -> UnitId {
        s.parse().unwrap()
    }

    /// Three tiers, as in the seeds: province → district → commune.
    fn three_tiers() -> Organisation {
        Organisation::from_parts(
            vec![
                unit("xa-1", "H29.10.01", Some("huyen"), UnitKind::Commune),
                unit("huyen", "H29.10", Some("tinh"), UnitKind::District),
                unit("tinh", "H29", None, UnitKind::Province),
                unit("so-tp", "000.00.12.H29", Some("tinh"), UnitKind::Department),
                unit("xa-2", "H29.10.02", Some("huyen"), UnitKind::Commune),
            ],
            vec![
                official("desk-1", &[(Role::DeskOfficer, "xa-1")]),
                official("leader-huyen", &[(Role::UnitLeader, "huyen")]),
                official("viewer", &[(Role::IndexViewer, "tinh")]),
            ],
        )
        .unwrap()
    }

    #[test]
    fn units_may_arrive_in_any_order_and_form_a_tree() {
        let org = three_tiers();
        assert_eq!(
            org.subtree(&id("huyen")),
            [id("huyen"), id("xa-1"), id("xa-2")]
        );
        let chain: Vec<_> = org
            .ancestors(&id("xa-2"))
            .map(|u| u.id.as_str().to_owned())
            .collect();
        assert_eq!(chain, ["huyen", "tinh"]);
        assert!(org.is_within(&id("xa-1"), &id("tinh")));
        assert!(!org.is_within(&id("so-tp"), &id("huyen")));
        assert_eq!(
            org.unit_by_code(&"H29.10".parse().unwrap()).unwrap().id,
            id("huyen")
        );
    }

    #[test]
    fn holders_are_those_with_the_role_in_the_unit_itself() {
        let mut org = three_tiers();
        org.add_official(official(
            "desk-0",
            &[(Role::DeskOfficer, "xa-1"), (Role::Specialist, "xa-2")],
        ))
        .unwrap();
        let names = |role, unit: &str| -> Vec<String> {
            org.holders(role, &id(unit))
                .map(|o| o.id.to_string())
                .collect()
        };
        assert_eq!(names(Role::DeskOfficer, "xa-1"), ["desk-0", "desk-1"]);
        assert_eq!(names(Role::Specialist, "xa-2"), ["desk-0"]);
        // A district leader leads its communes, but holds the role in the district only.
        assert_eq!(names(Role::UnitLeader, "huyen"), ["leader-huyen"]);
        assert!(names(Role::UnitLeader, "xa-1").is_empty());
    }

    #[test]
    fn a_two_tier_reorganisation_moves_communes_under_the_province() {
        let mut org = three_tiers();
        org.move_unit(&id("xa-1"), Some(id("tinh"))).unwrap();
        assert_eq!(org.ancestors(&id("xa-1")).count(), 1);
        assert_eq!(org.children(&id("huyen")), [id("xa-2")]);
        let err = org.move_unit(&id("tinh"), Some(id("xa-2"))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unit tinh cannot be placed under xa-2, which is inside it"
        );
    }

    #[test]
    fn scopes_follow_roles_and_the_tree() {
        let org = three_tiers();
        let o = |s: &str| s.parse::<OfficialId>().unwrap();
        assert!(org.may_act(&o("desk-1"), Role::DeskOfficer, &id("xa-1")));
        assert!(!org.may_act(&o("desk-1"), Role::DeskOfficer, &id("xa-2")));
        assert!(!org.may_act(&o("desk-1"), Role::Specialist, &id("xa-1")));
        assert!(org.may_act(&o("leader-huyen"), Role::UnitLeader, &id("xa-2")));
        assert!(!org.may_act(&o("leader-huyen"), Role::UnitLeader, &id("so-tp")));
        assert!(org.may_act(&o("viewer"), Role::IndexViewer, &id("xa-2")));
        assert!(!org.may_act(&o("viewer"), Role::DeskOfficer, &id("xa-2")));
        assert!(!org.may_act(&o("nobody"), Role::DeskOfficer, &id("xa-1")));
    }

    #[test]
    fn bad_organisations_are_refused() {
        let mut org = three_tiers();
        assert_eq!(
            org.add_unit(unit("xa-3", "H29.10.01", Some("huyen"), UnitKind::Commune))
                .unwrap_err(),
            OrgError::DuplicateCode {
                code: "H29.10.01".parse().unwrap(),
                existing: id("xa-1")
            }
        );
        assert_eq!(
            org.add_unit(unit("xa-1", "H29.10.09", Some("huyen"), UnitKind::Commune))
                .unwrap_err(),
            OrgError::DuplicateUnit(id("xa-1"))
        );
        assert!(matches!(
            org.add_official(official("x", &[(Role::Specialist, "nowhere")])),
            Err(OrgError::UnknownUnit(_))
        ));
        assert!(matches!(
            org.add_official(official("y", &[])),
            Err(OrgError::NoRole(_))
        ));
        let mut blank = unit("z", "H30", None, UnitKind::Province);
        blank.name = "  ".into();
        assert_eq!(
            org.add_unit(blank).unwrap_err().to_string(),
            "the name of z must not be empty"
        );
        let err = Organisation::from_parts(
            vec![unit("a", "H31", Some("ghost"), UnitKind::Commune)],
            vec![],
        )
        .unwrap_err();
        assert_eq!(err, OrgError::UnknownUnit(id("ghost")));
        let err = Organisation::from_parts(
            vec![
                unit("a", "H31", Some("b"), UnitKind::Commune),
                unit("b", "H32", Some("a"), UnitKind::Commune),
            ],
            vec![],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "unit a cannot be placed under b, which is inside it"
        );
    }
}
