//! Running compiled statements on a `Db` through rusqlite's statement cache.

use std::borrow::Cow;

use rusqlite::{CachedStatement, params_from_iter};

use crate::compiler::{Query, Select, Writer};
use crate::db::Db;
use crate::dialect::{Dialect, InsertId};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::query::Assignment;
use crate::validation::ValidationErrors;
use crate::value::Value;

/// Django stops counting `get`'s rows after this many (`MAX_GET_RESULTS` + 1).
const GET_LIMIT: usize = 21;

fn prepare<'c>(db: &'c Db, sql: &str) -> Result<CachedStatement<'c>> {
    db.connection()
        .prepare_cached(sql)
        .map_err(|e| Error::sqlite(e, sql))
}

/// A compiled statement's text, in the `Db`'s reusable buffer.
struct Sql<'db> {
    text: String,
    db: &'db Db,
}

impl std::ops::Deref for Sql<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

impl Drop for Sql<'_> {
    fn drop(&mut self) {
        self.db.return_sql_buffer(std::mem::take(&mut self.text));
    }
}

fn compile<'a, 'db>(
    db: &'db Db,
    f: impl FnOnce(&mut Writer<'_, 'a, crate::dialect::Sqlite>),
) -> (Sql<'db>, Vec<Cow<'a, Value>>) {
    let mut w = Writer::with_buffer(db.dialect(), db.take_sql_buffer());
    f(&mut w);
    let (text, params) = w.finish_borrowed();
    (Sql { text, db }, params)
}

