//! Relations (issue 10): a filter across two foreign keys
//! (`track::album.artist().name().eq(..)`, two INNER JOINs) against the same
//! JOIN written by hand with manual row mapping, on SQLite (rusqlite) and,
//! when `QUERY_TEST_POSTGRES` is set, PostgreSQL (the `postgres` crate), on
//! the same connection; and the time to build a three-hop path query to SQL
//! against the same filter on one table; `select_related` of two levels
//! against the same JOIN mapped by hand into nested structs; and
//! `prefetch_related` of 1,000 albums' tracks against the two queries written
//! by hand (the keys as one parameter) and grouped.

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
    #[field(reverse = "album")]
    pub tracks: Related<Track>,
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
            tracks: Related::default(),
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

const SELECT_RELATED_SQL: &str = "SELECT t.id, t.name, t.milliseconds, t.album_id, \
     a.id, a.title, a.artist_id, r.id, r.name FROM track t \
     JOIN album a ON a.id = t.album_id JOIN artist r ON r.id = a.artist_id WHERE r.name = $1";

/// A track with its album and the album's artist, mapped by hand.
#[derive(Debug, PartialEq)]
struct PlainTrackDeep {
    track: PlainTrack,
    album: (i64, String, i64),
    artist: (i64, String),
}

fn deep(t: Track) -> PlainTrackDeep {
    let album = t.album.get().expect("selected").clone();
    let artist = album.artist.get().expect("selected").clone();
    PlainTrackDeep {
        album: (album.id, album.title.clone(), album.artist.id()),
        artist: (artist.id, artist.name.clone()),
        track: t.into(),
    }
}

fn select2_query(db: &Db) -> Vec<Track> {
    Track::objects()
        .filter(track::album.artist().name().eq(black_box(NEEDLE)))
        .select_related(track::album.artist())
        .all(db)
        .unwrap()
}

