//! Migrations: a populated database walked through a sequence of model
//! changes, failing migrations, history checks, `inspectdb`, embedding.
//!
//! Models are fixed at compile time, so each step of a model's life is its
//! own struct (`v1::Product`, `v2::Product`, ...) on the same table, and the
//! schema states are built from explicit lists of `&ModelMeta`.

use std::path::{Path, PathBuf};

use query::migrations::{
    DiffOptions, MakeOptions, MakeOutcome, Migration, Migrations, make_migrations,
};
use query::prelude::*;
use query::{Model, ModelMeta};

mod common;

// ---------------------------------------------------------------- helpers

fn tmpdir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("migrations-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn i(v: i64) -> Value {
    Value::Integer(v)
}
fn r(v: f64) -> Value {
    Value::Real(v)
}
fn t(v: &str) -> Value {
    Value::Text(v.to_owned())
}
const NULL: Value = Value::Null;

/// Every row of `sql`, every column, as values.
fn rows(db: &Db, sql: &str) -> Vec<Vec<Value>> {
    let conn = db.connection();
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |row| {
        (0..n)
            .map(|k| {
                row.get::<_, query::rusqlite::types::Value>(k)
                    .map(Value::from)
            })
            .collect()
    })
    .unwrap()
    .collect::<Result<Vec<Vec<Value>>, _>>()
    .unwrap()
}

/// The whole schema (`sqlite_master`), to prove a failed migration left it alone.
fn schema(db: &Db) -> Vec<Vec<Value>> {
    rows(
        db,
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name",
    )
}

fn history(db: &Db) -> Vec<Vec<Value>> {
    rows(
        db,
        "SELECT name, checksum, applied FROM query_migrations ORDER BY name",
    )
}

/// Columns (name, type, not null, default, pk) and indexes (unique,
/// columns) of a table, as SQLite reports them.
type Fingerprint = (Vec<Vec<Value>>, Vec<(Value, Vec<Vec<Value>>)>);

/// The [`Fingerprint`] of `table`.
fn fingerprint(db: &Db, table: &str) -> Fingerprint {
    let cols = rows(
        db,
        &format!(
            "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('{table}') ORDER BY name"
        ),
    );
    let mut indexes: Vec<(Value, Vec<Vec<Value>>)> = rows(
        db,
        &format!("SELECT name, \"unique\" FROM pragma_index_list('{table}') WHERE origin <> 'pk'"),
    )
    .into_iter()
    .map(|row| {
        let Value::Text(name) = &row[0] else {
            panic!("index name")
        };
        (
            row[1].clone(),
            rows(
                db,
                &format!("SELECT name FROM pragma_index_info('{name}') ORDER BY seqno"),
            ),
        )
    })
    .collect();
    indexes.sort_by_key(|(u, c)| format!("{u:?}{c:?}"));
    (cols, indexes)
}

/// The schema `create_table` makes for `M` on a fresh database.
fn fresh_fingerprint<M: Model>() -> Fingerprint {
    let db = Db::open_in_memory().unwrap();
    db.create_table::<M>().unwrap();
    fingerprint(&db, M::META.table)
}

fn make(dir: &Path, models: &[&ModelMeta], diff: DiffOptions) -> query::Result<MakeOutcome> {
    make_migrations(
        dir,
        models,
        &MakeOptions {
            diff,
            ..MakeOptions::default()
        },
    )
}

/// Makes the next migration for `models` (it must change something) and
/// applies it; returns its name.
fn step(db: &Db, dir: &Path, models: &[&ModelMeta], diff: DiffOptions) -> String {
    let migration = match make(dir, models, diff).unwrap() {
        MakeOutcome::Written { migration, .. } => migration,
        other => panic!("expected a migration, got {other:?}"),
    };
    let applied = db.migrate(&Migrations::from_dir(dir).unwrap()).unwrap();
    assert_eq!(applied, vec![migration.name().to_owned()]);
    // Nothing left to do: the models match the files.
    assert!(matches!(
        make(dir, models, DiffOptions::default()).unwrap(),
        MakeOutcome::NoChanges
    ));
    migration.name().to_owned()
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

// ---------------------------------------------------------------- the walk

mod v1 {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "product")]
    pub struct Product {
        pub id: i64,
        #[field(max_length = 50)]
        pub name: String,
        pub price: i64,
        pub weight: i64,
        #[field(max_length = 10)]
        pub code: String,
        pub legacy: String,
    }
}

/// Adds `rating` with a default, and `stock`, NOT NULL without one (a value
/// for existing rows from `--default`): one rebuild.
mod v2 {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "product")]
    pub struct Product {
        pub id: i64,
        #[field(max_length = 50)]
        pub name: String,
        pub price: i64,
        pub weight: i64,
        #[field(max_length = 10)]
        pub code: String,
        pub legacy: String,
        #[field(default = 1.5)]
        pub rating: f64,
        pub stock: i64,
    }
}

/// `weight` becomes nullable.
mod v3 {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "product")]
    pub struct Product {
        pub id: i64,
        #[field(max_length = 50)]
        pub name: String,
        pub price: i64,
        pub weight: Option<i64>,
        #[field(max_length = 10)]
        pub code: String,
        pub legacy: String,
        #[field(default = 1.5)]
        pub rating: f64,
        pub stock: i64,
    }
}

/// `price` changes type, integer to real.
mod v4 {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "product")]
    pub struct Product {
        pub id: i64,
        #[field(max_length = 50)]
        pub name: String,
        pub price: f64,
        pub weight: Option<i64>,
        #[field(max_length = 10)]
        pub code: String,
        pub legacy: String,
        #[field(default = 1.5)]
        pub rating: f64,
        pub stock: i64,
    }
}

/// `code` becomes unique; `name` gets an index.
mod v5 {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "product")]
    pub struct Product {
        pub id: i64,
        #[field(max_length = 50, db_index)]
        pub name: String,
        pub price: f64,
        pub weight: Option<i64>,
        #[field(max_length = 10, unique)]
        pub code: String,
        pub legacy: String,
        #[field(default = 1.5)]
        pub rating: f64,
        pub stock: i64,
    }
}

/// `name` is renamed `title`.
mod v6 {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "product")]
    pub struct Product {
        pub id: i64,
        #[field(max_length = 50, db_index)]
        pub title: String,
        pub price: f64,
        pub weight: Option<i64>,
        #[field(max_length = 10, unique)]
        pub code: String,
        pub legacy: String,
        #[field(default = 1.5)]
        pub rating: f64,
        pub stock: i64,
    }
}

/// `legacy` is dropped.
mod v7 {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "product")]
    pub struct Product {
        pub id: i64,
        #[field(max_length = 50, db_index)]
        pub title: String,
        pub price: f64,
        pub weight: Option<i64>,
        #[field(max_length = 10, unique)]
        pub code: String,
        #[field(default = 1.5)]
        pub rating: f64,
        pub stock: i64,
    }
}

/// `weight` is NOT NULL again; its NULLs get a value from `--default`.
mod v8 {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "product")]
    pub struct Product {
        pub id: i64,
        #[field(max_length = 50, db_index)]
        pub title: String,
        pub price: f64,
        pub weight: i64,
        #[field(max_length = 10, unique)]
        pub code: String,
        #[field(default = 1.5)]
        pub rating: f64,
        pub stock: i64,
    }
}

fn assert_schema_is<M: Model>(db: &Db) {
    assert_eq!(
        fingerprint(db, M::META.table),
        fresh_fingerprint::<M>(),
        "the migrated table differs from the one create_table makes for {}",
        M::META.name
    );
}

fn default(table: &str, column: &str, value: &str) -> DiffOptions {
    DiffOptions {
        defaults: vec![(table.into(), column.into(), value.into())],
        ..DiffOptions::default()
    }
}

#[test]
fn a_populated_database_walks_through_model_changes_keeping_every_row() {
    let root = tmpdir("walk");
    let db = Db::open(root.join("db.sqlite3")).unwrap();
    let dir = root.join("migrations");

    // 0001: the table, and four rows; the fourth is deleted, so AUTOINCREMENT
    // must never hand out id 4 again, even across rebuilds.
    assert_eq!(
        step(&db, &dir, &[v1::Product::META], DiffOptions::default()),
        "0001_initial"
    );
    db.connection()
        .execute_batch(
            "INSERT INTO product (name, price, weight, code, legacy) VALUES
               ('Apple', 100, 10, 'A1', 'x'), ('Banana', 200, 20, 'B2', 'y'),
               ('Cherry', 300, 30, 'C3', 'z'), ('Gone', 1, 1, 'G', 'g');
             DELETE FROM product WHERE id = 4;",
        )
        .unwrap();
    assert_schema_is::<v1::Product>(&db);

    // 0002: a NOT NULL column without a default needs a value for the rows.
    let err = make(&dir, &[v2::Product::META], DiffOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("--default product.stock=VALUE"),
        "{err}"
    );
    assert_eq!(
        files(&dir),
        vec!["0001_initial.sql".to_owned()],
        "nothing written"
    );
    let name = step(
        &db,
        &dir,
        &[v2::Product::META],
        default("product", "stock", "7"),
    );
    assert_eq!(name, "0002_product_rating_product_stock");
    let text = std::fs::read_to_string(dir.join(format!("{name}.sql"))).unwrap();
    // Both columns come in with one rebuild of the table.
    assert_eq!(
        text.matches("CREATE TABLE \"new__product\"").count(),
        1,
        "{text}"
    );
    // The new columns get the model's default and the one-off value.
    assert!(text.contains("\"legacy\", \"stock\") SELECT "), "{text}");
    assert!(text.contains("\"legacy\", 7 FROM \"product\""), "{text}");
    assert_eq!(
        rows(
            &db,
            "SELECT id, name, price, weight, code, legacy, rating, stock FROM product ORDER BY id"
        ),
        vec![
            vec![
                i(1),
                t("Apple"),
                i(100),
                i(10),
                t("A1"),
                t("x"),
                r(1.5),
                i(7)
            ],
            vec![
                i(2),
                t("Banana"),
                i(200),
                i(20),
                t("B2"),
                t("y"),
                r(1.5),
                i(7)
            ],
            vec![
                i(3),
                t("Cherry"),
                i(300),
                i(30),
                t("C3"),
                t("z"),
                r(1.5),
                i(7)
            ],
        ]
    );
    assert_schema_is::<v2::Product>(&db);

    // 0003: weight becomes nullable (a rebuild).
    assert_eq!(
        step(&db, &dir, &[v3::Product::META], DiffOptions::default()),
        "0003_alter_product_weight"
    );
    db.connection()
        .execute_batch(
            "INSERT INTO product (name, price, weight, code, legacy, stock) VALUES ('Durian', 400, NULL, 'D4', 'w', 1)",
        )
        .unwrap();
    assert_eq!(
        rows(&db, "SELECT id, weight FROM product ORDER BY id"),
        vec![
            vec![i(1), i(10)],
            vec![i(2), i(20)],
            vec![i(3), i(30)],
            // 4 was deleted before the rebuild and is not reused.
            vec![i(5), NULL],
        ]
    );
    assert_eq!(v3::Product::objects().count(&db).unwrap(), 4);
    assert_schema_is::<v3::Product>(&db);

    // 0004: price changes type.
    assert_eq!(
        step(&db, &dir, &[v4::Product::META], DiffOptions::default()),
        "0004_alter_product_price"
    );
    assert_eq!(
        rows(
            &db,
            "SELECT id, name, price, typeof(price), weight, code, legacy, rating, stock FROM product ORDER BY id"
        ),
        vec![
            vec![
                i(1),
                t("Apple"),
                r(100.0),
                t("real"),
                i(10),
                t("A1"),
                t("x"),
                r(1.5),
                i(7)
            ],
            vec![
                i(2),
                t("Banana"),
                r(200.0),
                t("real"),
                i(20),
                t("B2"),
                t("y"),
                r(1.5),
                i(7)
            ],
            vec![
                i(3),
                t("Cherry"),
                r(300.0),
                t("real"),
                i(30),
                t("C3"),
                t("z"),
                r(1.5),
                i(7)
            ],
            vec![
                i(5),
                t("Durian"),
                r(400.0),
                t("real"),
                NULL,
                t("D4"),
                t("w"),
                r(1.5),
                i(1)
            ],
        ]
    );
    let read = v4::Product::objects().all(&db).unwrap();
    assert_eq!(read.iter().map(|p| p.price).sum::<f64>(), 1000.0);
    assert_schema_is::<v4::Product>(&db);

    // 0005: a unique column and an index.
    assert_eq!(
        step(&db, &dir, &[v5::Product::META], DiffOptions::default()),
        "0005_alter_product_code"
    );
    assert_eq!(
        rows(&db, "SELECT id, name, code FROM product ORDER BY id"),
        vec![
            vec![i(1), t("Apple"), t("A1")],
            vec![i(2), t("Banana"), t("B2")],
            vec![i(3), t("Cherry"), t("C3")],
            vec![i(5), t("Durian"), t("D4")],
        ]
    );
    let dup = db.connection().execute(
        "INSERT INTO product (name, price, code, legacy, stock) VALUES ('Again', 1, 'A1', '', 0)",
        [],
    );
    assert!(dup.is_err(), "code must be unique now");
    assert_eq!(
        rows(
            &db,
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'product_name_idx'"
        ),
        vec![vec![t("product_name_idx")]]
    );
    assert_schema_is::<v5::Product>(&db);

    // 0006: a rename is never guessed...
    let err = make(&dir, &[v6::Product::META], DiffOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("--allow-drop"), "{msg}");
    assert!(msg.contains("--rename-column product.name=title"), "{msg}");
    // ...and done when asked.
    let rename = DiffOptions {
        rename_columns: vec![("product".into(), "name".into(), "title".into())],
        ..DiffOptions::default()
    };
    assert_eq!(
        step(&db, &dir, &[v6::Product::META], rename),
        "0006_rename_name_product_title"
    );
    assert_eq!(
        rows(
            &db,
            "SELECT id, title, price, code FROM product ORDER BY id"
        ),
        vec![
            vec![i(1), t("Apple"), r(100.0), t("A1")],
            vec![i(2), t("Banana"), r(200.0), t("B2")],
            vec![i(3), t("Cherry"), r(300.0), t("C3")],
            vec![i(5), t("Durian"), r(400.0), t("D4")],
        ]
    );
    assert_schema_is::<v6::Product>(&db);

    // 0007: dropping a column needs confirmation.
    let err = make(&dir, &[v7::Product::META], DiffOptions::default()).unwrap_err();
    assert!(err.to_string().contains("--allow-drop"), "{err}");
    let drop = DiffOptions {
        allow_drop: true,
        ..DiffOptions::default()
    };
    assert_eq!(
        step(&db, &dir, &[v7::Product::META], drop),
        "0007_remove_product_legacy"
    );
    assert_eq!(
        rows(&db, "SELECT * FROM product ORDER BY id"),
        vec![
            vec![i(1), t("Apple"), r(100.0), i(10), t("A1"), r(1.5), i(7)],
            vec![i(2), t("Banana"), r(200.0), i(20), t("B2"), r(1.5), i(7)],
            vec![i(3), t("Cherry"), r(300.0), i(30), t("C3"), r(1.5), i(7)],
            vec![i(5), t("Durian"), r(400.0), NULL, t("D4"), r(1.5), i(1)],
        ]
    );
    assert_schema_is::<v7::Product>(&db);

    // 0008: NOT NULL again; the NULLs need a value.
    let err = make(&dir, &[v8::Product::META], DiffOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("--default product.weight=VALUE"),
        "{err}"
    );
    step(
        &db,
        &dir,
        &[v8::Product::META],
        default("product", "weight", "0"),
    );
    assert_eq!(
        rows(&db, "SELECT id, weight FROM product ORDER BY id"),
        vec![
            vec![i(1), i(10)],
            vec![i(2), i(20)],
            vec![i(3), i(30)],
            vec![i(5), i(0)],
        ]
    );
    assert_schema_is::<v8::Product>(&db);

    // Every migration is recorded, and the next new row still gets a fresh id.
    assert_eq!(history(&db).len(), 8);
    db.connection()
        .execute_batch(
            "INSERT INTO product (title, price, weight, code, stock) VALUES ('Elder', 1, 1, 'E5', 1)",
        )
        .unwrap();
    assert_eq!(rows(&db, "SELECT max(id) FROM product"), vec![vec![i(6)]]);
    assert_eq!(
        rows(&db, "PRAGMA foreign_keys"),
        vec![vec![i(1)]],
        "foreign keys are back on"
    );
}

