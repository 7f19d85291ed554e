//! `on_delete`, as Django does it: cascades, `SET NULL`, refusals
//! (`Protect`, `Restrict`) that delete nothing, `DoNothing`, and Django's
//! totals, on Chinook-shaped models, on both backends.
//!
//! The rows left are checked with raw SQL. The database's own foreign key
//! constraints may or may not exist: every test passes either way (they
//! are the safety net, not what these tests check), but for `DoNothing`,
//! where the constraint is what decides.

mod common;

use common::*;
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
pub struct MediaType {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Genre {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Track {
    pub id: i64,
    pub name: String,
    #[field(on_delete = Cascade)]
    pub album: ForeignKey<Album>,
    #[field(on_delete = Protect)]
    pub media_type: ForeignKey<MediaType>,
    #[field(on_delete = SetNull)]
    pub genre: Option<ForeignKey<Genre>>,
    /// Django's `RESTRICT` example: deleting the composer is refused, unless
    /// the track goes too, through its album's cascade.
    #[field(on_delete = Restrict)]
    pub composer: Option<ForeignKey<Artist>>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Invoice {
    pub id: i64,
    pub total: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct InvoiceLine {
    pub id: i64,
    #[field(on_delete = DoNothing)]
    pub invoice: ForeignKey<Invoice>,
    #[field(on_delete = Protect)]
    pub track: ForeignKey<Track>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Employee {
    pub id: i64,
    pub last_name: String,
    #[field(on_delete = SetNull)]
    pub reports_to: Option<ForeignKey<Employee>>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: i64,
    pub last_name: String,
    #[field(on_delete = Restrict)]
    pub support_rep: Option<ForeignKey<Employee>>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Playlist {
    pub id: i64,
    pub name: String,
}

/// Chinook's join table; nothing points at it, so a cascade deletes its
/// rows by their foreign key, without reading them (Django's fast delete).
#[derive(Model, Debug, Clone, PartialEq)]
pub struct PlaylistTrack {
    pub id: i64,
    #[field(on_delete = Cascade)]
    pub playlist: ForeignKey<Playlist>,
    #[field(on_delete = Cascade)]
    pub track: ForeignKey<Track>,
}

/// A cascading self reference (a playlist folder inside another).
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Folder {
    pub id: i64,
    pub name: String,
    #[field(on_delete = Cascade)]
    pub parent: Option<ForeignKey<Folder>>,
}

/// The tables, each after the tables it points at.
fn tables(db: &Db) -> Result<()> {
    db.create_table::<Artist>()?;
    db.create_table::<Album>()?;
    db.create_table::<MediaType>()?;
    db.create_table::<Genre>()?;
    db.create_table::<Track>()?;
    db.create_table::<Invoice>()?;
    db.create_table::<InvoiceLine>()?;
    db.create_table::<Employee>()?;
    db.create_table::<Customer>()?;
    db.create_table::<Folder>()?;
    db.create_table::<Playlist>()?;
    db.create_table::<PlaylistTrack>()?;
    Ok(())
}

/// The test models, each after the models it points at.
fn metas() -> [&'static query::ModelMeta; 12] {
    [
        Artist::META,
        Album::META,
        MediaType::META,
        Genre::META,
        Track::META,
        Invoice::META,
        InvoiceLine::META,
        Employee::META,
        Customer::META,
        Folder::META,
        Playlist::META,
        PlaylistTrack::META,
    ]
}

/// Adds the foreign key constraints Django creates (`REFERENCES ..
/// DEFERRABLE INITIALLY DEFERRED`) to the empty tables, whether or not
/// `create_table` wrote them: on PostgreSQL with `ALTER TABLE`, on SQLite
/// by writing each table again with the clause after the column.
fn constrain(db: &Db) -> Result<()> {
    for meta in metas() {
        let mut ddl = match db.backend() {
            Backend::Sqlite => {
                let rows = db.query(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                    &[Value::Text(meta.table.into())],
                )?;
                match rows.first().and_then(|r| r.first()) {
                    Some(Value::Text(sql)) => Some(sql.clone()),
                    other => panic!("no table {}: {other:?}", meta.table),
                }
            }
            _ => None,
        };
        for f in meta.fields {
            let Some(fk) = f.foreign_key else { continue };
            let to = (fk.to)();
            let references = format!(
                " REFERENCES \"{}\" (\"{}\") DEFERRABLE INITIALLY DEFERRED",
                to.table,
                to.pk_field().column
            );
            match &mut ddl {
                Some(sql) => {
                    // After the column's definition: at the next comma or
                    // closing parenthesis outside parentheses.
                    let name = format!("\"{}\" ", f.column);
                    let start = sql.find(&name).expect("the column is in the DDL");
                    let mut depth = 0;
                    let mut end = sql.len() - 1;
                    for (i, ch) in sql[start..].char_indices() {
                        match ch {
                            '(' => depth += 1,
                            ')' if depth == 0 => {
                                end = start + i;
                                break;
                            }
                            ')' => depth -= 1,
                            ',' if depth == 0 => {
                                end = start + i;
                                break;
                            }
                            _ => {}
                        }
                    }
                    sql.insert_str(end, &references);
                }
                None => db.execute_batch(&format!(
                    "ALTER TABLE \"{}\" ADD FOREIGN KEY (\"{}\"){references}",
                    meta.table, f.column
                ))?,
            }
        }
        if let Some(sql) = ddl {
            db.execute_batch(&format!("DROP TABLE \"{}\"; {sql}", meta.table))?;
        }
    }
    Ok(())
}

/// Every test: on each backend, with the tables created; then again on
/// each backend with the database's foreign key constraints (the safety
/// net), which must change nothing but `DoNothing`'s outcome.
fn each(test: impl Fn(&Db) -> Result<()>) -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        test(db)
    })?;
    each_empty_db(|db| {
        eprintln!("with the database's foreign key constraints:");
        tables(db)?;
        constrain(db)?;
        test(db)
    })
}

/// The number of rows in `table`, by raw SQL.
fn rows(db: &Db, table: &str) -> Result<i64> {
    let out = db.query(&format!("SELECT COUNT(*) FROM \"{table}\""), &[])?;
    match out.first().and_then(|r| r.first()) {
        Some(Value::Integer(n)) => Ok(*n),
        other => panic!("COUNT(*) of {table} gave {other:?}"),
    }
}

/// The row count of every table, to check that a refusal changed nothing.
fn snapshot(db: &Db) -> Result<Vec<(&'static str, i64)>> {
    let mut out = Vec::new();
    for table in [
        "artist",
        "album",
        "media_type",
        "genre",
        "track",
        "invoice",
        "invoice_line",
        "employee",
        "customer",
        "folder",
        "playlist",
        "playlist_track",
    ] {
        out.push((table, rows(db, table)?));
    }
    Ok(out)
}

/// One integer column of `sql`'s rows (NULL as `None`).
fn ints(db: &Db, sql: &str) -> Result<Vec<Option<i64>>> {
    Ok(db
        .query(sql, &[])?
        .into_iter()
        .map(|r| match r.first() {
            Some(Value::Integer(n)) => Some(*n),
            _ => None,
        })
        .collect())
}

fn artist(db: &Db, name: &str) -> Result<Artist> {
    Artist::objects().create(
        db,
        Artist {
            id: 0,
            name: name.into(),
        },
    )
}

fn album(db: &Db, title: &str, by: &Artist) -> Result<Album> {
    Album::objects().create(
        db,
        Album {
            id: 0,
            title: title.into(),
            artist: by.into(),
        },
    )
}

fn media_type(db: &Db, name: &str) -> Result<MediaType> {
    MediaType::objects().create(
        db,
        MediaType {
            id: 0,
            name: name.into(),
        },
    )
}

fn new_track(name: &str, on: &Album, mt: &MediaType) -> Track {
    Track {
        id: 0,
        name: name.into(),
        album: on.into(),
        media_type: mt.into(),
        genre: None,
        composer: None,
    }
}

fn track(db: &Db, name: &str, on: &Album, mt: &MediaType) -> Result<Track> {
    Track::objects().create(db, new_track(name, on, mt))
}

fn employee(db: &Db, name: &str, boss: Option<&Employee>) -> Result<Employee> {
    Employee::objects().create(
        db,
        Employee {
            id: 0,
            last_name: name.into(),
            reports_to: boss.map(ForeignKey::from),
        },
    )
}

/// Whether the database has foreign key constraints on `table`.
fn has_foreign_keys(db: &Db, table: &str) -> Result<bool> {
    let sql = match db.backend() {
        Backend::Sqlite => format!("SELECT COUNT(*) FROM pragma_foreign_key_list('{table}')"),
        _ => format!(
            "SELECT COUNT(*) FROM information_schema.table_constraints \
             WHERE constraint_type = 'FOREIGN KEY' AND table_schema = current_schema() \
             AND table_name = '{table}'"
        ),
    };
    Ok(ints(db, &sql)? != [Some(0)])
}

/// `db.queries_run()` of `f`, and its result.
fn counted<T>(db: &Db, f: impl FnOnce() -> Result<T>) -> Result<(T, u64)> {
    let before = db.queries_run();
    let out = f()?;
    Ok((out, db.queries_run() - before))
}

#[test]
fn a_cascade_deletes_albums_and_their_tracks_and_counts_them_all() -> Result<()> {
    each(|db| {
        let mp3 = media_type(db, "MPEG audio file")?;
        let acdc = artist(db, "AC/DC")?;
        let accept = artist(db, "Accept")?;
        for title in ["For Those About To Rock", "Let There Be Rock"] {
            let a = album(db, title, &acdc)?;
            for n in 0..3 {
                track(db, &format!("{title} {n}"), &a, &mp3)?;
            }
        }
        let balls = album(db, "Balls to the Wall", &accept)?;
        track(db, "Balls to the Wall", &balls, &mp3)?;

        // Django: (9, {'Track': 6, 'Album': 2, 'Artist': 1}).
        assert_eq!(acdc.delete(db)?, 9);
        assert_eq!(rows(db, "artist")?, 1);
        assert_eq!(rows(db, "album")?, 1);
        assert_eq!(ints(db, "SELECT album_id FROM track")?, [Some(balls.id)]);
        assert_eq!(
            rows(db, "media_type")?,
            1,
            "a cascade goes to dependents only"
        );

        // Deleting what is already gone deletes nothing.
        assert_eq!(acdc.delete(db)?, 0);
        // A query set: the same total.
        assert_eq!(Artist::objects().delete(db)?, 3);
        assert_eq!(snapshot(db)?.iter().map(|(_, n)| n).sum::<i64>(), 1);
        Ok(())
    })
}

#[test]
fn a_cascade_to_a_join_table_deletes_by_the_foreign_key() -> Result<()> {
    each(|db| {
        let mp3 = media_type(db, "MPEG audio file")?;
        let acdc = artist(db, "AC/DC")?;
        let a = album(db, "Let There Be Rock", &acdc)?;
        let go_down = track(db, "Go Down", &a, &mp3)?;
        let dog = track(db, "Dog Eat Dog", &a, &mp3)?;
        let playlist = |name: &str| {
            Playlist::objects().create(
                db,
                Playlist {
                    id: 0,
                    name: name.into(),
                },
            )
        };
        let music = playlist("Music")?;
        let rock = playlist("Rock")?;
        for (p, t) in [(&music, &go_down), (&music, &dog), (&rock, &go_down)] {
            PlaylistTrack::objects().create(
                db,
                PlaylistTrack {
                    id: 0,
                    playlist: p.into(),
                    track: t.into(),
                },
            )?;
        }
        // BEGIN, DELETE FROM playlist_track WHERE playlist_id IN (..),
        // DELETE FROM playlist WHERE id IN (..), COMMIT.
        let (n, statements) = counted(db, || music.delete(db))?;
        assert_eq!((n, statements), (3, 4));
        assert_eq!(
            ints(db, "SELECT track_id FROM playlist_track")?,
            [Some(go_down.id)]
        );
        assert_eq!(go_down.delete(db)?, 2);
        assert_eq!(rows(db, "playlist_track")?, 0);
        assert_eq!(rows(db, "playlist")?, 1);
        Ok(())
    })
}

#[test]
fn protect_refuses_before_deleting_anything() -> Result<()> {
    each(|db| {
        let mp3 = media_type(db, "MPEG audio file")?;
        let aac = media_type(db, "AAC audio file")?;
        let acdc = artist(db, "AC/DC")?;
        let a = album(db, "Let There Be Rock", &acdc)?;
        track(db, "Go Down", &a, &mp3)?;
        track(db, "Dog Eat Dog", &a, &mp3)?;
        let before = snapshot(db)?;

        let err = mp3.delete(db).unwrap_err();
        match &err {
            Error::Protected {
                model,
                referenced_by,
            } => {
                assert_eq!(*model, "MediaType");
                assert_eq!(referenced_by, "'Track.media_type' (2 rows)");
            }
            other => panic!("expected Error::Protected, got {other:?}"),
        }
        assert_eq!(
            err.to_string(),
            "cannot delete some instances of model 'MediaType' because they are referenced \
             through protected foreign keys: 'Track.media_type' (2 rows)"
        );
        assert!(matches!(
            MediaType::objects().delete(db),
            Err(Error::Protected { .. })
        ));
        assert_eq!(snapshot(db)?, before);
        // A media type nothing uses goes.
        assert_eq!(aac.delete(db)?, 1);
        Ok(())
    })
}

#[test]
fn protect_reached_through_a_cascade_refuses_the_whole_delete() -> Result<()> {
    each(|db| {
        let mp3 = media_type(db, "MPEG audio file")?;
        let acdc = artist(db, "AC/DC")?;
        let a = album(db, "Let There Be Rock", &acdc)?;
        let sold = track(db, "Whole Lotta Rosie", &a, &mp3)?;
        track(db, "Bad Boy Boogie", &a, &mp3)?;
        let invoice = Invoice::objects().create(db, Invoice { id: 0, total: 99 })?;
        InvoiceLine::objects().create(
            db,
            InvoiceLine {
                id: 0,
                invoice: (&invoice).into(),
                track: (&sold).into(),
            },
        )?;
        let before = snapshot(db)?;

        // Artist -> Album -> Track is a cascade, but a sold track is
        // protected by its invoice line: Django names the track's model.
        match acdc.delete(db) {
            Err(Error::Protected {
                model,
                referenced_by,
            }) => {
                assert_eq!(model, "Track");
                assert_eq!(referenced_by, "'InvoiceLine.track' (1 row)");
            }
            other => panic!("expected Error::Protected, got {other:?}"),
        }
        assert_eq!(snapshot(db)?, before);
        Ok(())
    })
}

#[test]
fn restrict_refuses_unless_a_cascade_deletes_the_restricting_rows() -> Result<()> {
    each(|db| {
        let mp3 = media_type(db, "MPEG audio file")?;
        let young = artist(db, "Angus Young")?;
        let acdc = artist(db, "AC/DC")?;
        let own = album(db, "Angus Solo", &young)?;
        let band = album(db, "Highway to Hell", &acdc)?;
        // Both tracks are composed by Angus Young; one is on his album.
        for (name, on) in [("Solo", &own), ("Highway to Hell", &band)] {
            Track::objects().create(
                db,
                Track {
                    composer: Some((&young).into()),
                    ..new_track(name, on, &mp3)
                },
            )?;
        }
        let before = snapshot(db)?;

        // His own album's track goes with him (a cascade): allowed; the
        // band's track stays and still points at him: refused.
        match young.delete(db) {
            Err(Error::Restricted {
                model,
                referenced_by,
            }) => {
                assert_eq!(model, "Artist");
                assert_eq!(referenced_by, "'Track.composer' (1 row)");
            }
            other => panic!("expected Error::Restricted, got {other:?}"),
        }
        assert_eq!(snapshot(db)?, before);

        // Deleting the band too, in the same operation, cascades to the
        // other track: allowed. Django: 2 artists, 2 albums, 2 tracks.
        let both = Artist::objects().filter(artist::id.is_in([young.id, acdc.id]));
        assert_eq!(both.delete(db)?, 6);
        assert_eq!(
            rows(db, "artist")? + rows(db, "album")? + rows(db, "track")?,
            0
        );

        // The band alone (its track composed by someone still there) is
        // fine too: Restrict only looks at the rows pointing at the deleted.
        let young = artist(db, "Angus Young")?;
        let acdc = artist(db, "AC/DC")?;
        let band = album(db, "Highway to Hell", &acdc)?;
        Track::objects().create(
            db,
            Track {
                composer: Some((&young).into()),
                ..new_track("Highway to Hell", &band, &mp3)
            },
        )?;
        assert_eq!(acdc.delete(db)?, 3);
        assert_eq!(young.delete(db)?, 1);
        Ok(())
    })
}

#[test]
fn restrict_on_a_support_rep_refuses_and_sets_nothing_null() -> Result<()> {
    each(|db| {
        let adams = employee(db, "Adams", None)?;
        let edwards = employee(db, "Edwards", Some(&adams))?;
        for name in ["Gonçalves", "Köhler"] {
            Customer::objects().create(
                db,
                Customer {
                    id: 0,
                    last_name: name.into(),
                    support_rep: Some((&adams).into()),
                },
            )?;
        }
        let before = snapshot(db)?;
        match adams.delete(db) {
            Err(Error::Restricted {
                model,
                referenced_by,
            }) => {
                assert_eq!(model, "Employee");
                assert_eq!(referenced_by, "'Customer.support_rep' (2 rows)");
            }
            other => panic!("expected Error::Restricted, got {other:?}"),
        }
        assert_eq!(snapshot(db)?, before);
        // The SET NULL the delete would have done did not happen either.
        assert_eq!(
            ints(
                db,
                &format!(
                    "SELECT reports_to_id FROM employee WHERE id = {}",
                    edwards.id
                )
            )?,
            [Some(adams.id)]
        );
        // Once the customers have another rep, the delete goes through.
        for mut c in Customer::objects().all(db)? {
            c.support_rep = Some((&edwards).into());
            c.save(db)?;
        }
        assert_eq!(adams.delete(db)?, 1);
        Ok(())
    })
}

#[test]
fn set_null_clears_the_keys_of_a_self_reference_chain() -> Result<()> {
    each(|db| {
        let adams = employee(db, "Adams", None)?;
        let edwards = employee(db, "Edwards", Some(&adams))?;
        let peacock = employee(db, "Peacock", Some(&edwards))?;
        let park = employee(db, "Park", Some(&edwards))?;

        // The middle of the chain: its reports now report to no one; the
        // total counts deleted rows only.
        assert_eq!(edwards.delete(db)?, 1);
        assert_eq!(
            ints(db, "SELECT reports_to_id FROM employee ORDER BY id")?,
            [None, None, None]
        );
        assert_eq!(
            ints(db, "SELECT id FROM employee ORDER BY id")?,
            [Some(adams.id), Some(peacock.id), Some(park.id)]
        );

        // A whole chain in one query set.
        let king = employee(db, "King", Some(&park))?;
        employee(db, "Callahan", Some(&king))?;
        assert_eq!(Employee::objects().delete(db)?, 5);
        assert_eq!(rows(db, "employee")?, 0);
        Ok(())
    })
}

#[test]
fn set_null_on_a_genre_keeps_the_tracks() -> Result<()> {
    each(|db| {
        let mp3 = media_type(db, "MPEG audio file")?;
        let acdc = artist(db, "AC/DC")?;
        let a = album(db, "Let There Be Rock", &acdc)?;
        let rock = Genre::objects().create(
            db,
            Genre {
                id: 0,
                name: "Rock".into(),
            },
        )?;
        for name in ["Go Down", "Dog Eat Dog"] {
            Track::objects().create(
                db,
                Track {
                    genre: Some((&rock).into()),
                    ..new_track(name, &a, &mp3)
                },
            )?;
        }
        assert_eq!(rock.delete(db)?, 1);
        assert_eq!(ints(db, "SELECT genre_id FROM track")?, [None, None]);
        Ok(())
    })
}

#[test]
fn a_cascading_self_reference_deletes_the_subtree_and_a_cycle_ends() -> Result<()> {
    each(|db| {
        let folder = |name: &str, parent: Option<&Folder>| {
            Folder::objects().create(
                db,
                Folder {
                    id: 0,
                    name: name.into(),
                    parent: parent.map(ForeignKey::from),
                },
            )
        };
        // root <- a <- b <- c <- d, and root <- e; elsewhere: other.
        let root = folder("root", None)?;
        let a = folder("a", Some(&root))?;
        let b = folder("b", Some(&a))?;
        let c = folder("c", Some(&b))?;
        folder("d", Some(&c))?;
        folder("e", Some(&root))?;
        let other = folder("other", None)?;
        assert_eq!(a.delete(db)?, 4);
        assert_eq!(
            ints(db, "SELECT id FROM folder ORDER BY id")?,
            [Some(root.id), Some(root.id + 5), Some(other.id)]
        );

        // x <-> y: each the other's parent. The collector stops at rows it
        // has already collected.
        let mut x = folder("x", None)?;
        let y = folder("y", Some(&x))?;
        x.parent = Some((&y).into());
        x.save(db)?;
        assert_eq!(y.delete(db)?, 2);
        assert_eq!(rows(db, "folder")?, 3);
        Ok(())
    })
}

#[test]
fn do_nothing_leaves_it_to_the_database() -> Result<()> {
    each(|db| {
        let mp3 = media_type(db, "MPEG audio file")?;
        let acdc = artist(db, "AC/DC")?;
        let a = album(db, "Let There Be Rock", &acdc)?;
        let t = track(db, "Go Down", &a, &mp3)?;
        let invoice = Invoice::objects().create(db, Invoice { id: 0, total: 99 })?;
        InvoiceLine::objects().create(
            db,
            InvoiceLine {
                id: 0,
                invoice: (&invoice).into(),
                track: (&t).into(),
            },
        )?;
        // Only a DoNothing key points at Invoice: one DELETE, as without
        // relations. With the database's foreign key constraint it refuses
        // (and nothing is deleted); without one the line is left dangling.
        let constrained = has_foreign_keys(db, "invoice_line")?;
        let (outcome, statements) = counted(db, || Ok(invoice.delete(db)))?;
        assert_eq!(statements, 1);
        assert_eq!(outcome.is_err(), constrained, "{outcome:?}");
        match outcome {
            Ok(n) => {
                assert_eq!(n, 1);
                assert_eq!(rows(db, "invoice")?, 0);
                assert_eq!(
                    ints(db, "SELECT invoice_id FROM invoice_line")?,
                    [Some(invoice.id)]
                );
            }
            Err(Error::Integrity {
                kind: query::ConstraintKind::ForeignKey,
                ..
            }) => {
                assert_eq!(rows(db, "invoice")?, 1);
                assert_eq!(rows(db, "invoice_line")?, 1);
            }
            Err(e) => panic!("expected Ok or a foreign key error, got {e:?}"),
        }
        Ok(())
    })
}

#[test]
fn a_model_nothing_points_at_is_deleted_in_one_statement() -> Result<()> {
    each(|db| {
        let invoice = Invoice::objects().create(db, Invoice { id: 0, total: 1 })?;
        let mp3 = media_type(db, "MPEG audio file")?;
        let acdc = artist(db, "AC/DC")?;
        let a = album(db, "Let There Be Rock", &acdc)?;
        let t = track(db, "Go Down", &a, &mp3)?;
        let line = InvoiceLine::objects().create(
            db,
            InvoiceLine {
                id: 0,
                invoice: (&invoice).into(),
                track: (&t).into(),
            },
        )?;
        let (n, statements) = counted(db, || line.delete(db))?;
        assert_eq!((n, statements), (1, 1));
        let (n, statements) = counted(db, || InvoiceLine::objects().delete(db))?;
        assert_eq!((n, statements), (0, 1));
        Ok(())
    })
}

/// `n` albums of `artist`, each with three tracks.
fn albums_with_tracks(db: &Db, by: &Artist, mt: &MediaType, n: usize) -> Result<()> {
    let albums = Album::objects().bulk_create(
        db,
        (0..n)
            .map(|i| Album {
                id: 0,
                title: format!("bulk {i}"),
                artist: by.into(),
            })
            .collect(),
    )?;
    let tracks: Vec<Track> = albums
        .iter()
        .flat_map(|a| (0..3).map(move |i| new_track(&format!("{} #{i}", a.title), a, mt)))
        .collect();
    Track::objects().bulk_create(db, tracks)?;
    Ok(())
}

#[test]
fn deleting_many_rows_runs_as_many_statements_as_deleting_few() -> Result<()> {
    each(|db| {
        let mp3 = media_type(db, "MPEG audio file")?;
        let acdc = artist(db, "AC/DC")?;
        let keep = album(db, "Let There Be Rock", &acdc)?;
        track(db, "Go Down", &keep, &mp3)?;
        let bulk = || Album::objects().filter(album::title.startswith("bulk"));

        let mut counts = Vec::new();
        for n in [10, 1_000] {
            albums_with_tracks(db, &acdc, &mp3, n)?;
            let (deleted, statements) = counted(db, || bulk().delete(db))?;
            assert_eq!(deleted, n * 4, "{n} albums and their {} tracks", n * 3);
            counts.push(statements);
        }
        // BEGIN, the albums' keys, the tracks' keys (they have dependents
        // of their own), the invoice lines that protect them, DELETE
        // their playlist entries (by track_id), DELETE tracks, DELETE
        // albums, COMMIT.
        assert_eq!(counts, [8, 8]);
        assert_eq!(ints(db, "SELECT id FROM album")?, [Some(keep.id)]);
        assert_eq!(rows(db, "track")?, 1);

        // The artist, with 1,000 albums and 3,000 tracks: the same again,
        // plus its own level.
        albums_with_tracks(db, &acdc, &mp3, 1_000)?;
        let (deleted, statements) = counted(db, || acdc.delete(db))?;
        assert_eq!(deleted, 1 + 1_001 + 3_001);
        // BEGIN, the albums' keys, the tracks restricting the artist
        // (composer), the tracks' keys, the invoice lines, DELETE x4
        // (playlist entries, tracks, albums, the artist), COMMIT.
        assert_eq!(statements, 10);
        assert_eq!(snapshot(db)?.iter().map(|(_, n)| n).sum::<i64>(), 1);
        Ok(())
    })
}

#[test]
fn a_sliced_query_set_deletes_its_slice_and_its_cascade() -> Result<()> {
    each(|db| {
        let mp3 = media_type(db, "MPEG audio file")?;
        let acdc = artist(db, "AC/DC")?;
        albums_with_tracks(db, &acdc, &mp3, 10)?;
        let first_three = Album::objects().order_by(album::id).limit(3);
        let keys: Vec<Option<i64>> = first_three.all(db)?.iter().map(|a| Some(a.id)).collect();
        assert_eq!(first_three.delete(db)?, 3 + 9);
        let left = ints(db, "SELECT id FROM album ORDER BY id")?;
        assert_eq!(left.len(), 7);
        assert!(keys.iter().all(|k| !left.contains(k)));
        assert_eq!(rows(db, "track")?, 21);
        Ok(())
    })
}
