//! Export and import of the interchange format ([`motcua_domain::interchange`],
//! `docs/interchange.md`): a whole province — calendars, rule sets, organisation, catalog,
//! processes and every dossier's log — as JSON Lines.
//!
//! Import checks every record as the live system would: reference records against the
//! organisation and catalog, every dossier's log by folding it with the domain (so an import
//! can never hold a history the live system would refuse). A dossier with any fault is
//! rejected whole, with the line and the reason; the others are written in batches, each in
//! one transaction with the import's checkpoint, so that an interrupted import resumes after
//! its last batch and never writes a dossier twice.

use std::collections::{BTreeMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{BufRead, Seek, SeekFrom, Write};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use motcua_domain::calendar::CalendarSet;
use motcua_domain::catalog::{Catalog, ProcedureRef};
use motcua_domain::dossier::Dossier;
use motcua_domain::interchange::{
    CalendarRecord, End, EventRecord, FORMAT, FileRecord, Header, Record, VERSION,
};
use motcua_domain::org::{Organisation, Unit};
use motcua_store::{Account, DossierFilter, ImportBatch, StoreError, StoredEvent};
use sha2::{Digest, Sha256};

use crate::projection::projection_row;
use crate::{App, AppError};

/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportSummary {
    /// Lines written, header and end included.
    pub lines: u64,
    /// Dossiers.
    pub dossiers: u64,
    /// Events.
    pub events: u64,
    /// Files (each once).
    pub files: u64,
}

/// A record that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The line of the file (1-based).
    pub line: u64,
    /// The dossier it concerns, if any.
    pub dossier: Option<String>,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.dossier {
            Some(d) => write!(f, "line {}: dossier {d}: {}", self.line, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

/// How an import went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// The file's header.
    pub header: Option<Header>,
    /// The line an interrupted earlier import of the same file resumed at.
    pub resumed_at: Option<u64>,
    /// Lines read.
    pub lines: u64,
    /// Reference records written, and those already stored as they are.
    pub reference_added: u64,
    /// Reference records already stored identically.
    pub reference_unchanged: u64,
    /// Dossiers written, and their events.
    pub dossiers: u64,
    /// Events written.
    pub events: u64,
    /// Dossiers already stored with exactly these events (a re-import).
    pub already_stored: u64,
    /// Dossiers rejected.
    pub rejected_dossiers: u64,
    /// Every rejection, in file order (at most [`MAX_LISTED`]; `rejection_count` has them all).
    pub rejections: Vec<Rejection>,
    /// How many rejections there were.
    pub rejection_count: u64,
    /// Whether the file ended with its end record, counting the lines before it right.
    pub complete: bool,
    /// Milliseconds spent refreshing the planner's statistics after writing (`None` when
    /// nothing was written).
    pub analyze_ms: Option<u64>,
    /// Milliseconds spent building the indexes a load into an empty store leaves to its end
    /// (`None` when the store was not empty).
    pub indexes_ms: Option<u64>,
}

/// How many rejections a report lists one by one.
pub const MAX_LISTED: usize = 1000;

impl ImportReport {
    fn reject(&mut self, line: u64, dossier: Option<&str>, reason: impl Into<String>) {
        self.rejection_count += 1;
        if self.rejections.len() < MAX_LISTED {
            self.rejections.push(Rejection {
                line,
                dossier: dossier.map(str::to_owned),
                reason: reason.into(),
            });
        }
    }

    /// Whether everything in the file was imported (or was already there).
    pub fn clean(&self) -> bool {
        self.complete && self.rejection_count == 0
    }
}

/// Where an import is, for a progress display.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Bytes read.
    pub bytes: u64,
    /// Lines read.
    pub lines: u64,
    /// Dossiers written so far.
    pub dossiers: u64,
    /// Events written so far.
    pub events: u64,
    /// Dossiers rejected so far.
    pub rejected: u64,
    /// Batches committed so far.
    pub batches: u64,
}

/// Settings of an import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Dossiers per transaction.
    pub batch: usize,
    /// An Argon2id hash every imported official gets as their password, active at once (for
    /// rehearsals and benchmarks); without it imported officials cannot log in until an
    /// administrator gives them a password.
    pub initial_password_hash: Option<String>,
    /// Start from the first line whatever an earlier import of the file recorded.
    pub restart: bool,
    /// Keep every index up while loading, even into an empty store.
    pub keep_indexes: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            batch: 10_000,
            initial_password_hash: None,
            restart: false,
            keep_indexes: false,
        }
    }
}

