//! `motcua load`: a load generator against a running server with the demo province.
//!
//! Each client plays the desk officer, the specialist and the leader of one ward and takes
//! birth registrations through their whole lifecycle over HTTP — receipt, three steps,
//! result issued, result returned: six lifecycle actions each — with a public tracking
//! lookup and an inbox page read in between. It reports throughput and latency percentiles
//! per request kind. It only talks to loopback addresses and stops at a duration or an
//! action count, whichever comes first.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::cli_error::InputError;

#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// The server, on a loopback address (started with `motcua serve --demo`).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub target: String,
    /// How long to run, in seconds (1–600).
    #[arg(long, default_value_t = 30)]
    pub duration: u64,
    /// Concurrent clients (1–64); each works in one ward.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Stop after this many lifecycle actions in all.
    #[arg(long, default_value_t = 1_000_000)]
    pub max_actions: u64,
    /// Lifecycle actions per second in all, paced evenly over the clients (default: as fast
    /// as they go).
    #[arg(long)]
    pub rate: Option<f64>,
    /// A simulation profile (small, hcmc-2023, national-peak, or a file) whose shares of
    /// online submissions and supplement requests the clients follow.
    #[arg(long)]
    pub profile: Option<String>,
    /// The demo accounts' password.
    #[arg(long, default_value = crate::seed::DEMO_PASSWORD)]
    pub password: String,
}

const WARDS: [&str; 9] = [
    "phuong-sai-gon",
    "phuong-ben-thanh",
    "phuong-tan-dinh",
    "phuong-thu-duc",
    "phuong-binh-thanh",
    "xa-binh-chanh",
    "xa-cu-chi",
    "xa-can-gio",
    "xa-thanh-an",
];

type Samples = Arc<Mutex<BTreeMap<&'static str, Vec<u32>>>>;

struct Client {
    http: reqwest::Client,
    base: String,
    samples: Samples,
    errors: Arc<AtomicU64>,
    actions: Arc<AtomicU64>,
}

impl Client {
    async fn call(
        &self,
        kind: &'static str,
        req: reqwest::RequestBuilder,
        write: bool,
    ) -> Option<Value> {
        let start = Instant::now();
        let result = req.send().await;
        let micros = u32::try_from(start.elapsed().as_micros()).unwrap_or(u32::MAX);
        let ok = match result {
            Ok(r) if r.status().is_success() => r.json::<Value>().await.ok(),
            Ok(r) => {
                if self.errors.fetch_add(1, Ordering::Relaxed) < 5 {
                    let status = r.status();
                    eprintln!("{kind}: {status} {}", r.text().await.unwrap_or_default());
                }
                None
            }
            Err(e) => {
                if self.errors.fetch_add(1, Ordering::Relaxed) < 5 {
                    eprintln!("{kind}: {e}");
                }
                None
            }
        };
        if ok.is_some() {
            self.samples
                .lock()
                .await
                .entry(kind)
                .or_default()
                .push(micros);
            if write {
                self.actions.fetch_add(1, Ordering::Relaxed);
            }
        }
        ok
    }

    async fn login(&self, username: &str, password: &str) -> Result<String, InputError> {
        let r = self
            .http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .map_err(|e| InputError::new(format!("cannot reach {}: {e}", self.base)))?;
        if !r.status().is_success() {
            return Err(InputError::new(format!(
                "cannot log in as {username} ({}): is the server running with --demo?",
                r.status()
            )));
        }
        let body: Value = r.json().await.map_err(InputError::from_display)?;
        Ok(body["token"].as_str().unwrap_or_default().to_owned())
    }

    fn act(&self, token: &str, code: &str, action: &Value) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}/api/v1/dossiers/{code}/actions", self.base))
            .bearer_auth(token)
            .json(action)
    }
}

fn loopback(target: &str) -> Result<(), InputError> {
    let host = target
        .strip_prefix("http://")
        .ok_or_else(|| InputError::new("--target must be an http:// URL"))?
        .split(['/', ':'])
        .next()
        .unwrap_or_default();
    let host = target
        .strip_prefix("http://[")
        .and_then(|rest| rest.split(']').next())
        .unwrap_or(host);
    if matches!(host, "127.0.0.1" | "localhost" | "::1") {
        Ok(())
    } else {
        Err(InputError::new(format!(
            "--target {target}: load is only generated against loopback addresses (127.0.0.1, localhost, ::1)"
        )))
    }
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

/// What the clients do, in what shares (from a simulation profile, or the defaults).
#[derive(Debug, Clone)]
struct Mix {
    /// Share of dossiers a citizen submits online (the desk then accepts them).
    online: f64,
    /// Share of dossiers with a supplement request at the specialist's step.
    supplement: f64,
}

/// The three officials of a ward a client plays.
struct Tokens {
    desk: String,
    specialist: String,
    leader: String,
}

/// A client with its pace.
struct Step<'a> {
    client: &'a Client,
    pacer: Option<&'a mut tokio::time::Interval>,
}

