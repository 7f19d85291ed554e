//! The `manage` command line, run in-process with `query::manage::run`.
//!
//! This binary has a single model, `Note`, so `makemigrations` here reads the
//! registry of linked models as a user's `manage` binary does.

use std::path::{Path, PathBuf};

use query::manage::{self, Error};
use query::prelude::*;

#[derive(Model, Debug)]
pub struct Note {
    pub id: i64,
    #[field(max_length = 80)]
    pub name: String,
    pub body: Option<String>,
}

fn tmpdir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("manage-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `manage --database <dir>/db.sqlite3 --migrations <dir>/migrations ARGS`.
fn manage(dir: &Path, args: &[&str]) -> Result<String, Error> {
    let database = dir.join("db.sqlite3");
    let migrations = dir.join("migrations");
    let mut argv: Vec<String> = vec![
        "manage".into(),
        "--database".into(),
        database.to_string_lossy().into_owned(),
        "--migrations".into(),
        migrations.to_string_lossy().into_owned(),
    ];
    argv.extend(args.iter().map(|a| a.to_string()));
    let mut out = Vec::new();
    manage::run(argv, &mut out)?;
    Ok(String::from_utf8(out).unwrap())
}

#[test]
fn the_whole_loop_from_the_command_line() {
    let dir = tmpdir("loop");
    assert_eq!(
        manage(&dir, &["showmigrations"]).unwrap(),
        format!("(no migrations in {})\n", dir.join("migrations").display())
    );

    let out = manage(&dir, &["makemigrations"]).unwrap();
    assert!(out.starts_with("Migration written:\n"), "{out}");
    assert!(out.contains("0001_initial.sql"), "{out}");
    assert!(
        out.contains("    - CreateTable note (id, name, body)"),
        "{out}"
    );
    assert_eq!(
        manage(&dir, &["makemigrations"]).unwrap(),
        "No changes detected\n"
    );
    assert_eq!(
        manage(&dir, &["makemigrations", "--dry-run"]).unwrap(),
        "No changes detected\n"
    );

    assert_eq!(
        manage(&dir, &["showmigrations"]).unwrap(),
        "[ ] 0001_initial\n"
    );
    let out = manage(&dir, &["migrate"]).unwrap();
    assert!(out.ends_with("  Applying 0001_initial... OK\n"), "{out}");
    assert_eq!(
        manage(&dir, &["migrate"]).unwrap(),
        "No migrations to apply.\n"
    );
    assert_eq!(
        manage(&dir, &["showmigrations"]).unwrap(),
        "[X] 0001_initial\n"
    );

    // A data migration: written empty, filled in by hand, applied.
    let out = manage(&dir, &["makemigrations", "--empty", "--name", "seed"]).unwrap();
    assert!(out.contains("0002_seed.sql"), "{out}");
    let seed = dir.join("migrations/0002_seed.sql");
    let text = std::fs::read_to_string(&seed).unwrap();
    assert!(text.contains("--   (none: this migration runs the statements you write below)"));
    let text = text.replace(
        "-- Write your statements here",
        "INSERT INTO note (name) VALUES ('seeded');\n-- Write your statements here",
    );
    std::fs::write(&seed, text).unwrap();
    assert_eq!(
        manage(&dir, &["makemigrations"]).unwrap(),
        "No changes detected\n"
    );
    let out = manage(&dir, &["migrate"]).unwrap();
    assert!(out.ends_with("  Applying 0002_seed... OK\n"), "{out}");

    let sql = manage(&dir, &["sqlmigrate", "0001"]).unwrap();
    assert!(
        sql.contains("PRAGMA foreign_keys = OFF;\nBEGIN IMMEDIATE;\nCREATE TABLE \"note\" ("),
        "{sql}"
    );
    assert!(
        sql.ends_with("COMMIT;\nPRAGMA foreign_keys = ON;\n"),
        "{sql}"
    );
    assert_eq!(sql, manage(&dir, &["sqlmigrate", "0001_initial"]).unwrap());
    let err = manage(&dir, &["sqlmigrate", "7"]).unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(
        err.to_string().contains("there is no migration `7`"),
        "{err}"
    );

    // The data survives: write a note, then inspect the database.
    let db = Db::open(dir.join("db.sqlite3")).unwrap();
    let mut note = Note {
        id: 0,
        name: "first".into(),
        body: None,
    };
    note.save(&db).unwrap();
    let names: Vec<String> = Note::objects()
        .all(&db)
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect();
    assert_eq!(names, vec!["seeded", "first"]);
    let source = manage(&dir, &["inspectdb"]).unwrap();
    assert!(
        source.contains("#[model(table = \"note\")]\npub struct Note {"),
        "{source}"
    );
    assert!(
        source.contains("    #[field(max_length = 80)]\n    pub name: String,"),
        "{source}"
    );
    assert!(source.contains("    pub body: Option<String>,"), "{source}");
    assert!(!source.contains("query_migrations"), "{source}");
}

#[test]
fn renames_and_defaults_come_from_flags() {
    let dir = tmpdir("flags");
    manage(&dir, &["makemigrations"]).unwrap();
    // Pretend the column used to be called `title` and `rank` was removed.
    let path = dir.join("migrations/0001_initial.sql");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replace("\"name\"", "\"title\"").replace(
        "-- @column \"body\" text\n",
        "-- @column \"body\" text\n-- @column \"rank\" i64\n",
    );
    std::fs::write(&path, text).unwrap();

    let err = manage(&dir, &["makemigrations"]).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("--rename-column note.title=name"), "{msg}");
    assert!(msg.contains("column `note.rank`"), "{msg}");

    let out = manage(
        &dir,
        &[
            "makemigrations",
            "--rename-column",
            "note.title=name",
            "--allow-drop",
            "--name",
            "tidy",
        ],
    )
    .unwrap();
    assert!(out.contains("0002_tidy.sql"), "{out}");
    assert!(
        out.contains("    - RenameColumn note.title -> name"),
        "{out}"
    );
    assert!(out.contains("    - RemoveColumn note.rank"), "{out}");
}

