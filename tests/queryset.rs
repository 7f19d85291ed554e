//! Every `QuerySet` method against a real database: SQLite in memory, and
//! PostgreSQL when `QUERY_TEST_POSTGRES` names one (see `common`).

mod common;

use common::*;
use query::prelude::*;

/// Ten products, inserted so that primary-key order differs from price
/// order: ids 1..=10, prices 50,10,100,30,80,20,70,40,90,60.
fn ten(db: &Db) -> Vec<Product> {
    seed_products(
        db,
        &[
            ("p50", 50, 5),
            ("p10", 10, 1),
            ("p100", 100, 10),
            ("p30", 30, 3),
            ("p80", 80, 8),
            ("p20", 20, 2),
            ("p70", 70, 7),
            ("p40", 40, 4),
            ("p90", 90, 9),
            ("p60", 60, 6),
        ],
    )
}

/// Whether `db` has no transaction open. SQLite says so itself; on
/// PostgreSQL a `SAVEPOINT` is refused exactly when no transaction is open.
fn outside_any_transaction(db: &Db) -> bool {
    match db.backend() {
        Backend::Sqlite => db.connection().is_autocommit(),
        _ => match db.execute_batch("SAVEPOINT outside_probe") {
            Err(_) => true,
            Ok(()) => {
                db.execute_batch("RELEASE SAVEPOINT outside_probe")
                    .expect("release the probe");
                false
            }
        },
    }
}

fn prices(rows: &[Product]) -> Vec<i64> {
    rows.iter().map(|p| p.price).collect()
}

fn sorted_prices(rows: &[Product]) -> Vec<i64> {
    let mut v = prices(rows);
    v.sort();
    v
}

// ---------------------------------------------------------------------------
// all / filter / exclude

