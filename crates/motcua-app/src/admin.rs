//! Administration: units, officials, the catalog, processes, calendars and rule sets. Every
//! write is validated by the domain against what is already stored, then stored, and the
//! rules are reloaded.

use motcua_domain::calendar::CalendarSet;
use motcua_domain::catalog::ProcedureVersion;
use motcua_domain::org::{Official, Role, Unit};
use motcua_domain::process::ProcessDefinition;
use motcua_domain::rules::{CalendarRef, RuleSet};
use motcua_store::Account;

use crate::auth::hash_password;
use crate::authz::{Principal, require};
use crate::commands::{check_name, check_text};
use crate::rules::Rules;
use crate::{App, AppError};

/// An official to create, with their login.
#[derive(Debug, Clone)]
pub struct NewOfficial {
    /// The official.
    pub official: Official,
    /// Login name.
    pub username: String,
    /// Initial password (at least 8 characters).
    pub password: String,
}

fn invalid(e: impl std::fmt::Display) -> AppError {
    AppError::Invalid(e.to_string())
}

impl App {
    /// Requires an administrator of a root unit (catalog, calendars and rules are the whole
    /// province's).
    fn require_root_admin(rules: &Rules, principal: &Principal) -> Result<(), AppError> {
        match principal {
            Principal::System => Ok(()),
            Principal::Official(o) => {
                let root = o.roles.iter().any(|r| {
                    r.role == Role::Administrator
                        && rules.org.unit(&r.unit).is_some_and(|u| u.parent.is_none())
                });
                if root {
                    Ok(())
                } else {
                    Err(AppError::Forbidden(
                        "the catalog, calendars and rules are managed by administrators of the province".into(),
                    ))
                }
            }
            _ => Err(AppError::Unauthenticated),
        }
    }

    /// Adds a unit under an existing parent (a root only for the system).
    pub async fn add_unit(&self, principal: &Principal, unit: Unit) -> Result<(), AppError> {
        let rules = self.rules().await?;
        match (principal, &unit.parent) {
            (Principal::System, _) => {}
            (Principal::Official(o), Some(parent)) => {
                require(&rules.org, o, &[Role::Administrator], parent)?;
            }
            (Principal::Official(_), None) => {
                return Err(AppError::Forbidden(
                    "only the system creates a root unit".into(),
                ));
            }
            _ => return Err(AppError::Unauthenticated),
        }
        check_name("the unit's name", &unit.name)?;
        let mut org = rules.org.clone();
        org.add_unit(unit.clone()).map_err(invalid)?;
        self.store.insert_unit(&unit).await?;
        self.invalidate_rules().await;
        Ok(())
    }

