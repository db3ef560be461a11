//! Internal processes (quy trình nội bộ, quy trình điện tử): the approved, versioned steps
//! through which a procedure's dossiers are handled.
//!
//! A process is a list of ordered steps. Each step names where it is done (a fixed unit,
//! the dossier's competent unit, or the receiving desk), the role that does it, and its
//! allotment of working time. After a step, the dossier goes to the next step in order,
//! unless the step's outcome names a branch (e.g. `return` to an earlier step, or `refer`
//! to an inter-agency step). Inter-agency steps hand the dossier to another agency, which
//! gets its own slice of time.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use jiff::SignedDuration;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::catalog::ProcedureVersion;
use crate::ids::{ProcedureCode, ProcessId, StepId, UnitId};
use crate::org::{Organisation, Role};
use crate::time_limit::{TimeLimit, TimeUnit};

/// Where a step is done.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepPlace {
    /// A fixed unit, e.g. the land registration office.
    Unit(UnitId),
    /// The dossier's competent unit (for processes shared by every commune, say).
    Competent,
    /// The desk that received the dossier.
    ReceivingDesk,
}

impl fmt::Display for StepPlace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepPlace::Unit(u) => write!(f, "unit {u}"),
            StepPlace::Competent => f.write_str("the competent unit"),
            StepPlace::ReceivingDesk => f.write_str("the receiving desk"),
        }
    }
}

/// Where a branch leads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BranchTarget {
    /// Another step of the process.
    Step(StepId),
    /// The end of processing: the result can be issued.
    End,
}

/// A named outcome of a step that leads somewhere other than the next step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    /// The outcome's name, e.g. `approve`, `return`, `refer`.
    pub name: String,
    /// Where it leads.
    pub target: BranchTarget,
}

/// One step of an internal process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Key, unique in the process.
    pub id: StepId,
    /// Name, e.g. `Thẩm định hồ sơ`.
    pub name: String,
    /// Where it is done.
    pub place: StepPlace,
    /// Who does it.
    pub role: Role,
    /// Allotted working time, in minutes.
    pub allotted_minutes: u32,
    /// Whether the step hands the dossier to another agency (liên thông).
    #[serde(default)]
    pub inter_agency: bool,
    /// Where the dossier goes when the step completes without naming a branch; by default
    /// the following step, or the end after the last one.
    #[serde(default)]
    pub next: Option<BranchTarget>,
    /// Outcomes that lead elsewhere than the next step.
    #[serde(default)]
    pub branches: Vec<Branch>,
}

impl Step {
    /// The allotted working time.
    pub fn allotted(&self) -> SignedDuration {
        SignedDuration::from_mins(i64::from(self.allotted_minutes))
    }
}

/// A reference to one version of a process.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ProcessRef {
    /// The process.
    pub id: ProcessId,
    /// The version, from 1.
    pub version: u32,
}

impl fmt::Display for ProcessRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} v{}", self.id, self.version)
    }
}

