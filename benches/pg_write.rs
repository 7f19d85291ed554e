//! Write workloads on PostgreSQL against hand-written `postgres` crate code
//! on the same connection: insert_1000 (a `create` loop and `bulk_create`)
//! and update.
//!
//! The baseline prepares each statement once and holds it: the create loop
//! runs one held `INSERT .. RETURNING id` per row in one transaction; the
//! bulk baseline is one held 1,000-row `INSERT .. RETURNING id`. Every
//! iteration starts from the same state: the untimed setup deletes the rows
//! the previous iteration inserted (ids above 10,000) and moves the key's
//! sequence back, or restores the column the update overwrote. Runs in a
//! schema of its own (dropped at the end); skipped, with a note, when
//! `QUERY_TEST_POSTGRES` is unset.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::SystemTime;

use common::{PlainProduct, Product, Ratio, product};
use criterion::{BatchSize, Criterion};
use postgres::Statement;
use postgres::types::ToSql;
use query::prelude::*;

const N: i64 = common::INSERTS;

/// The baseline's statements, prepared once on the connection.
struct Baseline {
    insert: Statement,
    insert_bulk: Statement,
    update: Statement,
}

impl Baseline {
    fn prepare(db: &Db) -> Baseline {
        let mut client = db.postgres_client().expect("a PostgreSQL Db");
        let mut bulk = String::from(
            "INSERT INTO product (name, price, qty, rating, enabled, description) VALUES ",
        );
        for i in 0..N {
            let p = i * 6;
            if i > 0 {
                bulk.push_str(", ");
            }
            bulk.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6
            ));
        }
        bulk.push_str(" RETURNING id");
        Baseline {
            insert: client
                .prepare(
                    "INSERT INTO product (name, price, qty, rating, enabled, description) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .unwrap(),
            insert_bulk: client.prepare(&bulk).unwrap(),
            update: client
                .prepare("UPDATE product SET qty = $1 WHERE price < $2")
                .unwrap(),
        }
    }
}

fn fresh_models(db: &Db) -> Vec<Product> {
    common::fresh_models(db, reset_inserts)
}

fn fresh_plain(db: &Db) -> Vec<PlainProduct> {
    common::fresh_plain(db, reset_inserts)
}

/// Deletes the inserted rows and moves the key's sequence back, so that
/// every iteration gets ids 10001..=11000; then vacuums (see [`vacuum`]).
fn reset_inserts(db: &Db) {
    db.execute_batch(
        "DELETE FROM product WHERE id > 10000; \
         SELECT setval(pg_get_serial_sequence('product', 'id'), 10000)",
    )
    .unwrap();
    vacuum(db);
}

