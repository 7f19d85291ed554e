//! Reading a query set's rows as a stream ([`QuerySet::iterator`]), and
//! combining two query sets' rows ([`QuerySet::union`] and its kin).

use std::borrow::Cow;

use crate::db::{Conn, Db};
use crate::error::Result;
use crate::exec;
use crate::model::Model;
use crate::queryset::QuerySet;
use crate::tree::{Compound, From, Select, SetOp};
use crate::value::Value;

/// The rows of a query set, read as they are iterated:
/// [`QuerySet::iterator`]. Each item is a row, or the error that ended the
/// iteration (after an `Err` the iterator is finished).
///
/// Memory stays flat however many rows there are: SQLite's statement is
/// stepped one row per item; PostgreSQL's rows are fetched from a
/// server-side cursor 2,000 at a time. Dropping the iterator before the end
/// releases the statement (SQLite) or closes the cursor (PostgreSQL).
pub struct RowIter<'db, M: Model> {
    db: &'db Db,
    /// What reads a row (`select_related`) and what runs per chunk
    /// (`prefetch_related`).
    qs: QuerySet<M>,
    /// `None` once finished.
    cursor: Option<Cursor<'db>>,
    /// Rows read ahead, with their prefetched rows (`prefetch_related`).
    ready: std::vec::IntoIter<M>,
}

enum Cursor<'db> {
    #[cfg(feature = "sqlite")]
    Sqlite(crate::backend::sqlite::cursor::SqliteCursor<'db>),
    #[cfg(feature = "postgres")]
    Postgres(crate::backend::postgres::cursor::PgCursor<'db>),
}

impl Cursor<'_> {
    fn next<T>(
        &mut self,
        read: impl FnOnce(&crate::backend::Row<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        match self {
            #[cfg(feature = "sqlite")]
            Cursor::Sqlite(c) => c.next(read),
            #[cfg(feature = "postgres")]
            Cursor::Postgres(c) => c.next(read),
        }
    }
}

/// Rows read ahead per `prefetch_related` round (Django's `chunk_size`
/// default for `iterator()`).
const CHUNK: usize = 2000;

impl<'db, M: Model> RowIter<'db, M> {
    /// The next row, or `None` past the last.
    fn read_next(&mut self) -> Result<Option<M>> {
        let Some(cursor) = &mut self.cursor else {
            return Ok(None);
        };
        if self.qs.plain() {
            return cursor.next(|row| M::from_row(row, 0));
        }
        let qs = &self.qs;
        let mut chunk = Vec::new();
        let mut drained = false;
        while chunk.len() < CHUNK {
            match cursor.next(|row| qs.read_model(row))? {
                Some(m) => chunk.push(m),
                None => {
                    drained = true;
                    break;
                }
            }
        }
        if drained {
            self.cursor = None;
        }
        self.qs.run_prefetch(self.db, &mut chunk)?;
        self.ready = chunk.into_iter();
        Ok(self.ready.next())
    }
}

impl<M: Model> Iterator for RowIter<'_, M> {
    type Item = Result<M>;

    fn next(&mut self) -> Option<Result<M>> {
        if let Some(m) = self.ready.next() {
            return Some(Ok(m));
        }
        match self.read_next() {
            Ok(Some(m)) => Some(Ok(m)),
            Ok(None) => {
                self.cursor = None;
                None
            }
            Err(e) => {
                // Finished: the cursor is released now, not when the
                // iterator is dropped.
                self.cursor = None;
                self.ready = Vec::new().into_iter();
                Some(Err(e))
            }
        }
    }
}

impl<M: Model> std::iter::FusedIterator for RowIter<'_, M> {}

impl<M: Model> std::fmt::Debug for RowIter<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowIter")
            .field("model", &M::META.name)
            .field("finished", &self.cursor.is_none())
            .finish_non_exhaustive()
    }
}

/// Two query sets and the set operation that combines their rows.
pub(crate) struct Combined<M> {
    op: SetOp,
    left: QuerySet<M>,
    right: QuerySet<M>,
}

impl<M: Model> Combined<M> {
    /// The compound, as the `FROM` of the query set that reads it (under
    /// the model's table name, so that the model's columns name its
    /// columns).
    pub(crate) fn from(&self) -> From<'_> {
        From::Compound(
            Box::new(Compound {
                op: self.op,
                left: member(&self.left),
                right: member(&self.right),
            }),
            M::META.table,
        )
    }
}

/// A member's `SELECT`: its filter and slice; its ordering only when
/// sliced (the order of a compound's rows is the outer query's).
fn member<M: Model>(qs: &QuerySet<M>) -> Select<'_> {
    let mut s = qs.query();
    if !s.is_sliced() {
        s.order = Cow::Borrowed(&[]);
    }
    s
}

