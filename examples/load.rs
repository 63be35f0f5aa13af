//! A load tool: N concurrent HTTP clients against a kentai
//! server, then throughput and latency percentiles.
//!
//! The benches measure one desk at a time (sequential requests); this tool
//! answers the other question — how many registrations or scans per second
//! the whole server takes when every desk of a busy PCR centre sends at
//! once, and how long each waits. The issue's target on SQLite is ≥ 2,000
//! registrations/s with p99 < 50 ms.
//!
//! Each client is closed-loop: it sends its next request when the answer to
//! the previous one has arrived, over its own keep-alive connection. Every
//! answer that arrives inside the measured window counts; percentiles are
//! exact (nearest rank over all samples of the 2xx answers). Non-2xx
//! answers and transport errors are counted by status and the first few are
//! printed; the exit status is 1 if any request failed (warm-up included).
//!
//! `--slow N --streams M` adds the soak: N connections that trickle request
//! bodies (a byte a second to `POST /signin` and `POST /api/v1/specimens`,
//! from another loopback address, reconnecting a second after the server
//! drops them) and M station event streams held open, for the whole run. The
//! desks' percentiles are then what they get while under that attack; a
//! stream that ends early counts as a failure, the slow connections'
//! answers (408, 429) are only reported.
//!
//! ```sh
//! # The soak: 64 desks, 1,000 slow bodies from 127.0.0.2, 500 streams, 60 s.
//! cargo run --release --example load -- --spawn sqlite --kind mixed --clients 64 \
//!     --duration 60 --slow 1000 --streams 500
//!
//! # Against a server that is already running (any database):
//! KENTAI_TOKEN=kt_… cargo run --release --example load -- \
//!     --url http://127.0.0.1:8080 --kind registrations --clients 64 --duration 10
//!
//! # Self-contained: starts target/release/kentai serve on a temporary SQLite
//! # file (or a fresh PostgreSQL database) and kills it at the end. Build the
//! # server first:
//! cargo build --release --bin kentai --example load
//! cargo run --release --example load -- --spawn sqlite --kind registrations
//! cargo run --release --example load -- --spawn postgres --kind mixed --json
//! ```

// A failed assumption here is a failed test or run, not a user's error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use anyhow::{bail, Context as _};
use clap::{Parser, ValueEnum};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::BufRead as _;
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// How many failures (and server log lines) are printed as they are.
const SHOWN: usize = 10;

/// The config a spawned server gets: the site (registrations need it) and
/// the station scans go to.
const CONFIG: &str = include_str!("../fixtures/site.toml");

const AFTER_HELP: &str = "\
Examples:
  KENTAI_TOKEN=kt_... cargo run --release --example load -- --url http://127.0.0.1:8080
  cargo run --release --example load -- --spawn sqlite --kind registrations --clients 64 --duration 10
  cargo run --release --example load -- --spawn postgres --kind scans --json

