//! What the backends share: how events and documents become columns and JSON, and how rows
//! become [`DossierRow`]s and friends. Both schemas use 64-bit integers for every number so
//! that the same decoders serve SQLite and PostgreSQL.

use motcua_domain::dossier::{Actor, Event};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{ColumnIndex, Decode, Row, Type};

use crate::{DossierRow, IdempotencyRecord, OutboxMessage, OutboxRow, StoreError, StoredEvent};

/// Serialises a document for a `body` column.
pub fn encode<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(StoreError::other)
}

/// Reads a document from a `body` column.
pub fn decode<T: DeserializeOwned>(body: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|e| StoreError::Other(format!("corrupt {what}: {e}")))
}

/// The indexed columns of an event row.
pub struct EventColumns {
    /// The event type, e.g. `received`.
    pub event_type: &'static str,
    /// When it happened.
    pub at: i64,
    /// `official:<id>`, `applicant` or `system`.
    pub actor: String,
    /// Where.
    pub unit: String,
    /// The whole event as JSON.
    pub body: String,
}

/// Splits an event into its columns.
pub fn event_columns(e: &Event) -> Result<EventColumns, StoreError> {
    Ok(EventColumns {
        event_type: e.event_type().as_str(),
        at: e.at.as_second(),
        actor: match &e.actor {
            Actor::Official(id) => format!("official:{id}"),
            Actor::Applicant => "applicant".to_owned(),
            Actor::System => "system".to_owned(),
        },
        unit: e.unit.to_string(),
        body: encode(e)?,
    })
}

/// A number that fits the column's `i64`.
pub fn int(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

/// Converts a row error into a store error.
pub fn db(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Duplicate(d.message().to_owned())
        }
        _ => StoreError::other(e),
    }
}

fn get<'r, R, T>(row: &'r R, col: &'static str) -> Result<T, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    T: Decode<'r, R::Database> + Type<R::Database>,
{
    row.try_get(col).map_err(StoreError::other)
}

fn small<T: TryFrom<i64>>(v: i64, col: &str) -> Result<T, StoreError> {
    T::try_from(v).map_err(|_| StoreError::Other(format!("{col} out of range: {v}")))
}

/// The columns of `dossiers`, in the order [`dossier_from_row`] and the backends' inserts use.
pub const DOSSIER_COLUMNS: &str = "code, version, status, channel, procedure_code, procedure_version, \
    procedure_name, applicant_name, receiving_unit, competent_unit, current_unit, current_step, \
    submitted_at, received_at, due_at, appointment_at, ended_at, clock_paused, timeliness, \
    search_text, last_event_at, applicant_key_hash, acceptance_due_at";

/// The indexes of the projection table (name, statement): those of migration 1, which a bulk
/// load into an empty store builds at its end ([`crate::Store::defer_indexes`]). A migration
/// that changes them changes this list too (each backend's tests compare it with the
/// database's own catalogue).
pub const DOSSIER_INDEXES: [(&str, &str); 6] = [
    (
        "dossiers_by_change",
        "CREATE INDEX IF NOT EXISTS dossiers_by_change ON dossiers (last_event_at DESC, code DESC)",
    ),
    (
        "dossiers_by_current_unit",
        "CREATE INDEX IF NOT EXISTS dossiers_by_current_unit ON dossiers (current_unit, last_event_at DESC, code DESC)",
    ),
    (
        "dossiers_by_receiving_unit",
        "CREATE INDEX IF NOT EXISTS dossiers_by_receiving_unit ON dossiers (receiving_unit, last_event_at DESC, code DESC)",
    ),
    (
        "dossiers_by_competent_unit",
        "CREATE INDEX IF NOT EXISTS dossiers_by_competent_unit ON dossiers (competent_unit, last_event_at DESC, code DESC)",
    ),
    (
        "dossiers_by_status",
        "CREATE INDEX IF NOT EXISTS dossiers_by_status ON dossiers (status, last_event_at DESC, code DESC)",
    ),
    (
        "dossiers_by_due",
        "CREATE INDEX IF NOT EXISTS dossiers_by_due ON dossiers (due_at) WHERE ended_at IS NULL",
    ),
];

