//! Shared fixture for the benchmarks: the schema and data of issue 3, the
//! model, the hand-written baseline's plain struct and row mapper, and the
//! ratio table printed after each bench binary.
//!
//! Included by every bench with `#[path = "common/mod.rs"] mod common;`;
//! not every bench uses every item.
#![allow(dead_code)]

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use query::prelude::*;

/// The model under test. Table `product` (the default name).
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Product {
    pub id: i64,
    #[field(max_length = 50)]
    pub name: String,
    pub price: i64,
    pub qty: i64,
    pub rating: f64,
    pub enabled: bool,
    pub description: Option<String>,
}

/// The baseline's identical plain struct.
#[derive(Debug, Clone, PartialEq)]
pub struct PlainProduct {
    pub id: i64,
    pub name: String,
    pub price: i64,
    pub qty: i64,
    pub rating: f64,
    pub enabled: bool,
    pub description: Option<String>,
}

/// Number of rows loaded by [`open_db`].
pub const ROWS: i64 = 10_000;

/// Schema and data of issue 3, in plain SQL, so both sides start equal.
pub const SCHEMA_AND_DATA: &str = "
CREATE TABLE product (
    id INTEGER PRIMARY KEY,
    name VARCHAR(50) NOT NULL,
    price INTEGER NOT NULL,
    qty INTEGER NOT NULL,
    rating REAL NOT NULL,
    enabled BOOLEAN NOT NULL,
    description TEXT NULL
);
CREATE INDEX product_price ON product (price);
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 10000)
INSERT INTO product (id, name, price, qty, rating, enabled, description)
SELECT i,
       CASE i % 5 WHEN 0 THEN 'sony' WHEN 1 THEN 'samsung' WHEN 2 THEN 'philips'
                  WHEN 3 THEN 'panasonic' ELSE 'lg' END || ' model ' || i,
       (i * 7919) % 1000 + 1,
       i % 50,
       ((i * 37) % 50) / 10.0,
       i % 3 <> 0,
       CASE WHEN i % 4 = 0 THEN NULL ELSE 'description of product ' || i END
FROM seq;
";

/// An in-memory database holding the 10,000 rows of issue 3. Both sides of a
/// benchmark run on this one connection (`db.connection()` for the baseline).
pub fn open_db() -> Db {
    let db = Db::open_in_memory().expect("open in-memory db");
    db.connection()
        .execute_batch(SCHEMA_AND_DATA)
        .expect("schema and data");
    db
}

/// The baseline's row mapper: by column index.
#[inline]
pub fn map_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<PlainProduct> {
    Ok(PlainProduct {
        id: row.get(0)?,
        name: row.get(1)?,
        price: row.get(2)?,
        qty: row.get(3)?,
        rating: row.get(4)?,
        enabled: row.get(5)?,
        description: row.get(6)?,
    })
}

fn brand(i: i64) -> &'static str {
    ["sony", "samsung", "philips", "panasonic", "lg"][(i % 5) as usize]
}

/// Row `i` of the data set's formula as a new (unsaved, `id == 0`) model.
pub fn new_product(i: i64) -> Product {
    Product {
        id: 0,
        name: format!("{} model {}", brand(i), i),
        price: (i * 7919) % 1000 + 1,
        qty: i % 50,
        rating: ((i * 37) % 50) as f64 / 10.0,
        enabled: i % 3 != 0,
        description: (i % 4 != 0).then(|| format!("description of product {i}")),
    }
}

/// The same row as the baseline's plain struct.
pub fn new_plain(i: i64) -> PlainProduct {
    let p = new_product(i);
    PlainProduct {
        id: 0,
        name: p.name,
        price: p.price,
        qty: p.qty,
        rating: p.rating,
        enabled: p.enabled,
        description: p.description,
    }
}

/// Criterion settings sized for a 2-core machine: every bench binary
/// finishes in well under a minute.
pub fn criterion() -> criterion::Criterion {
    criterion::Criterion::default()
        .sample_size(40)
        .warm_up_time(Duration::from_millis(800))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args()
}

/// One row of the ratio table: `numerator / denominator` of group `group`.
pub struct Ratio {
    pub group: &'static str,
    pub numerator: &'static str,
    pub denominator: &'static str,
    pub target: &'static str,
}

/// Where criterion writes its results: `$CRITERION_HOME`, else
/// `<target dir>/criterion`, the target dir being found from this
/// executable's path (`<target>/release/deps/<bench>-<hash>`).
fn criterion_dir() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return Some(PathBuf::from(home));
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return Some(PathBuf::from(target).join("criterion"));
    }
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.parent()?.parent()?.join("criterion"))
}

/// The median point estimate (ns) in criterion's `new/estimates.json`, if it
/// was written at or after `since` (so that a filtered run does not print
/// stale numbers of an earlier run).
fn median_ns(dir: &std::path::Path, group: &str, function: &str, since: SystemTime) -> Option<f64> {
    let path = dir
        .join(group)
        .join(function)
        .join("new")
        .join("estimates.json");
    let modified = fs::metadata(&path).ok()?.modified().ok()?;
    if modified < since {
        return None;
    }
    let text = fs::read_to_string(&path).ok()?;
    let median = &text[text.find("\"median\"")?..];
    let value = &median[median.find("\"point_estimate\":")? + "\"point_estimate\":".len()..];
    let end = value.find([',', '}'])?;
    value[..end].trim().parse().ok()
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.3} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

/// Prints `query / baseline` for every row whose two estimates were written
/// by this run (criterion does not print ratios itself).
pub fn print_ratios(rows: &[Ratio], since: SystemTime) {
    let Some(dir) = criterion_dir() else { return };
    let mut lines = Vec::new();
    for r in rows {
        if let (Some(n), Some(d)) = (
            median_ns(&dir, r.group, r.numerator, since),
            median_ns(&dir, r.group, r.denominator, since),
        ) {
            lines.push(format!(
                "{:<12} {:>12} / {:<14} {:>11} / {:<11} = {:>6.3}x   target {}",
                r.group,
                r.numerator,
                r.denominator,
                human(n),
                human(d),
                n / d,
                r.target
            ));
        }
    }
    if !lines.is_empty() {
        println!("\nratios (criterion medians of this run):");
        for l in lines {
            println!("  {l}");
        }
    }
}