#[test]
fn all_returns_every_row() -> Result<()> {
    each_db(|db| {
        assert!(Product::objects().all(db)?.is_empty());
        ten(db);
        let rows = Product::objects().all(db)?;
        assert_eq!(rows.len(), 10);
        assert_eq!(
            sorted_prices(&rows),
            vec![10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
        );
        Ok(())
    })
}

#[test]
fn all_returns_complete_models() -> Result<()> {
    each_db(|db| {
        let mut p = new_product("Sony A7", 450, 3);
        p.rating = 4.5;
        p.enabled = false;
        p.description = Some("full frame".into());
        p.homepage = Some("https://sony.example.com/a7".into());
        p.released = Some(date(2021, 5, 1));
        p.save(db)?;
        let rows = Product::objects().all(db)?;
        assert_eq!(rows, vec![p]);
        Ok(())
    })
}

#[test]
fn filter_keeps_only_matching_rows() -> Result<()> {
    each_db(|db| {
        ten(db);
        let rows = Product::objects().filter(product::price.lte(30)).all(db)?;
        assert_eq!(sorted_prices(&rows), vec![10, 20, 30]);
        Ok(())
    })
}

#[test]
fn chained_filters_are_anded() -> Result<()> {
    each_db(|db| {
        ten(db);
        let rows = Product::objects()
            .filter(product::price.gt(20))
            .filter(product::price.lt(60))
            .filter(product::qty.ne(4))
            .all(db)?;
        assert_eq!(sorted_prices(&rows), vec![30, 50]);
        Ok(())
    })
}

#[test]
fn exclude_removes_matching_rows() -> Result<()> {
    each_db(|db| {
        ten(db);
        let rows = Product::objects().exclude(product::price.gt(30)).all(db)?;
        assert_eq!(sorted_prices(&rows), vec![10, 20, 30]);
        let rows = Product::objects()
            .filter(product::price.lte(50))
            .exclude(product::qty.eq(2))
            .exclude(product::qty.eq(4))
            .all(db)?;
        assert_eq!(sorted_prices(&rows), vec![10, 30, 50]);
        Ok(())
    })
}

#[test]
fn exclude_keeps_rows_where_the_column_is_null() -> Result<()> {
    each_db(|db| {
        let mut a = new_product("has x", 1, 0);
        a.description = Some("x".into());
        a.save(db)?;
        let mut b = new_product("has y", 2, 0);
        b.description = Some("y".into());
        b.save(db)?;
        let mut c = new_product("null", 3, 0);
        c.description = None;
        c.save(db)?;

        let rows = Product::objects()
            .exclude(product::description.eq("x"))
            .all(db)?;
        assert_eq!(sorted_names(&rows), sorted(&["has y", "null"]));

        // Also inside a compound predicate: NOT (description = 'x' AND qty = 0)
        // is true for the NULL row.
        let rows = Product::objects()
            .exclude(product::description.eq("x") & product::qty.eq(0))
            .all(db)?;
        assert_eq!(sorted_names(&rows), sorted(&["has y", "null"]));

        // And with a text lookup.
        let rows = Product::objects()
            .exclude(product::description.contains("x"))
            .all(db)?;
        assert_eq!(sorted_names(&rows), sorted(&["has y", "null"]));
        Ok(())
    })
}

#[test]
fn exclude_with_isnull() -> Result<()> {
    each_db(|db| {
        let mut a = new_product("a", 1, 0);
        a.description = Some("x".into());
        a.save(db)?;
        new_product("b", 2, 0).save(db)?;
        let rows = Product::objects()
            .exclude(product::description.isnull(true))
            .all(db)?;
        assert_eq!(names(&rows), vec!["a"]);
        let rows = Product::objects()
            .exclude(product::description.isnull(false))
            .all(db)?;
        assert_eq!(names(&rows), vec!["b"]);
        Ok(())
    })
}

#[test]
fn queryset_is_lazy_and_reusable() -> Result<()> {
    // Built before the table exists: nothing runs until execution.
    let qs = Product::objects()
        .filter(product::price.gte(50))
        .order_by(product::price);
    each_empty_db(|db| {
        db.create_table::<Product>()?;
        ten(db);
        let narrower = qs.clone().filter(product::price.lt(80));
        assert_eq!(prices(&narrower.all(db)?), vec![50, 60, 70]);
        // The original is unchanged by deriving another from it.
        assert_eq!(prices(&qs.all(db)?), vec![50, 60, 70, 80, 90, 100]);
        assert_eq!(qs.count(db)?, 6);
        // Each execution sees the current data.
        new_product("late", 55, 0).save(db)?;
        assert_eq!(qs.count(db)?, 7);
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// order_by

#[test]
fn order_by_ascending_forms() -> Result<()> {
    each_db(|db| {
        ten(db);
        let expected = vec![10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
        let asc = Product::objects().order_by(product::price.asc()).all(db)?;
        assert_eq!(prices(&asc), expected);
        let bare = Product::objects().order_by(product::price).all(db)?;
        assert_eq!(prices(&bare), expected);
        Ok(())
    })
}

#[test]
fn order_by_descending_forms() -> Result<()> {
    each_db(|db| {
        ten(db);
        let expected = vec![100, 90, 80, 70, 60, 50, 40, 30, 20, 10];
        let desc = Product::objects().order_by(product::price.desc()).all(db)?;
        assert_eq!(prices(&desc), expected);
        let neg = Product::objects().order_by(-product::price).all(db)?;
        assert_eq!(prices(&neg), expected);
        Ok(())
    })
}

#[test]
fn order_by_tuple_orders_by_each_key_in_turn() -> Result<()> {
    each_db(|db| {
        seed_products(
            db,
            &[
                ("b", 2, 0),
                ("a", 1, 0),
                ("c", 1, 0),
                ("a", 2, 0),
                ("b", 1, 0),
            ],
        );
        let rows = Product::objects()
            .order_by((-product::price, product::name.asc()))
            .all(db)?;
        let got: Vec<(i64, String)> = rows.iter().map(|p| (p.price, p.name.clone())).collect();
        assert_eq!(
            got,
            vec![
                (2, "a".to_string()),
                (2, "b".to_string()),
                (1, "a".to_string()),
                (1, "b".to_string()),
                (1, "c".to_string()),
            ]
        );
        let rows = Product::objects()
            .order_by((product::name.desc(), product::price.asc()))
            .all(db)?;
        let got: Vec<(String, i64)> = rows.iter().map(|p| (p.name.clone(), p.price)).collect();
        assert_eq!(
            got,
            vec![
                ("c".to_string(), 1),
                ("b".to_string(), 1),
                ("b".to_string(), 2),
                ("a".to_string(), 1),
                ("a".to_string(), 2),
            ]
        );
        Ok(())
    })
}

#[test]
fn order_by_replaces_a_previous_ordering() -> Result<()> {
    // Django: each order_by() call clears the previous ordering.
    each_db(|db| {
        seed_products(db, &[("a", 3, 1), ("b", 1, 3), ("c", 2, 2)]);
        let rows = Product::objects()
            .order_by(product::price)
            .order_by(-product::qty)
            .all(db)?;
        assert_eq!(names(&rows), vec!["b", "c", "a"]);
        Ok(())
    })
}

#[test]
fn order_by_text_orders_by_bytes() -> Result<()> {
    // By code point on SQLite; on PostgreSQL by the database's collation,
    // which is code-point order for the `C` and `C.UTF-8` collations the
    // test database uses (a linguistic collation such as en_US would not).
    each_db(|db| {
        seed_products(
            db,
            &[
                ("apple", 1, 0),
                ("Émile", 2, 0),
                ("Zebra", 3, 0),
                ("zoo", 4, 0),
                ("Apple", 5, 0),
            ],
        );
        let rows = Product::objects().order_by(product::name).all(db)?;
        assert_eq!(
            names(&rows),
            vec!["Apple", "Zebra", "apple", "zoo", "Émile"]
        );
        Ok(())
    })
}

#[test]
fn order_by_a_nullable_column_puts_nulls_where_the_database_does() -> Result<()> {
    // As Django writes it: no NULLS FIRST/LAST, so each database decides.
    // SQLite sorts NULL before any value ascending; PostgreSQL after.
    each_db(|db| {
        for (n, d) in [("b", Some("b")), ("none", None), ("a", Some("a"))] {
            let mut p = new_product(n, 1, 0);
            p.description = d.map(str::to_string);
            p.save(db)?;
        }
        let asc = names(&Product::objects().order_by(product::description).all(db)?);
        let desc = names(&Product::objects().order_by(-product::description).all(db)?);
        match db.backend() {
            Backend::Sqlite => {
                assert_eq!(asc, vec!["none", "a", "b"]);
                assert_eq!(desc, vec!["b", "a", "none"]);
            }
            _ => {
                assert_eq!(asc, vec!["a", "b", "none"]);
                assert_eq!(desc, vec!["none", "b", "a"]);
            }
        }
        // `last` is the last row of that order, on each.
        let last = Product::objects()
            .order_by(product::description)
            .last(db)?
            .map(|p| p.name);
        assert_eq!(last.as_ref(), asc.last());
        Ok(())
    })
}

#[test]
fn order_by_with_filter_and_bool_and_float() -> Result<()> {
    each_db(|db| {
        for (n, rating, enabled) in [
            ("a", 2.5, true),
            ("b", 0.5, false),
            ("c", 1.5, true),
            ("d", 3.5, false),
        ] {
            let mut p = new_product(n, 1, 0);
            p.rating = rating;
            p.enabled = enabled;
            p.save(db)?;
        }
        let rows = Product::objects()
            .order_by((-product::enabled, product::rating))
            .all(db)?;
        assert_eq!(names(&rows), vec!["c", "a", "b", "d"]);
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// limit / offset

#[test]
fn limit_and_offset_slice_all() -> Result<()> {
    each_db(|db| {
        ten(db);
        let qs = Product::objects().order_by(product::price);
        assert_eq!(prices(&qs.clone().limit(3).all(db)?), vec![10, 20, 30]);
        assert_eq!(
            prices(&qs.clone().limit(3).offset(2).all(db)?),
            vec![30, 40, 50]
        );
        assert_eq!(
            prices(&qs.clone().offset(2).limit(3).all(db)?),
            vec![30, 40, 50]
        );
        // offset without limit
        assert_eq!(prices(&qs.clone().offset(8).all(db)?), vec![90, 100]);
        // past the end
        assert!(qs.clone().offset(10).all(db)?.is_empty());
        assert_eq!(prices(&qs.clone().offset(9).limit(5).all(db)?), vec![100]);
        // limit(0) is an empty slice, as qs[:0] in Django
        assert!(qs.clone().limit(0).all(db)?.is_empty());
        Ok(())
    })
}

#[test]
fn count_honours_limit_and_offset() -> Result<()> {
    each_db(|db| {
        ten(db);
        let qs = Product::objects().order_by(product::price);
        assert_eq!(qs.count(db)?, 10);
        assert_eq!(qs.clone().limit(3).count(db)?, 3);
        assert_eq!(qs.clone().limit(30).count(db)?, 10);
        assert_eq!(qs.clone().offset(8).count(db)?, 2);
        assert_eq!(qs.clone().offset(9).limit(5).count(db)?, 1);
        assert_eq!(qs.clone().offset(10).count(db)?, 0);
        assert_eq!(qs.clone().limit(0).count(db)?, 0);
        assert_eq!(
            qs.clone()
                .filter(product::price.gt(50))
                .offset(1)
                .limit(2)
                .count(db)?,
            2
        );
        Ok(())
    })
}

#[test]
fn exists_honours_limit_and_offset() -> Result<()> {
    each_db(|db| {
        assert!(!Product::objects().exists(db)?);
        ten(db);
        let qs = Product::objects().order_by(product::price);
        assert!(qs.exists(db)?);
        assert!(qs.clone().offset(9).exists(db)?);
        assert!(!qs.clone().offset(10).exists(db)?);
        assert!(!qs.clone().limit(0).exists(db)?);
        assert!(!qs.clone().filter(product::price.gt(1000)).exists(db)?);
        assert!(
            !qs.clone()
                .filter(product::price.gt(80))
                .offset(2)
                .exists(db)?
        );
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// first / last

#[test]
fn first_and_last_unordered_use_the_primary_key() -> Result<()> {
    each_db(|db| {
        let saved = ten(db);
        let first = Product::objects().first(db)?.expect("a first row");
        let last = Product::objects().last(db)?.expect("a last row");
        assert_eq!(first, saved[0]);
        assert_eq!(last, saved[9]);
        assert_eq!(first.price, 50);
        assert_eq!(last.price, 60);
        // Filtered but unordered: still by primary key.
        let qs = Product::objects().filter(product::price.lt(45));
        assert_eq!(qs.first(db)?.map(|p| p.price), Some(10));
        assert_eq!(qs.last(db)?.map(|p| p.price), Some(40));
        Ok(())
    })
}

#[test]
fn first_and_last_follow_the_ordering() -> Result<()> {
    each_db(|db| {
        ten(db);
        let asc = Product::objects().order_by(product::price);
        assert_eq!(asc.first(db)?.map(|p| p.price), Some(10));
        assert_eq!(asc.last(db)?.map(|p| p.price), Some(100));
        let desc = Product::objects().order_by(-product::price);
        assert_eq!(desc.first(db)?.map(|p| p.price), Some(100));
        assert_eq!(desc.last(db)?.map(|p| p.price), Some(10));
        Ok(())
    })
}

#[test]
fn last_reverses_every_key_of_a_tuple_ordering() -> Result<()> {
    each_db(|db| {
        seed_products(db, &[("b", 1, 0), ("a", 2, 0), ("c", 1, 0), ("d", 2, 0)]);
        let qs = Product::objects().order_by((product::price.asc(), product::name.desc()));
        // order: (1,c) (1,b) (2,d) (2,a)
        assert_eq!(qs.first(db)?.map(|p| p.name), Some("c".to_string()));
        assert_eq!(qs.last(db)?.map(|p| p.name), Some("a".to_string()));
        Ok(())
    })
}

#[test]
fn first_and_last_are_none_on_no_rows() -> Result<()> {
    each_db(|db| {
        assert_eq!(Product::objects().first(db)?, None);
        assert_eq!(Product::objects().last(db)?, None);
        ten(db);
        let none = Product::objects().filter(product::price.gt(1000));
        assert_eq!(none.first(db)?, None);
        assert_eq!(none.last(db)?, None);
        let none = Product::objects().order_by(-product::price).offset(10);
        assert_eq!(none.first(db)?, None);
        assert_eq!(none.last(db)?, None);
        Ok(())
    })
}

#[test]
fn first_and_last_of_a_slice_stay_inside_it() -> Result<()> {
    each_db(|db| {
        ten(db);
        let slice = Product::objects()
            .order_by(product::price)
            .offset(1)
            .limit(3); // 20, 30, 40
        assert_eq!(slice.first(db)?.map(|p| p.price), Some(20));
        assert_eq!(slice.last(db)?.map(|p| p.price), Some(40));
        let tail = Product::objects().order_by(-product::price).offset(7); // 30, 20, 10
        assert_eq!(tail.first(db)?.map(|p| p.price), Some(30));
        assert_eq!(tail.last(db)?.map(|p| p.price), Some(10));
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// get

#[test]
fn get_returns_the_single_matching_row() -> Result<()> {
    each_db(|db| {
        let saved = ten(db);
        let one = Product::objects()
            .filter(product::id.eq(saved[3].id))
            .get(db)?;
        assert_eq!(one, saved[3]);
        let one = Product::objects().filter(product::name.eq("p70")).get(db)?;
        assert_eq!(one.price, 70);
        Ok(())
    })
}

#[test]
fn get_without_match_is_does_not_exist() -> Result<()> {
    each_db(|db| {
        ten(db);
        let err = Product::objects()
            .filter(product::price.eq(12345))
            .get(db)
            .unwrap_err();
        assert_eq!(err.to_string(), "Product matching query does not exist");
        match err {
            Error::DoesNotExist { model, .. } => assert_eq!(model, "Product"),
            other => panic!("expected DoesNotExist, got {other:?}"),
        }
        // Another model names itself.
        let err = Gadget::objects().get(db).unwrap_err();
        assert_eq!(err.to_string(), "Gadget matching query does not exist");
        let err = IsoCountry::objects().get(db).unwrap_err();
        match err {
            Error::DoesNotExist { model, .. } => assert_eq!(model, "IsoCountry"),
            other => panic!("expected DoesNotExist, got {other:?}"),
        }
        Ok(())
    })
}

#[test]
fn get_with_two_matches_is_multiple_objects_returned() -> Result<()> {
    each_db(|db| {
        seed_products(db, &[("twin", 1, 0), ("twin", 2, 0), ("single", 3, 0)]);
        let err = Product::objects()
            .filter(product::name.eq("twin"))
            .get(db)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "get() returned more than one Product -- it returned 2!"
        );
        match err {
            Error::MultipleObjectsReturned { model, count, .. } => {
                assert_eq!(model, "Product");
                assert_eq!(count, 2);
            }
            other => panic!("expected MultipleObjectsReturned, got {other:?}"),
        }
        Ok(())
    })
}

#[test]
fn get_does_not_hide_the_second_row() -> Result<()> {
    // An unfiltered get on a two-row table must fail, not return the first.
    each_db(|db| {
        seed_products(db, &[("a", 1, 0), ("b", 2, 0)]);
        let err = Product::objects().get(db).unwrap_err();
        assert!(
            matches!(err, Error::MultipleObjectsReturned { count: 2, .. }),
            "got {err:?}"
        );
        // Ordering must not change that either.
        let err = Product::objects()
            .order_by(-product::price)
            .get(db)
            .unwrap_err();
        assert!(
            matches!(err, Error::MultipleObjectsReturned { count: 2, .. }),
            "got {err:?}"
        );
        Ok(())
    })
}

#[test]
fn get_with_many_matches_caps_the_count_in_its_message() -> Result<()> {
    each_db(|db| {
        let rows: Vec<(String, i64, i32)> = (0..25).map(|i| (format!("n{i}"), 7, i)).collect();
        let rows: Vec<(&str, i64, i32)> =
            rows.iter().map(|(n, p, q)| (n.as_str(), *p, *q)).collect();
        seed_products(db, &rows);
        let err = Product::objects()
            .filter(product::price.eq(7))
            .get(db)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "get() returned more than one Product -- it returned more than 20!"
        );
        assert!(
            matches!(err, Error::MultipleObjectsReturned { .. }),
            "got {err:?}"
        );
        Ok(())
    })
}

#[test]
fn get_on_a_slice_looks_only_at_the_slice() -> Result<()> {
    each_db(|db| {
        ten(db);
        let cheapest = Product::objects()
            .order_by(product::price)
            .limit(1)
            .get(db)?;
        assert_eq!(cheapest.price, 10);
        let third = Product::objects()
            .order_by(product::price)
            .offset(2)
            .limit(1)
            .get(db)?;
        assert_eq!(third.price, 30);
        let err = Product::objects()
            .order_by(product::price)
            .limit(2)
            .get(db)
            .unwrap_err();
        assert!(
            matches!(err, Error::MultipleObjectsReturned { count: 2, .. }),
            "got {err:?}"
        );
        let err = Product::objects()
            .order_by(product::price)
            .offset(10)
            .get(db)
            .unwrap_err();
        assert!(matches!(err, Error::DoesNotExist { .. }), "got {err:?}");
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// count / exists

#[test]
fn count_and_exists() -> Result<()> {
    each_db(|db| {
        assert_eq!(Product::objects().count(db)?, 0);
        assert!(!Product::objects().exists(db)?);
        ten(db);
        assert_eq!(Product::objects().count(db)?, 10);
        assert!(Product::objects().exists(db)?);
        let qs = Product::objects().filter(product::qty.is_in([1, 2, 3]));
        assert_eq!(qs.count(db)?, 3);
        assert!(qs.exists(db)?);
        let qs = Product::objects().filter(product::name.contains("nope"));
        assert_eq!(qs.count(db)?, 0);
        assert!(!qs.exists(db)?);
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// update

#[test]
fn update_returns_the_number_of_changed_rows() -> Result<()> {
    each_db(|db| {
        ten(db);
        let n = Product::objects()
            .filter(product::price.gt(70))
            .update(db, product::qty.set(0))?;
        assert_eq!(n, 3);
        let zeroed = Product::objects().filter(product::qty.eq(0)).all(db)?;
        assert_eq!(sorted_prices(&zeroed), vec![80, 90, 100]);
        let n = Product::objects()
            .filter(product::price.gt(1000))
            .update(db, product::qty.set(1))?;
        assert_eq!(n, 0);
        assert_eq!(
            Product::objects().update(db, product::enabled.set(false))?,
            10
        );
        assert_eq!(
            Product::objects()
                .filter(product::enabled.eq(true))
                .count(db)?,
            0
        );
        Ok(())
    })
}

#[test]
fn update_with_a_tuple_of_assignments() -> Result<()> {
    each_db(|db| {
        ten(db);
        let n = Product::objects().filter(product::price.lte(20)).update(
            db,
            (
                product::qty.set(0),
                product::enabled.set(false),
                product::name.set("cheap"),
            ),
        )?;
        assert_eq!(n, 2);
        let rows = Product::objects()
            .filter(product::name.eq("cheap"))
            .all(db)?;
        assert_eq!(sorted_prices(&rows), vec![10, 20]);
        assert!(rows.iter().all(|p| p.qty == 0 && !p.enabled));
        // The other rows are untouched.
        assert_eq!(
            Product::objects()
                .filter(product::enabled.eq(true))
                .count(db)?,
            8
        );
        Ok(())
    })
}

#[test]
fn update_filtering_and_setting_the_same_column() -> Result<()> {
    each_db(|db| {
        ten(db);
        let n = Product::objects()
            .filter(product::qty.lt(4))
            .update(db, product::qty.set(4))?;
        assert_eq!(n, 3);
        assert_eq!(Product::objects().filter(product::qty.eq(4)).count(db)?, 4);
        Ok(())
    })
}

#[test]
fn update_sets_option_fields_to_null_and_back() -> Result<()> {
    each_db(|db| {
        ten(db);
        let n = Product::objects()
            .filter(product::price.lte(30))
            .update(db, product::description.set("set"))?;
        assert_eq!(n, 3);
        assert_eq!(
            Product::objects()
                .filter(product::description.eq("set"))
                .count(db)?,
            3
        );
        let n = Product::objects()
            .filter(product::price.eq(10))
            .update(db, product::description.set(None))?;
        assert_eq!(n, 1);
        assert_eq!(
            Product::objects()
                .filter(product::description.isnull(true))
                .count(db)?,
            8
        );
        let n = Product::objects()
            .filter(product::price.eq(20))
            .update(db, product::released.set(date(2024, 2, 29)))?;
        assert_eq!(n, 1);
        let p = Product::objects().filter(product::price.eq(20)).get(db)?;
        assert_eq!(p.released, Some(date(2024, 2, 29)));
        Ok(())
    })
}

#[test]
fn update_of_a_slice_touches_only_the_slice() -> Result<()> {
    each_db(|db| {
        ten(db);
        let n = Product::objects()
            .order_by(product::price)
            .limit(3)
            .update(db, product::qty.set(99))?;
        assert_eq!(n, 3);
        let changed = Product::objects().filter(product::qty.eq(99)).all(db)?;
        assert_eq!(sorted_prices(&changed), vec![10, 20, 30]);

        let n = Product::objects()
            .filter(product::price.gt(50))
            .order_by(-product::price)
            .offset(1)
            .limit(2)
            .update(db, product::qty.set(-1))?;
        assert_eq!(n, 2);
        let changed = Product::objects().filter(product::qty.eq(-1)).all(db)?;
        assert_eq!(sorted_prices(&changed), vec![80, 90]);

        let n = Product::objects()
            .order_by(product::price)
            .limit(0)
            .update(db, product::qty.set(-2))?;
        assert_eq!(n, 0);
        assert_eq!(Product::objects().filter(product::qty.eq(-2)).count(db)?, 0);

        let n = Product::objects()
            .order_by(product::price)
            .offset(8)
            .update(db, product::qty.set(-3))?;
        assert_eq!(n, 2);
        let changed = Product::objects().filter(product::qty.eq(-3)).all(db)?;
        assert_eq!(sorted_prices(&changed), vec![90, 100]);
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// delete

#[test]
fn delete_returns_the_number_of_deleted_rows() -> Result<()> {
    each_db(|db| {
        ten(db);
        let n = Product::objects()
            .filter(product::price.lt(35))
            .delete(db)?;
        assert_eq!(n, 3);
        assert_eq!(raw_count(db, "products"), 7);
        let n = Product::objects()
            .filter(product::price.lt(35))
            .delete(db)?;
        assert_eq!(n, 0);
        let n = Product::objects().delete(db)?;
        assert_eq!(n, 7);
        assert_eq!(raw_count(db, "products"), 0);
        Ok(())
    })
}

#[test]
fn delete_with_exclude() -> Result<()> {
    each_db(|db| {
        ten(db);
        let n = Product::objects()
            .exclude(product::price.gte(90))
            .delete(db)?;
        assert_eq!(n, 8);
        assert_eq!(sorted_prices(&Product::objects().all(db)?), vec![90, 100]);
        Ok(())
    })
}

#[test]
fn delete_of_a_slice_touches_only_the_slice() -> Result<()> {
    each_db(|db| {
        ten(db);
        let n = Product::objects()
            .order_by(-product::price)
            .limit(2)
            .delete(db)?;
        assert_eq!(n, 2);
        assert_eq!(
            sorted_prices(&Product::objects().all(db)?),
            vec![10, 20, 30, 40, 50, 60, 70, 80]
        );
        let n = Product::objects()
            .order_by(product::price)
            .offset(1)
            .limit(2)
            .delete(db)?;
        assert_eq!(n, 2);
        assert_eq!(
            sorted_prices(&Product::objects().all(db)?),
            vec![10, 40, 50, 60, 70, 80]
        );
        let n = Product::objects()
            .order_by(product::price)
            .limit(0)
            .delete(db)?;
        assert_eq!(n, 0);
        assert_eq!(raw_count(db, "products"), 6);
        let n = Product::objects()
            .order_by(product::price)
            .offset(4)
            .delete(db)?;
        assert_eq!(n, 2);
        assert_eq!(
            sorted_prices(&Product::objects().all(db)?),
            vec![10, 40, 50, 60]
        );
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// to_sql

/// The backends whose SQL `to_sql_for` writes, with the text of their
/// first placeholder.
const BACKENDS: [(Backend, &str); 2] = [(Backend::Sqlite, "?"), (Backend::Postgres, "$1")];

/// How many placeholders `sql` holds, in `backend`'s style.
fn placeholders(backend: Backend, sql: &str) -> usize {
    match backend {
        Backend::Sqlite => sql.matches('?').count(),
        _ => sql.matches('$').count(),
    }
}

#[test]
fn to_sql_binds_values_and_quotes_identifiers() {
    for (backend, first) in BACKENDS {
        let (sql, params) = Product::objects()
            .filter(product::price.lte(500))
            .filter(product::name.eq("Sony"))
            .order_by(-product::price)
            .limit(10)
            .to_sql_for(backend);
        assert!(sql.starts_with("SELECT "), "{sql}");
        assert!(sql.contains(r#"FROM "products""#), "{sql}");
        for column in [
            "id",
            "name",
            "price",
            "qty",
            "rating",
            "enabled",
            "description",
            "email",
            "homepage",
            "created",
            "updated",
            "released",
        ] {
            assert!(sql.contains(&format!("\"{column}\"")), "{column} in {sql}");
        }
        assert!(sql.contains(&format!(r#""price" <= {first}"#)), "{sql}");
        assert!(sql.contains("ORDER BY"), "{sql}");
        assert!(sql.contains("DESC"), "{sql}");
        assert!(sql.contains("LIMIT"), "{sql}");
        assert!(
            !sql.contains("500"),
            "the value is bound, not inlined: {sql}"
        );
        assert!(
            !sql.contains("Sony"),
            "the value is bound, not inlined: {sql}"
        );
        assert!(!sql.contains('`') && !sql.contains('['), "{sql}");
        assert!(params.contains(&Value::Integer(500)), "{params:?}");
        assert!(params.contains(&Value::Text("Sony".into())), "{params:?}");
        assert_eq!(
            placeholders(backend, &sql),
            params.len(),
            "one placeholder per bound value: {sql} {params:?}"
        );
    }
    // PostgreSQL numbers its placeholders in order.
    let (sql, _) = Product::objects()
        .filter(product::price.lte(500))
        .filter(product::name.eq("Sony"))
        .to_sql_for(Backend::Postgres);
    assert!(
        sql.ends_with(r#"WHERE "price" <= $1 AND "name" = $2"#),
        "{sql}"
    );
}

#[test]
fn to_sql_for_postgres_writes_djangos_postgres_lookups() {
    // `exclude` keeps NULL rows; the null-safe "not equal" is IS DISTINCT
    // FROM (SQLite: IS NOT); i-lookups are UPPER(..::text) LIKE UPPER($1),
    // with LIKE's wildcards escaped in the bound value.
    let (sql, params) = Product::objects()
        .filter(product::description.ne("x"))
        .to_sql_for(Backend::Postgres);
    assert!(
        sql.ends_with(r#"WHERE "description" IS DISTINCT FROM $1"#),
        "{sql}"
    );
    assert_eq!(params, vec![Value::Text("x".into())]);
    let (sql, _) = Product::objects()
        .filter(product::description.ne("x"))
        .to_sql_for(Backend::Sqlite);
    assert!(sql.ends_with(r#"WHERE "description" IS NOT ?"#), "{sql}");

    let (sql, params) = Product::objects()
        .filter(product::name.icontains("50%_off"))
        .to_sql_for(Backend::Postgres);
    assert!(
        sql.ends_with(r#"WHERE UPPER("name"::text) LIKE UPPER($1)"#),
        "{sql}"
    );
    assert_eq!(params, vec![Value::Text(r"%50\%\_off%".into())]);
    let (sql, params) = Product::objects()
        .filter(product::name.startswith("a\\b"))
        .to_sql_for(Backend::Postgres);
    assert!(sql.ends_with(r#"WHERE "name"::text LIKE $1"#), "{sql}");
    assert_eq!(params, vec![Value::Text(r"a\\b%".into())]);
}

#[test]
fn to_sql_of_an_unfiltered_queryset_has_no_parameters() {
    for (backend, first) in BACKENDS {
        let (sql, params) = Product::objects().to_sql_for(backend);
        assert!(sql.starts_with("SELECT "), "{sql}");
        assert!(sql.contains(r#"FROM "products""#), "{sql}");
        assert!(!sql.contains("WHERE"), "{sql}");
        assert!(params.is_empty(), "{params:?}");
        assert!(!sql.contains(first), "{sql}");
        assert_eq!(placeholders(backend, &sql), 0, "{sql}");
    }
}

#[test]
fn to_sql_uses_the_column_name_and_table_name_of_the_model() {
    for (backend, _) in BACKENDS {
        let (sql, params) = Gadget::objects()
            .filter(gf::temperature.gt(-5))
            .to_sql_for(backend);
        assert!(sql.contains(r#"FROM "gadgets""#), "{sql}");
        assert!(sql.contains(r#""temp_c""#), "{sql}");
        assert!(!sql.contains(r#""temperature""#), "{sql}");
        assert_eq!(params, vec![Value::Integer(-5)]);
        let (sql, _) = IsoCountry::objects().to_sql_for(backend);
        assert!(sql.contains(r#"FROM "iso_country""#), "{sql}");
    }
}

#[test]
fn to_sql_puts_a_hostile_value_only_in_the_parameters() -> Result<()> {
    let hostile = "x' OR 1=1 --";
    for (backend, _) in BACKENDS {
        let (sql, params) = Product::objects()
            .filter(product::name.eq(hostile))
            .to_sql_for(backend);
        assert!(!sql.contains("1=1"), "{sql}");
        assert!(!sql.contains("x'"), "{sql}");
        assert_eq!(params, vec![Value::Text(hostile.to_string())]);
    }

    each_db(|db| {
        ten(db);
        assert_eq!(
            Product::objects()
                .filter(product::name.eq(hostile))
                .count(db)?,
            0
        );
        new_product(hostile, 1, 0).save(db)?;
        let rows = Product::objects()
            .filter(product::name.eq(hostile))
            .all(db)?;
        assert_eq!(names(&rows), vec![hostile]);
        let hostile2 = "\"; DROP TABLE products; --";
        assert_eq!(
            Product::objects()
                .filter(product::name.contains(hostile2))
                .count(db)?,
            0
        );
        assert_eq!(raw_count(db, "products"), 11);
        Ok(())
    })
}

#[test]
fn to_sql_runs_unchanged_on_the_raw_connection() -> Result<()> {
    // The SQL and parameters it reports are the ones that select the rows.
    each_db(|db| {
        ten(db);
        let (sql, params) = Product::objects()
            .filter(product::price.gte(40) & product::name.startswith("p"))
            .order_by(-product::price)
            .limit(3)
            .to_sql_for(db.backend());
        let ids: Vec<i64> = db
            .query(&sql, &params)?
            .iter()
            .map(|row| match row[0] {
                Value::Integer(id) => id,
                ref other => panic!("an id, not {other:?}"),
            })
            .collect();
        let expected: Vec<i64> = Product::objects()
            .filter(product::price.gte(40) & product::name.startswith("p"))
            .order_by(-product::price)
            .limit(3)
            .all(db)?
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(ids, expected);
        assert_eq!(ids.len(), 3);
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// create / bulk_create

#[test]
fn create_inserts_and_returns_the_saved_model() -> Result<()> {
    each_db(|db| {
        let a = Product::objects().create(db, new_product("a", 1, 1))?;
        let b = Product::objects().create(db, new_product("b", 2, 2))?;
        assert!(a.id > 0);
        assert!(b.id > 0);
        assert_ne!(a.id, b.id);
        assert_eq!(a.name, "a");
        assert_eq!(Product::objects().filter(product::id.eq(b.id)).get(db)?, b);
        assert_eq!(raw_count(db, "products"), 2);
        // create always inserts, even from a model that was already saved
        let mut again = a.clone();
        again.id = 0;
        let c = Product::objects().create(db, again)?;
        assert_ne!(c.id, a.id);
        assert_eq!(raw_count(db, "products"), 3);
        Ok(())
    })
}

#[test]
fn create_with_a_string_primary_key() -> Result<()> {
    each_db(|db| {
        let fr = IsoCountry::objects().create(db, new_country("FR", "France", 68_000_000))?;
        assert_eq!(fr.code, "FR");
        let got = IsoCountry::objects()
            .filter(iso_country::code.eq("FR"))
            .get(db)?;
        assert_eq!(got, fr);
        // A second create with the same key is a constraint violation.
        let err = IsoCountry::objects()
            .create(db, new_country("FR", "Other", 1))
            .unwrap_err();
        assert!(matches!(err, Error::Integrity { .. }), "got {err:?}");
        assert_eq!(raw_count(db, "iso_country"), 1);
        Ok(())
    })
}

#[test]
fn bulk_create_inserts_all_and_sets_primary_keys() -> Result<()> {
    each_db(|db| {
        let rows = vec![
            new_product("a", 1, 1),
            new_product("b", 2, 2),
            new_product("c", 3, 3),
        ];
        let saved = Product::objects().bulk_create(db, rows)?;
        assert_eq!(names(&saved), vec!["a", "b", "c"]);
        assert!(saved.iter().all(|p| p.id > 0));
        let mut ids: Vec<i64> = saved.iter().map(|p| p.id).collect();
        ids.dedup();
        assert_eq!(ids.len(), 3);
        for p in &saved {
            let got = Product::objects().filter(product::id.eq(p.id)).get(db)?;
            assert_eq!(got.name, p.name);
            assert_eq!(got.price, p.price);
        }
        assert_eq!(raw_count(db, "products"), 3);
        Ok(())
    })
}

#[test]
fn bulk_create_of_nothing_is_fine() -> Result<()> {
    each_db(|db| {
        let saved = Product::objects().bulk_create(db, Vec::new())?;
        assert!(saved.is_empty());
        assert_eq!(raw_count(db, "products"), 0);
        Ok(())
    })
}

#[test]
fn bulk_create_many_rows_beyond_the_variable_limit() -> Result<()> {
    // 5000 rows x 12 columns is more bound values than one SQLite statement
    // takes (32766), so the rows must be split over several INSERTs.
    each_db(|db| {
        let rows: Vec<Product> = (0..5000)
            .map(|i| new_product(&format!("n{i}"), i, (i % 7) as i32))
            .collect();
        let saved = Product::objects().bulk_create(db, rows)?;
        assert_eq!(saved.len(), 5000);
        assert_eq!(raw_count(db, "products"), 5000);
        let mut ids: Vec<i64> = saved.iter().map(|p| p.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 5000);
        assert!(ids[0] > 0);
        // Each returned model carries the id of its own row.
        for p in saved.iter().step_by(997) {
            let got = Product::objects().filter(product::id.eq(p.id)).get(db)?;
            assert_eq!(got.name, p.name);
        }
        Ok(())
    })
}

#[test]
fn bulk_create_is_all_or_nothing() -> Result<()> {
    each_db(|db| {
        let rows = vec![
            new_gadget("A-1", "red"),
            new_gadget("A-2", "green"),
            new_gadget("A-1", "blue"), // duplicate unique sku
        ];
        let err = Gadget::objects().bulk_create(db, rows).unwrap_err();
        assert!(matches!(err, Error::Integrity { .. }), "got {err:?}");
        assert_eq!(raw_count(db, "gadgets"), 0);
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// Db::atomic

#[test]
fn atomic_commits_when_the_closure_succeeds() -> Result<()> {
    each_db(|db| {
        let value = db.atomic(|db| {
            new_product("a", 1, 0).save(db)?;
            new_product("b", 2, 0).save(db)?;
            Ok(42)
        })?;
        assert_eq!(value, 42);
        assert_eq!(raw_count(db, "products"), 2);
        Ok(())
    })
}

#[test]
fn atomic_rolls_back_when_the_closure_fails() -> Result<()> {
    each_db(|db| {
        new_product("before", 1, 0).save(db)?;
        let result: Result<()> = db.atomic(|db| {
            new_product("a", 1, 0).save(db)?;
            Product::objects().update(db, product::qty.set(77))?;
            // No row has this price: DoesNotExist aborts the block.
            Product::objects().filter(product::price.eq(-1)).get(db)?;
            Ok(())
        });
        let err = result.unwrap_err();
        assert!(matches!(err, Error::DoesNotExist { .. }), "got {err:?}");
        assert_eq!(raw_count(db, "products"), 1);
        assert_eq!(Product::objects().filter(product::qty.eq(77)).count(db)?, 0);
        // The connection is usable afterwards, outside any transaction.
        new_product("after", 2, 0).save(db)?;
        assert_eq!(raw_count(db, "products"), 2);
        assert!(outside_any_transaction(db));
        Ok(())
    })
}

#[test]
fn atomic_rolls_back_on_a_database_error() -> Result<()> {
    each_db(|db| {
        let result: Result<()> = db.atomic(|db| {
            Gadget::objects().create(db, new_gadget("dup", "red"))?;
            Gadget::objects().create(db, new_gadget("dup", "red"))?;
            Ok(())
        });
        assert!(
            matches!(result, Err(Error::Integrity { .. })),
            "got {result:?}"
        );
        assert_eq!(raw_count(db, "gadgets"), 0);
        Ok(())
    })
}

#[test]
fn atomic_nests_with_savepoints() -> Result<()> {
    each_db(|db| {
        db.atomic(|db| {
            new_product("outer", 1, 0).save(db)?;
            let inner: Result<()> = db.atomic(|db| {
                new_product("inner", 2, 0).save(db)?;
                Product::objects().filter(product::price.eq(-1)).get(db)?;
                Ok(())
            });
            assert!(inner.is_err());
            db.atomic(|db| {
                new_product("inner ok", 3, 0).save(db)?;
                Ok(())
            })?;
            Ok(())
        })?;
        let rows = Product::objects().order_by(product::price).all(db)?;
        assert_eq!(names(&rows), vec!["outer", "inner ok"]);
        assert!(outside_any_transaction(db));
        Ok(())
    })
}

#[test]
fn atomic_outer_failure_undoes_committed_inner_blocks() -> Result<()> {
    each_db(|db| {
        let result: Result<()> = db.atomic(|db| {
            db.atomic(|db| {
                new_product("inner", 2, 0).save(db)?;
                Ok(())
            })?;
            Product::objects().get(db)?; // one row: fine
            Product::objects().filter(product::price.eq(-1)).get(db)?; // fails
            Ok(())
        });
        assert!(result.is_err());
        assert_eq!(raw_count(db, "products"), 0);
        Ok(())
    })
}

#[test]
fn atomic_rolls_back_when_the_closure_panics() -> Result<()> {
    each_db(|db| {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _: Result<()> = db.atomic(|db| {
                new_product("doomed", 1, 0).save(db)?;
                panic!("boom");
            });
        }));
        assert!(outcome.is_err());
        assert_eq!(raw_count(db, "products"), 0);
        assert!(outside_any_transaction(db));
        // Still usable.
        new_product("fine", 1, 0).save(db).unwrap();
        assert_eq!(raw_count(db, "products"), 1);
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// More Django semantics

#[test]
fn empty_q_behaves_like_djangos_q() -> Result<()> {
    // Django: Q() is ignored by filter, exclude, ~ and by & and | with
    // another Q.
    each_db(|db| {
        ten(db);
        assert_eq!(Product::objects().filter(Q::new()).count(db)?, 10);
        assert_eq!(Product::objects().exclude(Q::new()).count(db)?, 10);
        assert_eq!(Product::objects().filter(!Q::new()).count(db)?, 10);
        assert_eq!(
            Product::objects()
                .filter(Q::new() | product::price.eq(10))
                .count(db)?,
            1
        );
        assert_eq!(
            Product::objects()
                .filter(product::price.eq(10) | Q::new())
                .count(db)?,
            1
        );
        // So an OR can be folded from an empty start.
        let mut q = Q::new();
        for wanted in [10, 20, 30] {
            q = q | product::price.eq(wanted);
        }
        let rows = Product::objects().filter(q).all(db)?;
        assert_eq!(sorted_prices(&rows), vec![10, 20, 30]);
        Ok(())
    })
}

#[test]
fn multiple_objects_returned_counts_up_to_twenty() -> Result<()> {
    each_db(|db| {
        let rows: Vec<(String, i64, i32)> = (0..21)
            .map(|i| (format!("n{i}"), if i < 20 { 1 } else { 2 }, i))
            .collect();
        let rows: Vec<(&str, i64, i32)> =
            rows.iter().map(|(n, p, q)| (n.as_str(), *p, *q)).collect();
        seed_products(db, &rows);
        let err = Product::objects()
            .filter(product::price.eq(1))
            .get(db)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "get() returned more than one Product -- it returned 20!"
        );
        assert!(
            matches!(err, Error::MultipleObjectsReturned { count: 20, .. }),
            "got {err:?}"
        );
        let err = Product::objects().get(db).unwrap_err();
        assert_eq!(
            err.to_string(),
            "get() returned more than one Product -- it returned more than 20!"
        );
        Ok(())
    })
}

#[test]
fn bulk_create_with_a_string_primary_key() -> Result<()> {
    each_db(|db| {
        let saved = IsoCountry::objects().bulk_create(
            db,
            vec![
                new_country("FR", "France", 1),
                new_country("DE", "Germany", 2),
            ],
        )?;
        assert_eq!(saved.len(), 2);
        assert_eq!(saved[0].code, "FR");
        assert_eq!(
            IsoCountry::objects()
                .filter(iso_country::code.eq("DE"))
                .get(db)?
                .name,
            "Germany"
        );
        Ok(())
    })
}

#[test]
fn update_past_max_length_is_refused_by_the_database() -> Result<()> {
    // QuerySet.update does not run validation (as in Django), but the
    // table keeps the promise: on SQLite its CHECK (an integrity error), on
    // PostgreSQL the `varchar(50)` column itself (Django's DataError there,
    // SQLSTATE 22001: a database error, not a constraint).
    each_db(|db| {
        ten(db);
        let err = Product::objects()
            .filter(product::price.eq(10))
            .update(db, product::name.set("x".repeat(51)))
            .unwrap_err();
        match db.backend() {
            Backend::Sqlite => assert!(
                matches!(
                    err,
                    Error::Integrity {
                        kind: query::ConstraintKind::Check,
                        ..
                    }
                ),
                "got {err:?}"
            ),
            _ => assert!(
                matches!(err, Error::Data { .. })
                    && err
                        .to_string()
                        .contains("value too long for type character varying(50)"),
                "got {err:?}"
            ),
        }
        assert_eq!(
            Product::objects()
                .filter(product::name.eq("p10"))
                .count(db)?,
            1
        );
        Ok(())
    })
}

#[test]
fn sliced_update_and_delete_with_exclude_and_unordered_slices() -> Result<()> {
    // An unordered slice still touches exactly as many rows as it holds.
    each_db(|db| {
        ten(db);
        let n = Product::objects()
            .exclude(product::price.lt(50))
            .limit(4)
            .update(db, product::qty.set(0))?;
        assert_eq!(n, 4);
        let zeroed = Product::objects().filter(product::qty.eq(0)).all(db)?;
        assert_eq!(zeroed.len(), 4);
        assert!(zeroed.iter().all(|p| p.price >= 50));
        let n = Product::objects()
            .filter(product::qty.eq(0))
            .limit(3)
            .delete(db)?;
        assert_eq!(n, 3);
        assert_eq!(raw_count(db, "products"), 7);
        assert_eq!(Product::objects().filter(product::qty.eq(0)).count(db)?, 1);
        Ok(())
    })
}
