//! The shared conformance suite on a fresh SQLite file per test, and SQLite's own guards.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use motcua_store::Store;
use motcua_store_sqlite::{SqliteOptions, SqliteStore};

fn fresh_path() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sqlite-conformance");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!(
        "{}-{}.sqlite",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

async fn fresh_store() -> SqliteStore {
    let options = SqliteOptions {
        create: true,
        ..SqliteOptions::new(fresh_path())
    };
    let store = SqliteStore::open(&options).await.unwrap();
    store.migrate().await.unwrap();
    store
}

async fn fresh() -> Box<dyn Store> {
    Box::new(fresh_store().await)
}

motcua_store::conformance_tests!(fresh());

#[tokio::test]
async fn events_cannot_be_updated_or_deleted() {
    let store = fresh_store().await;
    motcua_store::conformance::a_dossier_reads_back_as_appended(&store).await;
    for sql in [
        "UPDATE dossier_events SET type = 'refused'",
        "DELETE FROM dossier_events",
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
async fn a_missing_file_is_not_created_unless_asked() {
    let path = fresh_path();
    let err = SqliteStore::open(&SqliteOptions::new(&path))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(!path.exists());
}

#[tokio::test]
async fn analyze_gives_the_planner_statistics_of_every_table() {
    let store = fresh_store().await;
    motcua_store::conformance::an_import_batch_writes_whole_histories_at_once(&store).await;
    let stats = "SELECT count(*) FROM sqlite_stat1 WHERE tbl IN ('dossier_events', 'dossiers')";
    // A fresh file has no statistics table until the first analysis.
    assert!(store.scalar_raw(stats).await.is_err());
    store.analyze().await.unwrap();
    assert!(store.scalar_raw(stats).await.unwrap() >= 2);
}

#[tokio::test]
async fn the_deferred_indexes_are_every_index_of_the_log_and_the_projection() {
    let store = fresh_store().await;
    let count = "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('dossiers', 'dossier_events') AND name NOT LIKE 'sqlite_autoindex%'";
    let all = i64::try_from(SqliteStore::deferred_indexes().len()).unwrap();
    assert_eq!(store.scalar_raw(count).await.unwrap(), all);
    assert!(store.defer_indexes().await.unwrap());
    assert_eq!(store.scalar_raw(count).await.unwrap(), 0);
    store.build_indexes().await.unwrap();
    assert_eq!(store.scalar_raw(count).await.unwrap(), all);
}