impl Step<'_> {
    /// A lifecycle action, waiting for its turn when the load has a rate.
    async fn write(&mut self, kind: &'static str, req: reqwest::RequestBuilder) -> Option<Value> {
        if let Some(p) = self.pacer.as_mut() {
            p.tick().await;
        }
        self.client.call(kind, req, true).await
    }

    async fn act(&mut self, kind: &'static str, token: &str, code: &str, action: Value) -> bool {
        let req = self.client.act(token, code, &action);
        self.write(kind, req).await.is_some()
    }

    async fn read(&mut self, kind: &'static str, req: reqwest::RequestBuilder) {
        self.client.call(kind, req, false).await;
    }
}

/// One birth registration through its whole life, as the ward's officials and the citizen
/// would take it.
async fn lifecycle(
    s: &mut Step<'_>,
    t: &Tokens,
    ward: &str,
    n: &str,
    mix: &Mix,
    rng: &mut fastrand::Rng,
) {
    let c = s.client;
    let body = json!({
        "procedure_code": "1.001193",
        "unit": ward,
        "applicant": {"name": format!("Người nộp thử {n}"), "phone": "0909000111"},
        "documents": [{"component": "Giấy chứng sinh", "digitized": true}]
    });
    let code = if rng.f64() < mix.online {
        let req = c
            .http
            .post(format!("{}/api/v1/dossiers", c.base))
            .json(&body);
        let Some(created) = s.write("submit (citizen, online)", req).await else {
            return;
        };
        let code = created["code"].as_str().unwrap_or_default().to_owned();
        if !s
            .act(
                "receive (online dossier)",
                &t.desk,
                &code,
                json!({"action": "receive"}),
            )
            .await
        {
            return;
        }
        code
    } else {
        let req = c
            .http
            .post(format!("{}/api/v1/dossiers/receive", c.base))
            .bearer_auth(&t.desk)
            .json(&body);
        let Some(created) = s.write("receive (walk-in)", req).await else {
            return;
        };
        created["code"].as_str().unwrap_or_default().to_owned()
    };
    let step = || json!({"action": "complete-step"});
    if !s.act("complete-step (desk)", &t.desk, &code, step()).await {
        return;
    }
    let track = c
        .http
        .get(format!("{}/api/v1/public/dossiers/{code}", c.base));
    s.read("read: public tracking", track).await;
    let inbox = c
        .http
        .get(format!(
            "{}/api/v1/dossiers?waiting_at={ward}&limit=20",
            c.base
        ))
        .bearer_auth(&t.specialist);
    s.read("read: inbox page", inbox).await;
    if rng.f64() < mix.supplement {
        let ask = json!({"action": "request-supplement", "missing": ["Bản sao giấy tờ tùy thân"]});
        if !s.act("request-supplement", &t.specialist, &code, ask).await {
            return;
        }
        let back = json!({"action": "supplement-received"});
        if !s.act("supplement-received", &t.desk, &code, back).await {
            return;
        }
    }
    let plan: [(&'static str, &str, Value); 4] = [
        ("complete-step (specialist)", &t.specialist, step()),
        ("complete-step (leader)", &t.leader, step()),
        (
            "issue-result",
            &t.leader,
            json!({"action": "issue-result", "electronic": true}),
        ),
        (
            "return-result",
            &t.desk,
            json!({"action": "return-result", "via": "desk"}),
        ),
    ];
    for (kind, token, action) in plan {
        if !s.act(kind, token, &code, action).await {
            return;
        }
    }
}

pub async fn run(args: &LoadArgs) -> Result<(), InputError> {
    loopback(&args.target)?;
    if !(1..=600).contains(&args.duration) {
        return Err(InputError::new("--duration must be 1–600 seconds"));
    }
    if !(1..=64).contains(&args.concurrency) {
        return Err(InputError::new("--concurrency must be 1–64"));
    }
    if args.rate.is_some_and(|r| !(0.1..=100_000.0).contains(&r)) {
        return Err(InputError::new(
            "--rate must be 0.1–100000 actions per second",
        ));
    }
    let mix = match &args.profile {
        None => Mix {
            online: 0.0,
            supplement: 0.0,
        },
        Some(name) => {
            let p = crate::simulate::profile(name)?;
            Mix {
                online: p.online,
                supplement: p.supplement,
            }
        }
    };
    let samples: Samples = Arc::default();
    let errors = Arc::new(AtomicU64::new(0));
    let actions = Arc::new(AtomicU64::new(0));
    // Every client logs in first; the clock starts when all have.
    let ready = Arc::new(tokio::sync::Barrier::new(args.concurrency + 1));
    let duration = Duration::from_secs(args.duration);
    let mut workers = Vec::new();
    for w in 0..args.concurrency {
        let client = Client {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .map_err(InputError::from_display)?,
            base: args.target.trim_end_matches('/').to_owned(),
            samples: samples.clone(),
            errors: errors.clone(),
            actions: actions.clone(),
        };
        let ward = WARDS[w % WARDS.len()];
        let desk = client
            .login(&format!("{ward}-mot-cua"), &args.password)
            .await?;
        let specialist = client
            .login(&format!("{ward}-tu-phap"), &args.password)
            .await?;
        let leader = client
            .login(&format!("{ward}-chu-tich"), &args.password)
            .await?;
        let max = args.max_actions;
        let ready = ready.clone();
        let mix = mix.clone();
        let pace = args.rate.map(|r| {
            Duration::from_secs_f64(f64::from(u32::try_from(args.concurrency).unwrap_or(64)) / r)
        });
        workers.push(tokio::spawn(async move {
            ready.wait().await;
            let deadline = Instant::now() + duration;
            let mut pacer = pace.map(|p| {
                let mut i = tokio::time::interval(p);
                i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                i
            });
            let tokens = Tokens {
                desk,
                specialist,
                leader,
            };
            let mut rng = fastrand::Rng::with_seed(w as u64);
            let mut n = 0u64;
            while Instant::now() < deadline && client.actions.load(Ordering::Relaxed) < max {
                n += 1;
                let mut step = Step {
                    client: &client,
                    pacer: pacer.as_mut(),
                };
                lifecycle(
                    &mut step,
                    &tokens,
                    ward,
                    &format!("{w} {n}"),
                    &mix,
                    &mut rng,
                )
                .await;
            }
        }));
    }
    ready.wait().await;
    let started = Instant::now();
    for w in workers {
        w.await.map_err(InputError::from_display)?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let samples = samples.lock().await;
    let mut all_writes: Vec<u32> = Vec::new();
    println!(
        "{:<30} {:>8} {:>9} {:>9} {:>9} {:>9}",
        "request", "count", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    for (kind, values) in samples.iter() {
        let mut v = values.clone();
        v.sort_unstable();
        if !kind.starts_with("read") {
            all_writes.extend(&v);
        }
        println!(
            "{kind:<30} {:>8} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
            v.len(),
            percentile(&v, 0.5),
            percentile(&v, 0.9),
            percentile(&v, 0.99),
            percentile(&v, 1.0)
        );
    }
    all_writes.sort_unstable();
    let done = actions.load(Ordering::Relaxed);
    #[allow(clippy::cast_precision_loss)]
    let rate = done as f64 / elapsed;
    println!(
        "lifecycle actions: {done} in {elapsed:.1} s = {rate:.0}/s; p50 {:.2} ms, p99 {:.2} ms; {} errors; {} clients",
        percentile(&all_writes, 0.5),
        percentile(&all_writes, 0.99),
        errors.load(Ordering::Relaxed),
        args.concurrency
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_targets_are_accepted() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:1/",
            "http://[::1]:8080",
        ] {
            assert!(loopback(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1:8080",
            "https://127.0.0.1",
            "http://example.com",
            "127.0.0.1:8080",
        ] {
            assert!(loopback(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn percentiles_pick_the_right_sample() {
        let v: Vec<u32> = (1..=100).map(|i| i * 1000).collect();
        assert!(
            (percentile(&v, 0.5) - 51.0).abs() < 1e-9 || (percentile(&v, 0.5) - 50.0).abs() < 1e-9
        );
        assert!((percentile(&v, 0.99) - 99.0).abs() < 1e-9);
        assert!((percentile(&v, 1.0) - 100.0).abs() < 1e-9);
    }
}
