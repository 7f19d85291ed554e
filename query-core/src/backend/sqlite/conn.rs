//! The sqlite connection: opening it, running statements, and its errors.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;

use super::writer::{CASEFOLD_FUNCTION, casefold};
use crate::backend::{Binder, BinderInner, Row};
use crate::error::{ConstraintKind, Error, Result};

/// How long a statement waits for another connection's lock before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_millis(5000);

/// Prepared statements kept per connection. An application has a few dozen
/// distinct statements; rusqlite's default of 16 would evict them.
const STATEMENT_CACHE: usize = 256;

/// Opens the file at `path` with WAL journaling and `synchronous = NORMAL`.
pub(crate) fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    setup(conn)
}

/// The settings every connection gets: the busy timeout, foreign keys, the
/// statement cache, the case-folding function of the `i` lookups, the
/// regular expression function of `regex` and `iregex`, and the collation
/// that orders decimal text by value.
pub(crate) fn setup(conn: Connection) -> rusqlite::Result<Connection> {
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
    super::regexp::register(&conn)?;
    conn.create_collation(super::decimal::DECIMAL_COLLATION, super::decimal::compare)?;
    Ok(conn)
}

/// Runs a query: `bind` binds its parameters, `each` sees each row until
/// it returns false. Returns the number of rows seen.
pub(crate) fn query(
    conn: &Connection,
    sql: &str,
    bind: &mut dyn FnMut(&mut Binder<'_, '_>) -> Result<()>,
    each: &mut dyn FnMut(&Row<'_>) -> Result<bool>,
) -> Result<u64> {
    let err = |e| Error::sqlite(e, sql);
    let mut stmt = prepare_bound(conn, sql, bind)?;
    let mut rows = stmt.raw_query();
    let mut n = 0;
    while let Some(row) = rows.next().map_err(err)? {
        n += 1;
        if !each(&Row::Sqlite(row))? {
            break;
        }
    }
    Ok(n)
}

/// Runs a statement that returns no rows; returns the number of rows changed.
pub(crate) fn execute(
    conn: &Connection,
    sql: &str,
    bind: &mut dyn FnMut(&mut Binder<'_, '_>) -> Result<()>,
) -> Result<u64> {
    let mut stmt = prepare_bound(conn, sql, bind)?;
    stmt.raw_execute()
        .map(|n| n as u64)
        .map_err(|e| Error::sqlite(e, sql))
}

/// The cached statement for `sql`, with `bind`'s parameters bound.
pub(super) fn prepare_bound<'c>(
    conn: &'c Connection,
    sql: &str,
    bind: &mut dyn FnMut(&mut Binder<'_, '_>) -> Result<()>,
) -> Result<rusqlite::CachedStatement<'c>> {
    let mut stmt = conn
        .prepare_cached(sql)
        .map_err(|e| Error::sqlite(e, sql))?;
    bind(&mut Binder {
        inner: BinderInner::Sqlite {
            stmt: &mut stmt,
            next: 1,
        },
    })?;
    Ok(stmt)
}

impl Error {
    /// Wraps a rusqlite error with the statement it came from: constraint
    /// violations become [`Error::Integrity`] with their kind, a lock held
    /// past the busy timeout [`Error::Busy`].
    pub(crate) fn sqlite(source: rusqlite::Error, sql: &str) -> Self {
        use rusqlite::ffi;
        let sql = sql.to_owned();
        let (code, extended) = match &source {
            rusqlite::Error::SqliteFailure(e, _) => (Some(e.code), e.extended_code),
            _ => (None, 0),
        };
        let source = Box::new(source);
        match code {
            Some(rusqlite::ErrorCode::ConstraintViolation) => {
                let kind = match extended {
                    ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                        ConstraintKind::Unique
                    }
                    ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ConstraintKind::ForeignKey,
                    ffi::SQLITE_CONSTRAINT_NOTNULL => ConstraintKind::NotNull,
                    ffi::SQLITE_CONSTRAINT_CHECK => ConstraintKind::Check,
                    _ => ConstraintKind::Other,
                };
                Error::Integrity { kind, sql, source }
            }
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                Error::Busy { sql, source }
            }
            _ => Error::Database { sql, source },
        }
    }

    /// The underlying SQLite error, if this error came from SQLite.
    pub fn sqlite_error(&self) -> Option<&rusqlite::Error> {
        match self {
            Error::Integrity { source, .. }
            | Error::Database { source, .. }
            | Error::Busy { source, .. }
            | Error::Open { source, .. } => source.downcast_ref(),
            _ => None,
        }
    }
}
