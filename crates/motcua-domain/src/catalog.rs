//! The procedure catalog (danh mục thủ tục hành chính).
//!
//! A procedure is a series of immutable versions: each publication decision (quyết định
//! công bố) that changes a procedure creates a new version, and older versions stay for the
//! dossiers received under them. A version may be corrected only while no dossier uses it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::ids::{ProcedureCode, UnitId};
use crate::time_limit::TimeLimit;

/// How a dossier reaches the one-stop desk (`KenhThucHien` in the national sync).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    /// 1 — in person at the desk (trực tiếp).
    Desk,
    /// 2 — online (trực tuyến).
    Online,
    /// 3 — by the public postal service (bưu chính công ích).
    Postal,
}

impl Channel {
    /// The national code: 1 desk, 2 online, 3 postal.
    pub fn code(self) -> u8 {
        match self {
            Channel::Desk => 1,
            Channel::Online => 2,
            Channel::Postal => 3,
        }
    }

    /// The Vietnamese name.
    pub fn vietnamese(self) -> &'static str {
        match self {
            Channel::Desk => "Trực tiếp",
            Channel::Online => "Trực tuyến",
            Channel::Postal => "Bưu chính công ích",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Channel::Desk => "desk",
            Channel::Online => "online",
            Channel::Postal => "postal",
        })
    }
}

/// The level of government that performs a procedure (cấp thực hiện).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Ministry or central agency (cấp bộ / trung ương).
    Central,
    /// Province (cấp tỉnh).
    Province,
    /// District (cấp huyện), until 30/6/2025.
    District,
    /// Commune (cấp xã).
    Commune,
}

/// Who may apply (đối tượng thực hiện).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Audience {
    /// Vietnamese citizens.
    Citizen,
    /// Overseas Vietnamese.
    OverseasVietnamese,
    /// Foreigners.
    Foreigner,
    /// Organisations and businesses.
    Organisation,
}

/// How far a procedure can be done online (Decree 42/2022).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnlineLevel {
    /// No online service.
    None,
    /// Partly online (một phần).
    Partial,
    /// Fully online (toàn trình).
    Full,
}

/// Whether a component must always be submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Requirement {
    /// Always required.
    Mandatory,
    /// Required only in the stated case.
    Conditional {
        /// When it is required, e.g. `Trường hợp ủy quyền`.
        condition: String,
    },
}

/// A dossier component (thành phần hồ sơ): a document the applicant provides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    /// Name, e.g. `Tờ khai đăng ký khai sinh`.
    pub name: String,
    /// Number of originals (bản chính).
    #[serde(default)]
    pub originals: u8,
    /// Number of copies (bản sao).
    #[serde(default)]
    pub copies: u8,
    /// Mandatory or conditional.
    pub requirement: Requirement,
    /// The template form, e.g. `Mẫu TK-01`.
    #[serde(default)]
    pub template: Option<String>,
    /// Whether the desk must digitize it (số hóa).
    #[serde(default)]
    pub digitize: bool,
    /// The document type under which it can be taken from the citizen's e-data store or a
    /// national database instead of being submitted (tái sử dụng).
    #[serde(default)]
    pub reusable_as: Option<String>,
}

/// Fee or charge (phí / lệ phí).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FeeKind {
    /// Phí: pays for a service.
    Fee,
    /// Lệ phí: a state charge.
    Charge,
}

/// One fee rule: an amount for a case, with per-channel amounts (e.g. online reductions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeRule {
    /// The case it applies to, e.g. `Đăng ký khai sinh đúng hạn`.
    pub case: String,
    /// Fee or charge.
    pub kind: FeeKind,
    /// Amount in đồng for every channel without its own amount.
    pub amount_vnd: u64,
    /// Amounts for particular channels (online submission is often reduced or free).
    #[serde(default)]
    pub channel_amounts: BTreeMap<Channel, u64>,
}

impl FeeRule {
    /// The amount due through a channel.
    pub fn amount_for(&self, channel: Channel) -> u64 {
        self.channel_amounts
            .get(&channel)
            .copied()
            .unwrap_or(self.amount_vnd)
    }
}

/// Paper, electronic, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResultForm {
    /// A paper document only.
    Paper,
    /// A signed electronic document only.
    Electronic,
    /// Both.
    PaperAndElectronic,
}