/// The statement that writes a dossier's projection row: inserts it, or replaces every
/// column of the existing one. Its arguments are [`dossier_args`].
pub static DOSSIER_UPSERT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let columns: Vec<&str> = DOSSIER_COLUMNS.split(',').map(str::trim).collect();
    let placeholders = vec!["?"; columns.len()].join(", ");
    let updates: Vec<String> = columns
        .iter()
        .filter(|c| **c != "code")
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO dossiers ({DOSSIER_COLUMNS}) VALUES ({placeholders}) \
         ON CONFLICT (code) DO UPDATE SET {}",
        updates.join(", ")
    )
});

/// The arguments of [`DOSSIER_UPSERT`] for a projection row at `version`, in column order.
pub fn dossier_args(p: &DossierRow, version: u64) -> Vec<crate::sql::Arg> {
    vec![
        (&p.code).into(),
        int(version).into(),
        i64::from(p.status).into(),
        i64::from(p.channel).into(),
        (&p.procedure_code).into(),
        i64::from(p.procedure_version).into(),
        (&p.procedure_name).into(),
        (&p.applicant_name).into(),
        (&p.receiving_unit).into(),
        (&p.competent_unit).into(),
        (&p.current_unit).into(),
        (&p.current_step).into(),
        p.submitted_at.into(),
        p.received_at.into(),
        p.due_at.into(),
        p.appointment_at.into(),
        p.ended_at.into(),
        i64::from(p.clock_paused).into(),
        (&p.timeliness).into(),
        (&p.search_text).into(),
        p.last_event_at.into(),
        (&p.applicant_key_hash).into(),
        p.acceptance_due_at.into(),
    ]
}

/// A `dossiers` row.
pub fn dossier_from_row<'r, R>(row: &'r R) -> Result<DossierRow, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(DossierRow {
        code: get(row, "code")?,
        version: small(get(row, "version")?, "version")?,
        status: small(get(row, "status")?, "status")?,
        channel: small(get(row, "channel")?, "channel")?,
        procedure_code: get(row, "procedure_code")?,
        procedure_version: small(get(row, "procedure_version")?, "procedure_version")?,
        procedure_name: get(row, "procedure_name")?,
        applicant_name: get(row, "applicant_name")?,
        receiving_unit: get(row, "receiving_unit")?,
        competent_unit: get(row, "competent_unit")?,
        current_unit: get(row, "current_unit")?,
        current_step: get(row, "current_step")?,
        submitted_at: get(row, "submitted_at")?,
        received_at: get(row, "received_at")?,
        due_at: get(row, "due_at")?,
        appointment_at: get(row, "appointment_at")?,
        ended_at: get(row, "ended_at")?,
        clock_paused: get::<R, i64>(row, "clock_paused")? != 0,
        timeliness: get(row, "timeliness")?,
        search_text: get(row, "search_text")?,
        last_event_at: get(row, "last_event_at")?,
        applicant_key_hash: get(row, "applicant_key_hash")?,
        acceptance_due_at: get(row, "acceptance_due_at")?,
    })
}

/// A `dossier_events` row (`seq, recorded_at, body`).
pub fn event_from_row<'r, R>(row: &'r R) -> Result<StoredEvent, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    let body: String = get(row, "body")?;
    Ok(StoredEvent {
        seq: small(get(row, "seq")?, "seq")?,
        recorded_at: get(row, "recorded_at")?,
        event: decode(&body, "event")?,
    })
}

/// An `outbox` row.
pub fn outbox_from_row<'r, R>(row: &'r R) -> Result<OutboxRow, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(OutboxRow {
        id: get(row, "id")?,
        message: OutboxMessage {
            topic: get(row, "topic")?,
            code: get(row, "code")?,
            seq: small(get(row, "seq")?, "seq")?,
            payload: get(row, "payload")?,
        },
        created_at: get(row, "created_at")?,
        delivered_at: get(row, "delivered_at")?,
        attempts: small(get(row, "attempts")?, "attempts")?,
    })
}

