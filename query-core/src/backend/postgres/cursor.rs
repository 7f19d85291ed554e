//! A server-side cursor read in chunks
//! ([`QuerySet::iterator`](crate::QuerySet::iterator)), as Django's
//! `iterator()` reads PostgreSQL.

use std::sync::atomic::{AtomicU64, Ordering};

use postgres::Statement;

use super::conn::PgConn;
use crate::backend::Row;
use crate::db::{Conn, Db};
use crate::error::{Error, Result};
use crate::value::Value;

/// Rows fetched per `FETCH`: Django's `iterator()` default `chunk_size`.
pub(crate) const CHUNK: usize = 2000;

/// Cursor names, unique in the process (so on each connection).
static NEXT_CURSOR: AtomicU64 = AtomicU64::new(1);

/// `DECLARE "query_cursor_<n>" NO SCROLL CURSOR [WITH HOLD] FOR <select>`,
/// then `FETCH 2000 FROM "query_cursor_<n>"` whenever the rows fetched are
/// used up, and `CLOSE` at the end.
///
/// Outside `atomic` the cursor is declared `WITH HOLD` (as Django's is in
/// autocommit mode): its own transaction ends at once and the server keeps
/// the result (materialized when that transaction commits) until `CLOSE`,
/// so no transaction stays open and the `Db` runs anything else
/// meanwhile, `atomic` blocks included. Inside `atomic` it is a plain
/// cursor of that transaction, streamed as the rows are fetched; it ends
/// with the transaction, and fetching after that is an `Err`.
///
/// The client is borrowed only while a statement runs: other statements on
/// the same `Db` work between fetches.
pub(crate) struct PgCursor<'db> {
    db: &'db Db,
    /// The quoted name.
    name: String,
    fetch_sql: String,
    /// The prepared `FETCH`, once the first chunk was fetched.
    fetch: Option<Statement>,
    /// The rows of the last chunk not read yet.
    rows: std::vec::IntoIter<postgres::Row>,
    /// The last `FETCH` returned less than a chunk: nothing is left.
    drained: bool,
    closed: bool,
}

fn pg<'c>(conn: &'c Conn, sql: &str) -> Result<&'c PgConn> {
    match conn {
        Conn::Postgres(c) => Ok(c),
        #[allow(unreachable_patterns)]
        _ => Err(Error::Database {
            sql: sql.to_owned(),
            source: "a PostgreSQL cursor on a connection that is not PostgreSQL".into(),
        }),
    }
}

impl<'db> PgCursor<'db> {
    /// Declares the cursor for `select` with `params` bound. Counted as one
    /// statement by [`Db::queries_run`], as is each `FETCH` and the `CLOSE`.
    pub(crate) fn open(db: &'db Db, select: &str, params: &[Value]) -> Result<Self> {
        let name = format!(
            "\"query_cursor_{}\"",
            NEXT_CURSOR.fetch_add(1, Ordering::Relaxed)
        );
        let hold = if db.in_atomic() { "" } else { " WITH HOLD" };
        let declare = format!("DECLARE {name} NO SCROLL CURSOR{hold} FOR {select}");
        db.run_on_conn(&declare, params, |c| {
            pg(c, &declare)?.execute_once(&declare, params)
        })?;
        Ok(PgCursor {
            db,
            fetch_sql: format!("FETCH {CHUNK} FROM {name}"),
            name,
            fetch: None,
            rows: Vec::new().into_iter(),
            drained: false,
            closed: false,
        })
    }

    /// Reads the next row with `read`, fetching a chunk when the last one
    /// is used up; `None` past the last row (the cursor is then closed).
    pub(crate) fn next<T>(
        &mut self,
        read: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        loop {
            if let Some(row) = self.rows.next() {
                let left = self.rows.len() + 1;
                return read(&Row::Postgres(&row, left)).map(Some);
            }
            if self.drained {
                self.close()?;
                return Ok(None);
            }
            let chunk = self.fetch_chunk()?;
            self.drained = chunk.len() < CHUNK;
            self.rows = chunk.into_iter();
        }
    }

    fn fetch_chunk(&mut self) -> Result<Vec<postgres::Row>> {
        let (db, sql) = (self.db, &self.fetch_sql);
        let fetch = &mut self.fetch;
        db.run_on_conn(sql, &[], |c| {
            let conn = pg(c, sql)?;
            let stmt = match fetch {
                Some(stmt) => stmt.clone(),
                None => fetch.insert(conn.prepare_once(sql)?).clone(),
            };
            conn.query_prepared(&stmt, sql)
        })
    }

    fn close(&mut self) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        self.closed = true;
        let close = format!("CLOSE {}", self.name);
        self.db
            .run_on_conn(&close, &[], |c| pg(c, &close)?.execute_once(&close, &[]))
            .map(drop)
    }
}

impl Drop for PgCursor<'_> {
    fn drop(&mut self) {
        if self.closed {
            return;
        }
        if self.db.in_atomic() {
            // Inside a transaction a failed CLOSE would abort it: close the
            // cursor only if it still exists (a cursor declared in an
            // earlier transaction, without `WITH HOLD`, ended with it).
            let bare = self.name.trim_matches('"').to_owned();
            let sql = "SELECT 1 FROM pg_cursors WHERE name = $1";
            let params = [Value::Text(bare)];
            let exists = self
                .db
                .run_on_conn(sql, &params, |c| pg(c, sql)?.query_once(sql, &params))
                .is_ok_and(|rows| !rows.is_empty());
            if !exists {
                self.closed = true;
                return;
            }
        }
        // Outside a transaction a failed CLOSE harms nothing.
        let _ = self.close();
    }
}
