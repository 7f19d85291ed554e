//! `manage`: Django's `manage.py` for the migrations, in a binary of your own.
//!
//! ```ignore
//! // src/bin/manage.rs
//! use shop as _; // links the models of src/lib.rs: your crate's name, `_` for `-`
//!
//! fn main() {
//!     query::manage::main()
//! }
//! ```
//!
//! The `use` line is needed: a `#[derive(Model)]` struct registers itself
//! when the crate that defines it is linked into the binary, and Rust links
//! a dependency (here the package's own library) only if the binary names
//! it. Without the line the binary has no models, and `makemigrations`
//! says so rather than seeing nothing to do. Models in `src/main.rs` can't
//! be linked into another binary: put them in `src/lib.rs`.
//!
//! ```text
//! cargo run --bin manage -- makemigrations     # write migrations/0002_....sql
//! cargo run --bin manage -- makemigrations --check  # exit 1 if the models have changes without a migration
//! cargo run --bin manage -- migrate            # apply what is pending
//! cargo run --bin manage -- migrate --plan     # print what would run, apply nothing
//! cargo run --bin manage -- migrate --check    # exit 1 if migrations are not applied
//! cargo run --bin manage -- showmigrations     # [X] applied, [ ] pending
//! cargo run --bin manage -- sqlmigrate 0002    # the SQL of one migration (--backend postgres)
//! cargo run --bin manage -- inspectdb          # models from an existing database
//! cargo run --bin manage -- inspectdb --exclude 'auth_*'  # ... but some of its tables
//! ```
//!
//! The database is `--database`, else the `QUERY_DATABASE` environment
//! variable, else `DATABASE_URL`, else `db.sqlite3`: a SQLite file's path,
//! or a URL as [`Db::connect`] takes them (`sqlite://shop.db`,
//! `postgres://user@host/dbname`, which needs the `postgres` feature).
//! `sqlmigrate` shows the SQL of that database unless `--backend` says
//! another.
//!
//! `makemigrations` reads the models linked into the binary
//! ([`registry_models`](crate::migrations::registry_models)): every
//! `#[derive(Model)]` struct of the program and of the crates it uses.

// The example above is a whole `src/bin/manage.rs`: its `fn main` is the point.
#![allow(clippy::needless_doctest_main)]

use std::ffi::OsString;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::migrations::{InspectOptions, MakeOptions, MakeOutcome, Migrations};
use crate::{Backend, Db};

/// The environment variable that names the database when `--database` is not given.
pub const DATABASE_ENV: &str = "QUERY_DATABASE";

/// The environment variable read when neither `--database` nor
/// [`DATABASE_ENV`] is given: a URL, as most tools name a database.
pub const DATABASE_URL_ENV: &str = "DATABASE_URL";

/// Where the database is: a SQLite file, or a URL for [`Db::connect`].
#[derive(Debug, Clone)]
enum Target {
    /// A SQLite file (a path, or a `sqlite://` URL naming a file).
    File(PathBuf),
    /// Any other URL (`postgres://...`, `sqlite::memory:`).
    Url(String),
}

impl Target {
    fn new(raw: PathBuf) -> Target {
        let text = raw.to_string_lossy();
        let lower = text.to_ascii_lowercase();
        if let Some(path) = lower
            .starts_with("sqlite://")
            .then(|| &text["sqlite://".len()..])
            .filter(|p| !p.is_empty() && *p != ":memory:")
        {
            return Target::File(PathBuf::from(path.split(['?', '#']).next().unwrap_or(path)));
        }
        if ["sqlite:", "postgres://", "postgresql://"]
            .iter()
            .any(|scheme| lower.starts_with(scheme))
        {
            return Target::Url(text.into_owned());
        }
        Target::File(raw)
    }

    /// Whether the database is PostgreSQL.
    fn is_postgres(&self) -> bool {
        matches!(self, Target::Url(u) if u.to_ascii_lowercase().starts_with("postgres"))
    }

