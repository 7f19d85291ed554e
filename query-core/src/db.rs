//! `Db`: one connection to SQLite or PostgreSQL, set up the way an
//! application should have it, with transactions, statement counting and
//! logging.

use std::borrow::Cow;
use std::cell::Cell;
use std::time::Instant;

use crate::backend::{Backend, Binder, BinderInner, Row, redact};
use crate::error::{Error, Result};
use crate::migrations::TableState;
use crate::model::Model;
use crate::value::Value;
use crate::write::Writer;

#[cfg(feature = "sqlite")]
pub use crate::backend::sqlite::BUSY_TIMEOUT;

/// The connection behind a [`Db`]. (Not boxed: a `Db` is made once per
/// connection and used for every statement.)
#[allow(clippy::large_enum_variant)]
pub(crate) enum Conn {
    #[cfg(feature = "sqlite")]
    Sqlite(rusqlite::Connection),
    #[cfg(feature = "postgres")]
    Postgres(crate::backend::postgres::PgConn),
}

/// The isolation level of a transaction ([`Db::atomic_with`]).
///
/// PostgreSQL runs transactions at `READ COMMITTED` unless told otherwise,
/// as Django does; the stricter levels make a concurrent conflict an
/// [`Error::SerializationFailure`], which the caller retries. SQLite's
/// transactions are always serializable (one writer at a time), so the
/// level changes nothing there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Isolation {
    /// The database's default (`READ COMMITTED` on PostgreSQL).
    #[default]
    Default,
    /// `READ COMMITTED`.
    ReadCommitted,
    /// `REPEATABLE READ`.
    RepeatableRead,
    /// `SERIALIZABLE`.
    Serializable,
}

/// A database connection: SQLite (a file, or memory) or PostgreSQL.
///
/// One type for both backends; every method works on either with the same
/// answers. `Db::open` applies the settings most SQLite applications
/// forget: WAL journaling for files (readers don't block the writer), a
/// busy timeout of five seconds, foreign keys on, `synchronous = NORMAL`
/// (safe with WAL), and a Unicode case-folding SQL function that the `i`
/// lookups use. `Db::connect` takes a URL for either backend.
///
/// A `Db` is one connection: it can move between threads but not be
/// shared by them; a server uses a [`Pool`](crate::Pool).
pub struct Db {
    conn: Conn,
    /// A statement-text buffer reused from one query to the next, so that
    /// compiling a query allocates nothing once the buffer has grown.
    sql_buffer: Cell<String>,
    /// Statements run, for [`queries_run`](Db::queries_run).
    queries: Cell<u64>,
    /// How many `atomic` blocks are open.
    depth: Cell<u32>,
    /// The shallowest `atomic` depth at which a statement failed and no
    /// rollback has undone it yet (see [`Db::atomic`]).
    failed_at: Cell<Option<u32>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend())
            .field("queries_run", &self.queries.get())
            .finish_non_exhaustive()
    }
}

impl Db {
    fn new(conn: Conn) -> Db {
        Db {
            conn,
            sql_buffer: Cell::new(String::new()),
            queries: Cell::new(0),
            depth: Cell::new(0),
            failed_at: Cell::new(None),
        }
    }

    /// Opens (creating if needed) the SQLite database file at `path`.
    #[cfg(feature = "sqlite")]
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Db> {
        let path = path.as_ref();
        crate::backend::sqlite::open(path)
            .map(|c| Db::new(Conn::Sqlite(c)))
            .map_err(|source| Error::Open {
                path: path.to_owned(),
                source: Box::new(source),
            })
    }

    /// Opens a private SQLite database in memory, gone when the `Db` is dropped.
    #[cfg(feature = "sqlite")]
    pub fn open_in_memory() -> Result<Db> {
        rusqlite::Connection::open_in_memory()
            .and_then(crate::backend::sqlite::setup)
            .map(|c| Db::new(Conn::Sqlite(c)))
            .map_err(|source| Error::Open {
                path: ":memory:".into(),
                source: Box::new(source),
            })
    }

    /// Wraps a SQLite connection opened elsewhere, applying the same
    /// settings as [`Db::open`] except the journal mode.
    #[cfg(feature = "sqlite")]
    pub fn from_connection(conn: rusqlite::Connection) -> Result<Db> {
        crate::backend::sqlite::setup(conn)
            .map(|c| Db::new(Conn::Sqlite(c)))
            .map_err(|source| Error::Open {
                path: "<connection>".into(),
                source: Box::new(source),
            })
    }

