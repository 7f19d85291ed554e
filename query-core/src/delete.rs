//! Deleting rows with Django's `on_delete`: a collector, as
//! `django.db.models.deletion.Collector`.
//!
//! Deleting rows of a model finds, for every registered model whose foreign
//! key points at it, the rows that point at the deleted ones, by batches of
//! keys bound as parameters, and applies the key's `on_delete`:
//!
//! - `Cascade`: those rows are deleted too, and what points at them in turn
//!   (each model's collected keys are remembered, so cycles and self
//!   references end);
//! - `Protect`: the delete is refused ([`Error::Protected`]) before anything
//!   is written;
//! - `Restrict`: the delete is refused ([`Error::Restricted`]) unless those
//!   rows are themselves deleted by the same operation, through a cascade;
//! - `SetNull`: `UPDATE .. SET fk = NULL` for those rows;
//! - `DoNothing`: nothing; the database's own constraint decides.
//!
//! The pairs of the automatic table of a `ManyToMany<T>` field that point
//! at a deleted row (on either side) are deleted too, and counted in the
//! total, as Django's automatic through model cascades.
//!
//! Every statement names rows by a list of keys, so the number of statements
//! depends on the models reached (and the depth of a self-referencing
//! chain), not on the number of rows. A model that nothing points at (but
//! with `DoNothing`) is deleted by its filter in one statement, as before;
//! so is a cascade to a model whose rows nothing else needs to know about
//! (Django's "fast delete": `DELETE .. WHERE fk IN (..)`).
//!
//! The caller runs [`Collector::delete`] inside one transaction
//! ([`Db::atomic`]): a refusal leaves the database unchanged.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::Write;
use std::sync::OnceLock;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::meta::{FieldMeta, ModelMeta, OnDelete, registered_models};
use crate::tree::{Column, Cond, Delete, Expr, Select, SelectColumns, Target, Update};
use crate::value::Value;

/// A foreign key pointing at a model: the model that holds it and the field.
#[derive(Debug, Clone, Copy)]
struct Dependent {
    /// The model holding the foreign key.
    model: &'static ModelMeta,
    /// The foreign key field.
    field: &'static FieldMeta,
    /// What deleting a row it points at does.
    on_delete: OnDelete,
}

/// The foreign keys pointing at each model (by table name), from every
/// registered model; computed once.
fn dependents(model: &ModelMeta) -> &'static [Dependent] {
    static BY_TABLE: OnceLock<HashMap<&'static str, Vec<Dependent>>> = OnceLock::new();
    BY_TABLE
        .get_or_init(|| {
            let mut map: HashMap<&'static str, Vec<Dependent>> = HashMap::new();
            for holder in registered_models() {
                for field in holder.fields {
                    if let Some(fk) = field.foreign_key {
                        map.entry((fk.to)().table).or_default().push(Dependent {
                            model: holder,
                            field,
                            on_delete: fk.on_delete,
                        });
                    }
                }
            }
            map
        })
        .get(model.table)
        .map_or(&[], Vec::as_slice)
}

/// The automatic tables of pairs of many-to-many fields (without
/// `through`) whose column points at a model (by table name), as
/// `(table, column)`, from every registered model; computed once. Their
/// keys cascade, as Django's automatic through models' do.
fn pair_columns(model: &ModelMeta) -> &'static [(&'static str, &'static str)] {
    type ByTable = HashMap<&'static str, Vec<(&'static str, &'static str)>>;
    static BY_TABLE: OnceLock<ByTable> = OnceLock::new();
    BY_TABLE
        .get_or_init(|| {
            let mut map: ByTable = HashMap::new();
            for owner in registered_models() {
                for m2m in owner.many_to_many {
                    if let Some((table, near, far)) = m2m.pairs {
                        map.entry(owner.table).or_default().push((table, near));
                        map.entry((m2m.to)().table).or_default().push((table, far));
                    }
                }
            }
            map
        })
        .get(model.table)
        .map_or(&[], Vec::as_slice)
}