    /// Whether the database is a SQLite file that does not exist.
    fn is_missing_file(&self) -> bool {
        matches!(self, Target::File(p) if !p.exists())
    }

    /// Opens the database to read it, changing nothing (not even a SQLite
    /// file's journal mode, which `Db::open` sets); `None` for a SQLite file
    /// that does not exist.
    fn open_read_only(&self) -> crate::Result<Option<Db>> {
        match self {
            #[cfg(feature = "sqlite")]
            Target::File(path) => {
                if !path.exists() {
                    return Ok(None);
                }
                let conn = crate::rusqlite::Connection::open_with_flags(
                    path,
                    crate::rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                )
                .map_err(|e| {
                    crate::Error::Migration(format!(
                        "could not open database {} to read it: {e}",
                        path.display()
                    ))
                })?;
                Db::from_connection(conn).map(Some)
            }
            _ if self.is_missing_file() => Ok(None),
            _ => self.open().map(Some),
        }
    }

    /// Opens the database (creating a SQLite file if needed).
    fn open(&self) -> crate::Result<Db> {
        match self {
            #[cfg(feature = "sqlite")]
            Target::File(path) => Db::open(path),
            #[cfg(not(feature = "sqlite"))]
            Target::File(path) => Db::connect(&format!("sqlite://{}", path.display())),
            Target::Url(url) => Db::connect(url),
        }
    }
}

impl fmt::Display for Target {
    /// The path, or the URL without its password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::File(path) => write!(f, "{}", path.display()),
            Target::Url(url) => {
                // scheme://user:password@host/... -> scheme://user:***@host/...
                if let Some((scheme, rest)) = url.split_once("://")
                    && let Some((userinfo, host)) = rest.split_once('@')
                    && let Some((user, _)) = userinfo.split_once(':')
                {
                    write!(f, "{scheme}://{user}:***@{host}")
                } else {
                    write!(f, "{url}")
                }
            }
        }
    }
}

/// What can go wrong running a command.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The command line is wrong; the message is clap's, with usage.
    Usage(String),
    /// The command failed.
    Query(crate::Error),
    /// Writing the output failed.
    Io(std::io::Error),
    /// A `--check` found work to do: the models have changes without a
    /// migration (`makemigrations --check`), or migrations are not applied
    /// (`migrate --check`). The message says which.
    Check(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(msg) => f.write_str(msg.trim_end()),
            Error::Query(e) => write!(f, "error: {e}"),
            Error::Io(e) => write!(f, "error: writing the output failed: {e}"),
            Error::Check(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Usage(_) | Error::Check(_) => None,
            Error::Query(e) => Some(e),
            Error::Io(e) => Some(e),
        }
    }
}

impl From<crate::Error> for Error {
    fn from(e: crate::Error) -> Self {
        Error::Query(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

impl Error {
    /// The process exit code for this error: 2 for usage, 1 otherwise (a
    /// failed `--check` included).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => 2,
            _ => 1,
        }
    }
}

/// The command line, with defaults a program may change.
#[derive(Debug, Clone)]
pub struct Manage {
    database: PathBuf,
    migrations: PathBuf,
}

impl Default for Manage {
    fn default() -> Self {
        Manage {
            database: PathBuf::from("db.sqlite3"),
            migrations: PathBuf::from("migrations"),
        }
    }
}

/// Runs the command line of this process and exits: `fn main() { query::manage::main() }`.
pub fn main() -> ! {
    Manage::new().main()
}

/// Runs one command line (`args[0]` is the program name), writing to `out`.
pub fn run<I, T>(args: I, out: &mut dyn Write) -> Result<(), Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    Manage::new().run(args, out)
}

fn pair(raw: &str, flag: &str, shape: &str) -> Result<(String, String), Error> {
    raw.split_once('=')
        .filter(|(a, b)| !a.is_empty() && !b.is_empty())
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .ok_or_else(|| Error::Usage(format!("error: {flag} takes {shape}, not `{raw}`")))
}

