//! `QuerySet`: a lazy, immutable description of a query on one model.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use crate::backend::{Backend, Row};
use crate::db::Db;
use crate::error::Result;
use crate::exec;
use crate::load::{HydrateFn, PrefetchFn, PrefetchRelated, SelectRelated};
use crate::model::Model;
use crate::query::{Assignments, Condition, IntoOrder, OrderTerms, Terms};
use crate::tree::{Cond, Expr, OrderTerm, PathNode, Select, SelectColumns};
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
pub struct QuerySet<M> {
    filter: Cond,
    /// `filter()` calls that followed to-many relations so far (each one's
    /// joins are its own).
    groups: u32,
    distinct: bool,
    order: Terms,
    limit: Option<u64>,
    offset: u64,
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
    _marker: PhantomData<fn() -> M>,
}

impl<M> Clone for QuerySet<M> {
    fn clone(&self) -> Self {
        QuerySet {
            filter: self.filter.clone(),
            groups: self.groups,
            distinct: self.distinct,
            order: self.order.clone(),
            limit: self.limit,
            offset: self.offset,
            related: self.related.clone(),
            related_nodes: self.related_nodes.clone(),
            prefetch: self.prefetch.clone(),
            combined: self.combined.clone(),
            _marker: PhantomData,
        }
    }
}

