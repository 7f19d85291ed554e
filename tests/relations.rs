//! Relations: foreign keys, on both backends.

mod common;

use common::*;
use query::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Artist {
    pub id: i64,
    pub name: Option<String>,
    #[field(reverse = "artist")]
    pub albums: Related<Album>,
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
    #[field(on_delete = SetNull)]
    pub album: Option<ForeignKey<Album>>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Playlist {
    pub id: i64,
    pub name: String,
    pub tracks: ManyToMany<Track>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Employee {
    pub id: i64,
    pub last_name: String,
    #[field(on_delete = SetNull)]
    pub reports_to: Option<ForeignKey<Employee>>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Profile {
    pub id: i64,
    #[field(on_delete = Cascade)]
    pub employee: OneToOne<Employee>,
}

fn tables(db: &Db) -> Result<()> {
    db.create_table::<Artist>()?;
    db.create_table::<Album>()?;
    db.create_table::<Track>()?;
    // With its automatic table of pairs, `playlist_tracks`.
    db.create_table::<Playlist>()?;
    // Many-to-many relations through models of their own.
    db.create_table::<Mix>()?;
    db.create_table::<MixTrack>()?;
    db.create_table::<Tag>()?;
    db.create_table::<TagTrack>()?;
    db.create_table::<Employee>()?;
    db.create_table::<Profile>()?;
    Ok(())
}

#[test]
fn a_foreign_key_is_a_column_named_field_id_holding_the_key() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        let acdc = Artist::objects().create(db, artist("AC/DC"))?;
        let album = Album::objects().create(db, album("Let There Be Rock", &acdc))?;
        let rows = db.query("SELECT artist_id FROM album", &[])?;
        assert_eq!(rows, [[Value::Integer(acdc.id)]]);
        let back = Album::objects().get(db)?;
        assert_eq!(back, album);
        assert_eq!(back.artist.id(), acdc.id);
        assert!(
            back.artist.get().is_none(),
            "not loaded without select_related"
        );
        assert_eq!(back.artist.fetch(db)?, acdc);
        assert_eq!(
            ForeignKey::<Artist>::new(999)
                .fetch(db)
                .unwrap_err()
                .to_string(),
            "Artist matching query does not exist"
        );
        Ok(())
    })
}

fn employee(db: &Db, last_name: &str, reports_to: Option<&Employee>) -> Result<Employee> {
    Employee::objects().create(
        db,
        Employee {
            id: 0,
            last_name: last_name.into(),
            reports_to: reports_to.map(Into::into),
        },
    )
}

#[test]
fn a_nullable_self_reference_and_a_one_to_one() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        let boss = employee(db, "Adams", None)?;
        let clerk = employee(db, "Edwards", Some(&boss))?;
        use employee::*;
        assert_eq!(
            Employee::objects()
                .filter(reports_to.isnull(true))
                .get(db)?,
            boss
        );
        assert_eq!(
            Employee::objects().filter(reports_to.eq(&boss)).get(db)?,
            clerk
        );
        let meta = Employee::META
            .fields
            .iter()
            .find(|f| f.name == "reports_to")
            .unwrap();
        assert_eq!(meta.column, "reports_to_id");
        let fk = meta.foreign_key.expect("a foreign key");
        assert_eq!((fk.to)().name, "Employee");
        assert_eq!(fk.on_delete, query::OnDelete::SetNull);
        // One-to-one: a unique column.
        Profile::objects().create(
            db,
            Profile {
                id: 0,
                employee: (&boss).into(),
            },
        )?;
        let err = Profile::objects()
            .create(
                db,
                Profile {
                    id: 0,
                    employee: (&boss).into(),
                },
            )
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Integrity {
                    kind: query::ConstraintKind::Unique,
                    ..
                }
            ),
            "{err:?}"
        );
        Ok(())
    })
}

fn artist(name: &str) -> Artist {
    Artist {
        id: 0,
        name: Some(name.into()),
        albums: Related::default(),
    }
}

fn album(title: &str, by: &Artist) -> Album {
    Album {
        id: 0,
        title: title.into(),
        artist: by.into(),
        tracks: Related::default(),
    }
}

fn track(name: &str, ms: i64, on: Option<&Album>) -> Track {
    Track {
        id: 0,
        name: name.into(),
        milliseconds: ms,
        album: on.map(ForeignKey::from),
    }
}

/// AC/DC (two albums), Led Zeppelin (one), Queen (none); tracks on them and
/// one on no album; a playlist of two tracks.
struct Chinook {
    rock: Album,
    live: Album,
    iv: Album,
}

