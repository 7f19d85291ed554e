//! Loading related rows: `select_related` (the related models' columns in
//! the same statement, read from each row) and `prefetch_related` (one
//! statement per level of the path, on the list of keys the level before
//! it found).
//!
//! Both work from the typed path: each step `Join<M, I, Prev>` reaches the
//! rows `Prev` loaded through `M`'s relation field number `I`
//! ([`Relation::slot`]), so what is written here is monomorphized per path
//! and stored in the `QuerySet` as plain function pointers.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::backend::Row;
use crate::db::Db;
use crate::error::Result;
use crate::model::Model;
use crate::path::{Join, PathLike, Relation, Root, ToOne};
use crate::relation::RelSlot;
use crate::tree::{Column, Cond, Expr, PathNode, RelKind, Select, SelectColumns, TableName};
use crate::value::Value;

/// Reads the related model of one `select_related` step from a row (its
/// columns from `offset` on) into the root row.
pub(crate) type HydrateFn<R> = fn(&mut R, &Row<'_>, usize) -> Result<()>;

/// Runs one `prefetch_related` level on the rows read.
pub(crate) type PrefetchFn<R> = fn(&Db, &mut [R]) -> Result<()>;

/// A path whose loaded rows can be reached from its root (every path of a
/// derived model).
pub trait LoadPath: PathLike {
    #[doc(hidden)]
    /// Calls `f` with each row of the path's end that is loaded in `root`.
    fn visit<'a>(root: &'a Self::Root, f: &mut dyn FnMut(&'a Self::At));
    #[doc(hidden)]
    /// Calls `f` with each row of the path's end that is loaded in `root`.
    fn visit_mut(root: &mut Self::Root, f: &mut dyn FnMut(&mut Self::At));
    #[doc(hidden)]
    /// Pushes each step, from the root, with what reads its model from a
    /// joined row.
    fn select_steps(out: &mut Vec<(&'static PathNode, HydrateFn<Self::Root>)>);
}

impl<M: Model> LoadPath for Root<M> {
    fn visit<'a>(root: &'a M, f: &mut dyn FnMut(&'a M)) {
        f(root)
    }
    fn visit_mut(root: &mut M, f: &mut dyn FnMut(&mut M)) {
        f(root)
    }
    fn select_steps(_: &mut Vec<(&'static PathNode, HydrateFn<M>)>) {}
}

impl<M, const I: usize, Prev> LoadPath for Join<M, I, Prev>
where
    M: Relation<I>,
    Prev: LoadPath<At = M>,
{
    fn visit<'a>(root: &'a Self::Root, f: &mut dyn FnMut(&'a M::Target)) {
        Prev::visit(root, &mut |m: &'a M| {
            m.slot().loaded().iter().for_each(&mut *f)
        })
    }
    fn visit_mut(root: &mut Self::Root, f: &mut dyn FnMut(&mut M::Target)) {
        Prev::visit_mut(root, &mut |m: &mut M| {
            m.slot_mut().loaded_mut().iter_mut().for_each(&mut *f)
        })
    }
    fn select_steps(out: &mut Vec<(&'static PathNode, HydrateFn<Self::Root>)>) {
        Prev::select_steps(out);
        if let Some(node) = Self::NODE {
            out.push((node, hydrate::<M, I, Prev>));
        }
    }
}

/// `select_related`'s reading of step `Join<M, I, Prev>`: the row pointed
/// at, stored in the foreign key when it holds a key (a NULL key leaves
/// `None`, and the joined columns are NULL).
fn hydrate<M, const I: usize, Prev>(
    root: &mut Prev::Root,
    row: &Row<'_>,
    offset: usize,
) -> Result<()>
where
    M: Relation<I>,
    Prev: LoadPath<At = M>,
{
    let mut out = Ok(());
    Prev::visit_mut(root, &mut |m: &mut M| {
        if out.is_err() || m.slot().key().is_none() {
            return;
        }
        match M::Target::from_row(row, offset) {
            Ok(t) => m.slot_mut().set_one(t),
            Err(e) => out = Err(e),
        }
    });
    out
}

/// The paths `select_related` takes: to-one paths from the model queried.
#[diagnostic::on_unimplemented(
    message = "`select_related` follows foreign keys and one-to-one relations only",
    label = "this path goes through a reverse foreign key or a many-to-many relation",
    note = "use `prefetch_related` to load to-many relations (one more statement per level)"
)]
pub trait ToOnePath {}
impl ToOnePath for ToOne {}

/// A path that starts at the model `M` a query set is on.
#[diagnostic::on_unimplemented(
    message = "this path starts at `{Self}`, not at `{M}`, the model of the query set",
    label = "a path of another model"
)]
pub trait StartsAt<M>: Sized {
    #[doc(hidden)]
    /// The steps, as steps of `M` (which `Self` is).
    fn select_steps(
        steps: Vec<(&'static PathNode, HydrateFn<Self>)>,
    ) -> Vec<(&'static PathNode, HydrateFn<M>)>;
    #[doc(hidden)]
    /// The steps, as steps of `M` (which `Self` is).
    fn prefetch_steps(
        steps: Vec<(&'static PathNode, PrefetchFn<Self>)>,
    ) -> Vec<(&'static PathNode, PrefetchFn<M>)>;
}
impl<M> StartsAt<M> for M {
    fn select_steps(
        steps: Vec<(&'static PathNode, HydrateFn<M>)>,
    ) -> Vec<(&'static PathNode, HydrateFn<M>)> {
        steps
    }
    fn prefetch_steps(
        steps: Vec<(&'static PathNode, PrefetchFn<M>)>,
    ) -> Vec<(&'static PathNode, PrefetchFn<M>)> {
        steps
    }
}

/// What `select_related` takes: a foreign-key or one-to-one path from `M`
/// (`invoice_line::track.album()`), or a tuple of them.
pub trait SelectRelated<M: Model> {
    #[doc(hidden)]
    fn push(self, out: &mut Vec<(&'static PathNode, HydrateFn<M>)>);
}

impl<M: Model, R> SelectRelated<M> for R
where
    R: crate::path::RelPath,
    R::P: LoadPath,
    <R::P as PathLike>::Root: StartsAt<M>,
    <R::P as PathLike>::Card: ToOnePath,
{
    fn push(self, out: &mut Vec<(&'static PathNode, HydrateFn<M>)>) {
        let mut steps = Vec::new();
        <R::P as LoadPath>::select_steps(&mut steps);
        out.extend(<<R::P as PathLike>::Root as StartsAt<M>>::select_steps(
            steps,
        ));
    }
}

/// What `prefetch_related` takes: a relation path from `M` of any kind and
/// depth (`artist::albums.tracks()`), or a tuple of them.
pub trait PrefetchRelated<M: Model> {
    #[doc(hidden)]
    fn push(self, out: &mut Vec<(&'static PathNode, PrefetchFn<M>)>);
}

/// A path `prefetch_related` can follow: each step's slot can take the
/// rows read (a foreign key copies its row to every row pointing at it, so
/// it needs `Clone`).
pub trait PrefetchPath: LoadPath {
    #[doc(hidden)]
    fn prefetch_steps(out: &mut Vec<(&'static PathNode, PrefetchFn<Self::Root>)>);
}

impl<M: Model> PrefetchPath for Root<M> {
    fn prefetch_steps(_: &mut Vec<(&'static PathNode, PrefetchFn<M>)>) {}
}

impl<M, const I: usize, Prev> PrefetchPath for Join<M, I, Prev>
where
    M: Relation<I>,
    M::Slot: crate::relation::TakeRows<M::Target>,
    Prev: PrefetchPath<At = M>,
{
    fn prefetch_steps(out: &mut Vec<(&'static PathNode, PrefetchFn<Self::Root>)>) {
        Prev::prefetch_steps(out);
        if let Some(node) = Self::NODE {
            out.push((node, prefetch_level::<M, I, Prev>));
        }
    }
}

impl<M: Model, R> PrefetchRelated<M> for R
where
    R: crate::path::RelPath,
    <R::P as PathLike>::Root: StartsAt<M>,
    R::P: PrefetchPath,
{
    fn push(self, out: &mut Vec<(&'static PathNode, PrefetchFn<M>)>) {
        let mut steps = Vec::new();
        <R::P as PrefetchPath>::prefetch_steps(&mut steps);
        out.extend(<<R::P as PathLike>::Root as StartsAt<M>>::prefetch_steps(
            steps,
        ));
    }
}

macro_rules! tuples {
    ($($t:ident),*) => {
        impl<M: Model, $($t: SelectRelated<M>),*> SelectRelated<M> for ($($t,)*) {
            #[allow(non_snake_case)]
            fn push(self, out: &mut Vec<(&'static PathNode, HydrateFn<M>)>) {
                let ($($t,)*) = self;
                $($t.push(out);)*
            }
        }
        impl<M: Model, $($t: PrefetchRelated<M>),*> PrefetchRelated<M> for ($($t,)*) {
            #[allow(non_snake_case)]
            fn push(self, out: &mut Vec<(&'static PathNode, PrefetchFn<M>)>) {
                let ($($t,)*) = self;
                $($t.push(out);)*
            }
        }
    };
}
tuples!(A, B);
tuples!(A, B, C);
tuples!(A, B, C, D);
tuples!(A, B, C, D, E);
tuples!(A, B, C, D, E, F);

/// Adds the steps not there yet (by content), keeping the order: a prefix
/// always comes before the longer path.
pub(crate) fn add_steps<F>(
    list: &mut Vec<(&'static PathNode, F)>,
    new: Vec<(&'static PathNode, F)>,
) {
    for (node, f) in new {
        if !list.iter().any(|(n, _)| n.same(node)) {
            list.push((node, f));
        }
    }
}

/// A key as a map key (a `Value` is not `Hash`: it may be a float).
#[derive(PartialEq, Eq, Hash)]
enum KeyOf {
    Int(i64),
    Real(u64),
    Text(String),
    Bytes(Vec<u8>),
}

fn key_of(v: &Value) -> Option<KeyOf> {
    Some(match v {
        Value::Null | Value::List(_) => return None,
        Value::Integer(n) => KeyOf::Int(*n),
        Value::Real(f) => KeyOf::Real(f.to_bits()),
        Value::Text(s) => KeyOf::Text(s.clone()),
        Value::Blob(b) => KeyOf::Bytes(b.clone()),
    })
}

/// The value a row of the level before holds for step `M.I`: its foreign
/// key (forward), else its primary key.
fn near_key<M: Relation<I>, const I: usize>(m: &M) -> Option<Value> {
    if M::REL.kind == RelKind::ForeignKey {
        m.slot().key()
    } else {
        Some(m.pk_value())
    }
}

/// One `prefetch_related` level: the step `Join<M, I, Prev>`, whose rows
/// `Prev` are loaded. One statement on the list of keys, bound as one
/// parameter when long:
///
/// - foreign key: `SELECT <to> FROM "to" WHERE "to"."pk" IN (keys)`;
/// - reverse: `SELECT <to> FROM "to" WHERE "to"."fk" IN (keys)`;
/// - many-to-many: `SELECT <to>, "pairs"."near" FROM "to" INNER JOIN
///   "pairs" ON "pairs"."far" = "to"."pk" WHERE "pairs"."near" IN (keys)`.
fn prefetch_level<M, const I: usize, Prev>(db: &Db, roots: &mut [Prev::Root]) -> Result<()>
where
    M: Relation<I>,
    M::Slot: crate::relation::TakeRows<M::Target>,
    Prev: PrefetchPath<At = M>,
{
    use crate::relation::TakeRows;
    let rel = M::REL;
    let to = <M::Target as Model>::META;
    let mut keys = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for root in roots.iter() {
        Prev::visit(root, &mut |m: &M| {
            if let Some(k) = near_key::<M, I>(m)
                && let Some(h) = key_of(&k)
                && seen.insert(h)
            {
                keys.push(k);
            }
        });
    }
    drop(seen);
    let mut groups: HashMap<KeyOf, Vec<M::Target>> = HashMap::new();
    if !keys.is_empty() {
        let n = to.fields.len();
        let (key_col, key_index, through) = match (rel.kind, rel.through) {
            (RelKind::ManyToMany, Some((table, near, far))) => (
                Column {
                    table: TableName::Table(table),
                    name: near,
                    field: None,
                    path: None,
                },
                n,
                Some((table, far)),
            ),
            (RelKind::Reverse, _) => {
                let i = to
                    .fields
                    .iter()
                    .position(|f| f.column == rel.far_col)
                    .unwrap_or(to.pk);
                (Column::of_field(to.table, rel.far_col, i), i, None)
            }
            _ => (Column::of_field(to.table, rel.far_col, to.pk), to.pk, None),
        };
        let filter = Cond::In {
            lhs: Expr::Column(key_col),
            values: keys,
            nullable: false,
        };
        let model = crate::exec::model_ref::<M::Target>();
        let mut select = Select {
            filter: Some(&filter),
            ..Select::new(SelectColumns::Model(model), to.table)
        };
        let joins;
        if let Some((table, far)) = through {
            let mut cols: Vec<Expr> = (0..n)
                .map(|i| Expr::Column(Column::of_field(to.table, to.fields[i].column, i)))
                .collect();
            cols.push(Expr::Column(key_col));
            select.columns = SelectColumns::Exprs(Cow::Owned(cols));
            joins = [crate::tree::Join {
                kind: crate::tree::JoinKind::Inner,
                table,
                alias: None,
                on: Cond::Cmp {
                    lhs: Expr::Column(Column::new(table, far)),
                    op: crate::tree::Cmp::Eq,
                    rhs: Expr::Column(model.pk_column()),
                    nullable: false,
                },
            }];
            select.joins = Cow::Borrowed(&joins);
        }
        crate::exec::each_row(db, &select, model, &mut |row| {
            let t = M::Target::from_row(row, 0)?;
            let k = if rel.kind == RelKind::ForeignKey {
                t.pk_value()
            } else {
                row.value(key_index)?
            };
            if let Some(h) = key_of(&k) {
                groups.entry(h).or_default().push(t);
            }
            Ok(())
        })?;
    }
    for root in roots.iter_mut() {
        Prev::visit_mut(root, &mut |m: &mut M| {
            let k = near_key::<M, I>(m);
            if let Some(k) = k {
                let group = key_of(&k).and_then(|h| groups.get_mut(&h));
                m.slot_mut().take_rows(group);
            }
        });
    }
    Ok(())
}
