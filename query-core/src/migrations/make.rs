//! `makemigrations`: the next migration file from the models and the last file.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::backend::Backend;
use crate::backend::schema::statements_for;
use crate::error::{Error, Result};
use crate::meta::ModelMeta;

use super::plan::{DiffOptions, diff, suggest_name};
use super::{EXTENSION, Migration, Migrations, file};
use crate::schema::SchemaState;

/// The databases `makemigrations` writes a section of SQL for.
const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

/// What `makemigrations` was told.
#[derive(Debug, Clone, Default)]
pub struct MakeOptions {
    /// The migration's name after its number, instead of one made up from
    /// the operations (`--name`).
    pub name: Option<String>,
    /// Renames, defaults and drop confirmation.
    pub diff: DiffOptions,
    /// Shows the migration without writing it (`--dry-run`).
    pub dry_run: bool,
    /// Writes a migration without operations, for statements of your own
    /// (a data migration), whatever the models say (`--empty`).
    pub empty: bool,
}

/// What `makemigrations` did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum MakeOutcome {
    /// The models match the last migration; nothing was written.
    NoChanges,
    /// A migration was written to `path`.
    Written {
        /// The new file.
        path: PathBuf,
        /// The migration.
        migration: Migration,
    },
    /// `dry_run`: the migration that would be written to `path`.
    DryRun {
        /// The file it would be.
        path: PathBuf,
        /// The migration.
        migration: Migration,
    },
}

/// The next migration for `models` after `existing`, or `None` when the
/// models match the last migration's state (with `options.empty`, an empty
/// migration in any case). Touches no file and no database.
pub fn next_migration(
    existing: &Migrations,
    models: &[&ModelMeta],
    options: &MakeOptions,
) -> Result<Option<Migration>> {
    existing.check()?;
    let mut before = match existing.last() {
        Some(last) => {
            let (state, legacy) = file::parse_state_and_age(last.name(), last.text())?;
            if legacy {
                let mut state = state;
                adopt_field_types(&mut state, &SchemaState::from_models(models)?);
                state
            } else {
                state
            }
        }
        None => SchemaState::default(),
    };
    let (ops, sections, state) = if options.empty {
        (Vec::new(), Vec::new(), std::mem::take(&mut before))
    } else {
        let after = SchemaState::from_models(models)?;
        let ops = diff(&before, &after, &options.diff)?;
        if ops.is_empty() {
            return Ok(None);
        }
        let sections = BACKENDS
            .iter()
            .map(|&b| Ok((b, statements_for(b, &ops, &before)?)))
            .collect::<Result<Vec<_>>>()?;
        let mut state = before;
        for op in &ops {
            op.apply(&mut state)?;
        }
        (ops, sections, state)
    };
    let label = match &options.name {
        Some(name) => {
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(Error::Migration(format!(
                    "`{name}` is not a migration name: use letters, digits and `_`"
                )));
            }
            name.clone()
        }
        None if options.empty => "custom".to_owned(),
        None => suggest_name(&ops, existing.is_empty()),
    };
    let number = existing
        .iter()
        .filter_map(Migration::number)
        .max()
        .map_or(1, |n| n + 1);
    let name = format!("{number:04}_{label}");
    let text = file::render(&name, &ops, &sections, &state)?;
    Ok(Some(Migration::new(name, text)))
}

/// Reconciles a state read from a file of the previous version with the
/// models, before the two are compared.
///
/// That version recorded SQLite's storage types: `INTEGER` for every
/// integer, `REAL` for both floats, `TEXT` for text, dates and times. They
/// read as `i64`, `f64`, `text` and `blob`, so a model's `i32`, `f32`,
/// `NaiveDate` or `DateTime<Utc>` field would look changed although its
/// SQLite table is exactly what this version creates for it. A recorded
/// column takes the model's type when the SQLite column this version
/// writes for it is the same text as for the recorded type: no change is
/// made up, and the next file records the precise type. A column whose
/// SQLite definition does change keeps the recorded type, so the change
/// becomes an `AlterColumn`: the `i8`, `u8`, `u16` and `u32` fields, whose
/// tables now get the range `CHECK` (a rebuild that adds it, and fails on a
/// row out of range), and real changes (an integer that became text).
fn adopt_field_types(recorded: &mut SchemaState, models: &SchemaState) {
    use crate::backend::sqlite::schema::column_sql;
    for (name, table) in &mut recorded.tables {
        let Some(model) = models.tables.get(name) else {
            continue;
        };
        for c in &mut table.columns {
            let Some(m) = model.column(&c.name) else {
                continue;
            };
            if m.ty == c.ty {
                continue;
            }
            let mut adopted = c.clone();
            adopted.ty = m.ty;
            if column_sql(&adopted) == column_sql(c) {
                c.ty = m.ty;
            }
        }
    }
}

/// `makemigrations`: compares `models` with the last migration in `dir` and
/// writes the next file there (creating `dir` if needed). Writes nothing
/// when nothing changed, and never overwrites a file.
pub fn make_migrations(
    dir: impl AsRef<Path>,
    models: &[&ModelMeta],
    options: &MakeOptions,
) -> Result<MakeOutcome> {
    let dir = dir.as_ref();
    let existing = Migrations::from_dir(dir)?;
    let Some(migration) = next_migration(&existing, models, options)? else {
        return Ok(MakeOutcome::NoChanges);
    };
    let path = dir.join(format!("{}.{EXTENSION}", migration.name()));
    if options.dry_run {
        return Ok(MakeOutcome::DryRun { path, migration });
    }
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(io(&path))?;
    f.write_all(migration.text().as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(io(&path))?;
    Ok(MakeOutcome::Written { path, migration })
}
