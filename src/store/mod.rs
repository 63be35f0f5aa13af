//! Durable state: one diesel schema over SQLite and PostgreSQL.
//!
//! A site picks its backend by URL (`sqlite://PATH` or `postgres://…`). Both
//! run the same queries through diesel's `MultiConnection`; each has its own
//! embedded migration set. On SQLite every write goes through one in-process
//! writer (`BEGIN IMMEDIATE`), so concurrent requests queue, in arrival
//! order, instead of failing with "database is locked", and the writes
//! queued together share
//! one durable commit (group commit, [`GroupWriter`]); on PostgreSQL writers
//! run side by side and unique constraints settle races.

pub mod backup;
pub mod backup_schedule;
pub mod capture;
pub mod codes;
pub mod models;
pub mod schema;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
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
    /// A stored value kentai wrote cannot be read back.
    #[error("a stored value cannot be read: {0}")]
    Corrupt(String),
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
                // temp_store = MEMORY keeps the savepoints' sub-journals (one
                // per write in a group commit) off temporary files.
                c.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
                     PRAGMA temp_store = MEMORY;",
                )?;
                c.batch_execute(capture::SQLITE_CONNECTION_SETUP)?;
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
    writer: Arc<GroupWriter>,
    capture: Arc<CaptureState>,
}

/// Whether writes capture row changes (the database has `row_changes`),
/// and which generation of the schema SQLite's capture triggers follow
/// (moved on by every migration, so connections rebuild theirs).
#[derive(Debug, Default)]
struct CaptureState {
    active: AtomicBool,
    generation: AtomicI64,
}

/// Most writes one SQLite commit carries: bounds how long the first of
/// them waits for the rest.
const MAX_BATCH: usize = 32;

/// How many failed batches are remembered for the writers waiting on
/// them (a failed commit is rare: the disk full or gone).
const FAILURES_KEPT: usize = 256;

/// SQLite's single writer, shared so that concurrent writes commit
/// together (group commit). With `synchronous = FULL` each commit waits for
/// the disk; one commit per write would cap a site at the disk's flush
/// rate. Instead the writes queued behind each other run one at a time on
/// one open transaction, each inside its own savepoint (a write that fails
/// rolls back only itself), and the last of them commits all at once.
/// Nobody is answered before the commit that holds their write is on disk,
/// so an acknowledged write still survives a pulled plug.
struct GroupWriter {
    /// Who writes next, first come first served. Writers waiting here keep
    /// the batch open for them.
    turnstile: crate::turnstile::Turnstile,
    batch: Mutex<Batch>,
    outcomes: Mutex<Outcomes>,
    committed: Condvar,
}

#[derive(Default)]
struct Batch {
    /// The open transaction's connection, while a batch is open.
    conn: Option<PooledConnection>,
    id: u64,
    writes: usize,
    /// Change rows above this id belong to the open batch (`None`: no
    /// capture).
    claim_above: Option<i64>,
}

/// How the batches ended. Batches commit in the order of their ids, so
/// every batch up to `through` has ended, and those not among the failed
/// ones committed; a writer that asks late still gets its answer.
#[derive(Default)]
struct Outcomes {
    through: u64,
    /// The latest failed batches, with the failure's text.
    failed: std::collections::VecDeque<(u64, String)>,
}

impl Outcomes {
    fn of(&self, id: u64) -> Option<Result<(), String>> {
        if id > self.through {
            return None;
        }
        match self.failed.iter().find(|(b, _)| *b == id) {
            Some((_, e)) => Some(Err(e.clone())),
            None => Some(Ok(())),
        }
    }
}

impl GroupWriter {
    fn new() -> GroupWriter {
        GroupWriter {
            turnstile: crate::turnstile::Turnstile::default(),
            batch: Mutex::new(Batch::default()),
            outcomes: Mutex::new(Outcomes::default()),
            committed: Condvar::new(),
        }
    }

    /// Commits the open batch, if any, and tells its waiting writers.
    fn commit(&self, batch: &mut Batch) -> Result<(), StoreError> {
        let Some(mut conn) = batch.conn.take() else {
            return Ok(());
        };
        let result = finish(&mut conn, true).inspect_err(|_| {
            let _ = finish(&mut conn, false);
        });
        let mut outcomes = self.outcomes.lock().map_err(|_| StoreError::Poisoned)?;
        outcomes.through = batch.id;
        if let Err(e) = &result {
            if outcomes.failed.len() >= FAILURES_KEPT {
                outcomes.failed.pop_front();
            }
            outcomes.failed.push_back((batch.id, e.to_string()));
        }
        drop(outcomes);
        self.committed.notify_all();
        result.map_err(StoreError::from)
    }