--spawn runs target/release/kentai (next to this example's executable), so
build it first: cargo build --release --bin kentai --example load";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Kind {
    /// POST /api/v1/specimens, a new specimen id each time
    Registrations,
    /// POST /api/v1/scans to --station, a new tube id each time
    Scans,
    /// Half registrations, half scans
    Mixed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Registrations => "registrations",
            Kind::Scans => "scans",
            Kind::Mixed => "mixed",
        }
    }
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Drives concurrent clients against a kentai server and prints throughput
/// and latency percentiles.
#[derive(Parser, Debug)]
#[command(name = "load", after_help = AFTER_HELP)]
struct Args {
    /// The server (ignored with --spawn)
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// A bearer token allowed to register and scan (ignored with --spawn,
    /// which uses the new database's admin)
    #[arg(long, env = "KENTAI_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Concurrent clients, each with its own keep-alive connection
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Seconds measured, after the warm-up
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Seconds of load before the measurement, not counted
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// What each request is
    #[arg(long, value_enum, default_value_t = Kind::Registrations)]
    kind: Kind,
    /// The station scans go to (a packing station when spawned)
    #[arg(long, default_value = "packing-1")]
    station: String,
    /// Spread the scans over this many stations, client c scanning at
    /// station c mod N: the first is --station, the others --station
    /// with "-2", "-3", … appended (packing stations when spawned). The
    /// default is a station per client, a site's shape: each desk has its
    /// own scanner. 1 puts every desk in one queue behind one scanner,
    /// which no real desk is
    #[arg(long)]
    stations: Option<usize>,
    /// Print the results as one JSON line on stdout
    #[arg(long)]
    json: bool,
    /// Start target/release/kentai serve on a new database and kill it at
    /// the end
    #[arg(long, value_enum)]
    spawn: Option<Backend>,
    /// With --spawn postgres: where to create (and drop) the database
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres_url: String,
    /// Slow-body connections held for the whole run: each sends a request
    /// head, then one body byte every --slow-every-ms, and reconnects when
    /// the server drops it
    #[arg(long, default_value_t = 0)]
    slow: usize,
    /// The local address the slow connections come from (another machine,
    /// as far as the server can tell)
    #[arg(long, default_value = "127.0.0.2")]
    slow_from: std::net::IpAddr,
    /// Milliseconds between two bytes of a slow body
    #[arg(long, default_value_t = 1000)]
    slow_every_ms: u64,
    /// Milliseconds a slow client waits before it reconnects (a shorter
    /// pause turns the attack into a flood of new connections)
    #[arg(long, default_value_t = 1000)]
    slow_pause_ms: u64,
    /// Station event streams held open for the whole run
    #[arg(long, default_value_t = 0)]
    streams: usize,
    /// The station the streams watch (default: --station, so every scan
    /// there goes out to every stream); with --spawn another name is added
    /// as a quiet storage station
    #[arg(long)]
    streams_station: Option<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("load: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    if args.clients == 0 {
        bail!("--clients must be at least 1");
    }
    if !(args.duration > 0.0 && args.duration.is_finite()) {
        bail!("--duration must be a positive number of seconds");
    }
    if !(args.warmup >= 0.0 && args.warmup.is_finite()) {
        bail!("--warmup must be zero or a positive number of seconds");
    }
    let server = match args.spawn {
        Some(backend) => Some(Spawned::start(backend, &args)?),
        None => None,
    };
    let (base, token) = match &server {
        Some(s) => (format!("http://127.0.0.1:{}", s.port), s.token.clone()),
        None => (
            args.url.trim_end_matches('/').to_string(),
            args.token
                .clone()
                .context("no token: give --token or set KENTAI_TOKEN (or use --spawn)")?,
        ),
    };
    let started_at = chrono::Local::now();
    if !args.json {
        eprintln!(
            "load: {} from {} clients against {base} for {} s after {} s of warm-up ({})",
            args.kind.name(),
            args.clients,
            args.duration,
            args.warmup,
            started_at.format("%Y-%m-%d %H:%M:%S %Z")
        );
    }
    if args.slow + args.streams > 0 {
        // A socket per slow connection and per stream, in this process too.
        let _ = rlimit::increase_nofile_limit(u64::MAX);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("tokio runtime")?;
    // The attack runs on threads of its own, so its 1,500 tasks do not
    // queue in front of the desks' in one scheduler (as they would not on
    // another machine).
    let attack_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("tokio runtime for the attack")?;
    let attack = attack_runtime.handle().clone();
    let (stats, soak) = runtime.block_on(async {
        let soak = Soak::start(&args, &base, &token, &attack).await?;
        // The desks start once the streams are open and the slow clients
        // connected, so the warm-up measures nothing of the start-up.
        let plan = Plan::new(&args, &base, token.clone());
        let stats = drive(plan, args.clients).await?;
        let soak = soak.stop().await;
        anyhow::Ok((stats, soak))
    })?;
    let mut stats = stats;
    stats.all_failures += soak.streams_failed;
    stats.examples.extend(soak.examples.iter().cloned());
    let peak_rss_kb = server.as_ref().and_then(Spawned::peak_rss_kb);
    let cpu_s = (
        server
            .as_ref()
            .and_then(|s| cpu_seconds(&s.pid().to_string())),
        cpu_seconds("self"),
    );
    let server_warnings = server.as_ref().map(|s| s.warnings.load(Ordering::Relaxed));
    let spawned = server.as_ref().map(|s| (s.backend, s.pid()));
    // Kills the server and drops its database.
    drop(server);
    let results = Results {
        args: &args,
        base: &base,
        started_at,
        stats: &stats,
        peak_rss_kb,
        cpu_s,
        server_warnings,
        spawned,
        soak: &soak,
    };
    results.print_failures();
    if args.json {
        println!("{}", results.json());
    } else {
        results.print();
    }
    if stats.all_failures > 0 {
        bail!("{} request(s) failed", stats.all_failures);
    }
    Ok(())
}

/// What every client needs to build its requests.
struct Plan {
    kind: Kind,
    specimens: String,
    scans: String,
    token: String,
    /// The stations scans go to, one per client in turn.
    stations: Vec<String>,
    /// Makes the ids of this run unique on a server that has seen others.
    prefix: String,
    collected_at: String,
    onset_date: String,
    start: Instant,
    measure_from: Instant,
    until: Instant,
}

impl Plan {
    fn new(args: &Args, base: &str, token: String) -> Plan {
        let now = chrono::Utc::now();
        let collected = now - chrono::Duration::hours(1);
        let onset = collected
            .with_timezone(&chrono_tz::Asia::Tokyo)
            .date_naive()
            - chrono::Duration::days(2);
        let start = Instant::now();
        let measure_from = start + Duration::from_secs_f64(args.warmup);
        Plan {
            kind: args.kind,
            specimens: format!("{base}/api/v1/specimens"),
            scans: format!("{base}/api/v1/scans"),
            token,
            stations: station_names(args),
            prefix: format!("L{:x}-{}", now.timestamp(), std::process::id()),
            collected_at: collected.to_rfc3339(),
            onset_date: onset.to_string(),
            start,
            measure_from,
            until: measure_from + Duration::from_secs_f64(args.duration),
        }
    }