fn chinook(db: &Db) -> Result<Chinook> {
    tables(db)?;
    let acdc = Artist::objects().create(db, artist("AC/DC"))?;
    let zeppelin = Artist::objects().create(db, artist("Led Zeppelin"))?;
    let queen = Artist::objects().create(db, artist("Queen"))?;
    let rock = Album::objects().create(db, album("Let There Be Rock", &acdc))?;
    let live = Album::objects().create(db, album("Live at Donington", &acdc))?;
    let iv = Album::objects().create(db, album("IV", &zeppelin))?;
    for (name, ms, on) in [
        ("Go Down", 331_180, Some(&rock)),
        ("Whole Lotta Rosie", 323_761, Some(&rock)),
        ("Thunderstruck", 320_000, Some(&live)),
        ("Black Dog", 296_672, Some(&iv)),
        ("Stairway To Heaven", 482_830, Some(&iv)),
        ("Loose", 200_000, None),
    ] {
        Track::objects().create(db, track(name, ms, on))?;
    }
    let rock_list = Playlist::objects().create(
        db,
        Playlist {
            id: 0,
            name: "Rock".into(),
            tracks: ManyToMany::default(),
        },
    )?;
    for t in ["Go Down", "Black Dog"] {
        let t = Track::objects().filter(track::name.eq(t)).get(db)?;
        db.execute(
            "INSERT INTO playlist_tracks (playlist_id, track_id) VALUES ($1, $2)",
            &[Value::Integer(rock_list.id), Value::Integer(t.id)],
        )?;
    }
    let _ = (&acdc, &zeppelin, &queen);
    Ok(Chinook { rock, live, iv })
}

fn names<M>(rows: &[M], name: impl Fn(&M) -> String) -> Vec<String> {
    let mut v: Vec<String> = rows.iter().map(name).collect();
    v.sort();
    v
}

// ---------------------------------------------------------------------------
// Paths and joins

#[test]
fn a_path_through_two_foreign_keys() -> Result<()> {
    each_empty_db(|db| {
        chinook(db)?;
        let rows = Track::objects()
            .filter(track::album.artist().name().icontains("ac/dc"))
            .all(db)?;
        assert_eq!(
            names(&rows, |t| t.name.clone()),
            ["Go Down", "Thunderstruck", "Whole Lotta Rosie"]
        );
        let (sql, _) = Track::objects()
            .filter(track::album.artist().name().icontains("ac/dc"))
            .to_sql();
        assert!(
            sql.contains(r#"INNER JOIN "album" "T1" ON "T1"."id" = "track"."album_id""#),
            "{sql}"
        );
        assert!(
            sql.contains(r#"INNER JOIN "artist" "T2" ON "T2"."id" = "T1"."artist_id""#),
            "{sql}"
        );
        Ok(())
    })
}

#[test]
fn a_foreign_keys_id_and_isnull_need_no_join() -> Result<()> {
    each_empty_db(|db| {
        let c = chinook(db)?;
        use track::*;
        let q = Track::objects().filter(album.id().is_in([c.rock.id, c.iv.id]));
        assert!(!q.to_sql().0.contains("JOIN"), "{}", q.to_sql().0);
        assert_eq!(q.count(db)?, 4);
        let q = Track::objects().filter(album.isnull(true));
        assert!(!q.to_sql().0.contains("JOIN"), "{}", q.to_sql().0);
        assert_eq!(q.get(db)?.name, "Loose");
        assert_eq!(
            Track::objects().filter(album.eq(&c.live)).get(db)?.name,
            "Thunderstruck"
        );
        Ok(())
    })
}

#[test]
fn ordering_along_a_nullable_key_keeps_the_rows_without_one() -> Result<()> {
    each_empty_db(|db| {
        chinook(db)?;
        let rows = Track::objects()
            .order_by((track::album.title(), track::name))
            .all(db)?;
        assert_eq!(
            rows.len(),
            6,
            "a LEFT OUTER JOIN keeps the track on no album"
        );
        let sql = Track::objects().order_by(track::album.title()).to_sql().0;
        assert!(sql.contains("LEFT OUTER JOIN"), "{sql}");
        // NULLs first on SQLite, last on PostgreSQL.
        let first = &rows[0].name;
        let last = &rows[5].name;
        match db.backend() {
            Backend::Sqlite => assert_eq!(first, "Loose"),
            _ => assert_eq!(last, "Loose"),
        }
        Ok(())
    })
}

#[test]
fn or_across_a_nullable_path_keeps_rows_without_a_related_row() -> Result<()> {
    each_empty_db(|db| {
        chinook(db)?;
        use track::*;
        let rows = Track::objects()
            .filter(album.title().eq("IV") | name.eq("Loose"))
            .all(db)?;
        assert_eq!(
            names(&rows, |t| t.name.clone()),
            ["Black Dog", "Loose", "Stairway To Heaven"]
        );
        Ok(())
    })
}

#[test]
fn a_reverse_foreign_key_repeats_rows_unless_distinct() -> Result<()> {
    each_empty_db(|db| {
        chinook(db)?;
        use artist::*;
        let q = Artist::objects().filter(albums.title().contains("e"));
        // AC/DC's two albums both contain an "e": the artist comes twice.
        assert_eq!(
            names(&q.all(db)?, |a| a.name.clone().unwrap_or_default()),
            ["AC/DC", "AC/DC"]
        );
        assert_eq!(q.clone().distinct().count(db)?, 1);
        // `any`: EXISTS, no duplicates.
        let rows = Artist::objects()
            .filter(albums.any(album::title.contains("e")))
            .all(db)?;
        assert_eq!(
            names(&rows, |a| a.name.clone().unwrap_or_default()),
            ["AC/DC"]
        );
        // Artists without albums: a LEFT OUTER JOIN.
        let none = Artist::objects().filter(albums.isnull(true)).all(db)?;
        assert_eq!(
            names(&none, |a| a.name.clone().unwrap_or_default()),
            ["Queen"]
        );
        Ok(())
    })
}

#[test]
fn each_filter_call_across_a_to_many_relation_joins_again() -> Result<()> {
    each_empty_db(|db| {
        chinook(db)?;
        use artist::*;
        // One filter(): the same album must match both.
        let same = Artist::objects()
            .filter(albums.title().contains("Rock") & albums.title().contains("Live"))
            .count(db)?;
        assert_eq!(same, 0);
        // Two filter()s: each may be met by another album.
        let either = Artist::objects()
            .filter(albums.title().contains("Rock"))
            .filter(albums.title().contains("Live"))
            .all(db)?;
        assert_eq!(
            names(&either, |a| a.name.clone().unwrap_or_default()),
            ["AC/DC"]
        );
        Ok(())
    })
}

#[test]
fn exclude_across_a_to_many_relation_is_a_subquery() -> Result<()> {
    each_empty_db(|db| {
        chinook(db)?;
        use artist::*;
        // Artists none of whose albums has "Live" in its title (Queen has none).
        let rows = Artist::objects()
            .exclude(albums.title().contains("Live"))
            .all(db)?;
        assert_eq!(
            names(&rows, |a| a.name.clone().unwrap_or_default()),
            ["Led Zeppelin", "Queen"]
        );
        Ok(())
    })
}

#[test]
fn a_self_reference_and_many_to_many() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        let boss = employee(db, "Adams", None)?;
        employee(db, "Edwards", Some(&boss))?;
        let under_adams = Employee::objects()
            .filter(employee::reports_to.last_name().eq("Adams"))
            .get(db)?;
        assert_eq!(under_adams.last_name, "Edwards");
        Ok(())
    })?;
    each_empty_db(|db| {
        chinook(db)?;
        let lists = Playlist::objects()
            .filter(playlist::tracks.name().eq("Black Dog"))
            .all(db)?;
        assert_eq!(names(&lists, |p| p.name.clone()), ["Rock"]);
        let n = Playlist::objects()
            .filter(playlist::tracks.album().artist().name().eq("AC/DC"))
            .count(db)?;
        assert_eq!(n, 1);
        Ok(())
    })
}

