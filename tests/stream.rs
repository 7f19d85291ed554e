//! `iterator()` (rows streamed from a SQLite statement or a PostgreSQL
//! server-side cursor) and `union` / `intersection` / `difference`, on
//! both backends.

mod common;

use common::*;
use query::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Band {
    pub id: i64,
    #[field(max_length = 40)]
    pub name: String,
    #[field(reverse = "band")]
    pub songs: Related<Song>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Song {
    pub id: i64,
    #[field(max_length = 40)]
    pub title: String,
    pub plays: i64,
    #[field(on_delete = SetNull)]
    pub band: Option<ForeignKey<Band>>,
}

/// A column too small for what the table may hold (for decoding errors).
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Tiny {
    pub id: i64,
    pub small: i8,
}

fn tables(db: &Db) -> Result<()> {
    db.create_table::<Band>()?;
    db.create_table::<Song>()?;
    Ok(())
}

fn song(i: i64) -> Song {
    Song {
        id: 0,
        title: format!("song {i:05}"),
        // Not in key order, with ties.
        plays: (i * 7919) % 1000,
        band: None,
    }
}

/// `n` songs, saved.
fn seed(db: &Db, n: i64) -> Result<Vec<Song>> {
    Song::objects().bulk_create(db, (1..=n).map(song).collect())
}

/// Collects an iterator's rows, failing on the first error.
fn collect(it: query::RowIter<'_, Song>) -> Result<Vec<Song>> {
    it.collect()
}

fn statements<T>(db: &Db, f: impl FnOnce() -> Result<T>) -> Result<(T, u64)> {
    let before = db.queries_run();
    let out = f()?;
    Ok((out, db.queries_run() - before))
}

/// The open server-side cursors of this session (PostgreSQL).
fn open_cursors(db: &Db) -> Result<usize> {
    Ok(db
        .query(
            "SELECT name FROM pg_cursors WHERE name LIKE 'query_cursor_%'",
            &[],
        )?
        .len())
}

#[test]
fn iterator_gives_the_rows_of_all_in_the_same_order_in_chunks() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        seed(db, 5000)?;
        let qs = Song::objects().order_by((-song::plays, song::title));
        let all = qs.all(db)?;
        let (streamed, n) = statements(db, || collect(qs.iterator(db)?))?;
        assert_eq!(streamed.len(), 5000);
        assert_eq!(streamed, all, "same rows, same order");
        match db.backend() {
            // One statement, stepped.
            Backend::Sqlite => assert_eq!(n, 1),
            // DECLARE, FETCH 2000 three times (2000, 2000, 1000), CLOSE.
            _ => {
                assert_eq!(n, 5);
                assert_eq!(open_cursors(db)?, 0, "closed at the end");
            }
        }
        // Exactly two chunks: the third FETCH finds nothing.
        let two = Song::objects().order_by(song::id).limit(4000);
        let (rows, n) = statements(db, || collect(two.iterator(db)?))?;
        assert_eq!(rows.len(), 4000);
        assert_eq!(rows.last().map(|s| s.title.as_str()), Some("song 04000"));
        if db.backend() == Backend::Postgres {
            // DECLARE, FETCH (2000, 2000, then none), CLOSE.
            assert_eq!(n, 5);
        }
        Ok(())
    })
}

#[test]
fn iterator_honours_filters_slices_and_an_empty_result() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        seed(db, 300)?;
        let qs = Song::objects()
            .filter(song::plays.gte(500))
            .exclude(song::title.endswith("7"))
            .order_by((song::plays, song::id))
            .offset(10)
            .limit(25);
        let streamed = collect(qs.iterator(db)?)?;
        assert_eq!(streamed.len(), 25);
        assert_eq!(streamed, qs.all(db)?);
        assert!(
            streamed
                .iter()
                .all(|s| s.plays >= 500 && !s.title.ends_with('7'))
        );
        assert!(streamed.windows(2).all(|w| w[0].plays <= w[1].plays));
        // Nothing matches; an offset past the end.
        let mut none = Song::objects().filter(song::plays.gt(5000)).iterator(db)?;
        assert!(none.next().is_none());
        assert!(none.next().is_none(), "stays finished");
        assert_eq!(Song::objects().offset(300).iterator(db)?.count(), 0);
        // An empty table.
        Song::objects().delete(db)?;
        assert_eq!(Song::objects().iterator(db)?.count(), 0);
        if db.backend() == Backend::Postgres {
            assert_eq!(open_cursors(db)?, 0);
        }
        Ok(())
    })
}

