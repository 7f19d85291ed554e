//! A toy `QuerySet` and SQL writer: only to show that the data a `Cond`
//! carries (columns at the end of `&'static PathNode`s) is enough to write
//! the joins, reuse them, and pick INNER / LEFT. Not the real join rules.

use std::fmt::Write;
use std::marker::PhantomData;

use crate::path::{Cardinality, PathLike, PathNode, RelKind, RelPath, ToMany, ToOne};
use crate::query::{Condition, IntoOrder};
use crate::tree::{Cmp, Column, Cond, Expr, TextOp, Value};
use crate::{Model, ModelMeta};

pub struct QuerySet<M> {
    filter: Cond,
    order: Vec<(Column, bool)>,
    select_related: Vec<&'static PathNode>,
    prefetch_related: Vec<&'static PathNode>,
    _m: PhantomData<fn() -> M>,
}

/// `select_related` takes to-one paths only.
#[diagnostic::on_unimplemented(
    message = "`select_related` follows foreign keys and one-to-one relations only",
    label = "this path has a to-many step",
    note = "use `prefetch_related` for reverse foreign keys and many-to-many relations"
)]
pub trait SelectRelatedCard: Cardinality {}
impl SelectRelatedCard for ToOne {}
#[allow(dead_code)]
fn _to_many_is_not(_: ToMany) {}

/// A path usable on a `QuerySet<M>`.
#[diagnostic::on_unimplemented(
    message = "the path `{Self}` does not start at `{M}`",
    label = "not a path from `{M}`",
    note = "a path on `QuerySet<{M}>` starts with a relation constant of `{M}`'s field module"
)]
pub trait StartsAt<M> {}
impl<M: Model> StartsAt<M> for crate::path::Root<M> {}
impl<M, N, const I: usize, Prev: StartsAt<M>> StartsAt<M> for crate::path::Join<N, I, Prev> {}

impl<M: Model> QuerySet<M> {
    pub fn new() -> Self {
        QuerySet {
            filter: Cond::Empty,
            order: Vec::new(),
            select_related: Vec::new(),
            prefetch_related: Vec::new(),
            _m: PhantomData,
        }
    }
    pub fn filter(mut self, c: impl Condition<M>) -> Self {
        self.filter = std::mem::replace(&mut self.filter, Cond::Empty).and(c.into_q().node);
        self
    }
    pub fn order_by(mut self, o: impl IntoOrder<M>) -> Self {
        o.push_order(&mut self.order);
        self
    }
    pub fn select_related<R: RelPath>(mut self, path: R) -> Self
    where
        R::P: StartsAt<M>,
        <R::P as PathLike>::Card: SelectRelatedCard,
    {
        let _ = path;
        self.select_related.extend(<R::P as PathLike>::NODE);
        self
    }
    pub fn prefetch_related<R: RelPath>(mut self, path: R) -> Self
    where
        R::P: StartsAt<M>,
    {
        let _ = path;
        self.prefetch_related.extend(<R::P as PathLike>::NODE);
        self
    }
    pub fn filter_cond(&self) -> &Cond {
        &self.filter
    }

    /// The main statement, plus one statement per prefetched level.
    pub fn to_sql(&self) -> (String, Vec<Value>, Vec<String>) {
        let mut w = Writer::new(M::META, format!("\"{}\"", M::META.table));
        let mut cols = vec![format!("\"{}\".*", M::META.table)];
        for n in &self.select_related {
            let a = w.alias(Some(n), false);
            cols.push(format!("{a}.*"));
        }
        let mut where_ = String::new();
        if self.filter != Cond::Empty {
            w.cond(&self.filter, false, &mut where_);
        }
        let mut order = Vec::new();
        for (c, desc) in &self.order {
            let a = w.alias(c.path, true); // ordering keeps NULL rows: LEFT
            order.push(format!("{a}.\"{}\"{}", c.name, if *desc { " DESC" } else { "" }));
        }
        let mut sql = format!("SELECT {} FROM \"{}\"", cols.join(", "), M::META.table);
        sql += &w.joins_sql();
        if !where_.is_empty() {
            sql += " WHERE ";
            sql += &where_;
        }
        if !order.is_empty() {
            sql += " ORDER BY ";
            sql += &order.join(", ");
        }
        let mut extra = Vec::new();
        for n in &self.prefetch_related {
            let mut chain = Vec::new();
            let mut cur = Some(*n);
            while let Some(c) = cur {
                chain.push(c);
                cur = c.prev;
            }
            for c in chain.into_iter().rev() {
                extra.push(prefetch_sql(c));
            }
        }
        (sql, w.params, extra)
    }
}