#[test]
fn update_delete_count_and_slices_honour_paths() -> Result<()> {
    each_empty_db(|db| {
        chinook(db)?;
        use track::*;
        let acdc = Track::objects().filter(album.artist().name().eq("AC/DC"));
        assert_eq!(acdc.count(db)?, 3);
        assert!(acdc.exists(db)?);
        assert_eq!(
            acdc.clone().order_by(name).first(db)?.unwrap().name,
            "Go Down"
        );
        assert_eq!(
            acdc.clone().order_by(name).last(db)?.unwrap().name,
            "Whole Lotta Rosie"
        );
        assert_eq!(
            acdc.clone().order_by(name).limit(1).offset(1).all(db)?[0].name,
            "Thunderstruck"
        );
        assert_eq!(acdc.update(db, milliseconds.set(1))?, 3);
        assert_eq!(Track::objects().filter(milliseconds.eq(1)).count(db)?, 3);
        // Go Down's pair in the Rock playlist goes too, counted as Django
        // counts it.
        assert_eq!(acdc.delete(db)?, 4);
        assert_eq!(Track::objects().count(db)?, 3);
        Ok(())
    })
}

// ---- schema

/// The single-column, non-unique indexes on `table.column`.
fn fk_indexes(db: &Db, table: &str, column: &str) -> Result<Vec<Vec<Value>>> {
    let sql = match db.backend() {
        query::Backend::Sqlite => {
            "SELECT il.name FROM pragma_index_list($1) il WHERE NOT il.\"unique\" \
             AND (SELECT count(*) FROM pragma_index_info(il.name)) = 1 \
             AND (SELECT name FROM pragma_index_info(il.name)) = $2"
        }
        _ => {
            "SELECT ic.relname::text FROM pg_index ix JOIN pg_class ic ON ic.oid = ix.indexrelid \
             JOIN pg_class c ON c.oid = ix.indrelid JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ix.indkey[0] \
             WHERE c.relname::text = $1 AND a.attname::text = $2 AND ix.indnatts = 1 AND NOT ix.indisunique \
             AND c.relnamespace = current_schema()::regnamespace"
        }
    };
    db.query(
        sql,
        &[Value::Text(table.into()), Value::Text(column.into())],
    )
}

