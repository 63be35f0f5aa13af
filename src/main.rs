//! The `kentai` command: the server and its administration commands.
//!
//! Exit status (README, "Commands"): 0 on success, 2 on bad usage or input, 1 on other
//! failure, with a one-line message on stderr. A reader that stops early
//! (`| head`) ends any command quietly with 0 (see `output`).

// Every write goes through `output`, where a closed pipe ends the command
// quietly; `println!` and `eprintln!` panic on one instead.
#![warn(clippy::print_stdout, clippy::print_stderr)]

#[macro_use]
mod output;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use kentai::actions::audit;
use kentai::actions::users::{create_user, NewUserRequest};
use kentai::actions::{ActionError, Actor, Ctx};
use kentai::barcode::{BarcodeError, Element, ParsedScan};
use kentai::config::Config;
use kentai::domain::messages::{allowed, device_columns, process_lang, CliMsg, InputMsg};
use kentai::domain::roles::Role;
use kentai::startup::Application;
use kentai::store::{backup, DatabaseTarget, Store};
use serde::Serialize;
use std::ffi::OsString;
use std::io::{BufRead as _, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "kentai",
    version,
    about = "Specimen tracking for clinics, labs and health centres"
)]
struct Cli {
    /// Configuration file (default: kentai.toml if present)
    #[arg(long, global = true, env = "KENTAI_CONFIG")]
    config: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://…
    #[arg(long, global = true, env = "KENTAI_DATABASE_URL")]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (creates and migrates the database on first run)
    Serve {
        /// Address to listen on (default 127.0.0.1:8080)
        #[arg(long, env = "KENTAI_BIND")]
        bind: Option<String>,
    },
    /// Apply pending database migrations and exit
    Migrate,
    /// Manage users
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Barcode tools
    Barcode {
        #[command(subcommand)]
        command: BarcodeCommand,
    },
    /// The health centre's reports
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// List the configured scanners (present or absent) and the serial
    /// ports and USB devices no [[scanner]] names; a running server's live
    /// state is at GET /api/v1/devices
    Devices {
        /// One JSON object per line instead of a table
        #[arg(long)]
        json: bool,
        /// Print udev rules that give the kentai group the attached USB
        /// scanners the package's 61-kentai.rules does not cover
        #[arg(long, conflicts_with = "json")]
        udev: bool,
    },
    /// Check the configuration, database, clock, scanners, printers,
    /// backups and TLS files; print each with ✓/✗ and a fix; exit 1 when
    /// any check fails
    Doctor {
        /// One JSON object per check instead of lines
        #[arg(long)]
        json: bool,
    },
    /// The tamper-evident audit log
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Copy the SQLite database to a new file while the server runs (one
    /// consistent snapshot, checked, then renamed into place)
    Backup {
        /// The new file (must not exist); without it, a dated copy in
        /// [backup] dir
        #[arg(required_unless_present = "scheduled")]
        path: Option<PathBuf>,
        /// The daily run (kentai-backup.timer): a dated copy in [backup]
        /// dir, its audit checked, older copies pruned by keep_daily and
        /// keep_weekly, the outcome left for the admin page
        #[arg(long, conflicts_with = "path")]
        scheduled: bool,
    },
    /// Put a backup in place of the SQLite database, then migrate it to
    /// this version (stop the server first)
    Restore {
        /// A file made by `kentai backup`
        path: PathBuf,
        /// Replace a database that already holds specimens
        #[arg(long)]
        force: bool,
    },
    /// Play scans into a pseudo-terminal as a serial scanner would (for
    /// demos and tests): point a [[scanner]] path at LINK
    Simulate {
        /// Where to link the simulated scanner's tty (e.g. /tmp/scanner-1)
        #[arg(long)]
        link: PathBuf,
        /// Bytes per second pace as on a serial line (0: as fast as possible)
        #[arg(long, default_value_t = 9600)]
        baud: u32,
        /// cr | lf | crlf | tab | stx_etx | none
        #[arg(long, default_value = "cr")]
        suffix: String,
        /// From creating the link to the first scan, for the server to open
        /// the tty
        #[arg(long, default_value_t = 1000)]
        wait_ms: u64,
        /// Least pause between scans (a later stdin line is typed at once)
        #[arg(long, default_value_t = 500)]
        interval_ms: u64,
        /// Keep the scanner "plugged in" this long after the last scan
        #[arg(long, default_value_t = 500)]
        hold_ms: u64,
        /// Scans (default: each line of stdin, typed as it arrives; end with
        /// EOF); write GS as \x1d
        scans: Vec<String>,
    },
    /// Play a message file as an analyser sends it (for demos and tests):
    /// ASTM through a pseudo-terminal or TCP, HL7 over MLLP
    SimulateAnalyzer {
        /// An ASTM message (records, one per line) or an HL7 message or batch
        file: PathBuf,
        /// Connect to kentai's listener at ADDR:PORT (an hl7_mllp or astm_tcp
        /// [[analyzer]])
        #[arg(long, conflicts_with_all = ["link", "listen"])]
        connect: Option<String>,
        /// Listen at ADDR:PORT and send to kentai when it connects (an
        /// astm_tcp [[analyzer]] with connect)
        #[arg(long, conflicts_with = "link")]
        listen: Option<String>,
        /// Make a pseudo-terminal at this path (an astm_serial [[analyzer]]'s
        /// path)
        #[arg(long)]
        link: Option<PathBuf>,
        /// From creating the link to the first byte, for the server to open it
        #[arg(long, default_value_t = 2500)]
        wait_ms: u64,
        /// bad-checksum | nak-storm | drop-eot | unplug
        #[arg(long)]
        fault: Option<String>,
    },
}

#[derive(Subcommand)]
enum BarcodeCommand {
    /// Parse scans and print one JSON object per line; exits 2 if any scan
    /// is invalid
    Parse {
        /// Input must be GS1: scan data with an AIM identifier, a bracketed
        /// element string or a GS1 Digital Link URI
        #[arg(long)]
        gs1: bool,
        /// Scans (GS as the raw byte 0x1D); none: one per line on stdin
        #[arg(value_name = "SCAN")]
        scans: Vec<OsString>,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// The day's HER-SYS-style report on stdout
    Hersys {
        /// The report's day, YYYY-MM-DD (site time zone)
        #[arg(long)]
        date: chrono::NaiveDate,
        /// csv | json | fhir
        #[arg(long, default_value = "csv")]
        format: String,
        /// CSV only: utf8 (with BOM) | sjis
        #[arg(long, default_value = "utf8")]
        encoding: String,
        /// Only this facility's specimens (its code)
        #[arg(long)]
        facility: Option<String>,
    },
    /// The day's counts and turnaround as JSON on stdout
    Summary {
        #[arg(long)]
        date: chrono::NaiveDate,
        #[arg(long)]
        facility: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain, replay the record changes it holds and compare
    /// them with the tables; exit 1 naming the first row that does not fit
    /// and every record (table, key, field) that differs
    Verify {
        /// A head written down earlier (`COUNT:HASH`, as verify and the day
        /// summary print it): the chain's row COUNT must still carry HASH
        #[arg(long, value_name = "COUNT:HASH")]
        expect: Option<audit::Expected>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user and print its API token (alone on the last line)
    Add {
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// For a health_centre user: another facility code whose server
        /// accepts its token too (repeat for several)
        #[arg(long = "facility", value_name = "CODE")]
        facilities: Vec<String>,
        /// Give the user the password on the first line of standard input
        /// (and print no token)
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password: typed without echo at a terminal, else the
    /// first line of standard input; the user's sessions end
    Passwd { name: String },
}

/// The password on the first line of standard input (its line end
/// dropped), or asked for without echo at a terminal.
fn read_password() -> Result<String, Failure> {
    use std::io::IsTerminal;
    let line = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(tell(CliMsg::PasswordPrompt))?
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        line
    };
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        return Err(bad_input(anyhow::anyhow!(tell(CliMsg::PasswordMissing))));
    }
    Ok(password)
}

/// A password the rules refuse, as the command's bad input.
fn check_password(password: &str, name: &str) -> Result<(), Failure> {
    kentai::domain::passwords::check(password, name).map_err(|problem| {
        bad_input(anyhow::anyhow!(tell(
            kentai::domain::messages::InputMsg::PasswordRefused { problem }
        )))
    })
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::from_code(s)
        .ok_or_else(|| "expected one of: reception, lab, health_centre, admin".to_string())
}

/// A failure with the exit status it deserves.
struct Failure {
    status: u8,
    error: anyhow::Error,
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            status: 1,
            error: e.into(),
        }
    }
}

/// A catalogue sentence in the CLI's language (`LANG`).
fn tell(message: impl Into<kentai::domain::Msg>) -> String {
    message.into().render(process_lang())
}

/// `text` padded to `width` terminal columns (a kana or kanji takes two),
/// for the devices table.
fn pad(text: &str, width: usize) -> String {
    let wide = |c: char| matches!(c, '\u{1100}'..='\u{115f}' | '\u{2e80}'..='\u{a4cf}' | '\u{ac00}'..='\u{d7a3}' | '\u{f900}'..='\u{faff}' | '\u{fe30}'..='\u{fe4f}' | '\u{ff00}'..='\u{ff60}' | '\u{ffe0}'..='\u{ffe6}');
    let columns: usize = text.chars().map(|c| if wide(c) { 2 } else { 1 }).sum();
    format!("{text}{} ", " ".repeat(width.saturating_sub(columns)))
}

/// Where the audit chain breaks, as the CLI says it.
fn chain_break(broken: &audit::ChainBreak) -> CliMsg {
    use audit::ChainBreak::*;
    let (head_last, head_rows, found_rows) = match broken {
        Truncated {
            head_last,
            head_rows,
            found_rows,
            ..
        } => (*head_last, *head_rows, *found_rows),
        Rewritten { found_rows, .. } => (0, 0, *found_rows),
        _ => (0, 0, 0),
    };
    CliMsg::AuditChainBroken {
        row: broken.row(),
        kind: broken.kind().into(),
        head_last,
        head_rows,
        found_rows,
    }
}

/// A record that differs from the chain, or a missing guard, as the CLI
/// says it.
fn audit_finding(finding: &audit::Finding) -> CliMsg {
    use audit::Finding::*;
    match finding.clone() {
        Changed { table, key, fields } => CliMsg::AuditRecordChanged {
            table,
            row: key,
            fields: fields.join(", "),
        },
        Deleted { table, key } => CliMsg::AuditRecordDeleted { table, row: key },
        Inserted { table, key } => CliMsg::AuditRecordInserted { table, row: key },
        Unclaimed { table, key, op } => CliMsg::AuditRecordUnclaimed {
            table,
            row: key,
            op,
        },
        TriggerMissing { name } => CliMsg::AuditTriggerMissing { name },
        NoBaseline => CliMsg::AuditNoBaseline,
    }
}

/// Every problem of a check, one message each.
fn audit_problems(check: &audit::Check) -> Vec<String> {
    let mut problems: Vec<String> = check
        .chain
        .as_ref()
        .err()
        .map(|b| tell(chain_break(b)))
        .into_iter()
        .collect();
    problems.extend(check.findings.iter().map(|f| tell(audit_finding(f))));
    problems
}

/// Applies migrations as every command does, keeping the audit chain
/// over the records, and says what happened to the chain.
fn migrate_store(store: &Store) -> Result<usize, Failure> {
    let migrated = audit::migrate(store)?;
    if migrated.sealed > 0 {
        say!(
            "{}",
            tell(CliMsg::AuditRowsSealed {
                count: migrated.sealed
            })
        );
    }
    if migrated.baseline {
        say!("{}", tell(CliMsg::AuditBaselineRecorded));
    }
    Ok(migrated.applied)
}

fn bad_input(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        status: 2,
        error: error.into(),
    }
}

