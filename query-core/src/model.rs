//! The `Model` trait and the table description the derive produces.

use crate::backend::{Binder, Row};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::path::{PathLike, RelPath};
use crate::queryset::QuerySet;
use crate::types::Scalar;
use crate::validation::ValidationErrors;
use crate::value::Value;

pub use crate::meta::{ModelMeta, StatementCache};

/// A database table, described by `#[derive(Model)]`.
///
/// The derive implements it; the methods users call are [`objects`](Model::objects),
/// [`save`](Model::save), [`delete`](Model::delete) and
/// [`full_clean`](Model::full_clean). The hidden methods are the derive's
/// business and may change between releases.
pub trait Model: Sized + 'static {
    /// The table description: name, columns, primary key.
    const META: &'static ModelMeta;

    /// The primary key's type (what a `ForeignKey<Self>` holds).
    type Key: Scalar + Clone + PartialEq;

    #[doc(hidden)]
    /// The table's name (apart from `META`, so that a model's own `META` can
    /// name the table of a model pointing back at it).
    const TABLE: &'static str;

    #[doc(hidden)]
    /// The relations the model declares forward (its foreign keys and
    /// `ManyToMany<T>` fields, never its `Related<T>` ones): what the
    /// `Related<Self>` field of another model reads at compile time to build
    /// its reverse side. (Never a reverse relation, so that evaluating one
    /// can't come back to itself, as on a self-referencing model.)
    const FORWARD_RELATIONS: &'static [&'static crate::tree::RelMeta] = &[];

    #[doc(hidden)]
    /// The model reached by a relation path `P`: one method per field,
    /// written by the derive (`product::ProductPath<P>`).
    type Path<P: PathLike<At = Self>>: RelPath<P = P>;

    /// All rows of the table, as a lazy [`QuerySet`]: Django's `Model.objects`.
    #[inline]
    fn objects() -> QuerySet<Self> {
        QuerySet::new()
    }

    /// Saves the instance: an `INSERT` when its automatic primary key is 0
    /// (and then sets the key), an `UPDATE` otherwise (falling back to an
    /// `INSERT` when no row has the key, as Django does).
    ///
    /// Runs [`full_clean`](Model::full_clean) first and writes nothing when it
    /// fails. Sets `auto_now_add` fields on insert and `auto_now` fields on
    /// every save.
    fn save(&mut self, db: &Db) -> Result<()> {
        crate::exec::save(db, self)
    }

    /// Deletes this instance's row by primary key, with what the foreign
    /// keys pointing at it say (`on_delete`: cascades, `SET NULL`, or
    /// [`Error::Protected`] / [`Error::Restricted`] and nothing deleted), in
    /// one transaction; returns the number of rows deleted, cascades
    /// included (Django's total; 0 when the row was gone). An instance whose
    /// automatic key is still 0 was never saved: that is `Error::NotSaved`.
    fn delete(&self, db: &Db) -> Result<usize> {
        crate::exec::delete_instance(db, self)
    }

    /// Runs every field's validation (`max_length` in characters, `email`,
    /// `url`, `choices`, a decimal's `max_digits` and `decimal_places`) and
    /// returns all failures at once as
    /// [`Error::Validation`].
    fn full_clean(&self) -> Result<()> {
        let mut errors = ValidationErrors::default();
        self.clean_fields(&mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(errors))
        }
    }

    #[doc(hidden)]
    /// The model's cache of statement texts (generated as a `static`).
    fn statements() -> &'static StatementCache;

    #[doc(hidden)]
    /// Reads the model from a row whose columns from index `offset` on are
    /// `META.fields` in order (a joined row holds several models).
    fn from_row(row: &Row<'_>, offset: usize) -> Result<Self>;

    #[doc(hidden)]
    /// Binds the columns in `META.fields` order as the binder's next
    /// parameters, skipping the primary key unless `with_pk`.
    fn bind_columns(&self, binder: &mut Binder<'_, '_>, with_pk: bool) -> Result<()>;

    #[doc(hidden)]
    /// The primary key as a bound value.
    fn pk_value(&self) -> Value;

    #[doc(hidden)]
    /// The primary key.
    fn key(&self) -> Self::Key;

    #[doc(hidden)]
    /// Whether the automatic primary key is still 0.
    fn pk_is_unset(&self) -> bool;

    #[doc(hidden)]
    /// Stores the key the database assigned; false when it does not fit.
    fn set_pk(&mut self, key: i64) -> bool;

    #[doc(hidden)]
    /// Sets `auto_now` fields, and `auto_now_add` fields when `insert`.
    fn pre_save(&mut self, insert: bool);

    #[doc(hidden)]
    /// Adds each bad field's messages to `errors`.
    fn clean_fields(&self, errors: &mut ValidationErrors);
}
