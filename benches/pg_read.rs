//! Read workloads on PostgreSQL against hand-written `postgres` crate code on
//! the same connection: top10, get_by_pk, filter_100, all_10k, count.
//!
//! The baseline prepares each statement once, holds the `Statement`s for the
//! whole run, and maps rows by index. Runs in a schema of its own (dropped
//! at the end); skipped, with a note, when `QUERY_TEST_POSTGRES` is unset.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::SystemTime;

use common::{PlainProduct, Product, Ratio, pg_map_row, product};
use criterion::Criterion;
use postgres::Statement;
use query::prelude::*;

/// The baseline's statements, prepared once on the connection.
struct Baseline {
    top10: Statement,
    get: Statement,
    filter100: Statement,
    all: Statement,
    count: Statement,
}

const COLUMNS: &str = "SELECT id, name, price, qty, rating, enabled, description FROM product";

impl Baseline {
    fn prepare(db: &Db) -> Baseline {
        let mut client = db.postgres_client().expect("a PostgreSQL Db");
        let mut prepare = |sql: &str| client.prepare(sql).expect("prepare");
        Baseline {
            // `contains` is case-sensitive: LIKE with the pattern bound.
            top10: prepare(&format!(
                "{COLUMNS} WHERE price <= $1 AND name LIKE $2 ORDER BY price DESC LIMIT 10"
            )),
            get: prepare(&format!("{COLUMNS} WHERE id = $1")),
            filter100: prepare(&format!("{COLUMNS} WHERE price >= $1 AND price < $2")),
            all: prepare(COLUMNS),
            count: prepare("SELECT COUNT(*) FROM product WHERE price <= $1"),
        }
    }
}

fn top10_query(db: &Db) -> Vec<Product> {
    Product::objects()
        .filter(product::price.lte(black_box(500)))
        .filter(product::name.contains(black_box("sony")))
        .order_by(-product::price)
        .limit(10)
        .all(db)
        .unwrap()
}

fn top10_postgres(db: &Db, b: &Baseline) -> Vec<PlainProduct> {
    let mut client = db.postgres_client().unwrap();
    let pattern = format!("%{}%", black_box("sony"));
    client
        .query(&b.top10, &[&black_box(500i64), &pattern])
        .unwrap()
        .iter()
        .map(pg_map_row)
        .collect()
}

fn get_query(db: &Db, k: i64) -> Product {
    Product::objects()
        .filter(product::id.eq(k))
        .get(db)
        .unwrap()
}

fn get_postgres(db: &Db, b: &Baseline, k: i64) -> PlainProduct {
    let mut client = db.postgres_client().unwrap();
    pg_map_row(&client.query_one(&b.get, &[&k]).unwrap())
}

fn filter100_query(db: &Db) -> Vec<Product> {
    Product::objects()
        .filter(product::price.gte(black_box(200)) & product::price.lt(black_box(210)))
        .all(db)
        .unwrap()
}

fn filter100_postgres(db: &Db, b: &Baseline) -> Vec<PlainProduct> {
    let mut client = db.postgres_client().unwrap();
    client
        .query(&b.filter100, &[&black_box(200i64), &black_box(210i64)])
        .unwrap()
        .iter()
        .map(pg_map_row)
        .collect()
}

// Not inlined, here and in `all_postgres`: a profiler can collect just this
// function (`valgrind --tool=callgrind --toggle-collect=pg_read::all_query`).
#[inline(never)]
fn all_query(db: &Db) -> Vec<Product> {
    Product::objects().all(db).unwrap()
}

#[inline(never)]
fn all_postgres(db: &Db, b: &Baseline) -> Vec<PlainProduct> {
    let mut client = db.postgres_client().unwrap();
    client
        .query(&b.all, &[])
        .unwrap()
        .iter()
        .map(pg_map_row)
        .collect()
}

fn count_query(db: &Db) -> usize {
    Product::objects()
        .filter(product::price.lte(black_box(500)))
        .count(db)
        .unwrap()
}

fn count_postgres(db: &Db, b: &Baseline) -> usize {
    let mut client = db.postgres_client().unwrap();
    client
        .query_one(&b.count, &[&black_box(500i64)])
        .unwrap()
        .get::<_, i64>(0) as usize
}