fn main() -> ExitCode {
    // What the CLI says follows the locale (Japanese unless it is English).
    kentai::domain::messages::set_process_lang(kentai::domain::Lang::from_env());
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            // Bad usage exits 2 with one line on stderr.
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or("bad usage");
            say!(
                "{} (see kentai --help)",
                first.trim_start_matches("error: ")
            );
            return ExitCode::from(2);
        }
        Err(e) => {
            // --help and --version
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        // A log reader that goes away (a closed pipe) must not take the
        // server down: tracing would otherwise eprintln! and panic.
        .log_internal_errors(false)
        .with_env_filter(log_filter());
    if kentai::service::logs_to_journal() {
        // The journal stamps each line itself.
        logs.without_time().init();
    } else {
        logs.init();
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // Whoever read stdout has what they wanted (`| head`); whatever
        // failed after that is its echo, not news.
        Err(_) if output::reader_gone() => ExitCode::SUCCESS,
        Err(f) => {
            let message = format!("{:#}", f.error).replace('\n', " ");
            say!("{message}");
            ExitCode::from(f.status)
        }
    }
}

/// `KENTAI_LOG` (`info` when unset), with actix's extractors kept at
/// `info` whatever it says: at DEBUG they log the raw request path of a
/// body, path or query they could not read, and a path can hold a patient
/// number (`/api/v1/patients/…`); the answer already says what was wrong.
fn log_filter() -> tracing_subscriber::EnvFilter {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KENTAI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    match "actix_web::types=info".parse() {
        Ok(directive) => filter.add_directive(directive),
        Err(_) => filter,
    }
}

