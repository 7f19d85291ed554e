//! Model instances (save, create, delete, validation), the schema that
//! `create_table` writes, `Db::open`, and the round trip of every field type:
//! on SQLite, and on PostgreSQL when `QUERY_TEST_POSTGRES` names one.

mod common;

use chrono::{Local, NaiveDateTime, Timelike, Utc};
use common::*;
use query::prelude::*;

/// Whether `t` is "now", in UTC or local time (whichever the crate uses),
/// give or take a few minutes.
fn is_recent(t: NaiveDateTime) -> bool {
    let a = Utc::now().naive_utc();
    let b = Local::now().naive_local();
    let slack = chrono::Duration::minutes(5);
    t >= a.min(b) - slack && t <= a.max(b) + slack
}

fn fetch(db: &Db, pk: i64) -> Product {
    Product::objects()
        .filter(product::id.eq(pk))
        .get(db)
        .expect("row by primary key")
}

/// The one value `sql` selects, by raw SQL.
fn raw_value(db: &Db, sql: &str) -> Value {
    let rows = db.query(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}"));
    match rows.first().and_then(|r| r.first()) {
        Some(v) => v.clone(),
        None => panic!("{sql}: no row"),
    }
}

fn raw_text(db: &Db, sql: &str) -> String {
    match raw_value(db, sql) {
        Value::Text(t) => t,
        other => panic!("{sql}: {other:?} is not text"),
    }
}

fn raw_i64(db: &Db, sql: &str) -> i64 {
    match raw_value(db, sql) {
        Value::Integer(n) => n,
        other => panic!("{sql}: {other:?} is not an integer"),
    }
}

/// The first column of every row `sql` selects, as text.
fn raw_texts(db: &Db, sql: &str) -> Vec<String> {
    db.query(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|row| match &row[0] {
            Value::Text(t) => t.clone(),
            other => panic!("{sql}: {other:?} is not text"),
        })
        .collect()
}

/// A raw INSERT with the given columns and values, bypassing the crate.
fn raw_insert(db: &Db, table: &str, cols: &[(&str, Value)]) -> Result<usize> {
    let names: Vec<String> = cols.iter().map(|(c, _)| format!("\"{c}\"")).collect();
    let marks: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO \"{table}\" ({}) VALUES ({})",
        names.join(", "),
        marks.join(", ")
    );
    let values: Vec<Value> = cols.iter().map(|(_, v)| v.clone()).collect();
    db.execute(&sql, &values)
}

/// Every NOT NULL column of `products`, with valid values.
fn product_cols(name: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("name", Value::Text(name.to_string())),
        ("price", Value::Integer(1)),
        ("qty", Value::Integer(1)),
        ("rating", Value::Real(1.0)),
        ("enabled", Value::Integer(1)),
        ("email", Value::Text("raw@example.com".into())),
        ("created", Value::Text("2024-01-31 10:00:00".into())),
        ("updated", Value::Text("2024-01-31 10:00:00".into())),
    ]
}

/// A column of a table as the database describes it.
#[derive(Debug, Clone)]
struct ColumnInfo {
    name: String,
    /// The declared type, as the database spells it.
    ty: String,
    not_null: bool,
}

/// The columns of `table`, from SQLite's `pragma_table_info` or
/// PostgreSQL's `information_schema` (in the test's own schema).
fn columns(db: &Db, table: &str) -> Vec<ColumnInfo> {
    let sql = match db.backend() {
        Backend::Sqlite => {
            format!("SELECT name, type, \"notnull\" FROM pragma_table_info('{table}') ORDER BY cid")
        }
        _ => format!(
            "SELECT column_name::text, \
             CASE WHEN character_maximum_length IS NULL THEN data_type::text \
             ELSE data_type::text || '(' || character_maximum_length || ')' END, \
             CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = '{table}' \
             ORDER BY ordinal_position"
        ),
    };
    db.query(&sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|row| match &row[..] {
            [Value::Text(name), Value::Text(ty), Value::Integer(not_null)] => ColumnInfo {
                name: name.clone(),
                ty: ty.clone(),
                not_null: *not_null != 0,
            },
            other => panic!("a column: {other:?}"),
        })
        .collect()
}

/// The primary-key column of `table`.
fn primary_key(db: &Db, table: &str) -> String {
    match db.backend() {
        Backend::Sqlite => raw_text(
            db,
            &format!("SELECT name FROM pragma_table_info('{table}') WHERE pk = 1"),
        ),
        _ => raw_text(
            db,
            &format!(
                "SELECT a.attname::text FROM pg_index i \
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
                 WHERE i.indrelid = '{table}'::regclass AND i.indisprimary"
            ),
        ),
    }
}

/// Whether `table` exists (in the test's own schema on PostgreSQL).
fn table_exists(db: &Db, table: &str) -> bool {
    let sql = match db.backend() {
        Backend::Sqlite => {
            format!("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'")
        }
        _ => format!(
            "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = '{table}'"
        ),
    };
    raw_i64(db, &sql) == 1
}

