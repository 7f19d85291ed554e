//! The reverse side of a many-to-many relation (`Related<T>` with
//! `reverse = "<a ManyToMany field of T>"`), as Django's reverse accessor
//! (`track.playlist_set`, or its `related_name`): filtering across it,
//! `any`, `exclude`, `isnull`, ordering, `Count`, `prefetch_related`,
//! `of`, deletes and lookup strings, on both backends, both through a
//! `through` model (the models of API.md, as written there) and through
//! an automatic table of pairs.

mod common;

use common::*;
use query::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct MediaType {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Album {
    pub id: i64,
    pub title: String,
}

/// The models of API.md ("Relations"), with `through = "PlaylistTrack"`.
pub mod api {
    use super::{Album, MediaType};
    use query::prelude::*;

    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Track {
        pub id: i64,
        pub name: String,
        #[field(on_delete = SetNull)]
        pub album: Option<ForeignKey<Album>>,
        #[field(on_delete = Protect)]
        pub media_type: ForeignKey<MediaType>,
        #[field(reverse = "tracks")] // the reverse side of Playlist.tracks
        pub playlists: Related<Playlist>,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Playlist {
        pub id: i64,
        pub name: String,
        #[field(through = "PlaylistTrack")]
        pub tracks: ManyToMany<Track>,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct PlaylistTrack {
        pub id: i64,
        #[field(on_delete = Cascade)]
        pub playlist: ForeignKey<Playlist>,
        #[field(on_delete = Cascade)]
        pub track: ForeignKey<Track>,
    }

    /// The table of pairs and its columns (to the playlist, to the track).
    pub const PAIRS: (&str, &str, &str) = ("playlist_track", "playlist_id", "track_id");

    pub fn tables(db: &Db) -> Result<()> {
        db.create_table::<Track>()?;
        db.create_table::<Playlist>()?;
        db.create_table::<PlaylistTrack>()
    }
}

/// The same models without `through`: an automatic table of pairs.
pub mod automatic {
    use super::{Album, MediaType};
    use query::prelude::*;

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "auto_track")]
    pub struct Track {
        pub id: i64,
        pub name: String,
        #[field(on_delete = SetNull)]
        pub album: Option<ForeignKey<Album>>,
        #[field(on_delete = Protect)]
        pub media_type: ForeignKey<MediaType>,
        #[field(reverse = "tracks")]
        pub playlists: Related<Playlist>,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "auto_playlist")]
    pub struct Playlist {
        pub id: i64,
        pub name: String,
        pub tracks: ManyToMany<Track>,
    }

    pub const PAIRS: (&str, &str, &str) = ("auto_playlist_tracks", "playlist_id", "track_id");

    pub fn tables(db: &Db) -> Result<()> {
        db.create_table::<Track>()?;
        // With its table of pairs, `auto_playlist_tracks`.
        db.create_table::<Playlist>()
    }
}

/// A model related to itself: `friend_of` is the reverse of `friends`
/// (whose automatic pairs are `from_person_id` -> `to_person_id`).
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub friends: ManyToMany<Person>,
    #[field(reverse = "friends")]
    pub friend_of: Related<Person>,
}

