//! `iterator()` against `all()` over 1,000,000 rows: the peak heap of one
//! run of each (a counting global allocator), and criterion timings, each
//! paired with hand-written code doing the same read: rusqlite's
//! `query_map` (streamed) and a collected `Vec` on SQLite; a portal read
//! 2,000 rows at a time (`Transaction::bind` + `query_portal`) and
//! `client.query` on PostgreSQL (when `QUERY_TEST_POSTGRES` is set).
//!
//! Every side reads every column of every row into a struct and sums
//! `price` and the name's length, so that nothing is skipped. No figure is
//! asserted; before timing, the sides are checked to read the same rows.

#[path = "common/mod.rs"]
mod common;

use std::time::{Duration, SystemTime};

use common::{PlainProduct, Product, Ratio, map_row, pg_map_row};
use criterion::Criterion;
use query::prelude::*;

// Peak-memory accounting: `common::peak`.
#[global_allocator]
static ALLOCATOR: common::peak::Counting = common::peak::Counting;

use common::peak::peak_bytes;

// ---------------------------------------------------------------------------
// Data.

/// Rows read by every side.
const ROWS: i64 = 1_000_000;

/// What every side computes from the rows: how many, the sum of `price`
/// and of the names' lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Sum {
    rows: u64,
    total: i64,
}

impl Sum {
    #[inline]
    fn add(&mut self, price: i64, name: &str) {
        self.rows += 1;
        self.total += price + name.len() as i64;
    }
}

/// The bench data of `common` (issue 3's rows), 1,000,000 of them.
fn big(sql: &str) -> String {
    let out = sql
        .replace("i < 10000)", &format!("i < {ROWS})"))
        // `i * 7919` passes `integer` past 270,000 rows.
        .replace(
            "generate_series(1, 10000)",
            &format!("generate_series(1::bigint, {ROWS})"),
        )
        .replace("'id'), 10000)", &format!("'id'), {ROWS})"));
    assert_ne!(out, sql, "the common schema changed: update `big`");
    out
}

// ---------------------------------------------------------------------------
// The crate (either database), then hand-written SQLite.

const SQLITE_SELECT: &str =
    "SELECT id, name, price, qty, rating, enabled, description FROM product";

fn query_iterator(db: &Db) -> Sum {
    let mut sum = Sum::default();
    for p in Product::objects().iterator(db).expect("iterator") {
        let p = p.expect("row");
        sum.add(p.price, &p.name);
    }
    sum
}

fn query_all(db: &Db) -> Sum {
    let mut sum = Sum::default();
    for p in Product::objects().all(db).expect("all") {
        sum.add(p.price, &p.name);
    }
    sum
}

fn rusqlite_stream(db: &Db) -> Sum {
    let conn = db.connection();
    let mut stmt = conn.prepare_cached(SQLITE_SELECT).expect("prepare");
    let mut sum = Sum::default();
    for p in stmt.query_map([], map_row).expect("query") {
        let p = p.expect("row");
        sum.add(p.price, &p.name);
    }
    sum
}

fn rusqlite_all(db: &Db) -> Sum {
    let conn = db.connection();
    let mut stmt = conn.prepare_cached(SQLITE_SELECT).expect("prepare");
    let rows: Vec<PlainProduct> = stmt
        .query_map([], map_row)
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    let mut sum = Sum::default();
    for p in rows {
        sum.add(p.price, &p.name);
    }
    sum
}

// ---------------------------------------------------------------------------
// PostgreSQL.

const PG_SELECT: &str = "SELECT id, name, price, qty, rating, enabled, description FROM product";

fn pg_portal(db: &Db) -> Sum {
    let mut client = db.postgres_client().expect("PostgreSQL");
    let mut tx = client.transaction().expect("begin");
    let portal = tx.bind(PG_SELECT, &[]).expect("bind");
    let mut sum = Sum::default();
    loop {
        let rows = tx.query_portal(&portal, 2000).expect("fetch");
        for row in &rows {
            let p = pg_map_row(row);
            sum.add(p.price, &p.name);
        }
        if rows.len() < 2000 {
            break;
        }
    }
    tx.commit().expect("commit");
    sum
}

