//! Models and helpers shared by the integration tests.
//!
//! Every test runs on each backend: SQLite in memory always, and
//! PostgreSQL when `QUERY_TEST_POSTGRES` holds a URL (each test in a fresh
//! schema of its own, dropped afterwards, so tests run in parallel). Data
//! is written through the crate's own API; where a test wants an
//! independent check it reads the database with raw SQL (`db.query`).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use query::prelude::*;

/// The contract's `Product`, exactly as `API.md` writes it.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "products")] // optional; default: the struct name in snake_case ("product")
pub struct Product {
    pub id: i64, // the automatic primary key; 0 means "not saved yet"
    #[field(max_length = 50)]
    pub name: String, // CharField: VARCHAR(50), length checked on save
    pub price: i64, // IntegerField
    pub qty: i32, // IntegerField
    pub rating: f64, // FloatField
    pub enabled: bool, // BooleanField
    pub description: Option<String>, // TextField, NULL allowed (every Option<T> is nullable)
    #[field(email)]
    pub email: String, // EmailField: VARCHAR(254), validated on save
    #[field(url)]
    pub homepage: Option<String>, // URLField: VARCHAR(200), validated on save
    #[field(auto_now_add)]
    pub created: chrono::NaiveDateTime, // DateTimeField, set on insert
    #[field(auto_now)]
    pub updated: chrono::NaiveDateTime, // DateTimeField, set on every save
    pub released: Option<chrono::NaiveDate>, // DateField
}

/// A model whose primary key is a `String` (no automatic `id`), with the
/// default table and module names (`iso_country`).
#[derive(Model, Debug, Clone, PartialEq)]
pub struct IsoCountry {
    #[field(primary_key)]
    pub code: String,
    #[field(max_length = 100)]
    pub name: String,
    pub population: i64,
}

/// A model exercising the remaining attributes and field types. Its field
/// module is renamed to `gf`.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "gadgets", fields = "gf")]
pub struct Gadget {
    pub id: i64,
    #[field(max_length = 20, unique)]
    pub sku: String,
    #[field(max_length = 10, choices = ["red", "green", "blue"])]
    pub color: String,
    #[field(db_index)]
    pub weight: f32,
    #[field(default = 7)]
    pub stock: u32,
    #[field(column = "temp_c")]
    pub temperature: i16,
    #[field(text)]
    pub notes: String,
    pub payload: Vec<u8>,
    pub seen_at: DateTime<Utc>,
    pub expires: Option<NaiveDate>,
}

/// One field of every supported type, and an `Option` of each.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct AllTypes {
    pub id: i64,
    pub v_i8: i8,
    pub v_i16: i16,
    pub v_i32: i32,
    pub v_i64: i64,
    pub v_u8: u8,
    pub v_u16: u16,
    pub v_u32: u32,
    pub v_f32: f32,
    pub v_f64: f64,
    pub v_bool: bool,
    pub v_text: String,
    pub v_blob: Vec<u8>,
    pub v_date: NaiveDate,
    pub v_datetime: NaiveDateTime,
    pub v_utc: DateTime<Utc>,
    pub o_i8: Option<i8>,
    pub o_i16: Option<i16>,
    pub o_i32: Option<i32>,
    pub o_i64: Option<i64>,
    pub o_u8: Option<u8>,
    pub o_u16: Option<u16>,
    pub o_u32: Option<u32>,
    pub o_f32: Option<f32>,
    pub o_f64: Option<f64>,
    pub o_bool: Option<bool>,
    pub o_text: Option<String>,
    pub o_blob: Option<Vec<u8>>,
    pub o_date: Option<NaiveDate>,
    pub o_datetime: Option<NaiveDateTime>,
    pub o_utc: Option<DateTime<Utc>>,
}

// ---------------------------------------------------------------------------
// Values

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

pub fn datetime(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
    date(y, m, d).and_hms_opt(h, mi, s).expect("valid time")
}

pub fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&datetime(y, m, d, h, mi, s))
}

/// A date far in the past, put into `auto_now*` fields so a test can see
/// that the crate replaced it.
pub fn long_ago() -> NaiveDateTime {
    datetime(2001, 2, 3, 4, 5, 6)
}

