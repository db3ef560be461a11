//! The raw limit of the store, beside the load benchmark (`docs/benchmarks.md`).
//!
//! Reads the rows that a `motcua load` run left in a database — each lifecycle action's
//! event, the dossier's projection row and its outbox row — and writes the same rows into a
//! fresh database with the same schema, one transaction per action, in two ways:
//!
//! - `raw`: a minimal program, three plain statements and a commit per action;
//! - `store`: the same rows through [`Store::append`] (version check, idempotency lookup,
//!   projection upsert, outbox), without HTTP, authorisation or the domain fold.
//!
//! ```sh
//! cargo run --release -p motcua --example raw_limit -- \
//!     --from sqlite://bench/load.sqlite --to sqlite://bench/raw.sqlite --mode raw
//! ```
//!
//! `--to` must name a database that does not exist yet (SQLite) or is empty (PostgreSQL).
//! `--workers N` (PostgreSQL only) writes with N connections at once, each on its own
//! dossiers, as N HTTP clients do.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use motcua_store::codec::{DOSSIER_UPSERT, dossier_args, event_columns};
use motcua_store::sql::statement;
use motcua_store::{Append, DossierRow, OutboxMessage, Store, StoredEvent};
use motcua_store_postgres::PgStore;
use motcua_store_sqlite::{SqliteOptions, SqliteStore};

/// One lifecycle action's rows.
struct Action {
    event: StoredEvent,
    projection: DossierRow,
    outbox: Vec<OutboxMessage>,
}

struct Args {
    from: String,
    to: String,
    mode: String,
    workers: usize,
    max: usize,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        from: String::new(),
        to: String::new(),
        mode: "raw".into(),
        workers: 1,
        max: usize::MAX,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--from" => a.from = value,
            "--to" => a.to = value,
            "--mode" => a.mode = value,
            "--workers" => a.workers = value.parse().map_err(|_| "--workers: a number")?,
            "--max" => a.max = value.parse().map_err(|_| "--max: a number")?,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if a.from.is_empty() || a.to.is_empty() {
        return Err(
            "usage: raw_limit --from DB --to NEW_DB [--mode raw|store] [--workers N] [--max N]"
                .into(),
        );
    }
    if !matches!(a.mode.as_str(), "raw" | "store") {
        return Err("--mode: raw or store".into());
    }
    Ok(a)
}

async fn open(url: &str, create: bool) -> Result<Arc<dyn Store>, String> {
    let store: Arc<dyn Store> = if let Some(path) = url.strip_prefix("sqlite://") {
        if create && std::path::Path::new(path).exists() {
            return Err(format!("{path} exists: --to must be a new database"));
        }
        Arc::new(
            SqliteStore::open(&SqliteOptions {
                create,
                ..SqliteOptions::new(path)
            })
            .await
            .map_err(|e| e.to_string())?,
        )
    } else {
        Arc::new(PgStore::connect(url, 16).await.map_err(|e| e.to_string())?)
    };
    store.migrate().await.map_err(|e| e.to_string())?;
    Ok(store)
}

/// Every event of every dossier in `from`, with the projection row its dossier had after it
/// (the final row, with the version of that event) and its outbox rows.
async fn actions(from: &dyn Store) -> Result<Vec<Vec<Action>>, String> {
    let mut outbox: HashMap<(String, u64), Vec<OutboxMessage>> = HashMap::new();
    for row in from
        .outbox_pending(u32::MAX)
        .await
        .map_err(|e| e.to_string())?
    {
        outbox
            .entry((row.message.code.clone(), row.message.seq))
            .or_default()
            .push(row.message);
    }
    let mut dossiers = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let codes = from
            .dossier_codes(after.as_deref(), 500)
            .await
            .map_err(|e| e.to_string())?;
        let Some(last) = codes.last().cloned() else {
            break;
        };
        for code in codes {
            let row = from.dossier(&code).await.map_err(|e| e.to_string())?;
            let events = from.events(&code).await.map_err(|e| e.to_string())?;
            dossiers.push(
                events
                    .into_iter()
                    .map(|event| Action {
                        projection: DossierRow {
                            version: event.seq,
                            ..row.clone()
                        },
                        outbox: outbox
                            .remove(&(code.clone(), event.seq))
                            .unwrap_or_default(),
                        event,
                    })
                    .collect::<Vec<_>>(),
            );
        }
        after = Some(last);
    }
    Ok(dossiers)
}