// ---------------------------------------------------------------- makemigrations

mod shop {
    use query::prelude::*;
    #[derive(Model, Debug)]
    pub struct Customer {
        pub id: i64,
        #[field(max_length = 100)]
        pub name: String,
        #[field(email, unique)]
        pub email: String,
        #[field(default = true)]
        pub active: bool,
        pub notes: Option<String>,
    }
    #[derive(Model, Debug)]
    pub struct Order {
        pub id: i64,
        #[field(db_index)]
        pub customer_id: i64,
        pub total: f64,
    }
}

#[test]
fn makemigrations_twice_without_change_writes_nothing_the_second_time() {
    let dir = tmpdir("twice");
    let models = [shop::Customer::META, shop::Order::META];
    let MakeOutcome::Written { path, migration } =
        make(&dir, &models, DiffOptions::default()).unwrap()
    else {
        panic!("expected a migration")
    };
    assert_eq!(migration.name(), "0001_initial");
    assert_eq!(path, dir.join("0001_initial.sql"));
    let before = std::fs::read_to_string(&path).unwrap();
    assert!(matches!(
        make(&dir, &models, DiffOptions::default()).unwrap(),
        MakeOutcome::NoChanges
    ));
    assert_eq!(files(&dir), vec!["0001_initial.sql".to_owned()]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
}

#[test]
fn dry_run_writes_nothing() {
    let dir = tmpdir("dry");
    let outcome = make_migrations(
        &dir,
        &[shop::Customer::META],
        &MakeOptions {
            dry_run: true,
            name: Some("customers".into()),
            ..MakeOptions::default()
        },
    )
    .unwrap();
    let MakeOutcome::DryRun { migration, .. } = outcome else {
        panic!("expected a dry run")
    };
    assert_eq!(migration.name(), "0001_customers");
    assert!(files(&dir).is_empty());
}

#[test]
fn the_initial_migration_creates_what_create_table_creates() {
    let dir = tmpdir("initial");
    let db = Db::open_in_memory().unwrap();
    step(
        &db,
        &dir,
        &[shop::Customer::META, shop::Order::META],
        DiffOptions::default(),
    );
    assert_schema_is::<shop::Customer>(&db);
    assert_schema_is::<shop::Order>(&db);
    // The file is reviewable: operations, statements, state.
    let m = Migrations::from_dir(&dir).unwrap();
    let first = m.get("0001").unwrap();
    assert_eq!(
        first.operations(),
        vec![
            "CreateTable customer (id, name, email, active, notes)",
            "CreateTable order (id, customer_id, total)",
            "CreateIndex order_customer_id_idx ON order (customer_id)",
        ]
    );
    assert_eq!(first.statements().len(), 3);
    assert_eq!(
        first.state().unwrap(),
        query::migrations::SchemaState::from_models(&[shop::Customer::META, shop::Order::META])
            .unwrap()
    );
}

mod renamed {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "client")]
    pub struct Customer {
        pub id: i64,
        #[field(max_length = 100)]
        pub name: String,
        #[field(email, unique)]
        pub email: String,
        #[field(default = true)]
        pub active: bool,
        pub notes: Option<String>,
    }
}

#[test]
fn a_table_is_renamed_only_when_asked_and_keeps_its_rows() {
    let dir = tmpdir("rename-table");
    let db = Db::open_in_memory().unwrap();
    step(&db, &dir, &[shop::Customer::META], DiffOptions::default());
    db.connection()
        .execute_batch("INSERT INTO customer (name, email) VALUES ('Ann', 'ann@example.com')")
        .unwrap();
    let err = make(&dir, &[renamed::Customer::META], DiffOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("--rename-table customer=client"),
        "{err}"
    );
    let rename = DiffOptions {
        rename_tables: vec![("customer".into(), "client".into())],
        ..DiffOptions::default()
    };
    assert_eq!(
        step(&db, &dir, &[renamed::Customer::META], rename),
        "0002_rename_customer_client"
    );
    assert_eq!(
        rows(&db, "SELECT id, name, email, active, notes FROM client"),
        vec![vec![i(1), t("Ann"), t("ann@example.com"), i(1), NULL]]
    );
    assert_schema_is::<renamed::Customer>(&db);
}

#[test]
fn dropping_a_table_needs_confirmation() {
    let dir = tmpdir("drop-table");
    let db = Db::open_in_memory().unwrap();
    step(
        &db,
        &dir,
        &[shop::Customer::META, shop::Order::META],
        DiffOptions::default(),
    );
    let err = make(&dir, &[shop::Customer::META], DiffOptions::default()).unwrap_err();
    assert!(err.to_string().contains("table `order`"), "{err}");
    assert!(err.to_string().contains("--allow-drop"), "{err}");
    let drop = DiffOptions {
        allow_drop: true,
        ..DiffOptions::default()
    };
    assert_eq!(
        step(&db, &dir, &[shop::Customer::META], drop),
        "0002_delete_order"
    );
    assert_eq!(
        rows(&db, "SELECT name FROM sqlite_master WHERE name = 'order'"),
        Vec::<Vec<Value>>::new()
    );
}

#[test]
fn a_bad_default_or_an_unused_flag_is_an_error() {
    let dir = tmpdir("flags");
    let db = Db::open_in_memory().unwrap();
    step(&db, &dir, &[v1::Product::META], DiffOptions::default());
    let err = make(
        &dir,
        &[v2::Product::META],
        default("product", "stock", "many"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("not an integer"), "{err}");
    let err = make(&dir, &[v1::Product::META], default("product", "nope", "1")).unwrap_err();
    assert!(
        err.to_string().contains("--default product.nope=1"),
        "{err}"
    );
    let rename = DiffOptions {
        rename_columns: vec![("product".into(), "nope".into(), "x".into())],
        ..DiffOptions::default()
    };
    let err = make(&dir, &[v1::Product::META], rename).unwrap_err();
    assert!(err.to_string().contains("no column `nope`"), "{err}");
    assert_eq!(files(&dir), vec!["0001_initial.sql".to_owned()]);
}

// ---------------------------------------------------------------- migrate

mod item1 {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "item")]
    pub struct Item {
        pub id: i64,
        pub code: String,
    }
}

mod item2 {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "item")]
    pub struct Item {
        pub id: i64,
        pub code: i64,
    }
}

#[test]
fn a_migration_failing_half_way_leaves_schema_and_history_as_they_were() {
    let dir = tmpdir("fail");
    let db = Db::open(dir.join("db.sqlite3")).unwrap();
    step(&db, &dir, &[item1::Item::META], DiffOptions::default());
    db.connection()
        .execute_batch("INSERT INTO item (code) VALUES ('12'), ('abc')")
        .unwrap();
    let MakeOutcome::Written { migration, .. } =
        make(&dir, &[item2::Item::META], DiffOptions::default()).unwrap()
    else {
        panic!("expected a migration")
    };
    let (schema_before, history_before) = (schema(&db), history(&db));
    let rows_before = rows(&db, "SELECT id, code FROM item ORDER BY id");

    // The rebuild's copy fails on 'abc', after the new table was created.
    let err = db
        .migrate(&Migrations::from_dir(&dir).unwrap())
        .unwrap_err();
    match &err {
        Error::MigrationFailed {
            migration: name,
            source,
        } => {
            assert_eq!(name, migration.name());
            match &**source {
                Error::Integrity { sql, .. } | Error::Database { sql, .. } => {
                    assert!(sql.starts_with("INSERT INTO \"new__item\""), "{sql}");
                }
                other => panic!("expected a statement's error, got {other:?}"),
            }
        }
        other => panic!("expected MigrationFailed, got {other:?}"),
    }
    assert!(err.to_string().contains("0002_alter_item_code"), "{err}");
    assert_eq!(schema(&db), schema_before);
    assert_eq!(history(&db), history_before);
    assert_eq!(
        rows(&db, "SELECT id, code FROM item ORDER BY id"),
        rows_before
    );
    assert_eq!(rows(&db, "PRAGMA foreign_keys"), vec![vec![i(1)]]);
    assert!(db.connection().is_autocommit());

    // Fix the data, and the same migration applies.
    db.connection()
        .execute_batch("UPDATE item SET code = '13' WHERE code = 'abc'")
        .unwrap();
    db.migrate(&Migrations::from_dir(&dir).unwrap()).unwrap();
    assert_eq!(
        rows(&db, "SELECT id, code, typeof(code) FROM item ORDER BY id"),
        vec![
            vec![i(1), i(12), t("integer")],
            vec![i(2), i(13), t("integer")]
        ]
    );
}

#[test]
fn a_rebuild_keeps_the_foreign_keys_that_point_at_the_table() {
    let dir = tmpdir("fk-rebuild");
    let db = Db::open_in_memory().unwrap();
    step(&db, &dir, &[item1::Item::META], DiffOptions::default());
    db.connection()
        .execute_batch(
            "CREATE TABLE box (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES item (id) ON DELETE CASCADE);
             INSERT INTO item (code) VALUES ('1'), ('2');
             INSERT INTO box (item_id) VALUES (1), (2), (2);",
        )
        .unwrap();
    step(&db, &dir, &[item2::Item::META], DiffOptions::default());
    // The rebuild's DROP TABLE ran with foreign keys off: no cascade.
    assert_eq!(
        rows(&db, "SELECT id, item_id FROM box ORDER BY id"),
        vec![vec![i(1), i(1)], vec![i(2), i(2)], vec![i(3), i(2)]]
    );
    assert_eq!(
        rows(
            &db,
            "SELECT \"table\", \"to\" FROM pragma_foreign_key_list('box')"
        ),
        vec![vec![t("item"), t("id")]]
    );
    // And the constraint still works on the new table.
    db.connection()
        .execute_batch("DELETE FROM item WHERE id = 2")
        .unwrap();
    assert_eq!(rows(&db, "SELECT count(*) FROM box"), vec![vec![i(1)]]);
}

