//! Verification: every projection row must equal the one rebuilt from a fresh fold of the
//! dossier's events, and every log must fold.

use motcua_domain::dossier::Dossier;
use motcua_store::StoreError;

use crate::projection::projection_row;
use crate::{App, AppError};

/// A dossier whose stored state disagrees with its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The dossier.
    pub code: String,
    /// What differs.
    pub problem: String,
}

/// What `verify` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Dossiers checked.
    pub dossiers: u64,
    /// Events folded.
    pub events: u64,
    /// Disagreements.
    pub mismatches: Vec<Mismatch>,
}

impl App {
    /// Folds every dossier's events afresh and compares the result with its projection row.
    pub async fn verify(&self) -> Result<VerifyReport, AppError> {
        let rules = self.rules().await?;
        let mut report = VerifyReport::default();
        let mut after: Option<String> = None;
        loop {
            let codes = self.store.dossier_codes(after.as_deref(), 500).await?;
            let Some(last) = codes.last().cloned() else {
                break;
            };
            for code in codes {
                report.dossiers += 1;
                let mismatch = |problem: String| Mismatch {
                    code: code.clone(),
                    problem,
                };
                let stored = match self.store.events(&code).await {
                    Ok(e) => e,
                    Err(StoreError::NotFound) => {
                        report
                            .mismatches
                            .push(mismatch("a projection row without events".into()));
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                };
                report.events += stored.len() as u64;
                if let Some((i, e)) = stored
                    .iter()
                    .enumerate()
                    .find(|(i, e)| e.seq != *i as u64 + 1)
                {
                    report
                        .mismatches
                        .push(mismatch(format!("event {i} has sequence number {}", e.seq)));
                    continue;
                }
                let dossier = match Dossier::replay(stored.iter().map(|s| &s.event), &rules.book) {
                    Ok(d) => d,
                    Err(e) => {
                        report
                            .mismatches
                            .push(mismatch(format!("the log does not fold: {e}")));
                        continue;
                    }
                };
                let row = match self.store.dossier(&code).await {
                    Ok(r) => r,
                    Err(StoreError::NotFound) => {
                        report
                            .mismatches
                            .push(mismatch("events without a projection row".into()));
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                };
                let rebuilt = projection_row(&dossier, row.applicant_key_hash.clone())?;
                if rebuilt != row {
                    let stored_json = serde_json::to_value(&row).unwrap_or_default();
                    let rebuilt_json = serde_json::to_value(&rebuilt).unwrap_or_default();
                    let fields: Vec<String> = rebuilt_json
                        .as_object()
                        .map(|o| {
                            o.iter()
                                .filter(|(k, v)| stored_json.get(k.as_str()) != Some(v))
                                .map(|(k, v)| {
                                    format!(
                                        "{k}: stored {} but events give {v}",
                                        stored_json[k.as_str()]
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    report.mismatches.push(mismatch(fields.join("; ")));
                }
            }
            after = Some(last);
        }
        Ok(report)
    }
}