fn load_config(cli: &Cli) -> Result<Config, Failure> {
    // The flags and their env vars were read by clap; the config file's own
    // env overrides (KENTAI_SITE__…, KENTAI_POLICY__…) are applied here.
    let mut config = Config::load(cli.config.as_deref(), std::env::vars()).map_err(bad_input)?;
    if let Some(db) = &cli.database {
        config.database = db.clone();
    }
    Ok(config)
}

fn run(cli: Cli) -> Result<(), Failure> {
    // Parsing barcodes needs no configuration: a broken kentai.toml in the
    // current directory must not stop it.
    if let Command::Barcode {
        command: BarcodeCommand::Parse { gs1, scans },
    } = cli.command
    {
        return barcode_parse(gs1, scans);
    }
    if let Command::Simulate {
        link,
        baud,
        suffix,
        wait_ms,
        interval_ms,
        hold_ms,
        scans,
    } = cli.command
    {
        return simulate(SimulateArgs {
            link,
            baud,
            suffix,
            wait: Duration::from_millis(wait_ms),
            interval: Duration::from_millis(interval_ms),
            hold: Duration::from_millis(hold_ms),
            scans,
        });
    }
    if let Command::SimulateAnalyzer {
        file,
        connect,
        listen,
        link,
        wait_ms,
        fault,
    } = cli.command
    {
        let target = match (connect, listen, link) {
            (Some(address), _, _) => Some(kentai::simulate::analyzer::Target::Connect(address)),
            (None, Some(address), _) => Some(kentai::simulate::analyzer::Target::Listen(address)),
            (None, None, Some(link)) => Some(kentai::simulate::analyzer::Target::Link(link)),
            (None, None, None) => None,
        };
        return simulate_analyzer(file, target, Duration::from_millis(wait_ms), fault);
    }
    if let Command::Doctor { json } = cli.command {
        return doctor(&cli, json);
    }
    let mut config = load_config(&cli)?;
    match cli.command {
        Command::Serve { bind } => {
            if let Some(bind) = bind {
                config.bind = bind;
            }
            // A configuration mistake is the person's to fix: exit 2.
            config.validate().map_err(bad_input)?;
            serve(config)
        }
        Command::Migrate => {
            let store = Store::open(&config.database)?;
            let n = migrate_store(&store)?;
            say!(
                "{}",
                tell(CliMsg::MigrationsApplied {
                    count: n,
                    database: config.database.clone(),
                })
            );
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify { expect },
        } => {
            let store = Store::open(&config.database)?;
            let check = audit::check(&store, expect.as_ref())?;
            if let Ok(v) = &check.chain {
                let mut out = output::stdout();
                writeln!(
                    out,
                    "{}",
                    tell(CliMsg::AuditChainOk {
                        rows: v.rows,
                        last_id: v.last_id,
                        head: v.last_hash.clone(),
                    })
                )?;
                if check.findings.is_empty() {
                    writeln!(
                        out,
                        "{}",
                        tell(CliMsg::AuditRecordsMatch {
                            tables: kentai::store::capture::COVERED.len(),
                        })
                    )?;
                }
            }
            if check.is_ok() {
                return Ok(());
            }
            let problems = audit_problems(&check);
            // The chain's own break is the closing line, as scripts expect;
            // each record that differs gets a line of its own before it.
            let last = match &check.chain {
                Err(broken) => tell(chain_break(broken)),
                Ok(_) => tell(CliMsg::AuditRecordsDiffer {
                    count: problems.len(),
                }),
            };
            for p in problems.iter().filter(|p| **p != last) {
                say!("{p}");
            }
            Err(Failure {
                status: 1,
                error: anyhow::anyhow!(last),
            })
        }
        Command::User {
            command:
                UserCommand::Add {
                    name,
                    role,
                    facilities,
                    password_stdin,
                },
        } => {
            // Read and checked before anything is written.
            let password = match password_stdin {
                true => {
                    let password = read_password()?;
                    check_password(&password, &name)?;
                    Some(password)
                }
                false => None,
            };
            let store = Store::open(&config.database)?;
            migrate_store(&store)?;
            let ctx = Ctx::new(store, config).map_err(bad_input)?;
            kentai::actions::users::adopt_unassigned(&ctx)?;
            let created = create_user(
                &ctx,
                &Actor::system(),
                &NewUserRequest {
                    name,
                    role,
                    facilities,
                },
            )
            .map_err(|e| match e {
                ActionError::Invalid(_) | ActionError::Conflict(_) => bad_input(e),
                other => other.into(),
            })?;
            let mut out = output::stdout();
            if let Some(password) = password {
                kentai::actions::passwords::set_by_name(
                    &ctx,
                    &Actor::system(),
                    &created.user.name,
                    &password,
                )?;
                writeln!(
                    out,
                    "{}",
                    tell(CliMsg::UserCreatedWithPassword {
                        name: created.user.name.clone(),
                        role: role.code().into(),
                    })
                )?;
                return Ok(());
            }
            writeln!(
                out,
                "{}",
                tell(CliMsg::UserCreated {
                    name: created.user.name.clone(),
                    role: role.code().into(),
                })
            )?;
            writeln!(out, "{}", created.token)?;
            Ok(())
        }
        Command::User {
            command: UserCommand::Passwd { name },
        } => {
            let password = read_password()?;
            check_password(&password, &name)?;
            let store = Store::open(&config.database)?;
            migrate_store(&store)?;
            let ctx = Ctx::new(store, config).map_err(bad_input)?;
            kentai::actions::passwords::set_by_name(&ctx, &Actor::system(), &name, &password)
                .map_err(|e| match e {
                    ActionError::Invalid(_) | ActionError::NotFound(_) => bad_input(e),
                    other => other.into(),
                })?;
            writeln!(output::stdout(), "{}", tell(CliMsg::PasswordSet { name }))?;
            Ok(())
        }
        Command::Devices { udev: true, .. } => udev_rules(&config),
        Command::Devices { json, .. } => devices(&config, json),
        Command::Backup {
            path: Some(path), ..
        } => {
            let source = sqlite_path(&config.database, "backup")?;
            let report = backup::backup(&source, &path).map_err(backup_failure)?;
            print_backup(&mut output::stdout(), false, &report)?;
            Ok(())
        }
        Command::Backup { path: None, .. } => scheduled_backup(&config),
        Command::Restore { path, force } => {
            let target = sqlite_path(&config.database, "restore")?;
            let problems = backup_audit_problems(&path, &target)?;
            if !problems.is_empty() {
                if !force {
                    return Err(Failure {
                        status: 1,
                        error: anyhow::anyhow!(tell(CliMsg::RestoreRefused {
                            reasons: problems.join("; "),
                        })),
                    });
                }
                for p in &problems {
                    say!("{p}");
                }
            }
            let report = backup::restore(&path, &target, force).map_err(backup_failure)?;
            // A backup from an older kentai is brought up to this one.
            let migrated = migrate_store(&Store::open(&config.database)?)?;
            let mut out = output::stdout();
            print_backup(&mut out, true, &report)?;
            writeln!(
                out,
                "{}",
                tell(CliMsg::MigrationsAppliedCount { count: migrated })
            )?;
            Ok(())
        }
        Command::Report { command } => report(config, command),
        // Handled before the configuration is loaded.
        Command::Barcode { .. }
        | Command::Simulate { .. }
        | Command::SimulateAnalyzer { .. }
        | Command::Doctor { .. } => Ok(()),
    }
}

