//! The writes of a many-to-many relation, on its single-step path:
//! `playlist::tracks.add(&db, &rock, [&t1, &t2])`, `remove`, `clear`, `set`,
//! as Django's related managers.
//!
//! Each is a fixed number of statements whatever the number of rows: the
//! keys go as one condition `IN (..)` (which the writers bind as one
//! parameter when the list is long: `json_each` on SQLite, `= ANY($n)` on
//! PostgreSQL).
//!
//! - `add`: `INSERT INTO "pairs" ("near", "far") SELECT "T1"."id", "T2"."id"
//!   FROM "owner" "T1" CROSS JOIN "target" "T2" WHERE "T1"."id" = $1 AND
//!   "T2"."id" IN (..) AND NOT EXISTS (SELECT 1 FROM "pairs" WHERE
//!   "pairs"."near" = "T1"."id" AND "pairs"."far" = "T2"."id") ON CONFLICT
//!   DO NOTHING` (a pair that exists already is left alone, as Django does,
//!   also in a `through` table without a unique pair; a row that is not in
//!   its table adds nothing);
//! - `remove`: `DELETE FROM "pairs" WHERE "near" = $1 AND "far" IN (..)`;
//! - `clear`: `DELETE FROM "pairs" WHERE "near" = $1`;
//! - `set`: in one transaction, `DELETE .. AND NOT ("far" IN (..))` then
//!   `add`.
//!
//! With a `through` model, `remove` and `clear` delete its rows; `add` and
//! `set` insert rows of it that hold only the two keys, so they refuse
//! (with [`Error::Relation`], before any statement) a through model with
//! another field that has neither a default nor NULL (Django would need
//! `through_defaults`, which this crate does not have).

use crate::db::Db;
use crate::error::{Error, Result};
use crate::meta::ModelMeta;
use crate::model::Model;
use crate::path::{Join, Rel, Relation, Root};
use crate::tree::{Cmp, Column, Cond, Delete, Expr, RelMeta, TableName, Target};
use crate::value::Value;

/// What the derive implements for a `ManyToMany<T>` field (number `I`):
/// it makes the writes (`add`, `remove`, `clear`, `set`) exist on the
/// field's path, and on no other relation's.
pub trait ManyToManyRelation<const I: usize>: Relation<I> {
    /// The `through = ".."` model, if the field names one.
    fn through() -> Option<&'static ModelMeta>;
}

/// The table of pairs and its two columns (to the owner, to the target).
fn pairs(rel: &RelMeta) -> Result<(&'static str, &'static str, &'static str)> {
    rel.through.ok_or_else(|| {
        Error::Relation(format!(
            "`{}.{}` is not a many-to-many relation",
            rel.owner.name, rel.name
        ))
    })
}

/// `row`'s key; an unsaved row (automatic key not set) is refused.
fn key_of<T: Model>(row: &T, what: &str) -> Result<Value> {
    if row.pk_is_unset() {
        return Err(Error::Relation(format!(
            "the {} {what} has no primary key yet: save it before using the relation",
            T::META.name
        )));
    }
    Ok(row.pk_value())
}

/// The keys of `children`, each saved.
fn keys_of<'c, T: Model + 'c>(children: impl IntoIterator<Item = &'c T>) -> Result<Vec<Value>> {
    children
        .into_iter()
        .map(|c| key_of(c, "row given"))
        .collect()
}

/// `"column" = key` on the table of pairs.
fn pair_eq(table: &'static str, column: &'static str, key: Value) -> Cond {
    Cond::Cmp {
        lhs: Expr::Column(Column::new(table, column)),
        op: Cmp::Eq,
        rhs: Expr::Value(key),
        nullable: false,
    }
}

/// `"column" IN (keys)` on `table`.
fn key_in(table: TableName, column: &'static str, keys: Vec<Value>) -> Cond {
    Cond::In {
        lhs: Expr::Column(Column {
            table,
            name: column,
            field: None,
            path: None,
        }),
        values: keys,
        nullable: false,
    }
}

/// `DELETE FROM "pairs" WHERE <filter>`; the number of rows deleted.
fn delete_pairs(db: &Db, table: &'static str, filter: &Cond) -> Result<usize> {
    let delete = Delete {
        table,
        target: Target::Where(Some(filter)),
    };
    let w = crate::exec::write(db, None, |w, sql| w.delete(sql, &delete));
    db.execute_params(&w.text, &w.params)
}

/// Refuses `add`/`set` on a through model with a field they can't fill.
fn check_through<const I: usize, M: ManyToManyRelation<I>>(rel: &RelMeta) -> Result<()> {
    let Some(through) = M::through() else {
        return Ok(());
    };
    let (_, near, far) = pairs(rel)?;
    let required: Vec<&str> = through
        .fields
        .iter()
        .filter(|f| {
            !f.primary_key
                && f.column != near
                && f.column != far
                && !f.nullable
                && f.default.is_none()
        })
        .map(|f| f.name)
        .collect();
    if required.is_empty() {
        return Ok(());
    }
    Err(Error::Relation(format!(
        "`{}.{}` goes through {}, whose field(s) {} need a value: create {} rows instead of using `add` or `set`",
        rel.owner.name,
        rel.name,
        through.name,
        required.join(", "),
        through.name,
    )))
}

