//! Configuration of the server commands: each setting from a flag, else the environment,
//! else a TOML config file, else a default. The store backend is chosen once, here, from the
//! database URL's scheme.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use motcua_store::Store;
use motcua_store_postgres::PgStore;
use motcua_store_sqlite::{Durability, SqliteOptions, SqliteStore};
use serde::Deserialize;

use crate::cli_error::InputError;

/// Where the data lives.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreArgs {
    /// The database: `sqlite://PATH` (created if missing), `postgres://USER@HOST/DB`, or the
    /// path of an existing SQLite file. Default: `motcua.sqlite` in the data directory.
    #[arg(long, env = "MOTCUA_DATABASE")]
    pub database: Option<String>,
    /// The data directory, created if missing (default `./motcua-data`).
    #[arg(long, env = "MOTCUA_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// A TOML config file with any of: database, data_dir, listen, log_format, sqlite_sync,
    /// pg_connections, secure_cookies.
    #[arg(long, env = "MOTCUA_CONFIG")]
    pub config: Option<PathBuf>,
    /// SQLite durability: `full` (every commit synced, the default) or `normal`.
    #[arg(long, env = "MOTCUA_SQLITE_SYNC")]
    pub sqlite_sync: Option<String>,
    /// The most PostgreSQL connections this node opens (default 10).
    #[arg(long, env = "MOTCUA_PG_CONNECTIONS")]
    pub pg_connections: Option<u32>,
}

/// What the config file may hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub database: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub listen: Option<String>,
    pub log_format: Option<String>,
    pub sqlite_sync: Option<String>,
    pub pg_connections: Option<u32>,
    pub secure_cookies: Option<bool>,
}

impl StoreArgs {
    /// The config file's contents (empty without one).
    pub fn file(&self) -> Result<ConfigFile, InputError> {
        let Some(path) = &self.config else {
            return Ok(ConfigFile::default());
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError::new(format!("cannot read {}: {e}", path.display())))?;
        toml::from_str(&text).map_err(|e| {
            InputError::new(format!(
                "{}: {}",
                path.display(),
                e.message().trim().replace('\n', "; ")
            ))
        })
    }
}

/// The chosen backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// An SQLite file.
    Sqlite {
        /// The file.
        path: PathBuf,
        /// Whether it may be created.
        create: bool,
    },
    /// A PostgreSQL URL.
    Postgres(String),
}

impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite { path, .. } => write!(f, "SQLite file {}", path.display()),
            Database::Postgres(url) => {
                // Never print a password.
                let shown = url
                    .split_once('@')
                    .map_or(url.clone(), |(_, host)| format!("postgres://…@{host}"));
                write!(f, "PostgreSQL {shown}")
            }
        }
    }
}

/// Chooses the backend. `may_create` is false for commands that must find existing data.
pub fn database(
    args: &StoreArgs,
    file: &ConfigFile,
    may_create: bool,
) -> Result<Database, InputError> {
    let url = args.database.clone().or_else(|| file.database.clone());
    match url {
        Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
            Ok(Database::Postgres(u))
        }
        Some(u) if u.starts_with("sqlite://") => {
            let path = PathBuf::from(u.trim_start_matches("sqlite://"));
            if path.as_os_str().is_empty() {
                return Err(InputError::new(
                    "--database sqlite:// needs a path, e.g. sqlite://motcua.sqlite",
                ));
            }
            Ok(Database::Sqlite {
                path,
                create: may_create,
            })
        }
        Some(u) if u.contains("://") => Err(InputError::new(format!(
            "--database {u}: unknown scheme; use sqlite://PATH or postgres://…"
        ))),
        Some(u) => {
            let path = PathBuf::from(&u);
            if path.is_file() {
                Ok(Database::Sqlite {
                    path,
                    create: false,
                })
            } else {
                Err(InputError::new(format!(
                    "--database {u}: no such file; use sqlite://{u} to create a new database, or postgres://…"
                )))
            }
        }
        None => {
            let dir = args
                .data_dir
                .clone()
                .or_else(|| file.data_dir.clone())
                .unwrap_or_else(|| PathBuf::from("motcua-data"));
            let path = dir.join("motcua.sqlite");
            if !may_create && !path.is_file() {
                return Err(InputError::new(format!(
                    "no database at {}: start `motcua serve` or `motcua demo` first, or pass --database",
                    path.display()
                )));
            }
            Ok(Database::Sqlite {
                path,
                create: may_create,
            })
        }
    }
}