/// The file of a SQLite database URL; PostgreSQL has its own tools.
fn sqlite_path(database: &str, what: &str) -> Result<PathBuf, Failure> {
    match DatabaseTarget::parse(database)? {
        DatabaseTarget::Sqlite(path) => Ok(path),
        DatabaseTarget::Postgres(_) => Err(bad_input(anyhow::anyhow!(tell(CliMsg::SqliteOnly {
            command: what.into(),
        })))),
    }
}

/// What is wrong with a backup's audit: its chain, its guarding
/// triggers, and its records against the chain. Checked on a scratch copy
/// beside the database (brought up to this version first), so the backup
/// itself is left as it is.
fn backup_audit_problems(
    backup_file: &std::path::Path,
    target: &std::path::Path,
) -> Result<Vec<String>, Failure> {
    if !backup_file.is_file() {
        // `backup::restore` says what is wrong with the path.
        return Ok(Vec::new());
    }
    // A directory of its own: connections the check's pool still opens
    // after it is removed cannot leave a file (or a stale WAL) for a later
    // check to read.
    let mut dir = target.as_os_str().to_owned();
    dir.push(format!(".restore-check-{}", std::process::id()));
    let dir = PathBuf::from(dir);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    let scratch = dir.join("backup.db");
    std::fs::copy(backup_file, &scratch)
        .map_err(|e| anyhow::anyhow!("{}: {e}", scratch.display()))?;
    let checked = (|| -> Result<Vec<String>, Failure> {
        let store = Store::open_scratch(&format!("sqlite://{}", scratch.display()))?;
        audit::migrate(&store)?;
        let mut check = audit::check(&store, None)?;
        // A backup from before record capture has nothing to compare yet.
        check
            .findings
            .retain(|f| !matches!(f, audit::Finding::NoBaseline));
        Ok(audit_problems(&check))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    checked
}

/// `kentai backup --scheduled`: a dated, checked copy in `[backup] dir`
/// (its audit too, as a restore would check it), then the copies past
/// retention deleted. The outcome is left in the folder's `status.json`,
/// failed or not, so the admin page can say the night's backup failed.
fn scheduled_backup(config: &Config) -> Result<(), Failure> {
    use kentai::store::backup_schedule::{self as schedule, LastRun, Retention};
    let Some(dir) = config.backup_dir() else {
        // PostgreSQL: the timer has nothing to do, and says so once a day.
        say!("{}", tell(CliMsg::BackupNotForPostgres));
        return Ok(());
    };
    let source = sqlite_path(&config.database, "backup")?;
    let now = chrono::Utc::now();
    let mut run = LastRun {
        at: now,
        ok: false,
        file: None,
        problems: Vec::new(),
        pruned: 0,
    };
    let made = (|| -> Result<backup::BackupReport, Failure> {
        std::fs::create_dir_all(&dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
        let dest = dir.join(schedule::file_name(now));
        let report = backup::backup(&source, &dest).map_err(backup_failure)?;
        Ok(report)
    })();
    let report = match made {
        Ok(report) => report,
        Err(failure) => {
            run.problems.push(failure.error.to_string());
            let _ = schedule::write_status(&dir, &run);
            return Err(failure);
        }
    };
    run.file = Some(report.path.display().to_string());
    print_backup(&mut output::stdout(), false, &report)?;
    run.problems = backup_audit_problems(&report.path, &source)?;
    if run.problems.is_empty() {
        let tz = config.time_zone().map_err(bad_input)?;
        let files = schedule::list(&dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
        let retention = Retention {
            daily: config.backup.keep_daily,
            weekly: config.backup.keep_weekly,
        };
        for old in schedule::to_prune(&files, retention, tz) {
            match std::fs::remove_file(&old) {
                Ok(()) => run.pruned += 1,
                Err(e) => run.problems.push(format!("{}: {e}", old.display())),
            }
        }
        say!(
            "{}",
            tell(CliMsg::BackupsPruned {
                removed: run.pruned,
                kept: files.len().saturating_sub(run.pruned),
            })
        );
    }
    run.ok = run.problems.is_empty();
    schedule::write_status(&dir, &run).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    if run.ok {
        Ok(())
    } else {
        Err(Failure {
            status: 1,
            error: anyhow::anyhow!(tell(CliMsg::BackupCheckFailed {
                path: report.path.display().to_string(),
                reasons: run.problems.join("; "),
            })),
        })
    }
}

fn backup_failure(e: backup::BackupError) -> Failure {
    if e.is_bad_input() {
        bad_input(e)
    } else {
        e.into()
    }
}

fn print_backup(
    out: &mut impl Write,
    restored: bool,
    report: &backup::BackupReport,
) -> std::io::Result<()> {
    let (path, bytes, pages) = (
        report.path.display().to_string(),
        report.bytes,
        report.pages,
    );
    let done = if restored {
        CliMsg::Restored { path, bytes, pages }
    } else {
        CliMsg::BackedUp { path, bytes, pages }
    };
    writeln!(out, "{}", tell(done))?;
    for (table, rows) in &report.rows {
        writeln!(out, "{table}: {rows}")?;
    }
    Ok(())
}

fn serve(config: Config) -> Result<(), Failure> {
    let bind = config.bind.clone();
    let database = config.database.clone();
    let https = config.security.tls_cert.is_some();
    let runtime = actix_web::rt::System::new();
    runtime.block_on(async move {
        let app = Application::build(config).context(tell(CliMsg::CannotStartServer))?;
        if let Some(token) = app.admin_token() {
            if kentai::service::logs_to_journal() {
                // A token in the journal would be readable by every
                // member of adm: the administrator sets the admin's
                // password instead (`kentai user passwd admin`).
                say!("{}", tell(CliMsg::AdminCreatedUnderService));
            } else {
                let mut out = output::stdout();
                writeln!(out, "{}", tell(CliMsg::AdminCreated))?;
                writeln!(out, "{token}")?;
            }
        }
        tracing::info!(%bind, %database, port = app.port(), https, "kentai listening");
        kentai::service::spawn_watchdog(app.ctx().store.clone());
        kentai::service::ready(&format!("listening on {bind}"));
        let stopped = app.run_until_stopped().await;
        kentai::service::stopping();
        stopped?;
        Ok(())
    })
}

/// One output line of `kentai barcode parse`: field order as
/// documented.
#[derive(Serialize)]
#[serde(untagged)]
enum ScanLine<'a> {
    Gs1 {
        ok: bool,
        gs1: bool,
        symbology: Option<&'a str>,
        element_string: String,
        elements: &'a [Element],
    },
    Plain {
        ok: bool,
        gs1: bool,
        symbology: Option<&'a str>,
        text: &'a str,
    },
    Invalid {
        ok: bool,
        error: ScanError<'a>,
    },
}

#[derive(Serialize)]
struct ScanError<'a> {
    code: &'static str,
    message: &'a str,
    ai: Option<&'a str>,
    position: Option<usize>,
}

fn scan_line(result: &Result<ParsedScan, BarcodeError>) -> ScanLine<'_> {
    match result {
        Ok(scan) if scan.gs1 => ScanLine::Gs1 {
            ok: true,
            gs1: true,
            symbology: scan.symbology.as_deref(),
            element_string: scan.element_string(),
            elements: &scan.elements,
        },
        Ok(scan) => ScanLine::Plain {
            ok: true,
            gs1: false,
            symbology: scan.symbology.as_deref(),
            text: &scan.text,
        },
        Err(e) => ScanLine::Invalid {
            ok: false,
            error: ScanError {
                code: "invalid_barcode",
                message: &e.message,
                ai: e.ai.as_deref(),
                position: e.position,
            },
        },
    }
}

/// `kentai barcode parse`: each scan (the arguments, else each line of
/// stdin without its LF / CRLF; empty lines skipped) gives one JSON line on
/// stdout, written as it comes so a scanner can be piped in. Exit status 0
/// when every scan parsed, 2 when any did not (all are still printed).
fn barcode_parse(gs1: bool, scans: Vec<OsString>) -> Result<(), Failure> {
    let parse_one = |bytes: &[u8]| match std::str::from_utf8(bytes) {
        Ok(text) if gs1 => kentai::barcode::parse_gs1(text),
        Ok(text) => kentai::barcode::parse(text),
        Err(_) => kentai::barcode::parse_bytes(bytes),
    };
    let mut out = output::stdout();
    let (mut total, mut invalid) = (0usize, 0usize);
    let mut emit = |bytes: &[u8]| -> Result<(), Failure> {
        let result = parse_one(bytes);
        total += 1;
        if result.is_err() {
            invalid += 1;
        }
        let line = serde_json::to_string(&scan_line(&result))?;
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .context(tell(CliMsg::CannotWriteStdout))?;
        Ok(())
    };
    if scans.is_empty() {
        each_stdin_line(emit)?;
    } else {
        // Arguments that are not UTF-8 reach the parser as bytes and are
        // refused there, with a JSON line like any bad scan.
        for scan in &scans {
            emit(scan.as_encoded_bytes())?;
        }
    }
    if invalid > 0 {
        return Err(bad_input(anyhow::anyhow!(tell(CliMsg::InvalidScans {
            invalid,
            total
        }))));
    }
    Ok(())
}

/// Calls `each` with every line of stdin the moment it is read, without
/// its LF or CRLF; empty lines are skipped. Lines are bytes: a scan need
/// not be UTF-8.
fn each_stdin_line(mut each: impl FnMut(&[u8]) -> Result<(), Failure>) -> Result<(), Failure> {
    let mut input = std::io::stdin().lock();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if input
            .read_until(b'\n', &mut buf)
            .context(tell(CliMsg::CannotReadStdin))?
            == 0
        {
            return Ok(());
        }
        let mut line = buf.as_slice();
        line = line.strip_suffix(b"\n").unwrap_or(line);
        line = line.strip_suffix(b"\r").unwrap_or(line);
        if !line.is_empty() {
            each(line)?;
        }
    }
}

