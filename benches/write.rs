//! Write workloads against a hand-written rusqlite baseline on the same
//! connection: insert_1000 (a `create` loop and `bulk_create`) and update.
//!
//! Every iteration starts from the same state: the untimed setup of
//! `iter_batched` deletes the rows the previous iteration inserted (ids above
//! 10,000; SQLite then hands out the same ids again) or restores the column
//! the update overwrote.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::SystemTime;

use common::{PlainProduct, Product, Ratio, product};
use criterion::{BatchSize, Criterion};
use query::prelude::*;

const N: i64 = common::INSERTS;

fn fresh_models(db: &Db) -> Vec<Product> {
    common::fresh_models(db, reset_inserts)
}

fn fresh_plain(db: &Db) -> Vec<PlainProduct> {
    common::fresh_plain(db, reset_inserts)
}

fn reset_inserts(db: &Db) {
    db.connection()
        .execute("DELETE FROM product WHERE id > ?1", [common::ROWS])
        .unwrap();
}

// insert_1000 ---------------------------------------------------------------

fn create_loop_query(db: &Db, rows: Vec<Product>) -> Vec<Product> {
    db.atomic(|db| {
        let mut saved = Vec::with_capacity(rows.len());
        for p in rows {
            saved.push(Product::objects().create(db, p)?);
        }
        Ok(saved)
    })
    .unwrap()
}

const INSERT_SQL: &str = "INSERT INTO product (name, price, qty, rating, enabled, description) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// A hand-written `create`: `prepare_cached`, bind by position, execute,
/// read the id back into the struct.
fn create_rusqlite(conn: &rusqlite::Connection, mut p: PlainProduct) -> PlainProduct {
    let mut stmt = conn.prepare_cached(INSERT_SQL).unwrap();
    stmt.execute((&p.name, p.price, p.qty, p.rating, p.enabled, &p.description))
        .unwrap();
    p.id = conn.last_insert_rowid();
    p
}

/// 1,000 hand-written `create`s in one transaction: the same work per row as
/// the crate's `create` loop (a statement-cache lookup per call).
fn create_loop_rusqlite(db: &Db, rows: Vec<PlainProduct>) -> Vec<PlainProduct> {
    let conn = db.connection();
    let tx = conn.unchecked_transaction().unwrap();
    let saved = rows.into_iter().map(|p| create_rusqlite(conn, p)).collect();
    tx.commit().unwrap();
    saved
}

/// 1,000 inserts through ONE prepared statement held for all rows (no cache
/// lookup at all): the physical limit of a create loop.
fn create_loop_held(db: &Db, rows: Vec<PlainProduct>) -> Vec<PlainProduct> {
    let conn = db.connection();
    let tx = conn.unchecked_transaction().unwrap();
    let saved = {
        let mut stmt = conn.prepare_cached(INSERT_SQL).unwrap();
        rows.into_iter()
            .map(|mut p| {
                stmt.execute((&p.name, p.price, p.qty, p.rating, p.enabled, &p.description))
                    .unwrap();
                p.id = conn.last_insert_rowid();
                p
            })
            .collect()
    };
    tx.commit().unwrap();
    saved
}

fn bulk_query(db: &Db, rows: Vec<Product>) -> Vec<Product> {
    Product::objects().bulk_create(db, rows).unwrap()
}

