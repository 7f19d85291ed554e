//! Read workloads against a hand-written rusqlite baseline on the same
//! connection: top10, get_by_pk, filter_100, all_10k, count; plus the peak
//! heap memory of one all_10k run of each side.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::SystemTime;

use common::{PlainProduct, Product, Ratio, map_row, product};
use criterion::Criterion;
use query::prelude::*;

// Peak-memory accounting: `common::peak`.
#[global_allocator]
static ALLOCATOR: common::peak::Counting = common::peak::Counting;

use common::peak::peak_bytes;

// ---------------------------------------------------------------------------
// The two sides of each workload.

// top10: `price <= 500 AND name contains "sony"`, highest price first, 10
// rows. `contains` is case-sensitive (as in the API); the hand-written way to
// say that in SQLite is `instr(name, ?) > 0` (LIKE folds ASCII case). The
// limit is written in the SQL, as one writes a constant by hand: in the
// bundled SQLite (3.54.1) a bound `LIMIT ?` marks the statement "re-prepare
// on bind", so every execution of a cached statement with `LIMIT ?` parses
// and plans it again (see the README).
const TOP10_SQL: &str = "SELECT id, name, price, qty, rating, enabled, description FROM product \
     WHERE price <= ?1 AND instr(name, ?2) > 0 ORDER BY price DESC LIMIT 10";

fn top10_query(db: &Db) -> Vec<Product> {
    Product::objects()
        .filter(product::price.lte(black_box(500)))
        .filter(product::name.contains(black_box("sony")))
        .order_by(-product::price)
        .limit(10)
        .all(db)
        .unwrap()
}

