//! `Db`: a SQLite connection set up the way an application should have it.

use std::cell::Cell;
use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;

use crate::backend::Backend;
use crate::dialect::{CASEFOLD_FUNCTION, Sqlite, casefold};
use crate::error::{Error, Result};
use crate::migrations::{TableState, create_table_sql};
use crate::model::Model;

/// How long a statement waits for another connection's lock before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_millis(5000);

/// Prepared statements kept per connection. An application has a few dozen
/// distinct statements; rusqlite's default of 16 would evict them.
const STATEMENT_CACHE: usize = 256;

/// A database: one SQLite connection and the SQL dialect that goes with it.
///
/// `Db::open` applies the settings most SQLite applications forget: WAL
/// journaling for files (readers don't block the writer), a busy timeout of
/// five seconds, foreign keys on, `synchronous = NORMAL` (safe with WAL), and
/// a Unicode case-folding SQL function that the `i` lookups use.
pub struct Db {
    conn: Connection,
    /// A statement-text buffer reused from one query to the next, so that
    /// compiling a query allocates nothing once the buffer has grown.
    sql_buffer: Cell<String>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("conn", &self.conn)
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Opens (creating if needed) the database file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Db> {
        let path = path.as_ref();
        let err = |source| Error::Open {
            path: path.to_owned(),
            source: Box::new(source),
        };
        let conn = Connection::open(path).map_err(err)?;
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        Db::setup(conn).map_err(err)
    }

    /// Opens a private database in memory, gone when the `Db` is dropped.
    pub fn open_in_memory() -> Result<Db> {
        let err = |source| Error::Open {
            path: ":memory:".into(),
            source: Box::new(source),
        };
        let conn = Connection::open_in_memory().map_err(err)?;
        Db::setup(conn).map_err(err)
    }

    /// Wraps a connection opened elsewhere, applying the same settings as
    /// [`Db::open`] except the journal mode.
    pub fn from_connection(conn: Connection) -> Result<Db> {
        Db::setup(conn).map_err(|source| Error::Open {
            path: "<connection>".into(),
            source: Box::new(source),
        })
    }

    fn setup(conn: Connection) -> rusqlite::Result<Db> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        conn.create_scalar_function(
            CASEFOLD_FUNCTION,
            1,
            FunctionFlags::SQLITE_UTF8
                | FunctionFlags::SQLITE_DETERMINISTIC
                | FunctionFlags::SQLITE_INNOCUOUS,
            |ctx| {
                use rusqlite::types::ValueRef;
                Ok(match ctx.get_raw(0) {
                    ValueRef::Text(t) => Some(casefold(&String::from_utf8_lossy(t))),
                    ValueRef::Null => None,
                    other => Some(casefold(&crate::value::Value::from(other).to_text())),
                })
            },
        )?;
        Ok(Db {
            conn,
            sql_buffer: Cell::new(String::new()),
        })
    }

    /// The underlying rusqlite connection, for anything this crate does not do.
    pub fn connection(&self) -> &Connection {
        &self.conn
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

    /// The SQL dialect of this database.
    pub(crate) fn dialect(&self) -> &Sqlite {
        &Sqlite
    }

    /// Creates `M`'s table if it does not exist: column types, `NOT NULL` for
    /// every non-`Option` field, `UNIQUE`, `DEFAULT`, a `CHECK` for each
    /// `max_length` (in characters) and for booleans, and an index for each
    /// `db_index` field. The table is `STRICT`, so SQLite itself refuses a
    /// value of the wrong type from any program.
    ///
    /// Quick scripts and tests use this; applications use migrations.
    pub fn create_table<M: Model>(&self) -> Result<()> {
        let table = TableState::from_model(M::META);
        self.atomic(|db| {
            for sql in create_table_sql(Backend::Sqlite, &table, true) {
                db.execute_batch(&sql)?;
            }
            Ok(())
        })
    }

    /// Runs `f` in a transaction, as Django's `transaction.atomic`: committed
    /// when `f` returns `Ok`, rolled back when it returns `Err` (or panics).
    /// Calls nest, each inner one a savepoint.
    ///
    /// ```
    /// # use query::prelude::*;
    /// # fn main() -> query::Result<()> {
    /// let db = Db::open_in_memory()?;
    /// let n = db.atomic(|db| {
    ///     db.connection().execute_batch("CREATE TABLE t (x INTEGER)").ok();
    ///     Ok(1)
    /// })?;
    /// assert_eq!(n, 1);
    /// # Ok(()) }
    /// ```
    pub fn atomic<T>(&self, f: impl FnOnce(&Db) -> Result<T>) -> Result<T> {
        const BEGIN: &str = "SAVEPOINT \"query_atomic\"";
        const COMMIT: &str = "RELEASE \"query_atomic\"";
        const ROLLBACK: &str = "ROLLBACK TO \"query_atomic\"";
        self.execute_cached(BEGIN)?;
        let guard = RollbackGuard { db: self };
        let result = f(self);
        std::mem::forget(guard);
        match result {
            Ok(value) => match self.execute_cached(COMMIT) {
                Ok(()) => Ok(value),
                Err(e) => {
                    let _ = self.execute_cached(ROLLBACK);
                    let _ = self.execute_cached(COMMIT);
                    Err(e)
                }
            },
            Err(e) => {
                // If SQLite already rolled the transaction back (a full disk,
                // an I/O error), these fail too; the first error is the one
                // to report.
                let _ = self.execute_cached(ROLLBACK);
                let _ = self.execute_cached(COMMIT);
                Err(e)
            }
        }
    }

    fn execute_cached(&self, sql: &str) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(|e| Error::sqlite(e, sql))?;
        stmt.raw_execute().map_err(|e| Error::sqlite(e, sql))?;
        Ok(())
    }

    pub(crate) fn execute_batch(&self, sql: &str) -> Result<()> {
        self.conn
            .execute_batch(sql)
            .map_err(|e| Error::sqlite(e, sql))
    }
}

/// Rolls the savepoint back if the closure inside `atomic` panics.
struct RollbackGuard<'a> {
    db: &'a Db,
}

impl Drop for RollbackGuard<'_> {
    fn drop(&mut self) {
        let _ = self
            .db
            .conn
            .execute_batch("ROLLBACK TO \"query_atomic\"; RELEASE \"query_atomic\"");
    }
}
