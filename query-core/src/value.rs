//! Values bound to statements, and the Rust types a model field can have.

use rusqlite::types::{FromSql, ToSql, ToSqlOutput, ValueRef};

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
}

impl ToSql for Value {
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
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

/// Turns anything rusqlite can bind into a [`Value`], the way rusqlite would bind it.
///
/// One mechanism for every type: a lookup's argument is stored exactly as a
/// model field of that type is stored, so the two always compare equal.
pub fn to_value<T: ToSql + ?Sized>(v: &T) -> Value {
    match v.to_sql() {
        Ok(ToSqlOutput::Borrowed(r)) => r.into(),
        Ok(ToSqlOutput::Owned(v)) => v.into(),
        // Every `FieldType` converts infallibly except `u64`-like types, which
        // are not field types; `Null` is never reached in practice.
        _ => Value::Null,
    }
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
}

impl SqlType {
    /// Every type, for parsers and tests.
    pub const ALL: [SqlType; 15] = [
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

/// A Rust type a model field can have.
///
/// Implemented for the integers up to `i64`, `f32`, `f64`, `bool`, `String`,
/// `Vec<u8>`, the chrono date types, and `Option` of each of these.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a supported model field type",
    label = "unsupported field type",
    note = "a field can be `i8`, `i16`, `i32`, `i64`, `u8`, `u16`, `u32`, `f32`, `f64`, `bool`, `String`, `Vec<u8>`, `chrono::NaiveDate`, `chrono::NaiveDateTime`, `chrono::DateTime<Utc>`, or an `Option` of one of these (SQLite stores signed 64-bit integers: use `i64` rather than `u64` or `usize`)"
)]
pub trait FieldType: ToSql + FromSql + 'static {
    /// The non-NULL type: `T` for `Option<T>`, `Self` otherwise. Lookups take values of it.
    type Scalar: Scalar;
    /// Whether the column allows NULL (`Option<T>` fields).
    const NULLABLE: bool;
    /// How the column is stored.
    const SQL_TYPE: SqlType = <Self::Scalar as Scalar>::SQL_TYPE;

    /// The current time, for date and time types (`auto_now`); `None` for others.
    fn now() -> Option<Self> {
        None
    }
}

/// What generated code does with a field of type `T`, as plain function
/// pointers. Built once per field in a `const`, so that an unsupported field
/// type is reported once, where the const is built, not at every use.
#[doc(hidden)]
pub struct ColumnOps<T> {
    pub sql_type: SqlType,
    pub nullable: bool,
    pub get: fn(&rusqlite::Row<'_>, usize) -> rusqlite::Result<T>,
    pub bind: fn(&mut rusqlite::Statement<'_>, usize, &T) -> rusqlite::Result<()>,
    pub value: fn(&T) -> Value,
    pub text: for<'a> fn(&'a T) -> Option<&'a str>,
    pub now: fn() -> Option<T>,
}

/// The [`ColumnOps`] of `T`. A function with the bound on itself, not on an
/// impl block, so that an unsupported type gets `FieldType`'s message.
#[doc(hidden)]
pub const fn column_ops<T: FieldType>() -> ColumnOps<T> {
    {
        ColumnOps {
            sql_type: T::SQL_TYPE,
            nullable: T::NULLABLE,
            get: get_column::<T>,
            bind: bind_column::<T>,
            value: to_value::<T>,
            text: text_of::<T>,
            now: T::now,
        }
    }
}

#[inline(always)]
fn get_column<T: FieldType>(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<T> {
    row.get(index)
}

#[inline(always)]
fn bind_column<T: FieldType>(
    stmt: &mut rusqlite::Statement<'_>,
    index: usize,
    value: &T,
) -> rusqlite::Result<()> {
    stmt.raw_bind_parameter(index, value)
}

/// The text of a value stored as text; `None` for NULL and non-text values.
fn text_of<T: ToSql>(value: &T) -> Option<&str> {
    match value.to_sql() {
        Ok(ToSqlOutput::Borrowed(ValueRef::Text(t))) => std::str::from_utf8(t).ok(),
        _ => None,
    }
}

/// What generated code does with the primary key, as for [`ColumnOps`].
#[doc(hidden)]
pub struct KeyOps<T> {
    pub auto: bool,
    pub is_unset: fn(&T) -> bool,
    pub set_assigned: fn(&mut T, i64) -> bool,
}

/// The [`KeyOps`] of `T` (see [`column_ops`]).
#[doc(hidden)]
pub const fn key_ops<T: PrimaryKey>() -> KeyOps<T> {
    {
        KeyOps {
            auto: T::AUTO,
            is_unset: T::is_unset,
            set_assigned: T::set_assigned,
        }
    }
}

/// A field type that is never NULL.
pub trait Scalar: FieldType<Scalar = Self> {
    /// How the column is stored.
    const SQL_TYPE: SqlType;
}

/// A value usable where a field of type `T` is expected: a lookup's argument,
/// an `update` assignment, a `default` or a `choices` entry.
///
/// `i64` takes `i64` (so `price.lte(500)` infers the literal), `String` takes
/// `&str`, `String` and `&String`, `Option<T>` takes `T` and `Option<T>`.
/// (Not `Option<&str>`: then `set(None)` would be ambiguous.)
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value for a field of type `{T}`",
    label = "expected a value of type `{T}`",
    note = "a lookup takes the field's own type, or something that converts into it (`&str` for a `String` field)"
)]
pub trait IntoValue<T> {
    /// Converts into the value that is bound.
    fn into_value(self) -> Value;
}

