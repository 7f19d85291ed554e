//! The postgres connection: opening it, running statements, and its errors.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use postgres::error::SqlState;
use postgres::{Client, NoTls, Statement};

use crate::backend::{Binder, BinderInner, Row};

use crate::backend::redact;
use crate::error::{ConstraintKind, Error, Result};

pub(crate) use super::types::PgParam;

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 256;

/// One PostgreSQL connection and its prepared statements.
pub(crate) struct PgConn {
    client: RefCell<Client>,
    statements: RefCell<HashMap<String, Statement>>,
    /// Set when an error said the connection is gone.
    broken: Cell<bool>,
}

impl std::fmt::Debug for PgConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConn").finish_non_exhaustive()
    }
}

impl PgConn {
    /// Connects to the server `url` names (`postgres://user@host:port/db`,
    /// or `postgresql://`; query parameters as libpq takes them).
    pub(crate) fn connect(url: &str) -> Result<PgConn> {
        let config: postgres::Config =
            url.parse()
                .map_err(|e: postgres::Error| Error::InvalidUrl {
                    url: redact(url),
                    reason: e.to_string(),
                })?;
        let client = config.connect(NoTls).map_err(|e| Error::Connect {
            url: redact(url),
            source: Box::new(PgError::new(e)),
        })?;
        Ok(PgConn {
            client: RefCell::new(client),
            statements: RefCell::new(HashMap::new()),
            broken: Cell::new(false),
        })
    }

    /// The client, for anything this crate does not do.
    pub(crate) fn client(&self) -> std::cell::RefMut<'_, Client> {
        self.client.borrow_mut()
    }

    /// Whether the connection to the server is gone.
    pub(crate) fn is_closed(&self) -> bool {
        self.broken.get()
            || self
                .client
                .try_borrow()
                .map(|c| c.is_closed())
                .unwrap_or(false)
    }

    /// Wraps `e` as [`Error::postgres`] does, noting a lost connection.
    fn error(&self, e: postgres::Error, sql: &str) -> Error {
        let lost = e.is_closed()
            || e.code().is_some_and(|c| {
                c.code().starts_with("08")
                    || *c == SqlState::ADMIN_SHUTDOWN
                    || *c == SqlState::CRASH_SHUTDOWN
                    || *c == SqlState::CANNOT_CONNECT_NOW
            });
        if lost {
            self.broken.set(true);
        }
        Error::postgres(e, sql)
    }

    /// The prepared statement for `sql`, from the cache or prepared now.
    fn prepare(&self, client: &mut Client, sql: &str) -> Result<Statement> {
        if let Some(stmt) = self.statements.borrow().get(sql) {
            return Ok(stmt.clone());
        }
        let stmt = client.prepare(sql).map_err(|e| self.error(e, sql))?;
        let mut cache = self.statements.borrow_mut();
        if cache.len() >= STATEMENT_CACHE {
            cache.clear();
        }
        cache.insert(sql.to_owned(), stmt.clone());
        Ok(stmt)
    }

    /// Forgets the prepared statements (after a schema change made a cached
    /// plan's result type stale).
    fn forget_statements(&self) {
        self.statements.borrow_mut().clear();
    }

    /// Runs `attempt`, and once more with fresh statements when the server
    /// says a cached plan went stale (a table changed under it).
    fn retrying<R>(&self, mut attempt: impl FnMut() -> Result<R>) -> Result<R> {
        match attempt() {
            Err(Error::Database { ref source, .. })
                if source
                    .downcast_ref::<PgError>()
                    .and_then(|e| e.inner().code())
                    == Some(&SqlState::FEATURE_NOT_SUPPORTED) =>
            {
                self.forget_statements();
                attempt()
            }
            other => other,
        }
    }

    /// Runs a query: `bind` binds its parameters, `each` sees each row until
    /// it returns false. Returns the number of rows seen.
    pub(crate) fn query(
        &self,
        sql: &str,
        bind: &mut dyn FnMut(&mut Binder<'_, '_>) -> Result<()>,
        each: &mut dyn FnMut(&Row<'_>) -> Result<bool>,
    ) -> Result<u64> {
        let mut params = Vec::new();
        bind(&mut Binder {
            inner: BinderInner::Values(&mut params),
        })?;
        let mut first = true;
        self.retrying(|| {
            // A query whose rows were already seen is not run again.
            if !first {
                return Err(Error::Database {
                    sql: sql.to_owned(),
                    source: "a table changed while the statement was cached".into(),
                });
            }
            let mut client = self.client.borrow_mut();
            let stmt = self.prepare(&mut client, sql)?;
            // All rows at once: the sync driver's row iterator (`query_raw`)
            // enters its runtime once per row, which cost all_10k a third
            // of its time; `query` enters it once. The rows are in memory
            // together, as in hand-written `client.query`.
            let wrapped: Vec<PgParam<'_>> = params.iter().map(PgParam).collect();
            let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = wrapped
                .iter()
                .map(|p| p as &(dyn postgres::types::ToSql + Sync))
                .collect();
            let rows = client.query(&stmt, &refs).map_err(|e| self.error(e, sql))?;
            drop(client);
            let mut n = 0;
            for row in &rows {
                first = false;
                n += 1;
                if !each(&Row::Postgres(row, rows.len()))? {
                    break;
                }
            }
            Ok(n)
        })
    }

    /// Runs a statement that returns no rows; returns the number of rows changed.
    pub(crate) fn execute(
        &self,
        sql: &str,
        bind: &mut dyn FnMut(&mut Binder<'_, '_>) -> Result<()>,
    ) -> Result<u64> {
        let mut params = Vec::new();
        bind(&mut Binder {
            inner: BinderInner::Values(&mut params),
        })?;
        self.retrying(|| {
            let mut client = self.client.borrow_mut();
            let stmt = self.prepare(&mut client, sql)?;
            let wrapped: Vec<PgParam<'_>> = params.iter().map(PgParam).collect();
            let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = wrapped
                .iter()
                .map(|p| p as &(dyn postgres::types::ToSql + Sync))
                .collect();
            client.execute(&stmt, &refs).map_err(|e| self.error(e, sql))
        })
    }

    /// Runs statements separated by `;`, without parameters.
    pub(crate) fn execute_batch(&self, sql: &str) -> Result<()> {
        self.client
            .borrow_mut()
            .batch_execute(sql)
            .map_err(|e| self.error(e, sql))
    }
}

