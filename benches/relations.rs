//! Relations (issue 10): a filter across two foreign keys
//! (`track::album.artist().name().eq(..)`, two INNER JOINs) against the same
//! JOIN written by hand with manual row mapping, on SQLite (rusqlite) and,
//! when `QUERY_TEST_POSTGRES` is set, PostgreSQL (the `postgres` crate), on
//! the same connection; and the time to build a three-hop path query to SQL
//! against the same filter on one table.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
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
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Track {
    pub id: i64,
    pub name: String,
    pub milliseconds: i64,
    #[field(on_delete = Cascade)]
    pub album: ForeignKey<Album>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct InvoiceLine {
    pub id: i64,
    pub quantity: i64,
    #[field(on_delete = Cascade)]
    pub track: ForeignKey<Track>,
}

/// What the hand-written side maps a row into.
#[derive(Debug, PartialEq)]
struct PlainTrack {
    id: i64,
    name: String,
    milliseconds: i64,
    album_id: i64,
}

impl From<Track> for PlainTrack {
    fn from(t: Track) -> PlainTrack {
        PlainTrack {
            id: t.id,
            name: t.name,
            milliseconds: t.milliseconds,
            album_id: t.album.id(),
        }
    }
}

const ARTISTS: i64 = 100;
const ALBUMS_PER_ARTIST: i64 = 10;
const TRACKS_PER_ALBUM: i64 = 10;
/// The artist filtered on: 10 albums, 100 tracks.
const NEEDLE: &str = "artist 42";

const JOIN_SQL: &str = "SELECT t.id, t.name, t.milliseconds, t.album_id FROM track t \
     JOIN album a ON a.id = t.album_id JOIN artist r ON r.id = a.artist_id WHERE r.name = $1";

/// 100 artists, 1,000 albums, 10,000 tracks, through the crate on either
/// backend.
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
        let albums = (1..=ARTISTS * ALBUMS_PER_ARTIST).map(|i| Album {
            id: i,
            title: format!("album {i}"),
            artist: ForeignKey::new((i - 1) / ALBUMS_PER_ARTIST + 1),
        });
        Album::objects().bulk_create(db, albums.collect())?;
        let n = ARTISTS * ALBUMS_PER_ARTIST * TRACKS_PER_ALBUM;
        let tracks = (1..=n).map(|i| Track {
            id: i,
            name: format!("track {i}"),
            milliseconds: (i * 7919) % 400_000,
            album: ForeignKey::new((i - 1) / TRACKS_PER_ALBUM + 1),
        });
        Track::objects().bulk_create(db, tracks.collect())?;
        Ok(())
    })
    .unwrap();
}

fn join2_query(db: &Db) -> Vec<Track> {
    Track::objects()
        .filter(track::album.artist().name().eq(black_box(NEEDLE)))
        .all(db)
        .unwrap()
}