/// What the procedure produces (kết quả thực hiện).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultSpec {
    /// Name, e.g. `Giấy khai sinh`.
    pub name: String,
    /// Its form.
    pub form: ResultForm,
    /// How long it is valid, if limited.
    #[serde(default)]
    pub validity: Option<String>,
}

/// A legal document the procedure rests on (căn cứ pháp lý).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalBasis {
    /// Number and symbol, e.g. `123/2015/NĐ-CP`.
    pub number: String,
    /// Title.
    pub title: String,
    /// Date of issue.
    pub issued: Date,
    /// Date it took effect.
    #[serde(default)]
    pub effective_from: Option<Date>,
    /// The day it stopped being in force (replaced or repealed), if it has.
    #[serde(default)]
    pub effective_until: Option<Date>,
}

/// The kind of change a publication decision makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// A new procedure (ban hành mới).
    New,
    /// Amended (sửa đổi, bổ sung).
    Amended,
    /// Replaced (thay thế).
    Replaced,
    /// Abolished (bãi bỏ).
    Abolished,
}

/// A decision publishing the procedure (quyết định công bố).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicationDecision {
    /// Number, e.g. `1234/QĐ-UBND`.
    pub number: String,
    /// Date of issue.
    pub issued: Date,
    /// What it changes.
    pub change: ChangeKind,
    /// When the change takes effect.
    pub effective_from: Date,
}

/// Extra time for dossiers of particular units (e.g. +10 days for land procedures in remote
/// communes, seed 004).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationAdjustment {
    /// The competent units it applies to.
    pub units: Vec<UnitId>,
    /// The extra time, added after the base limit.
    pub extra: TimeLimit,
    /// Why, e.g. `Xã đặc biệt khó khăn`.
    pub note: String,
}

/// Which waits stop the clock for this procedure. A supplement request always does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClockPolicy {
    /// Waiting for the applicant to pay fees or taxes (nghĩa vụ tài chính).
    #[serde(default)]
    pub pause_for_payment: bool,
    /// Waiting for another agency's opinion or verification.
    #[serde(default)]
    pub pause_for_other_agency: bool,
}

/// A reference to one version of a procedure.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ProcedureRef {
    /// The national code.
    pub code: ProcedureCode,
    /// The version number (1, 2, …).
    pub version: u32,
}

impl fmt::Display for ProcedureRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} v{}", self.code, self.version)
    }
}

/// One immutable version of an administrative procedure (thủ tục hành chính).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcedureVersion {
    /// National code.
    pub code: ProcedureCode,
    /// Version number, from 1.
    pub version: u32,
    /// Name, e.g. `Đăng ký khai sinh`.
    pub name: String,
    /// Field (lĩnh vực), e.g. `Hộ tịch`.
    pub field: String,
    /// Levels that perform it.
    pub levels: Vec<Level>,
    /// Procedure type as published, if any.
    #[serde(default)]
    pub procedure_type: Option<String>,
    /// Who may apply.
    #[serde(default)]
    pub audiences: Vec<Audience>,
    /// Life events it belongs to (e.g. `Sinh con`).
    #[serde(default)]
    pub life_events: Vec<String>,
    /// The implementing agency or competent authority type.
    pub implementing_agency: String,
    /// Other agencies it is performed together with (liên thông); empty if none.
    #[serde(default)]
    pub inter_agency_with: Vec<String>,
    /// The steps as published to citizens.
    #[serde(default)]
    pub published_steps: Vec<String>,
    /// Channels through which dossiers are accepted.
    pub channels: Vec<Channel>,
    /// Components of the dossier.
    pub components: Vec<Component>,
    /// The legal time limit.
    pub time_limit: TimeLimit,
    /// A different limit for online dossiers, if the law sets one.
    #[serde(default)]
    pub online_time_limit: Option<TimeLimit>,
    /// The locality's committed time, shorter than the legal limit, if any.
    #[serde(default)]
    pub local_time_limit: Option<TimeLimit>,
    /// Extra time for particular units.
    #[serde(default)]
    pub location_adjustments: Vec<LocationAdjustment>,
    /// Fees and charges; `None` when the catalog does not state them (a defect), `Some`
    /// of an empty list when the procedure is free.
    pub fees: Option<Vec<FeeRule>>,
    /// What it produces.
    pub result: ResultSpec,
    /// Requirements and conditions.
    #[serde(default)]
    pub conditions: Vec<String>,
    /// Legal bases.
    pub legal_bases: Vec<LegalBasis>,
    /// Online service level.
    pub online_level: OnlineLevel,
    /// Whether the ministry lists it as eligible for fully online service.
    #[serde(default)]
    pub full_online_eligible: bool,
    /// Publication decisions behind this version.
    pub publications: Vec<PublicationDecision>,
    /// Which waits stop the clock.
    #[serde(default)]
    pub clock: ClockPolicy,
    /// First day this version applies to new dossiers.
    pub effective_from: Date,
    /// Last day it applies, if it has been superseded or abolished (exclusive).
    #[serde(default)]
    pub effective_until: Option<Date>,
}

