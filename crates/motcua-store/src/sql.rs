//! The one implementation of [`Store`](crate::Store) in SQL, shared by the SQLite and
//! PostgreSQL backends so that their behaviour cannot drift apart.
//!
//! Each backend type provides three things and then invokes
//! [`impl_sql_store!`](crate::impl_sql_store):
//! - `fn pools(&self) -> (&sqlx::Pool<DB>, &sqlx::Pool<DB>)`: the pool for writes and the pool
//!   for reads (the same pool on PostgreSQL);
//! - `async fn begin_write(&self) -> Result<sqlx::Transaction<'static, DB>, StoreError>`:
//!   `BEGIN IMMEDIATE` on SQLite, `BEGIN` on PostgreSQL;
//! - `fn migrator() -> sqlx::migrate::Migrator`: its own migrations;
//! - `async fn bulk_insert(tx, table, columns, rows: Vec<Vec<Arg>>) -> Result<(), sqlx::Error>`:
//!   many rows into a table, inside a transaction that is rolled back whole on any error
//!   (multi-row `INSERT OR FAIL` on SQLite, which then keeps no statement journal; `COPY` on
//!   PostgreSQL, see [`copy_text`]).
//!
//! - `const ANALYZE: &str`: the statement that refreshes the planner's statistics.
//! - `fn deferred_indexes() -> Vec<(&'static str, &'static str)>`: the indexes (name, `CREATE
//!   INDEX IF NOT EXISTS` statement) a bulk load into an empty store builds at its end;
//! - `const INDEX_LOCK: &str`: a statement that makes index builders wait for each other in
//!   their transaction (empty where write transactions already do).
//!
//! Statements are written once with `?` placeholders; [`Arg`] values are bound through
//! `sqlx::QueryBuilder`, which writes each database's own placeholders.

/// A value bound to a statement.
#[derive(Debug, Clone)]
pub enum Arg {
    /// An integer.
    Int(i64),
    /// A nullable integer.
    OptInt(Option<i64>),
    /// A text.
    Text(String),
    /// A nullable text.
    OptText(Option<String>),
    /// Bytes (a stored file).
    Bytes(Vec<u8>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}

impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::OptInt(v)
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_owned())
    }
}

impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(v.clone())
    }
}

impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::OptText(v)
    }
}

impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Self {
        Arg::OptText(v.clone())
    }
}

/// A statement with `?` placeholders and its arguments, as a query builder of a database.
pub fn statement<DB>(sql: &str, args: Vec<Arg>) -> sqlx::QueryBuilder<DB>
where
    DB: sqlx::Database,
    DB::Arguments: Default,
    i64: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    Option<i64>: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    String: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    Option<String>: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    Vec<u8>: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    let mut parts = sql.split('?');
    let mut q = sqlx::QueryBuilder::<DB>::new(parts.next().unwrap_or_default());
    let mut args = args.into_iter();
    for part in parts {
        match args.next().expect("as many arguments as placeholders") {
            Arg::Int(v) => q.push_bind(v),
            Arg::OptInt(v) => q.push_bind(v),
            Arg::Text(v) => q.push_bind(v),
            Arg::OptText(v) => q.push_bind(v),
            Arg::Bytes(v) => q.push_bind(v),
        };
        q.push(part);
    }
    assert!(
        args.next().is_none(),
        "more arguments than placeholders in: {sql}"
    );
    q
}

/// A backend's migrations, `(version, description, SQL)`, embedded in the binary.
pub fn migrator(migrations: &[(i64, &'static str, &'static str)]) -> sqlx::migrate::Migrator {
    use sqlx::SqlSafeStr;
    use sqlx::migrate::{Migration, MigrationType};
    sqlx::migrate::Migrator::with_migrations(
        migrations
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    (*description).into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// Whether a database error is the violation of a unique key of `table`.
pub fn violates_unique_key_of(e: &sqlx::Error, table: &str) -> bool {
    match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            d.constraint().is_some_and(|c| c.starts_with(table)) || d.message().contains(table)
        }
        _ => false,
    }
}

