//! Commands: online submission, receipt at the desk, and every action on a dossier.
//!
//! Each command: checks its idempotency key (a retry returns the first answer); loads and
//! folds the dossier; authorises the principal by role and unit scope (the unit is decided by
//! the dossier); builds the event and lets the domain accept or refuse it; then appends
//! event, projection, outbox message and idempotency record in one transaction, decided on
//! the version it read (a concurrent change makes it fail with the current version).

use jiff::Timestamp;
use motcua_domain::catalog::Channel;
use motcua_domain::dossier::{
    Actor, Applicant, ApplicantKind, Document, Dossier, DossierCode, Event, EventKind, Intake,
    ReturnVia, Source,
};
use motcua_domain::org::Role;
use motcua_domain::process::ProcessRef;
use motcua_domain::{OfficialId, UnitId};
use motcua_store::{Append, IdempotencyRecord, OutboxMessage, StoreError};
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::auth::{new_secret, secret_hash};
use crate::authz::{Principal, require};
use crate::projection::projection_row;
use crate::rules::Rules;
use crate::views::{ApplicantInput, Created, DocumentInput, ReceiveRequest, SubmitRequest};
use crate::{App, AppError};

/// An action on an existing dossier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "action", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Action {
    /// Accept a submitted dossier (form 01); the clock starts.
    Receive {
        /// The competent unit, if not the one the procedure's process decides.
        #[serde(default)]
        competent_unit: Option<String>,
    },
    /// Ask the applicant for everything missing, at once (form 02).
    RequestSupplement {
        /// Every missing or incorrect item.
        missing: Vec<String>,
    },
    /// Record the applicant's supplement.
    SupplementReceived {
        /// The documents added.
        #[serde(default)]
        documents: Vec<DocumentInput>,
    },
    /// Refuse the dossier (form 03).
    Refuse {
        /// Why.
        reason: String,
    },
    /// Complete the current step and hand the dossier on.
    CompleteStep {
        /// The step (defaults to the current one).
        #[serde(default)]
        step: Option<String>,
        /// The outcome, if it names a branch of the step.
        #[serde(default)]
        branch: Option<String>,
        /// The official the dossier goes to.
        #[serde(default)]
        assignee: Option<String>,
    },
    /// Send the dossier back to a step it passed.
    ReturnToStep {
        /// The step.
        step: String,
        /// Why.
        reason: String,
        /// The official it goes to.
        #[serde(default)]
        assignee: Option<String>,
    },
    /// Ask the applicant to pay fees or taxes.
    RequestPayment {
        /// Amount in đồng.
        amount_vnd: u64,
        /// What is to be paid.
        #[serde(default)]
        items: Vec<String>,
    },
    /// Record the payment.
    PaymentReceived {
        /// Amount in đồng.
        amount_vnd: u64,
        /// Paid online.
        #[serde(default)]
        online: bool,
    },
    /// Ask another agency for its opinion or a verification.
    RequestAgencyOpinion {
        /// The agency (unit key).
        agency: String,
    },
    /// Record the other agency's answer.
    AgencyOpinionReceived,
    /// Apologise with a new appointment (form 04).
    Apologize {
        /// The new appointment, RFC 3339.
        new_due: String,
        /// Why the dossier is late.
        reason: String,
    },
    /// Withdraw at the applicant's request.
    Withdraw {
        /// Why.
        reason: String,
    },
    /// Stop processing (form 05).
    Stop {
        /// Why.
        reason: String,
    },
    /// Issue the result.
    IssueResult {
        /// A signed electronic result was issued.
        #[serde(default)]
        electronic: bool,
        /// The result document's number.
        #[serde(default)]
        document_number: Option<String>,
        /// The result document, when the pages attach one (set by the server from an upload;
        /// a client cannot name one).
        #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
        file: Option<crate::views::FileView>,
    },
    /// Return the result to the applicant.
    ReturnResult {
        /// `desk`, `post`, `online` or `kiosk`.
        via: String,
    },
}

/// What the transport says about a command.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    /// The version the client decided on (`If-Match`); checked if given.
    pub expected_version: Option<u64>,
    /// The client's idempotency key.
    pub idempotency_key: Option<String>,
    /// A hash of the request (method, path, body), to refuse a key reused for another one.
    pub request_hash: String,
}