fn top10_rusqlite(db: &Db) -> Vec<PlainProduct> {
    let mut stmt = db.connection().prepare_cached(TOP10_SQL).unwrap();
    stmt.query_map((black_box(500i64), black_box("sony")), map_row)
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn get_query(db: &Db, k: i64) -> Product {
    Product::objects()
        .filter(product::id.eq(k))
        .get(db)
        .unwrap()
}

fn get_rusqlite(db: &Db, k: i64) -> PlainProduct {
    let mut stmt = db
        .connection()
        .prepare_cached(
            "SELECT id, name, price, qty, rating, enabled, description FROM product WHERE id = ?1",
        )
        .unwrap();
    stmt.query_row([k], map_row).unwrap()
}

fn filter100_query(db: &Db) -> Vec<Product> {
    Product::objects()
        .filter(product::price.gte(black_box(200)) & product::price.lt(black_box(210)))
        .all(db)
        .unwrap()
}

fn filter100_rusqlite(db: &Db) -> Vec<PlainProduct> {
    let mut stmt = db
        .connection()
        .prepare_cached(
            "SELECT id, name, price, qty, rating, enabled, description FROM product \
             WHERE price >= ?1 AND price < ?2",
        )
        .unwrap();
    stmt.query_map((black_box(200i64), black_box(210i64)), map_row)
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn all_query(db: &Db) -> Vec<Product> {
    Product::objects().all(db).unwrap()
}

fn all_rusqlite(db: &Db) -> Vec<PlainProduct> {
    let mut stmt = db
        .connection()
        .prepare_cached("SELECT id, name, price, qty, rating, enabled, description FROM product")
        .unwrap();
    stmt.query_map([], map_row)
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn count_query(db: &Db) -> usize {
    Product::objects()
        .filter(product::price.lte(black_box(500)))
        .count(db)
        .unwrap()
}

fn count_rusqlite(db: &Db) -> usize {
    let mut stmt = db
        .connection()
        .prepare_cached("SELECT COUNT(*) FROM product WHERE price <= ?1")
        .unwrap();
    stmt.query_row([black_box(500i64)], |r| r.get::<_, i64>(0))
        .unwrap() as usize
}

/// Sanity: both sides return the same rows, so they do the same work.
fn check_same(db: &Db) {
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
    assert_eq!(conv(top), top10_rusqlite(db));
    assert_eq!(plain(get_query(db, 4242)), get_rusqlite(db, 4242));
    let f = filter100_query(db);
    assert_eq!(f.len(), 100);
    assert_eq!(conv(f), filter100_rusqlite(db));
    let all = all_query(db);
    assert_eq!(all.len(), common::ROWS as usize);
    assert_eq!(conv(all), all_rusqlite(db));
    assert_eq!(count_query(db), 5000);
    assert_eq!(count_rusqlite(db), 5000);
}

// ---------------------------------------------------------------------------

fn bench_top10(c: &mut Criterion, db: &Db) {
    let mut g = c.benchmark_group("top10");
    g.bench_function("query", |b| b.iter(|| top10_query(db)));
    g.bench_function("rusqlite", |b| b.iter(|| top10_rusqlite(db)));
    g.finish();
}

fn bench_get_by_pk(c: &mut Criterion, db: &Db) {
    // k walks 1..=10000 in a scrambled order (7919 is prime to 10000), a
    // different key every iteration, the same sequence for both sides.
    let next = |i: &mut i64| {
        *i += 1;
        (*i * 7919) % common::ROWS + 1
    };
    let mut g = c.benchmark_group("get_by_pk");
    let mut i = 0;
    g.bench_function("query", |b| b.iter(|| get_query(db, next(&mut i))));
    let mut i = 0;
    g.bench_function("rusqlite", |b| b.iter(|| get_rusqlite(db, next(&mut i))));
    g.finish();
}

fn bench_filter_100(c: &mut Criterion, db: &Db) {
    let mut g = c.benchmark_group("filter_100");
    g.bench_function("query", |b| b.iter(|| filter100_query(db)));
    g.bench_function("rusqlite", |b| b.iter(|| filter100_rusqlite(db)));
    g.finish();
}

fn bench_all_10k(c: &mut Criterion, db: &Db) {
    let mut g = c.benchmark_group("all_10k");
    g.sample_size(20)
        .measurement_time(std::time::Duration::from_secs(4));
    g.bench_function("query", |b| b.iter(|| all_query(db)));
    g.bench_function("rusqlite", |b| b.iter(|| all_rusqlite(db)));
    g.finish();
}

fn bench_count(c: &mut Criterion, db: &Db) {
    let mut g = c.benchmark_group("count");
    g.bench_function("query", |b| b.iter(|| count_query(db)));
    g.bench_function("rusqlite", |b| b.iter(|| count_rusqlite(db)));
    g.finish();
}

/// Peak heap bytes of one all_10k run of each side (statements already
/// prepared and cached by an earlier run), printed with their ratio.
fn all_10k_memory(db: &Db) {
    // Warm both sides' statement caches first.
    drop(all_query(db));
    drop(all_rusqlite(db));
    let q = peak_bytes(|| all_query(db));
    let r = peak_bytes(|| all_rusqlite(db));
    println!(
        "all_10k peak heap: query {:.1} KiB, rusqlite {:.1} KiB, ratio {:.3}x   target <= 1.10x",
        q as f64 / 1024.0,
        r as f64 / 1024.0,
        q as f64 / r as f64
    );
    // For benches/ratios.sh.
    if let Some(dir) = common::criterion_dir() {
        let dir = dir.join("all_10k");
        let _ = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(dir.join("peak_heap.txt"), format!("{q} {r}\n")));
    }
}

fn main() {
    let db = common::open_db();
    check_same(&db);

    let since = SystemTime::now();
    let mut c = common::criterion();
    bench_top10(&mut c, &db);
    bench_get_by_pk(&mut c, &db);
    bench_filter_100(&mut c, &db);
    bench_all_10k(&mut c, &db);
    bench_count(&mut c, &db);
    c.final_summary();

    let ratio = |group, target| Ratio {
        group,
        numerator: "query",
        denominator: "rusqlite",
        target,
    };
    common::print_ratios(
        &[
            ratio("top10", "<= 1.03x"),
            ratio("get_by_pk", "<= 1.10x"),
            ratio("filter_100", "<= 1.03x"),
            ratio("all_10k", "<= 1.03x"),
            ratio("count", "<= 1.03x"),
        ],
        since,
    );
    paired_ratios(&db);
    all_10k_memory(&db);
}

/// The interleaved measurement of every group (see `common::Paired`).
fn paired_ratios(db: &Db) {
    use common::{Paired, Side, paired_wanted, timed};
    let mut i = 0;
    let mut j = 0;
    let next = |i: &mut i64| {
        *i += 1;
        (*i * 7919) % common::ROWS + 1
    };
    let groups: Vec<(&str, Side<'_>, Side<'_>, &str)> = vec![
        (
            "top10",
            Box::new(timed(|| top10_query(db))),
            Box::new(timed(|| top10_rusqlite(db))),
            "<= 1.03x",
        ),
        (
            "get_by_pk",
            Box::new(timed(move || get_query(db, next(&mut i)))),
            Box::new(timed(move || get_rusqlite(db, next(&mut j)))),
            "<= 1.10x",
        ),
        (
            "filter_100",
            Box::new(timed(|| filter100_query(db))),
            Box::new(timed(|| filter100_rusqlite(db))),
            "<= 1.03x",
        ),
        (
            "all_10k",
            Box::new(timed(|| all_query(db))),
            Box::new(timed(|| all_rusqlite(db))),
            "<= 1.03x",
        ),
        (
            "count",
            Box::new(timed(|| count_query(db))),
            Box::new(timed(|| count_rusqlite(db))),
            "<= 1.03x",
        ),
    ];
    let mut header = false;
    for (group, q, r, target) in groups {
        if !paired_wanted(group) {
            continue;
        }
        if !header {
            println!("\npaired ratios (interleaved rounds, median of per-round ratios):");
            header = true;
        }
        let p = Paired::run(vec![("query", q), ("rusqlite", r)], common::PAIRED_BUDGET);
        p.print(group, &[("query", "rusqlite", target)]);
    }
}
