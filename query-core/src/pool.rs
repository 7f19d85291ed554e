//! `Pool`: connections shared by a server's threads, one `Db` per thread at
//! a time (r2d2 underneath).

use std::time::Duration;

use crate::backend::redact;
use crate::db::Db;
use crate::error::{Error, Result};

/// Opens the connections of a [`Pool`].
#[derive(Debug)]
struct Manager {
    url: String,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Db;
    type Error = Error;

    fn connect(&self) -> Result<Db> {
        Db::connect(&self.url)
    }

    // Checks the connection as it is handed out, and ends any transaction
    // the previous borrower left open (a SQLite connection holding the
    // write lock would make every other writer wait).
    fn is_valid(&self, db: &mut Db) -> Result<()> {
        db.reset()
    }

    fn has_broken(&self, db: &mut Db) -> bool {
        db.is_broken()
    }
}

/// A pool of connections to one database, for programs that serve many
/// requests at once: each thread takes a [`Db`] with [`get`](Pool::get)
/// and gives it back when the [`PooledDb`] drops.
///
/// ```no_run
/// # use query::prelude::*;
/// # fn main() -> query::Result<()> {
/// let pool = Pool::connect("postgres://app@127.0.0.1/shop", 16)?;
/// let db = pool.get()?; // derefs to Db
/// # let _ = db;
/// # Ok(()) }
/// ```
///
/// A connection is checked as it is handed out (with a `ROLLBACK` of any
/// transaction its last borrower left open), and one the server closed is
/// dropped, so a restarted server or a killed connection costs the
/// statement that was running, not the pool.
#[derive(Clone)]
pub struct Pool {
    inner: r2d2::Pool<Manager>,
    /// The URL, with any password hidden.
    url: std::sync::Arc<str>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.inner.state();
        f.debug_struct("Pool")
            .field("url", &self.url)
            .field("connections", &state.connections)
            .field("idle", &state.idle_connections)
            .finish()
    }
}

impl Pool {
    /// A pool of at most `size` connections to the database `url` names
    /// (as [`Db::connect`] takes it). One connection is opened at once, so
    /// that a bad URL, an unreachable server or a refused login is an
    /// `Err` here rather than at the first [`get`](Pool::get).
    ///
    /// An in-memory SQLite database can't be pooled (each connection would
    /// be a database of its own): that is [`Error::InvalidUrl`].
    pub fn connect(url: &str, size: u32) -> Result<Pool> {
        if url.starts_with("sqlite:") && url.contains(":memory:") {
            return Err(Error::InvalidUrl {
                url: url.to_owned(),
                reason: "a pool of in-memory SQLite databases would give each connection its own empty database: use a file".into(),
            });
        }
        if size == 0 {
            return Err(Error::InvalidUrl {
                url: redact(url),
                reason: "a pool needs at least one connection".into(),
            });
        }
        let first = Db::connect(url)?;
        let inner = r2d2::Pool::builder()
            .max_size(size)
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(30))
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build_unchecked(Manager {
                url: url.to_owned(),
            });
        drop(first);
        Ok(Pool {
            inner,
            url: redact(url).into(),
        })
    }

    /// A connection, waiting up to 30 seconds for one to be free;
    /// [`Error::Pool`] after that (or when no connection can be opened).
    pub fn get(&self) -> Result<PooledDb> {
        self.inner
            .get()
            .map(PooledDb)
            .map_err(|e| Error::Pool(e.to_string()))
    }
}

/// A [`Db`] borrowed from a [`Pool`]; returned to it on drop.
pub struct PooledDb(r2d2::PooledConnection<Manager>);

impl std::fmt::Debug for PooledDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl std::ops::Deref for PooledDb {
    type Target = Db;
    fn deref(&self) -> &Db {
        &self.0
    }
}