fn dotted(raw: &str, flag: &str, shape: &str) -> Result<(String, String, String), Error> {
    let (left, value) = raw
        .split_once('=')
        .ok_or_else(|| Error::Usage(format!("error: {flag} takes {shape}, not `{raw}`")))?;
    let (table, column) = left
        .split_once('.')
        .filter(|(t, c)| !t.is_empty() && !c.is_empty())
        .ok_or_else(|| Error::Usage(format!("error: {flag} takes {shape}, not `{raw}`")))?;
    Ok((table.to_owned(), column.to_owned(), value.to_owned()))
}

fn strings(m: &ArgMatches, id: &str) -> Vec<String> {
    m.get_many::<String>(id)
        .map(|v| v.cloned().collect())
        .unwrap_or_default()
}

impl Manage {
    /// Defaults: database `db.sqlite3`, migrations folder `migrations`.
    pub fn new() -> Self {
        Manage::default()
    }

    /// The database used when neither `--database` nor `QUERY_DATABASE`
    /// nor `DATABASE_URL` is given: a SQLite file's path or a URL
    /// (`postgres://user@host/dbname`).
    pub fn database(mut self, path: impl Into<PathBuf>) -> Self {
        self.database = path.into();
        self
    }

    /// The migrations folder used when `--migrations` is not given.
    pub fn migrations(mut self, dir: impl Into<PathBuf>) -> Self {
        self.migrations = dir.into();
        self
    }