/// The same suite on each pair of models.
macro_rules! suite {
    ($suite:ident, $models:ident) => {
        mod $suite {
            #[allow(unused_imports)]
            use super::$models::{PAIRS, Playlist, Track, playlist, track};
            use super::common::*;
            use super::{Album, MediaType, sorted_names};
            use query::prelude::*;

            struct Data {
                go_down: Track,
                black_dog: Track,
                loose: Track,
                rock: Playlist,
                live: Playlist,
            }

            fn track(db: &Db, name: &str, album: Option<&Album>, media: &MediaType) -> Result<Track> {
                Track::objects().create(
                    db,
                    Track {
                        id: 0,
                        name: name.into(),
                        album: album.map(ForeignKey::from),
                        media_type: media.into(),
                        playlists: Default::default(),
                    },
                )
            }

            fn playlist(db: &Db, name: &str) -> Result<Playlist> {
                Playlist::objects().create(
                    db,
                    Playlist {
                        id: 0,
                        name: name.into(),
                        tracks: Default::default(),
                    },
                )
            }

            /// Rock: Go Down, Whole Lotta Rosie, Black Dog; Live: Black Dog;
            /// Empty: none. Loose is on no playlist.
            fn data(db: &Db) -> Result<Data> {
                db.create_table::<MediaType>()?;
                db.create_table::<Album>()?;
                // Both variants' tables: every model pointing at MediaType
                // and Album has its table, as in a real schema.
                super::api::tables(db)?;
                super::automatic::tables(db)?;
                let mpeg = MediaType::objects().create(
                    db,
                    MediaType {
                        id: 0,
                        name: "MPEG".into(),
                    },
                )?;
                let ltbr = Album::objects().create(
                    db,
                    Album {
                        id: 0,
                        title: "Let There Be Rock".into(),
                    },
                )?;
                let go_down = track(db, "Go Down", Some(&ltbr), &mpeg)?;
                let rosie = track(db, "Whole Lotta Rosie", Some(&ltbr), &mpeg)?;
                let black_dog = track(db, "Black Dog", None, &mpeg)?;
                let loose = track(db, "Loose", None, &mpeg)?;
                let rock = playlist(db, "Rock")?;
                let live = playlist(db, "Live")?;
                playlist(db, "Empty")?;
                playlist::tracks.add(db, &rock, [&go_down, &rosie, &black_dog])?;
                playlist::tracks.add(db, &live, [&black_dog])?;
                Ok(Data {
                    go_down,
                    black_dog,
                    loose,
                    rock,
                    live,
                })
            }

            fn track_names(rows: &[Track]) -> Vec<String> {
                rows.iter().map(|t| t.name.clone()).collect()
            }

            fn playlist_names(rows: &[Playlist]) -> Vec<String> {
                sorted_names(rows.iter().map(|p| p.name.clone()))
            }

            /// The joins of the SQL text: one per step, through the pairs.
            fn joins(sql: &str) -> Vec<String> {
                sql.split(" JOIN ")
                    .skip(1)
                    .map(|j| j.split(" WHERE ").next().unwrap_or(j).to_owned())
                    .collect()
            }

            #[test]
            fn the_reverse_relation_is_the_pairs_seen_from_the_other_side() {
                let (table, to_playlist, to_track) = PAIRS;
                let rel = <Track as query::__private::Relation<4>>::REL;
                assert_eq!(rel.name, "playlists");
                assert_eq!(rel.kind, query::__private::RelKind::ManyToMany);
                assert!(rel.to_many && rel.nullable);
                assert_eq!(rel.owner.table, Track::TABLE);
                assert_eq!(rel.to.table, Playlist::TABLE);
                assert_eq!(rel.through, Some((table, to_track, to_playlist)));
                assert_eq!((rel.near_col, rel.far_col), ("id", "id"));
                let forward = <Playlist as query::__private::Relation<2>>::REL;
                assert_eq!(forward.through, Some((table, to_playlist, to_track)));
                assert!(!rel.same(forward) && !forward.same(rel));
                // The two directions are two paths.
                assert_ne!(track::playlists.node(), playlist::tracks.node());
                assert_eq!(track::playlists.node(), track::playlists.node());
                assert_ne!(
                    track::playlists.tracks().node(),
                    playlist::tracks.playlists().node()
                );
                // Among the model's relations (lookup strings), not its
                // forward ones.
                assert!(Track::META.relations().iter().any(|r| r.same(rel)));
                assert!(!Track::FORWARD_RELATIONS.iter().any(|r| r.same(rel)));
                assert!(Playlist::FORWARD_RELATIONS.iter().any(|r| r.same(forward)));
                // A to-many step: the end's value type is an Option.
                let _: query::Field<Track, Option<String>> = track::playlists.name();
                let _: query::Field<Track, Option<i64>> = track::playlists.id();
                let _: query::Field<Playlist, Option<String>> = playlist::tracks.playlists().name();
            }

            #[test]
            fn filtering_across_the_reverse_side_joins_through_the_pairs() -> Result<()> {
                each_empty_db(|db| {
                    let d = data(db)?;
                    use track::*;
                    let (table, to_playlist, to_track) = PAIRS;
                    let q = Track::objects()
                        .filter(playlists.name().eq("Rock"))
                        .order_by(name);
                    assert_eq!(
                        track_names(&q.all(db)?),
                        ["Black Dog", "Go Down", "Whole Lotta Rosie"]
                    );
                    let (sql, params) = q.to_sql();
                    let (t, p) = (Track::TABLE, Playlist::TABLE);
                    assert_eq!(
                        joins(&sql),
                        [
                            format!(r#""{table}" "T1m" ON "T1m"."{to_track}" = "{t}"."id" INNER"#),
                            format!(r#""{p}" "T1" ON "T1"."id" = "T1m"."{to_playlist}""#),
                        ],
                        "{sql}"
                    );
                    assert_eq!(params, [Value::Text("Rock".into())]);
                    // Rows repeat along the join unless distinct.
                    let all = Track::objects()
                        .filter(playlists.name().ne("Empty"))
                        .order_by(name);
                    assert_eq!(
                        track_names(&all.all(db)?),
                        ["Black Dog", "Black Dog", "Go Down", "Whole Lotta Rosie"]
                    );
                    assert_eq!(all.clone().distinct().count(db)?, 3);
                    // One filter(): the same playlist must match both; two:
                    // each may be met by another playlist (joined again).
                    let one = Track::objects()
                        .filter(playlists.name().eq("Rock") & playlists.name().eq("Live"))
                        .count(db)?;
                    assert_eq!(one, 0);
                    let two = Track::objects()
                        .filter(playlists.name().eq("Rock"))
                        .filter(playlists.name().eq("Live"));
                    assert_eq!(two.all(db)?, std::slice::from_ref(&d.black_dog));
                    assert_eq!(joins(&two.to_sql().0).len(), 4);
                    // The related row itself.
                    assert_eq!(
                        Track::objects().filter(playlists.eq(&d.live)).all(db)?,
                        std::slice::from_ref(&d.black_dog)
                    );
                    // EXISTS: no duplicates.
                    let any = Track::objects()
                        .filter(playlists.any(playlist::name.eq("Rock") | playlist::name.eq("Live")))
                        .order_by(name);
                    assert_eq!(
                        track_names(&any.all(db)?),
                        ["Black Dog", "Go Down", "Whole Lotta Rosie"]
                    );
                    let (sql, _) = any.to_sql();
                    assert!(sql.contains(&format!(r#"EXISTS (SELECT 1 FROM "{table}" "U1m" INNER JOIN "{p}" "U1" ON "U1"."id" = "U1m"."{to_playlist}" WHERE "U1m"."{to_track}" = "{t}"."id""#)), "{sql}");
                    // exclude: a subquery; the track on no playlist stays.
                    let not_rock = Track::objects()
                        .exclude(playlists.name().eq("Rock"))
                        .all(db)?;
                    assert_eq!(not_rock, std::slice::from_ref(&d.loose));
                    let not_live = Track::objects()
                        .exclude(playlists.name().eq("Live"))
                        .order_by(name)
                        .all(db)?;
                    assert_eq!(
                        track_names(&not_live),
                        ["Go Down", "Loose", "Whole Lotta Rosie"]
                    );
                    // isnull: on no playlist (a LEFT OUTER JOIN), on some.
                    assert_eq!(
                        Track::objects().filter(playlists.isnull(true)).all(db)?,
                        std::slice::from_ref(&d.loose)
                    );
                    let (sql, _) = Track::objects().filter(playlists.isnull(true)).to_sql();
                    assert_eq!(sql.matches(" LEFT OUTER JOIN ").count(), 2, "{sql}");
                    assert_eq!(
                        Track::objects()
                            .filter(playlists.isnull(false))
                            .distinct()
                            .count(db)?,
                        3
                    );
                    // Back and forth: tracks sharing a playlist with Go Down.
                    let mates = Track::objects()
                        .filter(playlists.tracks().name().eq("Go Down"))
                        .distinct()
                        .order_by(name);
                    assert_eq!(
                        track_names(&mates.all(db)?),
                        ["Black Dog", "Go Down", "Whole Lotta Rosie"]
                    );
                    assert_eq!(joins(&mates.to_sql().0).len(), 4);
                    // And from the forward side: playlists sharing a track
                    // with Live.
                    let near_live = Playlist::objects()
                        .filter(playlist::tracks.playlists().name().eq("Live"))
                        .distinct()
                        .all(db)?;
                    assert_eq!(playlist_names(&near_live), ["Live", "Rock"]);
                    // Through a foreign key of the far side, after the step.
                    let on_ltbr = Playlist::objects()
                        .filter(playlist::tracks.album().title().eq("Let There Be Rock"))
                        .distinct()
                        .all(db)?;
                    assert_eq!(on_ltbr, std::slice::from_ref(&d.rock));
                    let _ = &d.go_down;
                    Ok(())
                })
            }

            #[test]
            fn ordering_and_counting_across_the_reverse_side() -> Result<()> {
                each_empty_db(|db| {
                    data(db)?;
                    use track::*;
                    let q = Track::objects().filter(name.ne("Loose"));
                    assert_eq!(
                        track_names(&q.clone().order_by((playlists.name(), name)).all(db)?),
                        ["Black Dog", "Black Dog", "Go Down", "Whole Lotta Rosie"]
                    );
                    assert_eq!(
                        track_names(&q.clone().order_by((-playlists.name(), name)).all(db)?),
                        ["Black Dog", "Go Down", "Whole Lotta Rosie", "Black Dog"]
                    );
                    // Count: the playlists of each track, 0 for none.
                    let n = Count(playlists);
                    let rows: Vec<(Track, i64)> = Track::objects().annotate(n).order_by(name).all(db)?;
                    let got: Vec<(String, i64)> = rows.into_iter().map(|(t, n)| (t.name, n)).collect();
                    assert_eq!(
                        got,
                        [
                            ("Black Dog".into(), 2),
                            ("Go Down".into(), 1),
                            ("Loose".into(), 0),
                            ("Whole Lotta Rosie".into(), 1),
                        ]
                    );
                    let busy: Vec<(Track, i64)> = Track::objects().annotate(n).filter(n.gte(2)).all(db)?;
                    assert_eq!(busy.len(), 1);
                    assert_eq!(busy[0].0.name, "Black Dog");
                    let most = Track::objects()
                        .annotate(n)
                        .order_by((-n, name))
                        .first(db)?;
                    assert_eq!(
                        most.map(|(t, n)| (t.name, n)),
                        Some(("Black Dog".into(), 2))
                    );
                    assert_eq!(Track::objects().aggregate(db, Count(playlists))?, 4);
                    assert_eq!(
                        Track::objects().aggregate(db, Count(playlists).distinct())?,
                        2
                    );
                    // Tracks on a playlist with Rock's tracks, per track.
                    let mates: Vec<(Track, i64)> = Track::objects()
                        .annotate(Count(playlists.tracks()).distinct())
                        .order_by(name)
                        .all(db)?;
                    let got: Vec<i64> = mates.iter().map(|(_, n)| *n).collect();
                    assert_eq!(got, [3, 3, 0, 3]);
                    Ok(())
                })
            }

            #[test]
            fn prefetch_related_reads_each_level_in_one_statement() -> Result<()> {
                each_empty_db(|db| {
                    data(db)?;
                    let before = db.queries_run();
                    let tracks = Track::objects()
                        .prefetch_related(track::playlists)
                        .order_by(track::name)
                        .all(db)?;
                    assert_eq!(db.queries_run() - before, 2);
                    let lists: Vec<Vec<String>> = tracks
                        .iter()
                        .map(|t| playlist_names(t.playlists.get().expect("prefetched")))
                        .collect();
                    assert_eq!(
                        lists,
                        [vec!["Live", "Rock"], vec!["Rock"], vec![], vec!["Rock"]]
                    );
                    // Two levels: back to the tracks.
                    let before = db.queries_run();
                    let tracks = Track::objects()
                        .filter(track::name.eq("Go Down"))
                        .prefetch_related(track::playlists.tracks())
                        .all(db)?;
                    assert_eq!(db.queries_run() - before, 3);
                    let rock = &tracks[0].playlists.get().unwrap()[0];
                    assert_eq!(rock.name, "Rock");
                    assert_eq!(
                        sorted_names(rock.tracks.get().unwrap().iter().map(|t| t.name.clone())),
                        ["Black Dog", "Go Down", "Whole Lotta Rosie"]
                    );
                    // From the forward side to the reverse one.
                    let before = db.queries_run();
                    let lists = Playlist::objects()
                        .filter(playlist::name.eq("Live"))
                        .prefetch_related(playlist::tracks.playlists())
                        .all(db)?;
                    assert_eq!(db.queries_run() - before, 3);
                    let dog = &lists[0].tracks.get().unwrap()[0];
                    assert_eq!(dog.name, "Black Dog");
                    assert_eq!(
                        playlist_names(dog.playlists.get().unwrap()),
                        ["Live", "Rock"]
                    );
                    Ok(())
                })
            }

            #[test]
            fn of_a_row_is_its_related_rows_as_a_query_set() -> Result<()> {
                each_empty_db(|db| {
                    let d = data(db)?;
                    let (table, to_playlist, to_track) = PAIRS;
                    let q = track::playlists.of(&d.black_dog);
                    assert_eq!(playlist_names(&q.all(db)?), ["Live", "Rock"]);
                    let (sql, params) = q.to_sql();
                    assert!(sql.contains(&format!(r#"FROM "{}""#, Playlist::TABLE)), "{sql}");
                    assert!(
                        sql.ends_with(&format!(r#"WHERE "id" IN (SELECT "{table}"."{to_playlist}" FROM "{table}" WHERE "{table}"."{to_track}" = ?)"#)),
                        "{sql}"
                    );
                    assert_eq!(params, [Value::Integer(d.black_dog.id)]);
                    assert_eq!(
                        track::playlists
                            .of(&d.black_dog)
                            .filter(playlist::name.eq("Rock"))
                            .get(db)?,
                        d.rock
                    );
                    assert_eq!(track::playlists.of(&d.loose).count(db)?, 0);
                    assert_eq!(
                        track::playlists.of(&d.go_down).all(db)?,
                        std::slice::from_ref(&d.rock)
                    );
                    Ok(())
                })
            }

            #[test]
            fn deleting_a_track_deletes_its_pairs() -> Result<()> {
                each_empty_db(|db| {
                    let d = data(db)?;
                    let (table, _, to_track) = PAIRS;
                    let pairs = |db: &Db| raw_count(db, table);
                    assert_eq!(pairs(db), 4);
                    // The track and its two pairs (Django's total).
                    assert_eq!(d.black_dog.delete(db)?, 3);
                    assert_eq!(pairs(db), 2);
                    let left = db.query(
                        &format!(
                            r#"SELECT COUNT(*) FROM "{table}" WHERE "{to_track}" = {}"#,
                            d.black_dog.id
                        ),
                        &[],
                    )?;
                    assert_eq!(left, [[Value::Integer(0)]]);
                    assert_eq!(Playlist::objects().count(db)?, 3, "the playlists stay");
                    assert_eq!(track::playlists.of(&d.black_dog).count(db)?, 0);
                    // A delete filtered across the reverse side.
                    let n = Track::objects()
                        .filter(track::playlists.name().eq("Rock"))
                        .delete(db)?;
                    assert_eq!(n, 4, "two tracks and their two pairs");
                    assert_eq!(pairs(db), 0);
                    assert_eq!(Track::objects().all(db)?, std::slice::from_ref(&d.loose));
                    // Deleting a playlist deletes its pairs too (as before).
                    playlist::tracks.add(db, &d.live, [&d.loose])?;
                    assert_eq!(d.live.delete(db)?, 2);
                    assert_eq!(pairs(db), 0);
                    // The Protect key of API.md's Track still protects.
                    let mpeg = MediaType::objects().get(db)?;
                    let refused = mpeg.delete(db);
                    assert!(
                        matches!(refused, Err(Error::Protected { .. })),
                        "{refused:?}"
                    );
                    Ok(())
                })
            }

            #[test]
            fn lookup_strings_resolve_the_reverse_side() -> Result<()> {
                each_empty_db(|db| {
                    let d = data(db)?;
                    use track::*;
                    let same =
                        |s: QuerySet<Track>, typed: QuerySet<Track>| assert_eq!(s.to_sql(), typed.to_sql());
                    same(
                        Track::objects().filter_str("playlists__name", "Rock")?,
                        Track::objects().filter(playlists.name().eq("Rock")),
                    );
                    same(
                        Track::objects().filter_str("playlists__name__icontains", "ROCK")?,
                        Track::objects().filter(playlists.name().icontains("ROCK")),
                    );
                    same(
                        Track::objects().filter_str("playlists__isnull", "true")?,
                        Track::objects().filter(playlists.isnull(true)),
                    );
                    same(
                        Track::objects().filter_str("playlists", &d.live.id.to_string())?,
                        Track::objects().filter(playlists.eq(&d.live)),
                    );
                    same(
                        Track::objects().exclude_str("playlists__name", "Rock")?,
                        Track::objects().exclude(playlists.name().eq("Rock")),
                    );
                    same(
                        Track::objects().filter_str("playlists__tracks__name", "Go Down")?,
                        Track::objects().filter(playlists.tracks().name().eq("Go Down")),
                    );
                    same(
                        Track::objects().order_by_str("-playlists__name")?,
                        Track::objects().order_by(-playlists.name()),
                    );
                    let rows = Track::objects()
                        .filter_str("playlists__name", "Live")?
                        .all(db)?;
                    assert_eq!(rows, std::slice::from_ref(&d.black_dog));
                    assert_eq!(
                        Track::objects()
                            .filter_str("playlists__nme", "x")
                            .unwrap_err()
                            .to_string(),
                        "Cannot resolve keyword 'nme' into field. Choices are: id, name, tracks."
                    );
                    assert_eq!(
                        Track::objects()
                            .filter_str("playlists__contains", "x")
                            .unwrap_err()
                            .to_string(),
                        "Related Field got invalid lookup: contains. 'playlists' is a ManyToManyRel; its lookups are: exact, gt, gte, in, isnull, lt, lte, or a field of Playlist: id, name, tracks."
                    );
                    assert!(
                        Track::objects().filter_str("nme", "x").unwrap_err().to_string().ends_with(
                            "Choices are: album, album_id, id, media_type, media_type_id, name, playlists."
                        )
                    );
                    Ok(())
                })
            }
        }
    };
}

suite!(through_model, api);
suite!(automatic_table, automatic);

fn sorted_names(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = names.collect();
    v.sort();
    v
}

#[test]
fn a_self_referencing_many_to_many_and_its_reverse() -> Result<()> {
    let rel = <Person as query::__private::Relation<3>>::REL;
    assert_eq!(
        rel.through,
        Some(("person_friends", "to_person_id", "from_person_id"))
    );
    each_empty_db(|db| {
        db.create_table::<Person>()?;
        let person = |n: &str| {
            Person::objects().create(
                db,
                Person {
                    id: 0,
                    name: n.into(),
                    friends: Default::default(),
                    friend_of: Default::default(),
                },
            )
        };
        let (ann, bob, cy) = (person("Ann")?, person("Bob")?, person("Cy")?);
        // Ann calls Bob and Cy friends; Bob calls Cy one.
        person::friends.add(db, &ann, [&bob, &cy])?;
        person::friends.add(db, &bob, [&cy])?;
        use person::*;
        let of_cy = friend_of.of(&cy).order_by(name).all(db)?;
        assert_eq!(
            sorted_names(of_cy.into_iter().map(|p| p.name)),
            ["Ann", "Bob"]
        );
        let named_by_ann = Person::objects()
            .filter(friend_of.name().eq("Ann"))
            .order_by(name)
            .all(db)?;
        assert_eq!(
            sorted_names(named_by_ann.into_iter().map(|p| p.name)),
            ["Bob", "Cy"]
        );
        let nobodys = Person::objects().filter(friend_of.isnull(true)).get(db)?;
        assert_eq!(nobodys.name, "Ann");
        let counted: Vec<(Person, i64, i64)> = Person::objects()
            .annotate((Count(friends).distinct(), Count(friend_of).distinct()))
            .order_by(name)
            .all(db)?;
        let got: Vec<(i64, i64)> = counted.iter().map(|(_, a, b)| (*a, *b)).collect();
        assert_eq!(got, [(2, 0), (1, 1), (0, 2)]);
        let people = Person::objects()
            .prefetch_related((friends, friend_of))
            .order_by(name)
            .all(db)?;
        let cy_loaded = &people[2];
        assert_eq!(cy_loaded.friends.get().map(<[_]>::len), Some(0));
        assert_eq!(
            sorted_names(
                cy_loaded
                    .friend_of
                    .get()
                    .unwrap()
                    .iter()
                    .map(|p| p.name.clone())
            ),
            ["Ann", "Bob"]
        );
        // Deleting Cy deletes the pairs naming Cy on either side.
        assert_eq!(cy.delete(db)?, 3);
        assert_eq!(friends.of(&ann).all(db)?, std::slice::from_ref(&bob));
        Ok(())
    })
}

/// A model related to itself through a model of its own: the first key of
/// `Follow` is the near one of `follows`, so the far one of `followers`.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub name: String,
    #[field(through = "Follow")]
    pub follows: ManyToMany<User>,
    #[field(reverse = "follows")]
    pub followers: Related<User>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Follow {
    pub id: i64,
    #[field(on_delete = Cascade)]
    pub follower: ForeignKey<User>,
    #[field(on_delete = Cascade)]
    pub followed: ForeignKey<User>,
}

#[test]
fn a_self_referencing_many_to_many_through_a_model_and_its_reverse() -> Result<()> {
    let rel = <User as query::__private::Relation<3>>::REL;
    assert_eq!(rel.through, Some(("follow", "followed_id", "follower_id")));
    each_empty_db(|db| {
        db.create_table::<User>()?;
        db.create_table::<Follow>()?;
        let user = |n: &str| {
            User::objects().create(
                db,
                User {
                    id: 0,
                    name: n.into(),
                    follows: Default::default(),
                    followers: Default::default(),
                },
            )
        };
        let (ann, bob, cy) = (user("Ann")?, user("Bob")?, user("Cy")?);
        user::follows.add(db, &ann, [&cy])?;
        user::follows.add(db, &bob, [&cy, &ann])?;
        let of_cy = user::followers.of(&cy).all(db)?;
        assert_eq!(
            sorted_names(of_cy.into_iter().map(|u| u.name)),
            ["Ann", "Bob"]
        );
        assert_eq!(
            user::followers.of(&ann).all(db)?,
            std::slice::from_ref(&bob)
        );
        let followed_by_bob = User::objects()
            .filter(user::followers.name().eq("Bob"))
            .all(db)?;
        assert_eq!(
            sorted_names(followed_by_bob.into_iter().map(|u| u.name)),
            ["Ann", "Cy"]
        );
        assert_eq!(
            User::objects()
                .filter(user::followers.isnull(true))
                .get(db)?,
            bob
        );
        Ok(())
    })
}
