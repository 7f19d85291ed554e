//! `QuerySet`: a lazy, immutable description of a query on one model.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use crate::backend::{Backend, Row};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::exec;
use crate::expr::{Aggregates, Columns};
use crate::load::{HydrateFn, PrefetchFn, PrefetchRelated, SelectRelated};
use crate::model::Model;
use crate::query::{Assignments, Condition, IntoOrder, OrderTerms, Terms};
use crate::tree::{Column, Cond, Expr, OrderTerm, PathNode, Select, SelectColumns, TableName};
use crate::value::Value;
use crate::write::{Sql, Writer};

/// The rows of model `M` that a query selects: Django's `QuerySet`.
///
/// Building one touches no database; each builder method returns a new
/// `QuerySet`, and the value can be cloned and reused. Execution methods take
/// a [`Db`] and run exactly one statement (`create` and `save` of a model
/// whose key is set may run two).
///
/// `limit` and `offset` are honoured by every method: `count`, `exists`,
/// `first`, `last`, `update` and `delete` of a sliced query act on the rows of
/// that slice only.
///
/// `S` says what a row is: the model ([`Models`], the default), the model
/// and its annotations ([`Annotated`], from
/// [`annotate`](QuerySet::annotate)), or listed values ([`Values`], from
/// [`values_list`](QuerySet::values_list)).
pub struct QuerySet<M, S = Models> {
    filter: Cond,
    /// `filter()` calls that followed to-many relations so far (each one's
    /// joins are its own).
    groups: u32,
    distinct: bool,
    /// `none()`: matches nothing, runs no statement.
    none: bool,
    order: Terms,
    limit: Option<u64>,
    offset: u64,
    /// What fewer query sets use (annotations, values, related rows,
    /// compounds), boxed: a query set is moved by value through every
    /// builder call, so the common one stays small (measured: the top-10
    /// chain spent a sixth of its instructions in `memcpy` when these were
    /// inline).
    more: Option<Box<More<M>>>,
    _marker: PhantomData<fn() -> (M, S)>,
}

