//! Dossier events: what happened, when, by whom, where and why.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::DossierCode;
use crate::catalog::{Channel, ProcedureRef};
use crate::ids::{OfficialId, StepId, UnitId};
use crate::process::ProcessRef;
use crate::rules::{CalendarRef, RuleSetRef};

/// Who did something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Actor {
    /// An official, by key.
    Official(OfficialId),
    /// The applicant (citizen or organisation).
    Applicant,
    /// motcua itself (e.g. an automatic step) or an integrated system.
    System,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Official(id) => write!(f, "official {id}"),
            Actor::Applicant => f.write_str("the applicant"),
            Actor::System => f.write_str("the system"),
        }
    }
}

/// Whether the applicant is a person or an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApplicantKind {
    /// A person.
    #[default]
    Individual,
    /// An organisation or business.
    Organisation,
}

/// The applicant (người nộp hồ sơ) and how to reach them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    /// Full name or organisation name.
    pub name: String,
    /// Person or organisation.
    #[serde(default)]
    pub kind: ApplicantKind,
    /// Personal identification number or enterprise code.
    #[serde(default)]
    pub id_number: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Address.
    #[serde(default)]
    pub address: Option<String>,
}

/// Where inside a channel a dossier came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The desk counter.
    Counter,
    /// A self-service kiosk.
    Kiosk,
    /// Filed online by staff on the applicant's behalf.
    AssistedByStaff,
    /// The National Public Service Portal.
    NationalPortal,
    /// The provincial portal.
    ProvincialPortal,
    /// A mobile application.
    MobileApp,
}

/// A document submitted with the dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// The component it answers, by name.
    pub component: String,
    /// Whether the desk digitized it (số hóa).
    #[serde(default)]
    pub digitized: bool,
    /// Whether it was taken from the citizen's e-data store or a national database instead
    /// of being submitted (tái sử dụng).
    #[serde(default)]
    pub reused: bool,
    /// The file it is (an upload or a scan), when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileRef>,
}

impl EventKind {
    /// The files the event names: its documents' (intake, supplement) and the result's.
    pub fn files(&self) -> Vec<&FileRef> {
        fn documents(d: &[Document]) -> Vec<&FileRef> {
            d.iter().filter_map(|d| d.file.as_ref()).collect()
        }
        match self {
            EventKind::Submitted { intake, .. }
            | EventKind::Received {
                intake: Some(intake),
                ..
            } => documents(&intake.documents),
            EventKind::SupplementReceived { documents: d } => documents(d),
            EventKind::ResultIssued { file: Some(f), .. } => vec![f],
            _ => Vec::new(),
        }
    }
}

/// A stored file, named by the SHA-256 of its bytes (the bytes themselves are in the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// The name it was given with, e.g. `giay-chung-sinh.pdf`.
    pub name: String,
    /// Its media type, checked from its first bytes.
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
}

/// What a dossier is when it first arrives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intake {
    /// Its code.
    pub code: DossierCode,
    /// How it arrived.
    pub channel: Channel,
    /// Where inside the channel.
    #[serde(default)]
    pub source: Option<Source>,
    /// The procedure version applied for.
    pub procedure: ProcedureRef,
    /// Who applies.
    pub applicant: Applicant,
    /// The documents given.
    #[serde(default)]
    pub documents: Vec<Document>,
}

/// How a result reached the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReturnVia {
    /// At the desk.
    Desk,
    /// By post.
    Post,
    /// Online (electronic result sent to the applicant's account or e-data store).
    Online,
    /// At a kiosk or locker.
    Kiosk,
}

