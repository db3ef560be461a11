//! Running `motcua serve` for a test, and talking to it.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use motcua_store_postgres::testing::{TestDatabase, server_url};
use reqwest::StatusCode;
use serde_json::Value;

/// Which store a server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs the `motcua` binary to completion.
pub fn motcua(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// A `motcua serve` process on its own database, with the demo province (no dossiers) and a
/// test clock.
pub struct Server {
    child: Option<Child>,
    pub url: String,
    pub database: String,
    clock: std::sync::Mutex<String>,
    pub client: reqwest::Client,
    _pg: Option<TestDatabase>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        // A passing test leaves no database behind.
        if let Some(path) = self.database.strip_prefix("sqlite://")
            && !std::thread::panicking()
        {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
        }
    }
}

fn scratch_file() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("api");
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

impl Server {
    /// A server on a fresh database of `backend` with the demo province, its clock stopped at
    /// `clock`; `None` for PostgreSQL when no server is configured.
    pub async fn start(backend: Backend, clock: &str) -> Option<Server> {
        let (database, pg) = match backend {
            Backend::Sqlite => (format!("sqlite://{}", scratch_file().display()), None),
            Backend::Postgres => {
                let Some(server) = server_url() else {
                    eprintln!("skipped: MOTCUA_TEST_PG is not set");
                    return None;
                };
                let db = TestDatabase::create(&server).await;
                (db.url().to_owned(), Some(db))
            }
        };
        let setup = motcua(&["demo", "--database", &database, "--dossiers", "0"]);
        assert!(
            setup.status.success(),
            "demo setup failed: {}",
            String::from_utf8_lossy(&setup.stderr)
        );
        let mut s = Server {
            child: None,
            url: String::new(),
            database,
            clock: std::sync::Mutex::new(clock.to_owned()),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            _pg: pg,
        };
        s.spawn();
        Some(s)
    }

    fn spawn(&mut self) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_motcua"))
            .args([
                "serve",
                "--database",
                &self.database,
                "--listen",
                "127.0.0.1:0",
                "--test-clock",
                &self.clock.lock().unwrap().clone(),
            ])
            .env("MOTCUA_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("motcua listening on ") {
                    let _ = tx.send(url.to_owned());
                }
            }
        });
        self.url = rx
            .recv_timeout(Duration::from_mins(1))
            .expect("the server says where it listens");
        self.child = Some(child);
    }

    /// Kills the server with SIGKILL: no chance to flush or finish anything.
    pub fn kill9(&mut self) {
        let mut c = self.child.take().expect("running");
        c.kill().unwrap();
        c.wait().unwrap();
    }

    /// Starts the server again on the same database.
    pub fn restart(&mut self) {
        self.spawn();
    }

    /// Moves the server's clock.
    pub async fn at(&self, t: &str) {
        let r = self
            .client
            .post(format!("{}/api/test/clock", self.url))
            .json(&serde_json::json!({ "now": t }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::NO_CONTENT,
            "setting the clock to {t}"
        );
        t.clone_into(&mut self.clock.lock().unwrap());
    }

    /// The public (no credentials).
    pub fn public(&self) -> As<'_> {
        As {
            server: self,
            token: None,
            access_key: None,
        }
    }

    /// An official, logged in with the demo password.
    pub async fn login(&self, username: &str) -> As<'_> {
        let (status, body) = self
            .public()
            .post(
                "/api/v1/auth/login",
                &serde_json::json!({"username": username, "password": "motcua-demo"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login {username}: {body}");
        As {
            server: self,
            token: Some(body["token"].as_str().unwrap().to_owned()),
            access_key: None,
        }
    }

    /// The applicant of a dossier, with its access key.
    pub fn applicant(&self, key: &str) -> As<'_> {
        As {
            server: self,
            token: None,
            access_key: Some(key.to_owned()),
        }
    }

    /// `motcua verify` on this server's database.
    pub fn verify(&self) -> Output {
        motcua(&["verify", "--database", &self.database])
    }

    /// Changes the database behind motcua's back, as an operator or a fault might.
    pub async fn tamper(&self, sql: &str) {
        use sqlx::Connection;
        if let Some(path) = self.database.strip_prefix("sqlite://") {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
                .await
                .unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(&mut c)
                .await
                .unwrap();
        } else {
            let mut c = sqlx::PgConnection::connect(&self.database).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(&mut c)
                .await
                .unwrap();
        }
    }
}

