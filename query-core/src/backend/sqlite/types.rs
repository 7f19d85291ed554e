//! Reading and binding values on SQLite: each scalar field type through
//! rusqlite's own conversions (dates and times as ISO 8601 text), and
//! decimals as their exact text.

use rusqlite::types::{ToSql, ToSqlOutput, ValueRef};

use crate::backend::Primitive;
use crate::error::{Error, Result};
use crate::value::Value;

/// How SQLite reads and binds a scalar field type.
#[doc(hidden)]
pub trait SqlitePrimitive: Sized {
    /// Column `index` of `row`, `None` when NULL.
    fn read_sqlite(row: &rusqlite::Row<'_>, index: usize) -> Result<Option<Self>>;
    /// Column `index` of `row`, which must not be NULL.
    #[inline]
    fn read_sqlite_required(row: &rusqlite::Row<'_>, index: usize) -> Result<Self> {
        Self::read_sqlite(row, index)?.ok_or_else(|| crate::backend::unexpected_null(index))
    }
    /// Binds parameter `index` (1-based) to the value.
    fn bind_sqlite(&self, stmt: &mut rusqlite::Statement<'_>, index: usize)
    -> rusqlite::Result<()>;
}

/// The types rusqlite converts both ways itself.
macro_rules! rusqlite_primitive {
    ($($ty:ty),*) => {$(
        impl SqlitePrimitive for $ty {
            #[inline]
            fn read_sqlite(row: &rusqlite::Row<'_>, index: usize) -> Result<Option<Self>> {
                row.get::<_, Option<$ty>>(index).map_err(|e| decode(index, e))
            }
            // Straight into the type (rusqlite refuses a NULL itself): no
            // `Option` to unwrap on the path of every column read.
            #[inline]
            fn read_sqlite_required(row: &rusqlite::Row<'_>, index: usize) -> Result<Self> {
                row.get::<_, $ty>(index).map_err(|e| match e {
                    rusqlite::Error::InvalidColumnType(_, _, rusqlite::types::Type::Null) => {
                        crate::backend::unexpected_null(index)
                    }
                    e => decode(index, e),
                })
            }
            #[inline]
            fn bind_sqlite(
                &self,
                stmt: &mut rusqlite::Statement<'_>,
                index: usize,
            ) -> rusqlite::Result<()> {
                stmt.raw_bind_parameter(index, self)
            }
        }
    )*};
}
rusqlite_primitive!(
    i8,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    f32,
    f64,
    bool,
    String,
    Vec<u8>
);
#[cfg(feature = "chrono")]
rusqlite_primitive!(
    chrono::NaiveDate,
    chrono::NaiveDateTime,
    chrono::DateTime<chrono::Utc>
);

/// A decimal is stored as its exact text. It reads from text (also in
/// exponent notation), and from the integers and floats a `decimal` column
/// of a database made elsewhere (Django's, whose SQLite columns have NUMERIC
/// affinity) holds: a float by its shortest text, which is the decimal it
/// was written from when that had at most 15 significant digits.
#[cfg(feature = "decimal")]
impl SqlitePrimitive for rust_decimal::Decimal {
    fn read_sqlite(row: &rusqlite::Row<'_>, index: usize) -> Result<Option<Self>> {
        use rust_decimal::Decimal;
        use std::str::FromStr;
        let bad = |message: String| Error::Decode {
            column: index,
            message,
        };
        match row.get_ref(index).map_err(|e| decode(index, e))? {
            ValueRef::Null => Ok(None),
            ValueRef::Integer(i) => Ok(Some(Decimal::from(i))),
            ValueRef::Real(r) => Decimal::from_str(&r.to_string())
                .map(Some)
                .map_err(|e| bad(format!("the float {r} is not a decimal: {e}"))),
            ValueRef::Text(t) => {
                let text = String::from_utf8_lossy(t);
                let text = text.trim();
                Decimal::from_str_exact(text)
                    .or_else(|_| Decimal::from_scientific(text))
                    .map(Some)
                    .map_err(|e| bad(format!("{text:?} is not a decimal: {e}")))
            }
            ValueRef::Blob(_) => Err(bad("a Decimal field can't read a BLOB".into())),
        }
    }

    fn bind_sqlite(
        &self,
        stmt: &mut rusqlite::Statement<'_>,
        index: usize,
    ) -> rusqlite::Result<()> {
        stmt.raw_bind_parameter(index, self.to_string())
    }
}

fn decode(index: usize, e: rusqlite::Error) -> Error {
    Error::Decode {
        column: index,
        message: e.to_string(),
    }
}

/// Column `index` of `row`, which must not be NULL.
#[inline]
pub(crate) fn read_required<T: Primitive>(row: &rusqlite::Row<'_>, index: usize) -> Result<T> {
    T::read_sqlite_required(row, index)
}

/// Column `index` of `row`, `None` when NULL.
#[inline]
pub(crate) fn read<T: Primitive>(row: &rusqlite::Row<'_>, index: usize) -> Result<Option<T>> {
    T::read_sqlite(row, index)
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
    value
        .bind_sqlite(stmt, index)
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
