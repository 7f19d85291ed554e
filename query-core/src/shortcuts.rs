//! More of Django's `QuerySet`: `get_or_create`, `update_or_create`,
//! `in_bulk`, `explain`, `raw` and `none`.
//!
//! Built on the query set's own methods and the statement tree; the only
//! state they add to a query set is `none()`'s flag.

use std::collections::HashMap;
use std::hash::Hash;

use crate::backend::{Backend, Primitive};
use crate::db::Db;
use crate::error::{ConstraintKind, Error, Result};
use crate::exec;
use crate::model::Model;
use crate::query::{Assignments, Condition, Q};
use crate::queryset::QuerySet;
use crate::tree::{Cmp, Cond, Expr, Select, SelectColumns};
use crate::value::Value;

/// Whether `e` is a write refused by a `UNIQUE` constraint or the primary
/// key (Django's `IntegrityError`, as `get_or_create` catches it).
fn is_unique_violation(e: &Error) -> bool {
    matches!(
        e,
        Error::Integrity {
            kind: ConstraintKind::Unique,
            ..
        }
    )
}

/// `"pk" = key`, on `M`'s table.
fn key_is<M: Model>(key: Value) -> Cond {
    Cond::Cmp {
        lhs: Expr::Column(exec::model_ref::<M>().pk_column()),
        op: Cmp::Eq,
        rhs: Expr::Value(key),
        nullable: false,
    }
}

/// A value as `explain` prints it (Python's `str()` of it, as Django does).
fn plan_text(value: &Value) -> String {
    match value {
        Value::Null => "None".to_owned(),
        Value::Integer(n) => n.to_string(),
        Value::Real(x) => x.to_string(),
        Value::Text(t) => t.clone(),
        other => format!("{other:?}"),
    }
}

impl<M: Model> QuerySet<M> {
    /// The row matching `condition`, or a new one made by `defaults` and
    /// inserted: Django's `get_or_create`. Returns the row and whether it was
    /// created.
    ///
    /// First [`get`](QuerySet::get) with `condition` (added to this query
    /// set's filter): a row found is returned with `false`, and several rows
    /// are [`Error::MultipleObjectsReturned`]. When none matches,
    /// `defaults()` is [`create`](QuerySet::create)d inside
    /// [`Db::atomic`] (a savepoint when a transaction is open) and returned
    /// with `true`; `defaults` should build a row that `condition` matches.
    ///
    /// Safe against a concurrent caller, given a `UNIQUE` constraint (or the
    /// primary key) on what `condition` tests: if another connection
    /// inserted the row between the `get` and the `INSERT`, the `INSERT`
    /// fails with [`Error::Integrity`] of kind
    /// [`ConstraintKind::Unique`], its savepoint is rolled back, and the
    /// other connection's row is read again and returned with `false`. (If
    /// even then no row matches, the integrity error is returned.) Without
    /// such a constraint, two callers may both create a row, as in Django.
    ///
    /// SQL: `SELECT <columns> FROM "t" WHERE <condition>`; when no row
    /// matched, `BEGIN IMMEDIATE` (SQLite; `BEGIN` on PostgreSQL, or
    /// `SAVEPOINT` inside a transaction), `INSERT INTO "t" ...`, `COMMIT`;
    /// after a unique violation, `ROLLBACK` and the `SELECT` again.
    ///
    /// ```
    /// # use query::prelude::*;
    /// # #[derive(Model, Debug)] pub struct Genre { pub id: i64, #[field(max_length = 50, unique)] pub name: String }
    /// # fn main() -> query::Result<()> {
    /// let db = Db::open_in_memory()?;
    /// db.create_table::<Genre>()?;
    /// let shoegaze = || Genre { id: 0, name: "Shoegaze".into() };
    /// let (genre, created) = Genre::objects().get_or_create(&db, genre::name.eq("Shoegaze"), shoegaze)?;
    /// assert!(created);
    /// let (again, created) = Genre::objects().get_or_create(&db, genre::name.eq("Shoegaze"), shoegaze)?;
    /// assert_eq!((again.id, created), (genre.id, false));
    /// # Ok(()) }
    /// ```
    pub fn get_or_create(
        &self,
        db: &Db,
        condition: impl Condition<M>,
        defaults: impl FnOnce() -> M,
    ) -> Result<(M, bool)> {
        let qs = self.clone().filter(condition);
        match qs.get(db) {
            Err(Error::DoesNotExist { .. }) => {}
            found => return found.map(|row| (row, false)),
        }
        let obj = defaults();
        match db.atomic(|db| qs.create(db, obj)) {
            Ok(row) => Ok((row, true)),
            Err(e) if is_unique_violation(&e) => match qs.get(db) {
                Ok(row) => Ok((row, false)),
                Err(Error::DoesNotExist { .. }) => Err(e),
                Err(other) => Err(other),
            },
            Err(e) => Err(e),
        }
    }