/// An `idempotency` row.
pub fn idempotency_from_row<'r, R>(row: &'r R) -> Result<IdempotencyRecord, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(IdempotencyRecord {
        scope: get(row, "scope")?,
        key: get(row, "key")?,
        request_hash: get(row, "request_hash")?,
        status: small(get(row, "status")?, "status")?,
        response: get(row, "response")?,
    })
}

/// A LIKE pattern that finds `text` anywhere, with `\` escaping `%`, `_` and `\` in it.
pub fn contains_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// ` AND (receiving_unit IN (…) OR competent_unit IN (…) OR current_unit IN (…))`: dossiers
/// that involve one of `units` (none when the list is empty).
fn push_any_unit<DB>(q: &mut sqlx::QueryBuilder<DB>, units: &[String], columns: &[&str])
where
    DB: sqlx::Database,
    String: for<'t> sqlx::Encode<'t, DB> + Type<DB>,
{
    if units.is_empty() {
        q.push(" AND 1 = 0");
        return;
    }
    q.push(" AND (");
    for (i, col) in columns.iter().enumerate() {
        if i > 0 {
            q.push(" OR ");
        }
        q.push(*col).push(" IN (");
        let mut list = q.separated(", ");
        for u in units {
            list.push_bind(u.clone());
        }
        q.push(")");
    }
    q.push(")");
}

/// The columns by which a dossier involves a unit.
const ANY_UNIT_COLUMNS: [&str; 3] = ["receiving_unit", "competent_unit", "current_unit"];

/// The `SELECT` of [`crate::Store::count_by_status`].
pub fn count_by_status_query<DB>(units: Option<&[String]>) -> sqlx::QueryBuilder<DB>
where
    DB: sqlx::Database,
    DB::Arguments: Default,
    String: for<'t> sqlx::Encode<'t, DB> + Type<DB>,
{
    let mut q =
        sqlx::QueryBuilder::<DB>::new("SELECT status, COUNT(*) AS n FROM dossiers WHERE 1 = 1");
    if let Some(units) = units {
        push_any_unit(&mut q, units, &ANY_UNIT_COLUMNS);
    }
    q.push(" GROUP BY status ORDER BY status");
    q
}

/// At most this many units are listed one by one (each column's index then gives its newest
/// rows in order); a longer list (a whole department's or province's subtree) is one
/// search of the three indexes, sorted.
const UNITS_ONE_BY_ONE: usize = 16;

/// [`crate::DossierOrder::key`] of the deadline order, in SQL.
const DEADLINE_KEY: &str = "COALESCE(CASE WHEN status = 1 THEN acceptance_due_at ELSE due_at END, \
     9223372036854775807)";

/// The `SELECT` of [`crate::Store::list_dossiers`]: in the filter's order (newest change
/// first, or nearest deadline first), with the filter and
/// after the cursor, one row more than `limit` so the caller can tell whether a next page
/// exists. Shared so that both backends filter identically.
///
/// Dossiers of a few units are found as the union of, for each unit and each of the three
/// unit columns, that column's newest matching rows (read in order from its index, `limit + 1`
/// of them): a ward holding years of history reads a few dozen rows for its first page
/// rather than sorting every dossier it ever had. In the deadline order each branch sorts
/// the unit's matching rows instead (an inbox's open dossiers: thousands at most).
pub fn dossier_list_query<DB>(
    filter: &crate::DossierFilter,
    after: Option<&crate::DossierCursor>,
    limit: u32,
) -> sqlx::QueryBuilder<DB>
where
    DB: sqlx::Database,
    DB::Arguments: Default,
    i64: for<'t> sqlx::Encode<'t, DB> + Type<DB>,
    String: for<'t> sqlx::Encode<'t, DB> + Type<DB>,
{
    let order = &match filter.order {
        crate::DossierOrder::LatestActivity => {
            " ORDER BY last_event_at DESC, code DESC LIMIT ".into()
        }
        crate::DossierOrder::Deadline => format!(" ORDER BY {DEADLINE_KEY}, code LIMIT "),
    };
    let take = i64::from(limit) + 1;
    let columns: &[&str] = if filter.waiting_only {
        &["current_unit"]
    } else {
        &ANY_UNIT_COLUMNS
    };
    match &filter.any_unit {
        Some(units) if !units.is_empty() && units.len() <= UNITS_ONE_BY_ONE => {
            let mut q = sqlx::QueryBuilder::<DB>::new(format!("SELECT {DOSSIER_COLUMNS} FROM ("));
            let mut branch = 0;
            for col in columns {
                for u in units {
                    if branch > 0 {
                        q.push(" UNION ");
                    }
                    q.push(format!(
                        "SELECT {DOSSIER_COLUMNS} FROM (SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE {col} = "
                    ))
                    .push_bind(u.clone());
                    push_list_filters(&mut q, filter, after);
                    q.push(order)
                        .push_bind(take)
                        .push(format!(") AS b{branch}"));
                    branch += 1;
                }
            }
            q.push(") AS page").push(order).push_bind(take);
            q
        }
        _ => {
            let mut q = sqlx::QueryBuilder::<DB>::new(format!(
                "SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE 1 = 1"
            ));
            if let Some(units) = &filter.any_unit {
                push_any_unit(&mut q, units, columns);
            }
            push_list_filters(&mut q, filter, after);
            q.push(order).push_bind(take);
            q
        }
    }
}

