//! Shared fixture for the benchmarks: the schema and data of issue 3, the
//! model, the hand-written baseline's plain struct and row mapper, and the
//! ratio table printed after each bench binary.
//!
//! Included by every bench with `#[path = "common/mod.rs"] mod common;`;
//! not every bench uses every item.
#![allow(dead_code)]

pub mod peak;

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

/// How many rows a write benchmark inserts per iteration.
pub const INSERTS: i64 = 1000;

/// Untimed: `reset` removes earlier inserts, then hands out `INSERTS` fresh
/// rows (i = 10001..=11000 of the data set's formula).
pub fn fresh_models(db: &Db, reset: fn(&Db)) -> Vec<Product> {
    reset(db);
    (ROWS + 1..=ROWS + INSERTS).map(new_product).collect()
}

/// [`fresh_models`] as the baseline's plain structs.
pub fn fresh_plain(db: &Db, reset: fn(&Db)) -> Vec<PlainProduct> {
    reset(db);
    (ROWS + 1..=ROWS + INSERTS).map(new_plain).collect()
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
pub fn criterion_dir() -> Option<PathBuf> {
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

// ---------------------------------------------------------------------------
// Interleaved ("paired") measurement.
//
// Criterion measures one function after the other; on a small shared machine
// a burst of load during one of them moves the ratio by more than the 3 %
// the targets allow. This measurement alternates the sides in short rounds
// (a few milliseconds each, the order rotating every round) and reports the
// median over rounds of the per-round ratio, which such drift cancels out of.

/// One side of an interleaved measurement: called with a number of
/// iterations `n`, runs the workload `n` times and returns the time spent in
/// the measured part only (untimed setup is left out).
pub type Side<'a> = Box<dyn FnMut(u64) -> Duration + 'a>;

/// Times `n` calls of `f`.
pub fn timed<T>(mut f: impl FnMut() -> T) -> impl FnMut(u64) -> Duration {
    move |n| {
        let start = std::time::Instant::now();
        for _ in 0..n {
            std::hint::black_box(f());
        }
        start.elapsed()
    }
}

/// Times `n` calls of `routine`, each on a fresh input from the untimed
/// `setup`.
pub fn timed_batched<I, T>(
    mut setup: impl FnMut() -> I,
    mut routine: impl FnMut(I) -> T,
) -> impl FnMut(u64) -> Duration {
    move |n| {
        let mut total = Duration::ZERO;
        for _ in 0..n {
            let input = setup();
            let start = std::time::Instant::now();
            let out = routine(std::hint::black_box(input));
            total += start.elapsed();
            drop(std::hint::black_box(out));
        }
        total
    }
}

/// Per-round times of every side, in ns per iteration.
pub struct Paired {
    names: Vec<&'static str>,
    rounds: Vec<Vec<f64>>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

impl Paired {
    /// Runs the sides interleaved for about `budget` in total.
    pub fn run(mut sides: Vec<(&'static str, Side<'_>)>, budget: Duration) -> Paired {
        const ROUND: Duration = Duration::from_millis(2);
        // Calibrate: iterations per round so that one side's batch takes
        // about ROUND (at least one iteration); this also warms up.
        let mut per_round = Vec::new();
        for (_, f) in &mut sides {
            let mut n = 1u64;
            loop {
                let t = f(n);
                if t >= ROUND / 4 || n >= 1 << 20 {
                    let per_iter = t.as_secs_f64() / n as f64;
                    per_round.push(((ROUND.as_secs_f64() / per_iter) as u64).max(1));
                    break;
                }
                n *= 2;
            }
        }
        let mut rounds = Vec::new();
        let start = std::time::Instant::now();
        let k = sides.len();
        let mut r = 0;
        while start.elapsed() < budget || rounds.len() < 5 {
            let mut times = vec![0.0; k];
            for j in 0..k {
                let s = (j + r) % k; // rotate who goes first
                let n = per_round[s];
                times[s] = sides[s].1(n).as_secs_f64() * 1e9 / n as f64;
            }
            rounds.push(times);
            r += 1;
        }
        Paired {
            names: sides.iter().map(|(n, _)| *n).collect(),
            rounds,
        }
    }

    fn index(&self, name: &str) -> usize {
        self.names
            .iter()
            .position(|n| *n == name)
            .expect("side name")
    }

    /// Median time per iteration of side `name`, in ns.
    pub fn median_ns(&self, name: &str) -> f64 {
        let i = self.index(name);
        median(self.rounds.iter().map(|r| r[i]).collect())
    }

    /// Median over rounds of `numerator / denominator`.
    pub fn ratio(&self, numerator: &str, denominator: &str) -> f64 {
        let (a, b) = (self.index(numerator), self.index(denominator));
        median(self.rounds.iter().map(|r| r[a] / r[b]).collect())
    }

    /// Prints one line per `(numerator, denominator, target)`, and records
    /// it as `<criterion dir>/<group>/paired_<numerator>_<denominator>.txt`
    /// (`ratio numerator_ns denominator_ns rounds`) for `benches/ratios.sh`.
    pub fn print(&self, group: &str, rows: &[(&str, &str, &str)]) {
        for (n, d, target) in rows {
            if let Some(dir) = criterion_dir() {
                let dir = dir.join(group);
                let _ = fs::create_dir_all(&dir).and_then(|()| {
                    fs::write(
                        dir.join(format!("paired_{n}_{d}.txt")),
                        format!(
                            "{} {} {} {}\n",
                            self.ratio(n, d),
                            self.median_ns(n),
                            self.median_ns(d),
                            self.rounds.len()
                        ),
                    )
                });
            }
            println!(
                "  {:<12} {:>13} / {:<14} {:>11} / {:<11} = {:>6.3}x   target {}   ({} rounds)",
                group,
                n,
                d,
                human(self.median_ns(n)),
                human(self.median_ns(d)),
                self.ratio(n, d),
                target,
                self.rounds.len()
            );
        }
    }
}

/// Budget of each paired measurement.
pub const PAIRED_BUDGET: Duration = Duration::from_millis(2500);

/// Whether the paired section should measure `group`: not in criterion's
/// `--test`/`--list` modes, and only groups the command line's filter (a
/// substring of `group/function`, as criterion takes it) selects.
pub fn paired_wanted(group: &str) -> bool {
    // Criterion's options that take a value.
    const WITH_VALUE: &[&str] = &[
        "--color",
        "-c",
        "--save-baseline",
        "-s",
        "--baseline",
        "-b",
        "--baseline-lenient",
        "--load-baseline",
        "--sample-size",
        "--warm-up-time",
        "--measurement-time",
        "--nresamples",
        "--noise-threshold",
        "--confidence-level",
        "--significance-level",
        "--profile-time",
        "--plotting-backend",
        "--output-format",
        "--format",
    ];
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args
        .iter()
        .any(|a| a == "--test" || a == "--list" || a == "--profile-time")
    {
        return false;
    }
    let mut filter = None;
    let mut skip = false;
    for a in &args {
        if skip {
            skip = false;
        } else if WITH_VALUE.contains(&a.as_str()) {
            skip = true;
        } else if !a.starts_with('-') {
            filter = Some(a.as_str());
        }
    }
    match filter {
        None => true,
        // A filter naming one function ("top10/query") still gets the
        // group's pair; criterion's `--exact` is treated the same way.
        Some(f) => {
            let f = f.split('/').next().unwrap_or(f);
            group.contains(f) || f.contains(group)
        }
    }
}

// ---------------------------------------------------------------------------
// PostgreSQL.

/// The variable naming the PostgreSQL server the PostgreSQL benches run on
/// (the tests' variable): `postgres://postgres@127.0.0.1/test`.
pub const POSTGRES_ENV: &str = "QUERY_TEST_POSTGRES";

/// The PostgreSQL URL, or `None` after printing why the PostgreSQL part of
/// `bench` is skipped.
pub fn postgres_url(bench: &str) -> Option<String> {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            println!(
                "note: {bench}: the PostgreSQL benchmarks were not run: \
                 set {POSTGRES_ENV}=postgres://postgres@127.0.0.1/test to run them"
            );
            None
        }
    }
}

/// A schema of the bench's own on the server, dropped (with everything in
/// it) when this is dropped, a panic included.
pub struct PgSchema {
    admin: String,
    name: String,
    /// The server's URL with `search_path` set to the schema.
    pub url: String,
}

impl PgSchema {
    /// Creates a fresh schema `bench_<bench>_<pid>`.
    pub fn create(admin_url: &str, bench: &str) -> PgSchema {
        let name = format!("bench_{bench}_{}", std::process::id());
        let admin = Db::connect(admin_url)
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but PostgreSQL can't be used: {e}"));
        admin
            .execute_batch(&format!(
                "DROP SCHEMA IF EXISTS \"{name}\" CASCADE; CREATE SCHEMA \"{name}\""
            ))
            .expect("create the bench schema");
        let sep = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{sep}options=-csearch_path%3D{name}");
        PgSchema {
            admin: admin_url.to_owned(),
            name,
            url,
        }
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        if let Ok(admin) = Db::connect(&self.admin) {
            let _ =
                admin.execute_batch(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name));
        }
    }
}

