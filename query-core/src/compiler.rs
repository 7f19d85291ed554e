//! The SQL compiler: turns a `QuerySet` (or a model operation) into one
//! statement and its bound values. Dialect differences go through [`Dialect`].

use std::borrow::Cow;

use crate::dialect::Dialect;
use crate::model::{ModelMeta, StatementCache};
use crate::query::{Assignment, Cmp, Col, Node};
use crate::value::Value;

/// An `ORDER BY` term: column and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OrderTerm {
    pub column: Col,
    pub desc: bool,
}

/// The parts of a query set the compiler reads, borrowed from it.
#[derive(Debug, Clone)]
pub(crate) struct Query<'a> {
    pub meta: &'static ModelMeta,
    pub cache: &'static StatementCache,
    pub filter: &'a Node,
    pub order: Cow<'a, [OrderTerm]>,
    pub limit: Option<u64>,
    pub offset: u64,
}

impl Query<'_> {
    pub fn is_sliced(&self) -> bool {
        self.limit.is_some() || self.offset > 0
    }
}

/// What a `SELECT` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Select {
    /// Every column of the model, in `META.fields` order.
    Rows,
    /// `1`, for `exists`.
    One,
    /// The primary key, for sliced `update` and `delete`.
    Pk,
}

/// A statement being written: SQL text and its parameters, borrowed from the
/// query where they can be (a query's values are bound, never copied).
pub(crate) struct Writer<'d, 'a, D: Dialect> {
    pub sql: String,
    pub params: Vec<Cow<'a, Value>>,
    d: &'d D,
}

impl<'d, 'a, D: Dialect> Writer<'d, 'a, D> {
    /// A writer appending to `sql` (emptied first).
    pub fn with_buffer(d: &'d D, mut sql: String) -> Self {
        sql.clear();
        Writer {
            sql,
            params: Vec::new(),
            d,
        }
    }

    pub fn new(d: &'d D, capacity: usize) -> Self {
        Writer {
            sql: String::with_capacity(capacity),
            params: Vec::new(),
            d,
        }
    }

    /// The SQL and owned copies of its values.
    pub fn finish(self) -> (String, Vec<Value>) {
        (
            self.sql,
            self.params.into_iter().map(Cow::into_owned).collect(),
        )
    }

    /// The SQL and its values, borrowed where possible.
    pub fn finish_borrowed(self) -> (String, Vec<Cow<'a, Value>>) {
        (self.sql, self.params)
    }

    fn push(&mut self, s: &str) {
        self.sql.push_str(s);
    }

    fn ident(&mut self, ident: &str) {
        self.d.quote(&mut self.sql, ident);
    }

    fn column(&mut self, table: &str, column: &str) {
        self.d.column(&mut self.sql, table, column);
    }

    /// `"table"."column"` of one of the query's model's columns, quoted once
    /// per program.
    fn qualified(&mut self, q: &Query<'_>, column: Col) {
        match qualified_name(self.d, q, column) {
            Some(name) => self.sql.push_str(name),
            None => self.column(q.meta.table, column.name),
        }
    }
}

