//! Hygiene of the code `#[derive(Model)]` generates: it must compile and
//! work whatever names the user's module defines or imports, and with
//! field and table names that are SQL (or Rust) keywords. Each test runs on
//! each backend (SQLite, and PostgreSQL when `QUERY_TEST_POSTGRES` is set).

#![deny(nonstandard_style, unused, rust_2018_idioms)]

mod common;

use common::{column_names, each_empty_db};
use query::prelude::*;

/// A module that shadows every name the generated code might be tempted to
/// use unqualified: the std prelude, the crate's own types, and the crates
/// themselves. The model inside spells its field types fully qualified.
mod shadowing {
    #![allow(dead_code, non_camel_case_types)]

    // The std prelude.
    pub struct Result;
    pub struct Option;
    pub struct Some;
    pub struct None;
    pub struct Ok;
    pub struct Err;
    pub struct Vec;
    pub struct String;
    pub struct Box;
    pub struct Into;
    pub struct From;
    pub struct Default;
    pub struct Clone;
    pub struct Copy;
    pub struct Debug;
    pub struct PartialEq;
    pub struct Iterator;
    pub struct IntoIterator;
    pub struct ToString;
    pub struct ToOwned;
    pub struct AsRef;
    pub struct Send;
    pub struct Sync;
    pub struct Sized;
    pub struct Drop;
    pub struct Fn;
    pub struct FnMut;
    pub struct FnOnce;

    // The crate's own names.
    pub struct Model;
    pub struct Field;
    pub struct QuerySet;
    pub struct Q;
    pub struct Value;
    pub struct Db;
    pub struct Error;
    pub struct ValidationErrors;
    pub struct FieldError;

    // Modules named like the crates the generated code might reach for.
    pub mod query {}
    pub mod query_core {}
    pub mod rusqlite {}
    pub mod std {}
    pub mod core {}

    #[derive(::query::Model, Debug, Clone, PartialEq)]
    #[model(table = "hygiene")]
    pub struct Hygienic {
        pub id: i64,
        #[field(max_length = 20)]
        pub name: ::std::string::String,
        pub note: ::core::option::Option<::std::string::String>,
        pub data: ::std::vec::Vec<u8>,
        pub maybe_data: ::core::option::Option<::std::vec::Vec<u8>>,
        pub day: ::core::option::Option<::chrono::NaiveDate>,
        #[field(auto_now)]
        pub touched: ::chrono::NaiveDateTime,
        #[field(email)]
        pub contact: ::std::string::String,
        #[field(url)]
        pub site: ::core::option::Option<::std::string::String>,
        #[field(max_length = 1, choices = ["a", "b"])]
        pub kind: ::std::string::String,
        #[field(default = 3, db_index)]
        pub level: i32,
        #[field(unique, column = "ident")]
        pub code: ::std::string::String,
    }

    /// A model with a non-`id` primary key in the same hostile module.
    #[derive(::query::Model, Debug, Clone, PartialEq)]
    pub struct Keyed {
        #[field(primary_key)]
        pub key: ::std::string::String,
        pub when: ::core::option::Option<::chrono::DateTime<::chrono::Utc>>,
    }
}

/// Field and table names that are SQL keywords, a raw identifier, and
/// field names that could clash with what the derive generates.
mod keywords {
    use query::prelude::*;

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "order")]
    pub struct Order {
        pub id: i64,
        pub select: i64,
        pub from: String,
        pub group: Option<String>,
        pub r#type: String,
        pub table: bool,
        pub index: f64,
        pub values: i32,
        pub model: i64,
        pub field: String,
        pub objects: i64,
    }
}

/// Table and column names that need escaping inside double quotes.
mod odd_names {
    use query::prelude::*;

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "odd \"table\" name", fields = "odd")]
    pub struct OddNames {
        pub id: i64,
        #[field(column = "col \"quoted\"", max_length = 10)]
        pub quoted: String,
        #[field(column = "prix €; --")]
        pub price: i64,
    }
}

use keywords::{Order, order};
use odd_names::{OddNames, odd};
use shadowing::{Hygienic, Keyed, hygienic, keyed};

