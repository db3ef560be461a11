//! The storage trait of motcua and what it stores.
//!
//! One trait, [`Store`], with two implementations (`motcua-store-sqlite`, the embedded
//! default, and `motcua-store-postgres`), both passing the same [`conformance`] suite.
//!
//! The dossier is an append-only log of events. A command is one unit of work,
//! [`Store::append`]: in one transaction it checks the dossier's version (optimistic
//! concurrency), appends the events, replaces the dossier's projection row (used by
//! inboxes, lists and search), appends outbox rows for later delivery to the national
//! portal, freezes the procedure versions the dossier uses, and records the idempotency key
//! with the response it produced. Nothing else changes an event once written.
//!
//! Instants are stored as whole seconds since the Unix epoch, UTC, in every backend.
#![warn(missing_docs)]

pub mod codec;
pub mod conformance;
mod search;
pub mod sql;

use std::fmt;

use async_trait::async_trait;
use motcua_domain::catalog::{ProcedureRef, ProcedureVersion};
use motcua_domain::dossier::{DossierCode, Event};
use motcua_domain::org::{Official, Unit};
use motcua_domain::process::ProcessDefinition;
use motcua_domain::rules::{CalendarRef, RuleSet};
use motcua_domain::{OfficialId, ProcedureCode};
use serde::{Deserialize, Serialize};

pub use search::normalize;

/// Seconds since the Unix epoch, UTC.
pub type Seconds = i64;

/// What can go wrong in a store. Backends translate their own errors into these.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist.
    #[error("not found")]
    NotFound,
    /// The dossier changed since it was read: the command must be decided again.
    #[error("the dossier has changed: its current version is {current_version}")]
    Conflict {
        /// The dossier's version now.
        current_version: u64,
    },
    /// A unique key is already taken (an idempotency key, a unit code, a username…).
    #[error("already exists: {0}")]
    Duplicate(String),
    /// A procedure version that dossiers use can no longer be corrected.
    #[error("procedure version {0} is used by dossiers and can no longer change")]
    InUse(ProcedureRef),
    /// Anything else: the database is unreachable, a row cannot be decoded…
    #[error("storage failure: {0}")]
    Other(String),
}

impl StoreError {
    /// Wraps any other failure.
    pub fn other(e: impl fmt::Display) -> Self {
        StoreError::Other(e.to_string())
    }
}

/// A stored event: the domain event, its position in the dossier's log, and when the store
/// wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// 1-based position in the log; equal to the dossier's version after it.
    pub seq: u64,
    /// When the store wrote it.
    pub recorded_at: Seconds,
    /// The event.
    pub event: Event,
}

/// The current state of a dossier as inboxes, lists and search need it: a projection of its
/// events, rebuilt by replaying them (`motcua verify` checks that it is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierRow {
    /// The dossier code.
    pub code: String,
    /// Number of events.
    pub version: u64,
    /// Status code 1–10.
    pub status: u8,
    /// Channel code 1–3.
    pub channel: u8,
    /// Procedure code.
    pub procedure_code: String,
    /// Procedure version.
    pub procedure_version: u32,
    /// Procedure name (for lists).
    pub procedure_name: String,
    /// Applicant's name.
    pub applicant_name: String,
    /// Unit that received it.
    pub receiving_unit: String,
    /// Unit competent to resolve it.
    pub competent_unit: Option<String>,
    /// Where it waits now: the unit of the current step, or the receiving desk.
    pub current_unit: Option<String>,
    /// The current step.
    pub current_step: Option<String>,
    /// When it was submitted.
    pub submitted_at: Option<Seconds>,
    /// When it was received.
    pub received_at: Option<Seconds>,
    /// The legal due instant as of the last event.
    pub due_at: Option<Seconds>,
    /// The appointment in force (after apologies).
    pub appointment_at: Option<Seconds>,
    /// When processing ended by the index's rule.
    pub ended_at: Option<Seconds>,
    /// Whether the clock is stopped (so `due_at` keeps moving).
    pub clock_paused: bool,
    /// The verdict as of the last event (`early`, `on-time`, `late`, `in-progress-on-time`…).
    pub timeliness: Option<String>,
    /// Diacritics-free, lower-case text searched by list queries.
    pub search_text: String,
    /// When the last event happened.
    pub last_event_at: Seconds,
    /// Hash of the applicant's access key (to act on their own dossier).
    pub applicant_key_hash: Option<String>,
    /// For online submissions: when the desk's decision (accept, ask, refuse) is due.
    pub acceptance_due_at: Option<Seconds>,
}

