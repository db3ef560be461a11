//! The interchange format (định dạng trao đổi): a province's catalog, organisation and
//! dossier histories as JSON Lines, one record per line, for export, import, migration from
//! a legacy one-stop system and the simulator. `docs/interchange.md` is its specification.
//!
//! Every line is one JSON object with a single key naming the record:
//!
//! ```text
//! {"header":{"format":"motcua-interchange","version":1,"id":"…","as_of":"…"}}
//! {"calendar":{"id":"vn-officials","version":1,"toml":"…"}}
//! {"rule_set":{…}}
//! {"unit":{…}}            parents before children
//! {"official":{…}}
//! {"procedure":{…}}       every version, oldest first
//! {"process":{…}}
//! {"event":{"dossier":"H29.01.02-260302-0001","seq":1,"recorded_at":"…","at":"…","actor":…,"unit":"…","type":"submitted","payload":{…}}}
//! {"end":{"lines":1234}}
//! ```
//!
//! The events of one dossier stand together, in the order of their `seq` (1, 2, 3…), which
//! is how a reader can check and store one dossier at a time without holding a province in
//! memory. The `end` record counts every line before it, so that a truncated file is told
//! from a complete one.
//!
//! # Example
//!
//! ```
//! use motcua_domain::interchange::{Header, Record, FORMAT, VERSION};
//!
//! let line = r#"{"header":{"format":"motcua-interchange","version":1,"id":"demo","as_of":"2026-03-02T01:00:00Z"}}"#;
//! let record: Record = serde_json::from_str(line).unwrap();
//! assert!(matches!(record, Record::Header(Header { version: VERSION, .. })));
//! assert_eq!(FORMAT, "motcua-interchange");
//! ```

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::catalog::ProcedureVersion;
use crate::dossier::Event;
use crate::org::{Official, Unit};
use crate::process::ProcessDefinition;
use crate::rules::{CalendarRef, RuleSet};

/// The format's name, in every header.
pub const FORMAT: &str = "motcua-interchange";

/// The version of the format this code writes and reads.
pub const VERSION: u32 = 1;

/// One line of an interchange file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Record {
    /// The first line.
    Header(Header),
    /// A working calendar version, as its TOML file (`docs/calendar.md`).
    Calendar(CalendarRecord),
    /// A rule set version.
    RuleSet(RuleSet),
    /// A unit of the organisation; its parent comes before it.
    Unit(Unit),
    /// An official with their roles (no credentials: accounts are not exported).
    Official(Official),
    /// A procedure version.
    Procedure(ProcedureVersion),
    /// An internal process version.
    Process(ProcessDefinition),
    /// A file (a scan, an upload, a result document) named by the events after it; it comes
    /// before the first event that names it, once in a file.
    File(FileRecord),
    /// One event of a dossier's log.
    Event(EventRecord),
    /// The last line.
    End(End),
}

/// What a file is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Always [`FORMAT`].
    pub format: String,
    /// The format version, [`VERSION`] for this code.
    pub version: u32,
    /// An identifier of this file's contents (an export's or a simulation's), under which an
    /// interrupted import records how far it got.
    pub id: String,
    /// The instant the data is as of: the last event's (an export's), the end of the
    /// simulated period (a simulation's).
    pub as_of: Timestamp,
    /// What made it (`motcua export`, `motcua simulate --profile …`, a migration tool).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A calendar version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarRecord {
    /// Which calendar, which version.
    #[serde(flatten)]
    pub reference: CalendarRef,
    /// The calendar file.
    pub toml: String,
}

/// One event of a dossier, with its place in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    /// The dossier code.
    pub dossier: String,
    /// 1-based position in the dossier's log.
    pub seq: u64,
    /// When the system that holds it recorded it (may differ from `at`, when it happened).
    pub recorded_at: Timestamp,
    /// The event: `at`, `actor`, `unit`, `reason`, `type` and `payload`.
    #[serde(flatten)]
    pub event: Event,
}

/// A stored file, its bytes in standard Base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRecord {
    /// SHA-256 of the bytes, lower-case hex: what the events name it by.
    pub sha256: String,
    /// Its media type (`application/pdf`, `image/jpeg`, `image/png`).
    pub content_type: String,
    /// The bytes, Base64 (RFC 4648, with padding).
    pub data: String,
}

/// The last record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct End {
    /// How many lines come before this one.
    pub lines: u64,
}

impl Record {
    /// The record's name, as it stands in the file.
    pub fn name(&self) -> &'static str {
        match self {
            Record::Header(_) => "header",
            Record::Calendar(_) => "calendar",
            Record::RuleSet(_) => "rule_set",
            Record::Unit(_) => "unit",
            Record::Official(_) => "official",
            Record::Procedure(_) => "procedure",
            Record::Process(_) => "process",
            Record::File(_) => "file",
            Record::Event(_) => "event",
            Record::End(_) => "end",
        }
    }
}

impl Header {
    /// A header for a file identified by `id`.
    pub fn new(id: impl Into<String>, as_of: Timestamp, source: Option<String>) -> Self {
        Self {
            format: FORMAT.to_owned(),
            version: VERSION,
            id: id.into(),
            as_of,
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_line_has_its_dossier_seq_and_the_event_fields_side_by_side() {
        let line = r#"{"event":{"dossier":"H29.01.02-260302-0001","seq":2,"recorded_at":"2026-03-02T01:00:05Z","at":"2026-03-02T01:00:00Z","actor":{"official":"phuong-ben-thanh-mot-cua"},"unit":"phuong-ben-thanh","type":"step-completed","payload":{"step":"tiep-nhan","branch":null,"assignee":null}}}"#;
        let Record::Event(e) = serde_json::from_str::<Record>(line).unwrap() else {
            panic!("an event");
        };
        assert_eq!((e.dossier.as_str(), e.seq), ("H29.01.02-260302-0001", 2));
        assert_eq!(e.event.event_type().as_str(), "step-completed");
        let back: serde_json::Value = serde_json::to_value(Record::Event(e)).unwrap();
        assert_eq!(
            back,
            serde_json::from_str::<serde_json::Value>(line).unwrap()
        );
    }

    #[test]
    fn unknown_records_are_refused() {
        let err = serde_json::from_str::<Record>(r#"{"dossier":{}}"#).unwrap_err();
        assert!(
            err.to_string().contains("unknown variant `dossier`"),
            "{err}"
        );
    }
}