fn devices(config: &Config, json: bool) -> Result<(), Failure> {
    config.validate().map_err(bad_input)?;
    let lines = kentai::scanning::devices::probe(config).map_err(bad_input)?;
    let mut out = output::stdout();
    if json {
        for line in &lines {
            writeln!(out, "{}", serde_json::to_string(line)?)?;
        }
        return Ok(());
    }
    if lines.is_empty() {
        writeln!(out, "{}", tell(CliMsg::NoDevices))?;
        return Ok(());
    }
    let [name, station, kind, target, state, detail] = device_columns(process_lang());
    writeln!(
        out,
        "{}{}{}{}{}{detail}",
        pad(name, 16),
        pad(station, 16),
        pad(kind, 13),
        pad(target, 28),
        pad(state, 15)
    )?;
    for l in &lines {
        writeln!(
            out,
            "{}{}{}{}{}{}",
            pad(l.name.as_deref().unwrap_or("-"), 16),
            pad(l.station.as_deref().unwrap_or("-"), 16),
            pad(&l.kind, 13),
            pad(&l.target, 28),
            pad(&l.state, 15),
            l.detail.as_deref().unwrap_or("")
        )?;
    }
    Ok(())
}

/// `kentai doctor`: a configuration that does not even load is the first
/// failed check, not an error before any check.
fn doctor(cli: &Cli, json: bool) -> Result<(), Failure> {
    use kentai::doctor;
    let origin = cli
        .config
        .clone()
        .or_else(|| Config::default_path(|p| p.exists()).map(PathBuf::from));
    let checks = match load_config(cli) {
        Ok(config) => doctor::run(&config, None, chrono::Utc::now()),
        Err(failure) => vec![doctor::config_failed(
            origin.as_deref(),
            &failure.error.to_string(),
        )],
    };
    let lang = process_lang();
    let mut out = output::stdout();
    for check in &checks {
        let line = check.in_lang(lang);
        if json {
            writeln!(out, "{}", serde_json::to_string(&line)?)?;
            continue;
        }
        writeln!(
            out,
            "{} {}: {}",
            check.verdict.mark(),
            line.check,
            line.found
        )?;
        if let Some(fix) = &line.fix {
            writeln!(out, "    → {fix}")?;
        }
    }
    let failed = checks
        .iter()
        .filter(|c| c.verdict == doctor::Verdict::Fail)
        .count();
    let closing = if failed == 0 {
        kentai::domain::messages::doctor::DoctorMsg::AllPassed {
            count: checks.len(),
            warnings: checks
                .iter()
                .filter(|c| c.verdict == doctor::Verdict::Warn)
                .count(),
        }
    } else {
        kentai::domain::messages::doctor::DoctorMsg::SomeFailed {
            failed,
            count: checks.len(),
        }
    };
    if !json {
        writeln!(out, "{}", closing.render(lang))?;
    }
    out.flush()?;
    if failed == 0 {
        Ok(())
    } else {
        Err(Failure {
            status: 1,
            error: anyhow::anyhow!(closing.render(lang)),
        })
    }
}