    /// A valid registration, as `registration()` in tests/suite/common.
    fn registration(&self, id: &str) -> Value {
        json!({
            "specimen_id": id,
            "patient": {
                "name": "山田 太郎", "name_kana": "ヤマダ タロウ", "birth_date": "1980-04-01",
                "sex": "male", "address": "東京都新宿区1-1", "phone": "03-0000-0000",
                "patient_id": format!("P-{id}")
            },
            "type": "nasopharyngeal_swab",
            "collected_at": self.collected_at,
            "onset_date": self.onset_date,
            "asymptomatic": false,
            "test_method": "pcr",
            "ppe": ["surgical_mask", "n95", "eye_protection", "gown", "gloves"]
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Request {
    Registration,
    Scan,
}

/// The answers of one kind of request inside the window.
#[derive(Default)]
struct Tally {
    /// Latency of each 2xx answer, µs.
    latencies_us: Vec<u64>,
    /// Non-2xx answers by status, and transport errors.
    failed: BTreeMap<String, u64>,
}

impl Tally {
    fn ok(&self) -> u64 {
        self.latencies_us.len() as u64
    }

    fn failed(&self) -> u64 {
        self.failed.values().sum()
    }

    fn merge(&mut self, other: Tally) {
        self.latencies_us.extend(other.latencies_us);
        for (k, n) in other.failed {
            *self.failed.entry(k).or_default() += n;
        }
    }
}

#[derive(Default)]
struct Stats {
    registrations: Tally,
    scans: Tally,
    /// Answers during the warm-up: ok, failed.
    warmup: (u64, u64),
    /// What the scans did (`accepted`, `refused: <code>`).
    scan_outcomes: BTreeMap<String, u64>,
    /// The first failures: when (since the start) and what.
    examples: Vec<(Duration, String)>,
    /// Failures in total, warm-up included.
    all_failures: u64,
}

impl Stats {
    fn merge(&mut self, other: Stats) {
        self.registrations.merge(other.registrations);
        self.scans.merge(other.scans);
        self.warmup.0 += other.warmup.0;
        self.warmup.1 += other.warmup.1;
        for (k, n) in other.scan_outcomes {
            *self.scan_outcomes.entry(k).or_default() += n;
        }
        self.examples.extend(other.examples);
        self.all_failures += other.all_failures;
    }

    fn all(&self) -> Tally {
        let mut t = Tally::default();
        for part in [&self.registrations, &self.scans] {
            t.latencies_us.extend_from_slice(&part.latencies_us);
            for (k, n) in &part.failed {
                *t.failed.entry(k.clone()).or_default() += n;
            }
        }
        t
    }
}

async fn drive(plan: Plan, clients: usize) -> anyhow::Result<Stats> {
    let plan = Arc::new(plan);
    let mut tasks = Vec::with_capacity(clients);
    for c in 0..clients {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(1)
            .tcp_nodelay(true)
            .build()
            .context("HTTP client")?;
        tasks.push(tokio::spawn(client_loop(plan.clone(), client, c)));
    }
    let mut stats = Stats::default();
    for task in tasks {
        match task.await {
            Ok(s) => stats.merge(s),
            Err(e) => {
                stats.all_failures += 1;
                stats
                    .examples
                    .push((plan.start.elapsed(), format!("client task failed: {e}")));
            }
        }
    }
    stats.examples.sort_by_key(|(at, _)| *at);
    Ok(stats)
}

/// One client: the next request when the previous answer has arrived,
/// until the window closes.
async fn client_loop(plan: Arc<Plan>, client: reqwest::Client, c: usize) -> Stats {
    let mut stats = Stats::default();
    let mut n: usize = 0;
    while Instant::now() < plan.until {
        let what = match plan.kind {
            Kind::Registrations => Request::Registration,
            Kind::Scans => Request::Scan,
            Kind::Mixed if (n + c) % 2 == 0 => Request::Registration,
            Kind::Mixed => Request::Scan,
        };
        let id = format!("{}-{c}-{n}", plan.prefix);
        n += 1;
        let request = match what {
            Request::Registration => client.post(&plan.specimens).json(&plan.registration(&id)),
            Request::Scan => client
                .post(&plan.scans)
                .json(&json!({"station": plan.stations[c % plan.stations.len()], "data": id})),
        }
        .bearer_auth(&plan.token);
        let sent = Instant::now();
        let answer = match request.send().await {
            Ok(res) => {
                let status = res.status();
                res.bytes().await.map(|body| (status, body))
            }
            Err(e) => Err(e),
        };
        let done = Instant::now();
        let failure = match &answer {
            Ok((status, _)) if status.is_success() => None,
            Ok((status, body)) => Some((
                status.as_u16().to_string(),
                format!(
                    "{id}: {status} {}",
                    String::from_utf8_lossy(&body[..body.len().min(300)])
                ),
            )),
            Err(e) => Some((
                format!("error: {}", error_kind(e)),
                format!("{id}: {}", error_text(e)),
            )),
        };
        if let Some((_, text)) = &failure {
            stats.all_failures += 1;
            if stats.examples.len() < SHOWN {
                stats.examples.push((sent - plan.start, text.clone()));
            }
        }
        if done < plan.measure_from {
            match failure {
                None => stats.warmup.0 += 1,
                Some(_) => stats.warmup.1 += 1,
            }
            continue;
        }
        if done > plan.until {
            break;
        }
        let tally = match what {
            Request::Registration => &mut stats.registrations,
            Request::Scan => &mut stats.scans,
        };
        match failure {
            None => {
                tally
                    .latencies_us
                    .push(done.duration_since(sent).as_micros() as u64);
                if what == Request::Scan {
                    if let Ok((_, body)) = &answer {
                        *stats.scan_outcomes.entry(scan_outcome(body)).or_default() += 1;
                    }
                }
            }
            Some((key, _)) => *tally.failed.entry(key).or_default() += 1,
        }
    }
    stats
}

fn error_kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else if e.is_body() || e.is_decode() {
        "body"
    } else {
        "request"
    }
}

/// The error and its causes ("… connection refused").
fn error_text(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `accepted` or `refused: <code>` from a scan's answer.
fn scan_outcome(body: &[u8]) -> String {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return "unreadable answer".into();
    };
    let outcome = &v["outcome"];
    if outcome.is_null() {
        "not processed".into()
    } else if outcome["accepted"] == true {
        "accepted".into()
    } else {
        format!("refused: {}", outcome["code"].as_str().unwrap_or("no code"))
    }
}

/// The `p`th percentile (`p` in thousandths of a percent: 99.9 → 99_900)
/// by nearest rank over sorted samples.
fn nearest_rank(sorted: &[u64], p_milli: u64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let n = sorted.len() as u128;
    let rank = (u128::from(p_milli) * n).div_ceil(100_000).clamp(1, n);
    sorted[rank as usize - 1]
}

/// p50, p90, p99, p99.9 and max in ms.
fn percentiles(latencies_us: &[u64]) -> [(&'static str, f64); 5] {
    let mut sorted = latencies_us.to_vec();
    sorted.sort_unstable();
    let ms = |us: u64| us as f64 / 1000.0;
    [
        ("p50", ms(nearest_rank(&sorted, 50_000))),
        ("p90", ms(nearest_rank(&sorted, 90_000))),
        ("p99", ms(nearest_rank(&sorted, 99_000))),
        ("p99.9", ms(nearest_rank(&sorted, 99_900))),
        ("max", ms(sorted.last().copied().unwrap_or(0))),
    ]
}

struct Results<'a> {
    args: &'a Args,
    base: &'a str,
    started_at: chrono::DateTime<chrono::Local>,
    stats: &'a Stats,
    peak_rss_kb: Option<u64>,
    /// CPU time over the whole run, warm-up included: server, this tool.
    cpu_s: (Option<f64>, Option<f64>),
    server_warnings: Option<usize>,
    spawned: Option<(Backend, u32)>,
    soak: &'a SoakReport,
}

impl Results<'_> {
    fn print_failures(&self) {
        let s = self.stats;
        if s.all_failures == 0 {
            return;
        }
        eprintln!(
            "load: {} request(s) failed (warm-up included); the first {}:",
            s.all_failures,
            s.examples.len().min(SHOWN)
        );
        for (at, text) in s.examples.iter().take(SHOWN) {
            eprintln!("  at {:7.3} s  {text}", at.as_secs_f64());
        }
    }

    fn print(&self) {
        let (args, s) = (self.args, self.stats);
        let all = s.all();
        println!(
            "kentai load: {} — {} clients, scanning at {} station(s), {} s measured after {} s of warm-up, started {}",
            args.kind.name(),
            args.clients,
            station_count(args),
            args.duration,
            args.warmup,
            self.started_at.format("%Y-%m-%d %H:%M:%S %Z")
        );
        match self.spawned {
            Some((backend, pid)) => println!(
                "server: {} (spawned kentai serve on {}, pid {pid})",
                self.base,
                backend.name()
            ),
            None => println!("server: {}", self.base),
        }
        println!(
            "requests: {} ok, {} failed{}   (warm-up: {} ok, {} failed)",
            all.ok(),
            all.failed(),
            by_status(&all.failed),
            s.warmup.0,
            s.warmup.1
        );
        let rate = |n: u64| n as f64 / args.duration;
        if all.failed() > 0 {
            println!(
                "throughput: {:.1} req/s ok ({:.1} req/s answered)",
                rate(all.ok()),
                rate(all.ok() + all.failed())
            );
        } else {
            println!("throughput: {:.1} req/s", rate(all.ok()));
        }
        println!("latency of ok requests, ms: {}", line(&all.latencies_us));
        if args.kind == Kind::Mixed {
            for (name, t) in [("registrations", &s.registrations), ("scans", &s.scans)] {
                println!(
                    "  {name}: {} ok, {} failed{}, {:.1} req/s; ms: {}",
                    t.ok(),
                    t.failed(),
                    by_status(&t.failed),
                    rate(t.ok()),
                    line(&t.latencies_us)
                );
            }
        }
        if !s.scan_outcomes.is_empty() {
            let parts: Vec<String> = s
                .scan_outcomes
                .iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            println!("scan outcomes: {}", parts.join(", "));
        }
        let soak = self.soak;
        if args.slow > 0 {
            println!(
                "slow bodies: {} connections from {} (a byte every {} ms, reconnecting after {} ms), {} connects in all; answers: {}",
                args.slow,
                args.slow_from,
                args.slow_every_ms,
                args.slow_pause_ms,
                soak.slow_connects,
                counts(&soak.slow_answers)
            );
        }
        if args.streams > 0 {
            println!(
                "event streams: {} opened to {}, {} still open at the end, {} failed, {} events received",
                soak.streams_opened,
                args.streams_station.as_ref().unwrap_or(&args.station),
                soak.streams_open_at_end,
                soak.streams_failed,
                soak.stream_events
            );
        }
        if let Some(kb) = self.peak_rss_kb {
            println!("server peak RSS (VmHWM): {:.1} MB", kb as f64 / 1024.0);
        }
        let wall = args.warmup + args.duration;
        match self.cpu_s {
            (Some(server), Some(tool)) => println!(
                "CPU over {wall} s (warm-up included): server {server:.1} s, this tool {tool:.1} s"
            ),
            (None, Some(tool)) => println!("CPU of this tool over {wall} s: {tool:.1} s"),
            _ => {}
        }
        if let Some(n) = self.server_warnings.filter(|n| *n > 0) {
            println!("server log: {n} warning/error line(s) (the first ones are above)");
        }
    }

    fn json(&self) -> Value {
        let (args, s) = (self.args, self.stats);
        let tally = |t: &Tally| {
            let p: serde_json::Map<String, Value> = percentiles(&t.latencies_us)
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect();
            json!({
                "ok": t.ok(),
                "failed": t.failed(),
                "failed_by_status": t.failed,
                "throughput_rps": t.ok() as f64 / args.duration,
                "latency_ms": p,
            })
        };
        let mut v = tally(&s.all());
        v["kind"] = json!(args.kind.name());
        v["stations"] = json!(station_count(args));
        v["clients"] = json!(args.clients);
        v["duration_s"] = json!(args.duration);
        v["warmup_s"] = json!(args.warmup);
        v["warmup_ok"] = json!(s.warmup.0);
        v["warmup_failed"] = json!(s.warmup.1);
        v["url"] = json!(self.base);
        v["started_at"] = json!(self.started_at.to_rfc3339());
        v["spawned"] = json!(self.spawned.map(|(b, _)| b.name()));
        v["server_peak_rss_kb"] = json!(self.peak_rss_kb);
        v["server_cpu_s"] = json!(self.cpu_s.0);
        v["load_cpu_s"] = json!(self.cpu_s.1);
        v["server_log_warnings"] = json!(self.server_warnings);
        if args.kind == Kind::Mixed {
            v["registrations"] = tally(&s.registrations);
            v["scans"] = tally(&s.scans);
        }
        if !s.scan_outcomes.is_empty() {
            v["scan_outcomes"] = json!(s.scan_outcomes);
        }
        let soak = self.soak;
        if args.slow > 0 {
            v["slow"] = json!({
                "connections": args.slow,
                "from": args.slow_from.to_string(),
                "every_ms": args.slow_every_ms,
                "pause_ms": args.slow_pause_ms,
                "connects": soak.slow_connects,
                "answers": soak.slow_answers,
            });
        }
        if args.streams > 0 {
            v["streams"] = json!({
                "opened": soak.streams_opened,
                "open_at_end": soak.streams_open_at_end,
                "failed": soak.streams_failed,
                "events": soak.stream_events,
            });
        }
        v
    }
}

fn line(latencies_us: &[u64]) -> String {
    if latencies_us.is_empty() {
        return "none (no ok requests)".into();
    }
    percentiles(latencies_us)
        .iter()
        .map(|(k, v)| format!("{k} {v:.2}"))
        .collect::<Vec<_>>()
        .join("  ")
}

fn counts(map: &BTreeMap<String, u64>) -> String {
    if map.is_empty() {
        return "none".into();
    }
    map.iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The attack around the desks: slow bodies and open event streams.
struct Soak {
    stop: tokio::sync::watch::Sender<bool>,
    slow: Vec<tokio::task::JoinHandle<(u64, BTreeMap<String, u64>)>>,
    streams: Vec<tokio::task::JoinHandle<StreamEnd>>,
    start: Instant,
}

/// What became of one event stream.
struct StreamEnd {
    opened: bool,
    /// Still open when the run ended.
    held: bool,
    events: u64,
    failure: Option<(Duration, String)>,
}

#[derive(Default)]
struct SoakReport {
    slow_connects: u64,
    /// The slow connections' answers by status line (`408`, `429`, …).
    slow_answers: BTreeMap<String, u64>,
    streams_opened: u64,
    streams_open_at_end: u64,
    streams_failed: u64,
    stream_events: u64,
    examples: Vec<(Duration, String)>,
}

impl Soak {
    async fn start(
        args: &Args,
        base: &str,
        token: &str,
        on: &tokio::runtime::Handle,
    ) -> anyhow::Result<Soak> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let start = Instant::now();
        let server: std::net::SocketAddr = base
            .trim_start_matches("http://")
            .parse()
            .with_context(|| format!("--slow needs an http://IP:PORT server, not {base}"))?;
        let mut slow = Vec::with_capacity(args.slow);
        let ports = Arc::new(LocalPorts::default());
        for i in 0..args.slow {
            let head = if i % 2 == 0 {
                "POST /signin HTTP/1.1\r\nHost: kentai\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
                    .to_string()
            } else {
                // An insider's token: the body is read, not refused at the door.
                format!(
                    "POST /api/v1/specimens HTTP/1.1\r\nHost: kentai\r\nAuthorization: Bearer {token}\r\n\
                     Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                )
            };
            slow.push(on.spawn(slow_client(
                server,
                args.slow_from,
                ports.clone(),
                head,
                Duration::from_millis(args.slow_every_ms.max(1)),
                Duration::from_millis(args.slow_pause_ms),
                stopped.clone(),
            )));
        }
        let client = reqwest::Client::builder()
            .build()
            .context("HTTP client for the streams")?;
        let watched = args.streams_station.as_ref().unwrap_or(&args.station);
        let url = format!("{base}/api/v1/stations/{watched}/events");
        let (opened_tx, mut opened_rx) = tokio::sync::mpsc::channel::<()>(args.streams.max(1));
        let mut streams = Vec::with_capacity(args.streams);
        for _ in 0..args.streams {
            streams.push(on.spawn(hold_stream(
                client.clone(),
                url.clone(),
                token.to_string(),
                stopped.clone(),
                opened_tx.clone(),
                start,
            )));
        }
        drop(opened_tx);
        // Up to 20 s for every stream to open.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        for _ in 0..args.streams {
            if tokio::time::timeout_at(deadline, opened_rx.recv())
                .await
                .ok()
                .flatten()
                .is_none()
            {
                break;
            }
        }
        if args.slow > 0 {
            // The slow clients' first heads are in.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        Ok(Soak {
            stop,
            slow,
            streams,
            start,
        })
    }

    async fn stop(self) -> SoakReport {
        let _ = self.stop.send(true);
        let mut report = SoakReport::default();
        for task in self.slow {
            if let Ok((connects, answers)) = task.await {
                report.slow_connects += connects;
                for (k, n) in answers {
                    *report.slow_answers.entry(k).or_default() += n;
                }
            }
        }
        for task in self.streams {
            match task.await {
                Ok(end) => {
                    report.streams_opened += u64::from(end.opened);
                    report.streams_open_at_end += u64::from(end.held);
                    report.stream_events += end.events;
                    if let Some(example) = end.failure {
                        report.streams_failed += 1;
                        if report.examples.len() < SHOWN {
                            report.examples.push(example);
                        }
                    }
                }
                Err(e) => {
                    report.streams_failed += 1;
                    report
                        .examples
                        .push((self.start.elapsed(), format!("stream task failed: {e}")));
                }
            }
        }
        report
    }
}

/// Local ports for the slow clients, handed out in turn.
///
/// Binding to port 0 makes the kernel search its bind table for a free
/// port, and with thousands of closed connections lingering that search
/// costs the tool a whole core at a few hundred reconnects a second: a
/// core the server on the same machine then lacks. Naming the port is one
/// lookup. The range lies below Linux's ephemeral ports, so the desks'
/// own connections never compete for it.
#[derive(Default)]
struct LocalPorts {
    next: AtomicUsize,
}

impl LocalPorts {
    const FIRST: u16 = 10_000;
    const COUNT: usize = 22_000;

