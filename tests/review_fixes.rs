//! Cases a review of the core found; each failed before its fix. Each
//! runs on SQLite, and on PostgreSQL when `QUERY_TEST_POSTGRES` names one.

mod common;

use common::each_empty_db;
use query::prelude::*;

/// A model with nothing but its automatic key.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Tag {
    pub id: i64,
}

/// A model with nothing but a text key.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Code {
    #[field(primary_key)]
    pub code: String,
}

/// A narrow automatic key.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Small {
    pub id: u8,
    pub x: i64,
}

/// A struct whose snake_case name is a keyword: its module is `r#type`.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Type {
    pub id: i64,
    pub label: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Item {
    pub id: i64,
    pub name: String,
    pub price: i64,
}

#[test]
fn a_model_with_only_a_key_saves_creates_and_bulk_creates() -> query::Result<()> {
    each_empty_db(|db| {
        db.create_table::<Tag>()?;
        let mut t = Tag { id: 0 };
        t.save(db)?;
        assert_eq!(t.id, 1);
        t.save(db)?; // an UPDATE with nothing to set
        let created = Tag::objects().create(db, Tag { id: 0 })?;
        assert_eq!(created.id, 2);
        let many = Tag::objects().bulk_create(db, vec![Tag { id: 0 }, Tag { id: 0 }])?;
        assert_eq!(many.iter().map(|t| t.id).collect::<Vec<_>>(), [3, 4]);
        assert_eq!(Tag::objects().count(db)?, 4);

        db.create_table::<Code>()?;
        let mut c = Code { code: "a".into() };
        c.save(db)?; // UPDATE finds nothing, then INSERT
        c.save(db)?; // UPDATE finds the row
        assert_eq!(Code::objects().count(db)?, 1);
        Ok(())
    })
}

#[test]
fn last_of_a_slice_is_its_last_row_even_with_ties() -> query::Result<()> {
    use item::*;
    each_empty_db(|db| {
        db.create_table::<Item>()?;
        for (n, p) in [("a", 1), ("b", 1), ("c", 1), ("d", 2)] {
            Item::objects().create(
                db,
                Item {
                    id: 0,
                    name: n.into(),
                    price: p,
                },
            )?;
        }
        let slice = Item::objects().order_by((price, id)).limit(2);
        let rows = slice.all(db)?;
        let last = slice.last(db)?.map(|i| i.name);
        assert_eq!(last.as_deref(), rows.last().map(|i| i.name.as_str()));
        assert_eq!(last.as_deref(), Some("b"));
        // Ties on the only ordering column: the key decides, in both directions.
        let tied = Item::objects().order_by(price).limit(2);
        assert_eq!(tied.last(db)?.map(|i| i.name).as_deref(), Some("b"));
        Ok(())
    })
}

#[test]
fn a_key_that_does_not_fit_leaves_nothing_written() -> query::Result<()> {
    each_empty_db(|db| {
        db.create_table::<Small>()?;
        db.execute("INSERT INTO small (id, x) VALUES (255, 0)", &[])?;
        if db.backend() == Backend::Postgres {
            // PostgreSQL's identity sequence does not follow a key written
            // by hand (Django's `sqlsequencereset` moves it): move it to 255,
            // where SQLite's next rowid now is too.
            db.query(
                "SELECT setval(pg_get_serial_sequence('small', 'id'), 255)",
                &[],
            )?;
        }
        let err = Small::objects()
            .create(db, Small { id: 0, x: 1 })
            .unwrap_err();
        // The table's range CHECK on the `u8` key refuses the row (a table
        // without the CHECK gets `Error::KeyOutOfRange` and the row taken back).
        assert!(
            matches!(
                err,
                Error::Integrity {
                    kind: query::ConstraintKind::Check,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(Small::objects().count(db)?, 1);
        Ok(())
    })
}

#[test]
fn a_keyword_struct_name_gets_a_raw_module() -> query::Result<()> {
    each_empty_db(|db| {
        db.create_table::<Type>()?;
        Type::objects().create(
            db,
            Type {
                id: 0,
                label: "x".into(),
            },
        )?;
        let found = Type::objects().filter(r#type::label.eq("x")).get(db)?;
        assert_eq!(found.id, 1);
        Ok(())
    })
}

#[test]
fn a_long_in_list_is_one_parameter_and_has_no_length_limit() -> query::Result<()> {
    use item::*;
    each_empty_db(|db| {
        db.create_table::<Item>()?;
        let names = [
            "plain",
            "quo\"te",
            "back\\slash",
            "new\nline",
            "tab\t",
            "Motörhead",
            "日本語",
            "a'b",
            "ctl\u{1}",
            "%_*?[",
            "e",
            "f",
            "g",
            "h",
            "i",
            "j",
            "k",
            "l",
            "m",
            "n",
        ];
        for (i, n) in names.iter().enumerate() {
            Item::objects().create(
                db,
                Item {
                    id: 0,
                    name: (*n).to_owned(),
                    price: i as i64,
                },
            )?;
        }
        // Every name, in a list longer than the short-list limit.
        let all = Item::objects().filter(name.is_in(names)).count(db)?;
        assert_eq!(all, names.len());
        // SQLite binds it as one JSON array (PostgreSQL binds each value,
        // as Django does there).
        let (sql, params) = Item::objects()
            .filter(name.is_in(names))
            .to_sql_for(Backend::Sqlite);
        assert!(sql.contains("json_each"), "{sql}");
        assert_eq!(params.len(), 1);
        let (sql, params) = Item::objects()
            .filter(name.is_in(names))
            .to_sql_for(Backend::Postgres);
        assert!(sql.ends_with(r#""name" = ANY($1)"#), "{sql}");
        assert_eq!(params.len(), 1);
        // Far more values than SQLite's parameter limit (32766).
        let many = Item::objects().filter(price.is_in(0..40_000)).count(db)?;
        assert_eq!(many, names.len());
        let odd = Item::objects()
            .filter(!price.is_in((0..40_000).filter(|p| p % 2 == 0)))
            .count(db)?;
        assert_eq!(odd, names.len() / 2);
        Ok(())
    })
}

/// A long list is one array parameter on PostgreSQL (`= ANY($1)`), so no
/// list is longer than the protocol's 65,535 parameters.
#[test]
fn an_in_list_longer_than_postgres_parameter_limit() -> query::Result<()> {
    use item::*;
    each_empty_db(|db| {
        db.create_table::<Item>()?;
        for p in [1, 2, 70_001] {
            Item::objects().create(
                db,
                Item {
                    id: 0,
                    name: String::new(),
                    price: p,
                },
            )?;
        }
        let n = Item::objects().filter(price.is_in(0..70_000)).count(db)?;
        assert_eq!(n, 2);
        Ok(())
    })
}