/// How an owned value of a field type becomes a [`Value`]. Through rusqlite's
/// `ToSql` by default, which is what binding a model's field does; `String`
/// and `Vec<u8>` move their buffer instead of copying it.
trait Owned: Sized + ToSql {
    fn into_owned_value(self) -> Value {
        to_value(&self)
    }
}

impl Owned for String {
    fn into_owned_value(self) -> Value {
        Value::Text(self)
    }
}

impl Owned for Vec<u8> {
    fn into_owned_value(self) -> Value {
        Value::Blob(self)
    }
}

macro_rules! scalar {
    ($($ty:ty => $sql:ident $(, now = $now:expr)?);* $(;)?) => {$(
        impl FieldType for $ty {
            type Scalar = $ty;
            const NULLABLE: bool = false;
            $(
                fn now() -> Option<Self> {
                    Some($now)
                }
            )?
        }
        impl Scalar for $ty {
            const SQL_TYPE: SqlType = SqlType::$sql;
        }
        impl IntoValue<$ty> for $ty {
            #[inline]
            fn into_value(self) -> Value {
                Owned::into_owned_value(self)
            }
        }
        impl IntoValue<Option<$ty>> for $ty {
            #[inline]
            fn into_value(self) -> Value {
                Owned::into_owned_value(self)
            }
        }
        impl IntoValue<Option<$ty>> for Option<$ty> {
            #[inline]
            fn into_value(self) -> Value {
                match self {
                    Some(v) => Owned::into_owned_value(v),
                    None => Value::Null,
                }
            }
        }
    )*};
}

macro_rules! owned_by_to_sql {
    ($($ty:ty),*) => {$( impl Owned for $ty {} )*};
}
owned_by_to_sql!(i8, i16, i32, i64, u8, u16, u32, f32, f64, bool);
#[cfg(feature = "chrono")]
owned_by_to_sql!(
    chrono::NaiveDate,
    chrono::NaiveDateTime,
    chrono::DateTime<chrono::Utc>
);

scalar! {
    i8 => I8; i16 => I16; i32 => I32; i64 => I64;
    u8 => U8; u16 => U16; u32 => U32;
    f32 => F32; f64 => F64;
    bool => Bool;
    String => Text;
    Vec<u8> => Blob;
}

#[cfg(feature = "chrono")]
scalar! {
    chrono::NaiveDate => Date, now = chrono::Utc::now().date_naive();
    chrono::NaiveDateTime => DateTime, now = chrono::Utc::now().naive_utc();
    chrono::DateTime<chrono::Utc> => DateTimeUtc, now = chrono::Utc::now();
}

impl<T: Scalar> FieldType for Option<T> {
    type Scalar = T;
    const NULLABLE: bool = true;
    fn now() -> Option<Self> {
        T::now().map(Some)
    }
}

macro_rules! borrowed {
    ($($from:ty => $to:ty, $conv:expr;)*) => {$(
        impl IntoValue<$to> for $from {
            #[inline]
            fn into_value(self) -> Value {
                $conv(self)
            }
        }
        impl IntoValue<Option<$to>> for $from {
            #[inline]
            fn into_value(self) -> Value {
                $conv(self)
            }
        }
    )*};
}

borrowed! {
    &str => String, |s: &str| Value::Text(s.to_owned());
    &String => String, |s: &String| Value::Text(s.clone());
    &[u8] => Vec<u8>, |b: &[u8]| Value::Blob(b.to_vec());
    &Vec<u8> => Vec<u8>, |b: &Vec<u8>| Value::Blob(b.clone());
}

impl IntoValue<String> for std::borrow::Cow<'_, str> {
    fn into_value(self) -> Value {
        Value::Text(self.into_owned())
    }
}

impl<const N: usize> IntoValue<Vec<u8>> for &[u8; N] {
    fn into_value(self) -> Value {
        Value::Blob(self.to_vec())
    }
}