/// `kentai devices --udev`: rules for the attached USB devices with a HID
/// or serial interface whose vendor 61-kentai.rules does not list.
fn udev_rules(config: &Config) -> Result<(), Failure> {
    config.validate().map_err(bad_input)?;
    let devices =
        kentai_drivers::usb::list_devices().map_err(|e| anyhow::anyhow!(e.to_string()))?;
    let rules =
        kentai::scanning::udev::rules_for(&devices, &config.scanner_specs().map_err(bad_input)?);
    let mut out = output::stdout();
    if rules.is_empty() {
        writeln!(out, "{}", tell(CliMsg::UdevNothingToAdd))?;
        return Ok(());
    }
    writeln!(out, "{}", tell(CliMsg::UdevRulesHeader))?;
    for rule in rules {
        writeln!(out, "{rule}")?;
    }
    Ok(())
}

/// Prints what the simulated analyser saw, a line at a time.
struct Printed;

impl kentai::simulate::analyzer::Report for Printed {
    fn happened(&mut self, what: kentai::domain::messages::SimulatedLine) {
        say!("{}", tell(CliMsg::AnalyzerSimulated { what }));
    }
}

/// `kentai simulate-analyzer`: the file is read and the fault checked
/// before anything is opened.
fn simulate_analyzer(
    file: PathBuf,
    target: Option<kentai::simulate::analyzer::Target>,
    wait: Duration,
    fault: Option<String>,
) -> Result<(), Failure> {
    use kentai::simulate::analyzer::{is_hl7, send_astm, send_hl7, Fault, Target};
    let fault = match fault {
        None => None,
        Some(f) => Some(Fault::parse(&f).ok_or_else(|| {
            bad_input(anyhow::anyhow!(tell(CliMsg::BadFault { fault: f.clone() })))
        })?),
    };
    let message = std::fs::read(&file).map_err(|e| {
        bad_input(anyhow::anyhow!(tell(CliMsg::CannotReadMessageFile {
            path: file.display().to_string(),
            detail: e.to_string(),
        })))
    })?;
    let Some(target) = target else {
        return Err(bad_input(anyhow::anyhow!(tell(
            CliMsg::AnalyzerTargetMissing
        ))));
    };
    if is_hl7(&message) {
        let Target::Connect(address) = &target else {
            return Err(bad_input(anyhow::anyhow!(tell(CliMsg::Hl7NeedsConnect))));
        };
        send_hl7(&message, address, fault, &mut Printed)?;
    } else {
        if let Some((record, byte)) = kentai::simulate::analyzer::first_unsendable(&message) {
            return Err(bad_input(anyhow::anyhow!(tell(CliMsg::UnsendableRecord {
                record,
                byte
            }))));
        }
        send_astm(&message, &target, wait, fault, &mut Printed)?;
    }
    Ok(())
}