/// The kinds of event, with what each carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload", rename_all = "kebab-case")]
pub enum EventKind {
    /// Submitted and waiting for the desk's decision (status 1), usually online. Starts a
    /// dossier.
    Submitted {
        /// The dossier as submitted.
        intake: Intake,
        /// Calendar version for the acceptance clock.
        calendar: CalendarRef,
        /// Rule set version in force.
        rules: RuleSetRef,
    },
    /// Received complete and valid (status 2): form 01 is issued and the clock starts.
    /// Carries the intake when it starts the dossier (walk-in, post).
    Received {
        /// The dossier as received, when this event starts it.
        #[serde(default)]
        intake: Option<Intake>,
        /// The unit competent to resolve it.
        competent_unit: UnitId,
        /// The internal process version it follows; `None` if the procedure has none.
        #[serde(default)]
        process: Option<ProcessRef>,
        /// Calendar version for its deadlines.
        calendar: CalendarRef,
        /// Rule set version in force.
        rules: RuleSetRef,
    },
    /// Supplement requested (form 02), listing everything missing at once (status 5).
    SupplementRequested {
        /// Every missing or incorrect item.
        missing: Vec<String>,
    },
    /// The applicant supplied what was missing.
    SupplementReceived {
        /// The documents added.
        #[serde(default)]
        documents: Vec<Document>,
    },
    /// Refused, at receipt or in processing (form 03, status 3). Needs a reason.
    Refused,
    /// The current step completed and the dossier handed to the next (a row of form 06).
    StepCompleted {
        /// The step completed (must be the current one).
        step: StepId,
        /// The outcome, if it names a branch of the step; else the default next step.
        #[serde(default)]
        branch: Option<String>,
        /// The official the dossier is handed to, if assigned.
        #[serde(default)]
        assignee: Option<OfficialId>,
    },
    /// Sent back to a step the dossier already passed. Needs a reason.
    ReturnedToStep {
        /// The step to redo.
        step: StepId,
        /// The official it goes to, if assigned.
        #[serde(default)]
        assignee: Option<OfficialId>,
    },
    /// The applicant is asked to pay fees or taxes (status 6).
    PaymentRequested {
        /// Amount in đồng.
        amount_vnd: u64,
        /// What is to be paid.
        #[serde(default)]
        items: Vec<String>,
    },
    /// The requested amount was paid.
    PaymentReceived {
        /// Amount in đồng.
        amount_vnd: u64,
        /// Whether it was paid online.
        #[serde(default)]
        online: bool,
    },
    /// Another agency's opinion or verification is requested.
    AgencyOpinionRequested {
        /// The agency asked.
        agency: UnitId,
    },
    /// The other agency answered.
    AgencyOpinionReceived,
    /// Apology with a new appointment (form 04). Needs a reason. The original due date is
    /// kept and the national index still judges against it.
    Apologized {
        /// The new appointment.
        new_due: Timestamp,
    },
    /// Withdrawn at the applicant's request (status 7). Needs a reason.
    Withdrawn,
    /// Processing stopped (form 05, status 8). Needs a reason.
    Stopped,
    /// The result is issued (status 9).
    ResultIssued {
        /// Whether a signed electronic result was issued.
        #[serde(default)]
        electronic: bool,
        /// The result document's number.
        #[serde(default)]
        document_number: Option<String>,
        /// The result document itself (the signed electronic result), when it was attached.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file: Option<FileRef>,
    },
    /// The result reached the applicant (status 10).
    ResultReturned {
        /// How.
        via: ReturnVia,
    },
}

/// The type of an event, without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventType {
    /// [`EventKind::Submitted`].
    Submitted,
    /// [`EventKind::Received`].
    Received,
    /// [`EventKind::SupplementRequested`].
    SupplementRequested,
    /// [`EventKind::SupplementReceived`].
    SupplementReceived,
    /// [`EventKind::Refused`].
    Refused,
    /// [`EventKind::StepCompleted`].
    StepCompleted,
    /// [`EventKind::ReturnedToStep`].
    ReturnedToStep,
    /// [`EventKind::PaymentRequested`].
    PaymentRequested,
    /// [`EventKind::PaymentReceived`].
    PaymentReceived,
    /// [`EventKind::AgencyOpinionRequested`].
    AgencyOpinionRequested,
    /// [`EventKind::AgencyOpinionReceived`].
    AgencyOpinionReceived,
    /// [`EventKind::Apologized`].
    Apologized,
    /// [`EventKind::Withdrawn`].
    Withdrawn,
    /// [`EventKind::Stopped`].
    Stopped,
    /// [`EventKind::ResultIssued`].
    ResultIssued,
    /// [`EventKind::ResultReturned`].
    ResultReturned,
}