    /// Runs the command line of this process, prints, and exits with 0 on
    /// success, 1 when the command fails, 2 for a usage error.
    pub fn main(&self) -> ! {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        let result = self.run(std::env::args_os(), &mut out);
        let _ = out.flush();
        drop(out);
        match result {
            Ok(()) => std::process::exit(0),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(e.exit_code())
            }
        }
    }

    fn command(&self) -> Command {
        let database = Arg::new("database")
            .long("database")
            .value_name("PATH|URL")
            .global(true)
            .value_parser(clap::value_parser!(PathBuf))
            .help(format!(
                "The database: a SQLite file or a URL (sqlite://shop.db, postgres://user@host/dbname) [default: ${DATABASE_ENV}, else ${DATABASE_URL_ENV}, else {}]",
                self.database.display()
            ));
        let migrations = Arg::new("migrations")
            .long("migrations")
            .value_name("DIR")
            .global(true)
            .value_parser(clap::value_parser!(PathBuf))
            .help(format!(
                "The migrations folder [default: {}]",
                self.migrations.display()
            ));
        let flag = |id: &'static str, help: &'static str| {
            Arg::new(id).long(id).action(ArgAction::SetTrue).help(help)
        };
        let repeated = |id: &'static str, value: &'static str, help: &'static str| {
            Arg::new(id)
                .long(id)
                .value_name(value)
                .action(ArgAction::Append)
                .help(help)
        };
        let makemigrations = Command::new("makemigrations")
            .about("Write the next migration from the changes to the models")
            .arg(
                Arg::new("name")
                    .long("name")
                    .value_name("NAME")
                    .help("The migration's name after its number"),
            )
            .arg(repeated(
                "rename-table",
                "OLD=NEW",
                "A table was renamed (renames are never guessed)",
            ))
            .arg(repeated(
                "rename-column",
                "TABLE.OLD=NEW",
                "A column was renamed (renames are never guessed)",
            ))
            .arg(repeated(
                "default",
                "TABLE.COLUMN=VALUE",
                "A value for the existing rows of a new NOT NULL column, or for the NULLs of a column becoming NOT NULL",
            ))
            .arg(
                Arg::new("allow-drop")
                    .long("allow-drop")
                    .value_name("TABLE[.COLUMN]")
                    .num_args(0..=1)
                    .require_equals(true)
                    .default_missing_value("")
                    .action(ArgAction::Append)
                    .help(
                        "Confirm dropping tables and columns, and the data in them. \
                         Bare, it confirms the drops that can't be a forgotten rename; \
                         a column dropped from a table that gains a column, or a table \
                         dropped while another is created, must be named: \
                         --allow-drop=TABLE.COLUMN, --allow-drop=TABLE (repeatable)",
                    ),
            )
            .arg(flag(
                "empty",
                "Write an empty migration, for statements of your own (a data migration)",
            ))
            .arg(flag(
                "dry-run",
                "Print the migration instead of writing it",
            ))
            .arg(
                flag(
                    "check",
                    "Write nothing; exit with status 1, printing what is missing, if the models have changes without a migration (for CI)",
                )
                .conflicts_with("empty"),
            );
        let migrate = Command::new("migrate")
            .about("Apply the pending migrations")
            .arg(flag(
                "fake-initial",
                "Record the initial migration as applied when its tables already exist (adopting an existing database)",
            ))
            .arg(
                flag(
                    "plan",
                    "Print the migrations and operations that would run; apply nothing",
                )
                .conflicts_with("fake-initial"),
            )
            .arg(
                flag(
                    "check",
                    "Apply nothing; exit with status 1 if migrations are not applied (for CI)",
                )
                .conflicts_with("fake-initial"),
            );
        let sqlmigrate = Command::new("sqlmigrate")
            .about("Print the SQL a migration runs")
            .arg(
                Arg::new("NAME")
                    .required(true)
                    .help("The migration: its name or its number"),
            )
            .arg(
                Arg::new("backend")
                    .long("backend")
                    .value_name("DATABASE")
                    .value_parser(["sqlite", "postgres"])
                    .help("The database to show the SQL of [default: postgres for a postgres:// --database, else sqlite]"),
            );
        Command::new("manage")
            .about("Migrations for the models of this program")
            .subcommand_required(true)
            .arg_required_else_help(true)
            .arg(database)
            .arg(migrations)
            .subcommand(makemigrations)
            .subcommand(migrate)
            .subcommand(
                Command::new("showmigrations")
                    .about("List the migrations: [X] applied, [ ] pending"),
            )
            .subcommand(sqlmigrate)
            .subcommand(
                Command::new("inspectdb")
                    .about("Print models for the tables of an existing database")
                    .arg(
                        Arg::new("TABLE")
                            .num_args(0..)
                            .action(ArgAction::Append)
                            .help("Only these tables: names, or patterns with * and ? [default: every table]"),
                    )
                    .arg(repeated(
                        "exclude",
                        "TABLE",
                        "Leave out these tables: names, or patterns with * and ? (--exclude 'auth_*')",
                    )),
            )
    }

    /// Runs one command line (`args[0]` is the program name), writing to
    /// `out`. `--help` writes the help to `out` and succeeds.
    pub fn run<I, T>(&self, args: I, out: &mut dyn Write) -> Result<(), Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let matches = match self.command().try_get_matches_from(args) {
            Ok(m) => m,
            Err(e) => {
                use clap::error::ErrorKind;
                return match e.kind() {
                    ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                        write!(out, "{}", e.render())?;
                        Ok(())
                    }
                    _ => Err(Error::Usage(e.render().to_string())),
                };
            }
        };
        let database = matches
            .get_one::<PathBuf>("database")
            .cloned()
            .or_else(|| std::env::var_os(DATABASE_ENV).map(PathBuf::from))
            .or_else(|| std::env::var_os(DATABASE_URL_ENV).map(PathBuf::from))
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| self.database.clone());
        let database = Target::new(database);
        let dir = matches
            .get_one::<PathBuf>("migrations")
            .cloned()
            .unwrap_or_else(|| self.migrations.clone());
        match matches.subcommand() {
            Some(("makemigrations", m)) => makemigrations(m, &dir, out),
            Some(("migrate", m)) if m.get_flag("plan") || m.get_flag("check") => plan(
                &database,
                &dir,
                m.get_flag("plan"),
                m.get_flag("check"),
                out,
            ),
            Some(("migrate", m)) => migrate(&database, &dir, m.get_flag("fake-initial"), out),
            Some(("showmigrations", _)) => showmigrations(&database, &dir, out),
            Some(("sqlmigrate", m)) => {
                let name = m.get_one::<String>("NAME").map_or("", String::as_str);
                let backend = match m.get_one::<String>("backend").map(String::as_str) {
                    Some("postgres") => Backend::Postgres,
                    Some(_) => Backend::Sqlite,
                    None if database.is_postgres() => Backend::Postgres,
                    None => Backend::Sqlite,
                };
                let migrations = Migrations::from_dir(&dir)?;
                write!(out, "{}", migrations.get(name)?.script_for(backend))?;
                Ok(())
            }
            Some(("inspectdb", m)) => {
                // Read-only: inspecting a database must not change it.
                let Some(db) = database.open_read_only()? else {
                    return Err(Error::Query(crate::Error::Migration(format!(
                        "database {database} does not exist"
                    ))));
                };
                let options = InspectOptions {
                    tables: strings(m, "TABLE"),
                    exclude: strings(m, "exclude"),
                };
                write!(out, "{}", crate::migrations::inspectdb_with(&db, &options)?)?;
                Ok(())
            }
            _ => Err(Error::Usage(self.command().render_usage().to_string())),
        }
    }
}