/// A message to deliver later (national portal sync).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// Where it goes, e.g. `national-portal`.
    pub topic: String,
    /// The dossier it is about.
    pub code: String,
    /// The event that caused it.
    pub seq: u64,
    /// The message body (JSON).
    pub payload: String,
}

/// An outbox message as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    /// Its id, in insertion order.
    pub id: i64,
    /// The message.
    pub message: OutboxMessage,
    /// When it was written.
    pub created_at: Seconds,
    /// When it was delivered, if it was.
    pub delivered_at: Option<Seconds>,
    /// Delivery attempts so far.
    pub attempts: u32,
}

/// The outcome of a command, kept so that a retry with the same idempotency key returns it
/// again instead of acting twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// Whose key: an official's id, or the applicant of a dossier.
    pub scope: String,
    /// The client's key.
    pub key: String,
    /// A hash of the request, to refuse the same key reused for another request.
    pub request_hash: String,
    /// The HTTP status of the first response.
    pub status: u16,
    /// The body of the first response.
    pub response: String,
}

/// Whole dossier histories written in one transaction by [`Store::import`].
#[derive(Debug, Clone, Default)]
pub struct ImportBatch {
    /// Each dossier's complete log and its projection row.
    pub dossiers: Vec<(Vec<StoredEvent>, DossierRow)>,
    /// Procedure versions the dossiers use, frozen.
    pub freeze: Vec<ProcedureRef>,
    /// `(unit code, receipt day YYYY-MM-DD, number)`: the dossier-code sequences move past every
    /// imported number, so that new dossiers never take an imported code.
    pub sequences: Vec<(String, String, u16)>,
    /// `(file id, next line)`: where to resume the import of that file.
    pub checkpoint: Option<(String, u64)>,
}

/// One command's writes, done in one transaction by [`Store::append`].
#[derive(Debug, Clone)]
pub struct Append {
    /// The dossier.
    pub code: DossierCode,
    /// Its version the command was decided on (0 for a new dossier).
    pub expected_version: u64,
    /// The new events, in order.
    pub events: Vec<Event>,
    /// The projection row after them.
    pub projection: DossierRow,
    /// Messages to deliver later.
    pub outbox: Vec<OutboxMessage>,
    /// Procedure versions to freeze (the dossier uses them).
    pub freeze: Vec<ProcedureRef>,
    /// The idempotency key and response to record, if the client sent a key.
    pub idempotency: Option<IdempotencyRecord>,
}

/// Filters for listing dossiers; all given filters apply together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DossierFilter {
    /// Dossiers that involve any of these units (receiving, competent or current).
    pub any_unit: Option<Vec<String>>,
    /// With `any_unit`: only the dossiers waiting at one of those units now (its inboxes).
    pub waiting_only: bool,
    /// Dossiers waiting at this unit now (an inbox).
    pub current_unit: Option<String>,
    /// Any of these statuses.
    pub statuses: Option<Vec<u8>>,
    /// This procedure.
    pub procedure_code: Option<String>,
    /// This channel.
    pub channel: Option<u8>,
    /// Due at or after.
    pub due_from: Option<Seconds>,
    /// Due at or before.
    pub due_to: Option<Seconds>,
    /// Overdue at this instant: due before it, not ended, clock running.
    pub overdue_at: Option<Seconds>,
    /// Contains every word of this text, in any order (already normalised with
    /// [`normalize`]).
    pub text: Option<String>,
    /// How the list is ordered.
    pub order: DossierOrder,
}

/// How a list of dossiers is ordered; either way pages follow with a [`DossierCursor`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DossierOrder {
    /// The latest activity first.
    #[default]
    LatestActivity,
    /// The nearest deadline first, the latest last: for a submission awaiting acceptance the
    /// desk's decision deadline, otherwise the due date (as of the last event); dossiers
    /// without one come after every dated one. Ties in code order.
    Deadline,
}

impl DossierOrder {
    /// A row's sort key in this order (what [`DossierCursor::key`] holds).
    pub fn key(self, row: &DossierRow) -> Seconds {
        match self {
            DossierOrder::LatestActivity => row.last_event_at,
            DossierOrder::Deadline => if row.status == 1 {
                row.acceptance_due_at
            } else {
                row.due_at
            }
            .unwrap_or(Seconds::MAX),
        }
    }
}

