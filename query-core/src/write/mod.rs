//! The shared SQL writer: turns the statement tree into SQL text and bound
//! values.
//!
//! [`Writer`] writes every statement with default methods, in the shape of
//! sea-query's `prepare_x`: each backend implements it and overrides only
//! what its database does differently (placeholders, text lookups, the
//! null-safe comparison, `LIMIT`/`OFFSET`, rows of defaults). The trait is
//! crate-private, so it is sealed: adding a method is not a breaking change.

mod joins;
pub(crate) mod shape;

pub(crate) use self::shape::Shapes;

use std::borrow::Cow;

use self::joins::{Base, Planner, Scope};
use crate::meta::ModelRef;
use crate::tree::{
    Cmp, Column, Compound, Cond, Delete, Expr, From, Func, Insert, InsertRows, JoinKind, OrderTerm,
    Select, SelectColumns, TableName, Target, TextOp, Update,
};
use crate::value::{SqlType, Value};

/// A statement being written: its text and the values its placeholders
/// bind, borrowed from the tree where they can be (a query's values are
/// bound, never copied).
pub(crate) struct Sql<'a> {
    /// The SQL text.
    pub text: String,
    /// The bound values, in placeholder order.
    pub params: Vec<Cow<'a, Value>>,
    /// Placeholders written so far (some are bound by the caller, not from
    /// `params`).
    pub placeholders: usize,
    /// The model whose cached column names this statement may use.
    pub model: Option<ModelRef>,
    /// The tables of the (sub)queries being written, innermost last.
    scopes: Vec<Scope>,
    /// The last alias given (`T<n>`, `U<n>`).
    aliases: u16,
    /// The `filter()` group of the condition being written.
    group: u32,
    /// The statement being written reads one table, with no joins: its
    /// columns are written unqualified (`"price"`, not
    /// `"product"."price"`): shorter text to write, to hash in the
    /// statement cache and for the database to parse.
    bare: Option<&'static str>,
}

impl<'a> Sql<'a> {
    /// An empty statement writing into `text` (emptied first).
    pub fn with_buffer(mut text: String, model: Option<ModelRef>) -> Self {
        text.clear();
        Sql {
            text,
            params: Vec::new(),
            placeholders: 0,
            model,
            scopes: Vec::new(),
            aliases: 0,
            group: 0,
            bare: None,
        }
    }

    /// The text and owned copies of the values.
    pub fn finish(self) -> (String, Vec<Value>) {
        (
            self.text,
            self.params.into_iter().map(Cow::into_owned).collect(),
        )
    }

    #[inline]
    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }
}

/// Appends an integer's decimal digits (without `fmt`'s machinery: this is on
/// the path of every sliced query).
pub(crate) fn push_int(out: &mut String, n: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        out.push('-');
    }
    for &b in &buf[i..] {
        out.push(char::from(b));
    }
}

/// Appends `ident` quoted with double quotes (SQL's standard, which SQLite
/// and PostgreSQL share), doubling any quote inside it.
#[inline]
pub(crate) fn quote(out: &mut String, ident: &str) {
    out.reserve(ident.len() + 2);
    out.push('"');
    if ident.as_bytes().contains(&b'"') {
        out.push_str(&ident.replace('"', "\"\""));
    } else {
        out.push_str(ident);
    }
    out.push('"');
}

/// `"table"."column"`.
pub(crate) fn qualified(out: &mut String, table: &str, column: &str) {
    quote(out, table);
    out.push('.');
    quote(out, column);
}

/// The model's column names, each `"table"."column"` or, `bare`,
/// `"column"`: built once per program, the same on every backend.
fn column_names(model: ModelRef, bare: bool) -> &'static [String] {
    let meta = model.meta;
    let cell = if bare {
        &model.cache.bare
    } else {
        &model.cache.qualified
    };
    cell.get_or_init(|| {
        meta.fields
            .iter()
            .map(|f| {
                let mut s = String::new();
                if bare {
                    quote(&mut s, f.column);
                } else {
                    qualified(&mut s, meta.table, f.column);
                }
                s
            })
            .collect()
    })
}

