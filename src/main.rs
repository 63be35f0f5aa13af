//! The `kentai` command: the server and its administration commands.
//!
//! Exit status (API.md): 0 on success, 2 on bad usage or input, 1 on other
//! failure, with a one-line message on stderr.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use kentai::actions::users::{create_user, NewUserRequest};
use kentai::actions::{ActionError, Actor, Ctx};
use kentai::config::Config;
use kentai::domain::roles::Role;
use kentai::startup::Application;
use kentai::store::Store;
use std::path::PathBuf;
use std::process::ExitCode;

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
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user and print its API token (alone on the last line)
    Add {
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
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

fn bad_input(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        status: 2,
        error: error.into(),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            // API.md: bad usage exits 2 with one line on stderr.
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or("bad usage");
            eprintln!(
                "kentai: {} (see kentai --help)",
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
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        // A log reader that goes away (a closed pipe) must not take the
        // server down: tracing would otherwise eprintln! and panic.
        .log_internal_errors(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KENTAI_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            let message = format!("{:#}", f.error).replace('\n', " ");
            eprintln!("kentai: {message}");
            ExitCode::from(f.status)
        }
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
    let mut config = load_config(&cli)?;
    match cli.command {
        Command::Serve { bind } => {
            if let Some(bind) = bind {
                config.bind = bind;
            }
            serve(config)
        }
        Command::Migrate => {
            let store = Store::open(&config.database)?;
            let n = store.migrate()?;
            eprintln!("kentai: {n} migration(s) applied to {}", config.database);
            Ok(())
        }
        Command::User {
            command: UserCommand::Add { name, role },
        } => {
            let store = Store::open(&config.database)?;
            store.migrate()?;
            let ctx = Ctx::new(store, config).map_err(bad_input)?;
            let created = create_user(&ctx, &Actor::system(), &NewUserRequest { name, role })
                .map_err(|e| match e {
                    ActionError::Invalid(_) | ActionError::Conflict(_) => bad_input(e),
                    other => other.into(),
                })?;
            println!(
                "created user {:?} with role {}; its token (shown only now):",
                created.user.name,
                role.code()
            );
            println!("{}", created.token);
            Ok(())
        }
    }
}

fn serve(config: Config) -> Result<(), Failure> {
    let bind = config.bind.clone();
    let database = config.database.clone();
    let runtime = actix_web::rt::System::new();
    runtime.block_on(async move {
        let app = Application::build(config).context("cannot start the server")?;
        if let Some(token) = app.admin_token() {
            println!("kentai: created user \"admin\" (role admin) on this new database; its token is shown only now:");
            println!("{token}");
        }
        tracing::info!(%bind, %database, port = app.port(), "kentai listening");
        app.run_until_stopped().await?;
        Ok(())
    })
}
