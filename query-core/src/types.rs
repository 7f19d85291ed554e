//! The Rust types a model field can have, and the values they convert from.

use crate::backend::{Binder, Primitive, Row};
use crate::error::Result;
use crate::tree::Expr;
use crate::value::{SqlType, Value};

/// A Rust type a model field can have.
///
/// Implemented for the integers up to `i64`, `f32`, `f64`, `bool`, `String`,
/// `Vec<u8>`, the chrono date types, `rust_decimal::Decimal` (feature
/// `decimal`), and `Option` of each of these.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a supported model field type",
    label = "unsupported field type",
    note = "a field can be `i8`, `i16`, `i32`, `i64`, `u8`, `u16`, `u32`, `f32`, `f64`, `bool`, `String`, `Vec<u8>`, `chrono::NaiveDate`, `chrono::NaiveDateTime`, `chrono::DateTime<Utc>`, `rust_decimal::Decimal`, or an `Option` of one of these (SQLite stores signed 64-bit integers: use `i64` rather than `u64` or `usize`)"
)]
pub trait FieldType: Sized + 'static {
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

    #[doc(hidden)]
    /// The value as it is bound.
    fn to_value(&self) -> Value;

    #[doc(hidden)]
    /// Reads column `index` of `row`.
    fn read(row: &Row<'_>, index: usize) -> Result<Self>;

    #[doc(hidden)]
    /// Binds the value as the binder's next parameter.
    fn bind(&self, binder: &mut Binder<'_, '_>) -> Result<()>;

    #[doc(hidden)]
    /// The text of a text value; `None` for NULL and other types.
    fn as_text(&self) -> Option<&str> {
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
    pub get: fn(&Row<'_>, usize) -> Result<T>,
    pub bind: fn(&T, &mut Binder<'_, '_>) -> Result<()>,
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
            get: T::read,
            bind: T::bind,
            value: T::to_value,
            text: T::as_text,
            now: T::now,
        }
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
pub trait Scalar: FieldType<Scalar = Self> + Primitive {
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

/// What a lookup or an assignment on a field of type `X` takes, on the rows
/// of model `M`: a value (anything [`IntoValue<X>`]), or an expression of
/// the same type on `M`'s rows: a field, a relation path's field,
/// arithmetic of those (Django's `F()`), an aggregate.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value or an expression for a field of type `{X}` of `{M}`",
    label = "expected a `{X}` value, or an expression of type `{X}` on `{M}`",
    note = "a lookup takes a value of the field's own type (or one that converts into it, `&str` for `String`), or a field or expression of the same type on the same model: `price.lte(500)`, `bytes.gt(milliseconds * 100)`"
)]
pub trait Operand<M, X> {
    #[doc(hidden)]
    /// The expression, and whether it can be NULL.
    fn into_operand(self) -> (Expr, bool);
}

/// Values are operands on any model.
macro_rules! value_operand {
    ($($from:ty => $to:ty),* $(,)?) => {$(
        impl<M> Operand<M, $to> for $from {
            #[inline]
            fn into_operand(self) -> (Expr, bool) {
                (Expr::Value(IntoValue::<$to>::into_value(self)), false)
            }
        }
    )*};
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
            #[inline]
            fn to_value(&self) -> Value {
                Primitive::to_value(self)
            }
            #[inline]
            fn read(row: &Row<'_>, index: usize) -> Result<Self> {
                row.get_required(index)
            }
            #[inline]
            fn bind(&self, binder: &mut Binder<'_, '_>) -> Result<()> {
                binder.bind(self)
            }
            #[inline]
            fn as_text(&self) -> Option<&str> {
                Primitive::as_text(self)
            }
        }
        impl Scalar for $ty {
            const SQL_TYPE: SqlType = SqlType::$sql;
        }
        impl IntoValue<$ty> for $ty {
            #[inline]
            fn into_value(self) -> Value {
                Primitive::into_value(self)
            }
        }
        impl IntoValue<Option<$ty>> for $ty {
            #[inline]
            fn into_value(self) -> Value {
                Primitive::into_value(self)
            }
        }
        impl IntoValue<Option<$ty>> for Option<$ty> {
            #[inline]
            fn into_value(self) -> Value {
                match self {
                    Some(v) => Primitive::into_value(v),
                    None => Value::Null,
                }
            }
        }
        value_operand!($ty => $ty, $ty => Option<$ty>, Option<$ty> => Option<$ty>);
    )*};
}

// How each scalar becomes a bound value. Dates and times are ISO 8601 text,
// exactly as rusqlite writes them to SQLite (so a lookup's value compares
// equal to a stored field); the PostgreSQL backend parses them back into its
// native types by the parameter's type.
macro_rules! int_primitive {
    ($($ty:ty),*) => {$(
        impl Primitive for $ty {
            #[inline]
            fn to_value(&self) -> Value {
                Value::Integer(i64::from(*self))
            }
        }
    )*};
}
int_primitive!(i8, i16, i32, i64, u8, u16, u32);

impl Primitive for f32 {
    #[inline]
    fn to_value(&self) -> Value {
        Value::Real(f64::from(*self))
    }
}

impl Primitive for f64 {
    #[inline]
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}

impl Primitive for bool {
    #[inline]
    fn to_value(&self) -> Value {
        Value::Integer(i64::from(*self))
    }
}