/// `async fn $name(pool, begin, action)`: one action as three plain statements and a commit,
/// on database `$db` (a macro, as in the store, because sqlx's generic bounds do not compose).
macro_rules! raw_action {
    ($name:ident, $db:ty) => {
        async fn $name(
            pool: &sqlx::Pool<$db>,
            begin: &'static str,
            a: &Action,
        ) -> Result<(), String> {
            let e = |x: sqlx::Error| x.to_string();
            let c = event_columns(&a.event.event).map_err(|x| x.to_string())?;
            let code = a.projection.code.clone();
            let seq = i64::try_from(a.event.seq).unwrap_or(i64::MAX);
            let mut tx = pool
                .begin_with(sqlx::AssertSqlSafe(begin))
                .await
                .map_err(e)?;
            statement::<$db>(
                "INSERT INTO dossier_events (code, seq, type, at, actor, unit, recorded_at, body) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                vec![
                    (&code).into(),
                    seq.into(),
                    c.event_type.into(),
                    c.at.into(),
                    c.actor.into(),
                    c.unit.into(),
                    a.event.recorded_at.into(),
                    c.body.into(),
                ],
            )
            .build()
            .execute(&mut *tx)
            .await
            .map_err(e)?;
            statement::<$db>(&DOSSIER_UPSERT, dossier_args(&a.projection, a.event.seq))
                .build()
                .execute(&mut *tx)
                .await
                .map_err(e)?;
            for m in &a.outbox {
                statement::<$db>(
                    "INSERT INTO outbox (topic, code, seq, payload, created_at) VALUES (?, ?, ?, ?, ?)",
                    vec![
                        (&m.topic).into(),
                        (&m.code).into(),
                        seq.into(),
                        (&m.payload).into(),
                        a.event.recorded_at.into(),
                    ],
                )
                .build()
                .execute(&mut *tx)
                .await
                .map_err(e)?;
            }
            tx.commit().await.map_err(e)
        }
    };
}

raw_action!(raw_sqlite, sqlx::Sqlite);
raw_action!(raw_postgres, sqlx::Postgres);

async fn store_action(store: &dyn Store, a: &Action) -> Result<(), String> {
    store
        .append(Append {
            code: a.projection.code.parse().map_err(|e| format!("{e}"))?,
            expected_version: a.event.seq - 1,
            events: vec![a.event.event.clone()],
            projection: a.projection.clone(),
            outbox: a.outbox.clone(),
            freeze: Vec::new(),
            idempotency: None,
        })
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

enum Writer {
    Raw(RawPool),
    Store(Arc<dyn Store>),
}

#[derive(Clone)]
enum RawPool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Writer {
    async fn write(&self, a: &Action) -> Result<(), String> {
        match self {
            Writer::Raw(RawPool::Sqlite(p)) => raw_sqlite(p, "BEGIN IMMEDIATE", a).await,
            Writer::Raw(RawPool::Postgres(p)) => raw_postgres(p, "BEGIN", a).await,
            Writer::Store(s) => store_action(s.as_ref(), a).await,
        }
    }
}

async fn raw_pool(url: &str, workers: usize) -> Result<RawPool, String> {
    use std::str::FromStr;
    if let Some(path) = url.strip_prefix("sqlite://") {
        // The store's own settings: WAL, every commit synced, one writer.
        let options = sqlx::sqlite::SqliteConnectOptions::from_str("sqlite://")
            .map_err(|e| e.to_string())?
            .filename(path)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Full);
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(|e| e.to_string())?;
        Ok(RawPool::Sqlite(pool))
    } else {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(u32::try_from(workers).unwrap_or(1))
            .connect(url)
            .await
            .map_err(|e| e.to_string())?;
        Ok(RawPool::Postgres(pool))
    }
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let i = ((sorted.len().saturating_sub(1)) as f64 * p).round() as usize;
    sorted.get(i).map_or(0.0, |v| f64::from(*v) / 1000.0)
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = args()?;
    if args.to.starts_with("sqlite://") && args.workers != 1 {
        return Err("SQLite has one writer: --workers applies to PostgreSQL only".into());
    }
    let from = open(&args.from, false).await?;
    let mut dossiers = actions(from.as_ref()).await?;
    // Keep the whole history of the dossiers taken, up to --max actions.
    let mut total = 0;
    dossiers.retain(|d| {
        total += d.len();
        total <= args.max
    });
    let to = open(&args.to, true).await?;
    let writer = Arc::new(match args.mode.as_str() {
        "raw" => Writer::Raw(raw_pool(&args.to, args.workers).await?),
        _ => Writer::Store(to),
    });
    let n: usize = dossiers.iter().map(Vec::len).sum();
    eprintln!(
        "writing {n} actions of {} dossiers ({} mode, {} workers)",
        dossiers.len(),
        args.mode,
        args.workers
    );
    // Worker w takes every w-th dossier and writes its actions in order.
    let dossiers = Arc::new(dossiers);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..args.workers {
        let (dossiers, writer, workers) = (dossiers.clone(), writer.clone(), args.workers);
        tasks.push(tokio::spawn(async move {
            let mut micros = Vec::new();
            for d in dossiers.iter().skip(w).step_by(workers) {
                for a in d {
                    let t = Instant::now();
                    writer.write(a).await?;
                    micros.push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
                }
            }
            Ok::<_, String>(micros)
        }));
    }
    let mut micros = Vec::new();
    for t in tasks {
        micros.extend(t.await.map_err(|e| e.to_string())??);
    }
    let secs = started.elapsed().as_secs_f64();
    micros.sort_unstable();
    #[allow(clippy::cast_precision_loss)]
    let rate = micros.len() as f64 / secs;
    println!(
        "{} mode: {} actions in {secs:.1} s = {rate:.0}/s; p50 {:.2} ms, p99 {:.2} ms ({} workers)",
        args.mode,
        micros.len(),
        percentile(&micros, 0.5),
        percentile(&micros, 0.99),
        args.workers
    );
    Ok(())
}