/// Reference only: one hand-written 1,000-row INSERT (6,000 parameters, within
/// SQLite's limit of 32,766), bound by position.
fn bulk_rusqlite(db: &Db, mut rows: Vec<PlainProduct>) -> Vec<PlainProduct> {
    static SQL: OnceLock<String> = OnceLock::new();
    let sql = SQL.get_or_init(|| {
        let mut s = String::from(
            "INSERT INTO product (name, price, qty, rating, enabled, description) VALUES ",
        );
        for i in 0..N {
            if i > 0 {
                s.push_str(", ");
            }
            s.push_str("(?, ?, ?, ?, ?, ?)");
        }
        s
    });
    let conn = db.connection();
    let tx = conn.unchecked_transaction().unwrap();
    {
        let mut stmt = conn.prepare_cached(sql).unwrap();
        let mut i = 1;
        for p in &rows {
            stmt.raw_bind_parameter(i, &p.name).unwrap();
            stmt.raw_bind_parameter(i + 1, p.price).unwrap();
            stmt.raw_bind_parameter(i + 2, p.qty).unwrap();
            stmt.raw_bind_parameter(i + 3, p.rating).unwrap();
            stmt.raw_bind_parameter(i + 4, p.enabled).unwrap();
            stmt.raw_bind_parameter(i + 5, &p.description).unwrap();
            i += 6;
        }
        stmt.raw_execute().unwrap();
    }
    let first = conn.last_insert_rowid() - rows.len() as i64 + 1;
    for (k, p) in rows.iter_mut().enumerate() {
        p.id = first + k as i64;
    }
    tx.commit().unwrap();
    rows
}

