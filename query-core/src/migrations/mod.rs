//! Migrations: schema state from the models, `makemigrations`, `migrate`,
//! `showmigrations`, `sqlmigrate` and `inspectdb`.
//!
//! The loop is Django's: change a model, run `makemigrations` (which
//! compares the models with the state recorded in the last file of the
//! `migrations/` folder and writes the next file, `0002_product_rating.sql`),
//! review and commit the file, and run `migrate` everywhere. The `manage`
//! entry point of the `query` crate runs these from the command line; a
//! program can also embed its migrations and apply them at start-up:
//!
//! ```no_run
//! # use query::prelude::*;
//! use query::migrations::Migrations;
//!
//! // A deployed program embeds its migrations at compile time:
//! // static MIGRATIONS: Migrations = query::embed_migrations!("migrations");
//! # fn main() -> query::Result<()> {
//! let db = Db::open("shop.db")?;
//! let migrations = Migrations::from_dir("migrations")?; // or read them at run time
//! let applied: Vec<String> = db.migrate(&migrations)?;
//! # Ok(()) }
//! ```
//!
//! A migration file is SQL with comments (see [`Migration`]): the operations
//! for the reader and as data, the statements `migrate` runs in a section
//! per database (SQLite, PostgreSQL), and the state of the whole schema
//! after it, which the next `makemigrations` diffs against. Planning
//! ([`diff`], [`Operation`], the states) knows no database; each backend
//! writes the SQL of the operations ([`statements_for`]).

pub(crate) mod apply;
mod file;
pub(crate) mod inspect;
mod make;
mod plan;

use std::borrow::Cow;
use std::path::Path;

use crate::backend::Backend;
use crate::error::{Error, Result};

pub use self::apply::{HISTORY_TABLE, MigrationStatus};
pub use self::inspect::{InspectOptions, inspectdb, inspectdb_with};
pub use self::make::{MakeOptions, MakeOutcome, make_migrations, next_migration};
pub use self::plan::{DiffOptions, diff, parse_default, suggest_name};
pub use crate::backend::schema::{create_table_sql, statements_for};
pub use crate::schema::{
    ColumnState, IndexState, Literal, Operation, SchemaState, TableState, registry_models,
};

/// The file extension of migration files.
pub const EXTENSION: &str = "sql";

/// One migration file: its name (`0002_product_rating`, the file name
/// without `.sql`) and its text.
///
/// The text is SQL: a comment header listing the operations (for the
/// reader, then as data), the statements `migrate` runs (separated by `;`)
/// in a section per database, and a comment section with the schema state
/// after the migration. The format is described in the `file` module of
/// the migrations' source; a file without section lines (`-- @sql ...`),
/// as the previous version wrote them, runs as it is on every database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    name: Cow<'static, str>,
    text: Cow<'static, str>,
}

impl Migration {
    /// A migration from static text, as [`embed_migrations!`] builds them.
    ///
    /// [`embed_migrations!`]: https://docs.rs/query/latest/query/macro.embed_migrations.html
    pub const fn from_static(name: &'static str, text: &'static str) -> Self {
        Migration {
            name: Cow::Borrowed(name),
            text: Cow::Borrowed(text),
        }
    }

    /// A migration from owned text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Migration {
            name: Cow::Owned(name.into()),
            text: Cow::Owned(text.into()),
        }
    }

    /// The name: `0002_product_rating`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The number the name starts with.
    pub fn number(&self) -> Option<u32> {
        number_of(&self.name)
    }

    /// The whole file.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The statements `migrate` runs on SQLite, in order, without their `;`:
    /// [`statements_for`](Migration::statements_for) SQLite.
    pub fn statements(&self) -> Vec<String> {
        self.statements_for(Backend::Sqlite)
    }

    /// The statements `migrate` runs on `backend`, in order, without their
    /// `;`: those of the file's sections for that database and of its
    /// `all` sections (every statement, in a file without sections).
    pub fn statements_for(&self, backend: Backend) -> Vec<String> {
        file::statements_for(&self.text, backend)
    }

    /// Whether the file says which statements run on which database (it
    /// has `-- @sql ...` section lines, as `makemigrations` writes them).
    /// A file without them, such as one written by the previous version of
    /// this crate, holds SQL written for SQLite, run as it is.
    pub fn has_sections(&self) -> bool {
        file::has_sections(&self.text)
    }

    /// The operations, as the file lists them for the reader.
    pub fn operations(&self) -> Vec<String> {
        file::operation_lines(&self.text)
    }

    /// The operations, as the file records them as data (none for a data
    /// migration or a file of the previous version). With the state of the
    /// previous migration, [`statements_for`]
    /// writes their SQL for any database.
    pub fn recorded_operations(&self) -> Result<Vec<Operation>> {
        file::parse_operations(&self.name, &self.text)
    }

    /// The schema state after this migration.
    pub fn state(&self) -> Result<SchemaState> {
        file::parse_state(&self.name, &self.text)
    }

    /// The checksum `migrate` records, to notice a file edited after it was
    /// applied: of the whole file, every section included.
    pub fn checksum(&self) -> String {
        file::checksum(&self.text)
    }

    /// The script `migrate` runs for this migration on SQLite, for
    /// `sqlmigrate`: [`script_for`](Migration::script_for) SQLite.
    pub fn script(&self) -> String {
        self.script_for(Backend::Sqlite)
    }

    /// The script `migrate` runs for this migration on `backend`, for
    /// `sqlmigrate`. On SQLite: foreign keys off, the statements in a
    /// transaction, the foreign key check, foreign keys back on. On
    /// PostgreSQL, where DDL is transactional: the statements in a
    /// transaction.
    pub fn script_for(&self, backend: Backend) -> String {
        let statements = self.statements_for(backend);
        match backend {
            Backend::Sqlite => {
                let mut out = format!(
                    "-- {}\nPRAGMA foreign_keys = OFF;\nBEGIN IMMEDIATE;\n",
                    self.name
                );
                for s in statements {
                    out.push_str(&s);
                    out.push_str(";\n");
                    if let Some(table) = crate::backend::sqlite::schema::rebuilt_table(&s) {
                        out.push_str(&format!(
                            "-- (here the triggers of {table:?} that DROP TABLE dropped are recreated)\n"
                        ));
                    }
                }
                out.push_str("PRAGMA foreign_key_check; -- any row returned fails the migration\n");
                out.push_str("COMMIT;\nPRAGMA foreign_keys = ON;\n");
                out
            }
            Backend::Postgres => {
                let mut out = format!("-- {}\nBEGIN;\n", self.name);
                for s in statements {
                    out.push_str(&s);
                    out.push_str(";\n");
                }
                out.push_str("COMMIT;\n");
                out
            }
        }
    }
}

