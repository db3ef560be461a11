//! The shared conformance suite on a fresh PostgreSQL database per test (from
//! `MOTCUA_TEST_PG`), and PostgreSQL's own guards.

use motcua_store::Store;
use motcua_store_postgres::PgStore;
use motcua_store_postgres::testing::{TestDatabase, server_url};

/// A store on its own database, dropped with it.
struct Fresh {
    store: Box<dyn Store>,
    _db: TestDatabase,
}

impl std::ops::Deref for Fresh {
    type Target = dyn Store;
    fn deref(&self) -> &Self::Target {
        self.store.as_ref()
    }
}

async fn fresh_pg() -> Option<(PgStore, TestDatabase)> {
    let Some(server) = server_url() else {
        eprintln!("skipped: MOTCUA_TEST_PG is not set");
        return None;
    };
    let db = TestDatabase::create(&server).await;
    let store = PgStore::connect(db.url(), 8).await.unwrap();
    store.migrate().await.unwrap();
    Some((store, db))
}

async fn fresh() -> Option<Fresh> {
    fresh_pg().await.map(|(store, db)| Fresh {
        store: Box::new(store),
        _db: db,
    })
}

motcua_store::conformance_tests!(fresh(), optional);

#[tokio::test]
async fn events_cannot_be_updated_deleted_or_truncated() {
    let Some((store, _db)) = fresh_pg().await else {
        return;
    };
    motcua_store::conformance::a_dossier_reads_back_as_appended(&store).await;
    for sql in [
        "UPDATE dossier_events SET type = 'refused'",
        "DELETE FROM dossier_events",
        "TRUNCATE dossier_events",
    ] {
        let err = store.execute_raw(sql).await.unwrap_err().to_string();
        assert!(
            err.contains("dossier_events is append-only"),
            "{sql}: {err}"
        );
    }
    assert_eq!(store.events("H29.01-260302-0001").await.unwrap().len(), 1);
}

#[tokio::test]
async fn migrations_taken_by_several_nodes_at_once_run_once() {
    let Some((store, db)) = fresh_pg().await else {
        return;
    };
    let other = PgStore::connect(db.url(), 2).await.unwrap();
    let (a, b) = tokio::join!(store.migrate(), other.migrate());
    a.unwrap();
    b.unwrap();
    store.ping().await.unwrap();
}

#[tokio::test]
async fn analyze_gives_the_planner_statistics_of_every_table() {
    let Some((store, _db)) = fresh_pg().await else {
        return;
    };
    motcua_store::conformance::an_import_batch_writes_whole_histories_at_once(&store).await;
    // A table never analysed counts its rows as unknown (-1).
    let rows = "SELECT reltuples::bigint FROM pg_class WHERE relname = 'dossier_events'";
    assert_eq!(store.scalar_raw(rows).await.unwrap(), -1);
    store.analyze().await.unwrap();
    assert_eq!(store.scalar_raw(rows).await.unwrap(), 6);
}

#[tokio::test]
async fn the_deferred_indexes_are_every_index_of_the_projection_and_built_once() {
    let Some((store, db)) = fresh_pg().await else {
        return;
    };
    let count = "SELECT count(*) FROM pg_indexes WHERE tablename IN ('dossiers', 'dossier_events') AND indexname NOT LIKE '%_pkey'";
    let all = i64::try_from(PgStore::deferred_indexes().len()).unwrap();
    assert_eq!(store.scalar_raw(count).await.unwrap(), all);
    assert!(store.defer_indexes().await.unwrap());
    assert_eq!(store.scalar_raw(count).await.unwrap(), 0);
    // Two nodes opening the store at once: one builds, the other finds them built.
    let other = PgStore::connect(db.url(), 2).await.unwrap();
    let (a, b) = tokio::join!(store.migrate(), other.migrate());
    a.unwrap();
    b.unwrap();
    assert_eq!(store.scalar_raw(count).await.unwrap(), all);
}