/// Whether deleting rows of `model` needs the collector: some foreign key
/// points at it with an `on_delete` other than `DoNothing`, or a table of
/// pairs does. When not, a delete is one statement.
pub(crate) fn needs_collector(model: &ModelMeta) -> bool {
    !pair_columns(model).is_empty()
        || dependents(model)
            .iter()
            .any(|d| d.on_delete != OnDelete::DoNothing)
}

/// Whether rows of `model` reached by a cascade can be deleted by a
/// condition on the foreign key, without reading their keys: nothing needs
/// to know which rows they are (no collector of its own, and no `Restrict`
/// key of its own whose rows a cascade could excuse).
fn can_fast_delete(model: &ModelMeta) -> bool {
    !needs_collector(model)
        && !model.fields.iter().any(|f| {
            f.foreign_key
                .is_some_and(|fk| fk.on_delete == OnDelete::Restrict)
        })
}

/// A key as a hashable value, to remember which rows were collected.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum KeyOf {
    Null,
    Integer(i64),
    Real(u64),
    Text(String),
    Blob(Vec<u8>),
    List(Vec<KeyOf>),
}

impl KeyOf {
    fn new(value: &Value) -> KeyOf {
        match value {
            Value::Null => KeyOf::Null,
            Value::Integer(n) => KeyOf::Integer(*n),
            Value::Real(r) => KeyOf::Real(r.to_bits()),
            Value::Text(t) => KeyOf::Text(t.clone()),
            Value::Blob(b) => KeyOf::Blob(b.clone()),
            Value::List(l) => KeyOf::List(l.iter().map(KeyOf::new).collect()),
        }
    }
}

/// The rows of one model collected for deletion.
#[derive(Debug)]
struct Collected {
    model: &'static ModelMeta,
    /// Their keys, in the order collected.
    keys: Vec<Value>,
    /// The same keys, to skip rows reached twice.
    seen: HashSet<KeyOf>,
    /// Keys collected but not yet looked up for rows pointing at them.
    pending: Vec<Value>,
}

/// Rows named by a foreign key's values: `<field> IN (keys)` on `model`.
#[derive(Debug)]
struct ByForeignKey {
    model: &'static ModelMeta,
    field: &'static FieldMeta,
    /// The keys of the rows pointed at.
    keys: Vec<Value>,
}

/// Django's deletion collector, for one delete operation.
#[derive(Debug)]
pub(crate) struct Collector<'db> {
    db: &'db Db,
    /// Keys per statement: a long list is one parameter on both backends,
    /// but a list the writer binds value by value must fit the limit.
    batch: usize,
    /// The models whose rows are deleted by key, in the order first reached.
    data: Vec<Collected>,
    /// `data`'s index by table name.
    index: HashMap<&'static str, usize>,
    /// Cascades deleted by a condition on the foreign key.
    fast_deletes: Vec<ByForeignKey>,
    /// `SET NULL` updates.
    field_updates: Vec<ByForeignKey>,
    /// Pairs of automatic many-to-many tables deleted with the rows they
    /// point at: the table, its column and the keys.
    pair_deletes: Vec<(&'static str, &'static str, Vec<Value>)>,
    /// Rows pointing at deleted ones through `Restrict`: the model, the
    /// field and the rows' own keys.
    restricted: Vec<(&'static ModelMeta, &'static FieldMeta, Vec<Value>)>,
    /// For a table, the tables whose rows must be deleted before its own.
    dependencies: HashMap<&'static str, HashSet<&'static str>>,
}

impl<'db> Collector<'db> {
    /// A collector for one delete on `db`.
    pub(crate) fn new(db: &'db Db) -> Self {
        Collector {
            db,
            batch: db.max_parameters().saturating_sub(8).max(1),
            data: Vec::new(),
            index: HashMap::new(),
            fast_deletes: Vec::new(),
            field_updates: Vec::new(),
            pair_deletes: Vec::new(),
            restricted: Vec::new(),
            dependencies: HashMap::new(),
        }
    }

    /// Deletes the rows of `model` with these keys and everything their
    /// foreign keys' `on_delete` says to; returns the number of rows
    /// deleted, cascades included (Django's total). Refuses with
    /// [`Error::Protected`] or [`Error::Restricted`] before writing
    /// anything. Run it inside a transaction.
    pub(crate) fn delete(mut self, model: &'static ModelMeta, keys: Vec<Value>) -> Result<usize> {
        self.collect(model, keys)?;
        self.check_restricted(model)?;
        self.run()
    }