/// The same schema and data as [`SCHEMA_AND_DATA`], in PostgreSQL's types
/// as the crate maps the model's fields (`bigint` for `i64`, `double
/// precision` for `f64`, an identity key), the key's sequence moved past
/// the loaded rows ([`open_pg`] then vacuums and analyzes).
pub const PG_SCHEMA_AND_DATA: &str = "
CREATE TABLE product (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name varchar(50) NOT NULL,
    price bigint NOT NULL,
    qty bigint NOT NULL,
    rating double precision NOT NULL,
    enabled boolean NOT NULL,
    description text NULL
);
CREATE INDEX product_price ON product (price);
INSERT INTO product (id, name, price, qty, rating, enabled, description)
SELECT i,
       CASE i % 5 WHEN 0 THEN 'sony' WHEN 1 THEN 'samsung' WHEN 2 THEN 'philips'
                  WHEN 3 THEN 'panasonic' ELSE 'lg' END || ' model ' || i,
       (i * 7919) % 1000 + 1,
       i % 50,
       ((i * 37) % 50) / 10.0,
       i % 3 <> 0,
       CASE WHEN i % 4 = 0 THEN NULL ELSE 'description of product ' || i END
FROM generate_series(1, 10000) AS i;
SELECT setval(pg_get_serial_sequence('product', 'id'), 10000);
";

/// A connection to the bench's schema holding the 10,000 rows. Both sides
/// of a benchmark run on this one connection (`db.postgres_client()` for
/// the baseline).
pub fn open_pg(schema: &PgSchema) -> Db {
    let db = Db::connect(&schema.url).expect("connect to the bench schema");
    db.execute_batch(PG_SCHEMA_AND_DATA)
        .expect("schema and data");
    // On its own: VACUUM can't run in the implicit transaction of a batch.
    db.execute_batch("VACUUM ANALYZE product").expect("vacuum");
    db
}

/// The baseline's row mapper on PostgreSQL: by column index.
#[inline]
pub fn pg_map_row(row: &postgres::Row) -> PlainProduct {
    PlainProduct {
        id: row.get(0),
        name: row.get(1),
        price: row.get(2),
        qty: row.get(3),
        rating: row.get(4),
        enabled: row.get(5),
        description: row.get(6),
    }
}