/// Untimed: reclaims the dead row versions the last iteration left (each
/// iteration deletes or rewrites about 1,000 rows), so that iterations do
/// not slow down as the table and its indexes fill with dead entries
/// (otherwise the side measured later pays for the earlier side's garbage:
/// the update grew from about 10 ms to 60-80 ms over a run).
fn vacuum(db: &Db) {
    // On its own: VACUUM can't run inside a transaction block.
    db.execute_batch("VACUUM product").unwrap();
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

/// 1,000 inserts through the one held statement, in one transaction, each
/// reading its id back.
fn create_loop_postgres(db: &Db, b: &Baseline, mut rows: Vec<PlainProduct>) -> Vec<PlainProduct> {
    let mut client = db.postgres_client().unwrap();
    let mut tx = client.transaction().unwrap();
    for p in &mut rows {
        let row = tx
            .query_one(
                &b.insert,
                &[
                    &p.name,
                    &p.price,
                    &p.qty,
                    &p.rating,
                    &p.enabled,
                    &p.description,
                ],
            )
            .unwrap();
        p.id = row.get(0);
    }
    tx.commit().unwrap();
    rows
}

// Not inlined, here and in `bulk_postgres`: a profiler can collect just this
// function (`valgrind --tool=callgrind --toggle-collect=pg_write::bulk_query`).
#[inline(never)]
fn bulk_query(db: &Db, rows: Vec<Product>) -> Vec<Product> {
    Product::objects().bulk_create(db, rows).unwrap()
}

/// One hand-written 1,000-row INSERT (6,000 parameters), held, bound by
/// position; ids from `RETURNING`, in VALUES order. One statement is
/// atomic by itself: no transaction around it.
#[inline(never)]
fn bulk_postgres(db: &Db, b: &Baseline, mut rows: Vec<PlainProduct>) -> Vec<PlainProduct> {
    let mut client = db.postgres_client().unwrap();
    let mut params: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(rows.len() * 6);
    for p in &rows {
        params.extend_from_slice(&[
            &p.name,
            &p.price,
            &p.qty,
            &p.rating,
            &p.enabled,
            &p.description,
        ]);
    }
    let ids = client.query(&b.insert_bulk, &params).unwrap();
    drop(params);
    for (p, row) in rows.iter_mut().zip(&ids) {
        p.id = row.get(0);
    }
    rows
}

/// Reference only: the same INSERT inside `BEGIN`/`COMMIT`, as
/// `bulk_create` runs it (in `atomic`): what the transaction costs.
fn bulk_postgres_tx(db: &Db, b: &Baseline, rows: Vec<PlainProduct>) -> Vec<PlainProduct> {
    db.postgres_client()
        .unwrap()
        .batch_execute("BEGIN")
        .unwrap();
    let rows = bulk_postgres(db, b, rows);
    db.postgres_client()
        .unwrap()
        .batch_execute("COMMIT")
        .unwrap();
    rows
}

fn bench_insert_1000(c: &mut Criterion, db: &Db, b: &Baseline) {
    let mut g = c.benchmark_group("pg_insert_1000");
    g.sample_size(20);
    g.bench_function("query", |t| {
        t.iter_batched(
            || fresh_models(db),
            |rows| create_loop_query(db, rows),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("postgres", |t| {
        t.iter_batched(
            || fresh_plain(db),
            |rows| create_loop_postgres(db, b, rows),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("query_bulk", |t| {
        t.iter_batched(
            || fresh_models(db),
            |rows| bulk_query(db, rows),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("postgres_bulk", |t| {
        t.iter_batched(
            || fresh_plain(db),
            |rows| bulk_postgres(db, b, rows),
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
        .execute("UPDATE product SET qty = id % 50 WHERE price < 100", &[])
        .unwrap();
    assert_eq!(n, 990);
    vacuum(db);
}

fn update_query(db: &Db) -> usize {
    Product::objects()
        .filter(product::price.lt(black_box(100)))
        .update(db, product::qty.set(black_box(0)))
        .unwrap()
}

fn update_postgres(db: &Db, b: &Baseline) -> usize {
    let mut client = db.postgres_client().unwrap();
    client
        .execute(&b.update, &[&black_box(0i64), &black_box(100i64)])
        .unwrap() as usize
}

fn bench_update(c: &mut Criterion, db: &Db, b: &Baseline) {
    let mut g = c.benchmark_group("pg_update");
    g.bench_function("query", |t| {
        t.iter_batched(
            || restore_qty(db),
            |()| update_query(db),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("postgres", |t| {
        t.iter_batched(
            || restore_qty(db),
            |()| update_postgres(db, b),
            BatchSize::PerIteration,
        )
    });
    g.finish();
    restore_qty(db);
}

/// Sanity: both sides write the same rows.
fn check_same(db: &Db, b: &Baseline) {
    let q = create_loop_query(db, fresh_models(db));
    let r = create_loop_postgres(db, b, fresh_plain(db));
    assert_eq!(q.len(), r.len());
    for (q, r) in q.iter().zip(&r) {
        assert_eq!(
            (q.id, &q.name, &q.description),
            (r.id, &r.name, &r.description)
        );
    }
    let q = bulk_query(db, fresh_models(db));
    let r = bulk_postgres(db, b, fresh_plain(db));
    assert_eq!(
        q.iter().map(|p| p.id).collect::<Vec<_>>(),
        r.iter().map(|p| p.id).collect::<Vec<_>>()
    );
    assert_eq!(r.first().map(|p| p.id), Some(common::ROWS + 1));
    reset_inserts(db);
    restore_qty(db);
    assert_eq!(update_query(db), 990);
    restore_qty(db);
    assert_eq!(update_postgres(db, b), 990);
    restore_qty(db);
}

fn main() {
    let Some(url) = common::postgres_url("pg_write") else {
        return;
    };
    let schema = common::PgSchema::create(&url, "pg_write");
    let db = common::open_pg(&schema);
    let b = Baseline::prepare(&db);
    check_same(&db, &b);

    let since = SystemTime::now();
    let mut c = common::criterion();
    bench_insert_1000(&mut c, &db, &b);
    bench_update(&mut c, &db, &b);
    c.final_summary();

    let ratio = |numerator, denominator, target| Ratio {
        group: "pg_insert_1000",
        numerator,
        denominator,
        target,
    };
    common::print_ratios(
        &[
            ratio("query", "postgres", "<= 1.10x (create loop)"),
            ratio(
                "query_bulk",
                "postgres_bulk",
                "<= 1.02x (bulk vs one multi-row INSERT)",
            ),
            ratio("postgres_bulk", "postgres", "reference"),
            Ratio {
                group: "pg_update",
                numerator: "query",
                denominator: "postgres",
                target: "<= 1.05x",
            },
        ],
        since,
    );
    paired_ratios(&db, &b);
}

/// The interleaved measurement of every group (see `common::Paired`).
fn paired_ratios(db: &Db, b: &Baseline) {
    use common::{Paired, paired_wanted, timed_batched};
    if paired_wanted("pg_insert_1000") || paired_wanted("pg_update") {
        println!("\npaired ratios (interleaved rounds, median of per-round ratios):");
    }
    if paired_wanted("pg_insert_1000") {
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
                    "postgres",
                    Box::new(timed_batched(
                        || fresh_plain(db),
                        |rows| create_loop_postgres(db, b, rows),
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
                    "postgres_bulk",
                    Box::new(timed_batched(
                        || fresh_plain(db),
                        |rows| bulk_postgres(db, b, rows),
                    )),
                ),
                (
                    "postgres_bulk_tx",
                    Box::new(timed_batched(
                        || fresh_plain(db),
                        |rows| bulk_postgres_tx(db, b, rows),
                    )),
                ),
            ],
            common::PAIRED_BUDGET * 2,
        );
        p.print(
            "pg_insert_1000",
            &[
                ("query", "postgres", "<= 1.10x (create loop)"),
                (
                    "query_bulk",
                    "postgres_bulk",
                    "<= 1.02x (bulk vs one multi-row INSERT)",
                ),
                ("postgres_bulk", "postgres", "reference"),
                (
                    "postgres_bulk_tx",
                    "postgres_bulk",
                    "reference (the INSERT in BEGIN/COMMIT)",
                ),
                (
                    "query_bulk",
                    "postgres_bulk_tx",
                    "reference (both in a transaction)",
                ),
            ],
        );
        reset_inserts(db);
    }
    if paired_wanted("pg_update") {
        let p = Paired::run(
            vec![
                (
                    "query",
                    Box::new(timed_batched(|| restore_qty(db), |()| update_query(db))),
                ),
                (
                    "postgres",
                    Box::new(timed_batched(
                        || restore_qty(db),
                        |()| update_postgres(db, b),
                    )),
                ),
            ],
            // One update and its setup take tens of ms: a longer budget
            // for enough rounds.
            common::PAIRED_BUDGET * 3,
        );
        p.print("pg_update", &[("query", "postgres", "<= 1.05x")]);
        restore_qty(db);
    }
}
