//! The statement tree: every statement the crate runs, as plain data.
//!
//! `Field`, `Q`, `QuerySet` and the model methods build these values; a
//! backend's writer (see [`crate::write`]) turns them into SQL text and bound
//! values. No SQL text exists before a writer writes it, and the tree knows
//! nothing about any database.
//!
//! Conditions ([`Cond`]) and expressions ([`Expr`]) own their data, so a
//! `QuerySet` can hold them; statements ([`Select`], [`Insert`], [`Update`],
//! [`Delete`]) borrow them from the query set for the time it takes to write
//! them, so that writing a query copies none of its values.

// Joins, grouping, aggregates, functions and arithmetic are carried by the
// tree and written by both backends' writers (and unit-tested there) before
// the public API reaches them: relations and expressions build on them.
#![allow(dead_code, unused_imports)]

mod cond;
mod expr;
mod path;
mod stmt;

pub use self::cond::{Cmp, Cond, TextOp};
pub use self::expr::{AggregateFunc, BinOp, Column, DatePart, Expr, ExtractPart, Func, TableName};
pub(crate) use self::path::str_eq;
pub use self::path::{PathNode, RelKind, RelMeta};
pub use self::stmt::{
    Compound, Delete, From, Insert, InsertRows, Join, JoinKind, OrderTerm, Select, SelectColumns,
    SetOp, Target, Update,
};
