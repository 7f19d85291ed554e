//! `build`: building the top-10 SELECT (SQL text + bound values), no database.
//! `query`'s `to_sql()` against sea-query 1.0 building the same statement
//! with `SqliteQueryBuilder`.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::SystemTime;

use common::{Product, Ratio, product};
use query::prelude::*;
use sea_query::{Expr, ExprTrait, LikeExpr, Order, Query, SqliteQueryBuilder};

/// What a hand-written `contains` has to do too: `%`, `_` and `\` in the
/// argument match themselves.
fn like_contains(s: &str) -> String {
    let mut p = String::with_capacity(s.len() + 2);
    p.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

fn sea_query_top10(max_price: i64, needle: &str) -> (String, sea_query::Values) {
    Query::select()
        .columns([
            ("product", "id"),
            ("product", "name"),
            ("product", "price"),
            ("product", "qty"),
            ("product", "rating"),
            ("product", "enabled"),
            ("product", "description"),
        ])
        .from("product")
        .and_where(Expr::col(("product", "price")).lte(max_price))
        .and_where(
            Expr::col(("product", "name")).like(LikeExpr::new(like_contains(needle)).escape('\\')),
        )
        .order_by(("product", "price"), Order::Desc)
        .limit(10)
        .build(SqliteQueryBuilder)
}

fn query_top10(max_price: i64, needle: &str) -> (String, Vec<Value>) {
    Product::objects()
        .filter(product::price.lte(max_price))
        .filter(product::name.contains(needle))
        .order_by(-product::price)
        .limit(10)
        .to_sql()
}

fn bench_build(c: &mut criterion::Criterion) {
    let mut g = c.benchmark_group("build");
    g.bench_function("query", |b| {
        b.iter(|| query_top10(black_box(500), black_box("sony")))
    });
    g.bench_function("sea_query", |b| {
        b.iter(|| sea_query_top10(black_box(500), black_box("sony")))
    });
    g.finish();
}

fn main() {
    let (sql, values) = query_top10(500, "sony");
    println!("query:     {sql}  {values:?}");
    let (sql, values) = sea_query_top10(500, "sony");
    println!("sea-query: {sql}  {values:?}");

    let since = SystemTime::now();
    let mut c = common::criterion();
    bench_build(&mut c);
    c.final_summary();
    common::print_ratios(
        &[Ratio {
            group: "build",
            numerator: "query",
            denominator: "sea_query",
            target: "<= 0.143x (7x faster than sea-query)",
        }],
        since,
    );
}