/// The less common parts of a [`QuerySet`].
struct More<M> {
    /// `HAVING`: conditions on aggregates.
    having: Cond,
    /// The expressions selected after the model's columns (annotations),
    /// or instead of them (`values_list`, then its annotations).
    select: Vec<Expr>,
    /// How many of `select` `values_list` listed (0: the model's rows).
    values: usize,
    /// Whether rows are grouped (an aggregate is annotated, or filtered on).
    grouped: bool,
    /// Each annotation as the user built it, and as it is selected (its
    /// joins placed): a `filter` or `order_by` on the same value uses the
    /// selected form, so the same joins.
    annotations: Vec<(Expr, Expr)>,
    /// `select_related`: each to-one step and what reads its model from a
    /// row (steps in the order of their columns in the row).
    related: Vec<(&'static PathNode, HydrateFn<M>)>,
    /// The same steps, for the statement.
    related_nodes: Vec<&'static PathNode>,
    /// `prefetch_related`: each step and its statement, a step after the
    /// steps before it.
    prefetch: Vec<(&'static PathNode, PrefetchFn<M>)>,
    /// `union`, `intersection`, `difference` (stream.rs): the two query
    /// sets whose combined rows this one reads, as a subquery.
    combined: Option<std::sync::Arc<crate::stream::Combined<M>>>,
}

impl<M> Default for More<M> {
    fn default() -> Self {
        More {
            having: Cond::Empty,
            select: Vec::new(),
            values: 0,
            grouped: false,
            annotations: Vec::new(),
            related: Vec::new(),
            related_nodes: Vec::new(),
            prefetch: Vec::new(),
            combined: None,
        }
    }
}

impl<M> Clone for More<M> {
    fn clone(&self) -> Self {
        More {
            having: self.having.clone(),
            select: self.select.clone(),
            values: self.values,
            grouped: self.grouped,
            annotations: self.annotations.clone(),
            related: self.related.clone(),
            related_nodes: self.related_nodes.clone(),
            prefetch: self.prefetch.clone(),
            combined: self.combined.clone(),
        }
    }
}

impl<M, S> QuerySet<M, S> {
    /// The less common parts, created on first use.
    fn more_mut(&mut self) -> &mut More<M> {
        self.more.get_or_insert_with(Default::default)
    }

    /// The expressions selected after (or instead of) the model's columns.
    fn sel(&self) -> &[Expr] {
        self.more.as_deref().map_or(&[], |m| &m.select)
    }

    /// How many expressions `values_list` listed (0: model rows).
    fn values_n(&self) -> usize {
        self.more.as_deref().map_or(0, |m| m.values)
    }

    /// Whether the rows are grouped.
    fn is_grouped(&self) -> bool {
        self.more.as_deref().is_some_and(|m| m.grouped)
    }

    /// The annotations, as built and as selected.
    fn annotations(&self) -> &[(Expr, Expr)] {
        self.more.as_deref().map_or(&[], |m| &m.annotations)
    }

    /// `select_related`'s steps and readers.
    fn related(&self) -> &[(&'static PathNode, HydrateFn<M>)] {
        self.more.as_deref().map_or(&[], |m| &m.related)
    }

    /// `select_related`'s steps.
    fn related_nodes(&self) -> &[&'static PathNode] {
        self.more.as_deref().map_or(&[], |m| &m.related_nodes)
    }

    /// `prefetch_related`'s steps and statements.
    fn prefetch(&self) -> &[(&'static PathNode, PrefetchFn<M>)] {
        self.more.as_deref().map_or(&[], |m| &m.prefetch)
    }
}

impl<M, S> Clone for QuerySet<M, S> {
    fn clone(&self) -> Self {
        QuerySet {
            filter: self.filter.clone(),
            groups: self.groups,
            distinct: self.distinct,
            none: self.none,
            order: self.order.clone(),
            limit: self.limit,
            offset: self.offset,
            more: self.more.clone(),
            _marker: PhantomData,
        }
    }
}

impl<M: Model, S: Shape<M>> fmt::Debug for QuerySet<M, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (sql, params) = self.to_sql();
        f.debug_struct("QuerySet")
            .field("sql", &sql)
            .field("params", &params)
            .finish()
    }
}

impl<M: Model> Default for QuerySet<M> {
    fn default() -> Self {
        QuerySet::new()
    }
}

impl<M: Model> QuerySet<M> {
    /// Every row of `M`'s table. Usually spelled `M::objects()`.
    pub fn new() -> Self {
        QuerySet {
            filter: Cond::Empty,
            groups: 0,
            distinct: false,
            none: false,
            order: Terms::None,
            limit: None,
            offset: 0,
            more: None,
            _marker: PhantomData,
        }
    }
}

impl<M: Model, S: Shape<M>> QuerySet<M, S> {
    /// The same query set, its rows read as `S2`.
    fn reshape<S2>(self) -> QuerySet<M, S2> {
        QuerySet {
            filter: self.filter,
            groups: self.groups,
            distinct: self.distinct,
            none: self.none,
            order: self.order,
            limit: self.limit,
            offset: self.offset,
            more: self.more,
            _marker: PhantomData,
        }
    }

    /// The `SELECT` of this query set's rows, borrowing its parts.
    #[inline]
    pub(crate) fn query(&self) -> Select<'_> {
        let Some(more) = self.more.as_deref() else {
            // The common query set: the model's rows, no extras.
            return Select {
                distinct: self.distinct,
                filter: Some(&self.filter),
                order: Cow::Borrowed(self.order.as_slice()),
                limit: self.limit,
                offset: self.offset,
                nothing: self.none,
                ..Select::new(SelectColumns::Model(exec::model_ref::<M>()), M::META.table)
            };
        };
        let (columns, extra) = if more.values > 0 {
            (
                SelectColumns::Exprs(Cow::Borrowed(&more.select[..])),
                Cow::Borrowed(&[][..]),
            )
        } else {
            (
                SelectColumns::Model(exec::model_ref::<M>()),
                Cow::Borrowed(&more.select[..]),
            )
        };
        let select = Select {
            distinct: self.distinct,
            filter: Some(&self.filter),
            having: Some(&more.having),
            group_by: self.group_by(),
            extra,
            order: Cow::Borrowed(self.order.as_slice()),
            limit: self.limit,
            offset: self.offset,
            nothing: self.none,
            ..Select::new(columns, M::META.table)
        };
        match &more.combined {
            Some(combined) => select.with_from(combined.from()),
            None => select,
        }
    }

    /// This query set's `select_related` and `prefetch_related` over the
    /// rows of `combined` (`union` and its kin, in stream.rs), with no
    /// filter, ordering or slice of its own yet.
    pub(crate) fn with_combined(self, combined: crate::stream::Combined<M>) -> Self {
        let mut base = QuerySet::<M>::new().reshape::<S>();
        let old = self.more.map(|m| *m).unwrap_or_default();
        let more = base.more_mut();
        more.related = old.related;
        more.related_nodes = old.related_nodes;
        more.prefetch = old.prefetch;
        more.combined = Some(std::sync::Arc::new(combined));
        base
    }

    /// `GROUP BY`, when rows are grouped: the model's key (and each
    /// `select_related` row's: the other columns depend on them), or the
    /// listed values and what the rows are ordered by, as Django groups.
    fn group_by(&self) -> Cow<'_, [Expr]> {
        if !self.is_grouped() {
            return Cow::Borrowed(&[]);
        }
        let mut by = Vec::new();
        if self.values_n() > 0 {
            by.extend(
                self.sel()[..self.values_n()]
                    .iter()
                    .filter(|e| !e.has_aggregate())
                    .cloned(),
            );
            for o in self.order.as_slice() {
                if !o.expr.has_aggregate() && !by.contains(&o.expr) {
                    by.push(o.expr.clone());
                }
            }
        } else {
            by.push(Expr::Column(exec::model_ref::<M>().pk_column()));
            for node in self.related_nodes() {
                let to = node.rel.to;
                by.push(Expr::Column(Column {
                    table: TableName::Table(to.table),
                    name: to.pk_field().column,
                    field: Some(to.pk),
                    path: Some(node),
                }));
            }
        }
        Cow::Owned(by)
    }