/// The text fields: `#[field(max_length)]`, `email` and `url` need one.
#[diagnostic::on_unimplemented(
    message = "`#[field(max_length = ..)]`, `email`, `url` and `text` need a text field, but `{Self}` is not text",
    label = "not a text type",
    note = "use `String` or `Option<String>`"
)]
pub trait TextField: FieldType {}
impl TextField for String {}
impl TextField for Option<String> {}

/// Text fields, for the text lookups (`contains`, `icontains`, `iexact`, ...).
#[diagnostic::on_unimplemented(
    message = "text lookups need a text field, but this field is `{Self}`",
    label = "not a text field",
    note = "`iexact`, `contains`, `icontains`, `startswith`, `istartswith`, `endswith` and `iendswith` work on `String` and `Option<String>` fields; use `eq`, `gt`, `lt` or `range` for other types"
)]
pub trait TextLookup: FieldType {}
impl TextLookup for String {}
impl TextLookup for Option<String> {}

/// Field types with an order, for `gt`, `gte`, `lt`, `lte` and `range`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` fields have no order for `gt`, `gte`, `lt`, `lte` or `range`",
    label = "not an ordered field",
    note = "comparisons work on numbers, text and dates"
)]
pub trait Ordered: FieldType {}

/// Nullable fields, for `isnull`.
#[diagnostic::on_unimplemented(
    message = "`isnull` needs an `Option<_>` field, but this field is `{Self}`, which is never NULL",
    label = "not an `Option` field",
    note = "declare the field as `Option<{Self}>` to allow NULL"
)]
pub trait Nullable: FieldType {}
impl<T: Scalar> Nullable for Option<T> {}

macro_rules! ordered {
    ($($ty:ty),*) => {$(
        impl Ordered for $ty {}
        impl Ordered for Option<$ty> {}
    )*};
}
ordered!(i8, i16, i32, i64, u8, u16, u32, f32, f64, String);
#[cfg(feature = "chrono")]
ordered!(
    chrono::NaiveDate,
    chrono::NaiveDateTime,
    chrono::DateTime<chrono::Utc>
);

/// Types a primary key can have. Integer keys are automatic: 0 means "not
/// saved yet" and the database assigns the key on insert.
#[diagnostic::on_unimplemented(
    message = "`{Self}` can't be a primary key",
    label = "not a primary key type",
    note = "a primary key is an integer (automatic, 0 until saved) or a `String`; it can't be an `Option`"
)]
pub trait PrimaryKey: FieldType {
    /// Whether the database assigns the key (integer keys).
    const AUTO: bool;
    /// True for an automatic key that has not been assigned yet (0).
    fn is_unset(&self) -> bool;
    /// Stores the key the database assigned.
    fn set_assigned(&mut self, key: i64) -> bool;
}

macro_rules! int_pk {
    ($($ty:ty),*) => {$(
        impl PrimaryKey for $ty {
            const AUTO: bool = true;
            #[inline]
            fn is_unset(&self) -> bool {
                *self == 0
            }
            #[inline]
            fn set_assigned(&mut self, key: i64) -> bool {
                match <$ty>::try_from(key) {
                    Ok(k) => {
                        *self = k;
                        true
                    }
                    Err(_) => false,
                }
            }
        }
    )*};
}
int_pk!(i8, i16, i32, i64, u8, u16, u32);

impl PrimaryKey for String {
    const AUTO: bool = false;
    fn is_unset(&self) -> bool {
        false
    }
    fn set_assigned(&mut self, _key: i64) -> bool {
        false
    }
}

/// Date and time fields, which `auto_now` and `auto_now_add` can set.
#[diagnostic::on_unimplemented(
    message = "`#[field(auto_now)]` and `#[field(auto_now_add)]` need a date or time field, but `{Self}` is not one",
    label = "not a date or time type",
    note = "use `chrono::NaiveDateTime`, `chrono::DateTime<Utc>` or `chrono::NaiveDate` (or an `Option` of one)"
)]
pub trait Timestamp: FieldType {}

#[cfg(feature = "chrono")]
mod chrono_now {
    use super::{Scalar, Timestamp};
    use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

    impl Timestamp for NaiveDateTime {}
    impl Timestamp for DateTime<Utc> {}
    impl Timestamp for NaiveDate {}
    impl<T: Timestamp + Scalar> Timestamp for Option<T> {}
}

impl Value {
    /// A float that is not a number, which SQLite binds as NULL.
    pub(crate) fn is_nan(&self) -> bool {
        matches!(self, Value::Real(r) if r.is_nan())
    }

    /// The value as text, the way SQLite's `CAST(x AS TEXT)` shows it.
    pub(crate) fn to_text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Integer(i) => i.to_string(),
            Value::Real(r) => r.to_string(),
            Value::Text(s) => s.clone(),
            Value::Blob(b) => String::from_utf8_lossy(b).into_owned(),
        }
    }
}
