//! Decimal fields (`rust_decimal::Decimal`, Django's `DecimalField`) on each
//! backend: exact round trips, numeric order and comparison in SQL (on
//! SQLite through the `query_decimal` collation), aggregates, validation,
//! migrations and `inspectdb`.

use query::migrations::{MakeOptions, MakeOutcome, Migrations, make_migrations};
use query::prelude::*;
use query::{Decimal, Model};

mod common;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Invoice {
    pub id: i64,
    #[field(max_digits = 20, decimal_places = 2)]
    pub total: Decimal,
    #[field(max_digits = 5, decimal_places = 2)]
    pub tax: Option<Decimal>,
}

fn d(text: &str) -> Decimal {
    Decimal::from_str_exact(text).unwrap()
}

fn invoice(total: &str, tax: Option<&str>) -> Invoice {
    Invoice {
        id: 0,
        total: d(total),
        tax: tax.map(d),
    }
}

/// Saves one invoice per total, in the order given.
fn seed(db: &Db, totals: &[&str]) -> Result<()> {
    db.create_table::<Invoice>()?;
    for total in totals {
        invoice(total, None).save(db)?;
    }
    Ok(())
}

fn totals(rows: &[Invoice]) -> Vec<String> {
    rows.iter()
        .map(|i| i.total.normalize().to_string())
        .collect()
}

/// A decimal read back by raw SQL (text on SQLite, `numeric` on PostgreSQL).
fn raw_decimal(v: &Value) -> Decimal {
    match v {
        Value::Text(t) => d(t),
        Value::Integer(i) => Decimal::from(*i),
        other => panic!("not a decimal: {other:?}"),
    }
}

