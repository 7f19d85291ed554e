//! Prototype of typed relation paths for `query` (issue 10).
//!
//! Layout mirrors the real crate: `types` (field types and lookup capability
//! traits), `tree` (the owned statement data), `path` (the type-level paths
//! and their static join-step data), `query` (`Field`, `Q`, orderings) and
//! `queryset` (a toy `QuerySet` with a toy SQL writer, only to show that
//! the data carried by `Cond` is enough to write the joins).

pub mod path;
pub mod query;
pub mod queryset;
pub mod tree;
pub mod types;

pub use path::{
    Folded, Join, Null, NotNull, PathLike, PathNode, Rel, RelKind, RelMeta, RelPath, Relation,
    Root, ToMany, ToOne,
};
pub use query::{Condition, Field, IntoOrder, Order, Q};
pub use queryset::QuerySet;
pub use types::{FieldType, IntoValue, Nullable, Ordered, Scalar, TextLookup};

/// The description of a model's table (as in `query-core/src/meta.rs`).
#[derive(Debug)]
pub struct ModelMeta {
    pub name: &'static str,
    pub table: &'static str,
    pub fields: &'static [FieldMeta],
    pub pk: usize,
}

/// One column. `fk_to` is the table a foreign key column points at.
#[derive(Debug)]
pub struct FieldMeta {
    pub name: &'static str,
    pub column: &'static str,
    pub nullable: bool,
    pub fk_to: Option<&'static str>,
}

impl FieldMeta {
    pub const fn new(name: &'static str, column: &'static str, nullable: bool) -> Self {
        FieldMeta { name, column, nullable, fk_to: None }
    }
    pub const fn fk(mut self, table: &'static str) -> Self {
        self.fk_to = Some(table);
        self
    }
}

/// The model trait, reduced to what paths need.
pub trait Model: Sized + 'static {
    const META: &'static ModelMeta;
    /// The path type the derive generates for this model (`AlbumPath<P>`):
    /// one method per field of the model. Other models' derives reach it
    /// through this projection, never by name, so the module it lives in
    /// (renamed or not, declared before or after) does not matter.
    type Path<P: PathLike<At = Self>>: RelPath<P = P>;
    fn pk_value(&self) -> tree::Value;
}

/// A foreign key value (the column holds `T`'s key).
pub struct ForeignKey<T> {
    id: i64,
    cache: Option<Box<T>>,
}

impl<T> ForeignKey<T> {
    pub fn new(id: i64) -> Self {
        ForeignKey { id, cache: None }
    }
    pub fn id(&self) -> i64 {
        self.id
    }
    pub fn get(&self) -> Option<&T> {
        self.cache.as_deref()
    }
}

/// The reverse side of a foreign key, or a many-to-many: no column.
pub struct Related<T>(#[allow(dead_code)] Option<Vec<T>>);
impl<T> Default for Related<T> {
    fn default() -> Self {
        Related(None)
    }
}
pub type ManyToMany<T> = Related<T>;

#[doc(hidden)]
pub mod __private {
    /// `a == b` for `&str` in a const context (for the reverse check).
    pub const fn str_eq(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }
}