fn hand_written(name: &str, sql: &str) -> Migration {
    Migration::new(
        name,
        format!("{sql}\n-- State after this migration, read by `makemigrations` (do not edit):\n"),
    )
}

#[test]
fn a_failing_statement_rolls_back_the_statements_before_it() {
    let db = Db::open_in_memory().unwrap();
    let first = hand_written(
        "0001_initial",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT);\nINSERT INTO t (x) VALUES ('kept');",
    );
    db.migrate(&Migrations::new(vec![first.clone()]).unwrap())
        .unwrap();
    let (schema_before, history_before) = (schema(&db), history(&db));
    let second = hand_written(
        "0002_broken",
        "CREATE TABLE u (id INTEGER PRIMARY KEY);\n\
         ALTER TABLE t ADD COLUMN y INTEGER;\n\
         UPDATE t SET x = 'changed';\n\
         INSERT INTO missing VALUES (1);\n\
         CREATE TABLE never (id INTEGER);",
    );
    let err = db
        .migrate(&Migrations::new(vec![first.clone(), second]).unwrap())
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("migration 0002_broken"), "{msg}");
    assert!(msg.contains("INSERT INTO missing VALUES (1)"), "{msg}");
    assert!(msg.contains("no such table: missing"), "{msg}");
    assert_eq!(schema(&db), schema_before);
    assert_eq!(history(&db), history_before);
    assert_eq!(rows(&db, "SELECT x FROM t"), vec![vec![t("kept")]]);
}

#[test]
fn a_migration_that_breaks_a_foreign_key_is_rolled_back() {
    let db = Db::open_in_memory().unwrap();
    let first = hand_written(
        "0001_initial",
        "CREATE TABLE parent (id INTEGER PRIMARY KEY);\n\
         CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));\n\
         INSERT INTO parent VALUES (1);\n\
         INSERT INTO child VALUES (1, 1);",
    );
    let second = hand_written("0002_orphan", "DELETE FROM parent;");
    db.migrate(&Migrations::new(vec![first.clone()]).unwrap())
        .unwrap();
    let err = db
        .migrate(&Migrations::new(vec![first, second]).unwrap())
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("0002_orphan"), "{msg}");
    assert!(msg.contains("foreign_key_check"), "{msg}");
    assert_eq!(rows(&db, "SELECT id FROM parent"), vec![vec![i(1)]]);
    assert_eq!(history(&db).len(), 1);
    assert_eq!(rows(&db, "PRAGMA foreign_keys"), vec![vec![i(1)]]);
}

#[test]
fn migrate_refuses_a_history_that_disagrees_with_the_files() {
    let db = Db::open_in_memory().unwrap();
    let a = hand_written("0001_initial", "CREATE TABLE t (id INTEGER PRIMARY KEY);");
    let b = hand_written("0002_more", "ALTER TABLE t ADD COLUMN x TEXT;");
    let c = hand_written("0003_again", "ALTER TABLE t ADD COLUMN y TEXT;");
    db.migrate(&Migrations::new(vec![a.clone(), b.clone()]).unwrap())
        .unwrap();
    let schema_before = schema(&db);

    // Applied twice: nothing to do.
    assert!(
        db.migrate(&Migrations::new(vec![a.clone(), b.clone()]).unwrap())
            .unwrap()
            .is_empty()
    );

    // An applied file was edited.
    let edited = hand_written("0002_more", "ALTER TABLE t ADD COLUMN x INTEGER;");
    let err = db
        .migrate(&Migrations::new(vec![a.clone(), edited, c.clone()]).unwrap())
        .unwrap_err();
    assert!(matches!(err, Error::MigrationHistory(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("0002_more was edited after it was applied"),
        "{err}"
    );

    // An applied file was removed.
    let err = db
        .migrate(&Migrations::new(vec![a.clone(), c.clone()]).unwrap())
        .unwrap_err();
    assert!(matches!(err, Error::MigrationHistory(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("0002_more is applied to this database but its file is missing"),
        "{err}"
    );
    // Refused before anything ran: 0003 was not applied.
    assert_eq!(schema(&db), schema_before);
    assert_eq!(history(&db).len(), 2);

    // showmigrations refuses the same way, and shows a good history.
    assert!(
        db.migration_status(&Migrations::new(vec![a.clone(), c.clone()]).unwrap())
            .is_err()
    );
    let status = db
        .migration_status(&Migrations::new(vec![a, b, c]).unwrap())
        .unwrap();
    assert_eq!(
        status
            .iter()
            .map(|s| (s.name.as_str(), s.applied))
            .collect::<Vec<_>>(),
        vec![
            ("0001_initial", true),
            ("0002_more", true),
            ("0003_again", false)
        ]
    );
}

#[test]
fn migrate_refuses_to_run_inside_a_transaction() {
    let db = Db::open_in_memory().unwrap();
    let a = hand_written("0001_initial", "CREATE TABLE t (id INTEGER PRIMARY KEY);");
    let migrations = Migrations::new(vec![a]).unwrap();
    let err = db.atomic(|db| db.migrate(&migrations)).unwrap_err();
    assert!(err.to_string().contains("inside a transaction"), "{err}");
}

#[test]
fn migration_names_are_checked() {
    let bad = Migrations::new(vec![hand_written("initial", "")]);
    assert!(
        bad.unwrap_err()
            .to_string()
            .contains("not a migration name")
    );
    let twice = Migrations::new(vec![hand_written("0001_a", ""), hand_written("0001_b", "")]);
    assert!(twice.unwrap_err().to_string().contains("same number"));
}

// ---------------------------------------------------------------- embedding

static EMBEDDED: Migrations = query::embed_migrations!("tests/migrations/embedded");

#[test]
fn embedded_migrations_apply_at_start_up() {
    let db = Db::open_in_memory().unwrap();
    assert_eq!(EMBEDDED.len(), 1);
    assert_eq!(db.migrate(&EMBEDDED).unwrap(), vec!["0001_initial"]);
    assert!(db.migrate(&EMBEDDED).unwrap().is_empty());
    assert_schema_is::<shop::Customer>(&db);
    // The embedded file is the one makemigrations writes for these models today.
    let next = query::migrations::next_migration(
        &EMBEDDED,
        &[shop::Customer::META],
        &MakeOptions::default(),
    )
    .unwrap();
    assert!(next.is_none(), "{next:?}");
}

// ---------------------------------------------------------------- inspectdb

#[path = "migrations/inspected.rs"]
mod inspected;

const LEGACY_SCHEMA: &str = r#"
CREATE TABLE customer (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name VARCHAR(100) NOT NULL,
    email TEXT UNIQUE,
    vip BOOLEAN NOT NULL DEFAULT 0,
    notes TEXT
);
CREATE TABLE "order" (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customer (id),
    total REAL NOT NULL DEFAULT 0.0,
    placed DATE,
    "Status" TEXT NOT NULL DEFAULT 'new',
    receipt BLOB
);
CREATE INDEX order_placed ON "order" (placed);
CREATE TABLE tag (
    code TEXT NOT NULL PRIMARY KEY,
    label TEXT CHECK (length(label) <= 20)
);
CREATE TABLE log (message TEXT NOT NULL, at DATETIME);
INSERT INTO log VALUES ('started', '2024-03-01 10:00:00'), ('stopped', NULL);
INSERT INTO customer (name, email, vip, notes) VALUES
    ('Ann', 'ann@example.com', 1, NULL), ('Bob', NULL, 0, 'likes tea');
INSERT INTO "order" (customer_id, total, placed, "Status", receipt) VALUES
    (1, 9.5, '2024-03-01', 'paid', x'0102'), (2, 20.0, NULL, 'new', NULL);
INSERT INTO tag VALUES ('red', 'Red'), ('blue', NULL);
"#;

/// `inspectdb` on a database built with plain SQL writes the source of
/// `tests/migrations/inspected.rs` exactly; that file is compiled into this
/// test and reads the rows back. Re-bless with `QUERY_BLESS=1`.
#[test]
fn inspectdb_writes_models_that_compile_and_read_the_rows() {
    let db = Db::open_in_memory().unwrap();
    db.connection().execute_batch(LEGACY_SCHEMA).unwrap();
    let source = query::migrations::inspectdb(&db).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/migrations/inspected.rs");
    if std::env::var_os("QUERY_BLESS").is_some() {
        std::fs::write(&path, &source).unwrap();
    }
    assert_eq!(
        source,
        std::fs::read_to_string(&path).unwrap(),
        "inspectdb's output changed; review it and re-bless with QUERY_BLESS=1"
    );

    use inspected::{Customer, Order, Tag};
    let customers = Customer::objects()
        .order_by(inspected::customer::id.asc())
        .all(&db)
        .unwrap();
    assert_eq!(customers.len(), 2);
    assert_eq!(customers[0].name, "Ann");
    assert_eq!(customers[0].email.as_deref(), Some("ann@example.com"));
    assert!(customers[0].vip);
    assert_eq!(customers[1].notes.as_deref(), Some("likes tea"));
    let orders = Order::objects()
        .order_by(inspected::order::id.asc())
        .all(&db)
        .unwrap();
    assert_eq!(orders.len(), 2);
    assert_eq!(orders[0].customer.id(), 1);
    assert_eq!(orders[0].customer.fetch(&db).unwrap().name, "Ann");
    assert_eq!(orders[0].total, 9.5);
    assert_eq!(
        orders[0].placed,
        Some(chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap())
    );
    assert_eq!(orders[0].status, "paid");
    assert_eq!(orders[0].receipt, Some(vec![1, 2]));
    assert_eq!(orders[1].placed, None);
    let tags = Tag::objects()
        .order_by(inspected::tag::code.asc())
        .all(&db)
        .unwrap();
    assert_eq!(
        tags.iter()
            .map(|t| (t.code.as_str(), t.label.as_deref()))
            .collect::<Vec<_>>(),
        vec![("blue", None), ("red", Some("Red"))]
    );
    // A table without a primary key reads through its rowid.
    let log = inspected::Log::objects()
        .order_by(inspected::log::rowid.asc())
        .all(&db)
        .unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!((log[0].rowid, log[0].message.as_str()), (1, "started"));
    assert_eq!(
        log[0].at,
        Some(
            chrono::NaiveDate::from_ymd_opt(2024, 3, 1)
                .unwrap()
                .and_hms_opt(10, 0, 0)
                .unwrap()
        )
    );
    assert_eq!(log[1].at, None);
    // And they write: a new order through the inspected model.
    let mut o = Order {
        id: 0,
        customer: ForeignKey::new(2),
        total: 1.0,
        placed: None,
        status: "new".into(),
        receipt: None,
    };
    o.save(&db).unwrap();
    assert_eq!(o.id, 3);
}

/// Adopting the crate on an existing database: models from `inspectdb`, an
/// initial migration from them, faked because the tables exist, and from
/// then on the usual loop.
#[test]
fn an_inspected_database_adopts_migrations_with_fake_initial() {
    let db = Db::open_in_memory().unwrap();
    db.connection().execute_batch(LEGACY_SCHEMA).unwrap();
    let models = [
        inspected::Customer::META,
        inspected::Log::META,
        inspected::Order::META,
        inspected::Tag::META,
    ];
    let initial =
        query::migrations::next_migration(&Migrations::default(), &models, &MakeOptions::default())
            .unwrap()
            .unwrap();
    let migrations = Migrations::new(vec![initial]).unwrap();
    // Running it would fail: the tables exist. It says what to do instead.
    let err = db.migrate(&migrations).unwrap_err();
    assert!(err.to_string().contains("already has the tables"), "{err}");
    assert!(err.to_string().contains("--fake-initial"), "{err}");
    assert_eq!(
        db.fake_initial(&migrations).unwrap().as_deref(),
        Some("0001_initial")
    );
    assert!(db.migrate(&migrations).unwrap().is_empty());
    assert_eq!(db.fake_initial(&migrations).unwrap(), None);
    assert_eq!(rows(&db, "SELECT count(*) FROM customer"), vec![vec![i(2)]]);
}

#[test]
fn a_migration_may_not_manage_its_own_transaction() {
    let db = Db::open_in_memory().unwrap();
    for sql in ["BEGIN;", "COMMIT;", "PRAGMA foreign_keys = ON;"] {
        let m = hand_written(
            "0001_initial",
            &format!("CREATE TABLE t (id INTEGER);\n{sql}"),
        );
        let err = db.migrate(&Migrations::new(vec![m]).unwrap()).unwrap_err();
        assert!(err.to_string().contains("transaction of its own"), "{err}");
        assert!(schema(&db).iter().all(|row| row[1] != t("t")));
    }
}

#[test]
fn a_rebuild_keeps_the_views_and_triggers_on_the_table() {
    let dir = tmpdir("views");
    let db = Db::open_in_memory().unwrap();
    step(&db, &dir, &[item1::Item::META], DiffOptions::default());
    db.connection()
        .execute_batch(
            "CREATE TABLE audit (code TEXT);
             CREATE VIEW item_codes AS SELECT code FROM item;
             CREATE TRIGGER item_audit AFTER INSERT ON item BEGIN INSERT INTO audit VALUES (new.code); END;
             INSERT INTO item (code) VALUES ('1');",
        )
        .unwrap();
    step(&db, &dir, &[item2::Item::META], DiffOptions::default());
    db.connection()
        .execute_batch("INSERT INTO item (code) VALUES (2)")
        .unwrap();
    assert_eq!(
        rows(&db, "SELECT code FROM item_codes ORDER BY code"),
        vec![vec![i(1)], vec![i(2)]]
    );
    assert_eq!(
        rows(&db, "SELECT code FROM audit ORDER BY code"),
        vec![vec![t("1")], vec![t("2")]],
        "the trigger still fires"
    );
    assert_eq!(rows(&db, "PRAGMA legacy_alter_table"), vec![vec![i(0)]]);
}

#[test]
fn the_registry_refuses_two_models_on_one_table() {
    // This test binary links `v1::Product` ... `v8::Product`, all on
    // `product`, and two `Customer`s on `customer`.
    let err = query::migrations::registry_models().unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("two different models"), "{msg}");
    assert!(msg.contains("one model per table"), "{msg}");
}

#[test]
fn two_programs_migrating_at_once_apply_each_migration_once() {
    let dir = tmpdir("concurrent");
    let path = dir.join("db.sqlite3");
    let migrations = Migrations::new(vec![
        hand_written(
            "0001_initial",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT);",
        ),
        hand_written("0002_rows", "INSERT INTO t (x) VALUES ('once');"),
    ])
    .unwrap();
    // The file exists, in WAL mode, before the programs start.
    drop(Db::open(&path).unwrap());
    let runs: Vec<Vec<String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let db = Db::open(&path).unwrap();
                    db.migrate(&migrations).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    // Each migration was applied by exactly one of them.
    let mut applied: Vec<String> = runs.into_iter().flatten().collect();
    applied.sort();
    assert_eq!(applied, vec!["0001_initial", "0002_rows"]);
    let db = Db::open(&path).unwrap();
    assert_eq!(rows(&db, "SELECT x FROM t"), vec![vec![t("once")]]);
    assert_eq!(history(&db).len(), 2);
}

// ---------------------------------------------------------------- review fixes

mod injected {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "note")]
    pub struct Note {
        pub id: i64,
        #[field(default = "x\nDROP TABLE other; --")]
        pub body: String,
    }
}

