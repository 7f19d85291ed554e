//! Relation fields: `ForeignKey<T>` and `OneToOne<T>` (a column holding
//! `T`'s key), and `Related<T>` and `ManyToMany<T>` (no column: the rows
//! `prefetch_related` loaded).

use std::fmt;

use crate::backend::{Binder, Row};
use crate::db::Db;
use crate::error::Result;
use crate::model::Model;
use crate::types::{FieldType, Scalar};
use crate::value::{SqlType, Value};

/// A foreign key to model `T`: Django's `ForeignKey`. The column
/// (`<field>_id` unless `column = ".."` says otherwise) holds `T`'s primary
/// key; the related row is loaded by [`fetch`](ForeignKey::fetch), or in the
/// same statement by `select_related`.
///
/// Declared with the required `on_delete`:
///
/// ```
/// # use query::prelude::*;
/// #[derive(Model, Debug, Clone)]
/// pub struct Artist { pub id: i64, pub name: String }
///
/// #[derive(Model, Debug, Clone)]
/// pub struct Album {
///     pub id: i64,
///     pub title: String,
///     #[field(on_delete = Cascade)]
///     pub artist: ForeignKey<Artist>,
/// }
/// # fn main() {}
/// ```
pub struct ForeignKey<T: Model> {
    key: T::Key,
    loaded: Option<Box<T>>,
}

/// A one-to-one relation to model `T`: a [`ForeignKey`] whose column is
/// unique (Django's `OneToOneField`).
pub type OneToOne<T> = ForeignKey<T>;

impl<T: Model> ForeignKey<T> {
    /// The key of the row pointed at.
    pub fn new(key: T::Key) -> Self {
        ForeignKey { key, loaded: None }
    }

    /// The key of the row pointed at (Django's `album.artist_id`).
    pub fn id(&self) -> T::Key {
        self.key.clone()
    }

    /// The row pointed at, when `select_related` loaded it.
    pub fn get(&self) -> Option<&T> {
        self.loaded.as_deref()
    }

    /// Reads the row pointed at (one query): Django's `album.artist`.
    /// `Error::DoesNotExist` when no row has the key.
    pub fn fetch(&self, db: &Db) -> Result<T> {
        crate::exec::get_by_key::<T>(db, self.key.to_value())
    }

    #[doc(hidden)]
    /// Keeps the row `select_related` read with the key.
    pub fn set_loaded(&mut self, row: T) {
        self.loaded = Some(Box::new(row));
    }
}

impl<T: Model> From<&T> for ForeignKey<T> {
    fn from(row: &T) -> Self {
        ForeignKey::new(row.key())
    }
}

impl<T: Model + Clone> Clone for ForeignKey<T> {
    fn clone(&self) -> Self {
        ForeignKey {
            key: self.key.clone(),
            loaded: self.loaded.clone(),
        }
    }
}

impl<T: Model> fmt::Debug for ForeignKey<T>
where
    T::Key: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ForeignKey<{}>({:?})", T::META.name, self.key)
    }
}

/// Two foreign keys are equal when they point at the same row (as Django
/// compares model instances by key).
impl<T: Model> PartialEq for ForeignKey<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl<T: Model> FieldType for ForeignKey<T> {
    type Scalar = T::Key;
    const NULLABLE: bool = false;
    const SQL_TYPE: SqlType = <T::Key as Scalar>::SQL_TYPE;

    fn to_value(&self) -> Value {
        self.key.to_value()
    }
    fn read(row: &Row<'_>, index: usize) -> Result<Self> {
        T::Key::read(row, index).map(ForeignKey::new)
    }
    fn bind(&self, binder: &mut Binder<'_, '_>) -> Result<()> {
        self.key.bind(binder)
    }
}

impl<T: Model> FieldType for Option<ForeignKey<T>> {
    type Scalar = T::Key;
    const NULLABLE: bool = true;
    const SQL_TYPE: SqlType = <T::Key as Scalar>::SQL_TYPE;

    fn to_value(&self) -> Value {
        match self {
            Some(fk) => fk.key.to_value(),
            None => Value::Null,
        }
    }
    fn read(row: &Row<'_>, index: usize) -> Result<Self> {
        Ok(Option::<T::Key>::read(row, index)?.map(ForeignKey::new))
    }
    fn bind(&self, binder: &mut Binder<'_, '_>) -> Result<()> {
        match self {
            Some(fk) => fk.key.bind(binder),
            None => binder.bind_null(),
        }
    }
}

impl<T: Model> crate::types::Nullable for Option<ForeignKey<T>> {}

/// The rows of model `T` that point at this one: the reverse side of a
/// `ForeignKey<Self>` or a `ManyToMany<Self>` field of `T` (declared with
/// `reverse = "field"`; Django's `related_name`). Not a column: it holds
/// what `prefetch_related` loaded.
pub struct Related<T> {
    rows: Option<Vec<T>>,
}

/// A many-to-many relation to model `T` (Django's `ManyToManyField`), through
/// a table of pairs. Not a column: it holds what `prefetch_related` loaded.
pub struct ManyToMany<T> {
    rows: Option<Vec<T>>,
}