    fn next(&self) -> u16 {
        let n = self.next.fetch_add(1, Ordering::Relaxed) % Self::COUNT;
        Self::FIRST + n as u16
    }
}

/// A connection to `server` from `from`, on the next local port that is
/// free (one still held by a closing connection is skipped).
async fn connect_from(
    server: std::net::SocketAddr,
    from: std::net::IpAddr,
    ports: &LocalPorts,
) -> std::io::Result<tokio::net::TcpStream> {
    let mut last = None;
    for _ in 0..16 {
        let socket = match from {
            std::net::IpAddr::V4(_) => tokio::net::TcpSocket::new_v4(),
            std::net::IpAddr::V6(_) => tokio::net::TcpSocket::new_v6(),
        }?;
        socket.set_reuseaddr(true)?;
        if let Err(e) = socket.bind((from, ports.next()).into()) {
            last = Some(e);
            continue;
        }
        match socket.connect(server).await {
            Ok(stream) => return Ok(stream),
            Err(e) if e.kind() == std::io::ErrorKind::AddrNotAvailable => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no local port")))
}

/// One slow client: a head, then a byte every `every`, until the server
/// answers or drops it; then again, until stopped. Its connects and the
/// answers' status codes.
async fn slow_client(
    server: std::net::SocketAddr,
    from: std::net::IpAddr,
    ports: Arc<LocalPorts>,
    head: String,
    every: Duration,
    pause: Duration,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) -> (u64, BTreeMap<String, u64>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut answers = BTreeMap::new();
    let mut connects = 0;
    while !*stopped.borrow() {
        let stream = match connect_from(server, from, &ports).await {
            Ok(stream) => stream,
            Err(e) => {
                *answers
                    .entry(format!("connect error: {}", e.kind()))
                    .or_default() += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        connects += 1;
        let (mut read, mut write) = stream.into_split();
        let trickle = async {
            if write.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            loop {
                tokio::time::sleep(every).await;
                if write.write_all(b"a").await.is_err() {
                    return;
                }
            }
        };
        let mut buf = vec![0u8; 1024];
        let answer = tokio::select! {
            _ = stopped.changed() => break,
            () = trickle => "dropped while writing".to_string(),
            n = read.read(&mut buf) => match n {
                Ok(0) | Err(_) => "closed without an answer".to_string(),
                Ok(n) => String::from_utf8_lossy(&buf[..n])
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("unreadable")
                    .to_string(),
            },
        };
        *answers.entry(answer).or_default() += 1;
        tokio::select! {
            _ = stopped.changed() => break,
            () = tokio::time::sleep(pause) => {}
        }
    }
    (connects, answers)
}

/// One event stream, held until stopped; ending earlier is a failure.
async fn hold_stream(
    client: reqwest::Client,
    url: String,
    token: String,
    mut stopped: tokio::sync::watch::Receiver<bool>,
    opened: tokio::sync::mpsc::Sender<()>,
    start: Instant,
) -> StreamEnd {
    let mut end = StreamEnd {
        opened: false,
        held: false,
        events: 0,
        failure: None,
    };
    let res = match client.get(&url).bearer_auth(&token).send().await {
        Ok(res) if res.status().is_success() => res,
        Ok(res) => {
            end.failure = Some((start.elapsed(), format!("stream: {}", res.status())));
            return end;
        }
        Err(e) => {
            end.failure = Some((start.elapsed(), format!("stream: {}", error_text(&e))));
            return end;
        }
    };
    end.opened = true;
    let _ = opened.send(()).await;
    let mut res = res;
    loop {
        tokio::select! {
            _ = stopped.changed() => {
                end.held = true;
                return end;
            }
            chunk = res.chunk() => match chunk {
                Ok(Some(bytes)) => {
                    end.events += String::from_utf8_lossy(&bytes).matches("event: ").count() as u64;
                }
                Ok(None) => {
                    end.failure = Some((start.elapsed(), "stream: ended by the server".into()));
                    return end;
                }
                Err(e) => {
                    end.failure = Some((start.elapsed(), format!("stream: {}", error_text(&e))));
                    return end;
                }
            },
        }
    }
}

fn by_status(failed: &BTreeMap<String, u64>) -> String {
    if failed.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = failed.iter().map(|(k, n)| format!("{k}: {n}")).collect();
    format!(" ({})", parts.join(", "))
}

/// A spawned `kentai serve`: killed, then its database removed, when
/// dropped (fields drop in this order).
struct Spawned {
    child: KillOnDrop,
    _postgres: Option<PgDatabase>,
    _dir: tempfile::TempDir,
    backend: Backend,
    port: u16,
    token: String,
    /// Warning and error lines in the server's log.
    warnings: Arc<AtomicUsize>,
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `kentai_load_<pid>` on the PostgreSQL server, dropped with this.
struct PgDatabase {
    admin_url: String,
    name: String,
}

impl PgDatabase {
    fn create(admin_url: &str) -> anyhow::Result<(PgDatabase, String)> {
        use diesel::{Connection as _, RunQueryDsl as _};
        kentai::store::init_libpq();
        let name = format!("kentai_load_{}", std::process::id());
        let mut c = diesel::PgConnection::establish(admin_url)
            .with_context(|| format!("connect to {admin_url}"))?;
        diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut c)
            .context("drop an earlier load database")?;
        diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
            .execute(&mut c)
            .with_context(|| format!("create database {name}"))?;
        let db = PgDatabase {
            admin_url: admin_url.to_string(),
            name,
        };
        let base = admin_url.split('?').next().unwrap_or(admin_url);
        let (server, _) = base
            .rsplit_once('/')
            .context("--postgres-url needs a database name (…/postgres)")?;
        let url = format!("{server}/{}", db.name);
        Ok((db, url))
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        use diesel::{Connection as _, RunQueryDsl as _};
        let dropped = diesel::PgConnection::establish(&self.admin_url)
            .map_err(anyhow::Error::from)
            .and_then(|mut c| {
                diesel::sql_query(format!(
                    "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                    self.name
                ))
                .execute(&mut c)
                .map_err(anyhow::Error::from)
            });
        if let Err(e) = dropped {
            eprintln!("load: could not drop database {}: {e:#}", self.name);
        }
    }
}

impl Spawned {
    fn start(backend: Backend, args: &Args) -> anyhow::Result<Spawned> {
        let binary = server_binary()?;
        let dir = tempfile::tempdir().context("temporary directory")?;
        let config = dir.path().join("kentai.toml");
        std::fs::write(
            &config,
            format!(
                "{CONFIG}\n{}{}",
                station_names(args)
                    .iter()
                    .map(|name| format!(
                        "[[station]]\nname = {}\nworkflow = \"packing\"\n",
                        toml_string(name)
                    ))
                    .collect::<String>(),
                match &args.streams_station {
                    Some(name) if *name != args.station => format!(
                        "\n[[station]]\nname = {}\nworkflow = \"storage\"\n",
                        toml_string(name)
                    ),
                    _ => String::new(),
                }
            ),
        )
        .context("write kentai.toml")?;
        let (postgres, database) = match backend {
            Backend::Sqlite => (
                None,
                format!("sqlite://{}", dir.path().join("kentai.db").display()),
            ),
            Backend::Postgres => {
                let (db, url) = PgDatabase::create(&args.postgres_url)?;
                (Some(db), url)
            }
        };
        let mut child = Command::new(&binary)
            .args(["serve", "--bind", "127.0.0.1:0", "--config"])
            .arg(&config)
            .arg("--database")
            .arg(&database)
            // Warnings only, but the one line with the port (target
            // `kentai`, info); not a line per request (`kentai::http`).
            .env("KENTAI_LOG", "warn,kentai=info,kentai::http=warn")
            .env_remove("KENTAI_CONFIG")
            .env_remove("KENTAI_DATABASE_URL")
            .env_remove("KENTAI_BIND")
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("start {}", binary.display()))?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let child = KillOnDrop(child);
        let (stdout, stderr) = stdout.zip(stderr).context("the server's pipes")?;

        // The server's log, for its whole life (so it never writes into a
        // closed pipe): the port, and warnings passed on.
        let warnings = Arc::new(AtomicUsize::new(0));
        let (port_tx, port_rx) = mpsc::channel();
        let counted = warnings.clone();
        std::thread::spawn(move || {
            let mut shown = 0;
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if let Some(port) = listening_port(&line) {
                    let _ = port_tx.send(port);
                    continue;
                }
                if line.contains("WARN") || line.contains("ERROR") {
                    counted.fetch_add(1, Ordering::Relaxed);
                }
                if shown < SHOWN {
                    shown += 1;
                    eprintln!("kentai: {line}");
                }
            }
        });
        let (token_tx, token_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if line.starts_with("kt_") {
                    let _ = token_tx.send(line);
                }
            }
        });
        let port = port_rx
            .recv_timeout(Duration::from_secs(60))
            .context("kentai serve did not say it was listening (its log is above)")?;
        let token = token_rx
            .recv_timeout(Duration::from_secs(10))
            .context("kentai serve printed no admin token")?;
        Ok(Spawned {
            child,
            _postgres: postgres,
            _dir: dir,
            backend,
            port,
            token,
            warnings,
        })
    }

    fn pid(&self) -> u32 {
        self.child.0.id()
    }

    /// The server's peak resident set so far, kB.
    fn peak_rss_kb(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    }
}

/// User + system CPU time of `/proc/<pid>` so far, seconds.
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name: state is field 3, utime 14, stime 15,
    // in USER_HZ (100 per second on Linux).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// target/release/kentai, next to this example (target/release/examples/).
fn server_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("this executable's path")?;
    let binary = exe
        .parent()
        .and_then(|examples| examples.parent())
        .map(|dir| dir.join(format!("kentai{}", std::env::consts::EXE_SUFFIX)))
        .context("no directory above this executable")?;
    if !binary.is_file() {
        bail!(
            "{} not found: build it first with `cargo build --release --bin kentai`",
            binary.display()
        );
    }
    Ok(binary)
}

/// The port in `kentai serve`'s "listening" log line, if this is it.
fn listening_port(line: &str) -> Option<u16> {
    line.split("port=")
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// A TOML basic string.
/// How many stations the desks scan at: --stations, or one per client.
fn station_count(args: &Args) -> usize {
    args.stations.unwrap_or(args.clients).max(1)
}

/// The stations the desks scan at: --station, then numbered siblings.
fn station_names(args: &Args) -> Vec<String> {
    (1..=station_count(args))
        .map(|n| match n {
            1 => args.station.clone(),
            n => format!("{}-{n}", args.station),
        })
        .collect()
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