    /// Adds rows of `model` for deletion; the keys not collected before are
    /// queued for the lookup of the rows pointing at them. `source` is the
    /// model whose deletion reached them (deleted after them).
    fn add(
        &mut self,
        model: &'static ModelMeta,
        keys: Vec<Value>,
        source: Option<&'static ModelMeta>,
        queue: &mut VecDeque<usize>,
    ) {
        let i = match self.index.entry(model.table) {
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(e) => {
                self.data.push(Collected {
                    model,
                    keys: Vec::new(),
                    seen: HashSet::new(),
                    pending: Vec::new(),
                });
                *e.insert(self.data.len() - 1)
            }
        };
        if let Some(source) = source
            && source.table != model.table
        {
            self.dependencies
                .entry(source.table)
                .or_default()
                .insert(model.table);
        }
        let c = &mut self.data[i];
        let was_pending = !c.pending.is_empty();
        for key in keys {
            if c.seen.insert(KeyOf::new(&key)) {
                c.keys.push(key.clone());
                c.pending.push(key);
            }
        }
        if !was_pending && !c.pending.is_empty() {
            queue.push_back(i);
        }
    }

    /// Collects the rows to delete, from the first model's keys, level by
    /// level.
    fn collect(&mut self, model: &'static ModelMeta, keys: Vec<Value>) -> Result<()> {
        let mut queue = VecDeque::new();
        self.add(model, keys, None, &mut queue);
        while let Some(i) = queue.pop_front() {
            let model = self.data[i].model;
            let keys = std::mem::take(&mut self.data[i].pending);
            let mut protected: Vec<(String, usize)> = Vec::new();
            for &(table, column) in pair_columns(model) {
                self.pair_deletes.push((table, column, keys.clone()));
            }
            for dep in dependents(model) {
                match dep.on_delete {
                    OnDelete::DoNothing => {}
                    OnDelete::SetNull => self.field_updates.push(ByForeignKey {
                        model: dep.model,
                        field: dep.field,
                        keys: keys.clone(),
                    }),
                    OnDelete::Cascade if can_fast_delete(dep.model) => {
                        self.fast_deletes.push(ByForeignKey {
                            model: dep.model,
                            field: dep.field,
                            keys: keys.clone(),
                        });
                    }
                    OnDelete::Cascade => {
                        let found = self.select_keys(dep, &keys)?;
                        self.add(dep.model, found, Some(model), &mut queue);
                    }
                    OnDelete::Protect => {
                        let n = self.count(dep, &keys)?;
                        if n > 0 {
                            protected.push((field_name(dep), n));
                        }
                    }
                    OnDelete::Restrict => {
                        let found = self.select_keys(dep, &keys)?;
                        if !found.is_empty() {
                            if dep.model.table != model.table {
                                self.dependencies
                                    .entry(model.table)
                                    .or_default()
                                    .insert(dep.model.table);
                            }
                            self.restricted.push((dep.model, dep.field, found));
                        }
                    }
                }
            }
            if !protected.is_empty() {
                return Err(Error::Protected {
                    model: model.name,
                    referenced_by: describe(&protected),
                });
            }
        }
        Ok(())
    }

    /// Refuses the delete if rows point at deleted ones through `Restrict`
    /// and are not deleted themselves (Django's rule: a cascade from
    /// elsewhere in the same operation excuses them).
    fn check_restricted(&self, model: &'static ModelMeta) -> Result<()> {
        let mut left: Vec<(String, usize)> = Vec::new();
        for (holder, field, keys) in &self.restricted {
            let deleted = self.index.get(holder.table).map(|&i| &self.data[i].seen);
            let n = keys
                .iter()
                .filter(|k| !deleted.is_some_and(|d| d.contains(&KeyOf::new(k))))
                .count();
            if n == 0 {
                continue;
            }
            let name = format!("'{}.{}'", holder.name, field.name);
            match left.iter_mut().find(|(f, _)| *f == name) {
                Some((_, total)) => *total += n,
                None => left.push((name, n)),
            }
        }
        if left.is_empty() {
            Ok(())
        } else {
            Err(Error::Restricted {
                model: model.name,
                referenced_by: describe(&left),
            })
        }
    }

