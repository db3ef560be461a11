//! `motcua serve`: the HTTP API, on the configured store, until SIGINT or SIGTERM; in-flight
//! requests finish before the process exits.

use std::net::SocketAddr;
use std::sync::Arc;

use motcua_app::{App, AppConfig, SystemClock};
use motcua_web::{AppState, Metrics};
use tokio::net::TcpListener;

use crate::cli_error::InputError;
use crate::config::{self, StoreArgs};
use crate::seed;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address to listen on (default 127.0.0.1:8080; port 0 picks a free port).
    #[arg(long, env = "MOTCUA_LISTEN")]
    pub listen: Option<String>,
    /// Log format: `text` (default) or `json`.
    #[arg(long, env = "MOTCUA_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Mark session cookies `Secure` (when served over HTTPS).
    #[arg(long, env = "MOTCUA_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// On an empty database, first add the demo province (as `motcua demo` does).
    #[arg(long)]
    pub demo: bool,
    /// For black-box tests only: a clock stopped at this instant, moved by
    /// `POST /api/test/clock`. Never use it in production.
    #[arg(long, hide = true)]
    pub test_clock: Option<String>,
}

/// Starts logging to standard error: text for people, JSON for log collectors.
pub fn init_logging(format: Option<&str>) -> Result<(), InputError> {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("MOTCUA_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = match format {
        None | Some("text") => builder.try_init(),
        Some("json") => builder.json().try_init(),
        Some(other) => {
            return Err(InputError::new(format!(
                "--log-format {other}: expected text or json"
            )));
        }
    };
    result.map_err(|e| InputError::new(format!("cannot start logging: {e}")))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

pub async fn serve(args: &ServeArgs) -> Result<(), InputError> {
    let file = args.store.file()?;
    init_logging(args.log_format.as_deref().or(file.log_format.as_deref()))?;
    let db = config::database(&args.store, &file, true)?;
    let store = config::open(&db, &args.store, &file).await?;
    seed::reference_data(store.clone()).await?;
    let empty = store
        .units()
        .await
        .map_err(InputError::from_display)?
        .is_empty();
    if args.demo && empty {
        crate::print_demo(&seed::demo(store.clone(), jiff::Timestamp::now(), 400, 2026).await?);
    } else if empty {
        tracing::warn!(
            "the database has no organisation yet: run `motcua bootstrap`, or start with --demo"
        );
    }
    let listen = args
        .listen
        .clone()
        .or(file.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let addr: SocketAddr = listen.parse().map_err(|_| {
        InputError::new(format!(
            "--listen {listen}: expected HOST:PORT, e.g. 127.0.0.1:8080"
        ))
    })?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| InputError::new(format!("cannot listen on {addr}: {e}")))?;
    let bound = listener.local_addr().map_err(InputError::from_display)?;
    let test_clock = match &args.test_clock {
        Some(t) => {
            let t: jiff::Timestamp = t
                .parse()
                .map_err(|_| InputError::new("--test-clock: expected RFC 3339 with an offset"))?;
            tracing::warn!(%t, "TEST CLOCK: time stands still until POST /api/test/clock");
            Some(Arc::new(motcua_app::ManualClock::new(t)))
        }
        None => None,
    };
    let clock: Arc<dyn motcua_app::Clock> = match &test_clock {
        Some(c) => c.clone(),
        None => Arc::new(SystemClock),
    };
    let app = Arc::new(App::new(store, clock, AppConfig::default()));
    let state = AppState {
        app,
        metrics: Arc::new(Metrics::default()),
        secure_cookies: args.secure_cookies || file.secure_cookies.unwrap_or(false),
        test_clock,
    };
    tracing::info!(%bound, database = %db, "motcua listening");
    // Tests and scripts read this line to find the port.
    println!("motcua listening on http://{bound}");
    axum::serve(listener, motcua_web::router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| InputError::new(format!("server error: {e}")))
}