#[test]
fn a_default_with_a_newline_stays_in_its_comment_and_round_trips() {
    let dir = tmpdir("newline-default");
    let db = Db::open_in_memory().unwrap();
    db.connection()
        .execute_batch("CREATE TABLE other (x); INSERT INTO other VALUES (1);")
        .unwrap();
    // `step` also checks that the next makemigrations finds no change: the
    // state line read the default back exactly.
    step(&db, &dir, &[injected::Note::META], DiffOptions::default());
    assert_eq!(rows(&db, "SELECT x FROM other"), vec![vec![i(1)]]);
    db.connection()
        .execute_batch("INSERT INTO note DEFAULT VALUES")
        .unwrap();
    assert_eq!(
        rows(&db, "SELECT body FROM note"),
        vec![vec![t("x\nDROP TABLE other; --")]]
    );
    // Every line of the header and of the state is a comment.
    let text = std::fs::read_to_string(dir.join("0001_initial.sql")).unwrap();
    let (head, _) = text.split_once("\n\n").unwrap();
    assert!(head.lines().all(|l| l.starts_with("--")), "{head}");
    let (_, state) = text.split_once("-- State after").unwrap();
    assert!(
        state.lines().skip(1).all(|l| l.starts_with("-- @")),
        "{state}"
    );
}

mod control_name {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "bad\ntable")]
    pub struct Bad {
        pub id: i64,
    }
}

#[test]
fn a_name_with_a_control_character_is_refused() {
    let dir = tmpdir("control-name");
    let err = make(&dir, &[control_name::Bad::META], DiffOptions::default()).unwrap_err();
    assert!(err.to_string().contains("control character"), "{err}");
    assert!(files(&dir).is_empty());
}

mod unique_item {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "item")]
    pub struct Item {
        pub id: i64,
        #[field(unique)]
        pub code: String,
    }
}

mod thing {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "thing")]
    pub struct Thing {
        pub id: i64,
        #[field(unique)]
        pub code: String,
    }
}

/// The triggers on `table` (any case), by name.
fn triggers(db: &Db) -> Vec<Vec<Value>> {
    rows(
        db,
        "SELECT name, lower(tbl_name) FROM sqlite_master WHERE type = 'trigger' ORDER BY name",
    )
}

#[test]
fn a_rebuild_keeps_a_trigger_declared_in_another_case() {
    let dir = tmpdir("trigger-case");
    let db = Db::open_in_memory().unwrap();
    step(&db, &dir, &[item1::Item::META], DiffOptions::default());
    db.connection()
        .execute_batch(
            "CREATE TABLE audit (code TEXT);
             CREATE TRIGGER tr AFTER INSERT ON Item BEGIN INSERT INTO audit VALUES (new.code); END;
             INSERT INTO item (code) VALUES ('a');",
        )
        .unwrap();
    step(
        &db,
        &dir,
        &[unique_item::Item::META],
        DiffOptions::default(),
    );
    assert_eq!(triggers(&db), vec![vec![t("tr"), t("item")]]);
    db.connection()
        .execute_batch("INSERT INTO item (code) VALUES ('b')")
        .unwrap();
    assert_eq!(
        rows(&db, "SELECT code FROM audit ORDER BY code"),
        vec![vec![t("a")], vec![t("b")]]
    );
}

#[test]
fn a_rebuild_keeps_the_triggers_of_a_table_renamed_in_the_same_migration() {
    let dir = tmpdir("trigger-rename");
    let db = Db::open_in_memory().unwrap();
    step(&db, &dir, &[item1::Item::META], DiffOptions::default());
    db.connection()
        .execute_batch(
            "CREATE TABLE audit (code TEXT);
             CREATE TRIGGER tr AFTER INSERT ON item BEGIN INSERT INTO audit VALUES (new.code); END;",
        )
        .unwrap();
    let rename = DiffOptions {
        rename_tables: vec![("item".into(), "thing".into())],
        ..DiffOptions::default()
    };
    step(&db, &dir, &[thing::Thing::META], rename);
    assert_eq!(triggers(&db), vec![vec![t("tr"), t("thing")]]);
    db.connection()
        .execute_batch("INSERT INTO thing (code) VALUES ('c')")
        .unwrap();
    assert_eq!(rows(&db, "SELECT code FROM audit"), vec![vec![t("c")]]);
}

#[test]
fn a_migration_that_loses_a_trigger_is_refused() {
    let db = Db::open_in_memory().unwrap();
    let first = hand_written(
        "0001_initial",
        "CREATE TABLE t (x TEXT); CREATE TABLE audit (x TEXT);
         CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO audit VALUES (new.x); END;",
    );
    db.migrate(&Migrations::new(vec![first.clone()]).unwrap())
        .unwrap();
    // A hand-written rebuild that forgets the trigger.
    let second = hand_written(
        "0002_rebuild",
        "CREATE TABLE t2 (x TEXT); INSERT INTO t2 SELECT x FROM t; DROP TABLE t; ALTER TABLE t2 RENAME TO t;",
    );
    let before = schema(&db);
    let err = db
        .migrate(&Migrations::new(vec![first, second]).unwrap())
        .unwrap_err();
    assert!(err.to_string().contains("trigger `tr`"), "{err}");
    assert_eq!(schema(&db), before);
}

#[test]
fn a_rebuild_keeps_an_index_the_migrations_do_not_know() {
    let dir = tmpdir("drift-index");
    let db = Db::open_in_memory().unwrap();
    step(&db, &dir, &[item1::Item::META], DiffOptions::default());
    // A migration of the user's own adds an index the state can't know.
    let outcome = make_migrations(
        &dir,
        &[item1::Item::META],
        &MakeOptions {
            empty: true,
            ..MakeOptions::default()
        },
    )
    .unwrap();
    let MakeOutcome::Written { path, .. } = outcome else {
        panic!("{outcome:?}")
    };
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen(
            "-- Write your statements here",
            "CREATE INDEX item_code_own ON item (code);\n-- Write your statements here",
            1,
        ),
    )
    .unwrap();
    db.migrate(&Migrations::from_dir(&dir).unwrap()).unwrap();
    db.connection()
        .execute_batch("INSERT INTO item (code) VALUES ('a')")
        .unwrap();
    let (before, before_history) = (schema(&db), history(&db));
    make(&dir, &[unique_item::Item::META], DiffOptions::default()).unwrap();
    // The rebuild starts from the table as it is: the index is kept.
    db.migrate(&Migrations::from_dir(&dir).unwrap()).unwrap();
    assert_eq!(
        rows(
            &db,
            "SELECT sql FROM sqlite_master WHERE name = 'item_code_own'"
        ),
        vec![vec![t("CREATE INDEX item_code_own ON item (code)")]]
    );
    assert_eq!(rows(&db, "SELECT code FROM item"), vec![vec![t("a")]]);
    assert_ne!(schema(&db), before);
    assert_ne!(history(&db), before_history);
}

#[test]
fn fake_initial_compares_the_columns() {
    let dir = tmpdir("fake-columns");
    let db = Db::open_in_memory().unwrap();
    db.connection()
        .execute_batch(
            "CREATE TABLE item (id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL, extra TEXT);
             INSERT INTO item (code, extra) VALUES ('a', 'precious');",
        )
        .unwrap();
    make(&dir, &[item1::Item::META], DiffOptions::default()).unwrap();
    let err = db
        .fake_initial(&Migrations::from_dir(&dir).unwrap())
        .unwrap_err()
        .to_string();
    assert!(err.contains("`item` has a column `extra`"), "{err}");
    assert!(db.applied_migrations().unwrap().is_empty());
}

#[test]
fn a_rebuild_keeps_an_adopted_table_s_foreign_key_check_and_collation() {
    for extra in [
        "REFERENCES parent (code)",
        "CHECK (code <> '')",
        "COLLATE NOCASE",
    ] {
        let dir = tmpdir("drift-fk");
        let db = Db::open_in_memory().unwrap();
        db.connection()
            .execute_batch(&format!(
                "CREATE TABLE parent (code TEXT PRIMARY KEY); INSERT INTO parent VALUES ('a');
                 CREATE TABLE item (id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL {extra});
                 INSERT INTO item (code) VALUES ('a');"
            ))
            .unwrap();
        make(
            &dir,
            &[item1::Item::META, parent::Parent::META],
            DiffOptions::default(),
        )
        .unwrap();
        let migrations = Migrations::from_dir(&dir).unwrap();
        assert_eq!(
            db.fake_initial(&migrations).unwrap().as_deref(),
            Some("0001_initial")
        );
        make(
            &dir,
            &[unique_item::Item::META, parent::Parent::META],
            DiffOptions::default(),
        )
        .unwrap();
        db.migrate(&Migrations::from_dir(&dir).unwrap()).unwrap();
        let sql = rows(&db, "SELECT sql FROM sqlite_master WHERE name = 'item'");
        let Value::Text(sql) = &sql[0][0] else {
            panic!("{sql:?}")
        };
        assert!(sql.contains(extra), "{extra}: {sql}");
        assert!(sql.contains("UNIQUE"), "{extra}: {sql}");
        assert_eq!(rows(&db, "SELECT code FROM item"), vec![vec![t("a")]]);
    }
}

mod parent {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "parent")]
    pub struct Parent {
        #[field(primary_key)]
        pub code: String,
    }
}

mod relabelled {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "item")]
    pub struct Item {
        pub id: i64,
        pub label: Option<String>,
    }
}

#[test]
fn allow_drop_does_not_turn_a_forgotten_rename_into_a_drop() {
    let dir = tmpdir("forgotten-rename");
    let db = Db::open_in_memory().unwrap();
    step(&db, &dir, &[item1::Item::META], DiffOptions::default());
    let bare = DiffOptions {
        allow_drop: true,
        ..DiffOptions::default()
    };
    let err = make(&dir, &[relabelled::Item::META], bare).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("--rename-column item.code=label"), "{msg}");
    assert!(msg.contains("--allow-drop=item.code"), "{msg}");
    // The same for a table: dropped while another is created.
    let err = make(
        &dir,
        &[thing::Thing::META],
        DiffOptions {
            allow_drop: true,
            ..DiffOptions::default()
        },
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("--rename-table item=thing"), "{msg}");
    assert!(msg.contains("--allow-drop=item"), "{msg}");
    assert_eq!(files(&dir), vec!["0001_initial.sql".to_owned()]);
    // Named, the drop is made.
    let named = DiffOptions {
        drop_columns: vec![("item".into(), "code".into())],
        ..DiffOptions::default()
    };
    assert_eq!(
        step(&db, &dir, &[relabelled::Item::META], named),
        "0002_remove_item_code_item_label"
    );
    let named = DiffOptions {
        drop_tables: vec!["item".into()],
        ..DiffOptions::default()
    };
    step(&db, &dir, &[thing::Thing::META], named);
}