/// The answer to a command: an HTTP status and a JSON body, the same again on a retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: String,
    /// Whether this is the stored answer to an earlier identical request.
    pub replayed: bool,
}

/// Who acts at the receiving desk.
const DESK: &[Role] = &[Role::DeskOfficer, Role::UnitLeader];
/// Who handles the current step.
const HANDLER: &[Role] = &[Role::Specialist, Role::UnitLeader];
/// Who signs for the competent unit.
const LEADER: &[Role] = &[Role::UnitLeader];

/// Who may act on a step done by `role`.
fn step_roles(role: Role) -> &'static [Role] {
    match role {
        Role::DeskOfficer => DESK,
        Role::UnitLeader => LEADER,
        _ => HANDLER,
    }
}

/// An assignee must be able to act on the step the dossier goes to; `None` when it goes to
/// no step (the branch ends processing). An unknown branch or step is not looked at here:
/// the lifecycle refuses it with its own reason.
fn check_assignee(
    rules: &Rules,
    assignee: &str,
    target: Option<&motcua_domain::dossier::StepTarget>,
) -> Result<(), AppError> {
    let id: OfficialId = parse(assignee)?;
    let Some(official) = rules.org.official(&id) else {
        return Err(AppError::Invalid(format!("no official {id}")));
    };
    let Some(t) = target else {
        return Err(AppError::Invalid(format!(
            "that way ends processing: there is no step to assign to {id}"
        )));
    };
    require(&rules.org, official, step_roles(t.role), &t.unit).map_err(|_| {
        AppError::Invalid(format!(
            "{id} cannot take on step {} in unit {}: it needs the role {}",
            t.step,
            t.unit,
            t.role.as_str()
        ))
    })
}

/// Parses an identifier; its error already names what it is (`invalid unit id "x": …`).
fn parse<T: std::str::FromStr>(value: &str) -> Result<T, AppError>
where
    T::Err: std::fmt::Display,
{
    value
        .parse::<T>()
        .map_err(|e: T::Err| AppError::Invalid(e.to_string()))
}

fn applicant(a: &ApplicantInput) -> Applicant {
    Applicant {
        name: a.name.trim().to_owned(),
        kind: if a.organisation {
            ApplicantKind::Organisation
        } else {
            ApplicantKind::Individual
        },
        id_number: a.id_number.clone().filter(|s| !s.trim().is_empty()),
        phone: a.phone.clone().filter(|s| !s.trim().is_empty()),
        email: a.email.clone().filter(|s| !s.trim().is_empty()),
        address: a.address.clone().filter(|s| !s.trim().is_empty()),
    }
}

fn documents(d: &[DocumentInput]) -> Vec<Document> {
    d.iter()
        .map(|d| Document {
            component: d.component.clone(),
            digitized: d.digitized,
            reused: d.reused,
            file: d.file.as_ref().map(file_ref),
        })
        .collect()
}

/// The domain's reference to a stored file.
fn file_ref(f: &crate::views::FileView) -> motcua_domain::dossier::FileRef {
    motcua_domain::dossier::FileRef {
        sha256: f.sha256.clone(),
        name: f.name.clone(),
        content_type: f.content_type.clone(),
        size: f.size,
    }
}

/// Limits on free text: a length, no control characters, and no markup (`<`, `>`), which no
/// Vietnamese administrative text needs and every page would have to defend against.
pub(crate) fn check_text(what: &str, s: &str, max: usize) -> Result<(), AppError> {
    if s.chars().count() > max {
        return Err(AppError::Invalid(format!(
            "{what} is longer than {max} characters"
        )));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(AppError::Invalid(format!(
            "{what} contains control characters"
        )));
    }
    if s.contains(['<', '>']) {
        return Err(AppError::Invalid(format!("{what} must not contain < or >")));
    }
    Ok(())
}