    /// Updates the row matching `condition` with `assignments`, or creates
    /// `defaults()` when none does: Django's `update_or_create`. Returns the
    /// row as it is now in the database and whether it was created.
    ///
    /// Everything happens in one [`Db::atomic`] block (a savepoint when a
    /// transaction is open). The matching row is read and locked first, so
    /// that no concurrent writer changes it between the read and the
    /// update: `SELECT ... FOR UPDATE OF "t"` on PostgreSQL (the model's rows, not
    /// those of tables its conditions join; a `distinct()` query set's row
    /// is locked by its key right after it is found, as PostgreSQL locks no
    /// `DISTINCT` result); on SQLite the block's
    /// `BEGIN IMMEDIATE` already holds the database's write lock. A row found
    /// is updated by its primary key and read again (`false`): the
    /// assignments may change the columns `condition` tests. Several rows
    /// are [`Error::MultipleObjectsReturned`], and nothing is written. When
    /// none matches, `defaults()` is created as in
    /// [`get_or_create`](QuerySet::get_or_create) (`true`; the assignments
    /// are not applied to it), including its handling of a concurrent
    /// insert, whose row is then locked and updated. The row returned is
    /// read plainly: `select_related` and `prefetch_related` of the query
    /// set do not apply to it.
    ///
    /// SQL: `BEGIN IMMEDIATE` (SQLite) or `BEGIN` (PostgreSQL), `SELECT
    /// <columns> FROM "t" WHERE <condition> [FOR UPDATE OF "t"]`, then either
    /// `UPDATE "t" SET ... WHERE "pk" = ?` and `SELECT <columns> FROM "t"
    /// WHERE "pk" = ?`, or `SAVEPOINT`, `INSERT INTO "t" ...`, `RELEASE
    /// SAVEPOINT`; `COMMIT`.
    ///
    /// ```
    /// # use query::prelude::*;
    /// # #[derive(Model, Debug)] pub struct Genre { pub id: i64, #[field(max_length = 50, unique)] pub name: String, pub plays: i64 }
    /// # fn main() -> query::Result<()> {
    /// let db = Db::open_in_memory()?;
    /// db.create_table::<Genre>()?;
    /// let new_genre = || Genre { id: 0, name: "Shoegaze".into(), plays: 1 };
    /// let (row, created) = Genre::objects()
    ///     .update_or_create(&db, genre::name.eq("Shoegaze"), (genre::plays.set(2),), new_genre)?;
    /// assert_eq!((row.plays, created), (1, true));
    /// let (row, created) = Genre::objects()
    ///     .update_or_create(&db, genre::name.eq("Shoegaze"), (genre::plays.set(2),), new_genre)?;
    /// assert_eq!((row.plays, created), (2, false));
    /// # Ok(()) }
    /// ```
    pub fn update_or_create(
        &self,
        db: &Db,
        condition: impl Condition<M>,
        assignments: impl Assignments<M>,
        defaults: impl FnOnce() -> M,
    ) -> Result<(M, bool)> {
        let qs = self.clone().filter(condition);
        let mut list = Vec::new();
        assignments.push_assignments(&mut list);
        db.atomic(|db| {
            let mut locked = qs.query();
            // PostgreSQL refuses `FOR UPDATE` with `DISTINCT`: the row of a
            // distinct query set is found first, then locked by its key.
            let lock_by_key = locked.distinct && db.backend() != Backend::Sqlite;
            locked.for_update = !lock_by_key;
            let found = match exec::get::<M>(db, &locked) {
                Ok(row) => row,
                Err(Error::DoesNotExist { .. }) => {
                    let obj = defaults();
                    match db.atomic(|db| qs.create(db, obj)) {
                        Ok(row) => return Ok((row, true)),
                        Err(e) if is_unique_violation(&e) => match exec::get::<M>(db, &locked) {
                            Ok(row) => row,
                            Err(Error::DoesNotExist { .. }) => return Err(e),
                            Err(other) => return Err(other),
                        },
                        Err(e) => return Err(e),
                    }
                }
                Err(e) => return Err(e),
            };
            let key = found.pk_value();
            let by_key = key_is::<M>(key.clone());
            let target = Select {
                filter: Some(&by_key),
                ..Select::new(SelectColumns::Model(exec::model_ref::<M>()), M::META.table)
            };
            if lock_by_key {
                let lock = Select {
                    for_update: true,
                    ..target.clone()
                };
                exec::exists::<M>(db, &lock)?;
            }
            exec::update(db, &target, list)?;
            Ok((exec::get_by_key::<M>(db, key)?, false))
        })
    }