/// The `n`th placeholder (1-based) of the backend.
fn ph(db: &Db, n: usize) -> String {
    match db.backend() {
        Backend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

#[test]
fn values_round_trip_exactly() -> Result<()> {
    common::each_empty_db(|db| {
        db.create_table::<Invoice>()?;
        // 0.1 + 0.2 is 0.3, not 0.30000000000000004.
        let sum = d("0.1") + d("0.2");
        assert_eq!(sum, d("0.3"));
        let mut a = Invoice {
            id: 0,
            total: sum,
            tax: Some(d("999.99")),
        };
        a.save(db)?;
        // Past f64's 15 to 17 significant digits.
        let mut big = invoice("12345678901234567.89", None);
        big.save(db)?;
        let mut negative = invoice("-0.05", Some("-1.5"));
        negative.save(db)?;

        use invoice::*;
        let got = Invoice::objects().filter(id.eq(a.id)).get(db)?;
        assert_eq!(got.total, d("0.3"));
        assert_eq!(got.tax, Some(d("999.99")));
        let got = Invoice::objects().filter(id.eq(big.id)).get(db)?;
        assert_eq!(got.total.to_string(), "12345678901234567.89");
        assert_ne!(
            "12345678901234567.89".parse::<f64>().unwrap().to_string(),
            "12345678901234567.89",
            "the value must be one a float can't hold"
        );
        let got = Invoice::objects().filter(id.eq(negative.id)).get(db)?;
        assert_eq!((got.total, got.tax), (d("-0.05"), Some(d("-1.5"))));
        assert_eq!(Invoice::objects().filter(tax.isnull(true)).count(db)?, 1);
        // The exact value finds its row, whatever its scale.
        assert_eq!(Invoice::objects().filter(total.eq(d("0.30"))).count(db)?, 1);
        assert_eq!(
            Invoice::objects()
                .filter(total.eq(d("12345678901234567.89")))
                .count(db)?,
            1
        );
        assert_eq!(
            Invoice::objects()
                .filter(total.eq(d("12345678901234567.88")))
                .count(db)?,
            0
        );
        if db.backend() == Backend::Sqlite {
            // Stored as exact text, not as a float.
            let rows = db.query("SELECT typeof(total), total FROM invoice ORDER BY id", &[])?;
            assert_eq!(rows[1][0], Value::Text("text".into()));
            assert_eq!(rows[1][1], Value::Text("12345678901234567.89".into()));
        }
        Ok(())
    })
}

/// Values whose text order differs from their numeric order.
const MIXED: &[&str] = &[
    "10.25",
    "9.5",
    "-3",
    "100",
    "-20.5",
    "0",
    "12345678901234567.89",
    "12345678901234567.88",
    "2",
];

#[test]
fn order_and_comparisons_are_numeric_in_sql() -> Result<()> {
    common::each_empty_db(|db| {
        seed(db, MIXED)?;
        use invoice::*;
        let sorted = [
            "-20.5",
            "-3",
            "0",
            "2",
            "9.5",
            "10.25",
            "100",
            "12345678901234567.88",
            "12345678901234567.89",
        ];
        assert_eq!(totals(&Invoice::objects().order_by(total).all(db)?), sorted);
        let mut reversed = sorted;
        reversed.reverse();
        assert_eq!(
            totals(&Invoice::objects().order_by(-total).all(db)?),
            reversed
        );
        let q = |c: Q<Invoice>| -> Result<Vec<String>> {
            Ok(totals(
                &Invoice::objects().filter(c).order_by(total).all(db)?,
            ))
        };
        assert_eq!(
            q(total.gt(d("9.5")))?,
            [
                "10.25",
                "100",
                "12345678901234567.88",
                "12345678901234567.89"
            ]
        );
        assert_eq!(q(total.gte(d("9.50")))?[0], "9.5");
        assert_eq!(q(total.lt(d("0")))?, ["-20.5", "-3"]);
        assert_eq!(q(total.lte(d("-3.0")))?, ["-20.5", "-3"]);
        assert_eq!(
            q(total.range(d("-3"), d("10.250")))?,
            ["-3", "0", "2", "9.5", "10.25"]
        );
        assert_eq!(
            q(total.gt(d("12345678901234567.88")))?,
            ["12345678901234567.89"]
        );
        // Equal values written differently are equal.
        assert_eq!(q(total.eq(d("9.50")))?, ["9.5"]);
        assert_eq!(
            q(total.is_in([d("9.50"), d("100.0"), d("7")]))?,
            ["9.5", "100"]
        );
        assert_eq!(q(total.ne(d("0.00")))?.len(), sorted.len() - 1);
        // A long list (bound as one parameter on both backends).
        let many: Vec<Decimal> = (0..=40).map(|i| Decimal::new(i * 25, 1)).collect();
        assert_eq!(q(total.is_in(many))?, ["0", "100"]);
        Ok(())
    })
}

#[test]
fn min_max_and_comparisons_in_raw_sql() -> Result<()> {
    common::each_empty_db(|db| {
        seed(db, MIXED)?;
        let rows = db.query("SELECT MIN(total), MAX(total) FROM invoice", &[])?;
        assert_eq!(raw_decimal(&rows[0][0]), d("-20.5"));
        assert_eq!(raw_decimal(&rows[0][1]), d("12345678901234567.89"));
        let sql = format!(
            "SELECT total FROM invoice WHERE total BETWEEN {} AND {} ORDER BY total DESC",
            ph(db, 1),
            ph(db, 2)
        );
        let rows = db.query(
            &sql,
            &[Value::Text("2".into()), Value::Text("10.25".into())],
        )?;
        let got: Vec<Decimal> = rows.iter().map(|r| raw_decimal(&r[0])).collect();
        assert_eq!(got, [d("10.25"), d("9.5"), d("2")]);
        let rows = db.query(
            "SELECT COUNT(*) FROM invoice WHERE total IN ('9.50', '100.000')",
            &[],
        )?;
        assert_eq!(rows[0][0], Value::Integer(2));
        // GROUP BY and DISTINCT see equal values as one.
        invoice("9.50", None).save(db)?;
        let rows = db.query("SELECT COUNT(DISTINCT total) FROM invoice", &[])?;
        assert_eq!(rows[0][0], Value::Integer(MIXED.len() as i64));
        Ok(())
    })
}

#[test]
fn full_clean_checks_digits_and_places() {
    let messages = |tax: &str| -> Vec<String> {
        match invoice("1", Some(tax)).full_clean() {
            Ok(()) => Vec::new(),
            Err(Error::Validation(errors)) => errors
                .get("tax")
                .map(|e| e.messages.clone())
                .unwrap_or_default(),
            Err(other) => panic!("{other}"),
        }
    };
    assert!(messages("999.99").is_empty());
    assert!(messages("-0.01").is_empty());
    assert_eq!(
        messages("1000.00"),
        ["ensure that there are no more than 5 digits in total"]
    );
    assert_eq!(
        messages("1.005"),
        ["ensure that there are no more than 2 decimal places"]
    );
    assert_eq!(
        messages("1000.0"),
        ["ensure that there are no more than 3 digits before the decimal point"]
    );
    // `save` runs it and writes nothing.
    common::each_empty_db(|db| {
        db.create_table::<Invoice>()?;
        let err = invoice("1", Some("1.005")).save(db).unwrap_err();
        assert!(matches!(err, Error::Validation(_)), "{err}");
        assert_eq!(Invoice::objects().count(db)?, 0);
        Ok(())
    })
    .unwrap();
}

mod v1 {
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "ledger")]
    pub struct Ledger {
        pub id: i64,
        #[field(max_length = 20)]
        pub name: String,
    }
}

mod v2 {
    use query::Decimal;
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "ledger")]
    pub struct Ledger {
        pub id: i64,
        #[field(max_length = 20)]
        pub name: String,
        #[field(max_digits = 8, decimal_places = 3)]
        pub balance: Option<Decimal>,
    }
}

