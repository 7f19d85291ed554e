//! The runtime of [`query`](https://docs.rs/query): models, typed fields,
//! predicates, the `QuerySet`, the SQL compiler and its dialects, execution on
//! SQLite through rusqlite, validation and errors.
//!
//! Users depend on the `query` facade, which re-exports this crate and the
//! `#[derive(Model)]` macro; see its documentation.

mod backend;
mod compiler;
mod db;
pub mod dialect;
mod error;
mod exec;
pub mod migrations;
mod model;
mod query;
mod queryset;
mod validation;
pub(crate) mod validators;
mod value;

pub use crate::backend::Backend;
pub use crate::db::{BUSY_TIMEOUT, Db};
pub use crate::dialect::{Dialect, Sqlite};
pub use crate::error::{Error, Result};
pub use crate::model::{FieldMeta, Model, ModelMeta, RegisteredModel, registered_models};
pub use crate::query::{
    Assignment, Assignments, Condition, Field, IntoOrder, Order, OrderTerms, Q, TextOp,
};
pub use crate::queryset::QuerySet;
pub use crate::validation::{FieldError, ValidationErrors};
pub use crate::value::{
    FieldType, IntoValue, Nullable, Ordered, PrimaryKey, Scalar, SqlType, TextField, TextLookup,
    Timestamp, Value,
};
pub use rusqlite;

/// Everything a user of the crate needs: `use query::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Db, Error, Field, FieldError, Model, Q, QuerySet, Result, ValidationErrors, Value,
    };
}

// Not public API. Referenced by code that `#[derive(Model)]` generates.
#[doc(hidden)]
pub mod __private {
    pub use crate::model::{FieldMeta, ModelMeta, RegisteredModel, StatementCache};
    pub use crate::validation::{ValidationErrors, check_choices, check_text};
    pub use crate::value::{
        FieldType, IntoValue, PrimaryKey, TextField, Timestamp, Value, to_value,
    };
    pub use inventory;
    pub use rusqlite::Result as SqlResult;
    pub use rusqlite::{Row, Statement};

    /// Checks at compile time that `T` is a text type (`max_length`, `email`, `url`, `text`).
    pub const fn assert_text<T: TextField>() {}
    /// Checks at compile time that `T` is a date or time (`auto_now`, `auto_now_add`).
    pub const fn assert_timestamp<T: Timestamp>() {}

    pub use crate::value::{ColumnOps, KeyOps, column_ops, key_ops};
}
