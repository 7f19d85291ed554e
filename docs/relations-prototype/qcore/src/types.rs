//! Field types and the lookup capabilities (as in `query-core/src/types.rs`).

use crate::tree::Value;

#[diagnostic::on_unimplemented(message = "`{Self}` is not a supported model field type")]
pub trait FieldType: Sized + 'static {
    /// `T` for `Option<T>`, `Self` otherwise.
    type Scalar: Scalar;
    const NULLABLE: bool;
}

pub trait Scalar: FieldType<Scalar = Self> {}

#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value for a field of type `{T}`",
    label = "expected a value of type `{T}`"
)]
pub trait IntoValue<T> {
    fn into_value(self) -> Value;
}

/// `isnull` exists only on these.
#[diagnostic::on_unimplemented(
    message = "`isnull` needs a field that can be NULL, and a `{Self}` field never is",
    label = "this field (or path) is never NULL",
    note = "only `Option<T>` fields, and paths through a nullable foreign key or a to-many relation, can be NULL"
)]
pub trait Nullable: FieldType {}
impl<T: Scalar> Nullable for Option<T> {}

#[diagnostic::on_unimplemented(
    message = "text lookups need a text field, and this one is `{Self}`",
    label = "not a text field",
    note = "`iexact`, `contains`, `icontains`, `startswith`, `endswith` and their `i` forms work on `String` and `Option<String>` fields"
)]
pub trait TextLookup: FieldType {}
impl TextLookup for String {}
impl TextLookup for Option<String> {}

#[diagnostic::on_unimplemented(
    message = "`{Self}` fields have no order: `gt`, `gte`, `lt`, `lte` and `range` need numbers, text or dates"
)]
pub trait Ordered: FieldType {}

macro_rules! scalar {
    ($($ty:ty => $v:ident as $conv:ty),*) => {$(
        impl FieldType for $ty { type Scalar = $ty; const NULLABLE: bool = false; }
        impl Scalar for $ty {}
        impl IntoValue<$ty> for $ty { fn into_value(self) -> Value { Value::$v(self as $conv) } }
        impl IntoValue<Option<$ty>> for $ty { fn into_value(self) -> Value { Value::$v(self as $conv) } }
        impl IntoValue<Option<$ty>> for Option<$ty> {
            fn into_value(self) -> Value { self.map_or(Value::Null, |v| Value::$v(v as $conv)) }
        }
    )*};
}
scalar!(i64 => Int as i64, i32 => Int as i64, f64 => Float as f64, bool => Bool as bool);

impl FieldType for String {
    type Scalar = String;
    const NULLABLE: bool = false;
}
impl Scalar for String {}
impl IntoValue<String> for String {
    fn into_value(self) -> Value {
        Value::Text(self)
    }
}
impl IntoValue<String> for &str {
    fn into_value(self) -> Value {
        Value::Text(self.to_owned())
    }
}
impl IntoValue<String> for &String {
    fn into_value(self) -> Value {
        Value::Text(self.clone())
    }
}

impl<T: Scalar> FieldType for Option<T> {
    type Scalar = T;
    const NULLABLE: bool = true;
}

macro_rules! ordered { ($($ty:ty),*) => {$( impl Ordered for $ty {} impl Ordered for Option<$ty> {} )*}; }
ordered!(i64, i32, f64, String);
