//! The embedded SQLite store, motcua's default: a single database file in write-ahead-log
//! mode, one writer connection (every write transaction starts with `BEGIN IMMEDIATE`, so
//! writers never deadlock on lock upgrades) and a pool of readers that never block it.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use motcua_store::StoreError;
use motcua_store::codec;
use motcua_store::sql::{Arg, push_row};
use sqlx::Sqlite;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// How hard SQLite works to keep a committed transaction through a power failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous = FULL`: every commit is synced to disk (the default).
    #[default]
    Full,
    /// `synchronous = NORMAL`: commits survive a crash of motcua, but the last ones may be lost
    /// if the machine loses power.
    Normal,
}

/// How to open a database file.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// The database file.
    pub path: PathBuf,
    /// Create the file if it does not exist.
    pub create: bool,
    /// Sync policy.
    pub durability: Durability,
    /// Read connections.
    pub readers: u32,
}

impl SqliteOptions {
    /// Options for a file, not creating it, fully durable, four readers.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            create: false,
            durability: Durability::Full,
            readers: 4,
        }
    }
}

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (and with `create`, creates) a database file. Run [`Store::migrate`] before use.
    pub async fn open(options: &SqliteOptions) -> Result<Self, StoreError> {
        if !options.create && !options.path.exists() {
            return Err(StoreError::Other(format!(
                "database file {} does not exist",
                options.path.display()
            )));
        }
        let base = SqliteConnectOptions::from_str("sqlite://")
            .map_err(StoreError::other)?
            .filename(&options.path)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match options.durability {
                Durability::Full => SqliteSynchronous::Full,
                Durability::Normal => SqliteSynchronous::Normal,
            })
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // The writer keeps a large page cache (256 MiB at most, allocated as used), its
        // statement journals in memory, and checkpoints the log every 40 MiB rather than
        // every 4: every command walks the event and projection indexes, a bulk import walks
        // them millions of times, and index pages written again before a checkpoint are
        // copied to the database once.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(
                base.clone()
                    .create_if_missing(options.create)
                    .pragma("cache_size", "-262144")
                    .pragma("temp_store", "memory")
                    .pragma("wal_autocheckpoint", "10000"),
            )
            .await
            .map_err(|e| {
                StoreError::Other(format!("cannot open {}: {e}", options.path.display()))
            })?;
        let reader = SqlitePoolOptions::new()
            .max_connections(options.readers.max(1))
            .connect_with(base.read_only(true))
            .await
            .map_err(|e| {
                StoreError::Other(format!("cannot open {}: {e}", options.path.display()))
            })?;
        Ok(Self {
            writer,
            reader,
            path: options.path.clone(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs raw SQL on the writer (for tests of the schema's own guards).
    #[doc(hidden)]
    pub async fn execute_raw(&self, sql: &'static str) -> Result<u64, StoreError> {
        sqlx::query(sql)
            .execute(&self.writer)
            .await
            .map(|r| r.rows_affected())
            .map_err(codec::db)
    }

    /// Runs a raw query returning one integer (for tests of the schema and the statistics).
    #[doc(hidden)]
    pub async fn scalar_raw(&self, sql: &'static str) -> Result<i64, StoreError> {
        sqlx::query_scalar(sql)
            .fetch_one(&self.writer)
            .await
            .map_err(codec::db)
    }

    fn pools(&self) -> (&SqlitePool, &SqlitePool) {
        (&self.writer, &self.reader)
    }

    /// Every write takes the database's write lock at once, so writers queue instead of
    /// failing on a lock upgrade.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Sqlite>, StoreError> {
        self.writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(codec::db)
    }

    /// Many rows in multi-row `INSERT OR FAIL` statements: a conflict stops the statement
    /// where it is, and the transaction is rolled back whole, so SQLite keeps no statement
    /// journal for them (a copy of every page a statement changes).
    async fn bulk_insert(
        tx: &mut sqlx::Transaction<'static, Sqlite>,
        table: &str,
        columns: &str,
        rows: Vec<Vec<Arg>>,
    ) -> Result<(), sqlx::Error> {
        let width = rows.first().map_or(1, Vec::len).max(1);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Arg>> = rows.by_ref().take((4000 / width).max(1)).collect();
            let mut b = sqlx::QueryBuilder::<Sqlite>::new(format!(
                "INSERT OR FAIL INTO {table} ({columns}) "
            ));
            b.push_values(chunk, |mut r, row| push_row(&mut r, row));
            b.build().execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Every table checked, not only those this connection queried; since SQLite 3.46 the
    /// pragma samples a bounded number of rows, so it takes seconds on a province's file.
    // Statistics from about a thousand rows of each index (SQLite's advice for `optimize`):
    // without the limit, ANALYZE reads every row, many minutes on a province-year.
    const ANALYZE: &str = "PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;";

    /// `BEGIN IMMEDIATE` already admits one writer at a time.
    const INDEX_LOCK: &str = "";

    /// The projection's indexes and the events' index by dossier (migration 3): on a
    /// province-year the latter is 60 million entries in code order, inserted in day order.
    pub fn deferred_indexes() -> Vec<(&'static str, &'static str)> {
        codec::DOSSIER_INDEXES
            .into_iter()
            .chain([(
                "dossier_events_by_dossier",
                "CREATE UNIQUE INDEX IF NOT EXISTS dossier_events_by_dossier ON dossier_events (code, seq)",
            )])
            .collect()
    }

    fn migrator() -> Migrator {
        motcua_store::sql::migrator(&[
            (1, "init", include_str!("../migrations/0001_init.sql")),
            (
                2,
                "import progress",
                include_str!("../migrations/0002_import_progress.sql"),
            ),
            (
                3,
                "events in append order",
                include_str!("../migrations/0003_events_in_append_order.sql"),
            ),
            (4, "files", include_str!("../migrations/0004_files.sql")),
            (
                5,
                "acceptance due",
                include_str!("../migrations/0005_acceptance_due.sql"),
            ),
        ])
    }
}

motcua_store::impl_sql_store!(SqliteStore, Sqlite);