fn line_of(record: &Record) -> Result<String, AppError> {
    let mut s = serde_json::to_string(record).map_err(|e| AppError::Internal(e.to_string()))?;
    s.push('\n');
    Ok(s)
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(io)`
fn io(e: std::io::Error) -> AppError {
    AppError::Internal(format!("cannot write the export: {e}"))
}

/// Units with every parent before its children, siblings by key.
fn tree_order(org: &Organisation) -> Vec<Unit> {
    let mut roots: Vec<&Unit> = org.units().filter(|u| u.parent.is_none()).collect();
    roots.sort_by(|a, b| a.id.cmp(&b.id));
    let mut out = Vec::new();
    let mut stack: Vec<&Unit> = roots.into_iter().rev().collect();
    while let Some(u) = stack.pop() {
        out.push(u.clone());
        let mut children: Vec<&Unit> = org
            .children(&u.id)
            .iter()
            .filter_map(|c| org.unit(c))
            .collect();
        children.sort_by(|a, b| b.id.cmp(&a.id));
        stack.extend(children);
    }
    out
}

impl App {
    /// Writes the whole store as an interchange file. The same data always gives the same
    /// bytes: records are in a fixed order, and the header's id and instant come from the
    /// data (a digest of the reference records and the dossier counts, the newest event), not
    /// from the clock.
    pub async fn export(&self, out: &mut dyn Write) -> Result<ExportSummary, AppError> {
        self.invalidate_rules().await;
        let rules = self.rules().await?;
        let mut reference = Vec::new();
        let mut calendars = self.store.calendars().await?;
        calendars.sort_by(|a, b| (&a.0.id, a.0.version).cmp(&(&b.0.id, b.0.version)));
        for (reference_, toml) in calendars {
            reference.push(Record::Calendar(CalendarRecord {
                reference: reference_,
                toml,
            }));
        }
        let mut rule_sets = self.store.rule_sets().await?;
        rule_sets.sort_by(|a, b| (&a.id, a.version).cmp(&(&b.id, b.version)));
        reference.extend(rule_sets.into_iter().map(Record::RuleSet));
        reference.extend(tree_order(&rules.org).into_iter().map(Record::Unit));
        let mut accounts = self.store.accounts().await?;
        accounts.sort_by(|a, b| a.official.id.cmp(&b.official.id));
        reference.extend(accounts.into_iter().map(|a| Record::Official(a.official)));
        let mut procedures = self.store.procedures().await?;
        procedures.sort_by(|a, b| (&a.code, a.version).cmp(&(&b.code, b.version)));
        reference.extend(procedures.into_iter().map(Record::Procedure));
        let mut processes = self.store.processes().await?;
        processes.sort_by(|a, b| (&a.id, a.version).cmp(&(&b.id, b.version)));
        reference.extend(processes.into_iter().map(Record::Process));
        let reference: Vec<String> = reference.iter().map(line_of).collect::<Result<_, _>>()?;

        let counts = self.store.count_by_status(None).await?;
        let newest = self
            .store
            .list_dossiers(&DossierFilter::default(), None, 1)
            .await?
            .items
            .first()
            .map_or(0, |d| d.last_event_at);
        let mut digest = Sha256::new();
        for line in &reference {
            digest.update(line.as_bytes());
        }
        digest.update(format!("{counts:?} {newest}").as_bytes());
        let id = digest
            .finalize()
            .iter()
            .take(16)
            .fold(String::new(), |mut s, b| {
                use std::fmt::Write as _;
                let _ = write!(s, "{b:02x}");
                s
            });
        let as_of = jiff::Timestamp::from_second(newest).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let header = Record::Header(Header::new(
            format!("export-{id}"),
            as_of,
            Some("motcua export".into()),
        ));

        let mut summary = ExportSummary::default();
        out.write_all(line_of(&header)?.as_bytes()).map_err(io)?;
        summary.lines += 1;
        for line in &reference {
            out.write_all(line.as_bytes()).map_err(io)?;
            summary.lines += 1;
        }
        let mut after: Option<(String, u64)> = None;
        // Each file once, just before the first event that names it.
        let mut written: HashSet<String> = HashSet::new();
        loop {
            let page = self
                .store
                .events_page(after.as_ref().map(|(c, s)| (c.as_str(), *s)), 5000)
                .await?;
            let Some((code, last)) = page.last() else {
                break;
            };
            after = Some((code.clone(), last.seq));
            for (code, e) in page {
                if e.seq == 1 {
                    summary.dossiers += 1;
                }
                for f in e.event.kind.files() {
                    if !written.insert(f.sha256.clone()) {
                        continue;
                    }
                    let blob = self.store.file(&f.sha256).await?;
                    let record = Record::File(FileRecord {
                        sha256: blob.sha256,
                        content_type: blob.content_type,
                        data: BASE64.encode(&blob.bytes),
                    });
                    out.write_all(line_of(&record)?.as_bytes()).map_err(io)?;
                    summary.lines += 1;
                    summary.files += 1;
                }
                let record = Record::Event(EventRecord {
                    dossier: code,
                    seq: e.seq,
                    recorded_at: jiff::Timestamp::from_second(e.recorded_at)
                        .map_err(|x| AppError::Internal(x.to_string()))?,
                    event: e.event,
                });
                out.write_all(line_of(&record)?.as_bytes()).map_err(io)?;
                summary.lines += 1;
                summary.events += 1;
            }
        }
        let end = Record::End(End {
            lines: summary.lines,
        });
        out.write_all(line_of(&end)?.as_bytes()).map_err(io)?;
        summary.lines += 1;
        out.flush().map_err(io)?;
        Ok(summary)
    }

    /// Stores a file record: its bytes must be Base64, hash to its name and be of its type.
    /// `Ok(Err(reason))` when the record is refused.
    async fn import_file(&self, f: FileRecord) -> Result<Result<(), String>, AppError> {
        let Ok(bytes) = BASE64.decode(f.data.as_bytes()) else {
            return Ok(Err(format!("file {}: the data is not Base64", f.sha256)));
        };
        let hash = Sha256::digest(&bytes)
            .iter()
            .fold(String::with_capacity(64), |mut s, b| {
                use std::fmt::Write as _;
                let _ = write!(s, "{b:02x}");
                s
            });
        if hash != f.sha256 {
            return Ok(Err(format!("file {}: its bytes hash to {hash}", f.sha256)));
        }
        if crate::files::sniff(&bytes) != Some(f.content_type.as_str()) {
            return Ok(Err(format!(
                "file {}: the bytes are not {}",
                f.sha256, f.content_type
            )));
        }
        self.store
            .put_file(&motcua_store::FileBlob {
                sha256: f.sha256,
                content_type: f.content_type,
                bytes,
            })
            .await?;
        Ok(Ok(()))
    }

    /// Imports an interchange file; see the module documentation. `progress` is called after
    /// every batch and at the end. Fails only when the file is not an interchange file of a
    /// version this code reads, or the store fails; every other fault is a rejection in the
    /// report.
    pub async fn import(
        &self,
        input: &mut dyn ReadSeek,
        options: ImportOptions,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<ImportReport, AppError> {
        // A first pass finds the dossiers whose events stand in more than one place, and
        // checks the end record: a part of a log must never be stored as if it were whole.
        let survey = survey(input)?;
        if let Some((line, count)) = survey.end {
            if line != survey.lines {
                return Err(AppError::Invalid(format!(
                    "line {line}: an end record before the last line ({}): the file is damaged; nothing was imported",
                    survey.lines
                )));
            }
            if count != line - 1 {
                return Err(AppError::Invalid(format!(
                    "the end record counts {count} lines before it, but there are {}: lines are missing or were added; nothing was imported",
                    line - 1
                )));
            }
        }
        input
            .seek(SeekFrom::Start(0))
            .map_err(|e| AppError::Invalid(format!("cannot read the file again: {e}")))?;
        let mut reader = Lines::new(input);
        let mut report = ImportReport::default();
        let header = match reader.next()? {
            Some(Item::Record(Record::Header(h))) => h,
            Some(Item::Record(other)) => {
                return Err(AppError::Invalid(format!(
                    "line 1: expected the header record, found a {} record: is this a motcua interchange file?",
                    other.name()
                )));
            }
            Some(Item::Bad(reason)) => {
                return Err(AppError::Invalid(format!(
                    "line 1: {reason}: is this a motcua interchange file?"
                )));
            }
            Some(Item::Skipped) | None => {
                return Err(AppError::Invalid("the file is empty".into()));
            }
        };
        if header.format != FORMAT || header.version != VERSION {
            return Err(AppError::Invalid(format!(
                "line 1: format {} version {}, but this motcua reads {FORMAT} version {VERSION}",
                header.format, header.version
            )));
        }
        // The checkpoint belongs to these exact contents: a file corrected since (lines added
        // or removed) starts again from the top, finding what is stored already.
        let file_id = format!("{}:{}:{}", header.id, survey.bytes, survey.lines);
        let resume = if options.restart {
            None
        } else {
            self.store.import_checkpoint(&file_id).await?
        };
        report.resumed_at = resume;
        report.header = Some(header.clone());

        // The reference records stand before the first event.
        let mut pending: Option<(u64, Item)> = None;
        let mut reference = Vec::new();
        let mut early_fault: Option<u64> = None;
        while let Some(item) = reader.next()? {
            match item {
                Item::Record(Record::Event(_) | Record::End(_) | Record::File(_)) => {
                    pending = Some((reader.line, item));
                    break;
                }
                Item::Record(record) => reference.push((reader.line, record)),
                Item::Bad(reason) => {
                    early_fault.get_or_insert(reader.line);
                    report.reject(reader.line, None, reason);
                }
                Item::Skipped => {}
            }
        }
        self.import_reference(
            reference,
            options.initial_password_hash.as_deref(),
            &mut report,
        )
        .await?;
        let rules = self.rules().await?;
        // Into an empty store, the indexes are built once at the end rather than kept up row
        // by row (if this run fails, the next opening of the store builds them).
        let deferred = !options.keep_indexes && self.store.defer_indexes().await?;

        let mut run = Run {
            app: self,
            rules: &rules,
            options,
            file_id,
            first_fault: early_fault,
            batch: Batch::default(),
            split: survey.split,
            group: None,
            progress: Progress::default(),
            in_flight: None,
        };
        loop {
            let (line, item) = match pending.take() {
                Some((line, _)) if resume.is_some_and(|r| line < r) => (line, Item::Skipped),
                Some(p) => p,
                None => match reader.next_unless_before(resume)? {
                    Some(item) => (reader.line, item),
                    None => break,
                },
            };
            run.progress.lines = line;
            run.progress.bytes = reader.bytes;
            match item {
                Item::Skipped => {}
                Item::Bad(reason) => {
                    let group_line = run.group.as_ref().map_or(line, |g| g.first_line);
                    run.fault(group_line);
                    report.reject(line, None, reason);
                    if let Some(g) = &mut run.group {
                        g.broken.get_or_insert((
                            line,
                            format!("line {line} cannot be read and may be one of its events"),
                        ));
                    }
                }
                Item::Record(Record::Event(e)) => run.event(line, e, &mut report, progress).await?,
                Item::Record(Record::File(f)) => {
                    if let Err(reason) = self.import_file(f).await? {
                        report.reject(line, None, reason);
                    }
                }
                // The first pass checked it: the last line, counting the lines before it.
                Item::Record(Record::End(_)) => {
                    run.finish_group(line, &mut report, progress).await?;
                    break;
                }
                Item::Record(other) => {
                    let group_line = run.group.as_ref().map_or(line, |g| g.first_line);
                    run.fault(group_line);
                    report.reject(
                        line,
                        None,
                        format!(
                            "a {} record after the first event: reference records come first",
                            other.name()
                        ),
                    );
                }
            }
        }
        let after_last = reader.line + 1;
        report.complete = survey.end.is_some();
        if !report.complete {
            // The last dossier may have lost its last events with the rest of the file.
            if let Some(g) = &mut run.group {
                g.broken.get_or_insert((
                    g.first_line,
                    "the file ends after it without an end record: its events may be cut short"
                        .into(),
                ));
            }
            let line = run.group.as_ref().map_or(after_last, |g| g.first_line);
            run.fault(line);
            report.reject(after_last, None, TRUNCATED);
        }
        run.finish_group(after_last, &mut report, progress).await?;
        run.flush(after_last, &mut report, progress).await?;
        run.settle(&mut report, progress).await?;
        if deferred {
            let started = std::time::Instant::now();
            self.store.build_indexes().await?;
            report.indexes_ms =
                Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
        }
        if report.dossiers > 0 || report.reference_added > 0 {
            let started = std::time::Instant::now();
            self.store.analyze().await?;
            report.analyze_ms =
                Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
        }
        report.lines = reader.line;
        report.rejections.sort_by_key(|r| r.line);
        Ok(report)
    }

    /// Checks and writes the reference records: each is added, found already stored as it
    /// is, or rejected (stored with other content, or invalid against what comes before it).
    async fn import_reference(
        &self,
        records: Vec<(u64, Record)>,
        initial_password_hash: Option<&str>,
        report: &mut ImportReport,
    ) -> Result<(), AppError> {
        let rules = self.rules().await?;
        let mut org = rules.org.clone();
        let mut catalog: Catalog = rules.catalog.clone();
        let mut processes = rules.processes.clone();
        let calendars: BTreeMap<_, _> = self.store.calendars().await?.into_iter().collect();
        let rule_sets = self.store.rule_sets().await?;
        let mut changed = false;
        for (line, record) in records {
            let (what, outcome): (String, Result<bool, String>) = match record {
                Record::Header(_) => {
                    report.reject(line, None, "a second header record");
                    continue;
                }
                Record::Calendar(c) => {
                    let what = format!("calendar {}", c.reference);
                    let outcome = match calendars.get(&c.reference) {
                        Some(t) if *t == c.toml => Ok(false),
                        Some(_) => Err("already stored with other content".into()),
                        None => match CalendarSet::from_toml(&c.toml) {
                            Ok(_) => self
                                .store
                                .insert_calendar(&c.reference, &c.toml)
                                .await
                                .map(|()| true)
                                .map_err(|e| e.to_string()),
                            Err(e) => Err(e.to_string()),
                        },
                    };
                    (what, outcome)
                }
                Record::RuleSet(r) => {
                    let what = format!("rule set {} version {}", r.id, r.version);
                    let outcome = match rule_sets
                        .iter()
                        .find(|x| x.id == r.id && x.version == r.version)
                    {
                        Some(x) if *x == r => Ok(false),
                        Some(_) => Err("already stored with other content".into()),
                        None => match r.validate() {
                            Ok(()) => self
                                .store
                                .insert_rule_set(&r)
                                .await
                                .map(|()| true)
                                .map_err(|e| e.to_string()),
                            Err(e) => Err(e.to_string()),
                        },
                    };
                    (what, outcome)
                }
                Record::Unit(u) => {
                    let what = format!("unit {}", u.id);
                    let outcome = match org.unit(&u.id) {
                        Some(x) if *x == u => Ok(false),
                        Some(_) => Err("already stored with other content".into()),
                        None => match org.add_unit(u.clone()) {
                            Ok(()) => self
                                .store
                                .insert_unit(&u)
                                .await
                                .map(|()| true)
                                .map_err(|e| e.to_string()),
                            Err(e) => Err(e.to_string()),
                        },
                    };
                    (what, outcome)
                }
                Record::Official(o) => {
                    let what = format!("official {}", o.id);
                    let outcome = match org.official(&o.id) {
                        Some(x) if *x == o => Ok(false),
                        Some(_) => Err("already stored with other content".into()),
                        None => match org.add_official(o.clone()) {
                            // Accounts are not exported: an imported official cannot log in
                            // until an administrator sets a password.
                            Ok(()) => self
                                .store
                                .insert_account(&Account {
                                    username: o.id.to_string(),
                                    official: o,
                                    password_hash: initial_password_hash.unwrap_or("!").to_owned(),
                                    active: initial_password_hash.is_some(),
                                })
                                .await
                                .map(|()| true)
                                .map_err(|e| e.to_string()),
                            Err(e) => Err(e.to_string()),
                        },
                    };
                    (what, outcome)
                }
                Record::Procedure(p) => {
                    let what = format!("procedure {}", p.reference());
                    let outcome = match catalog.get(&p.reference()) {
                        Some(x) if *x == p => Ok(false),
                        Some(_) => Err("already stored with other content".into()),
                        None => match catalog.publish(p.clone()) {
                            Ok(()) => self
                                .store
                                .insert_procedure(&p)
                                .await
                                .map(|()| true)
                                .map_err(|e| e.to_string()),
                            Err(e) => Err(e.to_string()),
                        },
                    };
                    (what, outcome)
                }
                Record::Process(p) => {
                    let what = format!("process {} version {}", p.id, p.version);
                    let outcome = match processes
                        .iter()
                        .find(|x| x.id == p.id && x.version == p.version)
                    {
                        Some(x) if *x == p => Ok(false),
                        Some(_) => Err("already stored with other content".into()),
                        None => {
                            let checked = catalog
                                .versions(&p.procedure)
                                .last()
                                .ok_or_else(|| format!("unknown procedure {}", p.procedure))
                                .and_then(|procedure| {
                                    p.validate(
                                        &org,
                                        procedure,
                                        rules.calendar_set.base().day_length(),
                                    )
                                    .map_err(|e| e.to_string())
                                });
                            match checked {
                                Ok(()) => {
                                    processes.push(p.clone());
                                    self.store
                                        .insert_process(&p)
                                        .await
                                        .map(|()| true)
                                        .map_err(|e| e.to_string())
                                }
                                Err(e) => Err(e),
                            }
                        }
                    };
                    (what, outcome)
                }
                Record::Event(_) | Record::End(_) | Record::File(_) => {
                    unreachable!("the caller stops before them")
                }
            };
            match outcome {
                Ok(true) => {
                    report.reference_added += 1;
                    changed = true;
                }
                Ok(false) => report.reference_unchanged += 1,
                Err(reason) => report.reject(line, None, format!("{what}: {reason}")),
            }
        }
        if changed {
            self.invalidate_rules().await;
        }
        Ok(())
    }
}

/// Why a truncated file is reported.
const TRUNCATED: &str =
    "the file ends without its end record: it is truncated, or was not written to the end";

/// A line of the file (one at a time: its size does not matter).
#[allow(clippy::large_enum_variant)]
enum Item {
    /// A record.
    Record(Record),
    /// Not a record, and why.
    Bad(String),
    /// Before the line an earlier import of the file resumed at: not read.
    Skipped,
}

/// The lines of the file, parsed.
struct Lines<'a> {
    input: &'a mut dyn BufRead,
    buf: Vec<u8>,
    /// The number of the last line read.
    line: u64,
    bytes: u64,
}

impl<'a> Lines<'a> {
    fn new(input: &'a mut dyn BufRead) -> Self {
        Self {
            input,
            buf: Vec::with_capacity(4096),
            line: 0,
            bytes: 0,
        }
    }

    fn read(&mut self) -> Result<bool, AppError> {
        self.buf.clear();
        let n = self
            .input
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| AppError::Invalid(format!("line {}: cannot read: {e}", self.line + 1)))?;
        if n == 0 {
            return Ok(false);
        }
        self.line += 1;
        self.bytes += n as u64;
        while self.buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            self.buf.pop();
        }
        Ok(true)
    }

    /// The next line as a record, or why it is not one.
    fn next(&mut self) -> Result<Option<Item>, AppError> {
        if !self.read()? {
            return Ok(None);
        }
        let text = match std::str::from_utf8(&self.buf) {
            Ok(t) => t,
            Err(e) => {
                return Ok(Some(Item::Bad(format!(
                    "not valid UTF-8 (byte {} of the line)",
                    e.valid_up_to() + 1
                ))));
            }
        };
        if text.trim().is_empty() {
            return Ok(Some(Item::Bad("an empty line".into())));
        }
        Ok(Some(match serde_json::from_str::<Record>(text) {
            Ok(record) => Item::Record(record),
            Err(e) if e.is_eof() => Item::Bad(format!("the line is cut off: {e}")),
            Err(e) => Item::Bad(format!("not a valid record: {e}")),
        }))
    }

    /// Like `next`, but a line before `resume` is only counted: an earlier import of this
    /// file committed everything before it.
    fn next_unless_before(&mut self, resume: Option<u64>) -> Result<Option<Item>, AppError> {
        if resume.is_some_and(|r| self.line + 1 < r) {
            return Ok(self.read()?.then_some(Item::Skipped));
        }
        self.next()
    }
}

/// The events of the dossier being read.
struct Group {
    code: String,
    first_line: u64,
    events: Vec<(u64, EventRecord)>,
    /// The first fault found, with its line.
    broken: Option<(u64, String)>,
}

/// Checked dossiers waiting to be written.
#[derive(Default)]
struct Batch {
    dossiers: Vec<(u64, Vec<StoredEvent>, motcua_store::DossierRow)>,
    freeze: HashSet<ProcedureRef>,
    sequences: BTreeMap<(String, String), u16>,
}

struct Run<'a> {
    app: &'a App,
    rules: &'a crate::Rules,
    options: ImportOptions,
    file_id: String,
    /// The first line of the first dossier or record rejected: the checkpoint never passes
    /// it, so that importing the file again, corrected, reads it again.
    first_fault: Option<u64>,
    batch: Batch,
    /// Hashes of the codes of the dossiers whose events are not together.
    split: HashSet<u64>,
    group: Option<Group>,
    progress: Progress,
    /// The batch being written, with the first line of each of its dossiers.
    in_flight: Option<(Vec<u64>, InFlight)>,
}

type InFlight = tokio::task::JoinHandle<(Result<(), StoreError>, ImportBatch)>;

fn code_hash(code: &str) -> u64 {
    let mut h = DefaultHasher::new();
    code.hash(&mut h);
    h.finish()
}

/// What an import reads: the file, twice.
pub trait ReadSeek: BufRead + Seek {}
impl<T: BufRead + Seek> ReadSeek for T {}

/// The dossier named by an event line, read without the rest of the event.
#[derive(serde::Deserialize)]
struct Peek<'a> {
    #[serde(borrow)]
    event: Option<PeekEvent<'a>>,
    end: Option<PeekEnd>,
}

#[derive(serde::Deserialize)]
struct PeekEnd {
    lines: u64,
}

#[derive(serde::Deserialize)]
struct PeekEvent<'a> {
    #[serde(borrow)]
    dossier: std::borrow::Cow<'a, str>,
}

/// The first pass: the hashes of the codes of dossiers whose events stand in more than one
/// run of lines (eight bytes a dossier: a province-year fits in a few hundred megabytes; a
/// collision of two codes' hashes can only make a dossier be rejected, never a part of one be
/// stored), the size of the file, and where its end record is.
fn survey(input: &mut dyn ReadSeek) -> Result<Survey, AppError> {
    let mut seen = HashSet::new();
    let mut s = Survey::default();
    let mut last: Option<u64> = None;
    let mut buf = Vec::with_capacity(4096);
    loop {
        buf.clear();
        let n = input
            .read_until(b'\n', &mut buf)
            .map_err(|e| AppError::Invalid(format!("cannot read the file: {e}")))?;
        if n == 0 {
            break;
        }
        s.lines += 1;
        s.bytes += n as u64;
        let h = if let Some(code) = leading_dossier(&buf) {
            code_hash(code)
        } else {
            let Ok(peek) = serde_json::from_slice::<Peek>(&buf) else {
                continue;
            };
            if let Some(PeekEnd { lines }) = peek.end
                && s.end.is_none()
            {
                s.end = Some((s.lines, lines));
            }
            let Some(e) = peek.event else { continue };
            code_hash(&e.dossier)
        };
        if last != Some(h) {
            if !seen.insert(h) {
                s.split.insert(h);
            }
            last = Some(h);
        }
    }
    Ok(s)
}

/// The dossier code of an event line that begins as motcua writes it
/// (`{"event":{"dossier":"CODE",`), read without parsing the rest: the first pass reads
/// every line of a file of tens of gigabytes. Any other line (other field orders, escapes in
/// the code) is parsed in full. The second pass parses every line either way, so a damaged
/// line found here is still rejected there.
fn leading_dossier(line: &[u8]) -> Option<&str> {
    const PREFIX: &[u8] = br#"{"event":{"dossier":""#;
    let rest = line.strip_prefix(PREFIX)?;
    let end = rest.iter().position(|b| *b == b'"')?;
    let code = &rest[..end];
    if code.contains(&b'\\') || rest.get(end + 1) != Some(&b',') {
        return None;
    }
    std::str::from_utf8(code).ok()
}

/// What the first pass learns of a file.
#[derive(Default)]
struct Survey {
    /// Hashes of the codes of dossiers whose events stand in more than one place.
    split: HashSet<u64>,
    lines: u64,
    bytes: u64,
    /// The first end record: its line and the count it gives.
    end: Option<(u64, u64)>,
}

impl Run<'_> {
    fn fault(&mut self, line: u64) {
        self.first_fault = Some(self.first_fault.map_or(line, |f| f.min(line)));
    }

    async fn event(
        &mut self,
        line: u64,
        e: EventRecord,
        report: &mut ImportReport,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<(), AppError> {
        if let Some(g) = &mut self.group
            && g.code == e.dossier
        {
            g.events.push((line, e));
            return Ok(());
        }
        self.finish_group(line, report, progress).await?;
        let mut group = Group {
            code: e.dossier.clone(),
            first_line: line,
            events: Vec::new(),
            broken: None,
        };
        if self.split.contains(&code_hash(&e.dossier)) {
            group.broken = Some((
                line,
                "its events are not together: they stand in more than one place in the file".into(),
            ));
        }
        group.events.push((line, e));
        self.group = Some(group);
        Ok(())
    }

    /// Checks the dossier just read and adds it to the batch; `next_line` is where the file
    /// goes on, for the checkpoint.
    async fn finish_group(
        &mut self,
        next_line: u64,
        report: &mut ImportReport,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<(), AppError> {
        let Some(group) = self.group.take() else {
            return Ok(());
        };
        let first_line = group.first_line;
        match self.check(group) {
            Ok(checked) => {
                self.batch.dossiers.push(checked);
                if self.batch.dossiers.len() >= self.options.batch {
                    self.flush(next_line, report, progress).await?;
                }
            }
            Err((line, code, reason)) => {
                self.fault(first_line);
                report.rejected_dossiers += 1;
                self.progress.rejected += 1;
                report.reject(line, Some(&code), reason);
            }
        }
        Ok(())
    }

    /// A dossier's events as the store will hold them, with its projection; or the first
    /// fault, with its line.
    #[allow(clippy::type_complexity)]
    fn check(
        &mut self,
        group: Group,
    ) -> Result<(u64, Vec<StoredEvent>, motcua_store::DossierRow), (u64, String, String)> {
        let code = group.code.clone();
        let fail = |line: u64, reason: String| Err((line, code.clone(), reason));
        if let Some((line, reason)) = group.broken {
            return fail(line, reason);
        }
        for (i, (line, e)) in group.events.iter().enumerate() {
            let expected = i as u64 + 1;
            if e.seq != expected {
                let previous = i.checked_sub(1).map(|p| group.events[p].1.seq);
                let reason = if previous == Some(e.seq) {
                    format!("duplicate event: seq {} appears twice", e.seq)
                } else {
                    format!(
                        "events out of order: seq {} where {expected} was expected",
                        e.seq
                    )
                };
                return fail(*line, reason);
            }
        }
        let dossier =
            match Dossier::replay(group.events.iter().map(|(_, e)| &e.event), &self.rules.book) {
                Ok(d) => d,
                Err(e) => {
                    let line = group
                        .events
                        .get(e.index)
                        .map_or(group.first_line, |(l, _)| *l);
                    return fail(line, format!("refused by the lifecycle rules: {}", e.error));
                }
            };
        if dossier.code().to_string() != code {
            return fail(
                group.first_line,
                format!(
                    "the events name dossier {code}, but its intake has the code {}",
                    dossier.code()
                ),
            );
        }
        let row = match projection_row(&dossier, None) {
            Ok(r) => r,
            Err(e) => return fail(group.first_line, e.to_string()),
        };
        let c = dossier.code();
        let key = (c.unit().to_string(), c.date().to_string());
        let n = self.batch.sequences.entry(key).or_insert(0);
        *n = (*n).max(c.sequence());
        self.batch.freeze.insert(dossier.procedure().reference());
        let events = group
            .events
            .into_iter()
            .map(|(_, e)| StoredEvent {
                seq: e.seq,
                recorded_at: e.recorded_at.as_second(),
                event: e.event,
            })
            .collect();
        Ok((group.first_line, events, row))
    }

    /// Hands the batch, with the checkpoint `next_line`, to the store. The write runs while
    /// the next batch is read and checked (one core parses and folds, the other writes); the
    /// write before it is settled first, so batches and their checkpoints commit in order.
    async fn flush(
        &mut self,
        next_line: u64,
        report: &mut ImportReport,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<(), AppError> {
        self.settle(report, progress).await?;
        let batch = std::mem::take(&mut self.batch);
        let next_line = self.first_fault.map_or(next_line, |f| f.min(next_line));
        let mut lines = Vec::with_capacity(batch.dossiers.len());
        let mut dossiers = Vec::with_capacity(batch.dossiers.len());
        for (line, events, row) in batch.dossiers {
            lines.push(line);
            dossiers.push((events, row));
        }
        let whole = ImportBatch {
            dossiers,
            freeze: batch.freeze.into_iter().collect(),
            sequences: batch
                .sequences
                .into_iter()
                .map(|((u, d), n)| (u, d, n))
                .collect(),
            checkpoint: Some((self.file_id.clone(), next_line)),
        };
        let store = Arc::clone(&self.app.store);
        self.in_flight = Some((
            lines,
            tokio::spawn(async move {
                let result = store.import(&whole).await;
                (result, whole)
            }),
        ));
        Ok(())
    }

    /// Waits for the write in flight, if any, and counts what it stored. If a dossier of it
    /// is already stored, each is written alone: one stored with the same events counts as
    /// already there, one stored with other events is rejected.
    async fn settle(
        &mut self,
        report: &mut ImportReport,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<(), AppError> {
        let Some((lines, task)) = self.in_flight.take() else {
            return Ok(());
        };
        let (result, whole) = task.await.map_err(|e| {
            AppError::Store(StoreError::Other(format!("the import writer stopped: {e}")))
        })?;
        match result {
            Ok(()) => {
                for (events, _) in &whole.dossiers {
                    report.dossiers += 1;
                    report.events += events.len() as u64;
                }
            }
            Err(StoreError::Duplicate(_)) => {
                let ImportBatch {
                    dossiers,
                    freeze,
                    sequences,
                    checkpoint,
                } = whole;
                for (line, (events, row)) in lines.into_iter().zip(dossiers) {
                    let one = ImportBatch {
                        freeze: freeze.clone(),
                        sequences: sequences.clone(),
                        dossiers: vec![(events, row)],
                        checkpoint: None,
                    };
                    match self.app.store.import(&one).await {
                        Ok(()) => {
                            report.dossiers += 1;
                            report.events += one.dossiers[0].0.len() as u64;
                        }
                        Err(StoreError::Duplicate(_)) => {
                            let (events, row) = &one.dossiers[0];
                            if self.app.store.events(&row.code).await.ok().as_ref() == Some(events)
                            {
                                report.already_stored += 1;
                            } else {
                                report.rejected_dossiers += 1;
                                self.progress.rejected += 1;
                                report.reject(
                                    line,
                                    Some(&row.code),
                                    "already stored with other events",
                                );
                            }
                            // Not a fault of the file's: the checkpoint may pass it.
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                self.app
                    .store
                    .import(&ImportBatch {
                        checkpoint,
                        ..ImportBatch::default()
                    })
                    .await?;
            }
            Err(e) => return Err(e.into()),
        }
        self.progress.dossiers = report.dossiers;
        self.progress.events = report.events;
        self.progress.batches += 1;
        progress(&self.progress);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::leading_dossier;

    #[test]
    fn the_first_pass_reads_the_code_of_its_own_lines_and_leaves_others_to_the_parser() {
        let ours = br#"{"event":{"dossier":"H29.01.01-251204-0076","seq":5}}"#;
        assert_eq!(leading_dossier(ours), Some("H29.01.01-251204-0076"));
        for other in [
            &br#"{"event":{"seq":5,"dossier":"H29.01.01-251204-0076"}}"#[..],
            br#"{ "event": {"dossier":"H29"}}"#,
            br#"{"event":{"dossier":"H2\"9","seq":1}}"#,
            br#"{"event":{"dossier":"H29"}"#,
            br#"{"event":{"dossier":"H29"#,
            br#"{"end":{"lines":3}}"#,
            b"{\"event\":{\"dossier\":\"\xff\",",
        ] {
            assert_eq!(
                leading_dossier(other),
                None,
                "{}",
                String::from_utf8_lossy(other)
            );
        }
    }
}
