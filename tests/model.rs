//! Model instances (save, create, delete, validation), the schema that
//! `create_table` writes, `Db::open`, and the round trip of every field type.

mod common;

use chrono::{Local, NaiveDateTime, Timelike, Utc};
use common::*;
use query::prelude::*;
use rusqlite::types::Value as Sql;

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

fn raw_text(db: &Db, sql: &str) -> String {
    db.connection()
        .query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn raw_i64(db: &Db, sql: &str) -> i64 {
    db.connection()
        .query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A raw INSERT with the given columns and values, bypassing the crate.
fn raw_insert(db: &Db, table: &str, cols: &[(&str, Sql)]) -> rusqlite::Result<usize> {
    let names: Vec<String> = cols.iter().map(|(c, _)| format!("\"{c}\"")).collect();
    let marks: Vec<&str> = cols.iter().map(|_| "?").collect();
    let sql = format!(
        "INSERT INTO \"{table}\" ({}) VALUES ({})",
        names.join(", "),
        marks.join(", ")
    );
    db.connection().execute(
        &sql,
        rusqlite::params_from_iter(cols.iter().map(|(_, v)| v.clone())),
    )
}

/// Every NOT NULL column of `products`, with valid values.
fn product_cols(name: &str) -> Vec<(&'static str, Sql)> {
    vec![
        ("name", Sql::Text(name.to_string())),
        ("price", Sql::Integer(1)),
        ("qty", Sql::Integer(1)),
        ("rating", Sql::Real(1.0)),
        ("enabled", Sql::Integer(1)),
        ("email", Sql::Text("raw@example.com".into())),
        ("created", Sql::Text("2024-01-31 10:00:00".into())),
        ("updated", Sql::Text("2024-01-31 10:00:00".into())),
    ]
}

fn replace(cols: &mut [(&'static str, Sql)], col: &str, value: Sql) {
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
    let db = memory_db();
    let mut p = new_product("Sony A7", 450, 3);
    assert_eq!(p.id, 0);
    p.save(&db)?;
    assert!(p.id > 0);
    let id = p.id;
    assert_eq!(raw_count(&db, "products"), 1);

    p.price = 400;
    p.description = Some("updated".into());
    p.save(&db)?;
    assert_eq!(p.id, id, "an update keeps the primary key");
    assert_eq!(raw_count(&db, "products"), 1);
    assert_eq!(
        raw_i64(&db, &format!("SELECT price FROM products WHERE id = {id}")),
        400
    );
    let got = fetch(&db, id);
    assert_eq!(got.price, 400);
    assert_eq!(got.description.as_deref(), Some("updated"));

    let mut q = new_product("Canon", 900, 0);
    q.save(&db)?;
    assert!(q.id > 0);
    assert_ne!(q.id, p.id);
    assert_eq!(raw_count(&db, "products"), 2);
    // The update touched only its own row.
    assert_eq!(fetch(&db, p.id).name, "Sony A7");
    assert_eq!(fetch(&db, q.id).name, "Canon");
    Ok(())
}

#[test]
fn save_can_set_an_option_back_to_none() -> Result<()> {
    let db = memory_db();
    let mut p = new_product("a", 1, 1);
    p.description = Some("x".into());
    p.released = Some(date(2024, 1, 31));
    p.save(&db)?;
    p.description = None;
    p.released = None;
    p.save(&db)?;
    let got = fetch(&db, p.id);
    assert_eq!(got.description, None);
    assert_eq!(got.released, None);
    Ok(())
}

#[test]
fn save_with_an_unknown_primary_key_inserts_the_row() -> Result<()> {
    // Django: save() with a primary key that is not in the table inserts.
    let db = memory_db();
    let mut p = new_product("explicit", 1, 1);
    p.id = 42;
    p.save(&db)?;
    assert_eq!(p.id, 42);
    assert_eq!(raw_count(&db, "products"), 1);
    assert_eq!(fetch(&db, 42).name, "explicit");
    Ok(())
}

#[test]
fn saved_model_equals_the_fetched_row() -> Result<()> {
    // What save() leaves in memory is what the database holds, auto_now
    // timestamps included.
    let db = memory_db();
    let mut p = new_product("same", 5, 5);
    p.description = Some("d".into());
    p.released = Some(date(2020, 2, 29));
    p.save(&db)?;
    assert_eq!(fetch(&db, p.id), p);
    p.qty = 6;
    p.save(&db)?;
    assert_eq!(fetch(&db, p.id), p);
    let c = Product::objects().create(&db, new_product("created", 1, 1))?;
    assert_eq!(fetch(&db, c.id), c);
    Ok(())
}

#[test]
fn auto_now_add_is_set_on_insert_only() -> Result<()> {
    let db = memory_db();
    let mut p = new_product("a", 1, 1);
    p.save(&db)?;
    assert!(is_recent(p.created), "created set in memory: {}", p.created);
    let stored = fetch(&db, p.id);
    assert!(
        is_recent(stored.created),
        "created stored: {}",
        stored.created
    );

    // Put a known value in both places; an update must not replace it with "now".
    let marker = datetime(2010, 1, 1, 0, 0, 0);
    db.connection()
        .execute(
            "UPDATE products SET created = ?1 WHERE id = ?2",
            rusqlite::params!["2010-01-01 00:00:00", p.id],
        )
        .expect("raw update");
    p.created = marker;
    p.price = 2;
    p.save(&db)?;
    let stored = fetch(&db, p.id);
    assert_eq!(stored.price, 2);
    assert_eq!(stored.created, marker);
    Ok(())
}

#[test]
fn auto_now_is_set_on_every_save() -> Result<()> {
    let db = memory_db();
    let mut p = new_product("a", 1, 1);
    assert_eq!(p.updated, long_ago());
    p.save(&db)?;
    assert!(is_recent(p.updated), "{}", p.updated);
    assert!(is_recent(fetch(&db, p.id).updated));

    p.updated = long_ago();
    p.qty = 9;
    p.save(&db)?;
    assert!(
        is_recent(p.updated),
        "in memory after update: {}",
        p.updated
    );
    let stored = fetch(&db, p.id);
    assert!(
        is_recent(stored.updated),
        "stored after update: {}",
        stored.updated
    );
    assert_eq!(stored.qty, 9);
    Ok(())
}

#[test]
fn create_sets_the_auto_timestamps() -> Result<()> {
    let db = memory_db();
    let p = Product::objects().create(&db, new_product("a", 1, 1))?;
    assert!(p.id > 0);
    assert!(is_recent(p.created), "{}", p.created);
    assert!(is_recent(p.updated), "{}", p.updated);
    let stored = fetch(&db, p.id);
    assert!(is_recent(stored.created));
    assert!(is_recent(stored.updated));
    Ok(())
}

#[test]
fn bulk_create_sets_the_auto_timestamps() -> Result<()> {
    // As Django's bulk_create runs each field's pre_save.
    let db = memory_db();
    let saved = Product::objects()
        .bulk_create(&db, vec![new_product("a", 1, 1), new_product("b", 2, 2)])?;
    for p in &saved {
        let stored = fetch(&db, p.id);
        assert!(is_recent(stored.created), "{}", stored.created);
        assert!(is_recent(stored.updated), "{}", stored.updated);
    }
    Ok(())
}

#[test]
fn save_with_a_string_primary_key_updates_or_inserts() -> Result<()> {
    let db = memory_db();
    let mut fr = new_country("FR", "France", 67_000_000);
    fr.save(&db)?;
    assert_eq!(raw_count(&db, "iso_country"), 1);
    fr.population = 68_000_000;
    fr.save(&db)?;
    assert_eq!(raw_count(&db, "iso_country"), 1);
    let got = IsoCountry::objects()
        .filter(iso_country::code.eq("FR"))
        .get(&db)?;
    assert_eq!(got, fr);

    let mut de = new_country("DE", "Germany", 83_000_000);
    de.save(&db)?;
    assert_eq!(raw_count(&db, "iso_country"), 2);
    // A fresh instance with an existing key updates that row.
    let mut again = new_country("DE", "Deutschland", 84_000_000);
    again.save(&db)?;
    assert_eq!(raw_count(&db, "iso_country"), 2);
    assert_eq!(
        raw_text(&db, "SELECT name FROM iso_country WHERE code = 'DE'"),
        "Deutschland"
    );
    assert_eq!(
        raw_text(&db, "SELECT name FROM iso_country WHERE code = 'FR'"),
        "France"
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// delete

#[test]
fn instance_delete_removes_only_that_row() -> Result<()> {
    let db = memory_db();
    let saved = seed_products(&db, &[("a", 1, 1), ("b", 2, 2), ("c", 3, 3)]);
    assert_eq!(saved[1].delete(&db)?, 1);
    assert_eq!(raw_count(&db, "products"), 2);
    let left = Product::objects().order_by(product::id).all(&db)?;
    assert_eq!(names(&left), vec!["a", "c"]);
    Ok(())
}

#[test]
fn instance_delete_of_an_unsaved_model_is_not_saved() -> Result<()> {
    let db = memory_db();
    seed_products(&db, &[("a", 1, 1)]);
    let unsaved = new_product("never saved", 1, 1);
    let err = unsaved.delete(&db).unwrap_err();
    match err {
        Error::NotSaved { model, .. } => assert_eq!(model, "Product"),
        other => panic!("expected NotSaved, got {other:?}"),
    }
    assert_eq!(raw_count(&db, "products"), 1);
    Ok(())
}

#[test]
fn instance_delete_with_a_string_primary_key() -> Result<()> {
    let db = memory_db();
    let mut fr = new_country("FR", "France", 1);
    fr.save(&db)?;
    let mut de = new_country("DE", "Germany", 2);
    de.save(&db)?;
    assert_eq!(fr.delete(&db)?, 1);
    let left = IsoCountry::objects().all(&db)?;
    assert_eq!(left, vec![de]);
    Ok(())
}

// ---------------------------------------------------------------------------
// validation

#[test]
fn max_length_counts_characters_not_bytes() -> Result<()> {
    let db = memory_db();
    let mut ok = new_product(&"é".repeat(50), 1, 1);
    assert!(ok.full_clean().is_ok());
    ok.save(&db)?;
    assert_eq!(fetch(&db, ok.id).name, "é".repeat(50));
    let emoji = Product::objects().create(&db, new_product(&"🎉".repeat(50), 1, 1))?;
    assert_eq!(fetch(&db, emoji.id).name.chars().count(), 50);

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
    let db = memory_db();
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
        .create(&db, new_gadget("g", "purple"))
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "got {err:?}");
    assert_eq!(raw_count(&db, "gadgets"), 0);
    Ok(())
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
    let db = memory_db();
    let mut p = new_product(&"é".repeat(51), 1, 1);
    p.email = "nope".into();
    let errors = validation_errors(p.save(&db));
    assert_eq!(errors.len(), 2);
    assert_eq!(p.id, 0, "no id is assigned");
    assert_eq!(raw_count(&db, "products"), 0);

    let err = Product::objects().create(&db, p.clone()).unwrap_err();
    match err {
        Error::Validation(errors) => assert_eq!(errors.len(), 2),
        other => panic!("expected Validation, got {other:?}"),
    }
    assert_eq!(raw_count(&db, "products"), 0);

    // An update that fails validation leaves the stored row alone.
    let mut good = new_product("good", 5, 5);
    good.save(&db)?;
    let before = fetch(&db, good.id);
    good.name = "x".repeat(60);
    good.price = 999;
    let errors = validation_errors(good.save(&db));
    assert_eq!(errors.fields().collect::<Vec<_>>(), vec!["name"]);
    assert_eq!(fetch(&db, before.id), before);
    assert_eq!(raw_count(&db, "products"), 1);
    Ok(())
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
    replace(&mut cols, "price", Sql::Text("abc".into()));
    assert!(raw_insert(&db, "products", &cols).is_err());
    assert_eq!(raw_count(&db, "products"), 0);
}

#[test]
fn create_table_is_idempotent() -> Result<()> {
    let db = memory_db();
    new_product("kept", 1, 1).save(&db)?;
    db.create_table::<Product>()?;
    db.create_table::<Gadget>()?;
    assert_eq!(raw_count(&db, "products"), 1);
    Ok(())
}

#[test]
fn create_table_column_types_and_nullability() {
    let db = memory_db();
    let conn = db.connection();
    let mut stmt = conn
        .prepare("SELECT name, type, \"notnull\" FROM pragma_table_info('products')")
        .unwrap();
    let cols: Vec<(String, String, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<std::result::Result<_, _>>()
        .unwrap();
    let find = |n: &str| {
        cols.iter()
            .find(|c| c.0 == n)
            .unwrap_or_else(|| panic!("column {n} in {cols:?}"))
            .clone()
    };
    for n in [
        "name", "price", "qty", "rating", "enabled", "email", "created", "updated",
    ] {
        assert_eq!(find(n).2, 1, "{n} is NOT NULL");
    }
    for n in ["description", "homepage", "released"] {
        assert_eq!(find(n).2, 0, "{n} is nullable");
    }
    for n in ["id", "price", "qty", "enabled"] {
        assert!(
            find(n).1.to_uppercase().starts_with("INT"),
            "{n}: {:?}",
            find(n)
        );
    }
    assert_eq!(find("rating").1.to_uppercase(), "REAL");
    for n in [
        "name",
        "description",
        "email",
        "homepage",
        "created",
        "updated",
        "released",
    ] {
        assert_eq!(find(n).1.to_uppercase(), "TEXT", "{n}");
    }
    assert_eq!(cols.len(), 12);
    // The primary key.
    let pk: String = conn
        .query_row(
            "SELECT name FROM pragma_table_info('products') WHERE pk = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(pk, "id");
    let pk: String = conn
        .query_row(
            "SELECT name FROM pragma_table_info('iso_country') WHERE pk = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(pk, "code");
    // A raw insert without a NOT NULL column fails.
    let cols: Vec<(&str, Sql)> = product_cols("no price")
        .into_iter()
        .filter(|(c, _)| *c != "price")
        .collect();
    assert!(raw_insert(&db, "products", &cols).is_err());
    let mut cols = product_cols("null name");
    replace(&mut cols, "name", Sql::Null);
    assert!(raw_insert(&db, "products", &cols).is_err());
    assert_eq!(raw_count(&db, "products"), 0);
    // And with every column given it works.
    assert!(raw_insert(&db, "products", &product_cols("fine")).is_ok());
}

#[test]
fn create_table_uses_the_column_attribute() -> Result<()> {
    let db = memory_db();
    let names: Vec<String> = {
        let conn = db.connection();
        let mut stmt = conn
            .prepare("SELECT name FROM pragma_table_info('gadgets')")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<std::result::Result<_, _>>()
            .unwrap()
    };
    assert!(names.contains(&"temp_c".to_string()), "{names:?}");
    assert!(!names.contains(&"temperature".to_string()), "{names:?}");
    // Every operation goes through the column name.
    let mut g = new_gadget("t-1", "red");
    g.temperature = -40;
    g.save(&db)?;
    assert_eq!(raw_i64(&db, "SELECT temp_c FROM gadgets"), -40);
    let found = Gadget::objects()
        .filter(gf::temperature.lt(0))
        .order_by(-gf::temperature)
        .get(&db)?;
    assert_eq!(found, g);
    let n = Gadget::objects()
        .filter(gf::temperature.eq(-40))
        .update(&db, gf::temperature.set(12))?;
    assert_eq!(n, 1);
    assert_eq!(raw_i64(&db, "SELECT temp_c FROM gadgets"), 12);
    Ok(())
}

#[test]
fn unique_violation_is_an_integrity_error() -> Result<()> {
    let db = memory_db();
    new_gadget("SKU-1", "red").save(&db)?;
    let mut dup = new_gadget("SKU-1", "blue");
    let err = dup.save(&db).unwrap_err();
    match &err {
        Error::Integrity { sql, .. } => assert!(!sql.is_empty()),
        other => panic!("expected Integrity, got {other:?}"),
    }
    assert!(!err.to_string().is_empty());
    assert_eq!(dup.id, 0);
    let err = Gadget::objects()
        .create(&db, new_gadget("SKU-1", "green"))
        .unwrap_err();
    assert!(matches!(err, Error::Integrity { .. }), "got {err:?}");
    assert_eq!(raw_count(&db, "gadgets"), 1);
    // An update into a duplicate too.
    let mut other = new_gadget("SKU-2", "red");
    other.save(&db)?;
    other.sku = "SKU-1".into();
    assert!(matches!(other.save(&db), Err(Error::Integrity { .. })));
    let err = Gadget::objects()
        .filter(gf::sku.eq("SKU-2"))
        .update(&db, gf::sku.set("SKU-1"))
        .unwrap_err();
    assert!(matches!(err, Error::Integrity { .. }), "got {err:?}");
    Ok(())
}

#[test]
fn db_index_creates_an_index() {
    let db = memory_db();
    let indexed: Vec<String> = {
        let conn = db.connection();
        let mut stmt = conn
            .prepare(
                "SELECT ii.name FROM pragma_index_list('gadgets') AS il, \
                 pragma_index_info(il.name) AS ii",
            )
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<std::result::Result<_, _>>()
            .unwrap()
    };
    assert!(indexed.contains(&"weight".to_string()), "{indexed:?}");
    assert!(
        indexed.contains(&"sku".to_string()),
        "unique makes an index: {indexed:?}"
    );
    assert!(!indexed.contains(&"color".to_string()), "{indexed:?}");
    // And in the schema as a real CREATE INDEX.
    let n = raw_i64(
        &db,
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'gadgets' \
         AND sql IS NOT NULL AND sql LIKE '%weight%'",
    );
    assert_eq!(n, 1);
}

#[test]
fn defaults_apply_to_a_raw_insert_that_omits_the_column() -> Result<()> {
    let db = memory_db();
    // Borrow the stored text of a timestamp from a row the crate wrote.
    new_gadget("via-api", "red").save(&db)?;
    let seen_at = raw_text(&db, "SELECT seen_at FROM gadgets WHERE sku = 'via-api'");
    raw_insert(
        &db,
        "gadgets",
        &[
            ("sku", Sql::Text("raw".into())),
            ("color", Sql::Text("blue".into())),
            ("weight", Sql::Real(2.0)),
            ("temp_c", Sql::Integer(1)),
            ("notes", Sql::Text(String::new())),
            ("payload", Sql::Blob(vec![9])),
            ("seen_at", Sql::Text(seen_at)),
        ],
    )
    .expect("raw insert without stock");
    assert_eq!(
        raw_i64(&db, "SELECT stock FROM gadgets WHERE sku = 'raw'"),
        7
    );
    let g = Gadget::objects().filter(gf::sku.eq("raw")).get(&db)?;
    assert_eq!(g.stock, 7);
    Ok(())
}

#[test]
fn max_length_check_constraint_rejects_a_raw_insert() {
    let db = memory_db();
    let err = raw_insert(&db, "products", &product_cols(&"x".repeat(51))).unwrap_err();
    assert!(err.to_string().contains("CHECK"), "{err}");
    // The CHECK counts characters as the validator does.
    assert!(raw_insert(&db, "products", &product_cols(&"é".repeat(51))).is_err());
    assert!(raw_insert(&db, "products", &product_cols(&"é".repeat(50))).is_ok());
    assert!(raw_insert(&db, "products", &product_cols(&"x".repeat(50))).is_ok());
    assert_eq!(raw_count(&db, "products"), 2);
    // And it holds for updates as well.
    assert!(
        db.connection()
            .execute("UPDATE products SET name = ?1", [&"y".repeat(51)])
            .is_err()
    );
}

#[test]
fn email_and_url_lengths_are_checked_by_the_database() {
    let db = memory_db();
    let with = |col: &'static str, value: String| {
        let mut cols = product_cols(col);
        match cols.iter_mut().find(|(c, _)| *c == col) {
            Some(slot) => slot.1 = Sql::Text(value),
            None => cols.push((col, Sql::Text(value))),
        }
        cols
    };
    // email: 254 characters at most; homepage: 200.
    let email = |n: usize| format!("{}@example.com", "a".repeat(n - 12));
    let url = |n: usize| format!("https://example.com/{}", "a".repeat(n - 20));
    assert_eq!(email(255).chars().count(), 255);
    assert_eq!(url(201).chars().count(), 201);
    assert!(
        raw_insert(&db, "products", &with("email", email(255))).is_err(),
        "255-character email"
    );
    assert!(
        raw_insert(&db, "products", &with("homepage", url(201))).is_err(),
        "201-character URL"
    );
    assert_eq!(raw_count(&db, "products"), 0);
    assert!(raw_insert(&db, "products", &with("email", email(254))).is_ok());
    assert!(raw_insert(&db, "products", &with("homepage", url(200))).is_ok());
    assert_eq!(raw_count(&db, "products"), 2);
}

#[test]
fn default_table_names_are_snake_case() {
    let db = memory_db();
    for table in ["products", "iso_country", "gadgets", "all_types"] {
        let n = raw_i64(
            &db,
            &format!(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'"
            ),
        );
        assert_eq!(n, 1, "{table}");
    }
}

#[test]
fn queries_on_a_missing_table_are_errors() {
    let db = Db::open_in_memory().unwrap();
    let err = Product::objects().all(&db).unwrap_err();
    assert!(matches!(err, Error::Database { .. }), "got {err:?}");
    assert!(Product::objects().count(&db).is_err());
    assert!(Product::objects().exists(&db).is_err());
    assert!(Product::objects().first(&db).is_err());
    assert!(Product::objects().delete(&db).is_err());
    assert!(new_product("a", 1, 1).save(&db).is_err());
}

// ---------------------------------------------------------------------------
// Db::open

#[test]
fn open_a_file_applies_the_recommended_settings() -> Result<()> {
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
    let db = Db::open_in_memory()?;
    assert_eq!(raw_i64(&db, "PRAGMA foreign_keys"), 1);
    Ok(())
}

#[test]
fn data_persists_across_opens() -> Result<()> {
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
fn round_trip_minimums_and_none() {
    let db = memory_db();
    round_trip(
        &db,
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
}

#[test]
fn round_trip_maximums_and_some() {
    let db = memory_db();
    round_trip(
        &db,
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
}

#[test]
fn round_trip_awkward_values() {
    let db = memory_db();
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
        round_trip(&db, row);
    }
    // The Product model as well, with i64 extremes and empty strings.
    let mut p = new_product("", i64::MIN, i32::MIN);
    p.description = Some(String::new());
    p.save(&db).unwrap();
    let mut q = new_product("Motörhead 🤘", i64::MAX, i32::MAX);
    q.rating = -0.5;
    q.save(&db).unwrap();
    let got_p = fetch(&db, p.id);
    assert_eq!(
        (got_p.name.as_str(), got_p.price, got_p.qty),
        ("", i64::MIN, i32::MIN)
    );
    assert_eq!(got_p.description.as_deref(), Some(""));
    let got_q = fetch(&db, q.id);
    assert_eq!(
        (got_q.name.as_str(), got_q.price, got_q.qty),
        ("Motörhead 🤘", i64::MAX, i32::MAX)
    );
    assert_eq!(got_q.rating, -0.5);
}

#[test]
fn round_trip_sub_second_timestamps() {
    // Django keeps microseconds.
    let db = memory_db();
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
    round_trip(&db, row);
}

#[test]
fn round_trip_through_every_read_method() -> Result<()> {
    let db = memory_db();
    let mut row = new_all_types();
    row.o_i32 = Some(5);
    row.o_text = Some("t".into());
    let saved = AllTypes::objects().create(&db, row)?;
    assert_eq!(AllTypes::objects().all(&db)?, vec![saved.clone()]);
    assert_eq!(AllTypes::objects().first(&db)?, Some(saved.clone()));
    assert_eq!(AllTypes::objects().last(&db)?, Some(saved.clone()));
    assert_eq!(AllTypes::objects().get(&db)?, saved);
    let bulk = AllTypes::objects().bulk_create(&db, vec![new_all_types()])?;
    assert_eq!(
        AllTypes::objects()
            .filter(all_types::id.eq(bulk[0].id))
            .get(&db)?,
        bulk[0]
    );
    Ok(())
}

#[test]
fn storage_formats_are_plain_sqlite_values() -> Result<()> {
    let db = memory_db();
    let mut row = new_all_types();
    row.v_bool = true;
    row.o_bool = Some(false);
    row.v_date = date(2024, 1, 31);
    row.v_datetime = datetime(2024, 1, 31, 10, 0, 0);
    row.o_text = None;
    let saved = AllTypes::objects().create(&db, row)?;
    let conn = db.connection();
    let (b, ob, d, dt, t, blob, ot): (i64, i64, String, String, String, String, String) = conn
        .query_row(
            "SELECT v_bool, o_bool, v_date, v_datetime, typeof(v_text), typeof(v_blob), \
             typeof(o_text) FROM all_types WHERE id = ?1",
            [saved.id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )
        .unwrap();
    assert_eq!(b, 1);
    assert_eq!(ob, 0);
    assert_eq!(d, "2024-01-31");
    assert!(dt.starts_with("2024-01-31 10:00:00"), "{dt}");
    assert_eq!(t, "text");
    assert_eq!(blob, "blob");
    assert_eq!(ot, "null");
    let kinds: (String, String) = conn
        .query_row(
            "SELECT typeof(v_f32), typeof(v_i64) FROM all_types WHERE id = ?1",
            [saved.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(kinds, ("real".to_string(), "integer".to_string()));
    Ok(())
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
