//! Durable state: one diesel schema over SQLite and PostgreSQL.
//!
//! A site picks its backend by URL (`sqlite://PATH` or `postgres://…`). Both
//! run the same queries through diesel's `MultiConnection`; each has its own
//! embedded migration set. On SQLite every write goes through one in-process
//! writer lock and `BEGIN IMMEDIATE`, so concurrent requests queue instead of
//! failing with "database is locked"; on PostgreSQL writers run side by side
//! and unique constraints settle races.

pub mod models;
pub mod schema;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use thiserror::Error;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database URL {0:?} is neither sqlite://PATH nor postgres://…")]
    BadUrl(String),
    #[error("cannot open the database: {0}")]
    Connect(String),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("the database writer lock is poisoned")]
    Poisoned,
}

/// Call before the process's first PostgreSQL connection. libpq uses
/// OpenSSL; initialised by libpq, OpenSSL registers an at-exit cleanup that
/// frees its state while pooled connections in other threads still use it,
/// and the process dies at exit with a double free or a segfault. This
/// initialises it first, without that cleanup. Idempotent and cheap.
pub fn init_libpq() {
    openssl_sys::init();
}

/// Where the data lives, parsed from the configured URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseTarget {
    pub fn parse(url: &str) -> Result<DatabaseTarget, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseTarget::Postgres(url.to_string()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .ok_or_else(|| StoreError::BadUrl(url.to_string()))?;
        if path.is_empty() || path.starts_with(':') {
            return Err(StoreError::BadUrl(url.to_string()));
        }
        Ok(DatabaseTarget::Sqlite(PathBuf::from(path)))
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DatabaseTarget::Sqlite(_))
    }
}

/// Opens connections with the settings each backend needs for kentai's
/// durability promise (an acknowledged write survives a pulled plug).
#[derive(Debug, Clone)]
pub struct Manager {
    target: DatabaseTarget,
}

impl Manager {
    pub fn connect(&self) -> Result<DbConnection, StoreError> {
        match &self.target {
            DatabaseTarget::Sqlite(path) => {
                let url = path.to_string_lossy();
                let mut c = SqliteConnection::establish(&url)
                    .map_err(|e| StoreError::Connect(format!("{}: {e}", path.display())))?;
                c.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                )?;
                Ok(DbConnection::Sqlite(c))
            }
            DatabaseTarget::Postgres(url) => {
                let c =
                    PgConnection::establish(url).map_err(|e| StoreError::Connect(e.to_string()))?;
                Ok(DbConnection::Pg(c))
            }
        }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = StoreError;

    fn connect(&self) -> Result<DbConnection, StoreError> {
        Manager::connect(self)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), StoreError> {
        conn.ping().map_err(StoreError::Query)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// The database handle the rest of kentai holds (cheap to clone).
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    target: DatabaseTarget,
    writer: Arc<Mutex<()>>,
}

impl Store {
    pub fn open(url: &str) -> Result<Store, StoreError> {
        init_libpq();
        let target = DatabaseTarget::parse(url)?;
        let manager = Manager {
            target: target.clone(),
        };
        // Open one connection first so a wrong URL fails fast with its reason.
        drop(manager.connect()?);
        let size = if target.is_sqlite() { 8 } else { 16 };
        let pool = r2d2::Pool::builder()
            .max_size(size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(30))
            .build(manager)
            .map_err(|e| StoreError::Connect(e.to_string()))?;
        Ok(Store {
            pool,
            target,
            writer: Arc::new(Mutex::new(())),
        })
    }

    pub fn target(&self) -> &DatabaseTarget {
        &self.target
    }

    fn conn(&self) -> Result<PooledConnection, StoreError> {
        self.pool
            .get()
            .map_err(|e| StoreError::Connect(e.to_string()))
    }