    /// Writes: the fast deletes, the `SET NULL` updates, then each model's
    /// rows, a model's dependents before it.
    fn run(&self) -> Result<usize> {
        let mut total = 0;
        for (table, column, keys) in &self.pair_deletes {
            for batch in keys.chunks(self.batch) {
                total += self.delete_in(table, column, batch)?;
            }
        }
        for d in &self.fast_deletes {
            for batch in d.keys.chunks(self.batch) {
                total += self.delete_where(d.model, d.field.column, batch)?;
            }
        }
        for u in &self.field_updates {
            for batch in u.keys.chunks(self.batch) {
                self.set_null(u, batch)?;
            }
        }
        for i in self.delete_order() {
            let c = &self.data[i];
            let pk = c.model.pk_field().column;
            for batch in c.keys.chunks(self.batch) {
                total += self.delete_where(c.model, pk, batch)?;
            }
        }
        Ok(total)
    }

    /// `data`'s indices, each model after the models whose rows must go
    /// first (Django's `Collector.sort`); a cycle keeps the rest in reverse
    /// order of collection (the database's deferred constraints check at
    /// commit).
    fn delete_order(&self) -> Vec<usize> {
        let mut order = Vec::with_capacity(self.data.len());
        let mut done: HashSet<&'static str> = HashSet::new();
        while order.len() < self.data.len() {
            let mut found = false;
            for (i, c) in self.data.iter().enumerate() {
                if done.contains(c.model.table) {
                    continue;
                }
                let ready = self.dependencies.get(c.model.table).is_none_or(|deps| {
                    deps.iter()
                        .all(|t| done.contains(t) || !self.index.contains_key(t))
                });
                if ready {
                    order.push(i);
                    done.insert(c.model.table);
                    found = true;
                }
            }
            if !found {
                order.extend(
                    (0..self.data.len())
                        .rev()
                        .filter(|&i| !done.contains(self.data[i].model.table)),
                );
                break;
            }
        }
        order
    }

    /// The keys of the rows of `dep.model` whose foreign key holds one of
    /// `keys`: `SELECT pk FROM t WHERE fk IN (..)`, by batches.
    fn select_keys(&self, dep: &Dependent, keys: &[Value]) -> Result<Vec<Value>> {
        let pk = [Expr::Column(Column::new(
            dep.model.table,
            dep.model.pk_field().column,
        ))];
        let mut out = Vec::new();
        for batch in keys.chunks(self.batch) {
            let filter = key_in(dep.model, dep.field.column, batch);
            let select = Select {
                filter: Some(&filter),
                ..Select::new(SelectColumns::Exprs(Cow::Borrowed(&pk)), dep.model.table)
            };
            let w = crate::exec::write(self.db, None, |w, sql| w.select(sql, &select));
            self.db.query_params(&w.text, &w.params, &mut |row| {
                out.push(row.value(0)?);
                Ok(true)
            })?;
        }
        Ok(out)
    }

    /// How many rows of `dep.model` point at one of `keys`:
    /// `SELECT COUNT(*) FROM t WHERE fk IN (..)`, by batches.
    fn count(&self, dep: &Dependent, keys: &[Value]) -> Result<usize> {
        let count = [Expr::count_star()];
        let mut total = 0;
        for batch in keys.chunks(self.batch) {
            let filter = key_in(dep.model, dep.field.column, batch);
            let select = Select {
                filter: Some(&filter),
                ..Select::new(SelectColumns::Exprs(Cow::Borrowed(&count)), dep.model.table)
            };
            let w = crate::exec::write(self.db, None, |w, sql| w.select(sql, &select));
            self.db.query_params(&w.text, &w.params, &mut |row| {
                total += usize::try_from(row.get_required::<i64>(0)?).unwrap_or(0);
                Ok(false)
            })?;
        }
        Ok(total)
    }