/// Runs a query and maps each row until `each` says stop.
fn for_each_row<M: Model>(
    db: &Db,
    sql: &str,
    params: &[Cow<'_, Value>],
    mut each: impl FnMut(M) -> bool,
) -> Result<()> {
    let err = |e| Error::sqlite(e, sql);
    let mut stmt = prepare(db, sql)?;
    let mut rows = stmt.query(params_from_iter(params)).map_err(err)?;
    while let Some(row) = rows.next().map_err(err)? {
        if !each(M::from_row(row).map_err(err)?) {
            break;
        }
    }
    Ok(())
}

pub(crate) fn all<M: Model>(db: &Db, q: &Query<'_>) -> Result<Vec<M>> {
    let (sql, params) = compile(db, |w| w.select(q, Select::Rows));
    // A sliced query says how many rows to expect.
    let mut out = Vec::with_capacity(q.limit.map_or(0, |l| l.min(1024) as usize));
    for_each_row(db, &sql, &params, |m| {
        out.push(m);
        true
    })?;
    Ok(out)
}

pub(crate) fn get<M: Model>(db: &Db, q: &Query<'_>) -> Result<M> {
    let (sql, params) = compile(db, |w| w.select(q, Select::Rows));
    let err = |e| Error::sqlite(e, &sql);
    let mut stmt = prepare(db, &sql)?;
    let mut rows = stmt.query(params_from_iter(&params)).map_err(err)?;
    let Some(row) = rows.next().map_err(err)? else {
        return Err(Error::DoesNotExist {
            model: M::META.name,
        });
    };
    let found = M::from_row(row).map_err(err)?;
    // Equality on the primary key or a unique column can't match twice;
    // otherwise count further rows (without reading them), as Django does.
    if q.filter.pins_one_row(M::META) {
        return Ok(found);
    }
    let mut count = 1;
    while count < GET_LIMIT && rows.next().map_err(err)?.is_some() {
        count += 1;
    }
    if count == 1 {
        Ok(found)
    } else {
        Err(Error::MultipleObjectsReturned {
            model: M::META.name,
            count,
        })
    }
}

/// At most one row: `first`, `last`, and the last row of a slice.
pub(crate) fn optional<M: Model>(db: &Db, q: &Query<'_>, last_of_slice: bool) -> Result<Option<M>> {
    let (sql, params) = compile(db, |w| {
        if last_of_slice {
            w.select_last_of_slice(q)
        } else {
            w.select(q, Select::Rows)
        }
    });
    let mut found = None;
    for_each_row(db, &sql, &params, |m| {
        found = Some(m);
        false
    })?;
    Ok(found)
}

fn scalar_i64(db: &Db, sql: &str, params: &[Cow<'_, Value>]) -> Result<Option<i64>> {
    let err = |e| Error::sqlite(e, sql);
    let mut stmt = prepare(db, sql)?;
    let mut rows = stmt.query(params_from_iter(params)).map_err(err)?;
    match rows.next().map_err(err)? {
        Some(row) => Ok(Some(row.get(0).map_err(err)?)),
        None => Ok(None),
    }
}

pub(crate) fn count(db: &Db, q: &Query<'_>) -> Result<usize> {
    let (sql, params) = compile(db, |w| w.count(q));
    let n = scalar_i64(db, &sql, &params)?.unwrap_or(0);
    Ok(usize::try_from(n).unwrap_or(0))
}

pub(crate) fn exists(db: &Db, q: &Query<'_>) -> Result<bool> {
    let (sql, params) = compile(db, |w| w.select(q, Select::One));
    Ok(scalar_i64(db, &sql, &params)?.is_some())
}

fn execute(db: &Db, sql: &str, params: &[Cow<'_, Value>]) -> Result<usize> {
    let mut stmt = prepare(db, sql)?;
    stmt.execute(params_from_iter(params))
        .map_err(|e| Error::sqlite(e, sql))
}

pub(crate) fn update<M>(db: &Db, q: &Query<'_>, assignments: &[Assignment<M>]) -> Result<usize> {
    if assignments.is_empty() {
        return Ok(0);
    }
    let (sql, params) = compile(db, |w| w.update(q, assignments));
    execute(db, &sql, &params)
}

pub(crate) fn delete(db: &Db, q: &Query<'_>) -> Result<usize> {
    let (sql, params) = compile(db, |w| w.delete(q));
    execute(db, &sql, &params)
}

fn clean<M: Model>(obj: &M) -> Result<()> {
    obj.full_clean()
}

/// A statement text that depends only on the model, from its cache.
fn cached<'c>(
    db: &Db,
    slot: &'c std::sync::OnceLock<String>,
    build: impl FnOnce(&mut Writer<'_, '_, crate::dialect::Sqlite>),
) -> &'c str {
    slot.get_or_init(|| compile(db, build).0.to_owned())
}

/// Runs an INSERT of the objects (one statement); returns the last inserted
/// row id.
fn run_insert<M: Model>(db: &Db, objs: &[&M], with_pk: bool) -> Result<i64> {
    let multi;
    let sql: &str = if objs.len() == 1 {
        cached(db, &M::statements().insert[usize::from(with_pk)], |w| {
            w.insert(M::META, with_pk, 1)
        })
    } else {
        multi = compile(db, |w| w.insert(M::META, with_pk, objs.len())).0;
        &multi
    };
    let err = |e| Error::sqlite(e, sql);
    let mut stmt = prepare(db, sql)?;
    let mut index = 1;
    for obj in objs {
        index = obj.bind_columns(&mut stmt, index, with_pk).map_err(err)?;
    }
    stmt.raw_execute().map_err(err)?;
    Ok(match db.dialect().insert_id() {
        InsertId::LastInsertRowid | InsertId::Returning => db.connection().last_insert_rowid(),
    })
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

/// `create`: validate, stamp, INSERT, set the key.
pub(crate) fn insert<M: Model>(db: &Db, obj: &mut M) -> Result<()> {
    clean(obj)?;
    obj.pre_save(true);
    let auto = M::META.pk_field().auto && obj.pk_is_unset();
    let rowid = run_insert(db, &[&*obj], !auto)?;
    if auto && let Err(e) = assign_pk(obj, rowid) {
        // The key SQLite chose does not fit the model's key type: take
        // the row back out, so that a failed `create` writes nothing.
        let sql = cached(db, &M::statements().delete_by_pk, |w| {
            w.delete_by_pk(M::META)
        });
        execute(db, sql, &[Cow::Owned(Value::Integer(rowid))])?;
        return Err(e);
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
    clean(obj)?;
    obj.pre_save(false);
    let sql = cached(db, &M::statements().update_by_pk, |w| w.update_by_pk(meta));
    let err = |e| Error::sqlite(e, sql);
    let changed = {
        let mut stmt = prepare(db, sql)?;
        let next = obj.bind_columns(&mut stmt, 1, false).map_err(err)?;
        stmt.raw_bind_parameter(next, obj.pk_value()).map_err(err)?;
        stmt.raw_execute().map_err(err)?
    };
    if changed == 0 {
        obj.pre_save(true);
        run_insert(db, &[&*obj], true)?;
    }
    Ok(())
}

pub(crate) fn delete_instance<M: Model>(db: &Db, obj: &M) -> Result<usize> {
    let meta = M::META;
    if meta.pk_field().auto && obj.pk_is_unset() {
        return Err(Error::NotSaved { model: meta.name });
    }
    let sql = cached(db, &M::statements().delete_by_pk, |w| w.delete_by_pk(meta));
    execute(db, sql, &[Cow::Owned(obj.pk_value())])
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
    let per_statement = (db.dialect().max_parameters() / columns).max(1);
    db.atomic(|db| {
        // Objects with an unset automatic key get consecutive keys from one
        // multi-row INSERT: SQLite assigns them in VALUES order, so the last
        // row id identifies them all.
        let auto = meta.pk_field().auto;
        let (new, keyed): (Vec<usize>, Vec<usize>) =
            (0..objs.len()).partition(|&i| auto && objs[i].pk_is_unset());
        for chunk in keyed.chunks(per_statement) {
            let refs: Vec<&M> = chunk.iter().map(|&i| &objs[i]).collect();
            run_insert(db, &refs, true)?;
        }
        for chunk in new.chunks(per_statement) {
            let refs: Vec<&M> = chunk.iter().map(|&i| &objs[i]).collect();
            let last = run_insert(db, &refs, false)?;
            let first = last - (chunk.len() as i64 - 1);
            for (n, &i) in chunk.iter().enumerate() {
                assign_pk(&mut objs[i], first + n as i64)?;
            }
        }
        Ok(())
    })?;
    Ok(objs)
}
