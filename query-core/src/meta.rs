//! The description of a model's table, which `#[derive(Model)]` writes as
//! constants: plain data that the statement tree, the writers and the
//! migrations read.

use std::sync::OnceLock;

use crate::tree::RelMeta;
use crate::value::{SqlType, Value};

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
    /// The `ManyToMany<T>` fields (no columns of this table).
    pub many_to_many: &'static [ManyToManyMeta],
    /// Every relation the model declares (foreign keys, `Related<T>`,
    /// `ManyToMany<T>`), for lookup strings (a function: each relation's
    /// description refers to this one, and constants can't refer to each
    /// other in a cycle).
    relations: fn() -> &'static [&'static RelMeta],
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
            many_to_many: &[],
            relations: no_relations,
        }
    }

    #[doc(hidden)]
    /// The same description with the relations it declares.
    pub const fn with_relations(mut self, relations: fn() -> &'static [&'static RelMeta]) -> Self {
        self.relations = relations;
        self
    }

    /// Every relation the model declares: its foreign keys, `Related<T>`
    /// and `ManyToMany<T>` fields, in the struct's order.
    pub fn relations(&self) -> &'static [&'static RelMeta] {
        (self.relations)()
    }

    #[doc(hidden)]
    /// The same description with its `ManyToMany<T>` fields.
    pub const fn with_many_to_many(mut self, many_to_many: &'static [ManyToManyMeta]) -> Self {
        self.many_to_many = many_to_many;
        self
    }

    /// The primary key's description.
    pub fn pk_field(&self) -> &'static FieldMeta {
        &self.fields[self.pk]
    }
}

fn no_relations() -> &'static [&'static RelMeta] {
    &[]
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
    /// `#[field(max_digits = N)]`: the most digits a decimal may have.
    pub max_digits: Option<u32>,
    /// `#[field(decimal_places = N)]`: the most digits after the point.
    pub decimal_places: Option<u32>,
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
    /// A `ForeignKey<T>` or `OneToOne<T>` field: the model it points at and
    /// what deleting that model's row does to this one.
    pub foreign_key: Option<ForeignKeyMeta>,
    /// The table a foreign key points at (readable at compile time, for the
    /// checks of `reverse = ".."`).
    pub fk_table: Option<&'static str>,
}

/// The target and `on_delete` of a foreign key field.
#[derive(Debug, Clone, Copy)]
pub struct ForeignKeyMeta {
    /// The model pointed at (a function: a model may point at itself, and
    /// constants can't refer to each other in a cycle).
    pub to: fn() -> &'static ModelMeta,
    /// What deleting the row pointed at does.
    pub on_delete: OnDelete,
}

/// A `ManyToMany<T>` field, for the schema and the delete collector: its
/// target, and either its automatic table of pairs or its `through` model.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ManyToManyMeta {
    /// The field's name.
    pub name: &'static str,
    /// The model reached (a function: constants can't refer to each other
    /// in a cycle).
    pub to: fn() -> &'static ModelMeta,
    /// The automatic table of pairs (`<owner table>_<field>`) and its two
    /// key columns (to the owner, to the target); `None` with `through`.
    pub pairs: Option<(&'static str, &'static str, &'static str)>,
    /// The `through = ".."` model, whose own table holds the pairs.
    pub through: Option<fn() -> &'static ModelMeta>,
}