fn prefetch_sql(n: &PathNode) -> String {
    let r = n.rel;
    match (r.kind, r.through) {
        (RelKind::ManyToMany, Some((t, near, far))) => format!(
            "SELECT \"{to}\".*, \"{t}\".\"{near}\" FROM \"{to}\" JOIN \"{t}\" ON \"{t}\".\"{far}\" = \"{to}\".\"{pk}\" WHERE \"{t}\".\"{near}\" IN (SELECT value FROM json_each(?))  -- {l}",
            to = r.to.table,
            pk = r.far_col,
            l = n.lookup()
        ),
        _ => format!(
            "SELECT * FROM \"{}\" WHERE \"{}\" IN (SELECT value FROM json_each(?))  -- {}",
            r.to.table,
            r.far_col,
            n.lookup()
        ),
    }
}

struct JoinEntry {
    node: &'static PathNode,
    alias: String,
    left: bool,
    near: String,
}

struct Writer {
    root_alias: String,
    joins: Vec<JoinEntry>,
    params: Vec<Value>,
    prefix: &'static str,
}

impl Writer {
    fn new(_root: &'static ModelMeta, root_alias: String) -> Self {
        Writer { root_alias, joins: Vec::new(), params: Vec::new(), prefix: "T" }
    }

    /// The alias of the table at the end of `path`, joining what is missing.
    /// Joins are reused by structural equality of the steps from the root.
    fn alias(&mut self, path: Option<&'static PathNode>, left: bool) -> String {
        let Some(n) = path else { return self.root_alias.clone() };
        if let Some(i) = self.joins.iter().position(|j| j.node.same(n)) {
            if left {
                self.promote(n);
            }
            return self.joins[i].alias.clone();
        }
        let left = left || n.rel.nullable;
        let near = self.alias(n.prev, left);
        let parent_left = n.prev.is_some_and(|p| self.joins.iter().any(|j| j.node.same(p) && j.left));
        let alias = format!("{}{}", self.prefix, self.joins.len() + 1);
        self.joins.push(JoinEntry { node: n, alias: alias.clone(), left: left || parent_left, near });
        alias
    }

    /// A NULL must pass through `n` and every step before it.
    fn promote(&mut self, n: &'static PathNode) {
        for j in &mut self.joins {
            let mut cur = Some(n);
            while let Some(c) = cur {
                if j.node.same(c) {
                    j.left = true;
                }
                cur = c.prev;
            }
        }
    }

    fn joins_sql(&self) -> String {
        let mut s = String::new();
        for j in &self.joins {
            let kind = if j.left { "LEFT OUTER JOIN" } else { "INNER JOIN" };
            let r = j.node.rel;
            let (a, near) = (&j.alias, &j.near);
            match r.kind {
                RelKind::ForeignKey => {
                    let _ = write!(s, " {kind} \"{}\" {a} ON {a}.\"{}\" = {near}.\"{}\"", r.to.table, r.far_col, r.near_col);
                }
                RelKind::Reverse => {
                    let _ = write!(s, " {kind} \"{}\" {a} ON {a}.\"{}\" = {near}.\"{}\"", r.to.table, r.far_col, r.near_col);
                }
                RelKind::ManyToMany => {
                    let (t, tn, tf) = r.through.unwrap();
                    let _ = write!(
                        s,
                        " {kind} \"{t}\" {a}t ON {a}t.\"{tn}\" = {near}.\"{}\" {kind} \"{}\" {a} ON {a}.\"{}\" = {a}t.\"{tf}\"",
                        r.near_col, r.to.table, r.far_col
                    );
                }
            }
        }
        s
    }