fn pg_client_all(db: &Db) -> Sum {
    let mut client = db.postgres_client().expect("PostgreSQL");
    let rows: Vec<PlainProduct> = client
        .query(PG_SELECT, &[])
        .expect("query")
        .iter()
        .map(pg_map_row)
        .collect();
    let mut sum = Sum::default();
    for p in rows {
        sum.add(p.price, &p.name);
    }
    sum
}

// ---------------------------------------------------------------------------

type Side<'a> = (&'static str, &'static str, Box<dyn Fn() -> Sum + 'a>);

/// Checks that the sides agree, prints each one's peak heap, then times
/// them with criterion (each group: ours and the hand-written one).
fn run(c: &mut Criterion, backend: &str, sides: &[Side<'_>]) {
    let expected = (sides[0].2)();
    assert_eq!(expected.rows, ROWS as u64);
    for (group, name, f) in sides {
        assert_eq!(f(), expected, "{group}/{name} read other rows");
    }
    println!("\n{backend}: peak heap over {ROWS} rows (one run each):");
    for (group, name, f) in sides {
        let peak = peak_bytes(f);
        println!(
            "  {group:<16} {name:<10} {:>12.1} KiB",
            peak as f64 / 1024.0
        );
    }
    let mut groups: Vec<&str> = sides.iter().map(|s| s.0).collect();
    groups.dedup();
    for group in groups {
        let mut g = c.benchmark_group(group);
        g.sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(8));
        for (_, name, f) in sides.iter().filter(|s| s.0 == group) {
            g.bench_function(*name, |b| b.iter(f));
        }
        g.finish();
    }
}

fn main() {
    let since = SystemTime::now();
    let mut c = common::criterion();
    let mut ratios = Vec::new();
    let ratio = |group, denominator| Ratio {
        group,
        numerator: "query",
        denominator,
        target: "none (a figure, not a goal)",
    };
    // A criterion filter (`-- pg_`) also skips the other database's
    // loading and memory figures.
    let wanted = |groups: [&str; 2]| {
        std::env::args().any(|a| a == "--test") || groups.into_iter().any(common::paired_wanted)
    };
    if wanted(["iterator_1m", "all_1m"]) {
        sqlite(&mut c);
        ratios.push(ratio("iterator_1m", "rusqlite"));
        ratios.push(ratio("all_1m", "rusqlite"));
    }
    if wanted(["pg_iterator_1m", "pg_all_1m"])
        && let Some(url) = common::postgres_url("iterator")
    {
        postgres(&mut c, &url);
        ratios.push(ratio("pg_iterator_1m", "postgres"));
        ratios.push(ratio("pg_all_1m", "postgres"));
    }
    c.final_summary();
    common::print_ratios(&ratios, since);
}

fn sqlite(c: &mut Criterion) {
    let db = Db::open_in_memory().expect("open in-memory db");
    db.connection()
        .execute_batch(&big(common::SCHEMA_AND_DATA))
        .expect("schema and data");
    run(
        c,
        "SQLite",
        &[
            ("iterator_1m", "query", Box::new(|| query_iterator(&db))),
            ("iterator_1m", "rusqlite", Box::new(|| rusqlite_stream(&db))),
            ("all_1m", "query", Box::new(|| query_all(&db))),
            ("all_1m", "rusqlite", Box::new(|| rusqlite_all(&db))),
        ],
    );
}

fn postgres(c: &mut Criterion, url: &str) {
    let schema = common::PgSchema::create(url, "iterator");
    let db = Db::connect(&schema.url).expect("connect to the bench schema");
    db.execute_batch(&big(common::PG_SCHEMA_AND_DATA))
        .expect("schema and data");
    db.execute_batch("VACUUM ANALYZE product").expect("vacuum");
    run(
        c,
        "PostgreSQL",
        &[
            ("pg_iterator_1m", "query", Box::new(|| query_iterator(&db))),
            ("pg_iterator_1m", "postgres", Box::new(|| pg_portal(&db))),
            // Inside `atomic`: a cursor of the transaction, streamed, where
            // outside it is `WITH HOLD` and materialized by the server
            // first.
            (
                "pg_iterator_1m",
                "query_atomic",
                Box::new(|| db.atomic(|db| Ok(query_iterator(db))).expect("atomic")),
            ),
            ("pg_all_1m", "query", Box::new(|| query_all(&db))),
            ("pg_all_1m", "postgres", Box::new(|| pg_client_all(&db))),
        ],
    );
}
