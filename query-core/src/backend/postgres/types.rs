//! Reading and binding values on PostgreSQL.
//!
//! PostgreSQL's column types are narrower than SQLite's (an `i32` field is
//! an `integer` column, a `u32` a `bigint`), and the `postgres` crate
//! converts only between exactly matching types. So reading widens any
//! integer column to `i64` and narrows it to the field's type with a range
//! check, and a [`Value`] is encoded by the type the server gives its
//! parameter: `Value::Integer(1)` binds an `int2`, `int4`, `int8` or
//! `boolean` parameter alike, date text binds a `date` or `timestamp`, and
//! a decimal's exact text binds a `numeric`.

use std::error::Error as StdError;

use bytes::BytesMut;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use crate::backend::Primitive;
use crate::error::{Error, Result};
use crate::value::Value;

type BoxError = Box<dyn StdError + Sync + Send>;

/// How PostgreSQL reads a scalar field type.
#[doc(hidden)]
pub trait PgPrimitive: Sized {
    /// Column `index` of `row`, `None` when NULL.
    fn read_pg(row: &postgres::Row, index: usize) -> Result<Option<Self>>;
}

fn decode(index: usize, e: impl std::fmt::Display) -> Error {
    Error::Decode {
        column: index,
        message: e.to_string(),
    }
}

/// Column `index` of `row`, `None` when NULL.
#[inline]
pub(crate) fn read<T: Primitive>(row: &postgres::Row, index: usize) -> Result<Option<T>> {
    T::read_pg(row, index)
}

/// Any integer column, widened.
struct AnyInt(i64);

impl<'a> FromSql<'a> for AnyInt {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> std::result::Result<Self, BoxError> {
        Ok(AnyInt(match *ty {
            Type::INT2 => i64::from(i16::from_sql(ty, raw)?),
            Type::INT4 => i64::from(i32::from_sql(ty, raw)?),
            Type::INT8 => i64::from_sql(ty, raw)?,
            Type::OID => i64::from(u32::from_sql(ty, raw)?),
            Type::BOOL => i64::from(bool::from_sql(ty, raw)?),
            _ => return Err(format!("an integer field can't read a `{ty}` column").into()),
        }))
    }
    fn accepts(_: &Type) -> bool {
        true
    }
}

/// Any float column, widened.
struct AnyFloat(f64);

impl<'a> FromSql<'a> for AnyFloat {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> std::result::Result<Self, BoxError> {
        Ok(AnyFloat(match *ty {
            Type::FLOAT4 => f64::from(f32::from_sql(ty, raw)?),
            Type::FLOAT8 => f64::from_sql(ty, raw)?,
            Type::INT2 | Type::INT4 | Type::INT8 => AnyInt::from_sql(ty, raw)?.0 as f64,
            _ => return Err(format!("a float field can't read a `{ty}` column").into()),
        }))
    }
    fn accepts(_: &Type) -> bool {
        true
    }
}

macro_rules! int_read {
    ($($ty:ty),*) => {$(
        impl PgPrimitive for $ty {
            #[inline]
            fn read_pg(row: &postgres::Row, index: usize) -> Result<Option<Self>> {
                match row.try_get::<_, Option<AnyInt>>(index).map_err(|e| decode(index, e))? {
                    None => Ok(None),
                    Some(AnyInt(v)) => <$ty>::try_from(v).map(Some).map_err(|_| {
                        decode(index, format_args!("{v} does not fit in {}", stringify!($ty)))
                    }),
                }
            }
        }
    )*};
}
int_read!(i8, i16, u8, u16, u32);

// `i64` and `i32` read their own column types (`bigint`, `integer`) straight
// away, and widen anything else.
macro_rules! native_int_read {
    ($($ty:ty => $pg:ident),*) => {$(
        impl PgPrimitive for $ty {
            #[inline]
            fn read_pg(row: &postgres::Row, index: usize) -> Result<Option<Self>> {
                if row.columns().get(index).is_some_and(|c| *c.type_() == Type::$pg) {
                    return row
                        .try_get::<_, Option<$ty>>(index)
                        .map_err(|e| decode(index, e));
                }
                match row.try_get::<_, Option<AnyInt>>(index).map_err(|e| decode(index, e))? {
                    None => Ok(None),
                    Some(AnyInt(v)) => <$ty>::try_from(v).map(Some).map_err(|_| {
                        decode(index, format_args!("{v} does not fit in {}", stringify!($ty)))
                    }),
                }
            }
        }
    )*};
}
native_int_read!(i64 => INT8, i32 => INT4);