fn join2_rusqlite(db: &Db) -> Vec<PlainTrack> {
    let mut stmt = db.connection().prepare_cached(JOIN_SQL).unwrap();
    stmt.query_map([black_box(NEEDLE)], |row| {
        Ok(PlainTrack {
            id: row.get(0)?,
            name: row.get(1)?,
            milliseconds: row.get(2)?,
            album_id: row.get(3)?,
        })
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

fn join2_postgres(db: &Db, stmt: &postgres::Statement) -> Vec<PlainTrack> {
    let mut client = db.postgres_client().unwrap();
    client
        .query(stmt, &[&black_box(NEEDLE)])
        .unwrap()
        .iter()
        .map(|row| PlainTrack {
            id: row.get(0),
            name: row.get(1),
            milliseconds: row.get(2),
            album_id: row.get(3),
        })
        .collect()
}

fn build_three_hops() -> (String, Vec<Value>) {
    InvoiceLine::objects()
        .filter(
            invoice_line::track
                .album()
                .artist()
                .name()
                .eq(black_box(NEEDLE)),
        )
        .to_sql()
}

fn build_one_table() -> (String, Vec<Value>) {
    InvoiceLine::objects()
        .filter(invoice_line::quantity.eq(black_box(42)))
        .to_sql()
}

/// Both sides return the same rows before anything is timed.
fn check_same(ours: Vec<Track>, mut theirs: Vec<PlainTrack>) {
    let mut ours: Vec<PlainTrack> = ours.into_iter().map(Into::into).collect();
    ours.sort_by_key(|t| t.id);
    theirs.sort_by_key(|t| t.id);
    assert_eq!(ours.len(), (ALBUMS_PER_ARTIST * TRACKS_PER_ALBUM) as usize);
    assert_eq!(ours, theirs);
}

fn main() {
    let (sql, _) = build_three_hops();
    println!("three hops: {sql}");
    let (sql, _) = join2_query_sql();
    println!("two joins:  {sql}");

    let db = Db::open_in_memory().unwrap();
    load(&db);
    check_same(join2_query(&db), join2_rusqlite(&db));
    let pg = common::postgres_url("relations").map(|url| {
        let schema = common::PgSchema::create(&url, "relations");
        let pg = Db::connect(&schema.url).expect("connect to the bench schema");
        load(&pg);
        pg.execute_batch("VACUUM ANALYZE artist, album, track")
            .unwrap();
        let stmt = pg.postgres_client().unwrap().prepare(JOIN_SQL).unwrap();
        check_same(join2_query(&pg), join2_postgres(&pg, &stmt));
        (schema, pg, stmt)
    });

    let since = SystemTime::now();
    let mut c: Criterion = common::criterion();
    {
        let mut g = c.benchmark_group("rel_join2");
        g.bench_function("query", |b| b.iter(|| join2_query(&db)));
        g.bench_function("rusqlite", |b| b.iter(|| join2_rusqlite(&db)));
        g.finish();
        let mut g = c.benchmark_group("rel_build3");
        g.bench_function("three_hops", |b| b.iter(build_three_hops));
        g.bench_function("one_table", |b| b.iter(build_one_table));
        g.finish();
        if let Some((_, pg, stmt)) = &pg {
            let mut g = c.benchmark_group("pg_rel_join2");
            g.bench_function("query", |b| b.iter(|| join2_query(pg)));
            g.bench_function("postgres", |b| b.iter(|| join2_postgres(pg, stmt)));
            g.finish();
        }
    }
    c.final_summary();
    let mut rows = vec![
        Ratio {
            group: "rel_join2",
            numerator: "query",
            denominator: "rusqlite",
            target: "<= 1.05x",
        },
        Ratio {
            group: "rel_build3",
            numerator: "three_hops",
            denominator: "one_table",
            target: "(reported)",
        },
    ];
    if pg.is_some() {
        rows.push(Ratio {
            group: "pg_rel_join2",
            numerator: "query",
            denominator: "postgres",
            target: "<= 1.05x",
        });
    }
    common::print_ratios(&rows, since);

    println!("\npaired ratios (interleaved rounds, median of per-round ratios):");
    let mut runs: Vec<(&str, &str, &str, &str, Side<'_>, Side<'_>)> = vec![
        (
            "rel_join2",
            "query",
            "rusqlite",
            "<= 1.05x",
            Box::new(timed(|| join2_query(&db))),
            Box::new(timed(|| join2_rusqlite(&db))),
        ),
        (
            "rel_build3",
            "three_hops",
            "one_table",
            "(reported)",
            Box::new(timed(build_three_hops)),
            Box::new(timed(build_one_table)),
        ),
    ];
    if let Some((_, pg, stmt)) = &pg {
        runs.push((
            "pg_rel_join2",
            "query",
            "postgres",
            "<= 1.05x",
            Box::new(timed(|| join2_query(pg))),
            Box::new(timed(|| join2_postgres(pg, stmt))),
        ));
    }
    for (group, n, d, target, a, b) in runs {
        if paired_wanted(group) {
            let p = Paired::run(vec![(n, a), (d, b)], common::PAIRED_BUDGET);
            p.print(group, &[(n, d, target)]);
        }
    }
}

fn join2_query_sql() -> (String, Vec<Value>) {
    Track::objects()
        .filter(track::album.artist().name().eq(NEEDLE))
        .to_sql()
}