    /// Connects by URL, as Django's `DATABASES` names a database:
    ///
    /// - `sqlite://shop.db` (a relative path), `sqlite:///var/db/shop.db`
    ///   (an absolute one), `sqlite::memory:`: as [`Db::open`] and
    ///   [`Db::open_in_memory`] (feature `sqlite`);
    /// - `postgres://user:password@host:5432/dbname` or `postgresql://...`,
    ///   with libpq's query parameters (`?host=/var/run/postgresql` for a
    ///   unix socket) (feature `postgres`).
    ///
    /// A URL that can't be understood is [`Error::InvalidUrl`]; a server
    /// that can't be reached or refuses the login is [`Error::Connect`].
    pub fn connect(url: &str) -> Result<Db> {
        match parse_url(url)? {
            #[cfg(feature = "sqlite")]
            Target::SqliteMemory => Db::open_in_memory(),
            #[cfg(feature = "sqlite")]
            Target::SqliteFile(path) => Db::open(path),
            #[cfg(feature = "postgres")]
            Target::Postgres => Ok(Db::new(Conn::Postgres(
                crate::backend::postgres::PgConn::connect(url)?,
            ))),
        }
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match &self.conn {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => Backend::Postgres,
        }
    }

    /// The underlying rusqlite connection of a SQLite `Db`, for anything
    /// this crate does not do.
    ///
    /// # Panics
    ///
    /// On a PostgreSQL `Db`: use [`sqlite_connection`](Db::sqlite_connection)
    /// to find out, or `postgres_client` (feature `postgres`).
    #[cfg(feature = "sqlite")]
    pub fn connection(&self) -> &rusqlite::Connection {
        match self.sqlite_connection() {
            Some(c) => c,
            None => panic!(
                "Db::connection() hands out a SQLite connection, but this Db is {:?}: use Db::postgres_client()",
                self.backend()
            ),
        }
    }

    /// The underlying rusqlite connection, or `None` on another backend.
    #[cfg(feature = "sqlite")]
    pub fn sqlite_connection(&self) -> Option<&rusqlite::Connection> {
        match &self.conn {
            Conn::Sqlite(c) => Some(c),
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => None,
        }
    }