fn replace(cols: &mut [(&'static str, Value)], col: &str, value: Value) {
    let slot = cols
        .iter_mut()
        .find(|(c, _)| *c == col)
        .unwrap_or_else(|| panic!("no column {col} to replace"));
    slot.1 = value;
}

fn validation_errors(result: Result<()>) -> ValidationErrors {
    match result {
        Err(Error::Validation(errors)) => errors,
        other => panic!("expected Error::Validation, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// save

#[test]
fn save_inserts_then_updates() -> Result<()> {
    each_db(|db| {
        let mut p = new_product("Sony A7", 450, 3);
        assert_eq!(p.id, 0);
        p.save(db)?;
        assert!(p.id > 0);
        let id = p.id;
        assert_eq!(raw_count(db, "products"), 1);

        p.price = 400;
        p.description = Some("updated".into());
        p.save(db)?;
        assert_eq!(p.id, id, "an update keeps the primary key");
        assert_eq!(raw_count(db, "products"), 1);
        assert_eq!(
            raw_i64(db, &format!("SELECT price FROM products WHERE id = {id}")),
            400
        );
        let got = fetch(db, id);
        assert_eq!(got.price, 400);
        assert_eq!(got.description.as_deref(), Some("updated"));

        let mut q = new_product("Canon", 900, 0);
        q.save(db)?;
        assert!(q.id > 0);
        assert_ne!(q.id, p.id);
        assert_eq!(raw_count(db, "products"), 2);
        // The update touched only its own row.
        assert_eq!(fetch(db, p.id).name, "Sony A7");
        assert_eq!(fetch(db, q.id).name, "Canon");
        Ok(())
    })
}

#[test]
fn save_can_set_an_option_back_to_none() -> Result<()> {
    each_db(|db| {
        let mut p = new_product("a", 1, 1);
        p.description = Some("x".into());
        p.released = Some(date(2024, 1, 31));
        p.save(db)?;
        p.description = None;
        p.released = None;
        p.save(db)?;
        let got = fetch(db, p.id);
        assert_eq!(got.description, None);
        assert_eq!(got.released, None);
        Ok(())
    })
}

#[test]
fn save_with_an_unknown_primary_key_inserts_the_row() -> Result<()> {
    // Django: save() with a primary key that is not in the table inserts.
    each_db(|db| {
        let mut p = new_product("explicit", 1, 1);
        p.id = 42;
        p.save(db)?;
        assert_eq!(p.id, 42);
        assert_eq!(raw_count(db, "products"), 1);
        assert_eq!(fetch(db, 42).name, "explicit");
        Ok(())
    })
}

#[test]
fn saved_model_equals_the_fetched_row() -> Result<()> {
    // What save() leaves in memory is what the database holds, auto_now
    // timestamps included.
    each_db(|db| {
        let mut p = new_product("same", 5, 5);
        p.description = Some("d".into());
        p.released = Some(date(2020, 2, 29));
        p.save(db)?;
        assert_eq!(fetch(db, p.id), p);
        p.qty = 6;
        p.save(db)?;
        assert_eq!(fetch(db, p.id), p);
        let c = Product::objects().create(db, new_product("created", 1, 1))?;
        assert_eq!(fetch(db, c.id), c);
        Ok(())
    })
}

#[test]
fn auto_now_add_is_set_on_insert_only() -> Result<()> {
    each_db(|db| {
        let mut p = new_product("a", 1, 1);
        p.save(db)?;
        assert!(is_recent(p.created), "created set in memory: {}", p.created);
        // To the microsecond, as Django (and PostgreSQL's `timestamp`) keeps it.
        assert_eq!(p.created.nanosecond() % 1_000, 0, "{}", p.created);
        assert_eq!(p.updated.nanosecond() % 1_000, 0, "{}", p.updated);
        let stored = fetch(db, p.id);
        assert_eq!(stored.created, p.created);
        assert!(
            is_recent(stored.created),
            "created stored: {}",
            stored.created
        );

        // Put a known value in both places; an update must not replace it with "now".
        let marker = datetime(2010, 1, 1, 0, 0, 0);
        db.execute(
            "UPDATE products SET created = $1 WHERE id = $2",
            &[
                Value::Text("2010-01-01 00:00:00".into()),
                Value::Integer(p.id),
            ],
        )?;
        p.created = marker;
        p.price = 2;
        p.save(db)?;
        let stored = fetch(db, p.id);
        assert_eq!(stored.price, 2);
        assert_eq!(stored.created, marker);
        Ok(())
    })
}

#[test]
fn auto_now_is_set_on_every_save() -> Result<()> {
    each_db(|db| {
        let mut p = new_product("a", 1, 1);
        assert_eq!(p.updated, long_ago());
        p.save(db)?;
        assert!(is_recent(p.updated), "{}", p.updated);
        assert!(is_recent(fetch(db, p.id).updated));

        p.updated = long_ago();
        p.qty = 9;
        p.save(db)?;
        assert!(
            is_recent(p.updated),
            "in memory after update: {}",
            p.updated
        );
        let stored = fetch(db, p.id);
        assert!(
            is_recent(stored.updated),
            "stored after update: {}",
            stored.updated
        );
        assert_eq!(stored.qty, 9);
        Ok(())
    })
}

#[test]
fn create_sets_the_auto_timestamps() -> Result<()> {
    each_db(|db| {
        let p = Product::objects().create(db, new_product("a", 1, 1))?;
        assert!(p.id > 0);
        assert!(is_recent(p.created), "{}", p.created);
        assert!(is_recent(p.updated), "{}", p.updated);
        let stored = fetch(db, p.id);
        assert!(is_recent(stored.created));
        assert!(is_recent(stored.updated));
        Ok(())
    })
}

#[test]
fn bulk_create_sets_the_auto_timestamps() -> Result<()> {
    // As Django's bulk_create runs each field's pre_save.
    each_db(|db| {
        let saved = Product::objects()
            .bulk_create(db, vec![new_product("a", 1, 1), new_product("b", 2, 2)])?;
        for p in &saved {
            let stored = fetch(db, p.id);
            assert!(is_recent(stored.created), "{}", stored.created);
            assert!(is_recent(stored.updated), "{}", stored.updated);
        }
        Ok(())
    })
}

#[test]
fn save_with_a_string_primary_key_updates_or_inserts() -> Result<()> {
    each_db(|db| {
        let mut fr = new_country("FR", "France", 67_000_000);
        fr.save(db)?;
        assert_eq!(raw_count(db, "iso_country"), 1);
        fr.population = 68_000_000;
        fr.save(db)?;
        assert_eq!(raw_count(db, "iso_country"), 1);
        let got = IsoCountry::objects()
            .filter(iso_country::code.eq("FR"))
            .get(db)?;
        assert_eq!(got, fr);

        let mut de = new_country("DE", "Germany", 83_000_000);
        de.save(db)?;
        assert_eq!(raw_count(db, "iso_country"), 2);
        // A fresh instance with an existing key updates that row.
        let mut again = new_country("DE", "Deutschland", 84_000_000);
        again.save(db)?;
        assert_eq!(raw_count(db, "iso_country"), 2);
        assert_eq!(
            raw_text(db, "SELECT name FROM iso_country WHERE code = 'DE'"),
            "Deutschland"
        );
        assert_eq!(
            raw_text(db, "SELECT name FROM iso_country WHERE code = 'FR'"),
            "France"
        );
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// delete

#[test]
fn instance_delete_removes_only_that_row() -> Result<()> {
    each_db(|db| {
        let saved = seed_products(db, &[("a", 1, 1), ("b", 2, 2), ("c", 3, 3)]);
        assert_eq!(saved[1].delete(db)?, 1);
        assert_eq!(raw_count(db, "products"), 2);
        let left = Product::objects().order_by(product::id).all(db)?;
        assert_eq!(names(&left), vec!["a", "c"]);
        Ok(())
    })
}

#[test]
fn instance_delete_of_an_unsaved_model_is_not_saved() -> Result<()> {
    each_db(|db| {
        seed_products(db, &[("a", 1, 1)]);
        let unsaved = new_product("never saved", 1, 1);
        let err = unsaved.delete(db).unwrap_err();
        match err {
            Error::NotSaved { model, .. } => assert_eq!(model, "Product"),
            other => panic!("expected NotSaved, got {other:?}"),
        }
        assert_eq!(raw_count(db, "products"), 1);
        Ok(())
    })
}

#[test]
fn instance_delete_with_a_string_primary_key() -> Result<()> {
    each_db(|db| {
        let mut fr = new_country("FR", "France", 1);
        fr.save(db)?;
        let mut de = new_country("DE", "Germany", 2);
        de.save(db)?;
        assert_eq!(fr.delete(db)?, 1);
        let left = IsoCountry::objects().all(db)?;
        assert_eq!(left, vec![de]);
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// validation

#[test]
fn max_length_counts_characters_not_bytes() -> Result<()> {
    each_db(|db| {
        let mut ok = new_product(&"é".repeat(50), 1, 1);
        assert!(ok.full_clean().is_ok());
        ok.save(db)?;
        assert_eq!(fetch(db, ok.id).name, "é".repeat(50));
        let emoji = Product::objects().create(db, new_product(&"🎉".repeat(50), 1, 1))?;
        assert_eq!(fetch(db, emoji.id).name.chars().count(), 50);

        let too_long = new_product(&"é".repeat(51), 1, 1);
        let errors = validation_errors(too_long.full_clean());
        assert_eq!(errors.len(), 1);
        let e = errors.get("name").expect("an error on name");
        assert_eq!(e.field, "name");
        assert_eq!(
            e.messages,
            vec!["ensure this value has at most 50 characters (it has 51)".to_string()]
        );
        Ok(())
    })
}

#[test]
fn email_is_validated() {
    for good in [
        "shop@example.com",
        "a.b+c@example.co.uk",
        "x_y-z@sub.domain.org",
    ] {
        let mut p = new_product("a", 1, 1);
        p.email = good.to_string();
        assert!(p.full_clean().is_ok(), "{good} should be valid");
    }
    for bad in [
        "plainaddress",
        "@example.com",
        "user@",
        "user@@example.com",
        "user name@example.com",
        "user@exam ple.com",
    ] {
        let mut p = new_product("a", 1, 1);
        p.email = bad.to_string();
        let errors = validation_errors(p.full_clean());
        let e = errors
            .get("email")
            .unwrap_or_else(|| panic!("{bad:?} should be invalid"));
        assert_eq!(e.field, "email");
        assert_eq!(
            e.messages,
            vec!["enter a valid email address".to_string()],
            "{bad:?}"
        );
    }
}

#[test]
fn url_is_validated() {
    for good in [
        None,
        Some("https://example.com"),
        Some("http://example.com/path?q=1#frag"),
        Some("https://sub.example.co.uk:8080/a/b"),
    ] {
        let mut p = new_product("a", 1, 1);
        p.homepage = good.map(str::to_string);
        assert!(p.full_clean().is_ok(), "{good:?} should be valid");
    }
    for bad in ["not a url", "example.com", "http://", "://example.com"] {
        let mut p = new_product("a", 1, 1);
        p.homepage = Some(bad.to_string());
        let errors = validation_errors(p.full_clean());
        let e = errors
            .get("homepage")
            .unwrap_or_else(|| panic!("{bad:?} should be invalid"));
        assert_eq!(e.messages, vec!["enter a valid URL".to_string()], "{bad:?}");
    }
}

#[test]
fn url_validation_rejects_non_web_schemes() {
    // Django's URLValidator accepts http, https, ftp and ftps only.
    for bad in [
        "javascript:alert(1)",
        "mailto:someone@example.com",
        "file:///etc/passwd",
    ] {
        let mut p = new_product("a", 1, 1);
        p.homepage = Some(bad.to_string());
        let errors = validation_errors(p.full_clean());
        assert!(
            errors.get("homepage").is_some(),
            "{bad:?} should be invalid"
        );
    }
}

#[test]
fn choices_are_validated() -> Result<()> {
    each_db(|db| {
        for good in ["red", "green", "blue"] {
            assert!(new_gadget("g", good).full_clean().is_ok(), "{good}");
        }
        let bad = new_gadget("g", "purple");
        let errors = validation_errors(bad.full_clean());
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors.get("color").expect("color error").messages,
            vec![r#"value "purple" is not a valid choice"#.to_string()]
        );
        // Choices are exact.
        assert!(new_gadget("g", "Red").full_clean().is_err());
        let err = Gadget::objects()
            .create(db, new_gadget("g", "purple"))
            .unwrap_err();
        assert!(matches!(err, Error::Validation(_)), "got {err:?}");
        assert_eq!(raw_count(db, "gadgets"), 0);
        Ok(())
    })
}

#[test]
fn every_bad_field_is_reported_at_once() {
    let mut p = new_product(&"x".repeat(51), 1, 1);
    p.email = "not-an-email".into();
    p.homepage = Some("not a url".into());
    let errors = validation_errors(p.full_clean());
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(!errors.is_empty());
    let mut fields: Vec<&str> = errors.fields().collect();
    fields.sort();
    assert_eq!(fields, vec!["email", "homepage", "name"]);
    let mut from_iter: Vec<&str> = errors.iter().map(|e| e.field).collect();
    from_iter.sort();
    assert_eq!(from_iter, fields);
    assert_eq!(
        errors.get("name").unwrap().messages,
        vec!["ensure this value has at most 50 characters (it has 51)".to_string()]
    );
    assert_eq!(
        errors.get("email").unwrap().messages,
        vec!["enter a valid email address".to_string()]
    );
    assert_eq!(
        errors.get("homepage").unwrap().messages,
        vec!["enter a valid URL".to_string()]
    );
    assert!(errors.get("price").is_none());

    let g = new_gadget(&"s".repeat(21), "purple");
    let errors = validation_errors(g.full_clean());
    let mut fields: Vec<&str> = errors.fields().collect();
    fields.sort();
    assert_eq!(fields, vec!["color", "sku"]);
    assert_eq!(
        errors.get("sku").unwrap().messages,
        vec!["ensure this value has at most 20 characters (it has 21)".to_string()]
    );
}

#[test]
fn save_and_create_write_nothing_on_validation_failure() -> Result<()> {
    each_db(|db| {
        let mut p = new_product(&"é".repeat(51), 1, 1);
        p.email = "nope".into();
        let errors = validation_errors(p.save(db));
        assert_eq!(errors.len(), 2);
        assert_eq!(p.id, 0, "no id is assigned");
        assert_eq!(raw_count(db, "products"), 0);

        let err = Product::objects().create(db, p.clone()).unwrap_err();
        match err {
            Error::Validation(errors) => assert_eq!(errors.len(), 2),
            other => panic!("expected Validation, got {other:?}"),
        }
        assert_eq!(raw_count(db, "products"), 0);

        // An update that fails validation leaves the stored row alone.
        let mut good = new_product("good", 5, 5);
        good.save(db)?;
        let before = fetch(db, good.id);
        good.name = "x".repeat(60);
        good.price = 999;
        let errors = validation_errors(good.save(db));
        assert_eq!(errors.fields().collect::<Vec<_>>(), vec!["name"]);
        assert_eq!(fetch(db, before.id), before);
        assert_eq!(raw_count(db, "products"), 1);
        Ok(())
    })
}

#[test]
fn an_overlong_email_is_invalid() {
    let mut p = new_product("a", 1, 1);
    p.email = format!("{}@example.com", "a".repeat(250)); // 262 characters
    let errors = validation_errors(p.full_clean());
    assert!(errors.get("email").is_some(), "{errors:?}");
}

// ---------------------------------------------------------------------------
// create_table

#[test]
fn create_table_makes_strict_tables() {
    // SQLite only: STRICT is SQLite's; PostgreSQL columns are typed anyway
    // (the next test refuses a wrong-typed value on both).
    let db = memory_db();
    for table in ["products", "iso_country", "gadgets", "all_types"] {
        let strict = raw_i64(
            &db,
            &format!("SELECT strict FROM pragma_table_list WHERE name = '{table}'"),
        );
        assert_eq!(strict, 1, "{table} is STRICT");
    }
    // STRICT refuses a value of the wrong type.
    let mut cols = product_cols("typed");
    replace(&mut cols, "price", Value::Text("abc".into()));
    assert!(raw_insert(&db, "products", &cols).is_err());
    assert_eq!(raw_count(&db, "products"), 0);
}

#[test]
fn a_value_of_the_wrong_type_is_refused_by_the_database() -> Result<()> {
    // Text for an integer column, written in the SQL so that the database
    // (SQLite's STRICT table, PostgreSQL's bigint) refuses it, not a binder.
    each_db(|db| {
        let err = db
            .execute(
                "INSERT INTO products (name, price, qty, rating, enabled, email, created, updated) \
                 VALUES ('typed', 'abc', 1, 1.0, $1, 'raw@example.com', $2, $3)",
                &[
                    Value::Integer(1),
                    Value::Text("2024-01-31 10:00:00".into()),
                    Value::Text("2024-01-31 10:00:00".into()),
                ],
            )
            .unwrap_err();
        // SQLite: the STRICT table's datatype constraint; PostgreSQL:
        // "invalid input syntax for type bigint", Django's DataError.
        match db.backend() {
            Backend::Sqlite => assert!(matches!(err, Error::Integrity { .. }), "{err:?}"),
            _ => assert!(matches!(err, Error::Data { .. }), "{err:?}"),
        }
        assert_eq!(raw_count(db, "products"), 0);
        Ok(())
    })
}

#[test]
fn create_table_is_idempotent() -> Result<()> {
    each_db(|db| {
        new_product("kept", 1, 1).save(db)?;
        db.create_table::<Product>()?;
        db.create_table::<Gadget>()?;
        assert_eq!(raw_count(db, "products"), 1);
        Ok(())
    })
}

#[test]
fn create_table_column_types_and_nullability() -> Result<()> {
    each_db(|db| {
        let cols = columns(db, "products");
        let find = |n: &str| {
            cols.iter()
                .find(|c| c.name == n)
                .unwrap_or_else(|| panic!("column {n} in {cols:?}"))
                .clone()
        };
        for n in [
            "name", "price", "qty", "rating", "enabled", "email", "created", "updated",
        ] {
            assert!(find(n).not_null, "{n} is NOT NULL");
        }
        for n in ["description", "homepage", "released"] {
            assert!(!find(n).not_null, "{n} is nullable");
        }
        let ty = |n: &str| find(n).ty.to_uppercase();
        match db.backend() {
            Backend::Sqlite => {
                for n in ["id", "price", "qty", "enabled"] {
                    assert!(ty(n).starts_with("INT"), "{n}: {:?}", find(n));
                }
                assert_eq!(ty("rating"), "REAL");
                for n in [
                    "name",
                    "description",
                    "email",
                    "homepage",
                    "created",
                    "updated",
                    "released",
                ] {
                    assert_eq!(ty(n), "TEXT", "{n}");
                }
            }
            _ => {
                // Django's PostgreSQL types.
                for (n, t) in [
                    ("id", "BIGINT"),
                    ("price", "BIGINT"),
                    ("qty", "INTEGER"),
                    ("enabled", "BOOLEAN"),
                    ("rating", "DOUBLE PRECISION"),
                    ("name", "CHARACTER VARYING(50)"),
                    ("description", "TEXT"),
                    ("email", "CHARACTER VARYING(254)"),
                    ("homepage", "CHARACTER VARYING(200)"),
                    ("created", "TIMESTAMP WITHOUT TIME ZONE"),
                    ("updated", "TIMESTAMP WITHOUT TIME ZONE"),
                    ("released", "DATE"),
                ] {
                    assert_eq!(ty(n), t, "{n}");
                }
            }
        }
        assert_eq!(cols.len(), 12);
        // The primary key.
        assert_eq!(primary_key(db, "products"), "id");
        assert_eq!(primary_key(db, "iso_country"), "code");
        // A raw insert without a NOT NULL column fails.
        let cols: Vec<(&str, Value)> = product_cols("no price")
            .into_iter()
            .filter(|(c, _)| *c != "price")
            .collect();
        assert!(raw_insert(db, "products", &cols).is_err());
        let mut cols = product_cols("null name");
        replace(&mut cols, "name", Value::Null);
        assert!(raw_insert(db, "products", &cols).is_err());
        assert_eq!(raw_count(db, "products"), 0);
        // And with every column given it works.
        assert!(raw_insert(db, "products", &product_cols("fine")).is_ok());
        Ok(())
    })
}

#[test]
fn create_table_uses_the_column_attribute() -> Result<()> {
    each_db(|db| {
        let names: Vec<String> = columns(db, "gadgets").into_iter().map(|c| c.name).collect();
        assert!(names.contains(&"temp_c".to_string()), "{names:?}");
        assert!(!names.contains(&"temperature".to_string()), "{names:?}");
        // Every operation goes through the column name.
        let mut g = new_gadget("t-1", "red");
        g.temperature = -40;
        g.save(db)?;
        assert_eq!(raw_i64(db, "SELECT temp_c FROM gadgets"), -40);
        let found = Gadget::objects()
            .filter(gf::temperature.lt(0))
            .order_by(-gf::temperature)
            .get(db)?;
        assert_eq!(found, g);
        let n = Gadget::objects()
            .filter(gf::temperature.eq(-40))
            .update(db, gf::temperature.set(12))?;
        assert_eq!(n, 1);
        assert_eq!(raw_i64(db, "SELECT temp_c FROM gadgets"), 12);
        Ok(())
    })
}

#[test]
fn unique_violation_is_an_integrity_error() -> Result<()> {
    each_db(|db| {
        new_gadget("SKU-1", "red").save(db)?;
        let mut dup = new_gadget("SKU-1", "blue");
        let err = dup.save(db).unwrap_err();
        match &err {
            Error::Integrity { sql, .. } => assert!(!sql.is_empty()),
            other => panic!("expected Integrity, got {other:?}"),
        }
        assert!(!err.to_string().is_empty());
        assert_eq!(dup.id, 0);
        let err = Gadget::objects()
            .create(db, new_gadget("SKU-1", "green"))
            .unwrap_err();
        assert!(matches!(err, Error::Integrity { .. }), "got {err:?}");
        assert_eq!(raw_count(db, "gadgets"), 1);
        // An update into a duplicate too.
        let mut other = new_gadget("SKU-2", "red");
        other.save(db)?;
        other.sku = "SKU-1".into();
        assert!(matches!(other.save(db), Err(Error::Integrity { .. })));
        let err = Gadget::objects()
            .filter(gf::sku.eq("SKU-2"))
            .update(db, gf::sku.set("SKU-1"))
            .unwrap_err();
        assert!(matches!(err, Error::Integrity { .. }), "got {err:?}");
        Ok(())
    })
}

#[test]
fn db_index_creates_an_index() -> Result<()> {
    each_db(|db| {
        let (columns_sql, create_index_sql) = match db.backend() {
            Backend::Sqlite => (
                "SELECT ii.name FROM pragma_index_list('gadgets') AS il, \
                 pragma_index_info(il.name) AS ii",
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'gadgets' \
                 AND sql IS NOT NULL AND sql LIKE '%weight%'",
            ),
            _ => (
                "SELECT a.attname::text FROM pg_index i \
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
                 WHERE i.indrelid = 'gadgets'::regclass",
                // `OFFSET 0` keeps the LIKE from being evaluated on other
                // schemas' indexes, which other tests drop concurrently
                // ("could not open relation with OID").
                "SELECT COUNT(*) FROM (SELECT indexdef FROM pg_indexes \
                 WHERE schemaname = current_schema() AND tablename = 'gadgets' OFFSET 0) AS i \
                 WHERE indexdef LIKE 'CREATE INDEX%weight%'",
            ),
        };
        let indexed = raw_texts(db, columns_sql);
        assert!(indexed.contains(&"weight".to_string()), "{indexed:?}");
        assert!(
            indexed.contains(&"sku".to_string()),
            "unique makes an index: {indexed:?}"
        );
        assert!(!indexed.contains(&"color".to_string()), "{indexed:?}");
        // And in the schema as a real CREATE INDEX.
        let n = raw_i64(db, create_index_sql);
        assert_eq!(n, 1);
        Ok(())
    })
}

#[test]
fn defaults_apply_to_a_raw_insert_that_omits_the_column() -> Result<()> {
    each_db(|db| {
        // Borrow the stored text of a timestamp from a row the crate wrote.
        new_gadget("via-api", "red").save(db)?;
        let seen_at = raw_text(db, "SELECT seen_at FROM gadgets WHERE sku = 'via-api'");
        raw_insert(
            db,
            "gadgets",
            &[
                ("sku", Value::Text("raw".into())),
                ("color", Value::Text("blue".into())),
                ("weight", Value::Real(2.0)),
                ("temp_c", Value::Integer(1)),
                ("notes", Value::Text(String::new())),
                ("payload", Value::Blob(vec![9])),
                ("seen_at", Value::Text(seen_at)),
            ],
        )
        .expect("raw insert without stock");
        assert_eq!(
            raw_i64(db, "SELECT stock FROM gadgets WHERE sku = 'raw'"),
            7
        );
        let g = Gadget::objects().filter(gf::sku.eq("raw")).get(db)?;
        assert_eq!(g.stock, 7);
        Ok(())
    })
}

#[test]
fn max_length_check_constraint_rejects_a_raw_insert() -> Result<()> {
    each_db(|db| {
        let err = raw_insert(db, "products", &product_cols(&"x".repeat(51))).unwrap_err();
        // SQLite's CHECK; PostgreSQL's varchar(50) itself.
        let says = match db.backend() {
            Backend::Sqlite => "CHECK",
            _ => "value too long for type character varying(50)",
        };
        assert!(err.to_string().contains(says), "{err}");
        // It counts characters as the validator does.
        assert!(raw_insert(db, "products", &product_cols(&"é".repeat(51))).is_err());
        assert!(raw_insert(db, "products", &product_cols(&"é".repeat(50))).is_ok());
        assert!(raw_insert(db, "products", &product_cols(&"x".repeat(50))).is_ok());
        assert_eq!(raw_count(db, "products"), 2);
        // And it holds for updates as well.
        assert!(
            db.execute(
                "UPDATE products SET name = $1",
                &[Value::Text("y".repeat(51))]
            )
            .is_err()
        );
        assert_eq!(
            Product::objects()
                .filter(product::name.eq("x".repeat(50)))
                .count(db)?,
            1
        );
        Ok(())
    })
}

#[test]
fn email_and_url_lengths_are_checked_by_the_database() -> Result<()> {
    each_db(|db| {
        let with = |col: &'static str, value: String| {
            let mut cols = product_cols(col);
            match cols.iter_mut().find(|(c, _)| *c == col) {
                Some(slot) => slot.1 = Value::Text(value),
                None => cols.push((col, Value::Text(value))),
            }
            cols
        };
        // email: 254 characters at most; homepage: 200.
        let email = |n: usize| format!("{}@example.com", "a".repeat(n - 12));
        let url = |n: usize| format!("https://example.com/{}", "a".repeat(n - 20));
        assert_eq!(email(255).chars().count(), 255);
        assert_eq!(url(201).chars().count(), 201);
        assert!(
            raw_insert(db, "products", &with("email", email(255))).is_err(),
            "255-character email"
        );
        assert!(
            raw_insert(db, "products", &with("homepage", url(201))).is_err(),
            "201-character URL"
        );
        assert_eq!(raw_count(db, "products"), 0);
        assert!(raw_insert(db, "products", &with("email", email(254))).is_ok());
        assert!(raw_insert(db, "products", &with("homepage", url(200))).is_ok());
        assert_eq!(raw_count(db, "products"), 2);
        Ok(())
    })
}

#[test]
fn default_table_names_are_snake_case() -> Result<()> {
    each_db(|db| {
        for table in ["products", "iso_country", "gadgets", "all_types"] {
            assert!(table_exists(db, table), "{table}");
        }
        assert!(!table_exists(db, "product"));
        Ok(())
    })
}

#[test]
fn queries_on_a_missing_table_are_errors() -> Result<()> {
    each_empty_db(|db| {
        let err = Product::objects().all(db).unwrap_err();
        assert!(matches!(err, Error::Database { .. }), "got {err:?}");
        assert!(Product::objects().count(db).is_err());
        assert!(Product::objects().exists(db).is_err());
        assert!(Product::objects().first(db).is_err());
        assert!(Product::objects().delete(db).is_err());
        assert!(new_product("a", 1, 1).save(db).is_err());
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// Db::open

#[test]
fn open_a_file_applies_the_recommended_settings() -> Result<()> {
    // SQLite only: a file's PRAGMAs (WAL, foreign keys, busy timeout).
    let tmp = TempPath::new("settings");
    let db = Db::open(tmp.path())?;
    let mode = raw_text(&db, "PRAGMA journal_mode");
    assert_eq!(mode.to_lowercase(), "wal");
    assert_eq!(raw_i64(&db, "PRAGMA foreign_keys"), 1);
    assert!(raw_i64(&db, "PRAGMA busy_timeout") > 0);
    // The Unicode-aware i-lookups work on a file connection too.
    db.create_table::<Product>()?;
    new_product("Motörhead", 1, 1).save(&db)?;
    assert_eq!(
        Product::objects()
            .filter(product::name.icontains("MOTÖRHEAD"))
            .count(&db)?,
        1
    );
    Ok(())
}

#[test]
fn open_in_memory_turns_foreign_keys_on() -> Result<()> {
    // SQLite only: PostgreSQL always enforces foreign keys.
    let db = Db::open_in_memory()?;
    assert_eq!(raw_i64(&db, "PRAGMA foreign_keys"), 1);
    Ok(())
}

#[test]
fn data_persists_across_opens() -> Result<()> {
    // SQLite only: a database file opened twice.
    let tmp = TempPath::new("persist");
    {
        let db = Db::open(tmp.path())?;
        db.create_table::<Product>()?;
        new_product("kept", 7, 1).save(&db)?;
    }
    let db = Db::open(tmp.path())?;
    let rows = Product::objects().all(&db)?;
    assert_eq!(names(&rows), vec!["kept"]);
    assert_eq!(rows[0].price, 7);
    Ok(())
}

#[test]
fn open_a_bad_path_is_an_open_error() {
    // SQLite only: a file path (bad URLs and servers are tested elsewhere).
    let dir = TempPath::new("missing-dir");
    let path = dir.path().join("sub").join("x.db");
    let err = match Db::open(&path) {
        Err(e) => e,
        Ok(_) => panic!("opening {path:?} should fail"),
    };
    match &err {
        Error::Open { path: p, .. } => assert_eq!(p, &path),
        other => panic!("expected Open, got {other:?}"),
    }
    assert!(
        err.to_string().contains("x.db"),
        "the message names the file: {err}"
    );
}

#[test]
fn open_something_that_is_not_a_database_is_an_error() {
    // SQLite only: a file that is not a SQLite database.
    let tmp = TempPath::new("garbage");
    std::fs::write(tmp.path(), vec![b'x'; 4096]).unwrap();
    let result = Db::open(tmp.path()).and_then(|db| {
        db.create_table::<Product>()?;
        Product::objects().count(&db)
    });
    assert!(result.is_err());
    // A directory is not a database either.
    let result = Db::open(std::env::temp_dir()).and_then(|db| {
        db.create_table::<Product>()?;
        Product::objects().count(&db)
    });
    assert!(result.is_err());
}

// ---------------------------------------------------------------------------
// round trips

fn round_trip(db: &Db, row: AllTypes) -> AllTypes {
    let saved = AllTypes::objects().create(db, row.clone()).expect("create");
    assert!(saved.id > 0);
    let got = AllTypes::objects()
        .filter(all_types::id.eq(saved.id))
        .get(db)
        .expect("get");
    let mut expected = row;
    expected.id = saved.id;
    assert_eq!(saved, expected, "create returns what it was given");
    assert_eq!(got, expected, "the row reads back unchanged");
    got
}

#[test]
fn round_trip_minimums_and_none() -> Result<()> {
    each_db(|db| {
        round_trip(
            db,
            AllTypes {
                id: 0,
                v_i8: i8::MIN,
                v_i16: i16::MIN,
                v_i32: i32::MIN,
                v_i64: i64::MIN,
                v_u8: 0,
                v_u16: 0,
                v_u32: 0,
                v_f32: f32::MIN,
                v_f64: f64::MIN,
                v_bool: false,
                v_text: String::new(),
                v_blob: Vec::new(),
                v_date: date(1, 1, 1),
                v_datetime: datetime(1, 1, 1, 0, 0, 0),
                v_utc: utc(1970, 1, 1, 0, 0, 0),
                ..new_all_types()
            },
        );
        Ok(())
    })
}

#[test]
fn round_trip_maximums_and_some() -> Result<()> {
    each_db(|db| {
        round_trip(
            db,
            AllTypes {
                id: 0,
                v_i8: i8::MAX,
                v_i16: i16::MAX,
                v_i32: i32::MAX,
                v_i64: i64::MAX,
                v_u8: u8::MAX,
                v_u16: u16::MAX,
                v_u32: u32::MAX,
                v_f32: f32::MAX,
                v_f64: f64::MAX,
                v_bool: true,
                v_text: "héllo wörld — 日本語 🎉 Ωμέγα Москва".into(),
                v_blob: (0..=255).collect(),
                v_date: date(9999, 12, 31),
                v_datetime: datetime(9999, 12, 31, 23, 59, 59),
                v_utc: utc(2038, 1, 19, 3, 14, 8),
                o_i8: Some(i8::MIN),
                o_i16: Some(i16::MAX),
                o_i32: Some(-1),
                o_i64: Some(i64::MIN),
                o_u8: Some(u8::MAX),
                o_u16: Some(0),
                o_u32: Some(u32::MAX),
                o_f32: Some(-0.1),
                o_f64: Some(f64::MIN_POSITIVE),
                o_bool: Some(false),
                o_text: Some(String::new()),
                o_blob: Some(Vec::new()),
                o_date: Some(date(2024, 2, 29)),
                o_datetime: Some(datetime(2000, 2, 29, 12, 0, 1)),
                o_utc: Some(utc(2024, 12, 31, 23, 59, 59)),
            },
        );
        Ok(())
    })
}

#[test]
fn round_trip_awkward_values() -> Result<()> {
    each_db(|db| {
        for text in [
            "it's",
            "say \"hi\"",
            "back\\slash",
            "100% _under_ [x] *?",
            "line\nbreak\ttab",
            "  padded  ",
            "x' OR 1=1 --",
            "ÄÖÜ äöü ß",
        ] {
            let mut row = new_all_types();
            row.v_text = text.to_string();
            row.o_text = Some(text.to_string());
            row.v_f64 = 0.1 + 0.2;
            row.v_f32 = 0.1;
            row.o_f64 = Some(-1e-300);
            row.v_blob = text.as_bytes().to_vec();
            round_trip(db, row);
        }
        // The Product model as well, with i64 extremes and empty strings.
        let mut p = new_product("", i64::MIN, i32::MIN);
        p.description = Some(String::new());
        p.save(db).unwrap();
        let mut q = new_product("Motörhead 🤘", i64::MAX, i32::MAX);
        q.rating = -0.5;
        q.save(db).unwrap();
        let got_p = fetch(db, p.id);
        assert_eq!(
            (got_p.name.as_str(), got_p.price, got_p.qty),
            ("", i64::MIN, i32::MIN)
        );
        assert_eq!(got_p.description.as_deref(), Some(""));
        let got_q = fetch(db, q.id);
        assert_eq!(
            (got_q.name.as_str(), got_q.price, got_q.qty),
            ("Motörhead 🤘", i64::MAX, i32::MAX)
        );
        assert_eq!(got_q.rating, -0.5);
        Ok(())
    })
}

#[test]
fn round_trip_sub_second_timestamps() -> Result<()> {
    // Django keeps microseconds.
    each_db(|db| {
        let mut row = new_all_types();
        row.v_datetime = datetime(2024, 1, 31, 10, 0, 0)
            .with_nanosecond(123_456_000)
            .unwrap();
        row.o_datetime = Some(
            datetime(2024, 1, 31, 10, 0, 0)
                .with_nanosecond(1_000)
                .unwrap(),
        );
        row.v_utc = utc(2024, 1, 31, 10, 0, 0)
            .with_nanosecond(999_999_000)
            .unwrap();
        round_trip(db, row);
        Ok(())
    })
}

#[test]
fn round_trip_through_every_read_method() -> Result<()> {
    each_db(|db| {
        let mut row = new_all_types();
        row.o_i32 = Some(5);
        row.o_text = Some("t".into());
        let saved = AllTypes::objects().create(db, row)?;
        assert_eq!(AllTypes::objects().all(db)?, vec![saved.clone()]);
        assert_eq!(AllTypes::objects().first(db)?, Some(saved.clone()));
        assert_eq!(AllTypes::objects().last(db)?, Some(saved.clone()));
        assert_eq!(AllTypes::objects().get(db)?, saved);
        let bulk = AllTypes::objects().bulk_create(db, vec![new_all_types()])?;
        assert_eq!(
            AllTypes::objects()
                .filter(all_types::id.eq(bulk[0].id))
                .get(db)?,
            bulk[0]
        );
        Ok(())
    })
}

#[test]
fn storage_formats_are_plain_values_of_each_database() -> Result<()> {
    each_db(|db| {
        let mut row = new_all_types();
        row.v_bool = true;
        row.o_bool = Some(false);
        row.v_date = date(2024, 1, 31);
        row.v_datetime = datetime(2024, 1, 31, 10, 0, 0);
        row.o_text = None;
        let saved = AllTypes::objects().create(db, row)?;
        let id = [Value::Integer(saved.id)];
        // As raw SQL reads them on both: booleans 0 and 1, dates ISO 8601.
        let rows = db.query(
            "SELECT v_bool, o_bool, v_date, v_datetime, o_text FROM all_types WHERE id = $1",
            &id,
        )?;
        match &rows[..] {
            [row] => match &row[..] {
                [b, ob, Value::Text(d), Value::Text(dt), ot] => {
                    assert_eq!(*b, Value::Integer(1));
                    assert_eq!(*ob, Value::Integer(0));
                    assert_eq!(d, "2024-01-31");
                    assert!(dt.starts_with("2024-01-31 10:00:00"), "{dt}");
                    assert_eq!(*ot, Value::Null);
                }
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
        // What the database holds: SQLite's storage classes (a STRICT
        // table), PostgreSQL's column types as Django maps them.
        let (sql, expected): (&str, &[&str]) = match db.backend() {
            Backend::Sqlite => (
                "SELECT typeof(v_text), typeof(v_blob), typeof(v_f32), typeof(v_i64), \
                 typeof(v_bool), typeof(v_date), typeof(v_datetime), typeof(v_utc) \
                 FROM all_types WHERE id = $1",
                &[
                    "text", "blob", "real", "integer", "integer", "text", "text", "text",
                ],
            ),
            _ => (
                "SELECT pg_typeof(v_text)::text, pg_typeof(v_blob)::text, \
                 pg_typeof(v_f32)::text, pg_typeof(v_i64)::text, pg_typeof(v_bool)::text, \
                 pg_typeof(v_date)::text, pg_typeof(v_datetime)::text, pg_typeof(v_utc)::text \
                 FROM all_types WHERE id = $1",
                &[
                    "text",
                    "bytea",
                    "real",
                    "bigint",
                    "boolean",
                    "date",
                    "timestamp without time zone",
                    "timestamp with time zone",
                ],
            ),
        };
        let kinds: Vec<Value> = db.query(sql, &id)?.remove(0);
        let expected: Vec<Value> = expected
            .iter()
            .map(|t| Value::Text(t.to_string()))
            .collect();
        assert_eq!(kinds, expected);
        Ok(())
    })
}

#[test]
fn max_length_applies_to_option_fields_when_some() {
    let mut p = new_product("a", 1, 1);
    p.homepage = None;
    assert!(p.full_clean().is_ok());
    p.homepage = Some(format!("https://example.com/{}", "a".repeat(181))); // 201
    let errors = validation_errors(p.full_clean());
    assert!(errors.get("homepage").is_some(), "{errors:?}");
    p.homepage = Some(format!("https://example.com/{}", "a".repeat(180))); // 200
    assert!(p.full_clean().is_ok());
}

#[test]
fn validation_error_display_names_the_fields() {
    let mut p = new_product(&"x".repeat(51), 1, 1);
    p.email = "nope".into();
    let err = p.full_clean().unwrap_err();
    let text = err.to_string();
    assert!(text.contains("name") && text.contains("email"), "{text}");
}
