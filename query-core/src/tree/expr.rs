//! Expressions: columns, bound values, function calls, aggregates and
//! arithmetic.

use crate::value::{SqlType, Value};

/// The table (or alias) a column belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableName {
    /// A table by its name.
    Table(&'static str),
    /// A table joined under a generated alias, written `T<n>` (Django's
    /// aliases for tables joined twice).
    Alias(u16),
}

/// A column of a table. `field` is the column's index in its model's
/// `META.fields`, when it is a model's column: the writers use it to find
/// the column's quoted name in the model's cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Its table.
    pub table: TableName,
    /// Its name in SQL.
    pub name: &'static str,
    /// Its index in the model's fields, when it is a model's column.
    pub field: Option<usize>,
    /// The relations followed from the query's model to reach the column's
    /// table (`None`: the query's own table).
    pub path: Option<&'static super::PathNode>,
}

impl Column {
    /// The column `name` of `table`.
    pub const fn new(table: &'static str, name: &'static str) -> Self {
        Column {
            table: TableName::Table(table),
            name,
            field: None,
            path: None,
        }
    }

    /// The model column `name`, field number `field` of `table`'s model.
    pub const fn of_field(table: &'static str, name: &'static str, field: usize) -> Self {
        Column {
            table: TableName::Table(table),
            name,
            field: Some(field),
            path: None,
        }
    }
}

/// Arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl BinOp {
    /// The operator's SQL.
    pub const fn sql(self) -> &'static str {
        match self {
            BinOp::Add => " + ",
            BinOp::Sub => " - ",
            BinOp::Mul => " * ",
            BinOp::Div => " / ",
        }
    }
}

/// The SQL functions the tree can call. Each backend writes each one its
/// own way (names and arguments differ between databases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// `COALESCE(a, b, ...)`.
    Coalesce,
    /// Upper case (`UPPER`).
    Upper,
    /// Lower case (`LOWER`).
    Lower,
    /// The length of a text in characters.
    Length,
    /// A part of a date or datetime, as an integer (`EXTRACT`, `strftime`).
    Extract(ExtractPart),
    /// The date of a datetime (`CAST(x AS date)`, `date(x)`).
    ToDate,
    /// A date or datetime truncated to the first day of its year, month or
    /// day, as a date (`DATE_TRUNC`, `date(x, 'start of month')`).
    Trunc(DatePart),
    /// A `DateTime<Utc>` as the date and time it is in UTC, whatever the
    /// session's time zone (`x AT TIME ZONE 'UTC'` on PostgreSQL; SQLite
    /// stores it as UTC text already). The date functions take it.
    AtUtc,
}

/// What [`QuerySet::dates`](crate::QuerySet::dates) truncates a date or
/// datetime to: the first day of its year, its month, or its day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DatePart {
    /// January 1st of the year (Django's `"year"`).
    Year,
    /// The 1st of the month (`"month"`).
    Month,
    /// The day itself (`"day"`).
    Day,
}

/// A part of a date that [`Func::Extract`] reads, as an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExtractPart {
    /// The year.
    Year,
    /// The quarter, 1 to 4.
    Quarter,
    /// The month, 1 to 12.
    Month,
    /// The day of the month, 1 to 31.
    Day,
    /// Django's `week_day`: 1 = Sunday .. 7 = Saturday.
    WeekDay,
}

/// Aggregate functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateFunc {
    /// `COUNT`
    Count,
    /// `SUM`
    Sum,
    /// `AVG`
    Avg,
    /// `MIN`
    Min,
    /// `MAX`
    Max,
}

impl AggregateFunc {
    /// The function's SQL name.
    pub const fn sql(self) -> &'static str {
        match self {
            AggregateFunc::Count => "COUNT",
            AggregateFunc::Sum => "SUM",
            AggregateFunc::Avg => "AVG",
            AggregateFunc::Min => "MIN",
            AggregateFunc::Max => "MAX",
        }
    }
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A column.
    Column(Column),
    /// A value, always bound as a parameter.
    Value(Value),
    /// A function call.
    Func(Func, Vec<Expr>),
    /// An aggregate; no argument means `*` (`COUNT(*)`).
    Aggregate {
        /// The function.
        func: AggregateFunc,
        /// The argument, or `*` when `None`.
        arg: Option<Box<Expr>>,
        /// `COUNT(DISTINCT x)`.
        distinct: bool,
    },
    /// Arithmetic on two expressions.
    Binary(Box<Expr>, BinOp, Box<Expr>),
    /// The expression read as this type (`CAST`): what an aggregate gives
    /// differs between databases (PostgreSQL's `SUM` of `bigint` is
    /// `numeric`), so the typed layer says what it reads. A backend whose
    /// values already read as the type may write the expression alone.
    Cast(Box<Expr>, SqlType),
    /// The expression's relation paths join in this `filter()`/`annotate()`
    /// group (as [`Cond::Group`](super::Cond::Group) does for conditions):
    /// an annotation over a to-many relation uses the joins of the
    /// `filter()` before it, as in Django.
    Group(u32, Box<Expr>),
}

impl Expr {
    /// `COUNT(*)`.
    pub const fn count_star() -> Expr {
        Expr::Aggregate {
            func: AggregateFunc::Count,
            arg: None,
            distinct: false,
        }
    }

    /// Whether an aggregate is part of this expression (so that a condition
    /// on it is a `HAVING`).
    pub fn has_aggregate(&self) -> bool {
        match self {
            Expr::Aggregate { .. } => true,
            Expr::Column(_) | Expr::Value(_) => false,
            Expr::Func(_, args) => args.iter().any(Expr::has_aggregate),
            Expr::Binary(l, _, r) => l.has_aggregate() || r.has_aggregate(),
            Expr::Cast(e, _) | Expr::Group(_, e) => e.has_aggregate(),
        }
    }

    /// Whether a column of this expression is reached through a relation;
    /// with `to_many`, through a to-many one.
    pub fn has_paths(&self, to_many: bool) -> bool {
        self.any_column(&|c| c.path.is_some_and(|p| !to_many || p.to_many()))
    }

    /// Whether a column of the expression satisfies `f`.
    pub fn any_column(&self, f: &impl Fn(&Column) -> bool) -> bool {
        match self {
            Expr::Column(c) => f(c),
            Expr::Value(_) => false,
            Expr::Func(_, args) => args.iter().any(|a| a.any_column(f)),
            Expr::Aggregate { arg, .. } => arg.as_deref().is_some_and(|a| a.any_column(f)),
            Expr::Binary(l, _, r) => l.any_column(f) || r.any_column(f),
            Expr::Cast(e, _) | Expr::Group(_, e) => e.any_column(f),
        }
    }

    /// The column this expression is, if it is one.
    pub fn as_column(&self) -> Option<&Column> {
        match self {
            Expr::Column(c) => Some(c),
            _ => None,
        }
    }
}

impl From<Column> for Expr {
    fn from(c: Column) -> Self {
        Expr::Column(c)
    }
}