impl ManyToManyMeta {
    #[doc(hidden)]
    /// A field with an automatic table of pairs `(table, near, far)`.
    pub const fn automatic(
        name: &'static str,
        to: fn() -> &'static ModelMeta,
        pairs: (&'static str, &'static str, &'static str),
    ) -> Self {
        ManyToManyMeta {
            name,
            to,
            pairs: Some(pairs),
            through: None,
        }
    }

    #[doc(hidden)]
    /// A field with a `through` model.
    pub const fn through(
        name: &'static str,
        to: fn() -> &'static ModelMeta,
        through: fn() -> &'static ModelMeta,
    ) -> Self {
        ManyToManyMeta {
            name,
            to,
            pairs: None,
            through: Some(through),
        }
    }
}

/// What deleting a row does to the rows whose foreign key points at it:
/// Django's `on_delete`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnDelete {
    /// Delete them too (and what points at them, in turn).
    Cascade,
    /// Refuse the delete: [`Error::Protected`](crate::Error::Protected).
    Protect,
    /// Refuse the delete, unless the rows are deleted in the same operation
    /// through a cascade from elsewhere:
    /// [`Error::Restricted`](crate::Error::Restricted).
    Restrict,
    /// Set their key to NULL (only on `Option<ForeignKey<T>>`).
    SetNull,
    /// Do nothing; the database's own constraint decides.
    DoNothing,
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
            max_digits: None,
            decimal_places: None,
            email: false,
            url: false,
            auto_now: false,
            auto_now_add: false,
            default: None,
            choices: None,
            foreign_key: None,
            fk_table: None,
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
    pub const fn decimal(mut self, max_digits: u32, decimal_places: u32) -> Self {
        self.max_digits = Some(max_digits);
        self.decimal_places = Some(decimal_places);
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
    pub const fn foreign_key(
        mut self,
        to: fn() -> &'static ModelMeta,
        on_delete: OnDelete,
        table: &'static str,
    ) -> Self {
        self.foreign_key = Some(ForeignKeyMeta { to, on_delete });
        self.fk_table = Some(table);
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
/// the select list (the same on every backend: identifiers are quoted alike)
/// and, per backend, the single-row `INSERT`, `UPDATE` and `DELETE` by key.
#[doc(hidden)]
#[derive(Debug)]
pub struct StatementCache {
    pub(crate) select_list: OnceLock<String>,
    /// The column list unqualified (`"a", "b"`), for one-table statements.
    pub(crate) bare_list: OnceLock<String>,
    /// `"column"` for each field, in `META.fields` order.
    pub(crate) bare: OnceLock<Box<[String]>>,
    /// `"table"."column"` for each field, in `META.fields` order.
    pub(crate) qualified: OnceLock<Box<[String]>>,
    /// `"table"`.
    pub(crate) table: OnceLock<String>,
    /// The texts written by each backend's writer, by `Backend::index`.
    pub(crate) backends: [BackendStatements; 2],
}

/// The per-backend part of a [`StatementCache`].
#[doc(hidden)]
#[derive(Debug)]
pub struct BackendStatements {
    /// `INSERT` of one row, without and with the primary key.
    pub(crate) insert: [OnceLock<String>; 2],
    pub(crate) update_by_pk: OnceLock<String>,
    pub(crate) delete_by_pk: OnceLock<String>,
    /// The texts of the common `SELECT` shapes (`write::shape`).
    pub(crate) shapes: crate::write::Shapes,
}

impl BackendStatements {
    const fn new() -> Self {
        BackendStatements {
            insert: [OnceLock::new(), OnceLock::new()],
            update_by_pk: OnceLock::new(),
            delete_by_pk: OnceLock::new(),
            shapes: crate::write::Shapes::new(),
        }
    }
}

impl StatementCache {
    #[doc(hidden)]
    #[allow(clippy::new_without_default)] // built in a `static` by the derive
    pub const fn new() -> Self {
        StatementCache {
            select_list: OnceLock::new(),
            bare_list: OnceLock::new(),
            bare: OnceLock::new(),
            qualified: OnceLock::new(),
            table: OnceLock::new(),
            backends: [BackendStatements::new(), BackendStatements::new()],
        }
    }
}

/// A model's description and its statement cache: what the tree needs to
/// write a model's columns.
#[derive(Debug, Clone, Copy)]
pub struct ModelRef {
    /// The table description.
    pub meta: &'static ModelMeta,
    /// The model's cache of statement texts.
    pub cache: &'static StatementCache,
}

impl ModelRef {
    /// The primary key as a column of the model's table.
    pub fn pk_column(&self) -> crate::tree::Column {
        let meta = self.meta;
        crate::tree::Column::of_field(meta.table, meta.pk_field().column, meta.pk)
    }
}