    /// The underlying `postgres::Client` of a PostgreSQL `Db`, or `None` on
    /// another backend. Statements run through it are not counted by
    /// [`queries_run`](Db::queries_run).
    #[cfg(feature = "postgres")]
    pub fn postgres_client(&self) -> Option<std::cell::RefMut<'_, postgres::Client>> {
        match &self.conn {
            Conn::Postgres(c) => Some(c.client()),
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(_) => None,
        }
    }

    /// Whether the connection is known to be broken (a PostgreSQL server
    /// that closed it); a [`Pool`](crate::Pool) drops such connections.
    pub fn is_broken(&self) -> bool {
        match &self.conn {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(_) => false,
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => c.is_closed(),
        }
    }

    /// How many statements this `Db` has run, transaction control
    /// (`BEGIN`, `SAVEPOINT`, ...) included: for tests that pin a query
    /// count, as Django's `assertNumQueries` does.
    pub fn queries_run(&self) -> u64 {
        self.queries.get()
    }

    /// The writer for this database's SQL.
    pub(crate) fn writer(&self) -> &'static dyn Writer {
        match &self.conn {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(_) => &crate::backend::sqlite::SqliteWriter,
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => &crate::backend::postgres::PostgresWriter,
        }
    }

    /// The most parameters one statement may bind.
    pub(crate) fn max_parameters(&self) -> usize {
        match &self.conn {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(_) => crate::backend::sqlite::writer::MAX_PARAMETERS,
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => crate::backend::postgres::writer::MAX_PARAMETERS,
        }
    }

    /// Takes the statement-text buffer (empty; a fresh one if it is in use).
    pub(crate) fn take_sql_buffer(&self) -> String {
        let mut buf = self.sql_buffer.take();
        buf.clear();
        buf
    }

    /// Gives the statement-text buffer back for the next query.
    pub(crate) fn return_sql_buffer(&self, buf: String) {
        // Keep the larger of the two, and never hoard a huge one.
        if buf.capacity() <= 64 * 1024 {
            let old = self.sql_buffer.take();
            self.sql_buffer.set(if old.capacity() > buf.capacity() {
                old
            } else {
                buf
            });
        }
    }

    // ---- running statements ---------------------------------------------

    /// Notes a statement that failed inside `atomic`.
    #[cold]
    fn failed(&self) {
        let depth = self.depth.get();
        if depth > 0 && self.failed_at.get().is_none_or(|d| d > depth) {
            self.failed_at.set(Some(depth));
        }
    }

    /// Counts a statement and, when `tracing` wants it, logs it.
    #[inline]
    fn ran(&self, started: Option<Instant>, sql: &str, params: &dyn std::fmt::Debug, rows: u64) {
        self.queries.set(self.queries.get() + 1);
        if let Some(started) = started {
            tracing::debug!(
                target: "query",
                sql,
                params = ?params,
                rows,
                elapsed_us = started.elapsed().as_micros() as u64,
                "statement"
            );
        }
    }

    #[inline]
    fn tracing() -> bool {
        tracing::enabled!(target: "query", tracing::Level::DEBUG)
    }

    /// The values `bind` binds, for the log.
    fn logged_params(bind: &mut dyn FnMut(&mut Binder<'_, '_>) -> Result<()>) -> Vec<Value> {
        let mut values = Vec::new();
        let _ = bind(&mut Binder {
            inner: BinderInner::Values(&mut values),
        });
        values
    }

    /// Runs a query whose parameters `bind` binds; `each` sees each row
    /// until it returns false.
    pub(crate) fn query_bound(
        &self,
        sql: &str,
        bind: &mut dyn FnMut(&mut Binder<'_, '_>) -> Result<()>,
        each: &mut dyn FnMut(&Row<'_>) -> Result<bool>,
    ) -> Result<()> {
        let started = Self::tracing().then(Instant::now);
        let rows = match &self.conn {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(c) => crate::backend::sqlite::query(c, sql, bind, each),
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => c.query(sql, self.depth.get() == 0, bind, each),
        };
        let logged = if started.is_some() {
            Self::logged_params(bind)
        } else {
            Vec::new()
        };
        let rows = rows.inspect_err(|_| {
            self.failed();
            self.ran(started, sql, &logged, 0)
        })?;
        self.ran(started, sql, &logged, rows);
        Ok(())
    }

    /// Runs a statement whose parameters `bind` binds; returns the number
    /// of rows changed.
    pub(crate) fn execute_bound(
        &self,
        sql: &str,
        bind: &mut dyn FnMut(&mut Binder<'_, '_>) -> Result<()>,
    ) -> Result<usize> {
        let started = Self::tracing().then(Instant::now);
        let changed = match &self.conn {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(c) => crate::backend::sqlite::execute(c, sql, bind),
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => c.execute(sql, self.depth.get() == 0, bind),
        };
        let logged = if started.is_some() {
            Self::logged_params(bind)
        } else {
            Vec::new()
        };
        let changed = changed.inspect_err(|_| {
            self.failed();
            self.ran(started, sql, &logged, 0)
        })?;
        self.ran(started, sql, &logged, changed);
        Ok(usize::try_from(changed).unwrap_or(usize::MAX))
    }

    /// Runs a query with its values.
    pub(crate) fn query_params(
        &self,
        sql: &str,
        params: &[Cow<'_, Value>],
        each: &mut dyn FnMut(&Row<'_>) -> Result<bool>,
    ) -> Result<()> {
        self.query_bound(sql, &mut |b| bind_all(b, params), each)
    }

    /// Runs a statement with its values; returns the number of rows changed.
    pub(crate) fn execute_params(&self, sql: &str, params: &[Cow<'_, Value>]) -> Result<usize> {
        self.execute_bound(sql, &mut |b| bind_all(b, params))
    }

    /// The connection, for a cursor that drives its statement itself
    /// ([`QuerySet::iterator`](crate::QuerySet::iterator)).
    pub(crate) fn conn(&self) -> &Conn {
        &self.conn
    }

    /// Whether an [`atomic`](Db::atomic) block is open.
    #[cfg(feature = "postgres")]
    pub(crate) fn in_atomic(&self) -> bool {
        self.depth.get() > 0
    }

    /// Runs one statement that a cursor sends on the connection itself
    /// (`DECLARE`, `FETCH`, `CLOSE`; a SQLite query whose rows are stepped
    /// later): counted and logged as any other, and noted when it fails
    /// inside `atomic`.
    pub(crate) fn run_on_conn<'db, T>(
        &'db self,
        sql: &str,
        params: &[Value],
        f: impl FnOnce(&'db Conn) -> Result<T>,
    ) -> Result<T> {
        let started = Self::tracing().then(Instant::now);
        let out = f(&self.conn);
        if out.is_err() {
            self.failed();
        }
        self.ran(started, sql, &params, 0);
        out
    }

    /// Notes that a cursor's step failed (not a statement of its own: not
    /// counted), so that an `atomic` block around it rolls back.
    #[cfg(feature = "sqlite")]
    pub(crate) fn cursor_failed(&self) {
        self.failed();
    }

    /// The key SQLite gave the last row inserted on this connection.
    #[cfg(feature = "sqlite")]
    pub(crate) fn last_insert_rowid(&self) -> Option<i64> {
        self.sqlite_connection().map(|c| c.last_insert_rowid())
    }

    /// Runs one SQL statement with `params` bound to its placeholders
    /// (`$1`, `$2`, ... on both backends; `?` too on SQLite); returns the
    /// number of rows changed. For what the model layer does not do;
    /// values are still bound, never pasted into the SQL.
    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<usize> {
        self.execute_bound(sql, &mut |b| {
            for p in params {
                b.bind_value(p)?;
            }
            Ok(())
        })
    }

    /// Runs one SQL query with `params` bound to its placeholders (as
    /// [`execute`](Db::execute)) and returns its rows as [`Value`]s (dates
    /// and times as ISO 8601 text, booleans as 0 and 1, on both backends).
    pub fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>> {
        let mut out = Vec::new();
        self.query_bound(
            sql,
            &mut |b| {
                for p in params {
                    b.bind_value(p)?;
                }
                Ok(())
            },
            &mut |row| {
                out.push(
                    (0..row.len())
                        .map(|i| row.value(i))
                        .collect::<Result<_>>()?,
                );
                Ok(true)
            },
        )?;
        Ok(out)
    }

    /// Runs SQL statements separated by `;`, without parameters (schema
    /// changes, transaction control).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        let started = Self::tracing().then(Instant::now);
        let done = match &self.conn {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(c) => c.execute_batch(sql).map_err(|e| Error::sqlite(e, sql)),
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => c.execute_batch(sql),
        };
        if done.is_err() {
            self.failed();
        }
        self.ran(started, sql, &(), 0);
        done
    }

    // ---- schema and transactions ----------------------------------------

    /// Creates `M`'s table if it does not exist: column types, `NOT NULL` for
    /// every non-`Option` field, `UNIQUE`, `DEFAULT`, a `CHECK` for each
    /// `max_length` (in characters) and for booleans, and an index for each
    /// `db_index` field. On SQLite the table is `STRICT`, so SQLite itself
    /// refuses a value of the wrong type from any program.
    ///
    /// A foreign key column references the target's primary key,
    /// `DEFERRABLE INITIALLY DEFERRED` (checked at commit), and is indexed,
    /// as Django creates it. The target's table must exist first (a model
    /// may point at itself): [`Error::Migration`] names a missing one, and
    /// nothing is created.
    ///
    /// Quick scripts and tests use this; applications use migrations.
    ///
    /// The automatic table of pairs of each `ManyToMany<T>` field (without
    /// `through`) is created after the model's own, with its constraints:
    /// `T`'s table must exist first.
    pub fn create_table<M: Model>(&self) -> Result<()> {
        let pair_tables = TableState::pair_tables(M::META);
        for m2m in M::META.many_to_many.iter().filter(|m| m.pairs.is_some()) {
            let target = (m2m.to)().table;
            if target != M::TABLE && !crate::backend::schema::table_exists(self, target)? {
                return Err(crate::Error::Migration(format!(
                    "can't create the table of pairs of `{}.{}`: it points at the table `{target}`, which does not exist; create `{target}` first",
                    M::META.name,
                    m2m.name
                )));
            }
        }
        crate::backend::schema::create_table(self, &TableState::from_model(M::META))?;
        for pairs in pair_tables {
            crate::backend::schema::create_table(self, &pairs)?;
        }
        Ok(())
    }

    /// Runs `f` in a transaction, as Django's `transaction.atomic`: committed
    /// when `f` returns `Ok`, rolled back when it returns `Err` (or panics).
    /// Calls nest, each inner one a savepoint, on both backends.
    ///
    /// On SQLite the outermost call begins with `BEGIN IMMEDIATE`, taking
    /// the write lock at once: another connection's writer then waits (up
    /// to the busy timeout) instead of failing, as a read-then-write
    /// transaction that takes the lock late must (Django 5.1's
    /// `"transaction_mode": "IMMEDIATE"`). A lock held past the timeout is
    /// [`Error::Busy`] and nothing is written. On PostgreSQL it is `BEGIN`
    /// at the server's default isolation (`READ COMMITTED`); see
    /// [`atomic_with`](Db::atomic_with) for stricter levels.
    ///
    /// On PostgreSQL a failed statement aborts the whole transaction, so
    /// an `Err` that `f` recovers from must have come from a nested
    /// `atomic`, whose savepoint is rolled back, exactly as Django requires.
    ///
    /// ```
    /// # use query::prelude::*;
    /// # fn main() -> query::Result<()> {
    /// let db = Db::open_in_memory()?;
    /// let n = db.atomic(|db| {
    ///     db.execute_batch("CREATE TABLE t (x INTEGER)")?;
    ///     Ok(1)
    /// })?;
    /// assert_eq!(n, 1);
    /// # Ok(()) }
    /// ```
    pub fn atomic<T>(&self, f: impl FnOnce(&Db) -> Result<T>) -> Result<T> {
        self.atomic_with(Isolation::Default, f)
    }

    /// [`atomic`](Db::atomic) at an isolation level (PostgreSQL; SQLite's
    /// transactions are always serializable). The level applies to the
    /// outermost call; a nested call is a savepoint of the transaction
    /// already open and keeps its level. Under `RepeatableRead` and
    /// `Serializable`, a conflict with a concurrent transaction is
    /// [`Error::SerializationFailure`]: run the whole transaction again.
    pub fn atomic_with<T>(
        &self,
        isolation: Isolation,
        f: impl FnOnce(&Db) -> Result<T>,
    ) -> Result<T> {
        let depth = self.depth.get();
        let mut tx = self.transaction_sql(depth, isolation);
        self.execute_cached(&tx.begin)?;
        if depth == 0 && self.began_inside_transaction() {
            // The program had opened a transaction itself (PostgreSQL only
            // warns about the second BEGIN): this block is a savepoint of
            // it, as on SQLite, and leaves it open.
            tx = TransactionSql::savepoint(depth);
            self.execute_cached(&tx.begin)?;
        }
        self.depth.set(depth + 1);
        let guard = RollbackGuard {
            db: self,
            rollback: &tx.rollback,
            depth,
        };
        let result = f(self);
        std::mem::forget(guard);
        self.depth.set(depth);
        // A statement in this block (not undone by a nested block's
        // rollback) failed. On PostgreSQL that aborted the transaction, and
        // COMMIT would quietly roll it back; so, on both databases, the
        // block is rolled back and says so, even if `f` returned `Ok`.
        let failed_inside = self.failed_at.get().is_some_and(|d| d > depth);
        if failed_inside {
            self.failed_at.set(None);
        }
        match result {
            Ok(_) if failed_inside => {
                let _ = self.execute_batch(&tx.rollback);
                self.failed_at.set(None);
                Err(Error::TransactionAborted)
            }
            Ok(value) => match self.execute_cached(&tx.commit) {
                Ok(()) => Ok(value),
                Err(e) => {
                    let _ = self.execute_batch(&tx.rollback);
                    self.failed_at.set(None);
                    Err(e)
                }
            },
            Err(e) => {
                // If the database already rolled the transaction back (a
                // full disk, an I/O error), this fails too; the first error
                // is the one to report.
                let _ = self.execute_batch(&tx.rollback);
                if self.failed_at.get().is_some_and(|d| d > depth) {
                    self.failed_at.set(None);
                }
                Err(e)
            }
        }
    }

    /// Whether PostgreSQL warned that the last `BEGIN` came inside an open
    /// transaction.
    fn began_inside_transaction(&self) -> bool {
        match &self.conn {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(_) => false,
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => c.take_began_inside_transaction(),
        }
    }

    /// Ends whatever transaction a previous user left open and forgets
    /// `atomic`'s state: a [`Pool`](crate::Pool) does this before handing
    /// the connection out again.
    pub(crate) fn reset(&self) -> Result<()> {
        self.depth.set(0);
        self.failed_at.set(None);
        match &self.conn {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(c) if !c.is_autocommit() => self.execute_batch("ROLLBACK"),
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(_) => self.execute_batch("SELECT 1"),
            // Outside a transaction this only warns (and checks the
            // connection, as `SELECT 1` would).
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => self.execute_batch("ROLLBACK"),
        }
    }

    /// The statements that begin, commit and roll back a transaction at
    /// nesting `depth`.
    fn transaction_sql(&self, depth: u32, isolation: Isolation) -> TransactionSql {
        let outermost = depth == 0 && self.in_autocommit();
        if !outermost {
            return TransactionSql::savepoint(depth);
        }
        let begin = match self.backend() {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            _ => match isolation {
                Isolation::Default => "BEGIN",
                Isolation::ReadCommitted => "BEGIN ISOLATION LEVEL READ COMMITTED",
                Isolation::RepeatableRead => "BEGIN ISOLATION LEVEL REPEATABLE READ",
                Isolation::Serializable => "BEGIN ISOLATION LEVEL SERIALIZABLE",
            },
        };
        TransactionSql {
            begin: begin.to_owned(),
            commit: "COMMIT".to_owned(),
            rollback: "ROLLBACK".to_owned(),
        }
    }

    /// Whether no transaction is open (SQLite knows; on PostgreSQL only
    /// `atomic`'s own count does).
    fn in_autocommit(&self) -> bool {
        match &self.conn {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(c) => c.is_autocommit(),
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => true,
        }
    }

    fn execute_cached(&self, sql: &str) -> Result<()> {
        self.execute_bound(sql, &mut |_| Ok(())).map(drop)
    }
}

struct TransactionSql {
    begin: String,
    commit: String,
    rollback: String,
}

impl TransactionSql {
    /// A savepoint for the block at nesting `depth`.
    fn savepoint(depth: u32) -> Self {
        let name = format!("\"query_atomic_{depth}\"");
        TransactionSql {
            begin: format!("SAVEPOINT {name}"),
            commit: format!("RELEASE SAVEPOINT {name}"),
            rollback: format!("ROLLBACK TO SAVEPOINT {name}; RELEASE SAVEPOINT {name}"),
        }
    }
}

fn bind_all(b: &mut Binder<'_, '_>, params: &[Cow<'_, Value>]) -> Result<()> {
    for p in params {
        b.bind_value(p)?;
    }
    Ok(())
}

/// Rolls the transaction back if the closure inside `atomic` panics.
struct RollbackGuard<'a> {
    db: &'a Db,
    rollback: &'a str,
    depth: u32,
}

impl Drop for RollbackGuard<'_> {
    fn drop(&mut self) {
        self.db.depth.set(self.depth);
        let _ = self.db.execute_batch(self.rollback);
        if self.db.failed_at.get().is_some_and(|d| d > self.depth) {
            self.db.failed_at.set(None);
        }
    }
}

/// What a URL names.
enum Target {
    #[cfg(feature = "sqlite")]
    SqliteMemory,
    #[cfg(feature = "sqlite")]
    SqliteFile(std::path::PathBuf),
    #[cfg(feature = "postgres")]
    Postgres,
}

fn parse_url(url: &str) -> Result<Target> {
    let invalid = |reason: &str| Error::InvalidUrl {
        url: redact(url),
        reason: reason.to_owned(),
    };
    let Some((scheme, rest)) = url.split_once(':') else {
        return Err(invalid(
            "no scheme: write sqlite://path/to/file.db, sqlite::memory: or postgres://user@host/dbname",
        ));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "sqlite" => {
            #[cfg(feature = "sqlite")]
            {
                if rest == ":memory:" || rest == "//:memory:" {
                    return Ok(Target::SqliteMemory);
                }
                let Some(path) = rest.strip_prefix("//") else {
                    return Err(invalid(
                        "write sqlite://path/to/file.db (or sqlite:///absolute/path.db)",
                    ));
                };
                let path = path.split(['?', '#']).next().unwrap_or("");
                if path.is_empty() {
                    return Err(invalid("no file: write sqlite://path/to/file.db"));
                }
                Ok(Target::SqliteFile(path.into()))
            }
            #[cfg(not(feature = "sqlite"))]
            {
                let _ = rest;
                Err(invalid("SQLite needs the `sqlite` feature of query"))
            }
        }
        "postgres" | "postgresql" => {
            #[cfg(feature = "postgres")]
            {
                Ok(Target::Postgres)
            }
            #[cfg(not(feature = "postgres"))]
            {
                Err(invalid("PostgreSQL needs the `postgres` feature of query"))
            }
        }
        other => Err(invalid(&format!(
            "unknown scheme `{other}`: use sqlite:// or postgres://"
        ))),
    }
}
