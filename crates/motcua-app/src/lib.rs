//! The application services of motcua, between the HTTP layer and the store.
//!
//! [`App`] decides every command with the domain (`Dossier::check`), then writes it with
//! [`Store::append`](motcua_store::Store::append) — events, projection row, outbox message,
//! frozen procedure version and idempotency record in one transaction. It authenticates
//! officials (Argon2id passwords, server-side sessions), authorises every action by role and
//! unit scope, answers queries, and checks that projections match a fresh fold of the events
//! (`verify`). The rules (catalog, processes, calendars, rule sets, organisation) are loaded
//! from the store and reloaded when its revision moves.

mod admin;
mod auth;
mod authz;
mod clock;
mod commands;
mod error;
mod files;
pub mod interchange;
mod projection;
mod queries;
mod rules;
mod verify;
pub mod views;

use std::sync::Arc;

use motcua_domain::{CalendarId, RuleSetId};
use motcua_store::Store;

pub use admin::NewOfficial;
pub use auth::{Session, hash_password, new_secret};
pub use authz::Principal;
pub use clock::{Clock, ManualClock, SystemClock};
pub use commands::{Action, Meta, Outcome};
pub use error::AppError;
pub use files::{MAX_FILE_BYTES, UploadError, check_upload, result_files};
pub use motcua_store::DossierOrder;
pub use projection::projection_row;
pub use queries::ListQuery;
pub use rules::Rules;
pub use verify::{Mismatch, VerifyReport};

/// Settings of the application layer.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The calendar whose latest version new dossiers use.
    pub calendar_id: CalendarId,
    /// The rule set whose latest version new dossiers use.
    pub rule_set_id: RuleSetId,
    /// How long a session lasts.
    pub session_ttl_seconds: i64,
    /// How long a node trusts its copy of the rules before asking the store whether they
    /// changed (other nodes may change them).
    pub rules_check_interval: std::time::Duration,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            calendar_id: "vn-officials".parse().expect("valid key"),
            rule_set_id: "vn-one-stop".parse().expect("valid key"),
            session_ttl_seconds: 12 * 3600,
            rules_check_interval: std::time::Duration::from_secs(1),
        }
    }
}

struct CachedRules {
    rules: Arc<Rules>,
    checked_at: std::time::Instant,
}

/// The application: one per process, shared by every request.
pub struct App {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    config: AppConfig,
    rules: tokio::sync::RwLock<Option<CachedRules>>,
}

impl App {
    /// An application over a store (already migrated).
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: AppConfig) -> Self {
        Self {
            store,
            clock,
            config,
            rules: tokio::sync::RwLock::new(None),
        }
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// The clock.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// The settings.
    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    /// The rules in force: the cached copy, reloaded when the store's revision has moved.
    pub async fn rules(&self) -> Result<Arc<Rules>, AppError> {
        {
            let cached = self.rules.read().await;
            if let Some(c) = cached.as_ref()
                && c.checked_at.elapsed() < self.config.rules_check_interval
            {
                return Ok(c.rules.clone());
            }
        }
        let revision = self.store.rules_revision().await?;
        let mut cached = self.rules.write().await;
        if let Some(c) = cached.as_mut()
            && c.rules.revision == revision
        {
            c.checked_at = std::time::Instant::now();
            return Ok(c.rules.clone());
        }
        let rules = Arc::new(Rules::load(self.store.as_ref(), &self.config, revision).await?);
        *cached = Some(CachedRules {
            rules: rules.clone(),
            checked_at: std::time::Instant::now(),
        });
        Ok(rules)
    }

    /// Forgets the cached rules (after this node changed them).
    pub async fn invalidate_rules(&self) {
        *self.rules.write().await = None;
    }
}
