//! Conditions: the `WHERE` and `HAVING` language of the tree, which `Q`
//! wraps.

use super::expr::Expr;
use crate::value::Value;

/// The kind of a comparison between two expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// `=`
    Eq,
    /// Null-safe "is different from" (`IS NOT` on SQLite, `IS DISTINCT FROM`
    /// on PostgreSQL): `ne` keeps the rows where the column is NULL.
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `<`
    Lt,
    /// `<=`
    Lte,
}

/// The text lookups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextOp {
    /// `iexact`: equal after case folding.
    IExact,
    /// `contains` / `icontains`.
    Contains,
    /// `startswith` / `istartswith`.
    StartsWith,
    /// `endswith` / `iendswith`.
    EndsWith,
}

/// A condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// No condition (Django's empty `Q()`): vanishes when combined.
    Empty,
    /// `lhs <op> rhs`.
    Cmp {
        /// The left side (a column).
        lhs: Expr,
        /// The comparison.
        op: Cmp,
        /// The right side.
        rhs: Expr,
        /// Whether `lhs` can be NULL.
        nullable: bool,
    },
    /// A text lookup of `lhs` for `needle` (as the user wrote it: each
    /// backend escapes or folds it as its SQL needs).
    Text {
        /// The text searched.
        lhs: Expr,
        /// The lookup.
        op: TextOp,
        /// The `i` forms.
        case_insensitive: bool,
        /// The text looked for.
        needle: Value,
        /// Whether `lhs` can be NULL.
        nullable: bool,
    },
    /// `lhs` matches the regular expression `pattern` (Django's `regex` /
    /// `iregex`): `~` / `~*` on PostgreSQL, a function of the crate's on
    /// SQLite.
    Regex {
        /// The text searched.
        lhs: Expr,
        /// The regular expression, as the user wrote it.
        pattern: Value,
        /// `iregex`.
        case_insensitive: bool,
        /// Whether `lhs` can be NULL.
        nullable: bool,
    },
    /// `lhs IN (values)`.
    In {
        /// The tested expression.
        lhs: Expr,
        /// The values; an empty list matches nothing.
        values: Vec<Value>,
        /// Whether `lhs` can be NULL.
        nullable: bool,
    },
    /// `lhs BETWEEN lo AND hi`.
    Range {
        /// The tested expression.
        lhs: Expr,
        /// The low end, included.
        lo: Value,
        /// The high end, included.
        hi: Value,
        /// Whether `lhs` can be NULL.
        nullable: bool,
    },
    /// `lhs IS [NOT] NULL`.
    IsNull {
        /// The tested expression.
        lhs: Expr,
        /// `IS NULL` when true.
        is_null: bool,
    },
    /// All of these.
    And(Vec<Cond>),
    /// Any of these.
    Or(Vec<Cond>),
    /// Not this, in Django's two-valued sense: rows where the condition is
    /// unknown (NULL) are kept.
    Not(Box<Cond>),
    /// The conditions of one `filter()` call that follow to-many relations:
    /// they refer to the same related rows (one join per step), and another
    /// call's to the rows of joins of their own, as in Django.
    Group(u32, Box<Cond>),
    /// The rows whose key `table.key` is among those of the rows of `table`
    /// matching `inner`, found in a subquery (with its own joins):
    /// `exclude` across a to-many relation, as Django writes it.
    SelfIn {
        /// The model's table.
        table: &'static str,
        /// Its primary key.
        key: &'static str,
        /// The condition, on the model's rows.
        inner: Box<Cond>,
    },
    /// The rows whose primary key `key` is paired with `value` in a table
    /// of pairs (a many-to-many's `of`): `key IN (SELECT "table"."far"
    /// FROM "table" WHERE "table"."near" = value)`.
    InPairs {
        /// The model's primary key.
        key: super::Column,
        /// The table of pairs.
        table: &'static str,
        /// Its column holding `value`.
        near: &'static str,
        /// Its column holding the model's keys.
        far: &'static str,
        /// The near row's key.
        value: crate::value::Value,
    },
    /// Some row reached by `path` matches `inner` (a condition on the model
    /// the path reaches): `EXISTS (SELECT ...)`.
    Exists {
        /// The relations followed.
        path: &'static super::PathNode,
        /// The condition on the rows reached.
        inner: Box<Cond>,
    },
}

impl Cond {
    /// Whether SQL could evaluate this condition to NULL (unknown) on some
    /// row. `NOT` of such a condition needs care to keep Django's meaning.
    pub fn can_be_null(&self) -> bool {
        fn nan(e: &Expr) -> bool {
            matches!(e, Expr::Value(v) if v.is_nan())
        }
        match self {
            Cond::Empty
            | Cond::IsNull { .. }
            | Cond::Not(_)
            | Cond::Exists { .. }
            | Cond::SelfIn { .. }
            | Cond::InPairs { .. } => false,
            Cond::Group(_, c) => c.can_be_null(),
            Cond::Cmp { op: Cmp::Ne, .. } => false,
            // A NaN argument may be bound as NULL (SQLite does).
            Cond::Cmp { nullable, rhs, .. } => *nullable || nan(rhs),
            Cond::Range {
                nullable, lo, hi, ..
            } => *nullable || lo.is_nan() || hi.is_nan(),
            Cond::In {
                nullable, values, ..
            } => *nullable || values.iter().any(Value::is_nan),
            Cond::Text { nullable, .. } | Cond::Regex { nullable, .. } => *nullable,
            Cond::And(conds) | Cond::Or(conds) => conds.iter().any(Cond::can_be_null),
        }
    }