fn select2_rusqlite(db: &Db) -> Vec<PlainTrackDeep> {
    let mut stmt = db.connection().prepare_cached(SELECT_RELATED_SQL).unwrap();
    stmt.query_map([black_box(NEEDLE)], |row| {
        Ok(PlainTrackDeep {
            track: PlainTrack {
                id: row.get(0)?,
                name: row.get(1)?,
                milliseconds: row.get(2)?,
                album_id: row.get(3)?,
            },
            album: (row.get(4)?, row.get(5)?, row.get(6)?),
            artist: (row.get(7)?, row.get(8)?),
        })
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

fn select2_postgres(db: &Db, stmt: &postgres::Statement) -> Vec<PlainTrackDeep> {
    let mut client = db.postgres_client().unwrap();
    client
        .query(stmt, &[&black_box(NEEDLE)])
        .unwrap()
        .iter()
        .map(|row| PlainTrackDeep {
            track: PlainTrack {
                id: row.get(0),
                name: row.get(1),
                milliseconds: row.get(2),
                album_id: row.get(3),
            },
            album: (row.get(4), row.get(5), row.get(6)),
            artist: (row.get(7), row.get(8)),
        })
        .collect()
}

fn prefetch_query(db: &Db) -> Vec<Album> {
    Album::objects()
        .prefetch_related(album::tracks)
        .all(db)
        .unwrap()
}

/// The albums, then their tracks in one query (the keys as one JSON
/// parameter), grouped by album.
fn prefetch_rusqlite(db: &Db) -> Vec<(i64, Vec<PlainTrack>)> {
    let conn = db.connection();
    let mut albums = conn
        .prepare_cached("SELECT id, title, artist_id FROM album")
        .unwrap();
    let ids: Vec<i64> = albums
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let json = format!(
        "[{}]",
        ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
    );
    let mut tracks = conn
        .prepare_cached(
            "SELECT id, name, milliseconds, album_id FROM track \
             WHERE album_id IN (SELECT value FROM json_each(?1))",
        )
        .unwrap();
    let mut by_album: std::collections::HashMap<i64, Vec<PlainTrack>> =
        std::collections::HashMap::with_capacity(ids.len());
    let rows = tracks
        .query_map([json], |row| {
            Ok(PlainTrack {
                id: row.get(0)?,
                name: row.get(1)?,
                milliseconds: row.get(2)?,
                album_id: row.get(3)?,
            })
        })
        .unwrap();
    for t in rows {
        let t = t.unwrap();
        by_album.entry(t.album_id).or_default().push(t);
    }
    ids.into_iter()
        .map(|id| (id, by_album.remove(&id).unwrap_or_default()))
        .collect()
}

fn prefetch_postgres(
    db: &Db,
    stmts: &(postgres::Statement, postgres::Statement),
) -> Vec<(i64, Vec<PlainTrack>)> {
    let mut client = db.postgres_client().unwrap();
    let ids: Vec<i64> = client
        .query(&stmts.0, &[])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    let mut by_album: std::collections::HashMap<i64, Vec<PlainTrack>> =
        std::collections::HashMap::with_capacity(ids.len());
    for row in client.query(&stmts.1, &[&ids]).unwrap() {
        let t = PlainTrack {
            id: row.get(0),
            name: row.get(1),
            milliseconds: row.get(2),
            album_id: row.get(3),
        };
        by_album.entry(t.album_id).or_default().push(t);
    }
    ids.into_iter()
        .map(|id| (id, by_album.remove(&id).unwrap_or_default()))
        .collect()
}

/// Both prefetch sides give every album its tracks.
fn check_prefetch(ours: Vec<Album>, theirs: Vec<(i64, Vec<PlainTrack>)>) {
    let norm = |mut v: Vec<(i64, Vec<PlainTrack>)>| {
        v.sort_by_key(|(id, _)| *id);
        for (_, t) in &mut v {
            t.sort_by_key(|t| t.id);
        }
        v
    };
    let ours: Vec<(i64, Vec<PlainTrack>)> = ours
        .into_iter()
        .map(|a| {
            let tracks = a.tracks.get().expect("prefetched").to_vec();
            (a.id, tracks.into_iter().map(Into::into).collect())
        })
        .collect();
    assert_eq!(ours.len(), (ARTISTS * ALBUMS_PER_ARTIST) as usize);
    assert_eq!(norm(ours), norm(theirs));
}

fn check_deep(ours: Vec<Track>, mut theirs: Vec<PlainTrackDeep>) {
    let mut ours: Vec<PlainTrackDeep> = ours.into_iter().map(deep).collect();
    ours.sort_by_key(|t| t.track.id);
    theirs.sort_by_key(|t| t.track.id);
    assert_eq!(ours.len(), (ALBUMS_PER_ARTIST * TRACKS_PER_ALBUM) as usize);
    assert_eq!(ours, theirs);
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
    check_deep(select2_query(&db), select2_rusqlite(&db));
    check_prefetch(prefetch_query(&db), prefetch_rusqlite(&db));
    let pg = common::postgres_url("relations").map(|url| {
        let schema = common::PgSchema::create(&url, "relations");
        let pg = Db::connect(&schema.url).expect("connect to the bench schema");
        load(&pg);
        pg.execute_batch("VACUUM ANALYZE artist, album, track")
            .unwrap();
        let stmt = pg.postgres_client().unwrap().prepare(JOIN_SQL).unwrap();
        let deep_stmt = pg
            .postgres_client()
            .unwrap()
            .prepare(SELECT_RELATED_SQL)
            .unwrap();
        let prefetch_stmts = {
            let mut client = pg.postgres_client().unwrap();
            (
                client.prepare("SELECT id, title, artist_id FROM album").unwrap(),
                client
                    .prepare("SELECT id, name, milliseconds, album_id FROM track WHERE album_id = ANY($1)")
                    .unwrap(),
            )
        };
        check_same(join2_query(&pg), join2_postgres(&pg, &stmt));
        check_deep(select2_query(&pg), select2_postgres(&pg, &deep_stmt));
        check_prefetch(prefetch_query(&pg), prefetch_postgres(&pg, &prefetch_stmts));
        (schema, pg, stmt, deep_stmt, prefetch_stmts)
    });

    let since = SystemTime::now();
    let mut c: Criterion = common::criterion();
    {
        let mut g = c.benchmark_group("rel_join2");
        g.bench_function("query", |b| b.iter(|| join2_query(&db)));
        g.bench_function("rusqlite", |b| b.iter(|| join2_rusqlite(&db)));
        g.finish();
        let mut g = c.benchmark_group("rel_select2");
        g.bench_function("query", |b| b.iter(|| select2_query(&db)));
        g.bench_function("rusqlite", |b| b.iter(|| select2_rusqlite(&db)));
        g.finish();
        let mut g = c.benchmark_group("rel_prefetch");
        g.bench_function("query", |b| b.iter(|| prefetch_query(&db)));
        g.bench_function("rusqlite", |b| b.iter(|| prefetch_rusqlite(&db)));
        g.finish();
        let mut g = c.benchmark_group("rel_build3");
        g.bench_function("three_hops", |b| b.iter(build_three_hops));
        g.bench_function("one_table", |b| b.iter(build_one_table));
        g.finish();
        if let Some((_, pg, stmt, deep_stmt, prefetch_stmts)) = &pg {
            let mut g = c.benchmark_group("pg_rel_join2");
            g.bench_function("query", |b| b.iter(|| join2_query(pg)));
            g.bench_function("postgres", |b| b.iter(|| join2_postgres(pg, stmt)));
            g.finish();
            let mut g = c.benchmark_group("pg_rel_select2");
            g.bench_function("query", |b| b.iter(|| select2_query(pg)));
            g.bench_function("postgres", |b| b.iter(|| select2_postgres(pg, deep_stmt)));
            g.finish();
            let mut g = c.benchmark_group("pg_rel_prefetch");
            g.bench_function("query", |b| b.iter(|| prefetch_query(pg)));
            g.bench_function("postgres", |b| {
                b.iter(|| prefetch_postgres(pg, prefetch_stmts))
            });
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
            group: "rel_select2",
            numerator: "query",
            denominator: "rusqlite",
            target: "<= 1.05x",
        },
        Ratio {
            group: "rel_prefetch",
            numerator: "query",
            denominator: "rusqlite",
            target: "<= 1.10x",
        },
        Ratio {
            group: "rel_build3",
            numerator: "three_hops",
            denominator: "one_table",
            target: "(reported)",
        },
    ];
    if pg.is_some() {
        for (group, target) in [
            ("pg_rel_join2", "<= 1.05x"),
            ("pg_rel_select2", "<= 1.05x"),
            ("pg_rel_prefetch", "<= 1.10x"),
        ] {
            rows.push(Ratio {
                group,
                numerator: "query",
                denominator: "postgres",
                target,
            });
        }
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
            "rel_select2",
            "query",
            "rusqlite",
            "<= 1.05x",
            Box::new(timed(|| select2_query(&db))),
            Box::new(timed(|| select2_rusqlite(&db))),
        ),
        (
            "rel_prefetch",
            "query",
            "rusqlite",
            "<= 1.10x",
            Box::new(timed(|| prefetch_query(&db))),
            Box::new(timed(|| prefetch_rusqlite(&db))),
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
    if let Some((_, pg, stmt, deep_stmt, prefetch_stmts)) = &pg {
        runs.push((
            "pg_rel_join2",
            "query",
            "postgres",
            "<= 1.05x",
            Box::new(timed(|| join2_query(pg))),
            Box::new(timed(|| join2_postgres(pg, stmt))),
        ));
        runs.push((
            "pg_rel_select2",
            "query",
            "postgres",
            "<= 1.05x",
            Box::new(timed(|| select2_query(pg))),
            Box::new(timed(|| select2_postgres(pg, deep_stmt))),
        ));
        runs.push((
            "pg_rel_prefetch",
            "query",
            "postgres",
            "<= 1.10x",
            Box::new(timed(|| prefetch_query(pg))),
            Box::new(timed(|| prefetch_postgres(pg, prefetch_stmts))),
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