    /// Blocks until batch `id` is committed (or failed to).
    fn wait_for(&self, id: u64) -> Result<(), StoreError> {
        let mut outcomes = self.outcomes.lock().map_err(|_| StoreError::Poisoned)?;
        loop {
            if let Some(result) = outcomes.of(id) {
                return result.map_err(|e| StoreError::Connect(format!("commit failed: {e}")));
            }
            outcomes = self
                .committed
                .wait(outcomes)
                .map_err(|_| StoreError::Poisoned)?;
        }
    }
}

/// The build options `.cargo/config.toml` gives the bundled SQLite (see
/// there why) that the linked library lacks: empty when built as intended.
/// A build run from outside the repository does not read that file; it
/// works, with slower writes.
pub fn missing_sqlite_options() -> Vec<&'static str> {
    const WANTED: [&str; 2] = ["ENABLE_QPSG", "DEFAULT_MEMSTATUS=0"];
    let built: Vec<String> = rusqlite::Connection::open_in_memory()
        .and_then(|c| {
            let mut options = c.prepare("PRAGMA compile_options")?;
            let rows = options.query_map([], |row| row.get::<_, String>(0))?;
            rows.collect()
        })
        .unwrap_or_default();
    WANTED
        .into_iter()
        .filter(|w| !built.iter().any(|b| b == w))
        .collect()
}

impl Store {
    /// How many SQLite commits the writes so far took (for tests and
    /// benchmarks of the group commit; 0 on PostgreSQL).
    pub fn commits(&self) -> u64 {
        self.writer.batch.lock().map(|b| b.id).unwrap_or(0)
    }

    pub fn open(url: &str) -> Result<Store, StoreError> {
        Store::open_with(url, Box::new(r2d2::LoggingErrorHandler))
    }

    /// [`Store::open`] for a scratch copy that is removed right after use
    /// (a backup checked before a restore): the pool may still be opening
    /// a spare connection in the background when the copy goes, and that
    /// failure is no one's concern.
    pub fn open_scratch(url: &str) -> Result<Store, StoreError> {
        Store::open_with(url, Box::new(r2d2::NopErrorHandler))
    }