impl Error {
    /// Wraps a `postgres` error with the statement it came from: constraint
    /// violations become [`Error::Integrity`] with their kind, serialization
    /// failures and deadlocks [`Error::SerializationFailure`].
    pub(crate) fn postgres(source: postgres::Error, sql: &str) -> Self {
        let sql = sql.to_owned();
        let code = source.code().cloned();
        let source = Box::new(PgError::new(source));
        let Some(code) = code else {
            return Error::Database { sql, source };
        };
        let kind = match code {
            SqlState::UNIQUE_VIOLATION => Some(ConstraintKind::Unique),
            SqlState::FOREIGN_KEY_VIOLATION => Some(ConstraintKind::ForeignKey),
            SqlState::NOT_NULL_VIOLATION => Some(ConstraintKind::NotNull),
            SqlState::CHECK_VIOLATION => Some(ConstraintKind::Check),
            ref c if c.code().starts_with("23") => Some(ConstraintKind::Other),
            _ => None,
        };
        if let Some(kind) = kind {
            return Error::Integrity { kind, sql, source };
        }
        if code == SqlState::T_R_SERIALIZATION_FAILURE || code == SqlState::T_R_DEADLOCK_DETECTED {
            return Error::SerializationFailure { sql, source };
        }
        if code.code().starts_with("22") {
            return Error::Data { sql, source };
        }
        Error::Database { sql, source }
    }
}

/// A `postgres` error whose message is the server's own (the driver's
/// `Display` says only "db error"): the message, its detail and hint.
#[derive(Debug)]
pub(crate) struct PgError {
    message: String,
    inner: postgres::Error,
}

impl PgError {
    pub(crate) fn new(inner: postgres::Error) -> Self {
        let message = match inner.as_db_error() {
            Some(db) => {
                let mut m = format!("{}: {}", db.severity(), db.message());
                if let Some(detail) = db.detail() {
                    m.push_str(" (");
                    m.push_str(detail);
                    m.push(')');
                }
                if let Some(hint) = db.hint() {
                    m.push_str("; hint: ");
                    m.push_str(hint);
                }
                m
            }
            None => inner.to_string(),
        };
        PgError { message, inner }
    }

    /// The driver's error.
    pub(crate) fn inner(&self) -> &postgres::Error {
        &self.inner
    }
}

impl std::fmt::Display for PgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PgError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.inner)
    }
}