impl Primitive for String {
    #[inline]
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
    #[inline]
    fn into_value(self) -> Value {
        Value::Text(self)
    }
    #[inline]
    fn as_text(&self) -> Option<&str> {
        Some(self)
    }
}

impl Primitive for Vec<u8> {
    #[inline]
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
    #[inline]
    fn into_value(self) -> Value {
        Value::Blob(self)
    }
}

#[cfg(feature = "chrono")]
impl Primitive for chrono::NaiveDate {
    fn to_value(&self) -> Value {
        Value::Text(self.format("%F").to_string())
    }
}

#[cfg(feature = "chrono")]
impl Primitive for chrono::NaiveDateTime {
    fn to_value(&self) -> Value {
        Value::Text(self.format("%F %T%.f").to_string())
    }
}

#[cfg(feature = "chrono")]
impl Primitive for chrono::DateTime<chrono::Utc> {
    fn to_value(&self) -> Value {
        Value::Text(self.format("%F %T%.f%:z").to_string())
    }
}

// A decimal travels as its exact text (`1.50`, keeping its scale): what
// SQLite stores, and what the PostgreSQL backend encodes as `numeric` for a
// `numeric` parameter.
#[cfg(feature = "decimal")]
impl Primitive for rust_decimal::Decimal {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}

scalar! {
    i8 => I8; i16 => I16; i32 => I32; i64 => I64;
    u8 => U8; u16 => U16; u32 => U32;
    f32 => F32; f64 => F64;
    bool => Bool;
    String => Text;
    Vec<u8> => Blob;
}

#[cfg(feature = "decimal")]
scalar! {
    rust_decimal::Decimal => Decimal;
}

// "Now" to the microsecond, as Django's `timezone.now()` and PostgreSQL's
// `timestamp` hold it: what `save` leaves in memory is what a read gives back.
#[cfg(feature = "chrono")]
fn now_micros() -> chrono::DateTime<chrono::Utc> {
    chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6)
}

#[cfg(feature = "chrono")]
scalar! {
    chrono::NaiveDate => Date, now = chrono::Utc::now().date_naive();
    chrono::NaiveDateTime => DateTime, now = now_micros().naive_utc();
    chrono::DateTime<chrono::Utc> => DateTimeUtc, now = now_micros();
}

impl<T: Scalar> FieldType for Option<T> {
    type Scalar = T;
    const NULLABLE: bool = true;
    fn now() -> Option<Self> {
        T::now().map(Some)
    }
    #[inline]
    fn to_value(&self) -> Value {
        match self {
            Some(v) => Primitive::to_value(v),
            None => Value::Null,
        }
    }
    #[inline]
    fn read(row: &Row<'_>, index: usize) -> Result<Self> {
        row.get(index)
    }
    #[inline]
    fn bind(&self, binder: &mut Binder<'_, '_>) -> Result<()> {
        match self {
            Some(v) => binder.bind(v),
            None => binder.bind_null(),
        }
    }
    #[inline]
    fn as_text(&self) -> Option<&str> {
        self.as_ref().and_then(Primitive::as_text)
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
        value_operand!($from => $to, $from => Option<$to>);
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
value_operand!(std::borrow::Cow<'_, str> => String);

impl<const N: usize> IntoValue<Vec<u8>> for &[u8; N] {
    fn into_value(self) -> Value {
        Value::Blob(self.to_vec())
    }
}

impl<M, const N: usize> Operand<M, Vec<u8>> for &[u8; N] {
    fn into_operand(self) -> (Expr, bool) {
        (Expr::Value(IntoValue::<Vec<u8>>::into_value(self)), false)
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

/// Number fields, for arithmetic (`+ - * /`) and `Sum`/`Avg`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a number: arithmetic, `Sum` and `Avg` need a number field",
    label = "not a number",
    note = "`+ - * /`, `Sum` and `Avg` work on integer and float fields (and `Option`s of them)"
)]
pub trait Numeric: FieldType {}

/// What `Sum` of a number type gives: `i64` for integers, `f64` for floats.
#[diagnostic::on_unimplemented(
    message = "`Sum` of `{Self}` is not supported",
    label = "`Sum` needs an integer or a float",
    note = "`Sum` adds integers (giving `Option<i64>`) or floats (giving `Option<f64>`)"
)]
pub trait Summable: Scalar {
    /// The sum's type.
    type Sum: Scalar;
}

macro_rules! numeric {
    ($($ty:ty => $sum:ty),*) => {$(
        impl Numeric for $ty {}
        impl Numeric for Option<$ty> {}
        impl Summable for $ty {
            type Sum = $sum;
        }
    )*};
}
numeric!(i8 => i64, i16 => i64, i32 => i64, i64 => i64, u8 => i64, u16 => i64, u32 => i64, f32 => f64, f64 => f64);

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
#[cfg(feature = "decimal")]
ordered!(rust_decimal::Decimal);
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

/// Decimal fields: `#[field(max_digits, decimal_places)]` need one.
#[diagnostic::on_unimplemented(
    message = "`#[field(max_digits = .., decimal_places = ..)]` need a decimal field, but `{Self}` is not one",
    label = "not a decimal type",
    note = "use `rust_decimal::Decimal` or `Option<rust_decimal::Decimal>` (feature `decimal`)"
)]
pub trait DecimalField: FieldType {}

#[cfg(feature = "decimal")]
impl DecimalField for rust_decimal::Decimal {}
#[cfg(feature = "decimal")]
impl DecimalField for Option<rust_decimal::Decimal> {}