impl PgPrimitive for f64 {
    #[inline]
    fn read_pg(row: &postgres::Row, index: usize) -> Result<Option<Self>> {
        Ok(row
            .try_get::<_, Option<AnyFloat>>(index)
            .map_err(|e| decode(index, e))?
            .map(|f| f.0))
    }
}

impl PgPrimitive for f32 {
    #[inline]
    fn read_pg(row: &postgres::Row, index: usize) -> Result<Option<Self>> {
        Ok(f64::read_pg(row, index)?.map(|f| f as f32))
    }
}

macro_rules! exact_read {
    ($($ty:ty),*) => {$(
        impl PgPrimitive for $ty {
            #[inline]
            fn read_pg(row: &postgres::Row, index: usize) -> Result<Option<Self>> {
                row.try_get::<_, Option<$ty>>(index).map_err(|e| decode(index, e))
            }
        }
    )*};
}
exact_read!(bool, String, Vec<u8>);
#[cfg(feature = "chrono")]
exact_read!(
    chrono::NaiveDate,
    chrono::NaiveDateTime,
    chrono::DateTime<chrono::Utc>
);

// A decimal reads from a `numeric` column through rust_decimal's own
// conversion (its `db-postgres` feature), exactly.
#[cfg(feature = "decimal")]
exact_read!(rust_decimal::Decimal);

/// Column `index` of `row` as a [`Value`], whatever its type: integers,
/// floats, booleans (0 and 1), text, bytes, dates and times as the ISO 8601
/// text SQLite stores, and `numeric` as its exact decimal text (feature
/// `decimal`).
pub(crate) fn read_value(row: &postgres::Row, index: usize) -> Result<Value> {
    let columns = row.columns();
    let Some(column) = columns.get(index) else {
        return Err(decode(index, "no such column"));
    };
    let ty = column.type_().clone();
    let value = match ty {
        Type::INT2 | Type::INT4 | Type::INT8 | Type::OID | Type::BOOL => row
            .try_get::<_, Option<AnyInt>>(index)
            .map_err(|e| decode(index, e))?
            .map(|v| Value::Integer(v.0)),
        Type::FLOAT4 | Type::FLOAT8 => row
            .try_get::<_, Option<AnyFloat>>(index)
            .map_err(|e| decode(index, e))?
            .map(|v| Value::Real(v.0)),
        Type::BYTEA => row
            .try_get::<_, Option<Vec<u8>>>(index)
            .map_err(|e| decode(index, e))?
            .map(Value::Blob),
        #[cfg(feature = "chrono")]
        Type::DATE => <chrono::NaiveDate as PgPrimitive>::read_pg(row, index)?
            .map(|d| Primitive::to_value(&d)),
        #[cfg(feature = "chrono")]
        Type::TIMESTAMP => <chrono::NaiveDateTime as PgPrimitive>::read_pg(row, index)?
            .map(|d| Primitive::to_value(&d)),
        #[cfg(feature = "chrono")]
        Type::TIMESTAMPTZ => <chrono::DateTime<chrono::Utc> as PgPrimitive>::read_pg(row, index)?
            .map(|d| Primitive::to_value(&d)),
        #[cfg(feature = "decimal")]
        Type::NUMERIC => <rust_decimal::Decimal as PgPrimitive>::read_pg(row, index)?
            .map(|d| Primitive::to_value(&d)),
        _ => row
            .try_get::<_, Option<String>>(index)
            .map_err(|_| decode(index, format_args!("can't read a `{ty}` column as a value")))?
            .map(Value::Text),
    };
    Ok(value.unwrap_or(Value::Null))
}

/// A [`Value`] bound as a PostgreSQL parameter, encoded by the parameter's type.
#[derive(Debug)]
pub(crate) struct PgParam<'v>(pub &'v Value);