/// A person's or organisation's name: letters of any script (with combining marks, as some
/// keyboards type Vietnamese), digits, spaces and `. , ' - ( ) & /`.
pub(crate) fn check_name(what: &str, s: &str) -> Result<(), AppError> {
    check_text(what, s, 200)?;
    let allowed = |c: char| {
        c.is_alphanumeric()
            || c == ' '
            || ".,'-()&/".contains(c)
            || ('\u{0300}'..='\u{036f}').contains(&c)
    };
    if let Some(bad) = s.chars().find(|c| !allowed(*c)) {
        return Err(AppError::Invalid(format!(
            "{what} may contain only letters, digits, spaces and . , ' - ( ) & / (found {bad:?})"
        )));
    }
    if !s.chars().any(char::is_alphabetic) {
        return Err(AppError::Invalid(format!("{what} must contain letters")));
    }
    Ok(())
}

fn check_applicant(a: &ApplicantInput, docs: &[DocumentInput]) -> Result<(), AppError> {
    if a.name.trim().is_empty() {
        return Err(AppError::Invalid(
            "the applicant's name must not be empty".into(),
        ));
    }
    check_name("the applicant's name", &a.name)?;
    for (what, v) in [
        ("the identification number", &a.id_number),
        ("the phone", &a.phone),
        ("the e-mail", &a.email),
        ("the address", &a.address),
    ] {
        if let Some(v) = v {
            check_text(what, v, 300)?;
        }
    }
    check_documents(docs)
}

fn check_documents(docs: &[DocumentInput]) -> Result<(), AppError> {
    if docs.len() > 100 {
        return Err(AppError::Invalid("at most 100 documents".into()));
    }
    for d in docs {
        check_text("a document's component", &d.component, 300)?;
    }
    Ok(())
}

/// The national-portal sync message for an event (delivered by a later component).
fn sync_message(code: &DossierCode, seq: u64, event: &Event, status: u8) -> OutboxMessage {
    OutboxMessage {
        topic: "national-portal".into(),
        code: code.to_string(),
        seq,
        payload: serde_json::json!({
            "MaHoSo": code.to_string(),
            "TrangThaiHoSo": status,
            "event": event.event_type().as_str(),
            "at": event.at.to_string(),
        })
        .to_string(),
    }
}

impl App {
    async fn replay_idempotent(
        &self,
        scope: &str,
        meta: &Meta,
    ) -> Result<Option<Outcome>, AppError> {
        let Some(key) = &meta.idempotency_key else {
            return Ok(None);
        };
        if key.trim().is_empty() || key.len() > 200 {
            return Err(AppError::Invalid(
                "Idempotency-Key must be 1–200 characters".into(),
            ));
        }
        match self.store.idempotency(scope, key).await? {
            Some(r) if r.request_hash == meta.request_hash => Ok(Some(Outcome {
                status: r.status,
                body: r.response,
                replayed: true,
            })),
            Some(_) => Err(AppError::IdempotencyMismatch),
            None => Ok(None),
        }
    }

    /// What a command with an idempotency key answers when it fails: if its first attempt
    /// committed meanwhile (a retry racing it loses on the version, on the key, or on a
    /// state the first attempt moved on from), the first attempt's answer; else the failure.
    async fn or_first_answer(
        &self,
        scope: &str,
        meta: &Meta,
        result: Result<Outcome, AppError>,
    ) -> Result<Outcome, AppError> {
        match result {
            Err(e)
                if meta.idempotency_key.is_some()
                    && !matches!(e, AppError::IdempotencyMismatch) =>
            {
                match self.replay_idempotent(scope, meta).await {
                    Ok(Some(done)) => Ok(done),
                    _ => Err(e),
                }
            }
            other => other,
        }
    }

    /// An online submission: anyone may submit; the answer carries the dossier code and the
    /// applicant's access key.
    pub async fn submit(
        &self,
        principal: &Principal,
        req: &SubmitRequest,
        meta: &Meta,
    ) -> Result<Outcome, AppError> {
        let result = self.submit_once(principal, req, meta).await;
        self.or_first_answer(&principal.scope(), meta, result).await
    }

    /// A receipt at the desk (walk-in or postal): the dossier is received at once.
    pub async fn receive_new(
        &self,
        principal: &Principal,
        req: &ReceiveRequest,
        meta: &Meta,
    ) -> Result<Outcome, AppError> {
        let result = self.receive_new_once(principal, req, meta).await;
        self.or_first_answer(&principal.scope(), meta, result).await
    }