/// The one `INSERT .. SELECT .. ON CONFLICT DO NOTHING` of `add`.
fn insert_pairs(db: &Db, rel: &RelMeta, parent: Value, keys: Vec<Value>) -> Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let (table, near, far) = pairs(rel)?;
    let (owner, target) = (TableName::Alias(1), TableName::Alias(2));
    let filter = Cond::And(vec![
        Cond::Cmp {
            lhs: Expr::Column(Column {
                table: owner,
                name: rel.near_col,
                field: None,
                path: None,
            }),
            op: Cmp::Eq,
            rhs: Expr::Value(parent),
            nullable: false,
        },
        key_in(target, rel.far_col, keys),
    ]);
    let w = crate::exec::write(db, None, |w, sql| {
        let mut head = String::with_capacity(160);
        head.push_str("INSERT INTO ");
        crate::write::quote(&mut head, table);
        head.push_str(" (");
        crate::write::quote(&mut head, near);
        head.push_str(", ");
        crate::write::quote(&mut head, far);
        head.push_str(") SELECT \"T1\".");
        crate::write::quote(&mut head, rel.near_col);
        head.push_str(", \"T2\".");
        crate::write::quote(&mut head, rel.far_col);
        head.push_str(" FROM ");
        crate::write::quote(&mut head, rel.owner.table);
        head.push_str(" \"T1\" CROSS JOIN ");
        crate::write::quote(&mut head, rel.to.table);
        head.push_str(" \"T2\" WHERE ");
        sql.push(&head);
        w.cond(sql, &filter, false);
        // A `through` table may have no unique pair: skip existing pairs
        // here too.
        let mut tail = String::with_capacity(160);
        tail.push_str(" AND NOT EXISTS (SELECT 1 FROM ");
        crate::write::quote(&mut tail, table);
        tail.push_str(" WHERE ");
        crate::write::qualified(&mut tail, table, near);
        tail.push_str(" = \"T1\".");
        crate::write::quote(&mut tail, rel.near_col);
        tail.push_str(" AND ");
        crate::write::qualified(&mut tail, table, far);
        tail.push_str(" = \"T2\".");
        crate::write::quote(&mut tail, rel.far_col);
        tail.push_str(") ON CONFLICT DO NOTHING");
        sql.push(&tail);
    });
    db.execute_params(&w.text, &w.params).map(drop)
}

/// The writes of a many-to-many relation, on its single-step path
/// (`playlist::tracks`): Django's `playlist.tracks.add(..)` and the rest.
impl<M, const I: usize> Rel<Join<M, I, Root<M>>>
where
    M: ManyToManyRelation<I>,
{
    /// Relates `parent` to each of `children` (Django's `add`): one
    /// statement; a pair that exists already stays as it is.
    ///
    /// # Errors
    ///
    /// [`Error::Relation`] for an unsaved row, or a `through` model with a
    /// field to fill; the database's errors.
    pub fn add<'c>(
        self,
        db: &Db,
        parent: &M,
        children: impl IntoIterator<Item = &'c M::Target>,
    ) -> Result<()> {
        let rel = M::REL;
        check_through::<I, M>(rel)?;
        let parent = key_of(parent, "row")?;
        insert_pairs(db, rel, parent, keys_of(children)?)
    }

    /// Unrelates `parent` from each of `children` (Django's `remove`): one
    /// statement; the rows themselves stay.
    ///
    /// # Errors
    ///
    /// [`Error::Relation`] for an unsaved row; the database's errors.
    pub fn remove<'c>(
        self,
        db: &Db,
        parent: &M,
        children: impl IntoIterator<Item = &'c M::Target>,
    ) -> Result<()> {
        let rel = M::REL;
        let (table, near, far) = pairs(rel)?;
        let parent = key_of(parent, "row")?;
        let keys = keys_of(children)?;
        if keys.is_empty() {
            return Ok(());
        }
        let filter = Cond::And(vec![
            pair_eq(table, near, parent),
            key_in(TableName::Table(table), far, keys),
        ]);
        delete_pairs(db, table, &filter).map(drop)
    }

    /// Unrelates `parent` from every row (Django's `clear`): one statement.
    ///
    /// # Errors
    ///
    /// [`Error::Relation`] for an unsaved row; the database's errors.
    pub fn clear(self, db: &Db, parent: &M) -> Result<()> {
        let rel = M::REL;
        let (table, near, _) = pairs(rel)?;
        let parent = key_of(parent, "row")?;
        delete_pairs(db, table, &pair_eq(table, near, parent)).map(drop)
    }

    /// Makes `children` exactly the rows related to `parent` (Django's
    /// `set`): in one transaction, deletes the other pairs and adds the
    /// missing ones (two statements).
    ///
    /// # Errors
    ///
    /// [`Error::Relation`] for an unsaved row, or a `through` model with a
    /// field to fill; the database's errors (nothing is changed then).
    pub fn set<'c>(
        self,
        db: &Db,
        parent: &M,
        children: impl IntoIterator<Item = &'c M::Target>,
    ) -> Result<()> {
        let rel = M::REL;
        check_through::<I, M>(rel)?;
        let (table, near, far) = pairs(rel)?;
        let parent = key_of(parent, "row")?;
        let keys = keys_of(children)?;
        db.atomic(|db| {
            let mut stale = vec![pair_eq(table, near, parent.clone())];
            if !keys.is_empty() {
                stale.push(Cond::Not(Box::new(key_in(
                    TableName::Table(table),
                    far,
                    keys.clone(),
                ))));
            }
            delete_pairs(db, table, &Cond::And(stale))?;
            insert_pairs(db, rel, parent.clone(), keys.clone())
        })
    }
}