/// Where a page of dossiers starts: after the dossier with this sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierCursor {
    /// The sort key of the last dossier of the previous page ([`DossierOrder::key`]): its
    /// last event time, or its deadline.
    pub key: Seconds,
    /// Its code.
    pub code: String,
}

/// A page of results and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T, C> {
    /// The items.
    pub items: Vec<T>,
    /// The cursor of the next page, if there may be one.
    pub next: Option<C>,
}

/// A file given with a dossier (a scan, an upload, a result), stored once by the SHA-256 of
/// its bytes: the same file given twice is stored once, and a stored file never changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileBlob {
    /// The SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// Its media type, as checked from its first bytes (`application/pdf`, `image/jpeg`…).
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// An official with the account data the store keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The official.
    pub official: Official,
    /// Login name.
    pub username: String,
    /// Argon2id hash in PHC string form.
    pub password_hash: String,
    /// Whether the account may log in.
    pub active: bool,
}

/// The storage of motcua. Every method is one transaction.
#[async_trait]
pub trait Store: Send + Sync {
    /// Applies the schema migrations of this backend.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    // ----- Dossiers ---------------------------------------------------------------------

    /// Appends a command's events with everything that goes with them (see [`Append`]);
    /// returns the dossier's new version. Fails with [`StoreError::Conflict`] if the dossier
    /// is no longer at `expected_version`, and with [`StoreError::Duplicate`] if the
    /// idempotency key is already recorded (then nothing is written).
    async fn append(&self, append: Append) -> Result<u64, StoreError>;

    /// The events of a dossier, in order ([`StoreError::NotFound`] if it has none).
    async fn events(&self, code: &str) -> Result<Vec<StoredEvent>, StoreError>;

    /// The projection row of a dossier.
    async fn dossier(&self, code: &str) -> Result<DossierRow, StoreError>;

    /// Dossiers matching a filter, most recently changed first.
    async fn list_dossiers(
        &self,
        filter: &DossierFilter,
        after: Option<&DossierCursor>,
        limit: u32,
    ) -> Result<Page<DossierRow, DossierCursor>, StoreError>;

    /// Writes imported dossier histories, their projection rows, the frozen procedure
    /// versions, the code sequences and the import's checkpoint, in one transaction. Nothing
    /// goes to the outbox: an imported history belongs to the system it came from, which
    /// delivered it. Fails with [`StoreError::Duplicate`], writing nothing, if a dossier of the
    /// batch already has events.
    async fn import(&self, batch: &ImportBatch) -> Result<(), StoreError>;

    /// Refreshes the query planner's statistics after a bulk change such as an import
    /// (`ANALYZE` on PostgreSQL, `PRAGMA optimize` on SQLite): without them a planner that
    /// last looked at an empty table may walk millions of rows for a one-row lookup.
    async fn analyze(&self) -> Result<(), StoreError>;

    /// Before a bulk load into an empty store: drops the indexes that are cheaper to build
    /// once at the end than to keep up row by row ([`codec::DOSSIER_INDEXES`], and on SQLite
    /// the index of the events by dossier). Does nothing and answers `false` when a dossier
    /// is stored already. Until [`Store::build_indexes`] runs, lists and a dossier's events
    /// are read by scanning; nothing else changes (SQLite's single writer and PostgreSQL's
    /// primary key still refuse a second event at the same place in a dossier's log).
    async fn defer_indexes(&self) -> Result<bool, StoreError>;

    /// Builds every deferred index that is missing; nothing when all are there. Migrating a
    /// store runs it, so a bulk load interrupted before its end leaves no store without them.
    async fn build_indexes(&self) -> Result<(), StoreError>;

    /// Where the import of a file should resume: the line after its last committed batch.
    async fn import_checkpoint(&self, file_id: &str) -> Result<Option<u64>, StoreError>;

    /// The events of every dossier in dossier-code and sequence order, a page at a time,
    /// after a `(code, seq)` position (for export).
    async fn events_page(
        &self,
        after: Option<(&str, u64)>,
        limit: u32,
    ) -> Result<Vec<(String, StoredEvent)>, StoreError>;