#[test]
fn a_foreign_key_column_references_its_target_and_is_indexed() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        let fks = match db.backend() {
            query::Backend::Sqlite => db.query(
                "SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list('album')",
                &[],
            )?,
            _ => db.query(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'album_artist_id_fkey' AND connamespace = current_schema()::regnamespace",
                &[],
            )?,
        };
        let expected = match db.backend() {
            query::Backend::Sqlite => vec![vec![
                Value::Text("artist_id".into()),
                Value::Text("artist".into()),
                Value::Text("id".into()),
            ]],
            _ => vec![vec![Value::Text(
                "FOREIGN KEY (artist_id) REFERENCES artist(id) DEFERRABLE INITIALLY DEFERRED"
                    .into(),
            )]],
        };
        assert_eq!(fks, expected);
        assert_eq!(
            fk_indexes(db, "album", "artist_id")?,
            [[Value::Text("album_artist_id_idx".into())]]
        );
        assert_eq!(
            fk_indexes(db, "employee", "reports_to_id")?,
            [[Value::Text("employee_reports_to_id_idx".into())]]
        );
        // A one-to-one column is unique, which indexes it already.
        assert!(fk_indexes(db, "profile", "employee_id")?.is_empty());
        // create_table again changes nothing.
        tables(db)?;
        Ok(())
    })
}

#[test]
fn the_constraint_is_checked_at_commit() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        let acdc = Artist::objects().create(db, artist("AC/DC"))?;
        // Deferrable: a row may point at a missing key until the commit.
        db.atomic(|db| {
            let album = Album::objects().create(
                db,
                Album {
                    id: 0,
                    title: "High Voltage".into(),
                    artist: ForeignKey::new(acdc.id + 1000),
                    tracks: Related::default(),
                },
            )?;
            db.execute(
                "UPDATE album SET artist_id = $1 WHERE id = $2",
                &[Value::Integer(acdc.id), Value::Integer(album.id)],
            )?;
            Ok(())
        })?;
        assert_eq!(Album::objects().count(db)?, 1);
        // At commit, a dangling key fails the whole transaction.
        let err = db
            .atomic(|db| {
                Album::objects().create(
                    db,
                    Album {
                        id: 0,
                        title: "Dirty Deeds".into(),
                        artist: ForeignKey::new(acdc.id),
                        tracks: Related::default(),
                    },
                )?;
                Album::objects().create(
                    db,
                    Album {
                        id: 0,
                        title: "Orphan".into(),
                        artist: ForeignKey::new(acdc.id + 1000),
                        tracks: Related::default(),
                    },
                )?;
                Ok(())
            })
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Integrity {
                    kind: query::ConstraintKind::ForeignKey,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(Album::objects().count(db)?, 1);
        Ok(())
    })
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Sleeve {
    pub id: i64,
    #[field(on_delete = Cascade)]
    pub vinyl: ForeignKey<Vinyl>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Vinyl {
    pub id: i64,
}

#[test]
fn create_table_before_its_target_is_an_error_that_says_so() -> Result<()> {
    each_empty_db(|db| {
        let err = db.create_table::<Sleeve>().unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("`sleeve`"), "{msg}");
        assert!(msg.contains("`vinyl_id`"), "{msg}");
        assert!(msg.contains("create `vinyl` first"), "{msg}");
        assert!(
            db.query("SELECT 1 FROM sleeve", &[]).is_err(),
            "nothing created"
        );
        db.create_table::<Vinyl>()?;
        db.create_table::<Sleeve>()?;
        Ok(())
    })
}

// ---- many-to-many

/// A mix of tracks, each at a position: a `through` model with a field of
/// its own.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Mix {
    pub id: i64,
    pub name: String,
    #[field(through = "MixTrack")]
    pub tracks: ManyToMany<Track>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct MixTrack {
    pub id: i64,
    #[field(on_delete = Cascade)]
    pub mix: ForeignKey<Mix>,
    #[field(on_delete = Cascade)]
    pub track: ForeignKey<Track>,
    pub position: i64,
}

/// A `through` model with nothing but the two keys (and a defaulted
/// field): `add` and `set` can fill its rows.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Tag {
    pub id: i64,
    pub name: String,
    #[field(through = "TagTrack")]
    pub tracks: ManyToMany<Track>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct TagTrack {
    pub id: i64,
    #[field(on_delete = Cascade)]
    pub tag: ForeignKey<Tag>,
    #[field(on_delete = Cascade)]
    pub track: ForeignKey<Track>,
    #[field(default = 1)]
    pub weight: i64,
}