macro_rules! loaded_rows {
    ($($ty:ident),*) => {$(
        impl<T> $ty<T> {
            /// The rows `prefetch_related` loaded; `None` when not loaded.
            pub fn get(&self) -> Option<&[T]> {
                self.rows.as_deref()
            }

            #[doc(hidden)]
            /// Keeps the rows `prefetch_related` read.
            pub fn set_loaded(&mut self, rows: Vec<T>) {
                self.rows = Some(rows);
            }
        }

        impl<T> Default for $ty<T> {
            fn default() -> Self {
                $ty { rows: None }
            }
        }

        impl<T: Clone> Clone for $ty<T> {
            fn clone(&self) -> Self {
                $ty { rows: self.rows.clone() }
            }
        }

        impl<T> fmt::Debug for $ty<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match &self.rows {
                    Some(rows) => write!(f, "{}({} loaded)", stringify!($ty), rows.len()),
                    None => write!(f, "{}(not loaded)", stringify!($ty)),
                }
            }
        }

        /// Relation slots don't take part in comparing models.
        impl<T> PartialEq for $ty<T> {
            fn eq(&self, _: &Self) -> bool {
                true
            }
        }
    )*};
}
loaded_rows!(Related, ManyToMany);

/// A relation field as `select_related` and `prefetch_related` fill it
/// (implemented by `ForeignKey<T>`, `Option<ForeignKey<T>>`, `Related<T>`
/// and `ManyToMany<T>`).
#[doc(hidden)]
pub trait RelSlot<T> {
    /// The key held: a foreign key's, `None` for a NULL key and for the
    /// to-many slots (which hold no key).
    fn key(&self) -> Option<Value>;
    /// The rows loaded (none when not loaded).
    fn loaded(&self) -> &[T];
    /// The rows loaded (none when not loaded).
    fn loaded_mut(&mut self) -> &mut [T];
    /// Keeps one row read by `select_related` (a NULL key keeps nothing).
    fn set_one(&mut self, row: T);
}

/// Keeps the rows `prefetch_related` read for one row's key (`None`: no
/// related row). The to-many slots take the rows; a foreign key copies its
/// row, which other rows may point at too, so it needs `T: Clone`.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`prefetch_related` along a foreign key copies the row to each row pointing at it: `{T}` must be `Clone`",
    note = "`select_related` loads a foreign key in the same statement and needs no `Clone`"
)]
pub trait TakeRows<T> {
    /// Keeps the rows.
    fn take_rows(&mut self, rows: Option<&mut Vec<T>>);
}

impl<T: Model> RelSlot<T> for ForeignKey<T> {
    fn key(&self) -> Option<Value> {
        Some(self.key.to_value())
    }
    fn loaded(&self) -> &[T] {
        self.loaded.as_deref().map_or(&[], std::slice::from_ref)
    }
    fn loaded_mut(&mut self) -> &mut [T] {
        self.loaded
            .as_deref_mut()
            .map_or(&mut [], std::slice::from_mut)
    }
    fn set_one(&mut self, row: T) {
        self.set_loaded(row);
    }
}

impl<T: Model> RelSlot<T> for Option<ForeignKey<T>> {
    fn key(&self) -> Option<Value> {
        self.as_ref().map(|fk| fk.key.to_value())
    }
    fn loaded(&self) -> &[T] {
        self.as_ref().map_or(&[], RelSlot::loaded)
    }
    fn loaded_mut(&mut self) -> &mut [T] {
        self.as_mut().map_or(&mut [], RelSlot::loaded_mut)
    }
    fn set_one(&mut self, row: T) {
        if let Some(fk) = self {
            fk.set_loaded(row);
        }
    }
}

impl<T: Model + Clone> TakeRows<T> for ForeignKey<T> {
    fn take_rows(&mut self, rows: Option<&mut Vec<T>>) {
        if let Some(row) = rows.and_then(|r| r.first()) {
            self.set_loaded(row.clone());
        }
    }
}

impl<T: Model + Clone> TakeRows<T> for Option<ForeignKey<T>> {
    fn take_rows(&mut self, rows: Option<&mut Vec<T>>) {
        if let Some(fk) = self {
            fk.take_rows(rows);
        }
    }
}

macro_rules! to_many_slot {
    ($($ty:ident),*) => {$(
        impl<T> RelSlot<T> for $ty<T> {
            fn key(&self) -> Option<Value> {
                None
            }
            fn loaded(&self) -> &[T] {
                self.rows.as_deref().unwrap_or(&[])
            }
            fn loaded_mut(&mut self) -> &mut [T] {
                self.rows.as_deref_mut().unwrap_or(&mut [])
            }
            fn set_one(&mut self, row: T) {
                self.rows = Some(vec![row]);
            }
        }

        /// A row of the level before that appears twice (the same key)
        /// gets the rows once; the other copy gets none.
        impl<T> TakeRows<T> for $ty<T> {
            fn take_rows(&mut self, rows: Option<&mut Vec<T>>) {
                self.rows = Some(rows.map(std::mem::take).unwrap_or_default());
            }
        }
    )*};
}
to_many_slot!(Related, ManyToMany);
