//! Expressions and aggregates: `aggregate` of three aggregates over 10,000
//! rows, `annotate` with a `Count` over a reverse relation grouped over 1,000
//! parents, and `values_list` of two columns over 10,000 rows, each against
//! the same statement written by hand and read into the same Rust values, on
//! SQLite (rusqlite, `prepare_cached`) and, when `QUERY_TEST_POSTGRES` is set,
//! PostgreSQL (the `postgres` crate, statements prepared once), on the same
//! connection.
//!
//! The baselines' statement texts are the ones the crate writes (printed at
//! start-up, with a NOTE if they no longer match), so a ratio measures the
//! crate's own work around the statement, not a different plan.

#[path = "common/mod.rs"]
mod common;

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use common::{Paired, Ratio, Side, paired_wanted, timed};
use criterion::Criterion;
use query::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Artist {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Album {
    pub id: i64,
    pub title: String,
    #[field(on_delete = Cascade)]
    pub artist: ForeignKey<Artist>,
    #[field(reverse = "album")]
    pub tracks: Related<Track>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Track {
    pub id: i64,
    pub name: String,
    pub milliseconds: i64,
    pub unit_price: f64,
    #[field(on_delete = Cascade)]
    pub album: ForeignKey<Album>,
}

const ARTISTS: i64 = 100;
const ALBUMS: i64 = 1_000;
const TRACKS_PER_ALBUM: i64 = 10;
const TRACKS: i64 = ALBUMS * TRACKS_PER_ALBUM;

/// 100 artists, 1,000 albums, 10,000 tracks (10 per album, except that
/// every 100th album has none, so the LEFT JOIN's zero counts are read
/// too), through the crate on either backend.
fn load(db: &Db) {
    db.create_table::<Artist>().unwrap();
    db.create_table::<Album>().unwrap();
    db.create_table::<Track>().unwrap();
    db.atomic(|db| {
        let artists = (1..=ARTISTS).map(|i| Artist {
            id: i,
            name: format!("artist {i}"),
        });
        Artist::objects().bulk_create(db, artists.collect())?;
        let albums = (1..=ALBUMS).map(|i| Album {
            id: i,
            title: format!("album {i}"),
            artist: ForeignKey::new((i - 1) % ARTISTS + 1),
            tracks: Related::default(),
        });
        Album::objects().bulk_create(db, albums.collect())?;
        // Album ids 1..=1000 but skipping every 100th: its 10 tracks go to
        // the album before it.
        let tracks = (1..=TRACKS).map(|i| {
            let mut album = (i - 1) / TRACKS_PER_ALBUM + 1;
            if album % 100 == 0 {
                album -= 1;
            }
            Track {
                id: i,
                name: format!("track {i}"),
                milliseconds: (i * 7919) % 400_000,
                unit_price: [0.99, 1.99, 0.49][(i % 3) as usize],
                album: ForeignKey::new(album),
            }
        });
        Track::objects().bulk_create(db, tracks.collect())?;
        Ok(())
    })
    .unwrap();
}

// ---------------------------------------------------------------------------
// The statements, as the crate writes them (checked at start-up).

const AGG_SQLITE: &str = r#"SELECT COUNT("track"."id"), SUM("track"."milliseconds"), AVG("track"."unit_price") FROM "track""#;
/// On PostgreSQL `SUM(bigint)` is `numeric` and `AVG` of a float is `double
/// precision` already; the crate casts both to the Rust type's column type.
const AGG_PG: &str = r#"SELECT COUNT("track"."id"), CAST(SUM("track"."milliseconds") AS bigint), CAST(AVG("track"."unit_price") AS double precision) FROM "track""#;

const ANNOTATE_SQLITE: &str = r#"SELECT "album"."id", "album"."title", "album"."artist_id", COUNT("T1"."id") FROM "album" LEFT OUTER JOIN "track" "T1" ON "T1"."album_id" = "album"."id" GROUP BY "album"."id""#;
const ANNOTATE_PG: &str = ANNOTATE_SQLITE;

const VALUES_SQLITE: &str = r#"SELECT "track"."name", "track"."milliseconds" FROM "track""#;
const VALUES_PG: &str = VALUES_SQLITE;

// ---------------------------------------------------------------------------
// The workloads.

type Agg = (i64, Option<i64>, Option<f64>);

/// What the three workloads give, in order.
type Results = (Agg, Vec<(Album, i64)>, Vec<(String, i64)>);

fn aggregate_query(db: &Db) -> Agg {
    use track::*;
    Track::objects()
        .aggregate(db, (Count(id), Sum(milliseconds), Avg(unit_price)))
        .unwrap()
}

fn aggregate_rusqlite(db: &Db) -> Agg {
    let mut stmt = db.connection().prepare_cached(AGG_SQLITE).unwrap();
    stmt.query_row([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
}

fn aggregate_postgres(db: &Db, b: &PgBaseline) -> Agg {
    let mut client = db.postgres_client().unwrap();
    let row = client.query_one(&b.aggregate, &[]).unwrap();
    (row.get(0), row.get(1), row.get(2))
}

fn annotate_query(db: &Db) -> Vec<(Album, i64)> {
    Album::objects()
        .annotate(Count(album::tracks))
        .all(db)
        .unwrap()
}

fn annotate_rusqlite(db: &Db) -> Vec<(Album, i64)> {
    let mut stmt = db.connection().prepare_cached(ANNOTATE_SQLITE).unwrap();
    stmt.query_map([], |row| {
        Ok((
            Album {
                id: row.get(0)?,
                title: row.get(1)?,
                artist: ForeignKey::new(row.get::<_, i64>(2)?),
                tracks: Related::default(),
            },
            row.get(3)?,
        ))
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

fn annotate_postgres(db: &Db, b: &PgBaseline) -> Vec<(Album, i64)> {
    let mut client = db.postgres_client().unwrap();
    client
        .query(&b.annotate, &[])
        .unwrap()
        .iter()
        .map(|row| {
            (
                Album {
                    id: row.get(0),
                    title: row.get(1),
                    artist: ForeignKey::new(row.get::<_, i64>(2)),
                    tracks: Related::default(),
                },
                row.get(3),
            )
        })
        .collect()
}

fn values_query(db: &Db) -> Vec<(String, i64)> {
    Track::objects()
        .values_list((track::name, track::milliseconds))
        .all(db)
        .unwrap()
}

fn values_rusqlite(db: &Db) -> Vec<(String, i64)> {
    let mut stmt = db.connection().prepare_cached(VALUES_SQLITE).unwrap();
    stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn values_postgres(db: &Db, b: &PgBaseline) -> Vec<(String, i64)> {
    let mut client = db.postgres_client().unwrap();
    client
        .query(&b.values, &[])
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}

/// The PostgreSQL baseline's statements, prepared once and held.
struct PgBaseline {
    aggregate: postgres::Statement,
    annotate: postgres::Statement,
    values: postgres::Statement,
}

impl PgBaseline {
    fn prepare(db: &Db) -> PgBaseline {
        let mut client = db.postgres_client().expect("a PostgreSQL Db");
        let mut prepare = |sql: &str| client.prepare(sql).expect("prepare");
        PgBaseline {
            aggregate: prepare(AGG_PG),
            annotate: prepare(ANNOTATE_PG),
            values: prepare(VALUES_PG),
        }
    }
}

// ---------------------------------------------------------------------------
// The statement texts the crate runs, seen through its `tracing` events.

/// Keeps the `sql` field of every event.
#[derive(Default, Clone)]
struct SeenSql(Arc<Mutex<Vec<String>>>);

struct SqlField<'a>(&'a mut Option<String>);

impl tracing::field::Visit for SqlField<'_> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "sql" {
            *self.0 = Some(value.to_owned());
        }
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "sql" {
            *self.0 = Some(format!("{value:?}"));
        }
    }
}

impl tracing::Subscriber for SeenSql {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut sql = None;
        event.record(&mut SqlField(&mut sql));
        if let Some(sql) = sql {
            self.0.lock().expect("lock").push(sql);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// The one statement `f` runs on `db`.
fn statement_of(db: &Db, f: impl FnOnce(&Db)) -> String {
    let seen = SeenSql::default();
    tracing::subscriber::with_default(seen.clone(), || f(db));
    let mut all = seen.0.lock().expect("lock").clone();
    assert_eq!(all.len(), 1, "one statement: {all:?}");
    all.pop().expect("one statement")
}

/// Prints the statements the crate runs on `db`, and a NOTE where the
/// baseline's text differs.
fn check_statements(db: &Db, backend: &str, expected: [&str; 3]) {
    let ran = [
        statement_of(db, |db| {
            let _ = aggregate_query(db);
        }),
        statement_of(db, |db| drop(annotate_query(db))),
        statement_of(db, |db| drop(values_query(db))),
    ];
    for ((name, ran), expected) in ["aggregate", "annotate", "values_list"]
        .iter()
        .zip(&ran)
        .zip(expected)
    {
        println!("{backend} {name}: {ran}");
        if ran != expected {
            println!("NOTE: the {backend} baseline of {name} runs a different text:\n  {expected}");
        }
    }
}

/// Both sides give the same values before anything is timed.
fn check_same(ours: Results, theirs: Results) {
    let (oa, mut on, mut ov) = ours;
    let (ta, mut tn, mut tv) = theirs;
    assert_eq!(oa.0, TRACKS);
    assert_eq!(oa.0, ta.0);
    assert_eq!(oa.1, ta.1);
    let (om, tm) = (oa.2.unwrap(), ta.2.unwrap());
    assert!((om - tm).abs() < 1e-9, "{om} {tm}");
    on.sort_by_key(|(a, _)| a.id);
    tn.sort_by_key(|(a, _)| a.id);
    assert_eq!(on.len(), ALBUMS as usize);
    assert_eq!(on.iter().filter(|(_, n)| *n == 0).count(), 10);
    assert_eq!(on, tn);
    ov.sort();
    tv.sort();
    assert_eq!(ov.len(), TRACKS as usize);
    assert_eq!(ov, tv);
}

fn main() {
    let db = Db::open_in_memory().unwrap();
    load(&db);
    check_statements(&db, "sqlite", [AGG_SQLITE, ANNOTATE_SQLITE, VALUES_SQLITE]);
    check_same(
        (aggregate_query(&db), annotate_query(&db), values_query(&db)),
        (
            aggregate_rusqlite(&db),
            annotate_rusqlite(&db),
            values_rusqlite(&db),
        ),
    );
    let pg = common::postgres_url("aggregation").map(|url| {
        let schema = common::PgSchema::create(&url, "aggregation");
        let pg = Db::connect(&schema.url).expect("connect to the bench schema");
        load(&pg);
        pg.execute_batch("VACUUM ANALYZE artist, album, track")
            .unwrap();
        let b = PgBaseline::prepare(&pg);
        check_statements(&pg, "postgres", [AGG_PG, ANNOTATE_PG, VALUES_PG]);
        check_same(
            (aggregate_query(&pg), annotate_query(&pg), values_query(&pg)),
            (
                aggregate_postgres(&pg, &b),
                annotate_postgres(&pg, &b),
                values_postgres(&pg, &b),
            ),
        );
        (schema, pg, b)
    });

    let since = SystemTime::now();
    let mut c: Criterion = common::criterion();
    {
        let mut g = c.benchmark_group("agg_aggregate");
        g.bench_function("query", |b| b.iter(|| aggregate_query(&db)));
        g.bench_function("rusqlite", |b| b.iter(|| aggregate_rusqlite(&db)));
        g.finish();
        let mut g = c.benchmark_group("agg_annotate");
        g.bench_function("query", |b| b.iter(|| annotate_query(&db)));
        g.bench_function("rusqlite", |b| b.iter(|| annotate_rusqlite(&db)));
        g.finish();
        let mut g = c.benchmark_group("agg_values_list");
        g.bench_function("query", |b| b.iter(|| values_query(&db)));
        g.bench_function("rusqlite", |b| b.iter(|| values_rusqlite(&db)));
        g.finish();
        if let Some((_, pg, pb)) = &pg {
            let mut g = c.benchmark_group("pg_agg_aggregate");
            g.bench_function("query", |b| b.iter(|| aggregate_query(pg)));
            g.bench_function("postgres", |b| b.iter(|| aggregate_postgres(pg, pb)));
            g.finish();
            let mut g = c.benchmark_group("pg_agg_annotate");
            g.bench_function("query", |b| b.iter(|| annotate_query(pg)));
            g.bench_function("postgres", |b| b.iter(|| annotate_postgres(pg, pb)));
            g.finish();
            let mut g = c.benchmark_group("pg_agg_values_list");
            g.bench_function("query", |b| b.iter(|| values_query(pg)));
            g.bench_function("postgres", |b| b.iter(|| values_postgres(pg, pb)));
            g.finish();
        }
    }
    c.final_summary();

    const GROUPS: [&str; 3] = ["agg_aggregate", "agg_annotate", "agg_values_list"];
    const PG_GROUPS: [&str; 3] = ["pg_agg_aggregate", "pg_agg_annotate", "pg_agg_values_list"];
    let mut rows: Vec<Ratio> = GROUPS
        .iter()
        .map(|&group| Ratio {
            group,
            numerator: "query",
            denominator: "rusqlite",
            target: "<= 1.05x",
        })
        .collect();
    if pg.is_some() {
        rows.extend(PG_GROUPS.iter().map(|&group| Ratio {
            group,
            numerator: "query",
            denominator: "postgres",
            target: "<= 1.05x",
        }));
    }
    common::print_ratios(&rows, since);

    println!("\npaired ratios (interleaved rounds, median of per-round ratios):");
    let mut runs: Vec<(&str, &str, Side<'_>, Side<'_>)> = vec![
        (
            GROUPS[0],
            "rusqlite",
            Box::new(timed(|| aggregate_query(&db))),
            Box::new(timed(|| aggregate_rusqlite(&db))),
        ),
        (
            GROUPS[1],
            "rusqlite",
            Box::new(timed(|| annotate_query(&db))),
            Box::new(timed(|| annotate_rusqlite(&db))),
        ),
        (
            GROUPS[2],
            "rusqlite",
            Box::new(timed(|| values_query(&db))),
            Box::new(timed(|| values_rusqlite(&db))),
        ),
    ];
    if let Some((_, pg, pb)) = &pg {
        runs.push((
            PG_GROUPS[0],
            "postgres",
            Box::new(timed(|| aggregate_query(pg))),
            Box::new(timed(|| aggregate_postgres(pg, pb))),
        ));
        runs.push((
            PG_GROUPS[1],
            "postgres",
            Box::new(timed(|| annotate_query(pg))),
            Box::new(timed(|| annotate_postgres(pg, pb))),
        ));
        runs.push((
            PG_GROUPS[2],
            "postgres",
            Box::new(timed(|| values_query(pg))),
            Box::new(timed(|| values_postgres(pg, pb))),
        ));
    }
    for (group, d, a, b) in runs {
        if paired_wanted(group) {
            let p = Paired::run(vec![("query", a), (d, b)], common::PAIRED_BUDGET);
            p.print(group, &[("query", d, "<= 1.05x")]);
        }
    }
}
