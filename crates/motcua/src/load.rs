//! `motcua load`: a load generator against a running server with the demo province.
//!
//! Each client plays the desk officer, the specialist and the leader of one ward and takes
//! birth registrations through their whole lifecycle over HTTP — receipt, three steps,
//! result issued, result returned: six lifecycle actions each — with a public tracking
//! lookup and an inbox page read in between. It reports throughput and latency percentiles
//! per request kind. With a profile, the clients follow its shares (online submissions,
//! supplement requests) and its working day (the run is one working day compressed: more
//! actions in the morning session, as the simulator has them arrive), and they also look up
//! dossiers of the profile's year by code and read the unit's list, so that a server holding
//! an imported province-year is measured on its stored history, not only on what the run
//! adds. It only talks to loopback addresses and stops at a duration or an action count,
//! whichever comes first.

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
    /// Read the web pages instead (home, catalog, procedure, tracking, the submission form,
    /// sign-in, inbox, dossier page, forms 01 and 06 as PDF) as a ward's desk officer, and
    /// report each page's time and weight; writes nothing.
    #[arg(long)]
    pub pages: bool,
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

    /// A public lookup by code: found and not found are both answers, timed apart.
    async fn lookup(&self, code: &str) {
        let start = Instant::now();
        let result = self
            .http
            .get(format!("{}/api/v1/public/dossiers/{code}", self.base))
            .send()
            .await;
        let micros = u32::try_from(start.elapsed().as_micros()).unwrap_or(u32::MAX);
        let kind = match result {
            Ok(r) if r.status().is_success() => "read: code lookup, year (found)",
            Ok(r) if r.status() == reqwest::StatusCode::NOT_FOUND => {
                "read: code lookup, year (not found)"
            }
            Ok(r) => {
                if self.errors.fetch_add(1, Ordering::Relaxed) < 5 {
                    eprintln!("code lookup {code}: {}", r.status());
                }
                return;
            }
            Err(e) => {
                if self.errors.fetch_add(1, Ordering::Relaxed) < 5 {
                    eprintln!("code lookup {code}: {e}");
                }
                return;
            }
        };
        self.samples
            .lock()
            .await
            .entry(kind)
            .or_default()
            .push(micros);
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
    /// The working days of the profile's period (stored dossiers' codes carry them).
    days: Vec<jiff::civil::Date>,
    /// The working day's sessions: share of the day's time, multiple of the mean rate.
    pattern: Vec<(f64, f64)>,
}

impl Mix {
    /// A code the profile's year may have given at the ward: a working day of the period
    /// and one of the first numbers of that day.
    fn stored_code(&self, unit_code: &str, rng: &mut fastrand::Rng) -> Option<String> {
        let day = self.days.get(rng.usize(..self.days.len().max(1)))?;
        Some(format!(
            "{unit_code}-{}-{:04}",
            day.strftime("%y%m%d"),
            rng.u16(1..=3)
        ))
    }

    /// How many times the mean rate applies at `fraction` of the run (the run is one
    /// working day).
    fn intensity(&self, fraction: f64) -> f64 {
        let mut start = 0.0;
        for (time, multiple) in &self.pattern {
            if fraction < start + time {
                return *multiple;
            }
            start += time;
        }
        self.pattern.last().map_or(1.0, |(_, m)| *m)
    }
}

/// Paces one client: its share of the rate, following the day's pattern.
struct Pacer {
    gap: Duration,
    next: Instant,
    started: Instant,
    run: Duration,
}

impl Pacer {
    async fn wait(&mut self, mix: &Mix) {
        if self.next > Instant::now() {
            tokio::time::sleep_until(self.next.into()).await;
        }
        let now = Instant::now();
        let fraction = now.duration_since(self.started).as_secs_f64() / self.run.as_secs_f64();
        let multiple = mix.intensity(fraction).max(0.05);
        self.next = self.next.max(now) + self.gap.div_f64(multiple);
    }
}

/// A ward a client works in.
struct Ward {
    id: &'static str,
    /// Its unit code, the first part of its dossiers' codes.
    code: String,
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
    pacer: Option<&'a mut Pacer>,
    mix: &'a Mix,
}

