//! Django's shortcuts on a query set: `get_or_create`, `update_or_create`,
//! `in_bulk`, `explain`, `raw` and `none`, on every backend, plus races of
//! eight connections on `get_or_create` and `update_or_create` (a SQLite
//! file, and PostgreSQL).

mod common;

use std::collections::HashMap;
use std::sync::Barrier;

use common::*;
use query::ConstraintKind;
use query::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Genre {
    pub id: i64,
    #[field(max_length = 50, unique)]
    pub name: String,
    pub plays: i64,
}

/// No unique column: `title` may repeat.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Song {
    pub id: i64,
    #[field(max_length = 50)]
    pub title: String,
    pub bytes: i64,
}

/// A nullable foreign key, for a condition that joins `LEFT OUTER`.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Record {
    pub id: i64,
    #[field(max_length = 50)]
    pub title: String,
    #[field(on_delete = SetNull)]
    pub genre: Option<ForeignKey<Genre>>,
}

fn new_genre(name: &str, plays: i64) -> Genre {
    Genre {
        id: 0,
        name: name.to_string(),
        plays,
    }
}

fn new_song(title: &str, bytes: i64) -> Song {
    Song {
        id: 0,
        title: title.to_string(),
        bytes,
    }
}

fn with_tables(test: impl Fn(&Db) -> Result<()>) -> Result<()> {
    each_empty_db(|db| {
        db.create_table::<Genre>()?;
        db.create_table::<Song>()?;
        test(db)
    })
}

fn seed_songs(db: &Db, rows: &[(&str, i64)]) -> Result<Vec<Song>> {
    rows.iter()
        .map(|&(t, b)| Song::objects().create(db, new_song(t, b)))
        .collect()
}

// ---------------------------------------------------------------------------
// get_or_create

#[test]
fn get_or_create_creates_once_then_gets() -> Result<()> {
    with_tables(|db| {
        let (made, created) =
            Genre::objects()
                .get_or_create(db, genre::name.eq("Shoegaze"), || new_genre("Shoegaze", 3))?;
        assert!(created);
        assert!(made.id > 0);
        assert_eq!(raw_count(db, "genre"), 1);
        let (found, created) =
            Genre::objects().get_or_create(db, genre::name.eq("Shoegaze"), || {
                panic!("defaults() must not be called when the row exists")
            })?;
        assert!(!created);
        assert_eq!(found, made);
        assert_eq!(raw_count(db, "genre"), 1);
        Ok(())
    })
}