    fn open_with(
        url: &str,
        errors: Box<dyn r2d2::HandleError<StoreError>>,
    ) -> Result<Store, StoreError> {
        init_libpq();
        let target = DatabaseTarget::parse(url)?;
        let manager = Manager {
            target: target.clone(),
        };
        // Open one connection first so a wrong URL fails fast with its reason.
        let mut first = manager.connect()?;
        let capture = CaptureState {
            active: AtomicBool::new(capture::has_row_changes(&mut first)?),
            generation: AtomicI64::new(1),
        };
        drop(first);
        if target.is_sqlite() {
            let missing = missing_sqlite_options();
            if !missing.is_empty() {
                tracing::warn!(
                    ?missing,
                    "SQLite was built without the options in .cargo/config.toml: writes are slower"
                );
            }
        }
        let size = if target.is_sqlite() { 8 } else { 16 };
        let pool = r2d2::Pool::builder()
            .max_size(size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(30))
            // A server's connection can drop; a SQLite file's cannot, and
            // pinging it on every checkout costs a statement per request.
            .test_on_check_out(!target.is_sqlite())
            .error_handler(errors)
            .build(manager)
            .map_err(|e| StoreError::Connect(e.to_string()))?;
        Ok(Store {
            pool,
            target,
            writer: Arc::new(GroupWriter::new()),
            capture: Arc::new(capture),
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
        self.migrate_versions().map(|v| v.len())
    }

    /// True when migrations are waiting to be applied.
    pub fn has_pending_migrations(&self) -> Result<bool, StoreError> {
        let mut conn = self.conn()?;
        let pending = match &mut *conn {
            DbConnection::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
            DbConnection::Pg(c) => c.has_pending_migration(POSTGRES_MIGRATIONS),
        };
        pending.map_err(|e| StoreError::Migration(e.to_string()))
    }

    /// Applies every pending migration; returns the versions applied
    /// (digits only, e.g. `20261121000006`).
    pub fn migrate_versions(&self) -> Result<Vec<String>, StoreError> {
        let _turn = self.writer.turnstile.enter();
        let mut batch = self.writer.batch.lock().map_err(|_| StoreError::Poisoned)?;
        self.writer.commit(&mut batch)?;
        // A connection of its own, without capture: what a migration
        // changes is recorded afterwards by `audit::migrate` as one entry.
        let mut conn = Manager {
            target: self.target.clone(),
        }
        .connect()?;
        let applied = match &mut conn {
            DbConnection::Sqlite(c) => c
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map(|v| v.iter().map(|m| m.to_string()).collect::<Vec<_>>()),
            DbConnection::Pg(c) => c
                .batch_execute("SET kentai.capture = 'off'")
                .map_err(Into::into)
                .and_then(|()| c.run_pending_migrations(POSTGRES_MIGRATIONS))
                .map(|v| v.iter().map(|m| m.to_string()).collect::<Vec<_>>()),
        };
        let applied = applied.map_err(|e| StoreError::Migration(e.to_string()))?;
        if !applied.is_empty() {
            self.capture
                .active
                .store(capture::has_row_changes(&mut conn)?, Ordering::SeqCst);
            self.capture.generation.fetch_add(1, Ordering::SeqCst);
        }
        Ok(applied
            .into_iter()
            .map(|v| v.chars().filter(char::is_ascii_digit).collect())
            .collect())
    }

    /// True when writes capture their row changes for the audit chain.
    pub fn captures(&self) -> bool {
        self.capture.active.load(Ordering::SeqCst)
    }

    /// Runs `f` on a connection without a transaction (single reads).
    pub fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.conn()?;
        f(&mut conn)
    }

    /// Whether the database answers a read and the write path takes (and
    /// commits) an empty transaction: what `/healthz` and the service
    /// watchdog ask, since a stuck writer stops registrations while reads
    /// still answer.
    pub fn ping(&self) -> Result<(), StoreError> {
        use diesel::connection::SimpleConnection;
        self.read(|c| c.batch_execute("SELECT 1").map_err(StoreError::from))?;
        self.write(|_| Ok::<(), StoreError>(()))
    }

    /// Runs `f` in one write transaction: committed when it returns `Ok`,
    /// rolled back on `Err`; it returns only once the commit is durable.
    /// On SQLite, writes that arrive together share one commit (see
    /// [`GroupWriter`]); on PostgreSQL each runs in its own transaction.
    pub fn write<T, E>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        if self.target.is_sqlite() {
            return self.group_write(f);
        }
        let mut conn = self.conn()?;
        let conn = &mut *conn;
        begin_write(conn).map_err(StoreError::from)?;
        let _claim = capture::ClaimScope::enter(self.captures().then_some(0));
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

    /// Runs `f` like [`Store::write`], but returns once its changes are in
    /// the open transaction, before they are durable: later writes see
    /// them, other connections' reads do not yet. Nothing may be told of
    /// the write (an answer, an event) before [`Deferred::durable`] has
    /// returned `Ok`. A station's scans use it so that the next scan at
    /// the station can start while this one's commit reaches the disk.
    pub fn write_deferred<T, E>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<(T, Deferred), E>
    where
        E: From<StoreError>,
    {
        if !self.target.is_sqlite() {
            return self.write(f).map(|value| (value, Deferred::done()));
        }
        let (value, batch) = self.group_apply(f, true)?;
        let deferred = match batch {
            Some(batch) => Deferred {
                writer: Some(self.writer.clone()),
                batch,
            },
            None => Deferred::done(),
        };
        Ok((value, deferred))
    }

    fn group_write<T, E>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let (value, batch) = self.group_apply(f, false)?;
        if let Some(id) = batch {
            self.writer.wait_for(id)?;
        }
        Ok(value)
    }