/// The cached `"table"."column"` of `column`, if it is one of the model's.
fn qualified_name<D: Dialect>(d: &D, q: &Query<'_>, column: Col) -> Option<&'static str> {
    let meta = q.meta;
    let names = q.cache.qualified.get_or_init(|| {
        meta.fields
            .iter()
            .map(|f| {
                let mut s = String::new();
                d.column(&mut s, meta.table, f.column);
                s
            })
            .collect()
    });
    names.get(column.index).map(String::as_str)
}

impl<'d, 'a, D: Dialect> Writer<'d, 'a, D> {
    /// The query's model's table, quoted once per program.
    fn table(&mut self, q: &Query<'_>) {
        let d = self.d;
        let table = q.cache.table.get_or_init(|| {
            let mut s = String::new();
            d.quote(&mut s, q.meta.table);
            s
        });
        self.sql.push_str(table);
    }

    /// Appends a placeholder bound to `value`.
    fn param(&mut self, value: Cow<'a, Value>) {
        self.params.push(value);
        self.d.placeholder(&mut self.sql, self.params.len());
    }

    /// The model's qualified column list, built once.
    fn cached_select_list(&self, meta: &ModelMeta, cache: &'static StatementCache) -> &'static str {
        cache.select_list.get_or_init(|| {
            let mut w = Writer::new(self.d, 32 * meta.fields.len());
            w.columns(meta, true);
            w.sql
        })
    }

    fn select_list(&mut self, meta: &ModelMeta, cache: &'static StatementCache) {
        let list = self.cached_select_list(meta, cache);
        self.sql.push_str(list);
    }

    fn columns(&mut self, meta: &ModelMeta, qualify: bool) {
        for (i, f) in meta.fields.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            if qualify {
                self.column(meta.table, f.column);
            } else {
                self.ident(f.column);
            }
        }
    }

    fn node(&mut self, q: &Query<'_>, node: &'a Node, top: bool) {
        match node {
            Node::Empty => self.push("1 = 1"),
            Node::Cmp {
                column, op, value, ..
            } => {
                if *op == Cmp::Ne && value.is_nan() && self.d.binds_nan_as_null() {
                    // Nothing equals NaN, so every row, NULL or not, differs
                    // from it; `IS NOT NULL` (what would be bound) is wrong.
                    self.push("1 = 1");
                    return;
                }
                self.qualified(q, *column);
                let op = match op {
                    Cmp::Eq => "=",
                    Cmp::Ne => self.d.distinct_from(),
                    Cmp::Gt => ">",
                    Cmp::Gte => ">=",
                    Cmp::Lt => "<",
                    Cmp::Lte => "<=",
                };
                self.sql.push(' ');
                self.push(op);
                self.sql.push(' ');
                self.param(Cow::Borrowed(value));
            }
            Node::Text {
                column,
                op,
                case_insensitive,
                needle,
                ..
            } => {
                let owned;
                let column = match qualified_name(self.d, q, *column) {
                    Some(name) => name,
                    None => {
                        let mut s = String::new();
                        self.d.column(&mut s, q.meta.table, column.name);
                        owned = s;
                        &owned
                    }
                };
                self.d.text_lookup(
                    &mut self.sql,
                    &mut self.params,
                    column,
                    *case_insensitive,
                    *op,
                    needle,
                );
            }
            Node::In { column, values, .. } => {
                if values.is_empty() {
                    // `IN ()` is not valid SQL everywhere; an empty list matches nothing.
                    self.push("0 = 1");
                    return;
                }
                self.qualified(q, *column);
                if let Some(list) = self.d.bound_list(values) {
                    // A long list is one parameter, so that the statement
                    // stays the same (and cached) whatever the list's
                    // length, and never runs into the parameter limit.
                    self.push(" IN (");
                    self.d.list_source(&mut self.sql);
                    self.param(Cow::Owned(list));
                    self.push("))");
                    return;
                }
                self.push(" IN (");
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.param(Cow::Borrowed(v));
                }
                self.push(")");
            }
            Node::Range { column, lo, hi, .. } => {
                self.qualified(q, *column);
                self.push(" BETWEEN ");
                self.param(Cow::Borrowed(lo));
                self.push(" AND ");
                self.param(Cow::Borrowed(hi));
            }
            Node::IsNull { column, is_null } => {
                self.qualified(q, *column);
                self.push(if *is_null { " IS NULL" } else { " IS NOT NULL" });
            }
            Node::And(nodes) | Node::Or(nodes) => {
                let op = if matches!(node, Node::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                if !top {
                    self.push("(");
                }
                for (i, n) in nodes.iter().enumerate() {
                    if i > 0 {
                        self.push(op);
                    }
                    self.node(q, n, false);
                }
                if !top {
                    self.push(")");
                }
            }
            Node::Not(inner) => {
                // Django's negation keeps rows where the condition is unknown
                // (compares with NULL). `NOT` alone would drop them.
                if inner.can_be_null() {
                    self.push("(");
                    self.node(q, inner, true);
                    self.push(") IS NOT TRUE");
                } else {
                    self.push("NOT (");
                    self.node(q, inner, true);
                    self.push(")");
                }
            }
        }
    }

    fn where_clause(&mut self, q: &Query<'a>) {
        if *q.filter != Node::Empty {
            self.push(" WHERE ");
            self.node(q, q.filter, true);
        }
    }

    fn order_by(&mut self, q: &Query<'_>, order: &[OrderTerm]) {
        for (i, o) in order.iter().enumerate() {
            self.push(if i == 0 { " ORDER BY " } else { ", " });
            self.qualified(q, o.column);
            if o.desc {
                self.push(" DESC");
            }
        }
    }

    fn limit_offset(&mut self, limit: Option<u64>, offset: u64) {
        self.d
            .limit_offset(&mut self.sql, limit, (offset > 0).then_some(offset));
    }

    /// `SELECT <what> FROM "t" [WHERE] [ORDER BY] [LIMIT/OFFSET]`.
    pub fn select(&mut self, q: &Query<'a>, what: Select) {
        // One allocation for the statement: the column list and room for the rest.
        let list = self.cached_select_list(q.meta, q.cache);
        self.sql.reserve(list.len() + 256);
        self.params.reserve(4);
        self.push("SELECT ");
        match what {
            Select::Rows => self.select_list(q.meta, q.cache),
            Select::One => self.push("1"),
            Select::Pk => self.qualified(q, pk_col(q.meta)),
        }
        self.push(" FROM ");
        self.table(q);
        self.where_clause(q);
        self.order_by(q, &q.order);
        self.limit_offset(q.limit, q.offset);
    }

    /// The last row of a sliced query: the slice as a subquery, read backwards.
    /// Both orderings end with the primary key, so that rows which tie on
    /// the ordering still come out of the subquery in a definite order and
    /// the outer query really returns the slice's last row.
    pub fn select_last_of_slice(&mut self, q: &Query<'a>) {
        let meta = q.meta;
        let pk = pk_col(meta);
        let mut inner: Vec<OrderTerm> = q.order.to_vec();
        if !inner.iter().any(|o| o.column == pk) {
            inner.push(OrderTerm {
                column: pk,
                desc: false,
            });
        }
        let reversed: Vec<OrderTerm> = inner
            .iter()
            .map(|o| OrderTerm {
                column: o.column,
                desc: !o.desc,
            })
            .collect();
        let sub = Query {
            order: Cow::Owned(inner),
            ..q.clone()
        };
        self.push("SELECT ");
        self.select_list(meta, q.cache);
        self.push(" FROM (");
        self.select(&sub, Select::Rows);
        self.push(") AS ");
        self.table(q);
        self.order_by(q, &reversed);
        self.push(" LIMIT 1");
    }

    /// `SELECT COUNT(*)`, of the slice when sliced.
    pub fn count(&mut self, q: &Query<'a>) {
        self.sql.reserve(256);
        if q.is_sliced() {
            self.push("SELECT COUNT(*) FROM (");
            let unordered = Query {
                order: Cow::Borrowed(&[]),
                ..q.clone()
            };
            self.select(&unordered, Select::One);
            self.push(")");
        } else {
            self.push("SELECT COUNT(*) FROM ");
            self.table(q);
            self.where_clause(q);
        }
    }

    /// `WHERE` for `update` and `delete`: the filter, or the slice's keys.
    fn write_target(&mut self, q: &Query<'a>) {
        if q.is_sliced() {
            self.push(" WHERE ");
            self.qualified(q, pk_col(q.meta));
            self.push(" IN (");
            self.select(q, Select::Pk);
            self.push(")");
        } else {
            self.where_clause(q);
        }
    }

    /// `UPDATE "t" SET ... WHERE ...`.
    pub fn update<M>(&mut self, q: &Query<'a>, assignments: &'a [Assignment<M>]) {
        self.sql.reserve(256 + 16 * assignments.len());
        self.push("UPDATE ");
        self.ident(q.meta.table);
        for (i, a) in assignments.iter().enumerate() {
            self.push(if i == 0 { " SET " } else { ", " });
            self.ident(a.column);
            self.push(" = ");
            self.param(Cow::Borrowed(&a.value));
        }
        self.write_target(q);
    }

    /// `DELETE FROM "t" WHERE ...`.
    pub fn delete(&mut self, q: &Query<'a>) {
        self.sql.reserve(256);
        self.push("DELETE FROM ");
        self.ident(q.meta.table);
        self.write_target(q);
    }

    /// `INSERT INTO "t" (...) VALUES (...), ...` for `rows` rows; the values
    /// are bound by the model itself, in `META.fields` order.
    pub fn insert(&mut self, meta: &ModelMeta, with_pk: bool, rows: usize) {
        self.sql.reserve(64 + meta.fields.len() * (24 + 3 * rows));
        self.push("INSERT INTO ");
        self.ident(meta.table);
        if meta.fields.len() == 1 && !with_pk {
            // A model with nothing but its automatic key: each row is
            // `(NULL)`, which SQLite turns into the next key.
            self.push(" (");
            self.ident(meta.pk_field().column);
            self.push(") VALUES ");
            for r in 0..rows {
                self.push(if r == 0 { "(NULL)" } else { ", (NULL)" });
            }
            return;
        }
        self.push(" (");
        let mut n = 0;
        for (i, f) in meta.fields.iter().enumerate() {
            if i == meta.pk && !with_pk {
                continue;
            }
            if n > 0 {
                self.push(", ");
            }
            self.ident(f.column);
            n += 1;
        }
        self.push(") VALUES ");
        let mut index = 0;
        for r in 0..rows {
            if r > 0 {
                self.push(", ");
            }
            self.push("(");
            for i in 0..n {
                if i > 0 {
                    self.push(", ");
                }
                index += 1;
                self.d.placeholder(&mut self.sql, index);
            }
            self.push(")");
        }
    }

    /// `UPDATE "t" SET <every other column> = ? WHERE "pk" = ?`.
    pub fn update_by_pk(&mut self, meta: &ModelMeta) {
        self.sql.reserve(256);
        self.push("UPDATE ");
        self.ident(meta.table);
        let mut index = 0;
        for (i, f) in meta.fields.iter().enumerate() {
            if i == meta.pk {
                continue;
            }
            self.push(if index == 0 { " SET " } else { ", " });
            self.ident(f.column);
            self.push(" = ");
            index += 1;
            self.d.placeholder(&mut self.sql, index);
        }
        if index == 0 {
            // Nothing but the key: a no-op write that still reports whether
            // the row exists, so `save` knows to insert it.
            self.push(" SET ");
            self.ident(meta.pk_field().column);
            self.push(" = ");
            self.ident(meta.pk_field().column);
        }
        self.push(" WHERE ");
        self.ident(meta.pk_field().column);
        self.push(" = ");
        self.d.placeholder(&mut self.sql, index + 1);
    }

    /// `DELETE FROM "t" WHERE "pk" = ?`.
    pub fn delete_by_pk(&mut self, meta: &ModelMeta) {
        self.sql.reserve(256);
        self.push("DELETE FROM ");
        self.ident(meta.table);
        self.push(" WHERE ");
        self.ident(meta.pk_field().column);
        self.push(" = ");
        self.d.placeholder(&mut self.sql, 1);
    }
}

/// The primary key of a model, as a column reference.
pub(crate) fn pk_col(meta: &ModelMeta) -> Col {
    Col {
        name: meta.pk_field().column,
        index: meta.pk,
    }
}