fn create_parent(path: &Path) -> Result<(), InputError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| InputError::new(format!("cannot create {}: {e}", parent.display())))?;
    }
    Ok(())
}

/// Opens and migrates the store.
pub async fn open(
    db: &Database,
    args: &StoreArgs,
    file: &ConfigFile,
) -> Result<Arc<dyn Store>, InputError> {
    let store = connect(db, args, file).await?;
    store
        .migrate()
        .await
        .map_err(|e| InputError::new(format!("cannot migrate {db}: {e}")))?;
    Ok(store)
}

/// Opens a store that must already hold a motcua database, changing nothing (for commands
/// that only read, such as `verify`).
pub async fn open_existing(
    db: &Database,
    args: &StoreArgs,
    file: &ConfigFile,
) -> Result<Arc<dyn Store>, InputError> {
    let store = connect(db, args, file).await?;
    store.rules_revision().await.map_err(|_| {
        InputError::new(format!(
            "{db} is not a motcua database (or was never migrated: run `motcua migrate`)"
        ))
    })?;
    Ok(store)
}

async fn connect(
    db: &Database,
    args: &StoreArgs,
    file: &ConfigFile,
) -> Result<Arc<dyn Store>, InputError> {
    let store: Arc<dyn Store> = match db {
        Database::Sqlite { path, create } => {
            if *create {
                create_parent(path)?;
            }
            let durability = match args.sqlite_sync.as_deref().or(file.sqlite_sync.as_deref()) {
                None | Some("full") => Durability::Full,
                Some("normal") => Durability::Normal,
                Some(other) => {
                    return Err(InputError::new(format!(
                        "--sqlite-sync {other}: expected full or normal"
                    )));
                }
            };
            let options = SqliteOptions {
                create: *create,
                durability,
                ..SqliteOptions::new(path)
            };
            Arc::new(
                SqliteStore::open(&options)
                    .await
                    .map_err(InputError::from_display)?,
            )
        }
        Database::Postgres(url) => {
            let n = args.pg_connections.or(file.pg_connections).unwrap_or(10);
            Arc::new(
                PgStore::connect(url, n)
                    .await
                    .map_err(InputError::from_display)?,
            )
        }
    };
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(database: Option<&str>) -> StoreArgs {
        StoreArgs {
            database: database.map(str::to_owned),
            data_dir: Some(PathBuf::from("/tmp/motcua-config-test")),
            config: None,
            sqlite_sync: None,
            pg_connections: None,
        }
    }

    #[test]
    fn the_scheme_chooses_the_backend_and_ambiguity_is_refused() {
        let f = ConfigFile::default();
        assert_eq!(
            database(&args(Some("postgres://u@h/db")), &f, true).unwrap(),
            Database::Postgres("postgres://u@h/db".into())
        );
        assert_eq!(
            database(&args(Some("sqlite://x.sqlite")), &f, true).unwrap(),
            Database::Sqlite {
                path: "x.sqlite".into(),
                create: true
            }
        );
        let err = database(&args(Some("nonexistent.sqlite")), &f, true)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no such file; use sqlite://nonexistent.sqlite"),
            "{err}"
        );
        let err = database(&args(Some("mysql://h/db")), &f, true)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown scheme"), "{err}");
        assert_eq!(
            database(&args(None), &f, true).unwrap(),
            Database::Sqlite {
                path: "/tmp/motcua-config-test/motcua.sqlite".into(),
                create: true
            }
        );
    }

    #[test]
    fn passwords_are_not_shown() {
        let shown = Database::Postgres("postgres://u:secret@h:5432/db".into()).to_string();
        assert!(!shown.contains("secret"), "{shown}");
    }
}