impl EventType {
    /// Every type.
    pub const ALL: [EventType; 16] = [
        EventType::Submitted,
        EventType::Received,
        EventType::SupplementRequested,
        EventType::SupplementReceived,
        EventType::Refused,
        EventType::StepCompleted,
        EventType::ReturnedToStep,
        EventType::PaymentRequested,
        EventType::PaymentReceived,
        EventType::AgencyOpinionRequested,
        EventType::AgencyOpinionReceived,
        EventType::Apologized,
        EventType::Withdrawn,
        EventType::Stopped,
        EventType::ResultIssued,
        EventType::ResultReturned,
    ];

    /// The machine name, as in the event's `type` field.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Submitted => "submitted",
            EventType::Received => "received",
            EventType::SupplementRequested => "supplement-requested",
            EventType::SupplementReceived => "supplement-received",
            EventType::Refused => "refused",
            EventType::StepCompleted => "step-completed",
            EventType::ReturnedToStep => "returned-to-step",
            EventType::PaymentRequested => "payment-requested",
            EventType::PaymentReceived => "payment-received",
            EventType::AgencyOpinionRequested => "agency-opinion-requested",
            EventType::AgencyOpinionReceived => "agency-opinion-received",
            EventType::Apologized => "apologized",
            EventType::Withdrawn => "withdrawn",
            EventType::Stopped => "stopped",
            EventType::ResultIssued => "result-issued",
            EventType::ResultReturned => "result-returned",
        }
    }

    /// Whether the event must say why (refusals, returns, apologies, withdrawals, stops).
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            EventType::Refused
                | EventType::ReturnedToStep
                | EventType::Apologized
                | EventType::Withdrawn
                | EventType::Stopped
        )
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl EventKind {
    /// The event's type.
    pub fn event_type(&self) -> EventType {
        match self {
            EventKind::Submitted { .. } => EventType::Submitted,
            EventKind::Received { .. } => EventType::Received,
            EventKind::SupplementRequested { .. } => EventType::SupplementRequested,
            EventKind::SupplementReceived { .. } => EventType::SupplementReceived,
            EventKind::Refused => EventType::Refused,
            EventKind::StepCompleted { .. } => EventType::StepCompleted,
            EventKind::ReturnedToStep { .. } => EventType::ReturnedToStep,
            EventKind::PaymentRequested { .. } => EventType::PaymentRequested,
            EventKind::PaymentReceived { .. } => EventType::PaymentReceived,
            EventKind::AgencyOpinionRequested { .. } => EventType::AgencyOpinionRequested,
            EventKind::AgencyOpinionReceived => EventType::AgencyOpinionReceived,
            EventKind::Apologized { .. } => EventType::Apologized,
            EventKind::Withdrawn => EventType::Withdrawn,
            EventKind::Stopped => EventType::Stopped,
            EventKind::ResultIssued { .. } => EventType::ResultIssued,
            EventKind::ResultReturned { .. } => EventType::ResultReturned,
        }
    }
}

/// One event of a dossier's log: what happened (`kind`), when (`at`), who did it
/// (`actor`), where (`unit`) and why (`reason`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// When it happened.
    pub at: Timestamp,
    /// Who did it.
    pub actor: Actor,
    /// The unit where it happened.
    pub unit: UnitId,
    /// Why; required for refusals, returns, apologies, withdrawals and stops.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    /// The event's type.
    pub fn event_type(&self) -> EventType {
        self.kind.event_type()
    }
}