/// A procedure version that cannot be accepted into the catalog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// A required text is empty.
    #[error("procedure {code}: {field} must not be empty")]
    Empty {
        /// The procedure.
        code: ProcedureCode,
        /// The field.
        field: &'static str,
    },
    /// Versions start at 1.
    #[error("procedure {0}: versions are numbered from 1")]
    VersionZero(ProcedureCode),
    /// A procedure with no channel at all.
    #[error("procedure {0}: at least one channel (desk, online, postal) is required")]
    NoChannel(ProcedureCode),
    /// Claims online service without accepting online dossiers.
    #[error("procedure {0}: an online level of partial or full needs the online channel")]
    OnlineLevelWithoutChannel(ProcedureCode),
    /// A conditional component without its condition.
    #[error("procedure {code}: component {component:?} is conditional but states no condition")]
    ConditionMissing {
        /// The procedure.
        code: ProcedureCode,
        /// The component.
        component: String,
    },
    /// Two components with the same name.
    #[error("procedure {code}: component {component:?} is listed twice")]
    DuplicateComponent {
        /// The procedure.
        code: ProcedureCode,
        /// The component.
        component: String,
    },
    /// The validity window is reversed.
    #[error("procedure {0}: effective_until is not after effective_from")]
    ReversedValidity(ProcedureCode),
    /// A new version that is not the next number.
    #[error("procedure {code}: the next version must be {expected}, got {got}")]
    VersionOutOfSequence {
        /// The procedure.
        code: ProcedureCode,
        /// The number expected.
        expected: u32,
        /// The number given.
        got: u32,
    },
    /// A new version that takes effect before the one it follows.
    #[error("procedure {code}: version {version} takes effect before version {previous}")]
    EffectiveBeforePrevious {
        /// The procedure.
        code: ProcedureCode,
        /// The new version.
        version: u32,
        /// The version it follows.
        previous: u32,
    },
    /// Correcting a version that dossiers already use.
    #[error("{0} is used by dossiers and can no longer change: publish a new version")]
    VersionInUse(ProcedureRef),
    /// A reference to a version that does not exist.
    #[error("unknown procedure version {0}")]
    UnknownVersion(ProcedureRef),
}

/// A weakness of a procedure record that the catalog flags for its maintainers (the defects
/// localities reported in seed 003). Defects do not block publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogDefect {
    /// No components listed.
    NoComponents,
    /// Fees are not stated at all.
    FeesNotStated,
    /// No legal basis.
    NoLegalBasis,
    /// A legal basis that is no longer in force on the version's effective date.
    ExpiredLegalBasis {
        /// The document.
        number: String,
        /// When it stopped being in force.
        until: Date,
    },
    /// No publication decision.
    NoPublicationDecision,
    /// No component is marked for digitization.
    NoDigitizationList,
    /// The local or online limit is longer than the legal limit in the same unit.
    LimitLongerThanLegal {
        /// Which limit.
        which: &'static str,
        /// Its value.
        limit: TimeLimit,
        /// The legal limit.
        legal: TimeLimit,
    },
}