#[test]
fn help_and_usage_errors() {
    let dir = tmpdir("help");
    let help = manage(&dir, &["--help"]).unwrap();
    for word in [
        "makemigrations",
        "migrate",
        "showmigrations",
        "sqlmigrate",
        "inspectdb",
        "--database",
        "--migrations",
    ] {
        assert!(help.contains(word), "{word} missing from:\n{help}");
    }
    let help = manage(&dir, &["makemigrations", "--help"]).unwrap();
    for word in [
        "--name",
        "--rename-table",
        "--rename-column",
        "--default",
        "--allow-drop",
        "--dry-run",
        "--empty",
    ] {
        assert!(help.contains(word), "{word} missing from:\n{help}");
    }

    let err = manage(&dir, &["frobnicate"]).unwrap_err();
    assert!(matches!(err, Error::Usage(_)));
    assert_eq!(err.exit_code(), 2);
    let err = manage(&dir, &["makemigrations", "--default", "nodot=1"]).unwrap_err();
    assert!(matches!(err, Error::Usage(_)));
    assert!(err.to_string().contains("TABLE.COLUMN=VALUE"), "{err}");
    let err = manage(&dir, &["sqlmigrate"]).unwrap_err();
    assert!(matches!(err, Error::Usage(_)));
    // inspectdb doesn't create a database that isn't there.
    let err = manage(&dir, &["inspectdb"]).unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(!dir.join("db.sqlite3").exists());
}

#[test]
fn makemigrations_reads_the_models_linked_into_the_binary() {
    let models = query::migrations::registry_models().unwrap();
    let names: Vec<&str> = models.iter().map(|m| m.name).collect();
    assert_eq!(names, vec!["Note"]);
}

#[test]
fn a_drop_that_may_be_a_rename_must_be_named() {
    let dir = tmpdir("named-drop");
    manage(&dir, &["makemigrations"]).unwrap();
    // Pretend `body` used to be called `old_body`: a drop and an add.
    let path = dir.join("migrations/0001_initial.sql");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace(
            "-- @column \"body\" text\n",
            "-- @column \"old_body\" text\n",
        ),
    )
    .unwrap();
    // The bare flag does not drop it...
    let err = manage(&dir, &["makemigrations", "--allow-drop"]).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("--rename-column note.old_body=body"), "{msg}");
    assert!(msg.contains("--allow-drop=note.old_body"), "{msg}");
    let err = manage(&dir, &["makemigrations", "--allow-drop=note.other"]).unwrap_err();
    assert!(err.to_string().contains("no column `note.other`"), "{err}");
    assert_eq!(
        std::fs::read_dir(dir.join("migrations")).unwrap().count(),
        1
    );
    // ...naming it does.
    let out = manage(&dir, &["makemigrations", "--allow-drop=note.old_body"]).unwrap();
    assert!(out.contains("    - RemoveColumn note.old_body"), "{out}");
    assert!(out.contains("    - AddColumn note.body"), "{out}");
    let help = manage(&dir, &["makemigrations", "--help"]).unwrap();
    assert!(help.contains("--allow-drop[=<TABLE[.COLUMN]>]"), "{help}");
}
