//! A SQLite query whose rows are read one at a time, its statement kept
//! prepared and positioned on the current row between calls
//! ([`QuerySet::iterator`](crate::QuerySet::iterator)).

use std::mem::ManuallyDrop;

use rusqlite::CachedStatement;

use crate::backend::{Binder, Row};
use crate::db::{Conn, Db};
use crate::error::{Error, Result};
use crate::value::Value;

/// A prepared, bound statement, stepped one row per [`next`](SqliteCursor::next).
///
/// No `unsafe` and no self-reference: rusqlite steps a statement only
/// through [`rusqlite::Rows`], which borrows the statement mutably and
/// resets it (back to before its first row) when dropped. Each `next`
/// makes a `Rows` (which only holds a reference: making one does not touch
/// the statement), steps it once, reads the row, and does not drop it, so
/// the statement stays on that row for the next call; forgetting a `Rows`
/// leaks nothing (it owns no memory). Stepping past the last row, or
/// failing, resets the statement inside rusqlite: from then on `done` keeps
/// it from being stepped again (it would start over). Dropping the cursor
/// early resets the statement by dropping one `Rows`, so that it goes back
/// to the connection's cache at its start and SQLite's read of the table
/// ends.
pub(crate) struct SqliteCursor<'db> {
    db: &'db Db,
    stmt: CachedStatement<'db>,
    sql: String,
    /// Stepped past the last row, or failed.
    done: bool,
}

impl<'db> SqliteCursor<'db> {
    /// Prepares `sql` (from the connection's cache) and binds `params`.
    /// Counted as one statement by [`Db::queries_run`].
    pub(crate) fn open(db: &'db Db, sql: &str, params: &[Value]) -> Result<Self> {
        let stmt = db.run_on_conn(sql, params, |conn| match conn {
            Conn::Sqlite(c) => super::conn::prepare_bound(c, sql, &mut |b: &mut Binder<'_, '_>| {
                params.iter().try_for_each(|p| b.bind_value(p))
            }),
            #[allow(unreachable_patterns)]
            _ => Err(Error::Database {
                sql: sql.to_owned(),
                source: "a SQLite cursor on a connection that is not SQLite".into(),
            }),
        })?;
        Ok(SqliteCursor {
            db,
            stmt,
            sql: sql.to_owned(),
            done: false,
        })
    }

    /// Steps to the next row and reads it with `read`; `None` past the last.
    pub(crate) fn next<T>(
        &mut self,
        read: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        if self.done {
            return Ok(None);
        }
        // Not dropped: dropping it would reset the statement (see the type's
        // documentation).
        let mut rows = ManuallyDrop::new(self.stmt.raw_query());
        match rows.next() {
            Ok(Some(row)) => read(&Row::Sqlite(row)).map(Some),
            Ok(None) => {
                self.done = true;
                Ok(None)
            }
            Err(e) => {
                self.done = true;
                self.db.cursor_failed();
                Err(Error::sqlite(e, &self.sql))
            }
        }
    }
}

impl Drop for SqliteCursor<'_> {
    fn drop(&mut self) {
        if !self.done {
            // Dropping a `Rows` resets the statement.
            drop(self.stmt.raw_query());
        }
    }
}