    /// The rows whose primary key is among `keys`, by key: Django's
    /// `in_bulk(id_list)`. Keys without a row are absent from the map.
    ///
    /// One statement, honouring the query set: its filter (a key whose row
    /// the filter drops is absent too), `select_related` and
    /// `prefetch_related`; on a sliced query set the key condition applies
    /// before the slice, as any filter does. No keys: no statement, and an
    /// empty map.
    ///
    /// SQL: `SELECT <columns> FROM "t" WHERE [<filter> AND] "pk" IN (?, ...)`
    /// (a long list is one bound value: `IN (SELECT value FROM json_each(?))`
    /// on SQLite, `= ANY($1)` on PostgreSQL).
    ///
    /// ```
    /// # use query::prelude::*;
    /// # use std::collections::HashMap;
    /// # #[derive(Model, Debug)] pub struct Track { pub id: i64, pub name: String }
    /// # fn main() -> query::Result<()> {
    /// let db = Db::open_in_memory()?;
    /// db.create_table::<Track>()?;
    /// let one = Track::objects().create(&db, Track { id: 0, name: "One".into() })?;
    /// let by_key: HashMap<i64, Track> = Track::objects().in_bulk(&db, [one.id, 99])?;
    /// assert_eq!(by_key[&one.id].name, "One");
    /// assert!(!by_key.contains_key(&99));
    /// # Ok(()) }
    /// ```
    pub fn in_bulk(
        &self,
        db: &Db,
        keys: impl IntoIterator<Item = M::Key>,
    ) -> Result<HashMap<M::Key, M>>
    where
        M::Key: Hash + Eq,
    {
        let values: Vec<Value> = keys.into_iter().map(|k| k.to_value()).collect();
        if values.is_empty() {
            return Ok(HashMap::new());
        }
        let keys_in = Cond::In {
            lhs: Expr::Column(exec::model_ref::<M>().pk_column()),
            values,
            nullable: false,
        };
        let rows = self.clone().filter(Q::from_node(keys_in)).all(db)?;
        Ok(rows.into_iter().map(|row| (row.key(), row)).collect())
    }

    /// The database's plan for this query set's `SELECT` (the one
    /// [`all`](QuerySet::all) runs, bound values and all): Django's
    /// `explain()`.
    ///
    /// SQLite: `EXPLAIN QUERY PLAN <select>`, one line per row of the plan,
    /// its columns (`id`, `parent`, `notused`, `detail`) separated by
    /// spaces, as Django prints it (`2 0 0 SCAN product`). PostgreSQL:
    /// `EXPLAIN <select>`, its lines joined with `\n`. The text is the
    /// database's own and changes between versions: for reading, not
    /// parsing.
    pub fn explain(&self, db: &Db) -> Result<String> {
        let backend = db.backend();
        let (sql, params) = self.to_sql_for(backend);
        let prefix = match backend {
            Backend::Sqlite => "EXPLAIN QUERY PLAN ",
            _ => "EXPLAIN ",
        };
        let rows = db.query(&format!("{prefix}{sql}"), &params)?;
        let lines: Vec<String> = rows
            .iter()
            .map(|row| row.iter().map(plan_text).collect::<Vec<_>>().join(" "))
            .collect();
        Ok(lines.join("\n"))
    }

    /// Runs a hand-written `SELECT` and reads its rows as models, matching
    /// columns by name: Django's `Manager.raw`. Call it on `M::objects()`.
    ///
    /// `sql` is wrapped as `SELECT "raw"."<column>", ... FROM (<sql>) AS
    /// "raw"`, naming every column of the model: the query's columns may
    /// come in any order, and extra ones are ignored; a missing one is the
    /// database's error naming it (`no such column: raw.price` on SQLite,
    /// `column raw.price does not exist` on PostgreSQL). A final `;` is
    /// dropped. The rows come in the query's order (its `ORDER BY`, kept by
    /// both databases through the wrapping).
    ///
    /// `params` are always bound, never pasted into the text, to the
    /// query's placeholders, written as [`Db::query`] takes them: the
    /// backend's own, `$1`, `$2`, ... on PostgreSQL (and on SQLite), `?` on
    /// SQLite.
    ///
    /// On a query set that was filtered, ordered, sliced, made distinct or
    /// given `select_related` (or on [`none`](QuerySet::none)) this is
    /// [`Error::NotSupported`]: the query set's SQL would be ignored.
    ///
    /// ```
    /// # use query::prelude::*;
    /// # #[derive(Model, Debug)] pub struct Track { pub id: i64, pub name: String, pub bytes: i64 }
    /// # fn main() -> query::Result<()> {
    /// let db = Db::open_in_memory()?;
    /// db.create_table::<Track>()?;
    /// Track::objects().create(&db, Track { id: 0, name: "One".into(), bytes: 10 })?;
    /// let big = Track::objects().raw(
    ///     &db,
    ///     "SELECT name, bytes, id FROM track WHERE bytes > ? ORDER BY name",
    ///     &[Value::Integer(5)],
    /// )?;
    /// assert_eq!(big[0].name, "One");
    /// # Ok(()) }
    /// ```
    pub fn raw(&self, db: &Db, sql: &str, params: &[Value]) -> Result<Vec<M>> {
        let backend = db.backend();
        if self.to_sql_for(backend) != QuerySet::<M>::new().to_sql_for(backend) {
            return Err(Error::NotSupported(format!(
                "raw() runs the SQL it is given, and this query set of {} was filtered, ordered, sliced, made distinct, emptied or given select_related, which raw() would ignore: call it on {}::objects() and write those in the SQL",
                M::META.name,
                M::META.name
            )));
        }
        let inner = sql.trim_end().trim_end_matches(';').trim_end();
        let mut text = String::with_capacity(inner.len() + 32 * M::META.fields.len() + 32);
        text.push_str("SELECT ");
        for (i, f) in M::META.fields.iter().enumerate() {
            if i > 0 {
                text.push_str(", ");
            }
            crate::write::qualified(&mut text, "raw", f.column);
        }
        // On lines of their own, so that a comment ending `sql` can't
        // swallow the closing parenthesis.
        text.push_str(" FROM (\n");
        text.push_str(inner);
        text.push_str("\n) AS \"raw\"");
        let mut rows = Vec::new();
        db.query_bound(
            &text,
            &mut |b| {
                for p in params {
                    b.bind_value(p)?;
                }
                Ok(())
            },
            &mut |row| {
                rows.push(M::from_row(row, 0)?);
                Ok(true)
            },
        )?;
        Ok(rows)
    }