fn bench_insert_1000(c: &mut Criterion, db: &Db) {
    let mut g = c.benchmark_group("insert_1000");
    g.sample_size(20);
    g.bench_function("query", |b| {
        b.iter_batched(
            || fresh_models(db),
            |rows| create_loop_query(db, rows),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("rusqlite", |b| {
        b.iter_batched(
            || fresh_plain(db),
            |rows| create_loop_rusqlite(db, rows),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("rusqlite_held", |b| {
        b.iter_batched(
            || fresh_plain(db),
            |rows| create_loop_held(db, rows),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("query_bulk", |b| {
        b.iter_batched(
            || fresh_models(db),
            |rows| bulk_query(db, rows),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("rusqlite_bulk", |b| {
        b.iter_batched(
            || fresh_plain(db),
            |rows| bulk_rusqlite(db, rows),
            BatchSize::PerIteration,
        )
    });
    g.finish();
    reset_inserts(db);
}

// update --------------------------------------------------------------------

/// Untimed: puts back the `qty` the update set to 0, so every iteration
/// really changes the same 990 rows.
fn restore_qty(db: &Db) {
    let n = db
        .connection()
        .execute("UPDATE product SET qty = id % 50 WHERE price < 100", [])
        .unwrap();
    assert_eq!(n, 990);
}

fn update_query(db: &Db) -> usize {
    Product::objects()
        .filter(product::price.lt(black_box(100)))
        .update(db, product::qty.set(black_box(0)))
        .unwrap()
}

fn update_rusqlite(db: &Db) -> usize {
    let mut stmt = db
        .connection()
        .prepare_cached("UPDATE product SET qty = ?1 WHERE price < ?2")
        .unwrap();
    stmt.execute((black_box(0i64), black_box(100i64))).unwrap()
}

fn bench_update(c: &mut Criterion, db: &Db) {
    let mut g = c.benchmark_group("update");
    g.bench_function("query", |b| {
        b.iter_batched(
            || restore_qty(db),
            |()| update_query(db),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("rusqlite", |b| {
        b.iter_batched(
            || restore_qty(db),
            |()| update_rusqlite(db),
            BatchSize::PerIteration,
        )
    });
    g.finish();
    restore_qty(db);
}

/// Sanity: both sides write the same rows.
fn check_same(db: &Db) {
    let q = create_loop_query(db, fresh_models(db));
    let r = create_loop_rusqlite(db, fresh_plain(db));
    assert_eq!(q.len(), r.len());
    for (q, r) in q.iter().zip(&r) {
        assert_eq!(
            (q.id, &q.name, &q.description),
            (r.id, &r.name, &r.description)
        );
    }
    let q = bulk_query(db, fresh_models(db));
    let r = bulk_rusqlite(db, fresh_plain(db));
    assert_eq!(
        q.iter().map(|p| p.id).collect::<Vec<_>>(),
        r.iter().map(|p| p.id).collect::<Vec<_>>()
    );
    reset_inserts(db);
    restore_qty(db);
    assert_eq!(update_query(db), 990);
    restore_qty(db);
    assert_eq!(update_rusqlite(db), 990);
    restore_qty(db);
}

fn main() {
    let db = common::open_db();
    check_same(&db);

    let since = SystemTime::now();
    let mut c = common::criterion();
    bench_insert_1000(&mut c, &db);
    bench_update(&mut c, &db);
    c.final_summary();

    common::print_ratios(
        &[
            Ratio {
                group: "insert_1000",
                numerator: "query",
                denominator: "rusqlite",
                target: "<= 1.10x (create loop)",
            },
            Ratio {
                group: "insert_1000",
                numerator: "query",
                denominator: "rusqlite_held",
                target: "<= 1.10x (create loop vs one held statement)",
            },
            Ratio {
                group: "insert_1000",
                numerator: "query_bulk",
                denominator: "rusqlite_bulk",
                target: "<= 1.02x (bulk_create vs a hand-written multi-row INSERT)",
            },
            Ratio {
                group: "insert_1000",
                numerator: "query_bulk",
                denominator: "rusqlite",
                target: "<= 0.80x (bulk vs per-row baseline)",
            },
            Ratio {
                group: "insert_1000",
                numerator: "rusqlite_bulk",
                denominator: "rusqlite",
                target: "reference (issue: about 0.74x)",
            },
            Ratio {
                group: "update",
                numerator: "query",
                denominator: "rusqlite",
                target: "<= 1.03x",
            },
        ],
        since,
    );
    paired_ratios(&db);
}

/// The interleaved measurement of every group (see `common::Paired`).
fn paired_ratios(db: &Db) {
    use common::{Paired, paired_wanted, timed_batched};
    if paired_wanted("insert_1000") || paired_wanted("update") {
        println!("\npaired ratios (interleaved rounds, median of per-round ratios):");
    }
    if paired_wanted("insert_1000") {
        let p = Paired::run(
            vec![
                (
                    "query",
                    Box::new(timed_batched(
                        || fresh_models(db),
                        |rows| create_loop_query(db, rows),
                    )),
                ),
                (
                    "rusqlite",
                    Box::new(timed_batched(
                        || fresh_plain(db),
                        |rows| create_loop_rusqlite(db, rows),
                    )),
                ),
                (
                    "rusqlite_held",
                    Box::new(timed_batched(
                        || fresh_plain(db),
                        |rows| create_loop_held(db, rows),
                    )),
                ),
                (
                    "query_bulk",
                    Box::new(timed_batched(
                        || fresh_models(db),
                        |rows| bulk_query(db, rows),
                    )),
                ),
                (
                    "rusqlite_bulk",
                    Box::new(timed_batched(
                        || fresh_plain(db),
                        |rows| bulk_rusqlite(db, rows),
                    )),
                ),
            ],
            common::PAIRED_BUDGET * 2,
        );
        p.print(
            "insert_1000",
            &[
                ("query", "rusqlite", "<= 1.10x (create loop)"),
                (
                    "query",
                    "rusqlite_held",
                    "<= 1.10x (create loop vs one held statement)",
                ),
                (
                    "query_bulk",
                    "rusqlite_bulk",
                    "<= 1.02x (bulk_create vs a hand-written multi-row INSERT)",
                ),
                (
                    "query_bulk",
                    "rusqlite",
                    "<= 0.80x (bulk vs per-row baseline)",
                ),
                (
                    "rusqlite_bulk",
                    "rusqlite",
                    "reference (issue: about 0.74x)",
                ),
            ],
        );
        reset_inserts(db);
    }
    if paired_wanted("update") {
        let p = Paired::run(
            vec![
                (
                    "query",
                    Box::new(timed_batched(|| restore_qty(db), |()| update_query(db))),
                ),
                (
                    "rusqlite",
                    Box::new(timed_batched(|| restore_qty(db), |()| update_rusqlite(db))),
                ),
            ],
            common::PAIRED_BUDGET,
        );
        p.print("update", &[("query", "rusqlite", "<= 1.03x")]);
        restore_qty(db);
    }
}