/// One version of an internal process, approved by decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessDefinition {
    /// Key; versions share it.
    pub id: ProcessId,
    /// Version, from 1.
    pub version: u32,
    /// The procedure it handles.
    pub procedure: ProcedureCode,
    /// Name, e.g. `Quy trình đăng ký khai sinh cấp xã`.
    pub name: String,
    /// The unit that owns it; `None` for a template used by every competent unit.
    #[serde(default)]
    pub owner: Option<UnitId>,
    /// The decision approving it, e.g. `2345/QĐ-UBND`.
    #[serde(default)]
    pub approved_by: Option<String>,
    /// First day it applies to new dossiers.
    pub effective_from: Date,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// A process definition that cannot be approved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProcessError {
    /// A process without steps.
    #[error("process {0}: a process needs at least one step")]
    NoSteps(ProcessRef),
    /// Two steps with the same key.
    #[error("process {process}: step {step} is defined twice")]
    DuplicateStep {
        /// The process.
        process: ProcessRef,
        /// The step.
        step: StepId,
    },
    /// A step's name is blank.
    #[error("process {process}: step {step} has no name")]
    UnnamedStep {
        /// The process.
        process: ProcessRef,
        /// The step.
        step: StepId,
    },
    /// A step done in a unit that does not exist.
    #[error("process {process}: step {step} is done in unit {unit}, which does not exist")]
    UnknownUnit {
        /// The process.
        process: ProcessRef,
        /// The step.
        step: StepId,
        /// The unit.
        unit: UnitId,
    },
    /// The owner unit does not exist.
    #[error("process {process}: owner unit {unit} does not exist")]
    UnknownOwner {
        /// The process.
        process: ProcessRef,
        /// The unit.
        unit: UnitId,
    },
    /// A step given to a role that does not handle dossiers.
    #[error(
        "process {process}: step {step} is given to role {role}, which does not handle dossiers"
    )]
    RoleCannotHandle {
        /// The process.
        process: ProcessRef,
        /// The step.
        step: StepId,
        /// The role.
        role: Role,
    },
    /// A branch to a step that does not exist, or a repeated branch name.
    #[error("process {process}: branch {branch:?} of step {step} {problem}")]
    BadBranch {
        /// The process.
        process: ProcessRef,
        /// The step.
        step: StepId,
        /// The branch.
        branch: String,
        /// What is wrong.
        problem: &'static str,
    },
    /// A step no path reaches.
    #[error("process {process}: step {step} can never be reached")]
    Unreachable {
        /// The process.
        process: ProcessRef,
        /// The step.
        step: StepId,
    },
    /// An inter-agency step that does not leave the owning agency.
    #[error(
        "process {process}: inter-agency step {step} must be done in a fixed unit outside the owner's"
    )]
    InterAgencyInside {
        /// The process.
        process: ProcessRef,
        /// The step.
        step: StepId,
    },
    /// The process is for another procedure.
    #[error("process {process} handles procedure {process_procedure}, not {procedure}")]
    WrongProcedure {
        /// The process.
        process: ProcessRef,
        /// The procedure it names.
        process_procedure: ProcedureCode,
        /// The procedure it was checked against.
        procedure: ProcedureCode,
    },
    /// The steps' allotments exceed the limit.
    #[error(
        "process {process}: the steps on the main path take {total_minutes} working minutes, more than the {which} limit of {limit} (at most {max_minutes} working minutes)"
    )]
    ExceedsTimeLimit {
        /// The process.
        process: ProcessRef,
        /// Total allotted minutes on the main path.
        total_minutes: i64,
        /// Which limit.
        which: &'static str,
        /// The limit.
        limit: TimeLimit,
        /// The most working time the limit can hold.
        max_minutes: i64,
    },
}

impl ProcessDefinition {
    /// The reference to this version.
    pub fn reference(&self) -> ProcessRef {
        ProcessRef {
            id: self.id.clone(),
            version: self.version,
        }
    }

    /// The index of a step.
    pub fn position(&self, step: &StepId) -> Option<usize> {
        self.steps.iter().position(|s| &s.id == step)
    }

    /// Where a step's outcome leads: the named branch, or else the next step (or the end,
    /// after the last step). `None` if the branch does not exist.
    pub fn next_after(&self, index: usize, branch: Option<&str>) -> Option<BranchTarget> {
        let step = self.steps.get(index)?;
        match branch {
            Some(name) => step
                .branches
                .iter()
                .find(|b| b.name == name)
                .map(|b| b.target.clone()),
            None => Some(step.next.clone().unwrap_or_else(|| {
                self.steps
                    .get(index + 1)
                    .map_or(BranchTarget::End, |s| BranchTarget::Step(s.id.clone()))
            })),
        }
    }

    /// The steps of the main path: from the first step, following each step's default next
    /// step until the end (or until a step would repeat).
    pub fn main_path(&self) -> Vec<usize> {
        let mut path = Vec::new();
        let mut i = 0;
        while i < self.steps.len() && !path.contains(&i) {
            path.push(i);
            match self.next_after(i, None) {
                Some(BranchTarget::Step(id)) => match self.position(&id) {
                    Some(j) => i = j,
                    None => break,
                },
                _ => break,
            }
        }
        path
    }