/// The pairs of `playlist_tracks`, as (playlist, track) names, sorted.
fn pairs(db: &Db) -> Result<Vec<(String, String)>> {
    let rows = db.query(
        "SELECT p.name, t.name FROM playlist_tracks pt JOIN playlist p ON p.id = pt.playlist_id \
         JOIN track t ON t.id = pt.track_id ORDER BY p.name, t.name",
        &[],
    )?;
    Ok(rows
        .into_iter()
        .map(|r| match (&r[0], &r[1]) {
            (Value::Text(p), Value::Text(t)) => (p.clone(), t.clone()),
            other => panic!("unexpected row {other:?}"),
        })
        .collect())
}

fn pair(p: &str, t: &str) -> (String, String) {
    (p.to_owned(), t.to_owned())
}

fn tracks_named(db: &Db, names: &[&str]) -> Result<Vec<Track>> {
    names
        .iter()
        .map(|n| Track::objects().filter(track::name.eq(*n)).get(db))
        .collect()
}

fn new_playlist(db: &Db, name: &str) -> Result<Playlist> {
    Playlist::objects().create(
        db,
        Playlist {
            id: 0,
            name: name.into(),
            tracks: ManyToMany::default(),
        },
    )
}

#[test]
fn the_automatic_table_of_pairs_has_two_references_and_a_unique_pair() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        let fks = match db.backend() {
            Backend::Sqlite => db.query(
                "SELECT \"from\" || ' -> ' || \"table\" || '.' || \"to\" FROM pragma_foreign_key_list('playlist_tracks') ORDER BY \"from\"",
                &[],
            )?,
            _ => db.query(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'playlist_tracks'::regclass AND contype = 'f' ORDER BY 1",
                &[],
            )?,
        };
        let expected: Vec<Vec<Value>> = match db.backend() {
            Backend::Sqlite => ["playlist_id -> playlist.id", "track_id -> track.id"]
                .map(|t| vec![Value::Text(t.into())])
                .into(),
            _ => [
                "FOREIGN KEY (playlist_id) REFERENCES playlist(id) DEFERRABLE INITIALLY DEFERRED",
                "FOREIGN KEY (track_id) REFERENCES track(id) DEFERRABLE INITIALLY DEFERRED",
            ]
            .map(|t| vec![Value::Text(t.into())])
            .into(),
        };
        assert_eq!(fks, expected);
        assert_eq!(
            column_names(db, "playlist_tracks"),
            ["id", "playlist_id", "track_id"]
        );
        assert_eq!(
            fk_indexes(db, "playlist_tracks", "track_id")?,
            [[Value::Text("playlist_tracks_track_id_idx".into())]]
        );
        // The pair is unique.
        let rock = new_playlist(db, "Rock")?;
        Track::objects().create(db, track("Go Down", 1, None))?;
        let insert = "INSERT INTO playlist_tracks (playlist_id, track_id) VALUES ($1, $2)";
        let args = [Value::Integer(rock.id), Value::Integer(1)];
        db.execute(insert, &args)?;
        let err = db.execute(insert, &args).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Integrity {
                    kind: query::ConstraintKind::Unique,
                    ..
                }
            ),
            "{err}"
        );
        Ok(())
    })
}

#[test]
fn add_remove_clear_and_set_write_the_pairs() -> Result<()> {
    each_empty_db(|db| {
        chinook(db)?;
        let rock = Playlist::objects()
            .filter(playlist::name.eq("Rock"))
            .get(db)?;
        let chill = new_playlist(db, "Chill")?;
        let [go_down, rosie, thunder, dog, stairway, loose]: [Track; 6] = tracks_named(
            db,
            &[
                "Go Down",
                "Whole Lotta Rosie",
                "Thunderstruck",
                "Black Dog",
                "Stairway To Heaven",
                "Loose",
            ],
        )?
        .try_into()
        .expect("six tracks");
        assert_eq!(
            pairs(db)?,
            [pair("Rock", "Black Dog"), pair("Rock", "Go Down")]
        );

        // add: one statement; pairs that exist already are ignored.
        let before = db.queries_run();
        playlist::tracks.add(db, &rock, [&go_down, &rosie, &rosie, &thunder])?;
        assert_eq!(db.queries_run() - before, 1);
        assert_eq!(
            pairs(db)?,
            [
                pair("Rock", "Black Dog"),
                pair("Rock", "Go Down"),
                pair("Rock", "Thunderstruck"),
                pair("Rock", "Whole Lotta Rosie"),
            ]
        );
        // Many at once: still one statement (the keys as one parameter).
        let many: Vec<Track> = (0..40)
            .map(|i| Track::objects().create(db, track(&format!("t{i:02}"), i, None)))
            .collect::<Result<_>>()?;
        let before = db.queries_run();
        playlist::tracks.add(db, &chill, &many)?;
        playlist::tracks.remove(db, &chill, &many[..30])?;
        assert_eq!(db.queries_run() - before, 2);
        assert_eq!(raw_count(db, "playlist_tracks"), 4 + 10, "ten pairs left");
        playlist::tracks.clear(db, &chill)?;
        assert_eq!(raw_count(db, "playlist_tracks"), 4);

        // remove: only the pairs; the tracks stay.
        playlist::tracks.remove(db, &rock, [&rosie, &loose])?;
        assert_eq!(raw_count(db, "playlist_tracks"), 3);
        assert_eq!(Track::objects().count(db)?, 46);

        // set: the difference, in one transaction.
        playlist::tracks.set(db, &rock, [&dog, &stairway, &loose])?;
        assert_eq!(
            pairs(db)?,
            [
                pair("Rock", "Black Dog"),
                pair("Rock", "Loose"),
                pair("Rock", "Stairway To Heaven"),
            ]
        );
        playlist::tracks.set(db, &rock, &[] as &[Track])?;
        assert!(pairs(db)?.is_empty());

        // clear
        playlist::tracks.add(db, &rock, [&go_down, &dog])?;
        playlist::tracks.add(db, &chill, [&go_down])?;
        playlist::tracks.clear(db, &rock)?;
        assert_eq!(pairs(db)?, [pair("Chill", "Go Down")]);

        // An unsaved row is refused before anything is written.
        let unsaved = track("New", 1, None);
        let err = playlist::tracks.add(db, &chill, [&unsaved]).unwrap_err();
        assert!(matches!(err, Error::Relation(_)), "{err}");
        assert_eq!(raw_count(db, "playlist_tracks"), 1);
        Ok(())
    })
}

