//! Values bound to statements, and how a column is stored.

/// One value bound to a statement parameter.
///
/// Every value a query carries travels as a `Value`, never as SQL text:
/// nothing a user passes can change the shape of a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// A 64-bit signed integer (also booleans, as 0 and 1).
    Integer(i64),
    /// A 64-bit float.
    Real(f64),
    /// UTF-8 text (also dates and times, as ISO 8601 text).
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
    /// A list bound as one array parameter (PostgreSQL's `= ANY($1)` for a
    /// long `is_in` list; SQLite binds long lists as one JSON text).
    List(Vec<Value>),
}

/// How a column is stored, independent of the database: one variant per
/// Rust field type, so that each backend can pick its own column type (and
/// range `CHECK`) from it, as Django's field classes do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SqlType {
    /// `i8`: `smallint` with a range check on PostgreSQL.
    I8,
    /// `i16`: Django's `SmallIntegerField`.
    I16,
    /// `i32`: Django's `IntegerField`.
    I32,
    /// `i64`: Django's `BigIntegerField`.
    I64,
    /// `u8`: `smallint` with a range check.
    U8,
    /// `u16`: `integer` with a range check.
    U16,
    /// `u32`: `bigint` with a range check.
    U32,
    /// `f32`: `real`.
    F32,
    /// `f64`: `double precision`.
    F64,
    /// `bool`.
    Bool,
    /// `String`.
    Text,
    /// `Vec<u8>`.
    Blob,
    /// `chrono::NaiveDate`.
    Date,
    /// `chrono::NaiveDateTime`.
    DateTime,
    /// `chrono::DateTime<Utc>`.
    DateTimeUtc,
    /// `rust_decimal::Decimal` (feature `decimal`), Django's `DecimalField`:
    /// `numeric(p, s)` on PostgreSQL, exact decimal text compared as numbers
    /// on SQLite. Its precision is the field's `max_digits` and
    /// `decimal_places`.
    Decimal,
}

impl SqlType {
    /// Every type, for parsers and tests.
    pub const ALL: [SqlType; 16] = [
        SqlType::I8,
        SqlType::I16,
        SqlType::I32,
        SqlType::I64,
        SqlType::U8,
        SqlType::U16,
        SqlType::U32,
        SqlType::F32,
        SqlType::F64,
        SqlType::Bool,
        SqlType::Text,
        SqlType::Blob,
        SqlType::Date,
        SqlType::DateTime,
        SqlType::DateTimeUtc,
        SqlType::Decimal,
    ];

    /// The type's name in migration files: the Rust type's (`i32`, `text`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            SqlType::I8 => "i8",
            SqlType::I16 => "i16",
            SqlType::I32 => "i32",
            SqlType::I64 => "i64",
            SqlType::U8 => "u8",
            SqlType::U16 => "u16",
            SqlType::U32 => "u32",
            SqlType::F32 => "f32",
            SqlType::F64 => "f64",
            SqlType::Bool => "bool",
            SqlType::Text => "text",
            SqlType::Blob => "blob",
            SqlType::Date => "date",
            SqlType::DateTime => "datetime",
            SqlType::DateTimeUtc => "datetime_utc",
            SqlType::Decimal => "decimal",
        }
    }

    /// The type named `name` (see [`name`](SqlType::name)).
    pub fn from_name(name: &str) -> Option<SqlType> {
        SqlType::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Whether values are integers (booleans are not).
    pub const fn is_integer(self) -> bool {
        matches!(
            self,
            SqlType::I8
                | SqlType::I16
                | SqlType::I32
                | SqlType::I64
                | SqlType::U8
                | SqlType::U16
                | SqlType::U32
        )
    }

    /// The inclusive range an integer column must stay in when the
    /// database's own column type is wider than the Rust type (checked with
    /// a `CHECK`): the unsigned types and `i8`.
    pub const fn checked_range(self) -> Option<(i64, i64)> {
        match self {
            SqlType::I8 => Some((i8::MIN as i64, i8::MAX as i64)),
            SqlType::U8 => Some((0, u8::MAX as i64)),
            SqlType::U16 => Some((0, u16::MAX as i64)),
            SqlType::U32 => Some((0, u32::MAX as i64)),
            _ => None,
        }
    }
}

impl Value {
    /// A float that is not a number, which SQLite binds as NULL.
    pub(crate) fn is_nan(&self) -> bool {
        matches!(self, Value::Real(r) if r.is_nan())
    }

    /// The value as text, the way SQLite's `CAST(x AS TEXT)` shows it.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) fn to_text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Integer(i) => i.to_string(),
            Value::Real(r) => r.to_string(),
            Value::Text(s) => s.clone(),
            Value::Blob(b) => String::from_utf8_lossy(b).into_owned(),
            Value::List(items) => items
                .iter()
                .map(Value::to_text)
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}