fn makemigrations(m: &ArgMatches, dir: &Path, out: &mut dyn Write) -> Result<(), Error> {
    let mut options = MakeOptions {
        name: m.get_one::<String>("name").cloned(),
        dry_run: m.get_flag("dry-run"),
        empty: m.get_flag("empty"),
        ..MakeOptions::default()
    };
    for raw in strings(m, "allow-drop") {
        if raw.is_empty() {
            options.diff.allow_drop = true;
        } else if let Some((table, column)) = raw.split_once('.') {
            if table.is_empty() || column.is_empty() {
                return Err(Error::Usage(format!(
                    "error: --allow-drop takes nothing, TABLE or TABLE.COLUMN, not `{raw}`"
                )));
            }
            options
                .diff
                .drop_columns
                .push((table.to_owned(), column.to_owned()));
        } else {
            options.diff.drop_tables.push(raw);
        }
    }
    for raw in strings(m, "rename-table") {
        options
            .diff
            .rename_tables
            .push(pair(&raw, "--rename-table", "OLD=NEW")?);
    }
    for raw in strings(m, "rename-column") {
        options
            .diff
            .rename_columns
            .push(dotted(&raw, "--rename-column", "TABLE.OLD=NEW")?);
    }
    for raw in strings(m, "default") {
        options
            .diff
            .defaults
            .push(dotted(&raw, "--default", "TABLE.COLUMN=VALUE")?);
    }
    let models = crate::migrations::registry_models()?;
    if models.is_empty() && !options.empty {
        return Err(no_models());
    }
    if m.get_flag("check") {
        let existing = Migrations::from_dir(dir)?;
        let Some(migration) = crate::migrations::next_migration(&existing, &models, &options)?
        else {
            writeln!(out, "No changes detected")?;
            return Ok(());
        };
        let path = dir.join(format!(
            "{}.{}",
            migration.name(),
            crate::migrations::EXTENSION
        ));
        writeln!(
            out,
            "The models have changes without a migration; makemigrations would write {}:",
            path.display()
        )?;
        for op in migration.operations() {
            writeln!(out, "    - {op}")?;
        }
        return Err(Error::Check(
            "makemigrations --check: the models have changes without a migration; run makemigrations, review the file and commit it".into(),
        ));
    }
    match crate::migrations::make_migrations(dir, &models, &options)? {
        MakeOutcome::NoChanges => writeln!(out, "No changes detected")?,
        MakeOutcome::Written { path, migration } => {
            writeln!(out, "Migration written:\n  {}", path.display())?;
            for op in migration.operations() {
                writeln!(out, "    - {op}")?;
            }
        }
        MakeOutcome::DryRun { path, migration } => {
            writeln!(out, "Would write {} (--dry-run):\n", path.display())?;
            write!(out, "{}", migration.text())?;
        }
        _ => {}
    }
    Ok(())
}

