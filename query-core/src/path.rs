//! Typed relation paths: `track::album.artist().name()`.
//!
//! A path is a zero-sized value whose *type* lists its steps from the
//! model queried: `Join<Album, 2, Join<Track, 3, Root<Track>>>` is
//! `track.album.artist` (the numbers are the relation fields' positions in
//! their structs). From the type the compiler works out the model queried
//! ([`PathLike::Root`]), the model reached ([`PathLike::At`], whose derive
//! wrote one method per field on its path type `<At as Model>::Path<P>`),
//! whether a NULL can come through ([`PathLike::Null`], folded into the end
//! field's type: `T` becomes `Option<T>`), whether a step is to-many
//! ([`PathLike::Card`]), and the join data ([`PathLike::NODE`]: a
//! `&'static PathNode` built at compile time). So building a path allocates
//! nothing, and a condition carries it as one pointer.
//!
//! The design and its reasoning: `docs/relations-design.md`.

use std::marker::PhantomData;

use crate::model::Model;
use crate::query::{Condition, Field, Q};
use crate::tree::{Cmp, Column, Cond, Expr, PathNode, RelKind, RelMeta, TableName};
use crate::types::FieldType;

/// The path never gives NULL.
pub enum NotNull {}
/// The path can give NULL (a nullable foreign key or a to-many step on
/// the way).
pub enum Null {}
/// Every step is to-one.
pub enum ToOne {}
/// Some step is to-many.
pub enum ToMany {}

/// Whether a path can give NULL so far (`Null` absorbs).
pub trait Nullness: 'static {
    /// `Null`.
    const NULLABLE: bool;
    #[doc(hidden)]
    type Or<B: Nullness>: Nullness;
}

impl Nullness for NotNull {
    const NULLABLE: bool = false;
    type Or<B: Nullness> = B;
}

impl Nullness for Null {
    const NULLABLE: bool = true;
    type Or<B: Nullness> = Null;
}

/// A field of type `T` seen through a path: `T`, or `Option<T>` when a NULL
/// can come through. (A trait of the nullness rather than a bound on `T`, so
/// that the derive's path methods state it as a bound on the path, checked
/// where a method is used: a field of an unsupported type is then one error,
/// on the type.)
pub trait FoldField<T>: Nullness {
    /// The type seen.
    type Out: FieldType;
}

impl<T: FieldType> FoldField<T> for NotNull {
    type Out = T;
}

impl<T: FieldType> FoldField<T> for Null {
    type Out = Option<T::Scalar>;
}

/// Whether some step of a path so far is to-many (`ToMany` absorbs).
pub trait Cardinality: 'static {
    #[doc(hidden)]
    type And<B: Cardinality>: Cardinality;
}

impl Cardinality for ToOne {
    type And<B: Cardinality> = B;
}

impl Cardinality for ToMany {
    type And<B: Cardinality> = ToMany;
}

/// The type `T` of a field of the model reached, seen from the model
/// queried.
pub type Folded<P, T> = <<P as PathLike>::Null as FoldField<T>>::Out;

/// What the derive of `M` implements for its relation field number `I`.
pub trait Relation<const I: usize>: Model {
    /// The model reached.
    type Target: Model;
    /// `Null` for `Option<ForeignKey<_>>`, `Related<_>` and `ManyToMany<_>`.
    type Null: Nullness;
    /// `ToMany` for `Related<_>` and `ManyToMany<_>`.
    type Card: Cardinality;
    /// The relation's join data.
    const REL: &'static RelMeta;
    #[doc(hidden)]
    /// The field's type (what `select_related` and `prefetch_related`
    /// fill).
    type Slot: crate::relation::RelSlot<Self::Target>;
    #[doc(hidden)]
    /// The field.
    fn slot(&self) -> &Self::Slot;
    #[doc(hidden)]
    /// The field.
    fn slot_mut(&mut self) -> &mut Self::Slot;
}

/// A path from the model queried ([`Root`](PathLike::Root)) to the model
/// reached ([`At`](PathLike::At)).
#[diagnostic::on_unimplemented(message = "`{Self}` is not a relation path")]
pub trait PathLike: 'static {
    /// The model queried.
    type Root: Model;
    /// The model reached.
    type At: Model;
    /// Whether a NULL can come through.
    type Null: Nullness;
    /// Whether a step is to-many.
    type Card: Cardinality;
    /// The join data; `None` for the empty path.
    const NODE: Option<&'static PathNode>;
    /// The number of steps.
    const DEPTH: usize;
}

/// The empty path at model `M`.
pub struct Root<M>(PhantomData<fn() -> M>);

impl<M: Model> PathLike for Root<M> {
    type Root = M;
    type At = M;
    type Null = NotNull;
    type Card = ToOne;
    const NODE: Option<&'static PathNode> = None;
    const DEPTH: usize = 0;
}

/// `Prev` followed by relation field number `I` of model `M` (the model
/// `Prev` reached; spelled out so that error messages name the models).
pub struct Join<M, const I: usize, Prev>(PhantomData<fn() -> (M, Prev)>);

impl<M, const I: usize, Prev> PathLike for Join<M, I, Prev>
where
    M: Relation<I>,
    Prev: PathLike<At = M>,
{
    type Root = Prev::Root;
    type At = M::Target;
    type Null = <Prev::Null as Nullness>::Or<M::Null>;
    type Card = <Prev::Card as Cardinality>::And<M::Card>;
    const DEPTH: usize = Prev::DEPTH + 1;
    // One node per path type, computed at compile time.
    const NODE: Option<&'static PathNode> = Some(&PathNode {
        rel: M::REL,
        prev: Prev::NODE,
        depth: Prev::DEPTH + 1,
    });
}