fn number_of(name: &str) -> Option<u32> {
    let (number, rest) = name.split_once('_')?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) || rest.is_empty() {
        return None;
    }
    number.parse().ok()
}

/// The migrations of an application, in order.
///
/// Read from a folder with [`Migrations::from_dir`], or embedded in the
/// program at compile time with `query::embed_migrations!("migrations")`.
#[derive(Debug, Clone)]
pub struct Migrations {
    list: Cow<'static, [Migration]>,
}

impl Default for Migrations {
    fn default() -> Self {
        Migrations {
            list: Cow::Borrowed(&[]),
        }
    }
}

impl Migrations {
    /// Static migrations, ordered by number, then name: what `embed_migrations!` expands to.
    pub const fn from_static(list: &'static [Migration]) -> Self {
        Migrations {
            list: Cow::Borrowed(list),
        }
    }

    /// Migrations built in memory; they are sorted by number (then name:
    /// `9_x` comes before `10_y`) and checked.
    pub fn new(mut list: Vec<Migration>) -> Result<Self> {
        list.sort_by(|a, b| (a.number(), &a.name).cmp(&(b.number(), &b.name)));
        let m = Migrations {
            list: Cow::Owned(list),
        };
        m.check()?;
        Ok(m)
    }

    /// Reads every `NNNN_name.sql` file of `dir` (digits, `_`, a name), in
    /// the order of their numbers. Other files, including `.sql` files whose
    /// names are not of that form (`notes.sql`), are ignored; a folder that
    /// does not exist holds no migrations.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let io = |source| Error::Io {
            path: dir.to_owned(),
            source,
        };
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Migrations::default()),
            Err(e) => return Err(io(e)),
        };
        let mut list = Vec::new();
        for entry in entries {
            let path = entry.map_err(io)?.path();
            if path.extension().and_then(|e| e.to_str()) != Some(EXTENSION) || !path.is_file() {
                continue;
            }
            let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if number_of(name).is_none() {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            list.push(Migration::new(name, text));
        }
        Migrations::new(list)
    }

    /// Checks the names: each `NNNN_name`, numbers unique.
    pub fn check(&self) -> Result<()> {
        let mut last: Option<(u32, &str)> = None;
        for m in self.iter() {
            let Some(n) = m.number() else {
                return Err(Error::Migration(format!(
                    "`{}` is not a migration name: expected a number, `_` and a name, like `0001_initial`",
                    m.name
                )));
            };
            if let Some((prev, prev_name)) = last {
                if prev == n {
                    return Err(Error::Migration(format!(
                        "migrations `{prev_name}` and `{}` have the same number; renumber one of them",
                        m.name
                    )));
                }
                if prev > n {
                    return Err(Error::Migration(format!(
                        "migrations are out of order: `{}` comes after `{prev_name}`",
                        m.name
                    )));
                }
            }
            last = Some((n, &m.name));
        }
        Ok(())
    }

    /// The migrations, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Migration> {
        self.list.iter()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The last migration.
    pub fn last(&self) -> Option<&Migration> {
        self.list.last()
    }

    /// The migration named `name`, or the one whose number is `name`
    /// (`0002` or `2`), as Django's `sqlmigrate` accepts.
    pub fn get(&self, name: &str) -> Result<&Migration> {
        if let Some(m) = self.iter().find(|m| m.name == name) {
            return Ok(m);
        }
        let matches: Vec<&Migration> = match name.parse::<u32>() {
            Ok(n) => self.iter().filter(|m| m.number() == Some(n)).collect(),
            Err(_) => self.iter().filter(|m| m.name.starts_with(name)).collect(),
        };
        match matches.as_slice() {
            [one] => Ok(one),
            [] => Err(Error::Migration(format!("there is no migration `{name}`"))),
            _ => Err(Error::Migration(format!(
                "`{name}` matches more than one migration; give the full name"
            ))),
        }
    }

    /// The schema state after the last migration (empty without migrations).
    pub fn state(&self) -> Result<SchemaState> {
        match self.last() {
            Some(m) => m.state(),
            None => Ok(SchemaState::default()),
        }
    }
}

impl<'a> IntoIterator for &'a Migrations {
    type Item = &'a Migration;
    type IntoIter = std::slice::Iter<'a, Migration>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}