impl fmt::Display for CatalogDefect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CatalogDefect::NoComponents => f.write_str("no dossier components are listed"),
            CatalogDefect::FeesNotStated => {
                f.write_str("fees are not stated (list them, or state that the procedure is free)")
            }
            CatalogDefect::NoLegalBasis => f.write_str("no legal basis is cited"),
            CatalogDefect::ExpiredLegalBasis { number, until } => {
                write!(
                    f,
                    "legal basis {number} is no longer in force (since {until})"
                )
            }
            CatalogDefect::NoPublicationDecision => {
                f.write_str("no publication decision is attached")
            }
            CatalogDefect::NoDigitizationList => {
                f.write_str("no component is marked for digitization")
            }
            CatalogDefect::LimitLongerThanLegal {
                which,
                limit,
                legal,
            } => {
                write!(
                    f,
                    "the {which} limit ({limit}) is longer than the legal limit ({legal})"
                )
            }
        }
    }
}

impl ProcedureVersion {
    /// The reference to this version.
    pub fn reference(&self) -> ProcedureRef {
        ProcedureRef {
            code: self.code.clone(),
            version: self.version,
        }
    }

    /// Whether this version applies to dossiers received on `date`.
    pub fn in_force_on(&self, date: Date) -> bool {
        self.effective_from <= date && self.effective_until.is_none_or(|u| date < u)
    }

    /// The hard rules a version must satisfy to be published.
    pub fn validate(&self) -> Result<(), CatalogError> {
        let code = &self.code;
        let empty = |field| CatalogError::Empty {
            code: code.clone(),
            field,
        };
        if self.version == 0 {
            return Err(CatalogError::VersionZero(code.clone()));
        }
        for (text, field) in [
            (&self.name, "name"),
            (&self.field, "field"),
            (&self.implementing_agency, "implementing_agency"),
            (&self.result.name, "result.name"),
        ] {
            if text.trim().is_empty() {
                return Err(empty(field));
            }
        }
        if self.levels.is_empty() {
            return Err(empty("levels"));
        }
        if self.channels.is_empty() {
            return Err(CatalogError::NoChannel(code.clone()));
        }
        if self.online_level != OnlineLevel::None && !self.channels.contains(&Channel::Online) {
            return Err(CatalogError::OnlineLevelWithoutChannel(code.clone()));
        }
        let mut names = BTreeSet::new();
        for c in &self.components {
            if c.name.trim().is_empty() {
                return Err(empty("component name"));
            }
            if let Requirement::Conditional { condition } = &c.requirement
                && condition.trim().is_empty()
            {
                return Err(CatalogError::ConditionMissing {
                    code: code.clone(),
                    component: c.name.clone(),
                });
            }
            if !names.insert(c.name.trim()) {
                return Err(CatalogError::DuplicateComponent {
                    code: code.clone(),
                    component: c.name.clone(),
                });
            }
        }
        if self
            .effective_until
            .is_some_and(|u| u <= self.effective_from)
        {
            return Err(CatalogError::ReversedValidity(code.clone()));
        }
        Ok(())
    }

    /// The defects of this record, for the catalog's maintainers.
    pub fn audit(&self) -> Vec<CatalogDefect> {
        let mut out = Vec::new();
        if self.components.is_empty() {
            out.push(CatalogDefect::NoComponents);
        } else if !self.components.iter().any(|c| c.digitize) {
            out.push(CatalogDefect::NoDigitizationList);
        }
        if self.fees.is_none() {
            out.push(CatalogDefect::FeesNotStated);
        }
        if self.legal_bases.is_empty() {
            out.push(CatalogDefect::NoLegalBasis);
        }
        for basis in &self.legal_bases {
            if let Some(until) = basis.effective_until
                && until <= self.effective_from
            {
                out.push(CatalogDefect::ExpiredLegalBasis {
                    number: basis.number.clone(),
                    until,
                });
            }
        }
        if self.publications.is_empty() {
            out.push(CatalogDefect::NoPublicationDecision);
        }
        for (which, limit) in [
            ("local committed", self.local_time_limit),
            ("online", self.online_time_limit),
        ] {
            if let Some(limit) = limit
                && limit.unit() == self.time_limit.unit()
                && limit.value() > self.time_limit.value()
            {
                out.push(CatalogDefect::LimitLongerThanLegal {
                    which,
                    limit,
                    legal: self.time_limit,
                });
            }
        }
        out
    }