/// Someone talking to a server.
pub struct As<'a> {
    server: &'a Server,
    token: Option<String>,
    access_key: Option<String>,
}

impl As<'_> {
    /// The session's bearer token.
    pub fn token(&self) -> &str {
        self.token.as_deref().unwrap_or_default()
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self
            .server
            .client
            .request(method, format!("{}{path}", self.server.url));
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        if let Some(k) = &self.access_key {
            r = r.header("x-access-key", k);
        }
        r
    }

    async fn send(r: reqwest::RequestBuilder) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let resp = r.send().await.expect("the server answers");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, body, headers)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let (s, b, _) = Self::send(self.request(reqwest::Method::GET, path)).await;
        (s, b)
    }

    /// Any method, with a JSON body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> (StatusCode, Value) {
        let (s, b, _) = Self::send(self.request(method, path).json(body)).await;
        (s, b)
    }

    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let (s, b, _) = self.post_with(path, body, &[]).await;
        (s, b)
    }

    pub async fn post_with(
        &self,
        path: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let mut r = self.request(reqwest::Method::POST, path).json(body);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        Self::send(r).await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        body: Vec<u8>,
        content_type: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut r = self.request(reqwest::Method::POST, path).body(body);
        if let Some(ct) = content_type {
            r = r.header("content-type", ct);
        }
        let (s, b, _) = Self::send(r).await;
        (s, b)
    }

    /// Acts on a dossier.
    pub async fn act(&self, code: &str, action: Value) -> (StatusCode, Value) {
        self.post(&format!("/api/v1/dossiers/{code}/actions"), &action)
            .await
    }

    /// Acts and expects success; returns the dossier.
    pub async fn ok(&self, code: &str, action: Value) -> Value {
        let (s, b) = self.act(code, action.clone()).await;
        assert_eq!(s, StatusCode::OK, "{action} on {code}: {b}");
        b
    }
}

impl Server {
    /// Submits a birth registration (1.001193) online at Bến Thành ward for `name` and
    /// returns the dossier's code.
    pub async fn submit_birth_online(&self, name: &str) -> String {
        let (status, created) = self
            .public()
            .post(
                "/api/v1/dossiers",
                &serde_json::json!({
                    "procedure_code": "1.001193",
                    "unit": "phuong-ben-thanh",
                    "applicant": applicant(name),
                    "documents": [{"component": "Giấy chứng sinh"}]
                }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created["code"].as_str().unwrap().to_owned()
    }
}

/// The text of a page between the first `start` and the next `end` after it.
pub fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let rest = body
        .split_once(start)
        .unwrap_or_else(|| panic!("no {start:?} in {body}"))
        .1;
    rest.split_once(end).map_or(rest, |(inside, _)| inside)
}

/// An applicant for requests.
pub fn applicant(name: &str) -> Value {
    serde_json::json!({"name": name, "id_number": "079090001234", "phone": "0909000111",
                       "address": "Số 12 đường Lê Lợi, phường Bến Thành"})
}

/// Writes the test functions for both backends.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::Backend::Postgres).await;
                }
            )*
        }
    };
}

/// A scratch directory of this test process, removed when the test passes (kept after a
/// failure, to look at).
pub struct Scratch(PathBuf);

impl Scratch {
    /// A new, empty directory.
    pub fn new(name: &str) -> Self {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl std::ops::Deref for Scratch {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}