    /// Applies `f` to the open batch; returns its value and the batch to
    /// wait for, or `None` when the batch is already committed. The last
    /// writer in line commits, unless it `defers` (then whoever first
    /// needs the batch durable commits it).
    fn group_apply<T, E>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
        defers: bool,
    ) -> Result<(T, Option<u64>), E>
    where
        E: From<StoreError>,
    {
        let writer = &self.writer;
        let turn = writer.turnstile.enter();
        let mut batch = writer.batch.lock().map_err(|_| StoreError::Poisoned)?;
        if batch.conn.is_none() {
            let mut conn = self.conn()?;
            begin_write(&mut conn).map_err(StoreError::from)?;
            let generation = self.capture.generation.load(Ordering::SeqCst);
            let claim_above = match capture::prepare_sqlite(&mut conn, generation) {
                Ok(above) => above,
                Err(e) => {
                    let _ = finish(&mut conn, false);
                    return Err(StoreError::from(e).into());
                }
            };
            batch.conn = Some(conn);
            batch.id += 1;
            batch.writes = 0;
            batch.claim_above = claim_above;
        }
        let _claim = capture::ClaimScope::enter(batch.claim_above);
        let id = batch.id;
        let result = {
            let conn: &mut DbConnection = match batch.conn.as_mut() {
                Some(c) => c,
                None => return Err(StoreError::Poisoned.into()),
            };
            // A savepoint: this write alone is undone if it fails.
            savepoint(conn, f)
        };
        batch.writes += 1;
        let full = batch.writes >= MAX_BATCH;
        let last = full || (!defers && writer.turnstile.waiting() == 0);
        if last {
            let committed = writer.commit(&mut batch);
            drop(batch);
            drop(turn);
            return match (result, committed) {
                (Ok(value), Ok(())) => Ok((value, None)),
                (Ok(_), Err(e)) => Err(e.into()),
                (Err(e), _) => Err(e),
            };
        }
        drop(batch);
        drop(turn);
        // A failed write left nothing in the batch: nothing to wait for.
        result.map(|value| (value, Some(id)))
    }
}

/// A deferred write whose batch may not be committed yet. Dropped without
/// [`Deferred::durable`] (an error or a panic on the way), it commits
/// anyway, so an open transaction never outlives its writer.
#[must_use = "a deferred write must be made durable before anyone is told of it"]
pub struct Deferred {
    writer: Option<Arc<GroupWriter>>,
    batch: u64,
}

impl Deferred {
    fn done() -> Deferred {
        Deferred {
            writer: None,
            batch: 0,
        }
    }

    /// Blocks until the write is on disk; an error when its commit failed
    /// (then the write is gone).
    pub fn durable(mut self) -> Result<(), StoreError> {
        match self.writer.take() {
            Some(writer) => writer.settle(self.batch),
            None => Ok(()),
        }
    }
}

impl Drop for Deferred {
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take() {
            if let Err(e) = writer.settle(self.batch) {
                tracing::warn!(error = %e, "a deferred write's commit failed");
            }
        }
    }
}

impl GroupWriter {
    /// Makes batch `id` durable: commits it if it is still open (its last
    /// writer deferred), else waits for whoever commits it.
    fn settle(&self, id: u64) -> Result<(), StoreError> {
        {
            let outcomes = self.outcomes.lock().map_err(|_| StoreError::Poisoned)?;
            if let Some(result) = outcomes.of(id) {
                return result.map_err(|e| StoreError::Connect(format!("commit failed: {e}")));
            }
        }
        // In line behind the writers ahead, so a batch they are still
        // adding to is committed by the last of them, not cut short.
        let turn = self.turnstile.enter();
        let mut batch = self.batch.lock().map_err(|_| StoreError::Poisoned)?;
        if batch.id == id && batch.conn.is_some() {
            return self.commit(&mut batch);
        }
        drop(batch);
        drop(turn);
        self.wait_for(id)
    }
}

/// Runs `f` inside a savepoint of the open transaction.
fn savepoint<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    begin_nested(conn).map_err(StoreError::from)?;
    match f(conn) {
        Ok(value) => {
            finish(conn, true).map_err(StoreError::from)?;
            Ok(value)
        }
        Err(e) => {
            finish(conn, false).map_err(StoreError::from)?;
            Err(e)
        }
    }
}