    /// The `filter()` group whose joins an aggregate over a to-many
    /// relation uses: that of the latest `filter()` through the same
    /// relation (Django: "the filter restricts the annotation" when it
    /// comes first), else the shared group 0, whose joins every annotation
    /// and listed value reuses (so a `filter()` after `annotate` joins
    /// again, as in Django).
    fn group_for(&self, e: &Expr) -> u32 {
        fn first_to_many(node: &'static PathNode) -> Option<&'static PathNode> {
            node.steps().into_iter().find(|s| s.to_many())
        }
        let step = std::cell::Cell::new(None);
        e.any_column(&|c| {
            step.set(c.path.and_then(first_to_many));
            step.get().is_some()
        });
        let Some(step) = step.get() else {
            return 0;
        };
        let parts = match &self.filter {
            Cond::And(parts) => parts.as_slice(),
            c => std::slice::from_ref(c),
        };
        // Django's annotations reuse the joins there are: those of the
        // latest `filter()` through the same relation, else the shared
        // group 0.
        parts
            .iter()
            .filter_map(|c| match c {
                Cond::Group(g, inner)
                    if inner.any_column(&|c| {
                        c.path.and_then(first_to_many).is_some_and(|s| s.same(step))
                    }) =>
                {
                    Some(*g)
                }
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }

    /// Puts each aggregate of `e` over a to-many relation in its joins'
    /// group: an annotation's own, or (for one not annotated) its own.
    fn place(&self, e: &mut Expr) {
        if let Some((_, placed)) = self.annotations().iter().find(|(a, _)| a == e) {
            *e = placed.clone();
            return;
        }
        match e {
            Expr::Aggregate { .. } if e.has_paths(true) => {
                let g = self.group_for(e);
                if g > 0 {
                    let inner = std::mem::replace(e, Expr::Value(Value::Null));
                    *e = Expr::Group(g, Box::new(inner));
                }
            }
            Expr::Cast(inner, _) => self.place(inner),
            Expr::Binary(l, _, r) => {
                self.place(l);
                self.place(r);
            }
            Expr::Func(_, args) => args.iter_mut().for_each(|a| self.place(a)),
            _ => {}
        }
    }

    /// Adds expressions to the select list (annotations, or listed
    /// values), grouping rows when one is an aggregate.
    fn add_columns(&mut self, columns: &impl Columns<M>) {
        let mut exprs = Vec::new();
        columns.push_exprs(&mut exprs);
        for mut e in exprs {
            if e.has_aggregate() {
                let original = e.clone();
                self.place(&mut e);
                let more = self.more_mut();
                more.grouped = true;
                more.annotations.push((original, e.clone()));
            }
            self.more_mut().select.push(e);
        }
    }

    /// The `SELECT` that loads rows: [`query`](QuerySet::query) with the
    /// columns `select_related` adds.
    pub(crate) fn query_loading(&self) -> Select<'_> {
        Select {
            related: self.related_nodes(),
            ..self.query()
        }
    }

    /// Whether rows are read plainly (the model's columns only, no
    /// `select_related`, no `prefetch_related`).
    pub(crate) fn plain(&self) -> bool {
        self.more
            .as_deref()
            .is_none_or(|m| m.related.is_empty() && m.prefetch.is_empty() && m.select.is_empty())
    }

    /// The number of columns the model's rows take (its own and those of
    /// `select_related`): where annotations start.
    fn model_width(&self) -> usize {
        M::META.fields.len()
            + self
                .related()
                .iter()
                .map(|(n, _)| n.rel.to.fields.len())
                .sum::<usize>()
    }

    /// Reads a row: the model, then each `select_related` step's model
    /// from the columns after it.
    pub(crate) fn read_model(&self, row: &Row<'_>) -> Result<M> {
        let mut m = M::from_row(row, 0)?;
        let mut offset = M::META.fields.len();
        for (node, hydrate) in self.related() {
            hydrate(&mut m, row, offset)?;
            offset += node.rel.to.fields.len();
        }
        Ok(m)
    }

    /// Runs the `prefetch_related` statements on the rows read: one per
    /// step, whatever the number of rows.
    pub(crate) fn run_prefetch(&self, db: &Db, rows: &mut [M]) -> Result<()> {
        for (_, level) in self.prefetch() {
            level(db, rows)?;
        }
        Ok(())
    }

    /// Keeps the rows for which `condition` is true. `filter(a).filter(b)`
    /// is `a AND b`.
    ///
    /// ```
    /// # use query::prelude::*;
    /// # #[derive(Model)] pub struct Product { pub id: i64, pub price: i64 }
    /// # fn main() {
    /// use product::*;
    /// let (sql, params) = Product::objects().filter(price.lte(500)).to_sql();
    /// assert_eq!(sql, r#"SELECT "id", "price" FROM "product" WHERE "price" <= ?"#);
    /// assert_eq!(params, [Value::Integer(500)]);
    /// # }
    /// ```
    ///
    /// Across a to-many relation, the conditions of one `filter()` call
    /// refer to the same related row, and a second call joins again (its
    /// conditions may be met by another related row), as in Django.
    #[inline]
    pub fn filter(mut self, condition: impl Condition<M>) -> Self {
        let mut cond = condition.into_q().node;
        if cond.has_aggregate() {
            return self.having(cond);
        }
        if cond.has_to_many_paths() {
            self.groups += 1;
            cond = Cond::Group(self.groups, Box::new(cond));
        }
        let node = std::mem::replace(&mut self.filter, Cond::Empty);
        self.filter = node.and(cond);
        self
    }

    /// Drops the rows for which `condition` is true, keeping those where it
    /// is false or unknown (NULL), as Django's `exclude` does.
    ///
    /// ```
    /// # use query::prelude::*;
    /// # #[derive(Model)] pub struct Product { pub id: i64, pub description: Option<String> }
    /// # fn main() {
    /// use product::*;
    /// let (sql, _) = Product::objects().exclude(description.eq("x")).to_sql();
    /// assert!(sql.ends_with(r#"WHERE ("description" = ?) IS NOT TRUE"#));
    /// # }
    /// ```
    ///
    /// Across a to-many relation, `exclude` drops the rows for which *some*
    /// related row matches, through a subquery (Django's meaning).
    #[inline]
    pub fn exclude(mut self, condition: impl Condition<M>) -> Self {
        let cond = condition.into_q().node;
        if cond.has_aggregate() {
            return self.having(cond.negate());
        }
        let cond = if cond.has_to_many_paths() {
            let meta = M::META;
            Cond::SelfIn {
                table: meta.table,
                key: meta.pk_field().column,
                inner: Box::new(cond),
            }
        } else {
            cond
        };
        let node = std::mem::replace(&mut self.filter, Cond::Empty);
        self.filter = node.and(cond.negate());
        self
    }

    /// A condition on aggregates: `HAVING`, the rows grouped (Django's
    /// `filter()` on an annotation).
    fn having(mut self, mut cond: Cond) -> Self {
        cond.for_each_expr_mut(&mut |e| self.place(e));
        let more = self.more_mut();
        more.grouped = true;
        let node = std::mem::replace(&mut more.having, Cond::Empty);
        more.having = node.and(cond);
        self
    }

    /// Drops duplicate rows (`SELECT DISTINCT`): rows repeat along to-many
    /// joins, as in Django.
    pub fn distinct(mut self) -> Self {
        self.distinct = true;
        self
    }

    /// Sorts the rows: `order_by(-price)`, `order_by(price.asc())`,
    /// `order_by((-price, name))`. Replaces any earlier ordering, as in Django.
    ///
    /// ```
    /// # use query::prelude::*;
    /// # #[derive(Model)] pub struct Product { pub id: i64, pub name: String, pub price: i64 }
    /// # fn main() {
    /// use product::*;
    /// let (sql, _) = Product::objects().order_by((-price, name)).to_sql();
    /// assert!(sql.ends_with(r#"ORDER BY "price" DESC, "name""#));
    /// # }
    /// ```
    #[inline]
    pub fn order_by(mut self, order: impl IntoOrder<M>) -> Self {
        let mut terms = OrderTerms::default();
        order.push_order(&mut terms);
        if !self.annotations().is_empty()
            || terms.0.as_slice().iter().any(|t| t.expr.has_aggregate())
        {
            // An annotation orders by the annotation's joins.
            let mut placed = Terms::None;
            for mut t in terms.0.as_slice().iter().cloned() {
                self.place(&mut t.expr);
                placed.push(t);
            }
            terms.0 = placed;
        }
        self.order = terms.0;
        self
    }

    /// At most `n` rows: `LIMIT n`, an integer literal, not a bound value:
    /// it is part of the query's structure (Django writes it as a literal
    /// too), and SQLite re-plans a statement whose `LIMIT` is bound every
    /// time it runs. With [`offset`](QuerySet::offset),
    /// Django's `qs[offset:offset + n]`; the order of the two calls does not
    /// matter.
    #[inline]
    pub fn limit(mut self, n: usize) -> Self {
        self.limit = Some(n as u64);
        self
    }

    /// Skips the first `n` rows: `OFFSET n`; Django's `qs[n:]`.
    ///
    /// `limit` and `offset` set the slice (a second call replaces the first),
    /// and the slice is always taken last: a `filter`, `exclude` or
    /// `order_by` added after it applies before it, as in the SQL it writes
    /// (Django refuses to filter a sliced query set).
    #[inline]
    pub fn offset(mut self, n: usize) -> Self {
        self.offset = n as u64;
        self
    }

    /// The `SELECT` this query set runs for [`all`](QuerySet::all), and its
    /// bound values: for logs, tests and benchmarks.
    ///
    /// The SQL is SQLite's (with the `sqlite` feature); see
    /// [`to_sql_for`](QuerySet::to_sql_for) for another backend's.
    pub fn to_sql(&self) -> (String, Vec<Value>) {
        #[cfg(feature = "sqlite")]
        let backend = Backend::Sqlite;
        #[cfg(not(feature = "sqlite"))]
        let backend = Backend::Postgres;
        self.to_sql_for(backend)
    }

    /// The `SELECT` this query set runs on `backend`, and its bound values.
    pub fn to_sql_for(&self, backend: Backend) -> (String, Vec<Value>) {
        let writer: &dyn Writer = match backend {
            Backend::Postgres => &crate::backend::postgres::PostgresWriter,
            _ => &crate::backend::sqlite::SqliteWriter,
        };
        let query = self.query_loading();
        let list = crate::write::select_list(exec::model_ref::<M>());
        let mut sql = Sql::with_buffer(
            String::with_capacity(list.len() + 256),
            Some(exec::model_ref::<M>()),
        );
        writer.select(&mut sql, &query);
        sql.finish()
    }

    /// Runs the query and returns every row.
    ///
    /// SQL: `SELECT <columns> FROM "t" [WHERE ...] [ORDER BY ...] [LIMIT n OFFSET m]`.
    pub fn all(&self, db: &Db) -> Result<Vec<S::Row>> {
        S::rows(self, db, &self.query_loading())
    }

    /// The one row that matches: `Error::DoesNotExist` when none does and
    /// `Error::MultipleObjectsReturned` when several do. No `LIMIT` is added:
    /// a second row is always seen.
    pub fn get(&self, db: &Db) -> Result<S::Row> {
        S::get(self, db, &self.query_loading())
    }

    /// The order of `first` and `last` when the query set has none: the
    /// primary key, or (for distinct or grouped values, which can't be
    /// ordered by a column they don't list) the values listed.
    fn default_order(&self) -> Option<Vec<OrderTerm>> {
        (self.values_n() > 0 && (self.distinct || self.is_grouped())).then(|| {
            self.sel()[..self.values_n()]
                .iter()
                .filter(|e| !e.has_aggregate())
                .map(|e| OrderTerm {
                    expr: e.clone(),
                    desc: false,
                })
                .collect()
        })
    }

    /// The first row, ordered by the primary key when the query set is
    /// unordered; `None` when there are no rows.
    ///
    /// SQL: the query with `ORDER BY "pk"` (when unordered) and `LIMIT 1`.
    pub fn first(&self, db: &Db) -> Result<Option<S::Row>> {
        let pk = pk_order::<M>(false);
        let mut q = self.query_loading();
        if q.order.is_empty() {
            q.order = match self.default_order() {
                Some(order) => Cow::Owned(order),
                None => Cow::Borrowed(std::slice::from_ref(&pk)),
            };
        }
        q.limit = Some(q.limit.map_or(1, |l| l.min(1)));
        S::optional(self, db, &q)
    }

    /// The last row: the ordering reversed (the primary key descending when
    /// unordered); `None` when there are no rows. Of a sliced query set, the
    /// last row of the slice.
    pub fn last(&self, db: &Db) -> Result<Option<S::Row>> {
        let pk = pk_order::<M>(false);
        let mut q = self.query();
        if q.order.is_empty() {
            q.order = match self.default_order() {
                Some(order) => Cow::Owned(order),
                None => Cow::Borrowed(std::slice::from_ref(&pk)),
            };
        }
        if q.is_sliced() && !self.sel().is_empty() {
            // Annotated or listed rows: the slice, read whole; its last row.
            q.related = self.related_nodes();
            return Ok(S::rows(self, db, &q)?.pop());
        }
        if q.is_sliced() {
            // The slice as a subquery, read backwards. Both orderings end
            // with the primary key, so that rows which tie on the ordering
            // still come out of the subquery in a definite order and the
            // outer query really returns the slice's last row.
            let pk_expr = pk.expr.clone();
            let order = q.order.to_mut();
            if !order.iter().any(|o| o.expr == pk_expr) {
                order.push(pk.clone());
            }
            let reversed: Vec<OrderTerm> = q
                .order
                .iter()
                .map(|o| OrderTerm {
                    expr: o.expr.clone(),
                    desc: !o.desc,
                })
                .collect();
            let outer = Select {
                order: Cow::Owned(reversed),
                limit: Some(1),
                related: self.related_nodes(),
                ..Select::new(SelectColumns::Model(exec::model_ref::<M>()), M::META.table)
            }
            .with_from(crate::tree::From::Subquery(Box::new(q), M::META.table));
            return S::optional(self, db, &outer);
        }
        for o in q.order.to_mut() {
            o.desc = !o.desc;
        }
        q.limit = Some(1);
        q.related = self.related_nodes();
        S::optional(self, db, &q)
    }

    /// The number of rows (of groups, when grouped).
    ///
    /// SQL: `SELECT COUNT(*) FROM "t" [WHERE ...]` (of a subquery when
    /// sliced, distinct or grouped).
    pub fn count(&self, db: &Db) -> Result<usize> {
        exec::count::<M>(db, &self.query())
    }

    /// Whether any row matches.
    ///
    /// SQL: `SELECT 1 FROM "t" [WHERE ...] LIMIT 1`.
    pub fn exists(&self, db: &Db) -> Result<bool> {
        let mut q = self.query();
        if !q.is_sliced() {
            // Which row is found first does not matter: don't sort.
            q.order = Cow::Borrowed(&[]);
        }
        q.limit = Some(q.limit.map_or(1, |l| l.min(1)));
        exec::exists::<M>(db, &q)
    }
}

impl<M: Model> QuerySet<M> {
    /// At most one row, loaded with its related rows.
    fn optional(&self, db: &Db, q: &Select<'_>) -> Result<Option<M>> {
        if self.plain() {
            return exec::optional(db, q);
        }
        let mut row = exec::optional_with::<M, M>(db, q, |row| self.read_model(row))?;
        if let Some(m) = &mut row {
            self.run_prefetch(db, std::slice::from_mut(m))?;
        }
        Ok(row)
    }

    /// Loads the rows that foreign keys (and one-to-one relations) point
    /// at in the same statement, Django's `select_related`: the joined
    /// models' columns follow the model's, each step is joined once
    /// (`LEFT OUTER JOIN` from a nullable key on, so a NULL key keeps its
    /// row and gives `None`), and [`ForeignKey::get`](crate::ForeignKey::get)
    /// returns the row read. Takes a path of foreign keys from this model,
    /// to any depth (`track::album.artist()` loads the album and its
    /// artist), or a tuple of them; several calls add up.
    ///
    /// A path through a reverse foreign key or a many-to-many relation does
    /// not compile: that is [`prefetch_related`](QuerySet::prefetch_related).
    pub fn select_related(mut self, paths: impl SelectRelated<M>) -> Self {
        let mut steps = Vec::new();
        paths.push(&mut steps);
        let more = self.more_mut();
        crate::load::add_steps(&mut more.related, steps);
        more.related_nodes = more.related.iter().map(|(n, _)| *n).collect();
        self
    }

    /// Loads related rows along any relation path (reverse foreign keys,
    /// many-to-many, foreign keys, to any depth: `artist::albums.tracks()`)
    /// with one more statement per step, whatever the number of rows:
    /// Django's `prefetch_related`. Each statement selects the related rows
    /// whose key is in the list the step before found, bound as one
    /// parameter when long (`IN (SELECT value FROM json_each(?))` on
    /// SQLite, `= ANY($1)` on PostgreSQL). Then
    /// [`Related::get`](crate::Related::get) and
    /// [`ManyToMany::get`](crate::ManyToMany::get) give the rows (`Some(&[])`
    /// for a row without any), and [`ForeignKey::get`](crate::ForeignKey::get)
    /// the row pointed at. Takes a path or a tuple of paths; a step loaded
    /// by two paths is loaded once.
    pub fn prefetch_related(mut self, paths: impl PrefetchRelated<M>) -> Self {
        let mut steps = Vec::new();
        paths.push(&mut steps);
        crate::load::add_steps(&mut self.more_mut().prefetch, steps);
        self
    }

    /// Adds a typed value to each row, Django's `annotate`: one
    /// expression or aggregate, or a tuple of them, and each row becomes
    /// `(M, A)` (`(M, A, B)`, ... for a tuple).
    ///
    /// An aggregate groups the rows by the model (`GROUP BY` its key), and
    /// over a to-many relation joins it (`LEFT OUTER`: a row without
    /// related rows counts 0), as in Django. A `filter()` on the relation
    /// *before* `annotate` restricts what is aggregated (the same join); one
    /// *after* it joins again. Two aggregates over to-many relations in one
    /// query multiply each other's rows: use `Count(..).distinct()`, as
    /// Django's documentation warns.
    ///
    /// A `filter` on an annotation is a `HAVING`; `order_by` takes it too.
    /// `prefetch_related` does not apply to annotated rows.
    ///
    /// ```
    /// # use query::prelude::*;
    /// # #[derive(Model)] pub struct Artist { pub id: i64, pub name: String,
    /// #     #[field(reverse = "artist")] pub albums: Related<Album> }
    /// # #[derive(Model)] pub struct Album { pub id: i64,
    /// #     #[field(on_delete = Cascade)] pub artist: ForeignKey<Artist> }
    /// # fn main() {
    /// let n_albums = Count(artist::albums);
    /// let (sql, _) = Artist::objects().annotate(n_albums).filter(n_albums.gte(5)).to_sql();
    /// assert!(sql.ends_with(r#"GROUP BY "artist"."id" HAVING COUNT("T1"."id") >= ?"#));
    /// # }
    /// ```
    pub fn annotate<C: Columns<M>>(mut self, columns: C) -> QuerySet<M, Annotated<C>> {
        self.add_columns(&columns);
        self.reshape()
    }

    /// Rows of values instead of models, Django's `values_list`: one
    /// expression gives plain values (`flat=True`), a tuple gives tuples,
    /// each typed as its field (a path through a nullable or to-many
    /// relation gives an `Option`). Every other method works on it
    /// (`filter`, `order_by`, `distinct`, `count`, `first`, slices); with
    /// [`annotate`](QuerySet::annotate) the rows are grouped by the values.
    pub fn values_list<C: Columns<M>>(mut self, columns: C) -> QuerySet<M, Values<C>> {
        if let Some(more) = self.more.as_deref_mut() {
            more.related.clear();
            more.related_nodes.clear();
            more.prefetch.clear();
        }
        self.add_columns(&columns);
        self.more_mut().values = C::LEN;
        self.reshape()
    }

    /// Sums up the query set: one aggregate (giving its value) or a tuple of
    /// them (giving a tuple), Django's `aggregate`. `Count` of no rows is 0,
    /// `Sum`, `Avg`, `Min` and `Max` of no rows are `None`.
    ///
    /// SQL: `SELECT COUNT(..), SUM(..) FROM "t" [joins] [WHERE ...]`; over a
    /// subquery when the query set is sliced or distinct.
    pub fn aggregate<A: Aggregates<M>>(&self, db: &Db, aggregates: A) -> Result<A::Out> {
        if self.none {
            return Ok(A::empty());
        }
        let mut exprs = Vec::new();
        aggregates.push_exprs(&mut exprs);
        for e in &mut exprs {
            self.place(e);
        }
        let q = self.query();
        let select = if q.is_sliced() || q.distinct || !q.group_by.is_empty() {
            // Over the query set's rows, as a subquery under the table's
            // name (so the aggregates' columns read from it).
            let inner = Select {
                order: if q.is_sliced() {
                    q.order.clone()
                } else {
                    Cow::Borrowed(&[])
                },
                ..q
            };
            Select::new(SelectColumns::Exprs(Cow::Borrowed(&exprs)), M::META.table)
                .with_from(crate::tree::From::Subquery(Box::new(inner), M::META.table))
        } else {
            Select {
                columns: SelectColumns::Exprs(Cow::Borrowed(&exprs)),
                order: Cow::Borrowed(&[]),
                ..q
            }
        };
        exec::optional_with::<M, A::Out>(db, &select, |row| A::read(row, 0))?.ok_or_else(|| {
            Error::Decode {
                column: 0,
                message: "the aggregate gave no row".into(),
            }
        })
    }

    /// Sets columns on every matching row, without loading them; returns the
    /// number of rows changed. `auto_now` fields are not touched (as in Django).
    ///
    /// SQL: `UPDATE "t" SET "c" = ?, ... [WHERE ...]`; of a sliced query set,
    /// `WHERE "pk" IN (SELECT "pk" ... LIMIT n OFFSET m)`.
    pub fn update(&self, db: &Db, assignments: impl Assignments<M>) -> Result<usize> {
        let mut list = Vec::new();
        assignments.push_assignments(&mut list);
        exec::update(db, &self.query(), list)
    }

    /// Deletes every matching row, with what the foreign keys pointing at
    /// them say (`on_delete`: cascades, `SET NULL`, or
    /// [`Error::Protected`](crate::Error::Protected) /
    /// [`Error::Restricted`](crate::Error::Restricted) and nothing deleted);
    /// returns the number of rows deleted, cascades included (Django's
    /// total).
    ///
    /// SQL, when no foreign key points at the model: `DELETE FROM "t"
    /// [WHERE ...]`; of a sliced query set, `WHERE "pk" IN (SELECT "pk" ...
    /// LIMIT n OFFSET m)`. Otherwise, in one transaction: `SELECT "pk" ...`,
    /// then per model reached a few statements on key lists (`SELECT "pk"
    /// FROM "child" WHERE "fk" IN (..)`, `UPDATE .. SET "fk" = NULL`,
    /// `DELETE .. WHERE "pk" IN (..)`), whatever the number of rows.
    pub fn delete(&self, db: &Db) -> Result<usize> {
        exec::delete::<M>(db, &self.query())
    }

    /// Inserts `obj` (always an `INSERT`) after validating it, and returns it
    /// with its primary key and `auto_now`/`auto_now_add` fields set.
    pub fn create(&self, db: &Db, mut obj: M) -> Result<M> {
        exec::insert(db, &mut obj)?;
        Ok(obj)
    }

    /// Inserts many objects with as few statements as SQLite's parameter
    /// limit allows, in one transaction; every object is validated first and
    /// nothing is written if one fails. Returns them with their keys set.
    pub fn bulk_create(&self, db: &Db, objs: Vec<M>) -> Result<Vec<M>> {
        exec::bulk_insert(db, objs)
    }
}

impl<M: Model, C: Columns<M>> QuerySet<M, Values<C>> {
    /// Adds aggregates (or expressions) after the listed values, grouping
    /// the rows by the values: Django's `values(..).annotate(..)`. Rows
    /// become `(V, A)` for one listed value and one aggregate; in general
    /// `(values, A, B, ...)`.
    ///
    /// ```
    /// # use query::prelude::*;
    /// # #[derive(Model)] pub struct Customer { pub id: i64, pub country: Option<String> }
    /// # fn main() {
    /// let (sql, _) = Customer::objects()
    ///     .values_list(customer::country)
    ///     .annotate(Count(customer::id))
    ///     .order_by(customer::country)
    ///     .to_sql();
    /// assert_eq!(sql, r#"SELECT "country", COUNT("id") FROM "customer" GROUP BY "country" ORDER BY "country""#);
    /// # }
    /// ```
    pub fn annotate<A: Columns<M>>(mut self, columns: A) -> QuerySet<M, ValuesAnnotated<C, A>> {
        self.add_columns(&columns);
        self.reshape()
    }
}

/// What a row of a [`QuerySet<M, S>`](QuerySet) is, and how it is read.
pub trait Shape<M: Model>: Sized {
    /// One row.
    type Row;
    #[doc(hidden)]
    /// Reads one row.
    fn read(qs: &QuerySet<M, Self>, row: &Row<'_>) -> Result<Self::Row>;
    #[doc(hidden)]
    /// Every row of `q`.
    fn rows(qs: &QuerySet<M, Self>, db: &Db, q: &Select<'_>) -> Result<Vec<Self::Row>> {
        exec::all_with::<M, Self::Row>(db, q, |row| Self::read(qs, row))
    }
    #[doc(hidden)]
    /// The one row of `q`.
    fn get(qs: &QuerySet<M, Self>, db: &Db, q: &Select<'_>) -> Result<Self::Row> {
        exec::get_with::<M, Self::Row>(db, q, |row| Self::read(qs, row))
    }
    #[doc(hidden)]
    /// At most one row of `q`.
    fn optional(qs: &QuerySet<M, Self>, db: &Db, q: &Select<'_>) -> Result<Option<Self::Row>> {
        exec::optional_with::<M, Self::Row>(db, q, |row| Self::read(qs, row))
    }
}

/// Rows are the model's (`QuerySet<M>`).
#[derive(Debug, Clone, Copy)]
pub enum Models {}

/// Rows are the model and its annotations, `(M, A, ..)`: what
/// [`annotate`](QuerySet::annotate) gives.
pub struct Annotated<C>(PhantomData<fn() -> C>);

/// Rows are listed values: what [`values_list`](QuerySet::values_list)
/// gives.
pub struct Values<C>(PhantomData<fn() -> C>);

/// Rows are listed values and their annotations, grouped by the values.
pub struct ValuesAnnotated<C, A>(PhantomData<fn() -> (C, A)>);

impl<M: Model> Shape<M> for Models {
    type Row = M;
    fn read(qs: &QuerySet<M>, row: &Row<'_>) -> Result<M> {
        qs.read_model(row)
    }
    fn rows(qs: &QuerySet<M>, db: &Db, q: &Select<'_>) -> Result<Vec<M>> {
        if qs.plain() {
            return exec::all(db, q);
        }
        let mut rows = exec::all_with::<M, M>(db, q, |row| qs.read_model(row))?;
        qs.run_prefetch(db, &mut rows)?;
        Ok(rows)
    }
    fn get(qs: &QuerySet<M>, db: &Db, q: &Select<'_>) -> Result<M> {
        if qs.plain() {
            return exec::get(db, q);
        }
        let mut row = exec::get_with::<M, M>(db, q, |row| qs.read_model(row))?;
        qs.run_prefetch(db, std::slice::from_mut(&mut row))?;
        Ok(row)
    }
    fn optional(qs: &QuerySet<M>, db: &Db, q: &Select<'_>) -> Result<Option<M>> {
        qs.optional(db, q)
    }
}

impl<M: Model, C: Columns<M>> Shape<M> for Annotated<C> {
    type Row = C::After<M>;
    fn read(qs: &QuerySet<M, Self>, row: &Row<'_>) -> Result<Self::Row> {
        C::read_after(qs.read_model(row)?, row, qs.model_width())
    }
}

impl<M: Model, C: Columns<M>> Shape<M> for Values<C> {
    type Row = C::Out;
    fn read(_: &QuerySet<M, Self>, row: &Row<'_>) -> Result<C::Out> {
        C::read(row, 0)
    }
}

impl<M: Model, C: Columns<M>, A: Columns<M>> Shape<M> for ValuesAnnotated<C, A> {
    type Row = A::After<C::Out>;
    fn read(_: &QuerySet<M, Self>, row: &Row<'_>) -> Result<Self::Row> {
        A::read_after(C::read(row, 0)?, row, C::LEN)
    }
}
fn pk_order<M: Model>(desc: bool) -> OrderTerm {
    OrderTerm {
        expr: Expr::Column(exec::model_ref::<M>().pk_column()),
        desc,
    }
}

impl<M> QuerySet<M> {
    /// The same query set, matching nothing (`none()`, in `shortcuts.rs`).
    pub(crate) fn set_none(mut self) -> Self {
        self.none = true;
        self
    }
}
