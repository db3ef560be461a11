//! The request and response types of the API. Instants are RFC 3339 strings with the
//! calendar's offset (`2026-03-02T08:00:00+07:00`); durations are whole minutes.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// A status with its national code and names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StatusView {
    /// National code, 1–10.
    pub code: u8,
    /// English name.
    pub name: String,
    /// Vietnamese name used by the national portal.
    pub name_vi: String,
}

/// The applicant, as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApplicantInput {
    /// Full name or organisation name.
    pub name: String,
    /// `individual` (default) or `organisation`.
    #[serde(default)]
    pub organisation: bool,
    /// Personal identification number (12 digits) or enterprise code.
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

/// A document given with a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    /// The component it answers, by name.
    pub component: String,
    /// Whether it was digitized.
    #[serde(default)]
    pub digitized: bool,
    /// Whether it was taken from the citizen's e-data store instead of being submitted.
    #[serde(default)]
    pub reused: bool,
    /// The file it is, when one was uploaded (set by the server from an upload; a client
    /// cannot name one).
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileView>,
}

/// A stored file given with a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FileView {
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// The name it was given with.
    pub name: String,
    /// Its media type (`application/pdf`, `image/jpeg`, `image/png`).
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
}

/// An online submission (no account needed): the applicant gets the dossier code and an
/// access key to act on it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// National procedure code, e.g. `1.001193`.
    pub procedure_code: String,
    /// The unit (desk) the dossier is addressed to.
    pub unit: String,
    /// The applicant.
    pub applicant: ApplicantInput,
    /// The documents.
    #[serde(default)]
    pub documents: Vec<DocumentInput>,
}

/// A receipt at the desk (or of a postal dossier): the dossier is received at once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReceiveRequest {
    /// National procedure code.
    pub procedure_code: String,
    /// The receiving unit (the desk officer's unit).
    pub unit: String,
    /// `desk` (default) or `postal`.
    #[serde(default)]
    pub channel: Option<String>,
    /// The competent unit, if not the one the procedure's process decides.
    #[serde(default)]
    pub competent_unit: Option<String>,
    /// The applicant.
    pub applicant: ApplicantInput,
    /// The documents.
    #[serde(default)]
    pub documents: Vec<DocumentInput>,
    /// When the dossier is incomplete: every missing or incorrect item. The dossier is then
    /// registered at the desk and the supplement request (form 02) issued at once; it is
    /// received when the applicant brings them.
    #[serde(default)]
    pub missing: Vec<String>,
    /// When the desk refuses the dossier at once (form 03): why. It is registered and
    /// refused.
    #[serde(default)]
    pub refusal: Option<String>,
}

/// One line of the processing control sheet (form 06).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StepLine {
    /// Step key.
    pub step: String,
    /// Step name.
    pub name: String,
    /// Where it was done.
    pub unit: String,
    /// Whether another agency did it.
    pub inter_agency: bool,
    /// Allotted working minutes.
    pub allotted_minutes: i64,
    /// Arrived at the step.
    pub started_at: String,
    /// Due at the step.
    pub due_at: String,
    /// Left the step.
    pub ended_at: Option<String>,
    /// Assigned to.
    pub assignee: Option<String>,
    /// Completed by.
    pub ended_by: Option<String>,
    /// Branch taken.
    pub branch: Option<String>,
    /// Reason it was sent back from.
    pub returned_with: Option<String>,
    /// Verdict: `early`, `on-time`, `late`, `in-progress-on-time`, `in-progress-late`.
    pub timeliness: String,
}

/// A step the dossier can go to, with the officials who may take it on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StepChoice {
    /// Step key.
    pub step: String,
    /// Step name.
    pub name: String,
    /// The unit that does it, for this dossier.
    pub unit: String,
    /// The role that does it: `desk-officer`, `specialist`, `unit-leader`.
    pub role: String,
    /// The officials who hold that role in that unit (one may be named as the assignee).
    pub handlers: Vec<Handler>,
}

/// An official a step may be assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Handler {
    /// Official key.
    pub id: String,
    /// Full name.
    pub name: String,
}

/// One way the current step can end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OutcomeView {
    /// The branch to name when completing the step; absent for the default way on.
    pub branch: Option<String>,
    /// The step it leads to; absent when it ends processing.
    pub next: Option<StepChoice>,
}

/// One event of the dossier's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HistoryItem {
    /// Position in the log.
    pub seq: u64,
    /// When it happened.
    pub at: String,
    /// Event type, e.g. `received`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Who: `official:<id>`, `applicant` or `system`.
    pub actor: String,
    /// Where.
    pub unit: String,
    /// Why.
    pub reason: Option<String>,
    /// The event's own data.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
}