#[test]
fn a_trigger_with_case_end_is_one_statement() {
    let db = Db::open_in_memory().unwrap();
    let m = hand_written(
        "0001_initial",
        "CREATE TABLE t (x INTEGER);
         CREATE TRIGGER tr AFTER INSERT ON t BEGIN
           UPDATE t SET x = CASE WHEN new.x > 0 THEN 10 ELSE 0 END WHERE rowid = new.rowid;
           UPDATE t SET x = x + 1 WHERE rowid = new.rowid;
         END;
         INSERT INTO t VALUES (5);",
    );
    assert_eq!(m.statements().len(), 3, "{:?}", m.statements());
    db.migrate(&Migrations::new(vec![m]).unwrap()).unwrap();
    assert_eq!(rows(&db, "SELECT x FROM t"), vec![vec![i(11)]]);
}

#[test]
fn migrations_are_ordered_by_number_and_stray_files_are_ignored() {
    let dir = tmpdir("order");
    let m9 = hand_written("9_first", "CREATE TABLE t (x INTEGER);");
    let m10 = hand_written("10_second", "INSERT INTO t VALUES (1);");
    for m in [&m9, &m10] {
        std::fs::write(dir.join(format!("{}.sql", m.name())), m.text()).unwrap();
    }
    // Not migrations, as the documentation says: ignored.
    std::fs::write(dir.join("notes.sql"), "SELECT 1;").unwrap();
    std::fs::write(dir.join("README.md"), "migrations").unwrap();
    let migrations = Migrations::from_dir(&dir).unwrap();
    let names: Vec<&str> = migrations.iter().map(|m| m.name()).collect();
    assert_eq!(names, vec!["9_first", "10_second"]);
    let db = Db::open_in_memory().unwrap();
    assert_eq!(
        db.migrate(&migrations).unwrap(),
        vec!["9_first", "10_second"]
    );
    let names: Vec<String> = Migrations::new(vec![m10, m9])
        .unwrap()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    assert_eq!(names, vec!["9_first", "10_second"]);
}

#[test]
fn migrate_with_nothing_to_apply_writes_nothing() {
    let db = Db::open_in_memory().unwrap();
    assert!(db.migrate(&Migrations::default()).unwrap().is_empty());
    assert!(schema(&db).is_empty(), "{:?}", schema(&db));
}

#[test]
fn inspectdb_escapes_comments_and_avoids_clashing_names() {
    let db = Db::open_in_memory().unwrap();
    db.connection()
        .execute_batch(
            "CREATE TABLE \"string\" (id INTEGER PRIMARY KEY, n INTEGER DEFAULT 'x\ny');
             CREATE TABLE \"p\narent\" (id INTEGER PRIMARY KEY);
             CREATE TABLE log (_rowid TEXT, parent INTEGER REFERENCES \"p\narent\" (id), anything);
             CREATE INDEX \"two\ncols\" ON log (_rowid, parent);",
        )
        .unwrap();
    let source = query::migrations::inspectdb(&db).unwrap();
    for line in source.lines() {
        let body = line.trim_start();
        assert!(
            body.is_empty()
                || ["//", "#[", "use ", "pub ", "}"]
                    .iter()
                    .any(|p| body.starts_with(p)),
            "a line escaped its comment: {line:?} in\n{source}"
        );
    }
    assert!(source.contains("pub struct StringTable {"), "{source}");
    assert!(!source.contains("pub struct String "), "{source}");
    // The rowid key and the `_rowid` column are two fields.
    assert!(source.contains("    pub rowid: i64,"), "{source}");
    assert!(
        source.contains("#[field(column = \"_rowid\")]\n    pub rowid_: Option<String>,"),
        "{source}"
    );
    assert!(
        source.contains("a `Vec<u8>` field reads only BLOBs"),
        "{source}"
    );
}

// ---------------------------------------------------------------- previous format

/// A file as the previous version wrote it: SQLite's storage types in the state.
const OLD_FORMAT: &str = r#"-- query migration 0001_initial
--
-- Operations:
--   CreateTable event (id, day, count)
--

CREATE TABLE "event" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "day" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "ok" INTEGER NOT NULL DEFAULT 1 CHECK ("ok" IN (0, 1))
) STRICT;

-- State after this migration, read by `makemigrations` (do not edit):
-- @table "event"
-- @column "id" INTEGER not_null primary_key auto
-- @column "day" TEXT not_null
-- @column "count" INTEGER not_null
-- @column "ok" INTEGER not_null boolean default=1
"#;

mod old_event {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "event")]
    pub struct Event {
        pub id: i64,
        pub day: chrono::NaiveDate,
        pub count: i32,
        #[field(default = true)]
        pub ok: bool,
    }
}

mod narrow_event {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "event")]
    pub struct Event {
        pub id: i64,
        pub day: chrono::NaiveDate,
        pub count: u8,
        #[field(default = true)]
        pub ok: bool,
    }
}

#[test]
fn a_file_of_the_previous_version_applies_and_makes_up_no_change() {
    let old = Migrations::new(vec![Migration::new("0001_initial", OLD_FORMAT)]).unwrap();
    assert!(!old.last().unwrap().has_sections());
    let db = Db::open_in_memory().unwrap();
    assert_eq!(db.migrate(&old).unwrap(), vec!["0001_initial"]);
    assert_schema_is::<old_event::Event>(&db);
    // `day` was TEXT and is a date, `count` was INTEGER and is an i32: the
    // SQLite table is what this version creates for them, so no change.
    let next =
        query::migrations::next_migration(&old, &[old_event::Event::META], &MakeOptions::default())
            .unwrap();
    assert!(next.is_none(), "{next:?}");
    // A u8 gains the range CHECK on SQLite: that is a change, applied by
    // a rebuild that keeps the rows.
    db.connection()
        .execute_batch("INSERT INTO event (day, count) VALUES ('2024-01-02', 200)")
        .unwrap();
    let next = query::migrations::next_migration(
        &old,
        &[narrow_event::Event::META],
        &MakeOptions::default(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        next.operations(),
        vec!["AlterColumn event.count: \"count\" i64 NOT NULL -> \"count\" u8 NOT NULL"]
    );
    assert!(next.has_sections());
    let all = Migrations::new(vec![
        Migration::new("0001_initial", OLD_FORMAT),
        next.clone(),
    ])
    .unwrap();
    db.migrate(&all).unwrap();
    assert_eq!(rows(&db, "SELECT count FROM event"), vec![vec![i(200)]]);
    assert!(
        db.connection()
            .execute_batch("UPDATE event SET count = 256")
            .is_err()
    );
    // Its PostgreSQL section alters the column in place.
    let pg = next.statements_for(query::Backend::Postgres);
    assert_eq!(
        pg,
        vec![
            "ALTER TABLE \"event\" ALTER COLUMN \"count\" TYPE smallint",
            "ALTER TABLE \"event\" ADD CONSTRAINT \"event_count_check\" CHECK (\"count\" BETWEEN 0 AND 255)",
        ]
    );
    assert_eq!(
        next.recorded_operations().unwrap().len(),
        1,
        "{}",
        next.text()
    );
}

// ---------------------------------------------------------------- on both backends
//
// These run on SQLite and, when QUERY_TEST_POSTGRES is set, on a fresh
// PostgreSQL schema. The tests above that read SQLite's catalog (the walk's
// fingerprints, the 12-step rebuild, triggers, STRICT, `PRAGMA
// foreign_key_check`, the previous version's files) stay SQLite-only: they
// test what only SQLite does.

/// Every row of `sql`, through the crate (on either backend).
fn q(db: &Db, sql: &str) -> Vec<Vec<Value>> {
    db.query(sql, &[]).unwrap()
}

/// The history, name and checksum, on either backend.
fn history_of(db: &Db) -> Vec<Vec<Value>> {
    q(
        db,
        "SELECT name, checksum FROM query_migrations ORDER BY name",
    )
}

/// The tables, columns and indexes, as the backend's catalog has them.
fn catalog(db: &Db) -> Vec<Vec<Value>> {
    match db.backend() {
        Backend::Sqlite => schema(db),
        _ => {
            let mut out = q(
                db,
                "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1, 2",
            );
            out.extend(q(
                db,
                "SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1",
            ));
            out
        }
    }
}

/// A migration file of one `-- @sql all` section.
fn written_for_all(name: &str, sql: &str) -> Migration {
    hand_written(name, &format!("-- @sql all\n{sql}"))
}

#[test]
fn on_each_backend_a_failing_migration_rolls_back_completely() {
    common::each_empty_db(|db| {
        let first = written_for_all(
            "0001_initial",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT);\nINSERT INTO t (id, x) VALUES (1, 'kept');",
        );
        assert_eq!(
            db.migrate(&Migrations::new(vec![first.clone()])?)?,
            vec!["0001_initial"]
        );
        let (catalog_before, history_before) = (catalog(db), history_of(db));
        let second = written_for_all(
            "0002_broken",
            "CREATE TABLE u (id INTEGER PRIMARY KEY);\n\
             ALTER TABLE t ADD COLUMN y INTEGER;\n\
             UPDATE t SET x = 'changed';\n\
             INSERT INTO missing VALUES (1);\n\
             CREATE TABLE never (id INTEGER);",
        );
        let err = db
            .migrate(&Migrations::new(vec![first.clone(), second])?)
            .unwrap_err();
        let Error::MigrationFailed { migration, source } = &err else {
            panic!("expected MigrationFailed, got {err:?}")
        };
        assert_eq!(migration, "0002_broken");
        assert!(
            source.to_string().contains("INSERT INTO missing VALUES (1)"),
            "{source}"
        );
        assert!(err.to_string().contains("missing"), "{err}");
        // At the last good migration: schema, history and rows as they were.
        assert_eq!(catalog(db), catalog_before);
        assert_eq!(history_of(db), history_before);
        assert_eq!(q(db, "SELECT x FROM t"), vec![vec![t("kept")]]);
        // The connection is usable, outside any transaction.
        assert_eq!(
            db.migrate(&Migrations::new(vec![first])?)?,
            Vec::<String>::new()
        );
        db.atomic(|db| db.execute("UPDATE t SET x = $1", &[t("again")]))?;
        assert_eq!(q(db, "SELECT x FROM t"), vec![vec![t("again")]]);
        Ok(())
    })
    .unwrap();
}

#[test]
fn on_each_backend_migrate_refuses_a_history_that_disagrees_with_the_files() {
    common::each_empty_db(|db| {
        let a = written_for_all("0001_initial", "CREATE TABLE t (id INTEGER PRIMARY KEY);");
        let b = written_for_all("0002_more", "ALTER TABLE t ADD COLUMN x TEXT;");
        let c = written_for_all("0003_again", "ALTER TABLE t ADD COLUMN y TEXT;");
        db.migrate(&Migrations::new(vec![a.clone(), b.clone()])?)?;
        let catalog_before = catalog(db);
        assert!(
            db.migrate(&Migrations::new(vec![a.clone(), b.clone()])?)?
                .is_empty()
        );
        let edited = written_for_all("0002_more", "ALTER TABLE t ADD COLUMN x INTEGER;");
        let err = db
            .migrate(&Migrations::new(vec![a.clone(), edited, c.clone()])?)
            .unwrap_err();
        assert!(matches!(err, Error::MigrationHistory(_)), "{err:?}");
        assert!(
            err.to_string()
                .contains("0002_more was edited after it was applied"),
            "{err}"
        );
        let err = db
            .migrate(&Migrations::new(vec![a.clone(), c.clone()])?)
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("0002_more is applied to this database but its file is missing"),
            "{err}"
        );
        assert_eq!(catalog(db), catalog_before);
        assert_eq!(history_of(db).len(), 2);
        assert!(
            db.migration_status(&Migrations::new(vec![a.clone(), c.clone()])?)
                .is_err()
        );
        let status = db.migration_status(&Migrations::new(vec![a, b, c])?)?;
        assert_eq!(
            status
                .iter()
                .map(|s| (s.name.as_str(), s.applied))
                .collect::<Vec<_>>(),
            vec![
                ("0001_initial", true),
                ("0002_more", true),
                ("0003_again", false)
            ]
        );
        Ok(())
    })
    .unwrap();
}

#[test]
fn on_each_backend_migrate_refuses_to_run_inside_a_transaction_or_to_manage_one() {
    common::each_empty_db(|db| {
        let a = written_for_all("0001_initial", "CREATE TABLE t (id INTEGER PRIMARY KEY);");
        let migrations = Migrations::new(vec![a])?;
        let err = db.atomic(|db| db.migrate(&migrations)).unwrap_err();
        assert!(err.to_string().contains("inside a transaction"), "{err}");
        // A transaction begun by hand, which `atomic` does not know of.
        db.execute_batch("BEGIN")?;
        let err = db.migrate(&migrations).unwrap_err();
        db.execute_batch("ROLLBACK")?;
        assert!(err.to_string().contains("inside a transaction"), "{err}");
        for sql in ["BEGIN;", "COMMIT;"] {
            let m = written_for_all(
                "0001_initial",
                &format!("CREATE TABLE t (id INTEGER);\n{sql}"),
            );
            let err = db.migrate(&Migrations::new(vec![m])?).unwrap_err();
            assert!(err.to_string().contains("transaction of its own"), "{err}");
        }
        assert!(db.applied_migrations()?.is_empty());
        assert_eq!(db.migrate(&migrations)?, vec!["0001_initial"]);
        Ok(())
    })
    .unwrap();
}