/// A valid, unsaved product.
pub fn new_product(name: &str, price: i64, qty: i32) -> Product {
    Product {
        id: 0,
        name: name.to_string(),
        price,
        qty,
        rating: 0.0,
        enabled: true,
        description: None,
        email: "shop@example.com".to_string(),
        homepage: None,
        created: long_ago(),
        updated: long_ago(),
        released: None,
    }
}

/// A valid, unsaved gadget.
pub fn new_gadget(sku: &str, color: &str) -> Gadget {
    Gadget {
        id: 0,
        sku: sku.to_string(),
        color: color.to_string(),
        weight: 1.5,
        stock: 3,
        temperature: -4,
        notes: String::new(),
        payload: vec![1, 2, 3],
        seen_at: utc(2024, 1, 31, 10, 0, 0),
        expires: None,
    }
}

pub fn new_country(code: &str, name: &str, population: i64) -> IsoCountry {
    IsoCountry {
        code: code.to_string(),
        name: name.to_string(),
        population,
    }
}

pub fn new_all_types() -> AllTypes {
    AllTypes {
        id: 0,
        v_i8: 1,
        v_i16: 2,
        v_i32: 3,
        v_i64: 4,
        v_u8: 5,
        v_u16: 6,
        v_u32: 7,
        v_f32: 8.5,
        v_f64: 9.25,
        v_bool: true,
        v_text: "text".to_string(),
        v_blob: vec![0xde, 0xad],
        v_date: date(2024, 1, 31),
        v_datetime: datetime(2024, 1, 31, 10, 0, 0),
        v_utc: utc(2024, 1, 31, 10, 0, 0),
        o_i8: None,
        o_i16: None,
        o_i32: None,
        o_i64: None,
        o_u8: None,
        o_u16: None,
        o_u32: None,
        o_f32: None,
        o_f64: None,
        o_bool: None,
        o_text: None,
        o_blob: None,
        o_date: None,
        o_datetime: None,
        o_utc: None,
    }
}

// ---------------------------------------------------------------------------
// Databases

/// The variable that names the PostgreSQL server the tests also run on.
pub const POSTGRES_ENV: &str = "QUERY_TEST_POSTGRES";

/// The PostgreSQL URL the tests run on, if any. Says once per test binary
/// (on the real stderr, past the test harness's capture) when there is none.
pub fn postgres_url() -> Option<String> {
    static NOTE: Once = Once::new();
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            NOTE.call_once(|| {
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "note: the PostgreSQL tests were not run: set {POSTGRES_ENV}=postgres://user@host/db to run every test on PostgreSQL too"
                );
            });
            None
        }
    }
}

/// A database for one test, dropped (with its PostgreSQL schema) at the
/// end of the test.
pub struct TestDb {
    db: Db,
    /// The admin URL and the schema to drop, on PostgreSQL.
    schema: Option<(String, String)>,
}