    /// Total allotted time of the main path.
    pub fn main_path_allotment(&self) -> SignedDuration {
        self.main_path()
            .into_iter()
            .map(|i| self.steps[i].allotted())
            .sum()
    }

    /// Checks the process against the organisation and the procedure it handles: its
    /// structure ([`ProcessDefinition::validate_structure`]), that every unit exists, that
    /// inter-agency steps leave the owner, and that the allotments fit the limits. `day_length`
    /// is the length of a working day, to compare allotments with limits in working days.
    ///
    /// Allotments must fit every limit that applies (legal, online, local committed). For
    /// limits in calendar days or months, the check uses the most working time the limit
    /// could hold (every day a working day), so it flags only certain violations.
    pub fn validate(
        &self,
        org: &Organisation,
        procedure: &ProcedureVersion,
        day_length: SignedDuration,
    ) -> Result<(), ProcessError> {
        let process = self.reference();
        if self.procedure != procedure.code {
            return Err(ProcessError::WrongProcedure {
                process,
                process_procedure: self.procedure.clone(),
                procedure: procedure.code.clone(),
            });
        }
        self.validate_structure()?;
        if let Some(owner) = &self.owner
            && org.unit(owner).is_none()
        {
            return Err(ProcessError::UnknownOwner {
                process,
                unit: owner.clone(),
            });
        }
        for step in &self.steps {
            if let StepPlace::Unit(unit) = &step.place
                && org.unit(unit).is_none()
            {
                return Err(ProcessError::UnknownUnit {
                    process,
                    step: step.id.clone(),
                    unit: unit.clone(),
                });
            }
            if step.inter_agency {
                let outside = match (&step.place, &self.owner) {
                    (StepPlace::Unit(u), Some(owner)) => !org.is_within(u, owner),
                    (StepPlace::Unit(_), None) => true,
                    _ => false,
                };
                if !outside {
                    return Err(ProcessError::InterAgencyInside {
                        process,
                        step: step.id.clone(),
                    });
                }
            }
        }
        let total = self.main_path_allotment();
        for (which, limit) in [
            ("legal", Some(procedure.time_limit)),
            ("online", procedure.online_time_limit),
            ("local committed", procedure.local_time_limit),
        ] {
            let Some(limit) = limit else { continue };
            let max = max_working_time(limit, day_length);
            if total > max {
                return Err(ProcessError::ExceedsTimeLimit {
                    process,
                    total_minutes: total.as_mins(),
                    which,
                    limit,
                    max_minutes: max.as_mins(),
                });
            }
        }
        Ok(())
    }

    /// Checks what can be checked without the organisation: at least one step; unique,
    /// named steps given to roles that handle dossiers; branches with unique names and
    /// targets that exist; every step reachable from the first.
    pub fn validate_structure(&self) -> Result<(), ProcessError> {
        let process = self.reference();
        if self.steps.is_empty() {
            return Err(ProcessError::NoSteps(process));
        }
        let ids: BTreeMap<&StepId, usize> = self
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| (&s.id, i))
            .collect();
        let mut seen = BTreeSet::new();
        for step in &self.steps {
            let bad_branch = |branch: &str, problem| ProcessError::BadBranch {
                process: process.clone(),
                step: step.id.clone(),
                branch: branch.to_owned(),
                problem,
            };
            if !seen.insert(&step.id) {
                return Err(ProcessError::DuplicateStep {
                    process,
                    step: step.id.clone(),
                });
            }
            if step.name.trim().is_empty() {
                return Err(ProcessError::UnnamedStep {
                    process,
                    step: step.id.clone(),
                });
            }
            if !step.role.handles_dossiers() {
                return Err(ProcessError::RoleCannotHandle {
                    process,
                    step: step.id.clone(),
                    role: step.role,
                });
            }
            if let Some(BranchTarget::Step(target)) = &step.next
                && !ids.contains_key(target)
            {
                return Err(bad_branch("next", "leads to a step that does not exist"));
            }
            let mut names = BTreeSet::new();
            for b in &step.branches {
                if b.name.trim().is_empty() {
                    return Err(bad_branch(&b.name, "has no name"));
                }
                if !names.insert(b.name.as_str()) {
                    return Err(bad_branch(&b.name, "is defined twice"));
                }
                if let BranchTarget::Step(target) = &b.target
                    && !ids.contains_key(target)
                {
                    return Err(bad_branch(&b.name, "leads to a step that does not exist"));
                }
            }
        }
        // Every step must be reachable from the first, following the order and branches.
        let mut reached = BTreeSet::from([0usize]);
        let mut stack = vec![0usize];
        while let Some(i) = stack.pop() {
            let mut targets = vec![self.next_after(i, None)];
            targets.extend(
                self.steps[i]
                    .branches
                    .iter()
                    .map(|b| Some(b.target.clone())),
            );
            for t in targets.into_iter().flatten() {
                if let BranchTarget::Step(id) = t {
                    let j = ids[&id];
                    if reached.insert(j) {
                        stack.push(j);
                    }
                }
            }
        }
        if let Some(i) = (0..self.steps.len()).find(|i| !reached.contains(i)) {
            return Err(ProcessError::Unreachable {
                process,
                step: self.steps[i].id.clone(),
            });
        }
        Ok(())
    }
}