    /// The base limit for a dossier: the local committed time if the locality set one, else
    /// the online limit for online dossiers if the law sets one, else the legal limit. For an
    /// online dossier with both a local and an online limit in the same unit, the shorter.
    pub fn base_limit(&self, channel: Channel) -> TimeLimit {
        let online = self
            .online_time_limit
            .filter(|_| channel == Channel::Online);
        match (self.local_time_limit, online) {
            (Some(local), Some(online)) if local.unit() == online.unit() => {
                if online.value() < local.value() {
                    online
                } else {
                    local
                }
            }
            (Some(local), _) => local,
            (None, Some(online)) => online,
            (None, None) => self.time_limit,
        }
    }

    /// The limits that make up a dossier's time: the base limit, then each location
    /// adjustment that applies to the competent unit, counted one after another.
    pub fn limits_for(&self, channel: Channel, competent_unit: &UnitId) -> Vec<TimeLimit> {
        std::iter::once(self.base_limit(channel))
            .chain(
                self.location_adjustments
                    .iter()
                    .filter(|a| a.units.contains(competent_unit))
                    .map(|a| a.extra),
            )
            .collect()
    }

    /// The total fee through a channel, if fees are stated.
    pub fn fee_total(&self, channel: Channel) -> Option<u64> {
        self.fees
            .as_ref()
            .map(|rules| rules.iter().map(|r| r.amount_for(channel)).sum())
    }
}

/// The catalog: every version of every procedure, and which versions dossiers use.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    procedures: BTreeMap<ProcedureCode, Vec<ProcedureVersion>>,
    used: BTreeSet<ProcedureRef>,
}

impl Catalog {
    /// Publishes a version: version 1 of a new procedure, or the next version of an existing
    /// one (taking effect no earlier than the previous version).
    pub fn publish(&mut self, version: ProcedureVersion) -> Result<(), CatalogError> {
        version.validate()?;
        let versions = self.procedures.entry(version.code.clone()).or_default();
        let expected = u32::try_from(versions.len()).expect("few versions") + 1;
        if version.version != expected {
            return Err(CatalogError::VersionOutOfSequence {
                code: version.code,
                expected,
                got: version.version,
            });
        }
        if let Some(prev) = versions.last()
            && version.effective_from < prev.effective_from
        {
            return Err(CatalogError::EffectiveBeforePrevious {
                code: version.code,
                version: version.version,
                previous: prev.version,
            });
        }
        versions.push(version);
        Ok(())
    }

    /// Replaces a version that no dossier uses yet (to correct a mistake).
    pub fn correct(&mut self, version: ProcedureVersion) -> Result<(), CatalogError> {
        version.validate()?;
        let r = version.reference();
        if self.used.contains(&r) {
            return Err(CatalogError::VersionInUse(r));
        }
        let slot = self
            .procedures
            .get_mut(&r.code)
            .and_then(|vs| vs.iter_mut().find(|v| v.version == r.version))
            .ok_or(CatalogError::UnknownVersion(r))?;
        *slot = version;
        Ok(())
    }

    /// Records that a dossier uses a version, freezing it.
    pub fn mark_used(&mut self, r: &ProcedureRef) -> Result<(), CatalogError> {
        if self.get(r).is_none() {
            return Err(CatalogError::UnknownVersion(r.clone()));
        }
        self.used.insert(r.clone());
        Ok(())
    }

    /// Whether a dossier uses the version.
    pub fn is_used(&self, r: &ProcedureRef) -> bool {
        self.used.contains(r)
    }

    /// A version by reference.
    pub fn get(&self, r: &ProcedureRef) -> Option<&ProcedureVersion> {
        self.procedures
            .get(&r.code)?
            .iter()
            .find(|v| v.version == r.version)
    }

    /// Every version of a procedure, oldest first.
    pub fn versions(&self, code: &ProcedureCode) -> &[ProcedureVersion] {
        self.procedures.get(code).map_or(&[], Vec::as_slice)
    }

    /// The version that applies to dossiers received on `date`: the latest version in force
    /// that day.
    pub fn in_force(&self, code: &ProcedureCode, date: Date) -> Option<&ProcedureVersion> {
        self.versions(code)
            .iter()
            .rev()
            .find(|v| v.in_force_on(date))
    }

