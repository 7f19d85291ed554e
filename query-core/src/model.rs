//! The `Model` trait and the table description the derive produces.

use std::sync::OnceLock;

use rusqlite::{Row, Statement};

use crate::db::Db;
use crate::error::{Error, Result};
use crate::queryset::QuerySet;
use crate::validation::ValidationErrors;
use crate::value::{SqlType, Value};

/// A database table, described by `#[derive(Model)]`.
///
/// The derive implements it; the methods users call are [`objects`](Model::objects),
/// [`save`](Model::save), [`delete`](Model::delete) and
/// [`full_clean`](Model::full_clean). The hidden methods are the derive's
/// business and may change between releases.
pub trait Model: Sized + 'static {
    /// The table description: name, columns, primary key.
    const META: &'static ModelMeta;

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

    /// Deletes this instance's row by primary key; returns the number of rows
    /// deleted (0 or 1). An instance whose automatic key is still 0 was never
    /// saved: that is `Error::NotSaved`.
    fn delete(&self, db: &Db) -> Result<usize> {
        crate::exec::delete_instance(db, self)
    }

    /// Runs every field's validation (`max_length` in characters, `email`,
    /// `url`, `choices`) and returns all failures at once as
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
    /// Reads a row whose columns are `META.fields` in order, from index 0.
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self>;

    #[doc(hidden)]
    /// Binds the columns in `META.fields` order from parameter index `first`
    /// (1-based), skipping the primary key unless `with_pk`. Returns the next
    /// free index.
    fn bind_columns(
        &self,
        stmt: &mut Statement<'_>,
        first: usize,
        with_pk: bool,
    ) -> rusqlite::Result<usize>;

    #[doc(hidden)]
    /// The primary key as a bound value.
    fn pk_value(&self) -> Value;

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

/// The description of a model's table.
#[derive(Debug)]
#[non_exhaustive]
pub struct ModelMeta {
    /// The struct's name (`Product`), used in messages.
    pub name: &'static str,
    /// The table's name (`product`, or `#[model(table = "...")]`).
    pub table: &'static str,
    /// The columns, in the struct's order.
    pub fields: &'static [FieldMeta],
    /// Index of the primary key in `fields`.
    pub pk: usize,
}

impl ModelMeta {
    #[doc(hidden)]
    pub const fn new(
        name: &'static str,
        table: &'static str,
        fields: &'static [FieldMeta],
        pk: usize,
    ) -> Self {
        ModelMeta {
            name,
            table,
            fields,
            pk,
        }
    }

    /// The primary key's description.
    pub fn pk_field(&self) -> &'static FieldMeta {
        &self.fields[self.pk]
    }
}

/// The description of one column.
#[derive(Debug)]
#[non_exhaustive]
pub struct FieldMeta {
    /// The Rust field's name.
    pub name: &'static str,
    /// The column's name (the field's name, or `#[field(column = "...")]`).
    pub column: &'static str,
    /// How the column is stored.
    pub sql_type: SqlType,
    /// `Option<T>` fields allow NULL.
    pub nullable: bool,
    /// The primary key.
    pub primary_key: bool,
    /// An integer primary key the database assigns.
    pub auto: bool,
    /// `#[field(unique)]`.
    pub unique: bool,
    /// `#[field(db_index)]`.
    pub db_index: bool,
    /// `#[field(max_length = N)]`; 254 for `email` and 200 for `url` unless given.
    pub max_length: Option<u32>,
    /// `#[field(email)]`.
    pub email: bool,
    /// `#[field(url)]`.
    pub url: bool,
    /// `#[field(auto_now)]`.
    pub auto_now: bool,
    /// `#[field(auto_now_add)]`.
    pub auto_now_add: bool,
    /// `#[field(default = EXPR)]`, evaluated when the schema is written.
    pub default: Option<fn() -> Value>,
    /// `#[field(choices = [...])]`.
    pub choices: Option<fn() -> Vec<Value>>,
}

#[doc(hidden)]
impl FieldMeta {
    pub const fn new(
        name: &'static str,
        column: &'static str,
        sql_type: SqlType,
        nullable: bool,
    ) -> Self {
        FieldMeta {
            name,
            column,
            sql_type,
            nullable,
            primary_key: false,
            auto: false,
            unique: false,
            db_index: false,
            max_length: None,
            email: false,
            url: false,
            auto_now: false,
            auto_now_add: false,
            default: None,
            choices: None,
        }
    }
    pub const fn primary_key(mut self, auto: bool) -> Self {
        self.primary_key = true;
        self.auto = auto;
        self
    }
    pub const fn unique(mut self) -> Self {
        self.unique = true;
        self
    }
    pub const fn db_index(mut self) -> Self {
        self.db_index = true;
        self
    }
    pub const fn max_length(mut self, n: u32) -> Self {
        self.max_length = Some(n);
        self
    }
    pub const fn email(mut self) -> Self {
        self.email = true;
        self
    }
    pub const fn url(mut self) -> Self {
        self.url = true;
        self
    }
    pub const fn auto_now(mut self) -> Self {
        self.auto_now = true;
        self
    }
    pub const fn auto_now_add(mut self) -> Self {
        self.auto_now_add = true;
        self
    }
    pub const fn default(mut self, f: fn() -> Value) -> Self {
        self.default = Some(f);
        self
    }
    pub const fn choices(mut self, f: fn() -> Vec<Value>) -> Self {
        self.choices = Some(f);
        self
    }
}

/// A model linked into the program, registered by `#[derive(Model)]`.
///
/// Migrations read the registry, so that a model is declared once, where it
/// is defined, and never listed by hand.
#[derive(Debug)]
pub struct RegisteredModel {
    /// The model's table description.
    pub meta: &'static ModelMeta,
}

impl RegisteredModel {
    #[doc(hidden)]
    pub const fn new(meta: &'static ModelMeta) -> Self {
        RegisteredModel { meta }
    }
}

inventory::collect!(RegisteredModel);

/// Every model linked into this program (each `#[derive(Model)]` struct),
/// sorted by table name.
pub fn registered_models() -> Vec<&'static ModelMeta> {
    let mut models: Vec<&'static ModelMeta> = inventory::iter::<RegisteredModel>
        .into_iter()
        .map(|r| r.meta)
        .collect();
    models.sort_by_key(|m| m.table);
    models.dedup_by_key(|m| m.table);
    models
}

/// The SQL texts that depend only on the model, built once per program:
/// the select list and the single-row `INSERT`, `UPDATE` and `DELETE` by key.
///
/// Texts are SQLite's, the one dialect `Db` speaks; a second dialect gets a
/// cache of its own.
#[doc(hidden)]
#[derive(Debug)]
pub struct StatementCache {
    pub(crate) select_list: OnceLock<String>,
    /// `"table"."column"` for each field, in `META.fields` order.
    pub(crate) qualified: OnceLock<Box<[String]>>,
    /// `"table"`.
    pub(crate) table: OnceLock<String>,
    pub(crate) insert: [OnceLock<String>; 2],
    pub(crate) update_by_pk: OnceLock<String>,
    pub(crate) delete_by_pk: OnceLock<String>,
}

impl StatementCache {
    #[doc(hidden)]
    #[allow(clippy::new_without_default)] // built in a `static` by the derive
    pub const fn new() -> Self {
        StatementCache {
            select_list: OnceLock::new(),
            qualified: OnceLock::new(),
            table: OnceLock::new(),
            insert: [OnceLock::new(), OnceLock::new()],
            update_by_pk: OnceLock::new(),
            delete_by_pk: OnceLock::new(),
        }
    }
}