    /// Carries out an action on a dossier.
    pub async fn act(
        &self,
        principal: &Principal,
        code: &str,
        action: &Action,
        meta: &Meta,
    ) -> Result<Outcome, AppError> {
        let result = self.act_once(principal, code, action, meta).await;
        self.or_first_answer(&principal.scope(), meta, result).await
    }

    /// Writes a command.
    async fn commit(
        &self,
        scope: &str,
        meta: &Meta,
        mut append: Append,
        status: u16,
        body: String,
    ) -> Result<Outcome, AppError> {
        append.idempotency = meta.idempotency_key.as_ref().map(|key| IdempotencyRecord {
            scope: scope.to_owned(),
            key: key.clone(),
            request_hash: meta.request_hash.clone(),
            status,
            response: body.clone(),
        });
        match self.store.append(append).await {
            Ok(_) => Ok(Outcome {
                status,
                body,
                replayed: false,
            }),
            Err(e) => Err(e.into()),
        }
    }

    fn today(&self, rules: &Rules, unit: &UnitId) -> jiff::civil::Date {
        rules
            .calendar_of(unit)
            .time_zone()
            .to_datetime(self.clock.now())
            .date()
    }

    /// Chooses the competent unit and process for a procedure received at a unit.
    fn competence(
        rules: &Rules,
        procedure: &motcua_domain::ProcedureCode,
        receiving: &UnitId,
        asked: Option<&str>,
        date: jiff::civil::Date,
    ) -> Result<(UnitId, Option<ProcessRef>), AppError> {
        let asked: Option<UnitId> = asked.map(parse).transpose()?;
        if let Some(u) = &asked {
            rules.unit(u)?;
        }
        let process = rules.process_for(procedure, asked.as_ref(), date);
        let competent = asked
            .or_else(|| process.and_then(|p| p.owner.clone()))
            .unwrap_or_else(|| receiving.clone());
        Ok((
            competent,
            process.map(motcua_domain::process::ProcessDefinition::reference),
        ))
    }

    async fn new_code(&self, rules: &Rules, unit: &UnitId) -> Result<DossierCode, AppError> {
        let u = rules.unit(unit)?;
        let day = self.today(rules, unit);
        let seq = self
            .store
            .next_dossier_sequence(u.code.as_str(), day)
            .await?;
        DossierCode::new(u.code.clone(), day, seq).map_err(|e| AppError::Internal(e.to_string()))
    }

    async fn create(
        &self,
        rules: &Rules,
        principal: &Principal,
        meta: &Meta,
        events: Vec<Event>,
        access_key: Option<String>,
    ) -> Result<Outcome, AppError> {
        let (first, rest) = events
            .split_first()
            .ok_or_else(|| AppError::Internal("a dossier starts with an event".into()))?;
        let mut dossier = Dossier::start(first, &rules.book)?;
        let mut outbox = vec![sync_message(
            dossier.code(),
            1,
            first,
            dossier.status().code(),
        )];
        for (seq, e) in (2..).zip(rest) {
            dossier.apply(e, &rules.book)?;
            outbox.push(sync_message(
                dossier.code(),
                seq,
                e,
                dossier.status().code(),
            ));
        }
        let row = projection_row(&dossier, access_key.as_deref().map(secret_hash))?;
        let numbered: Vec<(u64, Event)> = (1..).zip(events.iter().cloned()).collect();
        let view = self.dossier_view(rules, &dossier, &numbered)?;
        let body = serde_json::to_string(&Created {
            code: dossier.code().to_string(),
            access_key,
            dossier: view,
        })
        .map_err(|e| AppError::Internal(e.to_string()))?;
        let append = Append {
            code: dossier.code().clone(),
            expected_version: 0,
            outbox,
            events,
            projection: row,
            freeze: vec![dossier.procedure().reference()],
            idempotency: None,
        };
        self.commit(&principal.scope(), meta, append, 201, body)
            .await
    }