/// The most working time a limit can hold.
fn max_working_time(limit: TimeLimit, day_length: SignedDuration) -> SignedDuration {
    let n = i32::try_from(limit.value()).expect("limits are bounded");
    match limit.unit() {
        TimeUnit::WorkingHours => SignedDuration::from_hours(i64::from(n)),
        TimeUnit::WorkingDays | TimeUnit::CalendarDays => day_length * n,
        TimeUnit::Months => day_length * (n * 31),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::catalog::tests::birth_registration;
    use crate::org::{Unit, UnitKind};
    use jiff::civil::date;

    pub(crate) fn org() -> Organisation {
        let u = |id: &str, code: &str, parent: Option<&str>, kind| Unit {
            id: id.parse().unwrap(),
            code: code.parse().unwrap(),
            name: format!("Đơn vị {id}"),
            kind,
            parent: parent.map(|p| p.parse().unwrap()),
        };
        Organisation::from_parts(
            vec![
                u("tinh", "H29", None, UnitKind::Province),
                u("xa-tan-an", "H29.01", Some("tinh"), UnitKind::Commune),
                u("cong-an-tinh", "H29.90", Some("tinh"), UnitKind::Department),
            ],
            vec![],
        )
        .unwrap()
    }

    fn step(id: &str, place: StepPlace, role: Role, hours: u32) -> Step {
        Step {
            id: id.parse().unwrap(),
            name: format!("Bước {id}"),
            place,
            role,
            allotted_minutes: hours * 60,
            inter_agency: false,
            next: None,
            branches: vec![],
        }
    }

    /// A commune template: desk → specialist → leader, 7 working hours on the main path, with
    /// an optional verification by the provincial police (inter-agency, 1 hour).
    pub(crate) fn commune_process() -> ProcessDefinition {
        let mut examine = step("tham-dinh", StepPlace::Competent, Role::Specialist, 4);
        examine.branches.push(Branch {
            name: "refer".into(),
            target: BranchTarget::Step("xac-minh".parse().unwrap()),
        });
        let mut sign = step("phe-duyet", StepPlace::Competent, Role::UnitLeader, 2);
        sign.next = Some(BranchTarget::End);
        sign.branches.push(Branch {
            name: "return".into(),
            target: BranchTarget::Step("tham-dinh".parse().unwrap()),
        });
        let mut verify = step(
            "xac-minh",
            StepPlace::Unit("cong-an-tinh".parse().unwrap()),
            Role::Specialist,
            0,
        );
        verify.allotted_minutes = 60;
        verify.inter_agency = true;
        verify.next = Some(BranchTarget::Step("phe-duyet".parse().unwrap()));
        ProcessDefinition {
            id: "khai-sinh-xa".parse().unwrap(),
            version: 1,
            procedure: "1.001193".parse().unwrap(),
            name: "Quy trình đăng ký khai sinh".into(),
            owner: None,
            approved_by: Some("100/QĐ-UBND".into()),
            effective_from: date(2024, 1, 1),
            steps: vec![
                step("tiep-nhan", StepPlace::ReceivingDesk, Role::DeskOfficer, 1),
                examine,
                sign,
                verify,
            ],
        }
    }

    #[test]
    fn a_sound_process_validates() {
        let p = commune_process();
        p.validate(&org(), &birth_registration(), SignedDuration::from_hours(8))
            .unwrap();
        assert_eq!(p.main_path(), [0, 1, 2]);
        assert_eq!(p.main_path_allotment(), SignedDuration::from_hours(7));
        assert_eq!(
            p.next_after(0, None),
            Some(BranchTarget::Step("tham-dinh".parse().unwrap()))
        );
        assert_eq!(p.next_after(2, None), Some(BranchTarget::End));
        assert_eq!(
            p.next_after(3, None),
            Some(BranchTarget::Step("phe-duyet".parse().unwrap()))
        );
        assert_eq!(p.next_after(1, Some("nope")), None);
    }

    #[test]
    fn allotments_must_fit_the_time_limit() {
        let mut p = commune_process();
        p.steps[1].allotted_minutes = 6 * 60;
        let err = p
            .validate(&org(), &birth_registration(), SignedDuration::from_hours(8))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "process khai-sinh-xa v1: the steps on the main path take 540 working minutes, more than the legal limit of 1 working day (at most 480 working minutes)"
        );
    }

    #[test]
    fn broken_processes_are_refused_precisely() {
        let check = |p: ProcessDefinition| {
            p.validate(&org(), &birth_registration(), SignedDuration::from_hours(8))
                .unwrap_err()
                .to_string()
        };
        let mut p = commune_process();
        p.steps[1].place = StepPlace::Unit("ghost".parse().unwrap());
        assert_eq!(
            check(p),
            "process khai-sinh-xa v1: step tham-dinh is done in unit ghost, which does not exist"
        );
        let mut p = commune_process();
        p.steps[2].id = "tiep-nhan".parse().unwrap();
        assert_eq!(
            check(p),
            "process khai-sinh-xa v1: step tiep-nhan is defined twice"
        );
        let mut p = commune_process();
        p.steps[1].branches[0].target = BranchTarget::Step("ghost".parse().unwrap());
        assert_eq!(
            check(p),
            "process khai-sinh-xa v1: branch \"refer\" of step tham-dinh leads to a step that does not exist"
        );
        let mut p = commune_process();
        p.steps[1].branches.clear();
        assert_eq!(
            check(p),
            "process khai-sinh-xa v1: step xac-minh can never be reached"
        );
        let mut p = commune_process();
        p.steps[3].place = StepPlace::Competent;
        assert_eq!(
            check(p),
            "process khai-sinh-xa v1: inter-agency step xac-minh must be done in a fixed unit outside the owner's"
        );
        let mut p = commune_process();
        p.steps[2].role = Role::IndexViewer;
        assert_eq!(
            check(p),
            "process khai-sinh-xa v1: step phe-duyet is given to role index-viewer, which does not handle dossiers"
        );
        let mut p = commune_process();
        p.steps.clear();
        assert_eq!(
            check(p),
            "process khai-sinh-xa v1: a process needs at least one step"
        );
        let mut p = commune_process();
        p.procedure = "2.001417".parse().unwrap();
        assert_eq!(
            check(p),
            "process khai-sinh-xa v1 handles procedure 2.001417, not 1.001193"
        );
    }

    #[test]
    fn an_inter_agency_step_inside_the_owner_is_refused() {
        let mut p = commune_process();
        p.owner = Some("tinh".parse().unwrap());
        // cong-an-tinh lies inside tinh, so it is not another agency for this owner.
        let err = p
            .validate(&org(), &birth_registration(), SignedDuration::from_hours(8))
            .unwrap_err();
        assert!(matches!(err, ProcessError::InterAgencyInside { .. }));
    }
}