    /// A query set that matches no row and runs no statement: Django's
    /// `none()`. [`all`](QuerySet::all) is empty, [`count`](QuerySet::count)
    /// 0, [`exists`](QuerySet::exists) false, [`first`](QuerySet::first) and
    /// [`last`](QuerySet::last) `None`, [`get`](QuerySet::get)
    /// [`Error::DoesNotExist`], [`update`](QuerySet::update) and
    /// [`delete`](QuerySet::delete) 0, [`in_bulk`](QuerySet::in_bulk) empty,
    /// none of them touching the database. Filters, ordering and slices
    /// added before or after keep it empty. (Its [`to_sql`](QuerySet::to_sql)
    /// ends with `WHERE 0 = 1`, what it would select if it ran.)
    ///
    /// ```
    /// # use query::prelude::*;
    /// # #[derive(Model, Debug)] pub struct Track { pub id: i64, pub name: String }
    /// # fn main() -> query::Result<()> {
    /// let db = Db::open_in_memory()?;
    /// db.create_table::<Track>()?;
    /// let before = db.queries_run();
    /// let nothing = Track::objects().none().filter(track::name.eq("One"));
    /// assert_eq!(nothing.count(&db)?, 0);
    /// assert!(nothing.all(&db)?.is_empty());
    /// assert_eq!(db.queries_run(), before);
    /// # Ok(()) }
    /// ```
    pub fn none(self) -> Self {
        self.set_none()
    }
}

#[cfg(test)]
mod tests {
    use crate::backend::postgres::PostgresWriter;
    use crate::backend::sqlite::SqliteWriter;
    use crate::tree::{Cond, From, Select, SelectColumns};
    use crate::write::{Sql, Writer};

    fn written(writer: &dyn Writer, select: &Select<'_>) -> String {
        let mut sql = Sql::with_buffer(String::new(), None);
        writer.select(&mut sql, select);
        sql.text
    }

    #[test]
    fn for_update_is_written_by_postgres_only() {
        let filter = Cond::Empty;
        let select = Select {
            filter: Some(&filter),
            limit: Some(2),
            for_update: true,
            ..Select::new(SelectColumns::One, "genre")
        };
        assert_eq!(
            written(&PostgresWriter, &select),
            r#"SELECT 1 FROM "genre" LIMIT 2 FOR UPDATE OF "genre""#
        );
        assert_eq!(
            written(&SqliteWriter, &select),
            r#"SELECT 1 FROM "genre" LIMIT 2"#
        );
    }

    #[test]
    fn a_subquery_of_nothing_selects_nothing() {
        let inner = Select {
            nothing: true,
            ..Select::new(SelectColumns::One, "genre")
        };
        assert!(inner.selects_nothing());
        let outer = Select::new(SelectColumns::One, "genre")
            .with_from(From::Subquery(Box::new(inner), "subquery"));
        assert!(outer.selects_nothing());
        assert_eq!(
            written(&SqliteWriter, &outer),
            r#"SELECT 1 FROM (SELECT 1 FROM "genre" WHERE 0 = 1) AS "subquery""#
        );
        assert!(!Select::new(SelectColumns::One, "genre").selects_nothing());
    }
}