fn migrate(
    database: &Target,
    dir: &Path,
    fake_initial: bool,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let all = Migrations::from_dir(dir)?;
    let db = database.open()?;
    if fake_initial && let Some(name) = db.fake_initial(&all)? {
        writeln!(out, "  Faking {name}... OK (its tables already exist)")?;
    }
    let status = db.migration_status(&all)?;
    let done = status.iter().filter(|s| s.applied).count();
    if done == all.len() {
        writeln!(out, "No migrations to apply.")?;
        return Ok(());
    }
    writeln!(out, "Applying migrations to {database}:")?;
    // One at a time, so that each line is printed as its migration succeeds.
    for i in done..all.len() {
        let upto = Migrations::new(all.iter().take(i + 1).cloned().collect())?;
        if let Some(m) = upto.last() {
            write!(out, "  Applying {}...", m.name())?;
            out.flush()?;
        }
        if let Err(e) = db.migrate(&upto) {
            writeln!(out, " FAILED")?;
            return Err(e.into());
        }
        writeln!(out, " OK")?;
    }
    Ok(())
}

/// The error of a command that needs models when none is linked in.
fn no_models() -> Error {
    // `cargo run` tells the program its package's name.
    let line = match std::env::var("CARGO_PKG_NAME") {
        Ok(name) if !name.is_empty() && name != "query" => {
            format!("use {} as _;", name.replace('-', "_"))
        }
        _ => "use your_crate as _;".to_owned(),
    };
    Error::Query(crate::Error::Migration(format!(
        "no models are linked into this program, so there is nothing to compare the migrations with. \
         A #[derive(Model)] struct registers itself when the crate that defines it is linked into the binary, \
         and Rust links a library only if the binary names it: if your models are in src/lib.rs, \
         add `{line}` to src/bin/manage.rs (your library's name, with `_` for `-`). \
         Models in src/main.rs can't be linked into another binary: move them into src/lib.rs"
    )))
}

/// `migrate --plan` and `migrate --check`: what would run, reading the
/// database without changing it.
fn plan(
    database: &Target,
    dir: &Path,
    show: bool,
    check: bool,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let all = Migrations::from_dir(dir)?;
    let done = match database.open_read_only()? {
        Some(db) => db
            .migration_status(&all)?
            .iter()
            .filter(|s| s.applied)
            .count(),
        None => 0,
    };
    let pending: Vec<&crate::migrations::Migration> = all.iter().skip(done).collect();
    if pending.is_empty() {
        writeln!(out, "No migrations to apply.")?;
        return Ok(());
    }
    if show {
        let backend = if database.is_postgres() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        writeln!(out, "Planned operations on {database}:")?;
        for m in &pending {
            writeln!(out, "  {}", m.name())?;
            if m.recorded_operations()?.is_empty() {
                // A data migration (or a file of the previous version):
                // its statements are what it does.
                for sql in m.statements_for(backend) {
                    writeln!(out, "    SQL: {}", sql.trim())?;
                }
            } else {
                for op in m.operations() {
                    writeln!(out, "    {op}")?;
                }
            }
        }
    }
    if check {
        let names: Vec<&str> = pending.iter().map(|m| m.name()).collect();
        return Err(Error::Check(format!(
            "migrate --check: {} migration(s) not applied to {database}: {}",
            names.len(),
            names.join(", ")
        )));
    }
    Ok(())
}

fn showmigrations(database: &Target, dir: &Path, out: &mut dyn Write) -> Result<(), Error> {
    let all = Migrations::from_dir(dir)?;
    if all.is_empty() {
        writeln!(out, "(no migrations in {})", dir.display())?;
        return Ok(());
    }
    let status = if !database.is_missing_file() {
        database.open()?.migration_status(&all)?
    } else {
        all.iter()
            .map(|m| crate::migrations::MigrationStatus {
                name: m.name().to_owned(),
                applied: false,
            })
            .collect()
    };
    for s in status {
        writeln!(out, "[{}] {}", if s.applied { "X" } else { " " }, s.name)?;
    }
    Ok(())
}