impl<M: Model> QuerySet<M> {
    /// Runs the query and returns its rows as they are read, Django's
    /// `iterator()`: memory stays flat however many rows there are (where
    /// [`all`](QuerySet::all) holds them all).
    ///
    /// ```
    /// # use query::prelude::*;
    /// # #[derive(Model)] pub struct Track { pub id: i64, pub name: String }
    /// # fn main() -> query::Result<()> {
    /// # let db = Db::open_in_memory()?;
    /// # db.create_table::<Track>()?;
    /// let mut names = Vec::new();
    /// for track in Track::objects().iterator(&db)? {
    ///     let track = track?;
    ///     names.push(track.name);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// The statement is the one [`all`](QuerySet::all) runs, read this way:
    ///
    /// - **SQLite**: the prepared statement is stepped one row per item.
    ///   (Django fetches 2,000 rows at a time from its cursor; stepping
    ///   holds one.) Other statements on the same `Db` work while the
    ///   iterator is alive; rows the iteration has not reached yet that
    ///   they change may or may not be seen (SQLite does not say).
    /// - **PostgreSQL**: a server-side cursor, as Django's:
    ///   `DECLARE "query_cursor_<n>" NO SCROLL CURSOR WITH HOLD FOR <select>`
    ///   then `FETCH 2000 FROM "query_cursor_<n>"` per 2,000 rows and
    ///   `CLOSE` at the end or when the iterator is dropped. Outside
    ///   [`atomic`](Db::atomic) the cursor is `WITH HOLD`: no transaction
    ///   stays open, the server keeps the result until the cursor closes,
    ///   and the rows are those of the moment the iterator was made. Inside
    ///   `atomic` it is a cursor of that transaction (no `WITH HOLD`, read
    ///   as it is fetched); used after the block ends, it gives an `Err`.
    ///   Other statements on the same `Db` work between fetches.
    ///
    /// `select_related` rows are read as by `all`. `prefetch_related` runs
    /// its statements once per 2,000 rows (Django's `iterator(chunk_size=
    /// 2000)`); with either, rows are read 2,000 at a time.
    ///
    /// Preparing or declaring the statement fails here; a failure later
    /// (a row that does not decode, a lost connection) is an `Err` item,
    /// after which the iterator is finished.
    pub fn iterator<'db>(&self, db: &'db Db) -> Result<RowIter<'db, M>> {
        let select = self.query_loading();
        let w = exec::write(db, Some(exec::model_ref::<M>()), |w, sql| {
            sql.text.reserve(256);
            w.select(sql, &select)
        });
        let params: Vec<Value> = w.params.iter().map(|p| p.as_ref().clone()).collect();
        let cursor = match db.conn() {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(_) => Cursor::Sqlite(crate::backend::sqlite::cursor::SqliteCursor::open(
                db, &w.text, &params,
            )?),
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => Cursor::Postgres(
                crate::backend::postgres::cursor::PgCursor::open(db, &w.text, &params)?,
            ),
        };
        Ok(RowIter {
            db,
            qs: self.clone(),
            cursor: Some(cursor),
            ready: Vec::new().into_iter(),
        })
    }

    fn combine(self, op: SetOp, other: QuerySet<M>) -> QuerySet<M> {
        let left = self.clone();
        self.with_combined(Combined {
            op,
            left,
            right: other,
        })
    }

    /// The rows of either query set, without duplicates: Django's
    /// `union()` (`all=False`).
    ///
    /// The result is a query set like any other: `all`, `iterator`,
    /// `count`, `exists`, `first`, `last`, `get`, `order_by` (the model's
    /// fields), `limit`/`offset`, `select_related` and `prefetch_related`
    /// work on the combined rows, which it reads as a subquery named after
    /// the table:
    ///
    /// ```
    /// # use query::prelude::*;
    /// # #[derive(Model)] pub struct Product { pub id: i64, pub price: i64 }
    /// # fn main() {
    /// use product::*;
    /// let cheap = Product::objects().filter(price.lt(10));
    /// let dear = Product::objects().filter(price.gt(1000));
    /// let (sql, _) = cheap.union(dear).order_by(-price).limit(5).to_sql();
    /// assert_eq!(
    ///     sql,
    ///     r#"SELECT "product"."id", "product"."price" FROM (SELECT "id", "price" FROM "product" WHERE "price" < ? UNION SELECT "id", "price" FROM "product" WHERE "price" > ?) AS "product" ORDER BY "product"."price" DESC LIMIT 5"#
    /// );
    /// # }
    /// ```
    ///
    /// A member's ordering counts only with its slice (`limit`/`offset`):
    /// a sliced member is read from a subquery, `SELECT * FROM (<member>
    /// ORDER BY .. LIMIT n) AS "query_member"`, since SQLite allows no
    /// `ORDER BY` or `LIMIT` (or parentheses) in a compound's members; an
    /// unsliced member's ordering is dropped. The members' own
    /// `select_related` and `prefetch_related` are not used; the left one's
    /// are kept for the combined query set.
    ///
    /// Filtering the combined query set (`filter`, `exclude`), which Django
    /// refuses, filters its rows here: the condition is the `WHERE` of the
    /// query that reads the compound. `update` and `delete` change the
    /// rows whose keys the compound selects.
    pub fn union(self, other: QuerySet<M>) -> QuerySet<M> {
        self.combine(SetOp::Union, other)
    }

    /// The rows of both query sets, duplicates kept: Django's
    /// `union(all=True)`; SQL `UNION ALL`. Otherwise as
    /// [`union`](QuerySet::union).
    pub fn union_all(self, other: QuerySet<M>) -> QuerySet<M> {
        self.combine(SetOp::UnionAll, other)
    }

    /// The rows that are in both query sets, without duplicates: Django's
    /// `intersection()`; SQL `INTERSECT`. Otherwise as
    /// [`union`](QuerySet::union).
    pub fn intersection(self, other: QuerySet<M>) -> QuerySet<M> {
        self.combine(SetOp::Intersect, other)
    }

    /// The rows of this query set that are not in `other`, without
    /// duplicates: Django's `difference()`; SQL `EXCEPT`. Otherwise as
    /// [`union`](QuerySet::union).
    pub fn difference(self, other: QuerySet<M>) -> QuerySet<M> {
        self.combine(SetOp::Except, other)
    }
}