fn hygienic_row(name: &str, code: &str) -> Hygienic {
    Hygienic {
        id: 0,
        name: name.to_string(),
        note: None,
        data: vec![1, 2, 3],
        maybe_data: Some(vec![]),
        day: chrono::NaiveDate::from_ymd_opt(2024, 1, 31),
        touched: chrono::NaiveDate::from_ymd_opt(2000, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap(),
        contact: "me@example.com".to_string(),
        site: Some("https://example.com".to_string()),
        kind: "a".to_string(),
        level: 1,
        code: code.to_string(),
    }
}

#[test]
fn a_model_in_a_hostile_module_round_trips() -> Result<()> {
    each_empty_db(hygienic_round_trip)
}

fn hygienic_round_trip(db: &Db) -> Result<()> {
    db.create_table::<Hygienic>()?;
    let mut h = hygienic_row("first", "c1");
    h.save(db)?;
    assert!(h.id > 0);
    assert!(
        h.touched
            > chrono::NaiveDate::from_ymd_opt(2020, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
    );
    let got = Hygienic::objects()
        .filter(hygienic::name.eq("first"))
        .get(db)?;
    assert_eq!(got.id, h.id);
    assert_eq!(got.data, vec![1, 2, 3]);
    assert_eq!(got.maybe_data, Some(vec![]));
    assert_eq!(got.day, chrono::NaiveDate::from_ymd_opt(2024, 1, 31));
    assert_eq!(got.code, "c1");

    h.note = Some("note".into());
    h.save(db)?;
    let n = Hygienic::objects()
        .filter(hygienic::note.isnull(false) & hygienic::level.gte(1))
        .order_by((-hygienic::level, hygienic::name.asc()))
        .count(db)?;
    assert_eq!(n, 1);
    let changed = Hygienic::objects()
        .filter(hygienic::code.eq("c1"))
        .update(db, (hygienic::level.set(5), hygienic::note.set(None)))?;
    assert_eq!(changed, 1);
    let got = Hygienic::objects().first(db)?.expect("one row");
    assert_eq!((got.level, got.note.clone()), (5, None));

    // The renamed column is used.
    let ident = db.query(r#"SELECT "ident" FROM "hygiene""#, &[])?;
    assert_eq!(ident, vec![vec![Value::Text("c1".into())]]);

    // Validation and constraints work from here too.
    let mut bad = hygienic_row(&"x".repeat(21), "c2");
    bad.contact = "nope".into();
    bad.kind = "z".into();
    bad.site = Some("nope".into());
    match bad.full_clean() {
        Err(Error::Validation(errors)) => {
            let mut fields: Vec<&str> = errors.fields().collect();
            fields.sort();
            assert_eq!(fields, vec!["contact", "kind", "name", "site"]);
        }
        other => panic!("expected Validation, got {other:?}"),
    }
    let dup = Hygienic::objects().create(db, hygienic_row("dup", "c1"));
    assert!(matches!(dup, Err(Error::Integrity { .. })), "got {dup:?}");

    assert_eq!(got.delete(db)?, 1);
    assert!(!Hygienic::objects().exists(db)?);
    Ok(())
}

#[test]
fn a_string_keyed_model_in_a_hostile_module_round_trips() -> Result<()> {
    each_empty_db(keyed_round_trip)
}

fn keyed_round_trip(db: &Db) -> Result<()> {
    db.create_table::<Keyed>()?;
    let when = chrono::DateTime::from_timestamp(1_700_000_000, 0);
    let mut k = Keyed {
        key: "k".into(),
        when,
    };
    k.save(db)?;
    k.save(db)?;
    assert_eq!(Keyed::objects().count(db)?, 1);
    let got = Keyed::objects().filter(keyed::key.eq("k")).get(db)?;
    assert_eq!(got, k);
    assert_eq!(
        Keyed::objects()
            .filter(keyed::when.isnull(true))
            .count(db)?,
        0
    );
    assert_eq!(k.delete(db)?, 1);
    Ok(())
}

#[test]
fn sql_keywords_as_names_are_quoted() -> Result<()> {
    each_empty_db(keywords_round_trip)
}

fn keywords_round_trip(db: &Db) -> Result<()> {
    db.create_table::<Order>()?;
    let columns = column_names(db, "order");
    for c in [
        "id", "select", "from", "group", "type", "table", "index", "values", "model", "field",
        "objects",
    ] {
        assert!(columns.contains(&c.to_string()), "{c} in {columns:?}");
    }

    let mut o = Order {
        id: 0,
        select: 1,
        from: "here".into(),
        group: None,
        r#type: "kind".into(),
        table: true,
        index: 0.5,
        values: 3,
        model: 4,
        field: "f".into(),
        objects: 6,
    };
    o.save(db)?;
    let mut other = o.clone();
    other.id = 0;
    other.select = 2;
    other.r#type = "other".into();
    other.group = Some("g".into());
    other.save(db)?;

    let got = Order::objects()
        .filter(order::r#type.eq("kind") & order::from.eq("here") & order::table.eq(true))
        .get(db)?;
    assert_eq!(got, o);
    let sorted = Order::objects()
        .order_by((-order::select, order::index.asc()))
        .all(db)?;
    assert_eq!(
        sorted.iter().map(|r| r.select).collect::<Vec<_>>(),
        vec![2, 1]
    );
    let n = Order::objects()
        .filter(order::group.isnull(true))
        .update(db, (order::values.set(30), order::objects.set(60)))?;
    assert_eq!(n, 1);
    let got = Order::objects().filter(order::values.eq(30)).get(db)?;
    assert_eq!((got.id, got.objects), (o.id, 60));
    assert_eq!(
        Order::objects()
            .filter(order::model.eq(4) & order::field.startswith("f"))
            .count(db)?,
        2
    );
    assert_eq!(Order::objects().filter(order::select.gt(1)).delete(db)?, 1);
    assert_eq!(Order::objects().count(db)?, 1);
    Ok(())
}

#[test]
fn quotes_inside_identifiers_are_escaped() -> Result<()> {
    each_empty_db(odd_names_round_trip)
}

fn odd_names_round_trip(db: &Db) -> Result<()> {
    db.create_table::<OddNames>()?;
    let columns = column_names(db, "odd \"table\" name");
    assert_eq!(columns, vec!["id", "col \"quoted\"", "prix €; --"]);
    let mut a = OddNames {
        id: 0,
        quoted: "a".into(),
        price: 1,
    };
    a.save(db)?;
    a.price = 2;
    a.save(db)?;
    OddNames::objects().create(
        db,
        OddNames {
            id: 0,
            quoted: "b".into(),
            price: 3,
        },
    )?;
    let got = OddNames::objects()
        .filter(odd::quoted.eq("a") & odd::price.gte(2))
        .order_by(-odd::price)
        .get(db)?;
    assert_eq!(got, a);
    assert_eq!(
        OddNames::objects()
            .filter(odd::quoted.icontains("B"))
            .update(db, odd::price.set(30))?,
        1
    );
    assert_eq!(
        OddNames::objects()
            .order_by(odd::price)
            .last(db)?
            .map(|r| r.price),
        Some(30)
    );
    // The database itself refuses a value longer than max_length, by the
    // quoted column's name: on SQLite a CHECK on the column (Django's
    // IntegrityError), on PostgreSQL its varchar(10) type (Django's
    // DataError there).
    let too_long = db.execute(
        "INSERT INTO \"odd \"\"table\"\" name\" (\"col \"\"quoted\"\"\", \"prix €; --\") VALUES ($1, 1)",
        &[Value::Text("x".repeat(11))],
    );
    match db.backend() {
        Backend::Sqlite => assert!(
            matches!(
                too_long,
                Err(Error::Integrity {
                    kind: query::ConstraintKind::Check,
                    ..
                })
            ),
            "got {too_long:?}"
        ),
        Backend::Postgres => assert!(
            matches!(&too_long, Err(Error::Data { source, .. })
                if source.to_string().contains("value too long for type character varying(10)")),
            "got {too_long:?}"
        ),
        other => panic!("no expectation for {other:?}"),
    }
    assert_eq!(OddNames::objects().delete(db)?, 2);
    Ok(())
}
