//! The postgres connection: opening it, running statements, and its errors.

use std::cell::{Cell, RefCell, RefMut};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use postgres::error::SqlState;
use postgres::{Client, NoTls, Statement};

use crate::backend::{Binder, BinderInner, Row};

use crate::backend::redact;
use crate::error::{ConstraintKind, Error, Result};
use crate::value::Value;

pub(crate) use super::types::PgParam;

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 256;

/// One PostgreSQL connection and its prepared statements.
pub(crate) struct PgConn {
    client: RefCell<Client>,
    statements: RefCell<HashMap<String, Statement>>,
    /// Set when an error said the connection is gone.
    broken: Cell<bool>,
    /// Set by the server's warning that a `BEGIN` came inside a transaction.
    began_inside: Arc<AtomicBool>,
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
        let mut config = config;
        // A host that drops packets would otherwise hang `connect` for the
        // system's TCP timeout (minutes); the URL's `connect_timeout` wins.
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(10));
        }
        let began_inside = Arc::new(AtomicBool::new(false));
        let flag = began_inside.clone();
        config.notice_callback(move |notice| {
            let code = notice.code();
            if *code == SqlState::ACTIVE_SQL_TRANSACTION {
                // "there is already a transaction in progress": `atomic`
                // asked, and turns its BEGIN into a savepoint.
                flag.store(true, Ordering::Relaxed);
            } else if *code != SqlState::NO_ACTIVE_SQL_TRANSACTION {
                tracing::info!(target: "query", "{}: {}", notice.severity(), notice.message());
            }
        });
        let client = config.connect(NoTls).map_err(|e| Error::Connect {
            url: redact(url),
            source: Box::new(PgError::new(e)),
        })?;
        Ok(PgConn {
            client: RefCell::new(client),
            statements: RefCell::new(HashMap::new()),
            broken: Cell::new(false),
            began_inside,
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

    /// The client, or an error when it is borrowed (through
    /// `Db::postgres_client`) while the `Db` runs a statement.
    fn client_for(&self, sql: &str) -> Result<RefMut<'_, Client>> {
        self.client.try_borrow_mut().map_err(|_| Error::Database {
            sql: sql.to_owned(),
            source: "the PostgreSQL client is borrowed (from `Db::postgres_client`): drop it before running statements through the `Db`".into(),
        })
    }

    /// Runs `attempt`; when the server says a cached plan went stale (a
    /// table changed under a prepared statement) forgets the prepared
    /// statements and, when `retry` (no transaction is open, so the failed
    /// attempt aborted nothing), tries once more.
    fn retrying<R>(&self, retry: bool, mut attempt: impl FnMut() -> Result<R>) -> Result<R> {
        match attempt() {
            Err(e) if is_stale_plan(&e) => {
                self.forget_statements();
                if retry { attempt() } else { Err(e) }
            }
            // A value the cached statement's parameter types refuse, before
            // anything was sent (so no transaction is aborted): the column
            // may have changed type since the statement was prepared.
            // Prepare it again and try once more; a value that really
            // doesn't fit fails the same way.
            Err(e) if is_refused_parameter(&e) => {
                self.forget_statements();
                attempt()
            }
            other => other,
        }
    }

    /// Runs `sql` with `params` and returns its rows, all at once: the sync
    /// driver's row iterator (`query_raw`) enters its runtime once per row,
    /// which cost all_10k a third of its time; `query` enters it once. The
    /// rows are in memory together, as in hand-written `client.query`.
    fn rows(&self, sql: &str, params: &[Value], retry: bool) -> Result<Vec<postgres::Row>> {
        self.retrying(retry, || {
            let mut client = self.client_for(sql)?;
            let stmt = self.prepare(&mut client, sql)?;
            let wrapped: Vec<PgParam<'_>> = params.iter().map(PgParam).collect();
            let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = wrapped
                .iter()
                .map(|p| p as &(dyn postgres::types::ToSql + Sync))
                .collect();
            client.query(&stmt, &refs).map_err(|e| self.error(e, sql))
        })
    }

    /// Runs a query: `bind` binds its parameters, `each` sees each row until
    /// it returns false. Returns the number of rows seen. `retry`: see
    /// [`retrying`](PgConn::retrying).
    pub(crate) fn query(
        &self,
        sql: &str,
        retry: bool,
        bind: &mut dyn FnMut(&mut Binder<'_, '_>) -> Result<()>,
        each: &mut dyn FnMut(&Row<'_>) -> Result<bool>,
    ) -> Result<u64> {
        let mut params = Vec::new();
        bind(&mut Binder {
            inner: BinderInner::Values(&mut params),
        })?;
        // The client is free again while the rows are mapped.
        let rows = self.rows(sql, &params, retry)?;
        let mut n = 0;
        for row in &rows {
            n += 1;
            if !each(&Row::Postgres(row, rows.len()))? {
                break;
            }
        }
        Ok(n)
    }

    /// Runs a statement that returns no rows; returns the number of rows
    /// changed. `retry`: see [`retrying`](PgConn::retrying).
    pub(crate) fn execute(
        &self,
        sql: &str,
        retry: bool,
        bind: &mut dyn FnMut(&mut Binder<'_, '_>) -> Result<()>,
    ) -> Result<u64> {
        let mut params = Vec::new();
        bind(&mut Binder {
            inner: BinderInner::Values(&mut params),
        })?;
        self.retrying(retry, || {
            let mut client = self.client_for(sql)?;
            let stmt = self.prepare(&mut client, sql)?;
            let wrapped: Vec<PgParam<'_>> = params.iter().map(PgParam).collect();
            let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = wrapped
                .iter()
                .map(|p| p as &(dyn postgres::types::ToSql + Sync))
                .collect();
            client.execute(&stmt, &refs).map_err(|e| self.error(e, sql))
        })
    }

    /// Runs statements separated by `;`, without parameters. Schema changes
    /// run this way, so the prepared statements are forgotten after it: a
    /// cached plan may bind a column's old type.
    pub(crate) fn execute_batch(&self, sql: &str) -> Result<()> {
        let done = self
            .client_for(sql)?
            .batch_execute(sql)
            .map_err(|e| self.error(e, sql));
        if changes_tables(sql) {
            self.forget_statements();
        }
        done
    }

    /// Runs `sql` with `params` outside the statement cache (a cursor's
    /// `DECLARE` and `CLOSE`, whose texts name each cursor); returns the
    /// number of rows changed.
    pub(crate) fn execute_once(&self, sql: &str, params: &[Value]) -> Result<u64> {
        let mut client = self.client_for(sql)?;
        let wrapped: Vec<PgParam<'_>> = params.iter().map(PgParam).collect();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = wrapped
            .iter()
            .map(|p| p as &(dyn postgres::types::ToSql + Sync))
            .collect();
        client.execute(sql, &refs).map_err(|e| self.error(e, sql))
    }

    /// Runs `sql` with `params` outside the statement cache and returns its
    /// rows.
    pub(crate) fn query_once(&self, sql: &str, params: &[Value]) -> Result<Vec<postgres::Row>> {
        let mut client = self.client_for(sql)?;
        let wrapped: Vec<PgParam<'_>> = params.iter().map(PgParam).collect();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = wrapped
            .iter()
            .map(|p| p as &(dyn postgres::types::ToSql + Sync))
            .collect();
        client.query(sql, &refs).map_err(|e| self.error(e, sql))
    }

    /// Prepares `sql` outside the statement cache (a cursor's `FETCH`,
    /// prepared once per cursor and closed with it).
    pub(crate) fn prepare_once(&self, sql: &str) -> Result<Statement> {
        let mut client = self.client_for(sql)?;
        client.prepare(sql).map_err(|e| self.error(e, sql))
    }

    /// Runs a statement from [`prepare_once`](PgConn::prepare_once), which
    /// binds nothing, and returns its rows.
    pub(crate) fn query_prepared(&self, stmt: &Statement, sql: &str) -> Result<Vec<postgres::Row>> {
        let mut client = self.client_for(sql)?;
        client.query(stmt, &[]).map_err(|e| self.error(e, sql))
    }

    /// Whether the server warned, since the last call, that a `BEGIN` came
    /// inside a transaction already open (the program's own `BEGIN`).
    pub(crate) fn take_began_inside_transaction(&self) -> bool {
        self.began_inside.swap(false, Ordering::Relaxed)
    }
}

/// Whether the driver refused to encode a parameter (nothing was sent).
fn is_refused_parameter(e: &Error) -> bool {
    matches!(e, Error::Data { source, .. }
        if source.downcast_ref::<PgError>().is_some_and(|p| p.inner.as_db_error().is_none()))
}

/// Whether the server refused a cached plan whose result type changed.
fn is_stale_plan(e: &Error) -> bool {
    matches!(e, Error::Database { source, .. }
        if source.downcast_ref::<PgError>().is_some_and(PgError::is_stale_plan))
}

/// Whether `sql` may change a table under a prepared statement (`ALTER`,
/// `DROP`): then the prepared statements are forgotten. (`VACUUM`, `SET`,
/// `CREATE`, transaction control and the rest leave them valid.)
fn changes_tables(sql: &str) -> bool {
    sql.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .any(|w| w.eq_ignore_ascii_case("ALTER") || w.eq_ignore_ascii_case("DROP"))
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
            // A value the parameter's type can't take (a number out of an
            // `integer`'s range) is refused before it is sent: the server
            // would have said the same, as SQLSTATE 22.
            if source
                .to_string()
                .starts_with("error serializing parameter")
            {
                return Error::Data { sql, source };
            }
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
        // `lock_timeout` ran out (or `NOWAIT`): a lock another connection
        // held, as SQLite's busy timeout.
        if code == SqlState::LOCK_NOT_AVAILABLE {
            return Error::Busy { sql, source };
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
            None => {
                // A client-side error (binding a parameter): its cause is
                // the part that says what was wrong.
                let mut m = inner.to_string();
                if let Some(cause) = std::error::Error::source(&inner) {
                    let cause = cause.to_string();
                    if !m.contains(&cause) {
                        m.push_str(": ");
                        m.push_str(&cause);
                    }
                }
                m
            }
        };
        PgError { message, inner }
    }

    /// Whether the server refused a cached plan whose result type changed.
    fn is_stale_plan(&self) -> bool {
        self.inner.code() == Some(&SqlState::FEATURE_NOT_SUPPORTED)
            && self
                .message
                .contains("cached plan must not change result type")
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