impl std::ops::Deref for TestDb {
    type Target = Db;
    fn deref(&self) -> &Db {
        &self.db
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((url, schema)) = self.schema.take()
            && let Ok(admin) = Db::connect(&url)
        {
            let _ = admin.execute_batch(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
        }
    }
}

/// `url` with `options=-csearch_path=<schema>` added.
pub fn with_search_path(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-csearch_path%3D{schema}")
}

/// A fresh, empty PostgreSQL schema of its own, when the tests run on
/// PostgreSQL; the connection's `search_path` is that schema.
///
/// # Panics
///
/// When `QUERY_TEST_POSTGRES` is set but the server can't be used: in CI,
/// PostgreSQL tests never skip.
pub fn postgres_db() -> Option<TestDb> {
    let url = postgres_url()?;
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let schema = format!("test_{}_{n}_{nanos}", std::process::id());
    let admin = Db::connect(&url)
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but PostgreSQL can't be used: {e}"));
    admin
        .execute_batch(&format!("CREATE SCHEMA \"{schema}\""))
        .unwrap_or_else(|e| panic!("creating a test schema on PostgreSQL: {e}"));
    let db = Db::connect(&with_search_path(&url, &schema))
        .unwrap_or_else(|e| panic!("connecting to PostgreSQL's test schema: {e}"));
    Some(TestDb {
        db,
        schema: Some((url, schema)),
    })
}

/// An empty database on each backend the tests run on: SQLite in memory,
/// then PostgreSQL when configured.
pub fn empty_dbs() -> Vec<TestDb> {
    let mut dbs = vec![TestDb {
        db: Db::open_in_memory().expect("open in-memory database"),
        schema: None,
    }];
    dbs.extend(postgres_db());
    dbs
}

/// Creates every test model's table.
pub fn create_tables(db: &Db) {
    db.create_table::<Product>().expect("create products");
    db.create_table::<IsoCountry>().expect("create iso_country");
    db.create_table::<Gadget>().expect("create gadgets");
    db.create_table::<AllTypes>().expect("create all_types");
}

/// Runs `test` on each backend with an empty database; a failure says
/// which backend it was on.
pub fn each_empty_db(test: impl Fn(&Db) -> Result<()>) -> Result<()> {
    for db in empty_dbs() {
        let backend = db.backend();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| test(&db)));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("on {backend:?}: {e}"),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                panic!("on {backend:?}: {message}");
            }
        }
    }
    Ok(())
}

/// Runs `test` on each backend with every test model's table created.
pub fn each_db(test: impl Fn(&Db) -> Result<()>) -> Result<()> {
    each_empty_db(|db| {
        create_tables(db);
        test(db)
    })
}

/// An in-memory SQLite database with every test model's table created.
pub fn memory_db() -> Db {
    let db = Db::open_in_memory().expect("open in-memory database");
    create_tables(&db);
    db
}

/// Saves one product per `(name, price, qty)` and returns them, saved.
pub fn seed_products(db: &Db, rows: &[(&str, i64, i32)]) -> Vec<Product> {
    rows.iter()
        .map(|&(n, pr, q)| {
            let mut p = new_product(n, pr, q);
            p.save(db).expect("save seed product");
            p
        })
        .collect()
}

/// `SELECT COUNT(*) FROM table`, by raw SQL.
pub fn raw_count(db: &Db, table: &str) -> i64 {
    let rows = db
        .query(&format!("SELECT COUNT(*) FROM \"{table}\""), &[])
        .expect("raw count");
    match rows[0][0] {
        Value::Integer(n) => n,
        ref other => panic!("COUNT(*) gave {other:?}"),
    }
}

/// The names of the rows, in the order given.
pub fn names(rows: &[Product]) -> Vec<String> {
    rows.iter().map(|p| p.name.clone()).collect()
}

/// The names of the rows, sorted (for unordered results).
pub fn sorted_names(rows: &[Product]) -> Vec<String> {
    let mut v = names(rows);
    v.sort();
    v
}

/// Sorted owned strings from literals, to compare with `sorted_names`.
pub fn sorted(expected: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// A database file path under the temp directory, unique to this process
/// and call; the file and its WAL/SHM companions are removed on drop.
pub struct TempPath(pub PathBuf);

impl TempPath {
    pub fn new(tag: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "query-test-{tag}-{}-{n}-{nanos}.db",
            std::process::id()
        ));
        TempPath(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
    }
}

/// The names of `table`'s columns in the order they were created, read
/// from the database's own catalog (SQLite's `pragma_table_info`,
/// PostgreSQL's `information_schema` for the current schema).
pub fn column_names(db: &Db, table: &str) -> Vec<String> {
    let sql = match db.backend() {
        Backend::Sqlite => "SELECT name FROM pragma_table_info($1) ORDER BY cid",
        Backend::Postgres => {
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 \
             ORDER BY ordinal_position"
        }
        other => panic!("column_names: no catalog query for {other:?}"),
    };
    db.query(sql, &[Value::Text(table.to_string())])
        .expect("read the table's columns")
        .into_iter()
        .map(|row| match &row[0] {
            Value::Text(name) => name.clone(),
            other => panic!("a column name is {other:?}"),
        })
        .collect()
}