    fn expr(&mut self, e: &Expr, left: bool, out: &mut String) {
        match e {
            Expr::Column(c) => {
                let a = self.alias(c.path, left);
                let _ = write!(out, "{a}.\"{}\"", c.name);
            }
            Expr::Value(v) => {
                self.params.push(v.clone());
                out.push('?');
            }
        }
    }

    fn cond(&mut self, c: &Cond, left: bool, out: &mut String) {
        match c {
            Cond::Empty => out.push_str("1"),
            Cond::Cmp { lhs, op, rhs, .. } => {
                self.expr(lhs, left, out);
                out.push_str(match op {
                    Cmp::Eq => " = ",
                    Cmp::Ne => " IS NOT ",
                    Cmp::Gt => " > ",
                    Cmp::Gte => " >= ",
                    Cmp::Lt => " < ",
                    Cmp::Lte => " <= ",
                });
                self.expr(rhs, left, out);
            }
            Cond::Text { lhs, op, ci, needle, .. } => {
                if *ci {
                    out.push_str("LOWER(");
                }
                self.expr(lhs, left, out);
                if *ci {
                    out.push(')');
                }
                let pat = match (op, needle) {
                    (TextOp::IExact, Value::Text(s)) => s.to_lowercase(),
                    (TextOp::Contains, Value::Text(s)) => format!("%{}%", if *ci { s.to_lowercase() } else { s.clone() }),
                    (TextOp::StartsWith, Value::Text(s)) => format!("{s}%"),
                    (TextOp::EndsWith, Value::Text(s)) => format!("%{s}"),
                    _ => String::new(),
                };
                self.params.push(Value::Text(pat));
                out.push_str(if *op == TextOp::IExact { " = ?" } else { " LIKE ? ESCAPE '\\'" });
            }
            Cond::In { lhs, values, .. } => {
                self.expr(lhs, left, out);
                out.push_str(" IN (");
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.params.push(v.clone());
                    out.push('?');
                }
                out.push(')');
            }
            Cond::IsNull { lhs, is_null } => {
                // `isnull(true)` must see the rows without a related row: LEFT.
                self.expr(lhs, left || *is_null, out);
                out.push_str(if *is_null { " IS NULL" } else { " IS NOT NULL" });
            }
            Cond::Exists { path, inner } => {
                let r = path.rel;
                let near = self.alias(path.prev, left);
                let mut sub = Writer {
                    root_alias: "U0".into(),
                    joins: Vec::new(),
                    params: Vec::new(),
                    prefix: "U",
                };
                let mut w = String::new();
                sub.cond(inner, false, &mut w);
                let link = match r.kind {
                    RelKind::ManyToMany => {
                        let (t, tn, tf) = r.through.unwrap();
                        format!("\"{}\" U0 INNER JOIN \"{t}\" U0t ON U0t.\"{tf}\" = U0.\"{}\"{} WHERE U0t.\"{tn}\" = {near}.\"{}\"", r.to.table, r.far_col, sub.joins_sql(), r.near_col)
                    }
                    _ => format!("\"{}\" U0{} WHERE U0.\"{}\" = {near}.\"{}\"", r.to.table, sub.joins_sql(), r.far_col, r.near_col),
                };
                let _ = write!(out, "EXISTS (SELECT 1 FROM {link} AND {w})");
                self.params.extend(sub.params);
            }
            Cond::And(cs) | Cond::Or(cs) => {
                let or = matches!(c, Cond::Or(_));
                out.push('(');
                for (i, c) in cs.iter().enumerate() {
                    if i > 0 {
                        out.push_str(if or { " OR " } else { " AND " });
                    }
                    // Under OR, a NULL on one side must not drop the row: LEFT.
                    self.cond(c, left || or, out);
                }
                out.push(')');
            }
            Cond::Not(c) => {
                out.push_str("NOT (");
                self.cond(c, true, out);
                out.push(')');
            }
        }
    }
}