/// The model's column list (`"t"."a", "t"."b"`, or `bare`: `"a", "b"`),
/// built once per program.
fn column_list(model: ModelRef, bare: bool) -> &'static str {
    let cell = if bare {
        &model.cache.bare_list
    } else {
        &model.cache.select_list
    };
    cell.get_or_init(|| column_names(model, bare).join(", "))
}

/// The model's qualified column list (`"t"."a", "t"."b"`).
pub(crate) fn select_list(model: ModelRef) -> &'static str {
    column_list(model, false)
}

/// The cached name of field `index` of the model (see [`column_names`]).
fn cached_column(model: ModelRef, index: usize, bare: bool) -> Option<&'static str> {
    column_names(model, bare).get(index).map(String::as_str)
}

/// The model's quoted table name, built once per program.
fn quoted_table(model: ModelRef) -> &'static str {
    let meta = model.meta;
    model.cache.table.get_or_init(|| {
        let mut s = String::new();
        quote(&mut s, meta.table);
        s
    })
}

/// Writes statements for one backend. Every method has the shared
/// behaviour as its default; a backend overrides what differs.
pub(crate) trait Writer: Sync {
    // ---- what differs between databases ---------------------------------

    /// Appends the next placeholder (`?` by default).
    fn placeholder(&self, out: &mut Sql<'_>) {
        out.placeholders += 1;
        out.text.push('?');
    }

    /// The null-safe "is different from" operator.
    fn distinct_from(&self) -> &'static str;

    /// Whether a NaN float is bound as NULL (SQLite) rather than as NaN.
    fn binds_nan_as_null(&self) -> bool {
        false
    }