#[test]
fn deleting_either_side_deletes_its_pairs_counted_as_django_does() -> Result<()> {
    each_empty_db(|db| {
        chinook(db)?;
        let rock = Playlist::objects()
            .filter(playlist::name.eq("Rock"))
            .get(db)?;
        let chill = new_playlist(db, "Chill")?;
        let all = Track::objects().all(db)?;
        playlist::tracks.add(db, &chill, &all)?;
        assert_eq!(raw_count(db, "playlist_tracks"), 8);
        // The playlist and its two pairs (Django: {Playlist: 1, Playlist_tracks: 2}).
        assert_eq!(rock.delete(db)?, 3);
        assert_eq!(pairs(db)?.len(), 6);
        // A track and its one pair.
        let loose = Track::objects().filter(track::name.eq("Loose")).get(db)?;
        assert_eq!(loose.delete(db)?, 2);
        // A query set of playlists.
        assert_eq!(Playlist::objects().delete(db)?, 6);
        assert_eq!(raw_count(db, "playlist_tracks"), 0);
        assert_eq!(Track::objects().count(db)?, 5);
        Ok(())
    })
}

#[test]
fn a_through_model_is_read_through_and_written_as_far_as_it_can_be() -> Result<()> {
    each_empty_db(|db| {
        chinook(db)?;
        let mix = Mix::objects().create(
            db,
            Mix {
                id: 0,
                name: "Party".into(),
                tracks: ManyToMany::default(),
            },
        )?;
        let [go_down, dog]: [Track; 2] = tracks_named(db, &["Go Down", "Black Dog"])?
            .try_into()
            .expect("two tracks");
        for (position, t) in [(1, &dog), (2, &go_down)] {
            MixTrack::objects().create(
                db,
                MixTrack {
                    id: 0,
                    mix: ForeignKey::from(&mix),
                    track: ForeignKey::from(t),
                    position,
                },
            )?;
        }
        // Reading paths go through `mix_track`'s table and columns.
        let q = Mix::objects().filter(mix::tracks.album().title().eq("IV"));
        assert_eq!(q.all(db)?.len(), 1);
        let sql = q.to_sql().0;
        assert!(sql.contains("\"mix_track\""), "{sql}");
        assert_eq!(
            Mix::objects()
                .filter(mix::tracks.name().eq("Loose"))
                .count(db)?,
            0
        );
        // `add` and `set` can't fill `position`: refused, nothing written.
        let err = mix::tracks.add(db, &mix, [&dog]).unwrap_err();
        assert!(
            matches!(&err, Error::Relation(m) if m.contains("position")),
            "{err}"
        );
        assert!(mix::tracks.set(db, &mix, [&dog]).is_err());
        assert_eq!(raw_count(db, "mix_track"), 2);
        // `remove` and `clear` delete rows of the through model.
        mix::tracks.remove(db, &mix, [&dog])?;
        assert_eq!(raw_count(db, "mix_track"), 1);
        mix::tracks.clear(db, &mix)?;
        assert_eq!(raw_count(db, "mix_track"), 0);

        // A through model whose other fields have defaults: all four work.
        let tag = Tag::objects().create(
            db,
            Tag {
                id: 0,
                name: "loud".into(),
                tracks: ManyToMany::default(),
            },
        )?;
        tag::tracks.add(db, &tag, [&dog, &go_down, &dog])?;
        assert_eq!(raw_count(db, "tag_track"), 2);
        tag::tracks.set(db, &tag, [&go_down])?;
        let rows = TagTrack::objects().all(db)?;
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].track.id(), rows[0].weight), (go_down.id, 1));
        // Deleting a track cascades through the through model's own key.
        assert_eq!(go_down.delete(db)?, 3, "the track, its pair and its tag");
        Ok(())
    })
}