/// What every generated path type (`album::AlbumPath<P>`) is: a `Copy`
/// zero-sized value naming its path, constructible in a `const`.
pub trait RelPath: Copy + 'static {
    /// The path.
    type P: PathLike;
    #[doc(hidden)]
    const NEW: Self;
}

/// The part of a relation path that is the same for every model: what a
/// generated path type derefs to (`isnull`, `eq`, `id`-less lookups, `any`).
pub struct Rel<P>(PhantomData<fn() -> P>);

impl<P> Clone for Rel<P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P> Copy for Rel<P> {}

/// `isnull` on a relation path: only where a NULL can come through.
#[diagnostic::on_unimplemented(
    message = "`isnull` on a path that is never NULL",
    label = "every step of this path is a non-nullable foreign key",
    note = "`isnull` exists on paths through an `Option<ForeignKey<_>>`, a `Related<_>` or a `ManyToMany<_>`"
)]
pub trait CanBeNull {}
impl CanBeNull for Null {}

/// (For models whose derive failed: their path type.)
impl<P: PathLike> RelPath for Rel<P> {
    type P = P;
    const NEW: Self = Rel(PhantomData);
}

impl<P: PathLike> Rel<P> {
    #[doc(hidden)]
    pub const NEW: Self = Rel(PhantomData);

    /// The path's last step. Evaluated at compile time: a `Rel` over the
    /// empty path (which the derive never builds) fails to compile rather
    /// than reaching a panic at run time.
    const LAST: &'static PathNode = match P::NODE {
        Some(node) => node,
        None => panic!("a relation path has at least one step"),
    };

    #[inline]
    fn last() -> &'static PathNode {
        Self::LAST
    }

    #[doc(hidden)]
    /// Used by the derive: field number `index` (column `column`) of the
    /// model reached, as a field of the model queried. The primary key of a
    /// model reached by a foreign key is the key column itself: no join.
    #[inline]
    pub fn field<T>(self, index: usize, column: &'static str) -> Field<P::Root, Folded<P, T>>
    where
        P::Null: FoldField<T>,
    {
        let node = Self::last();
        if index == <P::At as Model>::META.pk && node.rel.kind == RelKind::ForeignKey {
            return Field::from_column(node.rel.near_col, node.rel.fk_field, node.prev);
        }
        Field::from_column(column, index, Some(node))
    }

    /// The column that is NULL exactly when there is no related row.
    pub(crate) fn key_column() -> Column {
        let node = Self::last();
        let meta = <P::At as Model>::META;
        let (name, field, path) = if node.rel.kind == RelKind::ForeignKey {
            (node.rel.near_col, node.rel.fk_field, node.prev)
        } else {
            (meta.pk_field().column, meta.pk, Some(node))
        };
        let table = match path {
            Some(p) => p.rel.to.table,
            None => <P::Root as Model>::META.table,
        };
        Column {
            table: TableName::Table(table),
            name,
            field: Some(field),
            path,
        }
    }

    /// No related row (`album__isnull=True`); only on paths that can be
    /// NULL.
    pub fn isnull(self, is_null: bool) -> Q<P::Root>
    where
        P::Null: CanBeNull,
    {
        Q::from_node(Cond::IsNull {
            lhs: Expr::Column(Self::key_column()),
            is_null,
        })
    }

    /// The related row is `row` (`album=some_album`): compares keys, so a
    /// foreign key needs no join.
    pub fn eq(self, row: &P::At) -> Q<P::Root> {
        Q::from_node(Cond::Cmp {
            lhs: Expr::Column(Self::key_column()),
            op: Cmp::Eq,
            rhs: Expr::Value(row.pk_value()),
            nullable: <P::Null as Nullness>::NULLABLE,
        })
    }

    /// Some related row matches `condition`, as one `EXISTS` subquery: no
    /// duplicate rows, whatever the number of matches.
    pub fn any(self, condition: impl Condition<P::At>) -> Q<P::Root> {
        Q::from_node(Cond::Exists {
            path: Self::last(),
            inner: Box::new(condition.into_q().node),
        })
    }

    /// The path's join data (for `select_related` and `prefetch_related`).
    pub fn node(self) -> &'static PathNode {
        Self::last()
    }
}

impl<M, const I: usize> Rel<Join<M, I, Root<M>>>
where
    M: Relation<I, Card = ToMany>,
{
    /// The rows related to `row` along this to-many relation, as a query
    /// set to filter further: Django's `artist.albums.all()`
    /// (`artist::albums.of(&acdc)`).
    ///
    /// SQL: `WHERE "album"."artist_id" = ?` (reverse foreign key);
    /// `WHERE "track"."id" IN (SELECT "pairs"."far" FROM "pairs" WHERE
    /// "pairs"."near" = ?)` (many-to-many).
    pub fn of(self, row: &M) -> crate::queryset::QuerySet<M::Target> {
        let rel = M::REL;
        let to = <M::Target as Model>::META;
        let value = row.pk_value();
        let cond = match rel.through {
            Some((table, near, far)) if rel.kind == RelKind::ManyToMany => Cond::InPairs {
                key: Column::of_field(to.table, to.pk_field().column, to.pk),
                table,
                near,
                far,
                value,
            },
            _ => {
                let field = to.fields.iter().position(|f| f.column == rel.far_col);
                Cond::Cmp {
                    lhs: Expr::Column(Column {
                        table: TableName::Table(to.table),
                        name: rel.far_col,
                        field,
                        path: None,
                    }),
                    op: Cmp::Eq,
                    rhs: Expr::Value(value),
                    nullable: false,
                }
            }
        };
        crate::queryset::QuerySet::new().filter(Q::<M::Target>::from_node(cond))
    }
}