#[test]
fn an_iterator_dropped_early_releases_its_statement_and_the_db_goes_on() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        seed(db, 2500)?;
        let mut it = Song::objects().order_by(song::id).iterator(db)?;
        let first: Vec<Song> = it.by_ref().take(3).collect::<Result<_>>()?;
        assert_eq!(first[2].title, "song 00003");
        if db.backend() == Backend::Postgres {
            assert_eq!(open_cursors(db)?, 1);
        }
        drop(it);
        if db.backend() == Backend::Postgres {
            assert_eq!(open_cursors(db)?, 0, "CLOSE on drop");
        }
        // On SQLite a statement still on a row keeps the table locked:
        // DROP TABLE would fail ("database table is locked").
        db.execute_batch("DROP TABLE song")?;
        db.create_table::<Song>()?;
        seed(db, 3)?;
        assert_eq!(Song::objects().count(db)?, 3);
        assert_eq!(Song::objects().iterator(db)?.count(), 3);
        // Dropped early inside `atomic`: the transaction commits.
        db.atomic(|db| {
            let mut it = Song::objects().iterator(db)?;
            assert!(it.next().is_some());
            drop(it);
            Song::objects().update(db, song::plays.set(1))
        })?;
        assert_eq!(Song::objects().filter(song::plays.eq(1)).count(db)?, 3);
        Ok(())
    })
}

#[test]
fn other_statements_run_while_an_iterator_is_alive() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        seed(db, 2100)?;
        let mut seen = 0;
        let mut keys = Vec::new();
        for s in Song::objects().order_by(song::id).iterator(db)? {
            let s = s?;
            seen += 1;
            keys.push(s.id);
            if seen == 1 {
                // Reads, a nested iterator, writes, a transaction.
                assert_eq!(Song::objects().count(db)?, 2100);
                let firsts = Song::objects()
                    .order_by(song::id)
                    .limit(2)
                    .iterator(db)?
                    .collect::<Result<Vec<_>>>()?;
                assert_eq!(firsts[0], s);
                Band::objects().create(
                    db,
                    Band {
                        id: 0,
                        name: "Can".into(),
                        songs: Related::default(),
                    },
                )?;
                db.atomic(|db| {
                    Song::objects()
                        .filter(song::id.eq(s.id))
                        .update(db, song::plays.set(-1))
                })?;
            }
            if seen == 2 {
                // A transaction rolled back under the iteration.
                let rolled_back = db.atomic(|db| {
                    Song::objects().update(db, song::plays.set(-2))?;
                    Err::<(), _>(Error::DoesNotExist { model: "Song" })
                });
                assert!(rolled_back.is_err());
            }
        }
        assert_eq!(seen, 2100);
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(Band::objects().count(db)?, 1);
        assert_eq!(Song::objects().filter(song::plays.eq(-1)).count(db)?, 1);
        Ok(())
    })
}