    /// The latest version of every procedure.
    pub fn latest(&self) -> impl Iterator<Item = &ProcedureVersion> {
        self.procedures.values().filter_map(|vs| vs.last())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use jiff::civil::date;

    /// Birth registration (đăng ký khai sinh, 1.001193), as published.
    pub(crate) fn birth_registration() -> ProcedureVersion {
        ProcedureVersion {
            code: "1.001193".parse().unwrap(),
            version: 1,
            name: "Đăng ký khai sinh".into(),
            field: "Hộ tịch".into(),
            levels: vec![Level::Commune],
            procedure_type: None,
            audiences: vec![Audience::Citizen],
            life_events: vec!["Sinh con".into()],
            implementing_agency: "Ủy ban nhân dân cấp xã".into(),
            inter_agency_with: vec![],
            published_steps: vec![],
            channels: vec![Channel::Desk, Channel::Online, Channel::Postal],
            components: vec![
                Component {
                    name: "Tờ khai đăng ký khai sinh".into(),
                    originals: 1,
                    copies: 0,
                    requirement: Requirement::Mandatory,
                    template: Some("Mẫu tờ khai theo Thông tư 04/2024/TT-BTP".into()),
                    digitize: true,
                    reusable_as: None,
                },
                Component {
                    name: "Giấy chứng sinh".into(),
                    originals: 1,
                    copies: 0,
                    requirement: Requirement::Mandatory,
                    template: None,
                    digitize: true,
                    reusable_as: Some("giay-chung-sinh".into()),
                },
                Component {
                    name: "Văn bản ủy quyền".into(),
                    originals: 1,
                    copies: 0,
                    requirement: Requirement::Conditional {
                        condition: "Trường hợp ủy quyền đăng ký khai sinh".into(),
                    },
                    template: None,
                    digitize: false,
                    reusable_as: None,
                },
            ],
            time_limit: TimeLimit::working_days(1),
            online_time_limit: None,
            local_time_limit: None,
            location_adjustments: vec![],
            fees: Some(vec![FeeRule {
                case: "Đăng ký khai sinh đúng hạn".into(),
                kind: FeeKind::Charge,
                amount_vnd: 0,
                channel_amounts: BTreeMap::new(),
            }]),
            result: ResultSpec {
                name: "Giấy khai sinh".into(),
                form: ResultForm::PaperAndElectronic,
                validity: None,
            },
            conditions: vec![],
            legal_bases: vec![LegalBasis {
                number: "60/2014/QH13".into(),
                title: "Luật Hộ tịch".into(),
                issued: date(2014, 11, 20),
                effective_from: Some(date(2016, 1, 1)),
                effective_until: None,
            }],
            online_level: OnlineLevel::Full,
            full_online_eligible: true,
            publications: vec![PublicationDecision {
                number: "1872/QĐ-BTP".into(),
                issued: date(2020, 10, 2),
                change: ChangeKind::Amended,
                effective_from: date(2020, 10, 2),
            }],
            clock: ClockPolicy::default(),
            effective_from: date(2020, 10, 2),
            effective_until: None,
        }
    }

    #[test]
    fn a_complete_record_validates_and_has_no_defects() {
        let p = birth_registration();
        p.validate().unwrap();
        assert_eq!(p.audit(), []);
    }

    #[test]
    fn hard_errors_block_publication() {
        let mut p = birth_registration();
        p.channels = vec![Channel::Desk];
        assert_eq!(
            p.validate().unwrap_err().to_string(),
            "procedure 1.001193: an online level of partial or full needs the online channel"
        );
        let mut p = birth_registration();
        p.components[2].requirement = Requirement::Conditional {
            condition: " ".into(),
        };
        assert!(matches!(
            p.validate(),
            Err(CatalogError::ConditionMissing { .. })
        ));
        let mut p = birth_registration();
        p.components[1].name = "Tờ khai đăng ký khai sinh".into();
        assert!(matches!(
            p.validate(),
            Err(CatalogError::DuplicateComponent { .. })
        ));
        let mut p = birth_registration();
        p.name = String::new();
        assert_eq!(
            p.validate().unwrap_err().to_string(),
            "procedure 1.001193: name must not be empty"
        );
    }

    #[test]
    fn the_audit_flags_the_defects_localities_report() {
        let mut p = birth_registration();
        p.fees = None;
        p.legal_bases[0].effective_until = Some(date(2020, 1, 1));
        p.publications.clear();
        p.local_time_limit = Some(TimeLimit::working_days(3));
        p.components.iter_mut().for_each(|c| c.digitize = false);
        let defects: Vec<String> = p.audit().iter().map(ToString::to_string).collect();
        assert_eq!(
            defects,
            [
                "no component is marked for digitization",
                "fees are not stated (list them, or state that the procedure is free)",
                "legal basis 60/2014/QH13 is no longer in force (since 2020-01-01)",
                "no publication decision is attached",
                "the local committed limit (3 working days) is longer than the legal limit (1 working day)",
            ]
        );
    }

    #[test]
    fn limits_prefer_local_then_online_then_legal_and_add_location_time() {
        let mut p = birth_registration();
        p.time_limit = TimeLimit::working_days(15);
        p.online_time_limit = Some(TimeLimit::working_days(10));
        assert_eq!(p.base_limit(Channel::Desk), TimeLimit::working_days(15));
        assert_eq!(p.base_limit(Channel::Online), TimeLimit::working_days(10));
        p.local_time_limit = Some(TimeLimit::working_days(7));
        assert_eq!(p.base_limit(Channel::Online), TimeLimit::working_days(7));
        assert_eq!(p.base_limit(Channel::Desk), TimeLimit::working_days(7));
        p.online_time_limit = Some(TimeLimit::working_days(5));
        assert_eq!(
            p.base_limit(Channel::Online),
            TimeLimit::working_days(5),
            "the shorter"
        );
        let remote: UnitId = "xa-vung-cao".parse().unwrap();
        p.location_adjustments.push(LocationAdjustment {
            units: vec![remote.clone()],
            extra: TimeLimit::calendar_days(10),
            note: "Xã vùng cao".into(),
        });
        assert_eq!(
            p.limits_for(Channel::Desk, &remote),
            [TimeLimit::working_days(7), TimeLimit::calendar_days(10)]
        );
        assert_eq!(
            p.limits_for(Channel::Desk, &"xa-khac".parse().unwrap())
                .len(),
            1
        );
    }

    #[test]
    fn fees_vary_by_channel() {
        let rule = FeeRule {
            case: "Cấp phiếu lý lịch tư pháp".into(),
            kind: FeeKind::Fee,
            amount_vnd: 200_000,
            channel_amounts: BTreeMap::from([(Channel::Online, 100_000)]),
        };
        assert_eq!(rule.amount_for(Channel::Desk), 200_000);
        assert_eq!(rule.amount_for(Channel::Online), 100_000);
    }

    #[test]
    fn versions_are_published_in_sequence_and_frozen_once_used() {
        let mut cat = Catalog::default();
        let v1 = birth_registration();
        cat.publish(v1.clone()).unwrap();
        let mut v3 = v1.clone();
        v3.version = 3;
        assert!(matches!(
            cat.publish(v3),
            Err(CatalogError::VersionOutOfSequence {
                expected: 2,
                got: 3,
                ..
            })
        ));
        let mut early = v1.clone();
        early.version = 2;
        early.effective_from = date(2019, 1, 1);
        assert!(matches!(
            cat.publish(early),
            Err(CatalogError::EffectiveBeforePrevious { .. })
        ));
        let mut v2 = v1.clone();
        v2.version = 2;
        v2.effective_from = date(2025, 7, 1);
        v2.time_limit = TimeLimit::working_hours(4);
        cat.publish(v2).unwrap();
        let code = v1.code.clone();
        assert_eq!(cat.in_force(&code, date(2025, 6, 30)).unwrap().version, 1);
        assert_eq!(cat.in_force(&code, date(2025, 7, 1)).unwrap().version, 2);
        assert!(cat.in_force(&code, date(2019, 1, 1)).is_none());

        let mut fixed = v1.clone();
        fixed.name = "Đăng ký khai sinh (sửa lỗi chính tả)".into();
        cat.correct(fixed.clone()).unwrap();
        cat.mark_used(&v1.reference()).unwrap();
        assert_eq!(
            cat.correct(fixed).unwrap_err().to_string(),
            "1.001193 v1 is used by dossiers and can no longer change: publish a new version"
        );
        assert_eq!(cat.latest().count(), 1);
    }

    #[test]
    fn procedure_versions_round_trip_through_json() {
        let p = birth_registration();
        let json = serde_json::to_string(&p).unwrap();
        let back: ProcedureVersion = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
    }
}
