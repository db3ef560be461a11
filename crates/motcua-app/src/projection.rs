//! The projection row of a dossier: derived from its events alone (assessed at its last
//! event), so that `verify` can rebuild it and compare.

use motcua_domain::dossier::{Dossier, Status, Timeliness};
use motcua_store::{DossierRow, normalize};

use crate::AppError;

/// The kebab-case name of a verdict, as stored and shown in lists.
pub(crate) fn timeliness_name(t: Timeliness) -> &'static str {
    match t {
        Timeliness::Early => "early",
        Timeliness::OnTime => "on-time",
        Timeliness::Late => "late",
        Timeliness::InProgressOnTime => "in-progress-on-time",
        Timeliness::InProgressLate => "in-progress-late",
    }
}

/// The projection row of a folded dossier. `applicant_key_hash` is not in the events (the
/// key is a secret given to the applicant); it is carried over from the existing row.
pub fn projection_row(
    dossier: &Dossier,
    applicant_key_hash: Option<String>,
) -> Result<DossierRow, AppError> {
    let last = dossier.last_event_at();
    let a = dossier
        .assess(last)
        .map_err(|e| AppError::Internal(format!("cannot assess {}: {e}", dossier.code())))?;
    let status = dossier.status();
    let current_unit = match status {
        Status::Submitted | Status::Finished => Some(dossier.receiving_unit().to_string()),
        // At its current step; with the process ended, at the competent unit, whose leader
        // issues the result.
        Status::Received
        | Status::Processing
        | Status::SupplementRequested
        | Status::PaymentRequested => Some(dossier.current_step().map_or_else(
            || {
                dossier
                    .competent_unit()
                    .unwrap_or(dossier.receiving_unit())
                    .to_string()
            },
            |s| s.unit.to_string(),
        )),
        Status::Refused | Status::Withdrawn | Status::Stopped | Status::Returned => None,
    };
    let intake = dossier.intake();
    let code = dossier.code().to_string();
    let secs = |t: Option<jiff::Timestamp>| t.map(jiff::Timestamp::as_second);
    Ok(DossierRow {
        search_text: normalize(&format!(
            "{code} {} {} {} {}",
            intake.applicant.name,
            intake.applicant.id_number.as_deref().unwrap_or(""),
            dossier.procedure().name,
            dossier.procedure().code
        )),
        code,
        version: dossier.version(),
        status: status.code(),
        channel: dossier.channel().code(),
        procedure_code: dossier.procedure().code.to_string(),
        procedure_version: dossier.procedure().version,
        procedure_name: dossier.procedure().name.clone(),
        applicant_name: intake.applicant.name.clone(),
        receiving_unit: dossier.receiving_unit().to_string(),
        competent_unit: dossier.competent_unit().map(ToString::to_string),
        current_unit,
        current_step: dossier.current_step().map(|s| s.step.to_string()),
        submitted_at: secs(dossier.submitted_at()),
        received_at: secs(dossier.received_at()),
        due_at: secs(a.due_at),
        appointment_at: secs(a.appointment_at),
        ended_at: secs(a.ended_at),
        clock_paused: a.clock_paused,
        timeliness: a.timeliness.map(|t| timeliness_name(t).to_owned()),
        last_event_at: last.as_second(),
        applicant_key_hash,
        acceptance_due_at: secs(a.acceptance_due_at),
    })
}