    /// Appends a text lookup of `lhs` for `needle`.
    fn text_lookup<'a>(
        &self,
        out: &mut Sql<'a>,
        lhs: &'a Expr,
        op: TextOp,
        case_insensitive: bool,
        needle: &'a Value,
    );

    /// A long `IN` list as one bound value, or `None` to bind each value.
    fn bound_list(&self, _values: &[Value]) -> Option<Value> {
        None
    }

    /// Appends `lhs` tested against a [`bound_list`](Writer::bound_list):
    /// `lhs IN (SELECT value FROM json_each(?))` on SQLite.
    fn in_bound_list<'a>(&self, out: &mut Sql<'a>, lhs: &'a Expr, list: Value) {
        self.expr(out, lhs);
        out.push(" IN (SELECT value FROM json_each(");
        self.param(out, Cow::Owned(list));
        out.push("))");
    }

    /// The `LIMIT`/`OFFSET` clause (`offset` is `None` for 0).
    ///
    /// The two are typed integers, written as literals rather than bound:
    /// they are part of the query's structure (Django writes them as literals
    /// too), and SQLite re-plans a statement whose `LIMIT` is a bound
    /// parameter every time it runs (measured: top10 went from 2.3× to 1.0×
    /// the hand-written query).
    fn limit_offset(&self, out: &mut Sql<'_>, limit: Option<u64>, offset: Option<u64>) {
        let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        if let Some(l) = limit {
            out.push(" LIMIT ");
            push_int(&mut out.text, clamp(l));
        }
        if let Some(o) = offset {
            out.push(" OFFSET ");
            push_int(&mut out.text, clamp(o));
        }
    }

    /// The value a row of an `INSERT` takes for a column it leaves to the
    /// database (`DEFAULT` by default).
    fn default_value(&self) -> &'static str {
        "DEFAULT"
    }

    /// Appends a regular expression match of `lhs` (`regex`, `iregex`).
    fn regex_lookup<'a>(
        &self,
        out: &mut Sql<'a>,
        lhs: &'a Expr,
        pattern: &'a Value,
        case_insensitive: bool,
    );

    /// Appends a date function of `arg` ([`Func::Extract`], [`Func::ToDate`],
    /// [`Func::Trunc`], [`Func::AtUtc`]). Every part of what it writes but
    /// `arg` is SQL text, never a bound value, so that the same expression
    /// in the select list and in `GROUP BY` is the same text (PostgreSQL
    /// matches them by text).
    fn date_func<'a>(&self, out: &mut Sql<'a>, func: Func, arg: &'a Expr);

    /// Appends a function call.
    fn func<'a>(&self, out: &mut Sql<'a>, func: Func, args: &'a [Expr]) {
        out.push(match func {
            Func::Coalesce => "COALESCE(",
            Func::Upper => "UPPER(",
            Func::Lower => "LOWER(",
            Func::Length => "LENGTH(",
            Func::Extract(_) | Func::ToDate | Func::Trunc(_) | Func::AtUtc => {
                match args {
                    [arg] => self.date_func(out, func, arg),
                    // The typed layer builds them with one argument.
                    _ => out.push("NULL"),
                }
                return;
            }
        });
        for (i, a) in args.iter().enumerate() {
            if i > 0 {
                out.push(", ");
            }
            self.expr(out, a);
        }
        out.push(")");
    }

    /// Appends `e` read as `ty`: `CAST(e AS <ty>)` by default.
    fn cast<'a>(&self, out: &mut Sql<'a>, e: &'a Expr, ty: SqlType);

    /// The row lock of a `SELECT ... FOR UPDATE` ([`Select::for_update`])
    /// of `s`: nothing by default (SQLite, whose write transaction
    /// serializes writers already).
    fn for_update(&self, _out: &mut Sql<'_>, _s: &Select<'_>) {}

    // ---- shared ----------------------------------------------------------

    /// Appends a placeholder bound to `value`.
    fn param<'a>(&self, out: &mut Sql<'a>, value: Cow<'a, Value>) {
        out.params.push(value);
        self.placeholder(out);
    }

    /// Appends a table name or alias.
    fn table_name(&self, out: &mut Sql<'_>, table: TableName) {
        match table {
            TableName::Table(t) => quote(&mut out.text, t),
            TableName::Alias(n) => {
                out.text.push_str("\"T");
                push_int(&mut out.text, i64::from(n));
                out.text.push('"');
            }
        }
    }

    /// Appends a column, qualified by its table: the alias of the join its
    /// path needs, a subquery's alias, or the table's name.
    fn column(&self, out: &mut Sql<'_>, c: &Column) {
        let scope = out.scopes.last();
        if let Some(node) = c.path {
            let alias = scope.and_then(|s| s.alias(node, out.group)).unwrap_or(0);
            out.text.push_str("\"T");
            push_int(&mut out.text, i64::from(alias));
            out.text.push_str("\".");
            quote(&mut out.text, c.name);
            return;
        }
        if let Some(Scope {
            base: Base::Alias(u),
            ..
        }) = scope
        {
            let u = *u;
            out.text.push_str("\"U");
            push_int(&mut out.text, i64::from(u));
            out.text.push_str("\".");
            quote(&mut out.text, c.name);
            return;
        }
        if let TableName::Table(t) = c.table
            && out.bare == Some(t)
        {
            // One table: unqualified.
            match (c.field, out.model) {
                (Some(index), Some(model)) if model.meta.table == t => {
                    if let Some(name) = cached_column(model, index, true) {
                        out.push(name);
                        return;
                    }
                }
                _ => {}
            }
            quote(&mut out.text, c.name);
            return;
        }
        if let (Some(index), Some(model), TableName::Table(t)) = (c.field, out.model, c.table)
            && t == model.meta.table
            && let Some(name) = cached_column(model, index, false)
        {
            out.push(name);
            return;
        }
        self.table_name(out, c.table);
        out.text.push('.');
        quote(&mut out.text, c.name);
    }

    /// Appends the reference to a scope's base table.
    fn base(&self, out: &mut Sql<'_>, base: Base) {
        match base {
            Base::Table(t) => quote(&mut out.text, t),
            Base::Alias(u) => {
                out.text.push_str("\"U");
                push_int(&mut out.text, i64::from(u));
                out.text.push('"');
            }
        }
    }

    /// Appends the joins the innermost scope planned.
    fn planned_joins(&self, out: &mut Sql<'_>) {
        let Some(scope) = out.scopes.last() else {
            return;
        };
        let (base, joins) = (scope.base, scope.joins.clone());
        for j in &joins {
            let kind = if j.left {
                " LEFT OUTER JOIN "
            } else {
                " INNER JOIN "
            };
            let rel = j.node.rel;
            let parent = |w: &Self, out: &mut Sql<'_>| match j.node.prev {
                None => w.base(out, base),
                Some(p) => {
                    let g = joins::group_of(p, j.group);
                    let a = joins
                        .iter()
                        .find(|x| x.group == g && x.node.same(p))
                        .map_or(0, |x| x.alias);
                    out.text.push_str("\"T");
                    push_int(&mut out.text, i64::from(a));
                    out.text.push('"');
                }
            };
            let alias = i64::from(j.alias);
            if let (true, Some((table, near, far))) = (joins::through(rel.kind), rel.through) {
                // The table of pairs, then the model reached.
                out.push(kind);
                quote(&mut out.text, table);
                out.text.push_str(" \"T");
                push_int(&mut out.text, alias);
                out.text.push_str("m\" ON \"T");
                push_int(&mut out.text, alias);
                out.text.push_str("m\".");
                quote(&mut out.text, near);
                out.push(" = ");
                parent(self, out);
                out.text.push('.');
                quote(&mut out.text, rel.near_col);
                out.push(kind);
                quote(&mut out.text, rel.to.table);
                out.text.push_str(" \"T");
                push_int(&mut out.text, alias);
                out.text.push_str("\" ON \"T");
                push_int(&mut out.text, alias);
                out.text.push_str("\".");
                quote(&mut out.text, rel.far_col);
                out.text.push_str(" = \"T");
                push_int(&mut out.text, alias);
                out.text.push_str("m\".");
                quote(&mut out.text, far);
                continue;
            }
            out.push(kind);
            quote(&mut out.text, rel.to.table);
            out.text.push_str(" \"T");
            push_int(&mut out.text, alias);
            out.text.push_str("\" ON \"T");
            push_int(&mut out.text, alias);
            out.text.push_str("\".");
            quote(&mut out.text, rel.far_col);
            out.push(" = ");
            parent(self, out);
            out.text.push('.');
            quote(&mut out.text, rel.near_col);
        }
    }

    /// `EXISTS (...)`: a row reached by `steps` (from the enclosing scope's
    /// base) matches `inner`, one subquery per step, each correlated with
    /// the one around it.
    fn exists<'a>(
        &self,
        out: &mut Sql<'a>,
        steps: &[&'static crate::tree::PathNode],
        inner: &'a Cond,
    ) {
        let Some((step, rest)) = steps.split_first() else {
            self.cond(out, inner, false);
            return;
        };
        let rel = step.rel;
        let outer = out.scopes.last().map(|s| s.base);
        out.aliases += 1;
        let u = out.aliases;
        // Paths in the condition join from the subquery's table: planned
        // before its FROM is written.
        let mut planner = Planner::new(&mut out.aliases);
        if rest.is_empty() {
            planner.cond(inner, false);
        }
        let joins = planner.finish();
        out.push("EXISTS (SELECT 1 FROM ");
        let correlate = |w: &Self, out: &mut Sql<'_>, near: &str| {
            match outer {
                Some(b) => w.base(out, b),
                None => quote(&mut out.text, rel.owner.table),
            }
            out.text.push('.');
            quote(&mut out.text, near);
        };
        let pairs = match (joins::through(rel.kind), rel.through) {
            (true, Some(t)) => Some(t),
            _ => None,
        };
        if let Some((table, _, far)) = pairs {
            quote(&mut out.text, table);
            out.text.push_str(" \"U");
            push_int(&mut out.text, i64::from(u));
            out.text.push_str("m\" INNER JOIN ");
            quote(&mut out.text, rel.to.table);
            out.push(" ");
            self.base(out, Base::Alias(u));
            out.push(" ON ");
            self.base(out, Base::Alias(u));
            out.text.push('.');
            quote(&mut out.text, rel.far_col);
            out.text.push_str(" = \"U");
            push_int(&mut out.text, i64::from(u));
            out.text.push_str("m\".");
            quote(&mut out.text, far);
        } else {
            quote(&mut out.text, rel.to.table);
            out.push(" ");
            self.base(out, Base::Alias(u));
        }
        out.scopes.push(Scope {
            base: Base::Alias(u),
            joins,
        });
        self.planned_joins(out);
        out.push(" WHERE ");
        if let Some((_, near, _)) = pairs {
            out.text.push_str("\"U");
            push_int(&mut out.text, i64::from(u));
            out.text.push_str("m\".");
            quote(&mut out.text, near);
        } else {
            self.base(out, Base::Alias(u));
            out.text.push('.');
            quote(&mut out.text, rel.far_col);
        }
        out.push(" = ");
        correlate(self, out, rel.near_col);
        if !rest.is_empty() {
            out.push(" AND ");
            self.exists(out, rest, inner);
        } else if *inner != Cond::Empty {
            out.push(" AND ");
            self.cond(out, inner, false);
        }
        out.scopes.pop();
        out.push(")");
    }

    /// Appends an expression.
    fn expr<'a>(&self, out: &mut Sql<'a>, e: &'a Expr) {
        match e {
            Expr::Column(c) => self.column(out, c),
            Expr::Value(v) => self.param(out, Cow::Borrowed(v)),
            Expr::Func(f, args) => self.func(out, *f, args),
            Expr::Aggregate {
                func,
                arg,
                distinct,
            } => {
                out.push(func.sql());
                out.push("(");
                if *distinct {
                    out.push("DISTINCT ");
                }
                match arg {
                    Some(a) => self.expr(out, a),
                    None => out.push("*"),
                }
                out.push(")");
            }
            Expr::Binary(l, op, r) => {
                out.push("(");
                self.expr(out, l);
                out.push(op.sql());
                self.expr(out, r);
                out.push(")");
            }
            Expr::Cast(e, ty) => self.cast(out, e, *ty),
            Expr::Group(g, e) => {
                let outer = std::mem::replace(&mut out.group, *g);
                self.expr(out, e);
                out.group = outer;
            }
        }
    }

    /// Appends a condition; `top` when it needs no parentheses.
    fn cond<'a>(&self, out: &mut Sql<'a>, c: &'a Cond, top: bool) {
        match c {
            Cond::Empty => out.push("1 = 1"),
            Cond::Cmp { lhs, op, rhs, .. } => {
                if *op == Cmp::Ne
                    && self.binds_nan_as_null()
                    && matches!(rhs, Expr::Value(v) if v.is_nan())
                {
                    // Nothing equals NaN, so every row, NULL or not, differs
                    // from it; `IS NOT NULL` (what would be bound) is wrong.
                    out.push("1 = 1");
                    return;
                }
                self.expr(out, lhs);
                out.push(match op {
                    Cmp::Eq => " = ",
                    Cmp::Ne => self.distinct_from(),
                    Cmp::Gt => " > ",
                    Cmp::Gte => " >= ",
                    Cmp::Lt => " < ",
                    Cmp::Lte => " <= ",
                });
                self.expr(out, rhs);
            }
            Cond::Text {
                lhs,
                op,
                case_insensitive,
                needle,
                ..
            } => self.text_lookup(out, lhs, *op, *case_insensitive, needle),
            Cond::Regex {
                lhs,
                pattern,
                case_insensitive,
                ..
            } => self.regex_lookup(out, lhs, pattern, *case_insensitive),
            Cond::In { lhs, values, .. } => {
                if values.is_empty() {
                    // `IN ()` is not valid SQL everywhere; an empty list matches nothing.
                    out.push("0 = 1");
                    return;
                }
                if let Some(list) = self.bound_list(values) {
                    // A long list is one parameter, so that the statement
                    // stays the same (and cached) whatever the list's
                    // length, and never runs into the parameter limit.
                    self.in_bound_list(out, lhs, list);
                    return;
                }
                self.expr(out, lhs);
                out.push(" IN (");
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        out.push(", ");
                    }
                    self.param(out, Cow::Borrowed(v));
                }
                out.push(")");
            }
            Cond::Range { lhs, lo, hi, .. } => {
                self.expr(out, lhs);
                out.push(" BETWEEN ");
                self.param(out, Cow::Borrowed(lo));
                out.push(" AND ");
                self.param(out, Cow::Borrowed(hi));
            }
            Cond::IsNull { lhs, is_null } => {
                self.expr(out, lhs);
                out.push(if *is_null { " IS NULL" } else { " IS NOT NULL" });
            }
            Cond::And(conds) | Cond::Or(conds) => {
                let op = if matches!(c, Cond::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                if !top {
                    out.push("(");
                }
                for (i, c) in conds.iter().enumerate() {
                    if i > 0 {
                        out.push(op);
                    }
                    self.cond(out, c, false);
                }
                if !top {
                    out.push(")");
                }
            }
            Cond::Exists { path, inner } => {
                let steps = path.steps();
                let outer_group = std::mem::replace(&mut out.group, 0);
                self.exists(out, &steps, inner);
                out.group = outer_group;
            }
            Cond::Group(g, inner) => {
                let outer = std::mem::replace(&mut out.group, *g);
                self.cond(out, inner, top);
                out.group = outer;
            }
            Cond::SelfIn { table, key, inner } => {
                // `key IN (SELECT U.key FROM table U <joins> WHERE inner)`.
                let outer = out.scopes.last().map(|s| s.base);
                match outer {
                    Some(b) => self.base(out, b),
                    None => quote(&mut out.text, table),
                }
                out.text.push('.');
                quote(&mut out.text, key);
                out.aliases += 1;
                let u = out.aliases;
                let mut planner = Planner::new(&mut out.aliases);
                planner.cond(inner, false);
                let joins = planner.finish();
                out.push(" IN (SELECT ");
                self.base(out, Base::Alias(u));
                out.text.push('.');
                quote(&mut out.text, key);
                out.push(" FROM ");
                quote(&mut out.text, table);
                out.push(" ");
                self.base(out, Base::Alias(u));
                out.scopes.push(Scope {
                    base: Base::Alias(u),
                    joins,
                });
                self.planned_joins(out);
                out.push(" WHERE ");
                let outer_group = std::mem::replace(&mut out.group, 0);
                self.cond(out, inner, true);
                out.group = outer_group;
                out.scopes.pop();
                out.push(")");
            }
            Cond::InPairs {
                key,
                table,
                near,
                far,
                value,
            } => {
                self.column(out, key);
                out.push(" IN (SELECT ");
                qualified(&mut out.text, table, far);
                out.push(" FROM ");
                quote(&mut out.text, table);
                out.push(" WHERE ");
                qualified(&mut out.text, table, near);
                out.push(" = ");
                self.param(out, Cow::Borrowed(value));
                out.push(")");
            }
            Cond::Not(inner) => {
                // Django's negation keeps rows where the condition is unknown
                // (compares with NULL). `NOT` alone would drop them.
                if inner.can_be_null() {
                    out.push("(");
                    self.cond(out, inner, true);
                    out.push(") IS NOT TRUE");
                } else {
                    out.push("NOT (");
                    self.cond(out, inner, true);
                    out.push(")");
                }
            }
        }
    }

    /// `ORDER BY` terms.
    fn order_by<'a>(&self, out: &mut Sql<'a>, order: &'a [OrderTerm]) {
        for (i, o) in order.iter().enumerate() {
            out.push(if i == 0 { " ORDER BY " } else { ", " });
            self.expr(out, &o.expr);
            if o.desc {
                out.push(" DESC");
            }
        }
    }

    /// A `SELECT`.
    fn select<'a>(&self, out: &mut Sql<'a>, s: &'a Select<'a>) {
        // The joins the statement's paths need, planned before anything is
        // written: the select list may use them too.
        let mut planner = Planner::new(&mut out.aliases);
        if let SelectColumns::Exprs(exprs) = &s.columns {
            exprs.iter().for_each(|e| planner.expr(e, true));
        }
        s.extra.iter().for_each(|e| planner.expr(e, true));
        if let Some(f) = s.filter {
            planner.cond(f, false);
        }
        s.group_by.iter().for_each(|e| planner.expr(e, true));
        if let Some(h) = s.having {
            planner.cond(h, false);
        }
        s.order.iter().for_each(|o| planner.expr(&o.expr, true));
        // `select_related`: LEFT OUTER from a nullable key on, so that a
        // NULL key keeps its row.
        s.related.iter().for_each(|n| planner.path(n, true));
        let joins = planner.finish();
        let base = match &s.from {
            From::Table(t) => Base::Table(t),
            From::Subquery(_, alias) | From::Compound(_, alias) => Base::Table(alias),
        };
        // The FROM's subquery is written in the scope around this one.
        let scope = Scope { base, joins };
        out.push(if s.distinct {
            "SELECT DISTINCT "
        } else {
            "SELECT "
        });
        // A statement without joins needs no scope, and its columns need no
        // table: no allocation, and shorter text, for the common case.
        let joined = !scope.joins.is_empty() || !s.joins.is_empty();
        // (A statement inside another, a subquery in its FROM, gets a scope
        // of its own even without joins, so that it does not write the
        // joins of the statement around it.)
        let scoped = !scope.joins.is_empty() || !out.scopes.is_empty();
        let outer_bare = out.bare;
        out.bare = match (&s.from, joined) {
            (From::Table(t), false) => Some(t),
            _ => None,
        };
        if scoped {
            out.scopes.push(scope);
        }
        match &s.columns {
            SelectColumns::Model(m) => {
                out.push(column_list(*m, out.bare.is_some()));
                for node in s.related {
                    let alias = out.scopes.last().and_then(|sc| sc.alias(node, 0));
                    for f in node.rel.to.fields {
                        out.text.push_str(", \"T");
                        push_int(&mut out.text, i64::from(alias.unwrap_or(0)));
                        out.text.push_str("\".");
                        quote(&mut out.text, f.column);
                    }
                }
                for e in s.extra.iter() {
                    out.push(", ");
                    self.expr(out, e);
                }
            }
            SelectColumns::One => out.push("1"),
            SelectColumns::Exprs(exprs) => {
                for (i, e) in exprs.iter().enumerate() {
                    if i > 0 {
                        out.push(", ");
                    }
                    self.expr(out, e);
                }
            }
        }
        out.push(" FROM ");
        match &s.from {
            From::Table(t) => match out.model {
                Some(m) if m.meta.table == *t => out.push(quoted_table(m)),
                _ => quote(&mut out.text, t),
            },
            From::Subquery(sub, alias) => {
                out.push("(");
                self.select(out, sub);
                out.push(") AS ");
                quote(&mut out.text, alias);
            }
            From::Compound(compound, alias) => {
                out.push("(");
                self.compound(out, compound);
                out.push(") AS ");
                quote(&mut out.text, alias);
            }
        }
        self.planned_joins(out);
        for j in s.joins.iter() {
            out.push(match j.kind {
                JoinKind::Inner => " INNER JOIN ",
                JoinKind::Left => " LEFT OUTER JOIN ",
            });
            quote(&mut out.text, j.table);
            if let Some(alias) = j.alias {
                out.push(" ");
                self.table_name(out, alias);
            }
            out.push(" ON ");
            self.cond(out, &j.on, true);
        }
        if s.nothing {
            // `none()`: the callers run nothing for it; written anyway (a
            // subquery, `to_sql`), it selects no row.
            out.push(" WHERE 0 = 1");
        } else if let Some(f) = s.filter
            && *f != Cond::Empty
        {
            out.push(" WHERE ");
            self.cond(out, f, true);
        }
        for (i, g) in s.group_by.iter().enumerate() {
            out.push(if i == 0 { " GROUP BY " } else { ", " });
            self.expr(out, g);
        }
        if let Some(h) = s.having
            && *h != Cond::Empty
        {
            out.push(" HAVING ");
            self.cond(out, h, true);
        }
        self.order_by(out, &s.order);
        self.limit_offset(out, s.limit, (s.offset > 0).then_some(s.offset));
        if s.for_update {
            self.for_update(out, s);
        }
        if scoped {
            out.scopes.pop();
        }
        out.bare = outer_bare;
    }

    /// `left UNION right` (`UNION ALL`, `INTERSECT`, `EXCEPT`). The
    /// statement that reads it names it as a subquery, so its `ORDER BY`,
    /// `LIMIT` and `WHERE` name the subquery's columns.
    fn compound<'a>(&self, out: &mut Sql<'a>, c: &'a Compound<'a>) {
        self.compound_member(out, &c.left);
        out.push(c.op.sql());
        self.compound_member(out, &c.right);
    }

    /// One member of a compound. A member with its own `ORDER BY` or
    /// `LIMIT`/`OFFSET` is read from a subquery (`SELECT * FROM (...)`):
    /// SQLite refuses both, and parentheses, in a compound's members;
    /// PostgreSQL takes the same text.
    fn compound_member<'a>(&self, out: &mut Sql<'a>, s: &'a Select<'a>) {
        if s.order.is_empty() && !s.is_sliced() {
            self.select(out, s);
            return;
        }
        out.push("SELECT * FROM (");
        self.select(out, s);
        out.push(") AS \"query_member\"");
    }

    /// The `WHERE` of an `UPDATE` or `DELETE`.
    fn target<'a>(&self, out: &mut Sql<'a>, t: &'a Target<'a>) {
        match t {
            Target::Where(None) => {}
            Target::Where(Some(c)) => {
                if **c != Cond::Empty {
                    out.push(" WHERE ");
                    self.cond(out, c, true);
                }
            }
            Target::KeysIn(key, select) => {
                out.push(" WHERE ");
                self.column(out, key);
                out.push(" IN (");
                self.select(out, select);
                out.push(")");
            }
            Target::Key(key) => {
                out.push(" WHERE ");
                quote(&mut out.text, key.name);
                out.push(" = ");
                self.placeholder(out);
            }
        }
    }

    /// An `UPDATE`.
    fn update<'a>(&self, out: &mut Sql<'a>, u: &'a Update<'a>) {
        out.push("UPDATE ");
        quote(&mut out.text, u.table);
        for (i, (column, value)) in u.set.iter().enumerate() {
            out.push(if i == 0 { " SET " } else { ", " });
            quote(&mut out.text, column);
            out.push(" = ");
            match value {
                Some(e) => self.expr(out, e),
                None => self.placeholder(out),
            }
        }
        self.target(out, &u.target);
    }

    /// A `DELETE`.
    fn delete<'a>(&self, out: &mut Sql<'a>, d: &'a Delete<'a>) {
        out.push("DELETE FROM ");
        quote(&mut out.text, d.table);
        self.target(out, &d.target);
    }

    /// An `INSERT`.
    fn insert(&self, out: &mut Sql<'_>, ins: &Insert<'_>) {
        let InsertRows::Placeholders(rows) = ins.rows;
        out.text.reserve(64 + ins.columns.len() * (24 + 3 * rows));
        out.push("INSERT INTO ");
        quote(&mut out.text, ins.table);
        out.push(" (");
        if ins.columns.is_empty() {
            // Every column takes its default: name the key, give it the default.
            quote(&mut out.text, ins.key);
            out.push(") VALUES ");
            for r in 0..rows {
                out.push(if r == 0 { "(" } else { ", (" });
                out.push(self.default_value());
                out.push(")");
            }
        } else {
            for (i, c) in ins.columns.iter().enumerate() {
                if i > 0 {
                    out.push(", ");
                }
                quote(&mut out.text, c);
            }
            out.push(") VALUES ");
            for r in 0..rows {
                out.push(if r == 0 { "(" } else { ", (" });
                for i in 0..ins.columns.len() {
                    if i > 0 {
                        out.push(", ");
                    }
                    self.placeholder(out);
                }
                out.push(")");
            }
        }
        if ins.returning {
            out.push(" RETURNING ");
            quote(&mut out.text, ins.key);
        }
    }
}

#[cfg(test)]
mod tests;