fn mismatch(what: &str, ty: &Type) -> BoxError {
    format!("can't bind {what} to a parameter of type `{ty}`").into()
}

#[cfg(feature = "chrono")]
fn date_time(text: &str, ty: &Type, out: &mut BytesMut) -> std::result::Result<IsNull, BoxError> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
    let bad = |e: chrono::ParseError| -> BoxError {
        format!("`{text}` is not a valid `{ty}`: {e}").into()
    };
    match *ty {
        Type::DATE => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(bad)?
            .to_sql(ty, out),
        Type::TIMESTAMP => NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
            .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
            .map_err(bad)?
            .to_sql(ty, out),
        _ => DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z")
            .or_else(|_| DateTime::parse_from_rfc3339(text))
            .map_err(bad)?
            .with_timezone(&Utc)
            .to_sql(ty, out),
    }
}

/// A decimal's text (or an integer's) as a `numeric` parameter.
#[cfg(feature = "decimal")]
fn numeric(text: &str, ty: &Type, out: &mut BytesMut) -> std::result::Result<IsNull, BoxError> {
    use std::str::FromStr;
    rust_decimal::Decimal::from_str_exact(text)
        .or_else(|_| rust_decimal::Decimal::from_str(text))
        .map_err(|e| -> BoxError { format!("`{text}` is not a valid `numeric`: {e}").into() })?
        .to_sql(ty, out)
}

#[cfg(not(feature = "decimal"))]
fn numeric(_text: &str, ty: &Type, _out: &mut BytesMut) -> std::result::Result<IsNull, BoxError> {
    Err(format!("binding a `{ty}` needs the `decimal` feature").into())
}

#[cfg(not(feature = "chrono"))]
fn date_time(_text: &str, ty: &Type, _out: &mut BytesMut) -> std::result::Result<IsNull, BoxError> {
    Err(format!("binding a `{ty}` needs the `chrono` feature").into())
}

impl ToSql for PgParam<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> std::result::Result<IsNull, BoxError> {
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)
                    .map_err(|_| format!("{i} is out of range for `integer`"))?
                    .to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)
                    .map_err(|_| format!("{i} is out of range for `smallint`"))?
                    .to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::FLOAT4 => (*i as f32).to_sql(ty, out),
                Type::OID => u32::try_from(*i)
                    .map_err(|_| format!("{i} is out of range for `oid`"))?
                    .to_sql(ty, out),
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    i.to_string().as_str().to_sql(ty, out)
                }
                Type::NUMERIC => numeric(&i.to_string(), ty, out),
                _ => Err(mismatch("an integer", ty)),
            },
            Value::Real(r) => match *ty {
                Type::FLOAT8 => r.to_sql(ty, out),
                Type::FLOAT4 => (*r as f32).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    r.to_string().as_str().to_sql(ty, out)
                }
                _ => Err(mismatch("a float", ty)),
            },
            Value::Text(s) => match *ty {
                Type::DATE | Type::TIMESTAMP | Type::TIMESTAMPTZ => date_time(s, ty, out),
                Type::NUMERIC => numeric(s, ty, out),
                Type::BYTEA => s.as_bytes().to_sql(ty, out),
                Type::TEXT
                | Type::VARCHAR
                | Type::BPCHAR
                | Type::NAME
                | Type::UNKNOWN
                | Type::JSON
                | Type::XML => s.as_str().to_sql(&Type::TEXT, out),
                Type::JSONB => {
                    // jsonb's binary form: a version byte, then the text.
                    out.extend_from_slice(&[1]);
                    out.extend_from_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                // The text of a type whose binary form is not its text
                // (uuid, time, numeric, an enum...) would be misread.
                _ => Err(mismatch("text", ty)),
            },
            Value::Blob(b) => match *ty {
                Type::BYTEA => b.as_slice().to_sql(ty, out),
                _ => Err(mismatch("bytes", ty)),
            },
            // An array parameter: each element encoded by the element type.
            Value::List(items) => match ty.kind() {
                postgres::types::Kind::Array(_) => items
                    .iter()
                    .map(PgParam)
                    .collect::<Vec<_>>()
                    .to_sql(ty, out),
                _ => Err(mismatch("a list", ty)),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}