    /// One attempt at [`Self::submit`].
    async fn submit_once(
        &self,
        principal: &Principal,
        req: &SubmitRequest,
        meta: &Meta,
    ) -> Result<Outcome, AppError> {
        if let Some(done) = self.replay_idempotent(&principal.scope(), meta).await? {
            return Ok(done);
        }
        check_applicant(&req.applicant, &req.documents)?;
        // Nobody is at a desk to take the applicant's details: the unit must be able to reach
        // them (a supplement request, the result).
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|v| v.trim().is_empty());
        if blank(&req.applicant.phone) && blank(&req.applicant.email) {
            return Err(AppError::Invalid(
                "an online submission needs the applicant's phone or e-mail".into(),
            ));
        }
        let rules = self.rules().await?;
        let unit: UnitId = parse(&req.unit)?;
        rules
            .unit(&unit)
            .map_err(|_| AppError::Invalid(format!("unknown unit {unit}")))?;
        let code = parse(&req.procedure_code)?;
        let procedure = rules.procedure_in_force(&code, self.today(&rules, &unit))?;
        let source = match principal {
            Principal::Official(_) => Source::AssistedByStaff,
            _ => Source::ProvincialPortal,
        };
        let event = Event {
            at: self.clock.now(),
            actor: match principal {
                Principal::Official(o) => Actor::Official(o.id.clone()),
                _ => Actor::Applicant,
            },
            unit: unit.clone(),
            reason: None,
            kind: EventKind::Submitted {
                intake: Intake {
                    code: self.new_code(&rules, &unit).await?,
                    channel: Channel::Online,
                    source: Some(source),
                    procedure: procedure.reference(),
                    applicant: applicant(&req.applicant),
                    documents: documents(&req.documents),
                },
                calendar: rules.calendar.clone(),
                rules: rules.rule_set.clone(),
            },
        };
        let key = new_secret()?;
        self.create(&rules, principal, meta, vec![event], Some(key))
            .await
    }

    /// One attempt at [`Self::receive_new`].
    async fn receive_new_once(
        &self,
        principal: &Principal,
        req: &ReceiveRequest,
        meta: &Meta,
    ) -> Result<Outcome, AppError> {
        if let Some(done) = self.replay_idempotent(&principal.scope(), meta).await? {
            return Ok(done);
        }
        check_applicant(&req.applicant, &req.documents)?;
        let rules = self.rules().await?;
        let unit: UnitId = parse(&req.unit)?;
        rules
            .unit(&unit)
            .map_err(|_| AppError::Invalid(format!("unknown unit {unit}")))?;
        let actor = match principal {
            Principal::Official(o) => {
                require(&rules.org, o, &[Role::DeskOfficer, Role::UnitLeader], &unit)?;
                Actor::Official(o.id.clone())
            }
            Principal::System => Actor::System,
            _ => return Err(AppError::Unauthenticated),
        };
        let channel = match req.channel.as_deref() {
            None | Some("desk") => Channel::Desk,
            Some("postal") => Channel::Postal,
            Some(other) => {
                return Err(AppError::Invalid(format!(
                    "invalid channel {other:?}: expected desk or postal (online dossiers are submitted)"
                )));
            }
        };
        let code = parse(&req.procedure_code)?;
        let today = self.today(&rules, &unit);
        let procedure = rules.procedure_in_force(&code, today)?;
        for m in &req.missing {
            check_text("a missing item", m, 500)?;
        }
        if req.missing.len() > 50 {
            return Err(AppError::Invalid("at most 50 missing items".into()));
        }
        let missing: Vec<String> = req
            .missing
            .iter()
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty())
            .collect();
        let refusal = req
            .refusal
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        if let Some(r) = refusal {
            check_text("the reason for refusing", r, 2000)?;
        }
        if refusal.is_some() && !missing.is_empty() {
            return Err(AppError::Invalid(
                "a dossier is either refused or sent back for a supplement, not both".into(),
            ));
        }
        let at = self.clock.now();
        let intake = Intake {
            code: self.new_code(&rules, &unit).await?,
            channel,
            source: Some(Source::Counter),
            procedure: procedure.reference(),
            applicant: applicant(&req.applicant),
            documents: documents(&req.documents),
        };
        let event = |reason: Option<String>, kind| Event {
            at,
            actor: actor.clone(),
            unit: unit.clone(),
            reason,
            kind,
        };
        // Incomplete or refused at the desk: registered as submitted, and the desk's
        // decision (form 02 or 03) in the same minute; the clock starts only at receipt.
        let decision = if let Some(r) = refusal {
            Some(event(Some(r.to_owned()), EventKind::Refused))
        } else if missing.is_empty() {
            None
        } else {
            Some(event(None, EventKind::SupplementRequested { missing }))
        };
        let events = if let Some(decision) = decision {
            vec![
                event(
                    None,
                    EventKind::Submitted {
                        intake,
                        calendar: rules.calendar.clone(),
                        rules: rules.rule_set.clone(),
                    },
                ),
                decision,
            ]
        } else {
            let (competent, process) =
                Self::competence(&rules, &code, &unit, req.competent_unit.as_deref(), today)?;
            vec![event(
                None,
                EventKind::Received {
                    intake: Some(intake),
                    competent_unit: competent,
                    process,
                    calendar: rules.calendar.clone(),
                    rules: rules.rule_set.clone(),
                },
            )]
        };
        self.create(&rules, principal, meta, events, None).await
    }

    /// The principal of an applicant who proves their access key for a dossier.
    pub async fn applicant(&self, code: &str, access_key: &str) -> Result<Principal, AppError> {
        let row = self
            .store
            .dossier(code)
            .await
            .map_err(|_| AppError::NotFound(format!("no dossier {code}")))?;
        match row.applicant_key_hash {
            Some(h) if h == secret_hash(access_key) => Ok(Principal::Applicant {
                code: code.to_owned(),
            }),
            _ => Err(AppError::Forbidden(
                "the access key does not match this dossier".into(),
            )),
        }
    }

    /// Loads and folds a dossier.
    pub(crate) async fn load(
        &self,
        rules: &Rules,
        code: &str,
    ) -> Result<(Dossier, Vec<(u64, Event)>), AppError> {
        parse::<DossierCode>(code)?;
        let stored = match self.store.events(code).await {
            Ok(e) => e,
            Err(StoreError::NotFound) => {
                return Err(AppError::NotFound(format!("no dossier {code}")));
            }
            Err(e) => return Err(e.into()),
        };
        let events: Vec<(u64, Event)> = stored.into_iter().map(|s| (s.seq, s.event)).collect();
        let dossier = Dossier::replay(events.iter().map(|(_, e)| e), &rules.book).map_err(|e| {
            AppError::Internal(format!("the stored log of {code} does not fold: {e}"))
        })?;
        Ok((dossier, events))
    }

    /// One attempt at [`Self::act`].
    async fn act_once(
        &self,
        principal: &Principal,
        code: &str,
        action: &Action,
        meta: &Meta,
    ) -> Result<Outcome, AppError> {
        if let Some(done) = self.replay_idempotent(&principal.scope(), meta).await? {
            return Ok(done);
        }
        let rules = self.rules().await?;
        let (dossier, mut events) = self.load(&rules, code).await?;
        if let Some(expected) = meta.expected_version
            && expected != dossier.version()
        {
            return Err(AppError::VersionConflict {
                current_version: dossier.version(),
            });
        }
        let event = self.event_for(&rules, &dossier, principal, action)?;
        let next = dossier.check(&event, &rules.book)?;
        let key_hash = self.store.dossier(code).await?.applicant_key_hash;
        let row = projection_row(&next, key_hash)?;
        let seq = next.version();
        events.push((seq, event.clone()));
        let view = self.dossier_view(&rules, &next, &events)?;
        let body = serde_json::to_string(&view).map_err(|e| AppError::Internal(e.to_string()))?;
        let append = Append {
            code: next.code().clone(),
            expected_version: dossier.version(),
            outbox: vec![sync_message(next.code(), seq, &event, row.status)],
            events: vec![event],
            projection: row,
            freeze: vec![],
            idempotency: None,
        };
        self.commit(&principal.scope(), meta, append, 200, body)
            .await
    }

    /// Authorises the action and builds its event. The unit is the dossier's: the receiving
    /// desk, the current step's unit or the competent unit.
    // The match on actions reads as a table of who may do what; equal rows stay apart.
    #[allow(clippy::match_same_arms)]
    fn event_for(
        &self,
        rules: &Rules,
        dossier: &Dossier,
        principal: &Principal,
        action: &Action,
    ) -> Result<Event, AppError> {
        use motcua_domain::dossier::Status;
        let receiving = dossier.receiving_unit().clone();
        let competent = dossier
            .competent_unit()
            .cloned()
            .unwrap_or_else(|| receiving.clone());
        let step_unit = dossier
            .current_step()
            .map_or_else(|| competent.clone(), |s| s.unit.clone());
        let received =
            !matches!(dossier.status(), Status::Submitted) && dossier.received_at().is_some();
        let desk = (DESK, &receiving);
        let handler = (HANDLER, &step_unit);
        let leader = (LEADER, &competent);
        // Who may act, where; and whether the applicant may.
        let (places, applicant_may): (Vec<(&[Role], &UnitId)>, bool) = match action {
            Action::Receive { .. } => (vec![desk], false),
            Action::RequestSupplement { .. } if !received => (vec![desk], false),
            Action::RequestSupplement { .. } | Action::RequestPayment { .. } => {
                (vec![handler, (&[Role::DeskOfficer], &receiving)], false)
            }
            Action::SupplementReceived { .. } => (vec![desk, handler], true),
            Action::Refuse { .. } if !received => (vec![desk], false),
            Action::Refuse { .. }
            | Action::Apologize { .. }
            | Action::Stop { .. }
            | Action::IssueResult { .. } => (vec![leader], false),
            Action::CompleteStep { .. } => {
                let role = dossier
                    .current_step()
                    .and_then(|run| dossier.process().map(|p| p.steps[run.index].role))
                    .unwrap_or(Role::Specialist);
                (vec![(step_roles(role), &step_unit)], false)
            }
            Action::ReturnToStep { .. }
            | Action::RequestAgencyOpinion { .. }
            | Action::AgencyOpinionReceived => (vec![handler], false),
            Action::PaymentReceived { .. } => (vec![desk, handler], false),
            Action::Withdraw { .. } => (vec![desk], true),
            Action::ReturnResult { .. } => (vec![desk], false),
        };
        let (actor, unit) = match principal {
            Principal::Official(o) => {
                let place = places
                    .iter()
                    .find(|(roles, unit)| require(&rules.org, o, roles, unit).is_ok());
                let Some((_, unit)) = place else {
                    let (roles, unit) = places[0];
                    return Err(require(&rules.org, o, roles, unit).expect_err("no place matched"));
                };
                (Actor::Official(o.id.clone()), (*unit).clone())
            }
            Principal::Applicant { code }
                if applicant_may && code == &dossier.code().to_string() =>
            {
                (Actor::Applicant, receiving.clone())
            }
            Principal::Applicant { .. } => {
                return Err(AppError::Forbidden(
                    "the applicant may only supplement or withdraw their own dossier".into(),
                ));
            }
            Principal::Public => return Err(AppError::Unauthenticated),
            Principal::System => (Actor::System, places[0].1.clone()),
        };
        let mut reason = None;
        let kind = match action {
            Action::Receive { competent_unit } => {
                let date = self.today(rules, &receiving);
                let code = &dossier.procedure().code;
                let (competent, process) =
                    Self::competence(rules, code, &receiving, competent_unit.as_deref(), date)?;
                EventKind::Received {
                    intake: None,
                    competent_unit: competent,
                    process,
                    calendar: rules.calendar.clone(),
                    rules: rules.rule_set.clone(),
                }
            }
            Action::RequestSupplement { missing } => {
                for m in missing {
                    check_text("a missing item", m, 500)?;
                }
                EventKind::SupplementRequested {
                    missing: missing.iter().map(|m| m.trim().to_owned()).collect(),
                }
            }
            Action::SupplementReceived { documents: d } => {
                check_documents(d)?;
                EventKind::SupplementReceived {
                    documents: documents(d),
                }
            }
            Action::Refuse { reason: r } => {
                reason = Some(r.clone());
                EventKind::Refused
            }
            Action::CompleteStep {
                step,
                branch,
                assignee,
            } => {
                if let Some(a) = assignee
                    && let Some(o) = dossier.outcomes().into_iter().find(|o| o.branch == *branch)
                {
                    check_assignee(rules, a, o.target.as_ref())?;
                }
                EventKind::StepCompleted {
                    step: match step {
                        Some(s) => parse(s)?,
                        None => dossier.current_step().map(|s| s.step.clone()).ok_or(
                            AppError::Refused(
                                motcua_domain::dossier::LifecycleError::NotCurrentStep {
                                    expected: None,
                                    got: "current".parse().expect("a valid key"),
                                },
                            ),
                        )?,
                    },
                    branch: branch.clone(),
                    assignee: assignee.as_deref().map(parse).transpose()?,
                }
            }
            Action::ReturnToStep {
                step,
                reason: r,
                assignee,
            } => {
                reason = Some(r.clone());
                if let Some(a) = assignee
                    && let Some(t) = parse(step).ok().and_then(|s| dossier.step_target(&s))
                {
                    check_assignee(rules, a, Some(&t))?;
                }
                EventKind::ReturnedToStep {
                    step: parse(step)?,
                    assignee: assignee.as_deref().map(parse).transpose()?,
                }
            }
            Action::RequestPayment { amount_vnd, items } => {
                if items.len() > 50 {
                    return Err(AppError::Invalid("at most 50 items to pay".into()));
                }
                for i in items {
                    check_text("an item to pay", i, 300)?;
                }
                EventKind::PaymentRequested {
                    amount_vnd: *amount_vnd,
                    items: items.clone(),
                }
            }
            Action::PaymentReceived { amount_vnd, online } => EventKind::PaymentReceived {
                amount_vnd: *amount_vnd,
                online: *online,
            },
            Action::RequestAgencyOpinion { agency } => {
                let agency: UnitId = parse(agency)?;
                rules
                    .unit(&agency)
                    .map_err(|_| AppError::Invalid(format!("unknown unit {agency}")))?;
                EventKind::AgencyOpinionRequested { agency }
            }
            Action::AgencyOpinionReceived => EventKind::AgencyOpinionReceived,
            Action::Apologize { new_due, reason: r } => {
                reason = Some(r.clone());
                let new_due = new_due.parse::<Timestamp>().map_err(|_| {
                    AppError::Invalid(
                        "new_due must be RFC 3339 with an offset, e.g. 2026-03-25T17:00:00+07:00"
                            .into(),
                    )
                })?;
                // An extension is days or weeks; a date years away is a typing mistake.
                if new_due.as_second() - self.clock.now().as_second() > 366 * 86_400 {
                    return Err(AppError::Invalid("new_due is more than a year away".into()));
                }
                EventKind::Apologized { new_due }
            }
            Action::Withdraw { reason: r } => {
                reason = Some(r.clone());
                EventKind::Withdrawn
            }
            Action::Stop { reason: r } => {
                reason = Some(r.clone());
                EventKind::Stopped
            }
            Action::IssueResult {
                electronic,
                document_number,
                file,
            } => {
                if let Some(n) = document_number {
                    check_text("the document number", n, 100)?;
                }
                EventKind::ResultIssued {
                    electronic: *electronic,
                    document_number: document_number.clone(),
                    file: file.as_ref().map(file_ref),
                }
            }
            Action::ReturnResult { via } => EventKind::ResultReturned {
                via: match via.as_str() {
                    "desk" => ReturnVia::Desk,
                    "post" => ReturnVia::Post,
                    "online" => ReturnVia::Online,
                    "kiosk" => ReturnVia::Kiosk,
                    other => {
                        return Err(AppError::Invalid(format!(
                            "invalid via {other:?}: expected desk, post, online or kiosk"
                        )));
                    }
                },
            },
        };
        if let Some(r) = &reason {
            check_text("the reason", r, 2000)?;
        }
        Ok(Event {
            at: self.clock.now(),
            actor,
            unit,
            reason,
            kind,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_allow_real_names_and_refuse_code() {
        for ok in [
            "Nguyễn Thị Ánh",
            "O'Brien",
            "Công ty TNHH Phú Gia (chi nhánh 2)",
            "Nguye\u{0302}\u{0303}n Va\u{0306}n A",
            "Hộ kinh doanh A & B",
        ] {
            assert!(check_name("name", ok).is_ok(), "{ok}");
        }
        for bad in [
            "Robert'); DROP TABLE dossiers;--",
            "<script>alert(1)</script>",
            "a\"b",
            "x=1",
            "123",
            "tab\there",
        ] {
            assert!(check_name("name", bad).is_err(), "{bad}");
        }
        assert_eq!(
            check_text("the reason", "Thiếu <b>giấy</b>", 100)
                .unwrap_err()
                .to_string(),
            "the reason must not contain < or >"
        );
    }
}