impl<M: Model> fmt::Debug for QuerySet<M> {
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
            order: Terms::None,
            limit: None,
            offset: 0,
            related: Vec::new(),
            related_nodes: Vec::new(),
            prefetch: Vec::new(),
            combined: None,
            _marker: PhantomData,
        }
    }

    /// The `SELECT` of this query set's rows, borrowing its parts.
    pub(crate) fn query(&self) -> Select<'_> {
        let select = Select {
            distinct: self.distinct,
            filter: Some(&self.filter),
            order: Cow::Borrowed(self.order.as_slice()),
            limit: self.limit,
            offset: self.offset,
            ..Select::new(SelectColumns::Model(exec::model_ref::<M>()), M::META.table)
        };
        match &self.combined {
            Some(combined) => select.with_from(combined.from()),
            None => select,
        }
    }

    /// This query set's `select_related` and `prefetch_related` over the
    /// rows of `combined` (`union` and its kin, in stream.rs), with no
    /// filter, ordering or slice of its own yet.
    pub(crate) fn with_combined(self, combined: crate::stream::Combined<M>) -> Self {
        QuerySet {
            related: self.related,
            related_nodes: self.related_nodes,
            prefetch: self.prefetch,
            combined: Some(std::sync::Arc::new(combined)),
            ..QuerySet::new()
        }
    }

    /// The `SELECT` that loads rows: [`query`](QuerySet::query) with the
    /// columns `select_related` adds.
    pub(crate) fn query_loading(&self) -> Select<'_> {
        Select {
            related: &self.related_nodes,
            ..self.query()
        }
    }

    /// Whether rows are read plainly (no `select_related`, no
    /// `prefetch_related`).
    pub(crate) fn plain(&self) -> bool {
        self.related.is_empty() && self.prefetch.is_empty()
    }

    /// Reads a row: the model, then each `select_related` step's model
    /// from the columns after it.
    pub(crate) fn read_row(&self, row: &Row<'_>) -> Result<M> {
        let mut m = M::from_row(row, 0)?;
        let mut offset = M::META.fields.len();
        for (node, hydrate) in &self.related {
            hydrate(&mut m, row, offset)?;
            offset += node.rel.to.fields.len();
        }
        Ok(m)
    }

    /// Runs the `prefetch_related` statements on the rows read: one per
    /// step, whatever the number of rows.
    pub(crate) fn run_prefetch(&self, db: &Db, rows: &mut [M]) -> Result<()> {
        for (_, level) in &self.prefetch {
            level(db, rows)?;
        }
        Ok(())
    }

    /// At most one row, loaded with its related rows.
    fn optional(&self, db: &Db, q: &Select<'_>) -> Result<Option<M>> {
        if self.plain() {
            return exec::optional(db, q);
        }
        let mut row = exec::optional_with(db, q, &|row| self.read_row(row))?;
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
        crate::load::add_steps(&mut self.related, steps);
        self.related_nodes = self.related.iter().map(|(n, _)| *n).collect();
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
        crate::load::add_steps(&mut self.prefetch, steps);
        self
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
    /// assert_eq!(sql, r#"SELECT "product"."id", "product"."price" FROM "product" WHERE "product"."price" <= ?"#);
    /// assert_eq!(params, [Value::Integer(500)]);
    /// # }
    /// ```
    ///
    /// Across a to-many relation, the conditions of one `filter()` call
    /// refer to the same related row, and a second call joins again (its
    /// conditions may be met by another related row), as in Django.
    pub fn filter(mut self, condition: impl Condition<M>) -> Self {
        let mut cond = condition.into_q().node;
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
    /// assert!(sql.ends_with(r#"WHERE ("product"."description" = ?) IS NOT TRUE"#));
    /// # }
    /// ```
    ///
    /// Across a to-many relation, `exclude` drops the rows for which *some*
    /// related row matches, through a subquery (Django's meaning).
    pub fn exclude(mut self, condition: impl Condition<M>) -> Self {
        let cond = condition.into_q().node;
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
    /// assert!(sql.ends_with(r#"ORDER BY "product"."price" DESC, "product"."name""#));
    /// # }
    /// ```
    pub fn order_by(mut self, order: impl IntoOrder<M>) -> Self {
        let mut terms = OrderTerms::default();
        order.push_order(&mut terms);
        self.order = terms.0;
        self
    }

    /// At most `n` rows: `LIMIT n`, an integer literal, not a bound value:
    /// it is part of the query's structure (Django writes it as a literal
    /// too), and SQLite re-plans a statement whose `LIMIT` is bound every
    /// time it runs. With [`offset`](QuerySet::offset),
    /// Django's `qs[offset:offset + n]`; the order of the two calls does not
    /// matter.
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
    pub fn all(&self, db: &Db) -> Result<Vec<M>> {
        if self.plain() {
            return exec::all(db, &self.query());
        }
        let mut rows = exec::all_with(db, &self.query_loading(), &|row| self.read_row(row))?;
        self.run_prefetch(db, &mut rows)?;
        Ok(rows)
    }

    /// The one row that matches: `Error::DoesNotExist` when none does and
    /// `Error::MultipleObjectsReturned` when several do. No `LIMIT` is added:
    /// a second row is always seen.
    pub fn get(&self, db: &Db) -> Result<M> {
        if self.plain() {
            return exec::get(db, &self.query());
        }
        let mut row = exec::get_with(db, &self.query_loading(), &|row| self.read_row(row))?;
        self.run_prefetch(db, std::slice::from_mut(&mut row))?;
        Ok(row)
    }

    /// The first row, ordered by the primary key when the query set is
    /// unordered; `None` when there are no rows.
    ///
    /// SQL: the query with `ORDER BY "pk"` (when unordered) and `LIMIT 1`.
    pub fn first(&self, db: &Db) -> Result<Option<M>> {
        let pk = pk_order::<M>(false);
        let mut q = self.query_loading();
        if q.order.is_empty() {
            q.order = Cow::Borrowed(std::slice::from_ref(&pk));
        }
        q.limit = Some(q.limit.map_or(1, |l| l.min(1)));
        self.optional(db, &q)
    }

    /// The last row: the ordering reversed (the primary key descending when
    /// unordered); `None` when there are no rows. Of a sliced query set, the
    /// last row of the slice.
    pub fn last(&self, db: &Db) -> Result<Option<M>> {
        let pk = pk_order::<M>(false);
        let mut q = self.query();
        if q.order.is_empty() {
            q.order = Cow::Borrowed(std::slice::from_ref(&pk));
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
                related: &self.related_nodes,
                ..Select::new(SelectColumns::Model(exec::model_ref::<M>()), M::META.table)
            }
            .with_from(crate::tree::From::Subquery(Box::new(q), M::META.table));
            return self.optional(db, &outer);
        }
        for o in q.order.to_mut() {
            o.desc = !o.desc;
        }
        q.limit = Some(1);
        q.related = &self.related_nodes;
        self.optional(db, &q)
    }

    /// The number of rows.
    ///
    /// SQL: `SELECT COUNT(*) FROM "t" [WHERE ...]` (of a subquery when sliced).
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

fn pk_order<M: Model>(desc: bool) -> OrderTerm {
    OrderTerm {
        expr: Expr::Column(exec::model_ref::<M>().pk_column()),
        desc,
    }
}