#[test]
fn a_decimal_column_is_added_by_a_migration_that_records_its_precision() -> Result<()> {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("decimal-migration-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let make = |models: &[&query::ModelMeta]| -> Result<String> {
        match make_migrations(&dir, models, &MakeOptions::default())? {
            MakeOutcome::Written { path, .. } => Ok(std::fs::read_to_string(path).unwrap()),
            other => panic!("expected a migration, got {other:?}"),
        }
    };
    make(&[v1::Ledger::META])?;
    let file = make(&[v2::Ledger::META])?;
    for expected in [
        "-- @column \"balance\" decimal max_digits=8 decimal_places=3\n",
        "\"balance\" TEXT COLLATE query_decimal",
        "\"balance\" numeric(8, 3)",
        "AddColumn ledger.balance: \"balance\" decimal(8, 3)",
    ] {
        assert!(file.contains(expected), "{expected:?} not in\n{file}");
    }
    let migrations = Migrations::from_dir(&dir)?;
    common::each_empty_db(|db| {
        db.migrate(&migrations)?;
        for (name, balance) in [("a", "10.25"), ("b", "9.5"), ("c", "-0.125")] {
            v2::Ledger {
                id: 0,
                name: name.into(),
                balance: Some(d(balance)),
            }
            .save(db)?;
        }
        let rows = v2::Ledger::objects()
            .order_by(v2::ledger::balance)
            .all(db)?;
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["c", "b", "a"]);
        assert_eq!(rows[0].balance, Some(d("-0.125")));
        Ok(())
    })
}

/// A table as Django 6 makes it on SQLite: `decimal` columns without a
/// precision, values stored as floats and integers (NUMERIC affinity).
mod django {
    use query::Decimal;
    use query::prelude::*;
    #[derive(Model, Debug)]
    #[model(table = "invoice_line")]
    pub struct InvoiceLine {
        pub id: i64,
        #[field(max_digits = 10, decimal_places = 5)]
        pub unit_price: Decimal,
        #[field(max_digits = 10, decimal_places = 2)]
        pub total: Option<Decimal>,
    }
}

#[test]
fn inspectdb_writes_decimal_fields_on_sqlite() -> Result<()> {
    let db = Db::open_in_memory()?;
    db.execute_batch(
        "CREATE TABLE \"invoice_line\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"unit_price\" decimal NOT NULL, \"total\" numeric(10, 2) NULL DEFAULT 0.5);
         INSERT INTO invoice_line (unit_price, total) VALUES (0.99, 1.98), (1.99, NULL), (10, 3), ('12345678901234567.89', NULL);",
    )?;
    let source = query::migrations::inspectdb(&db)?;
    for expected in [
        "    // max_digits and decimal_places have been guessed, as the column type gives none.\n    #[field(max_digits = 10, decimal_places = 5)]\n    pub unit_price: query::Decimal,",
        "    #[field(max_digits = 10, decimal_places = 2, default = query::Decimal::new(5, 1))]\n    pub total: Option<query::Decimal>,",
    ] {
        assert!(source.contains(expected), "{expected}\nnot in\n{source}");
    }
    // Django's floats read back as the decimals they were written from. A
    // NUMERIC column itself keeps only a float's digits, which is why this
    // crate's own decimal columns are text.
    use django::invoice_line::*;
    let rows = django::InvoiceLine::objects().order_by(id).all(&db)?;
    let prices: Vec<Decimal> = rows.iter().map(|r| r.unit_price).collect();
    assert_eq!(
        prices,
        [d("0.99"), d("1.99"), d("10"), d("12345678901234568")]
    );
    assert_eq!(rows[0].total, Some(d("1.98")));
    assert_eq!(
        django::InvoiceLine::objects()
            .filter(unit_price.gt(d("1.5")))
            .count(&db)?,
        3
    );
    // A table this crate made reads back as a decimal too.
    db.create_table::<Invoice>()?;
    let source = query::migrations::inspectdb(&db)?;
    assert!(
        source.contains("    pub total: query::Decimal,"),
        "{source}"
    );
    Ok(())
}

#[test]
fn inspectdb_writes_decimal_fields_on_postgres() -> Result<()> {
    let Some(pg) = common::postgres_db() else {
        return Ok(());
    };
    pg.execute_batch(
        "CREATE TABLE price (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, amount numeric(12, 4) NOT NULL DEFAULT 1.50, loose numeric, wide decimal(40, 2));",
    )?;
    let source = query::migrations::inspectdb(&pg)?;
    for expected in [
        "    #[field(max_digits = 12, decimal_places = 4, default = query::Decimal::new(150, 2))]\n    pub amount: query::Decimal,",
        "    // max_digits and decimal_places have been guessed, as the column type gives none.\n    #[field(max_digits = 10, decimal_places = 5)]\n    pub loose: Option<query::Decimal>,",
        "    #[field(max_digits = 28, decimal_places = 2)]\n    pub wide: Option<query::Decimal>,",
    ] {
        assert!(source.contains(expected), "{expected}\nnot in\n{source}");
    }
    Ok(())
}