    /// Adds an official with a login; an administrator may give roles only in their subtree.
    pub async fn add_official(
        &self,
        principal: &Principal,
        new: NewOfficial,
    ) -> Result<(), AppError> {
        let rules = self.rules().await?;
        match principal {
            Principal::System => {}
            Principal::Official(o) => {
                for r in &new.official.roles {
                    require(&rules.org, o, &[Role::Administrator], &r.unit)?;
                }
            }
            _ => return Err(AppError::Unauthenticated),
        }
        if new.password.chars().count() < 8 {
            return Err(AppError::Invalid(
                "the password must have at least 8 characters".into(),
            ));
        }
        let u = &new.username;
        if u.is_empty()
            || u.len() > 64
            || !u
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            return Err(AppError::Invalid(
                "the username must be 1–64 ASCII letters, digits, '.', '_' or '-'".into(),
            ));
        }
        check_name("the official's name", &new.official.name)?;
        if let Some(t) = &new.official.title {
            check_text("the official's title", t, 200)?;
        }
        let mut org = rules.org.clone();
        org.add_official(new.official.clone()).map_err(invalid)?;
        let password = new.password.clone();
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        self.store
            .insert_account(&Account {
                official: new.official,
                username: new.username,
                password_hash: hash,
                active: true,
            })
            .await?;
        self.invalidate_rules().await;
        Ok(())
    }

    /// Publishes a procedure version (the next version number of its code).
    pub async fn publish_procedure(
        &self,
        principal: &Principal,
        p: ProcedureVersion,
    ) -> Result<(), AppError> {
        let rules = self.rules().await?;
        Self::require_root_admin(&rules, principal)?;
        // Real names run to several hundred characters.
        check_text("the procedure's name", &p.name, 2000)?;
        let mut catalog = rules.catalog.clone();
        catalog.publish(p.clone()).map_err(invalid)?;
        self.store.insert_procedure(&p).await?;
        self.invalidate_rules().await;
        Ok(())
    }

    /// Corrects a procedure version no dossier uses yet.
    pub async fn correct_procedure(
        &self,
        principal: &Principal,
        p: ProcedureVersion,
    ) -> Result<(), AppError> {
        let rules = self.rules().await?;
        Self::require_root_admin(&rules, principal)?;
        let mut catalog = rules.catalog.clone();
        if self
            .store
            .procedure_in_use(&p.reference())
            .await
            .map_err(|_| {
                AppError::NotFound(format!("unknown procedure version {}", p.reference()))
            })?
        {
            return Err(AppError::Invalid(format!(
                "{} is used by dossiers and can no longer change: publish a new version",
                p.reference()
            )));
        }
        catalog.correct(p.clone()).map_err(invalid)?;
        self.store.correct_procedure(&p).await?;
        self.invalidate_rules().await;
        Ok(())
    }

    /// Publishes a process version, checked against the organisation and its procedure.
    pub async fn publish_process(
        &self,
        principal: &Principal,
        p: ProcessDefinition,
    ) -> Result<(), AppError> {
        let rules = self.rules().await?;
        Self::require_root_admin(&rules, principal)?;
        let procedure = rules
            .catalog
            .versions(&p.procedure)
            .last()
            .ok_or_else(|| AppError::Invalid(format!("unknown procedure {}", p.procedure)))?;
        let expected = rules
            .processes
            .iter()
            .filter(|x| x.id == p.id)
            .map(|x| x.version)
            .max()
            .unwrap_or(0)
            + 1;
        if p.version != expected {
            return Err(AppError::Invalid(format!(
                "process {}: the next version must be {expected}, got {}",
                p.id, p.version
            )));
        }
        p.validate(
            &rules.org,
            procedure,
            rules.calendar_set.base().day_length(),
        )
        .map_err(invalid)?;
        self.store.insert_process(&p).await?;
        self.invalidate_rules().await;
        Ok(())
    }

    /// Publishes a calendar version from its TOML text.
    pub async fn publish_calendar(
        &self,
        principal: &Principal,
        r: CalendarRef,
        toml: &str,
    ) -> Result<(), AppError> {
        let rules = self.rules_or_empty().await?;
        if let Some(rules) = &rules {
            Self::require_root_admin(rules, principal)?;
        } else if !matches!(principal, Principal::System) {
            return Err(AppError::Unauthenticated);
        }
        CalendarSet::from_toml(toml).map_err(|e| AppError::Invalid(format!("calendar: {e}")))?;
        self.store.insert_calendar(&r, toml).await?;
        self.invalidate_rules().await;
        Ok(())
    }

    /// Publishes a rule set version.
    pub async fn publish_rule_set(
        &self,
        principal: &Principal,
        r: RuleSet,
    ) -> Result<(), AppError> {
        let rules = self.rules_or_empty().await?;
        if let Some(rules) = &rules {
            Self::require_root_admin(rules, principal)?;
        } else if !matches!(principal, Principal::System) {
            return Err(AppError::Unauthenticated);
        }
        r.validate().map_err(invalid)?;
        self.store.insert_rule_set(&r).await?;
        self.invalidate_rules().await;
        Ok(())
    }

    /// The rules, or `None` on a database without a calendar or rule set yet (first setup).
    async fn rules_or_empty(&self) -> Result<Option<std::sync::Arc<Rules>>, AppError> {
        match self.rules().await {
            Ok(r) => Ok(Some(r)),
            Err(AppError::Internal(m))
                if m.starts_with("no calendar") || m.starts_with("no rule set") =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}
