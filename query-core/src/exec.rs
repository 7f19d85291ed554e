//! Running a query set's or a model's statements on a `Db`, whatever its
//! backend: build the tree, have the `Db`'s writer write it, run it.

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::backend::Backend;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::meta::ModelRef;
use crate::model::Model;
use crate::query::Assignment;
use crate::tree::{
    Cond, Delete, Expr, From, Insert, InsertRows, Select, SelectColumns, Target, Update,
};
use crate::validation::ValidationErrors;
use crate::value::Value;
use crate::write::{Sql, Writer};

/// Django stops counting `get`'s rows after this many (`MAX_GET_RESULTS` + 1).
const GET_LIMIT: usize = 21;

/// A written statement, in the `Db`'s reusable buffer.
pub(crate) struct Written<'a, 'db> {
    sql: Sql<'a>,
    db: &'db Db,
}

impl<'a> std::ops::Deref for Written<'a, '_> {
    type Target = Sql<'a>;
    fn deref(&self) -> &Sql<'a> {
        &self.sql
    }
}

impl Drop for Written<'_, '_> {
    fn drop(&mut self) {
        self.db
            .return_sql_buffer(std::mem::take(&mut self.sql.text));
    }
}

/// Writes a statement with the `Db`'s writer.
pub(crate) fn write<'a, 'db>(
    db: &'db Db,
    model: Option<ModelRef>,
    f: impl FnOnce(&dyn Writer, &mut Sql<'a>),
) -> Written<'a, 'db> {
    let mut sql = Sql::with_buffer(db.take_sql_buffer(), model);
    f(db.writer(), &mut sql);
    Written { sql, db }
}

/// Writes a `SELECT` of the model's rows: from the model's cache of
/// statement shapes when it has the shape's text (`write::shape`), else
/// with the `Db`'s writer (keeping the text for the next run).
pub(crate) fn write_select<'a, 'db>(
    db: &'db Db,
    model: ModelRef,
    q: &'a Select<'a>,
) -> Written<'a, 'db> {
    let Some((key, params)) = crate::write::shape::key(q) else {
        return write(db, Some(model), |w, sql| {
            sql.text.reserve(256);
            w.select(sql, q)
        });
    };
    let shapes = &model.cache.backends[db.backend().index()].shapes;
    let mut sql = Sql::with_buffer(db.take_sql_buffer(), Some(model));
    if shapes.copy_into(&key, &mut sql.text) {
        sql.placeholders = params.len();
        sql.params = params;
        return Written { sql, db };
    }
    sql.text.reserve(256);
    db.writer().select(&mut sql, q);
    shapes.insert(&key, &sql.text);
    Written { sql, db }
}

/// Runs a `SELECT` of model rows and maps each row until `each` says stop.
fn for_each_row<M: Model>(
    db: &Db,
    select: &Select<'_>,
    mut each: impl FnMut(M) -> bool,
) -> Result<()> {
    if select.selects_nothing() {
        return Ok(());
    }
    let w = write_select(db, model_ref::<M>(), select);
    db.query_params(&w.text, &w.params, &mut |row| {
        Ok(each(M::from_row(row, 0)?))
    })
}

pub(crate) fn model_ref<M: Model>() -> ModelRef {
    ModelRef {
        meta: M::META,
        cache: M::statements(),
    }
}

/// Runs a `SELECT` written for `model` and calls `each` with every row
/// (`prefetch_related`'s statements).
pub(crate) fn each_row(
    db: &Db,
    select: &Select<'_>,
    model: ModelRef,
    each: &mut dyn FnMut(&crate::backend::Row<'_>) -> Result<()>,
) -> Result<()> {
    let w = write(db, Some(model), |w, sql| {
        sql.text.reserve(256);
        w.select(sql, select)
    });
    db.query_params(&w.text, &w.params, &mut |row| {
        each(row)?;
        Ok(true)
    })
}

pub(crate) fn all<M: Model>(db: &Db, q: &Select<'_>) -> Result<Vec<M>> {
    all_with::<M, M>(db, q, |row| M::from_row(row, 0))
}

/// The rows of a query on `M`'s table, each read by `read` (a generic
/// closure, not `&dyn Fn`: called once per row, it is inlined into the row
/// loop).
pub(crate) fn all_with<M: Model, R>(
    db: &Db,
    q: &Select<'_>,
    read: impl Fn(&crate::backend::Row<'_>) -> Result<R>,
) -> Result<Vec<R>> {
    if q.selects_nothing() {
        return Ok(Vec::new());
    }
    // A sliced query says how many rows to expect.
    let mut out = Vec::with_capacity(q.limit.map_or(0, |l| l.min(1024) as usize));
    let w = write_select(db, model_ref::<M>(), q);
    db.query_params(&w.text, &w.params, &mut |row| {
        // A backend that knows the result's size (PostgreSQL) lets the
        // vector be allocated once.
        if out.is_empty()
            && let Some(n) = row.result_len()
        {
            out.reserve(n);
        }
        out.push(read(row)?);
        Ok(true)
    })?;
    Ok(out)
}

pub(crate) fn get<M: Model>(db: &Db, q: &Select<'_>) -> Result<M> {
    get_with::<M, M>(db, q, |row| M::from_row(row, 0))
}

/// The one row of a query on `M`'s table, read by `read`.
pub(crate) fn get_with<M: Model, R>(
    db: &Db,
    q: &Select<'_>,
    read: impl Fn(&crate::backend::Row<'_>) -> Result<R>,
) -> Result<R> {
    if q.selects_nothing() {
        return Err(Error::DoesNotExist {
            model: M::META.name,
        });
    }
    let w = write_select(db, model_ref::<M>(), q);
    // Equality on the primary key or a unique column can't match twice;
    // otherwise count further rows (without reading them), as Django does.
    let meta = M::META;
    let unique = |i: usize| {
        meta.fields
            .get(i)
            .is_some_and(|f| f.primary_key || f.unique)
    };
    let pinned = q.filter.is_some_and(|f| f.pins_one_row(&unique));
    let mut found = None;
    let mut count = 0;
    db.query_params(&w.text, &w.params, &mut |row| {
        if found.is_none() {
            found = Some(read(row)?);
        }
        count += 1;
        Ok(!pinned && count < GET_LIMIT)
    })?;
    match (found, count) {
        (None, _) => Err(Error::DoesNotExist { model: meta.name }),
        (Some(m), 1) => Ok(m),
        (Some(_), count) => Err(Error::MultipleObjectsReturned {
            model: meta.name,
            count,
        }),
    }
}

/// The row of `M` whose primary key is `key` (`ForeignKey::fetch`).
pub(crate) fn get_by_key<M: Model>(db: &Db, key: Value) -> Result<M> {
    let filter = crate::tree::Cond::Cmp {
        lhs: Expr::Column(model_ref::<M>().pk_column()),
        op: crate::tree::Cmp::Eq,
        rhs: Expr::Value(key),
        nullable: false,
    };
    let select = Select {
        filter: Some(&filter),
        ..Select::new(SelectColumns::Model(model_ref::<M>()), M::META.table)
    };
    get::<M>(db, &select)
}

/// At most one row: `first`, `last`.
pub(crate) fn optional<M: Model>(db: &Db, q: &Select<'_>) -> Result<Option<M>> {
    let mut found = None;
    for_each_row(db, q, |m| {
        found = Some(m);
        false
    })?;
    Ok(found)
}

/// At most one row, read by `read`.
pub(crate) fn optional_with<M: Model, R>(
    db: &Db,
    q: &Select<'_>,
    read: impl Fn(&crate::backend::Row<'_>) -> Result<R>,
) -> Result<Option<R>> {
    if q.selects_nothing() {
        return Ok(None);
    }
    let w = write_select(db, model_ref::<M>(), q);
    let mut found = None;
    db.query_params(&w.text, &w.params, &mut |row| {
        found = Some(read(row)?);
        Ok(false)
    })?;
    Ok(found)
}

fn scalar_i64(db: &Db, sql: &Sql<'_>) -> Result<Option<i64>> {
    let mut out = None;
    db.query_params(&sql.text, &sql.params, &mut |row| {
        out = Some(row.get_required::<i64>(0)?);
        Ok(false)
    })?;
    Ok(out)
}

/// `SELECT COUNT(*)`, of the slice when sliced.
pub(crate) fn count<M: Model>(db: &Db, q: &Select<'_>) -> Result<usize> {
    if q.selects_nothing() {
        return Ok(0);
    }
    let count = [Expr::count_star()];
    let select = if q.is_sliced() || q.distinct || !q.group_by.is_empty() {
        // Count the slice's rows, the distinct rows, or the groups, in a
        // subquery.
        let inner = Select {
            columns: if q.distinct {
                q.columns.clone()
            } else {
                SelectColumns::One
            },
            extra: if q.distinct {
                q.extra.clone()
            } else {
                Cow::Borrowed(&[])
            },
            order: if q.is_sliced() {
                q.order.clone()
            } else {
                Cow::Borrowed(&[])
            },
            ..q.clone()
        };
        Select::new(SelectColumns::Exprs(Cow::Borrowed(&count)), M::META.table)
            .with_from(From::Subquery(Box::new(inner), "subquery"))
    } else {
        Select {
            columns: SelectColumns::Exprs(Cow::Borrowed(&count)),
            extra: Cow::Borrowed(&[]),
            order: Cow::Borrowed(&[]),
            ..q.clone()
        }
    };
    let w = write(db, Some(model_ref::<M>()), |w, sql| w.select(sql, &select));
    let n = scalar_i64(db, &w)?.unwrap_or(0);
    Ok(usize::try_from(n).unwrap_or(0))
}

pub(crate) fn exists<M: Model>(db: &Db, q: &Select<'_>) -> Result<bool> {
    if q.selects_nothing() {
        return Ok(false);
    }
    let select = Select {
        columns: SelectColumns::One,
        extra: Cow::Borrowed(&[]),
        ..q.clone()
    };
    let w = write(db, Some(model_ref::<M>()), |w, sql| w.select(sql, &select));
    let mut found = false;
    db.query_params(&w.text, &w.params, &mut |_| {
        found = true;
        Ok(false)
    })?;
    Ok(found)
}

/// The rows an `update` or `delete` of the query set changes: the filter,
/// or the slice's keys.
fn target<'a, M: Model>(q: &'a Select<'a>) -> Target<'a> {
    let m = model_ref::<M>();
    // A slice, a filter that joins (UPDATE and DELETE can't), a grouped
    // query set (HAVING), or a compound (`union`, ...): the rows' keys,
    // selected.
    if q.is_sliced()
        || q.filter.is_some_and(Cond::has_paths)
        || !q.group_by.is_empty()
        || matches!(q.from, From::Compound(..))
    {
        let keys = Select {
            columns: SelectColumns::Exprs(Cow::Owned(vec![Expr::Column(m.pk_column())])),
            extra: Cow::Borrowed(&[]),
            ..q.clone()
        };
        Target::KeysIn(m.pk_column(), Box::new(keys))
    } else {
        Target::Where(q.filter)
    }
}

pub(crate) fn update<M: Model>(
    db: &Db,
    q: &Select<'_>,
    assignments: Vec<Assignment<M>>,
) -> Result<usize> {
    if assignments.is_empty() || q.selects_nothing() {
        return Ok(0);
    }
    let set: Vec<(&'static str, Option<Expr>)> = assignments
        .into_iter()
        .map(|a| (a.column, Some(a.value)))
        .collect();
    let update = Update {
        table: M::META.table,
        set: Cow::Owned(set),
        target: target::<M>(q),
    };
    let w = write(db, Some(model_ref::<M>()), |w, sql| {
        sql.text.reserve(256);
        w.update(sql, &update)
    });
    db.execute_params(&w.text, &w.params)
}

/// `QuerySet::delete`. A model that no foreign key points at (but with
/// `DoNothing`) is one `DELETE` of the filter (or the slice's keys);
/// otherwise, inside one transaction, the keys are read and the
/// [`Collector`](crate::delete::Collector) applies each key's `on_delete`.
pub(crate) fn delete<M: Model>(db: &Db, q: &Select<'_>) -> Result<usize> {
    if q.selects_nothing() {
        return Ok(0);
    }
    if crate::delete::needs_collector(M::META) {
        return db.atomic(|db| {
            let keys = Select {
                columns: SelectColumns::Exprs(Cow::Owned(vec![Expr::Column(
                    model_ref::<M>().pk_column(),
                )])),
                // The order matters to a slice only.
                order: if q.is_sliced() {
                    q.order.clone()
                } else {
                    Cow::Borrowed(&[])
                },
                ..q.clone()
            };
            let w = write(db, Some(model_ref::<M>()), |w, sql| w.select(sql, &keys));
            let mut found = Vec::new();
            db.query_params(&w.text, &w.params, &mut |row| {
                found.push(row.value(0)?);
                Ok(true)
            })?;
            drop(w);
            crate::delete::Collector::new(db).delete(M::META, found)
        });
    }
    let delete = Delete {
        table: M::META.table,
        target: target::<M>(q),
    };
    let w = write(db, Some(model_ref::<M>()), |w, sql| {
        sql.text.reserve(256);
        w.delete(sql, &delete)
    });
    db.execute_params(&w.text, &w.params)
}

/// A statement text that depends only on the model and the backend, from
/// the model's cache.
fn cached(slot: &OnceLock<String>, build: impl FnOnce() -> String) -> &str {
    slot.get_or_init(build)
}

/// The text of a statement that binds nothing of its own.
fn text_of<'a>(f: impl FnOnce(&mut Sql<'a>)) -> String {
    let mut sql = Sql::with_buffer(String::with_capacity(256), None);
    f(&mut sql);
    sql.text
}

/// The `INSERT` of `rows` rows of `M`, with or without the key.
fn insert_statement<M: Model>(db: &Db, with_pk: bool, rows: usize) -> Insert<'static> {
    let meta = M::META;
    let columns: Vec<&'static str> = meta
        .fields
        .iter()
        .enumerate()
        .filter(|&(i, _)| with_pk || i != meta.pk)
        .map(|(_, f)| f.column)
        .collect();
    Insert {
        table: meta.table,
        columns: Cow::Owned(columns),
        rows: InsertRows::Placeholders(rows),
        key: meta.pk_field().column,
        returning: !with_pk && db.backend() != Backend::Sqlite,
    }
}

/// What a multi-row INSERT's text depends on: the model, the backend,
/// whether the key is written, the number of rows.
type MultiInsertKey = (*const crate::meta::ModelMeta, Backend, bool, usize);

thread_local! {
    /// The last multi-row INSERT text written on this thread. A 1,000-row
    /// INSERT has 6,000 placeholders; writing them again for every
    /// `bulk_create` of the same model and size (a loader's batches, the
    /// full chunks of a large one) cost about a fifth of the client's
    /// instructions of a 1,000-row bulk_create on PostgreSQL.
    static MULTI_INSERT: std::cell::RefCell<Option<(MultiInsertKey, std::rc::Rc<str>)>> =
        const { std::cell::RefCell::new(None) };
}

/// Texts longer than this are written each time rather than kept.
const MULTI_INSERT_KEEP: usize = 256 * 1024;

/// The text of the INSERT of `rows` rows of `M`, from the thread's last
/// one when it is the same statement.
fn multi_insert_sql<M: Model>(db: &Db, with_pk: bool, rows: usize) -> std::rc::Rc<str> {
    let key: MultiInsertKey = (std::ptr::from_ref(M::META), db.backend(), with_pk, rows);
    MULTI_INSERT.with(|cell| {
        if let Some((k, sql)) = &*cell.borrow()
            && *k == key
        {
            return sql.clone();
        }
        let ins = insert_statement::<M>(db, with_pk, rows);
        let sql: std::rc::Rc<str> = text_of(|sql| db.writer().insert(sql, &ins)).into();
        if sql.len() <= MULTI_INSERT_KEEP {
            *cell.borrow_mut() = Some((key, sql.clone()));
        }
        sql
    })
}

/// The keys the database gave the rows of one INSERT, in order.
enum Keys {
    /// Consecutive keys ending at `last` (SQLite: one INSERT's rows get
    /// consecutive row ids, in VALUES order), without a vector.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    Consecutive { last: i64, n: usize },
    /// As the statement returned them (`RETURNING`).
    Listed(Vec<i64>),
}

impl Keys {
    /// The key of row `i`.
    fn get(&self, i: usize) -> i64 {
        match self {
            Keys::Consecutive { last, n } => *last - (*n as i64 - 1) + i as i64,
            Keys::Listed(keys) => keys.get(i).copied().unwrap_or(0),
        }
    }

    fn len(&self) -> usize {
        match self {
            Keys::Consecutive { n, .. } => *n,
            Keys::Listed(keys) => keys.len(),
        }
    }
}

/// Runs an INSERT of the objects (one statement); returns the keys the
/// database assigned, in order, when `with_pk` is false.
fn run_insert<M: Model>(db: &Db, objs: &[&M], with_pk: bool) -> Result<Keys> {
    let multi;
    let statements = &M::statements().backends[db.backend().index()];
    let sql: &str = if objs.len() == 1 {
        cached(&statements.insert[usize::from(with_pk)], || {
            let ins = insert_statement::<M>(db, with_pk, 1);
            text_of(|sql| db.writer().insert(sql, &ins))
        })
    } else {
        multi = multi_insert_sql::<M>(db, with_pk, objs.len());
        &multi
    };
    let mut bind = |b: &mut crate::backend::Binder<'_, '_>| {
        for obj in objs {
            obj.bind_columns(b, with_pk)?;
        }
        Ok(())
    };
    match db.backend() {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => {
            db.execute_bound(sql, &mut bind)?;
            if with_pk {
                return Ok(Keys::Listed(Vec::new()));
            }
            // SQLite assigns consecutive keys to the rows of one INSERT, in
            // VALUES order: the last row id identifies them all.
            Ok(Keys::Consecutive {
                last: db.last_insert_rowid().unwrap_or(0),
                n: objs.len(),
            })
        }
        _ => {
            let mut keys = Vec::with_capacity(if with_pk { 0 } else { objs.len() });
            db.query_bound(sql, &mut bind, &mut |row| {
                keys.push(row.get_required::<i64>(0)?);
                Ok(true)
            })?;
            if with_pk && M::META.pk_field().auto {
                advance_key_sequence::<M>(db, objs)?;
            }
            Ok(Keys::Listed(keys))
        }
    }
}

/// PostgreSQL: after rows were inserted with keys of their own into a table
/// whose key the database assigns, moves the key's sequence past them, so
/// that the next automatic key does not collide (SQLite's AUTOINCREMENT does
/// this by itself). The sequence never moves back.
fn advance_key_sequence<M: Model>(db: &Db, objs: &[&M]) -> Result<()> {
    let Some(max) = objs
        .iter()
        .filter_map(|o| match o.pk_value() {
            Value::Integer(k) => Some(k),
            _ => None,
        })
        .max()
    else {
        return Ok(());
    };
    let meta = M::META;
    let mut table = String::new();
    crate::write::quote(&mut table, meta.table);
    db.execute(
        "SELECT setval(s, $1) FROM pg_get_serial_sequence($2, $3) AS s \
         WHERE s IS NOT NULL AND $1 > COALESCE(pg_sequence_last_value(s::regclass), 0)",
        &[
            Value::Integer(max),
            Value::Text(table),
            Value::Text(meta.pk_field().column.to_owned()),
        ],
    )?;
    Ok(())
}

fn assign_pk<M: Model>(obj: &mut M, key: i64) -> Result<()> {
    if obj.set_pk(key) {
        Ok(())
    } else {
        Err(Error::KeyOutOfRange {
            model: M::META.name,
            key,
        })
    }
}

fn delete_by_pk_sql<M: Model>(db: &Db) -> &'static str {
    let statements = &M::statements().backends[db.backend().index()];
    cached(&statements.delete_by_pk, || {
        let delete = Delete {
            table: M::META.table,
            target: Target::Key(model_ref::<M>().pk_column()),
        };
        text_of(|sql| db.writer().delete(sql, &delete))
    })
}

/// Deletes the rows with these keys (taking back an INSERT whose keys the
/// model can't hold).
fn delete_keys<M: Model>(db: &Db, keys: &Keys) -> Result<()> {
    let filter = crate::tree::Cond::In {
        lhs: Expr::Column(model_ref::<M>().pk_column()),
        values: (0..keys.len())
            .map(|i| Value::Integer(keys.get(i)))
            .collect(),
        nullable: false,
    };
    let delete = Delete {
        table: M::META.table,
        target: Target::Where(Some(&filter)),
    };
    let w = write(db, Some(model_ref::<M>()), |w, sql| w.delete(sql, &delete));
    db.execute_params(&w.text, &w.params).map(drop)
}

/// `create`: validate, stamp, INSERT, set the key.
pub(crate) fn insert<M: Model>(db: &Db, obj: &mut M) -> Result<()> {
    obj.full_clean()?;
    obj.pre_save(true);
    let auto = M::META.pk_field().auto && obj.pk_is_unset();
    let keys = run_insert(db, &[&*obj], !auto)?;
    if auto {
        let key = keys.get(0);
        if let Err(e) = assign_pk(obj, key) {
            // The key the database chose does not fit the model's key type:
            // take the row back out, so that a failed `create` writes nothing.
            db.execute_params(
                delete_by_pk_sql::<M>(db),
                &[Cow::Owned(Value::Integer(key))],
            )?;
            return Err(e);
        }
    }
    Ok(())
}

/// `save`: INSERT for a new object, otherwise UPDATE by key, falling back to
/// INSERT when no row has the key (Django's behaviour for a set key).
pub(crate) fn save<M: Model>(db: &Db, obj: &mut M) -> Result<()> {
    let meta = M::META;
    if meta.pk_field().auto && obj.pk_is_unset() {
        return insert(db, obj);
    }
    obj.full_clean()?;
    obj.pre_save(false);
    let statements = &M::statements().backends[db.backend().index()];
    let sql = cached(&statements.update_by_pk, || {
        let m = model_ref::<M>();
        let mut set: Vec<(&'static str, Option<Expr>)> = meta
            .fields
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != meta.pk)
            .map(|(_, f)| (f.column, None))
            .collect();
        if set.is_empty() {
            // Nothing but the key: a no-op write that still reports whether
            // the row exists, so `save` knows to insert it.
            set.push((meta.pk_field().column, Some(Expr::Column(m.pk_column()))));
        }
        let update = Update {
            table: meta.table,
            set: Cow::Owned(set),
            target: Target::Key(m.pk_column()),
        };
        text_of(|sql| db.writer().update(sql, &update))
    });
    let changed = db.execute_bound(sql, &mut |b| {
        obj.bind_columns(b, false)?;
        b.bind_value(&obj.pk_value())
    })?;
    if changed == 0 {
        obj.pre_save(true);
        run_insert(db, &[&*obj], true)?;
    }
    Ok(())
}

/// `Model::delete`: one `DELETE` by key when no foreign key points at the
/// model (but with `DoNothing`); otherwise the
/// [`Collector`](crate::delete::Collector), inside one transaction.
pub(crate) fn delete_instance<M: Model>(db: &Db, obj: &M) -> Result<usize> {
    let meta = M::META;
    if meta.pk_field().auto && obj.pk_is_unset() {
        return Err(Error::NotSaved { model: meta.name });
    }
    if crate::delete::needs_collector(meta) {
        return db
            .atomic(|db| crate::delete::Collector::new(db).delete(meta, vec![obj.pk_value()]));
    }
    db.execute_params(delete_by_pk_sql::<M>(db), &[Cow::Owned(obj.pk_value())])
}

/// `bulk_create`: validate everything, then INSERT in as few statements as
/// the parameter limit allows, inside one transaction.
pub(crate) fn bulk_insert<M: Model>(db: &Db, mut objs: Vec<M>) -> Result<Vec<M>> {
    let meta = M::META;
    let mut errors: Option<ValidationErrors> = None;
    for obj in &objs {
        if let Err(Error::Validation(e)) = obj.full_clean() {
            errors = Some(e);
            break;
        }
    }
    if let Some(e) = errors {
        return Err(Error::Validation(e));
    }
    for obj in &mut objs {
        obj.pre_save(true);
    }
    let columns = meta.fields.len().max(1);
    let per_statement = (db.max_parameters() / columns).max(1);
    // Objects with an unset automatic key get their keys from the
    // database, in VALUES order.
    let auto = meta.pk_field().auto;
    let (new, keyed): (Vec<usize>, Vec<usize>) =
        (0..objs.len()).partition(|&i| auto && objs[i].pk_is_unset());
    let statements = keyed.len().div_ceil(per_statement) + new.len().div_ceil(per_statement);
    let mut insert = |db: &Db| -> Result<()> {
        for chunk in keyed.chunks(per_statement) {
            let refs: Vec<&M> = chunk.iter().map(|&i| &objs[i]).collect();
            run_insert(db, &refs, true)?;
        }
        for chunk in new.chunks(per_statement) {
            let refs: Vec<&M> = chunk.iter().map(|&i| &objs[i]).collect();
            let keys = run_insert(db, &refs, false)?;
            for (n, &i) in chunk.iter().enumerate() {
                if let Err(e) = assign_pk(&mut objs[i], keys.get(n)) {
                    // A key the model's type can't hold: take this
                    // statement's rows back out (earlier statements are
                    // rolled back by the transaction around them).
                    delete_keys::<M>(db, &keys)?;
                    return Err(e);
                }
            }
        }
        Ok(())
    };
    if statements <= 1 {
        // One INSERT is atomic by itself: no transaction around it (on
        // PostgreSQL, two round trips fewer).
        insert(db)?;
    } else {
        db.atomic(|db| insert(db))?;
    }
    Ok(objs)
}
