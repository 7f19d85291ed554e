//! Statements: `SELECT`, `INSERT`, `UPDATE` and `DELETE`.

use std::borrow::Cow;

use super::cond::Cond;
use super::expr::{Column, Expr, TableName};
use crate::meta::ModelRef;

/// One `ORDER BY` term.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderTerm {
    /// What is ordered by.
    pub expr: Expr,
    /// `DESC`.
    pub desc: bool,
}

/// What a `SELECT` returns.
#[derive(Debug, Clone)]
pub enum SelectColumns<'a> {
    /// Every column of a model, in `META.fields` order (written from the
    /// model's cache).
    Model(ModelRef),
    /// The constant `1` (for `exists`).
    One,
    /// These expressions, in order.
    Exprs(Cow<'a, [Expr]>),
}

/// What a `SELECT` reads from.
#[derive(Debug, Clone)]
pub enum From<'a> {
    /// A table, under its own name.
    Table(&'static str),
    /// A subquery, under the name `alias` (so that columns qualified by
    /// that name read from it).
    Subquery(Box<Select<'a>>, &'static str),
    /// Two `SELECT`s combined by a set operation (`union`, `intersection`,
    /// `difference`), read as a subquery under the name `alias`.
    Compound(Box<Compound<'a>>, &'static str),
}

/// A set operation between two `SELECT`s of the same columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOp {
    /// `UNION`: the rows of either, without duplicates.
    Union,
    /// `UNION ALL`: the rows of both, duplicates kept.
    UnionAll,
    /// `INTERSECT`: the rows of both, without duplicates.
    Intersect,
    /// `EXCEPT`: the rows of the left one that the right one lacks, without
    /// duplicates.
    Except,
}

impl SetOp {
    /// The operator, with spaces around it.
    pub fn sql(self) -> &'static str {
        match self {
            SetOp::Union => " UNION ",
            SetOp::UnionAll => " UNION ALL ",
            SetOp::Intersect => " INTERSECT ",
            SetOp::Except => " EXCEPT ",
        }
    }
}

/// `left <op> right`: two `SELECT`s of the same columns.
#[derive(Debug, Clone)]
pub struct Compound<'a> {
    /// The set operation.
    pub op: SetOp,
    /// The left member.
    pub left: Select<'a>,
    /// The right member.
    pub right: Select<'a>,
}

/// `INNER JOIN` or `LEFT OUTER JOIN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// `INNER JOIN`: rows without a match are dropped.
    Inner,
    /// `LEFT OUTER JOIN`: rows without a match are kept, with NULLs.
    Left,
}

/// One join.
#[derive(Debug, Clone, PartialEq)]
pub struct Join {
    /// The kind of join.
    pub kind: JoinKind,
    /// The joined table.
    pub table: &'static str,
    /// The alias it is joined under, if not its own name.
    pub alias: Option<TableName>,
    /// The join condition.
    pub on: Cond,
}

/// A `SELECT` statement.
#[derive(Debug, Clone)]
pub struct Select<'a> {
    /// `SELECT DISTINCT`.
    pub distinct: bool,
    /// The result columns.
    pub columns: SelectColumns<'a>,
    /// The source.
    pub from: From<'a>,
    /// Joined tables.
    pub joins: Cow<'a, [Join]>,
    /// `WHERE`.
    pub filter: Option<&'a Cond>,
    /// `GROUP BY`.
    pub group_by: Cow<'a, [Expr]>,
    /// `HAVING`.
    pub having: Option<&'a Cond>,
    /// `ORDER BY`.
    pub order: Cow<'a, [OrderTerm]>,
    /// `LIMIT`.
    pub limit: Option<u64>,
    /// `OFFSET` (none when 0).
    pub offset: u64,
    /// `select_related`: the to-one steps whose models' columns follow
    /// the model's (only with [`SelectColumns::Model`]), each step after
    /// the steps before it.
    pub related: &'a [&'static super::PathNode],
    /// Expressions selected after the model's columns and `related`'s
    /// (annotations; only with [`SelectColumns::Model`]).
    pub extra: Cow<'a, [Expr]>,
    /// `FOR UPDATE`: lock the rows read until the transaction ends
    /// (`update_or_create`). Written by the backends that lock rows that
    /// way (PostgreSQL); SQLite's write transaction already serializes.
    pub for_update: bool,
    /// The query set matches nothing (`none()`): no statement is run for
    /// it, and if one is written anyway its `WHERE` is `0 = 1`.
    pub nothing: bool,
}

impl<'a> Select<'a> {
    /// `SELECT <columns> FROM <table>`, with nothing else.
    pub fn new(columns: SelectColumns<'a>, table: &'static str) -> Self {
        Select {
            distinct: false,
            columns,
            from: From::Table(table),
            joins: Cow::Borrowed(&[]),
            filter: None,
            group_by: Cow::Borrowed(&[]),
            having: None,
            order: Cow::Borrowed(&[]),
            limit: None,
            offset: 0,
            related: &[],
            extra: Cow::Borrowed(&[]),
            for_update: false,
            nothing: false,
        }
    }

    /// Whether a `LIMIT` or `OFFSET` applies.
    pub fn is_sliced(&self) -> bool {
        self.limit.is_some() || self.offset > 0
    }

    /// Whether the statement is known to select no row (`none()`, here or
    /// in the subquery it reads from), so that it need not run.
    pub fn selects_nothing(&self) -> bool {
        self.nothing || matches!(&self.from, From::Subquery(inner, _) if inner.selects_nothing())
    }
}

/// The rows an `UPDATE` or `DELETE` changes.
#[derive(Debug, Clone)]
pub enum Target<'a> {
    /// The rows matching the condition (all rows when `None`).
    Where(Option<&'a Cond>),
    /// The rows whose `key` is among those the subquery selects (a sliced
    /// query set's rows).
    KeysIn(Column, Box<Select<'a>>),
    /// The one row whose `key` equals the next parameter, which the caller
    /// binds.
    Key(Column),
}

/// The rows of an `INSERT`.
#[derive(Debug, Clone)]
pub enum InsertRows {
    /// This many rows of placeholders, bound by the caller in order (a
    /// model binds its own columns).
    Placeholders(usize),
}

/// An `INSERT` statement.
#[derive(Debug, Clone)]
pub struct Insert<'a> {
    /// The table.
    pub table: &'static str,
    /// The columns given; none means each row takes every default (a model
    /// with nothing but its automatic key).
    pub columns: Cow<'a, [&'static str]>,
    /// The rows.
    pub rows: InsertRows,
    /// The primary key's column: named for rows that take every default,
    /// and returned when `returning`.
    pub key: &'static str,
    /// `RETURNING` the key (the backends that report keys that way).
    pub returning: bool,
}

/// An `UPDATE` statement.
#[derive(Debug, Clone)]
pub struct Update<'a> {
    /// The table.
    pub table: &'static str,
    /// `SET column = expr`, in order. [`Expr::Value`]s are bound; a column
    /// set to `None` takes the next parameter, which the caller binds.
    pub set: Cow<'a, [(&'static str, Option<Expr>)]>,
    /// The rows changed.
    pub target: Target<'a>,
}

/// A `DELETE` statement.
#[derive(Debug, Clone)]
pub struct Delete<'a> {
    /// The table.
    pub table: &'static str,
    /// The rows deleted.
    pub target: Target<'a>,
}

impl<'a> Select<'a> {
    /// The same statement reading from `from`.
    pub fn with_from(self, from: From<'a>) -> Self {
        Select { from, ..self }
    }
}
