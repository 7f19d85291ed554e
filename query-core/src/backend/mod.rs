//! The databases: one folder per backend, each writing its own SQL.

pub(crate) mod postgres;
pub(crate) mod schema;
pub(crate) mod sqlite;

/// Which database a [`Db`](crate::Db) speaks to, or a migration's SQL is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// SQLite, through rusqlite.
    Sqlite,
    /// PostgreSQL, through the `postgres` crate.
    Postgres,
}