#[test]
fn get_or_create_honours_the_query_sets_filter() -> Result<()> {
    with_tables(|db| {
        Genre::objects().create(db, new_genre("Jazz", 1))?;
        // The query set's filter drops the row: it is not found, and the
        // INSERT of a second "Jazz" breaks the unique constraint, after
        // which the row still isn't found: the integrity error is returned.
        let err = Genre::objects()
            .filter(genre::plays.gt(5))
            .get_or_create(db, genre::name.eq("Jazz"), || new_genre("Jazz", 9))
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Integrity {
                    kind: ConstraintKind::Unique,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(raw_count(db, "genre"), 1);
        // And the failed INSERT left no transaction open: writes go on.
        let (_, created) = Genre::objects().filter(genre::plays.gt(5)).get_or_create(
            db,
            genre::name.eq("Blues"),
            || new_genre("Blues", 9),
        )?;
        assert!(created);
        assert_eq!(raw_count(db, "genre"), 2);
        Ok(())
    })
}

#[test]
fn get_or_create_returns_the_row_a_concurrent_writer_inserted() -> Result<()> {
    with_tables(|db| {
        // `defaults` runs between the `get` that found nothing and the
        // INSERT: a row inserted there is the race's winner.
        let (row, created) = Genre::objects().get_or_create(db, genre::name.eq("Dub"), || {
            Genre::objects()
                .create(db, new_genre("Dub", 42))
                .expect("the other writer's insert");
            new_genre("Dub", 1)
        })?;
        assert!(!created);
        assert_eq!(row.plays, 42, "the winner's row, read again");
        assert_eq!(raw_count(db, "genre"), 1);
        Ok(())
    })
}

#[test]
fn get_or_create_inside_a_transaction_recovers_with_a_savepoint() -> Result<()> {
    with_tables(|db| {
        let (row, created) = db.atomic(|db| {
            let out = Genre::objects().get_or_create(db, genre::name.eq("Dub"), || {
                Genre::objects()
                    .create(db, new_genre("Dub", 42))
                    .expect("the other writer's insert");
                new_genre("Dub", 1)
            })?;
            // On PostgreSQL the failed INSERT would have aborted the whole
            // transaction without its own savepoint.
            Genre::objects().create(db, new_genre("Ska", 0))?;
            Ok(out)
        })?;
        assert_eq!((row.plays, created), (42, false));
        assert_eq!(raw_count(db, "genre"), 2);
        Ok(())
    })
}

#[test]
fn get_or_create_propagates_multiple_objects_and_validation_errors() -> Result<()> {
    with_tables(|db| {
        seed_songs(db, &[("Twice", 1), ("Twice", 2)])?;
        let err = Song::objects()
            .get_or_create(db, song::title.eq("Twice"), || new_song("Twice", 3))
            .unwrap_err();
        assert!(
            matches!(err, Error::MultipleObjectsReturned { count: 2, .. }),
            "{err:?}"
        );
        let err = Song::objects()
            .get_or_create(db, song::title.eq("x".repeat(51)), || {
                new_song(&"x".repeat(51), 3)
            })
            .unwrap_err();
        assert!(matches!(err, Error::Validation(_)), "{err:?}");
        assert_eq!(raw_count(db, "song"), 2);
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// update_or_create

#[test]
fn update_or_create_creates_then_updates_and_rereads() -> Result<()> {
    with_tables(|db| {
        let (made, created) = Genre::objects().update_or_create(
            db,
            genre::name.eq("Shoegaze"),
            (genre::plays.set(10),),
            || new_genre("Shoegaze", 1),
        )?;
        assert!(created);
        assert_eq!(made.plays, 1, "created from defaults(), not updated");
        let (row, created) = Genre::objects().update_or_create(
            db,
            genre::name.eq("Shoegaze"),
            (genre::name.set("Dream pop"), genre::plays.set(10)),
            || panic!("defaults() must not be called when the row exists"),
        )?;
        assert!(!created);
        // Re-read by key, though the condition no longer matches it.
        assert_eq!(
            row,
            Genre {
                id: made.id,
                name: "Dream pop".into(),
                plays: 10
            }
        );
        let stored = Genre::objects().filter(genre::id.eq(made.id)).get(db)?;
        assert_eq!(stored, row);
        assert_eq!(raw_count(db, "genre"), 1);
        Ok(())
    })
}

#[test]
fn update_or_create_writes_nothing_when_several_rows_match() -> Result<()> {
    with_tables(|db| {
        seed_songs(db, &[("Twice", 1), ("Twice", 2)])?;
        let err = Song::objects()
            .update_or_create(db, song::title.eq("Twice"), song::bytes.set(9), || {
                new_song("Twice", 3)
            })
            .unwrap_err();
        assert!(
            matches!(err, Error::MultipleObjectsReturned { .. }),
            "{err:?}"
        );
        assert_eq!(Song::objects().filter(song::bytes.eq(9)).count(db)?, 0);
        assert_eq!(raw_count(db, "song"), 2);
        Ok(())
    })
}

#[test]
fn update_or_create_updates_the_row_a_concurrent_writer_inserted() -> Result<()> {
    with_tables(|db| {
        let (row, created) = Genre::objects().update_or_create(
            db,
            genre::name.eq("Dub"),
            genre::plays.set(7),
            || {
                Genre::objects()
                    .create(db, new_genre("Dub", 42))
                    .expect("the other writer's insert");
                new_genre("Dub", 1)
            },
        )?;
        assert!(!created);
        assert_eq!(row.plays, 7, "the winner's row, updated");
        assert_eq!(raw_count(db, "genre"), 1);
        Ok(())
    })
}

/// PostgreSQL: the row `update_or_create` finds is locked from the read on
/// (`SELECT ... FOR UPDATE`), not only from its UPDATE: with no
/// assignments there is no UPDATE, and another connection still can't lock
/// the row until the transaction ends.
#[test]
fn update_or_create_locks_the_row_it_reads_on_postgres() -> Result<()> {
    let Some(db) = postgres_db() else {
        return Ok(());
    };
    db.create_table::<Genre>()?;
    let row = Genre::objects().create(&db, new_genre("Dub", 1))?;
    let schema = match &db.query("SELECT current_schema()", &[])?[0][0] {
        Value::Text(s) => s.clone(),
        other => panic!("current_schema gave {other:?}"),
    };
    let other = Db::connect(&with_search_path(&postgres_url().expect("set"), &schema))?;
    let lock = r#"SELECT id FROM genre WHERE id = $1 FOR UPDATE NOWAIT"#;
    db.atomic(|db| {
        let (found, created) = Genre::objects().update_or_create(
            db,
            genre::name.eq("Dub"),
            Vec::<query::Assignment<Genre>>::new(),
            || panic!("the row exists"),
        )?;
        assert_eq!((found.id, created), (row.id, false));
        let err = other.query(lock, &[Value::Integer(row.id)]).unwrap_err();
        assert!(err.to_string().contains("lock"), "{err}");
        Ok(())
    })?;
    // Once committed, the lock is gone.
    assert_eq!(other.query(lock, &[Value::Integer(row.id)])?.len(), 1);
    Ok(())
}

#[test]
fn update_or_create_through_an_outer_join_locks_the_models_rows_only() -> Result<()> {
    with_tables(|db| {
        db.create_table::<Record>()?;
        let jazz = Genre::objects().create(db, new_genre("Jazz", 1))?;
        let record = Record::objects().create(
            db,
            Record {
                id: 0,
                title: "Kind of Blue".into(),
                genre: Some(ForeignKey::from(&jazz)),
            },
        )?;
        // `|` across a nullable key joins LEFT OUTER: PostgreSQL refuses a
        // plain FOR UPDATE there (the nullable side of an outer join).
        let (row, created) = Record::objects()
            .filter(record::genre.isnull(true) | record::genre.name().eq("Jazz"))
            .update_or_create(
                db,
                record::title.eq("Kind of Blue"),
                record::title.set("Kind of Blue (remaster)"),
                || panic!("the row exists"),
            )?;
        assert!(!created);
        assert_eq!(
            (row.id, row.title.as_str()),
            (record.id, "Kind of Blue (remaster)")
        );
        Ok(())
    })
}

#[test]
fn update_or_create_on_a_distinct_query_set() -> Result<()> {
    with_tables(|db| {
        Genre::objects().create(db, new_genre("Jazz", 1))?;
        // PostgreSQL locks no DISTINCT result: the row is locked by key.
        let (row, created) = Genre::objects().distinct().update_or_create(
            db,
            genre::name.eq("Jazz"),
            genre::plays.set(5),
            || panic!("the row exists"),
        )?;
        assert_eq!((row.plays, created), (5, false));
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// Races: eight connections at once

/// A database that each thread opens a connection of its own to.
enum Shared {
    Sqlite(TempPath),
    /// The URL, with the test schema's search path; the schema lives as
    /// long as `_schema`.
    Postgres {
        url: String,
        _schema: Box<TestDb>,
    },
}

impl Shared {
    fn all(tag: &str) -> Vec<Shared> {
        let mut out = vec![Shared::Sqlite(TempPath::new(tag))];
        if let Some(db) = postgres_db() {
            let schema = match &db.query("SELECT current_schema()", &[]).expect("schema")[0][0] {
                Value::Text(s) => s.clone(),
                other => panic!("current_schema gave {other:?}"),
            };
            let url = with_search_path(&postgres_url().expect("configured"), &schema);
            out.push(Shared::Postgres {
                url,
                _schema: Box::new(db),
            });
        }
        out
    }

    fn open(&self) -> Result<Db> {
        match self {
            Shared::Sqlite(path) => Db::open(path.path()),
            Shared::Postgres { url, .. } => Db::connect(url),
        }
    }
}

const THREADS: usize = 8;
const ROUNDS: usize = 5;

/// `THREADS` threads, each with a connection of its own, released at once
/// by a barrier to run `race(db, thread, round)`, `ROUNDS` times; returns
/// each round's results in thread order.
fn race<T: Send>(
    shared: &Shared,
    race: impl Fn(&Db, usize, usize) -> Result<T> + Sync,
) -> Result<Vec<Vec<T>>> {
    let mut dbs: Vec<Db> = (0..THREADS).map(|_| shared.open()).collect::<Result<_>>()?;
    let mut rounds = Vec::new();
    for round in 0..ROUNDS {
        let barrier = Barrier::new(THREADS);
        let results = std::thread::scope(|s| {
            // A `Db` moves between threads but isn't shared: each thread
            // borrows its own mutably.
            let handles: Vec<_> = dbs
                .iter_mut()
                .enumerate()
                .map(|(t, db)| {
                    let (barrier, race) = (&barrier, &race);
                    s.spawn(move || {
                        barrier.wait();
                        race(&*db, t, round)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("racing thread"))
                .collect::<Result<Vec<T>>>()
        })?;
        rounds.push(results);
    }
    Ok(rounds)
}

fn racing_get_or_create_makes_one_row(shared: &Shared) -> Result<()> {
    shared.open()?.create_table::<Genre>()?;
    let rounds = race(shared, |db, t, round| {
        let name = format!("genre {round}");
        Genre::objects().get_or_create(db, genre::name.eq(name.as_str()), || {
            new_genre(&name, t as i64)
        })
    })?;
    let db = shared.open()?;
    for (round, results) in rounds.iter().enumerate() {
        let rows = Genre::objects()
            .filter(genre::name.eq(format!("genre {round}")))
            .all(&db)?;
        assert_eq!(rows.len(), 1, "round {round}: one row in the end");
        let created: Vec<usize> = (0..THREADS).filter(|&t| results[t].1).collect();
        assert_eq!(
            created.len(),
            1,
            "round {round}: one creator, got {created:?}"
        );
        for (t, (row, _)) in results.iter().enumerate() {
            assert_eq!(row, &rows[0], "round {round}: thread {t} got the row");
        }
        assert_eq!(rows[0].plays, created[0] as i64, "the creator's defaults");
    }
    assert_eq!(raw_count(&db, "genre"), ROUNDS as i64);
    Ok(())
}

#[test]
fn eight_connections_racing_get_or_create_get_one_row() -> Result<()> {
    for shared in Shared::all("get_or_create") {
        racing_get_or_create_makes_one_row(&shared)?;
    }
    Ok(())
}

fn racing_update_or_create_makes_one_row(shared: &Shared) -> Result<()> {
    shared.open()?.create_table::<Genre>()?;
    let rounds = race(shared, |db, t, round| {
        let name = format!("genre {round}");
        Genre::objects().update_or_create(
            db,
            genre::name.eq(name.as_str()),
            genre::plays.set(t as i64),
            || new_genre(&name, t as i64),
        )
    })?;
    let db = shared.open()?;
    for (round, results) in rounds.iter().enumerate() {
        let rows = Genre::objects()
            .filter(genre::name.eq(format!("genre {round}")))
            .all(&db)?;
        assert_eq!(rows.len(), 1, "round {round}: one row in the end");
        let created = results.iter().filter(|(_, c)| *c).count();
        assert_eq!(created, 1, "round {round}: one creator");
        for (t, (row, _)) in results.iter().enumerate() {
            assert_eq!(row.id, rows[0].id, "round {round}: thread {t}'s row");
            // Read back inside its own transaction: its own write.
            assert_eq!(row.plays, t as i64, "round {round}: thread {t}'s update");
        }
    }
    Ok(())
}

#[test]
fn eight_connections_racing_update_or_create_get_one_row() -> Result<()> {
    for shared in Shared::all("update_or_create") {
        racing_update_or_create_makes_one_row(&shared)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// in_bulk

#[test]
fn in_bulk_maps_keys_to_rows_in_one_statement() -> Result<()> {
    with_tables(|db| {
        let songs = seed_songs(db, &[("a", 1), ("b", 2), ("c", 30)])?;
        let before = db.queries_run();
        let by_key: HashMap<i64, Song> =
            Song::objects().in_bulk(db, [songs[0].id, songs[2].id, 999, songs[0].id])?;
        assert_eq!(db.queries_run(), before + 1);
        assert_eq!(by_key.len(), 2);
        assert_eq!(by_key[&songs[0].id], songs[0]);
        assert_eq!(by_key[&songs[2].id], songs[2]);
        // The query set's filter applies.
        let small = Song::objects()
            .filter(song::bytes.lt(10))
            .in_bulk(db, songs.iter().map(|s| s.id))?;
        let mut keys: Vec<i64> = small.keys().copied().collect();
        keys.sort();
        assert_eq!(keys, [songs[0].id, songs[1].id]);
        // No keys: no statement.
        let before = db.queries_run();
        assert!(Song::objects().in_bulk(db, [])?.is_empty());
        assert_eq!(db.queries_run(), before);
        Ok(())
    })
}

#[test]
fn in_bulk_takes_long_lists_and_text_keys() -> Result<()> {
    each_empty_db(|db| {
        db.create_table::<Song>()?;
        db.create_table::<IsoCountry>()?;
        let songs: Vec<Song> =
            Song::objects().bulk_create(db, (0..300).map(|i| new_song("s", i)).collect())?;
        // A list longer than any short-list form: bound as one value.
        let by_key = Song::objects().in_bulk(db, songs.iter().map(|s| s.id).step_by(2))?;
        assert_eq!(by_key.len(), 150);
        assert!(by_key.values().all(|s| s.bytes % 2 == 0));
        IsoCountry::objects().create(db, new_country("TW", "Taiwan", 23))?;
        IsoCountry::objects().create(db, new_country("FR", "France", 68))?;
        let countries: HashMap<String, IsoCountry> =
            IsoCountry::objects().in_bulk(db, ["TW".to_string(), "XX".to_string()])?;
        assert_eq!(countries.len(), 1);
        assert_eq!(countries["TW"].name, "Taiwan");
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// explain

#[test]
fn explain_gives_the_databases_plan() -> Result<()> {
    with_tables(|db| {
        seed_songs(db, &[("a", 1)])?;
        let plan = Song::objects()
            .filter(song::bytes.gt(0))
            .order_by(-song::bytes)
            .explain(db)?;
        assert!(plan.contains("song"), "{plan}");
        match db.backend() {
            // `2 0 0 SCAN song`, as Django prints it.
            Backend::Sqlite => {
                assert!(
                    plan.lines()
                        .all(|l| l.split(' ').take(3).all(|n| n.parse::<i64>().is_ok())),
                    "{plan}"
                );
                assert!(plan.contains("SCAN"), "{plan}");
            }
            _ => assert!(plan.contains("Scan on song"), "{plan}"),
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// raw

#[test]
fn raw_maps_columns_by_name_and_binds_values() -> Result<()> {
    with_tables(|db| {
        let songs = seed_songs(db, &[("a", 1), ("it's", 20), ("c", 30)])?;
        // Columns out of order, an extra one, the backend's placeholders,
        // a comment at the end.
        let sql = match db.backend() {
            Backend::Sqlite => {
                "SELECT bytes, 'extra' AS extra, title, id FROM song WHERE bytes > ? AND title <> ? ORDER BY bytes DESC -- newest first"
            }
            _ => {
                "SELECT bytes, 'extra' AS extra, title, id FROM song WHERE bytes > $1 AND title <> $2 ORDER BY bytes DESC -- newest first"
            }
        };
        let rows = Song::objects().raw(db, sql, &[Value::Integer(5), Value::Text("x".into())])?;
        assert_eq!(rows, [songs[2].clone(), songs[1].clone()]);
        // A final semicolon.
        let rows = Song::objects().raw(db, "SELECT * FROM song ORDER BY id;  \n", &[])?;
        assert_eq!(rows, songs);
        // A value is bound, never pasted: a quote in it is just text.
        let rows = Song::objects().raw(
            db,
            "SELECT * FROM song WHERE title = $1",
            &[Value::Text("it's".into())],
        )?;
        assert_eq!(rows, [songs[1].clone()]);
        let rows = Song::objects().raw(
            db,
            "SELECT * FROM song WHERE title = $1",
            &[Value::Text("x' OR '1' = '1".into())],
        )?;
        assert!(rows.is_empty());
        Ok(())
    })
}

#[test]
fn raw_without_a_column_of_the_model_is_an_error_naming_it() -> Result<()> {
    with_tables(|db| {
        seed_songs(db, &[("a", 1)])?;
        let err = Song::objects()
            .raw(db, "SELECT id, title FROM song", &[])
            .unwrap_err();
        assert!(matches!(err, Error::Database { .. }), "{err:?}");
        assert!(err.to_string().contains("bytes"), "{err}");
        // Not a SELECT at all: an error too, not a panic.
        let err = Song::objects()
            .raw(db, "DELETE FROM song", &[])
            .unwrap_err();
        assert!(matches!(err, Error::Database { .. }), "{err:?}");
        assert_eq!(raw_count(db, "song"), 1);
        Ok(())
    })
}

#[test]
fn raw_refuses_a_refined_query_set() -> Result<()> {
    with_tables(|db| {
        let sql = "SELECT * FROM song";
        for qs in [
            Song::objects().filter(song::bytes.gt(1)),
            Song::objects().order_by(song::title),
            Song::objects().limit(1),
            Song::objects().none(),
        ] {
            let before = db.queries_run();
            let err = qs.raw(db, sql, &[]).unwrap_err();
            assert!(matches!(err, Error::NotSupported(_)), "{err:?}");
            assert!(err.to_string().contains("Song::objects()"), "{err}");
            assert_eq!(db.queries_run(), before);
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// none

#[test]
fn none_matches_nothing_and_runs_no_statement() -> Result<()> {
    with_tables(|db| {
        let songs = seed_songs(db, &[("a", 1), ("b", 2)])?;
        let variants = [
            Song::objects().none(),
            Song::objects().none().filter(song::bytes.gt(0)),
            Song::objects().filter(song::bytes.gt(0)).none(),
            Song::objects()
                .none()
                .order_by(-song::bytes)
                .limit(1)
                .offset(1),
            Song::objects().none().distinct(),
        ];
        for qs in &variants {
            let before = db.queries_run();
            assert!(qs.all(db)?.is_empty());
            assert_eq!(qs.count(db)?, 0);
            assert!(!qs.exists(db)?);
            assert_eq!(qs.first(db)?, None);
            assert_eq!(qs.last(db)?, None);
            assert!(matches!(
                qs.get(db),
                Err(Error::DoesNotExist { model: "Song" })
            ));
            assert!(qs.in_bulk(db, songs.iter().map(|s| s.id))?.is_empty());
            assert_eq!(qs.update(db, song::bytes.set(0))?, 0);
            assert_eq!(qs.delete(db)?, 0);
            assert_eq!(db.queries_run(), before, "{qs:?} ran a statement");
        }
        // Nothing was changed, and the same query set without none() does
        // see the rows.
        assert_eq!(Song::objects().filter(song::bytes.gt(0)).count(db)?, 2);
        assert_eq!(Song::objects().all(db)?, songs);
        Ok(())
    })
}

#[test]
fn none_writes_a_where_that_matches_nothing() -> Result<()> {
    with_tables(|db| {
        seed_songs(db, &[("a", 1)])?;
        let qs = Song::objects().none().filter(song::bytes.gt(0));
        let (sql, params) = qs.to_sql_for(db.backend());
        assert!(sql.ends_with("WHERE 0 = 1"), "{sql}");
        // Run by hand, the SQL it shows selects nothing.
        assert!(db.query(&sql, &params)?.is_empty());
        Ok(())
    })
}