#[test]
fn a_file_without_sections_is_refused_on_postgres_with_what_to_do() {
    let Some(db) = common::postgres_db() else {
        return;
    };
    let old = hand_written("0001_initial", "CREATE TABLE t (id INTEGER PRIMARY KEY);");
    let err = db
        .migrate(&Migrations::new(vec![old]).unwrap())
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("0001_initial"), "{msg}");
    assert!(msg.contains("-- @sql postgres"), "{msg}");
    assert!(msg.contains("makemigrations"), "{msg}");
    assert!(db.applied_migrations().unwrap().is_empty());
    assert!(catalog(&db).is_empty(), "{:?}", catalog(&db));
}

/// `inspectdb`'s output with what legitimately differs between the
/// backends made the same: integer and float widths (SQLite has one
/// integer and one real type), chrono types (SQLite stores dates as text),
/// and the comments.
fn logical_schema(db: &Db) -> String {
    let source = query::migrations::inspectdb(db).unwrap();
    let mut out = String::new();
    for line in source.lines() {
        let line = line.trim();
        if line.starts_with("//") || line.is_empty() {
            continue;
        }
        let mut line = line.to_owned();
        for (from, to) in [
            ("chrono::DateTime<chrono::Utc>", "String"),
            ("chrono::NaiveDateTime", "String"),
            ("chrono::NaiveDate", "String"),
            ("i16", "int"),
            ("i32", "int"),
            ("i64", "int"),
            ("f32", "float"),
            ("f64", "float"),
        ] {
            line = line.replace(from, to);
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[test]
fn a_folder_made_with_sqlite_migrates_postgres_to_the_same_logical_schema() {
    let Some(pg) = common::postgres_db() else {
        return;
    };
    let dir = tmpdir("both");
    let sqlite = Db::open_in_memory().unwrap();
    // Made and applied on SQLite, as a user starting out does.
    let models = [shop::Customer::META, shop::Order::META];
    step(&sqlite, &dir, &models, DiffOptions::default());
    let models = [
        shop::Customer::META,
        shop::Order::META,
        common::AllTypes::META,
    ];
    step(&sqlite, &dir, &models, DiffOptions::default());
    // The same folder, on a fresh PostgreSQL database.
    let all = Migrations::from_dir(&dir).unwrap();
    assert_eq!(
        pg.migrate(&all).unwrap(),
        vec!["0001_initial", "0002_all_types"]
    );
    assert_eq!(
        sqlite.applied_migrations().unwrap(),
        pg.applied_migrations().unwrap()
    );
    let (lite, post) = (logical_schema(&sqlite), logical_schema(&pg));
    assert!(lite.contains("pub struct Customer"), "{lite}");
    assert!(lite.contains("max_length = 100"), "{lite}");
    assert_eq!(lite, post);
    // Rows round-trip on both, the same.
    for db in [&sqlite, &*pg] {
        let mut c = shop::Customer {
            id: 0,
            name: "Ada".into(),
            email: "ada@example.com".into(),
            active: true,
            notes: None,
        };
        c.save(db).unwrap();
        let mut o = shop::Order {
            id: 0,
            customer_id: c.id,
            total: 12.5,
        };
        o.save(db).unwrap();
        let mut a = common::new_all_types();
        a.save(db).unwrap();
    }
    let read = |db: &Db| {
        (
            format!("{:?}", shop::Customer::objects().all(db).unwrap()),
            format!("{:?}", shop::Order::objects().all(db).unwrap()),
            common::AllTypes::objects().all(db).unwrap(),
        )
    };
    assert_eq!(read(&sqlite), read(&pg));
    assert_eq!(
        read(&pg).2,
        vec![{
            let mut a = common::new_all_types();
            a.id = read(&pg).2[0].id;
            a
        }]
    );
}

#[test]
fn two_programs_migrating_postgres_at_once_apply_each_migration_once() {
    let Some(pg) = common::postgres_db() else {
        return;
    };
    let url = common::postgres_url().unwrap();
    let schema = match &q(&pg, "SELECT current_schema()::text")[..] {
        [row] => match &row[..] {
            [Value::Text(s)] => s.clone(),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    };
    let url = common::with_search_path(&url, &schema);
    let migrations = Migrations::new(vec![
        written_for_all(
            "0001_initial",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT);",
        ),
        written_for_all("0002_rows", "INSERT INTO t (id, x) VALUES (1, 'once');"),
        written_for_all("0003_slow", "SELECT pg_sleep(0.2);"),
        written_for_all("0004_more", "INSERT INTO t (id, x) VALUES (2, 'twice');"),
    ])
    .unwrap();
    let runs: Vec<Vec<String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let db = Db::connect(&url).unwrap();
                    db.migrate(&migrations).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut applied: Vec<String> = runs.into_iter().flatten().collect();
    applied.sort();
    assert_eq!(
        applied,
        vec!["0001_initial", "0002_rows", "0003_slow", "0004_more"]
    );
    assert_eq!(
        q(&pg, "SELECT x FROM t ORDER BY id"),
        vec![vec![t("once")], vec![t("twice")]]
    );
    assert_eq!(history_of(&pg).len(), 4);
}

#[test]
fn inspectdb_and_fake_initial_on_postgres() {
    let Some(pg) = common::postgres_db() else {
        return;
    };
    pg.execute_batch(
        "CREATE TABLE \"Album\" (\"AlbumId\" integer PRIMARY KEY, \"Title\" varchar(160) NOT NULL, \"Price\" numeric(10, 2), score smallint DEFAULT '-1'::integer, note text DEFAULT 'it''s'::text, seen boolean NOT NULL DEFAULT true, artist_id bigint REFERENCES \"Album\" (\"AlbumId\"), code varchar(8) UNIQUE, released date, at timestamp with time zone DEFAULT now());
         CREATE INDEX album_artist ON \"Album\" (artist_id);
         CREATE TABLE plain (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, data bytea, ratio double precision);",
    )
    .unwrap();
    let source = query::migrations::inspectdb(&pg).unwrap();
    for expected in [
        "#[model(table = \"Album\")]\npub struct Album {",
        "    #[field(column = \"AlbumId\", primary_key)]\n    pub album_id: i32,",
        "    #[field(column = \"Title\", max_length = 160)]\n    pub title: String,",
        "    #[field(column = \"Price\", max_digits = 10, decimal_places = 2)]\n    pub price: Option<query::Decimal>,",
        "    #[field(default = -1_i16)]\n    pub score: Option<i16>,",
        "    #[field(default = \"it's\")]\n    pub note: Option<String>,",
        "    #[field(default = true)]\n    pub seen: bool,",
        "    // Foreign key to \"Album\", column \"AlbumId\": its key is `i32` and this column `i64`, so the column stays a plain key.\n    #[field(db_index)]\n    pub artist_id: Option<i64>,",
        "    #[field(max_length = 8, unique)]\n    pub code: Option<String>,",
        "    pub released: Option<chrono::NaiveDate>,",
        "    // DEFAULT \"now()\": not a literal the model can hold.\n    pub at: Option<chrono::DateTime<chrono::Utc>>,",
        "pub struct Plain {\n    pub id: i64,\n    pub data: Option<Vec<u8>>,\n    pub ratio: Option<f64>,\n}",
    ] {
        assert!(source.contains(expected), "{expected}\nnot in\n{source}");
    }
    assert!(!source.contains("query_migrations"));
    // Adopting it: the first migration of models matching the tables is
    // recorded, not run.
    let dir = tmpdir("pg-adopt");
    make(
        &dir,
        &[inspected_plain::Plain::META],
        DiffOptions::default(),
    )
    .unwrap();
    let all = Migrations::from_dir(&dir).unwrap();
    assert_eq!(
        pg.fake_initial(&all).unwrap().as_deref(),
        Some("0001_initial")
    );
    assert!(pg.migrate(&all).unwrap().is_empty());
    assert_eq!(pg.applied_migrations().unwrap().len(), 1);
}

mod inspected_plain {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "plain")]
    pub struct Plain {
        pub id: i64,
        pub data: Option<Vec<u8>>,
        pub ratio: Option<f64>,
    }
}

// ------------------------------------------------- adopting, then the loop

#[path = "migrations/adopted.rs"]
mod adopted;

/// A database made by plain SQL, as another framework makes one: foreign
/// keys (`album` to `artist`, `audit` to `album`), indexes under names of
/// its own (and one on two columns the models can't describe), a CHECK the
/// models don't have, and a trigger.
const ADOPTED_SQLITE: &str = "
CREATE TABLE artist (
    id integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    name varchar(120) NOT NULL
);
CREATE TABLE album (
    id integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    title varchar(160) NOT NULL CHECK (title <> ''),
    artist_id integer NOT NULL REFERENCES artist (id) DEFERRABLE INITIALLY DEFERRED,
    year integer NULL,
    code varchar(10) NULL,
    note text NULL
);
CREATE INDEX album_artist_id_5e1f ON album (artist_id);
CREATE INDEX album_note_a3c9 ON album (note);
CREATE INDEX album_title_year ON album (title, year);
CREATE TABLE audit (
    id integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    album_id integer NOT NULL REFERENCES album (id),
    title text NOT NULL
);
CREATE TRIGGER album_added AFTER INSERT ON album BEGIN
    INSERT INTO audit (album_id, title) VALUES (new.id, new.title);
END;
";

/// The same database on PostgreSQL, as Django makes it there.
const ADOPTED_POSTGRES: &str = "
CREATE TABLE artist (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name varchar(120) NOT NULL
);
CREATE TABLE album (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    title varchar(160) NOT NULL CHECK (title <> ''),
    artist_id bigint NOT NULL REFERENCES artist (id) DEFERRABLE INITIALLY DEFERRED,
    year bigint NULL,
    code varchar(10) NULL,
    note text NULL
);
CREATE INDEX album_artist_id_5e1f ON album (artist_id);
CREATE INDEX album_note_a3c9 ON album (note);
CREATE INDEX album_title_year ON album (title, year);
CREATE TABLE audit (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    album_id bigint NOT NULL REFERENCES album (id),
    title text NOT NULL
);
CREATE FUNCTION album_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit (album_id, title) VALUES (NEW.id, NEW.title);
    RETURN NEW;
END $$;
CREATE TRIGGER album_added AFTER INSERT ON album FOR EACH ROW EXECUTE FUNCTION album_added();
";

const ADOPTED_ROWS: &str = "
INSERT INTO artist (name) VALUES ('AC/DC'), ('Accept');
INSERT INTO album (title, artist_id, year, code, note) VALUES
    ('For Those About To Rock', 1, 1981, 'FTATR', 'loud'),
    ('Balls to the Wall', 2, 1983, NULL, NULL),
    ('Restless and Wild', 2, NULL, 'RAW', 'fast');
";

/// The models after each change: a NOT NULL column filled by `--default`,
/// a column's type, `unique`, an indexed column dropped.
mod adopted_v2 {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "album")]
    pub struct Album {
        pub id: i64,
        #[field(max_length = 160)]
        pub title: String,
        #[field(on_delete = DoNothing)]
        pub artist: ForeignKey<crate::adopted::Artist>,
        pub year: Option<i64>,
        #[field(max_length = 10)]
        pub code: Option<String>,
        #[field(db_index)]
        pub note: Option<String>,
        pub rating: i64,
    }
}

mod adopted_v3 {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "album")]
    pub struct Album {
        pub id: i64,
        #[field(max_length = 160)]
        pub title: String,
        #[field(on_delete = DoNothing)]
        pub artist: ForeignKey<crate::adopted::Artist>,
        pub year: Option<i32>,
        #[field(max_length = 10)]
        pub code: Option<String>,
        #[field(db_index)]
        pub note: Option<String>,
        pub rating: i64,
    }
}

mod adopted_v4 {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "album")]
    pub struct Album {
        pub id: i64,
        #[field(max_length = 160)]
        pub title: String,
        #[field(on_delete = DoNothing)]
        pub artist: ForeignKey<crate::adopted::Artist>,
        pub year: Option<i32>,
        #[field(max_length = 10, unique)]
        pub code: Option<String>,
        #[field(db_index)]
        pub note: Option<String>,
        pub rating: i64,
    }
}

mod adopted_v5 {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "album")]
    pub struct Album {
        pub id: i64,
        #[field(max_length = 160)]
        pub title: String,
        #[field(on_delete = DoNothing)]
        pub artist: ForeignKey<crate::adopted::Artist>,
        pub year: Option<i32>,
        #[field(max_length = 10, unique)]
        pub code: Option<String>,
        pub rating: i64,
    }
}

/// Every row of `sql`, on either backend.
fn query_rows(db: &Db, sql: &str) -> Vec<Vec<Value>> {
    db.query(sql, &[]).unwrap()
}