/// The list's conditions other than `any_unit`, each ` AND …`, and the cursor.
fn push_list_filters<DB>(
    q: &mut sqlx::QueryBuilder<DB>,
    filter: &crate::DossierFilter,
    after: Option<&crate::DossierCursor>,
) where
    DB: sqlx::Database,
    i64: for<'t> sqlx::Encode<'t, DB> + Type<DB>,
    String: for<'t> sqlx::Encode<'t, DB> + Type<DB>,
{
    if let Some(u) = &filter.current_unit {
        q.push(" AND current_unit = ").push_bind(u.clone());
    }
    if let Some(statuses) = &filter.statuses {
        if statuses.is_empty() {
            q.push(" AND 1 = 0");
        } else {
            q.push(" AND status IN (");
            let mut list = q.separated(", ");
            for s in statuses {
                list.push_bind(i64::from(*s));
            }
            q.push(")");
        }
    }
    if let Some(p) = &filter.procedure_code {
        q.push(" AND procedure_code = ").push_bind(p.clone());
    }
    if let Some(c) = filter.channel {
        q.push(" AND channel = ").push_bind(i64::from(c));
    }
    if let Some(t) = filter.due_from {
        q.push(" AND due_at >= ").push_bind(t);
    }
    if let Some(t) = filter.due_to {
        q.push(" AND due_at <= ").push_bind(t);
    }
    if let Some(t) = filter.overdue_at {
        q.push(" AND due_at < ")
            .push_bind(t)
            .push(" AND ended_at IS NULL AND clock_paused = 0");
    }
    if let Some(text) = &filter.text {
        // Every word, anywhere, in any order.
        for word in text.split_whitespace() {
            q.push(" AND search_text LIKE ")
                .push_bind(contains_pattern(word))
                .push(" ESCAPE '\\'");
        }
    }
    if let Some(c) = after {
        let (key, before) = match filter.order {
            crate::DossierOrder::LatestActivity => ("last_event_at", "<"),
            crate::DossierOrder::Deadline => (DEADLINE_KEY, ">"),
        };
        q.push(format!(" AND ({key} {before} "))
            .push_bind(c.key)
            .push(format!(" OR ({key} = "))
            .push_bind(c.key)
            .push(format!(" AND code {before} "))
            .push_bind(c.code.clone())
            .push("))");
    }
}

/// Cuts the extra row off a list result and turns it into the next page's cursor.
pub fn into_page(
    mut rows: Vec<DossierRow>,
    limit: u32,
    order: crate::DossierOrder,
) -> crate::Page<DossierRow, crate::DossierCursor> {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|r| crate::DossierCursor {
            key: order.key(r),
            code: r.code.clone(),
        })
    } else {
        None
    };
    crate::Page { items: rows, next }
}