// ---- loading

/// The statements `f` runs.
fn statements<T>(db: &Db, f: impl FnOnce() -> Result<T>) -> Result<(T, u64)> {
    let before = db.queries_run();
    let out = f()?;
    Ok((out, db.queries_run() - before))
}

#[test]
fn select_related_reads_foreign_keys_in_the_same_statement_nested_and_null() -> Result<()> {
    each_empty_db(|db| {
        chinook(db)?;
        let qs = Track::objects()
            .select_related(track::album.artist())
            .order_by(track::name);
        let (sql, _) = qs.to_sql();
        assert!(
            sql.contains(r#"LEFT OUTER JOIN "album" "T1""#)
                && sql.contains(r#"LEFT OUTER JOIN "artist" "T2""#),
            "{sql}"
        );
        let (tracks, n) = statements(db, || qs.all(db))?;
        assert_eq!(n, 1);
        assert_eq!(tracks.len(), 6, "a NULL key keeps its row");
        for t in &tracks {
            let album = t.album.as_ref().and_then(|a| a.get());
            match t.name.as_str() {
                "Loose" => assert!(t.album.is_none() && album.is_none()),
                "Black Dog" | "Stairway To Heaven" => {
                    let album = album.expect("loaded");
                    assert_eq!(album.title, "IV");
                    let artist = album.artist.get().expect("nested");
                    assert_eq!(artist.name.as_deref(), Some("Led Zeppelin"));
                    assert_eq!(artist.id, album.artist.id());
                }
                _ => {
                    let artist = album.and_then(|a| a.artist.get()).expect("nested");
                    assert_eq!(artist.name.as_deref(), Some("AC/DC"));
                }
            }
        }
        // A tuple, a step named twice, get/first/last.
        let qs = Track::objects().select_related((track::album, track::album.artist()));
        let t = statements(db, || {
            qs.clone().filter(track::name.eq("Thunderstruck")).get(db)
        })?;
        assert_eq!(t.1, 1);
        let album = t.0.album.as_ref().and_then(|a| a.get()).unwrap();
        assert_eq!(album.title, "Live at Donington");
        assert!(album.artist.get().is_some());
        let first = qs.clone().order_by(track::name).first(db)?.unwrap();
        assert_eq!(first.name, "Black Dog");
        assert!(first.album.unwrap().get().is_some());
        let last = qs.order_by(track::name).last(db)?.unwrap();
        assert_eq!(last.name, "Whole Lotta Rosie");
        assert!(last.album.unwrap().get().is_some());
        // Several calls add up; the last row of a slice (a subquery).
        let qs = Track::objects()
            .select_related(track::album)
            .select_related(track::album.artist())
            .order_by(track::name);
        let (last, n) = statements(db, || qs.clone().limit(2).last(db))?;
        let last = last.unwrap();
        assert_eq!((last.name.as_str(), n), ("Go Down", 1));
        let album = last.album.as_ref().and_then(|a| a.get()).unwrap();
        assert_eq!(album.title, "Let There Be Rock");
        assert!(album.artist.get().is_some());
        // A non-nullable key: an INNER JOIN.
        let (sql, _) = Album::objects().select_related(album::artist).to_sql();
        assert!(sql.contains(r#"INNER JOIN "artist" "T1""#), "{sql}");
        let albums = Album::objects().select_related(album::artist).all(db)?;
        assert!(albums.iter().all(|a| a.artist.get().is_some()));
        Ok(())
    })
}

#[test]
fn select_related_of_a_self_reference() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        let boss = employee(db, "Adams", None)?;
        employee(db, "Edwards", Some(&boss))?;
        let rows = Employee::objects()
            .select_related(employee::reports_to.reports_to())
            .order_by(employee::last_name)
            .all(db)?;
        assert!(rows[0].reports_to.is_none());
        let boss_read = rows[1].reports_to.as_ref().unwrap().get().unwrap();
        assert_eq!(boss_read.last_name, "Adams");
        assert!(boss_read.reports_to.is_none());
        Ok(())
    })
}

#[test]
fn prefetch_related_runs_one_statement_per_level() -> Result<()> {
    each_empty_db(|db| {
        chinook(db)?;
        let (artists, n) = statements(db, || {
            Artist::objects()
                .prefetch_related(artist::albums.tracks())
                .order_by(artist::name)
                .all(db)
        })?;
        assert_eq!(n, 3);
        let acdc = &artists[0];
        let albums = acdc.albums.get().unwrap();
        assert_eq!(
            names(albums, |a| a.title.clone()),
            ["Let There Be Rock", "Live at Donington"]
        );
        let rock = albums
            .iter()
            .find(|a| a.title == "Let There Be Rock")
            .unwrap();
        assert_eq!(
            names(rock.tracks.get().unwrap(), |t| t.name.clone()),
            ["Go Down", "Whole Lotta Rosie"]
        );
        assert_eq!(artists[1].albums.get().unwrap().len(), 1);
        assert_eq!(artists[2].name.as_deref(), Some("Queen"));
        assert_eq!(artists[2].albums.get(), Some(&[][..]), "loaded, none");
        // Many-to-many.
        let (lists, n) = statements(db, || {
            Playlist::objects()
                .prefetch_related(playlist::tracks)
                .all(db)
        })?;
        assert_eq!(n, 2);
        assert_eq!(
            names(lists[0].tracks.get().unwrap(), |t| t.name.clone()),
            ["Black Dog", "Go Down"]
        );
        // A foreign key, then its reverse; a NULL key stays unloaded.
        let (tracks, n) = statements(db, || {
            Track::objects()
                .prefetch_related((track::album, track::album.artist()))
                .order_by(track::name)
                .all(db)
        })?;
        assert_eq!(n, 3);
        for t in &tracks {
            match &t.album {
                None => assert_eq!(t.name, "Loose"),
                Some(fk) => {
                    let album = fk.get().expect("prefetched");
                    assert_eq!(album.id, fk.id());
                    assert!(album.artist.get().is_some());
                }
            }
        }
        // No rows: no further statement.
        let (none, n) = statements(db, || {
            Artist::objects()
                .filter(artist::name.eq("nobody"))
                .prefetch_related(artist::albums)
                .all(db)
        })?;
        assert!(none.is_empty());
        assert_eq!(n, 1);
        Ok(())
    })
}

#[test]
fn related_rows_of_one_row() -> Result<()> {
    each_empty_db(|db| {
        let c = chinook(db)?;
        let acdc = Artist::objects().filter(artist::name.eq("AC/DC")).get(db)?;
        let albums = artist::albums.of(&acdc).all(db)?;
        assert_eq!(
            names(&albums, |a| a.title.clone()),
            ["Let There Be Rock", "Live at Donington"]
        );
        assert_eq!(
            artist::albums
                .of(&acdc)
                .filter(album::title.contains("Live"))
                .get(db)?,
            c.live
        );
        assert_eq!(album::tracks.of(&c.iv).count(db)?, 2);
        let rock = Playlist::objects().get(db)?;
        let (sql, _) = playlist::tracks.of(&rock).to_sql();
        assert!(
            sql.ends_with(r#"WHERE "id" IN (SELECT "playlist_tracks"."track_id" FROM "playlist_tracks" WHERE "playlist_tracks"."playlist_id" = ?)"#),
            "{sql}"
        );
        let tracks = playlist::tracks.of(&rock).all(db)?;
        assert_eq!(names(&tracks, |t| t.name.clone()), ["Black Dog", "Go Down"]);
        let _ = (&c.rock, &c.iv);
        Ok(())
    })
}

/// `n` artists, an album each, two tracks on each album.
fn many(db: &Db, n: usize) -> Result<()> {
    tables(db)?;
    let artists =
        Artist::objects().bulk_create(db, (0..n).map(|i| artist(&format!("a{i}"))).collect())?;
    let albums = Album::objects().bulk_create(
        db,
        artists
            .iter()
            .map(|a| album(&format!("t{}", a.id), a))
            .collect(),
    )?;
    Track::objects().bulk_create(
        db,
        albums
            .iter()
            .flat_map(|a| [track("x", 1, Some(a)), track("y", 2, Some(a))])
            .collect(),
    )?;
    Ok(())
}

#[test]
fn loading_runs_a_fixed_number_of_statements_for_10_and_10000_rows() -> Result<()> {
    for n in [10, 10_000] {
        each_empty_db(|db| {
            many(db, n)?;
            let (tracks, q) = statements(db, || {
                Track::objects()
                    .select_related(track::album.artist())
                    .all(db)
            })?;
            assert_eq!((tracks.len(), q), (2 * n, 1));
            assert!(tracks.iter().all(|t| {
                let album = t.album.as_ref().unwrap().get().unwrap();
                album
                    .artist
                    .get()
                    .is_some_and(|a| a.id == album.artist.id())
            }));
            let (artists, q) = statements(db, || {
                Artist::objects()
                    .prefetch_related(artist::albums.tracks())
                    .all(db)
            })?;
            assert_eq!((artists.len(), q), (n, 3));
            assert!(artists.iter().all(|a| {
                let albums = a.albums.get().unwrap();
                albums.len() == 1 && albums[0].tracks.get().unwrap().len() == 2
            }));
            Ok(())
        })?;
    }
    Ok(())
}