/// The names of `table`'s indexes and of the triggers on `album`, sorted.
fn adopted_objects(db: &Db) -> (Vec<String>, Vec<String>) {
    let names = |sql: &str| -> Vec<String> {
        let mut out: Vec<String> = query_rows(db, sql)
            .into_iter()
            .map(|r| match &r[0] {
                Value::Text(t) => t.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        out.sort();
        out
    };
    match db.backend() {
        query::Backend::Sqlite => (
            names(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'album' AND sql IS NOT NULL",
            ),
            names("SELECT name FROM sqlite_master WHERE type = 'trigger'"),
        ),
        _ => (
            names(
                "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'album' AND indexname NOT LIKE '%pkey' AND indexname NOT LIKE '%key'",
            ),
            names(
                "SELECT tgname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relname = 'album' AND NOT t.tgisinternal",
            ),
        ),
    }
}

/// What must survive every change: each row, the foreign keys (a row that
/// breaks one is refused), the CHECK, the indexes the models don't know by
/// name, and the trigger (it still fires). `album_columns` are the
/// album's columns the current models have, `expected` their values.
fn assert_adopted_intact(db: &Db, album_columns: &str, expected: &[Vec<Value>], step: &str) {
    assert_eq!(
        query_rows(
            db,
            &format!("SELECT {album_columns} FROM album ORDER BY id")
        ),
        expected,
        "{step}: album"
    );
    assert_eq!(
        query_rows(db, "SELECT id, name FROM artist ORDER BY id"),
        vec![vec![i(1), t("AC/DC")], vec![i(2), t("Accept")]],
        "{step}: artist"
    );
    assert_eq!(
        query_rows(db, "SELECT album_id, title FROM audit ORDER BY id"),
        vec![
            vec![i(1), t("For Those About To Rock")],
            vec![i(2), t("Balls to the Wall")],
            vec![i(3), t("Restless and Wild")],
        ],
        "{step}: audit"
    );
    let (indexes, triggers) = adopted_objects(db);
    for kept in ["album_artist_id_5e1f", "album_title_year"] {
        assert!(
            indexes.iter().any(|i| i == kept),
            "{step}: {kept} in {indexes:?}"
        );
    }
    assert_eq!(triggers, vec!["album_added".to_owned()], "{step}");
    // Enforced foreign keys: album -> artist, audit -> album.
    let err = db
        .execute_batch("INSERT INTO album (title, artist_id, rating) VALUES ('Orphan', 99, 1)")
        .unwrap_err();
    assert!(
        matches!(
            err,
            query::Error::Integrity {
                kind: query::ConstraintKind::ForeignKey,
                ..
            }
        ),
        "{step}: {err}"
    );
    let err = db
        .execute_batch("INSERT INTO audit (album_id, title) VALUES (99, 'x')")
        .unwrap_err();
    assert!(
        matches!(
            err,
            query::Error::Integrity {
                kind: query::ConstraintKind::ForeignKey,
                ..
            }
        ),
        "{step}: {err}"
    );
    // The CHECK the models don't have.
    let err = db
        .execute_batch("INSERT INTO album (title, artist_id, rating) VALUES ('', 1, 1)")
        .unwrap_err();
    assert!(
        matches!(
            err,
            query::Error::Integrity {
                kind: query::ConstraintKind::Check,
                ..
            }
        ),
        "{step}: {err}"
    );
    // The trigger fires; the row it adds is taken back with the album.
    db.atomic(|db| {
        db.execute_batch("INSERT INTO album (title, artist_id, rating) VALUES ('Live', 1, 1)")?;
        let n = query_rows(db, "SELECT count(*) FROM audit WHERE title = 'Live'");
        assert_eq!(n, vec![vec![i(1)]], "{step}: the trigger did not fire");
        Err::<(), _>(query::Error::Migration("undo".into()))
    })
    .unwrap_err();
}

/// `inspectdb`, `makemigrations`, `migrate --fake-initial`, then each
/// change that rebuilds a table on SQLite, in turn.
fn adopt_and_change(db: &Db, dir: &Path) {
    let v1 = [
        adopted::Album::META,
        adopted::Artist::META,
        adopted::Audit::META,
    ];
    let album = |m: &'static ModelMeta| [m, adopted::Artist::META, adopted::Audit::META];
    make(dir, &v1, DiffOptions::default()).unwrap();
    assert_eq!(
        db.fake_initial(&Migrations::from_dir(dir).unwrap())
            .unwrap()
            .as_deref(),
        Some("0001_initial")
    );
    let mut rows_now: Vec<Vec<Value>> = vec![
        vec![
            i(1),
            t("For Those About To Rock"),
            i(1),
            i(1981),
            t("FTATR"),
            t("loud"),
        ],
        vec![i(2), t("Balls to the Wall"), i(2), i(1983), NULL, NULL],
        vec![
            i(3),
            t("Restless and Wild"),
            i(2),
            NULL,
            t("RAW"),
            t("fast"),
        ],
    ];
    // A NOT NULL column, filled for the rows there.
    let fill = DiffOptions {
        defaults: vec![("album".into(), "rating".into(), "3".into())],
        ..DiffOptions::default()
    };
    step(db, dir, &album(adopted_v2::Album::META), fill);
    for r in &mut rows_now {
        r.push(i(3));
    }
    let cols = "id, title, artist_id, year, code, note, rating";
    assert_adopted_intact(db, cols, &rows_now, "add a NOT NULL column");
    // A column's type.
    step(
        db,
        dir,
        &album(adopted_v3::Album::META),
        DiffOptions::default(),
    );
    assert_adopted_intact(db, cols, &rows_now, "alter a column's type");
    // `unique`: enforced from now on.
    step(
        db,
        dir,
        &album(adopted_v4::Album::META),
        DiffOptions::default(),
    );
    assert_adopted_intact(db, cols, &rows_now, "add unique");
    let err = db
        .execute_batch(
            "INSERT INTO album (title, artist_id, code, rating) VALUES ('Again', 1, 'RAW', 1)",
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            query::Error::Integrity {
                kind: query::ConstraintKind::Unique,
                ..
            }
        ),
        "{err}"
    );
    // An indexed column dropped: its index goes with it, the others stay.
    let drop = DiffOptions {
        allow_drop: true,
        ..DiffOptions::default()
    };
    step(db, dir, &album(adopted_v5::Album::META), drop);
    for r in &mut rows_now {
        r.remove(5);
    }
    let cols = "id, title, artist_id, year, code, rating";
    assert_adopted_intact(db, cols, &rows_now, "drop an indexed column");
    let (indexes, _) = adopted_objects(db);
    assert!(
        !indexes.iter().any(|i| i == "album_note_a3c9"),
        "{indexes:?}"
    );
}

/// Adopting a database on SQLite: `inspectdb` writes
/// `tests/migrations/adopted.rs` (re-bless with `QUERY_BLESS=1`), and from
/// then on each change, rebuilds included, keeps everything the models
/// don't describe.
#[test]
fn an_adopted_sqlite_database_takes_every_rebuilding_change() {
    let db = Db::open_in_memory().unwrap();
    db.execute_batch(ADOPTED_SQLITE).unwrap();
    db.execute_batch(ADOPTED_ROWS).unwrap();
    let source = query::migrations::inspectdb(&db).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/migrations/adopted.rs");
    if std::env::var_os("QUERY_BLESS").is_some() {
        std::fs::write(&path, &source).unwrap();
    }
    assert_eq!(
        source,
        std::fs::read_to_string(&path).unwrap(),
        "inspectdb's output changed; review it and re-bless with QUERY_BLESS=1"
    );
    adopt_and_change(&db, &tmpdir("adopt-sqlite"));
}

/// The same adoption on PostgreSQL, where the changes are `ALTER TABLE`s.
#[test]
fn an_adopted_postgres_database_takes_every_change() {
    let Some(pg) = common::postgres_db() else {
        return;
    };
    pg.execute_batch(ADOPTED_POSTGRES).unwrap();
    pg.execute_batch(ADOPTED_ROWS).unwrap();
    let sqlite = Db::open_in_memory().unwrap();
    sqlite.execute_batch(ADOPTED_SQLITE).unwrap();
    assert_eq!(logical_schema(&pg), logical_schema(&sqlite));
    adopt_and_change(&pg, &tmpdir("adopt-postgres"));
}

/// A first migration on a database whose tables exist (made by another
/// framework, or by hand) says to adopt it with `--fake-initial`, and
/// leaves nothing behind: not even the history table.
#[test]
fn on_each_backend_migrate_on_existing_tables_says_fake_initial_and_leaves_nothing() {
    common::each_empty_db(|db| {
        db.execute_batch("CREATE TABLE plain (id integer PRIMARY KEY)")?;
        let before = catalog(db);
        let initial = query::migrations::next_migration(
            &Migrations::default(),
            &[inspected_plain::Plain::META],
            &MakeOptions::default(),
        )?
        .unwrap();
        let migrations = Migrations::new(vec![initial])?;
        let err = db.migrate(&migrations).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("can't apply 0001_initial"), "{msg}");
        assert!(msg.contains("`plain`"), "{msg}");
        assert!(msg.contains("migrate --fake-initial"), "{msg}");
        assert!(msg.contains("Nothing was applied"), "{msg}");
        assert_eq!(catalog(db), before);

        // A first migration that fails as it runs leaves no history table
        // either.
        let broken = written_for_all(
            "0001_initial",
            "CREATE TABLE fresh (id integer PRIMARY KEY);\nINSERT INTO missing VALUES (1);",
        );
        let err = db.migrate(&Migrations::new(vec![broken])?).unwrap_err();
        assert!(matches!(err, Error::MigrationFailed { .. }), "{err:?}");
        assert_eq!(catalog(db), before);
        assert!(db.applied_migrations()?.is_empty());
        Ok(())
    })
    .unwrap();
}

// ------------------------------------------------------------ foreign keys

mod fk_v1 {
    use query::prelude::*;
    #[derive(Model, Debug)]
    pub struct Label {
        pub id: i64,
        pub name: String,
    }
    #[derive(Model, Debug)]
    pub struct Artist {
        pub id: i64,
        pub name: String,
    }
    #[derive(Model, Debug)]
    pub struct Disc {
        pub id: i64,
        pub title: String,
        pub artist_id: i64,
    }
}

/// A plain column becomes a foreign key.
mod fk_v2 {
    use query::prelude::*;
    #[derive(Model, Debug)]
    pub struct Disc {
        pub id: i64,
        pub title: String,
        #[field(on_delete = Cascade)]
        pub artist: ForeignKey<crate::fk_v1::Artist>,
    }
}

/// The foreign key points at another table.
mod fk_v3 {
    use query::prelude::*;
    #[derive(Model, Debug)]
    pub struct Disc {
        pub id: i64,
        pub title: String,
        #[field(on_delete = Cascade)]
        pub artist: ForeignKey<crate::fk_v1::Label>,
    }
}

/// New foreign key columns: a NOT NULL one (filled with `--default`) and
/// a nullable one.
mod fk_v4 {
    use query::prelude::*;
    #[derive(Model, Debug)]
    pub struct Disc {
        pub id: i64,
        pub title: String,
        #[field(on_delete = Cascade)]
        pub artist: ForeignKey<crate::fk_v1::Label>,
        #[field(on_delete = Protect)]
        pub producer: ForeignKey<crate::fk_v1::Artist>,
        #[field(on_delete = SetNull)]
        pub label: Option<ForeignKey<crate::fk_v1::Label>>,
    }
}

/// Back to a plain column; a foreign key column dropped.
mod fk_v5 {
    use query::prelude::*;
    #[derive(Model, Debug)]
    pub struct Disc {
        pub id: i64,
        pub title: String,
        pub artist_id: i64,
        #[field(on_delete = SetNull)]
        pub label: Option<ForeignKey<crate::fk_v1::Label>>,
    }
}

/// The foreign keys of `table` as the database has them: (column, table
/// referenced), sorted.
fn foreign_keys_of(db: &Db, table: &str) -> Vec<(String, String)> {
    let sql = match db.backend() {
        query::Backend::Sqlite => {
            "SELECT \"from\", \"table\" FROM pragma_foreign_key_list($1)".to_owned()
        }
        _ => "SELECT a.attname::text, fc.relname::text FROM pg_constraint co \
              JOIN pg_class c ON c.oid = co.conrelid JOIN pg_class fc ON fc.oid = co.confrelid \
              JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = co.conkey[1] \
              WHERE co.contype = 'f' AND co.condeferrable AND co.condeferred \
              AND c.relname::text = $1 AND c.relnamespace = current_schema()::regnamespace"
            .to_owned(),
    };
    let mut out: Vec<(String, String)> = db
        .query(&sql, &[t(table)])
        .unwrap()
        .into_iter()
        .map(|r| match (&r[0], &r[1]) {
            (Value::Text(a), Value::Text(b)) => (a.clone(), b.clone()),
            other => panic!("{other:?}"),
        })
        .collect();
    out.sort();
    out
}

/// The names of the indexes on `table`'s single column `column`.
fn single_column_indexes(db: &Db, table: &str, column: &str) -> Vec<String> {
    let sql = match db.backend() {
        query::Backend::Sqlite => {
            "SELECT il.name FROM pragma_index_list($1) il WHERE il.origin = 'c' \
             AND (SELECT count(*) FROM pragma_index_info(il.name)) = 1 \
             AND (SELECT name FROM pragma_index_info(il.name)) = $2"
        }
        _ => {
            "SELECT ic.relname::text FROM pg_index ix JOIN pg_class ic ON ic.oid = ix.indexrelid \
             JOIN pg_class c ON c.oid = ix.indrelid JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ix.indkey[0] \
             WHERE c.relname::text = $1 AND a.attname::text = $2 AND ix.indnatts = 1 AND NOT ix.indisunique \
             AND c.relnamespace = current_schema()::regnamespace"
        }
    };
    db.query(sql, &[t(table), t(column)])
        .unwrap()
        .into_iter()
        .map(|r| match &r[0] {
            Value::Text(n) => n.clone(),
            other => panic!("{other:?}"),
        })
        .collect()
}