    /// Whether at most one row can match: an equality with a value on a
    /// column that `unique` says is unique (by its field index), alone or
    /// inside an `AND`.
    pub fn pins_one_row(&self, unique: &dyn Fn(usize) -> bool) -> bool {
        match self {
            Cond::Cmp {
                lhs: Expr::Column(c),
                op: Cmp::Eq,
                rhs: Expr::Value(v),
                ..
            } => *v != Value::Null && c.field.is_some_and(unique),
            Cond::And(conds) => conds.iter().any(|c| c.pins_one_row(unique)),
            _ => false,
        }
    }

    /// Whether `f` holds for an expression of the condition; `subquery` is
    /// the answer for the conditions that are subqueries of their own
    /// (`Exists`, `SelfIn`, `InPairs`), whose expressions are not this
    /// statement's. The one walk of a condition's expressions.
    #[inline]
    fn any_expr(&self, subquery: bool, f: &impl Fn(&Expr) -> bool) -> bool {
        match self {
            Cond::Empty => false,
            Cond::Exists { .. } | Cond::SelfIn { .. } | Cond::InPairs { .. } => subquery,
            Cond::Cmp { lhs, rhs, .. } => f(lhs) || f(rhs),
            Cond::Text { lhs, .. }
            | Cond::Regex { lhs, .. }
            | Cond::In { lhs, .. }
            | Cond::Range { lhs, .. }
            | Cond::IsNull { lhs, .. } => f(lhs),
            Cond::And(c) | Cond::Or(c) => c.iter().any(|c| c.any_expr(subquery, f)),
            Cond::Not(c) | Cond::Group(_, c) => c.any_expr(subquery, f),
        }
    }

    /// Whether a column of this condition is reached through a relation
    /// (so that the statement joins, or needs a subquery).
    #[inline]
    pub fn has_paths(&self) -> bool {
        self.any_expr(true, &|e| e.has_paths(false))
    }

    /// Whether a column of this condition is reached through a to-many
    /// relation (outside the subqueries of `Exists` and `SelfIn`).
    pub fn has_to_many_paths(&self) -> bool {
        self.any_expr(false, &|e| e.has_paths(true))
    }

    /// Whether an aggregate is part of the condition (so that it belongs in
    /// `HAVING`).
    pub fn has_aggregate(&self) -> bool {
        self.any_expr(false, &Expr::has_aggregate)
    }

    /// Whether a column of the condition satisfies `f` (outside its
    /// subqueries).
    pub fn any_column(&self, f: &impl Fn(&super::Column) -> bool) -> bool {
        self.any_expr(false, &|e| e.any_column(f))
    }

    /// Calls `f` on each expression of the condition, to change it
    /// (outside its subqueries).
    pub fn for_each_expr_mut(&mut self, f: &mut dyn FnMut(&mut Expr)) {
        match self {
            Cond::Empty | Cond::Exists { .. } | Cond::SelfIn { .. } | Cond::InPairs { .. } => {}
            Cond::Cmp { lhs, rhs, .. } => {
                f(lhs);
                f(rhs);
            }
            Cond::Text { lhs, .. }
            | Cond::Regex { lhs, .. }
            | Cond::In { lhs, .. }
            | Cond::Range { lhs, .. }
            | Cond::IsNull { lhs, .. } => f(lhs),
            Cond::And(c) | Cond::Or(c) => c.iter_mut().for_each(|c| c.for_each_expr_mut(f)),
            Cond::Not(c) | Cond::Group(_, c) => c.for_each_expr_mut(f),
        }
    }

    #[inline]
    fn combine(self, other: Cond, and: bool) -> Cond {
        // The common case, a first filter: nothing to combine (and no
        // moving of both values through the match below).
        if matches!(self, Cond::Empty) {
            return other;
        }
        match (self, other) {
            (Cond::Empty, c) | (c, Cond::Empty) => c,
            (Cond::And(mut a), Cond::And(b)) if and => {
                a.extend(b);
                Cond::And(a)
            }
            (Cond::And(mut a), c) if and => {
                a.push(c);
                Cond::And(a)
            }
            (Cond::Or(mut a), Cond::Or(b)) if !and => {
                a.extend(b);
                Cond::Or(a)
            }
            (Cond::Or(mut a), c) if !and => {
                a.push(c);
                Cond::Or(a)
            }
            (a, b) if and => Cond::And(vec![a, b]),
            (a, b) => Cond::Or(vec![a, b]),
        }
    }

    /// Both conditions (`Empty` vanishes).
    #[inline]
    pub fn and(self, other: Cond) -> Cond {
        self.combine(other, true)
    }

    /// Either condition (`Empty` vanishes).
    pub fn or(self, other: Cond) -> Cond {
        self.combine(other, false)
    }

    /// The negation (`Empty` stays empty; `NOT NOT c` is `c`).
    pub fn negate(self) -> Cond {
        match self {
            Cond::Empty => Cond::Empty,
            Cond::Not(inner) => *inner,
            c => Cond::Not(Box::new(c)),
        }
    }
}