/// The columns of an event row, in the order [`Store::import`](crate::Store::import) gives
/// them to `bulk_insert`.
pub const EVENT_COLUMNS: &str = "code, seq, type, at, actor, unit, recorded_at, body";

/// Rows in PostgreSQL's `COPY … FROM STDIN` text format: one line a row, tab between
/// columns, `\N` for null, and backslash, tab, newline and carriage return escaped.
pub fn copy_text(rows: &[Vec<Arg>]) -> Vec<u8> {
    use std::io::Write as _;
    let mut out = Vec::with_capacity(rows.len() * 256);
    for row in rows {
        for (i, arg) in row.iter().enumerate() {
            if i > 0 {
                out.push(b'\t');
            }
            let text = match arg {
                Arg::Int(v) | Arg::OptInt(Some(v)) => {
                    let _ = write!(out, "{v}");
                    continue;
                }
                Arg::OptInt(None) | Arg::OptText(None) => {
                    out.extend_from_slice(b"\\N");
                    continue;
                }
                Arg::Text(t) | Arg::OptText(Some(t)) => t,
                Arg::Bytes(b) => {
                    // bytea in hex, its backslash escaped for the text format.
                    out.extend_from_slice(b"\\\\x");
                    for byte in b {
                        let _ = write!(out, "{byte:02x}");
                    }
                    continue;
                }
            };
            for b in text.bytes() {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    _ => out.push(b),
                }
            }
        }
        out.push(b'\n');
    }
    out
}

/// Binds one row's values to a `VALUES` tuple.
pub fn push_row<DB>(r: &mut sqlx::query_builder::Separated<'_, DB, &'static str>, row: Vec<Arg>)
where
    DB: sqlx::Database,
    i64: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    Option<i64>: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    String: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    Option<String>: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    Vec<u8>: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    for arg in row {
        match arg {
            Arg::Int(v) => r.push_bind(v),
            Arg::OptInt(v) => r.push_bind(v),
            Arg::Text(v) => r.push_bind(v),
            Arg::OptText(v) => r.push_bind(v),
            Arg::Bytes(v) => r.push_bind(v),
        };
    }
}