    /// Applies every pending migration; returns how many ran.
    pub fn migrate(&self) -> Result<usize, StoreError> {
        let _writer = self.writer.lock().map_err(|_| StoreError::Poisoned)?;
        let mut conn = self.conn()?;
        let applied = match &mut *conn {
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
            DbConnection::Pg(c) => c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len()),
        };
        applied.map_err(|e| StoreError::Migration(e.to_string()))
    }

    /// Runs `f` on a connection without a transaction (single reads).
    pub fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.conn()?;
        f(&mut conn)
    }

    /// Runs `f` in one write transaction: committed when it returns `Ok`,
    /// rolled back on `Err`.
    pub fn write<T, E>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let _writer = if self.target.is_sqlite() {
            Some(self.writer.lock().map_err(|_| StoreError::Poisoned)?)
        } else {
            None
        };
        let mut conn = self.conn()?;
        let conn = &mut *conn;
        begin_write(conn).map_err(StoreError::from)?;
        match f(conn) {
            Ok(value) => match finish(conn, true) {
                Ok(()) => Ok(value),
                Err(e) => {
                    let _ = finish(conn, false);
                    Err(StoreError::from(e).into())
                }
            },
            Err(e) => {
                finish(conn, false).map_err(StoreError::from)?;
                Err(e)
            }
        }
    }
}

/// SQLite takes the write lock up front (`BEGIN IMMEDIATE`) so a transaction
/// that reads first never fails to upgrade its lock later.
fn begin_write(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        DbConnection::Pg(c) => AnsiTransactionManager::begin_transaction(c),
    }
}

fn finish(conn: &mut DbConnection, commit: bool) -> diesel::QueryResult<()> {
    match (conn, commit) {
        (DbConnection::Sqlite(c), true) => AnsiTransactionManager::commit_transaction(c),
        (DbConnection::Sqlite(c), false) => AnsiTransactionManager::rollback_transaction(c),
        (DbConnection::Pg(c), true) => AnsiTransactionManager::commit_transaction(c),
        (DbConnection::Pg(c), false) => AnsiTransactionManager::rollback_transaction(c),
    }
}

/// True when `e` is a unique-constraint violation (a lost race on PostgreSQL).
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_name_their_backend() {
        assert_eq!(
            DatabaseTarget::parse("sqlite://kentai.db").unwrap(),
            DatabaseTarget::Sqlite("kentai.db".into())
        );
        assert_eq!(
            DatabaseTarget::parse("sqlite:///var/lib/kentai/k.db").unwrap(),
            DatabaseTarget::Sqlite("/var/lib/kentai/k.db".into())
        );
        assert!(matches!(
            DatabaseTarget::parse("postgres://postgres@127.0.0.1/kentai").unwrap(),
            DatabaseTarget::Postgres(_)
        ));
        for bad in ["kentai.db", "mysql://x", "sqlite://", "sqlite://:memory:"] {
            assert!(DatabaseTarget::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_fresh_sqlite_file_migrates_and_survives_a_rolled_back_write() {
        use diesel::prelude::*;
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("k.db").display());
        let store = Store::open(&url).unwrap();
        // Every migration of the set on a fresh file, none the second time.
        let set = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
            .unwrap()
            .count();
        assert_eq!(store.migrate().unwrap(), set);
        assert_eq!(store.migrate().unwrap(), 0);
        let r: Result<(), StoreError> = store.write(|c| {
            diesel::insert_into(schema::users::table)
                .values(models::NewUser {
                    name: "a",
                    role: "admin",
                    token_hash: "h",
                    created_at: chrono::Utc::now().naive_utc(),
                    disabled: false,
                })
                .execute(c)?;
            Err(StoreError::Migration("forced".into()))
        });
        assert!(r.is_err());
        let n: i64 = store
            .read(|c| {
                schema::users::table
                    .count()
                    .get_result(c)
                    .map_err(StoreError::from)
            })
            .unwrap();
        assert_eq!(n, 0);
    }
}