/// A dossier in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DossierSummary {
    /// Dossier code.
    pub code: String,
    /// Number of events (send it back as `expected_version`).
    pub version: u64,
    /// Status.
    pub status: StatusView,
    /// Channel: 1 desk, 2 online, 3 postal.
    pub channel: u8,
    /// Procedure code.
    pub procedure_code: String,
    /// Procedure name.
    pub procedure_name: String,
    /// Applicant's name.
    pub applicant_name: String,
    /// Receiving unit.
    pub receiving_unit: String,
    /// Competent unit.
    pub competent_unit: Option<String>,
    /// Where it waits now.
    pub current_unit: Option<String>,
    /// The current step.
    pub current_step: Option<String>,
    /// Received.
    pub received_at: Option<String>,
    /// Legal due instant.
    pub due_at: Option<String>,
    /// Appointment in force.
    pub appointment_at: Option<String>,
    /// Processing ended.
    pub ended_at: Option<String>,
    /// Whether the clock is stopped.
    pub clock_paused: bool,
    /// Whether it is overdue now.
    pub overdue: bool,
    /// Verdict as of its last event.
    pub timeliness: Option<String>,
    /// Its last event.
    pub last_event_at: String,
    /// For online submissions: when the desk's decision (accept, ask for a supplement,
    /// refuse) was due, 8 working hours after submission.
    pub acceptance_due_at: Option<String>,
}

/// A page of dossiers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DossierPage {
    /// The dossiers.
    pub items: Vec<DossierSummary>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A dossier with its full history and figures, for officials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DossierView {
    /// What lists show.
    #[serde(flatten)]
    pub summary: DossierSummary,
    /// Procedure version.
    pub procedure_version: u32,
    /// Applicant.
    pub applicant: ApplicantInput,
    /// Documents given.
    pub documents: Vec<DocumentInput>,
    /// The limits that apply, in Vietnamese (`15 ngày làm việc`).
    pub limits: Vec<String>,
    /// Submitted.
    pub submitted_at: Option<String>,
    /// The appointment first printed on form 01.
    pub initial_due_at: Option<String>,
    /// Minutes counted since receipt, in the limit's clock.
    pub elapsed_minutes: Option<i64>,
    /// Minutes left until the due instant (negative when overdue).
    pub remaining_minutes: Option<i64>,
    /// Supplement requests after receipt.
    pub supplement_requests: usize,
    /// Whether the desk decided in time.
    pub acceptance: Option<String>,
    /// Whether the verdict can no longer change.
    pub frozen: bool,
    /// Whether the dossier waits for another agency's opinion.
    pub awaiting_agency: bool,
    /// Where completing the current step can lead (the default way on first).
    pub outcomes: Vec<OutcomeView>,
    /// The steps it may be sent back to.
    pub returnable: Vec<StepChoice>,
    /// The control sheet.
    pub steps: Vec<StepLine>,
    /// Every event.
    pub history: Vec<HistoryItem>,
}

/// What anyone with the dossier code may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PublicDossier {
    /// Dossier code.
    pub code: String,
    /// Procedure name.
    pub procedure_name: String,
    /// Status.
    pub status: StatusView,
    /// Submitted.
    pub submitted_at: Option<String>,
    /// Received.
    pub received_at: Option<String>,
    /// Appointment in force.
    pub appointment_at: Option<String>,
    /// Processing ended.
    pub ended_at: Option<String>,
    /// What happened, without officials' names.
    pub history: Vec<PublicHistoryItem>,
    /// While a supplement request is open: every item it asks for, to be answered at once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

/// One public line of a dossier's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PublicHistoryItem {
    /// When.
    pub at: String,
    /// What, in English.
    pub label: String,
    /// What, in Vietnamese.
    pub label_vi: String,
    /// For the applicant: what is missing, why it was refused, stopped or is late.
    pub note: Option<String>,
    /// The amount to pay, when a payment is requested (đồng).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_vnd: Option<u64>,
    /// The new appointment, when the unit apologised for a late dossier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_at: Option<String>,
}

/// The answer to a submission or receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Created {
    /// The new dossier's code.
    pub code: String,
    /// For online submissions: the secret that lets the applicant act on the dossier
    /// (answer a supplement request, withdraw). Shown once.
    pub access_key: Option<String>,
    /// The dossier.
    pub dossier: DossierView,
}

/// Log-in credentials.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
}

/// An official, as the API shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OfficialView {
    /// Key.
    pub id: String,
    /// Name.
    pub name: String,
    /// Title.
    pub title: Option<String>,
    /// Roles, as `role@unit`.
    pub roles: Vec<String>,
}

/// A new session.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LoginResponse {
    /// The bearer token (also set as the `motcua_session` cookie).
    pub token: String,
    /// Until when it is valid.
    pub expires_at: String,
    /// Who logged in.
    pub official: OfficialView,
}
