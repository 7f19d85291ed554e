//! The owned statement data (as in `query-core/src/tree`), with the one
//! addition paths need: a column may sit at the end of a `&'static PathNode`.

use crate::path::PathNode;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
}

/// A column, possibly reached through joins. `path: None` is the query's
/// own table; `Some(node)` is the table at the end of that join chain.
/// `&'static PathNode` is `Copy` and owned: putting a path into a `Cond`
/// allocates nothing and needs no lifetime.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column {
    pub path: Option<&'static PathNode>,
    pub name: &'static str,
    pub field: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Column(Column),
    Value(Value),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextOp {
    IExact,
    Contains,
    StartsWith,
    EndsWith,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Empty,
    Cmp { lhs: Expr, op: Cmp, rhs: Expr, nullable: bool },
    Text { lhs: Expr, op: TextOp, ci: bool, needle: Value, nullable: bool },
    In { lhs: Expr, values: Vec<Value>, nullable: bool },
    IsNull { lhs: Expr, is_null: bool },
    /// `EXISTS (SELECT 1 FROM <end of path> WHERE <link> AND inner)`: `any(q)`.
    /// `inner`'s columns are rooted at the end of `path`.
    Exists { path: &'static PathNode, inner: Box<Cond> },
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
}

impl Cond {
    fn combine(self, other: Cond, and: bool) -> Cond {
        match (self, other) {
            (Cond::Empty, c) | (c, Cond::Empty) => c,
            (Cond::And(mut a), c) if and => {
                a.push(c);
                Cond::And(a)
            }
            (Cond::Or(mut a), c) if !and => {
                a.push(c);
                Cond::Or(a)
            }
            (a, b) if and => Cond::And(vec![a, b]),
            (a, b) => Cond::Or(vec![a, b]),
        }
    }
    pub fn and(self, o: Cond) -> Cond {
        self.combine(o, true)
    }
    pub fn or(self, o: Cond) -> Cond {
        self.combine(o, false)
    }
}
