//! The PostgreSQL store: the same schema and the same SQL as the embedded store (see
//! `motcua_store::sql`), for several stateless `motcua serve` nodes sharing one database.
//!
//! Concurrency is optimistic: a command checks the dossier's version and inserts its events
//! under the `(code, seq)` primary key, so of two commands decided on the same version the
//! second fails on the key and is reported as a conflict with the version the first left.

pub mod testing;

use std::time::Duration;

use motcua_store::StoreError;
use motcua_store::codec;
use motcua_store::sql::Arg;
use sqlx::Postgres;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions};

/// The PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to a database URL (`postgres://…`) with at most `max_connections`.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|e| StoreError::Other(format!("cannot connect to PostgreSQL: {e}")))?;
        Ok(Self { pool })
    }

    /// Runs raw SQL (for tests of the schema's own guards).
    #[doc(hidden)]
    pub async fn execute_raw(&self, sql: &'static str) -> Result<u64, StoreError> {
        sqlx::query(sql)
            .execute(&self.pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(codec::db)
    }

    /// Runs a raw query returning one integer (for tests of the schema and the statistics).
    #[doc(hidden)]
    pub async fn scalar_raw(&self, sql: &'static str) -> Result<i64, StoreError> {
        sqlx::query_scalar(sql)
            .fetch_one(&self.pool)
            .await
            .map_err(codec::db)
    }

    fn pools(&self) -> (&PgPool, &PgPool) {
        (&self.pool, &self.pool)
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Postgres>, StoreError> {
        self.pool.begin().await.map_err(codec::db)
    }

    /// Many rows with `COPY … FROM STDIN`: one statement, the rows streamed in COPY's text
    /// format, several times faster than `INSERT`s with bound values. A conflict fails the
    /// whole `COPY`, and the transaction is rolled back whole.
    async fn bulk_insert(
        tx: &mut sqlx::Transaction<'static, Postgres>,
        table: &str,
        columns: &str,
        rows: Vec<Vec<Arg>>,
    ) -> Result<(), sqlx::Error> {
        if rows.is_empty() {
            return Ok(());
        }
        let data = motcua_store::sql::copy_text(&rows);
        drop(rows);
        let mut copy = tx
            .copy_in_raw(&format!("COPY {table} ({columns}) FROM STDIN"))
            .await?;
        if let Err(e) = copy.send(data).await {
            copy.abort("the import could not send its rows").await.ok();
            return Err(e);
        }
        copy.finish().await.map(|_| ())
    }

    /// Samples each table (300 × `default_statistics_target` rows), seconds on a province.
    const ANALYZE: &str = "ANALYZE";

    /// A lock that conflicts with itself (and with writes, which an index build blocks anyway).
    const INDEX_LOCK: &str = "LOCK TABLE dossiers IN SHARE ROW EXCLUSIVE MODE";

    /// The projection's indexes (the events' primary key stays: it orders concurrent appends).
    pub fn deferred_indexes() -> Vec<(&'static str, &'static str)> {
        codec::DOSSIER_INDEXES.to_vec()
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
                "codes in byte order",
                include_str!("../migrations/0003_codes_in_byte_order.sql"),
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

motcua_store::impl_sql_store!(PgStore, Postgres);