#[test]
fn an_iterator_made_inside_atomic_reads_that_transaction() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        seed(db, 5)?;
        // Rows written in the transaction are seen; fully read inside it.
        let titles = db.atomic(|db| {
            seed(db, 1)?;
            Song::objects()
                .order_by(song::id)
                .iterator(db)?
                .map(|s| s.map(|s| s.title))
                .collect::<Result<Vec<_>>>()
        })?;
        assert_eq!(titles.len(), 6);
        // Kept past the block (made on the outer `&Db`: the block's own
        // can't escape it): PostgreSQL's cursor ended with the transaction
        // (an `Err`, not a panic); SQLite's statement goes on.
        let mut it = db.atomic(|_| Song::objects().iterator(db))?;
        match db.backend() {
            Backend::Sqlite => assert_eq!(it.count(), 6),
            _ => {
                let err = it.next().expect("an item").unwrap_err();
                assert!(err.to_string().contains("does not exist"), "{err}");
                assert!(it.next().is_none(), "finished after the error");
            }
        }
        assert_eq!(Song::objects().count(db)?, 6);
        Ok(())
    })
}

#[test]
fn a_row_that_does_not_decode_is_an_err_item_and_ends_the_iteration() -> Result<()> {
    each_empty_db(|db| {
        // Made by hand: the crate's table would refuse 1000 (a CHECK).
        db.execute_batch("CREATE TABLE tiny (id INTEGER PRIMARY KEY, small INTEGER NOT NULL)")?;
        db.execute(
            "INSERT INTO tiny (id, small) VALUES (1, 1), (2, 1000), (3, 3)",
            &[],
        )?;
        let mut it = Tiny::objects().order_by(tiny::id).iterator(db)?;
        assert_eq!(it.next().transpose()?, Some(Tiny { id: 1, small: 1 }));
        assert!(matches!(it.next(), Some(Err(Error::Decode { .. }))));
        assert!(it.next().is_none());
        drop(it);
        if db.backend() == Backend::Postgres {
            assert_eq!(open_cursors(db)?, 0);
        }
        assert_eq!(Tiny::objects().count(db)?, 3);
        Ok(())
    })
}

fn bands_and_songs(db: &Db) -> Result<()> {
    let mut bands = Vec::new();
    for name in ["Can", "Neu!", "Faust"] {
        bands.push(Band::objects().create(
            db,
            Band {
                id: 0,
                name: name.into(),
                songs: Related::default(),
            },
        )?);
    }
    let mut songs = Vec::new();
    for i in 1..=9 {
        let mut s = song(i);
        // Faust has none; the ninth song no band.
        s.band = (i < 9).then(|| (&bands[(i % 2) as usize]).into());
        songs.push(s);
    }
    Song::objects().bulk_create(db, songs)?;
    Ok(())
}

#[test]
fn iterator_reads_select_related_and_runs_prefetch_related_per_chunk() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        bands_and_songs(db)?;
        let songs = collect(
            Song::objects()
                .select_related(song::band)
                .order_by(song::id)
                .iterator(db)?,
        )?;
        assert_eq!(songs.len(), 9);
        for s in &songs {
            let band = s.band.as_ref().and_then(|b| b.get());
            match s.band.as_ref() {
                None => assert!(band.is_none()),
                Some(b) => assert_eq!(band.map(|x| x.id), Some(b.id()), "loaded"),
            }
        }
        let (bands, n) = statements(db, || {
            Band::objects()
                .prefetch_related(band::songs)
                .order_by(band::name)
                .iterator(db)?
                .collect::<Result<Vec<_>>>()
        })?;
        let counts: Vec<(String, usize)> = bands
            .iter()
            .map(|b| (b.name.clone(), b.songs.get().map_or(99, <[Song]>::len)))
            .collect();
        assert_eq!(
            counts,
            [("Can".into(), 4), ("Faust".into(), 0), ("Neu!".into(), 4)]
        );
        // The rows' statement, and one for the prefetched rows (plus
        // DECLARE/FETCH/CLOSE on PostgreSQL).
        assert_eq!(
            n,
            if db.backend() == Backend::Sqlite {
                2
            } else {
                4
            }
        );
        Ok(())
    })
}

/// Prices 1..=10.
fn prices(db: &Db) -> Result<()> {
    Song::objects().bulk_create(
        db,
        (1..=10)
            .map(|i| Song {
                id: 0,
                title: format!("t{i:02}"),
                plays: i,
                band: None,
            })
            .collect(),
    )?;
    Ok(())
}

