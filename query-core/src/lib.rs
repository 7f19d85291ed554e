//! The runtime of [`query`](https://docs.rs/query): models, typed fields,
//! predicates, the `QuerySet`, the statement tree and its SQL writers, the
//! SQLite and PostgreSQL backends, validation, errors and migrations.
//!
//! Users depend on the `query` facade, which re-exports this crate and the
//! `#[derive(Model)]` macro; see its documentation.
//!
//! The layers, from the bottom up (imports run downwards only):
//!
//! - `value`, `meta`: values, column types, table descriptions;
//! - `tree`, `schema`: the statement tree and the schema, plain data;
//! - `write`: the shared SQL writer;
//! - `backend`: one folder per database (writer, execution, types, schema
//!   SQL, migration execution);
//! - `types`, `query`, `queryset`, `model`, `exec`, `db`, `pool`: the model
//!   layer users see;
//! - `migrations`: planning (backend-neutral), files, and applying through
//!   each backend's executor.

mod backend;
#[cfg(feature = "chrono")]
mod dates;
mod db;
mod delete;
mod error;
mod exec;
mod expr;
pub mod forms;
mod load;
mod lookup_str;
mod many_to_many;
mod meta;
pub mod migrations;
mod model;
mod path;
mod pool;
mod query;
mod queryset;
mod relation;
pub(crate) mod schema;
mod shortcuts;
mod stream;
pub(crate) mod tree;
mod types;
mod validation;
pub(crate) mod validators;
mod value;
pub(crate) mod write;

pub use crate::backend::Backend;
pub use crate::backend::sqlite::casefold;
#[cfg(feature = "chrono")]
pub use crate::dates::{DateLike, DateTimeLike};
#[cfg(feature = "sqlite")]
pub use crate::db::BUSY_TIMEOUT;
pub use crate::db::{Db, Isolation};
pub use crate::error::{BoxError, ConstraintKind, Error, Result};
pub use crate::expr::{
    Aggregate, AggregateArg, AggregateValue, Aggregates, Avg, Columns, Computed, Count, ExprOrder,
    Expression, Max, Min, Sum,
};
pub use crate::load::{
    LoadPath, PrefetchPath, PrefetchRelated, SelectRelated, StartsAt, ToOnePath,
};
pub use crate::meta::{
    FieldMeta, ForeignKeyMeta, ManyToManyMeta, ModelMeta, OnDelete, RegisteredModel,
    registered_models,
};
pub use crate::model::Model;
pub use crate::pool::{Pool, PooledDb};
pub use crate::query::{
    Assignment, Assignments, Condition, Field, IntoOrder, Order, OrderTerms, Q, TextOp,
};
pub use crate::queryset::{Annotated, Models, QuerySet, Shape, Values, ValuesAnnotated};
pub use crate::relation::{ForeignKey, ManyToMany, OneToOne, Related};
pub use crate::stream::RowIter;
pub use crate::tree::DatePart;
pub use crate::types::{
    DecimalField, FieldType, IntoValue, Nullable, Numeric, Operand, Ordered, PrimaryKey, Scalar,
    Summable, TextField, TextLookup, Timestamp,
};
pub use crate::validation::{FieldError, ValidationErrors};
pub use crate::value::{SqlType, Value};
#[cfg(feature = "postgres")]
pub use postgres;
#[cfg(feature = "sqlite")]
pub use rusqlite;
/// The decimal type of `Decimal` fields (feature `decimal`), from
/// [`rust_decimal`](https://docs.rs/rust_decimal).
#[cfg(feature = "decimal")]
pub use rust_decimal::{self, Decimal};

/// Everything a user of the crate needs: `use query::prelude::*;`.
pub mod prelude {
    pub use crate::forms::{Form, FormClean, FormErrors, ModelForm};
    pub use crate::{
        Avg, Backend, Count, DatePart, Db, Error, Field, FieldError, ForeignKey, ManyToMany, Max,
        Min, Model, OneToOne, Pool, Q, QuerySet, Related, Result, Sum, ValidationErrors, Value,
    };
}

// Not public API. Referenced by code that `#[derive(Model)]` generates.
#[doc(hidden)]
pub mod __private {
    pub use crate::backend::{Binder, Row};
    pub use crate::error::Result;
    pub use crate::forms::__private as forms;
    pub use crate::many_to_many::ManyToManyRelation;
    pub use crate::meta::{FieldMeta, ManyToManyMeta, ModelMeta, RegisteredModel, StatementCache};
    pub use crate::path::{
        FoldField, Folded, Join, NotNull, Null, PathLike, Rel, RelPath, Relation, Root, ToMany,
        ToOne,
    };
    pub use crate::tree::{RelKind, RelMeta};
    pub use crate::types::{DecimalField, FieldType, IntoValue, PrimaryKey, TextField, Timestamp};
    pub use crate::validation::{ValidationErrors, check_choices, check_decimal, check_text};
    pub use crate::value::Value;
    pub use inventory;

    /// Checks at compile time that `T` is a text type (`max_length`, `email`, `url`, `text`).
    pub const fn assert_text<T: TextField>() {}
    /// Checks at compile time that `T` is a date or time (`auto_now`, `auto_now_add`).
    pub const fn assert_timestamp<T: Timestamp>() {}
    /// Checks at compile time that `T` is a decimal (`max_digits`, `decimal_places`).
    pub const fn assert_decimal<T: DecimalField>() {}
    /// Fails at compile time for a decimal field without `max_digits` and
    /// `decimal_places` (one whose type the derive could not see is a decimal).
    pub const fn assert_no_precision_needed(ty: crate::value::SqlType) {
        if matches!(ty, crate::value::SqlType::Decimal) {
            panic!(
                "a `Decimal` field needs `#[field(max_digits = N, decimal_places = M)]`: the most digits in all, and after the point"
            );
        }
    }

    pub use crate::types::{ColumnOps, KeyOps, column_ops, key_ops};
}
