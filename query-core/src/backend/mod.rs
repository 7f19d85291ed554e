//! The databases: one folder per backend, each with its SQL writer, its
//! connection and execution, its column types, and its schema SQL for
//! migrations.
//!
//! Everything above this module is backend-neutral: generated code reads
//! rows through [`Row`] (by column index, from an offset, so that a joined
//! row can hold several models) and binds through [`Binder`]; neither shows a
//! driver type.

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!(
    "query-core needs a database: enable the `sqlite` feature, the `postgres` feature, or both"
);

pub(crate) mod postgres;
pub(crate) mod schema;
pub(crate) mod sqlite;

use std::marker::PhantomData;

use crate::error::{Error, Result};
use crate::value::Value;

/// The database a [`Db`](crate::Db) talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// SQLite, embedded, through rusqlite (feature `sqlite`).
    Sqlite,
    /// PostgreSQL, through the `postgres` crate (feature `postgres`).
    Postgres,
}

impl Backend {
    /// The backend's name, as Django's `connection.vendor` gives it
    /// (`sqlite`, `postgresql`).
    pub const fn vendor(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgresql",
        }
    }

    /// A small index, for per-backend caches.
    pub(crate) const fn index(self) -> usize {
        match self {
            Backend::Sqlite => 0,
            Backend::Postgres => 1,
        }
    }
}

#[cfg(feature = "sqlite")]
use self::sqlite::types::SqlitePrimitive;
#[cfg(not(feature = "sqlite"))]
#[doc(hidden)]
pub trait SqlitePrimitive {}
#[cfg(not(feature = "sqlite"))]
impl<T> SqlitePrimitive for T {}

#[cfg(feature = "postgres")]
use self::postgres::types::PgPrimitive;
#[cfg(not(feature = "postgres"))]
#[doc(hidden)]
pub trait PgPrimitive {}
#[cfg(not(feature = "postgres"))]
impl<T> PgPrimitive for T {}

/// A non-NULL Rust value that every backend can read and bind: the scalar
/// field types. Each backend's `types.rs` says how.
#[doc(hidden)]
pub trait Primitive: Sized + 'static + SqlitePrimitive + PgPrimitive {
    /// The value as a bound [`Value`].
    fn to_value(&self) -> Value;
    /// The value as a bound [`Value`], moving its buffer where it has one.
    fn into_value(self) -> Value {
        self.to_value()
    }
    /// The text of a text value.
    fn as_text(&self) -> Option<&str> {
        None
    }
}

/// One row of a result, from any backend.
#[doc(hidden)]
pub enum Row<'r> {
    /// A SQLite row.
    #[cfg(feature = "sqlite")]
    Sqlite(&'r rusqlite::Row<'r>),
    /// A PostgreSQL row, and how many rows its result has.
    #[cfg(feature = "postgres")]
    Postgres(&'r ::postgres::Row, usize),
    #[doc(hidden)]
    _Lifetime(PhantomData<&'r ()>, std::convert::Infallible),
}

impl Row<'_> {
    /// Column `index` (0-based), or `None` when it is NULL.
    #[inline]
    pub fn get<T: Primitive>(&self, index: usize) -> Result<Option<T>> {
        match self {
            #[cfg(feature = "sqlite")]
            Row::Sqlite(row) => sqlite::types::read::<T>(row, index),
            #[cfg(feature = "postgres")]
            Row::Postgres(row, _) => postgres::types::read::<T>(row, index),
            Row::_Lifetime(_, never) => match *never {},
        }
    }

    /// Column `index`, which must not be NULL.
    #[inline]
    pub fn get_required<T: Primitive>(&self, index: usize) -> Result<T> {
        match self {
            #[cfg(feature = "sqlite")]
            Row::Sqlite(row) => sqlite::types::read_required::<T>(row, index),
            #[cfg(feature = "postgres")]
            Row::Postgres(row, _) => {
                postgres::types::read::<T>(row, index)?.ok_or_else(|| unexpected_null(index))
            }
            Row::_Lifetime(_, never) => match *never {},
        }
    }

    /// Column `index` as a [`Value`], whatever its type.
    pub fn value(&self, index: usize) -> Result<Value> {
        match self {
            #[cfg(feature = "sqlite")]
            Row::Sqlite(row) => sqlite::types::read_value(row, index),
            #[cfg(feature = "postgres")]
            Row::Postgres(row, _) => postgres::types::read_value(row, index),
            Row::_Lifetime(_, never) => match *never {},
        }
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        match self {
            #[cfg(feature = "sqlite")]
            Row::Sqlite(row) => row.as_ref().column_count(),
            #[cfg(feature = "postgres")]
            Row::Postgres(row, _) => row.len(),
            Row::_Lifetime(_, never) => match *never {},
        }
    }

    /// How many rows the result holds, when the backend knows before they
    /// are read (PostgreSQL reads a result whole): for sizing a vector once.
    pub fn result_len(&self) -> Option<usize> {
        match self {
            #[cfg(feature = "sqlite")]
            Row::Sqlite(_) => None,
            #[cfg(feature = "postgres")]
            Row::Postgres(_, n) => Some(*n),
            Row::_Lifetime(_, never) => match *never {},
        }
    }

    /// Whether the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The error of a NULL read into a field that is not an `Option`.
#[cold]
pub(crate) fn unexpected_null(index: usize) -> Error {
    Error::Decode {
        column: index,
        message: "unexpected NULL in a column whose field is not an Option".into(),
    }
}

/// Binds a statement's parameters in order, on any backend.
#[doc(hidden)]
pub struct Binder<'b, 'c> {
    pub(crate) inner: BinderInner<'b, 'c>,
}

pub(crate) enum BinderInner<'b, 'c> {
    /// Straight into a prepared SQLite statement (no copies), from
    /// parameter `next` (1-based).
    #[cfg(feature = "sqlite")]
    Sqlite {
        stmt: &'b mut rusqlite::Statement<'c>,
        next: usize,
    },
    /// Collected as values (sent with the statement on PostgreSQL; logged).
    Values(&'b mut Vec<Value>),
    #[allow(dead_code)]
    _Lifetime(PhantomData<(&'b (), &'c ())>, std::convert::Infallible),
}

impl Binder<'_, '_> {
    /// Binds the next parameter to `value`.
    #[inline]
    pub fn bind<T: Primitive>(&mut self, value: &T) -> Result<()> {
        match &mut self.inner {
            #[cfg(feature = "sqlite")]
            BinderInner::Sqlite { stmt, next } => {
                sqlite::types::bind(stmt, *next, value)?;
                *next += 1;
                Ok(())
            }
            BinderInner::Values(values) => {
                values.push(value.to_value());
                Ok(())
            }
            BinderInner::_Lifetime(_, never) => match *never {},
        }
    }

    /// Binds the next parameter to NULL.
    #[inline]
    pub fn bind_null(&mut self) -> Result<()> {
        self.bind_value(&Value::Null)
    }

    /// Binds the next parameter to `value`.
    pub fn bind_value(&mut self, value: &Value) -> Result<()> {
        match &mut self.inner {
            #[cfg(feature = "sqlite")]
            BinderInner::Sqlite { stmt, next } => {
                sqlite::types::bind_value(stmt, *next, value)?;
                *next += 1;
                Ok(())
            }
            BinderInner::Values(values) => {
                values.push(value.clone());
                Ok(())
            }
            BinderInner::_Lifetime(_, never) => match *never {},
        }
    }
}

/// `url` with its password, if any, hidden: for messages.
pub(crate) fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}