fn orphan_disc_is_refused(db: &Db, column: &str, step: &str) {
    let err = db
        .execute(
            &format!("UPDATE disc SET {column} = 99 WHERE id = (SELECT min(id) FROM disc)"),
            &[],
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            query::Error::Integrity {
                kind: query::ConstraintKind::ForeignKey,
                ..
            }
        ),
        "{step}: {err}"
    );
}

/// `makemigrations` and `migrate` for each change of a foreign key, on a
/// table holding rows, on both backends: plain to foreign key, another
/// target, a new NOT NULL one (with `--default`) and a nullable one, back
/// to plain, a drop. The rows stay, and each constraint is enforced.
#[test]
fn foreign_key_changes_migrate_on_both_backends_with_rows_intact() {
    common::each_empty_db(|db| {
        let dir = tmpdir(&format!("fk-changes-{:?}", db.backend()));
        let models = |disc: &'static ModelMeta| {
            [fk_v1::Label::META, fk_v1::Artist::META, disc]
        };
        step(db, &dir, &models(fk_v1::Disc::META), DiffOptions::default());
        db.execute_batch(
            "INSERT INTO label (id, name) VALUES (1, 'Atlantic'), (2, 'Epic');
             INSERT INTO artist (id, name) VALUES (1, 'AC/DC'), (2, 'Accept');
             INSERT INTO disc (id, title, artist_id) VALUES (1, 'Highway to Hell', 1), (2, 'Balls to the Wall', 2)",
        )?;
        let discs = |cols: &str| query_rows(db, &format!("SELECT {cols} FROM disc ORDER BY id"));
        let rows = vec![
            vec![i(1), t("Highway to Hell"), i(1)],
            vec![i(2), t("Balls to the Wall"), i(2)],
        ];
        assert!(foreign_keys_of(db, "disc").is_empty());

        // Plain column -> foreign key: the constraint and its index.
        step(db, &dir, &models(fk_v2::Disc::META), DiffOptions::default());
        assert_eq!(discs("id, title, artist_id"), rows);
        assert_eq!(
            foreign_keys_of(db, "disc"),
            vec![("artist_id".into(), "artist".into())]
        );
        assert_eq!(
            single_column_indexes(db, "disc", "artist_id"),
            vec!["disc_artist_id_idx".to_owned()]
        );
        orphan_disc_is_refused(db, "artist_id", "plain -> foreign key");

        // Another target.
        step(db, &dir, &models(fk_v3::Disc::META), DiffOptions::default());
        assert_eq!(discs("id, title, artist_id"), rows);
        assert_eq!(
            foreign_keys_of(db, "disc"),
            vec![("artist_id".into(), "label".into())]
        );
        orphan_disc_is_refused(db, "artist_id", "another target");

        // A NOT NULL foreign key needs --default for the rows there.
        let err = make(&dir, &models(fk_v4::Disc::META), DiffOptions::default()).unwrap_err();
        assert!(err.to_string().contains("--default disc.producer_id="), "{err}");
        let fill = DiffOptions {
            defaults: vec![("disc".into(), "producer_id".into(), "2".into())],
            ..DiffOptions::default()
        };
        step(db, &dir, &models(fk_v4::Disc::META), fill);
        assert_eq!(
            discs("id, title, artist_id, producer_id, label_id"),
            vec![
                vec![i(1), t("Highway to Hell"), i(1), i(2), NULL],
                vec![i(2), t("Balls to the Wall"), i(2), i(2), NULL],
            ]
        );
        assert_eq!(
            foreign_keys_of(db, "disc"),
            vec![
                ("artist_id".into(), "label".into()),
                ("label_id".into(), "label".into()),
                ("producer_id".into(), "artist".into()),
            ]
        );
        for column in ["artist_id", "producer_id", "label_id"] {
            assert_eq!(
                single_column_indexes(db, "disc", column),
                vec![format!("disc_{column}_idx")]
            );
            orphan_disc_is_refused(db, column, "new foreign keys");
        }

        // Back to a plain column, and a foreign key column dropped.
        let drop = DiffOptions {
            drop_columns: vec![("disc".into(), "producer_id".into())],
            ..DiffOptions::default()
        };
        step(db, &dir, &models(fk_v5::Disc::META), drop);
        assert_eq!(discs("id, title, artist_id"), rows);
        assert_eq!(
            foreign_keys_of(db, "disc"),
            vec![("label_id".into(), "label".into())]
        );
        assert!(single_column_indexes(db, "disc", "artist_id").is_empty());
        db.execute("UPDATE disc SET artist_id = 99 WHERE id = 1", &[])?;

        // The files record the foreign keys, and say each backend's SQL.
        let text: String = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect();
        assert!(text.contains("-- @column \"artist_id\" i64 not_null references=\"artist\".\"id\""), "{text}");
        assert!(text.contains("REFERENCES \"label\" (\"id\") DEFERRABLE INITIALLY DEFERRED"), "{text}");
        assert!(text.contains("ALTER TABLE \"disc\" ADD CONSTRAINT \"disc_producer_id_fkey\" FOREIGN KEY (\"producer_id\") REFERENCES \"artist\" (\"id\") DEFERRABLE INITIALLY DEFERRED"), "{text}");
        assert!(text.contains("ALTER TABLE \"disc\" DROP CONSTRAINT \"disc_artist_id_fkey\""), "{text}");
        Ok(())
    })
    .unwrap();
}

mod fk_cycle {
    use query::prelude::*;
    #[derive(Model, Debug)]
    pub struct Hen {
        pub id: i64,
        #[field(on_delete = SetNull)]
        pub egg: Option<ForeignKey<Egg>>,
    }
    #[derive(Model, Debug)]
    pub struct Egg {
        pub id: i64,
        #[field(on_delete = Cascade)]
        pub hen: ForeignKey<Hen>,
        #[field(on_delete = SetNull)]
        pub mother: Option<ForeignKey<Egg>>,
    }
}

/// Tables of one migration point at each other and at themselves: on
/// PostgreSQL the constraints come after every table; dropping both
/// drops the constraints first.
#[test]
fn tables_pointing_at_each_other_migrate_in_one_migration() {
    common::each_empty_db(|db| {
        let dir = tmpdir(&format!("fk-cycle-{:?}", db.backend()));
        step(
            db,
            &dir,
            &[fk_cycle::Hen::META, fk_cycle::Egg::META],
            DiffOptions::default(),
        );
        assert_eq!(
            foreign_keys_of(db, "hen"),
            vec![("egg_id".into(), "egg".into())]
        );
        assert_eq!(
            foreign_keys_of(db, "egg"),
            vec![
                ("hen_id".into(), "hen".into()),
                ("mother_id".into(), "egg".into())
            ]
        );
        // Deferred: each row points at the other, written in either order.
        db.atomic(|db| {
            db.execute(
                "INSERT INTO egg (id, hen_id, mother_id) VALUES (1, 1, 1)",
                &[],
            )?;
            db.execute("INSERT INTO hen (id, egg_id) VALUES (1, 1)", &[])?;
            Ok(())
        })?;
        let drop = DiffOptions {
            drop_tables: vec!["egg".into(), "hen".into()],
            ..DiffOptions::default()
        };
        step(db, &dir, &[fk_v1::Label::META], drop);
        Ok(())
    })
    .unwrap();
}

/// `inspectdb` writes foreign keys as Django's does, on both backends:
/// `ForeignKey<T>` with `on_delete = DoNothing`, `Option` when nullable,
/// `OneToOne` when unique, `column` when it isn't `<field>_id`; one to a
/// table not inspected stays a key column, with a comment.
#[test]
fn inspectdb_writes_foreign_keys_on_both_backends() {
    common::each_empty_db(|db| {
        db.execute_batch(
            "CREATE TABLE maker (id bigint NOT NULL PRIMARY KEY, name text NOT NULL);
             CREATE TABLE part (id bigint NOT NULL PRIMARY KEY, \"MakerId\" bigint REFERENCES maker (id), spare_id bigint NOT NULL UNIQUE REFERENCES maker (id));
             INSERT INTO maker (id, name) VALUES (1, 'Acme'), (2, 'Bolt');
             INSERT INTO part (id, \"MakerId\", spare_id) VALUES (1, 1, 1), (2, NULL, 2)",
        )?;
        let source = query::migrations::inspectdb(db)?;
        for expected in [
            "    #[field(column = \"MakerId\", on_delete = DoNothing)]\n    pub maker: Option<ForeignKey<Maker>>,",
            "    #[field(on_delete = DoNothing)]\n    pub spare: OneToOne<Maker>,",
        ] {
            assert!(source.contains(expected), "{expected}\nnot in\n{source}");
        }
        let only_part = query::migrations::inspectdb_with(
            db,
            &query::migrations::InspectOptions::new().table("part"),
        )?;
        assert!(
            only_part.contains("    // Foreign key to \"maker\", column \"id\": the table is not inspected, so the column stays a plain key.\n    #[field(column = \"MakerId\")]\n    pub maker_id: Option<i64>,"),
            "{only_part}"
        );
        // The models it wrote (as below) read the rows and follow the keys.
        use inspected_fk::Part;
        let parts = Part::objects().order_by(inspected_fk::part::id.asc()).all(db)?;
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].maker.as_ref().unwrap().fetch(db)?.name, "Acme");
        assert!(parts[1].maker.is_none());
        assert_eq!(parts[1].spare.fetch(db)?.name, "Bolt");
        Ok(())
    })
    .unwrap();
}

/// What `inspectdb` writes for the tables of the test above.
mod inspected_fk {
    use query::prelude::*;
    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "maker")]
    pub struct Maker {
        pub id: i64,
        pub name: String,
    }
    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "part")]
    pub struct Part {
        pub id: i64,
        #[field(column = "MakerId", on_delete = DoNothing)]
        pub maker: Option<ForeignKey<Maker>>,
        #[field(on_delete = DoNothing)]
        pub spare: OneToOne<Maker>,
    }
}

// ---------------------------------------------------------------- many-to-many

mod m2m_v1 {
    use query::prelude::*;

    #[derive(Model, Debug, Clone)]
    pub struct M2mSong {
        pub id: i64,
        pub title: String,
    }

    #[derive(Model, Debug, Clone)]
    #[allow(dead_code)]
    pub struct M2mList {
        pub id: i64,
        pub name: String,
        pub songs: ManyToMany<M2mSong>,
    }
}

mod m2m_v2 {
    use query::prelude::*;

    #[derive(Model, Debug, Clone)]
    pub struct M2mSong {
        pub id: i64,
        pub title: String,
    }

    #[derive(Model, Debug, Clone)]
    pub struct M2mList {
        pub id: i64,
        pub name: String,
    }
}

#[test]
fn makemigrations_creates_and_drops_the_table_of_pairs_on_each_backend() {
    common::each_empty_db(|db| {
        let dir = tmpdir(&format!("m2m-{:?}", db.backend()));
        let first = step(
            db,
            &dir,
            &[m2m_v1::M2mSong::META, m2m_v1::M2mList::META],
            DiffOptions::default(),
        );
        let text = std::fs::read_to_string(dir.join(format!("{first}.sql"))).unwrap();
        assert!(
            text.contains("-- @op create_table \"m2m_list_songs\""),
            "{text}"
        );
        assert_eq!(
            common::column_names(db, "m2m_list_songs"),
            ["id", "m2m_list_id", "m2m_song_id"]
        );
        // The pair is unique and each key references its table.
        db.execute("INSERT INTO m2m_song (title) VALUES ('a')", &[])?;
        db.execute("INSERT INTO m2m_list (name) VALUES ('l')", &[])?;
        let pair = "INSERT INTO m2m_list_songs (m2m_list_id, m2m_song_id) VALUES (1, 1)";
        db.execute(pair, &[])?;
        assert!(matches!(
            db.execute(pair, &[]).unwrap_err(),
            Error::Integrity { .. }
        ));
        let dangling = db.atomic(|db| {
            db.execute(
                "INSERT INTO m2m_list_songs (m2m_list_id, m2m_song_id) VALUES (1, 99)",
                &[],
            )
        });
        assert!(
            matches!(dangling, Err(Error::Integrity { .. })),
            "{dangling:?}"
        );
        // The same state as create_table's.
        let models = [m2m_v1::M2mSong::META, m2m_v1::M2mList::META];
        let state = query::migrations::SchemaState::from_models(&models)?;
        assert!(state.tables.contains_key("m2m_list_songs"));

        step(
            db,
            &dir,
            &[m2m_v2::M2mSong::META, m2m_v2::M2mList::META],
            DiffOptions {
                allow_drop: true,
                ..DiffOptions::default()
            },
        );
        assert!(common::column_names(db, "m2m_list_songs").is_empty());
        assert_eq!(common::column_names(db, "m2m_list"), ["id", "name"]);
        Ok(())
    })
    .unwrap();
}
