//! Reading and binding values on SQLite: each scalar field type through
//! rusqlite's own conversions (dates and times as ISO 8601 text).

use rusqlite::types::{FromSql, ToSql, ToSqlOutput, ValueRef};

use crate::backend::Primitive;
use crate::error::{Error, Result};
use crate::value::Value;

/// What SQLite needs of a scalar field type: rusqlite converts it both ways.
#[doc(hidden)]
pub trait SqlitePrimitive: FromSql + ToSql {}
impl<T: FromSql + ToSql> SqlitePrimitive for T {}

fn decode(index: usize, e: rusqlite::Error) -> Error {
    Error::Decode {
        column: index,
        message: e.to_string(),
    }
}

/// Column `index` of `row`, `None` when NULL.
#[inline]
pub(crate) fn read<T: Primitive>(row: &rusqlite::Row<'_>, index: usize) -> Result<Option<T>> {
    row.get::<_, Option<T>>(index).map_err(|e| decode(index, e))
}

/// Column `index` of `row` as a [`Value`].
pub(crate) fn read_value(row: &rusqlite::Row<'_>, index: usize) -> Result<Value> {
    row.get_ref(index)
        .map(Value::from)
        .map_err(|e| decode(index, e))
}

/// Binds parameter `index` (1-based) to `value`.
#[inline]
pub(crate) fn bind<T: Primitive>(
    stmt: &mut rusqlite::Statement<'_>,
    index: usize,
    value: &T,
) -> Result<()> {
    stmt.raw_bind_parameter(index, value)
        .map_err(|e| Error::sqlite(e, stmt.expanded_sql().as_deref().unwrap_or("")))
}

/// Binds parameter `index` (1-based) to `value`.
#[inline]
pub(crate) fn bind_value(
    stmt: &mut rusqlite::Statement<'_>,
    index: usize,
    value: &Value,
) -> Result<()> {
    stmt.raw_bind_parameter(index, value)
        .map_err(|e| Error::sqlite(e, stmt.expanded_sql().as_deref().unwrap_or("")))
}

impl ToSql for Value {
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::List(_) => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    "SQLite has no array parameters: bind a list's values one by one".into(),
                ));
            }
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(r) => ValueRef::Real(*r),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

impl From<ValueRef<'_>> for Value {
    fn from(value: ValueRef<'_>) -> Self {
        match value {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(r) => Value::Real(r),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        }
    }
}

impl From<rusqlite::types::Value> for Value {
    fn from(value: rusqlite::types::Value) -> Self {
        use rusqlite::types::Value as V;
        match value {
            V::Null => Value::Null,
            V::Integer(i) => Value::Integer(i),
            V::Real(r) => Value::Real(r),
            V::Text(s) => Value::Text(s),
            V::Blob(b) => Value::Blob(b),
        }
    }
}