fn plays(rows: &[Song]) -> Vec<i64> {
    rows.iter().map(|s| s.plays).collect()
}

#[test]
fn union_intersection_and_difference_combine_rows() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        prices(db)?;
        let low = || Song::objects().filter(song::plays.lte(5));
        let high = || Song::objects().filter(song::plays.gte(4));
        let by_plays = |qs: QuerySet<Song>| -> Result<Vec<i64>> {
            Ok(plays(&qs.order_by(song::plays).all(db)?))
        };
        assert_eq!(by_plays(low().union(high()))?, (1..=10).collect::<Vec<_>>());
        assert_eq!(low().union(high()).count(db)?, 10);
        assert_eq!(low().union_all(high()).count(db)?, 12);
        assert_eq!(
            by_plays(low().union_all(high()))?,
            [1, 2, 3, 4, 4, 5, 5, 6, 7, 8, 9, 10]
        );
        assert_eq!(by_plays(low().intersection(high()))?, [4, 5]);
        assert_eq!(by_plays(low().difference(high()))?, [1, 2, 3]);
        assert_eq!(by_plays(high().difference(low()))?, [6, 7, 8, 9, 10]);
        // Nothing in common; the same query set twice.
        let none = Song::objects().filter(song::plays.gt(100));
        assert_eq!(low().intersection(none.clone()).count(db)?, 0);
        assert!(!low().intersection(none).exists(db)?);
        assert_eq!(low().union(low()).count(db)?, 5);
        // Chained: (low ∪ high) − {7}.
        let seven = Song::objects().filter(song::plays.eq(7));
        assert_eq!(
            by_plays(low().union(high()).difference(seven))?,
            [1, 2, 3, 4, 5, 6, 8, 9, 10]
        );
        Ok(())
    })
}

#[test]
fn a_combined_query_set_orders_slices_counts_and_iterates() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        prices(db)?;
        let u = Song::objects()
            .filter(song::plays.lte(3))
            .union(Song::objects().filter(song::plays.gte(8)));
        assert_eq!(
            plays(&u.clone().order_by(-song::plays).all(db)?),
            [10, 9, 8, 3, 2, 1]
        );
        let page = u.clone().order_by(-song::plays).offset(2).limit(2);
        assert_eq!(plays(&page.all(db)?), [8, 3]);
        assert_eq!(page.count(db)?, 2);
        // first/last: by the key when unordered.
        assert_eq!(u.first(db)?.map(|s| s.plays), Some(1));
        assert_eq!(u.last(db)?.map(|s| s.plays), Some(10));
        assert_eq!(
            u.clone().order_by(song::title).first(db)?.map(|s| s.title),
            Some("t01".to_owned())
        );
        assert_eq!(page.last(db)?.map(|s| s.plays), Some(3));
        // Streamed.
        let streamed = collect(u.clone().order_by(-song::plays).iterator(db)?)?;
        assert_eq!(plays(&streamed), [10, 9, 8, 3, 2, 1]);
        // A filter filters the combined rows (a subquery); get.
        assert_eq!(
            plays(
                &u.clone()
                    .filter(song::plays.gt(2))
                    .order_by(song::plays)
                    .all(db)?
            ),
            [3, 8, 9, 10]
        );
        assert_eq!(u.clone().filter(song::plays.eq(9)).get(db)?.title, "t09");
        assert!(matches!(
            u.get(db),
            Err(Error::MultipleObjectsReturned { .. })
        ));
        Ok(())
    })
}