impl Step<'_> {
    /// A lifecycle action, waiting for its turn when the load has a rate.
    async fn write(&mut self, kind: &'static str, req: reqwest::RequestBuilder) -> Option<Value> {
        if let Some(p) = self.pacer.as_mut() {
            p.wait(self.mix).await;
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
async fn lifecycle(s: &mut Step<'_>, t: &Tokens, ward: &Ward, n: &str, rng: &mut fastrand::Rng) {
    let c = s.client;
    let mix = s.mix;
    let ward_code = ward.code.as_str();
    let ward = ward.id;
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
    if !mix.days.is_empty() {
        let list = c
            .http
            .get(format!("{}/api/v1/dossiers?unit={ward}&limit=20", c.base))
            .bearer_auth(&t.desk);
        s.read("read: unit's dossiers, newest page", list).await;
        if let Some(stored) = mix.stored_code(ward_code, rng) {
            c.lookup(&stored).await;
        }
    }
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
    if args.pages {
        return pages(args).await;
    }
    if args.rate.is_some_and(|r| !(0.1..=100_000.0).contains(&r)) {
        return Err(InputError::new(
            "--rate must be 0.1–100000 actions per second",
        ));
    }
    let (mix, busiest) = match &args.profile {
        None => (
            Mix {
                online: 0.0,
                supplement: 0.0,
                days: Vec::new(),
                pattern: Vec::new(),
            },
            None,
        ),
        Some(name) => {
            let p = crate::simulate::profile(name)?;
            let set = motcua_domain::calendar::CalendarSet::from_toml(
                motcua_domain::calendar::OFFICIAL_VN_CALENDAR,
            )
            .map_err(InputError::from_display)?;
            let calendar = set.base();
            let days = motcua_sim::days(&p, calendar);
            let busiest = days.iter().max_by_key(|(_, n)| *n).copied();
            let pattern = busiest.map_or_else(Vec::new, |(d, _)| {
                motcua_sim::day_pattern(calendar.sessions_on(d))
            });
            let working_seconds: f64 = busiest.map_or(0.0, |(d, _)| {
                calendar
                    .sessions_on(d)
                    .iter()
                    .map(|s| f64::from(s.end_minute() - s.start_minute()) * 60.0)
                    .sum()
            });
            let peak = pattern.iter().map(|(_, m)| *m).fold(0.0, f64::max);
            (
                Mix {
                    online: p.online,
                    supplement: p.supplement,
                    days: days.into_iter().map(|(d, _)| d).collect(),
                    pattern,
                },
                busiest.map(|(d, n)| (p.name.clone(), d, n, working_seconds, peak)),
            )
        }
    };
    if let (Some((name, _, _, _, _)), false) = (&busiest, mix.pattern.is_empty()) {
        let shares: Vec<String> = mix
            .pattern
            .iter()
            .map(|(t, m)| format!("{:.0}% of the run at {m:.2}× the rate", t * 100.0))
            .collect();
        if args.rate.is_some() {
            println!("one working day of {name}: {}", shares.join(", "));
        }
    }
    let codes = unit_codes(&args.target).await?;
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
        let ward_code = codes.get(ward).cloned().ok_or_else(|| {
            InputError::new(format!(
                "the server has no unit {ward}: is it running with --demo, or with a simulated province imported?"
            ))
        })?;
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
        let gap = args.rate.map(|r| {
            Duration::from_secs_f64(f64::from(u32::try_from(args.concurrency).unwrap_or(64)) / r)
        });
        workers.push(tokio::spawn(async move {
            ready.wait().await;
            let started = Instant::now();
            let deadline = started + duration;
            let mut pacer = gap.map(|gap| Pacer {
                gap,
                next: started,
                started,
                run: duration,
            });
            let ward = Ward {
                id: ward,
                code: ward_code,
            };
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
                    mix: &mix,
                };
                lifecycle(&mut step, &tokens, &ward, &format!("{w} {n}"), &mut rng).await;
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
    let returned = samples.get("return-result").map_or(0, Vec::len);
    if let (Some((name, day, dossiers, seconds, peak)), true) = (busiest, returned > 0) {
        #[allow(clippy::cast_precision_loss)]
        let per_dossier = done as f64 / returned as f64;
        #[allow(clippy::cast_precision_loss)]
        let need = dossiers as f64 * per_dossier / seconds.max(1.0) * peak.max(1.0);
        println!(
            "{name}'s busiest day ({day}, {dossiers} dossiers) at {per_dossier:.1} actions a dossier needs {need:.1} actions/s in its busiest session: this run sustained {:.1}× that",
            rate / need.max(f64::MIN_POSITIVE)
        );
    }
    Ok(())
}

/// The pages read by `--pages`, by name: their address, with `{code}` for a dossier's code.
const PAGES: [(&str, &str); 11] = [
    ("page: home", "/"),
    ("page: catalog search", "/thu-tuc?q=dang+ky"),
    ("page: procedure", "/thu-tuc/1.001193"),
    ("page: submission form", "/thu-tuc/1.001193/nop-ho-so"),
    ("page: tracking", "/tra-cuu?ma={code}"),
    ("page: sign-in", "/dang-nhap"),
    ("page: inbox", "/can-bo?loai=dang-xu-ly"),
    ("page: intake queue", "/can-bo?loai=cho-tiep-nhan"),
    ("page: dossier", "/can-bo/ho-so/{code}"),
    ("pdf: form 01", "/can-bo/ho-so/{code}/mau/01.pdf"),
    ("pdf: form 06", "/can-bo/ho-so/{code}/mau/06.pdf"),
];

/// `--pages`: every client, signed in as Bến Thành ward's desk officer, reads the pages in
/// turn for the duration, each dossier page for another of the ward's dossiers.
async fn pages(args: &LoadArgs) -> Result<(), InputError> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()
        .map_err(InputError::from_display)?;
    let probe = Client {
        http: http.clone(),
        base: args.target.trim_end_matches('/').to_owned(),
        samples: Arc::default(),
        errors: Arc::default(),
        actions: Arc::default(),
    };
    let token = probe
        .login("phuong-ben-thanh-mot-cua", &args.password)
        .await?;
    let list = probe
        .http
        .get(format!(
            "{}/api/v1/dossiers?unit=phuong-ben-thanh&limit=200",
            probe.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .map_err(InputError::from_display)?
        .json::<Value>()
        .await
        .map_err(InputError::from_display)?;
    let codes: Vec<String> = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["received_at"].is_string())
        .filter_map(|d| d["code"].as_str().map(str::to_owned))
        .collect();
    if codes.is_empty() {
        return Err(InputError::new(
            "the ward phuong-ben-thanh has no received dossier: load a province first (motcua serve --demo, or motcua import)",
        ));
    }
    println!("{} of the ward's dossiers to open", codes.len());
    let sizes: Arc<Mutex<BTreeMap<&'static str, Vec<usize>>>> = Arc::default();
    let samples: Samples = Arc::default();
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + std::time::Duration::from_secs(args.duration);
    let codes = Arc::new(codes);
    let mut workers = Vec::new();
    for w in 0..args.concurrency {
        let (http, base, token) = (http.clone(), probe.base.clone(), token.clone());
        let (samples, sizes, errors, codes) = (
            samples.clone(),
            sizes.clone(),
            errors.clone(),
            codes.clone(),
        );
        workers.push(tokio::spawn(async move {
            // Clients start at different dossiers and move one on each round.
            let mut n = w * 17;
            while Instant::now() < deadline {
                for (kind, path) in PAGES {
                    let path = path.replace("{code}", &codes[n % codes.len()]);
                    let start = Instant::now();
                    let r = http
                        .get(format!("{base}{path}"))
                        .bearer_auth(&token)
                        .send()
                        .await;
                    let body = match r {
                        Ok(r) if r.status().is_success() => r.bytes().await.ok(),
                        Ok(r) => {
                            if errors.fetch_add(1, Ordering::Relaxed) < 5 {
                                eprintln!("{kind} {path}: {}", r.status());
                            }
                            None
                        }
                        Err(e) => {
                            if errors.fetch_add(1, Ordering::Relaxed) < 5 {
                                eprintln!("{kind} {path}: {e}");
                            }
                            None
                        }
                    };
                    let micros = u32::try_from(start.elapsed().as_micros()).unwrap_or(u32::MAX);
                    if let Some(body) = body {
                        samples.lock().await.entry(kind).or_default().push(micros);
                        sizes.lock().await.entry(kind).or_default().push(body.len());
                    }
                }
                n += 1;
            }
        }));
    }
    let started = Instant::now();
    for w in workers {
        w.await.map_err(InputError::from_display)?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let (samples, sizes) = (samples.lock().await, sizes.lock().await);
    println!(
        "{:<24} {:>7} {:>9} {:>9} {:>9} {:>10} {:>10}",
        "page", "count", "p50 ms", "p90 ms", "p99 ms", "KB median", "KB max"
    );
    let mut total = 0;
    for (kind, _) in PAGES {
        let mut v = samples.get(kind).cloned().unwrap_or_default();
        v.sort_unstable();
        let mut b = sizes.get(kind).cloned().unwrap_or_default();
        b.sort_unstable();
        total += v.len();
        #[allow(clippy::cast_precision_loss)]
        let kb = |x: Option<&usize>| x.map_or(0.0, |x| *x as f64 / 1024.0);
        println!(
            "{kind:<24} {:>7} {:>9.2} {:>9.2} {:>9.2} {:>10.1} {:>10.1}",
            v.len(),
            percentile(&v, 0.5),
            percentile(&v, 0.9),
            percentile(&v, 0.99),
            kb(b.get(b.len() / 2)),
            kb(b.last()),
        );
    }
    #[allow(clippy::cast_precision_loss)]
    let rate = total as f64 / elapsed;
    println!(
        "pages: {total} in {elapsed:.1} s = {rate:.0}/s; {} errors; {} clients",
        errors.load(Ordering::Relaxed),
        args.concurrency
    );
    Ok(())
}

/// The code of every unit, by id (a public list).
async fn unit_codes(target: &str) -> Result<BTreeMap<String, String>, InputError> {
    let base = target.trim_end_matches('/');
    let r = reqwest::get(format!("{base}/api/v1/units"))
        .await
        .map_err(|e| InputError::new(format!("cannot reach {base}: {e}")))?;
    if !r.status().is_success() {
        return Err(InputError::new(format!(
            "{base}/api/v1/units answered {}",
            r.status()
        )));
    }
    let units: Vec<Value> = r.json().await.map_err(InputError::from_display)?;
    Ok(units
        .iter()
        .filter_map(|u| Some((u["id"].as_str()?.to_owned(), u["code"].as_str()?.to_owned())))
        .collect())
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