    /// `DELETE FROM t WHERE column IN (keys)`; the number of rows deleted.
    fn delete_where(
        &self,
        model: &'static ModelMeta,
        column: &'static str,
        keys: &[Value],
    ) -> Result<usize> {
        let filter = key_in(model, column, keys);
        let delete = Delete {
            table: model.table,
            target: Target::Where(Some(&filter)),
        };
        let w = crate::exec::write(self.db, None, |w, sql| w.delete(sql, &delete));
        self.db.execute_params(&w.text, &w.params)
    }

    /// `DELETE FROM t WHERE column IN (keys)` on a table of pairs (no
    /// model); the number of rows deleted.
    fn delete_in(
        &self,
        table: &'static str,
        column: &'static str,
        keys: &[Value],
    ) -> Result<usize> {
        let filter = Cond::In {
            lhs: Expr::Column(Column::new(table, column)),
            values: keys.to_vec(),
            nullable: false,
        };
        let delete = Delete {
            table,
            target: Target::Where(Some(&filter)),
        };
        let w = crate::exec::write(self.db, None, |w, sql| w.delete(sql, &delete));
        self.db.execute_params(&w.text, &w.params)
    }

    /// `UPDATE t SET fk = NULL WHERE fk IN (keys)`.
    fn set_null(&self, u: &ByForeignKey, keys: &[Value]) -> Result<usize> {
        let column = u.field.column;
        let filter = key_in(u.model, column, keys);
        let update = Update {
            table: u.model.table,
            set: Cow::Owned(vec![(column, Some(Expr::Value(Value::Null)))]),
            target: Target::Where(Some(&filter)),
        };
        let w = crate::exec::write(self.db, None, |w, sql| w.update(sql, &update));
        self.db.execute_params(&w.text, &w.params)
    }
}

/// `"table"."column" IN (keys)`, which the writers bind as one parameter
/// when the list is long.
fn key_in(model: &'static ModelMeta, column: &'static str, keys: &[Value]) -> Cond {
    Cond::In {
        lhs: Expr::Column(Column::new(model.table, column)),
        values: keys.to_vec(),
        nullable: false,
    }
}

/// `'Model.field'`, as Django names a foreign key in its errors.
fn field_name(dep: &Dependent) -> String {
    format!("'{}.{}'", dep.model.name, dep.field.name)
}

/// `'Track.media_type' (2 rows), 'InvoiceLine.track' (1 row)`.
fn describe(fields: &[(String, usize)]) -> String {
    let mut out = String::new();
    for (i, (name, n)) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{name} ({n} row{})", if *n == 1 { "" } else { "s" });
    }
    out
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;
    use crate::value::SqlType;

    static FIELDS: [FieldMeta; 1] =
        [FieldMeta::new("id", "id", SqlType::I64, false).primary_key(true)];
    static ROW: ModelMeta = ModelMeta::new("Row", "row", &FIELDS, 0);

    #[test]
    fn long_key_lists_go_by_batches_and_the_total_adds_them_up() -> Result<()> {
        let db = Db::open_in_memory()?;
        db.execute_batch(
            "CREATE TABLE row (id INTEGER PRIMARY KEY); \
             INSERT INTO row (id) VALUES (1), (2), (3), (4), (5), (6)",
        )?;
        let mut collector = Collector::new(&db);
        collector.batch = 2;
        let before = db.queries_run();
        // Key 9 is not there; 3 comes twice and counts once.
        let keys = [1, 2, 3, 3, 4, 9].map(Value::Integer).to_vec();
        assert_eq!(collector.delete(&ROW, keys)?, 4);
        // Five distinct keys by twos: three DELETEs.
        assert_eq!(db.queries_run() - before, 3);
        assert_eq!(
            db.query("SELECT id FROM row", &[])?,
            [[Value::Integer(5)], [Value::Integer(6)]]
        );
        Ok(())
    }

    #[test]
    fn refusals_name_each_field_with_its_rows() {
        let fields = [
            ("'Track.media_type'".to_owned(), 2),
            ("'InvoiceLine.track'".to_owned(), 1),
        ];
        assert_eq!(
            describe(&fields),
            "'Track.media_type' (2 rows), 'InvoiceLine.track' (1 row)"
        );
    }
}