#[test]
fn members_keep_their_own_slices() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        prices(db)?;
        // The two dearest, and the cheapest: members with ORDER BY and LIMIT.
        let dearest = Song::objects().order_by(-song::plays).limit(2);
        let cheapest = Song::objects().order_by(song::plays).limit(1);
        let u = dearest.clone().union(cheapest.clone());
        let (sql, _) = u.to_sql();
        assert!(sql.contains(r#"SELECT * FROM (SELECT "#), "{sql}");
        assert_eq!(plays(&u.clone().order_by(song::plays).all(db)?), [1, 9, 10]);
        // An offset alone; an ordering without a slice is dropped.
        let skip = Song::objects().order_by(song::plays).offset(8);
        let ordered = Song::objects()
            .filter(song::plays.eq(5))
            .order_by(-song::plays);
        assert_eq!(
            plays(&skip.union(ordered).order_by(song::plays).all(db)?),
            [5, 9, 10]
        );
        // Dearest two minus the dearest one.
        let top = Song::objects().order_by(-song::plays).limit(1);
        assert_eq!(plays(&dearest.difference(top).all(db)?), [9]);
        Ok(())
    })
}

#[test]
fn a_combined_query_set_binds_its_members_values_in_order() -> Result<()> {
    let u = Song::objects()
        .filter(song::plays.lt(3))
        .union(Song::objects().filter(song::title.eq("t09")))
        .filter(song::plays.ne(1))
        .order_by(song::title)
        .limit(3);
    let (sql, params) = u.to_sql_for(Backend::Postgres);
    assert_eq!(
        sql,
        concat!(
            r#"SELECT "song"."id", "song"."title", "song"."plays", "song"."band_id" FROM ("#,
            r#"SELECT "id", "title", "plays", "band_id" FROM "song" WHERE "plays" < $1"#,
            r#" UNION "#,
            r#"SELECT "id", "title", "plays", "band_id" FROM "song" WHERE "title" = $2"#,
            r#") AS "song" WHERE "song"."plays" IS DISTINCT FROM $3 ORDER BY "song"."title" LIMIT 3"#
        )
    );
    assert_eq!(
        params,
        [
            Value::Integer(3),
            Value::Text("t09".into()),
            Value::Integer(1)
        ]
    );
    each_empty_db(|db| {
        tables(db)?;
        prices(db)?;
        assert_eq!(plays(&u.all(db)?), [2, 9]);
        Ok(())
    })
}

#[test]
fn update_and_delete_of_a_combined_query_set_change_its_rows_only() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        prices(db)?;
        let ends = Song::objects()
            .filter(song::plays.lte(2))
            .union(Song::objects().filter(song::plays.gte(9)));
        assert_eq!(ends.update(db, song::title.set("end"))?, 4);
        assert_eq!(Song::objects().filter(song::title.eq("end")).count(db)?, 4);
        let middle = Song::objects().difference(ends);
        assert_eq!(middle.delete(db)?, 6);
        assert_eq!(
            plays(&Song::objects().order_by(song::plays).all(db)?),
            [1, 2, 9, 10]
        );
        Ok(())
    })
}

#[test]
fn a_combined_query_set_loads_related_rows() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        bands_and_songs(db)?;
        let u = Song::objects()
            .select_related(song::band)
            .filter(song::plays.lt(300))
            .union(Song::objects().filter(song::band.isnull(true)));
        let rows = u.order_by(song::id).all(db)?;
        assert!(!rows.is_empty());
        for s in &rows {
            if let Some(b) = &s.band {
                assert!(b.get().is_some(), "select_related of the combined rows");
            }
        }
        // Filtering through a relation of the combined rows.
        let can = Song::objects()
            .filter(song::plays.gte(0))
            .union(Song::objects().filter(song::plays.lt(0)))
            .filter(song::band.name().eq("Can"));
        assert_eq!(can.count(db)?, 4);
        let bands = Band::objects()
            .filter(band::name.eq("Can"))
            .union(Band::objects().filter(band::name.eq("Faust")))
            .prefetch_related(band::songs)
            .order_by(band::name)
            .all(db)?;
        let counts: Vec<usize> = bands
            .iter()
            .map(|b| b.songs.get().map_or(99, <[Song]>::len))
            .collect();
        assert_eq!(counts, [4, 0]);
        Ok(())
    })
}