/// Sanity: both sides return the same rows, so they do the same work.
fn check_same(db: &Db, b: &Baseline) {
    fn plain(p: Product) -> PlainProduct {
        PlainProduct {
            id: p.id,
            name: p.name,
            price: p.price,
            qty: p.qty,
            rating: p.rating,
            enabled: p.enabled,
            description: p.description,
        }
    }
    let conv = |v: Vec<Product>| v.into_iter().map(plain).collect::<Vec<_>>();
    let top = top10_query(db);
    assert_eq!(top.len(), 10);
    // Ties on price may come in either order: compare as sets of rows.
    let mut top = conv(top);
    let mut base = top10_postgres(db, b);
    top.sort_by_key(|p| p.id);
    base.sort_by_key(|p| p.id);
    assert_eq!(top, base);
    assert_eq!(plain(get_query(db, 4242)), get_postgres(db, b, 4242));
    let mut f = conv(filter100_query(db));
    let mut base = filter100_postgres(db, b);
    assert_eq!(f.len(), 100);
    f.sort_by_key(|p| p.id);
    base.sort_by_key(|p| p.id);
    assert_eq!(f, base);
    let mut all = conv(all_query(db));
    let mut base = all_postgres(db, b);
    assert_eq!(all.len(), common::ROWS as usize);
    all.sort_by_key(|p| p.id);
    base.sort_by_key(|p| p.id);
    assert_eq!(all, base);
    assert_eq!(count_query(db), 5000);
    assert_eq!(count_postgres(db, b), 5000);
}

/// `k` walks 1..=10000 in a scrambled order (7919 is prime to 10000), a
/// different key every iteration, the same sequence for both sides.
fn next_key(i: &mut i64) -> i64 {
    *i += 1;
    (*i * 7919) % common::ROWS + 1
}

fn bench(c: &mut Criterion, db: &Db, b: &Baseline) {
    let mut g = c.benchmark_group("pg_top10");
    g.bench_function("query", |t| t.iter(|| top10_query(db)));
    g.bench_function("postgres", |t| t.iter(|| top10_postgres(db, b)));
    g.finish();

    let mut g = c.benchmark_group("pg_get_by_pk");
    let mut i = 0;
    g.bench_function("query", |t| t.iter(|| get_query(db, next_key(&mut i))));
    let mut i = 0;
    g.bench_function("postgres", |t| {
        t.iter(|| get_postgres(db, b, next_key(&mut i)))
    });
    g.finish();

    let mut g = c.benchmark_group("pg_filter_100");
    g.bench_function("query", |t| t.iter(|| filter100_query(db)));
    g.bench_function("postgres", |t| t.iter(|| filter100_postgres(db, b)));
    g.finish();

    let mut g = c.benchmark_group("pg_all_10k");
    g.sample_size(20);
    g.bench_function("query", |t| t.iter(|| all_query(db)));
    g.bench_function("postgres", |t| t.iter(|| all_postgres(db, b)));
    g.finish();

    let mut g = c.benchmark_group("pg_count");
    g.bench_function("query", |t| t.iter(|| count_query(db)));
    g.bench_function("postgres", |t| t.iter(|| count_postgres(db, b)));
    g.finish();
}

const TARGETS: [(&str, &str); 5] = [
    ("pg_top10", "<= 1.05x"),
    ("pg_get_by_pk", "<= 1.05x"),
    ("pg_filter_100", "<= 1.05x"),
    ("pg_all_10k", "<= 1.05x"),
    ("pg_count", "<= 1.05x"),
];

fn main() {
    let Some(url) = common::postgres_url("pg_read") else {
        return;
    };
    let schema = common::PgSchema::create(&url, "pg_read");
    let db = common::open_pg(&schema);
    let b = Baseline::prepare(&db);
    check_same(&db, &b);

    let since = SystemTime::now();
    let mut c = common::criterion();
    bench(&mut c, &db, &b);
    c.final_summary();

    let rows: Vec<Ratio> = TARGETS
        .iter()
        .map(|&(group, target)| Ratio {
            group,
            numerator: "query",
            denominator: "postgres",
            target,
        })
        .collect();
    common::print_ratios(&rows, since);
    paired_ratios(&db, &b);
}

/// The interleaved measurement of every group (see `common::Paired`).
fn paired_ratios(db: &Db, b: &Baseline) {
    use common::{Paired, Side, paired_wanted, timed};
    let mut i = 0;
    let mut j = 0;
    let sides: Vec<(Side<'_>, Side<'_>)> = vec![
        (
            Box::new(timed(|| top10_query(db))),
            Box::new(timed(|| top10_postgres(db, b))),
        ),
        (
            Box::new(timed(move || get_query(db, next_key(&mut i)))),
            Box::new(timed(move || get_postgres(db, b, next_key(&mut j)))),
        ),
        (
            Box::new(timed(|| filter100_query(db))),
            Box::new(timed(|| filter100_postgres(db, b))),
        ),
        (
            Box::new(timed(|| all_query(db))),
            Box::new(timed(|| all_postgres(db, b))),
        ),
        (
            Box::new(timed(|| count_query(db))),
            Box::new(timed(|| count_postgres(db, b))),
        ),
    ];
    let mut header = false;
    for ((group, target), (q, r)) in TARGETS.into_iter().zip(sides) {
        if !paired_wanted(group) {
            continue;
        }
        if !header {
            println!("\npaired ratios (interleaved rounds, median of per-round ratios):");
            header = true;
        }
        let p = Paired::run(vec![("query", q), ("postgres", r)], common::PAIRED_BUDGET);
        p.print(group, &[("query", "postgres", target)]);
    }
}