    /// Every dossier code, of a projection row or of events, in order, a page at a time (for
    /// verification and export).
    async fn dossier_codes(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>, StoreError>;

    /// Counts of dossiers by status code: of every dossier, or of those that involve one of
    /// `units` (received, resolved or waiting there).
    async fn count_by_status(&self, units: Option<&[String]>)
    -> Result<Vec<(u8, u64)>, StoreError>;

    /// The next sequence number of dossier codes for a unit code and day (1, 2, …); fails
    /// past 9999.
    async fn next_dossier_sequence(
        &self,
        unit_code: &str,
        day: jiff::civil::Date,
    ) -> Result<u16, StoreError>;

    /// A recorded idempotency key.
    async fn idempotency(
        &self,
        scope: &str,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, StoreError>;

    /// Undelivered outbox messages, oldest first.
    async fn outbox_pending(&self, limit: u32) -> Result<Vec<OutboxRow>, StoreError>;

    // ----- Catalog and rules ------------------------------------------------------------

    /// Stores a new procedure version ([`StoreError::Duplicate`] if it exists).
    async fn insert_procedure(&self, p: &ProcedureVersion) -> Result<(), StoreError>;

    /// Replaces a procedure version that no dossier uses ([`StoreError::InUse`] otherwise).
    async fn correct_procedure(&self, p: &ProcedureVersion) -> Result<(), StoreError>;

    /// Every version of every procedure.
    async fn procedures(&self) -> Result<Vec<ProcedureVersion>, StoreError>;

    /// Whether dossiers use a procedure version.
    async fn procedure_in_use(&self, r: &ProcedureRef) -> Result<bool, StoreError>;

    /// Stores a new process version ([`StoreError::Duplicate`] if it exists).
    async fn insert_process(&self, p: &ProcessDefinition) -> Result<(), StoreError>;

    /// Every version of every process.
    async fn processes(&self) -> Result<Vec<ProcessDefinition>, StoreError>;

    /// Stores a new calendar version: its TOML text ([`StoreError::Duplicate`] if it exists).
    async fn insert_calendar(&self, r: &CalendarRef, toml: &str) -> Result<(), StoreError>;

    /// Every calendar version with its TOML text.
    async fn calendars(&self) -> Result<Vec<(CalendarRef, String)>, StoreError>;

    /// Stores a new rule set version ([`StoreError::Duplicate`] if it exists).
    async fn insert_rule_set(&self, r: &RuleSet) -> Result<(), StoreError>;

    /// Every rule set version.
    async fn rule_sets(&self) -> Result<Vec<RuleSet>, StoreError>;

    /// A number that changes whenever the catalog, processes, calendars, rule sets or the
    /// organisation change, so that nodes know when to reload them.
    async fn rules_revision(&self) -> Result<i64, StoreError>;

    // ----- Organisation and accounts ----------------------------------------------------

    /// Stores a new unit ([`StoreError::Duplicate`] if its id or code is taken).
    async fn insert_unit(&self, u: &Unit) -> Result<(), StoreError>;

    /// Every unit.
    async fn units(&self) -> Result<Vec<Unit>, StoreError>;

    /// Stores a new official with their account ([`StoreError::Duplicate`] if the id or
    /// username is taken).
    async fn insert_account(&self, a: &Account) -> Result<(), StoreError>;

    /// Every official with their account.
    async fn accounts(&self) -> Result<Vec<Account>, StoreError>;

    /// The account with a username.
    async fn account_by_username(&self, username: &str) -> Result<Account, StoreError>;

    /// Records a session (by the hash of its token) until `expires_at`.
    async fn insert_session(
        &self,
        token_hash: &str,
        official: &OfficialId,
        expires_at: Seconds,
    ) -> Result<(), StoreError>;

    /// The official of a session still valid at `now`.
    async fn session(&self, token_hash: &str, now: Seconds) -> Result<OfficialId, StoreError>;

    /// Ends a session.
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;

    // ----- Files ------------------------------------------------------------------------

    /// Stores a file under its SHA-256; a file already stored is left as it is.
    async fn put_file(&self, file: &FileBlob) -> Result<(), StoreError>;

    /// A stored file, or [`StoreError::NotFound`].
    async fn file(&self, sha256: &str) -> Result<FileBlob, StoreError>;
}

/// The latest version of each procedure, by code.
pub fn latest_versions(all: &[ProcedureVersion]) -> Vec<&ProcedureVersion> {
    let mut by_code: std::collections::BTreeMap<&ProcedureCode, &ProcedureVersion> =
        std::collections::BTreeMap::new();
    for p in all {
        let slot = by_code.entry(&p.code).or_insert(p);
        if p.version > slot.version {
            *slot = p;
        }
    }
    by_code.into_values().collect()
}