/// Writes `impl Store for $store` over `$db` from the shared SQL (see the module docs).
#[macro_export]
macro_rules! impl_sql_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use $crate::codec::{
                DOSSIER_COLUMNS, db, decode, dossier_args, dossier_from_row, DOSSIER_UPSERT, encode, event_columns,
                event_from_row, idempotency_from_row, int, outbox_from_row,
            };
            use $crate::sql::{Arg, EVENT_COLUMNS, statement, violates_unique_key_of};
            use $crate::{
                Account, Append, FileBlob, DossierCursor, DossierFilter, DossierRow, IdempotencyRecord, ImportBatch,
                OutboxRow, Page, Seconds, Store, StoreError, StoredEvent,
            };
            use ::motcua_domain::OfficialId;
            use ::motcua_domain::catalog::{ProcedureRef, ProcedureVersion};
            use ::motcua_domain::org::Unit;
            use ::motcua_domain::process::ProcessDefinition;
            use ::motcua_domain::rules::{CalendarRef, RuleSet};
            use ::sqlx::Row as _;

            type Db = $db;

            fn q(sql: &str, args: Vec<Arg>) -> ::sqlx::QueryBuilder<Db> {
                statement::<Db>(sql, args)
            }

            fn now() -> Seconds {
                ::jiff::Timestamp::now().as_second()
            }

            fn account_from_row(row: &<Db as ::sqlx::Database>::Row) -> Result<Account, StoreError> {
                let body: String = row.try_get("body").map_err(StoreError::other)?;
                let active: i64 = row.try_get("active").map_err(StoreError::other)?;
                Ok(Account {
                    official: decode(&body, "official")?,
                    username: row.try_get("username").map_err(StoreError::other)?,
                    password_hash: row.try_get("password_hash").map_err(StoreError::other)?,
                    active: active != 0,
                })
            }

            impl $store {
                fn writer(&self) -> &::sqlx::Pool<Db> {
                    self.pools().0
                }

                fn reader(&self) -> &::sqlx::Pool<Db> {
                    self.pools().1
                }

                async fn execute(&self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
                    let mut b = q(sql, args);
                    Ok(b.build().execute(self.writer()).await.map_err(db)?.rows_affected())
                }

                async fn bodies<T: ::serde::de::DeserializeOwned>(&self, sql: &str, what: &str) -> Result<Vec<T>, StoreError> {
                    let mut b = q(sql, vec![]);
                    let rows = b.build().fetch_all(self.reader()).await.map_err(db)?;
                    rows.iter()
                        .map(|r| {
                            let body: String = r.try_get("body").map_err(StoreError::other)?;
                            decode(&body, what)
                        })
                        .collect()
                }

                async fn version_of(&self, code: &str) -> Result<u64, StoreError> {
                    let mut b = q("SELECT version FROM dossiers WHERE code = ?", vec![code.into()]);
                    let row = b.build().fetch_optional(self.reader()).await.map_err(db)?;
                    match row {
                        Some(r) => {
                            let v: i64 = r.try_get("version").map_err(StoreError::other)?;
                            Ok(u64::try_from(v).unwrap_or(0))
                        }
                        None => Ok(0),
                    }
                }

                async fn append_in(
                    tx: &mut ::sqlx::Transaction<'static, Db>,
                    append: &Append,
                ) -> Result<u64, AppendFailure> {
                    let code = append.code.to_string();
                    if let Some(i) = &append.idempotency {
                        let mut b = q("SELECT 1 AS taken FROM idempotency WHERE scope = ? AND key = ?", vec![(&i.scope).into(), (&i.key).into()]);
                        if b.build().fetch_optional(&mut **tx).await.map_err(AppendFailure::Db)?.is_some() {
                            return Err(AppendFailure::Store(StoreError::Duplicate(format!("idempotency key {}", i.key))));
                        }
                    }
                    let mut b = q("SELECT version FROM dossiers WHERE code = ?", vec![(&code).into()]);
                    let current = match b.build().fetch_optional(&mut **tx).await.map_err(AppendFailure::Db)? {
                        Some(r) => u64::try_from(r.try_get::<i64, _>("version").map_err(AppendFailure::Db)?).unwrap_or(0),
                        None => 0,
                    };
                    if current != append.expected_version {
                        return Err(AppendFailure::Store(StoreError::Conflict { current_version: current }));
                    }
                    let recorded_at = now();
                    let mut seq = current;
                    for event in &append.events {
                        seq += 1;
                        let c = event_columns(event).map_err(AppendFailure::Store)?;
                        let mut b = q(
                            "INSERT INTO dossier_events (code, seq, type, at, actor, unit, recorded_at, body) \
                             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            vec![(&code).into(), int(seq).into(), c.event_type.into(), c.at.into(),
                                 c.actor.into(), c.unit.into(), recorded_at.into(), c.body.into()],
                        );
                        b.build().execute(&mut **tx).await.map_err(AppendFailure::Db)?;
                    }
                    let mut b = q(&DOSSIER_UPSERT, dossier_args(&append.projection, seq));
                    b.build().execute(&mut **tx).await.map_err(AppendFailure::Db)?;
                    for m in &append.outbox {
                        let mut b = q(
                            "INSERT INTO outbox (topic, code, seq, payload, created_at) VALUES (?, ?, ?, ?, ?)",
                            vec![(&m.topic).into(), (&m.code).into(), int(m.seq).into(), (&m.payload).into(), recorded_at.into()],
                        );
                        b.build().execute(&mut **tx).await.map_err(AppendFailure::Db)?;
                    }
                    for r in &append.freeze {
                        let mut b = q(
                            "UPDATE procedures SET used = 1 WHERE code = ? AND version = ? AND used = 0",
                            vec![r.code.as_str().into(), i64::from(r.version).into()],
                        );
                        b.build().execute(&mut **tx).await.map_err(AppendFailure::Db)?;
                    }
                    if let Some(i) = &append.idempotency {
                        let mut b = q(
                            "INSERT INTO idempotency (scope, key, request_hash, status, response, created_at) \
                             VALUES (?, ?, ?, ?, ?, ?)",
                            vec![(&i.scope).into(), (&i.key).into(), (&i.request_hash).into(),
                                 i64::from(i.status).into(), (&i.response).into(), recorded_at.into()],
                        );
                        b.build().execute(&mut **tx).await.map_err(AppendFailure::Db)?;
                    }
                    Ok(seq)
                }
            }

            /// Why an append's transaction was abandoned.
            enum AppendFailure {
                Store(StoreError),
                Db(::sqlx::Error),
            }

            #[::async_trait::async_trait]
            impl Store for $store {
                async fn migrate(&self) -> Result<(), StoreError> {
                    Self::migrator().run(self.writer()).await.map_err(StoreError::other)?;
                    self.build_indexes().await
                }

                async fn defer_indexes(&self) -> Result<bool, StoreError> {
                    let mut tx = self.begin_write().await?;
                    let mut b = q("SELECT 1 AS one FROM dossiers LIMIT 1", vec![]);
                    if b.build().fetch_optional(&mut *tx).await.map_err(db)?.is_some() {
                        return Ok(false);
                    }
                    for (name, _) in <$store>::deferred_indexes() {
                        let mut b = q(&format!("DROP INDEX IF EXISTS {name}"), vec![]);
                        b.build().execute(&mut *tx).await.map_err(db)?;
                    }
                    tx.commit().await.map_err(db)?;
                    Ok(true)
                }

                async fn build_indexes(&self) -> Result<(), StoreError> {
                    // One builder at a time (several nodes may open the store at once): the
                    // next finds the indexes there.
                    let mut tx = self.begin_write().await?;
                    if !<$store>::INDEX_LOCK.is_empty() {
                        ::sqlx::raw_sql(<$store>::INDEX_LOCK).execute(&mut *tx).await.map_err(db)?;
                    }
                    for (_, create) in <$store>::deferred_indexes() {
                        let mut b = q(create, vec![]);
                        b.build().execute(&mut *tx).await.map_err(db)?;
                    }
                    tx.commit().await.map_err(db)
                }

                async fn ping(&self) -> Result<(), StoreError> {
                    let mut b = q("SELECT 1 AS one", vec![]);
                    b.build().fetch_one(self.reader()).await.map_err(db)?;
                    Ok(())
                }

                async fn append(&self, append: Append) -> Result<u64, StoreError> {
                    let mut tx = self.begin_write().await?;
                    match Self::append_in(&mut tx, &append).await {
                        Ok(seq) => {
                            tx.commit().await.map_err(db)?;
                            Ok(seq)
                        }
                        Err(AppendFailure::Store(e)) => Err(e),
                        // A concurrent command wrote first: report the version it left.
                        Err(AppendFailure::Db(e)) if violates_unique_key_of(&e, "dossier_events") => {
                            drop(tx);
                            Err(StoreError::Conflict { current_version: self.version_of(&append.code.to_string()).await? })
                        }
                        Err(AppendFailure::Db(e)) if violates_unique_key_of(&e, "idempotency") => {
                            Err(StoreError::Duplicate("idempotency key".into()))
                        }
                        Err(AppendFailure::Db(e)) => Err(db(e)),
                    }
                }

                async fn events(&self, code: &str) -> Result<Vec<StoredEvent>, StoreError> {
                    let mut b = q("SELECT seq, recorded_at, body FROM dossier_events WHERE code = ? ORDER BY seq", vec![code.into()]);
                    let rows = b.build().fetch_all(self.reader()).await.map_err(db)?;
                    if rows.is_empty() {
                        return Err(StoreError::NotFound);
                    }
                    rows.iter().map(event_from_row).collect()
                }

                async fn dossier(&self, code: &str) -> Result<DossierRow, StoreError> {
                    let mut b = q(&format!("SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE code = ?"), vec![code.into()]);
                    let row = b.build().fetch_one(self.reader()).await.map_err(db)?;
                    dossier_from_row(&row)
                }

                async fn list_dossiers(
                    &self,
                    filter: &DossierFilter,
                    after: Option<&DossierCursor>,
                    limit: u32,
                ) -> Result<Page<DossierRow, DossierCursor>, StoreError> {
                    let mut b = $crate::codec::dossier_list_query::<Db>(filter, after, limit);
                    let rows = b.build().fetch_all(self.reader()).await.map_err(db)?;
                    let rows = rows.iter().map(dossier_from_row).collect::<Result<Vec<_>, _>>()?;
                    Ok($crate::codec::into_page(rows, limit, filter.order))
                }

                async fn import(&self, batch: &ImportBatch) -> Result<(), StoreError> {
                    let unique = |e: ::sqlx::Error| {
                        if violates_unique_key_of(&e, "dossier") {
                            StoreError::Duplicate("a dossier of the batch is already stored".into())
                        } else {
                            db(e)
                        }
                    };
                    let mut tx = self.begin_write().await?;
                    let mut events = Vec::new();
                    for (stored, row) in &batch.dossiers {
                        for e in stored {
                            let c = event_columns(&e.event)?;
                            events.push(vec![
                                Arg::Text(row.code.clone()),
                                Arg::Int(int(e.seq)),
                                Arg::Text(c.event_type.to_owned()),
                                Arg::Int(c.at),
                                Arg::Text(c.actor),
                                Arg::Text(c.unit),
                                Arg::Int(e.recorded_at),
                                Arg::Text(c.body),
                            ]);
                        }
                    }
                    <$store>::bulk_insert(&mut tx, "dossier_events", EVENT_COLUMNS, events)
                        .await
                        .map_err(unique)?;
                    let rows: Vec<Vec<Arg>> = batch.dossiers.iter().map(|(_, p)| dossier_args(p, p.version)).collect();
                    <$store>::bulk_insert(&mut tx, "dossiers", DOSSIER_COLUMNS, rows)
                        .await
                        .map_err(unique)?;
                    for r in &batch.freeze {
                        let mut b = q(
                            "UPDATE procedures SET used = 1 WHERE code = ? AND version = ? AND used = 0",
                            vec![r.code.as_str().into(), i64::from(r.version).into()],
                        );
                        b.build().execute(&mut *tx).await.map_err(db)?;
                    }
                    for (unit_code, day, n) in &batch.sequences {
                        let mut b = q(
                            "INSERT INTO dossier_sequences (unit_code, day, last) VALUES (?, ?, ?) \
                             ON CONFLICT (unit_code, day) DO UPDATE SET last = \
                             CASE WHEN excluded.last > dossier_sequences.last THEN excluded.last ELSE dossier_sequences.last END",
                            vec![unit_code.into(), day.into(), i64::from(*n).into()],
                        );
                        b.build().execute(&mut *tx).await.map_err(db)?;
                    }
                    if let Some((file, line)) = &batch.checkpoint {
                        let mut b = q(
                            "INSERT INTO import_progress (file_id, next_line, updated_at) VALUES (?, ?, ?) \
                             ON CONFLICT (file_id) DO UPDATE SET next_line = excluded.next_line, updated_at = excluded.updated_at",
                            vec![file.into(), int(*line).into(), now().into()],
                        );
                        b.build().execute(&mut *tx).await.map_err(db)?;
                    }
                    tx.commit().await.map_err(db)
                }

                async fn analyze(&self) -> Result<(), StoreError> {
                    ::sqlx::raw_sql(<$store>::ANALYZE).execute(self.writer()).await.map_err(db)?;
                    Ok(())
                }

                async fn import_checkpoint(&self, file_id: &str) -> Result<Option<u64>, StoreError> {
                    let mut b = q("SELECT next_line FROM import_progress WHERE file_id = ?", vec![file_id.into()]);
                    match b.build().fetch_optional(self.reader()).await.map_err(db)? {
                        Some(r) => {
                            let n: i64 = r.try_get("next_line").map_err(StoreError::other)?;
                            Ok(Some(u64::try_from(n).unwrap_or(0)))
                        }
                        None => Ok(None),
                    }
                }

                async fn events_page(&self, after: Option<(&str, u64)>, limit: u32) -> Result<Vec<(String, StoredEvent)>, StoreError> {
                    let (code, seq) = after.unwrap_or(("", 0));
                    let mut b = q(
                        "SELECT code, seq, recorded_at, body FROM dossier_events \
                         WHERE (code, seq) > (?, ?) ORDER BY code, seq LIMIT ?",
                        vec![code.into(), int(seq).into(), i64::from(limit).into()],
                    );
                    let rows = b.build().fetch_all(self.reader()).await.map_err(db)?;
                    rows.iter()
                        .map(|r| Ok((r.try_get("code").map_err(StoreError::other)?, event_from_row(r)?)))
                        .collect()
                }

                async fn dossier_codes(&self, after: Option<&str>, limit: u32) -> Result<Vec<String>, StoreError> {
                    let mut b = q("SELECT code FROM (SELECT code FROM dossiers WHERE code > ? ORDER BY code LIMIT ?) AS p \
                           UNION SELECT code FROM (SELECT DISTINCT code FROM dossier_events WHERE code > ? ORDER BY code LIMIT ?) AS e \
                           ORDER BY code LIMIT ?",
                        vec![after.unwrap_or("").into(), i64::from(limit).into(), after.unwrap_or("").into(), i64::from(limit).into(), i64::from(limit).into()]);
                    let rows = b.build().fetch_all(self.reader()).await.map_err(db)?;
                    rows.iter().map(|r| r.try_get("code").map_err(StoreError::other)).collect()
                }

                async fn count_by_status(&self, units: Option<&[String]>) -> Result<Vec<(u8, u64)>, StoreError> {
                    let mut b = $crate::codec::count_by_status_query::<Db>(units);
                    let rows = b.build().fetch_all(self.reader()).await.map_err(db)?;
                    rows.iter()
                        .map(|r| {
                            let s: i64 = r.try_get("status").map_err(StoreError::other)?;
                            let n: i64 = r.try_get("n").map_err(StoreError::other)?;
                            Ok((u8::try_from(s).unwrap_or(0), u64::try_from(n).unwrap_or(0)))
                        })
                        .collect()
                }

                async fn next_dossier_sequence(&self, unit_code: &str, day: ::jiff::civil::Date) -> Result<u16, StoreError> {
                    let mut tx = self.begin_write().await?;
                    let mut b = q(
                        "INSERT INTO dossier_sequences (unit_code, day, last) VALUES (?, ?, 1) \
                         ON CONFLICT (unit_code, day) DO UPDATE SET last = dossier_sequences.last + 1 RETURNING last",
                        vec![unit_code.into(), day.to_string().into()],
                    );
                    let row = b.build().fetch_one(&mut *tx).await.map_err(db)?;
                    let last: i64 = row.try_get("last").map_err(StoreError::other)?;
                    let n = u16::try_from(last).ok().filter(|n| *n <= 9999).ok_or_else(|| {
                        StoreError::Other(format!("unit {unit_code} has used all 9999 dossier numbers for {day}"))
                    })?;
                    tx.commit().await.map_err(db)?;
                    Ok(n)
                }

                async fn idempotency(&self, scope: &str, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
                    let mut b = q("SELECT scope, key, request_hash, status, response FROM idempotency WHERE scope = ? AND key = ?",
                        vec![scope.into(), key.into()]);
                    let row = b.build().fetch_optional(self.reader()).await.map_err(db)?;
                    row.as_ref().map(idempotency_from_row).transpose()
                }

                async fn outbox_pending(&self, limit: u32) -> Result<Vec<OutboxRow>, StoreError> {
                    let mut b = q(
                        "SELECT id, topic, code, seq, payload, created_at, delivered_at, attempts FROM outbox \
                         WHERE delivered_at IS NULL ORDER BY id LIMIT ?",
                        vec![i64::from(limit).into()],
                    );
                    let rows = b.build().fetch_all(self.reader()).await.map_err(db)?;
                    rows.iter().map(outbox_from_row).collect()
                }

                async fn insert_procedure(&self, p: &ProcedureVersion) -> Result<(), StoreError> {
                    self.execute("INSERT INTO procedures (code, version, body) VALUES (?, ?, ?)",
                        vec![p.code.as_str().into(), i64::from(p.version).into(), encode(p)?.into()]).await.map(|_| ())
                }

                async fn correct_procedure(&self, p: &ProcedureVersion) -> Result<(), StoreError> {
                    let changed = self.execute(
                        "UPDATE procedures SET body = ? WHERE code = ? AND version = ? AND used = 0",
                        vec![encode(p)?.into(), p.code.as_str().into(), i64::from(p.version).into()],
                    ).await?;
                    if changed == 1 {
                        return Ok(());
                    }
                    match self.procedure_in_use(&p.reference()).await {
                        Ok(true) => Err(StoreError::InUse(p.reference())),
                        Ok(false) => Err(StoreError::Other("procedure version changed concurrently".into())),
                        Err(e) => Err(e),
                    }
                }

                async fn procedures(&self) -> Result<Vec<ProcedureVersion>, StoreError> {
                    self.bodies("SELECT body FROM procedures ORDER BY code, version", "procedure").await
                }

                async fn procedure_in_use(&self, r: &ProcedureRef) -> Result<bool, StoreError> {
                    let mut b = q("SELECT used FROM procedures WHERE code = ? AND version = ?",
                        vec![r.code.as_str().into(), i64::from(r.version).into()]);
                    let row = b.build().fetch_optional(self.reader()).await.map_err(db)?;
                    match row {
                        Some(r) => Ok(r.try_get::<i64, _>("used").map_err(StoreError::other)? != 0),
                        None => Err(StoreError::NotFound),
                    }
                }

                async fn insert_process(&self, p: &ProcessDefinition) -> Result<(), StoreError> {
                    self.execute("INSERT INTO processes (id, version, body) VALUES (?, ?, ?)",
                        vec![p.id.as_str().into(), i64::from(p.version).into(), encode(p)?.into()]).await.map(|_| ())
                }

                async fn processes(&self) -> Result<Vec<ProcessDefinition>, StoreError> {
                    self.bodies("SELECT body FROM processes ORDER BY id, version", "process").await
                }

                async fn insert_calendar(&self, r: &CalendarRef, toml: &str) -> Result<(), StoreError> {
                    self.execute("INSERT INTO calendars (id, version, toml) VALUES (?, ?, ?)",
                        vec![r.id.as_str().into(), i64::from(r.version).into(), toml.into()]).await.map(|_| ())
                }

                async fn calendars(&self) -> Result<Vec<(CalendarRef, String)>, StoreError> {
                    let mut b = q("SELECT id, version, toml FROM calendars ORDER BY id, version", vec![]);
                    let rows = b.build().fetch_all(self.reader()).await.map_err(db)?;
                    rows.iter()
                        .map(|r| {
                            let id: String = r.try_get("id").map_err(StoreError::other)?;
                            let version: i64 = r.try_get("version").map_err(StoreError::other)?;
                            Ok((
                                CalendarRef {
                                    id: id.parse().map_err(StoreError::other)?,
                                    version: u32::try_from(version).map_err(StoreError::other)?,
                                },
                                r.try_get("toml").map_err(StoreError::other)?,
                            ))
                        })
                        .collect()
                }

                async fn insert_rule_set(&self, r: &RuleSet) -> Result<(), StoreError> {
                    self.execute("INSERT INTO rule_sets (id, version, body) VALUES (?, ?, ?)",
                        vec![r.id.as_str().into(), i64::from(r.version).into(), encode(r)?.into()]).await.map(|_| ())
                }

                async fn rule_sets(&self) -> Result<Vec<RuleSet>, StoreError> {
                    self.bodies("SELECT body FROM rule_sets ORDER BY id, version", "rule set").await
                }

                async fn rules_revision(&self) -> Result<i64, StoreError> {
                    let mut b = q("SELECT value FROM revision WHERE id = 1", vec![]);
                    let row = b.build().fetch_one(self.reader()).await.map_err(db)?;
                    row.try_get("value").map_err(StoreError::other)
                }

                async fn insert_unit(&self, u: &Unit) -> Result<(), StoreError> {
                    self.execute("INSERT INTO units (id, code, parent, body) VALUES (?, ?, ?, ?)",
                        vec![u.id.as_str().into(), u.code.as_str().into(),
                             u.parent.as_ref().map(|p| p.as_str().to_owned()).into(), encode(u)?.into()]).await.map(|_| ())
                }

                async fn units(&self) -> Result<Vec<Unit>, StoreError> {
                    self.bodies("SELECT body FROM units ORDER BY id", "unit").await
                }

                async fn insert_account(&self, a: &Account) -> Result<(), StoreError> {
                    self.execute("INSERT INTO accounts (id, username, password_hash, active, body) VALUES (?, ?, ?, ?, ?)",
                        vec![a.official.id.as_str().into(), (&a.username).into(), (&a.password_hash).into(),
                             i64::from(a.active).into(), encode(&a.official)?.into()]).await.map(|_| ())
                }

                async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
                    let mut b = q("SELECT username, password_hash, active, body FROM accounts ORDER BY id", vec![]);
                    let rows = b.build().fetch_all(self.reader()).await.map_err(db)?;
                    rows.iter().map(account_from_row).collect()
                }

                async fn account_by_username(&self, username: &str) -> Result<Account, StoreError> {
                    let mut b = q("SELECT username, password_hash, active, body FROM accounts WHERE username = ?", vec![username.into()]);
                    let row = b.build().fetch_one(self.reader()).await.map_err(db)?;
                    account_from_row(&row)
                }

                async fn insert_session(&self, token_hash: &str, official: &OfficialId, expires_at: Seconds) -> Result<(), StoreError> {
                    self.execute("INSERT INTO sessions (token_hash, official, expires_at) VALUES (?, ?, ?)",
                        vec![token_hash.into(), official.as_str().into(), expires_at.into()]).await.map(|_| ())
                }

                async fn session(&self, token_hash: &str, now: Seconds) -> Result<OfficialId, StoreError> {
                    let mut b = q("SELECT official FROM sessions WHERE token_hash = ? AND expires_at > ?",
                        vec![token_hash.into(), now.into()]);
                    let row = b.build().fetch_one(self.reader()).await.map_err(db)?;
                    let id: String = row.try_get("official").map_err(StoreError::other)?;
                    id.parse().map_err(StoreError::other)
                }

                async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
                    self.execute("DELETE FROM sessions WHERE token_hash = ?", vec![token_hash.into()]).await.map(|_| ())
                }

                async fn put_file(&self, f: &FileBlob) -> Result<(), StoreError> {
                    let size = i64::try_from(f.bytes.len()).map_err(StoreError::other)?;
                    self.execute(
                        "INSERT INTO files (sha256, content_type, size, bytes, created_at) VALUES (?, ?, ?, ?, ?) \
                         ON CONFLICT (sha256) DO NOTHING",
                        vec![f.sha256.as_str().into(), f.content_type.as_str().into(), size.into(),
                             Arg::Bytes(f.bytes.clone()), now().into()],
                    )
                    .await
                    .map(|_| ())
                }

                async fn file(&self, sha256: &str) -> Result<FileBlob, StoreError> {
                    let mut b = q("SELECT sha256, content_type, bytes FROM files WHERE sha256 = ?", vec![sha256.into()]);
                    let row = b.build().fetch_optional(self.reader()).await.map_err(db)?.ok_or(StoreError::NotFound)?;
                    Ok(FileBlob {
                        sha256: row.try_get("sha256").map_err(StoreError::other)?,
                        content_type: row.try_get("content_type").map_err(StoreError::other)?,
                        bytes: row.try_get("bytes").map_err(StoreError::other)?,
                    })
                }
            }
        };
    };
}

#[cfg(test)]
mod tests {
    use super::{Arg, copy_text};

    #[test]
    fn copy_text_escapes_what_the_format_reserves_and_writes_nulls() {
        let rows = vec![
            vec![
                Arg::Text("a\tb\nc\\d\re".into()),
                Arg::Int(-7),
                Arg::OptInt(None),
                Arg::OptText(None),
                Arg::OptText(Some("Nguyễn \\N".into())),
                Arg::OptInt(Some(42)),
            ],
            vec![Arg::Text(String::new())],
        ];
        assert_eq!(
            String::from_utf8(copy_text(&rows)).unwrap(),
            "a\\tb\\nc\\\\d\\re\t-7\t\\N\t\\N\tNguyễn \\\\N\t42\n\n"
        );
        assert!(copy_text(&[]).is_empty());
    }
}