struct SimulateArgs {
    link: PathBuf,
    baud: u32,
    suffix: String,
    wait: Duration,
    interval: Duration,
    hold: Duration,
    scans: Vec<String>,
}

/// `kentai simulate`: scans given as arguments are all checked before the
/// scanner appears; lines of stdin are typed as they arrive, so the link
/// exists from the start and a line that cannot be read is reported and
/// skipped (exit 2 at the end) while the scanner stays plugged in.
fn simulate(args: SimulateArgs) -> Result<(), Failure> {
    use kentai::simulate::{unescape, Pace, Player, Pty};
    let suffix = kentai_drivers::framing::Suffix::from_code(&args.suffix).ok_or_else(|| {
        bad_input(anyhow::anyhow!(tell(CliMsg::BadSuffix {
            suffix: args.suffix.clone(),
        })))
    })?;
    let given = args
        .scans
        .iter()
        .filter(|t| !t.is_empty())
        .map(|t| {
            unescape(t).map_err(|e| {
                bad_input(anyhow::anyhow!(tell(CliMsg::BadScanText {
                    text: t.clone(),
                    detail: e.to_string(),
                })))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let pace = Pace {
        baud: (args.baud > 0).then_some(args.baud),
        suffix,
        wait: args.wait,
        interval: args.interval,
        hold: args.hold,
    };
    let mut player = Player::new(Pty::create(&args.link)?, pace);
    say!(
        "{}",
        tell(CliMsg::SimulatedScanner {
            link: args.link.display().to_string(),
            pty: player.pty().slave_path().display().to_string(),
        })
    );
    let mut type_scan = |scan: &[u8]| -> Result<(), Failure> {
        player.type_scan(scan)?;
        say!(
            "{}",
            tell(CliMsg::Sent {
                scan: String::from_utf8_lossy(scan).escape_debug().to_string(),
            })
        );
        Ok(())
    };
    let mut unreadable = 0usize;
    if args.scans.is_empty() {
        each_stdin_line(|line| match unescape(line) {
            Ok(scan) => type_scan(&scan),
            Err(e) => {
                unreadable += 1;
                say!(
                    "{}",
                    tell(CliMsg::Skipped {
                        line: String::from_utf8_lossy(line).into_owned(),
                        detail: e.to_string(),
                    })
                );
                Ok(())
            }
        })?;
    } else {
        given.iter().try_for_each(|scan| type_scan(scan))?;
    }
    player.finish();
    if unreadable > 0 {
        return Err(bad_input(anyhow::anyhow!(tell(CliMsg::UnreadableLines {
            count: unreadable
        }))));
    }
    Ok(())
}

fn report(config: Config, command: ReportCommand) -> Result<(), Failure> {
    use kentai::actions::reports::{self, ReportScope};
    use kentai::report::{csv::Encoding, Format};
    let store = Store::open(&config.database)?;
    migrate_store(&store)?;
    let ctx = Ctx::new(store, config).map_err(bad_input)?;
    kentai::actions::users::adopt_unassigned(&ctx)?;
    let as_input = |e: ActionError| match e {
        ActionError::Invalid(_) | ActionError::Forbidden(_) => bad_input(e),
        other => other.into(),
    };
    match command {
        ReportCommand::Hersys {
            date,
            format,
            encoding,
            facility,
        } => {
            let one_of = |field: &str, value: &str, allowed_values: &[&str]| {
                bad_input(anyhow::anyhow!(tell(InputMsg::NotOneOf {
                    field: field.into(),
                    value: value.into(),
                    allowed: allowed(allowed_values),
                })))
            };
            let format = Format::from_code(&format)
                .ok_or_else(|| one_of("--format", &format, &["csv", "json", "fhir"]))?;
            let encoding = Encoding::from_code(&encoding)
                .ok_or_else(|| one_of("--encoding", &encoding, &["utf8", "sjis"]))?;
            if encoding == Encoding::Sjis && format != Format::Csv {
                return Err(bad_input(anyhow::anyhow!(tell(
                    InputMsg::EncodingOnlyForCsv
                ))));
            }
            let scope = ReportScope { date, facility };
            let out = std::io::BufWriter::new(output::stdout());
            let (mut out, written) =
                reports::write_day(&ctx, &Actor::system(), &scope, format, encoding, out)
                    .map_err(as_input)?;
            out.flush()?;
            for r in &written.replacements {
                say!(
                    "{}",
                    tell(CliMsg::SjisReplaced {
                        specimen_id: r.specimen_id.clone(),
                        column: r.column.to_string(),
                        character: r.character.to_string(),
                        code_point: format!("U+{:04X}", u32::from(r.character)),
                        replaced_with: r.replaced_with.to_string(),
                    })
                );
            }
            say!(
                "{}",
                tell(CliMsg::ReportRows {
                    rows: written.rows,
                    date: date.to_string(),
                })
            );
            Ok(())
        }
        ReportCommand::Summary { date, facility } => {
            let scope = ReportScope { date, facility };
            let summary = reports::day_summary(&ctx, &Actor::system(), &scope).map_err(as_input)?;
            writeln!(
                output::stdout(),
                "{}",
                serde_json::to_string_pretty(&summary)?
            )?;
            Ok(())
        }
    }
}