fn begin_nested(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction(c),
        DbConnection::Pg(c) => AnsiTransactionManager::begin_transaction(c),
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
    fn the_bundled_sqlite_is_built_with_the_options_of_cargo_config() {
        assert_eq!(missing_sqlite_options(), Vec::<&str>::new());
    }

    #[test]
    fn concurrent_sqlite_writes_share_commits_and_a_failed_write_undoes_only_itself() {
        let (_dir, store) = store_with_table();
        let threads: Vec<_> = (0..16)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for i in 0..50 {
                        let n = t * 1000 + i;
                        let result = store.write(|c| {
                            c.batch_execute(&format!("INSERT INTO t (n) VALUES ({n})"))?;
                            // Every fifth write fails after inserting.
                            if i % 5 == 4 {
                                return Err(StoreError::Poisoned);
                            }
                            Ok::<_, StoreError>(())
                        });
                        assert_eq!(result.is_err(), i % 5 == 4, "{n}");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let rows: Vec<N> = store
            .read(|c| {
                diesel::RunQueryDsl::load(diesel::sql_query("SELECT n FROM t ORDER BY n"), c)
                    .map_err(StoreError::from)
            })
            .unwrap();
        let expected: Vec<i64> = (0..16)
            .flat_map(|t| (0..50).filter(|i| i % 5 != 4).map(move |i| t * 1000 + i))
            .collect();
        assert_eq!(rows.iter().map(|r| r.n).collect::<Vec<_>>(), expected);
        let commits = store.commits();
        // Sixteen writers at once must have shared at least some commits.
        assert!((1..16 * 50).contains(&commits), "{commits}");
        eprintln!("{} writes in {commits} commits", 16 * 50 + 1);
    }

    /// Counts the rows of table `t` through a connection of the pool (not
    /// the writer's open transaction).
    fn rows_seen_by_a_reader(store: &Store) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        store
            .read(|c| {
                diesel::RunQueryDsl::get_result::<Count>(
                    diesel::sql_query("SELECT COUNT(*) AS n FROM t"),
                    c,
                )
                .map_err(StoreError::from)
            })
            .unwrap()
            .n
    }

    fn store_with_table() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("d.db").display());
        let store = Store::open(&url).unwrap();
        store
            .write(|c| {
                c.batch_execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
                    .map_err(StoreError::from)
            })
            .unwrap();
        (dir, store)
    }

    fn insert(n: i64) -> impl FnOnce(&mut DbConnection) -> Result<(), StoreError> {
        move |c| {
            c.batch_execute(&format!("INSERT INTO t (n) VALUES ({n})"))
                .map_err(StoreError::from)
        }
    }

    #[test]
    fn a_deferred_write_is_seen_by_readers_only_once_it_is_durable() {
        let (_dir, store) = store_with_table();
        let ((), deferred) = store.write_deferred(insert(1)).unwrap();
        assert_eq!(rows_seen_by_a_reader(&store), 0);
        deferred.durable().unwrap();
        assert_eq!(rows_seen_by_a_reader(&store), 1);
    }

    #[test]
    fn a_later_write_commits_the_deferred_ones_before_it() {
        let (_dir, store) = store_with_table();
        let ((), first) = store.write_deferred(insert(1)).unwrap();
        let ((), second) = store.write_deferred(insert(2)).unwrap();
        store.write(insert(3)).unwrap();
        assert_eq!(rows_seen_by_a_reader(&store), 3);
        first.durable().unwrap();
        second.durable().unwrap();
    }

    #[test]
    fn a_deferred_write_dropped_unawaited_is_committed_all_the_same() {
        let (_dir, store) = store_with_table();
        let ((), deferred) = store.write_deferred(insert(1)).unwrap();
        drop(deferred);
        assert_eq!(rows_seen_by_a_reader(&store), 1);
    }

    #[test]
    fn deferred_and_plain_writes_from_many_threads_all_end_durable() {
        let (_dir, store) = store_with_table();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for i in 0..100 {
                        let n = t * 1000 + i;
                        if i % 2 == 0 {
                            let ((), d) = store.write_deferred(insert(n)).unwrap();
                            d.durable().unwrap();
                        } else {
                            store.write(insert(n)).unwrap();
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(rows_seen_by_a_reader(&store), 800);
    }

    #[test]
    fn a_batch_answers_its_writers_however_many_batches_later_they_ask() {
        let (_dir, store) = store_with_table();
        let ((), early) = store.write_deferred(insert(0)).unwrap();
        for n in 1..600 {
            store.write(insert(n)).unwrap();
        }
        early.durable().unwrap();
        assert_eq!(rows_seen_by_a_reader(&store), 600);
    }

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
                    facility_code: "",
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
